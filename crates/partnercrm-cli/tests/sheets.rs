//! Spreadsheets through the command line as a colleague's arrive: the
//! German contributions file as CSV and as a workbook, the measured cases
//! of issue 14, and every kind's export back into the same and a fresh
//! store, as CSV, Excel-style CSV and `.xlsx`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;
use tempfile::TempDir;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

const KINDS: [&str; 9] = [
    "organisations",
    "people",
    "projects",
    "agreements",
    "contributions",
    "indicators",
    "groups",
    "memberships",
    "notes",
];

struct Env {
    dir: TempDir,
}

impl Env {
    fn seeded() -> Self {
        let env = Self {
            dir: TempDir::new().expect("dir"),
        };
        env.run("store.db")
            .arg("import")
            .arg(SEED)
            .assert()
            .success();
        env
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("writes");
        path
    }

    fn run(&self, db: &str) -> Command {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("partnercrm");
        cmd.current_dir(self.dir.path())
            .env_remove("PARTNERCRM_DB")
            .env_remove("PARTNERCRM_ACTOR")
            .arg("--db")
            .arg(self.path(db));
        cmd
    }

    fn stdout(&self, db: &str, args: &[&str]) -> String {
        let out = self.run(db).args(args).output().expect("runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }
}

const GERMAN: &str = "\u{feff}Geber;Empfänger;Art;Betrag;Währung;Datum\r\n\
                      Chevron;IOM Angola;Spende;1.234,56;EUR;15.03.2024\r\n\
                      UBS;IOM Indonesia;Sachspende;12.500;CHF;01.02.2024\r\n";

const GERMAN_ARGS: [&str; 16] = [
    "--map",
    "Geber=donor",
    "--map",
    "Empfänger=recipient",
    "--map",
    "Art=kind",
    "--map",
    "Betrag=amount",
    "--map",
    "Währung=currency",
    "--map",
    "Datum=received_on",
    "--value",
    "kind:Spende=cash",
    "--value",
    "kind:Sachspende=in_kind",
];

#[test]
fn the_german_file_imports_with_its_locale_and_mapping() {
    let env = Env::seeded();
    let file = env.file("spenden.csv", GERMAN);
    // Without the locale: 12.500 has two readings, on the line Excel shows.
    let out = env
        .run("store.db")
        .arg("import")
        .arg(&file)
        .args(GERMAN_ARGS)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("spenden.csv:3:4: csv.ambiguous_value: \"12.500\" has two readings: 12500"),
        "{stderr}"
    );
    assert!(stderr.contains("or 12.5"), "{stderr}");
    assert!(
        stderr.contains("spenden.csv:2:6: csv.invalid_value:"),
        "{stderr}"
    );
    // With it, both gifts are in, at their amounts and dates.
    env.run("store.db")
        .arg("import")
        .arg(&file)
        .args(GERMAN_ARGS)
        .args(["--locale", "de"])
        .assert()
        .success()
        .stdout(contains("2 new"));
    let table = env.stdout("store.db", &["export", "--kind", "contributions"]);
    assert!(
        table.contains(",cash,1234.56,EUR,actual,2024-03-15,"),
        "{table}"
    );
    assert!(
        table.contains(",in_kind,12500.00,CHF,actual,2024-02-01,"),
        "{table}"
    );
    // The separate options read it as the locale does.
    env.run("store.db")
        .arg("import")
        .arg(&file)
        .args(GERMAN_ARGS)
        .args([
            "--decimal",
            ",",
            "--thousands",
            ".",
            "--date-format",
            "%d.%m.%Y",
        ])
        .args(["--delimiter", ";"])
        .assert()
        .success()
        .stdout(contains("0 new, 0 changed, 2 unchanged"));
}

#[test]
fn the_german_workbook_imports_with_every_problem_at_its_cell() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let env = Env::seeded();
    let path = env.path("spenden.xlsx");
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("Spenden").expect("name");
    let date = Format::new().set_num_format("dd.mm.yyyy");
    for (c, h) in ["Geber", "Empfänger", "Art", "Betrag", "Währung", "Datum"]
        .into_iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, h).expect("header");
    }
    let rows = [
        ("Chevron", "IOM Angola", "Spende", 1234.56, "EUR"),
        ("UBS", "IOM Indonesia", "Sachspende", 12500.0, "CHF"),
        ("Nobody", "IOM Indonesia", "Spende", 5.0, "CHF"),
    ];
    for (r, (donor, recipient, kind, amount, currency)) in rows.into_iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, donor).expect("cell");
        ws.write_string(r, 1, recipient).expect("cell");
        ws.write_string(r, 2, kind).expect("cell");
        ws.write_number(r, 3, amount).expect("cell");
        ws.write_string(r, 4, currency).expect("cell");
        let day = ExcelDateTime::from_ymd(2024, 3, 15).expect("day");
        ws.write_datetime_with_format(r, 5, &day, &date)
            .expect("cell");
    }
    book.save(&path).expect("saves");
    env.run("store.db")
        .arg("import")
        .arg(&path)
        .args(GERMAN_ARGS)
        .assert()
        .code(1)
        .stderr(contains(
            "spenden.xlsx: spenden.xlsx!Spenden!A4: csv.unknown_reference: no organisation is called \"Nobody\"",
        ));
    // The sheet's numbers are typed: no locale is needed for them.
    let fixed = env.path("fixed.xlsx");
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["Geber", "Empfänger", "Art", "Betrag", "Währung"]
        .into_iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, h).expect("header");
    }
    ws.write_string(1, 0, "UBS").expect("cell");
    ws.write_string(1, 1, "IOM Angola").expect("cell");
    ws.write_string(1, 2, "Spende").expect("cell");
    ws.write_number(1, 3, 250000.0).expect("cell");
    ws.write_string(1, 4, "CHF").expect("cell");
    book.save(&fixed).expect("saves");
    env.run("store.db")
        .arg("import")
        .arg(&fixed)
        .args(&GERMAN_ARGS[..10])
        .args(&GERMAN_ARGS[12..])
        .assert()
        .success()
        .stdout(contains("1 new"));
    let table = env.stdout("store.db", &["export", "--kind", "contributions"]);
    assert!(table.contains(",cash,250000,CHF,"), "{table}");
}

#[test]
fn headers_are_checked_and_the_kind_is_told_only_when_one_fits() {
    let env = Env::seeded();
    let people = env.file(
        "people.csv",
        "name,organisation,title,email,phone\nAna Silva,IOM Angola,Officer,ana@example.org,+244 1\n",
    );
    env.run("store.db")
        .arg("import")
        .arg(&people)
        .assert()
        .success();
    let table = env.stdout("store.db", &["export", "--table", "people"]);
    assert!(
        table.contains("Ana Silva,ana@example.org,'+244 1"),
        "{table}"
    );
    let typo = env.file(
        "typo.csv",
        "donor,recipient,kind,ammount,currency\nChevron,IOM Angola,cash,1,USD\n",
    );
    env.run("store.db")
        .args(["import", "--kind", "contributions"])
        .arg(&typo)
        .assert()
        .code(1)
        .stderr(contains("typo.csv:1:4: csv.unknown_column:"))
        .stderr(contains("did you mean `amount`?"));
    env.run("store.db")
        .args(["import", "--kind", "contributions", "--ignore", "ammount"])
        .arg(&typo)
        .assert()
        .success()
        .stdout(contains("1 new"));
    let twice = env.file(
        "twice.csv",
        "donor,Donor,recipient,kind\nUBS,UBS,IOM Angola,cash\n",
    );
    env.run("store.db")
        .arg("import")
        .arg(&twice)
        .assert()
        .code(1)
        .stderr(contains(
            "twice.csv:1: csv.duplicate_column: column 2 (\"Donor\") and column 1 (\"donor\")",
        ));
    let orgs = env.file("orgs.csv", "name,kind\nNew Foundation,foundation\n");
    env.run("store.db")
        .arg("import")
        .arg(&orgs)
        .assert()
        .code(1)
        .stderr(contains(
            "csv.unknown_kind: the header (name, kind) fits organisations and groups",
        ))
        .stderr(contains("--kind"));
    env.run("store.db")
        .args(["import", "--kind", "organisations"])
        .arg(&orgs)
        .assert()
        .success()
        .stdout(contains("1 new"));
    // A constant gives the column a file lacks.
    let gifts = env.file(
        "gifts.csv",
        "donor,recipient,amount,currency\nUBS,IOM Angola,10,CHF\n",
    );
    env.run("store.db")
        .args(["import", "--set", "kind=pledge"])
        .arg(&gifts)
        .assert()
        .success()
        .stdout(contains("1 new"));
}

/// Every kind exported, in `how` (csv, excel-csv or xlsx), as files.
fn export_every_kind(env: &Env, db: &str, how: &str) -> Vec<PathBuf> {
    KINDS
        .iter()
        .map(|kind| {
            let extension = if how == "xlsx" { "xlsx" } else { "csv" };
            let file = env.path(&format!("{db}-{how}-{kind}.{extension}"));
            let mut cmd = env.run(db);
            cmd.args(["export", "--kind", kind, "-o"]).arg(&file);
            if how == "excel-csv" {
                cmd.args(["--excel", "--locale", "de"]);
            }
            cmd.assert().success();
            file
        })
        .collect()
}

fn import_args(how: &str) -> Vec<&'static str> {
    if how == "excel-csv" {
        vec!["--locale", "de"]
    } else {
        Vec::new()
    }
}

#[test]
fn every_kind_comes_back_into_the_same_and_a_fresh_store() {
    let env = Env::seeded();
    let before = env.stdout("store.db", &["export"]);
    for how in ["csv", "excel-csv", "xlsx"] {
        let files = export_every_kind(&env, "store.db", how);
        let out = env.stdout(
            "store.db",
            &[&["import"], import_args(how).as_slice()]
                .concat()
                .iter()
                .copied()
                .chain(files.iter().map(|f| f.to_str().expect("path")))
                .collect::<Vec<_>>(),
        );
        assert!(out.contains(" 0 new, 0 changed,"), "{how}: {out}");
        assert_eq!(env.stdout("store.db", &["export"]), before, "{how}");
        // A fresh store, kind by kind.
        let fresh = format!("fresh-{how}.db");
        for file in &files {
            env.run(&fresh)
                .arg("import")
                .args(import_args(how))
                .arg(file)
                .assert()
                .success();
        }
        for kind in KINDS {
            assert_eq!(
                env.stdout(&fresh, &["export", "--kind", kind]),
                env.stdout("store.db", &["export", "--kind", kind]),
                "{how}: {kind} in a fresh store"
            );
        }
    }
}

/// The German file as Excel 97 and LibreOffice save it
/// (`scripts/sheet_fixtures.py`): imported by extension, a named sheet's
/// problems at their cells, and nothing changed when it comes in again.
#[test]
fn xls_and_ods_workbooks_import_by_extension() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../partnercrm/tests/fixtures");
    for name in ["spenden.xls", "spenden.ods"] {
        let env = Env::seeded();
        let path = env.path(name);
        std::fs::copy(fixtures.join(name), &path).expect("copies");
        env.run("store.db")
            .arg("import")
            .arg(&path)
            .args(GERMAN_ARGS)
            .args(["--sheet", "Fehler"])
            .assert()
            .code(1)
            .stderr(contains(format!(
                "{name}!Fehler!A3: csv.unknown_reference: no organisation is called \"Unbekannt GmbH\""
            )))
            .stderr(contains(format!("{name}!Fehler!F3: csv.invalid_value")));
        // A figure pasted as text has two readings until the locale is given.
        env.run("store.db")
            .arg("import")
            .arg(&path)
            .args(GERMAN_ARGS)
            .assert()
            .code(1)
            .stderr(contains(format!(
                "{name}!Spenden!D4: csv.ambiguous_value: \"12.500\" has two readings"
            )));
        env.run("store.db")
            .arg("import")
            .arg(&path)
            .args(GERMAN_ARGS)
            .args(["--locale", "de"])
            .assert()
            .success()
            .stdout(contains("3 new"));
        env.run("store.db")
            .arg("import")
            .arg(&path)
            .args(GERMAN_ARGS)
            .args(["--locale", "de"])
            .assert()
            .success()
            .stdout(contains("0 new, 0 changed, 3 unchanged"));
        let table = env.stdout("store.db", &["export", "--kind", "contributions"]);
        assert!(
            table
                .lines()
                .any(|l| l.contains(",in_kind,12500.") && l.contains(",CHF,actual,2024-02-01,")),
            "{name}: {table}"
        );
    }
}
