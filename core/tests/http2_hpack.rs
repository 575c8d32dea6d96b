//! HPACK (RFC 7541) against its Appendix C examples and against loona-hpack's decoder:
//! our decoder and our encoder (with and without Huffman coding) on the RFC's blocks, on
//! random header lists, and on random bytes, including every check a decoder must make.

use apnspush::http2::hpack::{HeaderDecoder, HeaderEncoder, HpackError, Huffman, Indexing};
use apnspush::http2::huffman::{self, HuffmanError};
use proptest::prelude::*;

type List = Vec<(Vec<u8>, Vec<u8>)>;

fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|d| u8::from_str_radix(std::str::from_utf8(d).unwrap(), 16).unwrap())
        .collect()
}

fn list(fields: &[(&str, &str)]) -> List {
    fields
        .iter()
        .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

/// A dynamic table size update to 256 (RFC 7541 §6.3), which C.5 and C.6 assume was made.
const RESIZE_256: [u8; 3] = [0x3f, 0xe1, 0x01];

/// Decodes `blocks` in order with ours and with loona-hpack, checking each list against
/// `lists` and our table size against `sizes`.
fn decode_sequence(blocks: &[Vec<u8>], lists: &[List], sizes: &[usize]) {
    let mut ours = HeaderDecoder::new();
    let mut reference = loona_hpack::Decoder::new();
    for (i, block) in blocks.iter().enumerate() {
        assert_eq!(ours.decode(block).as_ref(), Ok(&lists[i]), "block {i}");
        assert_eq!(reference.decode(block).unwrap(), lists[i], "block {i}");
        assert_eq!(ours.table_size(), sizes[i], "block {i}");
    }
}

/// Encodes `lists` with every field added to the table, as the RFC's examples do.
fn encode_sequence(lists: &[List], huffman: Huffman, table_size: Option<u32>) -> Vec<Vec<u8>> {
    let mut encoder = HeaderEncoder::new();
    encoder.set_huffman(huffman);
    if let Some(size) = table_size {
        encoder.set_peer_table_size(size);
    }
    lists
        .iter()
        .map(|l| {
            let mut block = Vec::new();
            encoder.encode_with(
                l.iter().map(|(n, v)| (n, v, Indexing::Incremental)),
                &mut block,
            );
            block
        })
        .collect()
}

#[test]
fn appendix_c2_literal_and_indexed_fields() {
    let cases = [
        (
            "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
            ("custom-key", "custom-header"),
            Indexing::Incremental,
            55,
        ),
        (
            "040c 2f73 616d 706c 652f 7061 7468",
            (":path", "/sample/path"),
            Indexing::WithoutIndexing,
            0,
        ),
        (
            "1008 7061 7373 776f 7264 0673 6563 7265 74",
            ("password", "secret"),
            Indexing::NeverIndexed,
            0,
        ),
        ("82", (":method", "GET"), Indexing::Incremental, 0),
    ];
    for (wire, (name, value), indexing, size) in cases {
        let wire = hex(wire);
        decode_sequence(
            std::slice::from_ref(&wire),
            &[list(&[(name, value)])],
            &[size],
        );
        let mut block = Vec::new();
        HeaderEncoder::new().encode_with([(name, value, indexing)], &mut block);
        assert_eq!(block, wire, "{name}");
    }
}

fn c3_lists() -> Vec<List> {
    let base = [(":method", "GET"), (":scheme", "http"), (":path", "/")];
    let authority = (":authority", "www.example.com");
    vec![
        list(&[base[0], base[1], base[2], authority]),
        list(&[
            base[0],
            base[1],
            base[2],
            authority,
            ("cache-control", "no-cache"),
        ]),
        list(&[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/index.html"),
            authority,
            ("custom-key", "custom-value"),
        ]),
    ]
}

#[test]
fn appendix_c3_requests_without_huffman() {
    let blocks = [
        hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"),
        hex("8286 84be 5808 6e6f 2d63 6163 6865"),
        hex("8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"),
    ];
    decode_sequence(&blocks, &c3_lists(), &[57, 110, 164]);
    assert_eq!(encode_sequence(&c3_lists(), Huffman::Never, None), blocks);
}

#[test]
fn appendix_c4_requests_with_huffman() {
    let blocks = [
        hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"),
        hex("8286 84be 5886 a8eb 1064 9cbf"),
        hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"),
    ];
    decode_sequence(&blocks, &c3_lists(), &[57, 110, 164]);
    assert_eq!(encode_sequence(&c3_lists(), Huffman::Always, None), blocks);
}

fn c5_lists() -> Vec<List> {
    let cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
    let location = ("location", "https://www.example.com");
    vec![
        list(&[
            (":status", "302"),
            ("cache-control", "private"),
            ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
            location,
        ]),
        list(&[
            (":status", "307"),
            ("cache-control", "private"),
            ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
            location,
        ]),
        list(&[
            (":status", "200"),
            ("cache-control", "private"),
            ("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
            location,
            ("content-encoding", "gzip"),
            ("set-cookie", cookie),
        ]),
    ]
}

fn c5_blocks() -> Vec<Vec<u8>> {
    vec![
        hex(
            "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
             2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
             6c65 2e63 6f6d",
        ),
        hex("4803 3330 37c1 c0bf"),
        hex(
            "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
             54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
             5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
             3d31",
        ),
    ]
}

/// `blocks` with the first one led by the size update C.5 and C.6 take as made.
fn resized(mut blocks: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    blocks[0].splice(0..0, RESIZE_256);
    blocks
}

#[test]
fn appendix_c5_responses_without_huffman_evict() {
    let blocks = resized(c5_blocks());
    decode_sequence(&blocks, &c5_lists(), &[222, 222, 215]);
    assert_eq!(
        encode_sequence(&c5_lists(), Huffman::Never, Some(256)),
        blocks
    );
}

#[test]
fn appendix_c6_responses_with_huffman_evict() {
    let blocks = resized(vec![
        hex(
            "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
             2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
        ),
        hex("4883 640e ffc1 c0bf"),
        hex(
            "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
             77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
             9587 3160 65c0 03ed 4ee5 b106 3d50 07",
        ),
    ]);
    decode_sequence(&blocks, &c5_lists(), &[222, 222, 215]);
    // "307" is 3 octets either way, so our encoder sends it raw: C.5.2's bytes.
    let mut expected = blocks.clone();
    expected[1] = c5_blocks()[1].clone();
    assert_eq!(
        encode_sequence(&c5_lists(), Huffman::Always, Some(256)),
        expected
    );
}

/// Every way a block can be malformed is a connection error that poisons the decoder.
#[test]
fn malformed_blocks_are_compression_errors() {
    let huffman = |s: &[u8]| {
        let mut out = Vec::new();
        huffman::encode(s, &mut out);
        out
    };
    // A literal without indexing, literal name "x", Huffman-coded value of these octets.
    let with_value = |coded: &[u8]| {
        let mut block = vec![0x00, 0x01, b'x', 0x80 | coded.len() as u8];
        block.extend_from_slice(coded);
        block
    };
    let mut good = huffman(b"0");
    assert_eq!(good, [0x07]);
    let mut with_eos = huffman(b"abc");
    with_eos.extend_from_slice(&[0xff; 4]);
    good.push(0xff);
    let cases: [(Vec<u8>, &str); 13] = [
        (with_value(&with_eos), "EOS in a Huffman-coded string"),
        (with_value(&good), "Huffman padding longer than 7 bits"),
        (
            with_value(&[0x00]),
            "Huffman padding is not a prefix of EOS",
        ),
        (
            vec![0x88, 0x3f, 0xe1, 0x1f],
            "dynamic table size update after a header field",
        ),
        (
            vec![0x3f, 0xe2, 0x1f, 0x88],
            "dynamic table size update above SETTINGS_HEADER_TABLE_SIZE",
        ),
        (
            vec![0x20],
            "header block ends with a dynamic table size update",
        ),
        (vec![0x80], "index 0"),
        (vec![0x80 | 62], "index beyond the dynamic table"),
        (
            vec![0x40 | 62, 0x01, b'v'],
            "index beyond the dynamic table",
        ),
        (
            vec![0xff, 0x80, 0x80, 0x80, 0x80, 0x01],
            "integer longer than five octets",
        ),
        (vec![0xff, 0x80], "header block truncated"),
        (vec![0x00, 0x01, b'x'], "header block truncated"),
        (
            vec![0x00, 0x01, b'x', 0x05, b'v'],
            "string longer than the header block",
        ),
    ];
    for (block, detail) in cases {
        let mut decoder = HeaderDecoder::new();
        let err = decoder.decode(&block).unwrap_err();
        assert_eq!(
            err,
            HpackError::Compression {
                detail: detail.into()
            },
            "{block:02x?}"
        );
        assert!(err.is_connection_error());
        assert!(decoder.decode(&[0x88]).is_err(), "poisoned");
        let mut reference = loona_hpack::Decoder::new();
        reference.set_max_allowed_table_size(4096);
        assert!(
            reference.decode(&block).is_err() || detail.contains("after"),
            "loona-hpack refuses it too: {block:02x?}"
        );
    }
    // Several updates at the start are fine, the last one in force; so is the largest value
    // a five-octet integer carries, when the limit allows it.
    let mut decoder = HeaderDecoder::with_limits(1 << 20, 1 << 16);
    let block = [&[0x20, 0x3f, 0xe1, 0x1f][..], &[0x88]].concat();
    assert_eq!(decoder.decode(&block).unwrap().len(), 1);
    decoder.decode(&[0x40, 0x01, b'x', 0x01, b'y']).unwrap();
    assert_eq!(decoder.table_size(), 34, "4096 in force, not 0");
    let largest = [0x3f, 0xff, 0xff, 0xff, 0x7f, 0x88];
    let mut decoder = HeaderDecoder::with_limits(31 + (1 << 28) - 1, 1 << 16);
    assert_eq!(decoder.decode(&largest).unwrap().len(), 1);
}

#[test]
fn list_limits_count_decoded_octets_and_keep_the_table_in_sync() {
    let mut encoder = HeaderEncoder::new();
    encoder.set_huffman(Huffman::Always);
    // 300 octets of '0' code to 188: the limit counts what was decoded.
    let big = "0".repeat(300);
    let mut block = Vec::new();
    encoder.encode_with(
        [
            ("apns-topic", "com.example", Indexing::Incremental),
            ("x-big", big.as_str(), Indexing::Incremental),
        ],
        &mut block,
    );
    assert!(block.len() < 250);
    let mut decoder = HeaderDecoder::with_limits(4096, 350);
    let mut seen = Vec::new();
    let err = decoder
        .decode_with(&block, |n, v| seen.push((n.to_vec(), v.len())))
        .unwrap_err();
    assert_eq!(
        err,
        HpackError::HeaderListTooLarge {
            size: 10 + 11 + 32 + 5 + 300 + 32,
            max: 350
        }
    );
    assert_eq!(
        seen,
        [(b"apns-topic".to_vec(), 11)],
        "fields up to the limit"
    );
    let mut block = Vec::new();
    encoder.encode([("x-big", big.as_str())], &mut block);
    assert_eq!(block, [0x80 | 62], "the big field was indexed");
    assert_eq!(decoder.decode(&block).unwrap()[0].1, big.as_bytes());
}

fn huffman_error(e: loona_hpack::huffman::HuffmanDecoderError) -> HuffmanError {
    use loona_hpack::huffman::HuffmanDecoderError as E;
    match e {
        E::EOSInString => HuffmanError::Eos,
        E::PaddingTooLarge => HuffmanError::PaddingTooLong,
        E::InvalidPadding => HuffmanError::InvalidPadding,
        other => panic!("{other:?}"),
    }
}

/// A field list to encode: names that hit the static table, APNs names and random ones;
/// random octets as values; a random representation per field.
fn arb_fields() -> impl Strategy<Value = Vec<(String, Vec<u8>, Indexing)>> {
    let name = prop_oneof![
        Just(":status".to_string()),
        Just(":path".to_string()),
        Just("apns-id".to_string()),
        Just("authorization".to_string()),
        Just("content-type".to_string()),
        "[a-z-]{1,12}",
    ];
    let value = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..120),
        "[0-9a-f-]{0,40}".prop_map(String::into_bytes),
        Just(b"200".to_vec()),
    ];
    let indexing = prop_oneof![
        Just(Indexing::Incremental),
        Just(Indexing::WithoutIndexing),
        Just(Indexing::NeverIndexed),
    ];
    proptest::collection::vec((name, value, indexing), 0..10)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, .. ProptestConfig::default() })]

    #[test]
    fn huffman_decoding_agrees_with_loona_hpack(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut ours = Vec::new();
        let ours = huffman::decode(&bytes, &mut ours).map(|()| ours);
        let theirs = loona_hpack::huffman::HuffmanDecoder::new()
            .decode(&bytes)
            .map_err(huffman_error);
        prop_assert_eq!(ours, theirs);
    }

    #[test]
    fn huffman_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut coded = Vec::new();
        huffman::encode(&bytes, &mut coded);
        prop_assert_eq!(coded.len(), huffman::encoded_len(&bytes));
        let mut decoded = Vec::new();
        prop_assert_eq!(huffman::decode(&coded, &mut decoded), Ok(()));
        prop_assert_eq!(decoded, bytes);
    }

    /// Blocks from our encoder (any policy, table resizes between blocks) decode to the
    /// lists encoded, with ours and with loona-hpack.
    #[test]
    fn encoded_lists_decode_the_same_with_both_decoders(
        lists in proptest::collection::vec(arb_fields(), 1..8),
        resizes in proptest::collection::vec(prop_oneof![Just(None), (0u32..5000).prop_map(Some)], 8),
        huffman in prop_oneof![Just(Huffman::Never), Just(Huffman::Indexed), Just(Huffman::Always)],
    ) {
        let mut encoder = HeaderEncoder::new();
        encoder.set_huffman(huffman);
        let mut ours = HeaderDecoder::with_limits(4096, usize::MAX);
        let mut reference = loona_hpack::Decoder::new();
        reference.set_max_allowed_table_size(4096);
        for (fields, resize) in lists.iter().zip(resizes) {
            if let Some(size) = resize {
                encoder.set_peer_table_size(size);
            }
            let mut block = Vec::new();
            encoder.encode_with(fields.iter().map(|(n, v, i)| (n, v, *i)), &mut block);
            let expected: List = fields.iter().map(|(n, v, _)| (n.clone().into_bytes(), v.clone())).collect();
            prop_assert_eq!(ours.decode(&block), Ok(expected.clone()));
            prop_assert_eq!(reference.decode(&block).unwrap(), expected);
        }
    }

    /// On arbitrary bytes the two decoders agree, except that ours also refuses a table size
    /// update after a field (RFC 7541 §4.2), which loona-hpack lets through.
    #[test]
    fn arbitrary_blocks_decode_as_loona_hpack_does(
        blocks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..48), 1..5),
        huffman_heavy in any::<bool>(),
    ) {
        let mut ours = HeaderDecoder::with_limits(4096, usize::MAX);
        let mut reference = loona_hpack::Decoder::new();
        reference.set_max_allowed_table_size(4096);
        for mut block in blocks {
            if huffman_heavy && block.len() > 2 {
                // A literal with a literal name "x" and a Huffman-coded value of the rest.
                let len = (block.len() - 2).min(127) as u8;
                block.splice(0..2, [0x00, 0x01, b'x', 0x80 | len]);
                block.truncate(4 + usize::from(len));
            }
            let theirs = reference.decode(&block);
            match ours.decode(&block) {
                Ok(list) => prop_assert_eq!(list, theirs.unwrap()),
                Err(HpackError::Compression { detail }) => {
                    prop_assert!(
                        theirs.is_err() || detail == "dynamic table size update after a header field",
                        "{} on {:02x?}", detail, block
                    );
                    break;
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
}
