//! DEBUG against a sans-IO `Server`: DIGEST / DIGEST-VALUE must equal what redis-server 7.0.15
//! computes for the same dataset, SLEEP asks the driver to pause, POPULATE creates exactly the
//! keys and values Redis creates, and the errors are Redis's.
//!
//! How the digest constants were obtained: `dump_dataset_for_redis` (ignored by default) writes
//! the exact commands of [`DATASET`] as RESP, with `SELECT <db>` before each database's steps
//! and `PEXPIREAT <key> 4102444800000` for each expiry step:
//!
//! ```text
//! DEBUG_DATASET_OUT=/tmp/ds.resp cargo test -p replscope-core --test debug -- --ignored dump
//! redis-server --port 0 --unixsocket /tmp/d.sock --save '' --appendonly no \
//!     --enable-debug-command yes --daemonize yes
//! redis-cli -s /tmp/d.sock --pipe < /tmp/ds.resp
//! redis-cli -s /tmp/d.sock DEBUG DIGEST
//! redis-cli -s /tmp/d.sock DEBUG DIGEST-VALUE <every key of db 0> nokey
//! ```
//!
//! with redis-server 7.0.15 (the other replies in this file were recorded the same way, with
//! `redis-cli --no-raw` or raw RESP over the socket).

use replscope_core::client::{ClientId, PeerInfo};
use replscope_core::cmd::{flags, CommandTable};
use replscope_core::config::{Config, ProtectedAction};
use replscope_core::keyspace::Db;
use replscope_core::server::{LogLevel, Output, Server};
use replscope_core::time::Time;

/// Far in the future (2100-01-01), so that no key of the dataset ever expires.
const EXPIRE_AT: i64 = 4_102_444_800_000;

struct H {
    srv: Server,
    c: ClientId,
    now: Time,
}

fn resp_cmd(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

impl H {
    /// A server that allows DEBUG (`enable-debug-command yes`).
    fn new() -> Self {
        let cfg = Config {
            enable_debug_command: ProtectedAction::Yes,
            ..Config::default()
        };
        Self::with_config(cfg)
    }
    fn with_config(cfg: Config) -> Self {
        let now = Time::from_millis(1_700_000_000_000);
        let mut srv = Server::new(cfg, 7, now);
        let c = srv.handle_accept(now, PeerInfo::default());
        srv.state_mut().repl.capture = true;
        H { srv, c, now }
    }
    /// Run one command (split on spaces) and return the raw reply bytes.
    fn run(&mut self, line: &str) -> Vec<u8> {
        let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        self.run_args(&args)
    }
    fn run_args(&mut self, args: &[&[u8]]) -> Vec<u8> {
        self.run_outputs(args)
            .into_iter()
            .filter_map(|o| match o {
                Output::Transmit { bytes, .. } => Some(bytes.to_vec()),
                _ => None,
            })
            .flatten()
            .collect()
    }
    /// Run one command and return every output it produced, in order.
    fn run_outputs(&mut self, args: &[&[u8]]) -> Vec<Output> {
        let req = resp_cmd(args);
        self.srv.handle_input(self.now, self.c, &req);
        let mut out = Vec::new();
        while let Some(o) = self.srv.poll_output() {
            out.push(o);
        }
        out
    }
    fn check(&mut self, line: &str, expected: &[u8]) {
        let got = self.run(line);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expected),
            "reply to `{line}`"
        );
    }
    fn db0(&self) -> &Db {
        &self.srv.state().keyspace.dbs[0]
    }
}

// ----- the dataset -----

/// One step of building a database.
enum Step {
    /// A command, run in the database being built.
    Cmd(Vec<Vec<u8>>),
    /// Give the key an expiry time ([`EXPIRE_AT`]); `PEXPIREAT` on the real server.
    Expire(&'static str),
}

fn cmd(args: &[&[u8]]) -> Step {
    Step::Cmd(args.iter().map(|a| a.to_vec()).collect())
}

fn cmd_s(line: &str) -> Step {
    Step::Cmd(line.split(' ').map(|a| a.as_bytes().to_vec()).collect())
}

fn cmd_owned(args: Vec<Vec<u8>>) -> Step {
    Step::Cmd(args)
}

/// The databases of the digest test and how each is built. Every type and encoding: int,
/// embstr and raw strings, binary strings, small and large lists, intset / hashtable sets,
/// listpack / skiplist sorted sets (special scores included), listpack / hashtable hashes,
/// keys with expiries, and the same key names in several databases.
fn dataset() -> Vec<(usize, Vec<Step>)> {
    let mut db0 = vec![
        // strings
        cmd_s("SET s:int 12345"),
        cmd_s("SET s:neg -9223372036854775808"),
        cmd_s("SET s:emb hello"),
        cmd(&[b"SET", b"s:raw", "r".repeat(60).as_bytes()]),
        cmd(&[b"SET", b"s:big", "b".repeat(10_000).as_bytes()]),
        cmd(&[b"SET", b"s:bin", b"\x00\xff\r\nbin\x00"]),
        cmd(&[b"SET", b"s:empty", b""]),
        cmd_s("SET s:app foo"),
        cmd_s("APPEND s:app bar"),
        cmd_s("INCRBY s:cnt 42"),
        cmd_s("INCR s:cnt"),
        cmd_s("INCRBYFLOAT s:flt 1.5"),
        cmd_s("INCRBYFLOAT s:flt 0.1"),
        cmd_s("SETRANGE s:rng 5 xyz"),
        cmd_s("SET s:ttl v EX 1000000"),
        cmd_s("SET s:007 007"),
        // lists
        cmd(&[b"RPUSH", b"l:small", b"a", b"b", b"1", b"2", b"-3", b"", b"\x00bin"]),
        cmd_s("LPUSH l:small head"),
        cmd_s("LINSERT l:small BEFORE 1 mid"),
        cmd_s("LSET l:small 0 12"),
        cmd_s("RPUSH l:ttl a b"),
        Step::Expire("l:ttl"),
    ];
    let mut big_list = vec![b"RPUSH".to_vec(), b"l:big".to_vec()];
    for i in 0..300usize {
        big_list.push(match i % 3 {
            0 => i.to_string().into_bytes(),
            1 => format!("e{i}").into_bytes(),
            _ => "x".repeat(i).into_bytes(),
        });
    }
    db0.push(cmd_owned(big_list));
    db0.push(cmd_s("LPOP l:big"));
    // sets
    db0.push(cmd_s("SADD set:int 5 -2 10 100000000000 -9223372036854775808"));
    db0.push(cmd_s("SADD set:str a b c 1 2"));
    db0.push(cmd_s("SADD set:rem a b c d"));
    db0.push(cmd_s("SREM set:rem b"));
    db0.push(cmd_s("SADD set:ttl 1 2 3"));
    db0.push(Step::Expire("set:ttl"));
    let mut big_int_set = vec![b"SADD".to_vec(), b"set:bigint".to_vec()];
    big_int_set.extend((0..600).map(|i: i32| (i * 7 - 1000).to_string().into_bytes()));
    db0.push(cmd_owned(big_int_set));
    let mut big_str_set = vec![b"SADD".to_vec(), b"set:bigstr".to_vec()];
    big_str_set.extend((0..200).map(|i| format!("m{i}").into_bytes()));
    db0.push(cmd_owned(big_str_set));
    // sorted sets
    db0.push(cmd_s(
        "ZADD z:small 1 a 2.5 b -inf c inf d 0.1 e -0 f 1e17 g 3 100 \
         1.7976931348623157e308 h 5e-324 i 123456789012345678 j -1.5e-7 k 1e16 l",
    ));
    db0.push(cmd_s("ZINCRBY z:small 0.5 a"));
    db0.push(cmd_s("ZADD z:small INCR -0 negz"));
    db0.push(cmd_s("ZADD z:ttl 1 a"));
    db0.push(Step::Expire("z:ttl"));
    db0.push(cmd(&[b"ZADD", b"z:long", b"1", "m".repeat(100).as_bytes()]));
    let mut big_zset = vec![b"ZADD".to_vec(), b"z:big".to_vec()];
    for i in 0..200i32 {
        big_zset.push(format!("{}", f64::from(i) * 0.37 - 20.0).into_bytes());
        big_zset.push(if i % 4 == 0 {
            (i * 1000).to_string().into_bytes()
        } else {
            format!("member{i}").into_bytes()
        });
    }
    db0.push(cmd_owned(big_zset));
    db0.push(cmd_s("ZINCRBY z:big 2.25 member1"));
    db0.push(cmd_s("ZADD z:big -inf ninf inf pinf 1e300 huge"));
    // hashes
    db0.push(cmd(&[b"HSET", b"h:small", b"f1", b"v1", b"f2", b"123", b"n", b"-5", b"empty", b""]));
    db0.push(cmd_s("HINCRBY h:small cnt 10"));
    db0.push(cmd_s("HINCRBYFLOAT h:small flt 2.5"));
    db0.push(cmd_s("HDEL h:small f2"));
    db0.push(cmd(&[b"HSET", b"h:long", b"f", "v".repeat(100).as_bytes()]));
    db0.push(cmd_s("HSET h:ttl a b"));
    db0.push(Step::Expire("h:ttl"));
    let mut big_hash = vec![b"HSET".to_vec(), b"h:big".to_vec()];
    for i in 0..600 {
        big_hash.push(format!("f{i}").into_bytes());
        big_hash.push(if i % 2 == 0 {
            i.to_string().into_bytes()
        } else {
            format!("v{i}").into_bytes()
        });
    }
    db0.push(cmd_owned(big_hash));
    db0.push(cmd_s("HINCRBY h:big f0 5"));

    let db3 = vec![
        cmd_s("SET s:int 12345"),
        cmd_s("RPUSH l 1 2 3"),
        cmd_s("ZADD z 1 a"),
        cmd_s("HSET h a 1"),
        cmd_s("SADD s 1"),
        cmd_s("SET ttl x PX 100000000"),
    ];
    let db15 = vec![cmd_s("SET only one"), Step::Expire("only")];
    vec![(0, db0), (3, db3), (15, db15)]
}

/// Build the databases of [`dataset`] in `h`. Each database is built in db 0 of a scratch
/// server with the same commands and then moved to its number (the core has no SELECT yet).
fn load_dataset(h: &mut H) {
    for (id, steps) in dataset() {
        let mut scratch = H::new();
        for step in &steps {
            match step {
                Step::Cmd(args) => {
                    let a: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
                    let reply = scratch.run_args(&a);
                    assert!(!reply.starts_with(b"-"), "{:?}: {:?}", args, reply);
                }
                Step::Expire(key) => {
                    scratch.srv.state_mut().keyspace.dbs[0].set_expire(key.as_bytes(), EXPIRE_AT)
                }
            }
        }
        let db = std::mem::take(&mut scratch.srv.state_mut().keyspace.dbs[0]);
        h.srv.state_mut().keyspace.dbs[id] = db;
    }
}

/// Writes the dataset's commands as RESP for a real redis-server (see the module docs).
#[test]
#[ignore]
fn dump_dataset_for_redis() {
    let Ok(path) = std::env::var("DEBUG_DATASET_OUT") else {
        return;
    };
    let mut out = Vec::new();
    for (id, steps) in dataset() {
        out.extend(resp_cmd(&[b"SELECT", id.to_string().as_bytes()]));
        for step in steps {
            match step {
                Step::Cmd(args) => {
                    let a: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
                    out.extend(resp_cmd(&a));
                }
                Step::Expire(key) => out.extend(resp_cmd(&[
                    b"PEXPIREAT",
                    key.as_bytes(),
                    EXPIRE_AT.to_string().as_bytes(),
                ])),
            }
        }
    }
    out.extend(resp_cmd(&[b"SELECT", b"0"]));
    std::fs::write(path, out).unwrap();
}

/// `DEBUG DIGEST` of the whole dataset, from redis-server 7.0.15.
const DATASET_DIGEST: &str = "ad3fcf0af360da600af4b4db1b3296f299ea720b";

/// `DEBUG DIGEST-VALUE` of each key of db 0 (and of a missing key), from redis-server 7.0.15.
const VALUE_DIGESTS: &[(&str, &str)] = &[
    ("h:big", "f53d7de7ed337c9c44c1f18c34a9c8fea5b455ca"),
    ("h:long", "711d623966720c516df673895ae048304a31fa1d"),
    ("h:small", "0122fd39c72a8f6844d38bcadff8995582f3a28a"),
    ("h:ttl", "01ce97e79e107255ae83a560e4c2070114b00ba6"),
    ("l:big", "61665ab86075b5e833da3b2911785d1783f368cf"),
    ("l:small", "ca8359f9467e290a8aec9515a8d5cdad9f01a88b"),
    ("l:ttl", "8470a4acfa1a2538fc97e3e5f1ea79669ecfaabc"),
    ("s:007", "8e00a8fb3b4e9d75e4004709d98cda64c3823457"),
    ("s:app", "ca50da18efb08f00eeb6e2c4e91141b80a6d3473"),
    ("s:big", "d8deedba3ef08d42c2182c1378ed93a06f798a87"),
    ("s:bin", "fc635d41525ce1d52da185a6b45049aa3b909b2e"),
    ("s:cnt", "99ba43244c2ee73fea04ff1e9e590fada5dc42a3"),
    ("s:emb", "36b23a1456b2dce2c3ed252c456761301dba8060"),
    ("s:empty", "8b3447c33a834b810e3e181b6fd6a2ee1020921c"),
    ("s:flt", "c1cd3429d83b56694dc04ecdcae7b45fb6121858"),
    ("s:int", "e1cf90774e995ae03de66e8109dc5cb9d9c2dc83"),
    ("s:neg", "4191566616a6d8b974bba999f8e82b3f2c8dcce0"),
    ("s:raw", "ea4823b42bb61a4e3b5586bad8fe756c57ccce0f"),
    ("s:rng", "78e420a80162b13a738423d7aa250bfed0cbeb91"),
    ("s:ttl", "311b17018163335616e089f6b951c82c477335ac"),
    ("set:bigint", "828608db1123dec0f8c547c5d777f85c6a41747d"),
    ("set:bigstr", "ac5f6d65af9dd9d56fe5fbcffb0971a09bbd682f"),
    ("set:int", "6439ede1d167a17706d0b463d672d5676ec7ff1a"),
    ("set:rem", "8cdd037c50ea4e4fc117794a52dc6a24267f7d9e"),
    ("set:str", "b61daf08bbb208f9a6c7d9382868f1513fd7e269"),
    ("set:ttl", "ccc3d4c08d9831ddb2985016b5aeb37aa16613c5"),
    ("z:big", "06efa56befb3fd34be35b6266404b1d89a96d579"),
    ("z:long", "8f211d2cc2ffee375d9828e92693980ab56627b9"),
    ("z:small", "f9b3a427c5ed16999e77cf32b904a098bb0ae30c"),
    ("z:ttl", "a5846e39316350ab396b7c4cb0705de2747e1916"),
    ("nokey", "0000000000000000000000000000000000000000"),
];

#[test]
fn encodings_of_the_dataset_are_covered() {
    let mut h = H::new();
    load_dataset(&mut h);
    let enc = |k: &str| h.db0().get(k.as_bytes()).unwrap().encoding_name();
    for (key, e) in [
        ("s:int", "int"),
        ("s:emb", "embstr"),
        ("s:raw", "raw"),
        ("s:app", "raw"),
        ("set:int", "intset"),
        ("set:str", "hashtable"),
        ("set:bigint", "hashtable"),
        ("z:small", "listpack"),
        ("z:big", "skiplist"),
        ("z:long", "skiplist"),
        ("h:small", "listpack"),
        ("h:big", "hashtable"),
        ("h:long", "hashtable"),
        ("l:big", "quicklist"),
    ] {
        assert_eq!(enc(key), e, "{key}");
    }
    assert!(h.db0().expire_of(b"s:ttl").is_some());
}

#[test]
fn dataset_digest_equals_redis() {
    let mut h = H::new();
    load_dataset(&mut h);
    h.check(
        "DEBUG DIGEST",
        format!("+{DATASET_DIGEST}\r\n").as_bytes(),
    );
}

#[test]
fn value_digests_equal_redis() {
    let mut h = H::new();
    load_dataset(&mut h);
    let mut args: Vec<&[u8]> = vec![b"DEBUG", b"DIGEST-VALUE"];
    args.extend(VALUE_DIGESTS.iter().map(|(k, _)| k.as_bytes()));
    let got = h.run_args(&args);
    let mut expected = format!("*{}\r\n", VALUE_DIGESTS.len());
    for (_, d) in VALUE_DIGESTS {
        expected.push_str(&format!("+{d}\r\n"));
    }
    assert_eq!(String::from_utf8_lossy(&got), expected);
}
