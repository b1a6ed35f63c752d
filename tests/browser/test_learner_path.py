"""The learner's path in headless Chromium, in Arabic (right to left) and in English: sign in, the
dashboard's progress and "Continue where you left off", the lessons of module 1 marked done one
after the other, the module quiz failed on purpose and then passed, the module's written
assignment written and handed in, and module 1 complete on the outline and the dashboard. Every
page type goes through axe-core (check_accessibility).

Also: the course's glossary and references in Arabic, screenshots of two lessons of the real
course that mix Arabic with Latin handles and hashtags (tests/artifacts/real-course-*.png), and
the README's screenshot (docs/learner-path.png).

The quiz key is never on the page. To answer wrong (and then right) the test reads the key from
the course file, matching the texts shown on the page with the file's texts in that language.
"""

from __future__ import annotations

import functools
import io
import re

import pytest
import yaml
from PIL import Image
from playwright.sync_api import expect

from diplolearn.questions.true_false import TRUE_FALSE_TEXT
from tests.browser.conftest import (
    ARTIFACTS,
    COURSE_READERS,
    PATH_LEARNER_EN,
    PROJECT_ROOT,
    Learner,
    check_accessibility,
)
from tests.browser.test_journeys import expect_language, sign_in

pytestmark = pytest.mark.browser

COURSE_DIR = PROJECT_ROOT / "courses" / "digital-diplomacy"
MODULE_1 = "introduction"
MODULE_2 = "social-media-twitter"
QUIZ_KEY = "introduction-quiz"
ASSIGNMENT_KEY = "intro-essay"
README_SCREENSHOT = PROJECT_ROOT / "docs" / "learner-path.png"

# Youssef (demo, Arabic) has read the first lesson of module 1 and nothing more; the English
# learner is the browser tests' own (conftest.PATH_LEARNER_EN), with no progress at all.
YOUSSEF = Learner("youssef@diplolearn.test", "youssef-demo-2026", "ar")
JOURNEYS = {"ar": (YOUSSEF, 1), "en": (PATH_LEARNER_EN, 0)}  # learner, module 1 lessons done

DIRECTION = {"ar": "rtl", "en": "ltr"}
# The interface's words, from diplolearn/translations/<lang>/LC_MESSAGES/messages.po.
UI = {
    "ar": {
        "progress": "التقدّم",
        "mark_done": "تسجيل الدرس منجزًا",
        "marked_done": "سُجِّل الدرس منجزًا.",
        "start": "بدء الاختبار",
        "submit": "الإرسال للتصحيح",
        "review": "المراجعة والإرسال",
        "finish": "إرسال إجاباتي",
        "try_again": "المحاولة مجددًا",
        "passed": "ناجح",
        "not_passed": "غير ناجح",
        "not_right": "إجابة غير صحيحة",
        "your_choice": "اختياركم",
        "correct_answer": "الإجابة الصحيحة",
        "complete": "مكتملة",
        "outline": "العودة إلى مخطط الدورة التدريبية",
        "my_courses": "دوراتي التدريبية",
        "glossary": "المسرد",
        "references": "المراجع",
        "answer": "إجابتكم",
        "word_count": "عدد الكلمات:",
        "submitted": "سُلّم عملكم. سيعيده إليكم المصحّح مع الدرجة والملاحظات.",
    },
    "en": {
        "progress": "Progress",
        "mark_done": "Mark as done",
        "marked_done": "Lesson marked as done.",
        "start": "Start the quiz",
        "submit": "Submit for grading",
        "review": "Review and submit",
        "finish": "Submit my answers",
        "try_again": "Try again",
        "passed": "Passed",
        "not_passed": "Not passed",
        "not_right": "Not right",
        "your_choice": "your choice",
        "correct_answer": "correct answer",
        "complete": "Complete",
        "outline": "Back to the course outline",
        "my_courses": "My courses",
        "glossary": "Glossary",
        "references": "References",
        "answer": "Your answer",
        "word_count": "Word count:",
        "submitted": "Your work is submitted. Your grader will return it with a grade and "
        "comments.",
    },
}

# Latin words in text whose nearest [lang] ancestor says Arabic. Course texts may hold some
# (names, hashtags; see course_latin_words); any other is an untranslated interface string.
LATIN_IN_ARABIC_JS = r"""() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const owner = node.parentElement;
    if (!owner || owner.closest('script, style, [hidden]')) continue;
    const lang = owner.closest('[lang]')?.getAttribute('lang') || '';
    if (lang !== 'ar') continue;
    const text = node.textContent.replace(/(https?:\/\/|www\.)\S+/g, ' ');  // addresses
    for (const word of text.match(/[A-Za-z]{2,}/g) || []) found.push(word);
  }
  return found;
}"""
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Names of file formats and of the markup that the Arabic interface writes in Latin letters.
FORMAT_NAMES = frozenset({"CSV", "JSON", "PDF", "docx", "Word", "Markdown"})


# --- the course files ------------------------------------------------------------------------


def lesson_file(module: str, lesson: str, lang: str) -> tuple[str, list[str]]:
    """(title, paragraph anchors in order) of a lesson's Markdown file in one language."""
    text = (COURSE_DIR / module / f"{lesson}.{lang}.md").read_text(encoding="utf-8")
    _, front, body = text.split("---", 2)
    return yaml.safe_load(front)["title"], re.findall(r"^\{#([\w-]+)\}\s*$", body, re.M)


def module_lessons(module: str) -> list[str]:
    spec = yaml.safe_load((COURSE_DIR / module / "module.yaml").read_text(encoding="utf-8"))
    return [lesson["id"] for lesson in spec["lessons"]]


def module_assignment(module: str) -> dict:
    spec = yaml.safe_load((COURSE_DIR / module / "module.yaml").read_text(encoding="utf-8"))
    return spec["assignment"]


# A learner's essay: one paragraph per language, repeated to the assignment's length.
ESSAY_PARAGRAPH = {
    "ar": "تستعمل وزارتنا الشبكات الاجتماعية لإعلام الجمهور بمواقفها، لكنها لم تنشئ بعد "
    "سفارة افتراضية ولا تدرّب دبلوماسييها تدريبًا منتظمًا على الكتابة للجمهور الأجنبي.",
    "en": "Our ministry uses social networks to tell the public where it stands, but it has no "
    "virtual embassy yet and does not train its diplomats to write for foreign publics.",
}


def write_essay(lang: str, words: int) -> tuple[str, int]:
    """An essay of at least ``words`` words, and its exact word count."""
    paragraph = ESSAY_PARAGRAPH[lang]
    per_paragraph = len(paragraph.split())
    repeats = -(-words // per_paragraph)
    return "\n\n".join([paragraph] * repeats), per_paragraph * repeats


def load_quiz(module: str) -> dict:
    return yaml.safe_load((COURSE_DIR / module / "quiz.yaml").read_text(encoding="utf-8"))


@functools.cache
def course_latin_words() -> frozenset[str]:
    """Latin words that the course's Arabic texts contain, and the brand."""
    texts = [path.read_text(encoding="utf-8") for path in COURSE_DIR.rglob("*.ar.md")]

    def walk(node, arabic=False):
        if isinstance(node, dict):
            if node.get("language") == "ar":  # a reference in Arabic
                texts.append(str(node.get("text", "")))
            for key, value in node.items():
                walk(value, key == "ar")
        elif isinstance(node, list):
            for value in node:
                walk(value, arabic)
        elif isinstance(node, str) and arabic:
            texts.append(node)

    for path in COURSE_DIR.rglob("*.yaml"):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return frozenset(word for text in texts for word in LATIN_WORD.findall(text)) | {"DiploLearn"}


def squash(text: str) -> str:
    return " ".join(text.split())


# --- pages -----------------------------------------------------------------------------------


def expect_no_untranslated_interface(page, lang: str) -> None:
    if lang != "ar":
        return
    latin = [
        w
        for w in page.evaluate(LATIN_IN_ARABIC_JS)
        if w not in course_latin_words() and w not in FORMAT_NAMES
    ]
    assert not latin, f"untranslated interface text on {page.url}: {latin}"


def check_lesson(page, lang: str, module: str, lesson: str) -> None:
    """The lesson page: language and direction of the page and of every paragraph, and the
    paragraphs' anchors, which are the course file's, in order."""
    expect(page).to_have_url(re.compile(rf"/learn/\d+/lessons/{lesson}$"))
    expect_language(page, lang, DIRECTION[lang])
    title, anchors = lesson_file(module, lesson, lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    paragraphs = page.locator("article.lesson .paragraph")
    expect(paragraphs).to_have_count(len(anchors))
    found = paragraphs.evaluate_all(
        "els => els.map(e => [e.id, e.getAttribute('lang'), e.getAttribute('dir')])"
    )
    assert found == [[anchor, lang, DIRECTION[lang]] for anchor in anchors]
    expect_no_untranslated_interface(page, lang)


# Each question of the attempt page: its prompt, its choices' language and direction, and each
# choice's label with the id of its input.
ATTEMPT_QUESTIONS_JS = """() => [...document.querySelectorAll('form.quiz fieldset.question')]
  .map(f => ({prompt: f.querySelector('.prompt').innerText,
              lang: f.querySelector('ul.choices').getAttribute('lang'),
              dir: f.querySelector('ul.choices').getAttribute('dir'),
              labels: [...f.querySelectorAll('ul.choices label')]
                        .map(l => [l.innerText, l.htmlFor])}))"""


def answer_quiz(page, lang: str, quiz: dict, right: bool) -> None:
    """Tick every question of the attempt page, right or wrong by the course file's key."""
    by_prompt = {squash(q["prompt"][lang]): q for q in quiz["questions"]}
    shown = page.evaluate(ATTEMPT_QUESTIONS_JS)
    assert len(shown) == len(quiz["questions"])
    for fieldset in shown:
        question = by_prompt[squash(fieldset["prompt"])]
        assert (fieldset["lang"], fieldset["dir"]) == (lang, DIRECTION[lang])
        if question["kind"] == "true_false":
            # The importer gives true/false questions their two choices, with these texts.
            labels = {key: TRUE_FALSE_TEXT[key][lang] for key in ("true", "false")}
            correct = {labels["true" if question["answer"] else "false"]}
            texts = set(labels.values())
        else:
            correct = {squash(c["text"][lang]) for c in question["choices"] if c["correct"]}
            texts = {squash(c["text"][lang]) for c in question["choices"]}
        inputs = {squash(text): input_id for text, input_id in fieldset["labels"]}
        assert sorted(inputs) == sorted(texts), f"choices of {question['id']} differ from the file"
        if right:
            wanted = correct
        elif question["kind"] == "multiple_select":
            wanted = texts - correct
        else:
            wanted = {sorted(texts - correct)[0]}
        for text in sorted(wanted):
            page.locator(f'[id="{inputs[text]}"]').check()


def submit_attempt(page, lang: str) -> None:
    # Issue 20: the attempt page's button leads to the review step, which submits.
    with page.expect_navigation():
        page.get_by_role("button", name=UI[lang]["review"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+/review$"))
    with page.expect_navigation():
        page.get_by_role("button", name=UI[lang]["finish"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+/result$"))


def progress_value(page, lang: str) -> int:
    """The course's progress bar (labelled "Progress"), as a percentage."""
    bar = page.get_by_role("progressbar", name=UI[lang]["progress"], exact=True)
    expect(bar).to_be_visible()
    return int(bar.get_attribute("value"))


# --- the journeys ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_module_one_from_dashboard_to_passed_quiz(page, live_server, lang):
    learner, lessons_done = JOURNEYS[lang]
    ui = UI[lang]
    label = f"path-{lang}"
    quiz = load_quiz(MODULE_1)
    lessons = module_lessons(MODULE_1)
    course_title = yaml.safe_load((COURSE_DIR / "course.yaml").read_text("utf-8"))["title"][lang]

    sign_in(page, live_server, learner.email, learner.password)
    expect(page).to_have_url(f"{live_server}/")
    expect_language(page, lang, DIRECTION[lang])

    # The dashboard: the course, its progress bar, the way back in.
    card = page.locator(".card").filter(has=page.get_by_role("link", name=course_title))
    expect(card).to_have_count(1)
    before = progress_value(page, lang)
    assert before < 5, "this learner should be at the start of the course"
    expect_no_untranslated_interface(page, lang)
    check_accessibility(page, f"{label}-dashboard")
    # The next step is the card's first link into the course after its outline.
    step = card.locator(".next-step a")
    expect(step).to_have_attribute("href", re.compile(r"/learn/\d+/lessons/"))
    with page.expect_navigation():
        step.click()

    # Every lesson of module 1 not yet done, each "Mark as done" leading to the next step.
    for number, lesson in enumerate(lessons[lessons_done:]):
        check_lesson(page, lang, MODULE_1, lesson)
        if number == 0:
            check_accessibility(page, f"{label}-lesson")
        with page.expect_navigation():
            page.get_by_role("button", name=ui["mark_done"], exact=True).click()
        expect(page.get_by_role("status")).to_contain_text(ui["marked_done"])

    # The last lesson leads to the module's quiz.
    expect(page).to_have_url(re.compile(rf"/learn/\d+/quizzes/{QUIZ_KEY}$"))
    expect_language(page, lang, DIRECTION[lang])
    expect(page.get_by_role("heading", level=1)).to_have_text(quiz["title"][lang])
    with page.expect_navigation():
        page.get_by_role("button", name=ui["start"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    expect_language(page, lang, DIRECTION[lang])

    # First attempt: every answer wrong.
    answer_quiz(page, lang, quiz, right=False)
    expect_no_untranslated_interface(page, lang)
    check_accessibility(page, f"{label}-attempt")
    submit_attempt(page, lang)
    expect_language(page, lang, DIRECTION[lang])
    expect(page.locator(".outcome strong")).to_have_text(ui["not_passed"])
    expect(page.locator(".outcome")).to_have_class(re.compile(r"\bstatus-failed\b"))
    # Feedback on each question: not right, and which choices were the learner's.
    reviews = page.locator("ol.review > li.question").evaluate_all(
        "items => items.map(li => [li.className, li.querySelector('p strong').textContent,"
        " li.querySelectorAll('.choices .tag').length])"
    )
    assert len(reviews) == len(quiz["questions"])
    for css_class, verdict, tags in reviews:
        assert (css_class, verdict) == ("question wrong", ui["not_right"]) and tags >= 1
    expect(page.get_by_text(ui["your_choice"], exact=True).first).to_be_visible()
    # The key stays hidden while attempts are left.
    expect(page.get_by_text(ui["correct_answer"], exact=True)).to_have_count(0)
    expect_no_untranslated_interface(page, lang)
    check_accessibility(page, f"{label}-result")

    # Second attempt: every answer right; now the key and each question's feedback are shown.
    with page.expect_navigation():
        page.get_by_role("button", name=ui["try_again"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    answer_quiz(page, lang, quiz, right=True)
    submit_attempt(page, lang)
    expect(page.locator(".outcome strong")).to_have_text(ui["passed"])
    expect(page.locator(".outcome")).to_have_class(re.compile(r"\bstatus-complete\b"))
    expect(page.locator("ol.review > li.question.right")).to_have_count(len(quiz["questions"]))
    feedback = page.locator("ol.review > li.question > p.feedback")
    expect(feedback).to_have_count(len(quiz["questions"]))
    expect(feedback.first).to_have_attribute("lang", lang)
    assert squash(feedback.first.inner_text()) == squash(quiz["questions"][0]["feedback"][lang])
    expect(page.get_by_text(ui["correct_answer"], exact=True)).not_to_have_count(0)
    expect_no_untranslated_interface(page, lang)

    # The module's written assignment, required ("submitted" completes it): from the outline,
    # write the essay (the word count follows the text) and hand it in.
    with page.expect_navigation():
        page.get_by_role("link", name=ui["outline"], exact=True).click()
    assignment = module_assignment(MODULE_1)
    module_1 = page.locator(f"#module-{MODULE_1}")
    expect(module_1).to_have_class(re.compile(r"\bstatus-in_progress\b"))
    with page.expect_navigation():
        module_1.get_by_role("link", name=assignment["title"][lang], exact=True).click()
    expect(page).to_have_url(re.compile(rf"/learn/\d+/assignments/{ASSIGNMENT_KEY}$"))
    expect_language(page, lang, DIRECTION[lang])
    essay, words = write_essay(lang, assignment["min_words"])
    assert assignment["min_words"] <= words <= assignment["max_words"]
    answer = page.get_by_label(ui["answer"], exact=True)
    answer.fill(essay)
    expect(page.locator(".word-count")).to_have_text(
        re.compile(rf"^\s*{re.escape(ui['word_count'])}\s*{words}\b")
    )
    expect_no_untranslated_interface(page, lang)
    check_accessibility(page, f"{label}-assignment")
    with page.expect_navigation():
        page.get_by_role("button", name=ui["submit"], exact=True).click()
    expect(page).to_have_url(re.compile(rf"/learn/\d+/assignments/{ASSIGNMENT_KEY}$"))
    expect(page.get_by_role("status")).to_contain_text(ui["submitted"])
    expect(page.get_by_label(ui["answer"], exact=True)).to_have_count(0)  # handed in

    # The outline: module 1 complete, every item ticked; module 2 no longer waits for it.
    with page.expect_navigation():
        page.locator(".breadcrumbs a").first.click()
    expect_language(page, lang, DIRECTION[lang])
    module_1 = page.locator(f"#module-{MODULE_1}")
    expect(module_1).to_have_class(re.compile(r"\bstatus-complete\b"))
    expect(module_1.locator(".module-facts strong")).to_have_text(ui["complete"])
    expect(module_1.locator(".items li.done")).to_have_count(len(lessons) + 2)
    # A complete module is marked by its border; its text keeps the page's colour and weight.
    ink = page.evaluate("getComputedStyle(document.querySelector('main')).color")
    expect(module_1.locator(".objectives li").first).to_have_css("color", ink)
    expect(module_1.locator(".objectives li").first).to_have_css("font-weight", "400")
    expect(page.locator(f"#module-{MODULE_2}")).not_to_have_class(re.compile(r"status-locked"))
    assert progress_value(page, lang) > before
    expect_no_untranslated_interface(page, lang)
    check_accessibility(page, f"{label}-outline")

    if lang == "ar":
        # The course's own pages, linked from the outline.
        for name, heading in (("glossary", ui["glossary"]), ("references", ui["references"])):
            with page.expect_navigation():
                page.locator(".course-pages").get_by_role("link", name=heading).click()
            expect(page).to_have_url(re.compile(rf"/learn/\d+/{name}$"))
            expect_language(page, lang, DIRECTION[lang])
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
            expect_no_untranslated_interface(page, lang)
            check_accessibility(page, f"{label}-{name}")
            if name == "references":
                # English entries number on their own (left) side, inside the page, even on a
                # phone: nothing sticks out sideways.
                expect(page.locator('ol.references > li[lang="en"]').first).to_have_attribute(
                    "dir", "ltr"
                )
                page.set_viewport_size({"width": 375, "height": 700})
                assert page.evaluate("document.documentElement.scrollWidth") <= 375
                page.set_viewport_size({"width": 1280, "height": 720})
            else:
                page.go_back()  # to the outline

    # Back on the dashboard: the progress bar has moved on there too.
    with page.expect_navigation():
        page.get_by_role("navigation").get_by_role("link", name=ui["my_courses"]).click()
    expect(page).to_have_url(f"{live_server}/")
    assert progress_value(page, lang) > before


# --- the real course: lessons mixing Arabic and Latin ----------------------------------------

REAL_LESSONS = [  # (module, lesson, the Latin text in it)
    ("france", "france-profile", "@francediplo"),
    ("european-union", "eu-twitter-iran", "#IranTalks"),
]


def open_course(page, live_server, learner: Learner) -> str:
    """Sign in and return the outline's URL of the learner's one course."""
    sign_in(page, live_server, learner.email, learner.password)
    expect(page).to_have_url(f"{live_server}/")
    link = page.locator(".card h3 a")
    expect(link).to_have_count(1)
    return live_server + link.get_attribute("href")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_real_course_lessons_with_latin_handles(page, live_server, lang):
    outline = open_course(page, live_server, COURSE_READERS[lang])
    for number, (module, lesson, latin) in enumerate(REAL_LESSONS, start=1):
        response = page.goto(f"{outline}/lessons/{lesson}")
        assert response is not None and response.status == 200
        check_lesson(page, lang, module, lesson)
        if lang == "ar":
            # The handle or hashtag is isolated, left to right, inside the Arabic paragraph.
            isolate = page.locator("article.lesson .paragraph bdi", has_text=latin).first
            expect(isolate).to_have_attribute("dir", "ltr")
            expect(isolate).to_have_attribute("lang", "en")
        else:
            expect(page.locator("article.lesson").get_by_text(latin).first).to_be_visible()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"real-course-{lang}-{number}.png"), full_page=True)
    if lang == "ar":
        save_readme_screenshot(page)


def save_readme_screenshot(page) -> None:
    """docs/learner-path.png, the README's picture: the Arabic lesson on screen (the second
    real-course lesson), its first screenful at 1000 by 1400 px (a lesson is several screens
    long: the whole page would be a picture nobody reads in a README)."""
    page.set_viewport_size({"width": 1000, "height": 1400})
    expect_language(page, "ar", "rtl")
    README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shot = Image.open(io.BytesIO(page.screenshot(type="png", full_page=False)))
    # 128 colours keep the text's anti-aliasing and halve the file (the icons and fonts of the
    # design system made the true-colour picture pass 300 KB).
    shot.convert("RGB").quantize(colors=128).save(README_SCREENSHOT, optimize=True)
    size = README_SCREENSHOT.stat().st_size
    assert size < 300_000, f"{README_SCREENSHOT.name} is {size // 1000} KB; keep it under 300 KB"
