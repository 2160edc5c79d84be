//! A session: one scenario run with a seed, settings and the user's own actions, advanced
//! one visible event at a time and rewound by deterministic replay.
//!
//! The session drives the core's [`Simulator`] the way [`replscope_core::sim::scenario::run`]
//! does (same node setup, same timed steps, same settle rule), but incrementally: a *tick*
//! processes simulator events until the trace grows (a message sent or delivered, a state
//! change, a fault) or a scenario action is applied. Step `n` is the state after `n` ticks.
//! Going back to step `n - 1` rebuilds the simulator and replays `n - 1` ticks, applying the
//! user's actions at the steps they were made: the simulator is deterministic, so the result
//! is the same state as before.

use std::collections::VecDeque;

use super::vecmap::VecMap;

use replscope_core::config::Config;
use replscope_core::persist::MemStorage;
use replscope_core::repl::ids::ReplIds;
use replscope_core::repl::psync::{
    master_try_partial_resynchronization, replica_name, FullResyncReason, MasterReplView,
    PsyncDecision,
};
use replscope_core::server::Server;
use replscope_core::sim::scenario::{
    apply_action, cut, ip_of, label, new_process, resp_command, restart_seed, Action, Scenario,
    ScenarioHost, START,
};
use replscope_core::sim::trace::{CloseReason, TraceKind};
use replscope_core::sim::{Dest, Fault, LinkId, LinkParams, NodeId, Probe, Simulator};
use replscope_core::time::Time;

/// Longest a settle waits (virtual milliseconds), as in the core's runner.
const SETTLE_LIMIT_MS: u64 = replscope_core::sim::scenario::SETTLE_LIMIT_MS;

/// Most simulator events one tick may process before giving up (cron ticks only).
const MAX_EVENTS_PER_TICK: u32 = 20_000;

/// Bytes of each message kept for the inspector.
pub const PREVIEW_BYTES: usize = 384;

/// Most replicas a session may have (scenario nodes plus added ones).
pub const MAX_NODES: usize = 6;

/// User-adjustable settings. Changing them restarts the session from the same scenario.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// `repl-backlog-size` of every node in bytes (`None`: the scenario's own).
    pub backlog_size: Option<u64>,
    /// Background writes per second (`SET w:<n mod 100> <100 bytes>`) sent to the first
    /// node while the scenario waits between steps (0: none).
    pub write_rate: u32,
    /// One-way link latency in microseconds (`None`: the scenario's own, 1 ms).
    pub latency_us: Option<u64>,
    /// Link bandwidth in bytes per second (`None`: the scenario's own, unlimited).
    pub bandwidth: Option<u64>,
}

/// Something the user did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserAction {
    /// A command line typed into a node's console.
    Command {
        /// The node.
        node: usize,
        /// The words.
        words: Vec<String>,
    },
    /// Cut the link(s) between two nodes (a partition until restored).
    Cut(usize, usize),
    /// Restore them.
    Restore(usize, usize),
    /// Crash a node.
    Crash(usize),
    /// Restart a crashed node with its state.
    Restart(usize),
    /// Add a replica of the first node.
    AddReplica,
    /// Remove a node (it crashes and disappears from the view).
    Remove(usize),
}

/// What a node is in the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    /// Its name (`master`, `replica-1`).
    pub name: String,
    /// Its port.
    pub port: u16,
    /// Its simulator id.
    pub id: NodeId,
    /// Removed by the user.
    pub removed: bool,
}

/// A message on a link, from its send until its last byte is delivered.
#[derive(Clone, Debug, PartialEq)]
pub struct Packet {
    /// The link.
    pub link: LinkId,
    /// Sender and receiver.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// Short label (`PSYNC ? -1`, `RDB 1.2 KiB`).
    pub label: String,
    /// Size in bytes.
    pub len: usize,
    /// Bytes delivered so far.
    pub delivered: usize,
    /// When it was sent (virtual microseconds).
    pub sent_us: u64,
    /// Sequence number (stable identity for animation).
    pub seq: u64,
    /// The first [`PREVIEW_BYTES`] bytes (for the message inspector and the PSYNC
    /// decision), and whether there were more.
    pub head: Vec<u8>,
}

/// The master's side of a PSYNC, captured when the request arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PsyncRecord {
    /// Step at which it was decided.
    pub step: usize,
    /// The master's node index.
    pub master: usize,
    /// The replica's node index (if known).
    pub replica: Option<usize>,
    /// The requested replid (`?` for a first sync).
    pub requested_replid: String,
    /// The requested offset.
    pub requested_offset: i64,
    /// Master's `replid`.
    pub replid: String,
    /// Master's `replid2`.
    pub replid2: String,
    /// `second_repl_offset`.
    pub second_repl_offset: i64,
    /// `(repl_backlog_first_byte_offset, repl_backlog_histlen)`.
    pub window: Option<(i64, i64)>,
    /// `master_repl_offset`.
    pub master_repl_offset: i64,
    /// `+CONTINUE` or `+FULLRESYNC`.
    pub outcome: &'static str,
    /// Why.
    pub reason: PsyncReason,
}

/// Why the master answered as it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PsyncReason {
    /// `+CONTINUE`: the id matched and the offset is inside the backlog window.
    Continue {
        /// It matched `replid2` (the replica switches to our history).
        via_replid2: bool,
        /// The requested offset.
        offset: i64,
        /// Backlog bytes sent after the reply.
        psync_len: i64,
    },
    /// `PSYNC ? -1`: the replica has no history to continue.
    NoHistory,
    /// Any other full resync: the line(s) Redis logs (`Partial resynchronization not
    /// accepted: ...`, `Unable to partial resync with replica ... for lack of backlog`).
    RedisLog(String),
}

impl PsyncReason {
    /// The explanation in the page's language (Redis's own log lines stay as they are).
    pub fn text(&self, s: &crate::strings::Strings) -> String {
        match self {
            PsyncReason::Continue {
                via_replid2,
                offset,
                psync_len,
            } => s
                .psync_continue
                .replace("{id}", if *via_replid2 { "replid2" } else { "replid" })
                .replace("{offset}", &offset.to_string())
                .replace("{len}", &psync_len.to_string()),
            PsyncReason::NoHistory => s.psync_no_history.to_string(),
            PsyncReason::RedisLog(line) => line.clone(),
        }
    }
}

/// Where the session is in its scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting until `until` before applying scenario step `next`.
    Wait { until: Time },
    /// Settling: run until quiet, then check the replicas are in sync (core rule).
    SettleQuiet { deadline: Time },
    /// Settling: nothing in flight but not in sync yet: let timers run until `until`.
    SettleNudge { deadline: Time, until: Time },
    /// Nothing more to do.
    Done,
}

/// The live simulation of a session (rebuilt on step back).
pub struct Live {
    /// The simulator.
    pub sim: Simulator,
    /// Every node (scenario nodes first, then added ones).
    pub nodes: Vec<NodeInfo>,
    /// The scripted client.
    pub client: NodeId,
    /// The consoles' client.
    pub console: NodeId,
    /// Console connection per node.
    console_conns: Vec<Option<u64>>,
    /// Client connection per node.
    client_conns: Vec<Option<u64>>,
    /// Typed command lines per node, in order, with the length of the console connection's
    /// received bytes when sent.
    pub console_log: Vec<Vec<String>>,
    scenario: Scenario,
    settings: Settings,
    next_step: usize,
    phase: Phase,
    next_write: Option<Time>,
    writes_sent: u64,
    /// Whether every settle reached a synced state.
    pub settled: bool,
    /// Trace entries already looked at.
    seen: usize,
    /// Link ends seen in the trace: (connector, acceptor).
    link_ends: VecMap<LinkId, (NodeId, NodeId)>,
    /// Messages in flight per (link, sender), oldest first.
    flights: VecMap<(LinkId, NodeId), VecDeque<Packet>>,
    next_seq: u64,
    /// Every PSYNC decision so far.
    pub psyncs: Vec<PsyncRecord>,
    /// Ticks applied.
    pub step: usize,
    /// Last RDB payload delivery per node: (bytes, step).
    pub rdb_received: Vec<Option<(usize, usize)>>,
    /// Each node's disk (its dump survives a crash unless a restart loses it).
    storages: Vec<MemStorage>,
    /// Each node's first seed (a new process gets a seed derived from it).
    seeds: Vec<u64>,
    /// Processes started in place of crashed ones so far.
    restarts: u64,
    /// Trace length at each step (`trace_lens[s]`: entries recorded after `s` ticks).
    pub trace_lens: Vec<usize>,
}

/// `v[i] = x`, growing `v` with `None` as needed (per-node tables are tiny).
fn put<T: Clone>(v: &mut Vec<Option<T>>, i: usize, x: Option<T>) {
    if v.len() <= i {
        v.resize(i + 1, None);
    }
    v[i] = x;
}

/// The settings applied to a scenario: link parameters and per-node configuration.
fn link_params(scenario: &Scenario, settings: &Settings) -> LinkParams {
    let mut p = scenario.link;
    if let Some(l) = settings.latency_us {
        p.latency_us = l;
    }
    if let Some(b) = settings.bandwidth {
        p.bandwidth = b;
    }
    p
}

fn new_server(
    spec_config: &[(&str, &str)],
    port: u16,
    replicaof: Option<(String, u16)>,
    settings: &Settings,
    node_seed: u64,
) -> Server {
    let mut config = Config {
        port,
        ..Config::default()
    };
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = spec_config
        .iter()
        .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect();
    if let Some(b) = settings.backlog_size {
        pairs.push((b"repl-backlog-size".to_vec(), b.to_string().into_bytes()));
    }
    let refs: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .map(|(k, v)| (k.as_slice(), v.as_slice()))
        .collect();
    // Scenario settings and slider values are valid configuration values.
    let _ = config.set_runtime(&refs);
    config.replicaof = replicaof;
    Server::new(config, node_seed, START)
}

/// Parse `PSYNC <replid> <offset>` (or `SYNC`) from a complete message.
fn parse_psync(b: &[u8]) -> Option<(String, i64)> {
    let (r, _) = super::resp::parse_reply(b, 0)?;
    let super::resp::Reply::Array(Some(items)) = r else {
        return None;
    };
    let words: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            super::resp::Reply::Bulk(Some(w)) => Some(String::from_utf8_lossy(w).into_owned()),
            _ => None,
        })
        .collect();
    match words.first().map(|w| w.to_ascii_uppercase()).as_deref() {
        Some("PSYNC") if words.len() == 3 => Some((words[1].clone(), words[2].parse().ok()?)),
        Some("SYNC") => Some(("?".to_string(), -1)),
        _ => None,
    }
}

/// What a master knew before an event (for the PSYNC decision).
struct MasterSnap {
    ids: ReplIds,
    window: Option<(i64, i64)>,
    master_repl_offset: i64,
}

/// Scenario steps run through the core's [`apply_action`], as in the core's runner; the
/// scenario's client is the session's client probe, and crash/restart keep the session's
/// guards (a node already down, a removed node).
impl ScenarioHost for Live {
    fn sim(&mut self) -> &mut Simulator {
        &mut self.sim
    }

    fn node_id(&self, i: usize) -> Option<NodeId> {
        self.nodes.get(i).map(|n| n.id)
    }

    fn port(&self, i: usize) -> u16 {
        self.scenario.nodes[i].port
    }

    fn send(&mut self, node: usize, bytes: Vec<u8>) {
        self.send_from(self.client, false, node, bytes);
    }

    fn crash(&mut self, node: usize) {
        Live::crash(self, node);
    }

    fn restart(&mut self, node: usize) {
        Live::restart(self, node);
    }

    fn new_process(&mut self, node: usize, keep_dump: bool) {
        Live::new_process(self, node, keep_dump);
    }

    /// The session settles in its own phases ([`Phase::SettleQuiet`]), step by step.
    fn settle(&mut self) {}
}

impl Live {
    /// Build the initial state of `scenario` with `seed` and `settings`.
    pub fn new(scenario: &Scenario, seed: u64, settings: Settings) -> Self {
        let mut sim: Simulator = Simulator::new(seed, START);
        sim.set_default_link(link_params(scenario, &settings));
        sim.trace_mut().set_labeler(Box::new(|_, b| Some(label(b))));
        let mut nodes = Vec::new();
        let mut storages = Vec::new();
        let mut seeds = Vec::new();
        for (i, spec) in scenario.nodes.iter().enumerate() {
            let replicaof = spec.replicaof.map(|m| (ip_of(m), scenario.nodes[m].port));
            let node_seed = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i as u64 + 1);
            let mut server = new_server(&spec.config, spec.port, replicaof, &settings, node_seed);
            let storage = MemStorage::new();
            server.set_storage(Box::new(storage.clone()));
            storages.push(storage);
            seeds.push(node_seed);
            let id = sim.add_node(Box::new(server), Some(spec.port));
            nodes.push(NodeInfo {
                name: spec.name.to_string(),
                port: spec.port,
                id,
                removed: false,
            });
        }
        let client = sim.add_node(Box::new(Probe::new()), None);
        let console = sim.add_node(Box::new(Probe::new()), None);
        let first_delay = scenario.steps.first().map_or(0, |s| s.delay_ms);
        let mut live = Live {
            sim,
            nodes,
            client,
            console,
            console_conns: Vec::new(),
            client_conns: Vec::new(),
            console_log: Vec::new(),
            scenario: scenario.clone(),
            settings,
            next_step: 0,
            phase: Phase::Wait {
                until: START.add_millis(first_delay),
            },
            next_write: None,
            writes_sent: 0,
            settled: true,
            seen: 0,
            link_ends: VecMap::new(),
            flights: VecMap::new(),
            next_seq: 0,
            psyncs: Vec::new(),
            step: 0,
            rdb_received: Vec::new(),
            storages,
            seeds,
            restarts: 0,
            trace_lens: Vec::new(),
        };
        if settings.write_rate > 0 {
            live.next_write = Some(START.add_micros(1_000_000 / u64::from(settings.write_rate)));
        }
        live.absorb_trace(&[]);
        live.trace_lens.push(live.sim.trace().entries().len());
        live
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether the scenario (and any settle after a user action) is over.
    pub fn finished(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Index of the next scenario step (equals the step count when all are applied).
    pub fn scenario_step(&self) -> usize {
        self.next_step
    }

    /// The server of node `i`.
    pub fn server(&self, i: usize) -> Option<&Server> {
        self.sim.node_as::<Server>(self.nodes.get(i)?.id)
    }

    /// Node index of a simulator node.
    pub fn index_of(&self, id: NodeId) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    /// Messages in flight, oldest first per link direction.
    pub fn packets(&self) -> impl Iterator<Item = &Packet> {
        self.flights.values().flat_map(|q| q.iter())
    }

    /// The console connection's received bytes for node `i`.
    pub fn console_received(&self, i: usize) -> &[u8] {
        let Some(Some(conn)) = self.console_conns.get(i) else {
            return &[];
        };
        self.sim
            .node_as::<Probe>(self.console)
            .and_then(|p| p.conn(*conn))
            .map_or(&[], |c| c.received.as_slice())
    }

    /// Index of node `i`'s master among the session's nodes.
    pub fn master_of(&self, i: usize) -> Option<usize> {
        let srv = self.server(i)?;
        let (host, port) = srv.state().config.replicaof.as_ref()?;
        (0..self.nodes.len()).find(|&m| {
            self.sim.addr_of(self.nodes[m].id) == host.as_str() && self.nodes[m].port == *port
        })
    }

    fn send_from(&mut self, probe: NodeId, console: bool, node: usize, bytes: Vec<u8>) {
        let Some(info) = self.nodes.get(node) else {
            return;
        };
        let to = info.id;
        let conns = if console {
            &self.console_conns
        } else {
            &self.client_conns
        };
        let old = conns.get(node).copied().flatten();
        let conn = self.sim.with_node_as(probe, |p: &mut Probe, _| {
            let c = match old.filter(|c| p.conn(*c).is_some_and(|pc| !pc.closed)) {
                Some(c) => c,
                None => p.connect(Dest::Node(to)),
            };
            p.send(c, &bytes);
            c
        });
        if let Some(conn) = conn {
            let conns = if console {
                &mut self.console_conns
            } else {
                &mut self.client_conns
            };
            put(conns, node, Some(conn));
        }
    }

    /// A new process for node `i` with its current configuration, loading its dump when
    /// `keep_dump`: the core scenario runner's [`new_process`], with the same seeds.
    fn new_process(&mut self, i: usize, keep_dump: bool) {
        let Some(id) = self.nodes.get(i).map(|n| n.id) else {
            return;
        };
        if i >= self.storages.len() || self.sim.node_as::<Server>(id).is_none() {
            return;
        }
        self.restarts += 1;
        let seed = restart_seed(self.seeds[i], self.restarts);
        new_process(&mut self.sim, id, &mut self.storages[i], seed, keep_dump);
    }

    fn cut(&mut self, a: usize, b: usize) {
        let (Some(a), Some(b)) = (self.nodes.get(a), self.nodes.get(b)) else {
            return;
        };
        cut(&mut self.sim, a.id, b.id);
    }

    fn restore(&mut self, a: usize, b: usize) {
        if let (Some(a), Some(b)) = (self.nodes.get(a), self.nodes.get(b)) {
            let (a, b) = (a.id, b.id);
            self.sim.inject(Fault::Heal(a, b));
        }
    }

    fn crash(&mut self, n: usize) {
        if let Some(info) = self.nodes.get(n) {
            if self.sim.is_up(info.id) {
                let id = info.id;
                self.sim.inject(Fault::Crash(id));
            }
        }
    }

    fn restart(&mut self, n: usize) {
        if let Some(info) = self.nodes.get(n) {
            if !self.sim.is_up(info.id) && !info.removed {
                let id = info.id;
                self.sim.inject(Fault::Restart(id));
            }
        }
    }

    /// Apply a user action now (the caller records it in the session log).
    pub fn apply_user(&mut self, action: &UserAction) {
        match action {
            UserAction::Command { node, words } => {
                if words.is_empty() {
                    return;
                }
                if self.console_log.len() <= *node {
                    self.console_log.resize(*node + 1, Vec::new());
                }
                self.console_log[*node].push(words.join(" "));
                self.send_from(self.console, true, *node, resp_command(words));
            }
            UserAction::Cut(a, b) => self.cut(*a, *b),
            UserAction::Restore(a, b) => self.restore(*a, *b),
            UserAction::Crash(n) => self.crash(*n),
            UserAction::Restart(n) => self.restart(*n),
            UserAction::AddReplica => {
                if self.nodes.iter().filter(|n| !n.removed).count() >= MAX_NODES {
                    return;
                }
                let i = self.nodes.len();
                let port = 6380 + i as u16;
                let master = (ip_of(0), self.nodes[0].port);
                let seed = 0x5eed_u64 ^ (i as u64 + 1);
                let spec_config: Vec<(&str, &str)> = Vec::new();
                let mut server = new_server(&spec_config, port, Some(master), &self.settings, seed);
                let storage = MemStorage::new();
                server.set_storage(Box::new(storage.clone()));
                self.storages.push(storage);
                self.seeds.push(seed);
                let id = self.sim.add_node(Box::new(server), Some(port));
                self.nodes.push(NodeInfo {
                    name: format!("replica-{i}"),
                    port,
                    id,
                    removed: false,
                });
            }
            UserAction::Remove(n) => {
                if *n == 0 {
                    return;
                }
                self.crash(*n);
                if let Some(info) = self.nodes.get_mut(*n) {
                    info.removed = true;
                }
            }
        }
        // After the scenario ended, let the consequences play out (a settle).
        if self.phase == Phase::Done {
            self.phase = Phase::SettleQuiet {
                deadline: self.sim.now().add_millis(SETTLE_LIMIT_MS),
            };
        }
        self.absorb_new();
    }

    fn in_sync(&self) -> bool {
        if !self.sim.is_quiet() {
            return false;
        }
        (0..self.nodes.len()).all(|i| {
            if !self.sim.is_up(self.nodes[i].id) {
                return true;
            }
            let Some(m) = self.master_of(i) else {
                return true;
            };
            if !self.sim.is_up(self.nodes[m].id) {
                return true;
            }
            let (Some(r), Some(ms)) = (self.server(i), self.server(m)) else {
                return true;
            };
            r.master_link_up()
                && r.state().master.backlog.master_repl_offset()
                    == ms.state().master.backlog.master_repl_offset()
        })
    }

    fn snapshot_masters(&self) -> Vec<Option<MasterSnap>> {
        (0..self.nodes.len())
            .map(|i| {
                let st = self.server(i)?.state();
                Some(MasterSnap {
                    ids: st.master.ids.clone(),
                    window: st.master.backlog.window(),
                    master_repl_offset: st.master.backlog.master_repl_offset(),
                })
            })
            .collect()
    }

    fn sim_step(&mut self) {
        let snaps = self.snapshot_masters();
        self.sim.step();
        self.absorb_trace(&snaps);
    }

    /// Absorb trace entries recorded outside [`Live::sim_step`] (actions, writes).
    fn absorb_new(&mut self) {
        let snaps = self.snapshot_masters();
        self.absorb_trace(&snaps);
    }

    /// Update link ends, packets in flight and PSYNC decisions from new trace entries.
    fn absorb_trace(&mut self, snaps: &[Option<MasterSnap>]) {
        let entries = self.sim.trace().entries();
        let new: Vec<_> = entries[self.seen.min(entries.len())..].to_vec();
        self.seen = entries.len();
        for e in new {
            let Some(link) = e.link else {
                if let TraceKind::Fault(Fault::Crash(n)) = &e.kind {
                    // Bytes towards a crashed node are lost.
                    self.flights.retain(|(l, _), _| {
                        self.link_ends.get(l).is_none_or(|(a, b)| a != n && b != n)
                    });
                }
                continue;
            };
            match &e.kind {
                TraceKind::Connect { to: Some(to), .. } => {
                    self.link_ends.insert(link, (e.node, *to));
                }
                TraceKind::Accept { from, .. } => {
                    self.link_ends.insert(link, (*from, e.node));
                }
                TraceKind::Send { bytes, .. } => {
                    let Some(&(a, b)) = self.link_ends.get(&link) else {
                        continue;
                    };
                    let to = if e.node == a { b } else { a };
                    let label = e.label.clone().unwrap_or_else(|| label(bytes));
                    self.next_seq += 1;
                    self.flights
                        .get_or_default((link, e.node))
                        .push_back(Packet {
                            link,
                            from: e.node,
                            to,
                            label,
                            len: bytes.len(),
                            delivered: 0,
                            sent_us: e.time.as_micros(),
                            seq: self.next_seq,
                            head: bytes[..bytes.len().min(PREVIEW_BYTES)].to_vec(),
                        });
                }
                TraceKind::Deliver { bytes, .. } => {
                    let Some(&(a, b)) = self.link_ends.get(&link) else {
                        continue;
                    };
                    let sender = if e.node == a { b } else { a };
                    let mut left = bytes.len();
                    let mut done = Vec::new();
                    if let Some(q) = self.flights.get_mut(&(link, sender)) {
                        while left > 0 {
                            let Some(front) = q.front_mut() else { break };
                            let take = left.min(front.len - front.delivered);
                            front.delivered += take;
                            left -= take;
                            if front.delivered >= front.len {
                                if let Some(p) = q.pop_front() {
                                    done.push(p);
                                }
                            }
                        }
                    }
                    for p in done {
                        self.delivered(p, e.node, snaps);
                    }
                }
                TraceKind::Closed { reason, .. } => {
                    if *reason == CloseReason::Cut {
                        self.flights.retain(|(l, _), _| *l != link);
                    } else {
                        // The peer closed: nothing more will come from us on this link
                        // to a closed end; what the peer sent already still arrives.
                        self.flights.remove(&(link, e.node));
                    }
                }
                _ => {}
            }
        }
    }

    fn delivered(&mut self, p: Packet, to: NodeId, snaps: &[Option<MasterSnap>]) {
        let Some(master) = self.index_of(to) else {
            return;
        };
        if p.label.contains("RDB ") {
            put(&mut self.rdb_received, master, Some((p.len, self.step + 1)));
        }
        if !(p.label.starts_with("PSYNC") || p.label.starts_with("SYNC")) {
            return;
        }
        let Some((replid, offset)) = parse_psync(&p.head) else {
            return;
        };
        let Some(Some(snap)) = snaps.get(master) else {
            return;
        };
        let view = MasterReplView {
            ids: &snap.ids,
            window: snap.window,
            master_repl_offset: snap.master_repl_offset,
        };
        let decision = master_try_partial_resynchronization(replid.as_bytes(), offset, &view);
        let (outcome, reason) = match decision {
            PsyncDecision::Continue {
                offset,
                psync_len,
                via_replid2,
            } => (
                "+CONTINUE",
                PsyncReason::Continue {
                    via_replid2,
                    offset,
                    psync_len,
                },
            ),
            PsyncDecision::FullResync { reason } => {
                let why = match &reason {
                    FullResyncReason::Requested => PsyncReason::NoHistory,
                    other => {
                        let name = self.index_of(p.from).map_or_else(
                            || "replica".to_string(),
                            |r| {
                                let ip = self.sim.addr_of(self.nodes[r].id);
                                replica_name(ip, i32::from(self.nodes[r].port))
                            },
                        );
                        PsyncReason::RedisLog(other.log_lines(&name).join(" "))
                    }
                };
                ("+FULLRESYNC", why)
            }
        };
        self.psyncs.push(PsyncRecord {
            step: self.step + 1,
            master,
            replica: self.index_of(p.from),
            requested_replid: replid,
            requested_offset: offset,
            replid: snap.ids.replid.to_string_lossy(),
            replid2: snap.ids.replid2.to_string_lossy(),
            second_repl_offset: snap.ids.second_repl_offset,
            window: snap.window,
            master_repl_offset: snap.master_repl_offset,
            outcome,
            reason,
        });
    }

    /// Background writes due before `limit`: send the next one if it is due before the
    /// next event; true if one was sent.
    fn maybe_write(&mut self, limit: Time) -> bool {
        let Some(at) = self.next_write else {
            return false;
        };
        let next_ev = self.sim.next_event_time();
        if at > limit || next_ev.is_some_and(|t| t <= at) {
            return false;
        }
        self.sim.run_until(at);
        self.writes_sent += 1;
        let n = self.writes_sent;
        // 100-byte values, like the scenarios' bulk writes.
        let words = vec![
            "SET".to_string(),
            format!("w:{}", n % 100),
            format!("{n:0>100}"),
        ];
        self.send_from(self.client, false, 0, resp_command(&words));
        self.absorb_new();
        let gap = 1_000_000 / u64::from(self.settings.write_rate.max(1));
        self.next_write = Some(at.add_micros(gap));
        true
    }

    /// One unit of progress: one simulator event or one scenario action. Returns whether
    /// anything happened (false when done).
    fn advance(&mut self) -> bool {
        match self.phase {
            Phase::Done => false,
            Phase::Wait { until } => {
                if self.maybe_write(until) {
                    return true;
                }
                if self.sim.next_event_time().is_some_and(|t| t <= until) {
                    self.sim_step();
                    return true;
                }
                self.sim.run_until(until);
                match self.scenario.steps.get(self.next_step).cloned() {
                    Some(s) => {
                        apply_action(self, &s.action);
                        self.absorb_new();
                        self.next_step += 1;
                        self.phase = if s.action == Action::Settle {
                            Phase::SettleQuiet {
                                deadline: self.sim.now().add_millis(SETTLE_LIMIT_MS),
                            }
                        } else {
                            self.wait_for_next()
                        };
                    }
                    None => {
                        // After the last step: the final settle.
                        self.next_write = None;
                        self.phase = Phase::SettleQuiet {
                            deadline: self.sim.now().add_millis(SETTLE_LIMIT_MS),
                        };
                        // Mark the final settle so it ends in Done.
                        self.next_step = self.scenario.steps.len() + 1;
                    }
                }
                true
            }
            Phase::SettleQuiet { deadline } => {
                if !self.sim.is_quiet() && self.sim.next_event_time().is_some_and(|t| t <= deadline)
                {
                    self.sim_step();
                    return true;
                }
                if self.in_sync() {
                    self.phase = self.wait_for_next();
                } else if self.sim.now() >= deadline {
                    self.settled = false;
                    self.phase = self.wait_for_next();
                } else {
                    let until = self.sim.now().add_millis(50).min(deadline);
                    self.phase = Phase::SettleNudge { deadline, until };
                }
                true
            }
            Phase::SettleNudge { deadline, until } => {
                if self.sim.next_event_time().is_some_and(|t| t <= until) {
                    self.sim_step();
                } else {
                    self.sim.run_until(until);
                    self.phase = Phase::SettleQuiet { deadline };
                }
                true
            }
        }
    }

    /// The phase after a step or a settle: wait for the next step, or be done.
    fn wait_for_next(&self) -> Phase {
        if self.next_step > self.scenario.steps.len() {
            return Phase::Done;
        }
        match self.scenario.steps.get(self.next_step) {
            Some(s) => Phase::Wait {
                until: self.sim.now().add_millis(s.delay_ms),
            },
            // All steps applied: wait 0 then settle finally.
            None => Phase::Wait {
                until: self.sim.now(),
            },
        }
    }

    /// One tick: advance until the trace grows or a scenario action is applied. Returns
    /// false when there is nothing left to do.
    pub fn tick(&mut self) -> bool {
        let entries = self.sim.trace().entries().len();
        let step = self.next_step;
        for _ in 0..MAX_EVENTS_PER_TICK {
            if !self.advance() {
                return false;
            }
            if self.sim.trace().entries().len() != entries
                || self.next_step != step
                || self.phase == Phase::Done
            {
                self.step += 1;
                self.trace_lens.push(self.sim.trace().entries().len());
                return true;
            }
        }
        self.step += 1;
        self.trace_lens.push(self.sim.trace().entries().len());
        true
    }
}

/// A session: scenario, seed, settings and the user's actions, at a step.
pub struct Session {
    scenario: Scenario,
    seed: u64,
    settings: Settings,
    /// User actions with the step they were applied at, in order.
    actions: Vec<(usize, UserAction)>,
    live: Live,
    /// Steps known to exist (the furthest step reached so far).
    pub horizon: usize,
    /// Whether the run is over at the horizon.
    pub ended_at_horizon: bool,
    /// The state right before the current step, for "what changed".
    prev_keys: Option<Vec<VecMap<String, u64>>>,
}

impl Session {
    /// A new session at step 0.
    pub fn new(scenario: Scenario, seed: u64, settings: Settings) -> Self {
        let live = Live::new(&scenario, seed, settings);
        Session {
            scenario,
            seed,
            settings,
            actions: Vec::new(),
            live,
            horizon: 0,
            ended_at_horizon: false,
            prev_keys: None,
        }
    }

    /// The live state at the current step.
    pub fn live(&self) -> &Live {
        &self.live
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The settings.
    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// The user actions so far with their steps.
    pub fn actions(&self) -> &[(usize, UserAction)] {
        &self.actions
    }

    /// The current step.
    pub fn step(&self) -> usize {
        self.live.step
    }

    /// Whether the run has nothing left to do at the current step.
    pub fn at_end(&self) -> bool {
        self.live.finished()
    }

    fn apply_actions_at(&mut self, step: usize) {
        let due: Vec<UserAction> = self
            .actions
            .iter()
            .filter(|(s, _)| *s == step)
            .map(|(_, a)| a.clone())
            .collect();
        for a in due {
            self.live.apply_user(&a);
        }
    }

    fn tick_live(&mut self) -> bool {
        let ok = self.live.tick();
        if ok {
            let s = self.live.step;
            self.apply_actions_at(s);
            if s >= self.horizon {
                self.horizon = s;
                self.ended_at_horizon = self.live.finished();
            }
        } else {
            self.ended_at_horizon = true;
        }
        ok
    }

    /// Advance one step; false at the end.
    pub fn step_forward(&mut self) -> bool {
        let snap = super::view::key_fingerprints(&self.live);
        let ok = self.tick_live();
        if ok {
            self.prev_keys = Some(snap);
        }
        ok
    }

    /// Go to step `n` (replaying from the start when going back). Stops early at the end.
    pub fn seek(&mut self, n: usize) {
        if n == self.live.step {
            return;
        }
        if n < self.live.step {
            self.live = Live::new(&self.scenario, self.seed, self.settings);
            self.apply_actions_at(0);
            self.prev_keys = None;
        }
        while self.live.step + 1 < n {
            if !self.tick_live() {
                return;
            }
        }
        if self.live.step < n {
            self.step_forward();
        }
    }

    /// Go back one step.
    pub fn step_back(&mut self) {
        if self.live.step > 0 {
            self.seek(self.live.step - 1);
        }
    }

    /// Run to the end (at most `limit` steps).
    pub fn run_to_end(&mut self, limit: usize) {
        for _ in 0..limit {
            if !self.step_forward() {
                break;
            }
        }
    }

    /// Back to step 0 (user actions kept).
    pub fn restart(&mut self) {
        self.seek(0);
    }

    /// Apply a user action at the current step. Later recorded actions are dropped (the
    /// future is re-simulated from here).
    pub fn act(&mut self, action: UserAction) {
        let now = self.live.step;
        self.actions.retain(|(s, _)| *s <= now);
        self.horizon = now;
        self.ended_at_horizon = false;
        self.live.apply_user(&action);
        self.actions.push((now, action));
    }

    /// Change settings: the run restarts and replays to the current step.
    pub fn set_settings(&mut self, settings: Settings) {
        let at = self.live.step;
        self.settings = settings;
        self.live = Live::new(&self.scenario, self.seed, settings);
        self.apply_actions_at(0);
        self.horizon = 0;
        self.prev_keys = None;
        self.seek(at);
    }

    /// How many steps the whole run takes with the recorded actions (replayed on a
    /// separate simulator; at most `limit`). The timeline's length.
    pub fn measure_end(&self, limit: usize) -> usize {
        self.replay_to_end(limit).step
    }

    /// The whole run with the recorded actions, replayed on a separate simulator (at most
    /// `limit` steps): the tour places its moments and the exports render from it.
    pub fn replay_to_end(&self, limit: usize) -> Live {
        let mut live = Live::new(&self.scenario, self.seed, self.settings);
        let apply = |live: &mut Live, step: usize| {
            for (_, a) in self.actions.iter().filter(|(s, _)| *s == step) {
                live.apply_user(a);
            }
        };
        apply(&mut live, 0);
        while live.step < limit && live.tick() {
            let s = live.step;
            apply(&mut live, s);
        }
        live
    }

    /// A session with recorded actions (from a permalink), at step 0.
    pub fn with_actions(
        scenario: Scenario,
        seed: u64,
        settings: Settings,
        actions: Vec<(usize, UserAction)>,
    ) -> Self {
        let mut s = Session::new(scenario, seed, settings);
        s.actions = actions;
        s.apply_actions_at(0);
        s
    }

    /// Key fingerprints at the previous step (for highlighting changed keys).
    pub fn prev_keys(&self) -> Option<&Vec<VecMap<String, u64>>> {
        self.prev_keys.as_ref()
    }
}
