//! Differential test: every command of `tests/data/differential.txt` is sent to our
//! server and to a real redis-server 7.0.15 (each started fresh by the test), and the
//! raw reply bytes must be identical.
//!
//! Script format: one command per line, quoted like redis-cli (`"a b"`, `'x'`,
//! `"\x00"`), `#` starts a comment line, blank lines are ignored. A line may end with
//! one marker:
//!
//! * `~ttl`: an integer reply within ±1 of Redis's (TTL-like, seconds);
//! * `~pttl`: an integer reply within ±100 of Redis's (PTTL-like, milliseconds);
//! * `~shape`: same RESP types and aggregate lengths, values ignored (TIME);
//! * `~sorted`: same multiset of elements, every aggregate sorted (SMEMBERS of
//!   hashtable sets, KEYS, SCAN...).
//!
//! Directives: `!sleep MS` sleeps; `!conn NAME` sends the following lines on the
//! connection NAME (opened on first use on both servers; the default one is `main`).
//!
//! On failure the test lists every mismatching line, not only the first.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{escape, Conn, Reply, ServerProc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Marker {
    Exact,
    Ttl,
    Pttl,
    Shape,
    Sorted,
}

enum Step {
    Cmd {
        line: usize,
        text: String,
        args: Vec<Vec<u8>>,
        marker: Marker,
    },
    Sleep(u64),
    Switch(String),
}

fn parse_script(text: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some(rest) = t.strip_prefix('!') {
            let mut parts = rest.split_whitespace();
            match (parts.next(), parts.next()) {
                (Some("sleep"), Some(ms)) => steps
                    .push(Step::Sleep(ms.parse().unwrap_or_else(|_| {
                        panic!("line {line}: bad !sleep argument")
                    }))),
                (Some("conn"), Some(name)) => steps.push(Step::Switch(name.to_string())),
                _ => panic!("line {line}: unknown directive {t:?}"),
            }
            continue;
        }
        let mut body = t;
        let mut marker = Marker::Exact;
        for (suffix, m) in [
            (" ~ttl", Marker::Ttl),
            (" ~pttl", Marker::Pttl),
            (" ~shape", Marker::Shape),
            (" ~sorted", Marker::Sorted),
        ] {
            if let Some(b) = t.strip_suffix(suffix) {
                body = b.trim_end();
                marker = m;
            }
        }
        let args = common::split_args(body.as_bytes())
            .unwrap_or_else(|| panic!("line {line}: unbalanced quotes in {body:?}"));
        assert!(!args.is_empty(), "line {line}: no command");
        steps.push(Step::Cmd {
            line,
            text: body.to_string(),
            args,
            marker,
        });
    }
    steps
}

fn int_of(r: &Reply) -> Option<i64> {
    match r {
        Reply::Line(b':', v) => std::str::from_utf8(v).ok()?.parse().ok(),
        _ => None,
    }
}

fn matches(marker: Marker, ours: &(Reply, Vec<u8>), redis: &(Reply, Vec<u8>)) -> bool {
    match marker {
        Marker::Exact => ours.1 == redis.1,
        Marker::Ttl | Marker::Pttl => {
            let tol = if marker == Marker::Ttl { 1 } else { 100 };
            match (int_of(&ours.0), int_of(&redis.0)) {
                (Some(a), Some(b)) => {
                    // Negative values are the exact -1 / -2 codes.
                    if a < 0 || b < 0 {
                        a == b
                    } else {
                        (a - b).abs() <= tol
                    }
                }
                _ => ours.1 == redis.1,
            }
        }
        Marker::Shape => ours.0.shape() == redis.0.shape(),
        Marker::Sorted => ours.0.sorted() == redis.0.sorted(),
    }
}

/// One connection to each server.
struct Pair {
    ours: Conn,
    redis: Conn,
}

#[test]
fn differential_against_redis() {
    let script = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/differential.txt"
    ))
    .expect("read tests/data/differential.txt");
    let steps = parse_script(&script);
    let n_cmds = steps
        .iter()
        .filter(|s| matches!(s, Step::Cmd { .. }))
        .count();
    assert!(n_cmds >= 300, "the script has only {n_cmds} commands");

    // REPLSCOPE_DIFF_SELF=1 runs the script against two redis-servers: a check that the
    // script itself is deterministic.
    let mut ours_srv = if std::env::var_os("REPLSCOPE_DIFF_SELF").is_some() {
        ServerProc::redis(&[])
    } else {
        ServerProc::ours(&[])
    };
    let redis_srv = ServerProc::redis(&[]);
    let mut conns: BTreeMap<String, Pair> = BTreeMap::new();
    let mut current = "main".to_string();
    let mut mismatches = Vec::new();
    let mut fatal = None;

    for step in &steps {
        match step {
            Step::Sleep(ms) => std::thread::sleep(Duration::from_millis(*ms)),
            Step::Switch(name) => current = name.clone(),
            Step::Cmd {
                line,
                text,
                args,
                marker,
            } => {
                let pair = conns.entry(current.clone()).or_insert_with(|| Pair {
                    ours: ours_srv.connect(),
                    redis: redis_srv.connect(),
                });
                let req = common::encode(args);
                pair.ours.send(&req);
                let ours = pair.ours.read_parsed();
                pair.redis.send(&req);
                let redis = pair
                    .redis
                    .read_parsed()
                    .unwrap_or_else(|e| panic!("line {line} {text}: redis-server: {e}"));
                let ours = match ours {
                    Ok(o) => o,
                    Err(e) => {
                        fatal = Some(format!(
                            "line {line} {text}: our server gave no reply: {e}; redis: {}",
                            escape(&redis.1)
                        ));
                        break;
                    }
                };
                if !matches(*marker, &ours, &redis) {
                    mismatches.push(format!(
                        "line {line}: {text}\n    ours:  {}\n    redis: {}",
                        escape(&ours.1),
                        escape(&redis.1)
                    ));
                }
            }
        }
    }

    if fatal.is_none() {
        // The whole dataset must end up identical.
        let mut o = ours_srv.connect();
        let mut r = redis_srv.connect();
        let d_ours = o.cmd(&["DEBUG", "DIGEST"]);
        let d_redis = r.cmd(&["DEBUG", "DIGEST"]);
        if d_ours != d_redis {
            mismatches.push(format!(
                "final DEBUG DIGEST\n    ours:  {}\n    redis: {}",
                escape(&d_ours),
                escape(&d_redis)
            ));
        }
    }
    if !ours_srv.alive() {
        mismatches.push("our server process died".to_string());
    }

    let mut report = String::new();
    if let Some(f) = &fatal {
        report.push_str(&format!("ABORTED: {f}\nserver log:\n{}\n", ours_srv.log()));
    }
    if !mismatches.is_empty() {
        report.push_str(&format!(
            "{} of {n_cmds} commands differ from redis-server:\n{}\n",
            mismatches.len(),
            mismatches.join("\n")
        ));
    }
    assert!(report.is_empty(), "{report}");
}
