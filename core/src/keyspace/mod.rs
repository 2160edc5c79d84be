//! The keyspace: numbered databases mapping keys to typed values, with expiry times.
//!
//! This module stores data and knows nothing of commands, clients or replication. Expiry here
//! is storage only (`expires` holds absolute Unix milliseconds); deciding when a key counts as
//! expired, deleting it and propagating the `DEL` is the command layer's job
//! ([`crate::cmd::Ctx`]), because it depends on the node's role.
//!
//! Iteration order is deterministic: the maps are insertion-ordered (`indexmap`) with a fixed
//! hasher, so `KEYS`, `SCAN` and `RANDOMKEY` give the same answers for the same history and seed.

pub mod hash;
pub mod list;
pub mod packed;
pub mod set;
pub mod stream;
pub mod value;
pub mod zset;

pub use value::{Sds, StrEncoding, StrValue, Value, ValueType};

/// The fixed-seed hasher used by every map in the keyspace.
pub type Hasher = foldhash::fast::FixedState;
/// An insertion-ordered map with the keyspace hasher.
pub type Map<K, V> = indexmap::IndexMap<K, V, Hasher>;
/// An insertion-ordered set with the keyspace hasher.
pub type Set<K> = indexmap::IndexSet<K, Hasher>;

/// One numbered database (`SELECT n`): Redis's `redisDb` with its `dict` and `expires`.
#[derive(Clone, Debug, Default)]
pub struct Db {
    dict: Map<Sds, Value>,
    expires: Map<Sds, i64>,
    /// Running estimate of the keys' remaining TTL in ms, kept by the active expiry cycle
    /// (`redisDb.avg_ttl`, `avg_ttl=` in `INFO keyspace`).
    pub avg_ttl: i64,
}

impl Db {
    /// An empty database.
    pub fn new() -> Self {
        Self::default()
    }
    /// Number of keys, expired-but-not-yet-deleted ones included (`DBSIZE`).
    pub fn len(&self) -> usize {
        self.dict.len()
    }
    /// True when the database holds no key.
    pub fn is_empty(&self) -> bool {
        self.dict.is_empty()
    }
    /// Number of keys with an expiry time.
    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }
    /// The stored value, without any expiry check.
    pub fn get(&self, key: &[u8]) -> Option<&Value> {
        self.dict.get(key)
    }
    /// The stored value, mutable, without any expiry check.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.dict.get_mut(key)
    }
    /// True when the key is stored (expired or not).
    pub fn contains(&self, key: &[u8]) -> bool {
        self.dict.contains_key(key)
    }
    /// The key's absolute expiry time in Unix milliseconds, if it has one.
    pub fn expire_of(&self, key: &[u8]) -> Option<i64> {
        if self.expires.is_empty() {
            return None;
        }
        self.expires.get(key).copied()
    }
    /// True when the key has an expiry time at or before `now_ms` (Redis: `when <= now` is
    /// not expired; `now > when` is).
    pub fn is_expired(&self, key: &[u8], now_ms: i64) -> bool {
        matches!(self.expire_of(key), Some(when) if now_ms > when)
    }
    /// Set the expiry time of an existing key. Does nothing when the key is absent.
    pub fn set_expire(&mut self, key: &[u8], at_ms: i64) {
        if let Some((k, _)) = self.dict.get_key_value(key) {
            let k = k.clone();
            self.expires.insert(k, at_ms);
        }
    }
    /// Remove the key's expiry time; true when it had one (`PERSIST`).
    pub fn remove_expire(&mut self, key: &[u8]) -> bool {
        if self.expires.is_empty() {
            return false;
        }
        self.expires.swap_remove(key).is_some()
    }
    /// Store `value` under `key`. A new key has no expiry; an existing key keeps its expiry
    /// only when `keep_ttl` (Redis's `setKey` with or without `SETKEY_KEEPTTL`).
    pub fn set(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        match self.dict.get_mut(key) {
            Some(v) => {
                *v = value;
                if !keep_ttl {
                    self.remove_expire(key);
                }
            }
            None => {
                self.dict.insert(Sds::from_slice(key), value);
            }
        }
    }
    /// Add a key that must not exist yet (Redis's `dbAdd`); returns false and stores nothing
    /// when it exists.
    pub fn add(&mut self, key: &[u8], value: Value) -> bool {
        self.add_owned(Sds::from_slice(key), value)
    }
    /// [`Db::add`] taking the key by value (no copy).
    pub fn add_owned(&mut self, key: Sds, value: Value) -> bool {
        match self.dict.entry(key) {
            indexmap::map::Entry::Occupied(_) => false,
            indexmap::map::Entry::Vacant(slot) => {
                slot.insert(value);
                true
            }
        }
    }
    /// Make room for `keys` more keys, `expires` of them with a TTL (`RESIZEDB` hints on
    /// load, as Redis's `dictExpand`).
    pub fn reserve(&mut self, keys: usize, expires: usize) {
        self.dict.reserve(keys);
        self.expires.reserve(expires);
    }
    /// Delete a key and its expiry; returns the value it held.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        let v = self.dict.swap_remove(key)?;
        self.remove_expire(key);
        Some(v)
    }
    /// Delete every key; returns how many there were.
    pub fn clear(&mut self) -> usize {
        let n = self.dict.len();
        self.dict = Map::default();
        self.expires = Map::default();
        self.avg_ttl = 0;
        n
    }
    /// The key and value stored at position `idx` of the insertion-ordered table (for
    /// `RANDOMKEY` and sampling); `None` past the end.
    pub fn entry_at(&self, idx: usize) -> Option<(&Sds, &Value)> {
        self.dict.get_index(idx)
    }
    /// The key with an expiry stored at position `idx` of the expires table (for the active
    /// expiry cycle's sampling).
    pub fn expire_entry_at(&self, idx: usize) -> Option<(&Sds, i64)> {
        self.expires.get_index(idx).map(|(k, v)| (k, *v))
    }
    /// Every key and value, in table order.
    pub fn iter(&self) -> impl Iterator<Item = (&Sds, &Value)> {
        self.dict.iter()
    }
    /// Every key with its expiry, in table order.
    pub fn iter_expires(&self) -> impl Iterator<Item = (&Sds, i64)> {
        self.expires.iter().map(|(k, v)| (k, *v))
    }
    /// One step of a `SCAN`: visit up to `count` table slots starting at `cursor` and return
    /// the next cursor (0 when the scan is complete).
    ///
    /// Slots are visited from the top of the table down. Deletion moves the last entry into
    /// the hole, i.e. only ever downwards, and new keys are appended on top, so every key
    /// present for the whole scan is returned at least once, as Redis guarantees.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&Sds, &Value)) -> u64 {
        scan_slots(self.dict.len(), cursor, count, |i| {
            if let Some((k, v)) = self.dict.get_index(i) {
                visit(k, v)
            }
        })
    }
}

/// The cursor arithmetic shared by every `*SCAN` over an insertion-ordered table of `len`
/// slots: cursor 0 starts at the top; any other cursor `c` resumes at slot `c - 1`.
pub fn scan_slots(len: usize, cursor: u64, count: usize, mut visit: impl FnMut(usize)) -> u64 {
    let mut next = if cursor == 0 {
        len
    } else {
        (cursor as usize).min(len)
    };
    let mut visited = 0;
    while next > 0 && visited < count.max(1) {
        next -= 1;
        visit(next);
        visited += 1;
    }
    next as u64
}

/// All databases of a node (`databases` of them).
#[derive(Clone, Debug)]
pub struct Keyspace {
    /// The databases, indexed by number.
    pub dbs: Vec<Db>,
}

impl Keyspace {
    /// `n` empty databases.
    pub fn new(n: usize) -> Self {
        Keyspace {
            dbs: (0..n).map(|_| Db::new()).collect(),
        }
    }
    /// Total number of keys over all databases.
    pub fn total_keys(&self) -> usize {
        self.dbs.iter().map(Db::len).sum()
    }
    /// Delete everything; returns how many keys were deleted.
    pub fn clear(&mut self) -> usize {
        self.dbs.iter_mut().map(Db::clear).sum()
    }
}
