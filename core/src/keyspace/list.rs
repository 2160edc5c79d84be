//! List values (Redis 7.0 stores every list as a `quicklist`).

use std::collections::VecDeque;

use super::value::Sds;

/// A list: a double-ended queue of elements.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListValue {
    /// The elements, head first.
    pub items: VecDeque<Sds>,
}

impl ListValue {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of elements (`LLEN`).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when the list holds no element (such a list is never stored under a key).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Push one element at the head (`left`) or the tail.
    pub fn push(&mut self, elem: &[u8], head: bool) {
        let e = Sds::from_slice(elem);
        if head {
            self.items.push_front(e);
        } else {
            self.items.push_back(e);
        }
    }

    /// Pop one element from the head (`left`) or the tail.
    pub fn pop(&mut self, head: bool) -> Option<Sds> {
        if head {
            self.items.pop_front()
        } else {
            self.items.pop_back()
        }
    }

    /// The position of a Redis list index (negative counts from the tail), if it is in range.
    pub fn resolve_index(&self, index: i64) -> Option<usize> {
        let len = self.items.len() as i64;
        let i = if index < 0 {
            len.checked_add(index)?
        } else {
            index
        };
        (0..len).contains(&i).then_some(i as usize)
    }
}
