"""Pure tests (no database): encryption at rest, the templates data, statement filling and field validation."""

import csv
import stat

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from certificates import crypto, matcher, services
from certificates.models import CertificateType


@given(st.text(max_size=200))
def test_encryption_round_trips_any_text(value):
    from django.test import override_settings

    with override_settings(CERTIFICATE_DATA_KEY="x" * 43 + "="):  # 32 bytes of urlsafe base64
        token = crypto.encrypt(value)
        assert crypto.decrypt(token) == value
        assert (token == "") == (value == "")


def test_a_value_encrypted_under_another_key_decrypts_to_nothing(settings):
    settings.CERTIFICATE_DATA_KEY = Fernet.generate_key().decode()
    token = crypto.encrypt("210105199001011234")
    settings.CERTIFICATE_DATA_KEY = Fernet.generate_key().decode()
    assert crypto.decrypt(token) == ""


def test_the_lookup_hash_ignores_spaces_and_case_and_depends_on_the_key(settings):
    settings.CERTIFICATE_DATA_KEY = Fernet.generate_key().decode()
    first = crypto.lookup_hash("21010519900101123x")
    assert first == crypto.lookup_hash(" 21010519900101123X ")
    settings.CERTIFICATE_DATA_KEY = Fernet.generate_key().decode()
    assert crypto.lookup_hash("21010519900101123X") != first


def test_demo_mode_generates_a_private_key_file_once(settings, tmp_path):
    settings.CERTIFICATE_DATA_KEY = None
    settings.VAR_DIR = tmp_path
    settings.QINGDAN = {**settings.QINGDAN, "DEMO_ALLOWED": True}
    token = crypto.encrypt("secret")
    path = tmp_path / crypto.DEMO_KEY_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert crypto.decrypt(token) == "secret"


def test_production_without_a_data_key_refuses_to_store_personal_data(settings, tmp_path):
    settings.CERTIFICATE_DATA_KEY = None
    settings.VAR_DIR = tmp_path
    settings.QINGDAN = {**settings.QINGDAN, "DEMO_ALLOWED": False}
    with pytest.raises(crypto.DataKeyNotConfigured):
        crypto.encrypt("secret")


def test_every_catalog_type_has_a_standard_template_with_typed_fields():
    with open(matcher.CATALOG_CSV, encoding="utf-8-sig") as fh:
        codes = [row["code"] for row in csv.DictReader(fh)]
    templates = services.template_data()
    assert set(codes) <= set(templates)
    for code in codes:
        t = templates[code]
        assert t["article"] == 9 and t["clause"] == 3
        assert t["fields"] and t["steps"] and t["materials"] and t["statement"]
        for spec in t["fields"]:
            assert spec["type"] in {"text", "date", "number", "choice"}
            assert spec["type"] != "choice" or spec["choices"]


def test_the_statement_is_filled_from_the_name_and_fields_and_marks_missing_ones():
    assert services.fill_statement("兹证明{name}服务{hours}小时。", "张三", {"hours": "12"}) == "兹证明张三服务12小时。"
    assert services.fill_statement("{name}于{when}", "李四", {}) == "李四于____"


def _type(fields):  # noqa: ANN001, ANN202
    return CertificateType(code="X", name="x", fields=fields)


def test_typed_fields_are_validated():
    ctype = _type([
        {"name": "n", "type": "number", "required": True}, {"name": "d", "type": "date", "required": True},
        {"name": "c", "type": "choice", "choices": ["甲", "乙"], "required": True}, {"name": "t", "type": "text"},
    ])
    clean, errors = services.validate_values(ctype, {"n": "abc", "d": "2025-13-01", "c": "丙"})
    assert set(errors) == {"n", "d", "c"} and clean == {}
    clean, errors = services.validate_values(ctype, {"n": "3.5", "d": "2025-01-02", "c": "甲"})
    assert errors == {} and clean == {"n": "3.5", "d": "2025-01-02", "c": "甲"}


@given(st.text(max_size=50))
def test_validating_any_text_never_raises(value):
    ctype = _type([{"name": "n", "type": "number"}, {"name": "d", "type": "date"}, {"name": "c", "type": "choice", "choices": ["a"]}])
    clean, errors = services.validate_values(ctype, {"n": value, "d": value, "c": value})
    assert set(clean) | set(errors) <= {"n", "d", "c"}


def test_names_are_masked_after_the_surname():
    assert services.mask_name("张三丰") == "张**"
    assert services.mask_name("王") == "王"
