//! Money: an exact decimal amount in an ISO 4217 currency. Never a float.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An ISO 4217 currency, such as `USD` or `JPY`.
///
/// Backed by the `iso_currency` crate, which tracks the ISO list including
/// each currency's minor unit.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

/// Every currency, indexed by its three letters: `iso_currency`'s own
/// lookup compares the code with each of the ~180 in turn, and every
/// contribution read from a store or a file looks one up.
fn by_code(code: &str) -> Option<iso_currency::Currency> {
    static TABLE: std::sync::OnceLock<Vec<Option<iso_currency::Currency>>> =
        std::sync::OnceLock::new();
    fn slot(code: &[u8]) -> Option<usize> {
        match code {
            [a, b, c] if code.iter().all(u8::is_ascii_uppercase) => {
                let letter = |l: &u8| usize::from(l - b'A');
                Some((letter(a) * 26 + letter(b)) * 26 + letter(c))
            }
            _ => None,
        }
    }
    let table = TABLE.get_or_init(|| {
        let mut table = vec![None; 26 * 26 * 26];
        use iso_currency::IntoEnumIterator;
        for currency in iso_currency::Currency::iter() {
            if let Some(at) = slot(currency.code().as_bytes()) {
                table[at] = Some(currency);
            }
        }
        table
    });
    slot(code.as_bytes()).and_then(|at| table[at])
}

/// Why a string is not an ISO 4217 currency code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown currency code {code:?}: expected an ISO 4217 alphabetic code such as \"USD\"")]
pub struct UnknownCurrency {
    code: String,
}

impl Currency {
    /// Looks up an ISO 4217 alphabetic code; upper case only, as the standard writes it.
    pub fn from_code(code: &str) -> Result<Self, UnknownCurrency> {
        by_code(code).map(Self).ok_or_else(|| UnknownCurrency {
            code: code.to_owned(),
        })
    }

    /// The three-letter code.
    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// The currency's English name.
    pub fn name(&self) -> &str {
        self.0.name()
    }

    /// Digits after the decimal point in the minor unit: 2 for USD, 0 for JPY,
    /// 3 for KWD. `None` for units without one, such as gold (XAU).
    pub fn minor_unit_digits(&self) -> Option<u32> {
        self.0.exponent().map(u32::from)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl PartialOrd for Currency {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Currency {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.code().cmp(other.code())
    }
}

impl FromStr for Currency {
    type Err = UnknownCurrency;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_code(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::from_code(&code).map_err(serde::de::Error::custom)
    }
}

/// An exact amount in a currency.
///
/// The amount is kept as written, to the last decimal the source gives
/// (`1000000`, `1000000.00` and `44414.824494500004` are all exact), even
/// beyond the currency's minor unit: publishers report shares and
/// conversions to many decimals, and rounding them would change totals.
/// Whether it is positive is checked by [`Money::problems`] so that
/// validation can report every problem at once. Its bounds, and why every
/// stored amount leaves exactly, are in [`exact`](super::exact#amount-bounds);
/// sums of amounts go through [`exact::add`](super::exact::add), never `+`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount, serialised as a decimal string so that no float ever holds it.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// The currency.
    pub currency: Currency,
}

/// Something wrong with a [`Money`] value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MoneyProblem {
    /// Zero or negative. Where a negative amount is a reversal (an actual
    /// cash or pledge contribution), validation allows it: see
    /// [`Contribution::may_be_negative`](super::Contribution::may_be_negative).
    NotPositive,
}

impl Money {
    /// An amount in a currency.
    pub const fn new(amount: Decimal, currency: Currency) -> Self {
        Self { amount, currency }
    }

    /// Parses an amount and currency code, e.g. `Money::parse("400000", "USD")`.
    pub fn parse(amount: &str, currency: &str) -> Result<Self, crate::Error> {
        let currency = Currency::from_code(currency)?;
        let amount = Decimal::from_str_exact(amount).map_err(|e| crate::Error::Parse {
            what: "amount",
            input: amount.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(Self { amount, currency })
    }

    /// What is wrong with this value as an amount given, if anything. Any
    /// number of decimals is sound: the amount is held as the source wrote it.
    pub fn problems(&self) -> Vec<MoneyProblem> {
        let mut problems = Vec::new();
        if self.amount <= Decimal::ZERO {
            problems.push(MoneyProblem::NotPositive);
        }
        problems
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, self.amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(amount: &str, currency: &str) -> Money {
        Money::parse(amount, currency).expect("valid money")
    }

    #[test]
    fn the_lookup_table_agrees_with_iso_currency_for_every_three_letters() {
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                for c in b'A'..=b'Z' {
                    let code = String::from_utf8(vec![a, b, c]).expect("ascii");
                    assert_eq!(
                        by_code(&code),
                        iso_currency::Currency::from_code(&code),
                        "{code}"
                    );
                }
            }
        }
        for odd in ["", "usd", "US", "USDX", "ÜSD", "U$D"] {
            assert_eq!(by_code(odd), None, "{odd}");
        }
    }

    #[test]
    fn knows_minor_units() {
        assert_eq!(
            Currency::from_code("USD").map(|c| c.minor_unit_digits()),
            Ok(Some(2))
        );
        assert_eq!(
            Currency::from_code("JPY").map(|c| c.minor_unit_digits()),
            Ok(Some(0))
        );
        assert_eq!(
            Currency::from_code("KWD").map(|c| c.minor_unit_digits()),
            Ok(Some(3))
        );
        assert!(Currency::from_code("usd").is_err());
        assert!(Currency::from_code("XYZ").is_err());
    }

    #[test]
    fn flags_non_positive_amounts_and_keeps_every_decimal() {
        assert!(money("400000", "USD").problems().is_empty());
        assert!(money("100.00", "JPY").problems().is_empty());
        // More decimals than the minor unit are the publisher's precision.
        assert!(money("100.5", "JPY").problems().is_empty());
        assert!(money("44414.824494500004", "GBP").problems().is_empty());
        assert!(money("1.23456", "XAU").problems().is_empty());
        assert_eq!(
            money("44414.824494500004", "GBP").amount.to_string(),
            "44414.824494500004"
        );
        assert_eq!(
            money("-1.001", "USD").problems(),
            vec![MoneyProblem::NotPositive]
        );
        assert_eq!(
            money("0", "EUR").problems(),
            vec![MoneyProblem::NotPositive]
        );
    }

    #[test]
    fn amounts_travel_as_strings() {
        let m = money("850000.50", "USD");
        let json = serde_json::to_string(&m).expect("serialise");
        assert_eq!(json, r#"{"amount":"850000.50","currency":"USD"}"#);
        assert_eq!(
            serde_json::from_str::<Money>(&json).expect("deserialise"),
            m
        );
        let bad = serde_json::from_str::<Money>(r#"{"amount":"1","currency":"ABC"}"#);
        assert!(bad.is_err_and(|e| e.to_string().contains("unknown currency code")));
    }

    #[test]
    fn rejects_unparseable_amounts() {
        assert!(Money::parse("1,000", "USD").is_err());
        assert!(Money::parse("1e3", "USD").is_err());
    }
}
