//! RDB interop with the real redis-server 7.0.15 (issue #3): Redis builds data of every type
//! and encoding and `SAVE`s it; `replscope-check-rdb --json` decodes the dump, and its JSON
//! must equal what the same server answers to commands for every key (GET, LRANGE,
//! SMEMBERS, HGETALL, ZRANGE WITHSCORES, XRANGE, XINFO STREAM FULL, PEXPIRETIME, FUNCTION
//! LIST WITHCODE). Corrupted dumps (truncated, a flipped byte, a wrong CRC) must make the
//! tool exit 1 with an offset, never panic, and agree with `redis-check-rdb` wherever that
//! tool detects the corruption.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{encode, escape, tool, Conn, Reply, ServerProc};
use serde_json::{json, Map, Value};

/// Path of the tool under test.
fn check_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_replscope-check-rdb"))
}

/// Run `replscope-check-rdb` with `args`; a panic (exit 101) fails at once.
fn run_check(args: &[&str]) -> Output {
    let out = Command::new(check_bin())
        .args(args)
        .output()
        .expect("run replscope-check-rdb");
    assert_ne!(
        out.status.code(),
        Some(101),
        "replscope-check-rdb panicked on {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.code().is_some(),
        "replscope-check-rdb killed by a signal on {args:?}"
    );
    out
}

/// Exit code of `redis-check-rdb FILE`.
fn redis_check(path: &Path) -> (i32, String) {
    let out = Command::new(tool("redis-check-rdb"))
        .arg(path)
        .output()
        .expect("run redis-check-rdb");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Send a command, return the parsed reply; an error reply fails the test.
fn q<A: AsRef<[u8]>>(c: &mut Conn, args: &[A]) -> Reply {
    c.send(&encode(args));
    let (r, raw) = c.read_parsed().expect("reply");
    if let Reply::Line(b'-', _) = r {
        let shown: Vec<String> = args.iter().map(|a| escape(a.as_ref())).collect();
        panic!("{shown:?} failed: {}", escape(&raw));
    }
    r
}

fn ok<A: AsRef<[u8]>>(c: &mut Conn, args: &[A]) {
    q(c, args);
}

fn bulk(r: &Reply) -> Vec<u8> {
    match r {
        Reply::Blob(_, Some(b)) => b.clone(),
        Reply::Line(_, b) => b.clone(),
        other => panic!("not a bulk/line reply: {other:?}"),
    }
}

fn int(r: &Reply) -> i64 {
    match r {
        Reply::Line(b':', b) => std::str::from_utf8(b).unwrap().parse().unwrap(),
        other => panic!("not an integer reply: {other:?}"),
    }
}

fn arr(r: &Reply) -> &[Reply] {
    match r {
        Reply::Agg(_, Some(items)) => items,
        other => panic!("not an array reply: {other:?}"),
    }
}

/// A flat RESP2 field/value array as (name, value) lookups.
fn field<'a>(r: &'a Reply, name: &str) -> &'a Reply {
    let items = arr(r);
    for pair in items.chunks(2) {
        if bulk(&pair[0]) == name.as_bytes() {
            return &pair[1];
        }
    }
    panic!("no field {name} in {r:?}")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

/// Bytes as the tool writes them: a string if UTF-8, else `{"hex": ...}`.
fn bv(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => Value::String(s.to_string()),
        Err(_) => json!({ "hex": hex(b) }),
    }
}

/// Bytes as an object key.
fn bk(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => format!("hex:{}", hex(b)),
    }
}

/// The expected JSON of a stream, from XRANGE and XINFO STREAM FULL.
fn expected_stream(c: &mut Conn, key: &[u8]) -> Value {
    let range = q(c, &[b"XRANGE".as_slice(), key, b"-", b"+"]);
    let entries: Vec<Value> = arr(&range)
        .iter()
        .map(|e| {
            let e = arr(e);
            let fv: Vec<Value> = arr(&e[1]).iter().map(|x| bv(&bulk(x))).collect();
            json!([bv(&bulk(&e[0])), fv])
        })
        .collect();
    let info = q(
        c,
        &[b"XINFO".as_slice(), b"STREAM", key, b"FULL", b"COUNT", b"0"],
    );
    let idv = |name: &str| bv(&bulk(field(&info, name)));
    let groups: Vec<Value> = arr(field(&info, "groups"))
        .iter()
        .map(|g| {
            let pel: Vec<Value> = arr(field(g, "pending"))
                .iter()
                .map(|p| {
                    let p = arr(p);
                    json!([bv(&bulk(&p[0])), bv(&bulk(&p[1])), int(&p[2]), int(&p[3])])
                })
                .collect();
            let consumers: Vec<Value> = arr(field(g, "consumers"))
                .iter()
                .map(|cons| {
                    let ids: Vec<Value> = arr(field(cons, "pending"))
                        .iter()
                        .map(|p| bv(&bulk(&arr(p)[0])))
                        .collect();
                    json!({
                        "name": bv(&bulk(field(cons, "name"))),
                        "seen_time": int(field(cons, "seen-time")),
                        "active_time": null,
                        "pel": ids,
                    })
                })
                .collect();
            let entries_read = match field(g, "entries-read") {
                Reply::Blob(_, None) => Value::Null,
                r => json!(int(r)),
            };
            json!({
                "name": bv(&bulk(field(g, "name"))),
                "last_delivered_id": bv(&bulk(field(g, "last-delivered-id"))),
                "entries_read": entries_read,
                "pel": pel,
                "consumers": consumers,
            })
        })
        .collect();
    json!({
        "entries": entries,
        "length": int(field(&info, "length")),
        "last_generated_id": idv("last-generated-id"),
        "recorded_first_entry_id": idv("recorded-first-entry-id"),
        "max_deleted_entry_id": idv("max-deleted-entry-id"),
        "entries_added": int(field(&info, "entries-added")),
        "groups": groups,
    })
}

/// The expected JSON of one key, from commands.
fn expected_key(c: &mut Conn, key: &[u8]) -> Value {
    let t = bulk(&q(c, &[b"TYPE".as_slice(), key]));
    let value = match t.as_slice() {
        b"string" => bv(&bulk(&q(c, &[b"GET".as_slice(), key]))),
        b"list" => Value::Array(
            arr(&q(c, &[b"LRANGE".as_slice(), key, b"0", b"-1"]))
                .iter()
                .map(|r| bv(&bulk(r)))
                .collect(),
        ),
        b"set" => {
            let mut m: Vec<Vec<u8>> = arr(&q(c, &[b"SMEMBERS".as_slice(), key]))
                .iter()
                .map(bulk)
                .collect();
            m.sort();
            Value::Array(m.iter().map(|b| bv(b)).collect())
        }
        b"hash" => {
            let r = q(c, &[b"HGETALL".as_slice(), key]);
            let mut obj = Map::new();
            for pair in arr(&r).chunks(2) {
                obj.insert(bk(&bulk(&pair[0])), bv(&bulk(&pair[1])));
            }
            Value::Object(obj)
        }
        b"zset" => {
            let r = q(c, &[b"ZRANGE".as_slice(), key, b"0", b"-1", b"WITHSCORES"]);
            Value::Array(
                arr(&r)
                    .chunks(2)
                    .map(|p| json!([bv(&bulk(&p[0])), bv(&bulk(&p[1]))]))
                    .collect(),
            )
        }
        b"stream" => expected_stream(c, key),
        other => panic!("unexpected type {}", escape(other)),
    };
    let exp = int(&q(c, &[b"PEXPIRETIME".as_slice(), key]));
    json!({
        "type": String::from_utf8(t).unwrap(),
        "value": value,
        "expire_ms": if exp < 0 { Value::Null } else { json!(exp) },
    })
}

/// The expected `databases` and `functions` of a dump of the server's current content.
fn expected_content(c: &mut Conn) -> (Value, Value) {
    let mut dbs = Map::new();
    for db in 0..16 {
        ok(c, &["SELECT", &db.to_string()]);
        let mut keys: Vec<Vec<u8>> = arr(&q(c, &["KEYS", "*"])).iter().map(bulk).collect();
        keys.sort();
        if keys.is_empty() {
            continue;
        }
        let mut obj = Map::new();
        for k in &keys {
            obj.insert(bk(k), expected_key(c, k));
        }
        dbs.insert(db.to_string(), Value::Object(obj));
    }
    ok(c, &["SELECT", "0"]);
    let libs = q(c, &["FUNCTION", "LIST", "WITHCODE"]);
    let mut codes: Vec<Vec<u8>> = arr(&libs)
        .iter()
        .map(|l| bulk(field(l, "library_code")))
        .collect();
    codes.sort();
    (
        Value::Object(dbs),
        Value::Array(codes.iter().map(|b| bv(b)).collect()),
    )
}

/// `SAVE` and return a copy of the dump.
fn save(c: &mut Conn, dir: &Path, name: &str) -> (PathBuf, Vec<u8>) {
    ok(c, &["SAVE"]);
    let dir_reply = q(c, &["CONFIG", "GET", "dir"]);
    let src = PathBuf::from(String::from_utf8(bulk(&arr(&dir_reply)[1])).unwrap()).join("dump.rdb");
    let data = std::fs::read(&src).expect("read dump.rdb");
    let dst = dir.join(name);
    std::fs::write(&dst, &data).unwrap();
    (dst, data)
}

/// Run `--json` on a dump that must be valid and parse its output.
fn json_of(path: &Path) -> (String, Value) {
    let out = run_check(&["--json", path.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "replscope-check-rdb --json {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("JSON is UTF-8");
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", &text[..text.len().min(2000)]));
    (text, v)
}

/// The first difference between our `databases` and the expected one, for the failure
/// message (rather than dumping megabytes).
fn first_difference(got: &Value, exp: &Value) -> String {
    let empty = Map::new();
    let g = got.as_object().unwrap_or(&empty);
    let e = exp.as_object().unwrap_or(&empty);
    let show = |v: Option<&Value>| {
        let s = v.map(|v| v.to_string()).unwrap_or("<missing>".into());
        s.chars().take(3000).collect::<String>()
    };
    for (db, ekeys) in e {
        let Some(gkeys) = g.get(db) else {
            return format!("db {db} missing from our JSON");
        };
        let gk = gkeys.as_object().unwrap_or(&empty);
        let ek = ekeys.as_object().unwrap_or(&empty);
        for (k, ev) in ek {
            let gv = gk.get(k);
            if gv != Some(ev) {
                return format!(
                    "db {db} key {k}:\n ours:  {}\n redis: {}",
                    show(gv),
                    show(Some(ev))
                );
            }
        }
        let extra: Vec<&String> = gk.keys().filter(|k| !ek.contains_key(*k)).collect();
        if !extra.is_empty() {
            return format!("db {db}: keys only in our JSON: {extra:?}");
        }
    }
    format!(
        "dbs only in our JSON: {:?}",
        g.keys().filter(|k| !e.contains_key(*k)).collect::<Vec<_>>()
    )
}

fn assert_content(path: &Path, c: &mut Conn) -> String {
    let (text, got) = json_of(path);
    let (dbs, funcs) = expected_content(c);
    let got_dbs = &got["databases"];
    if got_dbs != &dbs {
        panic!("{}", first_difference(got_dbs, &dbs));
    }
    let mut got_funcs: Vec<Value> = got["functions"].as_array().expect("functions").clone();
    got_funcs.sort_by_key(|v| v.to_string());
    let mut exp_funcs = funcs.as_array().unwrap().clone();
    exp_funcs.sort_by_key(|v| v.to_string());
    assert_eq!(got_funcs, exp_funcs, "function libraries");
    text
}

/// Deterministic pseudo-random bytes (xorshift).
fn noise(n: usize, mut seed: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

/// Fill the server with every type and encoding 7.0 writes.
fn build_data(c: &mut Conn) {
    // Strings: int, embstr, raw, LZF-compressible 1 MB, incompressible, empty, binary.
    ok(c, &["SET", "str:int", "12345"]);
    ok(c, &["SET", "str:neg", "-9223372036854775808"]);
    ok(c, &["SET", "str:notint", "007"]);
    ok(c, &["SET", "str:embstr", "hello world"]);
    ok(c, &["SET", "str:raw", &"r".repeat(60)]);
    ok(c, &["SET", "str:empty", ""]);
    ok(
        c,
        &[
            "SET",
            "str:json",
            "quote \" backslash \\ tab \t nl \n ctl \u{1} é ✓",
        ],
    );
    let big: Vec<u8> = b"0123456789abcdefghijklmnopqrstuvwxyz"
        .iter()
        .copied()
        .cycle()
        .take(1 << 20)
        .collect();
    ok(c, &[b"SET".as_slice(), b"str:lzf1mb", &big]);
    ok(c, &[b"SET".as_slice(), b"str:noise", &noise(5000, 7)]);
    ok(
        c,
        &[b"SET".as_slice(), b"bin:\xff\x00key", b"\x80\x81\x00\xfe"],
    );

    // Lists: small listpack with ints, many nodes, compressed nodes, a PLAIN node.
    ok(
        c,
        &[
            "RPUSH",
            "list:small",
            "a",
            "1",
            "-3",
            "4096",
            "2147483648",
            "007",
            "",
        ],
    );
    ok(c, &[b"RPUSH".as_slice(), b"list:small", b"\xc3\x00"]);
    for chunk in 0..10 {
        let items: Vec<String> = (0..300)
            .map(|i| format!("element-{}-{}", chunk, i * 37))
            .collect();
        let mut args = vec!["RPUSH".to_string(), "list:big".to_string()];
        args.extend(items);
        ok(c, &args);
    }
    ok(c, &["CONFIG", "SET", "list-compress-depth", "1"]);
    for chunk in 0..10 {
        let items: Vec<String> = (0..300)
            .map(|i| format!("compressible compressible {chunk} {i}"))
            .collect();
        let mut args = vec!["RPUSH".to_string(), "list:compressed".to_string()];
        args.extend(items);
        ok(c, &args);
    }
    ok(c, &["CONFIG", "SET", "list-compress-depth", "0"]);
    let dbg = bulk(&q(c, &["DEBUG", "OBJECT", "list:compressed"]));
    let dbg = String::from_utf8_lossy(&dbg).into_owned();
    assert!(dbg.contains("ql_compressed:1"), "{dbg}");
    ok(c, &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100"]);
    ok(c, &["RPUSH", "list:plain", "head"]);
    ok(c, &["RPUSH", "list:plain", &"p".repeat(200)]);
    ok(c, &[b"RPUSH".as_slice(), b"list:plain", &noise(300, 3)]);
    ok(c, &["RPUSH", "list:plain", "tail"]);
    let dbg = bulk(&q(c, &["DEBUG", "OBJECT", "list:plain"]));
    let dbg = String::from_utf8_lossy(&dbg).into_owned();
    // head | plain | plain | tail: the big elements got nodes of their own.
    assert!(dbg.contains("ql_nodes:4"), "PLAIN nodes not created: {dbg}");

    // Sets: intset (16/32/64-bit), hashtable of strings, hashtable of many ints.
    ok(c, &["SADD", "set:intset16", "1", "2", "3", "-5", "300"]);
    ok(
        c,
        &[
            "SADD",
            "set:intset64",
            "1",
            "-9223372036854775808",
            "9223372036854775807",
        ],
    );
    ok(c, &["SADD", "set:ht", "apple", "banana", "", "1"]);
    ok(c, &[b"SADD".as_slice(), b"set:ht", b"\xff\xfe"]);
    let mut args = vec!["SADD".to_string(), "set:bigints".to_string()];
    args.extend((0..1000).map(|i| (i * 7919 - 500_000).to_string()));
    ok(c, &args);

    // Zsets: listpack and skiplist, with inf/-inf, negative, fractional, big scores.
    ok(
        c,
        &[
            "ZADD", "zset:lp", "1", "one", "-2.5", "neg", "inf", "pinf", "-inf", "ninf", "0.1",
            "tenth", "3e20", "big", "1", "also-one", "-0", "zero",
        ],
    );
    ok(c, &[b"ZADD".as_slice(), b"zset:lp", b"1.5", b"\xfe\xff"]);
    let mut args = vec!["ZADD".to_string(), "zset:skip".to_string()];
    for i in 0..300 {
        args.push(format!("{}", (i as f64 - 150.0) / 7.0));
        args.push(format!("member:{i}"));
    }
    args.extend(["inf", "top", "-inf", "bottom", "1e-300", "tiny"].map(String::from));
    ok(c, &args);

    // Hashes: listpack and hashtable.
    ok(
        c,
        &["HSET", "hash:lp", "f1", "v1", "num", "42", "empty", ""],
    );
    ok(c, &[b"HSET".as_slice(), b"hash:lp", b"\x00bin", b"\xff"]);
    let mut args = vec!["HSET".to_string(), "hash:ht".to_string()];
    for i in 0..600 {
        args.push(format!("field:{i}"));
        args.push(format!("value:{}", i * i));
    }
    ok(c, &args);
    ok(c, &["HSET", "hash:bigval", "f", &"v".repeat(100)]);

    // Streams: several nodes, same-fields and own-fields entries, deletions, groups with
    // PEL and consumers, an empty stream with a group, a stream whose entries are all gone.
    for i in 1..=250u64 {
        let id = format!("{}-{}", 1_700_000_000_000u64 + i / 3, i % 3);
        if i % 5 == 0 {
            ok(c, &["XADD", "stream:s", &id, "other", &i.to_string()]);
        } else {
            ok(c, &["XADD", "stream:s", &id, "a", &i.to_string(), "b", "x"]);
        }
    }
    ok(
        c,
        &[
            "XDEL",
            "stream:s",
            "1700000000000-1",
            "1700000000010-1",
            "1700000000011-0",
        ],
    );
    ok(
        c,
        &[b"XADD".as_slice(), b"stream:s", b"*", b"\xff", b"\xfe"],
    );
    ok(c, &["XGROUP", "CREATE", "stream:s", "g1", "0"]);
    ok(c, &["XGROUP", "CREATE", "stream:s", "g2", "$"]);
    ok(
        c,
        &["XGROUP", "CREATE", "stream:s", "g0", "1700000000005-0"],
    );
    ok(
        c,
        &[
            "XREADGROUP",
            "GROUP",
            "g1",
            "alice",
            "COUNT",
            "3",
            "STREAMS",
            "stream:s",
            ">",
        ],
    );
    ok(
        c,
        &[
            "XREADGROUP",
            "GROUP",
            "g1",
            "bob",
            "COUNT",
            "2",
            "STREAMS",
            "stream:s",
            ">",
        ],
    );
    ok(c, &["XACK", "stream:s", "g1", "1700000000000-2"]);
    ok(c, &["XGROUP", "CREATECONSUMER", "stream:s", "g2", "carol"]);
    ok(
        c,
        &["XGROUP", "CREATE", "stream:empty", "g", "$", "MKSTREAM"],
    );
    ok(c, &["XADD", "stream:gone", "5-1", "f", "v"]);
    ok(c, &["XDEL", "stream:gone", "5-1"]);

    // Expiries.
    ok(c, &["SET", "exp:str", "v", "PXAT", "4102444800123"]);
    ok(c, &["RPUSH", "exp:list", "a", "b"]);
    ok(c, &["PEXPIREAT", "exp:list", "4102444800999"]);
    ok(c, &["HSET", "exp:hash", "f", "v"]);
    ok(c, &["EXPIRE", "exp:hash", "100000"]);

    // Other dbs.
    ok(c, &["SELECT", "1"]);
    ok(c, &["SET", "db1:key", "one"]);
    ok(c, &["SADD", "db1:set", "x", "y"]);
    ok(c, &["SET", "db1:exp", "z", "EX", "100000"]);
    ok(c, &["SELECT", "15"]);
    ok(c, &["SET", "str:int", "in db 15"]);
    ok(c, &["SELECT", "0"]);

    // A function library.
    ok(
        c,
        &[
            "FUNCTION",
            "LOAD",
            "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)",
        ],
    );
}

#[test]
fn redis_dumps_decode_to_what_redis_serves() {
    let redis = ServerProc::redis(&[]);
    let mut c = redis.connect();
    let tmp = std::env::temp_dir().join(format!("replscope-rdb-interop-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();

    build_data(&mut c);
    let (path, data) = save(&mut c, &tmp, "full.rdb");
    // The 1 MB string went through LZF.
    assert!(
        data.len() < 600_000,
        "dump of {} bytes: no LZF?",
        data.len()
    );
    let text = assert_content(&path, &mut c);
    // AUX fields in file order, as 7.0.15 writes them.
    assert!(
        text.starts_with(r#"{"aux":{"redis-ver":"7.0.15","redis-bits":"64","ctime":"#),
        "{}",
        &text[..200.min(text.len())]
    );
    assert!(text.contains(r#""aof-base":"0""#));

    // The summary names every encoding it read and says the checksum is fine.
    let out = run_check(&[path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let summary = String::from_utf8_lossy(&out.stdout).into_owned();
    for needle in [
        "AUX FIELD redis-ver = '7.0.15'",
        "Selecting DB ID 15",
        "Function library 'mylib'",
        "Checksum OK",
        "RDB looks OK",
        "keys read",
        "db 0:",
        "db 1:",
        "db 15:",
        "string=",
        "quicklist-v2=",
        "set-intset=",
        "set-hashtable=",
        "zset-listpack=",
        "zset-v2=",
        "hash-listpack=",
        "hash-hashtable=",
        "stream-v2=",
    ] {
        assert!(
            summary.contains(needle),
            "summary lacks {needle:?}:\n{summary}"
        );
    }
    assert_eq!(
        redis_check(&path).0,
        0,
        "redis-check-rdb rejects Redis's own dump"
    );

    drop(data);

    // Corruptions, on a smaller dump (without the 1 MB string) so that the damaged places
    // spread over every kind of value.
    ok(&mut c, &["DEL", "str:lzf1mb"]);
    let (_, small) = save(&mut c, &tmp, "small.rdb");
    corruptions(&tmp, &small);

    // Without compression and without checksum (`rdbchecksum` is immutable: another server).
    {
        let plain = ServerProc::redis(&["--rdbcompression", "no", "--rdbchecksum", "no"]);
        let mut c2 = plain.connect();
        build_data(&mut c2);
        let (path2, _) = save(&mut c2, &tmp, "nocomp.rdb");
        assert_content(&path2, &mut c2);
        let out = run_check(&[path2.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains("checksum disabled"), "{text}");
        assert_eq!(redis_check(&path2).0, 0);

        // A key that has expired but was not reclaimed is in the dump: counted as
        // "already expired", and listed in the JSON with its past expiry.
        ok(&mut c2, &["FLUSHALL"]);
        ok(&mut c2, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
        ok(&mut c2, &["SET", "gone", "v", "PXAT", "1000"]);
        ok(&mut c2, &["SET", "kept", "v"]);
        let (path4, _) = save(&mut c2, &tmp, "expired.rdb");
        let (rc, rtext) = redis_check(&path4);
        assert_eq!(rc, 0);
        assert!(rtext.contains("1 already expired"), "{rtext}");
        let out = run_check(&[path4.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains("[info] 1 already expired"), "{text}");
        let (_, v) = json_of(&path4);
        assert_eq!(
            v["databases"],
            json!({"0": {
                "gone": {"type": "string", "value": "v", "expire_ms": 1000},
                "kept": {"type": "string", "value": "v", "expire_ms": null},
            }})
        );
    }

    // An empty dump.
    ok(&mut c, &["FLUSHALL"]);
    ok(&mut c, &["FUNCTION", "FLUSH"]);
    let (path3, _) = save(&mut c, &tmp, "empty.rdb");
    let (_, v) = json_of(&path3);
    assert_eq!(v["databases"], json!({}));
    assert_eq!(v["functions"], json!([]));
    assert_eq!(v["aux"]["redis-ver"], json!("7.0.15"));
    let out = run_check(&[path3.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 keys read"));

    let _ = std::fs::remove_dir_all(&tmp);
}

/// The tool on a broken file: exit 1, an `[offset N]` line; and, where `redis-check-rdb`
/// also rejects it, agreement.
fn assert_broken(tmp: &Path, what: &str, data: &[u8]) {
    let path = tmp.join("broken.rdb");
    std::fs::write(&path, data).unwrap();
    let out = run_check(&[path.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{what}: accepted:\n{text}");
    assert!(text.contains("RDB ERROR DETECTED"), "{what}: {text}");
    let has_offset = text
        .lines()
        .skip_while(|l| !l.contains("RDB ERROR DETECTED"))
        .any(|l| l.starts_with("[offset "));
    assert!(has_offset, "{what}: no offset in the error:\n{text}");
    // --json: nothing on stdout, the error on stderr.
    let out = run_check(&["--json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{what}: --json accepted");
    assert!(out.stdout.is_empty(), "{what}: --json printed JSON");
    assert!(String::from_utf8_lossy(&out.stderr).contains("[offset "));
    let (rc, rtext) = redis_check(&path);
    assert_eq!(
        rc, 1,
        "{what}: we reject, redis-check-rdb accepts:\n{rtext}\nours:\n{text}"
    );
}

fn corruptions(tmp: &Path, data: &[u8]) {
    let n = data.len();
    // Truncation anywhere.
    let mut cuts: Vec<usize> = vec![0, 3, 9, 10, 30, n / 2, n - 9, n - 8, n - 1];
    cuts.extend((1..40).map(|i| i * n / 40));
    for cut in cuts {
        assert_broken(tmp, &format!("truncated at {cut}"), &data[..cut]);
    }
    // A flipped byte, in many places (the CRC catches what the structure does not).
    for i in 1..60 {
        let pos = 9 + i * (n - 20) / 60;
        let mut d = data.to_vec();
        d[pos] ^= 0x5a;
        assert_broken(tmp, &format!("byte {pos} flipped"), &d);
    }
    // A wrong CRC.
    let mut d = data.to_vec();
    d[n - 1] ^= 1;
    assert_broken(tmp, "wrong CRC", &d);
    let out = {
        let path = tmp.join("broken.rdb");
        std::fs::write(&path, &d).unwrap();
        run_check(&[path.to_str().unwrap()])
    };
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(
        text.contains("crc") || text.contains("checksum"),
        "wrong CRC not named: {text}"
    );
    // A zero CRC means "not computed": both tools accept it.
    let mut d = data.to_vec();
    d[n - 8..].fill(0);
    let path = tmp.join("nocrc.rdb");
    std::fs::write(&path, &d).unwrap();
    assert_eq!(redis_check(&path).0, 0);
    let out = run_check(&[path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    // A bad version.
    let mut d = data.to_vec();
    d[5..9].copy_from_slice(b"0012");
    assert_broken(tmp, "version 12", &d);
    let mut d = data.to_vec();
    d[0] = b'X';
    assert_broken(tmp, "bad magic", &d);
}
