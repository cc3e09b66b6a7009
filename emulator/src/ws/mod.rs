//! The WebSocket on the socket host.

pub mod connection;
pub mod registry;
pub mod stamps;
