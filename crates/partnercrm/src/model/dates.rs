//! Dates as precise as the source: a year, a month, or a day.
//!
//! Sources often say "in 2007" or "in May 2007". Storing those as 1 January or
//! 1 May would invent precision, and a later query would treat the invention
//! as fact. A [`PartialDate`] keeps the precision and answers questions with
//! the interval of days it may stand for.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date known to a year, a month or a day.
///
/// Written in ISO 8601 reduced precision: `2007`, `2007-05`, `2007-05-14`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartialDate {
    /// Only the year is known.
    Year(i32),
    /// The year and month are known.
    Month {
        /// The year.
        year: i32,
        /// The month, 1 to 12.
        month: u32,
    },
    /// The exact day is known.
    Day(NaiveDate),
}

/// How precisely a [`PartialDate`] is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// A year.
    Year,
    /// A month.
    Month,
    /// A day.
    Day,
}

/// Why a string is not a [`PartialDate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid date {input:?}: expected YYYY, YYYY-MM or YYYY-MM-DD with a real calendar date")]
pub struct ParseDateError {
    input: String,
}

impl PartialDate {
    /// A date known to the year.
    pub const fn year(year: i32) -> Self {
        Self::Year(year)
    }

    /// A date known to the month, or `None` if the month is not 1 to 12.
    pub fn month(year: i32, month: u32) -> Option<Self> {
        // Checking through chrono also rejects years chrono cannot represent.
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| Self::Month { year, month })
    }

    /// A date known to the day, or `None` if there is no such day.
    pub fn ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, day).map(Self::Day)
    }

    /// How precisely this date is known.
    pub const fn precision(&self) -> Precision {
        match self {
            Self::Year(_) => Precision::Year,
            Self::Month { .. } => Precision::Month,
            Self::Day(_) => Precision::Day,
        }
    }

    /// The calendar year.
    pub fn year_of(&self) -> i32 {
        match *self {
            Self::Year(year) | Self::Month { year, .. } => year,
            Self::Day(day) => day.year(),
        }
    }

    /// The first day this date may stand for.
    pub fn earliest(&self) -> NaiveDate {
        match *self {
            Self::Year(year) => first_day(year, 1),
            Self::Month { year, month } => first_day(year, month),
            Self::Day(day) => day,
        }
    }

    /// The last day this date may stand for.
    pub fn latest(&self) -> NaiveDate {
        match *self {
            Self::Year(year) => last_day(year, 12),
            Self::Month { year, month } => last_day(year, month),
            Self::Day(day) => day,
        }
    }

    /// Whether this date is certainly before `other`, whatever days they stand for.
    pub fn is_certainly_before(&self, other: &PartialDate) -> bool {
        self.latest() < other.earliest()
    }

    /// Whether `day` may be the day this date stands for.
    pub fn may_be(&self, day: NaiveDate) -> bool {
        self.earliest() <= day && day <= self.latest()
    }
}

// Valid PartialDates are built only through checked constructors or parsing,
// so these dates exist.
fn first_day(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN)
}

fn last_day(year: i32, month: u32) -> NaiveDate {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(next_year, next_month, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// Orders by the interval of days a date stands for: by first day, then by
/// last day, so `2007-01` < `2007` < `2007-02`.
impl Ord for PartialDate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.earliest()
            .cmp(&other.earliest())
            .then_with(|| self.latest().cmp(&other.latest()))
    }
}

impl PartialOrd for PartialDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl From<NaiveDate> for PartialDate {
    fn from(day: NaiveDate) -> Self {
        Self::Day(day)
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Year(year) => write!(f, "{year:04}"),
            Self::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Self::Day(day) => write!(f, "{}", day.format("%Y-%m-%d")),
        }
    }
}

impl fmt::Debug for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PartialDate({self})")
    }
}

impl FromStr for PartialDate {
    type Err = ParseDateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let error = || ParseDateError {
            input: s.to_owned(),
        };
        let mut split = s.split('-');
        let parts = (split.next(), split.next(), split.next(), split.next());
        let number = |part: &str, len: usize| -> Result<u32, ParseDateError> {
            if part.len() == len && part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().map_err(|_| error())
            } else {
                Err(error())
            }
        };
        match parts {
            (Some(y), None, None, None) => Ok(Self::Year(number(y, 4)? as i32)),
            (Some(y), Some(m), None, None) => {
                Self::month(number(y, 4)? as i32, number(m, 2)?).ok_or_else(error)
            }
            (Some(y), Some(m), Some(d), None) => {
                Self::ymd(number(y, 4)? as i32, number(m, 2)?, number(d, 2)?).ok_or_else(error)
            }
            _ => Err(error()),
        }
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A span of time whose ends may be open (unknown or ongoing) or partial.
///
/// Ends are inclusive at their precision, as people write periods: "January
/// to June 2007" runs from 1 January to 30 June, "2004 to 2005" covers both
/// whole years, and "since April 2011" starts on 1 April.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    /// When it began; `None` if unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<PartialDate>,
    /// When it ended; `None` if ongoing or unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<PartialDate>,
}

impl Period {
    /// A period with both ends open.
    pub const OPEN: Period = Period {
        start: None,
        end: None,
    };

    /// A period from `start` to `end`.
    pub const fn new(start: Option<PartialDate>, end: Option<PartialDate>) -> Self {
        Self { start, end }
    }

    /// A period from `start`, open-ended.
    pub const fn from(start: PartialDate) -> Self {
        Self {
            start: Some(start),
            end: None,
        }
    }

    /// A period from `start` to `end`, both known.
    pub const fn between(start: PartialDate, end: PartialDate) -> Self {
        Self {
            start: Some(start),
            end: Some(end),
        }
    }

    /// Whether neither end is known.
    pub const fn is_open(&self) -> bool {
        self.start.is_none() && self.end.is_none()
    }

    /// Whether the end is certainly before the start: an impossible period.
    pub fn is_reversed(&self) -> bool {
        match (&self.start, &self.end) {
            (Some(start), Some(end)) => end.is_certainly_before(start),
            _ => false,
        }
    }

    /// The first day covered; an open start reaches back indefinitely.
    pub fn first_day(&self) -> NaiveDate {
        self.start.map_or(NaiveDate::MIN, |d| d.earliest())
    }

    /// The last day covered; an open end runs on indefinitely.
    pub fn last_day(&self) -> NaiveDate {
        self.end.map_or(NaiveDate::MAX, |d| d.latest())
    }

    /// Whether the period includes `day`. An open start counts as "since
    /// always" and an open end as "still going".
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first_day() <= day && day <= self.last_day()
    }

    /// Whether this period lies within `outer`, as far as the known ends
    /// tell. Used for "the chair is a member during the term": a term
    /// `2007-01..2007-06` lies within a membership `2003-04..`; a term whose
    /// start is unknown is not held against a membership's start.
    pub fn within(&self, outer: &Period) -> bool {
        let starts_inside = match (self.start, outer.start) {
            (Some(start), Some(outer_start)) => outer_start.earliest() <= start.earliest(),
            _ => true,
        };
        let ends_inside = match (self.end, outer.end) {
            (Some(end), Some(outer_end)) => end.latest() <= outer_end.latest(),
            (None, Some(_)) => self.start.is_none(),
            _ => true,
        };
        starts_inside && ends_inside
    }

    /// Whether the two periods certainly share at least one day.
    ///
    /// One period ending in a year or month and the next starting in the same
    /// year or month is a handover, not an overlap: the Geneva Migration
    /// Group's name ran "until 2006" and the Global Migration Group's "from 2006".
    pub fn certainly_overlaps(&self, other: &Period) -> bool {
        let first = self.first_day().max(other.first_day());
        let last = self.last_day().min(other.last_day());
        first <= last
            && !is_handover(self, other, first, last)
            && !is_handover(other, self, first, last)
    }
}

/// Whether the days `first..=last` that `before` and `after` share lie
/// within `before`'s imprecise end and `after`'s imprecise start, so that
/// some reading of those dates has `before` end before `after` begins.
fn is_handover(before: &Period, after: &Period, first: NaiveDate, last: NaiveDate) -> bool {
    match (before.end, after.start) {
        (Some(end), Some(start)) => {
            end.earliest() < start.latest()
                && first >= end.earliest().max(start.earliest())
                && last <= end.latest().min(start.latest())
        }
        _ => false,
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.start, &self.end) {
            (Some(s), Some(e)) => write!(f, "{s} to {e}"),
            (Some(s), None) => write!(f, "since {s}"),
            (None, Some(e)) => write!(f, "until {e}"),
            (None, None) => f.write_str("dates unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> PartialDate {
        s.parse().expect("valid date")
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("valid day")
    }

    #[test]
    fn parses_each_precision_and_displays_it_back() {
        for text in ["2007", "2007-05", "2014-01-01", "0999"] {
            assert_eq!(d(text).to_string(), text);
        }
        assert_eq!(d("2007").precision(), Precision::Year);
        assert_eq!(d("2007-05").precision(), Precision::Month);
        assert_eq!(d("2007-05-31").precision(), Precision::Day);
    }

    #[test]
    fn rejects_impossible_or_malformed_dates() {
        for text in [
            "",
            "07",
            "2007-13",
            "2007-02-30",
            "2007-5",
            "2007-05-01-01",
            "20o7",
            "+2007",
        ] {
            assert!(
                text.parse::<PartialDate>().is_err(),
                "{text} should not parse"
            );
        }
    }

    #[test]
    fn a_month_or_year_stands_for_its_whole_interval() {
        assert_eq!(d("2008-02").earliest(), day("2008-02-01"));
        assert_eq!(d("2008-02").latest(), day("2008-02-29"));
        assert_eq!(d("2013").latest(), day("2013-12-31"));
        assert_eq!(d("2013-12").latest(), day("2013-12-31"));
        assert!(d("2013").may_be(day("2013-07-04")));
        assert!(!d("2013").may_be(day("2014-01-01")));
    }

    #[test]
    fn certainly_before_needs_disjoint_intervals() {
        assert!(d("2006").is_certainly_before(&d("2007-05")));
        assert!(!d("2007").is_certainly_before(&d("2007-05")));
        assert!(!d("2007-05").is_certainly_before(&d("2007")));
    }

    #[test]
    fn orders_by_interval() {
        let mut dates = vec![d("2007-02"), d("2007"), d("2006-12-31"), d("2007-01")];
        dates.sort();
        assert_eq!(
            dates,
            vec![d("2006-12-31"), d("2007-01"), d("2007"), d("2007-02")]
        );
    }

    #[test]
    fn periods_include_their_whole_end_units() {
        let term = Period::between(d("2007-01"), d("2007-06"));
        assert!(term.contains(day("2007-01-01")));
        assert!(term.contains(day("2007-06-30")));
        assert!(!term.contains(day("2007-07-01")));
        let joined_2010 = Period::from(d("2010"));
        assert!(joined_2010.contains(day("2010-01-01")));
        assert!(!joined_2010.contains(day("2009-12-31")));
        assert!(Period::OPEN.contains(day("1900-01-01")));
    }

    #[test]
    fn within_checks_the_known_ends() {
        let membership = Period::from(d("2003-04"));
        assert!(Period::between(d("2007-01"), d("2007-06")).within(&membership));
        assert!(!Period::between(d("2003"), d("2004")).within(&membership));
        assert!(
            Period::OPEN.within(&membership),
            "an undated term is not held against a membership"
        );
        let ended = Period::between(d("2003-04"), d("2009"));
        assert!(!Period::between(d("2008"), d("2010")).within(&ended));
        assert!(
            !Period::from(d("2008")).within(&ended),
            "an ongoing term outlasts an ended membership"
        );
    }

    #[test]
    fn overlaps_are_certain_or_handovers() {
        let a = Period::between(d("2005"), d("2007"));
        assert!(
            !a.certainly_overlaps(&Period::from(d("2007"))),
            "a handover within 2007"
        );
        assert!(a.certainly_overlaps(&Period::from(d("2006"))));
        let january_june = Period::between(d("2007-01"), d("2007-06"));
        assert!(!january_june.certainly_overlaps(&Period::between(d("2007-06"), d("2007-12"))));
        assert!(january_june.certainly_overlaps(&Period::between(d("2007-05"), d("2007-12"))));
        let day_precise = Period::between(d("2007-01-01"), d("2007-06-30"));
        assert!(day_precise.certainly_overlaps(&Period::between(d("2007-06-30"), d("2007-12-31"))));
        assert!(!day_precise.certainly_overlaps(&Period::from(d("2007-07-01"))));
        assert!(
            Period::between(d("2004"), d("2004"))
                .certainly_overlaps(&Period::between(d("2004-06"), d("2005")))
        );
        assert!(Period::OPEN.certainly_overlaps(&Period::OPEN));
        assert!(Period::between(d("2007-05"), d("2007-04")).is_reversed());
        assert!(!Period::between(d("2007-05"), d("2007")).is_reversed());
    }

    #[test]
    fn serialises_as_iso_strings() {
        let period = Period::between(d("2004"), d("2005-12-31"));
        let json = serde_json::to_string(&period).expect("serialise");
        assert_eq!(json, r#"{"start":"2004","end":"2005-12-31"}"#);
        let back: Period = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, period);
        assert!(serde_json::from_str::<PartialDate>("\"2007-13\"").is_err());
    }
}
