//! Each kind's records as the table its import reads: the import's column
//! names, references by natural key, lists as the readers split them.
//!
//! This is the export that comes back in ([`kind_table`]): written as CSV
//! ([`write_table`](super::write_table)) or as a workbook
//! ([`workbook::write_table`](crate::io::workbook::write_table)), it reads
//! back into the store it came from changing nothing, and into a fresh
//! store (kind by kind, in [`CsvKind::ALL`]'s order) as the same records.
//!
//! A reference is written as what the reader resolves to that record
//! alone: the record's name or title, else an organisation's IATI org-id,
//! else its id, which always resolves. A reference to a record of the same
//! file (a parent) is written by name only when the parent's row comes
//! first, as a reader needs it. Dates are dates; a column with a date known
//! only to its month or year has a `_precision` column beside it. Each
//! kind holds what its import reads and no more: what no column holds (a
//! person's other affiliations, an agreement's amendments, a contribution's
//! payments, a project's budgets, a group's earlier names, an indicator's
//! values in words) stays as stored in the store the file goes back to.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, BooleanArray, Date32Array, Decimal128Array, RecordBatch, StringArray};
use arrow_schema::{ArrowError, Field, Schema};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::CsvKind;
use super::rows::{NameIndex, organisation_index};
use crate::model::record::Record;
use crate::model::*;
use crate::{Error, Result};

/// The records of `kind` in `data` as the table a file of that kind is
/// read from, as the [module](self) describes.
pub fn kind_table(data: &Dataset, kind: CsvKind) -> Result<RecordBatch> {
    let mut names = Names::of(data);
    let mut t = Table::default();
    match kind {
        CsvKind::Contributions => contributions(data, &mut names, &mut t),
        CsvKind::Organisations => organisations(data, &mut names, &mut t),
        CsvKind::People => people(data, &mut names, &mut t),
        CsvKind::Projects => projects(data, &mut names, &mut t),
        CsvKind::Agreements => agreements(data, &mut names, &mut t),
        CsvKind::Indicators => indicators(data, &mut names, &mut t),
        CsvKind::Groups => groups(data, &mut names, &mut t),
        CsvKind::Memberships => memberships(data, &mut names, &mut t),
        CsvKind::Notes => notes(data, &mut names, &mut t),
    }
    t.finish()
}

/// What a reader resolves each record by.
struct Names {
    organisations: NameIndex<OrganisationId>,
    people: NameIndex<PersonId>,
    projects: NameIndex<ProjectId>,
    agreements: NameIndex<AgreementId>,
    groups: NameIndex<GroupId>,
}

impl Names {
    fn of(data: &Dataset) -> Self {
        Self {
            organisations: organisation_index(&data.organisations),
            people: NameIndex::of("person", &data.people),
            projects: NameIndex::of("project", &data.projects),
            agreements: NameIndex::of("agreement", &data.agreements),
            groups: NameIndex::of("group", &data.groups),
        }
    }
}

/// The first of `candidates` that `index` resolves to `id` alone, else
/// the id.
fn key<I: Copy + Eq + std::hash::Hash + std::fmt::Display>(
    index: &mut NameIndex<I>,
    id: I,
    candidates: &[&str],
) -> String {
    candidates
        .iter()
        .find(|c| !c.trim().is_empty() && index.resolve(c).ok() == Some(id))
        .map_or_else(|| id.to_string(), |c| (*c).to_owned())
}

fn organisation(names: &mut Names, data: &Dataset, id: OrganisationId) -> String {
    match data.organisation(id) {
        Some(org) => {
            let iati = org.iati_org_id().unwrap_or_default();
            key(&mut names.organisations, id, &[&org.name, iati])
        }
        None => id.to_string(),
    }
}

fn labelled<T: Record>(index: &mut NameIndex<T::Id>, records: &[T], id: T::Id) -> String
where
    T::Id: Copy + Eq + std::hash::Hash + std::fmt::Display,
{
    match records.iter().find(|r| r.id() == id) {
        Some(record) => key(index, id, &[record.label()]),
        None => id.to_string(),
    }
}

/// A reference to a record of the same file, by name only when its row
/// comes before `at`'s.
fn earlier<T: Record>(index: &mut NameIndex<T::Id>, records: &[T], at: usize, id: T::Id) -> String
where
    T::Id: Copy + Eq + std::hash::Hash + std::fmt::Display,
{
    match records.iter().position(|r| r.id() == id) {
        Some(p) if p < at => key(index, id, &[records[p].label()]),
        _ => id.to_string(),
    }
}

fn enum_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => other.map(|v| v.to_string()).unwrap_or_default(),
    }
}

/// Columns under construction.
#[derive(Default)]
struct Table {
    fields: Vec<Field>,
    arrays: Vec<ArrayRef>,
}

impl Table {
    fn push(&mut self, name: &str, array: ArrayRef) {
        self.fields
            .push(Field::new(name, array.data_type().clone(), true));
        self.arrays.push(array);
    }

    fn text<S: AsRef<str>>(&mut self, name: &str, values: impl IntoIterator<Item = Option<S>>) {
        let array: StringArray = values.into_iter().collect();
        self.push(name, Arc::new(array));
    }

    fn list<S: AsRef<str>>(&mut self, name: &str, values: impl IntoIterator<Item = Vec<S>>) {
        let mut builder = ListBuilder::new(StringBuilder::new());
        for row in values {
            for value in row {
                builder.values().append_value(value);
            }
            builder.append(true);
        }
        self.push(name, Arc::new(builder.finish()));
    }

    fn boolean(&mut self, name: &str, values: impl IntoIterator<Item = bool>) {
        let array: BooleanArray = values.into_iter().map(Some).collect();
        self.push(name, Arc::new(array));
    }

    /// Dates as dates (each one's first day), and a `_precision` column
    /// when any is known only to its month or year.
    fn date(&mut self, name: &str, values: Vec<Option<PartialDate>>) {
        let days = |d: NaiveDate| (d - NaiveDate::default()).num_days() as i32;
        let array: Date32Array = values
            .iter()
            .map(|d| d.map(|d| days(d.earliest())))
            .collect();
        self.push(name, Arc::new(array));
        if values
            .iter()
            .flatten()
            .any(|d| d.precision() != Precision::Day)
        {
            let precision = values.iter().map(|d| {
                d.map(|d| match d.precision() {
                    Precision::Year => "year",
                    Precision::Month => "month",
                    Precision::Day => "day",
                })
            });
            self.text(&format!("{name}_precision"), precision);
        }
    }

    /// Decimals as a decimal column at the scale of the most precise, or,
    /// where 38 digits cannot hold them all at one scale, as their text:
    /// never rounded to fit.
    fn decimal(&mut self, name: &str, values: Vec<Option<Decimal>>) {
        let scale = values
            .iter()
            .flatten()
            .map(|v| v.normalize().scale())
            .max()
            .unwrap_or(0);
        let mantissas: Option<Vec<Option<i128>>> = values
            .iter()
            .map(|v| match v {
                None => Some(None),
                Some(v) => {
                    let v = v.normalize();
                    10i128
                        .checked_pow(scale - v.scale())
                        .and_then(|f| v.mantissa().checked_mul(f))
                        .filter(|m| m.unsigned_abs() < 10u128.pow(38))
                        .map(Some)
                }
            })
            .collect();
        let array = mantissas.and_then(|m| {
            Decimal128Array::from(m)
                .with_precision_and_scale(38, scale as i8)
                .ok()
        });
        match array {
            Some(array) => self.push(name, Arc::new(array)),
            None => self.text(name, values.iter().map(|v| v.map(|v| v.to_string()))),
        }
    }

    fn finish(self) -> Result<RecordBatch> {
        RecordBatch::try_new(Arc::new(Schema::new(self.fields)), self.arrays).map_err(
            |e: ArrowError| Error::Parse {
                what: "table",
                input: String::new(),
                reason: e.to_string(),
            },
        )
    }
}

fn ids<T: Record>(records: &[T]) -> Vec<Option<String>> {
    records.iter().map(|r| Some(r.uuid().to_string())).collect()
}

fn contributions(data: &Dataset, names: &mut Names, t: &mut Table) {
    let rows = &data.contributions;
    t.text("id", ids(rows));
    let orgs: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                organisation(names, data, r.donor),
                organisation(names, data, r.recipient),
            )
        })
        .collect();
    t.text("donor", orgs.iter().map(|(d, _)| Some(d)));
    t.text("recipient", orgs.iter().map(|(_, r)| Some(r)));
    t.text("kind", rows.iter().map(|r| Some(enum_name(&r.kind))));
    t.decimal(
        "amount",
        rows.iter()
            .map(|r| r.value.money().map(|m| m.amount))
            .collect(),
    );
    t.text(
        "currency",
        rows.iter()
            .map(|r| r.value.money().map(|m| m.currency.code())),
    );
    t.text(
        "basis",
        rows.iter().map(|r| {
            Some(match r.value {
                ContributionValue::Unknown => "unknown",
                ContributionValue::Actual { .. } => "actual",
                ContributionValue::Estimated { .. } => "estimated",
            })
        }),
    );
    t.date("received_on", rows.iter().map(|r| r.date).collect());
    t.date(
        "period_start",
        rows.iter().map(|r| r.period.start).collect(),
    );
    t.date("period_end", rows.iter().map(|r| r.period.end).collect());
    let projects: Vec<Option<String>> = rows
        .iter()
        .map(|r| {
            r.project
                .map(|p| labelled(&mut names.projects, &data.projects, p))
        })
        .collect();
    t.text("project", projects);
    let agreements: Vec<Option<String>> = rows
        .iter()
        .map(|r| {
            r.agreement
                .map(|a| labelled(&mut names.agreements, &data.agreements, a))
        })
        .collect();
    t.text("agreement", agreements);
    t.text("description", rows.iter().map(|r| r.description.as_deref()));
}

fn organisations(data: &Dataset, names: &mut Names, t: &mut Table) {
    let rows = &data.organisations;
    t.text("id", ids(rows));
    t.text("name", rows.iter().map(|r| Some(&r.name)));
    t.text("kind", rows.iter().map(|r| Some(enum_name(&r.kind))));
    t.text("acronym", rows.iter().map(|r| r.acronym.as_deref()));
    t.list("aliases", rows.iter().map(|r| r.aliases.clone()));
    t.text(
        "country",
        rows.iter().map(|r| r.country.map(|c| c.as_str())),
    );
    let parents: Vec<Option<String>> = rows
        .iter()
        .enumerate()
        .map(|(at, r)| {
            r.parent.map(|p| match rows.iter().position(|o| o.id == p) {
                Some(before) if before < at => organisation(names, data, p),
                _ => p.to_string(),
            })
        })
        .collect();
    t.text("parent", parents);
    t.text("iati_org_id", rows.iter().map(|r| r.iati_org_id()));
    t.text("website", rows.iter().map(|r| r.website.as_deref()));
    t.text("description", rows.iter().map(|r| r.description.as_deref()));
}

fn people(data: &Dataset, names: &mut Names, t: &mut Table) {
    let rows = &data.people;
    t.text("id", ids(rows));
    t.text("name", rows.iter().map(|r| (!r.erased).then_some(&r.name)));
    // One affiliation a row: the first; the others stay as stored.
    let first = |r: &Person| r.affiliations.first().cloned();
    let orgs: Vec<Option<String>> = rows
        .iter()
        .map(|r| first(r).map(|a| organisation(names, data, a.organisation)))
        .collect();
    t.text("organisation", orgs);
    t.text("title", rows.iter().map(|r| first(r).and_then(|a| a.title)));
    t.date(
        "from",
        rows.iter()
            .map(|r| first(r).and_then(|a| a.period.start))
            .collect(),
    );
    t.date(
        "to",
        rows.iter()
            .map(|r| first(r).and_then(|a| a.period.end))
            .collect(),
    );
    t.text("email", rows.iter().map(|r| r.contact.email.as_deref()));
    t.text("phone", rows.iter().map(|r| r.contact.phone.as_deref()));
    t.text("description", rows.iter().map(|r| r.description.as_deref()));
    t.boolean("erased", rows.iter().map(|r| r.erased));
}

fn projects(data: &Dataset, names: &mut Names, t: &mut Table) {
    let rows = &data.projects;
    t.text("id", ids(rows));
    t.text("title", rows.iter().map(|r| Some(&r.title)));
    t.text(
        "iati_identifier",
        rows.iter().map(|r| r.iati_identifier.as_deref()),
    );
    t.text("acronym", rows.iter().map(|r| r.acronym.as_deref()));
    t.list("aliases", rows.iter().map(|r| r.aliases.clone()));
    t.list(
        "countries",
        rows.iter()
            .map(|r| r.countries.iter().map(|c| c.as_str()).collect()),
    );
    t.list("places", rows.iter().map(|r| r.places.clone()));
    t.list("themes", rows.iter().map(|r| r.themes.clone()));
    t.list(
        "sectors",
        rows.iter()
            .map(|r| r.sectors.iter().map(|s| s.as_str()).collect()),
    );
    t.list(
        "other_sectors",
        rows.iter()
            .map(|r| r.other_sectors.iter().map(ToString::to_string).collect()),
    );
    t.date("start", rows.iter().map(|r| r.period.start).collect());
    t.date("end", rows.iter().map(|r| r.period.end).collect());
    t.text(
        "status",
        rows.iter().map(|r| r.status.map(|s| enum_name(&s))),
    );
    let leads: Vec<Option<String>> = rows
        .iter()
        .map(|r| r.lead_office.map(|o| organisation(names, data, o)))
        .collect();
    t.text("lead_office", leads);
    let parents: Vec<Option<String>> = rows
        .iter()
        .enumerate()
        .map(|(at, r)| r.parent.map(|p| earlier(&mut names.projects, rows, at, p)))
        .collect();
    t.text("parent", parents);
    for (column, role) in super::projects::ROLE_COLUMNS {
        let partners: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                r.partners
                    .iter()
                    .filter(|p| p.role == role)
                    .map(|p| organisation(names, data, p.organisation))
                    .collect()
            })
            .collect();
        t.list(column, partners);
    }
    t.text("description", rows.iter().map(|r| r.description.as_deref()));
}

fn agreements(data: &Dataset, names: &mut Names, t: &mut Table) {
    let rows = &data.agreements;
    t.text("id", ids(rows));
    t.text("title", rows.iter().map(|r| Some(&r.title)));
    t.text("kind", rows.iter().map(|r| Some(enum_name(&r.kind))));
    // `ORGANISATION=role|role`, as the reader takes parties.
    let parties: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.parties
                .iter()
                .map(|p| {
                    let mut party = organisation(names, data, p.organisation);
                    for (i, role) in p.roles.iter().enumerate() {
                        party.push(if i == 0 { '=' } else { '|' });
                        party.push_str(&enum_name(role));
                    }
                    party
                })
                .collect()
        })
        .collect();
    t.list("parties", parties);
    t.date("signed", rows.iter().map(|r| r.signed).collect());
    t.date("start", rows.iter().map(|r| r.effective.start).collect());
    t.date("end", rows.iter().map(|r| r.effective.end).collect());
    t.text(
        "status",
        rows.iter().map(|r| r.status.map(|s| enum_name(&s))),
    );
    t.text("purpose", rows.iter().map(|r| r.purpose.as_deref()));
    let projects: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.projects
                .iter()
                .map(|&p| labelled(&mut names.projects, &data.projects, p))
                .collect()
        })
        .collect();
    t.list("projects", projects);
}

fn indicators(data: &Dataset, names: &mut Names, t: &mut Table) {
    // One row per value; an indicator without values has one row alone.
    let mut rows: Vec<(&Indicator, Option<(&'static str, &Observation)>)> = Vec::new();
    for indicator in &data.indicators {
        let values: Vec<(&'static str, &Observation)> = indicator
            .baseline
            .iter()
            .map(|o| ("baseline", o))
            .chain(indicator.targets.iter().map(|o| ("target", o)))
            .chain(indicator.actuals.iter().map(|o| ("actual", o)))
            .filter(|(_, o)| o.value.is_some())
            .collect();
        if values.is_empty() {
            rows.push((indicator, None));
        }
        rows.extend(values.into_iter().map(|v| (indicator, Some(v))));
    }
    t.text("id", rows.iter().map(|(i, _)| Some(i.id.to_string())));
    let projects: Vec<Option<String>> = rows
        .iter()
        .map(|(i, _)| Some(labelled(&mut names.projects, &data.projects, i.project)))
        .collect();
    t.text("project", projects);
    t.text("indicator", rows.iter().map(|(i, _)| Some(&i.title)));
    t.text("unit", rows.iter().map(|(i, _)| Some(&i.unit)));
    t.text(
        "measure",
        rows.iter().map(|(i, _)| Some(enum_name(&i.measure))),
    );
    t.text(
        "aggregation",
        rows.iter().map(|(i, _)| Some(enum_name(&i.aggregation))),
    );
    t.text("observation", rows.iter().map(|(_, v)| v.map(|(k, _)| k)));
    t.decimal(
        "value",
        rows.iter()
            .map(|(_, v)| v.and_then(|(_, o)| o.value))
            .collect(),
    );
    t.text(
        "qualifier",
        rows.iter()
            .map(|(_, v)| v.map(|(_, o)| enum_name(&o.qualifier))),
    );
    t.date(
        "from",
        rows.iter()
            .map(|(_, v)| v.and_then(|(_, o)| o.period.start))
            .collect(),
    );
    t.date(
        "to",
        rows.iter()
            .map(|(_, v)| v.and_then(|(_, o)| o.period.end))
            .collect(),
    );
    t.text(
        "comment",
        rows.iter()
            .map(|(_, v)| v.and_then(|(_, o)| o.comment.as_deref())),
    );
}

/// A group's current name, as the groups reader updates it.
fn current_name(group: &Group) -> Option<&GroupName> {
    group
        .names
        .iter()
        .max_by_key(|n| (n.period.end.is_none(), n.period.start))
}

fn groups(data: &Dataset, names: &mut Names, t: &mut Table) {
    let rows = &data.groups;
    t.text("id", ids(rows));
    t.text(
        "name",
        rows.iter().map(|r| current_name(r).map(|n| &n.name)),
    );
    t.text("kind", rows.iter().map(|r| Some(enum_name(&r.kind))));
    t.text(
        "acronym",
        rows.iter()
            .map(|r| current_name(r).and_then(|n| n.acronym.as_deref())),
    );
    t.list(
        "aliases",
        rows.iter()
            .map(|r| current_name(r).map_or_else(Vec::new, |n| n.aliases.clone())),
    );
    let parents: Vec<Option<String>> = rows
        .iter()
        .enumerate()
        .map(|(at, r)| r.parent.map(|p| earlier(&mut names.groups, rows, at, p)))
        .collect();
    t.text("parent", parents);
    t.date("from", rows.iter().map(|r| r.period.start).collect());
    t.date("to", rows.iter().map(|r| r.period.end).collect());
    t.text("purpose", rows.iter().map(|r| r.purpose.as_deref()));
    t.text("contact", rows.iter().map(|r| r.contact.as_deref()));
}

fn memberships(data: &Dataset, names: &mut Names, t: &mut Table) {
    // A row per seat: memberships, then chair terms.
    let mut rows: Vec<(&Group, OrganisationId, &'static str, Period)> = Vec::new();
    for group in &data.groups {
        for m in &group.memberships {
            rows.push((group, m.organisation, "member", m.period));
        }
        for c in &group.chairs {
            let role = match c.role {
                ChairRole::CoChair => "co_chair",
                _ => "chair",
            };
            rows.push((group, c.organisation, role, c.period));
        }
    }
    let groups: Vec<Option<String>> = rows
        .iter()
        .map(|(g, ..)| Some(labelled(&mut names.groups, &data.groups, g.id)))
        .collect();
    t.text("group", groups);
    let orgs: Vec<Option<String>> = rows
        .iter()
        .map(|(_, o, ..)| Some(organisation(names, data, *o)))
        .collect();
    t.text("organisation", orgs);
    t.text("role", rows.iter().map(|(_, _, r, _)| Some(*r)));
    t.date("from", rows.iter().map(|(.., p)| p.start).collect());
    t.date("to", rows.iter().map(|(.., p)| p.end).collect());
}

fn notes(data: &Dataset, names: &mut Names, t: &mut Table) {
    let rows = &data.notes;
    t.text("id", ids(rows));
    t.text("kind", rows.iter().map(|r| Some(enum_name(&r.kind))));
    t.text("title", rows.iter().map(|r| r.title.as_deref()));
    t.text("text", rows.iter().map(|r| Some(&r.text)));
    t.text("language", rows.iter().map(|r| r.language.as_deref()));
    t.date("date", rows.iter().map(|r| r.date).collect());
    t.text("place", rows.iter().map(|r| r.place.as_deref()));
    let organisations: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.links
                .organisations
                .iter()
                .map(|&o| organisation(names, data, o))
                .collect()
        })
        .collect();
    t.list("organisations", organisations);
    let people: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.links
                .people
                .iter()
                .map(|&p| labelled(&mut names.people, &data.people, p))
                .collect()
        })
        .collect();
    t.list("people", people);
    let projects: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.links
                .projects
                .iter()
                .map(|&p| labelled(&mut names.projects, &data.projects, p))
                .collect()
        })
        .collect();
    t.list("projects", projects);
    let agreements: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.links
                .agreements
                .iter()
                .map(|&a| labelled(&mut names.agreements, &data.agreements, a))
                .collect()
        })
        .collect();
    t.list("agreements", agreements);
    let groups: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.links
                .groups
                .iter()
                .map(|&g| labelled(&mut names.groups, &data.groups, g))
                .collect()
        })
        .collect();
    t.list("groups", groups);
    // Contributions have no name: by id.
    t.list(
        "contributions",
        rows.iter().map(|r| {
            r.links
                .contributions
                .iter()
                .map(ToString::to_string)
                .collect()
        }),
    );
}
