"""The index behind the console's name search, kept by the database itself: every piece of one and of two
characters of each person's name (`person_name_gram`), so "刘" or "秀英" typed in the workers table finds its
people without reading every name.

A trigram index (SQLite FTS5's trigram tokenizer, PostgreSQL's pg_trgm) cannot answer a search of one or two
characters, which is most of what is typed for a Chinese name (a surname, a given name). Pieces are lower-cased by
the database's own `lower()` on both sides, so a search is a superset of `name LIKE '%…%'` on each backend; the
query keeps that LIKE to decide (storage/queries/worker_file.py).

Triggers on `person` (insert, and an update of the name — /forget wipes it to "") rewrite a person's pieces,
whoever writes: the ORM, a bulk import, a staff command. The pieces' positions come from the small fixed table
`name_gram_offset` (SQLite allows no recursive query inside a trigger). `create_name_index` is run by the migration
that introduced it and fills the index for the people already there; a later migration that rebuilds the person
table (SQLite batch mode) must run it again (tests/storage/test_name_index.py checks the triggers at head).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

LONGEST_NAME = 64  # Person.name's length
WIDTHS = (1, 2)
SQLITE_TRIGGERS = ("person_name_grams_insert", "person_name_grams_update")
PG_FUNCTION = "person_name_grams"
TABLE = "person_name_gram"  # written only by the triggers below
OFFSETS = "name_gram_offset"  # fixed rows, written once by create_name_index


def query_grams(typed: str, most: int = 4) -> list[str]:
    """The pieces a name holding `typed` must have: the character itself, or (for longer text) its distinct pairs
    of characters, the first `most` of them (the LIKE that follows checks the rest)."""
    if len(typed) < 2:
        return [typed] if typed else []
    pairs = list(dict.fromkeys(typed[i:i + 2] for i in range(len(typed) - 1)))
    return pairs[:most]


def _pieces(row: str, source: str = "") -> str:
    """The (piece, person id) rows of `row`'s name (NEW in a trigger; `source` adds a table to read)."""
    return (f"SELECT DISTINCT lower(substr({row}.name, o.position, o.width)), {row}.id "
            f"FROM name_gram_offset o{source} WHERE o.position + o.width - 1 <= length({row}.name)")


def create_name_index(connection: Connection) -> None:
    offsets = ", ".join(f"({p}, {w})" for p in range(1, LONGEST_NAME + 1) for w in WIDTHS)
    connection.execute(text(f"INSERT INTO name_gram_offset (position, width) VALUES {offsets}"))
    if connection.dialect.name == "sqlite":
        connection.execute(text(f"""
            CREATE TRIGGER person_name_grams_insert AFTER INSERT ON person BEGIN
                INSERT OR IGNORE INTO person_name_gram (gram, person_id) {_pieces('NEW')};
            END"""))
        connection.execute(text(f"""
            CREATE TRIGGER person_name_grams_update AFTER UPDATE OF name ON person
            WHEN OLD.name IS NOT NEW.name BEGIN
                DELETE FROM person_name_gram WHERE person_id = OLD.id;
                INSERT OR IGNORE INTO person_name_gram (gram, person_id) {_pieces('NEW')};
            END"""))
    else:
        connection.execute(text(f"""
            CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    IF OLD.name IS NOT DISTINCT FROM NEW.name THEN RETURN NULL; END IF;
                    DELETE FROM person_name_gram WHERE person_id = OLD.id;
                END IF;
                INSERT INTO person_name_gram (gram, person_id) {_pieces('NEW')} ON CONFLICT DO NOTHING;
                RETURN NULL;
            END $$"""))
        connection.execute(text(f"CREATE TRIGGER {PG_FUNCTION} AFTER INSERT OR UPDATE OF name ON person "
                                f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()"))
    connection.execute(text(f"INSERT INTO person_name_gram (gram, person_id) {_pieces('person', ', person')}"))


def drop_name_index(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
    else:
        connection.execute(text(f"DROP TRIGGER IF EXISTS {PG_FUNCTION} ON person"))
        connection.execute(text(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()"))
