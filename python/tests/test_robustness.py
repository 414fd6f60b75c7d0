"""No input, however malformed, reaches the user as a crash or PanicException."""

import random
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

import partnercrm as pc

JUNK: list[object] = [
    None, 0, -1, 2**80, 1.5, float("nan"), "", "x" * 10_000, "\x00", "2007-02-30", "ünïcödé",
    [], [None], {}, {"basis": "actual"}, {"amount": "1", "currency": "ZZZ"}, Decimal("NaN"),
    object(), b"bytes", (1, 2), {"a": {"b": [1.0]}},
]
CLASSES = [pc.Organisation, pc.Person, pc.Agreement, pc.Contribution, pc.Project, pc.Indicator, pc.Group, pc.Note]


def test_junk_arguments_raise_partnercrm_errors_only() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        cls = rng.choice(CLASSES)
        fields = rng.sample(cls.fields, k=rng.randint(0, len(cls.fields)))
        kwargs = {f: rng.choice(JUNK) for f in fields}
        try:
            cls(**kwargs)
        except pc.PartnerCrmError:
            pass


def test_junk_documents_raise_parse_errors() -> None:
    rng = random.Random(11)
    alphabet = '{}[]":,0123456789abcdefnulltrue partnercrm/1 format'
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        try:
            pc.Dataset.from_json(text)
        except pc.PartnerCrmError:
            pass


def test_wrong_types_for_methods_are_clear() -> None:
    store = pc.Store.in_memory()
    with pytest.raises(pc.ParseError):
        store.get(int, "x")  # type: ignore[type-var]
    with pytest.raises(pc.ParseError):
        store.get(pc.Organisation, "not-a-uuid")
    with pytest.raises(pc.ParseError):
        store.all(pc.Organisation, as_of="yesterday")
    with pytest.raises(pc.ParseError):
        store.add("not a record")  # type: ignore[arg-type]


def test_long_calls_release_the_gil() -> None:
    ticks = 0
    done = threading.Event()

    def work() -> None:
        pc.Dataset.synthetic(400_000).table("contributions")
        done.set()

    thread = threading.Thread(target=work)
    started = time.perf_counter()
    thread.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    thread.join()
    # Had the GIL been held, this loop could not have run while Rust worked.
    assert ticks > 10, f"main thread ran {ticks} times in {time.perf_counter() - started:.2f}s"


def test_files_with_a_byte_order_mark_read_and_latin1_is_a_located_parse_error(tmp_path: Path) -> None:
    marked = tmp_path / "marked.json"
    marked.write_bytes(
        b"\xef\xbb\xbf"
        + '{"format": "partnercrm/1", "organisations": [{"id": "0190a5d8-0000-7000-8000-000000000001", '
        '"name": "Café", "kind": "ngo_cso"}]}'.encode()
    )
    assert [o.name for o in pc.Dataset.read_json(marked).records(pc.Organisation)] == ["Café"]
    store = pc.Store.in_memory()
    store.import_json(marked)
    assert [o.name for o in store.all(pc.Organisation)] == ["Café"]

    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("name,kind\nCafé,foundation\n".encode("latin-1"))
    # Malformed input, not a storage failure: where it stops being UTF-8, and what to do.
    with pytest.raises(pc.ParseError, match=r"latin1\.csv as text at line 2, column 4: byte 0xE9 is not UTF-8") as error:
        store.import_csv(latin1, kind="organisations")
    assert not isinstance(error.value, pc.StorageError)
    assert "save the file as UTF-8" in str(error.value)
    latin1_json = tmp_path / "latin1.json"
    latin1_json.write_bytes('{"format": "partnercrm/1", "title": "Café"}'.encode("latin-1"))
    with pytest.raises(pc.ParseError, match=r"at line 1, column 41: byte 0xE9"):
        pc.Dataset.read_json(latin1_json)
    assert [o.name for o in store.all(pc.Organisation)] == ["Café"]


def test_totals_beyond_exact_arithmetic_raise_amount_overflow_error() -> None:
    store = pc.Store.in_memory()
    donor = pc.Organisation(name="Big Donor", kind="government")
    iom = pc.Organisation(name="International Organization for Migration", kind="igo")
    huge = {"basis": "actual", "amount": Decimal("5E+28"), "currency": "USD"}
    gifts = [
        pc.Contribution(kind="cash", donor=donor, recipient=iom, date=year, value=huge)
        for year in ("2010", "2011")
    ]
    store.add(donor, iom, *gifts, actor="test")  # each amount is valid
    assert issubclass(pc.AmountOverflowError, pc.PartnerCrmError)
    assert issubclass(pc.AmountOverflowError, Exception)
    with pytest.raises(pc.AmountOverflowError, match="cannot be computed exactly") as caught:
        store.rollup(["donor"])
    assert sorted(caught.value.records) == sorted(("contribution", str(g.id)) for g in gifts)
    with pytest.raises(pc.AmountOverflowError):
        store.dataset().report()
