//! Rollups a PostgreSQL store totals itself, in SQL, so that only the rows
//! of the result leave the server: no contribution is loaded into memory.
//!
//! [`rollup::rollup`](super::rollup::rollup) is the reference. The SQL
//! here totals in `numeric`, exactly, and orders and labels rows as the
//! reference does, for what it covers: totals per currency (no rate table),
//! grouped by up to four of donor, donor_parent, donor_kind, recipient,
//! recipient_parent, country, year, month and kind, as the store is now.
//! Everything else (a rate table, projects and themes, which split
//! contributions by their allocations, a moment in the past) and anything
//! the reference would treat specially (a total beyond what it computes
//! with, an organisation a contribution names that this role cannot see)
//! is left to the reference, which then reads what it needs. The contract
//! test (`tests/pushdown.rs`) checks that both agree exactly.

use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::rollup::{Dimension, Key, Rollup, RollupRow};
use crate::model::{ContributionKind, Currency, Named, OrganisationId, OrganisationKind};
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

/// Whether the SQL answers a rollup grouped by `group_by` with no rate table.
pub fn covers(group_by: &[Dimension]) -> bool {
    group_by.len() <= 4 && group_by.iter().all(|d| PUSHED.contains(d))
}

/// The rollup of `store`'s contributions per currency grouped by
/// `group_by`, totalled by PostgreSQL; `None` when the store is not in
/// PostgreSQL or the reference must answer (see the module docs).
pub fn rollup(store: &Store, group_by: &[Dimension]) -> Result<Option<Rollup>> {
    if !covers(group_by) {
        return Ok(None);
    }
    let Some(mut client) = store.postgres_client() else {
        return Ok(None);
    };
    let fail = |e: postgres::Error| Error::Postgres(e);
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
    let mut select = Vec::new();
    for (i, &dimension) in group_by.iter().enumerate() {
        select.push(format!("{} AS k{i}", key_sql(dimension)));
        select.push(format!("{} AS l{i}", label_sql(dimension)));
        select.push(format!("{} AS s{i}", sort_sql(dimension)));
    }
    let mut group: Vec<String> = (0..group_by.len())
        .flat_map(|i| [format!("k{i}"), format!("l{i}"), format!("s{i}")])
        .collect();
    group.push("currency".to_owned());
    let mut order: Vec<String> = (0..group_by.len()).map(|i| format!("s{i}")).collect();
    order.push("currency COLLATE \"C\" NULLS FIRST".to_owned());
    let sql = format!(
        "{ORGANISATIONS}, pieces AS (
             SELECT c.kind, c.donor, c.recipient,
                    CASE WHEN c.amount IS NOT NULL THEN c.currency
                         ELSE c.payments -> 0 -> 'amount' ->> 'currency' END AS currency,
                    CASE WHEN c.amount IS NOT NULL AND c.kind = 'pledge' THEN c.amount ELSE 0 END AS pledged,
                    CASE WHEN c.amount IS NULL OR c.kind = 'pledge' THEN coalesce(c.paid, 0)
                         ELSE c.amount END AS received,
                    CASE WHEN c.amount IS NOT NULL AND c.kind = 'pledge' THEN coalesce(c.paid, 0)
                         ELSE 0 END AS paid,
                    c.amount IS NULL AS unknown,
                    coalesce(c.date, c.period_start) AS effective,
                    d.position AS donor_position, d.doc AS donor_doc,
                    r.position AS recipient_position, r.doc AS recipient_doc,
                    d.top AS donor_top, d.top_position AS donor_top_position, d.top_doc AS donor_top_doc,
                    r.top AS recipient_top, r.top_position AS recipient_top_position, r.top_doc AS recipient_top_doc
             FROM (
                 SELECT c.*, CASE WHEN c.payments IS NOT NULL THEN (
                     SELECT sum((e -> 'amount' ->> 'amount')::numeric)
                     FROM jsonb_array_elements(c.payments) e) END AS paid
                 FROM partnercrm.contributions c
             ) c
             JOIN tops d ON d.org = c.donor
             JOIN tops r ON r.org = c.recipient
         ), dated AS (
             -- Stored dates are YYYY, YYYY-MM or YYYY-MM-DD.
             SELECT *, left(effective, 4)::int AS year,
                       CASE WHEN length(effective) >= 7 THEN substr(effective, 6, 2)::int END AS month
             FROM pieces
         )
         SELECT {select}
                currency,
                sum(pledged)::text, sum(received)::text, sum(paid)::text,
                count(*), count(*) FILTER (WHERE unknown)
         FROM dated GROUP BY {group} ORDER BY {order}",
        select = select.iter().map(|s| format!("{s}, ")).collect::<String>(),
        group = group.join(", "),
        order = order.join(", "),
    );
    if std::env::var_os("PARTNERCRM_SHOW_SQL").is_some() {
        eprintln!("{sql}");
    }
    let rows = tx.query(&sql, &[]).map_err(fail)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let n = group_by.len();
        let mut key = Vec::with_capacity(n);
        let mut labels = Vec::with_capacity(n);
        for (i, &dimension) in group_by.iter().enumerate() {
            key.push(read_key(row, 3 * i, dimension)?);
            let label: Option<String> = row.try_get(3 * i + 1).map_err(fail)?;
            labels.push(label.map(Arc::from));
        }
        let n = 3 * n;
        let currency: Option<String> = row.try_get(n).map_err(fail)?;
        let currency = currency.map(|c| Currency::from_code(&c)).transpose()?;
        let total = |at: usize| -> Result<Option<Decimal>> {
            let text: String = row.try_get(at).map_err(fail)?;
            Ok(Decimal::from_str_exact(&text).ok())
        };
        let (Some(pledged), Some(received), Some(paid)) =
            (total(n + 1)?, total(n + 2)?, total(n + 3)?)
        else {
            // Beyond what the reference computes with: it names the records.
            return Ok(None);
        };
        let Some(outstanding) = crate::model::exact::sub(pledged, paid) else {
            return Ok(None);
        };
        let Some(committed) = crate::model::exact::add(received, outstanding) else {
            return Ok(None);
        };
        let count: i64 = row.try_get(n + 4).map_err(fail)?;
        let unknown: i64 = row.try_get(n + 5).map_err(fail)?;
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
    tx.commit().map_err(fail)?;
    Ok(Some(Rollup {
        group_by: group_by.to_vec(),
        conversion: None,
        rows: out,
        rates_used: Vec::new(),
    }))
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
