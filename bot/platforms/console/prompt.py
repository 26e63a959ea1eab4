"""Where the console's lines come from: a prompt with line editing and history at a terminal, else the
piped input as it is (``printf '...\\n' | make run``).

prompt_toolkit rather than readline: it measures full-width characters right, so moving through and
deleting Japanese text typed with an IME works, and with ``patch_stdout`` a reminder the scheduler
prints while you type appears above the prompt instead of inside your half-typed line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

HISTORY_FILE = Path.home() / ".triage-bot-history"


def console_lines(stdin: TextIO, stdout: TextIO, prompt: str) -> Iterator[str]:
    """The lines to handle: prompted for at a terminal, read as they come when piped."""
    if not (stdin.isatty() and stdout.isatty()):
        yield from stdin
        return
    yield from _prompted(prompt)


def _prompted(prompt: str) -> Iterator[str]:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory
    from prompt_toolkit.patch_stdout import patch_stdout

    try:
        history: FileHistory | InMemoryHistory = FileHistory(str(HISTORY_FILE))
    except OSError:
        history = InMemoryHistory()
    session: PromptSession[str] = PromptSession(history=history)
    with patch_stdout():
        while True:
            try:
                yield session.prompt(prompt)
            except KeyboardInterrupt:  # Ctrl-C clears the line, as in a shell
                continue
            except EOFError:  # Ctrl-D ends the session, as the end of piped input does
                return
