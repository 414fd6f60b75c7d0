"""pandas as pandas users expect it, for `Table.to_pandas()`.

pyarrow's own conversion gives dates as `datetime.date` objects and decimals
as `decimal.Decimal` objects, both of dtype `object`: `.dt` and `resample`
fail and `describe()` takes money for text. Here dates become `datetime64`,
money stays exact as `pd.ArrowDtype(pa.decimal128(...))`, and the columns the
core marks as codes become categoricals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def to_pandas(arrow: Any, types_mapper: Callable[[Any], Any] | None, codes: Sequence[str]) -> Any:
    """`arrow` (a pyarrow Table) as a pandas DataFrame; `types_mapper` is asked first."""
    if types_mapper is not None and not callable(types_mapper):
        raise TypeError(f"types_mapper takes a callable or None, not {type(types_mapper).__name__}")
    import pandas as pd
    import pyarrow as pa  # type: ignore[import-untyped]

    def mapper(arrow_type: Any) -> Any:
        if types_mapper is not None:
            chosen = types_mapper(arrow_type)
            if chosen is not None:
                return chosen
        if pa.types.is_decimal(arrow_type):
            return pd.ArrowDtype(arrow_type)
        return None

    frame = arrow.to_pandas(types_mapper=mapper, date_as_object=False)
    for column in codes:
        if column in frame.columns and pd.api.types.is_string_dtype(frame[column].dtype):
            frame[column] = frame[column].astype("category")
    return frame
