//! IATI activities out: the mapping documented in the module above.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};

use super::{OWN_NAMESPACE, OWN_PARTIES_ONLY, OWN_PAYMENT_OF};
use crate::model::ids::{IdMap, IdSet};
use crate::model::*;
use crate::validate::{Code, Path, Problem, Report, Severity};
use crate::{Error, Result};

/// Writes projects of `data` (all of them when `projects` is `None`) as an
/// IATI 2.03 `iati-activities` document, generated now.
pub fn write(data: &Dataset, projects: Option<&[ProjectId]>) -> Result<String> {
    write_at(data, projects, Utc::now())
}

/// As [`write`], with the `generated-datetime` given, for reproducible output.
pub fn write_at(
    data: &Dataset,
    projects: Option<&[ProjectId]>,
    generated: DateTime<Utc>,
) -> Result<String> {
    let chosen: Vec<&Project> = match projects {
        None => data.projects.iter().collect(),
        Some(ids) => ids
            .iter()
            .map(|id| {
                data.project(*id).ok_or_else(|| Error::Parse {
                    what: "project",
                    input: id.to_string(),
                    reason: "the data set has no such project".to_owned(),
                })
            })
            .collect::<Result<_>>()?,
    };
    let writer = Writer::new(data, generated.date_naive());
    // Every project the schema cannot describe is named at once, rather than
    // an export that fails validation or leaves money out.
    let problems: Vec<Problem> = chosen.iter().flat_map(|p| writer.unwritable(p)).collect();
    if !problems.is_empty() {
        return Err(Error::Invalid(Report::new(problems)));
    }
    let mut out = String::with_capacity(4096 * chosen.len().max(1));
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<iati-activities version=\"2.03\" generated-datetime=\"{}\">",
        generated.format("%Y-%m-%dT%H:%M:%SZ")
    );
    for project in chosen {
        writer.activity(&mut out, project)?;
    }
    out.push_str("</iati-activities>\n");
    Ok(out)
}

/// Why projects of `data` (all of them when `projects` is `None`) cannot be
/// written as IATI activities: one `iati.not_writable` problem for each
/// thing the schema requires that the data set does not hold. [`write`]
/// refuses with these; an empty list means it writes every project.
pub fn unwritable(data: &Dataset, projects: Option<&[ProjectId]>) -> Vec<Problem> {
    let writer = Writer::new(data, Utc::now().date_naive());
    data.projects
        .iter()
        .filter(|p| projects.is_none_or(|ids| ids.contains(&p.id)))
        .flat_map(|p| writer.unwritable(p))
        .collect()
}

/// The projects of `data` that [`write`] can write: those [`unwritable`]
/// has nothing to say of.
pub fn writable(data: &Dataset) -> Vec<ProjectId> {
    let writer = Writer::new(data, Utc::now().date_naive());
    data.projects
        .iter()
        .filter(|p| writer.unwritable(p).is_empty())
        .map(|p| p.id)
        .collect()
}

/// Text fit for XML 1.0: escaped, without the control characters XML forbids.
fn esc(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| {
            matches!(*c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        })
        .collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

/// Whether an indicator value is written: an IATI `period` needs both its
/// dates.
pub(super) fn written(observation: &Observation) -> bool {
    observation.period.start.is_some() && observation.period.end.is_some()
}

fn first_day(date: PartialDate) -> NaiveDate {
    date.earliest()
}

fn iso(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// What a transaction says of the contribution it comes from.
#[derive(Clone, Copy)]
enum Reference {
    /// It is the contribution.
    Contribution(ContributionId),
    /// It is a payment against the contribution.
    PaymentOf(ContributionId),
}

/// Writes activities of one data set. The reader uses it too, to learn what
/// the store's own export says of a known project.
pub(super) struct Writer<'d> {
    data: &'d Dataset,
    organisations: IdMap<OrganisationId, &'d Organisation>,
    projects: IdMap<ProjectId, &'d Project>,
    /// The day the document speaks as of: a project with no status is
    /// closed once its end has passed by then.
    today: NaiveDate,
}

impl<'d> Writer<'d> {
    pub(super) fn new(data: &'d Dataset, today: NaiveDate) -> Self {
        Self {
            data,
            organisations: data.organisations.iter().map(|o| (o.id, o)).collect(),
            projects: data.projects.iter().map(|p| (p.id, p)).collect(),
            today,
        }
    }

    fn organisation(&self, id: OrganisationId, project: &Project) -> Result<&'d Organisation> {
        self.organisations
            .get(&id)
            .copied()
            .ok_or_else(|| Error::Parse {
                what: "project",
                input: project.title.clone(),
                reason: format!("it names organisation {id}, which is not in the data set"),
            })
    }

    /// The activity identifier: the project's own, else one made from the
    /// reporting organisation's org-id and the project's id.
    fn identifier(&self, project: &Project) -> String {
        if let Some(identifier) = &project.iati_identifier {
            return identifier.clone();
        }
        let prefix = self
            .reporting(project)
            .and_then(|id| self.organisations.get(&id))
            .and_then(|o| o.iati_reference())
            .map(|i| i.value.as_str());
        match prefix {
            Some(prefix) => format!("{prefix}-{}", project.id),
            None => project.id.to_string(),
        }
    }

    fn reporting(&self, project: &Project) -> Option<OrganisationId> {
        project
            .lead_office
            .or_else(|| {
                project
                    .partners
                    .iter()
                    .find(|p| p.role == ProjectRole::Accountable)
                    .map(|p| p.organisation)
            })
            .or_else(|| project.partners.first().map(|p| p.organisation))
    }

    fn narratives(out: &mut String, indent: &str, plain: &str, all: &[Narrative]) {
        if all.is_empty() {
            let _ = writeln!(out, "{indent}<narrative>{}</narrative>", esc(plain));
        }
        for n in all {
            match &n.lang {
                Some(lang) => {
                    let _ = writeln!(
                        out,
                        "{indent}<narrative xml:lang=\"{}\">{}</narrative>",
                        esc(lang),
                        esc(&n.text)
                    );
                }
                None => {
                    let _ = writeln!(out, "{indent}<narrative>{}</narrative>", esc(&n.text));
                }
            }
        }
    }

    /// The organisation's IATI type: its own, else (a country office) its
    /// parent's, up the chain.
    fn organisation_type(&self, org: &Organisation) -> Option<&'static str> {
        let mut at = Some(org);
        for _ in 0..=self.organisations.len() {
            let current = at?;
            if let Some(code) = current.kind.iati_organisation_type() {
                return Some(code);
            }
            at = current
                .parent
                .and_then(|p| self.organisations.get(&p).copied());
        }
        None
    }

    fn org_element(
        &self,
        out: &mut String,
        indent: &str,
        tag: &str,
        org: &Organisation,
        role: Option<u8>,
    ) {
        let _ = write!(out, "{indent}<{tag}");
        match org.iati_reference().map(|i| i.value.as_str()) {
            Some(r) => {
                let _ = write!(out, " ref=\"{}\"", esc(r));
            }
            // The schema requires a reference for the reporting organisation;
            // an empty one says there is none, and reads back as none.
            None if tag == "reporting-org" => out.push_str(" ref=\"\""),
            None => {}
        }
        if let Some(role) = role {
            let _ = write!(out, " role=\"{role}\"");
        }
        match self.organisation_type(org) {
            Some(t) => {
                let _ = write!(out, " type=\"{t}\"");
            }
            // The schema requires a type for the reporting organisation: 90, other.
            None if tag == "reporting-org" => out.push_str(" type=\"90\""),
            None => {}
        }
        out.push_str(">\n");
        Self::narratives(out, &format!("{indent} "), &org.name, &org.name_narratives);
        let _ = writeln!(out, "{indent}</{tag}>");
    }

    /// One `iati-activity`, indented for a place in `iati-activities`.
    /// Why `project` cannot be an IATI activity, if it cannot: what the
    /// schema requires that the data set does not hold.
    fn unwritable(&self, project: &Project) -> Vec<Problem> {
        let problem = |path: Path, message: String| Problem {
            path,
            code: Code::IatiNotWritable,
            message,
            severity: Severity::Error,
        };
        let at = || Path::root("projects").field(&project.id.to_string());
        let named = format!("project {:?} ({})", project.title, project.id);
        let mut problems = Vec::new();
        if self.reporting(project).is_none() {
            problems.push(problem(
                at(),
                format!(
                    "{named} has no reporting organisation, which an IATI activity needs: give \
                     it a lead office or a partner"
                ),
            ));
        }
        if project.period.start.is_none() && project.period.end.is_none() {
            problems.push(problem(
                at(),
                format!(
                    "{named} has no start or end date, and an IATI activity needs an activity-date"
                ),
            ));
        }
        for c in self.data.contributions.iter() {
            let money = matches!(c.kind, ContributionKind::Cash | ContributionKind::Pledge)
                && matches!(c.value, ContributionValue::Actual { .. });
            if c.project == Some(project.id) && money && c.effective_date().is_none() {
                problems.push(problem(
                    Path::root("contributions").field(&c.id.to_string()),
                    format!(
                        "{} {} of {named} has no date, and the IATI transaction it would be \
                         needs one",
                        c.kind.label(),
                        c.value.money().map(|m| m.to_string()).unwrap_or_default()
                    ),
                ));
            }
        }
        problems
    }

    pub(super) fn activity(&self, out: &mut String, project: &Project) -> Result<()> {
        let Some(reporting) = self.reporting(project) else {
            return Err(Error::Parse {
                what: "project",
                input: project.title.clone(),
                reason: "an IATI activity needs a reporting organisation: give the project a \
                         lead office or a partner"
                    .to_owned(),
            });
        };
        let reporting_org = self.organisation(reporting, project)?;
        out.push_str(" <iati-activity>\n");
        let _ = writeln!(
            out,
            "  <iati-identifier>{}</iati-identifier>",
            esc(&self.identifier(project))
        );
        self.org_element(out, "  ", "reporting-org", reporting_org, None);
        out.push_str("  <title>\n");
        Self::narratives(out, "   ", &project.title, &project.title_narratives);
        out.push_str("  </title>\n");
        out.push_str("  <description type=\"1\">\n");
        match &project.description {
            Some(text) => Self::narratives(out, "   ", text, &project.description_narratives),
            None => out.push_str("   <narrative></narrative>\n"),
        }
        out.push_str("  </description>\n");
        if project.partners.is_empty() {
            self.org_element(out, "  ", "participating-org", reporting_org, Some(2));
        }
        for partner in &project.partners {
            let org = self.organisation(partner.organisation, project)?;
            self.org_element(
                out,
                "  ",
                "participating-org",
                org,
                Some(partner.role.iati_code()),
            );
        }
        let status = project.status.unwrap_or(match project.period.end {
            Some(end) if end.latest() < self.today => ProjectStatus::Closed,
            _ => ProjectStatus::Implementation,
        });
        let _ = writeln!(out, "  <activity-status code=\"{}\"/>", status.iati_code());
        let planned = status == ProjectStatus::Pipeline;
        if let Some(start) = project.period.start {
            let _ = writeln!(
                out,
                "  <activity-date iso-date=\"{}\" type=\"{}\"/>",
                iso(first_day(start)),
                if planned { 1 } else { 2 }
            );
        }
        if let Some(end) = project.period.end {
            let ended = matches!(
                status,
                ProjectStatus::Finalisation | ProjectStatus::Closed | ProjectStatus::Cancelled
            );
            let _ = writeln!(
                out,
                "  <activity-date iso-date=\"{}\" type=\"{}\"/>",
                iso(end.latest()),
                if ended { 4 } else { 3 }
            );
        }
        for country in &project.countries {
            let _ = writeln!(out, "  <recipient-country code=\"{}\"/>", country.as_str());
        }
        for sector in &project.sectors {
            let _ = writeln!(
                out,
                "  <sector vocabulary=\"1\" code=\"{}\"/>",
                sector.as_str()
            );
        }
        for sector in &project.other_sectors {
            let _ = writeln!(
                out,
                "  <sector vocabulary=\"{}\" code=\"{}\"/>",
                esc(&sector.vocabulary),
                esc(&sector.code)
            );
        }
        for (b, budget) in project.budgets.iter().enumerate() {
            Self::budget(out, project, b, budget)?;
        }
        let contributions = self
            .data
            .contributions
            .iter()
            .filter(|c| c.project == Some(project.id));
        for c in contributions {
            self.transactions(out, project, reporting, c)?;
        }
        for agreement in self.agreements(project) {
            // An MoU the project is not linked to says so, so that a reader
            // links it to no more projects than it has.
            let context = if agreement.projects.contains(&project.id) {
                String::new()
            } else {
                format!(" xmlns:partnercrm=\"{OWN_NAMESPACE}\" {OWN_PARTIES_ONLY}=\"true\"")
            };
            let _ = writeln!(
                out,
                "  <document-link format=\"application/octet-stream\" url=\"urn:uuid:{}\"{context}>",
                agreement.id
            );
            let _ = writeln!(
                out,
                "   <title>\n    <narrative>{}</narrative>\n   </title>",
                esc(&agreement.title)
            );
            out.push_str("   <category code=\"A09\"/>\n");
            if let Some(signed) = agreement.signed {
                let _ = writeln!(
                    out,
                    "   <document-date iso-date=\"{}\"/>",
                    iso(first_day(signed))
                );
            }
            out.push_str("  </document-link>\n");
        }
        for (other, kind) in self.related(project) {
            let _ = writeln!(
                out,
                "  <related-activity ref=\"{}\" type=\"{kind}\"/>",
                esc(&self.identifier(other))
            );
        }
        for indicator in self
            .data
            .indicators
            .iter()
            .filter(|i| i.project == project.id)
        {
            Self::result(out, indicator);
        }
        out.push_str(" </iati-activity>\n");
        Ok(())
    }

    /// One of the project's budgets, as the schema has it: both ends of the
    /// period, and a value date (the period's start when none is held).
    fn budget(out: &mut String, project: &Project, b: usize, budget: &Budget) -> Result<()> {
        let (Some(start), Some(end)) = (budget.period.start, budget.period.end) else {
            return Err(Error::Parse {
                what: "project",
                input: project.title.clone(),
                reason: format!(
                    "its budgets[{b}] runs {}, and an IATI budget needs a period-start and a \
                     period-end",
                    budget.period
                ),
            });
        };
        let start = iso(first_day(start));
        let value_date = budget
            .value_date
            .map_or_else(|| start.clone(), |d| iso(first_day(d)));
        let _ = writeln!(
            out,
            "  <budget type=\"{}\" status=\"{}\">",
            budget.kind.iati_code(),
            budget.status.iati_code()
        );
        let _ = writeln!(out, "   <period-start iso-date=\"{start}\"/>");
        let _ = writeln!(out, "   <period-end iso-date=\"{}\"/>", iso(end.latest()));
        let _ = writeln!(
            out,
            "   <value currency=\"{}\" value-date=\"{value_date}\">{}</value>",
            budget.value.currency.code(),
            budget.value.amount
        );
        out.push_str("  </budget>\n");
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn transaction(
        &self,
        out: &mut String,
        code: u8,
        date: NaiveDate,
        money: &Money,
        description: Option<&str>,
        donor: &Organisation,
        recipient: &Organisation,
        reference: Reference,
    ) {
        match reference {
            // The contribution's id, so that reading the file back into the
            // store it came from finds the contribution again.
            Reference::Contribution(id) => {
                let _ = writeln!(out, "  <transaction ref=\"{id}\">");
            }
            // A payment against it, so that it is read back as a payment
            // and not as a contribution of its own.
            Reference::PaymentOf(id) => {
                let _ = writeln!(
                    out,
                    "  <transaction xmlns:partnercrm=\"{OWN_NAMESPACE}\" {OWN_PAYMENT_OF}=\"{id}\">"
                );
            }
        }
        let _ = writeln!(out, "   <transaction-type code=\"{code}\"/>");
        let _ = writeln!(out, "   <transaction-date iso-date=\"{}\"/>", iso(date));
        let _ = writeln!(
            out,
            "   <value currency=\"{}\" value-date=\"{}\">{}</value>",
            money.currency.code(),
            iso(date),
            money.amount
        );
        if let Some(text) = description {
            let _ = writeln!(
                out,
                "   <description>\n    <narrative>{}</narrative>\n   </description>",
                esc(text)
            );
        }
        // An organisation that stands for one the source left unnamed is
        // left out again, and the reader gives that end the same one.
        if donor.not_stated().is_none() {
            self.org_element(out, "   ", "provider-org", donor, None);
        }
        if recipient.not_stated().is_none() {
            self.org_element(out, "   ", "receiver-org", recipient, None);
        }
        out.push_str("  </transaction>\n");
    }

    fn transactions(
        &self,
        out: &mut String,
        project: &Project,
        reporting: OrganisationId,
        c: &Contribution,
    ) -> Result<()> {
        let money = match (c.kind, &c.value) {
            (ContributionKind::Pledge, ContributionValue::Estimated { .. }) => return Ok(()),
            (ContributionKind::Cash | ContributionKind::Pledge, value) => match value.money() {
                Some(money) => money,
                None => return Ok(()),
            },
            (ContributionKind::InKind | ContributionKind::Services, _) => return Ok(()),
        };
        let Some(date) = c.effective_date() else {
            return Ok(());
        };
        let donor = self.organisation(c.donor, project)?;
        let recipient = self.organisation(c.recipient, project)?;
        // A not-stated provider stands at the unnamed end of incoming money,
        // a not-stated receiver at that of outgoing money: written so, the
        // reader finds that end unnamed again.
        let incoming = match (donor.not_stated(), recipient.not_stated()) {
            (Some(TransactionEnd::Provider), _) => true,
            (_, Some(TransactionEnd::Receiver)) => false,
            _ => c.recipient == reporting,
        };
        let code = match (c.kind, incoming) {
            (ContributionKind::Pledge, true) => 11,
            (ContributionKind::Pledge, false) => 2,
            (_, true) => 1,
            (_, false) => 3,
        };
        self.transaction(
            out,
            code,
            first_day(date),
            money,
            c.description.as_deref(),
            donor,
            recipient,
            Reference::Contribution(c.id),
        );
        for payment in &c.payments {
            self.transaction(
                out,
                if incoming { 1 } else { 3 },
                first_day(payment.date),
                &payment.amount,
                None,
                donor,
                recipient,
                Reference::PaymentOf(c.id),
            );
        }
        Ok(())
    }

    /// Agreements linked to the project, and MoUs between its organisations.
    fn agreements(&self, project: &Project) -> Vec<&'d Agreement> {
        let mut members: IdSet<OrganisationId> =
            project.partners.iter().map(|p| p.organisation).collect();
        members.extend(project.lead_office);
        self.data
            .agreements
            .iter()
            .filter(|a| {
                a.projects.contains(&project.id)
                    || (a.kind == AgreementKind::Mou
                        && a.parties.len() >= 2
                        && a.parties.iter().all(|p| members.contains(&p.organisation)))
            })
            .collect()
    }

    /// Related activities: parent (1), children (2), siblings (3), co-funded (4).
    fn related(&self, project: &Project) -> Vec<(&'d Project, u8)> {
        let mut out: Vec<(&Project, u8)> = Vec::new();
        let push = |other: &'d Project, kind: u8, out: &mut Vec<(&'d Project, u8)>| {
            if other.id != project.id && !out.iter().any(|(p, k)| p.id == other.id && *k == kind) {
                out.push((other, kind));
            }
        };
        if let Some(parent) = project.parent.and_then(|id| self.projects.get(&id)) {
            push(parent, 1, &mut out);
        }
        for other in &self.data.projects {
            if other.parent == Some(project.id) {
                push(other, 2, &mut out);
            } else if project.parent.is_some() && other.parent == project.parent {
                push(other, 3, &mut out);
            }
        }
        // Co-funded: another project shares a contribution with this one.
        for c in &self.data.contributions {
            let funds_this = c.project == Some(project.id)
                || c.allocations.iter().any(|a| a.project == project.id);
            if !funds_this {
                continue;
            }
            let others = c
                .project
                .into_iter()
                .chain(c.allocations.iter().map(|a| a.project));
            for id in others {
                if let Some(other) = self.projects.get(&id) {
                    push(other, 4, &mut out);
                }
            }
        }
        out
    }

    fn result(out: &mut String, indicator: &Indicator) {
        let measure = indicator.measure.iati_code();
        out.push_str("  <result type=\"2\">\n   <title>\n");
        Self::narratives(out, "    ", &indicator.title, &indicator.title_narratives);
        out.push_str("   </title>\n");
        let _ = writeln!(out, "   <indicator measure=\"{measure}\">\n    <title>");
        Self::narratives(out, "     ", &indicator.title, &indicator.title_narratives);
        out.push_str("    </title>\n");
        if let Some(baseline) = &indicator.baseline
            && let Some(date) = baseline.period.start.or(baseline.period.end)
        {
            let _ = write!(out, "    <baseline year=\"{}\"", date.year_of());
            if let PartialDate::Day(day) = date {
                let _ = write!(out, " iso-date=\"{}\"", iso(day));
            }
            if let Some(value) = baseline.value {
                let _ = write!(out, " value=\"{value}\"");
            }
            match &baseline.comment {
                Some(comment) => {
                    let _ = writeln!(
                        out,
                        ">\n     <comment>\n      <narrative>{}</narrative>\n     </comment>\n    </baseline>",
                        esc(comment)
                    );
                }
                None => out.push_str("/>\n"),
            }
        }
        let mut periods: Vec<(PartialDate, PartialDate)> = indicator
            .targets
            .iter()
            .chain(&indicator.actuals)
            .filter(|o| written(o))
            .filter_map(|o| Some((o.period.start?, o.period.end?)))
            .collect();
        periods.sort();
        periods.dedup();
        for (start, end) in periods {
            out.push_str("    <period>\n");
            let _ = writeln!(
                out,
                "     <period-start iso-date=\"{}\"/>",
                iso(first_day(start))
            );
            let _ = writeln!(out, "     <period-end iso-date=\"{}\"/>", iso(end.latest()));
            for (tag, list) in [
                ("target", &indicator.targets),
                ("actual", &indicator.actuals),
            ] {
                for o in list
                    .iter()
                    .filter(|o| o.period.start == Some(start) && o.period.end == Some(end))
                {
                    let _ = write!(out, "     <{tag}");
                    if let Some(value) = o.value {
                        let _ = write!(out, " value=\"{value}\"");
                    }
                    match &o.comment {
                        Some(comment) => {
                            let _ = writeln!(
                                out,
                                ">\n      <comment>\n       <narrative>{}</narrative>\n      </comment>\n     </{tag}>",
                                esc(comment)
                            );
                        }
                        None => out.push_str("/>\n"),
                    }
                }
            }
            out.push_str("    </period>\n");
        }
        out.push_str("   </indicator>\n  </result>\n");
    }
}
