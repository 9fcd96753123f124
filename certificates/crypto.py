"""Personal data of certificate subjects encrypted at rest (Fernet) with a keyed hash for look-ups.

The key comes from settings.CERTIFICATE_DATA_KEY (a Fernet key) or, in demo mode only, from var/certificate-data-key,
generated once with mode 0600. Production without a key refuses to store personal data rather than store it in clear.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

DEMO_KEY_NAME = "certificate-data-key"
_LOCK = threading.Lock()
_CACHE: dict[str, Fernet] = {}


class DataKeyNotConfigured(RuntimeError):
    """Production without CERTIFICATE_DATA_KEY."""


def _ensure_demo_key(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(Fernet.generate_key())
            with contextlib.suppress(FileExistsError):  # another worker won the race: its key is used
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_bytes().strip()


def _key() -> bytes:
    from django.conf import settings

    if key := getattr(settings, "CERTIFICATE_DATA_KEY", None):
        return key.encode() if isinstance(key, str) else key
    if not (getattr(settings, "QINGDAN", {}) or {}).get("DEMO_ALLOWED", False):
        raise DataKeyNotConfigured("CERTIFICATE_DATA_KEY must be set in production")
    var_dir = Path(getattr(settings, "VAR_DIR", None) or Path(settings.BASE_DIR) / "var")
    return _ensure_demo_key(var_dir / DEMO_KEY_NAME)


def _fernet() -> Fernet:
    key = _key()
    cache_key = hashlib.sha256(key).hexdigest()
    with _LOCK:
        if cache_key not in _CACHE:
            _CACHE[cache_key] = Fernet(key)
        return _CACHE[cache_key]


def encrypt(value: str) -> str:
    """Fernet token of the text ("" stays "": nothing to hide)."""
    if not value:
        return ""
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The clear text; "" for an empty or undecryptable value (wrong key after a rotation without re-encryption)."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        return ""


def encrypt_json(value: Any) -> str:
    return encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True)) if value else ""


def decrypt_json(token: str) -> Any:
    text = decrypt(token)
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}


def lookup_hash(value: str) -> str:
    """HMAC-SHA256 of a normalised value under a key derived from the data key: find a subject without decrypting."""
    normalised = "".join((value or "").split()).upper()
    if not normalised:
        return ""
    mac_key = hashlib.sha256(b"qingdan-certificate-lookup:" + _key()).digest()
    return hmac.new(mac_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()
