"""partnercrm against its peers, on the same generated data, in one run.

    make bench                  # 1,000,000 contributions, release build
    make bench N=200000
    python python/benchmarks/suite.py --size 200000 --repeat 3 --json out.json

Every task runs partnercrm and each peer on the same rows, interleaved: each
repetition runs every contender once, in a rotating order, so that a burst of
load from another process on this shared machine falls on all of them alike.
A task reports the best of its repetitions (for memory: the smallest peak).
Where a peer computes the same answer as partnercrm, the suite asserts that
the answers agree (to the cent for money) and stops if they do not.

The ratio column is partnercrm / peer: above 1.00 partnercrm takes longer (or
uses more memory) than that peer, below 1.00 it is faster. Read the ratios,
not the seconds: the machine is shared and noisy.

The tasks (see BENCHMARKS.md for what each peer does and does not do):

- csv_import: import and validate a contributions CSV file (names resolved to
  ids, every rule checked) against polars, pandas and DuckDB reading it.
- xlsx_import: import and validate the first `--xlsx-rows` (100,000 by
  default) of those contributions from an .xlsx workbook (amounts as numbers,
  dates as dates, as Excel saves them), against polars.read_excel (calamine,
  through fastexcel) and pandas.read_excel (openpyxl) reading the sheet.
- persist: write every contribution to a new SQLite store file, against
  Python's sqlite3 `executemany` into an equivalent table, in one transaction.
- reopen_rollup / reopen_lookup: open the file written above from a fresh
  connection and answer a first query, against sqlite3 doing the same in SQL.
- store_table / store_write: on the store written above, one small table
  (the organisations) read beside a million contributions, and the median of
  one-record edits, each a durable commit, against sqlite3 reading the same
  rows and committing a one-row UPDATE.
- rollup_usd: total in USD by donor and year at monthly rates, against polars
  and DuckDB, all agreeing to the cent.
- export_polars: the contributions as a polars DataFrame, against DuckDB
  handing over the same rows held in its own table, and polars reading them
  from Parquet.
- memory: peak resident memory with the data loaded, each contender in a
  fresh process, against the same rows in pyarrow Tables.
- postgres (only with `--only postgres`, or `make bench-postgres`, which
  starts a throwaway server; `--postgres URL` or PARTNERCRM_TEST_POSTGRES
  names one whose user may create databases): pg_import, the contributions
  imported into a PostgreSQL store against psycopg COPY of the same rows into
  an equivalent table; pg_rollup and pg_rollup_usd, by donor and year per
  currency (PostgreSQL totals it itself) and in USD at monthly rates, on the
  PostgreSQL store against the same in an SQLite store and against hand-written
  SQL through psycopg; pg_writers, eight processes writing small batches at
  once, on PostgreSQL against SQLite.
- iati (only with `--only iati`, or `make bench-iati`): reading the shared
  IATI corpus (`../shared/iati/corpus/*.xml`) and a generated file of
  `--iati-activities` activities (100,000 by default; the corpus's own,
  repeated under distinct identifiers), alone and into a store, against
  lxml parsing each file and walking every activity and its transactions.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import statistics
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl
import psycopg

import partnercrm as pc

TASKS = ("csv_import", "xlsx_import", "persist", "reopen", "store_io", "rollup_usd", "export_polars", "memory")
# Tasks run only when named with --only: they read their own files, not the
# generated contributions.
OWN_DATA_TASKS = ("iati",)
# Tasks run only when named with --only: they need a PostgreSQL server.
SERVER_TASKS = ("postgres",)

# A contender: its label, and a function that prepares one repetition
# (untimed) and returns the work to time.
Prepare = Callable[[], Callable[[], object]]


@dataclass
class Entry:
    """One contender's measurements on one task."""

    name: str
    samples: list[float] = field(default_factory=list)
    detail: str = ""

    @property
    def best(self) -> float:
        return min(self.samples)


@dataclass
class Task:
    """One task: partnercrm (the first entry) and its peers."""

    name: str
    title: str
    unit: str
    entries: list[Entry]
    check: str = ""


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Collects before, and keeps the collector out of, a timed section."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def interleaved(repeat: int, contenders: Sequence[tuple[str, Prepare]]) -> tuple[list[Entry], dict[str, object]]:
    """Times every contender `repeat` times, rotating the order each round.

    Returns the entries and each contender's last result, for checking.
    """
    entries = {name: Entry(name) for name, _ in contenders}
    results: dict[str, object] = {}
    for round_ in range(repeat):
        shift = round_ % len(contenders)
        for name, prepare in [*contenders[shift:], *contenders[:shift]]:
            work = prepare()
            with quiet_gc():
                started = time.perf_counter()
                result = work()
                elapsed = time.perf_counter() - started
            entries[name].samples.append(elapsed)
            results[name] = result
    return [entries[name] for name, _ in contenders], results


# ---------------------------------------------------------------- the data


@dataclass
class Workload:
    """The generated data set and the files and frames every task reads."""

    size: int
    dir: Path
    data: pc.Dataset
    contributions: pl.DataFrame
    csv: Path
    csv_rows: int
    base: pc.Dataset
    batch: pc.Dataset
    sqlite_rows: list[tuple[Any, ...]]


def build_workload(size: int, directory: Path) -> Workload:
    """Generates the data and writes the shared input files (untimed)."""
    data = pc.Dataset.synthetic(size)
    contributions = data.table("contributions").to_polars()
    organisations = data.table("organisations").to_polars().select("id", "name")
    projects = data.table("projects").to_polars().select(pl.col("id").alias("project"), "title")

    # The CSV an analyst would import: names, not ids. Pledges are left out:
    # their payments have no column in a contributions file.
    gifts = (
        contributions.filter(pl.col("kind") != "pledge")
        .join(organisations.rename({"id": "donor", "name": "donor_name"}), on="donor")
        .join(organisations.rename({"id": "recipient", "name": "recipient_name"}), on="recipient")
        .join(projects, on="project", how="left")
        .select(
            pl.col("donor_name").alias("donor"),
            pl.col("recipient_name").alias("recipient"),
            "kind",
            pl.col("amount").cast(pl.String),
            "currency",
            pl.col("date").cast(pl.String).alias("received_on"),
            pl.col("title").alias("project"),
        )
    )
    csv = directory / "contributions.csv"
    gifts.write_csv(csv)

    base = pc.Dataset(*data.records(pc.Organisation), *data.records(pc.Project))
    batch = pc.Dataset(*data.records(pc.Contribution))
    return Workload(
        size=size,
        dir=directory,
        data=data,
        contributions=contributions,
        csv=csv,
        csv_rows=gifts.height,
        base=base,
        batch=batch,
        sqlite_rows=sqlite_rows(data, contributions),
    )


# The peer's table: partnercrm's contributions columns, with the same types
# (16-byte ids, amounts and dates as text, payments as JSON).
SQLITE_TABLE = """CREATE TABLE contributions (
    id BLOB NOT NULL UNIQUE, kind TEXT NOT NULL, donor BLOB NOT NULL, recipient BLOB NOT NULL,
    basis TEXT NOT NULL, amount TEXT, currency TEXT, date TEXT, period_start TEXT, period_end TEXT,
    project BLOB, agreement BLOB, description TEXT, payments TEXT, allocations TEXT)"""
SQLITE_INDEXES = [
    "CREATE INDEX contributions_by_donor ON contributions (donor)",
    "CREATE INDEX contributions_by_recipient ON contributions (recipient)",
    "CREATE INDEX contributions_by_project ON contributions (project)",
    "CREATE INDEX contributions_by_agreement ON contributions (agreement) WHERE agreement IS NOT NULL",
]


def sqlite_rows(data: pc.Dataset, contributions: pl.DataFrame) -> list[tuple[Any, ...]]:
    """The contributions as the tuples the sqlite3 peer inserts."""
    payments = data.table("payments").to_polars()
    by_contribution: dict[str, str] = {}
    for key, group in payments.group_by("contribution"):
        by_contribution[str(key[0])] = json.dumps(
            [
                {"date": d.isoformat(), "amount": {"amount": str(a), "currency": c}}
                for d, a, c in group.select("date", "amount", "currency").iter_rows()
            ]
        )

    def blob(name: str) -> pl.Expr:
        return pl.col(name).str.replace_all("-", "").str.decode("hex")

    frame = contributions.select(
        blob("id"),
        "kind",
        blob("donor"),
        blob("recipient"),
        "basis",
        pl.col("amount").cast(pl.String),
        "currency",
        pl.col("date").cast(pl.String),
        pl.col("period_start").cast(pl.String),
        pl.col("period_end").cast(pl.String),
        blob("project"),
        blob("agreement"),
        "description",
        pl.col("id").replace_strict(by_contribution, default=None, return_dtype=pl.String).alias("payments"),
        pl.lit(None, dtype=pl.String).alias("allocations"),
    )
    return frame.rows()


# ---------------------------------------------------------------- the tasks


def csv_import(w: Workload, repeat: int) -> Task:
    def ours() -> Callable[[], object]:
        # A fresh data set holding the organisations and projects the rows name.
        target = pc.Dataset(*w.base.records(pc.Organisation), *w.base.records(pc.Project))

        def work() -> object:
            target.import_csv(w.csv)
            return target

        return work

    path = str(w.csv)
    connection = duckdb.connect()
    entries, results = interleaved(
        repeat,
        [
            ("partnercrm", ours),
            ("polars.read_csv", lambda: lambda: pl.read_csv(path)),
            ("pandas.read_csv", lambda: lambda: pd.read_csv(path)),
            ("duckdb read_csv", lambda: lambda: connection.read_csv(path).to_arrow_table()),
        ],
    )
    imported = results["partnercrm"]
    assert isinstance(imported, pc.Dataset)
    table = imported.table("contributions").to_polars()
    assert table.height == w.csv_rows, (table.height, w.csv_rows)
    expected = w.contributions.filter(pl.col("kind") != "pledge")["amount"].sum()
    assert table["amount"].sum() == expected, "partnercrm imported other amounts than were written"
    polars_frame = results["polars.read_csv"]
    pandas_frame = results["pandas.read_csv"]
    duckdb_table = results["duckdb read_csv"]
    assert isinstance(polars_frame, pl.DataFrame) and isinstance(pandas_frame, pd.DataFrame)
    rows = {polars_frame.height, len(pandas_frame), duckdb_table.num_rows}  # type: ignore[attr-defined]
    assert rows == {w.csv_rows}, rows
    entries[0].detail = "parse, resolve names, validate"
    for entry in entries[1:]:
        entry.detail = "parse and type only"
    return Task(
        "csv_import",
        f"import + validate CSV ({w.csv_rows:,} rows)",
        "s",
        entries,
        check=f"every contender read {w.csv_rows:,} rows; partnercrm's amounts sum to the file's",
    )


def write_workbook(w: Workload, rows: int) -> tuple[Path, int]:
    """The first `rows` of the contributions CSV as a workbook, as Excel
    saves one: amounts as numbers, dates as dates (untimed)."""
    import openpyxl  # type: ignore[import-untyped]  # no stubs are installed

    frame = pl.read_csv(w.csv, infer_schema_length=0).head(rows)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("contributions")
    sheet.append(frame.columns)
    for donor, recipient, kind, amount, currency, received_on, project in frame.iter_rows():
        day = datetime.date.fromisoformat(received_on) if received_on and len(received_on) == 10 else received_on
        sheet.append([donor, recipient, kind, float(amount) if amount else None, currency, day, project])
    path = w.dir / "contributions.xlsx"
    book.save(path)
    return path, frame.height


def xlsx_import(w: Workload, repeat: int, rows: int) -> Task:
    path, height = write_workbook(w, rows)

    def ours() -> Callable[[], object]:
        target = pc.Dataset(*w.base.records(pc.Organisation), *w.base.records(pc.Project))

        def work() -> object:
            target.import_excel(path)
            return target

        return work

    entries, results = interleaved(
        repeat,
        [
            ("partnercrm", ours),
            ("polars.read_excel", lambda: lambda: pl.read_excel(path)),
            ("pandas.read_excel", lambda: lambda: pd.read_excel(path)),
        ],
    )
    imported = results["partnercrm"]
    assert isinstance(imported, pc.Dataset)
    table = imported.table("contributions").to_polars()
    assert table.height == height, (table.height, height)
    expected = pl.read_csv(w.csv, infer_schema_length=0).head(rows)["amount"].cast(pl.Decimal(38, 4)).sum()
    assert table["amount"].sum() == expected, "partnercrm imported other amounts than the workbook holds"
    polars_frame = results["polars.read_excel"]
    pandas_frame = results["pandas.read_excel"]
    assert isinstance(polars_frame, pl.DataFrame) and isinstance(pandas_frame, pd.DataFrame)
    assert {polars_frame.height, len(pandas_frame)} == {height}
    entries[0].detail = "read the sheet, resolve names, validate"
    for entry in entries[1:]:
        entry.detail = "read and type only"
    return Task(
        "xlsx_import",
        f"import + validate .xlsx ({height:,} rows)",
        "s",
        entries,
        check=f"every contender read {height:,} rows; partnercrm's amounts sum to the workbook's",
    )


def persist(w: Workload, repeat: int) -> Task:
    n = len(w.batch)
    counter = iter(range(1_000_000))

    def fresh(prefix: str) -> Path:
        path = w.dir / f"{prefix}-{next(counter)}.db"
        for old in w.dir.glob(f"{prefix}-*.db*"):
            old.unlink()
        return path

    def ours() -> Callable[[], object]:
        store = pc.Store(fresh("partnercrm"))
        store.import_dataset(w.base, actor="bench")  # what the rows refer to, untimed

        def work() -> object:
            applied = store.import_dataset(w.batch, actor="bench")
            return applied["inserted"]

        return work

    def sqlite3_peer(indexes: bool) -> Prepare:
        def prepare() -> Callable[[], object]:
            conn = sqlite3.connect(fresh("sqlite3_indexed" if indexes else "sqlite3_bare"))
            conn.execute("PRAGMA journal_mode = WAL")  # as partnercrm's store
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute(SQLITE_TABLE)

            def work() -> object:
                # One transaction: the module opens it before the INSERT and
                # (since Python 3.6) does not commit before DDL.
                cursor = conn.executemany(
                    "INSERT INTO contributions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", w.sqlite_rows
                )
                if indexes:
                    for sql in SQLITE_INDEXES:
                        conn.execute(sql)
                conn.commit()
                return cursor.rowcount

            return work

        return prepare

    entries, results = interleaved(
        repeat,
        [
            ("partnercrm", ours),
            ("sqlite3 executemany", sqlite3_peer(False)),
            ("sqlite3 executemany + indexes", sqlite3_peer(True)),
        ],
    )
    assert results["partnercrm"] == n, results
    assert results["sqlite3 executemany"] == n, results
    entries[0].detail = "validate, insert, 4 indexes, FK checks, revision"
    entries[1].detail = "insert only"
    entries[2].detail = "insert, then the same 4 indexes"
    return Task("persist", f"persist {n:,} contributions to SQLite", "s", entries, check=f"each wrote {n:,} rows")


def latest(w: Workload, prefix: str) -> Path:
    return max(w.dir.glob(f"{prefix}-*.db"), key=lambda p: p.stat().st_mtime)


def reopen(w: Workload, repeat: int) -> list[Task]:
    ours_path, peer_path = latest(w, "partnercrm"), latest(w, "sqlite3_indexed")
    per_currency = """
        SELECT donor, CAST(substr(coalesce(date, period_start), 1, 4) AS INTEGER) AS year, currency,
               sum(CAST(round(CAST(amount AS REAL) * 1000) AS INTEGER)) AS millis
        FROM contributions WHERE amount IS NOT NULL GROUP BY 1, 2, 3"""

    def ours_rollup() -> object:
        return pc.Store(ours_path).rollup(["donor", "year"])

    def peer_rollup() -> object:
        conn = sqlite3.connect(peer_path)
        try:
            return conn.execute(per_currency).fetchall()
        finally:
            conn.close()

    rollup_entries, results = interleaved(
        repeat, [("partnercrm", lambda: ours_rollup), ("sqlite3 SQL group by", lambda: peer_rollup)]
    )
    table = results["partnercrm"]
    assert isinstance(table, pc.Table)
    frame = table.to_polars().filter(pl.col("currency").is_not_null())
    ours = {
        (d, y, c): Decimal(t)
        for d, y, c, t in frame.select("donor", "year", "currency", "committed").iter_rows()
    }
    rows = results["sqlite3 SQL group by"]
    assert isinstance(rows, list)
    theirs = {(str(uuid.UUID(bytes=d)), y, c): Decimal(m) / 1000 for d, y, c, m in rows}
    assert ours == theirs, "partnercrm's reopened rollup disagrees with sqlite3's"
    rollup_entries[0].detail = "open, read all records, roll up"
    rollup_entries[1].detail = "open, one SQL aggregate"

    probe = w.contributions["id"][len(w.contributions) // 2]
    probe_bytes = uuid.UUID(probe).bytes

    def ours_lookup() -> object:
        found = pc.Store(ours_path).get(pc.Contribution, probe)
        return None if found is None else found.value

    def peer_lookup() -> object:
        conn = sqlite3.connect(peer_path)
        try:
            return conn.execute("SELECT amount, currency FROM contributions WHERE id = ?", (probe_bytes,)).fetchone()
        finally:
            conn.close()

    lookup_entries, found = interleaved(
        max(repeat, 5), [("partnercrm", lambda: ours_lookup), ("sqlite3 SELECT by id", lambda: peer_lookup)]
    )
    value, row = found["partnercrm"], found["sqlite3 SELECT by id"]
    assert isinstance(value, pc.Money) and isinstance(row, tuple)
    assert (value.amount, value.currency) == (Decimal(row[0]), row[1]), (value, row)
    lookup_entries[0].detail = "open (schema check, pragmas), get by id"
    lookup_entries[1].detail = "connect, SELECT by id"
    return [
        Task(
            "reopen_rollup",
            "reopen store + first rollup (donor, year)",
            "s",
            rollup_entries,
            check=f"{len(ours):,} totals per donor, year and currency agree exactly",
        ),
        Task("reopen_lookup", "reopen store + get one contribution", "s", lookup_entries, check="same amount and currency"),
    ]


WRITES_PER_ROUND = 25


def store_io(w: Workload, repeat: int) -> list[Task]:
    ours_path = latest(w, "partnercrm")
    store = pc.Store(ours_path)
    organisations = len(store.all(pc.Organisation))

    def ours_table() -> object:
        return len(store.table("organisations"))

    def peer_table() -> object:
        conn = sqlite3.connect(ours_path)
        try:
            return len(conn.execute("SELECT id, natural_key, label, doc FROM organisations").fetchall())
        finally:
            conn.close()

    table_entries, counted = interleaved(
        max(repeat, 5), [("partnercrm", lambda: ours_table), ("sqlite3 SELECT *", lambda: peer_table)]
    )
    assert counted["partnercrm"] == counted["sqlite3 SELECT *"] == organisations, counted
    table_entries[0].detail = "Store.table: one snapshot, that kind only, to Arrow"
    table_entries[1].detail = "the same rows as Python tuples"

    # One-record edits, each a durable commit. A sample is the median of one
    # round's writes (what an editing user waits), rounds rotating the order.
    target = store.all(pc.Organisation)[0]
    peer = sqlite3.connect(ours_path.with_name("sqlite3-write.db"), isolation_level=None)
    peer.execute("PRAGMA journal_mode = WAL")
    peer.execute("PRAGMA synchronous = FULL")
    peer.execute("CREATE TABLE IF NOT EXISTS organisations (id BLOB PRIMARY KEY, doc TEXT)")
    peer.execute("INSERT OR REPLACE INTO organisations VALUES (?, ?)", (b"0" * 16, "{}"))

    def ours_write(k: int) -> None:
        assert store.add(target.replace(description=f"edit {k}"))["updated"] == 1

    def peer_write(k: int) -> None:
        peer.execute("BEGIN IMMEDIATE")
        peer.execute("UPDATE organisations SET doc = ? WHERE id = ?", (f'{{"edit": {k}}}', b"0" * 16))
        peer.execute("COMMIT")

    writers = [("partnercrm", ours_write), ("sqlite3 UPDATE + COMMIT", peer_write)]
    write_entries = {name: Entry(name) for name, _ in writers}
    k = 0
    for round_ in range(repeat):
        shift = round_ % len(writers)
        for name, write in [*writers[shift:], *writers[:shift]]:
            times = []
            with quiet_gc():
                for _ in range(WRITES_PER_ROUND):
                    k += 1
                    started = time.perf_counter()
                    write(k)
                    times.append(time.perf_counter() - started)
            write_entries[name].samples.append(statistics.median(times))
    peer.close()
    edits = len(store.history(target))
    assert edits >= repeat * WRITES_PER_ROUND, "every edit was recorded"
    entries = [write_entries[name] for name, _ in writers]
    entries[0].detail = "validate with context, history, revision, durable commit"
    entries[1].detail = "one-row UPDATE, durable commit"
    return [
        Task(
            "store_table",
            f"Store.table(organisations), {len(w.batch):,} contribs",
            "s",
            table_entries,
            check=f"each read {organisations:,} rows",
        ),
        Task(
            "store_write",
            f"one-record edit (median of {WRITES_PER_ROUND})",
            "s",
            entries,
            check="every edit is in the record's history",
        ),
    ]


RATE_BASES = {"EUR": "1.1", "GBP": "1.3", "CHF": "1.05", "JPY": "0.0091", "CAD": "0.75",
              "SEK": "0.1", "NOK": "0.1", "AUD": "0.7", "KWD": "3.25"}


def monthly_rates() -> tuple[pc.RateTable, pl.DataFrame]:
    """One rate per currency and month, 1999 to 2027, for every engine."""
    rows: list[tuple[str, datetime.date, Decimal]] = []
    for code, base in RATE_BASES.items():
        for year in range(1999, 2028):
            for month in range(1, 13):
                rate = Decimal(base) + Decimal((year * 12 + month) % 17) / 1000
                rows.append((code, datetime.date(year, month, 1), rate))
    text = "currency,date,rate\n" + "".join(f"{c},{d:%Y-%m},{r}\n" for c, d, r in rows)
    table = pc.RateTable.from_csv("synthetic monthly", "USD", text)
    frame = pl.DataFrame(
        rows, schema={"currency": pl.String, "month": pl.Date, "rate": pl.Decimal(18, 6)}, orient="row"
    )
    return table, frame


def rollup_usd(w: Workload, repeat: int) -> Task:
    rates, rate_frame = monthly_rates()
    # Converted at the rate of the contribution's month, rounded to the cent
    # half away from zero (partnercrm's documented rule), then summed.
    value = w.contributions.filter(pl.col("amount").is_not_null()).select(
        "donor", "currency", "amount", pl.coalesce("date", "period_start").alias("day")
    )

    def with_polars() -> object:
        return (
            value.with_columns(pl.col("day").dt.truncate("1mo").alias("month"))
            .join(rate_frame, on=["currency", "month"], how="left")
            .with_columns(
                pl.when(pl.col("currency") == "USD")
                .then(pl.col("amount"))
                .otherwise((pl.col("amount") * pl.col("rate")).round(2, mode="half_away_from_zero"))
                .alias("usd"),
                pl.col("day").dt.year().alias("year"),
            )
            .group_by("donor", "year")
            .agg(pl.col("usd").sum())
        )

    connection = duckdb.connect()
    connection.register("value_table", value.to_arrow())
    connection.register("rates", rate_frame.to_arrow())

    def with_duckdb() -> object:
        return connection.sql(
            """select v.donor, year(v.day) as year,
                      sum(case when v.currency = 'USD' then v.amount
                               else round(v.amount * r.rate, 2) end) as usd
               from value_table v left join rates r
                 on r.currency = v.currency and r.month = date_trunc('month', v.day)
               group by all"""
        ).to_arrow_table()

    entries, results = interleaved(
        repeat,
        [
            ("partnercrm", lambda: lambda: w.data.rollup(["donor", "year"], rates=rates)),
            ("polars", lambda: with_polars),
            ("duckdb", lambda: with_duckdb),
        ],
    )
    table = results["partnercrm"]
    assert isinstance(table, pc.Table)
    frame = table.to_polars().filter(pl.col("currency").is_not_null())
    totals = {
        "partnercrm": dict(zip(zip(frame["donor"], frame["year"]), frame["committed"])),
        "polars": _totals(results["polars"]),
        "duckdb": _totals(pl.from_arrow(results["duckdb"])),
    }
    for name in ("polars", "duckdb"):
        assert totals[name] == totals["partnercrm"], f"{name} disagrees with partnercrm"
    total = sum(totals["partnercrm"].values(), Decimal(0))
    return Task(
        "rollup_usd",
        "rollup USD by donor, year at monthly rates",
        "s",
        entries,
        check=f"{len(totals['partnercrm']):,} totals agree to the cent (USD {total:,})",
    )


def _totals(frame: object) -> dict[tuple[str, int], Decimal]:
    assert isinstance(frame, pl.DataFrame)
    return {(d, y): Decimal(u) for d, y, u in frame.select("donor", "year", "usd").iter_rows()}


def export_polars(w: Workload, repeat: int) -> Task:
    # The peers hold the same rows in their own form and hand them to polars:
    # DuckDB from a native table (an engine's store, as partnercrm's data set
    # is), polars from its own columnar file. Parsing CSV text, which
    # partnercrm does not do here, would flatter partnercrm.
    parquet = w.dir / "contributions.parquet"
    w.contributions.write_parquet(parquet)
    connection = duckdb.connect()
    connection.register("source", w.contributions.to_arrow())
    connection.execute("create table contributions as select * from source")
    connection.unregister("source")

    entries, results = interleaved(
        repeat,
        [
            ("partnercrm", lambda: lambda: w.data.table("contributions").to_polars()),
            ("duckdb table .pl()", lambda: lambda: connection.table("contributions").pl()),
            ("polars.read_parquet", lambda: lambda: pl.read_parquet(parquet)),
        ],
    )
    frames = [results[e.name] for e in entries]
    ids = None
    for entry, frame in zip(entries, frames):
        assert isinstance(frame, pl.DataFrame)
        assert frame.height == w.size, (entry.name, frame.height)
        assert frame["amount"].sum() == w.contributions["amount"].sum(), entry.name
        these = frame["id"].cast(pl.String).sort()
        if ids is None:
            ids = these
        assert these.equals(ids), entry.name
    entries[0].detail = "Rust records to Arrow columns, zero-copy to polars"
    entries[1].detail = "columnar table to Arrow to polars"
    entries[2].detail = "Parquet file (page cache) to polars"
    return Task(
        "export_polars",
        "export contributions to polars",
        "s",
        entries,
        check=f"same {w.size:,} ids and the same total amount",
    )


# ---------------------------------------------------------------- IATI

REPO = Path(__file__).resolve().parents[2]
IATI_CORPUS = REPO.parent / "shared" / "iati" / "corpus"


# ---------------------------------------------------------------- PostgreSQL


def with_database(url: str, database: str, user: str | None = None) -> str:
    """`url` naming another database (and, if given, user, password its name)."""
    scheme, rest = url.split("://", 1)
    rest, _, query = rest.partition("?")
    authority = rest.split("/", 1)[0]
    if user is not None:
        authority = f"{user}:{user}@" + authority.rsplit("@", 1)[-1]
    return f"{scheme}://{authority}/{database}" + (f"?{query}" if query else "")


class Databases:
    """Fresh databases on the benchmark's server, each owned by a role of its
    own (an ordinary role, so that partnercrm's row security applies as it
    does for its users), all dropped at the end."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.made: list[str] = []

    def fresh(self) -> str:
        name = f"pcrm_bench_{os.getpid()}_{len(self.made)}"
        with psycopg.connect(self.server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"DROP ROLE IF EXISTS {name}")
            admin.execute(f"CREATE ROLE {name} LOGIN CREATEROLE PASSWORD '{name}'")
            admin.execute(f"CREATE DATABASE {name} OWNER {name}")
        self.made.append(name)
        return with_database(self.server, name, name)

    def drop(self) -> None:
        with psycopg.connect(self.server, autocommit=True) as admin:
            for name in self.made:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.execute(f"DROP ROLE IF EXISTS {name}")


# The peer's table: partnercrm's PostgreSQL contributions columns and types.
PG_TABLE = """CREATE TABLE contributions (
    id uuid PRIMARY KEY, kind text NOT NULL, donor uuid NOT NULL, recipient uuid NOT NULL,
    basis text NOT NULL, amount numeric, currency text, date text, period_start text, period_end text,
    project uuid, agreement uuid, description text, payments jsonb, allocations jsonb)"""
PG_INDEXES = [
    "CREATE INDEX contributions_by_donor ON contributions (donor)",
    "CREATE INDEX contributions_by_recipient ON contributions (recipient)",
    "CREATE INDEX contributions_by_project ON contributions (project) WHERE project IS NOT NULL",
    "CREATE INDEX contributions_by_agreement ON contributions (agreement) WHERE agreement IS NOT NULL",
]


def pg_rows(w: Workload) -> list[tuple[Any, ...]]:
    """The contributions as the tuples psycopg copies in."""

    def as_uuid(value: object) -> uuid.UUID | None:
        return uuid.UUID(bytes=value) if isinstance(value, bytes) else None

    rows = []
    for row in w.sqlite_rows:
        (id_, kind, donor, recipient, basis, amount, currency, date, start, end, project, agreement,
         description, payments, allocations) = row
        rows.append((
            as_uuid(id_), kind, as_uuid(donor), as_uuid(recipient), basis,
            Decimal(amount) if amount is not None else None, currency, date, start, end,
            as_uuid(project), as_uuid(agreement), description, payments, allocations,
        ))
    return rows


def pg_import(w: Workload, repeat: int, dbs: Databases) -> Task:
    n = len(w.batch)
    rows = pg_rows(w)

    def ours() -> Callable[[], object]:
        store = pc.Store(dbs.fresh())
        store.import_dataset(w.base, actor="bench")  # what the rows refer to, untimed

        def work() -> object:
            return store.import_dataset(w.batch, actor="bench")["inserted"]

        return work

    def copy_peer(indexes: bool) -> Prepare:
        def prepare() -> Callable[[], object]:
            connection = psycopg.connect(dbs.fresh())
            connection.execute(PG_TABLE)
            connection.commit()

            def work() -> object:
                with connection.cursor() as cursor:
                    with cursor.copy(
                        "COPY contributions (id, kind, donor, recipient, basis, amount, currency, date,"
                        " period_start, period_end, project, agreement, description, payments, allocations)"
                        " FROM STDIN"
                    ) as copy:
                        for row in rows:
                            copy.write_row(row)
                    if indexes:
                        for sql in PG_INDEXES:
                            cursor.execute(sql)
                    count = cursor.execute("SELECT count(*) FROM contributions").fetchone()
                connection.commit()
                connection.close()
                return count[0] if count else 0

            return work

        return prepare

    entries, results = interleaved(
        repeat,
        [("partnercrm", ours), ("psycopg COPY", copy_peer(False)), ("psycopg COPY + indexes", copy_peer(True))],
    )
    assert results["partnercrm"] == results["psycopg COPY"] == results["psycopg COPY + indexes"] == n, results
    entries[0].detail = "validate, COPY into a session table, INSERT under row security, 4 indexes, FKs, revision"
    return Task("pg_import", f"import {n:,} contributions to PostgreSQL", "s", entries, check=f"each wrote {n:,} rows")


def pg_rollups(w: Workload, repeat: int, dbs: Databases) -> list[Task]:
    rates, rate_frame = monthly_rates()
    url = dbs.fresh()
    postgres_store = pc.Store(url)
    postgres_store.import_dataset(w.data, actor="bench")
    sqlite_store = pc.Store(w.dir / "pg-rollup-peer.db")
    sqlite_store.import_dataset(w.data, actor="bench")
    connection = psycopg.connect(url)
    connection.execute("CREATE TEMP TABLE rates (currency text, month date, rate numeric)")
    with connection.cursor().copy("COPY rates FROM STDIN") as copy:
        for row in rate_frame.iter_rows():
            copy.write_row(row)
    connection.commit()

    def hand_currency() -> object:
        return connection.execute(
            """SELECT donor::text, left(coalesce(date, period_start), 4)::int AS year, currency, sum(amount)
               FROM partnercrm.contributions WHERE amount IS NOT NULL GROUP BY 1, 2, 3"""
        ).fetchall()

    def hand_usd() -> object:
        return connection.execute(
            """SELECT c.donor::text, left(coalesce(c.date, c.period_start), 4)::int AS year,
                      sum(CASE WHEN c.currency = 'USD' THEN c.amount ELSE round(c.amount * r.rate, 2) END)
               FROM partnercrm.contributions c
               LEFT JOIN rates r ON r.currency = c.currency
                AND r.month = date_trunc('month', (CASE length(coalesce(c.date, c.period_start))
                        WHEN 4 THEN coalesce(c.date, c.period_start) || '-01-01'
                        WHEN 7 THEN coalesce(c.date, c.period_start) || '-01'
                        ELSE coalesce(c.date, c.period_start) END)::date)
               WHERE c.amount IS NOT NULL AND coalesce(c.date, c.period_start) IS NOT NULL GROUP BY 1, 2"""
        ).fetchall()

    def ours(store: pc.Store, **kwargs: Any) -> Prepare:
        return lambda: lambda: store.rollup(["donor", "year"], **kwargs)

    def committed(table: object, currency: bool) -> dict[tuple[Any, ...], Decimal]:
        assert isinstance(table, pc.Table)
        frame = table.to_polars().filter(pl.col("currency").is_not_null())
        keys = ("donor", "year", "currency") if currency else ("donor", "year")
        return {tuple(r[:-1]): Decimal(r[-1]) for r in frame.select(*keys, "committed").iter_rows()}

    tasks = []
    for name, title, kwargs, hand in (
        ("pg_rollup", "PostgreSQL rollup by donor, year", {}, hand_currency),
        ("pg_rollup_usd", "PostgreSQL rollup USD, monthly rates", {"rates": rates}, hand_usd),
    ):
        entries, results = interleaved(
            repeat,
            [
                ("partnercrm", ours(postgres_store, **kwargs)),
                ("partnercrm on SQLite", ours(sqlite_store, **kwargs)),
                ("hand SQL through psycopg", lambda hand=hand: hand),  # type: ignore[misc]
            ],
        )
        by_currency = name == "pg_rollup"
        totals = committed(results["partnercrm"], by_currency)
        assert committed(results["partnercrm on SQLite"], by_currency) == totals, f"{name}: SQLite disagrees"
        hand_rows = results["hand SQL through psycopg"]
        assert isinstance(hand_rows, list)
        assert {tuple(r[:-1]): Decimal(r[-1]) for r in hand_rows} == totals, f"{name}: the hand SQL disagrees"
        entries[0].detail = "PostgreSQL totals it" if by_currency else "reads contributions, converts in Rust"
        total = sum(totals.values(), Decimal(0))
        tasks.append(Task(name, title, "s", entries,
                          check=f"{len(totals):,} totals agree exactly ({total:,})"))
    connection.close()
    return tasks


WRITER = """
import sys, time, pathlib
import partnercrm as pc
location, tag, count, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), pathlib.Path(sys.argv[4])
store = pc.Store(location, busy_timeout=600)
iom = store.find(pc.Organisation, "IOM")[0] if store.find(pc.Organisation, "IOM") else None
print("READY", flush=True)
while not start.exists():
    time.sleep(0.001)
began = time.time()
for k in range(count):
    donor = pc.Organisation(name=f"{tag} donor {k}", kind="foundation")
    gift = pc.Contribution(kind="cash", donor=donor, recipient=iom, date="2024",
                           value={"basis": "actual", "amount": "10.00", "currency": "USD"})
    store.add(donor, gift, actor=tag)
print(f"DONE {began} {time.time()}", flush=True)
"""

WRITERS = 8


def concurrent_writes(location: str, count: int, start: Path) -> float:
    """Seconds from the first writer's start to the last one's end."""
    children = [
        subprocess.Popen([sys.executable, "-c", WRITER, location, f"Writer {i}", str(count), str(start)],
                         stdout=subprocess.PIPE, text=True)
        for i in range(WRITERS)
    ]
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "READY"
    start.write_text("")
    spans = []
    for child in children:
        out, _ = child.communicate()
        assert child.returncode == 0, "a writer failed"
        _, began, ended = out.split()
        spans.append((float(began), float(ended)))
    start.unlink()
    return max(e for _, e in spans) - min(b for b, _ in spans)


def pg_writers(w: Workload, repeat: int, dbs: Databases) -> Task:
    count = 50
    seed = pc.Dataset(*[o for o in w.data.records(pc.Organisation) if o.name == "IOM"][:1])
    if not seed.records(pc.Organisation):
        seed = pc.Dataset(pc.Organisation(name="IOM", kind="un_agency"))
    stores: dict[str, str] = {}
    counter = iter(range(1_000_000))

    def writes(kind: str) -> Prepare:
        def prepare() -> Callable[[], object]:
            location = dbs.fresh() if kind == "postgres" else str(w.dir / f"writers-{next(counter)}.db")
            pc.Store(location).import_dataset(seed, actor="bench")
            stores[kind] = location
            start = w.dir / f"start-{kind}"
            return lambda: concurrent_writes(location, count, start)

        return prepare

    entries, _ = interleaved(repeat, [("partnercrm on PostgreSQL", writes("postgres")), ("partnercrm on SQLite", writes("sqlite"))])
    written = {kind: len(pc.Store(location).all(pc.Contribution)) for kind, location in stores.items()}
    assert written == {"postgres": WRITERS * count, "sqlite": WRITERS * count}, written
    for entry in entries:
        entry.detail = f"{WRITERS} processes x {count} batches of an organisation and a gift"
    return Task("pg_writers", f"{WRITERS} writer processes, {WRITERS * count} batches", "s", entries,
                check=f"each store holds all {WRITERS * count} batches")


def postgres_tasks(w: Workload, repeat: int, server: str) -> list[Task]:
    dbs = Databases(server)
    try:
        return [pg_import(w, repeat, dbs), *pg_rollups(w, repeat, dbs), pg_writers(w, repeat, dbs)]
    finally:
        dbs.drop()


def corpus_activities() -> list[str]:
    """The corpus's activities as text, file by file, in document order."""
    import re

    found: list[str] = []
    for path in sorted(IATI_CORPUS.glob("*.xml")):
        text = path.read_text(encoding="utf-8")
        found += re.findall(r"<iati-activity[\s>].*?</iati-activity>", text, re.S)
    return found


def generate_iati(path: Path, activities: int) -> int:
    """Writes an iati-activities file of `activities` real corpus activities,
    repeated with a suffix on each repeat's identifier so that every one is
    distinct; returns its size in bytes.

    The activities kept are the corpus's up to 8 kB, and those with results
    up to 12 kB (798 of 1,300, from all 13 publishers, 5 kB on average: with
    participating organisations, transactions, budgets, results and document
    links), so that 100,000 of them stay under the reader's 512 MiB limit."""
    pool = [
        a for a in corpus_activities()
        if len(a.encode()) <= 8000 or ("<result" in a and len(a.encode()) <= 12000)
    ]
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                  '<iati-activities version="2.03" generated-datetime="2021-06-15T00:00:00Z">\n')
        for i in range(activities):
            activity, repeat = pool[i % len(pool)], i // len(pool)
            if repeat:
                activity = activity.replace("</iati-identifier>", f"-r{repeat}</iati-identifier>", 1)
            out.write(activity)
            out.write("\n")
        out.write("</iati-activities>\n")
    return path.stat().st_size


def lxml_walk(paths: Sequence[Path]) -> tuple[int, int]:
    """lxml's equivalent of what the reader extracts: parse each file, then
    every activity's default currency and, of each transaction, its type,
    value, currency, date and provider and receiver refs. Returns the
    activities and transactions seen."""
    from lxml import etree  # type: ignore[import-untyped]  # lxml ships no types

    activities = transactions = 0
    for path in paths:
        root = etree.parse(str(path)).getroot()
        for activity in root.iterfind("iati-activity"):
            activities += 1
            default = activity.get("default-currency")
            for t in activity.iterfind("transaction"):
                kind, value = t.find("transaction-type"), t.find("value")
                date, provider, receiver = t.find("transaction-date"), t.find("provider-org"), t.find("receiver-org")
                _ = (
                    None if kind is None else kind.get("code"),
                    None if value is None else (value.text, value.get("currency") or default, value.get("value-date")),
                    None if date is None else date.get("iso-date"),
                    None if provider is None else provider.get("ref"),
                    None if receiver is None else receiver.get("ref"),
                )
                transactions += 1
    return activities, transactions


def iati(directory: Path, repeat: int, generated_activities: int) -> list[Task]:
    corpus = sorted(IATI_CORPUS.glob("*.xml"))
    generated = directory / f"generated-{generated_activities}.xml"
    generated_bytes = generate_iati(generated, generated_activities)
    counter = iter(range(1_000_000))
    tasks = []
    for name, label, paths, size in [
        ("corpus", f"IATI corpus, {len(corpus)} files", corpus, sum(p.stat().st_size for p in corpus)),
        ("generated", f"IATI {generated_activities:,} activities", [generated], generated_bytes),
    ]:
        def read() -> object:
            return sum(len(pc.Dataset.read_iati(path)[0].records(pc.Project)) for path in paths)

        def into_store() -> Callable[[], object]:
            store = pc.Store(directory / f"iati-{next(counter)}.db")

            def work() -> object:
                return sum(store.import_iati(path)["inserted"] for path in paths)

            return work

        entries, results = interleaved(
            repeat,
            [
                ("partnercrm", lambda: read),
                ("lxml parse + walk", lambda: lambda: lxml_walk(paths)),
                ("partnercrm into a store", into_store),
            ],
        )
        for old in directory.glob("iati-*.db*"):
            old.unlink()
        walked = results["lxml parse + walk"]
        assert isinstance(walked, tuple)
        activities, transactions = walked
        assert results["partnercrm"] == activities, (results["partnercrm"], activities)
        ours, peer, stored = entries
        mb = size / 1e6
        check = (
            f"{activities:,} activities, {transactions:,} transactions, {mb:,.1f} MB; each read every activity: "
            f"partnercrm {mb / ours.best:,.0f} MB/s, lxml {mb / peer.best:,.0f} MB/s"
        )
        ours.detail = "Dataset.read_iati: every record, warning and XPath"
        peer.detail = "etree.parse, then every activity's transactions"
        tasks.append(Task(f"iati_{name}_read", f"{label}: read", "s", [ours, peer], check=check))
        # The same lxml samples: it has no store to write to.
        stored.name = "partnercrm"
        stored.detail = "Store.import_iati: read, validate, write"
        tasks.append(
            Task(
                f"iati_{name}_import",
                f"{label}: into a store",
                "s",
                [stored, peer],
                check=f"the store took every activity ({results['partnercrm into a store']:,} records inserted)",
            )
        )
    return tasks


# ---------------------------------------------------------------- memory


def _rss_kib() -> tuple[int, int]:
    """(peak, current) resident memory of this process image, in KiB.

    The peak is VmHWM, the high-water mark of this image's memory. It is what
    `getrusage(RUSAGE_SELF).ru_maxrss` reports in a process started from a
    small parent, but ru_maxrss survives exec: a probe started by the suite
    (gigabytes resident) would inherit the suite's peak and measure nothing.
    """
    fields: dict[str, int] = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                fields[name] = int(value.split()[0])
    if "VmHWM" not in fields:  # not Linux: fall back to the rusage peak
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak, peak
    return fields["VmHWM"], fields["VmRSS"]


def memory_probe(kind: str, size: int, directory: Path) -> None:
    """Runs in a fresh process: loads the data one way, prints the memory used."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # pyarrow ships no types

    gc.collect()
    base_peak, base_current = _rss_kib()
    loaded: object
    if kind == "synthetic":
        loaded = pc.Dataset.synthetic(size)
        rows = len(loaded.table("contributions"))
    elif kind == "store":
        loaded = pc.Store(next(directory.glob("partnercrm-*.db"))).dataset()
        rows = len(loaded.table("contributions"))
    elif kind == "pyarrow":
        loaded = [pq.read_table(directory / f"{name}.parquet") for name in ("contributions", "organisations", "projects")]
        rows = loaded[0].num_rows
    else:
        raise SystemExit(f"unknown memory probe {kind!r}")
    gc.collect()
    peak, current = _rss_kib()
    print(json.dumps({"rows": rows, "peak_kib": peak - base_peak, "current_kib": current - base_current}))
    del loaded


def memory(w: Workload, repeat: int) -> list[Task]:
    for name in ("organisations", "projects"):
        w.data.table(name).to_polars().write_parquet(w.dir / f"{name}.parquet")
    w.contributions.write_parquet(w.dir / "contributions.parquet")
    probes = ["store", "synthetic", "pyarrow"]
    labels = {
        "store": "partnercrm Store.dataset()",
        "synthetic": "partnercrm Dataset.synthetic()",
        "pyarrow": "pyarrow Tables (Parquet)",
    }
    entries = {kind: Entry(labels[kind]) for kind in probes}
    current: dict[str, list[float]] = {kind: [] for kind in probes}
    for round_ in range(repeat):
        shift = round_ % len(probes)
        for kind in [*probes[shift:], *probes[:shift]]:
            out = subprocess.run(
                [sys.executable, __file__, "--memory-probe", kind, "--size", str(w.size), "--dir", str(w.dir)],
                check=True,
                capture_output=True,
                text=True,
            )
            report = json.loads(out.stdout.strip().splitlines()[-1])
            assert report["rows"] == w.size, (kind, report)
            entries[kind].samples.append(report["peak_kib"] / 1024)
            current[kind].append(report["current_kib"] / 1024)
    for kind, entry in entries.items():
        entry.detail = f"resident after loading: {min(current[kind]):,.0f} MB"
    check = f"each held {w.size:,} contributions plus organisations and projects"
    return [
        Task("memory_store", "peak memory: store loaded (fresh process)", "MB",
             [entries["store"], entries["pyarrow"]], check=check),
        Task("memory_generated", "peak memory: data set generated", "MB",
             [entries["synthetic"], entries["pyarrow"]], check=check),
    ]


# ---------------------------------------------------------------- report


def machine() -> dict[str, str]:
    cpu = "unknown"
    memory_kib = 0
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
        with open("/proc/meminfo", encoding="utf-8") as info:
            memory_kib = int(next(line.split()[1] for line in info if line.startswith("MemTotal")))
    except (OSError, StopIteration):
        pass
    try:
        rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rustc = "unknown"
    import pyarrow

    return {
        "date": datetime.date.today().isoformat(),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": f"{memory_kib / 1024 / 1024:.0f} GiB",
        "os": platform.platform(),
        "rustc": rustc,
        "python": platform.python_version(),
        "partnercrm": pc.__version__,
        "polars": pl.__version__,
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
        "sqlite": sqlite3.sqlite_version,
    }


def render(size: int, repeat: int, tasks: Sequence[Task], info: dict[str, str], what: str = "") -> str:
    lines = [
        f"partnercrm benchmark suite: {what or f'{size:,} contributions'}, best of {repeat}, contenders interleaved",
        "  " + ", ".join(f"{k} {v}" for k, v in info.items()),
        "",
        f"{'task':<44} {'partnercrm':>11}  {'peer':<30} {'peer':>10} {'ratio':>7}",
    ]
    for task in tasks:
        ours, *peers = task.entries

        def fmt(value: float, unit: str = task.unit) -> str:
            if unit == "MB":
                return f"{value:,.1f} MB"
            # Sub-second tasks in milliseconds, so a one-record write shows its digits.
            return f"{value * 1000:.2f} ms" if value < 1 else f"{value:.3f} s"

        for i, peer in enumerate(peers):
            head = f"{task.title:<44} {fmt(ours.best):>11}" if i == 0 else f"{'':<44} {'':>11}"
            ratio = f"{ours.best / peer.best:>6.2f}x" if peer.best > 0 else "    n/a"
            lines.append(f"{head}  {peer.name:<30} {fmt(peer.best):>10} {ratio}")
        lines.append(f"{'':<44} {'':>11}  check: {task.check}")
    lines += [
        "",
        "ratio = partnercrm / peer: above 1.00x partnercrm is slower (or uses more memory), below 1.00x faster.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> list[Task]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000, help="contributions to generate (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each measurement (default 3)")
    parser.add_argument("--json", type=Path, help="also write every sample and the machine to this file")
    parser.add_argument(
        "--only",
        default=",".join(TASKS),
        help=f"comma-separated subset of {', '.join(TASKS + OWN_DATA_TASKS + SERVER_TASKS)} "
        f"(default: all but {', '.join(OWN_DATA_TASKS + SERVER_TASKS)})",
    )
    parser.add_argument(
        "--iati-activities", type=int, default=100_000, help="activities of the generated IATI file (default 100,000)"
    )
    parser.add_argument(
        "--xlsx-rows", type=int, default=100_000, help="rows of the generated workbook (default 100,000)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("PARTNERCRM_TEST_POSTGRES", ""),
        help="the PostgreSQL server of the postgres tasks (default $PARTNERCRM_TEST_POSTGRES)",
    )
    parser.add_argument("--memory-probe", help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_probe:
        memory_probe(args.memory_probe, args.size, args.dir)
        return []
    only = [t.strip() for t in args.only.split(",") if t.strip()]
    known = TASKS + OWN_DATA_TASKS + SERVER_TASKS
    unknown = set(only) - set(known)
    if unknown:
        parser.error(f"unknown tasks {sorted(unknown)}; choose from {', '.join(known)}")
    if "reopen" in only or "memory" in only or "store_io" in only:
        only = sorted(set(only) | {"persist"}, key=known.index)  # they read the files it writes
    if args.repeat < 1 or args.size < 1 or args.iati_activities < 1:
        parser.error("--size, --repeat and --iati-activities must be at least 1")

    info = machine()
    tasks: list[Task] = []
    with tempfile.TemporaryDirectory(prefix="partnercrm-bench-") as tmp:
        # The generated contributions, only for the tasks that read them.
        w = build_workload(args.size, Path(tmp)) if set(only) - set(OWN_DATA_TASKS) else None
        for name in only:
            started = time.perf_counter()
            if name == "iati":
                tasks.extend(iati(Path(tmp), args.repeat, args.iati_activities))
            elif w is None:
                raise AssertionError(f"{name} needs the generated contributions")
            elif name == "csv_import":
                tasks.append(csv_import(w, args.repeat))
            elif name == "xlsx_import":
                tasks.append(xlsx_import(w, args.repeat, args.xlsx_rows))
            elif name == "persist":
                tasks.append(persist(w, args.repeat))
            elif name == "reopen":
                tasks.extend(reopen(w, args.repeat))
            elif name == "store_io":
                tasks.extend(store_io(w, args.repeat))
            elif name == "rollup_usd":
                tasks.append(rollup_usd(w, args.repeat))
            elif name == "export_polars":
                tasks.append(export_polars(w, args.repeat))
            elif name == "memory":
                tasks.extend(memory(w, args.repeat))
            elif name == "postgres":
                if not args.postgres:
                    parser.error("the postgres tasks need a server: --postgres URL or PARTNERCRM_TEST_POSTGRES")
                tasks.extend(postgres_tasks(w, args.repeat, args.postgres))
            print(f"  {name}: done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    what = "" if w is not None else f"IATI files ({args.iati_activities:,} generated activities)"
    print(render(args.size, args.repeat, tasks, info, what))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"size": args.size, "repeat": args.repeat, "machine": info, "tasks": [asdict(t) for t in tasks]},
                indent=2,
            )
        )
    return tasks


if __name__ == "__main__":
    main()
