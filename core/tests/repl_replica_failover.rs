//! FAILOVER between two sans-IO servers (spec §2.9; every error string, log line and the
//! `PSYNC <replid> <offset+1> FAILOVER` bytes checked against redis-server 7.0.15): the
//! argument and state errors, the write pause (a write is postponed and answered
//! `-READONLY` once the old master is a replica), the wait for the replica's ACK, the target
//! promoting itself on the PSYNC and answering `+CONTINUE <new id>`, `master_failover_state`,
//! `TIMEOUT` without and with `FORCE`, and `FAILOVER ABORT`.

mod repl_net;

use repl_net::{config, Net};

fn contains(h: &[u8], n: &[u8]) -> bool {
    h.windows(n.len()).any(|w| w == n)
}

/// Master 7001 with a synced replica 7002 and one write.
fn pair() -> Net {
    let mut net = Net::new();
    net.add(config(7001, None), 1);
    net.add(config(7002, Some(7001)), 2);
    net.advance_ms(1500);
    assert_eq!(net.info(1, "master_link_status").as_deref(), Some("up"));
    assert_eq!(net.cmd(0, &["SET", "a", "1"]), "+OK\r\n");
    net.advance_ms(1100);
    net
}

#[test]
fn failover_argument_and_state_errors() {
    let mut net = Net::new();
    let m = net.add(config(7001, None), 1);
    for (args, reply) in [
        (
            &["FAILOVER"][..],
            "-ERR FAILOVER requires connected replicas.\r\n",
        ),
        (&["FAILOVER", "ABORT"], "-ERR No failover in progress.\r\n"),
        (&["FAILOVER", "abort", "x"], "-ERR syntax error\r\n"),
        (
            &["FAILOVER", "TIMEOUT", "0"],
            "-ERR FAILOVER timeout must be greater than 0\r\n",
        ),
        (
            &["FAILOVER", "TIMEOUT", "-1"],
            "-ERR FAILOVER timeout must be greater than 0\r\n",
        ),
        (
            &["FAILOVER", "TIMEOUT", "x"],
            "-ERR value is not an integer or out of range\r\n",
        ),
        (&["FAILOVER", "TO"], "-ERR syntax error\r\n"),
        (&["FAILOVER", "TO", "h"], "-ERR syntax error\r\n"),
        (
            &["FAILOVER", "TO", "h", "x"],
            "-ERR value is not an integer or out of range\r\n",
        ),
        (
            &["FAILOVER", "TO", "h", "1"],
            "-ERR FAILOVER requires connected replicas.\r\n",
        ),
        (
            &["FAILOVER", "TIMEOUT", "10", "TIMEOUT", "20"],
            "-ERR syntax error\r\n",
        ),
        (&["FAILOVER", "bogus"], "-ERR syntax error\r\n"),
        (
            &["FAILOVER", "TO", "h", "1", "TO", "h", "2"],
            "-ERR syntax error\r\n",
        ),
        (&["FAILOVER", "FORCE", "FORCE"], "-ERR syntax error\r\n"),
    ] {
        assert_eq!(net.cmd(m, args), reply, "{args:?}");
    }
    let r = net.add(config(7002, Some(7001)), 2);
    net.advance_ms(1500);
    for (args, reply) in [
        (
            &["FAILOVER", "FORCE", "TIMEOUT", "10"][..],
            "-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n",
        ),
        (
            &["FAILOVER", "TO", "127.0.0.1", "7002", "FORCE"],
            "-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n",
        ),
        (
            &["FAILOVER", "TO", "127.0.0.1", "1"],
            "-ERR FAILOVER target HOST and PORT is not a replica.\r\n",
        ),
        (
            &["FAILOVER", "TO", "localhost", "7002"],
            "-ERR FAILOVER target HOST and PORT is not a replica.\r\n",
        ),
    ] {
        assert_eq!(net.cmd(m, args), reply, "{args:?}");
    }
    assert_eq!(
        net.cmd(r, &["FAILOVER"]),
        "-ERR FAILOVER is not valid when server is a replica.\r\n"
    );
}

#[test]
fn failover_to_any_replica_swaps_the_roles() {
    let mut net = pair();
    let (m, r) = (0, 1);
    let old = net.info(m, "master_replid").unwrap();
    let off: i64 = net.info(m, "master_repl_offset").unwrap().parse().unwrap();
    assert_eq!(net.info(r, "slave_repl_offset"), Some(off.to_string()));
    assert_eq!(
        net.info(m, "master_failover_state").as_deref(),
        Some("no-failover")
    );
    net.nodes[m].link_tx.clear();
    assert_eq!(net.cmd(m, &["FAILOVER"]), "+OK\r\n");
    // The replica had acknowledged everything: the failover ran at once (as on 7.0.15).
    assert!(net.logged(m, "FAILOVER requested to any replica."));
    assert!(net.logged(m, "Failover target 127.0.0.1:7002 is synced, failing over."));
    let psync = format!(
        "*4\r\n$5\r\nPSYNC\r\n$40\r\n{old}\r\n${}\r\n{}\r\n$8\r\nFAILOVER\r\n",
        (off + 1).to_string().len(),
        off + 1
    );
    assert!(
        contains(&net.nodes[m].link_tx, psync.as_bytes()),
        "{}",
        String::from_utf8_lossy(&net.nodes[m].link_tx)
    );
    assert!(net.logged(r, &format!("Failover request received for replid {old}.")));
    assert!(net.nodes[r].logs.iter().any(|l| l
        .starts_with("MASTER MODE enabled (failover request from 'id=")
        && l.contains("cmd=psync")));
    // Roles swapped, one history: the new master's old id is replid2 up to off+1.
    assert_eq!(net.info(r, "role").as_deref(), Some("master"));
    assert_eq!(net.info(m, "role").as_deref(), Some("slave"));
    assert_eq!(net.info(m, "master_port").as_deref(), Some("7002"));
    assert_eq!(net.info(m, "master_link_status").as_deref(), Some("up"));
    let new = net.info(r, "master_replid").unwrap();
    assert_ne!(new, old);
    assert_eq!(net.info(r, "master_replid2").as_deref(), Some(&*old));
    assert_eq!(
        net.info(r, "second_repl_offset"),
        Some((off + 1).to_string())
    );
    assert_eq!(net.info(m, "master_replid").as_deref(), Some(&*new));
    assert_eq!(net.info(m, "master_replid2").as_deref(), Some(&*old));
    assert_eq!(net.info(r, "sync_partial_ok").as_deref(), Some("1"));
    assert!(net.logged(m, &format!("Master replication ID changed to {new}")));
    for n in [m, r] {
        assert_eq!(
            net.info(n, "master_failover_state").as_deref(),
            Some("no-failover")
        );
    }
    assert_eq!(net.cmd(r, &["SET", "b", "2"]), "+OK\r\n");
    net.advance_ms(100);
    assert_eq!(net.cmd(m, &["GET", "b"]), "$1\r\n2\r\n");
    assert_eq!(
        net.cmd(m, &["SET", "c", "3"]),
        "-READONLY You can't write against a read only replica.\r\n"
    );
}

#[test]
fn writes_are_postponed_until_the_replica_catches_up() {
    let mut net = pair();
    let (m, r) = (0, 1);
    // A write the replica has not acknowledged yet.
    assert_eq!(net.cmd(m, &["SET", "x", "1"]), "+OK\r\n");
    assert_eq!(
        net.cmd(m, &["FAILOVER", "TO", "127.0.0.1", "7002"]),
        "+OK\r\n"
    );
    assert!(net.logged(m, "FAILOVER requested to 127.0.0.1:7002."));
    assert_eq!(
        net.info(m, "master_failover_state").as_deref(),
        Some("waiting-for-sync")
    );
    assert_eq!(
        net.cmd(m, &["FAILOVER"]),
        "-ERR FAILOVER already in progress.\r\n"
    );
    for args in [
        &["REPLICAOF", "127.0.0.1", "1"][..],
        &["REPLICAOF", "NO", "ONE"],
    ] {
        assert_eq!(
            net.cmd(m, args),
            "-ERR REPLICAOF not allowed while failing over.\r\n"
        );
    }
    // Reads are served; a write (and what follows it) waits.
    assert_eq!(net.cmd(m, &["GET", "x"]), "$1\r\n1\r\n");
    let w = net.connect(m);
    let mut pipeline = repl_net::bulks(&["SET", "y", "1"]);
    pipeline.extend_from_slice(&repl_net::bulks(&["GET", "y"]));
    net.raw_from(m, w, &pipeline);
    assert_eq!(net.replies_of(m, w), "");
    net.advance_ms(1100);
    assert!(net.logged(m, "Failover target 127.0.0.1:7002 is synced, failing over."));
    assert_eq!(net.info(m, "role").as_deref(), Some("slave"));
    assert_eq!(net.info(r, "role").as_deref(), Some("master"));
    // Resumed after the PSYNC reply: the node is a replica now.
    assert_eq!(
        net.replies_of(m, w),
        "-READONLY You can't write against a read only replica.\r\n$-1\r\n"
    );
    assert_eq!(net.cmd(r, &["GET", "x"]), "$1\r\n1\r\n");
}

#[test]
fn timeout_aborts_or_forces() {
    let mut net = pair();
    let (m, r) = (0, 1);
    assert_eq!(net.cmd(m, &["SET", "x", "1"]), "+OK\r\n");
    assert_eq!(net.cmd(m, &["FAILOVER", "TIMEOUT", "5"]), "+OK\r\n");
    let w = net.connect(m);
    net.raw_from(m, w, &repl_net::bulks(&["SET", "z", "1"]));
    assert_eq!(net.replies_of(m, w), "");
    net.advance_ms(10);
    assert!(net.logged(
        m,
        "FAILOVER to any replica aborted: Replica never caught up before timeout"
    ));
    assert_eq!(
        net.info(m, "master_failover_state").as_deref(),
        Some("no-failover")
    );
    assert_eq!(net.replies_of(m, w), "+OK\r\n");
    assert_eq!(net.info(m, "role").as_deref(), Some("master"));

    assert_eq!(net.cmd(m, &["SET", "x", "2"]), "+OK\r\n");
    assert_eq!(
        net.cmd(
            m,
            &[
                "FAILOVER",
                "TO",
                "127.0.0.1",
                "7002",
                "FORCE",
                "TIMEOUT",
                "5"
            ]
        ),
        "+OK\r\n"
    );
    net.advance_ms(10);
    assert!(net.logged(
        m,
        "FAILOVER to 127.0.0.1:7002 time out exceeded, failing over."
    ));
    assert_eq!(net.info(m, "role").as_deref(), Some("slave"));
    assert_eq!(net.info(r, "role").as_deref(), Some("master"));
    assert_eq!(net.cmd(r, &["GET", "x"]), "$1\r\n2\r\n");
}

#[test]
fn abort_while_waiting() {
    let mut net = pair();
    let m = 0;
    assert_eq!(net.cmd(m, &["SET", "x", "1"]), "+OK\r\n");
    assert_eq!(
        net.cmd(m, &["FAILOVER", "TO", "127.0.0.1", "7002"]),
        "+OK\r\n"
    );
    let w = net.connect(m);
    net.raw_from(m, w, &repl_net::bulks(&["SET", "y", "1"]));
    assert_eq!(net.replies_of(m, w), "");
    assert_eq!(net.cmd(m, &["FAILOVER", "ABORT"]), "+OK\r\n");
    assert!(net.logged(
        m,
        "FAILOVER to 127.0.0.1:7002 aborted: Failover manually aborted"
    ));
    assert_eq!(net.replies_of(m, w), "+OK\r\n");
    assert_eq!(net.info(m, "role").as_deref(), Some("master"));
    net.advance_ms(1100);
    assert_eq!(net.info(m, "role").as_deref(), Some("master"));
}

#[test]
fn rejected_psync_failover_aborts_and_the_old_master_stays_master() {
    let mut net = pair();
    let (m, r) = (0, 1);
    let old = net.info(m, "master_replid").unwrap();
    assert_eq!(net.cmd(m, &["SET", "x", "1"]), "+OK\r\n");
    assert_eq!(
        net.cmd(
            m,
            &[
                "FAILOVER",
                "TO",
                "127.0.0.1",
                "7002",
                "FORCE",
                "TIMEOUT",
                "50"
            ]
        ),
        "+OK\r\n"
    );
    // The target leaves meanwhile: its replid is no longer ours.
    assert_eq!(net.cmd(r, &["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
    net.advance_ms(100);
    assert!(net.logged(
        m,
        "FAILOVER to 127.0.0.1:7002 time out exceeded, failing over."
    ));
    // The same lines, in the same order, as 7.0.15.
    let logs = &net.nodes[m].logs;
    let a = logs
        .iter()
        .position(|l| {
            l == "Master does not support PSYNC or is in error state (reply: -ERR PSYNC \
                  FAILOVER can't be sent to a master.)"
        })
        .expect("PSYNC error logged");
    let b = logs
        .iter()
        .position(|l| {
            l == "FAILOVER to 127.0.0.1:7002 aborted: Failover target rejected psync request"
        })
        .expect("abort logged");
    assert!(a < b);
    assert_eq!(net.info(m, "role").as_deref(), Some("master"));
    assert_eq!(
        net.info(m, "master_failover_state").as_deref(),
        Some("no-failover")
    );
    // replicationUnsetMaster: a new history, the previous id as replid2.
    assert_ne!(net.info(m, "master_replid").as_deref(), Some(&*old));
    assert_eq!(net.info(m, "master_replid2").as_deref(), Some(&*old));
    assert_eq!(net.cmd(m, &["SET", "y", "1"]), "+OK\r\n");
    net.advance_ms(1500);
    assert_eq!(net.info(m, "role").as_deref(), Some("master"));
}

#[test]
fn info_and_role_while_the_failover_is_in_progress() {
    let mut net = pair();
    let (m, r) = (0, 1);
    let off = net.info(m, "master_repl_offset").unwrap();
    // The target refuses new connections: the old master stays in failover-in-progress.
    net.blocked.push(7002);
    assert_eq!(
        net.cmd(m, &["FAILOVER", "TO", "127.0.0.1", "7002"]),
        "+OK\r\n"
    );
    let info = net.cmd(m, &["INFO", "replication"]);
    // As real 7.0.15 (captured with a target that answered later): a replica in state
    // connect, its offsets from the cached master it synthesized, never up.
    let head = format!(
        "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:7002\r\nmaster_link_status:down\r\n\
         master_last_io_seconds_ago:-1\r\nmaster_sync_in_progress:0\r\n\
         slave_read_repl_offset:{off}\r\nslave_repl_offset:{off}\r\n\
         master_link_down_since_seconds:-1\r\nslave_priority:100\r\nslave_read_only:1\r\n\
         replica_announced:1\r\nconnected_slaves:1\r\n"
    );
    assert!(info.contains(&head), "{info}");
    assert!(info.contains("master_failover_state:failover-in-progress\r\n"));
    assert_eq!(
        net.cmd(m, &["ROLE"]),
        "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:7002\r\n$7\r\nconnect\r\n:-1\r\n"
    );
    let w = net.connect(m);
    net.raw_from(m, w, &repl_net::bulks(&["SET", "y", "1"]));
    net.blocked.clear();
    net.advance_ms(1100);
    assert_eq!(net.info(r, "role").as_deref(), Some("master"));
    assert_eq!(net.info(m, "master_link_status").as_deref(), Some("up"));
    assert_eq!(
        net.replies_of(m, w),
        "-READONLY You can't write against a read only replica.\r\n"
    );
}
