"""Group commit: concurrent callers hand their items to one leader, each gets its own outcome, a batch's failure
reaches exactly the callers of that batch, a deferred item goes first into the next batch, and nothing waits
forever."""

import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.groupcommit import DEFER, GroupCommit


def _run_concurrently(commit: GroupCommit, items: list, threads: int = 8) -> list:
    results: list = [None] * len(items)
    start = threading.Barrier(threads)

    def worker(offset: int) -> None:
        start.wait()
        for i in range(offset, len(items), threads):
            try:
                results[i] = ("ok", commit.submit(items[i]))
            except Exception as error:  # noqa: BLE001 - recorded for the assertion
                results[i] = ("error", str(error))

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in pool), "a caller is still waiting"
    return results


def test_with_no_concurrency_each_item_is_its_own_batch():
    seen = []
    commit = GroupCommit(lambda items: seen.append(list(items)) or [i * 2 for i in items])
    assert [commit.submit(i) for i in range(3)] == [0, 2, 4]
    assert seen == [[0], [1], [2]] and commit.batches == 3


def test_concurrent_callers_share_batches_and_each_gets_its_own_result():
    def slow_double(items: list) -> list:
        time.sleep(0.01)  # while one batch is written, the others queue up
        return [i * 2 for i in items]

    commit = GroupCommit(slow_double, max_batch=8)
    results = _run_concurrently(commit, list(range(200)))
    assert results == [("ok", i * 2) for i in range(200)]
    assert commit.items == 200 and commit.batches < 100


def test_an_item_outcome_that_is_an_error_is_raised_only_in_its_own_caller():
    commit = GroupCommit(lambda items: [ValueError(f"bad {i}") if i % 3 == 0 else i for i in items])
    results = _run_concurrently(commit, list(range(60)))
    assert results == [("error", f"bad {i}") if i % 3 == 0 else ("ok", i) for i in range(60)]


def test_a_failed_batch_fails_its_callers_and_the_next_batches_still_run():
    calls = []

    def apply(items: list) -> list:
        calls.append(list(items))
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return items

    commit = GroupCommit(apply)
    with pytest.raises(RuntimeError, match="went away"):
        commit.submit(1)
    assert commit.submit(2) == 2


def test_a_deferred_item_goes_first_into_the_next_batch():
    batches = []

    def apply(items: list) -> list:
        batches.append(list(items))
        seen, out = set(), []
        for i in items:
            out.append(DEFER if i in seen else i)
            seen.add(i)
        return out

    commit = GroupCommit(apply)
    # Put three items in the queue at once, as three concurrent callers would.
    results = _run_concurrently(commit, ["a", "a", "b"], threads=3)
    assert sorted(r for _k, r in results) == ["a", "a", "b"]
    for batch in batches:
        assert len(batch) == len(set(batch))  # no batch held the same item twice


def test_apply_may_never_defer_the_first_item_of_a_batch():
    commit = GroupCommit(lambda items: [DEFER for _i in items])
    with pytest.raises(RuntimeError, match="never defer the first"):
        commit.submit("x")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=40), st.integers(min_value=1, max_value=6))
def test_every_item_is_applied_exactly_once_whatever_the_deferrals_and_batch_size(items, max_batch):
    applied = []
    lock = threading.Lock()

    def apply(batch: list) -> list:
        out, seen = [], set()
        for n, (key, _tag) in enumerate(batch):
            if n and key in seen:
                out.append(DEFER)
                continue
            seen.add(key)
            with lock:
                applied.append((key, _tag))
            out.append((key, _tag))
        return out

    commit = GroupCommit(apply, max_batch=max_batch)
    tagged = [(key, n) for n, key in enumerate(items)]
    results = _run_concurrently(commit, tagged, threads=min(4, len(tagged)))
    assert [r for _k, r in results] == tagged
    assert sorted(applied) == sorted(tagged)
