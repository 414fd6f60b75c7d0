//! Validation: one call checks a whole [`Dataset`] and returns every problem.
//!
//! Rules live one file per entity. Each walks its records with a shared
//! [`Index`] of ids, so that references are checked in constant time, and
//! pushes [`Problem`]s into a [`Checker`]; nothing stops at the first problem.

mod agreements;
mod contributions;
mod groups;
mod indicators;
mod notes;
mod organisations;
mod people;
mod problem;
mod projects;

use std::collections::hash_map::Entry;
use std::hash::Hash;

pub use problem::{Code, Path, Problem, Report, Segment, Severity};

use crate::model::ids::IdMap;
use crate::model::money::MoneyProblem;
use crate::model::{
    AgreementId, ContributionId, Dataset, GroupId, Money, OrganisationId, Period, PersonId,
    ProjectId, RecordKind,
};

/// The references through which a record's validity depends on what the
/// record it refers to holds, not only on its existence, as
/// `(referred-to kind, field, referring kind)`: a working group with no
/// member list of its own draws its (co-)chairs from its parent group
/// (`group.chair_not_member`), and a project must fit its parent's period
/// (`project.outside_parent_period`). Changing the record referred to can
/// break the one that refers, so a store checks these referrers again on
/// every write. A rule that judges a record by another's content belongs
/// here too.
pub const DEPENDENT_REFERENCES: &[(RecordKind, &str, RecordKind)] = &[
    (RecordKind::Group, "parent", RecordKind::Group),
    (RecordKind::Project, "parent", RecordKind::Project),
];

/// Checks every rule against `data` and returns every problem found.
pub fn validate(data: &Dataset) -> Report {
    let mut checker = Checker::default();
    let index = Index::build(data, &mut checker);
    organisations::check(data, &index, &mut checker);
    people::check(data, &index, &mut checker);
    agreements::check(data, &index, &mut checker);
    contributions::check(data, &index, &mut checker);
    projects::check(data, &index, &mut checker);
    indicators::check(data, &index, &mut checker);
    groups::check(data, &index, &mut checker);
    notes::check(data, &index, &mut checker);
    Report::new(checker.problems)
}

/// Positions of every record by id, so rules can resolve references.
pub(crate) struct Index {
    pub organisations: IdMap<OrganisationId, usize>,
    pub people: IdMap<PersonId, usize>,
    pub agreements: IdMap<AgreementId, usize>,
    pub contributions: IdMap<ContributionId, usize>,
    pub projects: IdMap<ProjectId, usize>,
    pub groups: IdMap<GroupId, usize>,
}

impl Index {
    fn build(data: &Dataset, checker: &mut Checker) -> Self {
        let index = Self {
            organisations: positions(
                "organisations",
                data.organisations.iter().map(|r| r.id),
                checker,
            ),
            people: positions("people", data.people.iter().map(|r| r.id), checker),
            agreements: positions("agreements", data.agreements.iter().map(|r| r.id), checker),
            contributions: positions(
                "contributions",
                data.contributions.iter().map(|r| r.id),
                checker,
            ),
            projects: positions("projects", data.projects.iter().map(|r| r.id), checker),
            groups: positions("groups", data.groups.iter().map(|r| r.id), checker),
        };
        // Nothing refers to indicators or notes, so their ids are only checked for duplicates.
        positions("indicators", data.indicators.iter().map(|r| r.id), checker);
        positions("notes", data.notes.iter().map(|r| r.id), checker);
        index
    }
}

fn positions<I: Hash + Eq + Copy + std::fmt::Display>(
    collection: &str,
    ids: impl Iterator<Item = I>,
    checker: &mut Checker,
) -> IdMap<I, usize> {
    let mut map = IdMap::with_capacity_and_hasher(ids.size_hint().0, Default::default());
    for (position, id) in ids.enumerate() {
        match map.entry(id) {
            Entry::Vacant(slot) => {
                slot.insert(position);
            }
            Entry::Occupied(first) => checker.error(
                Path::root(collection).index(position).field("id"),
                Code::DuplicateId,
                format!("id {id} is already used by {collection}[{}]", first.get()),
            ),
        }
    }
    map
}

/// Collects problems, with helpers for the checks every entity shares.
///
/// Helpers take the path as a closure: it is built only when there is a
/// problem to report, which keeps a clean million-record run allocation-light.
#[derive(Default)]
pub(crate) struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    /// How many problems have been found so far.
    pub fn len(&self) -> usize {
        self.problems.len()
    }

    pub fn error(&mut self, path: Path, code: Code, message: impl Into<String>) {
        self.push(path, code, message, Severity::Error);
    }

    pub fn warning(&mut self, path: Path, code: Code, message: impl Into<String>) {
        self.push(path, code, message, Severity::Warning);
    }

    fn push(&mut self, path: Path, code: Code, message: impl Into<String>, severity: Severity) {
        self.problems.push(Problem {
            path,
            code,
            message: message.into(),
            severity,
        });
    }

    /// A reference must name a record that exists.
    pub fn reference<I: Hash + Eq + std::fmt::Display>(
        &mut self,
        path: impl FnOnce() -> Path,
        id: &I,
        targets: &IdMap<I, usize>,
        kind: &str,
    ) {
        if !targets.contains_key(id) {
            self.error(
                path(),
                Code::DanglingReference,
                format!("no {kind} has id {id}"),
            );
        }
    }

    /// A required text must not be blank.
    pub fn text(&mut self, path: impl FnOnce() -> Path, text: &str, what: &str) {
        if text.trim().is_empty() {
            self.error(path(), Code::EmptyText, format!("{what} is empty"));
        }
    }

    /// A period must not end before it starts.
    pub fn period(&mut self, path: impl FnOnce() -> Path, period: &Period) {
        if period.is_reversed() {
            self.error(
                path(),
                Code::EndBeforeStart,
                format!("the period ends before it starts ({period})"),
            );
        }
    }

    /// An amount must be positive; it may have any number of decimals.
    pub fn money(&mut self, path: impl Fn() -> Path, money: &Money) {
        for problem in money.problems() {
            match problem {
                MoneyProblem::NotPositive => self.error(
                    path(),
                    Code::MoneyNotPositive,
                    format!("amount {money} is not positive"),
                ),
            }
        }
    }

    /// Amounts whose total a rule needs sum beyond exact arithmetic.
    pub fn overflow(&mut self, path: Path, what: &str) {
        self.error(
            path,
            Code::MoneyOverflow,
            format!(
                "{what} cannot be totalled exactly: {}",
                crate::model::exact::LIMIT
            ),
        );
    }
}

/// Positions of the records that are their own ancestor through `parent`.
///
/// Walks each chain once, colouring nodes, so a long chain costs O(n) in all.
pub(crate) fn records_in_cycles(len: usize, parent: impl Fn(usize) -> Option<usize>) -> Vec<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Unseen,
        OnPath,
        Done,
    }
    let mut state = vec![State::Unseen; len];
    let mut in_cycle = vec![false; len];
    let mut path = Vec::new();
    for start in 0..len {
        let mut node = Some(start);
        while let Some(current) = node {
            match state[current] {
                State::Done => break,
                State::OnPath => {
                    // The chain came back to a node on this path: from there on is a cycle.
                    let from = path.iter().position(|&n| n == current).unwrap_or(0);
                    for &member in &path[from..] {
                        in_cycle[member] = true;
                    }
                    break;
                }
                State::Unseen => {
                    state[current] = State::OnPath;
                    path.push(current);
                    node = parent(current);
                }
            }
        }
        for n in path.drain(..) {
            state[n] = State::Done;
        }
    }
    (0..len).filter(|&i| in_cycle[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::records_in_cycles;

    #[test]
    fn finds_only_records_on_cycles() {
        // 0 -> 1 -> 2 -> 0 is a cycle; 3 -> 0 leads into it; 4 is a root; 5 -> 5.
        let parents = [Some(1), Some(2), Some(0), Some(0), None, Some(5)];
        assert_eq!(
            records_in_cycles(parents.len(), |i| parents[i]),
            vec![0, 1, 2, 5]
        );
        assert!(records_in_cycles(3, |i| if i > 0 { Some(i - 1) } else { None }).is_empty());
    }
}
