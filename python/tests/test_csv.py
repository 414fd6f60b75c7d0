from decimal import Decimal
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
    bad.write_text(GIFTS + "Nobody,IOM Angola,cash,1,USD,2004,\nChevron,IOM Angola,cash,0,JPY,2004,\n")
    with pytest.raises(pc.ValidationError) as info:
        store.import_csv(bad)
    # Cells that cannot be read are reported first, all of them; rules run on what reads.
    assert [(p.path, p.code) for p in info.value.problems] == [("bad.csv[4].donor", "csv.unknown_reference")]
    bad.write_text(GIFTS + "Chevron,IOM Angola,cash,0,JPY,2004,\n")
    with pytest.raises(pc.ValidationError) as info:
        store.import_csv(bad)
    errors = [(p.path, p.code) for p in info.value.problems if p.severity == "error"]
    assert errors == [("contributions[2].value", "money.not_positive")]
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


def test_every_kind_of_record_imports_from_csv(store: pc.Store, tmp_path: Path) -> None:
    files = {
        "projects": "title,acronym,countries,start,lead_office,funding\n"
        "Safe Migration Awareness,SMA,UA;PL,2024-01,IOM Ukraine,World Bank\n",
        "agreements": "title,kind,parties,signed,projects\n"
        "SMA cooperation,mou,IOM Ukraine=signatory;World Bank=signatory|donor,2024-01-15,SMA\n",
        "people": "name,organisation,title\nOlena Petrenko,IOM Ukraine,Project officer\n",
        "indicators": "project,indicator,unit,observation,value\n"
        "SMA,People reached,people,target,600000\nSMA,People reached,people,actual,612000\n",
        "groups": "name,kind,parent,from\nWorking Group on Safe Migration,working_group,Geneva Migration Group,2024\n",
        "memberships": "group,organisation,role,from\n"
        "Working Group on Safe Migration,International Organization for Migration,member,2024\n"
        "Working Group on Safe Migration,International Organization for Migration,chair,2024\n",
        "notes": "kind,text,people,projects\nquote,We reached more people than planned.,Olena Petrenko,SMA\n",
    }
    assert set(files) | {"contributions", "organisations"} == set(pc.CSV_KINDS)
    for kind, text in files.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        assert store.import_csv(path, kind=kind)["revision"] is not None, kind
        assert store.import_csv(path, kind=kind)["revision"] is None, f"{kind} twice changes nothing"
    [sma] = store.find(pc.Project, "SMA")
    assert sma.countries == ["UA", "PL"]
    [indicator] = [i for i in store.all(pc.Indicator) if i.title == "People reached"]
    assert [t.value for t in indicator.targets] == [Decimal(600000)]
    [group] = store.find(pc.Group, "Working Group on Safe Migration")
    assert len(group.chairs) == 1


def test_progress_is_reported_to_a_callable_or_a_bar(store: pc.Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "gifts.csv"
    path.write_text(GIFTS.splitlines()[0] + "\n" + "Chevron,IOM Angola,cash,1,USD,2004,\n" * 25_000)
    seen: list[int] = []
    store.import_csv(path, progress=seen.append)
    assert seen[-1] == 25_000 and seen == sorted(seen)

    data = pc.Dataset.read_json(Path(__file__).parents[2] / "examples" / "data" / "iom_partnerships.json")
    data.import_csv(path, progress=True)
    # The built-in bar, or tqdm's when it is installed: either counts rows on stderr.
    assert "rows" in capsys.readouterr().err

    def stop(rows: int) -> None:
        raise KeyboardInterrupt

    before = len(store.all(pc.Contribution))
    with pytest.raises(KeyboardInterrupt):
        store.import_csv(path, progress=stop)
    assert len(store.all(pc.Contribution)) == before, "a callback that raises stops the import"
    with pytest.raises(TypeError, match="progress must be"):
        store.import_csv(path, progress="yes")  # type: ignore[arg-type]


def test_rows_bar_writes_one_line_without_tqdm() -> None:
    import io

    stream = io.StringIO()
    bar = pc.RowsBar(stream)
    bar(10_000)
    bar(20_000)
    bar.close()
    assert bar.rows == 20_000
    assert "20,000 rows read" in stream.getvalue() and stream.getvalue().endswith("\n")
