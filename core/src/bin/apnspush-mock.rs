//! apnspush-mock: the built-in mock APNs binary gateway and feedback service on loopback.
//!
//! Prints one line of JSON with the client configuration keys (host, port, feedback_host,
//! feedback_port, ca_pem, cert_pem, key_pem) to stdout, serves until stdin reaches end of file,
//! then prints one line of JSON with the record summary and exits 0. Exit 2 on bad arguments,
//! 1 if the mock cannot start.

use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use apnspush::mock::{MockOptions, MockServer};
use apnspush::notification::{hex_decode, hex_encode};
use apnspush::FeedbackTuple;
use serde_json::{json, Map, Value};

const USAGE: &str = "usage: apnspush-mock [--reject TOKENHEX:STATUS]... [--drop-after K] \
[--shutdown-after K] [--close-silently-after K] [--error-delay-ms N] \
[--feedback TIMESTAMP:TOKENHEX]... [--no-client-cert]

Starts the mock APNs binary gateway and feedback service on 127.0.0.1, prints the client
configuration as one line of JSON, serves until stdin is closed, then prints the record
summary (accepted count, rejected list, markers, connections) as one line of JSON.";

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("apnspush-mock: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let server = match MockServer::start(options) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("apnspush-mock: {e}");
            return ExitCode::from(1);
        }
    };
    let config: Map<String, Value> = server
        .client_config()
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    if !print_line(&Value::Object(config)) {
        return ExitCode::from(1);
    }

    // Serve until stdin ends; its content is ignored.
    let mut sink = [0u8; 4096];
    let mut stdin = std::io::stdin().lock();
    while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}

    let rejected: Vec<Value> = server
        .rejected()
        .into_iter()
        .map(|r| {
            json!({
                "identifier": r.identifier,
                "token": hex_encode(&r.token),
                "status": r.status,
                "connection": r.connection,
            })
        })
        .collect();
    let summary = json!({
        "accepted": server.accepted_count(),
        "rejected": rejected,
        "markers": server.markers(),
        "connections": server.connections(),
    });
    server.stop();
    if print_line(&summary) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn print_line(value: &Value) -> bool {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{value}").and_then(|_| out.flush()).is_ok()
}

/// `Ok(None)` for --help.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<MockOptions>, String> {
    // Only counts are kept, so a long run does not grow without bound.
    let mut options = MockOptions {
        record_payloads: false,
        ..MockOptions::default()
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--help" | "-h" => return Ok(None),
            "--no-client-cert" => options.require_client_cert = false,
            "--reject" => {
                let v = value()?;
                let (token, status) = v
                    .split_once(':')
                    .ok_or(format!("--reject {v}: expected TOKENHEX:STATUS"))?;
                let token =
                    hex_decode(token).map_err(|e| format!("--reject {v}: {}", e.message()))?;
                let status = status
                    .parse::<u8>()
                    .map_err(|_| format!("--reject {v}: STATUS must be 0-255"))?;
                options.reject.push((token, status));
            }
            "--feedback" => {
                let v = value()?;
                let (time, token) = v
                    .split_once(':')
                    .ok_or(format!("--feedback {v}: expected TIMESTAMP:TOKENHEX"))?;
                let timestamp = time
                    .parse::<u32>()
                    .map_err(|_| format!("--feedback {v}: bad TIMESTAMP"))?;
                let token =
                    hex_decode(token).map_err(|e| format!("--feedback {v}: {}", e.message()))?;
                options.feedback.push(FeedbackTuple { timestamp, token });
            }
            "--drop-after" => options.drop_after = Some(count(&flag, &value()?)?),
            "--shutdown-after" => options.shutdown_after = Some(count(&flag, &value()?)?),
            "--close-silently-after" => {
                options.close_silently_after = Some(count(&flag, &value()?)?)
            }
            "--error-delay-ms" => {
                options.error_delay = Duration::from_millis(count(&flag, &value()?)?)
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Some(options))
}

fn count(flag: &str, value: &str) -> Result<u64, String> {
    value
        .parse::<u64>()
        .map_err(|_| format!("{flag} {value}: expected a non-negative integer"))
}
