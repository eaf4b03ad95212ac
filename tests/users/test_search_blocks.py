"""Search blocks skip stretches of the name order that cannot match, and never lose a match:
not after edits, new learners or deletions made since they were built, and not when a
learner changes while they are being rebuilt."""

import threading

import pytest
from django.db import connection

from tests.factories import LearnerFactory
from users import searchblocks, selectors
from users.models import User

# PostgreSQL only: search blocks are PostgreSQL tables.
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
TERMS = ("ann", "anna", "sen3", "bob", "u01", "hansen", "zzz", "an", "bo", "u0", "ha", "zz")
TERMS += ("anna hansen2", "a han")


def pages(query, size=10):
    seen, cursor = [], None
    for _ in range(30):
        page = selectors.learner_page(query=query, cursor=cursor, size=size)
        seen.extend(row.email for row in page.rows)
        cursor = page.next_cursor
        if not cursor:
            break
    return seen


def expected(query):
    """The same search the plain way: every match, in name order."""
    term = query.lower()

    def matches(text):
        if len(term) >= 3:
            return term in text
        return text.startswith(term) or f" {term}" in text  # the start of a word

    matching = [user for user in User.objects.filter(is_active=True) if matches(user.search_text)]
    return [
        user.email for user in sorted(matching, key=lambda u: (u.last_name, u.first_name, u.pk))
    ]


@pytest.fixture
def blocks_always(monkeypatch):
    """Every eligible search goes through the blocks, however few it matches."""
    monkeypatch.setattr(selectors, "BLOCKS_FROM", 0)


@pytest.fixture
def school():
    for number in range(70):
        LearnerFactory(
            first_name="Anna" if number % 3 else "Bob",
            last_name=f"Hansen{number % 7}",
            email=f"u{number:03d}@example.com",
        )


def assert_same_as_plain(terms=TERMS):
    for term in terms:
        assert pages(term) == expected(term), term


def test_blocks_give_the_plain_pages(school, blocks_always):
    assert searchblocks.rebuild(block_size=4) > 10
    assert searchblocks.dirty_count() == 0
    assert_same_as_plain()


def test_changes_since_the_build_are_found(school, blocks_always):
    searchblocks.rebuild(block_size=4)
    moved = User.objects.get(email="u005@example.com")
    moved.last_name = "Aaberg"  # now sorts first, in no block's stretch
    moved.first_name = "Hannah"
    moved.save()
    renamed = User.objects.get(email="u010@example.com")
    renamed.first_name = "Zed"  # no longer matches "ann"
    renamed.save()
    LearnerFactory(first_name="Joanna", last_name="Hansen3", email="new@example.com")
    User.objects.filter(email="u020@example.com").delete()
    assert searchblocks.dirty_count() == 3
    assert pages("ann")[0] == "u005@example.com"
    assert "u010@example.com" not in pages("ann")
    assert "new@example.com" in pages("hansen3")
    assert_same_as_plain(("ann", "anna", "hansen", "hannah", "sen3", "joanna", "zed"))
    searchblocks.rebuild(block_size=4)
    assert searchblocks.dirty_count() == 0
    assert_same_as_plain(("ann", "anna", "hansen", "hannah", "sen3", "joanna", "zed"))


def test_only_search_changes_make_a_user_dirty(school):
    searchblocks.rebuild()
    user = User.objects.get(email="u001@example.com")
    user.city = "Oslo"
    user.save()
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert searchblocks.dirty_count() == 0
    User.objects.filter(pk=user.pk).update(email="renamed@example.com")
    assert searchblocks.dirty_count() == 1


def test_the_grams_a_term_needs():
    assert searchblocks.grams("ann") == ["ann"]
    assert searchblocks.grams("orea") == ["ore", "orea", "rea"]
    # Each run of letters and digits counts on its own: "a" and "é" are in no gram.
    assert searchblocks.grams("ana silva") == ["ana", "ilv", "ilva", "lva", "sil", "silv"]
    assert searchblocks.grams("josé") == ["jos"]
    assert searchblocks.grams("li") == ["^li"]
    for term in ("a", "l.", "a.b@c", "x_y", "é é"):
        assert searchblocks.grams(term) is None


def test_query_count_is_the_same_by_blocks_or_by_walking(school, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    searchblocks.rebuild(block_size=4)
    with CaptureQueriesContext(connection) as walking:
        selectors.learner_page(query="anna")
    monkeypatch.setattr(selectors, "BLOCKS_FROM", 0)
    with CaptureQueriesContext(connection) as by_blocks:
        selectors.learner_page(query="anna")
    assert len(by_blocks) == len(walking)
    assert any("users_searchblock" in query["sql"] for query in by_blocks.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_a_change_during_a_rebuild_stays_dirty(monkeypatch):
    """A learner renamed after the rebuild took its snapshot, while it ran, stays dirty and
    is found under the new name (the rebuild forgets only the marks it saw)."""
    monkeypatch.setattr(selectors, "BLOCKS_FROM", 0)
    for number in range(20):
        LearnerFactory(first_name="Anna", last_name=f"Berg{number}")
    learner = LearnerFactory(first_name="Anna", last_name="Zeta")
    searchblocks.rebuild(block_size=4)
    learner.last_name = "Quorra"
    learner.save()  # dirty, with a mark the next rebuild will see
    writer_ready, rebuild_started = threading.Event(), threading.Event()
    failures = []

    def rename_while_rebuilding():
        try:
            with connection.cursor() as cursor:  # this thread's own connection
                cursor.execute("BEGIN")
                # Hold the dirty row so the rebuild's DELETE has to wait for us.
                cursor.execute(
                    "SELECT mark FROM users_searchdirty WHERE user_id = %s FOR UPDATE",
                    [learner.pk],
                )
                writer_ready.set()
                rebuild_started.wait(10)
                threading.Event().wait(0.5)  # the rebuild is now blocked on the row
                cursor.execute(
                    "UPDATE users_user SET last_name = 'Xylo' WHERE id = %s", [learner.pk]
                )
                cursor.execute("COMMIT")
        except Exception as error:  # noqa: BLE001 (reported below)
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=rename_while_rebuilding)
    thread.start()
    assert writer_ready.wait(10)
    rebuild_started.set()
    searchblocks.rebuild(block_size=4)
    thread.join(10)
    assert not failures
    assert searchblocks.dirty_count() == 1
    assert [row.last_name for row in selectors.learner_page(query="xylo").rows] == ["Xylo"]


def test_the_command_and_the_task_rebuild(school, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    from users.tasks import rebuild_search_blocks

    out = StringIO()
    changed = searchblocks.dirty_count()  # the 70 learners, and any a committed test left
    assert changed >= 70
    call_command("rebuild_search_blocks", stdout=out)
    assert f"{changed:,} changed users folded in" in out.getvalue()
    LearnerFactory(first_name="Late")
    assert rebuild_search_blocks(only_if_dirty=True) == 0  # 1 dirty, under REBUILD_AT
    assert searchblocks.dirty_count() == 1
    monkeypatch.setattr(searchblocks, "REBUILD_AT", 1)
    assert rebuild_search_blocks(only_if_dirty=True) == 1
    assert searchblocks.dirty_count() == 0


def test_a_large_import_rebuilds_the_blocks_after_it_commits(
    monkeypatch, django_capture_on_commit_callbacks
):
    import io

    from users import importing

    monkeypatch.setattr(searchblocks, "REBUILD_AT", 3)
    searchblocks.rebuild()
    csv = "email,first_name,last_name\n" + "".join(
        f"imported{n}@example.com,Imre,Sonderby{n}\n" for n in range(3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = importing.import_users(io.StringIO(csv), actor=None)
    assert result.created == 3
    assert searchblocks.dirty_count() == 0  # folded into the blocks
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM users_searchblock WHERE grams @> '{sond}'")
        assert cursor.fetchone()[0] == 1
    monkeypatch.setattr(selectors, "BLOCKS_FROM", 0)
    assert len(selectors.learner_page(query="sonderby").rows) == 3


def test_back_and_forth_between_pages_found_by_blocks(school, blocks_always):
    searchblocks.rebuild(block_size=4)
    first = selectors.learner_page(query="anna", size=10)
    second = selectors.learner_page(query="anna", size=10, cursor=first.next_cursor)
    back = selectors.learner_page(query="anna", size=10, cursor=second.previous_cursor)
    assert [row.email for row in back.rows] == [row.email for row in first.rows]
    assert not {row.email for row in first.rows} & {row.email for row in second.rows}
    disabled = User.objects.filter(first_name="Anna").order_by("last_name", "id")[:3]
    User.objects.filter(pk__in=[user.pk for user in disabled]).update(is_active=False)
    assert {row.email for row in selectors.learner_page(query="anna", disabled=True).rows} == {
        user.email for user in disabled
    }


def test_a_search_by_blocks_leaves_the_planner_settings_as_they_were(school, blocks_always):
    """Sequential scans go off for the blocks statement alone: a search made inside a longer
    transaction (each test runs in one) must not slow the queries after it."""
    searchblocks.rebuild(block_size=4)
    assert selectors.learner_page(query="ann").rows
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SHOW jit")  # off for every connection (lms/settings.py)
        assert cursor.fetchone()[0] == "off"


def test_a_rare_term_in_few_blocks_skips_the_rest(school, monkeypatch):
    """Estimated rare, but held by at most FEW_BLOCKS blocks: the blocks walk those few
    stretches; a term that many blocks could hold takes the walk or the trigram index."""
    from django.test.utils import CaptureQueriesContext

    searchblocks.rebuild(block_size=4)  # 18 blocks; "sen3" is in 3 of them, "ann" in 16
    monkeypatch.setattr(selectors, "FEW_BLOCKS", 3)

    def statements(query):
        with CaptureQueriesContext(connection) as queries:
            selectors.learner_page(query=query)
        return queries.captured_queries[-1]["sql"]

    assert "FROM users_searchblock" in statements("sen3")
    assert "FROM users_searchblock" not in statements("ann")
    assert_same_as_plain(["sen3", "ann", "u01", "zzz"])


@pytest.mark.parametrize("sort", ["name", "-name"])
def test_every_page_forwards_and_back_by_blocks(school, blocks_always, sort):
    """Next to the last page, then Previous back to the first: the plain order both ways."""
    searchblocks.rebuild(block_size=4)
    plain = expected("ann")
    if sort == "-name":
        plain.reverse()
    pages_seen, cursor = [], None
    while True:
        page = selectors.learner_page(query="ann", sort=sort, size=10, cursor=cursor)
        pages_seen.append(page)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert [row.email for page in pages_seen for row in page.rows] == plain
    back = pages_seen[-1]
    for earlier in reversed(pages_seen[:-1]):
        back = selectors.learner_page(query="ann", sort=sort, size=10, cursor=back.previous_cursor)
        assert [row.email for row in back.rows] == [row.email for row in earlier.rows]
