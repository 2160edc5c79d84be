//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis's multi.c).
//!
//! Queueing itself happens in the dispatcher ([`crate::server`]); this module runs the queue
//! and keeps the WATCH bookkeeping.

use bytes::Bytes;

use super::flags::*;
use super::{CmdResult, CommandSpec, Ctx, RedisError};
use crate::client::ClientId;
use crate::command;
use crate::keyspace::Sds;
use crate::server::{call, resolve_command, State};

pub(crate) static COMMANDS: &[CommandSpec] = &[
    command!(
        "multi",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        0,
        0,
        0,
        "transactions",
        "Starts a transaction",
        multi
    ),
    command!(
        "exec",
        1,
        NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG,
        0,
        0,
        0,
        "transactions",
        "Executes all commands in a transaction",
        exec
    ),
    command!(
        "discard",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        0,
        0,
        0,
        "transactions",
        "Discards a transaction",
        discard
    ),
    command!(
        "watch",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        1,
        -1,
        1,
        "transactions",
        "Monitors changes to keys to determine the execution of a transaction",
        watch
    ),
    command!(
        "unwatch",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        0,
        0,
        0,
        "transactions",
        "Forgets about watched keys of a transaction",
        unwatch
    ),
];

fn multi(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    if ctx.client.flags.multi {
        return Err(RedisError::from("ERR MULTI calls can not be nested"));
    }
    ctx.client.flags.multi = true;
    ctx.ok();
    Ok(())
}

fn discard_transaction(ctx: &mut Ctx<'_>) {
    ctx.client.mstate.clear();
    ctx.client.flags.multi = false;
    ctx.client.flags.dirty_cas = false;
    ctx.client.flags.dirty_exec = false;
    unwatch_all(ctx);
}

fn unwatch_all(ctx: &mut Ctx<'_>) {
    let watched = std::mem::take(&mut ctx.client.watched);
    unwatch_keys(ctx.st, ctx.client.id, &watched);
    ctx.st.dirty_cas.retain(|&id| id != ctx.client.id);
}

/// Remove client `id`'s entries for `keys` from the server's WATCH table.
pub(crate) fn unwatch_keys(st: &mut State, id: ClientId, keys: &[(usize, Sds)]) {
    for k in keys {
        if let Some(list) = st.watched_keys.get_mut(k) {
            list.retain(|(c, _)| *c != id);
            if list.is_empty() {
                st.watched_keys.swap_remove(k);
            }
        }
    }
}

fn exec(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    if !ctx.client.flags.multi {
        return Err(RedisError::from("ERR EXEC without MULTI"));
    }
    // A watched key that expired since WATCH makes the transaction fail (7.0).
    let now = ctx.now_ms();
    let id = ctx.client.id;
    let expired_watched = ctx.client.watched.iter().any(|(db, key)| {
        let was_expired = ctx
            .st
            .watched_keys
            .get(&(*db, key.clone()))
            .and_then(|l| l.iter().find(|(c, _)| *c == id).map(|(_, e)| *e))
            .unwrap_or(false);
        !was_expired && ctx.st.keyspace.dbs[*db].is_expired(key, now)
    });
    if expired_watched {
        ctx.client.flags.dirty_cas = true;
    }
    if ctx.client.flags.dirty_exec {
        discard_transaction(ctx);
        return Err(super::errors::EXECABORT);
    }
    if ctx.client.flags.dirty_cas {
        discard_transaction(ctx);
        ctx.null_array();
        return Ok(());
    }
    let queued = std::mem::take(&mut ctx.client.mstate);
    unwatch_all(ctx);
    ctx.client.flags.multi = false;
    ctx.array(queued.len());
    let table = super::CommandTable::global();
    for argv in &queued {
        match resolve_command(table, argv) {
            Ok(spec) => call(ctx, spec, argv),
            Err(e) => ctx.error(&e),
        }
    }
    ctx.client.flags.dirty_cas = false;
    ctx.client.flags.dirty_exec = false;
    Ok(())
}

fn discard(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    if !ctx.client.flags.multi {
        return Err(RedisError::from("ERR DISCARD without MULTI"));
    }
    discard_transaction(ctx);
    ctx.ok();
    Ok(())
}

fn watch(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if ctx.client.flags.multi {
        return Err(RedisError::from("ERR WATCH inside MULTI is not allowed"));
    }
    // 7.0: WATCH after the transaction was already flagged dirty is pointless; keep it simple
    // and just watch.
    let db = ctx.client.db;
    let now = ctx.now_ms();
    for key in &argv[1..] {
        let k = (db, Sds::from_slice(key));
        if ctx.client.watched.contains(&k) {
            continue;
        }
        let expired = ctx.st.keyspace.dbs[db].is_expired(key, now);
        ctx.st
            .watched_keys
            .entry(k.clone())
            .or_default()
            .push((ctx.client.id, expired));
        ctx.client.watched.push(k);
    }
    ctx.ok();
    Ok(())
}

fn unwatch(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    unwatch_all(ctx);
    ctx.client.flags.dirty_cas = false;
    ctx.ok();
    Ok(())
}
