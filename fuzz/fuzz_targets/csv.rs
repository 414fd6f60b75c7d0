//! The CSV readers: the first byte picks the kind, the rest is the file.
//! References resolve against the seed data set, so the deeper paths
//! (names, aliases, identifiers of stored records) run too.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use partnercrm::Dataset;
use partnercrm::io::csv::{self, CsvKind, CsvOptions};

fn known() -> &'static Dataset {
    static KNOWN: OnceLock<Dataset> = OnceLock::new();
    KNOWN.get_or_init(|| {
        let text = include_str!("../../examples/data/iom_partnerships.json");
        partnercrm::io::json::from_str(text).expect("the seed data set reads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let kind = CsvKind::ALL[usize::from(selector) % CsvKind::ALL.len()];
    let options = CsvOptions {
        file: "fuzz.csv".to_owned(),
        ..CsvOptions::default()
    };
    let _ = csv::header(text, &options);
    let _ = CsvKind::infer(text, &options);
    if let Ok(read) = csv::read(kind, text, &options, known()) {
        let _ = read.validate();
    }
});
