//! A replica restarting from its own dump (spec §3.4, §8.22): `SHUTDOWN SAVE` writes
//! `repl-id`/`repl-offset`/`repl-stream-db`; at startup with `replicaof` configured they become
//! our replid and offset and a cached master, so the first handshake sends
//! `PSYNC <repl-id> <repl-offset+1>` and the master answers `+CONTINUE` (real 7.0.15 does the
//! same: "Trying a partial resynchronization (request <id>:<off+1>)"). And the master side
//! restarting from its dump keeps its old id as replid2 so the replica continues (§8.11/21).

mod repl_net;

use repl_net::{config, Net};

fn contains(h: &[u8], n: &[u8]) -> bool {
    h.windows(n.len()).any(|w| w == n)
}

/// Master (7001) + replica (7002, `replicaof` in its config), synced, some writes in db 0
/// and db 3.
fn synced_pair() -> Net {
    let mut net = Net::new();
    let m = net.add(config(7001, None), 1);
    let r = net.add(config(7002, Some(7001)), 2);
    net.advance_ms(1500);
    assert_eq!(net.info(r, "master_link_status").as_deref(), Some("up"));
    assert_eq!(net.cmd(m, &["SET", "a", "1"]), "+OK\r\n");
    assert_eq!(net.cmd(m, &["SELECT", "3"]), "+OK\r\n");
    assert_eq!(net.cmd(m, &["SET", "b", "2"]), "+OK\r\n");
    net.advance_ms(100);
    assert_eq!(
        net.info(r, "slave_repl_offset"),
        net.info(m, "master_repl_offset")
    );
    net
}

#[test]
fn replica_restart_from_dump_partially_resyncs() {
    let mut net = synced_pair();
    let (m, r) = (0, 1);
    let replid = net.info(m, "master_replid").unwrap();
    let off: i64 = net.info(m, "master_repl_offset").unwrap().parse().unwrap();
    assert_eq!(net.cmd(r, &["SHUTDOWN", "SAVE"]), "");
    assert!(net.nodes[r].srv.is_none());
    // Written while the replica is down: db 3 is still selected in the master's stream.
    assert_eq!(net.cmd(m, &["SET", "c", "3"]), "+OK\r\n");
    assert_eq!(net.cmd(m, &["SELECT", "5"]), "+OK\r\n");
    assert_eq!(net.cmd(m, &["SET", "d", "4"]), "+OK\r\n");
    net.nodes[r].link_tx.clear();
    net.start(r);
    assert!(net.logged(
        r,
        "Before turning into a replica, using my own master parameters to synthesize a cached \
         master: I may be able to synchronize with the new master with just a partial transfer."
    ));
    // Before the first cron tick: our replid/offset are the dump's.
    assert_eq!(net.info(r, "master_replid").as_deref(), Some(&*replid));
    assert_eq!(net.info(r, "master_repl_offset"), Some(off.to_string()));
    assert_eq!(net.info(r, "slave_repl_offset"), Some(off.to_string()));
    assert_eq!(net.info(r, "repl_backlog_active").as_deref(), Some("0"));
    net.advance_ms(1500);
    let psync = format!(
        "*3\r\n$5\r\nPSYNC\r\n$40\r\n{replid}\r\n${}\r\n{}\r\n",
        (off + 1).to_string().len(),
        off + 1
    );
    assert!(
        contains(&net.nodes[r].link_tx, psync.as_bytes()),
        "sent {:?}",
        String::from_utf8_lossy(&net.nodes[r].link_tx)
    );
    assert!(net.logged(
        r,
        &format!(
            "Trying a partial resynchronization (request {replid}:{}).",
            off + 1
        )
    ));
    assert!(net.logged(r, "Successful partial resynchronization with master."));
    assert_eq!(net.info(m, "sync_partial_ok").as_deref(), Some("1"));
    assert_eq!(net.info(m, "sync_full").as_deref(), Some("1"));
    let moff = net.info(m, "master_repl_offset");
    assert_eq!(net.info(r, "slave_repl_offset"), moff);
    assert_eq!(net.info(r, "master_repl_offset"), moff);
    // The backlog is created at +CONTINUE, at the restored offset + 1 (real 7.0.15: 101
    // after a restart at 100).
    assert_eq!(
        net.info(r, "repl_backlog_first_byte_offset"),
        Some((off + 1).to_string())
    );
    // The stream continued in db 3 (the dump's repl-stream-db), then SELECT 5.
    assert_eq!(net.cmd(r, &["SELECT", "3"]), "+OK\r\n");
    assert_eq!(net.cmd(r, &["GET", "c"]), "$1\r\n3\r\n");
    assert_eq!(net.cmd(r, &["GET", "b"]), "$1\r\n2\r\n");
    assert_eq!(net.cmd(r, &["SELECT", "5"]), "+OK\r\n");
    assert_eq!(net.cmd(r, &["GET", "d"]), "$1\r\n4\r\n");
    assert_eq!(net.cmd(r, &["SELECT", "0"]), "+OK\r\n");
    assert_eq!(net.cmd(r, &["GET", "a"]), "$1\r\n1\r\n");
}

#[test]
fn replica_restart_without_repl_info_full_syncs() {
    // A dump written while we were a master without backlog has no repl info.
    let mut net = Net::new();
    let m = net.add(config(7001, None), 1);
    let r = net.add(config(7002, None), 2);
    assert_eq!(net.cmd(r, &["SET", "x", "1"]), "+OK\r\n");
    assert_eq!(net.cmd(r, &["SHUTDOWN", "SAVE"]), "");
    net.nodes[r].cfg.replicaof = Some(("127.0.0.1".into(), 7001));
    net.start(r);
    assert!(!net.logged(r, "Before turning into a replica"));
    net.advance_ms(1500);
    assert!(contains(
        &net.nodes[r].link_tx,
        b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n"
    ));
    assert_eq!(net.info(m, "sync_full").as_deref(), Some("1"));
    assert_eq!(net.cmd(r, &["DBSIZE"]), ":0\r\n");
}

#[test]
fn master_restart_from_dump_keeps_old_id_as_replid2() {
    let mut net = synced_pair();
    let (m, r) = (0, 1);
    let old = net.info(m, "master_replid").unwrap();
    let off: i64 = net.info(m, "master_repl_offset").unwrap().parse().unwrap();
    assert_eq!(net.cmd(m, &["SHUTDOWN", "SAVE"]), "");
    net.advance_ms(200);
    assert_eq!(net.info(r, "master_link_status").as_deref(), Some("down"));
    net.start(m);
    let new = net.info(m, "master_replid").unwrap();
    assert_ne!(new, old);
    assert_eq!(net.info(m, "master_replid2").as_deref(), Some(&*old));
    assert_eq!(
        net.info(m, "second_repl_offset"),
        Some((off + 1).to_string())
    );
    net.nodes[r].link_tx.clear();
    net.advance_ms(1500);
    assert_eq!(net.info(r, "master_link_status").as_deref(), Some("up"));
    let psync = format!(
        "$40\r\n{old}\r\n${}\r\n{}\r\n",
        (off + 1).to_string().len(),
        off + 1
    );
    assert!(contains(&net.nodes[r].link_tx, psync.as_bytes()));
    assert_eq!(net.info(m, "sync_partial_ok").as_deref(), Some("1"));
    assert_eq!(net.info(m, "sync_full").as_deref(), Some("0"));
    // The replica adopted the new id, the old one became its replid2.
    assert_eq!(net.info(r, "master_replid").as_deref(), Some(&*new));
    assert_eq!(net.info(r, "master_replid2").as_deref(), Some(&*old));
    assert_eq!(
        net.info(r, "second_repl_offset"),
        Some((off + 1).to_string())
    );
    assert!(net.logged(r, &format!("Master replication ID changed to {new}")));
    assert_eq!(net.cmd(m, &["SET", "after", "1"]), "+OK\r\n");
    net.advance_ms(100);
    assert_eq!(net.cmd(r, &["GET", "after"]), "$1\r\n1\r\n");
    assert_eq!(
        net.info(r, "slave_repl_offset"),
        net.info(m, "master_repl_offset")
    );
}

#[test]
fn client_kill_type_master_reconnects_with_a_partial_resync() {
    let mut net = synced_pair();
    let (m, r) = (0, 1);
    assert_eq!(net.cmd(r, &["CLIENT", "KILL", "TYPE", "master"]), ":1\r\n");
    for line in [
        "Connection with master lost.",
        "Caching the disconnected master state.",
        "Reconnecting to MASTER 127.0.0.1:7001",
    ] {
        assert!(net.nodes[r].logs.iter().any(|l| l == line), "{line}");
    }
    assert_eq!(net.info(r, "master_link_status").as_deref(), Some("up"));
    assert_eq!(net.info(m, "sync_partial_ok").as_deref(), Some("1"));
    assert_eq!(net.info(m, "sync_full").as_deref(), Some("1"));
    // (The master's client has db 3 selected.)
    assert_eq!(net.cmd(m, &["SET", "after", "1"]), "+OK\r\n");
    assert_eq!(net.cmd(r, &["SELECT", "3"]), "+OK\r\n");
    assert_eq!(net.cmd(r, &["GET", "after"]), "$1\r\n1\r\n");
    // Nothing to kill on a master.
    assert_eq!(net.cmd(m, &["CLIENT", "KILL", "TYPE", "master"]), ":0\r\n");
}

#[test]
fn full_sync_log_lines_in_7_0_order() {
    let mut net = Net::new();
    let mut mc = config(7001, None);
    mc.set_runtime(&[(b"repl-diskless-sync", b"no")]).unwrap();
    let m = net.add(mc, 1);
    let r = net.add(config(7002, None), 2);
    assert_eq!(net.cmd(m, &["SET", "a", "1"]), "+OK\r\n");
    assert_eq!(net.cmd(r, &["REPLICAOF", "127.0.0.1", "7001"]), "+OK\r\n");
    // The master's BGSAVE runs on its next cron tick.
    net.advance_ms(300);
    // The order a real 7.0.15 replica logs a disk-based full sync in (REPLICAOF on a master).
    let want = [
        "Before turning into a replica, using my own master parameters",
        "Connecting to MASTER 127.0.0.1:7001",
        "MASTER <-> REPLICA sync started",
        "REPLICAOF 127.0.0.1:7001 enabled (user request from 'id=",
        "Non blocking connect for SYNC fired the event.",
        "Master replied to PING, replication can continue...",
        "Trying a partial resynchronization (request ",
        "Full resync from master: ",
        "MASTER <-> REPLICA sync: receiving ",
        "Discarding previously cached master state.",
        "MASTER <-> REPLICA sync: Flushing old data",
        "MASTER <-> REPLICA sync: Loading DB in memory",
        "Loading RDB produced by version 7.0.15",
        "RDB age 0 seconds",
        "RDB memory usage when created ",
        "Done loading RDB, keys loaded: 1, keys expired: 0.",
        "MASTER <-> REPLICA sync: Finished with success",
    ];
    let logs = &net.nodes[r].logs;
    assert_eq!(logs.len(), want.len(), "{logs:#?}");
    for (got, want) in logs.iter().zip(want) {
        assert!(got.starts_with(want), "{got} / {want}");
    }
}
