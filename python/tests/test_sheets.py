"""Spreadsheets as colleagues send them (issue 14): the German file as CSV
and as a workbook, locales and mappings, the measured cases, and every
kind's export back into the same and a fresh store, as CSV, Excel-style CSV
and .xlsx."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import partnercrm as pc

GERMAN = (
    "\ufeffGeber;Empfänger;Art;Betrag;Währung;Datum\r\n"
    "Chevron;IOM Angola;Spende;1.234,56;EUR;15.03.2024\r\n"
    "UBS;IOM Indonesia;Sachspende;12.500;CHF;01.02.2024\r\n"
)
MAPPING = {
    "Geber": "donor",
    "Empfänger": "recipient",
    "Art": "kind",
    "Betrag": "amount",
    "Währung": "currency",
    "Datum": "received_on",
}
VALUES = {"kind": {"Spende": "cash", "Sachspende": "in_kind"}}
KINDS = ["organisations", "people", "projects", "agreements", "contributions", "indicators", "groups", "memberships", "notes"]


def gifts(store: pc.Store) -> dict[str, tuple[Decimal | None, str | None, str]]:
    """The stored gifts of Chevron and UBS to IOM Angola and IOM Indonesia, by donor."""
    table = store.kind_table("contributions").to_polars()
    rows = table.filter(table["received_on"] >= date(2024, 1, 1)).to_dicts()
    return {r["donor"]: (r["amount"], r["currency"], r["kind"]) for r in rows}


def test_the_german_file_imports_with_its_locale(store: pc.Store, tmp_path: Path) -> None:
    path = tmp_path / "spenden.csv"
    path.write_bytes(GERMAN.encode("utf-8"))
    with pytest.raises(pc.ValidationError) as info:
        store.import_csv(path, mapping=MAPPING, values=VALUES)
    problems = [(p.path, p.code) for p in info.value.problems]
    # CRLF and a byte-order mark: the lines Excel shows.
    assert problems == [
        ("spenden.csv[2].received_on", "csv.invalid_value"),
        ("spenden.csv[3].amount", "csv.ambiguous_value"),
        ("spenden.csv[3].received_on", "csv.invalid_value"),
    ]
    ambiguous = info.value.problems[1].message
    assert "12500" in ambiguous and "12.5" in ambiguous
    assert store.import_csv(path, mapping=MAPPING, values=VALUES, locale="de")["inserted"] == 2
    assert gifts(store) == {
        "Chevron Corporation": (Decimal("1234.56"), "EUR", "cash"),
        "UBS": (Decimal("12500.00"), "CHF", "in_kind"),
    }
    again = store.import_csv(
        path,
        kind="contributions",
        mapping=MAPPING,
        values=VALUES,
        decimal=",",
        thousands=".",
        date_format="%d.%m.%Y",
        delimiter=";",
    )
    assert (again["inserted"], again["updated"]) == (0, 0)


def test_a_dataset_reads_a_french_file_with_a_constant(tmp_path: Path) -> None:
    data = pc.Dataset.read_json(Path(__file__).parents[2] / "examples" / "data" / "iom_partnerships.json")
    path = tmp_path / "dons.csv"
    path.write_text("donateur|bénéficiaire|montant|devise\nChevron|IOM Angola|1\u202f234,56|EUR\n")
    data.import_csv(
        path,
        mapping={"donateur": "donor", "bénéficiaire": "recipient", "montant": "amount", "devise": "currency"},
        constants={"kind": "services"},
        locale="fr",
    )
    table = data.kind_table("contributions").to_polars()
    [row] = table.filter((table["kind"] == "services") & (table["currency"] == "EUR")).to_dicts()
    assert (row["donor"], row["amount"], row["currency"]) == ("Chevron Corporation", Decimal("1234.56"), "EUR")


def test_headers_are_checked(store: pc.Store, tmp_path: Path) -> None:
    typo = tmp_path / "typo.csv"
    typo.write_text("donor,recipient,kind,ammount,currency\nChevron,IOM Angola,cash,1,USD\n")
    with pytest.raises(pc.ValidationError) as info:
        store.import_csv(typo, kind="contributions")
    [problem] = info.value.problems
    assert (problem.path, problem.code) == ("typo.csv[1].ammount", "csv.unknown_column")
    assert "did you mean `amount`?" in problem.message
    orgs = tmp_path / "orgs.csv"
    orgs.write_text("name,kind\nNew Foundation,foundation\n")
    with pytest.raises(pc.ValidationError) as info:
        store.import_csv(orgs)
    assert [p.code for p in info.value.problems] == ["csv.unknown_kind"]
    assert "organisations and groups" in info.value.problems[0].message
    assert store.import_csv(orgs, kind="organisations")["inserted"] == 1
    people = tmp_path / "people.csv"
    people.write_text("name,organisation,title,email,phone\nAna Silva,IOM Angola,Officer,ana@example.org,\n")
    store.import_csv(people)
    people_table = store.kind_table("people").to_polars()
    [ana] = people_table.filter(people_table["name"] == "Ana Silva").to_dicts()
    assert (ana["email"], ana["title"]) == ("ana@example.org", "Officer")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name;kind;description\nCaritas Österreich;ngo_cso;10 €\n".encode("cp1252"))
    with pytest.raises(pc.ParseError):
        store.import_csv(latin, kind="organisations")
    store.import_csv(latin, kind="organisations", encoding="windows-1252")
    [caritas] = store.find(pc.Organisation, "Caritas Österreich")
    assert caritas.description == "10 €"
    with pytest.raises(pc.ParseError):
        store.import_csv(latin, kind="organisations", locale="xx")  # type: ignore[arg-type]


def german_workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Spenden"
    sheet.append(list(MAPPING))
    sheet.append(["Chevron", "IOM Angola", "Spende", 1234.56, "EUR", datetime(2024, 3, 15)])
    sheet.append(["UBS", "IOM Indonesia", "Sachspende", "12.500", "CHF", "01.02.2024"])
    sheet.append(["Nobody", "IOM Indonesia", "Spende", 5, "CHF", datetime(2024, 3, 15)])
    book.save(path)


def test_the_german_workbook_imports_with_problems_at_their_cells(store: pc.Store, tmp_path: Path) -> None:
    path = tmp_path / "spenden.xlsx"
    german_workbook(path)
    with pytest.raises(pc.ValidationError) as info:
        store.import_excel(path, mapping=MAPPING, values=VALUES, locale="de")
    assert [(p.path, p.code) for p in info.value.problems] == [
        ("spenden.xlsx!Spenden!A4", "csv.unknown_reference")
    ]
    data = store.dataset()
    with pytest.raises(pc.ValidationError):
        data.import_excel(path, sheet="Spenden", mapping=MAPPING, values=VALUES, locale="de")
    book = openpyxl.load_workbook(path)
    book["Spenden"].delete_rows(4)
    book.save(path)
    assert store.import_excel(path, mapping=MAPPING, values=VALUES, locale="de")["inserted"] == 2
    assert gifts(store)["UBS"] == (Decimal("12500.00"), "CHF", "in_kind")
    assert gifts(store)["Chevron Corporation"] == (Decimal("1234.56"), "EUR", "cash")


@pytest.mark.parametrize("how", ["csv", "excel-csv", "xlsx"])
def test_every_kind_comes_back_into_the_same_and_a_fresh_store(store: pc.Store, tmp_path: Path, how: str) -> None:
    before = store.dataset()
    files = []
    for kind in KINDS:
        table = store.kind_table(kind)
        if how == "xlsx":
            path = tmp_path / f"{kind}.xlsx"
            table.to_excel(path)
        else:
            path = tmp_path / f"{kind}.csv"
            table.to_csv(path, excel=how == "excel-csv", locale="de" if how == "excel-csv" else None)
        files.append(path)
    locale = "de" if how == "excel-csv" else None
    for path in files:
        read = store.import_excel(path) if how == "xlsx" else store.import_csv(path, locale=locale)
        assert (read["inserted"], read["updated"], read["deleted"]) == (0, 0, 0), path
    assert store.dataset() == before
    fresh = pc.Store.in_memory()
    for path in files:
        fresh.import_excel(path) if how == "xlsx" else fresh.import_csv(path, locale=locale)
    for kind in KINDS:
        assert fresh.kind_table(kind).to_csv() == store.kind_table(kind).to_csv(), kind


FIXTURES = Path(__file__).parents[2] / "crates" / "partnercrm" / "tests" / "fixtures"


@pytest.mark.parametrize("name", ["spenden.xls", "spenden.ods"])
def test_xls_and_ods_workbooks_import_as_typed(store: pc.Store, name: str) -> None:
    """The German file as Excel 97 and LibreOffice save it (scripts/sheet_fixtures.py)."""
    path = FIXTURES / name
    with pytest.raises(pc.ValidationError) as info:
        store.import_excel(path, sheet="Fehler", mapping=MAPPING, values=VALUES, locale="de")
    assert [(p.path, p.code) for p in info.value.problems] == [
        (f"{name}!Fehler!A3", "csv.unknown_reference"),
        (f"{name}!Fehler!F3", "csv.invalid_value"),
    ]
    with pytest.raises(pc.ValidationError) as info:
        store.import_excel(path, mapping=MAPPING, values=VALUES)
    assert (info.value.problems[0].path, info.value.problems[0].code) == (f"{name}!Spenden!D4", "csv.ambiguous_value")
    assert store.import_excel(path, mapping=MAPPING, values=VALUES, locale="de")["inserted"] == 3
    table = store.kind_table("contributions").to_polars()
    rows = table.filter(table["received_on"] >= date(2024, 1, 1)).sort("amount").to_dicts()
    assert [(r["donor"], r["amount"], r["currency"], r["kind"], r["received_on"]) for r in rows] == [
        ("UBS", Decimal("0.30000000000000004"), "CHF", "cash", date(2024, 2, 1)),
        ("Chevron Corporation", Decimal("1234.56"), "EUR", "cash", date(2024, 3, 15)),
        ("UBS", Decimal("12500"), "CHF", "in_kind", date(2024, 2, 1)),
    ]
    again = store.import_excel(path, mapping=MAPPING, values=VALUES, locale="de")
    assert (again["inserted"], again["updated"], again["deleted"]) == (0, 0, 0)


def test_a_written_workbook_keeps_its_header_in_view_and_filtered(store: pc.Store, tmp_path: Path) -> None:
    path = tmp_path / "contributions.xlsx"
    store.kind_table("contributions").to_excel(path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert sheet.freeze_panes == "A2"
    rows = len(store.kind_table("contributions").to_polars()) + 1
    assert sheet.auto_filter.ref is not None and sheet.auto_filter.ref.startswith("A1:")
    assert sheet.auto_filter.ref.endswith(str(rows))
