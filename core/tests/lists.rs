//! List commands: byte-exact replies, errors, key deletion and propagation, checked against
//! redis-server 7.0.15.

use replscope_core::client::{ClientId, PeerInfo};
use replscope_core::config::Config;
use replscope_core::keyspace::Value;
use replscope_core::server::{Output, Server};
use replscope_core::time::Time;

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";
const SYNTAX: &str = "-ERR syntax error\r\n";

struct H {
    srv: Server,
    c: ClientId,
    now: Time,
}

impl H {
    fn new() -> H {
        let now = Time::from_millis(1_700_000_000_000);
        let mut srv = Server::new(Config::default(), 7, now);
        srv.state_mut().repl.capture = true;
        let c = srv.handle_accept(now, PeerInfo::default());
        let mut h = H { srv, c, now };
        // Get the initial SELECT out of the way.
        h.run("RPUSH __init x");
        h.srv.state_mut().keyspace.dbs[0].remove(b"__init");
        h.srv.take_repl_stream();
        h
    }

    /// Send one command given as separate arguments; return the reply bytes as text.
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

    /// Send a command whose arguments contain no spaces.
    fn run(&mut self, line: &str) -> String {
        let args: Vec<&str> = line.split_whitespace().collect();
        self.cmd(&args)
    }

    /// The replication stream produced since the last call.
    fn repl(&mut self) -> String {
        String::from_utf8(self.srv.take_repl_stream().to_vec()).unwrap()
    }

    fn exists(&self, key: &str) -> bool {
        self.srv.state().keyspace.dbs[0].contains(key.as_bytes())
    }

    fn set_string(&mut self, key: &str, v: &str) {
        self.srv.state_mut().keyspace.dbs[0].set(
            key.as_bytes(),
            Value::string(v.as_bytes()),
            false,
        );
    }
}

/// The RESP encoding of a command (one propagated operation).
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
    let mut s = format!("*{}\r\n", items.len());
    for i in items {
        s.push_str(&format!("${}\r\n{}\r\n", i.len(), i));
    }
    s
}

#[test]
fn push_and_range() {
    let mut h = H::new();
    assert_eq!(h.run("LPUSH l a b c"), ":3\r\n");
    assert_eq!(h.run("LRANGE l 0 -1"), bulks(&["c", "b", "a"]));
    assert_eq!(h.run("RPUSH l d e"), ":5\r\n");
    assert_eq!(h.run("LRANGE l 0 -1"), bulks(&["c", "b", "a", "d", "e"]));
    assert_eq!(h.run("LRANGE l 1 2"), bulks(&["b", "a"]));
    assert_eq!(h.run("LRANGE l -2 -1"), bulks(&["d", "e"]));
    assert_eq!(
        h.run("LRANGE l -100 100"),
        bulks(&["c", "b", "a", "d", "e"])
    );
    assert_eq!(h.run("LRANGE l 2 1"), "*0\r\n");
    assert_eq!(h.run("LRANGE l 5 10"), "*0\r\n");
    assert_eq!(h.run("LRANGE l 0 -6"), "*0\r\n");
    assert_eq!(
        h.run("LRANGE l -9223372036854775808 9223372036854775807"),
        bulks(&["c", "b", "a", "d", "e"])
    );
    assert_eq!(h.run("LRANGE nx 0 -1"), "*0\r\n");
    assert_eq!(h.run("LRANGE l x 1"), NOT_INT);
    assert_eq!(h.run("LRANGE l 0 1.5"), NOT_INT);
    assert_eq!(h.run("LLEN l"), ":5\r\n");
    assert_eq!(h.run("LLEN nx"), ":0\r\n");
    assert_eq!(
        h.srv.state().keyspace.dbs[0]
            .get(b"l")
            .unwrap()
            .encoding_name(),
        "quicklist"
    );
    // Empty elements are fine.
    assert_eq!(h.cmd(&["RPUSH", "e", "", "x y"]), ":2\r\n");
    assert_eq!(h.run("LRANGE e 0 -1"), "*2\r\n$0\r\n\r\n$3\r\nx y\r\n");
    assert_eq!(
        h.repl(),
        resp("LPUSH l a b c") + &resp("RPUSH l d e") + &resp_args(&["RPUSH", "e", "", "x y"])
    );
}

#[test]
fn pushx_only_on_existing_lists() {
    let mut h = H::new();
    assert_eq!(h.run("LPUSHX l a"), ":0\r\n");
    assert_eq!(h.run("RPUSHX l a b"), ":0\r\n");
    assert!(!h.exists("l"));
    assert_eq!(h.repl(), "");
    h.run("RPUSH l m");
    assert_eq!(h.run("LPUSHX l a b"), ":3\r\n");
    assert_eq!(h.run("RPUSHX l y z"), ":5\r\n");
    assert_eq!(h.run("LRANGE l 0 -1"), bulks(&["b", "a", "m", "y", "z"]));
    assert_eq!(
        h.repl(),
        resp("RPUSH l m") + &resp("LPUSHX l a b") + &resp("RPUSHX l y z")
    );
}

#[test]
fn pop_single_and_count() {
    let mut h = H::new();
    h.run("RPUSH l a b c d e");
    h.repl();
    assert_eq!(h.run("LPOP l"), "$1\r\na\r\n");
    assert_eq!(h.run("RPOP l"), "$1\r\ne\r\n");
    assert_eq!(h.run("LPOP l 0"), "*0\r\n");
    assert_eq!(h.run("RPOP l 2"), bulks(&["d", "c"]));
    assert_eq!(h.run("LPOP l 5"), bulks(&["b"]));
    assert!(!h.exists("l"), "emptied list must be deleted");
    assert_eq!(h.run("LPOP l"), "$-1\r\n");
    assert_eq!(h.run("LPOP l 0"), "*-1\r\n");
    assert_eq!(h.run("RPOP l 3"), "*-1\r\n");
    // LPOP k 0 changes nothing and is not propagated; the rest verbatim, count included.
    assert_eq!(
        h.repl(),
        resp("LPOP l") + &resp("RPOP l") + &resp("RPOP l 2") + &resp("LPOP l 5")
    );
    h.run("RPUSH big a b c");
    assert_eq!(
        h.run("LPOP big 9223372036854775807"),
        bulks(&["a", "b", "c"])
    );
    assert!(!h.exists("big"));
}

#[test]
fn pop_errors() {
    let mut h = H::new();
    h.run("RPUSH l a");
    h.set_string("s", "x");
    let positive = "-ERR value is out of range, must be positive\r\n";
    assert_eq!(h.run("LPOP l -1"), positive);
    assert_eq!(h.run("LPOP l x"), positive);
    assert_eq!(h.run("RPOP nx -1"), positive);
    // The count is checked before the key's type.
    assert_eq!(h.run("LPOP s x"), positive);
    assert_eq!(h.run("LPOP s"), WRONGTYPE);
    assert_eq!(h.run("RPOP s 0"), WRONGTYPE);
    assert_eq!(
        h.run("LPOP l 1 2"),
        "-ERR wrong number of arguments for 'lpop' command\r\n"
    );
    assert_eq!(
        h.run("RPOP l 1 2"),
        "-ERR wrong number of arguments for 'rpop' command\r\n"
    );
    assert_eq!(
        h.run("LPOP"),
        "-ERR wrong number of arguments for 'lpop' command\r\n"
    );
    assert_eq!(h.run("LRANGE l 0 -1"), bulks(&["a"]));
}

#[test]
fn wrongtype_everywhere() {
    let mut h = H::new();
    h.set_string("s", "x");
    h.run("RPUSH l a");
    for line in [
        "LPUSH s a",
        "RPUSH s a",
        "LPUSHX s a",
        "RPUSHX s a",
        "LRANGE s 0 -1",
        "LLEN s",
        "LINDEX s 0",
        "LINDEX s x",
        "LSET s 0 a",
        "LSET s x a",
        "LREM s 0 a",
        "LTRIM s 0 1",
        "LINSERT s BEFORE a b",
        "LPOS s a",
        "LMOVE s l LEFT LEFT",
        "LMOVE l s LEFT LEFT",
        "RPOPLPUSH s l",
        "RPOPLPUSH l s",
    ] {
        assert_eq!(h.run(line), WRONGTYPE, "{line}");
    }
    assert_eq!(h.run("LRANGE l 0 -1"), bulks(&["a"]));
    assert_eq!(h.repl(), resp("RPUSH l a"));
}

#[test]
fn lindex_and_lset() {
    let mut h = H::new();
    h.run("RPUSH l a b c");
    h.repl();
    assert_eq!(h.run("LINDEX l 0"), "$1\r\na\r\n");
    assert_eq!(h.run("LINDEX l -1"), "$1\r\nc\r\n");
    assert_eq!(h.run("LINDEX l 3"), "$-1\r\n");
    assert_eq!(h.run("LINDEX l -4"), "$-1\r\n");
    assert_eq!(h.run("LINDEX l -9223372036854775808"), "$-1\r\n");
    assert_eq!(h.run("LINDEX l x"), NOT_INT);
    // The key is looked up before the index is parsed.
    assert_eq!(h.run("LINDEX nx x"), "$-1\r\n");

    assert_eq!(h.run("LSET l 1 B"), "+OK\r\n");
    assert_eq!(h.run("LSET l -1 C"), "+OK\r\n");
    assert_eq!(h.run("LRANGE l 0 -1"), bulks(&["a", "B", "C"]));
    assert_eq!(h.run("LSET l 3 x"), "-ERR index out of range\r\n");
    assert_eq!(
        h.run("LSET l -9223372036854775808 x"),
        "-ERR index out of range\r\n"
    );
    assert_eq!(h.run("LSET l x x"), NOT_INT);
    assert_eq!(h.run("LSET nx 0 x"), "-ERR no such key\r\n");
    assert_eq!(h.run("LSET nx x x"), "-ERR no such key\r\n");
    assert!(!h.exists("nx"));
    assert_eq!(h.repl(), resp("LSET l 1 B") + &resp("LSET l -1 C"));
}

#[test]
fn lrem_directions_and_deletion() {
    let mut h = H::new();
    h.run("RPUSH r 1 2 3 1 2 3 1");
    h.repl();
    assert_eq!(h.run("LREM r -2 1"), ":2\r\n");
    assert_eq!(h.run("LRANGE r 0 -1"), bulks(&["1", "2", "3", "2", "3"]));
    assert_eq!(h.run("LREM r 1 3"), ":1\r\n");
    assert_eq!(h.run("LRANGE r 0 -1"), bulks(&["1", "2", "2", "3"]));
    assert_eq!(h.run("LREM r 0 2"), ":2\r\n");
    assert_eq!(h.run("LRANGE r 0 -1"), bulks(&["1", "3"]));
    assert_eq!(h.run("LREM r 0 nothere"), ":0\r\n");
    assert_eq!(h.run("LREM nx 0 a"), ":0\r\n");
    assert_eq!(h.run("LREM r x a"), NOT_INT);
    assert_eq!(h.run("LREM r -9223372036854775808 3"), ":1\r\n");
    assert_eq!(h.run("LREM r 5 1"), ":1\r\n");
    assert!(!h.exists("r"));
    // No-op removals propagate nothing.
    assert_eq!(
        h.repl(),
        resp("LREM r -2 1")
            + &resp("LREM r 1 3")
            + &resp("LREM r 0 2")
            + &resp("LREM r -9223372036854775808 3")
            + &resp("LREM r 5 1")
    );
}

#[test]
fn ltrim_ranges() {
    let mut h = H::new();
    h.run("RPUSH l a b c d e");
    h.repl();
    assert_eq!(h.run("LTRIM l 0 -1"), "+OK\r\n");
    assert_eq!(h.run("LTRIM l 0 100"), "+OK\r\n");
    assert_eq!(h.run("LTRIM l 1 -2"), "+OK\r\n");
    assert_eq!(h.run("LRANGE l 0 -1"), bulks(&["b", "c", "d"]));
    assert_eq!(h.run("LTRIM l x 1"), NOT_INT);
    assert_eq!(h.run("LTRIM nx 0 1"), "+OK\r\n");
    assert_eq!(h.run("LTRIM nx x 1"), NOT_INT);
    assert_eq!(h.run("LTRIM l 5 1"), "+OK\r\n");
    assert!(!h.exists("l"));
    // Trims that remove nothing are not propagated.
    assert_eq!(h.repl(), resp("LTRIM l 1 -2") + &resp("LTRIM l 5 1"));
    h.run("RPUSH m a b");
    assert_eq!(
        h.run("LTRIM m 9223372036854775807 -9223372036854775808"),
        "+OK\r\n"
    );
    assert!(!h.exists("m"));
}

#[test]
fn linsert() {
    let mut h = H::new();
    h.run("RPUSH l a b c a");
    h.repl();
    assert_eq!(h.run("LINSERT l middle a x"), SYNTAX);
    assert_eq!(h.run("LINSERT nx middle a x"), SYNTAX);
    assert_eq!(h.run("LINSERT nx BEFORE a x"), ":0\r\n");
    assert_eq!(h.run("LINSERT l before zz x"), ":-1\r\n");
    assert_eq!(h.run("LINSERT l BEFORE a x"), ":5\r\n");
    assert_eq!(h.run("LINSERT l After a y"), ":6\r\n");
    assert_eq!(h.run("LINSERT l after c z"), ":7\r\n");
    assert_eq!(
        h.run("LRANGE l 0 -1"),
        bulks(&["x", "a", "y", "b", "c", "z", "a"])
    );
    assert_eq!(h.cmd(&["LINSERT", "l", "before", "a", ""]), ":8\r\n");
    assert_eq!(h.cmd(&["LINDEX", "l", "1"]), "$0\r\n\r\n");
    assert!(!h.exists("nx"));
    assert_eq!(
        h.repl(),
        resp("LINSERT l BEFORE a x")
            + &resp("LINSERT l After a y")
            + &resp("LINSERT l after c z")
            + &resp_args(&["LINSERT", "l", "before", "a", ""])
    );
}

#[test]
fn lpos_options() {
    let mut h = H::new();
    h.run("RPUSH l x a b c y a b c");
    assert_eq!(h.run("LPOS l a"), ":1\r\n");
    assert_eq!(h.run("LPOS l zz"), "$-1\r\n");
    assert_eq!(h.run("LPOS nx a"), "$-1\r\n");
    assert_eq!(h.run("LPOS nx a COUNT 0"), "*0\r\n");
    assert_eq!(h.run("LPOS l a RANK -1"), ":5\r\n");
    assert_eq!(h.run("LPOS l a RANK 2"), ":5\r\n");
    assert_eq!(h.run("LPOS l a RANK 3"), "$-1\r\n");
    assert_eq!(h.run("LPOS l a COUNT 0"), "*2\r\n:1\r\n:5\r\n");
    assert_eq!(h.run("LPOS l a COUNT 1"), "*1\r\n:1\r\n");
    assert_eq!(h.run("LPOS l a COUNT 10"), "*2\r\n:1\r\n:5\r\n");
    assert_eq!(h.run("LPOS l zz COUNT 0"), "*0\r\n");
    assert_eq!(h.run("LPOS l a MAXLEN 2 COUNT 0"), "*1\r\n:1\r\n");
    assert_eq!(h.run("LPOS l a MAXLEN 1 COUNT 0"), "*0\r\n");
    assert_eq!(h.run("LPOS l a MAXLEN 1"), "$-1\r\n");
    assert_eq!(h.run("LPOS l a RANK -1 COUNT 0"), "*2\r\n:5\r\n:1\r\n");
    assert_eq!(h.run("LPOS l a rank 1 rank 2"), ":5\r\n");
    // LONG_MIN rank: Redis's negation leaves it negative, so every match counts.
    assert_eq!(h.run("LPOS l a RANK -9223372036854775808"), ":5\r\n");
    assert_eq!(
        h.run("LPOS l b RANK -9223372036854775808 COUNT 1"),
        "*2\r\n:6\r\n:2\r\n"
    );

    h.run("RPUSH p a b a b a b a");
    assert_eq!(h.run("LPOS p a RANK -2 MAXLEN 3"), ":4\r\n");
    assert_eq!(h.run("LPOS p a RANK -2 MAXLEN 3 COUNT 0"), "*1\r\n:4\r\n");
    assert_eq!(h.run("LPOS p a RANK -1 COUNT 2"), "*2\r\n:6\r\n:4\r\n");
    assert_eq!(h.run("LPOS p b RANK 2 COUNT 2"), "*2\r\n:3\r\n:5\r\n");
    assert_eq!(h.run("LPOS p b RANK 5 COUNT 0"), "*0\r\n");
    assert_eq!(
        h.run("LPOS p a MAXLEN 0 COUNT 0"),
        "*4\r\n:0\r\n:2\r\n:4\r\n:6\r\n"
    );
    assert_eq!(
        h.run("LPOS p a RANK 2 COUNT 0 MAXLEN 5"),
        "*2\r\n:2\r\n:4\r\n"
    );
    assert_eq!(h.run("LPOS p b RANK 9223372036854775807"), "$-1\r\n");
}

#[test]
fn lpos_errors() {
    let mut h = H::new();
    h.run("RPUSH l a");
    h.set_string("s", "x");
    let rank0 = "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the \
                 second ... or use negative to start from the end of the list\r\n";
    let count = "-ERR COUNT can't be negative\r\n";
    let maxlen = "-ERR MAXLEN can't be negative\r\n";
    assert_eq!(h.run("LPOS l a RANK 0"), rank0);
    // Options are parsed before the key is looked up.
    assert_eq!(h.run("LPOS nx a RANK 0"), rank0);
    assert_eq!(h.run("LPOS s a RANK 0"), rank0);
    assert_eq!(h.run("LPOS l a RANK x"), NOT_INT);
    assert_eq!(h.run("LPOS l a COUNT -1"), count);
    assert_eq!(h.run("LPOS l a COUNT x"), count);
    assert_eq!(h.run("LPOS nx a COUNT x"), count);
    assert_eq!(h.run("LPOS l a MAXLEN -1"), maxlen);
    assert_eq!(h.run("LPOS l a MAXLEN x"), maxlen);
    assert_eq!(h.run("LPOS l a foo"), SYNTAX);
    assert_eq!(h.run("LPOS l a RANK"), SYNTAX);
    assert_eq!(h.run("LPOS l a COUNT"), SYNTAX);
    assert_eq!(h.run("LPOS s a"), WRONGTYPE);
}

#[test]
fn lmove_and_rpoplpush() {
    let mut h = H::new();
    h.run("RPUSH l a b c");
    h.repl();
    assert_eq!(h.run("LMOVE l l left right"), "$1\r\na\r\n");
    assert_eq!(h.run("LRANGE l 0 -1"), bulks(&["b", "c", "a"]));
    assert_eq!(h.run("LMOVE l l RIGHT LEFT"), "$1\r\na\r\n");
    assert_eq!(h.run("LRANGE l 0 -1"), bulks(&["a", "b", "c"]));
    assert_eq!(h.run("LMOVE l d left left"), "$1\r\na\r\n");
    assert_eq!(h.run("LMOVE l d right right"), "$1\r\nc\r\n");
    assert_eq!(h.run("LRANGE d 0 -1"), bulks(&["a", "c"]));
    assert_eq!(h.run("LMOVE l d LEFT RIGHT"), "$1\r\nb\r\n");
    assert!(!h.exists("l"), "emptied source must be deleted");
    assert_eq!(h.run("LRANGE d 0 -1"), bulks(&["a", "c", "b"]));
    assert_eq!(h.run("LMOVE nx d left left"), "$-1\r\n");
    assert_eq!(h.run("LMOVE l d up left"), SYNTAX);
    assert_eq!(h.run("LMOVE l d left down"), SYNTAX);
    assert_eq!(
        h.run("LMOVE l d left"),
        "-ERR wrong number of arguments for 'lmove' command\r\n"
    );
    // A one-element list moved onto itself stays.
    h.run("RPUSH one a");
    assert_eq!(h.run("LMOVE one one left left"), "$1\r\na\r\n");
    assert_eq!(h.run("LRANGE one 0 -1"), bulks(&["a"]));
    assert_eq!(h.run("RPOPLPUSH d one"), "$1\r\nb\r\n");
    assert_eq!(h.run("LRANGE one 0 -1"), bulks(&["b", "a"]));
    assert_eq!(h.run("RPOPLPUSH nx one"), "$-1\r\n");
    assert_eq!(
        h.repl(),
        resp("LMOVE l l left right")
            + &resp("LMOVE l l RIGHT LEFT")
            + &resp("LMOVE l d left left")
            + &resp("LMOVE l d right right")
            + &resp("LMOVE l d LEFT RIGHT")
            + &resp("RPUSH one a")
            + &resp("LMOVE one one left left")
            + &resp("RPOPLPUSH d one")
    );
}

#[test]
fn lmove_missing_source_ignores_destination_type() {
    let mut h = H::new();
    h.set_string("s", "x");
    assert_eq!(h.run("LMOVE nx s left left"), "$-1\r\n");
    assert_eq!(h.run("LMOVE s nx up left"), SYNTAX);
}

#[test]
fn lmpop() {
    let mut h = H::new();
    h.set_string("s", "x");
    h.run("RPUSH b 1 2 3");
    h.repl();
    assert_eq!(
        h.run("LMPOP 2 a b left"),
        "*2\r\n$1\r\nb\r\n*1\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        h.run("LMPOP 2 a b RIGHT COUNT 5"),
        "*2\r\n$1\r\nb\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n"
    );
    assert!(!h.exists("b"));
    assert_eq!(h.run("LMPOP 2 a b left"), "*-1\r\n");
    let numkeys = "-ERR numkeys should be greater than 0\r\n";
    let count = "-ERR count should be greater than 0\r\n";
    assert_eq!(h.run("LMPOP 0 a left"), numkeys);
    assert_eq!(h.run("LMPOP x a left"), numkeys);
    assert_eq!(h.run("LMPOP -1 a left"), numkeys);
    assert_eq!(h.run("LMPOP 2 a left"), SYNTAX);
    assert_eq!(h.run("LMPOP 9223372036854775807 a left"), SYNTAX);
    assert_eq!(h.run("LMPOP 1 a middle"), SYNTAX);
    assert_eq!(h.run("LMPOP 1 a left count 0"), count);
    assert_eq!(h.run("LMPOP 1 a left count x"), count);
    assert_eq!(h.run("LMPOP 1 a left count 1 count 1"), SYNTAX);
    assert_eq!(h.run("LMPOP 1 a left foo"), SYNTAX);
    assert_eq!(h.run("LMPOP 1 a left count"), SYNTAX);
    assert_eq!(
        h.run("LMPOP 1 a"),
        "-ERR wrong number of arguments for 'lmpop' command\r\n"
    );
    assert_eq!(h.run("LMPOP 2 s a left"), WRONGTYPE);
    assert_eq!(h.run("LMPOP 2 a s left"), WRONGTYPE);
    h.run("RPUSH a z");
    // Stops at the first non-empty list: the string after it is never looked at.
    assert_eq!(
        h.run("LMPOP 2 a s left"),
        "*2\r\n$1\r\na\r\n*1\r\n$1\r\nz\r\n"
    );
    // Propagated as the pop it performed, with the number of elements popped.
    assert_eq!(
        h.repl(),
        resp("LPOP b 1") + &resp("RPOP b 2") + &resp("RPUSH a z") + &resp("LPOP a 1")
    );
}

#[test]
fn watch_sees_list_writes_only_when_signalled() {
    let mut h = H::new();
    h.run("RPUSH l a b");
    // LTRIM signals the key even when it trims nothing.
    h.run("WATCH l");
    h.run("LTRIM l 0 -1");
    h.run("MULTI");
    h.run("LLEN l");
    assert_eq!(h.run("EXEC"), "*-1\r\n");
    // LREM that removes nothing does not.
    h.run("WATCH l");
    h.run("LREM l 0 zz");
    h.run("MULTI");
    h.run("LLEN l");
    assert_eq!(h.run("EXEC"), "*1\r\n:2\r\n");
    h.run("WATCH l");
    h.run("LSET l 0 a");
    h.run("MULTI");
    h.run("LLEN l");
    assert_eq!(h.run("EXEC"), "*-1\r\n");
}

#[test]
fn multi_wraps_list_writes() {
    let mut h = H::new();
    h.run("RPUSH l a b");
    h.repl();
    h.run("MULTI");
    h.run("RPUSH l c");
    h.run("LPOP l 0");
    h.run("LPOP l 5");
    assert_eq!(
        h.run("EXEC"),
        "*3\r\n:3\r\n*0\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert!(!h.exists("l"));
    assert_eq!(
        h.repl(),
        resp("MULTI") + &resp("RPUSH l c") + &resp("LPOP l 5") + &resp("EXEC")
    );
}

#[test]
fn expired_list_is_replaced() {
    let mut h = H::new();
    h.run("RPUSH l a b");
    h.srv.state_mut().keyspace.dbs[0].set_expire(b"l", 1_600_000_000_000);
    h.repl();
    assert_eq!(h.run("LPUSH l x"), ":1\r\n");
    assert_eq!(h.run("LRANGE l 0 -1"), bulks(&["x"]));
    assert_eq!(h.srv.state().keyspace.dbs[0].expire_of(b"l"), None);
    // As 7.0.15: the lazy-expiry DEL and the write form one unit.
    assert_eq!(
        h.repl(),
        resp("MULTI") + &resp("DEL l") + &resp("LPUSH l x") + &resp("EXEC")
    );
}
