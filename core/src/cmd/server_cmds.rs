//! Server commands (Redis 7.0.15 `server.c`, `config.c`, `functions.c`): COMMAND and its
//! subcommands, CONFIG GET/SET/RESETSTAT/REWRITE/HELP, INFO, TIME, LASTSAVE, SHUTDOWN and the
//! FUNCTION container (only what an empty function library can answer).
//!
//! `COMMAND` and `COMMAND DOCS` take the facts our command table does not carry (ACL
//! categories, tips, `since`, complexity) from [`FACTS`], recorded from a real 7.0.15.

use std::fmt::Write as _;

use bytes::Bytes;

use super::connection::reply_help;
use super::errors::{self, RedisError};
use super::flags::{self, *};
use super::{container, CmdResult, CommandSpec, CommandTable, Ctx};
use crate::command;
use crate::config::SetContext;
use crate::dtoa::{fixed, Fixed};
use crate::server::{LogLevel, Output};
use crate::stats::Stats;

#[rustfmt::skip]
static COMMAND_SUBCOMMANDS: &[CommandSpec] = &[
    command!("count", 2, LOADING | STALE, 0, 0, 0, "server", "Get total number of Redis commands", command_count),
    command!("list", -2, LOADING | STALE, 0, 0, 0, "server", "Get an array of Redis command names", command_list),
    command!("info", -2, LOADING | STALE, 0, 0, 0, "server", "Get array of specific Redis command details, or all when no argument is given.", command_info),
    command!("docs", -2, LOADING | STALE, 0, 0, 0, "server", "Get array of specific Redis command documentation", command_docs),
    command!("help", 2, LOADING | STALE, 0, 0, 0, "server", "Show helpful text about the different subcommands", command_help),
];

#[rustfmt::skip]
static CONFIG_SUBCOMMANDS: &[CommandSpec] = &[
    command!("get", -3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, "server", "Get the values of configuration parameters", config_get),
    command!("set", -4, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, "server", "Set configuration parameters to the given values", config_set),
    command!("resetstat", 2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, "server", "Reset the stats returned by INFO", config_resetstat),
    command!("rewrite", 2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, "server", "Rewrite the configuration file with the in memory configuration", config_rewrite),
    command!("help", 2, LOADING | STALE, 0, 0, 0, "server", "Show helpful text about the different subcommands", config_help),
];

#[rustfmt::skip]
static FUNCTION_SUBCOMMANDS: &[CommandSpec] = &[
    command!("flush", -2, WRITE | NOSCRIPT, 0, 0, 0, "scripting", "Deleting all functions", function_flush),
    command!("list", -2, NOSCRIPT, 0, 0, 0, "scripting", "List information about all the functions", function_list),
    command!("stats", 2, NOSCRIPT | ALLOW_BUSY, 0, 0, 0, "scripting", "Return information about the function currently running (name, description, duration)", function_stats),
    command!("kill", 2, NOSCRIPT | ALLOW_BUSY, 0, 0, 0, "scripting", "Kill the function currently in execution.", function_kill),
    command!("delete", 3, WRITE | NOSCRIPT, 0, 0, 0, "scripting", "Delete a function by name", function_delete),
    command!("load", -3, WRITE | DENYOOM | NOSCRIPT, 0, 0, 0, "scripting", "Create a function with the given arguments (name, code, description)", function_unsupported),
    command!("dump", 2, NOSCRIPT, 0, 0, 0, "scripting", "Dump all functions into a serialized binary payload", function_unsupported),
    command!("restore", -3, WRITE | DENYOOM | NOSCRIPT, 0, 0, 0, "scripting", "Restore all the functions on the given payload", function_unsupported),
    command!("help", 2, LOADING | STALE, 0, 0, 0, "scripting", "Show helpful text about the different subcommands", function_help),
];

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        subcommands: COMMAND_SUBCOMMANDS,
        ..command!("command", -1, LOADING | STALE, 0, 0, 0, "server", "Get array of Redis command details", command_all)
    },
    CommandSpec {
        subcommands: CONFIG_SUBCOMMANDS,
        ..command!("config", -2, 0, 0, 0, 0, "server", "A container for server configuration commands", container)
    },
    CommandSpec {
        subcommands: FUNCTION_SUBCOMMANDS,
        ..command!("function", -2, 0, 0, 0, 0, "scripting", "A container for function commands", container)
    },
    command!("info", -1, LOADING | STALE, 0, 0, 0, "server", "Get information and statistics about the server", info),
    command!("time", 1, LOADING | STALE | FAST, 0, 0, 0, "server", "Return the current server time", time),
    command!("lastsave", 1, LOADING | STALE | FAST, 0, 0, 0, "server", "Get the UNIX time stamp of the last successful save to disk", lastsave),
    command!("save", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, 0, 0, 0, "server", "Synchronously save the dataset to disk", save),
    command!("bgsave", -1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, 0, 0, 0, "server", "Asynchronously save the dataset to disk", bgsave),
    command!("shutdown", -1, ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY, 0, 0, 0, "server", "Synchronously save the dataset to disk and then shut down the server", shutdown),
];

// ----- COMMAND -----

/// `(full name, since, complexity, ACL categories, tips)`: one entry of [`FACTS`].
type Fact = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// The `COMMAND` facts and the summaries, read from the text of `core/command-docs.txt`
/// (sorted by full name, like [`FACTS`]).
#[derive(Debug)]
struct Docs {
    facts: Vec<Fact>,
    summaries: Vec<&'static str>,
    /// `(container, lines)` of the `HELP` texts (`help:<CONTAINER>` lines of the file).
    helps: Vec<(&'static str, Vec<&'static str>)>,
}

/// The `HELP` texts the browser build fetches with the facts: `(container, lines)`.
#[cfg(feature = "full")]
const HELP_TEXTS: &[(&str, &[&str])] = &[
    ("CLIENT", super::connection::CLIENT_HELP),
    ("COMMAND", COMMAND_HELP),
    ("CONFIG", CONFIG_HELP),
    ("DEBUG", super::debug::HELP),
    ("FUNCTION", FUNCTION_HELP),
    ("OBJECT", super::keys::OBJECT_HELP),
];

/// A container's installed `HELP` lines (empty until [`install_command_docs`]).
#[cfg(not(feature = "full"))]
pub fn installed_help(container: &str) -> &'static [&'static str] {
    INSTALLED.get().map_or(&[], |d| {
        d.helps
            .iter()
            .find(|(c, _)| *c == container)
            .map_or(&[], |(_, l)| &l[..])
    })
}

/// Without the `full` feature (the browser build) the core carries neither [`FACTS`] nor
/// the command summaries: the page fetches `command-docs.txt` when a `COMMAND` command is
/// first typed and installs it here before running it (issue #6: download size).
#[cfg(not(feature = "full"))]
static INSTALLED: std::sync::OnceLock<Docs> = std::sync::OnceLock::new();

fn parse_docs(text: &str) -> Result<Docs, String> {
    let mut docs = Docs {
        facts: Vec::new(),
        summaries: Vec::new(),
        helps: Vec::new(),
    };
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&'static str> = Box::leak(line.to_string().into_boxed_str())
            .split('\t')
            .collect();
        if let Some(container) = f[0].strip_prefix("help:") {
            let [_, text] = f[..] else {
                return Err(format!(
                    "line {}: expected help:<CONTAINER> and a line",
                    n + 1
                ));
            };
            match docs.helps.iter_mut().find(|(c, _)| *c == container) {
                Some((_, lines)) => lines.push(text),
                None => docs.helps.push((container, vec![text])),
            }
            continue;
        }
        let [name, since, complexity, cats, tips, summary] = f[..] else {
            return Err(format!("line {}: expected 6 tab-separated fields", n + 1));
        };
        if docs.facts.last().is_some_and(|l| l.0 >= name) {
            return Err(format!("line {}: {name} is out of order", n + 1));
        }
        docs.facts.push((name, since, complexity, cats, tips));
        docs.summaries.push(summary);
    }
    Ok(docs)
}

/// Install the `COMMAND` facts and summaries from the text of `core/command-docs.txt`
/// (browser build; native builds have them built in and only check the text). Until then,
/// `COMMAND`, `COMMAND INFO` and `COMMAND DOCS` lack them: the page runs no `COMMAND`
/// before this.
pub fn install_command_docs(text: &str) -> Result<(), String> {
    let docs = parse_docs(text)?;
    #[cfg(not(feature = "full"))]
    let _ = INSTALLED.set(docs);
    #[cfg(feature = "full")]
    drop(docs);
    Ok(())
}

/// Whether the `COMMAND` facts are there (always with the `full` feature).
pub fn command_docs_installed() -> bool {
    #[cfg(not(feature = "full"))]
    return INSTALLED.get().is_some();
    #[cfg(feature = "full")]
    true
}

/// The text of `core/command-docs.txt`: every command and subcommand's facts and summary,
/// one tab-separated line each, sorted by full name (a test keeps the file equal to it).
#[cfg(feature = "full")]
pub fn command_docs_text() -> String {
    let mut names = all_full_names();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::from(
        "# Generated from core/src/cmd/server_cmds.rs (FACTS) and the command tables' summaries:\n\
         # the browser build fetches it for COMMAND, COMMAND INFO and COMMAND DOCS (issue #6).\n\
         # Regenerate: REPLSCOPE_WRITE_COMMAND_DOCS=1 cargo test -p replscope-core --lib command_docs\n\
         # full name, since, complexity, ACL categories, tips, summary (tab-separated), then\n\
         # help:<CONTAINER> and one line of its HELP text\n",
    );
    for (name, spec) in names {
        let f = facts(&name).copied().unwrap_or(("", "", "", "", ""));
        let _ = writeln!(
            out,
            "{name}\t{}\t{}\t{}\t{}\t{}",
            f.1, f.2, f.3, f.4, spec.summary
        );
    }
    for (container, lines) in HELP_TEXTS {
        for line in *lines {
            let _ = writeln!(out, "help:{container}\t{line}");
        }
    }
    out
}

/// The facts table in use: built in, or installed.
fn facts_table() -> &'static [Fact] {
    #[cfg(feature = "full")]
    return FACTS;
    #[cfg(not(feature = "full"))]
    INSTALLED.get().map_or(&[], |d| &d.facts[..])
}

/// The recorded facts of a command by full name (`config|get`).
fn facts(full: &str) -> Option<&'static Fact> {
    let table = facts_table();
    table
        .binary_search_by(|f| f.0.cmp(full))
        .ok()
        .map(|i| &table[i])
}

/// A command's summary (`COMMAND DOCS`).
fn summary(spec: &'static CommandSpec, _full: &str) -> &'static str {
    #[cfg(feature = "full")]
    return spec.summary;
    #[cfg(not(feature = "full"))]
    {
        let _ = spec;
        INSTALLED.get().map_or("", |d| {
            d.facts
                .binary_search_by(|f| f.0.cmp(_full))
                .map_or("", |i| d.summaries[i])
        })
    }
}

/// ACL categories implied by flags (`setImplicitACLCategories`) plus the group's own, in
/// Redis's category order; used for commands missing from [`FACTS`].
fn derived_categories(spec: &CommandSpec) -> Vec<&'static str> {
    let mut v = Vec::new();
    if spec.group == "generic" {
        v.push("@keyspace");
    }
    if spec.has(READONLY) {
        v.push("@read");
    }
    if spec.has(WRITE) {
        v.push("@write");
    }
    match spec.group {
        "set" => v.push("@set"),
        "sorted_set" | "sortedset" => v.push("@sortedset"),
        "list" => v.push("@list"),
        "hash" => v.push("@hash"),
        "string" => v.push("@string"),
        _ => {}
    }
    if spec.has(ADMIN) {
        v.push("@admin");
    }
    v.push(if spec.has(FAST) { "@fast" } else { "@slow" });
    if spec.has(BLOCKING) {
        v.push("@blocking");
    }
    if spec.has(ADMIN) {
        v.push("@dangerous");
    }
    match spec.group {
        "connection" => v.push("@connection"),
        "transactions" => v.push("@transaction"),
        "scripting" => v.push("@scripting"),
        _ => {}
    }
    v
}

fn full_name(spec: &CommandSpec, parent: Option<&CommandSpec>) -> String {
    match parent {
        Some(p) => format!("{}|{}", p.name, spec.name),
        None => spec.name.to_string(),
    }
}

/// One `COMMAND INFO` entry: name, arity, flags, first key, last key, step, ACL categories,
/// tips, key specs, subcommands.
fn write_command_info(ctx: &mut Ctx<'_>, spec: &'static CommandSpec, parent: Option<&CommandSpec>) {
    let name = full_name(spec, parent);
    ctx.array(10);
    ctx.bulk(name.as_bytes());
    ctx.int(i64::from(spec.arity));
    let fl: Vec<&str> = flags::NAMES
        .iter()
        .filter(|(f, _)| spec.has(*f))
        .map(|(_, n)| *n)
        .collect();
    ctx.array(fl.len());
    for f in fl {
        ctx.simple(f);
    }
    ctx.int(i64::from(spec.first_key));
    ctx.int(i64::from(spec.last_key));
    ctx.int(i64::from(spec.step));
    let (cats, tips): (Vec<&str>, Vec<&str>) = match facts(&name) {
        Some(f) => (
            f.3.split(' ').filter(|s| !s.is_empty()).collect(),
            f.4.split(' ').filter(|s| !s.is_empty()).collect(),
        ),
        None => (derived_categories(spec), Vec::new()),
    };
    ctx.array(cats.len());
    for c in cats {
        ctx.simple(c);
    }
    ctx.array(tips.len());
    for t in tips {
        ctx.bulk(t.as_bytes());
    }
    write_key_specs(ctx, spec);
    ctx.array(spec.subcommands.len());
    for sub in spec.subcommands {
        write_command_info(ctx, sub, Some(spec));
    }
}

/// A key spec derived from the legacy (first, last, step) triple: `begin_search` by index,
/// `find_keys` by range.
fn write_key_specs(ctx: &mut Ctx<'_>, spec: &CommandSpec) {
    if spec.first_key <= 0 {
        ctx.array(0);
        return;
    }
    ctx.array(1);
    ctx.array(6);
    ctx.bulk(b"flags");
    if spec.has(WRITE) {
        ctx.array(1);
        ctx.simple("RW");
    } else {
        ctx.array(1);
        ctx.simple("RO");
    }
    ctx.bulk(b"begin_search");
    ctx.array(4);
    ctx.bulk(b"type");
    ctx.bulk(b"index");
    ctx.bulk(b"spec");
    ctx.array(2);
    ctx.bulk(b"index");
    ctx.int(i64::from(spec.first_key));
    ctx.bulk(b"find_keys");
    ctx.array(4);
    ctx.bulk(b"type");
    ctx.bulk(b"range");
    ctx.bulk(b"spec");
    ctx.array(6);
    ctx.bulk(b"lastkey");
    let last = if spec.last_key < 0 {
        spec.last_key
    } else {
        spec.last_key - spec.first_key
    };
    ctx.int(i64::from(last));
    ctx.bulk(b"keystep");
    ctx.int(i64::from(spec.step));
    ctx.bulk(b"limit");
    ctx.int(0);
}

fn command_all(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let all = CommandTable::global().all();
    ctx.array(all.len());
    for spec in all {
        write_command_info(ctx, spec, None);
    }
    Ok(())
}

fn command_count(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    ctx.int(CommandTable::global().len() as i64);
    Ok(())
}

/// Every command and subcommand full name, parents first.
fn all_full_names() -> Vec<(String, &'static CommandSpec)> {
    let mut v = Vec::new();
    for spec in CommandTable::global().all() {
        v.push((spec.name.to_string(), spec));
        for sub in spec.subcommands {
            v.push((full_name(sub, Some(spec)), sub));
        }
    }
    v
}

fn command_list(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let names = all_full_names();
    let selected: Vec<&String> = if argv.len() == 2 {
        names.iter().map(|(n, _)| n).collect()
    } else if argv.len() == 5 && argv[2].eq_ignore_ascii_case(b"filterby") {
        let what = &argv[3];
        let arg = &argv[4];
        if what.eq_ignore_ascii_case(b"pattern") {
            names
                .iter()
                .filter(|(n, _)| crate::glob::string_match(arg, n.as_bytes(), true))
                .map(|(n, _)| n)
                .collect()
        } else if what.eq_ignore_ascii_case(b"aclcat") {
            let want = format!("@{}", String::from_utf8_lossy(arg).to_ascii_lowercase());
            names
                .iter()
                .filter(|(n, spec)| match facts(n) {
                    Some(f) => f.3.split(' ').any(|c| c == want),
                    None => derived_categories(spec).contains(&want.as_str()),
                })
                .map(|(n, _)| n)
                .collect()
        } else if what.eq_ignore_ascii_case(b"module") {
            Vec::new()
        } else {
            return Err(errors::SYNTAX);
        }
    } else {
        return Err(errors::SYNTAX);
    };
    ctx.array(selected.len());
    for n in selected {
        ctx.bulk(n.as_bytes());
    }
    Ok(())
}

/// Resolve a `COMMAND INFO`/`DOCS` argument: `get`, or `config|get` for a subcommand.
fn lookup_full(name: &[u8]) -> Option<(&'static CommandSpec, Option<&'static CommandSpec>)> {
    let table = CommandTable::global();
    match name.iter().position(|&c| c == b'|') {
        None => table.lookup(name).map(|s| (s, None)),
        Some(p) => {
            let parent = table.lookup(&name[..p])?;
            super::lookup_sub(parent, &name[p + 1..]).map(|s| (s, Some(parent)))
        }
    }
}

fn command_info(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if argv.len() == 2 {
        return command_all(ctx, argv);
    }
    ctx.array(argv.len() - 2);
    for name in &argv[2..] {
        match lookup_full(name) {
            Some((spec, parent)) => write_command_info(ctx, spec, parent),
            None => ctx.null(),
        }
    }
    Ok(())
}

/// One `COMMAND DOCS` value: summary, since, group, complexity, arguments, subcommands.
fn write_command_docs(ctx: &mut Ctx<'_>, spec: &'static CommandSpec, parent: Option<&CommandSpec>) {
    let name = full_name(spec, parent);
    let (since, complexity) = facts(&name).map(|f| (f.1, f.2)).unwrap_or(("", ""));
    let has_subs = !spec.subcommands.is_empty();
    ctx.array(if has_subs { 12 } else { 10 });
    ctx.bulk(b"summary");
    ctx.bulk(summary(spec, &name).as_bytes());
    ctx.bulk(b"since");
    ctx.bulk(since.as_bytes());
    ctx.bulk(b"group");
    ctx.bulk(spec.group.as_bytes());
    ctx.bulk(b"complexity");
    ctx.bulk(complexity.as_bytes());
    ctx.bulk(b"arguments");
    ctx.array(0);
    if has_subs {
        ctx.bulk(b"subcommands");
        ctx.array(spec.subcommands.len() * 2);
        for sub in spec.subcommands {
            ctx.bulk(full_name(sub, Some(spec)).as_bytes());
            write_command_docs(ctx, sub, Some(spec));
        }
    }
}

fn command_docs(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if argv.len() == 2 {
        let all = CommandTable::global().all();
        ctx.array(all.len() * 2);
        for spec in all {
            ctx.bulk(spec.name.as_bytes());
            write_command_docs(ctx, spec, None);
        }
        return Ok(());
    }
    let found: Vec<_> = argv[2..].iter().filter_map(|n| lookup_full(n)).collect();
    ctx.array(found.len() * 2);
    for (spec, parent) in found {
        ctx.bulk(full_name(spec, parent).as_bytes());
        write_command_docs(ctx, spec, parent);
    }
    Ok(())
}

/// `COMMAND HELP`'s lines (after the first; `reply_help` adds the rest).
#[cfg(feature = "full")]
const COMMAND_HELP: &[&str] = &[
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
];

fn command_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    reply_help(ctx, "COMMAND", crate::help_lines!("COMMAND", COMMAND_HELP));
    Ok(())
}

// ----- CONFIG -----

fn config_get(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let patterns: Vec<&[u8]> = argv[2..].iter().map(|a| a.as_ref()).collect();
    let pairs = ctx.st.config.get(&patterns);
    ctx.array(pairs.len() * 2);
    for (name, value) in pairs {
        ctx.bulk(name.as_bytes());
        ctx.bulk(&value);
    }
    Ok(())
}

/// True for a loopback or unix-socket peer (`islocalClient`).
fn is_local_client(addr: &str) -> bool {
    addr.is_empty()
        || addr.starts_with('/')
        || addr.starts_with("127.")
        || addr.starts_with("[::1]")
        || addr.starts_with("::1")
}

fn config_set(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if argv.len() % 2 == 1 {
        return Err(errors::SYNTAX);
    }
    let pairs: Vec<(&[u8], &[u8])> = argv[2..]
        .chunks_exact(2)
        .map(|p| (p[0].as_ref(), p[1].as_ref()))
        .collect();
    let set_ctx = SetContext {
        client_is_local: is_local_client(&ctx.client.peer.addr),
        loading: ctx.st.replica.loading.is_some(),
    };
    ctx.st
        .config
        .set_runtime_ctx(&pairs, set_ctx)
        .map_err(RedisError::from)?;
    ctx.ok();
    Ok(())
}

fn config_resetstat(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    ctx.st.stats = Stats::default();
    ctx.ok();
    Ok(())
}

fn config_rewrite(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    if ctx.st.process.config_file.is_empty() {
        return Err(RedisError::from(
            "ERR The server is running without a config file",
        ));
    }
    ctx.st.log(
        LogLevel::Warning,
        "CONFIG REWRITE failed: not supported by ReplScope",
    );
    Err(RedisError::from(
        "ERR Rewriting config file: CONFIG REWRITE is not supported by ReplScope",
    ))
}

/// `CONFIG HELP`'s lines (after the first; `reply_help` adds the rest).
#[cfg(feature = "full")]
const CONFIG_HELP: &[&str] = &[
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
];

fn config_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    reply_help(ctx, "CONFIG", crate::help_lines!("CONFIG", CONFIG_HELP));
    Ok(())
}

// ----- INFO -----

/// INFO sections in output order, and whether `INFO` / `INFO default` includes them.
const SECTIONS: &[(&str, &str, bool)] = &[
    ("server", "Server", true),
    ("clients", "Clients", true),
    ("memory", "Memory", true),
    ("persistence", "Persistence", true),
    ("stats", "Stats", true),
    ("replication", "Replication", true),
    ("cpu", "CPU", true),
    ("modules", "Modules", true),
    ("commandstats", "Commandstats", false),
    ("errorstats", "Errorstats", true),
    ("latencystats", "Latencystats", false),
    ("cluster", "Cluster", true),
    ("keyspace", "Keyspace", true),
];

/// Memory Redis 7.0.15 reports right after start (`used_memory_startup`); our
/// `used_memory` is this plus a rough per-key estimate.
const USED_MEMORY_STARTUP: u64 = 876_224;

/// `bytesToHuman`.
fn bytes_to_human(n: u64) -> String {
    let d = n as f64;
    if n < 1024 {
        format!("{n}B")
    } else if n < 1024 * 1024 {
        format!("{}K", Fixed(d / 1024.0, 2))
    } else if n < 1024 * 1024 * 1024 {
        format!("{}M", Fixed(d / (1024.0 * 1024.0), 2))
    } else if n < 1024u64.pow(4) {
        format!("{}G", Fixed(d / 1024f64.powi(3), 2))
    } else if n < 1024u64.pow(5) {
        format!("{}T", Fixed(d / 1024f64.powi(4), 2))
    } else {
        format!("{}P", Fixed(d / 1024f64.powi(5), 2))
    }
}

/// The body of INFO for the sections selected by `argv` (`genRedisInfoString`).
pub(crate) fn gen_info(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> String {
    let mut wanted = [false; SECTIONS.len()];
    if argv.len() == 1 {
        for (i, s) in SECTIONS.iter().enumerate() {
            wanted[i] = s.2;
        }
    }
    for a in &argv[1.min(argv.len())..] {
        let a = String::from_utf8_lossy(a).to_ascii_lowercase();
        match a.as_str() {
            "all" | "everything" => wanted = [true; SECTIONS.len()],
            "default" => {
                for (i, s) in SECTIONS.iter().enumerate() {
                    wanted[i] |= s.2;
                }
            }
            name => {
                if let Some(i) = SECTIONS.iter().position(|s| s.0 == name) {
                    wanted[i] = true;
                }
            }
        }
    }
    let mut out = String::new();
    for (i, s) in SECTIONS.iter().enumerate() {
        if !wanted[i] {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        let _ = write!(out, "# {}\r\n", s.1);
        info_section(ctx, s.0, &mut out);
    }
    out
}

fn info_section(ctx: &mut Ctx<'_>, name: &str, o: &mut String) {
    let st = &*ctx.st;
    let now = ctx.now;
    let mut line = |k: &str, v: &dyn std::fmt::Display| {
        let _ = write!(o, "{k}:{v}\r\n");
    };
    match name {
        "server" => {
            let p = &st.process;
            let uptime = (now.as_secs() - st.started_at.as_secs()).max(0);
            // Unset (a simulated server): a 64-bit Redis, as the RDB's `redis-bits` AUX
            // says, on every target (the browser's wasm32 has 32-bit pointers).
            let arch = if p.arch_bits == 0 { 64 } else { p.arch_bits };
            line("redis_version", &crate::REDIS_VERSION);
            line("redis_git_sha1", &"00000000");
            line("redis_git_dirty", &0);
            line("redis_build_id", &"0000000000000000");
            line("redis_mode", &"standalone");
            line("os", &p.os);
            line("arch_bits", &arch);
            line("monotonic_clock", &"POSIX clock_gettime");
            line("multiplexing_api", &"epoll");
            line("atomicvar_api", &"c11-builtin");
            line("gcc_version", &"0.0.0");
            line("process_id", &p.pid);
            line("process_supervised", &"no");
            line("run_id", &st.run_id);
            line("tcp_port", &p.tcp_port);
            line("server_time_usec", &now.as_micros());
            line("uptime_in_seconds", &uptime);
            line("uptime_in_days", &(uptime / 86400));
            line("hz", &st.config.hz);
            line("configured_hz", &st.config.hz);
            line("lru_clock", &(now.as_secs() & ((1 << 24) - 1)));
            line("executable", &p.executable);
            line("config_file", &p.config_file);
            line("io_threads_active", &0);
            line("replscope_version", &crate::VERSION);
        }
        "clients" => {
            // Every linked client but the replicas: our master client counts.
            let connected = 1 + ctx.others.values().filter(|c| !c.flags.replica).count()
                - usize::from(ctx.client.flags.replica)
                + usize::from(ctx.master.is_some() && !ctx.st.replica.kill_master_link);
            line("connected_clients", &connected);
            line("cluster_connections", &0);
            line("maxclients", &st.config.maxclients);
            line("client_recent_max_input_buffer", &0);
            line("client_recent_max_output_buffer", &0);
            line("blocked_clients", &0);
            line("tracking_clients", &0);
            line("clients_in_timeout_table", &0);
        }
        "memory" => {
            let used = USED_MEMORY_STARTUP + 64 * st.keyspace.total_keys() as u64;
            let peak = used.max(st.used_memory_peak);
            let rss = st.process.rss_bytes;
            let dataset = used - USED_MEMORY_STARTUP;
            let pct = |a: f64, b: f64| if b > 0.0 { a * 100.0 / b } else { 0.0 };
            line("used_memory", &used);
            line("used_memory_human", &bytes_to_human(used));
            line("used_memory_rss", &rss);
            line("used_memory_rss_human", &bytes_to_human(rss));
            line("used_memory_peak", &peak);
            line("used_memory_peak_human", &bytes_to_human(peak));
            line(
                "used_memory_peak_perc",
                &format!("{}%", Fixed(pct(used as f64, peak as f64), 2)),
            );
            line("used_memory_overhead", &USED_MEMORY_STARTUP);
            line("used_memory_startup", &USED_MEMORY_STARTUP);
            line("used_memory_dataset", &dataset);
            line(
                "used_memory_dataset_perc",
                &format!(
                    "{}%",
                    Fixed(
                        pct(dataset as f64, (used - USED_MEMORY_STARTUP).max(1) as f64),
                        2
                    )
                ),
            );
            line("allocator_allocated", &used);
            line("allocator_active", &used);
            line("allocator_resident", &rss);
            line("total_system_memory", &0);
            line("total_system_memory_human", &"0B");
            line("used_memory_lua", &32768);
            line("used_memory_vm_eval", &32768);
            line("used_memory_lua_human", &"32.00K");
            line("used_memory_scripts_eval", &0);
            line("number_of_cached_scripts", &0);
            line("number_of_functions", &0);
            line("number_of_libraries", &0);
            line("used_memory_vm_functions", &32768);
            line("used_memory_vm_total", &65536);
            line("used_memory_vm_total_human", &"64.00K");
            line("used_memory_functions", &0);
            line("used_memory_scripts", &0);
            line("used_memory_scripts_human", &"0B");
            line("maxmemory", &st.config.maxmemory);
            line("maxmemory_human", &bytes_to_human(st.config.maxmemory));
            line(
                "maxmemory_policy",
                &String::from_utf8_lossy(
                    &st.config.get_one("maxmemory-policy").unwrap_or_default(),
                ),
            );
            let frag = if used > 0 {
                rss as f64 / used as f64
            } else {
                0.0
            };
            line("allocator_frag_ratio", &"1.00");
            line("allocator_frag_bytes", &0);
            line("allocator_rss_ratio", &"1.00");
            line("allocator_rss_bytes", &0);
            line("rss_overhead_ratio", &"1.00");
            line("rss_overhead_bytes", &0);
            line("mem_fragmentation_ratio", &fixed(frag, 2));
            line("mem_fragmentation_bytes", &(rss as i64 - used as i64));
            line("mem_not_counted_for_evict", &0);
            let rm = crate::repl::master::replication_memory(st);
            line("mem_replication_backlog", &rm.backlog);
            line("mem_total_replication_buffers", &rm.total);
            line("mem_clients_slaves", &rm.replicas);
            line("mem_clients_normal", &0);
            line("mem_cluster_links", &0);
            line("mem_aof_buffer", &0);
            line("mem_allocator", &"libc");
            line("active_defrag_running", &0);
            line("lazyfree_pending_objects", &0);
            line("lazyfreed_objects", &0);
        }
        "persistence" => {
            let p = &st.persist;
            let now_s = ctx.now.as_secs();
            let loading = st.replica.loading.as_ref();
            let async_loading = loading.is_some_and(|l| l.async_loading);
            line("loading", &u8::from(loading.is_some() && !async_loading));
            line("async_loading", &u8::from(async_loading));
            line("current_cow_peak", &0);
            line("current_cow_size", &0);
            line("current_cow_size_age", &0);
            line("current_fork_perc", &"0.00");
            line("current_save_keys_processed", &0);
            line("current_save_keys_total", &p.current_save_keys_total);
            line("rdb_changes_since_last_save", &st.dirty);
            line("rdb_bgsave_in_progress", &u8::from(p.child.is_some()));
            line("rdb_last_save_time", &st.lastsave);
            line(
                "rdb_last_bgsave_status",
                &if p.lastbgsave_ok { "ok" } else { "err" },
            );
            line("rdb_last_bgsave_time_sec", &p.rdb_save_time_last);
            line(
                "rdb_current_bgsave_time_sec",
                &p.child.map_or(-1, |c| now_s - c.started),
            );
            line("rdb_saves", &p.rdb_saves);
            line("rdb_last_cow_size", &0);
            line("rdb_last_load_keys_expired", &p.last_load_keys_expired);
            line(
                "rdb_last_load_keys_loaded",
                &loading.map_or(p.last_load_keys_loaded, |l| l.loaded_keys(now)),
            );
            line("aof_enabled", &u8::from(st.config.appendonly));
            line("aof_rewrite_in_progress", &0);
            line("aof_rewrite_scheduled", &0);
            line("aof_last_rewrite_time_sec", &-1);
            line("aof_current_rewrite_time_sec", &-1);
            line("aof_last_bgrewrite_status", &"ok");
            line("aof_rewrites", &0);
            line("aof_rewrites_consecutive_failures", &0);
            line("aof_last_write_status", &"ok");
            line("aof_last_cow_size", &0);
            line("module_fork_in_progress", &0);
            line("module_fork_last_cow_size", &0);
            if let Some(l) = loading {
                for (k, v) in l.info_fields(now) {
                    line(k, &v);
                }
            }
        }
        "stats" => {
            let s = &st.stats;
            let stale = if s.expire_cycle_sampled > 0 {
                s.expire_cycle_expired as f64 * 100.0 / s.expire_cycle_sampled as f64
            } else {
                0.0
            };
            line("total_connections_received", &s.total_connections_received);
            line("total_commands_processed", &s.total_commands_processed);
            line("instantaneous_ops_per_sec", &0);
            line("total_net_input_bytes", &s.total_net_input_bytes);
            line("total_net_output_bytes", &s.total_net_output_bytes);
            line(
                "total_net_repl_input_bytes",
                &st.replica.stat_net_repl_input_bytes,
            );
            line(
                "total_net_repl_output_bytes",
                &st.master.stat_net_repl_output_bytes,
            );
            line("instantaneous_input_kbps", &"0.00");
            line("instantaneous_output_kbps", &"0.00");
            line("instantaneous_input_repl_kbps", &"0.00");
            line("instantaneous_output_repl_kbps", &"0.00");
            line("rejected_connections", &s.rejected_connections);
            line("sync_full", &st.master.stat_sync_full);
            line("sync_partial_ok", &st.master.stat_sync_partial_ok);
            line("sync_partial_err", &st.master.stat_sync_partial_err);
            line("expired_keys", &s.expired_keys);
            line("expired_stale_perc", &fixed(stale, 2));
            line("expired_time_cap_reached_count", &0);
            line("expire_cycle_cpu_milliseconds", &0);
            line("evicted_keys", &s.evicted_keys);
            line("evicted_clients", &0);
            line("total_eviction_exceeded_time", &0);
            line("current_eviction_exceeded_time", &0);
            line("keyspace_hits", &s.keyspace_hits);
            line("keyspace_misses", &s.keyspace_misses);
            line("pubsub_channels", &0);
            line("pubsub_patterns", &0);
            line("pubsubshard_channels", &0);
            line("latest_fork_usec", &0);
            line("total_forks", &0);
            line("migrate_cached_sockets", &0);
            line("slave_expires_tracked_keys", &0);
            line("active_defrag_hits", &0);
            line("active_defrag_misses", &0);
            line("active_defrag_key_hits", &0);
            line("active_defrag_key_misses", &0);
            line("total_active_defrag_time", &0);
            line("current_active_defrag_time", &0);
            line("tracking_total_keys", &0);
            line("tracking_total_items", &0);
            line("tracking_total_prefixes", &0);
            line("unexpected_error_replies", &s.unexpected_error_replies);
            line("total_error_replies", &s.total_error_replies);
            line("dump_payload_sanitizations", &0);
            line("total_reads_processed", &s.total_reads_processed);
            line("total_writes_processed", &s.total_writes_processed);
            line("io_threaded_reads_processed", &0);
            line("io_threaded_writes_processed", &0);
            line("reply_buffer_shrinks", &0);
            line("reply_buffer_expands", &0);
        }
        "replication" => {
            o.push_str(&crate::repl::replica_side::info_replication_replica(
                st, ctx.now,
            ));
            // The master part (a replica prints it too, after its own lines, minus `role`).
            let body = crate::repl::master::info_replication(ctx);
            let body = if st.is_replica() {
                body.strip_prefix("role:master\r\n").unwrap_or(&body)
            } else {
                &body
            };
            o.push_str(body);
        }
        "cpu" => {
            let p = &st.process;
            let secs = |v: f64| fixed(v.max(0.0), 6);
            line("used_cpu_sys", &secs(p.cpu_sys));
            line("used_cpu_user", &secs(p.cpu_user));
            line("used_cpu_sys_children", &"0.000000");
            line("used_cpu_user_children", &"0.000000");
            line("used_cpu_sys_main_thread", &secs(p.cpu_sys));
            line("used_cpu_user_main_thread", &secs(p.cpu_user));
        }
        "errorstats" => {
            for (code, n) in &st.stats.errors {
                let _ = write!(o, "errorstat_{code}:count={n}\r\n");
            }
        }
        "cluster" => line("cluster_enabled", &0),
        "keyspace" => {
            for (i, db) in st.keyspace.dbs.iter().enumerate() {
                if db.is_empty() {
                    continue;
                }
                let _ = write!(
                    o,
                    "db{i}:keys={},expires={},avg_ttl={}\r\n",
                    db.len(),
                    db.expires_len(),
                    db.avg_ttl
                );
            }
        }
        // modules, commandstats, latencystats: nothing to report.
        _ => {}
    }
}

fn info(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let s = gen_info(ctx, argv);
    ctx.bulk(s.as_bytes());
    Ok(())
}

// ----- TIME, LASTSAVE, SHUTDOWN -----

fn time(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let us = ctx.now.as_micros();
    ctx.array(2);
    ctx.bulk((us / 1_000_000).to_string().as_bytes());
    ctx.bulk((us % 1_000_000).to_string().as_bytes());
    Ok(())
}

fn lastsave(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let t = ctx.st.lastsave;
    ctx.int(t);
    Ok(())
}

fn shutdown(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let (mut nosave, mut save, mut abort, mut other) = (false, false, false, false);
    let mut force = false;
    for a in &argv[1..] {
        if a.eq_ignore_ascii_case(b"nosave") {
            nosave = true;
        } else if a.eq_ignore_ascii_case(b"save") {
            save = true;
        } else if a.eq_ignore_ascii_case(b"now") {
            other = true;
        } else if a.eq_ignore_ascii_case(b"force") {
            other = true;
            force = true;
        } else if a.eq_ignore_ascii_case(b"abort") {
            abort = true;
        } else {
            return Err(errors::SYNTAX);
        }
    }
    if (abort && (nosave || save || other)) || (nosave && save) {
        return Err(errors::SYNTAX);
    }
    if abort {
        return Err(RedisError::from("ERR No shutdown in progress."));
    }
    let save = if save {
        Some(true)
    } else if nosave {
        Some(false)
    } else {
        None
    };
    let now = ctx.now;
    if !crate::persist::prepare_for_shutdown(ctx.st, now, save, force) {
        return Err(RedisError::from(
            "ERR Errors trying to SHUTDOWN. Check logs.",
        ));
    }
    ctx.st.outputs.push_back(Output::Shutdown { save });
    // No reply: the connection just closes, as when the process exits.
    ctx.client.flags.close_after_reply = true;
    Ok(())
}

// ----- SAVE, BGSAVE -----

/// `SAVE`: a foreground save; refused while a background save runs.
fn save(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    if ctx.st.persist.child.is_some() {
        return Err(RedisError::from("ERR Background save already in progress"));
    }
    ctx.st.persist.rdb_saves += 1;
    let now = ctx.now;
    if crate::persist::rdb_save(ctx.st, now) {
        ctx.ok();
        Ok(())
    } else {
        Err(RedisError::from("ERR"))
    }
}

/// `BGSAVE [SCHEDULE]`: start a background save (inside EXEC it is only scheduled).
fn bgsave(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if argv.len() > 1 && !(argv.len() == 2 && argv[1].eq_ignore_ascii_case(b"schedule")) {
        return Err(errors::SYNTAX);
    }
    let in_exec = ctx.st.call_depth > 1;
    if ctx.st.persist.child.is_some() {
        Err(RedisError::from("ERR Background save already in progress"))
    } else if in_exec {
        // Redis schedules when another kind of child runs (with SCHEDULE) or inside EXEC;
        // the only child here is an RDB one, so only EXEC schedules and SCHEDULE is a no-op.
        ctx.st.persist.bgsave_scheduled = true;
        ctx.simple("Background saving scheduled");
        Ok(())
    } else if crate::persist::rdb_save_background(ctx.st, ctx.now) {
        ctx.simple("Background saving started");
        Ok(())
    } else {
        Err(RedisError::from("ERR"))
    }
}

// ----- FUNCTION -----

fn function_flush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if argv.len() > 3 {
        return Err(RedisError::from(
            "ERR unknown subcommand or wrong number of arguments for 'flush'. Try FUNCTION HELP.",
        ));
    }
    if argv.len() == 3
        && !argv[2].eq_ignore_ascii_case(b"sync")
        && !argv[2].eq_ignore_ascii_case(b"async")
    {
        return Err(RedisError::from(
            "ERR FUNCTION FLUSH only supports SYNC|ASYNC option",
        ));
    }
    // No libraries exist; still a write that is propagated, as in Redis.
    ctx.add_dirty(1);
    ctx.ok();
    Ok(())
}

fn function_list(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut i = 2;
    let mut seen_pattern = false;
    while i < argv.len() {
        let a = &argv[i];
        if a.eq_ignore_ascii_case(b"withcode") {
            i += 1;
        } else if a.eq_ignore_ascii_case(b"libraryname") && i + 1 < argv.len() {
            if seen_pattern {
                return Err(RedisError::from(
                    "ERR library name argument was already given",
                ));
            }
            seen_pattern = true;
            i += 2;
        } else {
            return Err(RedisError::err(format!(
                "Unknown argument {}",
                String::from_utf8_lossy(a)
            )));
        }
    }
    ctx.array(0);
    Ok(())
}

fn function_stats(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    ctx.array(4);
    ctx.bulk(b"running_script");
    ctx.null();
    ctx.bulk(b"engines");
    ctx.array(2);
    ctx.bulk(b"LUA");
    ctx.array(4);
    ctx.bulk(b"libraries_count");
    ctx.int(0);
    ctx.bulk(b"functions_count");
    ctx.int(0);
    Ok(())
}

fn function_kill(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    Err(RedisError::from(
        "NOTBUSY No scripts in execution right now.",
    ))
}

fn function_delete(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    Err(RedisError::from("ERR Library not found"))
}

fn function_unsupported(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    Err(RedisError::err(format!(
        "FUNCTION {} is not supported by ReplScope (no scripting engine)",
        ctx.cmd.name.to_ascii_uppercase()
    )))
}

/// `FUNCTION HELP`'s lines (after the first; `reply_help` adds the rest).
#[cfg(feature = "full")]
const FUNCTION_HELP: &[&str] = &[
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
];

fn function_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    reply_help(
        ctx,
        "FUNCTION",
        crate::help_lines!("FUNCTION", FUNCTION_HELP),
    );
    Ok(())
}

/// `(full name, since, complexity, ACL categories, tips)` as Redis 7.0.15's `COMMAND DOCS`
/// and `COMMAND INFO` report them, sorted by name: one entry per command and subcommand
/// ReplScope implements, no more (the facts of commands it does not have would never be
/// looked up; the browser build downloads this table: issue #6). A test keeps the two in step.
#[cfg(feature = "full")]
#[rustfmt::skip]
static FACTS: &[Fact] = &[
    ("append", "2.0.0", "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.", "@write @string @fast", ""),
    ("auth", "1.0.0", "O(N) where N is the number of passwords defined for the user", "@fast @connection", ""),
    ("bgsave", "1.0.0", "O(1)", "@admin @slow @dangerous", ""),
    ("client", "2.4.0", "Depends on subcommand.", "@slow", ""),
    ("client|getname", "2.6.9", "O(1)", "@slow @connection", ""),
    ("client|help", "5.0.0", "O(1)", "@slow @connection", ""),
    ("client|id", "5.0.0", "O(1)", "@slow @connection", ""),
    ("client|info", "6.2.0", "O(1)", "@slow @connection", "nondeterministic_output"),
    ("client|kill", "2.4.0", "O(N) where N is the number of client connections", "@admin @slow @dangerous @connection", ""),
    ("client|list", "2.4.0", "O(N) where N is the number of client connections", "@admin @slow @dangerous @connection", "nondeterministic_output"),
    ("client|setname", "2.6.9", "O(1)", "@slow @connection", ""),
    ("command", "2.8.13", "O(N) where N is the total number of Redis commands", "@slow @connection", "nondeterministic_output_order"),
    ("command|count", "2.8.13", "O(1)", "@slow @connection", ""),
    ("command|docs", "7.0.0", "O(N) where N is the number of commands to look up", "@slow @connection", "nondeterministic_output_order"),
    ("command|help", "5.0.0", "O(1)", "@slow @connection", ""),
    ("command|info", "2.8.13", "O(N) where N is the number of commands to look up", "@slow @connection", "nondeterministic_output_order"),
    ("command|list", "7.0.0", "O(N) where N is the total number of Redis commands", "@slow @connection", "nondeterministic_output_order"),
    ("config", "2.0.0", "Depends on subcommand.", "@slow", ""),
    ("config|get", "2.0.0", "O(N) when N is the number of configuration parameters provided", "@admin @slow @dangerous", ""),
    ("config|help", "5.0.0", "O(1)", "@slow", ""),
    ("config|resetstat", "2.0.0", "O(1)", "@admin @slow @dangerous", ""),
    ("config|rewrite", "2.8.0", "O(1)", "@admin @slow @dangerous", ""),
    ("config|set", "2.0.0", "O(N) when N is the number of configuration parameters provided", "@admin @slow @dangerous", "request_policy:all_nodes response_policy:all_succeeded"),
    ("copy", "6.2.0", "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.", "@keyspace @write @slow", ""),
    ("dbsize", "1.0.0", "O(1)", "@keyspace @read @fast", "request_policy:all_shards response_policy:agg_sum"),
    ("debug", "1.0.0", "Depends on subcommand.", "@admin @slow @dangerous", ""),
    ("decr", "1.0.0", "O(1)", "@write @string @fast", ""),
    ("decrby", "1.0.0", "O(1)", "@write @string @fast", ""),
    ("del", "1.0.0", "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).", "@keyspace @write @slow", "request_policy:multi_shard response_policy:agg_sum"),
    ("discard", "2.0.0", "O(N), when N is the number of queued commands", "@fast @transaction", ""),
    ("echo", "1.0.0", "O(1)", "@fast @connection", ""),
    ("exec", "1.2.0", "Depends on commands in the transaction", "@slow @transaction", ""),
    ("exists", "1.0.0", "O(N) where N is the number of keys to check.", "@keyspace @read @fast", "request_policy:multi_shard response_policy:agg_sum"),
    ("expire", "1.0.0", "O(1)", "@keyspace @write @fast", ""),
    ("expireat", "1.2.0", "O(1)", "@keyspace @write @fast", ""),
    ("expiretime", "7.0.0", "O(1)", "@keyspace @read @fast", ""),
    ("failover", "6.2.0", "O(1)", "@admin @slow @dangerous", ""),
    ("flushall", "1.0.0", "O(N) where N is the total number of keys in all databases", "@keyspace @write @slow @dangerous", "request_policy:all_shards response_policy:all_succeeded"),
    ("flushdb", "1.0.0", "O(N) where N is the number of keys in the selected database", "@keyspace @write @slow @dangerous", "request_policy:all_shards response_policy:all_succeeded"),
    ("function", "7.0.0", "Depends on subcommand.", "@slow", ""),
    ("function|delete", "7.0.0", "O(1)", "@write @slow @scripting", "request_policy:all_shards response_policy:all_succeeded"),
    ("function|dump", "7.0.0", "O(N) where N is the number of functions", "@slow @scripting", ""),
    ("function|flush", "7.0.0", "O(N) where N is the number of functions deleted", "@write @slow @scripting", "request_policy:all_shards response_policy:all_succeeded"),
    ("function|help", "7.0.0", "O(1)", "@slow @scripting", ""),
    ("function|kill", "7.0.0", "O(1)", "@slow @scripting", "request_policy:all_shards response_policy:one_succeeded"),
    ("function|list", "7.0.0", "O(N) where N is the number of functions", "@slow @scripting", "nondeterministic_output_order"),
    ("function|load", "7.0.0", "O(1) (considering compilation time is redundant)", "@write @slow @scripting", "request_policy:all_shards response_policy:all_succeeded"),
    ("function|restore", "7.0.0", "O(N) where N is the number of functions on the payload", "@write @slow @scripting", "request_policy:all_shards response_policy:all_succeeded"),
    ("function|stats", "7.0.0", "O(1)", "@slow @scripting", "nondeterministic_output request_policy:all_shards response_policy:special"),
    ("get", "1.0.0", "O(1)", "@read @string @fast", ""),
    ("getdel", "6.2.0", "O(1)", "@write @string @fast", ""),
    ("getex", "6.2.0", "O(1)", "@write @string @fast", ""),
    ("getrange", "2.4.0", "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", "@read @string @slow", ""),
    ("getset", "1.0.0", "O(1)", "@write @string @fast", ""),
    ("hdel", "2.0.0", "O(N) where N is the number of fields to be removed.", "@write @hash @fast", ""),
    ("hello", "6.0.0", "O(1)", "@fast @connection", ""),
    ("hexists", "2.0.0", "O(1)", "@read @hash @fast", ""),
    ("hget", "2.0.0", "O(1)", "@read @hash @fast", ""),
    ("hgetall", "2.0.0", "O(N) where N is the size of the hash.", "@read @hash @slow", "nondeterministic_output_order"),
    ("hincrby", "2.0.0", "O(1)", "@write @hash @fast", ""),
    ("hincrbyfloat", "2.6.0", "O(1)", "@write @hash @fast", ""),
    ("hkeys", "2.0.0", "O(N) where N is the size of the hash.", "@read @hash @slow", "nondeterministic_output_order"),
    ("hlen", "2.0.0", "O(1)", "@read @hash @fast", ""),
    ("hmget", "2.0.0", "O(N) where N is the number of fields being requested.", "@read @hash @fast", ""),
    ("hmset", "2.0.0", "O(N) where N is the number of fields being set.", "@write @hash @fast", ""),
    ("hset", "2.0.0", "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.", "@write @hash @fast", ""),
    ("hsetnx", "2.0.0", "O(1)", "@write @hash @fast", ""),
    ("hstrlen", "3.2.0", "O(1)", "@read @hash @fast", ""),
    ("hvals", "2.0.0", "O(N) where N is the size of the hash.", "@read @hash @slow", "nondeterministic_output_order"),
    ("incr", "1.0.0", "O(1)", "@write @string @fast", ""),
    ("incrby", "1.0.0", "O(1)", "@write @string @fast", ""),
    ("incrbyfloat", "2.6.0", "O(1)", "@write @string @fast", ""),
    ("info", "1.0.0", "O(1)", "@slow @dangerous", "nondeterministic_output request_policy:all_shards response_policy:special"),
    ("keys", "1.0.0", "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.", "@keyspace @read @slow @dangerous", "request_policy:all_shards nondeterministic_output_order"),
    ("lastsave", "1.0.0", "O(1)", "@admin @fast @dangerous", "nondeterministic_output"),
    ("lindex", "1.0.0", "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).", "@read @list @slow", ""),
    ("linsert", "2.2.0", "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).", "@write @list @slow", ""),
    ("llen", "1.0.0", "O(1)", "@read @list @fast", ""),
    ("lmove", "6.2.0", "O(1)", "@write @list @slow", ""),
    ("lmpop", "7.0.0", "O(N+M) where N is the number of provided keys and M is the number of elements returned.", "@write @list @slow", ""),
    ("lpop", "1.0.0", "O(N) where N is the number of elements returned", "@write @list @fast", ""),
    ("lpos", "6.0.6", "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.", "@read @list @slow", ""),
    ("lpush", "1.0.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", "@write @list @fast", ""),
    ("lpushx", "2.2.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", "@write @list @fast", ""),
    ("lrange", "1.0.0", "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.", "@read @list @slow", ""),
    ("lrem", "1.0.0", "O(N+M) where N is the length of the list and M is the number of elements removed.", "@write @list @slow", ""),
    ("lset", "1.0.0", "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).", "@write @list @slow", ""),
    ("ltrim", "1.0.0", "O(N) where N is the number of elements to be removed by the operation.", "@write @list @slow", ""),
    ("mget", "1.0.0", "O(N) where N is the number of keys to retrieve.", "@read @string @fast", "request_policy:multi_shard"),
    ("move", "1.0.0", "O(1)", "@keyspace @write @fast", ""),
    ("mset", "1.0.1", "O(N) where N is the number of keys to set.", "@write @string @slow", "request_policy:multi_shard response_policy:all_succeeded"),
    ("msetnx", "1.0.1", "O(N) where N is the number of keys to set.", "@write @string @slow", "request_policy:multi_shard response_policy:agg_min"),
    ("multi", "1.2.0", "O(1)", "@fast @transaction", ""),
    ("object", "2.2.3", "Depends on subcommand.", "@slow", ""),
    ("object|encoding", "2.2.3", "O(1)", "@keyspace @read @slow", "nondeterministic_output"),
    ("object|freq", "4.0.0", "O(1)", "@keyspace @read @slow", "nondeterministic_output"),
    ("object|help", "6.2.0", "O(1)", "@keyspace @slow", ""),
    ("object|idletime", "2.2.3", "O(1)", "@keyspace @read @slow", "nondeterministic_output"),
    ("object|refcount", "2.2.3", "O(1)", "@keyspace @read @slow", "nondeterministic_output"),
    ("persist", "2.2.0", "O(1)", "@keyspace @write @fast", ""),
    ("pexpire", "2.6.0", "O(1)", "@keyspace @write @fast", ""),
    ("pexpireat", "2.6.0", "O(1)", "@keyspace @write @fast", ""),
    ("pexpiretime", "7.0.0", "O(1)", "@keyspace @read @fast", ""),
    ("ping", "1.0.0", "O(1)", "@fast @connection", "request_policy:all_shards response_policy:all_succeeded"),
    ("psetex", "2.6.0", "O(1)", "@write @string @slow", ""),
    ("psync", "2.8.0", "", "@admin @slow @dangerous", ""),
    ("pttl", "2.6.0", "O(1)", "@keyspace @read @fast", "nondeterministic_output"),
    ("quit", "1.0.0", "O(1)", "@fast @connection", ""),
    ("randomkey", "1.0.0", "O(1)", "@keyspace @read @slow", "request_policy:all_shards nondeterministic_output"),
    ("rename", "1.0.0", "O(1)", "@keyspace @write @slow", ""),
    ("renamenx", "1.0.0", "O(1)", "@keyspace @write @fast", ""),
    ("replconf", "3.0.0", "O(1)", "@admin @slow @dangerous", ""),
    ("replicaof", "5.0.0", "O(1)", "@admin @slow @dangerous", ""),
    ("reset", "6.2.0", "O(1)", "@fast @connection", ""),
    ("role", "2.8.12", "O(1)", "@admin @fast @dangerous", ""),
    ("rpop", "1.0.0", "O(N) where N is the number of elements returned", "@write @list @fast", ""),
    ("rpoplpush", "1.2.0", "O(1)", "@write @list @slow", ""),
    ("rpush", "1.0.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", "@write @list @fast", ""),
    ("rpushx", "2.2.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", "@write @list @fast", ""),
    ("sadd", "1.0.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", "@write @set @fast", ""),
    ("save", "1.0.0", "O(N) where N is the total number of keys in all databases", "@admin @slow @dangerous", ""),
    ("scan", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.", "@keyspace @read @slow", "nondeterministic_output request_policy:special"),
    ("scard", "1.0.0", "O(1)", "@read @set @fast", ""),
    ("sdiff", "1.0.0", "O(N) where N is the total number of elements in all given sets.", "@read @set @slow", "nondeterministic_output_order"),
    ("sdiffstore", "1.0.0", "O(N) where N is the total number of elements in all given sets.", "@write @set @slow", ""),
    ("select", "1.0.0", "O(1)", "@fast @connection", ""),
    ("set", "1.0.0", "O(1)", "@write @string @slow", ""),
    ("setex", "2.0.0", "O(1)", "@write @string @slow", ""),
    ("setnx", "1.0.0", "O(1)", "@write @string @fast", ""),
    ("setrange", "2.2.0", "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.", "@write @string @slow", ""),
    ("shutdown", "1.0.0", "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", "@admin @slow @dangerous", ""),
    ("sinter", "1.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", "@read @set @slow", "nondeterministic_output_order"),
    ("sintercard", "7.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", "@read @set @slow", ""),
    ("sinterstore", "1.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", "@write @set @slow", ""),
    ("sismember", "1.0.0", "O(1)", "@read @set @fast", ""),
    ("slaveof", "1.0.0", "O(1)", "@admin @slow @dangerous", ""),
    ("smembers", "1.0.0", "O(N) where N is the set cardinality.", "@read @set @slow", "nondeterministic_output_order"),
    ("smismember", "6.2.0", "O(N) where N is the number of elements being checked for membership", "@read @set @fast", ""),
    ("smove", "1.0.0", "O(1)", "@write @set @fast", ""),
    ("spop", "1.0.0", "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", "@write @set @fast", "nondeterministic_output"),
    ("srandmember", "1.0.0", "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.", "@read @set @slow", "nondeterministic_output"),
    ("srem", "1.0.0", "O(N) where N is the number of members to be removed.", "@write @set @fast", ""),
    ("strlen", "2.2.0", "O(1)", "@read @string @fast", ""),
    ("substr", "1.0.0", "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", "@read @string @slow", ""),
    ("sunion", "1.0.0", "O(N) where N is the total number of elements in all given sets.", "@read @set @slow", "nondeterministic_output_order"),
    ("sunionstore", "1.0.0", "O(N) where N is the total number of elements in all given sets.", "@write @set @slow", ""),
    ("swapdb", "4.0.0", "O(N) where N is the count of clients watching or blocking on keys from both databases.", "@keyspace @write @fast @dangerous", ""),
    ("sync", "1.0.0", "", "@admin @slow @dangerous", ""),
    ("time", "2.6.0", "O(1)", "@fast", "nondeterministic_output"),
    ("ttl", "1.0.0", "O(1)", "@keyspace @read @fast", "nondeterministic_output"),
    ("type", "1.0.0", "O(1)", "@keyspace @read @fast", ""),
    ("unlink", "4.0.0", "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.", "@keyspace @write @fast", "request_policy:multi_shard response_policy:agg_sum"),
    ("unwatch", "2.2.0", "O(1)", "@fast @transaction", ""),
    ("wait", "3.0.0", "O(1)", "@slow @connection", "request_policy:all_shards response_policy:agg_min"),
    ("watch", "2.2.0", "O(1) for every key.", "@fast @transaction", ""),
    ("zadd", "1.2.0", "O(log(N)) for each item added, where N is the number of elements in the sorted set.", "@write @sortedset @fast", ""),
    ("zcard", "1.2.0", "O(1)", "@read @sortedset @fast", ""),
    ("zcount", "2.0.0", "O(log(N)) with N being the number of elements in the sorted set.", "@read @sortedset @fast", ""),
    ("zincrby", "1.2.0", "O(log(N)) where N is the number of elements in the sorted set.", "@write @sortedset @fast", ""),
    ("zlexcount", "2.8.9", "O(log(N)) with N being the number of elements in the sorted set.", "@read @sortedset @fast", ""),
    ("zmscore", "6.2.0", "O(N) where N is the number of members being requested.", "@read @sortedset @fast", ""),
    ("zpopmax", "5.0.0", "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", "@write @sortedset @fast", ""),
    ("zpopmin", "5.0.0", "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", "@write @sortedset @fast", ""),
    ("zrange", "1.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", "@read @sortedset @slow", ""),
    ("zrangebylex", "2.8.9", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", "@read @sortedset @slow", ""),
    ("zrangebyscore", "1.0.5", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", "@read @sortedset @slow", ""),
    ("zrank", "2.0.0", "O(log(N))", "@read @sortedset @fast", ""),
    ("zrem", "1.2.0", "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.", "@write @sortedset @fast", ""),
    ("zremrangebylex", "2.8.9", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", "@write @sortedset @slow", ""),
    ("zremrangebyrank", "2.0.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", "@write @sortedset @slow", ""),
    ("zremrangebyscore", "1.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", "@write @sortedset @slow", ""),
    ("zrevrange", "1.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", "@read @sortedset @slow", ""),
    ("zrevrangebylex", "2.8.9", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", "@read @sortedset @slow", ""),
    ("zrevrangebyscore", "2.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", "@read @sortedset @slow", ""),
    ("zrevrank", "2.0.0", "O(log(N))", "@read @sortedset @fast", ""),
    ("zscore", "1.2.0", "O(1)", "@read @sortedset @fast", ""),
];

#[cfg(all(test, feature = "full"))]
mod tests {
    /// [`FACTS`] holds exactly the implemented commands and subcommands, sorted (its
    /// lookup is a binary search).
    #[test]
    fn facts_cover_exactly_the_implemented_commands() {
        let mut names: Vec<String> = super::all_full_names()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        names.sort();
        let facts: Vec<String> = super::FACTS.iter().map(|f| f.0.to_string()).collect();
        assert!(
            facts.windows(2).all(|w| w[0] < w[1]),
            "FACTS is sorted by name"
        );
        assert_eq!(facts, names);
    }

    /// `core/command-docs.txt` (what the browser build fetches) is the built-in facts and
    /// summaries, and reads back to exactly them.
    #[test]
    fn command_docs_file_is_the_built_in_table() {
        let want = super::command_docs_text();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/command-docs.txt");
        if std::env::var_os("REPLSCOPE_WRITE_COMMAND_DOCS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let file = std::fs::read_to_string(path).unwrap();
        assert!(
            file == want,
            "core/command-docs.txt is stale: see its first lines"
        );
        let docs = super::parse_docs(&file).unwrap();
        assert_eq!(docs.facts, super::FACTS);
        for (name, spec) in super::all_full_names() {
            let i = docs.facts.iter().position(|f| f.0 == name).unwrap();
            assert_eq!(docs.summaries[i], spec.summary, "{name}");
            assert!(!spec.summary.is_empty(), "{name}");
        }
        assert_eq!(docs.helps.len(), super::HELP_TEXTS.len());
        for ((c, lines), (c2, want)) in docs.helps.iter().zip(super::HELP_TEXTS) {
            assert_eq!((c, &lines[..]), (c2, *want));
        }
        assert!(super::install_command_docs(&file).is_ok());
        assert!(super::command_docs_installed());
        assert_eq!(
            super::parse_docs("get\t1.0.0").unwrap_err(),
            "line 1: expected 6 tab-separated fields"
        );
        assert_eq!(
            super::parse_docs("set\ta\tb\tc\td\te\nget\ta\tb\tc\td\te").unwrap_err(),
            "line 2: get is out of order"
        );
    }
}
