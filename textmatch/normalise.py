"""Text normalisation: one canonical form for Chinese administrative text, so patterns and indexes see the same string.

The canonical form is what every other function of this package works on:
NFKC (full-width letters and digits become ASCII), lower-case ASCII, Chinese punctuation for the sentence and clause marks
（，。；：！？ and （ ）), decorative brackets and quotation marks removed (【通知】 → 通知, “科普e站” → 科普e站; 《》 stay because
they name documents and newspapers), whitespace unified (one space between Latin words, none next to Chinese, line breaks kept
as a single "\\n"), control and zero-width characters dropped.
"""

import re
import unicodedata

# ASCII marks (what NFKC turns full-width marks into) → the Chinese marks officers type in rules.
_PUNCT = str.maketrans(
    {
        ",": "，",
        ";": "；",
        ":": "：",
        "!": "！",
        "?": "？",
        "(": "（",
        ")": "）",
        "〔": "（",
        "〕": "）",
        "［": "（",
        "］": "）",
        "[": "（",
        "]": "）",
        "｢": None,
        "｣": None,
    }
)
# Decorative brackets and quotes carry no meaning for matching; they only get in the way of patterns.
_DECORATIVE = str.maketrans(dict.fromkeys("【】〖〗「」『』“”‘’\"'`〈〉", None))

_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef，。；：！？（）、《》"
_SPACES = re.compile(r"[^\S\n]+")
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")
_NEWLINES = re.compile(r" ?\n[\s]*")


def _drop_invisible(text: str) -> str:
    # Cc (controls) and Cf (zero-width, BOM, bidi marks) never carry meaning here; "\n" is kept as a line break.
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))


def _once(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFKC", text).lower()
    text = unicodedata.normalize("NFKC", text)
    text = _drop_invisible(text)
    text = text.translate(_PUNCT).translate(_DECORATIVE)
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub("\n", text)
    text = _SPACE_NEAR_CJK.sub("", text)
    return text.strip()


def normalise(text: str) -> str:
    """The canonical form of ``text`` (idempotent: ``normalise(normalise(t)) == normalise(t)``)."""
    if not text:
        return ""
    # A few Unicode characters change again under a second NFKC/lower pass; iterate to the fixed point (1–2 passes).
    for _ in range(4):
        again = _once(text)
        if again == text:
            break
        text = again
    return text
