//! Hash values: a `listpack` (insertion-ordered pairs) while small, a `hashtable` after.
//!
//! Redis 7.0 converts a listpack hash to a hashtable when it gets more than
//! `hash-max-listpack-entries` fields or when a field or value longer than
//! `hash-max-listpack-value` bytes is stored in it, and never converts back. A listpack keeps
//! insertion order (overwriting a field keeps its place; deleting keeps the order of the
//! rest), which `HGETALL`, `HKEYS` and `HVALS` expose. A hashtable's order is arbitrary in
//! Redis; here it is deterministic but unspecified.

use super::value::Sds;
use super::Map;

/// A hash value in one of its two encodings.
#[derive(Clone, Debug, PartialEq)]
pub enum HashValue {
    /// Small hash: field/value pairs in insertion order (`hash-max-listpack-entries`/`-value`).
    Listpack(Vec<(Sds, Sds)>),
    /// Large hash.
    Table(Map<Sds, Sds>),
}

impl Default for HashValue {
    fn default() -> Self {
        HashValue::Listpack(Vec::new())
    }
}

/// Iterator over a hash's field/value pairs (listpack: insertion order).
pub enum HashIter<'a> {
    /// Over a listpack.
    Listpack(std::slice::Iter<'a, (Sds, Sds)>),
    /// Over a hashtable.
    Table(indexmap::map::Iter<'a, Sds, Sds>),
}

impl<'a> Iterator for HashIter<'a> {
    type Item = (&'a Sds, &'a Sds);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            HashIter::Listpack(it) => it.next().map(|(f, v)| (f, v)),
            HashIter::Table(it) => it.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            HashIter::Listpack(it) => it.size_hint(),
            HashIter::Table(it) => it.size_hint(),
        }
    }
}

impl ExactSizeIterator for HashIter<'_> {}

impl HashValue {
    /// An empty hash, as Redis creates it (`listpack`).
    pub fn new() -> Self {
        Self::default()
    }

    /// The `OBJECT ENCODING` name.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            HashValue::Listpack(_) => "listpack",
            HashValue::Table(_) => "hashtable",
        }
    }

    /// Number of fields (`HLEN`).
    pub fn len(&self) -> usize {
        match self {
            HashValue::Listpack(v) => v.len(),
            HashValue::Table(m) => m.len(),
        }
    }

    /// True when the hash has no field (such a hash is never stored under a key).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&Sds> {
        match self {
            HashValue::Listpack(v) => v
                .iter()
                .find(|(f, _)| f.as_slice() == field)
                .map(|(_, v)| v),
            HashValue::Table(m) => m.get(field),
        }
    }

    /// True when `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Every field/value pair (listpack: insertion order).
    pub fn iter(&self) -> HashIter<'_> {
        match self {
            HashValue::Listpack(v) => HashIter::Listpack(v.iter()),
            HashValue::Table(m) => HashIter::Table(m.iter()),
        }
    }

    /// Convert to the `hashtable` encoding (no-op when already one).
    pub fn convert_to_table(&mut self) {
        if let HashValue::Listpack(v) = self {
            let m: Map<Sds, Sds> = std::mem::take(v).into_iter().collect();
            *self = HashValue::Table(m);
        }
    }

    /// Set `field` to `value` (Redis's `hashTypeSet`); returns true when the field is new.
    ///
    /// A listpack becomes a hashtable first when `field` or `value` is longer than
    /// `max_value`, and afterwards when it holds more than `max_entries` fields.
    pub fn set(
        &mut self,
        field: &[u8],
        value: &[u8],
        max_entries: usize,
        max_value: usize,
    ) -> bool {
        if matches!(self, HashValue::Listpack(_))
            && (field.len() > max_value || value.len() > max_value)
        {
            self.convert_to_table();
        }
        let created = match self {
            HashValue::Listpack(v) => match v.iter_mut().find(|(f, _)| f.as_slice() == field) {
                Some((_, old)) => {
                    *old = Sds::from_slice(value);
                    false
                }
                None => {
                    v.push((Sds::from_slice(field), Sds::from_slice(value)));
                    true
                }
            },
            HashValue::Table(m) => match m.get_mut(field) {
                Some(old) => {
                    *old = Sds::from_slice(value);
                    false
                }
                None => {
                    m.insert(Sds::from_slice(field), Sds::from_slice(value));
                    true
                }
            },
        };
        if matches!(self, HashValue::Listpack(_)) && self.len() > max_entries {
            self.convert_to_table();
        }
        created
    }

    /// Delete `field`; true when it existed. A listpack keeps the order of the other fields.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            HashValue::Listpack(v) => match v.iter().position(|(f, _)| f.as_slice() == field) {
                Some(i) => {
                    v.remove(i);
                    true
                }
                None => false,
            },
            HashValue::Table(m) => m.swap_remove(field).is_some(),
        }
    }
}
