//! # replscope-core
//!
//! The sans-IO heart of ReplScope: the RESP codec, the keyspace and its commands, and (in
//! later modules) the RDB codec and the replication state machines, all as plain data
//! structures driven by `handle_*` calls that carry the current time and drained with
//! `poll_*` calls.
//!
//! What this crate never does: open sockets or files, spawn threads, read a clock
//! (`Instant`/`SystemTime`) or ask the OS for randomness. Time comes in as [`time::Time`],
//! randomness from a seeded [`rng::Rng`]. It builds for `wasm32-unknown-unknown`, so the
//! browser simulator runs the very code the TCP server runs.
//!
//! See [`server`] for the driving loop.

pub(crate) mod bignum;
pub mod client;
pub mod cmd;
pub mod compare;
pub mod config;
pub mod dtoa;
pub mod expire;
pub mod explain;
pub mod glob;
pub mod keyspace;
pub mod ldouble;
pub mod permalink;
pub mod persist;
pub mod propagate;
pub mod rdb;
pub mod repl;
pub mod resp;
pub mod rng;
pub mod server;
pub mod sim;
pub mod stats;
pub mod strtod;
pub mod time;
pub mod tour;
pub mod util;
pub mod vecmap;

/// The ReplScope version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The Redis version whose behaviour and protocol we reproduce (`redis_version` in INFO).
pub const REDIS_VERSION: &str = "7.0.15";
