"""What crosses from Python into partnercrm is refused as a `PartnerCrmError` or a clear
`TypeError`: never a crash, never a builtin error that says nothing of partnercrm."""

import datetime
import subprocess
import sys
import textwrap

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


def test_as_of_takes_a_datetime(store: pc.Store) -> None:
    for wrong in (5, DAY, b"2020"):
        with pytest.raises(TypeError, match=r"as_of takes a datetime.datetime or an ISO 8601 string, not"):
            store.dataset(as_of=wrong)  # type: ignore[arg-type]
    assert len(store.dataset(as_of=datetime.datetime.now())) > 0
