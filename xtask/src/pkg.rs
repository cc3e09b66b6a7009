//! `cargo xtask pkg`: builds the npm package in `pkg/`.
//!
//! One `.wasm` (wasm-bindgen `--target web`, then `wasm-opt -Oz` from the npm `binaryen`
//! package; the JS glue minified by the npm `esbuild`) and three tiny entry modules chosen by the `exports` map: `node.js` (compiles the
//! module synchronously from the file), `browser.js` (streams it with `fetch`, bundler-friendly
//! `new URL(…, import.meta.url)`), `workerd.js` (imports the module as Cloudflare Workers do).

use crate::tools::{self, root};
use std::path::Path;
use std::process::Command;

const NAME: &str = "sogni_wasm";

/// Builds `pkg/` from scratch. The package is assembled in a fresh sibling directory and
/// swapped in with two renames, so a test reading `pkg/` meanwhile never sees it half
/// built (only for the instant between the renames is it absent).
pub fn build() -> Result<(), String> {
    let out = root().join("pkg");
    let staging = root().join(format!(".pkg-staging-{}", std::process::id()));
    build_into(&staging, &[])?;
    let snippet = find_runtime_snippet(&staging)?;
    write_entries(&staging, &snippet)?;
    let old = root().join(format!(".pkg-old-{}", std::process::id()));
    if out.exists() {
        std::fs::rename(&out, &old).map_err(|e| format!("cannot move {}: {e}", out.display()))?;
    }
    std::fs::rename(&staging, &out)
        .map_err(|e| format!("cannot move {}: {e}", staging.display()))?;
    let _ = std::fs::remove_dir_all(&old);
    eprintln!("xtask: built {}", out.display());
    Ok(())
}

/// Compiles the SDK with extra cargo arguments (e.g. `--no-default-features`), runs
/// wasm-bindgen and `wasm-opt -Oz` into `out` (cleared first).
pub fn build_into(out: &Path, cargo_extra: &[&str]) -> Result<(), String> {
    tools::ensure_wasm_target()?;
    tools::ensure_wasm_bindgen()?;
    tools::setup_npm()?;
    let target_dir = if cargo_extra.is_empty() {
        root().join("target")
    } else {
        // A variant gets its own target dir so it never clobbers the package's build.
        root()
            .join("target/variants")
            .join(cargo_extra.join("_").replace('-', ""))
    };
    let mut args = vec![
        "build",
        "-p",
        "sogni-wasm",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm",
    ];
    args.extend_from_slice(cargo_extra);
    let target_arg = target_dir.display().to_string();
    args.extend_from_slice(&["--target-dir", &target_arg]);
    tools::cargo(&args)?;
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| format!("cannot clear {}: {e}", out.display()))?;
    }
    let input = target_dir.join("wasm32-unknown-unknown/wasm/sogni_wasm.wasm");
    tools::run(
        Command::new("wasm-bindgen")
            .arg(&input)
            .args([
                "--target",
                "web",
                "--weak-refs",
                "--typescript",
                "--out-name",
                NAME,
                "--out-dir",
            ])
            .arg(out),
    )?;
    let wasm = out.join(format!("{NAME}_bg.wasm"));
    let wasm_opt = root().join("tests/js/node_modules/.bin/wasm-opt");
    tools::run(
        Command::new(wasm_opt)
            .arg(&wasm)
            .args(["-Oz", "-o"])
            .arg(&wasm),
    )?;
    minify_glue(out)
}

/// Minifies the JS glue and its snippets in place with esbuild (whitespace, comments and
/// syntax; names are kept, so exports and stack traces read the same). The doc comments
/// live on in the `.d.ts`. Halves the glue and shortens its parse at `import`.
fn minify_glue(out: &Path) -> Result<(), String> {
    let mut files = vec![out.join(format!("{NAME}.js"))];
    let mut dirs = vec![out.join("snippets")];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "js") {
                files.push(path);
            }
        }
    }
    let esbuild = root().join("tests/js/node_modules/.bin/esbuild");
    for file in files {
        let mut outfile = std::ffi::OsString::from("--outfile=");
        outfile.push(&file);
        tools::run(Command::new(&esbuild).arg(&file).arg(outfile).args([
            "--minify-whitespace",
            "--minify-syntax",
            "--allow-overwrite",
            "--log-level=error",
            // wasm-bindgen lists a snippet once per `extern` block (the same module).
            "--log-override:duplicate-object-key=silent",
        ]))?;
    }
    Ok(())
}

/// The path (relative to `pkg/`) of the copied `js/runtime.js` snippet.
fn find_runtime_snippet(out: &Path) -> Result<String, String> {
    let snippets = out.join("snippets");
    let dirs = std::fs::read_dir(&snippets).map_err(|e| format!("no snippets in pkg/: {e}"))?;
    for dir in dirs.flatten() {
        let candidate = dir.path().join("js/runtime.js");
        if candidate.exists() {
            return Ok(format!(
                "./snippets/{}/js/runtime.js",
                dir.file_name().to_string_lossy()
            ));
        }
    }
    Err("js/runtime.js snippet not found in pkg/snippets".into())
}

const ERROR_CLASSES: &str =
    "SogniError, ValidationError, ApiError, JobError, ChatJobError, TransportError, TimeoutError, AbortError";

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Camel-case name of a snake-case tool (`generate_image` → `generateImage`).
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `pkg/sogni-tools.js`: the hosted creative-tool definitions (`SogniTools`), generated from
/// the `@sogni-ai/sogni-protocol` OpenAI tool manifest. A module of its own, so the ~240 KB
/// of tool schemas never enter the `.wasm` and a bundler drops them when unused.
fn write_sogni_tools(out: &Path) -> Result<(), String> {
    let manifest = crate::tools::root()
        .join("tests/js/node_modules/@sogni-ai/sogni-protocol/manifests/openai-tools.json");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("{}: {e} (run `cargo xtask setup`)", manifest.display()))?;
    // The tool names, read without a JSON parser: every `"name": "…"` directly inside a
    // `"function": {` object.
    let mut names = Vec::new();
    for part in text.split("\"function\"").skip(1) {
        if let Some(rest) = part.split("\"name\"").nth(1) {
            if let Some(name) = rest.split('"').nth(1) {
                names.push(name.to_string());
            }
        }
    }
    if names.len() < 10 {
        return Err(format!(
            "{}: only {} tools found",
            manifest.display(),
            names.len()
        ));
    }
    let mut js = String::from(
        "// Generated by `cargo xtask pkg` from @sogni-ai/sogni-protocol/manifests/openai-tools.json.\n\
         // The hosted creative-tool definitions, for LLM tool calling (`SogniTools.all`).\n",
    );
    // The manifest as a compact JSON string, parsed on first use: a string literal costs
    // the import next to nothing (an object literal this size is ~4 ms and ~1 MB of heap).
    js.push_str(&format!(
        "const MANIFEST = {};\n",
        js_string(&compact_json(text.trim()))
    ));
    js.push_str("let tools;\nconst load = () => (tools ??= JSON.parse(MANIFEST).tools);\nconst byName = (name) => load().find((t) => t.function.name === name);\n");
    js.push_str("/** Sogni's hosted creative tools: one definition per tool, and `all` (parsed on first use). */\nexport const SogniTools = {\n");
    for n in &names {
        js.push_str(&format!(
            "  get {}() {{\n    return byName('{n}');\n  }},\n",
            camel(n)
        ));
    }
    js.push_str("  /** Every hosted tool definition (a fresh array). */\n  get all() {\n    return [...load()];\n  }\n};\n");
    write(&out.join("sogni-tools.js"), &js)?;
    let mut dts = String::from(
        "import type { ToolDefinition } from './sogni_wasm.js';\n/** Sogni's hosted creative tools. */\nexport declare const SogniTools: {\n",
    );
    for n in &names {
        dts.push_str(&format!("  readonly {}: ToolDefinition;\n", camel(n)));
    }
    dts.push_str("  readonly all: ToolDefinition[];\n};\n");
    write(&out.join("sogni-tools.d.ts"), &dts)
}

/// `json` without the whitespace outside its strings.
fn compact_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// `text` as a single-quoted, ASCII-only JS string literal.
fn js_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            // ASCII only: V8 then keeps the source and the string one byte per character.
            c if !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn write_entries(out: &Path, snippet: &str) -> Result<(), String> {
    write_sogni_tools(out)?;
    // The official constants (SUBSCRIPTION_ERROR_CODES, model ids…) live in js/constants.js.
    let constants = snippet.replace("/js/runtime.js", "/js/constants.js");
    let reexport = format!(
        "export * from './{NAME}.js';\nexport {{ {ERROR_CLASSES} }} from '{snippet}';\nexport {{ SogniTools }} from './sogni-tools.js';\nexport * from '{constants}';\n"
    );
    write(
        &out.join("node.js"),
        &format!(
            "// Node >= 22: compile the module synchronously from the file next to this one.\n\
             import {{ readFileSync }} from 'node:fs';\n\
             import {{ initSync }} from './{NAME}.js';\n\
             initSync({{ module: readFileSync(new URL('./{NAME}_bg.wasm', import.meta.url)) }});\n{reexport}"
        ),
    )?;
    write(
        &out.join("browser.js"),
        &format!(
            "// Browsers and bundlers: stream-compile the module (bundlers resolve the URL).\n\
             import init from './{NAME}.js';\n\
             await init({{ module_or_path: new URL('./{NAME}_bg.wasm', import.meta.url) }});\n{reexport}"
        ),
    )?;
    write(
        &out.join("workerd.js"),
        &format!(
            "// Cloudflare Workers: wasm modules are imported, not fetched.\n\
             import wasmModule from './{NAME}_bg.wasm';\n\
             import {{ initSync }} from './{NAME}.js';\n\
             initSync({{ module: wasmModule }});\n{reexport}"
        ),
    )?;
    write(
        &out.join("index.d.ts"),
        &format!(
            "export * from './{NAME}.js';\nexport {{ {ERROR_CLASSES} }} from './errors.js';\nexport {{ SogniTools }} from './sogni-tools.js';\nexport * from './constants.js';\n"
        ),
    )?;
    write(&out.join("errors.d.ts"), ERRORS_DTS)?;
    let constants_dts = crate::tools::root().join("js/constants.d.ts");
    std::fs::copy(&constants_dts, out.join("constants.d.ts"))
        .map_err(|e| format!("cannot copy {}: {e}", constants_dts.display()))?;
    let version = env!("CARGO_PKG_VERSION");
    write(
        &out.join("package.json"),
        &format!(
            r#"{{
  "name": "sogni-wasm",
  "version": "{version}",
  "description": "Sogni Supernet client SDK in Rust/WebAssembly: the @sogni-ai/sogni-client API for browsers, Node >= 22 and Cloudflare Workers",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "sideEffects": ["./node.js", "./browser.js", "./workerd.js"],
  "engines": {{ "node": ">=22" }},
  "types": "./index.d.ts",
  "main": "./node.js",
  "exports": {{
    ".": {{
      "types": "./index.d.ts",
      "workerd": "./workerd.js",
      "worker": "./workerd.js",
      "browser": "./browser.js",
      "node": "./node.js",
      "import": "./browser.js",
      "default": "./browser.js"
    }},
    "./{NAME}_bg.wasm": "./{NAME}_bg.wasm",
    "./package.json": "./package.json"
  }},
  "files": ["*.js", "*.d.ts", "{NAME}_bg.wasm", "snippets/"]
}}
"#
        ),
    )?;
    // The generated .gitignore would hide the package from `npm pack`.
    let _ = std::fs::remove_file(out.join(".gitignore"));
    Ok(())
}

const ERRORS_DTS: &str = r#"/** Base class of every error the SDK throws or rejects with. */
export class SogniError extends Error {
  /** Stable machine-readable code (numeric for API and job errors, as in the official SDK). */
  code: string | number;
  /** Whether the same call may succeed if tried again later. */
  retryable: boolean;
  /** Seconds to wait before retrying, when the server said. */
  retryAfter?: number;
}
/** Invalid input, detected before anything goes on the wire. */
export class ValidationError extends SogniError {}
/** An HTTP API answered with an error. */
export class ApiError extends SogniError {
  status: number;
  payload: { status: 'error'; message: string; errorCode: number };
  details?: unknown;
}
/** A render job or project failed. */
export class JobError extends SogniError {
  originalCode?: string;
}
/** The network could not be reached, or the connection was lost for good. */
export class TransportError extends SogniError {}
/** A deadline passed. */
export class TimeoutError extends SogniError {}
/** A chat job failed (the official `ChatJobError`). */
export class ChatJobError extends SogniError {
  /** The server's error code (e.g. `'4078'`), as `errorCode` too. */
  errorCode?: string;
  /** `'transport_lost'`, `'model_unavailable'`, `'invalid_request'`, … */
  errorType?: string;
  jobID?: string;
  status?: number;
  payload?: unknown;
  subscriptionLimit?: boolean;
  requiredPlans?: string[];
  feature?: string;
  limitation?: string;
  subscriptionErrorCode?: number;
}
/** The operation was aborted (AbortSignal, cancel or dispose). */
export class AbortError extends SogniError {}
"#;
