//! Questions asked of a data set.

pub mod agreements;
pub mod duplicates;
pub mod groups;
pub mod network;
pub mod outcomes;
pub mod portfolio;
pub mod pushdown;
pub mod rates;
pub mod report;
pub mod report_html;
pub mod rollup;
pub mod tables;
