//! Benchmark (not a test): the cost of HPACK decoding and of Huffman encoding.
//!
//! Run: cargo run --release -p apnspush --example bench_hpack [iterations]
//!
//! Decoding: a typical APNs response block (`:status 200` indexed, then an `apns-id` UUID as a
//! Huffman-coded literal, as nghttp2 encodes it), with the `apns-id` literal with incremental
//! indexing or without, first seen (a fresh decoder, the name sent as a literal) and in
//! steady state (one decoder, a run of blocks from one encoder), by our decoder and by
//! loona-hpack's in the same run. Figures are this thread's CPU time, so a loaded machine
//! inflates them less than wall-clock time would.
//!
//! Encoding: for each request value the client sends, its raw and Huffman-coded sizes, the
//! cost of Huffman-coding it, and the cost of encrypting the bytes it saves (AES-128-GCM and
//! ChaCha20-Poly1305 through ring, what TLS then spends on them).

use std::hint::black_box;

use apnspush::http2::hpack::{HeaderDecoder, HeaderEncoder, Huffman, Indexing};
use apnspush::http2::huffman;

fn main() {
    let iterations: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    println!("apnspush HPACK benchmark: {iterations} iterations per figure");
    println!();
    println!("Decoding a response block (:status 200 + Huffman-coded apns-id), ns per block:");
    println!("  (fields handed to a callback, as the client's session reads them; list: a Vec of owned pairs)");
    println!(
        "  {:<40} {:>5} {:>9} {:>9} {:>12} {:>7}",
        "case", "bytes", "apnspush", "list", "loona-hpack", "ratio"
    );
    let mut worst: f64 = 0.0;
    for indexing in [Indexing::Incremental, Indexing::WithoutIndexing] {
        let blocks = response_blocks(indexing, 1000);
        let label = match indexing {
            Indexing::Incremental => "incremental indexing",
            _ => "without indexing",
        };
        let first = &blocks[0];
        let ours = per_op(iterations, || {
            let mut d = HeaderDecoder::new();
            d.decode_with(black_box(first), see).unwrap();
        });
        let list = per_op(iterations, || {
            let mut d = HeaderDecoder::new();
            black_box(d.decode(black_box(first)).unwrap());
        });
        // loona-hpack is ~300 times slower: a hundredth of the iterations.
        let theirs = per_op((iterations / 100).max(1000), || {
            let mut d = loona_hpack::Decoder::new();
            d.decode_with_cb(black_box(first), |n, v| see(&n, &v))
                .unwrap();
        });
        worst = worst.max(ours);
        row(
            &format!("{label}, first seen"),
            first.len(),
            [ours, list, theirs],
        );
        let passes = (iterations / blocks.len() as u32).max(1);
        let per_block = |ns: f64| ns / blocks.len() as f64;
        let ours = per_block(per_op(passes, || {
            let mut d = HeaderDecoder::new();
            for b in &blocks {
                d.decode_with(black_box(b), see).unwrap();
            }
        }));
        let list = per_block(per_op(passes, || {
            let mut d = HeaderDecoder::new();
            for b in &blocks {
                black_box(d.decode(black_box(b)).unwrap());
            }
        }));
        let theirs = per_block(per_op((passes / 100).max(1), || {
            let mut d = loona_hpack::Decoder::new();
            for b in &blocks {
                d.decode_with_cb(black_box(b), |n, v| see(&n, &v)).unwrap();
            }
        }));
        worst = worst.max(ours);
        row(
            &format!("{label}, steady state"),
            blocks[1].len(),
            [ours, list, theirs],
        );
    }

    println!(
        "  target: at most 300 ns per block on the client's path; worst case above {worst:.0} ns: {}",
        if worst <= 300.0 { "met" } else { "MISSED" }
    );
    println!();
    let aes = seal_ns_per_byte(&ring::aead::AES_128_GCM);
    let chacha = seal_ns_per_byte(&ring::aead::CHACHA20_POLY1305);
    println!(
        "Request values, Huffman-coded (encryption: AES-128-GCM {aes:.2} ns/byte, ChaCha20-Poly1305 {chacha:.2} ns/byte on 16 KiB records):"
    );
    println!(
        "  {:<44} {:>5} {:>7} {:>9} {:>12} {:>12}",
        "value", "raw", "Huffman", "code ns", "saved bytes", "their AES ns"
    );
    let token = "5f3a".repeat(16);
    let path = format!("/3/device/{token}");
    let jwt = format!(
        "bearer eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQzEyMzQ1NjcifQ.eyJpc3MiOiJERUYxMjM0NTY3IiwiaWF0IjoxNzAwMDAwMDAwfQ.{}",
        "MEUCIQDx3nq0Jb8wYk2pZ7Q-vHcR9sTfLmA4oE1uWjN6dKgBzXyIgc5hV0rP8tU3kMfL2qS7wJ9bYe4aN1mZ6pR0vT"
    );
    for (name, value) in [
        (":path (64-hex token)", path.as_str()),
        ("apns-id (UUID)", "8e2a4c1f-5b7d-4e3a-9c6f-0d1b2a3c4e5f"),
        ("apns-topic", "com.example.app"),
        ("authorization (ES256 JWT)", jwt.as_str()),
    ] {
        let raw = value.len();
        let coded = huffman::encoded_len(value.as_bytes());
        let mut out = Vec::with_capacity(512);
        let ns = per_op(iterations, || {
            out.clear();
            let v = black_box(value.as_bytes());
            if huffman::encoded_len(v) < v.len() {
                huffman::encode(v, &mut out);
            }
            black_box(&out);
        });
        let saved = raw.saturating_sub(coded);
        println!(
            "  {:<44} {:>5} {:>7} {:>9.1} {:>12} {:>12.1}",
            name,
            raw,
            coded,
            ns,
            saved,
            saved as f64 * aes
        );
    }

    println!();
    println!("A whole request block as the client encodes it (the first of a connection, then later ones):");
    println!(
        "  {:<44} {:>11} {:>11} {:>9}",
        "policy", "first bytes", "later bytes", "later ns"
    );
    for (label, huff) in [
        ("raw (Huffman::Never)", Huffman::Never),
        ("indexed values only (Huffman::Indexed)", Huffman::Indexed),
        ("every literal (Huffman::Always)", Huffman::Always),
    ] {
        let mut enc = HeaderEncoder::new();
        enc.set_huffman(huff);
        let mut block = Vec::with_capacity(512);
        let encode = |enc: &mut HeaderEncoder, block: &mut Vec<u8>| {
            block.clear();
            enc.encode(
                [
                    (":method", "POST"),
                    (":scheme", "https"),
                    (":path", path.as_str()),
                    (":authority", "api.push.apple.com"),
                    ("authorization", jwt.as_str()),
                    ("apns-id", "8e2a4c1f-5b7d-4e3a-9c6f-0d1b2a3c4e5f"),
                    ("apns-priority", "10"),
                    ("apns-topic", "com.example.app"),
                    ("apns-push-type", "alert"),
                ],
                block,
            );
        };
        encode(&mut enc, &mut block);
        let first = block.len();
        let ns = per_op(iterations, || {
            encode(&mut enc, &mut block);
            black_box(&block);
        });
        println!("  {label:<44} {first:>11} {:>11} {ns:>9.1}", block.len());
    }
}

/// `count` response blocks from one encoder, as nghttp2 encodes them: `:status` indexed,
/// `apns-id` a Huffman-coded literal with `indexing`.
fn response_blocks(indexing: Indexing, count: usize) -> Vec<Vec<u8>> {
    let mut enc = HeaderEncoder::new();
    enc.set_huffman(Huffman::Always);
    (0..count)
        .map(|i| {
            let id = format!("{:08x}-5b7d-4e3a-9c6f-{:012x}", i * 7919, i * 104_729);
            let mut block = Vec::new();
            enc.encode_with(
                [
                    (&b":status"[..], &b"200"[..], Indexing::Incremental),
                    (b"apns-id", id.as_bytes(), indexing),
                ],
                &mut block,
            );
            block
        })
        .collect()
}

fn row(label: &str, bytes: usize, [ours, list, theirs]: [f64; 3]) {
    println!(
        "  {label:<40} {bytes:>5} {ours:>9.1} {list:>9.1} {theirs:>12.1} {:>6.1}x",
        theirs / ours
    );
}

/// What the decoded fields are handed to.
fn see(name: &[u8], value: &[u8]) {
    black_box((name, value));
}

/// Mean nanoseconds of this thread's CPU time per call of `f` over `n` calls, after a
/// warm-up of n/10 (CPU time, so other processes on a loaded machine do not count).
fn per_op(n: u32, mut f: impl FnMut()) -> f64 {
    for _ in 0..n / 10 {
        f();
    }
    let start = thread_cpu_ns();
    for _ in 0..n {
        f();
    }
    (thread_cpu_ns() - start) as f64 / f64::from(n)
}

fn thread_cpu_ns() -> i128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes into the struct we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
}

/// Nanoseconds per byte to seal a 16 KiB TLS-record-sized buffer with `alg`.
fn seal_ns_per_byte(alg: &'static ring::aead::Algorithm) -> f64 {
    use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey};
    let key_bytes = vec![7u8; alg.key_len()];
    let key = LessSafeKey::new(UnboundKey::new(alg, &key_bytes).expect("key length"));
    let mut buf = vec![0u8; 16 * 1024];
    let rounds = 2000;
    let ns = per_op(rounds, || {
        let nonce = Nonce::assume_unique_for_key([0u8; 12]);
        let tag = key
            .seal_in_place_separate_tag(nonce, Aad::empty(), &mut buf)
            .expect("seal");
        let _ = black_box(tag);
    });
    ns / buf.len() as f64
}
