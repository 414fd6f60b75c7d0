//! Workbooks as colleagues send them, made here as Excel writes them:
//! typed numbers and dates, text that looks like numbers, a named sheet,
//! and every problem at its cell.

use std::collections::HashMap;
use std::path::Path;

use partnercrm::Error;
use partnercrm::io::csv::{CsvKind, CsvOptions, Locale, kind_table};
use partnercrm::io::{json, workbook};
use partnercrm::model::*;
use partnercrm::validate::Code;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

fn seed() -> Dataset {
    json::read(SEED).expect("seed")
}

/// A cell as a colleague typed it.
enum Cell<'a> {
    Text(&'a str),
    Number(f64),
    Date(u16, u8, u8),
    Empty,
}

fn write_book(path: &Path, sheets: &[(&str, Vec<Vec<Cell>>)]) {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let money = Format::new().set_num_format("#,##0.00");
    for (name, rows) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(*name).expect("name");
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    Cell::Text(t) => ws.write_string(r, c, *t).map(|_| ()),
                    Cell::Number(n) => ws.write_number_with_format(r, c, *n, &money).map(|_| ()),
                    Cell::Date(y, m, d) => {
                        let day = ExcelDateTime::from_ymd(*y, *m, *d).expect("date");
                        ws.write_datetime_with_format(r, c, &day, &date).map(|_| ())
                    }
                    Cell::Empty => Ok(()),
                }
                .expect("cell");
            }
        }
    }
    book.save(path).expect("saves");
}

fn strings(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

fn german_options() -> CsvOptions {
    CsvOptions {
        mapping: strings(&[
            ("Geber", "donor"),
            ("Empfänger", "recipient"),
            ("Art", "kind"),
            ("Betrag", "amount"),
            ("Währung", "currency"),
            ("Datum", "received_on"),
        ]),
        values: HashMap::from([(
            "kind".to_owned(),
            strings(&[("Spende", "cash"), ("Sachspende", "in_kind")]),
        )]),
        locale: Locale::preset("de").expect("de"),
        ..CsvOptions::default()
    }
}

fn german_rows<'a>() -> Vec<Vec<Cell<'a>>> {
    use Cell::*;
    vec![
        vec![
            Text("Geber"),
            Text("Empfänger"),
            Text("Art"),
            Text("Betrag"),
            Text("Währung"),
            Text("Datum"),
        ],
        vec![
            Text("Chevron"),
            Text("IOM Angola"),
            Text("Spende"),
            Number(1234.56),
            Text("EUR"),
            Date(2024, 3, 15),
        ],
        vec![Empty, Empty, Empty, Empty, Empty, Empty],
        // Typed as text, as a pasted figure often is: read in the locale.
        vec![
            Text("UBS"),
            Text("IOM Indonesia"),
            Text("Sachspende"),
            Text("12.500"),
            Text("CHF"),
            Text("01.02.2024"),
        ],
        // 0.1 + 0.2 in a formula's cached value: the float, exactly.
        vec![
            Text("UBS"),
            Text("IOM Indonesia"),
            Text("Spende"),
            Number(0.1 + 0.2),
            Text("CHF"),
            Date(2024, 2, 1),
        ],
    ]
}

fn money(amount: &str, currency: &str) -> ContributionValue {
    ContributionValue::actual(Money::parse(amount, currency).expect("money"))
}

#[test]
fn the_german_workbook_reads_numbers_and_dates_as_typed() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("spenden.xlsx");
    write_book(&path, &[("Spenden", german_rows())]);
    let read = workbook::read_file(None, &path, None, &german_options(), &seed(), None)
        .expect("reads")
        .contributions;
    assert_eq!(read.len(), 3, "the empty row is no record");
    assert_eq!(read[0].value, money("1234.56", "EUR"));
    assert_eq!(read[0].date, Some("2024-03-15".parse().expect("date")));
    assert_eq!(read[1].value, money("12500", "CHF"));
    assert_eq!(read[1].kind, ContributionKind::InKind);
    assert_eq!(read[2].value, money("0.30000000000000004", "CHF"));
}

#[test]
fn problems_in_a_workbook_are_located_at_their_cells() {
    use Cell::*;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("gifts.xlsx");
    let mut rows = german_rows();
    rows.push(vec![
        Text("Nobody"),
        Text("IOM Angola"),
        Text("Spende"),
        Number(5.0),
        Text("EURO"),
        Date(2024, 1, 1),
    ]);
    write_book(
        &path,
        &[("Notes", vec![vec![Text("ignored")]]), ("Sheet1", rows)],
    );
    let Err(Error::Invalid(report)) = workbook::read_file(
        None,
        &path,
        Some("Sheet1"),
        &german_options(),
        &seed(),
        None,
    ) else {
        panic!("refused")
    };
    let located: Vec<(String, Code)> = report
        .problems()
        .iter()
        .map(|p| (p.path.to_string(), p.code))
        .collect();
    assert_eq!(
        located,
        [
            ("gifts.xlsx!Sheet1!A6".to_owned(), Code::CsvUnknownReference),
            ("gifts.xlsx!Sheet1!E6".to_owned(), Code::CsvInvalidValue),
        ]
    );
    // With no locale, the text 12.500 has two readings; the typed
    // numbers have one.
    let options = CsvOptions {
        locale: Locale {
            date_format: Some("%d.%m.%Y".to_owned()),
            ..Locale::default()
        },
        ..german_options()
    };
    let Err(Error::Invalid(report)) =
        workbook::read_file(None, &path, Some("sheet1"), &options, &seed(), None)
    else {
        panic!("refused")
    };
    assert!(
        report
            .problems()
            .iter()
            .any(|p| p.path.to_string() == "gifts.xlsx!Sheet1!D4"
                && p.code == Code::CsvAmbiguousValue),
        "{report}"
    );
    let Err(Error::Parse { reason, .. }) =
        workbook::read_file(None, &path, Some("Spenden"), &options, &seed(), None)
    else {
        panic!("no such sheet")
    };
    assert!(reason.contains("Notes, Sheet1"), "{reason}");
}

#[test]
fn french_and_english_workbooks_read_text_figures_in_their_locale() {
    use Cell::*;
    let dir = tempfile::tempdir().expect("dir");
    for (locale, amount, date, expected) in [
        ("fr", "1\u{202f}234,56", "15/03/2024", "1234.56"),
        ("en", "12,500", "2024-03-15", "12500"),
    ] {
        let path = dir.path().join(format!("{locale}.xlsx"));
        write_book(
            &path,
            &[(
                "Feuil1",
                vec![
                    vec![
                        Text("donor"),
                        Text("recipient"),
                        Text("kind"),
                        Text("amount"),
                        Text("currency"),
                        Text("received_on"),
                    ],
                    vec![
                        Text("Chevron"),
                        Text("IOM Angola"),
                        Text("cash"),
                        Text(amount),
                        Text("EUR"),
                        Text(date),
                    ],
                    vec![
                        Text("UBS"),
                        Text("IOM Angola"),
                        Text("cash"),
                        Number(250000.0),
                        Text("EUR"),
                        Date(2024, 3, 15),
                    ],
                ],
            )],
        );
        let options = CsvOptions {
            locale: Locale::preset(locale).expect("locale"),
            ..CsvOptions::default()
        };
        let read = workbook::read_file(None, &path, None, &options, &seed(), None)
            .expect("reads")
            .contributions;
        assert_eq!(read[0].value, money(expected, "EUR"), "{locale}");
        assert_eq!(
            read[0].date,
            Some("2024-03-15".parse().expect("date")),
            "{locale}"
        );
        assert_eq!(read[1].value, money("250000", "EUR"), "{locale}");
    }
}

/// The written workbook: numbers as numbers, dates as dates, formulas as
/// text.
#[test]
fn a_written_workbook_types_its_cells_and_runs_no_formula() {
    use calamine::{Data, Reader};
    let mut data = seed();
    data.contributions[0].description = Some("=1+1".to_owned());
    let bytes = workbook::write_table(
        &kind_table(&data, CsvKind::Contributions).expect("table"),
        "contributions",
    )
    .expect("xlsx");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("c.xlsx");
    std::fs::write(&path, &bytes).expect("writes");
    let mut book = calamine::open_workbook_auto(&path).expect("opens");
    let range = book.worksheet_range("contributions").expect("sheet");
    let header: Vec<String> = range
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let row = range.rows().nth(1).expect("row");
    assert!(
        matches!(row[at("amount")], Data::Float(_)),
        "{:?}",
        row[at("amount")]
    );
    assert!(
        matches!(row[at("received_on")], Data::DateTime(_) | Data::Empty),
        "{:?}",
        row[at("received_on")]
    );
    assert_eq!(row[at("description")], Data::String("'=1+1".to_owned()));
    let formulas = book.worksheet_formula("contributions").expect("formulas");
    assert!(
        formulas.used_cells().next().is_none(),
        "no cell is a formula"
    );
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The German file as Excel 97 (`.xls`) and LibreOffice (`.ods`) save it,
/// made by `scripts/sheet_fixtures.py`: the same records as the `.xlsx`,
/// and problems at the same cells.
#[test]
fn xls_and_ods_workbooks_read_as_the_xlsx_does() {
    let dir = tempfile::tempdir().expect("dir");
    let xlsx = dir.path().join("spenden.xlsx");
    write_book(&xlsx, &[("Spenden", german_rows())]);
    let from_xlsx = workbook::read_file(None, &xlsx, None, &german_options(), &seed(), None)
        .expect("reads")
        .contributions;
    for name in ["spenden.xls", "spenden.ods"] {
        let path = Path::new(FIXTURES).join(name);
        let read = workbook::read_file(None, &path, None, &german_options(), &seed(), None)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .contributions;
        let values: Vec<_> = read.iter().map(|c| (&c.value, c.date, c.kind)).collect();
        let expected: Vec<_> = from_xlsx
            .iter()
            .map(|c| (&c.value, c.date, c.kind))
            .collect();
        assert_eq!(values, expected, "{name}");
        assert_eq!(
            read[1].value,
            money("12500", "CHF"),
            "{name}: text in the locale"
        );

        let Err(Error::Invalid(report)) = workbook::read_file(
            None,
            &path,
            Some("Fehler"),
            &german_options(),
            &seed(),
            None,
        ) else {
            panic!("{name}: refused")
        };
        let located: Vec<(String, Code)> = report
            .problems()
            .iter()
            .map(|p| (p.path.to_string(), p.code))
            .collect();
        assert_eq!(
            located,
            [
                (format!("{name}!Fehler!A3"), Code::CsvUnknownReference),
                (format!("{name}!Fehler!F3"), Code::CsvInvalidValue),
            ],
            "{name}"
        );
    }
}

/// What a colleague sees on opening an export: the header row stays in
/// view and every column can be filtered.
#[test]
fn a_written_workbook_freezes_and_filters_its_header() {
    use std::io::Read;
    let bytes = workbook::write_table(
        &kind_table(&seed(), CsvKind::Contributions).expect("table"),
        "contributions",
    )
    .expect("xlsx");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .expect("the sheet")
        .read_to_string(&mut sheet)
        .expect("text");
    assert!(
        sheet.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "frozen header: {}",
        &sheet[..sheet.len().min(600)]
    );
    let rows = seed().contributions.len() + 1;
    let filter = autofilter_ref(&sheet).expect("an autofilter");
    assert!(filter.starts_with("A1:"), "{filter}");
    assert!(
        filter.ends_with(&rows.to_string()),
        "{filter} covers {rows} rows"
    );
}

/// The `ref` of a sheet's `<autoFilter>`.
fn autofilter_ref(sheet: &str) -> Option<&str> {
    let start = sheet.find("<autoFilter ref=\"")? + "<autoFilter ref=\"".len();
    let end = sheet[start..].find('"')? + start;
    Some(&sheet[start..end])
}
