//! # sogni-emulator
//!
//! A local Sogni Supernet for tests and offline development. It speaks the real wire
//! protocol on loopback: REST on the API host, REST + WebSocket on the socket host and
//! presigned-style upload/download storage, all on one port, and renders small but real
//! media.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod accounts;
pub mod catalog;
pub mod chat;
pub mod config;
pub mod faults;
pub mod http;
pub mod jobs;
pub mod log;
pub mod render;
pub mod request_log;
pub mod server;
pub mod state;
pub mod storage;
pub mod surface;
pub mod tokens;
pub mod ws;

pub use config::EmulatorConfig;
pub use server::Emulator;
