import datetime
import pickle
from decimal import Decimal

import pytest

import partnercrm as pc


def test_keyword_arguments_named_as_in_the_core() -> None:
    iom = pc.Organisation(name="International Organization for Migration", kind="igo", acronym="IOM")
    assert iom.name == "International Organization for Migration"
    assert iom.acronym == "IOM"
    assert iom.aliases == []
    assert iom.parent is None
    assert len(iom.id) == 36
    assert "acronym" in pc.Organisation.fields


def test_dates_accept_date_objects_and_iso_strings() -> None:
    a = pc.Note(kind="event", text="x", date=datetime.date(2012, 5, 1))
    b = pc.Note(kind="event", text="x", date="2012-05", id=a.id)
    assert a.date == "2012-05-01"
    assert b.date == "2012-05"
    with pytest.raises(pc.ParseError, match="invalid date"):
        pc.Note(kind="event", text="x", date="2012-13")


@pytest.mark.parametrize("amount", [Decimal("400000.00"), 400000, "400000"])
def test_money_accepts_decimal_int_and_str(amount: object) -> None:
    gift = pc.Contribution(
        kind="cash", donor=pc.Organisation(name="A", kind="other"), recipient="01a2206a-e333-73a8-bbd3-35d679a945db",
        value={"basis": "actual", "amount": amount, "currency": "USD"},
    )
    assert gift.value == pc.Money(Decimal("400000"), "USD")
    assert isinstance(gift.value.amount, Decimal)


def test_floats_are_refused_with_a_reason() -> None:
    with pytest.raises(pc.ParseError) as info:
        pc.Contribution(
            kind="cash", donor="01a2206a-e333-73a8-bbd3-35d679a945db", recipient="01a2206a-e333-73a8-bbd3-35d679a945db",
            value={"basis": "actual", "amount": 1250.5, "currency": "USD"},
        )
    message = str(info.value)
    assert "float" in message and "decimal.Decimal" in message and "value.amount" in message


def test_unknown_fields_and_codes_are_parse_errors() -> None:
    with pytest.raises(pc.ParseError, match="unknown field `nmae`"):
        pc.Organisation(nmae="x", kind="igo")  # type: ignore[call-arg]
    with pytest.raises(pc.ParseError, match="unknown country code"):
        pc.Organisation(name="x", kind="igo", country="XX")
    with pytest.raises(pc.ParseError, match="unknown variant"):
        pc.Organisation(name="x", kind="charity")  # type: ignore[arg-type]


def test_replace_edits_a_copy_and_none_clears() -> None:
    org = pc.Organisation(name="UBS", kind="private_company", country="CH")
    moved = org.replace(country="GB", website="https://ubs.com")
    assert (org.country, moved.country, moved.website) == ("CH", "GB", "https://ubs.com")
    assert moved.id == org.id
    assert moved.replace(country=None).country is None


def test_records_compare_by_value_and_pickle() -> None:
    org = pc.Organisation(name="UBS", kind="private_company")
    assert org == pc.Organisation.from_json(org.to_json())
    assert org != org.replace(name="UBS AG")
    assert pickle.loads(pickle.dumps(org)) == org
    group = pc.Group(kind="task_force", names=[{"name": "Task Force on Capacity Development"}])
    assert pickle.loads(pickle.dumps(group)) == group


def test_reprs_are_readable() -> None:
    org = pc.Organisation(name="UBS", kind="private_company")
    assert repr(org).startswith("Organisation(") and 'name="UBS"' in repr(org)
    html = org._repr_html_()
    assert html.startswith("<table>") and "UBS" in html
    assert "<script>" not in pc.Organisation(name="<script>", kind="other")._repr_html_()


def test_help_shows_docstrings() -> None:
    assert pc.Store.__doc__ and "SQLite" in pc.Store.__doc__
    assert pc.Store.add.__doc__ and "revision" in pc.Store.add.__doc__
    assert pc.Organisation.replace.__doc__
