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
    let batch = found.clone().batch();
    let applied = store.apply(batch, "test", "import").expect("stores");
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

/// A file naming "Acme Relief" by name alone, as the receiver of a gift.
const NAMED_ALONE: &str = r#"<iati-activities version="2.03"><iati-activity default-currency="USD">
  <iati-identifier>XM-DAC-41114-A</iati-identifier>
  <reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>
  <title><narrative>Named alone</narrative></title>
  <transaction>
   <transaction-type code="3"/>
   <transaction-date iso-date="2024-02-01"/>
   <value>1500.25</value>
   <receiver-org><narrative>Acme Relief</narrative></receiver-org>
  </transaction>
 </iati-activity></iati-activities>"#;

/// A file naming "Acme Relief" with its identifier.
const IDENTIFIED: &str = r#"<iati-activities version="2.03"><iati-activity default-currency="USD">
  <iati-identifier>XM-DAC-41114-B</iati-identifier>
  <reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>
  <title><narrative>Identified</narrative></title>
  <participating-org ref="GB-CHC-1234567" role="4" type="21"><narrative>Acme Relief</narrative></participating-org>
 </iati-activity></iati-activities>"#;

#[test]
fn a_name_read_before_its_identifier_is_folded_into_the_identified_record() {
    let mut forward = Store::in_memory().expect("store");
    import(&mut forward, NAMED_ALONE);
    let bare = forward
        .find_by_name::<Organisation>("Acme Relief")
        .expect("finds")
        .remove(0);
    let gift = forward.dataset().expect("dataset").contributions[0].id;
    let (found, applied) = import(&mut forward, IDENTIFIED);
    // The placeholder goes, and the gift's id, derived from it, moves to the
    // one it has when read after the identifier.
    assert_eq!(
        found.deletes,
        vec![RecordRef::from(bare.id), RecordRef::from(gift)]
    );
    let folded = warnings(&found, Code::IatiSameOrganisation);
    assert_eq!(folded.len(), 1, "{folded:?}");
    assert!(folded[0].1.contains("Acme Relief"), "{}", folded[0].1);
    assert_eq!(
        (applied.inserted, applied.deleted),
        (3, 2),
        "Acme, its project, the gift"
    );
    let data = forward.dataset().expect("dataset");
    let acme = org_with(&data, "GB-CHC-1234567").expect("identified");
    assert_eq!(acme.kind, OrganisationKind::NgoCso);
    assert_eq!(data.contributions.len(), 1);
    assert_eq!(data.contributions[0].recipient, acme.id);
    assert!(
        forward
            .get::<Organisation>(bare.id)
            .expect("reads")
            .is_none()
    );

    let mut backward = Store::in_memory().expect("store");
    import(&mut backward, IDENTIFIED);
    let (found, _) = import(&mut backward, NAMED_ALONE);
    assert!(found.deletes.is_empty());
    assert_eq!(
        sorted(forward.dataset().expect("dataset")),
        sorted(backward.dataset().expect("dataset"))
    );
    for text in [NAMED_ALONE, IDENTIFIED] {
        assert_eq!(counts(&import(&mut forward, text).1), (0, 0, 0));
    }
}

#[test]
fn a_name_and_its_identifier_in_one_file_are_one_record_whichever_comes_first() {
    // The gift names Acme by name before the activity that identifies it.
    let both = format!(
        "{}{}",
        NAMED_ALONE.replace("</iati-activities>", ""),
        IDENTIFIED.replace(r#"<iati-activities version="2.03">"#, "")
    );
    let found = iati::read_str(&both, &Dataset::new()).expect("reads");
    assert!(found.deletes.is_empty(), "nothing stored to delete");
    let acme: Vec<_> = found
        .data
        .organisations
        .iter()
        .filter(|o| o.answers_to("Acme Relief"))
        .collect();
    assert_eq!(acme.len(), 1, "{acme:?}");
    assert_eq!(found.data.contributions[0].recipient, acme[0].id);
    assert_eq!(warnings(&found, Code::IatiSameOrganisation).len(), 1);
}

#[test]
fn the_best_name_and_the_most_specific_type_are_kept_whatever_the_order() {
    let file = |activity: &str, org: &str| {
        format!(
            r#"<iati-activities version="2.03"><iati-activity>
              <iati-identifier>XX-1-{activity}</iati-identifier>
              <reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>
              <title><narrative>{activity}</narrative></title>
              {org}
            </iati-activity></iati-activities>"#
        )
    };
    let shouting = file(
        "E",
        r#"<participating-org ref="XM-DAC-41140" role="4"><narrative>WORLD FOOD PROGRAMME</narrative></participating-org>"#,
    );
    let proper = file(
        "F",
        r#"<participating-org ref="XM-DAC-41140" role="4" type="40"><narrative>World Food Programme</narrative><narrative xml:lang="fr">Programme alimentaire mondial</narrative></participating-org>"#,
    );
    let short = file(
        "G",
        r#"<participating-org ref="XM-DAC-41140" role="4"><narrative>WFP</narrative></participating-org>"#,
    );
    let orders = [
        [&shouting, &proper, &short],
        [&short, &proper, &shouting],
        [&proper, &short, &shouting],
    ];
    let stores: Vec<Dataset> = orders
        .iter()
        .map(|order| {
            let mut store = Store::in_memory().expect("store");
            for text in order {
                import(&mut store, text);
            }
            sorted(store.dataset().expect("dataset"))
        })
        .collect();
    let wfp = org_with(&stores[0], "XM-DAC-41140").expect("WFP");
    assert_eq!(wfp.name, "World Food Programme");
    assert_eq!(wfp.kind, OrganisationKind::Igo);
    // Its translations stay with the name; every other name is an alias,
    // one spelling of each ("WORLD FOOD PROGRAMME" is the name in capitals).
    assert_eq!(wfp.name_narratives.len(), 2, "{:?}", wfp.name_narratives);
    assert_eq!(wfp.aliases, ["WFP"]);
    assert_eq!(stores[0], stores[1]);
    assert_eq!(stores[0], stores[2]);
}

#[test]
fn an_organisation_a_user_made_keeps_its_name_and_type() {
    let mut store = Store::in_memory().expect("store");
    let mut iom = Organisation::new("IOM", OrganisationKind::UnAgency);
    iom.identifiers.push(Identifier::iati("XM-DAC-47066"));
    store.upsert(iom.clone(), "user").expect("stores");
    let file = r#"<iati-activities version="2.03"><iati-activity>
      <iati-identifier>XM-DAC-47066-X</iati-identifier>
      <reporting-org ref="XM-DAC-47066" type="10"><narrative>International Organization for Migration</narrative></reporting-org>
      <title><narrative>Own name</narrative></title>
    </iati-activity></iati-activities>"#;
    import(&mut store, file);
    let held = store
        .get::<Organisation>(iom.id)
        .expect("reads")
        .expect("held");
    assert_eq!(held.name, "IOM");
    assert_eq!(held.kind, OrganisationKind::UnAgency);
    assert_eq!(held.aliases, ["International Organization for Migration"]);
    assert_eq!(counts(&import(&mut store, file).1), (0, 0, 0));
}

#[test]
fn a_crs_channel_code_and_its_org_id_are_one_organisation() {
    let file = |activity: &str, reference: &str| {
        format!(
            r#"<iati-activities version="2.03"><iati-activity>
              <iati-identifier>XX-1-{activity}</iati-identifier>
              <reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>
              <title><narrative>{activity}</narrative></title>
              <participating-org ref="{reference}" role="4"><narrative>UNICEF</narrative></participating-org>
            </iati-activity></iati-activities>"#
        )
    };
    let (crs, org_id) = (file("H", "41122"), file("I", "XM-DAC-41122"));
    let mut one = Store::in_memory().expect("store");
    import(&mut one, &crs);
    import(&mut one, &org_id);
    let mut other = Store::in_memory().expect("store");
    import(&mut other, &org_id);
    import(&mut other, &crs);
    let data = sorted(one.dataset().expect("dataset"));
    let unicef: Vec<_> = data
        .organisations
        .iter()
        .filter(|o| o.answers_to("UNICEF"))
        .collect();
    assert_eq!(unicef.len(), 1, "{unicef:?}");
    let values: Vec<&str> = unicef[0]
        .identifiers
        .iter()
        .map(|i| i.value.as_str())
        .collect();
    assert_eq!(values, ["XM-DAC-41122", "41122"]);
    assert_eq!(data, sorted(other.dataset().expect("dataset")));
}
