//! The master side of replication wired into the server (Redis's replication.c
//! `replconfCommand`, `syncCommand`, `roleCommand`, `waitCommand`, `replicationFeedSlaves`,
//! `replicationCron`; spec §2, §3, §5).
//!
//! A client becomes a replica of this server with `SYNC` or `PSYNC`. The decision (partial or
//! full) comes from [`crate::repl::psync`]; the ids and the backlog live in [`MasterRepl`].
//! A full resync is served at once from an in-core snapshot of the keyspace, with the
//! disk-target framing `$<len>\r\n<rdb>` (no trailing CRLF): the `+FULLRESYNC` offset is
//! `master_repl_offset` at the snapshot and the replica is fed the stream from the next byte.
//! There is no diskless (`$EOF:`) transfer, no `repl-diskless-sync-delay` and no background
//! save for replicas here.
//!
//! The replication stream itself is produced by [`crate::propagate::Propagator`]; once a
//! backlog exists, [`feed_replicas`] moves what it produced into the backlog (piece by piece,
//! as Redis feeds it) and to every ONLINE replica. This module never performs I/O or reads a
//! clock: time comes in as [`Time`], bytes for replicas leave as
//! [`crate::server::Output::Transmit`].

use std::collections::BTreeMap;

use bytes::Bytes;

use crate::client::{Client, ClientId};
use crate::cmd::flags::*;
use crate::cmd::{errors, CmdResult, CommandSpec, Ctx, RedisError};
use crate::command;
use crate::repl::backlog::ReplBacklog;
use crate::repl::ids::{ReplId, ReplIds};
use crate::repl::psync::{
    fullresync_reply, replica_name, sync_command_gate, sync_decision, MasterReplView, SyncDecision,
    SyncGate, SyncStep,
};
use crate::repl::{
    info_replication_master, role_reply_master, FailoverState, MasterInfo, ReplicaEntry, SlaveState,
};
use crate::server::{LogLevel, Output, State};
use crate::time::Time;
use crate::util::parse_i64;

/// `NET_HOST_STR_LEN`: `REPLCONF ip-address` must be shorter.
const NET_HOST_STR_LEN: usize = 256;

/// The master's replication state (`server.replid*`, `server.master_repl_offset`,
/// `server.repl_backlog`, `server.slaves`, the replication cron counters and stats).
#[derive(Clone, Debug)]
pub struct MasterRepl {
    /// `replid`, `replid2`, `second_repl_offset`.
    pub ids: ReplIds,
    /// `master_repl_offset` and the backlog.
    pub backlog: ReplBacklog,
    /// `server.slaves`: replica clients, in the order they issued SYNC/PSYNC.
    pub slaves: Vec<ClientId>,
    /// `replication_cron_loops`.
    pub cron_loops: u64,
    /// When the replication cron (once per second) last ran (one second before start at
    /// first, so the first server cron tick runs it).
    pub last_cron: Time,
    /// The latest time the server was told (Redis's `server.unixtime`), for bookkeeping done
    /// outside a timed call (a replica's connection being freed).
    pub now: Time,
    /// `server.get_ack_from_slaves`: send `REPLCONF GETACK *` before the next sleep.
    pub get_ack_from_slaves: bool,
    /// `server.clients_waiting_acks`: clients blocked in `WAIT`.
    pub clients_waiting_acks: Vec<ClientId>,
    /// `sync_full`.
    pub stat_sync_full: u64,
    /// `sync_partial_ok`.
    pub stat_sync_partial_ok: u64,
    /// `sync_partial_err`.
    pub stat_sync_partial_err: u64,
    /// `total_net_repl_output_bytes`.
    pub stat_net_repl_output_bytes: u64,
}

impl MasterRepl {
    /// A freshly started master: `replid` as given, no second id, no backlog, offset 0.
    pub fn new(replid: ReplId, repl_backlog_size: u64, now: Time) -> Self {
        MasterRepl {
            ids: ReplIds {
                replid,
                replid2: ReplId::ZERO,
                second_repl_offset: -1,
            },
            backlog: ReplBacklog::new(repl_backlog_size, now),
            slaves: Vec::new(),
            cron_loops: 0,
            // Redis runs replicationCron on the very first serverCron tick (loop 0), then
            // every second.
            last_cron: Time::from_micros(now.as_micros().saturating_sub(1_000_000)),
            now,
            get_ack_from_slaves: false,
            clients_waiting_acks: Vec::new(),
            stat_sync_full: 0,
            stat_sync_partial_ok: 0,
            stat_sync_partial_err: 0,
            stat_net_repl_output_bytes: 0,
        }
    }
}

/// A blocked `WAIT` (Redis's `c->bpop` for `BLOCKED_WAIT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitState {
    /// Replicas wanted.
    pub numreplicas: i64,
    /// The offset they must have acknowledged (the client's `woff`).
    pub offset: i64,
    /// When to give up (`None`: timeout 0, never).
    pub deadline: Option<Time>,
}

/// What a connection told us about itself as a (possible) replica, and its replica state
/// (Redis's client fields `slave_listening_port`, `slave_addr`, `slave_capa`, `slave_req`,
/// `replstate`, `repl_ack_off`, `repl_ack_time`, `psync_initial_offset`, `woff`).
#[derive(Clone, Debug, Default)]
pub struct ReplClientState {
    /// `REPLCONF listening-port` (an `int` in Redis: larger values wrap).
    pub listening_port: i32,
    /// `REPLCONF ip-address`.
    pub announced_ip: Option<String>,
    /// `REPLCONF capa eof`.
    pub capa_eof: bool,
    /// `REPLCONF capa psync2`.
    pub capa_psync2: bool,
    /// `REPLCONF rdb-only 1`: wants the RDB and no stream (`CLIENT_REPL_RDBONLY`).
    pub rdb_only: bool,
    /// `REPLCONF rdb-filter-only` without data (`SLAVE_REQ_RDB_EXCLUDE_DATA`).
    pub exclude_data: bool,
    /// `SLAVE_REQ_RDB_EXCLUDE_FUNCTIONS`.
    pub exclude_functions: bool,
    /// The replica state once the client issued SYNC/PSYNC (`None`: not a replica).
    pub state: Option<SlaveState>,
    /// Legacy `SYNC` (`CLIENT_PRE_PSYNC`): no ACKs expected.
    pub pre_psync: bool,
    /// `repl_ack_off`: the highest offset it acknowledged.
    pub ack_off: i64,
    /// `repl_ack_time`, Unix seconds.
    pub ack_time_secs: i64,
    /// `psync_initial_offset`: the offset its full resync started at.
    pub psync_initial_offset: i64,
    /// `woff`: `master_repl_offset` right after this client's last propagated command.
    pub woff: i64,
    /// A blocked `WAIT`.
    pub wait: Option<WaitState>,
}

/// The replication commands.
#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    command!("replconf", -1, ADMIN | NOSCRIPT | LOADING | STALE | ALLOW_BUSY, 0, 0, 0, "server", "An internal command for configuring the replication stream", replconf),
    command!("psync", -3, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, 0, 0, 0, "server", "Internal command used for replication", sync),
    command!("sync", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, 0, 0, 0, "server", "Internal command used for replication", sync),
    command!("role", 1, NOSCRIPT | LOADING | STALE | FAST, 0, 0, 0, "server", "Return the role of the instance in the context of replication", role),
    command!("wait", 3, NOSCRIPT, 0, 0, 0, "generic", "Wait for the synchronous replication of all the write commands sent in the context of the current connection", wait),
];

/// The ip a replica is known by: `REPLCONF ip-address`, else the peer's address without
/// the port.
pub fn replica_ip(c: &Client) -> String {
    if let Some(ip) = &c.repl.announced_ip {
        return ip.clone();
    }
    match c.peer.addr.parse::<std::net::SocketAddr>() {
        Ok(sa) => sa.ip().to_string(),
        Err(_) => match c.peer.addr.rsplit_once(':') {
            Some((ip, _)) => ip.trim_matches(|ch| ch == '[' || ch == ']').to_string(),
            None => c.peer.addr.clone(),
        },
    }
}

/// `replicationGetSlaveName` for `c`.
pub fn slave_name(c: &Client) -> String {
    replica_name(&replica_ip(c), c.repl.listening_port)
}

// ----- REPLCONF -----

/// Split an `rdb-filter-only` value like `sdssplitargs`: words separated by spaces, `"..."`
/// quoting; `None` on unbalanced quotes.
fn split_args(s: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        while i < s.len() && s[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= s.len() {
            break;
        }
        let mut word = Vec::new();
        let mut quote: Option<u8> = None;
        while i < s.len() {
            let ch = s[i];
            match quote {
                Some(q) if ch == q => {
                    quote = None;
                    i += 1;
                    if i < s.len() && !s[i].is_ascii_whitespace() {
                        return None;
                    }
                    break;
                }
                Some(_) => word.push(ch),
                None if ch == b'"' || ch == b'\'' => quote = Some(ch),
                None if ch.is_ascii_whitespace() => break,
                None => word.push(ch),
            }
            i += 1;
        }
        if quote.is_some() {
            return None;
        }
        out.push(word);
    }
    Some(out)
}

/// REPLCONF <option> <value> [<option> <value> ...] (`replconfCommand`). `ACK` and `GETACK`
/// never reply.
fn replconf(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if argv.len().is_multiple_of(2) {
        return Err(errors::SYNTAX);
    }
    let mut j = 1;
    while j + 1 < argv.len() {
        let opt = &argv[j];
        let val = &argv[j + 1];
        if opt.eq_ignore_ascii_case(b"listening-port") {
            let port = parse_i64(val).ok_or(errors::NOT_INTEGER)?;
            // `c->slave_listening_port = port`: a long stored in an int.
            ctx.client.repl.listening_port = port as i32;
        } else if opt.eq_ignore_ascii_case(b"ip-address") {
            if val.len() >= NET_HOST_STR_LEN {
                return Err(RedisError::err(format!(
                    "REPLCONF ip-address provided by replica instance is too long: {} bytes",
                    val.len()
                )));
            }
            ctx.client.repl.announced_ip = Some(String::from_utf8_lossy(val).into_owned());
        } else if opt.eq_ignore_ascii_case(b"capa") {
            if val.eq_ignore_ascii_case(b"eof") {
                ctx.client.repl.capa_eof = true;
            } else if val.eq_ignore_ascii_case(b"psync2") {
                ctx.client.repl.capa_psync2 = true;
            }
        } else if opt.eq_ignore_ascii_case(b"ack") {
            if !ctx.client.flags.replica {
                return Ok(());
            }
            let Some(offset) = parse_i64(val) else {
                return Ok(());
            };
            // 7.0.15 knows no `FACK` (7.2's WAITAOF): whatever follows is ignored.
            if offset > ctx.client.repl.ack_off {
                ctx.client.repl.ack_off = offset;
            }
            ctx.client.repl.ack_time_secs = ctx.now.as_secs();
            return Ok(());
        } else if opt.eq_ignore_ascii_case(b"getack") {
            // Only a replica with a connected master answers (replica side, not here).
            return Ok(());
        } else if opt.eq_ignore_ascii_case(b"rdb-only") {
            match parse_i64(val) {
                Some(v @ 0..=1) => ctx.client.repl.rdb_only = v == 1,
                Some(_) => {
                    return Err(RedisError::from(
                        "ERR value is out of range, value must between 0 and 1",
                    ))
                }
                None => return Err(errors::NOT_INTEGER),
            }
        } else if opt.eq_ignore_ascii_case(b"rdb-filter-only") {
            let Some(filters) = split_args(val) else {
                return Err(RedisError::from("ERR Missing rdb-filter-only values"));
            };
            ctx.client.repl.exclude_data = true;
            ctx.client.repl.exclude_functions = true;
            for f in filters {
                if f.eq_ignore_ascii_case(b"functions") {
                    ctx.client.repl.exclude_functions = false;
                } else {
                    let mut msg = b"ERR Unsupported rdb-filter-only option: ".to_vec();
                    msg.extend_from_slice(&f);
                    return Err(RedisError::from_bytes(msg));
                }
            }
        } else {
            let mut msg = b"ERR Unrecognized REPLCONF option: ".to_vec();
            let end = opt.iter().position(|&b| b == 0).unwrap_or(opt.len());
            msg.extend_from_slice(&opt[..end]);
            return Err(RedisError::from_bytes(msg));
        }
        j += 2;
    }
    ctx.ok();
    Ok(())
}

// ----- SYNC / PSYNC -----

/// SYNC and PSYNC <replid> <offset> (`syncCommand`).
fn sync(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let name = slave_name(ctx.client);
    let gate = SyncGate {
        client_is_replica: ctx.client.flags.replica,
        failover_in_progress: ctx.st.replica.failover.state != FailoverState::None,
        replica_link_down: ctx.st.is_replica()
            && ctx
                .st
                .replica
                .link
                .as_ref()
                .is_none_or(|l| l.state() != crate::repl::replica::ReplState::Connected),
        has_pending_output: !ctx.client.out.is_empty(),
        rdb_filter_without_eof: (ctx.client.repl.exclude_data || ctx.client.repl.exclude_functions)
            && !ctx.client.repl.capa_eof,
    };
    if let Some(e) = crate::repl::failover::psync_failover_to_master(ctx, argv) {
        return Err(e);
    }
    let replid = ctx.st.master.ids.replid;
    let request = match sync_command_gate(argv, &gate, &replid, &name) {
        SyncStep::Ignore => return Ok(()),
        SyncStep::Reject { reply, log } => {
            if let Some(line) = log {
                ctx.st.log(
                    LogLevel::Notice,
                    format!("Replica {name} asks for synchronization"),
                );
                ctx.st.log(LogLevel::Warning, line);
            }
            let text = reply.strip_prefix(b"-").unwrap_or(&reply);
            let text = text.strip_suffix(b"\r\n").unwrap_or(text);
            return Err(RedisError::from_bytes(text.to_vec()));
        }
        SyncStep::Proceed {
            request,
            failover_promote,
        } => {
            if failover_promote {
                crate::repl::failover::promote_on_psync_failover(ctx, argv);
            }
            request
        }
    };
    ctx.st.log(
        LogLevel::Notice,
        format!("Replica {name} asks for synchronization"),
    );
    let m = &ctx.st.master;
    let view = MasterReplView {
        ids: &m.ids,
        window: m.backlog.window(),
        master_repl_offset: m.backlog.master_repl_offset(),
    };
    let decision = sync_decision(request, ctx.client.repl.capa_psync2, &view, &name);
    let (full, ok, err) = decision.stats_delta();
    ctx.st.master.stat_sync_full += full;
    ctx.st.master.stat_sync_partial_ok += ok;
    ctx.st.master.stat_sync_partial_err += err;
    match decision {
        SyncDecision::Partial {
            offset, reply, log, ..
        } => {
            let now = ctx.now;
            let c = &mut *ctx.client;
            c.flags.replica = true;
            c.repl.state = Some(SlaveState::Online);
            c.repl.ack_time_secs = now.as_secs();
            ctx.st.master.slaves.push(c.id);
            c.out.extend_from_slice(&reply);
            if let Some(range) = ctx.st.master.backlog.range_from(offset) {
                for chunk in range.chunks() {
                    c.out.extend_from_slice(chunk);
                }
                ctx.st.master.stat_net_repl_output_bytes += range.len() as u64;
            }
            ctx.st.log(LogLevel::Notice, log);
            Ok(())
        }
        SyncDecision::Full { pre_psync, log, .. } => {
            for line in log {
                ctx.st.log(LogLevel::Notice, line);
            }
            full_resync(ctx, pre_psync, &name);
            Ok(())
        }
    }
}

/// The full resynchronization of `ctx.client`: becomes a replica, creates the backlog for a
/// first replica, then (at once) `+FULLRESYNC`, the RDB with disk framing, ONLINE.
fn full_resync(ctx: &mut Ctx<'_>, pre_psync: bool, name: &str) {
    let now = ctx.now;
    {
        let c = &mut *ctx.client;
        c.repl.pre_psync = pre_psync;
        c.repl.state = Some(SlaveState::WaitBgsaveStart);
        c.flags.replica = true;
    }
    let st = &mut *ctx.st;
    st.master.slaves.push(ctx.client.id);
    if st.master.slaves.len() == 1 && !st.master.backlog.is_active() {
        let m = &mut st.master;
        m.backlog
            .create_for_first_replica(1, &mut m.ids, &mut st.rng);
        // Whatever was captured before the backlog existed is not part of the stream.
        st.repl.drain();
        st.repl.capture = true;
        let line = format!(
            "Replication backlog created, my new replication IDs are '{}' and '{}'",
            st.master.ids.replid, st.master.ids.replid2
        );
        st.log(LogLevel::Notice, line);
    }
    st.log(
        LogLevel::Notice,
        "Starting BGSAVE for SYNC with target: disk",
    );
    // rdbPopulateSaveInfo happens before the replicas are set up (slaveseldb still valid).
    let exclude_data = ctx.client.repl.exclude_data;
    let rdb = if exclude_data {
        let empty = crate::keyspace::Keyspace::new(st.keyspace.dbs.len());
        let aux = crate::persist::save_aux_fields(st, now);
        crate::rdb::encode::encode(
            &empty,
            &aux,
            &[],
            &crate::persist::encode_options(&st.config),
        )
    } else {
        crate::persist::encode_dataset(st, now)
    };
    // replicationSetupSlaveForFullResync.
    let offset = st.master.backlog.master_repl_offset();
    let c = &mut *ctx.client;
    c.repl.psync_initial_offset = offset;
    c.repl.state = Some(SlaveState::WaitBgsaveEnd);
    st.repl.seldb = None;
    if !pre_psync {
        c.out
            .extend_from_slice(&fullresync_reply(&st.master.ids.replid, offset));
    }
    // The snapshot is complete: send it (SEND_BULK) and put the replica online.
    c.repl.state = Some(SlaveState::SendBulk);
    let preamble = format!("${}\r\n", rdb.len());
    c.out.extend_from_slice(preamble.as_bytes());
    c.out.extend_from_slice(&rdb);
    st.master.stat_net_repl_output_bytes += (preamble.len() + rdb.len()) as u64;
    if c.repl.rdb_only {
        c.repl.state = Some(SlaveState::RdbTransmitted);
        c.flags.close_after_reply = true;
        st.log(
            LogLevel::Notice,
            format!(
                "RDB transfer completed, rdb only replica ({name}) should be disconnected asap"
            ),
        );
        return;
    }
    c.repl.state = Some(SlaveState::Online);
    c.repl.ack_time_secs = now.as_secs();
    st.log(
        LogLevel::Notice,
        format!("Synchronization with replica {name} succeeded"),
    );
}

// ----- ROLE, WAIT -----

/// The INFO/ROLE view of every replica, in `server.slaves` order. `current` is the client
/// running the command (absent from `others`).
pub fn replica_entries(
    st: &State,
    current: &Client,
    others: &BTreeMap<ClientId, Box<Client>>,
) -> Vec<ReplicaEntry> {
    st.master
        .slaves
        .iter()
        .filter_map(|id| {
            let c: &Client = if *id == current.id {
                current
            } else {
                others.get(id)?
            };
            Some(ReplicaEntry {
                ip: replica_ip(c),
                port: c.repl.listening_port,
                state: c.repl.state?,
                ack_offset: c.repl.ack_off,
                ack_time_secs: c.repl.ack_time_secs,
            })
        })
        .collect()
}

/// The `# Replication` section body for a master (spec §5), from the command's context.
pub fn info_replication(ctx: &Ctx<'_>) -> String {
    let entries = replica_entries(ctx.st, ctx.client, ctx.others);
    let c = &ctx.st.config;
    let now_secs = ctx.now.as_secs();
    let good = (c.min_replicas_to_write > 0 && c.min_replicas_max_lag > 0)
        .then(|| good_replicas(&entries, now_secs, c.min_replicas_max_lag));
    info_replication_master(&MasterInfo {
        replicas: &entries,
        min_slaves_good_slaves: good,
        failover: ctx.st.replica.failover.state,
        ids: &ctx.st.master.ids,
        backlog: &ctx.st.master.backlog,
        now_secs,
    })
}

/// `refreshGoodSlavesCount`: ONLINE replicas whose last ACK is at most `max_lag` seconds old.
pub fn good_replicas(entries: &[ReplicaEntry], now_secs: i64, max_lag: u64) -> usize {
    entries
        .iter()
        .filter(|r| {
            r.state == SlaveState::Online
                && u64::try_from(now_secs - r.ack_time_secs).unwrap_or(0) <= max_lag
        })
        .count()
}

/// Replication memory as INFO memory shows it (`getMemoryOverheadData`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplMemory {
    /// `mem_replication_backlog`.
    pub backlog: u64,
    /// `mem_total_replication_buffers` (`server.repl_buffer_mem`).
    pub total: u64,
    /// `mem_clients_slaves`.
    pub replicas: u64,
}

/// The replication buffer's memory split between the backlog and the replicas, as 7.0.15:
/// the part above `repl-backlog-size` is charged to the replicas when there are any. The
/// backlog also counts its block index (a rax): 4 bytes while it indexes no block (fewer
/// than 64 blocks); larger indexes are not modelled.
pub fn replication_memory(st: &State) -> ReplMemory {
    let b = &st.master.backlog;
    if !b.is_active() {
        return ReplMemory::default();
    }
    let total = b.repl_buffer_mem() as u64;
    let size = b.size();
    let (backlog, replicas) = if !st.master.slaves.is_empty() && total > size {
        (size, total - size)
    } else {
        (total, 0)
    };
    ReplMemory {
        backlog: backlog + 4,
        total,
        replicas,
    }
}

/// `checkGoodReplicasStatus`: false when `min-replicas-to-write` and `min-replicas-max-lag`
/// are both set on a master and fewer ONLINE replicas than required ACKed within the lag.
pub fn check_good_replicas_status(
    st: &State,
    clients: &BTreeMap<ClientId, Box<Client>>,
    now: Time,
) -> bool {
    let c = &st.config;
    if st.is_replica() || c.min_replicas_to_write == 0 || c.min_replicas_max_lag == 0 {
        return true;
    }
    let now_secs = now.as_secs();
    let good = st
        .master
        .slaves
        .iter()
        .filter_map(|id| clients.get(id))
        .filter(|r| {
            r.repl.state == Some(SlaveState::Online)
                && u64::try_from(now_secs - r.repl.ack_time_secs).unwrap_or(0)
                    <= c.min_replicas_max_lag
        })
        .count();
    good as u64 >= c.min_replicas_to_write
}

/// ROLE (`roleCommand`).
fn role(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    if let Some(reply) = crate::repl::replica_side::role_reply_replica(ctx.st) {
        ctx.out().extend_from_slice(&reply);
        return Ok(());
    }
    let entries = replica_entries(ctx.st, ctx.client, ctx.others);
    let reply = role_reply_master(ctx.st.master.backlog.master_repl_offset(), &entries);
    ctx.out().extend_from_slice(&reply);
    Ok(())
}

/// `replicationCountAcksByOffset`: ONLINE replicas that acknowledged `offset`.
pub fn count_acks_by_offset(
    st: &State,
    current: Option<&Client>,
    others: &BTreeMap<ClientId, Box<Client>>,
    offset: i64,
) -> i64 {
    st.master
        .slaves
        .iter()
        .filter_map(|id| match current {
            Some(c) if c.id == *id => Some(c),
            _ => others.get(id).map(|b| &**b),
        })
        .filter(|c| c.repl.state == Some(SlaveState::Online) && c.repl.ack_off >= offset)
        .count() as i64
}

/// WAIT numreplicas timeout (`waitCommand`): answers at once when enough replicas acked the
/// client's last write (or inside MULTI/EXEC); otherwise blocks the client and asks every
/// replica for an ACK before the next sleep.
fn wait(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if ctx.st.is_replica() {
        return Err(RedisError::from(
            "ERR WAIT cannot be used with replica instances. Please also note that since Redis \
             4.0 if a replica is configured to be writable (which is not the default) writes to \
             replicas are just local and are not propagated.",
        ));
    }
    let numreplicas = parse_i64(&argv[1]).ok_or(errors::NOT_INTEGER)?;
    let timeout = parse_i64(&argv[2])
        .ok_or_else(|| RedisError::from("ERR timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(RedisError::from("ERR timeout is negative"));
    }
    let offset = ctx.client.repl.woff;
    let acked = count_acks_by_offset(ctx.st, Some(ctx.client), ctx.others, offset);
    if acked >= numreplicas || ctx.client.flags.multi || ctx.st.call_depth > 1 {
        ctx.int(acked);
        return Ok(());
    }
    let deadline = (timeout > 0).then(|| ctx.now.add_micros((timeout as u64).saturating_mul(1000)));
    ctx.client.repl.wait = Some(WaitState {
        numreplicas,
        offset,
        deadline,
    });
    ctx.st.master.clients_waiting_acks.push(ctx.client.id);
    ctx.st.master.get_ack_from_slaves = true;
    Ok(())
}

// ----- the stream -----

/// Move what the propagator produced into the backlog and to every ONLINE replica
/// (`replicationFeedSlaves` + `feedReplicationBuffer`). Without a backlog nothing is taken
/// (the bytes stay for [`crate::server::Server::take_repl_stream`]). `current` is the client
/// being served, absent from `clients`.
pub fn feed_replicas(
    st: &mut State,
    clients: &mut BTreeMap<ClientId, Box<Client>>,
    mut current: Option<&mut Client>,
) {
    sync_backlog_size(st);
    if !st.master.backlog.is_active() || st.repl.is_empty() {
        return;
    }
    let (bytes, pieces) = st.repl.drain_pieces();
    let mut pos = 0;
    for p in pieces {
        let end = (pos + p).min(bytes.len());
        st.master.backlog.feed(&bytes[pos..end]);
        pos = end;
    }
    if pos < bytes.len() {
        st.master.backlog.feed(&bytes[pos..]);
    }
    for id in &st.master.slaves {
        let c: &mut Client = match current.as_deref_mut() {
            Some(c) if c.id == *id => c,
            _ => match clients.get_mut(id) {
                Some(c) => c,
                None => continue,
            },
        };
        if c.repl.state != Some(SlaveState::Online) || c.repl.rdb_only {
            continue;
        }
        st.master.stat_net_repl_output_bytes += bytes.len() as u64;
        if current.as_ref().is_some_and(|cur| cur.id == *id) {
            if let Some(cur) = current.as_deref_mut() {
                cur.out.extend_from_slice(&bytes);
            }
        } else {
            st.outputs.push_back(Output::Transmit {
                client: *id,
                bytes: bytes.clone(),
            });
        }
    }
}

/// A replica sent a command that produced a reply: 7.0.15 logs it and drops the replica
/// (`logInvalidUseAndFreeClientAsync` in `_addReplyToBufferOrList`).
pub fn rogue_replica(st: &mut State, now: Time, c: &mut Client, argv: &[Bytes]) {
    let name =
        match crate::server::resolve_command_and_parent(crate::cmd::CommandTable::global(), argv) {
            Ok(_) => c.last_cmd_full(),
            Err(_) => "<unknown>".to_string(),
        };
    let info = crate::cmd::connection::client_info_line(c, now, argv);
    st.log(
        LogLevel::Warning,
        format!("Replica generated a reply to command '{name}', disconnecting it: {info}"),
    );
    c.flags.close_asap = true;
}

/// Startup of a master from a dump (`loadDataFromDisk`, spec §3.4): when the dump carries
/// valid replication info (`repl-id` of 40 bytes, `repl-offset` and `repl-stream-db` not
/// -1) the backlog is created, the saved id becomes `replid2` valid up to `repl-offset + 1`
/// and `master_repl_offset` continues from `repl-offset`, so replicas of our previous life
/// can partially resync. Returns whether it applied.
pub fn restore_from_rdb(st: &mut State, now: Time) -> bool {
    if st.is_replica() {
        return false;
    }
    let p = &st.persist;
    let (Some(id), Some(offset), Some(db)) =
        (&p.rdb_repl_id, p.rdb_repl_offset, p.rdb_repl_stream_db)
    else {
        return false;
    };
    let Some(id) = ReplId::from_bytes(id.as_bytes()) else {
        return false;
    };
    if offset == -1 || db == -1 {
        return false;
    }
    let m = &mut st.master;
    m.backlog.create();
    m.ids.restore_master_from_rdb(id, offset);
    m.backlog.set_master_repl_offset(offset);
    m.backlog.set_no_replicas_since(now);
    st.repl.drain();
    st.repl.capture = true;
    st.repl.seldb = None;
    true
}

/// Keep the backlog's size in line with `repl-backlog-size` (`CONFIG SET` resizes it, with
/// the 16 KiB minimum).
fn sync_backlog_size(st: &mut State) {
    let want = st
        .config
        .repl_backlog_size
        .max(crate::repl::backlog::CONFIG_REPL_BACKLOG_MIN_SIZE);
    if st.master.backlog.size() != want {
        st.master.backlog.resize(want);
    }
}

/// A connection is being freed: forget its blocked `WAIT`, and forget it as a replica
/// (`freeClient` for `CLIENT_SLAVE`).
pub fn replica_gone(st: &mut State, c: &Client) {
    if c.repl.wait.is_some() {
        st.master.clients_waiting_acks.retain(|id| *id != c.id);
    }
    if !c.flags.replica {
        return;
    }
    let Some(pos) = st.master.slaves.iter().position(|id| *id == c.id) else {
        return;
    };
    st.master.slaves.remove(pos);
    if c.repl.state != Some(SlaveState::RdbTransmitted) {
        let line = format!("Connection with replica {} lost.", slave_name(c));
        st.log(LogLevel::Notice, line);
    }
    if st.master.slaves.is_empty() {
        let now = st.master.now;
        st.master.backlog.set_no_replicas_since(now);
    }
}

/// `replicationCron` (once per second) for a master: PING the replicas every
/// `repl-ping-replica-period` loops, drop replicas whose ACKs stopped for longer than
/// `repl-timeout`, free the backlog after `repl-backlog-ttl` without replicas. Returns the
/// replicas to disconnect.
pub fn replication_cron(
    st: &mut State,
    clients: &BTreeMap<ClientId, Box<Client>>,
    now: Time,
) -> Vec<ClientId> {
    if now.micros_since(st.master.last_cron) < 1_000_000 {
        return Vec::new();
    }
    st.master.last_cron = now;
    let period = st.config.repl_ping_replica_period.max(1);
    if st.master.cron_loops.is_multiple_of(period)
        && !st.master.slaves.is_empty()
        && st.repl.capture
        && !st.is_replica()
        && !st.replica.failover.pauses_pings()
    {
        st.repl.raw_command(&[b"ping".as_slice()]);
    }
    let mut drop = Vec::new();
    let timeout = i64::try_from(st.config.repl_timeout).unwrap_or(i64::MAX);
    for id in &st.master.slaves {
        let Some(c) = clients.get(id) else { continue };
        if c.repl.state == Some(SlaveState::Online)
            && !c.repl.pre_psync
            && now.as_secs() - c.repl.ack_time_secs > timeout
        {
            drop.push(*id);
        }
    }
    for id in &drop {
        if let Some(c) = clients.get(id) {
            let line = format!(
                "Disconnecting timedout replica (streaming sync): {}",
                slave_name(c)
            );
            st.log(LogLevel::Warning, line);
        }
    }
    let m = &mut st.master;
    let ttl = st.config.repl_backlog_ttl;
    let idle = now.as_secs() - m.backlog.repl_no_slaves_since();
    if m.backlog.cron_free_if_idle(
        now,
        ttl,
        m.slaves.len(),
        st.config.replicaof.is_none(),
        &mut m.ids,
        &mut st.rng,
    ) {
        st.repl.capture = false;
        st.repl.drain();
        st.log(
            LogLevel::Notice,
            format!("Replication backlog freed after {idle} seconds without connected replicas."),
        );
    }
    st.master.cron_loops += 1;
    drop
}
