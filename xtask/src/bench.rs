//! `cargo xtask bench`: sogni-wasm and the official SDK side by side (bench/run.mjs), and the
//! size check of `cargo xtask test` (bench/size-check.mjs against bench/size-budget.json).
//!
//! The bench builds what it measures — `pkg/`, the same package without default features, the
//! release emulator, and a copy of pkg/'s `.wasm` optimised with names kept (for twiggy) — then
//! runs the JS harness in Node 22. Results go to `bench/results/` (git-ignored) and
//! `bench/RESULTS.md`.

use crate::tools::{self, root};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const USAGE: &str = "\
usage: cargo xtask bench [--quick] [--only PARTS] [--no-build] [--update-size-budget]
  --quick               fewer repetitions (a smoke run; bench/RESULTS.md is left alone)
  --only PARTS          comma-separated: size,cold,browser,throughput,latency,memory
  --no-build            measure pkg/ and the emulator as they are
  --update-size-budget  only rewrite bench/size-budget.json from pkg/ (today's size + 2%)";

/// `cargo xtask bench ARGS`.
pub fn run(args: &[String]) -> Result<(), String> {
    let started = Instant::now();
    let mut js_args: Vec<String> = Vec::new();
    let mut build = true;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => js_args.push(arg.clone()),
            "--only" => {
                js_args.push(arg.clone());
                js_args.push(it.next().ok_or("--only needs a list")?.clone());
            }
            "--no-build" => build = false,
            "--update-size-budget" => return size_budget(true),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    let root = root();
    let bench = root.join("bench");
    tools::setup_npm()?;
    if let Err(e) = tools::ensure_chromium() {
        eprintln!("xtask bench: {e} — the browser figures will be skipped");
    }
    let lean = root.join("target/pkg-no-wallet");
    if build || !root.join("pkg/node.js").exists() {
        crate::pkg::build()?;
    }
    if build || !lean.join("sogni_wasm_bg.wasm").exists() {
        crate::pkg::build_into(&lean, &["--no-default-features"])?;
    }
    let emulator = crate::emulator::build()?;
    // Measure a snapshot: other work may rebuild pkg/ while the bench runs.
    let work = root.join("target/bench");
    let snapshot = work.join("pkg");
    snapshot_pkg(&root.join("pkg"), &snapshot)?;
    let named = named_wasm(&work);
    if let Err(e) = &named {
        eprintln!("xtask bench: no named .wasm for twiggy ({e}); the size breakdown is skipped");
    }
    let variants = format!(
        "{{\"no default features (no wallet)\":\"{}\"}}",
        lean.display()
    );
    let mut cmd = Command::new(tools::node22()?);
    cmd.current_dir(&bench)
        .arg("run.mjs")
        .args(&js_args)
        .env("BENCH_EMULATOR", &emulator)
        .env("BENCH_PKG", &snapshot)
        .env("BENCH_VARIANTS", variants)
        .env(
            "BENCH_WASM_NAMED",
            named.map(|p| p.display().to_string()).unwrap_or_default(),
        );
    tools::run(&mut cmd)?;
    eprintln!(
        "xtask bench: done in {:.0} s (builds included)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// pkg/'s module as cargo built it, through wasm-bindgen and `wasm-opt -Oz -g`: the shipped
/// code with its function names, for twiggy.
fn named_wasm(work: &Path) -> Result<std::path::PathBuf, String> {
    let input = root().join("target/wasm32-unknown-unknown/wasm/sogni_wasm.wasm");
    let out = work.join("named");
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| e.to_string())?;
    }
    tools::run(
        Command::new("wasm-bindgen")
            .arg(&input)
            .args([
                "--target",
                "web",
                "--weak-refs",
                "--out-name",
                "sogni_wasm",
                "--out-dir",
            ])
            .arg(&out),
    )?;
    let bg = out.join("sogni_wasm_bg.wasm");
    let named = out.join("sogni_wasm.named.wasm");
    tools::run(
        Command::new(root().join("tests/js/node_modules/.bin/wasm-opt"))
            .arg(&bg)
            .args(["-Oz", "-g", "-o"])
            .arg(&named),
    )?;
    Ok(named)
}

/// Copies pkg/ once it is complete and did not change during the copy (another engineer's
/// `cargo xtask pkg` clears and rewrites it).
fn snapshot_pkg(from: &Path, to: &Path) -> Result<(), String> {
    let complete = |dir: &Path| {
        [
            "node.js",
            "browser.js",
            "sogni_wasm.js",
            "sogni_wasm_bg.wasm",
        ]
        .iter()
        .all(|f| dir.join(f).exists())
    };
    for _ in 0..40 {
        let before = listing(from);
        if complete(from) && copy_dir(from, to).is_ok() && listing(from) == before && complete(to) {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_secs(3));
    }
    Err("pkg/ kept changing for 2 minutes (another build running?)".into())
}

/// (path, length, modification time) of every file under `dir`.
fn listing(dir: &Path) -> Vec<(std::path::PathBuf, u64, Option<std::time::SystemTime>)> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.metadata() {
                Ok(m) if m.is_dir() => out.extend(listing(&path)),
                Ok(m) => out.push((path, m.len(), m.modified().ok())),
                Err(_) => {}
            }
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(|e| format!("cannot clear {}: {e}", to.display()))?;
    }
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| format!("cannot copy {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// The size check of `cargo xtask test`: pkg/'s brotli total must not exceed the committed
/// baseline in bench/size-budget.json (+ its slack); prints the 60 KB goal beside it.
pub fn size_check() -> Result<(), String> {
    size_budget(false)
}

fn size_budget(update: bool) -> Result<(), String> {
    let root = root();
    if !root.join("pkg/sogni_wasm_bg.wasm").exists() {
        crate::pkg::build()?;
    }
    let mut cmd = Command::new(tools::node22()?);
    cmd.current_dir(root.join("bench"))
        .arg("size-check.mjs")
        .arg(root.join("pkg"));
    if update {
        cmd.arg("--update");
    }
    tools::run(&mut cmd)
}
