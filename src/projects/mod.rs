//! Media projects: parameters, the `jobRequest` they become, and the project/job state machines.

pub mod audio;
pub mod enhance;
pub mod estimate;
pub mod feed;
pub mod fields;
pub mod job;
pub(crate) mod js;
pub mod media;
pub mod params;
pub mod recovered;
pub mod recovery;
pub mod request;
pub mod rules;
pub mod sam3;
pub mod state;
pub mod video;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod video_audio_tests;
