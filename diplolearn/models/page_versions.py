"""Page versions (issue 16): a counter per scope of what the signed-in learner's pages show,
moved in the transaction of every change to it (services/page_versions.py), so that a page
rendered earlier can be served again while the counters it was rendered under are unchanged
(diplolearn/page_cache.py).

Scopes: one person ("user", their id: their records, enrolments, notifications, messages), one
cohort ("cohort", its id: its schedule, announcements, discussion, roster) and the site
("site", 0: everything else, course content included).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from diplolearn.models.base import Base

SCOPES = ("site", "user", "cohort")


class PageVersion(Base):
    __tablename__ = "page_version"
    __table_args__ = (
        sa.CheckConstraint("scope IN ('site', 'user', 'cohort')", name="scope_known"),
    )

    scope: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=1)
