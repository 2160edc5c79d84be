//! `replscope-server` replicating from a real `redis-server` 7.0.15 master: full sync (diskless
//! `$EOF:` framing and disk `$<len>` framing), the streamed writes applied byte for byte (our
//! `slave_repl_offset` equals the master's `master_repl_offset`, `DEBUG DIGEST` equal), writes
//! refused with `-READONLY`, `masterauth` against `requirepass`, and `REPLICAOF NO ONE`.

mod common;

use std::time::Duration;

use common::repl::{self, field, info, text};
use common::{Conn, ServerProc};

/// The shared dataset plus a hash in db 9.
fn write_dataset(c: &mut Conn, tag: &str) {
    repl::write_dataset(c, tag);
    assert_eq!(text(c.cmd(&["SELECT", "9"])), "+OK\r\n");
    c.cmd(&["HSET", &format!("{tag}:h9"), "a", "1"]);
    assert_eq!(text(c.cmd(&["SELECT", "0"])), "+OK\r\n");
}

/// Wait until our link is up and our applied offset is the master's, then compare digests.
fn assert_converged(ours: &ServerProc, redis: &ServerProc, auth: Option<&str>, context: &str) {
    let mut o = ours.connect();
    let mut m = redis.connect();
    if let Some(pw) = auth {
        assert_eq!(text(o.cmd(&["AUTH", pw])), "+OK\r\n");
        assert_eq!(text(m.cmd(&["AUTH", pw])), "+OK\r\n");
    }
    repl::wait_for(
        20,
        &format!("offsets to converge ({context})"),
        ours,
        redis,
        "master",
        || {
            let oi = info(&mut o, "replication");
            let mi = info(&mut m, "replication");
            field(&oi, "master_link_status").as_deref() == Some("up")
                && field(&oi, "slave_repl_offset") == field(&mi, "master_repl_offset")
        },
    );
    assert_eq!(
        text(o.cmd(&["DEBUG", "DIGEST"])),
        text(m.cmd(&["DEBUG", "DIGEST"])),
        "DEBUG DIGEST after {context}"
    );
    for db in ["0", "3", "9"] {
        o.cmd(&["SELECT", db]);
        m.cmd(&["SELECT", db]);
        assert_eq!(
            text(o.cmd(&["DBSIZE"])),
            text(m.cmd(&["DBSIZE"])),
            "DBSIZE of db {db} after {context}"
        );
    }
}

fn replicate_from_real_master(master_extra: &[&str], ours_extra: &[&str], auth: Option<&str>) {
    let redis = ServerProc::redis(master_extra);
    let mut m = redis.connect();
    if let Some(pw) = auth {
        assert_eq!(text(m.cmd(&["AUTH", pw])), "+OK\r\n");
    }
    write_dataset(&mut m, "before");
    let port = redis.port.to_string();
    let mut args = vec!["--replicaof", "127.0.0.1", &port];
    args.extend_from_slice(ours_extra);
    let ours = ServerProc::ours(&args);
    let mut o = ours.connect();

    // Full sync.
    let auth_cmd = |c: &mut Conn| {
        if let Some(pw) = auth {
            assert_eq!(text(c.cmd(&["AUTH", pw])), "+OK\r\n");
        }
    };
    auth_cmd(&mut o);
    repl::wait_for(20, "master_link_status:up", &ours, &redis, "master", || {
        field(&info(&mut o, "replication"), "master_link_status").as_deref() == Some("up")
    });
    let log = ours.log();
    for line in [
        &format!("Connecting to MASTER 127.0.0.1:{port}") as &str,
        "MASTER <-> REPLICA sync started",
        "Full resync from master: ",
        "MASTER <-> REPLICA sync: Finished with success",
    ] {
        assert!(log.contains(line), "missing {line:?} in\n{log}");
    }
    let mi = info(&mut m, "replication");
    let oi = info(&mut o, "replication");
    assert_eq!(field(&oi, "role").as_deref(), Some("slave"), "{oi}");
    assert_eq!(field(&oi, "master_port").as_deref(), Some(port.as_str()));
    assert_eq!(field(&oi, "master_replid"), field(&mi, "master_replid"));
    assert_eq!(field(&oi, "master_sync_in_progress").as_deref(), Some("0"));
    assert_eq!(field(&oi, "repl_backlog_active").as_deref(), Some("1"));
    assert!(
        field(&oi, "master_link_down_since_seconds").is_none(),
        "{oi}"
    );
    assert_converged(&ours, &redis, auth, "full sync");

    // Streamed writes: several dbs, a transaction, expiries.
    write_dataset(&mut m, "after");
    m.cmd(&["SELECT", "3"]);
    m.cmd(&["MULTI"]);
    m.cmd(&["INCR", "counter"]);
    m.cmd(&["SET", "tx", "1"]);
    assert_eq!(text(m.cmd(&["EXEC"])), "*2\r\n:1\r\n+OK\r\n");
    m.cmd(&["SETEX", "sx", "1000", "v"]);
    m.cmd(&["SELECT", "0"]);
    m.cmd(&["DEL", "before:str", "before:list"]);
    m.cmd(&["SET", "short", "v", "PX", "100"]);
    std::thread::sleep(Duration::from_millis(300));
    assert_converged(&ours, &redis, auth, "streamed writes");
    assert_eq!(text(o.cmd(&["SELECT", "3"])), "+OK\r\n");
    assert_eq!(text(o.cmd(&["GET", "tx"])), "$1\r\n1\r\n");
    assert_eq!(
        text(o.cmd(&["SET", "tx", "2"])),
        "-READONLY You can't write against a read only replica.\r\n"
    );
    let role = text(o.cmd(&["ROLE"]));
    assert!(
        role.starts_with(&format!(
            "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:{port}\r\n$9\r\nconnected\r\n:"
        )),
        "{role}"
    );
    // The master sees us online.
    let mi = info(&mut m, "replication");
    assert_eq!(field(&mi, "connected_slaves").as_deref(), Some("1"), "{mi}");

    // The master drops our link: we come back with a partial resync from the cached master.
    assert_eq!(
        text(m.cmd(&["CLIENT", "KILL", "TYPE", "replica"])),
        ":1\r\n"
    );
    m.cmd(&["SET", "after:kill", "1"]);
    assert_converged(&ours, &redis, auth, "reconnection");
    let stats = info(&mut m, "stats");
    assert_eq!(
        field(&stats, "sync_partial_ok").as_deref(),
        Some("1"),
        "{stats}"
    );
    assert_eq!(field(&stats, "sync_full").as_deref(), Some("1"), "{stats}");
    assert!(ours
        .log()
        .contains("Successful partial resynchronization with master."));
    o.cmd(&["SELECT", "0"]);
    assert_eq!(text(o.cmd(&["GET", "after:kill"])), "$1\r\n1\r\n");

    // Promotion: data kept, ids shifted, writes accepted.
    let old_id = field(&info(&mut o, "replication"), "master_replid").unwrap();
    assert_eq!(text(o.cmd(&["REPLICAOF", "NO", "ONE"])), "+OK\r\n");
    let oi = info(&mut o, "replication");
    assert_eq!(field(&oi, "role").as_deref(), Some("master"), "{oi}");
    assert_eq!(field(&oi, "master_replid2"), Some(old_id));
    assert_eq!(text(o.cmd(&["SELECT", "3"])), "+OK\r\n");
    assert_eq!(text(o.cmd(&["SET", "tx", "2"])), "+OK\r\n");
    assert_eq!(text(o.cmd(&["GET", "counter"])), "$1\r\n1\r\n");
    drop(ours);
    drop(redis);
}

#[test]
fn real_master_diskless_sync() {
    replicate_from_real_master(&["--repl-diskless-sync-delay", "0"], &[], None);
}

#[test]
fn real_master_disk_sync() {
    replicate_from_real_master(&["--repl-diskless-sync", "no"], &[], None);
}

#[test]
fn real_master_with_requirepass() {
    replicate_from_real_master(
        &["--repl-diskless-sync-delay", "0", "--requirepass", "s3cret"],
        &["--masterauth", "s3cret", "--requirepass", "s3cret"],
        Some("s3cret"),
    );
}

/// A chain: real master → ours → real replica. The real replica full-syncs from us, then gets
/// the master's stream through us verbatim: its replid and offset are the master's.
#[test]
fn chain_real_master_ours_real_replica() {
    let redis = ServerProc::redis(&["--repl-diskless-sync-delay", "0"]);
    let mut m = redis.connect();
    write_dataset(&mut m, "before");
    let port = redis.port.to_string();
    let ours = ServerProc::ours(&["--replicaof", "127.0.0.1", &port]);
    assert_converged(&ours, &redis, None, "our full sync");
    // Leave the master's stream in a db other than 0 before the sub-replica syncs.
    m.cmd(&["SELECT", "3"]);
    m.cmd(&["SET", "k3", "v"]);
    assert_converged(&ours, &redis, None, "write in db 3");
    let our_port = ours.port.to_string();
    let sub = ServerProc::redis(&["--replicaof", "127.0.0.1", &our_port]);
    let mut s = sub.connect();
    let mut m2 = redis.connect();
    repl::wait_for(
        20,
        "the sub-replica to follow the master",
        &sub,
        &redis,
        "master",
        || {
            let si = info(&mut s, "replication");
            let mi = info(&mut m2, "replication");
            field(&si, "master_link_status").as_deref() == Some("up")
                && field(&si, "slave_repl_offset") == field(&mi, "master_repl_offset")
        },
    );
    m.cmd(&["INCR", "k3counter"]);
    write_dataset(&mut m, "after");
    repl::wait_for(
        20,
        "the sub-replica to apply the stream",
        &sub,
        &redis,
        "master",
        || {
            let si = info(&mut s, "replication");
            let mi = info(&mut m2, "replication");
            field(&si, "slave_repl_offset") == field(&mi, "master_repl_offset")
        },
    );
    assert_eq!(
        text(s.cmd(&["DEBUG", "DIGEST"])),
        text(m2.cmd(&["DEBUG", "DIGEST"])),
        "sub-replica digest"
    );
    let si = info(&mut s, "replication");
    let mi = info(&mut m2, "replication");
    assert_eq!(field(&si, "master_replid"), field(&mi, "master_replid"));
    let mut o = ours.connect();
    let oi = info(&mut o, "replication");
    assert_eq!(field(&oi, "connected_slaves").as_deref(), Some("1"), "{oi}");
}
