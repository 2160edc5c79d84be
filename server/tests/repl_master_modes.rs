//! A real `redis-server` 7.0.15 replica syncing from `replscope-server` in the master's
//! full-sync modes (spec §2.3, §2.4, §8.1–8.3): a diskless (`$EOF:`) transfer, a disk BGSAVE
//! that takes time while the master keeps serving and the writes made meanwhile reach the
//! replica after the RDB, a replica dropped for its output buffer that full-resyncs, and
//! `redis-cli --rdb` against a disk-sync master.

mod common;

use std::time::{Duration, Instant};

use common::repl::{self, field, info, text, write_dataset};
use common::{Conn, ServerProc};

/// The replica is linked and at our offset, with the same data.
fn assert_converged(ours: &ServerProc, redis: &ServerProc, context: &str) {
    repl::assert_converged(ours, redis, 30, context);
}

/// `n` keys `key:<i>` in db 0, pipelined.
fn fill(c: &mut Conn, n: usize) {
    let mut batch = Vec::new();
    for i in 0..n {
        batch.extend_from_slice(&common::encode(&["SET", &format!("key:{i}"), "value"]));
    }
    c.send(&batch);
    for _ in 0..n {
        c.read_reply().unwrap();
    }
}

fn our_slave0(o: &mut Conn) -> String {
    field(&info(o, "replication"), "slave0").unwrap_or_default()
}

#[test]
fn diskless_full_sync_to_a_real_replica() {
    // 7.0's default target (sockets), with a 1 s delay instead of 5.
    let ours = ServerProc::ours(&["--repl-diskless-sync-delay", "1"]);
    let mut o = ours.connect();
    write_dataset(&mut o, "before");
    let port = ours.port.to_string();
    let redis = ServerProc::redis(&["--replicaof", "127.0.0.1", &port]);
    assert_converged(&ours, &redis, "diskless full sync");
    let log = ours.log();
    for line in [
        "Delay next BGSAVE for diskless SYNC",
        "Starting BGSAVE for SYNC with target: replicas sockets",
        "Background RDB transfer started by pid ",
        "Background RDB transfer terminated with success",
        "succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming",
        "Synchronization with replica 127.0.0.1:",
    ] {
        assert!(log.contains(line), "{line:?} not in\n{log}");
    }
    let rlog = redis.log();
    assert!(rlog.contains("Full resync from master: "), "{rlog}");
    assert!(
        rlog.contains("MASTER <-> REPLICA sync: Finished with success"),
        "{rlog}"
    );
    // The stream flows once the replica ACKed.
    write_dataset(&mut o, "after");
    assert_converged(&ours, &redis, "writes after a diskless sync");
}

#[test]
fn writes_during_a_slow_disk_bgsave_reach_the_replica() {
    // 300 keys at 10 ms each: the BGSAVE for the replica takes about 3 s.
    let ours = ServerProc::ours(&[
        "--repl-diskless-sync",
        "no",
        "--rdb-key-save-delay",
        "10000",
    ]);
    let mut o = ours.connect();
    fill(&mut o, 300);
    let port = ours.port.to_string();
    let redis = ServerProc::redis(&["--replicaof", "127.0.0.1", &port]);
    repl::wait_for(10, "state=wait_bgsave", &ours, &redis, "replica", || {
        our_slave0(&mut o).contains("state=wait_bgsave")
    });
    // The master keeps serving while its child saves: these writes are accumulated for
    // the replica and follow the RDB.
    let t = Instant::now();
    write_dataset(&mut o, "during");
    o.cmd(&["DEL", "key:7"]);
    o.cmd(&["INCR", "key:counter"]);
    assert!(
        t.elapsed() < Duration::from_millis(1000),
        "clients not stalled"
    );
    assert!(
        our_slave0(&mut o).contains("state=wait_bgsave"),
        "the writes were made during the BGSAVE"
    );
    assert!(text(o.cmd(&["INFO", "persistence"])).contains("rdb_bgsave_in_progress:1"));
    assert_converged(&ours, &redis, "writes during the BGSAVE");
    assert_eq!(text(redis.connect().cmd(&["EXISTS", "key:7"])), ":0\r\n");
    let log = ours.log();
    assert!(
        log.contains("Starting BGSAVE for SYNC with target: disk"),
        "{log}"
    );
    assert!(
        log.contains("Background saving terminated with success"),
        "{log}"
    );
    let rlog = redis.log();
    assert!(
        rlog.contains("MASTER <-> REPLICA sync: receiving "),
        "disk framing: {rlog}"
    );
}

#[test]
fn replica_over_the_output_buffer_limit_is_dropped_and_resyncs() {
    let ours = ServerProc::ours(&[
        "--repl-diskless-sync",
        "no",
        "--rdb-key-save-delay",
        "10000",
        "--repl-backlog-size",
        "16384",
    ]);
    let mut o = ours.connect();
    assert_eq!(
        text(o.cmd(&[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "replica 16384 0 0"
        ])),
        "+OK\r\n"
    );
    assert_eq!(
        text(o.cmd(&["CONFIG", "GET", "client-output-buffer-limit"])),
        "*2\r\n$26\r\nclient-output-buffer-limit\r\n$55\r\nnormal 0 0 0 slave 16384 0 0 pubsub 33554432 8388608 60\r\n"
    );
    fill(&mut o, 200);
    let port = ours.port.to_string();
    let redis = ServerProc::redis(&["--replicaof", "127.0.0.1", &port]);
    repl::wait_for(10, "state=wait_bgsave", &ours, &redis, "replica", || {
        our_slave0(&mut o).contains("state=wait_bgsave")
    });
    // 40 KB of stream accumulated while the replica waits for its RDB: over the limit.
    o.cmd(&["SET", "big", &"x".repeat(40_000)]);
    repl::wait_for(
        5,
        "the replica to be dropped",
        &ours,
        &redis,
        "replica",
        || {
            ours.log()
                .contains("scheduled to be closed ASAP for overcoming of output buffer limits.")
        },
    );
    assert!(ours.log().contains("Connection with replica 127.0.0.1:"));
    // Fast saves from now on: the replica comes back with a new full sync.
    o.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    assert_converged(&ours, &redis, "full resync after the obuf drop");
    let stats = info(&mut o, "stats");
    let full: u64 = field(&stats, "sync_full").unwrap().parse().unwrap();
    assert!(full >= 2, "{stats}");
    assert_eq!(text(redis.connect().cmd(&["STRLEN", "big"])), ":40000\r\n");
}

#[test]
fn redis_cli_rdb_from_a_disk_sync_master() {
    let ours = ServerProc::ours(&["--repl-diskless-sync", "no"]);
    let mut o = ours.connect();
    write_dataset(&mut o, "cli");
    repl::assert_cli_rdb_loads(&ours);
    let log = ours.log();
    assert!(
        log.contains("Starting BGSAVE for SYNC with target: disk"),
        "{log}"
    );
    assert!(log.contains("rdb only replica"), "{log}");
}

#[test]
fn keepalive_newlines_carry_a_replica_through_a_long_diskless_delay() {
    // 8 s of diskless delay against a replica whose repl-timeout is 3 s: the newline we
    // write every second keeps its handshake alive (spec §8.3).
    let ours = ServerProc::ours(&["--repl-diskless-sync-delay", "8"]);
    let mut o = ours.connect();
    write_dataset(&mut o, "k");
    let port = ours.port.to_string();
    let redis = ServerProc::redis(&["--replicaof", "127.0.0.1", &port, "--repl-timeout", "3"]);
    assert_converged(&ours, &redis, "sync after a long delay");
    let rlog = redis.log();
    assert!(!rlog.contains("Timeout connecting to the MASTER"), "{rlog}");
    let stats = info(&mut o, "stats");
    assert_eq!(field(&stats, "sync_full").as_deref(), Some("1"), "{stats}");
}
