//! Saving a document: nothing invalid is written, and nothing is half-written.

use std::fs;

use partnercrm::Error;
use partnercrm::io::json;
use partnercrm::model::*;

fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("partnercrm-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn valid() -> Dataset {
    let mut data = Dataset::new();
    data.organisations.push(Organisation::new(
        "International Organization for Migration",
        OrganisationKind::UnAgency,
    ));
    data
}

#[test]
fn an_invalid_data_set_is_never_written() {
    let dir = scratch_dir("invalid");
    let path = dir.join("data.json");
    json::write(&valid(), &path).expect("a valid data set saves");
    let before = fs::read(&path).expect("saved");

    let mut bad = valid();
    bad.organisations[0].name.clear();
    bad.organisations[0].parent = Some(OrganisationId::new());
    match json::write(&bad, &path) {
        Err(Error::Invalid(report)) => assert_eq!(report.errors().count(), 2, "{report}"),
        other => panic!("expected the save to be refused, got {other:?}"),
    }
    assert_eq!(
        fs::read(&path).expect("still there"),
        before,
        "the old document is untouched"
    );
    let leftovers: Vec<_> = fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        leftovers,
        vec![std::ffi::OsString::from("data.json")],
        "no temporary file is left behind"
    );
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_saved_document_reads_back_equal() {
    let dir = scratch_dir("roundtrip");
    let path = dir.join("data.json");
    let data = valid();
    json::write(&data, &path).expect("saves");
    assert_eq!(json::read(&path).expect("reads"), data);
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_missing_file_names_its_path() {
    let err = json::read("/nonexistent/partnercrm.json").expect_err("missing");
    assert!(
        err.to_string()
            .starts_with("cannot access /nonexistent/partnercrm.json:"),
        "{err}"
    );
}

#[test]
fn deeply_nested_input_is_an_error_not_a_stack_overflow() {
    // Where a record is expected, and where the reader skips a value unseen.
    for place in ["organisations", "skipped"] {
        let open = "[".repeat(100_000);
        let close = "]".repeat(100_000);
        let deep = format!("{{\"format\": \"partnercrm/1\", \"{place}\": {open}{close}}}");
        let err = json::from_str(&deep).expect_err("too deep");
        assert!(matches!(err, Error::Json { .. }), "{err}");
    }
}

#[test]
fn a_document_over_the_size_limit_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("huge.json");
    // Sparse: the length is claimed, no disk or memory is used.
    let file = fs::File::create(&path).expect("create");
    file.set_len(json::MAX_DOCUMENT_BYTES + 1).expect("sparse");
    let err = json::read(&path).expect_err("too large");
    assert!(matches!(err, Error::Limit { .. }), "{err}");
}
