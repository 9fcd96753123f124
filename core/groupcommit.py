"""Group commit: concurrent requests of one process hand their writes to whichever of them is writing, and that one
applies everything waiting in one transaction (the technique databases use for their own log).

A burst of small writes is bound by what each transaction costs, not by the rows: BEGIN, the write lock (SQLite
takes one for the whole database), the audit chain's row lock (PostgreSQL), COMMIT. Batching pays those once for up
to ``max_batch`` requests, and every request still gets its own answer only after its data are committed, so the API
keeps its meaning (201 means stored; a stale revision is a 409 at once).

There is no extra thread: the first caller to find nobody writing becomes the leader, takes the queue, applies it in
its own database connection and wakes the others; a caller whose item is still queued then leads the next batch. With
no concurrency every batch holds one item, which is what the tests exercise most.
"""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")


class Defer:
    """Returned by ``apply`` for an item that must wait for the next batch (it touches what an earlier item of the
    same batch writes). The first item of a batch is never deferred, so every batch makes progress."""


DEFER = Defer()


@dataclass
class _Ticket:
    item: Any
    done: bool = False
    result: Any = None
    error: BaseException | None = None


class GroupCommit(Generic[Item]):
    """``apply(items) -> outcomes``, one per item in order: a result, an exception instance (raised in that item's
    caller only) or ``DEFER``. An exception raised by ``apply`` itself fails the whole batch."""

    def __init__(self, apply: Callable[[list[Item]], Sequence[Any]], max_batch: int = 32) -> None:
        self.apply = apply
        self.max_batch = max_batch
        self._queue: list[_Ticket] = []
        self._busy = False
        self._cond = threading.Condition()
        self.batches = 0  # batches applied by this process (for the bench and the tests)
        self.items = 0

    def submit(self, item: Item) -> Any:
        ticket = _Ticket(item)
        with self._cond:
            self._queue.append(ticket)
        while True:
            with self._cond:
                while self._busy and not ticket.done:
                    self._cond.wait()
                if ticket.done:
                    break
                self._busy = True
                batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
            self._lead(batch)
        if ticket.error is not None:
            raise ticket.error
        return ticket.result

    def _lead(self, batch: list[_Ticket]) -> None:
        deferred: list[_Ticket] = []
        try:
            outcomes = list(self.apply([t.item for t in batch]))
            if len(outcomes) != len(batch) or (outcomes and outcomes[0] is DEFER):
                raise RuntimeError("apply must give one outcome per item and never defer the first")
            for ticket, outcome in zip(batch, outcomes, strict=True):
                if outcome is DEFER:
                    deferred.append(ticket)
                elif isinstance(outcome, BaseException):
                    ticket.error = outcome
                else:
                    ticket.result = outcome
        except BaseException as error:  # noqa: BLE001 - handed to every caller of the batch, then re-raised there
            deferred = []
            for ticket in batch:
                ticket.error = error
        finally:
            with self._cond:
                self.batches += 1
                self.items += len(batch) - len(deferred)
                waiting = {id(t) for t in deferred}
                for ticket in batch:
                    ticket.done = id(ticket) not in waiting
                self._queue[:0] = deferred  # first in the next batch, in their order
                self._busy = False
                self._cond.notify_all()
