//! Spreadsheets as colleagues send them: dialects, locales and mappings.

use std::collections::HashMap;

use partnercrm::Error;
use partnercrm::io::csv::{self, CsvKind, CsvOptions, Encoding, Locale};
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

fn strings(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// The German office's file, as Excel saves it: `;`, CRLF, a BOM,
/// `1.234,56` and `15.03.2024`, and the kinds of gift in German.
pub const GERMAN: &str = "\u{feff}Geber;Empfänger;Art;Betrag;Währung;Datum\r\n\
                          Chevron;IOM Angola;Spende;1.234,56;EUR;15.03.2024\r\n\
                          UBS;IOM Indonesia;Sachspende;12.500;CHF;01.02.2024\r\n";

fn german_options() -> CsvOptions {
    CsvOptions {
        file: "spenden.csv".to_owned(),
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

fn money(amount: &str, currency: &str) -> ContributionValue {
    ContributionValue::actual(Money::parse(amount, currency).expect("money"))
}

fn refused(kind: CsvKind, text: &str, options: &CsvOptions) -> Report {
    match csv::read(kind, text, options, &seed()) {
        Err(Error::Invalid(report)) => report,
        other => panic!("expected the file refused, got {other:?}"),
    }
}

#[test]
fn the_german_file_reads_with_its_locale_mapping_and_value_map() {
    let options = german_options();
    assert_eq!(
        CsvKind::of_file(None, GERMAN, &options).expect("kind"),
        CsvKind::Contributions
    );
    let gifts = csv::read(CsvKind::Contributions, GERMAN, &options, &seed())
        .expect("reads")
        .contributions;
    assert_eq!(gifts.len(), 2);
    assert_eq!(gifts[0].value, money("1234.56", "EUR"));
    assert_eq!(gifts[0].kind, ContributionKind::Cash);
    assert_eq!(gifts[0].date, Some("2024-03-15".parse().expect("date")));
    assert_eq!(gifts[1].value, money("12500", "CHF"));
    assert_eq!(gifts[1].kind, ContributionKind::InKind);
    assert_eq!(gifts[1].date, Some("2024-02-01".parse().expect("date")));
}

#[test]
fn without_its_locale_the_german_file_is_refused_cell_by_cell() {
    let options = CsvOptions {
        locale: Locale::default(),
        ..german_options()
    };
    let report = refused(CsvKind::Contributions, GERMAN, &options);
    let problems: Vec<(String, Code)> = report
        .problems()
        .iter()
        .map(|p| (p.path.to_string(), p.code))
        .collect();
    // 1.234,56 has one reading; 12.500 two; the dates need a format.
    assert_eq!(
        problems,
        [
            (
                "spenden.csv[2].received_on".to_owned(),
                Code::CsvInvalidValue
            ),
            ("spenden.csv[3].amount".to_owned(), Code::CsvAmbiguousValue),
            (
                "spenden.csv[3].received_on".to_owned(),
                Code::CsvInvalidValue
            ),
        ]
    );
    assert!(
        report.problems()[0].message.contains("2024-03-15"),
        "the message says what a date format would read: {}",
        report.problems()[0].message
    );
}

#[test]
fn a_french_file_reads_with_spaces_between_thousands() {
    let text = "donateur\tbénéficiaire\tmontant\tdevise\tdate\n\
                Chevron\tIOM Angola\t1\u{202f}234,56\tEUR\t15/03/2024\n\
                UBS\tIOM Indonesia\t250\u{a0}000\tCHF\t01/02/2024\n";
    let options = CsvOptions {
        file: "dons.tsv".to_owned(),
        mapping: strings(&[
            ("donateur", "donor"),
            ("bénéficiaire", "recipient"),
            ("montant", "amount"),
            ("devise", "currency"),
            ("date", "received_on"),
        ]),
        constants: vec![("kind".to_owned(), "cash".to_owned())],
        locale: Locale::preset("fr").expect("fr"),
        ..CsvOptions::default()
    };
    let gifts = csv::read(CsvKind::Contributions, text, &options, &seed())
        .expect("reads")
        .contributions;
    assert_eq!(gifts[0].value, money("1234.56", "EUR"));
    assert_eq!(gifts[1].value, money("250000", "CHF"));
    assert_eq!(gifts[1].date, Some("2024-02-01".parse().expect("date")));
    assert!(gifts.iter().all(|g| g.kind == ContributionKind::Cash));
}

#[test]
fn an_english_file_with_thousands_separators_reads_with_its_locale() {
    let text = "donor,recipient,kind,amount,currency,received_on,Notes\n\
                Chevron,IOM Angola,cash,\"12,500\",USD,2024-03-15,first\n\
                UBS,IOM Indonesia,cash,\"1,234,567.89\",USD,2024-03,\n\
                UBS,IOM Indonesia,cash,12.500,USD,2024,\n";
    let options = CsvOptions {
        file: "gifts.csv".to_owned(),
        ignore: vec!["notes".to_owned()],
        locale: Locale::preset("en").expect("en"),
        ..CsvOptions::default()
    };
    let gifts = csv::read(CsvKind::Contributions, text, &options, &seed())
        .expect("reads")
        .contributions;
    assert_eq!(gifts[0].value, money("12500", "USD"));
    assert_eq!(gifts[1].value, money("1234567.89", "USD"));
    assert_eq!(gifts[2].value, money("12.5", "USD"));
    // Without ignoring it, the notes column is refused.
    let report = refused(
        CsvKind::Contributions,
        text,
        &CsvOptions {
            ignore: Vec::new(),
            ..options
        },
    );
    assert_eq!(report.problems()[0].code, Code::CsvUnknownColumn);
    assert_eq!(report.problems()[0].path.to_string(), "gifts.csv[1].notes");
}

#[test]
fn a_constant_that_a_column_also_gives_is_a_duplicate() {
    let text = "donor,recipient,kind\nChevron,IOM Angola,cash\n";
    let options = CsvOptions {
        file: "c.csv".to_owned(),
        constants: vec![("kind".to_owned(), "cash".to_owned())],
        ..CsvOptions::default()
    };
    let report = refused(CsvKind::Contributions, text, &options);
    assert_eq!(report.problems()[0].code, Code::CsvDuplicateColumn);
}

#[test]
fn a_header_of_no_one_kind_names_the_candidates_and_what_each_lacks() {
    let options = CsvOptions {
        file: "x.csv".to_owned(),
        ..CsvOptions::default()
    };
    for (text, says) in [
        ("name,kind\n", "fits organisations and groups"),
        ("donor,amount\n", "contributions lacks recipient, kind"),
        ("donor,recipient,kind,ammount\n", "does not read ammount"),
    ] {
        let Err(Error::Invalid(report)) = CsvKind::of_file(None, text, &options) else {
            panic!("{text} was given a kind")
        };
        let problem = &report.problems()[0];
        assert_eq!(problem.code, Code::CsvUnknownKind);
        assert_eq!(problem.path.to_string(), "x.csv[1].*");
        assert!(
            problem.message.contains(says),
            "{text}: {}",
            problem.message
        );
        assert!(problem.message.contains("--kind"), "{}", problem.message);
    }
}

#[test]
fn windows_1252_and_latin_1_read_when_named() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("orgs.csv");
    // "Caritas Österreich" and the euro sign, as Windows-1252 bytes.
    std::fs::write(
        &path,
        b"name;kind;description\r\nCaritas \xd6sterreich;ngo_cso;10 \x80\r\n",
    )
    .expect("writes");
    assert!(
        csv::read_file(
            CsvKind::Organisations,
            &path,
            CsvOptions::default(),
            &seed()
        )
        .is_err()
    );
    let read = |encoding| {
        csv::read_file(
            CsvKind::Organisations,
            &path,
            CsvOptions {
                encoding,
                ..CsvOptions::default()
            },
            &Dataset::new(),
        )
        .expect("reads")
        .organisations
    };
    let cp1252 = read(Encoding::Windows1252);
    assert_eq!(cp1252[0].name, "Caritas Österreich");
    assert_eq!(cp1252[0].description.as_deref(), Some("10 €"));
    let latin1 = read(Encoding::Latin1);
    assert_eq!(latin1[0].description.as_deref(), Some("10 \u{80}"));
}
