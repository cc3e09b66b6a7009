//! `cargo xtask` — the project's one entry point.
//!
//! ```text
//! cargo xtask demo          build, start the emulator, serve www/ on http://127.0.0.1:8787
//! cargo xtask e2e           the demo page in headless Chromium (Playwright)
//! cargo xtask test          every check and test (what CI runs)
//! cargo xtask emulator ARGS run the local Supernet (sogni-emulator --help)
//! cargo xtask conformance   the official SDK against the emulator
//! ```
//!
//! Every command installs what it needs and is missing: the wasm32 target, the pinned
//! wasm-bindgen CLI, the npm packages of the JS test folders (from their lockfiles).

mod bench;
mod demo;
mod emulator;
mod pkg;
mod soak;
mod tools;

use std::process::ExitCode;
use std::time::Instant;

const HELP: &str = "\
usage: cargo xtask <command>

  demo              build, start the emulator and serve the demo on http://127.0.0.1:8787
  test [STEP…]      fmt, clippy, native tests, wasm tests (Node, Chromium), pkg,
                    JS tests (Node 22, workerd), conformance on both SDKs, e2e (CI);
                    with STEPs, only the steps whose name contains one of them
  emulator [ARGS]   run the local Supernet in the foreground (ARGS go to sogni-emulator)
  conformance [--sdk official|wasm|both] [F]
                    the conformance scenarios against the emulator, with the official
                    @sogni-ai/sogni-client and/or sogni-wasm's pkg/ (F: file name filter)
  js                the Node 22 tests in tests/js against the emulator
  e2e               the demo page in headless Chromium (Playwright, tests/e2e)
  pkg               build the npm package in pkg/ (wasm-bindgen + wasm-opt -Oz)
  size [--no-build]  sizes of pkg/ (.wasm + JS glue): raw, gzip, brotli
  bench [--quick] [--only PARTS] [--update-size-budget]
                    both SDKs side by side against the emulator: size, Node and browser
                    cold start, event throughput, result latency, memory (bench/RESULTS.md)
  fuzz [--iterations N] [--seed S]
                    the core's decoders and validators on random input (release build;
                    default 10,000,000 executions)
  soak [--sdk wasm|official|both] [--projects N]
                    fault-injection tests, then ≥ 1,000 jobs under ≥ 100 injected faults on
                    both SDKs side by side (tests/soak/results/soak.md)
  setup             install the toolchain pieces and npm packages only";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((cmd, rest)) = args.split_first() else {
        println!("{HELP}");
        return ExitCode::SUCCESS;
    };
    let result = match cmd.as_str() {
        "demo" => demo::run(rest),
        "test" => test(rest),
        "emulator" => emulator::run_foreground(rest),
        "conformance" => tools::setup_npm().and_then(|()| conformance(rest)),
        "js" => tools::setup_npm().and_then(|()| js_tests()),
        "e2e" => tools::setup_npm().and_then(|()| demo::e2e()),
        "setup" => tools::setup_all(),
        "pkg" => pkg::build(),
        "size" => size(rest),
        "bench" => bench::run(rest),
        "fuzz" => fuzz(rest),
        "soak" => tools::setup_npm().and_then(|()| soak::run(rest)),
        "help" | "-h" | "--help" => {
            println!("{HELP}");
            Ok(())
        }
        other => Err(format!("unknown command {other}\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Which SDK the conformance scenarios import.
#[derive(Clone, Copy)]
enum Sdk {
    Official,
    Wasm,
}

/// The conformance scenarios against a fresh emulator, with the official SDK and/or ours.
/// `args`: optional `--sdk official|wasm|both` (default both) and a scenario filter.
fn conformance(args: &[String]) -> Result<(), String> {
    let (sdks, filter): (Vec<Sdk>, Vec<String>) = match args {
        [flag, which, rest @ ..] if flag == "--sdk" => {
            let sdks = match which.as_str() {
                "official" => vec![Sdk::Official],
                "wasm" => vec![Sdk::Wasm],
                "both" => vec![Sdk::Official, Sdk::Wasm],
                other => return Err(format!("--sdk takes official|wasm|both, not {other}")),
            };
            (sdks, rest.to_vec())
        }
        rest => (vec![Sdk::Official, Sdk::Wasm], rest.to_vec()),
    };
    if sdks.iter().any(|s| matches!(s, Sdk::Wasm)) && !tools::root().join("pkg/node.js").exists() {
        pkg::build()?;
    }
    let emu = emulator::Running::start(&["--quiet"])?;
    let dir = tools::root().join("tests/conformance");
    let node = tools::node22()?;
    let mut failures = Vec::new();
    for sdk in &sdks {
        let mut cmd = std::process::Command::new(&node);
        cmd.current_dir(&dir)
            .arg("run.mjs")
            .args(&filter)
            .env("SOGNI_REST_ENDPOINT", &emu.rest)
            .env("SOGNI_SOCKET_ENDPOINT", &emu.socket);
        let name = match sdk {
            Sdk::Official => "official @sogni-ai/sogni-client",
            Sdk::Wasm => {
                let url = format!("file://{}", tools::root().join("pkg/node.js").display());
                cmd.env("SDK_MODULE", url);
                "sogni-wasm (pkg/)"
            }
        };
        eprintln!("\n--- conformance: {name}");
        if let Err(e) = tools::run(&mut cmd) {
            failures.push(format!("{name}: {e}"));
        }
    }
    // Both SDKs side by side: the same video/audio params through the same emulator must
    // produce equal jobRequests (or the same refusal before the wire).
    let both = sdks.len() == 2;
    if both
        && (filter.is_empty()
            || filter
                .iter()
                .any(|f| "compare-requests".contains(f.as_str())))
    {
        eprintln!("\n--- conformance: jobRequest comparison, official vs sogni-wasm");
        let url = format!("file://{}", tools::root().join("pkg/node.js").display());
        let report = dir.join("results/compare-requests.md");
        let mut cmd = std::process::Command::new(&node);
        cmd.current_dir(&dir)
            .arg("compare-requests.mjs")
            .arg("--markdown")
            .arg(&report)
            .env("SOGNI_REST_ENDPOINT", &emu.rest)
            .env("SOGNI_SOCKET_ENDPOINT", &emu.socket)
            .env("WASM_SDK_MODULE", url);
        if let Err(e) = tools::run(&mut cmd) {
            failures.push(format!("jobRequest comparison: {e}"));
        }
    }
    drop(emu);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}

/// Runs `node22 ARGS` in `tests/DIR` against a fresh emulator (URLs in the environment).
fn node_against_emulator(dir: &str, args: &[&str]) -> Result<(), String> {
    let emu = emulator::Running::start(&["--quiet"])?;
    let mut cmd = std::process::Command::new(tools::node22()?);
    cmd.current_dir(tools::root().join("tests").join(dir))
        .args(args)
        .env("SOGNI_REST_ENDPOINT", &emu.rest)
        .env("SOGNI_SOCKET_ENDPOINT", &emu.socket);
    let result = tools::run(&mut cmd);
    drop(emu);
    result
}

/// The JS tests in tests/js (Node 22's test runner) against a fresh emulator.
fn js_tests() -> Result<(), String> {
    node_against_emulator("js", &["--test"])
}

/// `cargo xtask size`: builds pkg/ (unless `--no-build`) and prints its sizes, then the
/// same for a build without the `wallet` feature, so the feature's cost is visible.
fn size(args: &[String]) -> Result<(), String> {
    let root = tools::root();
    if !args.iter().any(|a| a == "--no-build") {
        pkg::build()?;
    }
    let node = tools::node22()?;
    let script = root.join("tests/js/size.mjs");
    println!("\npkg/ (default features: wallet)");
    tools::run(
        std::process::Command::new(&node)
            .arg(&script)
            .arg(root.join("pkg")),
    )?;
    let lean = root.join("target/pkg-no-wallet");
    pkg::build_into(&lean, &["--no-default-features"])?;
    println!("\nwithout the wallet feature (no username/password login)");
    tools::run(
        std::process::Command::new(&node)
            .arg(&script)
            .arg(&lean)
            .arg("--wasm-only"),
    )
}

/// wasm-bindgen tests (`tests/wasm_*.rs`) in Node 22 or headless Chromium against a fresh
/// emulator; the emulator URL is compiled in through `SOGNI_EMULATOR_URL`.
fn wasm_tests(browser: bool) -> Result<(), String> {
    let emu = emulator::Running::start(&["--quiet"])?;
    let root = tools::root();
    let node_bin = root.join("tests/js/node_modules/.bin");
    let path = format!(
        "{}:{}",
        node_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let test = if browser { "wasm_browser" } else { "wasm_node" };
    let mut cmd = std::process::Command::new(cargo);
    cmd.current_dir(&root)
        .args([
            "test",
            "-p",
            "sogni-wasm",
            "--target",
            "wasm32-unknown-unknown",
            "--test",
            test,
        ])
        .env("SOGNI_EMULATOR_URL", &emu.rest)
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("PATH", path);
    if browser {
        cmd.env("CHROMEDRIVER", "/usr/bin/chromedriver");
    }
    let result = tools::run(&mut cmd);
    drop(emu);
    result
}

/// The packed SDK inside workerd (Cloudflare Workers' runtime) against a fresh emulator.
fn workerd_tests() -> Result<(), String> {
    node_against_emulator("workerd", &["run.mjs"])
}

/// `cargo xtask fuzz`: the stable fuzz harness (`examples/fuzz.rs`) in a release build.
fn fuzz(args: &[String]) -> Result<(), String> {
    let mut cargo_args = vec!["run", "--release", "--quiet", "--example", "fuzz", "--"];
    if !args.iter().any(|a| a == "--iterations") {
        cargo_args.extend(["--iterations", "10000000"]);
    }
    cargo_args.extend(args.iter().map(String::as_str));
    tools::cargo(&cargo_args)
}

/// Everything CI checks, in order, stopping at the first failure. With arguments, only the
/// steps whose name contains one of them (e.g. `cargo xtask test wasm js`).
fn test(only: &[String]) -> Result<(), String> {
    let started = Instant::now();
    type Step = fn() -> Result<(), String>;
    let steps: [(&str, Step); 16] = [
        ("setup", tools::setup_all),
        ("fmt", || tools::cargo(&["fmt", "--all", "--", "--check"])),
        ("clippy", || {
            tools::cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])
        }),
        ("clippy wasm", || {
            tools::cargo(&[
                "clippy",
                "-p",
                "sogni-wasm",
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])
        }),
        ("native tests", || tools::cargo(&["test", "--workspace"])),
        ("fuzz (short)", || {
            tools::cargo(&[
                "run",
                "--quiet",
                "--example",
                "fuzz",
                "--",
                "--iterations",
                "100000",
            ])
        }),
        ("wasm tests (node)", || wasm_tests(false)),
        ("wasm tests (chromium)", || wasm_tests(true)),
        ("pkg", pkg::build),
        ("size budget", bench::size_check),
        ("types", || {
            let dir = tools::root().join("tests/js");
            tools::run(
                std::process::Command::new(tools::node22()?)
                    .current_dir(&dir)
                    .args(["node_modules/typescript/bin/tsc", "-p", "types"]),
            )
        }),
        ("js tests", js_tests),
        ("workerd", workerd_tests),
        ("conformance", || conformance(&[])),
        ("soak", || soak::run(&[])),
        ("e2e", demo::e2e),
    ];
    let chosen: Vec<&(&str, Step)> = steps
        .iter()
        .filter(|(name, _)| only.is_empty() || only.iter().any(|o| name.contains(o.as_str())))
        .collect();
    for (name, step) in &chosen {
        let t = Instant::now();
        eprintln!("\n==> xtask test: {name}");
        step().map_err(|e| format!("step `{name}` failed: {e}"))?;
        eprintln!("<== {name} ok ({:.1} s)", t.elapsed().as_secs_f64());
    }
    eprintln!(
        "\nxtask test: all {} steps passed in {:.1} s",
        chosen.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
