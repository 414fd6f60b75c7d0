//! Exact decimal arithmetic, and the bounds of the numbers partnercrm stores.
//!
//! # Why not `+` or `checked_add`
//!
//! A [`Decimal`] is a 96-bit integer and a scale of 0 to 28 decimals: at most
//! ±79,228,162,514,264,337,593,543,950,335 ([`MAX`]), in 28 or 29
//! significant digits. Its operators panic beyond that range, and its
//! `checked_*` operations, rather than fail, round a result that needs more
//! digits than it has: 7,922,816,251,426,433,759,354,395.0335 +
//! 7,922,816,251,426,433,759,354,395.0333 comes out as
//! 15,845,632,502,852,867,518,708,790.067, a ten-thousandth short. Neither
//! may happen to money. So
//! every total, conversion and split goes through this module, whose
//! functions give the exact result or `None` when no `Decimal` holds it. The
//! caller turns `None` into an error that names the records involved:
//! [`Error::Overflow`](crate::Error::Overflow) in a query, a
//! `money.overflow` problem in validation.
//!
//! # Amount bounds
//!
//! What is stored leaves exactly, through Arrow, CSV, JSON and IATI:
//!
//! - An amount is any `Decimal` (at most [`MAX`] in magnitude, at most 28
//!   decimals), kept to the last decimal its source gives, beyond its
//!   currency's minor unit too: publishers write `44414.824494500004`. A
//!   money column is `decimal128(38, s)`, `s` the most decimals any of its
//!   amounts has and at least [`MONEY_DECIMALS`]; its 38 digits hold every
//!   `Decimal` at up to 9 decimals and a column as precise as publishers
//!   write (12 decimals beside 10^20). A column that 38 digits cannot hold
//!   at one scale (10^28 beside 10^-20) is
//!   [`Error::Overflow`](crate::Error::Overflow) naming the two records,
//!   never a cut.
//! - An indicator value, and an allocation's percent, has at most
//!   [`VALUE_DECIMALS`] decimals, the scale of their `decimal128(38, 6)`
//!   columns, which again hold every such `Decimal`.
//!
//! Validation refuses more decimals of a value or a percent
//! (`indicator.too_many_decimals`, `contribution.allocation_share`), and a
//! number beyond [`MAX`] cannot be read at all. Totals are exact, and a
//! total no `Decimal` can hold is an error, never a rounded figure.
//!
//! # Where figures are rounded
//!
//! Only where an amount is converted into another currency with a rate
//! table ([`RateTable::convert`](crate::query::rates::RateTable::convert)):
//! the product is exact, then rounded once to the target currency's minor
//! unit (or [`MONEY_DECIMALS`] for one without), half away from zero
//! ([`mul_rounded`]), as a bookkeeper books a converted amount; converted
//! totals are exact sums of those. An amount already in the target currency
//! is not converted, so keeps every decimal. Splitting an amount across
//! allocations by percent apportions it in units of its currency's minor
//! unit or of its own last decimal, whichever is finer, so that the parts
//! sum exactly to the whole ([`apportion`](super::apportion)).

use rust_decimal::Decimal;

/// The largest magnitude of any amount, indicator value or total:
/// 79,228,162,514,264,337,593,543,950,335.
pub const MAX: Decimal = Decimal::MAX;

/// The fewest decimal places of a money column, enough for every ISO 4217
/// minor unit, and the decimals an amount converted into a currency without
/// one (gold, XAU) is booked to.
pub const MONEY_DECIMALS: u32 = 4;

/// Decimal places an indicator value or an allocation's percent may have,
/// and the scale of their columns.
pub const VALUE_DECIMALS: u32 = 6;

/// What the bound is, in words, for messages: "… cannot be computed
/// exactly: {LIMIT}".
pub const LIMIT: &str = "partnercrm computes with at most 79,228,162,514,264,337,593,543,950,335 \
     and 28 to 29 significant digits, and gives no rounded figure instead";

const MAX_MANTISSA: u128 = (1 << 96) - 1;

/// `a + b`, exactly, at the larger of their scales where that fits.
pub fn add(a: Decimal, b: Decimal) -> Option<Decimal> {
    if a.scale() == b.scale() {
        // Two 96-bit mantissas: their sum cannot overflow an i128.
        return from_mantissa(a.mantissa() + b.mantissa(), a.scale());
    }
    add_at_common_scale(a, b).or_else(|| {
        // Trailing zeros can make a rescale overflow that need not; without
        // them, an operand whose last digit is further right than the other
        // fixes the result's scale, so a failure here is a true one.
        add_at_common_scale(a.normalize(), b.normalize())
    })
}

fn add_at_common_scale(a: Decimal, b: Decimal) -> Option<Decimal> {
    let scale = a.scale().max(b.scale());
    let widen = |d: Decimal| {
        10i128
            .checked_pow(scale - d.scale())
            .and_then(|factor| d.mantissa().checked_mul(factor))
    };
    from_mantissa(widen(a)?.checked_add(widen(b)?)?, scale)
}

/// `a - b`, exactly.
pub fn sub(a: Decimal, b: Decimal) -> Option<Decimal> {
    add(a, -b)
}

/// The exact sum of `values`; zero for none.
pub fn sum(values: impl IntoIterator<Item = Decimal>) -> Option<Decimal> {
    values.into_iter().try_fold(Decimal::ZERO, add)
}

/// `a × b`, exact, then rounded once to `digits` decimals (at most 28), half
/// away from zero, when it has more: as a bookkeeper books a converted
/// amount. The product is formed in 192 bits, so it is never rounded twice.
pub fn mul_rounded(a: Decimal, b: Decimal, digits: u32) -> Option<Decimal> {
    let digits = digits.min(28);
    let mut product = Wide::product(a.mantissa().unsigned_abs(), b.mantissa().unsigned_abs());
    let mut scale = a.scale() + b.scale();
    if scale > digits {
        // Half away from zero looks at the first dropped digit only.
        product.divide_by_power_of_ten(scale - digits - 1);
        let first_dropped = product.divide_by(10);
        if first_dropped >= 5 {
            product.increment();
        }
        scale = digits;
    }
    let magnitude = product.into_mantissa(&mut scale)?;
    let negative = a.is_sign_negative() != b.is_sign_negative();
    let mantissa = i128::try_from(magnitude).ok()?;
    from_mantissa(if negative { -mantissa } else { mantissa }, scale)
}

/// `a × b ÷ c`, exact, then rounded once to `digits` decimals (at most 28),
/// half away from zero: a conversion through a third currency, such as an
/// amount in euros to yen at two rates per US dollar. The quotient is
/// carried exactly to the first dropped digit, so it is never rounded
/// twice. `None` when `c` is zero or the result does not fit.
pub fn mul_div_rounded(a: Decimal, b: Decimal, c: Decimal, digits: u32) -> Option<Decimal> {
    if c.is_zero() {
        return None;
    }
    let digits = digits.min(28);
    let product = Wide::product(a.mantissa().unsigned_abs(), b.mantissa().unsigned_abs());
    let mut n = Big(product
        .0
        .iter()
        .flat_map(|l| [*l as u32, (*l >> 32) as u32])
        .collect());
    let divisor = c.mantissa().unsigned_abs();
    // a × b ÷ c = product × 10^-(a.scale + b.scale) ÷ (divisor × 10^-c.scale):
    // `n` becomes that × 10^(digits + 1), floored, so its last digit is the
    // first one rounding drops. Flooring twice is flooring once.
    let shift =
        i64::from(digits) + 1 + i64::from(c.scale()) - i64::from(a.scale()) - i64::from(b.scale());
    if shift >= 0 {
        n.multiply_by_power_of_ten(shift.unsigned_abs());
        n.divide_by(divisor);
    } else {
        n.divide_by(divisor);
        n.divide_by_power_of_ten(shift.unsigned_abs());
    }
    if n.divide_by(10) >= 5 {
        n.increment();
    }
    let magnitude = n.to_u128()?;
    let negative =
        (a.is_sign_negative() != b.is_sign_negative()) != c.is_sign_negative() && magnitude != 0;
    let mantissa = i128::try_from(magnitude).ok()?;
    from_mantissa(if negative { -mantissa } else { mantissa }, digits)
}

/// An unsigned integer of any width, little-endian 32-bit limbs: what a
/// quotient scaled up by up to 57 decimal digits needs.
struct Big(Vec<u32>);

impl Big {
    fn multiply_by_power_of_ten(&mut self, mut exponent: u64) {
        while exponent > 0 {
            let step = exponent.min(9);
            let factor = 10u64.pow(step as u32);
            let mut carry = 0u64;
            for limb in &mut self.0 {
                let current = u64::from(*limb) * factor + carry;
                *limb = current as u32;
                carry = current >> 32;
            }
            while carry > 0 {
                self.0.push(carry as u32);
                carry >>= 32;
            }
            exponent -= step;
        }
    }

    /// Divides in place by a divisor below 2^96 and returns the remainder:
    /// a remainder below 2^96 and one more limb fit a u128.
    fn divide_by(&mut self, divisor: u128) -> u128 {
        let mut remainder: u128 = 0;
        for limb in self.0.iter_mut().rev() {
            let current = (remainder << 32) | u128::from(*limb);
            *limb = (current / divisor) as u32;
            remainder = current % divisor;
        }
        remainder
    }

    fn divide_by_power_of_ten(&mut self, mut exponent: u64) {
        while exponent > 0 {
            let step = exponent.min(19);
            self.divide_by(10u128.pow(step as u32));
            exponent -= step;
        }
    }

    fn increment(&mut self) {
        for limb in &mut self.0 {
            let (next, carry) = limb.overflowing_add(1);
            *limb = next;
            if !carry {
                return;
            }
        }
        self.0.push(1);
    }

    fn to_u128(&self) -> Option<u128> {
        let mut value: u128 = 0;
        for (i, limb) in self.0.iter().enumerate() {
            if *limb == 0 {
                continue;
            }
            if i >= 4 {
                return None;
            }
            value |= u128::from(*limb) << (32 * i);
        }
        Some(value)
    }
}

/// A `Decimal` of `mantissa` × 10^-`scale`, dropping trailing zeros where the
/// mantissa is too wide; `None` when it is still too wide.
fn from_mantissa(mut mantissa: i128, mut scale: u32) -> Option<Decimal> {
    while mantissa.unsigned_abs() > MAX_MANTISSA && scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    if mantissa.unsigned_abs() > MAX_MANTISSA {
        return None;
    }
    Decimal::try_from_i128_with_scale(mantissa, scale).ok()
}

/// An unsigned 192-bit integer, little-endian limbs: wide enough for the
/// product of two 96-bit mantissas.
struct Wide([u64; 3]);

impl Wide {
    fn product(a: u128, b: u128) -> Self {
        let low = |x: u128| x & u128::from(u64::MAX);
        let (a_hi, a_lo) = (a >> 64, low(a));
        let (b_hi, b_lo) = (b >> 64, low(b));
        // a and b are below 2^96, so a_hi and b_hi are below 2^32: the middle
        // terms are below 2^97 and nothing below overflows a u128.
        let lo = a_lo * b_lo;
        let middle = a_hi * b_lo + a_lo * b_hi;
        let limb1 = (lo >> 64) + low(middle);
        let limb2 = (limb1 >> 64) + (middle >> 64) + a_hi * b_hi;
        Self([low(lo) as u64, low(limb1) as u64, low(limb2) as u64])
    }

    /// Divides in place and returns the remainder.
    fn divide_by(&mut self, divisor: u64) -> u64 {
        let mut remainder: u128 = 0;
        for limb in self.0.iter_mut().rev() {
            let current = (remainder << 64) | u128::from(*limb);
            *limb = (current / u128::from(divisor)) as u64;
            remainder = current % u128::from(divisor);
        }
        remainder as u64
    }

    fn divide_by_power_of_ten(&mut self, mut exponent: u32) {
        while exponent > 0 {
            let step = exponent.min(19);
            self.divide_by(10u64.pow(step));
            exponent -= step;
        }
    }

    fn increment(&mut self) {
        for limb in &mut self.0 {
            let (next, carry) = limb.overflowing_add(1);
            *limb = next;
            if !carry {
                break;
            }
        }
    }

    fn is_divisible_by_ten(&self) -> bool {
        let mut copy = Wide(self.0);
        copy.divide_by(10) == 0
    }

    /// The value as a 96-bit mantissa, dropping trailing zeros (and
    /// lowering `scale`) while it is too wide.
    fn into_mantissa(mut self, scale: &mut u32) -> Option<u128> {
        let fits = |w: &Wide| {
            w.0[2] == 0 && (u128::from(w.0[1]) << 64 | u128::from(w.0[0])) <= MAX_MANTISSA
        };
        while !fits(&self) && *scale > 0 && self.is_divisible_by_ten() {
            self.divide_by(10);
            *scale -= 1;
        }
        fits(&self).then(|| u128::from(self.0[1]) << 64 | u128::from(self.0[0]))
    }
}

/// Reads a decimal exactly, as [`Decimal::from_str_exact`] does, but also
/// takes trailing zeros after the point beyond the 28 decimals or 29 digits
/// a `Decimal` holds: `10000000000000000000000000.0000`, as a money column
/// writes 10^25, is 10^25. Any other digit that would be lost is an error.
pub fn parse(text: &str) -> Result<Decimal, rust_decimal::Error> {
    Decimal::from_str_exact(text).or_else(|error| match text.split_once('.') {
        Some((whole, fraction)) if fraction.ends_with('0') => {
            let fraction = fraction.trim_end_matches('0');
            if fraction.is_empty() {
                Decimal::from_str_exact(whole)
            } else {
                Decimal::from_str_exact(&format!("{whole}.{fraction}"))
            }
        }
        _ => Err(error),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).expect("decimal")
    }

    #[test]
    fn sums_are_exact_or_none_never_rounded() {
        assert_eq!(add(dec("1.50"), dec("2.5")), Some(dec("4.00")));
        assert_eq!(add(dec("1.50"), dec("2.5")).map(|d| d.scale()), Some(2));
        let wide = dec("7922816251426433759354395.0335");
        // rust_decimal's checked_add gives …790.067 here, for …790.0668.
        assert_eq!(add(wide, dec("7922816251426433759354395.0333")), None);
        assert_eq!(
            add(wide, dec("7922816251426433759354395.0335")),
            Some(dec("15845632502852867518708790.067"))
        );
        assert_eq!(add(MAX, Decimal::ONE), None);
        assert_eq!(add(MAX, -MAX), Some(Decimal::ZERO));
        assert_eq!(add(dec("70000000000000000000000000000"), dec("0.4")), None);
        // Trailing zeros in the way of a common scale.
        assert_eq!(
            add(
                dec("70000000000000000000000000000"),
                dec("1.0000000000000000000000000000")
            ),
            Some(dec("70000000000000000000000000001"))
        );
        assert_eq!(sub(dec("5"), dec("7.25")), Some(dec("-2.25")));
        assert_eq!(sum([dec("1"), dec("2"), dec("3")]), Some(dec("6")));
        assert_eq!(
            sum([MAX, MAX, -MAX]),
            None,
            "an intermediate total overflows"
        );
    }

    #[test]
    fn products_are_rounded_once_half_away_from_zero() {
        assert_eq!(
            mul_rounded(dec("10.01"), dec("1.47"), 2),
            Some(dec("14.71"))
        );
        assert_eq!(mul_rounded(dec("150"), dec("0.0093"), 2), Some(dec("1.40")));
        assert_eq!(
            mul_rounded(dec("-150"), dec("0.0093"), 2),
            Some(dec("-1.40"))
        );
        assert_eq!(mul_rounded(dec("0.125"), dec("1"), 2), Some(dec("0.13")));
        assert_eq!(mul_rounded(dec("12"), dec("3"), 2), Some(dec("36")));
        // A 37-digit product rounded at once: rust_decimal rounds it first to
        // 28 digits (…395.0335 × 1.0000001 = …770.969).
        assert_eq!(
            mul_rounded(dec("7922816251426433759354395.0335"), dec("1.0000001"), 2),
            Some(dec("7922817043708058901997770.97"))
        );
        assert_eq!(mul_rounded(MAX, dec("2"), 2), None);
        assert_eq!(
            mul_rounded(MAX, dec("0.5"), 0),
            Some(dec("39614081257132168796771975168"))
        );
        assert_eq!(
            mul_rounded(dec("0.0001"), dec("0.0000000000000000000001"), 2),
            Some(Decimal::ZERO)
        );
    }

    #[test]
    fn quotients_are_rounded_once_half_away_from_zero() {
        // 100 EUR at 0.875506396987998 EUR per USD, to USD: 114.2195...
        assert_eq!(
            mul_div_rounded(dec("100"), Decimal::ONE, dec("0.875506396987998"), 2),
            Some(dec("114.22"))
        );
        // 1,000,000 JPY to EUR at 106.7745822624372 JPY and
        // 0.875506396987998 EUR per USD: 8199.5768..., to the cent.
        assert_eq!(
            mul_div_rounded(
                dec("1000000"),
                dec("0.875506396987998"),
                dec("106.7745822624372"),
                2
            ),
            Some(dec("8199.58"))
        );
        // Exactly half: 1 ÷ 8 = 0.125 → 0.13, and -0.125 → -0.13.
        assert_eq!(
            mul_div_rounded(dec("1"), dec("1"), dec("8"), 2),
            Some(dec("0.13"))
        );
        assert_eq!(
            mul_div_rounded(dec("-1"), dec("1"), dec("8"), 2),
            Some(dec("-0.13"))
        );
        assert_eq!(
            mul_div_rounded(dec("1"), dec("-1"), dec("-8"), 2),
            Some(dec("0.13"))
        );
        // Just under half is not rounded up: 1 ÷ 3 = 0.333...
        assert_eq!(
            mul_div_rounded(dec("2"), dec("1"), dec("3"), 0),
            Some(dec("1"))
        );
        assert_eq!(
            mul_div_rounded(dec("1"), dec("1"), dec("3"), 4),
            Some(dec("0.3333"))
        );
        // Agrees with the product where the divisor is one.
        assert_eq!(
            mul_div_rounded(dec("10.01"), dec("1.47"), Decimal::ONE, 2),
            Some(dec("14.71"))
        );
        // Wide operands, a tiny divisor, and what does not fit.
        assert_eq!(mul_div_rounded(MAX, dec("0.5"), dec("0.5"), 0), Some(MAX));
        assert_eq!(mul_div_rounded(MAX, dec("2"), dec("1.5"), 0), None);
        assert_eq!(
            mul_div_rounded(dec("1"), dec("1"), dec("0.0000000000000000000000000001"), 0),
            Some(dec("10000000000000000000000000000"))
        );
        assert_eq!(mul_div_rounded(dec("1"), dec("1"), Decimal::ZERO, 2), None);
        assert_eq!(
            mul_div_rounded(Decimal::ZERO, dec("5"), dec("7"), 2),
            Some(Decimal::ZERO)
        );
        assert_eq!(
            mul_div_rounded(
                dec("0.0001"),
                dec("0.0001"),
                dec("79228162514264337593543950335"),
                28
            ),
            Some(Decimal::ZERO)
        );
    }

    #[test]
    fn parses_trailing_zeros_beyond_the_scale() {
        assert_eq!(
            parse("10000000000000000000000000.0000"),
            Ok(dec("10000000000000000000000000"))
        );
        assert_eq!(parse("79228162514264337593543950335.0000"), Ok(MAX));
        assert_eq!(parse("1.50"), Ok(dec("1.50")));
        assert!(parse("1.00000000000000000000000000001").is_err());
        assert!(parse("79228162514264337593543950336").is_err());
        assert!(parse("1e3").is_err());
    }
}
