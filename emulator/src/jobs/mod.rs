//! Projects and their emulated render jobs.

pub mod project;
pub mod request;
pub mod runner;
