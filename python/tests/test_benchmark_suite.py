"""The benchmark suite, run tiny, so that it cannot rot: every task runs,
every peer's answer is checked against partnercrm's, and the table and the
JSON come out whole."""

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SUITE = Path(__file__).resolve().parents[2] / "python" / "benchmarks" / "suite.py"


def load_suite() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_suite", SUITE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_task_runs_checked_and_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suite = load_suite()
    out = tmp_path / "bench.json"
    tasks = suite.main(["--size", "2000", "--repeat", "1", "--json", str(out)])

    names = [t.name for t in tasks]
    assert names == [
        "csv_import", "xlsx_import", "persist", "reopen_rollup", "reopen_lookup",
        "store_table", "store_write", "rollup_usd", "export_polars", "memory_store", "memory_generated",
    ]
    for task in tasks:
        assert len(task.entries) >= 2, task.name  # partnercrm and at least one peer
        assert all(len(e.samples) >= 1 and min(e.samples) >= 0 for e in task.entries), task.name
        assert task.check, task.name
    timed = [e for t in tasks if t.unit == "s" for e in t.entries]
    assert all(e.best > 0 for e in timed)

    table = capsys.readouterr().out
    assert "partnercrm benchmark suite: 2,000 contributions" in table
    assert "ratio = partnercrm / peer" in table
    for peer in ("polars.read_csv", "pandas.read_csv", "polars.read_excel", "pandas.read_excel", "duckdb read_csv", "sqlite3 executemany", "pyarrow"):
        assert peer in table

    written = json.loads(out.read_text())
    assert written["size"] == 2000
    assert [t["name"] for t in written["tasks"]] == names
    assert written["machine"]["nproc"]


def test_unknown_task_is_refused() -> None:
    suite = load_suite()
    with pytest.raises(SystemExit):
        suite.main(["--only", "nonsense"])


def test_the_postgresql_tasks_run_checked_and_reported(capsys: pytest.CaptureFixture[str]) -> None:
    import os

    if not os.environ.get("PARTNERCRM_TEST_POSTGRES"):
        if os.environ.get("CI") in ("true", "1"):
            pytest.fail("CI is set and PARTNERCRM_TEST_POSTGRES is not: the PostgreSQL tasks must run")
        pytest.skip("no PostgreSQL server: run `make test`, or set PARTNERCRM_TEST_POSTGRES")
    suite = load_suite()
    tasks = suite.main(["--only", "postgres", "--size", "500", "--repeat", "1"])
    assert [t.name for t in tasks] == ["pg_import", "pg_rollup", "pg_rollup_usd", "pg_writers"]
    for task in tasks:
        assert len(task.entries) >= 2 and task.check, task.name
    table = capsys.readouterr().out
    for peer in ("psycopg COPY", "partnercrm on SQLite", "hand SQL through psycopg"):
        assert peer in table
