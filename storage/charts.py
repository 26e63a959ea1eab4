"""Digest charts stored for serving by URL: any web process finds one by its token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.models import DigestChartRow

Render = Callable[[dict[str, Any]], tuple[bytes, bytes]]
"""Draws (chart, preview) PNGs from a digest's figures."""


class SqlCharts:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def image(self, token: str, *, preview: bool, render: Render) -> bytes | None:
        """The chart (or its preview) stored under ``token``; ``None`` for an unknown token.

        The PNGs are drawn on the first request and kept, so later requests (LINE fetches the
        preview and the full image, per viewer) cost a primary-key read.
        """
        with self.session_factory() as session:
            row = session.execute(
                select(
                    DigestChartRow.id, DigestChartRow.data, DigestChartRow.png, DigestChartRow.preview
                ).where(DigestChartRow.token == token)
            ).first()
        if row is None:
            return None
        chart_id, data, png, small = row
        if png is None or small is None:
            png, small = render(dict(data))
            with self.session_factory() as session, session.begin():
                session.execute(
                    update(DigestChartRow).where(DigestChartRow.id == chart_id).values(png=png, preview=small)
                )
        image: bytes = small if preview else png
        return image
