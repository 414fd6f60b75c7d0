//! The core of the rollup benchmark, without Python: total by donor and year,
//! converted at monthly rates, on generated contributions.
//!
//! ```sh
//! cargo bench -p partnercrm --bench rollup            # 1,000,000 contributions
//! cargo bench -p partnercrm --bench rollup -- 200000
//! ```

use std::time::Instant;

use chrono::NaiveDate;
use partnercrm::model::Currency;
use partnercrm::query::rates::RateTable;
use partnercrm::query::rollup::{Dimension, rollup};
use partnercrm::query::tables::rollup_table;
use partnercrm::synthetic::{Spec, generate};
use rust_decimal::Decimal;

fn main() {
    let size: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let data = generate(&Spec::new(size));
    let usd = Currency::from_code("USD").expect("USD");
    let mut rates = RateTable::new("synthetic monthly", usd);
    for code in [
        "EUR", "GBP", "CHF", "JPY", "CAD", "SEK", "NOK", "AUD", "KWD",
    ] {
        let currency = Currency::from_code(code).expect("code");
        for year in 1999..=2027 {
            for month in 1..=12 {
                let day = NaiveDate::from_ymd_opt(year, month, 1).expect("day");
                rates
                    .insert(currency, day, Decimal::new(1_100 + i64::from(month), 3))
                    .expect("a positive rate");
            }
        }
    }
    for dims in [
        vec![],
        vec![Dimension::Year],
        vec![Dimension::Donor, Dimension::Year],
    ] {
        let mut best = f64::INFINITY;
        let mut rows = 0;
        for _ in 0..3 {
            let started = Instant::now();
            let result = rollup(&data, &dims, Some(&rates)).expect("rolls up");
            let table = rollup_table(&result).expect("table");
            rows = table.num_rows();
            best = best.min(started.elapsed().as_secs_f64());
        }
        let names: Vec<&str> = dims.iter().map(|d| d.as_str()).collect();
        println!(
            "rollup by [{}] of {size} contributions: {best:.3} s, {rows} rows",
            names.join(", ")
        );
    }
}
