//! Every validation rule: a small valid data set, then one mutation per rule
//! that breaks it, checking the code, the path and the severity.

use partnercrm::model::*;
use partnercrm::validate::{Code, Severity};
use rust_decimal::Decimal;

fn date(text: &str) -> PartialDate {
    text.parse().expect("valid date")
}

fn usd(amount: &str) -> Money {
    Money::parse(amount, "USD").expect("valid money")
}

/// Indexes into `base()`'s organisations.
const IOM: usize = 0;
const OFFICE: usize = 1;
const CHEVRON: usize = 2;
const UNDP: usize = 3;
const GOV: usize = 4;

/// A small data set that breaks no rule.
fn base() -> Dataset {
    let mut iom = Organisation::new(
        "International Organization for Migration",
        OrganisationKind::UnAgency,
    );
    iom.acronym = Some("IOM".into());
    iom.identifiers.push(Identifier::iati("XM-DAC-47066"));
    let mut office = Organisation::new("IOM Colombia", OrganisationKind::CountryOffice);
    office.parent = Some(iom.id);
    office.country = Some("CO".parse().expect("country"));
    let chevron = Organisation::new("Chevron", OrganisationKind::PrivateCompany);
    let undp = Organisation::new(
        "United Nations Development Programme",
        OrganisationKind::UnAgency,
    );
    let government = Organisation::new("Government of Honduras", OrganisationKind::Government);
    let ids: Vec<OrganisationId> = [&iom, &office, &chevron, &undp, &government]
        .iter()
        .map(|o| o.id)
        .collect();

    let mut project = Project::new("Community Revitalization Program");
    project.period = Period::between(date("2004"), date("2005"));
    project.partners.push(ProjectPartner {
        organisation: ids[CHEVRON],
        role: ProjectRole::Funding,
        period: Period::OPEN,
    });

    let mut agreement = Agreement::new("Labour migration", AgreementKind::Trilateral)
        .with_party(ids[IOM], &[PartyRole::Signatory, PartyRole::Implementer])
        .with_party(ids[CHEVRON], &[PartyRole::Signatory])
        .with_party(ids[GOV], &[PartyRole::GovernmentCounterpart]);
    agreement.signed = Some(date("2007-05"));
    agreement.effective = Period::between(date("2007-05"), date("2009"));
    agreement.projects.push(project.id);

    let mut gift = Contribution::new(ContributionKind::Cash, ids[CHEVRON], ids[OFFICE]);
    gift.value = ContributionValue::actual(usd("850000"));
    gift.period = Period::between(date("2004"), date("2005"));
    gift.project = Some(project.id);

    let mut pledge = Contribution::new(ContributionKind::Pledge, ids[CHEVRON], ids[IOM]);
    pledge.value = ContributionValue::actual(usd("1000"));
    pledge.date = Some(date("2008-01-15"));
    pledge.payments = vec![
        Payment {
            date: date("2008-02"),
            amount: usd("600"),
        },
        Payment {
            date: date("2008-03"),
            amount: usd("400"),
        },
    ];

    let mut indicator = Indicator::new(
        project.id,
        "People reached",
        "people",
        Measure::Count,
        Aggregation::Sum,
    );
    indicator.actuals = vec![
        Observation {
            period: Period::between(date("2004"), date("2004")),
            ..Observation::exact(Decimal::new(100, 0))
        },
        Observation {
            period: Period::between(date("2005"), date("2005")),
            ..Observation::exact(Decimal::new(50, 0))
        },
    ];

    let mut group = Group::new(GroupKind::InterAgencyGroup, "Geneva Migration Group");
    group.names[0].period = Period::between(date("2003-04"), date("2006"));
    group.names.push(GroupName {
        name: "Global Migration Group".into(),
        acronym: Some("GMG".into()),
        aliases: vec!["Globale Migrationsgruppe".into()],
        period: Period::from(date("2006")),
    });
    group.memberships = vec![
        Membership {
            organisation: ids[IOM],
            period: Period::from(date("2003-04")),
        },
        Membership {
            organisation: ids[UNDP],
            period: Period::from(date("2006")),
        },
    ];
    group.chairs = vec![
        ChairTerm {
            organisation: ids[IOM],
            role: ChairRole::Chair,
            period: Period::between(date("2007-01"), date("2007-06")),
        },
        ChairTerm {
            organisation: ids[UNDP],
            role: ChairRole::Chair,
            period: Period::between(date("2007-07"), date("2007-12")),
        },
    ];
    let mut working_group = Group::new(GroupKind::WorkingGroup, "Data and research");
    working_group.parent = Some(group.id);
    working_group.chairs = vec![
        ChairTerm {
            organisation: ids[IOM],
            role: ChairRole::CoChair,
            period: Period::from(date("2008")),
        },
        ChairTerm {
            organisation: ids[UNDP],
            role: ChairRole::CoChair,
            period: Period::from(date("2008")),
        },
    ];

    let mut person = Person::new("Jim Blackwell");
    person.affiliations.push(Affiliation {
        organisation: ids[CHEVRON],
        title: Some("President".into()),
        period: Period::OPEN,
    });
    let mut quote = Note::new(
        NoteKind::Quote,
        "Diese direkte Hilfe soll dazu beitragen ...",
    );
    quote.links.people.push(person.id);

    Dataset {
        organisations: vec![iom, office, chevron, undp, government],
        people: vec![person],
        agreements: vec![agreement],
        contributions: vec![gift, pledge],
        projects: vec![project],
        indicators: vec![indicator],
        groups: vec![group, working_group],
        notes: vec![quote],
        ..Dataset::default()
    }
}

/// Asserts that `data` has exactly one problem, with this code, path and severity.
#[track_caller]
fn assert_only(data: &Dataset, code: Code, path: &str, severity: Severity) {
    let report = data.validate();
    let found: Vec<(Code, String, Severity)> = report
        .problems()
        .iter()
        .map(|p| (p.code, p.path.to_string(), p.severity))
        .collect();
    assert_eq!(found, vec![(code, path.to_owned(), severity)], "{report}");
}

#[track_caller]
fn assert_error(data: &Dataset, code: Code, path: &str) {
    assert_only(data, code, path, Severity::Error);
}

#[test]
fn the_base_data_set_is_clean() {
    let report = base().validate();
    assert!(report.is_empty(), "{report}");
}

#[test]
fn reports_every_problem_at_once() {
    let mut data = base();
    data.organisations[CHEVRON].name = " ".into();
    data.agreements[0].kind = AgreementKind::Bilateral;
    data.contributions[0].value = ContributionValue::actual(usd("0"));
    let codes: Vec<Code> = data.validate().problems().iter().map(|p| p.code).collect();
    assert_eq!(
        codes,
        vec![Code::EmptyText, Code::PartyCount, Code::MoneyNotPositive]
    );
}

// --- ids and references

#[test]
fn duplicate_ids() {
    let mut data = base();
    let copy = data.people[0].clone();
    data.people.push(copy);
    assert_error(&data, Code::DuplicateId, "people[1].id");
}

#[test]
fn dangling_references_anywhere() {
    let mut data = base();
    data.contributions[0].donor = OrganisationId::new();
    assert_error(&data, Code::DanglingReference, "contributions[0].donor");

    let mut data = base();
    data.agreements[0].projects.push(ProjectId::new());
    assert_error(&data, Code::DanglingReference, "agreements[0].projects[1]");

    let mut data = base();
    data.notes[0].links.groups.push(GroupId::new());
    assert_error(&data, Code::DanglingReference, "notes[0].links.groups[0]");

    let mut data = base();
    data.indicators[0].project = ProjectId::new();
    assert_error(&data, Code::DanglingReference, "indicators[0].project");
}

// --- organisations

#[test]
fn empty_names() {
    let mut data = base();
    data.organisations[UNDP].name = String::new();
    assert_error(&data, Code::EmptyText, "organisations[3].name");
}

#[test]
fn parent_cycles() {
    let mut data = base();
    data.organisations[IOM].parent = Some(data.organisations[OFFICE].id);
    let report = data.validate();
    let found: Vec<(Code, String)> = report
        .errors()
        .map(|p| (p.code, p.path.to_string()))
        .collect();
    assert_eq!(
        found,
        [
            (
                Code::OrganisationParentCycle,
                "organisations[0].parent".to_owned()
            ),
            (
                Code::OrganisationParentCycle,
                "organisations[1].parent".to_owned()
            )
        ]
    );
}

#[test]
fn country_offices_need_parent_and_country() {
    let mut data = base();
    data.organisations[OFFICE].parent = None;
    assert_error(&data, Code::OfficeWithoutParent, "organisations[1].parent");
    let mut data = base();
    data.organisations[OFFICE].country = None;
    assert_error(
        &data,
        Code::OfficeWithoutCountry,
        "organisations[1].country",
    );
}

#[test]
fn iati_org_ids_need_a_known_registration_agency() {
    let mut data = base();
    data.organisations[UNDP]
        .identifiers
        .push(Identifier::iati("XX-NOPE-41114"));
    assert_error(
        &data,
        Code::InvalidIdentifier,
        "organisations[3].identifiers[0].value",
    );
    // Other schemes are the caller's business.
    let mut data = base();
    data.organisations[UNDP].identifiers.push(Identifier {
        scheme: IdentifierScheme::Other("internal".into()),
        value: "X1".into(),
    });
    assert!(data.validate().is_empty());
}

#[test]
fn withdrawn_registration_agencies_are_flagged() {
    let mut data = base();
    // org-id.guide withdrew SE-BLV; identifiers under it still parse but deserve a look.
    data.organisations[UNDP]
        .identifiers
        .push(Identifier::iati("SE-BLV-5560000000"));
    assert_only(
        &data,
        Code::WithdrawnRegistrationAgency,
        "organisations[3].identifiers[0].value",
        Severity::Warning,
    );
}

#[test]
fn identifiers_belong_to_one_organisation() {
    let mut data = base();
    data.organisations[UNDP]
        .identifiers
        .push(Identifier::iati("XM-DAC-47066"));
    assert_error(
        &data,
        Code::SharedIdentifier,
        "organisations[3].identifiers[0].value",
    );
}

#[test]
fn names_shared_between_organisations_are_ambiguous() {
    let mut data = base();
    data.organisations[UNDP].aliases.push("iom".into());
    assert_only(
        &data,
        Code::SharedName,
        "organisations[3]",
        Severity::Warning,
    );
}

#[test]
fn an_organisation_is_not_its_own_constituent() {
    let mut data = base();
    let id = data.organisations[UNDP].id;
    data.organisations[UNDP].constituents.push(id);
    assert_error(
        &data,
        Code::SelfConstituent,
        "organisations[3].constituents[0]",
    );
}

// --- agreements

#[test]
fn party_counts_by_kind() {
    let mut data = base();
    data.agreements[0].kind = AgreementKind::Bilateral;
    assert_error(&data, Code::PartyCount, "agreements[0].parties");

    let mut data = base();
    data.agreements[0].kind = AgreementKind::Multilateral;
    assert_error(&data, Code::PartyCount, "agreements[0].parties");

    let mut data = base();
    data.agreements[0].parties.pop();
    assert_error(&data, Code::PartyCount, "agreements[0].parties");
}

#[test]
fn the_same_party_twice_does_not_count_twice() {
    let mut data = base();
    let iom = data.organisations[IOM].id;
    data.agreements[0].parties[2] = Party {
        organisation: iom,
        roles: vec![PartyRole::Donor],
    };
    let codes: Vec<(Code, String)> = data
        .validate()
        .errors()
        .map(|p| (p.code, p.path.to_string()))
        .collect();
    assert_eq!(
        codes,
        [
            (
                Code::DuplicateParty,
                "agreements[0].parties[2].organisation".to_owned()
            ),
            (Code::PartyCount, "agreements[0].parties".to_owned())
        ]
    );
}

#[test]
fn parties_need_a_role() {
    let mut data = base();
    data.agreements[0].parties[1].roles.clear();
    assert_error(
        &data,
        Code::PartyWithoutRole,
        "agreements[0].parties[1].roles",
    );
}

#[test]
fn agreement_dates_are_ordered() {
    let mut data = base();
    data.agreements[0].effective = Period::between(date("2009"), date("2007-05"));
    assert_error(&data, Code::EndBeforeStart, "agreements[0].effective");

    let mut data = base();
    data.agreements[0].signed = Some(date("2010"));
    assert_error(&data, Code::SignedAfterEnd, "agreements[0].signed");

    let mut data = base();
    data.agreements[0].amendments.push(Amendment {
        date: date("2006"),
        summary: "extended".into(),
    });
    assert_error(
        &data,
        Code::AmendmentBeforeSigning,
        "agreements[0].amendments[0].date",
    );
}

#[test]
fn ended_agreements_should_say_when() {
    let mut data = base();
    data.agreements[0].effective.end = None;
    data.agreements[0].status = Some(AgreementStatus::Terminated);
    assert_only(
        &data,
        Code::EndedWithoutEndDate,
        "agreements[0].effective.end",
        Severity::Warning,
    );
}

// --- contributions and money

#[test]
fn money_is_not_zero_and_keeps_every_decimal() {
    let mut data = base();
    data.contributions[0].value =
        ContributionValue::actual(Money::parse("0", "EUR").expect("money"));
    assert_error(&data, Code::MoneyNotPositive, "contributions[0].value");

    // More decimals than the currency's minor unit are the source's precision.
    for (amount, currency) in [
        ("1000.5", "JPY"),
        ("10.125", "KWD"),
        ("44414.824494500004", "GBP"),
    ] {
        let mut data = base();
        data.contributions[0].value =
            ContributionValue::actual(Money::parse(amount, currency).expect("money"));
        assert!(data.validate().is_empty(), "{amount} {currency}");
    }
}

#[test]
fn nobody_donates_to_themselves() {
    let mut data = base();
    data.contributions[0].recipient = data.contributions[0].donor;
    assert_error(&data, Code::SelfDonation, "contributions[0].recipient");
}

#[test]
fn unknown_amounts_and_dates_are_gaps_not_errors() {
    let mut data = base();
    data.contributions[0].value = ContributionValue::Unknown;
    assert_only(
        &data,
        Code::AmountUnknown,
        "contributions[0].value",
        Severity::Warning,
    );

    let mut data = base();
    data.contributions[0].period = Period::OPEN;
    assert_only(
        &data,
        Code::DateMissing,
        "contributions[0].date",
        Severity::Warning,
    );
}

#[test]
fn a_date_falls_within_its_own_period() {
    let mut data = base();
    data.contributions[0].date = Some(date("2006-01"));
    assert_error(&data, Code::DateOutsidePeriod, "contributions[0].date");
    data.contributions[0].date = Some(date("2005-06"));
    assert!(data.validate().is_empty());
}

#[test]
fn pledge_payments_do_not_exceed_the_pledge() {
    let mut data = base();
    data.contributions[1].payments[1].amount = usd("400.01");
    assert_error(&data, Code::PledgeOverpaid, "contributions[1].payments");
}

#[test]
fn only_actual_cash_and_pledges_may_be_negative_as_reversals() {
    // Cash returned, a commitment cut: held, to net against their kind.
    let mut data = base();
    data.contributions[0].value = ContributionValue::actual(usd("-5.125"));
    data.contributions[1].value = ContributionValue::actual(usd("-1000"));
    data.contributions[1].payments.clear();
    assert!(data.validate().is_empty(), "{}", data.validate());
    assert!(data.contributions[0].is_reversal());

    // Goods, services and estimates are given, never taken back.
    for kind in [ContributionKind::InKind, ContributionKind::Services] {
        let mut data = base();
        data.contributions[0].kind = kind;
        data.contributions[0].value = ContributionValue::actual(usd("-5"));
        assert_error(&data, Code::MoneyNotPositive, "contributions[0].value");
    }
    let mut data = base();
    data.contributions[0].value = ContributionValue::Estimated { money: usd("-5") };
    assert_error(&data, Code::MoneyNotPositive, "contributions[0].value");

    // Nothing is paid against a pledge that was cut.
    let mut data = base();
    data.contributions[1].value = ContributionValue::actual(usd("-1000"));
    assert_error(&data, Code::PledgeOverpaid, "contributions[1].payments");

    // A reversal's allocations take back shares of what was given: negative,
    // and no more than the whole.
    let mut data = base();
    let project = data.projects[0].id;
    data.contributions[0].value = ContributionValue::actual(usd("-100"));
    data.contributions[0].allocations = vec![Allocation {
        project,
        amount: Some(Decimal::from(-40)),
        percent: None,
    }];
    assert!(data.validate().is_empty(), "{}", data.validate());
    data.contributions[0].allocations[0].amount = Some(Decimal::from(40));
    assert_error(
        &data,
        Code::AllocationShare,
        "contributions[0].allocations[0].amount",
    );
    data.contributions[0].allocations[0].amount = Some(Decimal::from(-140));
    assert_error(
        &data,
        Code::AllocationOverTotal,
        "contributions[0].allocations",
    );
}

#[test]
fn payments_too_large_to_total_are_an_error_on_the_pledge() {
    let mut data = base();
    let huge = usd("50000000000000000000000000000");
    data.contributions[1].value = ContributionValue::actual(huge);
    data.contributions[1].payments[0].amount = huge;
    data.contributions[1].payments[1].amount = huge;
    assert_error(&data, Code::MoneyOverflow, "contributions[1].payments");
}

#[test]
fn pledge_payments_share_its_currency_and_follow_it() {
    let mut data = base();
    data.contributions[1].payments[0].amount = Money::parse("600", "EUR").expect("money");
    assert_error(
        &data,
        Code::PaymentCurrency,
        "contributions[1].payments[0].amount",
    );

    let mut data = base();
    data.contributions[1].payments[0].date = date("2007");
    assert_error(
        &data,
        Code::PaymentBeforePledge,
        "contributions[1].payments[0].date",
    );

    let mut data = base();
    data.contributions[1].payments[0].amount = usd("-1");
    assert_error(
        &data,
        Code::MoneyNotPositive,
        "contributions[1].payments[0].amount",
    );
}

#[test]
fn only_pledges_have_payments() {
    let mut data = base();
    data.contributions[1].kind = ContributionKind::Cash;
    assert_error(
        &data,
        Code::PaymentsWithoutPledge,
        "contributions[1].payments",
    );
}

#[test]
fn allocations_name_a_share_and_stay_within_the_whole() {
    let project = |data: &Dataset| data.projects[0].id;
    let share = |data: &Dataset, amount: Option<&str>, percent: Option<&str>| Allocation {
        project: project(data),
        amount: amount.map(|a| Decimal::from_str_exact(a).expect("decimal")),
        percent: percent.map(|p| Decimal::from_str_exact(p).expect("decimal")),
    };
    let mut data = base();
    data.contributions[0].allocations = vec![share(&data, Some("850000"), None)];
    assert!(data.validate().is_empty(), "{}", data.validate());

    data.contributions[0].allocations = vec![share(&data, None, None)];
    assert_error(
        &data,
        Code::AllocationShare,
        "contributions[0].allocations[0]",
    );
    data.contributions[0].allocations = vec![share(&data, None, Some("120"))];
    assert_only(
        &data,
        Code::AllocationShare,
        "contributions[0].allocations[0].percent",
        Severity::Error,
    );

    let mut data = base();
    let second = Project::new("Second");
    let mut other = share(&data, None, Some("10"));
    other.project = second.id;
    data.projects.push(second);
    data.contributions[0].allocations = vec![share(&data, Some("10"), None), other.clone()];
    assert_error(&data, Code::AllocationMixed, "contributions[0].allocations");

    data.contributions[0].allocations = vec![share(&data, Some("850001"), None)];
    assert_error(
        &data,
        Code::AllocationOverTotal,
        "contributions[0].allocations",
    );
    other.percent = Some(Decimal::new(60, 0));
    data.contributions[0].allocations = vec![share(&data, None, Some("50")), other];
    assert_error(
        &data,
        Code::AllocationOverTotal,
        "contributions[0].allocations",
    );

    data.contributions[0].allocations = vec![
        share(&data, None, Some("50")),
        share(&data, None, Some("10")),
    ];
    assert_error(
        &data,
        Code::AllocationDuplicate,
        "contributions[0].allocations[1].project",
    );
}

// --- projects

#[test]
fn project_parent_cycles() {
    let mut data = base();
    let id = data.projects[0].id;
    data.projects[0].parent = Some(id);
    assert_error(&data, Code::ProjectParentCycle, "projects[0].parent");
}

#[test]
fn a_partner_appears_once_per_role() {
    let mut data = base();
    let again = data.projects[0].partners[0].clone();
    data.projects[0].partners.push(again);
    assert_error(&data, Code::DuplicatePartner, "projects[0].partners[1]");
}

#[test]
fn children_run_within_their_programme() {
    let mut data = base();
    let mut child = Project::new("Microfinance");
    child.parent = Some(data.projects[0].id);
    child.period = Period::between(date("2005"), date("2007"));
    data.projects.push(child);
    assert_only(
        &data,
        Code::OutsideParentPeriod,
        "projects[1].period",
        Severity::Warning,
    );
}

#[test]
fn project_periods_are_ordered() {
    let mut data = base();
    data.projects[0].period = Period::between(date("2005-02"), date("2005-01"));
    assert_error(&data, Code::EndBeforeStart, "projects[0].period");
}

// --- budgets

fn budget(start: &str, end: &str, amount: &str, currency: &str) -> Budget {
    Budget::new(
        Period::between(date(start), date(end)),
        Money::parse(amount, currency).expect("valid money"),
    )
}

fn with_budgets(budgets: Vec<Budget>) -> Dataset {
    let mut data = base();
    data.projects[0].budgets = budgets;
    data
}

#[test]
fn budgets_hold_any_amount_the_publisher_wrote() {
    // Zero (a revision cutting a year to nothing), more decimals than the
    // currency has, a value date outside the period, an original and its
    // revision for one year: a plan as published, with no problem.
    let mut revised = budget("2004", "2004", "0", "USD");
    revised.kind = BudgetKind::Revised;
    let mut precise = budget("2005-01-01", "2005-12-31", "773095490.018433700040", "GBP");
    precise.value_date = Some(date("2003-11-30"));
    precise.status = BudgetStatus::Committed;
    let data = with_budgets(vec![
        budget("2004", "2004", "850000", "USD"),
        revised,
        precise,
        budget("2006-04", "2006-06", "100.5", "JPY"),
    ]);
    let report = data.validate();
    assert!(report.is_empty(), "{report}");
}

#[test]
fn a_budget_needs_both_ends_of_its_period() {
    let mut data = with_budgets(vec![budget("2004", "2004", "1000", "USD")]);
    data.projects[0].budgets[0].period.end = None;
    assert_error(
        &data,
        Code::BudgetPeriodMissing,
        "projects[0].budgets[0].period",
    );
    data.projects[0].budgets[0].period = Period::OPEN;
    assert_error(
        &data,
        Code::BudgetPeriodMissing,
        "projects[0].budgets[0].period",
    );
}

#[test]
fn budget_periods_are_ordered() {
    let data = with_budgets(vec![budget("2005-03-31", "2005-01-01", "1000", "USD")]);
    assert_error(&data, Code::EndBeforeStart, "projects[0].budgets[0].period");
}

#[test]
fn a_budget_over_a_year_is_pointed_out() {
    let data = with_budgets(vec![budget("2004-01-01", "2005-01-01", "1000", "USD")]);
    assert_only(
        &data,
        Code::BudgetOverAYear,
        "projects[0].budgets[0].period",
        Severity::Warning,
    );
    // A financial year, April to March, is a year.
    assert!(
        with_budgets(vec![budget("2004-04-01", "2005-03-31", "1000", "USD")])
            .validate()
            .is_empty()
    );
}

#[test]
fn a_negative_budget_is_held_and_pointed_out() {
    // The FCDO lowers an earlier quarter's plan with a negative one.
    let data = with_budgets(vec![
        budget("2004-10-01", "2004-12-31", "3997283", "GBP"),
        budget("2005-01-01", "2005-03-31", "-681895", "GBP"),
    ]);
    assert_only(
        &data,
        Code::BudgetNegative,
        "projects[0].budgets[1].value",
        Severity::Warning,
    );
}

#[test]
fn budgets_of_one_kind_do_not_overlap() {
    let data = with_budgets(vec![
        budget("2004", "2004", "1000", "USD"),
        budget("2004-07", "2004-12", "500", "USD"),
    ]);
    assert_only(
        &data,
        Code::BudgetOverlap,
        "projects[0].budgets[1].period",
        Severity::Warning,
    );
    // A revision of the same year is no overlap, nor are consecutive quarters.
    let mut revised = budget("2004", "2004", "900", "USD");
    revised.kind = BudgetKind::Revised;
    let data = with_budgets(vec![
        budget("2004", "2004", "1000", "USD"),
        revised,
        budget("2005-01-01", "2005-03-31", "250", "USD"),
        budget("2005-04-01", "2005-06-30", "250", "USD"),
    ]);
    let report = data.validate();
    assert!(report.is_empty(), "{report}");
}

// --- indicators

#[test]
fn summed_values_cannot_overlap() {
    let mut data = base();
    data.indicators[0].actuals[1].period = Period::between(date("2004-06"), date("2005"));
    assert_error(
        &data,
        Code::OverlappingPeriods,
        "indicators[0].actuals[1].period",
    );
    // Under "latest" the same values are a series of readings, not parts of a sum.
    data.indicators[0].aggregation = Aggregation::Latest;
    assert!(data.validate().is_empty());
}

#[test]
fn values_fit_the_measure() {
    let mut data = base();
    data.indicators[0].actuals[0].value = Some(Decimal::new(-1, 0));
    assert_error(&data, Code::NegativeValue, "indicators[0].actuals[0].value");

    let mut data = base();
    data.indicators[0].measure = Measure::Percentage;
    data.indicators[0]
        .targets
        .push(Observation::exact(Decimal::new(1001, 1)));
    assert_error(
        &data,
        Code::PercentageOutOfRange,
        "indicators[0].targets[0].value",
    );

    let mut data = base();
    data.indicators[0].baseline = Some(Observation::exact(Decimal::new(15, 1)));
    assert_only(
        &data,
        Code::FractionalCount,
        "indicators[0].baseline.value",
        Severity::Warning,
    );
}

#[test]
fn values_keep_to_the_decimals_their_columns_hold() {
    let mut data = base();
    data.indicators[0].measure = Measure::Percentage;
    data.indicators[0]
        .targets
        .push(Observation::exact(Decimal::new(123_456_789, 7)));
    assert_error(
        &data,
        Code::IndicatorTooManyDecimals,
        "indicators[0].targets[0].value",
    );
    data.indicators[0].targets[0].value = Some(Decimal::new(12_345_678, 6));
    assert!(data.validate().is_empty());
}

// --- groups

#[test]
fn groups_need_a_name() {
    let mut data = base();
    data.groups[1].names.clear();
    assert_error(&data, Code::GroupWithoutName, "groups[1].names");
}

#[test]
fn names_do_not_overlap() {
    let mut data = base();
    data.groups[0].names[1].period = Period::from(date("2005"));
    assert_error(&data, Code::NamesOverlap, "groups[0].names[1].period");
}

#[test]
fn one_members_periods_do_not_overlap() {
    let mut data = base();
    let iom = data.organisations[IOM].id;
    data.groups[0].memberships.push(Membership {
        organisation: iom,
        period: Period::between(date("2010"), date("2012")),
    });
    assert_error(
        &data,
        Code::MembershipOverlap,
        "groups[0].memberships[2].period",
    );
    // Leaving and rejoining is fine.
    data.groups[0].memberships[0].period = Period::between(date("2003-04"), date("2009"));
    data.groups[1].chairs[0].period = Period::between(date("2008"), date("2009"));
    assert!(data.validate().is_empty(), "{}", data.validate());
}

#[test]
fn sole_chairs_do_not_overlap() {
    let mut data = base();
    data.groups[0].chairs[1].period = Period::between(date("2007-05"), date("2007-12"));
    assert_error(&data, Code::ChairOverlap, "groups[0].chairs[1].period");
}

#[test]
fn chairs_are_members_for_the_whole_term() {
    let mut data = base();
    data.groups[0].chairs[1].period = Period::between(date("2005-07"), date("2005-12"));
    assert_error(&data, Code::ChairNotMember, "groups[0].chairs[1]");
}

#[test]
fn working_group_co_chairs_are_members_of_the_parent_group() {
    let mut data = base();
    data.groups[1].chairs[1].period = Period::from(date("2005"));
    assert_error(&data, Code::ChairNotMember, "groups[1].chairs[1]");
    let mut data = base();
    data.groups[1].chairs[1].organisation = data.organisations[CHEVRON].id;
    assert_error(&data, Code::ChairNotMember, "groups[1].chairs[1]");
}

#[test]
fn group_parent_cycles() {
    let mut data = base();
    data.groups[0].parent = Some(data.groups[1].id);
    let found: Vec<(Code, String)> = data
        .validate()
        .errors()
        .map(|p| (p.code, p.path.to_string()))
        .collect();
    assert_eq!(
        found,
        [
            (Code::GroupParentCycle, "groups[0].parent".to_owned()),
            (Code::GroupParentCycle, "groups[1].parent".to_owned())
        ]
    );
}

// --- people and notes

#[test]
fn affiliations_are_dated_sensibly() {
    let mut data = base();
    data.people[0].affiliations[0].period = Period::between(date("2010"), date("2009"));
    assert_error(
        &data,
        Code::EndBeforeStart,
        "people[0].affiliations[0].period",
    );
}

#[test]
fn erased_people_keep_their_place_without_a_name() {
    let mut data = base();
    data.people[0].erase();
    assert!(data.validate().is_empty());
    assert!(data.people[0].name.is_empty());
    data.people[0].erased = false;
    assert_error(&data, Code::EmptyText, "people[0].name");
}

#[test]
fn quotes_need_a_speaker() {
    let mut data = base();
    data.notes[0].links.people.clear();
    assert_error(&data, Code::QuoteWithoutSpeaker, "notes[0].links.people");
}

#[test]
fn other_notes_should_be_linked() {
    let mut data = base();
    data.notes
        .push(Note::new(NoteKind::Event, "Something happened"));
    assert_only(
        &data,
        Code::UnlinkedNote,
        "notes[1].links",
        Severity::Warning,
    );
}

#[test]
fn every_code_is_exercised_by_a_test_here() {
    // Keeps this file honest: a new rule without a test fails the build.
    let source = concat!(
        include_str!("validate.rs"),
        include_str!("csv.rs"),
        include_str!("spreadsheets_measured.rs"),
        include_str!("spreadsheets.rs"),
        include_str!("iati.rs"),
        include_str!("iati_identity.rs"),
        include_str!("iati_accounting.rs")
    );
    for code in Code::ALL {
        let variant = format!("{code:?}");
        assert!(
            source.matches(&format!("Code::{variant}")).count() >= 1,
            "no test uses Code::{variant}"
        );
    }
}

#[test]
fn words_are_values_but_not_quantities() {
    let mut data = Dataset::new();
    let project = Project::new("Shelter");
    let mut views = Indicator::new(
        project.id,
        "Community views",
        "words",
        Measure::Qualitative,
        Aggregation::Sum,
    );
    views
        .actuals
        .push(Observation::words("Two thirds feel safe"));
    data.projects.push(project);
    data.indicators.push(views);
    assert_error(
        &data,
        Code::IndicatorSumOfNonQuantities,
        "indicators[0].aggregation",
    );
    data.indicators[0].aggregation = Aggregation::Latest;
    data.indicators[0].actuals.push(Observation {
        comment: None,
        ..Observation::words("")
    });
    assert_error(
        &data,
        Code::IndicatorNoValue,
        "indicators[0].actuals[1].value",
    );
    data.indicators[0].actuals.pop();
    // A score may be negative; a count may not.
    data.indicators[0].measure = Measure::Ordinal;
    data.indicators[0]
        .actuals
        .push(Observation::exact(Decimal::new(-2, 0)));
    assert!(data.validate().is_clean(), "{}", data.validate());
}
