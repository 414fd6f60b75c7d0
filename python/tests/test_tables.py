from decimal import Decimal

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import partnercrm as pc


@pytest.mark.parametrize("name", pc.TABLES)
def test_every_table_reaches_every_frame_library(seed: pc.Dataset, name: str) -> None:
    table = seed.table(name)
    frame = pl.DataFrame(table)
    assert frame.columns == table.column_names
    assert frame.height == len(table)
    assert pa.table(table).num_rows == len(table)
    assert len(table.to_pandas()) == len(table)
    assert table.to_polars().equals(frame)


def test_money_is_decimal128_with_its_currency_and_dates_are_date32(seed: pc.Dataset) -> None:
    arrow = pa.table(seed.table("contributions"))
    assert arrow.schema.field("amount").type == pa.decimal128(38, 4)
    assert arrow.schema.field("date").type == pa.date32()
    frame = seed.table("contributions").to_polars()
    totals = (
        frame.join(seed.table("organisations").to_polars().select("id", "name"), left_on="donor", right_on="id")
        .filter(pl.col("amount").is_not_null())
        .group_by("name", "currency")
        .agg(pl.col("amount").sum())
        .sort("name")
    )
    chevron = totals.filter(pl.col("name") == "Chevron Corporation").row(0, named=True)
    assert chevron["currency"] == "USD" and chevron["amount"] == Decimal("1250000")
    assert seed.table("contributions").to_pandas()["amount"].dropna().map(type).eq(Decimal).all()


def test_money_keeps_every_decimal_and_reversals_stay_negative() -> None:
    sida = pc.Organisation(name="Sida", kind="government")
    undp = pc.Organisation(name="UNDP", kind="un_agency")
    gifts = [
        pc.Contribution(
            kind="cash", donor=sida, recipient=undp, date="2020-03",
            value={"basis": "actual", "amount": Decimal(amount), "currency": "USD"},
        )
        for amount in ("199593.9043348597", "-50.25")
    ]
    data = pc.Dataset(sida, undp, *gifts)
    assert [p.code for p in data.validate() if p.severity == "error"] == []
    assert [g.value.amount for g in data.records(pc.Contribution) if g.value] == [
        Decimal("199593.9043348597"),
        Decimal("-50.25"),
    ]
    # The column is as precise as its most precise amount: nothing is cut.
    arrow = pa.table(data.table("contributions"))
    assert arrow.schema.field("amount").type == pa.decimal128(38, 10)
    assert [str(a) for a in arrow.column("amount").to_pylist()] == ["199593.9043348597", "-50.2500000000"]
    assert str(data.table("contributions").to_polars()["amount"].dtype) == "Decimal(precision=38, scale=10)"
    # Totals net the reversal, to the last decimal.
    totals = data.rollup(["donor"]).to_polars()
    assert totals.row(0, named=True)["received"] == Decimal("199543.6543348597")


def test_duckdb_reads_tables_directly(seed: pc.Dataset) -> None:
    memberships = seed.table("memberships")  # noqa: F841 - DuckDB finds it by name
    count = duckdb.sql("select count(*) from memberships where start <= date '2004-01-01'").fetchall()[0]
    assert count == (6,)


def test_store_tables_and_reprs(store: pc.Store) -> None:
    table = store.table("organisations")
    assert repr(table).startswith('Table("organisations", 66 rows')
    assert "<table>" in table._repr_html_()
    with pytest.raises(pc.ParseError, match="expected one of"):
        store.table("nope")


def test_pandas_frame_from_store(store: pc.Store) -> None:
    frame = store.table("contributions").to_pandas()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 21
