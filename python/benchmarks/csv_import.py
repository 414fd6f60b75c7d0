"""Importing and validating 1,000,000 contributions from CSV.

partnercrm reads the documented columns, resolves every donor and recipient
by name and every project by title, validates the whole data set, and keeps
it all or nothing. In the same run polars, pandas and DuckDB read the same
file, validating nothing. The machine is shared and noisy: read the ratios.

    make bench-python
    python python/benchmarks/csv_import.py 200000
"""

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl

import partnercrm as pc


def best_of(runs: int, task: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        task()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    data = pc.Dataset.synthetic(size)
    orgs = data.table("organisations").to_polars().select("id", "name")
    projects = data.table("projects").to_polars().select(pl.col("id").alias("project"), pl.col("title"))
    gifts = (
        data.table("contributions").to_polars()
        .filter(pl.col("kind") != "pledge")  # pledges carry payments, which CSV rows do not
        .join(orgs.rename({"id": "donor", "name": "donor_name"}), on="donor")
        .join(orgs.rename({"id": "recipient", "name": "recipient_name"}), on="recipient")
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
    base = pc.Dataset(*data.records(pc.Organisation), *data.records(pc.Project))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contributions.csv"
        gifts.write_csv(path)
        rows = gifts.height

        # Empty data sets holding the referenced records, made untimed.
        targets = [pc.Dataset(*base.records(pc.Organisation), *base.records(pc.Project)) for _ in range(3)]

        def ours() -> None:
            targets.pop().import_csv(path)

        timings = {
            "partnercrm (parse, resolve, validate)": best_of(3, ours),
            "polars.read_csv": best_of(3, lambda: pl.read_csv(path)),
            "pandas.read_csv": best_of(3, lambda: pd.read_csv(path)),
            "duckdb read_csv": best_of(3, lambda: duckdb.sql(f"select * from read_csv('{path}')").arrow()),
        }
    ours_time = timings["partnercrm (parse, resolve, validate)"]
    print(f"import {rows:,} contributions from CSV (best of 3)")
    print(f"{'task':<40} {'seconds':>9} {'partnercrm / task':>18}")
    for name, seconds in timings.items():
        print(f"{name:<40} {seconds:>9.3f} {ours_time / seconds:>18.2f}")
    print("(a ratio below 1.00 means partnercrm is faster)")


if __name__ == "__main__":
    main()
