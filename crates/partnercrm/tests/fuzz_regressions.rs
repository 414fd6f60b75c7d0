//! Inputs that broke a reader, found by the fuzz targets in `fuzz/` (see
//! `scripts/fuzz.sh`) or while writing them, each inlined so that the bug
//! stays fixed.

use partnercrm::io::csv::{CsvOptions, read_contributions};

fn seed() -> partnercrm::Dataset {
    partnercrm::io::json::from_str(include_str!("../../../examples/data/iom_partnerships.json"))
        .expect("the seed data set reads")
}

/// A contributions file of 1 MiB or more is read in chunks on several
/// threads. The chunks were once split where the count of `"` was even,
/// but a `"` inside an unquoted cell is a literal character to the CSV
/// reader: the file below was split inside a quoted cell holding a line
/// break and refused with tens of thousands of malformed rows. Needs at
/// least two cores to split at all.
#[test]

fn a_large_contributions_file_with_a_literal_quote_reads_as_a_small_one() {
    let known = seed();
    let mut text = String::from("donor,recipient,kind,description\n");
    text.push_str("Chevron,IOM Angola,cash,a\"b\n");
    let small = text.clone() + "Chevron,IOM Angola,cash,\"x\ny\"\n";
    assert_eq!(
        read_contributions(&small, &CsvOptions::default(), &known, None)
            .map(|c| c.len())
            .ok(),
        Some(2),
        "the sequential reader takes it"
    );
    while text.len() < 2 << 20 {
        text.push_str("Chevron,IOM Angola,cash,\"x\ny\"\n");
    }
    let read = read_contributions(&text, &CsvOptions::default(), &known, None);
    let read = read.map_err(|e| e.to_string().chars().take(300).collect::<String>());
    let contributions = read.expect("the parallel reader takes it too");
    assert!(
        contributions[1..]
            .iter()
            .all(|c| c.description.as_deref() == Some("x\ny"))
    );
}
