//! List values (Redis 7.0 stores every list as a `quicklist`, which `OBJECT ENCODING` reports
//! whatever the size).
//!
//! Inside, like a quicklist of listpack nodes, a small list is one [`Packed`] buffer (one
//! allocation, a few bytes per element); once it would take more than
//! [`PACKED_MAX_BYTES`] it becomes a double-ended queue of separately stored elements, so
//! that pushes and pops at either end stay O(1) on large lists. It never converts back. The
//! representation is invisible to commands: order, replies and the encoding name are the same.

use std::collections::VecDeque;

use super::packed::{entry_size, Packed};
use super::value::Sds;

/// Largest packed size of a small list, in bytes (the size of a quicklist node at the
/// default `list-max-listpack-size -2`, 8 kB).
pub const PACKED_MAX_BYTES: usize = 8192;

/// The elements of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Items {
    /// Small: packed in one buffer.
    Packed(Packed),
    /// Large: one string per element (boxed, so that a list value stays two words).
    #[allow(clippy::box_collection)]
    Deque(Box<VecDeque<Sds>>),
}

/// A list: a sequence of elements, head first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListValue {
    items: Items,
}

impl Default for ListValue {
    fn default() -> Self {
        ListValue {
            items: Items::Packed(Packed::new()),
        }
    }
}

/// Iterator over a list's elements, head first (reversible).
#[derive(Clone, Debug)]
pub enum ListIter<'a> {
    /// Over a packed list.
    Packed(super::packed::PackedIter<'a>),
    /// Over a large list.
    Deque(std::collections::vec_deque::Iter<'a, Sds>),
}

impl<'a> Iterator for ListIter<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        match self {
            ListIter::Packed(it) => it.next().map(|(_, e)| e),
            ListIter::Deque(it) => it.next().map(|e| e.as_slice()),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            ListIter::Packed(it) => it.size_hint(),
            ListIter::Deque(it) => it.size_hint(),
        }
    }
    fn nth(&mut self, n: usize) -> Option<&'a [u8]> {
        match self {
            ListIter::Packed(it) => it.nth(n).map(|(_, e)| e),
            ListIter::Deque(it) => it.nth(n).map(|e| e.as_slice()),
        }
    }
}

impl DoubleEndedIterator for ListIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            ListIter::Packed(it) => it.next_back().map(|(_, e)| e),
            ListIter::Deque(it) => it.next_back().map(|e| e.as_slice()),
        }
    }
}

impl ExactSizeIterator for ListIter<'_> {}

impl ListValue {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// A list of `items`, head first (packed when small, as loaded from a dump).
    pub fn from_items(items: Vec<Sds>) -> Self {
        let bytes: usize = items.iter().map(|e| entry_size(e.len())).sum();
        if bytes > PACKED_MAX_BYTES {
            return ListValue {
                items: Items::Deque(Box::new(items.into())),
            };
        }
        let mut p = super::packed::PackedBuilder::with_capacity(bytes);
        for e in &items {
            p.push(e);
        }
        ListValue {
            items: Items::Packed(p.finish()),
        }
    }

    /// Number of elements (`LLEN`).
    pub fn len(&self) -> usize {
        match &self.items {
            Items::Packed(p) => p.len(),
            Items::Deque(d) => d.len(),
        }
    }

    /// True when the list holds no element (such a list is never stored under a key).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every element, head first (`.rev()` for tail first).
    pub fn iter(&self) -> ListIter<'_> {
        match &self.items {
            Items::Packed(p) => ListIter::Packed(p.iter_at()),
            Items::Deque(d) => ListIter::Deque(d.iter()),
        }
    }

    /// The element at position `i` (0 = head).
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        self.iter().nth(i)
    }

    /// Make room for `extra` more bytes of elements: a packed list that would outgrow
    /// [`PACKED_MAX_BYTES`] becomes a queue.
    fn reserve_bytes(&mut self, extra: usize) {
        if let Items::Packed(p) = &self.items {
            if p.byte_len() + extra > PACKED_MAX_BYTES {
                let d: VecDeque<Sds> = p.iter().map(Sds::from_slice).collect();
                self.items = Items::Deque(Box::new(d));
            }
        }
    }

    /// Push one element at the head (`left`) or the tail.
    pub fn push(&mut self, elem: &[u8], head: bool) {
        self.reserve_bytes(entry_size(elem.len()));
        match &mut self.items {
            Items::Packed(p) => {
                if head {
                    p.insert_at(0, elem);
                } else {
                    p.push(elem);
                }
            }
            Items::Deque(d) => {
                let e = Sds::from_slice(elem);
                if head {
                    d.push_front(e);
                } else {
                    d.push_back(e);
                }
            }
        }
    }

    /// Pop one element from the head (`left`) or the tail.
    pub fn pop(&mut self, head: bool) -> Option<Sds> {
        match &mut self.items {
            Items::Packed(p) => {
                let mut it = p.iter_at();
                let (at, e) = if head { it.next()? } else { it.next_back()? };
                let e = Sds::from_slice(e);
                p.remove_at(at, 1);
                Some(e)
            }
            Items::Deque(d) => {
                if head {
                    d.pop_front()
                } else {
                    d.pop_back()
                }
            }
        }
    }

    /// Replace the element at position `i` (`LSET`); false when out of range.
    pub fn set(&mut self, i: usize, elem: &[u8]) -> bool {
        let old_len = match self.get(i) {
            Some(old) => old.len(),
            None => return false,
        };
        self.reserve_bytes(entry_size(elem.len()).saturating_sub(entry_size(old_len)));
        match &mut self.items {
            Items::Packed(p) => {
                if let Some((at, _)) = p.iter_at().nth(i) {
                    p.replace_at(at, elem);
                }
            }
            Items::Deque(d) => {
                if let Some(e) = d.get_mut(i) {
                    *e = Sds::from_slice(elem);
                }
            }
        }
        true
    }

    /// Insert `elem` so that it ends up at position `i` (`LINSERT`), `i <= len`.
    pub fn insert(&mut self, i: usize, elem: &[u8]) {
        self.reserve_bytes(entry_size(elem.len()));
        match &mut self.items {
            Items::Packed(p) => {
                let at = p.iter_at().nth(i).map_or(p.byte_len(), |(at, _)| at);
                p.insert_at(at, elem);
            }
            Items::Deque(d) => {
                if i <= d.len() {
                    d.insert(i, Sds::from_slice(elem));
                }
            }
        }
    }

    /// Remove up to `limit` elements equal to `elem`, scanning from the head, or from the
    /// tail when `from_tail` (`LREM`). Returns how many were removed.
    pub fn remove_matching(&mut self, elem: &[u8], limit: u64, from_tail: bool) -> u64 {
        let mut removed: u64 = 0;
        match &mut self.items {
            Items::Packed(p) => {
                let hits: Vec<usize> = if from_tail {
                    p.iter_at()
                        .rev()
                        .filter(|(_, e)| *e == elem)
                        .map(|(at, _)| at)
                        .take(limit.min(usize::MAX as u64) as usize)
                        .collect()
                } else {
                    let mut v: Vec<usize> = p
                        .iter_at()
                        .filter(|(_, e)| *e == elem)
                        .map(|(at, _)| at)
                        .take(limit.min(usize::MAX as u64) as usize)
                        .collect();
                    v.reverse();
                    v
                };
                // Highest offset first, so the earlier offsets stay valid.
                for at in hits {
                    p.remove_at(at, 1);
                    removed += 1;
                }
            }
            Items::Deque(d) => {
                if from_tail {
                    d.make_contiguous().reverse();
                }
                d.retain(|v| {
                    if removed < limit && v.as_slice() == elem {
                        removed += 1;
                        false
                    } else {
                        true
                    }
                });
                if from_tail {
                    d.make_contiguous().reverse();
                }
            }
        }
        removed
    }

    /// Drop `ltrim` elements at the head and `rtrim` at the tail (`LTRIM`); together at
    /// most the length.
    pub fn trim(&mut self, ltrim: usize, rtrim: usize) {
        let len = self.len();
        let ltrim = ltrim.min(len);
        let rtrim = rtrim.min(len - ltrim);
        match &mut self.items {
            Items::Packed(p) => {
                if rtrim > 0 {
                    if let Some((at, _)) = p.iter_at().nth(len - rtrim) {
                        p.remove_at(at, rtrim);
                    }
                }
                if ltrim > 0 {
                    p.remove_at(0, ltrim);
                }
            }
            Items::Deque(d) => {
                d.drain(..ltrim);
                d.truncate(d.len() - rtrim);
            }
        }
    }

    /// The position of a Redis list index (negative counts from the tail), if it is in range.
    pub fn resolve_index(&self, index: i64) -> Option<usize> {
        let len = self.len() as i64;
        let i = if index < 0 {
            len.checked_add(index)?
        } else {
            index
        };
        (0..len).contains(&i).then_some(i as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(l: &ListValue) -> Vec<Vec<u8>> {
        l.iter().map(<[u8]>::to_vec).collect()
    }

    /// The same operations on a packed list and on a large one give the same lists.
    #[test]
    fn packed_and_deque_agree() {
        let big = vec![b'x'; PACKED_MAX_BYTES];
        for start_big in [false, true] {
            let mut l = ListValue::new();
            if start_big {
                l.push(&big, false);
                assert!(matches!(l.items, Items::Deque(_)));
                assert_eq!(l.pop(true).as_deref(), Some(&big[..]));
            }
            for e in [&b"b"[..], b"c", b"a", b"c", b"d", b"c"] {
                l.push(e, false);
            }
            l.push(b"z", true);
            assert_eq!(l.len(), 7);
            assert_eq!(l.get(1), Some(&b"b"[..]));
            assert!(l.set(1, b"B"));
            assert!(!l.set(7, b"nope"));
            l.insert(2, b"ins");
            l.insert(l.len(), b"end");
            assert_eq!(l.remove_matching(b"c", 2, true), 2);
            assert_eq!(
                all(&l),
                vec![
                    b"z".to_vec(),
                    b"B".to_vec(),
                    b"ins".to_vec(),
                    b"c".to_vec(),
                    b"a".to_vec(),
                    b"d".to_vec(),
                    b"end".to_vec()
                ]
            );
            l.trim(1, 2);
            assert_eq!(
                all(&l),
                vec![b"B".to_vec(), b"ins".to_vec(), b"c".to_vec(), b"a".to_vec()]
            );
            assert_eq!(l.pop(false).as_deref(), Some(&b"a"[..]));
            assert_eq!(l.iter().next_back(), Some(&b"c"[..]));
            assert_eq!(l.remove_matching(b"B", u64::MAX, false), 1);
            l.trim(2, 0);
            assert!(l.is_empty());
        }
    }

    #[test]
    fn grows_out_of_the_packed_form() {
        let mut l = ListValue::new();
        for i in 0..2000 {
            l.push(format!("element-{i}").as_bytes(), i % 2 == 0);
        }
        assert!(matches!(l.items, Items::Deque(_)));
        assert_eq!(l.len(), 2000);
        assert_eq!(l.get(0), Some(&b"element-1998"[..]));
        assert_eq!(l.get(1999), Some(&b"element-1999"[..]));
        let small = ListValue::from_items(vec![Sds::from_slice(b"a"), Sds::from_slice(b"b")]);
        assert!(matches!(small.items, Items::Packed(_)));
        assert_eq!(all(&small), vec![b"a".to_vec(), b"b".to_vec()]);
    }
}
