//! The JSON document reader on any text; what it accepts is then validated,
//! every problem located in the text, and written back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use partnercrm::io::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(dataset) = json::from_str(text) else {
        return;
    };
    let report = dataset.validate();
    for problem in report.problems() {
        let _ = json::locate(text, &problem.path);
    }
    if let Ok(written) = json::to_string(&dataset) {
        json::from_str(&written).expect("a written document reads back");
    }
});
