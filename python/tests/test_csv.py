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


def test_progress_reports_every_phase_in_order(store: pc.Store, tmp_path: Path) -> None:
    path = tmp_path / "gifts.csv"
    path.write_text(GIFTS.splitlines()[0] + "\n" + "".join(f"Chevron,IOM Angola,cash,{n},USD,2004,\n" for n in range(1, 25_001)))
    seen: list[pc.Step] = []
    store.import_csv(path, progress=seen.append)
    order = ["read", "resolve", "validate", "write"]
    phases = [s.phase for s in seen]
    assert sorted(set(phases), key=order.index) == order
    assert phases == sorted(phases, key=order.index), "one phase after another"
    for phase in order:
        steps = [s for s in seen if s.phase == phase]
        assert steps[0].done == 0 and not steps[0].is_end, phase
        assert steps[-1].is_end and steps[-1].done == 25_000, (phase, steps[-1])
        assert [s.done for s in steps] == sorted(s.done for s in steps), phase
    assert [s.done for s in seen if s.phase == "read"] == [0, 10_000, 20_000, 25_000, 25_000]
    assert [s.done for s in seen if s.phase == "write"] == [0, 10_000, 20_000, 25_000]
    assert {s.unit for s in seen if s.phase == "read"} == {"rows"}


def test_a_callback_that_raises_stops_the_import_in_any_phase(store: pc.Store, tmp_path: Path) -> None:
    path = tmp_path / "gifts.csv"
    path.write_text(GIFTS.splitlines()[0] + "\n" + "".join(f"Chevron,IOM Angola,cash,{n},USD,2004,\n" for n in range(1, 12_001)))
    before = len(store.all(pc.Contribution))
    for phase, done in [("read", 10_000), ("resolve", 0), ("validate", 12_000), ("write", 10_000), ("write", 12_000)]:

        def stop(step: pc.Step, phase: str = phase, done: int = done) -> None:
            if (step.phase, step.done) == (phase, done):
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            store.import_csv(path, progress=stop)
        assert len(store.all(pc.Contribution)) == before, f"stopped at {phase} {done}: nothing stored"
    with pytest.raises(TypeError, match="progress must be"):
        store.import_csv(path, progress="yes")  # type: ignore[arg-type]


def test_progress_true_writes_plain_lines_in_a_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = Path(__file__).parents[2] / "examples" / "data" / "iom_partnerships.json"
    path = tmp_path / "gifts.csv"
    path.write_text(GIFTS.splitlines()[0] + "\n" + "Chevron,IOM Angola,cash,1,USD,2004,\n" * 3)
    store = pc.Store(tmp_path / "s.db")
    store.import_json(seed, progress=True)
    store.import_csv(path, progress=True)
    err = capsys.readouterr().err
    # Neither a terminal nor a notebook: whole lines, never a carriage return.
    assert "\r" not in err
    lines = err.splitlines()
    for phase in ["read", "resolve", "validate", "write"]:
        assert any(line.startswith(f"import: {phase} ") and " in " in line for line in lines), (phase, lines)
    assert "import: read 202 records in " in err, "the JSON document's records"
    assert "import: read 3 rows in " in err and "import: write 3 records in " in err
    data = pc.Dataset.read_json(seed)
    data.import_csv(path, progress=True)
    assert "import: validate " in capsys.readouterr().err


def test_lines_and_bars_draw_steps() -> None:
    import io

    from partnercrm.progress import Bar, Lines

    stream = io.StringIO()
    lines = Lines(stream, every=0.0)
    for step in [pc.Step("write", 0, 20_000), pc.Step("write", 10_000, 20_000), pc.Step("write", 20_000, 20_000)]:
        lines(step)
    lines.close()
    written = stream.getvalue().splitlines()
    assert written[0] == "import: write 10,000 of 20,000 records"
    assert written[1].startswith("import: write 20,000 records in ") and len(written) == 2
    with pytest.raises(TypeError, match="takes a partnercrm.progress.Step"):
        lines(10)  # type: ignore[arg-type]
    bar = Bar()
    for step in [pc.Step("read", 0, None, "rows"), pc.Step("read", 5, None, "rows"), pc.Step("read", 7, 7, "rows"), pc.Step("write", 0, 7)]:
        bar(step)
    bar.close()
