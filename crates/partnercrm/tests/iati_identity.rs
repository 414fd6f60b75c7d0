//! Who an IATI organisation is: the identifier decides, whatever order the
//! files come in, and identifiers are taken as publishers write them —
//! org-id.guide, the retired OrganisationIdentifier list, XI-IATI, OECD CRS
//! channel codes — with a warning naming the current form where one is known.

use partnercrm::Dataset;
use partnercrm::io::iati::{self, Import};
use partnercrm::io::{Format, known};
use partnercrm::model::*;
use partnercrm::store::{Applied, Store};
use partnercrm::validate::Code;

mod shared_iati;
use shared_iati::{FILES, text};

fn read(store: &Store, text: &str) -> Import {
    let known = known(store, &[Format::Iati]).expect("known");
    iati::read_str(text, &known).expect("reads")
}

fn import(store: &mut Store, text: &str) -> (Import, Applied) {
    let found = read(store, text);
    let applied = store.import(found.data.clone(), "test").expect("stores");
    (found, applied)
}

fn counts(applied: &Applied) -> (usize, usize, usize) {
    (applied.inserted, applied.updated, applied.deleted)
}

/// `(code, path, message)` of every warning with `code`.
fn warnings(found: &Import, code: Code) -> Vec<(String, String)> {
    found
        .warnings
        .iter()
        .filter(|w| w.code == code)
        .map(|w| (w.path.to_string(), w.message.clone()))
        .collect()
}

fn org_with<'d>(data: &'d Dataset, value: &str) -> Option<&'d Organisation> {
    data.organisations
        .iter()
        .find(|o| o.identifiers.iter().any(|i| i.value == value))
}

/// A data set in one order: every collection sorted by id.
fn sorted(mut data: Dataset) -> Dataset {
    data.organisations.sort_by_key(|r| r.id);
    data.people.sort_by_key(|r| r.id);
    data.agreements.sort_by_key(|r| r.id);
    data.contributions.sort_by_key(|r| r.id);
    data.projects.sort_by_key(|r| r.id);
    data.indicators.sort_by_key(|r| r.id);
    data.groups.sort_by_key(|r| r.id);
    data.notes.sort_by_key(|r| r.id);
    data
}

#[test]
fn dportal_10_imported_twice_changes_nothing_and_counts_no_money_twice() {
    let text = text("corpus/dportal_10.xml");
    let mut store = Store::in_memory().expect("store");
    import(&mut store, &text);
    let before = store.dataset().expect("dataset");
    let (_, again) = import(&mut store, &text);
    assert_eq!(counts(&again), (0, 0, 0));
    assert_eq!(sorted(store.dataset().expect("dataset")), sorted(before));
}

#[test]
fn every_shared_file_imported_again_changes_nothing() {
    let mut store = Store::in_memory().expect("store");
    for file in FILES {
        let text = text(file);
        import(&mut store, &text);
        let (_, again) = import(&mut store, &text);
        assert_eq!(counts(&again), (0, 0, 0), "{file}");
    }
}

#[test]
#[ignore = "not yet: an organisation's name is the first one read, and publishers name one \
            identifier several ways, so the two orders differ in names (see the report)"]
fn two_orders_of_every_shared_file_give_equal_stores() {
    let store_of = |files: &mut dyn Iterator<Item = &&str>| {
        let mut store = Store::in_memory().expect("store");
        for file in files {
            import(&mut store, &text(file));
        }
        sorted(store.dataset().expect("dataset"))
    };
    let forward = store_of(&mut FILES.iter());
    let backward = store_of(&mut FILES.iter().rev());
    let only = |a: &Dataset, b: &Dataset| -> Vec<String> {
        a.organisations
            .iter()
            .filter(|o| !b.organisations.contains(o))
            .map(|o| format!("{} {:?} {:?}", o.name, o.aliases, o.identifiers))
            .collect()
    };
    assert_eq!(
        only(&forward, &backward),
        Vec::<String>::new(),
        "organisations only in the forward store"
    );
    assert_eq!(
        only(&backward, &forward),
        Vec::<String>::new(),
        "organisations only in the backward store"
    );
    assert_eq!(forward.contributions.len(), backward.contributions.len());
    assert!(
        forward == backward,
        "the stores differ beyond organisations"
    );
}

const LEGACY: &str = r#"<iati-activities version="2.03">
 <iati-activity>
  <iati-identifier>XX-1-A</iati-identifier>
  <reporting-org ref="SE-6" type="10"><narrative>Sida</narrative></reporting-org>
  <title><narrative>Legacy identifiers</narrative></title>
  <participating-org ref="DE-1" role="1"><narrative>BMZ</narrative></participating-org>
  <participating-org ref="FR-3" role="1"><narrative>AFD</narrative></participating-org>
  <participating-org ref="41114" role="2"><narrative>UNDP</narrative></participating-org>
  <participating-org ref="44000" role="2"><narrative>The World Bank</narrative></participating-org>
  <participating-org ref="21000" role="4"><narrative>Plan International Sverige</narrative></participating-org>
  <participating-org ref="XI-IATI-EC_DEVCO" role="1"><narrative>DEVCO</narrative></participating-org>
  <participating-org ref="US-GOV-1" role="1"><narrative>USAID</narrative></participating-org>
  <participating-org ref="DAC-1601" role="1"><narrative>Gates Foundation</narrative></participating-org>
  <participating-org ref="41AAA" role="3"><narrative>Someone</narrative></participating-org>
  <participating-org ref="N/A" role="4"><narrative>Nobody in particular</narrative></participating-org>
 </iati-activity>
</iati-activities>"#;

#[test]
fn retired_xi_iati_and_crs_identifiers_are_held_with_warnings() {
    let mut store = Store::in_memory().expect("store");
    let (found, _) = import(&mut store, LEGACY);
    let scheme = |value: &str| {
        org_with(&found.data, value)
            .and_then(|o| o.identifiers.iter().find(|i| i.value == value))
            .map(|i| i.scheme.clone())
    };
    assert_eq!(scheme("SE-6"), Some(IdentifierScheme::RetiredOrgId));
    assert_eq!(scheme("DE-1"), Some(IdentifierScheme::RetiredOrgId));
    assert_eq!(scheme("FR-3"), Some(IdentifierScheme::RetiredOrgId));
    assert_eq!(scheme("41114"), Some(IdentifierScheme::CrsChannelCode));
    assert_eq!(
        scheme("XI-IATI-EC_DEVCO"),
        Some(IdentifierScheme::IatiOrgId)
    );
    assert_eq!(scheme("US-GOV-1"), Some(IdentifierScheme::IatiReference));
    assert_eq!(scheme("DAC-1601"), Some(IdentifierScheme::IatiReference));
    assert_eq!(scheme("41AAA"), Some(IdentifierScheme::IatiReference));
    // Channel categories say what sort of organisation, not which one.
    assert_eq!(scheme("44000"), None);
    assert_eq!(scheme("21000"), None);
    assert_eq!(scheme("N/A"), None);

    let at = |i: usize| {
        format!(
            "/iati-activities/iati-activity[1]/participating-org[{}]/@ref",
            i + 1
        )
    };
    let legacy = warnings(&found, Code::IatiLegacyIdentifier);
    let paths: Vec<&str> = legacy.iter().map(|(p, _)| p.as_str()).collect();
    let expected = [
        "/iati-activities/iati-activity[1]/reporting-org/@ref".to_owned(),
        at(0),
        at(1),
        at(2),
        at(6),
        at(7),
        at(8),
    ];
    assert_eq!(
        paths,
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(legacy[3].1.contains("XM-DAC-41114"), "{:?}", legacy[3]);
    assert!(legacy[5].1.contains("XM-DAC-1601"), "{:?}", legacy[5]);
    assert!(legacy[1].1.contains("retired"), "{:?}", legacy[1]);
    let categories = warnings(&found, Code::IatiChannelCategory);
    assert_eq!(
        categories
            .iter()
            .map(|(p, _)| p.clone())
            .collect::<Vec<_>>(),
        vec![at(3), at(4)]
    );
    let refused = warnings(&found, Code::IatiInvalidValue);
    assert_eq!(
        refused.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
        vec![at(9)]
    );
    // Held identifiers are natural keys of their own schemes.
    let se6 = org_with(&found.data, "SE-6").expect("SE-6");
    assert_eq!(se6.natural_key().as_deref(), Some("iati-retired:SE-6"));
    // And what is stored reads back from the store's own export.
    let (_, again) = import(&mut store, LEGACY);
    assert_eq!(counts(&again), (0, 0, 0));
}

#[test]
fn two_identifiers_under_one_name_are_two_organisations_and_a_warning() {
    let xml = r#"<iati-activities version="2.03"><iati-activity>
      <iati-identifier>XX-1-B</iati-identifier>
      <reporting-org ref="XI-IATI-EC_ECHO" type="10"><narrative>European Commission</narrative></reporting-org>
      <title><narrative>Two under one name</narrative></title>
      <participating-org ref="XI-IATI-EC_DEVCO" role="1"><narrative>European Commission</narrative></participating-org>
    </iati-activity></iati-activities>"#;
    let found = iati::read_str(xml, &Dataset::new()).expect("reads");
    assert!(org_with(&found.data, "XI-IATI-EC_ECHO").is_some());
    assert!(org_with(&found.data, "XI-IATI-EC_DEVCO").is_some());
    assert_ne!(
        org_with(&found.data, "XI-IATI-EC_ECHO").map(|o| o.id),
        org_with(&found.data, "XI-IATI-EC_DEVCO").map(|o| o.id)
    );
    let shared = warnings(&found, Code::IatiSharedName);
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(
        shared[0].0,
        "/iati-activities/iati-activity[1]/participating-org[1]/@ref"
    );
    assert!(shared[0].1.contains("XI-IATI-EC_ECHO") && shared[0].1.contains("XI-IATI-EC_DEVCO"));
}

#[test]
fn a_placeholder_that_is_named_later_is_one_record_with_the_name() {
    let nameless = r#"<iati-activities version="2.03"><iati-activity>
      <iati-identifier>XX-1-C</iati-identifier>
      <reporting-org ref="XM-DAC-41114" type="40"/>
      <title><narrative>First</narrative></title>
    </iati-activity></iati-activities>"#;
    let named = r#"<iati-activities version="2.03"><iati-activity>
      <iati-identifier>XX-1-D</iati-identifier>
      <reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>
      <title><narrative>Second</narrative></title>
    </iati-activity></iati-activities>"#;
    let mut one = Store::in_memory().expect("store");
    import(&mut one, nameless);
    let (_, applied) = import(&mut one, named);
    assert_eq!(applied.updated, 1, "the placeholder takes the name");
    let mut other = Store::in_memory().expect("store");
    import(&mut other, named);
    import(&mut other, nameless);
    let (a, b) = (
        sorted(one.dataset().expect("dataset")),
        sorted(other.dataset().expect("dataset")),
    );
    assert_eq!(a.organisations.len(), 1, "{:?}", a.organisations);
    assert_eq!(a.organisations[0].name, "UNDP");
    assert_eq!(a, b);
}

/// Activities of `dportal_10.xml` repeated under distinct identifiers.
fn generated(n: usize) -> String {
    let text = text("corpus/dportal_10.xml");
    let first = text.find("<iati-activity ").expect("an activity");
    let last = text.rfind("</iati-activities>").expect("the end");
    let body = &text[first..last];
    let activities: Vec<&str> = body
        .split_inclusive("</iati-activity>")
        .filter(|a| a.contains("<iati-identifier>"))
        .collect();
    let mut out = String::from(&text[..first]);
    for i in 0..n {
        let activity = activities[i % activities.len()];
        out.push_str(&activity.replacen(
            "<iati-identifier>",
            &format!("<iati-identifier>GEN-{i}-"),
            1,
        ));
    }
    out.push_str("</iati-activities>\n");
    out
}

/// Reading time against the number of activities; run in release with
/// `cargo test --release --test iati_identity -- --ignored --nocapture reading_time`.
#[test]
#[ignore = "a measurement, not a check"]
fn reading_time_grows_linearly() {
    for n in [10_000, 20_000, 40_000] {
        let xml = generated(n);
        let started = std::time::Instant::now();
        let found = iati::read_str(&xml, &Dataset::new()).expect("reads");
        let took = started.elapsed();
        assert_eq!(found.data.projects.len(), n);
        eprintln!("{n} activities: {:.2} s", took.as_secs_f64());
    }
}
