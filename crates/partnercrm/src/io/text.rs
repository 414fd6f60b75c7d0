//! Text files: the one place where a file's bytes become text.
//!
//! Every reader of files ([`json::read`](super::json::read),
//! [`csv::read_file`](super::csv::read_file),
//! [`iati::read_file`](super::iati::read_file), and so the command line and
//! the Python package) takes its text from [`decode`], which reads:
//!
//! - UTF-8, with or without a byte-order mark;
//! - UTF-16, little- or big-endian, with a byte-order mark;
//! - UTF-16 without a byte-order mark when the text starts `<?xml`, as an
//!   XML declaration naming UTF-16 does (XML 1.0, appendix F).
//!
//! A byte-order mark is dropped, not read as a character, so a column on
//! the first line counts from the character after it, as an editor shows
//! it. Decoding keeps every line break where it was: the readers' lines are
//! the file's lines.
//!
//! Nothing else is guessed. Text in another encoding (Latin-1 or
//! Windows-1252, as spreadsheets save on Windows), UTF-32 and binary files
//! (a NUL byte) are refused with [`Error::Encoding`], at the line and column
//! of the first byte that is not text, and the advice to save the file as
//! UTF-8.

use std::path::Path;

use crate::{Error, Result};

/// The UTF-8 byte-order mark, as a character.
const BOM: char = '\u{feff}';

/// `text` without the byte-order mark it may start with: the readers of
/// text take it as [`decode`] leaves a file's.
pub(crate) fn without_bom(text: &str) -> &str {
    text.strip_prefix(BOM).unwrap_or(text)
}

/// How a file's bytes are encoded, as its first bytes show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf16 { big_endian: bool },
    Utf32,
}

/// The encoding the first bytes show, and how many of them are a
/// byte-order mark.
fn sniff(bytes: &[u8]) -> (Encoding, usize) {
    match bytes {
        [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
        // Before UTF-16's marks, which these start with.
        [0xFF, 0xFE, 0, 0, ..] | [0, 0, 0xFE, 0xFF, ..] => (Encoding::Utf32, 0),
        [0xFF, 0xFE, ..] => (Encoding::Utf16 { big_endian: false }, 2),
        [0xFE, 0xFF, ..] => (Encoding::Utf16 { big_endian: true }, 2),
        [b'<', 0, b'?', 0, ..] => (Encoding::Utf16 { big_endian: false }, 0),
        [0, b'<', 0, b'?', ..] => (Encoding::Utf16 { big_endian: true }, 0),
        _ => (Encoding::Utf8, 0),
    }
}

/// A file's bytes as text, as the [module](self) describes; `path` names
/// the file in an error.
pub fn decode(bytes: Vec<u8>, path: &Path) -> Result<String> {
    let refuse = |before: &str, message: String| {
        let (line, column) = place(before);
        Error::Encoding {
            path: path.to_owned(),
            line,
            column,
            message,
        }
    };
    let (encoding, bom) = sniff(&bytes);
    let text = match encoding {
        Encoding::Utf32 => {
            return Err(refuse(
                "",
                "the file is UTF-32, which is not read; save it as UTF-8".to_owned(),
            ));
        }
        Encoding::Utf16 { big_endian } => utf16(bytes.get(bom..).unwrap_or_default(), big_endian)
            .map_err(|(before, message)| refuse(&before, message))?,
        Encoding::Utf8 => {
            let mut bytes = bytes;
            bytes.drain(..bom);
            match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(error) => {
                    let valid = error.utf8_error().valid_up_to();
                    let bytes = error.as_bytes();
                    let before = String::from_utf8_lossy(bytes.get(..valid).unwrap_or_default());
                    // A NUL before the bad byte says more about the file.
                    if let Some(nul) = before.find('\0') {
                        return Err(refuse(&before[..nul], not_text()));
                    }
                    let message = match (error.utf8_error().error_len(), bytes.get(valid)) {
                        (Some(_), Some(byte)) => format!(
                            "byte 0x{byte:02X} is not UTF-8 (it may be Latin-1 or Windows-1252 \
                             text); save the file as UTF-8"
                        ),
                        _ => "the file ends inside a UTF-8 character (is it cut short?); save \
                              it as UTF-8"
                            .to_owned(),
                    };
                    return Err(refuse(&before, message));
                }
            }
        }
    };
    if text.as_bytes().contains(&0)
        && let Some(nul) = text.find('\0')
    {
        return Err(refuse(&text[..nul], not_text()));
    }
    Ok(text)
}

fn not_text() -> String {
    "a NUL byte is not text: the file is binary, or UTF-16 without a byte-order mark; save \
     it as UTF-8"
        .to_owned()
}

/// UTF-16 text, or the text before the first unit that is not UTF-16 and
/// what is wrong with it.
fn utf16(bytes: &[u8], big_endian: bool) -> std::result::Result<String, (String, String)> {
    let units = bytes.chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        if big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    });
    let mut text = String::with_capacity(bytes.len());
    for unit in char::decode_utf16(units) {
        match unit {
            Ok(c) => text.push(c),
            Err(e) => {
                let message = format!(
                    "0x{:04X} is half a UTF-16 character, without its other half; save the \
                     file as UTF-8",
                    e.unpaired_surrogate()
                );
                return Err((text, message));
            }
        }
    }
    if bytes.len() % 2 == 1 {
        let message = "the file ends inside a UTF-16 character (is it cut short?); save it as \
                       UTF-8"
            .to_owned();
        return Err((text, message));
    }
    Ok(text)
}

/// The 1-based line and column (in characters) just after `before`.
fn place(before: &str) -> (usize, usize) {
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let column = before.get(line_start..).map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Reads a file as text: its size checked before it is read, so that a
/// sparse file of 100 GB cannot fill memory (`too_large` is the error for
/// a file over `max_bytes`), then [`decode`]d.
pub(crate) fn read_file(
    path: &Path,
    max_bytes: u64,
    too_large: impl FnOnce(u64) -> Error,
) -> Result<String> {
    read_file_with(path, max_bytes, too_large, |bytes| decode(bytes, path))
}

/// [`read_file`], decoding the bytes with `decode`.
pub(crate) fn read_file_with(
    path: &Path,
    max_bytes: u64,
    too_large: impl FnOnce(u64) -> Error,
    decode: impl FnOnce(Vec<u8>) -> Result<String>,
) -> Result<String> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > max_bytes {
        return Err(too_large(size));
    }
    decode(std::fs::read(path).map_err(io)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(bytes: &[u8]) -> Result<String> {
        decode(bytes.to_vec(), Path::new("f"))
    }

    fn refused(bytes: &[u8]) -> (usize, usize, String) {
        match decoded(bytes) {
            Err(Error::Encoding {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("expected an encoding error, got {other:?}"),
        }
    }

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mark = bom.then_some(0xFEFF);
        mark.into_iter()
            .chain(text.encode_utf16())
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn utf8_reads_as_it_is_and_its_mark_is_dropped() {
        assert_eq!(decoded(b"a,b\n").expect("reads"), "a,b\n");
        assert_eq!(
            decoded(b"\xEF\xBB\xBFa\xC3\xA9\n").expect("reads"),
            "a\u{e9}\n"
        );
        assert_eq!(decoded(b"").expect("reads"), "");
        assert_eq!(decoded(b"\xEF\xBB\xBF").expect("reads"), "");
    }

    #[test]
    fn utf16_with_a_mark_or_an_xml_declaration_reads() {
        let text = "na\u{ef}ve,\u{1F600}\r\nx\n";
        for big_endian in [false, true] {
            assert_eq!(
                decoded(&utf16(text, big_endian, true)).expect("reads"),
                text
            );
            let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<a/>";
            assert_eq!(decoded(&utf16(xml, big_endian, false)).expect("reads"), xml);
            assert_eq!(decoded(&utf16(xml, big_endian, true)).expect("reads"), xml);
        }
    }

    #[test]
    fn what_is_not_text_is_refused_where_it_stops_being_text() {
        // Latin-1 "Café" on line 2: the é is column 4.
        let (line, column, message) = refused(b"name\nCaf\xE9\n");
        assert_eq!((line, column), (2, 4));
        assert!(message.contains("byte 0xE9 is not UTF-8"), "{message}");
        assert!(message.contains("save the file as UTF-8"), "{message}");
        // Columns count characters, and a mark is not one.
        let (line, column, _) = refused(b"\xEF\xBB\xBF\xC3\xA9\xFF");
        assert_eq!((line, column), (1, 2));
        assert_eq!(refused(b"ab\xC3").1, 3);
        assert!(
            refused(b"ab\xC3")
                .2
                .contains("ends inside a UTF-8 character")
        );
        // Binary: a NUL, even before a bad byte.
        let (line, column, message) = refused(b"PK\x03\x04\x00\x00\xFF");
        assert_eq!((line, column), (1, 5));
        assert!(message.contains("NUL"), "{message}");
        assert_eq!(refused(b"a\nb\x00").0, 2);
        // UTF-16 without a mark is not guessed outside XML: its NULs are refused.
        assert!(refused(&utf16("name,kind", false, false)).2.contains("NUL"));
        assert!(
            refused(b"\xFF\xFE\x00\x00a\x00\x00\x00")
                .2
                .contains("UTF-32")
        );
    }

    #[test]
    fn broken_utf16_is_refused_where_it_breaks() {
        let mut bytes = utf16("ab\ncd", false, true);
        bytes.extend([0x00, 0xD8, b'x', 0]);
        let (line, column, message) = refused(&bytes);
        assert_eq!((line, column), (2, 3));
        assert!(message.contains("0xD800"), "{message}");
        let mut odd = utf16("ab", true, true);
        odd.push(0);
        assert_eq!(refused(&odd).1, 3);
    }
}
