//! Wire protocol of the Sogni Supernet: frame envelope and message names.

pub mod base64;
pub mod envelope;
pub mod events;
pub mod provenance;
