//! The `partnercrm` binary as a user runs it: on the seed data set and on
//! broken files, checking output, exit codes and what the store holds.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use tempfile::TempDir;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

/// A temporary directory with a store path in it, and a command builder
/// that points the binary at that store through --db.
struct Env {
    dir: TempDir,
}

impl Env {
    fn new() -> Self {
        Self {
            dir: TempDir::new().expect("temp dir"),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("store.db")
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("writes");
        path
    }

    fn bytes(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("writes");
        path
    }

    /// The binary, run in the temporary directory, with --db set.
    fn run(&self) -> Command {
        let mut cmd = self.bare();
        cmd.arg("--db").arg(self.db());
        cmd
    }

    /// The binary with no --db, and no PARTNERCRM_DB from outside.
    fn bare(&self) -> Command {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("partnercrm");
        cmd.current_dir(self.dir.path())
            .env_remove("PARTNERCRM_DB")
            .env_remove("PARTNERCRM_ACTOR");
        cmd
    }

    fn seeded() -> Self {
        let env = Self::new();
        env.run().arg("import").arg(SEED).assert().success();
        env
    }

    /// The store's whole content, as the export command writes it.
    fn exported(&self) -> String {
        let out = self.run().arg("export").output().expect("runs");
        assert!(out.status.success());
        String::from_utf8(out.stdout).expect("utf-8")
    }

    fn stdout(&self, args: &[&str]) -> String {
        let out = self.run().args(args).output().expect("runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }
}

const IATI_SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/iati/samples/");

/// A published IATI file.
fn iati_sample(name: &str) -> String {
    format!("{IATI_SAMPLES}{name}")
}

/// The line and column a printed problem starts with, after `file:`.
fn line_and_column(problem: &str, file: &str) -> (usize, usize) {
    let rest = problem
        .strip_prefix(&format!("{file}:"))
        .unwrap_or_else(|| panic!("{problem:?} does not start with {file}"));
    let mut parts = rest.splitn(3, ':');
    let line = parts.next().and_then(|l| l.parse().ok());
    let column = parts.next().and_then(|c| c.parse().ok());
    match (line, column) {
        (Some(line), Some(column)) => (line, column),
        _ => panic!("no line and column in {problem:?}"),
    }
}

fn seed_path() -> &'static Path {
    Path::new(SEED)
}

const BAD_CSV: &str = "donor,recipient,kind,amount,currency,received_on\n\
Chevron,IOM,cash,100,USD,2010\n\
Nobody,IOM,gift,10,USD,2010-13\n\
Chevron,IOM,cash,5,ZZZ,2011\n";

#[test]
fn init_creates_a_store_and_refuses_to_overwrite_one() {
    let env = Env::new();
    env.run()
        .arg("init")
        .assert()
        .success()
        .stdout(contains("Created an empty store"));
    assert!(env.db().exists());
    env.run()
        .arg("init")
        .assert()
        .code(1)
        .stderr(contains("already exists; use --force"));
    env.run().arg("import").arg(SEED).assert().success();
    env.run().args(["init", "--force"]).assert().success();
    assert!(env.exported().contains("\"organisations\": []"));
}

#[test]
fn import_json_then_again_changes_nothing() {
    let env = Env::new();
    env.run()
        .arg("import")
        .arg(SEED)
        .assert()
        .success()
        .stdout(contains("202 new, 0 changed, 0 unchanged (revision 1)"));
    let first = env.exported();
    env.run()
        .arg("import")
        .arg(SEED)
        .assert()
        .success()
        .stdout(contains("0 new, 0 changed, 202 unchanged;"));
    assert_eq!(env.exported(), first);
}

#[test]
fn import_csv_files_naming_each_other_with_a_header_mapping() {
    let env = Env::seeded();
    let orgs = env.file(
        "orgs.csv",
        "Name,Art,country\nNew Foundation,foundation,CH\n",
    );
    let gifts = env.file(
        "gifts.csv",
        "Geber,recipient,kind,amount,currency,received_on\nNew Foundation,IOM,cash,7.50,EUR,2020-03\n",
    );
    env.run()
        .arg("import")
        .arg(&orgs)
        .arg(&gifts)
        .args(["--map", "Art=kind", "--map", "Geber=donor"])
        .assert()
        .success()
        .stdout(contains("2 new"))
        // Not a terminal: plain progress lines, not a bar, for every phase.
        .stderr(contains("gifts.csv: read 1 row in "))
        .stderr(contains("orgs.csv: read 1 row in "))
        .stderr(contains("import: resolve 2 records in "))
        .stderr(contains("import: validate 2 records in "))
        .stderr(contains("import: write 2 records in "))
        .stderr(contains("\r").not());
    let contributions = env.stdout(&["export", "--table", "contributions"]);
    assert!(
        contributions.contains("7.5000,EUR,2020-03-01,month"),
        "{contributions}"
    );
    // Importing the same files again adds nothing.
    env.run()
        .arg("import")
        .arg(&orgs)
        .arg(&gifts)
        .args(["--map", "Art=kind", "--map", "Geber=donor"])
        .assert()
        .success()
        .stdout(contains("0 new, 0 changed, 2 unchanged"));
}

#[test]
fn a_report_whose_totals_overflow_is_one_error_line_not_a_panic() {
    let env = Env::new();
    let orgs = env.file(
        "orgs.csv",
        "name,kind,website\nBig Donor,government,\nIOM,igo,\n",
    );
    // Each amount is valid; together they are beyond any exact total.
    let gifts = env.file(
        "gifts.csv",
        "donor,recipient,kind,amount,currency,received_on\n\
         Big Donor,IOM,cash,50000000000000000000000000000,USD,2010\n\
         Big Donor,IOM,cash,50000000000000000000000000000,USD,2011\n",
    );
    env.run()
        .arg("import")
        .arg(&orgs)
        .arg(&gifts)
        .assert()
        .success();
    for args in [&["report"][..], &["query", "rollup", "--by", "donor"]] {
        let out = env.run().args(args).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("partnercrm: error: the ")
                && stderr.contains("cannot be computed exactly"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("the records involved: contribution "),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_bad_second_file_leaves_the_store_unchanged() {
    let env = Env::seeded();
    let before = env.exported();
    let good = env.file(
        "good.csv",
        "name,kind,website\nNew Foundation,foundation,\n",
    );
    let bad = env.file("bad.csv", BAD_CSV);
    env.run()
        .arg("import")
        .arg(&good)
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(contains(
            "bad.csv:3:1: csv.unknown_reference: no organisation is called \"Nobody\"",
        ))
        .stderr(contains("bad.csv:3:3: csv.invalid_value:"))
        .stderr(contains("bad.csv:3:6: csv.invalid_value:"))
        .stderr(contains("bad.csv:4:5: csv.invalid_value:"))
        .stderr(contains("partnercrm: error: 4 errors in"))
        .stderr(contains("nothing was imported"));
    assert_eq!(env.exported(), before);
}

#[test]
fn rule_violations_across_files_point_at_the_rows() {
    let env = Env::seeded();
    let before = env.exported();
    // Cells that read, but a donor giving to itself breaks a rule.
    let gifts = env.file(
        "gifts.csv",
        "kind,donor,recipient,amount,currency,received_on\ncash,Chevron,IOM,5,USD,2011\ncash,Chevron,Chevron,5,USD,2011\n",
    );
    env.run()
        .arg("import")
        .arg(&gifts)
        .assert()
        .code(1)
        .stderr(contains("gifts.csv:3:3: contribution.self_donation:"));
    assert_eq!(env.exported(), before);
    env.run()
        .arg("validate")
        .arg(&gifts)
        .arg("--json")
        .assert()
        .code(1)
        .stdout(contains(r#""file":"#))
        .stdout(contains(r#""line":3,"column":3,"path":"contributions[1].recipient","code":"contribution.self_donation""#));
}

#[test]
fn validate_prints_every_problem_and_writes_nothing() {
    let env = Env::seeded();
    let before = env.exported();
    let bad = env.file("bad.csv", BAD_CSV);
    let out = env.run().arg("validate").arg(&bad).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with(&format!("{}:", bad.display())))
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("partnercrm: error: 4 errors, 0 warnings in 1 file")
    );
    assert_eq!(env.exported(), before);

    // JSON lines, one object per problem.
    let out = env
        .run()
        .arg("validate")
        .arg("--json")
        .arg(&bad)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let problems: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object"))
        .collect();
    assert_eq!(problems.len(), 4);
    assert_eq!(problems[0]["line"], 3);
    assert_eq!(problems[0]["column"], 1);
    assert_eq!(problems[0]["code"], "csv.unknown_reference");
    assert_eq!(problems[0]["severity"], "error");
}

#[test]
fn validate_locates_json_problems_and_denies_warnings_on_request() {
    let env = Env::new();
    // No store: validate checks the document alone and creates nothing.
    let out = env.run().arg("validate").arg(SEED).output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!env.db().exists());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let warning = text
        .lines()
        .find(|l| l.contains("contribution.amount_unknown"))
        .expect("the seed has contributions of unknown amount");
    // file:line:col: code: message [warning], at the record's place in the text.
    let location = warning
        .strip_prefix(&format!("{SEED}:"))
        .expect("starts with the file");
    let mut parts = location.splitn(3, ':');
    let line: usize = parts.next().and_then(|l| l.parse().ok()).expect("a line");
    let column: usize = parts.next().and_then(|c| c.parse().ok()).expect("a column");
    assert!(line > 1 && column > 1, "{warning}");
    assert!(warning.ends_with("[warning]"), "{warning}");
    let seed_text = std::fs::read_to_string(seed_path()).expect("reads");
    let at_line = seed_text.lines().nth(line - 1).expect("line exists");
    assert!(
        at_line.contains("\"value\""),
        "{warning} points at {at_line:?}"
    );

    env.run()
        .arg("validate")
        .arg("--deny-warnings")
        .arg(SEED)
        .assert()
        .code(1)
        .stderr(contains("(warnings denied)"));

    // A rule broken in a document: the line of the offending field.
    let mut data: serde_json::Value = serde_json::from_str(&seed_text).expect("json");
    data["agreements"][0]["parties"] = serde_json::json!([]);
    let broken = env.file(
        "broken.json",
        &serde_json::to_string_pretty(&data).expect("json"),
    );
    let out = env
        .run()
        .arg("validate")
        .arg(&broken)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let error = text
        .lines()
        .find(|l| l.contains("agreement.party_count"))
        .unwrap_or_else(|| panic!("no party count error in {text}"));
    let broken_text = std::fs::read_to_string(&broken).expect("reads");
    let line: usize = error
        .split(':')
        .nth(1)
        .and_then(|l| l.parse().ok())
        .expect("a line");
    assert!(
        broken_text
            .lines()
            .nth(line - 1)
            .is_some_and(|l| l.contains("\"parties\": []")),
        "{error}"
    );
}

#[test]
fn malformed_missing_and_unknown_files_are_one_clear_line() {
    let env = Env::seeded();
    let before = env.exported();
    let malformed = env.file(
        "malformed.json",
        "{\"format\": \"partnercrm/1\",\n  \"organisations\": [,]\n}",
    );
    env.run()
        .arg("import")
        .arg(&malformed)
        .assert()
        .code(1)
        .stderr(contains(
            "malformed.json:2:21: json.malformed: expected value",
        ))
        .stderr(contains("partnercrm: error: 1 error in").and(contains("panicked").not()));
    let newer = env.file("newer.json", "{\"format\": \"partnercrm/2\"}");
    env.run()
        .arg("import")
        .arg(&newer)
        .assert()
        .code(1)
        .stderr(contains("newer.json:1:12: json.unsupported_format:"));
    env.run()
        .arg("import")
        .arg("missing.csv")
        .assert()
        .code(1)
        .stderr(contains("missing.csv: file.unreadable:"));
    let text = env.file("notes.txt", "hello");
    env.run()
        .arg("import")
        .arg(&text)
        .assert()
        .code(1)
        .stderr(contains("notes.txt: file.unknown_format:"));
    let odd = env.file("odd.csv", "a,b\n1,2\n");
    env.run()
        .arg("validate")
        .arg(&odd)
        .assert()
        .code(1)
        .stdout(contains("odd.csv:1: csv.unknown_kind:"));
    // --format reads it anyway; --kind names the kind.
    let orgs = env.file("orgs.txt", "name,kind\nNew Foundation,foundation\n");
    env.run()
        .args(["validate", "--format", "csv", "--kind", "organisations"])
        .arg(&orgs)
        .assert()
        .success();
    assert_eq!(env.exported(), before);
    // A usage error is clap's: exit 2.
    env.run()
        .args(["import", "--format", "yaml"])
        .arg(&orgs)
        .assert()
        .code(2);
    env.run()
        .args(["validate", "--kind", "ships"])
        .arg(&orgs)
        .assert()
        .code(2);
}

/// Debug builds panic on request (see `panic_if_asked_for_tests` in main.rs).
#[cfg(debug_assertions)]
#[test]
fn a_panic_is_one_line_saying_it_is_a_bug_and_exit_code_70() {
    let env = Env::new();
    let out = env
        .run()
        .env("PARTNERCRM_PANIC_FOR_TESTS", "yes-panic")
        .env_remove("RUST_BACKTRACE")
        .arg("report")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(70));
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(
            "partnercrm: internal error: a panic asked for by PARTNERCRM_PANIC_FOR_TESTS at "
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("crates/partnercrm-cli/src/main.rs:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("(this is a bug in partnercrm ") && stderr.contains("please report it"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    // Any other value is not a request.
    env.run()
        .env("PARTNERCRM_PANIC_FOR_TESTS", "1")
        .arg("init")
        .assert()
        .success();
}

#[test]
fn report_in_every_format() {
    let env = Env::seeded();
    let table = env.stdout(&["report"]);
    assert!(table.starts_with("IOM partnerships\n"), "{table}");
    for section in [
        "Partners by kind",
        "Agreements",
        "Contributions by donor and currency",
        "Outcomes",
        "Groups (members today)",
    ] {
        assert!(table.contains(section), "{section}");
    }
    assert!(table.contains("Chevron Corporation"));

    let csv = env.stdout(&["report", "--format", "csv", "--section", "contributions"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("donor,currency,amount,unknown_amounts,contributions")
    );
    assert!(
        csv.contains("Chevron Corporation,USD,1250000.00,0,2"),
        "{csv}"
    );
    env.run()
        .args(["report", "--format", "csv"])
        .assert()
        .code(1)
        .stderr(contains("--section"));

    let json: serde_json::Value =
        serde_json::from_str(&env.stdout(&["report", "--format", "json"])).expect("json");
    assert_eq!(json["title"], "IOM partnerships");
    assert_eq!(json["agreements"].as_array().map(Vec::len), Some(7));
}

#[test]
fn report_on_a_day_for_a_partner_in_another_currency() {
    let env = Env::seeded();
    let rates = env.file("rates.csv", "currency,date,rate\nUSD,2000,0.5\n");
    let out = env.stdout(&[
        "report",
        "--on",
        "2009-01-01",
        "--partner",
        "Chevron",
        "--currency",
        "EUR",
        "--rates",
        rates.to_str().expect("utf-8 path"),
        "--format",
        "csv",
        "--section",
        "contributions",
    ]);
    assert_eq!(
        out,
        "donor,currency,amount,unknown_amounts,contributions\nChevron Corporation,EUR,625000.00,0,2\n"
    );
    let heading = env.stdout(&["report", "--on", "2006-12-31", "--partner", "Chevron"]);
    assert!(heading.starts_with("IOM partnerships: Chevron Corporation, as on 2006-12-31\n"));
    assert!(
        !heading.contains("AIG"),
        "another donor in Chevron's report"
    );
    // An undated gift cannot be converted: a clear error, not a zero.
    env.run()
        .args(["report", "--currency", "EUR", "--rates"])
        .arg(&rates)
        .assert()
        .code(1)
        .stderr(contains("has no date, so no USD→EUR rate can be chosen"));
    // --currency needs --rates: a usage error.
    env.run()
        .args(["report", "--currency", "EUR"])
        .assert()
        .code(2);
    env.run()
        .args(["report", "--partner", "Nobody"])
        .assert()
        .code(1)
        .stderr(contains("no organisation is called \"Nobody\""));
}

#[test]
fn queries_answer_in_every_format() {
    let env = Env::seeded();
    let rollup = env.stdout(&["query", "rollup", "--by", "donor,year", "--format", "csv"]);
    assert!(rollup.starts_with("donor,donor_name,year,currency,pledged,received"));
    assert!(
        rollup.contains("Chevron Corporation,2008,USD,0.0000,400000.0000"),
        "{rollup}"
    );

    let members = env.stdout(&[
        "query",
        "members",
        "Global Migration Group",
        "--on",
        "2009-06-01",
        "--format",
        "json",
    ]);
    let names: Vec<String> = members
        .lines()
        .map(|l| {
            let row: serde_json::Value = serde_json::from_str(l).expect("json line");
            row["name"].as_str().expect("name").to_owned()
        })
        .collect();
    assert!(names.contains(&"International Organization for Migration".to_owned()));

    let agreements = env.stdout(&[
        "query",
        "agreements",
        "--kind",
        "trilateral",
        "--format",
        "csv",
    ]);
    assert_eq!(agreements.lines().count(), 3, "{agreements}");
    let chairs = env.stdout(&[
        "query",
        "chairs",
        "Global Migration Group",
        "--on",
        "2009-06-01",
    ]);
    assert!(chairs.contains("organisation_name"));
    let outcomes = env.stdout(&["query", "outcomes", "--format", "json"]);
    assert!(
        outcomes.contains("\"actual\":\"600000.000000\""),
        "{outcomes}"
    );
    let portfolio = env.stdout(&["query", "portfolio", "Chevron"]);
    assert!(portfolio.contains("contributions"));
    let gifts = env.stdout(&[
        "query",
        "portfolio",
        "Chevron",
        "--table",
        "contributions",
        "--format",
        "csv",
    ]);
    assert_eq!(gifts.lines().count(), 3);
    let network = env.stdout(&["query", "network"]);
    assert!(network.contains("weight"));
    let graphml = env.stdout(&["query", "network", "--graphml"]);
    assert!(graphml.contains("<graphml"));
    let duplicates = env.stdout(&[
        "query",
        "duplicates",
        "--min-score",
        "0.1",
        "--format",
        "json",
    ]);
    for line in duplicates.lines() {
        let row: serde_json::Value = serde_json::from_str(line).expect("json line");
        assert!(row["reasons"].is_array());
    }
    env.run()
        .args(["query", "members", "No Such Group"])
        .assert()
        .code(1)
        .stderr(contains("no group is called"));
}

#[test]
fn export_writes_the_document_or_a_table() {
    let env = Env::seeded();
    let out = env.dir.path().join("out.json");
    env.run()
        .arg("export")
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let written = std::fs::read_to_string(&out).expect("written");
    assert_eq!(written, env.exported());
    // The exported document imports into a new store as the same data.
    let other = Env::new();
    other.run().arg("import").arg(&out).assert().success();
    assert_eq!(other.exported(), written);

    let csv = env.stdout(&["export", "--table", "organisations"]);
    assert!(csv.starts_with("id,"));
    assert_eq!(csv.lines().count(), 67);
    let lines = env.stdout(&["export", "--table", "agreements", "--format", "json"]);
    assert_eq!(lines.lines().count(), 7);
    env.run()
        .args(["export", "--format", "csv"])
        .assert()
        .code(1)
        .stderr(contains("--table"));
}

#[test]
fn history_and_erasure() {
    let env = Env::seeded();
    let history = env.stdout(&["history", "UBS"]);
    assert!(history.contains("created"), "{history}");
    let json: serde_json::Value =
        serde_json::from_str(&env.stdout(&["history", "Susan Boeve", "--format", "json"]))
            .expect("json");
    let id = json[0]["after"]["id"].as_str().expect("an id").to_owned();

    // Not on a terminal: erasing needs --yes.
    env.run()
        .args(["erase-person", "Susan Boeve"])
        .assert()
        .code(1)
        .stderr(contains("pass --yes"));
    env.run()
        .args(["erase-person", "Susan Boeve", "--yes"])
        .assert()
        .success();
    assert!(!env.exported().contains("Susan Boeve"));
    let after = env.stdout(&["history", &id]);
    assert!(after.contains("erased"), "{after}");
    env.run()
        .args(["history", "Susan Boeve"])
        .assert()
        .code(1)
        .stderr(contains("no record is called"));
    env.run()
        .args(["history", "Nobody at all"])
        .assert()
        .code(1);
}

#[test]
fn completions_for_each_shell() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        env.bare()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(contains("partnercrm").and(contains("erase-person")));
    }
}

#[test]
fn every_command_has_help() {
    let env = Env::new();
    let commands: &[&[&str]] = &[
        &[],
        &["init"],
        &["import"],
        &["validate"],
        &["report"],
        &["query"],
        &["query", "rollup"],
        &["query", "agreements"],
        &["query", "members"],
        &["query", "chairs"],
        &["query", "outcomes"],
        &["query", "portfolio"],
        &["query", "network"],
        &["query", "duplicates"],
        &["export"],
        &["history"],
        &["erase-person"],
        &["completions"],
    ];
    for command in commands {
        env.bare()
            .args(*command)
            .arg("--help")
            .assert()
            .success()
            .stdout(contains("Usage: partnercrm").and(contains("--db")));
    }
}

#[test]
fn the_store_is_chosen_by_flag_variable_or_default() {
    let env = Env::new();
    // The default: partnercrm.db in the working directory.
    env.bare().arg("init").assert().success();
    assert!(env.dir.path().join("partnercrm.db").exists());
    // PARTNERCRM_DB names another file.
    let named = env.dir.path().join("named.db");
    env.bare()
        .env("PARTNERCRM_DB", &named)
        .arg("import")
        .arg(SEED)
        .assert()
        .success();
    env.bare()
        .env("PARTNERCRM_DB", &named)
        .arg("report")
        .assert()
        .success()
        .stdout(contains("Chevron"));
    // --db wins over the variable.
    env.bare()
        .env("PARTNERCRM_DB", &named)
        .arg("--db")
        .arg(env.dir.path().join("partnercrm.db"))
        .args(["export", "--table", "organisations"])
        .assert()
        .success()
        .stdout(predicate::function(|out: &str| {
            out.starts_with("id,") && out.lines().count() == 1
        }));
    // A store that does not exist is not created by a read.
    env.bare()
        .arg("--db")
        .arg("nowhere.db")
        .arg("report")
        .assert()
        .code(1)
        .stderr(contains("no store at nowhere.db"));
    assert!(!env.dir.path().join("nowhere.db").exists());
}

#[test]
fn import_an_iati_activity_then_again_changes_nothing() {
    let env = Env::new();
    let sample = iati_sample("activity-01.xml");
    let out = env.run().arg("import").arg(&sample).output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        // Two organisations, the project and its commitment: the budget of the
        // same amount is the project's plan, not a second pledge.
        stdout.contains("4 new, 0 changed, 0 unchanged (revision 1); 0 warnings"),
        "{stdout}"
    );
    // IOM's own sector vocabularies are held now: nothing to warn of, only
    // each phase's progress line.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .lines()
            .all(|l| l.contains(": read ") || l.starts_with("import: ")),
        "{stderr}"
    );

    let first = env.exported();
    let data: serde_json::Value = serde_json::from_str(&first).expect("json");
    let projects = data["projects"].as_array().expect("projects");
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0]["iati_identifier"], "XM-DAC-47066-DP.2154");
    assert_eq!(projects[0]["countries"], serde_json::json!(["SO"]));
    assert_eq!(
        projects[0]["budgets"][0]["value"],
        serde_json::json!({"amount": "1459753.72", "currency": "USD"})
    );
    let budgets = env.stdout(&["export", "--table", "budgets"]);
    let mut lines = budgets.lines();
    assert_eq!(
        lines.next(),
        Some("project,project_title,kind,status,start,end,amount,currency,value_date")
    );
    let row = lines.next().expect("the budget");
    assert!(
        row.ends_with(",original,committed,2020-03-15,2021-03-14,1459753.7200,USD,2020-03-01"),
        "{row}"
    );
    assert!(
        data["organisations"]
            .as_array()
            .expect("organisations")
            .iter()
            .any(|o| o["name"] == "Japan - Ministry of Foreign Affairs")
    );

    env.run()
        .arg("import")
        .arg(&sample)
        .assert()
        .success()
        .stdout(contains("0 new, 0 changed, 2 unchanged;"));
    assert_eq!(env.exported(), first);
}

/// Two IATI files, the first naming an organisation by its name alone, the
/// second with its identifier.
const NAMED_ALONE: &str = r#"<iati-activities version="2.03"><iati-activity default-currency="USD">
  <iati-identifier>XM-DAC-41114-A</iati-identifier>
  <reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>
  <title><narrative>Named alone</narrative></title>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2024-02-01"/>
   <value>1500.25</value><receiver-org><narrative>Acme Relief</narrative></receiver-org></transaction>
 </iati-activity></iati-activities>"#;
const IDENTIFIED: &str = r#"<iati-activities version="2.03"><iati-activity>
  <iati-identifier>XM-DAC-41114-B</iati-identifier>
  <reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>
  <title><narrative>Identified</narrative></title>
  <participating-org ref="GB-CHC-1234567" role="4" type="21"><narrative>Acme Relief</narrative></participating-org>
 </iati-activity></iati-activities>"#;

#[test]
fn iati_files_give_one_store_in_any_order_and_in_one_command() {
    let store_of = |steps: &[&[&str]]| {
        let env = Env::new();
        env.file("alone.xml", NAMED_ALONE);
        env.file("identified.xml", IDENTIFIED);
        for files in steps {
            env.run().arg("import").args(*files).assert().success();
        }
        // The same records, in the order of their ids rather than of arrival.
        let mut data: serde_json::Value = serde_json::from_str(&env.exported()).expect("json");
        for records in data.as_object_mut().expect("object").values_mut() {
            if let Some(records) = records.as_array_mut() {
                records.sort_by_key(|r| r["id"].as_str().unwrap_or_default().to_owned());
            }
        }
        serde_json::to_string_pretty(&data).expect("json")
    };
    let forward = store_of(&[&["alone.xml"], &["identified.xml"]]);
    assert!(forward.contains("GB-CHC-1234567"));
    assert_eq!(forward.matches("\"Acme Relief\"").count(), 1, "{forward}");
    assert_eq!(store_of(&[&["identified.xml"], &["alone.xml"]]), forward);
    assert_eq!(store_of(&[&["alone.xml", "identified.xml"]]), forward);
    assert_eq!(store_of(&[&["identified.xml", "alone.xml"]]), forward);
}

#[test]
fn validate_iati_prints_warnings_by_xpath_and_denies_them_on_request() {
    let env = Env::seeded();
    let before = env.exported();
    let sample = iati_sample("dportal_119.xml");
    let out = env
        .run()
        .arg("validate")
        .arg(&sample)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let text = std::fs::read_to_string(&sample).expect("reads");
    let warnings: Vec<&str> = stdout.lines().collect();
    assert!(warnings.len() > 50, "{stdout}");
    // IOM budgets a whole project at once, longer than IATI's year: a rule
    // of the store on the project read, placed by its record, not an XPath.
    let (by_record, by_xpath): (Vec<&str>, Vec<&str>) = warnings
        .iter()
        .partition(|w| w.starts_with(&format!("{sample}: projects[")));
    assert!(
        !by_record.is_empty()
            && by_record
                .iter()
                .all(|w| w.contains(".budgets[") && w.contains(": budget.period_over_a_year: ")),
        "{by_record:?}"
    );
    for warning in &by_xpath {
        assert!(warning.ends_with("[warning]"), "{warning}");
        // file:line:col: /iati-activities/iati-activity[n]/…: code: message,
        // the line holding the element the XPath names (or, for a missing
        // one, its activity).
        let (line, _) = line_and_column(warning, &sample);
        let xpath = warning
            .split(": ")
            .nth(1)
            .filter(|x| x.starts_with("/iati-activities/iati-activity["))
            .unwrap_or_else(|| panic!("no XPath in {warning}"));
        let element = xpath
            .rsplit('/')
            .find(|step| !step.starts_with('@'))
            .and_then(|step| step.split('[').next())
            .expect("a step");
        let at = text.lines().nth(line - 1).expect("the line exists");
        assert!(
            at.contains(&format!("<{element}")) || at.contains("<iati-activity"),
            "{warning} points at {at:?}"
        );
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!(
        "0 errors, {} warnings in 1 file: ok",
        warnings.len()
    )));

    env.run()
        .args(["validate", "--deny-warnings", "--json"])
        .arg(&sample)
        .assert()
        .code(1)
        .stdout(contains(r#""path":"/iati-activities/iati-activity["#))
        .stdout(contains(r#""severity":"warning""#))
        .stderr(contains("(warnings denied)"));

    // A dirty file: its warnings are all shown, with the store's refusal of
    // two activities of one title among them.
    let dirty = iati_sample("dportal_115.xml");
    let out = env
        .run()
        .arg("validate")
        .arg(&dirty)
        .output()
        .expect("runs");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let placed = format!("{dirty}:");
    assert!(
        stdout
            .lines()
            .filter(|l| l.ends_with("[warning]"))
            // Two identifiers under one name are two organisations, and a
            // budget may run longer than a year: the store's rules point
            // them out by record rather than by XPath.
            .filter(|l| {
                !l.contains(": organisation.name_shared: ")
                    && !l.contains(": budget.period_over_a_year: ")
            })
            .all(|l| l.starts_with(&placed) && l.contains(": /iati-activities/iati-activity[")),
        "{stdout}"
    );
    assert!(stdout.contains(
        "/participating-org[1]/@ref: iati.invalid_value: \"-\" is not an organisation identifier"
    ));
    // Activities that share a title are told apart by their identifiers,
    // and repeated indicator titles are numbered: only warnings remain.
    assert!(stdout.lines().all(|l| l.ends_with("[warning]")), "{stdout}");
    assert_eq!(out.status.code(), Some(0));
    env.run()
        .args(["validate", "--deny-warnings"])
        .arg(&dirty)
        .assert()
        .code(1);
    assert_eq!(env.exported(), before);
}

/// `text` in UTF-16, little- or big-endian, with a byte-order mark if `bom`.
fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    bom.then_some(0xFEFF)
        .into_iter()
        .chain(text.encode_utf16())
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

#[test]
fn byte_order_marks_and_utf16_import_as_utf8_does() {
    let env = Env::new();
    let document = "{\"format\": \"partnercrm/1\", \"organisations\": [{\"id\": \
                    \"0190a5d8-0000-7000-8000-000000000001\", \"name\": \"Caf\u{e9} du \
                    Monde\", \"kind\": \"ngo_cso\"}]}\n";
    let json = env.bytes(
        "marked.json",
        &[b"\xEF\xBB\xBF", document.as_bytes()].concat(),
    );
    let csv = env.bytes(
        "orgs.csv",
        &utf16(
            "name,kind,website\nB\u{e9}b\u{e9} Foundation,foundation,\n",
            false,
            true,
        ),
    );
    let xml = env.bytes(
        "activities.xml",
        &utf16(
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<iati-activities version=\"2.03\">\n \
             <iati-activity>\n  <iati-identifier>XM-DAC-47066-\u{e9}</iati-identifier>\n  \
             <title><narrative>\u{c9}t\u{e9}</narrative></title>\n  \
             <reporting-org ref=\"XM-DAC-47066\"/>\n </iati-activity>\n</iati-activities>\n",
            true,
            false,
        ),
    );
    env.run()
        .arg("import")
        .args([&json, &csv, &xml])
        .assert()
        .success();
    let stored = env.exported();
    for name in [
        "Caf\u{e9} du Monde",
        "B\u{e9}b\u{e9} Foundation",
        "XM-DAC-47066-\u{e9}",
    ] {
        assert!(stored.contains(name), "{name} is not in {stored}");
    }
}

#[test]
fn problems_in_utf16_files_are_placed_on_their_lines() {
    let env = Env::seeded();
    let csv = env.bytes(
        "orgs.csv",
        &utf16(
            "name,kind,website\n\u{c9}t\u{e9},foundation,\nB,shop,\n",
            true,
            true,
        ),
    );
    env.run()
        .arg("validate")
        .arg(&csv)
        .assert()
        .code(1)
        .stdout(contains("orgs.csv:3:2: csv.invalid_value:"));
    let xml = env.bytes(
        "status.xml",
        &utf16(
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<iati-activities version=\"2.03\">\n \
             <iati-activity>\n  <iati-identifier>XM-DAC-47066-X</iati-identifier>\n  \
             <reporting-org ref=\"XM-DAC-47066\"/>\n  <activity-status code=\"Z\"/>\n \
             </iati-activity>\n</iati-activities>\n",
            false,
            false,
        ),
    );
    env.run()
        .arg("validate")
        .arg(&xml)
        .assert()
        .success()
        .stdout(contains(
            "status.xml:6:3: /iati-activities/iati-activity[1]/activity-status/@code: \
             iati.unknown_code:",
        ));
}

#[test]
fn text_that_is_not_utf8_is_refused_where_it_stops_being_text() {
    let env = Env::seeded();
    let before = env.exported();
    // "Café" in Latin-1: the é is the byte 0xE9, at line 2, column 4.
    let latin1_csv = env.bytes("latin1.csv", b"name,kind\nCaf\xE9,foundation\n");
    let latin1_json = env.bytes(
        "latin1.json",
        b"{\"format\": \"partnercrm/1\",\n\"title\": \"Caf\xE9\"}\n",
    );
    let latin1_xml = env.bytes(
        "latin1.xml",
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<iati-activities>Caf\xE9\
          </iati-activities>\n",
    );
    let binary = env.bytes("binary.csv", b"PK\x03\x04\x14\x00\x00\x00");
    for (file, place) in [
        (
            &latin1_csv,
            "latin1.csv:2:4: file.not_utf8: byte 0xE9 is not UTF-8",
        ),
        (
            &latin1_json,
            "latin1.json:2:14: file.not_utf8: byte 0xE9 is not UTF-8",
        ),
        (
            &latin1_xml,
            "latin1.xml:2:21: file.not_utf8: byte 0xE9 is not UTF-8",
        ),
        (
            &binary,
            "binary.csv:1:6: file.not_utf8: a NUL byte is not text",
        ),
    ] {
        let out = env.run().arg("import").arg(file).output().expect("runs");
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8(out.stderr).expect("utf-8");
        let problems: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("partnercrm: error:"))
            .collect();
        assert_eq!(problems.len(), 1, "{stderr}");
        assert!(problems[0].contains(place), "{stderr}");
        assert!(problems[0].contains("save"), "{stderr}");
        assert!(problems[0].contains("as UTF-8"), "{stderr}");
    }
    assert_eq!(env.exported(), before);
}

#[test]
fn a_csv_file_that_ends_inside_a_quote_is_one_error_where_the_quote_opens() {
    let env = Env::seeded();
    let before = env.exported();
    let open = env.file(
        "open.csv",
        "name,kind,website\nNew Foundation,foundation,\nOld Foundation,\"foundation\n",
    );
    let out = env.run().arg("import").arg(&open).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        stderr
            .contains("open.csv:3:16: csv.malformed: this quote opens a cell that is never closed"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(env.exported(), before);
}

#[test]
fn malformed_and_hostile_xml_is_one_error_line() {
    let env = Env::seeded();
    let before = env.exported();
    let laughs = env.file(
        "laughs.xml",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n \
         <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n\
         <iati-activities version=\"2.03\"><iati-activity>\
         <iati-identifier>&lol2;</iati-identifier></iati-activity></iati-activities>\n",
    );
    let truncated = env.file(
        "truncated.xml",
        "<iati-activities version=\"2.03\">\n <iati-activity>\n  <title></iati-activity>\n",
    );
    let deep = env.file(
        "deep.xml",
        &format!(
            "<iati-activities>\n{}{}</iati-activities>",
            "<a>".repeat(300),
            "</a>".repeat(300)
        ),
    );
    let external = env.file(
        "external.xml",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE iati-activities SYSTEM \"file:///etc/passwd\">\n\
         <iati-activities version=\"2.03\"/>\n",
    );
    // Not XML at all, read as IATI because --format says so.
    let orgs = env.file("orgs.txt", "name,kind\nNew Foundation,foundation\n");
    for (file, format, place) in [
        (
            &laughs,
            None,
            "laughs.xml:2:1: xml.malformed: the document type declares entities",
        ),
        (
            &external,
            None,
            "external.xml:2:1: xml.malformed: the document has a document type declaration",
        ),
        (&truncated, None, "truncated.xml:3:10: xml.malformed:"),
        (
            &deep,
            None,
            "deep.xml:2:766: xml.malformed: elements nest deeper than 256 levels",
        ),
        (&orgs, Some("iati"), "orgs.txt:"),
    ] {
        let mut cmd = env.run();
        cmd.arg("import").arg(file);
        if let Some(format) = format {
            cmd.args(["--format", format]);
        }
        let out = cmd.output().expect("runs");
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8(out.stderr).expect("utf-8");
        let problems: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("partnercrm: error:"))
            .collect();
        assert_eq!(problems.len(), 1, "{stderr}");
        assert!(problems[0].contains(place), "{stderr}");
        assert!(problems[0].contains("xml.malformed"), "{stderr}");
        assert!(stderr.contains("nothing was imported") && !stderr.contains("panicked"));
    }
    assert_eq!(env.exported(), before);
}

#[test]
fn export_iati_reimports_through_the_command_line() {
    let env = Env::seeded();
    let out = env.dir.path().join("projects.xml");
    // The seed has projects with no dates, which no IATI activity can be
    // written from: each is named, and nothing is written.
    let refused = env
        .run()
        .args(["export", "--format", "iati", "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("iati.not_writable") && stderr.contains("nothing was written"));
    assert!(
        stderr.contains("\"Solar lanterns for IDP settlements in Somalia\""),
        "{stderr}"
    );
    assert!(!out.exists());
    let skipped = env
        .run()
        .args(["export", "--format", "iati", "--skip-unwritable", "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(skipped.status.success());
    let stderr = String::from_utf8_lossy(&skipped.stderr);
    assert!(
        stderr.lines().all(|l| l.starts_with("skipped: ")),
        "{stderr}"
    );
    assert!(stderr.contains("Solar lanterns"), "{stderr}");
    let xml = std::fs::read_to_string(&out).expect("written");
    assert!(xml.starts_with("<?xml"));
    let titles = |exported: &str| -> Vec<String> {
        let data: serde_json::Value = serde_json::from_str(exported).expect("json");
        let mut titles: Vec<String> = data["projects"]
            .as_array()
            .expect("projects")
            .iter()
            .filter_map(|p| p["title"].as_str().map(str::to_owned))
            .collect();
        titles.sort();
        titles
    };
    let stored = partnercrm::io::json::from_str(&env.exported()).expect("json");
    let writable = partnercrm::io::iati::writable(&stored);
    assert!(writable.len() < stored.projects.len());
    let mut seeded: Vec<String> = stored
        .projects
        .iter()
        .filter(|p| writable.contains(&p.id))
        .map(|p| p.title.clone())
        .collect();
    seeded.sort();
    assert_eq!(xml.matches("<iati-activity>").count(), seeded.len());

    // Into a new store: every project, and nothing to warn about.
    let other = Env::new();
    let imported = other.run().arg("import").arg(&out).output().expect("runs");
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(String::from_utf8_lossy(&imported.stdout).contains("; 0 warnings."));
    assert_eq!(titles(&other.exported()), seeded);
    let once = other.exported();
    other
        .run()
        .arg("import")
        .arg(&out)
        .assert()
        .success()
        .stdout(contains(" 0 new, 0 changed,"));
    assert_eq!(other.exported(), once);

    // Chosen projects, to stdout.
    let one = env.stdout(&["export", "--format", "iati", "--project", "Praesidium"]);
    assert_eq!(one.matches("<iati-activity>").count(), 1);
    assert!(one.contains("<narrative>Praesidium</narrative>"));
    env.run()
        .args(["export", "--format", "iati", "--project", "No such project"])
        .assert()
        .code(1)
        .stderr(contains("no project is called \"No such project\""));
    env.run()
        .args(["export", "--format", "iati", "--table", "projects"])
        .assert()
        .code(1)
        .stderr(contains("IATI holds projects, not a table"));
    env.run()
        .args(["export", "--project", "Praesidium"])
        .assert()
        .code(1)
        .stderr(contains("--format iati only"));
}

#[test]
fn export_and_report_succeed_while_another_writer_writes() {
    use partnercrm::model::*;
    use partnercrm::store::{Batch, Store};
    use std::sync::atomic::{AtomicBool, Ordering};

    let env = Env::seeded();
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, stop) = (env.db(), stop.clone());
        // Each batch adds a donor and a gift that names it, and deletes the
        // pair before: an export that read half a batch would be refused.
        std::thread::spawn(move || {
            let mut store = Store::open(&db).expect("opens");
            let iom = store.find_by_name::<Organisation>("IOM").expect("lookup")[0].id;
            let mut previous: Option<(OrganisationId, ContributionId)> = None;
            let mut k = 0;
            while !stop.load(Ordering::Relaxed) {
                let donor =
                    Organisation::new(format!("Linked donor {k}"), OrganisationKind::NgoCso);
                let mut gift = Contribution::new(ContributionKind::Cash, donor.id, iom);
                gift.value = ContributionValue::actual(Money::parse("100", "USD").expect("money"));
                gift.date = Some("2024".parse().expect("date"));
                let mut batch = Batch::new().upsert(donor.clone()).upsert(gift.clone());
                if let Some((org, contribution)) = previous {
                    batch = batch.delete(contribution).delete(org);
                }
                store.apply(batch, "writer", "linked pair").expect("writes");
                previous = Some((donor.id, gift.id));
                k += 1;
            }
            k
        })
    };
    let backup = env.dir.path().join("backup.json");
    for round in 0..60 {
        let _ = std::fs::remove_file(&backup);
        let out = env
            .run()
            .arg("export")
            .arg("-o")
            .arg(&backup)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "export {round} was refused: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let data = partnercrm::io::json::read(&backup).expect("the backup reads back");
        assert!(
            data.validate().is_clean(),
            "backup {round} is a consistent snapshot"
        );
        if round % 10 == 0 {
            env.stdout(&["report", "--format", "csv", "--section", "contributions"]);
        }
    }
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().expect("the writer finished");
    assert!(
        written > 10,
        "the writer wrote alongside ({written} batches)"
    );
}

/// Exports the store in `format`, imports the file into the same store and
/// checks that nothing was inserted or changed, and that a JSON export of
/// the whole store is the same before and after.
fn round_trip_into_the_same_store(env: &Env, format: &str, what: &str) {
    let before = env.exported();
    let file = env.dir.path().join(format!("round-trip.{format}"));
    let out = env
        .run()
        .args(["export", "--format", format, "-o"])
        .arg(&file)
        // Projects IATI cannot hold stay out, and so stay as they are.
        .args((format == "iati").then_some("--skip-unwritable"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = env.run().arg("import").arg(&file).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{what}: the {format} export was refused: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(" 0 new, 0 changed,"),
        "{what}: reading the {format} export back changed the store: {stdout}"
    );
    assert_eq!(env.exported(), before, "{what}: the store changed");
}

#[test]
fn exports_read_back_into_the_store_they_came_from_unchanged() {
    let env = Env::seeded();
    round_trip_into_the_same_store(&env, "json", "the seed");
    round_trip_into_the_same_store(&env, "iati", "the seed");
    // Every record table as CSV, all imported together in one revision.
    let before = env.exported();
    let tables = [
        "organisations",
        "people",
        "agreements",
        "projects",
        "indicators",
        "groups",
        "memberships",
        "contributions",
        "notes",
    ];
    let mut files = Vec::new();
    for table in tables {
        let file = env.dir.path().join(format!("{table}.csv"));
        env.run()
            .args(["export", "--table", table, "-o"])
            .arg(&file)
            .assert()
            .success();
        files.push(file);
    }
    let out = env.run().arg("import").args(&files).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the CSV tables were refused: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(" 0 new, 0 changed,"),
        "the CSV tables changed the store: {stdout}"
    );
    assert_eq!(env.exported(), before, "the store changed");
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/iati/");
    for folder in ["samples", "corpus"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(format!("{shared}{folder}"))
            .expect("the shared IATI files")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "xml"))
            // An organisation file, not activities.
            .filter(|p| !p.ends_with("organisation-standard-example-annotated.xml"))
            .collect();
        files.sort();
        assert!(!files.is_empty());
        for file in files {
            let env = Env::new();
            env.run().arg("import").arg(&file).assert().success();
            round_trip_into_the_same_store(&env, "iati", &file.display().to_string());
        }
    }
}

#[test]
fn tables_show_names_and_ids_only_when_asked() {
    // Before: the chairs table led with a UUID column that wrapped over four lines.
    let env = Env::seeded();
    let shown = env.stdout(&[
        "query",
        "chairs",
        "Global Migration Group",
        "--on",
        "2013-10-01",
    ]);
    assert!(
        shown.contains("group_name") && shown.contains("International Organization for Migration")
    );
    let data = partnercrm::io::json::read(seed_path()).expect("seed");
    let iom = data.organisation_named("IOM").expect("IOM").id.to_string();
    assert!(!shown.contains(&iom), "{shown}");
    let with_ids = env.stdout(&["--ids", "query", "chairs", "GMG", "--on", "2013-10-01"]);
    assert!(
        with_ids.contains("organisation_name") && with_ids.contains("┆ organisation "),
        "{with_ids}"
    );
    // CSV keeps every column, ids included.
    let csv = env.stdout(&[
        "query",
        "chairs",
        "GMG",
        "--on",
        "2013-10-01",
        "--format",
        "csv",
    ]);
    assert!(
        csv.lines()
            .next()
            .is_some_and(|h| h.starts_with("group,group_name,organisation,organisation_name"))
    );
    assert!(csv.contains(&iom));
}

#[test]
fn a_name_several_organisations_answer_to_lists_them() {
    let env = Env::new();
    let doc = r#"{"format": "partnercrm/1", "organisations": [
        {"id": "0190a4b6-0000-7000-8000-000000000001", "name": "Red Cross", "acronym": "RC", "kind": "ngo_cso"},
        {"id": "0190a4b6-0000-7000-8000-000000000002", "name": "Red Crescent", "acronym": "RC", "kind": "ngo_cso"}]}"#;
    let path = env.file("two.json", doc);
    env.run().arg("import").arg(&path).assert().success();
    env.run()
        .args(["query", "portfolio", "rc"])
        .assert()
        .failure()
        .stderr(contains("\"rc\" names 2 organisations: Red Cross (0190a4b6-0000-7000-8000-000000000001), Red Crescent"));
}

#[test]
fn the_report_as_one_html_page_with_its_charts() {
    let env = Env::seeded();
    let page = env.dir.path().join("report.html");
    env.run()
        .args(["report", "--format", "html", "-o"])
        .arg(&page)
        .assert()
        .success()
        .stdout("");
    let html = std::fs::read_to_string(&page).expect("the page");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.matches("<svg").count() >= 5,
        "partners, money, outcomes, network, groups"
    );
    assert!(!html.contains("<script") && !html.contains("src="));
    assert!(html.contains("<section id=\"network\">"));
}

/// `query rollup --undated` and `--placement`, as the Python options are.
#[test]
fn a_rollup_says_where_undated_and_multi_year_gifts_go() {
    let env = Env::seeded();
    let rates = env.file("rates.csv", "currency,date,rate\nUSD,2000,0.8\n");
    let rates = rates.to_str().expect("utf-8 path");
    let converted = env.stdout(&[
        "query",
        "rollup",
        "--by",
        "donor",
        "--currency",
        "EUR",
        "--rates",
        rates,
        "--format",
        "csv",
    ]);
    // The undated USD gift stays unconverted in a row of its own.
    assert!(
        converted
            .lines()
            .any(|l| l.contains("AIG Disaster Relief Fund,USD,") && l.contains(",1000000")),
        "{converted}"
    );
    env.run()
        .args([
            "query",
            "rollup",
            "--by",
            "donor",
            "--currency",
            "EUR",
            "--rates",
            rates,
        ])
        .args(["--undated", "error"])
        .assert()
        .code(1)
        .stderr(contains("has no date, so no USD→EUR rate can be chosen"));
    let by_year = |placement: &str| {
        let out = env.stdout(&[
            "query",
            "rollup",
            "--by",
            "donor,year",
            "--placement",
            placement,
            "--format",
            "csv",
        ]);
        out.lines()
            .filter(|l| l.contains("Chevron Corporation,200") && !l.contains(",2008,"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let start = by_year("start");
    assert_eq!(start.len(), 1, "{start:?}");
    assert!(
        start[0].contains(",2004,USD,") && start[0].contains(",850000"),
        "{start:?}"
    );
    let spread = by_year("spread");
    assert_eq!(spread.len(), 2, "{spread:?}");
    assert!(
        spread[0].contains(",2004,USD,") && spread[0].contains(",425581.40"),
        "{spread:?}"
    );
    assert!(
        spread[1].contains(",2005,USD,") && spread[1].contains(",424418.60"),
        "{spread:?}"
    );
    env.run()
        .args(["query", "rollup", "--by", "year", "--placement", "evenly"])
        .assert()
        .code(2);
}
