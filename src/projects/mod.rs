//! Media projects: parameters, the `jobRequest` they become, and the project/job state machines.
