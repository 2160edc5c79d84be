//! Sorted-set values: a `listpack` while small, a `skiplist` after.
//!
//! Elements are ordered by score, then by member bytes (`memcmp`, shorter first on a tie),
//! as Redis orders them. Scores are never NaN. `-0.0` and `0.0` compare equal.
//!
//! * [`ZSetValue::Listpack`]: member, score, member, score ... kept in order in one
//!   [`Packed`] buffer (each score as its 8 little-endian bytes), as Redis keeps a listpack.
//!   Like Redis's listpack it stores an integral score as an integer, so `-0` is kept as `0`.
//! * [`ZSetValue::Skiplist`]: a [`ZSkiplist`], Redis's `dict` + `zskiplist` pair played by a
//!   member → score map and a `BTreeSet` of `(score, member)`: O(log n) insert, delete, score
//!   lookup and range start. Rank queries (`ZRANK`, `ZRANGE` by index) walk the tree and are
//!   O(rank), not O(log n) as with Redis's span-annotated skiplist.
//!
//! Encoding changes are the command layer's job (it knows the config); the structure only
//! offers [`ZSetValue::convert_to_skiplist`]. Like Redis 7.0, nothing converts back.

use std::cmp::Ordering;
use std::collections::btree_set;
use std::collections::BTreeSet;
use std::ops::Bound;

use super::packed::{entry_size, Packed, PackedIter};
use super::value::Sds;
use super::Map;

/// A score with a total order (scores are never NaN; `-0.0 == 0.0`).
#[derive(Clone, Copy, Debug)]
pub struct Score(pub f64);

impl PartialEq for Score {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Score {}
impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Score {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.partial_cmp(&other.0).unwrap_or(Ordering::Equal)
    }
}

/// The smallest double greater than `d` (`d` finite or -inf); `f64::next_up` without
/// requiring Rust 1.86.
pub fn next_up(d: f64) -> f64 {
    if d.is_nan() || d == f64::INFINITY {
        return d;
    }
    if d == 0.0 {
        return f64::from_bits(1);
    }
    let bits = d.to_bits();
    if d > 0.0 {
        f64::from_bits(bits + 1)
    } else {
        f64::from_bits(bits - 1)
    }
}

/// A score interval (`ZRANGEBYSCORE` min/max with optional exclusive bounds).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// Lower bound excluded.
    pub minex: bool,
    /// Upper bound excluded.
    pub maxex: bool,
}

impl ScoreRange {
    /// `zslValueGteMin`
    pub fn gte_min(&self, s: f64) -> bool {
        if self.minex {
            s > self.min
        } else {
            s >= self.min
        }
    }
    /// `zslValueLteMax`
    pub fn lte_max(&self, s: f64) -> bool {
        if self.maxex {
            s < self.max
        } else {
            s <= self.max
        }
    }
    /// False when no score can be in the range (`zslIsInRange`'s first test).
    pub fn is_satisfiable(&self) -> bool {
        !(self.min > self.max || (self.min == self.max && (self.minex || self.maxex)))
    }
}

/// The large encoding: member → score plus the ordered `(score, member)` index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZSkiplist {
    dict: Map<Sds, f64>,
    tree: BTreeSet<(Score, Sds)>,
}

impl ZSkiplist {
    fn insert(&mut self, member: &[u8], score: f64) {
        let m = Sds::from_slice(member);
        self.tree.insert((Score(score), m.clone()));
        self.dict.insert(m, score);
    }
    fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let score = self.dict.swap_remove(member)?;
        self.tree.remove(&(Score(score), Sds::from_slice(member)));
        Some(score)
    }
}

/// A sorted set in one of its two encodings.
#[derive(Clone, Debug, PartialEq)]
pub enum ZSetValue {
    /// Small: member and score entries, ordered by (score, member).
    Listpack(Packed),
    /// Large: a map plus an ordered index.
    Skiplist(Box<ZSkiplist>),
}

impl Default for ZSetValue {
    fn default() -> Self {
        ZSetValue::Listpack(Packed::new())
    }
}

/// Order of `(member, score)` against `(m, s)`: score first, then bytes.
fn cmp_elem(a_score: f64, a_member: &[u8], b_score: f64, b_member: &[u8]) -> Ordering {
    Score(a_score)
        .cmp(&Score(b_score))
        .then_with(|| a_member.cmp(b_member))
}

impl ZSetValue {
    /// The `OBJECT ENCODING` name.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            ZSetValue::Listpack(_) => "listpack",
            ZSetValue::Skiplist(_) => "skiplist",
        }
    }

    /// An empty skiplist-encoded sorted set.
    pub fn new_skiplist() -> Self {
        ZSetValue::Skiplist(Box::default())
    }

    /// A listpack-encoded sorted set of distinct members (as [`ZSetValue::insert`] of each
    /// into an empty listpack, without the per-element shifting when `pairs` is already in
    /// order, as a dump's listpack is).
    pub fn listpack_from_pairs(mut pairs: Vec<(Sds, f64)>) -> Self {
        for (_, s) in pairs.iter_mut() {
            if *s == 0.0 {
                *s = 0.0;
            }
        }
        let sorted = pairs
            .windows(2)
            .all(|w| cmp_elem(w[0].1, &w[0].0, w[1].1, &w[1].0) == Ordering::Less);
        if !sorted {
            crate::util::sort_by(&mut pairs, |a, b| cmp_elem(a.1, &a.0, b.1, &b.0));
        }
        let bytes = pairs
            .iter()
            .map(|(m, _)| entry_size(m.len()) + entry_size(8))
            .sum();
        let mut p = super::packed::PackedBuilder::with_capacity(bytes);
        for (m, score) in &pairs {
            p.push(m);
            p.push(&score.to_le_bytes());
        }
        ZSetValue::Listpack(p.finish())
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            ZSetValue::Listpack(p) => p.len() / 2,
            ZSetValue::Skiplist(s) => s.dict.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSetValue::Listpack(p) => lp_pairs(p.iter_at()).find(|e| e.1 == member).map(|e| e.2),
            ZSetValue::Skiplist(s) => s.dict.get(member).copied(),
        }
    }

    /// Insert a member that is not in the set. A listpack stores an integral score as an
    /// integer, so `-0` becomes `0` there (a skiplist keeps the double as is).
    pub fn insert(&mut self, member: &[u8], score: f64) {
        match self {
            ZSetValue::Listpack(p) => {
                let score = if score == 0.0 { 0.0 } else { score };
                let at = lp_pairs(p.iter_at())
                    .find(|&(_, m, s)| cmp_elem(s, m, score, member) != Ordering::Less)
                    .map_or(p.byte_len(), |e| e.0);
                p.insert_at(at, &score.to_le_bytes());
                p.insert_at(at, member);
            }
            ZSetValue::Skiplist(s) => s.insert(member, score),
        }
    }

    /// Remove `member`; its score when it was there.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match self {
            ZSetValue::Listpack(p) => {
                let (at, _, score) = lp_pairs(p.iter_at()).find(|e| e.1 == member)?;
                p.remove_at(at, 2);
                Some(score)
            }
            ZSetValue::Skiplist(s) => s.remove(member),
        }
    }

    /// Change the score of an existing member (remove and re-insert).
    pub fn set_score(&mut self, member: &[u8], score: f64) {
        self.remove(member);
        self.insert(member, score);
    }

    /// Convert to the skiplist encoding (no-op when already there).
    pub fn convert_to_skiplist(&mut self) {
        if let ZSetValue::Listpack(p) = self {
            let mut s = ZSkiplist::default();
            for (_, m, sc) in lp_pairs(p.iter_at()) {
                s.insert(m, sc);
            }
            *self = ZSetValue::Skiplist(Box::new(s));
        }
    }

    /// The 0-based rank of `member` in ascending order. O(n) in both encodings.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match self {
            ZSetValue::Listpack(p) => lp_pairs(p.iter_at()).position(|e| e.1 == member),
            ZSetValue::Skiplist(s) => {
                let score = *s.dict.get(member)?;
                Some(
                    s.tree
                        .range(..(Score(score), Sds::from_slice(member)))
                        .count(),
                )
            }
        }
    }

    /// Every element in ascending order (reversible).
    pub fn iter(&self) -> ZIter<'_> {
        match self {
            ZSetValue::Listpack(p) => ZIter::Lp(p.iter_at()),
            ZSetValue::Skiplist(s) => ZIter::Sl(s.tree.range::<(Score, Sds), _>(..)),
        }
    }

    /// The elements whose score is in `r`, ascending (reversible). Finding the start is
    /// O(log n).
    pub fn score_range(&self, r: &ScoreRange) -> ZIter<'_> {
        if !r.is_satisfiable() {
            return ZIter::Lp(PackedIter::empty());
        }
        match self {
            ZSetValue::Listpack(p) => {
                // Entries [first, last) by byte offset: from the first score >= min to the
                // first score past max.
                let mut first = None;
                let mut end = p.byte_len();
                let mut count = 0;
                for (at, _, s) in lp_pairs(p.iter_at()) {
                    if first.is_none() {
                        if !r.gte_min(s) {
                            continue;
                        }
                        first = Some(at);
                    }
                    if !r.lte_max(s) {
                        end = at;
                        break;
                    }
                    count += 2;
                }
                match first {
                    Some(start) if count > 0 => ZIter::Lp(p.iter_between(start, end, count)),
                    _ => ZIter::Lp(PackedIter::empty()),
                }
            }
            ZSetValue::Skiplist(s) => {
                // Every element with score >= x is >= (x, ""), and below it otherwise.
                let lo_score = if r.minex { next_up(r.min) } else { r.min };
                let lo = (Score(lo_score), Sds::new());
                let hi = if r.maxex {
                    Bound::Excluded((Score(r.max), Sds::new()))
                } else if r.max == f64::INFINITY {
                    Bound::Unbounded
                } else {
                    Bound::Excluded((Score(next_up(r.max)), Sds::new()))
                };
                if r.minex && r.min == f64::INFINITY {
                    return ZIter::Lp(PackedIter::empty());
                }
                if let Bound::Excluded(h) = &hi {
                    if lo > *h {
                        return ZIter::Lp(PackedIter::empty());
                    }
                }
                ZIter::Sl(s.tree.range((Bound::Included(lo), hi)))
            }
        }
    }
}

/// A listpack score entry (8 little-endian bytes) as a double.
fn score_of(e: &[u8]) -> f64 {
    <[u8; 8]>::try_from(e).map_or(0.0, f64::from_le_bytes)
}

/// A listpack's elements as `(byte offset of the member, member, score)`, in order.
fn lp_pairs(mut it: PackedIter<'_>) -> impl Iterator<Item = (usize, &[u8], f64)> {
    std::iter::from_fn(move || {
        let (at, m) = it.next()?;
        let (_, s) = it.next()?;
        Some((at, m, score_of(s)))
    })
}

/// An iterator over `(member, score)` in ascending order; `.rev()` gives descending.
#[derive(Debug)]
pub enum ZIter<'a> {
    /// Over a listpack (member and score entries).
    Lp(PackedIter<'a>),
    /// Over a skiplist.
    Sl(btree_set::Range<'a, (Score, Sds)>),
}

impl<'a> Iterator for ZIter<'a> {
    type Item = (&'a [u8], f64);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            ZIter::Lp(it) => {
                let (_, m) = it.next()?;
                let (_, s) = it.next()?;
                Some((m, score_of(s)))
            }
            ZIter::Sl(it) => it.next().map(|(s, m)| (m.as_slice(), s.0)),
        }
    }
}

impl DoubleEndedIterator for ZIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            ZIter::Lp(it) => {
                let (_, s) = it.next_back()?;
                let (_, m) = it.next_back()?;
                Some((m, score_of(s)))
            }
            ZIter::Sl(it) => it.next_back().map(|(s, m)| (m.as_slice(), s.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both() -> [ZSetValue; 2] {
        [ZSetValue::default(), ZSetValue::new_skiplist()]
    }

    #[test]
    fn order_score_then_bytes() {
        for mut z in both() {
            z.insert(b"b", 1.0);
            z.insert(b"a", 1.0);
            z.insert(b"ab", 1.0);
            z.insert(b"c", -1.0);
            let v: Vec<_> = z.iter().map(|(m, _)| m.to_vec()).collect();
            assert_eq!(
                v,
                vec![b"c".to_vec(), b"a".to_vec(), b"ab".to_vec(), b"b".to_vec()]
            );
            assert_eq!(z.rank(b"ab"), Some(2));
            assert_eq!(z.rank(b"zz"), None);
            z.set_score(b"c", 5.0);
            assert_eq!(z.rank(b"c"), Some(3));
            assert_eq!(z.remove(b"a"), Some(1.0));
            assert_eq!(z.len(), 3);
        }
    }

    #[test]
    fn score_ranges() {
        for mut z in both() {
            for (i, m) in [b"a", b"b", b"c", b"d"].iter().enumerate() {
                z.insert(*m, i as f64);
            }
            let r = |min, minex, max, maxex| ScoreRange {
                min,
                max,
                minex,
                maxex,
            };
            fn names<'a>(it: impl Iterator<Item = (&'a [u8], f64)>) -> Vec<u8> {
                it.map(|(m, _)| m[0]).collect()
            }
            assert_eq!(names(z.score_range(&r(1.0, false, 2.0, false))), b"bc");
            assert_eq!(names(z.score_range(&r(1.0, true, 3.0, true))), b"c");
            assert_eq!(
                names(
                    z.score_range(&r(f64::NEG_INFINITY, false, f64::INFINITY, false))
                        .rev()
                ),
                b"dcba"
            );
            assert!(names(z.score_range(&r(2.0, true, 2.0, false))).is_empty());
            assert!(names(z.score_range(&r(3.0, false, 1.0, false))).is_empty());
            assert!(names(z.score_range(&r(f64::INFINITY, true, f64::INFINITY, false))).is_empty());
        }
    }

    #[test]
    fn listpack_drops_negative_zero() {
        let mut z = ZSetValue::default();
        z.insert(b"a", -0.0);
        assert!(z.score(b"a").unwrap().is_sign_positive());
        let mut s = ZSetValue::new_skiplist();
        s.insert(b"a", -0.0);
        assert!(s.score(b"a").unwrap().is_sign_negative());
    }
}
