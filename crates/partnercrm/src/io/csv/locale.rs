//! Numbers and dates as a spreadsheet user writes them: `1.234,56` and
//! `15.03.2024` in a German office, `1 234,56` and `15/03/2024` in a
//! French one, `1,234.56` in an English one.
//!
//! A [`Locale`] names the decimal and thousands separators and the date
//! format. With none given, a number is read only when it has one reading:
//! `1.234,56` (both separators), `1.234.567` (groups), `12,5` (a comma that
//! cannot group) and `12.5` are read, but `12.500` and `1,234` (twelve and
//! a half or twelve thousand five hundred; one thousand two hundred and
//! thirty-four or one point two three four) are refused with both
//! readings, never read one way in silence. ISO dates (`2024-03-15`,
//! `2024-03`, `2024`) always read; other dates need the locale's format.

use rust_decimal::Decimal;

use crate::model::PartialDate;
use crate::model::exact;
use crate::{Error, Result};

/// How a file writes numbers and dates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Locale {
    /// The decimal separator; `None` reads only numbers with one reading.
    pub decimal: Option<char>,
    /// The thousands separator, if numbers are grouped; with `decimal` set
    /// and this `None`, a number has no groups. A space stands for every
    /// space (a no-break and a narrow no-break space too).
    pub thousands: Option<char>,
    /// A `chrono` date format (`%d.%m.%Y`) read besides ISO dates.
    pub date_format: Option<String>,
}

/// The spaces numbers are grouped with: French writes a no-break or a
/// narrow no-break space, and a user types a plain one.
const SPACES: [char; 3] = [' ', '\u{a0}', '\u{202f}'];

impl Locale {
    /// The presets: `en` (`1,234.56`; dates ISO, since the US and the UK
    /// write days and months in different orders), `de` (`1.234,56`,
    /// `15.03.2024`) and `fr` (`1 234,56`, `15/03/2024`).
    pub fn preset(name: &str) -> Result<Self> {
        let (decimal, thousands, date) = match name.to_ascii_lowercase().as_str() {
            "en" => ('.', ',', None),
            "de" => (',', '.', Some("%d.%m.%Y")),
            "fr" => (',', ' ', Some("%d/%m/%Y")),
            _ => {
                return Err(Error::Parse {
                    what: "locale",
                    input: name.to_owned(),
                    reason: "expected en, de or fr (or give the separators and date format)"
                        .to_owned(),
                });
            }
        };
        Ok(Self {
            decimal: Some(decimal),
            thousands: Some(thousands),
            date_format: date.map(str::to_owned),
        })
    }

    /// A preset (if named) with each given part over it: what the command
    /// line's `--locale`, `--decimal`, `--thousands` and `--date-format`
    /// and Python's `locale=`, `decimal=`, `thousands=` and `date_format=`
    /// say together. A thousands separator needs a decimal one.
    pub fn from_parts(
        preset: Option<&str>,
        decimal: Option<char>,
        thousands: Option<char>,
        date_format: Option<&str>,
    ) -> Result<Self> {
        let mut locale = match preset {
            Some(name) => Self::preset(name)?,
            None => Self::default(),
        };
        locale.decimal = decimal.or(locale.decimal);
        locale.thousands = thousands.or(locale.thousands);
        if let Some(format) = date_format {
            locale.date_format = Some(format.to_owned());
        }
        if locale.thousands.is_some() && locale.decimal.is_none() {
            return Err(Error::Parse {
                what: "locale",
                input: thousands.map(String::from).unwrap_or_default(),
                reason: "a thousands separator needs a decimal separator (or a locale)".to_owned(),
            });
        }
        if locale.thousands.is_some() && locale.thousands == locale.decimal {
            return Err(Error::Parse {
                what: "locale",
                input: locale.decimal.map(String::from).unwrap_or_default(),
                reason: "the decimal and thousands separators are the same".to_owned(),
            });
        }
        Ok(locale)
    }

    /// Whether the locale says nothing: numbers with one reading and ISO
    /// dates only.
    pub fn is_unset(&self) -> bool {
        self == &Self::default()
    }

    /// A number as this locale writes it; the error says why not, with
    /// both readings of an ambiguous one ([`Unreadable::Ambiguous`]).
    pub fn decimal(&self, text: &str) -> std::result::Result<Decimal, Unreadable> {
        // Most cells are digits with at most a `.`: read in place, with no
        // text rewritten, when that is their one reading here.
        if self.is_plain(text) {
            return exact::parse(text).map_err(|_| Unreadable::Invalid(not_a_number(text)));
        }
        let canonical = match self.decimal {
            Some(decimal) => given(text, decimal, self.thousands)?,
            None => unset(text)?,
        };
        exact::parse(&canonical).map_err(|_| Unreadable::Invalid(not_a_number(text)))
    }

    /// Whether `text` is digits with at most one `.` (and a sign) that
    /// reads as written: a decimal point here, and not a thousands group
    /// where no locale is given (`12.500`).
    fn is_plain(&self, text: &str) -> bool {
        let digits = text.strip_prefix(['-', '+']).unwrap_or(text).as_bytes();
        let mut point = None;
        for (at, &b) in digits.iter().enumerate() {
            match b {
                b'0'..=b'9' => {}
                b'.' if point.is_none() => point = Some(at),
                _ => return false,
            }
        }
        match (point, self.decimal) {
            (None, _) => !digits.is_empty(),
            (Some(_), Some('.')) => true,
            (Some(at), None) => {
                let (whole, fraction) = (at, digits.len() - at - 1);
                // `12.500` is for `unset` to refuse with both readings.
                !(fraction == 3 && (1..=3).contains(&whole) && digits[0] != b'0')
            }
            (Some(_), Some(_)) => false,
        }
    }

    /// A date: ISO (`2024-03-15`, `2024-03`, `2024`), or in the locale's
    /// format.
    pub fn date(&self, text: &str) -> std::result::Result<PartialDate, String> {
        if let Ok(date) = text.parse::<PartialDate>() {
            return Ok(date);
        }
        if let Some(format) = &self.date_format {
            return chrono::NaiveDate::parse_from_str(text, format)
                .map(PartialDate::Day)
                .map_err(|_| format!("{text:?} is not a date as {format} or YYYY-MM-DD"));
        }
        let mut message = format!("{text:?} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)");
        // Say what would read it, where one format is the only reading.
        for (format, advice) in [
            ("%d.%m.%Y", "--date-format %d.%m.%Y (or --locale de)"),
            ("%Y/%m/%d", "--date-format %Y/%m/%d"),
        ] {
            if let Ok(day) = chrono::NaiveDate::parse_from_str(text, format) {
                message.push_str(&format!("; read with {advice} it is {day}"));
            }
        }
        Err(message)
    }
}

/// Why a number cell does not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// It is not a number.
    Invalid(String),
    /// It has two readings, both shown.
    Ambiguous(String),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid(m) | Self::Ambiguous(m) => f.write_str(m),
        }
    }
}

fn not_a_number(text: &str) -> String {
    format!("{text:?} is not a decimal number")
}

/// Splits off a sign, so that separators are read in the digits alone.
fn sign(text: &str) -> (&str, &str) {
    match text.strip_prefix(['-', '+']) {
        Some(rest) => (&text[..1], rest),
        None => ("", text),
    }
}

/// Whether `groups` is a valid grouping of an integer part: a first group
/// of one to three digits, then groups of exactly three.
fn grouped<'t>(mut groups: impl Iterator<Item = &'t str>) -> bool {
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let Some(first) = groups.next() else {
        return false;
    };
    if !digits(first) || first.len() > 3 {
        return false;
    }
    groups.all(|g| g.len() == 3 && digits(g))
}

/// A number in a locale with these separators, as `exact::parse` reads it.
fn given(
    text: &str,
    decimal: char,
    thousands: Option<char>,
) -> std::result::Result<String, Unreadable> {
    let invalid = || {
        let groups = thousands.map_or_else(
            || "no thousands separator".to_owned(),
            |t| format!("{t:?} for thousands"),
        );
        Unreadable::Invalid(format!(
            "{text:?} is not a number with {decimal:?} for decimals and {groups}"
        ))
    };
    let (sign, digits) = sign(text);
    let (whole, fraction) = match digits.split_once(decimal) {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let is_group = |c: char| match thousands {
        Some(' ') => SPACES.contains(&c),
        Some(t) => c == t,
        None => false,
    };
    let whole = if whole.contains(is_group) {
        if !grouped(whole.split(is_group)) {
            return Err(invalid());
        }
        whole.replace(is_group, "")
    } else {
        whole.to_owned()
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    match fraction {
        Some(f) if !f.is_empty() && digits(f) && digits(&whole) && !whole.is_empty() => {
            Ok(format!("{sign}{whole}.{f}"))
        }
        None if !whole.is_empty() && digits(&whole) => Ok(format!("{sign}{whole}")),
        _ => Err(invalid()),
    }
}

/// A number with no locale: read only when it has one reading.
fn unset(text: &str) -> std::result::Result<String, Unreadable> {
    let (sign, digits) = sign(text);
    let invalid = || Unreadable::Invalid(not_a_number(text));
    let spaced = digits.contains(SPACES);
    let last = digits.rfind(['.', ',']);
    let Some(at) = last else {
        return if spaced {
            given(text, '.', Some(' ')).map_err(|_| invalid())
        } else {
            Ok(text.to_owned())
        };
    };
    let separator = digits[at..].chars().next().unwrap_or('.');
    let other = if separator == '.' { ',' } else { '.' };
    let count = digits.matches(separator).count();
    if digits.contains(other) || spaced {
        // Both kinds: the last is the decimal separator and the rest group.
        let thousands = if spaced { ' ' } else { other };
        if spaced && digits.contains(other) {
            return Err(invalid());
        }
        return given(text, separator, Some(thousands)).map_err(|_| invalid());
    }
    if count > 1 {
        // Only groups have many of one separator.
        return given(text, other, Some(separator)).map_err(|_| invalid());
    }
    let (whole, fraction) = (&digits[..at], &digits[at + 1..]);
    // `0.250` groups nothing: a leading zero is no thousand.
    if fraction.len() == 3 && !whole.starts_with('0') && grouped(std::iter::once(whole)) {
        let thousands: String = format!("{sign}{whole}{fraction}");
        let decimal = format!("{sign}{whole}.{fraction}");
        let decimal_shown = exact::parse(&decimal)
            .map(|d| d.normalize().to_string())
            .unwrap_or(decimal);
        return Err(Unreadable::Ambiguous(format!(
            "{text:?} has two readings: {thousands} ({separator:?} grouping thousands) or \
             {decimal_shown} ({separator:?} the decimal separator); give the file's locale or \
             decimal separator"
        )));
    }
    given(text, separator, None).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(locale: &Locale, text: &str) -> std::result::Result<String, Unreadable> {
        locale.decimal(text).map(|d| d.to_string())
    }

    #[test]
    fn with_no_locale_a_number_reads_only_with_one_reading() {
        let unset = Locale::default();
        for (text, value) in [
            ("1234.56", "1234.56"),
            ("-12", "-12"),
            ("1.234,56", "1234.56"),
            ("1,234.56", "1234.56"),
            ("1.234.567", "1234567"),
            ("1,234,567", "1234567"),
            ("12,5", "12.5"),
            ("0.250", "0.250"),
            ("1234.500", "1234.500"),
            ("1 234,56", "1234.56"),
            ("1\u{202f}234", "1234"),
        ] {
            assert_eq!(read(&unset, text).as_deref(), Ok(value), "{text}");
        }
        for text in ["12.500", "250.000", "1,234", "-1.000"] {
            assert!(
                matches!(read(&unset, text), Err(Unreadable::Ambiguous(_))),
                "{text}: {:?}",
                read(&unset, text)
            );
        }
        for text in ["1.2.3", "1,23,456.7", "abc", "1.234,5.6", ""] {
            assert!(
                matches!(read(&unset, text), Err(Unreadable::Invalid(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn a_locale_reads_its_own_numbers_and_refuses_others() {
        let de = Locale::preset("de").expect("de");
        assert_eq!(read(&de, "12.500").as_deref(), Ok("12500"));
        assert_eq!(read(&de, "1.234,56").as_deref(), Ok("1234.56"));
        assert_eq!(read(&de, "-0,5").as_deref(), Ok("-0.5"));
        assert!(read(&de, "12.5").is_err());
        assert!(read(&de, "1,234.56").is_err());
        let en = Locale::preset("en").expect("en");
        assert_eq!(read(&en, "12.500").as_deref(), Ok("12.500"));
        assert_eq!(read(&en, "1,234").as_deref(), Ok("1234"));
        let fr = Locale::preset("fr").expect("fr");
        assert_eq!(read(&fr, "1\u{a0}234,56").as_deref(), Ok("1234.56"));
        assert_eq!(read(&fr, "250 000").as_deref(), Ok("250000"));
        let plain = Locale {
            decimal: Some(','),
            ..Locale::default()
        };
        assert_eq!(read(&plain, "1234,5").as_deref(), Ok("1234.5"));
        assert!(read(&plain, "1.234,5").is_err());
    }

    #[test]
    fn dates_read_as_iso_or_in_the_locales_format() {
        let de = Locale::preset("de").expect("de");
        assert_eq!(
            de.date("15.03.2024").map(|d| d.to_string()).as_deref(),
            Ok("2024-03-15")
        );
        assert_eq!(
            de.date("2024-03").map(|d| d.to_string()).as_deref(),
            Ok("2024-03")
        );
        let message = Locale::default()
            .date("15.03.2024")
            .expect_err("needs a format");
        assert!(message.contains("2024-03-15"), "{message}");
        assert!(Locale::preset("xx").is_err());
    }
}
