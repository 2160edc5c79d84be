//! What every panel shows at the session's current step, derived from the live simulator
//! and the core's servers (plain data; the UI only draws it).

use replscope_core::cmd::key_value_digest;
use replscope_core::dtoa::Fixed;
use replscope_core::keyspace::{Db, Value};
use replscope_core::repl::replica::ReplState;
use replscope_core::repl::SlaveState;
use replscope_core::sim::scenario::START;
use replscope_core::sim::trace::{CloseReason, TraceKind};
use replscope_core::sim::Fault;

use super::session::{Live, PsyncRecord, Session};
use super::vecmap::VecMap;
use crate::strings::Strings;

/// Most keys listed per node (the rest are counted).
pub const MAX_KEYS_SHOWN: usize = 40;

/// Most recent trace lines in the event log.
pub const LOG_LINES: usize = 12;

/// One key of a node's keyspace panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyView {
    /// Database number.
    pub db: usize,
    /// The key.
    pub name: String,
    /// `TYPE` name.
    pub kind: &'static str,
    /// A short value (`"hello"`, `list(3)`).
    pub summary: String,
    /// Changed by the last step.
    pub changed: bool,
}

/// One replica as its master sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaLinkView {
    /// `ip:port` it announced.
    pub addr: String,
    /// Node index of the replica, if it is one of ours.
    pub node: Option<usize>,
    /// `SLAVE_STATE_*`.
    pub state: &'static str,
    /// Last ACKed offset.
    pub ack_offset: i64,
    /// Bytes queued in its output buffer (writes held for it during BGSAVE included).
    pub buffered: usize,
}

/// The backlog ruler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BacklogView {
    /// Whether the backlog exists.
    pub active: bool,
    /// `repl-backlog-size`.
    pub size: u64,
    /// `repl_backlog_first_byte_offset`.
    pub first_byte_offset: i64,
    /// `repl_backlog_histlen`.
    pub histlen: i64,
    /// `master_repl_offset`.
    pub master_repl_offset: i64,
    /// Each replica's own offset (name, offset).
    pub replica_offsets: Vec<(String, i64)>,
}

/// RDB activity of a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RdbView {
    /// A BGSAVE is running.
    pub bgsave_in_progress: bool,
    /// Replica side, loading the payload: (total bytes or -1, bytes read).
    pub transfer: Option<(i64, u64)>,
    /// Last RDB payload this node received: (bytes, step).
    pub received: Option<(usize, usize)>,
}

/// One line of a console: the command and its printed reply (`None`: waiting).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleLine {
    /// What was typed.
    pub command: String,
    /// What came back.
    pub reply: Option<String>,
}

/// A node's panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeView {
    /// Node index.
    pub index: usize,
    /// Name.
    pub name: String,
    /// Port.
    pub port: u16,
    /// Process running.
    pub up: bool,
    /// `master` or `replica`.
    pub role: &'static str,
    /// `master_replid`.
    pub replid: String,
    /// `master_replid2`.
    pub replid2: String,
    /// `master_repl_offset`.
    pub offset: i64,
    /// Index of its master.
    pub master: Option<usize>,
    /// `up`/`down` for a replica.
    pub link_status: Option<&'static str>,
    /// `REPL_STATE_*` for a replica.
    pub repl_state: Option<&'static str>,
    /// Its replicas as it sees them.
    pub replicas: Vec<ReplicaLinkView>,
    /// Keys (at most [`MAX_KEYS_SHOWN`]).
    pub keys: Vec<KeyView>,
    /// Total keys.
    pub key_count: usize,
    /// The backlog.
    pub backlog: BacklogView,
    /// RDB progress.
    pub rdb: RdbView,
    /// `INFO replication` as the core prints it (with `\n` line ends).
    pub info: String,
    /// Console history.
    pub console: Vec<ConsoleLine>,
}

/// A packet drawn on a link.
#[derive(Clone, Debug, PartialEq)]
pub struct PacketView {
    /// Stable id.
    pub seq: u64,
    /// Sender node index (`None`: the client).
    pub from: Option<usize>,
    /// Receiver node index (`None`: the client).
    pub to: Option<usize>,
    /// Label.
    pub label: String,
    /// Size.
    pub len: usize,
    /// Delivered bytes.
    pub delivered: usize,
    /// Position along the link, 0 (sender) to 1 (receiver).
    pub progress: f64,
    /// The first bytes, escaped (`*1\r\n$4\r\nPING\r\n`), `…` when cut.
    pub preview: String,
}

/// Everything shown at one step.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// Step number.
    pub step: usize,
    /// Furthest step known.
    pub horizon: usize,
    /// The run is over.
    pub at_end: bool,
    /// Virtual milliseconds since the start.
    pub time_ms: f64,
    /// Nodes (removed ones left out).
    pub nodes: Vec<NodeView>,
    /// Packets in flight.
    pub packets: Vec<PacketView>,
    /// The latest PSYNC decision.
    pub psync: Option<PsyncRecord>,
    /// Every PSYNC decision so far.
    pub psyncs: Vec<PsyncRecord>,
    /// Recent events, oldest first.
    pub log: Vec<String>,
    /// How many of the last [`Snapshot::log`] lines the current step added.
    pub fresh: usize,
    /// Simulator events processed so far (timers, deliveries, faults).
    pub events: u64,
}

/// `REPL_STATE_*` name.
pub fn repl_state_name(s: ReplState) -> &'static str {
    match s {
        ReplState::None => "REPL_STATE_NONE",
        ReplState::Connect => "REPL_STATE_CONNECT",
        ReplState::Connecting => "REPL_STATE_CONNECTING",
        ReplState::ReceivePingReply => "REPL_STATE_RECEIVE_PING_REPLY",
        ReplState::SendHandshake => "REPL_STATE_SEND_HANDSHAKE",
        ReplState::ReceiveAuthReply => "REPL_STATE_RECEIVE_AUTH_REPLY",
        ReplState::ReceivePortReply => "REPL_STATE_RECEIVE_PORT_REPLY",
        ReplState::ReceiveIpReply => "REPL_STATE_RECEIVE_IP_REPLY",
        ReplState::ReceiveCapaReply => "REPL_STATE_RECEIVE_CAPA_REPLY",
        ReplState::SendPsync => "REPL_STATE_SEND_PSYNC",
        ReplState::ReceivePsyncReply => "REPL_STATE_RECEIVE_PSYNC_REPLY",
        ReplState::Transfer => "REPL_STATE_TRANSFER",
        ReplState::Connected => "REPL_STATE_CONNECTED",
    }
}

/// `SLAVE_STATE_*` name.
pub fn slave_state_name(s: SlaveState) -> &'static str {
    match s {
        SlaveState::WaitBgsaveStart => "SLAVE_STATE_WAIT_BGSAVE_START",
        SlaveState::WaitBgsaveEnd => "SLAVE_STATE_WAIT_BGSAVE_END",
        SlaveState::SendBulk => "SLAVE_STATE_SEND_BULK",
        SlaveState::Online => "SLAVE_STATE_ONLINE",
        SlaveState::RdbTransmitted => "SLAVE_STATE_RDB_TRANSMITTED",
    }
}

/// The first 8 characters of a replid.
pub fn short_id(id: &str) -> String {
    id.chars().take(8).collect()
}

fn fnv(bytes: &[u8], mut h: u64) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

fn summary(v: &Value) -> String {
    match v {
        Value::Str(s) => {
            let text = String::from_utf8_lossy(&s.data);
            if text.chars().count() > 24 {
                let head: String = text.chars().take(20).collect();
                format!("\"{head}…\" ({} B)", s.data.len())
            } else {
                format!("\"{text}\"")
            }
        }
        Value::List(l) => format!("list({})", l.len()),
        Value::Hash(h) => format!("hash({})", h.len()),
        Value::Set(s) => format!("set({})", s.len()),
        Value::ZSet(z) => format!("zset({})", z.len()),
        Value::Stream(s) => format!("stream({})", s.len()),
    }
}

/// `DEBUG DIGEST-VALUE` of a key, folded to 64 bits.
fn fingerprint(db: &Db, key: &[u8]) -> u64 {
    fnv(&key_value_digest(db, key), 0xcbf2_9ce4_8422_2325)
}

/// Per node, per `db:key`, a fingerprint of the value (to tell what changed).
pub fn key_fingerprints(live: &Live) -> Vec<VecMap<String, u64>> {
    (0..live.nodes.len())
        .map(|i| {
            let mut m = VecMap::new();
            if let Some(srv) = live.server(i) {
                for (db, d) in srv.state().keyspace.dbs.iter().enumerate() {
                    for (k, _) in d.iter() {
                        m.insert(
                            format!("{db}:{}", String::from_utf8_lossy(k)),
                            fingerprint(d, k),
                        );
                    }
                }
            }
            m
        })
        .collect()
}

fn console_lines(live: &Live, i: usize) -> Vec<ConsoleLine> {
    let typed = live.console_log.get(i).cloned().unwrap_or_default();
    let replies = super::resp::format_replies(live.console_received(i));
    typed
        .into_iter()
        .enumerate()
        .map(|(n, command)| ConsoleLine {
            command,
            reply: replies.get(n).cloned(),
        })
        .collect()
}

fn node_view(session: &Session, i: usize) -> Option<NodeView> {
    let live = session.live();
    let info = &live.nodes[i];
    if info.removed {
        return None;
    }
    let srv = live.server(i)?;
    let st = srv.state();
    let now = live.sim.now();
    let link = st.replica.link.as_ref();
    let is_replica = st.is_replica();
    let replicas = srv
        .replica_clients()
        .into_iter()
        .filter_map(|c| {
            let state = c.repl.state?;
            let ip = replscope_core::repl::master::replica_ip(c);
            let port = u16::try_from(c.repl.listening_port).ok();
            let node = live.nodes.iter().position(|n| {
                !n.removed && Some(n.port) == port && live.sim.addr_of(n.id) == ip.as_str()
            });
            Some(ReplicaLinkView {
                addr: format!("{ip}:{}", c.repl.listening_port),
                node,
                state: slave_state_name(state),
                ack_offset: c.repl.ack_off,
                buffered: c.out.len(),
            })
        })
        .collect();
    let prev = session.prev_keys().and_then(|p| p.get(i));
    let mut keys = Vec::new();
    let mut key_count = 0;
    for (db, d) in st.keyspace.dbs.iter().enumerate() {
        key_count += d.len();
        let mut sorted: Vec<_> = d.iter().collect();
        replscope_core::util::sort_by(&mut sorted, |a, b| a.0.cmp(b.0));
        for (k, v) in sorted {
            if keys.len() >= MAX_KEYS_SHOWN {
                break;
            }
            let name = String::from_utf8_lossy(k).into_owned();
            let id = format!("{db}:{name}");
            let changed = prev.is_some_and(|p| p.get(&id) != Some(&fingerprint(d, k)));
            keys.push(KeyView {
                db,
                name,
                kind: v.value_type().name(),
                summary: summary(v),
                changed,
            });
        }
    }
    let backlog = &st.master.backlog;
    let replica_offsets = (0..live.nodes.len())
        .filter(|&r| !live.nodes[r].removed && live.master_of(r) == Some(i))
        .filter_map(|r| {
            let s = live.server(r)?;
            Some((
                live.nodes[r].name.clone(),
                s.state().master.backlog.master_repl_offset(),
            ))
        })
        .collect();
    Some(NodeView {
        index: i,
        name: info.name.clone(),
        port: info.port,
        up: live.sim.is_up(info.id),
        role: if is_replica { "replica" } else { "master" },
        replid: st.master.ids.replid.to_string_lossy(),
        replid2: st.master.ids.replid2.to_string_lossy(),
        offset: backlog.master_repl_offset(),
        master: live.master_of(i),
        link_status: is_replica.then(|| if srv.master_link_up() { "up" } else { "down" }),
        repl_state: is_replica
            .then(|| repl_state_name(link.map_or(ReplState::Connect, |l| l.state()))),
        replicas,
        keys,
        key_count,
        backlog: BacklogView {
            active: backlog.is_active(),
            size: backlog.size(),
            first_byte_offset: backlog.first_byte_offset(),
            histlen: backlog.histlen(),
            master_repl_offset: backlog.master_repl_offset(),
            replica_offsets,
        },
        rdb: RdbView {
            bgsave_in_progress: st.persist.child.is_some(),
            transfer: link.and_then(|l| l.transfer_progress()),
            received: live.rdb_received.get(i).copied().flatten(),
        },
        info: format!(
            "# Replication\n{}",
            srv.info_replication(now).replace("\r\n", "\n")
        ),
        console: console_lines(live, i),
    })
}

fn who(live: &Live, id: replscope_core::sim::NodeId, s: &Strings) -> String {
    match live.index_of(id) {
        Some(i) => live.nodes[i].name.clone(),
        None if id == live.console => s.console_node.to_string(),
        None => s.client.to_string(),
    }
}

fn fault_text(live: &Live, f: &Fault, s: &Strings) -> String {
    let who = |n: &replscope_core::sim::NodeId| who(live, *n, s);
    let link = |l: &replscope_core::sim::LinkId| s.fault_link.replace("{a}", &l.0.to_string());
    match f {
        Fault::Partition(a, b) => s
            .fault_partition
            .replace("{a}", &who(a))
            .replace("{b}", &who(b)),
        Fault::Heal(a, b) => s.fault_heal.replace("{a}", &who(a)).replace("{b}", &who(b)),
        Fault::Crash(n) => s.fault_crash.replace("{a}", &who(n)),
        Fault::Restart(n) => s.fault_restart.replace("{a}", &who(n)),
        Fault::Cut(l) | Fault::Hold(l) | Fault::Release(l) => link(l),
        Fault::HoldOneWay { link: l, .. } | Fault::Slow { link: l, .. } => link(l),
    }
}

/// The latest event lines, and how many of the last ones the current step added.
fn log_lines(live: &Live, s: &Strings) -> (Vec<String>, usize) {
    let entries = live.sim.trace().entries();
    // Trace entries before this step's.
    let before = live
        .step
        .checked_sub(1)
        .and_then(|p| live.trace_lens.get(p).copied())
        .unwrap_or(0);
    let mut out = Vec::new();
    let mut fresh = 0;
    for (i, e) in entries.iter().enumerate().rev() {
        if out.len() >= LOG_LINES {
            break;
        }
        let ms = e.time.micros_since(START) as f64 / 1000.0;
        let who = who(live, e.node, s);
        let text = match &e.kind {
            TraceKind::Send { .. } => s
                .log_sends
                .replace("{who}", &who)
                .replace("{what}", e.label.as_deref().unwrap_or_default()),
            TraceKind::Event(ev) if ev.kind == "log" => {
                // Redis's own log line (level word dropped).
                let msg = ev.text.split_once(' ').map_or(ev.text.as_str(), |(_, m)| m);
                format!("{who}: {msg}")
            }
            TraceKind::Fault(f) => s.log_fault.replace("{what}", &fault_text(live, f, s)),
            TraceKind::Connect { .. } => s.log_connects.replace("{who}", &who),
            TraceKind::Closed { reason, .. } => {
                let why = match reason {
                    CloseReason::Peer => s.closed_peer,
                    CloseReason::Cut => s.closed_cut,
                    CloseReason::Refused => s.closed_refused,
                };
                s.log_closed.replace("{who}", &who).replace("{why}", why)
            }
            _ => continue,
        };
        if i >= before && live.step > 0 && fresh == out.len() {
            fresh += 1;
        }
        out.push(format!("{:>9} ms  {text}", Fixed(ms, 3)));
    }
    out.reverse();
    (out, fresh)
}

/// Everything the panels show at the session's current step, in English.
pub fn snapshot(session: &Session) -> Snapshot {
    snapshot_in(session, &crate::strings::EN)
}

/// Everything the panels show at the session's current step, with the event log in the
/// language of `s`.
pub fn snapshot_in(session: &Session, s: &Strings) -> Snapshot {
    let live = session.live();
    let now_us = live.sim.now().as_micros();
    let latency = session
        .settings()
        .latency_us
        .unwrap_or(session.scenario().link.latency_us)
        .max(1);
    let nodes: Vec<NodeView> = (0..live.nodes.len())
        .filter_map(|i| node_view(session, i))
        .collect();
    let packets = live
        .packets()
        .filter_map(|p| {
            let from = live.index_of(p.from);
            let to = live.index_of(p.to);
            if from.is_some_and(|i| live.nodes[i].removed)
                || to.is_some_and(|i| live.nodes[i].removed)
            {
                return None;
            }
            let progress = if p.delivered > 0 {
                p.delivered as f64 / p.len.max(1) as f64
            } else {
                (now_us.saturating_sub(p.sent_us) as f64 / latency as f64).min(0.9)
            };
            Some(PacketView {
                seq: p.seq,
                from,
                to,
                label: p.label.clone(),
                len: p.len,
                delivered: p.delivered,
                progress: progress.clamp(0.0, 1.0),
                preview: {
                    let mut t = super::resp::escape_bytes(&p.head);
                    if p.len > p.head.len() {
                        t.push('\u{2026}');
                    }
                    t
                },
            })
        })
        .collect();
    let (log, fresh) = log_lines(live, s);
    Snapshot {
        step: session.step(),
        horizon: session.horizon.max(session.step()),
        at_end: session.at_end(),
        time_ms: live.sim.now().micros_since(START) as f64 / 1000.0,
        nodes,
        packets,
        psync: live.psyncs.last().cloned(),
        psyncs: live.psyncs.clone(),
        log,
        fresh,
        events: live.sim.events_processed(),
    }
}
