//! Building and starting the emulator.

use crate::tools::{self, root};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Builds the emulator (release) and returns its binary.
pub fn build() -> Result<std::path::PathBuf, String> {
    tools::cargo(&["build", "--release", "--quiet", "-p", "sogni-emulator"])?;
    Ok(root().join("target/release/sogni-emulator"))
}

/// `cargo xtask emulator ARGS`: runs it in the foreground.
pub fn run_foreground(args: &[String]) -> Result<(), String> {
    let bin = build()?;
    let args = args.strip_prefix(&["--".to_string()]).unwrap_or(args);
    tools::run(Command::new(bin).args(args))
}

/// An emulator child process, killed on drop.
pub struct Running {
    child: Child,
    /// The API host (`restEndpoint`).
    pub rest: String,
    /// The socket host (`socketEndpoint`).
    pub socket: String,
}

impl Running {
    /// Builds and starts an emulator on a free loopback port; waits for its URL line.
    pub fn start(args: &[&str]) -> Result<Self, String> {
        let bin = build()?;
        let mut child = Command::new(bin)
            .args(["--port", "0", "--exit-with-stdin"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the emulator: {e}"))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines
            .next()
            .and_then(Result::ok)
            .ok_or("the emulator exited before printing its URLs")?;
        let json = first
            .strip_prefix("SOGNI_EMULATOR ")
            .ok_or_else(|| format!("unexpected first line from the emulator: {first}"))?;
        let field = |name: &str| -> Result<String, String> {
            let key = format!("\"{name}\":\"");
            let start = json.find(&key).ok_or(format!("no {name} in {json}"))? + key.len();
            let end = json[start..]
                .find('"')
                .ok_or(format!("bad {name} in {json}"))?
                + start;
            Ok(json[start..end].to_string())
        };
        let (rest, socket) = (field("rest")?, field("socket")?);
        // Keep draining stdout so the emulator never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Self {
            child,
            rest,
            socket,
        })
    }

    /// Waits for the emulator to exit (for `demo`, which runs until Ctrl-C).
    pub fn wait(&mut self) {
        // `Child::wait` closes stdin first, which would stop an `--exit-with-stdin` emulator.
        let _stdin = self.child.stdin.take();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
