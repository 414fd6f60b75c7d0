//! Property: any data set survives a trip through the JSON document unchanged.

use partnercrm::io::json;
use partnercrm::model::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

fn uuid() -> impl Strategy<Value = Uuid> {
    any::<u128>().prop_map(Uuid::from_u128)
}

fn text() -> impl Strategy<Value = String> {
    // Any printable text, quotes and backslashes included.
    "\\PC{0,12}"
}

fn date() -> impl Strategy<Value = PartialDate> {
    prop_oneof![
        (1800..2100i32).prop_map(PartialDate::Year),
        (1800..2100i32, 1..=12u32).prop_filter_map("month", |(y, m)| PartialDate::month(y, m)),
        (1800..2100i32, 1..=12u32, 1..=31u32)
            .prop_filter_map("day", |(y, m, d)| PartialDate::ymd(y, m, d)),
    ]
}

fn period() -> impl Strategy<Value = Period> {
    (option::of(date()), option::of(date())).prop_map(|(start, end)| Period { start, end })
}

fn decimal() -> impl Strategy<Value = Decimal> {
    (any::<i64>(), 0..8u32).prop_map(|(n, scale)| Decimal::new(n, scale))
}

fn currency() -> impl Strategy<Value = Currency> {
    let all: Vec<Currency> = codes::iati_currency_codes()
        .filter_map(|c| Currency::from_code(c).ok())
        .collect();
    proptest::sample::select(all)
}

fn country() -> impl Strategy<Value = CountryCode> {
    proptest::sample::select(CountryCode::all().collect::<Vec<_>>())
}

fn sector() -> impl Strategy<Value = SectorCode> {
    proptest::sample::select(SectorCode::all().collect::<Vec<_>>())
}

fn money() -> impl Strategy<Value = Money> {
    (decimal(), currency()).prop_map(|(amount, currency)| Money { amount, currency })
}

fn narratives() -> impl Strategy<Value = Vec<Narrative>> {
    vec(
        (option::of("[a-z]{2}"), text()).prop_map(|(lang, text)| Narrative { lang, text }),
        0..3,
    )
}

fn organisation() -> impl Strategy<Value = Organisation> {
    let kind = proptest::sample::select(OrganisationKind::ALL.to_vec());
    let scheme = prop_oneof![
        Just(IdentifierScheme::IatiOrgId),
        text().prop_map(IdentifierScheme::Other)
    ];
    (
        (
            uuid(),
            text(),
            option::of(text()),
            vec(text(), 0..3),
            kind,
            option::of(country()),
        ),
        (
            option::of(uuid()),
            vec(uuid(), 0..2),
            vec((scheme, text()), 0..2),
            option::of(text()),
            option::of(text()),
            narratives(),
        ),
    )
        .prop_map(
            |(
                (id, name, acronym, aliases, kind, country),
                (parent, constituents, ids, website, description, name_narratives),
            )| {
                Organisation {
                    id: id.into(),
                    name,
                    name_narratives,
                    acronym,
                    aliases,
                    kind,
                    country,
                    parent: parent.map(Into::into),
                    constituents: constituents.into_iter().map(Into::into).collect(),
                    identifiers: ids
                        .into_iter()
                        .map(|(scheme, value)| Identifier { scheme, value })
                        .collect(),
                    website,
                    description,
                }
            },
        )
}

fn person() -> impl Strategy<Value = Person> {
    let affiliation =
        (uuid(), option::of(text()), period()).prop_map(|(org, title, period)| Affiliation {
            organisation: org.into(),
            title,
            period,
        });
    (
        uuid(),
        text(),
        vec(affiliation, 0..3),
        option::of(text()),
        option::of(text()),
        option::of(text()),
        any::<bool>(),
    )
        .prop_map(
            |(id, name, affiliations, email, phone, description, erased)| Person {
                id: id.into(),
                name,
                affiliations,
                contact: Contact { email, phone },
                description,
                erased,
            },
        )
}

fn agreement() -> impl Strategy<Value = Agreement> {
    use AgreementKind::*;
    use PartyRole::*;
    let kind = proptest::sample::select(vec![
        Mou,
        Bilateral,
        Trilateral,
        Multilateral,
        Framework,
        Funding,
        Other,
    ]);
    let role = proptest::sample::select(vec![
        Signatory,
        Donor,
        Implementer,
        GovernmentCounterpart,
        Beneficiary,
    ]);
    let party = (uuid(), vec(role, 0..3)).prop_map(|(org, roles)| Party {
        organisation: org.into(),
        roles,
    });
    let status = option::of(proptest::sample::select(vec![
        AgreementStatus::Draft,
        AgreementStatus::Negotiating,
        AgreementStatus::Active,
        AgreementStatus::Expired,
        AgreementStatus::Terminated,
    ]));
    let amendment = (date(), text()).prop_map(|(date, summary)| Amendment { date, summary });
    (
        (
            uuid(),
            text(),
            kind,
            vec(party, 0..5),
            option::of(date()),
            period(),
        ),
        (
            status,
            option::of(text()),
            vec(amendment, 0..2),
            vec(uuid(), 0..2),
        ),
    )
        .prop_map(
            |(
                (id, title, kind, parties, signed, effective),
                (status, purpose, amendments, projects),
            )| Agreement {
                id: id.into(),
                title,
                kind,
                parties,
                signed,
                effective,
                status,
                purpose,
                amendments,
                projects: projects.into_iter().map(Into::into).collect(),
            },
        )
}

fn contribution() -> impl Strategy<Value = Contribution> {
    use ContributionKind::*;
    let kind = proptest::sample::select(vec![Cash, InKind, Pledge, Services]);
    let value = prop_oneof![
        Just(ContributionValue::Unknown),
        money().prop_map(|money| ContributionValue::Actual { money }),
        money().prop_map(|money| ContributionValue::Estimated { money }),
    ];
    let payment = (date(), money()).prop_map(|(date, amount)| Payment { date, amount });
    let allocation = (uuid(), option::of(decimal()), option::of(decimal())).prop_map(
        |(project, amount, percent)| Allocation {
            project: project.into(),
            amount,
            percent,
        },
    );
    (
        (uuid(), kind, uuid(), uuid(), value, option::of(date())),
        (
            period(),
            option::of(uuid()),
            option::of(uuid()),
            option::of(text()),
            vec(payment, 0..3),
            vec(allocation, 0..3),
        ),
    )
        .prop_map(
            |(
                (id, kind, donor, recipient, value, date),
                (period, project, agreement, description, payments, allocations),
            )| {
                Contribution {
                    id: id.into(),
                    kind,
                    donor: donor.into(),
                    recipient: recipient.into(),
                    value,
                    date,
                    period,
                    project: project.map(Into::into),
                    agreement: agreement.map(Into::into),
                    description,
                    payments,
                    allocations,
                }
            },
        )
}

fn budget() -> impl Strategy<Value = Budget> {
    let kind = proptest::sample::select(BudgetKind::ALL.to_vec());
    let status = proptest::sample::select(BudgetStatus::ALL.to_vec());
    (kind, status, period(), money(), option::of(date())).prop_map(
        |(kind, status, period, value, value_date)| Budget {
            kind,
            status,
            period,
            value,
            value_date,
        },
    )
}

fn project() -> impl Strategy<Value = Project> {
    use ProjectRole::*;
    let role = proptest::sample::select(vec![Funding, Accountable, Extending, Implementing]);
    let partner = (uuid(), role, period()).prop_map(|(org, role, period)| ProjectPartner {
        organisation: org.into(),
        role,
        period,
    });
    let status = option::of(proptest::sample::select(vec![
        ProjectStatus::Pipeline,
        ProjectStatus::Implementation,
        ProjectStatus::Finalisation,
        ProjectStatus::Closed,
        ProjectStatus::Cancelled,
        ProjectStatus::Suspended,
    ]));
    (
        (
            uuid(),
            text(),
            option::of(text()),
            vec(text(), 0..2),
            option::of(text()),
            vec(country(), 0..3),
        ),
        (
            vec(text(), 0..2),
            vec(text(), 0..2),
            vec(sector(), 0..2),
            period(),
            status,
        ),
        (
            option::of(uuid()),
            vec(partner, 0..3),
            vec(budget(), 0..3),
            option::of(uuid()),
        ),
        (
            option::of(text()),
            narratives(),
            narratives(),
            vec(other_sector(), 0..2),
        ),
    )
        .prop_map(
            |(
                (id, title, acronym, aliases, description, countries),
                (places, themes, sectors, period, status),
                (lead_office, partners, budgets, parent),
                (iati_identifier, title_narratives, description_narratives, other_sectors),
            )| Project {
                id: id.into(),
                title,
                iati_identifier,
                title_narratives,
                acronym,
                aliases,
                description,
                description_narratives,
                countries,
                places,
                themes,
                sectors,
                other_sectors,
                period,
                status,
                lead_office: lead_office.map(Into::into),
                partners,
                budgets,
                parent: parent.map(Into::into),
            },
        )
}

fn other_sector() -> impl Strategy<Value = Sector> {
    let vocabulary = proptest::sample::select(
        SECTOR_VOCABULARIES
            .iter()
            .map(|(code, _)| (*code).to_owned())
            .collect::<Vec<_>>(),
    );
    (vocabulary, "[A-Za-z0-9.:-]{1,12}").prop_map(|(vocabulary, code)| Sector { vocabulary, code })
}

fn observation() -> impl Strategy<Value = Observation> {
    use Qualifier::*;
    let qualifier =
        proptest::sample::select(vec![Exact, About, MoreThan, AtLeast, LessThan, AtMost]);
    (
        option::of(decimal()),
        qualifier,
        period(),
        option::of(text()),
    )
        .prop_map(|(value, qualifier, period, comment)| Observation {
            value,
            qualifier,
            period,
            comment,
        })
}

fn indicator() -> impl Strategy<Value = Indicator> {
    let measure = proptest::sample::select(vec![
        Measure::Count,
        Measure::Percentage,
        Measure::Nominal,
        Measure::Ordinal,
        Measure::Qualitative,
    ]);
    let aggregation = proptest::sample::select(vec![
        Aggregation::Sum,
        Aggregation::Max,
        Aggregation::Latest,
    ]);
    (
        (uuid(), uuid(), text(), text(), measure, aggregation),
        (
            option::of(observation()),
            vec(observation(), 0..3),
            vec(observation(), 0..3),
            narratives(),
        ),
    )
        .prop_map(
            |(
                (id, project, title, unit, measure, aggregation),
                (baseline, targets, actuals, title_narratives),
            )| {
                Indicator {
                    id: id.into(),
                    project: project.into(),
                    title,
                    title_narratives,
                    unit,
                    measure,
                    aggregation,
                    baseline,
                    targets,
                    actuals,
                }
            },
        )
}

fn group() -> impl Strategy<Value = Group> {
    use GroupKind::*;
    let kind = proptest::sample::select(vec![InterAgencyGroup, WorkingGroup, TaskForce, Network]);
    let name = (text(), option::of(text()), vec(text(), 0..2), period()).prop_map(
        |(name, acronym, aliases, period)| GroupName {
            name,
            acronym,
            aliases,
            period,
        },
    );
    let membership = (uuid(), period()).prop_map(|(org, period)| Membership {
        organisation: org.into(),
        period,
    });
    let role = proptest::sample::select(vec![ChairRole::Chair, ChairRole::CoChair]);
    let chair = (uuid(), role, period()).prop_map(|(org, role, period)| ChairTerm {
        organisation: org.into(),
        role,
        period,
    });
    (
        (uuid(), kind, vec(name, 0..3), option::of(uuid()), period()),
        (
            option::of(text()),
            vec(membership, 0..4),
            vec(chair, 0..3),
            option::of(text()),
        ),
    )
        .prop_map(
            |((id, kind, names, parent, period), (purpose, memberships, chairs, contact))| Group {
                id: id.into(),
                kind,
                names,
                parent: parent.map(Into::into),
                period,
                purpose,
                memberships,
                chairs,
                contact,
            },
        )
}

fn note() -> impl Strategy<Value = Note> {
    use NoteKind::*;
    let kind = proptest::sample::select(vec![
        Event,
        Award,
        Quote,
        Meeting,
        Publication,
        Statement,
        Other,
    ]);
    let ids = || vec(uuid(), 0..2);
    let links = (ids(), ids(), ids(), ids(), ids(), ids()).prop_map(|(o, p, pr, a, c, g)| Links {
        organisations: o.into_iter().map(Into::into).collect(),
        people: p.into_iter().map(Into::into).collect(),
        projects: pr.into_iter().map(Into::into).collect(),
        agreements: a.into_iter().map(Into::into).collect(),
        contributions: c.into_iter().map(Into::into).collect(),
        groups: g.into_iter().map(Into::into).collect(),
    });
    (
        uuid(),
        kind,
        option::of(text()),
        text(),
        option::of(text()),
        option::of(date()),
        option::of(text()),
        links,
    )
        .prop_map(
            |(id, kind, title, text, language, date, place, links)| Note {
                id: id.into(),
                kind,
                title,
                text,
                language,
                date,
                place,
                links,
            },
        )
}

fn dataset() -> impl Strategy<Value = Dataset> {
    (
        (
            option::of(text()),
            option::of(text()),
            vec(organisation(), 0..4),
            vec(person(), 0..3),
        ),
        (
            vec(agreement(), 0..3),
            vec(contribution(), 0..4),
            vec(project(), 0..3),
        ),
        (
            vec(indicator(), 0..3),
            vec(group(), 0..2),
            vec(note(), 0..3),
        ),
    )
        .prop_map(
            |(
                (title, source, organisations, people),
                (agreements, contributions, projects),
                (indicators, groups, notes),
            )| {
                Dataset {
                    format: Format::V1,
                    title,
                    source,
                    organisations,
                    people,
                    agreements,
                    contributions,
                    projects,
                    indicators,
                    groups,
                    notes,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_data_set_round_trips_through_the_document(data in dataset()) {
        // Validation is not the point here: an invalid data set must still
        // be stored exactly as it is, so serialise without it.
        let text = serde_json::to_string_pretty(&data).expect("serialises");
        let back = json::from_str(&text).expect("reads back");
        prop_assert_eq!(&back, &data);
        // Decimals keep their written scale: 1.50 stays 1.50.
        prop_assert_eq!(serde_json::to_string_pretty(&back).expect("serialises"), text);
    }

    #[test]
    fn no_input_makes_the_reader_panic(text in "\\PC{0,64}") {
        let _ = json::from_str(&text);
    }
}
