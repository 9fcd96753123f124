"""Reporters' identities, encrypted at rest (Fernet, key derived from SUPERVISION_IDENTITY_KEY or SECRET_KEY).

Only the handling bureau decrypts them (services.reporter_identity); serialisers for agencies never touch them.
"""

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _derive(info: bytes) -> bytes:
    secret = getattr(settings, "SUPERVISION_IDENTITY_KEY", "") or settings.SECRET_KEY
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"qingdan-supervision", info=info).derive(secret.encode())


@cache
def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"reporter-identity")))


@cache
def tracking_key() -> bytes:
    return _derive(b"tracking-code")


def seal(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def unseal(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
