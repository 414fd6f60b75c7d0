from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

import partnercrm as pc


def test_totals_by_donor_per_currency(seed: pc.Dataset) -> None:
    frame = seed.rollup(["donor"]).to_polars()
    assert frame.columns[:2] == ["donor", "donor_name"]
    chevron = frame.filter(pl.col("donor_name") == "Chevron Corporation").row(0, named=True)
    assert (chevron["currency"], chevron["received"], chevron["contributions"]) == ("USD", Decimal("1250000"), 2)
    assert frame["contributions"].sum() == 21
    unknown = frame.filter(pl.col("currency").is_null())
    assert unknown["unknown_amounts"].sum() == unknown["contributions"].sum() == 18


def test_offices_roll_up_to_their_parent_once(store: pc.Store) -> None:
    frame = store.rollup(["recipient_parent"]).to_polars().filter(pl.col("currency") == "USD")
    assert frame.select("recipient_parent_name", "received").rows() == [
        ("International Organization for Migration", Decimal("2250000"))
    ]


def test_conversion_with_a_named_rate_table(tmp_path: Path) -> None:
    iom = pc.Organisation(name="IOM", kind="igo")
    eu = pc.Organisation(name="European Union", kind="igo")
    gifts = [
        pc.Contribution(kind="cash", donor=eu, recipient=iom, date="2008-05-02",
                        value={"basis": "actual", "amount": "1000.01", "currency": "EUR"}),
        pc.Contribution(kind="pledge", donor=eu, recipient=iom, date="2008-06",
                        value={"basis": "actual", "amount": "500", "currency": "EUR"},
                        payments=[{"date": "2008-07-01", "amount": {"amount": "200", "currency": "EUR"}}]),
    ]
    data = pc.Dataset(iom, eu, *gifts)
    csv = tmp_path / "rates.csv"
    csv.write_text("currency,date,rate\nEUR,2008-05,1.5555\nEUR,2008-06,1.5\nEUR,2008-07,1.6\n")
    rates = pc.RateTable.read_csv("ECB monthly", "USD", csv, date="2008-12-31")
    row = data.rollup(["donor", "month"], rates=rates).to_polars().sort("month").rows(named=True)
    assert [(r["month"], r["pledged"], r["received"], r["outstanding"]) for r in row] == [
        ("2008-05", Decimal("0"), Decimal("1555.52"), Decimal("0")),
        ("2008-06", Decimal("750"), Decimal("320"), Decimal("430")),
    ]
    assert [r["committed"] for r in row] == [Decimal("1555.52"), Decimal("750")]
    assert row[0]["rate_table"] == "ECB monthly" and str(row[0]["rate_table_date"]) == "2008-12-31"
    with pytest.raises(pc.MissingRateError, match="no EUR→GBP rate"):
        data.rollup(["donor"], rates=pc.RateTable("empty", "GBP"))


def test_bad_dimensions_and_rate_rows_are_clear(seed: pc.Dataset) -> None:
    with pytest.raises(pc.ParseError, match="expected one of donor"):
        seed.rollup(["donour"])  # type: ignore[list-item]
    with pytest.raises(pc.ParseError, match="line 2"):
        pc.RateTable.from_csv("bad", "USD", "currency,date,rate\nEUR,2008-13,x\n")
    table = pc.RateTable("manual", "USD")
    table.add("EUR", "2008-01", Decimal("1.47"))
    with pytest.raises(pc.ParseError, match="float"):
        table.add("EUR", "2008-02", 1.48)  # type: ignore[arg-type]


def test_allocations_split_gifts_across_projects_exactly() -> None:
    iom = pc.Organisation(name="IOM", kind="igo")
    donor = pc.Organisation(name="Donor", kind="foundation")
    a, b, c = (pc.Project(title=t) for t in ("A", "B", "C"))
    gift = pc.Contribution(
        kind="cash", donor=donor, recipient=iom, date="2010",
        value={"basis": "actual", "amount": "100.00", "currency": "USD"},
        allocations=[{"project": p, "percent": share} for p, share in ((a, "33.3333"), (b, "33.3333"), (c, "33.3334"))],
    )
    data = pc.Dataset(iom, donor, a, b, c, gift)
    assert data.validate() == []
    frame = data.rollup(["project"]).to_polars()
    assert sorted(frame["received"].to_list()) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert sum(frame["received"].to_list()) == Decimal("100.00")
    assert len(data.table("allocations")) == 3
