//! Rules for indicators: values that fit the measure and the value columns
//! (at most [`VALUE_DECIMALS`] decimals), and sums that cannot count one
//! period twice.

use rust_decimal::Decimal;

use super::{Checker, Code, Index, Path};
use crate::model::exact::VALUE_DECIMALS;
use crate::model::{Aggregation, Dataset, Indicator, Measure, Observation};

pub(super) fn check(data: &Dataset, index: &Index, out: &mut Checker) {
    for (i, indicator) in data.indicators.iter().enumerate() {
        let path = || Path::root("indicators").index(i);
        out.reference(
            || path().field("project"),
            &indicator.project,
            &index.projects,
            "project",
        );
        out.text(|| path().field("title"), &indicator.title, "the title");
        out.text(|| path().field("unit"), &indicator.unit, "the unit");

        if indicator.aggregation == Aggregation::Sum && !indicator.measure.is_quantity() {
            out.error(
                path().field("aggregation"),
                Code::IndicatorSumOfNonQuantities,
                format!(
                    "a {} indicator's values are not quantities, so they do not add up: \
                     aggregate it by latest or max",
                    crate::model::Named::as_str(&indicator.measure)
                ),
            );
        }
        if let Some(baseline) = &indicator.baseline {
            observation(indicator, baseline, path().field("baseline"), out);
        }
        for (field, values) in [
            ("targets", &indicator.targets),
            ("actuals", &indicator.actuals),
        ] {
            for (v, value) in values.iter().enumerate() {
                observation(indicator, value, path().field(field).index(v), out);
            }
            if indicator.aggregation == Aggregation::Sum {
                for (v, value) in values.iter().enumerate() {
                    if let Some(earlier) = values[..v]
                        .iter()
                        .position(|e| e.period.certainly_overlaps(&value.period))
                    {
                        out.error(
                            path().field(field).index(v).field("period"),
                            Code::OverlappingPeriods,
                            format!(
                                "overlaps {field}[{earlier}] ({} and {}); a summed indicator would count the overlap twice",
                                values[earlier].period, value.period
                            ),
                        );
                    }
                }
            }
        }
    }
}

fn observation(indicator: &Indicator, value: &Observation, path: Path, out: &mut Checker) {
    out.period(|| path.field("period"), &value.period);
    let at = path.field("value");
    let Some(number) = value.value else {
        if value.comment.as_deref().is_none_or(|c| c.trim().is_empty()) {
            out.error(
                at,
                Code::IndicatorNoValue,
                "the value has neither a number nor a comment that says it",
            );
        }
        return;
    };
    if number < Decimal::ZERO && indicator.measure.is_quantity() {
        out.error(
            at.clone(),
            Code::NegativeValue,
            format!("{number} is negative"),
        );
    }
    if number.normalize().scale() > VALUE_DECIMALS {
        out.error(
            at.clone(),
            Code::IndicatorTooManyDecimals,
            format!(
                "{number} has more than {VALUE_DECIMALS} decimals, all that partnercrm keeps of a value"
            ),
        );
    }
    match indicator.measure {
        Measure::Percentage if number > Decimal::ONE_HUNDRED => {
            out.error(
                at,
                Code::PercentageOutOfRange,
                format!("{number} is above 100 percent"),
            );
        }
        Measure::Count if !number.fract().is_zero() => {
            out.warning(
                at,
                Code::FractionalCount,
                format!("{number} is not a whole number of {}", indicator.unit),
            );
        }
        _ => {}
    }
}
