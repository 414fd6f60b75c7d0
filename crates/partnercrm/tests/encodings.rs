//! Files in the encodings people send: a UTF-8 byte-order mark and UTF-16
//! read as UTF-8 does, with the same lines and columns; anything else is
//! refused at the first byte that is not text, never guessed.

use std::path::{Path, PathBuf};

use partnercrm::io::csv::{self as pcsv, CsvKind};
use partnercrm::io::{iati, json};
use partnercrm::model::*;
use partnercrm::validate::Code;
use partnercrm::{Error, Result};

const BOM: &[u8] = b"\xEF\xBB\xBF";

const DOCUMENT: &str = "{\"format\": \"partnercrm/1\",\n \"organisations\": [{\"id\": \
                        \"0190a5d8-0000-7000-8000-000000000001\", \"name\": \"Caf\u{e9} \
                        \u{1F600}\", \"kind\": \"ngo_cso\"}]}\n";

const ORGANISATIONS: &str = "name,kind\nCaf\u{e9} \u{1F600},ngo_cso\n";

const ACTIVITIES: &str = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<iati-activities \
                          version=\"2.03\">\n <iati-activity>\n  \
                          <iati-identifier>XM-DAC-47066-Caf\u{e9}</iati-identifier>\n  \
                          <reporting-org ref=\"XM-DAC-47066\"/>\n </iati-activity>\n\
                          </iati-activities>\n";

fn file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("writes");
    path
}

fn with_bom(text: &str) -> Vec<u8> {
    [BOM, text.as_bytes()].concat()
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    bom.then_some(0xFEFF)
        .into_iter()
        .chain(text.encode_utf16())
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

fn organisations(path: &Path) -> Result<Dataset> {
    pcsv::read_file(
        CsvKind::Organisations,
        path,
        pcsv::CsvOptions::default(),
        &Dataset::new(),
    )
}

/// Every way of writing `text` that reads as `text` does.
fn encodings(text: &str) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("UTF-8 with a byte-order mark", with_bom(text)),
        ("UTF-16LE with a byte-order mark", utf16(text, false, true)),
        ("UTF-16BE with a byte-order mark", utf16(text, true, true)),
    ]
}

#[test]
fn json_with_a_byte_order_mark_or_in_utf16_reads_as_utf8_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let expected = json::from_str(DOCUMENT).expect("reads");
    for (how, bytes) in encodings(DOCUMENT) {
        let path = file(&dir, "data.json", &bytes);
        assert_eq!(json::read(&path).expect(how), expected, "{how}");
    }
    // Text that starts with the mark, as a string read without stripping it.
    assert_eq!(
        json::from_str(&format!("\u{feff}{DOCUMENT}")).expect("reads"),
        expected
    );
}

#[test]
fn csv_with_a_byte_order_mark_or_in_utf16_reads_as_utf8_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = file(&dir, "orgs.csv", ORGANISATIONS.as_bytes());
    let expected = organisations(&path).expect("reads");
    assert_eq!(expected.organisations[0].name, "Caf\u{e9} \u{1F600}");
    for (how, bytes) in encodings(ORGANISATIONS) {
        let path = file(&dir, "orgs.csv", &bytes);
        assert_eq!(organisations(&path).expect(how), expected, "{how}");
        assert_eq!(pcsv::read_text(&path).expect(how), ORGANISATIONS, "{how}");
    }
    let options = pcsv::CsvOptions::default();
    // `name,kind` fits groups too: a column only organisations have tells.
    assert_eq!(
        CsvKind::infer("\u{feff}name,kind,website\n", &options).expect("reads"),
        Some(CsvKind::Organisations)
    );
    let marked = format!("\u{feff}{ORGANISATIONS}");
    assert_eq!(
        pcsv::read(CsvKind::Organisations, &marked, &options, &Dataset::new()).expect("reads"),
        expected
    );
}

#[test]
fn xml_with_a_byte_order_mark_or_in_utf16_reads_as_utf8_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let expected = iati::read_str(ACTIVITIES, &Dataset::new()).expect("reads");
    assert_eq!(
        expected.data.projects[0].iati_identifier.as_deref(),
        Some("XM-DAC-47066-Caf\u{e9}")
    );
    let mut ways = encodings(ACTIVITIES);
    // The declaration names UTF-16: no mark is needed.
    ways.push(("UTF-16LE declared", utf16(ACTIVITIES, false, false)));
    ways.push(("UTF-16BE declared", utf16(ACTIVITIES, true, false)));
    for (how, bytes) in ways {
        let path = file(&dir, "activities.xml", &bytes);
        assert_eq!(
            iati::read_file(&path, &Dataset::new()).expect(how),
            expected,
            "{how}"
        );
    }
}

#[test]
fn problems_in_utf16_are_on_the_lines_and_columns_they_are_on_in_utf8() {
    let dir = tempfile::tempdir().expect("temp dir");
    // JSON: a bad value on line 3.
    let document = "{\"format\": \"partnercrm/1\",\n \"title\": \"\u{e9}t\u{e9}\",\n \
                    \"organisations\": 7}";
    let place = |result: Result<Dataset>| match result {
        Err(Error::Json { line, column, .. }) => (line, column),
        other => panic!("expected a JSON error, got {other:?}"),
    };
    let expected = place(json::from_str(document));
    assert_eq!(expected.0, 3);
    for (how, bytes) in encodings(document) {
        let path = file(&dir, "bad.json", &bytes);
        assert_eq!(place(json::read(&path)), expected, "{how}");
    }
    // CSV: a bad cell on line 3.
    let table = "name,kind\nCaf\u{e9},ngo_cso\n\u{e9}t\u{e9},shop\n";
    for (how, bytes) in encodings(table) {
        let path = file(&dir, "bad.csv", &bytes);
        match organisations(&path) {
            Err(Error::Invalid(report)) => {
                let problems = report.problems();
                assert_eq!(problems.len(), 1, "{how}: {report}");
                assert_eq!(problems[0].path.to_string(), "bad.csv[3].kind", "{how}");
                assert_eq!(problems[0].code, Code::CsvInvalidValue, "{how}");
            }
            other => panic!("{how}: expected a bad cell, got {other:?}"),
        }
    }
    // XML: a document cut short inside line 3.
    let cut = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<iati-activities>\n \
               <iati-activity>";
    let place = |result: Result<iati::Import>| match result {
        Err(Error::Xml { line, column, .. }) => (line, column),
        other => panic!("expected an XML error, got {other:?}"),
    };
    let expected = place(iati::read_str(cut, &Dataset::new()));
    assert_eq!(expected.0, 3);
    for (how, bytes) in encodings(cut) {
        let path = file(&dir, "cut.xml", &bytes);
        assert_eq!(
            place(iati::read_file(&path, &Dataset::new())),
            expected,
            "{how}"
        );
    }
}

#[test]
fn a_byte_order_mark_is_not_a_column_of_the_first_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    // serde_json stops at the second comma, column 27, with or without a mark.
    let broken = "{\"format\": \"partnercrm/1\",,}";
    let column = |result: Result<Dataset>| match result {
        Err(Error::Json {
            line: 1, column, ..
        }) => column,
        other => panic!("expected a JSON error on line 1, got {other:?}"),
    };
    let plain = column(json::from_str(broken));
    assert_eq!(
        column(json::read(file(&dir, "a.json", &with_bom(broken)))),
        plain
    );
    // The first bad byte of a marked file is counted from after the mark.
    let path = file(&dir, "a.csv", &[BOM, b"ab\xE9,kind\n"].concat());
    assert!(
        matches!(
            organisations(&path),
            Err(Error::Encoding {
                line: 1,
                column: 3,
                ..
            })
        ),
        "{:?}",
        organisations(&path)
    );
}

/// The encoding error of reading `bytes` as every kind of file.
fn refused_everywhere(bytes: &[u8]) -> Vec<(usize, usize, String)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = json::read(file(&dir, "x.json", bytes)).map(|_| ());
    let csv = organisations(&file(&dir, "x.csv", bytes)).map(|_| ());
    let xml = iati::read_file(&file(&dir, "x.xml", bytes), &Dataset::new()).map(|_| ());
    [json, csv, xml]
        .into_iter()
        .map(|result| match result {
            Err(Error::Encoding {
                line,
                column,
                message,
                path,
            }) => {
                assert!(path.starts_with(dir.path()), "{path:?}");
                (line, column, message)
            }
            other => panic!("expected an encoding error, got {other:?}"),
        })
        .collect()
}

#[test]
fn latin1_is_refused_at_its_first_bad_byte_with_what_to_do() {
    // "Café" in Latin-1 (and Windows-1252): é is the byte 0xE9, column 4 of line 2.
    for (line, column, message) in refused_everywhere(b"name,kind\nCaf\xE9,ngo_cso\n") {
        assert_eq!((line, column), (2, 4));
        assert!(message.contains("0xE9 is not UTF-8"), "{message}");
        assert!(message.contains("save the file as UTF-8"), "{message}");
    }
    // Columns count characters: the é before the bad byte is one.
    for (line, column, _) in refused_everywhere(b"\xC3\xA9t\n\xC3\xA9x\x80") {
        assert_eq!((line, column), (2, 3));
    }
}

#[test]
fn binary_files_and_utf32_are_refused_as_not_text() {
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
    for (line, column, message) in refused_everywhere(png) {
        assert_eq!((line, column), (1, 1));
        assert!(message.contains("0x89 is not UTF-8"), "{message}");
    }
    let zip = b"PK\x03\x04\x14\x00\x00\x00";
    for (line, column, message) in refused_everywhere(zip) {
        assert_eq!((line, column), (1, 6));
        assert!(message.contains("NUL"), "{message}");
    }
    // UTF-16 with no mark, outside an XML declaration, is not guessed.
    for (_, _, message) in refused_everywhere(&utf16("name,kind\n", false, false)) {
        assert!(message.contains("without a byte-order mark"), "{message}");
    }
    let utf32: Vec<u8> = [0xFEFF_u32, u32::from(b'{')]
        .iter()
        .flat_map(|c| c.to_le_bytes())
        .collect();
    for (line, column, message) in refused_everywhere(&utf32) {
        assert_eq!((line, column), (1, 1));
        assert!(message.contains("UTF-32"), "{message}");
    }
}

#[test]
fn broken_utf16_is_refused_where_it_breaks() {
    let mut bytes = utf16("name,kind\nab", false, true);
    bytes.extend(0xDC00_u16.to_le_bytes());
    for (line, column, message) in refused_everywhere(&bytes) {
        assert_eq!((line, column), (2, 3));
        assert!(message.contains("0xDC00"), "{message}");
    }
}

#[test]
fn rate_tables_read_as_the_other_csv_files_do() {
    use partnercrm::query::rates::RateTable;
    let dir = tempfile::tempdir().expect("temp dir");
    let eur: Currency = "EUR".parse().expect("EUR");
    let usd: Currency = "USD".parse().expect("USD");
    let day = chrono::NaiveDate::from_ymd_opt(2008, 5, 1).expect("a day");
    let rates = "currency,date,rate\nUSD,2008-05,0.6435\n";
    for (how, bytes) in encodings(rates) {
        let path = file(&dir, "rates.csv", &bytes);
        let table = RateTable::read_csv("ECB", eur, &path).expect(how);
        assert_eq!(
            table.rate(usd, day).expect(how).to_string(),
            "0.6435",
            "{how}"
        );
    }
    let marked = format!("\u{feff}{rates}");
    assert!(RateTable::from_csv("ECB", eur, &marked).is_ok());
    let latin1 = file(
        &dir,
        "rates.csv",
        b"currency,date,rate\nUSD,2008-05,0\xB76435\n",
    );
    assert!(matches!(
        RateTable::read_csv("ECB", eur, &latin1),
        Err(Error::Encoding {
            line: 2,
            column: 14,
            ..
        })
    ));
}
