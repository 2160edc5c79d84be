//! Set values: an `intset` (sorted integers) while small and all-integer, a `hashtable` after.

use super::value::Sds;
use super::Set;

/// A set value in one of its two encodings.
#[derive(Clone, Debug, PartialEq)]
pub enum SetValue {
    /// Only integers, sorted ascending, at most `set-max-intset-entries`.
    Intset(Vec<i64>),
    /// Anything else.
    Table(Set<Sds>),
}

impl SetValue {
    /// The `OBJECT ENCODING` name.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            SetValue::Intset(_) => "intset",
            SetValue::Table(_) => "hashtable",
        }
    }
}
