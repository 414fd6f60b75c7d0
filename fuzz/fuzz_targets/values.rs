//! The small value parsers cells and attributes go through.
#![no_main]

use libfuzzer_sys::fuzz_target;
use partnercrm::model::{CountryCode, Currency, PartialDate, SectorCode};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(date) = text.parse::<PartialDate>() {
        let again: PartialDate = date.to_string().parse().expect("a date reads back");
        assert_eq!(again, date);
    }
    if let Ok(currency) = text.parse::<Currency>() {
        let _ = currency.to_string().parse::<Currency>();
    }
    let _ = text.parse::<CountryCode>();
    let _ = text.parse::<SectorCode>();
});
