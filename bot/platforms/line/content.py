"""What a LINE message holds besides words: media (photos, files, stickers, ...) and LINE emoji.

A text message's ``emojis`` lists each LINE emoji by ``index`` and ``length`` in ``text``. There the
text holds either the emoji's alt text ("(love)", which stays as it is) or a ``$`` placeholder,
which says nothing to a reader and becomes the emoji's alt text here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["ATTACHABLE", "MEDIA", "expand_emojis"]

MEDIA = frozenset({"image", "video", "audio", "file", "location", "sticker"})
ATTACHABLE = frozenset({"image", "video", "audio", "file"})
"""The media that can join a ticket."""


def expand_emojis(text: str, emojis: Sequence[Any] | None, alt: str) -> tuple[str, Callable[[int], int]]:
    """``text`` with each ``$`` placeholder of a LINE emoji replaced by ``alt``, and a function that
    maps an index in ``text`` to the same place in the result (for mentions after an emoji)."""
    spans = sorted(
        (int(emoji.index), int(emoji.length))
        for emoji in emojis or ()
        if isinstance(getattr(emoji, "index", None), int) and isinstance(getattr(emoji, "length", None), int)
    )
    out: list[str] = []
    shifts: list[tuple[int, int]] = []  # (index in text, growth so far after it)
    pos, growth = 0, 0
    for index, length in spans:
        end = index + length
        if index < pos or end > len(text) or length < 1 or set(text[index:end]) != {"$"}:
            continue  # overlapping, outside the text, or already the alt text
        out += [text[pos:index], alt]
        growth += len(alt) - length
        shifts.append((end, growth))
        pos = end
    out.append(text[pos:])

    def shift(i: int) -> int:
        return i + next((g for at, g in reversed(shifts) if i >= at), 0)

    return "".join(out), shift
