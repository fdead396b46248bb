"""core.memo: page aggregates computed once per data revision (SPEC §5 pages)."""

import threading
import time

import pytest

from serviceeval.core import memo
from serviceeval.core.audit import audit_record
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_memo():
    memo.clear()
    yield
    memo.clear()


def test_revision_is_the_newest_audit_event_and_moves_with_every_audited_write():
    agency = AgencyFactory()
    before = memo.revision()
    event = audit_record(actor=None, action="test", obj=agency)
    assert memo.revision() == event.pk > before


def test_memo_computes_once_per_revision_and_again_when_it_moves():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert memo.memo("k", 1, compute) == 1
    assert memo.memo("k", 1, compute) == 1
    assert memo.memo("other", 1, compute) == 2
    assert memo.memo("k", 2, compute) == 3
    assert len(calls) == 3


def test_a_page_sees_an_audited_write_at_once():
    agency = AgencyFactory()
    data = {"n": 1}

    def page():
        return memo.memo("page", memo.revision(), lambda: data["n"])

    assert page() == 1
    data["n"] = 2
    assert page() == 1  # same revision: the stored figure
    audit_record(actor=None, action="test", obj=agency)
    assert page() == 2


def test_concurrent_requests_compute_a_key_once():
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.05)
        return "value"

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(memo.memo("slow", 7, compute)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["value"] * 8
    assert len(calls) == 1


def test_the_memo_keeps_at_most_max_entries():
    for i in range(memo.MAX_ENTRIES + 10):
        memo.memo(("k", i), 1, lambda i=i: i)
    assert len(memo._entries) == memo.MAX_ENTRIES
    # the oldest went first
    assert memo.memo(("k", 0), 1, lambda: "again") == "again"
