"""Every public call, with random and hostile arguments: only `PartnerCrmError`s or clear
`TypeError`s come out. Never a crash, a `PanicException`, an `InternalError` (a bug), or
another kind of exception.

The calls are found by introspection (`public_api.calls()`): every constructor, method,
classmethod and property of the classes in `partnercrm.__all__`, and its functions. Each
argument is either one the call accepts (`public_api.VALID`) or a hostile value.
"""

from __future__ import annotations

import datetime
import io
import math
import os
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import partnercrm as pc
from public_api import VALUE_CLASSES, Call, Env, calls


def _deep(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


_looped: list[object] = []
_looped.append(_looped)

HOSTILE_VALUES: list[object] = [
    None, True, False, 0, -1, -(2**31), 2**31, 2**32, -(2**63) - 1, 2**63, 2**64, 2**70, -(10**30), 10**30,
    0.0, -0.0, 1.5, -1.5, float("nan"), float("inf"), float("-inf"), 1e308,
    "", " ", "\udc80", "x\ud800y", "\x00", "a" * 5_000, "ünïcödé", "2007-02-30", "9999-12-31", "0000",
    "=cmd|'/c calc'!A1", "../../etc/passwd", "{}", "[]", "null", '{"format": "partnercrm/1"}', "<x/>",
    b"", b"bytes", bytearray(b"x"), memoryview(b"x"),
    [], [None], [[]], ["\udc80"], [1.5], (1, 2), {}, {"a": 1}, {1: 2}, {"amount": float("nan")}, {"\udc80": 1},
    _deep(200), _looped, set(), frozenset({1}), range(3),
    object(), type, len, Ellipsis, NotImplemented,
    datetime.datetime(1, 1, 1), datetime.datetime(9999, 12, 31, 23, 59, 59),
    datetime.datetime(2008, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=14))),
    datetime.date(1, 1, 1), datetime.date(9999, 12, 31), datetime.time(12), datetime.timedelta(days=-1),
    Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-1"), Decimal("0"), Decimal("1e-30"),
    Decimal("1e30"), Decimal("79228162514264337593543950336"), uuid.UUID(int=0), uuid.uuid4(),
    pc.Organisation(name="Fuzz", kind="other"), pc.Dataset(), pc.RateTable("r", "EUR"),
    pc.Problem("p", [], "c", "m", "error"), pc.Store.in_memory(), pc.Organisation, pc.Table,
]

HOSTILE_PATHS: list[object] = [
    "", ".", "..", "/", "no/such/dir/file", "\x00", "a\x00b", "\udc80", "x\ud800y", "x" * 5_000, "-", "~",
    b"bytes-path", Path("no") / "such" / "file",
]

hostile = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.integers(min_value=-(2**66), max_value=2**66),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.binary(max_size=10),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=8)), max_size=4),
    st.dictionaries(st.text(max_size=8), st.one_of(st.none(), st.integers(), st.text(max_size=8)), max_size=3),
    st.datetimes(),
    st.dates(),
    st.decimals(),
)

# Parameters a plain hostile int would make slow rather than wrong: a synthetic data set
# of 50 million contributions is valid, and takes minutes.
SIZED = {"contributions"}
sized = st.one_of(
    st.integers(min_value=-(2**70), max_value=300),
    st.integers(min_value=100_000_001, max_value=2**70),
    st.sampled_from([x for x in HOSTILE_VALUES if not isinstance(x, int)]),
)

# A TypeError is clear when it says what was expected (ours: "takes", "expected";
# pyo3's and Python's own wording for a wrong type or a wrong call).
CLEAR_TYPE_ERROR = re.compile(
    r"expected|takes|must be|is not an instance of|cannot be interpreted as an integer"
    r"|argument|object cannot be converted|should be|missing|unexpected keyword"
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("fuzz")
    # Hostile paths are relative: whatever they create stays in here.
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp)
        yield Env(tmp)


def argument(env: Env, call: Call, name: str, valid: object) -> st.SearchStrategy[object]:
    if name in SIZED:
        base = sized
    elif name == "path" or name == "stream":
        base = st.one_of(st.sampled_from(HOSTILE_PATHS), hostile)
    else:
        base = hostile
    return st.one_of(st.just(valid), base)


def examples(env: Env, call: Call) -> st.SearchStrategy[tuple[list[Any], dict[str, Any]]]:
    args, kwargs = env.valid(call)
    varargs = next((p for p in call.params if p.kind is p.VAR_POSITIONAL), None)
    fields = next((p for p in call.params if p.kind is p.VAR_KEYWORD), None)
    named = [p for p in call.params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    @st.composite
    def draw(draw: st.DrawFn) -> tuple[list[Any], dict[str, Any]]:
        drawn_args: list[Any] = []
        if varargs is not None:
            drawn_args = draw(st.lists(st.one_of(st.sampled_from(args or [None]), hostile), max_size=4))
        drawn: dict[str, Any] = {}
        for p in named:
            if p.default is not p.empty and draw(st.booleans()):
                continue  # left to its default
            drawn[p.name] = draw(argument(env, call, p.name, kwargs[p.name]))
        if fields is not None:
            for key, value in kwargs.items():
                if key in drawn or not draw(st.booleans()):
                    continue
                drawn[key] = draw(st.one_of(st.just(value), hostile))
            drawn.update(draw(st.dictionaries(st.sampled_from(["nmae", "\udc80", "id", "kind", ""]), hostile, max_size=2)))
        return drawn_args, drawn

    return draw()


def check(call: Call, error: BaseException) -> None:
    """Fails unless `error` is one a caller can expect."""
    where = f"{call.id} raised {type(error).__module__}.{type(error).__name__}: {str(error)[:300]!r}"
    if isinstance(error, pc.InternalError):
        pytest.fail(f"a bug: {where}")
    if isinstance(error, pc.PartnerCrmError):
        return
    if type(error) is TypeError:
        if not CLEAR_TYPE_ERROR.search(str(error)):
            pytest.fail(f"an unclear TypeError: {where}")
        return
    pytest.fail(where)


# The value classes are plain frozen dataclasses: what they hold is checked when a
# record takes them (test_values.py fuzzes that), so Python's own TypeErrors stand here.
CALLS = [c for c in calls() if c.owner not in VALUE_CLASSES]


def budget(call: Call) -> int:
    if not call.params:
        return 3  # properties and calls without arguments: only the receiver varies
    return int(os.environ.get("FUZZ_EXAMPLES", "100"))


@pytest.mark.parametrize("call", CALLS, ids=lambda c: c.id)
def test_hostile_arguments(call: Call, env: Env) -> None:
    @settings(
        max_examples=budget(call), deadline=None, database=None, derandomize=not os.environ.get("FUZZ_EXAMPLES"),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(example=examples(env, call))
    def run(example: tuple[list[Any], dict[str, Any]]) -> None:
        args, kwargs = example
        try:
            env.invoke(call, args, kwargs)
        except BaseException as error:  # noqa: BLE001 - checking what comes out is the test
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            check(call, error)

    run()


def test_every_call_is_fuzzed() -> None:
    assert len(CALLS) > 200
    assert not math.isnan(0.0) and os.getcwd()  # the module's own imports are used


def test_python_helpers_refuse_wrong_types() -> None:
    # Before: AttributeError and ValueError from deep inside.
    with pytest.raises(TypeError, match="to_networkx takes a partnercrm.Dataset, not NoneType"):
        pc.to_networkx(None)  # type: ignore[arg-type]
    from partnercrm.progress import Lines

    with pytest.raises(TypeError, match="stream takes a text stream"):
        Lines(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="takes a partnercrm.progress.Step, not str"):
        Lines(io.StringIO())("7")  # type: ignore[arg-type]
