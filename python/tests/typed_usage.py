"""Checked with `mypy --strict`: the stubs describe real use without casts."""

import datetime
from decimal import Decimal

import polars as pl

import partnercrm as pc


def main() -> None:
    store = pc.Store.in_memory()
    iom = pc.Organisation(name="International Organization for Migration", kind="igo", acronym="IOM")
    chevron = pc.Organisation(name="Chevron", kind="private_company", country="US")
    gift = pc.Contribution(
        kind="cash", donor=chevron, recipient=iom, date=datetime.date(2008, 5, 2),
        value={"basis": "actual", "amount": Decimal("400000"), "currency": "USD"},
    )
    applied = store.add(iom, chevron, gift, actor="me")
    revision: int | None = applied["revision"]
    found: list[pc.Organisation] = store.find(pc.Organisation, "IOM")
    name: str = found[0].name
    again: pc.Contribution | None = store.get(pc.Contribution, gift.id)
    frame: pl.DataFrame = store.table("contributions").to_polars()
    pandas_frame = store.table("contributions").to_pandas()
    print(pandas_frame.columns.tolist())
    try:
        store.add(gift.replace(donor=iom))
    except pc.ValidationError as error:
        codes: list[str] = [p.code for p in error.problems]
        print(codes)
    print(revision, name, again, frame.shape)


if __name__ == "__main__":
    main()
