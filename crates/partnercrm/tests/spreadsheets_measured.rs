//! The cases measured in issue 14, each as a user met it: a file that
//! imported wrong numbers in silence, headers that were ignored, lines
//! counted wrong, and exports that did not come back.

use std::collections::HashMap;

use partnercrm::Error;
use partnercrm::io::csv::{self, CsvKind, CsvOptions};
use partnercrm::io::json;
use partnercrm::model::*;
use partnercrm::validate::{Code, Report};

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

fn seed() -> Dataset {
    json::read(SEED).expect("seed")
}

fn options(file: &str) -> CsvOptions {
    CsvOptions {
        file: file.to_owned(),
        ..CsvOptions::default()
    }
}

fn refused(kind: CsvKind, text: &str, options: &CsvOptions) -> Report {
    match csv::read(kind, text, options, &seed()) {
        Err(Error::Invalid(report)) => report,
        other => panic!("expected the file refused, got {other:?}"),
    }
}

fn paths(report: &Report) -> Vec<(String, Code)> {
    report
        .problems()
        .iter()
        .map(|p| (p.path.to_string(), p.code))
        .collect()
}

/// `12.500` and `250.000` meant twelve thousand five hundred and a quarter
/// of a million: read as 12.5 and 250 with no word, they were refused by
/// nobody. With no locale, each is refused with both readings shown.
#[test]
fn amounts_with_two_readings_are_refused_with_both_shown() {
    let text = "donor,recipient,kind,amount,currency\n\
                Chevron,IOM Angola,cash,12.500,EUR\n\
                UBS,IOM Indonesia,cash,250.000,CHF\n\
                UBS,IOM Indonesia,cash,\"1,234\",CHF\n";
    let report = refused(CsvKind::Contributions, text, &options("gifts.csv"));
    assert_eq!(
        paths(&report),
        [
            ("gifts.csv[2].amount".to_owned(), Code::CsvAmbiguousValue),
            ("gifts.csv[3].amount".to_owned(), Code::CsvAmbiguousValue),
            ("gifts.csv[4].amount".to_owned(), Code::CsvAmbiguousValue),
        ]
    );
    let messages: Vec<&str> = report
        .problems()
        .iter()
        .map(|p| p.message.as_str())
        .collect();
    assert!(
        messages[0].contains("12500") && messages[0].contains("12.5"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("250000") && messages[1].contains("250"),
        "{messages:?}"
    );
    assert!(
        messages[2].contains("1234") && messages[2].contains("1.234"),
        "{messages:?}"
    );
}

/// Excel saves CSV with CRLF line ends: problems are on the lines an
/// editor shows, with a quoted line break and a byte-order mark too.
#[test]
fn problems_are_on_the_right_lines_with_crlf_quoted_breaks_and_a_bom() {
    let text = "\u{feff}donor,recipient,kind,amount,currency,description\r\n\
                Chevron,IOM Angola,cash,100,USD,\"two\r\nlines\"\r\n\
                Chevron,IOM Angola,cash,100,EURO,\r\n\
                Nobody,IOM Angola,cash,100,USD,\r\n";
    let report = refused(CsvKind::Contributions, text, &options("crlf.csv"));
    assert_eq!(
        paths(&report),
        [
            ("crlf.csv[4].currency".to_owned(), Code::CsvInvalidValue),
            ("crlf.csv[5].donor".to_owned(), Code::CsvUnknownReference),
        ]
    );
}

/// A people file with the documented optional column `title` was read as
/// projects, dropping name, email and phone, with exit 0.
#[test]
fn a_people_file_with_a_title_is_not_taken_for_projects() {
    let columns = ["name", "organisation", "title", "email", "phone"];
    assert_eq!(CsvKind::from_columns(&columns), Some(CsvKind::People));
    let text = "name,organisation,title,email,phone\n\
                Ana Silva,IOM Angola,Programme officer,ana@example.org,+244 1\n";
    let people = csv::read(CsvKind::People, text, &options("people.csv"), &seed())
        .expect("reads")
        .people;
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].contact.email.as_deref(), Some("ana@example.org"));
}

/// Misspelled columns were ignored: the row imported with no amount and
/// no date. Each is now refused with the column it may mean.
#[test]
fn misspelled_columns_are_refused_with_the_nearest_known_name() {
    let text = "donor,recipient,kind,ammount,currency,recieved_on\n\
                Chevron,IOM Angola,cash,100,USD,2024-01-01\n";
    let report = refused(CsvKind::Contributions, text, &options("typo.csv"));
    let problems = report.problems();
    assert_eq!(
        paths(&report),
        [
            ("typo.csv[1].ammount".to_owned(), Code::CsvUnknownColumn),
            ("typo.csv[1].recieved_on".to_owned(), Code::CsvUnknownColumn),
        ]
    );
    assert!(
        problems[0].message.contains("did you mean `amount`?"),
        "{}",
        problems[0].message
    );
    assert!(
        problems[1].message.contains("did you mean `received_on`?"),
        "{}",
        problems[1].message
    );
}

/// `amount,amount` and `donor,Donor` kept the last column in silence.
#[test]
fn duplicate_headers_are_refused_even_when_they_differ_in_case() {
    for (text, column) in [
        (
            "donor,recipient,kind,amount,amount,currency\nUBS,IOM Angola,cash,1,2,USD\n",
            "amount",
        ),
        (
            "donor,Donor,recipient,kind\nUBS,UBS,IOM Angola,cash\n",
            "donor",
        ),
    ] {
        let report = refused(CsvKind::Contributions, text, &options("dup.csv"));
        assert_eq!(
            paths(&report),
            [(format!("dup.csv[1].{column}"), Code::CsvDuplicateColumn)],
            "{text}"
        );
    }
}

/// A `;` file with the documented mapping failed on a missing `donor` and
/// in the CLI was `csv.unknown_kind`: the delimiter is detected.
#[test]
fn a_semicolon_file_reads_with_its_mapping() {
    let mapping: HashMap<String, String> = [
        ("Geber", "donor"),
        ("Empfänger", "recipient"),
        ("Art", "kind"),
        ("Betrag", "amount"),
        ("Währung", "currency"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    let options = CsvOptions {
        mapping,
        ..options("de.csv")
    };
    let text = "Geber;Empfänger;Art;Betrag;Währung\nChevron;IOM Angola;cash;100;EUR\n";
    assert_eq!(
        CsvKind::infer(text, &options).expect("header"),
        Some(CsvKind::Contributions)
    );
    let gifts = csv::read(CsvKind::Contributions, text, &options, &seed())
        .expect("reads")
        .contributions;
    assert_eq!(
        gifts[0].value,
        ContributionValue::actual(Money::parse("100", "EUR").expect("money"))
    );
}
