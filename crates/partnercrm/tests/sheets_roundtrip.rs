//! Every kind's export comes back: as CSV, as Excel-style CSV under a
//! decimal-comma locale, and as `.xlsx`, read into the store it came from
//! it changes nothing, and read kind by kind into a fresh store it gives
//! the same records (every cell of every kind's export equal).

#[path = "support/backends.rs"]
mod backends;
#[path = "support/postgres.rs"]
mod pg;

use backends::{Held, new_store};

both_backends!(
    every_kind_of_the_seed_comes_back_in_every_format,
    every_kind_of_synthetic_data_comes_back_in_every_format,
    the_organisations_export_names_parents_and_writes_lists_as_read,
    excel_style_csv_writes_decimal_commas_between_semicolons,
);

use partnercrm::io::csv::{
    self, CsvKind, CsvOptions, Locale, WriteOptions, kind_table, write_table, write_table_with,
};
use partnercrm::io::{json, workbook};
use partnercrm::model::*;
use partnercrm::store::{Applied, Batch};
use partnercrm::synthetic::{Spec, generate};

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

#[derive(Clone, Copy, Debug)]
enum Format {
    Csv,
    /// A BOM, CRLF, `;` and decimal commas, read back with `--locale de`.
    ExcelCsv,
    Xlsx,
}

fn store_of(data: Dataset) -> Held {
    let mut store = new_store();
    store.import(data, "test").expect("imports");
    store
}

/// The kind's export of `data`, read back against `known` as a user
/// would: its kind told by its header.
fn export_and_read(
    data: &Dataset,
    kind: CsvKind,
    format: Format,
    known: &Dataset,
    dir: &std::path::Path,
) -> Dataset {
    let table = kind_table(data, kind).expect("table");
    let de = Locale::preset("de").expect("de");
    let (text, options) = match format {
        Format::Csv => (write_table(&table).expect("csv"), CsvOptions::default()),
        Format::ExcelCsv => {
            let write = WriteOptions {
                excel: true,
                locale: de.clone(),
            };
            let text = write_table_with(&table, &write).expect("csv");
            assert!(text.starts_with('\u{feff}') && text.contains("\r\n"));
            assert!(
                text.lines()
                    .next()
                    .is_some_and(|h| h.contains(';') && !h.contains(','))
            );
            if kind == CsvKind::Contributions {
                // Amounts with a decimal comma, never with thousands.
                let amounts: Vec<&str> = text
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split(';').nth(4))
                    .collect();
                assert!(!amounts.iter().any(|a| a.contains('.')), "{amounts:?}");
            }
            let options = CsvOptions {
                locale: de,
                ..CsvOptions::default()
            };
            (text, options)
        }
        Format::Xlsx => {
            let path = dir.join(format!("{kind}.xlsx"));
            std::fs::write(
                &path,
                workbook::write_table(&table, kind.as_str()).expect("xlsx"),
            )
            .expect("writes");
            let rows = workbook::read_sheet(&path, None, &CsvOptions::default()).expect("sheet");
            (rows.text, rows.options)
        }
    };
    let options = CsvOptions {
        file: format!("{kind}"),
        ..options
    };
    let told = CsvKind::of_file(None, &text, &options)
        .unwrap_or_else(|e| panic!("{format:?}: the {kind} export shows its kind: {e}"));
    assert_eq!(told, kind, "{format:?}");
    csv::read(kind, &text, &options, known)
        .unwrap_or_else(|e| panic!("{format:?}: the {kind} export reads back: {e}"))
}

fn assert_nothing_changed(applied: &Applied, what: &str) {
    assert_eq!(
        (applied.inserted, applied.updated, applied.deleted),
        (0, 0, 0),
        "{what}: {applied:?}"
    );
}

fn every_kind_comes_back(data: Dataset, what: &str) {
    let dir = tempfile::tempdir().expect("dir");
    for kind in CsvKind::ALL.into_iter().filter(|_| what == "seed") {
        let rows = kind_table(&data, kind).expect("table").num_rows();
        assert!(rows > 0, "{what}: the {kind} export has rows");
    }
    for format in [Format::Csv, Format::ExcelCsv, Format::Xlsx] {
        let what = format!("{what}, {format:?}");
        // Into the store it came from: nothing changes.
        let mut store = store_of(data.clone());
        let before = store.dataset().expect("dataset");
        let mut batch = Dataset::new();
        for kind in CsvKind::ALL {
            batch.upsert_all(export_and_read(&before, kind, format, &before, dir.path()));
        }
        let applied = store
            .apply(Batch::upsert_all(batch), "test", "round trip")
            .expect("applies");
        assert_nothing_changed(&applied, &what);
        assert_eq!(store.dataset().expect("dataset"), before, "{what}");

        // Into a fresh store, kind by kind: the same records.
        let mut fresh = new_store();
        for kind in CsvKind::ALL {
            let known = fresh.dataset().expect("dataset");
            let read = export_and_read(&before, kind, format, &known, dir.path());
            fresh
                .apply(Batch::upsert_all(read), "test", "fresh")
                .unwrap_or_else(|e| panic!("{what}: {kind} into a fresh store: {e}"));
        }
        let after = fresh.dataset().expect("dataset");
        for kind in CsvKind::ALL {
            assert_eq!(
                write_table(&kind_table(&after, kind).expect("table")).expect("csv"),
                write_table(&kind_table(&before, kind).expect("table")).expect("csv"),
                "{what}: {kind} in a fresh store"
            );
        }
    }
}

fn every_kind_of_the_seed_comes_back_in_every_format() {
    every_kind_comes_back(json::read(SEED).expect("seed"), "seed");
}

fn every_kind_of_synthetic_data_comes_back_in_every_format() {
    every_kind_comes_back(generate(&Spec::new(300)), "synthetic");
}

/// The measured case: the organisations export wrote `[]` for an empty
/// list, a parent as a UUID, and lists as `[a, b]`.
fn the_organisations_export_names_parents_and_writes_lists_as_read() {
    let data = json::read(SEED).expect("seed");
    let text =
        write_table(&kind_table(&data, CsvKind::Organisations).expect("table")).expect("csv");
    assert!(!text.contains("[]"), "no empty list as []");
    assert!(!text.contains("[\""), "no list as [a, b]");
    let child = data
        .organisations
        .iter()
        .find(|o| {
            o.parent.is_some_and(|p| {
                data.organisations.iter().position(|x| x.id == p)
                    < data.organisations.iter().position(|x| x.id == o.id)
            })
        })
        .expect("a child after its parent");
    let parent = data
        .organisation(child.parent.expect("parent"))
        .expect("parent");
    let line = text
        .lines()
        .find(|l| l.starts_with(&child.id.to_string()))
        .expect("the child's row");
    assert!(line.contains(&parent.name), "{line}");
    assert!(!line.contains(&parent.id.to_string()), "{line}");
    let header = text.lines().next().expect("header");
    let contributions =
        write_table(&kind_table(&data, CsvKind::Contributions).expect("table")).expect("csv");
    assert!(
        contributions.starts_with("id,donor,recipient,kind,amount,currency,basis,received_on"),
        "{header}"
    );
}

/// The Excel-style CSV under a decimal-comma locale: `;`, a BOM, CRLF,
/// decimal commas, and formulas still neutralised.
fn excel_style_csv_writes_decimal_commas_between_semicolons() {
    let mut data = json::read(SEED).expect("seed");
    data.contributions[0].value =
        ContributionValue::actual(Money::parse("1234.5", "EUR").expect("money"));
    data.contributions[0].description = Some("=HYPERLINK(\"http://x\")".to_owned());
    let table = kind_table(&data, CsvKind::Contributions).expect("table");
    let write = WriteOptions {
        excel: true,
        locale: Locale::preset("de").expect("de"),
    };
    let text = write_table_with(&table, &write).expect("csv");
    let row = text.lines().nth(1).expect("row");
    assert!(row.contains(";1234,5;EUR;"), "{row}");
    assert!(row.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{row}");
    let options = CsvOptions {
        locale: Locale::preset("de").expect("de"),
        ..CsvOptions::default()
    };
    let read = csv::read(CsvKind::Contributions, &text, &options, &data).expect("reads");
    assert_eq!(read.contributions[0].value, data.contributions[0].value);
    assert_eq!(
        read.contributions[0].description,
        data.contributions[0].description
    );
}
