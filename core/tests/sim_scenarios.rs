//! Named replication scenarios run on the simulator: each reaches its outcome (replicas
//! hold their master's dataset, ids and offset), the resync kind is the expected one, and
//! runs are deterministic.

use replscope_core::sim::scenario::{self, label, ScenarioRun, TimelineKind};

fn run(name: &str, seed: u64) -> ScenarioRun {
    let s = scenario::scenario(name).expect("scenario exists");
    scenario::run(&s, seed)
}

/// Every running replica agrees with its master: dataset digest, replid and offset.
fn assert_converged(r: &ScenarioRun) {
    assert!(
        r.settled,
        "{}: did not settle: {:?}",
        r.scenario.name, r.nodes
    );
    for n in &r.nodes {
        let Some(m) = n.master else { continue };
        if !n.up {
            continue;
        }
        let master = &r.nodes[m];
        assert!(n.link_up, "{}: {} link down", r.scenario.name, n.name);
        assert_eq!(
            n.digest, master.digest,
            "{}: {} digest",
            r.scenario.name, n.name
        );
        assert_eq!(
            n.replid, master.replid,
            "{}: {} replid",
            r.scenario.name, n.name
        );
        assert_eq!(
            n.offset, master.offset,
            "{}: {} offset",
            r.scenario.name, n.name
        );
        assert!(n.keys > 0);
    }
}

fn count(labels: &[String], prefix: &str) -> usize {
    labels.iter().filter(|l| l.starts_with(prefix)).count()
}

#[test]
fn every_scenario_converges() {
    let all = scenario::scenarios();
    let names: Vec<&str> = all.iter().map(|s| s.name).collect();
    for n in [
        "full-sync",
        "partial-resync",
        "backlog-overflow",
        "failover",
        "chain",
        "wait",
        "restart",
    ] {
        assert!(names.contains(&n), "{n} missing");
    }
    for s in &all {
        assert!(!s.description.is_empty());
        assert_converged(&scenario::run(s, 1));
    }
}

#[test]
fn full_sync_reads_as_five_steps() {
    let r = run("full-sync", 3);
    assert_converged(&r);
    let from_replica = r.labels_from(1);
    assert_eq!(count(&from_replica, "PSYNC ? -1"), 1);
    assert!(from_replica.contains(&"PING".to_string()));
    assert!(from_replica
        .iter()
        .any(|l| l.starts_with("REPLCONF listening-port 6380")));
    let from_master = r.labels_from(0);
    let full = from_master
        .iter()
        .find(|l| l.starts_with("+FULLRESYNC"))
        .expect("FULLRESYNC");
    // The RDB follows in the same message (disk sync served at once) or in its own
    // (`$EOF:` after the diskless delay, as 7.0 by default).
    assert!(
        full.ends_with(" B")
            || full.contains("RDB")
            || from_master.iter().any(|l| l.starts_with("RDB")),
        "{full}"
    );
    let text = scenario::render_text(&r);
    for step in ["== 1.", "== 2.", "== 3.", "== 4.", "== 5."] {
        assert!(text.contains(step), "{step} missing in\n{text}");
    }
    assert!(text.find("== 1.") < text.find("== 5."));
}

/// The offsets the timeline shows on stream messages end at each replica's final offset.
#[test]
fn timeline_offsets_follow_the_stream() {
    for name in ["full-sync", "partial-resync", "chain", "failover"] {
        let r = run(name, 2);
        let tl = r.timeline();
        for (i, n) in r.nodes.iter().enumerate() {
            let Some(m) = n.master else { continue };
            let (from, to) = (r.nodes[m].name, r.nodes[i].name);
            let last = tl
                .iter()
                .rev()
                .filter(|e| e.node == from)
                .filter_map(|e| match &e.kind {
                    TimelineKind::Message { to: t, offset, .. } if t == to => *offset,
                    _ => None,
                })
                .next();
            assert_eq!(last, Some(n.offset), "{name}: {from} -> {to}");
        }
    }
}

#[test]
fn partial_resync_continues() {
    let r = run("partial-resync", 5);
    assert_converged(&r);
    let m = r.labels_from(0);
    assert_eq!(count(&m, "+FULLRESYNC"), 1);
    assert_eq!(count(&m, "+CONTINUE"), 1);
    let rep = r.labels_from(1);
    assert_eq!(count(&rep, "PSYNC ? -1"), 1);
    assert!(rep
        .iter()
        .any(|l| l.starts_with("PSYNC ") && !l.starts_with("PSYNC ?")));
}

#[test]
fn backlog_overflow_needs_a_second_full_resync() {
    let r = run("backlog-overflow", 7);
    assert_converged(&r);
    let m = r.labels_from(0);
    assert_eq!(count(&m, "+FULLRESYNC"), 2);
    assert_eq!(count(&m, "+CONTINUE"), 0);
    assert_eq!(r.nodes[1].keys, 1_001);
}

#[test]
fn failover_sibling_continues_through_replid2() {
    let r = run("failover", 9);
    assert_converged(&r);
    assert!(!r.nodes[0].up);
    assert_eq!(r.nodes[1].master, None);
    assert_eq!(r.nodes[2].master, Some(1));
    // The promoted replica shifted its id: the old master's id is its replid2.
    assert_eq!(r.nodes[1].replid2, r.nodes[0].replid);
    assert_ne!(r.nodes[1].replid, r.nodes[0].replid);
    let promoted = r.labels_from(1);
    assert_eq!(count(&promoted, "+CONTINUE"), 1);
    assert_eq!(count(&promoted, "+FULLRESYNC"), 0);
}

#[test]
fn chain_has_the_same_ids_and_offsets_down_the_chain() {
    let r = run("chain", 11);
    assert_converged(&r);
    assert_eq!(r.nodes[2].master, Some(1));
    assert_eq!(r.nodes[2].replid, r.nodes[0].replid);
    assert_eq!(r.nodes[2].offset, r.nodes[0].offset);
    assert_eq!(r.nodes[2].digest, r.nodes[0].digest);
    // The middle link dropped and resumed: the master continued it, and the sub-replica
    // kept its link (one full sync only).
    let m = r.labels_from(0);
    assert_eq!(count(&m, "+FULLRESYNC"), 1);
    assert_eq!(count(&m, "+CONTINUE"), 1);
    let mid = r.labels_from(1);
    assert_eq!(count(&mid, "+FULLRESYNC"), 1);
    assert_eq!(count(&mid, "+CONTINUE"), 0);
    assert!(mid.iter().any(|l| l == "SET during-cut 1"));
}

#[test]
fn same_seed_same_trace() {
    for s in scenario::scenarios() {
        let a = scenario::run(&s, 42);
        let b = scenario::run(&s, 42);
        assert_eq!(a.trace_hash(), b.trace_hash(), "{}", s.name);
        assert_eq!(scenario::render_text(&a), scenario::render_text(&b));
    }
    let a = run("partial-resync", 1);
    let b = run("partial-resync", 2);
    assert_ne!(a.trace_hash(), b.trace_hash());
}

#[test]
fn labels() {
    assert_eq!(label(b"*1\r\n$4\r\nPING\r\n"), "PING");
    assert_eq!(
        label(b"*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$4\r\n6380\r\n"),
        "REPLCONF listening-port 6380"
    );
    assert_eq!(
        label(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n"),
        "PSYNC ? -1"
    );
    assert_eq!(
        label(b"+FULLRESYNC 0123456789abcdef0123456789abcdef01234567 0\r\n"),
        "+FULLRESYNC 01234567… 0"
    );
    let mut rdb = b"$1229\r\nREDIS0010".to_vec();
    rdb.resize(1229 + 7, 0);
    assert_eq!(label(&rdb), "RDB 1.2 KiB");
    assert_eq!(
        label(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"),
        "SET k v"
    );
    assert_eq!(
        label(b"*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$4\r\n1042\r\n"),
        "REPLCONF ACK 1042"
    );
    assert_eq!(label(b"+OK\r\n+OK\r\n"), "+OK ×2");
    assert_eq!(label(b"\n"), "\\n (keepalive)");
    assert_eq!(label(b":3\r\n"), "(3)");
    // Replies to a pipeline written at once.
    assert_eq!(label(b"$1\r\n1\r\n$-1\r\n"), "\"1\" (nil)");
    assert_eq!(
        label(b":1\r\n:2\r\n+OK\r\n-ERR x\r\n:5\r\n"),
        "(1) (2) +OK (+2 more)"
    );
    assert_eq!(
        label(b"+CONTINUE\r\n*1\r\n$4\r\nPING\r\n"),
        "+CONTINUE PING"
    );
    assert_eq!(label(b":1\r\n%2\r\n"), "(1) (+4 B)");
}

#[test]
fn renderers() {
    let r = run("full-sync", 1);
    let m = scenario::render_mermaid(&r);
    assert!(m.starts_with("sequenceDiagram\n"));
    assert!(m.contains("replica->>master: PSYNC ? -1"), "{m}");
    let j = scenario::render_json(&r);
    assert!(j.starts_with("[\n{\"ms\":"));
    assert!(j.contains("\"label\":\"PSYNC ? -1\""));
}

/// Messages a scenario node (or the client, `"client"`) sent to `to`, in order.
fn sent(r: &ScenarioRun, from: &str, to: &str) -> Vec<String> {
    r.timeline()
        .into_iter()
        .filter(|e| e.node == from)
        .filter_map(|e| match e.kind {
            TimelineKind::Message { to: t, label, .. } if t == to => Some(label),
            _ => None,
        })
        .collect()
}

#[test]
fn wait_confirms_one_write_and_the_unconfirmed_one_is_lost() {
    let r = run("wait", 1);
    assert_converged(&r);
    // To the client: SET a, SET safe-key, WAIT 1 1000 -> (1) (the replica's ACK), SET
    // lost-key acknowledged, WAIT 1 500 -> (0) (the link stalls).
    assert_eq!(
        sent(&r, "master", "client"),
        ["+OK", "+OK", "(1)", "+OK", "(0)", "+OK", "(nil)"]
    );
    // The master asked for ACKs: one GETACK per WAIT.
    let to_replica = sent(&r, "master", "replica");
    assert_eq!(count(&to_replica, "REPLCONF GETACK *"), 2);
    assert!(to_replica.contains(&"SET lost-key 1".to_string()));
    // The promoted replica has the confirmed write, not the other one: REPLICAOF NO ONE,
    // GET safe-key, GET lost-key.
    // (Replies to pipelined commands may share one message: compare them joined.)
    assert_eq!(sent(&r, "replica", "client").join(" "), "+OK \"1\" (nil)");
    // The old master came back, followed the new master and had to full-resync (its history
    // diverged): it lost lost-key too.
    assert_eq!(r.nodes[0].master, Some(1));
    assert_eq!(r.nodes[1].master, None);
    let promoted = r.labels_from(1);
    assert_eq!(count(&promoted, "+FULLRESYNC"), 1);
    assert_eq!(count(&promoted, "+CONTINUE"), 0);
    for i in 0..2 {
        let ks = &r.server(i).state().keyspace;
        assert!(ks.dbs[0].len() == 2, "{}", r.nodes[i].name);
    }
    let text = scenario::render_text(&r);
    assert!(
        text.contains("partition: master and replica cannot talk"),
        "{text}"
    );
    assert!(text.contains("** master crashed **"), "{text}");
}

#[test]
fn restart_from_the_dump_continues_through_replid2() {
    let r = run("restart", 3);
    assert_converged(&r);
    let m = r.labels_from(0);
    // First life: two full syncs. Second life (from the dump): two partial resyncs with the
    // new id, nothing to send (the replicas were in sync at shutdown).
    assert_eq!(count(&m, "+FULLRESYNC"), 2, "{m:?}");
    let continues: Vec<&String> = m.iter().filter(|l| l.starts_with("+CONTINUE ")).collect();
    assert_eq!(continues.len(), 2, "{m:?}");
    let old_id = m
        .iter()
        .find(|l| l.starts_with("+FULLRESYNC"))
        .and_then(|l| l.split(' ').nth(1))
        .expect("FULLRESYNC id")
        .trim_end_matches('…')
        .to_string();
    // The dump's repl-id is the new process's replid2; its offset continued.
    let master = &r.nodes[0];
    assert!(master.replid2.starts_with(&old_id), "{master:?}");
    assert_ne!(master.replid, master.replid2);
    assert!(continues[0].contains(&master.replid[..8]), "{continues:?}");
    for i in [1, 2] {
        let psyncs: Vec<String> = r
            .labels_from(i)
            .into_iter()
            .filter(|l| l.starts_with("PSYNC"))
            .collect();
        assert_eq!(psyncs.len(), 2, "{psyncs:?}");
        assert_eq!(psyncs[0], "PSYNC ? -1");
        assert!(psyncs[1].starts_with(&format!("PSYNC {}", &old_id[..8])));
    }
    assert_eq!(r.nodes[1].keys, 4);
    let text = scenario::render_text(&r);
    assert!(text.contains("DB saved on disk"), "{text}");
    assert!(
        text.contains("keys loaded from the dump; its repl-id"),
        "{text}"
    );
}

/// The decisive events of `wait` and `restart` do not depend on the seed (chunking).
#[test]
fn wait_and_restart_hold_for_many_seeds() {
    for seed in 0..40 {
        let r = run("wait", seed);
        assert_converged(&r);
        // (Replies to commands that arrived together may share one message.)
        let to_client = sent(&r, "master", "client").join(" ");
        let (one, zero) = (to_client.find("(1)"), to_client.find("(0)"));
        assert!(one.is_some() && one < zero, "seed {seed}: {to_client}");
        assert_eq!(
            sent(&r, "replica", "client").join(" "),
            "+OK \"1\" (nil)",
            "seed {seed}"
        );
        let r = run("restart", seed);
        assert_converged(&r);
        let m = r.labels_from(0);
        assert_eq!(count(&m, "+CONTINUE "), 2, "seed {seed}");
        assert_eq!(count(&m, "+FULLRESYNC"), 2, "seed {seed}");
    }
}

/// In the simulator too, a replica's master client is a client with the link's virtual
/// addresses: the master's `ip:port`, and our end, which the master shows as its replica's
/// address (as `CLIENT LIST` on both ends of a real link).
#[test]
fn replicas_list_their_master_client_with_the_link_addresses() {
    for name in ["full-sync", "partial-resync", "chain"] {
        let r = run(name, 1);
        let mut seen = 0;
        for (i, n) in r.nodes.iter().enumerate() {
            let Some(m) = n.master else { continue };
            if !n.up || !n.link_up {
                continue;
            }
            let srv = r.server(i);
            let mc = srv
                .master_client()
                .expect("a master client while the link is up");
            assert!(mc.flags.master);
            let port = r.server(m).state().config.port;
            assert_eq!(
                mc.peer.addr,
                format!("{}:{port}", scenario::ip_of(m)),
                "{name}: {}",
                n.name
            );
            assert!(
                mc.peer
                    .laddr
                    .starts_with(&format!("{}:", scenario::ip_of(i))),
                "{name}: {} laddr {}",
                n.name,
                mc.peer.laddr
            );
            let on_master: Vec<String> = r
                .server(m)
                .replica_clients()
                .iter()
                .map(|c| c.peer.addr.clone())
                .collect();
            assert!(
                on_master.contains(&mc.peer.laddr),
                "{name}: {} laddr {} not among {on_master:?}",
                n.name,
                mc.peer.laddr
            );
            seen += 1;
        }
        assert!(seen >= 1, "{name}: no replica checked");
    }
}
