//! The DEBUG command (Redis 7.0.15 `debug.c`), the parts that make sense for a sans-IO core:
//! DIGEST / DIGEST-VALUE (Redis's own dataset signature, so that two nodes can be compared with
//! a real `redis-server`), SLEEP (a [`Output::Pause`] request to the driver), POPULATE,
//! SET-ACTIVE-EXPIRE, ERROR, LOG, RELOAD (through the server's [`crate::persist::Storage`])
//! and HELP.
//!
//! Subcommands that inspect or crash the process (OBJECT, SDSLEN, SEGFAULT ...) answer
//! an error naming the subcommand. Whether DEBUG may run at all (`enable-debug-command`) is
//! decided by the dispatcher, as Redis's `processCommand` does.

use bytes::Bytes;
use sha1::{Digest, Sha1};

use super::errors::{self, RedisError};
use super::flags::{ADMIN, LOADING, NOSCRIPT, STALE};
use super::{CmdResult, CommandSpec, Ctx};
use crate::command;
use crate::keyspace::value::EMBSTR_SIZE_LIMIT;
use crate::keyspace::{Db, Keyspace, StrEncoding, StrValue, Value};
use crate::server::{LogLevel, Output};
use crate::strtod::{is_c_space, strtod_all};
use crate::util::{fmt_g17, fmt_i64, parse_i64};

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    command!("debug", -2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, "server",
        "A container for debugging commands", debug_command),
];

/// `DEBUG HELP`, line for line as Redis 7.0.15 sends it (each line a status reply).
#[cfg(feature = "full")]
#[rustfmt::skip]
pub(crate) const HELP: &[&str] = &[
    "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "AOF-FLUSH-SLEEP <microsec>",
    "    Server will sleep before flushing the AOF, this is used for testing.",
    "ASSERT",
    "    Crash by assertion failed.",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LEAK <string>",
    "    Create a memory leak of the input string.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "HTSTATS-KEY <key>",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "REPLICATE <string>",
    "    Replicates the provided string to replicas, allowing data divergence.",
    "MALLCTL <key> [<val>]",
    "    Get or set a malloc tuning integer.",
    "MALLCTL-STR <key> [<val>]",
    "    Get or set a malloc tuning string.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "DROP-CLUSTER-PACKET-FILTER <packet-type>",
    "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
    "OOM",
    "    Crash the server simulating an out-of-memory error.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "RESTART [<milliseconds>]",
    "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
    "SDSLEN <key>",
    "    Show low level SDS string info representing `key` and value.",
    "SEGFAULT",
    "    Crash the server with sigsegv.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "STRUCTSIZE",
    "    Return the size of different Redis core C structures.",
    "LISTPACK <key>",
    "    Show low level info about the listpack encoding of <key>.",
    "QUICKLIST <key> [<0|1>]",
    "    Show low level info about the quicklist encoding of <key>.",
    "    The optional argument (0 by default) sets the level of detail",
    "CLIENT-EVICTION",
    "    Show low level client eviction pools info (maxmemory-clients).",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
    "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
    "    In case NEVER is provided the last observed peak will never be reset",
    "    In case RESET is provided the peak reset time will be restored to the default value",
    "REPLYBUFFER RESIZING <0|1>",
    "    Enable or disable the reply buffer resize cron job",
    "CLUSTERLINK KILL <to|from|all> <node-id>",
    "    Kills the link based on the direction to/from (both) with the provided node.",
    "HELP",
    "    Prints this help.",
];

/// Subcommands of Redis 7.0.15's DEBUG that this core does not implement (they inspect
/// allocator or encoding internals, crash or restart the process, or touch files).
const UNSUPPORTED: &[&str] = &[
    "aof-flush-sleep",
    "assert",
    "change-repl-id",
    "config-rewrite-force-all",
    "crash-and-recover",
    "leak",
    "htstats",
    "htstats-key",
    "loadaof",
    "replicate",
    "mallctl",
    "mallctl-str",
    "object",
    "drop-cluster-packet-filter",
    "oom",
    "panic",
    "protocol",
    "restart",
    "sdslen",
    "segfault",
    "quicklist-packed-threshold",
    "set-skip-checksum-validation",
    "stringmatch-test",
    "structsize",
    "listpack",
    "quicklist",
    "client-eviction",
    "pause-cron",
    "replybuffer",
    "clusterlink",
    "jmap",
    "ziplist",
    "sflags",
];

/// An argument as C code sees it (`argv[j]->ptr` with `strcasecmp`, `%s`): the bytes up to
/// the first NUL.
fn cstr(arg: &[u8]) -> &[u8] {
    match arg.iter().position(|&c| c == 0) {
        Some(p) => &arg[..p],
        None => arg,
    }
}

/// `addReplySubcommandSyntaxError`: the reply for an unknown subcommand or a known one with
/// the wrong number of arguments.
fn subcommand_syntax_error(sub: &[u8]) -> RedisError {
    let name = cstr(sub);
    let name = &name[..name.len().min(128)];
    let name = String::from_utf8_lossy(name).replace(['\r', '\n'], " ");
    RedisError::err(format!(
        "unknown subcommand or wrong number of arguments for '{name}'. Try DEBUG HELP."
    ))
}

/// `DEBUG <subcommand> ...`: dispatch on the subcommand name and argument count, in the order
/// of Redis's `debugCommand`.
fn debug_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let sub = cstr(&argv[1]).to_ascii_lowercase();
    let argc = argv.len();
    match (sub.as_slice(), argc) {
        (b"help", 2) => {
            let help = crate::help_lines!("DEBUG", HELP);
            ctx.array(help.len());
            for line in help {
                ctx.simple(line);
            }
            Ok(())
        }
        (b"digest", 2) => {
            let d = dataset_digest(&ctx.st.keyspace);
            ctx.simple(&hex(&d));
            Ok(())
        }
        (b"digest-value", _) => {
            ctx.array(argc - 2);
            let db = ctx.dbid();
            for key in &argv[2..] {
                // Logically expired keys are digested too: no expiry check, as Redis.
                let d = key_value_digest(&ctx.st.keyspace.dbs[db], key);
                ctx.simple(&hex(&d));
            }
            Ok(())
        }
        (b"sleep", 3) => {
            sleep(ctx, &argv[2]);
            ctx.ok();
            Ok(())
        }
        (b"populate", 3..=5) => populate(ctx, argv),
        (b"set-active-expire", 3) => {
            ctx.st.active_expire_enabled = atoi(&argv[2]) != 0;
            ctx.ok();
            Ok(())
        }
        (b"error", 3) => {
            // `addReplyError(c, argv[2]->ptr)`: the text verbatim after the `-`.
            let text = String::from_utf8_lossy(cstr(&argv[2])).replace(['\r', '\n'], " ");
            Err(RedisError::from(text))
        }
        (b"log", 3) => {
            let msg = String::from_utf8_lossy(cstr(&argv[2])).into_owned();
            ctx.st.log(LogLevel::Warning, format!("DEBUG LOG: {msg}"));
            ctx.ok();
            Ok(())
        }
        (b"reload", _) => reload(ctx, &argv[2..]),
        (name, _) => match std::str::from_utf8(name) {
            Ok(n) if UNSUPPORTED.contains(&n) => Err(RedisError::err(format!(
                "DEBUG {} is not supported",
                n.to_ascii_uppercase()
            ))),
            _ => Err(subcommand_syntax_error(&argv[1])),
        },
    }
}

// ----- RELOAD -----

/// `DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]`: save the dump, empty the dataset and load the
/// dump back (each step can be left out).
fn reload(ctx: &mut Ctx<'_>, opts: &[Bytes]) -> CmdResult {
    let (mut flush, mut save, mut merge) = (true, true, false);
    for o in opts {
        let o = cstr(o);
        if o.eq_ignore_ascii_case(b"merge") {
            merge = true;
        } else if o.eq_ignore_ascii_case(b"noflush") {
            flush = false;
        } else if o.eq_ignore_ascii_case(b"nosave") {
            save = false;
        } else {
            return Err(RedisError::from(
                "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
            ));
        }
    }
    let now = ctx.now;
    if save && !crate::persist::rdb_save(ctx.st, now) {
        return Err(RedisError::from("ERR"));
    }
    if flush {
        ctx.st.touch_all_watched_keys(None);
        ctx.st.keyspace.clear();
    }
    let flags = crate::persist::LoadFlags { allow_dup: merge };
    match crate::persist::load_from_storage(ctx.st, now, flags) {
        Ok(Some(_)) => {}
        Ok(None) => {
            return Err(RedisError::from(
                "ERR Error trying to load the RDB dump, check server logs.",
            ))
        }
        Err(e) => {
            ctx.st.log(LogLevel::Warning, e);
            return Err(RedisError::from(
                "ERR Error trying to load the RDB dump, check server logs.",
            ));
        }
    }
    ctx.st.log(LogLevel::Warning, "DB reloaded by DEBUG RELOAD");
    ctx.ok();
    Ok(())
}

// ----- SLEEP -----

/// `DEBUG SLEEP <seconds>`: Redis computes `(long long)(strtod(arg) * 1e6)` microseconds and
/// blocks the whole server in `nanosleep`; here the driver is asked to pause instead. A value
/// that is not a number sleeps 0 seconds; a negative or out-of-range one makes `nanosleep`
/// fail, so nothing happens either.
fn sleep(ctx: &mut Ctx<'_>, arg: &[u8]) {
    let dtime = strtod_prefix(cstr(arg));
    let us = dtime * 1_000_000.0;
    // x86-64's double→int64 conversion of NaN or anything out of range gives i64::MIN.
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    let utime = if (-TWO_POW_63..TWO_POW_63).contains(&us) {
        us as i64
    } else {
        i64::MIN
    };
    if utime > 0 {
        let until = ctx.now.add_micros(utime as u64);
        ctx.st.outputs.push_back(Output::Pause { until });
    }
}

/// C's `strtod(s, NULL)`: the value of the longest prefix of `s` that is a number (0 when
/// there is none).
fn strtod_prefix(s: &[u8]) -> f64 {
    let end = strtod_prefix_len(s);
    strtod_all(&s[..end]).map_or(0.0, |(v, _)| v)
}

/// Length of the longest prefix of `s` that `strtod` converts (0 when none).
fn strtod_prefix_len(s: &[u8]) -> usize {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        i += 1;
    }
    let rest = &s[i..];
    let starts = |p: &[u8]| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p);
    if starts(b"infinity") {
        return i + 8;
    }
    if starts(b"inf") {
        return i + 3;
    }
    if starts(b"nan") {
        return i + 3;
    }
    let digits = |from: usize, hex: bool| {
        let mut j = from;
        while j < s.len() && (s[j].is_ascii_digit() || (hex && s[j].is_ascii_hexdigit())) {
            j += 1;
        }
        j
    };
    let hex = starts(b"0x");
    let start = if hex { i + 2 } else { i };
    let mut j = digits(start, hex);
    let mut mantissa = j - start;
    if j < s.len() && s[j] == b'.' {
        let k = digits(j + 1, hex);
        mantissa += k - (j + 1);
        if mantissa > 0 {
            j = k;
        }
    }
    if mantissa == 0 {
        // "0x" without hex digits is the number 0 followed by "x".
        return if hex { i + 1 } else { 0 };
    }
    let exp = if hex { b'p' } else { b'e' };
    if j < s.len() && s[j].eq_ignore_ascii_case(&exp) {
        let mut k = j + 1;
        if k < s.len() && (s[k] == b'+' || s[k] == b'-') {
            k += 1;
        }
        let e = digits(k, false);
        if e > k {
            j = e;
        }
    }
    j
}

/// C's `atoi`: `(int)strtol(s, NULL, 10)`, with `strtol` saturating at the 64-bit limits.
fn atoi(s: &[u8]) -> i32 {
    crate::strtod::strtoll(cstr(s)) as i32
}

// ----- POPULATE -----

/// `getPositiveLongFromObjectOrReply` with Redis's default message for every failure.
fn positive_long(arg: &[u8]) -> Result<i64, RedisError> {
    match parse_i64(arg) {
        Some(n) if n >= 0 => Ok(n),
        _ => Err(errors::NOT_POSITIVE),
    }
}

/// `DEBUG POPULATE <count> [prefix] [size]`: create string keys `<prefix>:<n>` (prefix `key`)
/// holding `value:<n>`, zero-padded or truncated to `size` bytes when a size is given. Existing
/// keys are left alone (an expired one is deleted first, as `lookupKeyWrite` does). Nothing is
/// propagated and the dirty counter is not touched.
fn populate(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let count = positive_long(&argv[2])?;
    let valsize = match argv.get(4) {
        Some(a) => positive_long(a)?,
        None => 0,
    };
    // Redis would try to allocate any size; refuse what could never be a string here.
    if valsize as u64 > ctx.st.config.proto_max_bulk_len {
        return Err(RedisError::from(
            "ERR DEBUG POPULATE size exceeds proto-max-bulk-len",
        ));
    }
    let valsize = valsize as usize;
    let prefix: &[u8] = match argv.get(3) {
        Some(p) => cstr(p),
        None => b"key",
    };
    let mut key = Vec::with_capacity(prefix.len().min(127) + 21);
    for j in 0..count {
        // snprintf into a 128-byte buffer: at most 127 bytes.
        key.clear();
        key.extend_from_slice(prefix);
        key.push(b':');
        key.extend_from_slice(fmt_i64(j).as_bytes());
        key.truncate(127);
        if ctx.lookup_write(&key).is_some() {
            continue;
        }
        let mut val = Vec::with_capacity(if valsize == 0 { 26 } else { valsize });
        val.extend_from_slice(b"value:");
        val.extend_from_slice(fmt_i64(j).as_bytes());
        if valsize != 0 {
            val.resize(valsize, 0);
        }
        let enc = if val.len() <= EMBSTR_SIZE_LIMIT {
            StrEncoding::Embstr
        } else {
            StrEncoding::Raw
        };
        ctx.set_key(&key, Value::Str(StrValue::with_encoding(&val, enc)), false);
    }
    ctx.ok();
    Ok(())
}

// ----- DIGEST -----

/// A 160-bit digest being built (Redis's `unsigned char digest[20]`).
pub type DigestBytes = [u8; 20];

/// Redis's `xorDigest`: XOR the SHA1 of `data` into `digest` (order-independent).
fn xor_digest(digest: &mut DigestBytes, data: &[u8]) {
    let h = Sha1::digest(data);
    for (d, x) in digest.iter_mut().zip(h.iter()) {
        *d ^= x;
    }
}

/// Redis's `mixDigest`: XOR the SHA1 of `data` in, then replace the digest by its own SHA1
/// (order-dependent).
fn mix_digest(digest: &mut DigestBytes, data: &[u8]) {
    xor_digest(digest, data);
    let h = Sha1::digest(&digest[..]);
    digest.copy_from_slice(&h);
}

/// A sorted-set score as Redis 7.0.15's digest formats it: `snprintf("%.17g")`.
fn score_text(score: f64) -> String {
    if score.is_nan() {
        "nan".into()
    } else if score.is_infinite() {
        if score > 0.0 { "inf" } else { "-inf" }.into()
    } else if score == 0.0 {
        if score.is_sign_negative() { "-0" } else { "0" }.into()
    } else {
        fmt_g17(score)
    }
}

/// Redis's `xorObjectDigest`: fold a value (its type, its content, and whether the key has an
/// expiry) into `digest`. Strings and list elements are mixed in order; set members are
/// XORed; hash pairs and sorted-set entries each get their own mixed digest that is XORed in.
/// Integer-encoded values contribute their decimal text, as Redis's iterators give them.
pub fn xor_object_digest(digest: &mut DigestBytes, value: &Value, has_expire: bool) {
    // OBJ_STRING 0, OBJ_LIST 1, OBJ_SET 2, OBJ_ZSET 3, OBJ_HASH 4, OBJ_STREAM 6, in network
    // byte order.
    let obj_type: u32 = match value {
        Value::Str(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::ZSet(_) => 3,
        Value::Hash(_) => 4,
        Value::Stream(_) => 6,
    };
    mix_digest(digest, &obj_type.to_be_bytes());
    match value {
        Value::Str(s) => mix_digest(digest, &s.data),
        Value::List(l) => {
            for e in l.iter() {
                mix_digest(digest, e);
            }
        }
        Value::Set(s) => {
            for m in s.iter() {
                xor_digest(digest, &m);
            }
        }
        Value::ZSet(z) => {
            for (member, score) in z.iter() {
                let mut ele = [0u8; 20];
                mix_digest(&mut ele, member);
                mix_digest(&mut ele, score_text(score).as_bytes());
                xor_digest(digest, &ele);
            }
        }
        Value::Hash(h) => {
            for (field, val) in h.iter() {
                let mut ele = [0u8; 20];
                mix_digest(&mut ele, field);
                mix_digest(&mut ele, val);
                xor_digest(digest, &ele);
            }
        }
        Value::Stream(st) => {
            // Each entry: its id as `ms.seq` text, then its fields and values, all mixed in
            // order. Consumer groups do not count (checked against 7.0.15).
            for (id, fields) in &st.data.entries {
                mix_digest(digest, format!("{}.{}", id.ms, id.seq).as_bytes());
                for (f, v) in fields {
                    mix_digest(digest, f);
                    mix_digest(digest, v);
                }
            }
        }
    }
    if has_expire {
        xor_digest(digest, b"!!expire!!");
    }
}

/// `DEBUG DIGEST-VALUE` for one key of `db`: the digest of its value (zeros when missing).
pub fn key_value_digest(db: &Db, key: &[u8]) -> DigestBytes {
    let mut d = [0u8; 20];
    if let Some(v) = db.get(key) {
        xor_object_digest(&mut d, v, db.expire_of(key).is_some());
    }
    d
}

/// Redis's `computeDatasetDigest` (`DEBUG DIGEST`): per non-empty database, mix its number;
/// per key, a digest seeded with the key name plus [`xor_object_digest`], XORed into the
/// result. All zeros for an empty dataset. Keys are not checked for expiry.
pub fn dataset_digest(ks: &Keyspace) -> DigestBytes {
    let mut fin = [0u8; 20];
    for (id, db) in ks.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        mix_digest(&mut fin, &(id as u32).to_be_bytes());
        for (key, value) in db.iter() {
            let mut d = [0u8; 20];
            mix_digest(&mut d, key);
            xor_object_digest(&mut d, value, db.expire_of(key).is_some());
            xor_digest(&mut fin, &d);
        }
    }
    fin
}

/// 40 lowercase hex digits.
pub fn hex(d: &DigestBytes) -> String {
    let mut s = String::with_capacity(40);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}
