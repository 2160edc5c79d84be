//! A real `redis-server` 7.0.15 replicating from `replscope-server`: the replica must
//! full-sync from us (disk-framed RDB), stay in sync byte for byte (its `slave_repl_offset`
//! equals our `master_repl_offset`, `DEBUG DIGEST` equal), ACK us, and come back with a
//! partial resync (`+CONTINUE`) after its link is killed.

mod common;

use std::time::{Duration, Instant};

use common::repl::{self, field, info, master_offset, text, write_dataset};
use common::{cli, ServerProc};

fn assert_converged(ours: &ServerProc, redis: &ServerProc, context: &str) {
    repl::assert_converged(ours, redis, 15, context);
    let mut o = ours.connect();
    let mut r = redis.connect();
    for db in ["0", "3"] {
        o.cmd(&["SELECT", db]);
        r.cmd(&["SELECT", db]);
        assert_eq!(
            text(o.cmd(&["DBSIZE"])),
            text(r.cmd(&["DBSIZE"])),
            "DBSIZE of db {db} after {context}"
        );
    }
}

#[test]
fn real_replica_syncs_and_stays_in_sync() {
    let ours = ServerProc::ours(&[]);
    let mut o = ours.connect();
    write_dataset(&mut o, "before");
    let port = ours.port.to_string();
    let redis = ServerProc::redis(&["--replicaof", "127.0.0.1", &port]);
    let mut r = redis.connect();

    // Full sync.
    repl::wait_for(
        15,
        "master_link_status:up",
        &ours,
        &redis,
        "replica",
        || field(&info(&mut r, "replication"), "master_link_status").as_deref() == Some("up"),
    );
    let rlog = redis.log();
    assert!(rlog.contains("MASTER <-> REPLICA sync started"), "{rlog}");
    assert!(rlog.contains("Full resync from master: "), "{rlog}");
    assert!(
        rlog.contains("MASTER <-> REPLICA sync: Finished with success"),
        "{rlog}"
    );
    let our_info = info(&mut o, "replication");
    let replid = field(&our_info, "master_replid").unwrap();
    assert!(
        rlog.contains(&format!("Full resync from master: {replid}:")),
        "{rlog}\n{our_info}"
    );
    assert_eq!(
        field(&info(&mut r, "replication"), "master_replid").as_deref(),
        Some(replid.as_str())
    );
    assert_converged(&ours, &redis, "full sync");

    // Writes after the sync, in several dbs, with transactions and rewrites.
    write_dataset(&mut o, "after");
    o.cmd(&["SELECT", "3"]);
    o.cmd(&["MULTI"]);
    o.cmd(&["INCR", "counter"]);
    o.cmd(&["SET", "tx", "1"]);
    let exec = text(o.cmd(&["EXEC"]));
    assert_eq!(exec, "*2\r\n:1\r\n+OK\r\n");
    o.cmd(&["SETEX", "sx", "1000", "v"]);
    o.cmd(&["EXPIRE", "after:db3", "5000"]);
    o.cmd(&["SELECT", "0"]);
    o.cmd(&["DEL", "before:str", "before:list"]);
    o.cmd(&["SPOP", "after:set"]);
    // Expiry: active expiry and lazy expiry on access both reach the replica as DEL.
    o.cmd(&["SET", "short1", "v", "PX", "100"]);
    o.cmd(&["SET", "short2", "v", "PX", "100"]);
    o.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(text(o.cmd(&["GET", "short1"])), "$-1\r\n");
    o.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    repl::wait_for(
        5,
        "active expiry of short2",
        &ours,
        &redis,
        "replica",
        || {
            text(o.cmd(&["DBSIZE"])) == text(r.cmd(&["DBSIZE"]))
                && text(r.cmd(&["EXISTS", "short1", "short2"])) == ":0\r\n"
        },
    );
    assert_converged(&ours, &redis, "streamed writes");

    // Our INFO shows the replica online, with its ACKed offset catching up.
    let rport = redis.port;
    repl::wait_for(
        5,
        "the replica's ACK to reach our offset",
        &ours,
        &redis,
        "replica",
        || {
            let i = info(&mut o, "replication");
            let off = field(&i, "master_repl_offset").unwrap();
            field(&i, "slave0").is_some_and(|s| {
                s.starts_with(&format!(
                    "ip=127.0.0.1,port={rport},state=online,offset={off},lag="
                ))
            }) && field(&i, "connected_slaves").as_deref() == Some("1")
        },
    );
    let role = text(o.cmd(&["ROLE"]));
    assert!(role.starts_with("*3\r\n$6\r\nmaster\r\n:"), "{role}");
    assert!(role.contains(&format!(
        "$9\r\n127.0.0.1\r\n${}\r\n{rport}\r\n",
        port_len(rport)
    )));

    // WAIT: the replica answers our GETACK.
    o.cmd(&["SET", "waited", "1"]);
    let t = Instant::now();
    assert_eq!(text(o.cmd(&["WAIT", "1", "2000"])), ":1\r\n");
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "WAIT took {:?}",
        t.elapsed()
    );
    assert_converged(&ours, &redis, "WAIT");

    // Partial resync after the link is killed on the replica side.
    let killed = text(r.cmd(&["CLIENT", "KILL", "TYPE", "master"]));
    assert_eq!(killed, ":1\r\n");
    o.cmd(&["SET", "while-away", "x"]);
    repl::wait_for(15, "a partial resync", &ours, &redis, "replica", || {
        field(&info(&mut o, "stats"), "sync_partial_ok").as_deref() == Some("1")
    });
    assert_converged(&ours, &redis, "partial resync");
    let olog = ours.log();
    assert!(
        olog.contains("Partial resynchronization request from 127.0.0.1:"),
        "{olog}"
    );
    assert_eq!(
        field(&info(&mut o, "stats"), "sync_full").as_deref(),
        Some("1")
    );
    let rlog = redis.log();
    assert!(
        rlog.contains("Successful partial resynchronization with master."),
        "{rlog}"
    );
}

fn port_len(p: u16) -> usize {
    p.to_string().len()
}

#[test]
fn real_replica_pings_and_backlog_overflow() {
    // Ping every second: the replica's offset must follow ours byte for byte.
    let ours = ServerProc::ours(&[
        "--repl-ping-replica-period",
        "1",
        "--repl-backlog-size",
        "16384",
    ]);
    let mut o = ours.connect();
    write_dataset(&mut o, "p");
    let port = ours.port.to_string();
    let redis = ServerProc::redis(&["--replicaof", "127.0.0.1", &port]);
    assert_converged(&ours, &redis, "full sync");
    let before = master_offset(&mut o);
    std::thread::sleep(Duration::from_millis(2500));
    assert_converged(&ours, &redis, "idle pings");
    let after = master_offset(&mut o);
    assert!(after > before, "pings advanced the offset");
    assert_eq!(
        (after - before) % 14,
        0,
        "only `ping`s (14 bytes) were streamed"
    );

    // Park the replica elsewhere, overflow the 16 KiB backlog, bring it back: the PSYNC
    // (our replid, an offset no longer in the backlog) must become a full resync.
    let mut r = redis.connect();
    let dead = common::free_port().to_string();
    assert_eq!(text(r.cmd(&["REPLICAOF", "127.0.0.1", &dead])), "+OK\r\n");
    let value = "v".repeat(1000);
    for i in 0..60 {
        o.cmd(&["SET", &format!("fill{i}"), &value]);
    }
    assert_eq!(text(r.cmd(&["REPLICAOF", "127.0.0.1", &port])), "+OK\r\n");
    repl::wait_for(15, "the second full sync", &ours, &redis, "replica", || {
        field(&info(&mut o, "stats"), "sync_full").as_deref() == Some("2")
    });
    assert_converged(&ours, &redis, "backlog overflow");
    let olog = ours.log();
    assert!(
        olog.contains("Unable to partial resync with replica 127.0.0.1:"),
        "{olog}"
    );
    assert_eq!(
        field(&info(&mut o, "stats"), "sync_partial_err").as_deref(),
        Some("1")
    );
}

#[test]
fn real_replica_continues_after_our_restart_from_a_dump() {
    let dir = std::env::temp_dir().join(format!("replscope-repl-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dir_s = dir.display().to_string();
    let ours = ServerProc::ours(&["--dir", &dir_s]);
    let mut o = ours.connect();
    write_dataset(&mut o, "r");
    let port = ours.port.to_string();
    let redis = ServerProc::redis(&["--replicaof", "127.0.0.1", &port]);
    assert_converged(&ours, &redis, "full sync");
    let old_id = field(&info(&mut o, "replication"), "master_replid").unwrap();
    let offset = master_offset(&mut o);
    // SHUTDOWN SAVE writes the dump with repl-id / repl-offset.
    o.send(&common::encode(&["SHUTDOWN", "SAVE"]));
    let _ = o.read_reply();
    drop(ours);

    let ours2 = ServerProc::ours(&["--dir", &dir_s]);
    let mut o2 = ours2.connect();
    let i = info(&mut o2, "replication");
    assert_eq!(
        field(&i, "master_replid2").as_deref(),
        Some(old_id.as_str())
    );
    assert_eq!(field(&i, "master_repl_offset"), Some(offset.to_string()));
    assert_eq!(
        field(&i, "second_repl_offset"),
        Some((offset + 1).to_string())
    );
    let new_id = field(&i, "master_replid").unwrap();
    o2.cmd(&["SET", "after-restart", "1"]);
    let mut r = redis.connect();
    let port2 = ours2.port.to_string();
    assert_eq!(text(r.cmd(&["REPLICAOF", "127.0.0.1", &port2])), "+OK\r\n");
    repl::wait_for(
        15,
        "a partial resync with our new life",
        &ours2,
        &redis,
        "replica",
        || field(&info(&mut o2, "stats"), "sync_partial_ok").as_deref() == Some("1"),
    );
    assert_converged(&ours2, &redis, "restart");
    let ri = info(&mut r, "replication");
    assert_eq!(
        field(&ri, "master_replid").as_deref(),
        Some(new_id.as_str())
    );
    assert_eq!(
        field(&ri, "master_replid2").as_deref(),
        Some(old_id.as_str())
    );
    assert_eq!(
        field(&info(&mut o2, "stats"), "sync_full").as_deref(),
        Some("0")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Read what arrives on `s` within `ms` milliseconds.
fn read_for(s: &mut std::net::TcpStream, ms: u64) -> Vec<u8> {
    use std::io::Read;
    let deadline = Instant::now() + Duration::from_millis(ms);
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    while Instant::now() < deadline {
        s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    out
}

/// Replace every 40-hex replication id by `<ID>` and every `lag=<n>` by `lag=_` (whole
/// seconds of wall clock: a second boundary may fall between the ACK and INFO).
fn mask_ids(b: &[u8]) -> String {
    let masked = mask_hex_ids(b);
    let mut out = String::new();
    let mut rest = masked.as_str();
    while let Some(pos) = rest.find("lag=") {
        out.push_str(&rest[..pos + 4]);
        out.push('_');
        rest = rest[pos + 4..].trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

/// Replace every 40-hex replication id by `<ID>`.
fn mask_hex_ids(b: &[u8]) -> String {
    let t = String::from_utf8_lossy(b).into_owned();
    let mut out = String::new();
    let chars: Vec<char> = t.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if i + 40 <= chars.len() && chars[i..i + 40].iter().all(|c| c.is_ascii_hexdigit()) {
            out.push_str("<ID>");
            i += 40;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// One fake 7.0.15 replica session (handshake, PSYNC, writes, ACK, INFO, ROLE, WAIT):
/// everything the fake replica and a normal client receive, ids masked, RDB dropped.
fn fake_replica_session(port: u16) -> Vec<String> {
    use std::io::Write;
    let mut rep = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut cli = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut got = Vec::new();
    cli.write_all(b"SET pre 1\r\n").unwrap();
    got.push(mask_ids(&read_for(&mut cli, 100)));
    rep.write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
    got.push(mask_ids(&read_for(&mut rep, 100)));
    rep.write_all(b"*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$4\r\n6380\r\n*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n").unwrap();
    got.push(mask_ids(&read_for(&mut rep, 100)));
    rep.write_all(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n")
        .unwrap();
    let sync = read_for(&mut rep, 1500);
    let line_end = sync.windows(2).position(|w| w == b"\r\n").unwrap();
    got.push(mask_ids(&sync[..line_end]));
    // The bulk header and the payload length agree (no trailing CRLF, nothing after).
    let rest = &sync[line_end + 2..];
    let hdr_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
    let len: usize = String::from_utf8_lossy(&rest[1..hdr_end]).parse().unwrap();
    assert_eq!(rest.len(), hdr_end + 2 + len, "RDB framing on port {port}");
    assert!(rest[hdr_end + 2..].starts_with(b"REDIS0010"));
    cli.write_all(
        b"SET k v\r\nINCR n\r\nMULTI\r\nSET a 1\r\nSET b 2\r\nEXEC\r\nSELECT 5\r\nSADD s x\r\n",
    )
    .unwrap();
    got.push(mask_ids(&read_for(&mut cli, 200)));
    got.push(mask_ids(&read_for(&mut rep, 200)));
    rep.write_all(b"*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$3\r\n150\r\n")
        .unwrap();
    assert!(read_for(&mut rep, 100).is_empty(), "no reply to ACK");
    cli.write_all(b"INFO replication\r\nROLE\r\nWAIT 1 100\r\nWAIT 0 0\r\n")
        .unwrap();
    got.push(mask_ids(&read_for(&mut cli, 400)));
    got.push(mask_ids(&read_for(&mut rep, 100)));
    cli.write_all(b"INFO stats\r\n").unwrap();
    let stats = String::from_utf8_lossy(&read_for(&mut cli, 200)).into_owned();
    for name in [
        "total_net_repl_output_bytes",
        "sync_full",
        "sync_partial_ok",
        "sync_partial_err",
    ] {
        got.push(format!("{name}:{}", field(&stats, name).unwrap()));
    }
    got
}

#[test]
fn fake_replica_sees_the_same_bytes_as_from_a_real_master() {
    let redis = ServerProc::redis(&["--repl-diskless-sync", "no"]);
    let ours = ServerProc::ours(&["--repl-diskless-sync", "no"]);
    let want = fake_replica_session(redis.port);
    let have = fake_replica_session(ours.port);
    assert_eq!(have, want);
}

#[test]
fn redis_cli_rdb_and_replica_modes_against_us() {
    // No diskless delay: the transfers start at once (7.0's default waits 5 s).
    let ours = ServerProc::ours(&["--repl-diskless-sync-delay", "0"]);
    let mut o = ours.connect();
    write_dataset(&mut o, "cli");

    // `redis-cli --rdb`: REPLCONF rdb-only 1 + SYNC; the file loads in a real redis-server.
    let loaded = repl::assert_cli_rdb_loads(&ours);
    assert!(ours.log().contains("rdb only replica"), "{}", ours.log());

    // `redis-cli --replica`: prints the stream as CSV.
    let replica = cli::CliReplica::start(ours.port);
    repl::wait_for(
        10,
        "redis-cli --replica to connect",
        &ours,
        &loaded,
        "replica",
        || field(&info(&mut o, "replication"), "connected_slaves").as_deref() == Some("1"),
    );
    o.cmd(&["SET", "streamed", "1"]);
    let stdout = replica.output_after(1500);
    // After a diskless transfer the stream waits for the replica's first ACK; redis-cli
    // sends `REPLCONF ACK 0` and reads one "reply" to it, which swallows the stream's first
    // command (`SELECT 0`): a real 7.0.15 master prints the same.
    assert!(stdout.contains("\"SET\",\"streamed\",\"1\""), "{stdout}");
}
