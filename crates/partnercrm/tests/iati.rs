//! IATI activities in and out: every sample file, a lossless round trip,
//! dirty input reported as warnings, and hostile input refused.

use chrono::{TimeZone, Utc};
use partnercrm::io::iati::{self, Import, MAX_DEPTH, MAX_INPUT_BYTES};
use partnercrm::model::*;
use partnercrm::validate::Code;
use partnercrm::{Dataset, Error};
use rust_decimal::Decimal;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/iati/samples/");
const FILES: [&str; 5] = [
    "activity-01.xml",
    "dportal_119.xml",
    "dportal_115.xml",
    "MAEC_IATI_INDONESIA.xml",
    "activity-standard-example-annotated.xml",
];

fn sample(name: &str) -> String {
    std::fs::read_to_string(format!("{SAMPLES}{name}")).expect("sample file")
}

fn import(text: &str) -> Import {
    iati::read_str(text, &Dataset::new()).expect("imports")
}

/// Elements named `tag`, counted in the raw text, independently of the reader.
fn count_tags(text: &str, tag: &str) -> usize {
    let open = format!("<{tag}");
    text.match_indices(&open)
        .filter(|(at, _)| {
            text[at + open.len()..]
                .chars()
                .next()
                .is_some_and(|c| c == '>' || c == '/' || c.is_whitespace())
        })
        .count()
}

fn warnings_with(import: &Import, code: Code) -> Vec<String> {
    import
        .warnings
        .iter()
        .filter(|w| w.code == code)
        .map(|w| w.path.to_string())
        .collect()
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).expect("decimal")
}

#[test]
fn every_sample_imports_clean_with_one_project_per_activity() {
    for file in FILES {
        let text = sample(file);
        let found = import(&text);
        assert_eq!(
            found.data.projects.len(),
            count_tags(&text, "iati-activity"),
            "{file}: projects"
        );
        let report = found.data.validate();
        assert!(report.is_clean(), "{file}: {report}");
        // Every transaction is either a contribution or reported.
        let transactions = count_tags(&text, "transaction");
        let from_transactions = found
            .data
            .contributions
            .iter()
            .filter(|c| matches!(c.value, ContributionValue::Actual { .. }))
            .count();
        let skipped = found
            .warnings
            .iter()
            .filter(|w| {
                let path = w.path.to_string();
                path.contains("/transaction[")
                    && !path.contains("-org")
                    && matches!(
                        w.code,
                        Code::IatiMissingElement
                            | Code::IatiUnsupported
                            | Code::IatiInvalidValue
                            | Code::IatiMissingCurrency
                            | Code::IatiUnknownCode
                    )
            })
            .count();
        assert_eq!(
            from_transactions + skipped,
            transactions,
            "{file}: transactions"
        );
        assert!(
            found
                .warnings
                .iter()
                .all(|w| w.path.to_string().starts_with("/iati-activit"))
        );
    }
}

#[test]
fn the_bare_iom_activity_maps_field_by_field() {
    let found = import(&sample("activity-01.xml"));
    let data = &found.data;
    assert_eq!(data.projects.len(), 1);
    let project = &data.projects[0];
    assert_eq!(
        project.iati_identifier.as_deref(),
        Some("XM-DAC-47066-DP.2154")
    );
    assert!(
        project
            .title
            .starts_with("Promotion of Human Security through Comprehensive Health")
    );
    assert_eq!(project.status, Some(ProjectStatus::Implementation));
    assert_eq!(project.period.to_string(), "2020-03-15 to 2021-03-14");
    assert_eq!(
        project.countries,
        ["SO".parse::<CountryCode>().expect("SO")]
    );
    assert_eq!(
        project.sectors,
        ["72010".parse::<SectorCode>().expect("sector")]
    );
    let iom = data
        .organisation_by_identifier("XM-DAC-47066")
        .expect("IOM");
    let japan = data
        .organisation_by_identifier("XM-DAC-701-2")
        .expect("Japan");
    assert_eq!(iom.name, "International Organization for Migration (IOM)");
    assert_eq!(iom.kind, OrganisationKind::Igo);
    assert_eq!(japan.kind, OrganisationKind::Government);
    assert_eq!(project.lead_office, Some(iom.id));
    assert_eq!(
        project
            .partners
            .iter()
            .map(|p| (p.organisation, p.role))
            .collect::<Vec<_>>(),
        [
            (japan.id, ProjectRole::Funding),
            (iom.id, ProjectRole::Accountable)
        ]
    );
    // The incoming commitment (type 11), and the budget of the same amount:
    // a plan of the project, not a second pledge to count.
    let money = Money::parse("1459753.72", "USD").expect("money");
    let pledge = data
        .contributions
        .iter()
        .find(|c| c.value == ContributionValue::actual(money))
        .expect("commitment");
    assert_eq!(
        (pledge.kind, pledge.donor, pledge.recipient),
        (ContributionKind::Pledge, japan.id, iom.id)
    );
    assert_eq!(
        pledge.date.map(|d| d.to_string()).as_deref(),
        Some("2020-03-01")
    );
    assert_eq!(data.contributions.len(), 1, "the budget is no contribution");
    assert_eq!(
        project.budgets,
        [Budget {
            kind: BudgetKind::Original,
            status: BudgetStatus::Committed,
            period: Period::between(
                "2020-03-15".parse().expect("date"),
                "2021-03-14".parse().expect("date")
            ),
            value: money,
            value_date: Some("2020-03-01".parse().expect("date")),
        }]
    );
    // IOM's own sector vocabularies are held with their vocabulary, beside
    // the DAC sector.
    assert_eq!(
        project
            .other_sectors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["99:DP", "98:01"]
    );
    assert_eq!(
        project
            .sectors
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        ["72010"]
    );
    assert!(
        warnings_with(&found, Code::IatiUnsupported)
            .iter()
            .all(|path| !path.contains("sector"))
    );
}

#[test]
fn the_iom_file_holds_100_activities_of_incoming_commitments() {
    let text = sample("dportal_119.xml");
    let found = import(&text);
    assert_eq!(found.data.projects.len(), 100);
    assert!(found.data.projects.iter().all(|p| p.lead_office.is_some()));
    let iom = found
        .data
        .organisation_by_identifier("XM-DAC-47066")
        .expect("IOM");
    // Every transaction is type 11: incoming commitments, so pledges to IOM.
    assert_eq!(
        count_tags(&text, "transaction"),
        text.matches("<transaction-type code=\"11\"").count()
    );
    let pledges: Vec<&Contribution> = found
        .data
        .contributions
        .iter()
        .filter(|c| matches!(c.value, ContributionValue::Actual { .. }))
        .collect();
    assert!(
        pledges
            .iter()
            .all(|c| c.kind == ContributionKind::Pledge && c.recipient == iom.id)
    );
    // No organisation is repeated: one per org-id, one per name.
    let mut names: Vec<String> = found
        .data
        .organisations
        .iter()
        .map(|o| o.name.to_lowercase())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), found.data.organisations.len());
}

#[test]
fn the_dirty_fao_and_un_women_file_keeps_its_results() {
    let text = sample("dportal_115.xml");
    let found = import(&text);
    let data = &found.data;
    // Measured against the raw text: 131 baselines, 123 targets, 131 actuals.
    assert_eq!(count_tags(&text, "baseline"), 131);
    assert_eq!(count_tags(&text, "target"), 123);
    assert_eq!(count_tags(&text, "actual"), 131);
    let baselines = data
        .indicators
        .iter()
        .filter(|i| i.baseline.is_some())
        .count();
    let targets: usize = data.indicators.iter().map(|i| i.targets.len()).sum();
    let actuals: usize = data.indicators.iter().map(|i| i.actuals.len()).sum();
    // Each is held, words alone included, or skipped with a warning.
    let skipped = |name: &str| {
        found
            .warnings
            .iter()
            .filter(|w| {
                w.path.to_string().contains(&format!("/{name}["))
                    && w.code != Code::IatiValueInWords
            })
            .count()
    };
    let in_words = |values: &mut dyn Iterator<Item = &Observation>| {
        values.filter(|o| o.value.is_none()).count()
    };
    assert!(baselines > 0 && targets > 0 && actuals > 0);
    assert!(in_words(&mut data.indicators.iter().flat_map(|i| &i.actuals)) > 0);
    assert_eq!(baselines + skipped("baseline"), 131);
    assert_eq!(targets + skipped("target"), 123);
    assert_eq!(actuals + skipped("actual"), 131);
    // Indicators come from every result's indicators except those reported.
    assert_eq!(
        data.indicators.len()
            + found
                .warnings
                .iter()
                .filter(|w| w.path.to_string().ends_with("/@measure"))
                .count(),
        count_tags(&text, "indicator")
    );
    // The UN Women narrative's language is kept.
    let un_women = data
        .organisation_by_identifier("XM-DAC-41146")
        .expect("UN Women");
    assert_eq!(un_women.name, "UN Women");
    assert_eq!(
        un_women.name_narratives,
        [Narrative::new(Some("EN"), "UN Women")]
    );
    // The placeholder organisation "-" is reported, not imported.
    assert!(data.organisation_named("-").is_none());
    assert!(
        warnings_with(&found, Code::IatiMissingElement)
            .contains(&"/iati-activities/iati-activity[1]/participating-org[1]".to_owned())
    );
}

#[test]
fn the_2015_spanish_file_keeps_spanish_titles() {
    let found = import(&sample("MAEC_IATI_INDONESIA.xml"));
    let project = found
        .data
        .projects
        .iter()
        .find(|p| p.iati_identifier.as_deref() == Some("ES-DIR3-E04585801-009-001301"))
        .expect("first activity");
    assert_eq!(
        project.title,
        "Personas cooperantes voluntarias en organismos internacionales"
    );
    assert_eq!(
        project.title_narratives,
        [Narrative::new(
            Some("es"),
            "Personas cooperantes voluntarias en organismos internacionales"
        )]
    );
    assert_eq!(project.status, Some(ProjectStatus::Finalisation));
    assert_eq!(project.period.to_string(), "2011-11-01 to 2012-11-01");
    assert_eq!(
        project.sectors,
        ["43081".parse::<SectorCode>().expect("sector")]
    );
}

#[test]
fn the_official_example_maps_its_result() {
    let found = import(&sample("activity-standard-example-annotated.xml"));
    let indicator = &found.data.indicators[0];
    assert_eq!(indicator.title, "Indicator title");
    assert_eq!(indicator.measure, Measure::Count);
    let baseline = indicator.baseline.as_ref().expect("baseline");
    assert_eq!(baseline.value, Some(dec("10")));
    assert_eq!(
        baseline.period.start.map(|d| d.to_string()).as_deref(),
        Some("2012-01-01")
    );
    assert_eq!(baseline.comment.as_deref(), Some("Baseline comment text"));
    assert_eq!(indicator.targets[0].value, Some(dec("10")));
    assert_eq!(
        indicator.targets[0].period.to_string(),
        "2013-01-01 to 2013-03-31"
    );
    assert_eq!(indicator.actuals[0].value, Some(dec("11")));
    // Its title is given in English and French: both are kept.
    let project = &found.data.projects[0];
    assert!(
        project.title_narratives.len() >= 2,
        "{:?}",
        project.title_narratives
    );
    assert!(
        project
            .title_narratives
            .iter()
            .any(|n| n.lang.as_deref() == Some("fr"))
    );
}

#[test]
fn import_export_import_loses_nothing() {
    let at = Utc
        .with_ymd_and_hms(2024, 5, 1, 12, 0, 0)
        .single()
        .expect("time");
    for file in FILES {
        let first = import(&sample(file));
        let xml = iati::write_at(&first.data, None, at).expect("writes");
        assert!(xml.contains(
            "<iati-activities version=\"2.03\" generated-datetime=\"2024-05-01T12:00:00Z\">"
        ));
        let second = import(&xml);
        // Other names files give an organisation are its aliases; an export
        // writes its name, so a fresh reading knows that one only (read back
        // into the store it came from, the aliases stay: tests/iati_identity.rs).
        let mut expected = first.data.clone();
        for org in &mut expected.organisations {
            org.aliases.clear();
        }
        assert_eq!(second.data, expected, "{file}");
        // An identifier held in an older scheme is written as the publisher
        // wrote it, and two organisations sharing a name still do: both are
        // pointed out again when read back.
        let warnings: Vec<_> = second
            .warnings
            .iter()
            .filter(|w| {
                // So is an end the publisher left unnamed: written without
                // it, and read back as the same not-stated organisation.
                ![
                    Code::IatiLegacyIdentifier,
                    Code::IatiSharedName,
                    Code::IatiCounterpartyNotStated,
                    Code::IatiValueInWords,
                ]
                .contains(&w.code)
            })
            .collect();
        assert_eq!(
            warnings,
            Vec::<&partnercrm::validate::Problem>::new(),
            "{file}"
        );
    }
}

#[test]
fn reimporting_against_what_is_known_changes_nothing() {
    let text = sample("dportal_119.xml");
    let first = import(&text);
    let again = iati::read_str(&text, &first.data).expect("imports");
    assert!(
        again.data.organisations.is_empty(),
        "known organisations are not repeated"
    );
    assert_eq!(again.data.projects, first.data.projects);
    assert_eq!(again.data.contributions, first.data.contributions);
}

#[test]
fn mous_and_related_activities_are_written() {
    let mut data = Dataset::new();
    let mut iom = Organisation::new(
        "International Organization for Migration",
        OrganisationKind::UnAgency,
    );
    iom.identifiers.push(Identifier::iati("XM-DAC-47066"));
    let starbucks = Organisation::new("Starbucks", OrganisationKind::PrivateCompany);
    let mut programme = Project::new("Coffee families programme");
    programme.lead_office = Some(iom.id);
    let mut a = Project::new("Nariño coffee families");
    a.parent = Some(programme.id);
    a.lead_office = Some(iom.id);
    a.period = Period::between(
        "2006".parse().expect("date"),
        "2008-06".parse().expect("date"),
    );
    a.partners.push(ProjectPartner {
        organisation: starbucks.id,
        role: ProjectRole::Funding,
        period: Period::OPEN,
    });
    let mut b = Project::new("Cauca coffee families");
    b.parent = Some(programme.id);
    b.lead_office = Some(iom.id);
    let mut mou = Agreement::new("Coffee MoU", AgreementKind::Mou)
        .with_party(iom.id, &[PartyRole::Signatory])
        .with_party(starbucks.id, &[PartyRole::Signatory, PartyRole::Donor]);
    mou.signed = Some("2006-03-02".parse().expect("date"));
    mou.projects.push(a.id);
    let mut gift = Contribution::new(ContributionKind::Cash, starbucks.id, iom.id);
    gift.value = ContributionValue::actual(Money::parse("250000", "USD").expect("money"));
    gift.date = Some("2006-05".parse().expect("date"));
    gift.project = Some(a.id);
    gift.allocations.push(Allocation {
        project: b.id,
        amount: None,
        percent: Some(dec("40")),
    });
    let ids = [a.id];
    data.organisations.extend([iom, starbucks]);
    data.projects.extend([programme, a, b]);
    data.agreements.push(mou);
    data.contributions.push(gift);
    let xml = iati::write(&data, Some(&ids)).expect("writes");
    assert_eq!(count_tags(&xml, "iati-activity"), 1);
    assert!(xml.contains("<category code=\"A09\"/>"), "{xml}");
    assert!(xml.contains("<document-date iso-date=\"2006-03-02\"/>"));
    assert_eq!(
        xml.matches("<related-activity ").count(),
        3,
        "parent, sibling, co-funded: {xml}"
    );
    assert!(
        xml.contains("type=\"1\"/>")
            && xml.contains("type=\"3\"/>")
            && xml.contains("type=\"4\"/>")
    );
    // Month precision is written as its first day; a past end as the actual end.
    assert!(xml.contains("<transaction-date iso-date=\"2006-05-01\"/>"));
    assert!(xml.contains("<activity-date iso-date=\"2008-06-30\" type=\"4\"/>"));
    // Read back, the MoU is an agreement between the two, linked to the project.
    let back = import(&xml);
    assert_eq!(back.data.agreements.len(), 1);
    assert_eq!(back.data.agreements[0].kind, AgreementKind::Mou);
    assert_eq!(back.data.agreements[0].parties.len(), 2);
    assert!(back.data.validate().is_clean());
    // Asking for a project that does not exist is an error, not an empty file.
    assert!(iati::write(&data, Some(&[ProjectId::new()])).is_err());
}

const DIRTY: &str = r#"<?xml version="1.0"?>
<iati-activities version="1.05" xmlns:dstore="http://d-portal.org/xmlns/dstore">
 <iati-activity default-currency="EUR" dstore:index="7">
  <iati-identifier>XM-DAC-47066-T1</iati-identifier>
  <reporting-org ref="XM-DAC-47066" type="40">IOM</reporting-org>
  <title xml:lang="en">Legacy title</title>
  <title-extra>not IATI</title-extra>
  <participating-org role="Funding" ref="XM-DAC-6-4" type="10">Germany</participating-org>
  <participating-org role="Sponsor">Someone</participating-org>
  <activity-status code="9"/>
  <activity-date type="start-actual" iso-date="2019-02-01"/>
  <activity-date type="end-planned" iso-date="2019-31-12"/>
  <transaction><transaction-type code="IF"/><transaction-date iso-date="2019-03-01"/><value>1000</value></transaction>
  <transaction><transaction-type code="D"/><value currency="USD">-50</value><receiver-org>Partner NGO</receiver-org></transaction>
  <transaction><transaction-type code="ZZ"/><value>5</value></transaction>
  <transaction><transaction-type code="LR"/><value>5</value></transaction>
  <transaction><transaction-type code="C"/><value currency="XYZ">5</value><receiver-org>Partner NGO</receiver-org></transaction>
  <result><indicator measure="5"><title><narrative>Qualitative</narrative></title></indicator></result>
 </iati-activity>
 <iati-activity>
  <iati-identifier>XM-DAC-47066-T2</iati-identifier>
  <reporting-org ref="XM-DAC-47066" type="40"><narrative>IOM</narrative></reporting-org>
  <title><narrative>Second</narrative><narrative xml:lang="fr">Deuxième</narrative></title>
  <transaction><transaction-type code="3"/><value>10</value><receiver-org><narrative>Partner NGO</narrative></receiver-org></transaction>
 </iati-activity>
 <iati-activity><title><narrative>No identifier</narrative></title></iati-activity>
 <stray/>
</iati-activities>"#;

#[test]
fn dirty_input_is_imported_where_sound_and_reported_by_xpath() {
    let found = import(DIRTY);
    let data = &found.data;
    assert_eq!(data.projects.len(), 2);
    let first = &data.projects[0];
    assert_eq!(first.title, "Legacy title");
    assert_eq!(
        first.title_narratives,
        [Narrative::new(Some("en"), "Legacy title")]
    );
    assert_eq!(
        data.projects[1].title_narratives.len(),
        2,
        "every language is kept"
    );
    // 1.x codes: IF is incoming funds, from the one funder (Germany) to IOM, in EUR.
    let germany = data
        .organisation_by_identifier("XM-DAC-6-4")
        .expect("Germany");
    let iom = data
        .organisation_by_identifier("XM-DAC-47066")
        .expect("IOM");
    let cash = &data.contributions[0];
    assert_eq!(
        (cash.kind, cash.donor, cash.recipient),
        (ContributionKind::Cash, germany.id, iom.id)
    );
    assert_eq!(
        cash.value,
        ContributionValue::actual(Money::parse("1000", "EUR").expect("money"))
    );
    assert_eq!(
        first.period.start.map(|d| d.to_string()).as_deref(),
        Some("2019-02-01")
    );
    let at = "/iati-activities/iati-activity[1]";
    let codes: Vec<(String, Code)> = found
        .warnings
        .iter()
        .map(|w| (w.path.to_string(), w.code))
        .collect();
    for expected in [
        (format!("{at}/title-extra"), Code::IatiUnexpectedElement),
        (
            format!("{at}/participating-org[2]/@role"),
            Code::IatiUnknownCode,
        ),
        (format!("{at}/activity-status/@code"), Code::IatiUnknownCode),
        (
            format!("{at}/activity-date[2]/@iso-date"),
            Code::IatiInvalidValue,
        ),
        // No provider: the one funder, Germany, is taken, and said so.
        (
            format!("{at}/transaction[1]"),
            Code::IatiCounterpartyFromRole,
        ),
        (
            format!("{at}/transaction[3]/transaction-type/@code"),
            Code::IatiUnknownCode,
        ),
        (
            format!("{at}/transaction[4]/transaction-type/@code"),
            Code::IatiUnsupported,
        ),
        (
            format!("{at}/transaction[5]/value/@currency"),
            Code::IatiUnknownCode,
        ),
        (
            "/iati-activities/iati-activity[2]/transaction[1]/value/@currency".to_owned(),
            Code::IatiMissingCurrency,
        ),
        (
            "/iati-activities/iati-activity[3]".to_owned(),
            Code::IatiMissingElement,
        ),
        (
            "/iati-activities/stray[1]".to_owned(),
            Code::IatiUnexpectedElement,
        ),
    ] {
        assert!(
            codes.contains(&expected),
            "missing {expected:?} in {codes:#?}"
        );
    }
    assert!(
        found
            .warnings
            .iter()
            .all(|w| w.severity == partnercrm::Severity::Warning)
    );
    // A negative disbursement is a reversal, held as published.
    let partner = data.organisation_named("Partner NGO").expect("partner");
    let reversal = &data.contributions[1];
    assert_eq!(
        (reversal.kind, reversal.donor, reversal.recipient),
        (ContributionKind::Cash, iom.id, partner.id)
    );
    assert_eq!(
        reversal.value,
        ContributionValue::actual(Money::parse("-50", "USD").expect("money"))
    );
    // What no contribution holds is accounted for, amount and all.
    let skipped: Vec<(String, String, Code)> = found
        .skipped
        .iter()
        .map(|s| (s.path.clone(), s.money.to_string(), s.code))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                format!("{at}/transaction[3]"),
                "EUR 5".to_owned(),
                Code::IatiUnknownCode
            ),
            (
                format!("{at}/transaction[4]"),
                "EUR 5".to_owned(),
                Code::IatiUnsupported
            ),
        ]
    );
    let loan = found
        .warnings
        .iter()
        .find(|w| w.path.to_string() == format!("{at}/transaction[4]/transaction-type/@code"))
        .expect("the loan repayment is reported");
    assert!(
        loan.message.ends_with("its EUR 5 is skipped"),
        "{}",
        loan.message
    );
    assert!(data.validate().is_clean());
}

fn xml_error(result: partnercrm::Result<Import>) -> String {
    match result {
        Err(Error::Xml { message, .. }) => message,
        other => panic!("expected an XML error, got {other:?}"),
    }
}

#[test]
fn entity_declarations_are_refused_billion_laughs_and_xxe() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<iati-activities><iati-activity><iati-identifier>&lol3;</iati-identifier></iati-activity></iati-activities>"#;
    assert!(xml_error(iati::read_str(laughs, &Dataset::new())).contains("declares entities"));
    let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<iati-activities><iati-activity><iati-identifier>&xxe;</iati-identifier></iati-activity></iati-activities>"#;
    assert!(xml_error(iati::read_str(xxe, &Dataset::new())).contains("declares entities"));
    // Without a declaration, a reference to an entity is refused, not expanded.
    let undeclared = "<iati-activities><iati-activity><iati-identifier>&xxe;</iati-identifier></iati-activity></iati-activities>";
    assert!(xml_error(iati::read_str(undeclared, &Dataset::new())).contains("undeclared entity"));
    // Predefined and character references are text.
    let fine = "<iati-activity><iati-identifier>A&amp;B&#x2018;</iati-identifier><reporting-org ref=\"XM-DAC-47066\"/></iati-activity>";
    let found = import(fine);
    assert_eq!(
        found.data.projects[0].iati_identifier.as_deref(),
        Some("A&B\u{2018}")
    );
}

#[test]
fn a_document_type_declaration_of_any_kind_is_refused_where_it_is() {
    let body = "<iati-activities version=\"2.03\"><iati-activity>\
                <iati-identifier>XM-DAC-47066-1</iati-identifier>\
                <reporting-org ref=\"XM-DAC-47066\"/></iati-activity></iati-activities>";
    assert!(iati::read_str(body, &Dataset::new()).is_ok());
    for doctype in [
        "<!DOCTYPE iati-activities SYSTEM \"file:///etc/passwd\">",
        "<!DOCTYPE iati-activities SYSTEM \"http://example.org/iati.dtd\">",
        "<!DOCTYPE iati-activities PUBLIC \"-//IATI//DTD Activities//EN\" \"iati.dtd\">",
        "<!DOCTYPE iati-activities [<!ELEMENT iati-activities ANY>]>",
        "<!DOCTYPE iati-activities>",
    ] {
        let text = format!("<?xml version=\"1.0\"?>\n  {doctype}\n{body}");
        match iati::read_str(&text, &Dataset::new()) {
            Err(Error::Xml {
                line: 2,
                column: 3,
                message,
            }) => assert!(message.contains("document type declaration"), "{message}"),
            other => panic!("{doctype}: expected it refused at 2:3, got {other:?}"),
        }
    }
}

#[test]
fn deep_nesting_is_refused() {
    let depth = MAX_DEPTH + 10;
    let text = format!(
        "<iati-activities><iati-activity>{}{}</iati-activity></iati-activities>",
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    assert!(xml_error(iati::read_str(&text, &Dataset::new())).contains("nest deeper than 256"));
    // 100,000 levels do not overflow the stack either.
    let deeper = "<a>".repeat(100_000);
    assert!(iati::read_str(&deeper, &Dataset::new()).is_err());
}

#[test]
fn oversized_input_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("huge.xml");
    let file = std::fs::File::create(&path).expect("file");
    // A sparse file: no disk is used, but its length is over the limit.
    file.set_len(MAX_INPUT_BYTES as u64 + 1).expect("length");
    let message = xml_error(iati::read_file(&path, &Dataset::new()));
    assert!(
        message.contains("more than the limit of 536870912 bytes"),
        "{message}"
    );
}

#[test]
fn not_xml_or_not_iati_is_an_error_with_a_position() {
    let err =
        iati::read_str("<iati-activities><iati-activity>", &Dataset::new()).expect_err("refused");
    assert!(matches!(err, Error::Xml { line: 1, .. }), "{err}");
    let err = iati::read_str("<html><body/></html>", &Dataset::new()).expect_err("refused");
    assert!(err.to_string().contains("not <iati-activities>"), "{err}");
    assert!(iati::read_str("", &Dataset::new()).is_err());
    assert!(iati::read_str("<a></b>", &Dataset::new()).is_err());
}

#[test]
fn truncated_and_garbled_samples_never_panic() {
    for file in FILES {
        let text = sample(file);
        let len = text.len();
        let mut cuts: Vec<usize> = (1..40).map(|i| len * i / 40).collect();
        cuts.extend([1, 2, 10, 100]);
        for cut in cuts {
            let mut at = cut.min(len);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let _ = iati::read_str(&text[..at], &Dataset::new());
        }
        // Garble: swap bytes for markup characters at regular intervals.
        let mut bytes = text.clone().into_bytes();
        for (n, i) in (0..bytes.len()).step_by(997).enumerate() {
            if bytes[i].is_ascii() {
                bytes[i] = [b'<', b'>', b'&', b'"', b'/', b'='][n % 6];
            }
        }
        let garbled = String::from_utf8_lossy(&bytes);
        let _ = iati::read_str(&garbled, &Dataset::new());
        // Drop every closing tag of one kind.
        let _ = iati::read_str(&text.replace("</transaction>", ""), &Dataset::new());
        let _ = iati::read_str(&text.replace("\"", ""), &Dataset::new());
    }
}

#[test]
fn locate_finds_the_line_of_each_warning_path() {
    let text = "\u{feff}<?xml version=\"1.0\"?>\n<iati-activities version=\"2.03\">\n \
                <iati-activity>\n  <transaction/>\n  <transaction>\n   <value>-1</value>\n  \
                </transaction>\n </iati-activity>\n <iati-activity>\n  <title/>\n \
                </iati-activity>\n</iati-activities>\n";
    let places = iati::locate(
        text,
        &[
            "/iati-activities/iati-activity[1]/transaction[2]/value",
            "/iati-activities/iati-activity[1]/transaction[2]/value/@currency",
            "/iati-activities/iati-activity[1]/transaction[1]",
            "/iati-activities/iati-activity[2]/title",
            // Missing: the nearest ancestor that is there.
            "/iati-activities/iati-activity[2]/iati-identifier",
            "/iati-activity",
            "not a path",
        ],
    );
    assert_eq!(
        places,
        vec![
            Some((6, 4)),
            Some((6, 4)),
            Some((4, 3)),
            Some((10, 3)),
            Some((9, 2)),
            None,
            None
        ]
    );
    // Every warning of a dirty file is placed, on a line that has its element.
    let dirty = sample("dportal_115.xml");
    let import = iati::read_str(&dirty, &Dataset::new()).expect("reads");
    assert!(!import.warnings.is_empty());
    let paths: Vec<String> = import.warnings.iter().map(|w| w.path.to_string()).collect();
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    for (path, place) in paths.iter().zip(iati::locate(&dirty, &refs)) {
        let (line, _) = place.unwrap_or_else(|| panic!("{path} is not placed"));
        let element = path
            .rsplit('/')
            .find(|step| !step.starts_with('@'))
            .and_then(|step| step.split('[').next())
            .expect("a step");
        let at = dirty.lines().nth(line - 1).expect("the line exists");
        assert!(
            at.contains(&format!("<{element}")) || at.contains("<iati-activity"),
            "{path} placed at line {line}: {at:?}"
        );
    }
}

#[test]
fn every_sample_is_stored_and_storing_it_again_changes_nothing() {
    use partnercrm::store::Store;
    // Publishers reuse titles for different activities (dportal_115,
    // MAEC) and for different indicators of one activity: the store must
    // still take each file whole.
    let mut store = Store::in_memory().expect("store");
    for file in FILES {
        let text = sample(file);
        let known = store.dataset().expect("known");
        let read = iati::read_str(&text, &known).expect(file);
        let applied = store
            .import(read.data, "test")
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(applied.inserted > 0, "{file}");
        let known = store.dataset().expect("known");
        let again = iati::read_str(&text, &known).expect(file);
        let applied = store.import(again.data, "test").expect(file);
        assert_eq!((applied.inserted, applied.updated), (0, 0), "{file}");
    }
}

#[test]
fn an_export_reads_back_into_the_store_it_came_from_unchanged() {
    use partnercrm::store::Store;
    let seed = partnercrm::io::json::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/data/iom_partnerships.json"
    ))
    .expect("seed");
    let mut store = Store::in_memory().expect("store");
    store.import(seed, "test").expect("seed");
    let known = store.dataset().expect("known");
    let writable = iati::writable(&known);
    assert!(writable.len() >= 10, "{} writable projects", writable.len());
    let xml = iati::write(&known, Some(&writable)).expect("writes");
    let read = iati::read_str(&xml, &known).expect("reads");
    // Projects with no identifier of their own are named by id in the
    // export, and found by it again.
    assert!(
        read.data
            .projects
            .iter()
            .all(|p| known.project(p.id).is_some())
    );
    let new: Vec<String> = read
        .data
        .organisations
        .iter()
        .filter(|o| known.organisation(o.id).is_none())
        .map(|o| format!("organisation {}", o.name))
        .chain(
            read.data
                .contributions
                .iter()
                .filter(|c| known.contribution(c.id).is_none())
                .map(|c| format!("contribution {c:?}")),
        )
        .chain(
            read.data
                .indicators
                .iter()
                .filter(|i| known.indicator(i.id).is_none())
                .map(|i| format!("indicator {}", i.title)),
        )
        .chain(
            read.data
                .agreements
                .iter()
                .filter(|a| known.agreement(a.id).is_none())
                .map(|a| format!("agreement {}", a.title)),
        )
        .collect();
    assert_eq!(new, Vec::<String>::new(), "nothing new");
    let applied = store.import(read.data, "test").expect("stores");
    assert_eq!(
        (applied.inserted, applied.updated, applied.deleted),
        (0, 0, 0),
        "nothing changes"
    );
}

#[test]
fn an_export_the_schema_cannot_hold_is_refused_naming_every_project() {
    let seed = partnercrm::io::json::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/data/iom_partnerships.json"
    ))
    .expect("seed");
    let Err(partnercrm::Error::Invalid(report)) = iati::write(&seed, None) else {
        panic!("the seed has projects with no dates, which IATI cannot hold");
    };
    let undated: Vec<String> = seed
        .projects
        .iter()
        .filter(|p| p.period.start.is_none() && p.period.end.is_none())
        .map(|p| format!("projects.{}", p.id))
        .collect();
    assert!(!undated.is_empty());
    let paths: Vec<String> = report
        .problems()
        .iter()
        .map(|p| p.path.to_string())
        .collect();
    for path in &undated {
        assert!(paths.contains(path), "{path} is named");
    }
    assert!(
        report
            .problems()
            .iter()
            .all(|p| p.code == partnercrm::validate::Code::IatiNotWritable)
    );
    // Money with no date is named too: IATI has no transaction without one.
    assert!(
        report
            .problems()
            .iter()
            .any(|p| p.path.to_string().starts_with("contributions.")
                && p.message.contains("USD 1000000"))
    );
    assert_eq!(report.problems(), iati::unwritable(&seed, None).as_slice());
    // The projects it can write are written, and the output is whole.
    let writable = iati::writable(&seed);
    assert!(iati::write(&seed, Some(&writable)).is_ok());
}

#[test]
fn contradicting_activity_dates_keep_the_consistent_ones() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/iati/corpus/");
    let cases = [
        // An actual start in 2050 next to a planned year 2021: the planned
        // pair is consistent, the actual start is not kept.
        (
            "dportal_88.xml",
            "XI-IATI-EC_INTPA-2020/41882/0",
            "2021-12-31 to 2021-12-31",
            "actual start 2050-12-31",
        ),
        // Started (actually) after its planned end: no pair is consistent,
        // so the actual start alone.
        (
            "dportal_19.xml",
            "FR-6-PH-2102",
            "since 2021-08-01",
            "planned end 2020-12-01",
        ),
    ];
    for (file, identifier, period, dropped) in cases {
        let text = std::fs::read_to_string(format!("{corpus}{file}")).expect(file);
        let import = import(&text);
        let project = import
            .data
            .projects
            .iter()
            .find(|p| p.iati_identifier.as_deref() == Some(identifier))
            .expect(identifier);
        assert_eq!(project.period.to_string(), period, "{identifier}");
        assert!(
            import
                .warnings
                .iter()
                .any(|w| w.code == Code::IatiInvalidValue && w.message.contains(dropped)),
            "{identifier}: a warning names {dropped}"
        );
        // The activity can be written: it has a date.
        assert!(iati::unwritable(&import.data, Some(&[project.id])).is_empty());
    }
}

#[test]
fn qualitative_and_nominal_indicators_are_held_with_their_words() {
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/iati/");
    let mut measures = std::collections::BTreeMap::<Measure, usize>::new();
    let mut published = 0;
    let mut held = 0;
    let files = ["corpus", "samples"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(format!("{shared}{dir}")).expect("dir"))
        .map(|entry| entry.expect("entry").path());
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !name.ends_with(".xml") || name.starts_with("organisation") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("reads");
        published += count_tags(&text, "indicator");
        let found = import(&text);
        // Every indicator is held; none is refused for its measure.
        assert!(
            found
                .warnings
                .iter()
                .all(|w| !w.path.to_string().ends_with("/@measure")),
            "{}",
            path.display()
        );
        for indicator in &found.data.indicators {
            *measures.entry(indicator.measure).or_default() += 1;
            held += 1;
        }
        assert!(found.data.validate().is_clean(), "{}", path.display());
    }
    assert_eq!(held, published);
    assert!(
        measures.get(&Measure::Qualitative) > Some(&0),
        "{measures:?}"
    );
    assert!(measures.get(&Measure::Nominal) > Some(&0), "{measures:?}");
}

#[test]
fn a_value_in_words_is_kept_and_counted_in_no_total() {
    let xml = r#"<iati-activities version="2.03"><iati-activity default-currency="USD">
      <iati-identifier>XM-TEST-1</iati-identifier>
      <reporting-org ref="XM-DAC-47066" type="40"><narrative>IOM</narrative></reporting-org>
      <title><narrative>Shelter</narrative></title>
      <participating-org ref="XM-DAC-47066" role="2" type="40"><narrative>IOM</narrative></participating-org>
      <activity-status code="2"/>
      <activity-date iso-date="2023-01-01" type="2"/>
      <result type="1"><title><narrative>Shelter</narrative></title>
        <indicator measure="5"><title><narrative>Community views</narrative></title>
          <period><period-start iso-date="2023-01-01"/><period-end iso-date="2023-12-31"/>
            <target><comment><narrative>Most households feel safe</narrative></comment></target>
            <actual><comment><narrative>Two thirds feel safe</narrative></comment></actual>
          </period>
        </indicator>
        <indicator measure="1"><title><narrative>Households sheltered</narrative></title>
          <period><period-start iso-date="2023-01-01"/><period-end iso-date="2023-12-31"/>
            <target value="500"/>
            <actual value=""><comment><narrative>Reported in the narrative report</narrative></comment></actual>
            <actual/>
          </period>
        </indicator>
      </result>
      <sector vocabulary="7" code="11"/>
      <sector vocabulary="10" code="Shelter"/>
      <sector vocabulary="DAC" code="16030"/>
    </iati-activity></iati-activities>"#;
    let found = import(xml);
    let by_title = |title: &str| {
        found
            .data
            .indicators
            .iter()
            .find(|i| i.title == title)
            .expect(title)
    };
    let views = by_title("Community views");
    assert_eq!(views.measure, Measure::Qualitative);
    assert_eq!(views.targets[0].value, None);
    assert_eq!(
        views.actuals[0].comment.as_deref(),
        Some("Two thirds feel safe")
    );
    let households = by_title("Households sheltered");
    assert_eq!(households.actuals.len(), 1, "the empty actual says nothing");
    assert_eq!(households.actuals[0].value, None);
    assert_eq!(
        warnings_with(&found, Code::IatiValueInWords),
        ["/iati-activities/iati-activity[1]/result[1]/indicator[2]/period[1]/actual[1]/@value"]
    );
    assert_eq!(
        warnings_with(&found, Code::IatiMissingElement),
        ["/iati-activities/iati-activity[1]/result[1]/indicator[2]/period[1]/actual[2]/@value"]
    );
    let project = &found.data.projects[0];
    assert_eq!(
        project
            .other_sectors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["7:11", "10:Shelter"]
    );
    assert_eq!(project.sectors.len(), 1);
    // No total or achievement is made of words.
    let outcomes = partnercrm::query::outcomes::outcomes(&found.data).expect("outcomes");
    for outcome in &outcomes {
        assert_eq!(outcome.actual, None, "{}", outcome.title);
        assert_eq!(outcome.achievement, None, "{}", outcome.title);
    }
    // And all of it is written back and read again as it was.
    let xml = iati::write(&found.data, None).expect("writes");
    assert_eq!(import(&xml).data, found.data);
}
