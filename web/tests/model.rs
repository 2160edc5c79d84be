//! The view model at chosen steps of the core's scenarios: what each panel shows.

use replscope_core::sim::scenario::{run, scenario, scenarios};
use replscope_web::model::{snapshot, PsyncReason, Session, Settings, Snapshot, UserAction};
use replscope_web::strings::EN;

const LIMIT: usize = 100_000;

fn session(name: &str) -> Session {
    Session::new(scenario(name).expect("scenario"), 1, Settings::default())
}

fn ended(name: &str) -> Session {
    let mut s = session(name);
    s.run_to_end(LIMIT);
    assert!(s.at_end(), "{name} ends");
    s
}

fn keys(v: &Snapshot, node: usize) -> Vec<String> {
    v.nodes[node].keys.iter().map(|k| k.name.clone()).collect()
}

/// The session drives the simulator exactly like the core's scenario runner: same trace.
#[test]
fn every_scenario_replays_the_core_runner_exactly() {
    for sc in scenarios() {
        let mut s = Session::new(sc.clone(), 7, Settings::default());
        s.run_to_end(LIMIT);
        assert!(s.at_end(), "{}", sc.name);
        assert_eq!(s.step(), s.measure_end(LIMIT), "{}", sc.name);
        let core = run(&sc, 7);
        assert_eq!(
            s.live().sim.trace().hash(),
            core.trace_hash(),
            "{}",
            sc.name
        );
        assert_eq!(s.live().settled, core.settled, "{}", sc.name);
    }
}

#[test]
fn full_sync_end_state() {
    let s = ended("full-sync");
    let v = snapshot(&s);
    let (m, r) = (&v.nodes[0], &v.nodes[1]);
    assert_eq!(m.role, "master");
    assert_eq!(r.role, "replica");
    assert_eq!(
        keys(&v, 0),
        ["counter", "during-bgsave", "greeting", "k", "list"]
    );
    assert_eq!(keys(&v, 1), keys(&v, 0));
    assert_eq!(r.keys[4].summary, "list(3)");
    assert_eq!(m.keys[2].summary, "\"hello\"");
    assert!(r.info.starts_with("# Replication\nrole:slave\n"));
    assert!(r.info.contains("\nmaster_link_status:up\n"), "{}", r.info);
    assert_eq!(r.link_status, Some("up"));
    assert_eq!(r.repl_state, Some("REPL_STATE_CONNECTED"));
    assert_eq!(m.replicas.len(), 1);
    assert_eq!(m.replicas[0].state, "SLAVE_STATE_ONLINE");
    assert_eq!(m.replicas[0].node, Some(1));
    // Same history on both sides.
    assert_eq!(r.replid, m.replid);
    assert_eq!(r.offset, m.offset);
    assert!(m
        .info
        .contains(&format!("\nmaster_repl_offset:{}\n", m.offset)));
    // Backlog ruler: created for the first replica, holding the whole stream.
    assert!(m.backlog.active);
    assert_eq!(m.backlog.size, 1024 * 1024);
    assert_eq!(m.backlog.first_byte_offset, 1);
    assert_eq!(m.backlog.histlen, m.offset);
    assert_eq!(
        m.backlog.replica_offsets,
        vec![("replica".to_string(), m.offset)]
    );
    // One PSYNC: the first sync asks `PSYNC ? -1` and gets +FULLRESYNC.
    assert_eq!(v.psyncs.len(), 1);
    let p = &v.psyncs[0];
    assert_eq!((p.requested_replid.as_str(), p.requested_offset), ("?", -1));
    assert_eq!(p.outcome, "+FULLRESYNC");
    assert_eq!(p.window, None, "no backlog before the first replica");
    assert_eq!(p.reason, PsyncReason::NoHistory);
    assert!(p.reason.text(&EN).contains("PSYNC ?"));
    // The RDB reached the replica.
    let (rdb_len, rdb_step) = r.rdb.received.expect("RDB delivered");
    assert!(rdb_len > 100);
    assert!(rdb_step > p.step);
    assert!(v.packets.is_empty(), "nothing in flight at the end");
}

/// Walk through full-sync and check the panels at the steps where things happen.
#[test]
fn full_sync_panels_along_the_way() {
    let mut s = session("full-sync");
    let mut seen_labels = Vec::new();
    let mut states = Vec::new();
    let mut saw_transfer_progress = false;
    let mut psync_step = None;
    while s.step_forward() {
        let v = snapshot(&s);
        for p in &v.packets {
            if !seen_labels.contains(&p.label) {
                seen_labels.push(p.label.clone());
            }
            assert!((0.0..=1.0).contains(&p.progress));
        }
        if let Some(st) = v.nodes[1].repl_state {
            if states.last() != Some(&st) {
                states.push(st);
            }
        }
        saw_transfer_progress |= v.nodes[1].rdb.transfer.is_some();
        if psync_step.is_none() && v.psync.is_some() {
            psync_step = Some(v.step);
        }
    }
    for l in ["PING", "PSYNC ? -1", "SET greeting hello"] {
        assert!(seen_labels.iter().any(|x| x == l), "{l} in {seen_labels:?}");
    }
    assert!(seen_labels
        .iter()
        .any(|x| x.starts_with("REPLCONF listening-port 6380")));
    // full-sync is a disk-based sync: +FULLRESYNC first, the RDB once the BGSAVE is done.
    assert!(seen_labels.iter().any(|x| x.starts_with("+FULLRESYNC ")));
    assert!(
        seen_labels.iter().any(|x| x.starts_with("RDB ")),
        "{seen_labels:?}"
    );
    assert!(seen_labels
        .iter()
        .any(|x| x.contains("SET during-bgsave 1")));
    // The replica's handshake states, in Redis's order.
    let want = [
        "REPL_STATE_CONNECT",
        "REPL_STATE_CONNECTING",
        "REPL_STATE_RECEIVE_PING_REPLY",
        "REPL_STATE_RECEIVE_PORT_REPLY",
        "REPL_STATE_RECEIVE_CAPA_REPLY",
        "REPL_STATE_RECEIVE_PSYNC_REPLY",
        "REPL_STATE_TRANSFER",
        "REPL_STATE_CONNECTED",
    ];
    let mut it = states.iter();
    for w in want {
        assert!(it.any(|s| *s == w), "{w} in order in {states:?}");
    }
    assert!(saw_transfer_progress);
    // Before the decision step there is no decision to show.
    let at = psync_step.expect("a PSYNC decision");
    s.seek(at - 1);
    assert!(snapshot(&s).psync.is_none());
    s.seek(at);
    assert_eq!(snapshot(&s).psync.unwrap().outcome, "+FULLRESYNC");
}

#[test]
fn partial_resync_continues_without_rdb() {
    let s = ended("partial-resync");
    let v = snapshot(&s);
    assert_eq!(v.psyncs.len(), 2);
    let first = &v.psyncs[0];
    let second = &v.psyncs[1];
    assert_eq!(first.outcome, "+FULLRESYNC");
    assert_eq!(second.outcome, "+CONTINUE");
    // The replica asked for the master's replid at its own offset + 1, inside the window.
    assert_eq!(second.requested_replid, second.replid);
    let (first_byte, histlen) = second.window.expect("backlog");
    assert!(second.requested_offset >= first_byte);
    assert!(second.requested_offset <= first_byte + histlen);
    assert_eq!(
        second.reason,
        PsyncReason::Continue {
            via_replid2: false,
            offset: second.requested_offset,
            psync_len: first_byte + histlen - second.requested_offset,
        }
    );
    assert!(second
        .reason
        .text(&EN)
        .starts_with("replid matches and offset"));
    // The only RDB was the first sync's.
    let (_, rdb_step) = v.nodes[1].rdb.received.unwrap();
    assert!(rdb_step < second.step);
    assert_eq!(keys(&v, 1), ["a", "b", "c"]);
    assert_eq!(v.nodes[1].keys[0].summary, "\"2\"");
    assert!(v.nodes[1].info.contains("\nmaster_link_status:up\n"));
}

/// The panels at the current step (the horizon, how far the user has been, left out).
fn panels(s: &Session) -> Snapshot {
    Snapshot {
        horizon: 0,
        ..snapshot(s)
    }
}

#[test]
fn step_back_and_forward_show_the_same_panels() {
    let mut s = session("partial-resync");
    s.seek(40);
    let at_120 = panels(&s);
    s.seek(41);
    let at_121 = panels(&s);
    s.step_back();
    assert_eq!(panels(&s), at_120);
    s.step_forward();
    assert_eq!(panels(&s), at_121);
    s.seek(3);
    s.seek(41);
    assert_eq!(panels(&s), at_121);
}

#[test]
fn changed_keys_are_marked_on_the_step_that_changed_them() {
    let mut s = session("full-sync");
    let mut marked = Vec::new();
    while s.step_forward() {
        let v = snapshot(&s);
        for n in &v.nodes {
            for k in n.keys.iter().filter(|k| k.changed) {
                marked.push((v.step, n.name.clone(), k.name.clone()));
            }
        }
    }
    // Each node's keys are marked once each, when they appear or change.
    let on = |node: &str, key: &str| marked.iter().filter(|m| m.1 == node && m.2 == key).count();
    assert_eq!(on("master", "k"), 1);
    assert_eq!(on("replica", "k"), 1);
    assert_eq!(on("replica", "counter"), 1);
    assert!(marked.len() >= 10);
}

#[test]
fn console_set_on_the_master_reaches_every_replica() {
    let mut s = ended("failover");
    // After the failover replica-1 is the master of replica-2.
    let v = snapshot(&s);
    assert_eq!(v.nodes[1].role, "master");
    assert_eq!(v.nodes[2].master, Some(1));
    s.act(UserAction::Command {
        node: 1,
        words: vec!["SET".into(), "x".into(), "1".into()],
    });
    s.run_to_end(LIMIT);
    let v = snapshot(&s);
    assert_eq!(v.nodes[1].console[0].command, "SET x 1");
    assert_eq!(v.nodes[1].console[0].reply.as_deref(), Some("OK"));
    assert!(keys(&v, 2).contains(&"x".to_string()));

    let mut s = ended("chain");
    s.act(UserAction::Command {
        node: 0,
        words: vec!["SET".into(), "x".into(), "1".into()],
    });
    s.run_to_end(LIMIT);
    let v = snapshot(&s);
    for n in &v.nodes {
        assert!(n.keys.iter().any(|k| k.name == "x"), "{}", n.name);
    }
    // A write to a replica is refused exactly like Redis.
    s.act(UserAction::Command {
        node: 1,
        words: vec!["SET".into(), "y".into(), "1".into()],
    });
    s.run_to_end(LIMIT);
    assert_eq!(
        snapshot(&s).nodes[1].console[0].reply.as_deref(),
        Some("(error) READONLY You can't write against a read only replica.")
    );
}

/// The INFO panel is the same text the INFO command prints.
#[test]
fn info_panel_equals_the_info_command() {
    let mut s = ended("full-sync");
    for node in 0..2 {
        s.act(UserAction::Command {
            node,
            words: vec!["INFO".into(), "replication".into()],
        });
    }
    s.run_to_end(LIMIT);
    let v = snapshot(&s);
    for node in 0..2 {
        let reply = v.nodes[node].console[0].reply.clone().expect("reply");
        assert_eq!(reply, v.nodes[node].info, "node {node}");
    }
}

#[test]
fn user_actions_are_replayed_when_stepping_back() {
    let mut s = ended("full-sync");
    let end = s.step();
    s.act(UserAction::Cut(0, 1));
    s.act(UserAction::Command {
        node: 0,
        words: vec!["SET".into(), "during-cut".into(), "1".into()],
    });
    s.run_to_end(2_000);
    let v = snapshot(&s);
    assert_eq!(v.nodes[1].link_status, Some("down"));
    assert!(!keys(&v, 1).contains(&"during-cut".to_string()));
    s.act(UserAction::Restore(0, 1));
    s.run_to_end(LIMIT);
    let after = snapshot(&s);
    assert!(keys(&after, 1).contains(&"during-cut".to_string()));
    assert_eq!(after.psync.as_ref().unwrap().outcome, "+CONTINUE");
    // Replay from the start reproduces it.
    let here = s.step();
    s.seek(end - 1);
    s.seek(here);
    assert_eq!(snapshot(&s), after);
}

#[test]
fn add_and_remove_replicas_and_crash_restart() {
    let mut s = ended("full-sync");
    s.act(UserAction::AddReplica);
    s.act(UserAction::AddReplica);
    s.run_to_end(LIMIT);
    let v = snapshot(&s);
    assert_eq!(v.nodes.len(), 4);
    for n in &v.nodes[1..] {
        assert_eq!(n.link_status, Some("up"), "{}", n.name);
        assert_eq!(keys(&v, n.index), keys(&v, 0));
    }
    assert_eq!(v.nodes[0].replicas.len(), 3);
    s.act(UserAction::Remove(2));
    s.act(UserAction::Crash(1));
    s.run_to_end(LIMIT);
    let v = snapshot(&s);
    assert_eq!(v.nodes.len(), 3);
    assert!(!v.nodes[1].up);
    s.act(UserAction::Restart(1));
    s.run_to_end(LIMIT);
    let v = snapshot(&s);
    assert!(v.nodes[1].up);
    assert_eq!(v.nodes[1].link_status, Some("up"));
}

/// Sliders: a small backlog plus background writes during the cut turns partial-resync's
/// +CONTINUE into a +FULLRESYNC for lack of backlog.
#[test]
fn small_backlog_and_write_rate_force_a_full_resync() {
    let settings = Settings {
        backlog_size: Some(16 * 1024),
        write_rate: 500,
        ..Settings::default()
    };
    let mut s = Session::new(scenario("partial-resync").unwrap(), 1, settings);
    s.run_to_end(LIMIT);
    let v = snapshot(&s);
    let last = v.psyncs.last().unwrap();
    assert_eq!(last.outcome, "+FULLRESYNC");
    let PsyncReason::RedisLog(line) = &last.reason else {
        panic!("{:?}", last.reason);
    };
    assert!(
        line.starts_with(
            "Unable to partial resync with replica 127.0.0.2:6380 for lack of backlog \
             (Replica request was: "
        ),
        "{line}"
    );
    assert_eq!(v.nodes[0].backlog.size, 16 * 1024);
    // The backlog was trimmed (in whole blocks, as Redis 7 does): the requested offset fell
    // out of the window.
    let (first, _) = last.window.unwrap();
    assert!(last.requested_offset < first);
    assert!(v.nodes[0].backlog.first_byte_offset > 1);
    assert_eq!(v.nodes[1].offset, v.nodes[0].offset);
    // Latency slider: packets take longer, the same run ends later in virtual time.
    let slow = Settings {
        latency_us: Some(50_000),
        ..Settings::default()
    };
    let mut s2 = Session::new(scenario("partial-resync").unwrap(), 1, slow);
    s2.run_to_end(LIMIT);
    let mut s3 = session("partial-resync");
    s3.run_to_end(LIMIT);
    assert!(snapshot(&s2).time_ms > snapshot(&s3).time_ms + 100.0);
}

/// The master's view of its replica follows Redis's `SLAVE_STATE_*` order and ends online.
#[test]
fn full_sync_master_side_states_and_rdb_progress() {
    let mut s = session("full-sync");
    let mut states: Vec<&str> = Vec::new();
    let mut bgsave_steps = 0;
    let mut buffered_max = 0;
    while s.step_forward() {
        let v = snapshot(&s);
        if let Some(r) = v.nodes[0].replicas.first() {
            if states.last() != Some(&r.state) {
                states.push(r.state);
            }
            buffered_max = buffered_max.max(r.buffered);
        }
        if v.nodes[0].rdb.bgsave_in_progress {
            bgsave_steps += 1;
        }
    }
    // The states seen between events are a subsequence of Redis's order.
    let order = [
        "SLAVE_STATE_WAIT_BGSAVE_START",
        "SLAVE_STATE_WAIT_BGSAVE_END",
        "SLAVE_STATE_SEND_BULK",
        "SLAVE_STATE_ONLINE",
    ];
    let mut it = order.iter();
    for st in &states {
        assert!(it.any(|o| o == st), "{st} out of order in {states:?}");
    }
    assert_eq!(states.last(), Some(&"SLAVE_STATE_ONLINE"));
    assert!(
        bgsave_steps >= 2,
        "full-sync's disk-based BGSAVE (rdb-key-save-delay) spans several steps: {states:?}"
    );
    assert!(buffered_max < 4096);
}

/// `WAIT` on the master's console: the master asks its replica for an ACK
/// (`REPLCONF GETACK`) and replies with the number of replicas that have the write.
#[test]
fn wait_on_the_master_console_counts_the_replica() {
    let mut s = ended("full-sync");
    for line in ["SET w 1", "WAIT 1 1000"] {
        s.act(UserAction::Command {
            node: 0,
            words: line.split(' ').map(String::from).collect(),
        });
    }
    s.run_to_end(LIMIT);
    let v = snapshot(&s);
    let replies: Vec<_> = v.nodes[0]
        .console
        .iter()
        .map(|l| l.reply.clone().unwrap_or_default())
        .collect();
    assert_eq!(replies, ["OK", "(integer) 1"]);
}

/// backlog-overflow: the replica's offset fell out of the 16 KiB backlog, so the master
/// logs Redis's "for lack of backlog" line and answers +FULLRESYNC; a second RDB follows.
#[test]
fn backlog_overflow_explains_the_full_resync() {
    let s = ended("backlog-overflow");
    let v = snapshot(&s);
    let last = v.psyncs.last().unwrap();
    assert_eq!(last.outcome, "+FULLRESYNC");
    assert_eq!(
        last.requested_replid, last.replid,
        "same history, offset too old"
    );
    let (first, _) = last.window.unwrap();
    assert!(last.requested_offset < first);
    let PsyncReason::RedisLog(line) = &last.reason else {
        panic!("{:?}", last.reason);
    };
    assert!(line.contains("for lack of backlog"), "{line}");
    let (_, rdb_step) = v.nodes[1].rdb.received.unwrap();
    assert!(rdb_step > last.step, "the RDB of the second full sync");
    assert_eq!(v.nodes[1].key_count, v.nodes[0].key_count);
    assert_eq!(v.nodes[0].key_count, 1001);
    assert_eq!(
        v.nodes[1].keys.len(),
        replscope_web::model::view::MAX_KEYS_SHOWN
    );
}

/// failover: replica-2 follows the promoted replica-1 and continues through replid2.
#[test]
fn failover_continues_through_replid2() {
    let s = ended("failover");
    let v = snapshot(&s);
    let last = v.psyncs.last().unwrap();
    assert_eq!((last.master, last.replica), (1, Some(2)));
    assert_eq!(last.outcome, "+CONTINUE");
    assert_eq!(last.requested_replid, last.replid2);
    assert!(last.requested_offset <= last.second_repl_offset + 1);
    assert!(matches!(
        last.reason,
        PsyncReason::Continue {
            via_replid2: true,
            ..
        }
    ));
    assert!(last.reason.text(&EN).starts_with("replid2 matches"));
    assert!(!v.nodes[0].up);
    assert_eq!(v.nodes[1].role, "master");
    assert_eq!(v.nodes[2].link_status, Some("up"));
    assert_eq!(keys(&v, 2), keys(&v, 1));
}

/// Acting after stepping back forks the run: later recorded actions are dropped.
#[test]
fn acting_in_the_past_discards_the_recorded_future() {
    let mut s = ended("full-sync");
    let end = s.step();
    s.act(UserAction::Command {
        node: 0,
        words: vec!["SET".into(), "late".into(), "1".into()],
    });
    s.run_to_end(LIMIT);
    assert!(keys(&snapshot(&s), 1).contains(&"late".to_string()));
    s.seek(end - 10);
    s.act(UserAction::Command {
        node: 0,
        words: vec!["SET".into(), "early".into(), "1".into()],
    });
    assert_eq!(s.actions().len(), 1);
    assert_eq!(s.actions()[0].0, end - 10);
    s.run_to_end(LIMIT);
    let names = keys(&snapshot(&s), 1);
    assert!(names.contains(&"early".to_string()));
    assert!(!names.contains(&"late".to_string()));
    assert_eq!(s.step(), s.measure_end(LIMIT));
}
