//! Questions asked of a data set.

pub mod report;
pub mod tables;
