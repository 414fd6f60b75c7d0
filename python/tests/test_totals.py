"""Honest totals (issue 15). Measured: `rollup` reported `received = 0.0000` with a null
currency for donors whose every amount is unknown; with a rate table one undated gift
aborted the whole rollup as a `ParseError`; there was no `donor_parent` dimension."""

from decimal import Decimal
from pathlib import Path
from typing import Literal

import pytest

import partnercrm as pc

IMF = Path(__file__).resolve().parents[3] / "shared" / "rates" / "imf_exchangerates_A_ENDA_USD.csv"
UNKNOWN_ONLY = ["Panasonic Corporation", "UBS", "AmeriCares", "King Baudouin Foundation"]


def test_a_total_of_no_known_amount_is_null_never_zero(seed: pc.Dataset) -> None:
    totals = seed.rollup("donor").to_polars()
    for donor in UNKNOWN_ONLY:
        [row] = totals.filter(totals["donor_name"] == donor).rows(named=True)
        assert row["currency"] is None and row["unknown_amounts"] == row["contributions"] > 0
        assert (row["pledged"], row["received"], row["outstanding"], row["committed"]) == (None, None, None, None)
    known = totals.filter(totals["currency"].is_not_null())
    assert known["received"].null_count() == 0
    # pandas says the same: NA, not 0.
    frame = seed.rollup("donor").to_pandas()
    assert frame.loc[frame["donor_name"] == "UBS", "received"].isna().all()


def test_undated_gifts_stay_unconverted_in_their_own_rows_or_are_refused(seed: pc.Dataset) -> None:
    eur = pc.RateTable.read_imf(IMF, target="EUR")
    totals = seed.rollup(["donor", "year"], rates=eur).to_polars()
    apart = totals.filter(~totals["converted"])
    assert apart.select("donor_name", "year", "currency", "received", "rate_table").rows() == [
        ("AIG Disaster Relief Fund", None, "USD", Decimal("1000000"), None)
    ]
    converted = totals.filter(totals["converted"])
    assert set(converted["currency"].drop_nulls()) == {"EUR"}
    assert converted["rate_table"].drop_nulls().n_unique() == 1
    with pytest.raises(pc.UndatedError, match="has no date, so no USD→EUR rate can be chosen") as refused:
        seed.rollup("donor", rates=eur, undated="error")
    assert isinstance(refused.value, pc.RateError) and not isinstance(refused.value, pc.ParseError)
    with pytest.raises(pc.ParseError, match='expected "row" or "error"'):
        seed.rollup("donor", rates=eur, undated="drop")  # type: ignore[arg-type]


def test_a_gift_over_two_years_is_placed_by_its_start_or_split_on_request(seed: pc.Dataset, tmp_path: Path) -> None:
    def chevron(placement: Literal["start", "spread"]) -> list[tuple[int | None, Decimal | None]]:
        totals = seed.rollup(["donor", "year"], placement=placement).to_polars()
        chevron = totals.filter((totals["donor_name"] == "Chevron Corporation") & totals["year"].is_in([2004, 2005]))
        return chevron.sort("year").select("year", "received").rows()

    assert chevron("start") == [(2004, Decimal("850000"))]
    # 366 and 365 of the period's 731 days, to the cent, summing exactly.
    assert chevron("spread") == [(2004, Decimal("425581.40")), (2005, Decimal("424418.60"))]
    store = pc.Store(tmp_path / "s.db")
    store.import_dataset(seed)
    assert store.rollup(["donor", "year"], placement="spread").to_polars().equals(
        seed.rollup(["donor", "year"], placement="spread").to_polars()
    )
    eur = pc.RateTable.read_imf(IMF, target="EUR")
    spread = seed.rollup_rates(["donor", "year"], rates=eur, placement="spread").to_polars()
    assert len(spread) > len(seed.rollup_rates(["donor", "year"], rates=eur).to_polars())
    with pytest.raises(pc.ParseError, match='expected "start" or "spread"'):
        seed.rollup("year", placement="evenly")  # type: ignore[arg-type]


def test_a_missing_rate_is_a_rate_error(seed: pc.Dataset) -> None:
    empty = pc.RateTable("nothing", "EUR")
    with pytest.raises(pc.MissingRateError) as missing:
        seed.rollup("donor", rates=empty)
    assert isinstance(missing.value, pc.RateError) and missing.value.missing


def test_donor_parent_rolls_units_and_funds_up_to_their_organisation_once(seed: pc.Dataset) -> None:
    [fund] = [o for o in seed.records(pc.Organisation) if o.name == "AIG Disaster Relief Fund"]
    assert fund.parent is not None
    [aig] = [o for o in seed.records(pc.Organisation) if o.id == fund.parent]
    by_parent = seed.rollup("donor_parent").to_polars()
    [row] = by_parent.filter((by_parent["donor_parent_name"] == aig.name) & (by_parent["currency"] == "USD")).rows(named=True)
    assert row["received"] == Decimal("1000000")
    by_donor = seed.rollup("donor").to_polars()
    assert by_parent["contributions"].sum() == by_donor["contributions"].sum() == len(seed.records(pc.Contribution))


def test_outcomes_mark_rolled_up_rows_so_a_column_sums_each_indicator_once(seed: pc.Dataset) -> None:
    # Before: 15 rows for 14 indicators, the child's indicator again under its parent, unmarked.
    rows = seed.outcomes().to_polars()
    indicators = seed.records(pc.Indicator)
    assert rows.height == 15 and len(indicators) == 14
    own = rows.filter(rows["source"] == "own")
    assert own.height == 14 and own["indicators"].sum() == 14
    [rolled] = rows.filter(rows["source"] == "children").rows(named=True)
    [child] = [p for p in seed.records(pc.Project) if p.parent is not None and
               any(i.project == p.id and i.title == rolled["indicator"] for i in indicators)]
    assert rolled["project"] == child.parent
