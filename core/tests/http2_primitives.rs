//! HTTP/2 building blocks: frames, HPACK and the ES256 provider token.

use apnspush::http2::frame::{
    self, error_code, flags, kind, setting, Assembled, Frame, FrameDecoder, FrameError,
    FrameHeader, HeaderAssembler, HeaderBlock, DEFAULT_MAX_FRAME_SIZE, PREFACE,
};
use apnspush::http2::hpack::{HeaderDecoder, HeaderEncoder, HpackError, Indexing};
use apnspush::http2::jwt::{self, Claims, JwtError, JwtVerifyError, ProviderKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use proptest::prelude::*;
use std::sync::OnceLock;

// ---------------------------------------------------------------- frame helpers

/// Decodes every frame in `bytes`; panics on a decoder error or leftover bytes.
fn decode_all(bytes: &[u8]) -> Vec<Frame> {
    let mut decoder = FrameDecoder::new();
    decoder.feed(bytes);
    let mut frames = Vec::new();
    while let Some(frame) = decoder.next_frame().expect("valid frames") {
        frames.push(frame);
    }
    assert_eq!(decoder.buffered(), 0, "trailing bytes");
    frames
}

fn decode_one(bytes: &[u8]) -> Frame {
    let frames = decode_all(bytes);
    assert_eq!(frames.len(), 1, "{frames:?}");
    frames.into_iter().next().unwrap()
}

/// The error a fresh decoder reports for `bytes`.
fn decode_err(bytes: &[u8]) -> FrameError {
    let mut decoder = FrameDecoder::new();
    decoder.feed(bytes);
    loop {
        match decoder.next_frame() {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("no error for {bytes:02x?}"),
            Err(err) => return err,
        }
    }
}

fn raw(kind: u8, fl: u8, stream_id: u32, payload: &[u8]) -> Vec<u8> {
    let mut buf = Vec::new();
    frame::encode_frame(&mut buf, kind, fl, stream_id, payload);
    buf
}

fn assert_code(bytes: &[u8], code: u32) {
    let err = decode_err(bytes);
    assert_eq!(err.code, code, "{err} for {bytes:02x?}");
}

// ---------------------------------------------------------------- frame round trips

#[test]
fn frame_header_round_trip_ignores_reserved_bit() {
    let header = FrameHeader {
        len: 0x01_02_03,
        kind: kind::HEADERS,
        flags: 0x25,
        stream_id: 0x7fff_fffe,
    };
    let mut buf = Vec::new();
    header.encode(&mut buf);
    assert_eq!(buf, [1, 2, 3, 1, 0x25, 0x7f, 0xff, 0xff, 0xfe]);
    assert_eq!(FrameHeader::parse(&buf[..].try_into().unwrap()), header);
    buf[5] |= 0x80;
    assert_eq!(FrameHeader::parse(&buf[..].try_into().unwrap()), header);
}

#[test]
fn settings_round_trip() {
    let params = vec![
        (setting::ENABLE_PUSH, 0),
        (setting::MAX_CONCURRENT_STREAMS, 1000),
        (setting::INITIAL_WINDOW_SIZE, 1 << 20),
        (setting::MAX_FRAME_SIZE, 1 << 20),
        (0xabcd, 7), // unknown ids pass through
    ];
    let mut buf = Vec::new();
    frame::encode_settings(&mut buf, &params);
    assert_eq!(buf.len(), 9 + 6 * params.len());
    let ack = false;
    assert_eq!(decode_one(&buf), Frame::Settings { ack, params });

    let mut buf = Vec::new();
    frame::encode_settings_ack(&mut buf);
    assert_eq!(buf, [0, 0, 0, kind::SETTINGS, flags::ACK, 0, 0, 0, 0]);
    let params = vec![];
    assert_eq!(decode_one(&buf), Frame::Settings { ack: true, params });
}

#[test]
fn ping_round_trip() {
    for ack in [false, true] {
        let mut buf = Vec::new();
        frame::encode_ping(&mut buf, *b"apnspush", ack);
        let data = *b"apnspush";
        assert_eq!(decode_one(&buf), Frame::Ping { ack, data });
    }
}

#[test]
fn window_update_round_trip() {
    for (stream_id, increment) in [(0, 1), (5, 65_535), (7, 0x7fff_ffff)] {
        let mut buf = Vec::new();
        frame::encode_window_update(&mut buf, stream_id, increment);
        let expected = Frame::WindowUpdate {
            stream_id,
            increment,
        };
        assert_eq!(decode_one(&buf), expected);
    }
}

#[test]
fn rst_stream_round_trip() {
    let mut buf = Vec::new();
    frame::encode_rst_stream(&mut buf, 9, error_code::REFUSED_STREAM);
    let expected = Frame::RstStream {
        stream_id: 9,
        error_code: 7,
    };
    assert_eq!(decode_one(&buf), expected);
}

#[test]
fn goaway_round_trip_and_debug_truncation() {
    let mut buf = Vec::new();
    let debug = br#"{"reason":"Shutdown"}"#;
    frame::encode_goaway(&mut buf, 41, error_code::NO_ERROR, debug);
    let expected = Frame::GoAway {
        last_stream_id: 41,
        error_code: 0,
        debug_data: debug.to_vec(),
    };
    assert_eq!(decode_one(&buf), expected);

    let mut buf = Vec::new();
    frame::encode_goaway(&mut buf, 1, error_code::PROTOCOL_ERROR, &[b'x'; 20_000]);
    let Frame::GoAway { debug_data, .. } = decode_one(&buf) else {
        panic!("not a GOAWAY");
    };
    assert_eq!(debug_data.len(), DEFAULT_MAX_FRAME_SIZE as usize - 8);
}

#[test]
fn data_round_trip_split_and_empty() {
    let mut buf = Vec::new();
    frame::encode_data(&mut buf, 1, b"{\"aps\":{}}", true, 16_384);
    let expected = Frame::Data {
        stream_id: 1,
        data: b"{\"aps\":{}}".to_vec(),
        end_stream: true,
        flow_len: 10,
    };
    assert_eq!(decode_one(&buf), expected);

    let body: Vec<u8> = (0..40_000u32).map(|i| i as u8).collect();
    let mut buf = Vec::new();
    frame::encode_data(&mut buf, 3, &body, true, 0); // 0 is clamped to 16384
    let frames = decode_all(&buf);
    assert_eq!(frames.len(), 3);
    let mut joined = Vec::new();
    for (i, f) in frames.into_iter().enumerate() {
        let Frame::Data {
            stream_id,
            data,
            end_stream,
            ..
        } = f
        else {
            panic!("not DATA");
        };
        assert_eq!(stream_id, 3);
        assert_eq!(end_stream, i == 2);
        assert!(data.len() <= 16_384);
        joined.extend(data);
    }
    assert_eq!(joined, body);

    let mut buf = Vec::new();
    frame::encode_data(&mut buf, 5, b"", true, 16_384);
    let expected = Frame::Data {
        stream_id: 5,
        data: vec![],
        end_stream: true,
        flow_len: 0,
    };
    assert_eq!(decode_one(&buf), expected);
}

#[test]
fn padded_data_is_stripped_but_counted_for_flow_control() {
    let mut payload = vec![3u8];
    payload.extend_from_slice(b"hello");
    payload.extend_from_slice(&[0, 0, 0]);
    let bytes = raw(kind::DATA, flags::PADDED | flags::END_STREAM, 1, &payload);
    let expected = Frame::Data {
        stream_id: 1,
        data: b"hello".to_vec(),
        end_stream: true,
        flow_len: 9,
    };
    assert_eq!(decode_one(&bytes), expected);
    // Padding that consumes everything after the pad length is legal.
    let bytes = raw(kind::DATA, flags::PADDED, 1, &[2, 0, 0]);
    assert!(matches!(decode_one(&bytes), Frame::Data { data, .. } if data.is_empty()));
}

#[test]
fn headers_round_trip_with_padding_and_priority() {
    let mut buf = Vec::new();
    frame::encode_headers(&mut buf, 1, b"\x82\x87", false, 16_384);
    let expected = Frame::Headers {
        stream_id: 1,
        block: b"\x82\x87".to_vec(),
        end_stream: false,
        end_headers: true,
    };
    assert_eq!(decode_one(&buf), expected);

    let mut payload = vec![2u8]; // pad length
    payload.extend_from_slice(&[0x80, 0, 0, 3, 200]); // dependency + weight
    payload.extend_from_slice(b"\x88");
    payload.extend_from_slice(&[0, 0]);
    let fl = flags::PADDED | flags::PRIORITY | flags::END_HEADERS | flags::END_STREAM;
    let expected = Frame::Headers {
        stream_id: 7,
        block: b"\x88".to_vec(),
        end_stream: true,
        end_headers: true,
    };
    assert_eq!(decode_one(&raw(kind::HEADERS, fl, 7, &payload)), expected);
}

#[test]
fn priority_and_unknown_frames_are_surfaced_to_be_ignored() {
    let bytes = raw(kind::PRIORITY, 0, 3, &[0, 0, 0, 1, 16]);
    assert_eq!(decode_one(&bytes), Frame::Priority { stream_id: 3 });
    let bytes = raw(0xfa, 0xff, 0, b"anything");
    let expected = Frame::Unknown {
        kind: 0xfa,
        stream_id: 0,
    };
    assert_eq!(decode_one(&bytes), expected);
}

#[test]
fn continuation_split_and_join() {
    let block: Vec<u8> = (0..40_000u32).map(|i| (i * 7) as u8).collect();
    let mut buf = Vec::new();
    frame::encode_headers(&mut buf, 11, &block, true, 16_384);
    let frames = decode_all(&buf);
    let kinds: Vec<(usize, bool)> = frames
        .iter()
        .map(|f| match f {
            Frame::Headers {
                block, end_headers, ..
            } => (block.len(), *end_headers),
            Frame::Continuation {
                block, end_headers, ..
            } => (block.len(), *end_headers),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(kinds, [(16_384, false), (16_384, false), (7_232, true)]);
    assert!(matches!(
        frames[0],
        Frame::Headers {
            end_stream: true,
            ..
        }
    ));
    assert!(matches!(
        frames[1],
        Frame::Continuation { stream_id: 11, .. }
    ));

    let mut assembler = HeaderAssembler::default();
    let results: Vec<Assembled> = frames
        .into_iter()
        .map(|f| assembler.push(f).expect("valid sequence"))
        .collect();
    assert_eq!(results[0], Assembled::Pending);
    assert_eq!(results[1], Assembled::Pending);
    let expected = Assembled::Block(HeaderBlock {
        stream_id: 11,
        block,
        end_stream: true,
    });
    assert_eq!(results[2], expected);
    assert!(!assembler.is_pending());
}

#[test]
fn headers_use_the_peer_max_frame_size() {
    let block = vec![0x82; 20_000];
    let mut buf = Vec::new();
    frame::encode_headers(&mut buf, 1, &block, false, 32_768);
    assert_eq!(buf.len(), 9 + 20_000, "one frame when it fits");
    let mut decoder = FrameDecoder::new();
    decoder.set_max_frame_size(32_768);
    decoder.feed(&buf);
    assert!(matches!(
        decoder.next_frame(),
        Ok(Some(Frame::Headers {
            end_headers: true,
            ..
        }))
    ));
    assert_code(&buf, error_code::FRAME_SIZE_ERROR); // default limit 16384
}

#[test]
fn assembler_passes_other_frames_through() {
    let mut assembler = HeaderAssembler::default();
    let ping = Frame::Ping {
        ack: false,
        data: [1; 8],
    };
    assert_eq!(assembler.push(ping.clone()), Ok(Assembled::Frame(ping)));
    let headers = Frame::Headers {
        stream_id: 1,
        block: vec![0x88],
        end_stream: false,
        end_headers: true,
    };
    let expected = Assembled::Block(HeaderBlock {
        stream_id: 1,
        block: vec![0x88],
        end_stream: false,
    });
    assert_eq!(assembler.push(headers), Ok(expected));
}

fn open_headers(stream_id: u32) -> Frame {
    Frame::Headers {
        stream_id,
        block: vec![0x82],
        end_stream: false,
        end_headers: false,
    }
}

fn continuation(stream_id: u32) -> Frame {
    Frame::Continuation {
        stream_id,
        block: vec![0x87],
        end_headers: true,
    }
}

fn assemble_err(frames: Vec<Frame>) -> FrameError {
    let mut assembler = HeaderAssembler::default();
    for f in frames {
        if let Err(err) = assembler.push(f) {
            return err;
        }
    }
    panic!("sequence accepted");
}

#[test]
fn assembler_rejects_broken_sequences() {
    let protocol = error_code::PROTOCOL_ERROR;
    let interleaved = [
        Frame::Ping {
            ack: false,
            data: [0; 8],
        },
        Frame::Priority { stream_id: 1 },
        Frame::Unknown {
            kind: 0xee,
            stream_id: 1,
        },
        open_headers(3),
        Frame::Data {
            stream_id: 1,
            data: vec![],
            end_stream: false,
            flow_len: 0,
        },
    ];
    for other in interleaved {
        assert_eq!(assemble_err(vec![open_headers(1), other]).code, protocol);
    }
    let wrong_stream = vec![open_headers(1), continuation(3)];
    assert_eq!(assemble_err(wrong_stream).code, protocol);
    assert_eq!(assemble_err(vec![continuation(1)]).code, protocol);

    let mut small = HeaderAssembler::new(10);
    let big = Frame::Headers {
        stream_id: 1,
        block: vec![0; 8],
        end_stream: false,
        end_headers: false,
    };
    assert_eq!(small.push(big), Ok(Assembled::Pending));
    let err = small.push(Frame::Continuation {
        stream_id: 1,
        block: vec![0; 8],
        end_headers: true,
    });
    assert_eq!(err.map_err(|e| e.code), Err(error_code::ENHANCE_YOUR_CALM));
}

#[test]
fn decoding_is_independent_of_chunking() {
    let mut wire = Vec::new();
    frame::encode_settings(&mut wire, &[(setting::MAX_CONCURRENT_STREAMS, 100)]);
    frame::encode_window_update(&mut wire, 0, 1 << 20);
    frame::encode_headers(&mut wire, 1, &[0x88; 30_000], false, 16_384);
    frame::encode_data(
        &mut wire,
        1,
        b"{\"reason\":\"BadDeviceToken\"}",
        true,
        16_384,
    );
    frame::encode_ping(&mut wire, [9; 8], true);
    let whole = decode_all(&wire);
    assert_eq!(whole.len(), 6);

    let mut decoder = FrameDecoder::new();
    let mut bytewise = Vec::new();
    for b in &wire {
        decoder.feed(std::slice::from_ref(b));
        while let Some(f) = decoder.next_frame().unwrap() {
            bytewise.push(f);
        }
    }
    assert_eq!(bytewise, whole);
}

#[test]
fn server_side_decoder_checks_the_preface() {
    assert_eq!(frame::check_preface(b"PRI * HT"), Ok(false));
    assert_eq!(frame::check_preface(PREFACE), Ok(true));
    assert_eq!(frame::check_preface(b""), Ok(false));
    let bad = frame::check_preface(b"GET / HTTP/1.1\r\n");
    assert_eq!(bad.map_err(|e| e.code), Err(error_code::PROTOCOL_ERROR));

    let mut wire = PREFACE.to_vec();
    frame::encode_settings(&mut wire, &[(setting::ENABLE_PUSH, 0)]);
    let mut decoder = FrameDecoder::server_side();
    decoder.feed(&wire[..10]);
    assert_eq!(decoder.next_frame(), Ok(None));
    decoder.feed(&wire[10..]);
    let params = vec![(setting::ENABLE_PUSH, 0)];
    let expected = Frame::Settings { ack: false, params };
    assert_eq!(decoder.next_frame(), Ok(Some(expected)));

    let mut decoder = FrameDecoder::server_side();
    decoder.feed(b"PRI * HTTP/1.1");
    let err = decoder.next_frame().map_err(|e| e.code);
    assert_eq!(err, Err(error_code::PROTOCOL_ERROR));
}

// ---------------------------------------------------------------- malformed frames

#[test]
fn wrong_fixed_lengths_are_frame_size_errors() {
    let size = error_code::FRAME_SIZE_ERROR;
    assert_code(&raw(kind::PING, 0, 0, &[0; 7]), size);
    assert_code(&raw(kind::PING, 0, 0, &[0; 9]), size);
    assert_code(&raw(kind::SETTINGS, 0, 0, &[0; 5]), size);
    assert_code(&raw(kind::SETTINGS, 0, 0, &[0, 3, 0, 0, 0, 1, 0]), size);
    assert_code(
        &raw(kind::SETTINGS, flags::ACK, 0, &[0, 3, 0, 0, 0, 1]),
        size,
    );
    assert_code(&raw(kind::WINDOW_UPDATE, 0, 0, &[0, 0, 1]), size);
    assert_code(&raw(kind::WINDOW_UPDATE, 0, 1, &[0, 0, 0, 0, 1]), size);
    assert_code(&raw(kind::RST_STREAM, 0, 1, &[0, 0, 0]), size);
    assert_code(&raw(kind::RST_STREAM, 0, 1, &[0, 0, 0, 0, 8]), size);
    assert_code(&raw(kind::PRIORITY, 0, 1, &[0, 0, 0, 0]), size);
    assert_code(&raw(kind::PRIORITY, 0, 1, &[0; 6]), size);
    assert_code(&raw(kind::GOAWAY, 0, 0, &[0; 7]), size);
    assert_code(&raw(kind::DATA, flags::PADDED, 1, &[]), size);
    let fl = flags::PRIORITY | flags::END_HEADERS;
    assert_code(&raw(kind::HEADERS, fl, 1, &[0, 0, 0, 1]), size);
}

#[test]
fn stream_id_rules_are_protocol_errors() {
    let protocol = error_code::PROTOCOL_ERROR;
    assert_code(&raw(kind::SETTINGS, 0, 1, &[]), protocol);
    assert_code(&raw(kind::PING, 0, 3, &[0; 8]), protocol);
    assert_code(&raw(kind::GOAWAY, 0, 5, &[0; 8]), protocol);
    assert_code(&raw(kind::DATA, 0, 0, b"x"), protocol);
    assert_code(
        &raw(kind::HEADERS, flags::END_HEADERS, 0, &[0x82]),
        protocol,
    );
    assert_code(&raw(kind::RST_STREAM, 0, 0, &[0, 0, 0, 8]), protocol);
    assert_code(
        &raw(kind::CONTINUATION, flags::END_HEADERS, 0, &[0x82]),
        protocol,
    );
    assert_code(&raw(kind::PRIORITY, 0, 0, &[0; 5]), protocol);
}

#[test]
fn padding_longer_than_payload_is_a_protocol_error() {
    let protocol = error_code::PROTOCOL_ERROR;
    assert_code(&raw(kind::DATA, flags::PADDED, 1, &[5, 1, 2, 3]), protocol);
    assert_code(&raw(kind::DATA, flags::PADDED, 1, &[1]), protocol);
    let fl = flags::PADDED | flags::END_HEADERS;
    assert_code(&raw(kind::HEADERS, fl, 1, &[4, 0x82, 0, 0]), protocol);
    // Padding fits, but leaves no room for the priority fields.
    let fl = flags::PADDED | flags::PRIORITY | flags::END_HEADERS;
    assert_code(
        &raw(kind::HEADERS, fl, 1, &[1, 0, 0, 0, 0]),
        error_code::FRAME_SIZE_ERROR,
    );
}

#[test]
fn zero_window_increment_is_a_protocol_error() {
    assert_code(
        &raw(kind::WINDOW_UPDATE, 0, 0, &[0; 4]),
        error_code::PROTOCOL_ERROR,
    );
    assert_code(
        &raw(kind::WINDOW_UPDATE, 0, 3, &[0; 4]),
        error_code::PROTOCOL_ERROR,
    );
    // The reserved bit is not part of the increment.
    let bytes = raw(kind::WINDOW_UPDATE, 0, 3, &[0x80, 0, 0, 0]);
    assert_code(&bytes, error_code::PROTOCOL_ERROR);
}

#[test]
fn oversized_frames_are_refused_from_the_header_alone() {
    let header = FrameHeader {
        len: 16_385,
        kind: kind::DATA,
        flags: 0,
        stream_id: 1,
    };
    let mut buf = Vec::new();
    header.encode(&mut buf); // no payload: the decoder must not wait for it
    assert_code(&buf, error_code::FRAME_SIZE_ERROR);
    let mut decoder = FrameDecoder::new();
    decoder.set_max_frame_size(1 << 20);
    decoder.feed(&buf);
    assert_eq!(decoder.next_frame(), Ok(None), "within a raised limit");
}

#[test]
fn push_promise_and_bad_settings_values_are_refused() {
    let bytes = raw(
        kind::PUSH_PROMISE,
        flags::END_HEADERS,
        1,
        &[0, 0, 0, 2, 0x82],
    );
    assert_code(&bytes, error_code::PROTOCOL_ERROR);
    let mut buf = Vec::new();
    frame::encode_settings(&mut buf, &[(setting::ENABLE_PUSH, 2)]);
    assert_code(&buf, error_code::PROTOCOL_ERROR);
    let mut buf = Vec::new();
    frame::encode_settings(&mut buf, &[(setting::INITIAL_WINDOW_SIZE, 1 << 31)]);
    assert_code(&buf, error_code::FLOW_CONTROL_ERROR);
    for size in [16_383, 1 << 24] {
        let mut buf = Vec::new();
        frame::encode_settings(&mut buf, &[(setting::MAX_FRAME_SIZE, size)]);
        assert_code(&buf, error_code::PROTOCOL_ERROR);
    }
}

#[test]
fn decoder_stays_failed_after_an_error() {
    let mut decoder = FrameDecoder::new();
    decoder.feed(&raw(kind::PING, 0, 0, &[0; 3]));
    let first = decoder.next_frame();
    assert!(first.is_err());
    let mut good = Vec::new();
    frame::encode_ping(&mut good, [0; 8], false);
    decoder.feed(&good);
    assert_eq!(decoder.next_frame(), first);
    assert!(first.unwrap_err().to_string().contains("FRAME_SIZE_ERROR"));
}

#[test]
fn error_code_names() {
    assert_eq!(error_code::REFUSED_STREAM, 7);
    assert_eq!(
        error_code::name(error_code::REFUSED_STREAM),
        "REFUSED_STREAM"
    );
    assert_eq!(error_code::name(0xd), "HTTP_1_1_REQUIRED");
    assert_eq!(error_code::name(0xe), "UNKNOWN_ERROR");
    assert_eq!(error_code::name(u32::MAX), "UNKNOWN_ERROR");
    let ids = [
        setting::HEADER_TABLE_SIZE,
        setting::ENABLE_PUSH,
        setting::MAX_CONCURRENT_STREAMS,
        setting::INITIAL_WINDOW_SIZE,
        setting::MAX_FRAME_SIZE,
        setting::MAX_HEADER_LIST_SIZE,
    ];
    assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
}

// ---------------------------------------------------------------- HPACK

const JWT: &str = "eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQzEyMzQ1NjcifQ.eyJpc3MiOiJERUYxMjM0NTY3IiwiaWF0IjoxNzAwMDAwMDAwfQ.MEUCIQDxyzabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcd";

fn request(token: &str, id: &str) -> Vec<(String, String)> {
    let pairs = [
        (":method", "POST".to_string()),
        (":scheme", "https".to_string()),
        (":authority", "api.sandbox.push.apple.com".to_string()),
        (":path", format!("/3/device/{}", token)),
        ("authorization", format!("bearer {JWT}")),
        ("apns-topic", "com.example.app".to_string()),
        ("apns-push-type", "alert".to_string()),
        ("apns-priority", "10".to_string()),
        ("apns-id", id.to_string()),
        ("apns-expiration", "0".to_string()),
        ("apns-collapse-id", "group-1".to_string()),
    ];
    pairs.into_iter().map(|(n, v)| (n.to_string(), v)).collect()
}

fn as_bytes(list: &[(String, String)]) -> Vec<(Vec<u8>, Vec<u8>)> {
    list.iter()
        .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn hpack_round_trip_and_indexing_policy() {
    let mut encoder = HeaderEncoder::new();
    let mut decoder = HeaderDecoder::new();
    let token_a = "aa".repeat(32);
    let token_b = "bb".repeat(32);
    let first_headers = request(&token_a, "11111111-2222-3333-4444-555555555555");
    let second_headers = request(&token_b, "66666666-7777-8888-9999-000000000000");

    let mut first = Vec::new();
    encoder.encode(first_headers.iter().map(|(n, v)| (n, v)), &mut first);
    let mut second = Vec::new();
    encoder.encode(second_headers.iter().map(|(n, v)| (n, v)), &mut second);

    assert_eq!(decoder.decode(&first).unwrap(), as_bytes(&first_headers));
    assert_eq!(decoder.decode(&second).unwrap(), as_bytes(&second_headers));

    // The stable headers became one-byte indices; the per-request values are sent again.
    assert!(contains(&first, JWT.as_bytes()));
    assert!(!contains(&second, JWT.as_bytes()));
    assert!(!contains(&second, b"com.example.app"));
    assert!(contains(&second, token_b.as_bytes()));
    assert!(contains(&second, b"66666666-7777"));
    assert!(
        contains(&second, b"group-1"),
        "collapse id is never indexed"
    );
    assert!(first.len() > 400, "first block {} bytes", first.len());
    assert!(second.len() < 180, "second block {} bytes", second.len());
    assert!(second.len() * 2 < first.len());
    // `apns-id` goes out as a literal without indexing with a literal name (RFC 7541 §6.2.2),
    // `:path` likewise with the static name index 4.
    assert!(contains(&second, b"\x00\x07apns-id\x24"));
    assert!(contains(&second, b"\x04\x4a/3/device/"));
}

#[test]
fn hpack_response_headers() {
    let mut encoder = HeaderEncoder::new();
    let mut decoder = HeaderDecoder::new();
    let mut block = Vec::new();
    encoder.encode([(":status", "200")], &mut block);
    assert_eq!(block, [0x88], "static table entry 8");
    for status in ["410", "200", "410", "429"] {
        let mut block = Vec::new();
        let headers = [(":status", status), ("apns-id", "abc")];
        encoder.encode(headers, &mut block);
        let decoded = decoder.decode(&block).unwrap();
        assert_eq!(
            decoded[0],
            (b":status".to_vec(), status.as_bytes().to_vec())
        );
        assert_eq!(decoded[1], (b"apns-id".to_vec(), b"abc".to_vec()));
    }
}

#[test]
fn hpack_explicit_representations() {
    let mut encoder = HeaderEncoder::new();
    let mut block = Vec::new();
    let fields = [
        ("x-secret", "s3cr3t", Indexing::NeverIndexed),
        ("x-plain", "v", Indexing::WithoutIndexing),
        ("x-kept", "v", Indexing::Incremental),
        ("x-kept", "v", Indexing::Incremental),
    ];
    encoder.encode_with(fields, &mut block);
    assert_eq!(block[0], 0x10, "never indexed, literal name");
    assert!(contains(&block, b"\x00\x07x-plain"));
    assert!(contains(&block, b"\x40\x06x-kept"));
    assert_eq!(
        *block.last().unwrap(),
        0x80 | 62,
        "second x-kept is indexed"
    );
    let decoded = HeaderDecoder::new().decode(&block).unwrap();
    assert_eq!(decoded.len(), 4);
    assert_eq!(decoded[0], (b"x-secret".to_vec(), b"s3cr3t".to_vec()));
}

#[test]
fn hpack_stays_in_sync_through_eviction_and_table_resizes() {
    let mut encoder = HeaderEncoder::new();
    let mut decoder = HeaderDecoder::new();
    for i in 0..300 {
        if i == 100 {
            encoder.set_peer_table_size(0);
        }
        if i == 150 {
            encoder.set_peer_table_size(200);
            encoder.set_peer_table_size(1000);
        }
        if i == 200 {
            encoder.set_peer_table_size(u32::MAX);
        }
        let topic = format!("com.example.app{}", i % 37);
        let headers = [
            (":method", "POST"),
            (":authority", "api.push.apple.com"),
            ("apns-topic", topic.as_str()),
        ];
        let mut block = Vec::new();
        encoder.encode(headers, &mut block);
        if i == 100 {
            assert_eq!(block[0], 0x20, "size update to 0 first");
        }
        if i == 150 {
            assert_eq!(&block[..2], [0x3f, 0xa9], "smallest size (200) first");
        }
        let decoded = decoder.decode(&block).unwrap();
        assert_eq!(decoded[2].1, topic.as_bytes(), "block {i}");
    }
}

#[test]
fn hpack_garbage_is_a_compression_error_and_poisons_the_decoder() {
    for garbage in [
        &[0xff][..],
        &[0x80 | 70],
        &[0x40, 0x7f],
        &[0x00, 0x05, b'a'],
        &[0x3f],
    ] {
        let mut decoder = HeaderDecoder::new();
        let err = decoder.decode(garbage).unwrap_err();
        assert!(err.is_connection_error(), "{garbage:02x?}");
        assert_eq!(err.error_code(), error_code::COMPRESSION_ERROR);
        assert!(decoder.decode(&[0x88]).is_err(), "context is lost");
    }
    // A size update beyond the advertised table size.
    let mut decoder = HeaderDecoder::with_limits(100, 1 << 16);
    let err = decoder.decode(&[0x3f, 0xe1, 0x1f, 0x88]).unwrap_err();
    assert!(matches!(err, HpackError::Compression { .. }));
}

#[test]
fn hpack_oversized_list_fails_the_stream_but_keeps_sync() {
    let mut encoder = HeaderEncoder::new();
    let mut decoder = HeaderDecoder::with_limits(4096, 200);
    let big = "v".repeat(300);
    let mut block = Vec::new();
    encoder.encode(
        [("apns-topic", "com.example"), ("x-big", big.as_str())],
        &mut block,
    );
    let err = decoder.decode(&block).unwrap_err();
    assert_eq!(
        err,
        HpackError::HeaderListTooLarge {
            size: 10 + 11 + 32 + 5 + 300 + 32,
            max: 200
        }
    );
    assert!(!err.is_connection_error());
    let mut block = Vec::new();
    encoder.encode([("apns-topic", "com.example")], &mut block);
    assert_eq!(block, [0x80 | 62]);
    let decoded = decoder.decode(&block).unwrap();
    assert_eq!(decoded, [(b"apns-topic".to_vec(), b"com.example".to_vec())]);
}

#[test]
fn hpack_encoder_debug_hides_the_token() {
    let mut encoder = HeaderEncoder::new();
    let mut block = Vec::new();
    encoder.encode([("authorization", "bearer SECRET-TOKEN")], &mut block);
    let debug = format!("{encoder:?}");
    assert!(!debug.contains("SECRET"), "{debug}");
}

// ---------------------------------------------------------------- JWT

fn test_key() -> &'static ProviderKey {
    static KEY: OnceLock<ProviderKey> = OnceLock::new();
    KEY.get_or_init(|| {
        ProviderKey::from_pem(&jwt::generate_test_key_pem(), "ABC1234567", "DEF1234567")
            .expect("generated key loads")
    })
}

const NOW: u64 = 1_700_000_000;

fn b64json(part: &str) -> serde_json::Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[test]
fn jwt_sign_verify_round_trip() {
    let key = test_key();
    let token = key.sign(NOW).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert!(!token.contains('='), "no padding");
    let header = b64json(parts[0]);
    assert_eq!(
        header,
        serde_json::json!({"alg": "ES256", "kid": "ABC1234567"})
    );
    let claims = b64json(parts[1]);
    assert_eq!(claims, serde_json::json!({"iss": "DEF1234567", "iat": NOW}));
    assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(), 64);

    let expected = Claims {
        kid: "ABC1234567".into(),
        iss: "DEF1234567".into(),
        iat: NOW,
    };
    assert_eq!(key.public_key().len(), 65);
    assert_eq!(
        jwt::verify(&token, key.public_key(), NOW),
        Ok(expected.clone())
    );
    let mut spki = vec![
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];
    spki.extend_from_slice(key.public_key());
    assert_eq!(jwt::verify(&token, &spki, NOW + 10), Ok(expected));
    assert_eq!(jwt::peek_key_id(&token), Ok("ABC1234567".to_string()));
}

#[test]
fn jwt_ids_are_json_escaped() {
    let pem = jwt::generate_test_key_pem();
    let key = ProviderKey::from_pem(&pem, "k\"1\\", "team\n").unwrap();
    let token = key.sign(NOW).unwrap();
    let claims = jwt::verify(&token, key.public_key(), NOW).unwrap();
    assert_eq!(
        (claims.kid.as_str(), claims.iss.as_str()),
        ("k\"1\\", "team\n")
    );
}

fn flip_last_char(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let last = chars.last_mut().unwrap();
    *last = if *last == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

#[test]
fn jwt_tampering_is_invalid() {
    let key = test_key();
    let token = key.sign(NOW).unwrap();
    let invalid =
        |t: &str, k: &[u8]| matches!(jwt::verify(t, k, NOW), Err(JwtVerifyError::Invalid(_)));
    assert!(invalid(&flip_last_char(&token), key.public_key()));

    let (header, rest) = token.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    let forged = URL_SAFE_NO_PAD.encode(br#"{"iss":"DEF1234567","iat":1700000001}"#);
    assert!(invalid(
        &format!("{header}.{forged}.{sig}"),
        key.public_key()
    ));

    let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"ABC1234567"}"#);
    assert!(invalid(&format!("{none}.{}", rest), key.public_key()));

    let other = ProviderKey::from_pem(&jwt::generate_test_key_pem(), "K", "T").unwrap();
    assert!(invalid(&token, other.public_key()));
    assert!(invalid(&token, &[4; 65]));
    assert!(invalid(&format!("{token}.x"), key.public_key()));
    assert!(invalid("", key.public_key()));
}

#[test]
fn jwt_age_rules() {
    let key = test_key();
    let token = key.sign(NOW).unwrap();
    assert!(jwt::verify(&token, key.public_key(), NOW + 3600).is_ok());
    assert_eq!(
        jwt::verify(&token, key.public_key(), NOW + 3601),
        Err(JwtVerifyError::Expired {
            iat: NOW,
            now: NOW + 3601
        })
    );
    let future = jwt::verify(&token, key.public_key(), NOW - 301);
    assert!(matches!(future, Err(JwtVerifyError::Invalid(_))));
    // An old token with a bad signature is Invalid, not Expired.
    let bad = flip_last_char(&token);
    let result = jwt::verify(&bad, key.public_key(), NOW + 100_000);
    assert!(matches!(result, Err(JwtVerifyError::Invalid(_))));
}

#[test]
fn jwt_key_loading_errors_reveal_no_key_material() {
    let pem = jwt::generate_test_key_pem();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let body_line = pem.lines().nth(1).unwrap();

    let err = ProviderKey::from_pem("not a pem", "K", "T").unwrap_err();
    assert_eq!(err, JwtError::NoPkcs8Key);
    let sec1 = pem.replace("PRIVATE KEY", "EC PRIVATE KEY");
    assert_eq!(
        ProviderKey::from_pem(&sec1, "K", "T").unwrap_err(),
        JwtError::NoPkcs8Key
    );
    let truncated = pem.replace("-----END PRIVATE KEY-----\n", "");
    let err = ProviderKey::from_pem(&truncated, "K", "T").unwrap_err();
    assert_eq!(err, JwtError::MalformedPem);
    let wrong = "-----BEGIN PRIVATE KEY-----\nAAECAwQFBgcICQ==\n-----END PRIVATE KEY-----\n";
    let err = ProviderKey::from_pem(wrong, "K", "T").unwrap_err();
    assert!(matches!(err, JwtError::KeyRejected(_)), "{err:?}");
    let err = ProviderKey::from_pem(&pem, "", "T").unwrap_err();
    assert!(matches!(err, JwtError::EmptyId(_)));
    for err in [err, JwtError::MalformedPem, JwtError::NoPkcs8Key] {
        assert!(!err.to_string().contains(body_line));
    }

    let key = ProviderKey::from_pem(&pem, "K", "T").unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains("<redacted>"));
    assert!(!debug.contains(body_line));
}

#[test]
fn jwt_signatures_use_fresh_nonces() {
    let key = test_key();
    let a = key.sign(NOW).unwrap();
    let b = key.sign(NOW).unwrap();
    assert_ne!(a, b);
    assert!(jwt::verify(&a, key.public_key(), NOW).is_ok());
    assert!(jwt::verify(&b, key.public_key(), NOW).is_ok());
}

// ---------------------------------------------------------------- no panic on any input

/// Feeds `bytes` split at `cuts` and collects frames until the first error.
fn run_decoder(
    mut decoder: FrameDecoder,
    bytes: &[u8],
    cuts: &[usize],
) -> Vec<Result<Frame, FrameError>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    bounds.sort_unstable();
    bounds.push(bytes.len());
    let mut assembler = HeaderAssembler::default();
    for end in bounds {
        decoder.feed(&bytes[start..end]);
        start = end;
        loop {
            match decoder.next_frame() {
                Ok(Some(f)) => {
                    let _ = assembler.push(f.clone());
                    out.push(Ok(f));
                }
                Ok(None) => break,
                Err(e) => {
                    out.push(Err(e));
                    return out;
                }
            }
        }
    }
    out
}

fn arb_frame_bytes() -> impl Strategy<Value = Vec<u8>> {
    let data = (
        1u32..100,
        proptest::collection::vec(any::<u8>(), 0..300),
        any::<bool>(),
    )
        .prop_map(|(id, d, end)| {
            let mut b = Vec::new();
            frame::encode_data(&mut b, id, &d, end, 16_384);
            b
        });
    let ping = (any::<[u8; 8]>(), any::<bool>()).prop_map(|(d, ack)| {
        let mut b = Vec::new();
        frame::encode_ping(&mut b, d, ack);
        b
    });
    let window = (0u32..100, 1u32..0x7fff_ffff).prop_map(|(id, inc)| {
        let mut b = Vec::new();
        frame::encode_window_update(&mut b, id, inc);
        b
    });
    let headers =
        (1u32..100, proptest::collection::vec(any::<u8>(), 0..40_000)).prop_map(|(id, h)| {
            let mut b = Vec::new();
            frame::encode_headers(&mut b, id, &h, false, 16_384);
            b
        });
    prop_oneof![data, ping, window, headers]
}

proptest! {
    #[test]
    fn frame_decoder_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..4096),
        cuts in proptest::collection::vec(any::<usize>(), 0..16),
        server in any::<bool>(),
    ) {
        let make = || if server { FrameDecoder::server_side() } else { FrameDecoder::new() };
        let chunked = run_decoder(make(), &bytes, &cuts);
        let whole = run_decoder(make(), &bytes, &[]);
        prop_assert_eq!(chunked, whole);
    }

    #[test]
    fn frame_decoder_never_panics_after_a_valid_prefix(
        prefix in proptest::collection::vec(any::<u8>(), 0..64),
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut wire = PREFACE.to_vec();
        frame::encode_frame(&mut wire, prefix.first().copied().unwrap_or(0) % 12, 0, 1, &prefix);
        wire.extend_from_slice(&bytes);
        let _ = run_decoder(FrameDecoder::server_side(), &wire, &[30, 40]);
    }

    #[test]
    fn valid_frames_survive_any_chunking(
        frames in proptest::collection::vec(arb_frame_bytes(), 1..6),
        cuts in proptest::collection::vec(any::<usize>(), 0..16),
    ) {
        let wire: Vec<u8> = frames.concat();
        let whole = run_decoder(FrameDecoder::new(), &wire, &[]);
        prop_assert!(whole.iter().all(|r| r.is_ok()));
        prop_assert_eq!(run_decoder(FrameDecoder::new(), &wire, &cuts), whole);
    }

    #[test]
    fn header_decoder_never_panics(
        blocks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..256), 1..4),
    ) {
        let mut decoder = HeaderDecoder::with_limits(4096, 1024);
        for block in blocks {
            let _ = decoder.decode(&block);
        }
    }

    #[test]
    fn hpack_round_trips_any_list(
        lists in proptest::collection::vec(
            proptest::collection::vec(
                (prop_oneof![
                    Just(":path".to_string()), Just("apns-topic".to_string()),
                    Just("authorization".to_string()), Just("apns-id".to_string()),
                    "[a-z-]{1,12}",
                ], proptest::collection::vec(any::<u8>(), 0..300)),
                0..12),
            1..6),
        table_size in prop_oneof![Just(4096u32), 0u32..5000],
    ) {
        let mut encoder = HeaderEncoder::new();
        let mut decoder = HeaderDecoder::with_limits(4096, usize::MAX);
        encoder.set_peer_table_size(table_size);
        for list in lists {
            let mut block = Vec::new();
            encoder.encode(list.iter().map(|(n, v)| (n, v)), &mut block);
            let expected: Vec<(Vec<u8>, Vec<u8>)> =
                list.iter().map(|(n, v)| (n.as_bytes().to_vec(), v.clone())).collect();
            prop_assert_eq!(decoder.decode(&block), Ok(expected));
        }
    }

    #[test]
    fn jwt_verify_never_panics(token in ".{0,400}", key in proptest::collection::vec(any::<u8>(), 0..100)) {
        prop_assert!(jwt::verify(&token, &key, NOW).is_err());
        let _ = jwt::peek_key_id(&token);
    }

    #[test]
    fn jwt_verify_never_panics_on_token_shaped_input(
        header in "[A-Za-z0-9_-]{0,80}",
        claims in "[A-Za-z0-9_-]{0,80}",
        sig in "[A-Za-z0-9_-]{0,100}",
        json in prop_oneof![Just(r#"{"alg":"ES256","kid":"K"}"#.to_string()), "\\PC{0,40}"],
    ) {
        let key = test_key().public_key();
        let encoded = URL_SAFE_NO_PAD.encode(&json);
        for token in [format!("{header}.{claims}.{sig}"), format!("{encoded}.{encoded}.{sig}")] {
            let result = jwt::verify(&token, key, NOW);
            prop_assert!(matches!(result, Err(JwtVerifyError::Invalid(_))));
        }
    }
}

#[test]
fn hpack_table_size_update_waits_for_a_non_empty_block() {
    let mut encoder = HeaderEncoder::new();
    let mut decoder = HeaderDecoder::new();
    encoder.set_peer_table_size(0);
    let mut empty = Vec::new();
    encoder.encode(Vec::<(&str, &str)>::new(), &mut empty);
    assert!(empty.is_empty(), "a block may not end with a size update");
    assert_eq!(decoder.decode(&empty), Ok(vec![]));
    let mut block = Vec::new();
    encoder.encode([("apns-topic", "t")], &mut block);
    assert_eq!(block[0], 0x20);
    assert_eq!(decoder.decode(&block).unwrap().len(), 1);
    // Unchanged settings produce no update.
    encoder.set_peer_table_size(0);
    let mut block = Vec::new();
    encoder.encode([(":method", "POST")], &mut block);
    assert_eq!(block, [0x83]);
}
