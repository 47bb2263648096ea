"""The store's queries behind the Run page, on SQLite and on PostgreSQL: a page of a run's
items with filters and search, counts by state, a state's total; and the plans that
serve them use the indexes, not a scan of every item."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

from teller.store import Store
from tests.desk._runs import move_along, new_items


def filled(store: Store) -> tuple[str, str]:
    """Two runs: 120 items (1-10 done, 11 held), and 5 of another run."""
    run = store.create_run(
        flow="payroll",
        batch_id="a",
        input_file="a.xlsx",
        input_sha256="0" * 64,
        submitted_by="clerk",
        items=new_items(120),
    )
    other = store.create_run(
        flow="payroll",
        batch_id="b",
        input_file="b.xlsx",
        input_sha256="0" * 64,
        submitted_by="clerk",
        items=new_items(5, prefix="OTHER"),
    )
    ids = {i.seq: i.id for i in store.items(run)}
    for seq in range(1, 11):
        move_along(store, ids[seq], "auto_approved", "in_flight", "done")
    store.move(ids[11], "needs_approval", actor="gate")
    return run, other


def test_a_page_of_items_with_filters_and_search(store: Store) -> None:
    run, other = filled(store)
    page, matching = store.item_page(run, limit=50, offset=100)
    assert ([i.seq for i in page], matching) == (list(range(101, 121)), 120)
    page, matching = store.item_page(run, states=["done"], limit=4, offset=4)
    assert ([i.seq for i in page], matching) == ([5, 6, 7, 8], 10)
    page, matching = store.item_page(run, text="张三")
    assert ([i.seq for i in page], matching) == (list(range(10, 121, 10)), 12)
    page, matching = store.item_page(run, text="ref-000007")  # case does not matter
    assert [i.seq for i in page] == [7]
    assert store.item_page(run, text="REF_0") == ([], 0)  # '_' is a character, not a pattern
    assert store.item_page(run, text="%") == ([], 0)
    assert store.item_page(other, text="REF") == ([], 0)  # only the run's own items
    page, matching = store.item_page(run, limit=2, matching=999)
    assert ([i.seq for i in page], matching) == ([1, 2], 999)  # a known count is kept


def test_counts_by_state_and_a_states_total(store: Store) -> None:
    run, other = filled(store)
    assert store.count_states([run]) == {run: {"done": 10, "needs_approval": 1, "new": 109}}
    assert store.count_states() == {
        run: {"done": 10, "needs_approval": 1, "new": 109},
        other: {"new": 5},
    }
    assert store.state_total("needs_approval") == (1, Decimal("11.50"))
    assert store.state_total("done") == (10, sum(Decimal(f"{n}.50") for n in range(1, 11)))
    assert store.state_total("rejected") == (0, Decimal(0))


def test_the_runs_a_page_at_a_time(store: Store) -> None:
    run, other = filled(store)
    newest = store.runs(limit=1)
    assert [r.id for r in newest + store.runs(limit=1, offset=1)] == [other, run]
    assert store.runs(limit=5, offset=2) == []


def test_the_pages_query_is_served_by_an_index(store: Store) -> None:
    run, _ = filled(store)
    queries = {
        "page": f"SELECT id FROM items WHERE run_id = '{run}' ORDER BY seq LIMIT 50",
        "state": f"SELECT id FROM items WHERE run_id = '{run}' AND state = 'done' "
        "ORDER BY seq LIMIT 50",
        "count": f"SELECT state, count(*) FROM items WHERE run_id = '{run}' GROUP BY state",
    }
    # the index each query should use; PostgreSQL, on a table this small and not analysed,
    # may take the run's order for the state's page and filter it (still no sort, no scan)
    wanted = {
        "page": ("items_run_seq",),
        "state": ("items_run_state_seq", "items_run_seq"),
        "count": ("items_run_state_seq",),
    }
    with store.engine.connect() as connection:
        if store.engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))  # a tiny table: ask for it
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        for name, query in queries.items():
            plan = " ".join(str(row[-1]) for row in connection.execute(text(explain + query)))
            used = [index for index in wanted[name] if f" {index} " in f"{plan} "]
            assert used, (name, plan)
            assert "sort" not in plan.lower() or name == "count", (name, plan)
