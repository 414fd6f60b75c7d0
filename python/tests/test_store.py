import datetime
import time
from pathlib import Path

import pytest

import partnercrm as pc


def org(store: pc.Store, name: str) -> pc.Organisation:
    # Whole matches come first; "IOM" is also part of "IOM Angola".
    return store.find(pc.Organisation, name)[0]


def test_seed_reads_back_equal(store: pc.Store, seed: pc.Dataset) -> None:
    assert store.dataset() == seed
    again = store.import_dataset(seed)
    assert (again["inserted"], again["updated"], again["revision"]) == (0, 0, None)


def test_lookups(store: pc.Store) -> None:
    iom = org(store, "IOM")
    assert store.get(pc.Organisation, iom.id) == iom
    assert org(store, "weltbank").name == "World Bank"
    identified = store.by_identifier("XM-DAC-47066")
    assert identified is not None and identified.id == iom.id
    assert store.get(pc.Person, "01a2206a-e333-73a8-bbd3-35d679a945db") is None
    assert len(store.all(pc.Contribution)) == 21


def test_invalid_writes_raise_every_problem(store: pc.Store) -> None:
    iom = org(store, "IOM")
    bad = pc.Contribution(
        kind="cash", donor=iom, recipient=iom, date="2009",
        value={"basis": "actual", "amount": "0", "currency": "JPY"},
    )
    with pytest.raises(pc.ValidationError) as info:
        store.add(bad)
    problems = info.value.problems
    assert [(p.code, p.path, p.severity) for p in problems] == [
        ("contribution.self_donation", "contributions[0].recipient", "error"),
        ("money.not_positive", "contributions[0].value", "error"),
    ]
    assert problems[1].location == ("contributions", 0, "value")
    assert problems[1].to_dict()["code"] == "money.not_positive"
    assert "2 validation errors" in str(info.value)
    assert isinstance(info.value, pc.PartnerCrmError)
    assert len(store.all(pc.Contribution)) == 21


def test_deleting_a_referenced_record_is_a_conflict(store: pc.Store) -> None:
    with pytest.raises(pc.ConflictError, match="still referred to"):
        store.delete(org(store, "Concern Galnaftogas"))


def test_history_and_as_of(store: pc.Store) -> None:
    ubs = org(store, "UBS")
    before = datetime.datetime.now(datetime.timezone.utc)
    time.sleep(0.01)
    store.add(ubs.replace(website="https://www.ubs.com"), actor="analyst@example.org")
    history = store.history(ubs)
    assert [c["action"] for c in history] == ["created", "updated"]
    assert history[1]["actor"] == "analyst@example.org"
    assert history[1]["before"] == ubs
    assert history[1]["after"].website == "https://www.ubs.com"
    assert isinstance(history[1]["recorded_at"], datetime.datetime)
    assert [o for o in store.all(pc.Organisation, as_of=before) if o.id == ubs.id] == [ubs]
    assert len(store.revisions()) == 2


def test_erasure_and_export(store: pc.Store) -> None:
    [jim] = store.find(pc.Person, "Jim Blackwell")
    exported = store.export_person(jim)
    assert exported["person"]["name"] == "Jim Blackwell" and exported["notes"]
    store.erase_person(jim, actor="dpo@example.org")
    erased = store.get(pc.Person, jim.id)
    assert erased is not None and erased.erased and erased.name == ""
    assert "Blackwell" not in store.dataset().to_json()


def test_backup_and_default_path(store: pc.Store, tmp_path: Path, seed: pc.Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "copy.db"
    store.backup(target)
    assert pc.Store(target).dataset() == seed
    monkeypatch.setenv("PARTNERCRM_DB", str(tmp_path / "env.db"))
    assert pc.Store().path.endswith("env.db")


def test_newer_files_are_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "future.db"
    pc.Store(path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(pc.StorageError, match="upgrade partnercrm"):
        pc.Store(path)


def test_validate_reports_warnings(store: pc.Store) -> None:
    codes = {p.code for p in store.validate()}
    assert codes == {"contribution.amount_unknown", "contribution.date_missing"}


def test_merge_duplicates_and_undo(store: pc.Store) -> None:
    [keep] = store.find(pc.Person, "Susan Yaeger-Szoke")
    [remove] = store.find(pc.Person, "Susan Boeve")
    before = {n.id: n for n in store.all(pc.Note)}
    merged = store.merge(keep, remove, actor="steward@example.org")
    assert merged["deleted"] == 1 and merged["updated"] >= 1
    assert store.get(pc.Person, remove.id) is None
    assert store.merged_into(remove.id) == keep.id
    assert store.history(remove)[-1]["action"] == "deleted"
    revision = merged["revision"]
    assert revision is not None
    store.undo_merge(revision)
    assert store.get(pc.Person, remove.id) == remove
    assert {n.id: n for n in store.all(pc.Note)} == before
    with pytest.raises(pc.ConflictError, match="already undone"):
        store.undo_merge(revision)
    with pytest.raises(pc.ParseError, match="cannot merge"):
        store.merge(keep, org(store, "IOM"))


def test_rules_that_span_records_are_checked_against_the_store(tmp_path: Path) -> None:
    store = pc.Store(tmp_path / "rules.db")
    same = {"scheme": {"other": "ch_registry"}, "value": "CH-REG-123"}
    first = pc.Organisation(name="Stiftung Eins", kind="foundation", identifiers=[same])
    store.add(first)
    with pytest.raises(pc.ValidationError) as refused:
        store.add(pc.Organisation(name="Stiftung Zwei", kind="foundation", identifiers=[same]))
    assert [(p.code, p.path) for p in refused.value.problems] == [
        ("organisation.identifier_shared", f"organisations.{first.id}.identifiers[0].value")
    ]

    x = pc.Organisation(name="X", kind="un_agency")
    y = pc.Organisation(name="Y", kind="un_agency")
    g1 = pc.Group(
        kind="inter_agency_group",
        names=[{"name": "Global Migration Group"}],
        memberships=[{"organisation": x.id}, {"organisation": y.id}],
    )
    g2 = pc.Group(
        kind="working_group",
        names=[{"name": "Working group on data"}],
        parent=g1.id,
        chairs=[{"organisation": x.id, "role": "chair"}],
    )
    store.add(x, y, g1, g2)
    with pytest.raises(pc.ValidationError) as dropped:
        store.add(g1.replace(memberships=[{"organisation": y.id}]))
    assert [p.code for p in dropped.value.problems] == ["group.chair_not_member"]
    assert [p for p in store.validate() if p.severity == "error"] == []
    store.add(g2.replace(purpose="data"))


HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


def test_a_writer_kept_waiting_raises_busy_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "locked.db"
    store = pc.Store(path, busy_timeout=0.2)
    # Another process holds the write lock (POSIX locks do not conflict
    # within one process, so it must be another).
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(pc.BusyError, match="another writer holds it") as busy:
            store.add(pc.Organisation(name="Waiting", kind="ngo_cso"))
        assert isinstance(busy.value, pc.StorageError)
    finally:
        holder.communicate("\n")
    store.add(pc.Organisation(name="Waiting", kind="ngo_cso"))
    with pytest.raises(pc.ParseError, match="busy_timeout"):
        pc.Store(path, busy_timeout=-1)


WRITER = """
import sys, partnercrm as pc
store = pc.Store(sys.argv[1])
iom = store.find(pc.Organisation, "IOM")[0]
previous = None
for k in range(int(sys.argv[2])):
    donor = pc.Organisation(name=f"Linked donor {k}", kind="ngo_cso")
    gift = pc.Contribution(kind="cash", donor=donor.id, recipient=iom.id,
                           value={"basis": "actual", "amount": "100", "currency": "USD"}, date="2024")
    store.apply([donor, gift], previous or [])
    previous = [gift, donor]
"""


def test_reads_see_one_commit_while_another_process_writes(store: pc.Store, seed: pc.Dataset) -> None:
    import subprocess
    import sys

    writer = subprocess.Popen([sys.executable, "-c", WRITER, store.path, "400"])
    reads = invalid = 0
    try:
        while writer.poll() is None or reads < 50:
            data = store.dataset()
            if [p for p in data.validate() if p.severity == "error"]:
                invalid += 1
            store.table("contributions")
            store.rollup(["donor"])
            reads += 1
    finally:
        writer.wait()
    assert writer.returncode == 0
    assert invalid == 0, f"{invalid} of {reads} snapshots failed validation"


def test_store_files_are_private_and_only_partnercrm_stores_open(tmp_path: Path) -> None:
    import os
    import sqlite3

    with pytest.raises(pc.ParseError, match="empty path"):
        pc.Store("")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    with pytest.raises(pc.StorageError, match="not a partnercrm store"):
        pc.Store(other)
    ours = pc.Store(tmp_path / "ours.db")
    ours.backup(tmp_path / "copy.db")
    for name in ("ours.db", "ours.db-wal", "copy.db"):
        assert os.stat(tmp_path / name).st_mode & 0o777 == 0o600, name


def test_export_person_lists_mentions_and_erasure_removes_them(store: pc.Store) -> None:
    [jim] = store.find(pc.Person, "Jim Blackwell")
    note = pc.Note(kind="meeting", text="Lunch with JIM BLACKWELL about the campaign.")
    store.add(note)
    mentions = store.export_person(jim)["mentions"]
    assert {"kind": "note", "id": note.id} in [m["record"] for m in mentions]
    store.erase_person(jim)
    assert "blackwell" not in store.dataset().to_json().lower()
