from pathlib import Path

import pytest

import partnercrm as pc

GIFTS = """donor,recipient,kind,amount,currency,received_on,project
Chevron,IOM Angola,cash,850000,USD,2004,Community Revitalization Program
UBS,IOM Indonesia,in_kind,,,2006,
"""


def test_import_csv_all_or_nothing_and_idempotent(store: pc.Store, tmp_path: Path) -> None:
    path = tmp_path / "gifts.csv"
    path.write_text(GIFTS)
    assert store.import_csv(path)["inserted"] == 2
    again = store.import_csv(path)
    assert (again["inserted"], again["unchanged"], again["revision"]) == (0, 2, None)

    bad = tmp_path / "bad.csv"
    bad.write_text(GIFTS + "Nobody,IOM Angola,cash,1,USD,2004,\nChevron,IOM Angola,cash,1.5,JPY,2004,\n")
    with pytest.raises(pc.ValidationError) as info:
        store.import_csv(bad)
    # Cells that cannot be read are reported first, all of them; rules run on what reads.
    assert [(p.path, p.code) for p in info.value.problems] == [("bad.csv[4].donor", "csv.unknown_reference")]
    bad.write_text(GIFTS + "Chevron,IOM Angola,cash,1.5,JPY,2004,\n")
    with pytest.raises(pc.ValidationError) as info:
        store.import_csv(bad)
    errors = [(p.path, p.code) for p in info.value.problems if p.severity == "error"]
    assert errors == [("contributions[2].value", "money.too_many_decimals")]
    assert len(store.all(pc.Contribution)) == 23


def test_header_mapping_and_organisations(store: pc.Store, tmp_path: Path) -> None:
    orgs = tmp_path / "orgs.csv"
    orgs.write_text("Name,Art,Land\nOxfam GB,ngo_cso,GB\n")
    store.import_csv(orgs, kind="organisations", mapping={"Name": "name", "Art": "kind", "Land": "country"})
    [oxfam] = store.find(pc.Organisation, "Oxfam GB")
    assert oxfam.country == "GB"


def test_export_neutralises_formulas(tmp_path: Path) -> None:
    org = pc.Organisation(name="=cmd|' /C calc'!A0", kind="other")
    text = pc.Dataset(org).table("organisations").to_csv()
    assert text is not None and "'=cmd" in text
    target = tmp_path / "orgs.csv"
    assert pc.Dataset(org).table("organisations").to_csv(target) is None
    assert "'=cmd" in target.read_text()
