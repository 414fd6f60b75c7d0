//! The store never holds what its own rules forbid: a batch is checked with
//! everything it touches, so no order of writes can leave the store with a
//! validation error. Each test runs against SQLite and PostgreSQL.

#[path = "support/postgres.rs"]
mod pg;

use partnercrm::Error;
use partnercrm::model::*;
use partnercrm::store::{Batch, Store};
use partnercrm::validate::{Code, Severity};
use proptest::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

fn year(y: i32) -> PartialDate {
    PartialDate::year(y)
}

fn registry(value: &str) -> Identifier {
    Identifier {
        scheme: IdentifierScheme::Other("ch_registry".to_owned()),
        value: value.to_owned(),
    }
}

/// A fresh store of each backend, with what keeps it alive: SQLite in
/// memory, and a PostgreSQL database of its own when there is a server.
fn stores() -> Vec<(&'static str, Store, Option<pg::Scratch>)> {
    let mut stores = vec![("sqlite", Store::in_memory().expect("opens"), None)];
    if let Some(database) = pg::Scratch::new() {
        let store = Store::open(&database.url).expect("opens");
        stores.push(("postgres", store, Some(database)));
    }
    stores
}

fn errors(store: &Store) -> Vec<String> {
    store
        .validate()
        .expect("reads")
        .problems()
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| format!("{} {}", p.path, p.code))
        .collect()
}

fn refused_codes(result: partnercrm::Result<partnercrm::store::Applied>) -> Vec<(String, Code)> {
    match result {
        Err(Error::Invalid(report)) => report
            .errors()
            .map(|p| (p.path.to_string(), p.code))
            .collect(),
        other => panic!("expected the batch to be refused as invalid, got {other:?}"),
    }
}

#[test]
fn a_shared_identifier_is_refused_when_written_in_a_second_batch() {
    for (_, store, _database) in stores() {
        a_shared_identifier_is_refused_when_written_in_a_second_batch_in(store);
    }
}

fn a_shared_identifier_is_refused_when_written_in_a_second_batch_in(mut store: Store) {
    let mut first = Organisation::new("Stiftung Eins", OrganisationKind::Foundation);
    first.identifiers.push(registry("CH-REG-123"));
    let mut second = Organisation::new("Stiftung Zwei", OrganisationKind::Foundation);
    second.identifiers.push(registry("CH-REG-123"));
    store.upsert(first.clone(), "t").expect("the first is fine");

    let found = refused_codes(store.upsert(second.clone(), "t"));
    assert_eq!(
        found,
        [(
            format!("organisations.{}.identifiers[0].value", first.id),
            Code::SharedIdentifier
        )],
        "the stored holder of the identifier is named by id"
    );
    assert_eq!(store.all::<Organisation>().expect("reads"), [first.clone()]);
    assert!(errors(&store).is_empty());

    // Moving the identifier from one to the other in one batch is fine.
    let mut moved = first.clone();
    moved.identifiers.clear();
    store
        .apply(
            Batch::new().upsert(moved).upsert(second),
            "t",
            "move the identifier",
        )
        .expect("one batch moves it");
    assert!(errors(&store).is_empty());
}

#[test]
fn a_parent_group_cannot_drop_a_member_its_working_group_has_as_chair() {
    for (_, store, _database) in stores() {
        a_parent_group_cannot_drop_a_member_its_working_group_has_as_chair_in(store);
    }
}

fn a_parent_group_cannot_drop_a_member_its_working_group_has_as_chair_in(mut store: Store) {
    let x = Organisation::new("X", OrganisationKind::UnAgency);
    let y = Organisation::new("Y", OrganisationKind::UnAgency);
    let mut g1 = Group::new(GroupKind::InterAgencyGroup, "Global Migration Group");
    g1.memberships = vec![
        Membership {
            organisation: x.id,
            period: Period::OPEN,
        },
        Membership {
            organisation: y.id,
            period: Period::OPEN,
        },
    ];
    let mut g2 = Group::new(GroupKind::WorkingGroup, "Working group on data");
    g2.parent = Some(g1.id);
    g2.chairs = vec![ChairTerm {
        organisation: x.id,
        role: ChairRole::Chair,
        period: Period::OPEN,
    }];
    let mut data = Dataset::new();
    data.organisations = vec![x, y.clone()];
    data.groups = vec![g1.clone(), g2.clone()];
    store.import(data, "t").expect("valid");

    let mut shrunk = g1.clone();
    shrunk.memberships.retain(|m| m.organisation == y.id);
    let found = refused_codes(store.upsert(shrunk, "t"));
    assert_eq!(
        found,
        [(format!("groups.{}.chairs[0]", g2.id), Code::ChairNotMember)]
    );
    assert!(errors(&store).is_empty());
    // And the working group stays editable.
    let mut renamed = g2.clone();
    renamed.purpose = Some("data".to_owned());
    store.upsert(renamed, "t").expect("still editable");
}

#[test]
fn a_parent_project_that_shrinks_around_its_child_warns_on_the_child() {
    for (_, store, _database) in stores() {
        a_parent_project_that_shrinks_around_its_child_warns_on_the_child_in(store);
    }
}

fn a_parent_project_that_shrinks_around_its_child_warns_on_the_child_in(mut store: Store) {
    let mut parent = Project::new("Programme");
    parent.period = Period::between(year(2010), year(2020));
    let mut child = Project::new("Component");
    child.parent = Some(parent.id);
    child.period = Period::between(year(2012), year(2014));
    let mut data = Dataset::new();
    data.projects = vec![parent.clone(), child.clone()];
    store.import(data, "t").expect("valid");

    // `project.outside_parent_period` is a warning: the batch is stored, and
    // the warning names the stored child it concerns.
    let mut shorter = parent.clone();
    shorter.period = Period::between(year(2010), year(2011));
    let applied = store.upsert(shorter, "t").expect("a warning only");
    let found: Vec<(String, Code)> = applied
        .warnings
        .problems()
        .iter()
        .map(|p| (p.path.to_string(), p.code))
        .collect();
    assert_eq!(
        found,
        [(
            format!("projects.{}.period", child.id),
            Code::OutsideParentPeriod
        )]
    );
}

#[test]
fn a_problem_already_stored_does_not_block_writes_near_it() {
    // Two organisations already share an identifier (as a store written
    // before this rule was enforced on write may hold): editing one of them
    // without touching the identifier is not refused for the old problem.
    let dir = tempfile::TempDir::new().expect("dir");
    let path = dir.path().join("old.db");
    let mut a = Organisation::new("A", OrganisationKind::Foundation);
    a.identifiers.push(registry("CH-REG-9"));
    let mut b = Organisation::new("B", OrganisationKind::Foundation);
    b.identifiers.push(registry("CH-REG-9"));
    {
        let mut store = Store::open(&path).expect("opens");
        store.upsert(a.clone(), "t").expect("fine");
    }
    // Write b behind the store's back, as an older version would have.
    let conn = rusqlite::Connection::open(&path).expect("opens");
    let doc = serde_json::to_string(&b).expect("json");
    conn.execute(
        "INSERT INTO organisations (id, natural_key, label, created, updated, doc) VALUES (?1, 'name:b', 'B', 1, 1, ?2)",
        rusqlite::params![b.id.as_uuid(), doc],
    )
    .expect("inserts");
    conn.execute(
        "INSERT INTO names (kind, id, name) VALUES ('identifier', ?1, 'ch-reg-9')",
        [b.id.as_uuid()],
    )
    .expect("inserts");
    drop(conn);

    let mut store = Store::open(&path).expect("opens");
    assert_eq!(errors(&store).len(), 1, "the old problem is there");
    let mut edited = a.clone();
    edited.country = Some("CH".parse().expect("country"));
    store
        .upsert(edited, "t")
        .expect("the old problem is not this batch's");
}

// ---- the invariant, over random sequences of writes ----

const ORGS: usize = 5;
const NAMES: [&str; 4] = ["Alpha", "Beta", "Gamma", "Alpha Foundation"];
const IDENTIFIERS: [Option<&str>; 3] = [None, Some("CH-REG-1"), Some("CH-REG-2")];
const PERIODS: [(Option<i32>, Option<i32>); 5] = [
    (None, None),
    (Some(2010), Some(2012)),
    (Some(2011), Some(2011)),
    (Some(2013), Some(2015)),
    (Some(2010), None),
];

fn id(kind: u8, index: usize) -> Uuid {
    Uuid::from_u128(((kind as u128) << 64) | index as u128 | 0x7000_0000_0000_0000_0000)
}

fn period(index: usize) -> Period {
    let (start, end) = PERIODS[index % PERIODS.len()];
    Period::new(start.map(year), end.map(year))
}

fn org_id(i: usize) -> OrganisationId {
    id(1, i % ORGS).into()
}

#[derive(Clone, Debug)]
enum Op {
    Org {
        i: usize,
        name: usize,
        identifier: usize,
        parent: Option<usize>,
    },
    /// Two organisations in one batch.
    OrgPair {
        i: usize,
        j: usize,
        identifier: usize,
    },
    Group {
        g: usize,
        members: u8,
        member_period: usize,
        chair: Option<usize>,
        chair_period: usize,
        child: bool,
    },
    Project {
        p: usize,
        period: usize,
        child: bool,
    },
    Contribution {
        c: usize,
        donor: usize,
        recipient: usize,
        project: Option<usize>,
        percent: u8,
        pledge_payments: u8,
    },
    Person {
        org: usize,
        period: usize,
    },
    Delete {
        kind: u8,
        index: usize,
    },
    Merge {
        keep: usize,
        remove: usize,
    },
    UndoMerge,
    Erase,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..ORGS, 0..NAMES.len(), 0..IDENTIFIERS.len(), proptest::option::of(0..ORGS))
            .prop_map(|(i, name, identifier, parent)| Op::Org { i, name, identifier, parent }),
        1 => (0..ORGS, 0..ORGS, 1..IDENTIFIERS.len()).prop_map(|(i, j, identifier)| Op::OrgPair { i, j, identifier }),
        3 => (0..2usize, any::<u8>(), 0..PERIODS.len(), proptest::option::of(0..ORGS), 0..PERIODS.len(), any::<bool>())
            .prop_map(|(g, members, member_period, chair, chair_period, child)| Op::Group { g, members, member_period, chair, chair_period, child }),
        2 => (0..2usize, 0..PERIODS.len(), any::<bool>()).prop_map(|(p, period, child)| Op::Project { p, period, child }),
        3 => (0..3usize, 0..ORGS, 0..ORGS, proptest::option::of(0..2usize), 1..=100u8, 0..3u8)
            .prop_map(|(c, donor, recipient, project, percent, pledge_payments)| Op::Contribution { c, donor, recipient, project, percent, pledge_payments }),
        1 => (0..ORGS, 0..PERIODS.len()).prop_map(|(org, period)| Op::Person { org, period }),
        2 => (1..=5u8, 0..ORGS).prop_map(|(kind, index)| Op::Delete { kind, index }),
        1 => (0..ORGS, 0..ORGS).prop_map(|(keep, remove)| Op::Merge { keep, remove }),
        1 => Just(Op::UndoMerge),
        1 => Just(Op::Erase),
    ]
}

fn organisation(i: usize, name: usize, identifier: usize, parent: Option<usize>) -> Organisation {
    let mut org = Organisation::new(NAMES[name], OrganisationKind::NgoCso);
    org.id = org_id(i);
    if let Some(value) = IDENTIFIERS[identifier] {
        org.identifiers.push(registry(value));
    }
    org.parent = parent.map(org_id);
    org
}

fn run(store: &mut Store, op: &Op, merges: &mut Vec<i64>) -> partnercrm::Result<()> {
    match op {
        Op::Org {
            i,
            name,
            identifier,
            parent,
        } => {
            // Distinct names unless the draw repeats one, so natural keys collide only sometimes.
            let mut org = organisation(*i, *name, *identifier, *parent);
            if *name != 0 {
                org.name = format!("{} {i}", NAMES[*name]);
            }
            store.upsert(org, "p")?;
        }
        Op::OrgPair { i, j, identifier } => {
            let a = organisation(*i, 1, *identifier, None);
            let mut b = organisation(*j, 2, *identifier, None);
            b.name = format!("Pair {j}");
            store.apply(Batch::new().upsert(a).upsert(b), "p", "pair")?;
        }
        Op::Group {
            g,
            members,
            member_period,
            chair,
            chair_period,
            child,
        } => {
            let mut group = Group::new(
                if *g == 0 {
                    GroupKind::InterAgencyGroup
                } else {
                    GroupKind::WorkingGroup
                },
                format!("Group {g}"),
            );
            group.id = id(2, *g).into();
            group.memberships = (0..ORGS)
                .filter(|o| members & (1 << o) != 0)
                .map(|o| Membership {
                    organisation: org_id(o),
                    period: period(*member_period),
                })
                .collect();
            group.chairs = chair
                .iter()
                .map(|&o| ChairTerm {
                    organisation: org_id(o),
                    role: ChairRole::Chair,
                    period: period(*chair_period),
                })
                .collect();
            if *child {
                group.parent = Some(id(2, 1 - g).into());
            }
            store.upsert(group, "p")?;
        }
        Op::Project {
            p,
            period: at,
            child,
        } => {
            let mut project = Project::new(format!("Project {p}"));
            project.id = id(3, *p).into();
            project.period = period(*at);
            if *child {
                project.parent = Some(id(3, 1 - p).into());
            }
            store.upsert(project, "p")?;
        }
        Op::Contribution {
            c,
            donor,
            recipient,
            project,
            percent,
            pledge_payments,
        } => {
            let kind = if *pledge_payments > 0 {
                ContributionKind::Pledge
            } else {
                ContributionKind::Cash
            };
            let mut gift = Contribution::new(kind, org_id(*donor), org_id(*recipient));
            gift.id = id(4, *c).into();
            gift.value = ContributionValue::actual(Money::parse("1000", "USD")?);
            gift.date = Some(year(2011));
            gift.payments = (0..*pledge_payments)
                .map(|_| {
                    Ok(Payment {
                        date: year(2012),
                        amount: Money::parse("600", "USD")?,
                    })
                })
                .collect::<partnercrm::Result<_>>()?;
            if let Some(p) = project {
                gift.allocations.push(Allocation {
                    project: id(3, *p).into(),
                    amount: None,
                    percent: Some(Decimal::from(*percent)),
                });
            }
            store.upsert(gift, "p")?;
        }
        Op::Person { org, period: at } => {
            let mut person = Person::new("Ada Example");
            person.id = id(5, 0).into();
            person.affiliations.push(Affiliation {
                organisation: org_id(*org),
                title: None,
                period: period(*at),
            });
            store.upsert(person, "p")?;
        }
        Op::Delete { kind, index } => {
            let record = match kind {
                1 => RecordRef::from(org_id(*index)),
                2 => RecordRef::from(GroupId::from(id(2, index % 2))),
                3 => RecordRef::from(ProjectId::from(id(3, index % 2))),
                4 => RecordRef::from(ContributionId::from(id(4, index % 3))),
                _ => RecordRef::from(PersonId::from(id(5, 0))),
            };
            store.delete(record, "p")?;
        }
        Op::Merge { keep, remove } => {
            let applied = store.merge::<Organisation>(org_id(*keep), org_id(*remove), "p")?;
            merges.extend(applied.revision);
        }
        Op::UndoMerge => {
            if let Some(revision) = merges.pop() {
                store.undo_merge(revision, "p")?;
            }
        }
        Op::Erase => store.erase_person(id(5, 0).into(), "p")?,
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// After every committed batch the store validates clean; a refused
    /// batch changes nothing.
    #[test]
    fn no_sequence_of_writes_leaves_a_validation_error(ops in proptest::collection::vec(op(), 1..30)) {
        sequence_keeps_the_store_valid(Store::in_memory().expect("opens"), &ops)?;
    }
}

proptest! {
    // Fewer cases: each makes a database, and every step is a few round trips.
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// The same on PostgreSQL.
    #[test]
    fn no_sequence_of_writes_leaves_a_validation_error_on_postgres(ops in proptest::collection::vec(op(), 1..30)) {
        if let Some(database) = pg::Scratch::new() {
            sequence_keeps_the_store_valid(Store::open(&database.url).expect("opens"), &ops)?;
        }
    }
}

fn sequence_keeps_the_store_valid(mut store: Store, ops: &[Op]) -> Result<(), TestCaseError> {
    {
        let mut merges = Vec::new();
        let mut committed = 0;
        for (step, op) in ops.iter().enumerate() {
            let before = store.dataset().expect("reads");
            let revisions = store.revisions().expect("reads").len();
            match run(&mut store, op, &mut merges) {
                Ok(()) => committed += 1,
                Err(Error::Invalid(_) | Error::Conflict { .. } | Error::NotFound { .. }) => {
                    prop_assert_eq!(
                        &store.dataset().expect("reads"),
                        &before,
                        "step {} {:?} was refused but changed the store",
                        step,
                        op
                    );
                    prop_assert_eq!(store.revisions().expect("reads").len(), revisions);
                }
                Err(other) => prop_assert!(false, "step {step} {op:?}: unexpected error {other}"),
            }
            let found = errors(&store);
            prop_assert!(
                found.is_empty(),
                "after step {} {:?}: {:?}",
                step,
                op,
                found
            );
        }
        let _ = committed;
    }
    Ok(())
}
