"""The IMF's annual rates per US dollar from Python: read as published,
converted through the dollar, and every rate a rollup used shown. Figures
are computed by hand from the file's rows (line numbers given)."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

import partnercrm as pc

ROOT = Path(__file__).resolve().parents[2]
IMF = ROOT.parent / "shared" / "rates" / "imf_exchangerates_A_ENDA_USD.csv"


def gifts() -> pc.Dataset:
    donor = pc.Organisation(name="Donor", kind="government")
    iom = pc.Organisation(name="IOM", kind="igo")

    def gift(amount: str, currency: str, date: str) -> pc.Contribution:
        return pc.Contribution(
            kind="cash",
            donor=donor,
            recipient=iom,
            value={"basis": "actual", "amount": amount, "currency": currency},
            date=date,
        )

    return pc.Dataset(donor, iom, gift("1000", "EUR", "2020-05"), gift("1000000", "JPY", "2020-11-03"))


def test_read_imf_converts_through_the_dollar() -> None:
    usd = pc.RateTable.read_imf(IMF)
    assert (usd.target, usd.annual, usd.missing_year) == ("USD", True, "error")
    # Line 4201 (EUR 2020: 0.875506396987998) and line 6660 (JPY 2020:
    # 106.7745822624372): 1000 EUR = 1142.20 USD, 1,000,000 JPY = 9365.52 USD.
    row = gifts().rollup("donor", rates=usd).to_polars().rows(named=True)[0]
    assert row["committed"] == Decimal("10507.72")
    assert row["rates_used"] == "EUR 2020; JPY 2020"
    # EUR to JPY: 1000 × 106.7745822624372 ÷ 0.875506396987998 = 121957.5 → 121958.
    jpy = pc.RateTable.read_imf(IMF, target="JPY")
    rows = pc.Dataset(*gifts().records(pc.Organisation), *gifts().records(pc.Contribution)[:1]).rollup(
        "donor", rates=jpy
    )
    assert rows.to_polars()["committed"].to_list() == [Decimal("121958")]
    # read_csv knows the file by its columns.
    assert pc.RateTable.read_csv("IMF", "USD", IMF).annual


def test_rollup_rates_is_the_provenance() -> None:
    table = gifts().rollup_rates("donor", rates=pc.RateTable.read_imf(IMF)).to_polars()
    rows = table.sort("currency").rows(named=True)
    assert [(r["currency"], r["rate_year"], r["amounts"], r["original"], r["converted"]) for r in rows] == [
        ("EUR", 2020, 1, Decimal("1000"), Decimal("1142.20")),
        ("JPY", 2020, 1, Decimal("1000000"), Decimal("9365.52")),
    ]
    eur = rows[0]
    assert eur["currency_per_usd"] == "0.875506396987998"
    assert eur["currency_rate_source"] == "IMF, Euro Area (EA) (U2), 2020-12-31, line 4201"
    assert eur["target_per_usd"] is None and eur["fell_back"] is False
    assert eur["part"] == "value" and eur["donor_name"] == "Donor"


def test_a_missing_year_raises_listing_every_rate_or_falls_back_visibly() -> None:
    data = gifts()
    late = pc.Dataset(
        *data.records(pc.Organisation),
        *[c.replace(date="2025-03") for c in data.records(pc.Contribution)],
    )
    with pytest.raises(pc.MissingRateError, match="2 rates are missing") as caught:
        late.rollup("donor", rates=pc.RateTable.read_imf(IMF))
    assert isinstance(caught.value, pc.RateError) and not isinstance(caught.value, pc.ParseError)
    assert [(m["currency"], m["date"], m["why"] is not None, len(m["records"])) for m in caught.value.missing] == [
        ("EUR", datetime.date(2025, 3, 1), True, 1),
        ("JPY", datetime.date(2025, 3, 1), True, 1),
    ]
    lenient = pc.RateTable.read_imf(IMF, missing_year="latest_earlier")
    row = late.rollup("donor", rates=lenient).to_polars().rows(named=True)[0]
    assert row["rates_used"] == "EUR 2024 for 2025; JPY 2024 for 2025"
    used = late.rollup_rates("donor", rates=lenient).to_polars()
    assert used["fell_back"].to_list() == [True, True]
    lenient.missing_year = "error"
    with pytest.raises(pc.MissingRateError):
        late.rollup("donor", rates=lenient)
    with pytest.raises(pc.ParseError, match="latest_earlier"):
        lenient.missing_year = "nearest"  # type: ignore[assignment]


def test_bad_imf_rows_are_reported_with_their_lines() -> None:
    text = "Date,Rate,Currency,Frequency,Source,Country code,Country\n2020-06-30,0.9,EUR,A,IMF,U2,Euro Area\n"
    with pytest.raises(pc.ParseError, match="line 2: date 2020-06-30 is not a year's last day"):
        pc.RateTable.from_imf(text)
