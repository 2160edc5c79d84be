//! Hash values: a `listpack` (insertion-ordered pairs) while small, a `hashtable` after.
//!
//! Redis 7.0 converts a listpack hash to a hashtable when it gets more than
//! `hash-max-listpack-entries` fields or when a field or value longer than
//! `hash-max-listpack-value` bytes is stored in it, and never converts back. A listpack keeps
//! insertion order (overwriting a field keeps its place; deleting keeps the order of the
//! rest), which `HGETALL`, `HKEYS` and `HVALS` expose. A hashtable's order is arbitrary in
//! Redis; here it is deterministic but unspecified.
//!
//! Like Redis's listpack, the small encoding keeps all fields and values in one buffer
//! ([`Packed`]), a few bytes per element, so a dump's small hashes load into one allocation
//! each and a lookup is a linear scan bounded by `hash-max-listpack-entries`.

use super::packed::Packed;
use super::value::Sds;
use super::Map;

/// A hash value in one of its two encodings.
#[derive(Clone, Debug, PartialEq)]
pub enum HashValue {
    /// Small hash (`hash-max-listpack-entries`/`-value`): field, value, field, value ... in
    /// insertion order, packed in one buffer as Redis keeps a listpack.
    Listpack(Packed),
    /// Large hash.
    Table(Box<Map<Sds, Sds>>),
}

impl Default for HashValue {
    fn default() -> Self {
        HashValue::Listpack(Packed::new())
    }
}

/// Iterator over a hash's field/value pairs (listpack: insertion order).
pub enum HashIter<'a> {
    /// Over a listpack.
    Listpack(super::packed::PackedIter<'a>),
    /// Over a hashtable.
    Table(indexmap::map::Iter<'a, Sds, Sds>),
}

impl<'a> Iterator for HashIter<'a> {
    type Item = (&'a [u8], &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            HashIter::Listpack(it) => {
                let (_, f) = it.next()?;
                let (_, v) = it.next()?;
                Some((f, v))
            }
            HashIter::Table(it) => it.next().map(|(f, v)| (f.as_slice(), v.as_slice())),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            HashIter::Listpack(it) => {
                let n = it.len() / 2;
                (n, Some(n))
            }
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

    /// A listpack hash holding `pairs` in order (the fields must be distinct).
    pub fn listpack_from_pairs<F: AsRef<[u8]>, V: AsRef<[u8]>>(pairs: &[(F, V)]) -> Self {
        let bytes = pairs
            .iter()
            .map(|(f, v)| {
                super::packed::entry_size(f.as_ref().len())
                    + super::packed::entry_size(v.as_ref().len())
            })
            .sum();
        let mut p = super::packed::PackedBuilder::with_capacity(bytes);
        for (f, v) in pairs {
            p.push(f.as_ref());
            p.push(v.as_ref());
        }
        HashValue::Listpack(p.finish())
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
            HashValue::Listpack(p) => p.len() / 2,
            HashValue::Table(m) => m.len(),
        }
    }

    /// True when the hash has no field (such a hash is never stored under a key).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// In a listpack: the byte offsets of `field` and of its value.
    fn lp_find(p: &Packed, field: &[u8]) -> Option<(usize, usize)> {
        let mut it = p.iter_at();
        while let Some((at, f)) = it.next() {
            let (vat, _) = it.next()?;
            if f == field {
                return Some((at, vat));
            }
        }
        None
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            HashValue::Listpack(p) => {
                let mut it = p.iter();
                while let Some(f) = it.next() {
                    let v = it.next()?;
                    if f == field {
                        return Some(v);
                    }
                }
                None
            }
            HashValue::Table(m) => m.get(field).map(|v| v.as_slice()),
        }
    }

    /// True when `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Every field/value pair (listpack: insertion order).
    pub fn iter(&self) -> HashIter<'_> {
        match self {
            HashValue::Listpack(p) => HashIter::Listpack(p.iter_at()),
            HashValue::Table(m) => HashIter::Table(m.iter()),
        }
    }

    /// Convert to the `hashtable` encoding (no-op when already one).
    pub fn convert_to_table(&mut self) {
        if let HashValue::Listpack(p) = self {
            let mut m: Map<Sds, Sds> =
                Map::with_capacity_and_hasher(p.len() / 2, Default::default());
            for (f, v) in HashIter::Listpack(p.iter_at()) {
                m.insert(Sds::from_slice(f), Sds::from_slice(v));
            }
            *self = HashValue::Table(Box::new(m));
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
            HashValue::Listpack(p) => match Self::lp_find(p, field) {
                Some((_, vat)) => {
                    p.replace_at(vat, value);
                    false
                }
                None => {
                    p.push(field);
                    p.push(value);
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
            HashValue::Listpack(p) => match Self::lp_find(p, field) {
                Some((at, _)) => {
                    p.remove_at(at, 2);
                    true
                }
                None => false,
            },
            HashValue::Table(m) => m.swap_remove(field).is_some(),
        }
    }
}
