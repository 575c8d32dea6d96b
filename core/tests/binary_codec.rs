//! Byte-for-byte checks of the binary provider protocol layouts (PROTOCOL.md §1).

use apnspush::binary::codec::{
    self, decode_feedback, decode_request, ErrorResponse, FeedbackTuple,
};

fn token() -> Vec<u8> {
    (0..32).collect()
}

#[test]
fn enhanced_layout_is_45_plus_payload() {
    let mut buf = Vec::new();
    codec::encode_enhanced(&mut buf, 0x0102_0304, 0x0A0B_0C0D, &token(), b"{\"a\":1}");
    let mut want = vec![1, 1, 2, 3, 4, 0x0A, 0x0B, 0x0C, 0x0D, 0, 32];
    want.extend(token());
    want.extend([0, 7]);
    want.extend(b"{\"a\":1}");
    assert_eq!(buf, want);
    assert_eq!(buf.len(), 45 + 7);
}

#[test]
fn frame_layout_is_61_plus_payload() {
    let mut buf = Vec::new();
    codec::encode_frame(&mut buf, 7, 99, 5, &token(), b"{}");
    let mut want = vec![2];
    let items_len: u32 = 3 + 32 + 3 + 2 + 3 + 4 + 3 + 4 + 3 + 1;
    want.extend(items_len.to_be_bytes());
    want.extend([1, 0, 32]);
    want.extend(token());
    want.extend([2, 0, 2, b'{', b'}']);
    want.extend([3, 0, 4, 0, 0, 0, 7]);
    want.extend([4, 0, 4, 0, 0, 0, 99]);
    want.extend([5, 0, 1, 5]);
    assert_eq!(buf, want);
    assert_eq!(buf.len(), 61 + 2);
}

#[test]
fn frame_allows_100_byte_tokens() {
    let mut buf = Vec::new();
    let long = vec![0xAB; 100];
    codec::encode_frame(&mut buf, 1, 0, 10, &long, b"{}");
    let (req, used) = decode_request(&buf).unwrap().unwrap();
    assert_eq!(used, buf.len());
    assert_eq!(req.token, long);
}

#[test]
fn requests_round_trip_and_partial_input_waits() {
    let mut buf = Vec::new();
    codec::encode_enhanced(&mut buf, 42, 1000, &token(), b"{\"x\":true}");
    codec::encode_frame(&mut buf, 43, 2000, 5, &token(), b"{}");
    for cut in 0..buf.len() {
        let r = decode_request(&buf[..cut]).unwrap();
        if let Some((_, used)) = r {
            assert!(used <= cut);
        }
    }
    let (a, used) = decode_request(&buf).unwrap().unwrap();
    assert_eq!(
        (a.command, a.identifier, a.expiry, a.payload.as_slice()),
        (1, 42, 1000, &b"{\"x\":true}"[..])
    );
    let (b, used2) = decode_request(&buf[used..]).unwrap().unwrap();
    assert_eq!(
        (b.command, b.identifier, b.expiry, b.priority),
        (2, 43, 2000, 5)
    );
    assert_eq!(used + used2, buf.len());
}

#[test]
fn simple_command_decodes() {
    let mut buf = vec![0, 0, 32];
    buf.extend(token());
    buf.extend([0, 2, b'{', b'}']);
    assert_eq!(buf.len(), 37 + 2);
    let (req, used) = decode_request(&buf).unwrap().unwrap();
    assert_eq!((req.command, used, req.token), (0, buf.len(), token()));
}

#[test]
fn unknown_command_is_an_error() {
    assert!(decode_request(&[9, 0, 0]).is_err());
}

#[test]
fn error_response_is_six_bytes() {
    let r = ErrorResponse {
        status: 8,
        identifier: 0xDEAD_BEEF,
    };
    assert_eq!(r.encode(), [8, 8, 0xDE, 0xAD, 0xBE, 0xEF]);
    assert_eq!(ErrorResponse::decode(&r.encode()), Some(r));
    assert_eq!(ErrorResponse::decode(&[7, 8, 0, 0, 0, 1]), None);
    assert_eq!(ErrorResponse::decode(&[8, 8, 0, 0, 0]), None);
}

#[test]
fn status_reasons_cover_the_table() {
    for (s, name) in [
        (1, "Processing error"),
        (8, "Invalid token"),
        (10, "Shutdown"),
        (128, "Protocol error"),
        (255, "None (unknown)"),
    ] {
        assert_eq!(codec::status::reason(s), name);
    }
}

#[test]
fn feedback_tuples_parse() {
    let tuples = vec![
        FeedbackTuple {
            timestamp: 1_700_000_000,
            token: token(),
        },
        FeedbackTuple {
            timestamp: 1_700_000_001,
            token: vec![0xFF; 32],
        },
    ];
    let mut buf = Vec::new();
    for t in &tuples {
        t.encode(&mut buf);
    }
    assert_eq!(buf.len(), 2 * 38);
    assert_eq!(&buf[..6], &[0x65, 0x53, 0xF1, 0x00, 0, 32]);
    assert_eq!(decode_feedback(&buf).unwrap(), tuples);
    assert_eq!(decode_feedback(&buf[..40]), Err(38));
    assert_eq!(decode_feedback(&[]).unwrap(), vec![]);
}

#[test]
fn unset_expiry_is_written_as_now_plus_30_days() {
    use codec::{expiry_on_wire, UNSET_EXPIRY_SECS};
    assert_eq!(UNSET_EXPIRY_SECS, 2_592_000);
    let now = 1_800_000_000;
    assert_eq!(expiry_on_wire(None, now), 1_802_592_000);
    assert_eq!(expiry_on_wire(Some(0), now), 0, "0 stays \"now or never\"");
    assert_eq!(expiry_on_wire(Some(1_900_000_000), now), 1_900_000_000);
    assert_eq!(expiry_on_wire(None, u64::from(u32::MAX) - 5), u32::MAX);
    let mut buf = Vec::new();
    codec::encode_frame(&mut buf, 9, expiry_on_wire(None, now), 10, &token(), b"{}");
    let (req, _) = decode_request(&buf).unwrap().unwrap();
    assert_eq!(req.expiry, 1_802_592_000);
}
