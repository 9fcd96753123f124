"""Division-code import: Liaoning counts, idempotence, all-or-nothing, renames, deactivation."""

import csv
import gzip
import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from regions import services
from regions.choices import CommitteeKind, Level
from regions.models import Region, RegionCodeChange
from regions.services import ImportFailed, import_divisions, read_divisions

DEMO_FILES = Path(settings.BASE_DIR) / "data" / "divisions"
HEADERS = {
    "provinces": ["code", "name"],
    "cities": ["code", "name", "provinceCode"],
    "areas": ["code", "name", "cityCode", "provinceCode"],
    "streets": ["code", "name", "areaCode", "provinceCode", "cityCode"],
    "villages": ["code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"],
}


def write(directory: Path, stem: str, rows: list[list[str]], gz: bool = False) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADERS[stem])
    writer.writerows(rows)
    if gz:
        (directory / f"{stem}.csv.gz").write_bytes(gzip.compress(buffer.getvalue().encode()))
        (directory / f"{stem}.csv").unlink(missing_ok=True)
    else:
        (directory / f"{stem}.csv").write_text(buffer.getvalue(), encoding="utf-8")


def small_province(directory: Path, gz: bool = False) -> Path:
    """A made-up province 99 with one unit per level and two committees."""
    write(directory, "provinces", [["99", "测试省"]])
    write(directory, "cities", [["9901", "测试市", "99"]])
    write(directory, "areas", [["990101", "测试区", "9901", "99"]])
    write(directory, "streets", [["990101001", "测试街道", "990101", "99", "9901"]])
    write(directory, "villages", [
        ["990101001001", "甲社区居委会", "990101001", "99", "9901", "990101"],
        ["990101001201", "乙村委会", "990101001", "99", "9901", "990101"],
    ], gz=gz)
    return directory


# --- Reading and checking files: no database ----------------------------------------------------------------

def test_reading_returns_parents_before_children(tmp_path):
    rows, errors = read_divisions(small_province(tmp_path))
    assert errors == []
    assert [r.level for r in rows] == [1, 2, 3, 4, 5, 5]
    assert rows[-1].code == "990101001201" and rows[-1].parent == "990101001000"


def test_reading_accepts_gzipped_village_files(tmp_path):
    rows, errors = read_divisions(small_province(tmp_path, gz=True))
    assert errors == [] and len(rows) == 6


def test_every_bad_row_is_reported_with_file_line_and_column(tmp_path):
    small_province(tmp_path)
    write(tmp_path, "villages", [
        ["990101001001", "甲社区居委会", "990101001", "99", "9901", "990101"],
        ["99010100100", "短码", "990101001", "99", "9901", "990101"],
        ["990101001002", "", "990101001", "99", "9901", "990101"],
        ["990101001001", "重复", "990101001", "99", "9901", "990101"],
        ["990101002003", "错父", "990101001", "99", "9901", "990101"],
    ])
    with translation.override("zh-hans"):
        _rows, errors = read_divisions(tmp_path)
    assert len(errors) == 4
    assert errors[0].startswith("villages.csv") and "3" in errors[0] and "[code]" in errors[0]
    assert "[name]" in errors[1] and "4" in errors[1]
    assert "990101001001" in errors[2] and "5" in errors[2]
    assert "[streetCode]" in errors[3] and "6" in errors[3]
    assert any("行" in e for e in errors), "errors read 第N行 in Chinese"


def test_missing_columns_and_missing_files_are_errors(tmp_path):
    (tmp_path / "cities.csv").write_text("code,title\n9901,测试市\n", encoding="utf-8")
    _rows, errors = read_divisions(tmp_path)
    assert len(errors) == 1 and "name" in errors[0] and "provinceCode" in errors[0]
    empty = tmp_path / "empty"
    empty.mkdir()
    _rows, errors = read_divisions(empty)
    assert len(errors) == 1 and "villages.csv" in errors[0]


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 999), st.text(min_size=1, max_size=8).filter(lambda s: s.strip() and "\x00" not in s)),
                min_size=1, max_size=30, unique_by=lambda t: t[0]),
       st.one_of(st.none(), st.text(max_size=14)))
def test_well_formed_rows_always_read_back_and_one_bad_code_is_always_caught(tmp_path_factory, villages, bad):
    directory = small_province(tmp_path_factory.mktemp("prop"))
    rows = [[f"990101001{n:03d}", name, "990101001", "99", "9901", "990101"] for n, name in villages]
    write(directory, "villages", rows)
    read, errors = read_divisions(directory)
    assert errors == []
    assert [r.code for r in read if r.level == Level.VILLAGE] == [r[0] for r in rows]
    assert [r.name for r in read if r.level == Level.VILLAGE] == [r[1].strip()[:100] for r in rows]
    if bad is not None and not (bad.strip().isascii() and bad.strip().isdigit() and len(bad.strip()) == 12):
        write(directory, "villages", [*rows, [bad, "坏行", "990101001", "99", "9901", "990101"]])
        _read, errors = read_divisions(directory)
        assert len(errors) == 1 and f"line {len(rows) + 2}" in errors[0] or f"第{len(rows) + 2}行" in errors[0]


# --- Writing: database ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_liaoning_has_14_cities_100_counties_1406_townships_and_16727_committees():
    counts = {level: Region.objects.filter(code__startswith="21", level=level).count() for level in Level}
    assert counts == {Level.PROVINCE: 1, Level.CITY: 14, Level.COUNTY: 100, Level.TOWNSHIP: 1406, Level.VILLAGE: 16727}
    committees = Region.objects.committees()
    assert committees.filter(committee_kind=CommitteeKind.VILLAGE).count() + committees.filter(
        committee_kind=CommitteeKind.RESIDENTS).count() == 16727
    assert not Region.objects.filter(level__gt=Level.PROVINCE, parent__isnull=True).exists()
    wenguan = Region.objects.get(code="210105023201")
    assert wenguan.name == "文官村委会" and wenguan.committee_kind == CommitteeKind.VILLAGE
    assert wenguan.parent.code == "210105023000" and wenguan.parent.parent.code == "210105000000"
    assert Region.objects.get(code="210202001002").committee_kind == CommitteeKind.RESIDENTS


@pytest.mark.django_db
def test_importing_the_same_files_again_changes_nothing():
    before = (Region.objects.count(), Region.history.count(), RegionCodeChange.objects.count())
    result = import_divisions(DEMO_FILES, provinces={"21"})
    assert result.created == 0 and result.renamed == 0 and result.deactivated == 0
    assert result.unchanged == 1 + 14 + 100 + 1406 + 16727
    assert result.per_level == {1: 1, 2: 14, 3: 100, 4: 1406, 5: 16727}
    assert (Region.objects.count(), Region.history.count(), RegionCodeChange.objects.count()) == before


@pytest.mark.django_db
def test_a_new_province_is_imported_with_history_and_committee_kinds(tmp_path):
    result = import_divisions(small_province(tmp_path))
    assert result.created == 6 and result.per_level == {1: 1, 2: 1, 3: 1, 4: 1, 5: 2}
    village = Region.objects.get(code="990101001201")
    assert village.committee_kind == CommitteeKind.VILLAGE and village.level == Level.VILLAGE
    assert Region.objects.get(code="990101001001").committee_kind == CommitteeKind.RESIDENTS
    assert village.parent.code == "990101001000" and village.parent.parent.parent.parent.code == "990000000000"
    record = village.history.get()
    assert record.history_type == "+" and record.history_change_reason == "import"
    again = import_divisions(tmp_path)
    assert again.created == 0 and again.unchanged == 6


@pytest.mark.django_db
def test_a_broken_file_imports_nothing_at_all(tmp_path):
    small_province(tmp_path)
    write(tmp_path, "villages", [
        ["990101001001", "甲社区居委会", "990101001", "99", "9901", "990101"],
        ["9901010010X1", "坏码", "990101001", "99", "9901", "990101"],
    ])
    before = (Region.objects.count(), Region.history.count())
    with pytest.raises(ImportFailed) as failure:
        import_divisions(tmp_path)
    assert len(failure.value.errors) == 1 and "villages.csv" in failure.value.errors[0]
    assert (Region.objects.count(), Region.history.count()) == before
    assert not Region.objects.filter(code__startswith="99").exists()


@pytest.mark.django_db
def test_a_failure_while_writing_rolls_back_the_levels_already_written(tmp_path, monkeypatch):
    small_province(tmp_path)
    real = services._copy_rows

    def fail_on_village_history(model, varying, rows, constants):  # noqa: ANN001, ANN202
        rows = list(rows)
        if model is Region.history.model and rows and rows[0][3] == Level.VILLAGE:
            raise RuntimeError("disk full")
        return real(model, varying, rows, constants)

    monkeypatch.setattr(services, "_copy_rows", fail_on_village_history)
    before = Region.history.count()
    with pytest.raises(RuntimeError):
        import_divisions(tmp_path)
    assert not Region.objects.filter(code__startswith="99").exists()
    assert Region.history.count() == before


@pytest.mark.django_db
def test_bulk_written_rows_and_history_match_what_the_orm_would_write(tmp_path):
    """The fast insert path fills every column: compare with a region saved through the ORM."""
    import_divisions(small_province(tmp_path))
    fast = Region.objects.get(code="990101001201")
    orm = Region(code="990101001202", name="丙村委会", level=Level.VILLAGE, parent=fast.parent,
                 committee_kind=CommitteeKind.VILLAGE)
    orm._change_reason = "import"
    orm.save()
    skip = {"id", "code", "name", "created_at", "updated_at", "history_id", "history_date"}
    for a, b in ((fast, orm), (fast.history.get(), orm.history.get())):
        for f in type(a)._meta.concrete_fields:
            if f.attname not in skip:
                assert getattr(a, f.attname) == getattr(b, f.attname), f.attname
    record = fast.history.get()
    assert record.id == fast.pk and record.code == fast.code and record.created_at == fast.created_at
    assert record.history_date is not None and record.history_user is None


@pytest.mark.django_db
def test_a_unit_whose_parent_is_nowhere_is_refused(tmp_path):
    write(tmp_path, "villages", [["990101001001", "孤儿社区", "990101001", "99", "9901", "990101"]])
    with pytest.raises(ImportFailed) as failure:
        import_divisions(tmp_path)
    assert "990101001000" in failure.value.errors[0]
    assert not Region.objects.filter(code__startswith="99").exists()


@pytest.mark.django_db
def test_a_child_can_be_added_under_a_parent_already_in_the_database(tmp_path):
    write(tmp_path, "villages", [["210105023999", "新建社区居委会", "210105023", "21", "2101", "210105"]])
    result = import_divisions(tmp_path)
    assert result.created == 1
    assert Region.objects.get(code="210105023999").parent.code == "210105023000"


@pytest.mark.django_db
def test_a_renamed_unit_keeps_its_former_name(tmp_path):
    write(tmp_path, "villages", [["210105023201", "文官社区居委会", "210105023", "21", "2101", "210105"]])
    result = import_divisions(tmp_path)
    assert result.renamed == 1 and result.created == 0
    region = Region.objects.get(code="210105023201")
    assert region.name == "文官社区居委会"
    change = region.code_changes.get()
    assert (change.old_name, change.new_name, change.old_code, change.new_code) == (
        "文官村委会", "文官社区居委会", "210105023201", "210105023201")
    latest = region.history.first()
    assert latest.history_type == "~" and latest.history_change_reason == "import: renamed"
    assert latest.prev_record.name == "文官村委会"
    # the history row is a whole snapshot, not just the changed column
    assert (latest.code, latest.level, latest.parent_id, latest.committee_kind) == (
        "210105023201", Level.VILLAGE, region.parent_id, CommitteeKind.VILLAGE)
    assert latest.created_at == region.created_at and latest.updated_at >= region.created_at


@pytest.mark.django_db
def test_units_missing_from_the_files_can_be_marked_out_of_use(tmp_path):
    shutil.copytree(DEMO_FILES, tmp_path / "d")
    villages = tmp_path / "d" / "villages.csv"
    lines = villages.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("210105023201,")]
    assert len(kept) == len(lines) - 1
    villages.write_text("".join(kept), encoding="utf-8")
    result = import_divisions(tmp_path / "d", provinces={"21"}, deactivate_missing=True)
    assert result.deactivated == 1
    region = Region.objects.get(code="210105023201")
    assert region.is_active is False
    assert region.history.first().history_change_reason == "import: no longer in file"
    assert region.history.first().code == "210105023201"
    assert Region.objects.filter(is_active=False).count() == 1
    history = Region.history.count()
    again = import_divisions(tmp_path / "d", provinces={"21"}, deactivate_missing=True)
    assert again.deactivated == 0 and Region.history.count() == history, "deactivating is idempotent"
    import_divisions(DEMO_FILES, provinces={"21"}, deactivate_missing=True)
    region.refresh_from_db()
    assert region.is_active is True, "a unit back in the file is in use again"
    assert region.history.first().history_change_reason == "import: back in file"


@pytest.mark.django_db
def test_the_import_command_reports_errors_and_writes_nothing(tmp_path, capsys):
    small_province(tmp_path)
    write(tmp_path, "areas", [["99010", "坏区", "9901", "99"]])
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_divisions", str(tmp_path))
    assert "areas.csv" in capsys.readouterr().err
    assert not Region.objects.filter(code__startswith="99").exists()


@pytest.mark.django_db
def test_a_city_without_counties_keeps_its_townships_directly_below_it(tmp_path):
    """NBS lists 东莞市 (4419) again as its own county 441900, and 金门县 as its own township and village."""
    small_province(tmp_path)
    write(tmp_path, "cities", [["9901", "测试市", "99"], ["9902", "不设区市", "99"]])
    write(tmp_path, "areas", [["990101", "测试区", "9901", "99"], ["990200", "不设区市", "9902", "99"],
                              ["990102", "占位县", "9901", "99"]])
    write(tmp_path, "streets", [["990101001", "测试街道", "990101", "99", "9901"],
                                ["990200001", "甲镇", "990200", "99", "9902"], ["990200002", "乙镇", "990200", "99", "9902"],
                                ["990102000", "占位县", "990102", "99", "9901"]])
    write(tmp_path, "villages", [
        ["990101001001", "甲社区居委会", "990101001", "99", "9901", "990101"],
        ["990200001001", "一社区居委会", "990200001", "99", "9902", "990200"],
        ["990200001201", "二村委会", "990200001", "99", "9902", "990200"],
        ["990200002201", "三村委会", "990200002", "99", "9902", "990200"],
        ["990102000000", "占位县", "990102000", "99", "9901", "990102"],
    ])
    rows, errors = read_divisions(tmp_path)
    assert errors == []
    assert [r.code for r in rows if r.code.startswith("9902")] == [
        "990200000000", "990200001000", "990200002000", "990200001001", "990200001201", "990200002201"]
    import_divisions(tmp_path)
    city = Region.objects.get(code="990200000000")
    assert city.level == Level.CITY and city.name == "不设区市"
    town = Region.objects.get(code="990200001000")
    assert town.parent == city and town.level == Level.TOWNSHIP
    assert [a.code for a in Region.objects.get(code="990200001201").ancestors()] == [
        "990000000000", "990200000000", "990200001000"]
    assert services.children_with_committee_counts(city) == [(town, 2), (Region.objects.get(code="990200002000"), 1)]
    assert services.subtree_counts(city) == {"township": 2, "village": 3}
    placeholder = Region.objects.get(code="990102000000")
    assert placeholder.level == Level.COUNTY and not placeholder.children.exists()
