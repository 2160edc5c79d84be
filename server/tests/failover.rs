//! FAILOVER between our server and a real redis-server 7.0.15, both ways (spec §2.9):
//! * our master hands over to a real replica: it waits for the replica's ACK, becomes its
//!   replica with `PSYNC <replid> <off+1> FAILOVER`; the real replica logs `Failover request
//!   received for replid ...` and `MASTER MODE enabled (failover request from ...)`, accepts
//!   the partial resync; no full sync anywhere, data continues;
//! * a real master hands over to our replica: we promote ourselves on its PSYNC FAILOVER and
//!   answer `+CONTINUE <new id>`; the real server logs `Successful partial resynchronization`
//!   and replicates from us.

mod common;

use common::repl::{field, info, text, wait_for, write_dataset};
use common::ServerProc;

fn stat(p: &ServerProc, name: &str) -> String {
    field(&info(&mut p.connect(), "stats"), name).unwrap_or_default()
}

fn repl_field(p: &ServerProc, name: &str) -> Option<String> {
    field(&info(&mut p.connect(), "replication"), name)
}

/// `a` replicates `b` and is at its offset with the same digest.
fn converged(a: &ServerProc, b: &ServerProc) -> bool {
    repl_field(a, "master_link_status").as_deref() == Some("up")
        && repl_field(a, "slave_repl_offset") == repl_field(b, "master_repl_offset")
        && text(a.connect().cmd(&["DEBUG", "DIGEST"]))
            == text(b.connect().cmd(&["DEBUG", "DIGEST"]))
}

#[test]
fn our_master_fails_over_to_a_real_replica() {
    let ours = ServerProc::ours(&[]);
    write_dataset(&mut ours.connect(), "before");
    let port = ours.port.to_string();
    let real = ServerProc::redis(&["--replicaof", "127.0.0.1", &port]);
    wait_for(20, "first sync", &ours, &real, "replica", || {
        converged(&real, &ours)
    });
    let old = repl_field(&ours, "master_replid").unwrap();
    let mut c = ours.connect();
    assert_eq!(text(c.cmd(&["SET", "last", "1"])), "+OK\r\n");
    assert_eq!(
        text(c.cmd(&[
            "FAILOVER",
            "TO",
            "127.0.0.1",
            &real.port.to_string(),
            "TIMEOUT",
            "10000"
        ])),
        "+OK\r\n"
    );
    wait_for(20, "roles swapped", &ours, &real, "replica", || {
        repl_field(&real, "role").as_deref() == Some("master")
            && repl_field(&ours, "role").as_deref() == Some("slave")
            && repl_field(&ours, "master_failover_state").as_deref() == Some("no-failover")
            && converged(&ours, &real)
    });
    let log = real.log();
    assert!(
        log.contains(&format!("Failover request received for replid {old}.")),
        "{log}"
    );
    assert!(
        log.contains("MASTER MODE enabled (failover request from 'id="),
        "{log}"
    );
    assert!(log.contains(&format!(
        "Partial resynchronization request from 127.0.0.1:{} accepted.",
        ours.port
    )));
    assert!(ours.log().contains(&format!(
        "Failover target 127.0.0.1:{} is synced, failing over.",
        real.port
    )));
    assert_eq!(stat(&real, "sync_partial_ok"), "1");
    assert_eq!(stat(&real, "sync_full"), "0");
    assert_eq!(repl_field(&real, "master_replid2").as_deref(), Some(&*old));
    assert_eq!(
        repl_field(&ours, "master_replid"),
        repl_field(&real, "master_replid")
    );
    // Writes now go to the real server and reach ours.
    assert_eq!(
        text(c.cmd(&["SET", "x", "1"])),
        "-READONLY You can't write against a read only replica.\r\n"
    );
    assert_eq!(text(real.connect().cmd(&["SET", "after", "2"])), "+OK\r\n");
    wait_for(
        20,
        "stream from the new master",
        &ours,
        &real,
        "replica",
        || text(ours.connect().cmd(&["GET", "after"])) == "$1\r\n2\r\n" && converged(&ours, &real),
    );
}

#[test]
fn real_master_fails_over_to_our_replica() {
    let real = ServerProc::redis(&["--repl-diskless-sync", "no"]);
    write_dataset(&mut real.connect(), "before");
    let port = real.port.to_string();
    let ours = ServerProc::ours(&["--replicaof", "127.0.0.1", &port]);
    wait_for(20, "first sync", &ours, &real, "master", || {
        converged(&ours, &real)
    });
    let old = repl_field(&real, "master_replid").unwrap();
    let mut c = real.connect();
    assert_eq!(text(c.cmd(&["SET", "last", "1"])), "+OK\r\n");
    assert_eq!(text(c.cmd(&["FAILOVER"])), "+OK\r\n");
    wait_for(20, "roles swapped", &ours, &real, "master", || {
        repl_field(&ours, "role").as_deref() == Some("master")
            && repl_field(&real, "role").as_deref() == Some("slave")
            && repl_field(&real, "master_failover_state").as_deref() == Some("no-failover")
            && converged(&real, &ours)
    });
    let log = real.log();
    assert!(log.contains("FAILOVER requested to any replica."), "{log}");
    assert!(log.contains(&format!(
        "Failover target 127.0.0.1:{} is synced, failing over.",
        ours.port
    )));
    assert!(
        log.contains("Successful partial resynchronization with master."),
        "{log}"
    );
    let new = repl_field(&ours, "master_replid").unwrap();
    assert!(
        log.contains(&format!("Master replication ID changed to {new}")),
        "{log}"
    );
    assert!(ours
        .log()
        .contains(&format!("Failover request received for replid {old}.")));
    assert_eq!(repl_field(&ours, "master_replid2").as_deref(), Some(&*old));
    assert_eq!(stat(&ours, "sync_partial_ok"), "1");
    assert_eq!(stat(&ours, "sync_full"), "0");
    assert_eq!(text(ours.connect().cmd(&["SET", "after", "2"])), "+OK\r\n");
    wait_for(20, "stream from us", &ours, &real, "master", || {
        text(real.connect().cmd(&["GET", "after"])) == "$1\r\n2\r\n" && converged(&real, &ours)
    });
}
