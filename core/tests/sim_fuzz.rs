//! Deterministic simulation testing of replication: many random seeds (topologies, writes,
//! faults), each checked for invariants at every step and convergence after settling.
//!
//! `SIM_SEEDS=N` runs N seeds (default 2,000); `SIM_SEED=S` replays one seed and prints its
//! scenario and timeline. A failure prints the seed and the timeline of the shortest failing
//! prefix of its steps.

use replscope_core::sim::fuzz;
use replscope_core::sim::scenario;

const DEFAULT_SEEDS: u64 = 2_000;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.trim().parse().ok()
}

#[test]
fn random_seeds_converge() {
    if let Some(seed) = env_u64("SIM_SEED") {
        let s = fuzz::generate(seed);
        let (run, violations) = fuzz::check(&s, seed);
        println!("{}", fuzz::describe(&s));
        println!("{}", scenario::render_text(&run));
        assert!(violations.is_empty(), "{}", fuzz::shrink(seed).report());
        return;
    }
    let n = env_u64("SIM_SEEDS").unwrap_or(DEFAULT_SEEDS);
    let started = std::time::Instant::now();
    let mut events = 0;
    for seed in 0..n {
        let o = fuzz::run_seed(seed);
        events += o.events;
        if !o.passed() {
            panic!("{}", fuzz::shrink(seed).report());
        }
    }
    println!(
        "{n} seeds, {events} events, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn a_seed_runs_the_same_twice() {
    for seed in [1, 42, 7_777] {
        let a = fuzz::run_seed(seed);
        let b = fuzz::run_seed(seed);
        assert_eq!(a.trace_hash, b.trace_hash, "seed {seed}");
        assert_eq!(a.events, b.events);
        assert_eq!(fuzz::generate(seed), fuzz::generate(seed));
    }
    assert_ne!(fuzz::generate(1), fuzz::generate(2));
}

#[test]
fn seeds_cover_chains_faults_failovers_and_small_backlogs() {
    let scenarios: Vec<_> = (0..200).map(fuzz::generate).collect();
    let chain = scenarios
        .iter()
        .any(|s| s.nodes.iter().any(|n| n.replicaof.is_some_and(|m| m > 0)));
    let sizes: Vec<usize> = scenarios.iter().map(|s| s.nodes.len()).collect();
    let has = |f: &dyn Fn(&scenario::Action) -> bool| {
        scenarios
            .iter()
            .any(|s| s.steps.iter().any(|st| f(&st.action)))
    };
    assert!(chain);
    assert!(sizes.contains(&2) && sizes.contains(&5));
    assert!(sizes.iter().all(|n| (2..=5).contains(n)));
    assert!(has(&|a| matches!(a, scenario::Action::Cut(..))));
    assert!(has(&|a| matches!(a, scenario::Action::Crash(..))));
    assert!(has(&|a| matches!(a, scenario::Action::Crash(0))));
    assert!(has(&|a| matches!(a, scenario::Action::Promote(..))));
    assert!(has(&|a| matches!(
        a,
        scenario::Action::ReplicaOf { master: 1.., .. }
    )));
    assert!(has(
        &|a| matches!(a, scenario::Action::Command { words, .. } if words[0] == "MULTI")
    ));
    assert!(scenarios
        .iter()
        .any(|s| s.nodes[0].config.contains(&("repl-backlog-size", "16384"))));
    // Every generated scenario heals its faults and ends settled.
    for s in &scenarios {
        assert_eq!(
            s.steps.last().map(|st| &st.action),
            Some(&scenario::Action::Settle)
        );
    }
}

#[test]
fn a_failure_report_names_the_seed_and_prints_a_timeline() {
    let s = fuzz::generate(3);
    let p = fuzz::prefix(&s, 2);
    assert!(p.steps.len() >= 3);
    assert_eq!(
        p.steps.last().map(|st| &st.action),
        Some(&scenario::Action::Settle)
    );
    let text = fuzz::describe(&s);
    assert!(text.contains("topology:") && text.contains("settle"));
}

/// Regression (found by fuzzing, seed 2): a replica restarted between two of its cron ticks
/// had its link's once-a-second cron out of phase with the server cron; `poll_timeout`
/// returned the link's past deadline until the next server tick, so the simulator woke it
/// every microsecond (about 11,000 events per virtual second, 664,131 events for seed 2).
#[test]
fn a_restarted_replica_does_not_spin_on_its_timer() {
    use replscope_core::sim::{ChunkPolicy, LinkParams};
    use scenario::{Action, NodeSpec, Scenario, Step};
    let node = |name, port, replicaof| NodeSpec {
        name,
        port,
        replicaof,
        config: Vec::new(),
    };
    let step = |delay_ms, action| Step { delay_ms, action };
    let s = Scenario {
        name: "restart-out-of-phase",
        description: "a replica crashes and restarts 810 ms later",
        nodes: vec![node("master", 6379, None), node("replica", 6380, Some(0))],
        link: LinkParams {
            latency_us: 50,
            bandwidth: 0,
            chunking: ChunkPolicy::Random { max_chunk: 1_024 },
        },
        steps: vec![
            step(0, Action::Settle),
            step(1_301, Action::Crash(1)),
            step(810, Action::Restart(1)),
            step(0, Action::Settle),
            step(20_000, Action::Settle),
        ],
        five_steps: false,
    };
    let (run, violations) = fuzz::check(&s, 2);
    assert!(violations.is_empty(), "{violations:?}");
    let events = run.sim.events_processed();
    assert!(events < 5_000, "{events} events");
}

#[test]
fn shrinking_a_passing_seed_keeps_the_whole_scenario() {
    let f = fuzz::shrink(5);
    assert!(f.violations.is_empty());
    assert_eq!(f.scenario, fuzz::generate(5));
    let report = f.report();
    assert!(report.starts_with("fuzz seed 5 failed"), "{report}");
    assert!(report.contains("replay with SIM_SEED=5"));
    assert!(report.contains("final state:"));
}

/// Regression (found by fuzzing, seed 4 of the generator with `REPLICAOF` moves): a replica
/// moved with `REPLICAOF <host> <port>` under another replica of the same master resumes
/// with `+CONTINUE` in the middle of the stream, where db 2 is selected and no `SELECT`
/// follows. Redis caches the old master client with its db (`replicationCacheMaster`); the
/// core used to start the new master client in db 0 and wrote the `MULTI`…`EXEC` there.
#[test]
fn a_replica_moved_under_a_sibling_keeps_the_streams_db() {
    use replscope_core::sim::{ChunkPolicy, LinkParams};
    use scenario::{Action, NodeSpec, Scenario, Step};
    let node = |name, port, replicaof| NodeSpec {
        name,
        port,
        replicaof,
        config: Vec::new(),
    };
    let step = |delay_ms, action| Step { delay_ms, action };
    let cmd = |line: &str| Action::Command {
        node: 0,
        words: line.split(' ').map(String::from).collect(),
    };
    let s = Scenario {
        name: "move-under-sibling",
        description: "replica-2 moves under replica-1 while the stream is in db 2",
        nodes: vec![
            node("master", 6379, None),
            node("replica-1", 6380, Some(0)),
            node("replica-2", 6381, Some(0)),
        ],
        link: LinkParams {
            latency_us: 1_000,
            bandwidth: 0,
            chunking: ChunkPolicy::Whole,
        },
        steps: vec![
            step(0, cmd("SELECT 2")),
            step(0, cmd("SET a 1")),
            step(0, Action::Settle),
            // On the stream: SELECT 2; SET c 3.
            step(10, cmd("SET c 3")),
            step(0, Action::Settle),
            step(10, Action::ReplicaOf { node: 2, master: 1 }),
            step(0, cmd("MULTI")),
            step(0, cmd("SADD s x")),
            step(0, cmd("SET b 2")),
            step(0, cmd("EXEC")),
            step(0, Action::Settle),
        ],
        five_steps: false,
    };
    let (run, violations) = fuzz::check(&s, 1);
    assert!(violations.is_empty(), "{violations:?}");
    let labels = run.labels_from(1);
    assert!(
        labels.iter().any(|l| l.starts_with("+CONTINUE")),
        "{labels:?}"
    );
    let r2 = run.server(2);
    assert_eq!(r2.state().keyspace.dbs[2].len(), 4);
    assert_eq!(r2.state().keyspace.dbs[0].len(), 0);
}

/// The applied-bytes invariant is exercised: over a few seeds, replicas' applied stream
/// bytes are checked against their masters' streams (and all of them agree).
#[test]
fn applied_stream_bytes_are_checked() {
    let mut checked = 0;
    for seed in 0..50 {
        let o = fuzz::run_seed(seed);
        assert!(o.passed(), "{}", fuzz::shrink(seed).report());
        checked += o.stream_bytes_checked;
    }
    assert!(checked > 10_000, "{checked} bytes checked");
}

/// The applied-bytes check reports a replica whose stream differs from its master's, with
/// the offset of the first differing byte.
#[test]
fn a_diverging_applied_stream_is_reported() {
    use replscope_core::server::Server;
    use replscope_core::sim::applied::AppliedStreams;
    let s = scenario::scenario("partial-resync").expect("scenario");
    let mut r = scenario::run(&s, 1);
    let names = ["master", "replica"];
    let linked = [None, Some(0)];
    let mut a = AppliedStreams::new(2);
    let mut out = Vec::new();
    a.observe(&r.sim, &r.ids, &linked, &names, "first", &mut out);
    assert!(out.is_empty(), "{out:?}");
    let checked = a.checked_bytes();
    assert!(checked > 0);
    let offset = r.nodes[0].offset;
    let (m, rep) = (r.ids[0], r.ids[1]);
    r.sim.with_node_as(m, |srv: &mut Server, _| {
        srv.state_mut().master.backlog.feed(b"*1\r\n$4\r\nPING\r\n")
    });
    r.sim.with_node_as(rep, |srv: &mut Server, _| {
        srv.state_mut().master.backlog.feed(b"*1\r\n$4\r\nPONG\r\n")
    });
    a.observe(&r.sim, &r.ids, &linked, &names, "second", &mut out);
    assert_eq!(
        out,
        [format!(
            r#"second: replica applied stream bytes that differ from its master master's stream at offset {}: "ONG\r\n" vs "ING\r\n""#,
            offset + 10
        )]
    );
    assert_eq!(a.checked_bytes(), checked + 14);
}

#[test]
fn seeds_cover_restarts_from_the_dump_and_data_losing_crashes() {
    use scenario::Action;
    let scenarios: Vec<_> = (0..300).map(fuzz::generate).collect();
    let has = |f: &dyn Fn(&Action) -> bool| {
        scenarios
            .iter()
            .filter(|s| s.steps.iter().any(|st| f(&st.action)))
            .count()
    };
    assert!(has(&|a| matches!(a, Action::RestartFromDump(0))) > 0);
    assert!(has(&|a| matches!(a, Action::RestartFromDump(1..))) > 0);
    assert!(has(&|a| matches!(a, Action::RestartEmpty(0))) > 0);
    assert!(has(&|a| matches!(a, Action::RestartEmpty(1..))) > 0);
    assert!(has(&|a| matches!(a, Action::Restart(..))) > 0);
    assert!(has(&|a| matches!(a, Action::Hold(..))) > 0);
    // A master that shuts down (saving its dump with repl-id/repl-offset) and restarts from
    // it: its replicas continue with a partial resync (+CONTINUE <new id>).
    let shutdown = |s: &scenario::Scenario| {
        s.steps.iter().any(
            |st| matches!(&st.action, Action::Command { node: 0, words } if words[0] == "SHUTDOWN"),
        )
    };
    let mut continued = 0;
    let seeds = (0..300u64)
        .filter(|&i| shutdown(&scenarios[i as usize]))
        .take(12);
    for seed in seeds {
        let (run, violations) = fuzz::check(&scenarios[seed as usize], seed);
        assert!(violations.is_empty(), "seed {seed}: {violations:?}");
        // Only a restart from the dump changes the top master's id while keeping offsets.
        if run
            .labels_from(0)
            .iter()
            .any(|l| l.starts_with("+CONTINUE ") && l.len() > "+CONTINUE ".len())
        {
            continued += 1;
        }
    }
    assert!(continued > 0);
}

/// A data-losing crash of the top master (a new process with its dump lost: empty, new id,
/// offset 0): its replica must full-resync from the empty master, and the sub-replica below
/// it must follow (full resync from the replica: the history changed). A data-losing crash
/// of a replica: it asks `PSYNC ? -1`.
#[test]
fn a_master_that_loses_its_data_takes_its_replicas_with_it() {
    use replscope_core::sim::{ChunkPolicy, LinkParams};
    use scenario::{Action, NodeSpec, Scenario, Step};
    let node = |name, port, replicaof| NodeSpec {
        name,
        port,
        replicaof,
        config: Vec::new(),
    };
    let step = |delay_ms, action| Step { delay_ms, action };
    let cmd = |node: usize, line: &str| Action::Command {
        node,
        words: line.split(' ').map(String::from).collect(),
    };
    let s = Scenario {
        name: "data-loss",
        description: "the master comes back empty, then a replica does",
        nodes: vec![
            node("master", 6379, None),
            node("replica", 6380, Some(0)),
            node("sub-replica", 6381, Some(1)),
        ],
        link: LinkParams {
            latency_us: 1_000,
            bandwidth: 0,
            chunking: ChunkPolicy::Random { max_chunk: 64 },
        },
        steps: vec![
            step(0, cmd(0, "SET a 1")),
            step(0, cmd(0, "SADD s x y")),
            step(0, Action::Settle),
            step(100, Action::Crash(0)),
            step(500, Action::RestartEmpty(0)),
            step(0, Action::Settle),
            step(100, cmd(0, "SET after 1")),
            step(0, Action::Settle),
            step(100, Action::Crash(1)),
            step(500, Action::RestartEmpty(1)),
            step(0, Action::Settle),
        ],
        five_steps: false,
    };
    let (run, violations) = fuzz::check(&s, 3);
    assert!(violations.is_empty(), "{violations:?}");
    let id = run.nodes[0].replid.clone();
    for n in &run.nodes {
        assert_eq!(n.keys, 1, "{n:?}");
        assert_eq!(n.replid, id);
    }
    // The master: one full sync in its first life; in its second (a new id, offset 0) one
    // for the replica, and one more after the replica lost its data.
    let m = run.labels_from(0);
    let full: Vec<&String> = m.iter().filter(|l| l.starts_with("+FULLRESYNC")).collect();
    assert_eq!(full.len(), 3, "{m:?}");
    assert!(full[1].contains(&format!("{}… 0", &id[..8])), "{full:?}");
    assert!(full[2].contains(&id[..8]), "{full:?}");
    // The replica: its cached history is unknown to the new master; then, once it lost its
    // own data, it has no history at all.
    let r: Vec<String> = run
        .labels_from(1)
        .into_iter()
        .filter(|l| l.starts_with("PSYNC"))
        .collect();
    assert_eq!(r.first().map(String::as_str), Some("PSYNC ? -1"));
    assert_eq!(r.last().map(String::as_str), Some("PSYNC ? -1"));
    assert!(r.len() >= 3, "{r:?}");
    assert!(r[1..r.len() - 1].iter().all(|l| l != "PSYNC ? -1"), "{r:?}");
    // The sub-replica full-resynced from the replica after each history change.
    let sub = run.labels_from(1);
    assert!(
        sub.iter().filter(|l| l.starts_with("+FULLRESYNC")).count() >= 2,
        "{sub:?}"
    );
}
