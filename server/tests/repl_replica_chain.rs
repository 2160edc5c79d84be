//! Our server as a replica in chains and with its link down, against real redis-server
//! 7.0.15 (spec §8.20, §8.25):
//! * R1 -> R2 -> ours -> R3: `REPLICAOF NO ONE` on R2; we get `+CONTINUE <new id>`, keep
//!   the data, take the old id as replid2 (valid up to offset+1), drop our own replica R3,
//!   which continues from us too; no full sync anywhere;
//! * the errors a replica gives its clients (`-READONLY`, `-MASTERDOWN` with
//!   `replica-serve-stale-data no`, `WAIT`, `PSYNC` while the link is down), compared byte
//!   for byte with a real replica in the same situation.

mod common;

use common::repl::{field, info, text, wait_for, write_dataset};
use common::ServerProc;

fn repl_field(p: &ServerProc, name: &str) -> Option<String> {
    field(&info(&mut p.connect(), "replication"), name)
}

fn stat(p: &ServerProc, name: &str) -> String {
    field(&info(&mut p.connect(), "stats"), name).unwrap_or_default()
}

/// `a` replicates `b`, is at its offset, same digest.
fn converged(a: &ServerProc, b: &ServerProc) -> bool {
    repl_field(a, "master_link_status").as_deref() == Some("up")
        && repl_field(a, "slave_repl_offset") == repl_field(b, "master_repl_offset")
        && text(a.connect().cmd(&["DEBUG", "DIGEST"]))
            == text(b.connect().cmd(&["DEBUG", "DIGEST"]))
}

#[test]
fn promotion_upstream_continues_through_us() {
    let r1 = ServerProc::redis(&["--repl-diskless-sync", "no"]);
    write_dataset(&mut r1.connect(), "one");
    let p1 = r1.port.to_string();
    let r2 = ServerProc::redis(&[
        "--replicaof",
        "127.0.0.1",
        &p1,
        "--repl-diskless-sync",
        "no",
    ]);
    let p2 = r2.port.to_string();
    let ours = ServerProc::ours(&["--replicaof", "127.0.0.1", &p2]);
    let po = ours.port.to_string();
    let r3 = ServerProc::redis(&["--replicaof", "127.0.0.1", &po]);
    wait_for(20, "chain synced", &ours, &r2, "r2", || {
        converged(&r2, &r1) && converged(&ours, &r2) && converged(&r3, &ours)
    });
    let old = repl_field(&r1, "master_replid").unwrap();
    let off: i64 = repl_field(&r2, "master_repl_offset")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        text(r2.connect().cmd(&["REPLICAOF", "NO", "ONE"])),
        "+OK\r\n"
    );
    write_dataset(&mut r2.connect(), "two");
    wait_for(
        20,
        "continued after the promotion",
        &ours,
        &r2,
        "r2",
        || converged(&ours, &r2) && converged(&r3, &ours),
    );
    let new = repl_field(&r2, "master_replid").unwrap();
    assert_ne!(new, old);
    for p in [&ours, &r3] {
        assert_eq!(repl_field(p, "master_replid").as_deref(), Some(&*new));
        assert_eq!(repl_field(p, "master_replid2").as_deref(), Some(&*old));
        assert_eq!(
            repl_field(p, "second_repl_offset"),
            Some((off + 1).to_string())
        );
    }
    assert!(ours
        .log()
        .contains(&format!("Master replication ID changed to {new}")));
    // Only the initial full syncs; the rest continued.
    assert_eq!(stat(&r2, "sync_full"), "1");
    assert_eq!(stat(&ours, "sync_full"), "1");
    assert!(stat(&r2, "sync_partial_ok").parse::<u32>().unwrap() >= 1);
    assert!(stat(&ours, "sync_partial_ok").parse::<u32>().unwrap() >= 1);
    assert!(r3
        .log()
        .contains(&format!("Master replication ID changed to {new}")));
}

#[test]
fn replica_client_errors_match_a_real_replica() {
    let master = ServerProc::redis(&[]);
    write_dataset(&mut master.connect(), "m");
    let pm = master.port.to_string();
    let args = ["--replicaof", "127.0.0.1", &pm];
    let ours = ServerProc::ours(&args);
    let real = ServerProc::redis(&args);
    wait_for(20, "both synced", &ours, &master, "master", || {
        converged(&ours, &master) && converged(&real, &master)
    });
    let mut o = ours.connect();
    let mut r = real.connect();
    let same = |o: &mut common::Conn, r: &mut common::Conn, cmd: &[&str]| {
        let (a, b) = (text(o.cmd(cmd)), text(r.cmd(cmd)));
        assert_eq!(a, b, "{cmd:?}");
        a
    };
    // Link up.
    assert_eq!(
        same(&mut o, &mut r, &["SET", "k", "v"]),
        "-READONLY You can't write against a read only replica.\r\n"
    );
    same(&mut o, &mut r, &["WAIT", "1", "0"]);
    same(&mut o, &mut r, &["GET", "m:str"]);
    // Link down, stale data served.
    drop(master);
    wait_for(20, "links down", &ours, &real, "replica", || {
        repl_field(&ours, "master_link_status").as_deref() == Some("down")
            && repl_field(&real, "master_link_status").as_deref() == Some("down")
    });
    same(&mut o, &mut r, &["GET", "m:str"]);
    same(&mut o, &mut r, &["PING"]);
    assert_eq!(
        same(&mut o, &mut r, &["PSYNC", "?", "-1"]),
        "-NOMASTERLINK Can't SYNC while not connected with my master\r\n"
    );
    let mut o = ours.connect();
    let mut r = real.connect();
    // replica-serve-stale-data no.
    for c in [&mut o, &mut r] {
        assert_eq!(
            text(c.cmd(&["CONFIG", "SET", "replica-serve-stale-data", "no"])),
            "+OK\r\n"
        );
    }
    for cmd in [
        &["GET", "m:str"][..],
        &["PING"],
        &["DBSIZE"],
        &["SET", "k", "v"],
        &["INFO", "server"],
        &["WAIT", "1", "0"],
    ] {
        let a = text(o.cmd(cmd));
        let b = text(r.cmd(cmd));
        if cmd[0] == "INFO" {
            assert!(a.starts_with('$') && b.starts_with('$'), "{a} / {b}");
        } else {
            assert_eq!(a, b, "{cmd:?}");
        }
    }
    assert_eq!(
        text(o.cmd(&["GET", "m:str"])),
        "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"
    );
}

/// Spec §8.19 from our side: `CLIENT KILL TYPE master` on our replica answers `:1` like a
/// real replica, and the link comes back with a partial resync (`sync_partial_ok` +1).
#[test]
fn client_kill_type_master_partially_resyncs() {
    let master = ServerProc::redis(&["--repl-diskless-sync", "no"]);
    write_dataset(&mut master.connect(), "m");
    let pm = master.port.to_string();
    let ours = ServerProc::ours(&["--replicaof", "127.0.0.1", &pm]);
    wait_for(20, "synced", &ours, &master, "master", || {
        converged(&ours, &master)
    });
    assert_eq!(
        text(ours.connect().cmd(&["CLIENT", "KILL", "TYPE", "master"])),
        ":1\r\n"
    );
    write_dataset(&mut master.connect(), "after");
    wait_for(20, "continued", &ours, &master, "master", || {
        converged(&ours, &master) && stat(&master, "sync_partial_ok") == "1"
    });
    assert_eq!(stat(&master, "sync_full"), "1");
    assert!(ours
        .log()
        .contains("Caching the disconnected master state."));
}
