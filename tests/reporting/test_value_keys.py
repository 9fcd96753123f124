"""A value's committee and element are checked by the database itself, on SQLite (its foreign keys) and on PostgreSQL
(triggers once per statement, migration reporting/0004): a value naming neither may be stored, and neither may be
removed while a value names it, even by SQL that bypasses Django's on_delete=PROTECT."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from regions.choices import Level
from regions.codes import ancestor_code, prefix
from regions.models import Region
from reporting import bulkwrite
from reporting.models import DataElement, ElementValue

pytestmark = pytest.mark.django_db
WENGUAN = "210105023201"
NOWHERE = 9_000_000_001


def _refused(action) -> None:  # noqa: ANN001
    """The database refuses it, at once (PostgreSQL's triggers) or at the end of the transaction (SQLite's deferred
    keys, checked here as a commit would)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        action()
        connection.check_constraints()


def _value(committee: Region, element: DataElement, period: str = "2026") -> ElementValue:
    return ElementValue.objects.create(committee=committee, element=element, period=period, value="7")


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_value_naming_no_committee_or_no_element_is_refused_even_in_a_batch_of_good_rows():
    committee, element = Region.objects.get(code=WENGUAN), DataElement.objects.order_by("pk").first()
    now = timezone.now()
    good = [(committee.pk, element.pk, f"P{i}", "1", None) for i in range(5)]
    _refused(lambda: bulkwrite.write_values([*good, (NOWHERE, element.pk, "P9", "1", None)], [], now, "entered"))
    _refused(lambda: bulkwrite.write_values([*good, (committee.pk, NOWHERE, "P9", "1", None)], [], now, "entered"))
    _refused(lambda: _value(Region(pk=NOWHERE), element))
    assert not ElementValue.objects.filter(committee=committee, period__startswith="P").exists()
    bulkwrite.write_values(good, [], now, "entered")  # the same rows without the stray one are stored
    assert ElementValue.objects.filter(committee=committee, period__startswith="P").count() == 5


def test_moving_a_value_to_a_committee_or_element_that_does_not_exist_is_refused():
    value = _value(Region.objects.get(code=WENGUAN), DataElement.objects.order_by("pk").first())
    _refused(lambda: ElementValue.objects.filter(pk=value.pk).update(committee_id=NOWHERE))
    _refused(lambda: ElementValue.objects.filter(pk=value.pk).update(element_id=NOWHERE))
    value.refresh_from_db()
    assert value.value == "7"


def _new_element(code: str) -> DataElement:
    return DataElement.objects.create(code=code, name=f"测试数据项{code}", definition="测试", type="int")


def _new_committee(code: str) -> Region:
    township = Region.objects.get(code=ancestor_code(WENGUAN, Level.TOWNSHIP))
    return Region.objects.create(code=code, name=f"测试村{code}", level=Region.objects.get(code=WENGUAN).level,
                                 parent=township)


def test_a_region_or_element_a_value_names_cannot_be_deleted_even_by_raw_sql():
    # New ones, which nothing else names: only the value can be what stops their deletion.
    committee, element = _new_committee(prefix(WENGUAN, Level.TOWNSHIP) + "998"), _new_element("ZZ998")
    _value(committee, element)
    _refused(lambda: _raw("DELETE FROM reporting_dataelement WHERE id = %s", [element.pk]))
    _refused(lambda: _raw("DELETE FROM regions_region WHERE id = %s", [committee.pk]))
    _refused(lambda: _raw("UPDATE reporting_dataelement SET id = %s WHERE id = %s", [NOWHERE, element.pk]))
    assert DataElement.objects.filter(pk=element.pk).exists() and Region.objects.filter(pk=committee.pk).exists()


def test_a_region_or_element_no_value_names_can_still_be_deleted():
    committee, element = _new_committee(prefix(WENGUAN, Level.TOWNSHIP) + "997"), _new_element("ZZ997")
    _value(Region.objects.get(code=WENGUAN), DataElement.objects.order_by("pk").first())  # values of others
    with transaction.atomic():
        _raw("DELETE FROM reporting_dataelement WHERE id = %s", [element.pk])
        _raw("DELETE FROM regions_region WHERE id = %s", [committee.pk])
        connection.check_constraints()
    assert not DataElement.objects.filter(pk=element.pk).exists() and not Region.objects.filter(pk=committee.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's triggers; SQLite keeps its foreign keys")
def test_postgresql_checks_a_values_keys_once_per_statement_not_row_by_row():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname, tgtype & 1 = 1 FROM pg_trigger WHERE tgrelid = 'reporting_elementvalue'::regclass "
                       "ORDER BY tgname")
        triggers = cursor.fetchall()
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'reporting_elementvalue'::regclass "
                       "AND contype = 'f'")
        foreign_keys = [row[0] for row in cursor.fetchall()]
        cursor.execute("SHOW transaction_isolation")
        isolation = cursor.fetchone()[0]
    # The parent-side trigger's fresh snapshot needs READ COMMITTED (migration 0004).
    assert isolation == "read committed"
    # No row-level RI triggers (each foreign key adds two, FOR EACH ROW): only the two statement triggers.
    assert triggers == [("reporting_value_keys_exist_on_insert", False), ("reporting_value_keys_exist_on_update", False)]
    assert foreign_keys == []
