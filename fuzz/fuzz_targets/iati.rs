//! The IATI reader on any text; what it accepts is exported and read again.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use partnercrm::Dataset;
use partnercrm::io::iati;

fn known() -> &'static Dataset {
    static KNOWN: OnceLock<Dataset> = OnceLock::new();
    KNOWN.get_or_init(|| {
        let text = include_str!("../../examples/data/iom_partnerships.json");
        partnercrm::io::json::from_str(text).expect("the seed data set reads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(import) = iati::read_str(text, known()) else {
        return;
    };
    // The export may refuse (e.g. nothing to write); it must not panic, and
    // what it writes must read again without panicking.
    let generated = "2025-01-01T00:00:00Z".parse().expect("a fixed time");
    if let Ok(written) = iati::write_at(&import.data, None, generated) {
        let _ = iati::read_str(&written, &import.data);
    }
});
