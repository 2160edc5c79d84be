//! Sorted-set commands (Redis 7.0's `t_zset.c`): ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE
//! ZCOUNT ZLEXCOUNT ZRANK ZREVRANK ZRANGE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE
//! ZRANGEBYLEX ZREVRANGEBYLEX ZPOPMIN ZPOPMAX ZREMRANGEBYRANK ZREMRANGEBYSCORE
//! ZREMRANGEBYLEX.
//!
//! Encodings: a new key is a `listpack` unless `zset-max-listpack-entries` is 0 or the first
//! member given is longer than `zset-max-listpack-value`; a listpack becomes a `skiplist`
//! when an insertion would exceed either limit, and never goes back. Scores are replied as
//! Redis 7.0's RESP2 `addReplyDouble` (`%.17g`). Everything here propagates verbatim
//! (ZADD INCR, ZINCRBY and ZPOPMIN/ZPOPMAX included), when it changed the dataset.
//!
//! Number parsing mirrors Redis: scores given to ZADD/ZINCRBY go through `string2d` (the
//! whole string must be a `strtod` number: no leading space, no NaN, no overflow or
//! underflow to zero; hex floats are accepted), range bounds through `zslParseRange`
//! (plain `strtod`: leading spaces and the empty string, which is 0, are accepted).
//!
//! Lexicographic ranges are only defined by Redis when all scores are equal; with mixed
//! scores we follow Redis's search strategy per encoding (see [`lex_elements`]), which
//! matches it in the usual cases but cannot promise to in all of them for a skiplist.

use crate::strtod::{string2d, strtod_all};
use bytes::{Bytes, BytesMut};

use super::errors::{self, RedisError};
use super::flags::*;
use super::{CmdResult, CommandSpec, Ctx};
use crate::command;
use crate::keyspace::zset::{ScoreRange, ZSetValue};
use crate::keyspace::{Db, Value};
use crate::resp;
use crate::util::{fmt_f64, parse_i64};

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    command!("zadd", -4, WRITE | DENYOOM | FAST, 1, 1, 1, "sorted_set",
        "Adds one or more members to a sorted set, or updates their scores", zadd),
    command!("zincrby", 4, WRITE | DENYOOM | FAST, 1, 1, 1, "sorted_set",
        "Increments the score of a member in a sorted set", zincrby),
    command!("zrem", -3, WRITE | FAST, 1, 1, 1, "sorted_set",
        "Removes one or more members from a sorted set", zrem),
    command!("zcard", 2, READONLY | FAST, 1, 1, 1, "sorted_set",
        "Returns the number of members in a sorted set", zcard),
    command!("zscore", 3, READONLY | FAST, 1, 1, 1, "sorted_set",
        "Returns the score of a member in a sorted set", zscore),
    command!("zmscore", -3, READONLY | FAST, 1, 1, 1, "sorted_set",
        "Returns the score of one or more members in a sorted set", zmscore),
    command!("zcount", 4, READONLY | FAST, 1, 1, 1, "sorted_set",
        "Returns the count of members in a sorted set that have scores within a range", zcount),
    command!("zlexcount", 4, READONLY | FAST, 1, 1, 1, "sorted_set",
        "Returns the number of members in a sorted set within a lexicographical range", zlexcount),
    command!("zrank", 3, READONLY | FAST, 1, 1, 1, "sorted_set",
        "Returns the index of a member in a sorted set ordered by ascending scores", zrank),
    command!("zrevrank", 3, READONLY | FAST, 1, 1, 1, "sorted_set",
        "Returns the index of a member in a sorted set ordered by descending scores", zrevrank),
    command!("zrange", -4, READONLY, 1, 1, 1, "sorted_set",
        "Returns members in a sorted set within a range of indexes", zrange),
    command!("zrevrange", -4, READONLY, 1, 1, 1, "sorted_set",
        "Returns members in a sorted set within a range of indexes in reverse order", zrevrange),
    command!("zrangebyscore", -4, READONLY, 1, 1, 1, "sorted_set",
        "Returns members in a sorted set within a range of scores", zrangebyscore),
    command!("zrevrangebyscore", -4, READONLY, 1, 1, 1, "sorted_set",
        "Returns members in a sorted set within a range of scores in reverse order", zrevrangebyscore),
    command!("zrangebylex", -4, READONLY, 1, 1, 1, "sorted_set",
        "Returns members in a sorted set within a lexicographical range", zrangebylex),
    command!("zrevrangebylex", -4, READONLY, 1, 1, 1, "sorted_set",
        "Returns members in a sorted set within a lexicographical range in reverse order", zrevrangebylex),
    command!("zpopmin", -2, WRITE | FAST, 1, 1, 1, "sorted_set",
        "Returns the lowest-scoring members from a sorted set after removing them", zpopmin),
    command!("zpopmax", -2, WRITE | FAST, 1, 1, 1, "sorted_set",
        "Returns the highest-scoring members from a sorted set after removing them", zpopmax),
    command!("zremrangebyrank", 4, WRITE, 1, 1, 1, "sorted_set",
        "Removes members in a sorted set within a range of indexes", zremrangebyrank),
    command!("zremrangebyscore", 4, WRITE, 1, 1, 1, "sorted_set",
        "Removes members in a sorted set within a range of scores", zremrangebyscore),
    command!("zremrangebylex", 4, WRITE, 1, 1, 1, "sorted_set",
        "Removes members in a sorted set within a lexicographical range", zremrangebylex),
];

const ERR_NAN: &str = "ERR resulting score is not a number (NaN)";
const ERR_MINMAX_FLOAT: &str = "ERR min or max is not a float";
const ERR_MINMAX_LEX: &str = "ERR min or max not valid string range item";

// ----- number parsing (strtod emulation) -----

/// A score argument (`ERR value is not a valid float`).
fn parse_score(s: &[u8]) -> Result<f64, RedisError> {
    string2d(s).ok_or(errors::NOT_FLOAT)
}

/// One bound of `zslParseRange`: `strtod` over the C string, optionally after `(`.
fn parse_range_item(s: &[u8]) -> Option<(f64, bool)> {
    let cstr = match s.iter().position(|&c| c == 0) {
        Some(n) => &s[..n],
        None => s,
    };
    let (body, ex) = match cstr.first() {
        Some(b'(') => (&cstr[1..], true),
        _ => (cstr, false),
    };
    if body.is_empty() {
        return Some((0.0, ex));
    }
    let (v, _) = strtod_all(body)?;
    if v.is_nan() {
        return None;
    }
    Some((v, ex))
}

/// `zslParseRange` (`ERR min or max is not a float`).
fn parse_score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, RedisError> {
    match (parse_range_item(min), parse_range_item(max)) {
        (Some((min, minex)), Some((max, maxex))) => Ok(ScoreRange {
            min,
            max,
            minex,
            maxex,
        }),
        _ => Err(RedisError::from(ERR_MINMAX_FLOAT)),
    }
}

/// A bound of a lexicographic range.
#[derive(Clone, Debug, PartialEq)]
enum LexItem {
    /// `-`
    Min,
    /// `+`
    Max,
    /// `[x` or `(x`
    Val(Vec<u8>),
}

#[derive(Clone, Debug)]
struct LexRange {
    min: LexItem,
    max: LexItem,
    minex: bool,
    maxex: bool,
}

/// `zslParseLexRangeItem`
fn parse_lex_item(s: &[u8]) -> Option<(LexItem, bool)> {
    match s.first() {
        Some(b'+') if s.len() == 1 || s[1] == 0 => Some((LexItem::Max, true)),
        Some(b'-') if s.len() == 1 || s[1] == 0 => Some((LexItem::Min, true)),
        Some(b'(') => Some((LexItem::Val(s[1..].to_vec()), true)),
        Some(b'[') => Some((LexItem::Val(s[1..].to_vec()), false)),
        _ => None,
    }
}

/// `zslParseLexRange` (`ERR min or max not valid string range item`).
fn parse_lex_range(min: &[u8], max: &[u8]) -> Result<LexRange, RedisError> {
    match (parse_lex_item(min), parse_lex_item(max)) {
        (Some((min, minex)), Some((max, maxex))) => Ok(LexRange {
            min,
            max,
            minex,
            maxex,
        }),
        _ => Err(RedisError::from(ERR_MINMAX_LEX)),
    }
}

/// `sdscmplex` between two bounds.
fn cmp_items(a: &LexItem, b: &LexItem) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (a, b) {
        (LexItem::Min, LexItem::Min) | (LexItem::Max, LexItem::Max) => Equal,
        (LexItem::Min, _) | (_, LexItem::Max) => Less,
        (LexItem::Max, _) | (_, LexItem::Min) => Greater,
        (LexItem::Val(x), LexItem::Val(y)) => x.cmp(y),
    }
}

/// `sdscmplex` of a member against a bound.
fn cmp_member(m: &[u8], b: &LexItem) -> std::cmp::Ordering {
    match b {
        LexItem::Min => std::cmp::Ordering::Greater,
        LexItem::Max => std::cmp::Ordering::Less,
        LexItem::Val(v) => m.cmp(v.as_slice()),
    }
}

impl LexRange {
    fn gte_min(&self, m: &[u8]) -> bool {
        let c = cmp_member(m, &self.min);
        if self.minex {
            c.is_gt()
        } else {
            c.is_ge()
        }
    }
    fn lte_max(&self, m: &[u8]) -> bool {
        let c = cmp_member(m, &self.max);
        if self.maxex {
            c.is_lt()
        } else {
            c.is_le()
        }
    }
    /// `zslIsInLexRange` / `zzlIsInLexRange`: false when nothing of `z` can be in range.
    fn may_hit(&self, z: &ZSetValue) -> bool {
        let c = cmp_items(&self.min, &self.max);
        if c.is_gt() || (c.is_eq() && (self.minex || self.maxex)) {
            return false;
        }
        let mut it = z.iter();
        match (it.next(), z.iter().next_back()) {
            (Some((first, _)), Some((last, _))) => self.gte_min(last) && self.lte_max(first),
            _ => false,
        }
    }
}

/// The elements in a lex range, ascending or (`reverse`) descending: from the first element
/// in range (or the last one, for `reverse`), while still in range.
///
/// A listpack is scanned linearly from the head (or the tail), as Redis does. A skiplist is
/// searched the way Redis's skiplist descent finds a range boundary, here with a binary
/// search over the ordered elements; when all scores are equal (the only case Redis defines)
/// every method agrees, and with mixed scores this matches Redis's usual outcome.
fn lex_elements<'a>(z: &'a ZSetValue, r: &LexRange, reverse: bool) -> Vec<(&'a [u8], f64)> {
    if !r.may_hit(z) {
        return Vec::new();
    }
    match z {
        ZSetValue::Listpack(_) => {
            if reverse {
                z.iter()
                    .rev()
                    .skip_while(|(m, _)| !r.lte_max(m))
                    .take_while(|(m, _)| r.gte_min(m))
                    .collect()
            } else {
                z.iter()
                    .skip_while(|(m, _)| !r.gte_min(m))
                    .take_while(|(m, _)| r.lte_max(m))
                    .collect()
            }
        }
        ZSetValue::Skiplist(_) => {
            let all: Vec<(&[u8], f64)> = z.iter().collect();
            if reverse {
                match sl_last_in_lex(&all, r) {
                    Some(l) => all[..=l]
                        .iter()
                        .rev()
                        .take_while(|(m, _)| r.gte_min(m))
                        .copied()
                        .collect(),
                    None => Vec::new(),
                }
            } else {
                match sl_first_in_lex(&all, r) {
                    Some(f) => all[f..]
                        .iter()
                        .take_while(|(m, _)| r.lte_max(m))
                        .copied()
                        .collect(),
                    None => Vec::new(),
                }
            }
        }
    }
}

/// `zslFirstInLexRange` over a skiplist's elements (after `may_hit`).
fn sl_first_in_lex(all: &[(&[u8], f64)], r: &LexRange) -> Option<usize> {
    let f = all.partition_point(|(m, _)| !r.gte_min(m));
    (f < all.len() && r.lte_max(all[f].0)).then_some(f)
}

/// `zslLastInLexRange` over a skiplist's elements (after `may_hit`).
fn sl_last_in_lex(all: &[(&[u8], f64)], r: &LexRange) -> Option<usize> {
    let l = all.partition_point(|(m, _)| r.lte_max(m)).checked_sub(1)?;
    r.gte_min(all[l].0).then_some(l)
}

/// ZLEXCOUNT: a listpack counts from the first element in range; a skiplist subtracts the
/// ranks of the first and last elements in range, as Redis does.
fn lex_count(z: &ZSetValue, r: &LexRange) -> i64 {
    match z {
        ZSetValue::Listpack(_) => lex_elements(z, r, false).len() as i64,
        ZSetValue::Skiplist(_) => {
            if !r.may_hit(z) {
                return 0;
            }
            let all: Vec<(&[u8], f64)> = z.iter().collect();
            let Some(f) = sl_first_in_lex(&all, r) else {
                return 0;
            };
            match sl_last_in_lex(&all, r) {
                Some(l) => l as i64 - f as i64 + 1,
                None => (all.len() - f) as i64,
            }
        }
    }
}

/// `getLongFromObjectOrReply` with the default message.
fn parse_long(s: &[u8]) -> Result<i64, RedisError> {
    parse_i64(s).ok_or(errors::NOT_INTEGER)
}

// ----- lookups and replies -----

fn probe_read(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<bool, RedisError> {
    match ctx.lookup_read(key) {
        None => Ok(false),
        Some(Value::ZSet(_)) => Ok(true),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

fn probe_write(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<bool, RedisError> {
    match ctx.lookup_write(key) {
        None => Ok(false),
        Some(Value::ZSet(_)) => Ok(true),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

fn zset_in<'d>(db: &'d Db, key: &[u8]) -> Option<&'d ZSetValue> {
    match db.get(key) {
        Some(Value::ZSet(z)) => Some(z),
        _ => None,
    }
}

fn zset_in_mut<'d>(db: &'d mut Db, key: &[u8]) -> Option<&'d mut ZSetValue> {
    match db.get_mut(key) {
        Some(Value::ZSet(z)) => Some(z),
        _ => None,
    }
}

/// The selected database (read-only) and the reply buffer, borrowed together.
fn db_out<'c>(ctx: &'c mut Ctx<'_>) -> (&'c Db, &'c mut BytesMut) {
    let id = ctx.client.db;
    (&ctx.st.keyspace.dbs[id], &mut ctx.client.out)
}

fn write_double(out: &mut BytesMut, d: f64) {
    resp::write_bulk(out, fmt_f64(d).as_bytes());
}

/// A flat RESP2 array of members, with their scores after each when `withscores`.
fn write_elements(out: &mut BytesMut, items: &[(&[u8], f64)], withscores: bool) {
    resp::write_array_len(out, items.len() * if withscores { 2 } else { 1 });
    for (m, s) in items {
        resp::write_bulk(out, m);
        if withscores {
            write_double(out, *s);
        }
    }
}

// ----- ZADD / ZINCRBY -----

#[derive(Clone, Copy, Default)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    incr: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AddOutcome {
    Added,
    Updated,
    /// Nothing done (NX/XX/GT/LT said no).
    Nop,
    /// Processed with no change (same score).
    Same,
}

/// Redis's `zsetAdd`: `Err(())` when an increment gives NaN; else the outcome and the new
/// score.
fn zset_add(
    z: &mut ZSetValue,
    mut score: f64,
    ele: &[u8],
    f: AddFlags,
    max_entries: usize,
    max_value: usize,
) -> Result<(AddOutcome, f64), ()> {
    if let Some(cur) = z.score(ele) {
        if f.nx {
            return Ok((AddOutcome::Nop, cur));
        }
        if f.incr {
            score += cur;
            if score.is_nan() {
                return Err(());
            }
        }
        if (f.lt && score >= cur) || (f.gt && score <= cur) {
            return Ok((AddOutcome::Nop, cur));
        }
        if score != cur {
            z.set_score(ele, score);
            return Ok((AddOutcome::Updated, score));
        }
        return Ok((AddOutcome::Same, score));
    }
    if f.xx {
        return Ok((AddOutcome::Nop, score));
    }
    if matches!(z, ZSetValue::Listpack(_)) && (z.len() + 1 > max_entries || ele.len() > max_value) {
        z.convert_to_skiplist();
    }
    z.insert(ele, score);
    Ok((AddOutcome::Added, score))
}

fn zadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zadd_generic(ctx, argv, false)
}

fn zincrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zadd_generic(ctx, argv, true)
}

fn zadd_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], incr: bool) -> CmdResult {
    let key = &argv[1];
    let mut f = AddFlags {
        incr,
        ..AddFlags::default()
    };
    let mut ch = false;
    let mut scoreidx = 2;
    while scoreidx < argv.len() {
        let o = argv[scoreidx].as_ref();
        if o.eq_ignore_ascii_case(b"nx") {
            f.nx = true;
        } else if o.eq_ignore_ascii_case(b"xx") {
            f.xx = true;
        } else if o.eq_ignore_ascii_case(b"ch") {
            ch = true;
        } else if o.eq_ignore_ascii_case(b"incr") {
            f.incr = true;
        } else if o.eq_ignore_ascii_case(b"gt") {
            f.gt = true;
        } else if o.eq_ignore_ascii_case(b"lt") {
            f.lt = true;
        } else {
            break;
        }
        scoreidx += 1;
    }
    let elements = argv.len() - scoreidx;
    if elements & 1 == 1 || elements == 0 {
        return Err(errors::SYNTAX);
    }
    let elements = elements / 2;
    if f.nx && f.xx {
        return Err(RedisError::from(
            "ERR XX and NX options at the same time are not compatible",
        ));
    }
    if ((f.gt || f.lt) && f.nx) || (f.gt && f.lt) {
        return Err(RedisError::from(
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if f.incr && elements > 1 {
        return Err(RedisError::from(
            "ERR INCR option supports a single increment-element pair",
        ));
    }
    let scores = (0..elements)
        .map(|j| parse_score(&argv[scoreidx + j * 2]))
        .collect::<Result<Vec<f64>, _>>()?;

    let max_entries = ctx.st.config.zset_max_listpack_entries;
    let max_value = ctx.st.config.zset_max_listpack_value;
    let (mut added, mut updated, mut processed) = (0u64, 0u64, 0u64);
    let mut last_score = 0.0;
    if probe_write(ctx, key)? {
        // Existing key: fall through.
    } else if f.xx {
        reply_zadd(ctx, f.incr, ch, 0, 0, 0, 0.0);
        return Ok(());
    } else {
        let z = if max_entries == 0 || max_value < argv[scoreidx + 1].len() {
            ZSetValue::new_skiplist()
        } else {
            ZSetValue::default()
        };
        ctx.db().add(key, Value::ZSet(z));
    }
    if let Some(z) = zset_in_mut(ctx.db(), key) {
        for (j, score) in scores.iter().enumerate() {
            let ele = &argv[scoreidx + 1 + j * 2];
            match zset_add(z, *score, ele, f, max_entries, max_value) {
                Err(()) => {
                    if added + updated > 0 {
                        ctx.signal_modified(key);
                    }
                    ctx.add_dirty(added + updated);
                    return Err(RedisError::from(ERR_NAN));
                }
                Ok((outcome, newscore)) => {
                    match outcome {
                        AddOutcome::Added => added += 1,
                        AddOutcome::Updated => updated += 1,
                        _ => {}
                    }
                    if outcome != AddOutcome::Nop {
                        processed += 1;
                    }
                    last_score = newscore;
                }
            }
        }
    }
    ctx.add_dirty(added + updated);
    reply_zadd(ctx, f.incr, ch, added, updated, processed, last_score);
    if added + updated > 0 {
        ctx.signal_modified(key);
    }
    Ok(())
}

fn reply_zadd(
    ctx: &mut Ctx<'_>,
    incr: bool,
    ch: bool,
    added: u64,
    updated: u64,
    processed: u64,
    score: f64,
) {
    if incr {
        if processed > 0 {
            ctx.double(score);
        } else {
            ctx.null();
        }
    } else {
        ctx.int((if ch { added + updated } else { added }) as i64);
    }
}

// ----- simple reads and removals -----

fn zrem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    if !probe_write(ctx, key)? {
        ctx.int(0);
        return Ok(());
    }
    let mut deleted = 0u64;
    let mut emptied = false;
    if let Some(z) = zset_in_mut(ctx.db(), key) {
        for m in &argv[2..] {
            if z.remove(m).is_some() {
                deleted += 1;
            }
            if z.is_empty() {
                emptied = true;
                break;
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

fn zcard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let n = if probe_read(ctx, key)? {
        zset_in(ctx.db(), key).map_or(0, ZSetValue::len)
    } else {
        0
    };
    ctx.int(n as i64);
    Ok(())
}

fn zscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let s = if probe_read(ctx, key)? {
        zset_in(ctx.db(), key).and_then(|z| z.score(&argv[2]))
    } else {
        None
    };
    match s {
        Some(s) => ctx.double(s),
        None => ctx.null(),
    }
    Ok(())
}

fn zmscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let exists = probe_read(ctx, key)?;
    let (db, out) = db_out(ctx);
    let z = if exists { zset_in(db, key) } else { None };
    resp::write_array_len(out, argv.len() - 2);
    for m in &argv[2..] {
        match z.and_then(|z| z.score(m)) {
            Some(s) => write_double(out, s),
            None => resp::write_null(out),
        }
    }
    Ok(())
}

fn zcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let range = parse_score_range(&argv[2], &argv[3])?;
    let n = if probe_read(ctx, key)? {
        zset_in(ctx.db(), key).map_or(0, |z| z.score_range(&range).count())
    } else {
        0
    };
    ctx.int(n as i64);
    Ok(())
}

fn zlexcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let range = parse_lex_range(&argv[2], &argv[3])?;
    let n = if probe_read(ctx, key)? {
        zset_in(ctx.db(), key).map_or(0, |z| lex_count(z, &range))
    } else {
        0
    };
    ctx.int(n);
    Ok(())
}

fn zrank_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], reverse: bool) -> CmdResult {
    let key = &argv[1];
    let rank = if probe_read(ctx, key)? {
        zset_in(ctx.db(), key).and_then(|z| {
            z.rank(&argv[2])
                .map(|r| if reverse { z.len() - 1 - r } else { r })
        })
    } else {
        None
    };
    match rank {
        Some(r) => ctx.int(r as i64),
        None => ctx.null(),
    }
    Ok(())
}

fn zrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zrank_generic(ctx, argv, false)
}

fn zrevrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zrank_generic(ctx, argv, true)
}

// ----- ZRANGE family -----

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Auto,
    Forward,
    Reverse,
}

/// Clamp a rank range as Redis does; `None` when empty.
fn clamp_ranks(start: i64, end: i64, llen: i64) -> Option<(usize, usize)> {
    let mut start = if start < 0 { llen + start } else { start };
    let mut end = if end < 0 { llen + end } else { end };
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

/// Skip `offset` then take up to `limit` (negative: all); a negative offset yields nothing,
/// as Redis's `while (ln && offset--)` walks off the end.
fn window<'a, I: Iterator<Item = (&'a [u8], f64)>>(
    it: I,
    offset: i64,
    limit: i64,
) -> Vec<(&'a [u8], f64)> {
    if offset < 0 {
        return Vec::new();
    }
    let it = it.skip(offset as usize);
    if limit < 0 {
        it.collect()
    } else {
        it.take(limit as usize).collect()
    }
}

/// Redis 7.0's `zrangeGenericCommand` (reply only; ZRANGESTORE is not implemented).
fn zrange_generic(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    mut rangetype: RangeType,
    mut direction: Direction,
) -> CmdResult {
    let key = &argv[1];
    let mut minidx = 2;
    let mut maxidx = 3;
    let mut withscores = false;
    let mut offset: i64 = 0;
    let mut limit: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        let leftargs = argv.len() - j - 1;
        let a = argv[j].as_ref();
        if a.eq_ignore_ascii_case(b"withscores") {
            withscores = true;
        } else if a.eq_ignore_ascii_case(b"limit") && leftargs >= 2 {
            offset = parse_long(&argv[j + 1])?;
            limit = parse_long(&argv[j + 2])?;
            j += 2;
        } else if direction == Direction::Auto && a.eq_ignore_ascii_case(b"rev") {
            direction = Direction::Reverse;
        } else if rangetype == RangeType::Auto && a.eq_ignore_ascii_case(b"bylex") {
            rangetype = RangeType::Lex;
        } else if rangetype == RangeType::Auto && a.eq_ignore_ascii_case(b"byscore") {
            rangetype = RangeType::Score;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    if direction == Direction::Auto {
        direction = Direction::Forward;
    }
    if rangetype == RangeType::Auto {
        rangetype = RangeType::Rank;
    }
    if limit != -1 && rangetype == RangeType::Rank {
        return Err(RedisError::from(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && rangetype == RangeType::Lex {
        return Err(RedisError::from(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let reverse = direction == Direction::Reverse;
    if reverse && rangetype != RangeType::Rank {
        std::mem::swap(&mut minidx, &mut maxidx);
    }

    enum Parsed {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange),
    }
    let parsed = match rangetype {
        RangeType::Score => Parsed::Score(parse_score_range(&argv[minidx], &argv[maxidx])?),
        RangeType::Lex => Parsed::Lex(parse_lex_range(&argv[minidx], &argv[maxidx])?),
        _ => Parsed::Rank(parse_long(&argv[minidx])?, parse_long(&argv[maxidx])?),
    };

    if !probe_read(ctx, key)? {
        ctx.array(0);
        return Ok(());
    }
    let (db, out) = db_out(ctx);
    let Some(z) = zset_in(db, key) else {
        resp::write_array_len(out, 0);
        return Ok(());
    };
    let items: Vec<(&[u8], f64)> = match parsed {
        Parsed::Rank(start, end) => match clamp_ranks(start, end, z.len() as i64) {
            None => Vec::new(),
            Some((s, e)) => {
                let n = e - s + 1;
                if reverse {
                    z.iter().rev().skip(s).take(n).collect()
                } else {
                    z.iter().skip(s).take(n).collect()
                }
            }
        },
        Parsed::Score(r) => {
            if reverse {
                window(z.score_range(&r).rev(), offset, limit)
            } else {
                window(z.score_range(&r), offset, limit)
            }
        }
        Parsed::Lex(r) => window(lex_elements(z, &r, reverse).into_iter(), offset, limit),
    };
    write_elements(out, &items, withscores);
    Ok(())
}

fn zrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, argv, RangeType::Auto, Direction::Auto)
}

fn zrevrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, argv, RangeType::Rank, Direction::Reverse)
}

fn zrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, argv, RangeType::Score, Direction::Forward)
}

fn zrevrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, argv, RangeType::Score, Direction::Reverse)
}

fn zrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, argv, RangeType::Lex, Direction::Forward)
}

fn zrevrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, argv, RangeType::Lex, Direction::Reverse)
}

// ----- ZPOPMIN / ZPOPMAX -----

fn zpop_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], max: bool) -> CmdResult {
    if argv.len() > 3 {
        return Err(errors::SYNTAX);
    }
    let mut count: i64 = -1;
    if argv.len() == 3 {
        count = match parse_i64(&argv[2]) {
            Some(n) if n >= 0 => n,
            _ => return Err(errors::NOT_POSITIVE),
        };
    }
    let key = &argv[1];
    if !probe_write(ctx, key)? || count == 0 {
        ctx.array(0);
        return Ok(());
    }
    let count = if count == -1 { 1 } else { count as usize };
    let mut popped: Vec<(Vec<u8>, f64)> = Vec::new();
    let mut emptied = false;
    if let Some(z) = zset_in_mut(ctx.db(), key) {
        let n = count.min(z.len());
        popped = if max {
            z.iter()
                .rev()
                .take(n)
                .map(|(m, s)| (m.to_vec(), s))
                .collect()
        } else {
            z.iter().take(n).map(|(m, s)| (m.to_vec(), s)).collect()
        };
        for (m, _) in &popped {
            z.remove(m);
        }
        emptied = z.is_empty();
    }
    let out = ctx.out();
    resp::write_array_len(out, popped.len() * 2);
    for (m, s) in &popped {
        resp::write_bulk(out, m);
        write_double(out, *s);
    }
    ctx.add_dirty(popped.len() as u64);
    if emptied {
        ctx.db().remove(key);
    }
    if !popped.is_empty() {
        ctx.signal_modified(key);
    }
    Ok(())
}

fn zpopmin(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zpop_generic(ctx, argv, false)
}

fn zpopmax(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zpop_generic(ctx, argv, true)
}

// ----- ZREMRANGEBY* -----

fn zremrange_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], rangetype: RangeType) -> CmdResult {
    let key = &argv[1];
    enum Parsed {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange),
    }
    let parsed = match rangetype {
        RangeType::Score => Parsed::Score(parse_score_range(&argv[2], &argv[3])?),
        RangeType::Lex => Parsed::Lex(parse_lex_range(&argv[2], &argv[3])?),
        _ => Parsed::Rank(parse_long(&argv[2])?, parse_long(&argv[3])?),
    };
    if !probe_write(ctx, key)? {
        ctx.int(0);
        return Ok(());
    }
    let mut deleted = 0u64;
    let mut emptied = false;
    if let Some(z) = zset_in_mut(ctx.db(), key) {
        let victims: Vec<Vec<u8>> = match &parsed {
            Parsed::Rank(start, end) => match clamp_ranks(*start, *end, z.len() as i64) {
                None => Vec::new(),
                Some((s, e)) => z
                    .iter()
                    .skip(s)
                    .take(e - s + 1)
                    .map(|(m, _)| m.to_vec())
                    .collect(),
            },
            Parsed::Score(r) => z.score_range(r).map(|(m, _)| m.to_vec()).collect(),
            Parsed::Lex(r) => lex_elements(z, r, false)
                .into_iter()
                .map(|(m, _)| m.to_vec())
                .collect(),
        };
        for m in &victims {
            z.remove(m);
        }
        deleted = victims.len() as u64;
        emptied = z.is_empty();
    }
    if emptied {
        ctx.db().remove(key);
    }
    if deleted > 0 {
        ctx.signal_modified(key);
    }
    ctx.add_dirty(deleted);
    ctx.int(deleted as i64);
    Ok(())
}

fn zremrangebyrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zremrange_generic(ctx, argv, RangeType::Rank)
}

fn zremrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zremrange_generic(ctx, argv, RangeType::Score)
}

fn zremrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    zremrange_generic(ctx, argv, RangeType::Lex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2d_rules() {
        assert_eq!(string2d(b"1.5"), Some(1.5));
        assert_eq!(string2d(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(string2d(b"+Infinity"), Some(f64::INFINITY));
        assert_eq!(string2d(b"0x10"), Some(16.0));
        assert_eq!(string2d(b"0x1p-2"), Some(0.25));
        assert_eq!(string2d(b"1e3"), Some(1000.0));
        assert_eq!(string2d(b".5"), Some(0.5));
        assert_eq!(string2d(b"5."), Some(5.0));
        assert_eq!(string2d(b"0e-400"), Some(0.0));
        assert_eq!(string2d(b"1e-310"), Some(1e-310));
        for bad in [
            &b""[..],
            b" 1",
            b"1 ",
            b"nan",
            b"1e400",
            b"1e-400",
            b"0x",
            b"1e",
            b"abc",
            b"1\x002",
            b".",
        ] {
            assert_eq!(string2d(bad), None, "{:?}", bad);
        }
    }

    #[test]
    fn range_items() {
        assert_eq!(parse_range_item(b""), Some((0.0, false)));
        assert_eq!(parse_range_item(b"("), Some((0.0, true)));
        assert_eq!(parse_range_item(b" 1"), Some((1.0, false)));
        assert_eq!(parse_range_item(b"(1e400"), Some((f64::INFINITY, true)));
        assert_eq!(parse_range_item(b"2\x00junk"), Some((2.0, false)));
        assert_eq!(parse_range_item(b"1 "), None);
        assert_eq!(parse_range_item(b" "), None);
        assert_eq!(parse_range_item(b"nan"), None);
    }
}
