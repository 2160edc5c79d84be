//! The RDB format: Redis's snapshot file, and the payload of a full resynchronization.
//!
//! What this module does: turn bytes into a logical dump ([`decode`]) and a keyspace into the
//! bytes redis-server 7.0.15 writes and loads ([`encode`]), and move values between the dump's
//! logical model ([`model`]) and the keyspace ([`load`]). The blob formats nested inside RDB
//! values live in their own modules: [`lzf`], [`crc64`], [`listpack`], [`ziplist`],
//! [`intset`], [`zipmap`].
//!
//! What it never does: read or write files, or decide *when* to save or load (that is the
//! server's persistence logic and its driver). Everything here is pure functions and plain
//! state machines fed with bytes, so the browser simulator uses it too.
//!
//! Reference: `shared/spec/rdb.md` (the format as 7.0.15 writes and checks it).

pub mod crc64;
pub mod decode;
pub mod encode;
pub mod error;
pub mod intset;
pub mod listpack;
pub mod load;
pub mod lzf;
pub mod model;
mod reader;
pub mod ziplist;
pub mod zipmap;

pub use error::RdbError;
pub use model::{RdbFile, RdbItem, RdbKey, RdbValue};

/// The version 7.0.15 writes (`REDIS0010`).
pub const RDB_VERSION: u32 = 10;
/// The newest version we read (7.2's `REDIS0011`).
pub const RDB_MAX_READ_VERSION: u32 = 11;

/// Opcodes (`RDB_OPCODE_*`).
pub mod opcode {
    /// `RDB_OPCODE_FUNCTION2`: a function library's code.
    pub const FUNCTION2: u8 = 245;
    /// `RDB_OPCODE_FUNCTION_PRE_GA` (7.0 release candidates).
    pub const FUNCTION_PRE_GA: u8 = 246;
    /// `RDB_OPCODE_MODULE_AUX`.
    pub const MODULE_AUX: u8 = 247;
    /// `RDB_OPCODE_IDLE`: LRU idle time of the next key, seconds.
    pub const IDLE: u8 = 248;
    /// `RDB_OPCODE_FREQ`: LFU counter of the next key.
    pub const FREQ: u8 = 249;
    /// `RDB_OPCODE_AUX`: a key/value metadata field.
    pub const AUX: u8 = 250;
    /// `RDB_OPCODE_RESIZEDB`: db size hints.
    pub const RESIZEDB: u8 = 251;
    /// `RDB_OPCODE_EXPIRETIME_MS`: expiry of the next key, ms, i64 LE.
    pub const EXPIRETIME_MS: u8 = 252;
    /// `RDB_OPCODE_EXPIRETIME`: expiry of the next key, seconds, i32 LE (old dumps).
    pub const EXPIRETIME: u8 = 253;
    /// `RDB_OPCODE_SELECTDB`.
    pub const SELECTDB: u8 = 254;
    /// `RDB_OPCODE_EOF`.
    pub const EOF: u8 = 255;
}

/// Object type ids (`RDB_TYPE_*`).
pub mod rdb_type {
    /// String.
    pub const STRING: u8 = 0;
    /// Plain list.
    pub const LIST: u8 = 1;
    /// Plain set.
    pub const SET: u8 = 2;
    /// Zset with text scores (pre-4.0).
    pub const ZSET: u8 = 3;
    /// Plain hash.
    pub const HASH: u8 = 4;
    /// Zset with binary scores.
    pub const ZSET_2: u8 = 5;
    /// Module value (pre-GA).
    pub const MODULE: u8 = 6;
    /// Module value.
    pub const MODULE_2: u8 = 7;
    /// Hash as a zipmap (≤ 2.4).
    pub const HASH_ZIPMAP: u8 = 9;
    /// List as a ziplist (≤ 3.0).
    pub const LIST_ZIPLIST: u8 = 10;
    /// Set as an intset.
    pub const SET_INTSET: u8 = 11;
    /// Zset as a ziplist (≤ 6.2).
    pub const ZSET_ZIPLIST: u8 = 12;
    /// Hash as a ziplist (≤ 6.2).
    pub const HASH_ZIPLIST: u8 = 13;
    /// Quicklist of ziplists (3.2–6.2).
    pub const LIST_QUICKLIST: u8 = 14;
    /// Stream (5.0–6.2).
    pub const STREAM_LISTPACKS: u8 = 15;
    /// Hash as a listpack.
    pub const HASH_LISTPACK: u8 = 16;
    /// Zset as a listpack.
    pub const ZSET_LISTPACK: u8 = 17;
    /// Quicklist of listpacks (7.0).
    pub const LIST_QUICKLIST_2: u8 = 18;
    /// Stream (7.0).
    pub const STREAM_LISTPACKS_2: u8 = 19;
    /// Set as a listpack (7.2).
    pub const SET_LISTPACK: u8 = 20;
    /// Stream (7.2).
    pub const STREAM_LISTPACKS_3: u8 = 21;
}
