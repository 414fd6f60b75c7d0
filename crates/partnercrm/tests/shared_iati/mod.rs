//! The shared IATI activity files, for the tests that walk every one.

/// Where `../shared/iati/` is, from this crate.
pub const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/iati/");

/// Every activities file shared: the corpus and the samples (the sample
/// organisation file holds no activity).
pub const FILES: [&str; 18] = [
    "corpus/dportal_10.xml",
    "corpus/dportal_111.xml",
    "corpus/dportal_118.xml",
    "corpus/dportal_134.xml",
    "corpus/dportal_19.xml",
    "corpus/dportal_21.xml",
    "corpus/dportal_26.xml",
    "corpus/dportal_45.xml",
    "corpus/dportal_58.xml",
    "corpus/dportal_68.xml",
    "corpus/dportal_74.xml",
    "corpus/dportal_8.xml",
    "corpus/dportal_88.xml",
    "samples/activity-01.xml",
    "samples/activity-standard-example-annotated.xml",
    "samples/MAEC_IATI_INDONESIA.xml",
    "samples/dportal_115.xml",
    "samples/dportal_119.xml",
];

/// The text of `file` (a path under [`SHARED`]), read as the IATI reader
/// reads files.
pub fn text(file: &str) -> String {
    partnercrm::io::iati::read_text(std::path::Path::new(&format!("{SHARED}{file}"))).expect(file)
}
