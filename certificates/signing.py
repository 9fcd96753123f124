"""Signed, unguessable verification tokens for issued certificates (the QR code's /verify/<token>).

A token is ``base64url(JSON payload) + "." + base64url(signature)``, no padding. The payload carries the certificate's
serial, committee code, type code and issue date (short keys, see `certificate_payload`) and a 128-bit random nonce
under the reserved key "n", so a token can neither be guessed nor altered: any changed byte breaks the signature.

Signers sit behind the `Signer` protocol and a registry by name, so an SM2 signer (gmssl) or a hardware security
module can replace Ed25519 by configuration: settings.CERTIFICATE_SIGNER names the provider ("ed25519" by default),
settings.CERTIFICATE_SIGNING_KEY_FILE the Ed25519 PEM key. Without a key file, demo mode generates one once into
var/certificate-signing-key.pem (mode 0600); production refuses to start signing without a configured key.

Key rotation: settings.CERTIFICATE_SIGNING_KEYS maps short key ids to key files, oldest first. The last one signs and
its id travels inside the signed payload under the reserved key "k"; every listed key verifies, and a token without
"k" (made before rotation existed) verifies with the default key above. A token naming an unknown key id is invalid.
Paper certificates live for years: retire a key from the list only when its certificates no longer need verifying.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

NONCE_KEY = "n"
KEY_ID_KEY = "k"  # reserved in certificate payloads for the key id (rotation)
KEY_ID = re.compile(r"^[A-Za-z0-9_\-]{1,16}$")
NONCE_BYTES = 16  # 128 bits: the token's unguessability does not depend on the serial
MAX_TOKEN_LENGTH = 1024  # a longer string is never one of ours; refuse before decoding
DEFAULT_SIGNER = "ed25519"
DEMO_KEY_NAME = "certificate-signing-key.pem"


class InvalidToken(Exception):
    """The token is malformed, altered, or signed by another key."""


class SigningNotConfigured(RuntimeError):
    """Production without CERTIFICATE_SIGNING_KEY_FILE, or an unknown signer name."""


@runtime_checkable
class Signer(Protocol):
    algorithm: str
    key_id: str

    def sign(self, data: bytes) -> bytes: ...

    def verify(self, data: bytes, signature: bytes) -> bool: ...


class Ed25519Signer:
    """Ed25519 from `cryptography`: 64-byte signatures, fast verification, deterministic."""

    algorithm = "Ed25519"

    def __init__(self, private_key: Ed25519PrivateKey | None = None, public_key: Ed25519PublicKey | None = None):
        if private_key is None and public_key is None:
            raise ValueError("an Ed25519 private or public key is required")
        self._private = private_key
        self._public = public_key or private_key.public_key()  # type: ignore[union-attr]
        raw = self._public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = hashlib.sha256(raw).hexdigest()[:16]

    @classmethod
    def generate(cls) -> Ed25519Signer:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: bytes, password: bytes | None = None) -> Ed25519Signer:
        key = serialization.load_pem_private_key(pem, password=password)
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningNotConfigured("the certificate signing key is not an Ed25519 private key")
        return cls(key)

    @classmethod
    def from_pem_file(cls, path: str | Path, password: bytes | None = None) -> Ed25519Signer:
        return cls.from_pem(Path(path).read_bytes(), password)

    def private_pem(self) -> bytes:
        if self._private is None:
            raise ValueError("verification-only signer has no private key")
        return self._private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def public_pem(self) -> bytes:
        return self._public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, data: bytes) -> bytes:
        if self._private is None:
            raise ValueError("verification-only signer cannot sign")
        return self._private.sign(data)

    def verify(self, data: bytes, signature: bytes) -> bool:
        try:
            self._public.verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True


# --- Registry -----------------------------------------------------------------------------------------------------

_FACTORIES: dict[str, Callable[[], Signer]] = {}
_INSTANCES: dict[str, Signer] = {}
_LOCK = threading.Lock()


def register_signer(name: str, factory: Callable[[], Signer]) -> None:
    """Plug in a provider by name (e.g. "sm2" built on gmssl, "hsm" on a PKCS#11 device). Built lazily, once."""
    with _LOCK:
        _FACTORIES[name] = factory
        _INSTANCES.pop(name, None)


def get_signer(name: str | None = None) -> Signer:
    """The configured signer (settings.CERTIFICATE_SIGNER, default "ed25519"), built once per process."""
    name = name or _setting("CERTIFICATE_SIGNER", DEFAULT_SIGNER)
    if signer := _INSTANCES.get(name):
        return signer
    with _LOCK:
        if name not in _INSTANCES:
            factory = _FACTORIES.get(name)
            if factory is None:
                raise SigningNotConfigured(f"unknown certificate signer {name!r}")
            _INSTANCES[name] = factory()
        return _INSTANCES[name]


def reset_signers() -> None:
    """Forget built signers and the keyring (tests, key rotation)."""
    global _KEYRING
    with _LOCK:
        _INSTANCES.clear()
        _KEYRING = None


# --- Keyring (rotation) -------------------------------------------------------------------------------------------

_KEY_LOADERS: dict[str, Callable[[str], Signer]] = {}
_KEYRING: Keyring | None = None


@dataclass(frozen=True)
class Keyring:
    """Key id → signer. "" is the default key (tokens without a key id); `signing_id` names the key that signs."""

    signing_id: str
    keys: Mapping[str, Signer]

    @property
    def signer(self) -> Signer:
        return self.keys[self.signing_id]

    def verifier(self, key_id: str) -> Signer | None:
        return self.keys.get(key_id)


def register_key_loader(provider: str, loader: Callable[[str], Signer]) -> None:
    """How a provider loads one keyring entry from its configured location (a PEM path for Ed25519)."""
    with _LOCK:
        _KEY_LOADERS[provider] = loader


def get_keyring() -> Keyring:
    """The keyring from settings (CERTIFICATE_SIGNING_KEYS, then the default key), built once per process."""
    global _KEYRING
    if (ring := _KEYRING) is not None:
        return ring
    ring = _build_keyring()
    with _LOCK:
        _KEYRING = ring
    return ring


def _build_keyring() -> Keyring:
    configured: Mapping[str, str] = _setting("CERTIFICATE_SIGNING_KEYS") or {}
    provider = _setting("CERTIFICATE_SIGNER", DEFAULT_SIGNER)
    keys: dict[str, Signer] = {}
    for key_id, location in configured.items():
        if not KEY_ID.fullmatch(key_id):
            raise SigningNotConfigured(f"certificate key id {key_id!r}: use 1-16 letters, digits, _ or -")
        loader = _KEY_LOADERS.get(provider)
        if loader is None:
            raise SigningNotConfigured(f"signer {provider!r} cannot load keyring entries")
        keys[key_id] = loader(location)
    try:
        keys[""] = get_signer(provider)
    except SigningNotConfigured:
        if not keys:  # nothing at all to sign with
            raise
    return Keyring(signing_id=list(configured)[-1] if configured else "", keys=keys)


def _setting(name: str, default: Any = None) -> Any:
    from django.conf import settings

    return getattr(settings, name, default)


def _default_ed25519() -> Ed25519Signer:
    if path := _setting("CERTIFICATE_SIGNING_KEY_FILE"):
        return Ed25519Signer.from_pem_file(path)
    qingdan = _setting("QINGDAN", {}) or {}
    if not qingdan.get("DEMO_ALLOWED", False):
        raise SigningNotConfigured("CERTIFICATE_SIGNING_KEY_FILE must be set in production")
    var_dir = Path(_setting("VAR_DIR") or Path(_setting("BASE_DIR")) / "var")
    return Ed25519Signer.from_pem_file(ensure_demo_key(var_dir / DEMO_KEY_NAME))


register_signer(DEFAULT_SIGNER, _default_ed25519)
register_key_loader(DEFAULT_SIGNER, Ed25519Signer.from_pem_file)


def ensure_demo_key(path: Path) -> Path:
    """Create an Ed25519 key at `path` once (mode 0600), safely when several workers start together."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(Ed25519Signer.generate().private_pem())
        # link() fails if another worker won the race: then its key is the one everybody uses.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


# --- Tokens -------------------------------------------------------------------------------------------------------


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict base64url without padding: a non-canonical spelling of the same bytes is an alteration too."""
    if not text or not text.isascii():
        raise InvalidToken("empty or non-ASCII part")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken("not base64url") from exc
    if _b64encode(data) != text:
        raise InvalidToken("non-canonical base64url")
    return data


def make_token(payload: Mapping[str, Any], signer: Signer | None = None, *, key_id: str = "") -> str:
    """Sign a JSON-serialisable payload; a fresh 128-bit nonce is added under "n" (reserved).

    Without `signer`, the keyring's signing key signs and its id goes under "k" (none for the default key)."""
    if NONCE_KEY in payload:
        raise ValueError(f"payload key {NONCE_KEY!r} is reserved for the nonce")
    if signer is None:
        ring = get_keyring()
        signer, key_id = ring.signer, ring.signing_id
    body = {**payload, NONCE_KEY: _b64encode(secrets.token_bytes(NONCE_BYTES))}
    if key_id:
        if KEY_ID_KEY in payload or not KEY_ID.fullmatch(key_id):
            raise ValueError(f"payload key {KEY_ID_KEY!r} is reserved for the key id, which must match {KEY_ID.pattern}")
        body[KEY_ID_KEY] = key_id
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False).encode()
    token = f"{_b64encode(data)}.{_b64encode(signer.sign(data))}"
    if len(token) > MAX_TOKEN_LENGTH:
        raise ValueError("payload too large for a verification token")
    return token


def read_token(token: str, signer: Signer | None = None) -> dict[str, Any]:
    """The payload of a genuine token (nonce included); `InvalidToken` on any alteration or malformed input.

    Without `signer`, the key is the keyring's entry named by the payload's key id ("k"), or the default key when
    the token has none; an unknown key id is invalid. The id is read before the signature is checked, but it only
    chooses among our own keys: altering it breaks the signature like any other byte."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise InvalidToken("malformed token")
    encoded_payload, encoded_signature = token.split(".")
    data, signature = _b64decode(encoded_payload), _b64decode(encoded_signature)
    try:
        payload = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidToken("payload is not JSON") from exc
    if signer is None:
        key_id = payload.get(KEY_ID_KEY, "") if isinstance(payload, dict) else ""
        signer = get_keyring().verifier(key_id) if isinstance(key_id, str) else None
        if signer is None:
            raise InvalidToken("unknown key id")
    if not signer.verify(data, signature):
        raise InvalidToken("bad signature")
    if not isinstance(payload, dict) or not isinstance(payload.get(NONCE_KEY), str):
        raise InvalidToken("payload is not a certificate token")
    return payload


def certificate_payload(*, serial: str, committee_code: str, type_code: str, issued_on: date | str) -> dict[str, str]:
    """The compact payload the QR carries (short keys keep the QR code small). Read back with `describe_payload`."""
    return {
        "s": serial,
        "c": committee_code,
        "t": type_code,
        "d": issued_on.isoformat() if isinstance(issued_on, date) else str(issued_on),
    }


def describe_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Long names for a payload made by `certificate_payload`."""
    return {
        "serial": payload.get("s"),
        "committee_code": payload.get("c"),
        "type_code": payload.get("t"),
        "issued_on": payload.get("d"),
    }
