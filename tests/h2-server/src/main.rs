//! apnspush-h2-server: an APNs provider API emulation on the `h2` crate (hyper's HTTP/2) over
//! tokio-rustls, written independently of apnspush's own HTTP/2 code, for interop tests and as
//! the independent server of the HTTP/2 benchmark.
//!
//! Prints one line of JSON with the client configuration (`protocol`, `host`, `port`, `ca_pem`;
//! with --token-auth also `auth_key_pem`, `key_id`, `team_id`, `topic`; every value a string)
//! to stdout, serves on 127.0.0.1 until stdin reaches end of file, then prints one line of JSON
//! with the record (see `Record::summary`) and exits 0. Exit 2 on bad arguments, 1 if it cannot
//! start.

mod answer;
mod certs;
mod record;
mod serve;

use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

const USAGE: &str = "usage: apnspush-h2-server [--token-auth] [--record-tokens] [--threads N] \
[--max-concurrent-streams N] [--initial-window-size N] [--connection-window-size N]

Answers POST /3/device/<hex token> like APNs: 200 with an apns-id (the request's, else a fresh
one); 400 BadDeviceToken for tokens whose first byte is 0xbd or that are not hex; 400
PayloadEmpty, 413 PayloadTooLarge (over 4096 bytes), 404 BadPath, 405 MethodNotAllowed.
--token-auth: hand out a provider key in the configuration line (the server does not verify
  the JWTs; it counts requests without an `authorization: bearer` header).
--record-tokens: keep per-token counts of accepted requests for the summary (tests; costs
  memory per distinct token).
--threads N: tokio worker threads (default 2).
--max-concurrent-streams N (default 1000), --initial-window-size N (default 65535),
--connection-window-size N (default 65535): the server's HTTP/2 settings.";

/// The server's settings, from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    pub token_auth: bool,
    pub record_tokens: bool,
    pub threads: usize,
    pub max_concurrent_streams: u32,
    pub initial_window_size: u32,
    pub connection_window_size: u32,
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(o)) => o,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("apnspush-h2-server: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.threads)
        .enable_io()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("apnspush-h2-server: runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let creds = match certs::generate(options.token_auth) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("apnspush-h2-server: certificates: {e}");
            return ExitCode::from(1);
        }
    };
    let record = Arc::new(record::Record::new(options.record_tokens));
    let listener = match runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("apnspush-h2-server: bind: {e}");
            return ExitCode::from(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    runtime.spawn(serve::accept_loop(
        listener,
        creds.server_config.clone(),
        options.clone(),
        record.clone(),
    ));
    let mut config = serde_json::Map::new();
    for (k, v) in [
        ("protocol", "http2".to_string()),
        ("host", "127.0.0.1".to_string()),
        ("port", port.to_string()),
        ("ca_pem", creds.ca_pem.clone()),
    ]
    .into_iter()
    .chain(creds.token_auth.clone())
    {
        config.insert(k.to_string(), v.into());
    }
    if !print_line(&serde_json::Value::Object(config)) {
        return ExitCode::from(1);
    }

    // Serve until stdin ends; its content is ignored.
    let mut sink = [0u8; 4096];
    let mut stdin = std::io::stdin().lock();
    while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}

    let summary = record.summary(cpu_secs());
    runtime.shutdown_background();
    if print_line(&summary) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn print_line(value: &serde_json::Value) -> bool {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{value}").and_then(|_| out.flush()).is_ok()
}

/// User plus system CPU seconds of this process so far.
fn cpu_secs() -> f64 {
    // SAFETY: getrusage only writes into the zeroed struct we own.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// `Ok(None)` for --help.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut o = Options {
        token_auth: false,
        record_tokens: false,
        threads: 2,
        max_concurrent_streams: 1000,
        initial_window_size: 65_535,
        connection_window_size: 65_535,
    };
    while let Some(flag) = args.next() {
        let mut number = |max: u64| -> Result<u64, String> {
            let v = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            match v.parse::<u64>() {
                Ok(n) if n <= max => Ok(n),
                _ => Err(format!("{flag} {v}: expected an integer up to {max}")),
            }
        };
        match flag.as_str() {
            "--help" | "-h" => return Ok(None),
            "--token-auth" => o.token_auth = true,
            "--record-tokens" => o.record_tokens = true,
            "--threads" => o.threads = number(64)?.max(1) as usize,
            "--max-concurrent-streams" => o.max_concurrent_streams = number(0x7fff_ffff)? as u32,
            "--initial-window-size" => o.initial_window_size = number(0x7fff_ffff)? as u32,
            "--connection-window-size" => o.connection_window_size = number(0x7fff_ffff)? as u32,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Some(o))
}
