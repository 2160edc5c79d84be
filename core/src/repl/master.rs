//! The master side of replication wired into the server (Redis's replication.c
//! `replconfCommand`, `syncCommand`, `startBgsaveForReplication`, `updateSlavesWaitingBgsave`,
//! `roleCommand`, `waitCommand`, `replicationFeedSlaves`, `replicationCron`; spec §2, §3, §5).
//!
//! A client becomes a replica of this server with `SYNC` or `PSYNC`. The decision (partial or
//! full) comes from [`crate::repl::psync`]; the ids and the backlog live in [`MasterRepl`].
//!
//! A full resync goes through a BGSAVE for replication that takes time, as in 7.0: the
//! replica waits in WAIT_BGSAVE_START (newline keepalives every second) until a child is
//! started for it, then in WAIT_BGSAVE_END (`+FULLRESYNC <replid> <offset>` sent at the
//! fork) while the master keeps serving and accumulates the stream for it.
//!
//! * Target sockets (`repl-diskless-sync yes`, the default, or a filtered RDB, and every
//!   replica served announced `capa eof`): the child is started by the cron once a replica
//!   idled `repl-diskless-sync-delay` seconds or `repl-diskless-sync-max-replicas` wait; it
//!   produces `$EOF:<40 random hex>\r\n<rdb><mark>`; when it ends the replica is ONLINE
//!   but its accumulated stream waits for its first `REPLCONF ACK`.
//! * Target disk: a normal BGSAVE writes the dump; when it ends the replica gets
//!   `$<len>\r\n` and the file (SEND_BULK), then the accumulated stream, and is ONLINE.
//!   A replica arriving during a disk BGSAVE attaches to it when another replica is
//!   accumulating since its fork (same offset, a copy of its buffer); otherwise, and during
//!   a socket transfer, it waits for the next BGSAVE.
//!
//! The child runs in the driver (see [`crate::persist::Storage`]: the server forks, the
//! simulator and tests produce it in memory) and the core only looks for its end after the
//! simulated duration of [`crate::persist::child_ready_at`]. A replica whose accumulated
//! stream plus what the driver reports as unwritten ([`report_unsent`]) passes
//! `client-output-buffer-limit replica` is dropped and will full-resync.
//!
//! Simplifications: the transfer's bytes are handed to the driver when the child ends (Redis
//! streams them while the child writes); a replica's output-buffer use is counted in bytes,
//! not in the 16 KiB blocks of 7.0's shared replication buffer (so an idle replica never
//! counts against a tiny limit, unlike 7.0); the socket-transfer timeout
//! (`repl_last_partial_write`) is not modelled.
//!
//! The replication stream itself is produced by [`crate::propagate::Propagator`]; once a
//! backlog exists, [`feed_replicas`] moves what it produced into the backlog (piece by piece,
//! as Redis feeds it) and to every ONLINE replica. This module never performs I/O or reads a
//! clock: time comes in as [`Time`], bytes for replicas leave as
//! [`crate::server::Output::Transmit`].

use crate::vecmap::VecMap;

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
    /// `rdb_pipe_conns`: the replicas a running diskless transfer is for, still connected.
    pub rdb_pipe_conns: Vec<ClientId>,
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
            rdb_pipe_conns: Vec::new(),
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
    /// The stream accumulated for it and not yet handed to the driver: since the fork of the
    /// BGSAVE serving it (WAIT_BGSAVE_END, SEND_BULK), and after a diskless transfer until
    /// its first ACK (Redis keeps these as references into the replication buffer).
    pub pending: Vec<Bytes>,
    /// Bytes in [`ReplClientState::pending`].
    pub pending_len: u64,
    /// `repl_start_cmd_stream_on_ack`: ONLINE after a diskless transfer, the stream starts
    /// with its first `REPLCONF ACK`.
    pub start_stream_on_ack: bool,
    /// Bytes transmitted to it that the driver reported as not yet written to the socket.
    pub obuf_unsent: u64,
    /// `obuf_soft_limit_reached_time` (Unix seconds; `None`: under the soft limit).
    pub obuf_soft_since: Option<i64>,
    /// Dropped by the cron for its output buffer: the log line that follows the one about
    /// the lost connection (Redis's synchronous `closeClientOnOutputBufferLimitReached`).
    pub obuf_close_line: Option<String>,
    /// Stream bytes handed to the driver since its RDB (the unwritten part of the driver's
    /// queue counts against the output buffer limit only up to this: the RDB does not).
    pub stream_sent: u64,
}

/// What RDB a replica asked for (`slave_req`: `SLAVE_REQ_RDB_EXCLUDE_DATA`,
/// `SLAVE_REQ_RDB_EXCLUDE_FUNCTIONS`); replicas share a BGSAVE only with equal requirements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlaveReq {
    /// No keys in the RDB.
    pub exclude_data: bool,
    /// No functions in the RDB.
    pub exclude_functions: bool,
}

impl ReplClientState {
    /// Its `slave_req`.
    pub fn req(&self) -> SlaveReq {
        SlaveReq {
            exclude_data: self.exclude_data,
            exclude_functions: self.exclude_functions,
        }
    }
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
    // The peer's address as the driver prints a `SocketAddr` (`ip:port`, `[ip6]:port`).
    match c.peer.addr.rsplit_once(':') {
        Some((ip, _)) => ip.trim_matches(|ch| ch == '[' || ch == ']').to_string(),
        None => c.peer.addr.clone(),
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
            // After a diskless transfer the first ACK starts the stream.
            if ctx.client.repl.start_stream_on_ack
                && ctx.client.repl.state == Some(SlaveState::Online)
            {
                start_command_stream(ctx.st, ctx.client, true);
            }
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
                c.repl.stream_sent = range.len() as u64;
                ctx.st.master.stat_net_repl_output_bytes += range.len() as u64;
            }
            ctx.st.log(LogLevel::Notice, log);
            Ok(())
        }
        SyncDecision::Full { pre_psync, log, .. } => {
            for line in log {
                ctx.st.log(LogLevel::Notice, line);
            }
            full_resync(ctx, pre_psync);
            Ok(())
        }
    }
}

/// The full resynchronization of `ctx.client` (the end of `syncCommand`): it becomes a
/// replica in WAIT_BGSAVE_START, the backlog is created for a first replica, then it
/// attaches to a running disk BGSAVE when another replica is already accumulating the
/// stream since its fork, waits for the next BGSAVE, waits for the diskless delay, or a
/// BGSAVE for replication starts at once.
fn full_resync(ctx: &mut Ctx<'_>, pre_psync: bool) {
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
    let child = st.persist.child;
    match child {
        Some(child) if !child.to_replicas => {
            // CASE 1: a disk BGSAVE is running. Attach when a replica is registering the
            // differences since its fork and we need nothing it does not have.
            let me = &ctx.client.repl;
            let donor = st
                .master
                .slaves
                .iter()
                .filter(|id| **id != ctx.client.id)
                .filter_map(|id| ctx.others.get(id))
                .find(|s| {
                    s.repl.state == Some(SlaveState::WaitBgsaveEnd)
                        && (!s.repl.rdb_only || me.rdb_only)
                });
            let compatible = donor.filter(|s| {
                (!s.repl.capa_eof || me.capa_eof)
                    && (!s.repl.capa_psync2 || me.capa_psync2)
                    && s.repl.req() == me.req()
            });
            if let Some(donor) = compatible {
                let (pending, len, offset) = (
                    donor.repl.pending.clone(),
                    donor.repl.pending_len,
                    donor.repl.psync_initial_offset,
                );
                let c = &mut *ctx.client;
                if !c.repl.rdb_only {
                    c.repl.pending = pending;
                    c.repl.pending_len = len;
                }
                setup_for_full_resync(st, c, true, offset);
                st.log(LogLevel::Notice, "Waiting for end of BGSAVE for SYNC");
            } else {
                st.log(
                    LogLevel::Notice,
                    "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC",
                );
            }
        }
        Some(_) => st.log(
            LogLevel::Notice,
            "Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC",
        ),
        None => {
            if st.config.repl_diskless_sync
                && ctx.client.repl.capa_eof
                && st.config.repl_diskless_sync_delay > 0
            {
                // The child is started by the cron, after the delay.
                st.log(LogLevel::Notice, "Delay next BGSAVE for diskless SYNC");
            } else {
                let req = ctx.client.repl.req();
                let eof = ctx.client.repl.capa_eof;
                let mut reps = Replicas {
                    current: Some(&mut *ctx.client),
                    clients: &mut *ctx.others,
                };
                start_bgsave_for_replication(st, &mut reps, ctx.now, eof, req);
            }
        }
    }
}

/// The replicas of this master while a command or the cron runs: the client being served
/// (not in the map while it runs) and all the others.
pub(crate) struct Replicas<'a> {
    /// The client running the current command, if any.
    pub current: Option<&'a mut Client>,
    /// Every other client.
    pub clients: &'a mut VecMap<ClientId, Box<Client>>,
}

impl Replicas<'_> {
    /// The client `id`, and whether it is the one running the current command.
    fn get(&mut self, id: ClientId) -> Option<(&mut Client, bool)> {
        match self.current.as_deref_mut() {
            Some(c) if c.id == id => Some((c, true)),
            _ => self.clients.get_mut(&id).map(|c| (&mut **c, false)),
        }
    }
}

/// Queue `bytes` for client `c` as a transmit request (after what its reply buffer holds
/// when it runs the current command), counting them as replication output.
fn send_to(st: &mut State, c: &mut Client, is_current: bool, bytes: Bytes) {
    st.master.stat_net_repl_output_bytes += bytes.len() as u64;
    // Never through the reply buffer of a running command: a replica's command that
    // leaves a reply there is a rogue one. What is already there goes first.
    if is_current && !c.out.is_empty() {
        st.outputs.push_back(Output::Transmit {
            client: c.id,
            bytes: c.out.split().freeze(),
        });
    }
    st.outputs.push_back(Output::Transmit {
        client: c.id,
        bytes,
    });
}

/// [`send_to`] for replication stream bytes (counted for the output buffer limit).
fn send_stream(st: &mut State, c: &mut Client, is_current: bool, bytes: Bytes) {
    c.repl.stream_sent = c.repl.stream_sent.saturating_add(bytes.len() as u64);
    send_to(st, c, is_current, bytes);
}

/// Close replica `c` once what was queued for it is written (`freeClientAsync`).
fn close_async(st: &mut State, c: &mut Client, is_current: bool) {
    if is_current {
        c.flags.close_after_reply = true;
    } else {
        st.kill_queue.push(c.id);
    }
}

/// `replicationSetupSlaveForFullResync`: the replica waits for the BGSAVE's end from
/// `offset`, the next propagated command re-emits SELECT, and it is told `+FULLRESYNC`
/// (not a legacy `SYNC` client).
fn setup_for_full_resync(st: &mut State, c: &mut Client, is_current: bool, offset: i64) {
    c.repl.psync_initial_offset = offset;
    c.repl.state = Some(SlaveState::WaitBgsaveEnd);
    st.repl.seldb = None;
    if !c.repl.pre_psync {
        let reply = fullresync_reply(&st.master.ids.replid, offset);
        if is_current {
            c.out.extend_from_slice(&reply);
        } else {
            st.outputs.push_back(Output::Transmit {
                client: c.id,
                bytes: reply,
            });
        }
    }
}

/// `startBgsaveForReplication`: start the child serving every replica in
/// WAIT_BGSAVE_START with requirements `req`: to their sockets when diskless sync (or a
/// filtered RDB) is asked and all of them announced `capa eof`, else a BGSAVE to disk.
/// On failure those replicas are told and closed.
fn start_bgsave_for_replication(
    st: &mut State,
    reps: &mut Replicas<'_>,
    now: Time,
    mincapa_eof: bool,
    req: SlaveReq,
) -> bool {
    let socket_target =
        (st.config.repl_diskless_sync || req.exclude_data || req.exclude_functions) && mincapa_eof;
    st.log(
        LogLevel::Notice,
        format!(
            "Starting BGSAVE for SYNC with target: {}",
            if socket_target {
                "replicas sockets"
            } else {
                "disk"
            }
        ),
    );
    let waiting: Vec<ClientId> = st.master.slaves.clone();
    let ok = if socket_target {
        // rdbSaveToSlavesSockets: the replicas are set up before the fork.
        let offset = st.master.backlog.master_repl_offset();
        let mut served = Vec::new();
        for id in &waiting {
            if let Some((c, cur)) = reps.get(*id) {
                if c.repl.state == Some(SlaveState::WaitBgsaveStart) && c.repl.req() == req {
                    setup_for_full_resync(st, c, cur, offset);
                    served.push(*id);
                }
            }
        }
        let mark = st.rng.hex_id(40);
        let aux = crate::persist::save_aux_fields(st, now);
        let opts = crate::persist::encode_options(&st.config);
        let empty;
        let ks: &crate::keyspace::Keyspace = if req.exclude_data {
            empty = crate::keyspace::Keyspace::new(st.keyspace.dbs.len());
            &empty
        } else {
            &st.keyspace
        };
        let job = || {
            let rdb = crate::rdb::encode::encode(ks, &aux, &[], &opts);
            let mut p = Vec::with_capacity(rdb.len() + 2 * 40 + 7);
            p.extend_from_slice(b"$EOF:");
            p.extend_from_slice(mark.as_bytes());
            p.extend_from_slice(b"\r\n");
            p.extend_from_slice(&rdb);
            p.extend_from_slice(mark.as_bytes());
            p
        };
        let target = crate::persist::RdbTarget::from_config(&st.config);
        let ready_at = crate::persist::child_ready_at(st, now);
        let started = st.persist.storage.start_bgsave_to_replicas(&target, &job);
        let r = crate::persist::transfer_started(st, now, started, ready_at);
        if r.is_ok() {
            st.master.rdb_pipe_conns = served.clone();
        } else {
            // Undo: the replicas go back to WAIT_BGSAVE_START (and are failed below).
            for id in &served {
                if let Some((c, _)) = reps.get(*id) {
                    c.repl.state = Some(SlaveState::WaitBgsaveStart);
                }
            }
        }
        r.is_ok()
    } else {
        let ok = crate::persist::rdb_save_background(st, now);
        if ok {
            let offset = st.master.backlog.master_repl_offset();
            for id in &waiting {
                if let Some((c, cur)) = reps.get(*id) {
                    if c.repl.state == Some(SlaveState::WaitBgsaveStart) && c.repl.req() == req {
                        setup_for_full_resync(st, c, cur, offset);
                    }
                }
            }
        }
        ok
    };
    if !ok {
        st.log(LogLevel::Warning, "BGSAVE for replication failed");
        for id in &waiting {
            if let Some((c, cur)) = reps.get(*id) {
                if c.repl.state == Some(SlaveState::WaitBgsaveStart) {
                    c.repl.state = None;
                    c.flags.replica = false;
                    st.master.slaves.retain(|x| x != id);
                    let e = b"-ERR BGSAVE failed, replication can't continue\r\n";
                    if cur {
                        c.out.extend_from_slice(e);
                        c.flags.close_after_reply = true;
                    } else {
                        st.outputs.push_back(Output::Transmit {
                            client: *id,
                            bytes: Bytes::from_static(e),
                        });
                        st.kill_queue.push(*id);
                    }
                }
            }
        }
    }
    ok
}

/// `shouldStartChildReplication` + `replicationStartPendingFork`: with no child running,
/// start one for the replicas in WAIT_BGSAVE_START (those with the first one's
/// requirements) when the sync is not diskless, enough replicas wait
/// (`repl-diskless-sync-max-replicas`), or one of them waited `repl-diskless-sync-delay`
/// seconds.
fn start_pending_fork(st: &mut State, reps: &mut Replicas<'_>, now: Time) {
    if st.persist.child.is_some() {
        return;
    }
    let mut waiting = 0u64;
    let mut max_idle = 0i64;
    let mut first: Option<(SlaveReq, bool)> = None;
    for id in st.master.slaves.clone() {
        let Some((c, _)) = reps.get(id) else { continue };
        if c.repl.state != Some(SlaveState::WaitBgsaveStart) {
            continue;
        }
        let req = c.repl.req();
        match &mut first {
            None => first = Some((req, c.repl.capa_eof)),
            Some((r, _)) if *r != req => continue,
            Some((_, eof)) => *eof &= c.repl.capa_eof,
        }
        let idle = now.as_secs() - c.last_interaction.as_secs();
        max_idle = max_idle.max(idle);
        waiting += 1;
    }
    let Some((req, eof)) = first else { return };
    let c = &st.config;
    if !c.repl_diskless_sync
        || (c.repl_diskless_sync_max_replicas > 0 && waiting >= c.repl_diskless_sync_max_replicas)
        || u64::try_from(max_idle).unwrap_or(0) >= c.repl_diskless_sync_delay
    {
        start_bgsave_for_replication(st, reps, now, eof, req);
    }
}

/// `updateSlavesWaitingBgsave`: the child ended. Replicas in WAIT_BGSAVE_END are closed
/// when it failed; otherwise a disk target sends `$<len>\r\n` and the dump (SEND_BULK),
/// then the stream accumulated since the fork, and the replica is ONLINE; a socket target
/// (whose payload, `$EOF:<mark>\r\n<rdb><mark>`, was written by the child) puts it ONLINE
/// but holds the stream until its first `REPLCONF ACK`.
fn update_slaves_waiting_bgsave(
    st: &mut State,
    reps: &mut Replicas<'_>,
    now: Time,
    done: crate::persist::ChildDone,
) {
    let mut payload: Option<Bytes> = None;
    if done.ok {
        let data = if done.to_replicas {
            st.persist.storage.take_replica_payload()
        } else {
            let target = crate::persist::RdbTarget::from_config(&st.config);
            match st.persist.storage.load(&target) {
                Ok(d) => d,
                Err(e) => {
                    st.log(LogLevel::Warning, e);
                    None
                }
            }
        };
        payload = data.map(Bytes::from);
    }
    for id in st.master.slaves.clone() {
        let Some((c, cur)) = reps.get(id) else {
            continue;
        };
        if c.repl.state != Some(SlaveState::WaitBgsaveEnd) {
            continue;
        }
        let name = slave_name(c);
        let Some(data) = payload.clone() else {
            close_async(st, c, cur);
            st.log(
                LogLevel::Warning,
                "SYNC failed. BGSAVE child returned an error",
            );
            continue;
        };
        c.repl.stream_sent = 0;
        if done.to_replicas {
            send_to(st, c, cur, data);
            st.log(
                LogLevel::Notice,
                format!(
                    "Streamed RDB transfer with replica {name} succeeded (socket). Waiting for \
                     REPLCONF ACK from slave to enable streaming"
                ),
            );
            if put_online(st, c, now) {
                c.repl.start_stream_on_ack = true;
            } else {
                close_async(st, c, cur);
            }
        } else {
            // SEND_BULK: the preamble and the file, then online with the stream flowing.
            c.repl.state = Some(SlaveState::SendBulk);
            let preamble = format!("${}\r\n", data.len());
            send_to(st, c, cur, Bytes::from(preamble));
            send_to(st, c, cur, data);
            if put_online(st, c, now) {
                start_command_stream(st, c, cur);
            } else {
                close_async(st, c, cur);
            }
        }
    }
}

/// `replicaPutOnline`: ONLINE (false for an rdb-only client, now RDB_TRANSMITTED, to be
/// closed).
fn put_online(st: &mut State, c: &mut Client, now: Time) -> bool {
    let name = slave_name(c);
    if c.repl.rdb_only {
        c.repl.state = Some(SlaveState::RdbTransmitted);
        c.repl.pending.clear();
        c.repl.pending_len = 0;
        st.log(
            LogLevel::Notice,
            format!(
                "RDB transfer completed, rdb only replica ({name}) should be disconnected asap"
            ),
        );
        return false;
    }
    c.repl.state = Some(SlaveState::Online);
    c.repl.ack_time_secs = now.as_secs();
    st.log(
        LogLevel::Notice,
        format!("Synchronization with replica {name} succeeded"),
    );
    true
}

/// `replicaStartCommandStream`: send what accumulated since the fork, then stream.
fn start_command_stream(st: &mut State, c: &mut Client, is_current: bool) {
    c.repl.start_stream_on_ack = false;
    c.repl.pending_len = 0;
    for chunk in std::mem::take(&mut c.repl.pending) {
        send_stream(st, c, is_current, chunk);
    }
}

/// The replica's output-buffer use: what the core holds for it plus what the driver
/// reported as not yet written to its socket.
fn obuf_used(c: &Client) -> u64 {
    c.repl
        .pending_len
        .saturating_add(c.repl.obuf_unsent.min(c.repl.stream_sent))
}

/// `checkClientOutputBufferLimits` for the replica class (`client-output-buffer-limit
/// replica <hard> <soft> <seconds>`): true when the hard limit (never below
/// `repl-backlog-size`) is reached, or the soft one has been for longer than its seconds.
fn obuf_limit_reached(st: &State, c: &mut Client, now: Time) -> bool {
    let l = st.config.client_output_buffer_limit.replica;
    let used = obuf_used(c);
    let mut hard_limit = l.hard;
    if hard_limit > 0 && hard_limit < st.config.repl_backlog_size {
        hard_limit = st.config.repl_backlog_size;
    }
    let hard = hard_limit > 0 && used >= hard_limit;
    let mut soft = l.soft > 0 && used >= l.soft;
    if soft {
        match c.repl.obuf_soft_since {
            None => {
                c.repl.obuf_soft_since = Some(now.as_secs());
                soft = false;
            }
            Some(t) => {
                if u64::try_from(now.as_secs() - t).unwrap_or(0) <= l.soft_seconds {
                    soft = false;
                }
            }
        }
    } else {
        c.repl.obuf_soft_since = None;
    }
    hard || soft
}

/// `closeClientOnOutputBufferLimitReached(c, async)`: drop a replica over its output
/// buffer limit (it reconnects and resyncs). The asynchronous form (while feeding the
/// stream) logs at once; the synchronous one (the cron, a driver report) logs once the
/// connection is gone. Returns whether it was dropped.
pub(crate) fn check_obuf_limit(
    st: &mut State,
    c: &mut Client,
    is_current: bool,
    now: Time,
    asynchronous: bool,
) -> bool {
    if !c.flags.replica || c.flags.close_asap || !obuf_limit_reached(st, c, now) {
        return false;
    }
    let info = crate::cmd::connection::client_info_line(c, now, &[]);
    c.repl.pending.clear();
    c.repl.pending_len = 0;
    c.flags.close_asap = true;
    if !is_current {
        st.kill_queue.push(c.id);
    }
    if asynchronous {
        st.log(
            LogLevel::Warning,
            format!(
                "Client {info} scheduled to be closed ASAP for overcoming of output buffer limits."
            ),
        );
    } else {
        c.repl.obuf_close_line = Some(format!(
            "Client {info} closed for overcoming of output buffer limits."
        ));
    }
    true
}

/// The driver reports how many bytes transmitted to replica `c` are not yet written to its
/// socket; the replica is dropped when that passes its output buffer limit.
pub fn report_unsent(st: &mut State, c: &mut Client, unsent: u64, now: Time) -> bool {
    c.repl.obuf_unsent = unsent;
    check_obuf_limit(st, c, false, now, false)
}

// ----- ROLE, WAIT -----

/// The INFO/ROLE view of every replica, in `server.slaves` order. `current` is the client
/// running the command (absent from `others`).
pub fn replica_entries(
    st: &State,
    current: &Client,
    others: &VecMap<ClientId, Box<Client>>,
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
    clients: &VecMap<ClientId, Box<Client>>,
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
    others: &VecMap<ClientId, Box<Client>>,
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
    clients: &mut VecMap<ClientId, Box<Client>>,
    current: Option<&mut Client>,
) {
    if !feed_backlog(st) {
        return;
    }
    if st.master.slaves.is_empty() {
        // Only the backlog consumes the stream (a master whose replicas left, a replica
        // keeping its own backlog): no shared copy of the bytes is needed.
        st.repl.discard_fed();
        return;
    }
    let bytes = st.repl.drain_fed();
    let now = st.master.now;
    let mut reps = Replicas { current, clients };
    // By index: nothing here changes `slaves`.
    for i in 0..st.master.slaves.len() {
        let id = st.master.slaves[i];
        let Some((c, cur)) = reps.get(id) else {
            continue;
        };
        // canFeedReplicaReplBuffer: not before its BGSAVE started, never to rdb-only ones.
        if c.repl.rdb_only || c.flags.close_asap {
            continue;
        }
        match c.repl.state {
            Some(SlaveState::Online) if !c.repl.start_stream_on_ack => {
                send_stream(st, c, cur, bytes.clone());
            }
            Some(SlaveState::WaitBgsaveEnd | SlaveState::SendBulk | SlaveState::Online) => {
                c.repl.pending_len += bytes.len() as u64;
                c.repl.pending.push(bytes.clone());
                check_obuf_limit(st, c, cur, now, true);
            }
            _ => {}
        }
    }
}

/// The first half of [`feed_replicas`]: give the backlog what the stream produced since
/// the last call, and keep it for the replicas. Returns false when there is nothing to
/// hand to anyone (no backlog yet, nothing produced).
///
/// The master calls this alone after each plain write of a client's batch
/// (`Server::process_command`) and [`feed_replicas`] once the batch is done, or before
/// anything that could change who gets the stream: Redis likewise appends each command to
/// the shared replication buffer at once but writes the replicas' sockets once per
/// event-loop turn. The replicas get the same bytes in the same order, in fewer pieces.
pub fn feed_backlog(st: &mut State) -> bool {
    sync_backlog_size(st);
    if !st.master.backlog.is_active() || st.repl.is_empty() {
        return false;
    }
    if !st.repl.all_fed() {
        let backlog = &mut st.master.backlog;
        st.repl
            .feed_backlog_with(|bytes, pieces| backlog.feed_pieces(bytes, pieces));
    }
    true
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
        st.log(LogLevel::Warning, line);
    }
    if let Some(line) = &c.repl.obuf_close_line {
        st.log(LogLevel::Warning, line.clone());
    }
    if st.master.slaves.is_empty() {
        let now = st.master.now;
        st.master.backlog.set_no_replicas_since(now);
    }
    // A diskless transfer with nobody left to receive it is killed.
    let pipe = &mut st.master.rdb_pipe_conns;
    if let Some(p) = pipe.iter().position(|id| *id == c.id) {
        pipe.remove(p);
        if pipe.is_empty() && st.persist.child.is_some_and(|ch| ch.to_replicas) {
            st.log(
                LogLevel::Warning,
                "Diskless rdb transfer, last replica dropped, killing fork child.",
            );
            crate::persist::kill_rdb_child(st);
        }
    }
}

/// `replicationCron` (once per second) for a master, and the handling of a finished
/// BGSAVE child (`checkChildrenDone`, every cron tick): serve the replicas waiting for the
/// child, PING the replicas every `repl-ping-replica-period` loops, write a newline to the
/// replicas waiting for their RDB (keepalive), drop replicas whose ACKs stopped for longer
/// than `repl-timeout`, free the backlog after `repl-backlog-ttl` without replicas, start a
/// BGSAVE for replicas waiting for one. Returns the replicas to disconnect.
pub fn replication_cron(
    st: &mut State,
    clients: &mut VecMap<ClientId, Box<Client>>,
    now: Time,
) -> Vec<ClientId> {
    if let Some(done) = st.persist.child_done.take() {
        let mut reps = Replicas {
            current: None,
            clients: &mut *clients,
        };
        update_slaves_waiting_bgsave(st, &mut reps, now, done);
        start_pending_fork(st, &mut reps, now);
    }
    // clientsCron: a replica over its soft limit for too long is dropped.
    for id in st.master.slaves.clone() {
        if let Some(c) = clients.get_mut(&id) {
            if obuf_used(c) > 0 || c.repl.obuf_soft_since.is_some() {
                check_obuf_limit(st, c, false, now, false);
            }
        }
    }
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
    // Newlines to the replicas in pre-synchronization (not during a socket transfer).
    let socket_child = st.persist.child.is_some_and(|c| c.to_replicas);
    for id in &st.master.slaves {
        let Some(c) = clients.get(id) else { continue };
        let presync = c.repl.state == Some(SlaveState::WaitBgsaveStart)
            || (c.repl.state == Some(SlaveState::WaitBgsaveEnd) && !socket_child);
        if presync {
            st.outputs.push_back(Output::Transmit {
                client: *id,
                bytes: Bytes::from_static(b"\n"),
            });
        }
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
    let mut reps = Replicas {
        current: None,
        clients,
    };
    start_pending_fork(st, &mut reps, now);
    st.master.cron_loops += 1;
    drop
}
