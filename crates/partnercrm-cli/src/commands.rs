//! Each command: parse its arguments into core calls, print the result.

use std::io::{IsTerminal, Write};

use std::path::Path;

use chrono::{Local, NaiveDate};
use clap::CommandFactory;
use partnercrm::io::json;
use partnercrm::model::*;
use partnercrm::query::rates::RateTable;
use partnercrm::query::report::{PartnershipReport, ReportOptions};
use partnercrm::query::{
    agreements, duplicates, groups, network, outcomes, portfolio, rollup, tables,
};
use partnercrm::store::Store;
use partnercrm::validate::Severity;
use uuid::Uuid;

use crate::cli::*;
use crate::input::{self, Diagnostic};
use crate::output::{self, emit};
use crate::progress::Progress;
use crate::{CliResult, Failure};

/// The office new records are written to (`--office`), set once by [`run`].
static OFFICE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// Opens (or creates) the store, writing to the chosen office.
fn open(db: &Path) -> CliResult<Store> {
    let mut store = Store::open(db)?;
    if let Some(office) = OFFICE.get().and_then(Option::as_deref) {
        store.set_office(Some(office))?;
    }
    Ok(store)
}

/// Runs the command line's command.
pub fn run(cli: Cli) -> CliResult {
    let _ = OFFICE.set(cli.office.clone());
    let db = cli.db.as_path();
    match cli.command {
        Command::Init { force } => init(db, force),
        Command::Import(args) => import(db, &cli.actor, &args),
        Command::Validate(args) => validate(db, &args),
        Command::Report(args) => report(db, &args),
        Command::Query(query) => run_query(db, query),
        Command::Export(args) => export(db, &args),
        Command::History(args) => history(db, &args),
        Command::ErasePerson(args) => erase_person(db, &cli.actor, &args),
        Command::Office(command) => office(db, &cli.actor, command),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "partnercrm", &mut out);
            emit(&String::from_utf8_lossy(&out))
        }
    }
}

/// How a store's location is shown: a URL without its password.
fn shown(db: &Path) -> String {
    partnercrm::store::shown(db)
}

/// Opens an existing store; a missing file is an error, not a new store.
fn open_existing(db: &Path) -> CliResult<Store> {
    if !partnercrm::store::exists(db)? {
        return Err(Failure::new(format!(
            "no store at {}: create one with `partnercrm init` or `partnercrm import FILE`, \
             or name another with --db or PARTNERCRM_DB",
            shown(db)
        )));
    }
    open(db)
}

fn init(db: &Path, force: bool) -> CliResult {
    if partnercrm::store::exists(db)? {
        if !force {
            return Err(Failure::new(format!(
                "{} already exists; use --force to replace it and everything in it",
                shown(db)
            )));
        }
        partnercrm::store::destroy(db)?;
    }
    let store = Store::open(db)?;
    emit(&format!(
        "Created an empty store at {} (schema version {}).\n",
        store.location(),
        store.schema_version()?
    ))
}

/// Prints diagnostics, and fails with a count when any is an error.
fn report_problems(
    problems: &[Diagnostic],
    to_stdout: bool,
    as_json: bool,
    deny_warnings: bool,
) -> CliResult<(usize, usize)> {
    let mut text = String::new();
    for problem in problems {
        if as_json {
            text.push_str(
                &serde_json::to_string(problem).map_err(|e| Failure::new(e.to_string()))?,
            );
        } else {
            text.push_str(&problem.to_string());
        }
        text.push('\n');
    }
    if to_stdout {
        emit(&text)?;
    } else {
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error || deny_warnings)
        .count();
    let warnings = problems.len()
        - problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
    Ok((errors, warnings))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn import(db: &Path, actor: &str, args: &InputArgs) -> CliResult {
    let mut store = open(db)?;
    let known = partnercrm::io::known(&store, &input::formats(args))?;
    let loaded = input::load(args, &known);
    if !loaded.problems.is_empty() {
        // Errors stop the import. Warnings (what an IATI file holds that
        // could not be read) are printed, and the rest is imported.
        let (errors, _) = report_problems(&loaded.problems, false, false, false)?;
        if errors > 0 {
            return Err(Failure::new(format!(
                "{} in {}; nothing was imported",
                plural(errors, "error"),
                input::names(&args.files)
            )));
        }
    }
    let read_warnings = loaded.problems.len();
    let records = loaded.batch.len();
    let summary = format!(
        "import {} records from {}",
        records,
        input::names(&args.files)
    );
    let mut progress = Progress::new("import");
    let applied = store.apply_watched(
        loaded.to_batch(),
        actor,
        &summary,
        Some(&mut |s| progress.step(s)),
    );
    progress.finish();
    match applied {
        Ok(applied) => {
            let stored_warnings = applied.warnings.warnings().count();
            let warnings = stored_warnings + read_warnings;
            emit(&format!(
                "Imported {} from {}: {} new, {} changed, {} unchanged{}; {}{}.\n",
                plural(records, "record"),
                plural(loaded.files, "file"),
                applied.inserted,
                applied.updated,
                applied.unchanged,
                applied
                    .revision
                    .map(|r| format!(" (revision {r})"))
                    .unwrap_or_default(),
                plural(warnings, "warning"),
                if stored_warnings > 0 {
                    " (`partnercrm validate` lists them)"
                } else {
                    ""
                },
            ))
        }
        Err(partnercrm::Error::Invalid(report)) => {
            let problems = loaded.place(report, store.location());
            let (errors, _) = report_problems(&problems, false, false, false)?;
            Err(Failure::new(format!(
                "{}; nothing was imported",
                plural(errors, "error")
            )))
        }
        Err(other) => Err(Failure::new(format!("nothing was imported: {other}"))),
    }
}

fn validate(db: &Path, args: &ValidateArgs) -> CliResult {
    // Check against the store if there is one; never create one.
    let mut store = if partnercrm::store::exists(db)? {
        open(db)?
    } else {
        Store::in_memory()?
    };
    let known = partnercrm::io::known(&store, &input::formats(&args.input))?;
    let loaded = input::load(&args.input, &known);
    let mut problems = loaded.problems.clone();
    // The store checks the batch when every file could be read, warnings
    // (IATI's) notwithstanding.
    if problems.iter().all(|p| p.severity != Severity::Error) {
        match store.preview(loaded.to_batch()) {
            Ok(applied) => problems.extend(loaded.place(applied.warnings, &shown(db))),
            Err(partnercrm::Error::Invalid(report)) => {
                problems.extend(loaded.place(report, &shown(db)))
            }
            // E.g. two records with one natural key: an error among the others,
            // so that the warnings still show.
            Err(partnercrm::Error::Conflict { message }) => problems.push(Diagnostic::error(
                &input::names(&args.input.files),
                "store.conflict",
                message,
            )),
            Err(other) => {
                return Err(Failure::new(format!(
                    "{}: {other}",
                    input::names(&args.input.files)
                )));
            }
        }
    }
    let (errors, warnings) = report_problems(&problems, true, args.json, args.deny_warnings)?;
    let summary = format!(
        "{}, {} in {}",
        plural(
            problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .count(),
            "error"
        ),
        plural(warnings, "warning"),
        plural(loaded.files, "file")
    );
    if errors > 0 {
        Err(Failure::new(if args.deny_warnings && warnings > 0 {
            format!("{summary} (warnings denied)")
        } else {
            summary
        }))
    } else {
        if !args.json {
            let _ = writeln!(std::io::stderr(), "{summary}: ok");
        }
        Ok(())
    }
}

/// An organisation named by name, acronym, alias, identifier or id, by
/// the store's rule ([`partnercrm::model::lookup`]).
fn organisation(data: &Dataset, text: &str) -> CliResult<OrganisationId> {
    Ok(data.resolve::<Organisation>(text)?.id)
}

fn group<'d>(data: &'d Dataset, text: &str) -> CliResult<&'d Group> {
    Ok(data.resolve::<Group>(text)?)
}

fn project(data: &Dataset, text: &str) -> CliResult<ProjectId> {
    Ok(data.resolve::<partnercrm::model::Project>(text)?.id)
}

fn rate_table(conversion: &Conversion) -> CliResult<Option<RateTable>> {
    let (Some(code), Some(path)) = (&conversion.currency, &conversion.rates) else {
        return Ok(None);
    };
    let currency = Currency::from_code(code).map_err(partnercrm::Error::from)?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut table = RateTable::read_csv(name, currency, path)
        .map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    table.missing_year = conversion.missing_year;
    Ok(Some(table))
}

fn today() -> NaiveDate {
    Local::now().date_naive()
}

fn report(db: &Path, args: &ReportArgs) -> CliResult {
    let data = open_existing(db)?.dataset()?;
    let rates = rate_table(&args.conversion)?;
    let partner = args
        .partner
        .as_deref()
        .map(|p| organisation(&data, p))
        .transpose()?;
    let options = ReportOptions {
        on: args.on,
        rates: rates.as_ref(),
        partner,
    };
    let report = PartnershipReport::build_with(&data, &options)?;
    let text = match args.format {
        ReportFormat::Html => partnercrm::query::report_html::html(&report, &data, today()),
        ReportFormat::Json => {
            let text = match args.section {
                None => serde_json::to_string_pretty(&report),
                Some(Section::Partners) => serde_json::to_string_pretty(&report.partners_by_kind),
                Some(Section::Agreements) => serde_json::to_string_pretty(&report.agreements),
                Some(Section::Contributions) => serde_json::to_string_pretty(&report.contributions),
                Some(Section::Outcomes) => serde_json::to_string_pretty(&report.outcomes),
                Some(Section::Groups) => serde_json::to_string_pretty(&report.groups),
            }
            .map_err(|e| Failure::new(e.to_string()))?;
            text + "\n"
        }
        ReportFormat::Csv => {
            let Some(section) = args.section else {
                return Err(Failure::new(
                    "a CSV file holds one table: choose one with --section \
                     (partners, agreements, contributions, outcomes, groups)",
                ));
            };
            let batch = section_table(&report, section)?;
            partnercrm::io::csv::write_table(&batch)?
        }
        ReportFormat::Table => {
            let mut text = String::new();
            let mut heading = report.title.clone();
            if let Some(partner) = &report.partner {
                heading.push_str(&format!(": {partner}"));
            }
            if let Some(day) = report.on {
                heading.push_str(&format!(", as on {day}"));
            }
            text.push_str(&format!(
                "{heading}\n{}\n",
                "=".repeat(heading.chars().count())
            ));
            let sections = match args.section {
                Some(one) => vec![one],
                None => vec![
                    Section::Partners,
                    Section::Agreements,
                    Section::Contributions,
                    Section::Outcomes,
                    Section::Groups,
                ],
            };
            for section in sections {
                text.push_str(&format!("\n{}\n", section_title(&report, section)));
                text.push_str(&output::pretty(&section_table(&report, section)?)?);
            }
            text
        }
    };
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            Failure::new(format!(
                "cannot write the report to {}: {e}",
                path.display()
            ))
        }),
        None => emit(&text),
    }
}

fn section_title(report: &PartnershipReport, section: Section) -> String {
    match section {
        Section::Partners => "Partners by kind".to_owned(),
        Section::Agreements => "Agreements".to_owned(),
        Section::Contributions => match &report.conversion {
            Some(c) => format!(
                "Contributions by donor, in {} (rate table {:?}; each amount at the rate in force on its date)",
                c.target, c.table
            ),
            None => {
                "Contributions by donor and currency (never summed across currencies)".to_owned()
            }
        },
        Section::Outcomes => "Outcomes (latest values)".to_owned(),
        Section::Groups => {
            let when = report
                .on
                .map_or_else(|| "today".to_owned(), |d| format!("on {d}"));
            format!("Groups (members {when})")
        }
    }
}

fn section_table(
    report: &PartnershipReport,
    section: Section,
) -> CliResult<arrow_array::RecordBatch> {
    let s = |t: &str| Some(t.to_owned());
    match section {
        Section::Partners => output::text_table(
            &["kind", "count", "organisations"],
            report
                .partners_by_kind
                .iter()
                .map(|(kind, names)| {
                    vec![
                        s(kind.label()),
                        Some(names.len().to_string()),
                        Some(names.join("; ")),
                    ]
                })
                .collect(),
        ),
        Section::Agreements => output::text_table(
            &["signed", "kind", "title", "parties"],
            report
                .agreements
                .iter()
                .map(|a| {
                    vec![
                        a.signed.map(|d| d.to_string()),
                        s(a.kind),
                        s(&a.title),
                        Some(a.parties.join(", ")),
                    ]
                })
                .collect(),
        ),
        Section::Contributions => {
            let mut rows = Vec::new();
            for d in &report.contributions {
                if d.totals.is_empty() {
                    rows.push(vec![
                        s(&d.donor),
                        None,
                        None,
                        Some(d.unknown_amounts.to_string()),
                        Some(d.count.to_string()),
                    ]);
                }
                for (currency, amount) in &d.totals {
                    // As the currency writes it (EUR 625000.00, JPY 1200),
                    // or with every decimal the total has: never rounded.
                    let mut amount = *amount;
                    if let Some(digits) = currency.minor_unit_digits()
                        && amount.scale() < digits
                    {
                        amount.rescale(digits);
                    }
                    rows.push(vec![
                        s(&d.donor),
                        s(currency.code()),
                        Some(amount.to_string()),
                        Some(d.unknown_amounts.to_string()),
                        Some(d.count.to_string()),
                    ]);
                }
            }
            output::text_table(
                &[
                    "donor",
                    "currency",
                    "amount",
                    "unknown_amounts",
                    "contributions",
                ],
                rows,
            )
        }
        Section::Outcomes => output::text_table(
            &["project", "indicator", "achieved", "target", "unit"],
            report
                .outcomes
                .iter()
                .map(|o| {
                    vec![
                        s(&o.project),
                        s(&o.indicator),
                        o.achieved.clone(),
                        o.target.clone(),
                        s(&o.unit),
                    ]
                })
                .collect(),
        ),
        Section::Groups => output::text_table(
            &["group", "members", "date", "event"],
            report
                .groups
                .iter()
                .flat_map(|g| {
                    g.events.iter().map(|(date, text)| {
                        vec![
                            s(&g.name),
                            Some(g.current_members.to_string()),
                            date.map(|d| d.to_string()),
                            s(text),
                        ]
                    })
                })
                .collect(),
        ),
    }
}

fn run_query(db: &Path, query: Query) -> CliResult {
    let store = open_existing(db)?;
    // A rollup reads only what it needs: PostgreSQL totals it itself.
    let data = match &query {
        Query::Rollup { .. } => Dataset::new(),
        _ => store.dataset()?,
    };
    match query {
        Query::Rollup {
            by,
            placement,
            conversion,
            rates_used,
            output,
        } => {
            let rates = rate_table(&conversion)?;
            let options = rollup::RollupOptions {
                undated: conversion.undated,
                placement,
            };
            let result = rollup::rollup_stored(&store, &by, rates.as_ref(), options, None)?;
            let table = match rates_used {
                true => tables::rollup_rates_table(&result)?,
                false => tables::rollup_table(&result)?,
            };
            output::print(&table, output.format)
        }
        Query::Agreements {
            on,
            expiring_within,
            kind,
            party,
            output,
        } => {
            let kind: Option<AgreementKind> = kind
                .map(|k| {
                    serde_json::from_value(serde_json::Value::String(k.clone())).map_err(|_| {
                        Failure::new(format!(
                            "{k:?} is not a kind of agreement (e.g. mou, bilateral, trilateral, multilateral)"
                        ))
                    })
                })
                .transpose()?;
            let party = party.map(|p| organisation(&data, &p)).transpose()?;
            let mut found = match expiring_within {
                Some(days) => agreements::expiring_within(&data, on.unwrap_or_else(today), days),
                None => match on {
                    Some(day) => agreements::active_on(&data, day),
                    None => data.agreements.iter().collect(),
                },
            };
            let wanted = agreements::by_kind_and_party(&data, kind, party);
            found.retain(|a| wanted.iter().any(|w| w.id == a.id));
            let batch = tables::table(&agreements::subset(&found), "agreements")?;
            output::print(&batch, output.format)
        }
        Query::Members {
            group: g,
            on,
            output,
        } => {
            let group = group(&data, &g)?;
            let ids = groups::members_on(group, on.unwrap_or_else(today));
            let subset = Dataset {
                organisations: ids
                    .iter()
                    .filter_map(|id| data.organisation(*id).cloned())
                    .collect(),
                ..Dataset::default()
            };
            output::print(&tables::table(&subset, "organisations")?, output.format)
        }
        Query::Chairs {
            group: g,
            on,
            output,
        } => {
            let group = group(&data, &g)?;
            let mut only = group.clone();
            only.chairs = groups::chairs_on(group, on.unwrap_or_else(today))
                .into_iter()
                .cloned()
                .collect();
            let subset = Dataset {
                groups: vec![only],
                ..Dataset::default()
            };
            output::print(
                &tables::labelled_table(&subset, &data, "chairs")?,
                output.format,
            )
        }
        Query::Outcomes { project: p, output } => {
            let found = match p {
                Some(p) => outcomes::project_outcomes(&data, project(&data, &p)?)?,
                None => outcomes::outcomes(&data)?,
            };
            output::print(&tables::outcomes_table(&data, &found)?, output.format)
        }
        Query::Portfolio {
            organisation: o,
            on,
            table,
            output,
        } => {
            let id = organisation(&data, &o)?;
            let found = portfolio::portfolio(&data, id, on);
            match (table, output.format) {
                (Some(table), format) => output::print(&tables::table(&found, &table)?, format),
                (None, OutputFormat::Json) => {
                    // The portfolio names records outside it, so it is not
                    // validated as a document of its own.
                    let text = serde_json::to_string_pretty(&found)
                        .map_err(|e| Failure::new(e.to_string()))?;
                    emit(&(text + "\n"))
                }
                (None, format) => {
                    let rows = tables::TABLES
                        .iter()
                        .map(|t| {
                            tables::table(&found, t).map(|b| {
                                vec![Some((*t).to_owned()), Some(b.num_rows().to_string())]
                            })
                        })
                        .collect::<partnercrm::Result<Vec<_>>>()?;
                    output::print(&output::text_table(&["table", "rows"], rows)?, format)
                }
            }
        }
        Query::Network { graphml, output } => {
            if graphml {
                emit(&network::graphml(&data))
            } else {
                output::print(
                    &tables::network_table(&data, &network::edges(&data))?,
                    output.format,
                )
            }
        }
        Query::Duplicates { min_score, output } => {
            if !(0.0..=1.0).contains(&min_score) {
                return Err(Failure::new(format!(
                    "--min-score {min_score} is not between 0 and 1"
                )));
            }
            output::print(
                &tables::duplicates_table(&duplicates::candidates(&data, min_score))?,
                output.format,
            )
        }
    }
}

fn export(db: &Path, args: &ExportArgs) -> CliResult {
    // A table the store makes itself (from a cursor on PostgreSQL); a
    // kind's export needs what its import resolves names against; a
    // document, everything.
    let store = open_existing(db)?;
    let kinds = match (&args.table, args.kind) {
        (Some(_), _) => &[][..],
        (None, Some(kind)) => kind.known_kinds(),
        (None, None) => &RecordKind::ALL,
    };
    let data = store.dataset_of(kinds, None)?;
    let is_xlsx = args
        .output
        .as_deref()
        .is_some_and(partnercrm::io::workbook::is_workbook);
    let one_table = args.table.is_some() || args.kind.is_some();
    let format = args.format.unwrap_or(match (one_table, is_xlsx) {
        (true, true) => ExportFormat::Xlsx,
        (true, false) => ExportFormat::Csv,
        (false, _) => ExportFormat::Json,
    });
    if !args.project.is_empty() && format != ExportFormat::Iati {
        return Err(Failure::new(
            "--project chooses projects for --format iati only",
        ));
    }
    if args.skip_unwritable && format != ExportFormat::Iati {
        return Err(Failure::new("--skip-unwritable is for --format iati only"));
    }
    if (args.excel || args.locale.is_some()) && format != ExportFormat::Csv {
        return Err(Failure::new(
            "--excel and --locale are for --format csv only",
        ));
    }
    // The one table to write, if one is asked for.
    let batch = match (&args.table, args.kind) {
        (Some(table), _) => Some(store.table(table, None)?),
        (None, Some(kind)) => Some(partnercrm::io::csv::kind_table(&data, kind)?),
        (None, None) => None,
    };
    let text = match (batch, format) {
        (None, ExportFormat::Iati) => {
            let projects = args
                .project
                .iter()
                .map(|name| project(&data, name))
                .collect::<CliResult<Vec<ProjectId>>>()?;
            let mut chosen = (!projects.is_empty()).then_some(projects);
            if args.skip_unwritable {
                let asked = chosen.as_deref();
                for problem in partnercrm::io::iati::unwritable(&data, asked) {
                    eprintln!(
                        "skipped: {}: {} ({})",
                        problem.path, problem.message, problem.code
                    );
                }
                let writable = partnercrm::io::iati::writable(&data);
                chosen = Some(match asked {
                    Some(asked) => asked
                        .iter()
                        .copied()
                        .filter(|p| writable.contains(p))
                        .collect(),
                    None => writable,
                });
            }
            partnercrm::io::iati::write(&data, chosen.as_deref())?
        }
        (Some(_), ExportFormat::Iati) => {
            return Err(Failure::new(
                "IATI holds projects, not a table: leave out --table and --kind, or choose \
                 --format json, csv or xlsx",
            ));
        }
        (None, ExportFormat::Json) => {
            if let Some(path) = &args.output {
                json::write(&data, path)?;
                return Ok(());
            }
            json::to_string(&data)?
        }
        (None, ExportFormat::Csv | ExportFormat::Xlsx) => {
            return Err(Failure::new(
                "a CSV file or sheet holds one table: choose one with --table or --kind",
            ));
        }
        (Some(batch), ExportFormat::Csv) => {
            let write = partnercrm::io::csv::WriteOptions {
                excel: args.excel,
                locale: match &args.locale {
                    Some(name) => partnercrm::io::csv::Locale::preset(name)?,
                    None => partnercrm::io::csv::Locale::default(),
                },
            };
            partnercrm::io::csv::write_table_with(&batch, &write)?
        }
        (Some(batch), ExportFormat::Xlsx) => {
            let Some(path) = &args.output else {
                return Err(Failure::new(
                    "a workbook is written to a file: give --output FILE.xlsx",
                ));
            };
            let name = args
                .table
                .clone()
                .or_else(|| args.kind.map(|k| k.as_str().to_owned()))
                .unwrap_or_default();
            let bytes = partnercrm::io::workbook::write_table(&batch, &name)?;
            return std::fs::write(path, bytes)
                .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())));
        }
        (Some(batch), ExportFormat::Json) => output::json_lines(&batch)?,
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display()))),
        None => emit(&text),
    }
}

fn record_kind(kind: KindArg) -> RecordKind {
    match kind {
        KindArg::Organisation => RecordKind::Organisation,
        KindArg::Person => RecordKind::Person,
        KindArg::Agreement => RecordKind::Agreement,
        KindArg::Contribution => RecordKind::Contribution,
        KindArg::Project => RecordKind::Project,
        KindArg::Indicator => RecordKind::Indicator,
        KindArg::Group => RecordKind::Group,
        KindArg::Note => RecordKind::Note,
    }
}

/// The records `text` names: by id, else by name, among `kinds`.
fn find(store: &Store, text: &str, kinds: &[RecordKind]) -> CliResult<Vec<(RecordRef, String)>> {
    let mut found = Vec::new();
    let id = Uuid::parse_str(text).ok();
    for kind in kinds {
        partnercrm::with_record_kind!(*kind, T => {
            match id {
                Some(id) => {
                    if let Some(record) = store.get::<T>(id.into())? {
                        found.push((RecordRef { kind: *kind, id }, record.label().to_owned()));
                    }
                }
                None => {
                    for record in store.find_by_name::<T>(text)? {
                        found.push((
                            RecordRef { kind: *kind, id: record.uuid() },
                            record.label().to_owned(),
                        ));
                    }
                }
            }
        });
    }
    Ok(found)
}

/// The one record `text` names, or an error saying why not.
fn find_one(store: &Store, text: &str, kinds: &[RecordKind]) -> CliResult<(RecordRef, String)> {
    let mut found = find(store, text, kinds)?;
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => {
            if let Ok(id) = Uuid::parse_str(text)
                && let Some(into) = store.merged_into(id)?
            {
                return Err(Failure::new(format!(
                    "{text} was merged into {into}; ask for that record"
                )));
            }
            Err(Failure::new(format!("no record is called {text:?}")))
        }
        _ => Err(Failure::new(format!(
            "{text:?} names {} records: {}; use an id or --kind",
            found.len(),
            found
                .iter()
                .map(|(r, label)| format!("{label} ({r})"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The top-level fields whose values differ between two versions.
fn changed_fields(before: Option<serde_json::Value>, after: Option<serde_json::Value>) -> String {
    let object = |v: Option<serde_json::Value>| match v {
        Some(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let (before, after) = (object(before), object(after));
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn history(db: &Path, args: &HistoryArgs) -> CliResult {
    let store = open_existing(db)?;
    let kinds: Vec<RecordKind> = match args.kind {
        Some(kind) => vec![record_kind(kind)],
        None => RecordKind::ALL.to_vec(),
    };
    let (record, label) = find_one(&store, &args.record, &kinds)?;
    partnercrm::with_record_kind!(record.kind, T => {
        let changes = store.history::<T>(record.id.into())?;
        match args.format {
            OutputFormat::Json => {
                let text = serde_json::to_string_pretty(&changes)
                    .map_err(|e| Failure::new(e.to_string()))?;
                emit(&(text + "\n"))
            }
            format => {
                let rows = changes
                    .iter()
                    .map(|c| {
                        let as_json = |r: &Option<T>| r.as_ref().and_then(|r| serde_json::to_value(r).ok());
                        vec![
                            Some(c.revision.number.to_string()),
                            Some(c.revision.recorded_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
                            Some(c.revision.actor.clone()),
                            Some(format!("{:?}", c.action).to_lowercase()),
                            Some(changed_fields(as_json(&c.before), as_json(&c.after))),
                            Some(c.revision.summary.clone()),
                        ]
                    })
                    .collect();
                let batch = output::text_table(
                    &["revision", "recorded_at", "actor", "action", "changed", "summary"],
                    rows,
                )?;
                if format == OutputFormat::Table {
                    let label = if label.is_empty() { "(erased)" } else { label.as_str() };
                    emit(&format!("{label} ({record})\n"))?;
                }
                output::print(&batch, format)
            }
        }
    })
}

fn erase_person(db: &Path, actor: &str, args: &EraseArgs) -> CliResult {
    let mut store = open_existing(db)?;
    let (record, label) = find_one(&store, &args.person, &[RecordKind::Person])?;
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::new(format!(
                "erasing {label} ({}) cannot be undone: pass --yes to confirm",
                record.id
            )));
        }
        eprint!(
            "Erase the name, contact details and description of {label} ({}), history included? \
             This cannot be undone. [y/N] ",
            record.id
        );
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err(Failure::new("not erased"));
        }
    }
    store.erase_person(record.id.into(), actor)?;
    emit(&format!(
        "Erased the personal data of person {}.\n",
        record.id
    ))
}

fn office(db: &Path, actor: &str, command: OfficeCommand) -> CliResult {
    let mut store = open_existing(db)?;
    match command {
        OfficeCommand::Create { name } => {
            let office = store.create_office(&name)?;
            emit(&format!(
                "Created office {} (roles {} and {}).\n",
                office.name,
                office.reader_role.unwrap_or_default(),
                office.editor_role.unwrap_or_default()
            ))
        }
        OfficeCommand::Grant {
            office,
            role,
            editor,
            ..
        } => {
            let access = if editor {
                partnercrm::store::Access::Editor
            } else {
                partnercrm::store::Access::Reader
            };
            store.grant(&office, &role, access)?;
            emit(&format!(
                "{role} is now {} of office {office}.\n",
                access.as_str()
            ))
        }
        OfficeCommand::Revoke { office, role } => {
            store.revoke(&office, &role)?;
            emit(&format!("{role} has no rights on office {office} now.\n"))
        }
        OfficeCommand::List { format } => {
            let rows = store
                .offices()?
                .into_iter()
                .map(|o| {
                    vec![
                        Some(o.name),
                        o.reader_role,
                        o.editor_role,
                        Some(o.readers.join("; ")),
                        Some(o.editors.join("; ")),
                    ]
                })
                .collect();
            let batch = output::text_table(
                &["office", "reader_role", "editor_role", "readers", "editors"],
                rows,
            )?;
            output::print(&batch, format)
        }
        OfficeCommand::Move {
            record,
            kind,
            to,
            shared: _,
        } => {
            let kinds: Vec<RecordKind> = match kind {
                Some(kind) => vec![record_kind(kind)],
                None => RecordKind::ALL.to_vec(),
            };
            let (record, label) = find_one(&store, &record, &kinds)?;
            let revision = store.move_record(record, to.as_deref(), actor)?;
            let place = to.map_or_else(
                || "shared with every office".to_owned(),
                |o| format!("in office {o}"),
            );
            emit(&match revision {
                Some(revision) => {
                    format!("{label} ({record}) is {place} now (revision {revision}).\n")
                }
                None => format!("{label} ({record}) was {place} already.\n"),
            })
        }
    }
}
