//! Rules for contributions: money, dates, and pledges against their payments.

use rust_decimal::Decimal;

use super::{Checker, Code, Index, Path};
use crate::model::exact::{self, MONEY_DECIMALS, VALUE_DECIMALS};
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
        if let Some(pledged) = money
            && comparable
            && paid > pledged.amount
        {
            out.error(
                path().field("payments"),
                Code::PledgeOverpaid,
                format!(
                    "payments total {} {paid}, more than the pledge of {pledged}",
                    pledged.currency
                ),
            );
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
    let decimals = money.map_or(MONEY_DECIMALS, |m| m.decimals_allowed());
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
                if amount <= Decimal::ZERO {
                    out.error(
                        at().field("amount"),
                        Code::AllocationShare,
                        format!("allocated amount {amount} is not positive"),
                    );
                }
                if money.is_none() {
                    out.error(at().field("amount"), Code::AllocationShare, "an amount cannot be allocated from a contribution of unknown value; use a percent");
                }
                if amount.normalize().scale() > decimals {
                    match money {
                        Some(m) => out.too_many_decimals(
                            at().field("amount"),
                            amount,
                            m.currency,
                            decimals,
                        ),
                        None => out.error(
                            at().field("amount"),
                            Code::MoneyTooManyDecimals,
                            format!("allocated amount {amount} has more than {decimals} decimals"),
                        ),
                    }
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
    if amounts > Decimal::ZERO && percents > Decimal::ZERO {
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
        && amounts > money.amount
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
