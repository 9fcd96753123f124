"""Verification tokens: Ed25519 signing, strict decoding, provider registry, demo key file (no database)."""

import base64
import json
import stat
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates import signing
from certificates.signing import (
    Ed25519Signer,
    InvalidToken,
    Signer,
    SigningNotConfigured,
    certificate_payload,
    describe_payload,
    ensure_demo_key,
    get_signer,
    make_token,
    read_token,
    register_signer,
    reset_signers,
)

SIGNER = Ed25519Signer.generate()
PAYLOAD = certificate_payload(serial="210105023201-2026-000123", committee_code="210105023201", type_code="C01",
                              issued_on=date(2026, 11, 27))


def _flip(token: str, index: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    ch = token[index]
    replacement = alphabet[(alphabet.index(ch) + 1) % len(alphabet)] if ch in alphabet else "A"
    return token[:index] + replacement + token[index + 1:]


def test_token_round_trips_the_certificate_payload_with_a_nonce():
    payload = read_token(make_token(PAYLOAD, SIGNER), SIGNER)
    assert describe_payload(payload) == {
        "serial": "210105023201-2026-000123", "committee_code": "210105023201", "type_code": "C01",
        "issued_on": "2026-11-27",
    }
    assert len(base64.urlsafe_b64decode(payload["n"] + "==")) == 16


def test_two_tokens_for_the_same_certificate_differ_in_their_nonce():
    assert make_token(PAYLOAD, SIGNER) != make_token(PAYLOAD, SIGNER)


def test_token_is_short_enough_for_a_qr_code_and_url_safe():
    token = make_token(PAYLOAD, SIGNER)
    assert len(token) < 250
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_every_single_character_alteration_is_rejected():
    token = make_token(PAYLOAD, SIGNER)
    for index in range(len(token)):
        if token[index] == ".":
            continue
        with pytest.raises(InvalidToken):
            read_token(_flip(token, index), SIGNER)


def test_a_payload_changed_and_re_encoded_is_rejected():
    token = make_token(PAYLOAD, SIGNER)
    body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    payload["t"] = "C03"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode() + "." + sig
    with pytest.raises(InvalidToken):
        read_token(forged, SIGNER)


def test_a_token_signed_by_another_key_is_rejected():
    with pytest.raises(InvalidToken):
        read_token(make_token(PAYLOAD, Ed25519Signer.generate()), SIGNER)


@pytest.mark.parametrize("garbage", ["", ".", "abc", "a.b.c", "é.é", "x" * 5000, "AAAA.AAAA", "=.=", "AA==.AA=="])
def test_malformed_tokens_raise_invalid_token(garbage):
    with pytest.raises(InvalidToken):
        read_token(garbage, SIGNER)


def test_a_signed_non_certificate_payload_is_rejected():
    data = b"[1,2,3]"
    token = signing._b64encode(data) + "." + signing._b64encode(SIGNER.sign(data))
    with pytest.raises(InvalidToken):
        read_token(token, SIGNER)


def test_a_payload_too_large_for_a_qr_token_is_refused():
    with pytest.raises(ValueError):
        make_token({"x": "长" * 400}, SIGNER)


def test_nonce_key_is_reserved():
    with pytest.raises(ValueError):
        make_token({"n": "mine"}, SIGNER)


def test_verification_only_signer_verifies_but_cannot_sign():
    public = Ed25519Signer(public_key=SIGNER._public)
    assert public.key_id == SIGNER.key_id
    assert read_token(make_token(PAYLOAD, SIGNER), public)["s"] == PAYLOAD["s"]
    with pytest.raises(ValueError):
        public.sign(b"x")


def test_pem_round_trip_keeps_the_key():
    again = Ed25519Signer.from_pem(SIGNER.private_pem())
    assert again.key_id == SIGNER.key_id
    assert read_token(make_token(PAYLOAD, again), SIGNER)


def test_a_plugged_in_provider_is_used_by_name():
    class FakeSM2:
        algorithm = "SM2"
        key_id = "sm2-test"

        def sign(self, data: bytes) -> bytes:
            return b"sm2:" + data[:8]

        def verify(self, data: bytes, signature: bytes) -> bool:
            return signature == b"sm2:" + data[:8]

    register_signer("sm2-test", FakeSM2)
    signer = get_signer("sm2-test")
    assert isinstance(signer, Signer)
    assert read_token(make_token(PAYLOAD, signer), signer)["c"] == "210105023201"
    with pytest.raises(InvalidToken):
        read_token(make_token(PAYLOAD, signer), SIGNER)


def test_unknown_signer_name_is_a_configuration_error():
    with pytest.raises(SigningNotConfigured):
        get_signer("no-such-signer")


def test_demo_mode_generates_one_private_key_file_readable_only_by_its_owner(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    settings.CERTIFICATE_SIGNING_KEY_FILE = None
    settings.QINGDAN = {**settings.QINGDAN, "DEMO_ALLOWED": True}
    reset_signers()
    try:
        first = get_signer()
        path = tmp_path / signing.DEMO_KEY_NAME
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        reset_signers()
        assert get_signer().key_id == first.key_id  # reused, not regenerated
    finally:
        reset_signers()


def test_configured_key_file_is_used(tmp_path, settings):
    key = tmp_path / "key.pem"
    key.write_bytes(SIGNER.private_pem())
    settings.CERTIFICATE_SIGNING_KEY_FILE = str(key)
    reset_signers()
    try:
        assert get_signer().key_id == SIGNER.key_id
    finally:
        reset_signers()


def test_production_without_a_key_file_refuses_to_sign(settings):
    settings.CERTIFICATE_SIGNING_KEY_FILE = None
    settings.QINGDAN = {**settings.QINGDAN, "DEMO_ALLOWED": False}
    reset_signers()
    try:
        with pytest.raises(SigningNotConfigured):
            get_signer()
    finally:
        reset_signers()


def test_ensure_demo_key_keeps_an_existing_key(tmp_path):
    path = tmp_path / "k.pem"
    ensure_demo_key(path)
    before = path.read_bytes()
    ensure_demo_key(path)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53), max_value=2**53) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=6).filter(lambda k: k != "n"), _JSON, max_size=4))
def test_make_token_and_read_token_round_trip_arbitrary_payloads(payload):
    try:
        token = make_token(payload, SIGNER)
    except ValueError:
        # Refused only when the payload really is too large for a token that fits a QR code.
        assert len(json.dumps(payload, ensure_ascii=False).encode()) > 600
        return
    result = read_token(token, SIGNER)
    nonce = result.pop("n")
    assert result == payload
    assert len(nonce) == 22


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_read_token_never_accepts_arbitrary_text(text):
    with pytest.raises(InvalidToken):
        read_token(text, SIGNER)
