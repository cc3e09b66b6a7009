//! Minimal stderr logging (the emulator prints its URLs on stdout, notes on stderr).

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Silences [`warn`] and [`info`] (for tests that provoke errors on purpose).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Logs a problem the emulator recovered from.
pub fn warn(message: &str) {
    if !QUIET.load(Ordering::Relaxed) {
        eprintln!("[sogni-emulator] warn: {message}");
    }
}

/// Logs a notable event.
pub fn info(message: &str) {
    if !QUIET.load(Ordering::Relaxed) {
        eprintln!("[sogni-emulator] {message}");
    }
}
