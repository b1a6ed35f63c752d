"""A cohort's completion rules: overrides of the course's (``Cohort.module_rules``) that change,
for this cohort only, whether a module is required, which modules must be complete before it
opens, and how many discussion posts it asks of each learner; the progress service applies
them. Prerequisites that go round in a circle are refused."""

from __future__ import annotations

from flask_babel import gettext as _

from diplolearn.extensions import db
from diplolearn.models import Cohort, User
from diplolearn.services import audit
from diplolearn.services.cohorts import CohortRefused
from diplolearn.services.cohorts.schedule import cohort_modules

MAX_ANNOTATIONS_RULE = 50


def set_module_rules(cohort: Cohort, rules: dict[str, dict], *, by: User) -> None:
    """Override modules' completion rules for this cohort: ``{key: {"required": bool,
    "prerequisites": [keys], "annotations": n}}``; a rule equal to the course's is not kept as
    an override. ``annotations``: how many discussion posts (on the module's text or prompt:
    services/discussion/posting.py) each learner must make; 0 or missing asks for none."""
    revisions = {module.key: revision for module, revision in cohort_modules(cohort)}
    stored: dict[str, dict] = {}
    for key, rule in rules.items():
        if key not in revisions:
            raise CohortRefused(_("This module is not part of the cohort's course."))
        revision = revisions[key]
        override = {}
        if (
            "required" in rule
            and rule["required"] is not None
            and bool(rule["required"]) != revision.required
        ):
            override["required"] = bool(rule["required"])
        if "prerequisites" in rule and rule["prerequisites"] is not None:
            keys = [k for k in revisions if k in set(rule["prerequisites"])]
            if len(keys) != len(set(rule["prerequisites"])) or key in keys:
                raise CohortRefused(_("A module can only wait for other modules of the course."))
            if keys != [k for k in revisions if k in set(revision.prerequisites or [])]:
                override["prerequisites"] = keys
        if rule.get("annotations") not in (None, "", 0):
            try:
                needed = int(rule["annotations"])
            except (TypeError, ValueError):
                needed = -1
            if not 0 <= needed <= MAX_ANNOTATIONS_RULE:
                raise CohortRefused(
                    _(
                        "The number of discussion posts a module asks for must "
                        "be a whole number from 0 to %(max)d.",
                        max=MAX_ANNOTATIONS_RULE,
                    )
                )
            if needed:
                override["annotations"] = needed
        if override:
            stored[key] = override
    prerequisites = {
        key: stored.get(key, {}).get("prerequisites", rev.prerequisites or [])
        for key, rev in revisions.items()
    }
    if _has_cycle(prerequisites):
        raise CohortRefused(
            _("These prerequisites go round in a circle, so some modules would never open.")
        )
    if stored != (cohort.module_rules or {}):
        audit.record(
            by, "cohort.rules", target=cohort, before=cohort.module_rules or {}, after=stored
        )
        cohort.module_rules = stored
    db.session.flush()


def _has_cycle(graph: dict[str, list[str]]) -> bool:
    state: dict[str, int] = {}

    def visit(node: str) -> bool:
        if state.get(node) == 1:
            return True
        if state.get(node) == 2:
            return False
        state[node] = 1
        if any(visit(n) for n in graph.get(node, []) if n in graph):
            return True
        state[node] = 2
        return False

    return any(visit(node) for node in graph)
