//! Hash values: a `listpack` (insertion-ordered pairs) while small, a `hashtable` after.

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

impl HashValue {
    /// The `OBJECT ENCODING` name.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            HashValue::Listpack(_) => "listpack",
            HashValue::Table(_) => "hashtable",
        }
    }
}
