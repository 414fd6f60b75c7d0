//! How a CSV file is written: its delimiter, and its encoding when it is
//! not UTF-8.

use crate::{Error, Result};

/// The delimiters a file may use, in the order a tie is settled.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// A text encoding other than UTF-8 and UTF-16 (which are read by their
/// byte-order marks, [`text::decode`](crate::io::text::decode)); never
/// guessed, only read when named.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark (and UTF-16 with one): the
    /// default.
    #[default]
    Utf8,
    /// Windows-1252, as Excel saves "CSV" on Western European Windows.
    Windows1252,
    /// ISO 8859-1 (Latin-1): every byte is the character of its number.
    Latin1,
}

impl std::str::FromStr for Encoding {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Self::Utf8),
            "windows-1252" | "cp1252" => Ok(Self::Windows1252),
            "latin-1" | "latin1" | "iso-8859-1" => Ok(Self::Latin1),
            _ => Err(Error::Parse {
                what: "encoding",
                input: s.to_owned(),
                reason: "expected utf-8, windows-1252 or latin-1".to_owned(),
            }),
        }
    }
}

impl Encoding {
    /// Decodes a file's bytes; `path` names it in an error.
    pub fn decode(self, bytes: Vec<u8>, path: &std::path::Path) -> Result<String> {
        match self {
            Self::Utf8 => crate::io::text::decode(bytes, path),
            // Every byte is a character in both: nothing can fail.
            Self::Windows1252 => Ok(encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(&bytes)
                .0
                .into_owned()),
            Self::Latin1 => Ok(encoding_rs::mem::decode_latin1(&bytes).into_owned()),
        }
    }
}

/// The delimiter of a file whose first line is its header: of `,` `;` tab
/// and `|`, the one the header has most of outside quotes (`,` if none).
pub fn detect(text: &str) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for &b in text.as_bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(at) = DELIMITERS.iter().position(|&d| d == b) {
                    counts[at] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for at in 1..DELIMITERS.len() {
        if counts[at] > counts[best] {
            best = at;
        }
    }
    DELIMITERS[best]
}

/// A delimiter given by name: `,` `;` `|`, or a tab as `\t`, `tab` or the
/// character itself.
pub fn parse_delimiter(text: &str) -> Result<u8> {
    let byte = match text {
        "\\t" | "tab" | "\t" => b'\t',
        _ if text.len() == 1 => text.as_bytes()[0],
        _ => 0,
    };
    if DELIMITERS.contains(&byte) {
        Ok(byte)
    } else {
        Err(Error::Parse {
            what: "CSV delimiter",
            input: text.to_owned(),
            reason: "expected one of , ; | or tab".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_shows_the_delimiter_outside_quotes() {
        assert_eq!(detect("a;b;c\n1,5;2;3\n"), b';');
        assert_eq!(detect("a,b\n"), b',');
        assert_eq!(detect("\"a;b\",c\n"), b',');
        assert_eq!(detect("a\tb|c\td\n"), b'\t');
        assert_eq!(detect("name\n"), b',');
        assert_eq!(parse_delimiter("tab").expect("tab"), b'\t');
        assert!(parse_delimiter(":").is_err());
    }

    #[test]
    fn single_byte_encodings_read_when_named() {
        let path = std::path::Path::new("f.csv");
        // 0x80 is the euro sign in Windows-1252 and a control in Latin-1.
        let bytes = b"Caf\xe9 \x80".to_vec();
        assert_eq!(
            Encoding::Windows1252
                .decode(bytes.clone(), path)
                .expect("reads"),
            "Caf\u{e9} \u{20ac}"
        );
        assert_eq!(
            Encoding::Latin1.decode(bytes.clone(), path).expect("reads"),
            "Caf\u{e9} \u{80}"
        );
        assert!(Encoding::Utf8.decode(bytes, path).is_err());
        assert_eq!(
            "CP1252".parse::<Encoding>().expect("name"),
            Encoding::Windows1252
        );
    }
}
