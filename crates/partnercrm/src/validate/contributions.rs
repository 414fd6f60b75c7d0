//! Rules for contributions: money, dates, and pledges against their payments.
//!
//! An amount may have any number of decimals. It must be positive, except
//! that an actual cash or pledge amount may be negative, a reversal
//! ([`Contribution::may_be_negative`](crate::model::Contribution::may_be_negative));
//! no amount may be zero.

use rust_decimal::Decimal;

use super::{Checker, Code, Index, Path};
use crate::model::exact::{self, VALUE_DECIMALS};
use crate::model::{ContributionKind, Dataset};

pub(super) fn check(data: &Dataset, index: &Index, out: &mut Checker) {
    for (i, contribution) in data.contributions.iter().enumerate() {
        let path = || Path::root("contributions").index(i);
        out.reference(
            || path().field("donor"),
            &contribution.donor,
            &index.organisations,
            "organisation",
        );
        out.reference(
            || path().field("recipient"),
            &contribution.recipient,
            &index.organisations,
            "organisation",
        );
        if contribution.donor == contribution.recipient {
            out.error(
                path().field("recipient"),
                Code::SelfDonation,
                "the donor and the recipient are the same organisation",
            );
        }
        if let Some(project) = &contribution.project {
            out.reference(
                || path().field("project"),
                project,
                &index.projects,
                "project",
            );
        }
        if let Some(agreement) = &contribution.agreement {
            out.reference(
                || path().field("agreement"),
                agreement,
                &index.agreements,
                "agreement",
            );
        }

        let money = contribution.value.money();
        match money {
            Some(money) if contribution.may_be_negative() => {
                if money.amount.is_zero() {
                    out.error(
                        path().field("value"),
                        Code::MoneyNotPositive,
                        format!("amount {money} is zero; a reversal is negative, a gift positive"),
                    );
                }
            }
            Some(money) if money.amount.is_sign_negative() && !money.amount.is_zero() => {
                let what = match (contribution.kind, &contribution.value) {
                    (ContributionKind::InKind, _) => "goods given in kind",
                    (ContributionKind::Services, _) => "services",
                    _ => "an estimate",
                };
                out.error(
                    path().field("value"),
                    Code::MoneyNotPositive,
                    format!(
                        "amount {money} is negative; only an actual cash or pledge amount may be \
                         (a reversal), not {what}"
                    ),
                );
            }
            Some(money) => out.money(|| path().field("value"), money),
            None => out.warning(
                path().field("value"),
                Code::AmountUnknown,
                "the amount is unknown",
            ),
        }

        out.period(|| path().field("period"), &contribution.period);
        match (contribution.date, contribution.period.is_open()) {
            (None, true) => out.warning(
                path().field("date"),
                Code::DateMissing,
                "neither a date nor a period is recorded",
            ),
            (Some(date), false) => {
                let period = &contribution.period;
                let outside = period.start.is_some_and(|s| date.is_certainly_before(&s))
                    || period.end.is_some_and(|e| e.is_certainly_before(&date));
                if outside {
                    out.error(
                        path().field("date"),
                        Code::DateOutsidePeriod,
                        format!("dated {date}, outside its period ({period})"),
                    );
                }
            }
            _ => {}
        }

        allocations(contribution, &path, index, out);

        if contribution.kind != ContributionKind::Pledge {
            if !contribution.payments.is_empty() {
                out.error(
                    path().field("payments"),
                    Code::PaymentsWithoutPledge,
                    format!(
                        "a {} contribution has no payments; only pledges do",
                        contribution.kind.label()
                    ),
                );
            }
            continue;
        }
        // `None` once the payments sum beyond exact arithmetic.
        let mut paid = Some(Decimal::ZERO);
        let mut comparable = true;
        for (p, payment) in contribution.payments.iter().enumerate() {
            let at = path().field("payments").index(p);
            out.money(|| at.field("amount"), &payment.amount);
            if let Some(pledged) = money
                && payment.amount.currency != pledged.currency
            {
                comparable = false;
                out.error(
                    at.field("amount"),
                    Code::PaymentCurrency,
                    format!(
                        "paid in {}, but pledged in {}",
                        payment.amount.currency, pledged.currency
                    ),
                );
            }
            if let Some(pledged_on) = contribution.effective_date()
                && payment.date.is_certainly_before(&pledged_on)
            {
                out.error(
                    at.field("date"),
                    Code::PaymentBeforePledge,
                    format!("paid {} before the pledge of {pledged_on}", payment.date),
                );
            }
            paid = paid.and_then(|sum| exact::add(sum, payment.amount.amount));
        }
        let Some(paid) = paid else {
            out.overflow(path().field("payments"), "the payments");
            continue;
        };
        // A pledge cut (negative) has nothing to pay against it: any
        // payment exceeds it, and none is no overpayment.
        if let Some(pledged) = money
            && comparable
            && !contribution.payments.is_empty()
            && paid > pledged.amount
        {
            let message = if pledged.amount.is_sign_negative() {
                format!(
                    "payments total {} {paid}, against a pledge cut by {pledged}: nothing is \
                     paid against a reversal",
                    pledged.currency
                )
            } else {
                format!(
                    "payments total {} {paid}, more than the pledge of {pledged}",
                    pledged.currency
                )
            };
            out.error(path().field("payments"), Code::PledgeOverpaid, message);
        }
    }
}

fn allocations(
    contribution: &crate::model::Contribution,
    path: &impl Fn() -> Path,
    index: &Index,
    out: &mut Checker,
) {
    let allocations = &contribution.allocations;
    if allocations.is_empty() {
        return;
    }
    let money = contribution.value.money();
    // `None` once the shares sum beyond exact arithmetic.
    let mut amounts = Some(Decimal::ZERO);
    let mut percents = Some(Decimal::ZERO);
    // A reversal's allocations take back what the project was given: they
    // are negative, as the whole is.
    let reversal = money.is_some_and(|m| m.amount.is_sign_negative() && !m.amount.is_zero());
    let reported = out.len();
    for (i, allocation) in allocations.iter().enumerate() {
        let at = || path().field("allocations").index(i);
        out.reference(
            || at().field("project"),
            &allocation.project,
            &index.projects,
            "project",
        );
        if allocations[..i]
            .iter()
            .any(|a| a.project == allocation.project)
        {
            out.error(
                at().field("project"),
                Code::AllocationDuplicate,
                "the project already has an allocation; give it one share",
            );
        }
        match (allocation.amount, allocation.percent) {
            (Some(amount), None) => {
                let wrong_sign = if reversal {
                    amount >= Decimal::ZERO
                } else {
                    amount <= Decimal::ZERO
                };
                if wrong_sign {
                    out.error(
                        at().field("amount"),
                        Code::AllocationShare,
                        if reversal {
                            format!(
                                "allocated amount {amount} is not negative, as the reversal it \
                                 is part of is"
                            )
                        } else {
                            format!("allocated amount {amount} is not positive")
                        },
                    );
                }
                if money.is_none() {
                    out.error(at().field("amount"), Code::AllocationShare, "an amount cannot be allocated from a contribution of unknown value; use a percent");
                }
                amounts = amounts.and_then(|sum| exact::add(sum, amount));
            }
            (None, Some(percent)) => {
                if percent <= Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
                    out.error(
                        at().field("percent"),
                        Code::AllocationShare,
                        format!("{percent}% is not above 0 and at most 100"),
                    );
                }
                if percent.normalize().scale() > VALUE_DECIMALS {
                    out.error(
                        at().field("percent"),
                        Code::AllocationShare,
                        format!("{percent}% has more than {VALUE_DECIMALS} decimals"),
                    );
                }
                percents = percents.and_then(|sum| exact::add(sum, percent));
            }
            _ => out.error(
                at(),
                Code::AllocationShare,
                "give either an amount or a percent",
            ),
        }
    }
    // A share already reported as out of range says enough about the whole.
    if out.len() > reported {
        return;
    }
    let (Some(amounts), Some(percents)) = (amounts, percents) else {
        out.overflow(path().field("allocations"), "the allocations");
        return;
    };
    if !amounts.is_zero() && percents > Decimal::ZERO {
        out.error(
            path().field("allocations"),
            Code::AllocationMixed,
            "allocations are all amounts or all percents, not both",
        );
    } else if percents > Decimal::ONE_HUNDRED {
        out.error(
            path().field("allocations"),
            Code::AllocationOverTotal,
            format!("allocations claim {percents}%, more than the whole"),
        );
    } else if let Some(money) = money
        && amounts.abs() > money.amount.abs()
    {
        out.error(
            path().field("allocations"),
            Code::AllocationOverTotal,
            format!(
                "allocations claim {} {amounts}, more than the contribution's {money}",
                money.currency
            ),
        );
    }
}
