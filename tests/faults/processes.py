"""The bot's processes for the fault tests and the load benchmark: started with their own log files,
ended at teardown; a worker killed with SIGKILL; gunicorn as the Procfile runs it."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from tests.cli_runner import clean_env

ROOT = Path(__file__).resolve().parents[2]


class Processes:
    """Starts the bot's processes (each with its own log file) and ends every one at teardown."""

    def __init__(self, folder: Path, env: Mapping[str, str]) -> None:
        self.folder = folder
        self.env = clean_env(**env)
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *command: str, **env: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.started.append(process)
        return process

    def worker(self, name: str, *, days_ahead: float = 0.0, ready: bool = False) -> subprocess.Popen[bytes]:
        """A worker (tests/faults/runner.py); ``ready``: started up, waiting for :meth:`go`."""
        command = [sys.executable, "-m", "tests.faults.runner", "--days-ahead", str(days_ahead)]
        if ready:
            command += ["--go", str(self.folder / f"{name}.go")]
        return self.start(name, *command)

    def go(self, name: str) -> None:
        (self.folder / f"{name}.go").touch()

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        for process in self.started:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no handler runs, no transaction is finished, nothing is released."""
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def gunicorn(
    processes: Processes,
    name: str,
    port: int,
    *,
    app: str = "bot.runtime.web:wsgi()",
    workers: int = 2,
    threads: int = 4,
) -> subprocess.Popen[bytes]:
    """The Procfile's ``web``: gunicorn serving ``app`` on loopback."""
    return processes.start(
        name,
        *(
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--preload",
            "--graceful-timeout",
            "5",
        ),
        *("--workers", str(workers), "--threads", str(threads), app),
    )


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 - loopback only
            return int(response.status) == 200
    except OSError:
        return False
