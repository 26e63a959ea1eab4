"""Runs the installed CLI in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(
    *args: str, stdin: str = "", cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "LINE_", "TRIAGE_")) and k not in ("DATABASE_URL", "PORT")
    }
    full_env.update(env or {})
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
