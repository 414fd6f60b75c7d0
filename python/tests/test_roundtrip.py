"""Exports read back into the store they came from change nothing: inserted,
updated and deleted are all zero, and the data set is the same."""

from pathlib import Path

import pytest

import partnercrm as pc

SHARED = Path(__file__).resolve().parents[3] / "shared" / "iati"
IATI_FILES = sorted(
    p
    for folder in ("samples", "corpus")
    for p in (SHARED / folder).glob("*.xml")
    # An organisation file, not activities.
    if p.name != "organisation-standard-example-annotated.xml"
)


def unchanged(applied: dict[str, object]) -> tuple[object, object, object]:
    return applied["inserted"], applied["updated"], applied["deleted"]


def test_the_seed_reads_back_as_json_and_iati(store: pc.Store, tmp_path: Path) -> None:
    before = store.dataset()
    before.write_json(tmp_path / "backup.json")
    assert unchanged(store.import_json(tmp_path / "backup.json")) == (0, 0, 0)
    before.write_iati(tmp_path / "export.xml", before.iati_writable())
    assert unchanged(store.import_iati(tmp_path / "export.xml")) == (0, 0, 0)
    data, _ = pc.Dataset.read_iati(tmp_path / "export.xml", known=store)
    assert unchanged(store.import_dataset(data)) == (0, 0, 0)
    assert store.dataset() == before


@pytest.mark.parametrize("path", IATI_FILES, ids=lambda p: p.name)
def test_every_shared_iati_file_reads_back_unchanged(path: Path, tmp_path: Path) -> None:
    store = pc.Store.in_memory()
    store.import_iati(path)
    before = store.dataset()
    export = tmp_path / "export.xml"
    before.write_iati(export)
    assert unchanged(store.import_iati(export)) == (0, 0, 0)
    assert store.dataset() == before


def test_read_iati_takes_a_store_or_a_dataset(store: pc.Store, tmp_path: Path) -> None:
    data = store.dataset()
    xml = data.to_iati(data.iati_writable())
    from_store, _ = pc.Dataset.from_iati(xml, known=store)
    from_data, _ = pc.Dataset.from_iati(xml, known=store.dataset())
    assert from_store == from_data
    with pytest.raises(pc.ParseError, match="known must be a Store or a Dataset"):
        pc.Dataset.from_iati(xml, known=42)


RECORD_TABLES = [
    "organisations", "people", "agreements", "projects", "indicators",
    "groups", "memberships", "contributions", "notes",
]


@pytest.mark.parametrize("table", RECORD_TABLES)
def test_every_record_table_reads_back_as_csv_unchanged(store: pc.Store, tmp_path: Path, table: str) -> None:
    before = store.dataset()
    path = tmp_path / f"{table}.csv"
    store.table(table).to_csv(path)
    applied = store.import_csv(path, kind=table)
    assert unchanged(applied) == (0, 0, 0)
    assert store.dataset() == before
