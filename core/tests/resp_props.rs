//! Property tests for the RESP codec: round trips through encoder and
//! decoders with input split at arbitrary points, and fuzz-style properties
//! (arbitrary and mutated bytes never panic, never report impossible
//! consumption, and give the same outcome however the input is split).

use bytes::BytesMut;
use proptest::collection::vec;
use proptest::prelude::*;
use replscope_core::resp::{
    command_len, split_args, write_command, Bytes, Frame, FrameDecoder, FrameError, ProtocolError,
    RequestLimits, RequestParser,
};

// ---------------------------------------------------------------------------
// Strategies.

/// Bytes allowed in a simple string or error line.
fn line_bytes() -> impl Strategy<Value = Bytes> {
    vec(
        any::<u8>().prop_map(|b| if b == b'\r' || b == b'\n' { b'.' } else { b }),
        0..24,
    )
    .prop_map(Bytes::from)
}

fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => vec(any::<u8>(), 0..24),
        // CR/LF-heavy payloads, to catch any reliance on line scanning.
        2 => vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'$'), Just(b'*'), Just(0u8)], 0..12),
        1 => vec(any::<u8>(), 100..600),
    ]
}

fn arb_frame() -> impl Strategy<Value = Frame> {
    let leaf = prop_oneof![
        line_bytes().prop_map(Frame::Simple),
        line_bytes().prop_map(Frame::Error),
        any::<i64>().prop_map(Frame::Integer),
        prop_oneof![Just(0i64), Just(-1), Just(i64::MIN), Just(i64::MAX)].prop_map(Frame::Integer),
        payload().prop_map(|v| Frame::Bulk(Bytes::from(v))),
        Just(Frame::Null),
        Just(Frame::NullArray),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| vec(inner, 0..6).prop_map(Frame::Array))
}

fn arb_argv() -> impl Strategy<Value = Vec<Vec<u8>>> {
    vec(payload(), 0..6)
}

/// Cut points (as fractions of the length) used to split a byte string.
fn arb_cuts() -> impl Strategy<Value = Vec<prop::sample::Index>> {
    vec(any::<prop::sample::Index>(), 0..12)
}

fn arb_limits() -> impl Strategy<Value = RequestLimits> {
    (
        prop_oneof![Just(512u64 * 1024 * 1024), 0u64..40, Just(u64::MAX)],
        any::<bool>(),
    )
        .prop_map(|(proto_max_bulk_len, authenticated)| RequestLimits {
            proto_max_bulk_len,
            authenticated,
        })
}

/// Random edits applied to valid input: (position, byte, kind).
fn arb_mutations() -> impl Strategy<Value = Vec<(prop::sample::Index, u8, u8)>> {
    vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6)
}

// ---------------------------------------------------------------------------
// Helpers.

/// Splits `data` at the given cut points into consecutive chunks.
fn split<'a>(data: &'a [u8], cuts: &[prop::sample::Index]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c.index(data.len() + 1)).collect();
    points.push(0);
    points.push(data.len());
    points.sort_unstable();
    points.dedup();
    points.windows(2).map(|w| &data[w[0]..w[1]]).collect()
}

fn mutate(data: &[u8], edits: &[(prop::sample::Index, u8, u8)]) -> Vec<u8> {
    let mut out = data.to_vec();
    for (at, byte, kind) in edits {
        match kind {
            0 if !out.is_empty() => {
                let i = at.index(out.len());
                out[i] = *byte;
            }
            1 => {
                let i = at.index(out.len() + 1);
                out.insert(i, *byte);
            }
            _ if !out.is_empty() => {
                let i = at.index(out.len());
                out.remove(i);
            }
            _ => {}
        }
    }
    out
}

type Requests = Vec<(Vec<Vec<u8>>, usize)>;

/// Feeds `chunks` to a fresh parser the way a connection would: append each
/// chunk to a pending buffer, then take complete requests off its front.
/// Checks the consumption invariants on the way.
fn feed_requests(chunks: &[&[u8]], limits: &RequestLimits) -> (Requests, Option<ProtocolError>) {
    let mut parser = RequestParser::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    for chunk in chunks {
        pending.extend_from_slice(chunk);
        loop {
            match parser.parse(&pending, limits) {
                Ok(Some((argv, n))) => {
                    assert!(
                        n > 0 && n <= pending.len(),
                        "consumed {n} of {}",
                        pending.len()
                    );
                    out.push((argv.iter().map(|a| a.to_vec()).collect(), n));
                    pending.drain(..n);
                }
                Ok(None) => break,
                Err(e) => return (out, Some(e)),
            }
        }
    }
    (out, None)
}

type Frames = Vec<(Frame, usize)>;

/// Like [`feed_requests`] for the frame decoder.
fn feed_frames(chunks: &[&[u8]], mut decoder: FrameDecoder) -> (Frames, Option<FrameError>) {
    let mut pending: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    for chunk in chunks {
        pending.extend_from_slice(chunk);
        loop {
            match decoder.decode(&pending) {
                Ok(Some((frame, n))) => {
                    assert!(
                        n > 0 && n <= pending.len(),
                        "consumed {n} of {}",
                        pending.len()
                    );
                    out.push((frame, n));
                    pending.drain(..n);
                }
                Ok(None) => break,
                Err(e) => {
                    assert!(e.offset() < pending.len(), "{e} beyond {}", pending.len());
                    return (out, Some(e));
                }
            }
        }
    }
    (out, None)
}

/// Writes `bytes` as a double-quoted inline argument using only `\xHH`.
fn quote_hex(bytes: &[u8]) -> Vec<u8> {
    let mut out = b"\"".to_vec();
    for b in bytes {
        out.extend_from_slice(format!("\\x{b:02x}").as_bytes());
    }
    out.push(b'"');
    out
}

// ---------------------------------------------------------------------------
// Round trips.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn frames_round_trip_however_split(frames in vec(arb_frame(), 1..8), cuts in arb_cuts()) {
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        for frame in &frames {
            let bytes = frame.to_bytes();
            prop_assert_eq!(bytes.len(), frame.encoded_len());
            let mut appended = BytesMut::new();
            frame.encode(&mut appended);
            prop_assert_eq!(&appended[..], &bytes[..]);
            expected.push((frame.clone(), bytes.len()));
            wire.extend_from_slice(&bytes);
        }
        let (got, err) = feed_frames(&split(&wire, &cuts), FrameDecoder::default());
        prop_assert_eq!(err, None);
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn requests_round_trip_however_split(requests in vec(arb_argv(), 1..6), cuts in arb_cuts()) {
        let mut wire = BytesMut::new();
        let mut expected = Vec::new();
        for argv in &requests {
            let before = wire.len();
            write_command(&mut wire, argv);
            prop_assert_eq!(wire.len() - before, command_len(argv));
            expected.push((argv.clone(), wire.len() - before));
        }
        let (got, err) = feed_requests(&split(&wire, &cuts), &RequestLimits::default());
        prop_assert_eq!(err, None);
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn inline_hex_quoting_round_trips(argv in arb_argv(), cuts in arb_cuts()) {
        let mut line = Vec::new();
        for (i, arg) in argv.iter().enumerate() {
            if i > 0 {
                line.push(b' ');
            }
            line.extend_from_slice(&quote_hex(arg));
        }
        prop_assert_eq!(split_args(&line), Some(argv.clone()));
        line.extend_from_slice(b"\r\n");
        let (got, err) = feed_requests(&split(&line, &cuts), &RequestLimits::default());
        prop_assert_eq!(err, None);
        prop_assert_eq!(got, vec![(argv, line.len())]);
    }

    #[test]
    fn inline_plain_words_split_on_whitespace(
        words in vec("[A-Za-z0-9_:.-]{1,8}", 0..8),
        seps in vec(prop_oneof![Just(" "), Just("\t"), Just("  "), Just(" \x0b "), Just("\r")], 8),
    ) {
        let mut line = String::new();
        for (i, w) in words.iter().enumerate() {
            line.push_str(seps[i % seps.len()]);
            line.push_str(w);
        }
        line.push_str(" \n");
        let expected: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
        let got = RequestParser::new().parse(line.as_bytes(), &RequestLimits::default());
        let got = got.unwrap().map(|(argv, n)| (argv.iter().map(|a| a.to_vec()).collect::<Vec<_>>(), n));
        prop_assert_eq!(got, Some((expected, line.len())));
    }
}

// ---------------------------------------------------------------------------
// Fuzz-style properties.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn request_parser_survives_arbitrary_bytes(
        data in prop_oneof![
            vec(any::<u8>(), 0..512),
            // Mostly protocol characters, to get deeper into the parser.
            vec(prop_oneof![Just(b'*'), Just(b'$'), Just(b'\r'), Just(b'\n'), Just(b'"'),
                            Just(b'\''), Just(b'\\'), Just(b' '), Just(b'1'), Just(b'0'),
                            Just(b'-'), Just(0u8), Just(b'x')], 0..256),
        ],
        cuts in arb_cuts(),
        limits in arb_limits(),
    ) {
        let whole = feed_requests(&[&data], &limits);
        let pieces = feed_requests(&split(&data, &cuts), &limits);
        prop_assert_eq!(whole, pieces);
    }

    #[test]
    fn request_parser_survives_mutated_requests(
        requests in vec(arb_argv(), 1..4),
        edits in arb_mutations(),
        cuts in arb_cuts(),
        limits in arb_limits(),
    ) {
        let mut wire = BytesMut::new();
        for argv in &requests {
            write_command(&mut wire, argv);
        }
        let data = mutate(&wire, &edits);
        let whole = feed_requests(&[&data], &limits);
        let pieces = feed_requests(&split(&data, &cuts), &limits);
        prop_assert_eq!(whole, pieces);
    }

    #[test]
    fn frame_decoder_survives_arbitrary_bytes(
        data in prop_oneof![
            vec(any::<u8>(), 0..512),
            vec(prop_oneof![Just(b'*'), Just(b'$'), Just(b'+'), Just(b'-'), Just(b':'),
                            Just(b'\r'), Just(b'\n'), Just(b'1'), Just(b'0'), Just(b'x')], 0..256),
        ],
        cuts in arb_cuts(),
        max_bulk_len in prop_oneof![Just(512u64 * 1024 * 1024), 0u64..16],
        max_depth in 0usize..6,
    ) {
        let decoder = FrameDecoder::with_limits(max_bulk_len, max_depth);
        let whole = feed_frames(&[&data], decoder.clone());
        let pieces = feed_frames(&split(&data, &cuts), decoder);
        prop_assert_eq!(whole, pieces);
    }

    #[test]
    fn frame_decoder_survives_mutated_frames(
        frames in vec(arb_frame(), 1..4),
        edits in arb_mutations(),
        cuts in arb_cuts(),
        max_depth in 0usize..6,
    ) {
        let mut wire = BytesMut::new();
        for frame in &frames {
            frame.encode(&mut wire);
        }
        let data = mutate(&wire, &edits);
        let decoder = FrameDecoder::with_limits(64, max_depth);
        let whole = feed_frames(&[&data], decoder.clone());
        let pieces = feed_frames(&split(&data, &cuts), decoder);
        prop_assert_eq!(whole, pieces);
    }

    #[test]
    fn split_args_never_panics(line in vec(any::<u8>(), 0..128)) {
        if let Some(args) = split_args(&line) {
            // Arguments never exceed the line they came from.
            let total: usize = args.iter().map(Vec::len).sum();
            prop_assert!(total <= line.len());
        }
    }
}
