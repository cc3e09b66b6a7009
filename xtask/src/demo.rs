//! `cargo xtask demo`: the emulator plus a static server for `www/` on 127.0.0.1:8787.
//!
//! The page reads `/config.json` to find the emulator's endpoints.

use crate::emulator::Running;
use crate::tools::root;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};

const DEFAULT_PORT: u16 = 8787;

/// Starts everything and serves until Ctrl-C.
pub fn run(args: &[String]) -> Result<(), String> {
    let port = match args {
        [flag, p] if flag == "--port" => p.parse().map_err(|_| "--port takes a number")?,
        [] => DEFAULT_PORT,
        _ => return Err("usage: cargo xtask demo [--port N]".into()),
    };
    let mut emu = Running::start(&[])?;
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let config = format!(
        "{{\"restEndpoint\":\"{}\",\"socketEndpoint\":\"{}\",\"apiKey\":\"demo-api-key\",\"username\":\"demo\",\"password\":\"demo-password\"}}",
        emu.rest, emu.socket
    );
    println!("demo: http://127.0.0.1:{port}  (emulator at {})", emu.rest);
    println!("demo: sign in as demo / demo-password, or API key demo-api-key. Ctrl-C stops.");
    let www = root().join("www");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (www, config) = (www.clone(), config.clone());
            std::thread::spawn(move || {
                let _ = serve(stream, &www, &config);
            });
        }
    });
    emu.wait();
    Err("the emulator stopped".into())
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "wasm" => "application/wasm",
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

fn serve(mut stream: TcpStream, www: &Path, config: &str) -> std::io::Result<()> {
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
        match resolve(www, path).and_then(|p| std::fs::read(&p).ok().map(|b| (p, b))) {
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
