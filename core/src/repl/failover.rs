//! Coordinated failover (Redis 7.0's `failoverCommand`, `updateFailoverStatus`,
//! `abortFailover`, `clearFailoverState` in replication.c; spec §2.9).
//!
//! `FAILOVER [TO host port [FORCE]] [TIMEOUT ms] | FAILOVER ABORT` on a master:
//!
//! 1. the command checks its arguments and the server (exact 7.0.15 errors), then the state
//!    becomes `waiting-for-sync` and **writes are paused**: a client's write (or
//!    `may_replicate`) command is postponed, unanswered, with everything it sent after it,
//!    until the failover ends (Redis's `pauseClients(PAUSE_DURING_FAILOVER, ..,
//!    CLIENT_PAUSE_WRITE)` and `blockPostponeClient`); replicas are never paused;
//! 2. before each sleep ([`update_failover_status`]) the target (or, without `TO`, the first
//!    replica in `server.slaves` order) whose acknowledged offset equals
//!    `master_repl_offset` is chosen: the state becomes `failover-in-progress` and the master
//!    turns into a replica of it (`replicationSetMaster`, with a cached master synthesized
//!    from itself), its handshake ending with `PSYNC <replid> <offset+1> FAILOVER`;
//!    with `TIMEOUT` the wait ends at the deadline: with `FORCE` it fails over anyway, else it
//!    aborts (`Replica never caught up before timeout`);
//! 3. the target ([`promote_on_psync_failover`]), whose replid is the one asked for, promotes
//!    itself (`replicationUnsetMaster`: new replid, the old one as replid2) and answers the
//!    PSYNC like any master (`+CONTINUE <new id>` through replid2);
//! 4. any `+FULLRESYNC`/`+CONTINUE` ends the failover (`no-failover`, writes resume — as a
//!    replica they now get `-READONLY`); another reply aborts it and the node becomes a
//!    master again (`Failover target rejected psync request`).
//!
//! While paused, active expiry does not run, and with a `TIMEOUT` the master's cron `ping`
//! is skipped too (7.0's `checkClientPauseTimeoutAndReturnIfPaused`), so the offset the
//! replica must acknowledge does not move.
//!
//! Not modelled: cluster mode; keys found expired on access while paused are deleted and
//! their `DEL` propagated (7.0 only reports them missing until the pause ends).

use crate::vecmap::VecMap;

use bytes::Bytes;

use crate::client::{Client, ClientId};
use crate::cmd::flags::*;
use crate::cmd::{errors, CmdResult, CommandSpec, Ctx, RedisError};
use crate::command;
use crate::repl::master::replica_ip;
use crate::repl::FailoverState;
use crate::server::{LogLevel, State};
use crate::time::Time;
use crate::util::parse_i64;

/// The failover this node runs (`server.failover_state`, `target_replica_host/port`,
/// `failover_end_time`, `force_failover`) and the clients postponed by its write pause.
#[derive(Clone, Debug, Default)]
pub struct Failover {
    /// `failover_state`.
    pub state: FailoverState,
    /// `target_replica_host` / `target_replica_port` (chosen at sync time without `TO`).
    pub target: Option<(String, i64)>,
    /// `failover_end_time` (`TIMEOUT`), `None` without a deadline.
    pub end_time: Option<Time>,
    /// `force_failover`.
    pub force: bool,
    /// Clients whose current command waits for the end of the pause, in postponing order.
    pub postponed: Vec<ClientId>,
    /// Set by the server when it postponed the command it was processing.
    pub postpone_current: bool,
}

impl Failover {
    /// Writes are paused (`PAUSE_DURING_FAILOVER`): a failover is running.
    pub fn pauses_writes(&self) -> bool {
        self.state != FailoverState::None
    }

    /// The master's cron `ping` is skipped: a failover with a deadline pauses the clients
    /// (`manual_failover_in_progress` in `replicationCron`).
    pub fn pauses_pings(&self) -> bool {
        self.pauses_writes() && self.end_time.is_some()
    }

    /// When [`update_failover_status`] must run at the latest (the `TIMEOUT`).
    pub fn deadline(&self) -> Option<Time> {
        (self.state == FailoverState::WaitingForSync)
            .then_some(self.end_time)
            .flatten()
    }
}

/// The FAILOVER command.
#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    command!("failover", -1, ADMIN | NOSCRIPT | STALE, 0, 0, 0, "server", "Start a coordinated failover between this server and one of its replicas.", failover),
];

/// `findReplica`: the replica known as `host:port` (`REPLCONF ip-address` or its peer
/// address, case-insensitively, and its `listening-port`).
fn find_replica<'a>(
    st: &State,
    clients: &'a VecMap<ClientId, Box<Client>>,
    host: &str,
    port: i64,
) -> Option<&'a Client> {
    st.master.slaves.iter().find_map(|id| {
        let c = clients.get(id)?;
        (replica_ip(c).eq_ignore_ascii_case(host) && i64::from(c.repl.listening_port) == port)
            .then_some(&**c)
    })
}

/// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms] (`failoverCommand`).
fn failover(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if argv.len() == 2 && argv[1].eq_ignore_ascii_case(b"abort") {
        if ctx.st.replica.failover.state == FailoverState::None {
            return Err(RedisError::from("ERR No failover in progress."));
        }
        abort_failover(ctx.st, "Failover manually aborted");
        ctx.ok();
        return Ok(());
    }
    let mut timeout_ms: i64 = 0;
    let mut force = false;
    let mut target: Option<(String, i64)> = None;
    let mut j = 1;
    while j < argv.len() {
        let a = &argv[j];
        if a.eq_ignore_ascii_case(b"timeout") && j + 1 < argv.len() && timeout_ms == 0 {
            timeout_ms = parse_i64(&argv[j + 1]).ok_or(errors::NOT_INTEGER)?;
            if timeout_ms <= 0 {
                return Err(RedisError::from(
                    "ERR FAILOVER timeout must be greater than 0",
                ));
            }
            j += 2;
        } else if a.eq_ignore_ascii_case(b"to") && j + 2 < argv.len() && target.is_none() {
            let port = parse_i64(&argv[j + 2]).ok_or(errors::NOT_INTEGER)?;
            target = Some((String::from_utf8_lossy(&argv[j + 1]).into_owned(), port));
            j += 3;
        } else if a.eq_ignore_ascii_case(b"force") && !force {
            force = true;
            j += 1;
        } else {
            return Err(errors::SYNTAX);
        }
    }
    if ctx.st.replica.failover.state != FailoverState::None {
        return Err(RedisError::from("ERR FAILOVER already in progress."));
    }
    if ctx.st.is_replica() {
        return Err(RedisError::from(
            "ERR FAILOVER is not valid when server is a replica.",
        ));
    }
    if ctx.st.master.slaves.is_empty() {
        return Err(RedisError::from(
            "ERR FAILOVER requires connected replicas.",
        ));
    }
    if force && (timeout_ms == 0 || target.is_none()) {
        return Err(RedisError::from(
            "ERR FAILOVER with force option requires both a timeout and target HOST and IP.",
        ));
    }
    if let Some((host, port)) = &target {
        let Some(r) = find_replica(ctx.st, ctx.others, host, *port) else {
            return Err(RedisError::from(
                "ERR FAILOVER target HOST and PORT is not a replica.",
            ));
        };
        if r.repl.state != Some(crate::repl::SlaveState::Online) {
            return Err(RedisError::from(
                "ERR FAILOVER target replica is not online.",
            ));
        }
        ctx.st.log(
            LogLevel::Notice,
            format!("FAILOVER requested to {host}:{port}."),
        );
    } else {
        ctx.st
            .log(LogLevel::Notice, "FAILOVER requested to any replica.");
    }
    let now = ctx.now;
    let f = &mut ctx.st.replica.failover;
    f.end_time = (timeout_ms > 0).then(|| now.add_millis(timeout_ms as u64));
    f.force = force;
    f.target = target;
    f.state = FailoverState::WaitingForSync;
    ctx.ok();
    Ok(())
}

/// `clearFailoverState`: back to `no-failover`; the caller resumes the postponed clients.
pub fn clear_failover_state(st: &mut State) {
    let f = &mut st.replica.failover;
    f.end_time = None;
    f.force = false;
    f.target = None;
    f.state = FailoverState::None;
}

/// `abortFailover`: log why, become a master again if the failover was in progress, clear
/// the state. Replicas to disconnect are queued on `st.kill_queue`.
pub fn abort_failover(st: &mut State, why: &str) {
    let f = &st.replica.failover;
    if f.state == FailoverState::None {
        return;
    }
    let line = match &f.target {
        Some((h, p)) => format!("FAILOVER to {h}:{p} aborted: {why}"),
        None => format!("FAILOVER to any replica aborted: {why}"),
    };
    let in_progress = f.state == FailoverState::InProgress;
    st.log(LogLevel::Notice, line);
    if in_progress {
        let dropped = crate::repl::replica_side::unset_master(st);
        st.kill_queue.extend(dropped);
        st.replica.cached_master_db = None;
        st.replica.drop_master_client = true;
    }
    clear_failover_state(st);
}

/// `updateFailoverStatus` (before each sleep): time out the wait, or start the failover to
/// the target once it acknowledged our whole stream.
pub fn update_failover_status(st: &mut State, clients: &VecMap<ClientId, Box<Client>>, now: Time) {
    if st.replica.failover.state != FailoverState::WaitingForSync {
        return;
    }
    if st.replica.failover.end_time.is_some_and(|t| t <= now) {
        if st.replica.failover.force {
            if let Some((h, p)) = st.replica.failover.target.clone() {
                st.log(
                    LogLevel::Notice,
                    format!("FAILOVER to {h}:{p} time out exceeded, failing over."),
                );
                start_failover(st, h, p, now);
            }
        } else {
            abort_failover(st, "Replica never caught up before timeout");
        }
        return;
    }
    let offset = st.master.backlog.master_repl_offset();
    let synced = match st.replica.failover.target.clone() {
        Some((h, p)) => find_replica(st, clients, &h, p).is_some_and(|r| r.repl.ack_off == offset),
        None => {
            let found = st.master.slaves.iter().find_map(|id| {
                let c = clients.get(id)?;
                (c.repl.ack_off == offset)
                    .then(|| (replica_ip(c), i64::from(c.repl.listening_port)))
            });
            match found {
                Some(t) => {
                    st.replica.failover.target = Some(t);
                    true
                }
                None => false,
            }
        }
    };
    if !synced {
        return;
    }
    if let Some((h, p)) = st.replica.failover.target.clone() {
        st.log(
            LogLevel::Notice,
            format!("Failover target {h}:{p} is synced, failing over."),
        );
        start_failover(st, h, p, now);
    }
}

/// `failover_state = FAILOVER_IN_PROGRESS` and `replicationSetMaster(target)`; the
/// handshake ends with `PSYNC ... FAILOVER`.
fn start_failover(st: &mut State, host: String, port: i64, now: Time) {
    st.replica.failover.state = FailoverState::InProgress;
    // An out-of-range port cannot be connected to; Redis would try (and fail) the same.
    let port = u16::try_from(port).unwrap_or(0);
    crate::repl::replica_side::set_master(st, host, port, now);
    if let Some(link) = st.replica.link.as_mut() {
        link.set_psync_failover(true);
    }
}

/// The old master's PSYNC got a reply while the failover is in progress: `+FULLRESYNC` or
/// `+CONTINUE` (`accepted`) ends it; anything else aborts it. Returns whether the state
/// changed (the caller then resumes the postponed clients).
pub fn on_psync_reply(st: &mut State, accepted: bool) -> bool {
    if st.replica.failover.state != FailoverState::InProgress {
        return false;
    }
    if accepted {
        clear_failover_state(st);
    } else {
        abort_failover(st, "Failover target rejected psync request");
    }
    true
}

/// `PSYNC <id> <offset> FAILOVER` sent to a master (checked by `syncCommand` before the
/// replid): `-ERR PSYNC FAILOVER can't be sent to a master.` (checked live). `None` otherwise, or
/// when the client is already a replica (the command is then ignored).
pub fn psync_failover_to_master(ctx: &Ctx<'_>, argv: &[Bytes]) -> Option<RedisError> {
    let is_failover = argv.len() > 3
        && argv[0].eq_ignore_ascii_case(b"psync")
        && argv[3].eq_ignore_ascii_case(b"failover");
    (is_failover && !ctx.client.flags.replica && !ctx.st.is_replica())
        .then(|| RedisError::from("ERR PSYNC FAILOVER can't be sent to a master."))
}

/// The target's side of `PSYNC <our replid> <offset> FAILOVER` (in `syncCommand`): log it,
/// promote ourselves (`replicationUnsetMaster`), and log `MASTER MODE enabled (failover
/// request from '<client>')`. The PSYNC is then decided with the new ids.
pub fn promote_on_psync_failover(ctx: &mut Ctx<'_>, argv: &[Bytes]) {
    let id = String::from_utf8_lossy(argv.get(1).map_or(&b""[..], |a| &a[..])).into_owned();
    ctx.st.log(
        LogLevel::Warning,
        format!("Failover request received for replid {id}."),
    );
    let dropped = crate::repl::replica_side::unset_master(ctx.st);
    ctx.st.kill_queue.extend(dropped);
    ctx.st.replica.cached_master_db = None;
    ctx.st.replica.drop_master_client = true;
    let info = crate::cmd::connection::client_info_line(ctx.client, ctx.now, argv);
    ctx.st.log(
        LogLevel::Notice,
        format!("MASTER MODE enabled (failover request from '{info}')"),
    );
}
