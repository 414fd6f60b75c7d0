//! The command line on a PostgreSQL store: `--db URL` and `PARTNERCRM_DB`,
//! `init` and `init --force`, offices made and granted by the administrator,
//! each office's users seeing their own, and a refusal as one line.

#[path = "../../partnercrm/tests/support/postgres.rs"]
mod pg;

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

fn partnercrm(url: &str) -> Command {
    let mut cmd = Command::cargo_bin("partnercrm").expect("the binary");
    cmd.env("PARTNERCRM_DB", url)
        .env_remove("PARTNERCRM_OFFICE");
    cmd
}

#[test]
fn a_team_store_by_url_with_offices() {
    let Some(db) = pg::Scratch::new() else { return };
    let admin = || partnercrm(&db.url);
    admin()
        .arg("init")
        .assert()
        .success()
        .stdout(contains("Created an empty store at postgresql://").and(contains(&db.name)))
        .stdout(contains(format!(":{}@", db.name)).not());
    admin()
        .arg("init")
        .assert()
        .failure()
        .stderr(contains("already exists"));
    admin()
        .args(["import", SEED])
        .assert()
        .success()
        .stdout(contains("202 new"));
    admin()
        .args(["office", "create", "colombia"])
        .assert()
        .success();
    let ana = db.user("ana");
    let cleo = db.user("cleo");
    admin()
        .args(["office", "grant", "colombia", &ana, "--editor"])
        .assert()
        .success()
        .stdout(contains("editor of office colombia"));
    admin()
        .args(["office", "grant", "colombia", &cleo, "--reader"])
        .assert()
        .success();
    admin()
        .args(["office", "list", "--format", "csv"])
        .assert()
        .success()
        .stdout(contains(format!(
            "colombia,{0}:colombia:reader,{0}:colombia:editor,{cleo},{ana}",
            db.name
        )));
    // The seed is headquarters': Colombia sees the shared organisations only.
    let as_ana = || {
        let mut cmd = Command::cargo_bin("partnercrm").expect("the binary");
        cmd.arg("--db")
            .arg(db.login(&ana))
            .env_remove("PARTNERCRM_DB");
        cmd
    };
    as_ana()
        .args(["export", "--table", "contributions"])
        .assert()
        .success()
        .stdout(predicate::function(|out: &str| out.lines().count() == 1));
    as_ana()
        .args(["export", "--table", "organisations"])
        .assert()
        .success()
        .stdout(contains("Chevron Corporation"));
    // Colombia moves a shared organisation into its office.
    as_ana()
        .args(["office", "move", "UBS", "--to", "colombia"])
        .assert()
        .success()
        .stdout(contains("is in office colombia now (revision"));
    // A reader's write is refused in one line, with nothing written.
    let csv = "name,kind\nNew partner,ngo_cso\n";
    let dir = tempfile::TempDir::new().expect("dir");
    let file = dir.path().join("organisations.csv");
    std::fs::write(&file, csv).expect("writes");
    let mut cmd = Command::cargo_bin("partnercrm").expect("the binary");
    cmd.arg("--db")
        .arg(db.login(&cleo))
        .args(["import", "--kind", "organisations"])
        .arg(&file)
        .assert()
        .failure()
        .stderr(predicate::function(|err: &str| {
            let errors: Vec<&str> = err
                .lines()
                .filter(|l| l.starts_with("partnercrm: error:"))
                .collect();
            errors.len() == 1 && errors[0].contains("permission denied on postgresql://")
        }));
    // The administrator's --force starts again.
    admin().args(["init", "--force"]).assert().success();
    admin()
        .args(["export", "--table", "organisations"])
        .assert()
        .success()
        .stdout(predicate::function(|out: &str| out.lines().count() == 1));
}

#[test]
fn offices_on_an_sqlite_store_are_refused_plainly() {
    let dir = tempfile::TempDir::new().expect("dir");
    let db = dir.path().join("store.db");
    let mut cmd = Command::cargo_bin("partnercrm").expect("the binary");
    cmd.arg("--db").arg(&db).arg("init").assert().success();
    let mut cmd = Command::cargo_bin("partnercrm").expect("the binary");
    cmd.arg("--db")
        .arg(&db)
        .args(["office", "create", "colombia"])
        .assert()
        .failure()
        .stderr(contains("offices are for stores shared by a team"));
}
