"""Exporting contributions to polars, against polars reading the same rows from CSV.

    make bench-python                       # 1,000,000 contributions
    python python/benchmarks/export_polars.py 200000

Both sides end with a polars DataFrame of the same contributions; partnercrm
hands its Arrow table over without a Python object per row. The machine is
shared and noisy: read the ratio, not the seconds.
"""

import sys
import tempfile
import time
from pathlib import Path

import polars as pl

import partnercrm as pc


def best_of(runs: int, task: "callable[[], object]") -> float:  # type: ignore[valid-type]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        task()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    data = pc.Dataset.synthetic(size)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "contributions.csv"
        data.table("contributions").to_polars().write_csv(csv)

        ours = best_of(3, lambda: data.table("contributions").to_polars())
        peer = best_of(3, lambda: pl.read_csv(csv, try_parse_dates=True))
    print(f"export {size:,} contributions to a polars DataFrame (best of 3)")
    print(f"{'task':<44} {'seconds':>9}")
    print(f"{'partnercrm: Dataset.table(...).to_polars()':<44} {ours:>9.3f}")
    print(f"{'polars.read_csv of the same rows':<44} {peer:>9.3f}")
    print(f"ratio partnercrm / polars.read_csv: {ours / peer:.2f} (below 1.00 is faster)")


if __name__ == "__main__":
    main()
