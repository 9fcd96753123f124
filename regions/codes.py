"""The NBS 12-digit division code: levels, parents, subtree bounds, committee kind. Pure functions."""

from .choices import PREFIX_LENGTH, CommitteeKind, Level

CODE_LENGTH = 12


class InvalidCode(ValueError):
    pass


def normalise(code: str) -> str:
    """'21', '2101', '210105', '210105023' or the 12-digit form → the 12-digit form."""
    code = (code or "").strip()
    if not code.isdigit() or not code.isascii() or len(code) not in PREFIX_LENGTH.values():
        raise InvalidCode(code)
    return code.ljust(CODE_LENGTH, "0")


def level_of(code: str) -> Level:
    """Level of a 12-digit code, read from where its trailing zeros begin."""
    code = normalise(code)
    for level in (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY, Level.CITY):
        length = PREFIX_LENGTH[level]
        previous = PREFIX_LENGTH[Level(level - 1)]
        if code[previous:length].strip("0"):
            return level
    if code[:2] == "00":
        raise InvalidCode(code)
    return Level.PROVINCE


def prefix(code: str, level: int) -> str:
    return code[: PREFIX_LENGTH[Level(level)]]


def subtree_bounds(code: str, level: int) -> tuple[str, str]:
    """Lowest and highest 12-digit code of the subtree: one range scan on the code index."""
    head = prefix(code, level)
    return head.ljust(CODE_LENGTH, "0"), head.ljust(CODE_LENGTH, "9")


def ancestor_code(code: str, level: int) -> str:
    """The 12-digit code of the code's division at ``level`` (its county, its township…): its prefix, padded."""
    return prefix(code, level).ljust(CODE_LENGTH, "0")


def parent_code(code: str, level: int) -> str | None:
    if level == Level.PROVINCE:
        return None
    return ancestor_code(code, level - 1)


def committee_kind(code: str) -> CommitteeKind:
    """Digit 10 of a village-level code: 0/4 → residents' committee, 2/5 → village committee (others: by range)."""
    digit = code[9]
    if digit in "04":
        return CommitteeKind.RESIDENTS
    if digit in "25":
        return CommitteeKind.VILLAGE
    return CommitteeKind.RESIDENTS if digit in "1" else CommitteeKind.VILLAGE
