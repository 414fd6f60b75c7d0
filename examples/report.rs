//! The main job: load the IOM partnership data set, check it, and print the
//! partnership report.
//!
//! ```sh
//! cargo run --example report                 # the seed data set
//! cargo run --example report -- other.json   # any partnercrm/1 document
//! ```

use std::process::ExitCode;

use partnercrm::io::json;
use partnercrm::query::report::PartnershipReport;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

fn main() -> ExitCode {
    let path = std::env::args().nth(1).unwrap_or_else(|| SEED.to_owned());
    let data = match json::read(&path) {
        Ok(data) => data,
        Err(error) => {
            eprintln!("error: {path}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let report = data.validate();
    if !report.is_clean() {
        eprintln!("error: {path}: {report}");
        return ExitCode::FAILURE;
    }
    print!("{}", PartnershipReport::build(&data));
    let warnings = report.warnings().count();
    println!(
        "\n{} records checked: no errors, {warnings} warnings (gaps in the source, such as unknown amounts).",
        data.len()
    );
    ExitCode::SUCCESS
}
