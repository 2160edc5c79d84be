//! Hash commands (Redis 7.0's t_hash.c, without HRANDFIELD and HSCAN).
//!
//! Hashes are `listpack` encoded while small (see [`HashValue`]) and deleted when emptied.
//! Writes propagate verbatim, except HINCRBYFLOAT, which 7.0 propagates as
//! `HSET key field <new value>` so that replicas never redo float arithmetic.

use bytes::{Bytes, BytesMut};

use super::errors::{self, RedisError};
use super::flags::*;
use super::{CmdResult, CommandSpec, Ctx};
use crate::command;
use crate::keyspace::hash::HashValue;
use crate::keyspace::Value;
use crate::ldouble::{IncrFloatError, LongDouble};
use crate::resp;

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    command!("hset", -4, WRITE | DENYOOM | FAST, 1, 1, 1, "hash",
        "Set the string value of a hash field", hset),
    command!("hsetnx", 4, WRITE | DENYOOM | FAST, 1, 1, 1, "hash",
        "Set the value of a hash field, only if the field does not exist", hsetnx),
    command!("hget", 3, READONLY | FAST, 1, 1, 1, "hash",
        "Get the value of a hash field", hget),
    command!("hmget", -3, READONLY | FAST, 1, 1, 1, "hash",
        "Get the values of all the given hash fields", hmget),
    command!("hmset", -4, WRITE | DENYOOM | FAST, 1, 1, 1, "hash",
        "Set multiple hash fields to multiple values", hset),
    command!("hdel", -3, WRITE | FAST, 1, 1, 1, "hash",
        "Delete one or more hash fields", hdel),
    command!("hgetall", 2, READONLY, 1, 1, 1, "hash",
        "Get all the fields and values in a hash", hgetall),
    command!("hlen", 2, READONLY | FAST, 1, 1, 1, "hash",
        "Get the number of fields in a hash", hlen),
    command!("hexists", 3, READONLY | FAST, 1, 1, 1, "hash",
        "Determine if a hash field exists", hexists),
    command!("hkeys", 2, READONLY, 1, 1, 1, "hash",
        "Get all the fields in a hash", hkeys),
    command!("hvals", 2, READONLY, 1, 1, 1, "hash",
        "Get all the values in a hash", hvals),
    command!("hincrby", 4, WRITE | DENYOOM | FAST, 1, 1, 1, "hash",
        "Increment the integer value of a hash field by the given number", hincrby),
    command!("hincrbyfloat", 4, WRITE | DENYOOM | FAST, 1, 1, 1, "hash",
        "Increment the float value of a hash field by the given amount", hincrbyfloat),
    command!("hstrlen", 3, READONLY | FAST, 1, 1, 1, "hash",
        "Get the length of the value of a hash field", hstrlen),
];

// ----- helpers -----

/// The hash under `key` for writing, created (empty, `listpack`) when missing (Redis's
/// `hashTypeLookupWriteOrCreate`). The caller must store at least one field in a created
/// hash, as every caller does.
fn hash_write_or_create<'c>(
    ctx: &'c mut Ctx<'_>,
    key: &[u8],
) -> Result<&'c mut HashValue, RedisError> {
    match ctx.lookup_write(key) {
        Some(Value::Hash(_)) => {}
        Some(_) => return Err(errors::WRONGTYPE),
        None => ctx.set_key(key, Value::Hash(HashValue::default()), false),
    }
    match ctx.db().get_mut(key) {
        Some(Value::Hash(h)) => Ok(h),
        _ => unreachable!("hash stored above"),
    }
}

/// The hash under `key` for reading (`lookupKeyRead` + `checkType`), together with the
/// client's output buffer so that replies can be written while the hash is borrowed.
fn hash_read<'c>(
    ctx: &'c mut Ctx<'_>,
    key: &[u8],
) -> Result<(Option<&'c HashValue>, &'c mut BytesMut), RedisError> {
    let present = ctx.lookup_read(key).is_some();
    let db = ctx.client.db;
    let out = &mut ctx.client.out;
    match ctx.st.keyspace.dbs[db].get(key).filter(|_| present) {
        None => Ok((None, out)),
        Some(Value::Hash(h)) => Ok((Some(h), out)),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// The listpack limits from the config: (`hash-max-listpack-entries`, `-value`).
fn limits(ctx: &Ctx<'_>) -> (usize, usize) {
    (
        ctx.st.config.hash_max_listpack_entries,
        ctx.st.config.hash_max_listpack_value,
    )
}

// ----- writes -----

/// HSET and HMSET (they differ only in the reply).
fn hset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if argv.len() % 2 == 1 {
        return Err(errors::wrong_arity(ctx.cmd.name));
    }
    let key = &argv[1];
    let (max_entries, max_value) = limits(ctx);
    let h = hash_write_or_create(ctx, key)?;
    let mut created = 0;
    for pair in argv[2..].chunks_exact(2) {
        if h.set(&pair[0], &pair[1], max_entries, max_value) {
            created += 1;
        }
    }
    ctx.signal_modified(key);
    ctx.add_dirty(((argv.len() - 2) / 2) as u64);
    if ctx.cmd.name == "hset" {
        ctx.int(created);
    } else {
        ctx.ok();
    }
    Ok(())
}

fn hsetnx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let (max_entries, max_value) = limits(ctx);
    let h = hash_write_or_create(ctx, key)?;
    if h.contains(&argv[2]) {
        ctx.int(0);
        return Ok(());
    }
    h.set(&argv[2], &argv[3], max_entries, max_value);
    ctx.signal_modified(key);
    ctx.add_dirty(1);
    ctx.int(1);
    Ok(())
}

fn hdel(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let Some(v) = ctx.lookup_write(key) else {
        ctx.int(0);
        return Ok(());
    };
    let Value::Hash(h) = v else {
        return Err(errors::WRONGTYPE);
    };
    let mut deleted = 0;
    for f in &argv[2..] {
        if h.remove(f) {
            deleted += 1;
            if h.is_empty() {
                break;
            }
        }
    }
    let emptied = h.is_empty();
    if deleted > 0 {
        if emptied {
            ctx.db().remove(key);
        }
        ctx.signal_modified(key);
        ctx.add_dirty(deleted);
    }
    ctx.int(deleted as i64);
    Ok(())
}

fn hincrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let incr = crate::util::parse_i64(&argv[3]).ok_or(errors::NOT_INTEGER)?;
    let key = &argv[1];
    let (max_entries, max_value) = limits(ctx);
    let h = hash_write_or_create(ctx, key)?;
    let old = match h.get(&argv[2]) {
        Some(v) => crate::util::parse_i64(v)
            .ok_or_else(|| RedisError::err("hash value is not an integer"))?,
        None => 0,
    };
    let new = old.checked_add(incr).ok_or(errors::OVERFLOW)?;
    h.set(
        &argv[2],
        crate::util::fmt_i64(new).as_bytes(),
        max_entries,
        max_value,
    );
    ctx.signal_modified(key);
    ctx.add_dirty(1);
    ctx.int(new);
    Ok(())
}

fn hincrbyfloat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    check_float_incr(&argv[3])?;
    let key = &argv[1];
    let (max_entries, max_value) = limits(ctx);
    let h = hash_write_or_create(ctx, key)?;
    let cur: &[u8] = h.get(&argv[2]).unwrap_or(b"0");
    let new = incr_float(cur, &argv[3]).map_err(|e| match e {
        FloatIncrError::NotAFloat => RedisError::err("hash value is not a float"),
        FloatIncrError::NanOrInfinity => RedisError::err("increment would produce NaN or Infinity"),
    })?;
    h.set(&argv[2], &new, max_entries, max_value);
    ctx.signal_modified(key);
    ctx.add_dirty(1);
    ctx.bulk(&new);
    ctx.rewrite_argv(vec![
        Bytes::from_static(b"HSET"),
        argv[1].clone(),
        argv[2].clone(),
        Bytes::from(new),
    ]);
    Ok(())
}

/// Why [`incr_float`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FloatIncrError {
    /// The current value does not parse as a long double (`string2ld`).
    NotAFloat,
    /// The sum is NaN or infinite.
    NanOrInfinity,
}

/// HINCRBYFLOAT's checks on the increment, made before the key is looked up:
/// `getLongDoubleFromObjectOrReply`, then the NaN/Infinity test.
fn check_float_incr(incr: &[u8]) -> Result<(), RedisError> {
    let v = LongDouble::parse(incr).ok_or(errors::NOT_FLOAT)?;
    if !v.is_finite() {
        return Err(RedisError::err("value is NaN or Infinity"));
    }
    Ok(())
}

/// `current + incr` in C `long double` precision, printed as Redis's
/// `ld2string(LD_STR_HUMAN)`. `incr` has passed [`check_float_incr`].
fn incr_float(cur: &[u8], incr: &[u8]) -> Result<Vec<u8>, FloatIncrError> {
    match crate::ldouble::incr_by_float(cur, incr) {
        Ok(v) => Ok(v),
        Err(IncrFloatError::NotFloat) => Err(FloatIncrError::NotAFloat),
        Err(IncrFloatError::NanOrInf) => Err(FloatIncrError::NanOrInfinity),
    }
}

// ----- reads -----

fn hget(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let (h, out) = hash_read(ctx, &argv[1])?;
    match h.and_then(|h| h.get(&argv[2])) {
        Some(v) => resp::write_bulk(out, v),
        None => resp::write_null(out),
    }
    Ok(())
}

fn hmget(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let (h, out) = hash_read(ctx, &argv[1])?;
    resp::write_array_len(out, argv.len() - 2);
    for f in &argv[2..] {
        match h.and_then(|h| h.get(f)) {
            Some(v) => resp::write_bulk(out, v),
            None => resp::write_null(out),
        }
    }
    Ok(())
}

fn hlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let (h, out) = hash_read(ctx, &argv[1])?;
    resp::write_integer(out, h.map_or(0, |h| h.len() as i64));
    Ok(())
}

fn hexists(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let (h, out) = hash_read(ctx, &argv[1])?;
    resp::write_integer(out, h.is_some_and(|h| h.contains(&argv[2])) as i64);
    Ok(())
}

fn hstrlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let (h, out) = hash_read(ctx, &argv[1])?;
    resp::write_integer(
        out,
        h.and_then(|h| h.get(&argv[2]))
            .map_or(0, |v| v.len() as i64),
    );
    Ok(())
}

/// HGETALL, HKEYS and HVALS (`genericHgetallCommand`).
fn getall_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], keys: bool, vals: bool) -> CmdResult {
    let (h, out) = hash_read(ctx, &argv[1])?;
    let Some(h) = h else {
        resp::write_array_len(out, 0);
        return Ok(());
    };
    let per = usize::from(keys) + usize::from(vals);
    resp::write_array_len(out, h.len() * per);
    for (f, v) in h.iter() {
        if keys {
            resp::write_bulk(out, f);
        }
        if vals {
            resp::write_bulk(out, v);
        }
    }
    Ok(())
}

fn hgetall(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    getall_generic(ctx, argv, true, true)
}

fn hkeys(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    getall_generic(ctx, argv, true, false)
}

fn hvals(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    getall_generic(ctx, argv, false, true)
}
