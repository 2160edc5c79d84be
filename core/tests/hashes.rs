//! Hash commands: byte-exact replies, errors, encodings, key deletion and propagation,
//! checked against redis-server 7.0.15.

use replscope_core::client::{ClientId, PeerInfo};
use replscope_core::config::Config;
use replscope_core::keyspace::Value;
use replscope_core::server::{Output, Server};
use replscope_core::time::Time;

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";

struct H {
    srv: Server,
    c: ClientId,
    now: Time,
}

impl H {
    fn new() -> H {
        Self::with_config(Config::default())
    }

    fn with_config(cfg: Config) -> H {
        let now = Time::from_millis(1_700_000_000_000);
        let mut srv = Server::new(cfg, 7, now);
        srv.state_mut().repl.capture = true;
        let c = srv.handle_accept(now, PeerInfo::default());
        let mut h = H { srv, c, now };
        // Get the initial SELECT out of the way.
        h.run("HSET __init f v");
        h.srv.state_mut().keyspace.dbs[0].remove(b"__init");
        h.srv.take_repl_stream();
        h
    }

    fn cmd(&mut self, args: &[&str]) -> String {
        let mut req = format!("*{}\r\n", args.len());
        for a in args {
            req.push_str(&format!("${}\r\n{}\r\n", a.len(), a));
        }
        self.srv.handle_input(self.now, self.c, req.as_bytes());
        let mut out = Vec::new();
        while let Some(o) = self.srv.poll_output() {
            if let Output::Transmit { bytes, .. } = o {
                out.extend_from_slice(&bytes);
            }
        }
        String::from_utf8(out).unwrap()
    }

    fn run(&mut self, line: &str) -> String {
        let args: Vec<&str> = line.split_whitespace().collect();
        self.cmd(&args)
    }

    fn repl(&mut self) -> String {
        String::from_utf8(self.srv.take_repl_stream().to_vec()).unwrap()
    }

    fn exists(&self, key: &str) -> bool {
        self.srv.state().keyspace.dbs[0].contains(key.as_bytes())
    }

    fn encoding(&self, key: &str) -> &'static str {
        self.srv.state().keyspace.dbs[0]
            .get(key.as_bytes())
            .unwrap()
            .encoding_name()
    }

    fn set_string(&mut self, key: &str, v: &str) {
        self.srv.state_mut().keyspace.dbs[0].set(
            key.as_bytes(),
            Value::string(v.as_bytes()),
            false,
        );
    }
}

fn resp(line: &str) -> String {
    let args: Vec<&str> = line.split_whitespace().collect();
    resp_args(&args)
}

fn resp_args(args: &[&str]) -> String {
    let mut s = format!("*{}\r\n", args.len());
    for a in args {
        s.push_str(&format!("${}\r\n{}\r\n", a.len(), a));
    }
    s
}

fn bulks(items: &[&str]) -> String {
    resp_args(items)
}

/// Parse a flat array of bulk strings (test replies only).
fn parse_bulks(reply: &str) -> Vec<String> {
    let mut lines = reply.split("\r\n");
    let n: usize = lines.next().unwrap()[1..].parse().unwrap();
    (0..n)
        .map(|_| {
            lines.next().unwrap();
            lines.next().unwrap().to_string()
        })
        .collect()
}

#[test]
fn hset_hget_and_insertion_order() {
    let mut h = H::new();
    assert_eq!(h.run("HSET h a 1 b 2 c 3"), ":3\r\n");
    assert_eq!(h.run("HSET h a 10 d 4"), ":1\r\n");
    // Overwriting keeps the field's place.
    assert_eq!(
        h.run("HGETALL h"),
        bulks(&["a", "10", "b", "2", "c", "3", "d", "4"])
    );
    assert_eq!(h.run("HMSET h a 5 e 5"), "+OK\r\n");
    assert_eq!(h.run("HGET h a"), "$1\r\n5\r\n");
    assert_eq!(h.run("HGET h zz"), "$-1\r\n");
    assert_eq!(h.run("HGET nx a"), "$-1\r\n");
    assert_eq!(
        h.run("HMGET h a zz b"),
        "*3\r\n$1\r\n5\r\n$-1\r\n$1\r\n2\r\n"
    );
    assert_eq!(h.run("HMGET nx a b"), "*2\r\n$-1\r\n$-1\r\n");
    assert_eq!(h.run("HLEN h"), ":5\r\n");
    assert_eq!(h.run("HLEN nx"), ":0\r\n");
    assert_eq!(h.run("HEXISTS h c"), ":1\r\n");
    assert_eq!(h.run("HEXISTS h zz"), ":0\r\n");
    assert_eq!(h.run("HEXISTS nx a"), ":0\r\n");
    assert_eq!(h.run("HSTRLEN h a"), ":1\r\n");
    assert_eq!(h.run("HSTRLEN h zz"), ":0\r\n");
    assert_eq!(h.run("HSTRLEN nx a"), ":0\r\n");
    // Deleting keeps the order of the rest.
    assert_eq!(h.run("HDEL h b"), ":1\r\n");
    assert_eq!(h.run("HKEYS h"), bulks(&["a", "c", "d", "e"]));
    assert_eq!(h.run("HVALS h"), bulks(&["5", "3", "4", "5"]));
    assert_eq!(h.run("HKEYS nx"), "*0\r\n");
    assert_eq!(h.run("HVALS nx"), "*0\r\n");
    assert_eq!(h.run("HGETALL nx"), "*0\r\n");
    assert_eq!(h.encoding("h"), "listpack");
    // Writes propagate verbatim, even when they change nothing.
    assert_eq!(h.run("HSET h a 5"), ":0\r\n");
    assert_eq!(
        h.repl(),
        resp("HSET h a 1 b 2 c 3")
            + &resp("HSET h a 10 d 4")
            + &resp("HMSET h a 5 e 5")
            + &resp("HDEL h b")
            + &resp("HSET h a 5")
    );
}

#[test]
fn hset_arity_errors() {
    let mut h = H::new();
    h.set_string("s", "x");
    let hset = "-ERR wrong number of arguments for 'hset' command\r\n";
    let hmset = "-ERR wrong number of arguments for 'hmset' command\r\n";
    assert_eq!(h.run("HSET h a"), hset);
    assert_eq!(h.run("HSET h a 1 b"), hset);
    assert_eq!(h.run("HMSET h a"), hmset);
    assert_eq!(h.run("HMSET h a 1 b"), hmset);
    // The pair count is checked before the key's type.
    assert_eq!(h.run("HSET s a 1 b"), hset);
    assert!(!h.exists("h"));
    assert_eq!(h.repl(), "");
}

#[test]
fn hsetnx() {
    let mut h = H::new();
    assert_eq!(h.run("HSETNX h a 1"), ":1\r\n");
    assert_eq!(h.run("HSETNX h a 2"), ":0\r\n");
    assert_eq!(h.run("HSETNX h b 3"), ":1\r\n");
    assert_eq!(h.run("HGETALL h"), bulks(&["a", "1", "b", "3"]));
    assert_eq!(h.repl(), resp("HSETNX h a 1") + &resp("HSETNX h b 3"));
}

#[test]
fn hdel_deletes_emptied_hash() {
    let mut h = H::new();
    h.run("HSET h a 1 b 2 c 3");
    h.repl();
    assert_eq!(h.run("HDEL h zz"), ":0\r\n");
    assert_eq!(h.run("HDEL nx a"), ":0\r\n");
    assert_eq!(h.run("HDEL h a zz a b"), ":2\r\n");
    assert!(h.exists("h"));
    assert_eq!(h.run("HDEL h c d"), ":1\r\n");
    assert!(!h.exists("h"));
    assert_eq!(h.run("HGETALL h"), "*0\r\n");
    assert_eq!(h.repl(), resp("HDEL h a zz a b") + &resp("HDEL h c d"));
}

#[test]
fn wrongtype_everywhere() {
    let mut h = H::new();
    h.set_string("s", "x");
    for line in [
        "HSET s a 1",
        "HMSET s a 1",
        "HSETNX s a 1",
        "HGET s a",
        "HMGET s a",
        "HDEL s a",
        "HGETALL s",
        "HLEN s",
        "HEXISTS s a",
        "HKEYS s",
        "HVALS s",
        "HINCRBY s a 1",
        "HINCRBYFLOAT s a 1",
        "HSTRLEN s a",
    ] {
        assert_eq!(h.run(line), WRONGTYPE, "{line}");
    }
    assert_eq!(h.repl(), "");
}

#[test]
fn hincrby() {
    let mut h = H::new();
    h.cmd(&[
        "HSET",
        "h",
        "c",
        "3",
        "str",
        "abc",
        "big",
        "9223372036854775807",
        "sp",
        " 1",
        "e",
        "",
    ]);
    h.repl();
    assert_eq!(h.run("HINCRBY h c 5"), ":8\r\n");
    assert_eq!(h.run("HINCRBY h new -3"), ":-3\r\n");
    assert_eq!(h.run("HINCRBY nx a 1"), ":1\r\n");
    assert_eq!(h.run("HINCRBY h c x"), NOT_INT);
    assert_eq!(h.run("HINCRBY h c 1.0"), NOT_INT);
    let not_int = "-ERR hash value is not an integer\r\n";
    assert_eq!(h.run("HINCRBY h str 1"), not_int);
    assert_eq!(h.run("HINCRBY h sp 1"), not_int);
    assert_eq!(h.run("HINCRBY h e 1"), not_int);
    let overflow = "-ERR increment or decrement would overflow\r\n";
    assert_eq!(h.run("HINCRBY h big 1"), overflow);
    assert_eq!(h.run("HINCRBY h c 9223372036854775807"), overflow);
    assert_eq!(h.run("HINCRBY h new -9223372036854775806"), overflow);
    assert_eq!(
        h.run("HINCRBY h new -9223372036854775805"),
        ":-9223372036854775808\r\n"
    );
    // The increment is parsed before the key's type is checked.
    h.set_string("s", "x");
    assert_eq!(h.run("HINCRBY s a x"), NOT_INT);
    assert_eq!(h.run("HGET h c"), "$1\r\n8\r\n");
    assert_eq!(
        h.repl(),
        resp("HINCRBY h c 5")
            + &resp("HINCRBY h new -3")
            + &resp("HINCRBY nx a 1")
            + &resp("HINCRBY h new -9223372036854775805")
    );
}

#[test]
fn hincrbyfloat_replies_and_rewrite() {
    let mut h = H::new();
    h.cmd(&[
        "HSET", "h", "c", "8", "str", "abc", "sp", " 1", "e", "", "i", "inf",
    ]);
    h.repl();
    assert_eq!(h.run("HINCRBYFLOAT h c 1.5"), "$3\r\n9.5\r\n");
    assert_eq!(h.run("HINCRBYFLOAT h nf 2.25"), "$4\r\n2.25\r\n");
    assert_eq!(h.run("HINCRBYFLOAT h nf 1.5"), "$4\r\n3.75\r\n");
    assert_eq!(h.run("HINCRBYFLOAT n a 10.5"), "$4\r\n10.5\r\n");
    assert_eq!(h.run("HINCRBYFLOAT n a 0.5"), "$2\r\n11\r\n");
    assert_eq!(h.run("HINCRBYFLOAT n b 3.0e3"), "$4\r\n3000\r\n");
    assert_eq!(h.run("HINCRBYFLOAT n g -0.0"), "$1\r\n0\r\n");
    assert_eq!(h.run("HINCRBYFLOAT n x 1e-5"), "$7\r\n0.00001\r\n");
    assert_eq!(
        h.run("HINCRBYFLOAT n y 1e20"),
        "$21\r\n100000000000000000000\r\n"
    );
    assert_eq!(h.encoding("n"), "listpack");
    let not_float = "-ERR hash value is not a float\r\n";
    assert_eq!(h.run("HINCRBYFLOAT h str 1"), not_float);
    assert_eq!(h.run("HINCRBYFLOAT h sp 1"), not_float);
    assert_eq!(h.run("HINCRBYFLOAT h e 1"), not_float);
    assert_eq!(
        h.run("HINCRBYFLOAT h c x"),
        "-ERR value is not a valid float\r\n"
    );
    assert_eq!(
        h.run("HINCRBYFLOAT h c nan"),
        "-ERR value is not a valid float\r\n"
    );
    assert_eq!(
        h.cmd(&["HINCRBYFLOAT", "h", "c", " 1"]),
        "-ERR value is not a valid float\r\n"
    );
    assert_eq!(
        h.cmd(&["HINCRBYFLOAT", "h", "c", ""]),
        "-ERR value is not a valid float\r\n"
    );
    assert_eq!(
        h.run("HINCRBYFLOAT h c inf"),
        "-ERR value is NaN or Infinity\r\n"
    );
    assert_eq!(
        h.run("HINCRBYFLOAT h i 1"),
        "-ERR increment would produce NaN or Infinity\r\n"
    );
    // The increment is checked before the key's type.
    h.set_string("s", "x");
    assert_eq!(
        h.run("HINCRBYFLOAT s a inf"),
        "-ERR value is NaN or Infinity\r\n"
    );
    assert_eq!(h.run("HGET h c"), "$3\r\n9.5\r\n");
    // Always propagated as HSET with the final value.
    assert_eq!(
        h.repl(),
        resp("HSET h c 9.5")
            + &resp("HSET h nf 2.25")
            + &resp("HSET h nf 3.75")
            + &resp("HSET n a 10.5")
            + &resp("HSET n a 11")
            + &resp("HSET n b 3000")
            + &resp("HSET n g 0")
            + &resp("HSET n x 0.00001")
            + &resp("HSET n y 100000000000000000000")
    );
}

#[test]
fn hincrbyfloat_in_multi_is_rewritten() {
    let mut h = H::new();
    h.run("MULTI");
    h.run("HINCRBYFLOAT h f 1.5");
    h.run("HINCRBY h g 2");
    assert_eq!(h.run("EXEC"), "*2\r\n$3\r\n1.5\r\n:2\r\n");
    assert_eq!(
        h.repl(),
        resp("MULTI") + &resp("HSET h f 1.5") + &resp("HINCRBY h g 2") + &resp("EXEC")
    );
}

#[test]
fn encoding_by_entry_count() {
    let cfg = Config {
        hash_max_listpack_entries: 2,
        ..Config::default()
    };
    let mut h = H::with_config(cfg);
    h.run("HSET h a 1 b 2");
    assert_eq!(h.encoding("h"), "listpack");
    h.run("HSET h c 3");
    assert_eq!(h.encoding("h"), "hashtable");
    // Never converts back.
    h.run("HDEL h a b");
    assert_eq!(h.encoding("h"), "hashtable");
    assert_eq!(h.run("HGETALL h"), bulks(&["c", "3"]));
    // More than the limit in one command.
    h.run("HSET g a 1 b 2 c 3");
    assert_eq!(h.encoding("g"), "hashtable");
    let mut keys = parse_bulks(&h.run("HKEYS g"));
    keys.sort();
    assert_eq!(keys, ["a", "b", "c"]);
    let mut all = parse_bulks(&h.run("HGETALL g"));
    assert_eq!(all.len(), 6);
    let mut pairs: Vec<(String, String)> = all
        .chunks(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        [
            ("a".into(), "1".into()),
            ("b".into(), "2".into()),
            ("c".into(), "3".into())
        ]
    );
    all.clear();
    assert_eq!(h.run("HDEL g a b c"), ":3\r\n");
    assert!(!h.exists("g"));
    // HINCRBY adding a third field converts too.
    h.run("HSET i a 1 b 2");
    h.run("HINCRBY i c 1");
    assert_eq!(h.encoding("i"), "hashtable");
}

#[test]
fn encoding_by_length() {
    let mut h = H::new();
    let f64s = "f".repeat(64);
    let f65 = "f".repeat(65);
    let v65 = "v".repeat(65);
    h.cmd(&["HSET", "a", &f64s, &f64s]);
    assert_eq!(h.encoding("a"), "listpack");
    h.cmd(&["HSET", "a", "x", &v65]);
    assert_eq!(h.encoding("a"), "hashtable");
    h.cmd(&["HDEL", "a", "x"]);
    assert_eq!(h.encoding("a"), "hashtable");
    // Overwriting an existing field with a long value converts.
    h.run("HSET b a 1");
    h.run("HSET b a 1");
    h.cmd(&["HSET", "b", "a", &v65]);
    assert_eq!(h.encoding("b"), "hashtable");
    // HSETNX on an existing field stores nothing and does not convert.
    h.run("HSET c a 1");
    assert_eq!(h.cmd(&["HSETNX", "c", "a", &v65]), ":0\r\n");
    assert_eq!(h.encoding("c"), "listpack");
    assert_eq!(h.cmd(&["HSETNX", "c", "b", &v65]), ":1\r\n");
    assert_eq!(h.encoding("c"), "hashtable");
    // A long field name from HINCRBY / HINCRBYFLOAT converts as well.
    h.run("HSET d a 1");
    assert_eq!(h.cmd(&["HINCRBY", "d", &f65, "1"]), ":1\r\n");
    assert_eq!(h.encoding("d"), "hashtable");
    h.run("HSET e a 1");
    assert_eq!(h.cmd(&["HINCRBYFLOAT", "e", &f65, "1.5"]), "$3\r\n1.5\r\n");
    assert_eq!(h.encoding("e"), "hashtable");
    assert_eq!(h.cmd(&["HSTRLEN", "c", "b"]), ":65\r\n");
}

#[test]
fn watch_and_hash_writes() {
    let mut h = H::new();
    h.run("HSET h f v");
    // HSET of an unchanged value still signals the key.
    h.run("WATCH h");
    h.run("HSET h f v");
    h.run("MULTI");
    h.run("HLEN h");
    assert_eq!(h.run("EXEC"), "*-1\r\n");
    // HSETNX on an existing field and HDEL of a missing field do not.
    h.run("WATCH h");
    h.run("HSETNX h f v2");
    h.run("HDEL h zz");
    h.run("MULTI");
    h.run("HLEN h");
    assert_eq!(h.run("EXEC"), "*1\r\n:1\r\n");
}

#[test]
fn expired_hash_is_missing() {
    let mut h = H::new();
    h.run("HSET h a 1");
    h.srv.state_mut().keyspace.dbs[0].set_expire(b"h", 1_600_000_000_000);
    h.repl();
    assert_eq!(h.run("HGET h a"), "$-1\r\n");
    assert_eq!(h.run("HSET h b 2"), ":1\r\n");
    assert_eq!(h.run("HGETALL h"), bulks(&["b", "2"]));
    assert_eq!(h.repl(), resp("DEL h") + &resp("HSET h b 2"));
}

#[test]
fn hincrbyfloat_uses_long_double_arithmetic() {
    let mut h = H::new();
    // Long double arithmetic, as a real 7.0.15 answers (f64 would print 10.59999999999999964).
    assert_eq!(h.run("HINCRBYFLOAT ld a 10.5"), "$4\r\n10.5\r\n");
    assert_eq!(h.run("HINCRBYFLOAT ld a 0.1"), "$4\r\n10.6\r\n");
    // 1e400 fits a long double (not a double); 1e5000 does not (real 7.0.15 replies).
    assert!(h.run("HINCRBYFLOAT ld b 1e400").starts_with("$401\r\n10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880\r\n"));
    assert_eq!(h.run("HINCRBYFLOAT ld c 1e5000"), "-ERR value is not a valid float\r\n");
}
