//! Questions asked of a data set.

pub mod rates;
pub mod report;
pub mod rollup;
pub mod tables;
