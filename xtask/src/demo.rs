//! `cargo xtask demo`: the emulator plus a static server for `www/` on 127.0.0.1:8787.
//!
//! The page reads `/config.json` to find the emulator's endpoints and imports the package
//! from `/pkg/browser.js` (the workspace's `pkg/`, served as is). `cargo xtask test`'s `e2e`
//! step runs the same server on a free port and drives the page with Playwright
//! (`tests/e2e/`).

use crate::emulator::Running;
use crate::tools::{self, root};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};

const DEFAULT_PORT: u16 = 8787;

/// The emulator's pace in the demo: slower than its 0.9 s-per-job default so that a person
/// sees the progress bars move and has time to press Cancel (a 4-step image takes 0.6 s, a
/// 20-step one 3 s).
const DEMO_EMULATOR_CONFIG: &str = r#"{"timing": {"stepMs": 150, "maxJobMs": 3000}}"#;

/// The emulator and the page server, running until dropped.
pub struct Demo {
    emu: Running,
    /// The page's origin, e.g. `http://127.0.0.1:8787`.
    pub url: String,
}

/// Starts the emulator (demo pace) and serves `www/` and `pkg/` on `port` (0 = any free one).
pub fn start(port: u16, quiet: bool) -> Result<Demo, String> {
    let config_path = root().join("target/demo-emulator.json");
    std::fs::create_dir_all(root().join("target")).map_err(|e| e.to_string())?;
    std::fs::write(&config_path, DEMO_EMULATOR_CONFIG).map_err(|e| e.to_string())?;
    let config_arg = config_path.display().to_string();
    let mut args = vec!["--config", config_arg.as_str()];
    if quiet {
        args.push("--quiet");
    }
    let emu = Running::start(&args)?;
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let config = format!(
        "{{\"restEndpoint\":\"{}\",\"socketEndpoint\":\"{}\",\"apiKey\":\"demo-api-key\",\"username\":\"demo\",\"password\":\"demo-password\"}}",
        emu.rest, emu.socket
    );
    let (www, pkg) = (root().join("www"), root().join("pkg"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (www, pkg, config) = (www.clone(), pkg.clone(), config.clone());
            std::thread::spawn(move || {
                let _ = serve(stream, &www, &pkg, &config);
            });
        }
    });
    Ok(Demo {
        emu,
        url: format!("http://127.0.0.1:{port}"),
    })
}

/// Builds the package (unless `--no-build`), starts everything and serves until Ctrl-C.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut port = DEFAULT_PORT;
    let mut build = true;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--port" => {
                port = it
                    .next()
                    .and_then(|p| p.parse().ok())
                    .ok_or("--port takes a number")?
            }
            "--no-build" => build = false,
            _ => return Err("usage: cargo xtask demo [--port N] [--no-build]".into()),
        }
    }
    if build || !root().join("pkg/browser.js").exists() {
        crate::pkg::build()?;
    }
    let mut demo = start(port, false)?;
    println!("demo: {}  (emulator at {})", demo.url, demo.emu.rest);
    println!("demo: sign in as demo / demo-password, or API key demo-api-key. Ctrl-C stops.");
    let _ = std::io::stdout().flush();
    demo.emu.wait();
    Err("the emulator stopped".into())
}

/// The Playwright suite in `tests/e2e` (Node 22 + Debian Chromium) against a fresh demo.
pub fn e2e() -> Result<(), String> {
    if !root().join("pkg/browser.js").exists() {
        crate::pkg::build()?;
    }
    let demo = start(0, true)?;
    let result = tools::run(
        std::process::Command::new(tools::node22()?)
            .current_dir(root().join("tests/e2e"))
            .args(["--test", "demo.test.mjs"])
            .env("DEMO_URL", &demo.url),
    );
    drop(demo);
    result
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "wasm" => "application/wasm",
        "ts" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// Maps a URL path to a file under `www`, refusing anything that climbs out of it.
fn resolve(www: &Path, url_path: &str) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next().unwrap_or("/");
    let rel = Path::new(path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let full = www.join(rel);
    Some(if full.is_dir() {
        full.join("index.html")
    } else {
        full
    })
}

fn serve(mut stream: TcpStream, www: &Path, pkg: &Path, config: &str) -> std::io::Result<()> {
    let mut request_line = String::new();
    let mut reader = BufReader::new(stream.try_clone()?);
    reader.read_line(&mut request_line)?;
    // Skip the headers.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let (status, ctype, body) = if method != "GET" {
        ("405 Method Not Allowed", "text/plain", b"GET only".to_vec())
    } else if path == "/config.json" {
        ("200 OK", "application/json", config.as_bytes().to_vec())
    } else {
        // `/pkg/…` is the built package; everything else comes from `www/`.
        let file = match path.strip_prefix("/pkg/") {
            Some(sub) => resolve(pkg, sub),
            None => resolve(www, path),
        };
        match file.and_then(|p| std::fs::read(&p).ok().map(|b| (p, b))) {
            Some((p, bytes)) => ("200 OK", content_type(&p), bytes),
            None => ("404 Not Found", "text/plain", b"not found".to_vec()),
        }
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_stays_inside_www() {
        let www = Path::new("/srv/www");
        assert_eq!(
            resolve(www, "/app.js?x=1"),
            Some(PathBuf::from("/srv/www/app.js"))
        );
        assert_eq!(resolve(www, "/../etc/passwd"), None);
        assert_eq!(resolve(www, "/a/../../b"), None);
    }
}
