//! Request parsing behaviour that must match redis-server 7.0.15 exactly:
//! every protocol error text, the inline quoting rules, Redis's quirks, the
//! unauthenticated limits, and bounded memory for claimed lengths.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use replscope_core::resp::{
    split_args, Frame, FrameDecoder, FrameError, ProtocolError, RequestLimits, RequestParser,
};

// ---------------------------------------------------------------------------
// Allocation tracking: records the largest single allocation per thread, so
// tests can assert that a claimed length did not turn into an allocation.

struct Tracking;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|c| {
        if size > c.get() {
            c.set(size);
        }
    });
}

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// Runs `f` and returns its result and the largest allocation it made.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|c| c.set(0));
    let out = f();
    (out, LARGEST.with(|c| c.get()))
}

#[test]
fn allocation_tracker_sees_large_allocations() {
    let (v, largest) = largest_allocation(|| std::hint::black_box(vec![1u8; 1 << 20]));
    assert_eq!(v.len(), 1 << 20);
    assert!(largest >= 1 << 20);
}

// ---------------------------------------------------------------------------
// Helpers.

type Outcome = Result<Option<(Vec<Vec<u8>>, usize)>, ProtocolError>;

fn parse_with(input: &[u8], limits: RequestLimits) -> Outcome {
    RequestParser::new()
        .parse(input, &limits)
        .map(|r| r.map(|(argv, n)| (argv.iter().map(|a| a.to_vec()).collect(), n)))
}

fn parse(input: &[u8]) -> Outcome {
    parse_with(input, RequestLimits::default())
}

fn unauth() -> RequestLimits {
    RequestLimits {
        authenticated: false,
        ..RequestLimits::default()
    }
}

fn args(list: &[&[u8]]) -> Vec<Vec<u8>> {
    list.iter().map(|a| a.to_vec()).collect()
}

fn err_reply(input: &[u8], limits: RequestLimits) -> String {
    match parse_with(input, limits) {
        Err(e) => e.reply_line(),
        other => panic!("expected an error for {:?}, got {:?}", input, other),
    }
}

// ---------------------------------------------------------------------------
// Error texts.

#[test]
fn every_error_has_the_exact_redis_text() {
    let cases: Vec<(Vec<u8>, RequestLimits, &str)> = vec![
        (
            [&b"*"[..], &[b'1'; 65536]].concat(),
            RequestLimits::default(),
            "-ERR Protocol error: too big mbulk count string\r\n",
        ),
        (
            b"*abc\r\n".to_vec(),
            RequestLimits::default(),
            "-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*11\r\n".to_vec(),
            unauth(),
            "-ERR Protocol error: unauthenticated multibulk length\r\n",
        ),
        (
            b"*1\r\nfoo\r\n".to_vec(),
            RequestLimits::default(),
            "-ERR Protocol error: expected '$', got 'f'\r\n",
        ),
        (
            [&b"*1\r\n$"[..], &[b'1'; 65536]].concat(),
            RequestLimits::default(),
            "-ERR Protocol error: too big bulk count string\r\n",
        ),
        (
            b"*1\r\n$x\r\n".to_vec(),
            RequestLimits::default(),
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\n$16385\r\n".to_vec(),
            unauth(),
            "-ERR Protocol error: unauthenticated bulk length\r\n",
        ),
        (
            vec![b'a'; 65537],
            RequestLimits::default(),
            "-ERR Protocol error: too big inline request\r\n",
        ),
        (
            b"SET \"a b\r\n".to_vec(),
            RequestLimits::default(),
            "-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
    ];
    for (input, limits, reply) in cases {
        assert_eq!(err_reply(&input, limits), reply);
    }
}

#[test]
fn display_is_the_text_after_err() {
    let e = parse(b"*x\r\n").unwrap_err();
    assert_eq!(e, ProtocolError::InvalidMultibulkLength);
    assert_eq!(e.to_string(), "Protocol error: invalid multibulk length");
    assert_eq!(
        e.reply_bytes(),
        b"-ERR Protocol error: invalid multibulk length\r\n"
    );
    assert_eq!(e.log_reason(), "invalid mbulk count");
    assert_eq!(
        ProtocolError::UnbalancedQuotes.to_string(),
        "Protocol error: unbalanced quotes in request"
    );
}

#[test]
fn expected_dollar_reports_the_byte_like_redis() {
    assert_eq!(
        parse(b"*2\r\n$1\r\na\r\n:1\r\n"),
        Err(ProtocolError::ExpectedDollar(b':'))
    );
    // Redis's addReplyErrorFormat turns CR and LF into spaces.
    assert_eq!(
        parse(b"*1\r\n\r\n"),
        Err(ProtocolError::ExpectedDollar(b'\r'))
    );
    assert_eq!(
        ProtocolError::ExpectedDollar(b'\r').reply_line(),
        "-ERR Protocol error: expected '$', got ' '\r\n"
    );
    assert_eq!(
        ProtocolError::ExpectedDollar(b'\n').to_string(),
        "Protocol error: expected '$', got ' '"
    );
    // A non-ASCII byte is sent raw.
    let e = parse(b"*1\r\n\xffoo\r\n").unwrap_err();
    assert_eq!(e, ProtocolError::ExpectedDollar(0xff));
    assert_eq!(
        e.reply_bytes(),
        b"-ERR Protocol error: expected '$', got '\xff'\r\n"
    );
    // The check waits for a complete line, as Redis does.
    assert_eq!(parse(b"*1\r\nfoo"), Ok(None));
    assert_eq!(parse(b"*1\r\nfoo\r"), Ok(None));
}

#[test]
fn multibulk_count_rules() {
    for bad in [
        &b"*\r\n"[..],
        b"*abc\r\n",
        b"*+1\r\n",
        b"*01\r\n",
        b"*-0\r\n",
        b"* 1\r\n",
        b"*1 \r\n",
        b"*2147483648\r\n",
        b"*99999999999999999999\r\n",
    ] {
        assert_eq!(
            parse(bad),
            Err(ProtocolError::InvalidMultibulkLength),
            "{:?}",
            bad
        );
    }
    // INT_MAX itself is accepted (and then waits for the arguments).
    assert_eq!(parse(b"*2147483647\r\n"), Ok(None));
    // Exactly 64 KiB without '\r' still waits; one more byte is an error.
    let mut line = [&b"*"[..], &[b'1'; 65535]].concat();
    assert_eq!(parse(&line), Ok(None));
    line.push(b'1');
    assert_eq!(parse(&line), Err(ProtocolError::TooBigMultibulkCount));
}

#[test]
fn empty_multibulk_requests_are_skipped() {
    assert_eq!(parse(b"*0\r\n"), Ok(Some((vec![], 4))));
    assert_eq!(parse(b"*-1\r\n"), Ok(Some((vec![], 5))));
    assert_eq!(parse(b"*-5\r\nPING\r\n"), Ok(Some((vec![], 5))));
    assert_eq!(parse(b"*0\r"), Ok(None));
    assert_eq!(parse(b"*0"), Ok(None));
}

#[test]
fn bulk_length_rules() {
    for bad in [
        &b"*1\r\n$\r\n"[..],
        b"*1\r\n$-1\r\n",
        b"*1\r\n$+3\r\n",
        b"*1\r\n$03\r\n",
        b"*1\r\n$3 \r\n",
        b"*1\r\n$536870913\r\n",
        b"*1\r\n$9223372036854775808\r\n",
    ] {
        assert_eq!(
            parse(bad),
            Err(ProtocolError::InvalidBulkLength),
            "{:?}",
            bad
        );
    }
    // proto-max-bulk-len itself is fine.
    assert_eq!(parse(b"*1\r\n$536870912\r\n"), Ok(None));
    let small = RequestLimits {
        proto_max_bulk_len: 3,
        authenticated: true,
    };
    assert_eq!(
        parse_with(b"*1\r\n$3\r\nabc\r\n", small),
        Ok(Some((args(&[b"abc"]), 13)))
    );
    assert_eq!(
        parse_with(b"*1\r\n$4\r\nabcd\r\n", small),
        Err(ProtocolError::InvalidBulkLength)
    );
    let mut line = [&b"*1\r\n$"[..], &[b'1'; 65535]].concat();
    assert_eq!(parse(&line), Ok(None));
    line.push(b'1');
    assert_eq!(parse(&line), Err(ProtocolError::TooBigBulkCount));
}

#[test]
fn two_gigabyte_bulk_is_an_invalid_length() {
    let (out, largest) = largest_allocation(|| parse(b"*1\r\n$2000000000\r\n"));
    assert_eq!(out, Err(ProtocolError::InvalidBulkLength));
    assert!(largest < 64 * 1024, "allocated {largest} bytes");
}

#[test]
fn claimed_bulk_is_not_allocated_up_front() {
    let input = b"*1\r\n$100000000\r\n0123456789";
    let mut parser = RequestParser::new();
    let limits = RequestLimits::default();
    let (out, largest) = largest_allocation(|| parser.parse(input, &limits));
    assert_eq!(out, Ok(None));
    assert!(largest < 64 * 1024, "allocated {largest} bytes");
    // Without the 512 MiB limit (e.g. a master's stream) a 2 GB claim is
    // accepted but still costs nothing until the bytes arrive.
    let unlimited = RequestLimits {
        proto_max_bulk_len: u64::MAX,
        authenticated: true,
    };
    let (out, largest) =
        largest_allocation(|| RequestParser::new().parse(b"*1\r\n$2000000000\r\nab", &unlimited));
    assert_eq!(out, Ok(None));
    assert!(largest < 64 * 1024, "allocated {largest} bytes");
    // A huge count is not pre-allocated either.
    let (out, largest) =
        largest_allocation(|| RequestParser::new().parse(b"*2147483647\r\n$1\r\na\r\n", &limits));
    assert_eq!(out, Ok(None));
    assert!(largest < 64 * 1024, "allocated {largest} bytes");
}

#[test]
fn frame_decoder_does_not_allocate_claimed_lengths() {
    let (out, largest) =
        largest_allocation(|| FrameDecoder::default().decode(b"$100000000\r\n0123456789"));
    assert_eq!(out, Ok(None));
    assert!(largest < 64 * 1024, "allocated {largest} bytes");
    let (out, largest) =
        largest_allocation(|| FrameDecoder::default().decode(b"*2000000000\r\n:1\r\n:2\r\n"));
    assert_eq!(out, Ok(None));
    assert!(largest < 64 * 1024, "allocated {largest} bytes");
    assert_eq!(
        FrameDecoder::default().decode(b"$2000000000\r\n"),
        Err(FrameError::TooLong {
            offset: 1,
            len: 2_000_000_000,
            max: 512 * 1024 * 1024
        })
    );
    // Deep nesting is refused, not recursed into.
    let deep = b"*1\r\n".repeat(100_000);
    assert_eq!(
        FrameDecoder::default().decode(&deep),
        Err(FrameError::TooDeep {
            offset: 64 * 4,
            max_depth: 64
        })
    );
    let ok = [b"*1\r\n".repeat(64), b":5\r\n".to_vec()].concat();
    let mut expected = Frame::Integer(5);
    for _ in 0..64 {
        expected = Frame::Array(vec![expected]);
    }
    assert_eq!(
        FrameDecoder::default().decode(&ok),
        Ok(Some((expected, ok.len())))
    );
}

#[test]
fn unauthenticated_limits() {
    assert_eq!(
        parse_with(b"*11\r\n", unauth()),
        Err(ProtocolError::UnauthenticatedMultibulkLength)
    );
    assert_eq!(parse_with(b"*11\r\n", RequestLimits::default()), Ok(None));
    assert_eq!(parse_with(b"*10\r\n", unauth()), Ok(None));
    // Validity is checked before the authentication limit.
    assert_eq!(
        parse_with(b"*abc\r\n", unauth()),
        Err(ProtocolError::InvalidMultibulkLength)
    );
    assert_eq!(
        parse_with(b"*1\r\n$16385\r\n", unauth()),
        Err(ProtocolError::UnauthenticatedBulkLength)
    );
    assert_eq!(parse_with(b"*1\r\n$16384\r\n", unauth()), Ok(None));
    assert_eq!(
        parse_with(b"*1\r\n$536870913\r\n", unauth()),
        Err(ProtocolError::InvalidBulkLength)
    );
    assert_eq!(
        parse_with(b"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n", unauth()),
        Ok(Some((args(&[b"AUTH", b"pw"]), 22)))
    );
    // Inline requests have no such limit in Redis 7.0.
    let many = [&b"a "[..]; 20].concat();
    let line = [many.as_slice(), b"\r\n"].concat();
    assert_eq!(parse_with(&line, unauth()).unwrap().unwrap().0.len(), 20);
}

// ---------------------------------------------------------------------------
// Redis quirks in the multibulk path.

#[test]
fn two_bytes_after_a_bulk_are_skipped_unchecked() {
    assert_eq!(parse(b"*1\r\n$3\r\nfooXY"), Ok(Some((args(&[b"foo"]), 13))));
    assert_eq!(parse(b"*1\r\n$3\r\nfooX"), Ok(None));
    // Only the '\r' of a header line is looked for; the next byte is skipped.
    assert_eq!(parse(b"*1\rX$3\rYfoo\r\n"), Ok(Some((args(&[b"foo"]), 13))));
}

#[test]
fn nul_byte_hides_the_terminator_like_strchr() {
    assert_eq!(parse(b"*1\0\r\n$1\r\na\r\n"), Ok(None));
    let mut input = b"*1\0\r\n".to_vec();
    input.resize(65537, b'\r');
    assert_eq!(parse(&input), Err(ProtocolError::TooBigMultibulkCount));
    assert_eq!(parse(b"*1\r\n$1\0\r\na\r\n"), Ok(None));
    assert_eq!(parse(b"PING\0\n"), Ok(None));
    // Inside a bulk payload NUL is just data.
    assert_eq!(
        parse(b"*1\r\n$3\r\na\0b\r\n"),
        Ok(Some((args(&[b"a\0b"]), 13)))
    );
}

#[test]
fn binary_and_empty_arguments() {
    assert_eq!(
        parse(b"*3\r\n$0\r\n\r\n$2\r\n\r\n\r\n$1\r\n*\r\n"),
        Ok(Some((args(&[b"", b"\r\n", b"*"]), 25)))
    );
}

#[test]
fn pipelined_requests_are_parsed_one_at_a_time() {
    let input = b"PING\r\n*1\r\n$4\r\nPING\r\n*0\r\nECHO x\n";
    let mut parser = RequestParser::new();
    let limits = RequestLimits::default();
    let mut rest = &input[..];
    let mut seen = Vec::new();
    while let Some((argv, n)) = parser.parse(rest, &limits).unwrap() {
        seen.push((argv.iter().map(|a| a.to_vec()).collect::<Vec<_>>(), n));
        rest = &rest[n..];
    }
    assert!(rest.is_empty());
    assert_eq!(
        seen,
        vec![
            (args(&[b"PING"]), 6),
            (args(&[b"PING"]), 14),
            (vec![], 4),
            (args(&[b"ECHO", b"x"]), 7),
        ]
    );
}

#[test]
fn arguments_outlive_the_reuse_of_the_parser_buffer() {
    // The arguments of a request are slices of one buffer the parser reuses once no
    // argument cut from it is alive. Keep some requests' arguments alive (as a MULTI queue
    // or a propagation does) and drop the others while thousands of requests, small and
    // larger than that buffer, go through: every kept argument must keep its bytes.
    let limits = RequestLimits::default();
    let mut parser = RequestParser::new();
    let mut kept: Vec<(Vec<Vec<u8>>, Vec<bytes::Bytes>)> = Vec::new();
    for i in 0..5000u32 {
        let big = if i % 97 == 0 { 5000 } else { (i % 40) as usize };
        let want: Vec<Vec<u8>> = vec![
            b"SET".to_vec(),
            format!("key:{i}").into_bytes(),
            vec![b'a' + (i % 26) as u8; big],
            Vec::new(),
        ];
        let mut input = format!("*{}\r\n", want.len()).into_bytes();
        for a in &want {
            input.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            input.extend_from_slice(a);
            input.extend_from_slice(b"\r\n");
        }
        // Half of the requests arrive in two pieces.
        if i % 2 == 0 {
            assert_eq!(parser.parse(&input[..input.len() / 2], &limits), Ok(None));
        }
        let (argv, n) = parser.parse(&input, &limits).unwrap().unwrap();
        assert_eq!(n, input.len());
        assert_eq!(argv.iter().map(|a| a.to_vec()).collect::<Vec<_>>(), want);
        if i % 3 == 0 {
            kept.push((want, argv));
        }
    }
    for (want, argv) in &kept {
        assert_eq!(&argv.iter().map(|a| a.to_vec()).collect::<Vec<_>>(), want);
    }
}

#[test]
fn resumes_a_request_fed_in_pieces() {
    let value = vec![b'v'; 100_000];
    let mut input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n".to_vec();
    input.extend_from_slice(&value);
    input.extend_from_slice(b"\r\n");
    let mut parser = RequestParser::new();
    let limits = RequestLimits::default();
    let mut end = 0;
    let result = loop {
        end = (end + 997).min(input.len());
        match parser.parse(&input[..end], &limits).unwrap() {
            Some(done) => break done,
            None => {
                assert!(end < input.len());
                assert!(parser.is_mid_request());
            }
        }
    };
    assert_eq!(end, input.len());
    assert_eq!(result.1, input.len());
    assert_eq!(result.0.len(), 3);
    assert_eq!(&result.0[2][..], &value[..]);
    assert!(!parser.is_mid_request());
}

#[test]
fn shorter_buffer_than_promised_restarts_cleanly() {
    let mut parser = RequestParser::new();
    let limits = RequestLimits::default();
    assert_eq!(parser.parse(b"*1\r\n$3\r\nfo", &limits), Ok(None));
    let (argv, n) = parser.parse(b"PING\n", &limits).unwrap().unwrap();
    assert_eq!(
        (argv, n),
        (vec![replscope_core::resp::Bytes::from_static(b"PING")], 5)
    );
}

// ---------------------------------------------------------------------------
// Inline requests.

#[test]
fn inline_quoting() {
    assert_eq!(
        parse(b"SET \"a b\" 'c d'\r\n"),
        Ok(Some((args(&[b"SET", b"a b", b"c d"]), 17)))
    );
    assert_eq!(parse(b"\"\\x41\"\r\n"), Ok(Some((args(&[b"A"]), 8))));
    assert_eq!(
        parse(b"ECHO \"\\x00\\xfF\\n\\\"\" 'it\\'s'\n"),
        Ok(Some((args(&[b"ECHO", b"\0\xff\n\"", b"it's"]), 28)))
    );
    assert_eq!(
        parse(b"ECHO \"\" ''\n"),
        Ok(Some((args(&[b"ECHO", b"", b""]), 11)))
    );
    assert_eq!(parse(b"\"a\"b\r\n"), Err(ProtocolError::UnbalancedQuotes));
    assert_eq!(parse(b"'a'b\r\n"), Err(ProtocolError::UnbalancedQuotes));
    assert_eq!(
        parse(b"GET \"abc\r\n"),
        Err(ProtocolError::UnbalancedQuotes)
    );
    assert_eq!(parse(b"GET 'abc\r\n"), Err(ProtocolError::UnbalancedQuotes));
    // The stripped '\r' is not part of the line, so this quote is closed.
    assert_eq!(
        parse(b"GET \"a\"\r\n"),
        Ok(Some((args(&[b"GET", b"a"]), 9)))
    );
}

#[test]
fn inline_line_endings_and_blank_lines() {
    assert_eq!(parse(b"PING\n"), Ok(Some((args(&[b"PING"]), 5))));
    assert_eq!(parse(b"PING\r\n"), Ok(Some((args(&[b"PING"]), 6))));
    assert_eq!(parse(b"\n"), Ok(Some((vec![], 1))));
    assert_eq!(parse(b"\r\n"), Ok(Some((vec![], 2))));
    assert_eq!(parse(b"  \t \r\n"), Ok(Some((vec![], 6))));
    // Only one '\r' is stripped; the other is whitespace.
    assert_eq!(parse(b"a\r\r\n"), Ok(Some((args(&[b"a"]), 4))));
    assert_eq!(parse(b"PING"), Ok(None));
    assert_eq!(parse(b"PING\r"), Ok(None));
    assert_eq!(parse(b""), Ok(None));
    // 64 KiB without a newline still waits; more is an error.
    assert_eq!(parse(&[b'a'; 65536]), Ok(None));
    assert_eq!(
        parse(&[b'a'; 65537]),
        Err(ProtocolError::TooBigInlineRequest)
    );
    // A longer line that is already complete in the buffer is accepted.
    let long = [&[b'a'; 70000][..], b"\n"].concat();
    let (argv, n) = parse(&long).unwrap().unwrap();
    assert_eq!((argv[0].len(), n), (70000, 70001));
}

#[test]
fn split_args_api() {
    assert_eq!(split_args(b"set k v"), Some(args(&[b"set", b"k", b"v"])));
    assert_eq!(split_args(b"  "), Some(vec![]));
    assert_eq!(split_args(b"a\x0bb c"), Some(args(&[b"a\x0bb", b"c"])));
    assert_eq!(split_args(b"x\"y z\""), Some(args(&[b"xy z"])));
    assert_eq!(split_args(b"\"\\x4g\""), Some(args(&[b"x4g"])));
    assert_eq!(split_args(b"\"a\"b"), None);
    assert_eq!(split_args(b"'unbalanced"), None);
    // A NUL ends the C string.
    assert_eq!(split_args(b"a\0b"), Some(args(&[b"a"])));
}
