//! Deterministic simulation testing of replication: random scenarios from a seed.
//!
//! [`generate`] turns a seed into a [`Scenario`]: one master and 1–4 replicas, some of them
//! chained (a replica of a replica), random link latency, bandwidth and chunking, random
//! writes in several databases and types (`SET`, `INCR`, `RPUSH`, `HSET`, `SADD`, `ZADD`,
//! `DEL`, `EXPIRE` with a long TTL, `MULTI`…`EXEC`, pipelines), and random faults on the
//! replicas (a replication link cut, or stalled with its bytes queueing, and restored after
//! a while, a move under another node
//! with `REPLICAOF`, a promotion with `REPLICAOF NO ONE` healed by `REPLICAOF master`) and
//! on any node, the master included, the process going down and coming back:
//! - a crash, then the same process state back ([`Action::Restart`]);
//! - a crash, then a new process loading whatever dump the node last saved
//!   ([`Action::RestartFromDump`]; none: it starts empty);
//! - a data-losing crash: a new process with its dump lost ([`Action::RestartEmpty`]: empty,
//!   new replication id, offset 0), which must full-resync, and whose replicas must follow
//!   it (a master that comes back empty makes its replicas empty too);
//! - a `SHUTDOWN` (which saves a dump with `repl-id`/`repl-offset`), then a new process
//!   from that dump: a master's replicas continue with `+CONTINUE <new id>` through replid2.
//!
//! Sometimes the backlog is a 16 KiB `repl-backlog-size`, so that a long cut overflows it.
//! Every fault is healed at the end and the nodes settle.
//!
//! [`run_seed`] runs it and checks:
//! - after every step, for every running replica linked to its master's running process:
//!   the replica's `master_repl_offset` is at most its master's; and every active backlog's
//!   window ends at the node's offset (`first_byte_offset + histlen == master_repl_offset + 1`);
//! - after every step and after settling, the stream bytes every replica applied, recorded
//!   offset by offset, equal its master's stream at the same offsets ([`AppliedStreams`]);
//! - after settling: every node runs, every replica's link is up, and its dataset digest,
//!   `master_replid` and `master_repl_offset` equal its master's (so, down every chain,
//!   the top master's).
//!
//! On failure, [`shrink`] finds the shortest prefix of the steps (faults still open are
//! healed, then the nodes settle) that still fails, and [`FuzzFailure::report`] prints the
//! seed, the violations and that run's timeline.

use super::applied::AppliedStreams;
use super::scenario::{self, Action, NodeSpec, Scenario, ScenarioRun, Step};
use super::{ChunkPolicy, LinkParams, NodeId, Simulator};
use crate::rng::Rng;
use crate::server::Server;

/// Names of the nodes: the master, then the replicas.
const NAMES: [&str; 5] = ["master", "replica-1", "replica-2", "replica-3", "replica-4"];

/// Keys the workload writes (a small pool, so types collide and keys are overwritten).
const KEYS: [&str; 12] = [
    "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11",
];

/// The outcome of one seed.
#[derive(Clone, Debug)]
pub struct FuzzOutcome {
    /// The seed.
    pub seed: u64,
    /// Steps of the generated scenario.
    pub steps: usize,
    /// Simulator events processed.
    pub events: u64,
    /// The run's trace hash.
    pub trace_hash: u64,
    /// Invariant and convergence violations (empty: the seed passed).
    pub violations: Vec<String>,
    /// Stream bytes the replicas applied that were checked against their masters' streams.
    pub stream_bytes_checked: u64,
    /// Stream bytes the replicas applied that could not be checked (history broke, or the
    /// bytes left a backlog before an observation could compare them).
    pub stream_bytes_unchecked: u64,
}

impl FuzzOutcome {
    /// Whether the seed passed.
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// A failing seed, shrunk: the shortest failing prefix and its timeline.
#[derive(Clone, Debug)]
pub struct FuzzFailure {
    /// The seed.
    pub seed: u64,
    /// Steps of the full generated scenario.
    pub full_steps: usize,
    /// The shortest failing scenario (a prefix of the steps, healed and settled).
    pub scenario: Scenario,
    /// Its violations.
    pub violations: Vec<String>,
    /// Its timeline as text ([`scenario::render_text`]).
    pub timeline: String,
}

impl FuzzFailure {
    /// A readable report: seed, violations, steps and timeline.
    pub fn report(&self) -> String {
        let mut out = format!(
            "fuzz seed {} failed (shortest failing prefix: {} of {} steps; replay with SIM_SEED={})\n",
            self.seed,
            self.scenario.steps.len(),
            self.full_steps,
            self.seed
        );
        for v in &self.violations {
            out.push_str(&format!("  violation: {v}\n"));
        }
        out.push_str(&describe(&self.scenario));
        out.push('\n');
        out.push_str(&self.timeline);
        out
    }
}

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.index(items.len())]
}

fn cmd(node: usize, words: &[&str]) -> Action {
    Action::Command {
        node,
        words: words.iter().map(|w| w.to_string()).collect(),
    }
}

/// One random write command to the master.
fn write(rng: &mut Rng) -> Action {
    let k = pick(rng, &KEYS);
    let n = rng.below(1000).to_string();
    let m = format!("m{}", rng.below(8));
    match rng.below(9) {
        0 => cmd(0, &["SET", k, &format!("v{n}")]),
        1 => cmd(0, &["INCR", k]),
        2 => cmd(0, &["RPUSH", k, &n, &m]),
        3 => cmd(0, &["HSET", k, &m, &n]),
        4 => cmd(0, &["SADD", k, &m]),
        5 => cmd(0, &["ZADD", k, &n, &m]),
        6 => cmd(0, &["DEL", k]),
        7 => cmd(0, &["EXPIRE", k, "100000"]),
        _ => cmd(0, &["SET", k, &n, "EX", "200000"]),
    }
}

/// How a crashed node comes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Comeback {
    /// The same process state ([`Action::Restart`]).
    Resume,
    /// A new process loading its dump, whatever it last saved ([`Action::RestartFromDump`]).
    FromDump,
    /// A new process whose dump was lost ([`Action::RestartEmpty`]).
    Empty,
    /// A new process loading the dump its `SHUTDOWN` saved, at least
    /// [`SHUTDOWN_GRACE_MS`] later (so the command has reached the old process: a
    /// connection opened before the restart would carry it to the new one).
    AfterShutdown,
}

/// Least delay between a `SHUTDOWN` and the restart of the node from its dump.
const SHUTDOWN_GRACE_MS: u64 = 200;

/// A fault still open while generating.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// A link reset ([`Action::Cut`]) or stalled ([`Action::Hold`]), healed by
    /// [`Action::Restore`].
    Cut(usize, usize),
    /// Down (crashed, or `SHUTDOWN`): healed by bringing it back this way.
    Crash(usize, Comeback),
    /// `REPLICAOF NO ONE` sent to the node; healed by `REPLICAOF master`.
    Promoted(usize),
}

/// The least delay before healing `open`.
fn heal_delay(open: Open, after: u64) -> u64 {
    match open {
        Open::Crash(_, Comeback::AfterShutdown) => after.max(SHUTDOWN_GRACE_MS),
        _ => after,
    }
}

fn heal(open: Open) -> Action {
    match open {
        Open::Cut(a, b) => Action::Restore(a, b),
        Open::Crash(n, Comeback::Resume) => Action::Restart(n),
        Open::Crash(n, Comeback::FromDump | Comeback::AfterShutdown) => Action::RestartFromDump(n),
        Open::Crash(n, Comeback::Empty) => Action::RestartEmpty(n),
        Open::Promoted(n) => Action::ReplicaOf { node: n, master: 0 },
    }
}

/// The faults a list of steps leaves open, in opening order.
fn open_faults(steps: &[Step]) -> Vec<Open> {
    let mut open = Vec::new();
    for s in steps {
        match s.action {
            Action::Cut(a, b) | Action::Hold(a, b) => open.push(Open::Cut(a, b)),
            Action::Crash(n) => open.push(Open::Crash(n, Comeback::Resume)),
            Action::Command { node, ref words } if words[0] == "SHUTDOWN" => {
                open.push(Open::Crash(node, Comeback::AfterShutdown));
            }
            Action::Restore(a, b) => open.retain(|o| *o != Open::Cut(a, b)),
            Action::Restart(n) | Action::RestartFromDump(n) | Action::RestartEmpty(n) => {
                open.retain(|o| !matches!(*o, Open::Crash(c, _) if c == n));
            }
            Action::Promote(n) => open.push(Open::Promoted(n)),
            Action::ReplicaOf { node, .. } => open.retain(|o| *o != Open::Promoted(node)),
            _ => {}
        }
    }
    open
}

/// The random scenario of `seed` (see the [module docs](self)).
pub fn generate(seed: u64) -> Scenario {
    let mut rng = Rng::new(seed ^ 0x05ee_df00_dd57_0001);
    let replicas = 1 + rng.index(4);
    let small_backlog = rng.below(3) == 0;
    let mut nodes = Vec::new();
    for (i, name) in NAMES.iter().enumerate().take(replicas + 1) {
        // A replica of the master most of the time, else of an earlier replica (a chain).
        let replicaof = if i == 0 {
            None
        } else if i > 1 && rng.below(3) == 0 {
            Some(1 + rng.index(i - 1))
        } else {
            Some(0)
        };
        let config = if small_backlog {
            vec![("repl-backlog-size", "16384")]
        } else {
            Vec::new()
        };
        nodes.push(NodeSpec {
            name,
            port: 6379 + i as u16,
            replicaof,
            config,
        });
    }
    let link = LinkParams {
        latency_us: [50, 200, 1_000, 5_000, 20_000][rng.index(5)],
        bandwidth: [0, 0, 1_000_000, 10_000_000, 100_000_000][rng.index(5)],
        chunking: match rng.below(4) {
            0 => ChunkPolicy::Whole,
            1 => ChunkPolicy::Random { max_chunk: 64 },
            2 => ChunkPolicy::Random { max_chunk: 1_024 },
            _ => ChunkPolicy::Random { max_chunk: 16_384 },
        },
    };
    let mut steps = Vec::new();
    let push = |steps: &mut Vec<Step>, delay_ms: u64, action: Action| {
        steps.push(Step { delay_ms, action });
    };
    let mut open: Vec<Open> = Vec::new();
    let mut parent: Vec<Option<usize>> = nodes.iter().map(|n| n.replicaof).collect();
    let rounds = 8 + rng.index(20);
    for _ in 0..rounds {
        let delay = [0, 0, 1, 10, 50, 300][rng.index(6)];
        match rng.below(11) {
            0..=3 => {
                for _ in 0..1 + rng.index(4) {
                    push(&mut steps, 0, write(&mut rng));
                }
            }
            4 => {
                let db = rng.below(4).to_string();
                push(&mut steps, delay, cmd(0, &["SELECT", &db]));
                push(&mut steps, 0, write(&mut rng));
            }
            5 => {
                push(&mut steps, delay, cmd(0, &["MULTI"]));
                for _ in 0..1 + rng.index(3) {
                    push(&mut steps, 0, write(&mut rng));
                }
                push(&mut steps, 0, cmd(0, &["EXEC"]));
            }
            6 => {
                // A pipeline; big enough to overflow a 16 KiB backlog sometimes.
                // Likelier while a fault is open with a small backlog: it overflows.
                let big =
                    rng.below(4) == 0 || (small_backlog && !open.is_empty() && rng.below(2) == 0);
                let (count, prefix, value_len) = if big {
                    (200, "bulk:", 100)
                } else {
                    (5 + rng.index(20), "p:", 1 + rng.index(40))
                };
                push(
                    &mut steps,
                    delay,
                    Action::Writes {
                        node: 0,
                        count,
                        prefix,
                        value_len,
                    },
                );
            }
            7..=9 => {
                // Open a fault on a node without one: mostly a replica; sometimes the
                // master crashes, or a replica is moved under another node (`REPLICAOF`).
                let r = if rng.below(8) == 0 {
                    0
                } else {
                    1 + rng.index(replicas)
                };
                let busy = open
                    .iter()
                    .any(|o| matches!(*o, Open::Cut(a, _) | Open::Crash(a, _) | Open::Promoted(a) if a == r));
                if busy {
                    continue;
                }
                match (r, rng.below(6)) {
                    (1.., 5) => {
                        parent[r] = None;
                        push(&mut steps, delay, Action::Promote(r));
                        open.push(Open::Promoted(r));
                    }
                    (0, _) | (_, 0 | 1) => {
                        // Down: a crash (back with its memory, from whatever dump it last
                        // saved, or with its dump lost), or a SHUTDOWN that saves a dump
                        // with the replication info and comes back from it.
                        let how = match rng.below(8) {
                            0..=2 => Comeback::Resume,
                            3 | 4 => Comeback::FromDump,
                            5 => Comeback::Empty,
                            _ => {
                                push(&mut steps, delay, cmd(r, &["SHUTDOWN"]));
                                open.push(Open::Crash(r, Comeback::AfterShutdown));
                                continue;
                            }
                        };
                        push(&mut steps, delay, Action::Crash(r));
                        open.push(Open::Crash(r, how));
                    }
                    (_, 2) if replicas > 1 => {
                        // A new master that is not r itself nor below it (no loop).
                        let m = rng.index(replicas + 1);
                        let mut up = Some(m);
                        while let Some(x) = up {
                            if x == r {
                                break;
                            }
                            up = parent[x];
                        }
                        if up.is_none() && parent[r] != Some(m) {
                            parent[r] = Some(m);
                            push(&mut steps, delay, Action::ReplicaOf { node: r, master: m });
                        }
                    }
                    _ => {
                        // The link to its master is reset, or stalls (bytes queue up).
                        let m = parent[r].unwrap_or(0);
                        let fault = if rng.below(3) == 0 {
                            Action::Hold(r, m)
                        } else {
                            Action::Cut(r, m)
                        };
                        push(&mut steps, delay, fault);
                        open.push(Open::Cut(r, m));
                    }
                }
            }
            _ => {
                if !open.is_empty() {
                    let o = open.remove(rng.index(open.len()));
                    if let Open::Promoted(r) = o {
                        parent[r] = Some(0);
                    }
                    let after = [10, 200, 1_000, 3_000, 8_000][rng.index(5)];
                    push(&mut steps, heal_delay(o, after), heal(o));
                } else if rng.below(2) == 0 {
                    push(&mut steps, delay, Action::Settle);
                }
            }
        }
    }
    for o in open {
        let after = [10, 500, 2_000][rng.index(3)];
        push(&mut steps, heal_delay(o, after), heal(o));
    }
    push(&mut steps, 0, Action::Settle);
    Scenario {
        name: "fuzz",
        description: "a random topology, random writes and faults, healed and settled",
        nodes,
        link,
        steps,
        five_steps: false,
    }
}

/// The invariants at one step: a running replica linked to its master (the one its
/// `replicaof` names now) has an offset at most its master's;
/// every active backlog's window ends at the node's offset. Returns, per node, its master
/// when it is such a linked replica.
fn check_step(
    scenario: &Scenario,
    step: usize,
    sim: &Simulator,
    ids: &[NodeId],
    out: &mut Vec<String>,
) -> Vec<Option<usize>> {
    let mut linked_to = vec![None; ids.len()];
    let at = |i: usize| -> Option<&Server> {
        if sim.is_up(ids[i]) {
            sim.node_as::<Server>(ids[i])
        } else {
            None
        }
    };
    for (i, spec) in scenario.nodes.iter().enumerate() {
        let Some(srv) = at(i) else { continue };
        let b = &srv.state().master.backlog;
        if let Some((first, histlen)) = b.window() {
            if first + histlen != b.master_repl_offset() + 1 {
                out.push(format!(
                    "after step {step}: {} backlog window [{first}, +{histlen}) does not end at master_repl_offset {}",
                    spec.name,
                    b.master_repl_offset()
                ));
            }
        }
        // Only while linked: a replica just moved under a node that lags keeps its offset
        // until it resyncs from it.
        if !srv.master_link_up() {
            continue;
        }
        let Some(m) = master_index(srv, sim, ids) else {
            continue;
        };
        let Some(master) = at(m) else { continue };
        // ... and linked to the master's current process: a replica that has not yet seen
        // its master's process die still counts its link as up.
        if !linked(sim, ids[i], ids[m]) {
            continue;
        }
        linked_to[i] = Some(m);
        let (ro, mo) = (
            b.master_repl_offset(),
            master.state().master.backlog.master_repl_offset(),
        );
        if ro > mo {
            out.push(format!(
                "after step {step}: {} offset {ro} > its master {} offset {mo}",
                spec.name, scenario.nodes[m].name
            ));
        }
    }
    linked_to
}

/// Whether a connection between the two nodes is open at both ends.
fn linked(sim: &Simulator, a: NodeId, b: NodeId) -> bool {
    sim.links_between(a, b)
        .into_iter()
        .any(|l| sim.is_link_open(l))
}

/// The scenario node a server replicates from (its `replicaof`), if one of them.
fn master_index(srv: &Server, sim: &Simulator, ids: &[NodeId]) -> Option<usize> {
    let (host, port) = srv.state().config.replicaof.as_ref()?;
    ids.iter()
        .position(|id| sim.addr_of(*id) == host && sim.listen_port(*id) == Some(*port))
}

/// After settling: every node runs, and every replica is linked to its master with the same
/// digest, replid and offset.
fn check_final(r: &ScenarioRun, out: &mut Vec<String>) {
    if !r.settled {
        out.push("the nodes did not settle".to_string());
    }
    for n in &r.nodes {
        if !n.up {
            out.push(format!("{} is down at the end", n.name));
            continue;
        }
        let Some(m) = n.master else { continue };
        let master = &r.nodes[m];
        if !n.link_up {
            out.push(format!("{}: link to {} down", n.name, master.name));
        }
        if n.digest != master.digest {
            out.push(format!(
                "{}: digest {} ({} keys) != {} digest {} ({} keys)",
                n.name, n.digest, n.keys, master.name, master.digest, master.keys
            ));
        }
        if n.replid != master.replid {
            out.push(format!(
                "{}: replid {} != {} replid {}",
                n.name, n.replid, master.name, master.replid
            ));
        }
        if n.offset != master.offset {
            out.push(format!(
                "{}: offset {} != {} offset {}",
                n.name, n.offset, master.name, master.offset
            ));
        }
    }
}

/// Run `scenario` with `seed` and check it: the run and its violations.
pub fn check(scenario: &Scenario, seed: u64) -> (ScenarioRun, Vec<String>) {
    let (run, violations, _) = check_counted(scenario, seed);
    (run, violations)
}

/// [`check`], also returning how many applied stream bytes were checked against the
/// masters' streams and how many could not be ([`AppliedStreams`]).
pub fn check_counted(scenario: &Scenario, seed: u64) -> (ScenarioRun, Vec<String>, (u64, u64)) {
    let mut violations = Vec::new();
    let mut applied = AppliedStreams::new(scenario.nodes.len());
    let names: Vec<&str> = scenario.nodes.iter().map(|n| n.name).collect();
    let run = scenario::run_observed(scenario, seed, &mut |step, sim, ids| {
        let linked = check_step(scenario, step, sim, ids, &mut violations);
        let when = if step == scenario.steps.len() {
            "after settling".to_string()
        } else {
            format!("after step {step}")
        };
        applied.observe(sim, ids, &linked, &names, &when, &mut violations);
    });
    check_final(&run, &mut violations);
    (
        run,
        violations,
        (applied.checked_bytes(), applied.dropped_bytes()),
    )
}

/// Generate and check the scenario of `seed`.
pub fn run_seed(seed: u64) -> FuzzOutcome {
    let s = generate(seed);
    let (run, violations, (stream_bytes_checked, stream_bytes_unchecked)) = check_counted(&s, seed);
    FuzzOutcome {
        stream_bytes_checked,
        stream_bytes_unchecked,
        seed,
        steps: s.steps.len(),
        events: run.sim.events_processed(),
        trace_hash: run.trace_hash(),
        violations,
    }
}

/// The first `n` steps of `scenario`, then every fault they leave open healed, then a settle.
pub fn prefix(scenario: &Scenario, n: usize) -> Scenario {
    let mut steps: Vec<Step> = scenario.steps[..n.min(scenario.steps.len())].to_vec();
    for o in open_faults(&steps) {
        steps.push(Step {
            delay_ms: heal_delay(o, 100),
            action: heal(o),
        });
    }
    steps.push(Step {
        delay_ms: 0,
        action: Action::Settle,
    });
    Scenario {
        steps,
        ..scenario.clone()
    }
}

/// The shortest failing prefix of the scenario of a failing `seed` ([`prefix`]), with its
/// violations and timeline; the full scenario if no shorter prefix fails.
pub fn shrink(seed: u64) -> FuzzFailure {
    let full = generate(seed);
    for n in 0..full.steps.len() {
        let s = prefix(&full, n);
        let (run, violations) = check(&s, seed);
        if !violations.is_empty() {
            return failure(seed, &full, s, &run, violations);
        }
    }
    let (run, violations) = check(&full, seed);
    failure(seed, &full, full.clone(), &run, violations)
}

fn failure(
    seed: u64,
    full: &Scenario,
    scenario: Scenario,
    run: &ScenarioRun,
    violations: Vec<String>,
) -> FuzzFailure {
    FuzzFailure {
        seed,
        full_steps: full.steps.len(),
        scenario,
        violations,
        timeline: scenario::render_text(run),
    }
}

/// The scenario as text: topology, link and numbered steps.
pub fn describe(s: &Scenario) -> String {
    let mut out = String::from("topology:\n");
    for n in &s.nodes {
        let role = match n.replicaof {
            Some(m) => format!("replica of {}", s.nodes[m].name),
            None => "master".to_string(),
        };
        out.push_str(&format!("  {} (port {}): {role}", n.name, n.port));
        for (k, v) in &n.config {
            out.push_str(&format!(" {k} {v}"));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "link: latency {} us, bandwidth {} B/s (0 = unlimited), chunking {:?}\nsteps:\n",
        s.link.latency_us, s.link.bandwidth, s.link.chunking
    ));
    for (i, st) in s.steps.iter().enumerate() {
        let name = |n: usize| s.nodes[n].name;
        let what = match &st.action {
            Action::Command { node, words } => format!("{} <- {}", name(*node), words.join(" ")),
            Action::Writes {
                node,
                count,
                prefix,
                value_len,
            } => format!(
                "{} <- pipeline of {count} SET {prefix}<i> (values of {value_len} bytes)",
                name(*node)
            ),
            Action::WriteStream {
                node,
                count,
                interval_us,
                prefix,
                keys,
                value_len,
            } => format!(
                "{} <- {count} SET {prefix}<i mod {keys}> (values of {value_len} bytes), one every {interval_us} us",
                name(*node)
            ),
            Action::Cut(a, b) => format!("cut {} -- {}", name(*a), name(*b)),
            Action::Restore(a, b) => format!("restore {} -- {}", name(*a), name(*b)),
            Action::Crash(n) => format!("crash {}", name(*n)),
            Action::Restart(n) => format!("restart {}", name(*n)),
            Action::Hold(a, b) => format!("hold {} -- {}", name(*a), name(*b)),
            Action::RestartFromDump(n) => format!("restart {} from its dump", name(*n)),
            Action::RestartEmpty(n) => format!("restart {} without its dump (data lost)", name(*n)),
            Action::Promote(n) => format!("{} <- REPLICAOF NO ONE", name(*n)),
            Action::ReplicaOf { node, master } => {
                format!("{} <- REPLICAOF {}", name(*node), name(*master))
            }
            Action::Settle => "settle".to_string(),
        };
        out.push_str(&format!("  {i:>3} +{:>5} ms  {what}\n", st.delay_ms));
    }
    out
}
