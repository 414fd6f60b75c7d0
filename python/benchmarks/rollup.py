"""The rollup "total in USD by donor and year, converted at monthly rates".

partnercrm, polars and DuckDB each compute it on the same 1,000,000 generated
contributions and the same monthly rate table, in one run. The totals must
agree to the cent; the script stops if they do not. Each contribution is
converted at the rate of its month and rounded to the cent, half away from
zero (partnercrm's documented rule), then summed.

    make bench-python
    python python/benchmarks/rollup.py 200000

The machine is shared and noisy: read the ratios, not the seconds.
"""

import datetime
import sys
import time
from collections.abc import Callable
from decimal import Decimal

import duckdb
import polars as pl

import partnercrm as pc

BASES = {"EUR": "1.1", "GBP": "1.3", "CHF": "1.05", "JPY": "0.0091", "CAD": "0.75",
         "SEK": "0.1", "NOK": "0.1", "AUD": "0.7", "KWD": "3.25"}


def monthly_rates() -> tuple[pc.RateTable, pl.DataFrame]:
    rows = []
    for code, base in BASES.items():
        for year in range(1999, 2028):
            for month in range(1, 13):
                rate = Decimal(base) + Decimal((year * 12 + month) % 17) / 1000
                rows.append((code, datetime.date(year, month, 1), rate))
    rows += [("USD", datetime.date(1999, month, 1), Decimal(1)) for month in range(1, 2)]
    csv = "currency,date,rate\n" + "".join(f"{c},{d:%Y-%m},{r}\n" for c, d, r in rows if c != "USD")
    table = pc.RateTable.from_csv("synthetic monthly", "USD", csv)
    frame = pl.DataFrame(rows, schema={"currency": pl.String, "month": pl.Date, "rate": pl.Decimal(18, 6)}, orient="row")
    return table, frame


def best_of(runs: int, task: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = task()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    data = pc.Dataset.synthetic(size)
    rates, rate_frame = monthly_rates()
    contributions = data.table("contributions").to_polars()
    # The peers get plain frames of the same rows, ready in memory (untimed).
    value = contributions.filter(pl.col("amount").is_not_null()).select(
        "donor", "currency", "amount", pl.coalesce("date", "period_start").alias("day")
    )

    def ours() -> dict[tuple[str, int], Decimal]:
        frame = data.rollup(["donor", "year"], rates=rates).to_polars()
        frame = frame.filter(pl.col("currency").is_not_null())
        return dict(zip(zip(frame["donor"], frame["year"]), frame["committed"]))

    def with_polars() -> dict[tuple[str, int], Decimal]:
        out = (
            value.with_columns(pl.col("day").dt.truncate("1mo").alias("month"))
            .join(rate_frame, on=["currency", "month"], how="left")
            .with_columns(
                pl.when(pl.col("currency") == "USD").then(pl.col("amount"))
                .otherwise((pl.col("amount") * pl.col("rate")).round(2, mode="half_away_from_zero"))
                .alias("usd"),
                pl.col("day").dt.year().alias("year"),
            )
            .group_by("donor", "year")
            .agg(pl.col("usd").sum())
        )
        return dict(zip(zip(out["donor"], out["year"]), out["usd"]))

    connection = duckdb.connect()
    connection.register("value_table", value.to_arrow())
    connection.register("rates", rate_frame.to_arrow())

    def with_duckdb() -> dict[tuple[str, int], Decimal]:
        rows = connection.execute(
            """
            select v.donor, year(v.day) as year,
                   sum(case when v.currency = 'USD' then v.amount
                            else round(v.amount * r.rate, 2) end) as usd
            from value_table v left join rates r
              on r.currency = v.currency and r.month = date_trunc('month', v.day)
            group by all
            """
        ).fetchall()
        return {(d, y): Decimal(u) for d, y, u in rows}

    timings = {}
    results = {}
    for name, task in [("partnercrm", ours), ("polars", with_polars), ("duckdb", with_duckdb)]:
        timings[name], results[name] = best_of(3, task)
    # Same totals, to the cent, from all three.
    for name in ("polars", "duckdb"):
        assert results[name] == results["partnercrm"], f"{name} disagrees with partnercrm"
    total = sum(results["partnercrm"].values(), Decimal(0))  # type: ignore[union-attr]
    print(f"rollup: total in USD by donor and year at monthly rates, {size:,} contributions (best of 3)")
    print(f"all three agree to the cent: {len(results['partnercrm']):,} groups, USD {total:,}")  # type: ignore[arg-type]
    print(f"{'engine':<12} {'seconds':>9} {'partnercrm / engine':>20}")
    for name, seconds in timings.items():
        print(f"{name:<12} {seconds:>9.3f} {timings['partnercrm'] / seconds:>20.2f}")
    print("(a ratio below 1.00 means partnercrm is faster)")


if __name__ == "__main__":
    main()
