//! Questions asked of a data set.

pub mod report;
