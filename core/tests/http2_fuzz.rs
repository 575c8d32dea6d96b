//! Property tests over every input path from an HTTP/2 server: arbitrary bytes and arbitrary
//! frame sequences into the client session state machine, HPACK blocks inside HEADERS, and
//! JSON response bodies. Nothing may panic; errors are connection errors that stick.

use apnspush::http2::frame::{self, kind, setting};
use apnspush::http2::hpack::{HeaderEncoder, Huffman, Indexing};
use apnspush::http2::response::parse_error_body;
use apnspush::http2::session::{ClientSession, Event, SessionLimits};
use proptest::prelude::*;

fn feed_all(session: &mut ClientSession, chunks: &[Vec<u8>]) -> (Vec<Event>, Vec<u8>, bool) {
    let mut events = Vec::new();
    let mut out = Vec::new();
    let mut failed = false;
    for chunk in chunks {
        match session.receive(chunk, &mut events, &mut out) {
            Ok(()) => assert!(!failed, "an error must stick"),
            Err(_) => failed = true,
        }
    }
    (events, out, failed)
}

/// A frame with a small stream id (so frames hit the same streams) and any payload.
fn any_frame() -> impl Strategy<Value = Vec<u8>> {
    (
        0u8..12,
        any::<u8>(),
        prop_oneof![Just(0u32), 1u32..8, Just(0x7fff_ffff)],
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(k, flags, stream, payload)| {
            let mut buf = Vec::new();
            frame::encode_frame(&mut buf, k, flags, stream, &payload);
            buf
        })
}

/// A well-formed response frame: HEADERS with a real HPACK block, DATA, RST, SETTINGS...
fn response_frame(enc_seed: u8) -> impl Strategy<Value = Vec<u8>> {
    (
        0u8..8,
        1u32..6,
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..40),
        any::<u32>(),
    )
        .prop_map(move |(choice, s, end, bytes, n)| {
            let stream = s * 2 - 1;
            let mut buf = Vec::new();
            match choice {
                0 => {
                    let mut enc = HeaderEncoder::new();
                    if n % 2 == 1 {
                        enc.set_huffman(Huffman::Always);
                    }
                    let mut block = Vec::new();
                    let status = format!("{}", 100 + n % 500);
                    enc.encode(
                        [
                            (&b":status"[..], status.as_bytes()),
                            (b"apns-id", &bytes[..]),
                        ],
                        &mut block,
                    );
                    let _ = enc_seed;
                    frame::encode_headers(&mut buf, stream, &block, end, 16_384);
                }
                1 => frame::encode_data(&mut buf, stream, &bytes, end, 16_384),
                2 => frame::encode_rst_stream(&mut buf, stream, n % 16),
                3 => frame::encode_settings(
                    &mut buf,
                    &[
                        (setting::MAX_CONCURRENT_STREAMS, n % 2000),
                        (setting::INITIAL_WINDOW_SIZE, n & 0x7fff_ffff),
                        (setting::HEADER_TABLE_SIZE, n % 8192),
                    ],
                ),
                4 => frame::encode_window_update(&mut buf, stream * (n % 2), n.max(1)),
                5 => frame::encode_ping(&mut buf, [n as u8; 8], end),
                6 => frame::encode_goaway(&mut buf, n, n % 14, &bytes),
                _ => frame::encode_frame(&mut buf, kind::CONTINUATION, 0x4, stream, &bytes),
            }
            buf
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..8)) {
        let mut session = ClientSession::default();
        feed_all(&mut session, &chunks);
    }

    #[test]
    fn arbitrary_frames_never_panic(frames in prop::collection::vec(any_frame(), 0..40), split in 1usize..97) {
        let mut session = ClientSession::new(SessionLimits { max_partial: 4, ..SessionLimits::default() });
        let bytes: Vec<u8> = frames.concat();
        let chunks: Vec<Vec<u8>> = bytes.chunks(split).map(<[u8]>::to_vec).collect();
        feed_all(&mut session, &chunks);
        prop_assert!(session.partial_count() <= 4);
    }

    #[test]
    fn valid_frame_sequences_with_arbitrary_payloads(frames in prop::collection::vec(response_frame(0), 0..60), split in 1usize..200) {
        let mut session = ClientSession::default();
        let bytes: Vec<u8> = frames.concat();
        let chunks: Vec<Vec<u8>> = bytes.chunks(split).map(<[u8]>::to_vec).collect();
        let (events, out, _) = feed_all(&mut session, &chunks);
        for e in &events {
            if let Event::Response(r) = e {
                prop_assert!(r.stream_id % 2 == 1);
                prop_assert!((200..=999).contains(&r.status));
            }
        }
        // Whatever the session asked us to send decodes as frames.
        let mut dec = frame::FrameDecoder::new();
        dec.feed(&out);
        while let Some(_f) = dec.next_frame().expect("our own frames are valid") {}
        prop_assert_eq!(dec.buffered(), 0);
    }

    #[test]
    fn arbitrary_hpack_blocks_in_headers(blocks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..80), 1..6), end in any::<bool>()) {
        let mut session = ClientSession::default();
        let mut buf = Vec::new();
        for (i, b) in blocks.iter().enumerate() {
            frame::encode_headers(&mut buf, 2 * i as u32 + 1, b, end, 16_384);
        }
        feed_all(&mut session, &[buf]);
    }

    /// Responses encoded as nghttp2 does (one encoder for the connection, Huffman-coded
    /// incremental literals, table size changes from SETTINGS), fed in arbitrary chunks: each
    /// is reported with its status and `apns-id`, in order.
    #[test]
    fn huffman_coded_responses_arrive_intact(
        answers in prop::collection::vec((200u16..600, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", any::<bool>()), 1..40),
        table_sizes in prop::collection::vec(prop_oneof![Just(None), (0u32..5000).prop_map(Some)], 40),
        split in 1usize..120,
    ) {
        let mut enc = HeaderEncoder::new();
        enc.set_huffman(Huffman::Always);
        let mut bytes = Vec::new();
        for (i, (status, id, indexed)) in answers.iter().enumerate() {
            if let Some(size) = table_sizes[i] {
                // As if the client had sent SETTINGS_HEADER_TABLE_SIZE; its decoder accepts
                // any size up to 4096.
                enc.set_peer_table_size(size);
            }
            let indexing = if *indexed { Indexing::Incremental } else { Indexing::WithoutIndexing };
            let status = status.to_string();
            let mut block = Vec::new();
            enc.encode_with(
                [
                    (&b":status"[..], status.as_bytes(), Indexing::Incremental),
                    (b"apns-id", id.as_bytes(), indexing),
                ],
                &mut block,
            );
            frame::encode_headers(&mut bytes, 2 * i as u32 + 1, &block, true, 16_384);
        }
        let mut session = ClientSession::default();
        let chunks: Vec<Vec<u8>> = bytes.chunks(split).map(<[u8]>::to_vec).collect();
        let (events, _, failed) = feed_all(&mut session, &chunks);
        prop_assert!(!failed);
        let got: Vec<(u32, u16, Option<String>)> = events
            .into_iter()
            .filter_map(|e| match e {
                Event::Response(r) => Some((r.stream_id, r.status, r.apns_id)),
                _ => None,
            })
            .collect();
        let expected: Vec<(u32, u16, Option<String>)> = answers
            .iter()
            .enumerate()
            .map(|(i, (status, id, _))| (2 * i as u32 + 1, *status, Some(id.clone())))
            .collect();
        prop_assert_eq!(got, expected);
    }

    /// HEADERS whose `apns-id` is an arbitrary Huffman-coded string: never a panic; a string
    /// that decodes is the response's `apns-id` (when it is short ASCII), one that does not
    /// is a connection error.
    #[test]
    fn arbitrary_huffman_strings_in_headers(coded in prop::collection::vec(any::<u8>(), 0..60)) {
        let mut block = vec![0x88, 0x00, 0x07];
        block.extend_from_slice(b"apns-id");
        block.push(0x80 | coded.len() as u8);
        block.extend_from_slice(&coded);
        let mut bytes = Vec::new();
        frame::encode_headers(&mut bytes, 1, &block, true, 16_384);
        let mut session = ClientSession::default();
        let (events, _, failed) = feed_all(&mut session, &[bytes]);
        let mut value = Vec::new();
        match apnspush::http2::huffman::decode(&coded, &mut value) {
            Err(_) => prop_assert!(failed),
            Ok(()) => {
                prop_assert!(!failed);
                let Some(Event::Response(r)) = events.first() else {
                    panic!("{events:?}")
                };
                let expected = (value.len() <= 64 && value.is_ascii())
                    .then(|| String::from_utf8(value).unwrap());
                prop_assert_eq!(&r.apns_id, &expected);
            }
        }
    }

    #[test]
    fn json_bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_error_body(&body);
    }

    #[test]
    fn json_like_bodies_never_panic(reason in ".{0,40}", ts in prop_oneof![Just("1".to_string()), "-?[0-9]{0,25}(\\.[0-9]{0,5})?(e[0-9]{1,3})?", "\"[0-9a-z]{0,20}\"", Just("null".to_string()), Just("[]".to_string())]) {
        let body = format!("{{\"reason\":{},\"timestamp\":{ts}}}", serde_json::Value::from(reason.clone()));
        let parsed = parse_error_body(body.as_bytes());
        if let Some(r) = parsed.reason {
            prop_assert!(r.chars().count() <= 128);
        }
    }
}

#[test]
fn a_response_split_over_headers_continuation_and_data() {
    let mut session = ClientSession::default();
    let mut enc = HeaderEncoder::new();
    let mut block = Vec::new();
    let extra: Vec<(Vec<u8>, Vec<u8>)> = (0..200)
        .map(|i| (format!("x-extra-{i}").into_bytes(), vec![b'v'; 100]))
        .collect();
    let mut headers: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (b":status".to_vec(), b"410".to_vec()),
        (
            b"apns-id".to_vec(),
            b"00000000-0000-4000-8000-000000000001".to_vec(),
        ),
    ];
    headers.extend(extra);
    enc.encode(headers, &mut block);
    assert!(block.len() > 16_384);
    let mut bytes = Vec::new();
    frame::encode_headers(&mut bytes, 1, &block, false, 16_384);
    frame::encode_data(
        &mut bytes,
        1,
        br#"{"reason":"Unregistered","timestamp":1700000000000}"#,
        true,
        16_384,
    );
    let (events, _, failed) = feed_all(&mut session, &[bytes]);
    assert!(!failed);
    let Event::Response(r) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!((r.stream_id, r.status), (1, 410));
    assert_eq!(parse_error_body(&r.body).timestamp, Some(1_700_000_000_000));
}

#[test]
fn receive_windows_are_replenished_and_enforced() {
    let limits = SessionLimits {
        stream_window: 100,
        connection_window: 65_535,
        ..SessionLimits::default()
    };
    let mut session = ClientSession::new(limits);
    let mut enc = HeaderEncoder::new();
    let mut block = Vec::new();
    enc.encode([(&b":status"[..], &b"400"[..])], &mut block);
    let mut bytes = Vec::new();
    frame::encode_headers(&mut bytes, 1, &block, false, 16_384);
    frame::encode_data(&mut bytes, 1, &[b' '; 60], false, 16_384);
    let mut events = Vec::new();
    let mut out = Vec::new();
    session.receive(&bytes, &mut events, &mut out).unwrap();
    let mut dec = frame::FrameDecoder::new();
    dec.feed(&out);
    assert_eq!(
        dec.next_frame().unwrap(),
        Some(frame::Frame::WindowUpdate {
            stream_id: 1,
            increment: 60
        }),
        "stream window replenished past half"
    );
    let mut over = Vec::new();
    frame::encode_data(&mut over, 1, &[b' '; 101], false, 16_384);
    assert!(
        session.receive(&over, &mut events, &mut out).is_err(),
        "stream window enforced"
    );
}
