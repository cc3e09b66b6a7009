//! # sogni-wasm
//!
//! A client SDK for the Sogni Supernet, written in Rust and shipped as WebAssembly.
//!
//! The crate has two layers:
//! - a **pure-Rust core** (this crate's default modules: [`protocol`], [`wallet`]) that
//!   compiles and tests natively with `cargo test`;
//! - a thin **wasm layer** (only on `wasm32`) that binds the JS globals `fetch` and
//!   `WebSocket` and exposes the public JavaScript API.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod attribution;
pub mod auth;
pub mod backoff;
pub mod chat;
pub mod error;
pub mod models;
pub mod projects;
pub mod protocol;
pub mod surface;

pub use error::{Error, Result};
#[cfg(feature = "wallet")]
pub mod wallet;

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub use wasm::*;
