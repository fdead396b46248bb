"""The audit table refuses UPDATE, DELETE and TRUNCATE in the database itself, not
only in the model (finding F10: `_base_manager.update()`, raw SQL and cascades went
past the model's guards).

UPDATE is refused always. DELETE and TRUNCATE pass only inside a transaction that
opened the maintenance hatch (`core.audit.audit_maintenance`, used by `restore` to
empty the database before loading a verified backup): on PostgreSQL the
transaction-local setting `serviceeval.audit_maintenance = 'on'`, on SQLite a row
in `core_auditmaintenance` (inserted and removed inside that transaction).
"""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE FUNCTION core_auditevent_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'TRUNCATE')
           AND current_setting('serviceeval.audit_maintenance', true) = 'on' THEN
            IF TG_LEVEL = 'ROW' THEN
                RETURN OLD;
            END IF;
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
            USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER core_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only()
    """,
    """
    CREATE TRIGGER core_auditevent_no_truncate
    BEFORE TRUNCATE ON core_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_append_only()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent",
    "DROP TRIGGER IF EXISTS core_auditevent_no_update_delete ON core_auditevent",
    "DROP FUNCTION IF EXISTS core_auditevent_append_only()",
]

# SQLite has no TRUNCATE: `DELETE FROM` without WHERE runs the row triggers (the
# truncate optimisation is off for a table with triggers).
SQLITE = [
    "CREATE TABLE core_auditmaintenance (id INTEGER PRIMARY KEY AUTOINCREMENT)",
    """
    CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    BEGIN
        SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused)');
    END
    """,
    """
    CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent
    WHEN NOT EXISTS (SELECT 1 FROM core_auditmaintenance)
    BEGIN
        SELECT RAISE(ABORT, 'audit events are append-only (DELETE refused)');
    END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete",
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    "DROP TABLE IF EXISTS core_auditmaintenance",
]


def _run(statements):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, None)  # no parameters: the % in the text stays

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0003_fill_actor_snapshot")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
            elidable=False,
        )
    ]
