"""The ten everyday tasks of issue 15's "Done means", each as the short code an analyst
would write: names, not ids; no hand-written joins or filters where the library has
the answer. Checked by `mypy --strict` too (Makefile, test-python)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display in the tests
import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd
import polars as pl
import pytest

import partnercrm as pc

IMF = Path(__file__).resolve().parents[3] / "shared" / "rates" / "imf_exchangerates_A_ENDA_USD.csv"


def test_1_totals_per_donor_name_and_currency_in_polars(store: pc.Store) -> None:
    totals = store.rollup("donor").to_polars().sort("received", descending=True, nulls_last=True)
    top = totals.row(0, named=True)
    assert (top["donor_name"], top["currency"]) == ("Chevron Corporation", "USD")
    assert top["received"] == Decimal("1250000")
    # Donors with no known amount have no total, not a zero.
    assert totals.filter(pl.col("currency").is_null())["received"].null_count() == totals.filter(
        pl.col("currency").is_null()
    ).height


def test_2_totals_per_donor_name_and_currency_in_pandas(store: pc.Store) -> None:
    frame = store.rollup("donor").to_pandas()
    chevron = frame[frame["donor_name"] == "Chevron Corporation"].iloc[0]
    assert (chevron["currency"], chevron["received"]) == ("USD", Decimal("1250000"))
    assert frame["received"].isna().sum() == (frame["currency"].isna()).sum()


def test_3_everything_about_chevron_by_name(seed: pc.Dataset) -> None:
    chevron = seed.portfolio("Chevron")
    gifts = chevron.table("contributions").to_polars()
    assert gifts.select("recipient_name", "project_title", "amount").height == 2
    assert set(gifts["recipient_name"]) == {"International Organization for Migration", "IOM Angola"}
    assert [o.name for o in chevron.records(pc.Organisation)][0] == "Chevron Corporation"


def test_4_members_and_chair_by_the_groups_name(seed: pc.Dataset) -> None:
    members = seed.members("Global Migration Group", "2008-01-01").to_polars()
    assert "World Bank" in members["name"].to_list() and members.height == 14
    chair = seed.chairs("Global Migration Group", "2013-10-01").to_polars()
    assert chair["organisation_name"].to_list() == ["International Organization for Migration"]


def test_5_outcomes_against_targets(seed: pc.Dataset) -> None:
    outcomes = seed.outcomes().to_polars().filter(pl.col("source") == "own")
    assert outcomes.height == len(seed.records(pc.Indicator))
    reached = outcomes.filter(pl.col("indicator") == "Displaced people reached").row(0, named=True)
    assert (reached["actual"], reached["qualifier"]) == (Decimal("600000"), "more_than")


def test_6_totals_in_eur_with_a_rate_table_and_a_chart(seed: pc.Dataset, tmp_path: Path) -> None:
    eur = pc.RateTable.read_imf(IMF, target="EUR")
    totals = seed.rollup("donor", rates=eur).to_pandas()
    converted = totals[totals["converted"] & totals["received"].notna()].sort_values("received")
    assert set(converted["currency"]) == {"EUR"}
    figure, axes = plt.subplots(figsize=(8, 5))
    axes.barh(converted["donor_name"], converted["received"].astype("float64"))
    axes.set_xlabel("received, EUR at IMF annual rates")
    out = tmp_path / "eur.png"
    figure.savefig(out)
    plt.close(figure)
    assert out.stat().st_size > 10_000
    # The undated gift is beside the chart's rows, unconverted, not lost.
    assert not totals[~totals["converted"]].empty


def test_7_a_trilateral_agreement_added_and_a_broken_one_refused(store: pc.Store) -> None:
    iom, unhcr, unicef = (store.find(pc.Organisation, name)[0] for name in ("IOM", "UNHCR", "UNICEF"))
    deal = pc.Agreement(
        title="Joint return programme", kind="trilateral", signed="2024-03-01",
        parties=[pc.Party(o.id, ("signatory",)) for o in (iom, unhcr, unicef)],
    )
    assert store.add(deal, actor="analyst")["inserted"] == 1
    broken = deal.replace(id=None, title="Two-party trilateral", parties=deal.parties[:2])
    with pytest.raises(pc.ValidationError) as refused:
        store.add(broken, actor="analyst")
    assert [p.code for p in refused.value.problems] == ["agreement.party_count"]


def test_8_a_csv_imported(store: pc.Store, tmp_path: Path) -> None:
    gifts = tmp_path / "gifts.csv"
    gifts.write_text("donor,recipient,kind,amount,currency,received_on\nChevron,IOM Angola,cash,5000,USD,2010-02\n")
    assert store.import_csv(gifts)["inserted"] == 1
    assert store.rollup("donor").to_polars().filter(pl.col("donor_name") == "Chevron Corporation")["received"][0] == (
        Decimal("1255000")
    )


def test_9_partners_exported(store: pc.Store, tmp_path: Path) -> None:
    out = tmp_path / "partners.csv"
    store.table("organisations").to_csv(out)
    partners = pd.read_csv(out)
    assert len(partners) == len(store.all(pc.Organisation))
    assert "Chevron Corporation" in set(partners["name"])


def test_10_the_network_to_networkx(seed: pc.Dataset) -> None:
    graph = pc.to_networkx(seed)
    names = nx.get_node_attributes(graph, "name")
    iom = next(node for node, name in names.items() if name == "International Organization for Migration")
    assert graph.degree(iom) > 10
    assert nx.is_connected(graph.subgraph(nx.node_connected_component(graph, iom)))
