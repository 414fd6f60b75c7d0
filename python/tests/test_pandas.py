"""pandas frames as pandas users expect (issue 15: dates arrived as `object`, so
`.dt.year` raised; amounts as `object`; `to_pandas(types_mapper=...)` raised TypeError)."""

from decimal import Decimal

import pandas as pd
import pyarrow as pa

import partnercrm as pc


def test_dates_are_datetime64_beside_their_precision(seed: pc.Dataset) -> None:
    frame = seed.table("contributions").to_pandas()
    assert str(frame["date"].dtype).startswith("datetime64")
    assert frame.columns.get_loc("date_precision") == frame.columns.get_loc("date") + 1
    dated = frame[frame["date"].notna()]
    assert set(dated["date"].dt.year.astype(int)) >= {2008}
    assert frame.set_index("date").sort_index()["amount"].dropna().shape[0] > 0


def test_money_is_exact_and_codes_are_categories(seed: pc.Dataset) -> None:
    frame = seed.table("contributions").to_pandas()
    assert isinstance(frame["amount"].dtype, pd.ArrowDtype)
    assert pa.types.is_decimal(frame["amount"].dtype.pyarrow_dtype)
    by_currency = frame.groupby("currency", observed=True)["amount"].sum()
    assert isinstance(by_currency["USD"], Decimal)
    for column in ("kind", "currency", "basis", "date_precision"):
        assert isinstance(frame[column].dtype, pd.CategoricalDtype), column
    plain = seed.table("contributions").to_pandas(categories=False)
    assert not isinstance(plain["kind"].dtype, pd.CategoricalDtype)


def test_types_mapper_is_asked_first(seed: pc.Dataset) -> None:
    asked: list[object] = []

    def mapper(arrow_type: object) -> object:
        asked.append(arrow_type)
        return pd.ArrowDtype(pa.date32()) if arrow_type == pa.date32() else None

    frame = seed.table("contributions").to_pandas(types_mapper=mapper)
    assert asked and frame["date"].dtype == pd.ArrowDtype(pa.date32())
    # What the mapper leaves is ours: money still exact.
    assert isinstance(frame["amount"].dtype, pd.ArrowDtype)
