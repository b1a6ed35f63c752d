"""Following a cohort's run: the grid, the at-risk list, a learner's record (with extensions) and
announcements."""

from __future__ import annotations

from flask import flash, get_template_attribute, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from diplolearn.learner.pages import Reader
from diplolearn.models import Role, utcnow
from diplolearn.pagination import Page
from diplolearn.security.permissions import role_required
from diplolearn.security.scoping import (
    CohortAccess,
    leads_cohort,
    tracked_announcements,
    tracked_cohort_or_404,
    tracked_enrolment_or_404,
    tracked_extension_or_404,
    tracked_groups,
)
from diplolearn.services import progress
from diplolearn.services.cohorts import cohorts, tracking
from diplolearn.teach import CELL_STATUS, bp, enrolment_states, url_by_id
from diplolearn.teach.tracking_forms import AnnouncementForm, ExtensionForm, GridFilterForm
from diplolearn.unit_of_work import unit_of_work

followers_only = role_required(Role.ADMINISTRATOR, Role.LEAD_INSTRUCTOR, Role.TUTOR)


def _nav(cohort, current: str, **context):
    """What the cohort's heading and tabs (templates/teach/_cohort_head.html) need."""
    leads = leads_cohort(current_user, cohort)
    return dict(
        cohort=cohort,
        tab=current,
        leads=leads,
        read=Reader(cohort.course),
        access=CohortAccess(cohort, leads, None),
        **context,
    )


def rows_markup(grid) -> list[tuple]:
    """(learner, their cells as one piece of HTML) for each row of the grid. A cell is
    rendered once per distinct (status, score) (teach/tracking/_grid_cell.html), and a row's
    cells joined once per tuple of cells, which the learners whose modules stand alike share
    (``standings.cohort_summaries``): a grid of 1,000 learners x 12 modules renders a few
    dozen cells, not 12,000, and the template writes each row's cells at once (issue 16)."""
    cell = get_template_attribute("teach/tracking/_grid_cell.html", "cell")
    markup: dict = {}
    joined: dict[int, Markup] = {}
    found = []
    for row in grid.rows if grid is not None else ():
        cells = joined.get(id(row.cells))
        if cells is None:
            parts = []
            for c in row.cells:
                html = markup.get(c)
                if html is None:
                    label, symbol = CELL_STATUS[c.status]
                    html = markup[c] = cell(c.status, c.score, label, symbol)
                parts.append(html)
            cells = joined[id(row.cells)] = Markup("".join(parts))
        found.append((row.learner, cells))
    return found


@bp.get("/cohorts/<int:cohort_id>/grid")
@followers_only
def show_grid(cohort_id: int):
    cohort = tracked_cohort_or_404(current_user, cohort_id)
    read = Reader(cohort.course)
    form = GridFilterForm(request.args)
    form.set_choices(
        tracking.sponsor_choices(current_user, cohort),
        tracked_groups(current_user, cohort),
        lambda texts: read(texts)[0],
        every_group=leads_cohort(current_user, cohort),
    )
    if not form.validate():
        return render_template(
            "teach/tracking/grid.html", form=form, grid=None, **_nav(cohort, "grid")
        ), 422
    grid = tracking.grid(
        current_user,
        cohort,
        ministry_id=form.selected(form.ministry),
        group_id=form.selected(form.group),
    )
    return render_template(
        "teach/tracking/grid.html",
        form=form,
        grid=grid,
        rows=rows_markup(grid),
        states=enrolment_states(),
        learner_url=_learner_url(cohort),
        **_nav(cohort, "grid"),
    )


def _learner_url(cohort):
    return url_by_id("teach.show_learner", "enrolment_id", cohort_id=cohort.id)


AT_RISK_PAGE = 50  # learners per page of the at-risk list


@bp.get("/cohorts/<int:cohort_id>/at-risk")
@followers_only
def list_at_risk(cohort_id: int):
    cohort = tracked_cohort_or_404(current_user, cohort_id)
    now = utcnow()
    found = tracking.at_risk(current_user, cohort, now)
    pages = max(1, -(-len(found) // AT_RISK_PAGE))
    number = min(max(request.args.get("page", 1, type=int), 1), pages)
    shown = found[(number - 1) * AT_RISK_PAGE : number * AT_RISK_PAGE]
    return render_template(
        "teach/tracking/at_risk.html",
        learners=tracking.dated(cohort, shown, now),
        page=Page(shown, number, AT_RISK_PAGE, len(found)),
        now=now,
        days=cohort.at_risk_inactive_days,
        learner_url=_learner_url(cohort),
        **_nav(cohort, "at_risk"),
    )


def _extension_form(cohort, standing, form=None) -> ExtensionForm:
    """The extension form, offering the modules that have a due date."""
    form = form or ExtensionForm()
    read = Reader(cohort.course)
    form.module.choices = [
        (
            str(m.node.module_id),
            _("Module %(number)d: %(title)s", number=m.node.number, title=read(m.node.title)[0]),
        )
        for m in (standing.modules if standing is not None else [])
        if m.due_at is not None
    ]
    form.due_at.description = _("In the cohort's time zone (%(zone)s).", zone=cohort.timezone)
    return form


def _learner_page(cohort, enrolment, form=None, status: int = 200):
    standing = progress.course_progress(enrolment)
    form = _extension_form(cohort, standing, form)
    row = tracking.row_for(enrolment, standing) if standing is not None else None
    numbers = {m.node.module_id: m.node.number for m in (standing.modules if standing else [])}
    return render_template(
        "teach/tracking/learner.html",
        enrolment=enrolment,
        row=row,
        extensions=tracking.extensions_of(enrolment),
        form=form,
        module_numbers=numbers,
        **_nav(cohort, "learner"),
    ), status


@bp.get("/cohorts/<int:cohort_id>/learners/<int:enrolment_id>")
@followers_only
def show_learner(cohort_id: int, enrolment_id: int):
    cohort = tracked_cohort_or_404(current_user, cohort_id)
    return _learner_page(cohort, tracked_enrolment_or_404(current_user, cohort, enrolment_id))


@bp.post("/cohorts/<int:cohort_id>/learners/<int:enrolment_id>/extensions")
@followers_only
def grant_extension(cohort_id: int, enrolment_id: int):
    cohort = tracked_cohort_or_404(current_user, cohort_id)
    enrolment = tracked_enrolment_or_404(current_user, cohort, enrolment_id)
    form = _extension_form(cohort, progress.course_progress(enrolment))
    if not form.validate_on_submit():
        return _learner_page(cohort, enrolment, form, 422)
    with unit_of_work(status=422, quiet=True) as work:
        tracking.grant_extension(
            enrolment,
            int(form.module.data),
            cohorts.to_utc(form.due_at.data, cohort.timezone),
            form.reason.data.strip(),
            by=current_user,
        )
    if work.refused:
        error = work.error
        field = (
            form.module
            if isinstance(error, (tracking.UnknownModule, tracking.NoDueDate))
            else form.due_at
        )
        field.errors = [*field.errors, error.message]
        return _learner_page(
            cohort, tracked_enrolment_or_404(current_user, cohort, enrolment_id), form, work.status
        )
    flash(_("The extension is granted. The learner sees the new due date."), "success")
    return redirect(url_for("teach.show_learner", cohort_id=cohort.id, enrolment_id=enrolment.id))


@bp.post(
    "/cohorts/<int:cohort_id>/learners/<int:enrolment_id>/extensions/<int:extension_id>/withdraw"
)
@followers_only
def withdraw_extension(cohort_id: int, enrolment_id: int, extension_id: int):
    cohort = tracked_cohort_or_404(current_user, cohort_id)
    extension = tracked_extension_or_404(current_user, cohort, enrolment_id, extension_id)
    with unit_of_work(quiet=True) as work:
        tracking.withdraw_extension(extension, by=current_user)
    if work.refused:  # as before, a refusal here is unexpected: the error handlers answer it
        raise work.error
    flash(_("The extension is withdrawn: the cohort's due date applies again."), "success")
    return redirect(url_for("teach.show_learner", cohort_id=cohort.id, enrolment_id=enrolment_id))


def _audiences(cohort):
    choices = [("", _("The whole cohort"))] if leads_cohort(current_user, cohort) else []
    return choices + [
        (str(g.id), _("Group: %(name)s", name=g.name)) for g in tracked_groups(current_user, cohort)
    ]


def _announcements_page(cohort, form, status: int = 200):
    return render_template(
        "teach/tracking/announcements.html",
        form=form,
        announcements=tracking.recent_announcements(tracked_announcements(current_user, cohort)),
        **_nav(cohort, "announcements"),
    ), status


@bp.get("/cohorts/<int:cohort_id>/announcements")
@followers_only
def list_announcements(cohort_id: int):
    cohort = tracked_cohort_or_404(current_user, cohort_id)
    form = AnnouncementForm()
    form.audience.choices = _audiences(cohort)
    return _announcements_page(cohort, form)


@bp.post("/cohorts/<int:cohort_id>/announcements")
@followers_only
def post_announcement(cohort_id: int):
    cohort = tracked_cohort_or_404(current_user, cohort_id)
    form = AnnouncementForm()
    form.audience.choices = _audiences(cohort)
    if not form.validate_on_submit():
        return _announcements_page(cohort, form, 422)
    groups = {str(g.id): g for g in tracked_groups(current_user, cohort)}
    with unit_of_work(status=403, quiet=True) as work:
        _, mailed = tracking.post_announcement(
            cohort, current_user, form.title.data, form.body.data, groups.get(form.audience.data)
        )
    if work.refused:
        form.audience.errors = [*form.audience.errors, work.error.message]
        return _announcements_page(cohort, form, work.status)
    flash(
        ngettext(
            "The announcement is posted on the learners' dashboards and sent by mail "
            "to %(num)d person.",
            "The announcement is posted on the learners' dashboards and sent by mail "
            "to %(num)d people.",
            mailed,
        ),
        "success",
    )
    return redirect(url_for("teach.list_announcements", cohort_id=cohort.id))
