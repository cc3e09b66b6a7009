//! Media projects: parameters, the `jobRequest` they become, and the project/job state machines.

pub mod estimate;
pub mod feed;
pub mod job;
pub(crate) mod js;
pub mod media;
pub mod params;
pub mod request;
pub mod rules;
pub mod sam3;
pub mod state;

#[cfg(test)]
mod tests;
