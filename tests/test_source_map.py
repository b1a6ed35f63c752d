"""Reading times computed from the text, and the references page's source map (issue 19)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from diplolearn.courses.check import check_course, load_course
from diplolearn.courses.reading_time import (
    count_words,
    lesson_minutes,
    reading_time_warnings,
    text_minutes,
)
from diplolearn.courses.sources import bibliography, citations
from diplolearn.courses.spec import LessonSpec, LessonText, ParagraphSpec
from diplolearn.services.catalogue.course_export import export_course
from diplolearn.services.catalogue.course_import import import_course
from diplolearn.services.cohorts import organisations
from tests.conftest import login
from tests.factories import make_learner

SAMPLE = Path(__file__).parent.parent / "courses" / "digital-diplomacy-basics"


@pytest.fixture()
def sample(tmp_path) -> Path:
    target = tmp_path / SAMPLE.name
    shutil.copytree(SAMPLE, target)
    return target


NYE = "2004.'\n"  # the end of the last reference's text line in the sample


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def _lesson(**texts: str) -> LessonSpec:
    return LessonSpec(
        id="l",
        texts={
            language: LessonText(language, "t", [ParagraphSpec("p1", text)])
            for language, text in texts.items()
        },
    )


# Reading time ------------------------------------------------------------------------------


def test_words_are_counted_without_link_targets_or_markup():
    text = (
        '## Why it matters\n\nA **short** [paper](ref:paper) on <bdi lang="en">@francediplo</bdi>.'
    )
    assert count_words(text) == 8  # Why it matters A short paper on francediplo
    assert count_words("") == 0


def test_the_slowest_language_sets_a_lessons_time():
    english = " ".join(["word"] * 400)  # 2 minutes at 200 a minute
    arabic = " ".join(["كلمة"] * 400)  # 4 minutes at 130 a minute
    assert text_minutes(400, "en") == 2 and text_minutes(400, "ar") == 4
    assert lesson_minutes(_lesson(en=english, ar=arabic)) == 4
    assert lesson_minutes(_lesson(en=english)) == 2
    assert lesson_minutes(LessonSpec(id="empty")) is None


def test_a_stated_time_off_by_more_than_a_third_is_a_warning_not_a_problem(sample):
    _edit(
        sample / "foundations" / "module.yaml",
        "  - id: what-is-digital-diplomacy\n    required: true\n    estimated_minutes: 1",
        "  - id: what-is-digital-diplomacy\n    required: true\n    estimated_minutes: 15",
    )
    course, problems = check_course(sample)
    assert problems == []
    warnings = [str(w) for w in reading_time_warnings(course)]
    assert len(warnings) == 1
    assert "'what-is-digital-diplomacy' states 15 minutes" in warnings[0]
    assert warnings[0].startswith("digital-diplomacy-basics/foundations/module.yaml:")


def test_the_sample_course_states_the_times_its_texts_take():
    course, _ = check_course(SAMPLE)
    assert [str(w) for w in reading_time_warnings(course)] == []


def test_the_cli_check_prints_warnings_and_still_passes(runner, sample):
    _edit(
        sample / "foundations" / "module.yaml",
        "  - id: what-is-digital-diplomacy\n    required: true\n    estimated_minutes: 1",
        "  - id: what-is-digital-diplomacy\n    required: true\n    estimated_minutes: 30",
    )
    result = runner.invoke(args=["courses", "check", str(sample)])
    assert result.exit_code == 0, result.output
    assert "warning: " in result.output and "states 30 minutes" in result.output


# The source map -----------------------------------------------------------------------------


def test_citations_count_each_paragraph_once_across_languages():
    spec, _ = load_course(SAMPLE)
    cited = citations(spec)
    # Every paragraph citing the paper in Arabic also cites it in English: counted once.
    assert len(cited["paper"]) == len(set(cited["paper"]))
    lessons = {lesson for lesson, _ in cited["paper"]}
    assert "what-is-digital-diplomacy" in lessons
    rows = {row["id"]: row for row in bibliography(spec)}
    assert rows["paper"]["cited_in"] == [list(pair) for pair in cited["paper"]]
    assert rows["paper"]["translation"]["en"].startswith("The tools of digital diplomacy")
    assert "transliteration" in rows["paper"] and "note" not in rows["paper"]


@pytest.mark.parametrize(
    "old,new,message",
    [
        (
            "    language: en\n",
            "    language: en\n    footnotes: [3, 3]\n",
            "lists a footnote twice",
        ),
        ("    language: en\n", "    language: en\n    footnotes: [0]\n", "footnote numbers"),
        ("    language: en\n", "    language: en\n    footnotes: three\n", "must be a list"),
        ("    language: en\n", "    language: en\n    note:\n      de: Hallo\n", "'de' is not a"),
        ("    language: en\n", "    language: en\n    translation: nothing\n", "a mapping"),
    ],
)
def test_bad_source_map_fields_are_problems_with_a_line(sample, old, new, message):
    _edit(sample / "references.yaml", old, new)
    problems = [str(p) for p in check_course(sample)[1]]
    assert any(
        message in p and p.startswith("digital-diplomacy-basics/references.yaml:") for p in problems
    ), problems


def test_source_map_fields_survive_import_and_export_byte_for_byte(db, sample, tmp_path):
    _edit(
        sample / "references.yaml",
        NYE,
        NYE
        + "    footnotes:\n      - 4\n      - 9\n    note:\n      ar: ملاحظة\n      en: A note.\n",
    )
    spec, files = load_course(sample)
    result = import_course(spec, files)
    row = next(r for r in result.version.bibliography if r["id"] == "nye-2004")
    assert row["footnotes"] == [4, 9] and row["note"]["en"] == "A note."
    out = tmp_path / "out"
    export_course(result.course.key, out)
    assert (out / SAMPLE.name / "references.yaml").read_bytes() == (
        sample / "references.yaml"
    ).read_bytes()


def test_the_references_page_shows_the_source_map(app, db, client, sample):
    _edit(
        sample / "references.yaml",
        NYE,
        NYE + "    footnotes:\n      - 7\n    note:\n      en: Cited from a later edition.\n",
    )
    spec, files = load_course(sample)
    result = import_course(spec, files)
    user, enrolment = make_learner(organisations.default_cohort(result.course))
    db.session.commit()
    login(client, user.email)
    html = client.get(f"/learn/{enrolment.id}/references").get_data(as_text=True)
    assert "Source map" in html
    # The Arabic paper's title in Latin letters and in English translation.
    assert 'lang="ar-Latn"' in html and "Adawāt al-diblūmāsiyya" in html
    assert "The tools of digital diplomacy and some models of their application" in html
    assert "Editor&#39;s note:" in html or "Editor's note:" in html
    assert "Cited from a later edition." in html
    # Counts computed from the lessons' citations, with links into the citing lessons.
    cited = citations(spec)["paper"]
    assert f'<td class="number">{len(cited)}</td>' in html
    assert f"/learn/{enrolment.id}/lessons/what-is-digital-diplomacy" in html
    # The paper's footnote 7 maps onto the nye-2004 reference.
    assert '<th scope="row">7</th>' in html and 'href="#ref-nye-2004"' in html


def test_the_source_map_reads_in_french(app, db, client):
    spec, files = load_course(SAMPLE)
    result = import_course(spec, files)
    user, enrolment = make_learner(organisations.default_cohort(result.course), language="fr")
    db.session.commit()
    login(client, user.email)
    html = client.get(f"/learn/{enrolment.id}/references").get_data(as_text=True)
    assert "Les outils de la diplomatie numérique et quelques modèles de leur application" in html
