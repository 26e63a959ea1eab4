"""The layout's rules (../shared/ARCHITECTURE.md), checked on the source so that they stay true.

- ``bot/core`` imports none of ``bot.platforms``, ``bot.runtime``, ``storage`` or a platform SDK, web
  framework or database library;
- the core, the config and the CLI name no chat platform: the registry is the only list of them;
- a platform's folder does not reach into another platform's;
- no module is over 400 lines and no function over 60, so that each reads in one sitting (a
  migration's ``upgrade`` declares a schema and is left whole).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.platforms.registry import PLATFORMS, config_sections

ROOT = Path(__file__).resolve().parents[1]
CORE_FORBIDDEN = (
    "bot.platforms",
    "bot.runtime",
    "storage",
    "slack_bolt",
    "slack_sdk",
    "linebot",
    "flask",
    "sqlalchemy",
)
CHAT_PLATFORMS = {section.name for section in config_sections()}


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def strings(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


@pytest.mark.parametrize("path", modules("bot/core"), ids=lambda p: p.name)
def test_the_core_imports_no_platform_runtime_storage_or_io_library(path: Path) -> None:
    bad = [name for name in imports(path) if name.startswith(CORE_FORBIDDEN)]
    assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


@pytest.mark.parametrize(
    "path",
    [*modules("bot/core"), *modules("bot/config"), ROOT / "bot/cli.py"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_the_core_config_and_cli_name_no_chat_platform(path: Path) -> None:
    named = [(line, value) for line, value in strings(path) if value in CHAT_PLATFORMS]
    assert named == [], f"{path.relative_to(ROOT)} names a platform: {named}"


@pytest.mark.parametrize("name", sorted(PLATFORMS), ids=str)
def test_a_platform_does_not_reach_into_another(name: str) -> None:
    others = tuple(f"bot.platforms.{other}" for other in PLATFORMS if other != name)
    for path in modules(f"bot/platforms/{name}"):
        bad = [module for module in imports(path) if module.startswith(others)]
        assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


def test_every_platform_folder_is_registered() -> None:
    folders = {p.name for p in (ROOT / "bot/platforms").iterdir() if (p / "__init__.py").exists()}
    assert folders == set(PLATFORMS)


MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
SIZED = [
    path
    for folder in ("bot", "classifiers", "storage", "benchmarks")
    for path in modules(folder)
    if "migrations" not in path.parts
]


@pytest.mark.parametrize("path", SIZED, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_stay_short(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES
    long = {
        f"{node.name} (line {node.lineno}): {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    }
    assert long == set()
