//! The RDB decoder: incremental, bounded, never panics.
//!
//! Feed bytes as they arrive ([`Decoder::feed`]) and pull items ([`Decoder::next_item`])
//! until [`RdbItem::Eof`]. Every length read from the input is checked against the bytes
//! that can still follow before anything is allocated, so memory stays bounded by the input.
//!
//! Design: the decoder keeps the bytes not yet consumed and parses the current item from its
//! start each time; an item that is cut short is retried only once the input has reached the
//! offset the failed attempt proved necessary (for collections, at least one byte per missing
//! element), so feeding a big value in small chunks does not re-parse it for every chunk.
//!
//! What is checked (as Redis 7.0.15 does when loading): header and version (1..=11), opcodes,
//! the CRC64 at EOF (version ≥ 5, stored 0 = not computed), string and length encodings,
//! every nested blob (LZF, listpack, ziplist, intset, zipmap), listpack pair counts, stream
//! structure, NaN scores, and duplicate members/fields inside one set, zset or hash.
//!
//! What is left to the consumer: duplicate keys and DB indexes ≥ `databases` (the server
//! refuses them, redis-check-rdb does not), and **empty collections**: a list, set, zset or
//! hash with no elements is yielded as an ordinary key with an empty value (the server skips
//! such keys silently while redis-check-rdb rejects them; the loader decides). Module values
//! (types 6/7) and `MODULE_AUX` are refused ("module data not supported"). The 7.0 release
//! candidates' `FUNCTION` opcode is accepted and turned into library code the way 7.0 loads it
//! (`#!<engine> name=<name>\n<code>`).
//!
//! Without the `full` feature (the browser app, see `core/Cargo.toml`) the encodings Redis
//! 7.0 no longer writes (zipmap, ziplist, quicklist v1) and stream values are not decoded:
//! such a value is refused as an unknown object type. The items behind
//! `#[cfg(feature = "full")]` here are exactly those.

#[cfg(feature = "full")]
use std::collections::HashSet;

use super::intset;
use super::listpack::{self, LpEntry, LpEntryRef};
use super::model::{RdbFile, RdbItem, RdbKey, RdbValue};
#[cfg(feature = "full")]
use super::model::{StreamConsumer, StreamData, StreamGroup, StreamId};
use super::reader::{need_more, Cursor, PErr, PResult};
use super::{crc64, opcode, rdb_type, RdbError, RDB_MAX_READ_VERSION};
#[cfg(feature = "full")]
use super::{ziplist, zipmap};
use crate::keyspace::Sds;

/// Limits and behaviour of a decoder.
#[derive(Clone, Debug)]
pub struct DecodeOptions {
    /// Verify a non-zero CRC64 at EOF (Redis's `rdbchecksum` on load).
    pub verify_checksum: bool,
    /// When known, the total payload size (disk file size or `$<len>` framing): lengths that
    /// claim more than what is left are refused at once.
    pub total_len: Option<u64>,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            verify_checksum: true,
            total_len: None,
        }
    }
}

/// What one parse step produced.
enum Step {
    /// An item to return.
    Item(RdbItem),
    /// A key and its value (metadata filled in by the decoder).
    Key {
        key: Sds,
        value: RdbValue,
        rdb_type: u8,
    },
    /// `EXPIRETIME`/`EXPIRETIME_MS` for the next key (ms).
    Expire(i64),
    /// `IDLE` for the next key.
    Idle(u64),
    /// `FREQ` for the next key.
    Freq(u8),
}

/// An incremental RDB decoder.
#[derive(Debug)]
pub struct Decoder {
    opts: DecodeOptions,
    /// Buffered input; `buf[..start]` is consumed.
    buf: Vec<u8>,
    start: usize,
    /// Absolute offset of `buf[0]`.
    base: u64,
    /// Do not retry before the input reaches this absolute offset.
    need: u64,
    version: Option<u32>,
    db: u64,
    expire_ms: Option<i64>,
    idle: Option<u64>,
    freq: Option<u8>,
    crc: u64,
    done: bool,
    failed: Option<RdbError>,
    keys: u64,
}

impl Decoder {
    /// A decoder expecting `REDIS00NN` next.
    pub fn new(opts: DecodeOptions) -> Self {
        Decoder {
            opts,
            buf: Vec::new(),
            start: 0,
            base: 0,
            need: 0,
            version: None,
            db: 0,
            expire_ms: None,
            idle: None,
            freq: None,
            crc: 0,
            done: false,
            failed: None,
            keys: 0,
        }
    }

    /// Append bytes received.
    pub fn feed(&mut self, data: &[u8]) {
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.base += self.start as u64;
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// [`Decoder::feed`] taking ownership: when nothing is buffered yet (a whole dump read
    /// from disk) the bytes become the buffer without a copy.
    pub fn feed_vec(&mut self, data: Vec<u8>) {
        if self.buf.len() == self.start {
            self.base += self.start as u64;
            self.start = 0;
            self.buf = data;
        } else {
            self.feed(&data);
        }
    }

    /// The next complete item, `Ok(None)` when more bytes are needed. After an error the
    /// decoder stays failed.
    pub fn next_item(&mut self) -> Result<Option<RdbItem>, RdbError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        loop {
            if self.done {
                return Ok(None);
            }
            let end = self.base + self.buf.len() as u64;
            if end < self.need {
                return Ok(None);
            }
            let offset = self.base + self.start as u64;
            let mut cur = Cursor::new(&self.buf[self.start..], offset, self.opts.total_len);
            let res = match self.version {
                None => parse_header(&mut cur),
                Some(v) => parse_step(&mut cur, v),
            };
            let step = match res {
                Ok(s) => s,
                Err(PErr::Incomplete(n)) => {
                    self.need = n.max(end + 1);
                    return Ok(None);
                }
                Err(PErr::Bad(e)) => {
                    self.failed = Some(e.clone());
                    return Err(e);
                }
            };
            let used = cur.pos();
            let item_bytes = &self.buf[self.start..self.start + used];
            let checking = self.opts.verify_checksum && self.version.is_some_and(|v| v >= 5);
            let item = match step {
                Step::Item(RdbItem::Eof { checksum }) => {
                    if checking {
                        let stored = checksum.unwrap_or(0);
                        let computed = crc64::crc64(self.crc, &item_bytes[..1]);
                        if stored != 0 && stored != computed {
                            let e = RdbError::at(
                                offset + 1,
                                format!("bad CRC: stored {stored:016x} computed {computed:016x}"),
                            );
                            self.failed = Some(e.clone());
                            return Err(e);
                        }
                    }
                    self.done = true;
                    Some(RdbItem::Eof { checksum })
                }
                step => {
                    if checking {
                        self.crc = crc64::crc64(self.crc, item_bytes);
                    }
                    self.apply(step)
                }
            };
            if let Some(RdbItem::Version(v)) = &item {
                self.version = Some(*v);
                if self.opts.verify_checksum && *v >= 5 {
                    self.crc = crc64::crc64(0, &self.buf[self.start..self.start + used]);
                }
            }
            self.start += used;
            self.need = 0;
            if item.is_some() {
                return Ok(item);
            }
        }
    }

    /// Turn a step into the item it yields (prefixes only update state).
    fn apply(&mut self, step: Step) -> Option<RdbItem> {
        match step {
            Step::Item(item) => {
                if let RdbItem::SelectDb(db) = item {
                    self.db = db;
                }
                Some(item)
            }
            Step::Key {
                key,
                value,
                rdb_type,
            } => {
                self.keys += 1;
                Some(RdbItem::Key(RdbKey {
                    db: self.db,
                    key,
                    value,
                    expire_ms: self.expire_ms.take(),
                    idle: self.idle.take(),
                    freq: self.freq.take(),
                    rdb_type,
                }))
            }
            Step::Expire(ms) => {
                self.expire_ms = Some(ms);
                None
            }
            Step::Idle(s) => {
                self.idle = Some(s);
                None
            }
            Step::Freq(f) => {
                self.freq = Some(f);
                None
            }
        }
    }

    /// The input ended: an error unless EOF was decoded (truncated dump).
    pub fn finish(&self) -> Result<(), RdbError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.done {
            return Ok(());
        }
        let end = self.base + self.buf.len() as u64;
        Err(RdbError::at(
            end,
            "truncated: the input ended before the EOF opcode",
        ))
    }

    /// True once `EOF` (and its checksum) was decoded.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Bytes consumed by the items returned so far (progress for the visualizer).
    pub fn consumed(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Keys returned so far.
    pub fn keys_loaded(&self) -> u64 {
        self.keys
    }

    /// Bytes fed but not consumed; once [`Decoder::is_done`], what followed the dump (for
    /// a disk-based full resync, the start of the command stream).
    pub fn trailing(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

/// Decode a complete dump held in memory. Bytes after the checksum are ignored.
pub fn decode_all(data: &[u8], opts: DecodeOptions) -> Result<RdbFile, RdbError> {
    let mut opts = opts;
    if opts.total_len.is_none() {
        opts.total_len = Some(data.len() as u64);
    }
    let mut dec = Decoder::new(opts);
    dec.feed(data);
    let mut file = RdbFile::default();
    loop {
        match dec.next_item()? {
            None => {
                dec.finish()?;
                return Ok(file);
            }
            Some(RdbItem::Version(v)) => file.version = v,
            Some(RdbItem::Aux { key, value }) => file.aux.push((key, value)),
            Some(RdbItem::Function(code)) => file.functions.push(code),
            Some(RdbItem::Key(k)) => file.keys.push(k),
            Some(RdbItem::SelectDb(_)) | Some(RdbItem::ResizeDb { .. }) => {}
            Some(RdbItem::Eof { checksum }) => {
                file.checksum = checksum;
                return Ok(file);
            }
        }
    }
}

/// `REDIS` + 4 decimal digits.
fn parse_header(cur: &mut Cursor<'_>) -> PResult<Step> {
    let at = cur.offset();
    // Refuse a wrong magic as soon as its first bytes are there.
    let prefix = cur.peek(5);
    if prefix != &b"REDIS"[..prefix.len()] {
        return Err(PErr::Bad(RdbError::at(
            at,
            "bad magic: not an RDB file (expected 'REDIS')",
        )));
    }
    let head = cur.take(9)?;
    let digits = &head[5..9];
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(PErr::Bad(RdbError::at(
            at + 5,
            format!(
                "bad magic: invalid RDB version '{}'",
                String::from_utf8_lossy(digits)
            ),
        )));
    }
    let v = digits
        .iter()
        .fold(0u32, |acc, d| acc * 10 + (d - b'0') as u32);
    if v == 0 || v > RDB_MAX_READ_VERSION {
        return Err(PErr::Bad(RdbError::at(
            at + 5,
            format!("unsupported RDB version {v}"),
        )));
    }
    Ok(Step::Item(RdbItem::Version(v)))
}

/// One opcode or key.
fn parse_step(cur: &mut Cursor<'_>, version: u32) -> PResult<Step> {
    let at = cur.offset();
    let op = cur.u8()?;
    Ok(match op {
        opcode::EOF => {
            let checksum = if version >= 5 {
                Some(u64::from_le_bytes(cur.array()?))
            } else {
                None
            };
            Step::Item(RdbItem::Eof { checksum })
        }
        opcode::SELECTDB => Step::Item(RdbItem::SelectDb(cur.len()?)),
        opcode::RESIZEDB => {
            let db_size = cur.len()?;
            let expires_size = cur.len()?;
            Step::Item(RdbItem::ResizeDb {
                db_size,
                expires_size,
            })
        }
        opcode::AUX => {
            let key = cur.string()?;
            let value = cur.string()?;
            Step::Item(RdbItem::Aux { key, value })
        }
        opcode::EXPIRETIME_MS => Step::Expire(cur.i64_le()?),
        opcode::EXPIRETIME => Step::Expire(cur.i32_le()? as i64 * 1000),
        opcode::IDLE => Step::Idle(cur.len()?),
        opcode::FREQ => Step::Freq(cur.u8()?),
        opcode::FUNCTION2 => Step::Item(RdbItem::Function(cur.string()?)),
        opcode::FUNCTION_PRE_GA => {
            let name = cur.string()?;
            let engine = cur.string()?;
            if cur.len()? != 0 {
                let _description = cur.string()?;
            }
            let code = cur.string()?;
            let mut lib = Vec::with_capacity(code.len() + name.len() + engine.len() + 9);
            lib.extend_from_slice(b"#!");
            lib.extend_from_slice(&engine);
            lib.extend_from_slice(b" name=");
            lib.extend_from_slice(&name);
            lib.push(b'\n');
            lib.extend_from_slice(&code);
            Step::Item(RdbItem::Function(lib))
        }
        opcode::MODULE_AUX => {
            return Err(PErr::Bad(RdbError::at(
                at,
                "module data not supported (MODULE_AUX)",
            )))
        }
        t => {
            let key = cur.sds()?;
            // Find the end of the value cheaply first, so that a value that is still
            // incomplete costs a structural scan per retry, not a full decode. Not needed
            // once the whole input is buffered (a dump read from disk).
            // (An invalid value is reported by the real parse, with a precise message.)
            if !cur.holds_all_input() {
                if let Err(PErr::Incomplete(n)) = skip_value(&mut cur.clone(), t) {
                    return Err(PErr::Incomplete(n));
                }
            }
            let value = parse_value(cur, t, &key, at)?;
            Step::Key {
                key,
                value,
                rdb_type: t,
            }
        }
    })
}

/// A key for error messages: printable ASCII kept, the rest escaped, long keys cut.
fn show_key(key: &[u8]) -> String {
    let mut s = String::new();
    for &b in key.iter().take(64) {
        if (0x20..0x7f).contains(&b) && b != b'\'' && b != b'\\' {
            s.push(b as char);
        } else {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    if key.len() > 64 {
        s.push_str("...");
    }
    s
}

/// An error about the value of `key` found at `at`.
fn value_err(at: u64, key: &[u8], msg: impl std::fmt::Display) -> PErr {
    PErr::Bad(RdbError::at(
        at,
        format!("{msg} in key '{}'", show_key(key)),
    ))
}

/// A nested blob that failed to parse.
fn blob_err(at: u64, key: &[u8], what: &str, e: impl std::fmt::Display) -> PErr {
    PErr::Bad(RdbError::at(
        at,
        format!("invalid {what} in key '{}': {e}", show_key(key)),
    ))
}

/// True when no two items are equal.
fn all_unique<'a>(items: impl Iterator<Item = &'a [u8]> + Clone) -> bool {
    super::load::all_distinct_bytes(items)
}

/// Read `count` elements of at least `min_each` bytes with `f`, keeping the "bytes needed"
/// hint of an incomplete read a lower bound of what the whole collection needs.
fn read_elems<T>(
    cur: &mut Cursor<'_>,
    count: u64,
    min_each: u64,
    mut f: impl FnMut(&mut Cursor<'_>) -> PResult<T>,
) -> PResult<Vec<T>> {
    let cap = cur.need_elems(count, min_each)?;
    let mut out = Vec::with_capacity(cap);
    for i in 0..count {
        let rest = (count - i - 1).saturating_mul(min_each);
        out.push(f(cur).map_err(|e| need_more(e, rest))?);
    }
    Ok(out)
}

/// A listpack/ziplist entry as a score (integers, or text through a strtod-like parser).
fn entry_score(e: &LpEntry) -> Option<f64> {
    match e {
        LpEntry::Int(n) => Some(*n as f64),
        LpEntry::Str(s) => {
            if s.is_empty() || s.len() > 128 {
                return None;
            }
            let (v, _) = crate::strtod::strtod_all(s)?;
            (!v.is_nan()).then_some(v)
        }
    }
}

#[cfg(feature = "full")]
/// A listpack entry as an integer (stream metadata).
fn entry_int(e: &LpEntry) -> Option<i64> {
    match e {
        LpEntry::Int(n) => Some(*n),
        LpEntry::Str(s) => crate::util::parse_i64(s),
    }
}

/// A listpack/ziplist entry as a keyspace string (integers as decimal text).
fn entry_sds(e: LpEntryRef<'_>) -> Sds {
    match e {
        LpEntryRef::Str(s) => Sds::from_slice(s),
        LpEntryRef::Int(n) => Sds::from_slice(crate::util::fmt_i64(n).as_bytes()),
    }
}

/// A listpack/ziplist entry as a score (integers, or text through a strtod-like parser).
fn entry_ref_score(e: LpEntryRef<'_>) -> Option<f64> {
    match e {
        LpEntryRef::Int(n) => Some(n as f64),
        LpEntryRef::Str(s) => entry_score(&LpEntry::Str(s.to_vec())),
    }
}

#[cfg(feature = "full")]
/// A borrowed view of an owned entry.
fn lp_ref(e: &LpEntry) -> LpEntryRef<'_> {
    match e {
        LpEntry::Int(n) => LpEntryRef::Int(*n),
        LpEntry::Str(s) => LpEntryRef::Str(s),
    }
}

#[cfg(feature = "full")]
/// Flat (member, score) entries as zset pairs.
fn zset_pairs(entries: &[LpEntryRef<'_>]) -> Result<Vec<(Sds, f64)>, String> {
    if !entries.len().is_multiple_of(2) {
        return Err(format!("odd number of entries ({})", entries.len()));
    }
    entries
        .chunks_exact(2)
        .map(|p| {
            let score = entry_ref_score(p[1]).ok_or_else(|| format!("invalid score {:?}", p[1]))?;
            Ok((entry_sds(p[0]), score))
        })
        .collect()
}

#[cfg(feature = "full")]
/// Flat (field, value) entries as hash pairs.
fn hash_pairs(entries: &[LpEntryRef<'_>]) -> Result<Vec<(Sds, Sds)>, String> {
    if !entries.len().is_multiple_of(2) {
        return Err(format!("odd number of entries ({})", entries.len()));
    }
    Ok(entries
        .chunks_exact(2)
        .map(|p| (entry_sds(p[0]), entry_sds(p[1])))
        .collect())
}

/// The entry count a listpack's header announces, as a capacity hint: 0 when unknown, and
/// never more than the blob could hold (every entry takes at least 2 bytes).
fn lp_count_hint(blob: &[u8]) -> usize {
    match blob.get(4..6) {
        Some(&[a, b]) => match u16::from_le_bytes([a, b]) {
            listpack::NUMELE_UNKNOWN => 0,
            n => usize::from(n).min(blob.len() / 2),
        },
        _ => 0,
    }
}

/// A listpack of flat (field, value) entries as hash pairs, in one pass over the blob.
fn lp_hash_pairs(blob: &[u8]) -> Result<Vec<(Sds, Sds)>, String> {
    let mut items = Vec::with_capacity(lp_count_hint(blob) / 2);
    let mut field: Option<Sds> = None;
    let n = listpack::walk(blob, |e| {
        let s = entry_sds(e);
        match field.take() {
            None => field = Some(s),
            Some(f) => items.push((f, s)),
        }
    })?;
    if field.is_some() {
        return Err(format!("odd number of entries ({n})"));
    }
    Ok(items)
}

/// A listpack of flat (member, score) entries as zset pairs, in one pass over the blob.
fn lp_zset_pairs(blob: &[u8]) -> Result<Vec<(Sds, f64)>, String> {
    let mut items = Vec::with_capacity(lp_count_hint(blob) / 2);
    let mut member: Option<Sds> = None;
    let mut bad: Option<String> = None;
    let n = listpack::walk(blob, |e| match member.take() {
        None => member = Some(entry_sds(e)),
        Some(m) => match entry_ref_score(e) {
            Some(score) => items.push((m, score)),
            None => {
                if bad.is_none() {
                    bad = Some(format!("invalid score {e:?}"));
                }
            }
        },
    })?;
    if member.is_some() {
        return Err(format!("odd number of entries ({n})"));
    }
    match bad {
        Some(e) => Err(e),
        None => Ok(items),
    }
}

/// A type 3 text double: length byte, then text; 253/254/255 are NaN/+inf/-inf.
fn text_double(cur: &mut Cursor<'_>) -> PResult<f64> {
    let at = cur.offset();
    let n = cur.u8()?;
    match n {
        253 => Ok(f64::NAN),
        254 => Ok(f64::INFINITY),
        255 => Ok(f64::NEG_INFINITY),
        n => {
            let s = cur.take(n as u64)?;
            match crate::strtod::strtod_all(s) {
                Some((v, _)) => Ok(v),
                None => Err(PErr::Bad(RdbError::at(
                    at,
                    format!("invalid double '{}'", String::from_utf8_lossy(s)),
                ))),
            }
        }
    }
}

/// The value of a key of type `t` (the type byte was at `type_at`).
fn parse_value(cur: &mut Cursor<'_>, t: u8, key: &[u8], type_at: u64) -> PResult<RdbValue> {
    let at = cur.offset();
    Ok(match t {
        rdb_type::STRING => RdbValue::String(cur.sds()?),
        rdb_type::LIST => {
            let n = cur.len()?;
            RdbValue::List(read_elems(cur, n, 1, |c| c.sds())?)
        }
        rdb_type::SET => {
            let n = cur.len()?;
            let members = read_elems(cur, n, 1, |c| c.sds())?;
            if !all_unique(members.iter().map(|m| m.as_slice())) {
                return Err(value_err(at, key, "duplicate set members detected"));
            }
            RdbValue::Set(members)
        }
        rdb_type::ZSET | rdb_type::ZSET_2 => {
            let n = cur.len()?;
            let min = if t == rdb_type::ZSET { 2 } else { 9 };
            let items = read_elems(cur, n, min, |c| {
                let m = c.sds()?;
                let s = if t == rdb_type::ZSET {
                    text_double(c)?
                } else {
                    c.f64_le()?
                };
                Ok((m, s))
            })?;
            if items.iter().any(|(_, s)| s.is_nan()) {
                return Err(value_err(at, key, "zset with NaN score detected"));
            }
            if !all_unique(items.iter().map(|(m, _)| m.as_slice())) {
                return Err(value_err(at, key, "duplicate zset members detected"));
            }
            RdbValue::ZSet(items)
        }
        rdb_type::HASH => {
            let n = cur.len()?;
            let items = read_elems(cur, n, 2, |c| Ok((c.sds()?, c.sds()?)))?;
            if !all_unique(items.iter().map(|(f, _)| f.as_slice())) {
                return Err(value_err(at, key, "duplicate hash fields detected"));
            }
            RdbValue::Hash(items)
        }
        rdb_type::MODULE | rdb_type::MODULE_2 => {
            return Err(PErr::Bad(RdbError::at(
                type_at,
                format!("module data not supported (object type {t})"),
            )))
        }
        #[cfg(feature = "full")]
        rdb_type::HASH_ZIPMAP => {
            let blob = cur.string()?;
            let items = zipmap::parse(&blob).map_err(|e| blob_err(at, key, "zipmap", e))?;
            RdbValue::Hash(
                items
                    .into_iter()
                    .map(|(f, v)| (Sds::from_vec(f), Sds::from_vec(v)))
                    .collect(),
            )
        }
        #[cfg(feature = "full")]
        rdb_type::LIST_ZIPLIST => {
            let blob = cur.string()?;
            let items = ziplist::parse(&blob).map_err(|e| blob_err(at, key, "ziplist", e))?;
            RdbValue::List(items.iter().map(|e| entry_sds(lp_ref(e))).collect())
        }
        rdb_type::SET_INTSET => {
            let blob = cur.string_cow()?;
            let items = intset::parse(&blob).map_err(|e| blob_err(at, key, "intset", e))?;
            RdbValue::Set(
                items
                    .into_iter()
                    .map(|n| entry_sds(LpEntryRef::Int(n)))
                    .collect(),
            )
        }
        #[cfg(feature = "full")]
        rdb_type::ZSET_ZIPLIST | rdb_type::HASH_ZIPLIST => {
            let blob = cur.string()?;
            let owned = ziplist::parse(&blob).map_err(|e| blob_err(at, key, "ziplist", e))?;
            let entries: Vec<LpEntryRef<'_>> = owned.iter().map(lp_ref).collect();
            if t == rdb_type::ZSET_ZIPLIST {
                let items = zset_pairs(&entries).map_err(|e| blob_err(at, key, "ziplist", e))?;
                if !all_unique(items.iter().map(|(m, _)| m.as_slice())) {
                    return Err(blob_err(at, key, "ziplist", "duplicate members"));
                }
                RdbValue::ZSet(items)
            } else {
                let items = hash_pairs(&entries).map_err(|e| blob_err(at, key, "ziplist", e))?;
                if !all_unique(items.iter().map(|(f, _)| f.as_slice())) {
                    return Err(blob_err(at, key, "ziplist", "duplicate fields"));
                }
                RdbValue::Hash(items)
            }
        }
        rdb_type::ZSET_LISTPACK => {
            let blob = cur.string_cow()?;
            let items = lp_zset_pairs(&blob).map_err(|e| blob_err(at, key, "listpack", e))?;
            if !all_unique(items.iter().map(|(m, _)| m.as_slice())) {
                return Err(blob_err(at, key, "listpack", "duplicate members"));
            }
            RdbValue::ZSet(items)
        }
        rdb_type::HASH_LISTPACK => {
            let blob = cur.string_cow()?;
            let items = lp_hash_pairs(&blob).map_err(|e| blob_err(at, key, "listpack", e))?;
            if !all_unique(items.iter().map(|(f, _)| f.as_slice())) {
                return Err(blob_err(at, key, "listpack", "duplicate fields"));
            }
            RdbValue::Hash(items)
        }
        rdb_type::SET_LISTPACK => {
            let blob = cur.string_cow()?;
            let mut members: Vec<Sds> = Vec::with_capacity(lp_count_hint(&blob));
            listpack::walk(&blob, |e| members.push(entry_sds(e)))
                .map_err(|e| blob_err(at, key, "listpack", e))?;
            if !all_unique(members.iter().map(|m| m.as_slice())) {
                return Err(blob_err(at, key, "listpack", "duplicate members"));
            }
            RdbValue::Set(members)
        }
        #[cfg(feature = "full")]
        rdb_type::LIST_QUICKLIST => {
            let n = cur.len()?;
            let nodes = read_elems(cur, n, 1, |c| Ok((c.offset(), c.string()?)))?;
            let mut list = Vec::new();
            for (node_at, blob) in nodes {
                let items =
                    ziplist::parse(&blob).map_err(|e| blob_err(node_at, key, "ziplist", e))?;
                list.extend(items.iter().map(|e| entry_sds(lp_ref(e))));
            }
            RdbValue::List(list)
        }
        rdb_type::LIST_QUICKLIST_2 => {
            let n = cur.len()?;
            // As `read_elems`, but borrowing the node blobs from the input (a small list is
            // one node: no allocation besides the list itself).
            let cap = cur.need_elems(n, 2)?;
            let mut nodes: smallvec::SmallVec<[_; 1]> = smallvec::SmallVec::with_capacity(cap);
            for i in 0..n {
                let rest = (n - i - 1).saturating_mul(2);
                let container_at = cur.offset();
                let container = cur.len().map_err(|e| need_more(e, rest))?;
                let node_at = cur.offset();
                let blob = cur.string_cow().map_err(|e| need_more(e, rest))?;
                nodes.push((container_at, container, node_at, blob));
            }
            let hint: usize = nodes
                .iter()
                .map(|(_, c, _, blob)| if *c == 2 { lp_count_hint(blob) } else { 1 })
                .sum();
            let mut list = Vec::with_capacity(hint);
            for (container_at, container, node_at, blob) in nodes {
                if blob.is_empty() {
                    return Err(value_err(node_at, key, "empty quicklist node"));
                }
                match container {
                    1 => list.push(Sds::from_vec(blob.into_owned())),
                    2 => {
                        listpack::walk(&blob, |e| list.push(entry_sds(e)))
                            .map_err(|e| blob_err(node_at, key, "listpack", e))?;
                    }
                    c => {
                        return Err(value_err(
                            container_at,
                            key,
                            format_args!("invalid quicklist container {c}"),
                        ))
                    }
                }
            }
            RdbValue::List(list)
        }
        #[cfg(feature = "full")]
        rdb_type::STREAM_LISTPACKS
        | rdb_type::STREAM_LISTPACKS_2
        | rdb_type::STREAM_LISTPACKS_3 => RdbValue::Stream(Box::new(parse_stream(cur, t, key)?)),
        t => {
            return Err(PErr::Bad(RdbError::at(
                type_at,
                format!("unknown object type {t}"),
            )))
        }
    })
}

#[cfg(feature = "full")]
/// A 16-byte big-endian stream id (rax key / PEL id).
fn raw_id(b: &[u8]) -> StreamId {
    let mut ms = [0u8; 8];
    let mut seq = [0u8; 8];
    ms.copy_from_slice(&b[..8]);
    seq.copy_from_slice(&b[8..16]);
    StreamId {
        ms: u64::from_be_bytes(ms),
        seq: u64::from_be_bytes(seq),
    }
}

#[cfg(feature = "full")]
/// A stream id stored as two lengths.
fn len_id(cur: &mut Cursor<'_>) -> PResult<StreamId> {
    Ok(StreamId {
        ms: cur.len()?,
        seq: cur.len()?,
    })
}

#[cfg(feature = "full")]
/// Stream entry flag: tombstone.
const STREAM_ITEM_FLAG_DELETED: i64 = 1;
#[cfg(feature = "full")]
/// Stream entry flag: the entry uses the master entry's fields.
const STREAM_ITEM_FLAG_SAMEFIELDS: i64 = 2;

#[cfg(feature = "full")]
/// A stream entry's fields and values.
type StreamFields = Vec<(Vec<u8>, Vec<u8>)>;

#[cfg(feature = "full")]
/// The live entries of one stream listpack (§9).
fn stream_node(
    master: StreamId,
    e: Vec<LpEntry>,
    out: &mut Vec<(StreamId, StreamFields)>,
) -> Result<(), String> {
    let int = |i: usize| -> Result<i64, String> {
        e.get(i)
            .ok_or_else(|| "listpack ends inside an entry".to_string())
            .and_then(|x| entry_int(x).ok_or_else(|| format!("expected an integer at entry {i}")))
    };
    let count = int(0)?;
    let deleted = int(1)?;
    let nf = int(2)?;
    if count < 0 || deleted < 0 || nf < 0 || nf as u64 > e.len() as u64 {
        return Err("invalid master entry".into());
    }
    let nf = nf as usize;
    let master_fields: Vec<Vec<u8>> = e[3..(3 + nf).min(e.len())]
        .iter()
        .map(LpEntry::to_bytes)
        .collect();
    if master_fields.len() != nf || int(3 + nf)? != 0 {
        return Err("invalid master entry terminator".into());
    }
    let mut i = 4 + nf;
    let (mut live, mut dead) = (0i64, 0i64);
    while i < e.len() {
        let start = i;
        let flags = int(i)?;
        let ms_delta = int(i + 1)?;
        let seq_delta = int(i + 2)?;
        i += 3;
        let id = StreamId {
            ms: master.ms.wrapping_add(ms_delta as u64),
            seq: master.seq.wrapping_add(seq_delta as u64),
        };
        let mut fields = Vec::new();
        let keep = flags & STREAM_ITEM_FLAG_DELETED == 0;
        let expected_lp_count;
        if flags & STREAM_ITEM_FLAG_SAMEFIELDS != 0 {
            if e.len() - i < nf {
                return Err("listpack ends inside an entry".into());
            }
            if keep {
                fields = master_fields
                    .iter()
                    .cloned()
                    .zip(e[i..i + nf].iter().map(LpEntry::to_bytes))
                    .collect();
            }
            i += nf;
            expected_lp_count = nf as i64 + 3;
        } else {
            let n = int(i)?;
            i += 1;
            if n < 0 || (n as u64).saturating_mul(2) > (e.len() - i) as u64 {
                return Err("invalid entry field count".into());
            }
            let n = n as usize;
            if keep {
                fields = e[i..i + 2 * n]
                    .chunks(2)
                    .map(|p| (p[0].to_bytes(), p[1].to_bytes()))
                    .collect();
            }
            i += 2 * n;
            expected_lp_count = 2 * n as i64 + 4;
        }
        let lp_count = int(i)?;
        i += 1;
        if lp_count != expected_lp_count {
            return Err(format!(
                "entry at listpack index {start}: lp-count {lp_count}, expected {expected_lp_count}"
            ));
        }
        if keep {
            live += 1;
            out.push((id, fields));
        } else {
            dead += 1;
        }
    }
    if live != count || dead != deleted {
        return Err(format!(
            "master entry counts {count} live / {deleted} deleted, found {live} / {dead}"
        ));
    }
    Ok(())
}

#[cfg(feature = "full")]
/// A stream (types 15, 19, 21).
fn parse_stream(cur: &mut Cursor<'_>, t: u8, key: &[u8]) -> PResult<StreamData> {
    let mut s = StreamData::default();
    let n_nodes = cur.len()?;
    // Read the nodes' raw strings first (bounded), then parse them.
    let nodes = read_elems(cur, n_nodes, 2, |c| {
        let id_at = c.offset();
        let id = c.string()?;
        let lp_at = c.offset();
        Ok((id_at, id, lp_at, c.string()?))
    })?;
    for (id_at, id, lp_at, lp) in nodes {
        if id.len() != 16 {
            return Err(value_err(id_at, key, "stream node key is not a 16-byte id"));
        }
        let master = raw_id(&id);
        let entries = listpack::parse(&lp).map_err(|e| blob_err(lp_at, key, "listpack", e))?;
        if entries.is_empty() {
            return Err(value_err(lp_at, key, "empty listpack inside stream"));
        }
        stream_node(master, entries, &mut s.entries)
            .map_err(|e| blob_err(lp_at, key, "stream listpack", e))?;
    }
    s.length = cur.len()?;
    s.last_id = len_id(cur)?;
    if t >= rdb_type::STREAM_LISTPACKS_2 {
        s.first_id = len_id(cur)?;
        s.max_deleted_entry_id = len_id(cur)?;
        s.entries_added = cur.len()?;
    } else {
        s.entries_added = s.length;
    }
    let n_groups = cur.len()?;
    let min_group = if t >= rdb_type::STREAM_LISTPACKS_2 {
        6
    } else {
        5
    };
    s.groups = read_elems(cur, n_groups, min_group, |c| parse_group(c, t, key))?;
    Ok(s)
}

#[cfg(feature = "full")]
/// One consumer group.
fn parse_group(cur: &mut Cursor<'_>, t: u8, key: &[u8]) -> PResult<StreamGroup> {
    let mut g = StreamGroup {
        name: cur.string()?,
        last_id: len_id(cur)?,
        ..Default::default()
    };
    if t >= rdb_type::STREAM_LISTPACKS_2 {
        let r = cur.len()?;
        g.entries_read = (r != u64::MAX).then_some(r);
    }
    let pel_at = cur.offset();
    let n_pel = cur.len()?;
    g.pel = read_elems(cur, n_pel, 25, |c| {
        let id = raw_id(c.take(16)?);
        let time = c.i64_le()? as u64;
        let count = c.len()?;
        Ok((id, time, count))
    })?;
    if !all_unique_ids(g.pel.iter().map(|p| p.0)) {
        return Err(value_err(pel_at, key, "duplicated global PEL entry"));
    }
    let n_consumers = cur.len()?;
    let min_consumer = if t == rdb_type::STREAM_LISTPACKS_3 {
        18
    } else {
        10
    };
    let mut owned = HashSet::new();
    let pel_ids: HashSet<StreamId> = g.pel.iter().map(|p| p.0).collect();
    g.consumers = read_elems(cur, n_consumers, min_consumer, |c| {
        let name = c.string()?;
        let seen_time = c.i64_le()? as u64;
        let active_time = if t == rdb_type::STREAM_LISTPACKS_3 {
            Some(c.i64_le()? as u64)
        } else {
            None
        };
        let n = c.len()?;
        let pel = read_elems(c, n, 16, |c2| {
            let at = c2.offset();
            let id = raw_id(c2.take(16)?);
            if !pel_ids.contains(&id) {
                return Err(value_err(
                    at,
                    key,
                    "consumer PEL entry not found in the group PEL",
                ));
            }
            if !owned.insert(id) {
                return Err(value_err(at, key, "duplicated consumer PEL entry"));
            }
            Ok(id)
        })?;
        Ok(StreamConsumer {
            name,
            seen_time,
            active_time,
            pel,
        })
    })?;
    Ok(g)
}

#[cfg(feature = "full")]
/// True when no two ids are equal.
fn all_unique_ids(ids: impl Iterator<Item = StreamId>) -> bool {
    crate::util::all_distinct(ids)
}

/// Skip `count` elements of at least `min_each` bytes (see [`read_elems`]).
fn skip_elems(
    cur: &mut Cursor<'_>,
    count: u64,
    min_each: u64,
    mut f: impl FnMut(&mut Cursor<'_>) -> PResult<()>,
) -> PResult<()> {
    cur.need_elems(count, min_each)?;
    for i in 0..count {
        let rest = (count - i - 1).saturating_mul(min_each);
        f(cur).map_err(|e| need_more(e, rest))?;
    }
    Ok(())
}

/// Walk over a value of type `t` without decoding it: only its end matters (how many bytes
/// it needs). Anything invalid is left to [`parse_value`], which reports it.
fn skip_value(cur: &mut Cursor<'_>, t: u8) -> PResult<()> {
    match t {
        rdb_type::STRING
        | rdb_type::HASH_ZIPMAP
        | rdb_type::LIST_ZIPLIST
        | rdb_type::SET_INTSET
        | rdb_type::ZSET_ZIPLIST
        | rdb_type::HASH_ZIPLIST
        | rdb_type::HASH_LISTPACK
        | rdb_type::ZSET_LISTPACK
        | rdb_type::SET_LISTPACK => cur.skip_string(),
        rdb_type::LIST | rdb_type::SET | rdb_type::LIST_QUICKLIST => {
            let n = cur.len()?;
            skip_elems(cur, n, 1, |c| c.skip_string())
        }
        rdb_type::HASH => {
            let n = cur.len()?;
            skip_elems(cur, n, 2, |c| {
                c.skip_string()?;
                c.skip_string()
            })
        }
        rdb_type::ZSET => {
            let n = cur.len()?;
            skip_elems(cur, n, 2, |c| {
                c.skip_string()?;
                match c.u8()? {
                    253..=255 => Ok(()),
                    l => c.take(l as u64).map(drop),
                }
            })
        }
        rdb_type::ZSET_2 => {
            let n = cur.len()?;
            skip_elems(cur, n, 9, |c| {
                c.skip_string()?;
                c.take(8).map(drop)
            })
        }
        rdb_type::LIST_QUICKLIST_2 => {
            let n = cur.len()?;
            skip_elems(cur, n, 2, |c| {
                c.len()?;
                c.skip_string()
            })
        }
        rdb_type::STREAM_LISTPACKS
        | rdb_type::STREAM_LISTPACKS_2
        | rdb_type::STREAM_LISTPACKS_3 => {
            let v2 = t >= rdb_type::STREAM_LISTPACKS_2;
            let v3 = t == rdb_type::STREAM_LISTPACKS_3;
            let n = cur.len()?;
            skip_elems(cur, n, 2, |c| {
                c.skip_string()?;
                c.skip_string()
            })?;
            for _ in 0..if v2 { 8 } else { 3 } {
                cur.len()?;
            }
            let n = cur.len()?;
            skip_elems(cur, n, if v2 { 6 } else { 5 }, |c| {
                c.skip_string()?;
                for _ in 0..if v2 { 3 } else { 2 } {
                    c.len()?;
                }
                let n = c.len()?;
                skip_elems(c, n, 25, |c| {
                    c.take(24)?;
                    c.len().map(drop)
                })?;
                let n = c.len()?;
                skip_elems(c, n, if v3 { 18 } else { 10 }, |c| {
                    c.skip_string()?;
                    c.take(if v3 { 16 } else { 8 })?;
                    let n = c.len()?;
                    c.take(n.saturating_mul(16)).map(drop)
                })
            })
        }
        // errors (modules, unknown types) are reported by the real parse
        _ => Ok(()),
    }
}
