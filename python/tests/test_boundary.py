"""What crosses from Python into partnercrm is refused as a `PartnerCrmError` or a clear
`TypeError`: never a crash, never a builtin error that says nothing of partnercrm."""

import datetime
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import partnercrm as pc

DAY = datetime.date(2008, 1, 1)


def nested(depth: int, kind: type = list) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value] if kind is list else {"k": value}
    return value


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """Runs code in a fresh interpreter, so that a crash fails this test instead of the whole run."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("kind", ["list", "dict"])
@pytest.mark.parametrize("field", ["aliases", "identifiers"])
def test_deep_nesting_is_a_parse_error_not_a_crash(kind: str, field: str) -> None:
    done = run_python(f"""
        import partnercrm as pc
        value = "x"
        for _ in range(20_000):
            value = [value] if {kind!r} == "list" else {{"k": value}}
        try:
            pc.Organisation(name="x", kind="ngo_cso", {field}=value)
        except pc.ParseError as error:
            print("ParseError:", error)
    """)
    assert done.returncode == 0, f"the interpreter died ({done.returncode}): {done.stderr[-2000:]}"
    assert "ParseError:" in done.stdout and "nested 128 levels deep" in done.stdout, done.stdout


def test_nesting_limit_is_the_documents() -> None:
    # As deep as a JSON document may nest is fine (it is then refused by the record's shape).
    with pytest.raises(pc.ParseError, match="invalid type"):
        pc.Organisation(name="x", kind="ngo_cso", aliases=nested(127))
    with pytest.raises(pc.ParseError, match=r"Organisation\.identifiers: nested 128 levels deep"):
        pc.Organisation(name="x", kind="ngo_cso", identifiers=nested(128, dict))


def test_a_list_holding_itself_is_a_parse_error() -> None:
    looped: list[object] = []
    looped.append(looped)
    with pytest.raises(pc.ParseError, match="nested 128 levels deep"):
        pc.Organisation(name="x", kind="ngo_cso", aliases=looped)


SURROGATE = "\udc80"


def test_lone_surrogates_are_parse_errors(seed: pc.Dataset) -> None:
    store = pc.Store.in_memory()
    org = pc.Organisation(name="x", kind="ngo_cso")
    calls: dict[str, Any] = {
        "record field": lambda: pc.Organisation(name=SURROGATE, kind="ngo_cso"),
        "nested field": lambda: pc.Organisation(name="x", kind="ngo_cso", aliases=["a", SURROGATE]),
        "dict key": lambda: pc.Organisation(name="x", kind="ngo_cso", identifiers=[{SURROGATE: "1"}]),
        "keyword name": lambda: pc.Organisation(name="x", kind="ngo_cso", **{SURROGATE: "1"}),
        "find": lambda: store.find(pc.Organisation, SURROGATE),
        "actor": lambda: store.add(org, actor=SURROGATE),
        "summary": lambda: store.add(org, summary=SURROGATE),
        "get id": lambda: store.get(pc.Organisation, SURROGATE),
        "table": lambda: seed.table(SURROGATE),
        "rollup": lambda: seed.rollup([SURROGATE]),
        "from_json": lambda: pc.Dataset.from_json(SURROGATE),
        "rate currency": lambda: pc.RateTable("x", SURROGATE),
        "as_of": lambda: store.dataset(as_of=SURROGATE),
        "date": lambda: seed.agreements_active(SURROGATE),
        "mapping": lambda: store.import_csv("missing.csv", mapping={SURROGATE: "donor"}),
        "problem": lambda: pc.Problem(SURROGATE, [], "c", "m", "error"),
    }
    for what, call in calls.items():
        with pytest.raises(pc.ParseError, match="surrogate") as info:
            call()
        assert "\\udc80" in str(info.value), what


def test_as_of_takes_a_datetime(store: pc.Store) -> None:
    for wrong in (5, DAY, b"2020"):
        with pytest.raises(TypeError, match=r"as_of takes a datetime.datetime or an ISO 8601 string, not"):
            store.dataset(as_of=wrong)  # type: ignore[arg-type]
    assert len(store.dataset(as_of=datetime.datetime.now())) > 0


def test_negative_sizes_and_days_are_refused(seed: pc.Dataset) -> None:
    with pytest.raises(pc.ParseError, match="contributions must be 0 or more, not -1"):
        pc.Dataset.synthetic(-1)
    with pytest.raises(pc.ParseError, match="days must be 0 or more, not -5"):
        seed.agreements_expiring(DAY, -5)
    with pytest.raises(pc.ParseError, match="seed must be 0 or more"):
        pc.Dataset.synthetic(1, seed=-1)


def test_sizes_beyond_the_limits_are_refused(seed: pc.Dataset) -> None:
    with pytest.raises(pc.PartnerCrmError, match="synthetic data set exceeds the limit of 100000000 contributions"):
        pc.Dataset.synthetic(2**70)
    with pytest.raises(pc.PartnerCrmError, match="synthetic data set exceeds the limit"):
        pc.Dataset.synthetic(10**9)
    # Days past the end of the calendar mean "whenever it ends".
    assert seed.agreements_expiring(DAY, 2**70).num_rows == seed.agreements_expiring(DAY, 2**32 - 1).num_rows
    with pytest.raises(TypeError, match="days takes an int"):
        seed.agreements_expiring(DAY, 1.5)  # type: ignore[arg-type]


def test_a_revision_out_of_range_is_no_such_revision(store: pc.Store) -> None:
    # As for any number that names no merge (the store's answer for 99999).
    for revision in (2**70, -(2**70), 2**63):
        with pytest.raises(pc.ConflictError, match=f"revision {revision} is not a merge: there is no such revision"):
            store.undo_merge(revision)
    with pytest.raises(pc.ConflictError, match="revision 99999 is not a merge"):
        store.undo_merge(99_999)
    with pytest.raises(TypeError, match="revision takes an int"):
        store.undo_merge("1")  # type: ignore[arg-type]


def test_rollup_takes_one_dimension_or_a_list(seed: pc.Dataset, store: pc.Store) -> None:
    assert seed.rollup("donor").column_names == seed.rollup(["donor"]).column_names
    assert store.rollup("year").num_rows == store.rollup(["year"]).num_rows
    for wrong in (5, [5], {"donor": 1}):
        with pytest.raises(TypeError, match="group_by takes a dimension name or a list of them"):
            seed.rollup(wrong)  # type: ignore[arg-type]
    with pytest.raises(pc.ParseError, match="dimension"):
        seed.rollup("colour")  # type: ignore[arg-type]


@pytest.mark.parametrize("rate", [-1, 0, Decimal("-0.5"), "0.000"])
def test_rates_must_be_positive_however_they_arrive(rate: object) -> None:
    table = pc.RateTable("t", "USD")
    with pytest.raises(pc.ParseError, match="is not positive"):
        table.add("EUR", "2008", rate)  # type: ignore[arg-type]
    with pytest.raises(pc.ParseError, match="is not positive"):
        pc.RateTable.from_csv("t", "USD", f"currency,date,rate\nEUR,2008,{rate}\n")
    table.add("EUR", "2008", Decimal("0.0001"))


def test_a_problem_has_a_known_severity() -> None:
    with pytest.raises(pc.ParseError, match="severity"):
        pc.Problem("p", [], "c", "m", "fatal")  # type: ignore[arg-type]
    with pytest.raises(pc.ParseError, match="index"):
        pc.Problem("p", [-1], "c", "m", "error")
    assert pc.Problem("p", ["p", 0], "c", "m", "warning").severity == "warning"


def test_only_decimals_come_back_as_decimals(seed: pc.Dataset) -> None:
    # Before: any "value" was made a Decimal, so an identifier's getter raised decimal.InvalidOperation.
    iom = seed.records(pc.Organisation)[0]
    assert iom.identifiers and all(isinstance(i.value, str) for i in iom.identifiers)
    kept = pc.Organisation(name="x", kind="ngo_cso", identifiers=[{"scheme": {"other": "GB-COH"}, "value": "01234567"}])
    assert kept.identifiers[0] == pc.Identifier({"other": "GB-COH"}, "01234567")
    assert kept.to_dict()["identifiers"][0]["value"] == "01234567"
    observed = [i for i in seed.records(pc.Indicator) if i.targets or i.actuals]
    assert observed
    for indicator in observed:
        for observation in [*indicator.targets, *indicator.actuals, *([indicator.baseline] if indicator.baseline else [])]:
            assert isinstance(observation.value, Decimal)
        assert all(isinstance(t["value"], Decimal) for t in indicator.to_dict().get("targets", []))
    gift = seed.records(pc.Contribution)[0]
    assert gift.value is not None and isinstance(gift.value.amount, Decimal)


def test_a_busy_timeout_sqlite_cannot_hold_is_refused() -> None:
    # Before: rusqlite panicked ("too big") past i32 milliseconds.
    for seconds in (1e10, 2_147_484.0, float("inf"), -1.0):
        with pytest.raises(pc.ParseError, match="busy_timeout must be a number of seconds from 0 to 2147483.647"):
            pc.Store(":memory:", busy_timeout=seconds)
    assert pc.Store(":memory:", busy_timeout=2_147_483.0).path == ":memory:"
    with pytest.raises(pc.ParseError, match="expected a number, got nan"):
        pc.Store(":memory:", busy_timeout=float("nan"))


def test_numbers_no_float_holds_are_parse_errors(seed: pc.Dataset) -> None:
    # Before: Decimal("sNaN") raised ValueError, and nan matched nothing, silently.
    for wrong in (Decimal("sNaN"), 10**400, float("nan")):
        with pytest.raises(pc.ParseError):
            seed.duplicates(wrong)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected a number, got str"):
        seed.duplicates("0.5")  # type: ignore[arg-type]
    assert seed.duplicates(Decimal("0.9")).num_rows == seed.duplicates(0.9).num_rows


def test_a_path_no_file_name_can_hold_is_a_parse_error(seed: pc.Dataset, tmp_path: Path) -> None:
    # Before: UnicodeEncodeError. "\udc80" is an undecodable byte, a file name like any other.
    for call in (lambda p: seed.write_json(p), lambda p: pc.Dataset.read_json(p), lambda p: pc.Store(p)):
        with pytest.raises(pc.ParseError, match="lone surrogate"):
            call(str(tmp_path / "x\ud800y"))
    seed.write_json(str(tmp_path / "x\udc80y.json"))
    assert pc.Dataset.read_json(str(tmp_path / "x\udc80y.json")) == seed


def test_lists_of_records_are_lists(seed: pc.Dataset, store: pc.Store) -> None:
    # Before: "Can't extract `str` to `Vec`".
    with pytest.raises(TypeError, match="projects takes a list or tuple, not str"):
        seed.to_iati(projects="Praesidium")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="takes a list or tuple, not str"):
        store.apply(upserts="x")  # type: ignore[arg-type]


def test_a_record_class_is_asked_for_by_name(store: pc.Store) -> None:
    # Before: "'int' object is not an instance of 'type'".
    with pytest.raises(TypeError, match="kind takes a record class such as partnercrm.Organisation, not int"):
        store.all(5)  # type: ignore[type-var]
    with pytest.raises(pc.ParseError, match="int is not a record class"):
        store.all(int)  # type: ignore[type-var]


def test_adding_to_a_dataset_is_all_or_nothing() -> None:
    # Before: the records before the bad one were added, then it raised.
    data = pc.Dataset()
    with pytest.raises(pc.ParseError, match="expected a record"):
        data.add(pc.Organisation(name="x", kind="ngo_cso"), "not a record")  # type: ignore[arg-type]
    assert len(data) == 0
