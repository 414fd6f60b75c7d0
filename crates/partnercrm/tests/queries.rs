//! Agreements, groups, outcomes and portfolios, hand-checked on the seed.

use chrono::NaiveDate;
use partnercrm::io::json;
use partnercrm::model::*;
use partnercrm::query::{agreements, groups, outcomes, portfolio};
use rust_decimal::Decimal;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

fn seed() -> Dataset {
    json::read(SEED).expect("seed")
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("day")
}

fn org(data: &Dataset, name: &str) -> OrganisationId {
    data.organisation_named(name)
        .unwrap_or_else(|| panic!("{name}"))
        .id
}

#[test]
fn agreements_in_force_follow_signing_when_no_dates_are_recorded() {
    let data = seed();
    let titles = |day: NaiveDate| -> Vec<AgreementKind> {
        agreements::active_on(&data, day)
            .iter()
            .map(|a| a.kind)
            .collect()
    };
    assert_eq!(titles(day("2005-06-01")), []);
    assert_eq!(titles(day("2006-06-01")), [AgreementKind::Multilateral]);
    assert_eq!(
        titles(day("2007-06-01")),
        [
            AgreementKind::Mou,
            AgreementKind::Multilateral,
            AgreementKind::Bilateral
        ]
    );
}

#[test]
fn agreements_expiring_within_a_window() {
    let mut data = seed();
    data.agreements[0].effective = Period::between(
        "2007-12".parse().expect("d"),
        "2009-06-30".parse().expect("d"),
    );
    let expiring = |from: &str, days| agreements::expiring_within(&data, day(from), days).len();
    assert_eq!(expiring("2009-06-01", 30), 1);
    assert_eq!(expiring("2009-05-01", 30), 0, "ends after the window");
    assert_eq!(expiring("2009-07-01", 30), 0, "already ended");
}

#[test]
fn agreements_by_kind_and_party() {
    let data = seed();
    let maple_leaf = org(&data, "Maple Leaf Foods");
    assert_eq!(
        agreements::by_kind_and_party(&data, Some(AgreementKind::Trilateral), None).len(),
        2
    );
    assert_eq!(
        agreements::by_kind_and_party(&data, None, Some(maple_leaf)).len(),
        3
    );
    assert_eq!(
        agreements::by_kind_and_party(&data, Some(AgreementKind::Bilateral), Some(maple_leaf))
            .len(),
        1
    );
}

#[test]
fn group_members_chairs_timeline_and_co_chairs() {
    let data = seed();
    let gmg = data.group_named("GMG").expect("GMG");
    assert_eq!(groups::members_on(gmg, day("2004-01-01")).len(), 6);
    assert_eq!(groups::members_on(gmg, day("2011-01-01")).len(), 16);
    let chair = |d: &str| {
        groups::chairs_on(gmg, day(d))
            .iter()
            .map(|c| c.organisation)
            .collect::<Vec<_>>()
    };
    assert_eq!(chair("2007-03-15"), [org(&data, "IOM")]);
    assert_eq!(chair("2014-06-30"), [org(&data, "ILO")]);
    assert!(chair("2010-06-01").is_empty());
    let timeline = groups::timeline(gmg);
    assert_eq!(timeline.len(), 16);
    assert_eq!(
        timeline[0].period.start,
        Some("2003-04".parse().expect("date"))
    );
    assert_eq!(groups::chaired_by(&data, org(&data, "IOM")).len(), 4);
    assert_eq!(groups::chaired_by(&data, org(&data, "UNDP")).len(), 1);
    assert_eq!(groups::chaired_by(&data, org(&data, "UN Women")).len(), 1);
}

#[test]
fn outcomes_keep_qualifiers_and_include_child_projects() {
    let data = seed();
    let somalia = data.project_named("Emergency health, psychosocial support and protection for drought-affected IDPs in Somalia").expect("project");
    let results = outcomes::project_outcomes(&data, somalia.id).expect("sums fit");
    let find = |title: &str| {
        results
            .iter()
            .find(|o| o.title.starts_with(title))
            .unwrap_or_else(|| panic!("{title}"))
    };
    let displaced = find("Displaced people reached");
    assert_eq!(
        (displaced.actual, displaced.qualifier),
        (Some(Decimal::new(600_000, 0)), Qualifier::MoreThan)
    );
    let lanterns = find("Solar lanterns distributed");
    assert_eq!(
        (lanterns.actual, lanterns.qualifier),
        (Some(Decimal::new(1400, 0)), Qualifier::MoreThan),
        "from the child project"
    );
    let all = outcomes::outcomes(&data).expect("sums fit");
    let stations = all
        .iter()
        .find(|o| o.title.starts_with("OKKO petrol stations"))
        .expect("stations");
    assert_eq!(
        (stations.target, stations.actual, stations.achievement),
        (Some(Decimal::new(12, 0)), None, None)
    );
}

#[test]
fn aggregation_rules_do_not_double_count() {
    let project = ProjectId::new();
    let obs = |value: i64, start: &str, end: &str| Observation {
        period: Period::between(start.parse().expect("d"), end.parse().expect("d")),
        ..Observation::exact(Decimal::new(value, 0))
    };
    let mut data = Dataset::new();
    let mut p = Project::new("Lanterns");
    p.id = project;
    data.projects.push(p);
    let mut summed = Indicator::new(
        project,
        "Lanterns distributed",
        "lanterns",
        Measure::Count,
        Aggregation::Sum,
    );
    summed.actuals = vec![obs(400, "2012", "2012"), obs(1000, "2013", "2013")];
    summed.targets = vec![obs(2000, "2012", "2013")];
    let mut latest = Indicator::new(
        project,
        "People reached",
        "people",
        Measure::Count,
        Aggregation::Latest,
    );
    latest.actuals = vec![obs(500_000, "2012", "2012"), obs(600_000, "2013", "2013")];
    data.indicators = vec![summed, latest];
    let results = outcomes::project_outcomes(&data, project).expect("sums fit");
    assert_eq!(results[0].actual, Some(Decimal::new(1400, 0)));
    assert_eq!(
        results[0].achievement,
        Some(Decimal::new(7000, 4)),
        "1400 of 2000"
    );
    assert_eq!(
        results[1].actual,
        Some(Decimal::new(600_000, 0)),
        "the latest reading, not a sum of cumulative counts"
    );
}

#[test]
fn a_partners_portfolio_at_a_date_and_over_time() {
    let data = seed();
    let chevron = org(&data, "Chevron Corporation");
    let all_time = portfolio::portfolio(&data, chevron, None);
    // The partner first, then the records its rows name (its gifts'
    // recipients), so that every row can be labelled.
    assert_eq!(all_time.organisations[0].id, chevron);
    let recipients: Vec<OrganisationId> =
        all_time.contributions.iter().map(|c| c.recipient).collect();
    assert!(
        recipients
            .iter()
            .all(|r| all_time.organisations.iter().any(|o| o.id == *r))
    );
    assert_eq!(all_time.contributions.len(), 2);
    let in_2006 = portfolio::portfolio(&data, chevron, Some(day("2006-01-01")));
    assert_eq!(
        in_2006.contributions.len(),
        1,
        "the 2008 gift had not been made"
    );
    let iom = org(&data, "IOM");
    let iom_portfolio = portfolio::portfolio(&data, iom, None);
    assert_eq!(
        iom_portfolio.groups.len(),
        5,
        "the GMG and the four subgroups IOM co-chairs"
    );
    assert!(iom_portfolio.agreements.len() >= 4);
}

#[test]
fn the_partner_network_counts_shared_records() {
    use partnercrm::query::network;
    let data = seed();
    let edges = network::edges(&data);
    let between = |a: &str, b: &str| {
        let (a, b) = (org(&data, a), org(&data, b));
        edges
            .iter()
            .find(|e| (e.source == a && e.target == b) || (e.source == b && e.target == a))
            .cloned()
    };
    let maple = between("Maple Leaf Foods", "IOM").expect("linked");
    assert_eq!(
        maple.agreements, 3,
        "one bilateral and two trilateral agreements"
    );
    let chevron = between("Chevron Corporation", "IOM").expect("linked");
    assert_eq!(chevron.contributions, 1);
    assert!(edges.iter().all(|e| e.source < e.target), "each pair once");
    let graphml = network::graphml(&data);
    assert!(graphml.starts_with("<?xml") && graphml.contains("edgedefault=\"undirected\""));
    assert_eq!(graphml.matches("<node ").count(), data.organisations.len());
    assert_eq!(graphml.matches("<edge ").count(), edges.len());
    assert!(
        graphml.contains("Saatchi &amp; Saatchi"),
        "names are escaped"
    );
}

#[test]
fn the_maple_leaf_role_held_under_two_names_is_a_candidate_duplicate() {
    use partnercrm::query::duplicates;
    let data = seed();
    let found = duplicates::candidates(&data, 0.5);
    let susans = found
        .iter()
        .find(|c| [c.a_name.as_str(), c.b_name.as_str()].contains(&"Susan Boeve"))
        .expect("the two Susans are paired");
    assert!([susans.a_name.as_str(), susans.b_name.as_str()].contains(&"Susan Yaeger-Szoke"));
    assert!(susans.score >= 0.8, "{}", susans.score);
    assert!(
        susans
            .reasons
            .iter()
            .any(|r| r == "same title at the same organisation")
    );
    assert!(
        !found.iter().any(|c| c.kind == RecordKind::Organisation
            && c.a_name.starts_with("IOM")
            && c.b_name.starts_with("IOM")),
        "offices of one organisation are not duplicates of each other: {found:?}"
    );
}

#[test]
fn organisation_duplicates_by_alias_acronym_and_identifier() {
    use partnercrm::query::duplicates;
    let mut data = seed();
    let mut twin = Organisation::new("Weltbank", OrganisationKind::Igo);
    twin.country = Some("US".parse().expect("country"));
    let mut iom_again = Organisation::new(
        "Internationale Organisation für Migration",
        OrganisationKind::Igo,
    );
    iom_again.identifiers.push(Identifier::iati("XM-DAC-47066"));
    data.organisations.extend([twin, iom_again]);
    let found = duplicates::candidates(&data, 0.5);
    let reasons_for = |name: &str| {
        found
            .iter()
            .find(|c| c.b_name == name || c.a_name == name)
            .map(|c| c.reasons.clone())
    };
    assert_eq!(
        reasons_for("Weltbank"),
        Some(vec!["same name or alias".to_owned()])
    );
    assert!(
        reasons_for("Internationale Organisation für Migration")
            .is_some_and(|r| r.contains(&"same identifier".to_owned()))
    );
}

mod report_options {
    use super::*;
    use partnercrm::query::rates::RateTable;
    use partnercrm::query::report::{PartnershipReport, ReportOptions};

    #[test]
    fn default_options_build_the_whole_report() {
        let data = seed();
        let report =
            PartnershipReport::build_with(&data, &ReportOptions::default()).expect("builds");
        assert_eq!(report, PartnershipReport::build(&data).expect("builds"));
        assert_eq!(report.agreements.len(), data.agreements.len());
    }

    #[test]
    fn a_partner_narrows_the_report_to_its_portfolio() {
        let data = seed();
        let chevron = org(&data, "Chevron");
        let options = ReportOptions {
            partner: Some(chevron),
            ..ReportOptions::default()
        };
        let report = PartnershipReport::build_with(&data, &options).expect("builds");
        let donors: Vec<&str> = report
            .contributions
            .iter()
            .map(|d| d.donor.as_str())
            .collect();
        assert_eq!(donors.len(), 1, "{donors:?}");
        assert_eq!(report.contributions[0].count, 2);
        assert!(report.agreements.is_empty());
        let partners: Vec<&String> = report
            .partners_by_kind
            .iter()
            .flat_map(|(_, n)| n)
            .collect();
        assert!(
            partners.iter().any(|n| n.contains("Chevron")),
            "{partners:?}"
        );
        assert!(partners.len() < data.organisations.len());
        assert!(
            report
                .to_string()
                .lines()
                .next()
                .is_some_and(|l| l.contains(": Chevron"))
        );
    }

    #[test]
    fn a_day_leaves_out_what_came_later_or_cannot_be_placed() {
        let data = seed();
        let on = day("2006-12-31");
        let options = ReportOptions {
            on: Some(on),
            ..ReportOptions::default()
        };
        let report = PartnershipReport::build_with(&data, &options).expect("builds");
        assert!(!report.agreements.is_empty());
        assert!(
            report
                .agreements
                .iter()
                .all(|a| a.signed.is_some_and(|d| d.earliest() <= on))
        );
        assert!(report.agreements.len() < data.agreements.len());
        let counted: usize = report.contributions.iter().map(|d| d.count).sum();
        let dated_by_then = data
            .contributions
            .iter()
            .filter(|c| c.effective_date().is_some_and(|d| d.earliest() <= on))
            .count();
        assert_eq!(counted, dated_by_then);
        assert!(report.to_string().contains("as on 2006-12-31"));
    }

    #[test]
    fn rates_convert_every_amount_or_refuse() {
        let data = seed();
        let rates = RateTable::from_csv(
            "test",
            Currency::from_code("EUR").expect("EUR"),
            "currency,date,rate\nUSD,2000,0.5\n",
        )
        .expect("rates");
        let options = ReportOptions {
            rates: Some(&rates),
            on: Some(day("2009-01-01")),
            ..ReportOptions::default()
        };
        let report = PartnershipReport::build_with(&data, &options).expect("builds");
        let chevron = report
            .contributions
            .iter()
            .find(|d| d.donor.contains("Chevron"))
            .expect("Chevron gave");
        assert_eq!(
            chevron
                .totals
                .iter()
                .map(|(c, a)| (c.code(), *a))
                .collect::<Vec<_>>(),
            [("EUR", Decimal::new(625_000, 0))]
        );
        assert!(report.to_string().contains("in EUR (rate table \"test\""));
        // Without a day, an undated gift is in the report, and no rate can be chosen for it.
        let options = ReportOptions {
            rates: Some(&rates),
            ..ReportOptions::default()
        };
        let error = PartnershipReport::build_with(&data, &options).expect_err("undated gift");
        assert!(error.to_string().contains("has no date"), "{error}");
    }
}

#[test]
fn every_outcome_says_whose_indicators_it_combines() {
    use partnercrm::query::outcomes::{Source, outcomes};
    let data = partnercrm::io::json::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/data/iom_partnerships.json"
    ))
    .expect("seed");
    let all = outcomes(&data).expect("outcomes");
    let own: usize = all
        .iter()
        .filter(|o| o.source == Source::Own)
        .map(|o| o.indicators)
        .sum();
    assert_eq!((all.len(), own), (15, data.indicators.len()));
    assert_eq!(
        all.iter().filter(|o| o.source == Source::Children).count(),
        1
    );
}
