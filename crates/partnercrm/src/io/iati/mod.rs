//! IATI Activity Standard 2.03: activities in and out.
//!
//! [`read_str`] and [`read_file`] import an `iati-activities` file (or a
//! bare `iati-activity`) as new records plus warnings; [`write`] exports
//! projects with their budgets, organisations, contributions, indicators
//! and MoUs as an `iati-activities` document that validates against the
//! official 2.03 schema.
//!
//! # What maps to what
//!
//! | IATI | partnercrm |
//! |---|---|
//! | `reporting-org` | an [`Organisation`]; the project's `lead_office` |
//! | `participating-org`, `provider-org`, `receiver-org` | [`Organisation`]s: `@ref` → an [`Identifier`]: `iati_org_id` (org-id.guide), `retired_org_id`, `crs_channel_code` or `iati_reference` (see the README); first narrative → `name`, every narrative → `name_narratives` (when there are several, or one with a language); `@type` → `kind` (below) |
//! | `iati-activity` | a [`Project`] |
//! | `iati-identifier` | `Project.iati_identifier` |
//! | `title`, `description` (type 1 or none) | `title`, `description`; every narrative in `title_narratives`, `description_narratives` |
//! | `activity-status` | `status` (1 pipeline … 6 suspended) |
//! | `activity-date` | `period`: the actual start (2) else the planned start (1), the actual end (4) else the planned end (3); when those contradict each other, the consistent pair with the most actual dates, else the start alone, with a warning naming what is left out |
//! | `recipient-country` | `countries` |
//! | `sector` (vocabulary 1, OECD DAC 5-digit) | `sectors` |
//! | `sector` of another SectorVocabulary (2 to 12, 98, 99) | `other_sectors`, as `vocabulary:code` |
//! | `participating-org/@role` 1, 2, 3, 4 | `partners`: funding, accountable, extending, implementing |
//! | `related-activity` type 1 | `parent`, when the parent activity is in the file or already known |
//! | `transaction` type 1 incoming funds | a cash [`Contribution`] from the provider (else the activity's one funding organisation, else its not-stated provider, below) to the receiver (else the reporting organisation) |
//! | type 11 incoming commitment, 13 incoming pledge | a pledge, donor and recipient as for type 1 |
//! | type 2 outgoing commitment, 12 outgoing pledge | a pledge from the provider (else the reporting organisation) to the receiver (else the activity's one implementing organisation, else its not-stated receiver) |
//! | type 3 disbursement, 4 expenditure | cash, donor and recipient as for type 2 |
//! | no `provider-org` (incoming) or `receiver-org` (outgoing), and no single other funding (implementing) organisation | an [`Organisation`] `Provider not stated in <activity identifier>` (`Receiver …`), one per activity and end, marked by an identifier of scheme [`not_stated`](IdentifierScheme::NotStated); warning `iati.counterparty_not_stated` (`iati.counterparty_from_role` when the one organisation in the role is taken) |
//! | provider and receiver the same organisation | a transfer within it, no contribution: reported with its amount and skipped |
//! | types 5 to 10 (loans, equity, guarantees, reimbursements), a type in no list, no type | reported with their amount and skipped: not contributions |
//! | `transaction/value`, `@currency` | `value`, actual, to every decimal written; a negative value is a reversal (money returned, a commitment cut) held as is, to net against its kind; zero is reported and skipped; no `@currency` means the activity's `@default-currency`; neither is a warning and the transaction is skipped |
//! | `transaction-date` (else `value/@value-date`) | `date` |
//! | `budget` | a [`Budget`] of the project, whoever reports or funds the activity: `@type` → `kind` (1 original, 2 revised; none is original, as IATI assumes), `@status` → `status` (1 indicative, 2 committed; none is indicative), `period-start`, `period-end` → `period`, `value` → `value` exactly as written (negative, zero and any precision included) in its `@currency` or the activity's default, `value/@value-date` → `value_date`. A plan, not a contribution: no rollup counts it. One without a value, a currency or both readable ends of its period, or with a reversed period, is reported and skipped; an unknown type or status is reported and read as IATI's default |
//! | `document-link` with category A09 | an MoU [`Agreement`] between the reporting organisation and every participating one, linked to the project, keyed by activity and `@url` (else its place); `document-date` → `signed` |
//! | `result/indicator` | an [`Indicator`]: measure 1 → count (unit `units`), 2 → percentage (unit `%`), 3 → nominal (`category`), 4 → ordinal (`rank`), 5 → qualitative (`words`); the indicator's title, else its result's; aggregation `latest`, as IATI does not say how values combine |
//! | `baseline` (`@value`, `@iso-date` else `@year`, `comment`) | `baseline`, its period the baseline's date |
//! | `period/target`, `period/actual` | `targets`, `actuals`, each with the period's dates and comment, ordered by period; with no number, the comment alone (a warning for counts and percentages); with neither, a warning |
//!
//! OrganisationType → `kind`: 10, 11, 15 government; 21 to 24 NGO / civil
//! society; 40 multilateral → intergovernmental; 60 foundation; 70 to 73
//! private company; 80 academic; 30, 90 and none → other. Written back,
//! each kind takes [`OrganisationKind::iati_organisation_type`].
//!
//! IATI 1.x codes are read by the official 1.x → 2.x correspondence:
//! transaction types `IF` 1, `C` 2, `D` 3, `E` 4, `IR` 5, `LR` 6, `R` 7,
//! `QP` 8, `QS` 9, `CG` 10; activity dates `start-planned` 1,
//! `start-actual` 2, `end-planned` 3, `end-actual` 4; organisation roles
//! `Funding`, `Accountable`, `Extending`, `Implementing`; sector vocabularies
//! `DAC` 1, `DAC-3` 2, `RO` 99, `RO2` 98; text written in the element instead of a `narrative`. Activity
//! statuses kept their numbers.
//!
//! Other IATI elements (locations, policy markers, contacts, planned
//! disbursements, …) have no place in the model and are skipped quietly;
//! elements the schema does not allow are reported as
//! `iati.unexpected_element`, and attributes and elements in other
//! namespaces (d-portal's `dstore:*`) are ignored.
//!
//! # Warnings
//!
//! What is sound is imported; the rest is reported as a warning whose path
//! is the XPath of the element, e.g.
//! `/iati-activities/iati-activity[3]/transaction[2]/value`, with a stable
//! code: `iati.unknown_code`, `iati.missing_currency`, `iati.invalid_value`
//! (also a zero amount), `iati.counterparty_from_role`,
//! `iati.counterparty_not_stated`, `iati.unexpected_element`,
//! `iati.missing_element` or `iati.unsupported`. Every amount a file
//! publishes is held or accounted for: a transaction skipped with a
//! non-zero amount is also in [`Import::skipped`], with its XPath, the
//! amount and the warning's code.
//! A document that is not well-formed XML is refused whole with
//! [`Error::Xml`], so a truncated download cannot pass for a small file.
//! Problems carry no line: [`locate`] finds the line and column of each
//! warning's element in the text, all in one pass.
//!
//! # Records and ids
//!
//! Ids derive from content (UUID v5), so reading the same file again gives
//! the same records: a project from its IATI identifier, an organisation
//! from its name, a contribution from its activity and what it says, an
//! indicator from its activity and title. Organisations and projects
//! already `known` (by org-id, then name; by IATI identifier) keep their
//! ids; known organisations are not returned again.
//!
//! A project's natural key is its IATI identifier when it has one, so
//! activities that share a title are stored side by side; indicators that
//! repeat a title within an activity are numbered (`… (2)`), with a warning.
//! So are MoUs that repeat the kind, title and date (or lack of one) of
//! another in the file or in `known`, as publishers link different
//! documents of one title ("Agreement") from many activities.
//!
//! A file partnercrm wrote, read back into the store it came from, yields
//! the stored records and so changes nothing. Each record is found by what
//! the file names it by: a project exported without an identifier of its
//! own by the id its activity identifier ends with; a contribution by the
//! id in `transaction/@ref`; a payment, written
//! as a transaction of its own, by its pledge's id in
//! `@partnercrm:payment-of`; an agreement by the id in `document-link/@url`;
//! an indicator by its natural key, its activity and title. A record found
//! is settled with the one known, field by field: where the file says just
//! what the store's own export of the known record says, the known value
//! stands, as the file holds less (a day for a month or a year, a status
//! for none, the reporting organisation for no lead office); where it says
//! something else, the file's value is taken, so an export edited by hand
//! changes what was edited. Fields IATI has no place for keep the known
//! values: a project's acronym, aliases, places and themes and its
//! partners' periods; a contribution's agreement and allocations; an
//! indicator's unit and aggregation, and its values without both period
//! dates; an agreement's kind (every A09 document reads as an MoU),
//! effective period, status, purpose and amendments. Known organisations
//! are never changed by a file.
//!
//! # Writing
//!
//! Each project is one `iati-activity`. The reporting organisation is the
//! `lead_office`, else the first accountable partner, else the first
//! partner; without an org-id its `ref` is empty (the schema requires the
//! attribute). Contributions earmarked for the project become transactions:
//! cash → 1 (incoming funds) when received by the reporting organisation,
//! else 3 (disbursement); an actual pledge → 11 (incoming commitment) or 2
//! (outgoing commitment); payments against a pledge → further transactions 1
//! or 3; a not-stated provider or receiver is left out of the transaction
//! (and makes it incoming or outgoing as it was read), so that reading the
//! file back gives the same organisation. Amounts are written as held,
//! negative and to every decimal. What IATI has no attribute for, a
//! payment's pledge, is written in partnercrm's own namespace
//! (`urn:partnercrm:iati`, declared on the element), which the schema allows
//! and other readers ignore. In-kind gifts, services, contributions of
//! unknown value and estimated pledges have no IATI transaction and are left
//! out: an estimate is no transaction, and no budget either, which is the
//! project's own plan. The project's budgets are written after its sectors,
//! each with its type, status, both ends of its period (a month or a year as
//! its first and last day), and its value with the value date (the period's
//! start when none is held); a budget without both ends cannot be written,
//! and the export is refused naming it. Older exports wrote each estimated
//! pledge as a `budget` naming it in `@partnercrm:ref`: read into the store
//! it came from, such a budget is that pledge again and is skipped; read
//! anywhere else, it is a budget.
//! Dates known only to a month or a year are written as their first day (a
//! period's end as its last). Agreements linked to the project, and MoUs all
//! of whose parties take part in it, become a `document-link` of category
//! A09 (`url` is `urn:uuid:` and the agreement's id). Related activities:
//! the parent is type 1, children type 2, projects with the same parent type
//! 3 (sibling), and projects funded by the same contribution (through its
//! allocations) type 4 (co-funded). A project with no status is written as
//! implementation, or closed once its end has passed by the day the file is
//! generated; one without a description gets an empty one, as the schema
//! requires a description. A project with neither start nor end has no
//! `activity-date`, which the schema requires: give it a period.
//!
//! # Hostile input
//!
//! No entity is ever expanded and nothing is fetched: a document type
//! declaration of any kind is refused (one declaring entities, as billion
//! laughs and `<!ENTITY xxe SYSTEM "file:///etc/passwd">` do, or naming an
//! external DTD, `<!DOCTYPE iati-activities SYSTEM "…">`), as is a
//! reference to an undeclared entity. Nesting deeper than
//! [`MAX_DEPTH`] and input larger than [`MAX_INPUT_BYTES`] are refused
//! before they can exhaust the stack or memory.

mod read;
mod write;
mod xml;

use uuid::Uuid;

use crate::model::ids::IdSet;
use crate::model::*;
use crate::validate::Problem;
use crate::{Error, Result};

pub use write::{unwritable, writable, write, write_at};

/// The largest input read, in bytes: 512 MiB, several times the largest
/// IATI files published.
pub const MAX_INPUT_BYTES: usize = 512 * 1024 * 1024;

/// The deepest element nesting read. IATI needs about eight levels.
pub const MAX_DEPTH: usize = 256;

/// What an import found: new records, and what could not be imported.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Import {
    /// The records read, with organisations and projects already known
    /// resolved to their ids (known organisations are not repeated).
    pub data: Dataset,
    /// Known organisations the file shows to be others: each was read by a
    /// name alone, and an identifier names it under that name. `data` moves
    /// every record that refers to one to the other; apply both together
    /// ([`Import::batch`]).
    pub deletes: Vec<RecordRef>,
    /// Warnings, each with the XPath of the element and a stable code.
    pub warnings: Vec<Problem>,
    /// Every amount the file publishes that no record holds, with the
    /// warning that says why: so that what the file states is held or
    /// accounted for, to the last decimal.
    pub skipped: Vec<Skipped>,
}

impl Import {
    /// The batch that stores what the file says: its records, and the
    /// deletion of the organisations it folds into others, in one revision.
    /// Takes them out of the import, leaving its warnings.
    pub fn batch(&mut self) -> crate::store::Batch {
        let mut batch = crate::store::Batch::upsert_all(std::mem::take(&mut self.data));
        batch.deletes = std::mem::take(&mut self.deletes);
        batch
    }
}

/// An amount a file publishes that the import does not hold: a transaction
/// that is no contribution (a loan repayment, a purchase of equity, a
/// transfer within one organisation, one of no known type) or that cannot
/// be placed. Zero values, and values with no readable amount or currency,
/// state no amount and are warned of only.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    /// The XPath of the element whose amount it is, e.g.
    /// `/iati-activities/iati-activity[3]/transaction[2]`.
    pub path: String,
    /// The amount as published, in the value's currency or the activity's default.
    pub money: Money,
    /// The code of the warning that says why, given on the element or one
    /// of its ancestors (an activity skipped whole).
    pub code: crate::validate::Code,
}

const NAMESPACE: Uuid = Uuid::from_u128(0x0b1a_7e5c_3d2f_4a8e_9c61_5f0e_2d47_a903);

/// The XML namespace of what an export says beyond IATI: references that
/// IATI has no attribute for. The schema allows attributes of other
/// namespaces on its elements, and other readers ignore them.
const OWN_NAMESPACE: &str = "urn:partnercrm:iati";

/// On a `budget` of an older export: the id of the estimated pledge it was
/// written for, which is no budget of the project.
const OWN_REF: &str = "partnercrm:ref";

/// On a `document-link` of an MoU: `true` when the MoU is not linked to the
/// activity's project, and written there because all its parties take part.
const OWN_PARTIES_ONLY: &str = "partnercrm:parties-only";

/// On a `transaction`: the id of the contribution it is a payment against.
const OWN_PAYMENT_OF: &str = "partnercrm:payment-of";

/// An id derived from `content`, chained for repeats so that identical
/// records in one file get distinct, still deterministic ids.
fn content_id(kind: &str, content: &str, seen: &mut IdSet<Uuid>) -> Uuid {
    let mut id = Uuid::new_v5(&NAMESPACE, format!("{kind}|{content}").as_bytes());
    while !seen.insert(id) {
        id = Uuid::new_v5(&NAMESPACE, id.as_bytes());
    }
    id
}

/// Reads an IATI activities document, resolving organisations and projects
/// against `known`.
pub fn read_str(text: &str, known: &Dataset) -> Result<Import> {
    read::read(text, known)
}

/// Reads an IATI activities file; refuses files above [`MAX_INPUT_BYTES`]
/// before reading them.
pub fn read_file(path: &std::path::Path, known: &Dataset) -> Result<Import> {
    read_str(&read_text(path)?, known)
}

/// An IATI file's text, as [`read_file`] reads it: refused before reading
/// when over [`MAX_INPUT_BYTES`], then decoded by
/// [`text::decode`](crate::io::text::decode) (UTF-8, or UTF-16 with a
/// byte-order mark or a declaration naming it).
pub fn read_text(path: &std::path::Path) -> Result<String> {
    crate::io::text::read_file(path, MAX_INPUT_BYTES as u64, |size| Error::Xml {
        line: 1,
        column: 1,
        message: format!(
            "{} is {size} bytes, more than the limit of {MAX_INPUT_BYTES} bytes",
            path.display()
        ),
    })
}

/// Where in `text` each warning path is: for each XPath (as a warning's
/// path gives it, e.g. `/iati-activities/iati-activity[3]/transaction[2]/value`;
/// a step without a position is the first of its name, a final `@attribute`
/// names its element), the 1-based line and column of the element's `<`.
/// When the element is missing (`iati.missing_element`), the place of its
/// nearest ancestor that is there; `None` when the path does not fit the
/// document at all. Reads `text` once, whatever the number of paths; meant
/// for a document [`read_str`] has already accepted.
pub fn locate(text: &str, xpaths: &[&str]) -> Vec<Option<(usize, usize)>> {
    xml::locate(text, xpaths)
}

/// Writes projects of `data` (all of them when `projects` is `None`) to an
/// IATI file.
pub fn write_file(
    path: &std::path::Path,
    data: &Dataset,
    projects: Option<&[ProjectId]>,
) -> Result<()> {
    let text = write(data, projects)?;
    std::fs::write(path, text).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}
