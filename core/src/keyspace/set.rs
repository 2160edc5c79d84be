//! Set values: an `intset` (sorted integers) while small and all-integer, a `hashtable` after.
//!
//! This mirrors Redis 7.0's `t_set.c` encodings: a set starts as an intset when its first
//! member is a canonical 64-bit integer (`string2ll` rules) and is converted to a hashtable,
//! never back, as soon as a non-integer member is added or it grows past
//! `set-max-intset-entries`. Iterating an intset yields its members in ascending numeric
//! order (as Redis does); a hashtable iterates in an arbitrary (here: deterministic) order.

use super::value::Sds;
use super::Set;
use crate::rng::Rng;
use crate::util::{fmt_i64, parse_i64};

/// A set value in one of its two encodings.
#[derive(Clone, Debug, PartialEq)]
pub enum SetValue {
    /// Only integers, sorted ascending, at most `set-max-intset-entries`.
    Intset(Vec<i64>),
    /// Anything else (boxed, so that a small set's box stays small).
    Table(Box<Set<Sds>>),
}

impl Default for SetValue {
    fn default() -> Self {
        SetValue::Intset(Vec::new())
    }
}

impl SetValue {
    /// The `OBJECT ENCODING` name.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            SetValue::Intset(_) => "intset",
            SetValue::Table(_) => "hashtable",
        }
    }

    /// An empty set of the encoding that can hold `first` (Redis's `setTypeCreate`): an
    /// intset when it is an integer, else a hashtable.
    pub fn new_for(first: &[u8]) -> Self {
        if parse_i64(first).is_some() {
            SetValue::Intset(Vec::new())
        } else {
            SetValue::Table(Box::default())
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            SetValue::Intset(v) => v.len(),
            SetValue::Table(t) => t.len(),
        }
    }

    /// True when the set has no member.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when `member` is in the set.
    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            SetValue::Intset(v) => parse_i64(member).is_some_and(|n| v.binary_search(&n).is_ok()),
            SetValue::Table(t) => t.contains(member),
        }
    }

    /// Add `member` (Redis's `setTypeAdd`); true when it was not there. An intset becomes a
    /// hashtable when `member` is not an integer or the set grows past `max_intset_entries`.
    pub fn add(&mut self, member: &[u8], max_intset_entries: usize) -> bool {
        match self {
            SetValue::Table(t) => t.insert(Sds::from_slice(member)),
            SetValue::Intset(v) => match parse_i64(member) {
                Some(n) => match v.binary_search(&n) {
                    Ok(_) => false,
                    Err(pos) => {
                        v.insert(pos, n);
                        if v.len() > max_intset_entries {
                            self.convert_to_table();
                        }
                        true
                    }
                },
                None => {
                    self.convert_to_table();
                    if let SetValue::Table(t) = self {
                        t.insert(Sds::from_slice(member));
                    }
                    true
                }
            },
        }
    }

    /// Remove `member`; true when it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            SetValue::Intset(v) => match parse_i64(member).map(|n| v.binary_search(&n)) {
                Some(Ok(pos)) => {
                    v.remove(pos);
                    true
                }
                _ => false,
            },
            SetValue::Table(t) => t.swap_remove(member),
        }
    }

    /// Turn an intset into a hashtable (members in ascending order at first).
    pub fn convert_to_table(&mut self) {
        if let SetValue::Intset(v) = self {
            let mut t = Set::with_capacity_and_hasher(v.len(), Default::default());
            for n in v.iter() {
                t.insert(Sds::from_slice(fmt_i64(*n).as_bytes()));
            }
            *self = SetValue::Table(Box::new(t));
        }
    }

    /// The member at position `idx` of the encoding's iteration order.
    pub fn member_at(&self, idx: usize) -> Option<Sds> {
        match self {
            SetValue::Intset(v) => v.get(idx).map(|n| Sds::from_slice(fmt_i64(*n).as_bytes())),
            SetValue::Table(t) => t.get_index(idx).cloned(),
        }
    }

    /// A uniformly chosen member, `None` when the set is empty.
    pub fn random_member(&self, rng: &mut Rng) -> Option<Sds> {
        if self.is_empty() {
            return None;
        }
        self.member_at(rng.index(self.len()))
    }

    /// Every member, in iteration order (ascending for an intset).
    pub fn iter(&self) -> SetIter<'_> {
        match self {
            SetValue::Intset(v) => SetIter::Ints(v.iter()),
            SetValue::Table(t) => SetIter::Table(t.iter()),
        }
    }
}

/// An iterator over a set's members, as owned strings.
#[derive(Debug)]
pub enum SetIter<'a> {
    /// Over an intset.
    Ints(std::slice::Iter<'a, i64>),
    /// Over a hashtable.
    Table(indexmap::set::Iter<'a, Sds>),
}

impl Iterator for SetIter<'_> {
    type Item = Sds;
    fn next(&mut self) -> Option<Sds> {
        match self {
            SetIter::Ints(it) => it.next().map(|n| Sds::from_slice(fmt_i64(*n).as_bytes())),
            SetIter::Table(it) => it.next().cloned(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            SetIter::Ints(it) => it.size_hint(),
            SetIter::Table(it) => it.size_hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intset_stays_sorted_and_converts() {
        let mut s = SetValue::new_for(b"5");
        assert!(s.add(b"5", 3));
        assert!(s.add(b"-2", 3));
        assert!(!s.add(b"5", 3));
        assert!(s.add(b"10", 3));
        assert_eq!(s.encoding_name(), "intset");
        let v: Vec<Sds> = s.iter().collect();
        assert_eq!(
            v,
            vec![
                Sds::from_slice(b"-2"),
                Sds::from_slice(b"5"),
                Sds::from_slice(b"10")
            ]
        );
        assert!(s.add(b"11", 3));
        assert_eq!(s.encoding_name(), "hashtable");
        assert!(s.contains(b"11"));
        assert!(s.remove(b"-2"));
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn non_canonical_integers_are_strings() {
        let mut s = SetValue::new_for(b"1");
        s.add(b"1", 512);
        assert!(!s.contains(b"01"));
        assert!(!s.remove(b"+1"));
        s.add(b"01", 512);
        assert_eq!(s.encoding_name(), "hashtable");
        assert!(s.contains(b"1") && s.contains(b"01"));
    }
}
