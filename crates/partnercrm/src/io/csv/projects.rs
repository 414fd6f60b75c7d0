//! Projects, the agreements behind them, and the indicators that measure them.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::rows::{Index, Rows, UniqueIds, known_id, organisation_index, parse_enum, split_list};
use super::{CsvKind, CsvOptions};
use crate::Result;
use crate::model::record::{Record, fold};
use crate::model::*;
use crate::validate::Code;

/// The partner columns of a projects file, one per IATI role.
const ROLE_COLUMNS: [(&str, ProjectRole); 4] = [
    ("funding", ProjectRole::Funding),
    ("accountable", ProjectRole::Accountable),
    ("extending", ProjectRole::Extending),
    ("implementing", ProjectRole::Implementing),
];

/// Reads projects from CSV; `parent` may name a project in `known` or
/// earlier in the same file.
pub fn read_projects(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Project>> {
    let (mut reader, mut rows) = Rows::open(text, options, CsvKind::Projects.required_columns())?;
    let mut organisations = organisation_index(&known.organisations);
    let mut projects = Index::of("project", &known.projects);
    let mut out = Vec::new();
    let mut seen = UniqueIds::default();
    rows.each_row(&mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let title = rows.required(record, line, "title");
        let countries = rows.parse_list(record, line, "countries", |t| t.parse::<CountryCode>());
        let sectors = rows.parse_list(record, line, "sectors", |t| t.parse::<SectorCode>());
        let period = rows.period(record, line, "start", "end");
        let status: Option<ProjectStatus> = rows.choice(record, line, "status", "project status");
        let lead_office = rows.reference(&mut organisations, record, line, "lead_office");
        let parent = rows.reference(&mut projects, record, line, "parent");
        let mut partners = Vec::new();
        for (column, role) in ROLE_COLUMNS {
            for organisation in rows.references(&mut organisations, record, line, column) {
                partners.push(ProjectPartner {
                    organisation,
                    role,
                    period: Period::OPEN,
                });
            }
        }
        let Some(title) = title else { return };
        if rows.problems.len() > before {
            return;
        }
        let mut project = Project::new(title);
        project.acronym = rows.text(record, "acronym");
        project.aliases = rows.list(record, "aliases");
        project.description = rows.text(record, "description");
        project.countries = countries;
        project.places = rows.list(record, "places");
        project.themes = rows.list(record, "themes");
        project.sectors = sectors;
        project.period = period;
        project.status = status;
        project.lead_office = lead_office;
        project.partners = partners;
        project.parent = parent;
        let key = project.natural_key().unwrap_or_default();
        project.id = known_id(&known.projects, &key)
            .unwrap_or_else(|| seen.content_id("project", &key).into());
        projects.add(&project);
        out.push(project);
    });
    rows.finish(out)
}

/// Reads agreements from CSV. `parties` lists organisations separated by
/// `;`, each optionally with its roles: `IOM=signatory|implementer`.
pub fn read_agreements(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Agreement>> {
    let (mut reader, mut rows) = Rows::open(text, options, CsvKind::Agreements.required_columns())?;
    let mut organisations = organisation_index(&known.organisations);
    let mut projects = Index::of("project", &known.projects);
    let mut out = Vec::new();
    let mut seen = UniqueIds::default();
    rows.each_row(&mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let title = rows.required(record, line, "title");
        let kind: Option<AgreementKind> = match rows.required(record, line, "kind") {
            Some(_) => rows.choice(record, line, "kind", "kind of agreement"),
            None => None,
        };
        let mut parties = Vec::new();
        for party in rows
            .cell(record, "parties")
            .map(split_list)
            .into_iter()
            .flatten()
        {
            let (name, roles) = party.split_once('=').unwrap_or((&party, ""));
            let organisation = rows.resolve(&mut organisations, name.trim(), line, "parties");
            let roles: Vec<PartyRole> = roles
                .split('|')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .filter_map(|r| match parse_enum(r, "party role") {
                    Ok(role) => Some(role),
                    Err(message) => {
                        rows.problem(line, "parties", Code::CsvInvalidValue, message);
                        None
                    }
                })
                .collect();
            if let Some(organisation) = organisation {
                parties.push(Party {
                    organisation,
                    roles,
                });
            }
        }
        let signed = rows.date(record, line, "signed");
        let effective = rows.period(record, line, "start", "end");
        let status: Option<AgreementStatus> =
            rows.choice(record, line, "status", "agreement status");
        let linked = rows.references(&mut projects, record, line, "projects");
        let (Some(title), Some(kind)) = (title, kind) else {
            return;
        };
        if rows.problems.len() > before {
            return;
        }
        let mut agreement = Agreement::new(title, kind);
        agreement.parties = parties;
        agreement.signed = signed;
        agreement.effective = effective;
        agreement.status = status;
        agreement.purpose = rows.text(record, "purpose");
        agreement.projects = linked;
        let key = agreement.natural_key().unwrap_or_default();
        agreement.id = known_id(&known.agreements, &key)
            .unwrap_or_else(|| seen.content_id("agreement", &key).into());
        out.push(agreement);
    });
    rows.finish(out)
}

/// Which of an indicator's values a row of an indicators file gives.
#[derive(Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum ObservationKind {
    Baseline,
    Target,
    Actual,
}

/// Reads indicators from CSV, one row per value: rows naming the same
/// project and indicator build one indicator, with its baseline, targets
/// and actuals.
pub fn read_indicators(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Indicator>> {
    let (mut reader, mut rows) = Rows::open(text, options, CsvKind::Indicators.required_columns())?;
    let mut projects = Index::of("project", &known.projects);
    let mut out: Vec<Indicator> = Vec::new();
    // Where each (project, folded title) is in `out`, and the line that began it.
    let mut begun: HashMap<(ProjectId, String), (usize, u64)> = HashMap::new();
    let mut seen = UniqueIds::default();
    rows.each_row(&mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let project = match rows.required(record, line, "project") {
            Some(_) => rows.reference(&mut projects, record, line, "project"),
            None => None,
        };
        let title = rows.required(record, line, "indicator");
        let unit = rows.required(record, line, "unit");
        let measure: Measure = rows
            .choice(record, line, "measure", "measure (count or percentage)")
            .unwrap_or(Measure::Count);
        let aggregation: Aggregation = rows
            .choice(
                record,
                line,
                "aggregation",
                "aggregation (sum, max or latest)",
            )
            .unwrap_or(Aggregation::Sum);
        let kind: Option<ObservationKind> = match rows.required(record, line, "observation") {
            Some(_) => rows.choice(
                record,
                line,
                "observation",
                "kind of value (baseline, target or actual)",
            ),
            None => None,
        };
        let value = match rows.required(record, line, "value") {
            Some(_) => rows.parse(record, line, "value", |t| {
                Decimal::from_str_exact(t).map_err(|_| format!("{t:?} is not a number"))
            }),
            None => None,
        };
        let qualifier: Qualifier = rows
            .choice(record, line, "qualifier", "qualifier")
            .unwrap_or_default();
        let period = rows.period(record, line, "from", "to");
        let (Some(project), Some(title), Some(unit), Some(kind), Some(value)) =
            (project, title, unit, kind, value)
        else {
            return;
        };
        if rows.problems.len() > before {
            return;
        }
        let observation = Observation {
            value,
            qualifier,
            period,
            comment: rows.text(record, "comment"),
        };
        let at = match begun.get(&(project, fold(title))) {
            Some(&(at, first)) => {
                let indicator = &out[at];
                if indicator.unit != unit
                    || indicator.measure != measure
                    || indicator.aggregation != aggregation
                {
                    rows.problem(
                        line,
                        "unit",
                        Code::CsvInvalidValue,
                        format!(
                            "the unit, measure or aggregation differs from line {first}, \
                             which began this indicator"
                        ),
                    );
                    return;
                }
                at
            }
            None => {
                let mut indicator = Indicator::new(project, title, unit, measure, aggregation);
                let key = indicator.natural_key().unwrap_or_default();
                indicator.id = known_id(&known.indicators, &key)
                    .unwrap_or_else(|| seen.content_id("indicator", &key).into());
                begun.insert((project, fold(title)), (out.len(), line));
                out.push(indicator);
                out.len() - 1
            }
        };
        let indicator = &mut out[at];
        match kind {
            ObservationKind::Baseline if indicator.baseline.is_some() => rows.problem(
                line,
                "observation",
                Code::CsvInvalidValue,
                "the indicator already has a baseline".to_owned(),
            ),
            ObservationKind::Baseline => indicator.baseline = Some(observation),
            ObservationKind::Target => indicator.targets.push(observation),
            ObservationKind::Actual => indicator.actuals.push(observation),
        }
    });
    rows.finish(out)
}
