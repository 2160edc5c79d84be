//! Replication (Redis 7.0.15 replication.c), sans-IO.
//!
//! The replication layer is split the way Redis's own state is:
//!
//! * [`ids`]: the replication ids (`replid`, `replid2`, `second_repl_offset`) and the events
//!   that change them (backlog creation and ttl expiry, promotion, `+CONTINUE <new id>`,
//!   restart from an RDB with `repl-id`/`repl-offset`);
//! * [`backlog`]: `master_repl_offset` and the replication backlog, modelled on 7.0's shared
//!   replication buffer block by block so INFO's `repl_backlog_first_byte_offset` and
//!   `repl_backlog_histlen` match a real server;
//! * [`psync`]: the master's answer to `SYNC`/`PSYNC` (`syncCommand`,
//!   `masterTryPartialResynchronization`) as pure functions returning exact reply bytes,
//!   log lines and stats;
//! * [`replica`]: the replica side, `REPL_STATE_*` as a state machine (handshake, PSYNC
//!   replies, RDB payload in both framings, the command stream, ACK/GETACK, timeouts);
//! * [`master`]: the master side wired into [`crate::server`]: `REPLCONF`, `SYNC`/`PSYNC`
//!   (full resync through a BGSAVE for replication that takes time: diskless `$EOF:` or
//!   disk `$<len>\r\n`, the stream accumulated meanwhile, `client-output-buffer-limit`),
//!   replica clients and their states, the stream fed to the backlog and ONLINE replicas,
//!   the replication cron (ping, replica timeout, backlog ttl), ACKs, `WAIT`, `ROLE`,
//!   `min-replicas-to-write`, the restore of the history from a dump at startup;
//! * [`replica_side`]: the replica machine wired into the server (`REPLICAOF`, the staged
//!   full-sync load and its simulated loading time with `-LOADING`, INFO/ROLE of a replica,
//!   the restart of a replica from its own dump with a cached master);
//! * [`failover`]: `FAILOVER` (write pause, wait for the target's ACK, `PSYNC ... FAILOVER`,
//!   the target's promotion, timeout/force/abort);
//! * this module: the master's INFO replication section and ROLE reply, as pure formatting
//!   of plain data ([`MasterInfo`], [`ReplicaEntry`]).
//!
//! Not yet done (issue #4): the master link on a replica (the [`replica`] machine is not
//! wired), FAILOVER, chains, and the simulator ([`crate::sim`]). Nothing here performs I/O, reads a clock or uses OS randomness: time
//! comes in as [`crate::time::Time`], random ids come from [`crate::rng::Rng`].

pub mod backlog;
pub mod failover;
pub mod ids;
pub mod master;
pub mod psync;
pub mod replica;
pub mod replica_side;

use std::fmt::Write as _;

use bytes::Bytes;

use crate::repl::backlog::ReplBacklog;
use crate::repl::ids::ReplIds;

/// A replica's state as the master sees it (`slave->replstate`, spec §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlaveState {
    /// `SLAVE_STATE_WAIT_BGSAVE_START`: waiting for a BGSAVE to start.
    WaitBgsaveStart,
    /// `SLAVE_STATE_WAIT_BGSAVE_END`: BGSAVE running, stream accumulated.
    WaitBgsaveEnd,
    /// `SLAVE_STATE_SEND_BULK`: sending the RDB file (disk target).
    SendBulk,
    /// `SLAVE_STATE_ONLINE`: streaming.
    Online,
    /// `SLAVE_STATE_RDB_TRANSMITTED`: rdb-only client done (hidden from INFO).
    RdbTransmitted,
}

impl SlaveState {
    /// `replstateToString`: the INFO `state=` value; empty for hidden states.
    pub fn as_info_str(self) -> &'static str {
        match self {
            SlaveState::WaitBgsaveStart | SlaveState::WaitBgsaveEnd => "wait_bgsave",
            SlaveState::SendBulk => "send_bulk",
            SlaveState::Online => "online",
            SlaveState::RdbTransmitted => "",
        }
    }
}

/// One replica connected to this master, as INFO and ROLE show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaEntry {
    /// `REPLCONF ip-address`, else the peer address.
    pub ip: String,
    /// `REPLCONF listening-port` (0 if never sent).
    pub port: i32,
    /// Its state.
    pub state: SlaveState,
    /// Last `REPLCONF ACK` offset (`repl_ack_off`, 0 before the first ACK).
    pub ack_offset: i64,
    /// Unix seconds of the last ACK (`repl_ack_time`).
    pub ack_time_secs: i64,
}

/// `master_failover_state` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FailoverState {
    /// `no-failover`.
    #[default]
    None,
    /// `waiting-for-sync`.
    WaitingForSync,
    /// `failover-in-progress`.
    InProgress,
}

impl FailoverState {
    /// The INFO spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FailoverState::None => "no-failover",
            FailoverState::WaitingForSync => "waiting-for-sync",
            FailoverState::InProgress => "failover-in-progress",
        }
    }
}

/// What the master's INFO replication section is made of.
#[derive(Clone, Debug)]
pub struct MasterInfo<'a> {
    /// Replicas in `server.slaves` order.
    pub replicas: &'a [ReplicaEntry],
    /// `min_slaves_good_slaves`, printed only when min-replicas-to-write and
    /// min-replicas-max-lag are both non-zero.
    pub min_slaves_good_slaves: Option<usize>,
    /// Failover state.
    pub failover: FailoverState,
    /// Replication ids.
    pub ids: &'a ReplIds,
    /// Offset and backlog.
    pub backlog: &'a ReplBacklog,
    /// Current Unix seconds (for `lag`).
    pub now_secs: i64,
}

/// The body of INFO's `# Replication` section for a master (spec §5), each line ending in
/// `\r\n`, without the section header.
pub fn info_replication_master(m: &MasterInfo<'_>) -> String {
    let mut s = String::new();
    s.push_str("role:master\r\n");
    let _ = write!(s, "connected_slaves:{}\r\n", m.replicas.len());
    if let Some(good) = m.min_slaves_good_slaves {
        let _ = write!(s, "min_slaves_good_slaves:{good}\r\n");
    }
    let mut slaveid = 0;
    for r in m.replicas {
        let state = r.state.as_info_str();
        if state.is_empty() {
            continue;
        }
        let lag = if r.state == SlaveState::Online {
            m.now_secs.saturating_sub(r.ack_time_secs)
        } else {
            0
        };
        let _ = write!(
            s,
            "slave{slaveid}:ip={},port={},state={state},offset={},lag={lag}\r\n",
            r.ip, r.port, r.ack_offset
        );
        slaveid += 1;
    }
    let b = m.backlog;
    let _ = write!(
        s,
        "master_failover_state:{}\r\nmaster_replid:{}\r\nmaster_replid2:{}\r\n\
         master_repl_offset:{}\r\nsecond_repl_offset:{}\r\nrepl_backlog_active:{}\r\n\
         repl_backlog_size:{}\r\nrepl_backlog_first_byte_offset:{}\r\nrepl_backlog_histlen:{}\r\n",
        m.failover.as_str(),
        m.ids.replid,
        m.ids.replid2,
        b.master_repl_offset(),
        m.ids.second_repl_offset,
        u8::from(b.is_active()),
        b.size(),
        b.first_byte_offset(),
        b.histlen(),
    );
    s
}

/// The ROLE reply of a master (spec §5): `master`, the offset as an integer, then one
/// `[ip, port, ack-offset]` triple of bulk strings per ONLINE replica.
pub fn role_reply_master(master_repl_offset: i64, replicas: &[ReplicaEntry]) -> Bytes {
    fn bulk(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(format!("${}\r\n{s}\r\n", s.len()).as_bytes());
    }
    let online: Vec<&ReplicaEntry> = replicas
        .iter()
        .filter(|r| r.state == SlaveState::Online)
        .collect();
    let mut out = Vec::new();
    out.extend_from_slice(b"*3\r\n$6\r\nmaster\r\n");
    out.extend_from_slice(format!(":{master_repl_offset}\r\n*{}\r\n", online.len()).as_bytes());
    for r in online {
        out.extend_from_slice(b"*3\r\n");
        bulk(&mut out, &r.ip);
        bulk(&mut out, &r.port.to_string());
        bulk(&mut out, &r.ack_offset.to_string());
    }
    Bytes::from(out)
}
