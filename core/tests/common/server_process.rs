//! Helpers for interop tests that drive a server we did not write as a child process: it
//! prints one JSON line when ready, serves until its stdin closes, then prints its record.

use serde_json::Value;
use std::io::Read;
use std::process::Child;

/// Closes the server's stdin, waits for it to exit successfully, and returns its record.
pub fn finish(child: &mut Child) -> Value {
    drop(child.stdin.take());
    let mut out = String::new();
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(child.wait().unwrap().success());
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("record ({e}): {out:?}"))
}

/// A 32-byte token whose first byte selects the server's rule, numbered `i`.
pub fn token(first: u8, i: u64) -> Vec<u8> {
    let mut t = vec![first; 32];
    t[8..16].copy_from_slice(&i.to_be_bytes());
    t
}

pub fn hex(bytes: &[u8]) -> String {
    apnspush::notification::hex_encode(bytes)
}

/// A payload of exactly `len` bytes.
pub fn payload(i: u64, len: usize) -> String {
    let head = format!("{{\"aps\":{{\"alert\":\"n{i}\"}},\"pad\":\"");
    format!("{head}{}\"}}", "p".repeat(len - head.len() - 2))
}
