//! Projects, the agreements behind them, and the indicators that measure them.

use std::collections::HashMap;

use super::rows::{
    Known, NameIndex, Rows, UniqueIds, choose_id, organisation_index, parse_enum, split_list,
};
use super::{CsvKind, CsvOptions};
use crate::Result;
use crate::model::record::{Record, fold};
use crate::model::*;
use crate::validate::Code;

/// The partner columns of a projects file, one per IATI role.
pub(super) const ROLE_COLUMNS: [(&str, ProjectRole); 4] = [
    ("funding", ProjectRole::Funding),
    ("accountable", ProjectRole::Accountable),
    ("extending", ProjectRole::Extending),
    ("implementing", ProjectRole::Implementing),
];

/// Reads projects from CSV; `parent` may name a project in `known` or
/// earlier in the same file, or give the id of one anywhere in it. A row
/// with the id (or natural key) of a project in `known` updates it: the
/// fields of columns the file lacks, and those no column holds (titles and
/// descriptions in other languages, budgets), stay as stored, and each partner
/// column replaces the partners in its role only, keeping the periods and
/// order of those it lists again.
pub fn read_projects(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Project>> {
    let text = crate::io::text::without_bom(text);
    let (mut reader, mut rows) = Rows::open(text, options, CsvKind::Projects)?;
    let mut organisations = organisation_index(&known.organisations);
    let mut projects = NameIndex::of("project", &known.projects);
    for id in rows.ids_in(text) {
        projects.insert(id.to_string(), id.into());
    }
    let stored = Known::of(&known.projects);
    let mut out = Vec::new();
    let mut seen = UniqueIds::default();
    rows.each_row(text, &mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let id = rows.id(record, line);
        let title = rows.required(record, line, "title");
        let countries = rows.parse_list(record, line, "countries", |t| t.parse::<CountryCode>());
        let sectors = rows.parse_list(record, line, "sectors", |t| t.parse::<SectorCode>());
        let other_sectors = rows.parse_list(record, line, "other_sectors", |t| t.parse::<Sector>());
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
        project.iati_identifier = rows.text(record, "iati_identifier");
        project.acronym = rows.text(record, "acronym");
        project.aliases = rows.list(record, "aliases");
        project.description = rows.text(record, "description");
        project.countries = countries;
        project.places = rows.list(record, "places");
        project.themes = rows.list(record, "themes");
        project.sectors = sectors;
        project.other_sectors = other_sectors;
        project.period = period;
        project.status = status;
        project.lead_office = lead_office;
        project.partners = partners;
        project.parent = parent;
        let key = project.natural_key().unwrap_or_default();
        let base = stored.base(id, &project);
        if let Some(base) = base {
            let p = &mut project;
            rows.keep(
                "iati_identifier",
                &mut p.iati_identifier,
                &base.iati_identifier,
            );
            rows.keep("acronym", &mut p.acronym, &base.acronym);
            rows.keep("aliases", &mut p.aliases, &base.aliases);
            rows.keep("description", &mut p.description, &base.description);
            rows.keep("countries", &mut p.countries, &base.countries);
            rows.keep("places", &mut p.places, &base.places);
            rows.keep("themes", &mut p.themes, &base.themes);
            rows.keep("sectors", &mut p.sectors, &base.sectors);
            rows.keep("other_sectors", &mut p.other_sectors, &base.other_sectors);
            rows.keep("start", &mut p.period.start, &base.period.start);
            rows.keep("end", &mut p.period.end, &base.period.end);
            rows.keep("status", &mut p.status, &base.status);
            rows.keep("lead_office", &mut p.lead_office, &base.lead_office);
            rows.keep("parent", &mut p.parent, &base.parent);
            p.title_narratives.clone_from(&base.title_narratives);
            p.description_narratives
                .clone_from(&base.description_narratives);
            p.budgets.clone_from(&base.budgets);
            p.partners = merge_partners(rows, &base.partners, std::mem::take(&mut p.partners));
        }
        if let Some(id) = id
            && !rows.claim(&mut seen, id, line)
        {
            return;
        }
        project.id = choose_id(id, base, &mut seen, &key);
        projects.add(&project);
        out.push(project);
    })?;
    rows.finish(out)
}

/// A stored project's partners with the file's: each role the file has a
/// column for holds the partners it lists, in the stored order and with
/// the stored periods of those stored already, then the new ones.
fn merge_partners(
    rows: &Rows,
    stored: &[ProjectPartner],
    listed: Vec<ProjectPartner>,
) -> Vec<ProjectPartner> {
    let given: Vec<ProjectRole> = ROLE_COLUMNS
        .iter()
        .filter(|(column, _)| rows.has(column))
        .map(|&(_, role)| role)
        .collect();
    let same = |a: &ProjectPartner, b: &ProjectPartner| {
        a.organisation == b.organisation && a.role == b.role
    };
    let mut partners: Vec<ProjectPartner> = stored
        .iter()
        .filter(|p| !given.contains(&p.role) || listed.iter().any(|l| same(l, p)))
        .cloned()
        .collect();
    for partner in listed {
        if !partners.iter().any(|p| same(p, &partner)) {
            partners.push(partner);
        }
    }
    partners
}

/// Reads agreements from CSV. `parties` lists organisations separated by
/// `;`, each optionally with its roles: `IOM=signatory|implementer`. A row
/// with the id (or natural key) of an agreement in `known` updates it: the
/// fields of columns the file lacks, and its amendments, stay as stored.
pub fn read_agreements(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Agreement>> {
    let text = crate::io::text::without_bom(text);
    let (mut reader, mut rows) = Rows::open(text, options, CsvKind::Agreements)?;
    let mut organisations = organisation_index(&known.organisations);
    let mut projects = NameIndex::of("project", &known.projects);
    let stored = Known::of(&known.agreements);
    let mut out = Vec::new();
    let mut seen = UniqueIds::default();
    rows.each_row(text, &mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let id = rows.id(record, line);
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
        let base = stored.base(id, &agreement);
        if let Some(base) = base {
            let a = &mut agreement;
            rows.keep("signed", &mut a.signed, &base.signed);
            rows.keep("start", &mut a.effective.start, &base.effective.start);
            rows.keep("end", &mut a.effective.end, &base.effective.end);
            rows.keep("status", &mut a.status, &base.status);
            rows.keep("purpose", &mut a.purpose, &base.purpose);
            rows.keep("projects", &mut a.projects, &base.projects);
            a.amendments.clone_from(&base.amendments);
        }
        if let Some(id) = id
            && !rows.claim(&mut seen, id, line)
        {
            return;
        }
        agreement.id = choose_id(id, base, &mut seen, &key);
        out.push(agreement);
    })?;
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
/// and actuals. A file without `observation` and `value` columns (the
/// indicators table) gives one row per indicator and no values. A row with
/// the id (or natural key) of an indicator in `known` updates it: the
/// fields of columns the file lacks, and its titles in other languages,
/// stay as stored, and so do its values if the file gives none.
pub fn read_indicators(
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Vec<Indicator>> {
    let text = crate::io::text::without_bom(text);
    let (mut reader, mut rows) = Rows::open(text, options, CsvKind::Indicators)?;
    let values = rows.has("observation") || rows.has("value");
    if values {
        rows.require(&["observation", "value"]);
        if !rows.problems.is_empty() {
            return rows.finish(Vec::new());
        }
    }
    let mut projects = NameIndex::of("project", &known.projects);
    let stored = Known::of(&known.indicators);
    let mut out: Vec<Indicator> = Vec::new();
    // The stored indicator each one updates, if any.
    let mut bases: Vec<Option<&Indicator>> = Vec::new();
    // Where each (project, folded title) is in `out`, and the line that began it.
    let mut begun: HashMap<(ProjectId, String), (usize, u64)> = HashMap::new();
    let mut seen = UniqueIds::default();
    rows.each_row(text, &mut reader, 0, progress, |rows, record, line| {
        let before = rows.problems.len();
        let id = rows.id(record, line);
        let project = match rows.required(record, line, "project") {
            Some(_) => rows.reference(&mut projects, record, line, "project"),
            None => None,
        };
        let title = rows.required(record, line, "indicator");
        let unit = rows.required(record, line, "unit");
        let measure: Option<Measure> = rows.choice(
            record,
            line,
            "measure",
            "measure (count, percentage, nominal, ordinal or qualitative)",
        );
        let aggregation: Option<Aggregation> = rows.choice(
            record,
            line,
            "aggregation",
            "aggregation (sum, max or latest)",
        );
        // Both cells or neither: a row without a value declares the indicator.
        let given = (
            rows.cell(record, "observation").is_some(),
            rows.cell(record, "value").is_some(),
        );
        let (kind, value) = match given {
            (false, false) => (None, None),
            _ => {
                let kind: Option<ObservationKind> = match rows.required(record, line, "observation")
                {
                    Some(_) => rows.choice(
                        record,
                        line,
                        "observation",
                        "kind of value (baseline, target or actual)",
                    ),
                    None => None,
                };
                let value = match rows.required(record, line, "value") {
                    Some(_) => rows.decimal(record, line, "value"),
                    None => None,
                };
                (kind, value)
            }
        };
        let qualifier: Qualifier = rows
            .choice(record, line, "qualifier", "qualifier")
            .unwrap_or_default();
        let period = rows.period(record, line, "from", "to");
        let (Some(project), Some(title), Some(unit)) = (project, title, unit) else {
            return;
        };
        if rows.problems.len() > before {
            return;
        }
        let at = match begun.get(&(project, fold(title))) {
            Some(&(at, first)) => {
                let indicator = &out[at];
                let differs = indicator.unit != unit
                    || (rows.has("measure")
                        && Some(indicator.measure) != measure.or(Some(Measure::Count)))
                    || (rows.has("aggregation")
                        && Some(indicator.aggregation) != aggregation.or(Some(Aggregation::Sum)));
                if differs {
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
                if id.is_some_and(|id| id != *indicator.id.as_uuid()) {
                    rows.problem(
                        line,
                        "id",
                        Code::CsvInvalidValue,
                        format!("the id differs from line {first}, which began this indicator"),
                    );
                    return;
                }
                at
            }
            None => {
                let mut indicator = Indicator::new(
                    project,
                    title,
                    unit,
                    measure.unwrap_or(Measure::Count),
                    aggregation.unwrap_or(Aggregation::Sum),
                );
                let key = indicator.natural_key().unwrap_or_default();
                let base = stored.base(id, &indicator);
                if let Some(base) = base {
                    let i = &mut indicator;
                    rows.keep("measure", &mut i.measure, &base.measure);
                    rows.keep("aggregation", &mut i.aggregation, &base.aggregation);
                    i.title_narratives.clone_from(&base.title_narratives);
                    if !values {
                        i.baseline.clone_from(&base.baseline);
                        i.targets.clone_from(&base.targets);
                        i.actuals.clone_from(&base.actuals);
                    }
                }
                if let Some(id) = id
                    && !rows.claim(&mut seen, id, line)
                {
                    return;
                }
                indicator.id = choose_id(id, base, &mut seen, &key);
                begun.insert((project, fold(title)), (out.len(), line));
                out.push(indicator);
                bases.push(base);
                out.len() - 1
            }
        };
        let (Some(kind), Some(value)) = (kind, value) else {
            return;
        };
        let observation = Observation {
            value: Some(value),
            qualifier,
            period,
            comment: rows.text(record, "comment"),
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
    })?;
    // A value the file gives as the stored one is, with other decimal
    // places (the indicators table writes six), stays as stored.
    for (indicator, base) in out.iter_mut().zip(bases) {
        if let Some(base) = base {
            keep_equal(indicator.baseline.as_mut_slice(), base.baseline.as_slice());
            keep_equal(&mut indicator.targets, &base.targets);
            keep_equal(&mut indicator.actuals, &base.actuals);
        }
    }
    rows.finish(out)
}

/// Puts back each stored observation equal to the one read in its place:
/// equal decimals may be written differently (`5` and `5.000000`).
fn keep_equal(read: &mut [Observation], stored: &[Observation]) {
    for (read, stored) in read.iter_mut().zip(stored) {
        if read == stored {
            read.clone_from(stored);
        }
    }
}
