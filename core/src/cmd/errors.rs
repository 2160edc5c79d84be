//! Error replies, with Redis 7.0.15's exact wording.

use std::borrow::Cow;

/// An error reply: the text after the leading `-`, code included (`ERR syntax error`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisError(pub Cow<'static, str>);

impl RedisError {
    /// The error text (no `-`, no CRLF).
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// `ERR <msg>` built at run time.
    pub fn err(msg: impl Into<String>) -> Self {
        RedisError(Cow::Owned(format!("ERR {}", msg.into())))
    }
    /// The error code: the first word (`ERR`, `WRONGTYPE`, ...).
    pub fn code(&self) -> &str {
        self.0.split(' ').next().unwrap_or("ERR")
    }
}

impl From<&'static str> for RedisError {
    fn from(s: &'static str) -> Self {
        RedisError(Cow::Borrowed(s))
    }
}

impl From<String> for RedisError {
    fn from(s: String) -> Self {
        RedisError(Cow::Owned(s))
    }
}

impl std::fmt::Display for RedisError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! shared {
    ($($name:ident = $text:expr;)*) => {
        $(
            #[doc = concat!("`-", $text, "`")]
            pub const $name: RedisError = RedisError(Cow::Borrowed($text));
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
