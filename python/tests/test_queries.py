import datetime
from decimal import Decimal

import polars as pl
import pytest

import partnercrm as pc


def org(data: pc.Dataset, name: str) -> pc.Organisation:
    [found] = [o for o in data.records(pc.Organisation) if name in (o.name, o.acronym)]
    return found


def gmg(data: pc.Dataset) -> pc.Group:
    [group] = [g for g in data.records(pc.Group) if g.kind == "inter_agency_group"]
    return group


def test_agreements_in_force_expiring_and_by_party(seed: pc.Dataset) -> None:
    assert seed.agreements_active(datetime.date(2006, 6, 1)).to_polars()["kind"].to_list() == ["multilateral"]
    assert len(seed.agreements_active("2007-06-01")) == 3
    assert len(seed.agreements_expiring("2007-06-01", 365)) == 0
    assert len(seed.agreements_by(kind="trilateral")) == 2
    assert len(seed.agreements_by(party=org(seed, "Maple Leaf Foods"))) == 3
    with pytest.raises(pc.ParseError):
        seed.agreements_by(kind="quadrilateral")


def test_members_chairs_and_timeline(seed: pc.Dataset) -> None:
    group = gmg(seed)
    assert len(seed.members(group, "2004-01-01")) == 6
    assert {"ILO", "IOM", "OHCHR"} <= set(seed.members(group.id, "2011-01-01").to_polars()["acronym"].to_list())
    chairs = seed.chairs(group, "2014-06-30").to_polars()
    assert chairs["organisation"].to_list() == [org(seed, "ILO").id]
    assert len(seed.membership_timeline(group)) == 16
    assert len(seed.chaired_by(org(seed, "IOM"))) == 4
    with pytest.raises(pc.NotFoundError):
        seed.members("01a2206a-e333-73a8-bbd3-35d679a945db", "2004-01-01")


def test_outcomes_against_targets(seed: pc.Dataset) -> None:
    frame = seed.outcomes().to_polars()
    displaced = frame.filter(pl.col("indicator") == "Displaced people reached").row(0, named=True)
    assert (displaced["actual"], displaced["qualifier"]) == (Decimal("600000"), "more_than")
    stations = frame.filter(pl.col("indicator").str.starts_with("OKKO")).row(0, named=True)
    assert (stations["target"], stations["actual"], stations["achievement"]) == (Decimal("12"), None, None)


def test_portfolio(seed: pc.Dataset) -> None:
    chevron = org(seed, "Chevron Corporation")
    everything = seed.portfolio(chevron)
    assert len(everything.records(pc.Contribution)) == 2
    assert len(seed.portfolio(chevron, on="2006-01-01").records(pc.Contribution)) == 1
    totals = everything.rollup(["donor"]).to_polars()
    assert totals.filter(pl.col("currency") == "USD")["received"].to_list() == [Decimal("1250000")]


def test_network_as_table_graphml_and_networkx(seed: pc.Dataset) -> None:
    import networkx as nx

    edges = seed.network().to_polars()
    maple = edges.filter(
        pl.col("source_name").is_in(["Maple Leaf Foods", "International Organization for Migration"])
        & pl.col("target_name").is_in(["Maple Leaf Foods", "International Organization for Migration"])
    ).row(0, named=True)
    assert maple["agreements"] == 3
    graphml = seed.network_graphml()
    assert graphml.startswith("<?xml")
    graph = pc.to_networkx(seed)
    assert graph.number_of_nodes() == len(seed.records(pc.Organisation))
    assert graph.number_of_edges() == edges.height
    assert nx.read_graphml(__import__("io").BytesIO(graphml.encode())).number_of_edges() == edges.height


def test_duplicate_candidates(seed: pc.Dataset) -> None:
    frame = seed.duplicates().to_polars()
    susans = frame.filter(pl.col("kind") == "person").row(0, named=True)
    assert {susans["a_name"], susans["b_name"]} == {"Susan Yaeger-Szoke", "Susan Boeve"}
    assert "same title at the same organisation" in susans["reasons"]
    assert frame["score"].min() >= 0.5
