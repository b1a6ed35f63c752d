"""Languages: interface and reading languages, directions, digits, plurals, the switcher."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale, ngettext

from diplolearn import i18n
from tests.conftest import login, post_form
from tests.factories import make_user


@pytest.mark.parametrize(
    "header,lang,direction",
    [
        ("ar", "ar", "rtl"),
        ("ar-EG,ar;q=0.9", "ar", "rtl"),
        ("fr-CH", "fr", "ltr"),
        ("en-GB", "en", "ltr"),
        ("de", "en", "ltr"),
    ],
)
def test_html_lang_and_dir_follow_the_browser_for_visitors(client, header, lang, direction):
    page = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{direction}">' in page


def test_lang_query_changes_this_view_only(client):
    assert '<html lang="ar" dir="rtl">' in client.get("/login?lang=ar").get_data(as_text=True)
    assert '<html lang="en"' in client.get("/login").get_data(as_text=True)


def test_saving_the_language_is_a_post_and_persists_for_visitors(client):
    response = post_form(client, "/language", {"lang": "fr", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert '<html lang="fr" dir="ltr">' in client.get("/login").get_data(as_text=True)


def test_saving_the_language_persists_on_the_account(client, db):
    user = make_user("lang@example.org", language="en")
    login(client, "lang@example.org")
    post_form(client, "/language", {"lang": "ar", "next": "/"})
    db.session.refresh(user)
    assert user.interface_language == "ar"
    assert '<html lang="ar" dir="rtl">' in client.get("/").get_data(as_text=True)


def test_unknown_language_changes_nothing(client):
    response = post_form(client, "/language", {"lang": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert '<html lang="en"' in client.get("/login").get_data(as_text=True)


def test_interface_and_reading_languages_are_separate(client, db):
    user = make_user("reader@example.org", language="fr")
    user.reading_language = "ar"
    db.session.commit()
    login(client, "reader@example.org")
    page = post_form(
        client,
        "/account",
        {"interface_language": "fr", "reading_language": "ar", "timezone": "Asia/Amman"},
        form_page="/account",
    )
    assert page.status_code == 302
    db.session.refresh(user)
    assert (user.interface_language, user.reading_language, user.timezone) == (
        "fr",
        "ar",
        "Asia/Amman",
    )


def test_reading_order_falls_back_through_interface_then_course_languages(app):
    class Reader:
        reading_language = "fr"

    with app.test_request_context("/?lang=en"):
        assert i18n.reading_order(Reader(), ["ar", "en"])[:3] == ["fr", "en", "ar"]
        text, language = i18n.pick_text({"ar": "نص", "en": "text"}, i18n.reading_order(Reader()))
        assert (text, language) == ("text", "en")


def test_arabic_uses_latin_digits_and_babel_formats_in_the_locale(app):
    import datetime as dt

    with app.test_request_context("/?lang=ar"):
        assert i18n.format_number(1234567) == "1,234,567"
        formatted = i18n.format_datetime(
            dt.datetime(2026, 3, 5, 14, 0, tzinfo=dt.UTC), zone="Asia/Amman"
        )
        assert "2026" in formatted and "٢" not in formatted
        assert "مارس" in formatted  # the month's Arabic name: really formatted in Arabic
        assert "17:00" in formatted  # one 24-hour style in every language, no seconds
    with app.test_request_context("/?lang=fr"):
        assert i18n.format_number(1234.5, 1) in ("1\u202f234,5", "1\u00a0234,5")


def test_times_show_in_the_viewers_zone_across_daylight_saving(app):
    import datetime as dt

    deadline = dt.datetime(2026, 3, 30, 21, 59, tzinfo=dt.UTC)  # after the EU switch to summer time
    with app.test_request_context("/?lang=en"):
        assert "23:59" in i18n.format_datetime(deadline, "short", zone="Europe/Zurich")
        assert "00:59" in i18n.format_datetime(deadline, "short", zone="Asia/Amman")


def test_arabic_has_six_plural_forms(app):
    with app.test_request_context("/?lang=ar"), force_locale("ar"):
        forms = {n: ngettext("%(num)d person", "%(num)d people", n) for n in (0, 1, 2, 5, 11, 100)}
    assert len(set(forms.values())) == 6, forms


def test_catalogues_are_complete():
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).parent.parent / "diplolearn" / "translations"
    template = {m.id for m in read_po(io.BytesIO(Path(root / "messages.pot").read_bytes())) if m.id}
    for language in ("ar", "fr"):
        catalogue = read_po(
            io.BytesIO(Path(root / language / "LC_MESSAGES" / "messages.po").read_bytes())
        )
        ids = {m.id for m in catalogue if m.id}
        assert template <= ids, f"{language}: run make extract-messages"
        missing = [
            m.id
            for m in catalogue
            if m.id
            and not (all(m.string) if isinstance(m.string, tuple) else m.string)
            and not m.obsolete
        ]
        assert not missing, f"{language} untranslated: {missing[:5]}"
        fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
        assert not fuzzy, f"{language} fuzzy: {fuzzy[:5]}"


def test_source_messages_are_all_extracted():
    """Every gettext call in code and templates is in messages.pot (make extract-messages)."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "fresh.pot"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "extract",
                "-F",
                "babel.cfg",
                "-k",
                "_l",
                "-k",
                "lazy_gettext",
                "--no-location",
                "--ignore-dirs=.*",  # the default also skips _macros/
                "-o",
                str(out),
                ".",
            ],
            cwd=root,
            check=True,
            capture_output=True,
        )
        fresh = {m.id for m in read_po(io.BytesIO(Path(out).read_bytes())) if m.id}
    committed = {
        m.id
        for m in read_po(
            io.BytesIO(Path(root / "diplolearn/translations/messages.pot").read_bytes())
        )
        if m.id
    }
    assert fresh == committed, sorted(fresh ^ committed, key=str)[:10]
