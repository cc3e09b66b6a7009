//! Wire protocol of the Sogni Supernet: frame envelope and message names.

pub mod envelope;
pub mod events;
pub mod provenance;
