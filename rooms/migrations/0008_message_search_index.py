"""Full-text search over messages (rooms.search). On PostgreSQL: a stored, generated column
with the body's English tsvector and a GIN index on it (rooms.search filters on the column;
a stored vector makes phrase checks and rechecks cheap, where an expression index would
compute each candidate's vector again). The model does not declare the column: other
databases search without it (rooms.search's portable fallback)."""

from django.db import migrations

FORWARD = [
    "ALTER TABLE rooms_message ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, body)) STORED",
    "CREATE INDEX IF NOT EXISTS message_search_idx ON rooms_message USING gin (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS message_search_idx",
    "ALTER TABLE rooms_message DROP COLUMN IF EXISTS search_vector",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("rooms", "0007_message_kind_file")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
