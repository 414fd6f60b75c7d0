"""Records are named where a query takes one, by the store's rule, and tables name what they refer to.

Measured in issue 15: `data.portfolio("Chevron")` raised `ParseError "Chevron" is not
an id`, as did `members("Global Migration Group", ...)` and `chairs(...)`; the chairs,
contributions, agreement_parties, memberships and allocations tables held bare UUIDs;
`find(Organisation, "chevron corp")` found nothing; a portfolio held only the partner's
own record."""

import datetime

import pytest

import partnercrm as pc


def test_queries_take_a_name_acronym_or_identifier_like_an_id(seed: pc.Dataset) -> None:
    [chevron] = [o for o in seed.records(pc.Organisation) if o.name == "Chevron Corporation"]
    by_name = seed.portfolio("Chevron")
    assert by_name == seed.portfolio(chevron.id) == seed.portfolio(chevron) == seed.portfolio("  chevron ")
    [gmg] = [g for g in seed.records(pc.Group) if any(n.acronym == "GMG" for n in g.names)]
    on = datetime.date(2008, 1, 1)
    members = seed.members("Global Migration Group", on).to_polars()
    assert members.equals(seed.members(gmg.id, on).to_polars())
    assert members.equals(seed.members("gmg", on).to_polars())
    # The group's earlier name finds it too.
    assert members.equals(seed.members("Geneva Migration Group", on).to_polars())
    iom_by_identifier = seed.chaired_by("XM-DAC-47066").to_polars()
    assert iom_by_identifier.equals(seed.chaired_by("IOM").to_polars())


def test_an_unknown_name_is_not_found_and_an_ambiguous_one_lists_every_candidate() -> None:
    first = pc.Organisation(name="Red Cross", kind="ngo_cso", acronym="RC")
    second = pc.Organisation(name="Red Crescent", kind="ngo_cso", acronym="RC")
    data = pc.Dataset(first, second)
    with pytest.raises(pc.AmbiguousNameError) as ambiguous:
        data.portfolio("rc")
    assert ambiguous.value.candidates == [("Red Cross", first.id), ("Red Crescent", second.id)]
    assert str(ambiguous.value).startswith('"rc" names 2 organisations: Red Cross (')
    with pytest.raises(pc.NotFoundError, match='no organisation is called "Shell"'):
        data.portfolio("Shell")
    with pytest.raises(pc.NotFoundError, match='no group is called "GMG"'):
        data.members("GMG", "2008")


def test_reference_columns_have_their_labels_beside_them(seed: pc.Dataset) -> None:
    expected = {
        "contributions": [("donor", "donor_name"), ("recipient", "recipient_name"), ("project", "project_title"),
                          ("agreement", "agreement_title")],
        "chairs": [("group", "group_name"), ("organisation", "organisation_name")],
        "memberships": [("group", "group_name"), ("organisation", "organisation_name")],
        "agreement_parties": [("agreement", "agreement_title"), ("organisation", "organisation_name")],
        "allocations": [("project", "project_title")],
        "affiliations": [("organisation", "organisation_name")],
        "project_partners": [("project", "project_title"), ("organisation", "organisation_name")],
        "indicators": [("project", "project_title")],
    }
    for name, pairs in expected.items():
        frame = seed.table(name).to_polars()
        for column, label in pairs:
            assert frame.columns.index(label) == frame.columns.index(column) + 1, (name, label)
            # Every reference that is set is named.
            assert frame.filter(frame[column].is_not_null() & frame[label].is_null()).height == 0, (name, label)
    gifts = seed.table("contributions").to_polars()
    assert "Chevron Corporation" in gifts["donor_name"].to_list()
    chair = seed.chairs("GMG", "2013-10-01").to_polars()
    assert chair.select("group_name", "organisation_name", "role").rows() == [
        ("Global Migration Group", "International Organization for Migration", "chair")
    ]


def test_find_matches_parts_of_names_ignoring_case(store: pc.Store, seed: pc.Dataset) -> None:
    assert [o.name for o in store.find(pc.Organisation, "chevron corp")] == ["Chevron Corporation"]
    assert [o.name for o in store.find(pc.Organisation, "CHEVRON")] == [
        "Chevron Corporation", "Chevron Asia Pacific Exploration & Production"
    ]
    # A data set finds what the store finds, by the same rule.
    for text in ("chevron corp", "CHEVRON", "iom", "XM-DAC-47066", "Weltbank"):
        assert seed.find(pc.Organisation, text) == store.find(pc.Organisation, text), text
    found = [o.name for o in store.find(pc.Organisation, "IOM")]
    assert found[0] == "International Organization for Migration"  # the whole match first
    assert all("iom" in n.lower() or n == found[0] for n in found)


def test_a_portfolio_carries_the_records_its_rows_name(seed: pc.Dataset) -> None:
    chevron = seed.portfolio("Chevron")
    gifts = chevron.table("contributions").to_polars()
    assert gifts.height == 2
    assert gifts["recipient_name"].null_count() == 0 and gifts["project_title"].null_count() == 0
    held = {o.id for o in chevron.records(pc.Organisation)}
    assert {g.recipient for g in chevron.records(pc.Contribution)} <= held
    # Only its own gifts: totals over a portfolio are the partner's.
    assert set(gifts["donor_name"]) == {"Chevron Corporation"}


def test_chair_timeline_lists_every_term_by_start(seed: pc.Dataset) -> None:
    terms = seed.chair_timeline("Global Migration Group").to_polars()
    starts = terms["start"].drop_nulls().to_list()
    assert starts == sorted(starts) and terms.height >= 3
    assert terms.row(0, named=True)["organisation_name"] == "International Organization for Migration"
    assert set(terms["group_name"]) == {"Global Migration Group"}
