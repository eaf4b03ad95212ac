"""Search blocks: which stretches of the name order can hold a search term (PostgreSQL).

A frequent term whose matches cluster far down the name order ("son": no match among the
first 30,000 learners by name; a surname fragment: every match in one stretch) makes the
walk of the name index pass many learners that cannot match. Blocks let it skip them:

- `users_searchblock` cuts the name order into stretches of BLOCK_SIZE learners and keeps,
  for each, its first and last (last name, first name, id) and its grams: every 3- and
  4-character piece of every run of ASCII letters and digits in its learners' search_text,
  and the first two characters of every run ("^li"), for two-character terms.
  Every such run of a search term lies inside such a run of any text containing the term,
  so a learner can match only if their block holds all of the term's grams (4-letter
  pieces keep their order: "orea" is not in a block just for "andrea moreno").
- The blocks describe the table as it was when they were built: a user unchanged since
  lies between its block's first and last key. A trigger puts every user inserted or
  renamed since (e-mail, first or last name) in `users_searchdirty`, and a search checks
  those directly, wherever they now sort. `rebuild()` reads the table and the dirty list in one
  snapshot (REPEATABLE READ), so a change committed while it runs stays dirty: the two
  together always cover every learner, and a search through them is exact.
- Rebuilt by the `rebuild_search_blocks` command, nightly and whenever more than
  REBUILD_AT users are dirty (Celery beat), and after seeding and importing.

Tables, trigger and the first build are in migration 0013.
"""

import re

from django.db import connection, transaction

BLOCK_SIZE = 2_000
REBUILD_AT = 10_000
# Advisory lock key: one rebuild at a time.
LOCK = 7_263_001
RUN = re.compile(r"[a-z0-9]+")


def grams(term):
    """The grams every match of a (normalised) term contains, or None if it has none (no run
    of three letters or digits, and not two of them: blocks cannot judge it)."""
    if len(term) == 2 and RUN.fullmatch(term):
        # Two characters match the start of the e-mail or of a word: a run starts so.
        return ["^" + term]
    found = set()
    for run in RUN.findall(term):
        for width in (3, 4):
            found.update(run[i : i + width] for i in range(len(run) - width + 1))
    return sorted(found) or None


def rebuild(block_size=BLOCK_SIZE):
    """Cut the name order into blocks again and forget the dirty list; returns the count."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
        cursor.execute("DELETE FROM users_searchblock")
        # One statement, one snapshot: the blocks are built from the users it sees, and it
        # forgets only the dirty marks it sees. A mark bumped by a change committed since
        # no longer equals the one seen (the recheck of a concurrently updated row
        # compares the new mark), so that user stays dirty.
        cursor.execute(
            """
            WITH seen AS (
                SELECT user_id, mark FROM users_searchdirty
            ), forgotten AS (
                DELETE FROM users_searchdirty d USING seen
                WHERE d.user_id = seen.user_id AND d.mark = seen.mark
            ), numbered AS (
                SELECT id, last_name, first_name, search_text,
                       ROW_NUMBER() OVER (ORDER BY last_name, first_name, id) - 1 AS n
                FROM users_user
            ), starts AS (
                SELECT n / %(size)s AS position, last_name, first_name, id
                FROM numbered WHERE n %% %(size)s = 0
            ), ends AS (
                SELECT n / %(size)s AS position, last_name, first_name, id
                FROM numbered
                WHERE n %% %(size)s = %(size)s - 1 OR n = (SELECT COUNT(*) FROM users_user) - 1
            ), grams AS (
                SELECT n / %(size)s AS position, ARRAY_AGG(DISTINCT gram) AS grams
                FROM numbered,
                     LATERAL REGEXP_SPLIT_TO_TABLE(search_text, '[^a-z0-9]+') AS run,
                     LATERAL GENERATE_SERIES(1, GREATEST(LENGTH(run) - 2, 1)) AS i,
                     LATERAL (
                         VALUES (CASE WHEN LENGTH(run) >= i + 2 THEN SUBSTR(run, i, 3) END),
                                (CASE WHEN LENGTH(run) >= i + 3 THEN SUBSTR(run, i, 4) END),
                                (CASE WHEN i = 1 AND LENGTH(run) >= 2
                                      THEN '^' || SUBSTR(run, 1, 2) END)
                     ) AS piece (gram)
                WHERE gram IS NOT NULL
                GROUP BY 1
            )
            INSERT INTO users_searchblock
                (position, start_last, start_first, start_id,
                 end_last, end_first, end_id, grams)
            SELECT s.position, s.last_name, s.first_name, s.id,
                   e.last_name, e.first_name, e.id, COALESCE(g.grams, '{}')
            FROM starts s JOIN ends e USING (position) LEFT JOIN grams g USING (position)
            """,
            {"size": block_size},
        )
        return cursor.rowcount


def dirty_count():
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM users_searchdirty")
        return cursor.fetchone()[0]
