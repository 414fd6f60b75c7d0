//! The command line's grammar: every command and option, with its help.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use partnercrm::io::csv::CsvKind;
use partnercrm::query::rates::MissingYear;
use partnercrm::query::rollup::Dimension;

/// Keep an organisation's partners, agreements, contributions, projects,
/// outcomes and inter-agency groups in a store, check spreadsheets before
/// they go in, and print reports.
#[derive(Debug, Parser)]
#[command(name = "partnercrm", version, propagate_version = true)]
pub struct Cli {
    /// The store: an SQLite file, created by `init` or `import`, or a
    /// PostgreSQL database, as postgresql://user@host/database (with
    /// ?sslmode=require and the like, as psql reads them).
    #[arg(
        long,
        global = true,
        env = partnercrm::store::PATH_VARIABLE,
        // A URL may hold a password.
        hide_env_values = true,
        value_name = "PATH|URL",
        default_value = partnercrm::store::DEFAULT_PATH
    )]
    pub db: PathBuf,

    /// Who is making the change, recorded in the store's history.
    #[arg(
        long,
        global = true,
        env = "PARTNERCRM_ACTOR",
        value_name = "NAME",
        default_value = "partnercrm command line"
    )]
    pub actor: String,

    /// The office new records are written to, in a PostgreSQL store with
    /// offices; by default the one office the role edits (headquarters for
    /// headquarters' editors).
    #[arg(long, global = true, env = "PARTNERCRM_OFFICE", value_name = "OFFICE")]
    pub office: Option<String>,

    /// Show id columns in printed tables; by default they show names
    /// (CSV and JSON output always hold the ids).
    #[arg(long, global = true)]
    pub ids: bool,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty store.
    ///
    /// Refuses a file that already exists, unless --force.
    Init {
        /// Replace an existing store file, deleting everything in it.
        #[arg(long)]
        force: bool,
    },
    /// Import JSON documents, CSV files and IATI XML into the store, all or
    /// nothing.
    ///
    /// Every file is read and checked first; if any has an error, each
    /// problem is printed (file:line:col: code: message) and nothing is
    /// written. Then all files are stored in one revision. Importing the same
    /// data again changes nothing. Creates the store if it does not exist.
    ///
    /// What an IATI file holds that cannot be imported (an unknown code, a
    /// transaction without a currency, …) is a warning: printed on stderr,
    /// with the line of its element, while the rest is imported.
    Import(InputArgs),
    /// Check files as `import` would, against the store, writing nothing.
    ///
    /// Prints every problem, errors and warnings, as
    /// `file:line:col: code: message` (or `file: path: code: message` when
    /// no line is known). Exits 1 when there are errors, or with
    /// --deny-warnings any warning (e.g. what an IATI file holds that would
    /// not be imported).
    Validate(ValidateArgs),
    /// Print the partnership report.
    Report(ReportArgs),
    /// Ask the analysts' questions.
    #[command(subcommand)]
    Query(Query),
    /// Write the store as a JSON document, one table as CSV, or projects as
    /// IATI XML.
    Export(ExportArgs),
    /// Show every recorded change to a record.
    History(HistoryArgs),
    /// Erase a person's name, contact details and description, history included.
    ///
    /// The record stays as a tombstone so that references remain valid.
    /// Asks for confirmation on a terminal; elsewhere --yes is required.
    ErasePerson(EraseArgs),
    /// Manage the offices of a shared PostgreSQL store: which roles read
    /// and change which office's records.
    ///
    /// Records of contributions, agreements, projects, indicators, people
    /// and notes belong to an office; organisations and groups are shared
    /// unless moved into one. PostgreSQL's row-level security enforces it.
    /// Only the store's administrator (the owner of its schema, with
    /// CREATEROLE) creates offices and grants rights.
    #[command(subcommand)]
    Office(OfficeCommand),
    /// Print a shell completion script.
    ///
    /// E.g. `partnercrm completions bash > /etc/bash_completion.d/partnercrm`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// What to do with offices.
#[derive(Debug, Subcommand)]
pub enum OfficeCommand {
    /// Create an office, with its reader and editor roles.
    Create {
        /// Its name: lower-case letters, digits, '-' and '_', e.g. colombia.
        name: String,
    },
    /// Give a PostgreSQL role reader or editor rights on an office.
    ///
    /// The role is a user made with CREATE ROLE ... LOGIN. Rights on
    /// `headquarters` are rights on every office.
    #[command(group = clap::ArgGroup::new("access").required(true))]
    Grant {
        /// The office.
        office: String,
        /// The PostgreSQL role.
        role: String,
        /// It may read the office's records.
        #[arg(long, group = "access")]
        reader: bool,
        /// It may read and change them.
        #[arg(long, group = "access")]
        editor: bool,
    },
    /// Take every right on an office from a role.
    Revoke {
        /// The office.
        office: String,
        /// The PostgreSQL role.
        role: String,
    },
    /// List the offices, their roles and who has rights on each.
    List {
        /// table, csv or json.
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
    /// Move a record to an office, or make an organisation or group shared.
    #[command(group = clap::ArgGroup::new("where").required(true))]
    Move {
        /// The record's id, or its name, title, acronym or alias.
        record: String,
        /// Look only among records of this kind.
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        /// The office it moves to.
        #[arg(long, group = "where", value_name = "OFFICE")]
        to: Option<String>,
        /// Share it with every office (organisations and groups only).
        #[arg(long, group = "where")]
        shared: bool,
    },
}

/// A format of input files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// A `partnercrm/1` JSON document (`.json`).
    Json,
    /// A CSV file of one kind of record (`.csv`, `.tsv`).
    #[value(alias = "tsv")]
    Csv,
    /// A workbook's sheet of one kind of record (`.xlsx`, `.xls`, `.ods`).
    #[value(aliases = ["xlsx", "xlsm", "xls", "xlsb", "ods"])]
    Excel,
    /// An IATI 2.03 activities file (`.xml`; 1.x files read too).
    #[value(alias = "xml")]
    Iati,
}

impl InputFormat {
    /// The format a file's extension names, if any.
    pub fn of(path: &std::path::Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        Self::value_variants().iter().copied().find(|f| {
            f.to_possible_value()
                .is_some_and(|v| v.matches(&extension, true))
        })
    }
}

/// Files to read, and how.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// The files: JSON documents, CSV files, workbooks or IATI XML, told
    /// apart by extension (.json, .csv, .xlsx/.xls/.ods, .xml).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Read every file as this format, whatever its extension.
    #[arg(long, value_enum)]
    pub format: Option<InputFormat>,

    /// The kind of records in CSV files and sheets, when the header does
    /// not tell.
    #[arg(
        long,
        value_parser = PossibleValuesParser::new(CsvKind::ALL.iter().map(|k| k.as_str()))
            .try_map(|s| s.parse::<CsvKind>())
    )]
    pub kind: Option<CsvKind>,

    /// Rename a CSV column: the file's header OLD is read as NEW (repeatable).
    #[arg(long = "map", value_name = "OLD=NEW", value_parser = parse_mapping)]
    pub map: Vec<(String, String)>,

    /// Give a column the file lacks one value on every row, e.g.
    /// `--set kind=cash` (repeatable).
    #[arg(long = "set", value_name = "COLUMN=VALUE", value_parser = parse_mapping)]
    pub set: Vec<(String, String)>,

    /// Read a cell of COLUMN as another value, e.g. `--value kind:Spende=cash`
    /// (repeatable; case aside; other cells read as they are).
    #[arg(long = "value", value_name = "COLUMN:FROM=TO", value_parser = parse_value_map)]
    pub value: Vec<(String, String, String)>,

    /// Leave a column of the file unread (repeatable): a column no reader
    /// knows is an error unless ignored.
    #[arg(long = "ignore", value_name = "COLUMN")]
    pub ignore: Vec<String>,

    /// How numbers and dates are written: en (1,234.56), de (1.234,56 and
    /// 15.03.2024) or fr (1 234,56 and 15/03/2024). Without one, a number
    /// with two readings (12.500) is an error that shows both.
    #[arg(long, value_name = "LOCALE")]
    pub locale: Option<String>,

    /// The decimal separator (`,` or `.`), over the locale's.
    #[arg(long, value_name = "CHAR")]
    pub decimal: Option<char>,

    /// The thousands separator (`.`, `,`, `'` or a space), over the locale's.
    #[arg(long, value_name = "CHAR")]
    pub thousands: Option<char>,

    /// The date format, e.g. %d.%m.%Y, over the locale's (ISO dates always read).
    #[arg(long, value_name = "FORMAT")]
    pub date_format: Option<String>,

    /// The CSV delimiter: `,` `;` `|` or `tab`; detected from the header by default.
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,

    /// The CSV encoding: utf-8 (the default; UTF-16 with a byte-order mark
    /// reads too), windows-1252 or latin-1.
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,

    /// The sheet of a workbook to read; the first by default.
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
}

fn parse_value_map(text: &str) -> Result<(String, String, String), String> {
    match text.split_once(':') {
        Some((column, pair)) if !column.trim().is_empty() => {
            let (from, to) = parse_mapping(pair)?;
            Ok((column.trim().to_owned(), from, to))
        }
        _ => Err(format!("{text:?} is not COLUMN:FROM=TO")),
    }
}

fn parse_mapping(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((old, new)) if !old.trim().is_empty() && !new.trim().is_empty() => {
            Ok((old.trim().to_owned(), new.trim().to_owned()))
        }
        _ => Err(format!("{text:?} is not OLD=NEW")),
    }
}

/// `validate`'s arguments.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The files and how to read them.
    #[command(flatten)]
    pub input: InputArgs,

    /// Print each problem as a JSON object, one per line.
    #[arg(long)]
    pub json: bool,

    /// Count warnings as errors: exit 1 if there are any.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// How a table is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// An aligned table for people.
    #[default]
    Table,
    /// CSV, with spreadsheet formulas neutralised.
    Csv,
    /// JSON: one object per line for tables; one document for the report.
    Json,
}

/// A rate table to convert amounts with.
#[derive(Debug, Args)]
pub struct Conversion {
    /// Convert every amount into this ISO 4217 currency (needs --rates).
    #[arg(long, requires = "rates", value_name = "CODE")]
    pub currency: Option<String>,

    /// A CSV file of rates with the columns currency,date,rate: from `date`
    /// on, one `currency` is `rate` units of --currency. Or the IMF's
    /// imf_exchangerates_A_ENDA_USD.csv as published (recognised by its
    /// columns): each amount at its year's averages per US dollar, through
    /// the dollar.
    #[arg(long, requires = "currency", value_name = "FILE")]
    pub rates: Option<PathBuf>,

    /// With annual rates, a year the file lacks: `error` (the default)
    /// names every missing rate; `latest-earlier` uses the latest earlier
    /// year, which `query rollup --rates-used` shows.
    #[arg(
        long,
        requires = "rates",
        value_name = "RULE",
        default_value = "error",
        value_parser = PossibleValuesParser::new(["error", "latest-earlier"])
            .try_map(|s| s.parse::<MissingYear>())
    )]
    pub missing_year: MissingYear,

    /// An amount with no date, in another currency: `row` (the default)
    /// leaves it unconverted in rows of its own currency; `error` refuses
    /// the conversion.
    #[arg(
        long,
        requires = "rates",
        value_name = "RULE",
        default_value = "row",
        value_parser = PossibleValuesParser::new(["row", "error"])
            .try_map(|s| s.parse::<partnercrm::query::rollup::Undated>())
    )]
    pub undated: partnercrm::query::rollup::Undated,
}

/// The report's sections, for `--section`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Section {
    /// Organisations by kind.
    Partners,
    /// Agreements by signing date.
    Agreements,
    /// Totals by donor and currency.
    Contributions,
    /// The latest value of each indicator.
    Outcomes,
    /// Each top-level group's history.
    Groups,
}

/// `report`'s arguments.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Show the report as it stood on this day (YYYY-MM-DD): only facts
    /// dated on or before it.
    #[arg(long, value_name = "DATE")]
    pub on: Option<NaiveDate>,

    /// Only what concerns this partner (name, acronym, identifier or id).
    #[arg(long, value_name = "NAME")]
    pub partner: Option<String>,

    /// The conversion, if any.
    #[command(flatten)]
    pub conversion: Conversion,

    /// Only this section (required for CSV, which holds one table).
    #[arg(long, value_enum)]
    pub section: Option<Section>,

    /// How to print it.
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,

    /// Write it to this file instead of printing it.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

/// How the report is given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned tables for people.
    #[default]
    Table,
    /// CSV of one section (--section), with spreadsheet formulas neutralised.
    Csv,
    /// One JSON document.
    Json,
    /// One self-contained HTML page with inline SVG charts, to send on.
    Html,
}

/// Output options shared by the queries.
#[derive(Debug, Args)]
pub struct Output {
    /// How to print the result.
    #[arg(long, value_enum, default_value_t, global = true)]
    pub format: OutputFormat,
}

/// The analysts' questions.
#[derive(Debug, Subcommand)]
pub enum Query {
    /// Contribution totals grouped by dimensions, per currency or converted.
    Rollup {
        /// Group by these, in order (comma-separated).
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "donor",
            value_parser = PossibleValuesParser::new(Dimension::ALL.map(|d| d.as_str()))
                .try_map(|s| s.parse::<Dimension>())
        )]
        by: Vec<Dimension>,
        /// Where a contribution with a period counts by year or month:
        /// `start` (the default) wholly on its date, else its period's
        /// start; `spread` split over its period by the days of it in each.
        #[arg(
            long,
            value_name = "RULE",
            default_value = "start",
            value_parser = PossibleValuesParser::new(["start", "spread"])
                .try_map(|s| s.parse::<partnercrm::query::rollup::Placement>())
        )]
        placement: partnercrm::query::rollup::Placement,
        /// The conversion, if any.
        #[command(flatten)]
        conversion: Conversion,
        /// Print the rates each row's totals used instead of the totals: per
        /// row, value or payment and rate, the rate and its year (or the day
        /// it is in force from), each rate per US dollar with its source
        /// row, how many amounts, and their sums before and after.
        #[arg(long, requires = "rates")]
        rates_used: bool,
        /// The format.
        #[command(flatten)]
        output: Output,
    },
    /// Agreements in force on a day, expiring soon, or by kind and party.
    Agreements {
        /// In force on this day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        on: Option<NaiveDate>,
        /// In force on --on (default today) and ending within this many days.
        #[arg(long, value_name = "DAYS")]
        expiring_within: Option<u32>,
        /// Of this kind, e.g. mou, bilateral, trilateral.
        #[arg(long)]
        kind: Option<String>,
        /// With this organisation among the parties.
        #[arg(long, value_name = "NAME")]
        party: Option<String>,
        /// The format.
        #[command(flatten)]
        output: Output,
    },
    /// The members of a group on a day.
    Members {
        /// The group's name, acronym or id.
        group: String,
        /// The day (YYYY-MM-DD); today by default.
        #[arg(long, value_name = "DATE")]
        on: Option<NaiveDate>,
        /// The format.
        #[command(flatten)]
        output: Output,
    },
    /// The chair, or co-chairs, of a group on a day.
    Chairs {
        /// The group's name, acronym or id.
        group: String,
        /// The day (YYYY-MM-DD); today by default.
        #[arg(long, value_name = "DATE")]
        on: Option<NaiveDate>,
        /// The format.
        #[command(flatten)]
        output: Output,
    },
    /// Each indicator against its target, combined by its own rule.
    Outcomes {
        /// Only this project and its child projects (title, acronym or id).
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
        /// The format.
        #[command(flatten)]
        output: Output,
    },
    /// Everything that concerns one partner.
    ///
    /// Without --table, the number of records in each table (or, with
    /// --format json, the portfolio as a partnercrm/1 document).
    Portfolio {
        /// The organisation's name, acronym, identifier or id.
        organisation: String,
        /// Only what was in force on this day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        on: Option<NaiveDate>,
        /// Print this table of the portfolio.
        #[arg(long, value_parser = PossibleValuesParser::new(partnercrm::query::tables::TABLES))]
        table: Option<String>,
        /// The format.
        #[command(flatten)]
        output: Output,
    },
    /// Organisations linked by shared agreements, projects and contributions.
    Network {
        /// Print GraphML (for Gephi, yEd, Cytoscape) instead of an edge list.
        #[arg(long)]
        graphml: bool,
        /// The format.
        #[command(flatten)]
        output: Output,
    },
    /// Candidate duplicate organisations and people, best first.
    Duplicates {
        /// The lowest score shown, from 0 to 1.
        #[arg(long, default_value_t = 0.5, value_name = "SCORE")]
        min_score: f64,
        /// The format.
        #[command(flatten)]
        output: Output,
    },
}

/// `export`'s arguments.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Export one table instead of the whole document.
    #[arg(long, value_parser = PossibleValuesParser::new(partnercrm::query::tables::TABLES))]
    pub table: Option<String>,

    /// Export one kind's records as its import reads them: the import's
    /// columns, references by name, lists as the import splits them.
    /// Imported back into this store it changes nothing.
    #[arg(
        long,
        conflicts_with = "table",
        value_parser = PossibleValuesParser::new(CsvKind::ALL.iter().map(|k| k.as_str()))
            .try_map(|s| s.parse::<CsvKind>())
    )]
    pub kind: Option<CsvKind>,

    /// json (the document; a table as JSON lines), csv (a table), xlsx (a
    /// table as a workbook) or iati (projects as an IATI 2.03 activities
    /// file); by default json for the document, xlsx for a table written
    /// to a .xlsx file, and csv for a table.
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,

    /// With csv: for Excel to open with a double click (a byte-order mark,
    /// CRLF line ends, and `;` between cells under a decimal-comma locale).
    #[arg(long)]
    pub excel: bool,

    /// With csv: write decimals with this locale's decimal separator (en,
    /// de, fr).
    #[arg(long, value_name = "LOCALE")]
    pub locale: Option<String>,

    /// With --format iati: only this project (title, acronym or id;
    /// repeatable). All projects by default.
    #[arg(long, value_name = "NAME_OR_ID")]
    pub project: Vec<String>,

    /// With --format iati: leave out the projects no IATI activity can be
    /// written from (no reporting organisation, no date, or money with no
    /// date), naming each on stderr. Without it, such a project fails the
    /// export.
    #[arg(long)]
    pub skip_unwritable: bool,

    /// Write to this file instead of stdout (a document is written atomically).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// A format to export in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// The partnercrm/1 JSON document, or a table as JSON lines.
    Json,
    /// A table as CSV.
    Csv,
    /// A table as an `.xlsx` workbook (needs --output).
    Xlsx,
    /// Projects as an IATI 2.03 `iati-activities` document.
    Iati,
}

/// `history`'s arguments.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The record's id, or its name, title, acronym or alias.
    pub record: String,

    /// Look only among records of this kind.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,

    /// table (one row per change) or json (every change with the record
    /// before and after).
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// The kinds of record, for `--kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[allow(missing_docs)]
pub enum KindArg {
    Organisation,
    Person,
    Agreement,
    Contribution,
    Project,
    Indicator,
    Group,
    Note,
}

/// `erase-person`'s arguments.
#[derive(Debug, Args)]
pub struct EraseArgs {
    /// The person's id, or name.
    pub person: String,

    /// Do not ask: erase.
    #[arg(long, short)]
    pub yes: bool,
}
