//! Every kind of record as a flat Arrow table, for analysts' data frames.
//!
//! One table per entity, plus one per nested list (an agreement's parties, a
//! group's memberships), so that every cell is a plain value or a list of
//! them. Money is `decimal128(38, s)` beside its currency, `s` the most
//! decimals an amount of the column has and at least 4; indicator values and
//! percents are `decimal128(38, 6)`. So every stored figure is in its table
//! exactly, and a column 38 digits cannot hold at one scale is an error,
//! never a cut (the bounds are in
//! [`exact`](crate::model::exact#amount-bounds)). Dates are `date32`. A date known only to a month or year is given as its first day
//! (for a start or a single date) or last day (for an end); in the record
//! tables a `_precision` column beside every date says how precise the source
//! is. References are ids. Text columns are Arrow string views, which polars
//! takes over without copying.
//!
//! The record tables, one per kind of CSV file (`organisations`, `people`,
//! `projects`, `agreements`, `contributions`, `indicators`, `groups`,
//! `memberships`, `notes`), are written by
//! [`write_table`](crate::io::csv::write_table) as files the CSV readers
//! read back into the records they came from: every column is one the
//! reader of that kind takes, under its name or the table's
//! ([`CsvKind::synonyms`](crate::io::csv::CsvKind::synonyms)), and a record
//! keeps its id. What a record table has no column for (a person's
//! affiliations, a contribution's payments) is in the nested tables, and a
//! re-read record keeps it as stored.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder, StringViewBuilder};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Int64Array, RecordBatch, StringViewArray,
};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::model::exact;
use crate::model::*;
use crate::{Error, Result};

/// The fewest decimal places of a money column: enough for every ISO 4217
/// minor unit ([`exact::MONEY_DECIMALS`]). A column whose amounts have more
/// takes as many as its most precise amount has.
pub const MONEY_SCALE: i8 = exact::MONEY_DECIMALS as i8;
/// The fewest decimal places of an indicator value or percent column, all
/// a value may have ([`exact::VALUE_DECIMALS`]).
pub const VALUE_SCALE: i8 = exact::VALUE_DECIMALS as i8;
/// Digits of every decimal column: Arrow's widest `decimal128`. They hold
/// every `Decimal` (29 digits) at up to 9 decimals, and a column of
/// amounts as precise as publishers write them (12 decimals beside 10^20);
/// a column that cannot hold all its values at one scale is an error,
/// never a cut.
pub const DECIMAL_PRECISION: u8 = 38;

const MONEY: u32 = exact::MONEY_DECIMALS;
const VALUE: u32 = exact::VALUE_DECIMALS;

/// The names of the tables, in the order [`table`] knows them.
pub const TABLES: &[&str] = &[
    "organisations",
    "people",
    "affiliations",
    "agreements",
    "agreement_parties",
    "contributions",
    "payments",
    "allocations",
    "projects",
    "project_partners",
    "budgets",
    "indicators",
    "observations",
    "groups",
    "group_names",
    "memberships",
    "chairs",
    "notes",
];

/// The kinds of record a table is made from: what a store reads to build it.
pub fn kinds_of(name: &str) -> Result<&'static [RecordKind]> {
    Ok(match name {
        "organisations" => &[RecordKind::Organisation],
        "people" | "affiliations" => &[RecordKind::Person],
        "agreements" | "agreement_parties" => &[RecordKind::Agreement],
        "contributions" | "payments" | "allocations" => &[RecordKind::Contribution],
        "projects" | "project_partners" | "budgets" => &[RecordKind::Project],
        "indicators" | "observations" => &[RecordKind::Indicator],
        "groups" | "group_names" | "memberships" | "chairs" => &[RecordKind::Group],
        "notes" => &[RecordKind::Note],
        other => return Err(unknown_table(other)),
    })
}

fn unknown_table(name: &str) -> Error {
    Error::Parse {
        what: "table name",
        input: name.to_owned(),
        reason: format!("expected one of {}", TABLES.join(", ")),
    }
}

/// Columns that hold a code from a fixed list (a kind, a status, a
/// currency, a date's precision), which a frame library holds best as a
/// category.
const CODE_COLUMNS: &[&str] = &[
    "kind",
    "status",
    "basis",
    "currency",
    "role",
    "type",
    "qualifier",
    "aggregation",
    "measure",
    "country",
    "donor_kind",
    "language",
    "unit",
    "rate_kind",
];

/// Whether the column `name` holds codes (see [`CODE_COLUMNS`]): pandas
/// gets these as categoricals.
pub fn is_code_column(name: &str) -> bool {
    CODE_COLUMNS.contains(&name) || name.ends_with("_precision")
}

/// One table of a data set as an Arrow record batch. Each column holding a
/// reference has the record's name or title beside it (`donor_name`,
/// `project_title`), looked up in the same data set.
pub fn table(data: &Dataset, name: &str) -> Result<RecordBatch> {
    labelled_table(data, data, name)
}

/// [`table`] of `data`, naming the records its references point to from
/// `labels`: for a subset of a larger data set (one group's chairs, a
/// day's members) whose references lead outside it.
pub fn labelled_table(data: &Dataset, labels: &Dataset, name: &str) -> Result<RecordBatch> {
    let table = TABLES.iter().copied().find(|t| *t == name).unwrap_or("");
    let mut c = Columns::of(table);
    let l = &Labels::of(labels);
    match name {
        "organisations" => organisations(&data.organisations, &mut c),
        "people" => people(&data.people, &mut c),
        "affiliations" => affiliations(&data.people, &mut c, l),
        "agreements" => agreements(&data.agreements, &mut c),
        "agreement_parties" => agreement_parties(&data.agreements, &mut c, l),
        "contributions" => contributions(&data.contributions, &mut c, l)?,
        "payments" => payments(&data.contributions, &mut c)?,
        "allocations" => allocations(&data.contributions, &mut c, l)?,
        "projects" => projects(&data.projects, &mut c),
        "project_partners" => project_partners(&data.projects, &mut c, l),
        "budgets" => budgets(&data.projects, &mut c)?,
        "indicators" => indicators(&data.indicators, &mut c, l),
        "observations" => observations(&data.indicators, &mut c)?,
        "groups" => groups(&data.groups, &mut c),
        "group_names" => group_names(&data.groups, &mut c),
        "memberships" => memberships(&data.groups, &mut c, l),
        "chairs" => chairs(&data.groups, &mut c, l),
        "notes" => notes(&data.notes, &mut c),
        other => return Err(unknown_table(other)),
    }
    c.finish()
}

/// The kinds whose records a table's references name ([`Labels`]): what a
/// table read in chunks ([`table_in_chunks`]) reads whole beside them.
pub const LABELLED_KINDS: [RecordKind; 5] = [
    RecordKind::Organisation,
    RecordKind::Person,
    RecordKind::Agreement,
    RecordKind::Project,
    RecordKind::Group,
];

/// [`labelled_table`] of records that come a chunk at a time: `chunks`
/// calls its argument with each chunk, in order, its references named from
/// `labels`. Each chunk's columns are made as a whole table's are, and
/// their decimals are brought to the finest scale any chunk has, so the
/// table equals the one made of all the records at once. For a table of
/// a kind outside [`LABELLED_KINDS`], whose rows each come from one record.
pub fn table_in_chunks(
    labels: &Dataset,
    name: &str,
    chunks: impl FnOnce(&mut dyn FnMut(&Dataset) -> Result<()>) -> Result<()>,
) -> Result<RecordBatch> {
    let mut batches = Vec::new();
    chunks(&mut |chunk| {
        batches.push(labelled_table(chunk, labels, name)?);
        Ok(())
    })?;
    let Some(first) = batches.first() else {
        return labelled_table(&Dataset::new(), labels, name);
    };
    let schema = first.schema();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    for batch in &batches[1..] {
        for (field, other) in fields.iter_mut().zip(batch.schema().fields()) {
            if let (DataType::Decimal128(_, a), DataType::Decimal128(_, b)) =
                (field.data_type(), other.data_type())
                && b > a
            {
                *field = field.clone().with_data_type(other.data_type().clone());
            }
        }
    }
    let schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    let mut columns: Vec<Vec<ArrayRef>> =
        vec![Vec::with_capacity(batches.len()); schema.fields().len()];
    for batch in &batches {
        for (at, (array, field)) in batch.columns().iter().zip(schema.fields()).enumerate() {
            let array = if array.data_type() == field.data_type() {
                array.clone()
            } else {
                // A finer scale: exact, or an error where 38 digits cannot hold a value.
                arrow_cast::cast::cast_with_options(
                    array,
                    field.data_type(),
                    &arrow_cast::CastOptions {
                        safe: false,
                        ..Default::default()
                    },
                )
                .map_err(arrow)?
            };
            columns[at].push(array);
        }
    }
    let arrays = columns
        .iter()
        .map(|parts| {
            let parts: Vec<&dyn arrow_array::Array> = parts.iter().map(|a| a.as_ref()).collect();
            arrow_select::concat::concat(&parts).map_err(arrow)
        })
        .collect::<Result<Vec<ArrayRef>>>()?;
    RecordBatch::try_new(schema, arrays).map_err(arrow)
}

/// The name or title of every record a column can refer to, by id.
struct Labels<'a>(std::collections::HashMap<uuid::Uuid, &'a str>);

impl<'a> Labels<'a> {
    fn of(data: &'a Dataset) -> Self {
        fn add<'a, T: Record>(
            records: &'a [T],
            into: &mut std::collections::HashMap<uuid::Uuid, &'a str>,
        ) {
            into.extend(records.iter().map(|r| (r.uuid(), r.label())));
        }
        let mut map = std::collections::HashMap::new();
        add(&data.organisations, &mut map);
        add(&data.people, &mut map);
        add(&data.agreements, &mut map);
        add(&data.projects, &mut map);
        add(&data.groups, &mut map);
        Self(map)
    }

    fn of_id(&self, id: uuid::Uuid) -> Option<&'a str> {
        self.0.get(&id).copied()
    }
}

/// Columns under construction.
#[derive(Default)]
struct Columns {
    /// The table's name, for errors.
    table: &'static str,
    fields: Vec<Field>,
    arrays: Vec<ArrayRef>,
}

impl Columns {
    fn of(table: &'static str) -> Self {
        Self {
            table,
            ..Self::default()
        }
    }
}

fn days(date: NaiveDate) -> i32 {
    // Days since 1970-01-01, Arrow's date32; every date chrono holds fits.
    (date - NaiveDate::default()).num_days() as i32
}

fn precision(date: &PartialDate) -> &'static str {
    match date.precision() {
        Precision::Year => "year",
        Precision::Month => "month",
        Precision::Day => "day",
    }
}

fn arrow(error: ArrowError) -> Error {
    Error::Parse {
        what: "table",
        input: String::new(),
        reason: error.to_string(),
    }
}

impl Columns {
    fn push(&mut self, name: &str, array: ArrayRef, nullable: bool) {
        self.fields
            .push(Field::new(name, array.data_type().clone(), nullable));
        self.arrays.push(array);
    }

    fn id(&mut self, name: &str, values: impl Iterator<Item = Option<uuid::Uuid>>) {
        // Formatted in place: a million ids should not mean a million allocations.
        let mut builder = StringViewBuilder::with_capacity(values.size_hint().0);
        let mut buffer = uuid::Uuid::encode_buffer();
        for value in values {
            match value {
                Some(id) => builder.append_value(id.hyphenated().encode_lower(&mut buffer)),
                None => builder.append_null(),
            }
        }
        let strings = builder.finish();
        // Only a record's own id is never missing.
        self.push(name, Arc::new(strings), name != "id");
    }

    /// A reference column and, beside it, the label of what it refers to.
    fn reference(
        &mut self,
        name: &str,
        label: &str,
        labels: &Labels<'_>,
        values: impl Iterator<Item = Option<uuid::Uuid>> + Clone,
    ) {
        self.id(name, values.clone());
        self.text(label, values.map(|id| id.and_then(|id| labels.of_id(id))));
    }

    fn text<'a>(&mut self, name: &str, values: impl Iterator<Item = Option<&'a str>>) {
        let array: StringViewArray = values.collect();
        self.push(name, Arc::new(array), true);
    }

    fn list<S: AsRef<str>>(&mut self, name: &str, values: impl Iterator<Item = Vec<S>>) {
        let mut builder = ListBuilder::new(StringBuilder::new());
        for row in values {
            for value in row {
                builder.values().append_value(value);
            }
            builder.append(true);
        }
        self.push(name, Arc::new(builder.finish()), true);
    }

    /// A list of ids, for a record's references to several others.
    fn ids<I: Into<RecordRef> + Copy + 'static>(
        &mut self,
        name: &str,
        values: impl Iterator<Item = Vec<I>>,
    ) {
        self.list(
            name,
            values.map(|ids| {
                ids.into_iter()
                    .map(|id| uuid_of(id).to_string())
                    .collect::<Vec<_>>()
            }),
        );
    }

    fn boolean(&mut self, name: &str, values: impl Iterator<Item = bool>) {
        let array: BooleanArray = values.map(Some).collect();
        self.push(name, Arc::new(array), false);
    }

    fn count(&mut self, name: &str, values: impl Iterator<Item = usize>) {
        let array: Int64Array = values.map(|v| Some(v as i64)).collect();
        self.push(name, Arc::new(array), false);
    }

    fn day(&mut self, name: &str, values: impl Iterator<Item = Option<NaiveDate>>) {
        let array: Date32Array = values.map(|d| d.map(days)).collect();
        self.push(name, Arc::new(array), true);
    }

    /// A single date: its first day, and how precise it is.
    fn date(&mut self, name: &str, values: impl Iterator<Item = Option<PartialDate>> + Clone) {
        self.day(name, values.clone().map(|d| d.map(|d| d.earliest())));
        let precision_name = format!("{name}_precision");
        self.text(&precision_name, values.map(|d| d.as_ref().map(precision)));
    }

    /// A period, as [`Columns::period`] gives it, each end beside its
    /// precision: for the record tables, which read back as records.
    fn precise_period(&mut self, prefix: &str, values: impl Iterator<Item = Period> + Clone) {
        self.day(
            &format!("{prefix}start"),
            values.clone().map(|p| p.start.map(|d| d.earliest())),
        );
        self.text(
            &format!("{prefix}start_precision"),
            values.clone().map(|p| p.start.as_ref().map(precision)),
        );
        self.day(
            &format!("{prefix}end"),
            values.clone().map(|p| p.end.map(|d| d.latest())),
        );
        self.text(
            &format!("{prefix}end_precision"),
            values.map(|p| p.end.as_ref().map(precision)),
        );
    }

    /// A period: the first day of its start and the last day of its end.
    fn period(&mut self, prefix: &str, values: impl Iterator<Item = Period> + Clone) {
        self.day(
            &format!("{prefix}start"),
            values.clone().map(|p| p.start.map(|d| d.earliest())),
        );
        self.day(
            &format!("{prefix}end"),
            values.map(|p| p.end.map(|d| d.latest())),
        );
    }

    /// A `decimal128(38, scale)` column holding every value exactly: its
    /// scale is the most decimals any value has (trailing zeros aside), and
    /// at least `least`. Each cell is the value's digits at that scale,
    /// widened exactly in an `i128`. When 38 digits cannot hold every value
    /// at one scale (10^28 beside 10^-20), nothing is cut to fit:
    /// [`Error::Overflow`] names the two values' records (`record` gives
    /// a row's record, where it has one).
    fn decimal(
        &mut self,
        name: &str,
        least: u32,
        values: impl Iterator<Item = Option<Decimal>>,
        record: impl Fn(usize) -> Option<RecordRef>,
    ) -> Result<()> {
        let values: Vec<Option<Decimal>> = values.collect();
        // The finest value sets the scale; `normalize` drops trailing zeros,
        // which are no loss.
        let (finest, scale) = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i, v.normalize().scale())))
            .max_by_key(|(i, scale)| (*scale, std::cmp::Reverse(*i)))
            .filter(|(_, scale)| *scale > least)
            .map_or((None, least), |(i, scale)| (Some(i), scale));
        let mut mantissas = Vec::with_capacity(values.len());
        for (i, value) in values.iter().enumerate() {
            mantissas.push(match value {
                None => None,
                Some(value) => Some(mantissa_at(*value, scale).ok_or_else(|| {
                    let fine = finest.and_then(|at| values[at]);
                    let mut records: Vec<RecordRef> = record(i).into_iter().collect();
                    if let Some(other) = finest.and_then(&record)
                        && !records.contains(&other)
                    {
                        records.push(other);
                    }
                    Error::Overflow {
                        what: format!(
                            "the Arrow column {}{name}, a decimal128 of {DECIMAL_PRECISION} \
                             digits, holding {value}{} at one scale ({scale} decimals)",
                            if self.table.is_empty() {
                                String::new()
                            } else {
                                format!("{}.", self.table)
                            },
                            fine.map_or_else(String::new, |f| format!(" and {f}")),
                        ),
                        records,
                    }
                })?),
            });
        }
        // `scale` is at most 28, a `Decimal`'s most.
        let array = Decimal128Array::from(mantissas)
            .with_precision_and_scale(DECIMAL_PRECISION, scale as i8)
            .map_err(arrow)?;
        self.push(name, Arc::new(array), true);
        Ok(())
    }

    fn finish(self) -> Result<RecordBatch> {
        RecordBatch::try_new(Arc::new(Schema::new(self.fields)), self.arrays).map_err(arrow)
    }
}

/// The digits of `value` at `scale` decimals, as a `decimal128` cell holds
/// them: 10^25 at 4 decimals is 10^29, which `Decimal::rescale` would
/// silently take to 3 decimals instead. `None` when they are more than a
/// cell's 38 digits, or when `value` has more decimals than `scale`.
fn mantissa_at(value: Decimal, scale: u32) -> Option<i128> {
    // Trailing zeros beyond the scale are no loss.
    let value = if value.scale() > scale {
        value.normalize()
    } else {
        value
    };
    if value.scale() > scale {
        return None;
    }
    10i128
        .checked_pow(scale - value.scale())
        .and_then(|factor| value.mantissa().checked_mul(factor))
        .filter(|m| m.unsigned_abs() < 10u128.pow(u32::from(DECIMAL_PRECISION)))
}

fn uuid_of(id: impl Into<RecordRef>) -> uuid::Uuid {
    id.into().id
}

fn organisations(rows: &[Organisation], c: &mut Columns) {
    c.id("id", rows.iter().map(|r| Some(uuid_of(r.id))));
    c.text("name", rows.iter().map(|r| Some(r.name.as_str())));
    c.text("acronym", rows.iter().map(|r| r.acronym.as_deref()));
    c.list(
        "aliases",
        rows.iter()
            .map(|r| r.aliases.iter().map(String::as_str).collect()),
    );
    c.text("kind", rows.iter().map(|r| Some(r.kind.as_str())));
    c.text(
        "country",
        rows.iter().map(|r| r.country.map(CountryCode::as_str)),
    );
    c.id("parent", rows.iter().map(|r| r.parent.map(uuid_of)));
    c.text("iati_org_id", rows.iter().map(|r| r.iati_org_id()));
    c.text("website", rows.iter().map(|r| r.website.as_deref()));
    c.text("description", rows.iter().map(|r| r.description.as_deref()));
}

fn people(rows: &[Person], c: &mut Columns) {
    c.id("id", rows.iter().map(|r| Some(uuid_of(r.id))));
    c.text("name", rows.iter().map(|r| Some(r.name.as_str())));
    c.text("email", rows.iter().map(|r| r.contact.email.as_deref()));
    c.text("phone", rows.iter().map(|r| r.contact.phone.as_deref()));
    c.text("description", rows.iter().map(|r| r.description.as_deref()));
    c.boolean("erased", rows.iter().map(|r| r.erased));
}

fn affiliations(rows: &[Person], c: &mut Columns, l: &Labels<'_>) {
    let flat: Vec<(&Person, &Affiliation)> = rows
        .iter()
        .flat_map(|p| p.affiliations.iter().map(move |a| (p, a)))
        .collect();
    c.id("person", flat.iter().map(|(p, _)| Some(uuid_of(p.id))));
    c.reference(
        "organisation",
        "organisation_name",
        l,
        flat.iter().map(|(_, a)| Some(uuid_of(a.organisation))),
    );
    c.text("title", flat.iter().map(|(_, a)| a.title.as_deref()));
    c.period("", flat.iter().map(|(_, a)| a.period));
}

fn agreements(rows: &[Agreement], c: &mut Columns) {
    c.id("id", rows.iter().map(|r| Some(uuid_of(r.id))));
    c.text("title", rows.iter().map(|r| Some(r.title.as_str())));
    c.text("kind", rows.iter().map(|r| Some(r.kind.as_str())));
    c.text("status", rows.iter().map(|r| r.status.map(|s| s.as_str())));
    c.date("signed", rows.iter().map(|r| r.signed));
    c.precise_period("effective_", rows.iter().map(|r| r.effective));
    // `ORGANISATION=role|role`, as the agreements reader takes parties.
    c.list(
        "parties",
        rows.iter().map(|r| {
            r.parties
                .iter()
                .map(|p| {
                    let mut party = uuid_of(p.organisation).to_string();
                    for (i, role) in p.roles.iter().enumerate() {
                        party.push(if i == 0 { '=' } else { '|' });
                        party.push_str(role.as_str());
                    }
                    party
                })
                .collect::<Vec<_>>()
        }),
    );
    c.text("purpose", rows.iter().map(|r| r.purpose.as_deref()));
    c.ids("projects", rows.iter().map(|r| r.projects.clone()));
}

fn agreement_parties(rows: &[Agreement], c: &mut Columns, l: &Labels<'_>) {
    let flat: Vec<(&Agreement, &Party)> = rows
        .iter()
        .flat_map(|a| a.parties.iter().map(move |p| (a, p)))
        .collect();
    c.reference(
        "agreement",
        "agreement_title",
        l,
        flat.iter().map(|(a, _)| Some(uuid_of(a.id))),
    );
    c.reference(
        "organisation",
        "organisation_name",
        l,
        flat.iter().map(|(_, p)| Some(uuid_of(p.organisation))),
    );
    c.list(
        "roles",
        flat.iter()
            .map(|(_, p)| p.roles.iter().map(|r| r.as_str()).collect()),
    );
}

fn contributions(rows: &[Contribution], c: &mut Columns, l: &Labels<'_>) -> Result<()> {
    c.id("id", rows.iter().map(|r| Some(uuid_of(r.id))));
    c.text("kind", rows.iter().map(|r| Some(r.kind.as_str())));
    c.reference(
        "donor",
        "donor_name",
        l,
        rows.iter().map(|r| Some(uuid_of(r.donor))),
    );
    c.reference(
        "recipient",
        "recipient_name",
        l,
        rows.iter().map(|r| Some(uuid_of(r.recipient))),
    );
    c.text(
        "basis",
        rows.iter().map(|r| {
            Some(match r.value {
                ContributionValue::Unknown => "unknown",
                ContributionValue::Actual { .. } => "actual",
                ContributionValue::Estimated { .. } => "estimated",
            })
        }),
    );
    c.decimal(
        "amount",
        MONEY,
        rows.iter().map(|r| r.value.money().map(|m| m.amount)),
        |i| rows.get(i).map(|r| r.id.into()),
    )?;
    c.text(
        "currency",
        rows.iter()
            .map(|r| r.value.money().map(|m| m.currency.code())),
    );
    c.date("date", rows.iter().map(|r| r.date));
    c.precise_period("period_", rows.iter().map(|r| r.period));
    c.reference(
        "project",
        "project_title",
        l,
        rows.iter().map(|r| r.project.map(uuid_of)),
    );
    c.reference(
        "agreement",
        "agreement_title",
        l,
        rows.iter().map(|r| r.agreement.map(uuid_of)),
    );
    c.text("description", rows.iter().map(|r| r.description.as_deref()));
    Ok(())
}

fn payments(rows: &[Contribution], c: &mut Columns) -> Result<()> {
    let flat: Vec<(&Contribution, &Payment)> = rows
        .iter()
        .flat_map(|r| r.payments.iter().map(move |p| (r, p)))
        .collect();
    c.id(
        "contribution",
        flat.iter().map(|(r, _)| Some(uuid_of(r.id))),
    );
    c.date("date", flat.iter().map(|(_, p)| Some(p.date)));
    c.decimal(
        "amount",
        MONEY,
        flat.iter().map(|(_, p)| Some(p.amount.amount)),
        |i| flat.get(i).map(|(r, _)| r.id.into()),
    )?;
    c.text(
        "currency",
        flat.iter().map(|(_, p)| Some(p.amount.currency.code())),
    );
    Ok(())
}

fn allocations(rows: &[Contribution], c: &mut Columns, l: &Labels<'_>) -> Result<()> {
    let flat: Vec<(&Contribution, &Allocation)> = rows
        .iter()
        .flat_map(|r| r.allocations.iter().map(move |a| (r, a)))
        .collect();
    c.id(
        "contribution",
        flat.iter().map(|(r, _)| Some(uuid_of(r.id))),
    );
    c.reference(
        "project",
        "project_title",
        l,
        flat.iter().map(|(_, a)| Some(uuid_of(a.project))),
    );
    let record = |i: usize| flat.get(i).map(|(r, _)| r.id.into());
    c.decimal("amount", MONEY, flat.iter().map(|(_, a)| a.amount), record)?;
    c.text(
        "currency",
        flat.iter()
            .map(|(r, a)| a.amount.and(r.value.money()).map(|m| m.currency.code())),
    );
    c.decimal(
        "percent",
        VALUE,
        flat.iter().map(|(_, a)| a.percent),
        record,
    )?;
    Ok(())
}

fn projects(rows: &[Project], c: &mut Columns) {
    c.id("id", rows.iter().map(|r| Some(uuid_of(r.id))));
    c.text("title", rows.iter().map(|r| Some(r.title.as_str())));
    c.text(
        "iati_identifier",
        rows.iter().map(|r| r.iati_identifier.as_deref()),
    );
    c.text("acronym", rows.iter().map(|r| r.acronym.as_deref()));
    c.list(
        "aliases",
        rows.iter()
            .map(|r| r.aliases.iter().map(String::as_str).collect()),
    );
    c.list(
        "countries",
        rows.iter()
            .map(|r| r.countries.iter().map(|c| c.as_str()).collect()),
    );
    c.list(
        "places",
        rows.iter()
            .map(|r| r.places.iter().map(String::as_str).collect()),
    );
    c.list(
        "themes",
        rows.iter()
            .map(|r| r.themes.iter().map(String::as_str).collect()),
    );
    c.list(
        "sectors",
        rows.iter()
            .map(|r| r.sectors.iter().map(|s| s.as_str()).collect()),
    );
    let other_sectors: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.other_sectors.iter().map(ToString::to_string).collect())
        .collect();
    c.list(
        "other_sectors",
        other_sectors
            .iter()
            .map(|list| list.iter().map(String::as_str).collect()),
    );
    c.precise_period("", rows.iter().map(|r| r.period));
    c.text("status", rows.iter().map(|r| r.status.map(|s| s.as_str())));
    c.id(
        "lead_office",
        rows.iter().map(|r| r.lead_office.map(uuid_of)),
    );
    c.id("parent", rows.iter().map(|r| r.parent.map(uuid_of)));
    c.text("description", rows.iter().map(|r| r.description.as_deref()));
}

fn project_partners(rows: &[Project], c: &mut Columns, l: &Labels<'_>) {
    let flat: Vec<(&Project, &ProjectPartner)> = rows
        .iter()
        .flat_map(|r| r.partners.iter().map(move |p| (r, p)))
        .collect();
    c.reference(
        "project",
        "project_title",
        l,
        flat.iter().map(|(r, _)| Some(uuid_of(r.id))),
    );
    c.reference(
        "organisation",
        "organisation_name",
        l,
        flat.iter().map(|(_, p)| Some(uuid_of(p.organisation))),
    );
    c.text("role", flat.iter().map(|(_, p)| Some(p.role.as_str())));
    c.period("", flat.iter().map(|(_, p)| p.period));
}

/// Every project's budgets, a row each, in the project's order. The amount
/// is a money column like every other, as precise as its most precise
/// budget (IATI files hold budgets such as GBP 773095490.018433700040).
fn budgets(rows: &[Project], c: &mut Columns) -> Result<()> {
    let flat: Vec<(&Project, &Budget)> = rows
        .iter()
        .flat_map(|r| r.budgets.iter().map(move |b| (r, b)))
        .collect();
    c.id("project", flat.iter().map(|(r, _)| Some(uuid_of(r.id))));
    c.text(
        "project_title",
        flat.iter().map(|(r, _)| Some(r.title.as_str())),
    );
    c.text("kind", flat.iter().map(|(_, b)| Some(b.kind.as_str())));
    c.text("status", flat.iter().map(|(_, b)| Some(b.status.as_str())));
    c.period("", flat.iter().map(|(_, b)| b.period));
    c.decimal(
        "amount",
        MONEY,
        flat.iter().map(|(_, b)| Some(b.value.amount)),
        |i| flat.get(i).map(|(r, _)| RecordRef::from(r.id)),
    )?;
    c.text(
        "currency",
        flat.iter().map(|(_, b)| Some(b.value.currency.code())),
    );
    c.day(
        "value_date",
        flat.iter().map(|(_, b)| b.value_date.map(|d| d.earliest())),
    );
    Ok(())
}

fn indicators(rows: &[Indicator], c: &mut Columns, l: &Labels<'_>) {
    c.id("id", rows.iter().map(|r| Some(uuid_of(r.id))));
    c.reference(
        "project",
        "project_title",
        l,
        rows.iter().map(|r| Some(uuid_of(r.project))),
    );
    c.text("title", rows.iter().map(|r| Some(r.title.as_str())));
    c.text("unit", rows.iter().map(|r| Some(r.unit.as_str())));
    c.text("measure", rows.iter().map(|r| Some(r.measure.as_str())));
    c.text(
        "aggregation",
        rows.iter().map(|r| Some(r.aggregation.as_str())),
    );
}

fn observations(rows: &[Indicator], c: &mut Columns) -> Result<()> {
    let flat: Vec<(&Indicator, &'static str, &Observation)> = rows
        .iter()
        .flat_map(|r| {
            r.baseline
                .iter()
                .map(move |o| (r, "baseline", o))
                .chain(r.targets.iter().map(move |o| (r, "target", o)))
                .chain(r.actuals.iter().map(move |o| (r, "actual", o)))
        })
        .collect();
    c.id(
        "indicator",
        flat.iter().map(|(r, _, _)| Some(uuid_of(r.id))),
    );
    c.text("type", flat.iter().map(|(_, t, _)| Some(*t)));
    c.decimal("value", VALUE, flat.iter().map(|(_, _, o)| o.value), |i| {
        flat.get(i).map(|(r, _, _)| r.id.into())
    })?;
    c.text(
        "qualifier",
        flat.iter().map(|(_, _, o)| Some(o.qualifier.as_str())),
    );
    c.period("", flat.iter().map(|(_, _, o)| o.period));
    c.text("comment", flat.iter().map(|(_, _, o)| o.comment.as_deref()));
    Ok(())
}

/// The name [`Group::current_name`] gives.
fn current_name(group: &Group) -> Option<&GroupName> {
    group
        .names
        .iter()
        .max_by_key(|n| (n.period.end.is_none(), n.period.start))
}

fn groups(rows: &[Group], c: &mut Columns) {
    c.id("id", rows.iter().map(|r| Some(uuid_of(r.id))));
    c.text("name", rows.iter().map(|r| Some(r.current_name())));
    c.text(
        "acronym",
        rows.iter()
            .map(|r| current_name(r).and_then(|n| n.acronym.as_deref())),
    );
    c.list(
        "aliases",
        rows.iter().map(|r| {
            current_name(r)
                .map_or_else(Vec::new, |n| n.aliases.iter().map(String::as_str).collect())
        }),
    );
    c.text("kind", rows.iter().map(|r| Some(r.kind.as_str())));
    c.id("parent", rows.iter().map(|r| r.parent.map(uuid_of)));
    c.precise_period("", rows.iter().map(|r| r.period));
    c.text("contact", rows.iter().map(|r| r.contact.as_deref()));
    c.text("purpose", rows.iter().map(|r| r.purpose.as_deref()));
}

fn group_names(rows: &[Group], c: &mut Columns) {
    let flat: Vec<(&Group, &GroupName)> = rows
        .iter()
        .flat_map(|g| g.names.iter().map(move |n| (g, n)))
        .collect();
    c.id("group", flat.iter().map(|(g, _)| Some(uuid_of(g.id))));
    c.text("name", flat.iter().map(|(_, n)| Some(n.name.as_str())));
    c.text("acronym", flat.iter().map(|(_, n)| n.acronym.as_deref()));
    c.period("", flat.iter().map(|(_, n)| n.period));
}

fn memberships(rows: &[Group], c: &mut Columns, l: &Labels<'_>) {
    let flat: Vec<(&Group, &Membership)> = rows
        .iter()
        .flat_map(|g| g.memberships.iter().map(move |m| (g, m)))
        .collect();
    c.reference(
        "group",
        "group_name",
        l,
        flat.iter().map(|(g, _)| Some(uuid_of(g.id))),
    );
    c.reference(
        "organisation",
        "organisation_name",
        l,
        flat.iter().map(|(_, m)| Some(uuid_of(m.organisation))),
    );
    c.precise_period("", flat.iter().map(|(_, m)| m.period));
}

fn chairs(rows: &[Group], c: &mut Columns, l: &Labels<'_>) {
    let flat: Vec<(&Group, &ChairTerm)> = rows
        .iter()
        .flat_map(|g| g.chairs.iter().map(move |t| (g, t)))
        .collect();
    c.reference(
        "group",
        "group_name",
        l,
        flat.iter().map(|(g, _)| Some(uuid_of(g.id))),
    );
    c.reference(
        "organisation",
        "organisation_name",
        l,
        flat.iter().map(|(_, t)| Some(uuid_of(t.organisation))),
    );
    c.text("role", flat.iter().map(|(_, t)| Some(t.role.as_str())));
    c.period("", flat.iter().map(|(_, t)| t.period));
}

fn notes(rows: &[Note], c: &mut Columns) {
    c.id("id", rows.iter().map(|r| Some(uuid_of(r.id))));
    c.text("kind", rows.iter().map(|r| Some(r.kind.as_str())));
    c.text("title", rows.iter().map(|r| r.title.as_deref()));
    c.text("text", rows.iter().map(|r| Some(r.text.as_str())));
    c.text("language", rows.iter().map(|r| r.language.as_deref()));
    c.date("date", rows.iter().map(|r| r.date));
    c.text("place", rows.iter().map(|r| r.place.as_deref()));
    let links = || rows.iter().map(|r| &r.links);
    c.ids("organisations", links().map(|l| l.organisations.clone()));
    c.ids("people", links().map(|l| l.people.clone()));
    c.ids("projects", links().map(|l| l.projects.clone()));
    c.ids("agreements", links().map(|l| l.agreements.clone()));
    c.ids("groups", links().map(|l| l.groups.clone()));
    c.ids("contributions", links().map(|l| l.contributions.clone()));
}

/// A rollup's result as a table: one column per dimension (plus a `_name`
/// column for organisations and projects), the currency, the amounts, the
/// counts, and the rate table's name, date and target when one was used.
pub fn rollup_table(result: &super::rollup::Rollup) -> Result<RecordBatch> {
    // A row's records are its contributions, which the rollup does not
    // list; the error names the figures.
    let none = |_: usize| None;
    let rows: Vec<&super::rollup::RollupRow> = result.rows.iter().collect();
    let mut c = Columns::of("rollup");
    group_columns(&mut c, &result.group_by, &rows);
    c.text(
        "currency",
        rows.iter().map(|r| r.currency.map(|c| c.code())),
    );
    c.decimal("pledged", MONEY, rows.iter().map(|r| r.pledged), none)?;
    c.decimal("received", MONEY, rows.iter().map(|r| r.received), none)?;
    c.decimal(
        "outstanding",
        MONEY,
        rows.iter().map(|r| r.outstanding),
        none,
    )?;
    c.decimal("committed", MONEY, rows.iter().map(|r| r.committed), none)?;
    c.count("contributions", rows.iter().map(|r| r.contributions));
    c.count("unknown_amounts", rows.iter().map(|r| r.unknown_amounts));
    if let Some(conversion) = &result.conversion {
        // A row in another currency than the target holds undated amounts
        // left unconverted: it names no rate table.
        let converted = |r: &&super::rollup::RollupRow| {
            r.currency
                .is_none_or(|currency| currency == conversion.target)
        };
        c.boolean("converted", rows.iter().map(converted));
        c.text(
            "rate_table",
            rows.iter()
                .map(|r| converted(r).then_some(conversion.table.as_str())),
        );
        c.day(
            "rate_table_date",
            rows.iter()
                .map(|r| conversion.date.filter(|_| converted(r))),
        );
        // Which rates each row used, in short; `rollup_rates_table` has them in full.
        let mut used: Vec<Vec<String>> = vec![Vec::new(); rows.len()];
        for u in &result.rates_used {
            let Some(row) = used.get_mut(u.row) else {
                continue;
            };
            let Some(text) = rate_in_short(&u.rate) else {
                continue;
            };
            if !row.contains(&text) {
                row.push(text);
            }
        }
        let used: Vec<Option<String>> = used
            .into_iter()
            .map(|r| (!r.is_empty()).then(|| r.join("; ")))
            .collect();
        c.text("rates_used", used.iter().map(|u| u.as_deref()));
    }
    c.finish()
}

/// A rate as `EUR 2020`, `EUR 2024 for 2025` (an earlier year's, for a
/// missing one) or `EUR from 2008-05-01`; `None` for no conversion.
fn rate_in_short(rate: &super::rates::RateUsed) -> Option<String> {
    let currency = rate.currency.code();
    match (rate.year, rate.amount_year, rate.in_force_from) {
        (Some(year), Some(wanted), _) if year != wanted => {
            Some(format!("{currency} {year} for {wanted}"))
        }
        (Some(year), _, _) => Some(format!("{currency} {year}")),
        (None, _, Some(from)) => Some(format!("{currency} from {from}")),
        (None, _, None) => None,
    }
}

/// The columns of a rollup's dimensions, for each of `rows`.
fn group_columns(
    c: &mut Columns,
    group_by: &[super::rollup::Dimension],
    rows: &[&super::rollup::RollupRow],
) {
    use super::rollup::{Dimension, Key};
    for (i, dimension) in group_by.iter().enumerate() {
        let name = dimension.as_str();
        match dimension {
            Dimension::Year => {
                let years: Int64Array = rows
                    .iter()
                    .map(|r| match r.key[i] {
                        Key::Year(year) => Some(i64::from(year)),
                        _ => None,
                    })
                    .collect();
                c.push(name, Arc::new(years), true);
            }
            Dimension::Donor
            | Dimension::DonorParent
            | Dimension::Recipient
            | Dimension::RecipientParent
            | Dimension::Project => {
                c.id(
                    name,
                    rows.iter().map(|r| match r.key[i] {
                        Key::Organisation(id) => Some(uuid_of(id)),
                        Key::Project(id) => Some(uuid_of(id)),
                        _ => None,
                    }),
                );
                c.text(
                    &format!("{name}_name"),
                    rows.iter().map(|r| r.labels[i].as_deref()),
                );
            }
            _ => {
                let texts: Vec<Option<String>> = rows
                    .iter()
                    .map(|r| (r.key[i] != Key::Unknown).then(|| r.key[i].to_string()))
                    .collect();
                c.text(name, texts.iter().map(|t| t.as_deref()));
            }
        }
    }
}

/// The provenance of a converted rollup: one row per rollup row, part
/// (`value` or `payment`) and rate, with the row's dimensions, the rate and
/// its year or day, each per-US-dollar rate with its source row, how many
/// amounts were converted at it, and their sums before and after. The
/// `value` rows of a rollup row sum to its `committed` total. Rates are
/// text, as exact as the table holds them. Empty (no rows) for a rollup
/// without a rate table.
pub fn rollup_rates_table(result: &super::rollup::Rollup) -> Result<RecordBatch> {
    let uses = &result.rates_used;
    let rows: Vec<&super::rollup::RollupRow> =
        uses.iter().filter_map(|u| result.rows.get(u.row)).collect();
    if rows.len() != uses.len() {
        return Err(Error::Parse {
            what: "rollup",
            input: String::new(),
            reason: "a rate names a row the rollup does not have".to_owned(),
        });
    }
    let mut c = Columns::default();
    group_columns(&mut c, &result.group_by, &rows);
    let table = result.conversion.as_ref();
    c.text(
        "rate_table",
        uses.iter().map(|_| table.map(|t| t.table.as_str())),
    );
    c.text("part", uses.iter().map(|u| Some(u.part.as_str())));
    c.text(
        "currency",
        uses.iter().map(|u| Some(u.rate.currency.code())),
    );
    // A row's records are its contributions, which the rollup does not
    // list; the error names the figures.
    let none = |_: usize| None;
    c.text("target", uses.iter().map(|u| Some(u.rate.target.code())));
    c.count("amounts", uses.iter().map(|u| u.amounts));
    c.decimal(
        "original",
        MONEY,
        uses.iter().map(|u| Some(u.original)),
        none,
    )?;
    c.decimal(
        "converted",
        MONEY,
        uses.iter().map(|u| Some(u.converted)),
        none,
    )?;
    let rates: Vec<Option<String>> = uses
        .iter()
        .map(|u| u.rate.rate.map(|r| r.normalize().to_string()))
        .collect();
    c.text("rate", rates.iter().map(|r| r.as_deref()));
    c.day("in_force_from", uses.iter().map(|u| u.rate.in_force_from));
    let year = |y: Option<i32>| y.map(i64::from);
    c.push(
        "amount_year",
        Arc::new(Int64Array::from_iter(
            uses.iter().map(|u| year(u.rate.amount_year)),
        )),
        true,
    );
    c.push(
        "rate_year",
        Arc::new(Int64Array::from_iter(
            uses.iter().map(|u| year(u.rate.year)),
        )),
        true,
    );
    c.boolean("fell_back", uses.iter().map(|u| u.rate.fell_back()));
    type Leg = fn(&super::rollup::RateUse) -> Option<&super::rates::UsdRate>;
    let legs: [(&str, Leg); 2] = [
        ("currency", |u| u.rate.currency_per_usd.as_ref()),
        ("target", |u| u.rate.target_per_usd.as_ref()),
    ];
    for (prefix, leg) in legs {
        let legs: Vec<Option<&super::rates::UsdRate>> = uses.iter().map(leg).collect();
        let per_usd: Vec<Option<String>> = legs
            .iter()
            .map(|l| l.as_ref().map(|l| l.per_usd.to_string()))
            .collect();
        let sources: Vec<Option<String>> = legs
            .iter()
            .map(|l| l.as_ref().map(ToString::to_string))
            .collect();
        c.text(
            &format!("{prefix}_per_usd"),
            per_usd.iter().map(|t| t.as_deref()),
        );
        c.text(
            &format!("{prefix}_rate_source"),
            sources.iter().map(|t| t.as_deref()),
        );
    }
    c.finish()
}

/// Outcomes against targets as a table, with each project's title.
pub fn outcomes_table(
    data: &Dataset,
    outcomes: &[super::outcomes::Outcome],
) -> Result<RecordBatch> {
    let titles: std::collections::HashMap<ProjectId, &str> = data
        .projects
        .iter()
        .map(|p| (p.id, p.title.as_str()))
        .collect();
    let mut c = Columns::of("outcomes");
    c.id("project", outcomes.iter().map(|o| Some(uuid_of(o.project))));
    c.text(
        "project_title",
        outcomes.iter().map(|o| titles.get(&o.project).copied()),
    );
    c.text("indicator", outcomes.iter().map(|o| Some(o.title.as_str())));
    c.text("unit", outcomes.iter().map(|o| Some(o.unit.as_str())));
    c.text(
        "aggregation",
        outcomes.iter().map(|o| Some(o.aggregation.as_str())),
    );
    let none = |_: usize| None;
    c.decimal("target", VALUE, outcomes.iter().map(|o| o.target), none)?;
    c.decimal("actual", VALUE, outcomes.iter().map(|o| o.actual), none)?;
    c.text(
        "qualifier",
        outcomes.iter().map(|o| Some(o.qualifier.as_str())),
    );
    c.decimal(
        "achievement",
        VALUE,
        outcomes.iter().map(|o| o.achievement),
        none,
    )?;
    c.count("indicators", outcomes.iter().map(|o| o.indicators));
    c.text("source", outcomes.iter().map(|o| Some(o.source.as_str())));
    c.finish()
}

/// The partner network as an edge list, with both ends' names.
pub fn network_table(data: &Dataset, edges: &[super::network::Edge]) -> Result<RecordBatch> {
    let names: std::collections::HashMap<OrganisationId, &str> = data
        .organisations
        .iter()
        .map(|o| (o.id, o.name.as_str()))
        .collect();
    let mut c = Columns::default();
    c.id("source", edges.iter().map(|e| Some(uuid_of(e.source))));
    c.text(
        "source_name",
        edges.iter().map(|e| names.get(&e.source).copied()),
    );
    c.id("target", edges.iter().map(|e| Some(uuid_of(e.target))));
    c.text(
        "target_name",
        edges.iter().map(|e| names.get(&e.target).copied()),
    );
    c.count("agreements", edges.iter().map(|e| e.agreements));
    c.count("projects", edges.iter().map(|e| e.projects));
    c.count("contributions", edges.iter().map(|e| e.contributions));
    c.count("weight", edges.iter().map(|e| e.weight()));
    c.finish()
}

/// Candidate duplicates as a table, best first.
pub fn duplicates_table(candidates: &[super::duplicates::Candidate]) -> Result<RecordBatch> {
    use arrow_array::Float64Array;
    let mut c = Columns::default();
    c.text("kind", candidates.iter().map(|d| Some(d.kind.as_str())));
    c.id("a", candidates.iter().map(|d| Some(d.a)));
    c.text("a_name", candidates.iter().map(|d| Some(d.a_name.as_str())));
    c.id("b", candidates.iter().map(|d| Some(d.b)));
    c.text("b_name", candidates.iter().map(|d| Some(d.b_name.as_str())));
    let scores: Float64Array = candidates.iter().map(|d| Some(d.score)).collect();
    c.push("score", Arc::new(scores), false);
    c.list(
        "reasons",
        candidates
            .iter()
            .map(|d| d.reasons.iter().map(String::as_str).collect()),
    );
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use arrow_schema::DataType;

    #[test]
    fn money_is_decimal_beside_its_currency() {
        let mut data = Dataset::new();
        let a = OrganisationId::new();
        let mut gift = Contribution::new(ContributionKind::Cash, a, a);
        gift.value = ContributionValue::actual(Money::parse("10.125", "KWD").expect("money"));
        gift.date = Some("2007-05".parse().expect("date"));
        data.contributions.push(gift);
        let batch = table(&data, "contributions").expect("builds");
        let amount = batch.column_by_name("amount").expect("amount");
        assert_eq!(amount.data_type(), &DataType::Decimal128(38, MONEY_SCALE));
        let amount = amount
            .as_any()
            .downcast_ref::<Decimal128Array>()
            .expect("decimal");
        assert_eq!(amount.value_as_string(0), "10.1250");
        let date = batch.column_by_name("date").expect("date");
        assert_eq!(date.data_type(), &DataType::Date32);
        let precision = batch.column_by_name("date_precision").expect("precision");
        let precision = precision
            .as_any()
            .downcast_ref::<StringViewArray>()
            .expect("text");
        assert_eq!(precision.value(0), "month");
    }

    fn amounts(data: &Dataset) -> Result<(DataType, Vec<String>)> {
        let batch = table(data, "contributions")?;
        let amount = batch.column_by_name("amount").expect("amount");
        let cells = amount
            .as_any()
            .downcast_ref::<Decimal128Array>()
            .expect("decimal");
        let text = (0..cells.len()).map(|i| cells.value_as_string(i)).collect();
        Ok((amount.data_type().clone(), text))
    }

    fn gifts(amounts: &[&str]) -> Dataset {
        let mut data = Dataset::new();
        let a = OrganisationId::new();
        for amount in amounts {
            let mut gift = Contribution::new(ContributionKind::Cash, a, a);
            gift.value = ContributionValue::actual(Money::parse(amount, "USD").expect("money"));
            data.contributions.push(gift);
        }
        data
    }

    #[test]
    fn a_money_column_is_as_precise_as_its_most_precise_amount() {
        let (kind, cells) =
            amounts(&gifts(&["44414.824494500004", "-12.5", "100.000"])).expect("builds");
        assert_eq!(kind, DataType::Decimal128(38, 12));
        assert_eq!(
            cells,
            ["44414.824494500004", "-12.500000000000", "100.000000000000"]
        );
        // Never fewer than four decimals.
        let (kind, _) = amounts(&gifts(&["1"])).expect("builds");
        assert_eq!(kind, DataType::Decimal128(38, MONEY_SCALE));
        // The largest amount beside a twelve-decimal one still fits.
        let (kind, cells) =
            amounts(&gifts(&["79228162514264337593543950", "0.000000000001"])).expect("builds");
        assert_eq!(kind, DataType::Decimal128(38, 12));
        assert_eq!(cells[0], "79228162514264337593543950.000000000000");
    }

    #[test]
    fn a_column_that_cannot_hold_every_amount_at_one_scale_is_an_error_naming_both() {
        let data = gifts(&["10000000000000000000000000000", "0.00000000000000000001"]);
        let Err(Error::Overflow { what, records }) = amounts(&data) else {
            panic!("38 digits hold 10^28 and 10^-20 at one scale");
        };
        assert!(what.contains("contributions.amount"), "{what}");
        assert!(what.contains("0.00000000000000000001"), "{what}");
        let ids: Vec<RecordRef> = data.contributions.iter().map(|c| c.id.into()).collect();
        assert_eq!(records, ids);
    }

    #[test]
    fn budgets_are_a_table_with_every_decimal_published() {
        let mut data = Dataset::new();
        let mut project = Project::new("Girls' education");
        let period = Period::between(
            "2020-04-01".parse().expect("date"),
            "2021-03".parse().expect("date"),
        );
        let mut precise = Budget::new(
            period,
            Money::parse("773095490.018433700040", "GBP").expect("money"),
        );
        precise.kind = BudgetKind::Revised;
        precise.value_date = Some("2020-05".parse().expect("date"));
        project.budgets = vec![
            Budget::new(period, Money::parse("-5", "GBP").expect("money")),
            precise,
        ];
        data.projects.push(project);
        let batch = table(&data, "budgets").expect("builds");
        let names: Vec<&str> = batch
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        assert_eq!(
            names,
            [
                "project",
                "project_title",
                "kind",
                "status",
                "start",
                "end",
                "amount",
                "currency",
                "value_date"
            ]
        );
        let amount = batch.column_by_name("amount").expect("amount");
        // As many decimals as the finest amount has; its trailing zero is
        // no digit of the value.
        assert_eq!(amount.data_type(), &DataType::Decimal128(38, 11));
        let amount = amount
            .as_any()
            .downcast_ref::<Decimal128Array>()
            .expect("decimal");
        assert_eq!(amount.value_as_string(0), "-5.00000000000");
        assert_eq!(amount.value_as_string(1), "773095490.01843370004");
        let end = batch.column_by_name("end").expect("end");
        let end = end.as_any().downcast_ref::<Date32Array>().expect("days");
        assert_eq!(
            end.value_as_date(1).map(|d| d.to_string()).as_deref(),
            Some("2021-03-31")
        );
        let value_date = batch.column_by_name("value_date").expect("value date");
        assert_eq!(value_date.null_count(), 1);
        // A table of budgets in whole currency units is money as usual.
        data.projects[0].budgets.pop();
        let batch = table(&data, "budgets").expect("builds");
        let amount = batch.column_by_name("amount").expect("amount");
        assert_eq!(amount.data_type(), &DataType::Decimal128(38, MONEY_SCALE));
    }

    #[test]
    fn every_table_builds_for_an_empty_data_set() {
        for name in TABLES {
            assert_eq!(
                table(&Dataset::new(), name).expect("builds").num_rows(),
                0,
                "{name}"
            );
        }
        assert!(table(&Dataset::new(), "nope").is_err());
    }
}
