//! Contributions: cash, in-kind gifts, services, and pledges with their payments.

use serde::{Deserialize, Serialize};

use super::dates::{PartialDate, Period};
use super::ids::{AgreementId, ContributionId, OrganisationId, ProjectId};
use rust_decimal::Decimal;

use super::money::Money;

/// Something given by a donor to a recipient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contribution {
    /// Stable identifier.
    pub id: ContributionId,
    /// What form it took.
    pub kind: ContributionKind,
    /// Who gave it.
    pub donor: OrganisationId,
    /// Who received it, often a country office.
    pub recipient: OrganisationId,
    /// What it was worth, if known.
    #[serde(default)]
    pub value: ContributionValue,
    /// When it was given, if a single date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<PartialDate>,
    /// The span it was given over, e.g. 2004 to 2005.
    #[serde(default, skip_serializing_if = "Period::is_open")]
    pub period: Period,
    /// The project it is earmarked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<ProjectId>,
    /// The agreement it was given under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<AgreementId>,
    /// What was given or what it paid for, e.g. "boat ambulances".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Payments made against a pledge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<Payment>,
    /// How the contribution is split across projects. What the allocations
    /// leave over stays with `project` (or unearmarked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allocations: Vec<Allocation>,
}

impl Contribution {
    /// A new contribution of unknown value with a fresh id.
    pub fn new(kind: ContributionKind, donor: OrganisationId, recipient: OrganisationId) -> Self {
        Self {
            id: ContributionId::new(),
            kind,
            donor,
            recipient,
            value: ContributionValue::Unknown,
            date: None,
            period: Period::OPEN,
            project: None,
            agreement: None,
            description: None,
            payments: Vec::new(),
            allocations: Vec::new(),
        }
    }

    /// The date to count it on: its date, else the start of its period.
    pub fn effective_date(&self) -> Option<PartialDate> {
        self.date.or(self.period.start)
    }

    /// Whether its amount may be negative: an actual cash or pledge amount,
    /// which a negative figure makes a reversal (money returned, a
    /// commitment cut), as IATI publishers report them. It nets against
    /// its kind in every total. Goods, services, estimates and payments
    /// are given, never taken back, so theirs must be positive; no amount
    /// may be zero.
    pub fn may_be_negative(&self) -> bool {
        matches!(self.kind, ContributionKind::Cash | ContributionKind::Pledge)
            && matches!(self.value, ContributionValue::Actual { .. })
    }

    /// Whether it is a reversal: an amount that [may be
    /// negative](Contribution::may_be_negative) and is.
    pub fn is_reversal(&self) -> bool {
        self.may_be_negative()
            && self
                .value
                .money()
                .is_some_and(|m| m.amount.is_sign_negative() && !m.amount.is_zero())
    }
}

/// A share of a contribution earmarked for a project: an amount in the
/// contribution's currency, or a percentage of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allocation {
    /// The project.
    pub project: ProjectId,
    /// An amount in the contribution's currency.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub amount: Option<Decimal>,
    /// A percentage of the contribution, above 0 and at most 100.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option"
    )]
    pub percent: Option<Decimal>,
}

/// Splits `total` into parts for `allocations` plus what is left over, so
/// that the parts sum exactly to the whole, in units of `digits` decimals.
/// Amounts are taken as given; percentages are apportioned with
/// [`apportion`]. The last part is what no allocation claims.
///
/// `None` when a part or the leftover is beyond what a `Decimal` holds
/// exactly ([`exact`](super::exact)), which only allocations that
/// validation refuses can cause: amounts claiming more than the whole, or
/// percentages out of range.
pub fn split(total: Decimal, allocations: &[Allocation], digits: u32) -> Option<Vec<Decimal>> {
    let exact: Vec<Decimal> = allocations
        .iter()
        .map(|a| match (a.amount, a.percent) {
            (Some(amount), _) => Some(amount),
            // The fraction first: a share of the largest total cannot then
            // overflow on the way to a result that fits.
            (None, Some(percent)) => percent
                .checked_div(Decimal::ONE_HUNDRED)
                .and_then(|fraction| total.checked_mul(fraction)),
            (None, None) => Some(Decimal::ZERO),
        })
        .collect::<Option<_>>()?;
    // The exact shares only weigh the parts, which are exact: a share that
    // `checked_*` rounds beyond its 28th digit moves no unit.
    let claimed = exact
        .iter()
        .try_fold(Decimal::ZERO, |sum, part| sum.checked_add(*part))?;
    let claimed = claimed.round_dp_with_strategy(digits, rust_decimal::RoundingStrategy::ToZero);
    let mut parts = apportion(claimed, &exact, digits)?;
    let allocated = super::exact::sum(parts.iter().copied())?;
    parts.push(super::exact::sub(total, allocated)?);
    Some(parts)
}

/// Rounds `exact` parts to units of `digits` decimals so that they sum to
/// `total` exactly: each part is rounded down, then the units left over go
/// one each to the parts that lost the most (ties to the earlier part), the
/// largest-remainder method. `total` must be the exact sum rounded to the
/// unit, never 49.9996784%.
///
/// `None` when a part rounded up is beyond what a `Decimal` holds.
pub fn apportion(total: Decimal, exact: &[Decimal], digits: u32) -> Option<Vec<Decimal>> {
    use rust_decimal::RoundingStrategy::ToZero;
    // A reversal is apportioned as the gift it takes back, mirrored, so
    // that its parts are the gift's parts negated.
    if total.is_sign_negative() && !total.is_zero() {
        let mirrored: Vec<Decimal> = exact.iter().map(|e| -*e).collect();
        let parts = apportion(-total, &mirrored, digits)?;
        return Some(parts.into_iter().map(|p| -p).collect());
    }
    let unit = Decimal::new(1, digits);
    let parts: Vec<Decimal> = exact
        .iter()
        .map(|e| e.round_dp_with_strategy(digits, ToZero))
        .collect();
    let lost: Vec<Decimal> = exact
        .iter()
        .zip(&parts)
        .map(|(e, p)| super::exact::sub(*e, *p))
        .collect::<Option<_>>()?;
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| lost[b].cmp(&lost[a]).then(a.cmp(&b)));
    // At most two units go to each part; a larger gap (a total that is not
    // the parts' sum) is capped there rather than counted.
    let most = exact.len() * 2;
    let spare = match super::exact::sum(parts.iter().copied()) {
        // The parts already sum beyond any total: nothing is left to give.
        None => 0,
        Some(given) => match super::exact::sub(total, given) {
            None if total > given => most,
            None => 0,
            Some(gap) if gap <= Decimal::ZERO => 0,
            Some(gap) => gap.checked_div(unit).map_or(most, |units| {
                use rust_decimal::prelude::ToPrimitive;
                units.trunc().to_usize().map_or(most, |n| n.min(most))
            }),
        },
    };
    let mut parts = parts;
    for i in order.into_iter().cycle().take(spare) {
        parts[i] = super::exact::add(parts[i], unit)?;
    }
    Some(parts)
}

/// The form a contribution took.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContributionKind {
    /// Money paid.
    Cash,
    /// Goods given, such as medicines or housing units.
    InKind,
    /// A promise of money, paid through [`Payment`]s.
    Pledge,
    /// Work or advice given, such as media advice or airtime.
    Services,
}

impl ContributionKind {
    /// A label for reports.
    pub const fn label(&self) -> &'static str {
        match self {
            Self::Cash => "cash",
            Self::InKind => "in-kind",
            Self::Pledge => "pledge",
            Self::Services => "services",
        }
    }
}

/// What a contribution was worth.
///
/// An unknown amount is unknown: it is never zero, so no total can quietly
/// absorb it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum ContributionValue {
    /// The source gives no amount.
    #[default]
    Unknown,
    /// The amount paid or pledged.
    Actual {
        /// The amount.
        #[serde(flatten)]
        money: Money,
    },
    /// An estimate, as for goods given in kind.
    Estimated {
        /// The estimated amount.
        #[serde(flatten)]
        money: Money,
    },
}

impl ContributionValue {
    /// An actual amount.
    pub const fn actual(money: Money) -> Self {
        Self::Actual { money }
    }

    /// The amount, actual or estimated, if any.
    pub const fn money(&self) -> Option<&Money> {
        match self {
            Self::Unknown => None,
            Self::Actual { money } | Self::Estimated { money } => Some(money),
        }
    }
}

/// A payment made against a pledge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    /// When it was paid.
    pub date: PartialDate,
    /// How much.
    pub amount: Money,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(project: ProjectId, p: &str) -> Allocation {
        Allocation {
            project,
            amount: None,
            percent: Some(Decimal::from_str_exact(p).expect("decimal")),
        }
    }

    #[test]
    fn thirds_sum_exactly_to_the_whole() {
        let p = ProjectId::new();
        let parts = split(
            Decimal::new(10000, 2),
            &[pct(p, "33.3333"), pct(p, "33.3333"), pct(p, "33.3334")],
            2,
        )
        .expect("fits");
        assert_eq!(parts.iter().sum::<Decimal>(), Decimal::new(10000, 2));
        assert_eq!(
            parts,
            [
                Decimal::new(3333, 2),
                Decimal::new(3333, 2),
                Decimal::new(3334, 2),
                Decimal::ZERO
            ]
        );
    }

    #[test]
    fn leftover_cents_go_to_the_largest_remainders() {
        let p = ProjectId::new();
        // 1.00 split 50/50 of 0.01: 0.005 each; one cent, to the first.
        let parts = split(Decimal::new(1, 2), &[pct(p, "50"), pct(p, "50")], 2).expect("fits");
        assert_eq!(parts, [Decimal::new(1, 2), Decimal::ZERO, Decimal::ZERO]);
        // Amounts are taken as given, the rest stays unallocated.
        let amount = Allocation {
            project: p,
            amount: Some(Decimal::new(40, 0)),
            percent: None,
        };
        assert_eq!(
            split(Decimal::new(100, 0), &[amount], 2),
            Some(vec![Decimal::new(40, 0), Decimal::new(60, 0)])
        );
    }

    #[test]
    fn a_share_of_the_largest_amount_does_not_overflow() {
        let p = ProjectId::new();
        let parts = split(super::super::exact::MAX, &[pct(p, "50")], 0).expect("fits");
        assert_eq!(
            parts
                .iter()
                .copied()
                .try_fold(Decimal::ZERO, |a, b| a.checked_add(b)),
            Some(super::super::exact::MAX)
        );
        // Amounts that claim twice the largest amount cannot be split.
        let huge = Allocation {
            project: p,
            amount: Some(super::super::exact::MAX),
            percent: None,
        };
        assert_eq!(split(Decimal::ONE, &[huge.clone(), huge], 0), None);
    }
}
