"""The paragraph editor of a lesson (issue 15 item 7), driven the way a browser without
JavaScript drives it: every button posts the whole form back, the page returns with the change
applied and nothing saved, and only "Save" writes — through the same service and checks as the
whole-text form. Anchors stay out of sight and are kept; new paragraphs get fresh ones; saving
isolates Latin runs in Arabic paragraphs; problems are named by paragraph number."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from diplolearn.courses.check import load_course
from diplolearn.models import Role
from diplolearn.services.authoring import ContentInvalid, drafting, lessons, owners
from diplolearn.services.authoring import paragraphs as by_paragraph
from diplolearn.services.catalogue.course_import import import_course
from tests.conftest import login
from tests.factories import make_with_role

BASICS = Path(__file__).parent.parent / "courses" / "digital-diplomacy-basics"
KEY = "what-is-digital-diplomacy"


class _Fields(HTMLParser):
    """The named controls of the form ``#lesson-editor`` as a browser would send them (without
    the submit buttons: the test picks the one it presses)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.inside = False
        self.area: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == "lesson-editor"
        elif self.inside and tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif self.inside and tag == "textarea":
            self.area = attrs["name"]
            self.fields[self.area] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.area = None

    def handle_data(self, data):
        if self.area is not None:
            self.fields[self.area] += data


def fields_of(page) -> dict[str, str]:
    parser = _Fields()
    parser.feed(page.get_data(as_text=True))
    # A browser drops the one newline that follows <textarea>.
    return {k: v.removeprefix("\r\n").removeprefix("\n") for k, v in parser.fields.items()}


def paragraphs_of(fields: dict) -> list[dict]:
    count = len({k.split("-")[1] for k in fields if k.startswith("paragraphs-")})
    return [
        {k.split("-", 2)[2]: v for k, v in fields.items() if k.startswith(f"paragraphs-{i}-")}
        for i in range(count)
    ]


@pytest.fixture()
def editor(client, db):
    spec, files = load_course(BASICS)
    course = import_course(spec, files).course
    user = make_with_role(Role.INSTRUCTOR, course.id)
    owners.add_owner(course, user, None)
    login(client, user.email)
    drafting.open_draft(course, None)
    db.session.commit()
    return client, course, f"/author/courses/{course.id}/lessons/{KEY}/paragraphs"


def press(client, path, fields, action, **changes):
    return client.post(path, data={**fields, **changes, "action": action})


def saved_lesson(course):
    return drafting.find_lesson(drafting.spec_of(drafting.draft_of(course)), KEY)[1]


def test_the_editor_shows_each_paragraph_in_its_languages_with_anchors_hidden(editor):
    client, course, path = editor
    page = client.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    lesson = saved_lesson(course)
    anchors = lesson.anchors
    fields = fields_of(page)
    shown = paragraphs_of(fields)
    assert [p["anchor"] for p in shown] == anchors
    first = lesson.texts["ar"].paragraphs[0].text
    assert shown[0]["ar"] == first
    area = re.search(r'<textarea[^>]*name="paragraphs-0-ar"[^>]*>', text).group(0)
    assert 'lang="ar"' in area and 'dir="rtl"' in area
    hidden = re.search(r'<input[^>]*name="paragraphs-0-anchor"[^>]*>', text).group(0)
    assert 'type="hidden"' in hidden and f'value="{anchors[0]}"' in hidden
    # The anchor is in no text area and in no heading: only hidden fields and technical details.
    assert "{#" not in text.split('id="lesson-editor"')[1].split("</form>")[0]
    # The page names the lesson by its title, not its id.
    heading = text.split("<h1>")[1].split("</h1>")[0]
    assert KEY not in heading and html.escape(lesson.texts["en"].title) in heading
    # The learner's renderer shows the saved text beside the editor.
    assert 'id="preview-en-1"' in text


def test_moving_adding_and_removing_save_nothing_until_save(editor):
    client, course, path = editor
    before = lessons.lesson_texts(saved_lesson(course))
    fields = fields_of(client.get(path))
    anchors = [p["anchor"] for p in paragraphs_of(fields)]
    assert len(anchors) >= 2
    moved = press(client, path, fields, "down-1")
    assert moved.status_code == 200
    fields = fields_of(moved)
    assert [p["anchor"] for p in paragraphs_of(fields)] == [anchors[1], anchors[0], *anchors[2:]]
    # The moved paragraph's button has the focus, without JavaScript.
    assert (
        'value="down-2" class="button secondary small" data-move="down" autofocus'
        in moved.get_data(as_text=True)
    )
    added = press(client, path, fields, "add-1")
    fields = fields_of(added)
    shown = paragraphs_of(fields)
    assert len(shown) == len(anchors) + 1 and shown[1]["anchor"] == "" and shown[1]["en"] == ""
    assert lessons.lesson_texts(saved_lesson(course)) == before
    removed = press(client, path, fields, "remove-2")
    fields = fields_of(removed)
    assert [p["anchor"] for p in paragraphs_of(fields)] == [anchors[1], anchors[0], *anchors[2:]]
    # The paragraph that took the removed one's place has the focus.
    focused = re.findall(
        r"<(?:textarea|button)[^>]*\bautofocus\b[^>]*>", removed.get_data(as_text=True)
    )
    assert len(focused) == 1 and 'name="paragraphs-1-' in focused[0]
    assert lessons.lesson_texts(saved_lesson(course)) == before


def test_a_new_paragraph_gets_a_fresh_anchor_and_the_order_is_saved(editor, db):
    client, course, path = editor
    fields = fields_of(client.get(path))
    anchors = [p["anchor"] for p in paragraphs_of(fields)]
    fields = fields_of(press(client, path, fields, f"add-{len(anchors)}"))
    n = len(anchors)
    fields[f"paragraphs-{n}-en"] = "Embassies answer questions online."
    fields[f"paragraphs-{n}-ar"] = "تجيب السفارات عن الأسئلة عبر الإنترنت."
    fields = fields_of(press(client, path, fields, "up-2"))
    response = press(client, path, fields, "save")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    lesson = saved_lesson(course)
    prefix = anchors[0].split("-")[0]
    new = f"{prefix}-embassies-answer-questions"
    assert lesson.anchors == [anchors[1], anchors[0], *anchors[2:], new]
    assert lesson.texts["en"].paragraphs[-1].text == "Embassies answer questions online."
    # Every language keeps the same paragraphs in the same order; French, not written for the
    # new paragraph, ... is an optional language: check what the course has.
    for text in lesson.texts.values():
        assert [p.anchor for p in text.paragraphs] == lesson.anchors


def test_problems_are_numbered_by_paragraph_and_nothing_is_saved(editor):
    client, course, path = editor
    before = lessons.lesson_texts(saved_lesson(course))
    fields = fields_of(client.get(path))
    fields["paragraphs-1-en"] = ""
    fields["paragraphs-0-ar"] = "نص <script>alert(1)</script>"
    response = press(client, path, fields, "save")
    assert response.status_code == 422
    text = html.unescape(response.get_data(as_text=True))
    assert "paragraph 2: the paragraph is empty" in text
    assert "paragraph 1: HTML here would be removed by the sanitiser" in text
    assert lessons.lesson_texts(saved_lesson(course)) == before
    # What was typed is still there.
    again = paragraphs_of(fields_of(response))
    assert again[0]["ar"] == "نص <script>alert(1)</script>" and again[1]["en"] == ""


def test_an_anchor_line_typed_in_a_paragraph_is_refused(editor):
    client, _course, path = editor
    fields = fields_of(client.get(path))
    fields["paragraphs-0-en"] += "\n{#sneaky}\nMore."
    response = press(client, path, fields, "save")
    assert response.status_code == 422
    assert "paragraph 1: a line like {#…} would start" in html.unescape(
        response.get_data(as_text=True)
    )


def test_saving_isolates_latin_runs_in_arabic_paragraphs(editor):
    client, course, path = editor
    fields = fields_of(client.get(path))
    fields["paragraphs-0-ar"] = "تنشر الوزارة عبر حسابها @francediplo رسائل قصيرة."
    response = press(client, path, fields, "save")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    text = saved_lesson(course).texts["ar"].paragraphs[0].text
    assert "@francediplo" in text
    assert "<bdi" in text and text.index("<bdi") < text.index("@francediplo")


def test_a_referenced_paragraph_cannot_be_removed(editor):
    client, course, path = editor
    spec = drafting.spec_of(drafting.draft_of(course))
    fixed = lessons.referenced_anchors(spec, KEY)
    fields = fields_of(client.get(path))
    shown = paragraphs_of(fields)
    index = next((i for i, p in enumerate(shown) if p["anchor"] in fixed), None)
    assert index is not None, f"a question of the course cites a paragraph of {KEY}"
    page = client.get(path).get_data(as_text=True)
    assert f'value="remove-{index + 1}"' not in page
    response = press(client, path, fields, f"remove-{index + 1}")
    assert [p["anchor"] for p in paragraphs_of(fields_of(response))] == [p["anchor"] for p in shown]


def test_the_whole_text_carries_unsaved_paragraphs_over(editor):
    client, course, path = editor
    fields = fields_of(client.get(path))
    fields["paragraphs-0-en"] = "Changed in the paragraph editor."
    response = press(client, path, fields, "text")
    assert response.status_code == 200
    text = html.unescape(response.get_data(as_text=True))
    first = paragraphs_of(fields)[0]["anchor"]
    assert f"{{#{first}}}\nChanged in the paragraph editor." in text
    assert f'action="/author/courses/{course.id}/lessons/{KEY}/edit"' in text


def test_fresh_anchors_follow_the_lessons_style_and_stay_unique(app, db):
    spec, _files = load_course(BASICS)
    lesson = next(spec.lessons())
    paragraphs = by_paragraph.lesson_paragraphs(lesson)
    taken = {a for other in spec.lessons() for a in other.anchors}
    prefix = lesson.anchors[0].split("-")[0]
    paragraphs += [
        by_paragraph.EditedParagraph(texts={"en": "The **Ministry’s** accounts", "ar": "حسابات"}),
        by_paragraph.EditedParagraph(texts={"en": "The ministry's accounts again", "ar": "مرة"}),
        by_paragraph.EditedParagraph(texts={"ar": "نص عربي فقط"}),
    ]
    with app.test_request_context():
        by_paragraph.fresh_anchors(spec, lesson.id, paragraphs, ["ar", "en"])
    new = [p.anchor for p in paragraphs[-3:]]
    count = len(paragraphs)
    assert new == [
        f"{prefix}-ministry-accounts",
        f"{prefix}-ministry-accounts-again",
        f"{prefix}-p{count}",
    ]
    assert not set(new) & taken


def test_paragraph_texts_leave_out_an_unwritten_language():
    paragraphs = [by_paragraph.EditedParagraph("a-one", {"en": "One", "ar": "واحد", "fr": ""})]
    texts = by_paragraph.paragraph_texts(
        {"en": "T", "ar": "ع", "fr": ""}, paragraphs, ["ar", "en", "fr"]
    )
    assert texts == {"ar": ("ع", "{#a-one}\nواحد"), "en": ("T", "{#a-one}\nOne"), "fr": ("", "")}
    with pytest.raises(ContentInvalid):
        by_paragraph.paragraph_texts(
            {}, [by_paragraph.EditedParagraph("x", {"en": "a\n{#b}\nc"})], ["en"]
        )


def test_the_editor_hides_the_isolation_saving_adds_back(editor):
    client, course, path = editor
    fields = fields_of(client.get(path))
    typed = "تنشر الوزارة عبر حسابها @francediplo رسائل قصيرة."
    fields["paragraphs-0-ar"] = typed
    assert press(client, path, fields, "save").status_code == 302
    assert "<bdi" in saved_lesson(course).texts["ar"].paragraphs[0].text
    # Shown again as typed; saving it unchanged changes nothing.
    fields = fields_of(client.get(path))
    assert fields["paragraphs-0-ar"] == typed
    before = lessons.lesson_texts(saved_lesson(course))
    assert press(client, path, fields, "save").status_code == 302
    assert lessons.lesson_texts(saved_lesson(course)) == before
    # Isolation the author chose differently (a lang attribute) is shown as written.
    chosen = 'حسابها <bdi lang="en" dir="ltr">@francediplo</bdi> رسائل.'
    assert by_paragraph.shown_text(chosen, "ar") == chosen


def test_a_new_lesson_is_written_paragraph_by_paragraph(editor):
    client, course, _path = editor
    module = drafting.spec_of(drafting.draft_of(course)).modules[-1].id
    path = f"/author/courses/{course.id}/modules/{module}/lessons/new"
    page = client.get(path)
    assert page.status_code == 200
    fields = fields_of(page)
    shown = paragraphs_of(fields)
    assert len(shown) == 1 and shown[0]["anchor"] == "" and shown[0]["en"] == ""
    fields.update(
        {
            "key": "closing-words",
            "title_en": "Closing words",
            "title_ar": "كلمة ختام",
            "paragraphs-0-en": "Thank you for reading.",
            "paragraphs-0-ar": "شكرًا على القراءة.",
        }
    )
    fields = fields_of(press(client, path, fields, "add-1"))
    fields["paragraphs-1-en"] = "Keep in touch."
    fields["paragraphs-1-ar"] = "ابقَ على تواصل."
    response = press(client, path, fields, "save")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    spec = drafting.spec_of(drafting.draft_of(course))
    lesson = drafting.find_lesson(spec, "closing-words")[1]
    assert lesson.anchors == ["cw-thank-you-reading", "cw-keep-touch"]
    assert lesson.texts["ar"].paragraphs[1].text == "ابقَ على تواصل."


def test_a_colleagues_save_in_between_is_shown_and_nothing_is_overwritten(editor, db):
    client, course, path = editor
    fields = fields_of(client.get(path))
    # A colleague saves the lesson (through the whole-text service) after the page was opened.
    lesson = saved_lesson(course)
    texts = lessons.lesson_texts(lesson)
    title, body = texts["en"]
    texts["en"] = (title, body + " Colleague.")
    lessons.edit_lesson(
        drafting.draft_of(course), KEY, texts, drafting.token_of(lessons.lesson_texts(lesson)), None
    )
    db.session.commit()
    fields["paragraphs-0-en"] = "Mine."
    response = press(client, path, fields, "save")
    assert response.status_code == 409
    assert saved_lesson(course).texts["en"].paragraphs[-1].text.endswith("Colleague.")
    again = fields_of(response)
    assert again["paragraphs-0-en"] == "Mine." and again["token"] != fields["token"]
    # Saving again, knowingly, goes through.
    assert press(client, path, again, "save").status_code == 302
    assert saved_lesson(course).texts["en"].paragraphs[0].text == "Mine."


class _VisibleText(HTMLParser):
    """The text of a page (what is read, screen-reader-only text included), outside
    ``<details class="technical">``, <script>, <template>, attribute values and the text being
    edited (the whole-text form shows anchors on purpose: it is the file's own syntax)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        hidden = self.skip or tag in ("script", "template", "textarea") or "technical" in classes
        if hidden and tag not in ("input", "br", "img", "meta", "link", "hr", "source", "use"):
            self.skip += 1

    def handle_endtag(self, tag):
        if self.skip and tag not in ("input", "br", "img", "meta", "link", "hr", "source"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def _visible(page) -> str:
    parser = _VisibleText()
    parser.feed(page.get_data(as_text=True))
    return " ".join(parser.parts)


def test_ids_stay_in_the_technical_details_of_the_authoring_pages(editor):
    client, course, path = editor
    spec = drafting.spec_of(drafting.draft_of(course))
    module = next(m for m in spec.modules if m.quiz is not None)
    question = module.quiz.questions[0].id
    base = f"/author/courses/{course.id}"
    pages = [
        base,
        path,
        f"{base}/lessons/{KEY}/edit",
        f"{base}/history/lesson/{KEY}",
        f"{base}/modules/{module.id}/assessment",
        f"{base}/questions/{question}/edit",
    ]
    ids = {KEY, question, module.quiz.id, *saved_lesson(course).anchors}
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        text = _visible(page)
        shown = sorted(i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text))
        assert not shown, (url, shown)
        assert 'class="technical"' in page.get_data(as_text=True), url


def test_the_retire_question_names_the_lesson_by_its_isolated_title(editor):
    client, course, _path = editor
    page = client.get(f"/author/courses/{course.id}/lessons/{KEY}/retire")
    text = page.get_data(as_text=True)
    title = html.escape(saved_lesson(course).texts["en"].title)
    heading = text.split("<h1>")[1].split("</h1>")[0]
    assert f"<bdi>{title}</bdi>" in heading and KEY not in heading
    assert "<bdi>" not in text.split("<title>")[1].split("</title>")[0]
