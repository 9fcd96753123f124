"""Tracking codes for complaints: unguessable (100 random bits), typeable, stored only as a hash."""

import hashlib
import hmac
import secrets

# Crockford's base32 without I, L, O, U: nothing a reporter can misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 20  # 20 × 5 bits = 100 bits of randomness
GROUP = 4
_READ_AS = {"I": "1", "L": "1", "O": "0", "U": "V"}


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + GROUP] for i in range(0, LENGTH, GROUP))


def normalise(code: str) -> str | None:
    """The canonical form of a code as typed (case, spaces, dashes and look-alike letters forgiven); None if malformed."""
    if not isinstance(code, str) or len(code) > 64:
        return None
    raw = "".join(ch for ch in code.upper() if ch not in "- \t")
    raw = "".join(_READ_AS.get(ch, ch) for ch in raw)
    if len(raw) != LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return "-".join(raw[i:i + GROUP] for i in range(0, LENGTH, GROUP))


def digest(code: str, key: bytes) -> str:
    """Keyed hash of the canonical code: a copy of the database does not reveal the codes."""
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()
