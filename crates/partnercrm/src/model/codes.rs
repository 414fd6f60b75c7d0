//! Official IATI code lists: countries, OECD DAC sectors, organisation
//! registration agencies, organisation types and currencies.
//!
//! The tables are generated from the IATI 2.03 codelist XML files by
//! `scripts/gen_codes.py` into `codes/generated.rs`; `tests/codelists.rs`
//! re-reads those XML files so the tables cannot silently drift from them.
//! Withdrawn codes are kept because older records legitimately use them.

mod generated;

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use generated::{
    ACTIVITY_DATE_TYPES, ACTIVITY_STATUSES, BUDGET_STATUSES, BUDGET_TYPES, COUNTRIES, CRS_CHANNELS,
    IATI_CURRENCIES, INDICATOR_MEASURES, ORGANISATION_ROLES, ORGANISATION_TYPES,
    REGISTRATION_AGENCIES, RETIRED_ORGANISATION_IDENTIFIERS, SECTORS, TRANSACTION_TYPES,
    XI_IATI_ORGANISATIONS,
};

/// A string that is not a code in the relevant IATI codelist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    /// Not a code in the IATI Country codelist; holds the input as given.
    #[error("unknown country code {0:?}: not in the IATI Country codelist (ISO 3166-1 alpha-2)")]
    UnknownCountry(String),
    /// Not a code in the IATI Sector codelist; holds the input as given.
    #[error("unknown sector code {0:?}: not in the IATI Sector codelist (OECD DAC 5-digit)")]
    UnknownSector(String),
}

/// Binary search of a generated table, which the generator sorts by code in
/// byte order (the order `str::cmp` uses).
fn lookup<T>(table: &'static [T], code: &str, key: impl Fn(&T) -> &str) -> Option<&'static T> {
    table
        .binary_search_by(|row| key(row).cmp(code))
        .ok()
        .map(|index| &table[index])
}

// ------------------------------------------------------------------ countries

/// An ISO 3166-1 alpha-2 country code that is in the IATI Country codelist.
///
/// Holding the two bytes rather than a `String` keeps it `Copy` and cheap to
/// compare; the constructor guarantees they are an upper-case code from the
/// list, so [`name`](Self::name) can never fail. Orders by code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Every code in the IATI Country codelist, in code order (withdrawn ones included).
    pub fn all() -> impl ExactSizeIterator<Item = Self> + Clone {
        COUNTRIES.iter().map(|&(code, _)| {
            let bytes = code.as_bytes();
            Self([bytes[0], bytes[1]])
        })
    }

    /// The code, e.g. `"GB"`; always upper case.
    pub fn as_str(self) -> &'static str {
        self.entry().0
    }

    /// The English name from the IATI Country codelist.
    pub fn name(self) -> &'static str {
        self.entry().1
    }

    fn entry(self) -> &'static (&'static str, &'static str) {
        // Only `FromStr` and `all` build values, and both take them from the table.
        std::str::from_utf8(&self.0)
            .ok()
            .and_then(|code| lookup(COUNTRIES, code, |row| row.0))
            .expect("a CountryCode always holds a code from COUNTRIES")
    }
}

impl FromStr for CountryCode {
    type Err = CodeError;

    /// Parses a code such as `"GB"`. Lower case is accepted and normalised,
    /// since hand-entered data and some feeds are not consistent about case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || CodeError::UnknownCountry(s.to_owned());
        let [a, b] = *s.as_bytes() else {
            return Err(unknown());
        };
        let code = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
        let known = std::str::from_utf8(&code)
            .ok()
            .and_then(|code| lookup(COUNTRIES, code, |row| row.0))
            .is_some();
        if known {
            Ok(Self(code))
        } else {
            Err(unknown())
        }
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    // The code alone reads better in assertions and logs than the raw bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(CodeVisitor::new("an ISO 3166-1 alpha-2 country code"))
    }
}

// -------------------------------------------------------------------- sectors

/// An OECD DAC 5-digit purpose code that is in the IATI Sector codelist,
/// e.g. `11110` "Education policy and administrative management".
///
/// Kept as the five ASCII digits (not a number) so it round-trips exactly as
/// written in IATI data; the digits are fixed-width, so ordering by them is
/// numeric order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SectorCode([u8; 5]);

impl SectorCode {
    /// Every code in the IATI Sector codelist, in code order (withdrawn ones included).
    pub fn all() -> impl ExactSizeIterator<Item = Self> + Clone {
        SECTORS.iter().map(|&(code, _)| {
            let b = code.as_bytes();
            Self([b[0], b[1], b[2], b[3], b[4]])
        })
    }

    /// The five-digit code, e.g. `"11110"`.
    pub fn as_str(self) -> &'static str {
        self.entry().0
    }

    /// The English name from the IATI Sector codelist.
    pub fn name(self) -> &'static str {
        self.entry().1
    }

    fn entry(self) -> &'static (&'static str, &'static str) {
        // Only `FromStr` and `all` build values, and both take them from the table.
        std::str::from_utf8(&self.0)
            .ok()
            .and_then(|code| lookup(SECTORS, code, |row| row.0))
            .expect("a SectorCode always holds a code from SECTORS")
    }
}

impl FromStr for SectorCode {
    type Err = CodeError;

    /// Parses exactly five digits, e.g. `"11110"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || CodeError::UnknownSector(s.to_owned());
        let code: [u8; 5] = s.as_bytes().try_into().map_err(|_| unknown())?;
        if lookup(SECTORS, s, |row| row.0).is_some() {
            Ok(Self(code))
        } else {
            Err(unknown())
        }
    }
}

impl fmt::Display for SectorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SectorCode {
    // The code alone reads better in assertions and logs than the raw bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SectorCode({})", self.as_str())
    }
}

impl Serialize for SectorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SectorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(CodeVisitor::new("an OECD DAC 5-digit sector code"))
    }
}

/// Deserialises a code from a string without first copying it into a `String`.
struct CodeVisitor<T> {
    expecting: &'static str,
    marker: PhantomData<T>,
}

impl<T> CodeVisitor<T> {
    fn new(expecting: &'static str) -> Self {
        Self {
            expecting,
            marker: PhantomData,
        }
    }
}

impl<T: FromStr<Err = CodeError>> de::Visitor<'_> for CodeVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        value.parse().map_err(E::custom)
    }
}

// ------------------------------------------------------ registration agencies

/// An entry of the IATI OrganisationRegistrationAgency codelist (replicated
/// from org-id.guide): a register that organisation identifiers are drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegistrationAgency {
    /// The agency code, e.g. `"GB-CHC"` or `"XM-DAC"`.
    pub code: &'static str,
    /// The English name of the register.
    pub name: &'static str,
    /// False when the codelist marks the agency as withdrawn; identifiers
    /// issued under it still exist, but new ones should use its successor.
    pub active: bool,
}

impl RegistrationAgency {
    fn from_row(&(code, name, active): &'static (&'static str, &'static str, bool)) -> Self {
        Self { code, name, active }
    }
}

/// Looks up a registration agency by its exact code, e.g. `"XM-DAC"`.
///
/// Codes are matched case-sensitively, as they are written in the codelist.
/// Withdrawn agencies are returned too, with `active: false`.
pub fn registration_agency(code: &str) -> Option<RegistrationAgency> {
    lookup(REGISTRATION_AGENCIES, code, |row| row.0).map(RegistrationAgency::from_row)
}

/// Every agency in the IATI OrganisationRegistrationAgency codelist, in code order.
pub fn registration_agencies() -> impl ExactSizeIterator<Item = RegistrationAgency> + Clone {
    REGISTRATION_AGENCIES
        .iter()
        .map(RegistrationAgency::from_row)
}

/// The registration agency of an IATI organisation identifier, which has the
/// form `{agency code}-{identifier}`, e.g. `"XM-DAC-47066"` → `XM-DAC`.
///
/// Returns `None` unless the identifier after the agency code is non-empty and
/// free of whitespace. Withdrawn agencies still match (see
/// [`RegistrationAgency::active`]).
pub fn iati_org_id_agency(org_id: &str) -> Option<RegistrationAgency> {
    org_id_agency_in(REGISTRATION_AGENCIES, org_id).map(RegistrationAgency::from_row)
}

fn org_id_agency_in(
    table: &'static [(&'static str, &'static str, bool)],
    org_id: &str,
) -> Option<&'static (&'static str, &'static str, bool)> {
    // Agency codes contain hyphens themselves ("XM-DAC"), so any hyphen may be
    // the separator; trying them right to left finds the longest code first.
    org_id.rmatch_indices('-').find_map(|(at, _)| {
        let rest = &org_id[at + 1..];
        if rest.is_empty() || rest.contains(char::is_whitespace) {
            return None;
        }
        lookup(table, &org_id[..at], |row| row.0)
    })
}

// ------------------------------------------ identifiers outside org-id.guide

/// The English name of an identifier on the retired IATI OrganisationIdentifier
/// list (given up in 1.04, still written by publishers), e.g. `"DE-1"`.
pub fn retired_organisation_identifier(code: &str) -> Option<&'static str> {
    lookup(RETIRED_ORGANISATION_IDENTIFIERS, code, |row| row.0).map(|row| row.1)
}

/// The English name of an XI-IATI identifier the IATI Secretariat allocated,
/// e.g. `"XI-IATI-EC_DEVCO"`. The list lags behind: newer XI-IATI
/// identifiers are valid org-ids that it does not name.
pub fn xi_iati_organisation(code: &str) -> Option<&'static str> {
    lookup(XI_IATI_ORGANISATIONS, code, |row| row.0).map(|row| row.1)
}

/// An OECD DAC CRS channel code, e.g. `41114` "United Nations Development Programme".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrsChannel {
    /// The five-digit code.
    pub code: &'static str,
    /// The English name.
    pub name: &'static str,
    /// False when the codelist marks the code as withdrawn.
    pub active: bool,
    /// True for a code other codes name as their category, such as 21000
    /// "International NGO": it says what sort of channel an organisation
    /// is, not which one.
    pub category: bool,
}

/// Looks up an OECD DAC CRS channel code.
pub fn crs_channel(code: &str) -> Option<CrsChannel> {
    lookup(CRS_CHANNELS, code, |row| row.0).map(|&(code, name, active, category)| CrsChannel {
        code,
        name,
        active,
        category,
    })
}

// ------------------------------------------------- organisation types, currency

/// The English name of an IATI OrganisationType code, e.g. `"40"` → `"Multilateral"`.
pub fn iati_organisation_type_name(code: &str) -> Option<&'static str> {
    lookup(ORGANISATION_TYPES, code, |row| row.0).map(|row| row.1)
}

/// Every (code, English name) pair in the IATI OrganisationType codelist, in code order.
pub fn iati_organisation_types()
-> impl ExactSizeIterator<Item = (&'static str, &'static str)> + Clone {
    ORGANISATION_TYPES.iter().copied()
}

/// The small IATI codelists the IATI reader and writer name codes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IatiCodelist {
    /// ActivityDateType: planned and actual starts and ends.
    ActivityDateType,
    /// ActivityStatus: pipeline to closed.
    ActivityStatus,
    /// BudgetStatus: indicative or committed.
    BudgetStatus,
    /// BudgetType: original or revised.
    BudgetType,
    /// IndicatorMeasure: unit, percentage, nominal, ordinal, qualitative.
    IndicatorMeasure,
    /// OrganisationRole: funding, accountable, extending, implementing.
    OrganisationRole,
    /// TransactionType: incoming funds, commitments, disbursements and others.
    TransactionType,
}

impl IatiCodelist {
    fn table(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::ActivityDateType => ACTIVITY_DATE_TYPES,
            Self::ActivityStatus => ACTIVITY_STATUSES,
            Self::BudgetStatus => BUDGET_STATUSES,
            Self::BudgetType => BUDGET_TYPES,
            Self::IndicatorMeasure => INDICATOR_MEASURES,
            Self::OrganisationRole => ORGANISATION_ROLES,
            Self::TransactionType => TRANSACTION_TYPES,
        }
    }

    /// The English name of `code` in this codelist, e.g. transaction type
    /// `"11"` → `"Incoming Commitment"`; `None` if the list has no such code.
    pub fn name(self, code: &str) -> Option<&'static str> {
        self.table()
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, name)| *name)
    }

    /// Every (code, English name) pair, in numeric order.
    pub fn items(self) -> impl ExactSizeIterator<Item = (&'static str, &'static str)> + Clone {
        self.table().iter().copied()
    }
}

/// Whether `code` is in the IATI Currency codelist (exact, upper-case match).
///
/// The IATI list keeps a few ISO 4217 codes that ISO has since withdrawn, so
/// this can accept codes that `iso_currency` does not know.
pub fn is_iati_currency(code: &str) -> bool {
    IATI_CURRENCIES.binary_search(&code).is_ok()
}

/// Every code in the IATI Currency codelist, in code order (withdrawn ones included).
pub fn iati_currency_codes() -> impl ExactSizeIterator<Item = &'static str> + Clone {
    IATI_CURRENCIES.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Binary search silently misses entries if a table is out of order, so
    /// guard against hand edits that break the generator's guarantees.
    fn assert_strictly_sorted<'a>(name: &str, codes: impl Iterator<Item = &'a str>) {
        let codes: Vec<&str> = codes.collect();
        for pair in codes.windows(2) {
            assert!(pair[0] < pair[1], "{name}: {:?} !< {:?}", pair[0], pair[1]);
        }
    }

    #[test]
    fn tables_are_sorted_and_well_formed() {
        assert_strictly_sorted("COUNTRIES", COUNTRIES.iter().map(|r| r.0));
        assert_strictly_sorted(
            "REGISTRATION_AGENCIES",
            REGISTRATION_AGENCIES.iter().map(|r| r.0),
        );
        assert_strictly_sorted("SECTORS", SECTORS.iter().map(|r| r.0));
        assert_strictly_sorted("ORGANISATION_TYPES", ORGANISATION_TYPES.iter().map(|r| r.0));
        assert_strictly_sorted("IATI_CURRENCIES", IATI_CURRENCIES.iter().copied());

        let is = |code: &str, len: usize, ok: fn(&u8) -> bool| {
            code.len() == len && code.as_bytes().iter().all(ok)
        };
        assert!(COUNTRIES.iter().all(|r| is(r.0, 2, u8::is_ascii_uppercase)));
        assert!(SECTORS.iter().all(|r| is(r.0, 5, u8::is_ascii_digit)));
        assert!(
            IATI_CURRENCIES
                .iter()
                .all(|c| is(c, 3, u8::is_ascii_uppercase))
        );
        assert!(
            REGISTRATION_AGENCIES
                .iter()
                .all(|r| r.0.contains('-') && !r.0.contains(char::is_whitespace))
        );
        let named = COUNTRIES.iter().chain(SECTORS).chain(ORGANISATION_TYPES);
        assert!(
            named
                .map(|r| r.1)
                .chain(REGISTRATION_AGENCIES.iter().map(|r| r.1))
                .all(|n| !n.is_empty() && n.trim() == n)
        );
    }

    #[test]
    fn country_code_parses_known_codes() {
        let gb: CountryCode = "GB".parse().expect("GB is a country code");
        assert_eq!(gb.as_str(), "GB");
        assert_eq!(
            gb.name(),
            "United Kingdom of Great Britain and Northern Ireland (the)"
        );
        assert_eq!(gb.to_string(), "GB");
        assert_eq!(format!("{gb:?}"), "CountryCode(GB)");
        // Non-ASCII names come through intact.
        let ax: CountryCode = "AX".parse().expect("AX is a country code");
        assert_eq!(ax.name(), "Åland Islands");
    }

    #[test]
    fn country_code_normalises_lower_case() {
        let lower: CountryCode = "ke".parse().expect("ke is accepted");
        let mixed: CountryCode = "kE".parse().expect("kE is accepted");
        assert_eq!(lower, mixed);
        assert_eq!(lower.as_str(), "KE");
        assert_eq!(lower, "KE".parse().expect("KE is a country code"));
    }

    #[test]
    fn country_code_rejects_unknown_and_malformed() {
        for bad in ["XX", "", "G", "GBR", " GB", "GB ", "1A", "É", "Ke\u{301}"] {
            assert_eq!(
                bad.parse::<CountryCode>(),
                Err(CodeError::UnknownCountry(bad.to_owned())),
                "{bad:?}"
            );
        }
        let err = "XX"
            .parse::<CountryCode>()
            .expect_err("XX is not a country");
        assert_eq!(
            err.to_string(),
            r#"unknown country code "XX": not in the IATI Country codelist (ISO 3166-1 alpha-2)"#
        );
    }

    #[test]
    fn country_code_serde_is_a_plain_string() {
        let ng: CountryCode = "NG".parse().expect("NG is a country code");
        let json = serde_json::to_string(&ng).expect("serialise");
        assert_eq!(json, r#""NG""#);
        assert_eq!(
            serde_json::from_str::<CountryCode>(&json).expect("deserialise"),
            ng
        );
        // Escaped input reaches the visitor as an owned string; still fine.
        assert_eq!(
            serde_json::from_str::<CountryCode>(r#""\u004eG""#).expect("escaped"),
            ng
        );
        assert_eq!(
            serde_json::from_str::<CountryCode>(r#""ng""#).expect("lower"),
            ng
        );

        let err = serde_json::from_str::<CountryCode>(r#""XX""#).expect_err("unknown");
        assert!(
            err.to_string()
                .starts_with(r#"unknown country code "XX": not in the IATI Country codelist"#),
            "{err}"
        );
        assert!(serde_json::from_str::<CountryCode>("42").is_err());
    }

    #[test]
    fn country_code_all_round_trips() {
        assert_eq!(CountryCode::all().len(), COUNTRIES.len());
        for code in CountryCode::all() {
            assert_eq!(code.as_str().parse::<CountryCode>(), Ok(code));
        }
        assert!(CountryCode::all().is_sorted());
    }

    #[test]
    fn sector_code_parses_and_names() {
        let education: SectorCode = "11110".parse().expect("11110 is a sector");
        assert_eq!(education.as_str(), "11110");
        assert_eq!(
            education.name(),
            "Education policy and administrative management"
        );
        assert_eq!(education.to_string(), "11110");
        assert_eq!(format!("{education:?}"), "SectorCode(11110)");
        for bad in ["", "1111", "111100", "11111", "1111O", "111", "abcde"] {
            assert_eq!(
                bad.parse::<SectorCode>(),
                Err(CodeError::UnknownSector(bad.to_owned())),
                "{bad:?}"
            );
        }
        assert_eq!(SectorCode::all().len(), SECTORS.len());
        assert!(SectorCode::all().all(|s| s.as_str().parse() == Ok(s)));
    }

    #[test]
    fn sector_code_serde_is_a_plain_string() {
        let code: SectorCode = "12220".parse().expect("12220 is a sector");
        let json = serde_json::to_string(&code).expect("serialise");
        assert_eq!(json, r#""12220""#);
        assert_eq!(
            serde_json::from_str::<SectorCode>(&json).expect("deserialise"),
            code
        );
        let err = serde_json::from_str::<SectorCode>(r#""99999""#).expect_err("unknown");
        assert!(
            err.to_string()
                .starts_with(r#"unknown sector code "99999""#),
            "{err}"
        );
        // Numbers are not accepted: the codelist and IATI XML use strings.
        assert!(serde_json::from_str::<SectorCode>("12220").is_err());
    }

    #[test]
    fn registration_agency_lookup() {
        let dac = registration_agency("XM-DAC").expect("XM-DAC is listed");
        assert_eq!(dac.code, "XM-DAC");
        assert_eq!(dac.name, "OECD Development Assistance Committee");
        assert!(dac.active);
        assert_eq!(registration_agency("xm-dac"), None);
        assert_eq!(registration_agency("XM"), None);
        assert_eq!(registration_agencies().len(), REGISTRATION_AGENCIES.len());
    }

    #[test]
    fn withdrawn_registration_agency_is_inactive() {
        // Withdrawn agencies stay resolvable: identifiers issued under them persist.
        let blv = registration_agency("SE-BLV").expect("SE-BLV is listed");
        assert!(!blv.active);
        assert_eq!(iati_org_id_agency("SE-BLV-5560000000"), Some(blv));
        assert!(registration_agencies().any(|a| !a.active));
    }

    #[test]
    fn org_id_agency_examples() {
        let code = |id: &str| iati_org_id_agency(id).map(|a| a.code);
        assert_eq!(code("XM-DAC-47066"), Some("XM-DAC"));
        assert_eq!(code("GB-CHC-202918"), Some("GB-CHC"));
        assert_eq!(code("XI-IATI-EC_INTPA"), Some("XI-IATI"));
        assert_eq!(code("GB-COH-01234567-A"), Some("GB-COH"));
        assert_eq!(code("XX-FOO-1"), None);
        assert_eq!(code("XM-DAC-"), None);
        assert_eq!(code("XM-DAC"), None);
        assert_eq!(code("XM-DAC-47 066"), None);
        assert_eq!(code(" XM-DAC-47066"), None);
        assert_eq!(code(""), None);
    }

    #[test]
    fn org_id_agency_prefers_the_longest_code() {
        // The real list has no code that is a prefix of another, so use a
        // synthetic (sorted) one to pin the rule down.
        static TABLE: &[(&str, &str, bool)] = &[("XA-B", "short", true), ("XA-B-C", "long", true)];
        let name = |id: &str| org_id_agency_in(TABLE, id).map(|row| row.1);
        assert_eq!(name("XA-B-C-1"), Some("long"));
        assert_eq!(name("XA-B-D-1"), Some("short"));
        // The longest code would leave an empty identifier, so the shorter one wins.
        assert_eq!(name("XA-B-C-"), Some("short"));
        assert_eq!(name("XA-B-"), None);
    }

    #[test]
    fn organisation_type_names() {
        assert_eq!(iati_organisation_type_name("10"), Some("Government"));
        assert_eq!(iati_organisation_type_name("40"), Some("Multilateral"));
        assert_eq!(iati_organisation_type_name("99"), None);
        assert_eq!(iati_organisation_type_name(""), None);
        assert_eq!(iati_organisation_types().len(), ORGANISATION_TYPES.len());
    }

    #[test]
    fn iati_currencies() {
        assert!(is_iati_currency("EUR"));
        assert!(is_iati_currency("USD"));
        // Withdrawn by ISO but kept in the IATI list for historical data.
        assert!(is_iati_currency("EEK"));
        assert!(!is_iati_currency("eur"));
        assert!(!is_iati_currency("XYZ"));
        assert_eq!(iati_currency_codes().len(), IATI_CURRENCIES.len());
    }
}
