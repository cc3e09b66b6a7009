//! Model catalog as the client sees it: the model list, tiers and the options derived from them.

pub mod available;
pub mod tiers;

pub use tiers::{ModelInfo, ModelOptions};
