//! Interchange: reading and writing data sets in outside formats.

pub mod json;
