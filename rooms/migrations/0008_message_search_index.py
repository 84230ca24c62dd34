"""Full-text search over messages (rooms.search): on PostgreSQL, a GIN index on the body's
English tsvector. The expression must stay exactly the one rooms.search filters on. Other
databases search without an index (rooms.search's portable fallback)."""

from django.db import migrations

INDEX = "message_search_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON rooms_message "
            "USING gin (to_tsvector('english'::regconfig, body))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("rooms", "0007_message_kind_file")]

    operations = [migrations.RunPython(create, drop)]
