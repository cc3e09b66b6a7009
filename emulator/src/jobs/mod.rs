//! Projects and their emulated render jobs.

pub mod assets;
pub mod project;
pub mod request;
pub mod runner;
