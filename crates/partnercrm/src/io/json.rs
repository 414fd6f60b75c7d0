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
//!
//! Hostile input is bounded: a document over [`MAX_DOCUMENT_BYTES`] is
//! refused before it is read, and nesting [`MAX_DEPTH`] levels deep (serde_json's
//! limit of 128) is an error, not a stack overflow.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::Deserialize;

use crate::model::{Dataset, Format};
use crate::{Error, Result};

/// The largest document read: 4 GiB.
pub const MAX_DOCUMENT_BYTES: u64 = 4 << 30;

/// The nesting limit: arrays and objects nested this many levels deep are
/// an error, never a stack overflow. It is serde_json's recursion limit for
/// a document's text (counting the document's own object), and the Python
/// binding holds the values it converts to records to the same limit.
pub const MAX_DEPTH: usize = 128;

fn too_large() -> Error {
    Error::Limit {
        what: "JSON document",
        limit: format!("{MAX_DOCUMENT_BYTES} bytes"),
    }
}

/// Reads a data set from a JSON document. Does not validate it: call
/// [`Dataset::validate`] to see every problem at once.
pub fn from_str(text: &str) -> Result<Dataset> {
    let text = super::text::without_bom(text);
    if text.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(too_large());
    }
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

/// Reads a data set from a JSON file, in UTF-8 or UTF-16
/// ([`text`](super::text)).
pub fn read(path: impl AsRef<Path>) -> Result<Dataset> {
    from_str(&read_text(path.as_ref())?)
}

/// A JSON file's text, as [`read`] reads it: refused before reading when
/// over [`MAX_DOCUMENT_BYTES`], then decoded by [`text::decode`](super::text::decode).
pub fn read_text(path: &Path) -> Result<String> {
    // Refused before reading: a sparse 100 GB file must not fill memory.
    super::text::read_file(path, MAX_DOCUMENT_BYTES, |_| too_large())
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

/// Where the value at `path` (e.g. `agreements[3].parties`) starts in a
/// document's text, as a 1-based line and column, so that a problem found
/// by validation can be shown in the file. When the text does not hold the
/// whole path, the start of the deepest part it holds; `None` when not even
/// the first step is there.
pub fn locate(text: &str, path: &crate::validate::Path) -> Option<(usize, usize)> {
    use crate::validate::Segment;
    let mut scan = Scanner {
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut found = None;
    for segment in path.segments() {
        scan.space();
        let step = match segment {
            Segment::Field(name) => scan.field(name),
            Segment::Index(index) => scan.element(*index),
        };
        if step.is_none() {
            break;
        }
        scan.space();
        found = Some(scan.at);
    }
    found.map(|at| line_and_column(text, at))
}

fn line_and_column(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let column = before.get(line_start..).map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Walks JSON text without building values, to find where things are.
struct Scanner<'t> {
    bytes: &'t [u8],
    at: usize,
}

impl<'t> Scanner<'t> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.space();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// A string's raw text, escapes left as written; the cursor must be on its quote.
    fn string(&mut self) -> Option<&'t [u8]> {
        self.expect(b'"')?;
        let start = self.at;
        loop {
            match self.peek()? {
                b'\\' => self.at += 2,
                b'"' => {
                    let raw = self.bytes.get(start..self.at)?;
                    self.at += 1;
                    return Some(raw);
                }
                _ => self.at += 1,
            }
        }
    }

    /// Steps over one value, however deeply nested, without recursion.
    fn skip_value(&mut self) -> Option<()> {
        self.space();
        let mut depth = 0usize;
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.string()?;
                    if depth == 0 {
                        return Some(());
                    }
                }
                Some(b'{' | b'[') => {
                    depth += 1;
                    self.at += 1;
                }
                Some(b'}' | b']') if depth > 0 => {
                    depth -= 1;
                    self.at += 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
                // At the top level, a delimiter or a space ends a number or literal.
                None | Some(b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') if depth == 0 => {
                    return Some(());
                }
                None => return None,
                Some(_) => self.at += 1,
            }
        }
    }

    /// Moves to the value of the object's field `name`.
    fn field(&mut self, name: &str) -> Option<()> {
        self.expect(b'{')?;
        loop {
            self.space();
            if self.peek()? == b'}' {
                return None;
            }
            let key = self.string()?;
            self.expect(b':')?;
            self.space();
            if key == name.as_bytes() {
                return Some(());
            }
            self.skip_value()?;
            self.space();
            if self.peek()? == b',' {
                self.at += 1;
            }
        }
    }

    /// Moves to the array's element `index`.
    fn element(&mut self, index: usize) -> Option<()> {
        self.expect(b'[')?;
        for _ in 0..index {
            self.space();
            if self.peek()? == b']' {
                return None;
            }
            self.skip_value()?;
            self.expect(b',')?;
        }
        self.space();
        (self.peek()? != b']').then_some(())
    }
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
    fn max_depth_is_serde_jsons_limit() {
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(serde_json::from_str::<serde_json::Value>(&nested(MAX_DEPTH - 1)).is_ok());
        let err = serde_json::from_str::<serde_json::Value>(&nested(MAX_DEPTH)).expect_err("deep");
        assert!(err.to_string().contains("recursion limit"), "{err}");
    }

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
    fn locates_paths_in_the_text() {
        use crate::validate::Path;
        let text = "{\n  \"format\": \"partnercrm/1\",\n  \"organisations\": [\n    {\"name\": \"a \\\" [b\", \"x\": {\"y\": [1, [2], \"]\"]}},\n    {\"name\": \"c\",\n     \"kind\": \"ngo\"}\n  ]\n}\n";
        let at = |path: Path| locate(text, &path);
        let orgs = Path::root("organisations");
        assert_eq!(at(orgs.clone()), Some((3, 20)));
        assert_eq!(at(orgs.index(0)), Some((4, 5)));
        assert_eq!(at(orgs.index(1)), Some((5, 5)));
        assert_eq!(at(orgs.index(1).field("kind")), Some((6, 14)));
        // Deeper than the text goes: the deepest part found.
        assert_eq!(at(orgs.index(1).field("parent")), Some((5, 5)));
        assert_eq!(at(orgs.index(7)), Some((3, 20)));
        assert_eq!(at(Path::root("agreements")), None);
        assert_eq!(locate("{\"a\": [", &Path::root("a").index(2)), Some((1, 7)));
        assert_eq!(locate("", &Path::root("a")), None);
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
