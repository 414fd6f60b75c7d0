//! The JSON document: a whole data set, versioned by its `"format"` field.
//!
//! ```json
//! { "format": "partnercrm/1", "organisations": [ ... ], "agreements": [ ... ] }
//! ```
//!
//! Reading checks the version before anything else, and reports malformed
//! input with its line and column. Writing validates first, and writes to a
//! temporary file that replaces the target only when complete, so an invalid
//! or interrupted save never leaves a half-written document.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::Deserialize;

use crate::model::{Dataset, Format};
use crate::{Error, Result};

/// Reads a data set from a JSON document. Does not validate it: call
/// [`Dataset::validate`] to see every problem at once.
pub fn from_str(text: &str) -> Result<Dataset> {
    // Check the version on its own first, so a document from a newer
    // version is refused for what it is, not for its first unknown field.
    #[derive(Deserialize)]
    struct Probe {
        format: Option<serde_json::Value>,
    }
    let probe: Probe = serde_json::from_str(text).map_err(json_error)?;
    match probe.format {
        Some(serde_json::Value::String(found)) if found == Format::V1.as_str() => {}
        found => {
            return Err(Error::UnsupportedFormat {
                found: found.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
                expected: Format::V1.as_str(),
            });
        }
    }
    serde_json::from_str(text).map_err(json_error)
}

/// Reads a data set from a JSON file.
pub fn read(path: impl AsRef<Path>) -> Result<Dataset> {
    let path = path.as_ref();
    let text = fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    from_str(&text)
}

/// Writes a data set as a pretty-printed JSON document. Refuses, with every
/// problem, a data set that has validation errors.
pub fn to_string(data: &Dataset) -> Result<String> {
    data.validate().into_result()?;
    let mut text = serde_json::to_string_pretty(data).map_err(json_error)?;
    text.push('\n');
    Ok(text)
}

/// Writes a data set to a JSON file, atomically: the file is either the old
/// document or the whole new one, never a part.
pub fn write(data: &Dataset, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let text = to_string(data)?;
    let io_error = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(io_error)
}

fn json_error(error: serde_json::Error) -> Error {
    Error::Json {
        line: error.line(),
        column: error.column(),
        message: strip_position(&error.to_string()),
    }
}

/// serde_json appends " at line L column C"; the error carries those as fields.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_document_round_trips() {
        let data = Dataset::new();
        let text = to_string(&data).expect("writes");
        assert_eq!(
            text,
            "{\n  \"format\": \"partnercrm/1\",\n  \"organisations\": [],\n  \"people\": [],\n  \"agreements\": [],\n  \"contributions\": [],\n  \"projects\": [],\n  \"indicators\": [],\n  \"groups\": [],\n  \"notes\": []\n}\n"
        );
        assert_eq!(from_str(&text).expect("reads"), data);
        assert_eq!(
            from_str(r#"{"format":"partnercrm/1"}"#).expect("reads"),
            data
        );
    }

    #[test]
    fn refuses_other_versions_and_missing_format() {
        let err = from_str(r#"{"organisations": [], "format": "partnercrm/2"}"#).expect_err("v2");
        assert!(
            matches!(&err, Error::UnsupportedFormat { found: Some(f), .. } if f == "partnercrm/2")
        );
        assert!(err.to_string().contains("reads \"partnercrm/1\""));
        let err = from_str(r#"{"organisations": []}"#).expect_err("no format");
        assert!(matches!(err, Error::UnsupportedFormat { found: None, .. }));
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let err = from_str(
            "{\n  \"format\": \"partnercrm/1\",\n  \"organisations\": [\n    {\"id\": 12}\n  ]\n}",
        )
        .expect_err("bad id");
        match err {
            Error::Json {
                line,
                column,
                message,
            } => {
                assert_eq!(line, 4);
                assert!(column > 5, "column {column}");
                assert!(message.contains("invalid type"), "{message}");
            }
            other => panic!("expected a JSON error, got {other:?}"),
        }
        assert!(matches!(
            from_str("{\"format\": \"partnercrm/1\",,}"),
            Err(Error::Json { line: 1, .. })
        ));
        assert!(matches!(from_str(""), Err(Error::Json { .. })));
    }

    #[test]
    fn unknown_fields_are_refused_not_dropped() {
        let err = from_str(r#"{"format": "partnercrm/1", "organisatons": []}"#).expect_err("typo");
        assert!(
            err.to_string().contains("unknown field `organisatons`"),
            "{err}"
        );
    }
}
