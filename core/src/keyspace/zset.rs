//! Sorted-set values: a `listpack` while small, a `skiplist` after.

use super::value::Sds;

/// A sorted set in one of its two encodings.
#[derive(Clone, Debug, PartialEq)]
pub enum ZSetValue {
    /// Small: (member, score) pairs ordered by (score, member).
    Listpack(Vec<(Sds, f64)>),
    /// Large (placeholder structure until the sorted-set engineer fills it in).
    Skiplist(Vec<(Sds, f64)>),
}

impl ZSetValue {
    /// The `OBJECT ENCODING` name.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            ZSetValue::Listpack(_) => "listpack",
            ZSetValue::Skiplist(_) => "skiplist",
        }
    }
}
