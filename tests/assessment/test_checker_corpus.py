"""The labelled corpus (tests/assessment/corpus.csv): the checker must judge at least 95% of indicators right.

Each row is one indicator of a plan with its title. "Right" means the same compliance verdict and the same set of
Art. 7 clauses as the label. Misses are printed so a civil-affairs officer can see which wordings need a rule.
"""

import csv
from collections import Counter
from pathlib import Path

import pytest

from assessment.checker import Indicator, check_plan, default_rules

CORPUS = Path(__file__).resolve().parent / "corpus.csv"
COLUMNS = ["id", "title", "indicator_name", "description", "evidence", "expected_compliant", "expected_clauses", "note"]
REQUIRED_ACCURACY = 0.95


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


def load_corpus() -> list[dict[str, str]]:
    with CORPUS.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def judge(row: dict[str, str]) -> tuple[bool, set[int]]:
    indicator = Indicator(row["indicator_name"], row["description"], _split(row["evidence"]))
    result = check_plan(row["title"], [indicator])
    return result.compliant, {f.clause for f in result.findings}


def test_the_corpus_is_large_and_labels_are_consistent():
    rows = load_corpus()
    assert len(rows) >= 100
    assert len({row["id"] for row in rows}) == len(rows), "ids must be unique"
    for row in rows:
        assert row["expected_compliant"] in ("true", "false"), row["id"]
        clauses = _split(row["expected_clauses"])
        assert set(clauses) <= {"1", "2", "3", "4"}, row["id"]
        # a compliant indicator has no clause, a violation has at least one
        assert (row["expected_compliant"] == "true") == (not clauses), row["id"]


def test_the_corpus_covers_every_clause_in_many_wordings_and_close_compliant_cases():
    rows = load_corpus()
    per_clause = Counter(clause for row in rows for clause in _split(row["expected_clauses"]))
    for clause in "1234":
        assert per_clause[clause] >= 15, f"clause {clause} has only {per_clause[clause]} violating rows"
    compliant = sum(row["expected_compliant"] == "true" for row in rows)
    assert compliant >= 0.35 * len(rows), "the corpus needs look-alike compliant indicators, not only violations"


def test_the_checker_judges_at_least_95_percent_of_the_corpus_right():
    rows = load_corpus()
    misses = []
    for row in rows:
        compliant, clauses = judge(row)
        expected = {int(c) for c in _split(row["expected_clauses"])}
        if compliant != (row["expected_compliant"] == "true") or clauses != expected:
            misses.append(f"{row['id']}: {row['description']!r} expected {sorted(expected)} got {sorted(clauses)}")
    accuracy = 1 - len(misses) / len(rows)
    print(f"assessment corpus: {len(rows) - len(misses)}/{len(rows)} right ({accuracy:.1%})")
    for miss in misses:
        print("  miss", miss)
    assert accuracy >= REQUIRED_ACCURACY, "\n".join(misses)


def test_every_rule_in_the_data_file_is_exercised_by_the_corpus():
    fired = set()
    for row in load_corpus():
        indicator = Indicator(row["indicator_name"], row["description"], _split(row["evidence"]))
        fired |= {f.rule for f in check_plan(row["title"], [indicator]).findings}
    unused = {rule.id for rule in default_rules().rules} - fired
    assert not unused, f"rules with no corpus example: {sorted(unused)}"


@pytest.mark.parametrize("clause", [1, 2, 3, 4])
def test_violations_of_each_clause_are_mostly_found(clause):
    """Per-clause recall, so a weak clause cannot hide behind strong ones in the overall score."""
    rows = [row for row in load_corpus() if str(clause) in _split(row["expected_clauses"])]
    found = sum(clause in judge(row)[1] for row in rows)
    assert found / len(rows) >= REQUIRED_ACCURACY, f"clause {clause}: {found}/{len(rows)}"


def test_compliant_look_alikes_are_mostly_left_alone():
    rows = [row for row in load_corpus() if row["expected_compliant"] == "true"]
    false_alarms = [row["id"] for row in rows if not judge(row)[0]]
    assert len(false_alarms) / len(rows) <= 1 - REQUIRED_ACCURACY, false_alarms
