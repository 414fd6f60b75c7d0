//! CSV for spreadsheets: every kind of record in, any table out, and the
//! record tables back in.
//!
//! Each kind of file has documented columns; only the required ones must
//! be present, in any order, and a header mapping renames a file's columns
//! to these (`{"Geber": "donor"}`). Headers are matched case-insensitively.
//! Cells are trimmed; an empty cell is an absent value. Dates are `YYYY`,
//! `YYYY-MM` or `YYYY-MM-DD`; a date column `X` may have an `X_precision`
//! column beside it (`year`, `month` or `day`), which makes the date that
//! precise: the record tables write `2007-05-01` and `month` for May 2007.
//! Enum values are the snake_case names of the JSON document (`in_kind`),
//! forgiving case, spaces and dashes (`In-Kind`).
//!
//! Lists are separated by `;` (`UA; PL`), each item trimmed and empty
//! items left out; a backslash makes the character after it part of the
//! item when that is a `;`, a backslash or white space (`a\; b` is one
//! item, `a; b`). An empty cell is an empty list.
//!
//! A cell that names an organisation accepts its name, acronym, alias,
//! IATI org-id or other identifier, or its id; other records answer to
//! their titles, acronyms, aliases and ids, and contributions to their ids
//! alone. A name two records share is an error: use an identifier or id.
//!
//! # Ids, updates and what a file does not say
//!
//! Every kind but memberships takes an `id` column: a record's UUID. A row
//! with the id of a record in `known` (the stored records, see
//! [`CsvKind::known_kinds`]) updates that record; a row without one
//! updates the known record with the natural key of what it says, if any
//! (an organisation's IATI org-id or name, a project's title); any other
//! row is a new record, with the row's id or one derived from the row's
//! content. A record a row updates keeps, as stored, every field whose
//! column the file lacks and every field no column can hold (names in
//! other languages, a contribution's payments, a group's earlier names):
//! only the columns a file has change anything, and an empty cell in one
//! of them clears its field. Two rows may not give the same id.
//!
//! # The record tables
//!
//! The record tables of [`query::tables`](crate::query::tables), one per
//! kind of file, written by [`write_table`] (`partnercrm export --table`),
//! read back into the records they came from: into the store they came from
//! they change nothing, and into another they keep their ids. Each table
//! is read as the kind of its name, whose header shows it
//! ([`CsvKind::from_columns`]); references are written as ids; a column
//! the table names other than the reader is read under the reader's name
//! ([`CsvKind::synonyms`]: the contributions table's `date` is
//! `received_on`). What a record table holds no column for (a person's
//! affiliations, an agreement's amendments, a contribution's payments, a
//! project's budgets) is in the nested tables, which are not read, and
//! stays as stored.
//!
//! # Contributions (`contributions`)
//!
//! | column | required | holds |
//! |---|---|---|
//! | `id` | no | the contribution's id |
//! | `donor` | yes | an organisation |
//! | `recipient` | yes | an organisation |
//! | `kind` | yes | `cash`, `in_kind`, `pledge` or `services` |
//! | `amount` | no | a decimal amount; empty means unknown |
//! | `currency` | with `amount` | an ISO 4217 code |
//! | `received_on` (also `date`) | no | a date |
//! | `period_start`, `period_end` | no | the period it covers, for one given over time |
//! | `project` | no | a project |
//! | `agreement` | no | the agreement it comes under |
//! | `basis` | no | `actual` (the default), `estimated`, or `unknown` (with no amount) |
//! | `description` | no | free text |
//!
//! # Organisations (`organisations`)
//!
//! | column | required | holds |
//! |---|---|---|
//! | `id` | no | the organisation's id |
//! | `name` | yes | the name |
//! | `kind` | yes | e.g. `ngo_cso`, `private_company`, `government`, `un_agency` |
//! | `acronym`, `website`, `description` | no | text |
//! | `aliases` | no | other names, a list |
//! | `country` | no | an ISO 3166-1 alpha-2 code |
//! | `parent` | no | an organisation, stored or earlier in the file, or the id of one anywhere in it |
//! | `iati_org_id` | no | e.g. `XM-DAC-47066`; an organisation's other identifiers stay |
//!
//! # People (`people`)
//!
//! | column | required | holds |
//! |---|---|---|
//! | `id` | no | the person's id |
//! | `name` | yes, unless erased | the name |
//! | `organisation` | no | where the person works: added to a stored person's affiliations, or updating theirs there |
//! | `title` | no | the job title there |
//! | `from`, `to` | no | dates of that affiliation |
//! | `email`, `phone`, `description` | no | text |
//! | `erased` | no | `true` for a stored person whose personal data was erased (whose row gives none); import erases nobody |
//!
//! # Projects (`projects`)
//!
//! | column | required | holds |
//! |---|---|---|
//! | `id` | no | the project's id |
//! | `title` | yes | the title |
//! | `iati_identifier` | no | the IATI activity identifier |
//! | `acronym`, `description` | no | text |
//! | `aliases`, `places`, `themes` | no | lists of text |
//! | `countries` | no | a list of ISO 3166-1 alpha-2 codes |
//! | `sectors` | no | a list of OECD DAC 5-digit sector codes |
//! | `start`, `end` | no | dates |
//! | `status` | no | `pipeline`, `implementation`, `finalisation`, `closed`, `cancelled` or `suspended` |
//! | `lead_office` | no | an organisation |
//! | `parent` | no | the programme: a project, stored or earlier in the file, or the id of one anywhere in it |
//! | `funding`, `accountable`, `extending`, `implementing` | no | lists of organisations in that IATI role; a stored project's partners in roles without a column stay |
//!
//! A project's budgets have no column: a file that updates a stored project
//! keeps them as stored, and the `budgets` table (not read back) lists them.
//!
//! # Agreements (`agreements`)
//!
//! | column | required | holds |
//! |---|---|---|
//! | `id` | no | the agreement's id |
//! | `title` | yes | the title |
//! | `kind` | yes | `mou`, `bilateral`, `trilateral`, `multilateral`, `framework`, `funding` or `other` |
//! | `parties` | yes | a list of organisations, each optionally with roles: `IOM=signatory\|implementer` |
//! | `signed` | no | a date |
//! | `start`, `end` (also `effective_start`, `effective_end`) | no | when it is in effect |
//! | `status` | no | `draft`, `negotiating`, `active`, `expired` or `terminated` |
//! | `purpose` | no | text |
//! | `projects` | no | a list of projects |
//!
//! Party roles are `signatory`, `donor`, `implementer`,
//! `government_counterpart` and `beneficiary`.
//!
//! # Indicators (`indicators`), one row per value
//!
//! | column | required | holds |
//! |---|---|---|
//! | `id` | no | the indicator's id, the same on each of its rows |
//! | `project` | yes | the project measured |
//! | `indicator` (also `title`) | yes | the indicator's title; rows with the same project and title build one indicator |
//! | `unit` | yes | e.g. `people` |
//! | `measure` | no | `count` (the default) or `percentage` |
//! | `aggregation` | no | `sum` (the default), `max` or `latest` |
//! | `observation` | with `value` | `baseline`, `target` or `actual`; a row with neither declares the indicator alone |
//! | `value` | with `observation` | a decimal number |
//! | `qualifier` | no | `exact` (the default), `about`, `more_than`, `at_least`, `less_than` or `at_most` |
//! | `from`, `to` | no | the period the value covers |
//! | `comment` | no | text |
//!
//! A file with `observation` and `value` gives an indicator's values,
//! replacing a stored indicator's; a file without them (the indicators
//! table) gives one row per indicator and leaves stored values alone.
//!
//! # Groups (`groups`)
//!
//! | column | required | holds |
//! |---|---|---|
//! | `id` | no | the group's id |
//! | `name` | yes | the name: a stored group's current name, its earlier names staying |
//! | `kind` | yes | `inter_agency_group`, `working_group`, `task_force` or `network` |
//! | `acronym` | no | text |
//! | `aliases` | no | a list |
//! | `parent` | no | a group, stored or earlier in the file, or the id of one anywhere in it |
//! | `from`, `to` (also `start`, `end`) | no | when it existed |
//! | `purpose`, `contact` | no | text |
//!
//! # Memberships (`memberships`), one row per seat, of stored groups
//!
//! | column | required | holds |
//! |---|---|---|
//! | `group` | yes | a stored group |
//! | `organisation` | yes | an organisation |
//! | `role` | no | `member` (the default), `chair` or `co_chair` |
//! | `from`, `to` (also `start`, `end`) | no | dates of the membership or term |
//!
//! A row a group has already changes nothing, and none removes a seat.
//!
//! # Notes (`notes`)
//!
//! | column | required | holds |
//! |---|---|---|
//! | `id` | no | the note's id |
//! | `kind` | yes | `event`, `award`, `quote`, `meeting`, `publication`, `statement` or `other` |
//! | `text` | yes | what happened or was said |
//! | `title`, `language`, `place` | no | text |
//! | `date` | no | a date |
//! | `organisations`, `people`, `projects`, `agreements`, `groups`, `contributions` | no | lists of the records it concerns (contributions by id); for a quote, `people` names the speaker |
//!
//! # Errors, re-imports and limits
//!
//! Every bad cell is reported, with file, line and column, before anything
//! is returned: a file imports whole or not at all. Records keep their ids
//! or get the id of the stored record they update, or one derived from
//! their content, so importing the same file again changes nothing. A file
//! over [`MAX_FILE_BYTES`], a header over [`MAX_COLUMNS`] columns or a cell
//! over [`MAX_CELL_BYTES`] is refused.
//!
//! # Out
//!
//! [`write_table`] writes any table; lists as the readers split them (`a;
//! b`, escaping as above), and a text cell a spreadsheet would run as a
//! formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return)
//! with a `'` before it, as it does a cell that starts with `'` or starts
//! or ends with white space. The readers take such a `'` off and keep the
//! rest as it is, so every text cell reads back exactly; a `'` before
//! anything else is the text's own (`'s-Hertogenbosch`).

mod contributions;
mod export;
mod groups;
mod organisations;
mod projects;
mod rows;

use std::collections::HashMap;

pub use contributions::read_contributions;
pub use export::write_table;
pub use groups::{read_groups, read_memberships, read_notes};
pub use organisations::{read_organisations, read_people};
pub use projects::{read_agreements, read_indicators, read_projects};

use crate::model::*;
use crate::{Error, Result};

/// The largest file read: 4 GiB.
pub const MAX_FILE_BYTES: u64 = 4 << 30;
/// The most columns a header may have.
pub const MAX_COLUMNS: usize = 1_024;
/// The longest cell: 1 MiB.
pub const MAX_CELL_BYTES: usize = 1 << 20;

/// Options for reading a CSV file.
#[derive(Clone, Debug, Default)]
pub struct CsvOptions {
    /// The file's name, for error locations.
    pub file: String,
    /// Renames columns: the file's header to partnercrm's column name.
    pub mapping: HashMap<String, String>,
}

/// The kinds of record a CSV file can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CsvKind {
    /// Contributions.
    Contributions,
    /// Organisations.
    Organisations,
    /// People and their affiliations.
    People,
    /// Projects and their partners.
    Projects,
    /// Agreements and their parties.
    Agreements,
    /// Indicators, one row per baseline, target or actual.
    Indicators,
    /// Groups.
    Groups,
    /// Memberships and chair terms of stored groups.
    Memberships,
    /// Notes.
    Notes,
}

impl CsvKind {
    /// Every kind, in the order a set of files is best imported.
    pub const ALL: [CsvKind; 9] = [
        Self::Organisations,
        Self::People,
        Self::Projects,
        Self::Agreements,
        Self::Contributions,
        Self::Indicators,
        Self::Groups,
        Self::Memberships,
        Self::Notes,
    ];

    /// The kind's name, as [`FromStr`](std::str::FromStr) reads it.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Contributions => "contributions",
            Self::Organisations => "organisations",
            Self::People => "people",
            Self::Projects => "projects",
            Self::Agreements => "agreements",
            Self::Indicators => "indicators",
            Self::Groups => "groups",
            Self::Memberships => "memberships",
            Self::Notes => "notes",
        }
    }

    /// The columns a file of this kind must have.
    pub const fn required_columns(&self) -> &'static [&'static str] {
        match self {
            Self::Contributions => &["donor", "recipient", "kind"],
            Self::Organisations => &["name", "kind"],
            Self::People => &["name"],
            Self::Projects => &["title"],
            Self::Agreements => &["title", "kind", "parties"],
            Self::Indicators => &["project", "indicator", "unit"],
            Self::Groups => &["name", "kind"],
            Self::Memberships => &["group", "organisation"],
            Self::Notes => &["kind", "text"],
        }
    }

    /// The kinds of stored record a file of this kind is read against, the
    /// `known` of [`read`]: those its cells may name, and its own kind,
    /// whose stored records its rows update. A row with the id of a record
    /// `known` lacks replaces the stored record whole, so `known` must hold
    /// every record of these kinds the file may update: with contributions
    /// missing, a contributions file of ids would drop their payments and
    /// allocations.
    pub const fn known_kinds(&self) -> &'static [RecordKind] {
        use RecordKind as K;
        match self {
            Self::Contributions => &[K::Organisation, K::Project, K::Agreement, K::Contribution],
            Self::Organisations => &[K::Organisation],
            Self::People => &[K::Organisation, K::Person],
            Self::Projects => &[K::Organisation, K::Project],
            Self::Agreements => &[K::Organisation, K::Project, K::Agreement],
            Self::Indicators => &[K::Project, K::Indicator],
            Self::Groups => &[K::Group],
            Self::Memberships => &[K::Organisation, K::Group],
            Self::Notes => &[
                K::Organisation,
                K::Person,
                K::Project,
                K::Agreement,
                K::Group,
                K::Note,
            ],
        }
    }

    /// The names the record tables ([`query::tables`](crate::query::tables))
    /// give this kind's columns, each beside the column it is read as: a
    /// file with the table's name and not the reader's reads the table's.
    /// A date column's `_precision` column follows its date's name.
    pub const fn synonyms(&self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Contributions => &[
                ("date", "received_on"),
                ("date_precision", "received_on_precision"),
            ],
            Self::Agreements => &[
                ("effective_start", "start"),
                ("effective_start_precision", "start_precision"),
                ("effective_end", "end"),
                ("effective_end_precision", "end_precision"),
            ],
            Self::Indicators => &[("title", "indicator")],
            Self::Groups | Self::Memberships => &[
                ("start", "from"),
                ("start_precision", "from_precision"),
                ("end", "to"),
                ("end_precision", "to_precision"),
            ],
            Self::Organisations | Self::People | Self::Projects | Self::Notes => &[],
        }
    }

    /// The kind a file's header (after the mapping) shows, if only one kind
    /// fits; see [`CsvKind::from_columns`].
    pub fn infer(text: &str, options: &CsvOptions) -> Result<Option<CsvKind>> {
        let columns = header(text, options)?;
        Ok(Self::from_columns(&columns))
    }

    /// The kind these column names show, if one fits: each kind is told by
    /// the columns only it has. Organisations and groups share `name` and
    /// `kind`: such a file is of groups if it has one of the columns only
    /// groups have (`purpose`, `contact`, `from`, `to`, `start`, `end`),
    /// else of organisations. Indicators are told by `indicator` and
    /// `observation`, or by `project` and `unit` (the indicators table).
    /// Every record table's header shows its own kind.
    pub fn from_columns<S: AsRef<str>>(columns: &[S]) -> Option<CsvKind> {
        let has = |c: &str| {
            columns
                .iter()
                .any(|h| h.as_ref().trim().eq_ignore_ascii_case(c))
        };
        if has("donor") && has("recipient") {
            Some(Self::Contributions)
        } else if has("group") && has("organisation") {
            Some(Self::Memberships)
        } else if (has("indicator") && has("observation")) || (has("project") && has("unit")) {
            Some(Self::Indicators)
        } else if has("parties") {
            Some(Self::Agreements)
        } else if has("text") && has("kind") {
            Some(Self::Notes)
        } else if has("title") && !has("kind") {
            Some(Self::Projects)
        } else if has("name") && !has("kind") {
            Some(Self::People)
        } else if has("name")
            && ["purpose", "contact", "from", "to", "start", "end"]
                .into_iter()
                .any(has)
        {
            Some(Self::Groups)
        } else if has("name") {
            Some(Self::Organisations)
        } else {
            None
        }
    }
}

impl std::fmt::Display for CsvKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CsvKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Error::Parse {
                what: "CSV kind",
                input: s.to_owned(),
                reason: format!(
                    "expected one of {}",
                    Self::ALL.map(|k| k.as_str()).join(", ")
                ),
            })
    }
}

/// A file's column names, in order, as partnercrm reads them: trimmed,
/// renamed by the mapping, else lower-cased.
pub fn header(text: &str, options: &CsvOptions) -> Result<Vec<String>> {
    let text = crate::io::text::without_bom(text);
    let (_, columns) = rows::header(text, options)?;
    Ok(columns)
}

/// Reads a CSV file of `kind` into a data set of the records it gives, new
/// or updated, naming the records of `known` and updating them: `known`
/// should hold every stored record of [`CsvKind::known_kinds`] (what
/// [`crate::io::known`] reads for [`crate::io::Format::Csv`]).
pub fn read(kind: CsvKind, text: &str, options: &CsvOptions, known: &Dataset) -> Result<Dataset> {
    read_with_progress(kind, text, options, known, None)
}

/// [`read`], telling `progress` the number of rows read every 10,000 rows
/// and at the end.
pub fn read_with_progress(
    kind: CsvKind,
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Dataset> {
    let mut out = Dataset::new();
    match kind {
        CsvKind::Contributions => {
            out.contributions = read_contributions(text, options, known, progress)?
        }
        CsvKind::Organisations => {
            out.organisations = read_organisations(text, options, known, progress)?
        }
        CsvKind::People => out.people = read_people(text, options, known, progress)?,
        CsvKind::Projects => out.projects = read_projects(text, options, known, progress)?,
        CsvKind::Agreements => out.agreements = read_agreements(text, options, known, progress)?,
        CsvKind::Indicators => out.indicators = read_indicators(text, options, known, progress)?,
        CsvKind::Groups => out.groups = read_groups(text, options, known, progress)?,
        CsvKind::Memberships => out.groups = read_memberships(text, options, known, progress)?,
        CsvKind::Notes => out.notes = read_notes(text, options, known, progress)?,
    }
    Ok(out)
}

/// Reads a file's text, refusing one over [`MAX_FILE_BYTES`] before
/// reading it, in UTF-8 or UTF-16 ([`text::decode`](super::text::decode)).
pub fn read_text(path: &std::path::Path) -> Result<String> {
    super::text::read_file(path, MAX_FILE_BYTES, |_| Error::Limit {
        what: "CSV file",
        limit: format!("{MAX_FILE_BYTES} bytes"),
    })
}

/// Reads a CSV file from disk; the file's name locates problems.
pub fn read_file(
    kind: CsvKind,
    path: &std::path::Path,
    mapping: HashMap<String, String>,
    known: &Dataset,
) -> Result<Dataset> {
    read_file_with_progress(kind, path, mapping, known, None)
}

/// [`read_file`] with a progress callback, as for [`read_with_progress`].
pub fn read_file_with_progress(
    kind: CsvKind,
    path: &std::path::Path,
    mapping: HashMap<String, String>,
    known: &Dataset,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Result<Dataset> {
    let text = read_text(path)?;
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    read_with_progress(kind, &text, &CsvOptions { file, mapping }, known, progress)
}
