//! Problems found by validation, each with a path, a stable code and a severity.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How serious a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The data is wrong and must not be stored.
    Error,
    /// The data is allowed but has a gap or oddity worth a look.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = crate::Error;

    /// `"error"` or `"warning"`, as [`Severity::as_str`] writes them.
    fn from_str(s: &str) -> crate::Result<Self> {
        [Self::Error, Self::Warning]
            .into_iter()
            .find(|severity| severity.as_str() == s)
            .ok_or_else(|| crate::Error::Parse {
                what: "severity",
                input: s.to_owned(),
                reason: "expected \"error\" or \"warning\"".to_owned(),
            })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a [`Path`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Segment {
    /// A field name.
    Field(String),
    /// A position in a list, from 0.
    Index(usize),
}

/// Where a problem is, e.g. `agreements[3].parties`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Path(Vec<Segment>);

impl Path {
    /// A path starting at a top-level field.
    pub fn root(field: &str) -> Self {
        Self(vec![Segment::Field(field.to_owned())])
    }

    /// This path extended by a field.
    pub fn field(&self, name: &str) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Field(name.to_owned()));
        next
    }

    /// This path extended by a list position.
    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Index(index));
        next
    }

    /// The steps of the path.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Field(name) if i == 0 => f.write_str(name)?,
                Segment::Field(name) => write!(f, ".{name}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)*) => {
        /// A stable, machine-readable problem code. Filter on the code, never
        /// on the message text, which may be reworded.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as written in reports, e.g. `"agreement.party_count"`.
            pub const fn as_str(&self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }
        }
    };
}

codes! {
    /// Two records of one kind share an id.
    DuplicateId = "id.duplicate",
    /// A reference names a record that does not exist.
    DanglingReference = "reference.dangling",
    /// A required text, such as a name or title, is empty.
    EmptyText = "text.empty",
    /// A period ends before it starts.
    EndBeforeStart = "date.end_before_start",
    /// An amount is zero, or negative where it cannot be a reversal: only an
    /// actual cash or pledge amount may be negative.
    MoneyNotPositive = "money.not_positive",
    /// Amounts that must be totalled to check a rule (a pledge's payments, a
    /// contribution's allocations) sum beyond what partnercrm computes with
    /// exactly.
    MoneyOverflow = "money.overflow",
    /// An organisation is its own ancestor.
    OrganisationParentCycle = "organisation.parent_cycle",
    /// A country office has no parent organisation.
    OfficeWithoutParent = "organisation.office_without_parent",
    /// A country office has no country.
    OfficeWithoutCountry = "organisation.office_without_country",
    /// An identifier is malformed, e.g. an IATI org-id with an unknown registration agency.
    InvalidIdentifier = "organisation.identifier_invalid",
    /// An IATI org-id uses a registration agency that org-id.guide has withdrawn.
    WithdrawnRegistrationAgency = "organisation.identifier_withdrawn_agency",
    /// Two organisations claim the same identifier.
    SharedIdentifier = "organisation.identifier_shared",
    /// Two organisations answer to the same name, acronym or alias.
    SharedName = "organisation.name_shared",
    /// An organisation lists itself among its constituents.
    SelfConstituent = "organisation.self_constituent",
    /// An agreement has the wrong number of parties for its kind.
    PartyCount = "agreement.party_count",
    /// An organisation appears twice among an agreement's parties.
    DuplicateParty = "agreement.duplicate_party",
    /// A party has no role.
    PartyWithoutRole = "agreement.party_without_role",
    /// An agreement is signed after it stopped being in force.
    SignedAfterEnd = "agreement.signed_after_end",
    /// An amendment is dated before the agreement was signed.
    AmendmentBeforeSigning = "agreement.amendment_before_signing",
    /// An expired or terminated agreement has no end date.
    EndedWithoutEndDate = "agreement.ended_without_end_date",
    /// A contribution's donor is also its recipient.
    SelfDonation = "contribution.self_donation",
    /// A contribution's amount is unknown.
    AmountUnknown = "contribution.amount_unknown",
    /// A contribution has neither a date nor a period.
    DateMissing = "contribution.date_missing",
    /// A contribution's date falls outside its own period.
    DateOutsidePeriod = "contribution.date_outside_period",
    /// Payments exceed the pledge they are made against.
    PledgeOverpaid = "contribution.pledge_overpaid",
    /// A contribution that is not a pledge has payments.
    PaymentsWithoutPledge = "contribution.payments_without_pledge",
    /// A payment is in another currency than its pledge.
    PaymentCurrency = "contribution.payment_currency",
    /// A payment is dated before its pledge.
    PaymentBeforePledge = "contribution.payment_before_pledge",
    /// An allocation gives neither or both of amount and percent, or a share out of range.
    AllocationShare = "contribution.allocation_share",
    /// A contribution's allocations mix amounts and percents.
    AllocationMixed = "contribution.allocation_mixed",
    /// Allocations claim more than the whole contribution.
    AllocationOverTotal = "contribution.allocation_over_total",
    /// Two allocations name the same project.
    AllocationDuplicate = "contribution.allocation_duplicate",
    /// A project is its own ancestor.
    ProjectParentCycle = "project.parent_cycle",
    /// The same organisation is listed twice in the same project role.
    DuplicatePartner = "project.duplicate_partner",
    /// A project runs outside its parent programme's period.
    OutsideParentPeriod = "project.outside_parent_period",
    /// A budget lacks the start or the end of its period, both of which IATI requires.
    BudgetPeriodMissing = "budget.period_missing",
    /// A budget's period runs a year or more, longer than IATI allows a budget.
    BudgetOverAYear = "budget.period_over_a_year",
    /// A budget is negative: a publisher's cut to an earlier plan, which totals net.
    BudgetNegative = "budget.negative",
    /// Two budgets of one kind (both original, or both revised) cover
    /// overlapping periods, so a plan per period would count both.
    BudgetOverlap = "budget.overlapping_periods",
    /// A count or percentage is negative.
    NegativeValue = "indicator.negative_value",
    /// A percentage is above 100.
    PercentageOutOfRange = "indicator.percentage_out_of_range",
    /// A count has a fractional part.
    FractionalCount = "indicator.fractional_count",
    /// A value has more than the 6 decimals its columns hold.
    IndicatorTooManyDecimals = "indicator.too_many_decimals",
    /// An indicator value with neither a number nor a comment: nothing is said.
    IndicatorNoValue = "indicator.no_value",
    /// A nominal, ordinal or qualitative indicator aggregated by sum.
    IndicatorSumOfNonQuantities = "indicator.sum_of_non_quantities",
    /// Values of a summed indicator cover overlapping periods, so a total would count twice.
    OverlappingPeriods = "indicator.overlapping_periods",
    /// A group has no name.
    GroupWithoutName = "group.no_name",
    /// A group's names overlap in time.
    NamesOverlap = "group.names_overlap",
    /// One organisation's memberships of a group overlap in time.
    MembershipOverlap = "group.membership_overlap",
    /// Two sole chairs' terms overlap.
    ChairOverlap = "group.chair_overlap",
    /// A chair is not a member of the group for the whole term.
    ChairNotMember = "group.chair_not_member",
    /// A group is its own ancestor.
    GroupParentCycle = "group.parent_cycle",
    /// A CSV file lacks a column the kind of record needs.
    CsvMissingColumn = "csv.missing_column",
    /// A CSV cell does not hold a valid value for its column.
    CsvInvalidValue = "csv.invalid_value",
    /// A CSV cell names no known record.
    CsvUnknownReference = "csv.unknown_reference",
    /// A CSV cell names more than one record.
    CsvAmbiguousReference = "csv.ambiguous_reference",
    /// A CSV row cannot be read at all.
    CsvMalformedRow = "csv.malformed_row",
    /// A CSV cell is longer than the reader accepts.
    CsvLimit = "csv.limit",
    /// A CSV or workbook header names a column the kind of record does not
    /// read, and the mapping does not ignore it; the message names the
    /// nearest known column.
    CsvUnknownColumn = "csv.unknown_column",
    /// Two columns of a header have the same name (case aside), as read or
    /// after the mapping.
    CsvDuplicateColumn = "csv.duplicate_column",
    /// A number cell with two readings (`12.500`: twelve and a half, or
    /// twelve thousand five hundred) in a file read with no locale; the
    /// message shows both.
    CsvAmbiguousValue = "csv.ambiguous_value",
    /// A file's header shows no one kind of record: the message lists the
    /// candidate kinds and what each lacks.
    CsvUnknownKind = "csv.unknown_kind",
    /// An IATI code is in no official codelist the element allows, e.g. transaction type `Z`.
    IatiUnknownCode = "iati.unknown_code",
    /// An IATI amount names no currency, and its activity has no default currency.
    IatiMissingCurrency = "iati.missing_currency",
    /// An IATI value cannot be read: a malformed date, number or identifier, or a
    /// value the model refuses, such as a zero amount.
    IatiInvalidValue = "iati.invalid_value",
    /// An IATI organisation reference held as an identifier of an older or
    /// other scheme than org-id.guide: the retired OrganisationIdentifier list
    /// (`DE-1`), an OECD CRS channel code (`41114`) or a form no list has
    /// (`US-GOV-1`); the message names the current org-id where one is known.
    IatiLegacyIdentifier = "iati.legacy_identifier",
    /// An IATI organisation reference that is an OECD CRS channel category
    /// (`21000` "International NGO"): it says what sort of organisation, not
    /// which, so the organisation is matched by its name.
    IatiChannelCategory = "iati.channel_category",
    /// Two IATI organisation identifiers come with one name: they are kept as
    /// two organisations, which lookups by that name cannot tell apart.
    IatiSharedName = "iati.shared_name",
    /// An organisation read by its name alone, in this file or an earlier
    /// one, is the one an IATI identifier names by that name: it is folded
    /// into that one, and what referred to it refers to that one.
    IatiSameOrganisation = "iati.same_organisation",
    /// An IATI transaction names no provider (incoming money) or no receiver
    /// (outgoing money), so the activity's one funding (or implementing)
    /// organisation is taken for that end.
    IatiCounterpartyFromRole = "iati.counterparty_from_role",
    /// An IATI transaction names no provider or no receiver, and its
    /// activity has no single other funding (or implementing) organisation to
    /// take for it: the end is held as the activity's "not stated"
    /// organisation, which an IATI export leaves out again.
    IatiCounterpartyNotStated = "iati.counterparty_not_stated",
    /// An element the IATI schema does not allow where it stands.
    IatiUnexpectedElement = "iati.unexpected_element",
    /// An IATI count or percentage value given in words only (a comment and
    /// no number): kept as words, which no total or achievement counts.
    IatiValueInWords = "iati.value_in_words",
    /// An element or attribute IATI requires is absent, e.g. an activity without `iati-identifier`.
    IatiMissingElement = "iati.missing_element",
    /// A project that no schema-valid IATI activity can be written from: it
    /// has no reporting organisation or no date, or money with no date.
    IatiNotWritable = "iati.not_writable",
    /// Sound IATI that the model has no place for, e.g. a loan repayment, a
    /// transfer within one organisation or a qualitative indicator.
    IatiUnsupported = "iati.unsupported",
    /// A quote names no speaker.
    QuoteWithoutSpeaker = "note.quote_without_speaker",
    /// A note is linked to nothing.
    UnlinkedNote = "note.unlinked",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One thing wrong with a data set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where, e.g. `agreements[3].parties`.
    pub path: Path,
    /// What sort of problem, stable across versions.
    pub code: Code,
    /// A sentence for people.
    pub message: String,
    /// Whether it blocks storing the data.
    pub severity: Severity,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} [code={}, severity={}]",
            self.path, self.message, self.code, self.severity
        )
    }
}

/// Every problem found in one validation run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Report {
    problems: Vec<Problem>,
}

impl Report {
    /// A report holding these problems.
    pub fn new(problems: Vec<Problem>) -> Self {
        Self { problems }
    }

    /// Every problem, in the order the data holds them.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
    }

    /// Whether there are no errors (warnings allowed).
    pub fn is_clean(&self) -> bool {
        self.errors().next().is_none()
    }

    /// Whether there are neither errors nor warnings.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// `Ok` if there are no errors, else [`Error::Invalid`](crate::Error::Invalid)
    /// carrying this report.
    pub fn into_result(self) -> crate::Result<Self> {
        if self.is_clean() {
            Ok(self)
        } else {
            Err(crate::Error::Invalid(self))
        }
    }
}

impl IntoIterator for Report {
    type Item = Problem;
    type IntoIter = std::vec::IntoIter<Problem>;

    fn into_iter(self) -> Self::IntoIter {
        self.problems.into_iter()
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Reads like pydantic's: a count, then one line per problem.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.errors().count();
        let warnings = self.problems.len() - errors;
        write!(
            f,
            "{}, {}",
            plural(errors, "validation error"),
            plural(warnings, "warning")
        )?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_read_back_as_written() {
        for severity in [Severity::Error, Severity::Warning] {
            assert_eq!(severity.as_str().parse::<Severity>().ok(), Some(severity));
        }
        let err = "fatal".parse::<Severity>().expect_err("not a severity");
        assert_eq!(
            err.to_string(),
            r#"invalid severity "fatal": expected "error" or "warning""#
        );
    }

    #[test]
    fn paths_read_like_accessors() {
        let path = Path::root("agreements").index(3).field("parties").index(0);
        assert_eq!(path.to_string(), "agreements[3].parties[0]");
        assert_eq!(
            serde_json::to_string(&path).ok().as_deref(),
            Some(r#"["agreements",3,"parties",0]"#)
        );
    }

    #[test]
    fn codes_are_unique_and_dotted() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {code}");
            assert!(code.as_str().contains('.'), "{code} has no namespace");
        }
    }

    #[test]
    fn report_counts_errors_and_warnings() {
        let problem = |severity| Problem {
            path: Path::root("contributions").index(0),
            code: Code::AmountUnknown,
            message: "the amount is unknown".into(),
            severity,
        };
        let report = Report::new(vec![problem(Severity::Warning)]);
        assert!(report.is_clean());
        assert!(!report.is_empty());
        let report = Report::new(vec![problem(Severity::Error), problem(Severity::Warning)]);
        assert!(!report.is_clean());
        assert_eq!(
            report.to_string(),
            "1 validation error, 1 warning\n  contributions[0]: the amount is unknown [code=contribution.amount_unknown, severity=error]\n  contributions[0]: the amount is unknown [code=contribution.amount_unknown, severity=warning]"
        );
    }
}
