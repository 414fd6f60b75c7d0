"""Budgets: each project's planned figures per period, as IATI publishes them,
held beside the project and never counted as contributions."""

import pickle
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from lxml import etree

import partnercrm as pc

IATI = Path(__file__).resolve().parents[3] / "shared" / "iati"


def published(path: Path) -> dict[str, Decimal]:
    """The file's budgets summed by currency, read with lxml alone."""
    root = etree.parse(str(path)).getroot()
    activities = [root] if root.tag == "iati-activity" else root.findall("iati-activity")
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for activity in activities:
        for value in activity.findall("budget/value"):
            currency = value.get("currency") or activity.get("default-currency")
            assert currency is not None
            totals[currency] += Decimal((value.text or "").strip())
    return dict(totals)


def test_a_project_holds_its_budgets_as_published() -> None:
    data, _ = pc.Dataset.read_iati(IATI / "samples" / "activity-01.xml")
    [project] = data.records(pc.Project)
    assert project.budgets == [
        pc.Budget(
            kind="original",
            status="committed",
            period=pc.Period("2020-03-15", "2021-03-14"),
            value=pc.Money(Decimal("1459753.72"), "USD"),
            value_date="2020-03-01",
        )
    ]
    assert project.to_dict()["budgets"] == [
        {
            "kind": "original",
            "status": "committed",
            "period": {"start": "2020-03-15", "end": "2021-03-14"},
            "value": {"amount": Decimal("1459753.72"), "currency": "USD"},
            "value_date": "2020-03-01",
        }
    ]
    assert "budgets" in pc.Project.fields
    # The commitment of the same amount is the one contribution.
    assert [c.kind for c in data.records(pc.Contribution)] == ["pledge"]
    assert len(data.table("budgets")) == 1


def test_budgets_are_built_replaced_and_pickled() -> None:
    project = pc.Project(
        title="Solar lanterns",
        budgets=[
            {"period": {"start": "2013", "end": "2013"}, "value": {"amount": Decimal("50000.005"), "currency": "USD"}},
            {
                "kind": "revised",
                "status": "committed",
                "period": {"start": "2013-01-01", "end": "2013-12-31"},
                "value": {"amount": "-1250", "currency": "USD"},
                "value_date": "2013-02-01",
            },
        ],
    )
    first, second = project.budgets
    # IATI's defaults when a budget does not say; any precision and sign.
    assert (first.kind, first.status) == ("original", "indicative")
    assert first.value.amount == Decimal("50000.005")
    assert second.value.amount == Decimal("-1250")
    assert pickle.loads(pickle.dumps(project)) == project
    assert project.replace(budgets=None).budgets == []
    assert pc.Project(title="No plans").budgets == []
    with pytest.raises(pc.ParseError, match="float"):
        pc.Project(title="x", budgets=[{"period": {}, "value": {"amount": 1.5, "currency": "USD"}}])
    with pytest.raises(pc.ParseError, match="unknown variant"):
        pc.Project(title="x", budgets=[{"kind": "final", "value": {"amount": "1", "currency": "USD"}}])


def test_a_budget_needs_its_period_and_is_checked_by_the_store() -> None:
    store = pc.Store.in_memory()
    open_ended = pc.Project(
        title="Open-ended",
        budgets=[{"period": {"start": "2020"}, "value": {"amount": "10", "currency": "EUR"}}],
    )
    with pytest.raises(pc.ValidationError) as error:
        store.add(open_ended)
    assert [(p.code, p.path) for p in error.value.problems] == [
        ("budget.period_missing", "projects[0].budgets[0].period")
    ]
    long = open_ended.replace(
        budgets=[{"period": {"start": "2020", "end": "2022"}, "value": {"amount": "-10", "currency": "EUR"}}]
    )
    store.add(long)
    assert sorted(p.code for p in store.validate()) == ["budget.negative", "budget.period_over_a_year"]


@pytest.mark.parametrize("name", ["corpus/dportal_19.xml", "corpus/dportal_21.xml", "samples/MAEC_IATI_INDONESIA.xml"])
def test_the_budgets_table_holds_every_published_figure(name: str) -> None:
    store = pc.Store.in_memory()
    store.import_iati(IATI / name)
    table = store.table("budgets")
    arrow = pa.table(table)
    assert arrow.column_names == [
        "project", "project_title", "kind", "status", "start", "end", "amount", "currency", "value_date",
    ]
    assert pa.types.is_decimal(arrow.schema.field("amount").type)
    assert str(arrow.schema.field("start").type) == "date32[day]"
    frame = table.to_polars()
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for currency, amount in zip(frame["currency"].to_list(), frame["amount"].to_list()):
        totals[currency] += amount
    assert {c: t for c, t in totals.items() if t} == {c: t for c, t in published(IATI / name).items() if t}
    # Plans are no contributions: no budget became an estimated pledge.
    assert "estimated" not in store.table("contributions").to_polars()["basis"].to_list()
