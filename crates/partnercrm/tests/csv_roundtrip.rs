//! Exports read back into the store they came from and change nothing:
//! every record table as CSV, and the whole data set as the `partnercrm/1`
//! JSON document.

#[path = "support/backends.rs"]
mod backends;
#[path = "support/postgres.rs"]
mod pg;

use backends::{Held, new_store};

both_backends!(
    every_record_table_of_the_seed_reads_back_into_its_store_unchanged,
    every_record_table_of_synthetic_data_reads_back_into_its_store_unchanged,
    the_json_document_reads_back_into_its_store_unchanged,
    budgets_stay_as_stored_when_the_projects_table_reads_back,
    organisations_lists_read_back_as_the_lists_they_were,
    organisations_keep_their_ids_and_parents_in_a_new_store,
    contributions_keep_their_dates_and_periods,
    neutralised_cells_and_escaped_list_items_read_back_as_written,
    columns_a_file_lacks_keep_the_stored_values,
    an_erased_person_reads_back_erased_and_nobody_is_erased_by_import,
    an_id_two_rows_give_is_refused,
);

use partnercrm::Error;
use partnercrm::io::csv::{self, CsvKind, CsvOptions, write_table};
use partnercrm::io::json;
use partnercrm::model::*;
use partnercrm::query::tables::table;
use partnercrm::store::{Applied, Batch};
use partnercrm::synthetic::{Spec, generate};
use partnercrm::validate::Code;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

fn seed() -> Dataset {
    json::read(SEED).expect("seed")
}

fn options(kind: CsvKind) -> CsvOptions {
    CsvOptions {
        file: format!("{kind}.csv"),
        ..CsvOptions::default()
    }
}

fn store_of(data: Dataset) -> Held {
    let mut store = new_store();
    store.import(data, "test").expect("imports");
    store
}

/// The record table of `kind` as CSV, as `export --table` writes it.
fn export(data: &Dataset, kind: CsvKind) -> String {
    write_table(&table(data, kind.as_str()).expect("table")).expect("writes")
}

fn assert_nothing_changed(applied: &Applied, what: &str) {
    assert_eq!(
        (applied.inserted, applied.updated, applied.deleted),
        (0, 0, 0),
        "{what}: {applied:?}"
    );
    assert_eq!(applied.revision, None, "{what}");
}

/// Every record table, exported and read back with the store's records
/// known, applied in one batch to the same store: nothing changes.
fn every_record_table_reads_back_unchanged(data: Dataset, what: &str) {
    let mut store = store_of(data);
    let before = store.dataset().expect("dataset");
    let mut batch = Dataset::new();
    for kind in CsvKind::ALL {
        let text = export(&before, kind);
        let options = options(kind);
        assert_eq!(
            CsvKind::infer(&text, &options).expect("header"),
            Some(kind),
            "{what}: the {kind} table's header shows its kind"
        );
        let read = csv::read(kind, &text, &options, &before)
            .unwrap_or_else(|e| panic!("{what}: the {kind} table reads back: {e}"));
        // What the reader needs to know is what the core reads for it.
        let needed =
            partnercrm::io::known(&store, &[partnercrm::io::Format::Csv(kind)]).expect("known");
        let with_needed = csv::read(kind, &text, &options, &needed).expect("reads");
        assert_eq!(
            with_needed, read,
            "{what}: {kind} with only its known kinds"
        );
        batch.upsert_all(read);
    }
    let applied = store
        .apply(Batch::upsert_all(batch), "test", "CSV round trip")
        .expect("applies");
    assert_nothing_changed(&applied, what);
    assert_eq!(store.dataset().expect("dataset"), before, "{what}");
}

fn every_record_table_of_the_seed_reads_back_into_its_store_unchanged() {
    every_record_table_reads_back_unchanged(seed(), "seed");
}

fn every_record_table_of_synthetic_data_reads_back_into_its_store_unchanged() {
    every_record_table_reads_back_unchanged(generate(&Spec::new(1_000)), "synthetic");
}

fn the_document_reads_back_unchanged(data: Dataset, what: &str) {
    let mut store = store_of(data);
    let before = store.dataset().expect("dataset");
    let text = json::to_string(&before).expect("writes");
    let read = json::from_str(&text).expect("reads");
    let applied = store
        .apply(Batch::upsert_all(read), "test", "JSON round trip")
        .expect("applies");
    assert_nothing_changed(&applied, what);
    assert_eq!(store.dataset().expect("dataset"), before, "{what}");
}

fn the_json_document_reads_back_into_its_store_unchanged() {
    the_document_reads_back_unchanged(seed(), "seed");
    the_document_reads_back_unchanged(generate(&Spec::new(1_000)), "synthetic");
}

/// Budgets have no column in the projects table (they are in the
/// `budgets` table, which is not read): the projects table read back into
/// the store keeps them, as the document does, and a projects file that
/// changes a project leaves its budgets as stored.
fn budgets_stay_as_stored_when_the_projects_table_reads_back() {
    let mut data = seed();
    let year = Period::between(PartialDate::year(2009), PartialDate::year(2009));
    let mut revised = Budget::new(year, Money::parse("0", "USD").expect("money"));
    revised.kind = BudgetKind::Revised;
    data.projects[0].budgets = vec![
        Budget::new(year, Money::parse("1250000.505", "USD").expect("money")),
        revised,
    ];
    every_record_table_reads_back_unchanged(data.clone(), "seed with budgets");
    the_document_reads_back_unchanged(data.clone(), "seed with budgets");

    let mut store = store_of(data);
    let before = store.dataset().expect("dataset");
    let id = before.projects[0].id;
    let text = format!("id,title,description\n{id},Renamed,Now with a description\n");
    let kind = CsvKind::Projects;
    let read = csv::read(kind, &text, &options(kind), &before).expect("reads");
    let applied = store
        .apply(Batch::upsert_all(read), "test", "rename")
        .expect("applies");
    assert_eq!(applied.updated, 1);
    let after = store.get::<Project>(id).expect("get").expect("found");
    assert_eq!(after.title, "Renamed");
    assert_eq!(after.budgets, before.projects[0].budgets);
    // The export lists them, a row each.
    let budgets = table(&store.dataset().expect("dataset"), "budgets").expect("table");
    assert_eq!(budgets.num_rows(), 2);
}

/// Was: each empty list came back as an alias named `[]` (all 66
/// organisations updated, 26 `organisation.name_shared` warnings), and
/// lists of several came back as one item `[a, b]`.
fn organisations_lists_read_back_as_the_lists_they_were() {
    let mut store = store_of(seed());
    let before = store.dataset().expect("dataset");
    let text = export(&before, CsvKind::Organisations);
    let read = csv::read(
        CsvKind::Organisations,
        &text,
        &options(CsvKind::Organisations),
        &before,
    )
    .expect("reads");
    for (read, stored) in read.organisations.iter().zip(&before.organisations) {
        assert_eq!(read.aliases, stored.aliases, "{}", stored.name);
    }
    let applied = store
        .apply(Batch::upsert_all(read), "test", "organisations")
        .expect("applies");
    assert_eq!(applied.updated, 0);
    assert!(
        applied
            .warnings
            .problems()
            .iter()
            .all(|p| p.code != Code::SharedName),
        "{:?}",
        applied.warnings
    );
}

/// Was: 14 errors, `no organisation is called "019b76da-…"`: the parents
/// are written as ids, and the organisations did not keep theirs.
fn organisations_keep_their_ids_and_parents_in_a_new_store() {
    let seed = seed();
    let text = export(&seed, CsvKind::Organisations);
    let read = csv::read(
        CsvKind::Organisations,
        &text,
        &options(CsvKind::Organisations),
        &Dataset::new(),
    )
    .expect("reads with nothing known");
    let ids = |data: &[Organisation]| -> Vec<_> { data.iter().map(|o| (o.id, o.parent)).collect() };
    assert_eq!(ids(&read.organisations), ids(&seed.organisations));
    let mut store = new_store();
    let applied = store
        .apply(Batch::upsert_all(read), "test", "organisations")
        .expect("a new store takes them");
    assert_eq!(applied.inserted, seed.organisations.len());
}

/// Was: the table's `date` column was not the reader's `received_on`, and
/// `basis` `unknown` was refused.
fn contributions_keep_their_dates_and_periods() {
    let seed = seed();
    let text = export(&seed, CsvKind::Contributions);
    assert!(text.lines().next().expect("header").contains(",date,"));
    let read = csv::read(
        CsvKind::Contributions,
        &text,
        &options(CsvKind::Contributions),
        &seed,
    )
    .expect("reads");
    assert_eq!(read.contributions.len(), seed.contributions.len());
    assert!(seed.contributions.iter().any(|c| c.date.is_some()));
    for (read, stored) in read.contributions.iter().zip(&seed.contributions) {
        assert_eq!(read.id, stored.id);
        assert_eq!(read.date, stored.date, "{:?}", stored.description);
        assert_eq!(read.period, stored.period, "{:?}", stored.description);
        assert_eq!(read.value, stored.value, "{:?}", stored.description);
    }
}

/// A text cell [`write_table`] prefixes with `'` reads back as the text it
/// holds, as do lists with `;`, `\` and white space at the ends of their
/// items.
fn neutralised_cells_and_escaped_list_items_read_back_as_written() {
    let texts = [
        "=HYPERLINK(\"http://evil\")",
        "+1 555 0100",
        "-5",
        "@SUM(A1)",
        "\tindented",
        "'quoted'",
        "''twice",
        "'=already marked",
        "it's fine",
        " leading space",
        "trailing space ",
        "two lines\n",
    ];
    let mut data = Dataset::new();
    for (i, text) in texts.iter().enumerate() {
        let mut org = Organisation::new(format!("{text} {i}"), OrganisationKind::Other);
        org.description = Some((*text).to_owned());
        org.website = Some((*text).to_owned());
        org.aliases = vec![
            (*text).to_owned(),
            format!("semi;colon {i}"),
            format!("back\\slash {i}"),
            format!("both \\; {i}"),
            format!(" padded {i}\t"),
            "\u{a0}".to_owned(),
        ];
        data.organisations.push(org);
    }
    let text = export(&data, CsvKind::Organisations);
    assert!(text.contains(",\"'=HYPERLINK"), "{text}");
    assert!(text.contains(",'@SUM(A1)"));
    assert!(text.contains(",'-5,"));
    assert!(text.contains(",''quoted',"));
    assert!(!text.contains(",=HYPERLINK") && !text.contains(",\"=HYPERLINK"));
    assert!(text.contains("semi\\;colon 0; back\\\\slash 0"), "{text}");
    assert!(text.contains(",' leading space,"), "{text}");
    let read = csv::read(
        CsvKind::Organisations,
        &text,
        &options(CsvKind::Organisations),
        &Dataset::new(),
    )
    .expect("reads");
    assert_eq!(read.organisations, data.organisations);
    // A `'` before text no spreadsheet would run is the text's own.
    let read = csv::read(
        CsvKind::Organisations,
        "name,kind,description\n'Ndrangheta watch,ngo_cso,'s-Hertogenbosch\n",
        &options(CsvKind::Organisations),
        &Dataset::new(),
    )
    .expect("reads");
    assert_eq!(read.organisations[0].name, "'Ndrangheta watch");
    assert_eq!(
        read.organisations[0].description.as_deref(),
        Some("'s-Hertogenbosch")
    );
}

/// A file without a column leaves its field as stored; an empty cell in a
/// column the file has clears it.
fn columns_a_file_lacks_keep_the_stored_values() {
    let seed = seed();
    let iom = seed
        .organisation_named("International Organization for Migration")
        .expect("IOM");
    assert!(iom.acronym.is_some() && !iom.aliases.is_empty());
    let known = |text: &str| {
        csv::read(
            CsvKind::Organisations,
            text,
            &options(CsvKind::Organisations),
            &seed,
        )
        .expect("reads")
        .organisations
        .remove(0)
    };
    let same = known(&format!(
        "id,name,kind\n{},{},{}\n",
        iom.id,
        iom.name,
        iom.kind.as_str()
    ));
    assert_eq!(&same, iom);
    let cleared = known(&format!(
        "id,name,kind,aliases\n{},{},{},\n",
        iom.id,
        iom.name,
        iom.kind.as_str()
    ));
    assert!(cleared.aliases.is_empty());
    assert_eq!(cleared.acronym, iom.acronym);
}

fn an_erased_person_reads_back_erased_and_nobody_is_erased_by_import() {
    let mut store = store_of(seed());
    let person = store.dataset().expect("dataset").people[0].clone();
    store.erase_person(person.id, "test").expect("erases");
    let before = store.dataset().expect("dataset");
    let text = export(&before, CsvKind::People);
    let read = csv::read(CsvKind::People, &text, &options(CsvKind::People), &before)
        .expect("an erased person's row reads");
    let applied = store
        .apply(Batch::upsert_all(read), "test", "people")
        .expect("applies");
    assert_nothing_changed(&applied, "people");
    assert_eq!(store.dataset().expect("dataset"), before);

    let other = &before.people[1];
    assert!(!other.erased);
    let text = format!("id,name,erased\n{},{},true\n", other.id, other.name);
    let Err(Error::Invalid(report)) =
        csv::read(CsvKind::People, &text, &options(CsvKind::People), &before)
    else {
        panic!("erased by import")
    };
    assert_eq!(
        report.problems()[0].path.to_string(),
        "people.csv[2].erased"
    );
    let text = format!("id,name,erased\n{},Jim,false\n", person.id);
    assert!(csv::read(CsvKind::People, &text, &options(CsvKind::People), &before).is_err());
}

fn an_id_two_rows_give_is_refused() {
    let seed = seed();
    let org = &seed.organisations[0];
    let text = format!("id,name,kind\n{id},A,other\n{id},B,other\n", id = org.id);
    let Err(Error::Invalid(report)) = csv::read(
        CsvKind::Organisations,
        &text,
        &options(CsvKind::Organisations),
        &seed,
    ) else {
        panic!("read")
    };
    assert_eq!(
        report.problems()[0].path.to_string(),
        "organisations.csv[3].id"
    );
}

mod any_text {
    use super::*;
    use proptest::prelude::*;

    /// Text of every sort, and text made of what the CSV syntax treats
    /// specially: separators, backslashes, quote marks, formula starts and
    /// white space.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof!["\\PC{1,12}", "[ \\t\\n\\r;\\\\'\"=+@,a-]{1,8}"]
    }

    proptest! {
        #[test]
        fn any_text_reads_back_as_written(
            names in proptest::collection::vec(text(), 1..4),
            aliases in proptest::collection::vec(text(), 0..4),
            description in proptest::option::of(text()),
        ) {
            let mut data = Dataset::new();
            for name in names {
                let mut org = Organisation::new(name, OrganisationKind::Other);
                org.aliases.clone_from(&aliases);
                org.description.clone_from(&description);
                data.organisations.push(org);
            }
            let text = export(&data, CsvKind::Organisations);
            let read = csv::read(
                CsvKind::Organisations,
                &text,
                &options(CsvKind::Organisations),
                &Dataset::new(),
            )
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(read.organisations, data.organisations, "{}", text);
        }
    }
}
