//! Values stored under keys, with the encodings Redis 7.0 reports in `OBJECT ENCODING`.

use smallvec::SmallVec;

use super::hash::HashValue;
use super::list::ListValue;
use super::set::SetValue;
use super::stream::StreamValue;
use super::zset::ZSetValue;

/// A binary-safe string as stored in the keyspace (Redis's `sds`): up to 16 bytes inline,
/// longer ones on the heap. Keys, string values and collection elements all use it.
pub type Sds = SmallVec<[u8; 16]>;

/// A value, 32 bytes. Lists, hashes, sets and sorted sets are stored in place (each is at
/// most three words: a small one is one buffer, a large one a box), so that loading a small
/// collection costs one allocation, as a listpack or intset object does in Redis; streams
/// are boxed.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string (`OBJECT ENCODING` int, embstr or raw).
    Str(StrValue),
    /// A list (`quicklist` in 7.0).
    List(ListValue),
    /// A hash (`listpack` or `hashtable`).
    Hash(HashValue),
    /// A set (`intset` or `hashtable`).
    Set(SetValue),
    /// A sorted set (`listpack` or `skiplist`).
    ZSet(ZSetValue),
    /// A stream (`stream`).
    Stream(Box<StreamValue>),
}

/// The type of a value, as `TYPE` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    /// `string`
    String,
    /// `list`
    List,
    /// `hash`
    Hash,
    /// `set`
    Set,
    /// `zset`
    ZSet,
    /// `stream`
    Stream,
}

impl ValueType {
    /// The name `TYPE` replies with.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::List => "list",
            ValueType::Hash => "hash",
            ValueType::Set => "set",
            ValueType::ZSet => "zset",
            ValueType::Stream => "stream",
        }
    }
}

impl Value {
    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Str(_) => ValueType::String,
            Value::List(_) => ValueType::List,
            Value::Hash(_) => ValueType::Hash,
            Value::Set(_) => ValueType::Set,
            Value::ZSet(_) => ValueType::ZSet,
            Value::Stream(_) => ValueType::Stream,
        }
    }
    /// The name `OBJECT ENCODING` replies with.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Value::Str(s) => s.enc.name(),
            Value::List(_) => "quicklist",
            Value::Hash(h) => h.encoding_name(),
            Value::Set(s) => s.encoding_name(),
            Value::ZSet(z) => z.encoding_name(),
            Value::Stream(_) => "stream",
        }
    }
    /// A string value encoded as Redis's `tryObjectEncoding` would.
    pub fn string(bytes: &[u8]) -> Self {
        Value::Str(StrValue::encoded(bytes))
    }
}

/// How a string is stored, as `OBJECT ENCODING` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrEncoding {
    /// A value that fits a signed 64-bit integer (`int`).
    Int,
    /// A short string, at most 44 bytes (`embstr`).
    Embstr,
    /// Anything else, and every string modified in place by APPEND or SETRANGE (`raw`).
    Raw,
}

impl StrEncoding {
    /// The `OBJECT ENCODING` name.
    pub fn name(self) -> &'static str {
        match self {
            StrEncoding::Int => "int",
            StrEncoding::Embstr => "embstr",
            StrEncoding::Raw => "raw",
        }
    }
}

/// Redis's `OBJ_ENCODING_EMBSTR_SIZE_LIMIT`.
pub const EMBSTR_SIZE_LIMIT: usize = 44;

/// A string value and its reported encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrValue {
    /// The bytes.
    pub data: Sds,
    /// The encoding `OBJECT ENCODING` reports.
    pub enc: StrEncoding,
}

impl StrValue {
    /// A string stored the way `SET` stores it (`tryObjectEncoding`): `int` when it is a
    /// canonical 64-bit integer of at most 20 characters, else `embstr` up to 44 bytes, else
    /// `raw`.
    pub fn encoded(bytes: &[u8]) -> Self {
        let enc = if bytes.len() <= 20 && crate::util::parse_i64(bytes).is_some() {
            StrEncoding::Int
        } else if bytes.len() <= EMBSTR_SIZE_LIMIT {
            StrEncoding::Embstr
        } else {
            StrEncoding::Raw
        };
        StrValue {
            data: Sds::from_slice(bytes),
            enc,
        }
    }
    /// A string with the given bytes and encoding.
    /// [`StrValue::encoded`] taking ownership of the bytes (no copy).
    pub fn from_sds(data: Sds) -> Self {
        let enc = if data.len() <= 20 && crate::util::parse_i64(&data).is_some() {
            StrEncoding::Int
        } else if data.len() <= EMBSTR_SIZE_LIMIT {
            StrEncoding::Embstr
        } else {
            StrEncoding::Raw
        };
        StrValue { data, enc }
    }
    pub fn with_encoding(bytes: &[u8], enc: StrEncoding) -> Self {
        StrValue {
            data: Sds::from_slice(bytes),
            enc,
        }
    }
    /// The value of an integer string (`INCR` result).
    pub fn from_i64(n: i64) -> Self {
        StrValue {
            data: Sds::from_slice(crate::util::fmt_i64(n).as_bytes()),
            enc: StrEncoding::Int,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key's slot stays small: collections in place must not grow the value.
    #[test]
    fn value_is_four_words() {
        assert_eq!(std::mem::size_of::<Value>(), 32);
        assert!(std::mem::size_of::<HashValue>() <= 24);
        assert!(std::mem::size_of::<ListValue>() <= 24);
        assert!(std::mem::size_of::<SetValue>() <= 24);
        assert!(std::mem::size_of::<ZSetValue>() <= 24);
    }
}
