//! `sogni-emulator`: run the local Supernet on loopback.

use sogni_emulator::catalog::Catalog;
use sogni_emulator::{Emulator, EmulatorConfig};
use std::io::Write as _;
use std::path::PathBuf;

const HELP: &str = "\
sogni-emulator — a local Sogni Supernet on 127.0.0.1

USAGE: sogni-emulator [--port N] [--config FILE] [--catalog FILE] [--step-ms N] [--quiet] [--exit-with-stdin]

  --port N        port to listen on (0 = pick a free one; default 0)
  --config FILE   JSON settings: users, apiKeys, balances, timing, nsfwWords, limits
  --catalog FILE  JSON model catalog replacing the built-in one
  --step-ms N     time per render step in ms (default 40)
  --quiet         no log lines on stderr
  --exit-with-stdin  exit when stdin closes (so a parent's death stops the emulator)

The API host and the socket host share the one port. The first stdout line is
machine-readable: SOGNI_EMULATOR {\"rest\":…,\"socket\":…}.";

struct Args {
    port: u16,
    config: Option<PathBuf>,
    catalog: Option<PathBuf>,
    step_ms: Option<u64>,
    quiet: bool,
    exit_with_stdin: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 0,
        config: None,
        catalog: None,
        step_ms: None,
        quiet: false,
        exit_with_stdin: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                args.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port takes a number 0-65535")?
            }
            "--config" => args.config = Some(value("--config")?.into()),
            "--catalog" => args.catalog = Some(value("--catalog")?.into()),
            "--step-ms" => {
                args.step_ms = Some(
                    value("--step-ms")?
                        .parse()
                        .map_err(|_| "--step-ms takes a number")?,
                )
            }
            "--quiet" => args.quiet = true,
            "--exit-with-stdin" => args.exit_with_stdin = true,
            "-h" | "--help" => {
                println!("{HELP}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n\n{HELP}")),
        }
    }
    Ok(args)
}

fn load() -> Result<(Args, EmulatorConfig, Catalog), String> {
    let args = parse_args()?;
    let mut config = match &args.config {
        Some(path) => EmulatorConfig::from_file(path).map_err(|e| e.to_string())?,
        None => EmulatorConfig::default(),
    };
    if let Some(ms) = args.step_ms {
        config.timing.step_ms = ms;
    }
    let catalog = match &args.catalog {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Catalog::from_json(&text).map_err(|e| e.to_string())?
        }
        None => Catalog::builtin(),
    };
    Ok((args, config, catalog))
}

#[tokio::main]
async fn main() {
    let (args, config, catalog) = match load() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("sogni-emulator: {e}");
            std::process::exit(2);
        }
    };
    sogni_emulator::log::set_quiet(args.quiet);
    if args.exit_with_stdin {
        std::thread::spawn(|| {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            std::process::exit(0);
        });
    }
    let users: Vec<String> = config
        .users
        .iter()
        .map(|u| {
            format!(
                "{} / {} (API key: {})",
                u.username,
                u.password,
                u.api_keys.join(", ")
            )
        })
        .collect();
    let emulator = match Emulator::start(config, catalog, args.port).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!(
                "sogni-emulator: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            );
            std::process::exit(1);
        }
    };
    let (rest, socket) = (emulator.rest_url(), emulator.socket_url());
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "SOGNI_EMULATOR {{\"rest\":\"{rest}\",\"socket\":\"{socket}\",\"port\":{}}}",
        emulator.addr.port()
    );
    let _ = writeln!(
        out,
        "sogni-emulator listening on 127.0.0.1:{}",
        emulator.addr.port()
    );
    let _ = writeln!(out, "  restEndpoint:   {rest}");
    let _ = writeln!(out, "  socketEndpoint: {socket}");
    for user in users {
        let _ = writeln!(out, "  user: {user}");
    }
    let _ = out.flush();
    drop(out);
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = emulator.wait() => {}
    }
}
