//! `query rollup --currency --rates` with the IMF's file as published: totals
//! through the dollar, the rates each row used, and missing years.

use assert_cmd::Command;
use predicates::str::contains;
use tempfile::TempDir;

const IMF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/rates/imf_exchangerates_A_ENDA_USD.csv"
);

/// Two gifts, in euros and yen, of 2020 or of `year`.
fn document(year: &str) -> String {
    let gift = |id: &str, amount: &str, currency: &str, date: &str| {
        format!(
            r#"{{"id": "{id}", "kind": "cash", "donor": "019b76da-a827-7dcd-8fd6-070f285cd79f",
                "recipient": "019b76da-a800-74ff-87e1-78f2e0f952e2",
                "value": {{"basis": "actual", "amount": "{amount}", "currency": "{currency}"}},
                "date": "{date}"}}"#
        )
    };
    format!(
        r#"{{"format": "partnercrm/1",
            "organisations": [
              {{"id": "019b76da-a800-74ff-87e1-78f2e0f952e2", "name": "IOM", "kind": "igo"}},
              {{"id": "019b76da-a827-7dcd-8fd6-070f285cd79f", "name": "Donor", "kind": "government"}}],
            "contributions": [{}, {}]}}"#,
        gift(
            "019b76da-a874-7911-9d18-4b7251eca249",
            "1000",
            "EUR",
            "2020-05"
        ),
        gift(
            "019b76da-a874-7911-9d18-4b7251eca250",
            "1000000",
            "JPY",
            &format!("{year}-11-03")
        ),
    )
}

struct Env {
    dir: TempDir,
}

impl Env {
    fn with(year: &str) -> Self {
        let env = Self {
            dir: TempDir::new().expect("temp dir"),
        };
        let path = env.dir.path().join("gifts.json");
        std::fs::write(&path, document(year)).expect("writes");
        env.run().arg("import").arg(&path).assert().success();
        env
    }

    fn run(&self) -> Command {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("partnercrm");
        cmd.current_dir(self.dir.path())
            .env_remove("PARTNERCRM_DB")
            .arg("--db")
            .arg(self.dir.path().join("store.db"));
        cmd
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

const ROLLUP: [&str; 10] = [
    "query",
    "rollup",
    "--by",
    "donor",
    "--currency",
    "USD",
    "--rates",
    IMF,
    "--format",
    "csv",
];

#[test]
fn a_rollup_in_usd_at_imf_rates_says_which_rates_it_used() {
    let env = Env::with("2020");
    let totals = env.stdout(&ROLLUP);
    // Line 4201: EUR 2020 0.875506396987998; line 6660: JPY 2020
    // 106.7745822624372. 1000 EUR = 1142.20, 1,000,000 JPY = 9365.52.
    assert!(
        totals.contains(
            ",Donor,USD,0.0000,10507.7200,0.0000,10507.7200,2,0,true,\
             imf_exchangerates_A_ENDA_USD.csv,,EUR 2020; JPY 2020"
        ),
        "{totals}"
    );
    let used = env.stdout(&[&ROLLUP[..], &["--rates-used"]].concat());
    let mut lines = used.lines();
    assert_eq!(
        lines.next(),
        Some(
            "donor,donor_name,rate_table,part,currency,target,amounts,original,converted,rate,\
             in_force_from,amount_year,rate_year,fell_back,currency_per_usd,currency_rate_source,\
             target_per_usd,target_rate_source"
        )
    );
    let eur = lines.next().expect("the euro's row");
    assert!(
        eur.contains(
            ",value,EUR,USD,1,1000.0000,1142.2000,1.1421961089493999867366025638,,2020,2020,false,\
             0.875506396987998,\"IMF, Euro Area (EA) (U2), 2020-12-31, line 4201\",,"
        ),
        "{eur}"
    );
    let jpy = lines.next().expect("the yen's row");
    assert!(jpy.contains(",JPY,USD,1,1000000.0000,9365.5200,"), "{jpy}");
    assert!(jpy.contains("Japan (JP), 2020-12-31, line 6660"), "{jpy}");
}

#[test]
fn a_missing_year_fails_naming_it_or_falls_back_when_asked() {
    let env = Env::with("2025");
    env.run()
        .args(ROLLUP)
        .assert()
        .code(1)
        .stderr(contains(
            "has no JPY→USD rate for 2025: it has no JPY rate per US dollar for 2025 \
             (its JPY rates run 1950 to 2024) (for contribution 019b76da-a874-7911-9d18-4b7251eca250)",
        ));
    let totals = env.stdout(&[&ROLLUP[..], &["--missing-year", "latest-earlier"]].concat());
    assert!(totals.contains("EUR 2020; JPY 2024 for 2025"), "{totals}");
    let used = env.stdout(
        &[
            &ROLLUP[..],
            &["--missing-year", "latest-earlier", "--rates-used"],
        ]
        .concat(),
    );
    assert!(used.contains(",2025,2024,true,"), "{used}");
}
