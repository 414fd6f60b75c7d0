//! A store's own IATI export, read back into the same store, changes
//! nothing: reading it against the stored data set yields exactly the
//! stored records (same ids; what IATI has no place for kept as stored), no
//! record is inserted, updated or deleted, and the data set is the same
//! before and after. Checked for the seed data and for every activities
//! file in `shared/iati/samples/` and `shared/iati/corpus/`, each first
//! imported into a fresh store; and an export that was edited changes just
//! what was edited.

#[path = "support/backends.rs"]
mod backends;
#[path = "support/postgres.rs"]
mod pg;

use backends::{Held, new_store};

both_backends!(
    the_seed,
    the_seed_against_its_own_document,
    payments_read_back_as_payments_and_estimated_pledges_stay_as_stored,
    indicator_values_iati_cannot_write_back_are_kept,
    an_edited_export_changes_what_was_edited,
    documents_sharing_a_title_are_numbered_and_read_again_the_same,
    a_document_titled_as_a_stored_one_is_still_imported,
);

use partnercrm::Dataset;
use partnercrm::io::iati::{self, Import};
use partnercrm::io::{Format, known};
use partnercrm::model::*;
use partnercrm::store::{Applied, Store};
use partnercrm::validate::Code;
use rust_decimal::Decimal;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/iati/");
const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

fn counts(applied: &Applied) -> (usize, usize, usize) {
    (applied.inserted, applied.updated, applied.deleted)
}

/// Every record of `read` that `stored` holds under the same id, equal to
/// it; the records that are not, described.
fn not_as_stored(read: &Dataset, stored: &Dataset) -> Vec<String> {
    fn check<T: Record + PartialEq + std::fmt::Debug>(
        read: &[T],
        stored: &[T],
        out: &mut Vec<String>,
    ) {
        for record in read {
            match stored.iter().find(|s| s.id() == record.id()) {
                None => out.push(format!("new {} {:?}", T::KIND, record.label())),
                Some(s) if s != record => out.push(format!(
                    "changed {} {:?}:\n  stored {s:?}\n  read   {record:?}",
                    T::KIND,
                    record.label()
                )),
                Some(_) => {}
            }
        }
    }
    let mut out = Vec::new();
    check(&read.organisations, &stored.organisations, &mut out);
    check(&read.projects, &stored.projects, &mut out);
    check(&read.contributions, &stored.contributions, &mut out);
    check(&read.indicators, &stored.indicators, &mut out);
    check(&read.agreements, &stored.agreements, &mut out);
    out
}

/// Exports every project the writer can (one with no reporting organisation
/// or no date is no IATI activity), reads the
/// export back against the whole store, checks that it yields the stored
/// records, imports it and checks that nothing changed.
fn reimport_own_export(store: &mut Store, what: &str) -> (String, Import) {
    let before = store.dataset().expect("dataset");
    // What the core says an IATI reader needs of the store, no more.
    let known = known(store, &[Format::Iati]).expect("known");
    let exportable = iati::writable(&before);
    let xml = iati::write(&before, Some(&exportable)).unwrap_or_else(|e| panic!("{what}: {e}"));
    let read = iati::read_str(&xml, &known).unwrap_or_else(|e| panic!("{what}: {e}"));
    let wrong = not_as_stored(&read.data, &before);
    assert!(
        wrong.is_empty(),
        "{what}: {} records read back not as stored, first:\n{}",
        wrong.len(),
        wrong[..wrong.len().min(3)].join("\n")
    );
    let mut read_back: Vec<ProjectId> = read.data.projects.iter().map(|p| p.id).collect();
    let mut exported = exportable.clone();
    read_back.sort();
    exported.sort();
    assert_eq!(
        read_back, exported,
        "{what}: every exported project is read back"
    );
    let applied = store
        .import(read.data.clone(), "round trip")
        .unwrap_or_else(|e| panic!("{what}: the export is refused: {e}"));
    assert_eq!(
        counts(&applied),
        (0, 0, 0),
        "{what}: (inserted, updated, deleted) on reading the store's own export back"
    );
    let after = store.dataset().expect("dataset");
    assert!(before == after, "{what}: the data set changed");
    (xml, read)
}

/// A fresh store holding what `file` imports.
fn store_of(file: &str) -> Held {
    let mut store = new_store();
    let known = known(&store, &[Format::Iati]).expect("known");
    let read =
        iati::read_file(std::path::Path::new(&format!("{SHARED}{file}")), &known).expect(file);
    store
        .import(read.data, "import")
        .unwrap_or_else(|e| panic!("{file}: the file is refused: {e}"));
    store
}

fn seed() -> Dataset {
    partnercrm::io::json::read(SEED).expect("seed")
}

fn store_with(data: Dataset) -> Held {
    let mut store = new_store();
    store.import(data, "seed").expect("stores");
    store
}

/// The seed's projects have themes, places, aliases, dates known to the
/// year or month, no status, partners for part of a project, indicators
/// with units and qualifiers, and agreements of every kind: none of which
/// IATI holds as the store does.
fn the_seed() {
    let mut store = store_with(seed());
    let (_, read) = reimport_own_export(&mut store, "seed");
    // Chevron's two contributions, each read back once.
    let chevron = read
        .data
        .contributions
        .iter()
        .filter(|c| {
            c.value.money().is_some_and(|m| {
                m.amount == Decimal::from(400_000) || m.amount == Decimal::from(850_000)
            })
        })
        .count();
    assert_eq!(chevron, 2);
    let praesidium = read
        .data
        .projects
        .iter()
        .find(|p| p.title == "Praesidium")
        .expect("Praesidium");
    assert!(
        praesidium
            .themes
            .contains(&"counter-trafficking".to_owned())
    );
}

/// Read against the data set the seed document holds rather than the
/// store's copy of it, the export finds the same records.
fn the_seed_against_its_own_document() {
    let seed = seed();
    let mut store = store_with(seed.clone());
    let xml = iati::write(&seed, Some(&iati::writable(&seed))).expect("writes");
    let read = iati::read_str(&xml, &seed).expect("reads");
    let applied = store.import(read.data, "round trip").expect("stores");
    assert_eq!(counts(&applied), (0, 0, 0));
}

fn usd(amount: i64) -> Money {
    Money {
        amount: Decimal::from(amount),
        currency: Currency::from_code("USD").expect("USD"),
    }
}

fn month(year: i32, month: u32) -> PartialDate {
    PartialDate::month(year, month).expect("month")
}

/// Payments are written as transactions of their own and read back as the
/// payments they are, not as further contributions. An estimated pledge has
/// no IATI form (a budget is the project's plan, not money promised by
/// someone), so it is not written, and reading the export back keeps it as
/// stored. The budget an older partnercrm export wrote for it, naming it in
/// `partnercrm:ref`, is that stored pledge again in the store it came from,
/// and a budget of the project anywhere else.
fn payments_read_back_as_payments_and_estimated_pledges_stay_as_stored() {
    let mut data = seed();
    let lanterns = data
        .projects
        .iter()
        .find(|p| p.title == "Solar lanterns for IDP settlements in Somalia")
        .expect("project")
        .clone();
    let iom = lanterns.lead_office.expect("lead office");
    let panasonic = lanterns
        .partners
        .iter()
        .find(|p| p.role == ProjectRole::Funding)
        .expect("funder")
        .organisation;
    let mut estimate = Contribution::new(ContributionKind::Pledge, panasonic, iom);
    estimate.value = ContributionValue::Estimated { money: usd(50_000) };
    estimate.period = Period::new(Some(month(2013, 1)), Some(month(2013, 12)));
    estimate.project = Some(lanterns.id);
    estimate.description = Some("lanterns for 2013".to_owned());
    let mut pledge = Contribution::new(ContributionKind::Pledge, panasonic, iom);
    pledge.value = ContributionValue::actual(usd(100_000));
    pledge.date = Some(month(2013, 3));
    pledge.project = Some(lanterns.id);
    pledge.payments = vec![
        Payment {
            date: month(2013, 6),
            amount: usd(40_000),
        },
        Payment {
            date: month(2013, 9),
            amount: usd(60_000),
        },
    ];
    let estimate_id = estimate.id;
    data.contributions.push(estimate);
    data.contributions.push(pledge);
    // An IATI activity needs a date; the seed gives this project none.
    if let Some(project) = data.projects.iter_mut().find(|p| p.id == lanterns.id) {
        project.period = Period::new(Some(month(2013, 1)), None);
    }
    let mut store = store_with(data);
    let (xml, _) = reimport_own_export(&mut store, "seed with pledges");
    assert!(
        !xml.contains("partnercrm:ref=") && !xml.contains("<budget"),
        "an estimated pledge is no budget"
    );
    assert_eq!(xml.matches("partnercrm:payment-of=\"").count(), 2);

    // The export as partnercrm wrote it before budgets were plans.
    let activity = xml
        .find(&lanterns.id.to_string())
        .expect("the project's activity");
    let transaction = activity
        + xml[activity..]
            .find("  <transaction")
            .expect("its transactions");
    let old_budget = format!(
        "  <budget type=\"1\" status=\"1\" xmlns:partnercrm=\"urn:partnercrm:iati\" \
         partnercrm:ref=\"{estimate_id}\">\n   <period-start iso-date=\"2013-01-01\"/>\n   \
         <period-end iso-date=\"2013-12-31\"/>\n   <value currency=\"USD\" \
         value-date=\"2013-01-01\">50000</value>\n  </budget>\n"
    );
    let old = format!("{}{old_budget}{}", &xml[..transaction], &xml[transaction..]);
    let before = store.dataset().expect("dataset");
    let known = known(&store, &[Format::Iati]).expect("known");
    let read = iati::read_str(&old, &known).expect("reads");
    assert_eq!(not_as_stored(&read.data, &before), Vec::<String>::new());
    let applied = store.import(read.data, "old export").expect("stores");
    assert_eq!(counts(&applied), (0, 0, 0));
    // Anywhere else it is what a budget is: the project's plan.
    let elsewhere = iati::read_str(&old, &Dataset::new()).expect("reads");
    let project = elsewhere
        .data
        .projects
        .iter()
        .find(|p| p.title == lanterns.title)
        .expect("project");
    assert_eq!(
        project
            .budgets
            .iter()
            .map(|b| (b.value, b.period.to_string()))
            .collect::<Vec<_>>(),
        [(usd(50_000), "2013-01-01 to 2013-12-31".to_owned())]
    );
    assert!(
        elsewhere
            .data
            .contributions
            .iter()
            .all(|c| !matches!(c.value, ContributionValue::Estimated { .. }))
    );
}

/// Indicators as a publisher like UNDP has them: a target whose period has
/// no end (kept without it, which IATI cannot write back), two targets in
/// one period, a baseline with no date (nor a year, which IATI requires),
/// decimals written with trailing zeros.
const UNDP_LIKE: &str = r#"<iati-activities version="2.03" generated-datetime="2021-06-15T00:00:00Z">
 <iati-activity default-currency="USD">
  <iati-identifier>XM-DAC-41114-PROJECT-00099999</iati-identifier>
  <reporting-org ref="XM-DAC-41114" type="40"><narrative>United Nations Development Programme</narrative></reporting-org>
  <title><narrative>Inclusive governance</narrative></title>
  <description><narrative>Local councils and their people.</narrative></description>
  <participating-org ref="GB-GOV-1" role="1" type="10"><narrative>UK Foreign Office</narrative></participating-org>
  <participating-org ref="XM-DAC-41114" role="2" type="40"><narrative>United Nations Development Programme</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date iso-date="2018-01-01" type="2"/>
  <activity-date iso-date="2022-12-31" type="3"/>
  <recipient-country code="UG"/>
  <result type="1">
   <title><narrative>Output 1</narrative></title>
   <indicator measure="1">
    <title><narrative>People reached</narrative></title>
    <baseline year="2017" value="0"/>
    <period><period-start iso-date="2018-01-01"/><period-end iso-date="2018-12-31"/><target value="1000"/><actual value="800"/></period>
    <period><period-start iso-date="2019-01-01"/><period-end iso-date="2019-12-31"/><target value="2000"/><target value="2500"><comment><narrative>revised</narrative></comment></target></period>
    <period><period-start iso-date="2020-01-01"/><target value="3000"/></period>
   </indicator>
   <indicator measure="2">
    <title><narrative>Councillors who are women</narrative></title>
    <baseline value="35.50"/>
    <period><period-start iso-date="2018-01-01"/><period-end iso-date="2018-12-31"/><target value="50.0"/><actual value="42.25"/></period>
   </indicator>
  </result>
 </iati-activity>
</iati-activities>
"#;

fn targets(data: &Dataset) -> usize {
    data.indicators.iter().map(|i| i.targets.len()).sum()
}

fn indicator_values_iati_cannot_write_back_are_kept() {
    let mut store = new_store();
    let read = iati::read_str(UNDP_LIKE, &Dataset::new()).expect("reads");
    store.import(read.data, "import").expect("stores");
    let stored = store.dataset().expect("dataset");
    assert_eq!(targets(&stored), 5);
    let (_, read) = reimport_own_export(&mut store, "UNDP-like");
    assert_eq!(read.data.indicators.len(), 2);
    assert_eq!(targets(&store.dataset().expect("dataset")), 5);
}

/// An export edited by hand changes what was edited and nothing else: the
/// values IATI cannot write back stay.
fn an_edited_export_changes_what_was_edited() {
    let mut store = new_store();
    let read = iati::read_str(UNDP_LIKE, &Dataset::new()).expect("reads");
    store.import(read.data, "import").expect("stores");
    let stored = store.dataset().expect("dataset");
    let xml = iati::write(&stored, None).expect("writes");
    assert_eq!(xml.matches("<actual value=\"800\"/>").count(), 1);
    let edited = xml.replace("<actual value=\"800\"/>", "<actual value=\"900\"/>");
    let read = iati::read_str(&edited, &stored).expect("reads");
    let applied = store.import(read.data, "edited").expect("stores");
    assert_eq!(counts(&applied), (0, 1, 0));
    let after = store.dataset().expect("dataset");
    let people = after
        .indicators
        .iter()
        .find(|i| i.title == "People reached")
        .expect("indicator");
    assert_eq!(
        people
            .actuals
            .iter()
            .map(|o| o.to_string())
            .collect::<Vec<_>>(),
        ["900"]
    );
    assert_eq!(people.targets.len(), 4, "the target without an end is kept");
    assert_eq!(targets(&after), 5);
}

fn activity_with_document(identifier: &str, title: &str, document: &str) -> String {
    format!(
        r#"<iati-activity>
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org type="10"><narrative>Sweden</narrative></reporting-org>
  <title><narrative>{title}</narrative></title>
  <participating-org role="1" type="10"><narrative>Sweden</narrative></participating-org>
  <participating-org role="4" type="21"><narrative>Plan International Sverige</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date iso-date="2019-01-01" type="2"/>
  <document-link format="application/pdf" url="https://example.org/{identifier}.pdf">
   <title><narrative>{document}</narrative></title>
   <category code="A09"/>
  </document-link>
 </iati-activity>
"#
    )
}

/// Publishers link different documents of one title and no date from
/// several activities (`dportal_45.xml`, `dportal_74.xml`); the store tells
/// agreements apart by kind, title and date, so the repeats are numbered.
fn documents_sharing_a_title_are_numbered_and_read_again_the_same() {
    let file = format!(
        "<iati-activities version=\"2.03\">\n{}{}</iati-activities>\n",
        activity_with_document("SE-0-A-1", "Generation Change, Cambodia", "Agreement"),
        activity_with_document("SE-0-A-2", "Generation Change, Lebanon", "Agreement"),
    );
    let mut store = new_store();
    let read = iati::read_str(&file, &Dataset::new()).expect("reads");
    let mut titles: Vec<&str> = read
        .data
        .agreements
        .iter()
        .map(|a| a.title.as_str())
        .collect();
    titles.sort_unstable();
    assert_eq!(titles, ["Agreement", "Agreement (2)"]);
    let numbered: Vec<String> = read
        .warnings
        .iter()
        .filter(|w| w.code == Code::IatiInvalidValue)
        .map(|w| w.path.to_string())
        .collect();
    assert_eq!(
        numbered,
        ["/iati-activities/iati-activity[2]/document-link[1]/title"]
    );
    store.import(read.data, "import").expect("stores");
    let known = known(&store, &[Format::Iati]).expect("known");
    let again = iati::read_str(&file, &known).expect("reads");
    let applied = store.import(again.data, "again").expect("stores");
    assert_eq!(counts(&applied), (0, 0, 0));
    reimport_own_export(&mut store, "numbered documents");
}

/// A document of a title the store holds for another project is another
/// agreement, not one to drop.
fn a_document_titled_as_a_stored_one_is_still_imported() {
    let mut store = new_store();
    let first = format!(
        "<iati-activities version=\"2.03\">\n{}</iati-activities>\n",
        activity_with_document("SE-0-A-1", "Generation Change, Cambodia", "Agreement")
    );
    let second = format!(
        "<iati-activities version=\"2.03\">\n{}</iati-activities>\n",
        activity_with_document("SE-0-A-2", "Generation Change, Lebanon", "Agreement")
    );
    let read = iati::read_str(&first, &Dataset::new()).expect("reads");
    store.import(read.data, "first").expect("stores");
    let known = known(&store, &[Format::Iati]).expect("known");
    let read = iati::read_str(&second, &known).expect("reads");
    assert_eq!(read.data.agreements.len(), 1);
    let applied = store.import(read.data, "second").expect("stores");
    assert_eq!(applied.inserted, 2, "the project and its agreement");
    assert_eq!(store.dataset().expect("dataset").agreements.len(), 2);
}

macro_rules! files {
    ($($name:ident => $file:literal,)*) => {$(
        #[test]
        fn $name() {
            let mut store = store_of($file);
            reimport_own_export(&mut store, $file);
        }
    )*};
}

// `samples/organisation-standard-example-annotated.xml` is an IATI
// organisation file, not an activities file: it holds no activity to import.
files! {
    sample_activity_01 => "samples/activity-01.xml",
    sample_activity_standard_example => "samples/activity-standard-example-annotated.xml",
    sample_maec_indonesia => "samples/MAEC_IATI_INDONESIA.xml",
    sample_dportal_115 => "samples/dportal_115.xml",
    sample_dportal_119 => "samples/dportal_119.xml",
    corpus_dportal_10 => "corpus/dportal_10.xml",
    corpus_dportal_111 => "corpus/dportal_111.xml",
    corpus_dportal_118 => "corpus/dportal_118.xml",
    corpus_dportal_134 => "corpus/dportal_134.xml",
    corpus_dportal_19 => "corpus/dportal_19.xml",
    corpus_dportal_21 => "corpus/dportal_21.xml",
    corpus_dportal_26 => "corpus/dportal_26.xml",
    corpus_dportal_45 => "corpus/dportal_45.xml",
    corpus_dportal_58 => "corpus/dportal_58.xml",
    corpus_dportal_68 => "corpus/dportal_68.xml",
    corpus_dportal_74 => "corpus/dportal_74.xml",
    corpus_dportal_8 => "corpus/dportal_8.xml",
    corpus_dportal_88 => "corpus/dportal_88.xml",
}
