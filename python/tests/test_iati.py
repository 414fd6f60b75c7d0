"""IATI 2.03 in and out: samples import, exports validate against the official XSD."""

from pathlib import Path

import pytest
from lxml import etree

import partnercrm as pc

ROOT = Path(__file__).resolve().parents[2]
IATI = ROOT.parent / "shared" / "iati"
SAMPLES = IATI / "samples"
CORPUS = IATI / "corpus"
# Every shared activity file: the official examples, the samples and the
# publishers' files as d-portal serves them.
ACTIVITY_FILES = [
    p for p in sorted(SAMPLES.glob("*.xml")) + sorted(CORPUS.glob("*.xml")) if "organisation" not in p.name
]
SCHEMA = IATI / "schema" / "iati-activities-schema.xsd"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def assert_valid(schema: etree.XMLSchema, text: str) -> None:
    document = etree.fromstring(text.encode("utf-8"))
    if not schema.validate(document):
        errors = "\n".join(str(e) for e in list(schema.error_log)[:10])
        raise AssertionError(f"export is not valid IATI 2.03:\n{errors}")


@pytest.mark.parametrize("path", ACTIVITY_FILES, ids=lambda p: p.name)
def test_every_shared_file_exports_valid_iati(
    schema: etree.XMLSchema, path: Path, tmp_path: Path
) -> None:
    data, warnings = pc.Dataset.read_iati(path)
    raw = etree.parse(str(path)).getroot()
    activities = 1 if raw.tag == "iati-activity" else len(raw.findall("iati-activity"))
    assert len(data.records(pc.Project)) == activities
    assert all(w.severity == "warning" and w.path.startswith("/iati-activit") for w in warnings)
    text = data.to_iati()
    assert_valid(schema, text)
    again, more = pc.Dataset.from_iati(text)
    # Read afresh, the export gives every record again; of the names the
    # file gave an organisation, it writes the one shown, so the others
    # (its aliases) stay with the store it came from.
    def without_aliases(d: pc.Dataset) -> list[dict[str, object]]:
        return [{k: v for k, v in o.to_dict().items() if k != "aliases"} for o in d.records(pc.Organisation)]

    assert without_aliases(again) == without_aliases(data)
    for kind in (pc.Contribution, pc.Project, pc.Indicator, pc.Agreement):
        assert again.records(kind) == data.records(kind)
    # Into the store it came from, the export changes nothing.
    store = pc.Store(tmp_path / "round.db")
    store.import_iati(path, actor="test")
    exported = tmp_path / "export.xml"
    exported.write_text(store.dataset().to_iati(), encoding="utf-8")
    applied = store.import_iati(exported, actor="test")
    assert (applied["inserted"], applied["updated"], applied["deleted"]) == (0, 0, 0)
    # Only warnings that describe the data again: an identifier held as the
    # publisher wrote it, two identifiers under one name, a count given in
    # words, or an end of a transaction the publisher left unnamed (written
    # without it again).
    assert {w.code for w in more} <= {
        "iati.legacy_identifier",
        "iati.shared_name",
        "iati.value_in_words",
        "iati.counterparty_not_stated",
    }


def test_the_iom_activity_reads_as_published() -> None:
    data, warnings = pc.Dataset.read_iati(SAMPLES / "activity-01.xml")
    [project] = data.records(pc.Project)
    assert project.iati_identifier == "XM-DAC-47066-DP.2154"
    assert project.countries == ["SO"]
    assert project.status == "implementation"
    # IOM's own sector vocabularies are held beside the DAC sector: nothing to warn of.
    assert warnings == []
    assert project.other_sectors == ["99:DP", "98:01"]
    assert project.sectors == ["72010"]
    japan = [o for o in data.records(pc.Organisation) if o.name == "Japan - Ministry of Foreign Affairs"]
    assert japan and japan[0].kind == "government"
    pledges = [c for c in data.records(pc.Contribution) if c.kind == "pledge"]
    assert {str(c.value.amount) for c in pledges if c.value} == {"1459753.72"}


def test_the_seed_data_set_exports_valid_iati(schema: etree.XMLSchema, seed: pc.Dataset) -> None:
    # Only projects with dates and someone to report them can be IATI activities.
    projects = [p for p in seed.records(pc.Project) if p.period and (p.lead_office or p.partners)]
    assert projects
    assert_valid(schema, seed.to_iati(projects))


def test_an_export_iati_cannot_hold_names_every_project(seed: pc.Dataset) -> None:
    undated = {p.id for p in seed.records(pc.Project) if not p.period}
    assert undated
    with pytest.raises(pc.ValidationError) as refused:
        seed.to_iati()
    problems = refused.value.problems
    assert {p.code for p in problems} == {"iati.not_writable"}
    assert {f"projects.{i}" for i in undated} <= {p.path for p in problems}


def test_write_iati_and_unknown_projects(tmp_path: Path, schema: etree.XMLSchema) -> None:
    data, _ = pc.Dataset.read_iati(SAMPLES / "activity-standard-example-annotated.xml")
    out = tmp_path / "out.xml"
    data.write_iati(out)
    assert_valid(schema, out.read_text(encoding="utf-8"))
    with pytest.raises(pc.ParseError):
        data.to_iati(["0190a4b6-0000-7000-8000-000000000000"])


def test_hostile_xml_is_refused() -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<iati-activities><iati-activity><iati-identifier>&xxe;</iati-identifier>"
        "</iati-activity></iati-activities>"
    )
    with pytest.raises(pc.ParseError, match="declares entities"):
        pc.Dataset.from_iati(xxe)


def test_store_import_is_all_or_nothing_and_idempotent(store: pc.Store) -> None:
    first = store.import_iati(SAMPLES / "dportal_119.xml", actor="test")
    assert first["inserted"] > 100
    assert any(w.code == "iati.unsupported" for w in first["warnings"])
    again = store.import_iati(SAMPLES / "dportal_119.xml", actor="test")
    assert again["inserted"] == 0 and again["updated"] == 0
    found = store.by_identifier("XM-DAC-47066")
    assert found is not None
    with pytest.raises(pc.ParseError):
        store.import_iati(SAMPLES / "SOURCES.txt")


NAMED_ALONE = """<iati-activities version="2.03"><iati-activity default-currency="USD">
  <iati-identifier>XM-DAC-41114-A</iati-identifier>
  <reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>
  <title><narrative>Named alone</narrative></title>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2024-02-01"/>
   <value>1500.25</value><receiver-org><narrative>Acme Relief</narrative></receiver-org></transaction>
 </iati-activity></iati-activities>"""
IDENTIFIED = """<iati-activities version="2.03"><iati-activity>
  <iati-identifier>XM-DAC-41114-B</iati-identifier>
  <reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>
  <title><narrative>Identified</narrative></title>
  <participating-org ref="GB-CHC-1234567" role="4" type="21"><narrative>Acme Relief</narrative></participating-org>
 </iati-activity></iati-activities>"""


def test_a_name_read_before_its_identifier_is_one_organisation_in_any_order(tmp_path: Path) -> None:
    alone, identified = tmp_path / "alone.xml", tmp_path / "identified.xml"
    alone.write_text(NAMED_ALONE, encoding="utf-8")
    identified.write_text(IDENTIFIED, encoding="utf-8")

    def store_of(*files: Path) -> pc.Store:
        store = pc.Store(tmp_path / f"{'-'.join(f.stem for f in files)}.db")
        for f in files:
            applied = store.import_iati(f, actor="test")
        assert applied is not None
        return store

    forward = store_of(alone, identified)
    backward = store_of(identified, alone)

    def content(store: pc.Store) -> list[dict[str, object]]:
        d = store.dataset()
        return sorted(
            (r.to_dict() for kind in (pc.Organisation, pc.Contribution, pc.Project) for r in d.records(kind)),
            key=lambda r: str(r["id"]),
        )

    assert content(forward) == content(backward)
    acme = forward.by_identifier("GB-CHC-1234567")
    assert acme is not None and acme.name == "Acme Relief"
    [gift] = forward.dataset().records(pc.Contribution)
    assert gift.recipient == acme.id


def test_qualitative_values_and_other_sectors_cross_into_python() -> None:
    data, warnings = pc.Dataset.read_iati(SAMPLES / "dportal_115.xml")
    qualitative = [i for i in data.records(pc.Indicator) if i.measure == "qualitative"]
    words = [o for i in data.records(pc.Indicator) for o in i.actuals + i.targets if o.value is None]
    assert words and all(o.comment for o in words)
    projects = data.records(pc.Project)
    other = [s for p in projects for s in p.other_sectors]
    assert other and all(":" in s for s in other)
    # Every getter and to_dict of what was read works.
    for record in qualitative + projects:
        assert record.to_dict()["id"] == str(record.id)
    table = data.table("observations")
    assert table.num_rows >= len(words)
