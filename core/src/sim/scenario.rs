//! Named replication scenarios as data, a runner, and a label function for trace messages.
//!
//! A [`Scenario`] is a topology (a master and replicas configured with `replicaof`), link
//! parameters, and a timed list of [`Step`]s: a client command to a node (or a pipeline, or
//! a steady stream of writes), a link cut or stalled and its restoration, a crash, a restart
//! with the same state, a new process from the node's dump or with its dump lost,
//! `REPLICAOF NO ONE` / `REPLICAOF <node>`, waiting for the replicas to be in sync.
//! [`run`] executes one with a seed on the [`Simulator`] with real
//! [`Server`] nodes and a scripted client ([`Probe`]), and returns the trace, a
//! timeline ([`TimelineEntry`]) a viewer can print, and every node's final state ([`NodeState`]).
//!
//! Durations are Redis's own (`repl-ping-replica-period` 10 s, `repl-timeout` 60 s, the
//! cron at `hz` 10): the clock is virtual, so the runner just moves it forward.

use crate::vecmap::VecMap;

use super::trace::{CloseReason, TraceEntry, TraceKind};
use super::{ChunkPolicy, Dest, Fault, LinkParams, NodeId, Probe, SimEvent, Simulator};
use crate::cmd::{dataset_digest, digest_hex};
use crate::config::Config;
use crate::dtoa::{trimmed, Fixed};
use crate::persist::MemStorage;
use crate::server::Server;
use crate::time::Time;

/// The virtual time every scenario starts at.
pub const START: Time = Time::from_millis(1_700_000_000_000);

/// Longest a [`Action::Settle`] waits for the replicas (virtual time).
pub const SETTLE_LIMIT_MS: u64 = 120_000;

/// One server of a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSpec {
    /// Its name in the timeline (`master`, `replica-1` ...).
    pub name: &'static str,
    /// Listening port.
    pub port: u16,
    /// `replicaof` at startup: the index of its master in [`Scenario::nodes`].
    pub replicaof: Option<usize>,
    /// Extra configuration (`repl-backlog-size` ...), applied as `CONFIG SET` would.
    pub config: Vec<(&'static str, &'static str)>,
}

/// Something that happens in a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A client sends a command (words) to a node.
    Command {
        /// The node's index.
        node: usize,
        /// The command's words.
        words: Vec<String>,
    },
    /// A client sends `count` `SET <prefix><i> <value>` commands in one pipeline.
    Writes {
        /// The node's index.
        node: usize,
        /// How many.
        count: usize,
        /// Key prefix.
        prefix: &'static str,
        /// Value length in bytes.
        value_len: usize,
    },
    /// A client writes at a steady rate: `count` commands `SET <prefix><i % keys> <value>`,
    /// one message every `interval_us` virtual microseconds (the simulation runs between
    /// them), the first one now.
    WriteStream {
        /// The node's index.
        node: usize,
        /// How many writes.
        count: usize,
        /// Virtual microseconds between two writes.
        interval_us: u64,
        /// Key prefix.
        prefix: &'static str,
        /// Distinct keys written (cycled; at least 1).
        keys: usize,
        /// Value length in bytes.
        value_len: usize,
    },
    /// Reset every link between two nodes and keep them apart until [`Action::Restore`]
    /// (new connections between them hang).
    Cut(usize, usize),
    /// Stall every link between two nodes without resetting it: bytes queue and nothing
    /// arrives (new connections between them hang) until [`Action::Restore`].
    Hold(usize, usize),
    /// Let two nodes talk again.
    Restore(usize, usize),
    /// The node's process dies (its connections close, it refuses new ones).
    Crash(usize),
    /// The node comes back with the state it had.
    Restart(usize),
    /// A new process starts in place of the node (crashed or running: it is crashed first)
    /// with the node's current configuration and loads the node's dump as Redis does at
    /// startup (`loadDataFromDisk`: a master with `repl-id`/`repl-offset` aux fields keeps
    /// its history as `replid2`); with no dump it starts empty.
    RestartFromDump(usize),
    /// A new process starts in place of the node with its dump lost: an empty dataset, a
    /// new replication id, offset 0 (a data-losing crash).
    RestartEmpty(usize),
    /// `REPLICAOF NO ONE` sent to a node.
    Promote(usize),
    /// `REPLICAOF <host of master> <port of master>` sent to `node`.
    ReplicaOf {
        /// The node.
        node: usize,
        /// Its new master.
        master: usize,
    },
    /// Run until no bytes are in flight and every running replica's link is up with its
    /// master's offset (at most [`SETTLE_LIMIT_MS`]).
    Settle,
}

/// An action after a delay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Virtual milliseconds after the previous step (or the start).
    pub delay_ms: u64,
    /// What happens.
    pub action: Action,
}

/// A named scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// Its name (`full-sync` ...).
    pub name: &'static str,
    /// One line saying what it shows.
    pub description: &'static str,
    /// The servers.
    pub nodes: Vec<NodeSpec>,
    /// Parameters of every link.
    pub link: LinkParams,
    /// What happens, in order.
    pub steps: Vec<Step>,
    /// Mark the five classic steps of a full synchronization in the timeline.
    pub five_steps: bool,
}

/// What every scenario node runs with unless its scenario says otherwise: 7.0's defaults,
/// but a diskless sync starts at once (`repl-diskless-sync-delay 0` instead of 5 s, which
/// would only add five keepalive newlines to scenarios about something else). The `full-sync`
/// and `diskless` scenarios set their own.
const QUICK_SYNC: (&str, &str) = ("repl-diskless-sync-delay", "0");

fn node(name: &'static str, port: u16, replicaof: Option<usize>) -> NodeSpec {
    NodeSpec {
        name,
        port,
        replicaof,
        config: vec![QUICK_SYNC],
    }
}

/// A node with exactly this configuration (replacing [`node`]'s default).
fn node_with(
    name: &'static str,
    port: u16,
    replicaof: Option<usize>,
    config: Vec<(&'static str, &'static str)>,
) -> NodeSpec {
    NodeSpec {
        config,
        ..node(name, port, replicaof)
    }
}

fn step(delay_ms: u64, action: Action) -> Step {
    Step { delay_ms, action }
}

fn cmd(node: usize, line: &str) -> Action {
    Action::Command {
        node,
        words: line.split_whitespace().map(str::to_string).collect(),
    }
}

fn lan() -> LinkParams {
    LinkParams {
        latency_us: 1_000,
        bandwidth: 0,
        chunking: ChunkPolicy::Random {
            max_chunk: 16 * 1024,
        },
    }
}

/// Every named scenario, in the order `--list` prints them.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "full-sync",
            description: "a replica's first sync: PSYNC ? -1, +FULLRESYNC, BGSAVE, RDB, buffered writes, streaming",
            nodes: vec![
                // The classic disk-based sync, with a BGSAVE slow enough (100 ms a key, as
                // Redis's own rdb-key-save-delay) to watch writes being buffered.
                node_with(
                    "master",
                    6379,
                    None,
                    vec![("repl-diskless-sync", "no"), ("rdb-key-save-delay", "100000")],
                ),
                // Loading takes time too (50 ms a key, Redis's key-load-delay).
                node_with(
                    "replica",
                    6380,
                    Some(0),
                    vec![QUICK_SYNC, ("key-load-delay", "50000")],
                ),
            ],
            link: lan(),
            steps: vec![
                step(50, cmd(0, "SET greeting hello")),
                step(0, cmd(0, "RPUSH list a b c")),
                // While the master's BGSAVE runs: buffered for the replica.
                step(100, cmd(0, "SET during-bgsave 1")),
                step(0, Action::Settle),
                step(200, cmd(0, "INCR counter")),
                step(0, cmd(0, "SET k v")),
                step(0, Action::Settle),
            ],
            five_steps: true,
        },
        Scenario {
            name: "partial-resync",
            description: "a short disconnect: the replica asks PSYNC <replid> <offset> and gets +CONTINUE",
            nodes: vec![node("master", 6379, None), node("replica", 6380, Some(0))],
            link: lan(),
            steps: vec![
                step(0, cmd(0, "SET a 1")),
                step(0, Action::Settle),
                step(100, Action::Cut(0, 1)),
                step(10, cmd(0, "SET b 2")),
                step(0, cmd(0, "INCR a")),
                step(2_000, Action::Restore(0, 1)),
                step(0, Action::Settle),
                step(100, cmd(0, "SET c 3")),
                step(0, Action::Settle),
            ],
            five_steps: false,
        },
        Scenario {
            name: "backlog-overflow",
            description: "a long disconnect with many writes overflows a 16 KiB backlog: full resync again",
            nodes: vec![
                // Saving and loading 1,001 keys take 0.5 s each: what a full resync costs.
                node_with(
                    "master",
                    6379,
                    None,
                    vec![
                        QUICK_SYNC,
                        ("repl-backlog-size", "16384"),
                        ("rdb-key-save-delay", "500"),
                    ],
                ),
                node_with(
                    "replica",
                    6380,
                    Some(0),
                    vec![QUICK_SYNC, ("key-load-delay", "500")],
                ),
            ],
            link: lan(),
            steps: vec![
                step(0, cmd(0, "SET a 1")),
                step(0, Action::Settle),
                step(100, Action::Cut(0, 1)),
                step(10, Action::Writes {
                    node: 0,
                    count: 1_000,
                    prefix: "key:",
                    value_len: 100,
                }),
                step(5_000, Action::Restore(0, 1)),
                step(0, Action::Settle),
            ],
            five_steps: false,
        },
        Scenario {
            name: "failover",
            description: "the master crashes, replica-1 is promoted, replica-2 follows it with a partial resync through replid2",
            nodes: vec![
                node("master", 6379, None),
                node("replica-1", 6380, Some(0)),
                node("replica-2", 6381, Some(0)),
            ],
            link: lan(),
            steps: vec![
                step(0, cmd(0, "SET a 1")),
                step(0, cmd(0, "SADD s x y z")),
                step(0, Action::Settle),
                step(100, cmd(0, "SET b 2")),
                step(0, Action::Settle),
                step(100, Action::Crash(0)),
                step(1_000, Action::Promote(1)),
                step(10, Action::ReplicaOf { node: 2, master: 1 }),
                step(0, Action::Settle),
                step(100, cmd(1, "SET after-failover yes")),
                step(0, Action::Settle),
            ],
            five_steps: false,
        },
        Scenario {
            name: "chain",
            description: "master -> replica -> sub-replica: the middle node proxies the stream (same replid and offsets), then its link to the master drops and resumes with +CONTINUE",
            nodes: vec![
                node("master", 6379, None),
                node("replica", 6380, Some(0)),
                node("sub-replica", 6381, Some(1)),
            ],
            link: lan(),
            steps: vec![
                step(0, cmd(0, "SET a 1")),
                step(0, Action::Settle),
                step(100, cmd(0, "HSET h f v")),
                step(0, cmd(0, "INCR a")),
                step(0, Action::Settle),
                // The middle link drops: the replica resyncs partially, the sub-replica stays.
                step(100, Action::Cut(0, 1)),
                step(10, cmd(0, "SET during-cut 1")),
                step(1_500, Action::Restore(0, 1)),
                step(0, Action::Settle),
            ],
            five_steps: false,
        },
        Scenario {
            name: "diskless",
            description: "diskless sync (7.0's default): the master waits repl-diskless-sync-delay for more replicas, then streams one RDB to both straight from the fork, framed by $EOF:<mark>",
            nodes: vec![
                node_with(
                    "master",
                    6379,
                    None,
                    vec![
                        ("repl-diskless-sync", "yes"),
                        ("repl-diskless-sync-delay", "2"),
                        ("rdb-key-save-delay", "50000"),
                    ],
                ),
                node("replica-1", 6380, Some(0)),
                node("replica-2", 6381, None),
            ],
            link: lan(),
            steps: vec![
                step(0, cmd(0, "SET a 1")),
                step(0, cmd(0, "HSET h f v")),
                // replica-2 arrives during the delay: one transfer serves both.
                step(1_000, Action::ReplicaOf { node: 2, master: 0 }),
                step(0, Action::Settle),
                step(100, cmd(0, "SET after-sync 1")),
                step(0, Action::Settle),
            ],
            five_steps: false,
        },
        Scenario {
            name: "wait",
            description: "WAIT 1 confirms a write reached the replica; a write acknowledged while the link stalls gets WAIT (0) and is lost when the master crashes and the replica is promoted",
            nodes: vec![node("master", 6379, None), node("replica", 6380, Some(0))],
            link: lan(),
            steps: vec![
                step(0, cmd(0, "SET a 1")),
                step(0, Action::Settle),
                // Confirmed: the master asks REPLCONF GETACK, the replica's ACK answers WAIT.
                step(100, cmd(0, "SET safe-key 1")),
                step(0, cmd(0, "WAIT 1 1000")),
                step(0, Action::Settle),
                // The link stalls: the master still counts the replica, nothing arrives.
                step(100, Action::Hold(0, 1)),
                step(10, cmd(0, "SET lost-key 1")),
                step(0, cmd(0, "WAIT 1 500")),
                // WAIT answered (0) after 500 ms; then the master dies, its bytes undelivered.
                step(1_000, Action::Crash(0)),
                step(1_000, Action::Promote(1)),
                step(100, cmd(1, "GET safe-key")),
                step(0, cmd(1, "GET lost-key")),
                // The old master is restarted as a new process (loading its dump, if it has
                // one) and follows the new master: its history diverged (it had lost-key), so
                // it must full-resync.
                step(100, Action::Restore(0, 1)),
                step(0, Action::RestartFromDump(0)),
                step(10, Action::ReplicaOf { node: 0, master: 1 }),
                step(0, Action::Settle),
                step(100, cmd(0, "GET lost-key")),
                step(0, Action::Settle),
            ],
            five_steps: false,
        },
        Scenario {
            name: "restart",
            description: "the master shuts down saving a dump with repl-id/repl-offset, restarts from it (old id as replid2), and its replicas continue with +CONTINUE <new id>",
            nodes: vec![
                node("master", 6379, None),
                node("replica-1", 6380, Some(0)),
                node("replica-2", 6381, Some(0)),
            ],
            link: lan(),
            steps: vec![
                step(0, cmd(0, "SET a 1")),
                step(0, cmd(0, "RPUSH list x y z")),
                step(0, Action::Settle),
                step(100, cmd(0, "SET b 2")),
                step(0, Action::Settle),
                // SHUTDOWN saves the final dump (save points are configured) and exits.
                step(100, cmd(0, "SHUTDOWN")),
                step(2_000, Action::RestartFromDump(0)),
                step(0, Action::Settle),
                step(100, cmd(0, "SET after-restart yes")),
                step(0, Action::Settle),
            ],
            five_steps: false,
        },
    ]
}

/// The scenario called `name`.
pub fn scenario(name: &str) -> Option<Scenario> {
    scenarios().into_iter().find(|s| s.name == name)
}

/// What [`probed`] asks every node at the end of a scenario: everything a node prints about
/// itself (INFO's sections, its clients, its configuration, its role).
pub const PROBE_COMMANDS: &[&[&str]] = &[
    &["INFO", "everything"],
    &["CLIENT", "LIST"],
    &["CONFIG", "GET", "*"],
    &["ROLE"],
];

/// `s` followed by [`PROBE_COMMANDS`] sent to every node, so that the replies are in the
/// trace: a run's trace hash then also covers what each node would print at the end. The
/// native/wasm32 determinism test compares these (`core/tests/wasm_determinism.rs`).
pub fn probed(s: &Scenario) -> Scenario {
    let mut p = s.clone();
    for node in 0..s.nodes.len() {
        for words in PROBE_COMMANDS {
            p.steps.push(Step {
                delay_ms: 0,
                action: Action::Command {
                    node,
                    words: words.iter().map(|w| w.to_string()).collect(),
                },
            });
        }
    }
    p
}

/// A node's state at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeState {
    /// Its name.
    pub name: &'static str,
    /// Whether its process runs.
    pub up: bool,
    /// Its master's index, if it is a replica of one of the scenario's nodes.
    pub master: Option<usize>,
    /// Whether its link to its master is up.
    pub link_up: bool,
    /// `master_replid`.
    pub replid: String,
    /// `master_replid2`.
    pub replid2: String,
    /// `master_repl_offset`.
    pub offset: i64,
    /// `DEBUG DIGEST` of its dataset (hex; empty after [`run_unrecorded`]).
    pub digest: String,
    /// Keys in all databases.
    pub keys: usize,
}

/// What a timeline entry is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimelineKind {
    /// A message from one node to another, with its label.
    Message {
        /// Receiving node's name.
        to: String,
        /// Short label (`PSYNC ? -1`).
        label: String,
        /// On a replication stream (master to replica, after `+FULLRESYNC`/`+CONTINUE`):
        /// the replication offset once this message is applied.
        offset: Option<i64>,
    },
    /// A state change or log line of the node.
    Event(String),
    /// A fault or scenario action.
    Fault(String),
    /// A header marking one of the five steps of a full synchronization.
    Header(String),
}

/// One line of the timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    /// Virtual milliseconds since the start.
    pub ms: f64,
    /// The node (sender for messages).
    pub node: String,
    /// What.
    pub kind: TimelineKind,
    /// Index of the trace entry it comes from (for a header: of the entry it introduces).
    pub trace: usize,
}

/// The result of [`run`].
pub struct ScenarioRun {
    /// The scenario.
    pub scenario: Scenario,
    /// The seed.
    pub seed: u64,
    /// The simulator at the end (trace included).
    pub sim: Simulator,
    /// Simulator node of each scenario node (the client is the last node).
    pub ids: Vec<NodeId>,
    /// The scripted client.
    pub client: NodeId,
    /// Final state of every node.
    pub nodes: Vec<NodeState>,
    /// Whether every [`Action::Settle`] reached a synced state.
    pub settled: bool,
}

impl std::fmt::Debug for ScenarioRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScenarioRun")
            .field("scenario", &self.scenario.name)
            .field("seed", &self.seed)
            .field("nodes", &self.nodes)
            .field("settled", &self.settled)
            .finish()
    }
}

impl ScenarioRun {
    /// The trace hash.
    pub fn trace_hash(&self) -> u64 {
        self.sim.trace().hash()
    }

    /// The server of scenario node `i`.
    pub fn server(&self, i: usize) -> &Server {
        self.sim
            .node_as::<Server>(self.ids[i])
            .expect("scenario nodes are servers")
    }

    /// Message labels sent by scenario node `from` (or the client with `None`), in order.
    pub fn labels_from(&self, from: usize) -> Vec<String> {
        let id = self.ids[from];
        self.sim
            .trace()
            .entries()
            .iter()
            .filter(|e| e.node == id)
            .filter_map(|e| e.label.clone())
            .collect()
    }

    /// Name of a simulator node.
    pub fn name_of(&self, id: NodeId) -> String {
        Names {
            scenario: &self.scenario,
            ids: &self.ids,
            client: self.client,
        }
        .name_of(id)
    }

    /// The timeline a viewer prints (messages, state changes, faults, step headers).
    pub fn timeline(&self) -> Vec<TimelineEntry> {
        timeline(self)
    }
}

/// The virtual address of scenario node `index` (`127.0.0.1`, `127.0.0.2` ...).
pub fn ip_of(index: usize) -> String {
    let n = index + 1;
    format!("127.0.{}.{}", (n >> 8) & 255, n & 255)
}

/// Append `n` in decimal.
fn push_decimal(out: &mut Vec<u8>, mut n: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Append one command as a RESP multibulk (no formatting machinery: the benchmark
/// workloads build hundreds of thousands of them).
fn push_command(out: &mut Vec<u8>, words: &[&[u8]]) {
    out.push(b'*');
    push_decimal(out, words.len());
    out.extend_from_slice(b"\r\n");
    for w in words {
        out.push(b'$');
        push_decimal(out, w.len());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(w);
        out.extend_from_slice(b"\r\n");
    }
}

/// The pipeline of [`Action::Writes`]: `SET <prefix><i> <value>` for `i` in `0..count`, each
/// value `value_len` letters starting at `a + i`.
pub fn writes_pipeline(count: usize, prefix: &str, value_len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut key, mut value) = (Vec::new(), Vec::new());
    for i in 0..count {
        value.clear();
        value.extend((0..value_len).map(|j| b'a' + ((i + j) % 26) as u8));
        key.clear();
        key.extend_from_slice(prefix.as_bytes());
        push_decimal(&mut key, i);
        push_command(&mut out, &[b"SET", &key, &value]);
    }
    out
}

/// The value every write of an [`Action::WriteStream`] sets: `value_len` letters from `a`.
pub fn stream_value(value_len: usize) -> Vec<u8> {
    (0..value_len).map(|j| b'a' + (j % 26) as u8).collect()
}

/// Write `i` of an [`Action::WriteStream`]: `SET <prefix><i mod keys> <value>`.
pub fn stream_write(prefix: &str, i: usize, keys: usize, value: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(prefix.len() + 20);
    key.extend_from_slice(prefix.as_bytes());
    push_decimal(&mut key, i % keys.max(1));
    let mut cmd = Vec::with_capacity(32 + key.len() + value.len());
    push_command(&mut cmd, &[b"SET", &key, value]);
    cmd
}

/// The seed of the `restarts`-th new process started in the run for a node first seeded
/// `first`.
pub fn restart_seed(first: u64, restarts: u64) -> u64 {
    first ^ restarts.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

/// Start a new process in place of node `id` with its current configuration (as if its
/// config file had been rewritten) and seed `seed`, on `storage`: loading its dump when
/// `keep_dump` (the disk survived; a save the dead process had in progress died with it), or
/// with the dump wiped. A running node is crashed first. What the new process found is noted
/// in the trace as a `restart` event. The scenario runner and the browser's session both
/// restart nodes this way ([`Action::RestartFromDump`], [`Action::RestartEmpty`]).
pub fn new_process(
    sim: &mut Simulator,
    id: NodeId,
    storage: &mut MemStorage,
    seed: u64,
    keep_dump: bool,
) {
    let Some(config) = sim.node_as::<Server>(id).map(|s| s.state().config.clone()) else {
        return;
    };
    if keep_dump {
        let mut inner = storage.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.child = None;
        inner.killed = None;
        inner.hold_child = false;
    } else {
        *storage = MemStorage::new();
    }
    let now = sim.now();
    sim.inject(Fault::Crash(id));
    let mut srv = Server::new(config, seed, now);
    srv.set_storage(Box::new(storage.clone()));
    let text = if keep_dump {
        match srv.load_from_storage(now) {
            Ok(Some(c)) => {
                let st = srv.state();
                let m = &st.master;
                if m.backlog.is_active() {
                    format!(
                        "new process: {} keys loaded from the dump; its repl-id {} becomes replid2 (valid up to offset {}), new replid {}, master_repl_offset {}",
                        c.keys_loaded,
                        short_id(&m.ids.replid2.to_string_lossy()),
                        m.ids.second_repl_offset,
                        short_id(&m.ids.replid.to_string_lossy()),
                        m.backlog.master_repl_offset()
                    )
                } else {
                    format!(
                        "new process: {} keys loaded from the dump (no replication info kept)",
                        c.keys_loaded
                    )
                }
            }
            Ok(None) => "new process: no dump, empty dataset".to_string(),
            Err(e) => format!("new process: the dump could not be loaded ({e}), empty dataset"),
        }
    } else {
        "new process: the dump was lost, empty dataset, new replication id, offset 0".to_string()
    };
    sim.note(id, SimEvent::new("restart", text));
    sim.restart_with(id, Box::new(srv));
}

/// The RESP multibulk encoding of a command, as a client sends it.
pub fn resp_command(words: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    let words: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
    push_command(&mut out, &words);
    out
}

/// What [`apply_action`] needs from whoever runs a scenario: the core's runner and the
/// browser's session apply a step the same way; how the scenario's client reaches a node,
/// and what a crash, a restart, a new process or a settle does, is theirs.
pub trait ScenarioHost {
    /// The simulation.
    fn sim(&mut self) -> &mut Simulator;
    /// The simulator id of the scenario's node `i` (`None` if there is no such node).
    fn node_id(&self, i: usize) -> Option<NodeId>;
    /// The port of the scenario's node `i`.
    fn port(&self, i: usize) -> u16;
    /// Send `bytes` from the scenario's client to node `i`.
    fn send(&mut self, node: usize, bytes: Vec<u8>);
    /// [`Action::Crash`].
    fn crash(&mut self, node: usize);
    /// [`Action::Restart`].
    fn restart(&mut self, node: usize);
    /// [`Action::RestartFromDump`] (`keep_dump`) and [`Action::RestartEmpty`].
    fn new_process(&mut self, node: usize, keep_dump: bool);
    /// [`Action::Settle`].
    fn settle(&mut self);
}

/// Apply one scenario step's action now.
pub fn apply_action(host: &mut impl ScenarioHost, action: &Action) {
    match action {
        Action::Command { node, words } => host.send(*node, resp_command(words)),
        Action::Writes {
            node,
            count,
            prefix,
            value_len,
        } => host.send(*node, writes_pipeline(*count, prefix, *value_len)),
        Action::WriteStream {
            node,
            count,
            interval_us,
            prefix,
            keys,
            value_len,
        } => {
            // One write per interval, the simulation running between them.
            let value = stream_value(*value_len);
            let mut at = host.sim().now();
            for i in 0..*count {
                host.sim().run_until(at);
                host.send(*node, stream_write(prefix, i, *keys, &value));
                at = at.add_micros(*interval_us);
            }
        }
        Action::Cut(a, b) => {
            if let (Some(a), Some(b)) = (host.node_id(*a), host.node_id(*b)) {
                cut(host.sim(), a, b);
            }
        }
        Action::Hold(a, b) => {
            if let (Some(a), Some(b)) = (host.node_id(*a), host.node_id(*b)) {
                host.sim().inject(Fault::Partition(a, b));
            }
        }
        Action::Restore(a, b) => {
            if let (Some(a), Some(b)) = (host.node_id(*a), host.node_id(*b)) {
                host.sim().inject(Fault::Heal(a, b));
            }
        }
        Action::Crash(n) => host.crash(*n),
        Action::Restart(n) => host.restart(*n),
        Action::RestartFromDump(n) => host.new_process(*n, true),
        Action::RestartEmpty(n) => host.new_process(*n, false),
        Action::Promote(n) => {
            let words = ["REPLICAOF", "NO", "ONE"].map(String::from);
            host.send(*n, resp_command(&words));
        }
        Action::ReplicaOf { node, master } => {
            let words = [
                "REPLICAOF".to_string(),
                ip_of(*master),
                host.port(*master).to_string(),
            ];
            host.send(*node, resp_command(&words));
        }
        Action::Settle => host.settle(),
    }
}

/// Cut nodes `a` and `b` apart: their open links reset, new connects between them fail.
pub fn cut(sim: &mut Simulator, a: NodeId, b: NodeId) {
    sim.inject(Fault::Partition(a, b));
    for l in sim.links_between(a, b) {
        sim.inject(Fault::Cut(l));
    }
}

/// Run `scenario` with `seed`.
pub fn run(scenario: &Scenario, seed: u64) -> ScenarioRun {
    run_observed(scenario, seed, &mut |_, _, _| {})
}

/// Run `scenario` with `seed` keeping no trace entries (the trace is hashed and counted
/// only, no message is labeled) and computing no dataset digest ([`NodeState::digest`] is
/// empty): for long runs and benchmarks. The timeline is empty.
pub fn run_unrecorded(scenario: &Scenario, seed: u64) -> ScenarioRun {
    run_inner(scenario, seed, false, &mut |_, _, _| {})
}

/// Run `scenario` with `seed`, calling `observe(step, sim, ids)` after each step's action
/// (`step` is its index; `ids[i]` is the simulator node of scenario node `i`) and once more
/// with `step == scenario.steps.len()` after the final settle. The fuzzer checks its
/// invariants there.
pub fn run_observed(
    scenario: &Scenario,
    seed: u64,
    observe: &mut dyn FnMut(usize, &Simulator, &[NodeId]),
) -> ScenarioRun {
    run_inner(scenario, seed, true, observe)
}

fn run_inner(
    scenario: &Scenario,
    seed: u64,
    keep_trace: bool,
    observe: &mut dyn FnMut(usize, &Simulator, &[NodeId]),
) -> ScenarioRun {
    let mut sim: Simulator = Simulator::new(seed, START);
    sim.set_default_link(scenario.link);
    if keep_trace {
        sim.trace_mut().set_labeler(Box::new(|_, b| Some(label(b))));
    } else {
        sim.trace_mut().set_keep(false);
    }
    let mut ids = Vec::new();
    let mut storages = Vec::new();
    let mut seeds = Vec::new();
    for (i, spec) in scenario.nodes.iter().enumerate() {
        let mut config = Config {
            port: spec.port,
            ..Config::default()
        };
        let pairs: Vec<(&[u8], &[u8])> = spec
            .config
            .iter()
            .map(|(k, v)| (k.as_bytes(), v.as_bytes()))
            .collect();
        // The scenarios' own settings are valid.
        let _ = config.set_runtime(&pairs);
        if let Some(m) = spec.replicaof {
            config.replicaof = Some((ip_of(m), scenario.nodes[m].port));
        }
        let node_seed = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i as u64 + 1);
        let mut server = Server::new(config, node_seed, START);
        let storage = MemStorage::new();
        server.set_storage(Box::new(storage.clone()));
        storages.push(storage);
        seeds.push(node_seed);
        let id = sim.add_node(Box::new(server), Some(spec.port));
        debug_assert_eq!(sim.addr_of(id), ip_of(i));
        ids.push(id);
    }
    let client = sim.add_node(Box::new(Probe::new()), None);
    let mut runner = Runner {
        sim,
        ids,
        client,
        conns: VecMap::new(),
        ports: scenario.nodes.iter().map(|n| n.port).collect(),
        settled: true,
        storages,
        seeds,
        restarts: 0,
    };
    for (i, s) in scenario.steps.iter().enumerate() {
        let t = runner.sim.now().add_millis(s.delay_ms);
        runner.sim.run_until(t);
        apply_action(&mut runner, &s.action);
        observe(i, &runner.sim, &runner.ids);
    }
    runner.settle();
    observe(scenario.steps.len(), &runner.sim, &runner.ids);
    let nodes = scenario
        .nodes
        .iter()
        .enumerate()
        .map(|(i, spec)| runner.state_of(i, spec.name, keep_trace))
        .collect();
    ScenarioRun {
        scenario: scenario.clone(),
        seed,
        sim: runner.sim,
        ids: runner.ids,
        client: runner.client,
        nodes,
        settled: runner.settled,
    }
}

struct Runner {
    sim: Simulator,
    ids: Vec<NodeId>,
    client: NodeId,
    conns: VecMap<usize, u64>,
    ports: Vec<u16>,
    settled: bool,
    /// Each node's disk (its dump survives a crash unless the restart loses it).
    storages: Vec<MemStorage>,
    /// Each node's first seed (a new process gets a seed derived from it).
    seeds: Vec<u64>,
    /// Processes started in place of crashed ones so far.
    restarts: u64,
}

impl ScenarioHost for Runner {
    fn sim(&mut self) -> &mut Simulator {
        &mut self.sim
    }

    fn node_id(&self, i: usize) -> Option<NodeId> {
        self.ids.get(i).copied()
    }

    fn port(&self, i: usize) -> u16 {
        self.ports[i]
    }

    fn send(&mut self, node: usize, bytes: Vec<u8>) {
        Runner::send(self, node, bytes)
    }

    fn crash(&mut self, node: usize) {
        self.sim.inject(Fault::Crash(self.ids[node]));
    }

    fn restart(&mut self, node: usize) {
        self.sim.inject(Fault::Restart(self.ids[node]));
    }

    /// A new process for node `i` ([`new_process`]) with its next seed.
    fn new_process(&mut self, i: usize, keep_dump: bool) {
        self.restarts += 1;
        let seed = restart_seed(self.seeds[i], self.restarts);
        new_process(
            &mut self.sim,
            self.ids[i],
            &mut self.storages[i],
            seed,
            keep_dump,
        );
    }

    fn settle(&mut self) {
        Runner::settle(self)
    }
}

impl Runner {
    fn send(&mut self, node: usize, bytes: Vec<u8>) {
        let to = self.ids[node];
        let old = self.conns.get(&node).copied();
        let conn = self
            .sim
            .with_node_as(self.client, |p: &mut Probe, _| {
                match old.filter(|c| p.conn(*c).is_some_and(|pc| !pc.closed)) {
                    Some(c) => c,
                    None => p.connect(Dest::Node(to)),
                }
            })
            .expect("the client is a probe");
        self.conns.insert(node, conn);
        self.sim.with_node_as(self.client, |p: &mut Probe, _| {
            p.send(conn, &bytes);
        });
    }

    fn master_of(&self, i: usize) -> Option<usize> {
        let srv = self.sim.node_as::<Server>(self.ids[i])?;
        let (host, port) = srv.state().config.replicaof.as_ref()?;
        (0..self.ids.len()).find(|&m| ip_of(m) == *host && self.ports[m] == *port)
    }

    fn in_sync(&self) -> bool {
        if !self.sim.is_quiet() {
            return false;
        }
        (0..self.ids.len()).all(|i| {
            if !self.sim.is_up(self.ids[i]) {
                return true;
            }
            let Some(m) = self.master_of(i) else {
                return true;
            };
            if !self.sim.is_up(self.ids[m]) {
                return true;
            }
            let (Some(r), Some(ms)) = (
                self.sim.node_as::<Server>(self.ids[i]),
                self.sim.node_as::<Server>(self.ids[m]),
            ) else {
                return true;
            };
            r.master_link_up()
                && r.state().master.backlog.master_repl_offset()
                    == ms.state().master.backlog.master_repl_offset()
        })
    }

    fn settle(&mut self) {
        let deadline = self.sim.now().add_millis(SETTLE_LIMIT_MS);
        loop {
            self.sim.run_until_quiet(deadline);
            if self.in_sync() {
                return;
            }
            if self.sim.now() >= deadline {
                self.settled = false;
                return;
            }
            let t = self.sim.now().add_millis(50).min(deadline);
            self.sim.run_until(t);
        }
    }

    fn state_of(&self, i: usize, name: &'static str, digest: bool) -> NodeState {
        let id = self.ids[i];
        let srv = self
            .sim
            .node_as::<Server>(id)
            .expect("scenario nodes are servers");
        let st = srv.state();
        NodeState {
            name,
            up: self.sim.is_up(id),
            master: self.master_of(i),
            link_up: srv.master_link_up(),
            replid: st.master.ids.replid.to_string_lossy(),
            replid2: st.master.ids.replid2.to_string_lossy(),
            offset: st.master.backlog.master_repl_offset(),
            digest: if digest {
                digest_hex(&dataset_digest(&st.keyspace))
            } else {
                String::new()
            },
            keys: st.keyspace.dbs.iter().map(|d| d.len()).sum(),
        }
    }
}

// ---- labels ----

fn size(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{} MiB", Fixed(n as f64 / (1024.0 * 1024.0), 1))
    } else if n >= 1024 {
        format!("{} KiB", Fixed(n as f64 / 1024.0, 1))
    } else {
        format!("{n} B")
    }
}

fn short_word(w: &[u8]) -> String {
    let s = String::from_utf8_lossy(w);
    if s.chars().count() > 24 {
        let head: String = s.chars().take(12).collect();
        format!("{head}…")
    } else {
        s.into_owned()
    }
}

/// `1a2b3c4d…` for a 40-hex-digit replication id, as timeline labels write it; anything
/// else as it is.
pub fn short_id(w: &str) -> String {
    if w.len() == 40 && w.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("{}…", &w[..8])
    } else {
        w.to_string()
    }
}

fn line_at(b: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = b.get(pos..)?;
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    Some((&rest[..end], pos + end + 2))
}

fn int(b: &[u8]) -> Option<usize> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// Parse one multibulk command at `pos`: its words and the next position.
fn command_at(b: &[u8], pos: usize) -> Option<(Vec<&[u8]>, usize)> {
    let (head, mut p) = line_at(b, pos)?;
    let n = int(head.strip_prefix(b"*")?)?;
    let mut words = Vec::new();
    for _ in 0..n {
        let (h, q) = line_at(b, p)?;
        let len = int(h.strip_prefix(b"$")?)?;
        let w = b.get(q..q.checked_add(len)?)?;
        words.push(w);
        p = q + len + 2;
    }
    Some((words, p))
}

/// A short label for a message on a link: `PING`, `REPLCONF listening-port 6380`,
/// `PSYNC ? -1`, `+FULLRESYNC 1a2b3c4d… 0`, `RDB 1.2 KiB`, `SET k v`, `REPLCONF ACK 1042`.
/// Several commands in one message are labeled by the first and a count (`SET a 1 (+2)`).
pub fn label(b: &[u8]) -> String {
    if b.is_empty() {
        return "(empty)".into();
    }
    if b.iter().all(|&c| c == b'\n') {
        return "\\n (keepalive)".into();
    }
    if b.starts_with(b"REDIS") {
        return format!("RDB {}", size(b.len()));
    }
    match b[0] {
        b'*' => {
            let mut cmds: Vec<Vec<&[u8]>> = Vec::new();
            let mut pos = 0;
            while pos < b.len() {
                match command_at(b, pos) {
                    Some((w, p)) => {
                        cmds.push(w);
                        pos = p;
                    }
                    None => break,
                }
            }
            let Some(first) = cmds.first() else {
                return format!("{} of RESP", size(b.len()));
            };
            let _ = first;
            let shown: Vec<String> = cmds
                .iter()
                .take(3)
                .map(|c| {
                    c.iter()
                        .map(|w| short_word(w))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            let mut text = shown.join("; ");
            if cmds.len() > 3 {
                text.push_str(&format!(" (+{} more)", cmds.len() - 3));
            }
            if pos < b.len() {
                text.push_str(&format!(" (+{})", size(b.len() - pos)));
            }
            text
        }
        b'+' | b'-' => {
            let (line, next) = line_at(b, 0).unwrap_or((b, b.len()));
            let n = b.len() / next.max(1);
            if n > 1 && b.len().is_multiple_of(next) && b.chunks(next).all(|c| c == &b[..next]) {
                return format!("{} ×{n}", String::from_utf8_lossy(line));
            }
            replies(b)
        }
        _ => replies(b),
    }
}

/// Labels of the replies in `b` (several when a node answered a pipeline in one write):
/// the first three, then a count; a command or an unreadable rest after them is labeled
/// after them.
fn replies(b: &[u8]) -> String {
    let mut shown: Vec<String> = Vec::new();
    let (mut pos, mut more) = (0, 0usize);
    while pos < b.len() {
        let Some((text, next)) = reply_at(b, pos) else {
            break;
        };
        if shown.len() < 3 {
            shown.push(text);
        } else {
            more += 1;
        }
        pos = next;
    }
    if shown.is_empty() {
        return format!("{} of data", size(b.len()));
    }
    let mut text = shown.join(" ");
    if more > 0 {
        text.push_str(&format!(" (+{more} more)"));
    }
    if pos < b.len() {
        if b[pos] == b'*' {
            // Commands right behind a reply (the stream after `+CONTINUE`).
            text.push(' ');
            text.push_str(&label(&b[pos..]));
        } else {
            text.push_str(&format!(" (+{})", size(b.len() - pos)));
        }
    }
    text
}

/// The label of the reply at `pos` and where the next one starts; `None` for a command or
/// anything unreadable. An RDB payload takes the rest of the message.
fn reply_at(b: &[u8], pos: usize) -> Option<(String, usize)> {
    match *b.get(pos)? {
        b'+' | b'-' => {
            let (line, next) = line_at(b, pos)?;
            let s = String::from_utf8_lossy(line);
            let mut out: Vec<String> = s.split(' ').map(short_id).collect();
            if out.len() > 6 {
                out.truncate(6);
                out.push("…".into());
            }
            Some((out.join(" "), next))
        }
        b':' => {
            let (line, next) = line_at(b, pos)?;
            Some((format!("({})", String::from_utf8_lossy(&line[1..])), next))
        }
        b'$' => {
            let (head, p) = line_at(b, pos)?;
            if let Some(mark) = head.strip_prefix(b"$EOF:") {
                let body = &b[p..];
                let len = if body.ends_with(mark) {
                    body.len() - mark.len()
                } else {
                    body.len()
                };
                return Some((format!("RDB (EOF-marked) {}", size(len)), b.len()));
            }
            if head == b"$-1" {
                return Some(("(nil)".into(), p));
            }
            let len = int(&head[1..])?;
            let body = &b[p..];
            if body.is_empty() && len > 0 && p == b.len() {
                // The RDB's length line alone; the payload follows in other messages.
                return Some((format!("${len} (RDB length)"), b.len()));
            }
            if body.starts_with(b"REDIS") || len > 64 {
                // The RDB payload (`$<len>` with no trailing CRLF).
                return Some((format!("RDB {}", size(len)), b.len()));
            }
            let word = short_word(&body[..len.min(body.len())]);
            Some((format!("\"{word}\""), (p + len + 2).min(b.len())))
        }
        _ => None,
    }
}

// ---- the timeline ----

fn log_is_interesting(text: &str) -> Option<String> {
    let (level, msg) = text.split_once(' ')?;
    if level != "notice" && level != "warning" {
        return None;
    }
    Some(msg.to_string())
}

fn is_data_command(label: &str) -> bool {
    // A message may hold several commands (`SELECT 0; SET k v`): any data command counts.
    label.split("; ").any(|part| {
        let w = part.split(' ').next().unwrap_or("");
        w.chars().all(|c| c.is_ascii_uppercase())
            && !w.is_empty()
            && !matches!(
                w,
                "PING" | "REPLCONF" | "PSYNC" | "SYNC" | "AUTH" | "SELECT" | "RDB"
            )
    })
}

/// The replication stream on one link, followed from the sync reply on.
struct Stream {
    /// The sending (master) side.
    master: NodeId,
    /// Offset after the bytes seen so far.
    offset: i64,
    /// Where the RDB payload after `+FULLRESYNC` stands.
    rdb: RdbPhase,
}

/// The RDB payload after `+FULLRESYNC`, which does not count in the replication offset. It
/// may come in several messages: `$<len>\r\n` then the bytes, or `$EOF:<mark>\r\n`, the
/// bytes and the 40-byte mark again.
#[derive(Clone, Debug, PartialEq, Eq)]
enum RdbPhase {
    /// No payload expected (after `+CONTINUE`, or the payload is over).
    Done,
    /// `+FULLRESYNC` seen, the `$` line not yet (keepalive newlines may come first).
    Header,
    /// This many payload bytes still to come.
    Left(usize),
    /// Diskless: the payload ends with this mark; `tail` keeps the last bytes seen.
    Eof { mark: Vec<u8>, tail: Vec<u8> },
}

impl RdbPhase {
    /// Consume the payload part of `b`; returns how many bytes of `b` were payload (the rest
    /// is stream).
    fn consume(&mut self, b: &[u8]) -> usize {
        let mut used = 0;
        loop {
            match self {
                RdbPhase::Done => return used,
                RdbPhase::Header => {
                    // Newlines before the `$` line are keepalives.
                    while used < b.len() && b[used] == b'\n' {
                        used += 1;
                    }
                    let Some((head, next)) = line_at(b, used) else {
                        return b.len();
                    };
                    *self = match head.strip_prefix(b"$EOF:") {
                        Some(mark) => RdbPhase::Eof {
                            mark: mark.to_vec(),
                            tail: Vec::new(),
                        },
                        None => match head.strip_prefix(b"$").and_then(int) {
                            Some(len) => RdbPhase::Left(len),
                            None => RdbPhase::Done,
                        },
                    };
                    used = next;
                }
                RdbPhase::Left(left) => {
                    let take = (*left).min(b.len() - used);
                    *left -= take;
                    used += take;
                    if *left == 0 {
                        *self = RdbPhase::Done;
                    }
                    return used;
                }
                RdbPhase::Eof { mark, tail } => {
                    // Find the mark in what was kept plus the new bytes.
                    let kept = tail.len();
                    tail.extend_from_slice(&b[used..]);
                    if let Some(pos) = tail.windows(mark.len()).position(|w| w == &mark[..]) {
                        let end_in_b = used + (pos + mark.len()).saturating_sub(kept);
                        *self = RdbPhase::Done;
                        return end_in_b;
                    }
                    let keep = mark.len().saturating_sub(1);
                    if tail.len() > keep {
                        tail.drain(..tail.len() - keep);
                    }
                    return b.len();
                }
            }
        }
    }
}

/// Follows every replication stream of a trace to annotate messages with offsets.
#[derive(Default)]
struct Streams {
    streams: VecMap<u64, Stream>,
    psync: VecMap<u64, i64>,
}

impl Streams {
    fn on_send(&mut self, e: &TraceEntry, label: &str) -> Option<i64> {
        let TraceKind::Send { bytes, .. } = &e.kind else {
            return None;
        };
        let link = e.link?.0;
        let b: &[u8] = bytes;
        if label.starts_with("PSYNC ") {
            if let Some((w, _)) = command_at(b, 0) {
                if let Some(off) = w
                    .get(2)
                    .and_then(|o| std::str::from_utf8(o).ok()?.parse().ok())
                {
                    self.psync.insert(link, off);
                }
            }
            return None;
        }
        if label.starts_with("+FULLRESYNC") || label.starts_with("+CONTINUE") {
            let (line, next) = line_at(b, 0)?;
            let line = String::from_utf8_lossy(line);
            let offset = if label.starts_with("+FULLRESYNC") {
                line.split(' ').nth(2)?.parse().ok()?
            } else {
                self.psync.get(&link).copied().unwrap_or(1) - 1
            };
            let mut s = Stream {
                master: e.node,
                offset,
                rdb: if label.starts_with("+FULLRESYNC") {
                    RdbPhase::Header
                } else {
                    RdbPhase::Done
                },
            };
            let rest = &b[next..];
            let payload = s.rdb.consume(rest);
            s.offset += (rest.len() - payload) as i64;
            let o = s.offset;
            self.streams.insert(link, s);
            return Some(o);
        }
        let s = self.streams.get_mut(&link)?;
        if s.master != e.node {
            return None;
        }
        if s.rdb != RdbPhase::Done && b.iter().all(|&c| c == b'\n') {
            return None;
        }
        let payload = s.rdb.consume(b);
        s.offset += (b.len() - payload) as i64;
        Some(s.offset)
    }
}

/// How a timeline names the simulator's nodes: by the scenario's names, the client as
/// `client`.
#[derive(Clone, Copy, Debug)]
pub struct Names<'a> {
    /// The scenario (node names, `five_steps`).
    pub scenario: &'a Scenario,
    /// Simulator node of each scenario node.
    pub ids: &'a [NodeId],
    /// The scripted client.
    pub client: NodeId,
}

impl Names<'_> {
    /// Name of a simulator node.
    pub fn name_of(&self, id: NodeId) -> String {
        if id == self.client {
            return "client".to_string();
        }
        self.ids.iter().position(|x| *x == id).map_or_else(
            || format!("node{}", id.0),
            |i| self.scenario.nodes[i].name.to_string(),
        )
    }
}

fn timeline(run: &ScenarioRun) -> Vec<TimelineEntry> {
    timeline_of(
        run.sim.trace().entries(),
        Names {
            scenario: &run.scenario,
            ids: &run.ids,
            client: run.client,
        },
    )
}

/// The timeline of any run of a scenario (a [`ScenarioRun`]'s, or a viewer's own simulator
/// stepped the same way): `entries` is its trace so far. Each entry records the index of the
/// trace entry it comes from ([`TimelineEntry::trace`]).
pub fn timeline_of(entries: &[TraceEntry], run: Names<'_>) -> Vec<TimelineEntry> {
    // Both ends of every link, from the connect and accept records.
    let mut ends: VecMap<u64, (Option<NodeId>, Option<NodeId>)> = VecMap::new();
    for e in entries {
        let Some(l) = e.link else { continue };
        match &e.kind {
            TraceKind::Connect { to, .. } => {
                let x = ends.get_or_default(l.0);
                x.0 = Some(e.node);
                if x.1.is_none() {
                    x.1 = *to;
                }
            }
            TraceKind::Accept { from, .. } => {
                let x = ends.get_or_default(l.0);
                x.0 = Some(*from);
                x.1 = Some(e.node);
            }
            _ => {}
        }
    }
    let peer = |e: &TraceEntry| -> Option<NodeId> {
        let (a, b) = ends.get(&e.link?.0).copied()?;
        if a == Some(e.node) {
            b
        } else {
            a
        }
    };
    let mut out = Vec::new();
    let mut streams = Streams::default();
    let mut stage = 0u8; // the five steps reached so far
    let mut rdb_ms = 0.0;
    let five = run.scenario.five_steps;
    for (trace, e) in entries.iter().enumerate() {
        let ms = e.time.micros_since(START) as f64 / 1000.0;
        let node = run.name_of(e.node);
        let header = |out: &mut Vec<TimelineEntry>, text: &str| {
            out.push(TimelineEntry {
                ms,
                node: node.clone(),
                kind: TimelineKind::Header(text.to_string()),
                trace,
            });
        };
        let kind = match &e.kind {
            TraceKind::Send { .. } => {
                let label = e.label.clone().unwrap_or_default();
                let to = peer(e).map_or_else(|| "?".to_string(), |p| run.name_of(p));
                if five {
                    let from_master = node == "master" && to != "client";
                    if stage == 0 && label.starts_with("PSYNC") {
                        stage = 1;
                        header(
                            &mut out,
                            "1. The replica connects, handshakes and asks PSYNC",
                        );
                    } else if stage == 1 && label.starts_with("+FULLRESYNC") {
                        stage = 2;
                        header(
                            &mut out,
                            "2. The master answers +FULLRESYNC <replid> <offset> and snapshots its dataset (BGSAVE); new writes are buffered",
                        );
                        if label.contains("RDB") {
                            stage = 3;
                            rdb_ms = ms;
                            header(
                                &mut out,
                                "3. The RDB is sent right behind it; the replica loads it",
                            );
                        }
                    } else if stage == 2
                        && from_master
                        && (label.starts_with("RDB") || label.ends_with("(RDB length)"))
                    {
                        stage = 3;
                        rdb_ms = ms;
                        header(
                            &mut out,
                            "3. The master sends the RDB; the replica loads it",
                        );
                    } else if stage == 3 && from_master && is_data_command(&label) {
                        if ms == rdb_ms {
                            stage = 4;
                            header(
                                &mut out,
                                "4. The master sends the writes it buffered during the snapshot",
                            );
                        } else {
                            stage = 5;
                            header(&mut out, "4. The master sends the writes it buffered during the snapshot (none here: the snapshot completed at once)");
                            header(&mut out, "5. In sync: every new write is streamed to the replica (offsets advance)");
                        }
                    } else if stage == 4 && node == "client" && is_data_command(&label) {
                        stage = 5;
                        header(
                            &mut out,
                            "5. In sync: every new write is streamed to the replica (offsets advance)",
                        );
                    }
                }
                let offset = streams.on_send(e, &label);
                TimelineKind::Message { to, label, offset }
            }
            TraceKind::Event(ev) => {
                if ev.kind != "log" {
                    TimelineKind::Event(format!("{}: {}", ev.kind, ev.text))
                } else if let Some(m) = log_is_interesting(&ev.text) {
                    TimelineKind::Event(m)
                } else {
                    continue;
                }
            }
            TraceKind::Fault(f) => TimelineKind::Fault(match f {
                Fault::Partition(a, b) => {
                    format!(
                        "partition: {} and {} cannot talk (their links stall)",
                        run.name_of(*a),
                        run.name_of(*b)
                    )
                }
                Fault::Heal(a, b) => {
                    format!(
                        "restored: {} and {} can talk",
                        run.name_of(*a),
                        run.name_of(*b)
                    )
                }
                Fault::Cut(l) => format!("link {} reset", l.0),
                Fault::Crash(n) => format!("{} crashed", run.name_of(*n)),
                Fault::Restart(n) => format!("{} restarted", run.name_of(*n)),
                Fault::Hold(l) => format!("link {} held: bytes queue, nothing arrives", l.0),
                Fault::HoldOneWay { link, from } => format!(
                    "link {} held from {}: its bytes queue, nothing arrives",
                    link.0,
                    run.name_of(*from)
                ),
                Fault::Release(l) => format!("link {} released: queued bytes arrive", l.0),
                Fault::Slow { link, params } => format!(
                    "link {} slowed: latency {} us, bandwidth {} B/s (0 = unlimited)",
                    link.0, params.latency_us, params.bandwidth
                ),
            }),
            TraceKind::Connected { .. } => {
                let to = peer(e).map_or_else(|| "?".to_string(), |p| run.name_of(p));
                if to == "client" || node == "client" {
                    continue;
                }
                TimelineKind::Event(format!("connected to {to}"))
            }
            TraceKind::Closed { reason, .. } => {
                if node == "client" {
                    continue;
                }
                let to = peer(e).map_or_else(|| "?".to_string(), |p| run.name_of(p));
                TimelineKind::Event(match reason {
                    CloseReason::Peer => format!("connection with {to} closed by the peer"),
                    CloseReason::Cut => format!("connection with {to} reset"),
                    CloseReason::Refused => format!("connection to {to} refused"),
                })
            }
            _ => continue,
        };
        out.push(TimelineEntry {
            ms,
            node,
            kind,
            trace,
        });
    }
    out
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The timeline as text: one line per message or event, with the virtual time in ms,
/// then the final state of every node.
pub fn render_text(run: &ScenarioRun) -> String {
    let mut out = format!(
        "scenario {} (seed {}): {}\n",
        run.scenario.name, run.seed, run.scenario.description
    );
    for e in run.timeline() {
        out.push_str(&format_entry(&e));
        out.push('\n');
    }
    out.push_str(&render_final_state(run));
    out
}

/// One timeline entry as a line of [`render_text`].
pub fn format_entry(e: &TimelineEntry) -> String {
    match &e.kind {
        TimelineKind::Message { to, label, offset } => match offset {
            Some(o) => format!(
                "{:>10} ms  {} -> {}: {}   [offset {o}]",
                Fixed(e.ms, 3),
                e.node,
                to,
                label
            ),
            None => format!("{:>10} ms  {} -> {}: {}", Fixed(e.ms, 3), e.node, to, label),
        },
        TimelineKind::Event(t) => format!("{:>10} ms  {}  [{}]", Fixed(e.ms, 3), e.node, t),
        TimelineKind::Fault(t) => format!("{:>10} ms  ** {t} **", Fixed(e.ms, 3)),
        TimelineKind::Header(t) => format!("\n== {t} ==\n"),
    }
}

/// The "final state" block that ends [`render_text`].
pub fn render_final_state(run: &ScenarioRun) -> String {
    let mut out = String::from("\nfinal state:\n");
    for n in &run.nodes {
        let role = match n.master {
            Some(m) => format!(
                "replica of {} (link {})",
                run.scenario.nodes[m].name,
                if n.link_up { "up" } else { "down" }
            ),
            None => "master".to_string(),
        };
        out.push_str(&format!(
            "  {:<12} {:<5} {} replid {} offset {} keys {} digest {}\n",
            n.name,
            if n.up { "up" } else { "DOWN" },
            role,
            short_id(&n.replid),
            n.offset,
            n.keys,
            &n.digest[..n.digest.len().min(12)]
        ));
    }
    out
}

/// The timeline as a JSON array of entries (`ms`, `node`, `kind`, and `to`/`label` or
/// `text`).
pub fn render_json(run: &ScenarioRun) -> String {
    let mut items = Vec::new();
    for e in run.timeline() {
        let rest = match &e.kind {
            TimelineKind::Message { to, label, offset } => format!(
                "\"kind\":\"message\",\"to\":{},\"label\":{}{}",
                json_str(to),
                json_str(label),
                offset.map_or_else(String::new, |o| format!(",\"offset\":{o}"))
            ),
            TimelineKind::Event(t) => format!("\"kind\":\"event\",\"text\":{}", json_str(t)),
            TimelineKind::Fault(t) => format!("\"kind\":\"fault\",\"text\":{}", json_str(t)),
            TimelineKind::Header(t) => format!("\"kind\":\"step\",\"text\":{}", json_str(t)),
        };
        items.push(format!(
            "{{\"ms\":{},\"node\":{},{}}}",
            trimmed(e.ms, 3),
            json_str(&e.node),
            rest
        ));
    }
    format!("[\n{}\n]\n", items.join(",\n"))
}

fn mermaid_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn mermaid_text(s: &str) -> String {
    s.replace(';', " /").replace('#', " ").replace(':', "꞉")
}

/// The messages as a mermaid `sequenceDiagram` (faults and steps as notes).
pub fn render_mermaid(run: &ScenarioRun) -> String {
    let mut out = String::from("sequenceDiagram\n");
    out.push_str("    participant client\n");
    for n in &run.scenario.nodes {
        let id = mermaid_id(n.name);
        if id == n.name {
            out.push_str(&format!("    participant {id}\n"));
        } else {
            out.push_str(&format!("    participant {id} as {}\n", n.name));
        }
    }
    let first = mermaid_id(run.scenario.nodes.first().map_or("client", |n| n.name));
    let last = mermaid_id(run.scenario.nodes.last().map_or("client", |n| n.name));
    for e in run.timeline() {
        match &e.kind {
            TimelineKind::Message { to, label, .. } => out.push_str(&format!(
                "    {}->>{}: {}\n",
                mermaid_id(&e.node),
                mermaid_id(to),
                mermaid_text(label)
            )),
            TimelineKind::Fault(t) | TimelineKind::Header(t) => out.push_str(&format!(
                "    Note over {first},{last}: {}\n",
                mermaid_text(t)
            )),
            TimelineKind::Event(_) => {}
        }
    }
    out
}
