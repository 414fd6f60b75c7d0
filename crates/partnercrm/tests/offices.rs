//! Offices, enforced by PostgreSQL, tested as different real roles: an
//! office reads, counts, changes and deletes only its own records and the
//! shared ones, through the library and through raw SQL on the library's
//! own connection; a reader writes nothing; headquarters sees everything,
//! and its rollup is the sum of the offices'; a batch that touches another
//! office's record is refused whole with a typed permission error; history
//! and erasure follow the same rules; and nothing a client sets on its
//! connection widens what it sees.

#[path = "support/postgres.rs"]
mod pg;

use std::collections::BTreeMap;

use partnercrm::Error;
use partnercrm::model::*;
use partnercrm::query::rollup::{Dimension, rollup};
use partnercrm::store::{Access, Batch, Store};
use rust_decimal::Decimal;

/// A store with two offices and their people: Colombia's editor Ana and
/// reader Cleo, Kenya's editor Ben, headquarters' reader Hana and editor
/// Hugo. The administrator has stored three shared organisations; Ana and
/// Ben have each stored their office's gifts, an agreement, a person and a
/// note about them.
struct World {
    db: pg::Scratch,
    admin: Store,
    ana: Store,
    ben: Store,
    cleo: Store,
    hana: Store,
    hugo: Store,
    ana_role: String,
    /// Three shared organisations: a donor, IOM, a second donor.
    orgs: [Organisation; 3],
    colombia: Written,
    kenya: Written,
}

/// What one office wrote.
struct Written {
    gifts: Vec<Contribution>,
    agreement: Agreement,
    person: Person,
    note: Note,
}

fn write_office(
    store: &mut Store,
    orgs: &[Organisation; 3],
    tag: &str,
    amounts: &[(&str, &str)],
) -> Written {
    let gifts: Vec<Contribution> = amounts
        .iter()
        .enumerate()
        .map(|(k, (amount, currency))| {
            let donor = if k % 2 == 0 { &orgs[0] } else { &orgs[2] };
            let mut gift = Contribution::new(ContributionKind::Cash, donor.id, orgs[1].id);
            gift.value = ContributionValue::actual(Money::parse(amount, currency).expect("money"));
            gift.date = Some(format!("20{}", 10 + k).parse().expect("date"));
            gift.description = Some(format!("{tag} gift {k}"));
            gift
        })
        .collect();
    let mut agreement = Agreement::new(format!("{tag} memorandum"), AgreementKind::Mou);
    agreement.parties = [&orgs[0], &orgs[1]]
        .iter()
        .map(|o| Party {
            organisation: o.id,
            roles: vec![PartyRole::Signatory],
        })
        .collect();
    let mut person = Person::new(format!("{tag} Focal Point"));
    person.contact.email = Some(format!("focal@{}.example.org", tag.to_lowercase()));
    person.affiliations.push(Affiliation {
        organisation: orgs[0].id,
        title: None,
        period: Period::OPEN,
    });
    let mut note = Note::new(
        NoteKind::Meeting,
        format!("Met {tag} Focal Point about the memorandum"),
    );
    note.links.people.push(person.id);
    let mut batch = Batch::new()
        .upsert(agreement.clone())
        .upsert(person.clone())
        .upsert(note.clone());
    for gift in &gifts {
        batch = batch.upsert(gift.clone());
    }
    store
        .apply(batch, tag, &format!("{tag}'s records"))
        .expect("an office writes its own");
    Written {
        gifts,
        agreement,
        person,
        note,
    }
}

fn world() -> Option<World> {
    let db = pg::Scratch::new()?;
    let mut admin = Store::open(&db.url).expect("the administrator opens");
    admin.create_office("colombia").expect("makes an office");
    admin.create_office("kenya").expect("makes an office");
    let role = |name: &str| db.user(name);
    let (ana, ben, cleo, hana, hugo) = (
        role("ana"),
        role("ben"),
        role("cleo"),
        role("hana"),
        role("hugo"),
    );
    admin
        .grant("colombia", &ana, Access::Editor)
        .expect("grants");
    admin
        .grant("colombia", &cleo, Access::Reader)
        .expect("grants");
    admin.grant("kenya", &ben, Access::Editor).expect("grants");
    admin
        .grant("headquarters", &hana, Access::Reader)
        .expect("grants");
    admin
        .grant("headquarters", &hugo, Access::Editor)
        .expect("grants");

    let orgs = [
        Organisation::new("Shared Donor Foundation", OrganisationKind::Foundation),
        Organisation::new(
            "International Organization for Migration",
            OrganisationKind::UnAgency,
        ),
        Organisation::new("Second Donor", OrganisationKind::Government),
    ];
    let mut data = Dataset::new();
    data.organisations = orgs.to_vec();
    admin.import(data, "admin").expect("shared organisations");

    let open = |role: &str| Store::open(db.login(role)).expect("a user opens the store");
    let mut ana_store = open(&ana);
    let mut ben_store = open(&ben);
    let colombia = write_office(
        &mut ana_store,
        &orgs,
        "Colombia",
        &[("100.50", "USD"), ("2000", "COP"), ("300", "USD")],
    );
    let kenya = write_office(
        &mut ben_store,
        &orgs,
        "Kenya",
        &[("40", "USD"), ("7.25", "EUR")],
    );
    Some(World {
        admin,
        ana: ana_store,
        ben: ben_store,
        cleo: open(&cleo),
        hana: open(&hana),
        hugo: open(&hugo),
        ana_role: ana,
        db,
        orgs,
        colombia,
        kenya,
    })
}

fn ids<T: Record>(records: &[T]) -> Vec<uuid::Uuid> {
    let mut ids: Vec<uuid::Uuid> = records.iter().map(Record::uuid).collect();
    ids.sort();
    ids
}

fn count(store: &Store, sql: &str) -> i64 {
    let mut client = store.postgres_client().expect("a PostgreSQL store");
    client.query_one(sql, &[]).expect("the SQL runs").get(0)
}

fn is_permission(result: &Result<impl std::fmt::Debug, Error>) -> bool {
    matches!(result, Err(Error::Permission { .. }))
}

#[test]
fn an_office_reads_and_counts_only_its_own_records_and_the_shared_ones() {
    let Some(w) = world() else { return };
    // Through the library.
    let mine = w.ana.all::<Contribution>().expect("reads");
    assert_eq!(ids(&mine), ids(&w.colombia.gifts));
    assert_eq!(w.ana.count(RecordKind::Contribution).expect("counts"), 3);
    assert_eq!(w.ben.count(RecordKind::Contribution).expect("counts"), 2);
    assert_eq!(
        w.ana.all::<Organisation>().expect("reads").len(),
        3,
        "shared organisations"
    );
    assert_eq!(
        w.ana.get::<Contribution>(w.kenya.gifts[0].id).expect("get"),
        None
    );
    assert_eq!(w.ana.get::<Person>(w.kenya.person.id).expect("get"), None);
    assert!(
        w.ana
            .find_by_name::<Person>("Kenya Focal Point")
            .expect("find")
            .is_empty(),
        "names of other offices are not found"
    );
    assert!(
        w.ana
            .history::<Agreement>(w.kenya.agreement.id)
            .expect("history")
            .is_empty()
    );
    let data = w.ana.dataset().expect("reads");
    assert_eq!(
        (data.people.len(), data.notes.len(), data.agreements.len()),
        (1, 1, 1)
    );
    assert!(
        data.validate().is_clean(),
        "an office's view is a valid data set"
    );
    let past = w.ana.dataset_at(chrono::Utc::now()).expect("as of");
    assert_eq!(past, data);
    // Through raw SQL on the library's own connection.
    assert_eq!(
        count(&w.ana, "SELECT count(*) FROM partnercrm.contributions"),
        3
    );
    let kenyan = format!(
        "SELECT count(*) FROM partnercrm.contributions WHERE id = '{}'",
        w.kenya.gifts[0].id
    );
    assert_eq!(count(&w.ana, &kenyan), 0);
    for table in ["people", "notes", "agreements", "history", "names", "refs"] {
        let sql = format!("SELECT count(*) FROM partnercrm.{table} WHERE office = 'kenya'");
        assert_eq!(count(&w.ana, &sql), 0, "{table}");
        assert!(
            count(&w.hana, &sql) > 0 || table == "history",
            "headquarters sees kenya's {table}"
        );
    }
    // Headquarters sees everything, offices' and shared.
    assert_eq!(w.hana.count(RecordKind::Contribution).expect("counts"), 5);
    assert_eq!(w.admin.count(RecordKind::Person).expect("counts"), 2);
    assert_eq!(
        w.cleo.count(RecordKind::Contribution).expect("counts"),
        3,
        "a reader reads its office"
    );
}

#[test]
fn an_office_cannot_change_or_delete_another_offices_records() {
    let Some(mut w) = world() else { return };
    let revisions = w.hana.revisions().expect("revisions").len();
    let before = w.hana.dataset().expect("reads");
    let mut theirs = w.kenya.gifts[0].clone();
    theirs.description = Some("changed by Colombia".into());
    let result = w.ana.upsert(theirs.clone(), "ana");
    assert!(is_permission(&result), "{result:?}");
    let result = w.ana.delete(w.kenya.note.id, "ana");
    assert!(is_permission(&result), "{result:?}");
    // A batch that touches one of theirs is refused whole.
    let mut mine = w.colombia.gifts[0].clone();
    mine.description = Some("changed".into());
    let mut new = Contribution::new(ContributionKind::Cash, w.orgs[0].id, w.orgs[1].id);
    new.value = ContributionValue::actual(Money::parse("5", "USD").expect("money"));
    new.date = Some("2020".parse().expect("date"));
    let batch = Batch::new().upsert(mine).upsert(new).upsert(theirs);
    let result = w.ana.apply(batch, "ana", "mixed");
    assert!(is_permission(&result), "{result:?}");
    let message = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.starts_with("permission denied on ") && !message.contains('\n'),
        "{message}"
    );
    assert_eq!(
        w.hana.dataset().expect("reads"),
        before,
        "nothing of the batch was stored"
    );
    assert_eq!(w.hana.revisions().expect("revisions").len(), revisions);
    // Raw SQL on the same connection changes nothing either.
    let mut client = w.ana.postgres_client().expect("PostgreSQL");
    let id = *w.kenya.gifts[0].id.as_uuid();
    let changed = client
        .execute(
            "UPDATE partnercrm.contributions SET amount = 1 WHERE id = $1",
            &[&id],
        )
        .expect("runs");
    let deleted = client
        .execute("DELETE FROM partnercrm.contributions WHERE id = $1", &[&id])
        .expect("runs");
    assert_eq!((changed, deleted), (0, 0));
    let forged = client.batch_execute(
        "UPDATE partnercrm.contributions SET office = 'kenya' WHERE description LIKE 'Colombia%'",
    );
    assert!(forged.is_err(), "a row cannot be given to another office");
    let smuggled = client.batch_execute(&format!(
        "INSERT INTO partnercrm.notes (id, label, created, updated, doc, office)
         VALUES ('{}', 'x', 1, 1, '{{}}', 'kenya')",
        uuid::Uuid::now_v7()
    ));
    assert!(smuggled.is_err(), "nor a new row written into it");
    drop(client);
    assert_eq!(w.hana.dataset().expect("reads"), before);
}

#[test]
fn a_reader_cannot_write() {
    let Some(mut w) = world() else { return };
    let mut gift = w.colombia.gifts[0].clone();
    gift.description = Some("edited by a reader".into());
    let result = w.cleo.upsert(gift, "cleo");
    assert!(is_permission(&result), "{result:?}");
    let result = w.cleo.upsert(
        Organisation::new("New partner", OrganisationKind::NgoCso),
        "cleo",
    );
    assert!(is_permission(&result), "nor a shared record: {result:?}");
    let mut client = w.cleo.postgres_client().expect("PostgreSQL");
    assert!(
        client
            .batch_execute("DELETE FROM partnercrm.contributions")
            .is_err()
    );
    assert!(
        client
            .batch_execute("UPDATE partnercrm.organisations SET label = 'x'")
            .is_err()
    );
    drop(client);
    assert_eq!(w.ana.count(RecordKind::Contribution).expect("counts"), 3);
}

#[test]
fn headquarters_rollup_is_the_sum_of_the_offices() {
    let Some(w) = world() else { return };
    let totals = |store: &Store| -> BTreeMap<(String, String), Decimal> {
        let data = store
            .dataset_of(partnercrm::query::rollup::KINDS, None)
            .expect("reads");
        rollup(&data, &[Dimension::Donor], None)
            .expect("rolls up")
            .rows
            .into_iter()
            .map(|row| {
                let donor = row.labels[0].as_deref().unwrap_or_default().to_owned();
                let currency = row
                    .currency
                    .map(|c| c.code().to_owned())
                    .unwrap_or_default();
                ((donor, currency), row.committed.unwrap_or_default())
            })
            .collect()
    };
    let mut sum: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for office in [&w.ana, &w.ben] {
        for (key, total) in totals(office) {
            *sum.entry(key).or_default() += total;
        }
    }
    let headquarters = totals(&w.hana);
    assert_eq!(headquarters, sum);
    assert_eq!(
        headquarters.get(&("Shared Donor Foundation".to_owned(), "USD".to_owned())),
        Some(&Decimal::new(44050, 2)),
        "100.50 and 300 from Colombia, 40 from Kenya"
    );
}

#[test]
fn nothing_a_client_sets_widens_its_view() {
    let Some(w) = world() else { return };
    let mut client = w.ana.postgres_client().expect("PostgreSQL");
    let count = |client: &mut postgres::Client| -> i64 {
        client
            .query_one("SELECT count(*) FROM partnercrm.contributions", &[])
            .expect("counts")
            .get(0)
    };
    assert_eq!(count(&mut client), 3);
    // Settings of its own, or of a name the policies might have read.
    client
        .batch_execute("SET partnercrm.office = 'kenya'; SET application_name = 'headquarters'")
        .expect("a client may set what it likes");
    assert_eq!(count(&mut client), 3);
    // Shadowing the policies' functions and tables in its own schema.
    client
        .batch_execute(
            "CREATE TEMP TABLE offices (name text, reader_role text, editor_role text);
             SET search_path TO pg_temp, partnercrm;",
        )
        .expect("temporary tables are allowed");
    assert_eq!(count(&mut client), 3);
    // Turning row security off refuses the query rather than widening it.
    client
        .batch_execute("SET row_security = off")
        .expect("sets");
    assert!(
        client
            .query_one("SELECT count(*) FROM partnercrm.contributions", &[])
            .is_err()
    );
    client.batch_execute("RESET row_security").expect("resets");
    // Becoming someone else is refused.
    let headquarters = format!("{}:headquarters:reader", w.db.name);
    assert!(
        client
            .batch_execute(&format!("SET ROLE \"{headquarters}\""))
            .is_err()
    );
    assert!(
        client
            .batch_execute("SET SESSION AUTHORIZATION postgres")
            .is_err()
    );
    // The one role it may become is its own office's reader: narrower.
    client
        .batch_execute(&format!("SET ROLE \"{}:colombia:reader\"", w.db.name))
        .expect("a member may take a role it has");
    assert_eq!(count(&mut client), 3);
    assert!(
        client
            .batch_execute("DELETE FROM partnercrm.contributions")
            .is_err()
    );
    client.batch_execute("RESET ROLE").expect("resets");
    assert_eq!(count(&mut client), 3);
    let _ = &w.ana_role;
}

#[test]
fn history_and_erasure_follow_the_offices() {
    let Some(mut w) = world() else { return };
    let mut person = w.kenya.person.clone();
    person.contact.phone = Some("+254 700 000000".into());
    w.ben
        .upsert(person.clone(), "ben")
        .expect("Kenya edits its person");
    assert_eq!(
        w.ben.history::<Person>(person.id).expect("history").len(),
        2
    );
    assert!(
        w.ana
            .history::<Person>(person.id)
            .expect("history")
            .is_empty()
    );
    assert_eq!(
        count(
            &w.ana,
            "SELECT count(*) FROM partnercrm.history WHERE kind = 'person'"
        ),
        0
    );
    assert_eq!(
        count(
            &w.ben,
            "SELECT count(*) FROM partnercrm.history WHERE kind = 'person'"
        ),
        1
    );
    // An office may not erase: its erasure could not reach every copy.
    let result = w.ben.erase_person(person.id, "ben");
    assert!(is_permission(&result), "{result:?}");
    let result = w.ana.erase_person(person.id, "ana");
    assert!(is_permission(&result), "{result:?}");
    // Headquarters' erasure reaches every office.
    w.hugo
        .erase_person(person.id, "dpo")
        .expect("headquarters erases");
    let note: Note = w
        .ben
        .get(w.kenya.note.id)
        .expect("get")
        .expect("the note stays");
    assert!(!note.text.contains("Kenya Focal Point"), "{}", note.text);
    let history = serde_json::to_string(&w.hana.history::<Person>(person.id).expect("history"))
        .expect("json");
    assert!(
        !history.contains("Focal Point") && !history.contains("700 000000"),
        "{history}"
    );
    assert!(
        w.ben
            .history::<Person>(person.id)
            .expect("history")
            .last()
            .is_some_and(|c| c.action == partnercrm::store::Action::Erased)
    );
}

#[test]
fn a_shared_record_other_offices_use_is_not_deleted_behind_their_backs() {
    let Some(mut w) = world() else { return };
    // Colombia sees no Kenyan record that uses the second donor (Kenya's
    // euro gift does), nor the shared donor's Kenyan agreement.
    let result = w.ana.delete(w.orgs[2].id, "ana");
    assert!(matches!(&result, Err(Error::Conflict { .. })), "{result:?}");
    assert!(
        w.hana
            .get::<Organisation>(w.orgs[2].id)
            .expect("get")
            .is_some()
    );
}

#[test]
fn records_move_between_offices_and_shared_ones_can_be_made_private() {
    let Some(mut w) = world() else { return };
    let mut private = Organisation::new("Colombian partner", OrganisationKind::NgoCso);
    private.country = Some("CO".parse().expect("country"));
    w.ana
        .upsert(private.clone(), "ana")
        .expect("a shared organisation");
    assert!(
        w.ben
            .get::<Organisation>(private.id)
            .expect("get")
            .is_some()
    );
    let moved = w
        .ana
        .move_record(private.id.into(), Some("colombia"), "ana")
        .expect("moves");
    assert!(moved.is_some(), "a revision records it");
    assert_eq!(
        w.ana.office_of(private.id.into()).expect("office"),
        Some("colombia".to_owned())
    );
    assert_eq!(w.ben.get::<Organisation>(private.id).expect("get"), None);
    assert!(
        w.ben
            .find_by_name::<Organisation>("Colombian partner")
            .expect("find")
            .is_empty()
    );
    assert_eq!(
        w.ana
            .move_record(private.id.into(), Some("colombia"), "ana")
            .expect("moves"),
        None,
        "already there"
    );
    let result = w.ana.move_record(private.id.into(), Some("kenya"), "ana");
    assert!(
        is_permission(&result),
        "Colombia cannot give it to Kenya: {result:?}"
    );
    let result = w.ana.move_record(w.colombia.note.id.into(), None, "ana");
    assert!(
        matches!(&result, Err(Error::Parse { .. })),
        "a note is never shared: {result:?}"
    );
    w.hugo
        .move_record(private.id.into(), Some("kenya"), "hugo")
        .expect("headquarters moves anything");
    assert!(
        w.ben
            .get::<Organisation>(private.id)
            .expect("get")
            .is_some()
    );
    assert_eq!(w.ana.get::<Organisation>(private.id).expect("get"), None);
    // An office-owned record goes where its writer chose.
    w.hugo
        .set_office(Some("colombia"))
        .expect("headquarters writes for Colombia");
    let mut note = Note::new(NoteKind::Event, "Written by headquarters for Colombia");
    note.links.organisations.push(w.orgs[1].id);
    w.hugo.upsert(note.clone(), "hugo").expect("writes");
    assert!(w.ana.get::<Note>(note.id).expect("get").is_some());
    assert!(w.ben.get::<Note>(note.id).expect("get").is_none());
    assert!(
        is_permission(&w.ben.set_office(Some("colombia"))),
        "Kenya cannot write for Colombia"
    );
}

#[test]
fn offices_are_the_administrators_to_manage() {
    let Some(mut w) = world() else { return };
    assert!(is_permission(&w.ana.create_office("peru")));
    assert!(is_permission(&w.ana.grant(
        "kenya",
        &w.ana_role.clone(),
        Access::Editor
    )));
    let offices = w.ana.offices().expect("anyone lists them");
    let names: Vec<&str> = offices.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["headquarters", "colombia", "kenya"]);
    let colombia = &offices[1];
    assert_eq!(colombia.editors, [w.ana_role.clone()]);
    assert_eq!(colombia.readers, [format!("{}_cleo", w.db.name)]);
    w.admin
        .revoke("colombia", &w.ana_role.clone())
        .expect("revokes");
    let reopened = Store::open(w.db.login(&w.ana_role));
    assert!(
        is_permission(&reopened),
        "no rights, no store: {reopened:?}"
    );
    assert!(matches!(
        w.admin.create_office("Bad Name"),
        Err(Error::Parse { .. })
    ));
    assert!(matches!(
        w.admin.create_office("kenya"),
        Err(Error::Conflict { .. })
    ));
    let mut sqlite = Store::in_memory().expect("opens");
    assert!(matches!(
        sqlite.create_office("kenya"),
        Err(Error::Unsupported { .. })
    ));
}
