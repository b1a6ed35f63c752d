"""Page through a select: ``?page=N``, bad values fall back to page 1, never a 500."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import request

from diplolearn.extensions import db


@dataclass
class Page:
    items: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(query: sa.Select, per_page: int = 25) -> Page:
    raw = request.args.get("page", "1")
    number = int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1
    total = (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(query.order_by(None).options().subquery())
        )
        or 0
    )
    items = db.session.scalars(query.limit(per_page).offset((number - 1) * per_page)).unique().all()
    return Page(items=list(items), number=number, per_page=per_page, total=total)
