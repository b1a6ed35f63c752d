"""Question types behind one interface: reading posted answers (and refusing what no form could
send), grading, partial credit, typed answers in Arabic and French, summaries; question banks and
draws fixed for the whole attempt; essays graded by a person; the course-file format for every
type, its round trip and its line-numbered errors."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from diplolearn import questions
from diplolearn.courses.check import check_course, load_course
from diplolearn.models import AttemptState, QuizAttempt, Response
from diplolearn.questions import InvalidAnswer
from diplolearn.services import progress
from diplolearn.services.assessment import InvalidEssayGrade, quizzes
from diplolearn.services.catalogue.course_export import export_course
from diplolearn.services.catalogue.course_import import import_course
from diplolearn.services.cohorts import organisations
from diplolearn.textnorm import normalise_answer, parse_number
from tests.conftest import login, post_form
from tests.factories import make_learner, make_user

COURSE = Path(__file__).parent / "data" / "question-types"


def choice(key, correct=False, position=1):
    return SimpleNamespace(
        key=key, is_correct=correct, position=position, text={"en": key}, feedback={}
    )


def question(kind, settings=None, choices=()):
    return SimpleNamespace(kind=kind, settings=settings or {}, choices=list(choices))


def grade(q, answer, **kwargs):
    return questions.get(q.kind).grade(q, answer, **kwargs)


def parse(q, values, keys_by_token=None):
    return questions.get(q.kind).parse(values, keys_by_token or {}, question=q)


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed,value",
    [
        ("3.5", "3.5"),
        ("3,5", "3.5"),
        ("٣٫٥", "3.5"),
        ("۳٫۵", "3.5"),
        (" 59 ", "59"),
        ("٥٩", "59"),
        ("-0,25", "-0.25"),
        ("\u22122", "-2"),
        ("1 234,5", "1234.5"),
        ("١٢٣٬٤٥٦", "123456"),
        ("٣،٥", "3.5"),
        (".5", "0.5"),
        ("93%", "93"),
        ("٩٣ ٪", "93"),
        ("", None),
        ("abc", None),
        ("3.5.1", None),
        ("1e9", None),
        ("3 ½", None),
    ],
)
def test_numbers_are_read_with_every_separator_and_digit_set(typed, value):
    assert parse_number(typed) == value


def test_numeric_with_absolute_tolerance():
    q = question("numeric", {"answer": "59", "tolerance": "2", "tolerance_type": "absolute"})
    for typed, right in [
        ("59", True),
        ("٥٧", True),
        ("61", True),
        ("61,01", False),
        ("56.9", False),
        ("fifty-nine", False),
        ("", False),
    ]:
        assert grade(q, {"text": typed}) == (1 if right else 0), typed
    exact = question("numeric", {"answer": "3.5", "tolerance": "0"})
    assert grade(exact, {"text": "٣٫٥"}) == 1 and grade(exact, {"text": "3.51"}) == 0


def test_numbers_grouped_in_thousands_are_understood_too():
    big = question("numeric", {"answer": "123000", "tolerance": "0"})
    for typed in ("123000", "123,000", "123 000", "١٢٣٬٠٠٠", "123\u202f000"):
        assert grade(big, {"text": typed}) == 1, typed
    small = question("numeric", {"answer": "1.5", "tolerance": "0"})
    assert grade(small, {"text": "1,500"}) == 1 and grade(small, {"text": "1,50"}) == 1
    assert grade(big, {"text": "123,00"}) == 0


def test_numeric_with_relative_tolerance():
    q = question("numeric", {"answer": "1.7", "tolerance": "0.05", "tolerance_type": "relative"})
    # 5% of 1.7 is 0.085: from 1.615 to 1.785.
    for typed, right in [
        ("1,7", True),
        ("1.785", True),
        ("١٫٦٢", True),
        ("1.6", False),
        ("1.79", False),
    ]:
        assert grade(q, {"text": typed}) == (1 if right else 0), typed


def test_numeric_parse_keeps_what_was_typed_and_refuses_what_the_field_cannot_send():
    q = question("numeric", {"answer": "1", "tolerance": "0"})
    assert parse(q, [" ٣٫٥ "]) == {"text": "٣٫٥"}
    assert parse(q, []) == {"text": ""}
    with pytest.raises(InvalidAnswer):
        parse(q, ["1", "2"])  # one text field posts one value
    with pytest.raises(InvalidAnswer):
        parse(q, ["9" * 65])  # longer than its maxlength


# --- short text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accepted,typed",
    [
        ("الإليزيه", "الاليزيه"),  # alef with hamza below = bare alef
        ("أوباما", "اوباما"),  # alef with hamza above
        ("آمال", "امال"),  # alef with madda
        ("مدرسة", "مدرسه"),  # teh marbuta = heh
        ("مصطفى", "مصطفي"),  # alef maqsura = yeh
        ("كتاب", "کتاب"),  # Persian keheh = kaf
        ("علي", "علی"),  # Farsi yeh = yeh
        ("الدبلوماسية الرقمية", "الدِّبْلُومَاسِيَّةُ الرَّقْمِيَّةُ"),  # diacritics
        ("الدبلوماسية", "الدبلومـــاسية"),  # tatweel
        ("لا", "\ufefb"),  # presentation form (NFKC)
        ("سفارة افتراضية", "  سفارة   افتراضية "),  # spaces
        ("2007", "٢٠٠٧"),  # Arabic-Indic digits
        ("CBS", "cbs"),
        ("Twitter", "TWITTER"),
    ],
)
def test_short_text_normalisation_makes_equal_what_spelling_treats_as_equal(accepted, typed):
    q = question("short_text", {"accepted": {"ar": [accepted]}, "accents": "ignored"})
    assert grade(q, {"text": typed}) == 1


def test_short_text_still_tells_different_words_apart():
    q = question("short_text", {"accepted": {"ar": ["كتاب"], "en": ["CBS"]}})
    assert grade(q, {"text": "كاتب"}) == 0 and grade(q, {"text": "CNN"}) == 0
    assert grade(q, {"text": ""}) == 0 and grade(q, None) == 0


def test_french_accents_required_or_ignored_per_question():
    required = question("short_text", {"accepted": {"fr": ["Élysée"]}, "accents": "required"})
    ignored = question("short_text", {"accepted": {"fr": ["Élysée"]}, "accents": "ignored"})
    for typed in ("Élysée", "élysée", "  ÉLYSÉE ", "E\u0301lyse\u0301e"):  # also decomposed
        assert grade(required, {"text": typed}) == 1, typed
        assert grade(ignored, {"text": typed}) == 1, typed
    for typed in ("Elysee", "elysée", "Élysee"):
        assert grade(required, {"text": typed}) == 0, typed
        assert grade(ignored, {"text": typed}) == 1, typed


def test_accepted_answers_of_every_language_count():
    q = question("short_text", {"accepted": {"ar": ["سي بي إس"], "en": ["CBS"]}})
    assert grade(q, {"text": "سي بي اس"}) == 1 and grade(q, {"text": "cbs"}) == 1
    assert normalise_answer("Ｃｂｓ") == "cbs"  # full-width letters (NFKC)


# --- choices and partial credit --------------------------------------------------------------

MULTI = question(
    "multiple_select",
    choices=[choice("a", True), choice("b", True), choice("c", True), choice("d"), choice("e")],
)


@pytest.mark.parametrize(
    "chosen,all_or_nothing,right_minus_wrong",
    [
        (["a", "b", "c"], 1, 1),
        (["a", "b"], 0, Decimal(2) / 3),
        (["a", "b", "d"], 0, Decimal(1) / 3),
        (["a", "d"], 0, 0),
        (["a", "d", "e"], 0, 0),  # floored at zero, never negative
        (["a", "b", "c", "d", "e"], 0, Decimal(1) / 3),
        ([], 0, 0),
    ],
)
def test_multiple_select_partial_credit_rules(chosen, all_or_nothing, right_minus_wrong):
    answer = {"choices": chosen}
    assert grade(MULTI, answer) == all_or_nothing
    assert grade(MULTI, answer, partial_credit="all_or_nothing") == all_or_nothing
    assert grade(MULTI, answer, partial_credit="right_minus_wrong") == right_minus_wrong


def test_single_choice_refuses_two_values_and_unknown_tokens():
    q = question("single_choice", choices=[choice("a", True), choice("b")])
    tokens = {"T1": "a", "T2": "b"}
    assert parse(q, ["T2"], tokens) == {"choices": ["b"]}
    with pytest.raises(InvalidAnswer):
        parse(q, ["T1", "T2"], tokens)
    with pytest.raises(InvalidAnswer):
        parse(q, ["a"], tokens)  # a key is not a token
    mq = question("multiple_select", choices=[choice("a", True), choice("b")])
    with pytest.raises(InvalidAnswer):
        parse(mq, ["T1", "T1"], tokens)


# --- matching and ordering -------------------------------------------------------------------

MATCHING = question(
    "matching",
    {"pairs": {"maldives": "y2007", "france": "y2009"}},
    [choice("maldives"), choice("france"), choice("y2007"), choice("y2009"), choice("y2015")],
)
M_TOKENS = {"Tm": "maldives", "Tf": "france", "T7": "y2007", "T9": "y2009", "T5": "y2015"}


def test_matching_reads_one_pair_per_item_and_earns_the_share_matched():
    assert parse(MATCHING, ["Tm.T7", "Tf.T5"], M_TOKENS) == {
        "pairs": {"france": "y2015", "maldives": "y2007"}
    }
    assert parse(MATCHING, ["", "Tf.T9"], M_TOKENS) == {"pairs": {"france": "y2009"}}
    assert grade(MATCHING, {"pairs": {"maldives": "y2007", "france": "y2009"}}) == 1
    assert grade(MATCHING, {"pairs": {"maldives": "y2007", "france": "y2015"}}) == Decimal("0.5")
    assert grade(MATCHING, None) == 0


@pytest.mark.parametrize(
    "values",
    [
        ["Tm.T7", "Tm.T9"],  # the same item twice
        ["Tx.T7"],  # an unknown item
        ["Tm.Tx"],  # an unknown match
        ["T7.T9"],  # a match in the item's place
        ["Tm.Tf"],  # an item in the match's place
        ["Tm"],  # no pair at all
    ],
)
def test_matching_refuses_what_its_selects_cannot_send(values):
    with pytest.raises(InvalidAnswer):
        parse(MATCHING, values, M_TOKENS)


ORDERING = question(
    "ordering",
    choices=[
        choice("first", position=1),
        choice("second", position=2),
        choice("third", position=3),
    ],
)
O_TOKENS = {"T1": "first", "T2": "second", "T3": "third"}


def test_ordering_reads_a_position_per_item_and_earns_the_share_placed():
    answer = parse(ORDERING, ["T3.1", "T1.2", "T2.3"], O_TOKENS)
    assert answer == {"positions": {"first": 2, "second": 3, "third": 1}}
    assert grade(ORDERING, answer) == 0
    assert grade(ORDERING, {"positions": {"first": 1, "second": 2, "third": 3}}) == 1
    assert grade(ORDERING, {"positions": {"first": 1, "second": 3, "third": 2}}) == Decimal(1) / 3
    # Two items on one position is something the form lets a learner send: read and graded.
    assert parse(ORDERING, ["T1.1", "T2.1"], O_TOKENS) == {"positions": {"first": 1, "second": 1}}


@pytest.mark.parametrize(
    "values", [["T1.0"], ["T1.4"], ["T1.x"], ["T1.1", "T1.2"], ["T9.1"], ["T1.١"]]
)
def test_ordering_refuses_positions_the_form_does_not_offer(values):
    with pytest.raises(InvalidAnswer):
        parse(ORDERING, values, O_TOKENS)


def test_ordering_is_never_shown_in_the_right_order():
    import random

    kind = questions.get("ordering")
    rng = random.Random(1)
    for _ in range(50):
        shown = kind.order_choices(ORDERING, ["first", "second", "third"], False, rng)
        assert sorted(shown) == ["first", "second", "third"]
        assert shown != ["first", "second", "third"]


def test_matching_always_shuffles_its_matches_but_keeps_items_first():
    import random

    kind = questions.get("matching")
    keys = ["maldives", "france", "y2007", "y2009", "y2015"]
    orders = {
        tuple(kind.order_choices(MATCHING, keys, False, random.Random(seed))) for seed in range(20)
    }
    assert all(order[:2] == ("maldives", "france") for order in orders)
    assert len({order[2:] for order in orders}) > 1


# --- essay and summaries ---------------------------------------------------------------------


def test_an_essay_waits_for_a_person_unless_nothing_was_written():
    q = question("essay")
    assert parse(q, ["  A thoughtful answer. "]) == {"text": "A thoughtful answer."}
    assert grade(q, {"text": "A thoughtful answer."}) is None
    assert grade(q, {"text": ""}) == 0 and grade(q, None) == 0
    with pytest.raises(InvalidAnswer):
        parse(q, ["x" * 20_001])


def test_summaries_give_the_distribution_of_responses():
    short = question("short_text", {"accepted": {"en": ["CBS"]}})
    summary = questions.get("short_text").summarise(
        short, [{"text": "CBS"}, {"text": " cbs"}, {"text": "CNN"}, None]
    )
    assert summary["distribution"] == {"cbs": 2, "cnn": 1}
    assert (summary["responses"], summary["answered"], summary["mean"]) == (4, 3, Decimal(2) / 4)
    numeric = question("numeric", {"answer": "3.5", "tolerance": "0"})
    assert questions.get("numeric").summarise(
        numeric, [{"text": "3,5"}, {"text": "٣٫٥"}, {"text": "4"}]
    )["distribution"] == {"3.5": 2, "4": 1}
    assert questions.get("matching").summarise(MATCHING, [{"pairs": {"maldives": "y2007"}}])[
        "distribution"
    ] == {"maldives=y2007": 1}
    assert questions.get("ordering").summarise(
        ORDERING, [{"positions": {"first": 1, "second": 2, "third": 3}}] * 2
    )["distribution"] == {"first < second < third": 2}
    multi = questions.get("multiple_select").summarise(
        MULTI, [{"choices": ["a", "d"]}, {"choices": ["a"]}], partial_credit="right_minus_wrong"
    )
    assert multi["choices"] == {"a": 2, "d": 1}
    assert round(multi["mean"], 6) == round(Decimal(1) / 6, 6)
    essays = questions.get("essay").summarise(question("essay"), [{"text": "x"}, None])
    # The written essay waits for a person; the blank one earns nothing.
    assert (essays["answered"], essays["graded"], essays["mean"]) == (1, 1, 0)


# --- the course-file format ------------------------------------------------------------------


def _import(folder: Path):
    spec, files = load_course(folder)
    return import_course(spec, files)


def test_the_question_types_course_checks_clean():
    assert [str(p) for p in check_course(COURSE)[1]] == []


def test_export_gives_back_the_same_bytes_for_every_type_bank_and_draw(db, tmp_path):
    _import(COURSE)
    export_course(COURSE.name, tmp_path / "out")
    out = tmp_path / "out" / COURSE.name
    exported = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    original = {p.relative_to(COURSE): p.read_bytes() for p in COURSE.rglob("*") if p.is_file()}
    assert exported == original
    kinds = {
        q.kind for m in load_course(COURSE)[0].modules for q in (m.quiz.questions if m.quiz else [])
    }
    assert kinds == set(questions.REGISTRY)


@pytest.fixture()
def course_copy(tmp_path) -> Path:
    target = tmp_path / COURSE.name
    shutil.copytree(COURSE, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


QUIZ = "qt-module/quiz.yaml"


@pytest.mark.parametrize(
    "edit,expected",
    [
        (
            (
                QUIZ,
                "      - id: blogs\n        correct: true",
                "      - id: blogs\n        correct: false",
            ),
            "qt-module/quiz.yaml:12: question 'qt-single' has no correct answer",
        ),
        (
            (QUIZ, "    answer: 59\n    tolerance: 2\n", "    answer: 59\n"),
            "qt-module/quiz.yaml:67: numeric question 'qt-numeric' has no tolerance",
        ),
        (
            (QUIZ, "    answer: 59\n", "    answer: fifty-nine\n"),
            "qt-module/quiz.yaml:73: 'answer' must be a number",
        ),
        (
            (QUIZ, "    tolerance: 0.05\n", "    tolerance: 5\n"),
            "qt-module/quiz.yaml:75: a relative tolerance is a fraction of the answer below 1",
        ),
        (
            (QUIZ, "    tolerance_type: relative\n", "    tolerance_type: percent\n"),
            "qt-module/quiz.yaml:75: tolerance_type must be one of absolute, relative",
        ),
        (
            (QUIZ, "      en:\n        - CBS\n", "      en: []\n"),
            "qt-module/quiz.yaml:84: short_text question 'qt-short' has no accepted answer in 'en'",
        ),
        (
            (QUIZ, "    accents: required\n", "    accents: sometimes\n"),
            "qt-module/quiz.yaml:97: accents must be one of ignored, required",
        ),
        (
            (QUIZ, "        match: y2009\n", "        match: y2010\n"),
            "qt-module/quiz.yaml:123: item 'france' is matched to 'y2010', which is not one of",
        ),
        (
            (QUIZ, "        match: y2009\n", ""),
            "qt-module/quiz.yaml:123: the field 'match' is missing",
        ),
        (
            (QUIZ, "  - draw: 2\n    from: qt-bank-a\n", "  - draw: 2\n    from: qt-bank-z\n"),
            "qt-module/quiz.yaml:65: draw from 'qt-bank-z': no bank category has that id",
        ),
        (
            (QUIZ, "  - draw: 2\n", "  - draw: 6\n"),
            "qt-module/quiz.yaml:65: quiz 'qt-quiz' draws 6 questions from 'qt-bank-a', which holds 5",
        ),
        (
            (QUIZ, "partial_credit: right_minus_wrong", "partial_credit: generous"),
            "qt-module/quiz.yaml:1: partial_credit must be one of all_or_nothing, right_minus_wrong",
        ),
        (
            (QUIZ, "    kind: essay\n", "    kind: essay\n    choices: []\n"),
            "qt-module/quiz.yaml:162: unknown field 'choices'",
        ),
        (
            ("qt-module/bank.yaml", "  - id: qt-bank-b\n", "  - id: qt-bank-a\n"),
            "qt-module/bank.yaml:42: duplicate bank category id 'qt-bank-a'",
        ),
        (
            ("qt-module/bank.yaml", "  - id: qt-bank-b1\n", "  - id: qt-single\n"),
            "qt-module/bank.yaml:47: duplicate question id 'qt-single'",
        ),
    ],
)
def test_check_reports_bad_question_settings_with_file_and_line(course_copy, edit, expected):
    path, old, new = edit
    _edit(course_copy / path, old, new)
    messages = [str(p) for p in check_course(course_copy)[1]]
    assert any(m.startswith(f"{COURSE.name}/{expected}") for m in messages), messages


def test_check_reports_an_incomplete_matching_question(course_copy):
    text = (course_copy / QUIZ).read_text()
    start = text.index("    matches:\n")
    end = text.index("  - id: qt-ordering")
    (course_copy / QUIZ).write_text(text[:start] + "    matches: []\n" + text[end:])
    messages = [str(p) for p in check_course(course_copy)[1]]
    assert any(
        "matching question 'qt-matching' needs at least two matches" in m for m in messages
    ), messages
    assert any(
        "item 'maldives' is matched to 'y2007', which is not one of" in m for m in messages
    ), messages


# --- attempts: the draw, the page, answers, essays -------------------------------------------


@pytest.fixture()
def taker(app, db):
    result = _import(COURSE)
    cohort = organisations.default_cohort(result.course)
    user, enrolment = make_learner(cohort, email="types@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, "types@example.org")
    return SimpleNamespace(
        enrolment=enrolment, client=client, base=f"/learn/{enrolment.id}", user=user
    )


def _start(t, quiz_key):
    state = progress.course_progress(t.enrolment).quiz(quiz_key)
    attempt = quizzes.start_attempt(t.enrolment, state, "en")
    database_commit()
    return quizzes.load_attempt(attempt.id, t.enrolment.id)


def database_commit():
    from diplolearn.extensions import db as database

    database.session.commit()


def _pinned(attempt):
    return [
        (aq.position, aq.question_revision_id, list(aq.choice_order)) for aq in attempt.questions
    ]


def _keys(attempt):
    return [aq.question_revision.question.key for aq in attempt.questions]


def test_an_attempt_mixes_fixed_questions_and_a_draw_pinned_across_resume(taker, db):
    attempt = _start(taker, "qt-quiz")
    keys = _keys(attempt)
    assert len(keys) == 12  # ten fixed questions and two drawn from bank A, in file order
    assert keys[:3] == ["qt-single", "qt-multiple", "qt-true-false"]
    assert all(k.startswith("qt-bank-a") for k in keys[3:5]) and keys[3] != keys[4]
    assert keys[5:] == [
        "qt-numeric",
        "qt-relative",
        "qt-short",
        "qt-accents",
        "qt-matching",
        "qt-ordering",
        "qt-essay",
    ]
    pinned = _pinned(attempt)
    # Resuming (as the start button does), reloading, and saving keep the same draw and order.
    assert _pinned(_start(taker, "qt-quiz")) == pinned
    quizzes.save_answers(attempt, {})
    assert _pinned(quizzes.load_attempt(attempt.id, taker.enrolment.id)) == pinned
    ordering = attempt.questions[-2]
    assert ordering.choice_order != ["first", "second", "third"]


def test_draws_differ_between_attempts_and_never_repeat_a_question(taker, db):
    draws = set()
    for _ in range(12):
        attempt = _start(taker, "qt-final-quiz")
        keys = _keys(attempt)
        assert len(keys) == 6 and len(set(keys)) == 6
        assert sum(k.startswith("qt-bank-a") for k in keys) == 3
        assert sum(k.startswith("qt-bank-b") for k in keys) == 2 and "qt-final-fixed" in keys
        draws.add(frozenset(keys))
        quizzes.submit(attempt, {})
        database_commit()
    assert len(draws) > 1


def test_the_attempt_page_shows_every_type_accessibly_and_no_answer(taker, db):
    attempt = _start(taker, "qt-quiz")
    page = taker.client.get(f"{taker.base}/attempts/{attempt.id}").get_data(as_text=True)
    for secret in (
        "y2007",
        "y2009",
        "maldives",
        "سي بي إس",
        "Élysée",
        "tolerance",
        '"first"',
        "qt-bank",
        "correct",
    ):
        assert secret not in page, secret
    by_key = {aq.question_revision.question.key: aq for aq in attempt.questions}
    matching = by_key["qt-matching"]
    name = quizzes.field_name(matching)
    assert page.count(f'name="{name}"') == 2  # one select per item
    assert page.count(f'<label for="{name}-') == 2
    ordering = quizzes.field_name(by_key["qt-ordering"])
    assert page.count(f'name="{ordering}"') == 3
    assert f'<label for="{quizzes.field_name(by_key["qt-numeric"])}">' in page
    assert 'inputmode="decimal"' in page and "<textarea" in page
    assert page.count("<fieldset") == 12 and page.count("<legend>") == 12


def _right_answers(attempt) -> dict:
    data = {}
    for aq in attempt.questions:
        q, tokens = aq.question_revision, quizzes.tokens_for(attempt.id, aq)
        key, name = q.question.key, quizzes.field_name(aq)
        if q.kind in ("single_choice", "true_false"):
            data[name] = [tokens[c.key] for c in q.choices if c.is_correct]
        elif q.kind == "multiple_select":
            data[name] = [tokens["twitter"], tokens["fax"]]  # right minus wrong: 1/2
        elif key == "qt-numeric":
            data[name] = "٥٨"
        elif key == "qt-relative":
            data[name] = "1,75"
        elif key == "qt-short":
            data[name] = "سي بي اس"
        elif key == "qt-accents":
            data[name] = "elysee"  # accents required: wrong
        elif q.kind == "matching":
            data[name] = [
                f"{tokens['maldives']}.{tokens['y2007']}",
                f"{tokens['france']}.{tokens['y2009']}",
            ]
        elif q.kind == "ordering":
            data[name] = [f"{tokens['first']}.1", f"{tokens['second']}.2", f"{tokens['third']}.3"]
        elif q.kind == "numeric":  # bank B: the answer is the number in the key
            data[name] = key.rsplit("b", 1)[1]
        elif q.kind == "essay":
            data[name] = "Virtual embassies open a door where no building stands."
    return data


def test_submitting_every_type_grades_all_but_the_essay_which_waits_for_a_person(taker, db):
    attempt = _start(taker, "qt-quiz")
    data = _right_answers(attempt)
    response = post_form(
        taker.client,
        f"{taker.base}/attempts/{attempt.id}/submit",
        data,
        form_page=f"{taker.base}/attempts/{attempt.id}",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    attempt = quizzes.load_attempt(attempt.id, taker.enrolment.id)
    assert attempt.state == AttemptState.SUBMITTED and attempt.score is None
    assert quizzes.is_awaiting_grading(attempt)
    assert db.session.scalars(quizzes.awaiting_grading_query()).all() == [attempt]
    scores = {aq.question_revision.question.key: aq.response.score for aq in attempt.questions}
    assert scores["qt-multiple"] == Decimal("0.00")  # right minus wrong: (1 - 1) / 2
    assert scores["qt-numeric"] == scores["qt-relative"] == scores["qt-short"] == 1
    assert scores["qt-accents"] == 0 and scores["qt-matching"] == scores["qt-ordering"] == 1
    assert scores["qt-essay"] is None
    page = taker.client.get(f"{taker.base}/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "waiting to be graded" in page

    essay = next(aq.response for aq in attempt.questions if aq.question_revision.kind == "essay")
    tutor = make_user(email="grader@example.org")
    with pytest.raises(InvalidEssayGrade):
        quizzes.grade_essay(essay, 6, tutor)  # worth 5
    with pytest.raises(InvalidEssayGrade):
        quizzes.grade_essay(
            next(aq.response for aq in attempt.questions if aq.question_revision.kind == "numeric"),
            1,
            tutor,
        )
    assert essay.score is None and attempt.state == AttemptState.SUBMITTED
    quizzes.grade_essay(essay, Decimal("3.5"), tutor, "Clear, but cite the paper.")
    database_commit()
    graded = quizzes.load_attempt(attempt.id, taker.enrolment.id)
    assert graded.state == AttemptState.GRADED and not quizzes.is_awaiting_grading(graded)
    # 1 + 0 + 1 + 2 drawn true/false + 1 + 1 + 1 + 0 + 1 + 1 + 3.5, of 1+2+1+2+1+1+1+1+1+1+5
    assert (graded.score, graded.max_score) == (Decimal("12.50"), Decimal(17))
    # A second look at the essay moves the total with it.
    quizzes.grade_essay(essay, Decimal("4"), tutor)
    database_commit()
    assert graded.score == Decimal("13.00")
    page = taker.client.get(f"{taker.base}/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Clear, but cite the paper." in page


def _saved(attempt_id) -> int:
    from diplolearn.models import AttemptQuestion

    return db_count(
        sa.select(sa.func.count())
        .select_from(Response)
        .join(AttemptQuestion)
        .where(AttemptQuestion.attempt_id == attempt_id)
    )


def db_count(query) -> int:
    from diplolearn.extensions import db as database

    return database.session.scalar(query)


@pytest.mark.parametrize(
    "tamper", ["unknown_match", "match_as_item", "position", "foreign", "long_number", "two_texts"]
)
def test_tampered_posts_are_refused_whole_and_change_nothing(taker, db, tamper):
    attempt = _start(taker, "qt-quiz")
    data = _right_answers(attempt)
    by_key = {aq.question_revision.question.key: aq for aq in attempt.questions}
    matching, ordering = by_key["qt-matching"], by_key["qt-ordering"]
    m_tokens = quizzes.tokens_for(attempt.id, matching)
    if tamper == "unknown_match":
        data[quizzes.field_name(matching)] = [f"{m_tokens['maldives']}.AAAAAAAAAAAAAAAA"]
    elif tamper == "match_as_item":
        data[quizzes.field_name(matching)] = [f"{m_tokens['y2007']}.{m_tokens['y2009']}"]
    elif tamper == "position":
        o_tokens = quizzes.tokens_for(attempt.id, ordering)
        data[quizzes.field_name(ordering)] = [f"{o_tokens['first']}.4"]
    elif tamper == "foreign":
        data[f"{quizzes.FIELD_PREFIX}{max(aq.id for aq in attempt.questions) + 1000}"] = "1"
    elif tamper == "long_number":
        data[quizzes.field_name(by_key["qt-numeric"])] = "1" * 100
    elif tamper == "two_texts":
        data[quizzes.field_name(by_key["qt-short"])] = ["CBS", "CNN"]
    page = f"{taker.base}/attempts/{attempt.id}"
    response = post_form(taker.client, f"{page}/save", data, form_page=page)
    assert response.status_code == 400
    assert "do not match the questions of this attempt, so nothing was saved" in response.get_data(
        as_text=True
    )
    assert _saved(attempt.id) == 0
    response = post_form(taker.client, f"{page}/submit", data, form_page=page)
    assert response.status_code == 400
    assert (
        db.session.scalar(sa.select(QuizAttempt.state).where(QuizAttempt.id == attempt.id))
        == AttemptState.IN_PROGRESS
    )


def test_model_answers_earn_full_marks_through_the_form(taker, db):
    """Every type's model answer (used by the demo) is what its form posts for full marks."""
    attempt = _start(taker, "qt-quiz")
    data = {}
    for aq in attempt.questions:
        values = questions.get(aq.question_revision.kind).model_answer(
            aq.question_revision, quizzes.tokens_for(attempt.id, aq)
        )
        if values is not None:
            data[quizzes.field_name(aq)] = values
    quizzes.submit(attempt, data)
    attempt = quizzes.load_attempt(attempt.id, taker.enrolment.id)
    scores = [
        (aq.question_revision.kind, aq.response and aq.response.score, aq.question_revision.points)
        for aq in attempt.questions
    ]
    assert all(score == points for kind, score, points in scores if kind != "essay"), scores
