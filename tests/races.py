"""Two requests at the same moment: the one harness of the race tests (PostgreSQL, with
`django_db(transaction=True)`: each call runs in its own thread and database connection)."""

import threading

from django.db import connections

TIMEOUT_S = 60  # a safety net for a deadlocked test, never a measure of speed


def at_once(*calls):
    """Run the calls together (a barrier releases them at once) and return what each gave,
    in order: its return value, or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=TIMEOUT_S)
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT_S)
    return outcomes


def all_at_once(count, call):
    """`call` `count` times at once; every outcome must be a value (no exception)."""
    outcomes = at_once(*[call] * count)
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert not errors, errors
    return outcomes
