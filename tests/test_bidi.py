"""Bidirectional text done once, everywhere (issue 15 item 4).

- ``isolate_runs`` (diplolearn/courses/bidi.py): Latin runs in Arabic lesson text and Arabic
  runs in English or French text wrapped in <bdi>, idempotent, never inside code, link targets,
  images, tags or anchors; ``flask courses format`` applies it and the repository's courses are
  formatted that way.
- The sanitiser keeps <bdi> and dir (ltr, rtl, auto only); people's text (``render_post``)
  gets dir="auto" blocks with its runs isolated.
- Text mails isolate data values between FSI and PDI.
- The checker (tests/bidi_check.py) over a corpus of mixed strings rendered through the real
  pages, in Arabic and English.
"""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from diplolearn.courses.bidi import (
    FSI,
    PDI,
    first_strong_language,
    isolate,
    isolate_people_text,
    isolate_plain_runs,
    isolate_runs,
)
from tests.bidi_check import bidi_problems, head_problems

ROOT = Path(__file__).resolve().parents[1]

# --- isolate_runs: the corpus of mixed strings ----------------------------------------------

ARABIC_CASES = [
    # (text, expected) in an Arabic paragraph
    (
        "تنشر الوزارة عبر حسابها @francediplo مواقفها",
        "تنشر الوزارة عبر حسابها <bdi>@francediplo</bdi> مواقفها",
    ),
    ("تحت وسم #IranTalks على تويتر", "تحت وسم <bdi>#IranTalks</bdi> على تويتر"),
    (
        "الرابط https://www.diplomatie.gouv.fr/fr/ للمزيد.",
        "الرابط <bdi>https://www.diplomatie.gouv.fr/fr/</bdi> للمزيد.",
    ),
    ("المسافة 12 km من السفارة", "المسافة <bdi>12 km</bdi> من السفارة"),
    ("منظمة اليونسكو (UNESCO) في باريس", "منظمة اليونسكو (<bdi>UNESCO</bdi>) في باريس"),
    ("الموظف A-2001 في التقرير", "الموظف <bdi>A-2001</bdi> في التقرير"),
    ("راسلوا amal.hassan@example.org اليوم", "راسلوا <bdi>amal.hassan@example.org</bdi> اليوم"),
    (
        "السفير توم فليتشر (Tom Fletcher)، في بيروت",
        "السفير توم فليتشر (<bdi>Tom Fletcher</bdi>)، في بيروت",
    ),
    ("مفهوم diplomatie d'influence الفرنسي", "مفهوم <bdi>diplomatie d'influence</bdi> الفرنسي"),
    ("انظر [Nye 2004](ref:nye-2004).", "انظر [<bdi>Nye 2004</bdi>](ref:nye-2004)."),
    # digits alone take the paragraph's direction: left alone, as are percentages and dates
    ("في 16 نوفمبر 2012 بلغت النسبة 97%", "في 16 نوفمبر 2012 بلغت النسبة 97%"),
]
LATIN_CASES = [
    # (text, language, expected)
    (
        "He asked: ما هي الدبلوماسية الرقمية؟ in class",
        "en",
        'He asked: <bdi lang="ar">ما هي الدبلوماسية الرقمية؟</bdi> in class',
    ),
    (
        "The hashtag #دبلوماسية_رقمية spread.",
        "en",
        'The hashtag <bdi lang="ar">#دبلوماسية_رقمية</bdi> spread.',
    ),
    (
        "L’article écrit «مفوضية الاتحاد», la Commission.",
        "fr",
        'L’article écrit «<bdi lang="ar">مفوضية الاتحاد</bdi>», la Commission.',
    ),
    # Handles and hashtags in English text need nothing.
    (
        "Follow @francediplo and #IranTalks (UNESCO) 12 km A-2001",
        "en",
        "Follow @francediplo and #IranTalks (UNESCO) 12 km A-2001",
    ),
]


@pytest.mark.parametrize(("text", "expected"), ARABIC_CASES)
def test_latin_runs_in_arabic_text_are_isolated_once(text, expected):
    assert isolate_runs(text, "ar") == expected
    assert isolate_runs(expected, "ar") == expected  # idempotent


@pytest.mark.parametrize(("text", "language", "expected"), LATIN_CASES)
def test_arabic_runs_in_english_and_french_text_are_isolated_once(text, language, expected):
    assert isolate_runs(text, language) == expected
    assert isolate_runs(expected, language) == expected


@pytest.mark.parametrize(
    "text",
    [
        "{#tw-france}\nنص فقط",  # the anchor line
        "نص `code @x` فقط",  # code span
        "```\nfenced Latin code\n```",  # fenced code
        "صورة ![](image:" + "a" * 64 + ") فقط",  # image syntax
        "[الورقة](ref:paper) و[رابط](https://example.org/a-b)",  # link targets
        'نص <bdi lang="en" dir="ltr">Tom Fletcher</bdi> معزول',  # isolated already
        '<span dir="ltr">Tom</span> و<abbr title="United Nations">ا.م</abbr>',  # dir, attributes
        "نص \u2066Twitter\u2069 معزول بالمحارف",  # Unicode isolates
        "نص&nbsp;فقط &amp; علامة",  # entities
        "<https://example.org> رابط تلقائي",  # autolink
    ],
)
def test_what_is_never_touched(text):
    assert isolate_runs(text, "ar") == text


def test_front_matter_and_whole_lesson_files():
    lesson = "---\nid: twitter\ntitle: Twitter تويتر\n---\n\n{#tw-why}\nيناسب Twitter العمل\n"
    assert isolate_runs(lesson, "ar") == (
        "---\nid: twitter\ntitle: Twitter تويتر\n---\n\n{#tw-why}\nيناسب <bdi>Twitter</bdi> العمل\n"
    )


def test_a_hash_at_the_start_of_a_line_stays_a_heading_mark():
    assert isolate_runs("### DiploFoundation مثالًا", "ar") == "### <bdi>DiploFoundation</bdi> مثالًا"
    assert isolate_runs("#IranTalks", "ar").startswith("#")


def test_plain_text_uses_unicode_isolates():
    assert isolate_plain_runs("حساب @francediplo في 12 km", "ar") == (
        f"حساب {FSI}@francediplo{PDI} في {FSI}12 km{PDI}"
    )
    once = isolate_plain_runs("Asked: ما هذا؟", "en")
    assert once == f"Asked: {FSI}ما هذا؟{PDI}" and isolate_plain_runs(once, "en") == once
    assert isolate("أمل الحسن") == f"{FSI}أمل الحسن{PDI}"
    assert isolate(isolate("A-2001")) == isolate("A-2001")
    # an isolate ends with its line: each line is isolated on its own
    assert isolate("one\n\ntwo") == f"{FSI}one{PDI}\n\n{FSI}two{PDI}"
    assert isolate(None) == "" and isolate("") == ""


def test_people_text_takes_each_block_s_first_letter():
    assert first_strong_language("@francediplo سلام") == "en"
    assert first_strong_language("[رابط](https://example.org) text") == "ar"
    assert first_strong_language("2026 — 12") is None
    text = "سلام @francediplo\n\nHello مرحبا\n\n- Tom مرحبا\n- مرحبا Tom"
    assert isolate_people_text(text) == (
        'سلام <bdi>@francediplo</bdi>\n\nHello <bdi lang="ar">مرحبا</bdi>\n\n'
        '- Tom <bdi lang="ar">مرحبا</bdi>\n- مرحبا <bdi>Tom</bdi>'
    )
    assert isolate_people_text(isolate_people_text(text)) == isolate_people_text(text)


# --- the sanitiser -------------------------------------------------------------------------


def test_the_sanitiser_keeps_bdi_and_dir_with_valid_values_only():
    from diplolearn.security.sanitize import render_markdown, sanitize_html, would_change

    kept = (
        '<bdi lang="en" dir="ltr">@francediplo</bdi> <span dir="rtl">x</span> <p dir="auto">y</p>'
    )
    assert sanitize_html(kept) == kept and not would_change(kept)
    assert sanitize_html('<bdi dir="sideways">a</bdi>') == "<bdi>a</bdi>"
    assert would_change('<bdi dir="sideways">a</bdi>') and would_change('<span lang="a b">x</span>')
    assert '<bdi dir="ltr">A-2001</bdi>' in render_markdown('الموظف <bdi dir="ltr">A-2001</bdi>')


def test_people_s_posts_render_with_auto_direction_and_isolated_runs():
    from diplolearn.security.sanitize import render_post

    html = str(render_post("سلام @francediplo\n\nHe asked: ما هي الدبلوماسية الرقمية؟"))
    assert '<p dir="auto">سلام <bdi>@francediplo</bdi></p>' in html
    assert '<p dir="auto">He asked: <bdi lang="ar">ما هي الدبلوماسية الرقمية؟</bdi></p>' in html
    assert "<script" not in str(render_post("<script>x</script> @x"))
    assert not bidi_problems(f"<main>{html}</main>", "en")
    assert not bidi_problems(f"<main>{html}</main>", "ar")


def test_plain_people_text_gets_its_runs_in_bdi_escaped():
    from diplolearn.security.sanitize import bidi_text

    assert str(bidi_text("تابعوا @francediplo <b>")) == (
        "تابعوا <bdi>@francediplo</bdi> &lt;<bdi>b</bdi>&gt;"
    )
    assert str(bidi_text("Asked: ما هذا؟")) == "Asked: <bdi>ما هذا؟</bdi>"
    assert str(bidi_text("2026 & 12")) == "2026 &amp; 12" and str(bidi_text(None)) == ""
    html = f'<main><td dir="auto">{bidi_text("تابعوا حساب @francediplo على 12 km")}</td></main>'
    assert not bidi_problems(html, "en") and not bidi_problems(html, "ar")


# --- courses: format, check, import then export -----------------------------------------------


def _run(runner, *args):
    result = runner.invoke(args=list(args))
    return result.exit_code, result.output


def test_format_isolates_runs_and_import_then_export_stays_identical(app, db, runner, tmp_path):
    folder = tmp_path / "digital-diplomacy-basics"
    shutil.copytree(ROOT / "courses" / "digital-diplomacy-basics", folder)
    lesson = folder / "social-media" / "twitter.ar.md"
    text = lesson.read_text(encoding="utf-8")
    raw = text.replace('<bdi lang="en" dir="ltr">@francediplo</bdi>', "@francediplo")
    raw = raw.replace("منها العربية", "منها العربية وسم #IranTalks")
    lesson.write_text(raw, encoding="utf-8")
    english = folder / "social-media" / "twitter.en.md"
    english.write_text(
        english.read_text(encoding="utf-8").replace(
            "foreign ministry", "foreign ministry (الخارجية)"
        ),
        encoding="utf-8",
    )

    code, output = _run(runner, "courses", "format", str(folder))
    assert code == 0, output
    formatted = lesson.read_text(encoding="utf-8")
    assert "<bdi>@francediplo</bdi>" in formatted and "<bdi>#IranTalks</bdi>" in formatted
    assert '(<bdi lang="ar">الخارجية</bdi>)' in english.read_text(encoding="utf-8")
    code, output = _run(runner, "courses", "format", str(folder))
    assert code == 0 and "0 file(s) rewritten" in output, output  # idempotent
    code, output = _run(runner, "courses", "check", str(folder))
    assert code == 0, output

    code, output = _run(runner, "courses", "import", str(folder))
    assert code == 0, output
    out = tmp_path / "out"
    code, output = _run(runner, "courses", "export", "digital-diplomacy-basics", str(out))
    assert code == 0, output
    for path in folder.rglob("*"):
        if path.is_file():
            exported = out / "digital-diplomacy-basics" / path.relative_to(folder)
            assert exported.read_bytes() == path.read_bytes(), path


def test_import_never_rewrites_text(app, db, runner, tmp_path):
    """A course with a run not yet isolated imports as written (and exports identical): only
    the explicit ``flask courses format`` and the editor's save isolate."""
    folder = tmp_path / "digital-diplomacy-basics"
    shutil.copytree(ROOT / "courses" / "digital-diplomacy-basics", folder)
    lesson = folder / "social-media" / "twitter.ar.md"
    lesson.write_text(
        lesson.read_text(encoding="utf-8").replace(
            '<bdi lang="en" dir="ltr">@francediplo</bdi>', "@francediplo"
        ),
        encoding="utf-8",
    )
    assert _run(runner, "courses", "import", str(folder))[0] == 0
    out = tmp_path / "out"
    assert _run(runner, "courses", "export", "digital-diplomacy-basics", str(out))[0] == 0
    exported = out / "digital-diplomacy-basics" / "social-media" / "twitter.ar.md"
    assert exported.read_bytes() == lesson.read_bytes()


@pytest.mark.parametrize("course", ["digital-diplomacy", "digital-diplomacy-basics"])
def test_the_repository_s_courses_are_formatted(course):
    from diplolearn.courses.bidi import isolate_course_lessons
    from diplolearn.courses.reader import CourseReader

    spec = CourseReader(ROOT / "courses" / course).read()
    assert spec is not None
    assert isolate_course_lessons(spec) == 0, "run `flask courses format courses/*`"


def test_a_paragraph_left_unisolated_gets_a_warning_naming_the_command():
    from diplolearn.courses.bidi import unisolated_run_warnings
    from diplolearn.courses.reader import CourseReader

    spec = CourseReader(ROOT / "courses" / "digital-diplomacy-basics").read()
    assert unisolated_run_warnings(spec) == []
    lesson = next(spec.lessons())
    lesson.texts["ar"].paragraphs[0].text += " Twitter"
    (warning,) = unisolated_run_warnings(spec)
    assert "flask courses format" in str(warning) and str(warning).startswith(
        "digital-diplomacy-basics/"
    )


def test_footnotes_and_reference_definitions():
    text = '[^1]: مرجع Nye 2004\n[ref]: https://example.org "Title"'
    assert (
        isolate_runs(text, "ar")
        == '[^1]: مرجع <bdi>Nye 2004</bdi>\n[ref]: https://example.org "Title"'
    )


# --- mail ------------------------------------------------------------------------------------


def test_text_mails_isolate_names_and_titles(app, db):
    from diplolearn.services.accounts import accounts
    from diplolearn.services.outbox import render_mail

    sender = accounts.create_user("amal@example.org", name_ar="أمل الحسن")
    recipient = accounts.create_user("tom@example.org", name_latin="Tom Fletcher")
    with app.test_request_context():
        subject, body = render_mail(
            "message_received",
            "en",
            recipient=recipient,
            sender_name=sender.display_name_for("en"),
            link=None,
        )
        assert f"{FSI}أمل الحسن{PDI}" in subject and f"{FSI}أمل الحسن{PDI}" in body
        subject, body = render_mail(
            "message_received", "ar", recipient=recipient, sender_name="A-2001 Tom", link=None
        )
        assert f"{FSI}Tom Fletcher{PDI}" in body and f"{FSI}A-2001 Tom{PDI}" in subject


# --- the checker itself ----------------------------------------------------------------------


def test_the_checker_finds_runs_left_bare_and_accepts_isolated_ones():
    page = "<html lang='en' dir='ltr'><body><main dir='auto'><p>Posted by أمل الحسن</p>{}</main></body></html>"
    assert [p.run for p in bidi_problems(page.format(""), "en")] == ["أمل"]
    for fine in (
        "<p>Posted by <bdi>أمل</bdi></p>",
        "<p>Posted by <a href='/x'><span dir='auto'>أمل</span></a></p>",
        "<td dir='auto'>أمل</td>",
        "<p>By <strong lang='ar'>أمل</strong></p>",
        "<p>By \u2068أمل\u2069</p>",
        "<script>var s = 'أمل';</script><a href='/أمل'>x</a><input value='أمل'>",
    ):
        assert not bidi_problems(f"<main><p>ok</p>{fine}</main>", "en"), fine
    # a dir on the page's main region does not count; a block's dir on an inline's text does
    assert bidi_problems("<main dir='auto'>أمل</main>", "en")
    assert not bidi_problems("<p dir='auto'><a href='#'><em>أمل</em></a></p>", "en")
    assert bidi_problems("<div dir='auto'><p>Names</p><p>أمل</p></div>", "en")
    # dir="auto" judged as the browser does: by the first strong letter
    assert bidi_problems("<p dir='auto'>Posted by أمل</p>", "en")
    assert not bidi_problems("<p dir='auto'><bdi>Tom</bdi> أمل <bdi>@x</bdi></p>", "en")
    assert bidi_problems("<p>By <span dir='ltr'>أمل</span></p>", "en")
    # a textarea (text being edited) needs its own dir, nothing inside
    assert bidi_problems("<form><textarea>حساب @francediplo</textarea></form>", "en")
    assert not bidi_problems("<form><textarea dir='auto'>حساب @francediplo</textarea></form>", "en")
    # a container of known language (lesson text) is judged in that language
    assert not bidi_problems("<div lang='en' dir='ltr'><p>Paragraph text</p></div>", "ar")
    assert bidi_problems("<div lang='ar' dir='rtl'><p>حساب @francediplo</p></div>", "en")
    # Arabic pages: Latin runs, except our own interface words
    assert [p.run for p in bidi_problems("<p>الموظف A-2001</p>", "ar")] == ["A"]
    assert not bidi_problems("<p>تنزيل PDF من DiploLearn</p>", "ar")
    assert head_problems("<head><title>شبكة Geneva</title></head>", "ar")
    assert not head_problems("<head><title>شبكة \u2068Geneva\u2069</title></head>", "ar")


# --- the corpus through the real pages -------------------------------------------------------

CORPUS_POSTS = [
    "تابعوا حساب @francediplo ووسم #دبلوماسية_رقمية على https://www.diplomatie.gouv.fr/fr/",
    "المسافة 12 km بين السفارة ومقر اليونسكو (UNESCO)، والموظف A-2001 يراسل amal.hassan@example.org",
    "Question from the class: ما هي الدبلوماسية الرقمية؟ See (UNESCO) and 12 km.",
]


@pytest.fixture()
def corpus(app, db):
    """One cohort whose names, ids and posts mix Arabic and Latin: an Arabic-only learner name,
    a Latin-only one with parentheses, a staff id, an Arabic-only cohort name, a mixed tutor
    group name, discussion posts and private messages from the corpus."""
    from diplolearn.models import EnrolmentState, Role
    from diplolearn.services.accounts import accounts, people
    from diplolearn.services.cohorts import organisations
    from diplolearn.services.messages import posting as messages
    from tests.factories import (
        make_assignment,
        make_ministry,
        make_published_course,
        make_with_role,
    )

    published = make_published_course(
        modules=2, lessons_per_module=1, paragraphs=2, with_quiz=False
    )
    make_assignment(published, "m1")
    cohort = organisations.create_cohort(
        published.course, "khareef", {"ar": "دفعة خريف 2026"}, timezone="Asia/Dubai"
    )
    group = organisations.add_tutor_group(cohort, "geneva", "مجموعة Genève 1")
    ministry = make_ministry(name_en="Département fédéral des affaires étrangères")
    amal = accounts.create_user(
        "amal@example.org",
        name_ar="أمل الحسن",
        interface_language="en",
        reading_language="en",
        timezone="UTC",
        password="correct horse battery",
    )
    tom = accounts.create_user(
        "tom@example.org",
        name_latin="Tom Fletcher (UNESCO)",
        interface_language="en",
        reading_language="en",
        timezone="UTC",
        password="correct horse battery",
    )
    learners = {}
    for user, staff_id in ((amal, "A-2001"), (tom, "B-17")):
        people.join_ministry(user, ministry, staff_id=staff_id, position="Attaché @ Geneva")
        enrolment = organisations.enrol(user, cohort, sponsor=ministry, tutor_group=group)
        enrolment.move_to(EnrolmentState.ACTIVE)
        learners[user.email] = enrolment
    tutor = make_with_role(
        Role.TUTOR, group.id, email="tutor@example.org", name_latin="Karim @tutor", name_ar="كريم"
    )
    lead = make_with_role(Role.LEAD_INSTRUCTOR, cohort.id, email="lead@example.org")
    coordinator = make_with_role(Role.COORDINATOR, ministry.id, email="coord@example.org")
    db.session.commit()
    message = messages.write(amal, learners["amal@example.org"], tutor, CORPUS_POSTS[0])
    messages.write(tutor, learners["amal@example.org"], tutor, CORPUS_POSTS[2])
    db.session.commit()
    return SimpleNamespace(
        published=published,
        cohort=cohort,
        group=group,
        ministry=ministry,
        amal=amal,
        tom=tom,
        learners=learners,
        tutor=tutor,
        lead=lead,
        coordinator=coordinator,
        message_thread=message.thread_id,
    )


def _post_corpus(app, db, corpus) -> dict:
    """The corpus as discussion questions on the first paragraph and as a written assignment's
    answer, through the learner's own forms; the paths of what was made."""
    import sqlalchemy as sa

    from diplolearn.models import Annotation, Submission
    from tests.conftest import csrf_from, login, post_form

    enrolment = corpus.learners["amal@example.org"]
    lesson = corpus.published.lesson_keys[0][0]
    path = f"/learn/{enrolment.id}/lessons/{lesson}/paragraphs/p1"
    client = app.test_client()
    login(client, "amal@example.org")
    for body in CORPUS_POSTS:
        response = post_form(client, path, {"kind": "question", "body": body, "lang": "en"})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    answer = f"/learn/{enrolment.id}/assignments/m1-essay"
    response = client.post(
        answer,
        data={
            "csrf_token": csrf_from(client, answer),
            "body": "\n\n".join(CORPUS_POSTS),
            "submit": "1",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    first = db.session.scalar(sa.select(sa.func.min(Annotation.id)))
    submission = db.session.scalar(sa.select(sa.func.max(Submission.id)))
    return {
        "paragraph": path,
        "thread": f"/teach/cohorts/{corpus.cohort.id}/discussion/{first}",
        "answer": answer,
        "submission": (
            f"/teach/courses/{corpus.published.course.id}/assignments/submissions/{submission}"
        ),
    }


PAGES = {
    # name: (who signs in, path template)
    "learner dashboard": ("amal@example.org", "/"),
    "discussion (learner)": ("amal@example.org", "{paragraph}"),
    "messages (learner)": ("amal@example.org", "/messages/{message_thread}"),
    "messages list (tutor)": ("tutor@example.org", "/messages/"),
    "tutor to-do": ("tutor@example.org", "/"),
    "tutor discussion inbox": ("tutor@example.org", "/teach/cohorts/{cohort}/discussion"),
    "tutor discussion thread": ("tutor@example.org", "{thread}"),
    "written answer (learner)": ("amal@example.org", "{answer}"),
    "written answer (tutor)": ("tutor@example.org", "{submission}"),
    "instructor grid": ("lead@example.org", "/teach/cohorts/{cohort}/grid"),
    "cohort people (instructor)": ("lead@example.org", "/teach/cohorts/{cohort}/enrolments"),
    "coordinator staff list": ("coord@example.org", "/ministry/{ministry}/people"),
    "coordinator report": ("coord@example.org", "/ministry/{ministry}/reports"),
    "coordinator cohort report": (
        "coord@example.org",
        "/ministry/{ministry}/reports/cohorts/{cohort}",
    ),
}


@functools.cache
def interface_vocabulary() -> frozenset[str]:
    """Every Latin word of the interface's msgids (extracted as ``make extract-messages``
    does), placeholders left out: on an Arabic page, a text made only of these is an interface
    string not yet in the Arabic catalogue, not data. The corpus's data words (Fletcher,
    francediplo, Genève, UNESCO…) are not among them."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {"_": None, "_l": None, "lazy_gettext": None, "gettext": None, "ngettext": (1, 2)}
    words: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=keywords,
        directory_filter=lambda path: Path(path).name not in {"node_modules", ".venv", ".git"},
    ):
        for text in message if isinstance(message, tuple) else (message,):
            words.update(re.findall(r"[A-Za-z]+", re.sub(r"%\(\w+\)[sd]", " ", text or "")))
    return frozenset(words)


# A page still failing the check, named with what to change: an expected failure until fixed.
ON_OTHERS_TEMPLATES: dict[tuple[str, str], str] = {}


def _page_cases():
    for page in PAGES:
        for language in ("en", "ar"):
            reason = ON_OTHERS_TEMPLATES.get((page, language))
            marks = [pytest.mark.xfail(strict=False, reason=reason)] if reason else []
            yield pytest.param(page, language, marks=marks, id=f"{page}-{language}")


@pytest.mark.parametrize(("page", "language"), list(_page_cases()))
def test_corpus_pages_isolate_every_run_of_the_other_script(app, db, corpus, page, language):
    """Every page of the corpus, in English and Arabic: no run of the other script left
    outside an element close around it that isolates it (tests/bidi_check.py)."""
    from tests.conftest import login

    made = _post_corpus(app, db, corpus)
    who, template = PAGES[page]
    path = template.format(
        **made,
        message_thread=corpus.message_thread,
        cohort=corpus.cohort.id,
        ministry=corpus.ministry.id,
    )
    client = app.test_client()
    login(client, who)
    response = client.get(path + ("&" if "?" in path else "?") + f"lang={language}")
    assert response.status_code == 200, (path, response.status_code)
    html = response.get_data(as_text=True)
    problems = bidi_problems(html, language, interface_vocabulary())
    assert not problems, f"{page} ({language}):\n" + "\n".join(map(str, problems))
