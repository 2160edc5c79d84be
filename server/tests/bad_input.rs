//! Malformed requests: each payload of the corpus is sent on a fresh connection to our
//! server and to a real redis-server 7.0.15; the bytes replied must be identical, and
//! our server must close the connection exactly when Redis does. After every case a new
//! connection's PING must still answer +PONG (no crash, no wedged core).

mod common;

use std::time::Duration;

use common::{encode, escape, Conn, ServerProc};

/// How long a connection must stay silent to count as "left open".
const QUIET: Duration = Duration::from_millis(300);

/// What a server did with one payload.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    /// Every byte it sent back.
    reply: Vec<u8>,
    /// Whether it closed the connection.
    closed: bool,
    /// If it left the connection open: the reply to a PING sent afterwards on it.
    after_ping: Option<Vec<u8>>,
}

/// Send `payload` on a new connection and record what happens. With `expect` (what Redis
/// did), waits longer where Redis closed or replied more, so a slow debug build is not
/// mistaken for a different behaviour.
fn run_case(port: u16, payload: &[u8], ping_after: bool, expect: Option<&Outcome>) -> Outcome {
    let mut c = Conn::connect(port);
    // A write may fail if the server already closed (big payloads): what it replied
    // before closing is still readable.
    let _ = c.send_lossy(payload);
    let quiet = match expect {
        Some(e) if e.closed => Duration::from_secs(3),
        _ => QUIET,
    };
    let (mut reply, mut closed) = c.drain(quiet);
    if let Some(e) = expect {
        if !closed && reply.len() < e.reply.len() {
            let (more, now_closed) = c.drain(Duration::from_secs(2));
            reply.extend_from_slice(&more);
            closed = now_closed;
        }
    }
    let after_ping = if !closed && ping_after {
        let _ = c.send_lossy(&encode(&[b"PING"]));
        Some(c.read_reply().unwrap_or_else(|e| e.into_bytes()))
    } else {
        None
    };
    Outcome {
        reply,
        closed,
        after_ping,
    }
}

fn show(o: &Outcome) -> String {
    format!(
        "reply {} closed={} after_ping={}",
        escape(&o.reply),
        o.closed,
        o.after_ping.as_deref().map(escape).unwrap_or_default()
    )
}

/// The corpus: (name, payload, send a PING afterwards if the connection stays open).
/// A PING after a half-parsed request would only become part of it, so it is sent only
/// where the parser is back at the start of a request.
fn corpus() -> Vec<(&'static str, Vec<u8>, bool)> {
    let mut v: Vec<(&'static str, Vec<u8>, bool)> = vec![
        ("bad multibulk length", b"*abc\r\n".to_vec(), false),
        ("multibulk length with a space", b"*1 \r\n".to_vec(), false),
        ("negative multibulk length", b"*-5\r\n".to_vec(), true),
        ("zero multibulk length", b"*0\r\n".to_vec(), true),
        ("multibulk -1", b"*-1\r\n".to_vec(), true),
        (
            "multibulk count over INT_MAX",
            b"*2147483648\r\n".to_vec(),
            false,
        ),
        (
            "multibulk count over 1024*1024*1024",
            b"*1073741825\r\n$4\r\nPING\r\n".to_vec(),
            false,
        ),
        (
            "multibulk count far too big",
            b"*99999999999999999999\r\n".to_vec(),
            false,
        ),
        ("invalid bulk length", b"*1\r\n$abc\r\n".to_vec(), false),
        (
            "bulk length above proto-max-bulk-len",
            b"*1\r\n$2147483648\r\n".to_vec(),
            false,
        ),
        (
            "bulk length 512MB + 1",
            b"*1\r\n$536870913\r\n".to_vec(),
            false,
        ),
        ("negative bulk length", b"*1\r\n$-1\r\n".to_vec(), false),
        (
            "negative bulk length -5",
            b"*2\r\n$4\r\nECHO\r\n$-5\r\n".to_vec(),
            false,
        ),
        ("expected $ got x", b"*1\r\nx\r\n".to_vec(), false),
        (
            "expected $ got :",
            b"*2\r\n$4\r\nECHO\r\n:1\r\n".to_vec(),
            false,
        ),
        (
            "unterminated inline quote",
            b"SET \"abc\r\n".to_vec(),
            false,
        ),
        (
            "unterminated inline single quote",
            b"SET k 'abc\r\n".to_vec(),
            false,
        ),
        (
            "closing quote followed by a letter",
            b"SET \"a\"b c\r\n".to_vec(),
            false,
        ),
        // Redis looks for the inline newline with strchr: a NUL hides it, so the
        // connection waits for more input (and a later PING would be swallowed too).
        (
            "binary garbage with a NUL",
            b"\x00\xff\xfe\x01garbage\x7f\r\n".to_vec(),
            false,
        ),
        (
            "binary garbage",
            b"\xff\xfe\x01gar bage\x7f\r\n".to_vec(),
            true,
        ),
        (
            "unknown command with NUL bytes",
            b"*3\r\n$3\r\na\x00b\r\n$3\r\nc\x00d\r\n$2\r\n\r\n\r\n".to_vec(),
            true,
        ),
        ("empty inline lines", b"\r\n\r\n\n".to_vec(), true),
        ("inline with LF only", b"PING\n".to_vec(), true),
        (
            "inline quoting",
            b"ECHO \"a\\x41\\n\\\"q\"\r\n".to_vec(),
            true,
        ),
        (
            "inline quoting, two args",
            b"SET 'k\\'1' \"v\\x41\"\r\nGET \"k'1\"\r\n".to_vec(),
            true,
        ),
        (
            "bulk at top level is inline",
            b"$5\r\nfoo\r\n".to_vec(),
            true,
        ),
        ("empty command name", b"*1\r\n$0\r\n\r\n".to_vec(), true),
        (
            "bulk data not followed by CRLF",
            b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n".to_vec(),
            true,
        ),
        (
            "incomplete request stays pending",
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n".to_vec(),
            false,
        ),
        (
            "several requests in one packet",
            b"*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n".to_vec(),
            true,
        ),
    ];
    let mut inline = b"SET k ".to_vec();
    inline.resize(70 * 1024, b'a');
    v.push(("70KB inline line without newline", inline, false));
    let mut mbulk = b"*".to_vec();
    mbulk.resize(70 * 1024, b'1');
    v.push(("too big multibulk count string", mbulk, false));
    let mut bulk = b"*1\r\n$".to_vec();
    bulk.resize(70 * 1024, b'1');
    v.push(("too big bulk count string", bulk, false));
    v
}

#[test]
fn malformed_requests_match_redis() {
    let mut ours = ServerProc::ours(&[]);
    let mut redis = ServerProc::redis(&[]);
    let (op, rp) = (ours.port, redis.port);

    // Every case runs on its own connections, all at once: the silence windows overlap.
    let handles: Vec<_> = corpus()
        .into_iter()
        .map(|(name, payload, ping)| {
            std::thread::spawn(move || {
                let r = run_case(rp, &payload, ping, None);
                let o = run_case(op, &payload, ping, Some(&r));
                (name, o, r)
            })
        })
        .collect();
    let mut failures = Vec::new();
    for h in handles {
        let (name, o, r) = h.join().expect("case thread");
        if o != r {
            failures.push(format!(
                "{name}:\n    ours:  {}\n    redis: {}",
                show(&o),
                show(&r)
            ));
        }
    }
    ours.assert_serving("after the malformed requests");
    redis.assert_serving("after the malformed requests");
    assert!(
        failures.is_empty(),
        "{} malformed requests handled differently from redis-server:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Each case on its own, followed by a PING on a new connection: a crash or a wedged
/// core shows up at the payload that caused it.
#[test]
fn server_survives_each_malformed_request() {
    let mut ours = ServerProc::ours(&[]);
    for (name, payload, _) in corpus() {
        let mut c = Conn::connect(ours.port);
        let _ = c.send_lossy(&payload);
        drop(c);
        ours.assert_serving(name);
    }
}

/// A client whose query buffer grows past client-query-buffer-limit is disconnected
/// (without a reply, as Redis does) while the server keeps serving others.
#[test]
fn query_buffer_limit_closes_the_client() {
    let args = ["--client-query-buffer-limit", "1mb"];
    let mut ours = ServerProc::ours(&args);
    let mut redis = ServerProc::redis(&args);
    let mut results = Vec::new();
    for srv in [&mut ours, &mut redis] {
        // A bystander connection opened before must keep working.
        let mut bystander = srv.connect();
        bystander.cmd(&[b"SET".as_slice(), b"bystander", b"1"]);

        let mut c = srv.connect();
        let _ = c.send_lossy(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$5000000\r\n");
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0usize;
        // 3 MB of a 5 MB argument: the request is never complete, the buffer only grows.
        while sent < 3 * 1024 * 1024 {
            if c.send_lossy(&chunk).is_err() {
                break;
            }
            sent += chunk.len();
        }
        let (reply, closed) = c.drain(Duration::from_secs(3));
        assert!(
            closed,
            "{}: a client over client-query-buffer-limit was not disconnected (got {})",
            srv.kind.name(),
            escape(&reply)
        );
        let again = bystander.cmd(&[b"GET".as_slice(), b"bystander"]);
        assert_eq!(
            again,
            b"$1\r\n1\r\n",
            "{}: the other client broke",
            srv.kind.name()
        );
        srv.assert_serving("after a client went over client-query-buffer-limit");
        let exists = srv.connect().cmd(&[b"EXISTS".as_slice(), b"big"]);
        results.push((reply, exists));
    }
    assert_eq!(
        (escape(&results[0].0), escape(&results[0].1)),
        (escape(&results[1].0), escape(&results[1].1)),
        "ours (left) and redis-server (right) differ: (reply before close, EXISTS big)"
    );
}
