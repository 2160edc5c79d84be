//! [`VecMap`]: a small ordered map kept as a sorted `Vec` of pairs.
//!
//! For maps of a handful of entries (links, nodes, keys of one node) that the browser app
//! reaches (the web view model, the timeline and the lost-write explainer), where a sorted
//! vector is as fast as a `BTreeMap` and far smaller in wasm: every `BTreeMap<K, V>`
//! instantiates its own node, balancing and drop code (issue #6: download size). Iteration
//! is in key order, as with a `BTreeMap`.

/// An ordered map on a sorted `Vec<(K, V)>` (binary search; insertion and removal move
/// the entries after the key).
#[derive(Clone, Debug, PartialEq)]
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
    fn find(&self, key: &K) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.cmp(key))
    }

    /// The value of `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    /// The value of `key`, mutable.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
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
    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }

    /// Keeps the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }

    /// The values, in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
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

#[cfg(test)]
mod tests {
    use super::VecMap;
    use std::collections::BTreeMap;

    /// The same operations on a `VecMap` and a `BTreeMap` give the same results.
    #[test]
    fn behaves_as_a_btreemap() {
        let mut v = VecMap::new();
        let mut b = BTreeMap::new();
        // A fixed pseudo-random sequence of operations on a few keys.
        let mut x: u32 = 12345;
        for _ in 0..2000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let key = (x >> 8) % 13;
            let val = x >> 20;
            match (x >> 4) % 5 {
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
                _ => {
                    v.retain(|k, _| k % 7 != val % 7);
                    b.retain(|k, _| k % 7 != val % 7);
                }
            }
            assert_eq!(v.get(&key), b.get(&key));
            assert_eq!(v.get_mut(&key).copied(), b.get_mut(&key).copied());
            assert_eq!(v.len(), b.len());
            assert_eq!(
                v.values().collect::<Vec<_>>(),
                b.values().collect::<Vec<_>>()
            );
        }
        assert!(!v.is_empty());
        assert_eq!(
            v.into_iter().collect::<Vec<_>>(),
            b.into_iter().collect::<Vec<_>>()
        );
    }
}
