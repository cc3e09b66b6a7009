//! `cargo xtask pkg`: builds the npm package in `pkg/`.
//!
//! One `.wasm` (wasm-bindgen `--target web`, then `wasm-opt -Oz` from the npm `binaryen`
//! package), one JS module `sogni_wasm.js` (the wasm-bindgen glue and its `js/` snippets,
//! bundled and minified by the npm `esbuild`) and three tiny entry modules chosen by the
//! `exports` map: `node.js` (compiles the module synchronously from the file), `browser.js`
//! (streams it with `fetch`, bundler-friendly `new URL(…, import.meta.url)`), `workerd.js`
//! (imports the module as Cloudflare Workers do).

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
    write_entries(&staging)?;
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
    bundle_glue(out)
}

/// Bundles the JS glue and the snippets it imports (`js/runtime.js`, `chat.js`, `surface.js`,
/// `constants.js`) into one minified `sogni_wasm.js` with esbuild (whitespace, comments and
/// syntax; names are kept, so exports and stack traces read the same; the doc comments live
/// on in the `.d.ts`), and removes `snippets/`. One module instead of five loads ~1.5 ms
/// faster in Node, and a browser fetches one file. The bundle also exports the error
/// classes and the official constants, so an entry re-exports one module.
fn bundle_glue(out: &Path) -> Result<(), String> {
    let runtime = find_runtime_snippet(out)?;
    let constants = runtime.replace("/js/runtime.js", "/js/constants.js");
    let entry = out.join(".bundle-entry.js");
    write(
        &entry,
        &format!(
            "export * from './{NAME}.js';\nexport {{ default }} from './{NAME}.js';\nexport {{ {ERROR_CLASSES} }} from '{runtime}';\nexport * from '{constants}';\n"
        ),
    )?;
    let bundle = out.join(".bundle.js");
    let mut outfile = std::ffi::OsString::from("--outfile=");
    outfile.push(&bundle);
    let esbuild = root().join("tests/js/node_modules/.bin/esbuild");
    tools::run(Command::new(esbuild).arg(&entry).arg(outfile).args([
        "--bundle",
        "--format=esm",
        "--platform=neutral",
        "--minify-whitespace",
        "--minify-syntax",
        // Short lines: Node prints the source line of an uncaught error's top frame, and
        // one 100 KB line would flood the terminal.
        "--line-limit=400",
        "--log-level=error",
        // wasm-bindgen lists a snippet once per `extern` block (the same module).
        "--log-override:duplicate-object-key=silent",
    ]))?;
    let glue = out.join(format!("{NAME}.js"));
    std::fs::rename(&bundle, &glue)
        .map_err(|e| format!("cannot move {}: {e}", bundle.display()))?;
    std::fs::remove_file(&entry).map_err(|e| format!("cannot remove {}: {e}", entry.display()))?;
    let snippets = out.join("snippets");
    std::fs::remove_dir_all(&snippets)
        .map_err(|e| format!("cannot remove {}: {e}", snippets.display()))
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
/// of tool schemas never enter the `.wasm` and a bundler drops them when unused. Node gets
/// `sogni-tools-node.js` instead, which reads `sogni-tools.json` on first use: importing it
/// costs nothing (parsing a 240 KB string literal at `import` took ~2.5 ms).
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
    let json = compact_json(text.trim());
    // Browsers and Workers: the manifest as a compact JSON string, parsed on first use (a
    // string literal costs the import little; an object literal this size is ~4 ms and
    // ~1 MB of heap).
    let web = format!(
        "const MANIFEST = {};\nconst read = () => MANIFEST;\n",
        js_string(&json)
    );
    write(&out.join("sogni-tools.js"), &tools_module(&web, &names))?;
    let node = "const read = () =>\n  process.getBuiltinModule('node:fs').readFileSync(new URL('./sogni-tools.json', import.meta.url), 'utf8');\n";
    write(
        &out.join("sogni-tools-node.js"),
        &tools_module(node, &names),
    )?;
    write(&out.join("sogni-tools.json"), &json)?;
    let mut dts = String::from(
        "import type { ToolDefinition } from './sogni_wasm.js';\n/** Sogni's hosted creative tools. */\nexport declare const SogniTools: {\n",
    );
    for n in &names {
        dts.push_str(&format!("  readonly {}: ToolDefinition;\n", camel(n)));
    }
    dts.push_str("  readonly all: ToolDefinition[];\n};\n");
    write(&out.join("sogni-tools.d.ts"), &dts)
}

/// The `SogniTools` module: `source` defines `read()`, the manifest's JSON text.
fn tools_module(source: &str, names: &[String]) -> String {
    let mut js = String::from(
        "// Generated by `cargo xtask pkg` from @sogni-ai/sogni-protocol/manifests/openai-tools.json.\n\
         // The hosted creative-tool definitions, for LLM tool calling (`SogniTools.all`).\n",
    );
    js.push_str(source);
    js.push_str("let tools;\nconst load = () => (tools ??= JSON.parse(read()).tools);\nconst byName = (name) => load().find((t) => t.function.name === name);\n");
    js.push_str("/** Sogni's hosted creative tools: one definition per tool, and `all` (parsed on first use). */\nexport const SogniTools = {\n");
    for n in names {
        js.push_str(&format!(
            "  get {}() {{\n    return byName('{n}');\n  }},\n",
            camel(n)
        ));
    }
    js.push_str("  /** Every hosted tool definition (a fresh array). */\n  get all() {\n    return [...load()];\n  }\n};\n");
    js
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

fn write_entries(out: &Path) -> Result<(), String> {
    write_sogni_tools(out)?;
    // `sogni_wasm.js` (the bundle) exports the classes, the error classes and the constants.
    let reexport = |tools: &str| {
        format!("export * from './{NAME}.js';\nexport {{ SogniTools }} from './{tools}';\n")
    };
    write(
        &out.join("node.js"),
        &format!(
            "// Node >= 22.3: compile the module synchronously from the file next to this one. No\n\
             // top-level await, so `require('sogni-wasm')` works too; `process.getBuiltinModule`\n\
             // skips the ESM facade an `import 'node:fs'` builds (~2 ms of every import).\n\
             import {{ initSync }} from './{NAME}.js';\n\
             const fs = process.getBuiltinModule?.('node:fs');\n\
             if (!fs) throw new Error('sogni-wasm needs Node.js >= 22.3 (process.getBuiltinModule)');\n\
             initSync({{ module: new WebAssembly.Module(fs.readFileSync(new URL('./{NAME}_bg.wasm', import.meta.url))) }});\n{}",
            reexport("sogni-tools-node.js")
        ),
    )?;
    write(
        &out.join("browser.js"),
        &format!(
            "// Browsers and bundlers: stream-compile the module (bundlers resolve the URL).\n\
             import init from './{NAME}.js';\n\
             await init({{ module_or_path: new URL('./{NAME}_bg.wasm', import.meta.url) }});\n{}",
            reexport("sogni-tools.js")
        ),
    )?;
    write(
        &out.join("workerd.js"),
        &format!(
            "// Cloudflare Workers: wasm modules are imported, not fetched.\n\
             import wasmModule from './{NAME}_bg.wasm';\n\
             import {{ initSync }} from './{NAME}.js';\n\
             initSync({{ module: wasmModule }});\n{}",
            reexport("sogni-tools.js")
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
  "engines": {{ "node": ">=22.3" }},
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
  "files": ["*.js", "*.d.ts", "sogni-tools.json", "{NAME}_bg.wasm"]
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
