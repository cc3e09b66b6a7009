//! Finding and installing the tools the tasks need, and running commands.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Runs a command with inherited stdio; an error names the command and its exit status.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} exited with {status}"))
    }
}

/// Runs a command and returns its stdout, or None if it cannot run or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `cargo ARGS` in the workspace root.
pub fn cargo(args: &[&str]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(cargo).current_dir(root()).args(args))
}

/// The wasm-bindgen version pinned (`=X.Y.Z`) in the root Cargo.toml.
pub fn pinned_wasm_bindgen() -> Result<String, String> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).map_err(|e| e.to_string())?;
    manifest
        .lines()
        .find_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("wasm-bindgen = \"=")?;
            Some(rest.trim_end_matches('"').to_string())
        })
        .ok_or_else(|| "Cargo.toml pins no `wasm-bindgen = \"=X\"`".into())
}

/// Adds the wasm32 target when rustup lacks it.
pub fn ensure_wasm_target() -> Result<(), String> {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    eprintln!("xtask: installing the wasm32-unknown-unknown target");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// Installs wasm-bindgen-cli at the pinned version when the one on PATH differs.
pub fn ensure_wasm_bindgen() -> Result<(), String> {
    let want = pinned_wasm_bindgen()?;
    let have = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(want.as_str()) {
        return Ok(());
    }
    eprintln!("xtask: installing wasm-bindgen-cli {want} (takes a few minutes, once per machine)");
    // Not `--locked`: the CLI's lockfile pins a crate version the registry no longer offers.
    run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &want]))
}

/// Installs the npm packages of a test folder from its lockfile when they are missing or stale.
pub fn ensure_npm(dir: &Path) -> Result<(), String> {
    let lock = dir.join("package-lock.json");
    let marker = dir.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&marker)) {
        (Ok(l), Ok(m)) => match (l.modified(), m.modified()) {
            (Ok(l), Ok(m)) => m >= l,
            _ => false,
        },
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    let verb = if lock.exists() { "ci" } else { "install" };
    eprintln!("xtask: npm {verb} in {}", dir.display());
    run(Command::new("npm").current_dir(dir).args([
        verb,
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
    ]))
}

/// npm packages of every JS test folder (`tests/js` also brings Node 22) and of `bench/`.
pub fn setup_npm() -> Result<(), String> {
    ensure_npm(&root().join("tests/js"))?;
    ensure_npm(&root().join("tests/conformance"))?;
    ensure_npm(&root().join("tests/workerd"))?;
    ensure_npm(&root().join("bench"))
}

/// Debian's Chromium and ChromeDriver for the browser tests (installed with apt when root).
pub fn ensure_chromium() -> Result<(), String> {
    let have = |bin: &str| Path::new(bin).exists();
    if have("/usr/bin/chromium") && have("/usr/bin/chromedriver") {
        return Ok(());
    }
    let root_user = output(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0");
    if !root_user {
        return Err(
            "Chromium is missing: run `sudo apt-get install chromium chromium-driver`".into(),
        );
    }
    eprintln!("xtask: installing Debian chromium and chromium-driver");
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "chromium", "chromium-driver"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Everything: wasm target, wasm-bindgen CLI, npm packages, Chromium.
pub fn setup_all() -> Result<(), String> {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    setup_npm()?;
    ensure_chromium()
}

/// The Node 22 binary installed by the `node` npm package in tests/js.
pub fn node22() -> Result<PathBuf, String> {
    let node = root().join("tests/js/node_modules/.bin/node");
    let version = output(Command::new(&node).arg("--version")).unwrap_or_default();
    if version.starts_with("v22.") || version.starts_with("v23.") || version.starts_with("v24.") {
        Ok(node)
    } else {
        Err(format!(
            "Node >= 22 not found at {} (got {version:?}); run `cargo xtask setup`",
            node.display()
        ))
    }
}
