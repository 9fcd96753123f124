"""PostgreSQL: the two foreign keys of reporting_elementvalue (committee, element) are checked once per statement
instead of once per row.

PostgreSQL checks a foreign key with one internal query per row, each locking the referenced row. A burst of
submissions writes 50 values per committee, so these checks cost about 0.35 ms of the database's CPU per submission,
a sixth of all it does for one (bench/reporting_burst.py; docs/performance.md). Here the constraints give way to
triggers that check the same with one query per statement:

- child side: after an INSERT or UPDATE of values, every committee and element named must exist (one query over the
  statement's new rows);
- parent side: deleting a region or an element (or changing its id) that a value names is refused. The trigger first
  takes SHARE lock on the values table, which waits for writers in flight and holds new ones until it commits, then
  looks with a fresh snapshot (READ COMMITTED, Django's default): a value and its parent's deletion cannot both
  commit, as with the constraint. Under REPEATABLE READ or SERIALIZABLE the trigger would see the transaction's own
  snapshot instead, and a value committed meanwhile could be missed; Qingdan does not change the isolation level.

Either way the error is PostgreSQL's foreign_key_violation (23503), which Django raises as IntegrityError, as before.
Django's own on_delete=PROTECT still refuses such a deletion before it reaches the database.

The model keeps its ForeignKey (the ORM and SQLite are unchanged: SQLite checks its own keys cheaply). A later
migration that alters one of these two fields on PostgreSQL finds no constraint to drop and adds one back; drop the
triggers there too (the reverse operation below does both).
"""

from django.db import migrations

VALUES = "reporting_elementvalue"
KEYS = (("committee_id", "regions_region"), ("element_id", "reporting_dataelement"))

CHILD_FUNCTION = f"""
CREATE FUNCTION reporting_value_keys_exist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS (SELECT 1 FROM regions_region r WHERE r.id = n.committee_id))
    THEN
        RAISE foreign_key_violation USING MESSAGE =
            'insert or update on table "{VALUES}" violates foreign key "committee_id": no such region';
    END IF;
    IF EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS (
            SELECT 1 FROM reporting_dataelement e WHERE e.id = n.element_id))
    THEN
        RAISE foreign_key_violation USING MESSAGE =
            'insert or update on table "{VALUES}" violates foreign key "element_id": no such data element';
    END IF;
    RETURN NULL;
END $$;
"""

PARENT_FUNCTION = f"""
CREATE FUNCTION reporting_value_parent_unused() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    used boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NEW;
    END IF;
    LOCK TABLE {VALUES} IN SHARE MODE;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM {VALUES} WHERE %I = $1)', TG_ARGV[0]) INTO used USING OLD.id;
    IF used THEN
        RAISE foreign_key_violation USING MESSAGE = format(
            'update or delete on table "%s" violates foreign key "%s" on table "{VALUES}": id %s is still named',
            TG_TABLE_NAME, TG_ARGV[0], OLD.id);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
"""


def _foreign_keys(schema_editor) -> dict[str, str]:
    """{column: constraint name} of the values table's foreign keys to the two parents, as the database has them."""
    with schema_editor.connection.cursor() as cursor:
        found = schema_editor.connection.introspection.get_constraints(cursor, VALUES)
    parents = dict(KEYS)
    return {info["columns"][0]: name for name, info in found.items()
            if info["foreign_key"] and len(info["columns"]) == 1 and info["foreign_key"][0] == parents.get(info["columns"][0])}


def _runner(schema_editor):
    """Statements without parameters: their % signs are PL/pgSQL's, not placeholders."""
    return lambda sql: schema_editor.execute(sql, params=None)


def checks_per_statement(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    run = _runner(schema_editor)
    for name in _foreign_keys(schema_editor).values():
        run(f"ALTER TABLE {VALUES} DROP CONSTRAINT {schema_editor.quote_name(name)}")
    run(CHILD_FUNCTION)
    for event in ("INSERT", "UPDATE"):
        run(f"CREATE TRIGGER reporting_value_keys_exist_on_{event.lower()} AFTER {event} ON {VALUES} "
            f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reporting_value_keys_exist()")
    run(PARENT_FUNCTION)
    for column, parent in KEYS:
        run(f"CREATE TRIGGER reporting_value_parent_unused BEFORE DELETE OR UPDATE OF id ON {parent} "
            f"FOR EACH ROW EXECUTE FUNCTION reporting_value_parent_unused('{column}')")


def checks_per_row(apps, schema_editor) -> None:
    """Back to PostgreSQL's own foreign keys, as Django creates them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    run = _runner(schema_editor)
    for _column, parent in KEYS:
        run(f"DROP TRIGGER IF EXISTS reporting_value_parent_unused ON {parent}")
    for event in ("insert", "update"):
        run(f"DROP TRIGGER IF EXISTS reporting_value_keys_exist_on_{event} ON {VALUES}")
    run("DROP FUNCTION IF EXISTS reporting_value_parent_unused()")
    run("DROP FUNCTION IF EXISTS reporting_value_keys_exist()")
    model = apps.get_model("reporting", "ElementValue")
    present = _foreign_keys(schema_editor)
    for name in ("committee", "element"):
        field = model._meta.get_field(name)
        if field.column not in present:
            run(schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s"))


class Migration(migrations.Migration):

    dependencies = [
        ("reporting", "0003_burst_rows_without_user_checks"),
        ("regions", "0001_initial"),
    ]

    operations = [migrations.RunPython(checks_per_statement, checks_per_row, elidable=False)]
