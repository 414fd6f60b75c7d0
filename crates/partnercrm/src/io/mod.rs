//! Interchange: reading and writing data sets in outside formats.

pub mod csv;
pub mod iati;
pub mod json;
