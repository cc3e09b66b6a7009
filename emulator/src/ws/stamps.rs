//! Opt-in send-time stamps for `cargo xtask bench` (the result-overhead latency figure).
//!
//! With `SOGNI_EMULATOR_STAMPS=FILE` in the emulator's environment, every frame about a
//! project (its data carries a `jobID`) appends one JSON line to FILE as it is queued to the
//! connection's writer: `{"t":µs since the Unix epoch,"kind":…,"jobID":…,"imgID":…,"type":…}`.
//! Without the variable this is one `OnceLock` read per frame and nothing is written.

use serde_json::{json, Value};
use std::fs::File;
use std::io::Write as _;
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

static SINK: OnceLock<Option<Mutex<File>>> = OnceLock::new();

fn open() -> Option<Mutex<File>> {
    let path = std::env::var_os("SOGNI_EMULATOR_STAMPS")?;
    match File::options().create(true).append(true).open(&path) {
        Ok(file) => Some(Mutex::new(file)),
        Err(e) => {
            eprintln!("sogni-emulator: cannot open SOGNI_EMULATOR_STAMPS file: {e}");
            None
        }
    }
}

/// Records that a `kind` frame with `data` is being sent now (when stamping is on).
pub fn stamp(kind: &str, data: &Value) {
    let Some(sink) = SINK.get_or_init(open) else {
        return;
    };
    let Some(job_id) = data.get("jobID") else {
        return;
    };
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64);
    let line = json!({"t": t, "kind": kind, "jobID": job_id,
                      "imgID": data.get("imgID"), "type": data.get("type")});
    if let Ok(mut file) = sink.lock() {
        let _ = writeln!(file, "{line}");
    }
}
