//! The logical content of a dump, independent of how each value was encoded in it.
//!
//! The decoder produces these; the loader turns them into keyspace values; tools
//! (`replscope-check-rdb --json`) print them. Order is kept as found in the file.

pub use crate::keyspace::Sds;

/// A decoded value. Strings are [`Sds`], the keyspace's own byte string (short ones stored
/// inline), so that loading moves them into the keyspace without a copy or an allocation.
#[derive(Clone, Debug, PartialEq)]
pub enum RdbValue {
    /// A string (int-encoded and LZF strings already expanded).
    String(Sds),
    /// A list, head to tail.
    List(Vec<Sds>),
    /// A set, in file order.
    Set(Vec<Sds>),
    /// A sorted set: (member, score), in file order.
    ZSet(Vec<(Sds, f64)>),
    /// A hash: (field, value), in file order.
    Hash(Vec<(Sds, Sds)>),
    /// A stream.
    Stream(Box<StreamData>),
}

impl RdbValue {
    /// A string value from any bytes.
    pub fn string(b: impl AsRef<[u8]>) -> Self {
        RdbValue::String(Sds::from_slice(b.as_ref()))
    }
    /// A list from any byte strings, head first.
    pub fn list<B: AsRef<[u8]>>(items: impl IntoIterator<Item = B>) -> Self {
        RdbValue::List(
            items
                .into_iter()
                .map(|b| Sds::from_slice(b.as_ref()))
                .collect(),
        )
    }
    /// A set from any byte strings.
    pub fn set<B: AsRef<[u8]>>(members: impl IntoIterator<Item = B>) -> Self {
        RdbValue::Set(
            members
                .into_iter()
                .map(|b| Sds::from_slice(b.as_ref()))
                .collect(),
        )
    }
    /// A sorted set from (member, score) pairs.
    pub fn zset<B: AsRef<[u8]>>(elems: impl IntoIterator<Item = (B, f64)>) -> Self {
        RdbValue::ZSet(
            elems
                .into_iter()
                .map(|(m, s)| (Sds::from_slice(m.as_ref()), s))
                .collect(),
        )
    }
    /// A hash from (field, value) pairs.
    pub fn hash<F: AsRef<[u8]>, V: AsRef<[u8]>>(pairs: impl IntoIterator<Item = (F, V)>) -> Self {
        RdbValue::Hash(
            pairs
                .into_iter()
                .map(|(f, v)| (Sds::from_slice(f.as_ref()), Sds::from_slice(v.as_ref())))
                .collect(),
        )
    }

    /// The type name as `TYPE` prints it.
    pub fn type_name(&self) -> &'static str {
        match self {
            RdbValue::String(_) => "string",
            RdbValue::List(_) => "list",
            RdbValue::Set(_) => "set",
            RdbValue::ZSet(_) => "zset",
            RdbValue::Hash(_) => "hash",
            RdbValue::Stream(_) => "stream",
        }
    }
}

/// A stream entry id (`ms-seq`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

/// One stream entry: its id and its field/value pairs.
pub type StreamEntry = (StreamId, Vec<(Vec<u8>, Vec<u8>)>);

/// A stream's content and metadata (RDB type 15/19/21).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamData {
    /// Live entries (tombstones dropped), in id order: id and flat field/value pairs.
    pub entries: Vec<StreamEntry>,
    /// `XLEN` as stored.
    pub length: u64,
    /// `last_generated_id`.
    pub last_id: StreamId,
    /// `first_id` (v2+; zero otherwise).
    pub first_id: StreamId,
    /// `max_deleted_entry_id` (v2+).
    pub max_deleted_entry_id: StreamId,
    /// `entries_added` (v2+; for older dumps the length).
    pub entries_added: u64,
    /// Consumer groups, in file order.
    pub groups: Vec<StreamGroup>,
}

/// A consumer group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamGroup {
    /// Group name.
    pub name: Vec<u8>,
    /// `last-delivered-id`.
    pub last_id: StreamId,
    /// `entries-read` (v2+); `None` when unknown (stored as u64::MAX or absent).
    pub entries_read: Option<u64>,
    /// The group's pending entries: id, last delivery time (ms), delivery count.
    pub pel: Vec<(StreamId, u64, u64)>,
    /// Consumers, in file order.
    pub consumers: Vec<StreamConsumer>,
}

/// A consumer of a group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamConsumer {
    /// Consumer name.
    pub name: Vec<u8>,
    /// `seen-time` (ms).
    pub seen_time: u64,
    /// `active-time` (ms; v3 only).
    pub active_time: Option<u64>,
    /// Ids of the group's PEL entries owned by this consumer.
    pub pel: Vec<StreamId>,
}

/// One key as found in the dump.
#[derive(Clone, Debug, PartialEq)]
pub struct RdbKey {
    /// Database number (from the last `SELECTDB`).
    pub db: u64,
    /// The key.
    pub key: Sds,
    /// The value.
    pub value: RdbValue,
    /// Absolute expiry time, Unix ms (`EXPIRETIME` seconds converted).
    pub expire_ms: Option<i64>,
    /// LRU idle seconds (`IDLE`), if present.
    pub idle: Option<u64>,
    /// LFU counter (`FREQ`), if present.
    pub freq: Option<u8>,
    /// The RDB type id the value was stored with (for summaries and tests).
    pub rdb_type: u8,
}

/// One item of a dump, in file order, as the incremental decoder yields it.
#[derive(Clone, Debug, PartialEq)]
pub enum RdbItem {
    /// The header's version (`REDIS0010` → 10); always the first item.
    Version(u32),
    /// An AUX field.
    Aux {
        /// Field name (`redis-ver`, `repl-id` ...).
        key: Vec<u8>,
        /// Its value.
        value: Vec<u8>,
    },
    /// `SELECTDB`.
    SelectDb(u64),
    /// `RESIZEDB` hints.
    ResizeDb {
        /// Keys in the db.
        db_size: u64,
        /// Keys with an expiry.
        expires_size: u64,
    },
    /// A function library (`FUNCTION2`): its code, kept opaque.
    Function(Vec<u8>),
    /// A key.
    Key(RdbKey),
    /// `EOF`; `checksum` is the stored CRC64 (`None` for versions < 5, `Some(0)` when the
    /// writer did not compute it). The decoder has already verified a non-zero one.
    Eof {
        /// Stored checksum.
        checksum: Option<u64>,
    },
}

/// A whole decoded dump.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RdbFile {
    /// RDB version.
    pub version: u32,
    /// AUX fields in file order.
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// Function libraries' code, in file order.
    pub functions: Vec<Vec<u8>>,
    /// Every key, in file order.
    pub keys: Vec<RdbKey>,
    /// The stored checksum (see [`RdbItem::Eof`]).
    pub checksum: Option<u64>,
}

impl RdbFile {
    /// The value of AUX field `name`, if present (the last one wins, as in Redis).
    pub fn aux(&self, name: &str) -> Option<&[u8]> {
        self.aux
            .iter()
            .rev()
            .find(|(k, _)| k == name.as_bytes())
            .map(|(_, v)| v.as_slice())
    }
}
