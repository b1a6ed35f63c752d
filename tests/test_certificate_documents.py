"""What a certificate holder takes away: the bilingual PDF and the signed Open Badges 3.0
credential, and the issuer's published keys that check it."""

from __future__ import annotations

import base64
import io
import json
import unicodedata

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fontTools.ttLib import TTFont
from fpdf import FPDF
from pypdf import PdfReader

from diplolearn.config import ConfigError
from diplolearn.security import signing
from diplolearn.services.certificates import InvalidCredential, SigningKeyMissing, open_badges
from diplolearn.services.certificates.certificate_pdf import CertificatePDF, render_pdf
from tests.conftest import login
from tests.test_certificates import course, graduate  # noqa: F401  (the course fixture)


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), unicodedata.normalize("NFKC", reader.pages[0].extract_text())


# --- the PDF -----------------------------------------------------------------------------------


def test_the_pdf_is_one_page_in_english_and_arabic(app, db, course):
    _, _, certificate = graduate(course, name_latin="Layla Haddad", name_ar="ليلى حداد")
    with app.test_request_context():
        pages, text = text_of(render_pdf(certificate))
    assert pages == 1
    for english in (
        "Certificate of completion",
        "Layla Haddad",
        "Digital Diplomacy",
        "Workload: 1 hour of study",
    ):
        assert english in text
    # The Arabic column: the wording from the Arabic catalogue, the Arabic name and title.
    for arabic in ("شهادة إتمام", "ليلى حداد", "الدبلوماسية الرقمية"):
        assert arabic in text, arabic


def test_the_pdf_carries_the_code_and_links_to_the_verification_page(app, db, course):
    _, _, certificate = graduate(course)
    url = f"https://learn.example.org/verify/{certificate.code}"
    with app.test_request_context():
        pdf = render_pdf(certificate)
    _, text = text_of(pdf)
    assert certificate.code in text and url in text
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    links = {annot.get_object()["/A"]["/URI"] for annot in page["/Annots"]}
    assert links == {url}  # the QR code and the printed address


def test_the_pdf_embeds_the_vendored_fonts(app, db, course):
    _, _, certificate = graduate(course, name_ar="ليلى حداد")
    with app.test_request_context():
        reader = PdfReader(io.BytesIO(render_pdf(certificate)))
    fonts = {
        font["/BaseFont"]
        for font in (f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values())
    }
    assert any("NotoNaskhArabic" in name for name in fonts)
    assert any("NotoSans" in name for name in fonts)


def embedded(pdf: bytes) -> dict[str, tuple]:
    """Per font: its characters (ToUnicode), widths, glyph names and outlines."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = {}
    for ref in page["/Resources"]["/Font"].values():
        font = ref.get_object()
        cid = font["/DescendantFonts"][0].get_object()
        subset = TTFont(io.BytesIO(cid["/FontDescriptor"]["/FontFile2"].get_data()))
        outlines = subset.reader["glyf"]
        fonts[font["/BaseFont"]] = (
            font["/ToUnicode"].get_data(),
            list(cid["/W"]),
            subset.getGlyphOrder(),
            outlines,
        )
    return fonts


def test_certificates_share_the_fonts_but_not_their_subsets(app, db, course):
    """The fonts are read once per process (issue 16); each PDF still embeds only the
    glyphs of its own text, whatever was rendered before it."""
    _, _, first = graduate(course, name_latin="Zoë Quixley", name_ar="ظافر غسان")
    _, _, second = graduate(course, name_latin="Layla Haddad", name_ar="ليلى حداد")
    with app.test_request_context():
        alone = render_pdf(first)
        other = render_pdf(second)
        again = render_pdf(first)
    _, text = text_of(other)
    assert "Layla Haddad" in text and "ليلى حداد" in text
    assert "Quixley" not in text and "ظافر" not in text
    assert embedded(again) == embedded(alone)
    assert embedded(other) != embedded(alone)
    pages = [
        PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data() for pdf in (alone, again)
    ]
    assert pages[0] == pages[1]


def test_the_shared_fonts_give_what_fpdf_alone_gives(app, db, course, monkeypatch):
    """Same page, characters, widths, glyphs and outlines as fpdf2's own add_font path."""
    _, _, certificate = graduate(course, name_latin="Layla Haddad", name_ar="ليلى حداد")
    with app.test_request_context():
        shared = render_pdf(certificate)
        monkeypatch.setattr(CertificatePDF, "add_shared_font", FPDF.add_font)
        monkeypatch.setattr(CertificatePDF, "output", FPDF.output)
        plain = render_pdf(certificate)
    assert embedded(shared) == embedded(plain)
    contents = [
        PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data() for pdf in (shared, plain)
    ]
    assert contents[0] == contents[1]


# --- the Open Badges credential ----------------------------------------------------------------


@pytest.fixture()
def credential(app, client, db, course):
    user, _, certificate = graduate(course, name_latin="Layla Haddad", name_ar="ليلى حداد")
    db.session.commit()
    login(client, user.email)
    response = client.get(f"/certificates/{certificate.id}/credential.jwt")
    assert response.status_code == 200 and response.mimetype == "application/jwt"
    return certificate, response.get_data(as_text=True)


def published_key(client, token: str):
    """The public key the credential's header points at, fetched from the platform."""
    kid = jwt.get_unverified_header(token)["kid"]
    path = kid.removeprefix("https://learn.example.org")
    jwk = client.get(path).get_json()
    assert jwk in client.get("/verify/issuer/keys.json").get_json()["keys"]
    return jwt.PyJWK(jwk).key


def test_the_credential_is_an_ed25519_vc_jwt_checked_by_the_published_key(client, credential):
    certificate, token = credential
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "JWT"
    claims = jwt.decode(token, published_key(client, token), algorithms=["EdDSA"])
    assert claims["iss"] == claims["issuer"]["id"] == "https://learn.example.org/verify/issuer"
    assert claims["jti"] == claims["id"] == f"https://learn.example.org/verify/{certificate.code}"
    assert claims["nbf"] == int(certificate.issued_at.timestamp())


def test_the_credential_has_the_fields_open_badges_3_requires(client, credential):
    certificate, token = credential
    vc = open_badges.verify_credential(token)
    assert vc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["name"] and vc["validFrom"].endswith("Z")
    assert vc["issuer"]["type"] == ["Profile"] and vc["issuer"]["name"] == "DiploLearn"
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["id"].startswith("https://")
    assert achievement["name"] == "Digital Diplomacy"
    assert achievement["description"] and achievement["criteria"]["narrative"]
    names = {i["identityHash"] for i in subject["identifier"] if i["identityType"] == "name"}
    assert names == {"Layla Haddad", "ليلى حداد"}
    email = next(i for i in subject["identifier"] if i["identityType"] == "emailAddress")
    assert email["hashed"] and certificate.holder.email not in json.dumps(vc)


def test_the_same_certificate_always_gives_the_same_credential(client, credential):
    certificate, token = credential
    assert (
        client.get(f"/certificates/{certificate.id}/credential.jwt").get_data(as_text=True) == token
    )


def _b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_tampered_credential_fails_verification(client, credential):
    _, token = credential
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Somebody Else"
    forged_payload = ".".join([header, _b64(claims), signature])
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    unsigned = ".".join([_b64({"alg": "none", "typ": "JWT"}), payload, ""])
    foreign = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA")
    for bad in (
        forged_payload,
        ".".join([header, payload, flipped]),
        unsigned,
        foreign,
        "not a token",
    ):
        with pytest.raises(InvalidCredential):
            open_badges.verify_credential(bad)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged_payload, published_key(client, token), algorithms=["EdDSA"])


def test_the_issuer_profile_is_published(client, db):
    profile = client.get("/verify/issuer").get_json()
    assert profile["id"] == "https://learn.example.org/verify/issuer"
    assert profile["type"] == ["Profile"] and profile["name"] == "DiploLearn"
    assert profile["publicKeys"] == "https://learn.example.org/verify/issuer/keys.json"
    assert client.get("/verify/issuer/keys/unknown-kid").status_code == 404


# --- the signing key ---------------------------------------------------------------------------


def test_keys_are_read_from_pem_or_base64():
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = signing.SigningKey(key).public_jwk()
    for text in (pem, base64.b64encode(seed).decode(), base64.urlsafe_b64encode(seed).decode()):
        assert signing.SigningKey(signing.parse_private_key(text)).public_jwk() == public
    for bad in ("", "not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(ConfigError):
            signing.parse_private_key(bad)


def test_development_generates_one_key_into_the_instance_folder(tmp_path):
    first = signing._instance_key(str(tmp_path))
    second = signing._instance_key(str(tmp_path))
    assert signing.SigningKey(first).kid == signing.SigningKey(second).kid
    assert (tmp_path / signing.KEY_FILE).stat().st_mode & 0o077 == 0


def test_production_refuses_to_sign_without_a_configured_key(app, client, credential):
    certificate, _ = credential
    saved = {k: app.config[k] for k in ("PRODUCTION", "CERTIFICATE_SIGNING_KEY")}
    cached = app.extensions.pop("diplolearn.signing_key", None)
    app.config.update(PRODUCTION=True, CERTIFICATE_SIGNING_KEY="")
    try:
        with pytest.raises(SigningKeyMissing):
            signing.signing_key()
        response = client.get(f"/certificates/{certificate.id}/credential.jwt")
        assert response.status_code == 503
        assert client.get("/verify/issuer/keys.json").get_json() == {"keys": []}
    finally:
        app.config.update(saved)
        if cached is not None:
            app.extensions["diplolearn.signing_key"] = cached
