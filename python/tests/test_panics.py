"""A panic in Rust is a bug, and it reaches Python as `InternalError` (a `PartnerCrmError`)
naming where it happened: never as pyo3's `PanicException`, which `except Exception`
does not catch."""

import subprocess
import sys
from pathlib import Path

import pytest

import partnercrm as pc
from partnercrm import _partnercrm
from public_api import Call, Env, calls


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    return Env(tmp_path_factory.mktemp("panics"))


def test_a_panic_is_an_internal_error_saying_where() -> None:
    with pytest.raises(pc.InternalError) as info:
        _partnercrm._panic_for_tests()  # type: ignore[attr-defined]
    message = str(info.value)
    assert isinstance(info.value, pc.PartnerCrmError)
    assert message.startswith("internal error: a panic asked for by _panic_for_tests() at ")
    assert "crates/partnercrm-py/src/guard.rs:" in message
    assert "this is a bug in partnercrm" in message and "please report it" in message


def test_after_a_panic_the_store_still_works(env: Env) -> None:
    _partnercrm._panic_for_tests(next_call=True)  # type: ignore[attr-defined]
    with pytest.raises(pc.InternalError):
        env.store.revisions()
    assert env.store.revisions()
    assert env.store.find(pc.Organisation, "IOM")


def test_a_panic_prints_nothing_of_its_own() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from partnercrm import _partnercrm as m\ntry: m._panic_for_tests()\nexcept Exception: pass"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0
    assert "panicked" not in done.stderr, done.stderr


BINDING_CALLS = [c for c in calls() if not c.python_only]


@pytest.mark.parametrize("call", BINDING_CALLS, ids=lambda c: c.id)
def test_every_public_call_is_guarded(call: Call, env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Arms the next guarded call to panic, then makes this one: it must be that call."""
    monkeypatch.chdir(tmp_path)
    args, kwargs = env.valid(call)
    receiver = env.receiver(call) if call.kind in ("method", "property") else None
    _partnercrm._panic_for_tests(next_call=True)  # type: ignore[attr-defined]
    try:
        if receiver is not None:
            env.invoke_on(receiver, call, args, kwargs)
        else:
            env.invoke(call, args, kwargs)
    except pc.InternalError:
        return
    finally:
        # Disarm, whatever happened: an armed panic left over would hit the next test.
        with pytest.raises(pc.InternalError):
            _partnercrm._panic_for_tests()  # type: ignore[attr-defined]
    pytest.fail(f"{call.id} does not go through guard::guard")


def test_the_catalogue_covers_the_api() -> None:
    ids = {c.id for c in calls()}
    assert {"Store.undo_merge", "Dataset.rollup", "Organisation.aliases", "Table.__arrow_c_stream__",
            "Problem.severity", "RateTable.add", "to_networkx", "Dataset.__eq__"} <= ids
    assert len(BINDING_CALLS) > 200
