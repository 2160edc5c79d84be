//! Set commands (Redis 7.0's `t_set.c`): SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
//! SRANDMEMBER SMOVE SINTER SINTERCARD SUNION SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE.
//!
//! Reply order follows the encoding as in Redis: an intset (and any result that Redis builds
//! into a fresh intset, e.g. SUNION of integer-only sets) comes out in ascending order; a
//! hashtable comes out in an arbitrary order. Random choices come from `ctx.st.rng`.
//!
//! Propagation (7.0.15): `SPOP k` → `SREM k <member>`; `SPOP k <count>` with count < size →
//! one `SREM k <member>` per popped member (wrapped in MULTI/EXEC by the dispatcher when
//! there are two or more); count >= size → `DEL k` (always DEL, whatever the lazyfree
//! settings); everything else verbatim when it changed the dataset.

use bytes::{Bytes, BytesMut};

use super::errors::{self, RedisError};
use super::flags::*;
use super::{CmdResult, CommandSpec, Ctx};
use crate::command;
use crate::keyspace::set::SetValue;
use crate::keyspace::{Db, Sds, Value};
use crate::resp;
use crate::util::parse_i64;

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    command!("sadd", -3, WRITE | DENYOOM | FAST, 1, 1, 1, "set",
        "Adds one or more members to a set", sadd),
    command!("srem", -3, WRITE | FAST, 1, 1, 1, "set",
        "Removes one or more members from a set", srem),
    command!("smembers", 2, READONLY, 1, 1, 1, "set",
        "Returns all members of a set", smembers),
    command!("sismember", 3, READONLY | FAST, 1, 1, 1, "set",
        "Determines whether a member belongs to a set", sismember),
    command!("smismember", -3, READONLY | FAST, 1, 1, 1, "set",
        "Determines whether multiple members belong to a set", smismember),
    command!("scard", 2, READONLY | FAST, 1, 1, 1, "set",
        "Returns the number of members in a set", scard),
    command!("spop", -2, WRITE | FAST, 1, 1, 1, "set",
        "Returns one or more random members from a set after removing them", spop),
    command!("srandmember", -2, READONLY, 1, 1, 1, "set",
        "Get one or multiple random members from a set", srandmember),
    command!("smove", 4, WRITE | FAST, 1, 2, 1, "set",
        "Moves a member from one set to another", smove),
    command!("sinter", -2, READONLY, 1, -1, 1, "set",
        "Returns the intersect of multiple sets", sinter),
    command!("sintercard", -3, READONLY, 0, 0, 0, "set",
        "Returns the number of members of the intersect of multiple sets", sintercard),
    command!("sunion", -2, READONLY, 1, -1, 1, "set",
        "Returns the union of multiple sets", sunion),
    command!("sdiff", -2, READONLY, 1, -1, 1, "set",
        "Returns the difference of multiple sets", sdiff),
    command!("sinterstore", -3, WRITE | DENYOOM, 1, -1, 1, "set",
        "Stores the intersect of multiple sets in a key", sinterstore),
    command!("sunionstore", -3, WRITE | DENYOOM, 1, -1, 1, "set",
        "Stores the union of multiple sets in a key", sunionstore),
    command!("sdiffstore", -3, WRITE | DENYOOM, 1, -1, 1, "set",
        "Stores the difference of multiple sets in a key", sdiffstore),
];

// ----- lookups -----

/// `lookupKeyRead` + `checkType`: Ok(true) when `key` holds a set.
fn probe_read(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<bool, RedisError> {
    match ctx.lookup_read(key) {
        None => Ok(false),
        Some(Value::Set(_)) => Ok(true),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// `lookupKeyWrite` + `checkType`: Ok(true) when `key` holds a set.
fn probe_write(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<bool, RedisError> {
    match ctx.lookup_write(key) {
        None => Ok(false),
        Some(Value::Set(_)) => Ok(true),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// The set stored at `key` (raw, after a probe said it is there).
fn set_in<'d>(db: &'d Db, key: &[u8]) -> Option<&'d SetValue> {
    match db.get(key) {
        Some(Value::Set(s)) => Some(s),
        _ => None,
    }
}

fn set_in_mut<'d>(db: &'d mut Db, key: &[u8]) -> Option<&'d mut SetValue> {
    match db.get_mut(key) {
        Some(Value::Set(s)) => Some(s),
        _ => None,
    }
}

/// The selected database and the reply buffer, borrowed together.
fn db_out<'c>(ctx: &'c mut Ctx<'_>) -> (&'c mut Db, &'c mut BytesMut) {
    let id = ctx.client.db;
    (&mut ctx.st.keyspace.dbs[id], &mut ctx.client.out)
}

fn max_intset(ctx: &Ctx<'_>) -> usize {
    ctx.st.config.set_max_intset_entries
}

/// Reply with every member of `set` in its iteration order.
fn reply_members(out: &mut BytesMut, set: &SetValue) {
    resp::write_array_len(out, set.len());
    for m in set.iter() {
        resp::write_bulk(out, &m);
    }
}

// ----- single-key commands -----

fn sadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    if !probe_write(ctx, key)? {
        let v = Value::Set(SetValue::new_for(&argv[2]));
        ctx.db().add(key, v);
    }
    let max = max_intset(ctx);
    let mut added = 0;
    if let Some(s) = set_in_mut(ctx.db(), key) {
        for m in &argv[2..] {
            if s.add(m, max) {
                added += 1;
            }
        }
    }
    if added > 0 {
        ctx.signal_modified(key);
    }
    ctx.add_dirty(added);
    ctx.int(added as i64);
    Ok(())
}

fn srem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    if !probe_write(ctx, key)? {
        ctx.int(0);
        return Ok(());
    }
    let mut deleted = 0;
    let mut emptied = false;
    if let Some(s) = set_in_mut(ctx.db(), key) {
        for m in &argv[2..] {
            if s.remove(m) {
                deleted += 1;
                if s.is_empty() {
                    emptied = true;
                    break;
                }
            }
        }
    }
    if emptied {
        ctx.db().remove(key);
    }
    if deleted > 0 {
        ctx.signal_modified(key);
        ctx.add_dirty(deleted);
    }
    ctx.int(deleted as i64);
    Ok(())
}

fn smembers(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    if !probe_read(ctx, key)? {
        ctx.array(0);
        return Ok(());
    }
    let (db, out) = db_out(ctx);
    if let Some(s) = set_in(db, key) {
        reply_members(out, s);
    }
    Ok(())
}

fn sismember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let found =
        probe_read(ctx, key)? && set_in(ctx.db(), key).is_some_and(|s| s.contains(&argv[2]));
    ctx.int(found as i64);
    Ok(())
}

fn smismember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let exists = probe_read(ctx, key)?;
    let (db, out) = db_out(ctx);
    let set = if exists { set_in(db, key) } else { None };
    resp::write_array_len(out, argv.len() - 2);
    for m in &argv[2..] {
        resp::write_integer(out, set.is_some_and(|s| s.contains(m)) as i64);
    }
    Ok(())
}

fn scard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let n = if probe_read(ctx, key)? {
        set_in(ctx.db(), key).map_or(0, SetValue::len)
    } else {
        0
    };
    ctx.int(n as i64);
    Ok(())
}

fn smove(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let (src, dst, ele) = (&argv[1], &argv[2], &argv[3]);
    // Both lookups happen first, as in Redis (lazy expiry of either key).
    let src_v = ctx.lookup_write(src).map(|v| matches!(v, Value::Set(_)));
    let dst_v = ctx.lookup_write(dst).map(|v| matches!(v, Value::Set(_)));
    let Some(src_is_set) = src_v else {
        ctx.int(0);
        return Ok(());
    };
    if !src_is_set || dst_v == Some(false) {
        return Err(errors::WRONGTYPE);
    }
    if src == dst {
        let found = set_in(ctx.db(), src).is_some_and(|s| s.contains(ele));
        ctx.int(found as i64);
        return Ok(());
    }
    let Some(s) = set_in_mut(ctx.db(), src) else {
        ctx.int(0);
        return Ok(());
    };
    if !s.remove(ele) {
        ctx.int(0);
        return Ok(());
    }
    if s.is_empty() {
        ctx.db().remove(src);
    }
    if dst_v.is_none() {
        ctx.db().add(dst, Value::Set(SetValue::new_for(ele)));
    }
    ctx.signal_modified(src);
    ctx.signal_modified(dst);
    ctx.add_dirty(1);
    let max = max_intset(ctx);
    if set_in_mut(ctx.db(), dst).is_some_and(|d| d.add(ele, max)) {
        ctx.add_dirty(1);
    }
    ctx.int(1);
    Ok(())
}

// ----- random members -----

/// `getPositiveLongFromObjectOrReply` with the default message: any failure is
/// "value is out of range, must be positive".
fn parse_positive(arg: &[u8]) -> Result<u64, RedisError> {
    match parse_i64(arg) {
        Some(n) if n >= 0 => Ok(n as u64),
        _ => Err(errors::NOT_POSITIVE),
    }
}

fn spop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if argv.len() == 3 {
        return spop_with_count(ctx, argv);
    }
    if argv.len() > 3 {
        return Err(errors::SYNTAX);
    }
    let key = &argv[1];
    if !probe_write(ctx, key)? {
        ctx.null();
        return Ok(());
    }
    let st = &mut *ctx.st;
    let db = &mut st.keyspace.dbs[ctx.client.db];
    let Some(s) = set_in_mut(db, key) else {
        ctx.null();
        return Ok(());
    };
    let Some(ele) = s.random_member(&mut st.rng) else {
        ctx.null();
        return Ok(());
    };
    s.remove(&ele);
    let emptied = s.is_empty();
    ctx.rewrite_argv(vec![
        Bytes::from_static(b"SREM"),
        key.clone(),
        Bytes::copy_from_slice(&ele),
    ]);
    ctx.bulk(&ele);
    if emptied {
        ctx.db().remove(key);
    }
    ctx.signal_modified(key);
    ctx.add_dirty(1);
    Ok(())
}

/// How many times bigger than the count the remainder must be for SPOP to pick members one
/// by one (else it picks the members to keep), as Redis's `SPOP_MOVE_STRATEGY_MUL`.
const SPOP_MOVE_STRATEGY_MUL: u64 = 5;

fn spop_with_count(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let count = parse_positive(&argv[2])?;
    if !probe_write(ctx, key)? {
        ctx.array(0);
        return Ok(());
    }
    if count == 0 {
        ctx.array(0);
        return Ok(());
    }
    let max = max_intset(ctx);
    let size = set_in(ctx.db(), key).map_or(0, SetValue::len) as u64;
    ctx.add_dirty(count);

    if count >= size {
        // The whole set, in the order SUNION of it would give, then DEL.
        let all = match set_in(ctx.db(), key) {
            Some(s) => union_of(&[Some(s)], max),
            None => SetValue::default(),
        };
        reply_members(ctx.out(), &all);
        ctx.db().remove(key);
        ctx.rewrite_argv(vec![Bytes::from_static(b"DEL"), key.clone()]);
        ctx.signal_modified(key);
        ctx.add_dirty(1);
        return Ok(());
    }

    let remaining = size - count;
    let st = &mut *ctx.st;
    let db = &mut st.keyspace.dbs[ctx.client.db];
    let Some(set) = set_in_mut(db, key) else {
        return Ok(());
    };
    let mut popped: Vec<Sds> = Vec::with_capacity(count as usize);
    if remaining * SPOP_MOVE_STRATEGY_MUL > count {
        // Pick and remove members one at a time.
        for _ in 0..count {
            if let Some(m) = set.random_member(&mut st.rng) {
                set.remove(&m);
                popped.push(m);
            }
        }
    } else {
        // Pick the members to keep into a new set; the old one's rest is the reply.
        let mut kept: Option<SetValue> = None;
        for _ in 0..remaining {
            if let Some(m) = set.random_member(&mut st.rng) {
                let k = kept.get_or_insert_with(|| SetValue::new_for(&m));
                k.add(&m, max);
                set.remove(&m);
            }
        }
        popped.extend(set.iter());
        if let Some(k) = kept {
            *set = k;
        }
    }
    resp::write_array_len(&mut ctx.client.out, popped.len());
    for m in &popped {
        resp::write_bulk(&mut ctx.client.out, m);
    }
    for m in popped {
        ctx.also_propagate(vec![
            Bytes::from_static(b"SREM"),
            key.clone(),
            Bytes::copy_from_slice(&m),
        ]);
    }
    ctx.prevent_propagation();
    ctx.signal_modified(key);
    ctx.add_dirty(1);
    Ok(())
}

/// How many times bigger than the count the set must be for SRANDMEMBER to pick members one
/// by one (else it drops members from a full copy), as Redis's `SRANDMEMBER_SUB_STRATEGY_MUL`.
const SRANDMEMBER_SUB_STRATEGY_MUL: u64 = 3;

fn srandmember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if argv.len() == 3 {
        return srandmember_with_count(ctx, argv);
    }
    if argv.len() > 3 {
        return Err(errors::SYNTAX);
    }
    let key = &argv[1];
    if !probe_read(ctx, key)? {
        ctx.null();
        return Ok(());
    }
    let st = &mut *ctx.st;
    let m = set_in(&st.keyspace.dbs[ctx.client.db], key).and_then(|s| s.random_member(&mut st.rng));
    match m {
        Some(m) => ctx.bulk(&m),
        None => ctx.null(),
    }
    Ok(())
}

fn srandmember_with_count(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let l = parse_i64(&argv[2]).ok_or(errors::NOT_INTEGER)?;
    if l == i64::MIN {
        return Err(RedisError::err(format!(
            "value is out of range, value must between {} and {}",
            -i64::MAX,
            i64::MAX
        )));
    }
    let (count, uniq) = (l.unsigned_abs(), l >= 0);
    if !probe_read(ctx, key)? || count == 0 {
        ctx.array(0);
        return Ok(());
    }
    let max = max_intset(ctx);
    let id = ctx.client.db;
    let st = &mut *ctx.st;
    let out = &mut ctx.client.out;
    let Some(set) = set_in(&st.keyspace.dbs[id], key) else {
        resp::write_array_len(out, 0);
        return Ok(());
    };
    let size = set.len() as u64;
    if !uniq {
        // Repeats allowed: sample the whole set each time.
        resp::write_array_len(out, count as usize);
        for _ in 0..count {
            if let Some(m) = set.random_member(&mut st.rng) {
                resp::write_bulk(out, &m);
            }
        }
        return Ok(());
    }
    if count >= size {
        let all = union_of(&[Some(set)], max);
        reply_members(out, &all);
        return Ok(());
    }
    let mut picked: Vec<usize>;
    if count * SRANDMEMBER_SUB_STRATEGY_MUL > size {
        // Start from every member and drop random ones.
        picked = (0..size as usize).collect();
        while picked.len() as u64 > count {
            let i = st.rng.index(picked.len());
            picked.swap_remove(i);
        }
    } else {
        // Pick random members until there are enough distinct ones.
        let mut seen = vec![false; size as usize];
        picked = Vec::with_capacity(count as usize);
        while (picked.len() as u64) < count {
            let i = st.rng.index(size as usize);
            if !seen[i] {
                seen[i] = true;
                picked.push(i);
            }
        }
    }
    resp::write_array_len(out, picked.len());
    for i in picked {
        if let Some(m) = set.member_at(i) {
            resp::write_bulk(out, &m);
        }
    }
    Ok(())
}

// ----- multi-key operations -----

/// Look every key up (read), checking types on all of them (7.0 checks every key even after
/// a missing one). `None` entries are missing keys.
fn probe_all(ctx: &mut Ctx<'_>, keys: &[Bytes]) -> Result<Vec<bool>, RedisError> {
    keys.iter().map(|k| probe_read(ctx, k)).collect()
}

/// The sets at `keys` (None for missing ones).
fn sets_of<'d>(db: &'d Db, keys: &[Bytes], present: &[bool]) -> Vec<Option<&'d SetValue>> {
    keys.iter()
        .zip(present)
        .map(|(k, p)| if *p { set_in(db, k) } else { None })
        .collect()
}

/// The union of `sets` built as Redis does: into a fresh intset, converted on the way.
fn union_of(sets: &[Option<&SetValue>], max: usize) -> SetValue {
    let mut dst = SetValue::default();
    for s in sets.iter().flatten() {
        for m in s.iter() {
            dst.add(&m, max);
        }
    }
    dst
}

/// The difference `sets[0] - sets[1..]`, built with the algorithm Redis 7.0 would pick (it
/// decides the result's encoding).
fn diff_of(sets: &[Option<&SetValue>], max: usize) -> SetValue {
    let mut dst = SetValue::default();
    let Some(first) = sets[0] else {
        return dst;
    };
    let mut algo_one_work: u64 = 0;
    let mut algo_two_work: u64 = 0;
    for s in sets.iter().flatten() {
        algo_one_work += first.len() as u64;
        algo_two_work += s.len() as u64;
    }
    algo_one_work /= 2;
    if algo_one_work <= algo_two_work {
        // Algorithm 1: every member of the first set that no other set has.
        for m in first.iter() {
            let elsewhere = sets[1..].iter().flatten().any(|s| s.contains(&m));
            if !elsewhere {
                dst.add(&m, max);
            }
        }
    } else {
        // Algorithm 2: add the first set, remove the others.
        for m in first.iter() {
            dst.add(&m, max);
        }
        for s in sets[1..].iter().flatten() {
            if dst.is_empty() {
                break;
            }
            for m in s.iter() {
                dst.remove(&m);
            }
        }
    }
    dst
}

/// The intersection's members in the order Redis emits them: the smallest set's iteration
/// order, filtered. Stops after `limit` members when `limit` > 0.
fn inter_of(sets: &[&SetValue], limit: usize) -> Vec<Sds> {
    let mut sorted: Vec<&SetValue> = sets.to_vec();
    crate::util::sort_by(&mut sorted, |a, b| a.len().cmp(&b.len()));
    let mut res = Vec::new();
    let Some((first, rest)) = sorted.split_first() else {
        return res;
    };
    for m in first.iter() {
        if rest
            .iter()
            .all(|s| std::ptr::eq(*s, *first) || s.contains(&m))
        {
            res.push(m);
            if limit > 0 && res.len() >= limit {
                break;
            }
        }
    }
    res
}

/// Store `result` at `dst` (SINTERSTORE & co.): a non-empty result replaces the key (TTL
/// cleared); an empty one deletes it. Replies with the result's size.
fn store_result(ctx: &mut Ctx<'_>, dst: &[u8], result: SetValue) {
    let n = result.len();
    if n > 0 {
        ctx.lookup_write(dst);
        ctx.set_key(dst, Value::Set(result), false);
        ctx.int(n as i64);
        ctx.add_dirty(1);
    } else {
        ctx.int(0);
        delete_raw(ctx, dst);
    }
}

/// `dbDelete` (no expiry check) + `signalModifiedKey` + `dirty++` when the key was there.
fn delete_raw(ctx: &mut Ctx<'_>, key: &[u8]) {
    if ctx.db().remove(key).is_some() {
        ctx.add_dirty(1);
        ctx.signal_modified(key);
    }
}

enum InterTarget<'a> {
    Reply,
    Store(&'a Bytes),
    Card(usize),
}

fn sinter_generic(ctx: &mut Ctx<'_>, keys: &[Bytes], target: InterTarget<'_>) -> CmdResult {
    let present = probe_all(ctx, keys)?;
    if present.iter().any(|p| !p) {
        match target {
            InterTarget::Store(dst) => {
                delete_raw(ctx, dst);
                ctx.int(0);
            }
            InterTarget::Card(_) => ctx.int(0),
            InterTarget::Reply => ctx.array(0),
        }
        return Ok(());
    }
    let max = max_intset(ctx);
    let id = ctx.client.db;
    let sets: Vec<&SetValue> = sets_of(&ctx.st.keyspace.dbs[id], keys, &present)
        .into_iter()
        .flatten()
        .collect();
    let limit = match target {
        InterTarget::Card(l) => l,
        _ => 0,
    };
    let members = inter_of(&sets, limit);
    match target {
        InterTarget::Reply => {
            let out = &mut ctx.client.out;
            resp::write_array_len(out, members.len());
            for m in &members {
                resp::write_bulk(out, m);
            }
        }
        InterTarget::Card(_) => ctx.int(members.len() as i64),
        InterTarget::Store(dst) => {
            let mut result = SetValue::default();
            for m in &members {
                result.add(m, max);
            }
            store_result(ctx, dst, result);
        }
    }
    Ok(())
}

fn sinter(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    sinter_generic(ctx, &argv[1..], InterTarget::Reply)
}

fn sinterstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    sinter_generic(ctx, &argv[2..], InterTarget::Store(&argv[1]))
}

fn sintercard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let numkeys = match parse_i64(&argv[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(RedisError::from("ERR numkeys should be greater than 0")),
    };
    if numkeys > (argv.len() - 2) as u64 {
        return Err(RedisError::from(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    let numkeys = numkeys as usize;
    let mut limit = 0usize;
    let mut j = 2 + numkeys;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if argv[j].eq_ignore_ascii_case(b"limit") && more > 0 {
            j += 1;
            limit = match parse_i64(&argv[j]) {
                Some(n) if n >= 0 => n as usize,
                _ => return Err(RedisError::from("ERR LIMIT can't be negative")),
            };
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    sinter_generic(ctx, &argv[2..2 + numkeys], InterTarget::Card(limit))
}

#[derive(Clone, Copy)]
enum SetOp {
    Union,
    Diff,
}

fn sunion_diff_generic(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    dst: Option<&Bytes>,
    op: SetOp,
) -> CmdResult {
    let present = probe_all(ctx, keys)?;
    let max = max_intset(ctx);
    let id = ctx.client.db;
    let result = {
        let sets = sets_of(&ctx.st.keyspace.dbs[id], keys, &present);
        match op {
            SetOp::Union => union_of(&sets, max),
            SetOp::Diff => diff_of(&sets, max),
        }
    };
    match dst {
        None => reply_members(ctx.out(), &result),
        Some(dst) => store_result(ctx, dst, result),
    }
    Ok(())
}

fn sunion(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    sunion_diff_generic(ctx, &argv[1..], None, SetOp::Union)
}

fn sunionstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    sunion_diff_generic(ctx, &argv[2..], Some(&argv[1]), SetOp::Union)
}

fn sdiff(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    sunion_diff_generic(ctx, &argv[1..], None, SetOp::Diff)
}

fn sdiffstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    sunion_diff_generic(ctx, &argv[2..], Some(&argv[1]), SetOp::Diff)
}
