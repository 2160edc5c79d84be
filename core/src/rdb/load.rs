//! Between the dump's logical model and the keyspace: load decoded keys into databases with
//! the encodings Redis 7.0 would choose for them.
//!
//! The encoding rules are those of 7.0.15's `rdbLoadObject` (checked against the server):
//! * set: an intset when every member is a canonical integer and there are at most
//!   `set-max-intset-entries`, else a hashtable;
//! * hash and sorted set written element by element (types 3, 4, 5): a listpack when both the
//!   count and every element's length are within `*-max-listpack-entries`/`-value`;
//! * hash and sorted set written as a listpack (16, 17, and the old ziplists 12, 13): a
//!   listpack when the count is within `*-max-listpack-entries`; element lengths are not
//!   checked;
//! * list: always a quicklist; string: as `SET` would store it; stream: as decoded.

use super::model::{RdbFile, RdbKey, RdbValue};
use super::rdb_type;
use crate::config::Config;
use crate::keyspace::hash::HashValue;
use crate::keyspace::list::ListValue;
use crate::keyspace::set::SetValue;
use crate::keyspace::stream::StreamValue;
use crate::keyspace::zset::ZSetValue;
use crate::keyspace::{Keyspace, Map, Sds, Set, StrValue, Value};
use crate::util::parse_i64;

/// The keyspace value for a decoded one, encoded as Redis 7.0 would after loading it with
/// `config`'s thresholds (`hash-max-listpack-entries`, `set-max-intset-entries`, ...).
/// Errors are what makes Redis refuse the value (duplicate members, NaN scores ...).
///
/// Hashes and sorted sets are treated as written element by element (types 4 and 5); use
/// [`value_from_rdb_typed`] when the RDB type is known.
pub fn value_from_rdb(v: RdbValue, config: &Config) -> Result<Value, String> {
    value_from_rdb_typed(v, None, config)
}

/// True for a list, set, sorted set or hash with no element: Redis skips such keys on load
/// ("rdbLoadObject skipping empty key"). Empty streams are valid values.
pub fn is_empty_collection(v: &RdbValue) -> bool {
    match v {
        RdbValue::String(_) | RdbValue::Stream(_) => false,
        RdbValue::List(l) => l.is_empty(),
        RdbValue::Set(s) => s.is_empty(),
        RdbValue::ZSet(z) => z.is_empty(),
        RdbValue::Hash(h) => h.is_empty(),
    }
}

/// [`value_from_rdb`] knowing the RDB type id the value was stored with (`rdb_type`), which
/// decides whether element lengths count for the listpack thresholds.
pub fn value_from_rdb_typed(
    v: RdbValue,
    rdb_type: Option<u8>,
    config: &Config,
) -> Result<Value, String> {
    if is_empty_collection(&v) {
        return Err("Empty keys skipped".into());
    }
    let was_listpack = matches!(
        rdb_type,
        Some(
            rdb_type::HASH_LISTPACK
                | rdb_type::HASH_ZIPLIST
                | rdb_type::HASH_ZIPMAP
                | rdb_type::ZSET_LISTPACK
                | rdb_type::ZSET_ZIPLIST
        )
    );
    Ok(match v {
        RdbValue::String(s) => Value::Str(StrValue::from_sds(s)),
        RdbValue::List(items) => Value::List(ListValue::from_items(items)),
        RdbValue::Set(members) => Value::Set(load_set(members, config)?),
        RdbValue::ZSet(elems) => Value::ZSet(load_zset(elems, was_listpack, config)?),
        RdbValue::Hash(pairs) => Value::Hash(load_hash(pairs, was_listpack, config)?),
        RdbValue::Stream(data) => Value::Stream(Box::new(StreamValue::new(*data))),
    })
}

/// A set as `rdbLoadObject` builds it (types 2 and 11).
fn load_set(members: Vec<Sds>, config: &Config) -> Result<SetValue, String> {
    const DUP: &str = "Duplicate set members detected";
    if members.len() <= config.set_max_intset_entries {
        let mut ints: Vec<i64> = Vec::with_capacity(members.len());
        ints.extend(members.iter().map_while(|m| parse_i64(m)));
        if ints.len() == members.len() {
            if !ints.is_sorted() {
                crate::util::sort_unstable(&mut ints);
            }
            if ints.windows(2).any(|w| w[0] == w[1]) {
                return Err(DUP.into());
            }
            return Ok(SetValue::Intset(ints));
        }
    }
    let mut t: Set<Sds> = Set::with_capacity_and_hasher(members.len(), Default::default());
    for m in members {
        if !t.insert(m) {
            return Err(DUP.into());
        }
    }
    Ok(SetValue::Table(Box::new(t)))
}

/// True when no two of `items` are equal: [`crate::util::all_distinct`] for the few
/// byte strings of a small collection, comparing a cheap fingerprint (length and first
/// bytes) before the bytes themselves.
pub(crate) fn all_distinct_bytes<'a>(items: impl Iterator<Item = &'a [u8]> + Clone) -> bool {
    const PAIRWISE_MAX: usize = 16;
    let fingerprint = |b: &[u8]| {
        let mut w = [0u8; 8];
        let n = b.len().min(6);
        w[..n].copy_from_slice(&b[..n]);
        w[6] = b.len() as u8;
        w[7] = (b.len() >> 8) as u8;
        u64::from_le_bytes(w)
    };
    let mut small: [(u64, &[u8]); PAIRWISE_MAX] = [(0, &[]); PAIRWISE_MAX];
    let mut n = 0;
    for b in items.clone() {
        if n == PAIRWISE_MAX {
            return crate::util::all_distinct(items);
        }
        small[n] = (fingerprint(b), b);
        n += 1;
    }
    let small = &small[..n];
    small
        .iter()
        .enumerate()
        .all(|(i, (fa, a))| small[i + 1..].iter().all(|(fb, b)| fa != fb || a != b))
}

/// A sorted set as `rdbLoadObject` builds it.
fn load_zset(
    elems: Vec<(Sds, f64)>,
    was_listpack: bool,
    config: &Config,
) -> Result<ZSetValue, String> {
    if elems.iter().any(|(_, score)| score.is_nan()) {
        return Err("Zset with NAN score detected".into());
    }
    if !all_distinct_bytes(elems.iter().map(|(m, _)| m.as_slice())) {
        return Err("Duplicate zset fields detected".into());
    }
    let maxelelen = elems.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
    let listpack = elems.len() <= config.zset_max_listpack_entries
        && (was_listpack || maxelelen <= config.zset_max_listpack_value);
    if listpack {
        return Ok(ZSetValue::listpack_from_pairs(elems));
    }
    let mut z = ZSetValue::new_skiplist();
    for (m, score) in &elems {
        z.insert(m, *score);
    }
    Ok(z)
}

/// A hash as `rdbLoadObject` builds it.
fn load_hash(
    pairs: Vec<(Sds, Sds)>,
    was_listpack: bool,
    config: &Config,
) -> Result<HashValue, String> {
    let max = config.hash_max_listpack_value;
    let listpack = pairs.len() <= config.hash_max_listpack_entries
        && (was_listpack || pairs.iter().all(|(f, v)| f.len() <= max && v.len() <= max));
    const DUP: &str = "Duplicate hash fields detected";
    if listpack {
        if !all_distinct_bytes(pairs.iter().map(|(f, _)| f.as_slice())) {
            return Err(DUP.into());
        }
        return Ok(HashValue::listpack_from_pairs(&pairs));
    }
    let mut m: Map<Sds, Sds> = Map::with_capacity_and_hasher(pairs.len(), Default::default());
    for (f, v) in pairs {
        if m.insert(f, v).is_some() {
            return Err(DUP.into());
        }
    }
    Ok(HashValue::Table(Box::new(m)))
}

/// What [`load_file`] did (`Done loading RDB, keys loaded: N, keys expired: M.`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// Keys stored.
    pub keys_loaded: u64,
    /// Keys dropped because their expiry was in the past (masters only).
    pub keys_expired: u64,
    /// Empty lists, sets, sorted sets and hashes skipped.
    pub empty_keys_skipped: u64,
}

/// Replace the content of `ks` with the keys of `file`, as 7.0.15's `rdbLoad` (see
/// [`KeyLoader`] for the rules). On error `ks` is left untouched.
pub fn load_file(
    ks: &mut Keyspace,
    file: RdbFile,
    config: &Config,
    now_ms: i64,
    is_master: bool,
) -> Result<LoadStats, String> {
    let mut loader = KeyLoader::new(ks.dbs.len(), config, now_ms, is_master);
    for k in file.keys {
        loader.add(k)?;
    }
    let (fresh, stats) = loader.finish();
    for (dst, src) in ks.dbs.iter_mut().zip(fresh.dbs) {
        *dst = src;
    }
    Ok(stats)
}

/// Loads a dump's keys one at a time into a fresh keyspace, as the loop of 7.0.15's
/// `rdbLoadRio`, so that a dump never sits in memory twice (decode a key, store it, next):
/// * a key in a database `>= databases` is fatal (Redis logs this message and exits);
/// * on a master (`is_master`), keys whose expiry is before `now_ms` are dropped; a replica
///   keeps them (its master will send the `DEL`);
/// * empty collections are skipped; a key present twice in a database is fatal (Redis
///   panics "Duplicated key found in RDB file");
/// * a value Redis refuses (duplicate member, NaN score) is an error.
#[derive(Debug)]
pub struct KeyLoader<'a> {
    fresh: Keyspace,
    config: std::borrow::Cow<'a, Config>,
    dbnum: usize,
    now_ms: i64,
    is_master: bool,
    stats: LoadStats,
}

impl<'a> KeyLoader<'a> {
    /// A loader into `databases` empty databases.
    pub fn new(databases: usize, config: &'a Config, now_ms: i64, is_master: bool) -> Self {
        KeyLoader {
            fresh: Keyspace::new(databases),
            config: std::borrow::Cow::Borrowed(config),
            dbnum: config.databases.min(databases),
            now_ms,
            is_master,
            stats: LoadStats::default(),
        }
    }

    /// A loader that owns its copy of the configuration (a replica's full sync, staged across
    /// many calls).
    pub fn new_owned(
        databases: usize,
        config: Config,
        now_ms: i64,
        is_master: bool,
    ) -> KeyLoader<'static> {
        let dbnum = config.databases.min(databases);
        KeyLoader {
            fresh: Keyspace::new(databases),
            config: std::borrow::Cow::Owned(config),
            dbnum,
            now_ms,
            is_master,
            stats: LoadStats::default(),
        }
    }

    /// A `RESIZEDB` hint for database `db`: make room up front, as Redis's `dictExpand`.
    /// Hints are capped so that a hostile dump cannot make us allocate for keys it lacks.
    pub fn resize_hint(&mut self, db: u64, db_size: u64, expires_size: u64) {
        const MAX_HINT: u64 = 1 << 24;
        if let Some(d) = usize::try_from(db)
            .ok()
            .and_then(|d| self.fresh.dbs.get_mut(d))
        {
            d.reserve(
                db_size.min(MAX_HINT) as usize,
                expires_size.min(db_size).min(MAX_HINT) as usize,
            );
        }
    }

    /// Store one decoded key.
    pub fn add(&mut self, k: RdbKey) -> Result<(), String> {
        let db = match usize::try_from(k.db) {
            Ok(d) if d < self.dbnum => d,
            _ => {
                return Err(format!(
                    "FATAL: Data file was created with a Redis server configured to handle \
                     more than {} databases. Exiting\n",
                    self.config.databases
                ))
            }
        };
        if is_empty_collection(&k.value) {
            self.stats.empty_keys_skipped += 1;
            return Ok(());
        }
        let value = value_from_rdb_typed(k.value, Some(k.rdb_type), &self.config)?;
        if self.is_master && matches!(k.expire_ms, Some(when) if when < self.now_ms) {
            self.stats.keys_expired += 1;
            return Ok(());
        }
        let d = &mut self.fresh.dbs[db];
        let expiring = k.expire_ms.map(|when| (k.key.clone(), when));
        if !d.add_owned(k.key, value) {
            return Err("Duplicated key found in RDB file".into());
        }
        if let Some((key, when)) = expiring {
            d.set_expire(&key, when);
        }
        self.stats.keys_loaded += 1;
        Ok(())
    }

    /// The loaded keyspace and what was done.
    pub fn finish(self) -> (Keyspace, LoadStats) {
        (self.fresh, self.stats)
    }
}

#[cfg(test)]
mod tests {
    use super::all_distinct_bytes;

    fn distinct(items: &[&[u8]]) -> bool {
        all_distinct_bytes(items.iter().copied())
    }

    #[test]
    fn distinct_bytes_by_fingerprint_then_bytes() {
        assert!(distinct(&[]));
        assert!(distinct(&[b"a", b"b", b"", b"ab"]));
        assert!(!distinct(&[b"a", b"b", b"a"]));
        // Same length and first six bytes: told apart by the rest.
        assert!(distinct(&[b"prefix-1", b"prefix-2"]));
        assert!(!distinct(&[b"prefix-2", b"x", b"prefix-2"]));
        // Lengths 70000 and 4464 agree modulo 65536: same fingerprint, different strings.
        let long_a = vec![b'z'; 70000];
        assert!(distinct(&[&long_a, &long_a[..4464]]));
        assert!(!distinct(&[&long_a, &long_a.clone()]));
        // More than 16: the general check.
        let many: Vec<Vec<u8>> = (0..40).map(|i| format!("m{i}").into_bytes()).collect();
        let refs: Vec<&[u8]> = many.iter().map(Vec::as_slice).collect();
        assert!(distinct(&refs));
        let mut dup = refs.clone();
        dup.push(b"m7");
        assert!(!distinct(&dup));
    }
}
