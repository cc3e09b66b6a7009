//! `cargo xtask soak`: the fault-injection tests and the soak (tests/soak) against an
//! emulator with millisecond timings (tests/soak/emulator.json), both SDKs side by side.

use crate::{emulator, pkg, tools};

/// Runs `tests/soak/faults.test.mjs` (sogni-wasm under single faults), then
/// `tests/soak/run.mjs` (the soak on both SDKs; fails unless sogni-wasm loses nothing).
/// `args` go to run.mjs (e.g. `--sdk wasm`, `--projects 60`).
pub fn run(args: &[String]) -> Result<(), String> {
    let root = tools::root();
    if !root.join("pkg/node.js").exists() {
        pkg::build()?;
    }
    let dir = root.join("tests/soak");
    let config = dir.join("emulator.json");
    let config = config.to_str().ok_or("the repository path is not UTF-8")?;
    let emu = emulator::Running::start(&["--quiet", "--config", config])?;
    let node = tools::node22()?;
    let with_emulator = |cmd: &mut std::process::Command| {
        cmd.current_dir(&dir)
            .env("SOGNI_REST_ENDPOINT", &emu.rest)
            .env("SOGNI_SOCKET_ENDPOINT", &emu.socket);
    };
    let mut faults = std::process::Command::new(&node);
    faults.args(["--test", "faults.test.mjs"]);
    with_emulator(&mut faults);
    tools::run(&mut faults)?;
    let mut soak = std::process::Command::new(&node);
    soak.arg("run.mjs").args(args);
    with_emulator(&mut soak);
    let result = tools::run(&mut soak);
    drop(emu);
    result
}
