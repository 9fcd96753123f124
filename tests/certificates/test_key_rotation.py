"""Key rotation of certificate tokens: a key id inside the signed payload, a keyring from settings (the newest signs,
all verify), and tokens made before key ids existed still verifying with the default key."""

import base64
import json

import pytest

from certificates import services, signing
from certificates.rendering import render_certificate
from certificates.signing import Ed25519Signer, InvalidToken, get_keyring, make_token, read_token, reset_signers
from regions.models import Region

WENGUAN = "210105023201"
PAYLOAD = {"s": "210105023201-2026-00001", "c": WENGUAN, "t": "C01", "d": "2026-03-01"}


def _key_file(tmp_path, name):  # noqa: ANN001, ANN202
    signer = Ed25519Signer.generate()
    path = tmp_path / f"{name}.pem"
    path.write_bytes(signer.private_pem())
    return path, signer


@pytest.fixture
def keys(tmp_path, settings):  # noqa: ANN001, ANN201
    """A default key (the one used before rotation) and two keyring keys, none in force until a test configures them."""
    default_path, default = _key_file(tmp_path, "default")
    old_path, old = _key_file(tmp_path, "old")
    new_path, new = _key_file(tmp_path, "new")
    settings.CERTIFICATE_SIGNING_KEY_FILE = str(default_path)
    settings.CERTIFICATE_SIGNING_KEYS = {}
    reset_signers()
    yield {"default": default, "old": old, "new": new, "old_path": str(old_path), "new_path": str(new_path),
           "default_path": str(default_path)}
    reset_signers()


def _payload(token: str) -> dict:
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _rotate(settings, **ids):  # noqa: ANN001, ANN003, ANN202
    settings.CERTIFICATE_SIGNING_KEYS = dict(ids)
    reset_signers()


def test_without_a_keyring_tokens_carry_no_key_id_and_verify_with_the_default_key(keys):
    token = make_token(PAYLOAD)
    assert "k" not in _payload(token)
    assert read_token(token, keys["default"])["s"] == PAYLOAD["s"]
    assert read_token(token)["s"] == PAYLOAD["s"]


def test_the_newest_key_of_the_keyring_signs_and_names_itself(keys, settings):
    _rotate(settings, k2025a=keys["old_path"], k2026a=keys["new_path"])
    token = make_token(PAYLOAD)
    assert _payload(token)["k"] == "k2026a"
    assert read_token(token, keys["new"])["c"] == WENGUAN
    assert get_keyring().signing_id == "k2026a"


def test_a_token_signed_with_an_old_key_still_verifies_after_rotation(keys, settings):
    _rotate(settings, k2025a=keys["old_path"])
    old_token = make_token(PAYLOAD)
    _rotate(settings, k2025a=keys["old_path"], k2026a=keys["new_path"])
    assert read_token(old_token)["s"] == PAYLOAD["s"]
    assert _payload(make_token(PAYLOAD))["k"] == "k2026a"


def test_a_token_from_before_key_ids_verifies_with_the_default_key_after_rotation(keys, settings):
    legacy = make_token(PAYLOAD)  # no keyring yet: the default key, no key id
    _rotate(settings, k2026a=keys["new_path"])
    assert read_token(legacy)["s"] == PAYLOAD["s"]


def test_a_token_whose_key_id_is_unknown_fails(keys, settings):
    _rotate(settings, k2026a=keys["new_path"])
    stranger = make_token(PAYLOAD, keys["new"], key_id="k1999z")  # a genuine signature, but no such key here
    with pytest.raises(InvalidToken):
        read_token(stranger)


def test_a_retired_key_no_longer_verifies(keys, settings):
    _rotate(settings, k2025a=keys["old_path"])
    token = make_token(PAYLOAD)
    _rotate(settings, k2026a=keys["new_path"])
    with pytest.raises(InvalidToken):
        read_token(token)


def test_changing_the_key_id_of_a_token_breaks_its_signature(keys, settings):
    _rotate(settings, k2025a=keys["old_path"], k2026a=keys["new_path"])
    token = make_token(PAYLOAD)
    body = _payload(token)
    for forged_id in ("k2025a", ""):  # another known key, and the default key
        forged = {k: v for k, v in body.items() if k != "k"} | ({"k": forged_id} if forged_id else {})
        data = json.dumps(forged, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        tampered = signing._b64encode(data) + "." + token.split(".")[1]
        with pytest.raises(InvalidToken):
            read_token(tampered)


def test_tampering_with_any_byte_of_a_rotated_token_fails(keys, settings):
    _rotate(settings, k2025a=keys["old_path"], k2026a=keys["new_path"])
    token = make_token(PAYLOAD)
    for index in range(0, len(token), 7):
        if token[index] == ".":
            continue
        altered = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1:]
        with pytest.raises(InvalidToken):
            read_token(altered)


def test_a_bad_key_id_in_settings_is_refused(keys, settings):
    _rotate(settings, **{"bad id!": keys["new_path"]})
    with pytest.raises(signing.SigningNotConfigured):
        get_keyring()


def test_production_with_only_a_keyring_signs_and_refuses_tokens_without_a_key_id(keys, settings):
    legacy = make_token(PAYLOAD, keys["default"])
    settings.CERTIFICATE_SIGNING_KEY_FILE = None
    settings.QINGDAN = {**settings.QINGDAN, "DEMO_ALLOWED": False}
    _rotate(settings, k2026a=keys["new_path"])
    assert read_token(make_token(PAYLOAD))["s"] == PAYLOAD["s"]
    with pytest.raises(InvalidToken):
        read_token(legacy)


def test_the_settings_read_the_keyring_from_the_environment(monkeypatch):
    import importlib

    import config.settings as config_settings

    monkeypatch.setenv("CERTIFICATE_SIGNING_KEYS", "k2025a=/keys/a.pem, k2026a=/keys/b.pem")
    try:
        reloaded = importlib.reload(config_settings)
        assert reloaded.CERTIFICATE_SIGNING_KEYS == {"k2025a": "/keys/a.pem", "k2026a": "/keys/b.pem"}
        assert list(reloaded.CERTIFICATE_SIGNING_KEYS)[-1] == "k2026a"
    finally:
        monkeypatch.delenv("CERTIFICATE_SIGNING_KEYS")
        importlib.reload(config_settings)


@pytest.mark.django_db
def test_an_issued_certificate_stays_valid_on_the_verification_page_after_rotation(keys, settings, demo_user, client):
    _rotate(settings, k2025a=keys["old_path"])
    issued = services.issue(demo_user("wenguan.village"), Region.objects.get(code=WENGUAN), "C01", subject_name="张三",
                            subject_id_number="210105199001011234", values={"hours": "8", "period": "2025年"},
                            base_url="https://qingdan.example")
    assert _payload(issued.certificate.token)["k"] == "k2025a"
    _rotate(settings, k2025a=keys["old_path"], k2026a=keys["new_path"])
    assert services.verify(issued.certificate.token).status == services.VALID
    response = client.get(f"/certificates/verify/{issued.certificate.token}")
    assert response.status_code == 200 and b"cert-status-valid" in response.content
    _rotate(settings, k2026a=keys["new_path"])  # the old key retired: its certificates no longer verify
    assert services.verify(issued.certificate.token).status == services.NOT_FOUND


def test_render_certificate_signs_with_the_keyring_when_no_signer_is_given(keys, settings):
    _rotate(settings, k2026a=keys["new_path"])
    token, pdf = render_certificate(
        title="志愿服务记录证明", serial="210105023201-2026-09999", committee_code=WENGUAN, committee_name="文官村村民委员会",
        type_code="C01", subject_name="王五", subject_id_number="210105199001011234",
        issued_on=__import__("datetime").date(2026, 3, 1), base_url="https://qingdan.example",
    )
    assert pdf.startswith(b"%PDF") and _payload(token)["k"] == "k2026a"
    assert read_token(token, keys["new"])["s"] == "210105023201-2026-09999"
