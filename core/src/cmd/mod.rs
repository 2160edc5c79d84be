//! The command table: every command's name, arity, flags and handler, as in Redis 7.0.
//!
//! Each command group lives in its own module and exports a `COMMANDS` slice; this module
//! gathers them into one lookup table. Handlers get a [`Ctx`] (the current client, the
//! keyspace, the config, propagation) and the full argv, write their reply into the client's
//! output and return `Err` only for an error reply that replaces the whole reply.

use bytes::Bytes;

pub(crate) mod ctx;
pub mod errors;

pub(crate) mod connection;
mod debug;
mod hash;
mod keys;
mod list;
mod server_cmds;
mod set;
mod string;
mod tx;
mod zset;

pub use ctx::Ctx;
pub use debug::{dataset_digest, hex as digest_hex, key_value_digest};
pub use errors::RedisError;
pub(crate) use tx::unwatch_keys;

/// What a handler returns: `Err` is sent as the error reply.
pub type CmdResult = Result<(), RedisError>;

/// A command handler.
pub type Handler = fn(&mut Ctx<'_>, &[Bytes]) -> CmdResult;

/// Command flags, as Redis's `CMD_*` (only those the core acts on or reports).
pub mod flags {
    /// May modify the keyspace (`write`).
    pub const WRITE: u32 = 1 << 0;
    /// Never modifies the keyspace (`readonly`).
    pub const READONLY: u32 = 1 << 1;
    /// May grow memory (`denyoom`).
    pub const DENYOOM: u32 = 1 << 2;
    /// Administrative (`admin`).
    pub const ADMIN: u32 = 1 << 3;
    /// Not allowed in scripts (`noscript`).
    pub const NOSCRIPT: u32 = 1 << 4;
    /// Allowed while loading the dataset (`loading`).
    pub const LOADING: u32 = 1 << 5;
    /// Allowed while a replica has no link to its master (`stale`).
    pub const STALE: u32 = 1 << 6;
    /// O(1) or O(log n) (`fast`).
    pub const FAST: u32 = 1 << 7;
    /// Allowed before authentication (`no_auth`).
    pub const NO_AUTH: u32 = 1 << 8;
    /// Not allowed inside MULTI (`no_multi`).
    pub const NO_MULTI: u32 = 1 << 9;
    /// May propagate to replicas although not a write (`may_replicate`).
    pub const MAY_REPLICATE: u32 = 1 << 10;
    /// Not shown in MONITOR (`skip_monitor`).
    pub const SKIP_MONITOR: u32 = 1 << 11;
    /// Not logged in SLOWLOG (`skip_slowlog`).
    pub const SKIP_SLOWLOG: u32 = 1 << 12;
    /// Blocks the client (`blocking`).
    pub const BLOCKING: u32 = 1 << 13;
    /// Runs also while clients are paused (`allow_busy`).
    pub const ALLOW_BUSY: u32 = 1 << 14;
    /// Client-connection command that must not touch keys (`sentinel` etc. not modelled).
    pub const PUBSUB: u32 = 1 << 15;
    /// Refused while loading a replica's RDB asynchronously (`SYNC`, `PSYNC`).
    pub const NO_ASYNC_LOADING: u32 = 1 << 16;

    /// `(flag, name)` pairs in the order `COMMAND INFO` prints them.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// One command (or subcommand) of the table.
#[derive(Debug)]
pub struct CommandSpec {
    /// Lowercase name (`get`; a subcommand's own name, `get` for `CONFIG GET`).
    pub name: &'static str,
    /// Redis arity: exact argc when positive, minimum argc when negative.
    pub arity: i32,
    /// [`flags`] bits.
    pub flags: u32,
    /// First key position (0 = no keys).
    pub first_key: i32,
    /// Last key position (-1 = last argument).
    pub last_key: i32,
    /// Step between keys.
    pub step: i32,
    /// Command group (`string`, `list`, `server` ...), for `COMMAND DOCS`.
    pub group: &'static str,
    /// One-line summary, for `COMMAND DOCS` (empty without the `full` feature: the browser
    /// build installs the summaries with [`install_command_docs`]).
    pub summary: &'static str,
    /// The handler (unused for containers, which dispatch to `subcommands`).
    pub handler: Handler,
    /// Subcommands (`CONFIG GET`, `CLIENT LIST` ...); empty for plain commands.
    pub subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    /// True when argc is acceptable.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let a = self.arity;
        (a > 0 && argc == a as usize) || (a < 0 && argc >= (-a) as usize)
    }
    /// True when the command has the flag.
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }
}

/// A handler for container commands: never called, the dispatcher resolves subcommands first.
pub(crate) fn container(_: &mut Ctx<'_>, _: &[Bytes]) -> CmdResult {
    Err(RedisError::from(
        "ERR container command called without a subcommand",
    ))
}

/// A command's `COMMAND DOCS` summary as the table keeps it: the text with the `full`
/// feature; empty without it (the browser build), where [`install_command_docs`] brings the
/// summaries with the other `COMMAND` facts when they are first needed (issue #6).
#[doc(hidden)]
pub const fn summary_text(text: &'static str) -> &'static str {
    if cfg!(feature = "full") {
        text
    } else {
        ""
    }
}

#[cfg(not(feature = "full"))]
#[doc(hidden)]
pub use server_cmds::installed_help;
pub use server_cmds::{command_docs_installed, install_command_docs};

/// A container's `HELP` lines: the built-in `$lines` with the `full` feature; without it
/// (the browser build) the ones [`install_command_docs`] brought (issue #6).
#[macro_export]
#[doc(hidden)]
macro_rules! help_lines {
    ($name:literal, $lines:expr) => {{
        #[cfg(feature = "full")]
        let lines: &'static [&'static str] = $lines;
        #[cfg(not(feature = "full"))]
        let lines: &'static [&'static str] = $crate::cmd::installed_help($name);
        lines
    }};
}
#[cfg(feature = "full")]
pub use server_cmds::command_docs_text;

/// Shorthand to declare a command in a group's table.
#[macro_export]
#[doc(hidden)]
macro_rules! command {
    ($name:expr, $arity:expr, $flags:expr, $first:expr, $last:expr, $step:expr, $group:expr, $summary:expr, $handler:expr) => {
        $crate::cmd::CommandSpec {
            name: $name,
            arity: $arity,
            flags: $flags,
            first_key: $first,
            last_key: $last,
            step: $step,
            group: $group,
            summary: $crate::cmd::summary_text($summary),
            handler: $handler,
            subcommands: &[],
        }
    };
}

/// Every command group's table.
pub(crate) fn groups() -> [&'static [CommandSpec]; 13] {
    [
        string::COMMANDS,
        keys::COMMANDS,
        list::COMMANDS,
        hash::COMMANDS,
        set::COMMANDS,
        zset::COMMANDS,
        tx::COMMANDS,
        connection::COMMANDS,
        server_cmds::COMMANDS,
        debug::COMMANDS,
        crate::repl::master::COMMANDS,
        crate::repl::replica_side::COMMANDS,
        crate::repl::failover::COMMANDS,
    ]
}

/// The lookup table, built once per server.
#[derive(Debug)]
pub struct CommandTable {
    map: std::collections::HashMap<&'static [u8], &'static CommandSpec, crate::keyspace::Hasher>,
}

impl Default for CommandTable {
    fn default() -> Self {
        Self::new()
    }
}

impl CommandTable {
    /// The process-wide table, built on first use.
    pub fn global() -> &'static CommandTable {
        static TABLE: std::sync::OnceLock<CommandTable> = std::sync::OnceLock::new();
        TABLE.get_or_init(CommandTable::new)
    }
    /// Build the table from every group.
    pub fn new() -> Self {
        let mut map = std::collections::HashMap::default();
        for g in groups() {
            for c in g {
                map.insert(c.name.as_bytes(), c);
            }
        }
        CommandTable { map }
    }
    /// Find a command by name, case-insensitively.
    pub fn lookup(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        let mut buf = [0u8; 32];
        if name.len() > buf.len() {
            return None;
        }
        let lower = &mut buf[..name.len()];
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        self.map.get(&*lower).copied()
    }
    /// Every command, sorted by name (deterministic `COMMAND` output).
    pub fn all(&self) -> Vec<&'static CommandSpec> {
        let mut v: Vec<_> = self.map.values().copied().collect();
        crate::util::sort_by(&mut v, |a, b| a.name.cmp(b.name));
        v
    }
    /// Number of top-level commands (`COMMAND COUNT`).
    pub fn len(&self) -> usize {
        self.map.len()
    }
    /// True when the table is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Find a subcommand of a container by name, case-insensitively.
pub fn lookup_sub(parent: &'static CommandSpec, name: &[u8]) -> Option<&'static CommandSpec> {
    parent
        .subcommands
        .iter()
        .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
}
