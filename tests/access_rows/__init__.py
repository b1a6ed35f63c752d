"""More rows for the access matrix, one module per feature area.

``tests/test_access_matrix.py`` holds the core table; a feature that adds routes may instead
put its rows in a module here, so that features built side by side do not edit one table.
Each module may define:

- ``GET`` and ``POST``: rows in the shape of ``MATRIX`` and ``POST_MATRIX`` (path with
  placeholders -> statuses in ``ROLES`` order);
- ``A_SIDE``: extra placeholder names (``"{request}"``) that name something of ministry A's
  side, so the outsiders are checked on those rows too;
- ``extend_world(app, db, world) -> dict``: builds what the rows need in the shared world
  (after the core world exists; ``world["users"]``, ``world["ids"]`` etc. are available) and
  returns extra placeholder values merged into ``world["ids"]``;
- ``COVERED``: ``(method, path)`` pairs for methods the table cannot express (PUT, PATCH,
  DELETE), which that module's own tests must exercise for every role.
"""

from __future__ import annotations

import importlib
import pkgutil


def modules():
    """The row modules, in name order."""
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name)
    ]


def merged(name: str) -> dict:
    rows: dict = {}
    for module in modules():
        for path, statuses in getattr(module, name, {}).items():
            if path in rows:
                raise AssertionError(f"{path} appears twice in the access rows ({name})")
            rows[path] = statuses
    return rows


def a_side() -> tuple[str, ...]:
    return tuple(name for module in modules() for name in getattr(module, "A_SIDE", ()))


def covered() -> set[tuple[str, str]]:
    return {pair for module in modules() for pair in getattr(module, "COVERED", ())}


def extend_world(app, db, world: dict) -> None:
    for module in modules():
        extend = getattr(module, "extend_world", None)
        if extend is not None:
            world["ids"].update(extend(app, db, world) or {})
