//! [`VecMap`] and [`VecSet`]: small ordered maps and sets kept as sorted `Vec`s.
//!
//! For maps of a handful to a few hundred entries that the browser app reaches (a server's
//! clients, the config table's extra values, the simulator's links, connections and paths,
//! the web view model, the timeline and the lost-write explainer), where a sorted vector is
//! as fast as a `BTreeMap` (lookups are a binary search over contiguous memory; inserting
//! and removing move the entries after the key) and far smaller in wasm: every
//! `BTreeMap<K, V>` instantiates its own node, balancing, iterator and drop code (issue #6:
//! download size). Iteration is in key order, as with a `BTreeMap`. Never used for maps a
//! client can grow without bound (keys, zset members): those stay `BTreeMap`s/hash maps.

use std::borrow::Borrow;

/// An ordered map on a sorted `Vec<(K, V)>` (binary search; insertion and removal move
/// the entries after the key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VecMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap(Vec::new())
    }
}

impl<K: Ord, V> VecMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where `key` is (`Ok`) or would go (`Err`).
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value of `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    /// Whether `key` is in the map.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// The value of `key`, mutable.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        match self.find(key) {
            Ok(i) => Some(&mut self.0[i].1),
            Err(_) => None,
        }
    }

    /// Sets the value of `key`; returns the old one.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`, inserting `V::default()` first when absent (`entry().or_default()`).
    pub fn get_or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (key, V::default()));
                i
            }
        };
        &mut self.0[i].1
    }

    /// The value of `key`, inserting `make()` first when absent (`entry().or_insert_with()`).
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (key, make()));
                i
            }
        };
        &mut self.0[i].1
    }

    /// Removes `key`; returns its value.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }

    /// Removes and returns the entry with the smallest key.
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        if self.0.is_empty() {
            None
        } else {
            Some(self.0.remove(0))
        }
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The entries, in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The entries with mutable values, in key order.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&K, &mut V)> {
        self.0.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.0.iter().map(|(k, _)| k)
    }

    /// The values, mutable, in key order.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, v)| v)
    }

    /// Keeps the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }

    /// The values, in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.0.iter().map(|(_, v)| v)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    /// The entries, in key order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    /// The entries, in key order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for VecMap<K, V> {
    type Output = V;

    /// The value of `key`; panics when it is absent, as a `BTreeMap` does.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry found for key")
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    /// Later entries win over earlier ones with the same key, as in a `BTreeMap`.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = VecMap::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

/// An ordered set on a sorted `Vec` (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VecSet<T>(VecMap<T, ()>);

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        VecSet(VecMap::default())
    }
}

impl<T: Ord> VecSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value`; false if it was there already.
    pub fn insert(&mut self, value: T) -> bool {
        self.0.insert(value, ()).is_none()
    }

    /// Removes `value`; false if it was not there.
    pub fn remove(&mut self, value: &T) -> bool {
        self.0.remove(value).is_some()
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: &T) -> bool {
        self.0.contains_key(value)
    }

    /// The members, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.0.keys()
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::{VecMap, VecSet};
    use std::collections::BTreeMap;
    use std::collections::BTreeSet;

    /// The same operations on a `VecMap` and a `BTreeMap` give the same results.
    #[test]
    fn behaves_as_a_btreemap() {
        let mut v = VecMap::new();
        let mut b = BTreeMap::new();
        // A fixed pseudo-random sequence of operations on a few keys.
        let mut x: u32 = 12345;
        for _ in 0..4000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let key = (x >> 8) % 13;
            let val = x >> 20;
            match (x >> 4) % 9 {
                0 | 1 => assert_eq!(v.insert(key, val), b.insert(key, val)),
                2 => assert_eq!(v.remove(&key), b.remove(&key)),
                3 => {
                    *v.get_or_default(key) += 1;
                    *b.entry(key).or_default() += 1;
                }
                4 if val.is_multiple_of(2) => {
                    *v.get_or_insert_with(key, || val) += 2;
                    *b.entry(key).or_insert_with(|| val) += 2;
                }
                5 => assert_eq!(v.pop_first(), b.pop_first()),
                6 => {
                    v.values_mut().for_each(|x| *x = x.wrapping_add(val));
                    b.values_mut().for_each(|x| *x = x.wrapping_add(val));
                    v.iter_mut()
                        .filter(|(k, _)| **k == key)
                        .for_each(|(_, x)| *x ^= 1);
                    b.iter_mut()
                        .filter(|(k, _)| **k == key)
                        .for_each(|(_, x)| *x ^= 1);
                }
                7 if val.is_multiple_of(17) => {
                    v.clear();
                    b.clear();
                }
                _ => {
                    v.retain(|k, _| k % 7 != val % 7);
                    b.retain(|k, _| k % 7 != val % 7);
                }
            }
            assert_eq!(v.get(&key), b.get(&key));
            assert_eq!(v.contains_key(&key), b.contains_key(&key));
            assert_eq!(v.get_mut(&key).copied(), b.get_mut(&key).copied());
            assert_eq!(v.len(), b.len());
            assert_eq!(v.is_empty(), b.is_empty());
            assert!(v.iter().eq(b.iter()));
            assert!(v.iter().rev().eq(b.iter().rev()));
            assert!(v.keys().eq(b.keys()));
            assert!(v.values().eq(b.values()));
        }
        assert!(!v.is_empty());
        let pairs: Vec<(u32, u32)> = v.iter().map(|(k, x)| (*k, *x)).collect();
        assert_eq!(pairs.iter().rev().copied().collect::<VecMap<_, _>>(), v);
        assert_eq!(
            v.into_iter().collect::<Vec<_>>(),
            b.into_iter().collect::<Vec<_>>()
        );
    }

    /// Keys borrowed as another type (`String` keys looked up by `&str`).
    #[test]
    fn looks_up_borrowed_keys() {
        let mut v: VecMap<String, u8> = VecMap::new();
        v.insert("b".to_string(), 2);
        v.insert("a".to_string(), 1);
        assert_eq!(v.get("a"), Some(&1));
        assert!(v.contains_key("b") && !v.contains_key("c"));
        *v.get_mut("b").unwrap() = 3;
        assert_eq!(v.remove("b"), Some(3));
        assert_eq!(v.keys().collect::<Vec<_>>(), ["a"]);
    }

    /// The same operations on a `VecSet` and a `BTreeSet` give the same results.
    #[test]
    fn set_behaves_as_a_btreeset() {
        let mut v = VecSet::new();
        let mut b = BTreeSet::new();
        let mut x: u32 = 777;
        for _ in 0..2000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let m = (x >> 8) % 11;
            if (x >> 4).is_multiple_of(3) {
                assert_eq!(v.remove(&m), b.remove(&m));
            } else {
                assert_eq!(v.insert(m), b.insert(m));
            }
            assert_eq!(v.contains(&m), b.contains(&m));
            assert_eq!(v.len(), b.len());
            assert_eq!(v.is_empty(), b.is_empty());
            assert!(v.iter().eq(b.iter()));
        }
    }
}
