//! Rollups a PostgreSQL store totals itself, in SQL, so that only the rows
//! of the result leave the server: no contribution is loaded into memory.
//!
//! [`rollup::rollup`](super::rollup::rollup) is the reference. The SQL
//! here totals in `numeric`, exactly, and orders and labels rows as the
//! reference does, for what it covers: totals per currency or converted
//! with a rate table, grouped by up to four of donor, donor_parent,
//! donor_kind, recipient, recipient_parent, country, year, month and kind,
//! as the store is now, each gift counted at its start.
//!
//! Under conversion, the rate table stays the one place that chooses a
//! rate: the database lists the currencies and days its amounts need, the
//! table chooses a rate for each ([`RateTable::key`]), and the database
//! converts every amount by the table's arithmetic ([`Rule`]), exactly,
//! rounded once as the module [`rates`](super::rates) documents, then
//! totals. The rates each row used come back as the reference lists them.
//!
//! Everything else (projects and themes, which split contributions by
//! their allocations; a spread over periods; a moment in the past) and
//! anything the reference would treat specially (a missing rate, an undated
//! gift it is asked to refuse, a total beyond what it computes with, an
//! organisation a contribution names that this role cannot see) is left to
//! the reference, which then reads what it needs and reports it in full.
//! The contract test (`tests/pushdown.rs`) checks that both agree exactly.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::rates::{RateKey, RateTable, Rule};
use super::rollup::{
    Conversion, Dimension, Key, RatePart, Rollup, RollupRow, Tally, Undated, rate_uses,
};
use crate::model::{
    ContributionKind, Currency, Named, OrganisationId, OrganisationKind, PartialDate,
};
use crate::store::Store;
use crate::{Error, Result};

/// The dimensions the SQL groups by.
const PUSHED: [Dimension; 9] = [
    Dimension::Donor,
    Dimension::DonorParent,
    Dimension::DonorKind,
    Dimension::Recipient,
    Dimension::RecipientParent,
    Dimension::Country,
    Dimension::Year,
    Dimension::Month,
    Dimension::Kind,
];

/// Whether the SQL answers a rollup grouped by `group_by`.
pub fn covers(group_by: &[Dimension]) -> bool {
    group_by.len() <= 4 && group_by.iter().all(|d| PUSHED.contains(d))
}

type Tx<'a> = postgres::Transaction<'a>;

fn fail(e: postgres::Error) -> Error {
    Error::Postgres(e)
}

/// The rollup of `store`'s contributions grouped by `group_by`, per
/// currency or converted with `rates` (undated gifts as `undated` says),
/// totalled by PostgreSQL; `None` when the store is not in PostgreSQL or
/// the reference must answer (see the module docs).
pub fn rollup(
    store: &Store,
    group_by: &[Dimension],
    rates: Option<&RateTable>,
    undated: Undated,
) -> Result<Option<Rollup>> {
    if !covers(group_by) {
        return Ok(None);
    }
    let Some(mut client) = store.postgres_client() else {
        return Ok(None);
    };
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(fail)?;
    // Groups are hashed in memory, not sorted on disk.
    tx.batch_execute("SET LOCAL work_mem = '256MB'")
        .map_err(fail)?;
    // What the reference would key apart: a donor or recipient, or the top
    // of one's parent chain, this role cannot see; or a chain that loops.
    let odd: bool = tx
        .query_one(
            &format!(
                "{ORGANISATIONS} SELECT EXISTS (SELECT 1 FROM tops WHERE top_position IS NULL OR looped)
                 OR EXISTS (SELECT 1 FROM partnercrm.contributions
                            WHERE donor NOT IN (SELECT id FROM orgs) OR recipient NOT IN (SELECT id FROM orgs))"
            ),
            &[],
        )
        .and_then(|row| row.try_get(0))
        .map_err(fail)?;
    if odd {
        return Ok(None);
    }
    let chosen = match rates {
        None => None,
        Some(table) => match choose_rates(&mut tx, table, undated)? {
            Some(chosen) => Some((table, chosen)),
            None => return Ok(None),
        },
    };
    let sql = Sql::new(group_by, chosen.as_ref().map(|(t, _)| *t));
    let params = chosen.as_ref().map(|(t, c)| c.params(t));
    let params: Vec<&(dyn postgres::types::ToSql + Sync)> = match &params {
        Some(p) => p.as_refs(),
        None => Vec::new(),
    };
    let show = std::env::var_os("PARTNERCRM_SHOW_SQL").is_some();
    let totals = sql.totals();
    if show {
        eprintln!("{totals}");
    }
    let rows = tx.query(&totals, &params).map_err(fail)?;
    let n = group_by.len();
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let Some((key, labels, currency)) = read_group(row, group_by)? else {
            return Ok(None);
        };
        let at = 3 * n + 1;
        let (Some(pledged), Some(received), Some(paid)) = (
            exact_total(row, at)?,
            exact_total(row, at + 1)?,
            exact_total(row, at + 2)?,
        ) else {
            // Beyond what the reference computes with: it names the records.
            return Ok(None);
        };
        let Some(outstanding) = crate::model::exact::sub(pledged, paid) else {
            return Ok(None);
        };
        let Some(committed) = crate::model::exact::add(received, outstanding) else {
            return Ok(None);
        };
        let count: i64 = row.try_get(at + 3).map_err(fail)?;
        let unknown: i64 = row.try_get(at + 4).map_err(fail)?;
        let unconverted: i64 = row.try_get(at + 5).map_err(fail)?;
        if unconverted > 0 {
            // Every stored currency and day was given a rate above; should
            // one slip through, the reference answers rather than a total
            // missing an amount.
            return Ok(None);
        }
        let known = |total: Decimal| currency.map(|_| total);
        out.push(RollupRow {
            key,
            labels,
            currency,
            pledged: known(pledged),
            received: known(received),
            outstanding: known(outstanding),
            committed: known(committed),
            contributions: count as usize,
            unknown_amounts: unknown as usize,
        });
    }
    let mut rates_used = Vec::new();
    if let Some((table, chosen)) = &chosen {
        let tallies_sql = sql.tallies();
        if show {
            eprintln!("{tallies_sql}");
        }
        let index: HashMap<(&[Key], Option<Currency>), usize> = out
            .iter()
            .enumerate()
            .map(|(at, r)| ((r.key.as_slice(), r.currency), at))
            .collect();
        let mut by_row: Vec<Vec<Tally>> = vec![Vec::new(); out.len()];
        for row in tx.query(&tallies_sql, &params).map_err(fail)? {
            let Some((key, _, currency)) = read_group(&row, group_by)? else {
                return Ok(None);
            };
            let Some(&at) = index.get(&(key.as_slice(), currency)) else {
                return Ok(None);
            };
            let base = 3 * n + 1;
            let part: String = row.try_get(base).map_err(fail)?;
            let key: Option<i32> = row.try_get(base + 1).map_err(fail)?;
            let amounts: i64 = row.try_get(base + 2).map_err(fail)?;
            let (Some(original), Some(converted)) =
                (exact_total(&row, base + 3)?, exact_total(&row, base + 4)?)
            else {
                return Ok(None);
            };
            by_row[at].push(Tally {
                key: key.map(|i| chosen.keys[i as usize]),
                part: if part == "value" {
                    RatePart::Value
                } else {
                    RatePart::Payment
                },
                amounts: amounts as usize,
                original,
                converted,
            });
        }
        for (at, tallies) in by_row.into_iter().enumerate() {
            rates_used.extend(rate_uses(table, at, tallies));
        }
    }
    tx.commit().map_err(fail)?;
    Ok(Some(Rollup {
        group_by: group_by.to_vec(),
        conversion: rates.map(|t| Conversion {
            table: t.name.clone(),
            date: t.date,
            target: t.target,
        }),
        rows: out,
        rates_used,
    }))
}

/// A total the SQL gave as text, if a `Decimal` holds it exactly.
fn exact_total(row: &postgres::Row, at: usize) -> Result<Option<Decimal>> {
    let text: String = row.try_get(at).map_err(fail)?;
    Ok(Decimal::from_str_exact(&text).ok())
}

/// A result row's group: its key, labels and currency; `None` for a
/// currency partnercrm does not know (the reference reports it).
#[allow(clippy::type_complexity)]
fn read_group(
    row: &postgres::Row,
    group_by: &[Dimension],
) -> Result<Option<(Vec<Key>, Vec<Option<Arc<str>>>, Option<Currency>)>> {
    let n = group_by.len();
    let mut key = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for (i, &dimension) in group_by.iter().enumerate() {
        key.push(read_key(row, 3 * i, dimension)?);
        let label: Option<String> = row.try_get(3 * i + 1).map_err(fail)?;
        labels.push(label.map(Arc::from));
    }
    let currency: Option<String> = row.try_get(3 * n).map_err(fail)?;
    let currency = match currency.map(|c| Currency::from_code(&c)).transpose() {
        Ok(currency) => currency,
        Err(_) => return Ok(None),
    };
    Ok(Some((key, labels, currency)))
}

/// The rates a conversion uses, chosen by the table for every currency
/// and stored day its amounts need.
struct Chosen {
    /// Each stored currency and day (as stored), with its rate's index in `keys`.
    days: Vec<(String, String, i32)>,
    keys: Vec<RateKey>,
}

impl Chosen {
    fn params(&self, table: &RateTable) -> Params {
        let mut p = Params {
            target: table.target.code().to_owned(),
            ..Params::default()
        };
        for (currency, day, key) in &self.days {
            p.currencies.push(currency.clone());
            p.days.push(day.clone());
            p.keys.push(*key);
        }
        for &key in &self.keys {
            // `rule` is `Some` for every key kept (`choose_rates`).
            let (numerator, denominator, annual) = match table.rule(key) {
                Some(Rule::Multiply(rate)) => (rate, Decimal::ONE, false),
                Some(Rule::MultiplyDivide(n, d)) => (n, d, true),
                None => (Decimal::ZERO, Decimal::ONE, false),
            };
            p.numerators.push(numerator.to_string());
            p.denominators.push(denominator.to_string());
            p.annual.push(annual);
        }
        p
    }
}

/// The query parameters of a conversion: the target, the days and their
/// rates' indexes, and each rate's arithmetic.
#[derive(Default)]
struct Params {
    target: String,
    currencies: Vec<String>,
    days: Vec<String>,
    keys: Vec<i32>,
    numerators: Vec<String>,
    denominators: Vec<String>,
    annual: Vec<bool>,
}

impl Params {
    fn as_refs(&self) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
        vec![
            &self.target,
            &self.currencies,
            &self.days,
            &self.keys,
            &self.numerators,
            &self.denominators,
            &self.annual,
        ]
    }
}

/// Which contributions a conversion converts: all but an undated amount in
/// another currency than the target, which stays in its own ($1: the target).
const CONVERTS: &str = "NOT (c.amount IS NOT NULL AND c.currency <> $1
                             AND coalesce(c.date, c.period_start) IS NULL)";

/// Asks the database which currencies and days need a rate and lets the
/// table choose each; `None` where the reference must answer: a rate is
/// missing or overflows, a currency is unknown, or an undated gift is to
/// be refused.
fn choose_rates(tx: &mut Tx<'_>, table: &RateTable, undated: Undated) -> Result<Option<Chosen>> {
    let target = table.target.code();
    if undated == Undated::Error {
        let refused: bool = tx
            .query_one(
                &format!(
                    "SELECT EXISTS (SELECT 1 FROM partnercrm.contributions c WHERE NOT {CONVERTS})"
                ),
                &[&target],
            )
            .and_then(|row| row.try_get(0))
            .map_err(fail)?;
        if refused {
            return Ok(None);
        }
    }
    let needed = tx
        .query(
            &format!(
                "SELECT c.currency, coalesce(c.date, c.period_start)
                 FROM partnercrm.contributions c
                 WHERE c.amount IS NOT NULL AND c.currency <> $1 AND {CONVERTS}
                 UNION
                 SELECT e -> 'amount' ->> 'currency', e ->> 'date'
                 FROM partnercrm.contributions c, jsonb_array_elements(c.payments) e
                 WHERE c.payments IS NOT NULL AND {CONVERTS}
                   AND e -> 'amount' ->> 'currency' <> $1"
            ),
            &[&target],
        )
        .map_err(fail)?;
    let mut chosen = Chosen {
        days: Vec::with_capacity(needed.len()),
        keys: Vec::new(),
    };
    let mut index: HashMap<RateKey, i32> = HashMap::new();
    for row in needed {
        let currency: String = row.try_get(0).map_err(fail)?;
        let day: String = row.try_get(1).map_err(fail)?;
        let (Ok(code), Ok(date)) = (Currency::from_code(&currency), PartialDate::from_str(&day))
        else {
            return Ok(None);
        };
        let Ok(key) = table.key(code, date.earliest()) else {
            return Ok(None);
        };
        if table.rule(key).is_none() {
            return Ok(None);
        }
        let next = chosen.keys.len() as i32;
        let at = *index.entry(key).or_insert_with(|| {
            chosen.keys.push(key);
            next
        });
        chosen.days.push((currency, day, at));
    }
    Ok(Some(chosen))
}

/// The SQL of a pushed-down rollup: the grouping, and the conversion if any.
struct Sql {
    /// `k{i}, l{i}, s{i}` per dimension: key, label and sort value.
    select: String,
    group: String,
    order: String,
    /// The target's decimals, under conversion.
    digits: Option<u32>,
}

impl Sql {
    fn new(group_by: &[Dimension], rates: Option<&RateTable>) -> Self {
        let mut select = String::new();
        for (i, &dimension) in group_by.iter().enumerate() {
            select.push_str(&format!(
                "{} AS k{i}, {} AS l{i}, {} AS s{i}, ",
                key_sql(dimension),
                label_sql(dimension),
                sort_sql(dimension)
            ));
        }
        let mut group: Vec<String> = (0..group_by.len())
            .flat_map(|i| [format!("k{i}"), format!("l{i}"), format!("s{i}")])
            .collect();
        group.push("row_currency".to_owned());
        let mut order: Vec<String> = (0..group_by.len()).map(|i| format!("s{i}")).collect();
        order.push("row_currency COLLATE \"C\" NULLS FIRST".to_owned());
        Self {
            select,
            group: group.join(", "),
            order: order.join(", "),
            digits: rates.map(|t| t.digits().min(28)),
        }
    }

    /// `amount` converted at the rate joined as `r`, by the table's rule:
    /// exact in `numeric`, then rounded once, half away from zero.
    fn converted(&self, amount: &str, r: &str) -> String {
        let d = self.digits.unwrap_or(0);
        // 10^d and 10^-d as exact literals: `numeric` multiplies exactly,
        // while its division rounds to a scale of its own choosing.
        let scale = format!("1{}", "0".repeat(d as usize));
        let unit = match d {
            0 => "1".to_owned(),
            _ => format!("0.{}1", "0".repeat(d as usize - 1)),
        };
        // Half away from zero: floor(|x| × 10^d + 1/2), with `div` (exact,
        // truncating) on positive operands.
        format!(
            "CASE WHEN {r}.annual
                  THEN round(sign({amount}) * div(2 * abs({amount}) * {r}.num * {scale} + {r}.den, 2 * {r}.den) * {unit}, {d})
                  WHEN scale({amount} * {r}.num) > {d} THEN round({amount} * {r}.num, {d})
                  ELSE {amount} * {r}.num END"
        )
    }

    /// Every contribution with its amounts (converted, under conversion),
    /// its row's currency, and what its dimensions need.
    fn dated(&self) -> String {
        let contributions = match self.digits {
            None => "SELECT c.*, c.amount AS value, true AS converts,
                        CASE WHEN c.amount IS NOT NULL THEN c.currency
                             ELSE c.payments -> 0 -> 'amount' ->> 'currency' END AS row_currency,
                        CASE WHEN c.payments IS NOT NULL THEN (
                            SELECT sum((e -> 'amount' ->> 'amount')::numeric)
                            FROM jsonb_array_elements(c.payments) e) END AS paid,
                        0 AS unconverted
                     FROM partnercrm.contributions c"
                .to_owned(),
            Some(_) => format!(
                "SELECT c.*,
                        CASE WHEN NOT c.converts OR c.currency = $1 THEN c.amount
                             ELSE {value} END AS value,
                        CASE WHEN NOT c.converts THEN c.currency
                             WHEN c.amount IS NOT NULL OR c.payments -> 0 IS NOT NULL THEN $1 END
                             AS row_currency,
                        pay.paid,
                        CASE WHEN c.converts AND c.amount IS NOT NULL AND c.currency <> $1
                                  AND r.key IS NULL THEN 1 ELSE 0 END
                        + coalesce(pay.unconverted, 0) AS unconverted,
                        CASE WHEN c.currency <> $1 THEN r.key END AS value_key
                 FROM (SELECT c.*, {CONVERTS} AS converts FROM partnercrm.contributions c) c
                 LEFT JOIN rates r ON c.converts AND r.currency = c.currency
                                  AND r.day = coalesce(c.date, c.period_start)
                 LEFT JOIN pay ON pay.id = c.id",
                value = self.converted("c.amount", "r"),
            ),
        };
        let rates = match self.digits {
            None => String::new(),
            Some(_) => format!(", rates AS (
                SELECT d.currency, d.day, d.key, k.num::numeric AS num, k.den::numeric AS den, k.annual
                FROM unnest($2::text[], $3::text[], $4::int[]) AS d(currency, day, key)
                JOIN unnest($5::text[], $6::text[], $7::bool[]) WITH ORDINALITY AS k(num, den, annual, at)
                  ON k.at = d.key + 1
            ), pay AS (
                -- What was paid on each contribution, converted: one join
                -- of every payment with its rate, not one per contribution.
                SELECT c.id,
                       sum(CASE WHEN NOT c.converts OR e -> 'amount' ->> 'currency' = $1
                                THEN (e -> 'amount' ->> 'amount')::numeric
                                ELSE {payment} END) AS paid,
                       count(*) FILTER (WHERE c.converts AND e -> 'amount' ->> 'currency' <> $1
                                          AND p.key IS NULL) AS unconverted
                FROM (SELECT c.*, {CONVERTS} AS converts FROM partnercrm.contributions c
                      WHERE c.payments IS NOT NULL) c
                CROSS JOIN LATERAL jsonb_array_elements(c.payments) e
                LEFT JOIN rates p ON p.currency = e -> 'amount' ->> 'currency' AND p.day = e ->> 'date'
                GROUP BY c.id
            )",
                payment = self.converted("(e -> 'amount' ->> 'amount')::numeric", "p"),
            ),
        };
        format!(
            "{ORGANISATIONS}{rates}, pieces AS (
                 SELECT c.*,
                        CASE WHEN c.value IS NOT NULL AND c.kind = 'pledge' THEN c.value ELSE 0 END AS pledged,
                        CASE WHEN c.value IS NULL OR c.kind = 'pledge' THEN coalesce(c.paid, 0)
                             ELSE c.value END AS received,
                        CASE WHEN c.value IS NOT NULL AND c.kind = 'pledge' THEN coalesce(c.paid, 0)
                             ELSE 0 END AS paid_on_pledges,
                        c.amount IS NULL AS unknown,
                        coalesce(c.date, c.period_start) AS effective,
                        d.position AS donor_position, d.doc AS donor_doc,
                        r.position AS recipient_position, r.doc AS recipient_doc,
                        d.top AS donor_top, d.top_position AS donor_top_position, d.top_doc AS donor_top_doc,
                        r.top AS recipient_top, r.top_position AS recipient_top_position, r.top_doc AS recipient_top_doc
                 FROM ({contributions}) c
                 JOIN tops d ON d.org = c.donor
                 JOIN tops r ON r.org = c.recipient
             ), dated AS (
                 -- Stored dates are YYYY, YYYY-MM or YYYY-MM-DD.
                 SELECT *, left(effective, 4)::int AS year,
                           CASE WHEN length(effective) >= 7 THEN substr(effective, 6, 2)::int END AS month
                 FROM pieces
             )"
        )
    }

    /// The totals of each group and currency.
    fn totals(&self) -> String {
        format!(
            "{dated}
             SELECT {select} row_currency,
                    sum(pledged)::text, sum(received)::text, sum(paid_on_pledges)::text,
                    count(*), count(*) FILTER (WHERE unknown), sum(unconverted)::bigint
             FROM dated GROUP BY {group} ORDER BY {order}",
            dated = self.dated(),
            select = self.select,
            group = self.group,
            order = self.order,
        )
    }

    /// What each rate converted in each group, under conversion: values,
    /// and payments, each with its amounts in their own currency and converted.
    fn tallies(&self) -> String {
        format!(
            "{dated}, parts AS (
                 SELECT *, 'value' AS part, value_key AS rate, amount AS original, value AS converted
                 FROM dated WHERE converts AND amount IS NOT NULL
                 UNION ALL
                 SELECT dated.*, 'payment', CASE WHEN e -> 'amount' ->> 'currency' <> $1 THEN p.key END,
                        (e -> 'amount' ->> 'amount')::numeric,
                        CASE WHEN e -> 'amount' ->> 'currency' = $1
                             THEN (e -> 'amount' ->> 'amount')::numeric ELSE {payment} END
                 FROM dated, jsonb_array_elements(dated.payments) e
                 LEFT JOIN rates p ON p.currency = e -> 'amount' ->> 'currency' AND p.day = e ->> 'date'
                 WHERE dated.converts AND dated.payments IS NOT NULL
             )
             SELECT {select} row_currency, part, rate, count(*), sum(original)::text, sum(converted)::text
             FROM parts GROUP BY {group}, part, rate ORDER BY {order}",
            dated = self.dated(),
            payment = self.converted("(e -> 'amount' ->> 'amount')::numeric", "p"),
            select = self.select,
            group = self.group,
            order = self.order,
        )
    }
}

/// Every organisation this role sees, with the top of its parent chain
/// (walked as the reference walks it) and that top's position, if seen.
const ORGANISATIONS: &str = "WITH RECURSIVE orgs AS (
         SELECT id, position, doc::jsonb AS doc, (doc::jsonb ->> 'parent')::uuid AS parent
         FROM partnercrm.organisations
     ), up AS (
         SELECT id AS org, id AS at, parent, 0 AS depth FROM orgs
         UNION ALL
         SELECT up.org, o.id, o.parent, up.depth + 1
         FROM up JOIN orgs o ON o.id = up.parent
         WHERE up.parent <> up.org AND up.depth < 10000
     ), ends AS (
         SELECT DISTINCT ON (org) org,
                CASE WHEN parent IS NULL OR parent = org THEN at ELSE parent END AS top,
                depth >= 10000 AS looped
         FROM up ORDER BY org, depth DESC
     ), tops AS (
         SELECT o.id AS org, o.position, o.doc, e.top, t.position AS top_position, t.doc AS top_doc, e.looped
         FROM orgs o JOIN ends e ON e.org = o.id LEFT JOIN orgs t ON t.id = e.top
     )";

fn organisation_kinds() -> String {
    let kinds: Vec<String> = OrganisationKind::ALL
        .iter()
        .map(|k| format!("'{}'", k.as_str()))
        .collect();
    format!("ARRAY[{}]::text[]", kinds.join(", "))
}

fn contribution_kinds() -> String {
    let kinds: Vec<String> = [
        ContributionKind::Cash,
        ContributionKind::InKind,
        ContributionKind::Pledge,
        ContributionKind::Services,
    ]
    .iter()
    .map(|k| format!("'{}'", k.as_str()))
    .collect();
    format!("ARRAY[{}]::text[]", kinds.join(", "))
}

/// A dimension's value: an id, a text, or years and months as numbers.
fn key_sql(dimension: Dimension) -> String {
    match dimension {
        Dimension::Donor => "donor::text".to_owned(),
        Dimension::Recipient => "recipient::text".to_owned(),
        Dimension::DonorParent => "donor_top::text".to_owned(),
        Dimension::RecipientParent => "recipient_top::text".to_owned(),
        Dimension::DonorKind => "donor_doc ->> 'kind'".to_owned(),
        Dimension::Country => "recipient_doc ->> 'country'".to_owned(),
        Dimension::Year => "year::text".to_owned(),
        Dimension::Month => {
            "CASE WHEN month IS NULL THEN NULL ELSE year || '-' || month END".to_owned()
        }
        Dimension::Kind => "kind".to_owned(),
        // Not pushed down (`covers`).
        Dimension::Project | Dimension::Theme => "NULL::text".to_owned(),
    }
}

/// A dimension's label: the name of the organisation it is.
fn label_sql(dimension: Dimension) -> String {
    match dimension {
        Dimension::Donor => "donor_doc ->> 'name'",
        Dimension::Recipient => "recipient_doc ->> 'name'",
        Dimension::DonorParent => "donor_top_doc ->> 'name'",
        Dimension::RecipientParent => "recipient_top_doc ->> 'name'",
        _ => "NULL::text",
    }
    .to_owned()
}

/// What the reference orders rows by for a dimension: positions of
/// records, then values, unknown first.
fn sort_sql(dimension: Dimension) -> String {
    match dimension {
        Dimension::Donor => "donor_position".to_owned(),
        Dimension::Recipient => "recipient_position".to_owned(),
        Dimension::DonorParent => "donor_top_position".to_owned(),
        Dimension::RecipientParent => "recipient_top_position".to_owned(),
        Dimension::DonorKind => format!(
            "coalesce(array_position({}, donor_doc ->> 'kind'), 0)",
            organisation_kinds()
        ),
        Dimension::Country => "coalesce(recipient_doc ->> 'country', '') COLLATE \"C\"".to_owned(),
        Dimension::Year => "coalesce(year::bigint + 4294967296, 0)".to_owned(),
        Dimension::Month => {
            "CASE WHEN month IS NULL THEN 0 ELSE year::bigint * 12 + month - 1 + 1099511627776 END"
                .to_owned()
        }
        Dimension::Kind => format!("array_position({}, kind)", contribution_kinds()),
        Dimension::Project | Dimension::Theme => "0".to_owned(),
    }
}

fn read_key(row: &postgres::Row, at: usize, dimension: Dimension) -> Result<Key> {
    let fail = |e: postgres::Error| Error::Postgres(e);
    let text: Option<String> = row.try_get(at).map_err(fail)?;
    let Some(text) = text else {
        return Ok(Key::Unknown);
    };
    let bad = |reason: &str| Error::Parse {
        what: "stored rollup key",
        input: text.clone(),
        reason: reason.to_owned(),
    };
    Ok(match dimension {
        Dimension::Donor
        | Dimension::Recipient
        | Dimension::DonorParent
        | Dimension::RecipientParent => {
            let id = uuid::Uuid::from_str(&text).map_err(|_| bad("not an id"))?;
            Key::Organisation(OrganisationId::from(id))
        }
        Dimension::Year => Key::Year(text.parse().map_err(|_| bad("not a year"))?),
        Dimension::Month => {
            let (year, month) = text.rsplit_once('-').ok_or_else(|| bad("not a month"))?;
            Key::Month(
                year.parse().map_err(|_| bad("not a year"))?,
                month.parse().map_err(|_| bad("not a month"))?,
            )
        }
        _ => Key::Text(text),
    })
}
