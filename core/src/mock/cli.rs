//! The mock command shared by `apnspush-mock` and `apnspush mock`: the built-in mock APNs
//! gateway (binary, or HTTP/2 with `--http2`) and feedback service on loopback.
//!
//! Prints one line of JSON with the client configuration keys (`MockServer::client_config`)
//! to stdout, serves until stdin reaches end of file, then prints one line of JSON with the
//! record summary and exits 0. Exit 2 on bad arguments, 1 if the mock cannot start.

use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use crate::mock::{MockOptions, MockServer};
use crate::notification::{hex_decode, hex_encode};
use crate::FeedbackTuple;
use serde_json::{json, Map, Value};

const USAGE: &str = "usage: apnspush-mock [--reject TOKENHEX:STATUS]... [--drop-after K] \
[--shutdown-after K] [--close-silently-after K] [--error-delay-ms N] \
[--feedback TIMESTAMP:TOKENHEX]... [--key-update-every BYTES] [--no-client-cert]
       apnspush-mock --http2 [--token-auth] [--reject-http2 TOKENHEX:STATUS:REASON]... \
[--reject TOKENHEX:STATUS]... [--drop-after K] [--goaway-after N] [--fail-every N:STATUS] \
[--max-concurrent-streams N] [--response-delay-ms N] [--initial-window-size N] \
[--connection-window-size N] [--stall-after K] [--expire-token-after N] [--goaway-grace-ms N] \
[--chaos SEED] [--key-update-every BYTES] [--no-client-cert] [--no-huffman] [--max-channels N]

Starts the mock APNs gateway (binary, or the HTTP/2 provider API with --http2; --token-auth
generates a provider key, verifies JWTs and hands the key out in the configuration) and the
feedback service on 127.0.0.1, prints the client configuration as one line of JSON, serves
until stdin is closed, then prints the record summary (accepted count, rejected list, markers,
connections; HTTP/2 rejections, protocol counts, requests per connection and provider tokens
seen) as one line of JSON.
--stall-after K: per connection, answer nothing after K requests (PINGs still answered).
--expire-token-after N: each provider token is answered ExpiredProviderToken after N uses.
--goaway-grace-ms N: after a GOAWAY, read and answer up to N ms before closing (default 1000).
--chaos SEED: seeded random faults per connection (GOAWAY, drop or silence after 2,000-40,000
  requests; one request in 2,000 answered 429, one in 5,000 100 ms late), for soaks.
--key-update-every BYTES: ask for a TLS 1.3 key update every BYTES of ciphertext read.
--no-huffman: send response header strings as raw octets, not Huffman-coded.
--max-channels N: broadcast channels the management API lets an app create (default 10000);
  its address is channel_host/channel_port in the configuration line.";

/// Runs the mock command with `args` (without the program name), printing usage under the
/// name `program`. Blocks until stdin reaches end of file. Exit codes as in the module doc.
pub fn run(program: &str, args: impl Iterator<Item = String>) -> ExitCode {
    let usage = USAGE.replace("apnspush-mock", program);
    let options = match parse(args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{usage}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{program}: {message}\n{usage}");
            return ExitCode::from(2);
        }
    };
    let server = match MockServer::start(options) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("{program}: {e}");
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
    let http2_rejected: Vec<Value> = server
        .http2_rejected()
        .into_iter()
        .map(|r| {
            json!({
                "apns_id": r.apns_id,
                "token": hex_encode(&r.token),
                "status": r.status,
                "reason": r.reason,
                "timestamp": r.timestamp,
                "connection": r.connection,
            })
        })
        .collect();
    let h2 = server.http2_counts();
    let summary = json!({
        "accepted": server.accepted_count(),
        "rejected": rejected,
        "markers": server.markers(),
        "connections": server.connections(),
        "http2_rejected": http2_rejected,
        "peak_concurrent_streams": h2.peak_concurrent_streams,
        "concurrency_violations": h2.concurrency_violations,
        "flow_control_violations": h2.flow_control_violations,
        "protocol_errors": h2.protocol_errors,
        "goaways_sent": h2.goaways_sent,
        "streams_stalled": h2.streams_stalled,
        "requests_per_connection": server.requests_per_connection(),
        "tokens_seen": server.tokens_seen(),
        "key_updates": server.key_updates(),
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
    let mut token_auth = false;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--help" | "-h" => return Ok(None),
            "--no-client-cert" => options.require_client_cert = false,
            "--no-huffman" => options.huffman = false,
            "--http2" => options.protocol = crate::config::Protocol::Http2,
            "--token-auth" => token_auth = true,
            "--reject-http2" => {
                let v = value()?;
                let mut parts = v.splitn(3, ':');
                let (Some(token), Some(status), Some(reason)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err(format!(
                        "--reject-http2 {v}: expected TOKENHEX:STATUS:REASON"
                    ));
                };
                let token = hex_decode(token)
                    .map_err(|e| format!("--reject-http2 {v}: {}", e.message()))?;
                let status = status
                    .parse::<u16>()
                    .map_err(|_| format!("--reject-http2 {v}: STATUS must be a number"))?;
                options
                    .http2_reject
                    .push((token, status, reason.to_string()));
            }
            "--fail-every" => {
                let v = value()?;
                let (n, status) = v
                    .split_once(':')
                    .ok_or(format!("--fail-every {v}: expected N:STATUS"))?;
                let status = status
                    .parse::<u16>()
                    .map_err(|_| format!("--fail-every {v}: STATUS must be a number"))?;
                options.fail_every = Some((count(&flag, n)?, status));
            }
            "--goaway-after" => options.goaway_after = Some(count(&flag, &value()?)?),
            "--goaway-grace-ms" => {
                options.goaway_grace = Duration::from_millis(count(&flag, &value()?)?)
            }
            "--stall-after" => options.stall_after = Some(count(&flag, &value()?)?),
            "--max-channels" => {
                options.max_channels = match usize::try_from(count(&flag, &value()?)?) {
                    Ok(n) if n > 0 => n,
                    _ => return Err(format!("{flag}: expected 1 or more")),
                }
            }
            "--chaos" => options.chaos = Some(count(&flag, &value()?)?),
            "--key-update-every" => {
                options.key_update_every = Some(count(&flag, &value()?)? as usize)
            }
            "--expire-token-after" => options.expire_token_after = Some(count(&flag, &value()?)?),
            "--max-concurrent-streams" => {
                options.max_concurrent_streams = window(&flag, &value()?)?
            }
            "--response-delay-ms" => {
                options.response_delay = Duration::from_millis(count(&flag, &value()?)?)
            }
            "--initial-window-size" => options.initial_window_size = window(&flag, &value()?)?,
            "--connection-window-size" => {
                options.connection_window_size = window(&flag, &value()?)?
            }
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
    if token_auth {
        options = options.with_token_auth();
    }
    Ok(Some(options))
}

fn window(flag: &str, value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(n) if n <= 0x7fff_ffff => Ok(n),
        _ => Err(format!(
            "{flag} {value}: expected an integer up to 2147483647"
        )),
    }
}

fn count(flag: &str, value: &str) -> Result<u64, String> {
    value
        .parse::<u64>()
        .map_err(|_| format!("{flag} {value}: expected a non-negative integer"))
}
