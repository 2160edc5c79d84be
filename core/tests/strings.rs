//! String commands against the exact replies and replication stream of redis-server 7.0.15.
//!
//! The `SCRIPT` steps were recorded from a real redis-server 7.0.15 (replies as received by a
//! client, replication stream as received by a replica connected with `PSYNC ? -1`, PINGs
//! removed). Steps whose output depends on the wall clock are tested separately below with a
//! fixed [`Time`].

use replscope_core::config::Config;
use replscope_core::keyspace::list::ListValue;
use replscope_core::keyspace::{StrEncoding, Value};
use replscope_core::ldouble::{incr_by_float, IncrFloatError, LongDouble};

mod support;
use support::H;

/// The strings scripts were recorded with the stream already in db 0 (no leading SELECT).
fn h_with(cfg: Config) -> H {
    let mut h = H::with_config(cfg);
    h.srv.state_mut().repl.seldb = Some(0);
    h
}

fn h() -> H {
    h_with(Config::default())
}

impl H {
    fn put_list(&mut self, key: &[u8]) {
        let list = Value::List(ListValue::default());
        self.srv.state_mut().keyspace.dbs[0].set(key, list, false);
    }
    fn enc(&self, key: &[u8]) -> Option<StrEncoding> {
        match self.srv.state().keyspace.dbs[0].get(key) {
            Some(Value::Str(s)) => Some(s.enc),
            _ => None,
        }
    }
    fn expire(&self, key: &[u8]) -> Option<i64> {
        self.srv.state().keyspace.dbs[0].expire_of(key)
    }
}

/// RESP encoding of a command, for expected replication streams.
fn resp(words: &[&str]) -> String {
    let mut s = format!("*{}\r\n", words.len());
    for w in words {
        s.push_str(&format!("${}\r\n{}\r\n", w.len(), w));
    }
    s
}

enum Step {
    /// Create state directly: `RPUSH key x` makes a list, `DEL key` removes a key.
    Setup(&'static [&'static [u8]]),
    /// A command, its exact reply and the exact replication stream it produces.
    Cmd(&'static [&'static [u8]], &'static [u8], &'static [u8]),
}

#[test]
fn script_matches_redis_7_0_15() {
    let mut h = h();
    for (i, step) in SCRIPT.iter().enumerate() {
        match step {
            Step::Setup(args) => match args[0] {
                b"RPUSH" => h.put_list(args[1]),
                b"DEL" => {
                    h.srv.state_mut().keyspace.dbs[0].remove(args[1]);
                }
                other => panic!("unknown setup {:?}", String::from_utf8_lossy(other)),
            },
            Step::Cmd(args, reply, repl) => {
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
                assert_eq!(
                    h.repl_text(),
                    String::from_utf8_lossy(repl),
                    "replication stream of step {i}: {what:?}"
                );
            }
        }
    }
}

#[rustfmt::skip]
static SCRIPT: &[Step] = &[
    Step::Setup(&[b"RPUSH", b"lst", b"a"]),
    Step::Cmd(&[b"GET", b"nokey"], b"$-1\r\n", b""),
    Step::Cmd(&[b"GET", b"lst"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"),
    Step::Cmd(&[b"GET", b"k"], b"$1\r\nv\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v2", b"NX"], b"$-1\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v3", b"XX"], b"+OK\r\n", b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv3\r\n$2\r\nXX\r\n"),
    Step::Cmd(&[b"GET", b"k"], b"$2\r\nv3\r\n", b""),
    Step::Cmd(&[b"SET", b"nk", b"v", b"XX"], b"$-1\r\n", b""),
    Step::Cmd(&[b"SET", b"nk", b"v", b"NX"], b"+OK\r\n", b"*4\r\n$3\r\nSET\r\n$2\r\nnk\r\n$1\r\nv\r\n$2\r\nNX\r\n"),
    Step::Cmd(&[b"SET", b"k", b"v", b"NX", b"XX"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"XX", b"NX"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"EX"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"EX", b"10", b"PX", b"10"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"KEEPTTL", b"EX", b"10"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"EX", b"10", b"KEEPTTL"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"FOO"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"EX", b"0"], b"-ERR invalid expire time in 'set' command\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"EX", b"-5"], b"-ERR invalid expire time in 'set' command\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"PX", b"0"], b"-ERR invalid expire time in 'set' command\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"EX", b"abc"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"EX", b"9223372036854776"], b"-ERR invalid expire time in 'set' command\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"EXAT", b"9223372036854776"], b"-ERR invalid expire time in 'set' command\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"EXAT", b"0"], b"-ERR invalid expire time in 'set' command\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"PXAT", b"-1"], b"-ERR invalid expire time in 'set' command\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v", b"PX", b"9223372036854775807"], b"-ERR invalid expire time in 'set' command\r\n", b""),
    Step::Cmd(&[b"SET", b"lst", b"v", b"GET"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", b""),
    Step::Cmd(&[b"SET", b"lst", b"v", b"EX", b"0", b"GET"], b"-ERR invalid expire time in 'set' command\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v4", b"GET"], b"$2\r\nv3\r\n", b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv4\r\n"),
    Step::Cmd(&[b"SET", b"k2", b"v", b"GET"], b"$-1\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$1\r\nv\r\n"),
    Step::Cmd(&[b"SET", b"k", b"v5", b"NX", b"GET"], b"$2\r\nv4\r\n", b""),
    Step::Cmd(&[b"SET", b"k3", b"v", b"XX", b"GET"], b"$-1\r\n", b""),
    Step::Cmd(&[b"SET", b"k", b"v6", b"XX", b"GET"], b"$2\r\nv4\r\n", b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv6\r\n$2\r\nXX\r\n"),
    Step::Cmd(&[b"SET", b"k", b"v7", b"get", b"GET"], b"$2\r\nv6\r\n", b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv7\r\n"),
    Step::Cmd(&[b"SET", b"k", b"v8", b"EXAT", b"4102444800", b"GET"], b"$2\r\nv7\r\n", b"*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv8\r\n$4\r\nPXAT\r\n$13\r\n4102444800000\r\n"),
    Step::Cmd(&[b"SET", b"k", b"v9", b"PXAT", b"4102444800123"], b"+OK\r\n", b"*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv9\r\n$4\r\nPXAT\r\n$13\r\n4102444800123\r\n"),
    Step::Cmd(&[b"SET", b"k", b"v10", b"EXAT", b"4102444800", b"EXAT", b"4102444801"], b"+OK\r\n", b"*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv10\r\n$4\r\nPXAT\r\n$13\r\n4102444801000\r\n"),
    Step::Cmd(&[b"SET", b"k", b"v11", b"KEEPTTL"], b"+OK\r\n", b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv11\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"SET", b"k", b"v12"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv12\r\n"),
    Step::Cmd(&[b"SET", b"k", b"v13", b"EXAT", b"4102444800", b"NX"], b"$-1\r\n", b""),
    Step::Cmd(&[b"SET", b"i", b"12345"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$1\r\ni\r\n$5\r\n12345\r\n"),
    Step::Cmd(&[b"SET", b"big", b"012"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$3\r\n012\r\n"),
    Step::Cmd(&[b"SET", b"e", b""], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$1\r\ne\r\n$0\r\n\r\n"),
    Step::Cmd(&[b"SET", b"long", b"123456789012345678901234567890123456789012345"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$4\r\nlong\r\n$45\r\n123456789012345678901234567890123456789012345\r\n"),
    Step::Cmd(&[b"SETNX", b"k", b"x"], b":0\r\n", b""),
    Step::Cmd(&[b"SETNX", b"sn", b"x"], b":1\r\n", b"*3\r\n$5\r\nSETNX\r\n$2\r\nsn\r\n$1\r\nx\r\n"),
    Step::Cmd(&[b"GET", b"sn"], b"$1\r\nx\r\n", b""),
    Step::Cmd(&[b"SETEX", b"se", b"100"], b"-ERR wrong number of arguments for 'setex' command\r\n", b""),
    Step::Cmd(&[b"SETEX", b"se", b"0", b"v"], b"-ERR invalid expire time in 'setex' command\r\n", b""),
    Step::Cmd(&[b"SETEX", b"se", b"-1", b"v"], b"-ERR invalid expire time in 'setex' command\r\n", b""),
    Step::Cmd(&[b"SETEX", b"se", b"abc", b"v"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"SETEX", b"se", b"9223372036854776", b"v"], b"-ERR invalid expire time in 'setex' command\r\n", b""),
    Step::Cmd(&[b"PSETEX", b"pe", b"0", b"v"], b"-ERR invalid expire time in 'psetex' command\r\n", b""),
    Step::Cmd(&[b"PSETEX", b"pe", b"9223372036854775807", b"v"], b"-ERR invalid expire time in 'psetex' command\r\n", b""),
    Step::Cmd(&[b"PSETEX", b"pe", b"x", b"v"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Setup(&[b"DEL", b"lst"]),
    Step::Setup(&[b"RPUSH", b"lst", b"a"]),
    Step::Cmd(&[b"MGET", b"k", b"nokey", b"lst", b"sn"], b"*4\r\n$3\r\nv12\r\n$-1\r\n$-1\r\n$1\r\nx\r\n", b""),
    Step::Cmd(&[b"MSET", b"a", b"1", b"b", b"2", b"c"], b"-ERR wrong number of arguments for 'mset' command\r\n", b""),
    Step::Cmd(&[b"MSET", b"a", b"1", b"b", b"2"], b"+OK\r\n", b"*5\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"),
    Step::Cmd(&[b"MSETNX", b"a", b"1", b"x", b"2"], b":0\r\n", b""),
    Step::Cmd(&[b"MSETNX", b"x", b"1", b"y", b"2"], b":1\r\n", b"*5\r\n$6\r\nMSETNX\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n"),
    Step::Cmd(&[b"MSETNX", b"x", b"1"], b":0\r\n", b""),
    Step::Cmd(&[b"MSETNX", b"q", b"1", b"q", b"2"], b":1\r\n", b"*5\r\n$6\r\nMSETNX\r\n$1\r\nq\r\n$1\r\n1\r\n$1\r\nq\r\n$1\r\n2\r\n"),
    Step::Cmd(&[b"GET", b"q"], b"$1\r\n2\r\n", b""),
    Step::Cmd(&[b"MGET", b"a", b"b", b"x", b"y", b"q"], b"*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n2\r\n", b""),
    Step::Cmd(&[b"INCR", b"ctr"], b":1\r\n", b"*2\r\n$4\r\nINCR\r\n$3\r\nctr\r\n"),
    Step::Cmd(&[b"INCR", b"ctr"], b":2\r\n", b"*2\r\n$4\r\nINCR\r\n$3\r\nctr\r\n"),
    Step::Cmd(&[b"DECR", b"ctr"], b":1\r\n", b"*2\r\n$4\r\nDECR\r\n$3\r\nctr\r\n"),
    Step::Cmd(&[b"INCRBY", b"ctr", b"100"], b":101\r\n", b"*3\r\n$6\r\nINCRBY\r\n$3\r\nctr\r\n$3\r\n100\r\n"),
    Step::Cmd(&[b"DECRBY", b"ctr", b"50"], b":51\r\n", b"*3\r\n$6\r\nDECRBY\r\n$3\r\nctr\r\n$2\r\n50\r\n"),
    Step::Cmd(&[b"INCRBY", b"ctr", b"abc"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"INCRBY", b"ctr", b"1.5"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"DECRBY", b"ctr", b"-9223372036854775808"], b"-ERR decrement would overflow\r\n", b""),
    Step::Cmd(&[b"INCR", b"lst"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", b""),
    Step::Cmd(&[b"INCR", b"k"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"SET", b"ov", b"9223372036854775807"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\nov\r\n$19\r\n9223372036854775807\r\n"),
    Step::Cmd(&[b"INCR", b"ov"], b"-ERR increment or decrement would overflow\r\n", b""),
    Step::Cmd(&[b"SET", b"un", b"-9223372036854775808"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\nun\r\n$20\r\n-9223372036854775808\r\n"),
    Step::Cmd(&[b"DECR", b"un"], b"-ERR increment or decrement would overflow\r\n", b""),
    Step::Cmd(&[b"INCRBY", b"un", b"9223372036854775807"], b":-1\r\n", b"*3\r\n$6\r\nINCRBY\r\n$2\r\nun\r\n$19\r\n9223372036854775807\r\n"),
    Step::Cmd(&[b"DECRBY", b"ov", b"-1"], b"-ERR increment or decrement would overflow\r\n", b""),
    Step::Cmd(&[b"SET", b"sp", b" 1"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\nsp\r\n$2\r\n 1\r\n"),
    Step::Cmd(&[b"INCR", b"sp"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"SET", b"pl", b"+1"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\npl\r\n$2\r\n+1\r\n"),
    Step::Cmd(&[b"INCR", b"pl"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"SET", b"lz", b"01"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\nlz\r\n$2\r\n01\r\n"),
    Step::Cmd(&[b"INCR", b"lz"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"INCRBY", b"newc", b"-5"], b":-5\r\n", b"*3\r\n$6\r\nINCRBY\r\n$4\r\nnewc\r\n$2\r\n-5\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"lst", b"1"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", b""),
    Step::Cmd(&[b"INCRBYFLOAT", b"k", b"1"], b"-ERR value is not a valid float\r\n", b""),
    Step::Cmd(&[b"INCRBYFLOAT", b"f", b"10.5"], b"$4\r\n10.5\r\n", b"*4\r\n$3\r\nSET\r\n$1\r\nf\r\n$4\r\n10.5\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f", b"0.1"], b"$4\r\n10.6\r\n", b"*4\r\n$3\r\nSET\r\n$1\r\nf\r\n$4\r\n10.6\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f", b"abc"], b"-ERR value is not a valid float\r\n", b""),
    Step::Cmd(&[b"INCRBYFLOAT", b"f", b"nan"], b"-ERR value is not a valid float\r\n", b""),
    Step::Cmd(&[b"INCRBYFLOAT", b"f", b"inf"], b"-ERR increment would produce NaN or Infinity\r\n", b""),
    Step::Cmd(&[b"INCRBYFLOAT", b"f", b"-inf"], b"-ERR increment would produce NaN or Infinity\r\n", b""),
    Step::Cmd(&[b"INCRBYFLOAT", b"f", b" 1"], b"-ERR value is not a valid float\r\n", b""),
    Step::Cmd(&[b"INCRBYFLOAT", b"f", b"1e5000"], b"-ERR value is not a valid float\r\n", b""),
    Step::Cmd(&[b"INCRBYFLOAT", b"f", b"1.5e4932"], b"-ERR value is not a valid float\r\n", b""),
    Step::Cmd(&[b"INCRBYFLOAT", b"f", b"1.5e4932"], b"-ERR value is not a valid float\r\n", b""),
    Step::Cmd(&[b"INCRBYFLOAT", b"f", b"1.5e4932"], b"-ERR value is not a valid float\r\n", b""),
    Step::Cmd(&[b"GET", b"f"], b"$4\r\n10.6\r\n", b""),
    Step::Cmd(&[b"SET", b"f2", b"3.0e3"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\nf2\r\n$5\r\n3.0e3\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f2", b"2.0e2"], b"$4\r\n3200\r\n", b"*4\r\n$3\r\nSET\r\n$2\r\nf2\r\n$4\r\n3200\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"SET", b"f3", b"1.1"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\nf3\r\n$3\r\n1.1\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f3", b"2.2"], b"$3\r\n3.3\r\n", b"*4\r\n$3\r\nSET\r\n$2\r\nf3\r\n$3\r\n3.3\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f4", b"5.0e3"], b"$4\r\n5000\r\n", b"*4\r\n$3\r\nSET\r\n$2\r\nf4\r\n$4\r\n5000\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"SET", b"f5", b"-1"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\nf5\r\n$2\r\n-1\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f5", b"1"], b"$1\r\n0\r\n", b"*4\r\n$3\r\nSET\r\n$2\r\nf5\r\n$1\r\n0\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f6", b"0.1"], b"$3\r\n0.1\r\n", b"*4\r\n$3\r\nSET\r\n$2\r\nf6\r\n$3\r\n0.1\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f6", b"0.2"], b"$3\r\n0.3\r\n", b"*4\r\n$3\r\nSET\r\n$2\r\nf6\r\n$3\r\n0.3\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"SET", b"f7", b"1e17"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\nf7\r\n$4\r\n1e17\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f7", b"1"], b"$18\r\n100000000000000001\r\n", b"*4\r\n$3\r\nSET\r\n$2\r\nf7\r\n$18\r\n100000000000000001\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"SET", b"f8", b"17179869184"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\nf8\r\n$11\r\n17179869184\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f8", b"0.5"], b"$13\r\n17179869184.5\r\n", b"*4\r\n$3\r\nSET\r\n$2\r\nf8\r\n$13\r\n17179869184.5\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f9", b"1e300"], b"$301\r\n1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144\r\n", b"*4\r\n$3\r\nSET\r\n$2\r\nf9\r\n$301\r\n1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f9", b"1e-300"], b"$301\r\n1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144\r\n", b"*4\r\n$3\r\nSET\r\n$2\r\nf9\r\n$301\r\n1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f10", b"1e-20"], b"$1\r\n0\r\n", b"*4\r\n$3\r\nSET\r\n$3\r\nf10\r\n$1\r\n0\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f10", b"-1e-20"], b"$1\r\n0\r\n", b"*4\r\n$3\r\nSET\r\n$3\r\nf10\r\n$1\r\n0\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f11", b"-0.0000000000000000001"], b"$1\r\n0\r\n", b"*4\r\n$3\r\nSET\r\n$3\r\nf11\r\n$1\r\n0\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f12", b"0x10"], b"$2\r\n16\r\n", b"*4\r\n$3\r\nSET\r\n$3\r\nf12\r\n$2\r\n16\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f13", b"1.23456789012345678901234567890"], b"$19\r\n1.23456789012345679\r\n", b"*4\r\n$3\r\nSET\r\n$3\r\nf13\r\n$19\r\n1.23456789012345679\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f14", b"12345678901234567890123456789012345678901234567890"], b"$50\r\n12345678901234567890019423336468287027557880037376\r\n", b"*4\r\n$3\r\nSET\r\n$3\r\nf14\r\n$50\r\n12345678901234567890019423336468287027557880037376\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f15", b"3"], b"$1\r\n3\r\n", b"*4\r\n$3\r\nSET\r\n$3\r\nf15\r\n$1\r\n3\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f16", b"-7.5"], b"$4\r\n-7.5\r\n", b"*4\r\n$3\r\nSET\r\n$3\r\nf16\r\n$4\r\n-7.5\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"INCRBYFLOAT", b"f16", b"7.5"], b"$1\r\n0\r\n", b"*4\r\n$3\r\nSET\r\n$3\r\nf16\r\n$1\r\n0\r\n$7\r\nKEEPTTL\r\n"),
    Step::Cmd(&[b"APPEND", b"ap", b"hello"], b":5\r\n", b"*3\r\n$6\r\nAPPEND\r\n$2\r\nap\r\n$5\r\nhello\r\n"),
    Step::Cmd(&[b"APPEND", b"ap", b" world"], b":11\r\n", b"*3\r\n$6\r\nAPPEND\r\n$2\r\nap\r\n$6\r\n world\r\n"),
    Step::Cmd(&[b"GET", b"ap"], b"$11\r\nhello world\r\n", b""),
    Step::Cmd(&[b"APPEND", b"ap", b""], b":11\r\n", b"*3\r\n$6\r\nAPPEND\r\n$2\r\nap\r\n$0\r\n\r\n"),
    Step::Cmd(&[b"APPEND", b"lst", b"x"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", b""),
    Step::Cmd(&[b"APPEND", b"ai", b"123"], b":3\r\n", b"*3\r\n$6\r\nAPPEND\r\n$2\r\nai\r\n$3\r\n123\r\n"),
    Step::Cmd(&[b"STRLEN", b"ap"], b":11\r\n", b""),
    Step::Cmd(&[b"STRLEN", b"nokey"], b":0\r\n", b""),
    Step::Cmd(&[b"STRLEN", b"lst"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", b""),
    Step::Cmd(&[b"STRLEN", b"i"], b":5\r\n", b""),
    Step::Cmd(&[b"SET", b"gr", b"Hello World"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\ngr\r\n$11\r\nHello World\r\n"),
    Step::Cmd(&[b"GETRANGE", b"gr", b"0", b"4"], b"$5\r\nHello\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"gr", b"-5", b"-1"], b"$5\r\nWorld\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"gr", b"6", b"100"], b"$5\r\nWorld\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"gr", b"100", b"200"], b"$0\r\n\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"gr", b"5", b"2"], b"$0\r\n\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"gr", b"-1", b"-5"], b"$0\r\n\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"gr", b"-100", b"-50"], b"$1\r\nH\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"gr", b"-100", b"3"], b"$4\r\nHell\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"gr", b"0", b"-100"], b"$1\r\nH\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"gr", b"0", b"-1"], b"$11\r\nHello World\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"gr", b"-9223372036854775808", b"9223372036854775807"], b"$11\r\nHello World\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"gr", b"a", b"1"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"gr", b"0", b"b"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"nokey", b"0", b"1"], b"$0\r\n\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"lst", b"0", b"1"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"e", b"0", b"-1"], b"$0\r\n\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"e", b"0", b"0"], b"$0\r\n\r\n", b""),
    Step::Cmd(&[b"GETRANGE", b"i", b"1", b"2"], b"$2\r\n23\r\n", b""),
    Step::Cmd(&[b"SUBSTR", b"gr", b"0", b"4"], b"$5\r\nHello\r\n", b""),
    Step::Cmd(&[b"SETRANGE", b"sr", b"5", b"abc"], b":8\r\n", b"*4\r\n$8\r\nSETRANGE\r\n$2\r\nsr\r\n$1\r\n5\r\n$3\r\nabc\r\n"),
    Step::Cmd(&[b"GET", b"sr"], b"$8\r\n\x00\x00\x00\x00\x00abc\r\n", b""),
    Step::Cmd(&[b"SETRANGE", b"sr", b"0", b"XY"], b":8\r\n", b"*4\r\n$8\r\nSETRANGE\r\n$2\r\nsr\r\n$1\r\n0\r\n$2\r\nXY\r\n"),
    Step::Cmd(&[b"GET", b"sr"], b"$8\r\nXY\x00\x00\x00abc\r\n", b""),
    Step::Cmd(&[b"SETRANGE", b"sr", b"1", b""], b":8\r\n", b""),
    Step::Cmd(&[b"SETRANGE", b"sr2", b"3", b""], b":0\r\n", b""),
    Step::Cmd(&[b"SETRANGE", b"sr", b"-1", b"x"], b"-ERR offset is out of range\r\n", b""),
    Step::Cmd(&[b"SETRANGE", b"sr", b"abc", b"x"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"SETRANGE", b"sr", b"536870911", b"xy"], b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n", b""),
    Step::Cmd(&[b"SETRANGE", b"sr", b"536870912", b""], b":8\r\n", b""),
    Step::Cmd(&[b"SETRANGE", b"lst", b"0", b"x"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", b""),
    Step::Cmd(&[b"SETRANGE", b"lst", b"0", b""], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", b""),
    Step::Cmd(&[b"SETRANGE", b"sr", b"9223372036854775807", b"xy"], b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n", b""),
    Step::Cmd(&[b"SETRANGE", b"i", b"0", b"9"], b":5\r\n", b"*4\r\n$8\r\nSETRANGE\r\n$1\r\ni\r\n$1\r\n0\r\n$1\r\n9\r\n"),
    Step::Cmd(&[b"GET", b"i"], b"$5\r\n92345\r\n", b""),
    Step::Cmd(&[b"GETDEL", b"gd"], b"$-1\r\n", b""),
    Step::Cmd(&[b"SET", b"gd", b"v"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\ngd\r\n$1\r\nv\r\n"),
    Step::Cmd(&[b"GETDEL", b"gd"], b"$1\r\nv\r\n", b"*2\r\n$3\r\nDEL\r\n$2\r\ngd\r\n"),
    Step::Cmd(&[b"GETDEL", b"gd"], b"$-1\r\n", b""),
    Step::Cmd(&[b"GETDEL", b"lst"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", b""),
    Step::Cmd(&[b"GETSET", b"gs", b"new"], b"$-1\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\ngs\r\n$3\r\nnew\r\n"),
    Step::Cmd(&[b"GETSET", b"gs", b"newer"], b"$3\r\nnew\r\n", b"*3\r\n$3\r\nSET\r\n$2\r\ngs\r\n$5\r\nnewer\r\n"),
    Step::Cmd(&[b"GETSET", b"lst", b"x"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", b""),
    Step::Cmd(&[b"SET", b"gst", b"v", b"EXAT", b"4102444800"], b"+OK\r\n", b"*5\r\n$3\r\nSET\r\n$3\r\ngst\r\n$1\r\nv\r\n$4\r\nPXAT\r\n$13\r\n4102444800000\r\n"),
    Step::Cmd(&[b"GETSET", b"gst", b"w"], b"$1\r\nv\r\n", b"*3\r\n$3\r\nSET\r\n$3\r\ngst\r\n$1\r\nw\r\n"),
    Step::Cmd(&[b"GETEX", b"nokey"], b"$-1\r\n", b""),
    Step::Cmd(&[b"GETEX", b"lst"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", b""),
    Step::Cmd(&[b"GETEX", b"gs"], b"$5\r\nnewer\r\n", b""),
    Step::Cmd(&[b"GETEX", b"gs", b"EX"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"GETEX", b"gs", b"NX"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"GETEX", b"gs", b"PERSIST", b"EX", b"10"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"GETEX", b"gs", b"EX", b"10", b"PERSIST"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"GETEX", b"gs", b"KEEPTTL"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"GETEX", b"gs", b"EX", b"0"], b"-ERR invalid expire time in 'getex' command\r\n", b""),
    Step::Cmd(&[b"GETEX", b"gs", b"EX", b"-1"], b"-ERR invalid expire time in 'getex' command\r\n", b""),
    Step::Cmd(&[b"GETEX", b"gs", b"EXAT", b"9223372036854776"], b"-ERR invalid expire time in 'getex' command\r\n", b""),
    Step::Cmd(&[b"GETEX", b"gs", b"PX", b"abc"], b"-ERR value is not an integer or out of range\r\n", b""),
    Step::Cmd(&[b"GETEX", b"lst", b"EX", b"0"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", b""),
    Step::Cmd(&[b"GETEX", b"nokey", b"EX", b"0"], b"$-1\r\n", b""),
    Step::Cmd(&[b"GETEX", b"gs", b"EXAT", b"4102444800"], b"$5\r\nnewer\r\n", b"*3\r\n$9\r\nPEXPIREAT\r\n$2\r\ngs\r\n$13\r\n4102444800000\r\n"),
    Step::Cmd(&[b"GETEX", b"gs", b"PXAT", b"4102444800123"], b"$5\r\nnewer\r\n", b"*3\r\n$9\r\nPEXPIREAT\r\n$2\r\ngs\r\n$13\r\n4102444800123\r\n"),
    Step::Cmd(&[b"GETEX", b"gs", b"PERSIST"], b"$5\r\nnewer\r\n", b"*2\r\n$7\r\nPERSIST\r\n$2\r\ngs\r\n"),
    Step::Cmd(&[b"GETEX", b"gs", b"PERSIST"], b"$5\r\nnewer\r\n", b""),
    Step::Cmd(&[b"GETEX", b"gs", b"EXAT", b"1"], b"$5\r\nnewer\r\n", b"*2\r\n$3\r\nDEL\r\n$2\r\ngs\r\n"),
    Step::Cmd(&[b"SET", b"ex2", b"v"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$3\r\nex2\r\n$1\r\nv\r\n"),
    Step::Cmd(&[b"GETEX", b"ex2", b"PXAT", b"100"], b"$1\r\nv\r\n", b"*2\r\n$3\r\nDEL\r\n$3\r\nex2\r\n"),
    Step::Cmd(&[b"SET", b"ex3", b"v"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$3\r\nex3\r\n$1\r\nv\r\n"),
    Step::Cmd(&[b"GETEX", b"ex3", b"EXAT", b"4102444800", b"EXAT", b"4102444801"], b"$1\r\nv\r\n", b"*3\r\n$9\r\nPEXPIREAT\r\n$3\r\nex3\r\n$13\r\n4102444801000\r\n"),
    Step::Cmd(&[b"GETEX", b"ex3", b"EXAT", b"4102444800", b"PXAT", b"1"], b"-ERR syntax error\r\n", b""),
    Step::Cmd(&[b"SET", b"en1", b"1"], b"+OK\r\n", b"*3\r\n$3\r\nSET\r\n$3\r\nen1\r\n$1\r\n1\r\n"),
    Step::Cmd(&[b"APPEND", b"en1", b"2"], b":2\r\n", b"*3\r\n$6\r\nAPPEND\r\n$3\r\nen1\r\n$1\r\n2\r\n"),
    Step::Cmd(&[b"GET", b"en1"], b"$2\r\n12\r\n", b""),
    Step::Cmd(&[b"MSET", b"m1", b"v", b"m2", b"w"], b"+OK\r\n", b"*5\r\n$4\r\nMSET\r\n$2\r\nm1\r\n$1\r\nv\r\n$2\r\nm2\r\n$1\r\nw\r\n"),
];

/// `(key value)`, a command, its reply, its replication stream.
type LazyCase = (
    &'static [&'static [u8]],
    &'static [&'static [u8]],
    &'static [u8],
    &'static [u8],
);

/// `(key value)` set with `PX 100`, then after 200 ms `command`: its reply and stream, as
/// recorded from redis-server 7.0.15 with active expiry disabled. A write that finds the key
/// expired propagates `MULTI, DEL k, <command>, EXEC` (7.0); a read propagates `DEL` alone.
#[rustfmt::skip]
static LAZY_EXPIRY: &[LazyCase] = &[
    (&[b"k", b"v"], &[b"SET", b"k", b"new"], b"+OK\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nnew\r\n*1\r\n$4\r\nEXEC\r\n"),
    (&[b"c", b"5"], &[b"INCR", b"c"], b":1\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\nc\r\n*2\r\n$4\r\nINCR\r\n$1\r\nc\r\n*1\r\n$4\r\nEXEC\r\n"),
    (&[b"m", b"1"], &[b"MSET", b"m", b"2", b"z", b"3"], b"+OK\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\nm\r\n*5\r\n$4\r\nMSET\r\n$1\r\nm\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n*1\r\n$4\r\nEXEC\r\n"),
    (&[b"g", b"1"], &[b"GETSET", b"g", b"2"], b"$-1\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\ng\r\n*3\r\n$3\r\nSET\r\n$1\r\ng\r\n$1\r\n2\r\n*1\r\n$4\r\nEXEC\r\n"),
    (&[b"a", b"x"], &[b"APPEND", b"a", b"y"], b":1\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\na\r\n*3\r\n$6\r\nAPPEND\r\n$1\r\na\r\n$1\r\ny\r\n*1\r\n$4\r\nEXEC\r\n"),
    (&[b"n", b"1"], &[b"MSETNX", b"n", b"1", b"o", b"2"], b":1\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\nn\r\n*5\r\n$6\r\nMSETNX\r\n$1\r\nn\r\n$1\r\n1\r\n$1\r\no\r\n$1\r\n2\r\n*1\r\n$4\r\nEXEC\r\n"),
    (&[b"r", b"abc"], &[b"SETRANGE", b"r", b"1", b"Z"], b":2\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\nr\r\n*4\r\n$8\r\nSETRANGE\r\n$1\r\nr\r\n$1\r\n1\r\n$1\r\nZ\r\n*1\r\n$4\r\nEXEC\r\n"),
    (&[b"ge", b"v"], &[b"GETEX", b"ge", b"PERSIST"], b"$-1\r\n", b"*2\r\n$3\r\nDEL\r\n$2\r\nge\r\n"),
    (&[b"gd", b"v"], &[b"GETDEL", b"gd"], b"$-1\r\n", b"*2\r\n$3\r\nDEL\r\n$2\r\ngd\r\n"),
    (&[b"f", b"1"], &[b"INCRBYFLOAT", b"f", b"1"], b"$1\r\n1\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\nf\r\n*4\r\n$3\r\nSET\r\n$1\r\nf\r\n$1\r\n1\r\n$7\r\nKEEPTTL\r\n*1\r\n$4\r\nEXEC\r\n"),
    (&[b"s", b"v"], &[b"SET", b"s", b"w", b"NX"], b"+OK\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\ns\r\n*4\r\n$3\r\nSET\r\n$1\r\ns\r\n$1\r\nw\r\n$2\r\nNX\r\n*1\r\n$4\r\nEXEC\r\n"),
    (&[b"t", b"v"], &[b"SET", b"t", b"w", b"XX"], b"$-1\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nt\r\n"),
    (&[b"u", b"v"], &[b"GET", b"u"], b"$-1\r\n", b"*2\r\n$3\r\nDEL\r\n$1\r\nu\r\n"),
    (&[b"w", b"v"], &[b"SETNX", b"w", b"x"], b":1\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\nw\r\n*3\r\n$5\r\nSETNX\r\n$1\r\nw\r\n$1\r\nx\r\n*1\r\n$4\r\nEXEC\r\n"),
    (&[b"y", b"v"], &[b"SET", b"y", b"w", b"GET"], b"$-1\r\n", b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$1\r\ny\r\n*3\r\n$3\r\nSET\r\n$1\r\ny\r\n$1\r\nw\r\n*1\r\n$4\r\nEXEC\r\n"),
    (&[b"z2", b"v"], &[b"MGET", b"z2"], b"*1\r\n$-1\r\n", b"*2\r\n$3\r\nDEL\r\n$2\r\nz2\r\n"),
    (&[b"z3", b"v"], &[b"STRLEN", b"z3"], b":0\r\n", b"*2\r\n$3\r\nDEL\r\n$2\r\nz3\r\n"),
];

#[test]
fn lazy_expiry_propagation_matches_redis() {
    for (kv, args, reply, repl) in LAZY_EXPIRY {
        let mut h = h();
        h.raw(&[b"SET", kv[0], kv[1], b"PX", b"100"]);
        assert_eq!(
            h.repl_text(),
            resp(&[
                "SET",
                std::str::from_utf8(kv[0]).unwrap(),
                std::str::from_utf8(kv[1]).unwrap(),
                "PXAT",
                "1700000000100"
            ])
        );
        h.advance_ms(200);
        let what: Vec<String> = args
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        assert_eq!(
            String::from_utf8_lossy(&h.raw(args)),
            String::from_utf8_lossy(reply),
            "{what:?}"
        );
        assert_eq!(h.repl_text(), String::from_utf8_lossy(repl), "{what:?}");
    }
}

#[test]
fn set_with_relative_expire_propagates_absolute_pxat() {
    let mut h = h();
    assert_eq!(h.cmd("SET k v EX 100"), "+OK\r\n");
    assert_eq!(
        h.repl_text(),
        resp(&["SET", "k", "v", "PXAT", "1700000100000"])
    );
    assert_eq!(h.expire(b"k"), Some(1_700_000_100_000));
    // The example from the brief, byte for byte.
    assert_eq!(
        resp(&["SET", "k", "v", "PXAT", "1700000100000"]),
        "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$4\r\nPXAT\r\n$13\r\n1700000100000\r\n"
    );

    assert_eq!(h.cmd("SET k v2 px 1500"), "+OK\r\n");
    assert_eq!(
        h.repl_text(),
        resp(&["SET", "k", "v2", "PXAT", "1700000001500"])
    );
    assert_eq!(h.expire(b"k"), Some(1_700_000_001_500));

    // GET is stripped along with every other flag when there is an expire.
    assert_eq!(h.cmd("SET k v3 XX GET EX 10"), "$2\r\nv2\r\n");
    assert_eq!(
        h.repl_text(),
        resp(&["SET", "k", "v3", "PXAT", "1700000010000"])
    );

    assert_eq!(h.cmd("SET n v NX EX 10"), "+OK\r\n");
    assert_eq!(
        h.repl_text(),
        resp(&["SET", "n", "v", "PXAT", "1700000010000"])
    );

    // KEEPTTL keeps the TTL, a plain SET clears it; both verbatim.
    assert_eq!(h.cmd("SET k v4 KEEPTTL"), "+OK\r\n");
    assert_eq!(h.repl_text(), resp(&["SET", "k", "v4", "KEEPTTL"]));
    assert_eq!(h.expire(b"k"), Some(1_700_000_010_000));
    assert_eq!(h.cmd("SET k v5"), "+OK\r\n");
    assert_eq!(h.expire(b"k"), None);
    assert_eq!(h.repl_text(), resp(&["SET", "k", "v5"]));

    // SET ... GET without expire: GET (any case, repeated) stripped.
    assert_eq!(h.cmd("SET k v6 gEt NX GET"), "$2\r\nv5\r\n");
    assert_eq!(h.repl_text(), "");
    assert_eq!(h.cmd("SET k v6 gEt XX GET"), "$2\r\nv5\r\n");
    assert_eq!(h.repl_text(), resp(&["SET", "k", "v6", "XX"]));
}

#[test]
fn setex_psetex_propagate_as_set_pxat() {
    let mut h = h();
    assert_eq!(h.cmd("SETEX k 100 v"), "+OK\r\n");
    assert_eq!(
        h.repl_text(),
        resp(&["SET", "k", "v", "PXAT", "1700000100000"])
    );
    assert_eq!(h.cmd("PSETEX k 2500 w"), "+OK\r\n");
    assert_eq!(
        h.repl_text(),
        resp(&["SET", "k", "w", "PXAT", "1700000002500"])
    );
    assert_eq!(h.expire(b"k"), Some(1_700_000_002_500));
    assert_eq!(h.cmd("GET k"), "$1\r\nw\r\n");
    // SETEX replaces another type and its TTL.
    h.put_list(b"l");
    assert_eq!(h.cmd("SETEX l 1 v"), "+OK\r\n");
    assert_eq!(
        h.repl_text(),
        resp(&["SET", "l", "v", "PXAT", "1700000001000"])
    );
    assert_eq!(h.enc(b"l"), Some(StrEncoding::Embstr));
    assert_eq!(
        h.cmd("SETEX k 9223372036854775 v"),
        "-ERR invalid expire time in 'setex' command\r\n"
    );
    assert_eq!(h.repl_text(), "");
}

#[test]
fn set_with_past_absolute_expire_stores_then_expires_lazily() {
    let mut h = h();
    assert_eq!(h.cmd("SET k v EXAT 1"), "+OK\r\n");
    assert_eq!(h.repl_text(), resp(&["SET", "k", "v", "PXAT", "1000"]));
    // 7.0 stores the key (the active or lazy expiry deletes it later).
    assert!(h.exists(b"k"));
    assert_eq!(h.cmd("GET k"), "$-1\r\n");
    assert_eq!(h.repl_text(), resp(&["DEL", "k"]));
    assert!(!h.exists(b"k"));
}

#[test]
fn getex_propagation() {
    let mut h = h();
    h.cmd("SET k v");
    h.repl_text();
    assert_eq!(h.cmd("GETEX k EX 50"), "$1\r\nv\r\n");
    assert_eq!(h.repl_text(), resp(&["PEXPIREAT", "k", "1700000050000"]));
    assert_eq!(h.expire(b"k"), Some(1_700_000_050_000));
    assert_eq!(h.cmd("GETEX k PX 10"), "$1\r\nv\r\n");
    assert_eq!(h.repl_text(), resp(&["PEXPIREAT", "k", "1700000000010"]));
    assert_eq!(h.cmd("GETEX k PERSIST"), "$1\r\nv\r\n");
    assert_eq!(h.repl_text(), resp(&["PERSIST", "k"]));
    assert_eq!(h.expire(b"k"), None);
    // PERSIST on a key without TTL and a bare GETEX change nothing.
    assert_eq!(h.cmd("GETEX k PERSIST"), "$1\r\nv\r\n");
    assert_eq!(h.cmd("GETEX k"), "$1\r\nv\r\n");
    assert_eq!(h.repl_text(), "");
    // Absolute time now or in the past deletes.
    assert_eq!(h.cmd("GETEX k PXAT 1700000000000"), "$1\r\nv\r\n");
    assert_eq!(h.repl_text(), resp(&["DEL", "k"]));
    assert!(!h.exists(b"k"));
    assert_eq!(
        h.cmd("GETEX k PX 9223372036854775807"),
        "$-1\r\n",
        "missing key: nil before the expire is validated"
    );
    h.cmd("SET k v");
    h.repl_text();
    assert_eq!(
        h.cmd("GETEX k PX 9223372036854775807"),
        "-ERR invalid expire time in 'getex' command\r\n"
    );
    assert_eq!(h.repl_text(), "");
}

#[test]
fn lazyfree_variants_use_unlink() {
    let cfg = Config {
        lazyfree_lazy_user_del: true,
        lazyfree_lazy_expire: true,
        ..Config::default()
    };
    let mut h = H::with_config(cfg);
    h.cmd("SET a 1");
    h.cmd("SET b 2");
    h.repl_text();
    assert_eq!(h.cmd("GETDEL a"), "$1\r\n1\r\n");
    assert_eq!(h.repl_text(), resp(&["UNLINK", "a"]));
    assert_eq!(h.cmd("GETEX b EXAT 1"), "$1\r\n2\r\n");
    assert_eq!(h.repl_text(), resp(&["UNLINK", "b"]));
}

#[test]
fn getdel_and_getset_propagation() {
    let mut h = h();
    h.cmd("SET k v EX 100");
    h.repl_text();
    assert_eq!(h.cmd("GETSET k w"), "$1\r\nv\r\n");
    assert_eq!(h.repl_text(), resp(&["SET", "k", "w"]));
    assert_eq!(h.expire(b"k"), None, "GETSET clears the TTL");
    assert_eq!(h.cmd("getset k 10"), "$1\r\nw\r\n");
    assert_eq!(h.repl_text(), resp(&["SET", "k", "10"]));
    assert_eq!(h.enc(b"k"), Some(StrEncoding::Int));
    assert_eq!(h.cmd("GETDEL k"), "$2\r\n10\r\n");
    assert_eq!(h.repl_text(), resp(&["DEL", "k"]));
    assert_eq!(h.cmd("GETDEL k"), "$-1\r\n");
    assert_eq!(h.repl_text(), "");
}

#[test]
fn ttl_is_kept_by_in_place_updates_and_cleared_by_sets() {
    let mut h = h();
    for (setup, cmd) in [
        ("SET k 1 EX 100", "INCR k"),
        ("SET k 1 EX 100", "DECRBY k 5"),
        ("SET k 1 EX 100", "INCRBYFLOAT k 1.5"),
        ("SET k 1 EX 100", "APPEND k x"),
        ("SET k 1 EX 100", "SETRANGE k 3 x"),
        ("SET k 1 EX 100", "GETEX k"),
    ] {
        h.cmd(setup);
        h.cmd(cmd);
        assert_eq!(
            h.expire(b"k"),
            Some(1_700_000_100_000),
            "{cmd} keeps the TTL"
        );
    }
    for (setup, cmd) in [
        ("SET k 1 EX 100", "SET k 2"),
        ("SET k 1 EX 100", "MSET k 2"),
        ("SET k 1 EX 100", "GETSET k 2"),
    ] {
        h.cmd(setup);
        h.cmd(cmd);
        assert_eq!(h.expire(b"k"), None, "{cmd} clears the TTL");
    }
}

#[test]
fn incrbyfloat_propagates_set_keepttl() {
    let mut h = h();
    h.cmd("SET f 10.5 EX 100");
    h.repl_text();
    assert_eq!(h.cmd("INCRBYFLOAT f 0.1"), "$4\r\n10.6\r\n");
    assert_eq!(h.repl_text(), resp(&["SET", "f", "10.6", "KEEPTTL"]));
    assert_eq!(
        h.cmd("INCRBYFLOAT f abc"),
        "-ERR value is not a valid float\r\n"
    );
    assert_eq!(
        h.cmd("INCRBYFLOAT f inf"),
        "-ERR increment would produce NaN or Infinity\r\n"
    );
    assert_eq!(h.repl_text(), "");
    assert_eq!(h.cmd("GET f"), "$4\r\n10.6\r\n");
}

#[test]
fn encodings() {
    let mut h = h();
    h.cmd("SET i 12345");
    assert_eq!(h.enc(b"i"), Some(StrEncoding::Int));
    h.cmd("SET lz 012");
    assert_eq!(h.enc(b"lz"), Some(StrEncoding::Embstr));
    h.cmd("SET huge 12345678901234567890");
    assert_eq!(h.enc(b"huge"), Some(StrEncoding::Embstr), "beyond i64");
    h.cmd("SET e44 12345678901234567890123456789012345678901234");
    assert_eq!(h.enc(b"e44"), Some(StrEncoding::Embstr));
    h.cmd("SET r45 123456789012345678901234567890123456789012345");
    assert_eq!(h.enc(b"r45"), Some(StrEncoding::Raw));
    h.cmd("MSET m1 7 m2 x");
    assert_eq!(h.enc(b"m1"), Some(StrEncoding::Int));
    assert_eq!(h.enc(b"m2"), Some(StrEncoding::Embstr));
    h.cmd("SETNX sn 42");
    assert_eq!(h.enc(b"sn"), Some(StrEncoding::Int));
    // APPEND: a new key is stored as SET would; an existing one becomes raw.
    h.cmd("APPEND a1 123");
    assert_eq!(h.enc(b"a1"), Some(StrEncoding::Int));
    h.cmd("APPEND a2 abc");
    assert_eq!(h.enc(b"a2"), Some(StrEncoding::Embstr));
    h.cmd("APPEND a1 4");
    assert_eq!(h.enc(b"a1"), Some(StrEncoding::Raw));
    h.cmd("APPEND a2 ");
    assert_eq!(h.enc(b"a2"), Some(StrEncoding::Raw), "even an empty APPEND");
    // SETRANGE always leaves raw.
    h.cmd("SETRANGE s1 0 1");
    assert_eq!(h.enc(b"s1"), Some(StrEncoding::Raw));
    h.raw(&[b"SETRANGE", b"i", b"0", b""]);
    assert_eq!(
        h.enc(b"i"),
        Some(StrEncoding::Int),
        "an empty SETRANGE changes nothing"
    );
    h.cmd("SETRANGE i 0 9");
    assert_eq!(h.enc(b"i"), Some(StrEncoding::Raw));
    // INCR results are int, even from a raw string.
    h.cmd("INCR i");
    assert_eq!(h.enc(b"i"), Some(StrEncoding::Int));
    assert_eq!(h.cmd("GET i"), "$5\r\n92346\r\n");
    h.cmd("INCRBY c 5");
    assert_eq!(h.enc(b"c"), Some(StrEncoding::Int));
    // INCRBYFLOAT results are plain strings: embstr up to 44 bytes, then raw; never int.
    h.cmd("INCRBYFLOAT f 3");
    assert_eq!(h.enc(b"f"), Some(StrEncoding::Embstr));
    h.cmd("INCRBYFLOAT g 1e50");
    assert_eq!(h.enc(b"g"), Some(StrEncoding::Raw));
}

#[test]
fn string_size_limit() {
    let cfg = Config {
        proto_max_bulk_len: 10,
        ..Config::default()
    };
    let mut h = H::with_config(cfg);
    h.cmd("SET k 1234567890");
    assert_eq!(h.raw(&[b"APPEND", b"k", b""]), b":10\r\n");
    assert_eq!(
        h.cmd("APPEND k x"),
        "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    );
    assert_eq!(h.cmd("SETRANGE s 8 ab"), ":10\r\n");
    assert_eq!(
        h.cmd("SETRANGE s 9 ab"),
        "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    );
    assert_eq!(
        h.cmd("SETRANGE new 9 ab"),
        "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    );
    assert!(!h.exists(b"new"));
    h.repl_text();
    assert_eq!(
        h.cmd("APPEND s x"),
        "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    );
    assert_eq!(h.repl_text(), "");
}

#[test]
fn arity_errors() {
    let mut h = h();
    for (line, name) in [
        ("GET", "get"),
        ("SET k", "set"),
        ("SETNX k", "setnx"),
        ("SETEX k 1", "setex"),
        ("PSETEX k 1", "psetex"),
        ("MGET", "mget"),
        ("MSET k", "mset"),
        ("MSETNX k", "msetnx"),
        ("INCR", "incr"),
        ("INCRBY k", "incrby"),
        ("INCRBYFLOAT k", "incrbyfloat"),
        ("APPEND k", "append"),
        ("STRLEN", "strlen"),
        ("GETRANGE k 0", "getrange"),
        ("SUBSTR k 0", "substr"),
        ("SETRANGE k 0", "setrange"),
        ("GETDEL", "getdel"),
        ("GETEX", "getex"),
        ("GETSET k", "getset"),
    ] {
        assert_eq!(
            h.cmd(line),
            format!("-ERR wrong number of arguments for '{name}' command\r\n")
        );
    }
    assert_eq!(
        h.cmd("MSETNX a 1 b"),
        "-ERR wrong number of arguments for 'msetnx' command\r\n"
    );
}

#[test]
fn multi_exec_wraps_two_writes() {
    let mut h = h();
    h.cmd("MULTI");
    h.cmd("SET a 1");
    h.cmd("INCRBYFLOAT a 1.5");
    assert_eq!(h.cmd("EXEC"), "*2\r\n+OK\r\n$3\r\n2.5\r\n");
    let want = [
        resp(&["MULTI"]),
        resp(&["SET", "a", "1"]),
        resp(&["SET", "a", "2.5", "KEEPTTL"]),
        resp(&["EXEC"]),
    ]
    .concat();
    assert_eq!(h.repl_text(), want);
}

#[test]
fn embedded_nul_options_match_c_string_compare() {
    // Redis compares options as C strings: "nx\0junk" is NX.
    let mut h = h();
    h.cmd("SET k v");
    assert_eq!(
        String::from_utf8_lossy(&h.raw(&[b"SET", b"k", b"w", b"nx\0junk"])),
        "$-1\r\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&h.raw(&[b"SET", b"k", b"w", b"nxx"])),
        "-ERR syntax error\r\n"
    );
}

// ----- long double arithmetic (INCRBYFLOAT / HINCRBYFLOAT) -----

fn ibf(a: &str, b: &str) -> Result<String, IncrFloatError> {
    incr_by_float(a.as_bytes(), b.as_bytes()).map(|v| String::from_utf8(v).unwrap())
}

/// Sums whose results were read from redis-server 7.0.15 (`SET x a`, `INCRBYFLOAT x b`).
#[test]
fn incr_by_float_matches_redis() {
    let cases = [
        ("10.5", "0.1", "10.6"),
        ("3.0e3", "2.0e2", "3200"),
        ("1.1", "2.2", "3.3"),
        ("0", "5.0e3", "5000"),
        ("-1", "1", "0"),
        ("0.1", "0.2", "0.3"),
        ("0.7", "0.1", "0.8"),
        ("1e17", "1", "100000000000000001"),
        ("17179869184", "0.5", "17179869184.5"),
        ("9223372036854775807", "1", "9223372036854775808"),
        (
            "0",
            "1.23456789012345678901234567890",
            "1.23456789012345679",
        ),
        (
            "0",
            "12345678901234567890123456789012345678901234567890",
            "12345678901234567890019423336468287027557880037376",
        ),
        ("0", "1e-20", "0"),
        ("1e-20", "-1e-20", "0"),
        ("0", "-0.0000000000000000001", "0"),
        ("0", "0x10", "16"),
        ("-7.5", "7.5", "0"),
        ("0", "-5.0e-1", "-0.5"),
        ("1.5", "+0.25", "1.75"),
        ("1.75", ".5", "2.25"),
        ("2.25", "5.", "7.25"),
        ("7.25", "3e-4951", "7.25"),
        ("3.0000000000000000005", "0", "3"),
        ("0.000000000000000005", "0", "0"),
        ("0.000000000000000015", "0", "0.00000000000000002"),
        // 2^-18 = 0.000003814697265625: a tie at the 18th decimal, rounded to even.
        ("0x1p-18", "0", "0.00000381469726562"),
        ("1e-4940", "0", "0"),
    ];
    for (a, b, want) in cases {
        assert_eq!(ibf(a, b).as_deref(), Ok(want), "{a} + {b}");
    }
    let e300 = "1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144";
    assert_eq!(ibf("0", "1e300").as_deref(), Ok(e300));
    assert_eq!(ibf(e300, "1e-300").as_deref(), Ok(e300));

    // 1e4000 + 1: 4000 digits.
    let big = ibf("1e4000", "1").unwrap();
    assert_eq!(big.len(), 4000);
    assert!(big.starts_with("9999999999999999999965463873099623784932"));
    assert!(big.ends_with("1956972190272729951206648276349901340672"));
    // The largest long double.
    let max = ibf("1.18973149535723176502e4932", "0").unwrap();
    assert_eq!(max.len(), 4933);
    assert!(max.starts_with("1189731495357231765021263853030970205169"));
    assert!(max.ends_with("8849149662444156604419552086811989770240"));
}

#[test]
fn incr_by_float_errors_match_redis() {
    use IncrFloatError::*;
    let cases = [
        ("abc", "1", NotFloat),
        ("1", "abc", NotFloat),
        ("1", "nan", NotFloat),
        ("1", " 1", NotFloat),
        ("1", "1 ", NotFloat),
        ("1", "", NotFloat),
        ("1", "1e", NotFloat),
        ("1", "0x", NotFloat),
        ("1", "1e5000", NotFloat),
        ("1", "1.5e4932", NotFloat),
        ("1", "1e-5000", NotFloat),
        ("1", "inf", NanOrInf),
        ("1", "-inf", NanOrInf),
        ("1", "INFINITY", NanOrInf),
        ("1.18973149535723176502e4932", "1e4932", NanOrInf),
    ];
    for (a, b, want) in cases {
        assert_eq!(ibf(a, b), Err(want), "{a:?} + {b:?}");
    }
    assert_eq!(NotFloat.message(), "ERR value is not a valid float");
    assert_eq!(
        NanOrInf.message(),
        "ERR increment would produce NaN or Infinity"
    );
}

#[test]
fn long_double_building_blocks() {
    let a = LongDouble::parse(b"10.5").unwrap();
    let b = LongDouble::parse(b"0.1").unwrap();
    assert_eq!((a + b).to_human(), "10.6");
    assert_eq!((a + b).to_fixed17(), "10.60000000000000000");
    assert_eq!(LongDouble::from_i64(-3).to_human(), "-3");
    assert!(LongDouble::parse(b"inf").unwrap().is_inf());
    assert!(
        !(LongDouble::parse(b"inf").unwrap() + LongDouble::parse(b"-inf").unwrap()).is_finite()
    );
    assert_eq!(
        LongDouble::parse(b"1.5\0garbage"),
        LongDouble::parse(b"1.5")
    );
    assert_eq!(LongDouble::parse(b"nan"), None);
}

/// Arity, flags and key specs as `COMMAND INFO` reports them in redis-server 7.0.15.
#[test]
fn command_table_entries() {
    use replscope_core::cmd::{flags::*, CommandTable};
    let t = CommandTable::global();
    let cases: &[(&str, i32, u32, i32, i32, i32)] = &[
        ("get", 2, READONLY | FAST, 1, 1, 1),
        ("set", -3, WRITE | DENYOOM, 1, 1, 1),
        ("setnx", 3, WRITE | DENYOOM | FAST, 1, 1, 1),
        ("setex", 4, WRITE | DENYOOM, 1, 1, 1),
        ("psetex", 4, WRITE | DENYOOM, 1, 1, 1),
        ("mget", -2, READONLY | FAST, 1, -1, 1),
        ("mset", -3, WRITE | DENYOOM, 1, -1, 2),
        ("msetnx", -3, WRITE | DENYOOM, 1, -1, 2),
        ("incr", 2, WRITE | DENYOOM | FAST, 1, 1, 1),
        ("decr", 2, WRITE | DENYOOM | FAST, 1, 1, 1),
        ("incrby", 3, WRITE | DENYOOM | FAST, 1, 1, 1),
        ("decrby", 3, WRITE | DENYOOM | FAST, 1, 1, 1),
        ("incrbyfloat", 3, WRITE | DENYOOM | FAST, 1, 1, 1),
        ("append", 3, WRITE | DENYOOM | FAST, 1, 1, 1),
        ("strlen", 2, READONLY | FAST, 1, 1, 1),
        ("getrange", 4, READONLY, 1, 1, 1),
        ("substr", 4, READONLY, 1, 1, 1),
        ("setrange", 4, WRITE | DENYOOM, 1, 1, 1),
        ("getdel", 2, WRITE | FAST, 1, 1, 1),
        ("getex", -2, WRITE | FAST, 1, 1, 1),
        ("getset", 3, WRITE | DENYOOM | FAST, 1, 1, 1),
    ];
    for &(name, arity, flags, first, last, step) in cases {
        let c = t
            .lookup(name.as_bytes())
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(
            (c.arity, c.flags, c.first_key, c.last_key, c.step, c.group),
            (arity, flags, first, last, step, "string"),
            "{name}"
        );
    }
}
