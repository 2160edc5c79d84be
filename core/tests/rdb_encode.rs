//! The RDB encoder and loader.
//!
//! Expected bytes were taken from redis-server 7.0.15: whole files from spec §15, and single
//! values from `DUMP key` (whose payload is the RDB type byte and value followed by a
//! 2-byte version and the CRC64, which are cut off here) after `CONFIG SET rdbcompression no`
//! and default encoding thresholds, the values created by the commands quoted next to them.

use replscope_core::config::Config;
use replscope_core::keyspace::hash::HashValue;
use replscope_core::keyspace::list::ListValue;
use replscope_core::keyspace::set::SetValue;
use replscope_core::keyspace::stream::StreamValue;
use replscope_core::keyspace::zset::ZSetValue;
use replscope_core::keyspace::{Keyspace, Value};
use replscope_core::rdb::encode::{encode, encode_object, EncodeOptions};
use replscope_core::rdb::load::{load_file, value_from_rdb, value_from_rdb_typed, LoadStats};
use replscope_core::rdb::model::{
    RdbFile, RdbKey, RdbValue, StreamConsumer, StreamData, StreamGroup, StreamId,
};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn plain() -> EncodeOptions {
    EncodeOptions {
        compression: false,
        ..EncodeOptions::default()
    }
}

/// Type byte + body of `v`, hex.
fn obj(v: &Value, opts: &EncodeOptions) -> String {
    let (t, body) = encode_object(v, opts).expect("non-empty value");
    let mut all = vec![t];
    all.extend_from_slice(&body);
    hex(&all)
}

/// A DUMP payload without its 10-byte trailer.
fn dump_body(d: &str) -> String {
    d[..d.len() - 20].to_string()
}

fn list(items: &[&[u8]]) -> Value {
    let mut l = ListValue::new();
    for i in items {
        l.push(i, false);
    }
    Value::List(l)
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

#[test]
fn empty_dump_is_redis_s() {
    let ks = Keyspace::new(16);
    let out = encode(&ks, &[], &[], &EncodeOptions::default());
    assert_eq!(hex(&out), "524544495330303130ffa9fd37fe89a77eeb");
    let out = encode(
        &ks,
        &[],
        &[],
        &EncodeOptions {
            checksum: false,
            ..EncodeOptions::default()
        },
    );
    assert_eq!(hex(&out), "524544495330303130ff0000000000000000");
}

#[test]
fn aux_fields_int_encoded_as_redis() {
    // spec §15 crafted/empty-v10-with-aux.rdb, accepted by 7.0.15.
    let ks = Keyspace::new(16);
    let aux = [
        ("redis-ver", b"7.0.15".to_vec()),
        ("redis-bits", b"64".to_vec()),
        ("ctime", b"1706821741".to_vec()),
        ("used-mem", b"1098928".to_vec()),
        ("aof-base", b"0".to_vec()),
    ];
    let out = encode(&ks, &aux, &[], &EncodeOptions::default());
    assert_eq!(
        hex(&out),
        "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa05\
         6374696d65c26d08bc65fa08757365642d6d656dc2b0c41000fa08616f662d62617365c000ffde2ba9b45f\
         3998d0"
    );
}

#[test]
fn strings_as_dump() {
    let o = plain();
    // SET s1 hello / SET s2 12345 / SET s3 007 / SET s4 <30 x>
    assert_eq!(
        obj(&Value::string(b"hello"), &o),
        dump_body("000568656c6c6f0a006372df766534200a")
    );
    assert_eq!(
        obj(&Value::string(b"12345"), &o),
        dump_body("00c139300a009d94ea2793fc08b9")
    );
    assert_eq!(
        obj(&Value::string(b"007"), &o),
        dump_body("00033030370a007258e27b4c69bad9")
    );
    assert_eq!(
        obj(&Value::string(&[b'x'; 30]), &o),
        dump_body(
            "001e7878787878787878787878787878787878787878787878787878787878780a00a166787687a2e843"
        )
    );
    // Out of int32 range: text.
    assert_eq!(
        obj(&Value::string(b"2147483648"), &o),
        "000a32313437343833363438"
    );
    assert_eq!(obj(&Value::string(b"-2147483648"), &o), "00c200000080");
}

#[test]
fn lzf_strings_round_trip_through_the_decompressor() {
    let v = vec![b'a'; 100];
    let (_, body) = encode_object(&Value::string(&v), &EncodeOptions::default()).unwrap();
    assert_eq!(body[0], 0xC3);
    // C3, clen, ulen (14-bit 100), data
    assert_eq!(&body[2..4], &[0x40, 0x64]);
    let clen = body[1] as usize;
    let out = replscope_core::rdb::lzf::decompress(&body[4..], 100).unwrap();
    assert_eq!(out, v);
    assert_eq!(body.len(), 4 + clen);
    // Incompressible text stays raw.
    let s = b"abcdefghijklmnopqrstuvwxyz";
    let (_, body) = encode_object(&Value::string(s), &EncodeOptions::default()).unwrap();
    assert_eq!(body[0] as usize, s.len());
}

#[test]
fn list_as_dump() {
    // RPUSH l1 1 2 3 abc -5 100000
    let v = list(&[b"1", b"2", b"3", b"abc", b"-5", b"100000"]);
    assert_eq!(
        obj(&v, &plain()),
        dump_body(
            "1201021a1a00000006000101020103018361626304dffb02f2a0860104ff0a00e8445d9846b4227f"
        )
    );
}

#[test]
fn sets_as_dump() {
    // SADD i1 3 1 2 -70000
    let mut s = SetValue::new_for(b"3");
    for m in [&b"3"[..], b"1", b"2", b"-70000"] {
        s.add(m, 512);
    }
    assert_eq!(
        obj(&Value::Set(s), &plain()),
        dump_body("0b18040000000400000090eefeff0100000002000000030000000a00a8b63c622cbf2c9c")
    );
    // SADD t1 abc
    let mut s = SetValue::new_for(b"abc");
    s.add(b"abc", 512);
    assert_eq!(
        obj(&Value::Set(s), &plain()),
        dump_body("0201036162630a00a3cbec4c8c2f31f0")
    );
}

#[test]
fn zsets_as_dump() {
    // ZADD z1 1 a 2.5 b -3 c 1e20 d
    let mut z = ZSetValue::default();
    for (m, s) in [("a", 1.0), ("b", 2.5), ("c", -3.0), ("d", 1e20)] {
        z.insert(m.as_bytes(), s);
    }
    assert_eq!(
        obj(&Value::ZSet(z), &plain()),
        dump_body(
            "1124240000000800816302dffd02816102010181620283322e35048164028531652b323006ff0a00fa2fa3\
             233c43ef1d"
        )
    );
    // ZADD z2 1 <70 a> 2.5 b: skiplist, highest score first.
    let mut z = ZSetValue::new_skiplist();
    z.insert(&[b'a'; 70], 1.0);
    z.insert(b"b", 2.5);
    assert_eq!(
        obj(&Value::ZSet(z), &plain()),
        dump_body(
            "050201620000000000000440404661616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161000000000000f03f0a00a3b27c4d4a5c3aeb"
        )
    );
}

#[test]
fn hashes_as_dump() {
    // HSET h1 a b n 12
    let mut h = HashValue::new();
    h.set(b"a", b"b", 128, 64);
    h.set(b"n", b"12", 128, 64);
    assert_eq!(
        obj(&Value::Hash(h), &plain()),
        dump_body("1012120000000400816102816202816e020c01ff0a001cdee7b71beb72df")
    );
    // HSET h2 <70 f> v
    let mut h = HashValue::new();
    h.set(&[b'f'; 70], b"v", 128, 64);
    assert_eq!(
        obj(&Value::Hash(h), &plain()),
        dump_body(
            "040140466666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666601760a00a915856d634cd07a"
        )
    );
}

/// XADD x1 1-1 f v g 1 / XADD x1 2-0 f w g 2 / XADD x1 3-0 other z /
/// XGROUP CREATE x1 grp 0 / XREADGROUP GROUP grp alice COUNT 1 STREAMS x1 >
fn sample_stream() -> StreamData {
    let t = u64::from_le_bytes(unhex("0b55b22ea2010000").try_into().unwrap());
    StreamData {
        entries: vec![
            (sid(1, 1), fv(&[("f", "v"), ("g", "1")])),
            (sid(2, 0), fv(&[("f", "w"), ("g", "2")])),
            (sid(3, 0), fv(&[("other", "z")])),
        ],
        length: 3,
        last_id: sid(3, 0),
        first_id: sid(1, 1),
        max_deleted_entry_id: sid(0, 0),
        entries_added: 3,
        groups: vec![StreamGroup {
            name: b"grp".to_vec(),
            last_id: sid(1, 1),
            entries_read: Some(1),
            pel: vec![(sid(1, 1), t, 1)],
            consumers: vec![StreamConsumer {
                name: b"alice".to_vec(),
                seen_time: t,
                active_time: None,
                pel: vec![sid(1, 1)],
            }],
        }],
    }
}

#[test]
fn stream_as_dump() {
    let v = Value::Stream(Box::new(StreamValue::new(sample_stream())));
    assert_eq!(
        obj(&v, &plain()),
        dump_body(
            "13011000000000000000010000000000000001404545000000190003010001020181660281670200010201\
             000100018176020101050102010101dfff028177020201050100010201dfff020101856f7468657206817a\
             020601ff0303000101000003010367727001010101000000000000000100000000000000010b55b22ea201\
             0000010105616c6963650b55b22ea20100000100000000000000010000000000000001\
             0a0004c4ee18931c1faf"
        )
    );
}

#[test]
fn empty_collections_are_not_written() {
    let mut ks = Keyspace::new(16);
    ks.dbs[0].set(b"l", Value::List(ListValue::new()), false);
    ks.dbs[0].set(b"s", Value::string(b""), false);
    assert!(encode_object(&Value::List(ListValue::new()), &plain()).is_none());
    let out = encode(&ks, &[], &[], &plain());
    // SELECTDB 0, RESIZEDB 2 0, then only the string.
    assert_eq!(
        hex(&out[9..out.len() - 9]),
        "fe00fb0200".to_string() + "0001730" + "0"
    );
}

#[test]
fn keys_with_expiry_and_dbs() {
    let mut ks = Keyspace::new(16);
    ks.dbs[0].set(b"a", Value::string(b"1"), false);
    ks.dbs[0].set_expire(b"a", 1_700_000_000_000);
    ks.dbs[3].set(b"b", Value::string(b"x"), false);
    let out = encode(&ks, &[], &[b"#!lua name=f\n".to_vec()], &plain());
    let body = hex(&out[9..out.len() - 9]);
    assert_eq!(
        body,
        format!(
            "f50d{}fe00fb0101fc{}0001 61c001fe03fb01000001620178",
            hex(b"#!lua name=f\n"),
            hex(&1_700_000_000_000i64.to_le_bytes())
        )
        .replace(' ', "")
    );
}

/// RDB length at `d[*i]` (forms 6/14/32-bit).
fn rlen(d: &[u8], i: &mut usize) -> usize {
    let b = d[*i];
    match b >> 6 {
        0 => {
            *i += 1;
            (b & 63) as usize
        }
        1 => {
            let v = (((b & 63) as usize) << 8) | d[*i + 1] as usize;
            *i += 2;
            v
        }
        _ => {
            assert_eq!(b, 0x80);
            let v = u32::from_be_bytes(d[*i + 1..*i + 5].try_into().unwrap()) as usize;
            *i += 5;
            v
        }
    }
}

/// (entries, listpack bytes) of each node of an uncompressed type-18 body.
fn ql_nodes(items: &[Vec<u8>], fill: i64) -> Vec<(usize, usize)> {
    let mut l = ListValue::new();
    for x in items {
        l.push(x, false);
    }
    let opts = EncodeOptions {
        list_max_listpack_size: fill,
        ..plain()
    };
    let (t, d) = encode_object(&Value::List(l), &opts).unwrap();
    assert_eq!(t, 18);
    let mut i = 0;
    let n = rlen(&d, &mut i);
    let mut out = vec![];
    for _ in 0..n {
        assert_eq!(rlen(&d, &mut i), 2);
        let len = rlen(&d, &mut i);
        let blob = &d[i..i + len];
        i += len;
        out.push((u16::from_le_bytes([blob[4], blob[5]]) as usize, len));
    }
    assert_eq!(i, d.len());
    out
}

#[test]
fn quicklist_nodes_split_as_redis() {
    // RPUSH L element000 .. element1999 (list-max-listpack-size -2)
    let items: Vec<Vec<u8>> = (0..2000)
        .map(|i| format!("element{i:03}").into_bytes())
        .collect();
    assert_eq!(
        ql_nodes(&items, -2),
        vec![(681, 8179), (653, 8177), (629, 8184), (37, 488)]
    );
    // RPUSH B <300 y> x100
    let items: Vec<Vec<u8>> = (0..100).map(|_| vec![b'y'; 300]).collect();
    assert_eq!(
        ql_nodes(&items, -2),
        vec![(26, 7911), (26, 7911), (26, 7911), (22, 6695)]
    );
    // list-max-listpack-size 5; RPUSH C 0 .. 22
    let items: Vec<Vec<u8>> = (0..23).map(|i| i.to_string().into_bytes()).collect();
    assert_eq!(
        ql_nodes(&items, 5),
        vec![(5, 17), (5, 17), (5, 17), (5, 17), (3, 13)]
    );
    // list-max-listpack-size -1; RPUSH D <i%200 z> for i in 0..300
    let items: Vec<Vec<u8>> = (0..300).map(|i| vec![b'z'; i % 200]).collect();
    assert_eq!(
        ql_nodes(&items, -1),
        vec![
            (88, 4035),
            (37, 4040),
            (28, 3996),
            (24, 4051),
            (21, 4018),
            (86, 4086),
            (16, 1519)
        ]
    );
}

fn cfg() -> Config {
    Config::default()
}

#[test]
fn load_picks_7_0_encodings() {
    let c = cfg();
    let v = value_from_rdb(RdbValue::string(b"123"), &c).unwrap();
    assert_eq!(v.encoding_name(), "int");
    let v = value_from_rdb(RdbValue::string(vec![b'x'; 45]), &c).unwrap();
    assert_eq!(v.encoding_name(), "raw");
    let v = value_from_rdb(RdbValue::set(vec![b"3".to_vec(), b"1".to_vec()]), &c).unwrap();
    assert_eq!(v.encoding_name(), "intset");
    let v = value_from_rdb(RdbValue::set(vec![b"3".to_vec(), b"a".to_vec()]), &c).unwrap();
    assert_eq!(v.encoding_name(), "hashtable");
    let many: Vec<Vec<u8>> = (0..513).map(|i| i.to_string().into_bytes()).collect();
    let v = value_from_rdb(RdbValue::set(many), &c).unwrap();
    assert_eq!(v.encoding_name(), "hashtable");
    let v = value_from_rdb(RdbValue::list(vec![b"a".to_vec()]), &c).unwrap();
    assert_eq!(v.encoding_name(), "quicklist");
    // Long field: hashtable from type 4, but listpack when it came as a listpack (16).
    let h = RdbValue::hash(vec![(vec![b'f'; 70], b"v".to_vec())]);
    assert_eq!(
        value_from_rdb(h.clone(), &c).unwrap().encoding_name(),
        "hashtable"
    );
    assert_eq!(
        value_from_rdb_typed(h, Some(16), &c)
            .unwrap()
            .encoding_name(),
        "listpack"
    );
    let z = RdbValue::zset(vec![(vec![b'm'; 70], 1.0)]);
    assert_eq!(
        value_from_rdb(z.clone(), &c).unwrap().encoding_name(),
        "skiplist"
    );
    assert_eq!(
        value_from_rdb_typed(z, Some(17), &c)
            .unwrap()
            .encoding_name(),
        "listpack"
    );
    let z = RdbValue::zset(vec![(b"b".to_vec(), 2.0), (b"a".to_vec(), 1.0)]);
    let v = value_from_rdb(z, &c).unwrap();
    assert_eq!(v.encoding_name(), "listpack");
    let Value::ZSet(z) = v else { panic!() };
    let order: Vec<_> = z.iter().map(|(m, _)| m.to_vec()).collect();
    assert_eq!(order, vec![b"a".to_vec(), b"b".to_vec()]);
    let v = value_from_rdb(RdbValue::Stream(Box::new(sample_stream())), &c).unwrap();
    assert_eq!(v.encoding_name(), "stream");
    assert_eq!(v.value_type().name(), "stream");
}

#[test]
fn load_errors_as_redis() {
    let c = cfg();
    let e = value_from_rdb(RdbValue::set(vec![b"1".to_vec(), b"1".to_vec()]), &c);
    assert_eq!(e.unwrap_err(), "Duplicate set members detected");
    let e = value_from_rdb(RdbValue::set(vec![b"a".to_vec(), b"a".to_vec()]), &c);
    assert_eq!(e.unwrap_err(), "Duplicate set members detected");
    let e = value_from_rdb(RdbValue::zset(vec![(b"a".to_vec(), f64::NAN)]), &c);
    assert_eq!(e.unwrap_err(), "Zset with NAN score detected");
    let e = value_from_rdb(
        RdbValue::zset(vec![(b"a".to_vec(), 1.0), (b"a".to_vec(), 2.0)]),
        &c,
    );
    assert_eq!(e.unwrap_err(), "Duplicate zset fields detected");
    let e = value_from_rdb(
        RdbValue::hash(vec![
            (b"a".to_vec(), b"1".to_vec()),
            (b"a".to_vec(), b"2".to_vec()),
        ]),
        &c,
    );
    assert_eq!(e.unwrap_err(), "Duplicate hash fields detected");
}

fn key(db: u64, k: &str, v: RdbValue, exp: Option<i64>) -> RdbKey {
    RdbKey {
        db,
        key: k.as_bytes().into(),
        value: v,
        expire_ms: exp,
        idle: None,
        freq: None,
        rdb_type: 0,
    }
}

#[test]
fn load_file_master_drops_expired_replica_keeps() {
    let c = cfg();
    let file = RdbFile {
        version: 10,
        keys: vec![
            key(0, "a", RdbValue::string(b"1"), Some(1000)),
            key(0, "b", RdbValue::string(b"2"), Some(5000)),
            key(2, "c", RdbValue::List(vec![]), None),
            key(2, "d", RdbValue::list(vec![b"x".to_vec()]), None),
        ],
        ..RdbFile::default()
    };
    let mut ks = Keyspace::new(16);
    ks.dbs[5].set(b"old", Value::string(b"v"), false);
    let st = load_file(&mut ks, file.clone(), &c, 2000, true).unwrap();
    assert_eq!(
        st,
        LoadStats {
            keys_loaded: 2,
            keys_expired: 1,
            empty_keys_skipped: 1
        }
    );
    assert!(ks.dbs[5].is_empty());
    assert!(!ks.dbs[0].contains(b"a"));
    assert_eq!(ks.dbs[0].expire_of(b"b"), Some(5000));
    assert!(ks.dbs[2].contains(b"d") && !ks.dbs[2].contains(b"c"));
    let mut ks = Keyspace::new(16);
    let st = load_file(&mut ks, file, &c, 2000, false).unwrap();
    assert_eq!(st.keys_loaded, 3);
    assert_eq!(ks.dbs[0].expire_of(b"a"), Some(1000));
}

#[test]
fn load_file_fatal_errors() {
    let c = cfg();
    let mut ks = Keyspace::new(16);
    ks.dbs[0].set(b"keep", Value::string(b"v"), false);
    let file = RdbFile {
        keys: vec![key(16, "a", RdbValue::string(b"1"), None)],
        ..RdbFile::default()
    };
    let e = load_file(&mut ks, file, &c, 0, true).unwrap_err();
    assert_eq!(
        e,
        "FATAL: Data file was created with a Redis server configured to handle more than 16 \
         databases. Exiting\n"
    );
    let file = RdbFile {
        keys: vec![
            key(1, "a", RdbValue::string(b"1"), None),
            key(1, "a", RdbValue::string(b"2"), None),
        ],
        ..RdbFile::default()
    };
    let e = load_file(&mut ks, file, &c, 0, true).unwrap_err();
    assert_eq!(e, "Duplicated key found in RDB file");
    // Untouched on error.
    assert!(ks.dbs[0].contains(b"keep"));
}

/// (master ms, master seq, listpack entries, listpack bytes) of each node of a type-19 body.
fn stream_nodes(data: StreamData) -> Vec<(u64, u64, usize, usize)> {
    let v = Value::Stream(Box::new(StreamValue::new(data)));
    let (t, d) = encode_object(&v, &plain()).unwrap();
    assert_eq!(t, 19);
    let mut i = 0;
    let n = rlen(&d, &mut i);
    let mut out = vec![];
    for _ in 0..n {
        let l = rlen(&d, &mut i);
        let mid = &d[i..i + l];
        i += l;
        let l = rlen(&d, &mut i);
        let blob = &d[i..i + l];
        i += l;
        out.push((
            u64::from_be_bytes(mid[..8].try_into().unwrap()),
            u64::from_be_bytes(mid[8..].try_into().unwrap()),
            u16::from_le_bytes([blob[4], blob[5]]) as usize,
            l,
        ));
    }
    out
}

/// A stream entry.
type Entry = (StreamId, Vec<(Vec<u8>, Vec<u8>)>);

fn stream_of(entries: Vec<Entry>) -> StreamData {
    let last = entries.last().map(|e| e.0).unwrap_or_default();
    let first = entries.first().map(|e| e.0).unwrap_or_default();
    StreamData {
        length: entries.len() as u64,
        entries_added: entries.len() as u64,
        last_id: last,
        first_id: first,
        entries,
        ..StreamData::default()
    }
}

#[test]
fn stream_nodes_split_as_redis() {
    // XADD S <1000+i/3>-<i%3> f v<i> for i in 0..250: 100 entries per node.
    let e = (0..250u64)
        .map(|i| {
            (
                sid(1000 + i / 3, i % 3),
                vec![(b"f".to_vec(), format!("v{i}").into_bytes())],
            )
        })
        .collect();
    assert_eq!(
        stream_nodes(stream_of(e)),
        vec![
            (1000, 0, 505, 1308),
            (1033, 1, 505, 1451),
            (1066, 2, 255, 751)
        ]
    );
    // XADD T <i+1>-1 <k x (i%7+1)> <x x 7i> for i in 0..40: 4096-byte nodes.
    let e = (0..40usize)
        .map(|i| {
            (
                sid(i as u64 + 1, 1),
                vec![(vec![b'k'; i % 7 + 1], vec![b'x'; i * 7])],
            )
        })
        .collect();
    assert_eq!(
        stream_nodes(stream_of(e)),
        vec![(1, 1, 219, 4071), (33, 1, 57, 2153)]
    );
}

// ---------------------------------------------------------------------------------------
// Round trip: keyspace → encode → decode → load gives the same keyspace.

mod round_trip {
    use super::*;
    use proptest::collection::{btree_map, btree_set, vec};
    use proptest::prelude::*;
    use replscope_core::rdb::decode::{decode_all, DecodeOptions};
    use std::collections::BTreeMap;

    /// Small thresholds so that both encodings of every type show up with small values.
    fn small_config() -> Config {
        Config {
            hash_max_listpack_entries: 4,
            hash_max_listpack_value: 8,
            zset_max_listpack_entries: 4,
            zset_max_listpack_value: 8,
            set_max_intset_entries: 4,
            ..Config::default()
        }
    }

    fn elem() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            vec(any::<u8>(), 0..12),
            any::<i64>().prop_map(|n| n.to_string().into_bytes()),
            (-300i64..300).prop_map(|n| n.to_string().into_bytes()),
            vec(prop_oneof![Just(b'a'), Just(b'b')], 0..60),
        ]
    }

    fn score() -> impl Strategy<Value = f64> {
        prop_oneof![
            (-1000i64..1000).prop_map(|n| n as f64),
            any::<f64>().prop_filter("no NaN", |f| !f.is_nan()),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(-0.0),
        ]
    }

    fn sid() -> impl Strategy<Value = StreamId> {
        (0u64..5, 0u64..4).prop_map(|(ms, seq)| StreamId { ms, seq })
    }

    fn stream() -> impl Strategy<Value = StreamData> {
        let entries = btree_map(
            (any::<u64>(), 0u64..3),
            vec((vec(any::<u8>(), 0..6), elem()), 1..4),
            0..12,
        );
        let groups = btree_map(
            vec(any::<u8>(), 0..5),
            (
                sid(),
                proptest::option::of(0u64..100),
                btree_map(sid(), (any::<u32>(), 0u64..5), 0..4),
                btree_set(vec(any::<u8>(), 0..5), 0..3),
            ),
            0..3,
        );
        (entries, groups, any::<u64>()).prop_map(|(entries, groups, added)| {
            let entries: Vec<_> = entries
                .into_iter()
                .map(|((ms, seq), f)| (StreamId { ms, seq }, f))
                .collect();
            let groups = groups
                .into_iter()
                .map(|(name, (last_id, entries_read, pel, consumers))| {
                    let pel: Vec<(StreamId, u64, u64)> = pel
                        .into_iter()
                        .map(|(id, (t, c))| (id, t as u64, c))
                        .collect();
                    let n = consumers.len();
                    let consumers = consumers
                        .into_iter()
                        .enumerate()
                        .map(|(ci, cname)| StreamConsumer {
                            name: cname,
                            seen_time: 1_700_000_000_000 + ci as u64,
                            active_time: None,
                            // Each PEL entry belongs to one consumer.
                            pel: pel
                                .iter()
                                .enumerate()
                                .filter(|(i, _)| i % n == ci)
                                .map(|(_, p)| p.0)
                                .collect(),
                        })
                        .collect();
                    StreamGroup {
                        name,
                        last_id,
                        entries_read,
                        pel,
                        consumers,
                    }
                })
                .collect();
            StreamData {
                length: entries.len() as u64,
                last_id: entries.last().map(|e| e.0).unwrap_or_default(),
                first_id: entries.first().map(|e| e.0).unwrap_or_default(),
                max_deleted_entry_id: StreamId::default(),
                entries_added: added,
                entries,
                groups,
            }
        })
    }

    fn rdb_value() -> impl Strategy<Value = RdbValue> {
        prop_oneof![
            elem().prop_map(RdbValue::string),
            vec(any::<u8>(), 0..200).prop_map(RdbValue::string),
            vec(elem(), 1..30).prop_map(RdbValue::list),
            btree_set(elem(), 1..8).prop_map(RdbValue::set),
            btree_map(elem(), score(), 1..8).prop_map(RdbValue::zset),
            btree_map(elem(), elem(), 1..8).prop_map(RdbValue::hash),
            stream().prop_map(|s| RdbValue::Stream(Box::new(s))),
        ]
    }

    type Dataset = BTreeMap<(u64, Vec<u8>), (RdbValue, Option<i64>)>;

    fn dataset() -> impl Strategy<Value = Dataset> {
        btree_map(
            (0u64..4, vec(any::<u8>(), 0..10)),
            (rdb_value(), proptest::option::of(any::<i64>())),
            0..12,
        )
    }

    fn build(ds: &Dataset, c: &Config) -> Keyspace {
        let mut ks = Keyspace::new(16);
        for ((db, key), (v, exp)) in ds {
            let v = value_from_rdb(v.clone(), c).unwrap();
            let d = &mut ks.dbs[*db as usize];
            d.set(key, v, false);
            if let Some(e) = exp {
                d.set_expire(key, *e);
            }
        }
        ks
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn encode_decode_load(
            ds in dataset(),
            compression in any::<bool>(),
            checksum in any::<bool>(),
            fill in prop_oneof![Just(-2i64), Just(-1), 1i64..5],
            depth in 0u64..3,
        ) {
            let c = small_config();
            let ks = build(&ds, &c);
            let opts = EncodeOptions {
                compression,
                checksum,
                list_max_listpack_size: fill,
                list_compress_depth: depth,
            };
            let aux = [("redis-ver", b"7.0.15".to_vec()), ("redis-bits", b"64".to_vec())];
            let bytes = encode(&ks, &aux, &[b"#!lua name=x\n".to_vec()], &opts);
            let file = decode_all(&bytes, DecodeOptions::default()).unwrap();
            prop_assert_eq!(file.version, 10);
            prop_assert_eq!(file.aux("redis-bits"), Some(&b"64"[..]));
            prop_assert_eq!(file.functions.len(), 1);
            let mut back = Keyspace::new(16);
            let st = load_file(&mut back, file, &c, 0, false).unwrap();
            prop_assert_eq!(st.keys_loaded as usize, ks.total_keys());
            for (i, (a, b)) in ks.dbs.iter().zip(&back.dbs).enumerate() {
                prop_assert_eq!(a.len(), b.len(), "db {}", i);
                for (k, v) in a.iter() {
                    let w = b.get(k);
                    prop_assert_eq!(Some(v), w, "db {} key {:?}", i, k);
                    prop_assert_eq!(v.encoding_name(), w.unwrap().encoding_name());
                    prop_assert_eq!(a.expire_of(k), b.expire_of(k));
                }
            }
            prop_assert_eq!(
                replscope_core::cmd::dataset_digest(&ks),
                replscope_core::cmd::dataset_digest(&back)
            );
        }
    }
}

/// DEBUG DIGEST of streams, from 7.0.15: `XADD s 5-3 a 1 bb xyz`, `XADD s 7-1 a 2`,
/// `XGROUP CREATE s g 0` (groups do not count), then in db 2 `XADD e 1-1 x y`, `XDEL e 1-1`.
#[test]
fn stream_digest_as_redis() {
    use replscope_core::cmd::{dataset_digest, digest_hex};
    let mut ks = Keyspace::new(16);
    let mut s = stream_of(vec![
        (sid(5, 3), fv(&[("a", "1"), ("bb", "xyz")])),
        (sid(7, 1), fv(&[("a", "2")])),
    ]);
    s.groups.push(StreamGroup {
        name: b"g".to_vec(),
        ..StreamGroup::default()
    });
    ks.dbs[0].set(b"s", Value::Stream(Box::new(StreamValue::new(s))), false);
    assert_eq!(
        digest_hex(&dataset_digest(&ks)),
        "834cd7e06470a4e695d60cfe689158c230f54fd7"
    );
    let mut e = stream_of(vec![]);
    e.last_id = sid(1, 1);
    ks.dbs[2].set(b"e", Value::Stream(Box::new(StreamValue::new(e))), false);
    assert_eq!(
        digest_hex(&dataset_digest(&ks)),
        "cd6ad24c34f479e8a54e35fdc609f513548eeca1"
    );
}

/// With `list-compress-depth 1`, 7.0.15 writes the interior nodes as LZF blobs (even with
/// `rdbcompression no`): `RPUSH L element000 .. element1999` dumps as raw 8179, LZF of 8177,
/// LZF of 8184, raw 488.
#[test]
fn quicklist_interior_nodes_compressed_as_redis() {
    let mut l = ListValue::new();
    for i in 0..2000 {
        l.push(format!("element{i:03}").as_bytes(), false);
    }
    let opts = EncodeOptions {
        list_compress_depth: 1,
        ..plain()
    };
    let (_, d) = encode_object(&Value::List(l), &opts).unwrap();
    let mut i = 0;
    let n = rlen(&d, &mut i);
    let mut shape = vec![];
    for _ in 0..n {
        assert_eq!(rlen(&d, &mut i), 2);
        if d[i] == 0xC3 {
            i += 1;
            let clen = rlen(&d, &mut i);
            let ulen = rlen(&d, &mut i);
            let blob = replscope_core::rdb::lzf::decompress(&d[i..i + clen], ulen).unwrap();
            assert_eq!(blob.len(), ulen);
            i += clen;
            shape.push(("lzf", ulen));
        } else {
            let len = rlen(&d, &mut i);
            i += len;
            shape.push(("raw", len));
        }
    }
    assert_eq!(i, d.len());
    assert_eq!(
        shape,
        vec![("raw", 8179), ("lzf", 8177), ("lzf", 8184), ("raw", 488)]
    );
}
