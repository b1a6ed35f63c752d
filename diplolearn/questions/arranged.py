"""Questions answered with one select per item, so they work without JavaScript: matching
(a select of possible matches for each item) and ordering (a select of positions for each item).

Both keep their items as choices (ChoiceRevision rows), so they get opaque per-attempt tokens
like any choice. Every select posts under the question's one field name, its value
``<item token>.<match token>`` (matching) or ``<item token>.<position>`` (ordering); a select
left on "choose" posts an empty value, which means no answer for that item.

- Matching: settings ``{"pairs": {item key: match key}}``; the choices that are not items are
  the possible matches (there may be more matches than items: distractors). Matches are always
  shown shuffled; items follow the quiz's shuffle flag. Stored ``{"pairs": {item: match}}``.
- Ordering: the choices' positions are the right order; they are always shown shuffled (never
  in the right order when there are two items or more). Stored ``{"positions": {item: n}}``.

Both earn partial credit: the share of items matched, or placed, rightly.

In a course file a matching question lists its ``items`` (each naming its ``match``) and its
``matches``; an ordering question its ``items`` in the right order. The editor shows both as
rows (a matching row that names another row's id is an item matched to it).
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms.fields import Field

from diplolearn.courses.spec import ChoiceSpec
from diplolearn.courses.yamlfile import canonical_texts
from diplolearn.questions.base import ALL_OR_NOTHING, ChoiceResult, InvalidAnswer, QuestionType
from diplolearn.questions.editing import RowsEditor


class RowsWidget:
    """One labelled select per row, all posting under the field's name."""

    def __call__(self, field, **kwargs):
        html = [f'<div class="answer-rows" id="{escape(field.id)}">']
        for index, row in enumerate(field.rows, 1):
            select_id = f"{field.id}-{index}"
            html.append(
                f'<div class="answer-row"><label for="{escape(select_id)}" '
                f'lang="{escape(row["lang"])}" dir="auto">{escape(row["label"])}</label> '
                f'<select id="{escape(select_id)}" name="{escape(field.name)}">'
            )
            html.append(f'<option value="">{escape(field.placeholder)}</option>')
            for value, text in row["options"]:
                selected = " selected" if value == row["selected"] else ""
                html.append(f'<option value="{escape(value)}"{selected}>{escape(text)}</option>')
            html.append("</select></div>")
        html.append("</div>")
        return Markup("".join(html))


class RowsField(Field):
    """Rendering only: answers are read by QuestionType.parse, never by WTForms."""

    widget = RowsWidget()

    def __init__(self, label=None, rows=(), placeholder="", **kwargs):
        super().__init__(label, **kwargs)
        self.rows, self.placeholder = list(rows), placeholder


def _pairs(values: list[str], keys_by_token: dict[str, str]) -> list[tuple[str, str]]:
    """(item key, second part) for each non-empty value; each item at most once."""
    pairs, seen = [], set()
    for value in values:
        if not value:
            continue
        token, dot, second = value.partition(".")
        key = keys_by_token.get(token)
        if not dot or key is None or key in seen:
            raise InvalidAnswer("unknown or repeated item")
        seen.add(key)
        pairs.append((key, second))
    return pairs


def _read_items(doc, question, lists: tuple[str, ...], matched: bool) -> None:
    """The items (and matches) of a course file as the question's choices; with ``matched``,
    each item names its ``match``."""
    for key in lists:
        for index, _item in enumerate(doc.get(key, list, default=[])):
            entry = doc.sub(key, index)
            if not isinstance(entry.data, dict):
                entry.problem(f"each of {key} is a mapping with id and text")
                continue
            has_match = key == "items" and matched
            entry.check_keys({"id", "text", "match"} if has_match else {"id", "text"})
            question.choices.append(
                ChoiceSpec(
                    id=entry.identifier(),
                    correct=False,
                    text=entry.texts("text"),
                    match=entry.get("match", str, default="") if has_match else None,
                    source=entry.source(),
                )
            )


class Matching(QuestionType):
    kind = "matching"
    label = _l("Matching")
    always_shuffle = True
    layout = "rows"
    file_fields = frozenset({"items", "matches"})
    rows = RowsEditor(
        _l("Items and matches"),
        (
            _l(
                "A row that names the id of another row is an item matched to it; a row that "
                "names none is a possible match."
            ),
        ),
        match=True,
        start=6,
    )

    @staticmethod
    def _key(question) -> dict[str, str]:
        return dict((question.settings or {}).get("pairs") or {})

    def items_and_matches(self, question, order: list[str]) -> tuple[list[str], list[str]]:
        key = self._key(question)
        return [k for k in order if k in key], [k for k in order if k not in key]

    def order_choices(self, question, keys, shuffle, rng):
        items, matches = self.items_and_matches(question, keys)
        if shuffle:
            rng.shuffle(items)
        rng.shuffle(matches)
        return items + matches

    def build_field(self, label, options, answer, tokens, question=None):
        by_token = {o.token: o for o in options}
        keys = {token: key for key, token in tokens.items()}
        items, matches = self.items_and_matches(question, [keys[o.token] for o in options])
        chosen = (answer or {}).get("pairs") or {}
        rows = []
        for item in items:
            item_token = tokens[item]
            option = by_token[item_token]
            rows.append(
                {
                    "label": option.text,
                    "lang": option.lang,
                    "options": [
                        (f"{item_token}.{tokens[m]}", by_token[tokens[m]].text) for m in matches
                    ],
                    "selected": f"{item_token}.{tokens[chosen[item]]}"
                    if chosen.get(item) in tokens
                    else None,
                }
            )
        return RowsField(label, rows=rows, placeholder=_("Choose a match"))

    def parse(self, values, keys_by_token, question=None):
        key = self._key(question)
        answer = {}
        for item, match_token in _pairs(values, keys_by_token):
            match = keys_by_token.get(match_token)
            if item not in key or match is None or match in key:
                raise InvalidAnswer("not an item and one of its possible matches")
            answer[item] = match
        return {"pairs": dict(sorted(answer.items()))}

    def grade(self, question, answer, *, partial_credit=ALL_OR_NOTHING) -> Decimal:
        key = self._key(question)
        if not key:
            return Decimal(0)
        chosen = (answer or {}).get("pairs") or {}
        right = sum(1 for item, match in key.items() if chosen.get(item) == match)
        return Decimal(right) / Decimal(len(key))

    def model_answer(self, question, tokens):
        return [f"{tokens[item]}.{tokens[match]}" for item, match in self._key(question).items()]

    def response_key(self, question, answer):
        return [
            f"{item}={match}" for item, match in sorted(((answer or {}).get("pairs") or {}).items())
        ]

    def review(self, question, answer, order, pick, reveal):
        key = self._key(question)
        chosen = (answer or {}).get("pairs") or {}
        by_key = {c.key: c for c in question.choices}
        items, _matches = self.items_and_matches(question, order)
        results = []
        for item in items:
            text, lang = pick(by_key[item].text)
            match = chosen.get(item)
            shown = pick(by_key[match].text)[0] if match in by_key else _("(no answer)")
            right = match == key.get(item)
            feedback = ""
            if reveal and not right and key.get(item) in by_key:
                feedback = _("Right match: %(match)s", match=pick(by_key[key[item]].text)[0])
            results.append(
                ChoiceResult(
                    item,
                    f"{text} → {shown}",
                    lang,
                    match is not None,
                    right if reveal else None,
                    feedback,
                )
            )
        return results

    def read_file(self, doc, question):
        _read_items(doc, question, ("items", "matches"), matched=True)

    def write_file(self, question, entry):
        entry["items"] = [
            {"id": c.id, "text": canonical_texts(c.text), "match": c.match}
            for c in question.choices
            if c.match is not None
        ]
        entry["matches"] = [
            {"id": c.id, "text": canonical_texts(c.text)}
            for c in question.choices
            if c.match is None
        ]

    def check(self, question, checker):
        where = question.source
        items = [c for c in question.choices if c.match is not None]
        matches = {c.id for c in question.choices if c.match is None}
        checker.duplicates(
            [(c.id, c.source) for c in question.choices],
            f"item or match of question {question.id!r}",
        )
        if len(items) < 2:
            checker.report(where, f"matching question {question.id!r} needs at least two items")
        if len(matches) < 2:
            checker.report(where, f"matching question {question.id!r} needs at least two matches")
        for item in items:
            if not item.match:
                checker.report(item.source, f"item {item.id!r} has no match")
            elif item.match not in matches:
                checker.report(
                    item.source,
                    f"item {item.id!r} is matched to {item.match!r}, which is not "
                    "one of the question's matches",
                )
        for choice in question.choices:
            checker.need_texts(
                choice.text, f"{choice.id!r} of question {question.id!r}", choice.source
            )

    def settings(self, question):
        return {"pairs": {c.id: c.match for c in question.choices if c.match is not None}}

    def read_settings(self, question, settings):
        pairs = settings.get("pairs") or {}
        for choice in question.choices:
            choice.match = pairs.get(choice.id)


class Ordering(QuestionType):
    kind = "ordering"
    label = _l("Ordering")
    always_shuffle = True
    layout = "rows"
    file_fields = frozenset({"items"})
    rows = RowsEditor(_l("Items, in the right order"))

    @staticmethod
    def _right(question) -> dict[str, int]:
        ordered = sorted(question.choices, key=lambda c: c.position)
        return {choice.key: n for n, choice in enumerate(ordered, 1)}

    def order_choices(self, question, keys, shuffle, rng):
        keys = list(keys)
        if len(keys) < 2:
            return keys
        right = sorted(keys, key=self._right(question).get)
        rng.shuffle(keys)
        while keys == right:  # never shown in the right order
            rng.shuffle(keys)
        return keys

    def build_field(self, label, options, answer, tokens, question=None):
        keys = {token: key for key, token in tokens.items()}
        placed = (answer or {}).get("positions") or {}
        count = len(options)
        rows = []
        for option in options:
            position = placed.get(keys[option.token])
            rows.append(
                {
                    "label": option.text,
                    "lang": option.lang,
                    "options": [(f"{option.token}.{n}", str(n)) for n in range(1, count + 1)],
                    "selected": f"{option.token}.{position}" if position else None,
                }
            )
        return RowsField(label, rows=rows, placeholder=_("Choose a position"))

    def parse(self, values, keys_by_token, question=None):
        count = len(keys_by_token)
        answer = {}
        for item, position in _pairs(values, keys_by_token):
            if not position.isascii() or not position.isdigit() or not 1 <= int(position) <= count:
                raise InvalidAnswer("not a position the form offers")
            answer[item] = int(position)
        return {"positions": dict(sorted(answer.items()))}

    def grade(self, question, answer, *, partial_credit=ALL_OR_NOTHING) -> Decimal:
        right = self._right(question)
        if not right:
            return Decimal(0)
        placed = (answer or {}).get("positions") or {}
        return Decimal(sum(1 for key, n in right.items() if placed.get(key) == n)) / Decimal(
            len(right)
        )

    def model_answer(self, question, tokens):
        return [f"{tokens[key]}.{n}" for key, n in self._right(question).items()]

    def response_key(self, question, answer):
        placed = (answer or {}).get("positions") or {}
        if not placed:
            return []
        return [" < ".join(sorted(placed, key=lambda k: (placed[k], k)))]

    def review(self, question, answer, order, pick, reveal):
        right = self._right(question)
        placed = (answer or {}).get("positions") or {}
        by_key = {c.key: c for c in question.choices}
        shown = sorted(
            (k for k in order if k in by_key),
            key=lambda k: (placed.get(k) or len(order) + 1, order.index(k)),
        )
        results = []
        for key in shown:
            text, lang = pick(by_key[key].text)
            position = placed.get(key)
            label = f"{position}. {text}" if position else f"– {text}"
            ok = position == right[key]
            feedback = (
                _("Belongs in position %(number)d", number=right[key]) if reveal and not ok else ""
            )
            results.append(
                ChoiceResult(
                    key, label, lang, position is not None, ok if reveal else None, feedback
                )
            )
        return results

    def read_file(self, doc, question):
        _read_items(doc, question, ("items",), matched=False)

    def write_file(self, question, entry):
        entry["items"] = [{"id": c.id, "text": canonical_texts(c.text)} for c in question.choices]

    def check(self, question, checker):
        if len(question.choices) < 2:
            checker.report(
                question.source, f"ordering question {question.id!r} needs at least two items"
            )
        checker.duplicates(
            [(c.id, c.source) for c in question.choices], f"item of question {question.id!r}"
        )
        for choice in question.choices:
            checker.need_texts(
                choice.text, f"item {choice.id!r} of question {question.id!r}", choice.source
            )
