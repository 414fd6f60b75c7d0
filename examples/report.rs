//! The main job: keep the IOM partnership data set in the embedded store and
//! print the partnership report from it.
//!
//! ```sh
//! cargo run --example report                 # store: ./partnercrm.db (or $PARTNERCRM_DB)
//! cargo run --example report -- other.json   # import another partnercrm/1 document first
//! ```
//!
//! The seed document is imported into the store on every run; importing the
//! same data again changes nothing, so the store keeps one copy and records
//! a revision only when something changed.

use std::process::ExitCode;

use partnercrm::io::json;
use partnercrm::query::report::PartnershipReport;
use partnercrm::store::Store;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let document = std::env::args().nth(1).unwrap_or_else(|| SEED.to_owned());
    let data = json::read(&document).map_err(|e| format!("{document}: {e}"))?;
    let mut store = Store::open_default().map_err(|e| e.to_string())?;
    let applied = store
        .import(data, "report example")
        .map_err(|e| format!("{document}: {e}"))?;

    let stored = store.dataset().map_err(|e| e.to_string())?;
    print!(
        "{}",
        PartnershipReport::build(&stored).map_err(|e| e.to_string())?
    );
    let warnings = stored.validate().warnings().count();
    println!(
        "\nStore {}: {} records ({} new, {} changed, {} unchanged by this import); revisions recorded: {}.",
        store.location(),
        stored.len(),
        applied.inserted,
        applied.updated,
        applied.unchanged,
        store.revisions().map_err(|e| e.to_string())?.len(),
    );
    println!(
        "Checked: no errors, {warnings} warnings (gaps in the source, such as unknown amounts)."
    );
    Ok(())
}
