//! Our RDB encoder against the real Redis 7.0.15 tools: a varied keyspace (every type and
//! encoding, binary data, expiries, several databases, LZF strings and compressed quicklist
//! nodes) is encoded to a file, `redis-check-rdb` must accept it, and a real `redis-server`
//! started on it must hold exactly the same data: values, types, `OBJECT ENCODING`, expiry
//! times, per-db sizes and `DEBUG DIGEST` (compared with the core's digest of the keyspace).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{parse_reply, tool, Conn, Reply, ServerProc};
use replscope_core::config::Config;
use replscope_core::keyspace::{Keyspace, Value};
use replscope_core::rdb::encode::{encode, EncodeOptions};
use replscope_core::rdb::load::value_from_rdb;
use replscope_core::rdb::model::{RdbValue, StreamConsumer, StreamData, StreamGroup, StreamId};

/// Far in the future (2100-01-01).
const FUTURE: i64 = 4_102_444_800_000;

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn bytes(&mut self, max: u64) -> Vec<u8> {
        let n = self.below(max + 1);
        match self.below(4) {
            0 => (0..n).map(|_| self.next() as u8).collect(),
            1 => (self.next() as i64 >> self.below(60))
                .to_string()
                .into_bytes(),
            2 => vec![b'a' + self.below(3) as u8; n as usize],
            _ => (0..n).map(|_| b'a' + self.below(26) as u8).collect(),
        }
    }
}

fn sid(ms: u64, seq: u64) -> StreamId {
    StreamId { ms, seq }
}

fn fv(pairs: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
    pairs
        .iter()
        .map(|(f, v)| (f.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

/// A stream with two groups, a PEL and consumers.
fn stream_value() -> StreamData {
    let mut entries = vec![];
    for i in 0..130u64 {
        let fields = if i % 10 == 3 {
            fv(&[("other", "x"), ("n", &i.to_string())])
        } else {
            fv(&[("f", &format!("value-{i}")), ("g", &i.to_string())])
        };
        entries.push((sid(1_700_000_000_000 + i / 2, i % 2), fields));
    }
    let last = entries.last().unwrap().0;
    StreamData {
        length: entries.len() as u64,
        last_id: last,
        first_id: entries[0].0,
        max_deleted_entry_id: sid(0, 0),
        entries_added: entries.len() as u64,
        entries,
        groups: vec![
            StreamGroup {
                name: b"g1".to_vec(),
                last_id: sid(1_700_000_000_001, 1),
                entries_read: Some(4),
                pel: vec![
                    (sid(1_700_000_000_000, 0), 1_700_000_000_500, 1),
                    (sid(1_700_000_000_001, 1), 1_700_000_000_600, 3),
                ],
                consumers: vec![
                    StreamConsumer {
                        name: b"bob".to_vec(),
                        seen_time: 1_700_000_000_600,
                        active_time: None,
                        pel: vec![sid(1_700_000_000_001, 1)],
                    },
                    StreamConsumer {
                        name: b"alice".to_vec(),
                        seen_time: 1_700_000_000_500,
                        active_time: None,
                        pel: vec![sid(1_700_000_000_000, 0)],
                    },
                ],
            },
            StreamGroup {
                name: b"a-group".to_vec(),
                last_id: sid(0, 0),
                entries_read: None,
                pel: vec![],
                consumers: vec![],
            },
        ],
    }
}

/// The keyspace under test: fixed cases for every encoding plus random keys.
fn keyspace(c: &Config) -> Keyspace {
    let mut ks = Keyspace::new(16);
    let mut put = |db: usize, key: &[u8], v: RdbValue, exp: Option<i64>| {
        let v = value_from_rdb(v, c).unwrap();
        ks.dbs[db].set(key, v, false);
        if let Some(e) = exp {
            ks.dbs[db].set_expire(key, e);
        }
    };
    let s = |x: &str| x.as_bytes().to_vec();
    put(0, b"str:int", RdbValue::string(s("-123456")), None);
    put(
        0,
        b"str:bigint",
        RdbValue::string(s("9223372036854775807")),
        None,
    );
    put(0, b"str:007", RdbValue::string(s("007")), None);
    put(
        0,
        b"str:emb",
        RdbValue::string(s("hello world")),
        Some(FUTURE),
    );
    put(0, b"str:lzf", RdbValue::string(vec![b'z'; 500]), None);
    put(
        0,
        b"str:bin\x00\xff",
        RdbValue::string(vec![0, 1, 2, 255, 13, 10]),
        None,
    );
    put(0, b"str:empty", RdbValue::string(vec![]), None);
    put(
        1,
        b"12345",
        RdbValue::string(s("int key")),
        Some(FUTURE + 1),
    );
    put(
        0,
        b"list:small",
        RdbValue::list(vec![s("a"), s("1"), s("-7"), vec![0, 255]]),
        None,
    );
    let big: Vec<Vec<u8>> = (0..5000)
        .map(|i| format!("element-{i}").into_bytes())
        .collect();
    put(0, b"list:big", RdbValue::list(big), None);
    put(
        0,
        b"set:ints",
        RdbValue::set(vec![s("5"), s("-1"), s("100000000000")]),
        None,
    );
    put(
        0,
        b"set:strs",
        RdbValue::set(vec![s("x"), s("1"), vec![0xff]]),
        None,
    );
    let many: Vec<Vec<u8>> = (0..600).map(|i| i.to_string().into_bytes()).collect();
    put(2, b"set:bigints", RdbValue::set(many), None);
    put(
        0,
        b"zset:lp",
        RdbValue::zset(vec![
            (s("a"), 1.0),
            (s("b"), 0.1),
            (s("c"), -2.5e-300),
            (s("d"), f64::INFINITY),
            (s("e"), f64::NEG_INFINITY),
            (s("f"), 1e20),
        ]),
        None,
    );
    put(
        0,
        b"zset:sl",
        RdbValue::zset((0..200).map(|i| (format!("m{i}").into_bytes(), i as f64 / 3.0))),
        Some(FUTURE),
    );
    put(
        3,
        b"zset:long",
        RdbValue::zset(vec![(vec![b'q'; 100], 1.0), (s("w"), -0.0)]),
        None,
    );
    put(
        0,
        b"hash:lp",
        RdbValue::hash(vec![
            (s("f1"), s("v1")),
            (s("n"), s("42")),
            (vec![0], vec![]),
        ]),
        None,
    );
    put(
        0,
        b"hash:ht",
        RdbValue::hash(vec![(s("f"), vec![b'v'; 100]), (s("g"), s("1"))]),
        None,
    );
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = (0..700)
        .map(|i| {
            (
                format!("field{i}").into_bytes(),
                format!("{i}").into_bytes(),
            )
        })
        .collect();
    put(4, b"hash:many", RdbValue::hash(pairs), None);
    put(
        0,
        b"stream",
        RdbValue::Stream(Box::new(stream_value())),
        None,
    );
    put(
        5,
        b"stream:empty",
        RdbValue::Stream(Box::new(StreamData {
            last_id: sid(5, 5),
            entries_added: 3,
            max_deleted_entry_id: sid(5, 5),
            ..StreamData::default()
        })),
        None,
    );
    // Random keys.
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    for i in 0..300 {
        let db = g.below(4) as usize;
        let mut key = g.bytes(12);
        key.extend_from_slice(format!(":{i}").as_bytes());
        let n = 1 + g.below(20) as usize;
        let v = match g.below(5) {
            0 => RdbValue::string(g.bytes(80)),
            1 => RdbValue::list((0..n).map(|_| g.bytes(30)).collect::<Vec<_>>()),
            2 => {
                let mut m: Vec<Vec<u8>> = (0..n).map(|_| g.bytes(10)).collect();
                m.sort();
                m.dedup();
                RdbValue::set(m)
            }
            3 => {
                let mut m: Vec<Vec<u8>> = (0..n).map(|_| g.bytes(70)).collect();
                m.sort();
                m.dedup();
                RdbValue::zset(
                    m.into_iter()
                        .map(|x| (x, (g.next() as i64 >> g.below(63)) as f64 / 7.0))
                        .collect::<Vec<_>>(),
                )
            }
            _ => {
                let mut m: Vec<Vec<u8>> = (0..n).map(|_| g.bytes(70)).collect();
                m.sort();
                m.dedup();
                RdbValue::hash(m.into_iter().map(|f| (f, g.bytes(70))).collect::<Vec<_>>())
            }
        };
        let exp = (g.below(3) == 0).then(|| FUTURE + g.below(1_000_000) as i64);
        put(db, &key, v, exp);
    }
    ks
}

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("replscope-rdb-encode-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `redis-check-rdb FILE` must exit 0.
fn check_rdb(path: &Path) {
    let out = Command::new(tool("redis-check-rdb"))
        .arg(path)
        .output()
        .expect("run redis-check-rdb");
    assert!(
        out.status.success(),
        "redis-check-rdb failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn parsed(raw: &[u8]) -> Reply {
    parse_reply(raw).unwrap().unwrap().0
}

fn call(c: &mut Conn, args: &[&[u8]]) -> Reply {
    parsed(&c.cmd(args))
}

fn bulk(r: &Reply) -> Vec<u8> {
    match r {
        Reply::Blob(_, Some(b)) | Reply::Line(_, b) => b.clone(),
        other => panic!("not a string: {other:?}"),
    }
}

fn items(r: &Reply) -> Vec<Reply> {
    match r {
        Reply::Agg(_, Some(v)) => v.clone(),
        other => panic!("not an array: {other:?}"),
    }
}

fn bulks(r: &Reply) -> Vec<Vec<u8>> {
    items(r).iter().map(bulk).collect()
}

fn int(r: &Reply) -> i64 {
    String::from_utf8(bulk(r)).unwrap().parse().unwrap()
}

fn id_text(id: StreamId) -> Vec<u8> {
    format!("{}-{}", id.ms, id.seq).into_bytes()
}

/// Compare one key of the real server with our value.
fn compare_key(c: &mut Conn, key: &[u8], v: &Value, expire: Option<i64>) {
    let k = String::from_utf8_lossy(key).into_owned();
    assert_eq!(
        bulk(&call(c, &[b"TYPE", key])),
        v.value_type().name().as_bytes(),
        "{k}"
    );
    assert_eq!(
        bulk(&call(c, &[b"OBJECT", b"ENCODING", key])),
        v.encoding_name().as_bytes(),
        "OBJECT ENCODING {k}"
    );
    assert_eq!(
        int(&call(c, &[b"PEXPIRETIME", key])),
        expire.unwrap_or(-1),
        "PEXPIRETIME {k}"
    );
    match v {
        Value::Str(s) => assert_eq!(bulk(&call(c, &[b"GET", key])), s.data.to_vec(), "{k}"),
        Value::List(l) => {
            let want: Vec<Vec<u8>> = l.iter().map(|e| e.to_vec()).collect();
            assert_eq!(bulks(&call(c, &[b"LRANGE", key, b"0", b"-1"])), want, "{k}");
        }
        Value::Set(s) => {
            let mut want: Vec<Vec<u8>> = s.iter().map(|e| e.to_vec()).collect();
            let mut got = bulks(&call(c, &[b"SMEMBERS", key]));
            want.sort();
            got.sort();
            assert_eq!(got, want, "{k}");
        }
        Value::ZSet(z) => {
            let got = bulks(&call(c, &[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"]));
            let want: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
            assert_eq!(got.len(), want.len() * 2, "{k}");
            for (pair, (m, s)) in got.chunks(2).zip(&want) {
                assert_eq!(&pair[0], m, "{k}");
                let score: f64 = replscope_core::util::parse_f64(&pair[1]).unwrap();
                assert_eq!(score, *s, "{k} {}", String::from_utf8_lossy(m));
            }
        }
        Value::Hash(h) => {
            let got = bulks(&call(c, &[b"HGETALL", key]));
            let mut got: Vec<(Vec<u8>, Vec<u8>)> = got
                .chunks(2)
                .map(|p| (p[0].clone(), p[1].clone()))
                .collect();
            let mut want: Vec<(Vec<u8>, Vec<u8>)> =
                h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            if h.encoding_name() == "hashtable" {
                got.sort();
                want.sort();
            }
            assert_eq!(got, want, "{k}");
        }
        Value::Stream(st) => {
            let d = &st.data;
            let got = items(&call(c, &[b"XRANGE", key, b"-", b"+"]));
            assert_eq!(got.len(), d.entries.len(), "{k}");
            for (e, (id, fields)) in got.iter().zip(&d.entries) {
                let e = items(e);
                assert_eq!(bulk(&e[0]), id_text(*id), "{k}");
                let flat: Vec<Vec<u8>> = fields
                    .iter()
                    .flat_map(|(f, v)| [f.clone(), v.clone()])
                    .collect();
                assert_eq!(bulks(&e[1]), flat, "{k}");
            }
            let info = items(&call(c, &[b"XINFO", b"STREAM", key]));
            let field = |name: &str| -> Reply {
                let i = info
                    .iter()
                    .position(|r| bulk(r) == name.as_bytes())
                    .unwrap_or_else(|| panic!("XINFO STREAM has no {name}"));
                info[i + 1].clone()
            };
            assert_eq!(bulk(&field("last-generated-id")), id_text(d.last_id), "{k}");
            assert_eq!(
                bulk(&field("max-deleted-entry-id")),
                id_text(d.max_deleted_entry_id),
                "{k}"
            );
            assert_eq!(int(&field("entries-added")) as u64, d.entries_added, "{k}");
            assert_eq!(int(&field("groups")) as usize, d.groups.len(), "{k}");
            let groups = items(&call(c, &[b"XINFO", b"GROUPS", key]));
            let mut want: Vec<&StreamGroup> = d.groups.iter().collect();
            want.sort_by(|a, b| a.name.cmp(&b.name));
            for (g, w) in groups.iter().zip(want) {
                let g = bulks_loose(g);
                assert_eq!(g[1], w.name, "{k}");
                assert_eq!(g[3], w.consumers.len().to_string().into_bytes(), "{k}");
                assert_eq!(g[5], w.pel.len().to_string().into_bytes(), "{k}");
                assert_eq!(g[7], id_text(w.last_id), "{k}");
                let er = w
                    .entries_read
                    .map_or(b"".to_vec(), |n| n.to_string().into_bytes());
                assert_eq!(g[9], er, "{k}");
                let cons = items(&call(c, &[b"XINFO", b"CONSUMERS", key, &w.name]));
                let mut wc: Vec<&StreamConsumer> = w.consumers.iter().collect();
                wc.sort_by(|a, b| a.name.cmp(&b.name));
                for (cr, wc) in cons.iter().zip(wc) {
                    let cr = bulks_loose(cr);
                    assert_eq!(cr[1], wc.name, "{k}");
                    assert_eq!(cr[3], wc.pel.len().to_string().into_bytes(), "{k}");
                }
            }
        }
    }
}

/// The elements of a flat array as bytes, a null as empty.
fn bulks_loose(r: &Reply) -> Vec<Vec<u8>> {
    items(r)
        .iter()
        .map(|x| match x {
            Reply::Blob(_, None) => Vec::new(),
            other => bulk(other),
        })
        .collect()
}

fn run(opts: &EncodeOptions, tag: &str) {
    let c = Config::default();
    let ks = keyspace(&c);
    let aux = [
        ("redis-ver", b"7.0.15".to_vec()),
        ("redis-bits", b"64".to_vec()),
        ("ctime", b"1706821741".to_vec()),
        ("used-mem", b"1098928".to_vec()),
        ("aof-base", b"0".to_vec()),
    ];
    let bytes = encode(&ks, &aux, &[], opts);
    let dir = temp_dir().join(tag);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("dump.rdb");
    std::fs::write(&file, &bytes).unwrap();
    check_rdb(&file);

    let dir_s = dir.display().to_string();
    let fill = opts.list_max_listpack_size.to_string();
    let depth = opts.list_compress_depth.to_string();
    let he = c.hash_max_listpack_entries.to_string();
    let hv = c.hash_max_listpack_value.to_string();
    let ze = c.zset_max_listpack_entries.to_string();
    let zv = c.zset_max_listpack_value.to_string();
    let si = c.set_max_intset_entries.to_string();
    let mut srv = ServerProc::redis(&[
        "--dir",
        &dir_s,
        "--dbfilename",
        "dump.rdb",
        "--list-max-listpack-size",
        &fill,
        "--list-compress-depth",
        &depth,
        "--hash-max-listpack-entries",
        &he,
        "--hash-max-listpack-value",
        &hv,
        "--zset-max-listpack-entries",
        &ze,
        "--zset-max-listpack-value",
        &zv,
        "--set-max-intset-entries",
        &si,
    ]);
    srv.assert_serving("after loading our RDB");
    assert!(
        srv.log()
            .contains(&format!("keys loaded: {}", ks.total_keys())),
        "log:\n{}",
        srv.log()
    );
    let mut conn = srv.connect();
    for (i, db) in ks.dbs.iter().enumerate() {
        call(&mut conn, &[b"SELECT", i.to_string().as_bytes()]);
        assert_eq!(
            int(&call(&mut conn, &[b"DBSIZE"])) as usize,
            db.len(),
            "db {i}"
        );
        for (k, v) in db.iter() {
            compare_key(&mut conn, k, v, db.expire_of(k));
        }
    }
    let digest = replscope_core::cmd::digest_hex(&replscope_core::cmd::dataset_digest(&ks));
    assert_eq!(
        String::from_utf8(bulk(&call(&mut conn, &[b"DEBUG", b"DIGEST"]))).unwrap(),
        digest
    );
    drop(srv);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn real_redis_loads_our_rdb_default_options() {
    run(&EncodeOptions::default(), "default");
}

#[test]
fn real_redis_loads_our_rdb_compressed_nodes_no_checksum() {
    run(
        &EncodeOptions {
            compression: true,
            checksum: false,
            list_max_listpack_size: -1,
            list_compress_depth: 1,
        },
        "compressed",
    );
}

#[test]
fn real_redis_loads_our_rdb_plain_small_nodes() {
    run(
        &EncodeOptions {
            compression: false,
            checksum: true,
            list_max_listpack_size: 3,
            list_compress_depth: 2,
        },
        "plain",
    );
}

#[test]
fn expired_keys_are_written_and_dropped_by_a_master() {
    let c = Config::default();
    let mut ks = Keyspace::new(16);
    ks.dbs[0].set(
        b"gone",
        value_from_rdb(RdbValue::string(b"x"), &c).unwrap(),
        false,
    );
    ks.dbs[0].set_expire(b"gone", 1000);
    ks.dbs[0].set(
        b"kept",
        value_from_rdb(RdbValue::string(b"y"), &c).unwrap(),
        false,
    );
    let bytes = encode(&ks, &[], &[], &EncodeOptions::default());
    let dir = temp_dir().join("expired");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("dump.rdb"), &bytes).unwrap();
    check_rdb(&dir.join("dump.rdb"));
    let dir_s = dir.display().to_string();
    let srv = ServerProc::redis(&["--dir", &dir_s, "--dbfilename", "dump.rdb"]);
    let mut conn = srv.connect();
    assert_eq!(int(&call(&mut conn, &[b"DBSIZE"])), 1);
    assert!(
        srv.log().contains("keys loaded: 1, keys expired: 1"),
        "{}",
        srv.log()
    );
    drop(srv);
    let _ = std::fs::remove_dir_all(&dir);
}
