//! List commands (Redis 7.0's t_list.c, without the blocking variants).
//!
//! Every list is a `quicklist` in 7.0. A list emptied by a pop, LREM, LTRIM or LMOVE is
//! deleted. List writes propagate verbatim (LMPOP as the `LPOP`/`RPOP key n` it did); writes
//! that change nothing (LPUSHX on a missing key, LREM that finds nothing, LTRIM that keeps
//! everything, `LPOP k 0`, ...) propagate nothing.

use bytes::{Bytes, BytesMut};

use super::errors::{self, RedisError};
use super::flags::*;
use super::{CmdResult, CommandSpec, Ctx};
use crate::command;
use crate::keyspace::list::ListValue;
use crate::keyspace::{Sds, Value};
use crate::resp;

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    command!("lpush", -3, WRITE | DENYOOM | FAST, 1, 1, 1, "list",
        "Prepend one or multiple elements to a list", lpush),
    command!("rpush", -3, WRITE | DENYOOM | FAST, 1, 1, 1, "list",
        "Append one or multiple elements to a list", rpush),
    command!("lpushx", -3, WRITE | DENYOOM | FAST, 1, 1, 1, "list",
        "Prepend an element to a list, only if the list exists", lpushx),
    command!("rpushx", -3, WRITE | DENYOOM | FAST, 1, 1, 1, "list",
        "Append an element to a list, only if the list exists", rpushx),
    command!("lpop", -2, WRITE | FAST, 1, 1, 1, "list",
        "Remove and get the first elements in a list", lpop),
    command!("rpop", -2, WRITE | FAST, 1, 1, 1, "list",
        "Remove and get the last elements in a list", rpop),
    command!("lrange", 4, READONLY, 1, 1, 1, "list",
        "Get a range of elements from a list", lrange),
    command!("llen", 2, READONLY | FAST, 1, 1, 1, "list",
        "Get the length of a list", llen),
    command!("lindex", 3, READONLY, 1, 1, 1, "list",
        "Get an element from a list by its index", lindex),
    command!("lset", 4, WRITE | DENYOOM, 1, 1, 1, "list",
        "Set the value of an element in a list by its index", lset),
    command!("lrem", 4, WRITE, 1, 1, 1, "list",
        "Remove elements from a list", lrem),
    command!("ltrim", 4, WRITE, 1, 1, 1, "list",
        "Trim a list to the specified range", ltrim),
    command!("linsert", 5, WRITE | DENYOOM, 1, 1, 1, "list",
        "Insert an element before or after another element in a list", linsert),
    command!("lpos", -3, READONLY, 1, 1, 1, "list",
        "Return the index of matching elements on a list", lpos),
    command!("lmove", 5, WRITE | DENYOOM, 1, 2, 1, "list",
        "Pop an element from a list, push it to another list and return it", lmove),
    command!("lmpop", -4, WRITE, 0, 0, 0, "list",
        "Pop elements from a list", lmpop),
    command!("rpoplpush", 3, WRITE | DENYOOM, 1, 2, 1, "list",
        "Remove the last element in a list, prepend it to another list and return it",
        rpoplpush),
];

// ----- helpers -----

/// The list under `key` for writing (`lookupKeyWrite` + `checkType`).
fn list_write<'c>(
    ctx: &'c mut Ctx<'_>,
    key: &[u8],
) -> Result<Option<&'c mut ListValue>, RedisError> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// The list under `key` for reading (`lookupKeyRead` + `checkType`), together with the
/// client's output buffer so that replies can be written while the list is borrowed.
fn list_read<'c>(
    ctx: &'c mut Ctx<'_>,
    key: &[u8],
) -> Result<(Option<&'c ListValue>, &'c mut BytesMut), RedisError> {
    let present = ctx.lookup_read(key).is_some();
    let db = ctx.client.db;
    let out = &mut ctx.client.out;
    match ctx.st.keyspace.dbs[db].get(key).filter(|_| present) {
        None => Ok((None, out)),
        Some(Value::List(l)) => Ok((Some(l), out)),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// `getLongFromObjectOrReply` with the default message.
fn parse_long(arg: &[u8]) -> Result<i64, RedisError> {
    crate::util::parse_i64(arg).ok_or(errors::NOT_INTEGER)
}

/// `getPositiveLongFromObjectOrReply`: non-integers and negatives both get `msg`.
fn parse_positive(arg: &[u8], msg: RedisError) -> Result<i64, RedisError> {
    match crate::util::parse_i64(arg) {
        Some(n) if n >= 0 => Ok(n),
        _ => Err(msg),
    }
}

/// `LEFT` / `RIGHT` (`getListPositionFromObjectOrReply`): true for the head.
fn parse_where(arg: &[u8]) -> Result<bool, RedisError> {
    if arg.eq_ignore_ascii_case(b"left") {
        Ok(true)
    } else if arg.eq_ignore_ascii_case(b"right") {
        Ok(false)
    } else {
        Err(errors::SYNTAX)
    }
}

/// Delete `key` when the list under it became empty; signal the modification.
fn finish_removal(ctx: &mut Ctx<'_>, key: &[u8], emptied: bool) {
    if emptied {
        ctx.db().remove(key);
    }
    ctx.signal_modified(key);
}

// ----- push -----

fn push_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], head: bool, only_existing: bool) -> CmdResult {
    let key = &argv[1];
    let elems = &argv[2..];
    let len = match list_write(ctx, key)? {
        Some(l) => {
            for e in elems {
                l.push(e, head);
            }
            l.len()
        }
        None if only_existing => {
            ctx.int(0);
            return Ok(());
        }
        None => {
            let mut l = ListValue::new();
            for e in elems {
                l.push(e, head);
            }
            let n = l.len();
            ctx.set_key(key, Value::List(l), false);
            n
        }
    };
    ctx.signal_modified(key);
    ctx.add_dirty(elems.len() as u64);
    ctx.int(len as i64);
    Ok(())
}

fn lpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    push_generic(ctx, argv, true, false)
}

fn rpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    push_generic(ctx, argv, false, false)
}

fn lpushx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    push_generic(ctx, argv, true, true)
}

fn rpushx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    push_generic(ctx, argv, false, true)
}

// ----- pop -----

fn pop_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], head: bool) -> CmdResult {
    if argv.len() > 3 {
        return Err(errors::wrong_arity(ctx.cmd.name));
    }
    let count = match argv.get(2) {
        Some(a) => Some(parse_positive(a, errors::NOT_POSITIVE)?),
        None => None,
    };
    let key = &argv[1];
    let Some(l) = list_write(ctx, key)? else {
        if count.is_some() {
            ctx.null_array();
        } else {
            ctx.null();
        }
        return Ok(());
    };
    match count {
        None => {
            let Some(v) = l.pop(head) else {
                // Only a corrupt (empty) stored list gets here.
                ctx.null();
                return Ok(());
            };
            let emptied = l.is_empty();
            ctx.bulk(&v);
            finish_removal(ctx, key, emptied);
            ctx.add_dirty(1);
        }
        Some(0) => ctx.array(0),
        Some(n) => {
            let take = (n as u64).min(l.len() as u64) as usize;
            let popped: Vec<Sds> = (0..take).filter_map(|_| l.pop(head)).collect();
            let emptied = l.is_empty();
            ctx.array(popped.len());
            for v in &popped {
                ctx.bulk(v);
            }
            finish_removal(ctx, key, emptied);
            ctx.add_dirty(popped.len() as u64);
        }
    }
    Ok(())
}

fn lpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    pop_generic(ctx, argv, true)
}

fn rpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    pop_generic(ctx, argv, false)
}

/// `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]`: pop from the first non-empty
/// list; propagated as `LPOP|RPOP key <popped>`.
fn lmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let numkeys = match crate::util::parse_i64(&argv[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(RedisError::err("numkeys should be greater than 0")),
    };
    // Index of LEFT|RIGHT: 2 + numkeys.
    let where_idx = match numkeys.checked_add(2) {
        Some(i) if i < argv.len() as u64 => i as usize,
        _ => return Err(errors::SYNTAX),
    };
    let head = parse_where(&argv[where_idx])?;
    let mut count: Option<i64> = None;
    let mut j = where_idx + 1;
    while j < argv.len() {
        if count.is_none() && argv[j].eq_ignore_ascii_case(b"count") && j + 1 < argv.len() {
            j += 1;
            match crate::util::parse_i64(&argv[j]) {
                Some(n) if n >= 1 => count = Some(n),
                _ => return Err(RedisError::err("count should be greater than 0")),
            }
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    let count = count.unwrap_or(1) as u64;
    for key in &argv[2..where_idx] {
        let Some(l) = list_write(ctx, key)? else {
            continue;
        };
        if l.is_empty() {
            continue;
        }
        let take = count.min(l.len() as u64) as usize;
        let popped: Vec<Sds> = (0..take).filter_map(|_| l.pop(head)).collect();
        let emptied = l.is_empty();
        ctx.array(2);
        ctx.bulk(key);
        ctx.array(popped.len());
        for v in &popped {
            ctx.bulk(v);
        }
        finish_removal(ctx, key, emptied);
        ctx.add_dirty(popped.len() as u64);
        let name: &'static [u8] = if head { b"LPOP" } else { b"RPOP" };
        let n = crate::util::fmt_i64(popped.len() as i64);
        ctx.rewrite_argv(vec![
            Bytes::from_static(name),
            key.clone(),
            Bytes::copy_from_slice(n.as_bytes()),
        ]);
        return Ok(());
    }
    ctx.null_array();
    Ok(())
}

// ----- read commands -----

/// Redis's start/end normalisation for LRANGE and LTRIM: `Some((start, end))` inclusive and
/// within the list, `None` for an empty range.
fn normalize_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let llen = len as i64;
    let mut start = if start < 0 {
        start.saturating_add(llen)
    } else {
        start
    };
    let mut end = if end < 0 {
        end.saturating_add(llen)
    } else {
        end
    };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return None;
    }
    if end >= llen {
        end = llen - 1;
    }
    Some((start as usize, end as usize))
}

fn lrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let start = parse_long(&argv[2])?;
    let end = parse_long(&argv[3])?;
    let (l, out) = list_read(ctx, &argv[1])?;
    let range = l.and_then(|l| normalize_range(start, end, l.len()).map(|r| (l, r)));
    match range {
        None => resp::write_array_len(out, 0),
        Some((l, (s, e))) => {
            resp::write_array_len(out, e - s + 1);
            for v in l.iter().skip(s).take(e - s + 1) {
                resp::write_bulk(out, v);
            }
        }
    }
    Ok(())
}

fn llen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let (l, out) = list_read(ctx, &argv[1])?;
    resp::write_integer(out, l.map_or(0, |l| l.len() as i64));
    Ok(())
}

fn lindex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let (l, out) = list_read(ctx, &argv[1])?;
    let Some(l) = l else {
        resp::write_null(out);
        return Ok(());
    };
    let index = parse_long(&argv[2])?;
    match l.resolve_index(index) {
        Some(i) => resp::write_bulk(out, l.get(i).unwrap_or_default()),
        None => resp::write_null(out),
    }
    Ok(())
}

fn lpos(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let elem = &argv[2];
    let mut rank: i64 = 1;
    let mut count: i64 = -1;
    let mut maxlen: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let opt = &argv[j];
        let more = j + 1 < argv.len();
        if opt.eq_ignore_ascii_case(b"rank") && more {
            j += 1;
            rank = parse_long(&argv[j])?;
            if rank == 0 {
                return Err(RedisError::err(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the \
                     second ... or use negative to start from the end of the list",
                ));
            }
        } else if opt.eq_ignore_ascii_case(b"count") && more {
            j += 1;
            count = parse_positive(&argv[j], RedisError::err("COUNT can't be negative"))?;
        } else if opt.eq_ignore_ascii_case(b"maxlen") && more {
            j += 1;
            maxlen = parse_positive(&argv[j], RedisError::err("MAXLEN can't be negative"))?;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    // A negative rank searches from the tail. Redis negates a C long, so LONG_MIN stays
    // LONG_MIN (and then matches at once): wrapping arithmetic reproduces that.
    let from_head = rank > 0;
    if rank < 0 {
        rank = rank.wrapping_neg();
    }
    let (l, out) = list_read(ctx, &argv[1])?;
    let Some(l) = l else {
        if count != -1 {
            resp::write_array_len(out, 0);
        } else {
            resp::write_null(out);
        }
        return Ok(());
    };
    let llen = l.len() as i64;
    let mut found: Vec<i64> = Vec::new();
    let mut matches: i64 = 0;
    let iter: Box<dyn Iterator<Item = &[u8]>> = if from_head {
        Box::new(l.iter())
    } else {
        Box::new(l.iter().rev())
    };
    for (index, v) in iter.enumerate() {
        let index = index as i64;
        if maxlen != 0 && index >= maxlen {
            break;
        }
        if v != elem.as_ref() {
            continue;
        }
        matches += 1;
        if matches >= rank {
            found.push(if from_head { index } else { llen - index - 1 });
            if count == -1 {
                break;
            }
            if count != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= count {
                break;
            }
        }
    }
    if count != -1 {
        resp::write_array_len(out, found.len());
        for i in found {
            resp::write_integer(out, i);
        }
    } else {
        match found.first() {
            Some(&i) => resp::write_integer(out, i),
            None => resp::write_null(out),
        }
    }
    Ok(())
}

// ----- in-place writes -----

fn lset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let Some(l) = list_write(ctx, key)? else {
        return Err(errors::NO_SUCH_KEY);
    };
    let index = parse_long(&argv[2])?;
    let Some(i) = l.resolve_index(index) else {
        return Err(errors::OUT_OF_RANGE);
    };
    l.set(i, &argv[3]);
    ctx.signal_modified(key);
    ctx.add_dirty(1);
    ctx.ok();
    Ok(())
}

fn lrem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let count = parse_long(&argv[2])?;
    let key = &argv[1];
    let elem: &[u8] = &argv[3];
    let Some(l) = list_write(ctx, key)? else {
        ctx.int(0);
        return Ok(());
    };
    // count > 0: the first `count` matches from the head; < 0: from the tail; 0: all.
    let limit = if count == 0 {
        u64::MAX
    } else {
        count.unsigned_abs()
    };
    let removed = l.remove_matching(elem, limit, count < 0);
    let emptied = l.is_empty();
    if removed > 0 {
        finish_removal(ctx, key, emptied);
        ctx.add_dirty(removed);
    }
    ctx.int(removed as i64);
    Ok(())
}

fn ltrim(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let start = parse_long(&argv[2])?;
    let end = parse_long(&argv[3])?;
    let key = &argv[1];
    let Some(l) = list_write(ctx, key)? else {
        ctx.ok();
        return Ok(());
    };
    let len = l.len();
    let (ltrim, rtrim) = match normalize_range(start, end, len) {
        None => (len, 0),
        Some((s, e)) => (s, len - e - 1),
    };
    l.trim(ltrim, rtrim);
    let emptied = l.is_empty();
    // Redis signals the key even when nothing was trimmed, but counts only removals.
    finish_removal(ctx, key, emptied);
    ctx.add_dirty((ltrim + rtrim) as u64);
    ctx.ok();
    Ok(())
}

fn linsert(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let after = if argv[2].eq_ignore_ascii_case(b"after") {
        true
    } else if argv[2].eq_ignore_ascii_case(b"before") {
        false
    } else {
        return Err(errors::SYNTAX);
    };
    let key = &argv[1];
    let pivot: &[u8] = &argv[3];
    let Some(l) = list_write(ctx, key)? else {
        ctx.int(0);
        return Ok(());
    };
    let Some(pos) = l.iter().position(|v| v == pivot) else {
        ctx.int(-1);
        return Ok(());
    };
    l.insert(if after { pos + 1 } else { pos }, &argv[4]);
    let len = l.len();
    ctx.signal_modified(key);
    ctx.add_dirty(1);
    ctx.int(len as i64);
    Ok(())
}

// ----- LMOVE / RPOPLPUSH -----

fn lmove_generic(
    ctx: &mut Ctx<'_>,
    src: &[u8],
    dst: &[u8],
    from_head: bool,
    to_head: bool,
) -> CmdResult {
    match list_write(ctx, src)? {
        None => {
            ctx.null();
            return Ok(());
        }
        Some(l) if l.is_empty() => {
            ctx.null();
            return Ok(());
        }
        Some(_) => {}
    }
    let dst_exists = list_write(ctx, dst)?.is_some();
    let value = {
        let Some(Value::List(l)) = ctx.db().get_mut(src) else {
            unreachable!("source list checked above");
        };
        let v = l.pop(from_head).unwrap_or_default();
        if src == dst {
            // Same key: a rotation; the list never becomes empty.
            l.push(&v, to_head);
        }
        v
    };
    if src != dst {
        if dst_exists {
            if let Some(Value::List(d)) = ctx.db().get_mut(dst) {
                d.push(&value, to_head);
            }
        } else {
            let mut d = ListValue::new();
            d.push(&value, to_head);
            ctx.set_key(dst, Value::List(d), false);
        }
        ctx.signal_modified(dst);
    }
    let emptied = matches!(ctx.db().get(src), Some(Value::List(l)) if l.is_empty());
    ctx.bulk(&value);
    finish_removal(ctx, src, emptied);
    ctx.add_dirty(1);
    Ok(())
}

fn lmove(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let from_head = parse_where(&argv[3])?;
    let to_head = parse_where(&argv[4])?;
    lmove_generic(ctx, &argv[1], &argv[2], from_head, to_head)
}

fn rpoplpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    lmove_generic(ctx, &argv[1], &argv[2], false, true)
}
