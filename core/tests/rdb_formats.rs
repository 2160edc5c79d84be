//! The blob formats nested in RDB values (LZF, CRC64, listpack, ziplist, intset, zipmap),
//! checked against payloads produced by a real redis-server 7.0.15 (`DUMP key`, whose
//! payload is `type, value, 2-byte RDB version, CRC64 LE`) and, for the legacy formats,
//! against blobs that 7.0.15 accepted through `RESTORE` with `sanitize-dump-payload yes`.

use replscope_core::rdb::crc64::crc64;
use replscope_core::rdb::listpack::{self, ListpackWriter, LpEntry};
use replscope_core::rdb::{intset, lzf, ziplist, zipmap};

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn int(n: i64) -> LpEntry {
    LpEntry::Int(n)
}

fn s(b: &[u8]) -> LpEntry {
    LpEntry::Str(b.to_vec())
}

/// RDB length prefix (as in a DUMP payload).
fn rdb_len(n: usize) -> Vec<u8> {
    if n < 64 {
        vec![n as u8]
    } else if n < 16384 {
        vec![0x40 | (n >> 8) as u8, n as u8]
    } else {
        let mut v = vec![0x80];
        v.extend_from_slice(&(n as u32).to_be_bytes());
        v
    }
}

/// Split a DUMP payload: check its CRC and version, return the type byte and the value.
fn dump_body(payload: &[u8]) -> &[u8] {
    let (body, crc) = payload.split_at(payload.len() - 8);
    assert_eq!(crc64(0, body), u64::from_le_bytes(crc.try_into().unwrap()));
    assert_eq!(&body[body.len() - 2..], &[0x0a, 0x00]);
    &body[..body.len() - 2]
}

/// `HSET h a b f1 123 f2 -5 mid <y x 60>` then `DUMP h` (rdbcompression no).
const HASH_LISTPACK: &str = "10405d5d0000000800816102816202826631037b0182663203dffb02836d696404bc\
    7979797979797979797979797979797979797979797979797979797979797979797979797979797979797979\
    797979797979797979797979797979793dff0a00e3e9a8dc49ffa7b4";

#[test]
fn real_hash_listpack() {
    let payload = unhex(HASH_LISTPACK);
    let body = dump_body(&payload);
    assert_eq!(body[0], 16);
    let blob = &body[3..];
    assert_eq!(body[1..3], rdb_len(blob.len())[..]);
    let y60 = vec![b'y'; 60];
    let expect = vec![
        s(b"a"),
        s(b"b"),
        s(b"f1"),
        int(123),
        s(b"f2"),
        int(-5),
        s(b"mid"),
        s(&y60),
    ];
    assert_eq!(listpack::parse(blob).unwrap(), expect);
    let mut w = ListpackWriter::new();
    for f in [&b"a"[..], b"b", b"f1", b"123", b"f2", b"-5", b"mid", &y60] {
        w.push_str(f);
    }
    assert_eq!(w.finish(), blob);
}

/// `ZADD z 1 one 2.5 two -3 three 100000 big` then `DUMP z`.
const ZSET_LISTPACK: &str = "112c2c000000080085746872656506dffd02836f6e650401018374776f0483322e35\
    048362696704f2a0860104ff0a00244a671f5c707eba";

#[test]
fn real_zset_listpack() {
    let payload = unhex(ZSET_LISTPACK);
    let body = dump_body(&payload);
    assert_eq!(body[0], 17);
    let blob = &body[2..];
    let expect = vec![
        s(b"three"),
        int(-3),
        s(b"one"),
        int(1),
        s(b"two"),
        s(b"2.5"),
        s(b"big"),
        int(100000),
    ];
    assert_eq!(listpack::parse(blob).unwrap(), expect);
    let mut w = ListpackWriter::new();
    for e in &expect {
        w.push_str(&e.to_bytes());
    }
    assert_eq!(w.finish(), blob);
}

/// `HSET h2 k <z x 100> k2 <w x 4100>` (hash-max-listpack-value 5000, rdbcompression no):
/// 12-bit and 32-bit string lengths and 2-byte backlens. Only the DUMP's head and CRC are
/// kept; the CRC proves the whole payload rebuilt from our writer is the same.
#[test]
fn real_listpack_long_strings() {
    let mut w = ListpackWriter::new();
    w.push_str(b"k");
    w.push_str(&[b'z'; 100]);
    w.push_str(b"k2");
    w.push_str(&[b'w'; 4100]);
    let blob = w.finish();
    let mut payload = vec![16];
    payload.extend_from_slice(&rdb_len(blob.len()));
    payload.extend_from_slice(&blob);
    payload.extend_from_slice(&[0x0a, 0x00]);
    assert_eq!(payload.len() + 8, 4237);
    assert_eq!(payload[..12], unhex("105080801000000400816b02")[..]);
    assert_eq!(
        crc64(0, &payload).to_le_bytes(),
        unhex("177004828c6d058f")[..]
    );
    assert_eq!(listpack::parse(&blob).unwrap().len(), 4);
}

/// `RPUSH ql 0 1000 ... 599000` (list-max-listpack-size -1): one quicklist node of 600
/// integer entries; checked through the CRC of the whole rebuilt DUMP payload.
#[test]
fn real_quicklist_node_of_ints() {
    let mut w = ListpackWriter::new();
    for i in 0..600 {
        w.push_str((i * 1000).to_string().as_bytes());
    }
    let blob = w.finish();
    let mut payload = vec![18, 1, 2];
    payload.extend_from_slice(&rdb_len(blob.len()));
    payload.extend_from_slice(&blob);
    payload.extend_from_slice(&[0x0a, 0x00]);
    assert_eq!(payload.len() + 8, 2983);
    assert_eq!(
        payload[..40],
        unhex("1201024b98980b000058020001c3e802c7d002cbb802cfa002f1881303f1701703f1581b03f1401f")[..]
    );
    assert_eq!(
        crc64(0, &payload).to_le_bytes(),
        unhex("f8284bbb99bed216")[..]
    );
}

/// `RPUSH l 0 127 128 -1 4095 -4096 4096 8388607 2147483648 007 hello
/// -9223372036854775808 <x x 100>` then `DUMP l`, with rdbcompression yes (the node is
/// LZF-compressed: `C3 clen ulen`) and no.
const LIST_COMPRESSED: &str = "120102c3404640a71fa70000000d0000017f01c08002dfff02cfff02d00002f100\
    1003f2ffff7f04f4201e008020030d000983303037048568656c6c6f0640154000048009e06478e05a000166\
    ff0a00427696f53574c8c0";
const LIST_PLAIN_HEAD: &str = "12010240a7a70000000d0000017f01c08002dfff02cfff02d00002f1001003f2ff\
    ff7f04f400000080000000000983303037048568656c6c6f06f4000000000000008009e064";

#[test]
fn real_quicklist_node_lzf() {
    let payload = unhex(LIST_COMPRESSED);
    let body = dump_body(&payload);
    assert_eq!(&body[..4], &[18, 1, 2, 0xC3]);
    assert_eq!(&body[4..7], &[0x40, 0x46, 0x40]);
    let (clen, ulen) = (0x46, 0xa7);
    let data = &body[8..];
    assert_eq!(data.len(), clen);
    let blob = lzf::decompress(data, ulen).unwrap();
    let plain_head = unhex(LIST_PLAIN_HEAD);
    assert_eq!(blob[..plain_head.len() - 5], plain_head[5..]);
    let x100 = vec![b'x'; 100];
    let items: Vec<&[u8]> = vec![
        b"0",
        b"127",
        b"128",
        b"-1",
        b"4095",
        b"-4096",
        b"4096",
        b"8388607",
        b"2147483648",
        b"007",
        b"hello",
        b"-9223372036854775808",
        &x100,
    ];
    let parsed = listpack::parse(&blob).unwrap();
    let texts: Vec<Vec<u8>> = parsed.iter().map(LpEntry::to_bytes).collect();
    let want: Vec<Vec<u8>> = items.iter().map(|b| b.to_vec()).collect();
    assert_eq!(texts, want);
    let mut w = ListpackWriter::new();
    for i in &items {
        w.push_str(i);
    }
    assert_eq!(w.finish(), blob);
    // Our compressor's output for it decompresses back and is comparable in size.
    let ours = lzf::compress(&blob).unwrap();
    assert!(ours.len() <= clen + 8, "{} vs {clen}", ours.len());
    assert_eq!(lzf::decompress(&ours, ulen).unwrap(), blob);
}

/// `HSET h f <x x 70>` (a hashtable; the value is an LZF string `C3 09 40 46 ...`).
#[test]
fn real_lzf_string() {
    let data = unhex("01 78 78 e0 39 00 01 78 78");
    assert_eq!(lzf::decompress(&data, 70).unwrap(), vec![b'x'; 70]);
    assert!(lzf::decompress(&data, 69).is_err());
    assert!(lzf::decompress(&data, 71).is_err());
}

/// `SADD` of 16-, 32- and 64-bit members, `DUMP`.
#[test]
fn real_intsets() {
    for (hex, values) in [
        ("0b0e0200000003000000feff01002c010a005b0aa862f794600a", vec![-2, 1, 300]),
        (
            "0b140400000003000000fbffffff01000000701101000a0086a0bbcf3a22ed25",
            vec![-5, 1, 70000],
        ),
        (
            "0b200800000003000000f9ffffffffffffff010000000000000000f2052a010000000a006d4fc23220067c02",
            vec![-7, 1, 5_000_000_000],
        ),
    ] {
        let payload = unhex(hex);
        let body = dump_body(&payload);
        assert_eq!(body[0], 11);
        let blob = &body[2..];
        assert_eq!(intset::parse(blob).unwrap(), values);
        let mut shuffled = values.clone();
        shuffled.reverse();
        assert_eq!(intset::write(&shuffled), blob);
    }
}

/// A type-10 ziplist with every integer encoding, a 300-byte string (so the next entry has
/// a 5-byte prevlen); 7.0.15 `RESTORE`d it (sanitize-dump-payload yes) and `LRANGE`
/// returned `0 12 -128 1000 -8388608 2147483647 -9223372036854775808 q*300 x 8388607`.
#[test]
fn ziplist_all_encodings() {
    let mut hex = String::from("66010000600100000a0000f102fd02fe8003c0e80304f000008005d0ffffff7f06e000000000000000800a412c");
    hex.push_str(&"71".repeat(300));
    hex.push_str("fe2f010000017807f0ffff7fff");
    let blob = unhex(&hex);
    assert_eq!(
        ziplist::parse(&blob).unwrap(),
        vec![
            int(0),
            int(12),
            int(-128),
            int(1000),
            int(-8388608),
            int(2147483647),
            int(i64::MIN),
            s(&[b'q'; 300]),
            s(b"x"),
            int(8388607),
        ]
    );
    // Each truncation and each single-bit flip fails cleanly (or, rarely, still parses).
    for cut in 0..blob.len() {
        assert!(ziplist::parse(&blob[..cut]).is_err());
    }
    for i in 0..blob.len() {
        for bit in 0..8 {
            let mut b = blob.clone();
            b[i] ^= 1 << bit;
            let _ = ziplist::parse(&b);
        }
    }
}

/// Type 13 and 12 ziplists 7.0.15 accepted: `HGETALL` gave `f1 v1 n -300`, `ZRANGE ..
/// WITHSCORES` gave `m1 1.5 m2 2`.
#[test]
fn ziplist_hash_and_zset() {
    let h = unhex("1a000000150000000400000266310402763104016e03c0d4feff");
    assert_eq!(
        ziplist::parse(&h).unwrap(),
        vec![s(b"f1"), s(b"v1"), s(b"n"), int(-300)]
    );
    let z = unhex("1a00000017000000040000026d310403312e3505026d3204f3ff");
    assert_eq!(
        ziplist::parse(&z).unwrap(),
        vec![s(b"m1"), s(b"1.5"), s(b"m2"), int(2)]
    );
    // 7.0.15 refuses this one ("Bad data format"): the second prevlen says 5, not 3.
    let good = unhex("110000000d0000000200000161030162ff");
    assert_eq!(ziplist::parse(&good).unwrap(), vec![s(b"a"), s(b"b")]);
    let bad = unhex("110000000d0000000200000161050162ff");
    assert!(ziplist::parse(&bad).is_err());
}

/// A type-9 zipmap 7.0.15 accepted (`HGETALL` gave `a xy key v`).
#[test]
fn zipmap_real() {
    let blob = b"\x02\x01a\x02\x00xy\x03key\x01\x02v\x00\x00\xff";
    assert_eq!(
        zipmap::parse(blob).unwrap(),
        vec![
            (b"a".to_vec(), b"xy".to_vec()),
            (b"key".to_vec(), b"v".to_vec())
        ]
    );
    for cut in 0..blob.len() {
        assert!(zipmap::parse(&blob[..cut]).is_err());
    }
}

/// Single-bit flips and truncations of real listpacks never panic; truncations always fail.
#[test]
fn listpack_hostile_mutations() {
    let payload = unhex(HASH_LISTPACK);
    let blob = dump_body(&payload)[3..].to_vec();
    for cut in 0..blob.len() {
        assert!(listpack::parse(&blob[..cut]).is_err());
    }
    for i in 0..blob.len() {
        for bit in 0..8 {
            let mut b = blob.clone();
            b[i] ^= 1 << bit;
            let _ = listpack::parse(&b);
        }
    }
}
