"""Runs the installed CLI in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def clean_env(**env: str) -> dict[str, str]:
    """This process's environment without the bot's own settings (a developer's SLACK_*, LINE_*,
    TRIAGE_*, PROMETHEUS_*, DATABASE_URL, PORT), plus ``env``: what a subprocess under test gets."""
    kept = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "LINE_", "TRIAGE_", "PROMETHEUS_"))
        and k not in ("DATABASE_URL", "PORT")
    }
    return {**kept, **env}


def run_cli(
    *args: str, stdin: str = "", cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    full_env = clean_env(**(env or {}))
    full_env.setdefault("DATABASE_URL", f"sqlite:///{cwd}/bot.db")
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=timeout,
        check=False,
    )
