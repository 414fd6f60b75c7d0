//! What a batch is checked with: the batch's own records, and every stored
//! record a rule needs to judge them or that the batch could break.
//!
//! - What the batch points at, and their parent chains (for cycles).
//! - What depends on the batch: stored records whose validity depends on
//!   what a batch record holds ([`validate::DEPENDENT_REFERENCES`]), with
//!   what those point at.
//! - The global keys the batch touches: stored organisations that share an
//!   identifier or a name with one of the batch's.
//!
//! Problems in the batch's own records count. Problems in the records that
//! depend on it or share its keys count when the batch causes them, that is
//! when they are not there with the stored versions of the batch's records;
//! so a store that already held a problem (written by an older version, say)
//! does not refuse every later batch near it. Other stored records are there
//! only as context: their problems are not this batch's.

use std::collections::HashSet;

use uuid::Uuid;

use super::backend::Snapshot;
use super::engine::read_current;
use crate::Result;
use crate::model::ids::IdSet;
use crate::model::record::fold;
use crate::model::{Dataset, Record, RecordKind, RecordRef};
use crate::progress::{self, Phase, Watch};
use crate::validate::{self, Code, Path, Problem, Report, Segment};

/// How many records of each kind a data set holds, in [`RecordKind::ALL`] order.
type Counts = [usize; 8];

fn counts(data: &Dataset) -> Counts {
    RecordKind::ALL.map(|kind| crate::with_record_kind!(kind, T => T::collection(data).len()))
}

fn kind_index(kind: RecordKind) -> usize {
    RecordKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_default()
}

/// Validates `data`, a batch's upserts, with its context (see the module
/// docs), before anything is written; `deleted` are the batch's deletes.
/// Returns the warnings, or every error. `data` is left as it came.
pub(super) fn check(
    snapshot: &dyn Snapshot,
    data: &mut Dataset,
    deleted: &IdSet<Uuid>,
    watch: &mut Watch<'_>,
) -> Result<Report> {
    let incoming = counts(data);
    let records = data.len() as u64;
    let mut gather = Gather {
        snapshot,
        deleted,
        known: IdSet::default(),
        dependents: IdSet::default(),
        pending: Vec::new(),
    };
    for kind in RecordKind::ALL {
        crate::with_record_kind!(kind, T => {
            gather.known.extend(T::collection(data).iter().map(Record::uuid));
            for record in T::collection(data) {
                gather.pending.extend(record.references().into_iter().map(|(_, r)| r));
            }
        });
    }
    progress::whole(watch, Phase::Resolve, records, || {
        gather.dependents_of(data, &incoming)?;
        gather.key_sharers(data, &incoming)?;
        gather.closure(data)
    })?;

    let report = progress::whole(watch, Phase::Validate, records, || Ok(data.validate()))?;
    let mut own = Vec::new();
    let mut caused = Vec::new();
    for problem in report {
        match place(&problem, data, &incoming) {
            Place::Own => own.push(problem),
            Place::Stored(record) if gather.dependents.contains(&record.id) => {
                caused.push((record, problem));
            }
            Place::Stored(_) => {}
        }
    }
    if !caused.is_empty() {
        let before = baseline(snapshot, data, &incoming, deleted)?;
        caused.retain(|(record, problem)| !before.contains(&key(*record, problem)));
        own.extend(
            caused
                .into_iter()
                .map(|(record, problem)| on_stored(data, record, problem)),
        );
    }
    // Drop the context again: only the batch's own records are written.
    for (k, kind) in RecordKind::ALL.into_iter().enumerate() {
        crate::with_record_kind!(kind, T => T::collection_mut(data).truncate(incoming[k]));
    }
    Report::new(own).into_result()
}

struct Gather<'a> {
    snapshot: &'a dyn Snapshot,
    deleted: &'a IdSet<Uuid>,
    /// Ids already in the view.
    known: IdSet<Uuid>,
    /// Stored records whose problems the batch may cause.
    dependents: IdSet<Uuid>,
    /// References still to fetch.
    pending: Vec<RecordRef>,
}

impl Gather<'_> {
    /// Fetches a stored record that the batch may break, with what it
    /// points at.
    fn dependent(&mut self, record: RecordRef, data: &mut Dataset) -> Result<()> {
        if self.deleted.contains(&record.id) || !self.known.insert(record.id) {
            return Ok(());
        }
        crate::with_record_kind!(record.kind, T => {
            if let Some(found) = read_current::<T>(self.snapshot, record.id)? {
                self.pending.extend(found.references().into_iter().map(|(_, r)| r));
                T::collection_mut(data).push(found);
                self.dependents.insert(record.id);
            }
        });
        Ok(())
    }

    fn dependents_of(&mut self, data: &mut Dataset, incoming: &Counts) -> Result<()> {
        let mut targets = Vec::new();
        for &(target, field, referrer) in validate::DEPENDENT_REFERENCES {
            crate::with_record_kind!(target, T => {
                for record in &T::collection(data)[..incoming[kind_index(target)]] {
                    targets.push((RecordRef { kind: target, id: record.uuid() }, field, referrer));
                }
            });
        }
        for (target, field, referrer) in targets {
            for found in self.snapshot.referrers(target, Some(field), None)? {
                if found.record.kind == referrer {
                    self.dependent(found.record, data)?;
                }
            }
        }
        Ok(())
    }

    /// Stored organisations that share an identifier or a name with the
    /// batch's: the rules `organisation.identifier_shared` and
    /// `organisation.name_shared` span every organisation.
    fn key_sharers(&mut self, data: &mut Dataset, incoming: &Counts) -> Result<()> {
        let mut ids = Vec::new();
        for org in &data.organisations[..incoming[kind_index(RecordKind::Organisation)]] {
            for identifier in &org.identifiers {
                ids.extend(
                    self.snapshot
                        .ids_with_identifier(&fold(&identifier.value))?,
                );
            }
            for name in org.names() {
                ids.extend(
                    self.snapshot
                        .ids_named(RecordKind::Organisation, &fold(name))?,
                );
            }
        }
        for id in ids {
            let record = RecordRef {
                kind: RecordKind::Organisation,
                id,
            };
            self.dependent(record, data)?;
        }
        Ok(())
    }

    /// Fetches what is pointed at, following parent chains, so references
    /// resolve and cycles through stored records show.
    fn closure(&mut self, data: &mut Dataset) -> Result<()> {
        while let Some(reference) = self.pending.pop() {
            if self.deleted.contains(&reference.id) || !self.known.insert(reference.id) {
                continue;
            }
            crate::with_record_kind!(reference.kind, T => {
                if let Some(found) = read_current::<T>(self.snapshot, reference.id)? {
                    let parent = found.references().into_iter().find(|(field, _)| *field == "parent");
                    if let Some((_, parent)) = parent {
                        self.pending.push(parent);
                    }
                    T::collection_mut(data).push(found);
                }
            });
        }
        Ok(())
    }
}

enum Place {
    /// In one of the batch's records, or not in a record at all.
    Own,
    /// In a stored record fetched as context.
    Stored(RecordRef),
}

fn place(problem: &Problem, data: &Dataset, incoming: &Counts) -> Place {
    let [Segment::Field(collection), Segment::Index(index), ..] = problem.path.segments() else {
        return Place::Own;
    };
    let Some(kind) = RecordKind::ALL
        .into_iter()
        .find(|k| k.collection() == collection)
    else {
        return Place::Own;
    };
    if *index < incoming[kind_index(kind)] {
        return Place::Own;
    }
    crate::with_record_kind!(kind, T => match T::collection(data).get(*index) {
        Some(record) => Place::Stored(RecordRef { kind, id: record.uuid() }),
        None => Place::Own,
    })
}

/// A problem's identity apart from positions: the record, the rest of the
/// path and the code.
fn key(record: RecordRef, problem: &Problem) -> (Uuid, Vec<Segment>, Code) {
    let rest = problem
        .path
        .segments()
        .get(2..)
        .unwrap_or_default()
        .to_vec();
    (record.id, rest, problem.code)
}

/// The problems of the same context with the stored versions of the batch's
/// records (and the deleted ones still there): what was already wrong.
fn baseline(
    snapshot: &dyn Snapshot,
    data: &Dataset,
    incoming: &Counts,
    deleted: &IdSet<Uuid>,
) -> Result<HashSet<(Uuid, Vec<Segment>, Code)>> {
    let mut before = Dataset::new();
    let mut ids = Vec::new();
    for kind in RecordKind::ALL {
        crate::with_record_kind!(kind, T => {
            ids.extend(T::collection(data)[..incoming[kind_index(kind)]].iter().map(|r| (kind, r.uuid())));
        });
    }
    for &id in deleted {
        for kind in RecordKind::ALL {
            ids.push((kind, id));
        }
    }
    for (kind, id) in ids {
        crate::with_record_kind!(kind, T => {
            if let Some(stored) = read_current::<T>(snapshot, id)? {
                T::collection_mut(&mut before).push(stored);
            }
        });
    }
    for kind in RecordKind::ALL {
        crate::with_record_kind!(kind, T => {
            let context = &T::collection(data)[incoming[kind_index(kind)]..];
            T::collection_mut(&mut before).extend(context.iter().cloned());
        });
    }
    let mut found = HashSet::new();
    for problem in before.validate() {
        if let [Segment::Field(collection), Segment::Index(index), ..] = problem.path.segments()
            && let Some(kind) = RecordKind::ALL
                .into_iter()
                .find(|k| k.collection() == collection)
        {
            let id = crate::with_record_kind!(kind, T => T::collection(&before).get(*index).map(Record::uuid));
            if let Some(id) = id {
                found.insert(key(RecordRef { kind, id }, &problem));
            }
        }
    }
    Ok(found)
}

/// A problem the batch causes in a stored record, placed on that record by
/// id (`groups.<id>.chairs[0]`), since it has no place in the batch.
fn on_stored(data: &Dataset, record: RecordRef, problem: Problem) -> Problem {
    let label = crate::with_record_kind!(record.kind, T => T::collection(data)
        .iter()
        .find(|r| r.uuid() == record.id)
        .map(|r| r.label().to_owned()))
    .unwrap_or_default();
    let mut path = Path::root(record.kind.collection()).field(&record.id.to_string());
    for segment in problem.path.segments().get(2..).unwrap_or_default() {
        path = match segment {
            Segment::Field(name) => path.field(name),
            Segment::Index(index) => path.index(*index),
        };
    }
    Problem {
        path,
        code: problem.code,
        message: format!(
            "stored {} {label:?} ({}): {}",
            record.kind, record.id, problem.message
        ),
        severity: problem.severity,
    }
}
