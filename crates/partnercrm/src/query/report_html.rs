//! The partnership report as one self-contained HTML page: the text
//! report's sections as tables, with inline SVG charts (partners by kind,
//! contributions by donor, outcomes against targets, and each top-level
//! group's membership and chair terms over time). No script, no network:
//! the file can be mailed as it is.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use rust_decimal::prelude::ToPrimitive;

use super::report::PartnershipReport;
use crate::model::{Dataset, Group, Named, Period};

const BLUE: &str = "#3b6ea5";
const ORANGE: &str = "#c9822b";
const GREEN: &str = "#2e7d4f";
const RED: &str = "#b33c3c";
const GREY: &str = "#8fb3d9";

/// `text` safe inside HTML and SVG.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart: one bar per `(label, value, note)`, scaled to
/// the largest value. Bars are for reading at a glance; the exact figures
/// are in the table beside the chart.
fn bar_chart(title: &str, bars: &[(String, f64, String)], colour: &str) -> String {
    let max = bars.iter().map(|(_, v, _)| *v).fold(0.0_f64, f64::max);
    let (label_width, bar_width, row) = (300.0, 420.0, 22.0);
    let height = row * bars.len() as f64 + 40.0;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\">\
         <title>{t}</title><text x=\"0\" y=\"16\" class=\"title\">{t}</text>",
        t = escape(title),
        w = label_width + bar_width + 160.0,
    );
    for (i, (label, value, note)) in bars.iter().enumerate() {
        let y = 30.0 + row * i as f64;
        let width = if max > 0.0 {
            value / max * bar_width
        } else {
            0.0
        };
        let _ = write!(
            svg,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\
             <rect x=\"{label_width}\" y=\"{y}\" width=\"{width:.1}\" height=\"{h}\" fill=\"{colour}\"/>\
             <text x=\"{nx:.1}\" y=\"{ty}\" class=\"note\">{note}</text>",
            lx = label_width - 6.0,
            ty = y + 14.0,
            label = escape(&shorten(label, 40)),
            h = row - 6.0,
            nx = label_width + width + 6.0,
            note = escape(note),
        );
    }
    svg.push_str("</svg>");
    svg
}

fn shorten(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(most - 1).collect::<String>())
    }
}

/// A timeline of a group's memberships (bars) and chair terms (darker
/// bars over them), from its first start to `until`.
fn timeline(group: &Group, data: &Dataset, until: NaiveDate) -> Option<String> {
    let span = |p: &Period| -> Option<(NaiveDate, NaiveDate)> {
        let start = p.start?.earliest();
        let end = p.end.map_or(until, |e| e.latest()).min(until);
        (start <= end).then_some((start, end))
    };
    let first = group
        .memberships
        .iter()
        .filter_map(|m| span(&m.period))
        .map(|(s, _)| s)
        .min()?;
    let first = NaiveDate::from_ymd_opt(first.year(), 1, 1)?;
    let days = (until - first).num_days().max(1) as f64;
    let (label_width, plot, row) = (300.0, 480.0, 16.0);
    let x = |day: NaiveDate| label_width + (day - first).num_days() as f64 / days * plot;
    let rows: Vec<_> = group
        .memberships
        .iter()
        .filter_map(|m| Some((m, span(&m.period)?)))
        .collect();
    let height = row * rows.len() as f64 + 60.0;
    let title = format!("{}: membership and chair terms", group.current_name());
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\">\
         <title>{t}</title><text x=\"0\" y=\"16\" class=\"title\">{t}</text>",
        t = escape(&title),
        w = label_width + plot + 20.0,
    );
    for (i, (membership, (start, end))) in rows.iter().enumerate() {
        let y = 28.0 + row * i as f64;
        let name = data
            .organisation(membership.organisation)
            .map_or("?", |o| o.name.as_str());
        let _ = write!(
            svg,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" class=\"small\">{name}</text>\
             <rect x=\"{x0:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{h}\" fill=\"{GREY}\"/>",
            lx = label_width - 6.0,
            ty = y + 11.0,
            name = escape(&shorten(name, 52)),
            x0 = x(*start),
            w = (x(*end) - x(*start)).max(1.0),
            h = row - 4.0,
        );
        for term in group
            .chairs
            .iter()
            .filter(|t| t.organisation == membership.organisation)
        {
            if let Some((s, e)) = span(&term.period) {
                let _ = write!(
                    svg,
                    "<rect x=\"{x0:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{h}\" fill=\"{RED}\">\
                     <title>{role} {s} to {e}</title></rect>",
                    x0 = x(s),
                    w = (x(e) - x(s)).max(2.0),
                    h = row - 4.0,
                    role = term.role.as_str(),
                );
            }
        }
    }
    let axis = 28.0 + row * rows.len() as f64 + 14.0;
    for year in (first.year()..=until.year()).step_by(2) {
        if let Some(day) = NaiveDate::from_ymd_opt(year, 1, 1) {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{axis}\" class=\"small\" text-anchor=\"middle\">{year}</text>",
                x(day)
            );
        }
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// The partner network on a circle: organisations linked by shared
/// agreements, projects and contributions, the best connected first.
fn network(data: &Dataset) -> Option<String> {
    let edges = super::network::edges(data);
    let mut degree: std::collections::HashMap<crate::model::OrganisationId, usize> =
        std::collections::HashMap::new();
    for e in &edges {
        *degree.entry(e.source).or_default() += 1;
        *degree.entry(e.target).or_default() += 1;
    }
    if degree.is_empty() {
        return None;
    }
    let mut nodes: Vec<_> = degree.into_iter().collect();
    nodes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let (size, radius) = (760.0_f64, 250.0_f64);
    let centre = size / 2.0;
    let at: std::collections::HashMap<_, _> = nodes
        .iter()
        .enumerate()
        .map(|(i, (id, _))| {
            let angle = std::f64::consts::TAU * i as f64 / nodes.len() as f64;
            (
                *id,
                (
                    centre + radius * angle.cos(),
                    centre + radius * angle.sin(),
                    angle,
                ),
            )
        })
        .collect();
    let title = "Partners linked by shared agreements, projects and contributions";
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"{title}\" xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{size}\" height=\"{size}\" viewBox=\"0 0 {size} {size}\">\
         <title>{title}</title><text x=\"0\" y=\"16\" class=\"title\">{title}</text>"
    );
    for e in &edges {
        if let (Some(a), Some(b)) = (at.get(&e.source), at.get(&e.target)) {
            let _ = write!(
                svg,
                "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#999\" stroke-width=\"{:.1}\"/>",
                a.0,
                a.1,
                b.0,
                b.1,
                0.5 + (e.weight() as f64).sqrt() * 0.5
            );
        }
    }
    for (id, links) in &nodes {
        let (x, y, angle) = at[id];
        let name = data
            .organisation(*id)
            .map_or("?", |o| o.acronym.as_deref().unwrap_or(o.name.as_str()));
        let (dx, anchor) = if angle.cos() >= 0.0 {
            (8.0, "start")
        } else {
            (-8.0, "end")
        };
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"{BLUE}\"><title>{full}</title></circle>\
             <text x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"{anchor}\" class=\"small\">{label}</text>",
            r = 3.0 + (*links as f64).sqrt() * 1.5,
            full = escape(data.organisation(*id).map_or("?", |o| o.name.as_str())),
            tx = x + dx,
            ty = y + 3.0,
            label = escape(&shorten(name, 22)),
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut html = String::from("<table><thead><tr>");
    for h in head {
        let _ = write!(html, "<th>{}</th>", escape(h));
    }
    html.push_str("</tr></thead><tbody>");
    for row in rows {
        html.push_str("<tr>");
        for cell in row {
            let _ = write!(html, "<td>{}</td>", escape(cell));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table>");
    html
}

/// The report of `data` as a self-contained HTML page; `today` ends the
/// timelines of memberships still running.
pub fn html(report: &PartnershipReport, data: &Dataset, today: NaiveDate) -> String {
    let until = report.on.unwrap_or(today);
    let mut heading = report.title.clone();
    if let Some(partner) = &report.partner {
        heading.push_str(&format!(": {partner}"));
    }
    if let Some(day) = report.on {
        heading.push_str(&format!(", as on {day}"));
    }
    let mut body = format!("<h1>{}</h1>", escape(&heading));

    body.push_str("<section id=\"partners\"><h2>Partners by kind</h2>");
    let kinds: Vec<(String, f64, String)> = report
        .partners_by_kind
        .iter()
        .map(|(kind, names)| {
            let n = names.len();
            (kind.label().to_owned(), n as f64, n.to_string())
        })
        .collect();
    body.push_str(&bar_chart("Partners by kind", &kinds, BLUE));
    let rows: Vec<Vec<String>> = report
        .partners_by_kind
        .iter()
        .map(|(kind, names)| vec![kind.label().to_owned(), names.join("; ")])
        .collect();
    body.push_str(&table(&["kind", "partners"], &rows));
    body.push_str("</section>");

    body.push_str("<section id=\"agreements\"><h2>Agreements</h2>");
    let rows: Vec<Vec<String>> = report
        .agreements
        .iter()
        .map(|a| {
            vec![
                a.signed
                    .map_or_else(|| "date unknown".to_owned(), |d| d.to_string()),
                a.kind.to_owned(),
                a.title.clone(),
                a.parties.join(", "),
            ]
        })
        .collect();
    body.push_str(&table(&["signed", "kind", "title", "parties"], &rows));
    body.push_str("</section>");

    let title = match &report.conversion {
        Some(c) => format!(
            "Contributions by donor, in {} (rate table {:?}, each amount at the rate in force on its date)",
            c.target, c.table
        ),
        None => "Contributions by donor and currency (never summed across currencies)".to_owned(),
    };
    let _ = write!(
        body,
        "<section id=\"contributions\"><h2>{}</h2>",
        escape(&title)
    );
    // One chart per currency: bars of different currencies are not comparable.
    let mut currencies: Vec<_> = report
        .contributions
        .iter()
        .flat_map(|d| d.totals.keys().copied())
        .collect();
    currencies.sort_by_key(|c| c.code());
    currencies.dedup();
    for currency in currencies {
        let mut bars: Vec<(String, f64, String)> = report
            .contributions
            .iter()
            .filter_map(|d| {
                let amount = d.totals.get(&currency)?;
                Some((
                    d.donor.clone(),
                    amount.to_f64().unwrap_or(0.0),
                    format!("{currency} {amount}"),
                ))
            })
            .collect();
        bars.sort_by(|a, b| b.1.total_cmp(&a.1));
        body.push_str(&bar_chart(
            &format!("Known amounts, {currency}"),
            &bars,
            ORANGE,
        ));
    }
    let rows: Vec<Vec<String>> = report
        .contributions
        .iter()
        .map(|d| {
            let totals: Vec<String> = d.totals.iter().map(|(c, a)| format!("{c} {a}")).collect();
            vec![
                d.donor.clone(),
                if totals.is_empty() {
                    "unknown".to_owned()
                } else {
                    totals.join(" + ")
                },
                d.unknown_amounts.to_string(),
                d.count.to_string(),
            ]
        })
        .collect();
    body.push_str(&table(
        &["donor", "total", "of unknown amount", "contributions"],
        &rows,
    ));
    body.push_str("</section>");

    body.push_str("<section id=\"outcomes\"><h2>Outcomes</h2>");
    let bars: Vec<(String, f64, String)> = report
        .outcomes
        .iter()
        .filter_map(|o| {
            let achieved = o.achieved.as_deref()?;
            let value: f64 = achieved
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '.')
                .collect::<String>()
                .parse()
                .ok()?;
            let target = o
                .target
                .as_ref()
                .map(|t| format!(" (target {t})"))
                .unwrap_or_default();
            Some((
                o.indicator.clone(),
                value.max(1.0).log10(),
                format!("{achieved} {}{target}", o.unit),
            ))
        })
        .collect();
    body.push_str(&bar_chart("Achieved (log scale)", &bars, GREEN));
    let rows: Vec<Vec<String>> = report
        .outcomes
        .iter()
        .map(|o| {
            vec![
                o.project.clone(),
                o.indicator.clone(),
                o.achieved
                    .clone()
                    .unwrap_or_else(|| "not reported".to_owned()),
                o.target.clone().unwrap_or_default(),
                o.unit.clone(),
            ]
        })
        .collect();
    body.push_str(&table(
        &["project", "indicator", "achieved", "target", "unit"],
        &rows,
    ));
    body.push_str("</section>");

    if let Some(svg) = network(data) {
        body.push_str("<section id=\"network\"><h2>The partner network</h2>");
        body.push_str(&svg);
        body.push_str("</section>");
    }

    body.push_str("<section id=\"groups\"><h2>Groups</h2>");
    for group in data.groups.iter().filter(|g| g.parent.is_none()) {
        if let Some(svg) = timeline(group, data, until) {
            body.push_str(&svg);
        }
    }
    for g in &report.groups {
        let _ = write!(
            body,
            "<h3>{} ({} members)</h3>",
            escape(&g.name),
            g.current_members
        );
        let rows: Vec<Vec<String>> = g
            .events
            .iter()
            .map(|(date, text)| {
                vec![
                    date.map_or_else(|| "undated".to_owned(), |d| d.to_string()),
                    text.clone(),
                ]
            })
            .collect();
        body.push_str(&table(&["date", "event"], &rows));
    }
    body.push_str("</section>");

    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title}</title><style>{STYLE}</style></head><body>{body}</body></html>\n",
        title = escape(&heading),
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}\
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:1em 0;font-size:.85em}\
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}\
svg.chart{display:block;margin:1em 0;font-size:12px}svg .title{font-weight:bold;font-size:13px}\
svg .note,svg .small{font-size:10px}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_in_tables_and_charts() {
        let chart = bar_chart("A & B", &[("<script>".into(), 1.0, "\"x\"".into())], BLUE);
        assert!(chart.contains("A &amp; B") && chart.contains("&lt;script&gt;"));
        assert!(!chart.contains("<script>"));
        assert!(table(&["h"], &[vec!["<b>".into()]]).contains("&lt;b&gt;"));
    }
}
