//! CSV import and export: every bad cell reported, nothing half-imported,
//! the same file twice changes nothing, formulas neutralised.

use std::collections::HashMap;

use partnercrm::Error;
use partnercrm::io::csv::{CsvOptions, read_contributions, read_organisations, write_table};
use partnercrm::io::json;
use partnercrm::model::*;
use partnercrm::query::tables::table;
use partnercrm::store::{Batch, SqliteStore, Store};
use partnercrm::validate::Code;

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
        mapping: HashMap::new(),
    }
}

const GIFTS: &str = "donor,recipient,kind,amount,currency,received_on,project
Chevron,IOM Angola,cash,850000,USD,2004,Community Revitalization Program
XM-DAC-47066,IOM Pakistan,cash,1000.50,CHF,2010-03-02,
UBS,IOM Indonesia,in_kind,,,2006,
UBS,IOM Indonesia,in_kind,,,2006,
";

#[test]
fn the_documented_columns_import_as_is_with_stable_ids() {
    let data = seed();
    let gifts = read_contributions(GIFTS, &options("gifts.csv"), &data, None).expect("imports");
    assert_eq!(gifts.len(), 4);
    assert_eq!(
        gifts[0].donor,
        data.organisation_named("Chevron").expect("Chevron").id
    );
    assert_eq!(
        gifts[0].value,
        ContributionValue::actual(Money::parse("850000", "USD").expect("money"))
    );
    assert_eq!(
        gifts[1].donor,
        data.organisation_named("IOM").expect("IOM").id,
        "found by its IATI org-id"
    );
    assert_eq!(gifts[2].value, ContributionValue::Unknown);
    assert_ne!(gifts[2].id, gifts[3].id, "two identical rows are two gifts");
    let again = read_contributions(GIFTS, &options("renamed.csv"), &data, None).expect("imports");
    assert_eq!(gifts, again, "the same rows give the same ids");
}

#[test]
fn importing_the_same_file_twice_into_a_store_changes_nothing() {
    let mut store = SqliteStore::in_memory().expect("store");
    store.import(seed(), "test").expect("seed");
    let known = store.dataset().expect("reads");
    let gifts = read_contributions(GIFTS, &options("gifts.csv"), &known, None).expect("reads");
    let batch = || {
        Batch::upsert_all(Dataset {
            contributions: gifts.clone(),
            ..Dataset::default()
        })
    };
    assert_eq!(
        store
            .apply(batch(), "test", "csv")
            .expect("imports")
            .inserted,
        4
    );
    let second = store.apply(batch(), "test", "csv again").expect("imports");
    assert_eq!(
        (second.inserted, second.unchanged, second.revision),
        (0, 4, None)
    );
}

#[test]
fn every_bad_cell_is_reported_with_file_line_and_column() {
    let text = "donor,recipient,kind,amount,currency,received_on,project
Nobody Inc,IOM Angola,cash,10,USD,2004,
Chevron,IOM Angola,gift,ten,USD,2004-13,
Chevron,IOM Angola,cash,10,XYZ,2004,No such project
Chevron,IOM Angola
";
    let err = read_contributions(text, &options("bad.csv"), &seed(), None).expect_err("bad rows");
    let Error::Invalid(report) = err else {
        panic!("expected problems")
    };
    let found: Vec<(String, Code)> = report
        .problems()
        .iter()
        .map(|p| (p.path.to_string(), p.code))
        .collect();
    assert_eq!(
        found,
        [
            ("bad.csv[2].donor".to_owned(), Code::CsvUnknownReference),
            ("bad.csv[3].kind".to_owned(), Code::CsvInvalidValue),
            ("bad.csv[3].amount".to_owned(), Code::CsvInvalidValue),
            ("bad.csv[3].received_on".to_owned(), Code::CsvInvalidValue),
            ("bad.csv[4].currency".to_owned(), Code::CsvInvalidValue),
            ("bad.csv[4].project".to_owned(), Code::CsvUnknownReference),
            ("bad.csv[5].*".to_owned(), Code::CsvMalformedRow),
        ]
    );
}

#[test]
fn headers_can_be_mapped_and_missing_columns_are_named() {
    let text = "Geber,Empfänger,Art\nChevron,IOM Angola,cash\n";
    let err = read_contributions(text, &options("de.csv"), &seed(), None).expect_err("unmapped");
    let Error::Invalid(report) = err else {
        panic!("expected problems")
    };
    assert!(
        report
            .problems()
            .iter()
            .all(|p| p.code == Code::CsvMissingColumn)
    );
    let mapping = [
        ("Geber", "donor"),
        ("Empfänger", "recipient"),
        ("Art", "kind"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    let mapped = CsvOptions {
        file: "de.csv".into(),
        mapping,
    };
    assert_eq!(
        read_contributions(text, &mapped, &seed(), None)
            .expect("mapped")
            .len(),
        1
    );
}

#[test]
fn ambiguous_names_are_refused() {
    let mut data = seed();
    let mut twin = Organisation::new("Chevron Asia", OrganisationKind::PrivateCompany);
    twin.aliases.push("Chevron".into());
    data.organisations.push(twin);
    let err = read_contributions(
        "donor,recipient,kind\nChevron,IOM Angola,cash\n",
        &options("x.csv"),
        &data,
        None,
    )
    .expect_err("two");
    let Error::Invalid(report) = err else {
        panic!("expected problems")
    };
    assert_eq!(report.problems()[0].code, Code::CsvAmbiguousReference);
}

#[test]
fn organisations_import_with_parents_and_keep_known_ids() {
    let data = seed();
    let text = "name,kind,acronym,aliases,country,parent,iati_org_id
Oxfam GB,ngo_cso,,Oxfam Great Britain;Oxfam,GB,,GB-CHC-202918
Oxfam GB Kenya,country_office,,,KE,Oxfam GB,
World Bank,igo,,,,,
";
    let orgs = read_organisations(text, &options("orgs.csv"), &data, None).expect("imports");
    assert_eq!(orgs[1].parent, Some(orgs[0].id));
    assert_eq!(
        orgs[2].id,
        data.organisation_named("World Bank").expect("known").id,
        "known by its natural key"
    );
    assert_eq!(
        read_organisations(text, &options("orgs.csv"), &data, None).expect("again"),
        orgs
    );
}

#[test]
fn progress_is_reported() {
    let mut seen = Vec::new();
    let mut report = |rows: usize| seen.push(rows);
    read_contributions(GIFTS, &options("gifts.csv"), &seed(), Some(&mut report)).expect("imports");
    assert_eq!(seen.last(), Some(&4));
}

#[test]
fn exports_neutralise_formulas_and_round_trip_values() {
    let mut data = seed();
    data.organisations[0].description = Some("=HYPERLINK(\"http://evil\")".into());
    data.organisations[1].description = Some("@SUM(A1)".into());
    let csv = write_table(&table(&data, "organisations").expect("table")).expect("writes");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(csv.contains("'@SUM(A1)"));
    assert!(!csv.contains(",=HYPERLINK"));
    let amounts = write_table(&table(&seed(), "contributions").expect("table")).expect("writes");
    assert!(amounts.contains("850000.0000"));
}
