"""One rule for the language of data (issue 15 item 6): names in the interface language, lists
sorted by the name shown with the language's collation, lists joined as the language writes
them, one date and time style per locale, language names in the interface language, the
time-zone picker grouped by region with the likely zone first."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from markupsafe import Markup

from diplolearn import i18n
from diplolearn.names import join_list, name_and_language, name_of, sort_key, sorted_by_name
from tests.conftest import login
from tests.factories import make_user


def person(latin="", arabic="", email="x@example.org"):
    return SimpleNamespace(name_latin=latin, name_ar=arabic, email=email)


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Layla Haddad"), ("fr", "Layla Haddad"), ("ar", "ليلى حداد")],
)
def test_a_person_is_named_in_the_script_of_the_interface(app, language, expected):
    with app.test_request_context(f"/?lang={language}"):
        assert name_of(person("Layla Haddad", "ليلى حداد")) == expected


def test_a_person_falls_back_to_the_other_script_then_the_email(app):
    with app.test_request_context("/?lang=ar"):
        assert name_of(person("James Carter")) == "James Carter"
        assert name_and_language(person("", "ليلى")) == ("ليلى", "ar")
    with app.test_request_context("/?lang=en"):
        assert name_of(person("", "ليلى")) == "ليلى"
        assert name_of(person(email="who@example.org")) == "who@example.org"


def test_per_language_names_follow_the_interface_then_the_course_order(app):
    cohort = SimpleNamespace(name={"ar": "دفعة خريف 2026", "en": "Autumn 2026"}, key="aut-26")
    course = SimpleNamespace(
        title={"ar": "الدبلوماسية الرقمية", "fr": "Diplomatie numérique"},
        languages=["fr", "ar"],
        key="dd",
    )
    with app.test_request_context("/?lang=en"):
        assert name_of(cohort) == "Autumn 2026"
        # No English title: the course's own order (French first), not the Arabic one.
        assert name_and_language(course) == ("Diplomatie numérique", "fr")
    with app.test_request_context("/?lang=fr"):
        # No French cohort name: English before Arabic when the course has English.
        assert name_of(cohort.name, course_languages=["ar", "en"]) == "Autumn 2026"
        assert name_of(cohort.name, course_languages=["ar"]) == "دفعة خريف 2026"
    with app.test_request_context("/?lang=ar"):
        assert name_of(cohort) == "دفعة خريف 2026"
        assert name_of(SimpleNamespace(name={}, code="MFA-JO")) == "MFA-JO"


# --- sorting ---------------------------------------------------------------------------------


def test_accents_and_case_sort_with_their_letter(app):
    with app.test_request_context("/?lang=fr"):
        names = ["Zoé", "Eric", "élodie", "Émile", "ali", "Ahmed"]
        assert sorted(names, key=sort_key()) == ["Ahmed", "ali", "élodie", "Émile", "Eric", "Zoé"]


def test_arabic_names_sort_in_alphabetical_order_with_alef_forms_together(app):
    names = ["يوسف", "إبراهيم", "آمنة", "أحمد", "بشير", "علي"]
    # أحمد before آمنة: the alef forms are one letter, so the second letter decides (ح < م).
    assert sorted(names, key=sort_key("ar")) == ["إبراهيم", "أحمد", "آمنة", "بشير", "علي", "يوسف"]


def test_lists_sort_by_the_name_shown_in_the_interface_language(app):
    people = [
        person("Zainab Omar", "أحمد زينب"),
        person("Adam Said", "يوسف آدم"),
        person("Omar Latif", ""),
    ]
    with app.test_request_context("/?lang=en"):
        assert [name_of(p) for p in sorted_by_name(people)] == [
            "Adam Said",
            "Omar Latif",
            "Zainab Omar",
        ]
    with app.test_request_context("/?lang=ar"):
        # Arabic names in Arabic order, then the people named only in Latin script.
        assert [name_of(p) for p in sorted_by_name(people)] == [
            "أحمد زينب",
            "يوسف آدم",
            "Omar Latif",
        ]


# --- lists -----------------------------------------------------------------------------------


def test_lists_are_joined_as_each_language_writes_them(app):
    for language, expected in [
        ("en", "Ahmed, Élodie, and Sara"),
        ("fr", "Ahmed, Élodie et Sara"),
        ("ar", "أحمد، وعلي، وسارة"),
    ]:
        with app.test_request_context(f"/?lang={language}"):
            items = ["أحمد", "علي", "سارة"] if language == "ar" else ["Ahmed", "Élodie", "Sara"]
            assert join_list(items) == expected
    with app.test_request_context("/?lang=ar"):
        assert join_list(["أحمد", "علي"]) == "أحمد وعلي"
        assert join_list([]) == ""


def test_joined_names_can_each_be_isolated_and_are_escaped(app):
    with app.test_request_context("/?lang=en"):
        joined = join_list(["<b>", "ليلى"], bdi=True)
        assert isinstance(joined, Markup)
        assert joined == "<bdi>&lt;b&gt;</bdi> and <bdi>ليلى</bdi>"


# --- dates and language names ----------------------------------------------------------------

WHEN = dt.datetime(2026, 12, 7, 14, 5, 33, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("language", "date", "datetime"),
    [
        ("en", "7 Dec 2026", "7 Dec 2026, 14:05"),
        ("fr", "7 déc. 2026", "7 déc. 2026, 14:05"),
        ("ar", "7 ديسمبر 2026", "7 ديسمبر 2026، 14:05"),
    ],
)
def test_one_date_and_time_style_per_locale_without_seconds(app, language, date, datetime):
    with app.test_request_context(f"/?lang={language}"):
        for style in ("short", "medium"):
            assert i18n.format_date(WHEN, style) == date
            assert i18n.format_datetime(WHEN, style, zone="UTC") == datetime
        assert ":33" not in i18n.format_datetime(WHEN, "long", zone="UTC")
        assert not re.search(r"\d+/\d+/\d+", i18n.format_datetime(WHEN, "short", zone="UTC"))
        assert i18n.format_time(WHEN, zone="UTC") == "14:05"


def test_language_names_are_in_the_interface_language(app):
    with app.test_request_context("/?lang=en"):
        assert i18n.language_name("ar") == "Arabic"
    with app.test_request_context("/?lang=fr"):
        assert i18n.language_name("ar") == "arabe"
        assert i18n.language_name("ar", standalone=True) == "Arabe"
    with app.test_request_context("/?lang=ar"):
        assert i18n.language_name("en") == "الإنجليزية"
    assert i18n.language_endonym("ar") == "العربية"


# --- the time-zone picker --------------------------------------------------------------------


def test_zones_are_grouped_by_region_with_the_likely_ones_first(app):
    headers = {"Accept-Language": "ar-JO,ar;q=0.9,en;q=0.5"}
    with app.test_request_context("/?lang=en", headers=headers):
        groups = i18n.timezone_groups("Europe/Zurich")
    labels = [label for label, _zones in groups]
    assert labels[0] == "Suggested"
    assert {"Africa", "Americas", "Asia", "Europe"} <= set(labels)
    suggested = [zone for zone, _label in groups[0][1]]
    assert suggested[:2] == ["Europe/Zurich", "Asia/Amman"]
    every = [zone for _label, zones in groups for zone, _ in zones]
    assert len(every) == len(set(every)), "a zone listed twice would be selected twice"
    assert "US/Eastern" not in every  # legacy aliases are not offered
    asia = dict(groups[labels.index("Asia")][1])
    assert re.fullmatch(r"Riyadh \(GMT\+03:00\)", asia["Asia/Riyadh"])


def test_zone_labels_are_in_the_interface_language(app):
    with app.test_request_context("/?lang=fr"):
        assert i18n.timezone_label("Africa/Cairo").startswith("Le Caire (")
    with app.test_request_context("/?lang=ar"):
        assert i18n.timezone_label("Africa/Cairo").startswith("القاهرة (")


def test_the_account_page_groups_zones_with_the_current_one_first(client, db):
    make_user("zones@example.org", timezone="Asia/Amman")
    db.session.commit()
    login(client, "zones@example.org")
    page = client.get("/account").get_data(as_text=True)
    select = page[
        page.index('name="timezone"') : page.index("</select>", page.index('name="timezone"'))
    ]
    assert (
        select.index("<optgroup")
        < select.index('value="Asia/Amman"')
        < select.index('label="Africa"')
    )
    assert select.count("selected") == 1
    assert re.search(r'<option[^>]*lang="ar"[^>]*>العربية</option>', page)


# --- lists through the pages -----------------------------------------------------------------


def test_the_people_list_sorts_by_the_name_shown_in_each_language(app, client, db):
    from diplolearn.models import Role
    from tests.factories import make_with_role

    make_with_role(Role.ADMINISTRATOR, email="admin@example.org", name_latin="Zed Admin")
    # Latin order and Arabic order disagree on purpose.
    make_user("a@example.org", name_latin="Adam Said", name_ar="يوسف آدم")
    make_user("b@example.org", name_latin="Beatrice Élodie", name_ar="")
    make_user("c@example.org", name_latin="Omar Latif", name_ar="أحمد عمر")
    db.session.commit()
    login(client, "admin@example.org")

    def order(page: str, names: list[str]) -> list[str]:
        return sorted(names, key=page.index)

    english = client.get("/admin/people?lang=en").get_data(as_text=True)
    assert order(english, ["Adam Said", "Beatrice Élodie", "Omar Latif"]) == [
        "Adam Said",
        "Beatrice Élodie",
        "Omar Latif",
    ]
    arabic = client.get("/admin/people?lang=ar").get_data(as_text=True)
    assert order(arabic, ["أحمد عمر", "يوسف آدم", "Beatrice Élodie"]) == [
        "أحمد عمر",
        "يوسف آدم",
        "Beatrice Élodie",
    ]


def test_ministries_are_listed_by_their_name_in_the_interface_language(app, db):
    from diplolearn.models import Ministry, Role
    from diplolearn.security.scoping import all_ministries
    from tests.factories import make_with_role

    admin = make_with_role(Role.ADMINISTRATOR)
    for code, en, ar in [("A-1", "Zambia", "أثيوبيا"), ("B-2", "Égypte", "زامبيا")]:
        db.session.add(Ministry(code=code, name={"en": en, "ar": ar}))
    db.session.flush()
    # force_locale: the db fixture's app context would keep the first request's locale.
    with app.test_request_context("/"), force_locale("en"):
        names = [name_of(m) for m in all_ministries(admin) if m.code in ("A-1", "B-2")]
        assert names == ["Égypte", "Zambia"]
    with app.test_request_context("/"), force_locale("ar"):
        names = [name_of(m) for m in all_ministries(admin) if m.code in ("A-1", "B-2")]
        assert names == ["أثيوبيا", "زامبيا"]


# --- the direction of text people write --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "declared", "expected"),
    [
        # An Arabic question declared English (the form's default on an English page).
        ("هل يمكنني تسليم المقال متأخرًا؟", "en", ("ar", "rtl")),
        # Starts with a Latin handle, but reads right to left: dir="auto" would say ltr.
        ("@francediplo نشرت السفارة بيانًا اليوم عن الاجتماع", "ar", ("ar", "rtl")),
        ("Where is the reading list?", "en", ("en", "ltr")),
        ("Où est la liste de lecture ?", "ar", ("", "ltr")),  # Latin letters, language unknown
        ("[رابط](https://example.org/a/very/long/english/path)", None, ("ar", "rtl")),
        ("12:30", "fr", ("fr", "ltr")),  # no letters: the declared language decides
    ],
)
def test_a_post_is_set_in_the_direction_of_most_of_its_letters(app, text, declared, expected):
    from diplolearn.names import written_in

    with app.test_request_context("/?lang=en"):
        assert written_in(text, declared) == expected


def test_a_country_with_many_zones_suggests_none_of_them(app):
    with app.test_request_context("/?lang=en", headers={"Accept-Language": "en-US,en"}):
        suggested = [zone for zone, _ in i18n.timezone_groups("Asia/Tokyo")[0][1]]
    assert suggested[0] == "Asia/Tokyo"
    assert not any(zone.startswith("America/") for zone in suggested)
    with app.test_request_context("/?lang=fr"):
        assert i18n.timezone_label("UTC") == "Temps universel coordonné"


def test_rows_sort_by_the_name_of_an_attribute(app):
    rows = [SimpleNamespace(user=person("Zoé")), SimpleNamespace(user=person("élodie"))]
    with app.test_request_context("/?lang=fr"):
        assert [r.user.name_latin for r in sorted_by_name(rows, "user")] == ["élodie", "Zoé"]
