//! The RDB decoder: real dumps written by redis-server 7.0.15 (`core/tests/data/*.rdb`, made
//! with redis-cli + SAVE; the commands are in each test), hand-built dumps for the legacy and
//! 7.2 types, errors, and properties (chunking, truncation, bit flips).

use proptest::prelude::*;
use replscope_core::rdb::crc64::crc64;
use replscope_core::rdb::decode::{decode_all, DecodeOptions, Decoder};
use replscope_core::rdb::listpack::ListpackWriter;
use replscope_core::rdb::model::{StreamConsumer, StreamId};
use replscope_core::rdb::{RdbError, RdbFile, RdbItem, RdbKey, RdbValue};

const EMPTY: &[u8] = include_bytes!("data/empty.rdb");
const STRINGS: &[u8] = include_bytes!("data/strings.rdb");
const LFU: &[u8] = include_bytes!("data/lfu.rdb");
const LRU: &[u8] = include_bytes!("data/lru.rdb");
const COLLS: &[u8] = include_bytes!("data/colls.rdb");
const LISTS: &[u8] = include_bytes!("data/lists.rdb");
const STREAMS: &[u8] = include_bytes!("data/streams.rdb");
const FUNCTION: &[u8] = include_bytes!("data/function.rdb");

const ALL: &[&[u8]] = &[EMPTY, STRINGS, LFU, LRU, COLLS, LISTS, STREAMS, FUNCTION];

fn decode(data: &[u8]) -> RdbFile {
    decode_all(data, DecodeOptions::default()).expect("valid dump")
}

fn decode_err(data: &[u8]) -> RdbError {
    decode_all(data, DecodeOptions::default()).expect_err("invalid dump")
}

fn key<'a>(f: &'a RdbFile, name: &str) -> &'a RdbKey {
    f.keys
        .iter()
        .find(|k| k.key.as_slice() == name.as_bytes())
        .unwrap_or_else(|| panic!("key {name} missing"))
}

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn strs(v: &[&str]) -> Vec<Vec<u8>> {
    v.iter().map(|s| b(s)).collect()
}

fn id(ms: u64, seq: u64) -> StreamId {
    StreamId { ms, seq }
}

fn sorted(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v.sort();
    v
}

// ---------------------------------------------------------------- hand-built dumps

/// Builds a dump byte by byte.
struct Rdb(Vec<u8>);

impl Rdb {
    fn new(version: u32) -> Self {
        Rdb(format!("REDIS{version:04}").into_bytes())
    }
    fn byte(mut self, x: u8) -> Self {
        self.0.push(x);
        self
    }
    fn raw(mut self, x: &[u8]) -> Self {
        self.0.extend_from_slice(x);
        self
    }
    fn len(mut self, n: u64) -> Self {
        put_len(&mut self.0, n);
        self
    }
    fn str(mut self, s: &[u8]) -> Self {
        put_len(&mut self.0, s.len() as u64);
        self.0.extend_from_slice(s);
        self
    }
    /// EOF with the right CRC (v ≥ 5).
    fn eof(mut self) -> Vec<u8> {
        self.0.push(0xFF);
        if self.version() >= 5 {
            let crc = crc64(0, &self.0);
            self.0.extend_from_slice(&crc.to_le_bytes());
        }
        self.0
    }
    /// EOF with a stored checksum of 0 ("not computed").
    fn eof_nocrc(mut self) -> Vec<u8> {
        self.0.push(0xFF);
        self.0.extend_from_slice(&[0; 8]);
        self.0
    }
    fn version(&self) -> u32 {
        std::str::from_utf8(&self.0[5..9]).unwrap().parse().unwrap()
    }
}

/// The RDB length encoding (the encoder's, itself checked against 7.0.15 dumps).
fn put_len(out: &mut Vec<u8>, n: u64) {
    replscope_core::rdb::encode::write_len(out, n);
}

/// A ziplist of short strings and small integers (as `ziplist.c` lays it out).
fn ziplist(items: &[&str]) -> Vec<u8> {
    let mut entries = Vec::new();
    let mut prevlen = 0usize;
    let mut tail = 10;
    for it in items {
        let start = entries.len();
        tail = 10 + start;
        entries.push(prevlen as u8);
        match it.parse::<i8>() {
            Ok(n) if (0..=12).contains(&n) => entries.push(0xF1 + n as u8),
            Ok(n) => {
                entries.push(0xFE);
                entries.push(n as u8);
            }
            Err(_) => {
                entries.push(it.len() as u8);
                entries.extend_from_slice(it.as_bytes());
            }
        }
        prevlen = entries.len() - start;
    }
    let mut z = Vec::new();
    z.extend_from_slice(&((entries.len() + 11) as u32).to_le_bytes());
    z.extend_from_slice(&(tail as u32).to_le_bytes());
    z.extend_from_slice(&(items.len() as u16).to_le_bytes());
    z.extend_from_slice(&entries);
    z.push(0xFF);
    z
}

/// A listpack of strings.
fn listpack(items: &[&str]) -> Vec<u8> {
    let mut w = ListpackWriter::new();
    for it in items {
        w.push_str(it.as_bytes());
    }
    w.finish()
}

/// A zipmap of (field, value) pairs.
fn zipmap(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut z = vec![pairs.len() as u8];
    for (f, v) in pairs {
        z.push(f.len() as u8);
        z.extend_from_slice(f.as_bytes());
        z.push(v.len() as u8);
        z.push(0);
        z.extend_from_slice(v.as_bytes());
    }
    z.push(0xFF);
    z
}

// ---------------------------------------------------------------- real 7.0.15 dumps

#[test]
fn empty_dump() {
    let f = decode(EMPTY);
    assert_eq!(f.version, 10);
    assert_eq!(f.aux("redis-ver"), Some(&b"7.0.15"[..]));
    assert_eq!(f.aux("redis-bits"), Some(&b"64"[..]));
    assert_eq!(f.aux("aof-base"), Some(&b"0"[..]));
    assert!(f.aux("ctime").is_some());
    assert!(f.keys.is_empty());
    assert!(f.functions.is_empty());
    let stored = u64::from_le_bytes(EMPTY[EMPTY.len() - 8..].try_into().unwrap());
    assert_eq!(f.checksum, Some(stored));
    assert_eq!(stored, crc64(0, &EMPTY[..EMPTY.len() - 8]));
}

/// SET plain hello; SET i8 12; SET i8neg -5; SET i16 300; SET i32 70000;
/// SET big 2147483648; SET zeros 007; SET lzf <'a' x 100>; SET empty "";
/// SET 12345 intkey; SET withttl v PXAT 4102444800123; SELECT 3; SET db3key x;
/// SELECT 15; SET db15key y EXAT 4102444800
#[test]
fn strings_ints_lzf_expiry_dbs() {
    let f = decode(STRINGS);
    let s = |k: &str| match &key(&f, k).value {
        RdbValue::String(v) => v.to_vec(),
        v => panic!("{k}: {v:?}"),
    };
    assert_eq!(s("plain"), b("hello"));
    assert_eq!(s("i8"), b("12"));
    assert_eq!(s("i8neg"), b("-5"));
    assert_eq!(s("i16"), b("300"));
    assert_eq!(s("i32"), b("70000"));
    assert_eq!(s("big"), b("2147483648"));
    assert_eq!(s("zeros"), b("007"));
    assert_eq!(s("lzf"), vec![b'a'; 100]);
    assert_eq!(s("empty"), b(""));
    assert_eq!(s("12345"), b("intkey"));
    assert_eq!(s("withttl"), b("v"));
    // the LZF form and the int key are really in the file
    assert!(STRINGS.windows(2).any(|w| w == [0xC3, 0x09]));
    assert!(STRINGS.windows(3).any(|w| w == [0xC1, 0x39, 0x30]));
    for k in &f.keys {
        assert_eq!(k.rdb_type, 0);
        assert_eq!(k.idle, None);
        assert_eq!(k.freq, None);
    }
    assert_eq!(key(&f, "withttl").expire_ms, Some(4102444800123));
    assert_eq!(key(&f, "plain").expire_ms, None);
    assert_eq!(key(&f, "plain").db, 0);
    assert_eq!(key(&f, "db3key").db, 3);
    assert_eq!(key(&f, "db3key").expire_ms, None);
    assert_eq!(key(&f, "db15key").db, 15);
    assert_eq!(key(&f, "db15key").expire_ms, Some(4102444800000));
    assert_eq!(f.keys.len(), 13);
}

/// SET k v with maxmemory-policy allkeys-lfu / allkeys-lru.
#[test]
fn lfu_and_lru_metadata() {
    let f = decode(LFU);
    assert_eq!(f.keys[0].freq, Some(5));
    assert_eq!(f.keys[0].idle, None);
    let f = decode(LRU);
    assert!(f.keys[0].idle.is_some());
    assert_eq!(f.keys[0].freq, None);
}

/// HSET hsmall a 1 b 2 c hello; HSET hbig f1 v1 f2 <'x' x 76>;
/// ZADD zsmall 1 a 2.5 b -inf c inf d 0.1 e 1e20 f; ZADD zbig ... 3 <'y' x 80>;
/// SADD sint 3 1 2 -100 100000 9223372036854775807; SADD sstr a b c
#[test]
fn hashes_zsets_sets() {
    let f = decode(COLLS);
    let hs = key(&f, "hsmall");
    assert_eq!(hs.rdb_type, 16);
    assert_eq!(
        hs.value,
        RdbValue::hash(vec![
            (b("a"), b("1")),
            (b("b"), b("2")),
            (b("c"), b("hello"))
        ])
    );
    let hb = key(&f, "hbig");
    assert_eq!(hb.rdb_type, 4);
    let RdbValue::Hash(pairs) = hb.value.clone() else {
        panic!()
    };
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = pairs
        .into_iter()
        .map(|(f, v)| (f.to_vec(), v.to_vec()))
        .collect();
    pairs.sort();
    assert_eq!(pairs, vec![(b("f1"), b("v1")), (b("f2"), vec![b'x'; 76])]);

    let zs = key(&f, "zsmall");
    assert_eq!(zs.rdb_type, 17);
    assert_eq!(
        zs.value,
        RdbValue::zset(vec![
            (b("c"), f64::NEG_INFINITY),
            (b("e"), 0.1),
            (b("a"), 1.0),
            (b("b"), 2.5),
            (b("f"), 1e20),
            (b("d"), f64::INFINITY),
        ])
    );
    let zb = key(&f, "zbig");
    assert_eq!(zb.rdb_type, 5);
    let RdbValue::ZSet(items) = zb.value.clone() else {
        panic!()
    };
    let mut items: Vec<(Vec<u8>, f64)> = items.into_iter().map(|(m, s)| (m.to_vec(), s)).collect();
    items.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(
        items,
        vec![
            (b("c"), f64::NEG_INFINITY),
            (b("e"), 0.1),
            (b("a"), 1.0),
            (b("b"), 2.5),
            (vec![b'y'; 80], 3.0),
            (b("d"), f64::INFINITY),
        ]
    );

    let si = key(&f, "sint");
    assert_eq!(si.rdb_type, 11);
    assert_eq!(
        si.value,
        RdbValue::set(strs(&[
            "-100",
            "1",
            "2",
            "3",
            "100000",
            "9223372036854775807"
        ]))
    );
    let ss = key(&f, "sstr");
    assert_eq!(ss.rdb_type, 2);
    let RdbValue::Set(m) = ss.value.clone() else {
        panic!()
    };
    assert_eq!(
        sorted(m.iter().map(|x| x.to_vec()).collect()),
        strs(&["a", "b", "c"])
    );
}

/// list-max-listpack-size 4, list-compress-depth 1: RPUSH small a b 1 2; RPUSH long
/// (17 elements, LZF-compressed inner nodes); DEBUG QUICKLIST-PACKED-THRESHOLD 100;
/// RPUSH plain x <'p' x 202> y (a PLAIN node, itself LZF-compressed).
#[test]
fn quicklists_with_compressed_and_plain_nodes() {
    let f = decode(LISTS);
    for k in &f.keys {
        assert_eq!(k.rdb_type, 18);
    }
    assert_eq!(
        key(&f, "small").value,
        RdbValue::list(strs(&["a", "b", "1", "2"]))
    );
    let a = |n: u8| {
        let mut v = vec![b'a'; 48];
        v.push(b'0' + n);
        v
    };
    let mut long = vec![a(1), a(2), a(3), a(4)];
    long.extend(strs(&["b1", "b2", "b3", "b4"]));
    long.push(vec![b'b'; 96]);
    long.extend(strs(&["c1", "c2", "c3", "c4", "d1"]));
    assert_eq!(key(&f, "long").value, RdbValue::list(long));
    assert_eq!(
        key(&f, "plain").value,
        RdbValue::list(vec![b("x"), vec![b'p'; 202], b("y")])
    );
    // container PACKED with an LZF payload, and container PLAIN with an LZF payload
    assert!(LISTS.windows(2).any(|w| w == [0x02, 0xC3]));
    assert!(LISTS.windows(2).any(|w| w == [0x01, 0xC3]));
}

/// XADD s 1-1 f1 v1 f2 v2; 1-2 f1 v3 f2 v4; 2-0 other x; 3-5 f1 v5 f2 v6; 4-0 f1 gone f2 gone;
/// XDEL s 1-2 4-0; XGROUP CREATE s g1 0; XGROUP CREATE s g2 $ ENTRIESREAD -1;
/// XREADGROUP GROUP g1 alice COUNT 2 ...; XREADGROUP GROUP g1 bob COUNT 1 ...;
/// XGROUP CREATECONSUMER s g1 carol; XACK s g1 1-1;
/// XADD empty MAXLEN 0 5-5 a b; XGROUP CREATE empty eg $; XADD allgone 1-0 a b; XDEL allgone 1-0
#[test]
fn streams_with_groups_pel_and_tombstones() {
    let f = decode(STREAMS);
    let k = key(&f, "s");
    assert_eq!(k.rdb_type, 19);
    let RdbValue::Stream(s) = &k.value else {
        panic!()
    };
    assert_eq!(
        s.entries,
        vec![
            (id(1, 1), vec![(b("f1"), b("v1")), (b("f2"), b("v2"))]),
            (id(2, 0), vec![(b("other"), b("x"))]),
            (id(3, 5), vec![(b("f1"), b("v5")), (b("f2"), b("v6"))]),
        ]
    );
    assert_eq!(s.length, 3);
    assert_eq!(s.last_id, id(4, 0));
    assert_eq!(s.first_id, id(1, 1));
    assert_eq!(s.max_deleted_entry_id, id(4, 0));
    assert_eq!(s.entries_added, 5);
    assert_eq!(s.groups.len(), 2);
    let g1 = &s.groups[0];
    assert_eq!(g1.name, b("g1"));
    assert_eq!(g1.last_id, id(3, 5));
    // XINFO GROUPS shows entries-read nil for g1 (tombstones make it unknown)
    assert_eq!(g1.entries_read, None);
    let pel: Vec<(StreamId, u64)> = g1.pel.iter().map(|p| (p.0, p.2)).collect();
    assert_eq!(pel, vec![(id(2, 0), 1), (id(3, 5), 1)]);
    let names: Vec<&[u8]> = g1.consumers.iter().map(|c| c.name.as_slice()).collect();
    assert_eq!(names, vec![&b"alice"[..], b"bob", b"carol"]);
    assert_eq!(g1.consumers[0].pel, vec![id(2, 0)]);
    assert_eq!(g1.consumers[1].pel, vec![id(3, 5)]);
    assert_eq!(g1.consumers[2].pel, vec![]);
    assert!(g1.consumers.iter().all(|c| c.active_time.is_none()));
    let g2 = &s.groups[1];
    assert_eq!(g2.name, b("g2"));
    assert_eq!(g2.last_id, id(4, 0));
    assert_eq!(g2.entries_read, None);
    assert!(g2.pel.is_empty() && g2.consumers.is_empty());

    let RdbValue::Stream(e) = &key(&f, "empty").value else {
        panic!()
    };
    assert!(e.entries.is_empty());
    assert_eq!((e.length, e.last_id, e.entries_added), (0, id(5, 5), 1));
    assert_eq!(e.groups.len(), 1);
    assert_eq!(e.groups[0].name, b("eg"));
    assert_eq!(e.groups[0].last_id, id(5, 5));

    let RdbValue::Stream(g) = &key(&f, "allgone").value else {
        panic!()
    };
    assert!(g.entries.is_empty());
    assert_eq!(
        (g.length, g.last_id, g.max_deleted_entry_id),
        (0, id(1, 0), id(1, 0))
    );
}

/// FUNCTION LOAD "#!lua name=mylib\n..."; SET k v
#[test]
fn function_library() {
    let f = decode(FUNCTION);
    assert_eq!(
        f.functions,
        vec![b(
            "#!lua name=mylib\nredis.register_function('f', function() return 1 end)"
        )]
    );
    assert_eq!(f.keys.len(), 1);
}

// ---------------------------------------------------------------- incremental API

fn items_of(data: &[u8], chunks: &[usize]) -> Result<Vec<RdbItem>, RdbError> {
    let mut d = Decoder::new(DecodeOptions::default());
    let mut out = Vec::new();
    let mut pos = 0;
    let mut ci = 0;
    loop {
        while let Some(it) = d.next_item()? {
            out.push(it);
        }
        if d.is_done() || pos >= data.len() {
            break;
        }
        let n = chunks
            .get(ci)
            .copied()
            .unwrap_or(1)
            .max(1)
            .min(data.len() - pos);
        ci += 1;
        d.feed(&data[pos..pos + n]);
        pos += n;
    }
    d.finish()?;
    Ok(out)
}

#[test]
fn byte_by_byte_equals_whole() {
    for data in ALL {
        let whole = items_of(data, &[data.len()]).unwrap();
        let bytes = items_of(data, &[]).unwrap();
        assert_eq!(whole, bytes);
        assert!(matches!(whole[0], RdbItem::Version(10)));
        assert!(matches!(whole.last(), Some(RdbItem::Eof { checksum: Some(c) }) if *c != 0));
    }
}

#[test]
fn progress_and_trailing_bytes() {
    let mut d = Decoder::new(DecodeOptions::default());
    assert_eq!((d.consumed(), d.keys_loaded(), d.is_done()), (0, 0, false));
    d.feed(&STRINGS[..5]);
    assert_eq!(d.next_item().unwrap(), None);
    d.feed(&STRINGS[5..9]);
    assert_eq!(d.next_item().unwrap(), Some(RdbItem::Version(10)));
    assert_eq!(d.consumed(), 9);
    let mut data = STRINGS[9..].to_vec();
    data.extend_from_slice(b"*1\r\n$4\r\nping\r\n");
    d.feed(&data);
    let mut keys = 0;
    while let Some(it) = d.next_item().unwrap() {
        if let RdbItem::Key(_) = it {
            keys += 1;
            assert_eq!(d.keys_loaded(), keys);
        }
    }
    assert!(d.is_done());
    assert!(d.finish().is_ok());
    assert_eq!(keys, 13);
    assert_eq!(d.consumed(), STRINGS.len() as u64);
    assert_eq!(d.trailing(), b"*1\r\n$4\r\nping\r\n");
    assert_eq!(d.next_item().unwrap(), None);
}

#[test]
fn unfinished_input_is_truncated() {
    let mut d = Decoder::new(DecodeOptions::default());
    d.feed(&STRINGS[..100]);
    while d.next_item().unwrap().is_some() {}
    let e = d.finish().unwrap_err();
    assert!(e.message.contains("truncated"), "{e}");
}

#[test]
fn a_big_value_in_small_chunks_is_not_reparsed_per_chunk() {
    // a type-1 list of 20000 elements fed 7 bytes at a time decodes correctly
    let mut r = Rdb::new(10).byte(1).str(b"l").len(20000);
    for i in 0..20000 {
        r = r.str(format!("element-{i}").as_bytes());
    }
    let data = r.eof();
    let items = items_of(&data, &vec![7; data.len()]).unwrap();
    let RdbItem::Key(k) = &items[1] else { panic!() };
    let RdbValue::List(l) = &k.value else {
        panic!()
    };
    assert_eq!(l.len(), 20000);
    assert_eq!(l[19999].to_vec(), b("element-19999"));
}

#[test]
fn a_list_of_many_big_nodes_in_chunks() {
    // 1000 PLAIN nodes of 2 KiB fed 2 KiB at a time: each retry scans node headers only
    let mut r = Rdb::new(10).byte(18).str(b"l").len(1000);
    for i in 0..1000u32 {
        let mut node = vec![b'x'; 2048];
        node[..4].copy_from_slice(&i.to_be_bytes());
        r = r.len(1).str(&node);
    }
    let data = r.eof();
    let t = std::time::Instant::now();
    let items = items_of(&data, &vec![2048; data.len() / 2048 + 1]).unwrap();
    assert!(t.elapsed().as_secs() < 20);
    let RdbItem::Key(k) = &items[1] else { panic!() };
    let RdbValue::List(l) = &k.value else {
        panic!()
    };
    assert_eq!(l.len(), 1000);
    assert_eq!(&l[999][..4], &999u32.to_be_bytes());
}

// ---------------------------------------------------------------- header and framing

#[test]
fn versions_1_to_11() {
    for v in 1..=11 {
        let f = decode(&Rdb::new(v).byte(0).str(b"k").str(b"v").eof());
        assert_eq!(f.version, v);
        assert_eq!(f.keys[0].value, RdbValue::string(b("v")));
        assert_eq!(f.checksum.is_some(), v >= 5);
    }
    // v < 5 ends right at 0xFF
    assert_eq!(decode(b"REDIS0004\xff").checksum, None);
}

#[test]
fn header_errors() {
    let e = decode_err(b"RADIS0010\xff");
    assert_eq!(e.offset, 0);
    assert!(e.message.contains("bad magic"), "{e}");
    // a wrong magic is refused before 9 bytes are there
    let mut d = Decoder::new(DecodeOptions::default());
    d.feed(b"GET");
    assert!(d.next_item().unwrap_err().message.contains("bad magic"));
    assert!(d.next_item().is_err(), "stays failed");
    for (h, v) in [("REDIS0012", 12), ("REDIS0000", 0), ("REDIS9999", 9999)] {
        let e = decode_err(&Rdb(b(h)).eof_nocrc());
        assert_eq!(e.offset, 5);
        assert_eq!(e.message, format!("unsupported RDB version {v}"));
    }
    assert!(decode_err(b"REDIS00a0\xff").message.contains("bad magic"));
    assert!(decode_err(b"").message.contains("truncated"));
}

#[test]
fn crc_checks() {
    let mut data = Rdb::new(10).byte(0).str(b"k").str(b"v").eof();
    let n = data.len();
    data[n - 1] ^= 1;
    let e = decode_err(&data);
    assert_eq!(e.offset, (n - 8) as u64);
    assert!(e.message.starts_with("bad CRC: stored "), "{e}");
    assert!(e.message.contains(" computed "), "{e}");
    // not verified when disabled
    let opts = DecodeOptions {
        verify_checksum: false,
        total_len: None,
    };
    assert!(decode_all(&data, opts).is_ok());
    // a flipped payload byte is caught by the CRC
    let mut data = Rdb::new(10).byte(0).str(b"k").str(b"v").eof();
    data[13] = b'w';
    assert!(decode_err(&data).message.contains("bad CRC"));
    // stored 0: unchecked
    let f = decode(&Rdb::new(10).byte(0).str(b"k").str(b"v").eof_nocrc());
    assert_eq!(f.checksum, Some(0));
}

#[test]
fn opcodes_aux_resize_expire_seconds_idle_freq() {
    let data = Rdb::new(9)
        .byte(0xFA)
        .str(b"redis-ver")
        .str(b"6.2.0")
        .byte(0xFA)
        .str(b"ctime")
        .raw(&[0xC2, 0x01, 0x02, 0x03, 0x04])
        .byte(0xFE)
        .len(2)
        .byte(0xFB)
        .len(2)
        .len(1)
        .byte(0xFD)
        .raw(&100i32.to_le_bytes())
        .byte(0xF8)
        .len(300)
        .byte(0xF9)
        .byte(7)
        .byte(0)
        .str(b"a")
        .str(b"1")
        .byte(0)
        .str(b"b")
        .str(b"2")
        .eof();
    let items = items_of(&data, &[]).unwrap();
    assert_eq!(items[0], RdbItem::Version(9));
    assert_eq!(
        items[2],
        RdbItem::Aux {
            key: b("ctime"),
            value: b("67305985")
        }
    );
    assert_eq!(items[3], RdbItem::SelectDb(2));
    assert_eq!(
        items[4],
        RdbItem::ResizeDb {
            db_size: 2,
            expires_size: 1
        }
    );
    let RdbItem::Key(a) = &items[5] else { panic!() };
    assert_eq!(
        (a.db, a.expire_ms, a.idle, a.freq),
        (2, Some(100_000), Some(300), Some(7))
    );
    let RdbItem::Key(bk) = &items[6] else {
        panic!()
    };
    assert_eq!(
        (bk.expire_ms, bk.idle, bk.freq),
        (None, None, None),
        "reset after a key"
    );
    assert_eq!(items.len(), 8);
}

#[test]
fn function_pre_ga_becomes_library_code() {
    let data = Rdb::new(10)
        .byte(0xF6)
        .str(b"mylib")
        .str(b"LUA")
        .len(1)
        .str(b"a description")
        .str(b"redis.register_function('f', function() return 1 end)")
        .eof();
    // 7.0.15 loads this as the library "#!LUA name=mylib\n<code>" (FUNCTION LIST WITHCODE)
    assert_eq!(
        decode(&data).functions,
        vec![b(
            "#!LUA name=mylib\nredis.register_function('f', function() return 1 end)"
        )]
    );
}

#[test]
fn modules_and_unknown_types_are_errors() {
    let e = decode_err(&Rdb::new(10).byte(0xF7).len(1).len(2).len(1).len(0).eof());
    assert_eq!(e.offset, 9);
    assert!(e.message.contains("module data not supported"), "{e}");
    let e = decode_err(&Rdb::new(10).byte(7).str(b"k").len(1).len(0).eof());
    assert!(e.message.contains("module data not supported"), "{e}");
    let e = decode_err(&Rdb::new(10).byte(8).str(b"k").eof());
    assert_eq!((e.offset, e.message.as_str()), (9, "unknown object type 8"));
    let e = decode_err(&Rdb::new(10).byte(22).str(b"k").eof());
    assert_eq!(e.message, "unknown object type 22");
}

// ---------------------------------------------------------------- legacy and 7.2 types

#[test]
fn type_1_list_and_empty_collections_are_yielded() {
    let f = decode(
        &Rdb::new(6)
            .byte(1)
            .str(b"l")
            .len(2)
            .str(b"x")
            .raw(&[0xC0, 0xFF])
            .byte(1)
            .str(b"empty")
            .len(0)
            .eof(),
    );
    assert_eq!(f.keys[0].value, RdbValue::list(strs(&["x", "-1"])));
    // documented: empty collections come out as-is; the loader decides (the server skips them)
    assert_eq!(f.keys[1].value, RdbValue::List(vec![]));
}

#[test]
fn type_3_text_doubles() {
    let f = decode(
        &Rdb::new(3)
            .byte(3)
            .str(b"z")
            .len(3)
            .str(b"a")
            .str(b"1.5")
            .str(b"b")
            .byte(254)
            .str(b"c")
            .byte(255)
            .eof(),
    );
    assert_eq!(
        f.keys[0].value,
        RdbValue::zset(vec![
            (b("a"), 1.5),
            (b("b"), f64::INFINITY),
            (b("c"), f64::NEG_INFINITY)
        ])
    );
    let e = decode_err(
        &Rdb::new(3)
            .byte(3)
            .str(b"z")
            .len(1)
            .str(b"a")
            .byte(253)
            .eof(),
    );
    assert!(e.message.contains("NaN"), "{e}");
}

#[test]
fn duplicates_inside_a_value_are_errors() {
    let e = decode_err(
        &Rdb::new(10)
            .byte(2)
            .str(b"s")
            .len(2)
            .str(b"m")
            .str(b"m")
            .eof(),
    );
    assert_eq!(e.message, "duplicate set members detected in key 's'");
    let e = decode_err(
        &Rdb::new(10)
            .byte(5)
            .str(b"z")
            .len(2)
            .str(b"m")
            .raw(&1f64.to_le_bytes())
            .str(b"m")
            .raw(&2f64.to_le_bytes())
            .eof(),
    );
    assert!(e.message.contains("duplicate zset members"), "{e}");
    let e = decode_err(
        &Rdb::new(10)
            .byte(5)
            .str(b"z")
            .len(1)
            .str(b"m")
            .raw(&f64::NAN.to_le_bytes())
            .eof(),
    );
    assert!(e.message.contains("NaN"), "{e}");
    let e = decode_err(
        &Rdb::new(10)
            .byte(16)
            .str(b"h")
            .str(&listpack(&["f", "1", "f", "2"]))
            .eof(),
    );
    assert!(e.message.starts_with("invalid listpack in key 'h'"), "{e}");
}

/// Types 9, 10, 12, 13, 14 and 11, hand-built.
fn legacy_dump() -> Vec<u8> {
    Rdb::new(6)
        .byte(9)
        .str(b"zm")
        .str(&zipmap(&[("a", "1"), ("bb", "hello")]))
        .byte(10)
        .str(b"zl")
        .str(&ziplist(&["x", "5", "-7", "yy"]))
        .byte(12)
        .str(b"zz")
        .str(&ziplist(&["m", "1", "n", "2.5"]))
        .byte(13)
        .str(b"zh")
        .str(&ziplist(&["f", "v"]))
        .byte(14)
        .str(b"ql")
        .len(2)
        .str(&ziplist(&["a", "b"]))
        .str(&ziplist(&["c"]))
        .byte(11)
        .str(b"is")
        .str(&[2, 0, 0, 0, 2, 0, 0, 0, 0xFE, 0xFF, 7, 0])
        .eof()
}

#[test]
fn legacy_ziplist_zipmap_intset_types() {
    let f = decode(&legacy_dump());
    assert_eq!(
        key(&f, "zm").value,
        RdbValue::hash(vec![(b("a"), b("1")), (b("bb"), b("hello"))])
    );
    assert_eq!(
        key(&f, "zl").value,
        RdbValue::list(strs(&["x", "5", "-7", "yy"]))
    );
    assert_eq!(
        key(&f, "zz").value,
        RdbValue::zset(vec![(b("m"), 1.0), (b("n"), 2.5)])
    );
    assert_eq!(key(&f, "zh").value, RdbValue::hash(vec![(b("f"), b("v"))]));
    assert_eq!(key(&f, "ql").value, RdbValue::list(strs(&["a", "b", "c"])));
    assert_eq!(key(&f, "is").value, RdbValue::set(strs(&["-2", "7"])));
}

#[test]
fn type_20_set_listpack_and_17_text_scores() {
    let f = decode(
        &Rdb::new(11)
            .byte(20)
            .str(b"s")
            .str(&listpack(&["a", "12", "b"]))
            .byte(17)
            .str(b"z")
            .str(&listpack(&[
                "a",
                "-inf",
                "b",
                "0.10000000000000001",
                "c",
                "inf",
            ]))
            .eof(),
    );
    assert_eq!(key(&f, "s").value, RdbValue::set(strs(&["a", "12", "b"])));
    assert_eq!(
        key(&f, "z").value,
        RdbValue::zset(vec![
            (b("a"), f64::NEG_INFINITY),
            (b("b"), 0.1),
            (b("c"), f64::INFINITY)
        ])
    );
    let e = decode_err(
        &Rdb::new(11)
            .byte(17)
            .str(b"z")
            .str(&listpack(&["a", "x1"]))
            .eof(),
    );
    assert!(e.message.starts_with("invalid listpack in key 'z'"), "{e}");
}

#[test]
fn quicklist2_container_errors() {
    let e = decode_err(
        &Rdb::new(10)
            .byte(18)
            .str(b"l")
            .len(1)
            .len(3)
            .str(b"x")
            .eof(),
    );
    assert!(e.message.contains("invalid quicklist container 3"), "{e}");
    let e = decode_err(&Rdb::new(10).byte(18).str(b"l").len(1).len(1).str(b"").eof());
    assert!(e.message.contains("empty quicklist node"), "{e}");
}

/// A stream node listpack: master fields f1 f2; entries 10-1 (same fields), 10-2
/// (deleted), 12-0 (own field "x", seq delta -1 wrapping) under master 10-1.
fn stream_lp() -> Vec<u8> {
    let mut w = ListpackWriter::new();
    for n in [2, 1, 2] {
        w.push_int(n);
    }
    w.push_str(b"f1");
    w.push_str(b"f2");
    w.push_int(0);
    // 10-1 samefields
    for n in [2, 0, 0] {
        w.push_int(n);
    }
    w.push_str(b"a");
    w.push_str(b"b");
    w.push_int(5);
    // 10-2 deleted + samefields
    for n in [3, 0, 1] {
        w.push_int(n);
    }
    w.push_str(b"c");
    w.push_str(b"d");
    w.push_int(5);
    // 12-0 own fields
    for n in [0, 2, -1, 1] {
        w.push_int(n);
    }
    w.push_str(b"x");
    w.push_str(b"y");
    w.push_int(6);
    w.finish()
}

fn master_id(ms: u64, seq: u64) -> Vec<u8> {
    let mut v = ms.to_be_bytes().to_vec();
    v.extend_from_slice(&seq.to_be_bytes());
    v
}

/// A type 15 stream with a group, PEL and consumer.
fn stream_v1_dump() -> Vec<u8> {
    let pel_id = master_id(10, 1);
    Rdb::new(9)
        .byte(15)
        .str(b"s")
        .len(1)
        .str(&master_id(10, 1))
        .str(&stream_lp())
        .len(2)
        .len(12)
        .len(0)
        .len(1)
        .str(b"g")
        .len(10)
        .len(1)
        .len(1)
        .raw(&pel_id)
        .raw(&1234i64.to_le_bytes())
        .len(3)
        .len(1)
        .str(b"c")
        .raw(&99i64.to_le_bytes())
        .len(1)
        .raw(&pel_id)
        .eof()
}

/// A type 21 stream (consumer active-time, entries_read unknown).
fn stream_v3_dump() -> Vec<u8> {
    Rdb::new(11)
        .byte(21)
        .str(b"s")
        .len(1)
        .str(&master_id(10, 1))
        .str(&stream_lp())
        .len(2)
        .len(12)
        .len(0)
        .len(10)
        .len(1)
        .len(10)
        .len(2)
        .len(3)
        .len(1)
        .str(b"g")
        .len(10)
        .len(1)
        .len(u64::MAX)
        .len(0)
        .len(1)
        .str(b"c")
        .raw(&99i64.to_le_bytes())
        .raw(&77i64.to_le_bytes())
        .len(0)
        .eof()
}

#[test]
fn stream_v1_and_v3() {
    let pel_id = master_id(10, 1);
    let v1 = stream_v1_dump();
    let f = decode(&v1);
    let RdbValue::Stream(s) = &f.keys[0].value else {
        panic!()
    };
    assert_eq!(
        s.entries,
        vec![
            (id(10, 1), vec![(b("f1"), b("a")), (b("f2"), b("b"))]),
            (id(12, 0), vec![(b("x"), b("y"))]),
        ]
    );
    assert_eq!((s.length, s.last_id, s.entries_added), (2, id(12, 0), 2));
    assert_eq!((s.first_id, s.max_deleted_entry_id), (id(0, 0), id(0, 0)));
    let g = &s.groups[0];
    assert_eq!((g.last_id, g.entries_read), (id(10, 1), None));
    assert_eq!(g.pel, vec![(id(10, 1), 1234, 3)]);
    assert_eq!(
        g.consumers,
        vec![StreamConsumer {
            name: b("c"),
            seen_time: 99,
            active_time: None,
            pel: vec![id(10, 1)]
        }]
    );

    let v3 = stream_v3_dump();
    let f = decode(&v3);
    let RdbValue::Stream(s) = &f.keys[0].value else {
        panic!()
    };
    assert_eq!(s.entries.len(), 2);
    assert_eq!(
        (s.first_id, s.max_deleted_entry_id, s.entries_added),
        (id(10, 1), id(10, 2), 3)
    );
    assert_eq!(s.groups[0].entries_read, None);
    assert_eq!(s.groups[0].consumers[0].active_time, Some(77));

    // a consumer PEL id missing from the group PEL is an error
    let bad = Rdb::new(10)
        .byte(19)
        .str(b"s")
        .len(0)
        .len(0)
        .len(1)
        .len(1)
        .len(0)
        .len(0)
        .len(0)
        .len(0)
        .len(1)
        .len(1)
        .str(b"g")
        .len(0)
        .len(0)
        .len(0)
        .len(0)
        .len(1)
        .str(b"c")
        .raw(&0i64.to_le_bytes())
        .len(1)
        .raw(&pel_id)
        .eof();
    assert!(decode_err(&bad)
        .message
        .contains("not found in the group PEL"));
}

#[test]
fn hostile_lengths_do_not_allocate() {
    // a list claiming 2^62 elements, a string claiming 4 GiB, an LZF claiming 1 TiB
    let e = decode_err(&Rdb::new(10).byte(1).str(b"l").len(1 << 62).eof());
    assert!(e.message.contains("truncated"), "{e}");
    let e = decode_err(&Rdb::new(10).byte(0).str(b"k").len(u32::MAX as u64).eof());
    assert!(e.message.contains("truncated"), "{e}");
    let e = decode_err(
        &Rdb::new(10)
            .byte(0)
            .str(b"k")
            .byte(0xC3)
            .len(2)
            .len(1 << 40)
            .raw(&[0, b'a'])
            .eof(),
    );
    assert!(e.message.contains("invalid LZF"), "{e}");
    // without a known total, the decoder just waits for more input
    let mut d = Decoder::new(DecodeOptions::default());
    d.feed(&Rdb::new(10).byte(1).str(b"l").len(1 << 62).0);
    assert_eq!(d.next_item().unwrap(), Some(RdbItem::Version(10)));
    assert_eq!(d.next_item().unwrap(), None);
    assert!(d.finish().is_err());
}

// ---------------------------------------------------------------- properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_chunking_gives_the_same_items(
        which in 0..ALL.len(),
        chunks in proptest::collection::vec(1usize..40, 1..200),
    ) {
        let data = ALL[which];
        let whole = items_of(data, &[data.len()]).unwrap();
        prop_assert_eq!(items_of(data, &chunks).unwrap(), whole);
    }

    #[test]
    fn truncated_dumps_are_errors(which in 0..ALL.len(), cut in 0usize..10_000) {
        let data = ALL[which];
        let cut = cut % data.len();
        prop_assert!(decode_all(&data[..cut], DecodeOptions::default()).is_err());
        prop_assert!(items_of(&data[..cut], &[3]).is_err());
    }

    #[test]
    fn bit_flips_never_panic(
        which in 0..11usize,
        flips in proptest::collection::vec((0usize..10_000, 0u8..8), 1..4),
        verify in any::<bool>(),
    ) {
        let mut corpus: Vec<Vec<u8>> = ALL.iter().map(|d| d.to_vec()).collect();
        corpus.extend([legacy_dump(), stream_v1_dump(), stream_v3_dump()]);
        let mut data = corpus[which % corpus.len()].clone();
        for (pos, bit) in flips {
            let n = data.len();
            data[pos % n] ^= 1 << bit;
        }
        let opts = DecodeOptions { verify_checksum: verify, total_len: None };
        let _ = decode_all(&data, opts.clone());
        let mut d = Decoder::new(opts);
        for c in data.chunks(5) {
            d.feed(c);
            while let Ok(Some(_)) = d.next_item() {}
        }
    }

    #[test]
    fn arbitrary_bytes_after_a_header_never_panic(
        version in 1u32..=11,
        body in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        let mut data = format!("REDIS{version:04}").into_bytes();
        data.extend_from_slice(&body);
        let _ = decode_all(&data, DecodeOptions::default());
    }
}

/// `feed_vec` (a whole dump handed over without a copy, or a chunk after partial feeding)
/// yields the same items and offsets as `feed`.
#[test]
fn feed_vec_matches_feed() {
    let want = items_of(STRINGS, &[STRINGS.len()]).unwrap();
    let mut d = Decoder::new(DecodeOptions::default());
    d.feed_vec(STRINGS.to_vec());
    let mut got = Vec::new();
    while let Some(it) = d.next_item().unwrap() {
        got.push(it);
    }
    assert_eq!(got, want);
    assert_eq!(d.consumed(), STRINGS.len() as u64);

    // Half by slice, the other half by vec, after some items were consumed.
    let mut d = Decoder::new(DecodeOptions::default());
    let mid = STRINGS.len() / 2;
    d.feed(&STRINGS[..mid]);
    let mut got = Vec::new();
    while let Some(it) = d.next_item().unwrap() {
        got.push(it);
    }
    d.feed_vec(STRINGS[mid..].to_vec());
    while let Some(it) = d.next_item().unwrap() {
        got.push(it);
    }
    d.finish().unwrap();
    assert_eq!(got, want);
}
