//! `replscope-check-rdb`: Redis's `redis-check-rdb` for ReplScope.
//!
//! [`check`] walks a dump with the core's incremental RDB decoder and either returns what it
//! found ([`Report`]: the decoded file plus a log of what was read at which offset) or the
//! first problem, with the byte offset where it was found ([`CheckError`]). [`summary`]
//! prints a report the way `redis-check-rdb` 7.0.15 does (`[offset N] ...` lines, then
//! `[info]` counters, plus keys per db and per type); [`to_json`] prints the logical content
//! of the dump (issue #3's `--json` format); [`run`] is the whole command line tool.
//!
//! JSON format: `{"aux": {...}, "databases": {"0": {"<key>": {"type": "string", "value": ...,
//! "expire_ms": 1700000000000 | null}}}, "functions": [...]}`. Bytes that are valid UTF-8
//! become JSON strings, others `{"hex": "<lowercase hex>"}` (object keys: `"hex:<hex>"`).
//! Databases come by number, keys sorted bytewise, aux fields in file order; sets are sorted
//! bytewise, hashes by field, zsets in rank order (score, then member) with the score as
//! `ZSCORE` prints it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write;

use replscope_core::rdb::decode::{DecodeOptions, Decoder};
use replscope_core::rdb::model::Sds;
use replscope_core::rdb::model::{StreamData, StreamId};
use replscope_core::rdb::{rdb_type, RdbFile, RdbItem, RdbKey, RdbValue};
use replscope_core::util::fmt_f64;

/// One line of the check log: the offset right after the item and what it was.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// Offset from the start of the file after the item was read.
    pub offset: u64,
    /// What was read (`AUX FIELD redis-ver = '7.0.15'`, `Selecting DB ID 0` ...).
    pub text: String,
}

/// A dump that passed the check.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// The decoded content.
    pub file: RdbFile,
    /// What was read at which offset (AUX fields, SELECTDB, functions, EOF).
    pub log: Vec<LogLine>,
    /// Bytes taken by the dump up to and including its checksum.
    pub consumed: u64,
    /// Bytes after the end of the dump (ignored, as Redis does).
    pub trailing: u64,
    /// Keys whose expiry is before the check's clock (`already expired`).
    pub already_expired: u64,
}

/// The first problem found in a dump.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckError {
    /// Byte offset of the problem from the start of the file.
    pub offset: u64,
    /// What was wrong.
    pub message: String,
    /// What had been read until then (for the error report).
    pub log: Vec<LogLine>,
    /// Keys read before the problem.
    pub keys_read: u64,
    /// The last key read successfully before the problem, with its db.
    pub last_key: Option<(u64, Vec<u8>)>,
    /// Where the item being read when the problem was found starts.
    pub item_offset: u64,
}

fn rdb_type_name(t: u8) -> &'static str {
    match t {
        rdb_type::STRING => "string",
        rdb_type::LIST => "list-linked",
        rdb_type::SET => "set-hashtable",
        rdb_type::ZSET => "zset-v1",
        rdb_type::HASH => "hash-hashtable",
        rdb_type::ZSET_2 => "zset-v2",
        rdb_type::MODULE => "module-pre-release",
        rdb_type::MODULE_2 => "module-value",
        rdb_type::HASH_ZIPMAP => "hash-zipmap",
        rdb_type::LIST_ZIPLIST => "list-ziplist",
        rdb_type::SET_INTSET => "set-intset",
        rdb_type::ZSET_ZIPLIST => "zset-ziplist",
        rdb_type::HASH_ZIPLIST => "hash-ziplist",
        rdb_type::LIST_QUICKLIST => "quicklist",
        rdb_type::STREAM_LISTPACKS => "stream",
        rdb_type::HASH_LISTPACK => "hash-listpack",
        rdb_type::ZSET_LISTPACK => "zset-listpack",
        rdb_type::LIST_QUICKLIST_2 => "quicklist-v2",
        rdb_type::STREAM_LISTPACKS_2 => "stream-v2",
        rdb_type::SET_LISTPACK => "set-listpack",
        rdb_type::STREAM_LISTPACKS_3 => "stream-v3",
        _ => "unknown",
    }
}

/// Bytes shown for a human: printable ASCII as is, the rest as `\xHH`.
fn show(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'\'' => s.push_str("\\'"),
            0x20..=0x7e => s.push(c as char),
            _ => {
                let _ = write!(s, "\\x{c:02x}");
            }
        }
    }
    s
}

/// The library name from a function library's `#!lua name=NAME ...` first line.
fn library_name(code: &[u8]) -> Option<&[u8]> {
    let first = code.split(|&c| c == b'\n').next()?;
    first
        .split(|&c| c == b' ')
        .find_map(|w| w.strip_prefix(b"name="))
}

/// Check a dump held in memory. `now_ms` is the clock used to count already expired keys.
///
/// Besides what the decoder refuses, a key found twice in the same db is an error (a real
/// server panics on it).
pub fn check(data: &[u8], now_ms: i64) -> Result<Report, CheckError> {
    let mut dec = Decoder::new(DecodeOptions {
        verify_checksum: true,
        total_len: Some(data.len() as u64),
    });
    dec.feed(data);
    let mut report = Report::default();
    let mut seen: BTreeSet<(u64, Vec<u8>)> = BTreeSet::new();
    let fail = |report: &Report, item_offset: u64, offset: u64, message: String| CheckError {
        offset,
        message,
        item_offset,
        log: report.log.clone(),
        keys_read: report.file.keys.len() as u64,
        last_key: report.file.keys.last().map(|k| (k.db, k.key.to_vec())),
    };
    loop {
        let before = dec.consumed();
        let item = match dec.next_item() {
            Ok(Some(item)) => item,
            Ok(None) => {
                if dec.is_done() {
                    break;
                }
                // Everything was fed: the decoder wants bytes that do not exist.
                let e = match dec.finish() {
                    Err(e) => e,
                    Ok(()) => break,
                };
                return Err(fail(&report, before, e.offset, e.message));
            }
            Err(e) => return Err(fail(&report, before, e.offset, e.message)),
        };
        let offset = dec.consumed();
        let text = match item {
            RdbItem::Version(v) => {
                report.file.version = v;
                format!("RDB version {v}")
            }
            RdbItem::Aux { key, value } => {
                let t = format!("AUX FIELD {} = '{}'", show(&key), show(&value));
                report.file.aux.push((key, value));
                t
            }
            RdbItem::SelectDb(n) => {
                format!("Selecting DB ID {n}")
            }
            RdbItem::ResizeDb {
                db_size,
                expires_size,
            } => format!("RESIZEDB hint: {db_size} keys, {expires_size} expires"),
            RdbItem::Function(code) => {
                let t = match library_name(&code) {
                    Some(name) => {
                        format!("Function library '{}' ({} bytes)", show(name), code.len())
                    }
                    None => format!("Function library ({} bytes)", code.len()),
                };
                report.file.functions.push(code);
                t
            }
            RdbItem::Key(k) => {
                if !seen.insert((k.db, k.key.to_vec())) {
                    return Err(fail(
                        &report,
                        before,
                        before,
                        format!("duplicate key '{}' in db {}", show(&k.key), k.db),
                    ));
                }
                if k.expire_ms.is_some_and(|e| e < now_ms) {
                    report.already_expired += 1;
                }
                report.file.keys.push(k);
                continue;
            }
            RdbItem::Eof { checksum } => {
                report.file.checksum = checksum;
                report.log.push(LogLine {
                    offset,
                    text: match checksum {
                        None => "No checksum (RDB version < 5)".to_string(),
                        Some(0) => "RDB file was saved with checksum disabled: no check performed."
                            .to_string(),
                        Some(c) => format!("Checksum OK ({c:016x})"),
                    },
                });
                report.consumed = offset;
                report.trailing = (data.len() as u64).saturating_sub(offset);
                break;
            }
        };
        report.log.push(LogLine { offset, text });
    }
    Ok(report)
}

/// Per-db counters for the summary.
#[derive(Default)]
struct DbStats {
    keys: u64,
    expires: u64,
    by_type: BTreeMap<&'static str, u64>,
    by_encoding: BTreeMap<&'static str, u64>,
}

/// The human-readable report of a dump that passed, in `redis-check-rdb`'s style.
pub fn summary(path: &str, report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "[offset 0] Checking RDB file {path}");
    for l in &report.log {
        let _ = writeln!(out, "[offset {}] {}", l.offset, l.text);
    }
    let _ = writeln!(out, "[offset {}] \\o/ RDB looks OK! \\o/", report.consumed);
    if report.trailing > 0 {
        let _ = writeln!(
            out,
            "[info] {} bytes after the end of the dump (ignored)",
            report.trailing
        );
    }
    let f = &report.file;
    let expires = f.keys.iter().filter(|k| k.expire_ms.is_some()).count();
    let _ = writeln!(out, "[info] {} keys read", f.keys.len());
    let _ = writeln!(out, "[info] {expires} expires");
    let _ = writeln!(out, "[info] {} already expired", report.already_expired);
    let _ = writeln!(out, "[info] {} function libraries", f.functions.len());
    let mut dbs: BTreeMap<u64, DbStats> = BTreeMap::new();
    for k in &f.keys {
        let s = dbs.entry(k.db).or_default();
        s.keys += 1;
        if k.expire_ms.is_some() {
            s.expires += 1;
        }
        *s.by_type.entry(k.value.type_name()).or_default() += 1;
        *s.by_encoding.entry(rdb_type_name(k.rdb_type)).or_default() += 1;
    }
    for (db, s) in &dbs {
        let join = |m: &BTreeMap<&str, u64>| {
            m.iter()
                .map(|(t, n)| format!("{t}={n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "[info] db {db}: {} keys, {} expires; types: {}; encodings: {}",
            s.keys,
            s.expires,
            join(&s.by_type),
            join(&s.by_encoding)
        );
    }
    out
}

/// The report of a dump that failed, in `redis-check-rdb`'s style.
pub fn error_report(path: &str, err: &CheckError) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "[offset 0] Checking RDB file {path}");
    for l in &err.log {
        let _ = writeln!(out, "[offset {}] {}", l.offset, l.text);
    }
    let _ = writeln!(out, "--- RDB ERROR DETECTED ---");
    // Decoder messages may quote raw bytes: keep the report one line per item.
    let message: String = err
        .message
        .chars()
        .map(|c| match c {
            c if (c as u32) < 0x20 || c == '\u{7f}' => format!("\\x{:02x}", c as u32),
            c => c.to_string(),
        })
        .collect();
    let _ = writeln!(out, "[offset {}] {message}", err.offset);
    if err.item_offset != err.offset {
        let _ = writeln!(
            out,
            "[additional info] while reading the item that starts at offset {}",
            err.item_offset
        );
    }
    if let Some((db, key)) = &err.last_key {
        let _ = writeln!(
            out,
            "[additional info] last key read before the error: '{}' (db {db})",
            show(key)
        );
    }
    let _ = writeln!(out, "[info] {} keys read", err.keys_read);
    out
}

// ---------------------------------------------------------------------------------------
// JSON

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for c in b {
        let _ = write!(s, "{c:02x}");
    }
    s
}

/// Bytes as a JSON value: a string when valid UTF-8, else `{"hex": "..."}`.
fn json_bytes(out: &mut String, b: &[u8]) {
    match std::str::from_utf8(b) {
        Ok(s) => json_str(out, s),
        Err(_) => {
            out.push_str("{\"hex\":\"");
            out.push_str(&hex(b));
            out.push_str("\"}");
        }
    }
}

/// Bytes as a JSON object key: the string when valid UTF-8, else `"hex:..."`.
fn json_key(out: &mut String, b: &[u8]) {
    match std::str::from_utf8(b) {
        Ok(s) => json_str(out, s),
        Err(_) => json_str(out, &format!("hex:{}", hex(b))),
    }
}

fn id_str(id: StreamId) -> String {
    format!("{}-{}", id.ms, id.seq)
}

fn json_stream(out: &mut String, s: &StreamData) {
    out.push_str("{\"entries\":[");
    for (i, (id, fields)) in s.entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        json_str(out, &id_str(*id));
        out.push_str(",[");
        for (j, (f, v)) in fields.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            json_bytes(out, f);
            out.push(',');
            json_bytes(out, v);
        }
        out.push_str("]]");
    }
    let _ = write!(
        out,
        "],\"length\":{},\"last_generated_id\":\"{}\",\"recorded_first_entry_id\":\"{}\",\
         \"max_deleted_entry_id\":\"{}\",\"entries_added\":{},\"groups\":[",
        s.length,
        id_str(s.last_id),
        id_str(s.first_id),
        id_str(s.max_deleted_entry_id),
        s.entries_added
    );
    let mut groups: Vec<_> = s.groups.iter().collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    for (i, g) in groups.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        json_bytes(out, &g.name);
        let _ = write!(
            out,
            ",\"last_delivered_id\":\"{}\",\"entries_read\":",
            id_str(g.last_id)
        );
        match g.entries_read {
            Some(n) => {
                let _ = write!(out, "{n}");
            }
            None => out.push_str("null"),
        }
        // Each PEL entry with its owner, as XINFO STREAM FULL shows it.
        let mut owner: BTreeMap<StreamId, &[u8]> = BTreeMap::new();
        for c in &g.consumers {
            for id in &c.pel {
                owner.insert(*id, &c.name);
            }
        }
        let mut pel: Vec<_> = g.pel.iter().collect();
        pel.sort_by_key(|p| p.0);
        out.push_str(",\"pel\":[");
        for (j, (id, time, count)) in pel.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push('[');
            json_str(out, &id_str(*id));
            out.push(',');
            match owner.get(id) {
                Some(name) => json_bytes(out, name),
                None => out.push_str("null"),
            }
            let _ = write!(out, ",{time},{count}]");
        }
        out.push_str("],\"consumers\":[");
        let mut consumers: Vec<_> = g.consumers.iter().collect();
        consumers.sort_by(|a, b| a.name.cmp(&b.name));
        for (j, c) in consumers.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            json_bytes(out, &c.name);
            let _ = write!(out, ",\"seen_time\":{},\"active_time\":", c.seen_time);
            match c.active_time {
                Some(t) => {
                    let _ = write!(out, "{t}");
                }
                None => out.push_str("null"),
            }
            out.push_str(",\"pel\":[");
            let mut ids = c.pel.clone();
            ids.sort();
            for (k, id) in ids.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                json_str(out, &id_str(*id));
            }
            out.push_str("]}");
        }
        out.push_str("]}");
    }
    out.push_str("]}");
}

fn json_value(out: &mut String, v: &RdbValue) {
    match v {
        RdbValue::String(s) => json_bytes(out, s),
        RdbValue::List(items) => {
            out.push('[');
            for (i, e) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_bytes(out, e);
            }
            out.push(']');
        }
        RdbValue::Set(members) => {
            let mut m: Vec<&Sds> = members.iter().collect();
            m.sort();
            out.push('[');
            for (i, e) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_bytes(out, e);
            }
            out.push(']');
        }
        RdbValue::ZSet(pairs) => {
            let mut p: Vec<&(Sds, f64)> = pairs.iter().collect();
            // Redis's rank order: score (-0 equals 0), then member bytewise.
            p.sort_by(|a, b| {
                a.1.partial_cmp(&b.1)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then_with(|| a.0.cmp(&b.0))
            });
            out.push('[');
            for (i, (m, score)) in p.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                json_bytes(out, m);
                out.push(',');
                json_str(out, &fmt_f64(*score));
                out.push(']');
            }
            out.push(']');
        }
        RdbValue::Hash(fields) => {
            let mut f: Vec<&(Sds, Sds)> = fields.iter().collect();
            f.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (i, (k, v)) in f.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_key(out, k);
                out.push(':');
                json_bytes(out, v);
            }
            out.push('}');
        }
        RdbValue::Stream(s) => json_stream(out, s),
    }
}

fn json_key_entry(out: &mut String, k: &RdbKey) {
    json_key(out, &k.key);
    out.push_str(":{\"type\":");
    json_str(out, k.value.type_name());
    out.push_str(",\"value\":");
    json_value(out, &k.value);
    out.push_str(",\"expire_ms\":");
    match k.expire_ms {
        Some(e) => {
            let _ = write!(out, "{e}");
        }
        None => out.push_str("null"),
    }
    out.push('}');
}

/// The logical content of a dump as one line of JSON (see the module doc).
pub fn to_json(file: &RdbFile) -> String {
    let mut out = String::from("{\"aux\":{");
    // A field present twice appears once, at its first place, with its last value (as
    // Redis keeps the last): JSON object keys must be unique.
    let mut first = true;
    for (i, (k, _)) in file.aux.iter().enumerate() {
        if file.aux[..i].iter().any(|(earlier, _)| earlier == k) {
            continue;
        }
        let v = &file
            .aux
            .iter()
            .rev()
            .find(|(other, _)| other == k)
            .expect("k is in aux")
            .1;
        if !first {
            out.push(',');
        }
        first = false;
        json_key(&mut out, k);
        out.push(':');
        json_bytes(&mut out, v);
    }
    out.push_str("},\"databases\":{");
    let mut dbs: BTreeMap<u64, Vec<&RdbKey>> = BTreeMap::new();
    for k in &file.keys {
        dbs.entry(k.db).or_default().push(k);
    }
    for (i, (db, keys)) in dbs.iter_mut().enumerate() {
        if i > 0 {
            out.push(',');
        }
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        let _ = write!(out, "\"{db}\":{{");
        for (j, k) in keys.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            json_key_entry(&mut out, k);
        }
        out.push('}');
    }
    out.push_str("},\"functions\":[");
    for (i, code) in file.functions.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_bytes(&mut out, code);
    }
    out.push_str("]}");
    out
}

const USAGE: &str = "Usage: replscope-check-rdb [--json] <rdb-file-name>\n";

/// The command line tool: `args` without the program name. Returns the exit code: 0 for a
/// valid dump, 1 for a broken one or a usage/IO error. The summary and error reports go to
/// `out`; with `--json` only the JSON goes to `out`, and errors go to `err`.
pub fn run(args: &[String], now_ms: i64, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut json = false;
    let mut path: Option<&str> = None;
    for a in args {
        match a.as_str() {
            "--json" => json = true,
            "-h" | "--help" => {
                let _ = out.write_all(USAGE.as_bytes());
                return 0;
            }
            p if path.is_none() => path = Some(p),
            _ => {
                let _ = err.write_all(USAGE.as_bytes());
                return 1;
            }
        }
    }
    let Some(path) = path else {
        let _ = err.write_all(USAGE.as_bytes());
        return 1;
    };
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) => {
            let _ = writeln!(err, "Cannot open RDB file {path}: {e}");
            return 1;
        }
    };
    match check(&data, now_ms) {
        Ok(report) => {
            let text = if json {
                let mut j = to_json(&report.file);
                j.push('\n');
                j
            } else {
                summary(path, &report)
            };
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            0
        }
        Err(e) => {
            let text = error_report(path, &e);
            let sink: &mut dyn Write = if json { err } else { out };
            let _ = sink.write_all(text.as_bytes());
            let _ = sink.flush();
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use replscope_core::rdb::model::{StreamConsumer, StreamGroup};

    fn key(db: u64, k: &[u8], value: RdbValue, expire_ms: Option<i64>) -> RdbKey {
        RdbKey {
            db,
            key: k.to_vec().into(),
            value,
            expire_ms,
            idle: None,
            freq: None,
            rdb_type: 0,
        }
    }

    #[test]
    fn json_aux_field_twice_is_one_key_with_the_last_value() {
        let file = RdbFile {
            version: 10,
            aux: vec![
                (b"redis-ver".to_vec(), b"6.2.0".to_vec()),
                (b"redis-bits".to_vec(), b"64".to_vec()),
                (b"redis-ver".to_vec(), b"7.0.15".to_vec()),
            ],
            ..RdbFile::default()
        };
        assert_eq!(
            to_json(&file),
            r#"{"aux":{"redis-ver":"7.0.15","redis-bits":"64"},"databases":{},"functions":[]}"#
        );
    }

    #[test]
    fn json_orders_escapes_and_hexes() {
        let file = RdbFile {
            version: 10,
            aux: vec![
                (b"redis-ver".to_vec(), b"7.0.15".to_vec()),
                (b"a-bin".to_vec(), b"\xff".to_vec()),
            ],
            functions: vec![b"#!lua name=x\n".to_vec()],
            keys: vec![
                key(
                    2,
                    b"z",
                    RdbValue::String(b"q\"\\\n\x01".to_vec().into()),
                    Some(5),
                ),
                key(
                    0,
                    b"\xff\x00",
                    RdbValue::List(vec![b"\x80".to_vec().into()]),
                    None,
                ),
                key(
                    0,
                    b"b",
                    RdbValue::Set(vec![
                        b"b".to_vec().into(),
                        b"a".to_vec().into(),
                        b"\xfe".to_vec().into(),
                    ]),
                    None,
                ),
                key(
                    0,
                    b"a",
                    RdbValue::Hash(vec![
                        (b"y".to_vec().into(), b"1".to_vec().into()),
                        (b"\xc3".to_vec().into(), b"2".to_vec().into()),
                        (b"x".to_vec().into(), b"3".to_vec().into()),
                    ]),
                    None,
                ),
                key(
                    10,
                    b"zs",
                    RdbValue::ZSet(vec![
                        (b"b".to_vec().into(), 0.0),
                        (b"a".to_vec().into(), -0.0),
                        (b"c".to_vec().into(), f64::NEG_INFINITY),
                        (b"d".to_vec().into(), 0.1),
                        (b"e".to_vec().into(), f64::INFINITY),
                        (b"f".to_vec().into(), 3e20),
                    ]),
                    None,
                ),
            ],
            checksum: Some(0),
        };
        assert_eq!(
            to_json(&file),
            concat!(
                r#"{"aux":{"redis-ver":"7.0.15","a-bin":{"hex":"ff"}},"databases":{"#,
                r#""0":{"a":{"type":"hash","value":{"x":"3","y":"1","hex:c3":"2"},"expire_ms":null},"#,
                r#""b":{"type":"set","value":["a","b",{"hex":"fe"}],"expire_ms":null},"#,
                r#""hex:ff00":{"type":"list","value":[{"hex":"80"}],"expire_ms":null}},"#,
                r#""2":{"z":{"type":"string","value":"q\"\\\n\u0001","expire_ms":5}},"#,
                r#""10":{"zs":{"type":"zset","value":[["c","-inf"],["a","-0"],["b","0"],"#,
                r#"["d","0.10000000000000001"],["f","3e+20"],["e","inf"]],"expire_ms":null}}},"#,
                r##""functions":["#!lua name=x\n"]}"##
            )
        );
    }

    #[test]
    fn json_stream() {
        let id = |ms, seq| StreamId { ms, seq };
        let s = StreamData {
            entries: vec![(id(1, 1), vec![(b"f".to_vec(), b"v".to_vec())])],
            length: 1,
            last_id: id(3, 0),
            first_id: id(1, 1),
            max_deleted_entry_id: id(2, 0),
            entries_added: 3,
            groups: vec![
                StreamGroup {
                    name: b"g2".to_vec(),
                    last_id: id(0, 0),
                    entries_read: None,
                    pel: vec![],
                    consumers: vec![],
                },
                StreamGroup {
                    name: b"g1".to_vec(),
                    last_id: id(1, 1),
                    entries_read: Some(1),
                    pel: vec![(id(1, 1), 1000, 2)],
                    consumers: vec![StreamConsumer {
                        name: b"alice".to_vec(),
                        seen_time: 999,
                        active_time: None,
                        pel: vec![id(1, 1)],
                    }],
                },
            ],
        };
        let mut out = String::new();
        json_value(&mut out, &RdbValue::Stream(Box::new(s)));
        assert_eq!(
            out,
            concat!(
                r#"{"entries":[["1-1",["f","v"]]],"length":1,"last_generated_id":"3-0","#,
                r#""recorded_first_entry_id":"1-1","max_deleted_entry_id":"2-0","entries_added":3,"#,
                r#""groups":[{"name":"g1","last_delivered_id":"1-1","entries_read":1,"#,
                r#""pel":[["1-1","alice",1000,2]],"consumers":[{"name":"alice","seen_time":999,"#,
                r#""active_time":null,"pel":["1-1"]}]},{"name":"g2","last_delivered_id":"0-0","#,
                r#""entries_read":null,"pel":[],"consumers":[]}]}"#
            )
        );
    }

    #[test]
    fn empty_dump_without_checksum() {
        let mut d = b"REDIS0010\xff".to_vec();
        d.extend_from_slice(&[0; 8]);
        let r = check(&d, 0).unwrap();
        assert_eq!(r.file.version, 10);
        assert!(r.file.keys.is_empty());
        assert_eq!(r.trailing, 0);
        let s = summary("x.rdb", &r);
        assert!(s.contains("checksum disabled"), "{s}");
        assert!(s.contains("0 keys read"), "{s}");
        assert_eq!(
            to_json(&r.file),
            r#"{"aux":{},"databases":{},"functions":[]}"#
        );
    }

    #[test]
    fn duplicate_key_is_an_error() {
        let mut d = b"REDIS0010\xfe\x00\x00\x01k\x01v\x00\x01k\x01w\xff".to_vec();
        d.extend_from_slice(&[0; 8]);
        let e = check(&d, 0).unwrap_err();
        assert_eq!(e.offset, 16);
        assert!(e.message.contains("duplicate key 'k'"), "{}", e.message);
        assert_eq!(e.keys_read, 1);
    }

    #[test]
    fn run_reports_and_exit_codes() {
        let dir = std::env::temp_dir().join(format!("check-rdb-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.rdb");
        let mut d = b"REDIS0010\xfe\x00\x00\x01k\x01v\xff".to_vec();
        d.extend_from_slice(&[0; 8]);
        std::fs::write(&good, &d).unwrap();
        let bad = dir.join("bad.rdb");
        std::fs::write(&bad, &d[..15]).unwrap();
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let g = good.to_str().unwrap();
        assert_eq!(run(&args(&["--json", g]), 0, &mut out, &mut err), 0);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"aux\":{},\"databases\":{\"0\":{\"k\":{\"type\":\"string\",\"value\":\"v\",\"expire_ms\":null}}},\"functions\":[]}\n"
        );
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let b = bad.to_str().unwrap();
        assert_eq!(run(&args(&[b]), 0, &mut out, &mut err), 1);
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("--- RDB ERROR DETECTED ---\n[offset "),
            "{text}"
        );
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(run(&args(&["--json", b]), 0, &mut out, &mut err), 1);
        assert!(out.is_empty());
        assert!(String::from_utf8(err).unwrap().contains("[offset "));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(run(&args(&[]), 0, &mut out, &mut err), 1);
        let missing = dir.join("missing.rdb");
        assert_eq!(
            run(&args(&[missing.to_str().unwrap()]), 0, &mut out, &mut err),
            1
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
