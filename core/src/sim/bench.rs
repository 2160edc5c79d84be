//! Simulator throughput workloads (issue #4's benchmark): the scenarios whose events per
//! second `replscope-sim --bench` and `scripts/bench-sim` measure. The core has no clock, so
//! the timing is the caller's; these functions only build and run the workloads.
//!
//! - [`full_sync`]: the `full-sync` scenario with its master holding `keys` more keys
//!   (written in one pipeline before the replica connects): handshake, BGSAVE, an RDB of
//!   all of them, loading, then streaming.
//! - [`streaming`]: a master and `replicas` replicas in sync, then a client writing `writes`
//!   `SET`s one message at a time (one every 10 virtual µs, over 10,000 distinct keys), each
//!   propagated to every replica; then the nodes settle.
//!
//! Both run with [`scenario::run_unrecorded`]: the trace is hashed and counted, not kept.

use super::scenario::{self, Action, Scenario, ScenarioRun, Step};

/// The `full-sync` scenario with `keys` extra keys (`key:<i>`, 16-byte values) written to
/// the master first.
pub fn full_sync(keys: usize) -> Scenario {
    let mut s = scenario::scenario("full-sync").expect("full-sync is a named scenario");
    // The scenario's per-key save and load delays make its BGSAVE and load watchable; with
    // 10,000 keys they would stretch the virtual run far past its settle limit and measure
    // nothing more: the benchmark runs the sync at full speed.
    for n in &mut s.nodes {
        n.config
            .retain(|(k, _)| *k != "rdb-key-save-delay" && *k != "key-load-delay");
    }
    s.steps.insert(
        0,
        Step {
            delay_ms: 0,
            action: Action::Writes {
                node: 0,
                count: keys,
                prefix: "key:",
                value_len: 16,
            },
        },
    );
    s.name = "bench-full-sync";
    s
}

/// A master, `replicas` replicas (1 to 4) synced, then `writes` writes streamed to them.
pub fn streaming(writes: usize, replicas: usize) -> Scenario {
    let names = ["master", "replica-1", "replica-2", "replica-3", "replica-4"];
    let replicas = replicas.clamp(1, 4);
    let mut s = scenario::scenario("full-sync").expect("full-sync is a named scenario");
    for n in &mut s.nodes {
        n.config
            .retain(|(k, _)| *k != "rdb-key-save-delay" && *k != "key-load-delay");
    }
    s.name = "bench-streaming";
    s.description = "a master streaming writes to its replicas";
    s.five_steps = false;
    let first = s.nodes[1].clone();
    s.nodes.truncate(1);
    for (i, name) in names.iter().enumerate().skip(1).take(replicas) {
        s.nodes.push(scenario::NodeSpec {
            name,
            port: 6379 + i as u16,
            ..first.clone()
        });
    }
    s.steps = vec![
        Step {
            delay_ms: 0,
            action: Action::Settle,
        },
        Step {
            delay_ms: 10,
            action: Action::WriteStream {
                node: 0,
                count: writes,
                interval_us: 10,
                prefix: "key:",
                keys: 10_000,
                value_len: 16,
            },
        },
        Step {
            delay_ms: 0,
            action: Action::Settle,
        },
    ];
    s
}

/// Run a workload (trace not kept) with `seed`.
pub fn run(s: &Scenario, seed: u64) -> ScenarioRun {
    scenario::run_unrecorded(s, seed)
}

/// Whether a workload's run ended as it must: settled, every replica linked with its
/// master's offset and key count (the check every benchmark run makes).
pub fn in_sync(r: &ScenarioRun) -> bool {
    let master = &r.nodes[0];
    r.settled
        && r.nodes[1..]
            .iter()
            .all(|n| n.link_up && n.offset == master.offset && n.keys == master.keys)
}
