//! Questions asked of a data set.

pub mod agreements;
pub mod groups;
pub mod outcomes;
pub mod portfolio;
pub mod rates;
pub mod report;
pub mod rollup;
pub mod tables;
