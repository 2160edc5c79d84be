//! Error replies, with Redis 7.0.15's exact wording.

use std::borrow::Cow;

/// An error reply: the text after the leading `-`, code included (`ERR syntax error`).
///
/// Bytes, not `str`: Redis echoes client-supplied bytes verbatim in some errors (`unknown
/// command '\xff...'`), and so must we. Everything we write ourselves is ASCII.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisError(pub Cow<'static, [u8]>);

impl RedisError {
    /// The error text (no `-`, no CRLF), as sent on the wire.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// The error text for logs and tests (invalid UTF-8 shown as U+FFFD).
    pub fn as_str(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }
    /// `ERR <msg>` built at run time.
    pub fn err(msg: impl Into<String>) -> Self {
        RedisError(Cow::Owned(format!("ERR {}", msg.into()).into_bytes()))
    }
    /// An error from raw bytes (the text after `-`, code included).
    pub fn from_bytes(b: Vec<u8>) -> Self {
        RedisError(Cow::Owned(b))
    }
    /// The error code: the first word (`ERR`, `WRONGTYPE`, ...).
    pub fn code(&self) -> &str {
        let word = self.0.split(|&b| b == b' ').next().unwrap_or(b"ERR");
        std::str::from_utf8(word).unwrap_or("ERR")
    }
}

impl From<&'static str> for RedisError {
    fn from(s: &'static str) -> Self {
        RedisError(Cow::Borrowed(s.as_bytes()))
    }
}

impl From<String> for RedisError {
    fn from(s: String) -> Self {
        RedisError(Cow::Owned(s.into_bytes()))
    }
}

impl std::fmt::Display for RedisError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_str())
    }
}

macro_rules! shared {
    ($($name:ident = $text:expr;)*) => {
        $(
            #[doc = concat!("`-", $text, "`")]
            pub const $name: RedisError = RedisError(Cow::Borrowed($text.as_bytes()));
        )*
    };
}

shared! {
    WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
    SYNTAX = "ERR syntax error";
    NOT_INTEGER = "ERR value is not an integer or out of range";
    NOT_FLOAT = "ERR value is not a valid float";
    OVERFLOW = "ERR increment or decrement would overflow";
    NO_SUCH_KEY = "ERR no such key";
    OUT_OF_RANGE = "ERR index out of range";
    DB_INDEX_OUT_OF_RANGE = "ERR DB index is out of range";
    INVALID_EXPIRE_SET = "ERR invalid expire time in 'set' command";
    NOAUTH = "NOAUTH Authentication required.";
    WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
    EXECABORT = "EXECABORT Transaction discarded because of previous errors.";
    READONLY = "READONLY You can't write against a read only replica.";
    MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    LOADING = "LOADING Redis is loading the dataset in memory";
    NOREPLICAS = "NOREPLICAS Not enough good replicas to write.";
    SAME_OBJECT = "ERR source and destination objects are the same";
    NOT_POSITIVE = "ERR value is out of range, must be positive";
}

/// `ERR wrong number of arguments for '<name>' command` (`name` is the full name,
/// `config|get` for a subcommand).
pub fn wrong_arity(name: &str) -> RedisError {
    RedisError::err(format!("wrong number of arguments for '{name}' command"))
}

/// `ERR invalid expire time in '<cmd>' command`.
pub fn invalid_expire(cmd: &str) -> RedisError {
    RedisError::err(format!("invalid expire time in '{cmd}' command"))
}
