//! Generic key commands against the exact replies and replication stream of redis-server
//! 7.0.15.
//!
//! The `SCRIPT`, `LAZY` and `WATCHES` steps were recorded from a real redis-server 7.0.15
//! (replies as received by a client, replication stream as received by a replica connected
//! with `PSYNC ? -1`, PINGs removed, active expiry disabled with `DEBUG SET-ACTIVE-EXPIRE 0`).
//! `Setup` steps are run too but their stream is not compared; `Sleep` advances the injected
//! clock (the recording slept as long, with keys set to expire after 50 ms). Steps whose
//! output depends on the wall clock are tested separately below with a fixed [`Time`].

use replscope_core::config::Config;

mod support;
use support::{H, NOW_MS};

/// RESP encoding of a command, for expected replication streams.
fn resp(words: &[&str]) -> String {
    let mut s = format!("*{}\r\n", words.len());
    for w in words {
        s.push_str(&format!("${}\r\n{}\r\n", w.len(), w));
    }
    s
}

enum Step {
    /// A command whose reply must match but whose stream is not compared.
    Setup(&'static [&'static [u8]], &'static [u8]),
    /// A command, its exact reply and the exact replication stream it produces.
    Cmd(&'static [&'static [u8]], &'static [u8], &'static [u8]),
    /// Advance the clock by this many milliseconds.
    Sleep(u64),
}

fn run(script: &[Step]) {
    let mut h = H::new();
    for (i, step) in script.iter().enumerate() {
        let (args, reply, repl) = match step {
            Step::Sleep(ms) => {
                h.advance_ms(*ms);
                continue;
            }
            Step::Setup(args, reply) => (args, reply, None),
            Step::Cmd(args, reply, repl) => (args, reply, Some(repl)),
        };
        let got = h.raw(args);
        let what: Vec<String> = args
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(reply),
            "reply of step {i}: {what:?}"
        );
        let stream = h.repl_text();
        if let Some(repl) = repl {
            assert_eq!(
                stream,
                String::from_utf8_lossy(repl),
                "replication stream of step {i}: {what:?}"
            );
        }
    }
}

#[test]
fn script_matches_redis_7_0_15() {
    run(SCRIPT);
}

#[test]
fn lazy_expiry_matches_redis_7_0_15() {
    run(LAZY);
}

#[test]
fn watch_signalling_matches_redis_7_0_15() {
    run(WATCHES);
}

/// `(name, arity, flags, first key, last key, step)` as `COMMAND INFO` prints them.
type InfoRow = (&'static str, i32, &'static [&'static str], i32, i32, i32);

/// Arity, flags and key positions as `COMMAND INFO` of redis-server 7.0.15 reports them.
#[test]
fn command_table_matches_command_info() {
    use replscope_core::cmd::{lookup_sub, CommandTable};
    #[rustfmt::skip]
    let expected: &[InfoRow] = &[
        ("del", -2, &["write"], 1, -1, 1),
        ("unlink", -2, &["write", "fast"], 1, -1, 1),
        ("exists", -2, &["readonly", "fast"], 1, -1, 1),
        ("expire", -3, &["write", "fast"], 1, 1, 1),
        ("pexpire", -3, &["write", "fast"], 1, 1, 1),
        ("expireat", -3, &["write", "fast"], 1, 1, 1),
        ("pexpireat", -3, &["write", "fast"], 1, 1, 1),
        ("ttl", 2, &["readonly", "fast"], 1, 1, 1),
        ("pttl", 2, &["readonly", "fast"], 1, 1, 1),
        ("expiretime", 2, &["readonly", "fast"], 1, 1, 1),
        ("pexpiretime", 2, &["readonly", "fast"], 1, 1, 1),
        ("persist", 2, &["write", "fast"], 1, 1, 1),
        ("type", 2, &["readonly", "fast"], 1, 1, 1),
        ("keys", 2, &["readonly"], 0, 0, 0),
        ("scan", -2, &["readonly"], 0, 0, 0),
        ("rename", 3, &["write"], 1, 2, 1),
        ("renamenx", 3, &["write", "fast"], 1, 2, 1),
        ("randomkey", 1, &["readonly"], 0, 0, 0),
        ("dbsize", 1, &["readonly", "fast"], 0, 0, 0),
        ("flushdb", -1, &["write"], 0, 0, 0),
        ("flushall", -1, &["write"], 0, 0, 0),
        ("move", 3, &["write", "fast"], 1, 1, 1),
        ("copy", -3, &["write", "denyoom"], 1, 2, 1),
        ("object", -2, &[], 0, 0, 0),
        ("select", 2, &["loading", "stale", "fast"], 0, 0, 0),
        ("swapdb", 3, &["write", "fast"], 0, 0, 0),
    ];
    let table = CommandTable::global();
    let flag_names = |bits: u32| -> Vec<&str> {
        replscope_core::cmd::flags::NAMES
            .iter()
            .filter(|(f, _)| bits & f != 0)
            .map(|(_, n)| *n)
            .collect()
    };
    for (name, arity, flags, first, last, step) in expected {
        let c = table.lookup(name.as_bytes()).unwrap();
        assert_eq!(
            (
                c.arity,
                flag_names(c.flags),
                c.first_key,
                c.last_key,
                c.step
            ),
            (*arity, flags.to_vec(), *first, *last, *step),
            "{name}"
        );
    }
    let object = table.lookup(b"OBJECT").unwrap();
    #[rustfmt::skip]
    let subs: &[InfoRow] = &[
        ("idletime", 3, &["readonly"], 2, 2, 1),
        ("freq", 3, &["readonly"], 2, 2, 1),
        ("encoding", 3, &["readonly"], 2, 2, 1),
        ("help", 2, &["loading", "stale"], 0, 0, 0),
        ("refcount", 3, &["readonly"], 2, 2, 1),
    ];
    assert_eq!(object.subcommands.len(), subs.len());
    for (name, arity, flags, first, last, step) in subs {
        let c = lookup_sub(object, name.as_bytes()).unwrap();
        assert_eq!(
            (
                c.arity,
                flag_names(c.flags),
                c.first_key,
                c.last_key,
                c.step
            ),
            (*arity, flags.to_vec(), *first, *last, *step),
            "object|{name}"
        );
    }
}

/// EXPIRE/PEXPIRE are propagated as `PEXPIREAT <now + ttl>` with their options; TTL rounds
/// to the nearest second; a key is expired once now is past its time.
#[test]
fn relative_expire_with_fixed_clock() {
    let mut h = H::new();
    assert_eq!(h.cmd("SET k v"), "+OK\r\n");
    h.repl_text();
    assert_eq!(h.cmd("EXPIRE k 100"), ":1\r\n");
    assert_eq!(h.repl_text(), resp(&["PEXPIREAT", "k", "1700000100000"]));
    assert_eq!(h.cmd("TTL k"), ":100\r\n");
    assert_eq!(h.cmd("PTTL k"), ":100000\r\n");
    assert_eq!(h.cmd("EXPIRETIME k"), ":1700000100\r\n");
    assert_eq!(h.cmd("PEXPIRE k 1500 XX"), ":1\r\n");
    assert_eq!(
        h.repl_text(),
        resp(&["PEXPIREAT", "k", "1700000001500", "XX"])
    );
    assert_eq!(h.cmd("TTL k"), ":2\r\n");
    h.advance_ms(1);
    assert_eq!(h.cmd("TTL k"), ":1\r\n");
    assert_eq!(h.cmd("PTTL k"), ":1499\r\n");
    assert_eq!(h.cmd("PEXPIRE k 100 GT"), ":0\r\n");
    assert_eq!(h.cmd("EXPIRE k 100 LT"), ":0\r\n");
    assert_eq!(h.cmd("PEXPIRE k 100 lt"), ":1\r\n");
    assert_eq!(
        h.repl_text(),
        resp(&["PEXPIREAT", "k", "1700000000101", "lt"])
    );
    assert_eq!(h.cmd("EXPIRE k 10 NX"), ":0\r\n");
    assert_eq!(h.repl_text(), "");
    h.advance_ms(100);
    // Expiring exactly now: still there, with no time left.
    assert_eq!(h.cmd("PTTL k"), ":0\r\n");
    assert_eq!(h.cmd("TTL k"), ":0\r\n");
    h.advance_ms(1);
    assert_eq!(h.cmd("PTTL k"), ":-2\r\n");
    assert_eq!(h.repl_text(), resp(&["DEL", "k"]));
    // A relative time that lands exactly on now deletes at once.
    h.cmd("SET k v");
    h.repl_text();
    assert_eq!(h.cmd("PEXPIRE k 0"), ":1\r\n");
    assert_eq!(h.repl_text(), resp(&["DEL", "k"]));
    assert_eq!(h.cmd("EXISTS k"), ":0\r\n");
}

/// `lazyfree-lazy-expire yes` turns the DEL of a past expire time into UNLINK (checked on
/// 7.0.15); `lazyfree-lazy-user-del` does not change how DEL is propagated.
#[test]
fn lazyfree_flags_choose_unlink() {
    let cfg = Config {
        lazyfree_lazy_expire: true,
        lazyfree_lazy_user_del: true,
        ..Config::default()
    };
    let mut h = H::with_config(cfg);
    h.cmd("SET k v");
    h.repl_text();
    assert_eq!(h.cmd("EXPIRE k -1"), ":1\r\n");
    assert_eq!(h.repl_text(), resp(&["UNLINK", "k"]));
    h.cmd("SET k v");
    h.repl_text();
    assert_eq!(h.cmd("DEL k"), ":1\r\n");
    assert_eq!(h.repl_text(), resp(&["DEL", "k"]));
    h.cmd("SET k v");
    h.repl_text();
    assert_eq!(h.cmd("PEXPIREAT k 1"), ":1\r\n");
    assert_eq!(h.repl_text(), resp(&["UNLINK", "k"]));
}

/// A full SCAN returns every key that exists for the whole iteration, whatever COUNT is and
/// even when keys are deleted and added meanwhile; KEYS returns each matching key once.
#[test]
fn scan_iteration_is_complete() {
    let mut h = H::new();
    for i in 0..100 {
        h.cmd(&format!("SET key:{i} v"));
    }
    for count in [1usize, 3, 7, 10, 1000] {
        let mut seen = std::collections::BTreeSet::new();
        let mut cursor = "0".to_string();
        let mut steps = 0;
        loop {
            let reply = h.cmd(&format!("SCAN {cursor} COUNT {count}"));
            let (next, keys) = parse_scan(&reply);
            for k in keys {
                seen.insert(k);
            }
            steps += 1;
            if count == 7 && steps == 3 {
                // Churn mid-iteration: delete some seen and unseen keys, add new ones.
                h.cmd("DEL key:0 key:99 key:50");
                h.cmd("SET extra:1 v");
            }
            cursor = next;
            if cursor == "0" {
                break;
            }
            assert!(steps < 1000, "SCAN does not terminate");
        }
        for i in 1..99 {
            if i != 50 {
                assert!(seen.contains(&format!("key:{i}")), "count {count}: key:{i}");
            }
        }
        if count == 7 {
            h.cmd("SET key:0 v");
            h.cmd("SET key:99 v");
            h.cmd("SET key:50 v");
            h.cmd("DEL extra:1");
        }
    }
    let (_, matched) = parse_scan(&h.cmd("SCAN 0 COUNT 1000 MATCH key:1?"));
    let mut matched: Vec<String> = matched;
    matched.sort();
    let expected: Vec<String> = (10..20).map(|i| format!("key:{i}")).collect();
    assert_eq!(matched, expected);
    let keys = h.cmd("KEYS key:1?");
    let mut listed: Vec<&str> = keys.lines().filter(|l| l.starts_with("key:")).collect();
    listed.sort();
    assert_eq!(listed, expected);
    assert!(keys.starts_with("*10\r\n"));
}

/// `SCAN` reply: the cursor and the keys (keys without `\r\n` only).
fn parse_scan(reply: &str) -> (String, Vec<String>) {
    let lines: Vec<&str> = reply.split("\r\n").collect();
    assert_eq!(lines[0], "*2");
    let cursor = lines[2].to_string();
    let n: usize = lines[3][1..].parse().unwrap();
    let keys = (0..n).map(|i| lines[5 + 2 * i].to_string()).collect();
    (cursor, keys)
}

/// RANDOMKEY only returns live keys, is deterministic for a seed, and deletes (and
/// propagates) the expired keys it draws.
#[test]
fn randomkey_is_deterministic_and_skips_expired() {
    let draw = || {
        let mut h = H::new();
        for k in ["a", "b", "c", "d"] {
            h.cmd(&format!("SET {k} v"));
        }
        (0..20).map(|_| h.cmd("RANDOMKEY")).collect::<Vec<_>>()
    };
    let first = draw();
    assert_eq!(first, draw());
    for r in &first {
        assert!(["$1\r\na\r\n", "$1\r\nb\r\n", "$1\r\nc\r\n", "$1\r\nd\r\n"].contains(&r.as_str()));
    }
    let mut h = H::new();
    h.cmd("SET a v PX 10");
    h.cmd("SET b v PX 10");
    h.cmd("SET live v");
    h.repl_text();
    h.advance_ms(20);
    assert_eq!(h.cmd("RANDOMKEY"), "$4\r\nlive\r\n");
    h.cmd("DEL live");
    h.repl_text();
    // Whatever expired key was drawn is gone; the rest go on the next call.
    assert_eq!(h.cmd("RANDOMKEY"), "$-1\r\n");
    assert_eq!(h.cmd("DBSIZE"), ":0\r\n");
}

/// SWAPDB exchanges contents, TTLs included; clients keep their db number.
#[test]
fn swapdb_moves_contents_and_ttls() {
    let mut h = H::new();
    h.cmd("SET a 0");
    h.cmd("PEXPIREAT a 4102444800000");
    h.cmd("SELECT 1");
    h.cmd("SET b 1");
    assert_eq!(h.cmd("SWAPDB 1 0"), "+OK\r\n");
    assert_eq!(h.cmd("PEXPIRETIME a"), ":4102444800000\r\n");
    assert_eq!(h.cmd("EXISTS b"), ":0\r\n");
    h.cmd("SELECT 0");
    assert_eq!(h.cmd("GET b"), "$1\r\n1\r\n");
    assert_eq!(h.cmd("DBSIZE"), ":1\r\n");
}

/// COPY duplicates the value: changing the copy leaves the source alone.
#[test]
fn copy_is_deep() {
    let mut h = H::new();
    h.cmd("RPUSH src a b");
    assert_eq!(h.cmd("COPY src dst"), ":1\r\n");
    h.cmd("RPUSH dst c");
    assert_eq!(h.cmd("LLEN src"), ":2\r\n");
    assert_eq!(h.cmd("LLEN dst"), ":3\r\n");
    assert_eq!(h.cmd("OBJECT ENCODING dst"), "$9\r\nquicklist\r\n");
    assert_eq!(h.cmd("TYPE dst"), "+list\r\n");
}

#[rustfmt::skip]
static SCRIPT: &[Step] = &[
    Step::Cmd(&[b"FLUSHALL"], b"+OK\r\n", b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*1\r\n$8\r\nFLUSHALL\r\n"),
    Step::Cmd(&[b"DEL"], b"-ERR wrong number of arguments for 'del' command\r\n", b""),
    Step::Cmd(&[b"UNLINK"], b"-ERR wrong number of arguments for 'unlink' command\r\n", b""),
    Step::Cmd(&[b"EXISTS"], b"-ERR wrong number of arguments for 'exists' command\r\n", b""),
    Step::Cmd(&[b"DEL", b"nokey"], b":0\r\n", b""),
    Step::Setup(&[b"SET", b"a", b"1"], b"+OK\r\n"),
    Step::Setup(&[b"SET", b"b", b"2"], b"+OK\r\n"),
    Step::Setup(&[b"RPUSH", b"l", b"x"], b":1\r\n"),
    Step::Cmd(&[b"EXISTS", b"a", b"a", b"nokey", b"l"], b":3\r\n", b""),
    Step::Cmd(&[b"DEL", b"a", b"nokey", b"l"], b":2\r\n", b"*4\r\n$3\r\nDEL\r\n$1\r\na\r\n$5\r\nnokey\r\n$1\r\nl\r\n"),
    Step::Cmd(&[b"UNLINK", b"b", b"nokey"], b":1\r\n", b"*3\r\n$6\r\nUNLINK\r\n$1\r\nb\r\n$5\r\nnokey\r\n"),
    Step::Cmd(&[b"UNLINK", b"b"], b":0\r\n", b""),
    Step::Cmd(&[b"EXISTS", b"a", b"b", b"l"], b":0\r\n", b""),
    Step::Setup(&[b"SET", b"k", b"v"], b"+OK\r\n"),
    Step::Cmd(&[b"EXPIRE", b"k"], b"-ERR wrong number of arguments for 'expire' command\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"k", b"100", b"NX", b"XX"], b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"k", b"100", b"nx", b"gt"], b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"k", b"100", b"NX", b"LT"], b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"k", b"100", b"gt", b"lt"], b"-ERR GT and LT options at the same time are not compatible\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"k", b"100", b"XX", b"NX"], b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"k", b"100", b"foo"], b"-ERR Unsupported option foo\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"k", b"100", b"xx", b"bar"], b"-ERR Unsupported option bar\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"k", b"abc"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"k", b"1.5"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"k", b"100", b"NX", b"XX", b"abc"], b"-ERR Unsupported option abc\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"k", b"9223372036854775807"], b"-ERR invalid expire time in 'expire' command\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"k", b"-9223372036854775807"], b"-ERR invalid expire time in 'expire' command\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"k", b"9223372036854775"], b"-ERR invalid expire time in 'expire' command\r\n", b""),
    Step::Cmd(&[b"PEXPIRE", b"k", b"9223372036854775807"], b"-ERR invalid expire time in 'pexpire' command\r\n", b""),
    Step::Cmd(&[b"EXPIREAT", b"k", b"9223372036854776"], b"-ERR invalid expire time in 'expireat' command\r\n", b""),
    Step::Cmd(&[b"PEXPIREAT", b"k", b"abc"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"nokey", b"100"], b":0\r\n", b""),
    Step::Cmd(&[b"PEXPIREAT", b"nokey", b"4102444800000"], b":0\r\n", b""),
    Step::Cmd(&[b"EXPIREAT", b"k", b"4102444800"], b":1\r\n", b"*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n4102444800000\r\n"),
    Step::Cmd(&[b"PEXPIRETIME", b"k"], b":4102444800000\r\n", b""),
    Step::Cmd(&[b"EXPIRETIME", b"k"], b":4102444800\r\n", b""),
    Step::Cmd(&[b"PEXPIREAT", b"k", b"4102444800499"], b":1\r\n", b"*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n4102444800499\r\n"),
    Step::Cmd(&[b"EXPIRETIME", b"k"], b":4102444800\r\n", b""),
    Step::Cmd(&[b"PEXPIREAT", b"k", b"4102444800500"], b":1\r\n", b"*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n4102444800500\r\n"),
    Step::Cmd(&[b"EXPIRETIME", b"k"], b":4102444801\r\n", b""),
    Step::Cmd(&[b"PEXPIREAT", b"k", b"4102444800000", b"NX"], b":0\r\n", b""),
    Step::Cmd(&[b"EXPIREAT", b"k", b"4102444900", b"XX", b"GT"], b":1\r\n", b"*5\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n4102444900000\r\n$2\r\nXX\r\n$2\r\nGT\r\n"),
    Step::Cmd(&[b"PEXPIREAT", b"k", b"4102444900000", b"GT"], b":0\r\n", b""),
    Step::Cmd(&[b"PEXPIREAT", b"k", b"4102444800000", b"gt"], b":0\r\n", b""),
    Step::Cmd(&[b"EXPIREAT", b"k", b"4102444800", b"lt"], b":1\r\n", b"*4\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n4102444800000\r\n$2\r\nlt\r\n"),
    Step::Cmd(&[b"EXPIREAT", b"k", b"4102444800", b"LT"], b":0\r\n", b""),
    Step::Cmd(&[b"PEXPIREAT", b"k", b"4102444800000", b"xx", b"lt"], b":0\r\n", b""),
    Step::Cmd(&[b"PERSIST", b"k"], b":1\r\n", b"*2\r\n$7\r\nPERSIST\r\n$1\r\nk\r\n"),
    Step::Cmd(&[b"PERSIST", b"k"], b":0\r\n", b""),
    Step::Cmd(&[b"PERSIST", b"nokey"], b":0\r\n", b""),
    Step::Cmd(&[b"EXPIREAT", b"k", b"4102444800", b"XX"], b":0\r\n", b""),
    Step::Cmd(&[b"EXPIREAT", b"k", b"4102444800", b"GT"], b":0\r\n", b""),
    Step::Cmd(&[b"EXPIREAT", b"k", b"4102444800", b"LT"], b":1\r\n", b"*4\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n4102444800000\r\n$2\r\nLT\r\n"),
    Step::Cmd(&[b"PEXPIRETIME", b"k"], b":4102444800000\r\n", b""),
    Step::Cmd(&[b"EXPIREAT", b"k", b"4102444800", b"NX"], b":0\r\n", b""),
    Step::Cmd(&[b"EXPIREAT", b"k", b"4102444800", b"NX"], b":0\r\n", b""),
    Step::Cmd(&[b"EXPIREAT", b"k", b"9223372036854775"], b":1\r\n", b"*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$19\r\n9223372036854775000\r\n"),
    Step::Cmd(&[b"PEXPIRETIME", b"k"], b":9223372036854775000\r\n", b""),
    Step::Cmd(&[b"PEXPIREAT", b"k", b"9223372036854775807"], b":1\r\n", b"*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$19\r\n9223372036854775807\r\n"),
    Step::Cmd(&[b"EXPIRETIME", b"k"], b":9223372036854776\r\n", b""),
    Step::Cmd(&[b"PEXPIRETIME", b"k"], b":9223372036854775807\r\n", b""),
    Step::Cmd(&[b"PERSIST", b"k"], b":1\r\n", b"*2\r\n$7\r\nPERSIST\r\n$1\r\nk\r\n"),
    Step::Cmd(&[b"TTL", b"k"], b":-1\r\n", b""),
    Step::Cmd(&[b"PTTL", b"k"], b":-1\r\n", b""),
    Step::Cmd(&[b"EXPIRETIME", b"k"], b":-1\r\n", b""),
    Step::Cmd(&[b"PEXPIRETIME", b"k"], b":-1\r\n", b""),
    Step::Cmd(&[b"TTL", b"nokey"], b":-2\r\n", b""),
    Step::Cmd(&[b"PTTL", b"nokey"], b":-2\r\n", b""),
    Step::Cmd(&[b"EXPIRETIME", b"nokey"], b":-2\r\n", b""),
    Step::Cmd(&[b"PEXPIRETIME", b"nokey"], b":-2\r\n", b""),
    Step::Cmd(&[b"TTL"], b"-ERR wrong number of arguments for 'ttl' command\r\n", b""),
    Step::Cmd(&[b"TTL", b"a", b"b"], b"-ERR wrong number of arguments for 'ttl' command\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"k", b"-1"], b":1\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"),
    Step::Cmd(&[b"EXISTS", b"k"], b":0\r\n", b""),
    Step::Setup(&[b"SET", b"k", b"v"], b"+OK\r\n"),
    Step::Cmd(&[b"PEXPIRE", b"k", b"0"], b":1\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"),
    Step::Setup(&[b"SET", b"k", b"v"], b"+OK\r\n"),
    Step::Cmd(&[b"EXPIREAT", b"k", b"100"], b":1\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"),
    Step::Setup(&[b"SET", b"k", b"v"], b"+OK\r\n"),
    Step::Cmd(&[b"PEXPIREAT", b"k", b"1", b"XX"], b":0\r\n", b""),
    Step::Cmd(&[b"PEXPIREAT", b"k", b"1", b"LT"], b":1\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"),
    Step::Setup(&[b"SET", b"k", b"v"], b"+OK\r\n"),
    Step::Setup(&[b"EXPIREAT", b"k", b"4102444800"], b":1\r\n"),
    Step::Cmd(&[b"EXPIREAT", b"k", b"1", b"LT"], b":1\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"),
    Step::Cmd(&[b"EXISTS", b"k"], b":0\r\n", b""),
    Step::Setup(&[b"SET", b"s", b"v"], b"+OK\r\n"),
    Step::Setup(&[b"RPUSH", b"l", b"a"], b":1\r\n"),
    Step::Setup(&[b"SADD", b"st", b"a"], b":1\r\n"),
    Step::Setup(&[b"HSET", b"h", b"f", b"v"], b":1\r\n"),
    Step::Setup(&[b"ZADD", b"z", b"1", b"a"], b":1\r\n"),
    Step::Cmd(&[b"TYPE", b"s"], b"+string\r\n", b""),
    Step::Cmd(&[b"TYPE", b"l"], b"+list\r\n", b""),
    Step::Cmd(&[b"TYPE", b"st"], b"+set\r\n", b""),
    Step::Cmd(&[b"TYPE", b"h"], b"+hash\r\n", b""),
    Step::Cmd(&[b"TYPE", b"z"], b"+zset\r\n", b""),
    Step::Cmd(&[b"TYPE", b"nokey"], b"+none\r\n", b""),
    Step::Cmd(&[b"TYPE"], b"-ERR wrong number of arguments for 'type' command\r\n", b""),
    Step::Cmd(&[b"FLUSHDB"], b"+OK\r\n", b"*1\r\n$7\r\nFLUSHDB\r\n"),
    Step::Cmd(&[b"KEYS", b"*"], b"*0\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0"], b"*2\r\n$1\r\n0\r\n*0\r\n", b""),
    Step::Cmd(&[b"RANDOMKEY"], b"$-1\r\n", b""),
    Step::Cmd(&[b"DBSIZE"], b":0\r\n", b""),
    Step::Setup(&[b"SET", b"foo", b"1"], b"+OK\r\n"),
    Step::Cmd(&[b"KEYS", b"*"], b"*1\r\n$3\r\nfoo\r\n", b""),
    Step::Cmd(&[b"KEYS", b"f*"], b"*1\r\n$3\r\nfoo\r\n", b""),
    Step::Cmd(&[b"KEYS", b"b*"], b"*0\r\n", b""),
    Step::Cmd(&[b"KEYS"], b"-ERR wrong number of arguments for 'keys' command\r\n", b""),
    Step::Cmd(&[b"KEYS", b"a", b"b"], b"-ERR wrong number of arguments for 'keys' command\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0"], b"*2\r\n$1\r\n0\r\n*1\r\n$3\r\nfoo\r\n", b""),
    Step::Cmd(&[b"SCAN", b"+0"], b"*2\r\n$1\r\n0\r\n*1\r\n$3\r\nfoo\r\n", b""),
    Step::Cmd(&[b"SCAN", b""], b"*2\r\n$1\r\n0\r\n*1\r\n$3\r\nfoo\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0", b"MATCH", b"f*"], b"*2\r\n$1\r\n0\r\n*1\r\n$3\r\nfoo\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0", b"match", b"x*"], b"*2\r\n$1\r\n0\r\n*0\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0", b"count", b"100", b"match", b"*", b"type", b"STRING"], b"*2\r\n$1\r\n0\r\n*1\r\n$3\r\nfoo\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0", b"TYPE", b"list"], b"*2\r\n$1\r\n0\r\n*0\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0", b"TYPE", b"foo"], b"*2\r\n$1\r\n0\r\n*0\r\n", b""),
    Step::Cmd(&[b"SCAN", b" 0"], b"-ERR invalid cursor\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0x"], b"-ERR invalid cursor\r\n", b""),
    Step::Cmd(&[b"SCAN", b"abc"], b"-ERR invalid cursor\r\n", b""),
    Step::Cmd(&[b"SCAN", b"18446744073709551616"], b"-ERR invalid cursor\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0", b"COUNT", b"0"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0", b"COUNT", b"-1"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0", b"COUNT", b"abc"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0", b"COUNT", b"9223372036854775808"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0", b"COUNT"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0", b"MATCH"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0", b"TYPE"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"SCAN", b"0", b"foo", b"bar"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"SCAN"], b"-ERR wrong number of arguments for 'scan' command\r\n", b""),
    Step::Cmd(&[b"RANDOMKEY"], b"$3\r\nfoo\r\n", b""),
    Step::Cmd(&[b"RANDOMKEY", b"x"], b"-ERR wrong number of arguments for 'randomkey' command\r\n", b""),
    Step::Cmd(&[b"DBSIZE"], b":1\r\n", b""),
    Step::Cmd(&[b"DBSIZE", b"x"], b"-ERR wrong number of arguments for 'dbsize' command\r\n", b""),
    Step::Cmd(&[b"RENAME", b"foo", b"foo"], b"+OK\r\n", b""),
    Step::Cmd(&[b"RENAMENX", b"foo", b"foo"], b":0\r\n", b""),
    Step::Cmd(&[b"RENAME", b"nokey", b"foo"], b"-ERR no such key\r\n", b""),
    Step::Cmd(&[b"RENAMENX", b"nokey", b"foo"], b"-ERR no such key\r\n", b""),
    Step::Cmd(&[b"RENAME", b"nokey", b"nokey"], b"-ERR no such key\r\n", b""),
    Step::Cmd(&[b"RENAME", b"foo", b"bar"], b"+OK\r\n", b"*3\r\n$6\r\nRENAME\r\n$3\r\nfoo\r\n$3\r\nbar\r\n"),
    Step::Cmd(&[b"RENAMENX", b"bar", b"bar2"], b":1\r\n", b"*3\r\n$8\r\nRENAMENX\r\n$3\r\nbar\r\n$4\r\nbar2\r\n"),
    Step::Setup(&[b"SET", b"foo", b"2"], b"+OK\r\n"),
    Step::Cmd(&[b"RENAMENX", b"foo", b"bar2"], b":0\r\n", b""),
    Step::Setup(&[b"EXPIREAT", b"foo", b"4102444800"], b":1\r\n"),
    Step::Cmd(&[b"RENAME", b"foo", b"bar2"], b"+OK\r\n", b"*3\r\n$6\r\nRENAME\r\n$3\r\nfoo\r\n$4\r\nbar2\r\n"),
    Step::Cmd(&[b"PEXPIRETIME", b"bar2"], b":4102444800000\r\n", b""),
    Step::Cmd(&[b"EXISTS", b"foo"], b":0\r\n", b""),
    Step::Cmd(&[b"RENAME", b"bar"], b"-ERR wrong number of arguments for 'rename' command\r\n", b""),
    Step::Cmd(&[b"RENAMENX", b"bar"], b"-ERR wrong number of arguments for 'renamenx' command\r\n", b""),
    Step::Cmd(&[b"MOVE", b"bar2", b"0"], b"-ERR source and destination objects are the same\r\n", b""),
    Step::Cmd(&[b"MOVE", b"bar2", b"16"], b"-ERR DB index is out of range\r\n", b""),
    Step::Cmd(&[b"MOVE", b"bar2", b"-1"], b"-ERR DB index is out of range\r\n", b""),
    Step::Cmd(&[b"MOVE", b"bar2", b"x"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"MOVE", b"bar2", b"4294967296"], b"-ERR value is out of range, value must between -2147483648 and 2147483647\r\n", b""),
    Step::Cmd(&[b"MOVE", b"bar2", b"1"], b":1\r\n", b"*3\r\n$4\r\nMOVE\r\n$4\r\nbar2\r\n$1\r\n1\r\n"),
    Step::Cmd(&[b"MOVE", b"bar2", b"1"], b":0\r\n", b""),
    Step::Cmd(&[b"MOVE", b"nokey", b"1"], b":0\r\n", b""),
    Step::Cmd(&[b"SELECT", b"1"], b"+OK\r\n", b""),
    Step::Cmd(&[b"KEYS", b"*"], b"*1\r\n$4\r\nbar2\r\n", b""),
    Step::Cmd(&[b"PEXPIRETIME", b"bar2"], b":4102444800000\r\n", b""),
    Step::Setup(&[b"SET", b"bar", b"other"], b"+OK\r\n"),
    Step::Cmd(&[b"SELECT", b"0"], b"+OK\r\n", b""),
    Step::Setup(&[b"SET", b"bar", b"3"], b"+OK\r\n"),
    Step::Cmd(&[b"MOVE", b"bar", b"1"], b":0\r\n", b""),
    Step::Cmd(&[b"SELECT", b"16"], b"-ERR DB index is out of range\r\n", b""),
    Step::Cmd(&[b"SELECT", b"-1"], b"-ERR DB index is out of range\r\n", b""),
    Step::Cmd(&[b"SELECT", b"x"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"SELECT"], b"-ERR wrong number of arguments for 'select' command\r\n", b""),
    Step::Cmd(&[b"SELECT", b"1"], b"+OK\r\n", b""),
    Step::Cmd(&[b"GET", b"bar"], b"$5\r\nother\r\n", b""),
    Step::Cmd(&[b"SELECT", b"0"], b"+OK\r\n", b""),
    Step::Cmd(&[b"MOVE"], b"-ERR wrong number of arguments for 'move' command\r\n", b""),
    Step::Cmd(&[b"COPY", b"bar", b"bar"], b"-ERR source and destination objects are the same\r\n", b""),
    Step::Cmd(&[b"COPY", b"bar", b"bar2"], b":1\r\n", b"*3\r\n$4\r\nCOPY\r\n$3\r\nbar\r\n$4\r\nbar2\r\n"),
    Step::Cmd(&[b"COPY", b"bar", b"bar2"], b":0\r\n", b""),
    Step::Cmd(&[b"COPY", b"bar", b"bar2", b"REPLACE"], b":1\r\n", b"*4\r\n$4\r\nCOPY\r\n$3\r\nbar\r\n$4\r\nbar2\r\n$7\r\nREPLACE\r\n"),
    Step::Cmd(&[b"COPY", b"bar", b"bar2", b"DB"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"COPY", b"bar", b"bar2", b"DB", b"16"], b"-ERR DB index is out of range\r\n", b""),
    Step::Cmd(&[b"COPY", b"bar", b"bar2", b"DB", b"x"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"COPY", b"bar", b"bar2", b"DB", b"2"], b":1\r\n", b"*5\r\n$4\r\nCOPY\r\n$3\r\nbar\r\n$4\r\nbar2\r\n$2\r\nDB\r\n$1\r\n2\r\n"),
    Step::Cmd(&[b"COPY", b"bar", b"bar2", b"db", b"2", b"replace"], b":1\r\n", b"*6\r\n$4\r\nCOPY\r\n$3\r\nbar\r\n$4\r\nbar2\r\n$2\r\ndb\r\n$1\r\n2\r\n$7\r\nreplace\r\n"),
    Step::Cmd(&[b"COPY", b"bar", b"bar2", b"foo"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"COPY", b"nokey", b"bar2"], b":0\r\n", b""),
    Step::Cmd(&[b"COPY", b"bar", b"bar", b"DB", b"1"], b":0\r\n", b""),
    Step::Cmd(&[b"COPY", b"bar", b"bar", b"DB", b"0"], b"-ERR source and destination objects are the same\r\n", b""),
    Step::Cmd(&[b"COPY", b"bar"], b"-ERR wrong number of arguments for 'copy' command\r\n", b""),
    Step::Setup(&[b"EXPIREAT", b"bar", b"4102444800"], b":1\r\n"),
    Step::Cmd(&[b"COPY", b"bar", b"c2"], b":1\r\n", b"*3\r\n$4\r\nCOPY\r\n$3\r\nbar\r\n$2\r\nc2\r\n"),
    Step::Cmd(&[b"PEXPIRETIME", b"c2"], b":4102444800000\r\n", b""),
    Step::Cmd(&[b"SWAPDB", b"0", b"1"], b"+OK\r\n", b"*3\r\n$6\r\nSWAPDB\r\n$1\r\n0\r\n$1\r\n1\r\n"),
    Step::Cmd(&[b"GET", b"bar"], b"$5\r\nother\r\n", b""),
    Step::Cmd(&[b"PEXPIRETIME", b"bar2"], b":4102444800000\r\n", b""),
    Step::Cmd(&[b"SWAPDB", b"0", b"1"], b"+OK\r\n", b"*3\r\n$6\r\nSWAPDB\r\n$1\r\n0\r\n$1\r\n1\r\n"),
    Step::Cmd(&[b"SWAPDB", b"0", b"0"], b"+OK\r\n", b"*3\r\n$6\r\nSWAPDB\r\n$1\r\n0\r\n$1\r\n0\r\n"),
    Step::Cmd(&[b"SWAPDB", b"0", b"16"], b"-ERR DB index is out of range\r\n", b""),
    Step::Cmd(&[b"SWAPDB", b"x", b"0"], b"-ERR invalid first DB index\r\n", b""),
    Step::Cmd(&[b"SWAPDB", b"0", b"x"], b"-ERR invalid second DB index\r\n", b""),
    Step::Cmd(&[b"SWAPDB", b"-1", b"0"], b"-ERR DB index is out of range\r\n", b""),
    Step::Cmd(&[b"SWAPDB", b"0"], b"-ERR wrong number of arguments for 'swapdb' command\r\n", b""),
    Step::Setup(&[b"SET", b"i", b"100"], b"+OK\r\n"),
    Step::Setup(&[b"SET", b"big", b"10000"], b"+OK\r\n"),
    Step::Setup(&[b"SET", b"neg", b"-1"], b"+OK\r\n"),
    Step::Setup(&[b"SET", b"e", b"hello"], b"+OK\r\n"),
    Step::Setup(&[b"SET", b"r", b"123456789012345678901234567890123456789012345"], b"+OK\r\n"),
    Step::Cmd(&[b"OBJECT", b"ENCODING", b"i"], b"$3\r\nint\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"ENCODING", b"e"], b"$6\r\nembstr\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"encoding", b"r"], b"$3\r\nraw\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"ENCODING", b"l"], b"$-1\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"ENCODING", b"nokey"], b"$-1\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"REFCOUNT", b"i"], b":2147483647\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"REFCOUNT", b"big"], b":1\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"REFCOUNT", b"neg"], b":1\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"REFCOUNT", b"e"], b":1\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"REFCOUNT", b"l"], b"$-1\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"REFCOUNT", b"nokey"], b"$-1\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"IDLETIME", b"nokey"], b"$-1\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"FREQ", b"nokey"], b"$-1\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"FREQ", b"e"], b"-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n", b""),
    Step::Cmd(&[b"OBJECT"], b"-ERR wrong number of arguments for 'object' command\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"HELP"], b"*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n+    Return the kind of internal representation used in order to store the value\r\n+    associated with a <key>.\r\n+FREQ <key>\r\n+    Return the access frequency index of the <key>. The returned integer is\r\n+    proportional to the logarithm of the recent access frequency of the key.\r\n+IDLETIME <key>\r\n+    Return the idle time of the <key>, that is the approximated number of\r\n+    seconds elapsed since the last access to the key.\r\n+REFCOUNT <key>\r\n+    Return the number of references of the value associated with the specified\r\n+    <key>.\r\n+HELP\r\n+    Prints this help.\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"help", b"x"], b"-ERR wrong number of arguments for 'object|help' command\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"ENCODING"], b"-ERR wrong number of arguments for 'object|encoding' command\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"ENCODING", b"a", b"b"], b"-ERR wrong number of arguments for 'object|encoding' command\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"foo"], b"-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n", b""),
    Step::Cmd(&[b"OBJECT", b"foo", b"bar"], b"-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n", b""),
    Step::Cmd(&[b"FLUSHDB", b"foo"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"FLUSHDB", b"ASYNC", b"SYNC"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"FLUSHALL", b"foo"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"FLUSHDB"], b"+OK\r\n", b"*1\r\n$7\r\nFLUSHDB\r\n"),
    Step::Cmd(&[b"FLUSHDB"], b"+OK\r\n", b"*1\r\n$7\r\nFLUSHDB\r\n"),
    Step::Cmd(&[b"FLUSHDB", b"sync"], b"+OK\r\n", b"*2\r\n$7\r\nFLUSHDB\r\n$4\r\nsync\r\n"),
    Step::Cmd(&[b"SELECT", b"2"], b"+OK\r\n", b""),
    Step::Cmd(&[b"FLUSHDB", b"ASYNC"], b"+OK\r\n", b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*2\r\n$7\r\nFLUSHDB\r\n$5\r\nASYNC\r\n"),
    Step::Cmd(&[b"FLUSHALL"], b"+OK\r\n", b"*1\r\n$8\r\nFLUSHALL\r\n"),
    Step::Cmd(&[b"FLUSHALL", b"ASYNC"], b"+OK\r\n", b"*2\r\n$8\r\nFLUSHALL\r\n$5\r\nASYNC\r\n"),
    Step::Cmd(&[b"FLUSHALL", b"sync"], b"+OK\r\n", b"*2\r\n$8\r\nFLUSHALL\r\n$4\r\nsync\r\n"),
    Step::Cmd(&[b"DBSIZE"], b":0\r\n", b""),
    Step::Cmd(&[b"SELECT", b"0"], b"+OK\r\n", b""),
    Step::Cmd(&[b"DBSIZE"], b":0\r\n", b""),
];

#[rustfmt::skip]
static LAZY: &[Step] = &[
    Step::Cmd(&[b"FLUSHALL"], b"+OK\r\n", b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*1\r\n$8\r\nFLUSHALL\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Setup(&[b"SET", b"y", b"1"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"DBSIZE"], b":2\r\n", b""),
    Step::Cmd(&[b"KEYS", b"*"], b"*1\r\n$1\r\ny\r\n", b""),
    Step::Cmd(&[b"EXISTS", b"x"], b":0\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Cmd(&[b"DBSIZE"], b":1\r\n", b""),
    Step::Cmd(&[b"TTL", b"x"], b":-2\r\n", b""),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"DEL", b"x", b"y"], b":1\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n*3\r\n$3\r\nDEL\r\n$1\r\nx\r\n$1\r\ny\r\n*1\r\n$4\r\nEXEC\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"DEL", b"x"], b":0\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"UNLINK", b"x"], b":0\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"SCAN", b"0", b"TYPE", b"none"], b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\nx\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"SCAN", b"0", b"TYPE", b"string"], b"*2\r\n$1\r\n0\r\n*0\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"SCAN", b"0"], b"*2\r\n$1\r\n0\r\n*0\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"PTTL", b"x"], b":-2\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"TYPE", b"x"], b"+none\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"RENAME", b"x", b"z"], b"-ERR no such key\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Setup(&[b"SET", b"z", b"1"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"RENAME", b"z", b"x"], b"+OK\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n*3\r\n$6\r\nRENAME\r\n$1\r\nz\r\n$1\r\nx\r\n*1\r\n$4\r\nEXEC\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"MOVE", b"x", b"1"], b":0\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"RANDOMKEY"], b"$-1\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"EXPIRE", b"x", b"100"], b":0\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"PERSIST", b"x"], b":0\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"OBJECT", b"ENCODING", b"x"], b"$-1\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"COPY", b"x", b"q"], b":0\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n"),
    Step::Setup(&[b"SET", b"q", b"1"], b"+OK\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"COPY", b"q", b"x"], b":1\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n*3\r\n$4\r\nCOPY\r\n$1\r\nq\r\n$1\r\nx\r\n*1\r\n$4\r\nEXEC\r\n"),
    Step::Setup(&[b"SELECT", b"1"], b"+OK\r\n"),
    Step::Setup(&[b"SET", b"w", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Setup(&[b"SELECT", b"0"], b"+OK\r\n"),
    Step::Setup(&[b"SET", b"w", b"1"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"MOVE", b"w", b"1"], b":1\r\n", b"*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\nw\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$4\r\nMOVE\r\n$1\r\nw\r\n$1\r\n1\r\n*1\r\n$4\r\nEXEC\r\n"),
    Step::Setup(&[b"SELECT", b"1"], b"+OK\r\n"),
    Step::Setup(&[b"SET", b"w", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Setup(&[b"SELECT", b"0"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"COPY", b"q", b"w", b"DB", b"1"], b":1\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\nw\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*5\r\n$4\r\nCOPY\r\n$1\r\nq\r\n$1\r\nw\r\n$2\r\nDB\r\n$1\r\n1\r\n*1\r\n$4\r\nEXEC\r\n"),
    Step::Setup(&[b"SET", b"x", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"DBSIZE"], b":2\r\n", b""),
    Step::Cmd(&[b"FLUSHDB"], b"+OK\r\n", b"*1\r\n$7\r\nFLUSHDB\r\n"),
];

#[rustfmt::skip]
static WATCHES: &[Step] = &[
    Step::Cmd(&[b"FLUSHALL"], b"+OK\r\n", b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*1\r\n$8\r\nFLUSHALL\r\n"),
    Step::Setup(&[b"SET", b"a", b"1"], b"+OK\r\n"),
    Step::Cmd(&[b"WATCH", b"a"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXPIREAT", b"a", b"4102444800"], b":1\r\n", b"*3\r\n$9\r\nPEXPIREAT\r\n$1\r\na\r\n$13\r\n4102444800000\r\n"),
    Step::Cmd(&[b"MULTI"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXISTS", b"a"], b"+QUEUED\r\n", b""),
    Step::Cmd(&[b"EXEC"], b"*-1\r\n", b""),
    Step::Cmd(&[b"WATCH", b"a"], b"+OK\r\n", b""),
    Step::Cmd(&[b"PERSIST", b"a"], b":1\r\n", b"*2\r\n$7\r\nPERSIST\r\n$1\r\na\r\n"),
    Step::Cmd(&[b"MULTI"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXEC"], b"*-1\r\n", b""),
    Step::Cmd(&[b"WATCH", b"a"], b"+OK\r\n", b""),
    Step::Cmd(&[b"PERSIST", b"a"], b":0\r\n", b""),
    Step::Cmd(&[b"MULTI"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXEC"], b"*0\r\n", b""),
    Step::Cmd(&[b"WATCH", b"a", b"b"], b"+OK\r\n", b""),
    Step::Cmd(&[b"RENAME", b"a", b"b"], b"+OK\r\n", b"*3\r\n$6\r\nRENAME\r\n$1\r\na\r\n$1\r\nb\r\n"),
    Step::Cmd(&[b"MULTI"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXEC"], b"*-1\r\n", b""),
    Step::Cmd(&[b"WATCH", b"a"], b"+OK\r\n", b""),
    Step::Cmd(&[b"FLUSHDB"], b"+OK\r\n", b"*1\r\n$7\r\nFLUSHDB\r\n"),
    Step::Cmd(&[b"MULTI"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXEC"], b"*0\r\n", b""),
    Step::Setup(&[b"SET", b"a", b"1"], b"+OK\r\n"),
    Step::Cmd(&[b"WATCH", b"a"], b"+OK\r\n", b""),
    Step::Cmd(&[b"FLUSHALL"], b"+OK\r\n", b"*1\r\n$8\r\nFLUSHALL\r\n"),
    Step::Cmd(&[b"MULTI"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXEC"], b"*-1\r\n", b""),
    Step::Cmd(&[b"WATCH", b"a"], b"+OK\r\n", b""),
    Step::Cmd(&[b"FLUSHALL"], b"+OK\r\n", b"*1\r\n$8\r\nFLUSHALL\r\n"),
    Step::Cmd(&[b"MULTI"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXEC"], b"*0\r\n", b""),
    Step::Setup(&[b"SET", b"a", b"1"], b"+OK\r\n"),
    Step::Cmd(&[b"WATCH", b"a"], b"+OK\r\n", b""),
    Step::Cmd(&[b"MOVE", b"a", b"1"], b":1\r\n", b"*3\r\n$4\r\nMOVE\r\n$1\r\na\r\n$1\r\n1\r\n"),
    Step::Cmd(&[b"MULTI"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXEC"], b"*-1\r\n", b""),
    Step::Setup(&[b"SELECT", b"1"], b"+OK\r\n"),
    Step::Cmd(&[b"WATCH", b"a"], b"+OK\r\n", b""),
    Step::Setup(&[b"SELECT", b"0"], b"+OK\r\n"),
    Step::Cmd(&[b"SWAPDB", b"0", b"1"], b"+OK\r\n", b"*3\r\n$6\r\nSWAPDB\r\n$1\r\n0\r\n$1\r\n1\r\n"),
    Step::Cmd(&[b"MULTI"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXEC"], b"*-1\r\n", b""),
    Step::Cmd(&[b"WATCH", b"zz"], b"+OK\r\n", b""),
    Step::Cmd(&[b"SWAPDB", b"0", b"1"], b"+OK\r\n", b"*3\r\n$6\r\nSWAPDB\r\n$1\r\n0\r\n$1\r\n1\r\n"),
    Step::Cmd(&[b"MULTI"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXEC"], b"*0\r\n", b""),
    Step::Setup(&[b"SET", b"c", b"1"], b"+OK\r\n"),
    Step::Cmd(&[b"WATCH", b"c"], b"+OK\r\n", b""),
    Step::Cmd(&[b"COPY", b"c", b"c2"], b":1\r\n", b"*3\r\n$4\r\nCOPY\r\n$1\r\nc\r\n$2\r\nc2\r\n"),
    Step::Cmd(&[b"MULTI"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXEC"], b"*0\r\n", b""),
    Step::Cmd(&[b"WATCH", b"c2"], b"+OK\r\n", b""),
    Step::Cmd(&[b"COPY", b"c", b"c2", b"REPLACE"], b":1\r\n", b"*4\r\n$4\r\nCOPY\r\n$1\r\nc\r\n$2\r\nc2\r\n$7\r\nREPLACE\r\n"),
    Step::Cmd(&[b"MULTI"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXEC"], b"*-1\r\n", b""),
    Step::Cmd(&[b"WATCH", b"c"], b"+OK\r\n", b""),
    Step::Cmd(&[b"DEL", b"nokey"], b":0\r\n", b""),
    Step::Cmd(&[b"EXPIRE", b"nokey", b"10"], b":0\r\n", b""),
    Step::Cmd(&[b"SELECT", b"3"], b"+OK\r\n", b""),
    Step::Cmd(&[b"FLUSHDB"], b"+OK\r\n", b"*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*1\r\n$7\r\nFLUSHDB\r\n"),
    Step::Cmd(&[b"SELECT", b"0"], b"+OK\r\n", b""),
    Step::Cmd(&[b"MULTI"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXEC"], b"*0\r\n", b""),
    Step::Setup(&[b"SET", b"e", b"1", b"PX", b"50"], b"+OK\r\n"),
    Step::Sleep(100),
    Step::Cmd(&[b"WATCH", b"e"], b"+OK\r\n", b""),
    Step::Cmd(&[b"FLUSHALL"], b"+OK\r\n", b"*1\r\n$8\r\nFLUSHALL\r\n"),
    Step::Cmd(&[b"MULTI"], b"+OK\r\n", b""),
    Step::Cmd(&[b"EXEC"], b"*0\r\n", b""),
];

/// 7.0 feeds MULTI in the db of the unit's first operation: the SELECT comes before MULTI
/// (recorded: `SET z 1; SELECT 1; MULTI; SET a 1; SET b 1; EXEC`).
#[test]
fn select_precedes_multi() {
    let mut h = H::new();
    h.cmd("SET z 1");
    assert_eq!(
        h.repl_text(),
        resp(&["SELECT", "0"]) + &resp(&["SET", "z", "1"])
    );
    h.cmd("SELECT 1");
    h.cmd("MULTI");
    h.cmd("SET a 1");
    h.cmd("SET b 1");
    assert_eq!(h.cmd("EXEC"), "*2\r\n+OK\r\n+OK\r\n");
    let expected = [
        resp(&["SELECT", "1"]),
        resp(&["MULTI"]),
        resp(&["SET", "a", "1"]),
        resp(&["SET", "b", "1"]),
        resp(&["EXEC"]),
    ]
    .concat();
    assert_eq!(h.repl_text(), expected);
}

/// Odd arguments never panic and always get exactly one reply.
#[test]
fn odd_arguments_do_not_panic() {
    let names: &[&[u8]] = &[
        b"DEL",
        b"UNLINK",
        b"EXISTS",
        b"EXPIRE",
        b"PEXPIRE",
        b"EXPIREAT",
        b"PEXPIREAT",
        b"TTL",
        b"PTTL",
        b"EXPIRETIME",
        b"PEXPIRETIME",
        b"PERSIST",
        b"TYPE",
        b"KEYS",
        b"SCAN",
        b"RENAME",
        b"RENAMENX",
        b"RANDOMKEY",
        b"DBSIZE",
        b"FLUSHDB",
        b"MOVE",
        b"COPY",
        b"OBJECT",
        b"SELECT",
        b"SWAPDB",
    ];
    let odd: &[&[u8]] = &[
        b"",
        b"-",
        b"+",
        b"-0",
        b"\0",
        b"k\0x",
        b"-9223372036854775808",
        b"9223372036854775807",
        b"18446744073709551615",
        b"*",
        b"[",
        b"\\",
        b"nx",
        b"gt",
        b"db",
        b"k",
        b"encoding",
    ];
    let mut h = H::new();
    let mut n = 0u64;
    for name in names {
        for a in odd {
            for b in odd.iter().step_by(3) {
                h.raw(&[b"SET", b"k", b"1"]);
                h.raw(&[b"PEXPIREAT", b"k", b"-9223372036854775808"]);
                h.raw(&[b"SET", b"k", b"1"]);
                let reply = h.raw(&[name, a, b]);
                assert!(!reply.is_empty(), "{name:?} {a:?} {b:?}");
                let reply = h.raw(&[name, b"k", a, b, a]);
                assert!(!reply.is_empty(), "{name:?} k {a:?} {b:?}");
                n += 1;
            }
        }
        h.advance_ms(n);
    }
    // End on db 0 whatever SELECT did.
    assert_eq!(h.cmd("SELECT 0"), "+OK\r\n");
}

/// Keyspace hits and misses as INFO stats of 7.0.15 counts them for this sequence (`SET a 1;
/// EXISTS a nokey; TTL a; TYPE nokey; OBJECT ENCODING a; COPY a b; SCAN 0 TYPE string;
/// RENAME a c; MOVE c 1; PERSIST b; EXPIRE b 100; RANDOMKEY; KEYS *; DEL b`).
#[test]
fn keyspace_hits_and_misses() {
    let mut h = H::new();
    for line in [
        "SET a 1",
        "EXISTS a nokey",
        "TTL a",
        "TYPE nokey",
        "OBJECT ENCODING a",
        "COPY a b",
        "SCAN 0 TYPE string",
        "RENAME a c",
        "MOVE c 1",
        "PERSIST b",
        "EXPIRE b 100",
        "RANDOMKEY",
        "KEYS *",
        "DEL b",
    ] {
        h.cmd(line);
    }
    let stats = &h.srv.state().stats;
    assert_eq!((stats.keyspace_hits, stats.keyspace_misses), (6, 2));
}

/// On a replica, logically expired keys look missing to normal clients but are neither
/// deleted nor propagated (the master's DEL does that); DBSIZE still counts them.
#[test]
fn replica_hides_expired_keys_without_deleting() {
    use replscope_core::keyspace::Value;
    let cfg = Config {
        replicaof: Some(("127.0.0.1".to_string(), 6379)),
        ..Config::default()
    };
    let mut h = H::with_config(cfg);
    {
        let db = &mut h.srv.state_mut().keyspace.dbs[0];
        db.set(b"x", Value::string(b"1"), false);
        db.set_expire(b"x", NOW_MS as i64 + 50);
        db.set(b"y", Value::string(b"2"), false);
    }
    h.advance_ms(100);
    assert_eq!(h.cmd("TTL x"), ":-2\r\n");
    assert_eq!(h.cmd("EXISTS x y"), ":1\r\n");
    assert_eq!(h.cmd("TYPE x"), "+none\r\n");
    assert_eq!(h.cmd("KEYS *"), "*1\r\n$1\r\ny\r\n");
    let (_, keys) = parse_scan(&h.cmd("SCAN 0"));
    assert_eq!(keys, vec!["y".to_string()]);
    assert_eq!(h.cmd("SCAN 0 TYPE none"), "*2\r\n$1\r\n0\r\n*0\r\n");
    for _ in 0..10 {
        assert_eq!(h.cmd("RANDOMKEY"), "$1\r\ny\r\n");
    }
    assert_eq!(h.cmd("DBSIZE"), ":2\r\n");
    assert_eq!(
        h.cmd("EXPIRE y 10"),
        "-READONLY You can't write against a read only replica.\r\n"
    );
    assert_eq!(h.repl_text(), "");
    assert!(h.srv.state().keyspace.dbs[0].contains(b"x"));
    // Only volatile keys, all expired: after 100 draws RANDOMKEY gives up and returns one.
    h.srv.state_mut().keyspace.dbs[0].remove(b"y");
    assert_eq!(h.cmd("RANDOMKEY"), "$1\r\nx\r\n");
}
