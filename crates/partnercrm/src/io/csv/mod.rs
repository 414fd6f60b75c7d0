//! CSV for spreadsheets: every kind of record in, any table out, and each
//! kind's export ([`kind_table`]) and the record tables back in.
//!
//! Each kind of file has documented columns; only the required ones must
//! be present, in any order, and a header mapping renames a file's columns
//! to these (`{"Geber": "donor"}`), gives a column the file lacks one value
//! on every row ([`CsvOptions::constants`]: `kind` = `cash`), reads cells as
//! other values ([`CsvOptions::values`]: `Spende` as `cash`) and leaves
//! columns unread ([`CsvOptions::ignore`]). Headers are matched
//! case-insensitively; a column the kind does not read is refused with the
//! nearest known name, and two columns read as one name are refused
//! ([`Code::CsvUnknownColumn`](crate::validate::Code::CsvUnknownColumn),
//! [`Code::CsvDuplicateColumn`](crate::validate::Code::CsvDuplicateColumn)).
//!
//! The delimiter (`,` `;` tab `|`) is detected from the header or given
//! ([`dialect`]); a file in Windows-1252 or Latin-1 is read when its
//! [`Encoding`] is named. Numbers and dates are read in the file's
//! [`Locale`]; with none, a number with two readings (`12.500`) is refused
//! with both ([`Code::CsvAmbiguousValue`](crate::validate::Code::CsvAmbiguousValue)).
//! Lines are the lines an editor shows, with CRLF, quoted line breaks and a
//! byte-order mark.
//!
//! Cells are trimmed; an empty cell is an absent value. Dates are `YYYY`,
//! `YYYY-MM` or `YYYY-MM-DD` (or the locale's format); a date column `X` may have an `X_precision`
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
pub mod dialect;
mod export;
mod groups;
mod kinds;
pub mod locale;
mod organisations;
mod projects;
mod rows;

use std::collections::HashMap;

pub use contributions::read_contributions;
pub use dialect::Encoding;
pub use export::{WriteOptions, write_table, write_table_with};
pub(crate) use export::{list_cell, marked};
pub use groups::{read_groups, read_memberships, read_notes};
pub use kinds::kind_table;
pub use locale::Locale;
pub use organisations::{read_organisations, read_people};
pub use projects::{read_agreements, read_indicators, read_projects};

use crate::model::*;
use crate::progress::{self, Phase, Watch};
use crate::{Error, Result};

/// The largest file read: 4 GiB.
pub const MAX_FILE_BYTES: u64 = 4 << 30;
/// The most columns a header may have.
pub const MAX_COLUMNS: usize = 1_024;
/// The longest cell: 1 MiB.
pub const MAX_CELL_BYTES: usize = 1 << 20;

/// Options for reading a CSV file (or a workbook's sheet): its dialect,
/// its locale, and the mapping from its columns to the kind's.
#[derive(Clone, Debug, Default)]
pub struct CsvOptions {
    /// The file's name, for error locations.
    pub file: String,
    /// Renames columns: the file's header (case aside) to partnercrm's
    /// column name (`Geber` to `donor`).
    pub mapping: HashMap<String, String>,
    /// Columns of the file left unread (case aside): a column no reader
    /// knows is refused unless it is ignored.
    pub ignore: Vec<String>,
    /// Columns the file lacks, each with the value of every row's cell
    /// (`kind` = `cash`).
    pub constants: Vec<(String, String)>,
    /// Value maps: a column (partnercrm's name) to the cells that are read
    /// as other values (`Spende` as `cash`), case aside; other cells read
    /// as they are.
    pub values: HashMap<String, HashMap<String, String>>,
    /// How numbers and dates are written.
    pub locale: Locale,
    /// The delimiter; detected from the header when `None`
    /// ([`dialect::detect`]).
    pub delimiter: Option<u8>,
    /// The encoding, for [`read_file`]: UTF-8 (or UTF-16 with a byte-order
    /// mark) unless named.
    pub encoding: Encoding,
    /// Where the cells come from: a text file, or a workbook's sheet (set
    /// by [`crate::io::workbook`]).
    pub origin: Origin,
}

/// Where a reader's cells come from, for locating problems and for reading
/// numbers as the source types them.
#[derive(Clone, Debug, Default)]
pub enum Origin {
    /// A CSV file: problems are at `file[line].column`.
    #[default]
    Text,
    /// A workbook's sheet, turned into rows: problems are at
    /// `file.xlsx!Sheet1!C7`, and cells the workbook types as numbers are
    /// read exactly, in no locale.
    Workbook(std::sync::Arc<Sheet>),
}

/// How the rows read from a workbook's sheet map back to its cells.
#[derive(Debug)]
pub struct Sheet {
    /// The sheet's name.
    pub(crate) name: String,
    /// The sheet row (1-based) of each line of the rows, by line.
    pub(crate) rows: Vec<u32>,
    /// The sheet column (0-based) of the header's first cell.
    pub(crate) first_column: u32,
    /// The (line, position) of every cell the workbook types as a number.
    pub(crate) numbers: crate::model::ids::IdSet<(u64, usize)>,
}

impl Sheet {
    fn is_number(&self, line: u64, at: usize) -> bool {
        self.numbers.contains(&(line, at))
    }

    /// `file!Sheet!C7`, or `file!Sheet!7 (column)` for a constant column.
    fn locate(&self, file: &str, line: u64, at: Option<usize>, column: &str) -> String {
        let row = usize::try_from(line)
            .ok()
            .and_then(|l| self.rows.get(l))
            .copied()
            .unwrap_or(line as u32);
        match at {
            Some(at) => format!(
                "{file}!{}!{}{row}",
                self.name,
                column_letters(self.first_column as usize + at)
            ),
            None => format!("{file}!{}!{row} ({column})", self.name),
        }
    }
}

/// A spreadsheet's column letters: 0 is `A`, 26 is `AA`.
pub(crate) fn column_letters(mut at: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (at % 26) as u8);
        if at < 26 {
            break;
        }
        at = at / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
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

    /// Every column a file of this kind is read with, as documented above:
    /// with [`CsvKind::synonyms`] and, beside each date, its `_precision`
    /// column, the columns of [`CsvKind::reads`].
    pub const fn columns(&self) -> &'static [&'static str] {
        match self {
            Self::Contributions => &[
                "id",
                "donor",
                "recipient",
                "kind",
                "amount",
                "currency",
                "received_on",
                "period_start",
                "period_end",
                "project",
                "agreement",
                "basis",
                "description",
            ],
            Self::Organisations => &[
                "id",
                "name",
                "kind",
                "acronym",
                "website",
                "description",
                "aliases",
                "country",
                "parent",
                "iati_org_id",
            ],
            Self::People => &[
                "id",
                "name",
                "organisation",
                "title",
                "from",
                "to",
                "email",
                "phone",
                "description",
                "erased",
            ],
            Self::Projects => &[
                "id",
                "title",
                "iati_identifier",
                "acronym",
                "description",
                "aliases",
                "places",
                "themes",
                "countries",
                "sectors",
                "other_sectors",
                "start",
                "end",
                "status",
                "lead_office",
                "parent",
                "funding",
                "accountable",
                "extending",
                "implementing",
            ],
            Self::Agreements => &[
                "id", "title", "kind", "parties", "signed", "start", "end", "status", "purpose",
                "projects",
            ],
            Self::Indicators => &[
                "id",
                "project",
                "indicator",
                "unit",
                "measure",
                "aggregation",
                "observation",
                "value",
                "qualifier",
                "from",
                "to",
                "comment",
            ],
            Self::Groups => &[
                "id", "name", "kind", "acronym", "aliases", "parent", "from", "to", "purpose",
                "contact",
            ],
            Self::Memberships => &["group", "organisation", "role", "from", "to"],
            Self::Notes => &[
                "id",
                "kind",
                "text",
                "title",
                "language",
                "place",
                "date",
                "organisations",
                "people",
                "projects",
                "agreements",
                "groups",
                "contributions",
            ],
        }
    }

    /// The kind's date columns, each of which may have a `_precision`
    /// column beside it.
    pub const fn date_columns(&self) -> &'static [&'static str] {
        match self {
            Self::Contributions => &["received_on", "period_start", "period_end"],
            Self::People | Self::Indicators | Self::Groups | Self::Memberships => &["from", "to"],
            Self::Projects => &["start", "end"],
            Self::Agreements => &["signed", "start", "end"],
            Self::Organisations => &[],
            Self::Notes => &["date"],
        }
    }

    /// Columns the record tables ([`query::tables`](crate::query::tables))
    /// write that no reader reads: what is worked out from the rest, read
    /// back as nothing.
    pub const fn table_only_columns(&self) -> &'static [&'static str] {
        match self {
            Self::Projects => &["programme"],
            _ => &[],
        }
    }

    /// Whether a file of this kind reads (or, for a record table's own
    /// columns, knowingly leaves) a column of this name.
    pub fn reads(&self, column: &str) -> bool {
        let precision_of = |c: &str| {
            c.strip_suffix("_precision").is_some_and(|date| {
                self.date_columns().contains(&date)
                    || self.synonyms().iter().any(|(s, _)| *s == date)
            })
        };
        // The label a record table writes beside a reference (`donor_name`,
        // `project_title`): worked out from the reference, read as nothing.
        let label_of = |c: &str| {
            ["_name", "_title"].iter().any(|s| {
                c.strip_suffix(s)
                    .is_some_and(|r| self.columns().contains(&r))
            })
        };
        self.columns().contains(&column)
            || self.synonyms().iter().any(|(s, _)| *s == column)
            || self.table_only_columns().contains(&column)
            || precision_of(column)
            || label_of(column)
    }

    /// The column this kind reads nearest to `column` in spelling, if one
    /// is near enough to be the one meant.
    pub fn nearest_column(&self, column: &str) -> Option<&'static str> {
        let most = (column.chars().count() / 3).clamp(1, 3);
        self.columns()
            .iter()
            .chain(self.synonyms().iter().map(|(s, _)| s))
            .map(|c| (edit_distance(c, column), *c))
            .filter(|(d, _)| *d <= most)
            .min()
            .map(|(_, c)| c)
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
        Ok(Self::from_columns(&Self::columns_of(text, options)?))
    }

    /// The columns a file gives, as kinds are told by: its header, after
    /// the mapping, and the mapping's constants.
    fn columns_of(text: &str, options: &CsvOptions) -> Result<Vec<String>> {
        let mut columns = header(text, options)?;
        columns.extend(
            options
                .constants
                .iter()
                .map(|(c, _)| c.trim().to_lowercase()),
        );
        Ok(columns)
    }

    /// The kind of a file given as `kind`, or else the kind its header
    /// shows; a header that shows none is refused
    /// ([`Code::CsvUnknownKind`](crate::validate::Code::CsvUnknownKind))
    /// with the candidate kinds and what each lacks.
    pub fn of_file(kind: Option<CsvKind>, text: &str, options: &CsvOptions) -> Result<CsvKind> {
        if let Some(kind) = kind {
            return Ok(kind);
        }
        let columns = Self::columns_of(text, options)?;
        Self::from_columns(&columns).ok_or_else(|| {
            let problem = crate::validate::Problem {
                path: rows::locate(options, 1, None, "*"),
                code: crate::validate::Code::CsvUnknownKind,
                message: Self::explain(&columns),
                severity: crate::validate::Severity::Error,
            };
            Error::Invalid(crate::validate::Report::new(vec![problem]))
        })
    }

    /// The kind these column names show: the one kind that has every
    /// column of the header and whose required columns are all there. A
    /// header that fits two kinds (`name,kind` fits organisations and
    /// groups) or none shows none.
    pub fn from_columns<S: AsRef<str>>(columns: &[S]) -> Option<CsvKind> {
        let mut fits = Self::ALL
            .into_iter()
            .filter(|k| k.lacks(columns).is_empty());
        match (fits.next(), fits.next()) {
            (Some(kind), None) => Some(kind),
            _ => None,
        }
    }

    /// What a header lacks to be of this kind: required columns it does not
    /// have, and (as `+column`) columns the kind does not read.
    fn lacks<S: AsRef<str>>(&self, columns: &[S]) -> Vec<String> {
        let names: Vec<String> = columns
            .iter()
            .map(|c| c.as_ref().trim().to_lowercase())
            .filter(|c| !c.is_empty())
            .collect();
        let has = |c: &str| {
            names.iter().any(|n| n == c)
                || self
                    .synonyms()
                    .iter()
                    .any(|(s, to)| *to == c && names.iter().any(|n| n == s))
        };
        let mut lacks: Vec<String> = self
            .required_columns()
            .iter()
            .filter(|c| !has(c))
            .map(|c| (*c).to_owned())
            .collect();
        lacks.extend(
            names
                .iter()
                .filter(|n| !self.reads(n))
                .map(|n| format!("+{n}")),
        );
        lacks
    }

    /// Why a header shows no one kind: the kinds that fit, or the nearest
    /// ones and what each lacks.
    fn explain<S: AsRef<str>>(columns: &[S]) -> String {
        let shown: Vec<&str> = columns
            .iter()
            .map(|c| c.as_ref())
            .filter(|c| !c.is_empty())
            .collect();
        let mut kinds: Vec<(CsvKind, Vec<String>)> = Self::ALL
            .into_iter()
            .map(|k| (k, k.lacks(columns)))
            .collect();
        let fit: Vec<&str> = kinds
            .iter()
            .filter(|(_, l)| l.is_empty())
            .map(|(k, _)| k.as_str())
            .collect();
        let start = format!("the header ({}) ", shown.join(", "));
        if fit.len() > 1 {
            return format!(
                "{start}fits {}: name the kind with --kind (kind= in Python)",
                fit.join(" and ")
            );
        }
        kinds.sort_by_key(|(_, lacks)| lacks.len());
        let nearest: Vec<String> = kinds
            .iter()
            .take(3)
            .map(|(kind, lacks)| {
                let missing: Vec<&str> = lacks
                    .iter()
                    .filter(|l| !l.starts_with('+'))
                    .map(String::as_str)
                    .collect();
                let unread: Vec<&str> = lacks.iter().filter_map(|l| l.strip_prefix('+')).collect();
                let mut parts = Vec::new();
                if !missing.is_empty() {
                    parts.push(format!("lacks {}", missing.join(", ")));
                }
                if !unread.is_empty() {
                    parts.push(format!("does not read {}", unread.join(", ")));
                }
                format!("{kind} {}", parts.join(" and "))
            })
            .collect();
        format!(
            "{start}shows no one kind of record: {}; name the kind with --kind (kind= in \
             Python), and rename, ignore or add columns with the mapping",
            nearest.join("; ")
        )
    }
}

/// The Levenshtein distance between two names, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
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
    let (_, header) = rows::header(text, options)?;
    Ok(header.names)
}

/// The line each row of a CSV file (after its header) starts on, as the
/// readers count them: to place a problem found in a row's record.
pub fn record_lines(text: &str, options: &CsvOptions) -> Vec<usize> {
    rows::record_lines(text, options)
}

/// Reads a CSV file of `kind` into a data set of the records it gives, new
/// or updated, naming the records of `known` and updating them: `known`
/// should hold every stored record of [`CsvKind::known_kinds`] (what
/// [`crate::io::known`] reads for [`crate::io::Format::Csv`]).
pub fn read(kind: CsvKind, text: &str, options: &CsvOptions, known: &Dataset) -> Result<Dataset> {
    read_with_progress(kind, text, options, known, None)
}

/// [`read`], telling `watch` how the read goes: a [`Phase::Read`] step as
/// it starts, every [`progress::EVERY`] rows, and as it ends (with the
/// rows read as the total).
pub fn read_with_progress(
    kind: CsvKind,
    text: &str,
    options: &CsvOptions,
    known: &Dataset,
    mut watch: Watch<'_>,
) -> Result<Dataset> {
    if watch.is_none() {
        return read_kind(kind, text, options, known, None);
    }
    progress::tell_of(&mut watch, Phase::Read, 0, None, "rows")?;
    let mut rows_read = 0;
    // The readers cannot be stopped mid-file: a stop is kept, and the
    // watcher told nothing more, until the read returns.
    let mut stopped = None;
    let read = {
        let mut rows = |rows: usize| {
            rows_read = rows as u64;
            if stopped.is_none() {
                stopped = progress::tell_of(&mut watch, Phase::Read, rows_read, None, "rows").err();
            }
        };
        read_kind(kind, text, options, known, Some(&mut rows))
    };
    if let Some(stop) = stopped {
        return Err(stop);
    }
    let read = read?;
    progress::tell_of(&mut watch, Phase::Read, rows_read, Some(rows_read), "rows")?;
    Ok(read)
}

fn read_kind(
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
    read_text_as(path, Encoding::Utf8)
}

/// [`read_text`] in a named encoding.
pub fn read_text_as(path: &std::path::Path, encoding: Encoding) -> Result<String> {
    super::text::read_file_with(
        path,
        MAX_FILE_BYTES,
        |_| Error::Limit {
            what: "CSV file",
            limit: format!("{MAX_FILE_BYTES} bytes"),
        },
        |bytes| encoding.decode(bytes, path),
    )
}

/// Reads a CSV file from disk, in `options`' encoding; the file's name
/// locates problems (`options.file` is set to it).
pub fn read_file(
    kind: CsvKind,
    path: &std::path::Path,
    options: CsvOptions,
    known: &Dataset,
) -> Result<Dataset> {
    read_file_with_progress(kind, path, options, known, None)
}

/// [`read_file`], telling `watch` how the read goes, as [`read_with_progress`] does.
pub fn read_file_with_progress(
    kind: CsvKind,
    path: &std::path::Path,
    options: CsvOptions,
    known: &Dataset,
    watch: Watch<'_>,
) -> Result<Dataset> {
    let text = read_text_as(path, options.encoding)?;
    let options = CsvOptions {
        file: file_name(path),
        ..options
    };
    read_with_progress(kind, &text, &options, known, watch)
}

/// A path's file name, as problems name the file.
pub fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
