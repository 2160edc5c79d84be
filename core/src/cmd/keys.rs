//! Generic key commands (Redis 7.0.15 `db.c`, `expire.c`, `object.c`): DEL, UNLINK, EXISTS,
//! the EXPIRE family with NX/XX/GT/LT, TTL/PTTL/EXPIRETIME/PEXPIRETIME, PERSIST, TYPE, KEYS,
//! SCAN, RENAME/RENAMENX, RANDOMKEY, DBSIZE, FLUSHDB/FLUSHALL, MOVE, COPY, OBJECT, SELECT,
//! SWAPDB.
//!
//! Propagation follows Redis: EXPIRE/PEXPIRE/EXPIREAT become `PEXPIREAT key <abs-ms>` (options
//! kept), an expire time already in the past deletes the key and is sent as `DEL`/`UNLINK`
//! (`lazyfree-lazy-expire`), FLUSHDB/FLUSHALL are always propagated (even on an empty
//! dataset), SELECT never is; everything else is sent verbatim when it changed something.

use bytes::Bytes;

use super::errors::{self, RedisError};
use super::flags::{DENYOOM, FAST, LOADING, READONLY, STALE, WRITE};
use super::{container, CmdResult, CommandSpec, Ctx};
use crate::command;
use crate::glob::string_match;
use crate::keyspace::{Sds, Value};
use crate::server::State;
use crate::util::{fmt_i64, parse_i64};

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    command!("del", -2, WRITE, 1, -1, 1, "generic", "Delete a key", del_command),
    command!("unlink", -2, WRITE | FAST, 1, -1, 1, "generic", "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", unlink_command),
    command!("exists", -2, READONLY | FAST, 1, -1, 1, "generic", "Determine if a key exists", exists_command),
    command!("expire", -3, WRITE | FAST, 1, 1, 1, "generic", "Set a key's time to live in seconds", expire_command),
    command!("pexpire", -3, WRITE | FAST, 1, 1, 1, "generic", "Set a key's time to live in milliseconds", pexpire_command),
    command!("expireat", -3, WRITE | FAST, 1, 1, 1, "generic", "Set the expiration for a key as a UNIX timestamp", expireat_command),
    command!("pexpireat", -3, WRITE | FAST, 1, 1, 1, "generic", "Set the expiration for a key as a UNIX timestamp specified in milliseconds", pexpireat_command),
    command!("ttl", 2, READONLY | FAST, 1, 1, 1, "generic", "Get the time to live for a key in seconds", ttl_command),
    command!("pttl", 2, READONLY | FAST, 1, 1, 1, "generic", "Get the time to live for a key in milliseconds", pttl_command),
    command!("expiretime", 2, READONLY | FAST, 1, 1, 1, "generic", "Get the expiration Unix timestamp for a key", expiretime_command),
    command!("pexpiretime", 2, READONLY | FAST, 1, 1, 1, "generic", "Get the expiration Unix timestamp for a key in milliseconds", pexpiretime_command),
    command!("persist", 2, WRITE | FAST, 1, 1, 1, "generic", "Remove the expiration from a key", persist_command),
    command!("type", 2, READONLY | FAST, 1, 1, 1, "generic", "Determine the type stored at key", type_command),
    command!("keys", 2, READONLY, 0, 0, 0, "generic", "Find all keys matching the given pattern", keys_command),
    command!("scan", -2, READONLY, 0, 0, 0, "generic", "Incrementally iterate the keys space", scan_command),
    command!("rename", 3, WRITE, 1, 2, 1, "generic", "Rename a key", rename_command),
    command!("renamenx", 3, WRITE | FAST, 1, 2, 1, "generic", "Rename a key, only if the new key does not exist", renamenx_command),
    command!("randomkey", 1, READONLY, 0, 0, 0, "generic", "Return a random key from the keyspace", randomkey_command),
    command!("dbsize", 1, READONLY | FAST, 0, 0, 0, "server", "Return the number of keys in the selected database", dbsize_command),
    command!("flushdb", -1, WRITE, 0, 0, 0, "server", "Remove all keys from the current database", flushdb_command),
    command!("flushall", -1, WRITE, 0, 0, 0, "server", "Remove all keys from all databases", flushall_command),
    command!("move", 3, WRITE | FAST, 1, 1, 1, "generic", "Move a key to another database", move_command),
    command!("copy", -3, WRITE | DENYOOM, 1, 2, 1, "generic", "Copy a key", copy_command),
    CommandSpec {
        name: "object",
        arity: -2,
        flags: 0,
        first_key: 0,
        last_key: 0,
        step: 0,
        group: "generic",
        summary: super::summary_text("A container for object introspection commands"),
        handler: container,
        subcommands: OBJECT_SUBCOMMANDS,
    },
    command!("select", 2, LOADING | STALE | FAST, 0, 0, 0, "connection", "Change the selected database for the current connection", select_command),
    command!("swapdb", 3, WRITE | FAST, 0, 0, 0, "server", "Swaps two Redis databases", swapdb_command),
];

#[rustfmt::skip]
static OBJECT_SUBCOMMANDS: &[CommandSpec] = &[
    command!("encoding", 3, READONLY, 2, 2, 1, "generic", "Inspect the internal encoding of a Redis object", object_encoding_command),
    command!("freq", 3, READONLY, 2, 2, 1, "generic", "Get the logarithmic access frequency counter of a Redis object", object_freq_command),
    command!("help", 2, LOADING | STALE, 0, 0, 0, "generic", "Show helpful text about the different subcommands", object_help_command),
    command!("idletime", 3, READONLY, 2, 2, 1, "generic", "Get the time since a Redis object was last accessed", object_idletime_command),
    command!("refcount", 3, READONLY, 2, 2, 1, "generic", "Get the number of references to the value of the key", object_refcount_command),
];

// ----- shared helpers -----

/// An argument as C code sees it (`argv[j]->ptr` compared with `strcasecmp`): the bytes up
/// to the first NUL.
fn cstr(arg: &[u8]) -> &[u8] {
    match arg.iter().position(|&c| c == 0) {
        Some(p) => &arg[..p],
        None => arg,
    }
}

/// Case-insensitive option match with C string semantics.
fn opt_is(arg: &[u8], name: &str) -> bool {
    cstr(arg).eq_ignore_ascii_case(name.as_bytes())
}

/// `getIntFromObjectOrReply`: a canonical integer that fits a C `int`. Errors are
/// `msg` when given, else Redis's defaults for a non-integer and for an out-of-range value.
fn arg_int(arg: &[u8], msg: Option<&'static str>) -> Result<i32, RedisError> {
    let n = parse_i64(arg).ok_or_else(|| msg.map_or(errors::NOT_INTEGER, RedisError::from))?;
    i32::try_from(n).map_err(|_| {
        msg.map_or(
            RedisError::from(
                "ERR value is out of range, value must between -2147483648 and 2147483647",
            ),
            RedisError::from,
        )
    })
}

/// A database number for SELECT/MOVE/COPY/SWAPDB: `DB index is out of range` when it is not
/// one of this server's databases (Redis's `selectDb` check).
fn db_index(ctx: &Ctx<'_>, id: i32) -> Result<usize, RedisError> {
    match usize::try_from(id) {
        Ok(n) if n < ctx.st.keyspace.dbs.len() => Ok(n),
        _ => Err(errors::DB_INDEX_OUT_OF_RANGE),
    }
}

/// `DEL` or `UNLINK`, as an expiry or deletion is propagated.
fn del_or_unlink(lazy: bool) -> Bytes {
    Bytes::from_static(if lazy { b"UNLINK" } else { b"DEL" })
}

/// Redis's `touchAllWatchedKeysInDb(emptied, replaced_with)`: flag the WATCHers of keys of
/// db `emptied` that exist in it (or in `replaced_with`, for SWAPDB), keeping track of keys
/// that were already logically expired when WATCHed so that an expired key staying expired
/// or being deleted is no change.
fn touch_all_watched_keys_in_db(
    st: &mut State,
    emptied: usize,
    replaced_with: Option<usize>,
    now_ms: i64,
) {
    let State {
        watched_keys,
        keyspace,
        dirty_cas,
        ..
    } = st;
    for ((d, key), list) in watched_keys.iter_mut() {
        if *d != emptied {
            continue;
        }
        let exists_in_emptied = keyspace.dbs[emptied].contains(key);
        let in_replaced = replaced_with.is_some_and(|r| keyspace.dbs[r].contains(key));
        if !exists_in_emptied && !in_replaced {
            continue;
        }
        let replaced_expired =
            replaced_with.is_some_and(|r| keyspace.dbs[r].is_expired(key, now_ms));
        for (id, expired) in list.iter_mut() {
            if *expired {
                if !in_replaced {
                    // Expired key now deleted: no logical change.
                    *expired = false;
                    continue;
                } else if replaced_expired {
                    // Expired key remains expired.
                    continue;
                }
            } else if !exists_in_emptied && replaced_expired {
                // A missing key replaced by an expired one.
                *expired = true;
                continue;
            }
            dirty_cas.push(*id);
        }
    }
}

// ----- DEL, UNLINK, EXISTS -----

/// Redis's `delGenericCommand`: expired keys are deleted (and their `DEL` propagated) first,
/// then the command is propagated verbatim if it deleted anything.
fn del_generic(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut deleted = 0;
    for key in &argv[1..] {
        if ctx.delete_key(key) {
            deleted += 1;
        }
    }
    ctx.add_dirty(deleted);
    ctx.int(deleted as i64);
    Ok(())
}

/// `DEL key [key ...]`
fn del_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    del_generic(ctx, argv)
}

/// `UNLINK key [key ...]`: as DEL (the core frees nothing in the background).
fn unlink_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    del_generic(ctx, argv)
}

/// `EXISTS key [key ...]`: a key given twice counts twice.
fn exists_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut count = 0;
    for key in &argv[1..] {
        if ctx.lookup_read(key).is_some() {
            count += 1;
        }
    }
    ctx.int(count);
    Ok(())
}

// ----- EXPIRE family -----

const EXPIRE_NX: u32 = 1 << 0;
const EXPIRE_XX: u32 = 1 << 1;
const EXPIRE_GT: u32 = 1 << 2;
const EXPIRE_LT: u32 = 1 << 3;

/// Redis's `parseExtendedExpireArgumentsOrReply`: NX, XX, GT, LT from argv[3] on.
fn parse_expire_flags(argv: &[Bytes]) -> Result<u32, RedisError> {
    let mut flags = 0;
    for opt in &argv[3..] {
        flags |= if opt_is(opt, "nx") {
            EXPIRE_NX
        } else if opt_is(opt, "xx") {
            EXPIRE_XX
        } else if opt_is(opt, "gt") {
            EXPIRE_GT
        } else if opt_is(opt, "lt") {
            EXPIRE_LT
        } else {
            let shown = String::from_utf8_lossy(cstr(opt)).replace(['\r', '\n'], " ");
            return Err(RedisError::err(format!("Unsupported option {shown}")));
        };
    }
    if flags & EXPIRE_NX != 0 && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT) != 0 {
        return Err(RedisError::from(
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if flags & EXPIRE_GT != 0 && flags & EXPIRE_LT != 0 {
        return Err(RedisError::from(
            "ERR GT and LT options at the same time are not compatible",
        ));
    }
    Ok(flags)
}

/// Redis's `expireGenericCommand`. `basetime` is added to the argument (now for EXPIRE and
/// PEXPIRE, 0 for the `*AT` forms); `seconds` scales it by 1000 first.
fn expire_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], basetime: i64, seconds: bool) -> CmdResult {
    let key = &argv[1];
    let flags = parse_expire_flags(argv)?;
    let mut when = parse_i64(&argv[2]).ok_or(errors::NOT_INTEGER)?;
    let invalid = || errors::invalid_expire(ctx.cmd.name);
    if seconds {
        if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&when) {
            return Err(invalid());
        }
        when *= 1000;
    }
    if when > i64::MAX.saturating_sub(basetime) {
        return Err(invalid());
    }
    when += basetime;

    if ctx.lookup_write(key).is_none() {
        ctx.int(0);
        return Ok(());
    }
    if flags != 0 {
        let current = ctx.db().expire_of(key);
        let refused = (flags & EXPIRE_NX != 0 && current.is_some())
            || (flags & EXPIRE_XX != 0 && current.is_none())
            // No TTL counts as an infinite one: GT always fails, LT always succeeds.
            || (flags & EXPIRE_GT != 0 && current.is_none_or(|c| when <= c))
            || (flags & EXPIRE_LT != 0 && current.is_some_and(|c| when >= c));
        if refused {
            ctx.int(0);
            return Ok(());
        }
    }

    // `checkAlreadyExpired`: only a master deletes at once; a replica waits for the DEL.
    if when <= ctx.now_ms() && !ctx.is_replica() {
        let lazy = ctx.st.config.lazyfree_lazy_expire;
        ctx.db().remove(key);
        ctx.add_dirty(1);
        ctx.rewrite_argv(vec![del_or_unlink(lazy), key.clone()]);
        ctx.signal_modified(key);
        ctx.int(1);
        return Ok(());
    }
    ctx.set_expire(key, when);
    ctx.int(1);
    if ctx.cmd.name != "pexpireat" || basetime != 0 || seconds {
        let mut v = argv.to_vec();
        v[0] = Bytes::from_static(b"PEXPIREAT");
        if basetime != 0 || seconds {
            v[2] = Bytes::copy_from_slice(fmt_i64(when).as_bytes());
        }
        ctx.rewrite_argv(v);
    }
    ctx.signal_modified(key);
    ctx.add_dirty(1);
    Ok(())
}

/// `EXPIRE key seconds [NX|XX|GT|LT]`
fn expire_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let now = ctx.now_ms();
    expire_generic(ctx, argv, now, true)
}

/// `PEXPIRE key milliseconds [NX|XX|GT|LT]`
fn pexpire_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let now = ctx.now_ms();
    expire_generic(ctx, argv, now, false)
}

/// `EXPIREAT key unix-time-seconds [NX|XX|GT|LT]`
fn expireat_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    expire_generic(ctx, argv, 0, true)
}

/// `PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT]`: propagated verbatim.
fn pexpireat_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    expire_generic(ctx, argv, 0, false)
}

/// Redis's `ttlGenericCommand`: -2 for a missing key, -1 without TTL, else the remaining
/// time (`abs`: the absolute expiry time), never negative, seconds rounded to nearest.
fn ttl_generic(ctx: &mut Ctx<'_>, key: &[u8], millis: bool, abs: bool) -> CmdResult {
    if ctx.lookup_read(key).is_none() {
        ctx.int(-2);
        return Ok(());
    }
    let now = ctx.now_ms();
    let reply = match ctx.db().expire_of(key) {
        None => -1,
        Some(when) => {
            let ttl = if abs { when } else { when.wrapping_sub(now) }.max(0);
            if millis {
                ttl
            } else {
                ((i128::from(ttl) + 500) / 1000) as i64
            }
        }
    };
    ctx.int(reply);
    Ok(())
}

/// `TTL key`
fn ttl_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &argv[1], false, false)
}

/// `PTTL key`
fn pttl_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &argv[1], true, false)
}

/// `EXPIRETIME key`
fn expiretime_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &argv[1], false, true)
}

/// `PEXPIRETIME key`
fn pexpiretime_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &argv[1], true, true)
}

/// `PERSIST key`
fn persist_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    if ctx.lookup_write(key).is_some() && ctx.db().remove_expire(key) {
        ctx.signal_modified(key);
        ctx.add_dirty(1);
        ctx.int(1);
    } else {
        ctx.int(0);
    }
    Ok(())
}

/// `TYPE key`: a status reply, `none` for a missing key.
fn type_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let name = type_name(ctx.lookup_read(&argv[1]));
    ctx.simple(name);
    Ok(())
}

/// Redis's `getObjectTypeName`.
fn type_name(v: Option<&Value>) -> &'static str {
    v.map_or("none", |v| v.value_type().name())
}

// ----- KEYS, SCAN, RANDOMKEY, DBSIZE -----

/// `KEYS pattern`: logically expired keys are skipped but not deleted (`keyIsExpired`).
fn keys_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let pattern = &argv[1][..];
    let allkeys = pattern == b"*";
    let now = ctx.now_ms();
    let db = &ctx.st.keyspace.dbs[ctx.client.db];
    let found: Vec<&Sds> = db
        .iter()
        .map(|(k, _)| k)
        .filter(|k| allkeys || string_match(pattern, k, false))
        .filter(|k| !db.is_expired(k, now))
        .collect();
    let out = &mut ctx.client.out;
    crate::resp::write_array_len(out, found.len());
    for k in found {
        crate::resp::write_bulk(out, k);
    }
    Ok(())
}

/// Redis's `parseScanCursorOrReply`: `strtoul` base 10 (so `+5`, `007`, an empty string and
/// `-1`, which wraps, are accepted), no leading space, nothing after the digits, no overflow.
fn parse_scan_cursor(arg: &[u8]) -> Result<u64, RedisError> {
    let invalid = || RedisError::from("ERR invalid cursor");
    let s = cstr(arg);
    if s.is_empty() {
        return Ok(0);
    }
    let (neg, digits) = match s[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let mut v: u64 = 0;
    for &c in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(c - b'0')))
            .ok_or_else(invalid)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]` (Redis's `scanGenericCommand`
/// for the keyspace): pattern, type and expiry filtering happen after the slots are
/// visited, so a step may return fewer than COUNT keys. Expired keys met are deleted.
fn scan_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let cursor = parse_scan_cursor(&argv[1])?;
    let mut count: i64 = 10;
    let mut pattern: Option<&[u8]> = None;
    let mut typename: Option<&[u8]> = None;
    let mut i = 2;
    while i < argv.len() {
        let more = argv.len() - i >= 2;
        if opt_is(&argv[i], "count") && more {
            count = parse_i64(&argv[i + 1]).ok_or(errors::NOT_INTEGER)?;
            if count < 1 {
                return Err(errors::SYNTAX);
            }
        } else if opt_is(&argv[i], "match") && more {
            let p = &argv[i + 1][..];
            pattern = if p == b"*" { None } else { Some(p) };
        } else if opt_is(&argv[i], "type") && more {
            typename = Some(cstr(&argv[i + 1]));
        } else {
            return Err(errors::SYNTAX);
        }
        i += 2;
    }

    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let mut keys: Vec<Sds> = Vec::new();
    let db = ctx.dbid();
    let next = ctx.st.keyspace.dbs[db].scan(cursor, count, |k, _| keys.push(k.clone()));

    let mut kept = Vec::with_capacity(keys.len());
    for key in keys {
        if let Some(p) = pattern {
            if !string_match(p, &key, false) {
                continue;
            }
        }
        if let Some(t) = typename {
            let name = type_name(ctx.lookup_read(&key));
            if !t.eq_ignore_ascii_case(name.as_bytes()) {
                continue;
            }
        }
        if ctx.expire_if_needed(&key) {
            continue;
        }
        kept.push(key);
    }
    ctx.array(2);
    ctx.bulk(next.to_string().as_bytes());
    ctx.array(kept.len());
    for k in &kept {
        ctx.bulk(k);
    }
    Ok(())
}

/// `RANDOMKEY` (Redis's `dbRandomKey`): expired keys drawn are deleted and another is
/// drawn; a replica whose keys all have a TTL gives up after 100 draws and returns an
/// expired one.
fn randomkey_command(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let db = ctx.dbid();
    let allvolatile = {
        let d = &ctx.st.keyspace.dbs[db];
        d.len() == d.expires_len()
    };
    let replica = ctx.is_replica();
    let mut maxtries = 100;
    // Bound the draws on a replica whose volatile keys are all expired but not every key is
    // volatile: after that many, look for a live key in table order.
    let mut draws_left = 100_000u32;
    let key = loop {
        let n = ctx.st.keyspace.dbs[db].len();
        if n == 0 {
            break None;
        }
        let idx = ctx.st.rng.index(n);
        let Some((k, _)) = ctx.st.keyspace.dbs[db].entry_at(idx) else {
            break None;
        };
        let key = k.clone();
        if ctx.st.keyspace.dbs[db].expire_of(&key).is_none() {
            break Some(key);
        }
        if allvolatile && replica {
            maxtries -= 1;
            if maxtries == 0 {
                break Some(key);
            }
        }
        if !ctx.expire_if_needed(&key) {
            break Some(key);
        }
        draws_left -= 1;
        if draws_left == 0 {
            let now = ctx.now_ms();
            let d = &ctx.st.keyspace.dbs[db];
            break d
                .iter()
                .find(|(k, _)| !d.is_expired(k, now))
                .map(|(k, _)| k.clone());
        }
    };
    match key {
        Some(k) => ctx.bulk(&k),
        None => ctx.null(),
    }
    Ok(())
}

/// `DBSIZE`: every stored key, logically expired ones included.
fn dbsize_command(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let n = ctx.db().len();
    ctx.int(n as i64);
    Ok(())
}

// ----- FLUSHDB, FLUSHALL, SWAPDB, SELECT -----

/// Redis's `getFlushCommandFlags`: no argument, `SYNC` or `ASYNC` (both behave the same here).
fn check_flush_args(argv: &[Bytes]) -> CmdResult {
    match argv.len() {
        1 => Ok(()),
        2 if opt_is(&argv[1], "sync") || opt_is(&argv[1], "async") => Ok(()),
        _ => Err(errors::SYNTAX),
    }
}

/// Propagate the command as received even when it changed nothing
/// (`forceCommandPropagation`).
fn force_propagation(ctx: &mut Ctx<'_>, argv: &[Bytes]) {
    ctx.prevent_propagation();
    ctx.also_propagate(argv.to_vec());
}

/// `FLUSHDB [ASYNC|SYNC]`
fn flushdb_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    check_flush_args(argv)?;
    let db = ctx.dbid();
    let now = ctx.now_ms();
    touch_all_watched_keys_in_db(ctx.st, db, None, now);
    let removed = ctx.db().clear();
    ctx.add_dirty(removed as u64);
    force_propagation(ctx, argv);
    ctx.ok();
    Ok(())
}

/// `FLUSHALL [ASYNC|SYNC]`
fn flushall_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    check_flush_args(argv)?;
    let now = ctx.now_ms();
    for db in 0..ctx.st.keyspace.dbs.len() {
        touch_all_watched_keys_in_db(ctx.st, db, None, now);
    }
    let removed = ctx.st.keyspace.clear() as u64;
    // flushAllDataAndResetRDB: kill a saving child, and with save points write the (empty)
    // dump at once, which resets `dirty` (7.0.15 then counts nothing more: FLUSHALL is
    // propagated by forceCommandPropagation, and an empty FLUSHALL adds no change).
    crate::persist::kill_rdb_child(ctx.st);
    if ctx.st.config.save.is_empty() {
        ctx.add_dirty(removed);
    } else {
        ctx.st.dirty += removed;
        let now = ctx.now;
        crate::persist::rdb_save(ctx.st, now);
    }
    force_propagation(ctx, argv);
    ctx.ok();
    Ok(())
}

/// `SWAPDB index1 index2`: swapping a db with itself is a no-op that still propagates.
fn swapdb_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let id1 = arg_int(&argv[1], Some("ERR invalid first DB index"))?;
    let id2 = arg_int(&argv[2], Some("ERR invalid second DB index"))?;
    let a = db_index(ctx, id1)?;
    let b = db_index(ctx, id2)?;
    if a != b {
        let now = ctx.now_ms();
        touch_all_watched_keys_in_db(ctx.st, a, Some(b), now);
        touch_all_watched_keys_in_db(ctx.st, b, Some(a), now);
        ctx.st.keyspace.dbs.swap(a, b);
    }
    ctx.add_dirty(1);
    ctx.ok();
    Ok(())
}

/// `SELECT index`: not propagated (the stream emits its own SELECT when needed).
fn select_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let id = arg_int(&argv[1], None)?;
    let db = db_index(ctx, id)?;
    ctx.client.db = db;
    ctx.ok();
    Ok(())
}

// ----- RENAME, MOVE, COPY -----

/// True when `key` exists in db `db` for a write (Redis's `lookupKeyWrite` on another db):
/// an expired key is deleted first (on a master, propagating its `DEL`).
fn exists_for_write_in(ctx: &mut Ctx<'_>, db: usize, key: &[u8]) -> bool {
    ctx.expire_if_needed_in(db, key);
    ctx.st.keyspace.dbs[db].contains(key)
}

/// Redis's `renameGenericCommand`. Renaming a key to itself is `+OK` (`:0` for RENAMENX)
/// and changes nothing; a missing source is `ERR no such key`.
fn rename_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], nx: bool) -> CmdResult {
    let (src, dst) = (&argv[1], &argv[2]);
    if ctx.lookup_write(src).is_none() {
        return Err(errors::NO_SUCH_KEY);
    }
    if src == dst {
        if nx {
            ctx.int(0);
        } else {
            ctx.ok();
        }
        return Ok(());
    }
    let db = ctx.dbid();
    let expire = ctx.db().expire_of(src);
    if exists_for_write_in(ctx, db, dst) {
        if nx {
            ctx.int(0);
            return Ok(());
        }
        ctx.db().remove(dst);
    }
    let Some(value) = ctx.db().remove(src) else {
        return Err(errors::NO_SUCH_KEY);
    };
    ctx.db().add(dst, value);
    if let Some(when) = expire {
        ctx.set_expire(dst, when);
    }
    ctx.signal_modified(src);
    ctx.signal_modified(dst);
    ctx.add_dirty(1);
    if nx {
        ctx.int(1);
    } else {
        ctx.ok();
    }
    Ok(())
}

/// `RENAME key newkey`
fn rename_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    rename_generic(ctx, argv, false)
}

/// `RENAMENX key newkey`
fn renamenx_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    rename_generic(ctx, argv, true)
}

/// `MOVE key db`: `:0` when the key is missing or already exists in the target db.
fn move_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let id = arg_int(&argv[2], None)?;
    let dst = db_index(ctx, id)?;
    let src = ctx.dbid();
    if src == dst {
        return Err(errors::SAME_OBJECT);
    }
    if ctx.lookup_write(key).is_none() {
        ctx.int(0);
        return Ok(());
    }
    let expire = ctx.db().expire_of(key);
    if exists_for_write_in(ctx, dst, key) {
        ctx.int(0);
        return Ok(());
    }
    let Some(value) = ctx.db().remove(key) else {
        ctx.int(0);
        return Ok(());
    };
    ctx.st.keyspace.dbs[dst].add(key, value);
    if let Some(when) = expire {
        ctx.set_expire_in(dst, key, when);
    }
    ctx.st.touch_watched_key(src, key);
    ctx.st.touch_watched_key(dst, key);
    ctx.add_dirty(1);
    ctx.int(1);
    Ok(())
}

/// `COPY source destination [DB destination-db] [REPLACE]`
fn copy_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let src = ctx.dbid();
    let mut dst = src;
    let mut replace = false;
    let mut j = 3;
    while j < argv.len() {
        if opt_is(&argv[j], "replace") {
            replace = true;
        } else if opt_is(&argv[j], "db") && j + 1 < argv.len() {
            let id = arg_int(&argv[j + 1], None)?;
            dst = db_index(ctx, id)?;
            j += 1;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    let (key, newkey) = (&argv[1], &argv[2]);
    if src == dst && key == newkey {
        return Err(errors::SAME_OBJECT);
    }
    let Some(value) = ctx.lookup_read(key).cloned() else {
        ctx.int(0);
        return Ok(());
    };
    let expire = ctx.db().expire_of(key);
    if exists_for_write_in(ctx, dst, newkey) {
        if !replace {
            ctx.int(0);
            return Ok(());
        }
        ctx.st.keyspace.dbs[dst].remove(newkey);
    }
    ctx.st.keyspace.dbs[dst].add(newkey, value);
    if let Some(when) = expire {
        ctx.set_expire_in(dst, newkey, when);
    }
    ctx.st.touch_watched_key(dst, newkey);
    ctx.add_dirty(1);
    ctx.int(1);
    Ok(())
}

// ----- OBJECT -----

/// Redis's `OBJ_SHARED_REFCOUNT`, the refcount of the shared integers 0..9999.
const OBJ_SHARED_REFCOUNT: i64 = i32::MAX as i64;
/// Redis's `OBJ_SHARED_INTEGERS`.
const OBJ_SHARED_INTEGERS: i64 = 10_000;

/// `OBJECT ENCODING key`: nil for a missing key.
fn object_encoding_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    match ctx.lookup_read(&argv[2]).map(Value::encoding_name) {
        Some(name) => ctx.bulk(name.as_bytes()),
        None => ctx.null(),
    }
    Ok(())
}

/// `OBJECT REFCOUNT key`: the shared integers report `INT_MAX`, everything else 1.
fn object_refcount_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let shared = |v: &Value| match v {
        Value::Str(s) if s.enc == crate::keyspace::StrEncoding::Int => {
            parse_i64(&s.data).is_some_and(|n| (0..OBJ_SHARED_INTEGERS).contains(&n))
        }
        _ => false,
    };
    match ctx.lookup_read(&argv[2]).map(shared) {
        Some(true) => ctx.int(OBJ_SHARED_REFCOUNT),
        Some(false) => ctx.int(1),
        None => ctx.null(),
    }
    Ok(())
}

/// `OBJECT IDLETIME key`: access times are not tracked, so a present key reports 0.
fn object_idletime_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    match ctx.lookup_read(&argv[2]) {
        Some(_) => ctx.int(0),
        None => ctx.null(),
    }
    Ok(())
}

/// `OBJECT FREQ key`: only the LRU-style policies exist here, so as Redis without an LFU
/// `maxmemory-policy` it is an error for a present key.
fn object_freq_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if ctx.lookup_read(&argv[2]).is_none() {
        ctx.null();
        return Ok(());
    }
    Err(RedisError::from(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
    ))
}

/// `OBJECT HELP`'s lines after the first (Redis's `addReplyHelp`).
#[cfg(feature = "full")]
pub(crate) const OBJECT_HELP: &[&str] = &[
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

/// `OBJECT HELP` (Redis's `addReplyHelp`).
fn object_help_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let help = crate::help_lines!("OBJECT", OBJECT_HELP);
    let name = String::from_utf8_lossy(cstr(&argv[0])).to_ascii_uppercase();
    ctx.array(help.len() + 1);
    ctx.simple(&format!(
        "{name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    ));
    for line in help {
        ctx.simple(line);
    }
    Ok(())
}
