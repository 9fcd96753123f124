"""The registry settings file (assessment/data/registry.toml) and its reader. Pure: no database."""

from pathlib import Path

import pytest

from assessment.conf import REGISTRY_FILE, FlagRule, load_registry


def test_the_shipped_registry_file_loads_with_a_repeat_window_and_cited_flags():
    reg = load_registry(REGISTRY_FILE)
    assert reg.repeat_window_days >= 1
    assert reg.weight_total == 100
    assert {f.article for f in reg.flags.values()} == {7}
    assert reg.flags["unplanned_research"].clause == 4


def test_the_bands_are_words_matching_the_band_choices():
    from assessment.choices import Band

    reg = load_registry(REGISTRY_FILE)
    assert [b.code for b in reg.bands] == list(Band.values)
    assert [b.label for b in reg.bands[:3]] == ["好", "较好", "一般"]


def test_a_flag_is_cited_the_way_the_regulation_is_written():
    assert FlagRule("x", 7, 4, "t", "e").citation == "第七条第（四）项"
    assert FlagRule("x", 7, 0, "t", "e").citation == "第七条"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "registry.toml"
    path.write_text(text, encoding="utf-8")
    return path


FLAGS = """
[unplanned_visit]
article = 7
clause = 0
title = "t"
explanation = "e"
[unplanned_research]
article = 7
clause = 4
title = "t"
explanation = "e"
[[band]]
code = "good"
label = "好"
"""


def test_a_window_that_is_not_a_whole_number_of_days_is_refused(tmp_path):
    path = _write(tmp_path, '[repeat_visit]\nwindow_days = "thirty"\narticle = 7\nclause = 0\ntitle = "t"\nexplanation = "e"\n' + FLAGS)
    with pytest.raises(ValueError, match="window_days"):
        load_registry(path)


def test_a_missing_flag_entry_is_named_in_the_error(tmp_path):
    path = _write(tmp_path, "[repeat_visit]\nwindow_days = 10\narticle = 7\nclause = 0\ntitle = \"t\"\nexplanation = \"e\"\n")
    with pytest.raises(ValueError, match="unplanned_visit"):
        load_registry(path)


def test_an_officer_can_change_the_window_in_the_file(tmp_path):
    path = _write(tmp_path, '[repeat_visit]\nwindow_days = 7\narticle = 7\nclause = 0\ntitle = "t"\nexplanation = "e"\n' + FLAGS)
    assert load_registry(path).repeat_window_days == 7
