//! DEBUG against a sans-IO `Server`: DIGEST / DIGEST-VALUE must equal what redis-server 7.0.15
//! computes for the same dataset, SLEEP asks the driver to pause, POPULATE creates exactly the
//! keys and values Redis creates, and the errors are Redis's.
//!
//! How the digest constants were obtained: `dataset_as_resp` gives the exact commands of the
//! dataset as RESP, with `SELECT <db>` before each database's steps and
//! `PEXPIREAT <key> 4102444800000` for each expiry step; the test
//! `dataset_script_replayed_gives_redis_digest` writes them to a file on request:
//!
//! ```text
//! DEBUG_DATASET_OUT=/tmp/ds.resp cargo test -p replscope-core --test debug -- dataset_script
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
        cmd(&[
            b"RPUSH", b"l:small", b"a", b"b", b"1", b"2", b"-3", b"", b"\x00bin",
        ]),
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
    db0.push(cmd_s(
        "SADD set:int 5 -2 10 100000000000 -9223372036854775808",
    ));
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
    db0.push(cmd(&[
        b"HSET", b"h:small", b"f1", b"v1", b"f2", b"123", b"n", b"-5", b"empty", b"",
    ]));
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

/// The dataset's commands as RESP, exactly what was piped into the real redis-server (see the
/// module docs): `SELECT <db>` before each database's steps, `PEXPIREAT` for expiries.
fn dataset_as_resp() -> Vec<u8> {
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
    out
}

/// The script that was sent to redis-server gives the same digest when replayed into our
/// server through the ordinary command path (SELECT, PEXPIREAT ...). With
/// `DEBUG_DATASET_OUT=<file>` it also writes the script, to re-record the constants.
#[test]
fn dataset_script_replayed_gives_redis_digest() {
    let script = dataset_as_resp();
    if let Ok(path) = std::env::var("DEBUG_DATASET_OUT") {
        std::fs::write(path, &script).unwrap();
    }
    let mut h = H::new();
    h.srv.handle_input(h.now, h.c, &script);
    while h.srv.poll_output().is_some() {}
    assert_eq!(
        h.srv.state().stats.total_error_replies,
        0,
        "every command of the script must succeed"
    );
    h.check("DEBUG DIGEST", format!("+{DATASET_DIGEST}\r\n").as_bytes());
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
    h.check("DEBUG DIGEST", format!("+{DATASET_DIGEST}\r\n").as_bytes());
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

#[test]
fn empty_dataset_digest_is_zeros() {
    let mut h = H::new();
    h.check(
        "DEBUG DIGEST",
        b"+0000000000000000000000000000000000000000\r\n",
    );
    h.check(
        "DEBUG DIGEST-VALUE nokey",
        b"*1\r\n+0000000000000000000000000000000000000000\r\n",
    );
    h.check("DEBUG DIGEST-VALUE", b"*0\r\n");
    // A key that exists only in another database changes the dataset digest, not db 0's values.
    h.srv.state_mut().keyspace.dbs[3].set(
        b"k",
        replscope_core::keyspace::Value::string(b"v"),
        false,
    );
    assert_ne!(
        h.run("DEBUG DIGEST"),
        b"+0000000000000000000000000000000000000000\r\n"
    );
    h.check(
        "DEBUG DIGEST-VALUE k",
        b"*1\r\n+0000000000000000000000000000000000000000\r\n",
    );
}

#[test]
fn digest_sees_logically_expired_keys() {
    // Redis digests what is stored: a key past its expiry time but not yet deleted counts.
    let mut h = H::new();
    h.check("SET k v", b"+OK\r\n");
    h.srv.state_mut().keyspace.dbs[0].set_expire(b"k", 1);
    let d = h.run("DEBUG DIGEST-VALUE k");
    assert_ne!(d, b"*1\r\n+0000000000000000000000000000000000000000\r\n");
    assert!(h.db0().contains(b"k"));
    assert_ne!(
        h.run("DEBUG DIGEST"),
        b"+0000000000000000000000000000000000000000\r\n"
    );
    assert!(h.db0().contains(b"k"), "DEBUG does not expire keys");
}

#[test]
fn sleep_asks_the_driver_to_pause() {
    let mut h = H::new();
    let pause_of = |outs: &[Output]| {
        outs.iter().find_map(|o| match o {
            Output::Pause { until } => Some(*until),
            _ => None,
        })
    };
    let outs = h.run_outputs(&[b"DEBUG", b"SLEEP", b"0.5"]);
    assert_eq!(pause_of(&outs), Some(h.now.add_micros(500_000)));
    // The pause comes before the reply, as Redis sleeps before answering.
    assert!(matches!(outs[0], Output::Pause { .. }));
    assert!(matches!(&outs[1], Output::Transmit { bytes, .. } if &bytes[..] == b"+OK\r\n"));
    // strtod semantics: a numeric prefix counts, garbage is 0, negative does not sleep.
    let outs = h.run_outputs(&[b"debug", b"sleep", b"1.5x"]);
    assert_eq!(pause_of(&outs), Some(h.now.add_micros(1_500_000)));
    let outs = h.run_outputs(&[b"DEBUG", b"SLEEP", b"2e-3"]);
    assert_eq!(pause_of(&outs), Some(h.now.add_micros(2_000)));
    let outs = h.run_outputs(&[b"DEBUG", b"SLEEP", b"0x1p-2"]);
    assert_eq!(pause_of(&outs), Some(h.now.add_micros(250_000)));
    for arg in ["0", "abc", "-1", "", "inf", "nan", "1e300"] {
        let outs = h.run_outputs(&[b"DEBUG", b"SLEEP", arg.as_bytes()]);
        assert_eq!(pause_of(&outs), None, "DEBUG SLEEP {arg}");
        assert!(
            matches!(&outs[..], [Output::Transmit { bytes, .. }] if &bytes[..] == b"+OK\r\n"),
            "DEBUG SLEEP {arg}"
        );
    }
    h.check(
        "DEBUG SLEEP",
        b"-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.\r\n",
    );
}

#[test]
fn populate_creates_keys_as_redis() {
    // Replies recorded from redis-server 7.0.15.
    let mut h = H::new();
    h.check("SET key:1 mine", b"+OK\r\n");
    h.srv.take_repl_stream();
    h.check("DEBUG POPULATE 3", b"+OK\r\n");
    h.check(
        "MGET key:0 key:1 key:2 key:3",
        b"*4\r\n$7\r\nvalue:0\r\n$4\r\nmine\r\n$7\r\nvalue:2\r\n$-1\r\n",
    );
    assert_eq!(h.db0().get(b"key:0").unwrap().encoding_name(), "embstr");
    h.check("DEBUG POPULATE 2 p 3", b"+OK\r\n");
    h.check("MGET p:0 p:1", b"*2\r\n$3\r\nval\r\n$3\r\nval\r\n");
    h.check("DEBUG POPULATE 2 q 12", b"+OK\r\n");
    h.check(
        "MGET q:0 q:1",
        b"*2\r\n$12\r\nvalue:0\x00\x00\x00\x00\x00\r\n$12\r\nvalue:1\x00\x00\x00\x00\x00\r\n",
    );
    h.check("DEBUG POPULATE 1 r 50", b"+OK\r\n");
    assert_eq!(h.db0().get(b"r:0").unwrap().encoding_name(), "raw");
    h.check("STRLEN r:0", b":50\r\n");
    h.check("DEBUG POPULATE 1 t 0", b"+OK\r\n");
    h.check("GET t:0", b"$7\r\nvalue:0\r\n");
    h.check("DEBUG POPULATE 1 t 44", b"+OK\r\n");
    h.check("GET t:0", b"$7\r\nvalue:0\r\n");
    h.check("DEBUG POPULATE 0", b"+OK\r\n");
    assert_eq!(h.db0().len(), 9);
    // The key is built in a 128-byte buffer: a long prefix is cut at 127 bytes.
    let prefix = "x".repeat(130);
    h.check(&format!("DEBUG POPULATE 11 {prefix}"), b"+OK\r\n");
    assert_eq!(h.db0().len(), 10);
    assert!(h.db0().contains("x".repeat(127).as_bytes()));
    h.check("DEBUG POPULATE 1 a:b:", b"+OK\r\n");
    assert!(h.db0().contains(b"a:b::0"));
    h.check("DEBUG POPULATE 1  5", b"+OK\r\n");
    h.check("GET :0", b"$5\r\nvalue\r\n");
    // The prefix is a C string.
    h.run_args(&[b"DEBUG", b"POPULATE", b"1", b"nul\x00x"]);
    assert!(h.db0().contains(b"nul:0"));
    // Not propagated, not counted as changes.
    assert!(h.srv.take_repl_stream().is_empty());
    assert_eq!(h.srv.state().dirty, 1);
}

#[test]
fn populate_replaces_expired_keys() {
    let mut h = H::new();
    h.check("SET key:0 old", b"+OK\r\n");
    h.srv.state_mut().keyspace.dbs[0].set_expire(b"key:0", 1);
    h.srv.take_repl_stream();
    h.check("DEBUG POPULATE 1", b"+OK\r\n");
    h.check("GET key:0", b"$7\r\nvalue:0\r\n");
    assert_eq!(h.db0().expire_of(b"key:0"), None);
    // The expired key's deletion is propagated (lookupKeyWrite), the new key is not.
    let stream = h.srv.take_repl_stream();
    assert!(
        stream.ends_with(b"*2\r\n$3\r\nDEL\r\n$5\r\nkey:0\r\n"),
        "{stream:?}"
    );
}

#[test]
fn populate_errors() {
    // Replies recorded from redis-server 7.0.15.
    let mut h = H::new();
    let positive = b"-ERR value is out of range, must be positive\r\n";
    for line in [
        "DEBUG POPULATE -1",
        "DEBUG POPULATE abc",
        "DEBUG POPULATE 1.5",
        "DEBUG POPULATE 99999999999999999999",
        "DEBUG POPULATE -0",
        "DEBUG POPULATE +1",
        "DEBUG POPULATE 01",
        "DEBUG POPULATE 1 p -1",
        "DEBUG POPULATE 1 p abc",
    ] {
        h.check(line, positive);
    }
    h.check(
        "DEBUG POPULATE",
        b"-ERR unknown subcommand or wrong number of arguments for 'POPULATE'. Try DEBUG HELP.\r\n",
    );
    h.check(
        "DEBUG POPULATE 1 p 0 x",
        b"-ERR unknown subcommand or wrong number of arguments for 'POPULATE'. Try DEBUG HELP.\r\n",
    );
    assert!(h.db0().is_empty());
}

#[test]
fn set_active_expire_toggles_the_cycle() {
    let mut h = H::new();
    assert!(h.srv.state().active_expire_enabled);
    h.check("DEBUG SET-ACTIVE-EXPIRE 0", b"+OK\r\n");
    assert!(!h.srv.state().active_expire_enabled);
    h.check("DEBUG set-active-expire 1", b"+OK\r\n");
    assert!(h.srv.state().active_expire_enabled);
    // atoi: anything that does not start with a non-zero number is 0.
    h.check("DEBUG SET-ACTIVE-EXPIRE x", b"+OK\r\n");
    assert!(!h.srv.state().active_expire_enabled);
    h.check("DEBUG SET-ACTIVE-EXPIRE 2x", b"+OK\r\n");
    assert!(h.srv.state().active_expire_enabled);
    h.check(
        "DEBUG SET-ACTIVE-EXPIRE",
        b"-ERR unknown subcommand or wrong number of arguments for 'SET-ACTIVE-EXPIRE'. Try DEBUG HELP.\r\n",
    );
}

#[test]
fn errors_and_misc_subcommands() {
    // Replies recorded from redis-server 7.0.15 (except the unsupported ones). RELOAD works
    // against the default in-memory storage (core/tests/persistence.rs tests it).
    let mut h = H::new();
    h.check(
        "DEBUG",
        b"-ERR wrong number of arguments for 'debug' command\r\n",
    );
    h.check(
        "DEBUG foo",
        b"-ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.\r\n",
    );
    h.check(
        "DEBUG digest x",
        b"-ERR unknown subcommand or wrong number of arguments for 'digest'. Try DEBUG HELP.\r\n",
    );
    h.check(
        "DEBUG help x",
        b"-ERR unknown subcommand or wrong number of arguments for 'help'. Try DEBUG HELP.\r\n",
    );
    h.check("DEBUG RELOAD", b"+OK\r\n");
    h.check("DEBUG OBJECT k", b"-ERR DEBUG OBJECT is not supported\r\n");
    assert_eq!(
        h.run_args(&[b"DEBUG", b"ERROR", b"foo bar"]),
        b"-foo bar\r\n"
    );
    assert_eq!(
        h.run_args(&[b"DEBUG", b"ERROR", b"-FOO bar"]),
        b"--FOO bar\r\n"
    );
    let outs = h.run_outputs(&[b"DEBUG", b"LOG", b"hi there"]);
    assert!(outs.contains(&Output::Log {
        level: LogLevel::Warning,
        message: "DEBUG LOG: hi there".into()
    }));
}

#[test]
fn help_is_redis_help() {
    let mut h = H::new();
    let got = h.run("DEBUG HELP");
    let text = String::from_utf8(got).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[0], "*106");
    assert_eq!(
        lines[1],
        "+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    );
    assert_eq!(lines[2], "+AOF-FLUSH-SLEEP <microsec>");
    assert_eq!(lines[105], "+HELP");
    assert_eq!(lines[106], "+    Prints this help.");
}

#[test]
fn debug_is_protected_by_enable_debug_command() {
    let refused: &[u8] = b"-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n";
    let mut h = H::with_config(Config::default());
    h.check("DEBUG DIGEST", refused);
    h.check("DEBUG foo", refused);
    // The arity check comes first.
    h.check(
        "DEBUG",
        b"-ERR wrong number of arguments for 'debug' command\r\n",
    );
    // Rejected while queueing: the transaction is aborted.
    h.check("MULTI", b"+OK\r\n");
    h.check("DEBUG DIGEST", refused);
    h.check(
        "EXEC",
        b"-EXECABORT Transaction discarded because of previous errors.\r\n",
    );

    let local = Config {
        enable_debug_command: ProtectedAction::Local,
        protected_mode: false,
        ..Config::default()
    };
    let now = Time::from_millis(1_700_000_000_000);
    let mut srv = Server::new(local, 1, now);
    let mut reply = |peer: &str| {
        let c = srv.handle_accept(
            now,
            PeerInfo {
                addr: peer.into(),
                ..PeerInfo::default()
            },
        );
        srv.handle_input(now, c, b"DEBUG DIGEST\r\n");
        let mut out = Vec::new();
        while let Some(o) = srv.poll_output() {
            if let Output::Transmit { bytes, .. } = o {
                out.extend_from_slice(&bytes);
            }
        }
        out
    };
    let zeros = b"+0000000000000000000000000000000000000000\r\n";
    assert_eq!(reply("127.0.0.1:5000"), zeros);
    assert_eq!(reply("[::1]:5000"), zeros);
    assert_eq!(reply("/tmp/redis.sock:0"), zeros);
    assert_eq!(reply("10.1.2.3:5000"), refused);
}

#[test]
fn debug_flags_as_command_info() {
    // COMMAND INFO debug on redis-server 7.0.15: arity -2, admin noscript loading stale, no keys.
    let spec = CommandTable::global().lookup(b"DEBUG").unwrap();
    assert_eq!(spec.arity, -2);
    assert_eq!(
        spec.flags,
        flags::ADMIN | flags::NOSCRIPT | flags::LOADING | flags::STALE
    );
    assert_eq!((spec.first_key, spec.last_key, spec.step), (0, 0, 0));
}

#[test]
fn digest_value_in_a_transaction() {
    let mut h = H::new();
    h.check("SET s:int 12345", b"+OK\r\n");
    h.check("MULTI", b"+OK\r\n");
    h.check("DEBUG DIGEST-VALUE s:int", b"+QUEUED\r\n");
    // Same value as in the dataset (no expiry there either).
    h.check(
        "EXEC",
        b"*1\r\n*1\r\n+e1cf90774e995ae03de66e8109dc5cb9d9c2dc83\r\n",
    );
}
