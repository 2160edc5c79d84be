//! The RDB encoder: a keyspace to the bytes redis-server 7.0.15 writes (`REDIS0010`).
//!
//! Each value is written with the RDB type 7.0 picks for its in-memory encoding (string 0,
//! list 18, intset 11, set hashtable 2, zset listpack 17, skiplist 5, hash listpack 16,
//! hashtable 4, stream 19), with the same string rules (`rdbSaveRawString`: canonical int32
//! text int-encoded, LZF over 20 bytes when it saves at least 4 bytes) and the same quicklist
//! node split and compression as a list built by tail pushes.
//!
//! What cannot match byte for byte: the key order (Redis writes in its dict order), the order
//! of hashtable members (same reason), lists built by head pushes or edited in the middle
//! (Redis's node boundaries depend on that history), and streams that had deletions (Redis
//! keeps tombstones and node boundaries; we re-pack the live entries as a fresh stream would).

use super::listpack::ListpackWriter;
use super::model::{StreamData, StreamId};
use super::{crc64, intset, lzf, opcode, rdb_type};
use crate::keyspace::hash::HashValue;
use crate::keyspace::list::ListValue;
use crate::keyspace::set::SetValue;
use crate::keyspace::zset::ZSetValue;
use crate::keyspace::{Keyspace, Value};
use crate::util::{fmt_f64, parse_i64};

/// How to write a dump.
#[derive(Clone, Debug)]
pub struct EncodeOptions {
    /// `rdbcompression`: LZF for strings over 20 bytes.
    pub compression: bool,
    /// `rdbchecksum`: CRC64 at the end (else 8 zero bytes).
    pub checksum: bool,
    /// `list-max-listpack-size` (quicklist node size; negative = byte classes as Redis).
    pub list_max_listpack_size: i64,
    /// `list-compress-depth` (LZF-compressed interior quicklist nodes).
    pub list_compress_depth: u64,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            compression: true,
            checksum: true,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
        }
    }
}

/// `stream-node-max-bytes` (default; not configurable here).
pub const STREAM_NODE_MAX_BYTES: usize = 4096;
/// `stream-node-max-entries` (default; not configurable here).
pub const STREAM_NODE_MAX_ENTRIES: usize = 100;

/// Encode `ks` with AUX fields `aux` (in order; e.g. `redis-ver`, `redis-bits`, `ctime`,
/// `used-mem`, `repl-stream-db`, `repl-id`, `repl-offset`, `aof-base`) and function
/// libraries `functions`. Keys whose expiry is before `now_ms` are still written, as Redis
/// does. Empty collections are never written.
pub fn encode(
    ks: &Keyspace,
    aux: &[(&str, Vec<u8>)],
    functions: &[Vec<u8>],
    opts: &EncodeOptions,
) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(format!("REDIS{:04}", super::RDB_VERSION).as_bytes());
    for (k, v) in aux {
        out.push(opcode::AUX);
        write_string(&mut out, k.as_bytes(), opts.compression);
        write_string(&mut out, v, opts.compression);
    }
    for code in functions {
        out.push(opcode::FUNCTION2);
        write_string(&mut out, code, opts.compression);
    }
    for (id, db) in ks.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        out.push(opcode::SELECTDB);
        write_len(&mut out, id as u64);
        out.push(opcode::RESIZEDB);
        write_len(&mut out, db.len() as u64);
        write_len(&mut out, db.expires_len() as u64);
        for (key, value) in db.iter() {
            let Some((ty, body)) = encode_object(value, opts) else {
                continue;
            };
            if let Some(when) = db.expire_of(key) {
                out.push(opcode::EXPIRETIME_MS);
                out.extend_from_slice(&when.to_le_bytes());
            }
            out.push(ty);
            write_string(&mut out, key, opts.compression);
            out.extend_from_slice(&body);
        }
    }
    out.push(opcode::EOF);
    let crc = if opts.checksum {
        crc64::crc64(0, &out)
    } else {
        0
    };
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Append an RDB length (`rdbSaveLen`): the shortest of the 6-bit, 14-bit, 32-bit and
/// 64-bit forms, big-endian.
pub fn write_len(out: &mut Vec<u8>, n: u64) {
    if n < 1 << 6 {
        out.push(n as u8);
    } else if n < 1 << 14 {
        out.push(0x40 | (n >> 8) as u8);
        out.push(n as u8);
    } else if n <= u32::MAX as u64 {
        out.push(0x80);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// The INT8/16/32 form of `s` when it is the canonical decimal text of an int32
/// (`rdbTryIntegerEncoding`).
fn int_encoding(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() > 11 {
        return None;
    }
    let n = parse_i64(s)?;
    if let Ok(v) = i8::try_from(n) {
        Some(vec![0xC0, v as u8])
    } else if let Ok(v) = i16::try_from(n) {
        let b = v.to_le_bytes();
        Some(vec![0xC1, b[0], b[1]])
    } else if let Ok(v) = i32::try_from(n) {
        let mut e = vec![0xC2];
        e.extend_from_slice(&v.to_le_bytes());
        Some(e)
    } else {
        None
    }
}

/// Append an LZF string (`rdbSaveLzfBlob`): `C3`, compressed length, original length, data.
fn write_lzf_blob(out: &mut Vec<u8>, compressed: &[u8], original_len: usize) {
    out.push(0xC3);
    write_len(out, compressed.len() as u64);
    write_len(out, original_len as u64);
    out.extend_from_slice(compressed);
}

/// Append a string as `rdbSaveRawString` does: int-encoded when it is a canonical int32,
/// else LZF when `compression` is on, it is longer than 20 bytes and compressing saves at
/// least 4 bytes, else length + bytes.
pub fn write_string(out: &mut Vec<u8>, s: &[u8], compression: bool) {
    if let Some(enc) = int_encoding(s) {
        out.extend_from_slice(&enc);
        return;
    }
    if compression && s.len() > 20 {
        if let Some(c) = lzf::compress(s).filter(|c| c.len() <= s.len() - 4) {
            write_lzf_blob(out, &c, s.len());
            return;
        }
    }
    write_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// The RDB type and serialized body of one value (what follows the key), as 7.0's
/// `rdbSaveObjectType` + `rdbSaveObject` write it (`DUMP`'s payload without its trailer).
/// `None` for an empty list, set, sorted set or hash, which is never written.
pub fn encode_object(value: &Value, opts: &EncodeOptions) -> Option<(u8, Vec<u8>)> {
    let c = opts.compression;
    let mut out = Vec::new();
    let ty = match value {
        Value::Str(s) => {
            write_string(&mut out, &s.data, c);
            rdb_type::STRING
        }
        Value::List(l) => {
            if l.is_empty() {
                return None;
            }
            write_quicklist(&mut out, l, opts);
            rdb_type::LIST_QUICKLIST_2
        }
        Value::Set(s) => {
            if s.is_empty() {
                return None;
            }
            match s {
                SetValue::Intset(v) => {
                    write_string(&mut out, &intset::write(v), c);
                    rdb_type::SET_INTSET
                }
                SetValue::Table(t) => {
                    write_len(&mut out, t.len() as u64);
                    for m in t.iter() {
                        write_string(&mut out, m, c);
                    }
                    rdb_type::SET
                }
            }
        }
        Value::ZSet(z) => {
            if z.is_empty() {
                return None;
            }
            match z {
                ZSetValue::Listpack(p) => {
                    let mut lp = ListpackWriter::with_capacity(p.byte_len() + 7);
                    for (m, score) in z.iter() {
                        lp.push_str(m);
                        lp.push_str(fmt_f64(score).as_bytes());
                    }
                    write_string(&mut out, &lp.finish(), c);
                    rdb_type::ZSET_LISTPACK
                }
                ZSetValue::Skiplist(_) => {
                    write_len(&mut out, z.len() as u64);
                    // From the tail (highest score) back, as 7.0 walks its skiplist.
                    for (m, score) in z.iter().rev() {
                        write_string(&mut out, m, c);
                        out.extend_from_slice(&score.to_le_bytes());
                    }
                    rdb_type::ZSET_2
                }
            }
        }
        Value::Hash(h) => {
            if h.is_empty() {
                return None;
            }
            match h {
                HashValue::Listpack(p) => {
                    let mut lp = ListpackWriter::with_capacity(p.byte_len() + 7);
                    for e in p.iter() {
                        lp.push_str(e);
                    }
                    write_string(&mut out, &lp.finish(), c);
                    rdb_type::HASH_LISTPACK
                }
                HashValue::Table(m) => {
                    write_len(&mut out, m.len() as u64);
                    for (f, val) in m.iter() {
                        write_string(&mut out, f, c);
                        write_string(&mut out, val, c);
                    }
                    rdb_type::HASH
                }
            }
        }
        Value::Stream(s) => {
            write_stream(&mut out, &s.data, c);
            rdb_type::STREAM_LISTPACKS_2
        }
    };
    Some((ty, out))
}

// ---------------------------------------------------------------------------------------
// Listpack sizes (to split quicklist and stream nodes where Redis does).

/// Bytes of an empty listpack: 6-byte header plus the terminator.
const LP_EMPTY_BYTES: usize = 7;

/// Size of a listpack entry's backlen for an `encoding+data` of `l` bytes.
fn lp_backlen_size(l: usize) -> usize {
    if l <= 127 {
        1
    } else if l < 16383 {
        2
    } else if l < 2097151 {
        3
    } else if l < 268435455 {
        4
    } else {
        5
    }
}

/// Bytes an integer entry takes in a listpack (encoding, data and backlen).
fn lp_int_size(n: i64) -> usize {
    let l = if (0..=127).contains(&n) {
        1
    } else if (-4096..=4095).contains(&n) {
        2
    } else if i16::try_from(n).is_ok() {
        3
    } else if (-(1 << 23)..(1 << 23)).contains(&n) {
        4
    } else if i32::try_from(n).is_ok() {
        5
    } else {
        9
    };
    l + lp_backlen_size(l)
}

/// Bytes `lpAppend` of `s` adds to a listpack (integer form for canonical integers).
fn lp_str_size(s: &[u8]) -> usize {
    if s.len() <= 20 {
        if let Some(n) = parse_i64(s) {
            return lp_int_size(n);
        }
    }
    let l = s.len()
        + if s.len() < 64 {
            1
        } else if s.len() < 4096 {
            2
        } else {
            5
        };
    l + lp_backlen_size(l)
}

// ---------------------------------------------------------------------------------------
// Lists (type 18).

/// `optimization_level`: node byte limits for fill -1 .. -5.
const QL_OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// `SIZE_SAFETY_LIMIT`: no node grows past this by count (positive fill).
const QL_SIZE_SAFETY_LIMIT: usize = 8192;
/// `SIZE_ESTIMATE_OVERHEAD`: what an element is assumed to add beyond its own bytes.
const QL_SIZE_ESTIMATE_OVERHEAD: usize = 8;
/// `MIN_COMPRESS_BYTES`: smaller nodes are never compressed.
const QL_MIN_COMPRESS_BYTES: usize = 48;
/// `MIN_COMPRESS_IMPROVE`: a compressed node must save more than this.
const QL_MIN_COMPRESS_IMPROVE: usize = 8;
/// `QUICKLIST_NODE_CONTAINER_PACKED`.
const QL_CONTAINER_PACKED: u64 = 2;

/// 7.0.15's `_quicklistNodeAllowInsert` (estimated growth: the element plus 8 bytes; checked
/// against 7.0.15 node boundaries): may an element of `sz` bytes join a node of
/// `node_sz` listpack bytes holding `count` elements, with `list-max-listpack-size` `fill`?
fn ql_allow_insert(node_sz: usize, count: usize, fill: i64, sz: usize) -> bool {
    let new_sz = node_sz + sz + QL_SIZE_ESTIMATE_OVERHEAD;
    if fill < 0 {
        let offset = (-fill - 1) as usize;
        if offset < QL_OPTIMIZATION_LEVEL.len() && new_sz <= QL_OPTIMIZATION_LEVEL[offset] {
            return true;
        }
    }
    if new_sz > QL_SIZE_SAFETY_LIMIT {
        return false;
    }
    (count as i64) < fill
}

/// Write a list as a quicklist of listpack nodes, split as tail pushes split them in 7.0 and
/// with the interior nodes LZF-compressed as `list-compress-depth` keeps them in memory.
fn write_quicklist(out: &mut Vec<u8>, l: &ListValue, opts: &EncodeOptions) {
    // quicklistSetFill clamps to [-5, 32767].
    let fill = opts.list_max_listpack_size.clamp(-5, (1 << 15) - 1);
    let mut nodes: Vec<ListpackWriter> = Vec::new();
    for e in l.iter() {
        let fits = nodes
            .last()
            .is_some_and(|n| ql_allow_insert(n.byte_len(), n.len(), fill, e.len()));
        if !fits {
            nodes.push(ListpackWriter::new());
        }
        if let Some(n) = nodes.last_mut() {
            n.push_str(e);
        }
    }
    let n = nodes.len();
    let depth = usize::try_from(opts.list_compress_depth).unwrap_or(usize::MAX);
    write_len(out, n as u64);
    for (i, node) in nodes.into_iter().enumerate() {
        write_len(out, QL_CONTAINER_PACKED);
        let blob = node.finish();
        let interior = depth > 0 && n > depth.saturating_mul(2) && i >= depth && i < n - depth;
        if interior && blob.len() >= QL_MIN_COMPRESS_BYTES {
            if let Some(c) =
                lzf::compress(&blob).filter(|c| c.len() + QL_MIN_COMPRESS_IMPROVE < blob.len())
            {
                write_lzf_blob(out, &c, blob.len());
                continue;
            }
        }
        write_string(out, &blob, opts.compression);
    }
}

// ---------------------------------------------------------------------------------------
// Streams (type 19).

/// `STREAM_ITEM_FLAG_SAMEFIELDS`.
const STREAM_ITEM_FLAG_SAMEFIELDS: i64 = 2;

/// An entry's id as the 16-byte big-endian rax key.
fn stream_id_bytes(id: StreamId) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&id.ms.to_be_bytes());
    b[8..].copy_from_slice(&id.seq.to_be_bytes());
    b
}

/// A stream entry: its id and field/value pairs.
type StreamEntry = (StreamId, Vec<(Vec<u8>, Vec<u8>)>);

/// One stream listpack node being built.
struct StreamNode<'a> {
    master: StreamId,
    master_fields: Vec<&'a [u8]>,
    entries: Vec<&'a StreamEntry>,
    /// `lpBytes` of the node as Redis would have it now.
    bytes: usize,
}

impl StreamNode<'_> {
    fn same_fields(&self, fields: &[(Vec<u8>, Vec<u8>)]) -> bool {
        fields.len() == self.master_fields.len()
            && fields
                .iter()
                .zip(&self.master_fields)
                .all(|((f, _), m)| f.as_slice() == *m)
    }

    /// Bytes an entry adds to this node (`streamAppendItem`'s appends).
    fn entry_size(&self, id: StreamId, fields: &[(Vec<u8>, Vec<u8>)]) -> usize {
        let same = self.same_fields(fields);
        let flags = if same { STREAM_ITEM_FLAG_SAMEFIELDS } else { 0 };
        let mut sz = lp_int_size(flags)
            + lp_int_size(id.ms.wrapping_sub(self.master.ms) as i64)
            + lp_int_size(id.seq.wrapping_sub(self.master.seq) as i64);
        if !same {
            sz += lp_int_size(fields.len() as i64);
        }
        for (f, v) in fields {
            if !same {
                sz += lp_str_size(f);
            }
            sz += lp_str_size(v);
        }
        let lp_count = fields.len() as i64 + 3 + if same { 0 } else { fields.len() as i64 + 1 };
        sz + lp_int_size(lp_count)
    }

    /// The finished listpack.
    fn finish(&self) -> Vec<u8> {
        let mut lp = ListpackWriter::new();
        lp.push_int(self.entries.len() as i64);
        lp.push_int(0);
        lp.push_int(self.master_fields.len() as i64);
        for f in &self.master_fields {
            lp.push_str(f);
        }
        lp.push_int(0);
        for (id, fields) in &self.entries {
            let same = self.same_fields(fields);
            lp.push_int(if same { STREAM_ITEM_FLAG_SAMEFIELDS } else { 0 });
            lp.push_int(id.ms.wrapping_sub(self.master.ms) as i64);
            lp.push_int(id.seq.wrapping_sub(self.master.seq) as i64);
            if !same {
                lp.push_int(fields.len() as i64);
            }
            for (f, v) in fields {
                if !same {
                    lp.push_str(f);
                }
                lp.push_str(v);
            }
            let n = fields.len() as i64;
            lp.push_int(if same { n + 3 } else { 2 * n + 4 });
        }
        lp.finish()
    }
}

/// Split a stream's entries into listpack nodes as `streamAppendItem` does when they are
/// added one by one (default `stream-node-max-bytes` / `-entries`).
fn stream_nodes(data: &StreamData) -> Vec<StreamNode<'_>> {
    let mut nodes: Vec<StreamNode<'_>> = Vec::new();
    for entry in &data.entries {
        let (id, fields) = entry;
        let totelelen: usize = fields.iter().map(|(f, v)| f.len() + v.len()).sum();
        let new_node = match nodes.last() {
            None => true,
            Some(n) => {
                n.bytes + totelelen >= STREAM_NODE_MAX_BYTES
                    || n.entries.len() >= STREAM_NODE_MAX_ENTRIES
            }
        };
        if new_node {
            let master_fields: Vec<&[u8]> = fields.iter().map(|(f, _)| f.as_slice()).collect();
            let bytes = LP_EMPTY_BYTES
                + lp_int_size(0) // count (0 until the entry is added)
                + lp_int_size(0)
                + lp_int_size(master_fields.len() as i64)
                + master_fields.iter().map(|f| lp_str_size(f)).sum::<usize>()
                + lp_int_size(0);
            nodes.push(StreamNode {
                master: *id,
                master_fields,
                entries: Vec::new(),
                bytes,
            });
        }
        if let Some(n) = nodes.last_mut() {
            let count = n.entries.len() as i64;
            n.bytes = n.bytes - lp_int_size(count) + lp_int_size(count + 1);
            n.bytes += n.entry_size(*id, fields);
            n.entries.push(entry);
        }
    }
    nodes
}

/// Write a stream (type 19): nodes, metadata, consumer groups (in name order, PELs in id
/// order, as Redis's radix trees iterate them).
fn write_stream(out: &mut Vec<u8>, data: &StreamData, compression: bool) {
    let nodes = stream_nodes(data);
    write_len(out, nodes.len() as u64);
    for n in &nodes {
        write_string(out, &stream_id_bytes(n.master), compression);
        write_string(out, &n.finish(), compression);
    }
    write_len(out, data.entries.len() as u64);
    for id in [data.last_id, data.first_id, data.max_deleted_entry_id] {
        write_len(out, id.ms);
        write_len(out, id.seq);
    }
    write_len(out, data.entries_added);
    let mut groups: Vec<_> = data.groups.iter().collect();
    crate::util::sort_by(&mut groups, |a, b| a.name.cmp(&b.name));
    write_len(out, groups.len() as u64);
    for g in groups {
        write_string(out, &g.name, compression);
        write_len(out, g.last_id.ms);
        write_len(out, g.last_id.seq);
        write_len(out, g.entries_read.unwrap_or(u64::MAX));
        let mut pel: Vec<_> = g.pel.iter().collect();
        crate::util::sort_by(&mut pel, |a, b| a.0.cmp(&b.0));
        write_len(out, pel.len() as u64);
        for (id, delivery_time, delivery_count) in pel {
            out.extend_from_slice(&stream_id_bytes(*id));
            out.extend_from_slice(&delivery_time.to_le_bytes());
            write_len(out, *delivery_count);
        }
        let mut consumers: Vec<_> = g.consumers.iter().collect();
        crate::util::sort_by(&mut consumers, |a, b| a.name.cmp(&b.name));
        write_len(out, consumers.len() as u64);
        for c in consumers {
            write_string(out, &c.name, compression);
            out.extend_from_slice(&c.seen_time.to_le_bytes());
            let mut ids = c.pel.clone();
            crate::util::sort_by(&mut ids, Ord::cmp);
            write_len(out, ids.len() as u64);
            for id in ids {
                out.extend_from_slice(&stream_id_bytes(id));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listpack_entry_sizes_match_the_writer() {
        let samples: Vec<Vec<u8>> = vec![
            b"0".to_vec(),
            b"127".to_vec(),
            b"128".to_vec(),
            b"-4096".to_vec(),
            b"4096".to_vec(),
            b"-32769".to_vec(),
            b"8388607".to_vec(),
            b"8388608".to_vec(),
            b"2147483648".to_vec(),
            b"-9223372036854775808".to_vec(),
            b"007".to_vec(),
            b"-0".to_vec(),
            vec![b'x'; 63],
            vec![b'x'; 64],
            vec![b'x'; 125],
            vec![b'x'; 126],
            vec![b'x'; 4095],
            vec![b'x'; 4096],
            vec![b'x'; 16380],
            vec![b'x'; 16381],
        ];
        for s in &samples {
            let mut w = ListpackWriter::new();
            let before = w.byte_len();
            w.push_str(s);
            assert_eq!(w.byte_len() - before, lp_str_size(s), "{:?}", s.len());
        }
        for n in [
            0i64,
            -1,
            127,
            128,
            4095,
            -4096,
            4096,
            40000,
            -(1 << 23),
            1 << 23,
            1 << 40,
        ] {
            let mut w = ListpackWriter::new();
            w.push_int(n);
            assert_eq!(w.byte_len() - LP_EMPTY_BYTES, lp_int_size(n), "{n}");
        }
    }
}
