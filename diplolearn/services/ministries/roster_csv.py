"""Reading a staff roster file: encoding, separator, columns, and every row's own problems.

- Encoding: UTF-8 with or without a byte-order mark; otherwise the file is read as
  Windows-1256 (what older Excel writes for Arabic) and a note explains it. UTF-16 ("Unicode
  text") is refused with an explanation.
- Separator: comma, semicolon or tab, whichever makes the first line name the most known
  columns (Excel writes semicolons where the comma is the decimal mark, as in French).
- Columns: named on the first line, in English, French or Arabic (see ``ALIASES``), in any
  order. Unknown columns are ignored and named in a note.
- Rows: each problem carries its line and column, so the preview can say exactly where.

Nothing here touches the database: ``services.ministries.roster_plan`` matches the rows against it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l

from diplolearn.models.accounts import normalise_email
from diplolearn.textnorm import collapse_spaces, nfc

# The columns a roster has, in the order of the sample file; the last one is optional.
COLUMNS = ("email", "name_ar", "name_latin", "language", "position", "posting", "staff_id")
REQUIRED_COLUMNS = COLUMNS[:-1]
COLUMN_LABELS = {
    "email": _l("Email"),
    "name_ar": _l("Name in Arabic script"),
    "name_latin": _l("Name in Latin script"),
    "language": _l("Preferred language"),
    "position": _l("Position"),
    "posting": _l("Posting"),
    "staff_id": _l("Staff id"),
}
MAX_LENGTH = {
    "email": 254,
    "name_ar": 200,
    "name_latin": 200,
    "position": 200,
    "posting": 200,
    "staff_id": 64,
}
MAX_ROWS = 20_000


def _key(text: str) -> str:
    """How a header is compared: case, accents, spaces and punctuation do not matter."""
    text = unicodedata.normalize("NFKD", nfc(text).replace("\ufeff", "").casefold())
    text = "".join(c for c in text if not unicodedata.combining(c) and c != "\u0640")
    return re.sub(r"[\s_\-./()]+", " ", text).strip()


_ALIAS_LIST = {
    "email": [
        "email",
        "e-mail",
        "email address",
        "mail",
        "courriel",
        "adresse electronique",
        "adresse e-mail",
        "البريد الإلكتروني",
        "البريد الالكتروني",
        "البريد",
    ],
    "name_ar": [
        "name_ar",
        "name ar",
        "arabic name",
        "name arabic",
        "name in arabic",
        "name in arabic script",
        "nom arabe",
        "nom en arabe",
        "الاسم بالعربية",
        "الاسم العربي",
        "الاسم بالحروف العربية",
    ],
    "name_latin": [
        "name_latin",
        "name latin",
        "latin name",
        "name in latin script",
        "name in latin",
        "nom latin",
        "nom en caracteres latins",
        "الاسم باللاتينية",
        "الاسم بالحروف اللاتينية",
    ],
    "language": [
        "language",
        "preferred language",
        "lang",
        "langue",
        "langue preferee",
        "اللغة",
        "اللغة المفضلة",
    ],
    "position": ["position", "job title", "title", "fonction", "المنصب", "الوظيفة"],
    "posting": [
        "posting",
        "post",
        "duty station",
        "affectation",
        "lieu d'affectation",
        "مكان العمل",
        "مقر العمل",
        "جهة العمل",
    ],
    "staff_id": [
        "staff_id",
        "staff id",
        "staff number",
        "employee id",
        "matricule",
        "الرقم الوظيفي",
    ],
}
ALIASES = {_key(alias): column for column, aliases in _ALIAS_LIST.items() for alias in aliases}

_LANGUAGE_LIST = {
    "ar": ["ar", "arabic", "arabe", "العربية", "عربي", "عربية"],
    "en": ["en", "english", "anglais", "الإنجليزية", "الانجليزية", "الإنكليزية", "انجليزي"],
    "fr": ["fr", "french", "francais", "الفرنسية", "فرنسي"],
}
LANGUAGES = {_key(name): code for code, names in _LANGUAGE_LIST.items() for name in names}

CP1256_NOTE = _l(
    "This file is not in UTF-8, so DiploLearn read it as Windows-1256 (Arabic Windows), the "
    "encoding older versions of Excel use. Check that the Arabic names below read correctly. "
    "If they do not, save the file again as \u201cCSV UTF-8\u201d and upload it again."
)


@dataclass(frozen=True)
class Problem:
    """What is wrong, and where: line (1 is the header) and column (1-based, with the header
    as written), either of which may be absent for a problem of the whole file."""

    message: str
    line: int | None = None
    column: int | None = None
    header: str | None = None

    @property
    def sort_key(self) -> tuple:
        return (self.line or 0, self.column or 0)


@dataclass
class Row:
    line: int
    email: str
    name_ar: str
    name_latin: str
    language: str
    position: str
    posting: str
    staff_id: str | None
    valid: bool = True


@dataclass
class ParsedRoster:
    encoding: str = "utf-8"
    delimiter: str = ","
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)  # column key -> 0-based index
    headers: list[str] = field(default_factory=list)


def decode(data: bytes, parsed: ParsedRoster) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        parsed.encoding = "utf-8-sig"
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as error:
            parsed.problems.append(
                Problem(
                    _l(
                        "The file starts as UTF-8 but is not valid UTF-8 further on (byte %(n)s). Save "
                        "it again as \u201cCSV UTF-8\u201d.",
                        n=error.start + 1,
                    )
                )
            )
            return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:200]:
        parsed.problems.append(
            Problem(
                _l(
                    "This file is in UTF-16 (\u201cUnicode text\u201d), which DiploLearn does not read. "
                    "Save it again as \u201cCSV UTF-8\u201d."
                )
            )
        )
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        parsed.encoding = "cp1256"
        parsed.notes.append(CP1256_NOTE)
        return data.decode("cp1256", errors="replace")


def _choose_delimiter(first_line: str) -> str:
    best, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t"):
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        known = sum(1 for cell in cells if _key(cell) in ALIASES)
        score = (known, len(cells))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _clean(value: str) -> str:
    return collapse_spaces(nfc(value.replace("\ufeff", "")))


def read_roster(data: bytes) -> ParsedRoster:
    """Parse and check a roster file on its own (no database); see the module docstring."""
    parsed = ParsedRoster()
    text = decode(data, parsed)
    if text is None:
        return parsed
    if not text.strip():
        parsed.problems.append(Problem(_l("The file is empty.")))
        return parsed
    first_line = text.lstrip("\r\n").splitlines()[0]
    parsed.delimiter = _choose_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=parsed.delimiter)
    previous_end = 0
    header: list[str] | None = None
    for_email: dict[str, int] = {}
    for_staff_id: dict[str, int] = {}
    try:
        for cells in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = cells
                if not _read_header(parsed, cells, line):
                    return parsed
                continue
            if len(parsed.rows) >= MAX_ROWS:
                parsed.problems.append(
                    Problem(
                        _l(
                            "The file has more than %(max)s people. Split it into several files.",
                            max=f"{MAX_ROWS:,}",
                        ),
                        line,
                    )
                )
                return parsed
            row = _read_row(parsed, cells, line)
            _check_duplicate(parsed, row, "email", row.email, for_email)
            _check_duplicate(parsed, row, "staff_id", row.staff_id, for_staff_id)
            parsed.rows.append(row)
    except csv.Error as error:
        parsed.problems.append(
            Problem(
                _l("This line cannot be read as CSV (%(error)s).", error=str(error)),
                previous_end + 1,
            )
        )
    if header is None:
        parsed.problems.append(Problem(_l("The file is empty.")))
    elif not parsed.rows and not parsed.problems:
        parsed.problems.append(Problem(_l("The file names its columns but lists nobody."), 2))
    return parsed


def _read_header(parsed: ParsedRoster, cells: list[str], line: int) -> bool:
    ignored = []
    for index, cell in enumerate(cells):
        parsed.headers.append(_clean(cell))
        column = ALIASES.get(_key(cell))
        if column is None:
            if cell.strip():
                ignored.append(_clean(cell))
        elif column in parsed.columns:
            parsed.problems.append(
                Problem(
                    _l(
                        "This column repeats the column %(other)s (both mean \u201c%(meaning)s\u201d).",
                        other=parsed.columns[column] + 1,
                        meaning=COLUMN_LABELS[column],
                    ),
                    line,
                    index + 1,
                    _clean(cell),
                )
            )
        else:
            parsed.columns[column] = index
    missing = [COLUMN_LABELS[c] for c in REQUIRED_COLUMNS if c not in parsed.columns]
    if missing:
        parsed.problems.append(
            Problem(
                _l(
                    "The first line must name the columns. Missing: %(missing)s. (Separator found: "
                    "%(separator)s.)",
                    missing=", ".join(str(m) for m in missing),
                    separator={",": _l("comma"), ";": _l("semicolon")}.get(
                        parsed.delimiter, _l("tab")
                    ),
                ),
                line,
            )
        )
        return False
    if ignored:
        parsed.notes.append(
            _l(
                "These columns are not used and were ignored: %(columns)s.",
                columns=", ".join(ignored),
            )
        )
    return not parsed.problems


def _read_row(parsed: ParsedRoster, cells: list[str], line: int) -> Row:
    problems = parsed.problems
    before = len(problems)
    values: dict[str, str] = {}
    for column, index in parsed.columns.items():
        values[column] = _clean(cells[index]) if index < len(cells) else ""
    if len(cells) > len(parsed.headers) and any(c.strip() for c in cells[len(parsed.headers) :]):
        problems.append(
            Problem(
                _l(
                    "This line has %(found)s values but the first line names %(expected)s columns. "
                    "Check for a separator inside a value (put such values in double quotes).",
                    found=len(cells),
                    expected=len(parsed.headers),
                ),
                line,
            )
        )

    def problem(column: str, message) -> None:
        index = parsed.columns[column]
        problems.append(Problem(message, line, index + 1, parsed.headers[index]))

    for column, limit in MAX_LENGTH.items():
        if column in values and len(values[column]) > limit:
            problem(column, _l("This is longer than %(max)s characters.", max=limit))
    email = normalise_email(values["email"])
    if not email:
        problem("email", _l("The email address is missing."))
    elif len(email) <= MAX_LENGTH["email"]:
        try:
            validate_email(
                email,
                check_deliverability=False,
                test_environment=not current_app.config["PRODUCTION"],
            )
        except EmailNotValidError:
            problem("email", _l("This is not an email address like name@example.org."))
    if not values["name_latin"]:
        problem(
            "name_latin",
            _l("The name in Latin script is missing (it is the name on certificates)."),
        )
    language = LANGUAGES.get(_key(values["language"]))
    if language is None:
        problem("language", _l("The language must be ar, en or fr."))
    return Row(
        line=line,
        email=email,
        name_ar=values["name_ar"],
        name_latin=values["name_latin"],
        language=language or "",
        position=values["position"],
        posting=values["posting"],
        staff_id=values.get("staff_id") or None,
        valid=len(problems) == before,
    )


def _check_duplicate(
    parsed: ParsedRoster, row: Row, column: str, value: str | None, seen: dict[str, int]
) -> None:
    if not value or column not in parsed.columns:
        return
    key = value
    if key in seen:
        index = parsed.columns[column]
        message = (
            _l("This email address is also on line %(line)s.", line=seen[key])
            if column == "email"
            else _l("This staff ID is also on line %(line)s.", line=seen[key])
        )
        parsed.problems.append(Problem(message, row.line, index + 1, parsed.headers[index]))
        row.valid = False
    else:
        seen[key] = row.line
