//! String commands (Redis 7.0.15 `t_string.c`): GET, SET and its variants, MGET/MSET,
//! the INCR family, INCRBYFLOAT, APPEND, STRLEN, GETRANGE/SUBSTR, SETRANGE, GETDEL, GETEX,
//! GETSET.
//!
//! Propagation follows Redis: every expiry is sent as an absolute `PXAT`/`PEXPIREAT`,
//! INCRBYFLOAT as `SET k <result> KEEPTTL`, GETSET as `SET`, GETDEL as `DEL`/`UNLINK`,
//! GETEX as `PEXPIREAT`/`PERSIST`/`DEL`; the rest verbatim.

use bytes::Bytes;

use super::errors::{self, RedisError};
use super::flags::{DENYOOM, FAST, READONLY, WRITE};
use super::{CmdResult, CommandSpec, Ctx};
use crate::command;
use crate::keyspace::value::EMBSTR_SIZE_LIMIT;
use crate::keyspace::{StrEncoding, StrValue, Value};
use crate::ldouble::{IncrFloatError, LongDouble};
use crate::resp;
use crate::util::{fmt_i64, parse_i64};

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    command!("get", 2, READONLY | FAST, 1, 1, 1, "string", "Get the value of a key", get_command),
    command!("set", -3, WRITE | DENYOOM, 1, 1, 1, "string", "Set the string value of a key", set_command),
    command!("setnx", 3, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Set the value of a key, only if the key does not exist", setnx_command),
    command!("setex", 4, WRITE | DENYOOM, 1, 1, 1, "string", "Set the value and expiration of a key", setex_command),
    command!("psetex", 4, WRITE | DENYOOM, 1, 1, 1, "string", "Set the value and expiration in milliseconds of a key", psetex_command),
    command!("mget", -2, READONLY | FAST, 1, -1, 1, "string", "Get the values of all the given keys", mget_command),
    command!("mset", -3, WRITE | DENYOOM, 1, -1, 2, "string", "Set multiple keys to multiple values", mset_command),
    command!("msetnx", -3, WRITE | DENYOOM, 1, -1, 2, "string", "Set multiple keys to multiple values, only if none of the keys exist", msetnx_command),
    command!("incr", 2, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Increment the integer value of a key by one", incr_command),
    command!("decr", 2, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Decrement the integer value of a key by one", decr_command),
    command!("incrby", 3, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Increment the integer value of a key by the given amount", incrby_command),
    command!("decrby", 3, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Decrement the integer value of a key by the given number", decrby_command),
    command!("incrbyfloat", 3, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Increment the float value of a key by the given amount", incrbyfloat_command),
    command!("append", 3, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Append a value to a key", append_command),
    command!("strlen", 2, READONLY | FAST, 1, 1, 1, "string", "Get the length of the value stored in a key", strlen_command),
    command!("getrange", 4, READONLY, 1, 1, 1, "string", "Get a substring of the string stored at a key", getrange_command),
    command!("substr", 4, READONLY, 1, 1, 1, "string", "Get a substring of the string stored at a key", getrange_command),
    command!("setrange", 4, WRITE | DENYOOM, 1, 1, 1, "string", "Overwrite part of a string at key starting at the specified offset", setrange_command),
    command!("getdel", 2, WRITE | FAST, 1, 1, 1, "string", "Get the value of a key and delete the key", getdel_command),
    command!("getex", -2, WRITE | FAST, 1, 1, 1, "string", "Get the value of a key and optionally set its expiration", getex_command),
    command!("getset", 3, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Set the string value of a key and return its old value", getset_command),
];

// ----- shared helpers -----

/// An argument as C code sees it (`argv[j]->ptr` compared with `strcasecmp` or char by
/// char): the bytes up to the first NUL.
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

/// `getLongLongFromObjectOrReply`.
fn arg_i64(arg: &[u8]) -> Result<i64, RedisError> {
    parse_i64(arg).ok_or(errors::NOT_INTEGER)
}

/// Redis's `getGenericCommand`: reply with the string at `key` (nil when missing).
/// `Ok(true)` when a value was sent, `Err(WRONGTYPE)` (nothing written) for other types.
fn get_generic(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<bool, RedisError> {
    match ctx.lookup_read(key) {
        None => {
            ctx.null();
            return Ok(false);
        }
        Some(Value::Str(_)) => {}
        Some(_) => return Err(errors::WRONGTYPE),
    }
    let db = ctx.dbid();
    if let Some(Value::Str(s)) = ctx.st.keyspace.dbs[db].get(key) {
        resp::write_bulk(&mut ctx.client.out, &s.data);
    }
    Ok(true)
}

/// Redis's `setKey` with `SETKEY` flags 0/KEEPTTL: a write lookup first (lazy expiry, which
/// deletes and propagates `DEL` for an expired key), then store and signal WATCHers.
fn set_key(ctx: &mut Ctx<'_>, key: &[u8], value: StrValue, keep_ttl: bool) {
    ctx.expire_if_needed(key);
    ctx.set_key(key, Value::Str(value), keep_ttl);
}

/// The string at `key` for a write command: `Ok(None)` when missing, `WRONGTYPE` otherwise.
/// Expired keys are deleted first.
fn lookup_write_str<'c>(
    ctx: &'c mut Ctx<'_>,
    key: &[u8],
) -> Result<Option<&'c mut StrValue>, RedisError> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// Redis's `checkStringLength(c, size, append)` against `proto-max-bulk-len`; commands
/// from the master are never refused.
fn check_string_length(ctx: &Ctx<'_>, size: u64, append: u64) -> CmdResult {
    if ctx.client.flags.master {
        return Ok(());
    }
    match size.checked_add(append) {
        Some(total) if total <= ctx.st.config.proto_max_bulk_len => Ok(()),
        _ => Err(RedisError::from(
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
        )),
    }
}

// ----- SET and friends -----

const SET_NX: u32 = 1 << 0;
const SET_XX: u32 = 1 << 1;
const SET_GET: u32 = 1 << 2;
const KEEPTTL: u32 = 1 << 3;
const PERSIST: u32 = 1 << 4;
const EX: u32 = 1 << 5;
const PX: u32 = 1 << 6;
const EXAT: u32 = 1 << 7;
const PXAT: u32 = 1 << 8;
const ANY_EXPIRE: u32 = EX | PX | EXAT | PXAT;

#[derive(Clone, Copy, PartialEq, Eq)]
enum ArgsFor {
    Set,
    Get,
}

/// The parsed options of SET / GETEX.
struct ExtArgs<'a> {
    flags: u32,
    /// The expire argument.
    expire: Option<&'a [u8]>,
    /// True for PX/PXAT (milliseconds).
    millis: bool,
}

/// Redis's `parseExtendedStringArgumentsOrReply`: options start at argv[3] for SET and
/// argv[2] for GETEX; any unknown, conflicting or incomplete option is a syntax error.
fn parse_ext_args(argv: &[Bytes], kind: ArgsFor) -> Result<ExtArgs<'_>, RedisError> {
    let mut a = ExtArgs {
        flags: 0,
        expire: None,
        millis: false,
    };
    let set = kind == ArgsFor::Set;
    let mut j = if set { 3 } else { 2 };
    while j < argv.len() {
        let opt = &argv[j][..];
        let next = argv.get(j + 1).map(|b| &b[..]);
        let f = a.flags;
        if set && opt_is(opt, "nx") && f & SET_XX == 0 {
            a.flags |= SET_NX;
        } else if set && opt_is(opt, "xx") && f & SET_NX == 0 {
            a.flags |= SET_XX;
        } else if set && opt_is(opt, "get") {
            a.flags |= SET_GET;
        } else if set && opt_is(opt, "keepttl") && f & (PERSIST | ANY_EXPIRE) == 0 {
            a.flags |= KEEPTTL;
        } else if !set && opt_is(opt, "persist") && f & (ANY_EXPIRE | KEEPTTL) == 0 {
            a.flags |= PERSIST;
        } else if let (Some(n), true) = (next, f & (KEEPTTL | PERSIST) == 0) {
            let (flag, others, millis) = if opt_is(opt, "ex") {
                (EX, EXAT | PX | PXAT, false)
            } else if opt_is(opt, "px") {
                (PX, EX | EXAT | PXAT, true)
            } else if opt_is(opt, "exat") {
                (EXAT, EX | PX | PXAT, false)
            } else if opt_is(opt, "pxat") {
                (PXAT, EX | EXAT | PX, true)
            } else {
                return Err(errors::SYNTAX);
            };
            if f & others != 0 {
                return Err(errors::SYNTAX);
            }
            a.flags |= flag;
            a.expire = Some(n);
            a.millis = millis;
            j += 1;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    Ok(a)
}

/// Redis's `getExpireMillisecondsOrReply`: the absolute expiry time in Unix ms, or
/// `invalid expire time in '<cmd>' command` for a non-positive value or an overflow.
fn expire_ms(ctx: &Ctx<'_>, arg: &[u8], flags: u32, millis: bool) -> Result<i64, RedisError> {
    let mut ms = arg_i64(arg)?;
    let invalid = || errors::invalid_expire(ctx.cmd.name);
    if ms <= 0 || (!millis && ms > i64::MAX / 1000) {
        return Err(invalid());
    }
    if !millis {
        ms *= 1000;
    }
    if flags & (EX | PX) != 0 {
        ms = ms.wrapping_add(ctx.now_ms());
    }
    if ms <= 0 {
        return Err(invalid());
    }
    Ok(ms)
}

/// Redis's `setGenericCommand`. `ok`/`abort` are the replies (None: `+OK` / nil).
fn set_generic(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    key_idx: usize,
    val_idx: usize,
    args: &ExtArgs<'_>,
    ok: Option<i64>,
    abort: Option<i64>,
) -> CmdResult {
    let key = &argv[key_idx][..];
    let val = &argv[val_idx][..];
    let flags = args.flags;
    let when = match args.expire {
        Some(e) => Some(expire_ms(ctx, e, flags, args.millis)?),
        None => None,
    };
    if flags & SET_GET != 0 {
        get_generic(ctx, key)?;
    }
    let found = ctx.lookup_write(key).is_some();
    if (flags & SET_NX != 0 && found) || (flags & SET_XX != 0 && !found) {
        if flags & SET_GET == 0 {
            match abort {
                Some(n) => ctx.int(n),
                None => ctx.null(),
            }
        }
        return Ok(());
    }
    ctx.set_key(
        key,
        Value::Str(StrValue::encoded(val)),
        flags & KEEPTTL != 0,
    );
    ctx.add_dirty(1);
    if let Some(when) = when {
        ctx.set_expire(key, when);
        ctx.rewrite_argv(vec![
            Bytes::from_static(b"SET"),
            argv[key_idx].clone(),
            argv[val_idx].clone(),
            Bytes::from_static(b"PXAT"),
            Bytes::copy_from_slice(fmt_i64(when).as_bytes()),
        ]);
    }
    if flags & SET_GET == 0 {
        match ok {
            Some(n) => ctx.int(n),
            None => ctx.ok(),
        }
    }
    if flags & SET_GET != 0 && when.is_none() {
        // Propagate without the GET argument(s).
        let stripped = argv
            .iter()
            .enumerate()
            .filter(|(j, a)| *j < 3 || !opt_is(a, "get"))
            .map(|(_, a)| a.clone())
            .collect();
        ctx.rewrite_argv(stripped);
    }
    Ok(())
}

/// `SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]`
fn set_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let args = parse_ext_args(argv, ArgsFor::Set)?;
    set_generic(ctx, argv, 1, 2, &args, None, None)
}

/// `SETNX key value`
fn setnx_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let args = ExtArgs {
        flags: SET_NX,
        expire: None,
        millis: false,
    };
    set_generic(ctx, argv, 1, 2, &args, Some(1), Some(0))
}

/// `SETEX key seconds value`
fn setex_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let args = ExtArgs {
        flags: EX,
        expire: Some(&argv[2]),
        millis: false,
    };
    set_generic(ctx, argv, 1, 3, &args, None, None)
}

/// `PSETEX key milliseconds value`
fn psetex_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let args = ExtArgs {
        flags: PX,
        expire: Some(&argv[2]),
        millis: true,
    };
    set_generic(ctx, argv, 1, 3, &args, None, None)
}

/// `GET key`
fn get_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    get_generic(ctx, &argv[1]).map(|_| ())
}

/// `GETSET key value`: propagated as `SET key value`.
fn getset_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    get_generic(ctx, &argv[1])?;
    set_key(ctx, &argv[1], StrValue::encoded(&argv[2]), false);
    ctx.add_dirty(1);
    let mut v = argv.to_vec();
    v[0] = Bytes::from_static(b"SET");
    ctx.rewrite_argv(v);
    Ok(())
}

/// `GETDEL key`: propagated as `DEL key` (`UNLINK` with lazyfree-lazy-user-del).
fn getdel_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    if !get_generic(ctx, key)? {
        return Ok(());
    }
    if ctx.delete_key(key) {
        let cmd: &'static [u8] = if ctx.st.config.lazyfree_lazy_user_del {
            b"UNLINK"
        } else {
            b"DEL"
        };
        ctx.rewrite_argv(vec![Bytes::from_static(cmd), key.clone()]);
        ctx.add_dirty(1);
    }
    Ok(())
}

/// `GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]`: propagated as `PEXPIREAT key <ms>`,
/// `PERSIST key`, or `DEL key` when the absolute time is already past.
fn getex_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let args = parse_ext_args(argv, ArgsFor::Get)?;
    let key = &argv[1];
    match ctx.lookup_read(key) {
        None => {
            ctx.null();
            return Ok(());
        }
        Some(Value::Str(_)) => {}
        Some(_) => return Err(errors::WRONGTYPE),
    }
    let when = match args.expire {
        Some(e) => Some(expire_ms(ctx, e, args.flags, args.millis)?),
        None => None,
    };
    let db = ctx.dbid();
    if let Some(Value::Str(s)) = ctx.st.keyspace.dbs[db].get(key) {
        resp::write_bulk(&mut ctx.client.out, &s.data);
    }
    if let Some(when) = when {
        let absolute = args.flags & (EXAT | PXAT) != 0;
        if absolute && when <= ctx.now_ms() && !ctx.is_replica() {
            let lazy = ctx.st.config.lazyfree_lazy_expire;
            ctx.db().remove(key);
            ctx.signal_modified(key);
            let cmd: &'static [u8] = if lazy { b"UNLINK" } else { b"DEL" };
            ctx.rewrite_argv(vec![Bytes::from_static(cmd), key.clone()]);
        } else {
            ctx.set_expire(key, when);
            ctx.signal_modified(key);
            ctx.rewrite_argv(vec![
                Bytes::from_static(b"PEXPIREAT"),
                key.clone(),
                Bytes::copy_from_slice(fmt_i64(when).as_bytes()),
            ]);
        }
        ctx.add_dirty(1);
    } else if args.flags & PERSIST != 0 && ctx.db().remove_expire(key) {
        ctx.signal_modified(key);
        ctx.rewrite_argv(vec![Bytes::from_static(b"PERSIST"), key.clone()]);
        ctx.add_dirty(1);
    }
    Ok(())
}

// ----- MGET / MSET -----

/// `MGET key [key ...]`: nil for missing keys and non-strings.
fn mget_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    ctx.array(argv.len() - 1);
    let db = ctx.dbid();
    for key in &argv[1..] {
        let is_str = matches!(ctx.lookup_read(key), Some(Value::Str(_)));
        match ctx.st.keyspace.dbs[db].get(key) {
            Some(Value::Str(s)) if is_str => resp::write_bulk(&mut ctx.client.out, &s.data),
            _ => ctx.null(),
        }
    }
    Ok(())
}

fn mset_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], nx: bool) -> CmdResult {
    if argv.len().is_multiple_of(2) {
        return Err(errors::wrong_arity(ctx.cmd.name));
    }
    if nx {
        for pair in argv[1..].chunks(2) {
            if ctx.lookup_write(&pair[0]).is_some() {
                ctx.int(0);
                return Ok(());
            }
        }
    }
    for pair in argv[1..].chunks(2) {
        set_key(ctx, &pair[0], StrValue::encoded(&pair[1]), false);
    }
    ctx.add_dirty(((argv.len() - 1) / 2) as u64);
    if nx {
        ctx.int(1);
    } else {
        ctx.ok();
    }
    Ok(())
}

/// `MSET key value [key value ...]`
fn mset_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    mset_generic(ctx, argv, false)
}

/// `MSETNX key value [key value ...]`
fn msetnx_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    mset_generic(ctx, argv, true)
}

// ----- counters -----

/// Redis's `incrDecrCommand`: the result is stored `int`-encoded, keeping the TTL.
fn incr_decr(ctx: &mut Ctx<'_>, key: &[u8], incr: i64) -> CmdResult {
    let old = match lookup_write_str(ctx, key)? {
        None => None,
        Some(s) => Some(parse_i64(&s.data).ok_or(errors::NOT_INTEGER)?),
    };
    let value = old.unwrap_or(0);
    let new = value.checked_add(incr).ok_or(errors::OVERFLOW)?;
    let sv = StrValue::from_i64(new);
    match old {
        Some(_) => {
            if let Some(Value::Str(s)) = ctx.db().get_mut(key) {
                *s = sv;
            }
            ctx.signal_modified(key);
        }
        None => ctx.set_key(key, Value::Str(sv), false),
    }
    ctx.add_dirty(1);
    ctx.int(new);
    Ok(())
}

/// `INCR key`
fn incr_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    incr_decr(ctx, &argv[1], 1)
}

/// `DECR key`
fn decr_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    incr_decr(ctx, &argv[1], -1)
}

/// `INCRBY key increment`
fn incrby_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let incr = arg_i64(&argv[2])?;
    incr_decr(ctx, &argv[1], incr)
}

/// `DECRBY key decrement`
fn decrby_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let decr = arg_i64(&argv[2])?;
    if decr == i64::MIN {
        return Err(RedisError::from("ERR decrement would overflow"));
    }
    incr_decr(ctx, &argv[1], -decr)
}

/// `INCRBYFLOAT key increment`: `long double` arithmetic, result stored as a plain string
/// (embstr/raw by length, never `int`), propagated as `SET key <result> KEEPTTL`.
fn incrbyfloat_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let current = match lookup_write_str(ctx, key)? {
        None => Some(LongDouble::ZERO),
        Some(s) => LongDouble::parse(&s.data),
    };
    let exists = ctx.db().contains(key);
    let (Some(value), Some(incr)) = (current, LongDouble::parse(&argv[2])) else {
        return Err(IncrFloatError::NotFloat.into());
    };
    let sum = value + incr;
    if !sum.is_finite() {
        return Err(IncrFloatError::NanOrInf.into());
    }
    let text = sum.to_human();
    let enc = if text.len() <= EMBSTR_SIZE_LIMIT {
        StrEncoding::Embstr
    } else {
        StrEncoding::Raw
    };
    let sv = StrValue::with_encoding(text.as_bytes(), enc);
    if exists {
        if let Some(Value::Str(s)) = ctx.db().get_mut(key) {
            *s = sv;
        }
        ctx.signal_modified(key);
    } else {
        ctx.set_key(key, Value::Str(sv), false);
    }
    ctx.add_dirty(1);
    let new = Bytes::from(text.into_bytes());
    ctx.bulk(&new);
    ctx.rewrite_argv(vec![
        Bytes::from_static(b"SET"),
        key.clone(),
        new,
        Bytes::from_static(b"KEEPTTL"),
    ]);
    Ok(())
}

// ----- APPEND, STRLEN, ranges -----

/// `APPEND key value`: a new key is stored as SET would; an existing one becomes `raw`.
fn append_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let add = &argv[2][..];
    let total = match lookup_write_str(ctx, key)? {
        None => {
            ctx.set_key(key, Value::Str(StrValue::encoded(add)), false);
            add.len()
        }
        Some(s) => {
            let olen = s.data.len();
            check_string_length(ctx, olen as u64, add.len() as u64)?;
            let Some(Value::Str(s)) = ctx.db().get_mut(key) else {
                return Ok(());
            };
            s.data.extend_from_slice(add);
            s.enc = StrEncoding::Raw;
            let n = s.data.len();
            ctx.signal_modified(key);
            n
        }
    };
    ctx.add_dirty(1);
    ctx.int(total as i64);
    Ok(())
}

/// `STRLEN key`
fn strlen_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let n = match ctx.lookup_read(&argv[1]) {
        None => 0,
        Some(Value::Str(s)) => s.data.len(),
        Some(_) => return Err(errors::WRONGTYPE),
    };
    ctx.int(n as i64);
    Ok(())
}

/// `GETRANGE key start end` (and `SUBSTR`), with Redis 7.0's index clamping.
fn getrange_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut start = arg_i64(&argv[2])?;
    let mut end = arg_i64(&argv[3])?;
    let key = &argv[1];
    match ctx.lookup_read(key) {
        None => {
            ctx.bulk(b"");
            return Ok(());
        }
        Some(Value::Str(_)) => {}
        Some(_) => return Err(errors::WRONGTYPE),
    }
    let db = ctx.dbid();
    let Some(Value::Str(s)) = ctx.st.keyspace.dbs[db].get(key) else {
        return Ok(());
    };
    let data = &s.data[..];
    let len = data.len() as i64;
    let out = &mut ctx.client.out;
    if start < 0 && end < 0 && start > end {
        resp::write_bulk(out, b"");
        return Ok(());
    }
    if start < 0 {
        start = len.wrapping_add(start);
    }
    if end < 0 {
        end = len.wrapping_add(end);
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        resp::write_bulk(out, b"");
    } else {
        resp::write_bulk(out, &data[start as usize..=end as usize]);
    }
    Ok(())
}

/// `SETRANGE key offset value`: zero-pads, leaves the value `raw`.
fn setrange_command(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let offset = arg_i64(&argv[2])?;
    if offset < 0 {
        return Err(RedisError::from("ERR offset is out of range"));
    }
    let key = &argv[1];
    let value = &argv[3][..];
    let exists = match lookup_write_str(ctx, key)? {
        None => {
            if value.is_empty() {
                ctx.int(0);
                return Ok(());
            }
            false
        }
        Some(s) => {
            if value.is_empty() {
                let n = s.data.len() as i64;
                ctx.int(n);
                return Ok(());
            }
            true
        }
    };
    check_string_length(ctx, offset as u64, value.len() as u64)?;
    if !exists {
        ctx.set_key(
            key,
            Value::Str(StrValue::with_encoding(b"", StrEncoding::Raw)),
            false,
        );
    }
    let off = offset as usize;
    let n = {
        let Some(Value::Str(s)) = ctx.db().get_mut(key) else {
            return Ok(());
        };
        s.enc = StrEncoding::Raw;
        if s.data.len() < off + value.len() {
            s.data.resize(off + value.len(), 0);
        }
        s.data[off..off + value.len()].copy_from_slice(value);
        s.data.len()
    };
    ctx.signal_modified(key);
    ctx.add_dirty(1);
    ctx.int(n as i64);
    Ok(())
}
