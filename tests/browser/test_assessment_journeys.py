"""Assessment in headless Chromium (issue 5), with axe-core on every page visited.

A small course of the tests' own, imported from course files written here (one module: a
lesson, a quiz of numeric, short-text, matching and ordering questions, a written assignment
with a rubric), and a self-paced cohort with one tutor group:

- the learner, in Arabic (right to left), answers the quiz from the keyboard (the number typed
  with Arabic-Indic digits and the Arabic decimal separator, "٣٫٥"), leaves and reloads the page
  and finds the answers kept, submits, and sees the result as the quiz's policy allows: score and
  feedback, never the correct answers;
- the learner writes the written assignment (the word count follows the text) and submits it;
  the tutor grades it against the rubric; the learner reads the returned grade.
"""

from __future__ import annotations

import re
import textwrap

import pytest
from playwright.sync_api import expect

from tests.browser.test_cohort_journeys import Translator, check_page, click_to, flash
from tests.browser.test_journeys import expect_language, sign_in

pytestmark = pytest.mark.browser

COURSE_KEY = "browser-assessment"
LEARNER = ("assess.learner@diplolearn.test", "assess-learner-browser-2026")  # Arabic
TUTOR = ("assess.tutor@diplolearn.test", "assess-tutor-browser-2026")  # English
QUIZ_KEY = "assess-quiz"
ASSIGNMENT_KEY = "assess-memo"

COURSE_FILES = {
    "course.yaml": """\
        id: browser-assessment
        title:
          ar: تقييم في المتصفح
          en: Assessment in the browser
        languages:
          - ar
          - en
        modules:
          - assess-module
        """,
    "assess-module/module.yaml": """\
        id: assess-module
        title:
          ar: وحدة التقييم
          en: The assessment module
        required: true
        lessons:
          - id: assess-lesson
            required: true
        assignment:
          id: assess-memo
          title:
            ar: مذكرة قصيرة
            en: A short memo
          prompt:
            ar: اكتب مذكرة قصيرة عن حضور وزارتك على الشبكات الاجتماعية.
            en: Write a short memo on your ministry's presence on social networks.
          required: true
          completion: submitted
          formats:
            - text
          min_words: 20
          max_words: 200
          rubric:
            - id: memo-content
              points: 4
              criterion:
                ar: المضمون
                en: Content
              levels:
                - points: 4
                  description:
                    ar: دقيق وكامل.
                    en: Accurate and complete.
                - points: 2
                  description:
                    ar: دقيق في الجملة.
                    en: Broadly accurate.
                - points: 0
                  description:
                    ar: غير دقيق.
                    en: Inaccurate.
            - id: memo-clarity
              points: 2
              criterion:
                ar: الوضوح
                en: Clarity
              levels:
                - points: 2
                  description:
                    ar: واضح.
                    en: Clear.
                - points: 0
                  description:
                    ar: غير واضح.
                    en: Unclear.
        """,
    "assess-module/assess-lesson.ar.md": """\
        ---
        id: assess-lesson
        title: درس التقييم
        ---

        {#assess-one}
        أنشأت جزر المالديف سفارة افتراضية في عام 2007.
        """,
    "assess-module/assess-lesson.en.md": """\
        ---
        id: assess-lesson
        title: The assessment lesson
        ---

        {#assess-one}
        The Maldives opened a virtual embassy in 2007.
        """,
    "assess-module/quiz.yaml": """\
        id: assess-quiz
        title:
          ar: اختبار الأنواع
          en: Quiz of every typed kind
        pass_mark: 50
        max_attempts: 2
        grading_method: highest
        shuffle_questions: false
        shuffle_choices: true
        required: true
        answers_shown: never
        questions:
          - id: assess-numeric
            kind: numeric
            points: 1
            prompt:
              ar: كم مليون متابع، بالكسر العشري؟
              en: How many million followers, as a decimal?
            feedback:
              ar: الجواب في الفقرة الأولى.
              en: The answer is in the first paragraph.
            answer: 3.5
            tolerance: 0
          - id: assess-short
            kind: short_text
            points: 1
            prompt:
              ar: أي دولة أنشأت أول سفارة افتراضية؟
              en: Which country opened the first virtual embassy?
            accepted:
              ar:
                - المالديف
                - جزر المالديف
              en:
                - Maldives
                - the Maldives
          - id: assess-matching
            kind: matching
            points: 1
            prompt:
              ar: طابق كل دولة بسنتها.
              en: Match each country with its year.
            items:
              - id: maldives
                text:
                  ar: المالديف
                  en: Maldives
                match: y2007
              - id: sweden
                text:
                  ar: السويد
                  en: Sweden
                match: y2009
            matches:
              - id: y2007
                text:
                  ar: '2007'
                  en: '2007'
              - id: y2009
                text:
                  ar: '2009'
                  en: '2009'
              - id: y2015
                text:
                  ar: '2015'
                  en: '2015'
          - id: assess-ordering
            kind: ordering
            points: 1
            prompt:
              ar: رتّب هذه المنصات من الأقدم إلى الأحدث.
              en: Put these platforms from the oldest to the newest.
            items:
              - id: blogs
                text:
                  ar: المدونات
                  en: Blogs
              - id: facebook
                text:
                  ar: فيسبوك
                  en: Facebook
              - id: twitter
                text:
                  ar: تويتر
                  en: Twitter
        """,
}
MEMO = (
    "تستعمل وزارتنا تويتر وفيسبوك لإعلام الجمهور بمواقفها، لكنها لا تملك سفارة افتراضية "
    "ولا تدرّب دبلوماسييها على الكتابة للجمهور الأجنبي. نقترح خطة تدريب سنوية."
)


@pytest.fixture(scope="module")
def assessment_world(live_app, tmp_path_factory):
    """The course imported from COURSE_FILES, a self-paced cohort with one tutor group, its
    tutor and its Arabic learner."""
    from diplolearn.courses.check import load_course
    from diplolearn.extensions import db
    from diplolearn.models import EnrolmentState, Role
    from diplolearn.services.accounts import accounts
    from diplolearn.services.catalogue.course_import import import_course
    from diplolearn.services.cohorts import organisations

    folder = tmp_path_factory.mktemp("courses") / COURSE_KEY
    for name, text in COURSE_FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    with live_app.app_context():
        spec, files = load_course(folder)
        course = import_course(spec, files).course
        cohort = organisations.default_cohort(course)
        group = organisations.add_tutor_group(cohort, "assess-group", "Assessment group")
        tutor = accounts.create_user(
            TUTOR[0],
            name_latin="Ingrid Berg",
            name_ar="إنغريد برغ",
            interface_language="en",
            reading_language="en",
            password=TUTOR[1],
        )
        accounts.grant_role(tutor, Role.TUTOR, group.id)
        learner = accounts.create_user(
            LEARNER[0],
            name_latin="Hind Karam",
            name_ar="هند كرم",
            interface_language="ar",
            reading_language="ar",
            password=LEARNER[1],
        )
        enrolment = organisations.enrol(learner, cohort, sponsor=None, tutor_group=group)
        enrolment.move_to(EnrolmentState.ACTIVE, when=cohort.starts_at)
        db.session.commit()
        return {"course_id": course.id, "enrolment_id": enrolment.id}


def question(page, number: int):
    return page.locator("form.quiz fieldset.question").nth(number - 1)


def choose_by_keyboard(page, select, option_text: str) -> None:
    """Pick an option of a closed select from the keyboard: focus it, then arrow down until the
    option is selected (Chromium changes a closed select's value with the arrow keys)."""
    select.focus()
    texts = select.locator("option").all_inner_texts()
    target = texts.index(option_text)
    current = select.evaluate("s => s.selectedIndex")
    for _ in range(target - current):
        page.keyboard.press("ArrowDown")
    expect(select.locator("option:checked")).to_have_text(option_text)


def test_learner_takes_the_quiz_by_keyboard_in_arabic_and_resumes(
    page, live_server, live_app, assessment_world
):
    t = Translator(live_app, "ar")
    enrolment = assessment_world["enrolment_id"]
    sign_in(page, live_server, *LEARNER)
    expect_language(page, "ar", "rtl")
    page.goto(f"{live_server}/learn/{enrolment}/quizzes/{QUIZ_KEY}")
    expect(page.get_by_role("heading", level=1)).to_have_text("اختبار الأنواع")
    check_page(page, "assess-quiz-ar", "ar")
    start = page.get_by_role("button", name=t("Start the quiz"), exact=True)
    start.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/learn/{enrolment}/attempts/\d+$"))
    attempt_url = page.url
    expect(page.locator("form.quiz fieldset.question")).to_have_count(4)
    for number in range(1, 5):
        expect(question(page, number).locator("legend")).to_contain_text(
            t("Question %(number)d of %(total)d", number=number, total=4)
        )

    # Numeric, with Arabic-Indic digits and the Arabic decimal separator; short text.
    numeric = question(page, 1).get_by_label(t("Your answer"), exact=True)
    numeric.focus()
    page.keyboard.type("٣٫٥")
    page.keyboard.press("Tab")  # to the question's flag box (issue 20), then on
    expect(
        question(page, 1).get_by_label(
            t("Flag this question to come back to it before you submit"), exact=True
        )
    ).to_be_focused()
    page.keyboard.press("Tab")
    expect(question(page, 2).get_by_label(t("Your answer"), exact=True)).to_be_focused()
    page.keyboard.type("جزر المالديف")

    # Matching: one select per item, labelled by the item.
    matching = question(page, 3)
    choose_by_keyboard(page, matching.get_by_label("المالديف", exact=True), "2007")
    choose_by_keyboard(page, matching.get_by_label("السويد", exact=True), "2009")
    # Ordering: a position per item; Facebook and Twitter are swapped on purpose.
    ordering = question(page, 4)
    choose_by_keyboard(page, ordering.get_by_label("المدونات", exact=True), "1")
    choose_by_keyboard(page, ordering.get_by_label("فيسبوك", exact=True), "3")
    choose_by_keyboard(page, ordering.get_by_label("تويتر", exact=True), "2")
    # The answers are saved as the learner goes (the status line says so).
    status = page.locator(".autosave-status")
    saved = t("Saved automatically at %(time)s.", time="{time}").split("{time}")[0]
    expect(status).to_contain_text(saved.strip(), timeout=8000)
    check_page(page, "assess-attempt-ar", "ar")

    # Leaving and coming back: the same attempt, every answer as it was.
    page.reload()
    expect(page).to_have_url(attempt_url)
    expect(question(page, 1).get_by_label(t("Your answer"), exact=True)).to_have_value("٣٫٥")
    expect(question(page, 2).get_by_label(t("Your answer"), exact=True)).to_have_value(
        "جزر المالديف"
    )
    expect(
        question(page, 3).get_by_label("السويد", exact=True).locator("option:checked")
    ).to_have_text("2009")
    expect(
        question(page, 4).get_by_label("فيسبوك", exact=True).locator("option:checked")
    ).to_have_text("3")

    # Issue 20: the attempt page's button leads to the review step, which submits.
    review = page.get_by_role("button", name=t("Review and submit"), exact=True)
    review.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/learn/{enrolment}/attempts/\d+/review$"))
    submit = page.get_by_role("button", name=t("Submit my answers"), exact=True)
    submit.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/learn/{enrolment}/attempts/\d+/result$"))
    expect_language(page, "ar", "rtl")

    # Three of four right (the ordering earns a third: Blogs only is in place): passed.
    outcome = page.locator(".outcome")
    expect(outcome).to_have_class(re.compile(r"\bstatus-complete\b"))
    expect(outcome.locator("strong")).to_have_text(t("Passed"))
    reviews = page.locator("ol.review > li.question")
    expect(reviews).to_have_count(4)
    expect(reviews.nth(0)).to_have_class(re.compile(r"\bright\b"))
    expect(reviews.nth(1)).to_have_class(re.compile(r"\bright\b"))
    expect(reviews.nth(2)).to_have_class(re.compile(r"\bright\b"))
    expect(reviews.nth(3)).to_have_class(re.compile(r"\bwrong\b"))
    # The policy: feedback shown at once (the numeric question's, in the learner's language),
    # the correct answers never.
    feedback = reviews.nth(0).locator("p.feedback")
    expect(feedback).to_have_text("الجواب في الفقرة الأولى.")
    expect(feedback).to_have_attribute("lang", "ar")
    expect(page.get_by_text(t("The correct answers of this quiz are not shown."))).to_be_visible()
    expect(page.get_by_text(t("correct answer"), exact=True)).to_have_count(0)
    expect(reviews.nth(3)).to_contain_text("3. فيسبوك")  # the learner's own order...
    expect(reviews.nth(3)).not_to_contain_text(  # ...and not where each item belongs
        t("Belongs in position %(number)d", number=2)
    )
    check_page(page, "assess-result-ar", "ar")


def test_written_assignment_is_graded_against_the_rubric(
    page, live_server, live_app, assessment_world
):
    ar, en = Translator(live_app, "ar"), Translator(live_app, "en")
    enrolment = assessment_world["enrolment_id"]
    sign_in(page, live_server, *LEARNER)
    expect_language(page, "ar", "rtl")
    page.goto(f"{live_server}/learn/{enrolment}")
    click_to(page, page.get_by_role("link", name="مذكرة قصيرة", exact=True))
    expect(page).to_have_url(f"{live_server}/learn/{enrolment}/assignments/{ASSIGNMENT_KEY}")
    check_page(page, "assess-assignment-ar", "ar")

    # The word count follows the text as it is typed.
    answer = page.get_by_label(ar("Your answer"), exact=True)
    counter = page.locator(".word-count")
    answer.focus()
    page.keyboard.type("مذكرة قصيرة جدًا")
    expect(counter).to_have_text(re.compile(rf"{re.escape(ar('Word count:'))}\s*3\b"))
    answer.fill(MEMO)
    words = len(MEMO.split())
    expect(counter).to_have_text(re.compile(rf"{re.escape(ar('Word count:'))}\s*{words}\b"))
    click_to(page, page.get_by_role("button", name=ar("Submit for grading"), exact=True))
    expect(flash(page)).to_contain_text(
        ar("Your work is submitted. Your grader will return it with a grade and comments.")
    )
    expect(page.get_by_label(ar("Your answer"), exact=True)).to_have_count(0)
    check_page(page, "assess-assignment-submitted-ar", "ar")

    # The tutor (English) grades it from their queue.
    page.context.clear_cookies()
    sign_in(page, live_server, *TUTOR)
    expect_language(page, "en", "ltr")
    page.goto(f"{live_server}/teach/courses/{assessment_world['course_id']}/assignments")
    check_page(page, "assess-queue-en", "en")
    click_to(page, page.get_by_role("link", name=re.compile("Hind Karam")).first)
    expect(page.locator("div.answer")).to_contain_text("نقترح خطة تدريب")
    content = page.get_by_role("group", name=re.compile(r"^Content \(4 points\)$"))
    clarity = page.get_by_role("group", name=re.compile(r"^Clarity \(2 points\)$"))
    content.get_by_role(
        "radio",
        name=en.plural(
            "%(num)d point: %(description)s",
            "%(num)d points: %(description)s",
            2,
            description="Broadly accurate.",
        ),
    ).check()
    clarity.get_by_role(
        "radio",
        name=en.plural(
            "%(num)d point: %(description)s",
            "%(num)d points: %(description)s",
            2,
            description="Clear.",
        ),
    ).check()
    page.get_by_label("Comments for the learner", exact=True).fill(
        "Good memo; name the platforms' **audiences** next time."
    )
    check_page(page, "assess-grade-en", "en")
    click_to(page, page.get_by_role("button", name="Return to the learner", exact=True))
    expect(flash(page)).to_be_visible()

    # The learner reads the grade, each criterion's level and the comment.
    page.context.clear_cookies()
    sign_in(page, live_server, *LEARNER)
    page.goto(f"{live_server}/learn/{enrolment}/assignments/{ASSIGNMENT_KEY}")
    returned = page.locator("section.submission").first
    expect(returned).to_contain_text(ar("Grade: %(score)s out of %(max)s", score="4", max="6"))
    results = returned.locator("ul.rubric-result li")
    expect(results).to_have_count(2)
    expect(results.nth(0)).to_contain_text("المضمون")
    expect(results.nth(0)).to_contain_text("2/4")
    expect(results.nth(1)).to_contain_text("2/2")
    expect(returned.locator(".comments strong")).to_have_text("audiences")
    check_page(page, "assess-assignment-returned-ar", "ar")
