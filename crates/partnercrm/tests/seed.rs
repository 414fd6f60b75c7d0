//! The seed data set, `examples/data/iom_partnerships.json`: every fact of
//! IOM's partnership pages. These tests check that it loads, validates, is a
//! fixed point of load → save, and that facts derived from it through the
//! public API match the source.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use partnercrm::Dataset;
use partnercrm::io::json;
use partnercrm::model::{
    AgreementKind, ChairRole, ContributionValue, GroupKind, Money, NoteKind, Organisation,
    OrganisationKind, PartialDate, PartyRole, Precision, Qualifier,
};
use rust_decimal::Decimal;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

fn seed() -> Dataset {
    json::read(SEED).expect("the seed data set loads")
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a valid day")
}

fn org<'a>(data: &'a Dataset, name: &str) -> &'a Organisation {
    data.organisation_named(name)
        .unwrap_or_else(|| panic!("no organisation named {name:?}"))
}

fn usd(amount: &str) -> Money {
    Money::parse(amount, "USD").expect("valid money")
}

/// The acronyms (else names) of these organisations, sorted.
fn short_names(data: &Dataset, ids: &[partnercrm::model::OrganisationId]) -> Vec<String> {
    let mut names: Vec<String> = ids
        .iter()
        .map(|&id| {
            let o = data.organisation(id).expect("member exists");
            o.acronym.clone().unwrap_or_else(|| o.name.clone())
        })
        .collect();
    names.sort();
    names
}

#[test]
fn validates_with_only_source_gap_warnings() {
    let data = seed();
    let report = data.validate();
    assert!(report.is_clean(), "{report}");
    let codes: BTreeSet<&str> = report.warnings().map(|p| p.code.as_str()).collect();
    let allowed = BTreeSet::from(["contribution.amount_unknown", "contribution.date_missing"]);
    assert!(codes.is_subset(&allowed), "unexpected warnings: {report}");
    assert_eq!(data.title.as_deref(), Some("IOM partnerships"));
    assert!(
        data.source
            .as_deref()
            .is_some_and(|s| s.contains("shared/seed/000_5537f524398bd5ab.txt"))
    );
}

#[test]
fn load_then_save_is_a_fixed_point() {
    let text = std::fs::read_to_string(SEED).expect("the seed file is readable");
    let data = json::from_str(&text).expect("parses");
    let saved = json::to_string(&data).expect("saves");
    assert!(saved == text, "saving the seed data set changes the file");
}

#[test]
fn gmg_membership_grows_over_time() {
    let data = seed();
    let gmg = data.group_named("Global Migration Group").expect("GMG");
    assert_eq!(gmg.kind, GroupKind::InterAgencyGroup);
    assert_eq!(data.group_named("GMG").map(|g| g.id), Some(gmg.id));
    assert_eq!(
        data.group_named("Geneva Migration Group").map(|g| g.id),
        Some(gmg.id)
    );

    let founders = gmg.members_on(day("2004-01-01"));
    assert_eq!(
        short_names(&data, &founders),
        ["ILO", "IOM", "OHCHR", "UNCTAD", "UNHCR", "UNODC"]
    );
    assert_eq!(gmg.members_on(day("2007-01-01")).len(), 10);
    assert_eq!(gmg.members_on(day("2008-06-01")).len(), 14);
    assert_eq!(gmg.members_on(day("2011-01-01")).len(), 16);

    let unesco = org(&data, "UNESCO").id;
    assert!(!gmg.members_on(day("2007-06-01")).contains(&unesco));
    assert!(gmg.members_on(day("2008-06-01")).contains(&unesco));

    // The UN regional commissions are one member standing for five commissions.
    let commissions = org(&data, "UN regional commissions");
    assert!(gmg.members_on(day("2011-01-01")).contains(&commissions.id));
    assert_eq!(
        short_names(&data, &commissions.constituents),
        ["ECA", "ECE", "ECLAC", "ESCAP", "ESCWA"]
    );
    assert_eq!(gmg.contact.as_deref(), Some("GMG@ilo.org"));
}

#[test]
fn gmg_names_and_chairs_by_date() {
    let data = seed();
    let gmg = data.group_named("GMG").expect("GMG");
    assert_eq!(gmg.name_on(day("2004-06-01")), "Geneva Migration Group");
    assert_eq!(gmg.name_on(day("2008-01-01")), "Global Migration Group");
    assert_eq!(gmg.current_name(), "Global Migration Group");

    let iom = org(&data, "IOM").id;
    let ilo = org(&data, "ILO").id;
    let chair_on = |text: &str| -> Vec<_> {
        gmg.chairs_on(day(text))
            .into_iter()
            .filter(|c| c.role == ChairRole::Chair)
            .map(|c| c.organisation)
            .collect()
    };
    assert_eq!(chair_on("2007-03-15"), [iom]);
    assert_eq!(chair_on("2013-09-01"), [iom]);
    assert_eq!(chair_on("2014-06-30"), [ilo]);
    assert!(chair_on("2010-06-01").is_empty());
    assert!(chair_on("2015-01-01").is_empty());
}

#[test]
fn gmg_has_three_working_groups_and_two_task_forces() {
    let data = seed();
    let gmg = data.group_named("GMG").expect("GMG");
    let subgroups: Vec<_> = data
        .groups
        .iter()
        .filter(|g| g.parent == Some(gmg.id))
        .collect();
    let kinds: Vec<GroupKind> = subgroups.iter().map(|g| g.kind).collect();
    assert_eq!(
        kinds,
        [
            GroupKind::WorkingGroup,
            GroupKind::WorkingGroup,
            GroupKind::WorkingGroup,
            GroupKind::TaskForce,
            GroupKind::TaskForce,
        ]
    );
    let co_chairs: Vec<usize> = subgroups.iter().map(|g| g.chairs.len()).collect();
    assert_eq!(co_chairs, [2, 2, 3, 2, 2]);
    assert!(
        subgroups
            .iter()
            .flat_map(|g| &g.chairs)
            .all(|c| c.role == ChairRole::CoChair)
    );

    let decent_work = data
        .group_named("Task Force on Migration and Decent Work")
        .expect("task force");
    assert_eq!(
        short_names(
            &data,
            &decent_work
                .chairs
                .iter()
                .map(|c| c.organisation)
                .collect::<Vec<_>>()
        ),
        ["ILO", "IOM"]
    );
    let gender = data
        .group_named("Working Group on Migration, Human Rights and Gender")
        .expect("working group");
    assert_eq!(
        short_names(
            &data,
            &gender
                .chairs
                .iter()
                .map(|c| c.organisation)
                .collect::<Vec<_>>()
        ),
        ["OHCHR", "UN Women", "UNICEF"]
    );
}

#[test]
fn chevron_gave_a_known_usd_1_250_000_in_two_gifts() {
    let data = seed();
    let chevron = org(&data, "Chevron").id;
    let gifts: Vec<_> = data
        .contributions
        .iter()
        .filter(|c| c.donor == chevron)
        .collect();
    assert_eq!(gifts.len(), 2);
    let known: Vec<&Money> = gifts.iter().filter_map(|c| c.value.money()).collect();
    assert_eq!(known.len(), 2);
    assert!(known.iter().all(|m| m.currency.code() == "USD"));
    let total: Decimal = known.iter().map(|m| m.amount).sum();
    assert_eq!(total, Decimal::from(1_250_000));

    let angola = gifts
        .iter()
        .find(|c| c.recipient == org(&data, "IOM Angola").id)
        .expect("the Angola gift");
    assert_eq!(angola.value, ContributionValue::actual(usd("850000")));
    assert_eq!(angola.period.start, Some(PartialDate::year(2004)));
    assert_eq!(angola.period.end, Some(PartialDate::year(2005)));
}

#[test]
fn aig_fund_gave_usd_1_000_000_to_iom_pakistan() {
    let data = seed();
    let fund = org(&data, "AIG Disaster Relief Fund");
    assert_eq!(fund.parent, Some(org(&data, "AIG").id));
    let pakistan = org(&data, "IOM Pakistan").id;
    let gifts: Vec<_> = data
        .contributions
        .iter()
        .filter(|c| c.donor == fund.id)
        .collect();
    assert_eq!(gifts.len(), 1);
    assert_eq!(gifts[0].recipient, pakistan);
    assert_eq!(gifts[0].value, ContributionValue::actual(usd("1000000")));
    // The source gives no date for the donation: it stays unknown.
    assert_eq!(gifts[0].effective_date(), None);
}

#[test]
fn unknown_amounts_are_unknown_not_zero() {
    let data = seed();
    for donor in [
        "Panasonic",
        "UBS",
        "King Baudouin Foundation",
        "Dow Chemical Foundation",
        "Standard Chartered",
        "Media GO",
        "AmeriCares",
        "Galnaftogas",
    ] {
        let id = org(&data, donor).id;
        let gifts: Vec<_> = data
            .contributions
            .iter()
            .filter(|c| c.donor == id)
            .collect();
        assert!(!gifts.is_empty(), "{donor} gave something");
        for gift in gifts {
            assert_eq!(gift.value, ContributionValue::Unknown, "{donor}");
            assert!(gift.value.money().is_none(), "{donor}");
        }
    }
}

#[test]
fn agreements_have_the_parties_their_kind_needs() {
    let data = seed();
    let with_party = |name: &str| -> Vec<_> {
        let id = org(&data, name).id;
        data.agreements.iter().filter(|a| a.has_party(id)).collect()
    };

    let starbucks = with_party("Starbucks");
    assert_eq!(starbucks.len(), 1);
    let narino = starbucks[0];
    assert_eq!(narino.kind, AgreementKind::Multilateral);
    let parties: BTreeSet<_> = narino.parties.iter().map(|p| p.organisation).collect();
    assert_eq!(parties.len(), 4);
    for name in [
        "Empresas de Nariño Ltda.",
        "Government of the Netherlands",
        "IOM Colombia",
    ] {
        assert!(parties.contains(&org(&data, name).id), "{name}");
    }
    assert_eq!(narino.signed, Some(PartialDate::year(2006)));

    for government in ["Government of Honduras", "Government of Mauritius"] {
        let found = with_party(government);
        assert_eq!(found.len(), 1, "{government}");
        let agreement = found[0];
        assert_eq!(agreement.kind, AgreementKind::Trilateral);
        assert_eq!(agreement.parties.len(), 3);
        let party = agreement
            .parties
            .iter()
            .find(|p| p.organisation == org(&data, government).id)
            .expect("the government is a party");
        assert!(party.roles.contains(&PartyRole::GovernmentCounterpart));
        assert!(agreement.has_party(org(&data, "Maple Leaf Foods").id));
        assert!(agreement.has_party(org(&data, "IOM").id));
    }

    let carrefour = with_party("Carrefour");
    assert_eq!(carrefour.len(), 1);
    let signed = carrefour[0].signed.expect("signed date");
    assert_eq!(signed, PartialDate::month(2007, 5).expect("valid month"));
    assert_eq!(signed.precision(), Precision::Month);
    assert!(carrefour[0].has_party(org(&data, "IOM Colombia").id));

    let galnaftogas = with_party("Concern Galnaftogas");
    assert_eq!(galnaftogas.len(), 1);
    assert_eq!(galnaftogas[0].kind, AgreementKind::Mou);
    assert_eq!(galnaftogas[0].signed, Some(PartialDate::year(2007)));
    assert!(galnaftogas[0].has_party(org(&data, "IOM Ukraine").id));

    // Every agreement is linked to the project(s) carried out under it.
    assert!(data.agreements.iter().all(|a| !a.projects.is_empty()));
}

#[test]
fn country_offices_sit_under_iom() {
    let data = seed();
    let iom = org(&data, "IOM");
    assert_eq!(iom.iati_org_id(), Some("XM-DAC-47066"));
    assert_eq!(
        data.organisation_by_identifier("XM-DAC-47066")
            .map(|o| o.id),
        Some(iom.id)
    );
    let offices = [
        ("IOM Ukraine", "UA"),
        ("IOM Colombia", "CO"),
        ("IOM Indonesia", "ID"),
        ("IOM Pakistan", "PK"),
        ("IOM Serbia", "RS"),
        ("IOM Budapest", "HU"),
        ("IOM Angola", "AO"),
    ];
    for (name, country) in offices {
        let office = org(&data, name);
        assert_eq!(office.kind, OrganisationKind::CountryOffice, "{name}");
        assert_eq!(office.parent, Some(iom.id), "{name}");
        assert_eq!(office.country.map(|c| c.as_str()), Some(country), "{name}");
    }
    let all_offices = data
        .organisations
        .iter()
        .filter(|o| o.kind == OrganisationKind::CountryOffice)
        .count();
    assert_eq!(all_offices, offices.len());

    for (acronym, id) in [
        ("UNDP", "XM-DAC-41114"),
        ("UNHCR", "XM-DAC-41121"),
        ("UNICEF", "XM-DAC-41122"),
    ] {
        assert_eq!(org(&data, acronym).iati_org_id(), Some(id));
    }
}

#[test]
fn german_names_resolve_to_the_same_organisations() {
    let data = seed();
    for (alias, name) in [
        ("Weltbank", "World Bank"),
        ("IAO", "ILO"),
        ("Internationale Arbeitsorganisation", "ILO"),
        ("UNDESA", "UN-DESA"),
        ("MediaGo Holding", "Media GO"),
        ("Galnaftogas", "Concern Galnaftogas"),
        ("Ahornblatt-Lebensmittel von Kanada", "Maple Leaf Foods"),
    ] {
        assert_eq!(org(&data, alias).id, org(&data, name).id, "{alias}");
    }
}

#[test]
fn outcomes_keep_their_qualifiers() {
    let data = seed();
    let indicator = |title: &str| {
        data.indicators
            .iter()
            .find(|i| i.title == title)
            .unwrap_or_else(|| panic!("no indicator {title:?}"))
    };

    let displaced = indicator("Displaced people reached");
    assert_eq!(displaced.actuals.len(), 1);
    assert_eq!(displaced.actuals[0].qualifier, Qualifier::MoreThan);
    assert_eq!(displaced.actuals[0].value, Some(Decimal::from(600_000)));

    let carrefour = indicator("People benefiting from the income-generating projects");
    assert_eq!(carrefour.actuals[0].qualifier, Qualifier::About);
    assert_eq!(carrefour.actuals[0].value, Some(Decimal::from(1_500)));
    assert_eq!(
        data.project(carrefour.project).map(|p| p.title.as_str()),
        data.project_named("Paz y Vida").map(|p| p.title.as_str())
    );

    let lanterns = indicator("Solar lanterns distributed to the settlements");
    assert_eq!(lanterns.actuals[0].qualifier, Qualifier::MoreThan);
    assert_eq!(lanterns.actuals[0].value, Some(Decimal::from(1_400)));
}

#[test]
fn projects_carry_places_periods_and_partners() {
    let data = seed();
    let praesidium = data.project_named("Praesidium").expect("Praesidium");
    assert!(praesidium.places.iter().any(|p| p == "Lampedusa"));
    assert_eq!(praesidium.period.start, Some(PartialDate::year(2006)));
    let save_the_children = org(&data, "Save the Children").id;
    let joined = praesidium
        .partners
        .iter()
        .find(|p| p.organisation == save_the_children)
        .expect("Save the Children takes part");
    assert_eq!(joined.period.start, Some(PartialDate::year(2008)));

    let sa = data
        .project_named("Strengthening Communities for Diversity and Peace")
        .expect("South Africa project");
    assert_eq!(sa.period.start, PartialDate::month(2011, 4));

    let crp = data.project_named("CRP").expect("CRP");
    assert_eq!(crp.lead_office, Some(org(&data, "IOM Angola").id));

    let study = data
        .projects
        .iter()
        .find(|p| p.title.starts_with("Baseline and post-intervention study"))
        .expect("the Garowe study");
    assert!(study.places.iter().any(|place| place == "Garowe"));
    let lanterns = data
        .projects
        .iter()
        .find(|p| p.title.starts_with("Solar lanterns"))
        .expect("the lantern project");
    assert!(study.parent.is_some());
    assert_eq!(study.parent, lanterns.parent);
    let publication = data
        .notes
        .iter()
        .find(|n| n.kind == NoteKind::Publication && n.links.projects.contains(&study.id))
        .expect("the study's publication");
    assert_eq!(publication.date, PartialDate::month(2013, 12));

    let sactap = data.project_named("SACTAP").expect("SACTAP");
    assert!(data.projects.iter().any(|p| p.parent == Some(sactap.id)));
}

#[test]
fn the_two_susans_are_distinct_people_with_one_title() {
    let data = seed();
    let maple_leaf = org(&data, "Maple Leaf Foods").id;
    let find = |name: &str| {
        data.people
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no person {name:?}"))
    };
    let first = find("Susan Yaeger-Szoke");
    let second = find("Susan Boeve");
    assert_ne!(first.id, second.id);
    let role = |p: &partnercrm::model::Person| {
        let a = p
            .affiliations
            .iter()
            .find(|a| a.organisation == maple_leaf)
            .expect("affiliated with Maple Leaf Foods");
        a.title.clone()
    };
    assert_eq!(
        role(first).as_deref(),
        Some("Head of International Recruitment")
    );
    assert_eq!(role(first), role(second));
}

#[test]
fn every_quote_has_a_speaker_and_every_note_a_link() {
    let data = seed();
    let quotes: Vec<_> = data
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::Quote)
        .collect();
    assert_eq!(quotes.len(), 16);
    for quote in &quotes {
        assert!(
            !quote.links.people.is_empty() || !quote.links.organisations.is_empty(),
            "{:?} has no speaker",
            quote.title
        );
        assert_eq!(quote.language.as_deref(), Some("de"));
    }
    // The ACTE statement names no person: the organisation speaks.
    let acte = org(&data, "ACTE").id;
    assert!(
        quotes
            .iter()
            .any(|q| q.links.people.is_empty() && q.links.organisations == [acte])
    );
    assert!(data.notes.iter().all(|n| !n.links.is_empty()));

    let meetings = data
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::Meeting)
        .filter_map(|n| n.date.map(|d| d.year_of()))
        .collect::<Vec<_>>();
    assert_eq!(meetings, [2008, 2009, 2010, 2013]);
}
