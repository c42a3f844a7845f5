"""Full-text index over the spaced name characters (SQLite FTS5, PostgreSQL GIN), and the
default probable-duplicate rules."""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE registry_person_fts USING fts5("
    "search_chars, content='registry_person', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER registry_person_fts_ai AFTER INSERT ON registry_person BEGIN "
    "INSERT INTO registry_person_fts(rowid, search_chars) VALUES (new.id, new.search_chars); END",
    "CREATE TRIGGER registry_person_fts_ad AFTER DELETE ON registry_person BEGIN "
    "INSERT INTO registry_person_fts(registry_person_fts, rowid, search_chars) "
    "VALUES ('delete', old.id, old.search_chars); END",
    "CREATE TRIGGER registry_person_fts_au AFTER UPDATE OF search_chars ON registry_person BEGIN "
    "INSERT INTO registry_person_fts(registry_person_fts, rowid, search_chars) "
    "VALUES ('delete', old.id, old.search_chars); "
    "INSERT INTO registry_person_fts(rowid, search_chars) VALUES (new.id, new.search_chars); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS registry_person_fts_au",
    "DROP TRIGGER IF EXISTS registry_person_fts_ad",
    "DROP TRIGGER IF EXISTS registry_person_fts_ai",
    "DROP TABLE IF EXISTS registry_person_fts",
]
POSTGRES = [
    "CREATE INDEX registry_person_search_gin ON registry_person "
    "USING gin (to_tsvector('simple', search_chars))",
    # Prefix ranges on the code columns work with any collation; these make LIKE work too.
    "CREATE INDEX registry_person_unit_path_pattern ON registry_person (unit_path varchar_pattern_ops)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS registry_person_search_gin",
    "DROP INDEX IF EXISTS registry_person_unit_path_pattern",
]


def forwards(apps, schema_editor):
    statements = SQLITE if schema_editor.connection.vendor == "sqlite" else POSTGRES
    for sql in statements:
        schema_editor.execute(sql)
    DuplicateRule = apps.get_model("registry", "DuplicateRule")
    DuplicateRule.objects.create(name="同名同出生日期", fields="name,birth_date")
    DuplicateRule.objects.create(
        name="同拼音同出生日期同流出地", fields="pinyin_full,birth_date,origin_code"
    )


def backwards(apps, schema_editor):
    statements = SQLITE_REVERSE if schema_editor.connection.vendor == "sqlite" else POSTGRES_REVERSE
    for sql in statements:
        schema_editor.execute(sql)
    apps.get_model("registry", "DuplicateRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
