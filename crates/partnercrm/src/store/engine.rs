//! The store's policy, whatever backend keeps the rows: validated
//! all-or-nothing batches, "unchanged means no revision", revision time,
//! history reconstruction, the data set as recorded at a moment, merges and
//! their undoing, and erasure.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::backend::{Backend, HistoryRow, MergeRow, Put, Snapshot, WriteTx, from_doc, to_doc};
use super::erasure::Needles;
use super::postgres::PostgresBackend;
use super::sqlite::SqliteBackend;
use super::{Access, Action, Applied, Batch, Change, Mention, Office, PersonExport, Revision};
use crate::model::ids::{IdMap, IdSet};
use crate::model::record::{fold, redirect};
use crate::model::{Dataset, Note, Organisation, Person, PersonId, Record, RecordKind, RecordRef};
use crate::progress::{self, Phase, Watch};
use crate::validate::Report;
use crate::{Error, Result};

/// The order in which kinds are written, so that what is referred to is
/// usually written before what refers to it.
const WRITE_ORDER: [RecordKind; 8] = [
    RecordKind::Organisation,
    RecordKind::Person,
    RecordKind::Project,
    RecordKind::Agreement,
    RecordKind::Group,
    RecordKind::Indicator,
    RecordKind::Contribution,
    RecordKind::Note,
];

/// A place that keeps a data set: the one type callers hold, over any
/// [`Backend`].
///
/// Every write is validated with the core's rules (see
/// [`validate`](crate::validate)) against everything it touches before it is
/// stored, and a batch is stored whole or not at all. Every read sees the
/// store as of one commit.
pub struct Store {
    backend: Box<dyn Backend>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("location", &self.backend.location())
            .finish()
    }
}

/// What writing one record did.
enum Written {
    Inserted,
    Updated,
    Unchanged,
}

impl Store {
    /// Opens the store at `location`, creating it if needed and migrating an
    /// older one: a file path (the embedded SQLite default), `:memory:`, or
    /// a PostgreSQL database as `postgresql://user@host/database` (see
    /// [`PostgresBackend`]).
    /// A store written by a newer version is refused.
    pub fn open(location: impl AsRef<Path>) -> Result<Self> {
        let location = location.as_ref();
        let text = location.to_string_lossy();
        if text == ":memory:" {
            return Self::in_memory();
        }
        if super::postgres::is_postgres_url(&text) {
            return Ok(Self::with_backend(Box::new(PostgresBackend::open(&text)?)));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(Error::Parse {
                what: "store location",
                reason: format!(
                    "{scheme}:// stores are not supported; name a SQLite file, \
                     or a PostgreSQL database as postgresql://user@host/database"
                ),
                input: text.to_string(),
            });
        }
        Ok(Self::with_backend(Box::new(SqliteBackend::open(location)?)))
    }

    /// Opens the embedded default store: `$PARTNERCRM_DB`, else `partnercrm.db`.
    pub fn open_default() -> Result<Self> {
        Self::open(super::default_path())
    }

    /// A store that lives in memory and is gone when dropped.
    pub fn in_memory() -> Result<Self> {
        Ok(Self::with_backend(Box::new(SqliteBackend::in_memory()?)))
    }

    /// Opens or creates a store, migrating only up to `version`. For
    /// testing migrations: a file made this way is what that version wrote.
    #[doc(hidden)]
    pub fn open_at_version(path: impl AsRef<Path>, version: i64) -> Result<Self> {
        let text = path.as_ref().to_string_lossy();
        if super::postgres::is_postgres_url(&text) {
            return Ok(Self::with_backend(Box::new(
                PostgresBackend::open_at_version(&text, version)?,
            )));
        }
        Ok(Self::with_backend(Box::new(
            SqliteBackend::open_at_version(path, version)?,
        )))
    }

    /// A store over any backend.
    pub fn with_backend(backend: Box<dyn Backend>) -> Self {
        Self { backend }
    }

    /// Where the store lives: a file, `:memory:`, or a URL.
    pub fn location(&self) -> &str {
        self.backend.location()
    }

    /// The schema version of the store.
    pub fn schema_version(&self) -> Result<i64> {
        self.backend.schema_version()
    }

    /// Checks the database's own structures; `Ok` if they are sound.
    pub fn verify_integrity(&self) -> Result<()> {
        self.backend.verify_integrity()
    }

    /// How long a write waits for another writer before it is refused with
    /// [`Error::Busy`].
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> Result<()> {
        self.backend.set_busy_timeout(timeout)
    }

    /// Copies the store, while it stays in use, to a new file at `path`.
    pub fn backup(&self, path: &Path) -> Result<()> {
        self.backend.backup(path)
    }

    /// Counts the current records of one kind.
    pub fn count(&self, kind: RecordKind) -> Result<usize> {
        self.backend.snapshot()?.count(kind)
    }

    // ---- offices (PostgreSQL) ----

    /// The PostgreSQL connection, for SQL of one's own: as the same role,
    /// under the same row security as the store's statements; `None` for
    /// an SQLite store.
    pub fn postgres_client(&self) -> Option<std::cell::RefMut<'_, postgres::Client>> {
        self.backend.postgres().map(|b| b.client())
    }

    /// The offices, and who has rights on each.
    pub fn offices(&self) -> Result<Vec<Office>> {
        self.backend.offices()
    }

    /// Makes an office, with a reader and an editor role (the store's
    /// administrator only).
    pub fn create_office(&mut self, name: &str) -> Result<Office> {
        self.backend.create_office(name)
    }

    /// Gives a PostgreSQL role reader or editor rights on an office (the
    /// store's administrator only).
    pub fn grant(&mut self, office: &str, role: &str, access: Access) -> Result<()> {
        self.backend.grant(office, role, access)
    }

    /// Takes a role's rights on an office (the store's administrator only).
    pub fn revoke(&mut self, office: &str, role: &str) -> Result<()> {
        self.backend.revoke(office, role)
    }

    /// Chooses the office new records of office-owned kinds are written
    /// to; by default, the one office the role edits, or headquarters for
    /// headquarters' editors.
    pub fn set_office(&mut self, office: Option<&str>) -> Result<()> {
        self.backend.set_office(office)
    }

    /// Moves a record (with its history) to an office, or (`None`) makes an
    /// organisation or a group shared by every office again, recorded as a
    /// revision by `actor`; `None` if it was there already. Its editor
    /// rights on both offices are needed.
    pub fn move_record(
        &mut self,
        record: RecordRef,
        office: Option<&str>,
        actor: &str,
    ) -> Result<Option<i64>> {
        // Also what refuses it for a store without offices.
        self.backend.office_of(record)?;
        let mut tx = self.backend.begin()?;
        let recorded_at = next_recorded_at(tx.last_recorded_at()?, tx.clock()?);
        let summary = match office {
            Some(office) => format!("move {record} to office {office}"),
            None => format!("share {record} with every office"),
        };
        let revision = tx.add_revision(recorded_at, actor, &summary)?;
        if !tx.move_record(record, office)? {
            return Ok(None);
        }
        tx.commit()?;
        Ok(Some(revision))
    }

    /// The office a record belongs to; `None` when it is shared.
    pub fn office_of(&self, record: RecordRef) -> Result<Option<String>> {
        self.backend.office_of(record)
    }

    // ---- writes ----

    /// Applies a batch atomically, recording it as one revision by `actor`.
    ///
    /// Refuses, storing nothing, a batch that would leave the data set with
    /// validation errors ([`Error::Invalid`]), that deletes a record others
    /// still refer to, or that repeats an existing record's natural key
    /// under another id ([`Error::Conflict`]).
    pub fn apply(&mut self, batch: Batch, actor: &str, summary: &str) -> Result<Applied> {
        self.apply_watched(batch, actor, summary, None)
    }

    /// [`Store::apply`], telling `watch` how the resolve, validate and
    /// write phases go ([`crate::progress`]).
    pub fn apply_watched(
        &mut self,
        batch: Batch,
        actor: &str,
        summary: &str,
        watch: Watch<'_>,
    ) -> Result<Applied> {
        self.write(actor, summary, |_| Ok(batch), |_, _| Ok(()), true, watch)
    }

    /// What applying `batch` would do (with `revision` `None`), validation,
    /// conflicts and all, or the error it would be refused with; nothing is
    /// stored.
    pub fn preview(&mut self, batch: Batch) -> Result<Applied> {
        self.write(
            "preview",
            "preview",
            |_| Ok(batch),
            |_, _| Ok(()),
            false,
            None,
        )
    }

    /// Inserts or updates one record (a batch of one).
    pub fn upsert<T: Record>(&mut self, record: T, actor: &str) -> Result<Applied> {
        let summary = format!("upsert {} {}", T::KIND, record.id());
        self.apply(Batch::new().upsert(record), actor, &summary)
    }

    /// Deletes one record (a batch of one).
    pub fn delete(&mut self, record: impl Into<RecordRef>, actor: &str) -> Result<Applied> {
        let record = record.into();
        let summary = format!("delete {record}");
        self.apply(Batch::new().delete(record), actor, &summary)
    }

    /// Upserts a whole data set in one batch: the same data imported twice
    /// leaves one copy.
    pub fn import(&mut self, data: Dataset, actor: &str) -> Result<Applied> {
        let summary = format!("import {} records", data.len());
        self.apply(Batch::upsert_all(data), actor, &summary)
    }

    /// The shared path of every batch: `build` makes the batch inside the
    /// write transaction, `after` runs with the new revision before commit.
    fn write(
        &mut self,
        actor: &str,
        summary: &str,
        build: impl FnOnce(&dyn Snapshot) -> Result<Batch>,
        after: impl FnOnce(&mut dyn WriteTx, i64) -> Result<()>,
        commit: bool,
        mut watch: Watch<'_>,
    ) -> Result<Applied> {
        let location = self.backend.location().to_owned();
        let mut tx = self.backend.begin()?;
        let Batch {
            upserts: mut data,
            deletes,
        } = build(&*tx)?;
        let deleted: IdSet<Uuid> = deletes.iter().map(|r| r.id).collect();
        let warnings = super::context::check(&*tx, &mut data, &deleted, &mut watch)?;

        let recorded_at = next_recorded_at(tx.last_recorded_at()?, tx.clock()?);
        let revision = tx.add_revision(recorded_at, actor, summary)?;
        let mut applied = Applied {
            revision: Some(revision),
            warnings,
            ..Applied::default()
        };
        let to_write = (data.len() + deletes.len()) as u64;
        let mut written = 0;
        progress::tell(&mut watch, Phase::Write, 0, Some(to_write))?;
        let mut wrote = |watch: &mut Watch<'_>| {
            written += 1;
            if written % progress::EVERY == 0 && written < to_write {
                return progress::tell(watch, Phase::Write, written, Some(to_write));
            }
            Ok(())
        };
        for &record in &deletes {
            wrote(&mut watch)?;
            let Some(before) = tx.row(record.kind, record.id)? else {
                return Err(unseen_or_missing(&*tx, &location, record)?);
            };
            tx.push_history(&HistoryRow {
                seq: 0,
                revision,
                kind: record.kind,
                id: record.id,
                action: Action::Deleted,
                created: before.created,
                position: before.position,
                doc: before.body.to_doc()?,
            })?;
            tx.delete(record)?;
            applied.deleted += 1;
        }
        for kind in WRITE_ORDER {
            crate::with_record_kind!(kind, T => {
                let records = T::collection(&data);
                tx.begin_bulk(kind, records.len())?;
                for record in records {
                    wrote(&mut watch)?;
                    match write_record(&mut *tx, record, revision)? {
                        Written::Inserted => applied.inserted += 1,
                        Written::Updated => applied.updated += 1,
                        Written::Unchanged => applied.unchanged += 1,
                    }
                }
                tx.end_bulk(kind)?;
            });
        }
        for &record in &deletes {
            let still = tx.referrers(record, None, Some(5))?;
            if !still.is_empty() {
                let names: Vec<String> = still
                    .iter()
                    .map(|r| format!("{} ({})", r.record, r.field))
                    .collect();
                return Err(Error::Conflict {
                    message: format!(
                        "cannot delete {record}: still referred to by {}; change or delete those first",
                        names.join(", ")
                    ),
                });
            }
        }
        progress::tell(&mut watch, Phase::Write, to_write, Some(to_write))?;
        after(&mut *tx, revision)?;
        let mut meta_changed = false;
        for (key, value) in [("title", &data.title), ("source", &data.source)] {
            if let Some(value) = value
                && tx.meta(key)?.as_deref() != Some(value.as_str())
            {
                tx.set_meta(key, value)?;
                meta_changed = true;
            }
        }
        if !commit || (applied.inserted + applied.updated + applied.deleted == 0 && !meta_changed) {
            // A preview, or nothing changed: dropping the transaction leaves no revision behind.
            applied.revision = None;
            return Ok(applied);
        }
        tx.commit()?;
        Ok(applied)
    }

    /// Erases a person: their name, contact details and description go
    /// from the record and every earlier version of it, keeping a tombstone
    /// so that references stay valid; and every mention of them (any name,
    /// e-mail address or telephone number they were recorded with) goes from
    /// every other record, its history and the revision summaries (see
    /// [`erasure`](super::erasure)). Then the backend scrubs what the
    /// change freed, so no copy survives in the file, its log or a later
    /// backup.
    pub fn erase_person(&mut self, id: PersonId, actor: &str) -> Result<()> {
        let uuid = *id.as_uuid();
        // A mention left where the eraser cannot reach would outlive the
        // erasure, with nothing left to find it by.
        if !self.backend.reaches_everything()? {
            return Err(Error::Permission {
                location: self.backend.location().to_owned(),
                message: "erasing a person must reach every office's records, so only \
                          headquarters' editors and the store's administrator may; ask them"
                    .to_owned(),
            });
        }
        let location = self.backend.location().to_owned();
        let mut tx = self.backend.begin()?;
        let Some(before) = tx.row(RecordKind::Person, uuid)? else {
            return Err(unseen_or_missing(&*tx, &location, id.into())?);
        };
        let mut person: Person = before.body.decode()?;
        let history = tx.history_of(uuid)?;
        let mut versions = vec![person.clone()];
        for entry in &history {
            versions.push(from_doc(&entry.doc)?);
        }
        let needles = Needles::of(&versions);
        person.erase();

        let recorded_at = next_recorded_at(tx.last_recorded_at()?, tx.clock()?);
        let summary = format!("erase personal data of person {id}");
        let revision = tx.add_revision(recorded_at, actor, &summary)?;
        for entry in history {
            let mut version: Person = from_doc(&entry.doc)?;
            version.erase();
            tx.set_history_doc(entry.seq, &to_doc(&version)?)?;
        }
        tx.push_history(&HistoryRow {
            seq: 0,
            revision,
            kind: RecordKind::Person,
            id: uuid,
            action: Action::Erased,
            created: before.created,
            position: before.position,
            doc: to_doc(&person)?,
        })?;
        tx.update(&Put::of(&person)?, revision)?;
        erase_mentions(&mut *tx, uuid, &needles)?;
        tx.commit()?;
        self.backend.scrub()
    }

    /// Folds the duplicate `remove` into `keep`: every record that refers to
    /// `remove` is changed to refer to `keep`, and `remove` is deleted, in one
    /// revision whose number identifies the merge. History is kept whole, the
    /// old id keeps resolving through [`Store::merged_into`], and
    /// [`Store::undo_merge`] reverses it.
    pub fn merge<T: Record>(&mut self, keep: T::Id, remove: T::Id, actor: &str) -> Result<Applied> {
        let (keep, remove): (RecordRef, RecordRef) = (keep.into(), remove.into());
        if keep == remove {
            return Err(Error::Conflict {
                message: format!("cannot merge {keep} into itself"),
            });
        }
        let summary = format!("merge {remove} into {}", keep.id);
        let location = self.backend.location().to_owned();
        self.write(
            actor,
            &summary,
            |snapshot| {
                for record in [keep, remove] {
                    if snapshot.row(record.kind, record.id)?.is_none() {
                        return Err(unseen_or_missing(snapshot, &location, record)?);
                    }
                }
                let mut batch = Batch::new();
                let mut seen = IdSet::default();
                let moved: IdMap<Uuid, Uuid> = [(remove.id, keep.id)].into_iter().collect();
                for referrer in snapshot.referrers(remove, None, None)? {
                    let record = referrer.record;
                    if !seen.insert(record.id) {
                        continue;
                    }
                    crate::with_record_kind!(record.kind, R => {
                        if let Some(found) = read_current::<R>(snapshot, record.id)? {
                            R::collection_mut(&mut batch.upserts).push(redirect(&found, &moved)?);
                        }
                    });
                }
                batch.deletes.push(remove);
                Ok(batch)
            },
            |tx, revision| {
                tx.add_merge(
                    revision,
                    &MergeRow {
                        kind: remove.kind,
                        kept: keep.id,
                        removed: remove.id,
                        undone_by: None,
                    },
                )
            },
            true,
            None,
        )
    }

    /// Reverses the merge recorded as `revision`, if nothing it changed has
    /// changed since.
    pub fn undo_merge(&mut self, revision: i64, actor: &str) -> Result<Applied> {
        let summary = format!("undo merge {revision}");
        self.write(
            actor,
            &summary,
            |snapshot| {
                match snapshot.merge(revision)? {
                    None => {
                        return Err(Error::Conflict {
                            message: format!("revision {revision} is not a merge"),
                        });
                    }
                    Some(MergeRow {
                        undone_by: Some(undone),
                        ..
                    }) => {
                        return Err(Error::Conflict {
                            message: format!(
                                "merge {revision} was already undone in revision {undone}"
                            ),
                        });
                    }
                    Some(_) => {}
                }
                // Put back every record the merge changed or deleted, as it was.
                let mut batch = Batch::new();
                for entry in snapshot.history_in(revision)? {
                    if let Some(now) = snapshot.row(entry.kind, entry.id)?
                        && now.updated != revision
                    {
                        return Err(Error::Conflict {
                            message: format!(
                                "{} {} has changed since merge {revision}; undo those changes first",
                                entry.kind, entry.id
                            ),
                        });
                    }
                    crate::with_record_kind!(entry.kind, R => {
                        R::collection_mut(&mut batch.upserts).push(from_doc::<R>(&entry.doc)?);
                    });
                }
                Ok(batch)
            },
            |tx, undo| tx.mark_merge_undone(revision, undo),
            true,
            None,
        )
    }

    // ---- reads, each in one snapshot ----

    /// The record with this id.
    pub fn get<T: Record>(&self, id: T::Id) -> Result<Option<T>> {
        let id: RecordRef = id.into();
        read_current(&*self.backend.snapshot()?, id.id)
    }

    /// Every record of one kind.
    pub fn all<T: Record>(&self) -> Result<Vec<T>> {
        let mut data = self.dataset_of(&[T::KIND], None)?;
        Ok(std::mem::take(T::collection_mut(&mut data)))
    }

    /// Records whose name, title, acronym or alias is `name`, ignoring case.
    pub fn find_by_name<T: Record>(&self, name: &str) -> Result<Vec<T>> {
        let snapshot = self.backend.snapshot()?;
        snapshot
            .ids_named(T::KIND, &fold(name))?
            .into_iter()
            .filter_map(|id| read_current::<T>(&*snapshot, id).transpose())
            .collect()
    }

    /// Records one of whose names or identifiers holds `text`, ignoring
    /// case: whole matches first (see [`Dataset::find`]).
    pub fn find<T: Record>(&self, text: &str) -> Result<Vec<T>> {
        // The store's index holds the folded names and identifiers that
        // `lookup::answers_to` compares, so this finds what `Dataset::find` does.
        let folded = fold(text);
        if folded.is_empty() {
            return Ok(Vec::new());
        }
        let snapshot = self.backend.snapshot()?;
        let mut ids = snapshot.ids_named(T::KIND, &folded)?;
        if T::KIND == RecordKind::Organisation {
            ids.extend(snapshot.ids_with_identifier(&folded)?);
        }
        ids.extend(snapshot.ids_with_name_part(T::KIND, &folded)?);
        let mut seen = IdSet::default();
        ids.retain(|id| seen.insert(*id));
        ids.into_iter()
            .filter_map(|id| read_current::<T>(&*snapshot, id).transpose())
            .collect()
    }

    /// The record with this natural key (see [`Record::natural_key`]).
    pub fn find_by_natural_key<T: Record>(&self, key: &str) -> Result<Option<T>> {
        let snapshot = self.backend.snapshot()?;
        match snapshot.id_with_natural_key(T::KIND, key)? {
            Some(id) => read_current(&*snapshot, id),
            None => Ok(None),
        }
    }

    /// The organisation with this external identifier, e.g. `XM-DAC-47066`.
    pub fn organisation_by_identifier(&self, value: &str) -> Result<Option<Organisation>> {
        let snapshot = self.backend.snapshot()?;
        match snapshot.ids_with_identifier(&fold(value))?.first() {
            Some(&id) => read_current(&*snapshot, id),
            None => Ok(None),
        }
    }

    /// The whole data set as it is now.
    pub fn dataset(&self) -> Result<Dataset> {
        self.dataset_of(&RecordKind::ALL, None)
    }

    /// The whole data set as it was recorded at `moment`.
    pub fn dataset_at(&self, moment: DateTime<Utc>) -> Result<Dataset> {
        self.dataset_of(&RecordKind::ALL, Some(moment))
    }

    /// The records of `kinds` only, as they are now or as recorded at
    /// `moment`: what a query that needs only those kinds reads.
    pub fn dataset_of(
        &self,
        kinds: &[RecordKind],
        moment: Option<DateTime<Utc>>,
    ) -> Result<Dataset> {
        let snapshot = self.backend.snapshot()?;
        let revision = match moment {
            None => None,
            Some(moment) => match snapshot.revision_at(moment)? {
                Some(number) => Some(number),
                None => return Ok(Dataset::new()),
            },
        };
        let mut data = Dataset::new();
        data.title = snapshot.meta("title")?;
        data.source = snapshot.meta("source")?;
        for &kind in kinds {
            crate::with_record_kind!(kind, T => read_kind::<T>(&*snapshot, revision, &mut data)?);
        }
        Ok(data)
    }

    /// One table of the stored data set ([`tables::labelled_table`]), as
    /// recorded now or at `moment`, read in one snapshot. A table of
    /// contributions, indicators or notes, the kinds that grow, is made
    /// from their rows a chunk at a time ([`Snapshot::rows_in_chunks`]),
    /// beside the records its references name: on PostgreSQL, from a
    /// cursor, never holding every record at once.
    ///
    /// [`tables::labelled_table`]: crate::query::tables::labelled_table
    pub fn table(
        &self,
        name: &str,
        moment: Option<DateTime<Utc>>,
    ) -> Result<arrow_array::RecordBatch> {
        use crate::query::tables::{self, LABELLED_KINDS};
        let kind = tables::kinds_of(name)?[0];
        if moment.is_some() || LABELLED_KINDS.contains(&kind) {
            let mut kinds = LABELLED_KINDS.to_vec();
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
            return tables::table(&self.dataset_of(&kinds, moment)?, name);
        }
        let snapshot = self.backend.snapshot()?;
        let mut labels = Dataset::new();
        for kind in LABELLED_KINDS {
            crate::with_record_kind!(kind, T => read_kind::<T>(&*snapshot, None, &mut labels)?);
        }
        tables::table_in_chunks(&labels, name, |each| {
            snapshot.rows_in_chunks(kind, &mut |rows| {
                let mut chunk = Dataset::new();
                crate::with_record_kind!(kind, T => {
                    let records = T::collection_mut(&mut chunk);
                    records.reserve(rows.len());
                    for row in rows {
                        records.push(row.body.decode::<T>()?);
                    }
                });
                each(&chunk)
            })
        })
    }

    /// Every problem in the stored data set, read in one snapshot: warnings
    /// only, since a batch with errors is never stored.
    pub fn validate(&self) -> Result<Report> {
        Ok(self.dataset()?.validate())
    }

    /// The revisions, oldest first.
    pub fn revisions(&self) -> Result<Vec<Revision>> {
        self.backend.snapshot()?.revisions()
    }

    /// Every recorded change to one record, oldest first.
    pub fn history<T: Record>(&self, id: T::Id) -> Result<Vec<Change<T>>> {
        history_of(&*self.backend.snapshot()?, id.into().id)
    }

    /// Everything held about a person, read in one snapshot.
    pub fn export_person(&self, id: PersonId) -> Result<PersonExport> {
        let snapshot = self.backend.snapshot()?;
        let uuid = *id.as_uuid();
        let person: Person =
            read_current(&*snapshot, uuid)?.ok_or(Error::NotFound { record: id.into() })?;
        let history: Vec<Change<Person>> = history_of(&*snapshot, uuid)?;
        let versions: Vec<&Person> = std::iter::once(&person)
            .chain(
                history
                    .iter()
                    .flat_map(|c| c.before.iter().chain(c.after.iter())),
            )
            .collect();
        let mentions = mentions(&*snapshot, uuid, &Needles::of(versions))?;
        let mut seen = IdSet::default();
        let mut notes = Vec::new();
        for referrer in snapshot.referrers(person_ref(uuid), None, None)? {
            if referrer.record.kind == RecordKind::Note
                && seen.insert(referrer.record.id)
                && let Some(note) = read_current::<Note>(&*snapshot, referrer.record.id)?
            {
                notes.push(note);
            }
        }
        Ok(PersonExport {
            person,
            history,
            notes,
            mentions,
        })
    }

    /// The record `id` was merged into (following merges of merges), if any.
    pub fn merged_into(&self, id: Uuid) -> Result<Option<Uuid>> {
        let snapshot = self.backend.snapshot()?;
        let mut current = id;
        let mut seen = vec![id];
        while let Some(kept) = snapshot.kept_for(current)? {
            if seen.contains(&kept) {
                break;
            }
            seen.push(kept);
            current = kept;
        }
        Ok((current != id).then_some(current))
    }
}

/// The error for a record a batch names that this connection cannot read:
/// not permitted if it is stored in an office this role has no rights on,
/// else not found.
fn unseen_or_missing(snapshot: &dyn Snapshot, location: &str, record: RecordRef) -> Result<Error> {
    Ok(if snapshot.exists_unseen(record)? {
        Error::Permission {
            location: location.to_owned(),
            message: format!("{record} belongs to an office this role has no rights on"),
        }
    } else {
        Error::NotFound { record }
    })
}

/// Every recorded change to one record, oldest first, as one snapshot holds it.
fn history_of<T: Record>(snapshot: &dyn Snapshot, uuid: Uuid) -> Result<Vec<Change<T>>> {
    let entries = snapshot.history_of(uuid)?;
    let current = snapshot.row(T::KIND, uuid)?;
    let current_created = current.as_ref().map(|row| row.created);
    let current: Option<T> = current.map(|row| row.body.decode()).transpose()?;

    // History keeps values before each change; the value after is the
    // next entry's, or the current row.
    let mut changes = Vec::new();
    let mut exists = false;
    for (i, entry) in entries.iter().enumerate() {
        let before: T = from_doc(&entry.doc)?;
        if !exists {
            changes.push(Change {
                revision: snapshot.revision(entry.created)?,
                action: Action::Created,
                before: None,
                after: Some(before.clone()),
            });
        }
        let action = match entry.action {
            Action::Created => Action::Updated,
            other => other,
        };
        exists = action != Action::Deleted;
        let after = if exists {
            match entries.get(i + 1) {
                Some(next) => Some(from_doc(&next.doc)?),
                None => current.clone(),
            }
        } else {
            None
        };
        changes.push(Change {
            revision: snapshot.revision(entry.revision)?,
            action,
            before: Some(before),
            after,
        });
    }
    if let (Some(current), Some(created), false) = (current, current_created, exists) {
        changes.push(Change {
            revision: snapshot.revision(created)?,
            action: Action::Created,
            before: None,
            after: Some(current),
        });
    }
    Ok(changes)
}

fn person_ref(id: Uuid) -> RecordRef {
    RecordRef {
        kind: RecordKind::Person,
        id,
    }
}

/// Writes one record of a batch, keeping its value before in history.
fn write_record<T: Record>(tx: &mut dyn WriteTx, record: &T, revision: i64) -> Result<Written> {
    let put = Put::of(record)?;
    if let Some(key) = &put.natural_key
        && let Some(holder) = tx.id_with_natural_key(T::KIND, key)?
        && holder != put.id
    {
        let label = match tx.row(T::KIND, holder)? {
            Some(row) => row.body.decode::<T>()?.label().to_owned(),
            None => String::new(),
        };
        return Err(Error::Conflict {
            message: format!(
                "{} {:?} ({}) describes the same {} as the stored {holder} ({label:?}), key {key:?}; \
                 update that record instead of adding a second one",
                T::KIND,
                record.label(),
                put.id,
                T::KIND,
            ),
        });
    }
    let Some(before) = tx.insert(&put, revision)? else {
        return Ok(Written::Inserted);
    };
    if before.body.same_as(&put.body) {
        return Ok(Written::Unchanged);
    }
    tx.push_history(&HistoryRow {
        seq: 0,
        revision,
        kind: T::KIND,
        id: put.id,
        action: Action::Updated,
        created: before.created,
        position: before.position,
        doc: before.body.to_doc()?,
    })?;
    tx.update(&put, revision)?;
    Ok(Written::Updated)
}

/// Removes every mention of an erased person from the other records (in
/// place, keeping their revisions: the old text must not survive as a
/// before-image), from history and from revision summaries.
fn erase_mentions(tx: &mut dyn WriteTx, person: Uuid, needles: &Needles) -> Result<()> {
    if needles.is_empty() {
        return Ok(());
    }
    for kind in RecordKind::ALL {
        crate::with_record_kind!(kind, T => {
            for row in tx.rows(kind, None)? {
                let record: T = row.body.decode()?;
                if record.uuid() == person {
                    continue;
                }
                if let Some((redacted, _)) = needles.redact_record(&record)? {
                    tx.rewrite(&Put::of(&redacted)?)?;
                }
            }
            for entry in tx.history_of_kind(kind)? {
                if entry.id != person
                    && let Some((doc, _)) = needles.redact_doc::<T>(&entry.doc)?
                {
                    tx.set_history_doc(entry.seq, &doc)?;
                }
            }
        });
    }
    for revision in tx.revisions()? {
        if let Some(summary) = needles.redact(&revision.summary) {
            tx.set_revision_summary(revision.number, &summary)?;
        }
    }
    Ok(())
}

/// Every place other than the person's own record and history where they
/// are mentioned.
fn mentions(snapshot: &dyn Snapshot, person: Uuid, needles: &Needles) -> Result<Vec<Mention>> {
    let mut found = Vec::new();
    if needles.is_empty() {
        return Ok(found);
    }
    for kind in RecordKind::ALL {
        crate::with_record_kind!(kind, T => {
            for row in snapshot.rows(kind, None)? {
                let record: T = row.body.decode()?;
                if record.uuid() == person {
                    continue;
                }
                if let Some((_, fields)) = needles.redact_record(&record)? {
                    found.push(Mention {
                        record: Some(RecordRef { kind, id: record.uuid() }),
                        revision: None,
                        fields,
                    });
                }
            }
            for entry in snapshot.history_of_kind(kind)? {
                if entry.id != person
                    && let Some((_, fields)) = needles.redact_doc::<T>(&entry.doc)?
                {
                    found.push(Mention {
                        record: Some(RecordRef { kind, id: entry.id }),
                        revision: Some(entry.revision),
                        fields,
                    });
                }
            }
        });
    }
    for revision in snapshot.revisions()? {
        if needles.found_in(&revision.summary) {
            found.push(Mention {
                record: None,
                revision: Some(revision.number),
                fields: vec!["summary".to_owned()],
            });
        }
    }
    Ok(found)
}

/// The current version of a record.
pub(super) fn read_current<T: Record>(snapshot: &dyn Snapshot, id: Uuid) -> Result<Option<T>> {
    snapshot
        .row(T::KIND, id)?
        .map(|row| row.body.decode())
        .transpose()
}

/// Reads every record of one kind as recorded at `revision` (or now, if
/// `None`), in the order they were first stored.
fn read_kind<T: Record>(
    snapshot: &dyn Snapshot,
    revision: Option<i64>,
    out: &mut Dataset,
) -> Result<()> {
    let rows = snapshot.rows(T::KIND, revision)?;
    let records = T::collection_mut(out);
    let Some(as_of) = revision else {
        records.reserve(rows.len());
        for row in rows {
            records.push(row.body.decode()?);
        }
        return Ok(());
    };
    // Records changed or deleted since: their value before the first later change.
    let mut found: Vec<(i64, T)> = Vec::with_capacity(rows.len());
    for row in rows {
        found.push((row.position, row.body.decode()?));
    }
    for entry in snapshot.first_changes_after(T::KIND, as_of)? {
        found.push((entry.position, from_doc(&entry.doc)?));
    }
    found.sort_by_key(|(position, _)| *position);
    records.extend(found.into_iter().map(|(_, record)| record));
    Ok(())
}

/// A revision time no earlier than the last one, so that "as recorded at"
/// follows revision order even if clocks step back. It is taken inside the
/// write transaction, that is under the store's write lock.
fn next_recorded_at(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
    last.map_or(now, |last| last.max(now))
}
