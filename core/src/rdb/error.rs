//! Decoding errors: where in the input and what was expected.

/// A dump that cannot be read: the byte offset (from the start of the RDB, `REDIS` = 0) at
/// which the problem was found, and what was wrong there.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("RDB error at offset {offset}: {message}")]
pub struct RdbError {
    /// Byte offset of the offending item from the start of the input.
    pub offset: u64,
    /// What was expected or found (`bad RDB version 12`, `unknown type 8`, ...).
    pub message: String,
}

impl RdbError {
    /// An error at `offset`.
    pub fn at(offset: u64, message: impl Into<String>) -> Self {
        RdbError {
            offset,
            message: message.into(),
        }
    }
}
