//! The interop scenarios 14–25 of `shared/spec/replication.md` §8: ReplScope (O) as replica
//! of a real `redis-server` 7.0.15 (R), in chains with more real servers, with recording
//! proxies where the scenario names exact bytes on the link. Every scenario starts its own
//! processes on ports it picked.

mod common;

use std::time::{Duration, Instant};

use common::escape;
use common::spec::*;

fn link_up(n: &Node) -> bool {
    n.repl("master_link_status").as_deref() == Some("up")
}

/// The values of the `REPLCONF ACK <n>` a replica sent on a recorded link.
fn acks(up: &[u8]) -> Vec<i64> {
    requests(up)
        .into_iter()
        .filter(|r| r.len() == 3 && r[0].eq_ignore_ascii_case(b"REPLCONF"))
        .filter(|r| r[1].eq_ignore_ascii_case(b"ACK"))
        .map(|r| String::from_utf8_lossy(&r[2]).parse().unwrap())
        .collect()
}

/// The PSYNC request of a recorded link (client to master bytes).
fn psync_of(up: &[u8]) -> Option<(String, String)> {
    requests(up)
        .into_iter()
        .find(|r| r[0].eq_ignore_ascii_case(b"PSYNC"))
        .map(|r| {
            (
                String::from_utf8_lossy(&r[1]).into_owned(),
                String::from_utf8_lossy(&r[2]).into_owned(),
            )
        })
}

/// The first line after the handshake replies (`+PONG`, `+OK`...) of a recorded
/// master-to-replica link that starts with `+FULLRESYNC`/`+CONTINUE`/`-`, with the number of
/// bare `\n` keepalives seen before it.
fn psync_reply(down: &[u8]) -> Option<(String, usize)> {
    let mut newlines = 0;
    let mut rest = down;
    while !rest.is_empty() {
        if rest[0] == b'\n' {
            newlines += 1;
            rest = &rest[1..];
            continue;
        }
        let end = rest.windows(2).position(|w| w == b"\r\n")?;
        let line = String::from_utf8_lossy(&rest[..end]).into_owned();
        if line.starts_with("+FULLRESYNC")
            || line.starts_with("+CONTINUE")
            || line.starts_with("-NOMASTERLINK")
        {
            return Some((line, newlines));
        }
        rest = &rest[end + 2..];
    }
    None
}

/// The slaveN INFO line of the replica announcing `port`.
fn slave_line(master: &Node, port: u16) -> Option<String> {
    let i = master.info("replication");
    (0..8)
        .filter_map(|n| info_field(&i, &format!("slave{n}")))
        .find(|l| l.starts_with(&format!("ip=127.0.0.1,port={port},")))
}

/// Wait until the master shows the replica online with its ACK at `master_repl_offset`.
fn wait_acked(master: &Node, port: u16, nodes: &[&Node]) {
    wait_until(
        10,
        "the replica's ACK to reach the master offset",
        nodes,
        || {
            let off = master.repl_num("master_repl_offset");
            slave_line(master, port).is_some_and(|l| {
                l.starts_with(&format!(
                    "ip=127.0.0.1,port={port},state=online,offset={off},lag="
                ))
            })
        },
    );
}

/// Scenario 14: A real master with its defaults (diskless, 5 s delay, newline keepalives): O skips
/// the `\n`s, handles a non-zero `+FULLRESYNC` offset (R pings every second here, so the
/// 5 s wait moves its offset: the spec's "14-style" offsets), parses `$EOF:`, ACKs the
/// FULLRESYNC offset right after loading; R shows O online with its offset.
#[test]
fn s14_default_real_master() {
    let r = Node::redis(&["--repl-ping-replica-period", "1"]);
    write_mixed(&r, "pre");
    let proxy = Proxy::start(r.port, true);
    let o = Node::ours(&["--replicaof", "127.0.0.1", &proxy.port.to_string()]);
    let nodes = [&r, &o];
    wait_until(20, "O master_link_status:up", &nodes, || link_up(&o));
    let down = proxy.down()[0].clone();
    let (line, newlines) = psync_reply(&down).expect("a PSYNC reply");
    let parts: Vec<&str> = line.split(' ').collect();
    assert_eq!(parts[0], "+FULLRESYNC", "{line}");
    let off: i64 = parts[2].parse().unwrap();
    assert!(off > 0 && off % 14 == 0, "FULLRESYNC offset {off}");
    assert!(newlines >= 3, "{newlines} keepalives before {line}");
    let after = &down[down
        .windows(line.len())
        .position(|w| w == line.as_bytes())
        .unwrap()
        + line.len()
        + 2..];
    assert!(after.starts_with(b"$EOF:"), "{}", escape(after));
    let first_ack = acks(&proxy.up()[0]);
    assert_eq!(
        first_ack.first(),
        Some(&off),
        "first ACK = FULLRESYNC offset"
    );
    let log = o.log();
    assert!(log.contains(&format!("Full resync from master: {}:{off}", parts[1])));
    assert!(log.contains("MASTER <-> REPLICA sync: Finished with success"));
    write_mixed(&r, "post");
    wait_converged(&r, &o, "diskless sync from a real master", &nodes);
    wait_acked(&r, o.port, &nodes);
}

/// Scenario 15: A disk-based real master: `$len` framing (possibly after `\n`s) and the first stream
/// bytes right behind the RDB tail (writes go on during the sync).
#[test]
fn s15_disk_based_real_master() {
    let r = Node::redis(&["--repl-diskless-sync", "no"]);
    write_bulk(&r, "bulk", 20_000, 100);
    write_mixed(&r, "pre");
    let proxy = Proxy::start(r.port, true);
    let rport = r.port;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let writer = std::thread::spawn(move || {
        let mut c = common::Conn::connect(rport);
        let mut i = 0u64;
        while !stop2.load(std::sync::atomic::Ordering::SeqCst) {
            c.cmd(&["SET", &format!("during:{}", i % 500), &i.to_string()]);
            i += 1;
        }
        i
    });
    let o = Node::ours(&["--replicaof", "127.0.0.1", &proxy.port.to_string()]);
    let nodes = [&r, &o];
    wait_until(20, "O master_link_status:up", &nodes, || link_up(&o));
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let writes = writer.join().unwrap();
    assert!(writes > 0);
    wait_converged(&r, &o, "disk-based sync under writes", &nodes);
    let down = proxy.down()[0].clone();
    let (line, _) = psync_reply(&down).expect("a PSYNC reply");
    assert!(line.starts_with("+FULLRESYNC"), "{line}");
    let pos = down
        .windows(line.len())
        .position(|w| w == line.as_bytes())
        .unwrap();
    let after: Vec<u8> = down[pos + line.len() + 2..]
        .iter()
        .copied()
        .skip_while(|&c| c == b'\n')
        .collect();
    assert!(after.starts_with(b"$"), "{}", escape(&after[..40]));
    assert!(!after.starts_with(b"$EOF:"));
    assert!(o.log().contains("MASTER <-> REPLICA sync: receiving "));
    wait_acked(&r, o.port, &nodes);
}

/// Scenario 16: Auth: `masterauth` against `requirepass`, `masteruser` + `masterauth` against an ACL
/// user; a wrong password is reported (`-WRONGPASS`) and retried every second; no
/// `masterauth` at all: `-NOAUTH` replies are survived (logged as a real replica does), and
/// setting the password later lets the sync through.
#[test]
fn s16_auth() {
    let mut r = Node::redis(&["--requirepass", "pw"]);
    r.set_auth(&["pw"]);
    assert_eq!(
        r.cmd(&["ACL", "SETUSER", "repl", "on", ">rpw", "+@all", "~*"]),
        "+OK\r\n"
    );
    write_mixed(&r, "pre");
    let rp = r.port_s();
    let o1 = Node::ours(&["--replicaof", "127.0.0.1", &rp, "--masterauth", "pw"]);
    let o2 = Node::ours(&[
        "--replicaof",
        "127.0.0.1",
        &rp,
        "--masteruser",
        "repl",
        "--masterauth",
        "rpw",
    ]);
    let o3 = Node::ours(&[
        "--replicaof",
        "127.0.0.1",
        &rp,
        "--masteruser",
        "repl",
        "--masterauth",
        "wrong",
    ]);
    let o4 = Node::ours(&["--replicaof", "127.0.0.1", &rp]);
    let nodes = [&r, &o1, &o2, &o3, &o4];
    wait_converged(&r, &o1, "masterauth", &nodes);
    wait_converged(&r, &o2, "masteruser", &nodes);
    let list = r.cmd(&["CLIENT", "LIST", "TYPE", "replica"]);
    assert!(
        list.contains("user=repl") && list.contains("user=default"),
        "{list}"
    );
    // Wrong password: reported, retried about once a second, never fatal.
    std::thread::sleep(Duration::from_millis(2500));
    let wrong =
        "Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair or user is disabled.";
    let n = o3.log().matches(wrong).count();
    assert!(n >= 2, "{n} AUTH failures in 2.5 s{}", logs(&[&o3]));
    assert_eq!(o3.repl("master_link_status").as_deref(), Some("down"));
    for line in [
        "(Non critical) Master does not understand REPLCONF listening-port: -NOAUTH Authentication required.",
        "Unexpected reply to PSYNC from master: -NOAUTH Authentication required.",
        "MASTER aborted replication with an error: NOAUTH Authentication required.",
    ] {
        assert!(o4.log().contains(line), "missing {line:?}{}", logs(&[&o4]));
    }
    assert_eq!(o4.repl("master_link_status").as_deref(), Some("down"));
    // Fixed at run time: the next attempt uses the new password.
    assert_eq!(o3.cmd(&["CONFIG", "SET", "masterauth", "rpw"]), "+OK\r\n");
    assert_eq!(o4.cmd(&["CONFIG", "SET", "masterauth", "pw"]), "+OK\r\n");
    write_mixed(&r, "post");
    wait_converged(&r, &o3, "masterauth fixed", &nodes);
    wait_converged(&r, &o4, "masterauth set", &nodes);
    assert_eq!(r.stat("sync_full"), 4);
}

/// Scenario 17: Stream semantics on the real master (MULTI/EXEC, EVAL effects, lazy expiry on a
/// write wrapped in MULTI/EXEC, SPOP with a count, active-expiry DELs, several dbs): O
/// converges and, idle, ACKs exactly R's `master_repl_offset`.
#[test]
fn s17_stream_semantics() {
    let r = Node::redis(&["--repl-diskless-sync-delay", "0"]);
    let o = Node::ours(&["--replicaof", "127.0.0.1", &r.port_s()]);
    let nodes = [&r, &o];
    wait_converged(&r, &o, "full sync", &nodes);
    let mut c = r.conn();
    c.cmd(&["SELECT", "2"]);
    c.cmd(&["MULTI"]);
    c.cmd(&["SET", "tx1", "1"]);
    c.cmd(&["INCR", "tx2"]);
    c.cmd(&["RPUSH", "txl", "a", "b"]);
    assert_eq!(c.cmd(&["EXEC"]), b"*3\r\n+OK\r\n:1\r\n:2\r\n");
    c.cmd(&[
        "EVAL",
        "redis.call('set', KEYS[1], ARGV[1]); redis.call('hset', KEYS[2], 'f', ARGV[1]); return 1",
        "2",
        "ev1",
        "ev2",
        "val",
    ]);
    c.cmd(&["SELECT", "0"]);
    c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    c.cmd(&["SET", "lazyw", "old", "PX", "50"]);
    c.cmd(&["HSET", "lazyh", "f", "v"]);
    c.cmd(&["PEXPIRE", "lazyh", "50"]);
    std::thread::sleep(Duration::from_millis(120));
    c.cmd(&["SET", "lazyw", "new"]);
    c.cmd(&["HSET", "lazyh", "g", "w"]);
    c.cmd(&["SADD", "sp", "a", "b", "c", "d", "e", "f"]);
    c.cmd(&["SPOP", "sp", "3"]);
    c.cmd(&["SELECT", "7"]);
    for i in 0..20 {
        c.cmd(&["SET", &format!("act{i}"), "v", "PX", "80"]);
    }
    c.cmd(&["SET", "keep7", "v"]);
    c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    let mut r7 = r.conn();
    r7.cmd(&["SELECT", "7"]);
    wait_until(10, "active expiry on R", &nodes, || {
        r7.cmd(&["DBSIZE"]) == b":1\r\n"
    });
    c.cmd(&["SELECT", "0"]);
    c.cmd(&["INCRBYFLOAT", "fl", "2.5"]);
    wait_converged(&r, &o, "stream semantics", &nodes);
    let mut o7 = o.conn();
    o7.cmd(&["SELECT", "7"]);
    assert_eq!(o7.cmd(&["DBSIZE"]), b":1\r\n", "active-expiry DELs applied");
    wait_acked(&r, o.port, &nodes);
}

/// Scenario 18: GETACK: `WAIT 1 1000` on the real master returns `:1`; O's answer to the GETACK is
/// the offset before the GETACK (seen on a recording proxy).
#[test]
fn s18_getack() {
    let r = Node::redis(&["--repl-diskless-sync-delay", "0"]);
    let proxy = Proxy::start(r.port, true);
    let o = Node::ours(&["--replicaof", "127.0.0.1", &proxy.port.to_string()]);
    let nodes = [&r, &o];
    wait_converged(&r, &o, "full sync", &nodes);
    // After a diskless sync R starts the stream at O's first ACK, and that ACK may reach R
    // before R noticed its RDB child finished: then the stream waits for the next (1 Hz)
    // ACK. Wait until the stream flows (a real replica has the same race).
    r.cmd(&["SET", "warm-up", "1"]);
    wait_converged(&r, &o, "warm-up write", &nodes);
    let mut c = r.conn();
    for i in 0..3 {
        c.cmd(&["SET", "g", &i.to_string()]);
        let t = Instant::now();
        assert_eq!(c.cmd(&["WAIT", "1", "1000"]), b":1\r\n");
        assert!(
            t.elapsed() < Duration::from_millis(100),
            "WAIT took {:?}",
            t.elapsed()
        );
        let off = r.repl_num("master_repl_offset");
        let seen = acks(&proxy.up().concat());
        assert!(
            seen.contains(&(off - 37)),
            "ACKs {seen:?}, master offset {off} (GETACK is 37 bytes)"
        );
    }
    assert_eq!(r.conn().cmd(&["WAIT", "1", "0"]), b":1\r\n");
}

/// Scenario 19: Partial resync: `CLIENT KILL TYPE replica` on R; O sends `PSYNC <id> <off+1>` and
/// gets `+CONTINUE <id>`; R counts a partial sync; O keeps its data (no flush).
#[test]
fn s19_partial_resync() {
    let r = Node::redis(&["--repl-diskless-sync-delay", "0"]);
    write_mixed(&r, "pre");
    let proxy = Proxy::start(r.port, true);
    let o = Node::ours(&["--replicaof", "127.0.0.1", &proxy.port.to_string()]);
    let nodes = [&r, &o];
    wait_converged(&r, &o, "full sync", &nodes);
    let id = r.repl("master_replid").unwrap();
    let off = r.repl_num("master_repl_offset");
    let flushes = o.log().matches("Flushing old data").count();
    assert_eq!(r.cmd(&["CLIENT", "KILL", "TYPE", "replica"]), ":1\r\n");
    wait_until(10, "R sync_partial_ok 1", &nodes, || {
        r.stat("sync_partial_ok") == 1
    });
    write_mixed(&r, "post");
    wait_converged(&r, &o, "partial resync", &nodes);
    let up = proxy.up();
    assert!(up.len() >= 2);
    assert_eq!(psync_of(&up[1]), Some((id.clone(), (off + 1).to_string())));
    let (line, _) = psync_reply(&proxy.down()[1]).unwrap();
    assert_eq!(line, format!("+CONTINUE {id}"));
    assert_eq!(r.stat("sync_full"), 1);
    assert_eq!(o.log().matches("Flushing old data").count(), flushes);
    assert!(o
        .log()
        .contains("Successful partial resynchronization with master."));
}

/// `CLIENT KILL TYPE master` on a replica closes its master link and the replica reconnects
/// with a partial resync. Checked on a real replica first.
fn kill_master_client_by_type(replica: &Node, master: &Node, nodes: &[&Node]) {
    let before = master.stat("sync_partial_ok");
    assert_eq!(
        replica.cmd(&["CLIENT", "KILL", "TYPE", "master"]),
        ":1\r\n",
        "{}",
        replica.label()
    );
    wait_until(
        10,
        "a partial resync after CLIENT KILL TYPE master",
        nodes,
        || master.stat("sync_partial_ok") == before + 1 && link_up(replica),
    );
}

/// The `CLIENT LIST` lines of a reply (bulk string of `\n`-separated lines).
fn client_lines(reply: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(reply)
        .split(['\r', '\n'])
        .filter(|l| l.starts_with("id="))
        .map(str::to_string)
        .collect()
}

/// The `name=value` fields of one `CLIENT LIST` line, in order.
fn client_fields(line: &str) -> Vec<(String, String)> {
    line.split(' ')
        .map(|f| {
            let (k, v) = f.split_once('=').unwrap_or((f, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn client_field(line: &str, name: &str) -> String {
    client_fields(line)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {name}= in {line}"))
}

/// The replica's master client, as `CLIENT LIST TYPE master` shows it on `c` (exactly one).
fn master_client_line(replica: &Node, c: &mut common::Conn) -> String {
    let lines = client_lines(&c.cmd(&["CLIENT", "LIST", "TYPE", "master"]));
    assert_eq!(
        lines.len(),
        1,
        "{} master clients: {lines:?}",
        replica.label()
    );
    lines[0].clone()
}

/// Kill the master client with `CLIENT KILL args...` (expecting `reply`) and wait for the
/// partial resync and the link up again.
fn kill_master_client(
    replica: &Node,
    master: &Node,
    nodes: &[&Node],
    c: &mut common::Conn,
    args: &[&str],
    reply: &str,
) {
    let before = master.stat("sync_partial_ok");
    let mut argv = vec!["CLIENT", "KILL"];
    argv.extend_from_slice(args);
    let got = String::from_utf8_lossy(&c.cmd(&argv)).into_owned();
    assert_eq!(got, reply, "{} {argv:?}", replica.label());
    wait_until(
        10,
        &format!("a partial resync after {argv:?}"),
        nodes,
        || master.stat("sync_partial_ok") == before + 1 && link_up(replica),
    );
    assert_eq!(master.stat("sync_full"), 2, "no full sync after {argv:?}");
}

/// What else a replica's operator (and Redis's own tests: `client kill <master addr>`) sees
/// of the master link: `CLIENT LIST` shows it (flags `M`, no user, the master's address and
/// our end of the link, which the master sees as its replica's address), `INFO clients`
/// counts it, and `CLIENT KILL` by `<addr>`, `ADDR`, `LADDR`, `ID` or `TYPE master` closes it
/// (a `USER` filter never matches it); the replica partially resyncs and the master client
/// comes back with its id, listed after the clients that were there when it came back.
fn list_and_kill_master_client(replica: &Node, master: &Node, nodes: &[&Node]) {
    let who = replica.label();
    let mut c = replica.conn();
    assert_eq!(master.cmd(&["SET", "last", "set"]), "+OK\r\n");
    wait_converged(master, replica, "before CLIENT LIST", nodes);
    let line = master_client_line(replica, &mut c);
    let names: Vec<String> = client_fields(&line).into_iter().map(|(k, _)| k).collect();
    let mine = client_lines(&c.cmd(&["CLIENT", "INFO"]));
    let my_names: Vec<String> = client_fields(&mine[0])
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(names, my_names, "{who}: the master client's fields: {line}");
    let expect = [
        ("addr", format!("127.0.0.1:{}", master.port)),
        ("name", String::new()),
        ("flags", "M".to_string()),
        ("db", "0".to_string()),
        ("sub", "0".to_string()),
        ("psub", "0".to_string()),
        ("multi", "-1".to_string()),
        ("events", "r".to_string()),
        ("user", "(superuser)".to_string()),
        ("redir", "-1".to_string()),
        ("resp", "2".to_string()),
    ];
    for (k, v) in &expect {
        assert_eq!(&client_field(&line, k), v, "{who} {k}= in {line}");
    }
    let cmd = client_field(&line, "cmd");
    assert!(cmd == "set" || cmd == "ping", "{who} cmd={cmd}: {line}");
    assert!(
        client_field(&line, "fd").parse::<i64>().unwrap() > 0,
        "{line}"
    );
    // Our end of the link is what the master shows as its replica's address.
    let laddr = client_field(&line, "laddr");
    let on_master = client_lines(
        master
            .cmd(&["CLIENT", "LIST", "TYPE", "replica"])
            .as_bytes(),
    );
    assert!(
        on_master.iter().any(|l| client_field(l, "addr") == laddr),
        "{who} laddr={laddr}, the master's replicas: {on_master:?}"
    );
    let id = client_field(&line, "id");
    let all = client_lines(&c.cmd(&["CLIENT", "LIST"]));
    assert!(
        all.iter().any(|l| l.starts_with(&format!("id={id} "))),
        "{all:?}"
    );
    let normal = client_lines(&c.cmd(&["CLIENT", "LIST", "TYPE", "normal"]));
    assert!(
        !normal.iter().any(|l| l.contains(" flags=M ")),
        "{normal:?}"
    );
    let by_id = client_lines(&c.cmd(&["CLIENT", "LIST", "ID", &id]));
    assert_eq!(by_id.len(), 1, "{who} CLIENT LIST ID {id}: {by_id:?}");
    assert!(by_id[0].contains(" flags=M "), "{by_id:?}");
    let info = String::from_utf8_lossy(&c.cmd(&["INFO", "clients"])).into_owned();
    let all = client_lines(&c.cmd(&["CLIENT", "LIST"]));
    assert_eq!(
        info_field(&info, "connected_clients"),
        Some(all.len().to_string()),
        "{who}: connected_clients counts the master client: {all:?}"
    );
    // A USER filter never matches the master client.
    assert_eq!(
        c.cmd(&["CLIENT", "KILL", "TYPE", "master", "USER", "default"]),
        b":0\r\n",
        "{who}"
    );
    let my_id = String::from_utf8_lossy(&c.cmd(&["CLIENT", "ID"]))
        .trim_start_matches(':')
        .trim()
        .to_string();
    kill_master_client(replica, master, nodes, &mut c, &["ID", &id], ":1\r\n");
    let again = master_client_line(replica, &mut c);
    assert_eq!(
        client_field(&again, "id"),
        id,
        "{who}: the cached master keeps its id"
    );
    assert_ne!(
        client_field(&again, "laddr"),
        laddr,
        "{who}: a new connection"
    );
    // Linked again at the end: after this connection, before a newer one.
    let mut newer = replica.conn();
    let newer_id = client_lines(&newer.cmd(&["CLIENT", "INFO"]))
        .first()
        .map(|l| client_field(l, "id"))
        .unwrap();
    let order: Vec<String> = client_lines(&c.cmd(&["CLIENT", "LIST"]))
        .iter()
        .map(|l| client_field(l, "id"))
        .collect();
    let at = |x: &str| order.iter().position(|i| i == x).unwrap();
    assert!(
        at(&my_id) < at(&id) && at(&id) < at(&newer_id),
        "{who} order {order:?}"
    );
    drop(newer);
    let addr = format!("127.0.0.1:{}", master.port);
    kill_master_client(replica, master, nodes, &mut c, &["ADDR", &addr], ":1\r\n");
    let laddr = client_field(&master_client_line(replica, &mut c), "laddr");
    kill_master_client(replica, master, nodes, &mut c, &["LADDR", &laddr], ":1\r\n");
    kill_master_client(replica, master, nodes, &mut c, &[&addr], "+OK\r\n");
    kill_master_client(
        replica,
        master,
        nodes,
        &mut c,
        &["TYPE", "master"],
        ":1\r\n",
    );
}

/// A real master R with a real replica and O as replicas, both converged.
fn master_with_real_and_our_replica() -> (Node, Node, Node) {
    let r = Node::redis(&["--repl-diskless-sync-delay", "0"]);
    let real = Node::redis(&["--replicaof", "127.0.0.1", &r.port_s()]);
    let o = Node::ours(&["--replicaof", "127.0.0.1", &r.port_s()]);
    let nodes = [&r, &real, &o];
    wait_converged(&r, &real, "real replica", &nodes);
    wait_converged(&r, &o, "O", &nodes);
    (r, real, o)
}

/// Scenario 19, from the replica's side: `CLIENT KILL TYPE master` on O as on a real
/// replica.
#[test]
fn s19_kill_master_client_on_the_replica() {
    let (r, real, o) = master_with_real_and_our_replica();
    let nodes = [&r, &real, &o];
    kill_master_client_by_type(&real, &r, &nodes);
    kill_master_client_by_type(&o, &r, &nodes);
}

/// The master client in `CLIENT LIST`, `INFO clients` and `CLIENT KILL` (`<addr>`, `ADDR`,
/// `LADDR`, `ID`, `TYPE`, `USER`) on O as on a real replica.
#[test]
fn s19_master_client_listed_and_killed_by_addr() {
    let (r, real, o) = master_with_real_and_our_replica();
    let nodes = [&r, &real, &o];
    list_and_kill_master_client(&real, &r, &nodes);
    list_and_kill_master_client(&o, &r, &nodes);
}

/// Keys a writable replica (`replica-read-only no`) wrote itself with a TTL are expired by
/// the replica (Redis's `expireSlaveKeys`, spec §1.5): DBSIZE drops to 0 as on a real
/// replica. (Found by Redis's own `integration/replication-3` run against ReplScope.)
#[test]
fn s17_writable_replica_expires_its_own_keys() {
    let (r, real, o) = master_with_real_and_our_replica();
    let nodes = [&r, &real, &o];
    for n in [&real, &o] {
        let mut c = n.conn();
        assert_eq!(
            c.cmd(&["CONFIG", "SET", "replica-read-only", "no"]),
            b"+OK\r\n"
        );
        c.cmd(&["SELECT", "5"]);
        for k in ["key1", "key2", "key3"] {
            assert_eq!(c.cmd(&["SET", k, "1", "PX", "300"]), b"+OK\r\n");
        }
        assert_eq!(c.cmd(&["DBSIZE"]), b":3\r\n");
    }
    for n in [&real, &o] {
        let mut c = n.conn();
        c.cmd(&["SELECT", "5"]);
        wait_until(
            5,
            &format!("{} to expire its own keys", n.label()),
            &nodes,
            || c.cmd(&["DBSIZE"]) == b":0\r\n",
        );
    }
}

/// Scenario 20: Failover through O's master: R1 → R2 → O → R3. `REPLICAOF NO ONE` on R2: O gets
/// `+CONTINUE <new>`, takes R2's new id with the old one as replid2 (second offset = off+1),
/// drops its sub-replica (which partially resyncs with O's new id), keeps its data.
#[test]
fn s20_failover_through_our_master() {
    let r1 = Node::redis(&["--repl-diskless-sync-delay", "0"]);
    write_mixed(&r1, "pre");
    let r2 = Node::redis(&[
        "--repl-diskless-sync-delay",
        "0",
        "--replicaof",
        "127.0.0.1",
        &r1.port_s(),
    ]);
    let o = Node::ours(&["--replicaof", "127.0.0.1", &r2.port_s()]);
    let r3 = Node::redis(&["--replicaof", "127.0.0.1", &o.port_s()]);
    let nodes = [&r1, &r2, &o, &r3];
    wait_converged(&r1, &r2, "R2", &nodes);
    wait_converged(&r1, &o, "O", &nodes);
    wait_converged(&r1, &r3, "R3", &nodes);
    let old = r1.repl("master_replid").unwrap();
    let off = r2.repl_num("master_repl_offset");
    let r3_lost = r3.log().matches("Connection with master lost").count();
    assert_eq!(r2.cmd(&["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
    let new = r2.repl("master_replid").unwrap();
    assert_ne!(new, old);
    wait_until(10, "O to follow R2's new id", &nodes, || {
        o.repl("master_replid").as_deref() == Some(new.as_str()) && link_up(&o)
    });
    assert_eq!(o.repl("master_replid2"), Some(old.clone()));
    assert_eq!(o.repl_num("second_repl_offset"), off + 1);
    assert!(o
        .log()
        .contains(&format!("Master replication ID changed to {new}")));
    wait_until(10, "R3 to reconnect to O with the new id", &nodes, || {
        r3.repl("master_replid").as_deref() == Some(new.as_str()) && link_up(&r3)
    });
    assert!(r3.log().matches("Connection with master lost").count() > r3_lost);
    write_mixed(&r2, "post");
    wait_converged(&r2, &o, "after the failover", &nodes);
    wait_converged(&r2, &r3, "R3 after the failover", &nodes);
    assert_eq!(r2.stat("sync_full"), 1, "only O's initial full sync");
    assert_eq!(r2.stat("sync_partial_ok"), 1);
    assert_eq!(o.stat("sync_full"), 1, "only R3's initial full sync");
    assert_eq!(o.stat("sync_partial_ok"), 1);
    assert_eq!(r3.repl("master_replid2"), Some(old));
}

/// Scenario 21: The real master restarts from its dump (`SHUTDOWN SAVE`, same port): O reconnects
/// with `PSYNC <old> <off+1>` and gets `+CONTINUE <new>` (R accepts through replid2).
#[test]
fn s21_real_master_restart() {
    let mut r = Node::redis(&["--repl-diskless-sync-delay", "0"]);
    write_mixed(&r, "pre");
    let proxy = Proxy::start(r.port, true);
    let o = Node::ours(&["--replicaof", "127.0.0.1", &proxy.port.to_string()]);
    wait_converged(&r, &o, "full sync", &[&r, &o]);
    let old = r.repl("master_replid").unwrap();
    let off = r.repl_num("master_repl_offset");
    r.shutdown_save();
    let args = r.args.clone();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    r.restart(&args);
    let nodes = [&r, &o];
    let new = r.repl("master_replid").unwrap();
    assert_eq!(r.repl("master_replid2"), Some(old.clone()));
    wait_until(
        15,
        "a partial resync with the restarted master",
        &nodes,
        || r.stat("sync_partial_ok") == 1,
    );
    write_mixed(&r, "post");
    wait_converged(&r, &o, "after the master restart", &nodes);
    assert_eq!(r.stat("sync_full"), 0);
    let up = proxy.up();
    let last = up.len() - 1;
    assert_eq!(
        psync_of(&up[last]),
        Some((old.clone(), (off + 1).to_string()))
    );
    assert_eq!(
        psync_reply(&proxy.down()[last]).unwrap().0,
        format!("+CONTINUE {new}")
    );
    assert_eq!(o.repl("master_replid"), Some(new));
    assert_eq!(o.repl("master_replid2"), Some(old));
}

/// Scenario 22: O restarts from its own dump (repl-id / repl-offset / repl-stream-db aux fields):
/// partial resync, R logs `Partial resynchronization request from ... accepted`.
#[test]
fn s22_our_restart() {
    let r = Node::redis(&["--repl-diskless-sync-delay", "0"]);
    write_mixed(&r, "pre");
    let mut o = Node::ours(&["--replicaof", "127.0.0.1", &r.port_s()]);
    wait_converged(&r, &o, "full sync", &[&r, &o]);
    // Leave the stream in db 3, so the dump's repl-stream-db matters.
    let mut c = r.conn();
    c.cmd(&["SELECT", "3"]);
    c.cmd(&["SET", "in3", "1"]);
    wait_converged(&r, &o, "write in db 3", &[&r, &o]);
    o.shutdown_save();
    c.cmd(&["SET", "while-down", "1"]);
    let args = o.args.clone();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    o.restart(&args);
    let nodes = [&r, &o];
    wait_until(15, "R to accept O's partial resync", &nodes, || {
        r.stat("sync_partial_ok") == 1
    });
    c.cmd(&["SET", "after-restart", "1"]);
    wait_converged(&r, &o, "after our restart", &nodes);
    assert_eq!(r.stat("sync_full"), 1);
    let rlog = r.log();
    assert!(
        rlog.contains(&format!(
            "Partial resynchronization request from 127.0.0.1:{} accepted. Sending ",
            o.port
        )),
        "{rlog}"
    );
    let mut o3 = o.conn();
    o3.cmd(&["SELECT", "3"]);
    assert_eq!(o3.cmd(&["GET", "after-restart"]), b"$1\r\n1\r\n");
}

/// Scenario 23: O's master is itself a replica with its link down: O's PSYNC gets `-NOMASTERLINK`,
/// O keeps its cached master and retries every second, and continues (`+CONTINUE`, no full
/// sync) once that link is back. R1 → proxy A → R2 → proxy B → O; A refuses links to keep
/// R2 down.
#[test]
fn s23_master_itself_disconnected() {
    let r1 = Node::redis(&["--repl-diskless-sync-delay", "0"]);
    write_mixed(&r1, "pre");
    let a = Proxy::start(r1.port, false);
    let r2 = Node::redis(&[
        "--repl-diskless-sync-delay",
        "0",
        "--replicaof",
        "127.0.0.1",
        &a.port.to_string(),
    ]);
    let b = Proxy::start(r2.port, true);
    let o = Node::ours(&["--replicaof", "127.0.0.1", &b.port.to_string()]);
    let nodes = [&r1, &r2, &o];
    wait_converged(&r1, &o, "chain up", &nodes);
    a.refuse(true);
    a.cut();
    wait_until(5, "R2's link down", &nodes, || !link_up(&r2));
    b.cut();
    wait_until(10, "three refused PSYNCs", &nodes, || {
        b.down()
            .iter()
            .filter(|d| {
                psync_reply(d).is_some_and(|(l, _)| {
                    l == "-NOMASTERLINK Can't SYNC while not connected with my master"
                })
            })
            .count()
            >= 3
    });
    assert!(o.log().contains(
        "Master is currently unable to PSYNC but should be in the future: -NOMASTERLINK Can't SYNC while not connected with my master"
    ));
    assert!(!link_up(&o));
    let id = r1.repl("master_replid").unwrap();
    let off = o.repl_num("master_repl_offset");
    // Every retry asks for the cached master's next byte.
    for up in &b.up()[1..] {
        if let Some(p) = psync_of(up) {
            assert_eq!(p, (id.clone(), (off + 1).to_string()));
        }
    }
    a.refuse(false);
    write_mixed(&r1, "post");
    wait_converged(&r1, &o, "after R2's link is back", &nodes);
    let last = b.down().len() - 1;
    assert_eq!(
        psync_reply(&b.down()[last]).unwrap().0,
        format!("+CONTINUE {id}")
    );
    assert_eq!(r2.stat("sync_full"), 1);
    assert_eq!(r1.stat("sync_full"), 1);
}

/// Scenario 24: O in the middle of a chain R1 → O → R3: R3 has R1's id and offset; O↔R3 killed: R3
/// partially resyncs from O; R1↔O killed: O partially resyncs and R3 keeps its link.
#[test]
fn s24_ours_in_the_middle_of_a_chain() {
    let r1 = Node::redis(&["--repl-diskless-sync-delay", "0"]);
    write_mixed(&r1, "pre");
    let o = Node::ours(&["--replicaof", "127.0.0.1", &r1.port_s()]);
    let r3 = Node::redis(&["--replicaof", "127.0.0.1", &o.port_s()]);
    let nodes = [&r1, &o, &r3];
    wait_converged(&r1, &o, "O", &nodes);
    wait_converged(&r1, &r3, "R3 through O", &nodes);
    assert_eq!(r3.repl("master_replid"), r1.repl("master_replid"));
    assert_eq!(o.cmd(&["CLIENT", "KILL", "TYPE", "replica"]), ":1\r\n");
    wait_until(10, "R3 partial resync from O", &nodes, || {
        o.stat("sync_partial_ok") == 1
    });
    write_mixed(&r1, "mid");
    wait_converged(&r1, &r3, "after O↔R3 was cut", &nodes);
    let r3_lost = r3.log().matches("Connection with master lost").count();
    assert_eq!(r1.cmd(&["CLIENT", "KILL", "TYPE", "replica"]), ":1\r\n");
    wait_until(10, "O partial resync from R1", &nodes, || {
        r1.stat("sync_partial_ok") == 1
    });
    write_mixed(&r1, "post");
    wait_converged(&r1, &o, "after R1↔O was cut", &nodes);
    wait_converged(&r1, &r3, "R3 after R1↔O was cut", &nodes);
    assert_eq!(
        r3.log().matches("Connection with master lost").count(),
        r3_lost,
        "R3 untouched{}",
        logs(&nodes)
    );
    assert_eq!(r1.stat("sync_full"), 1);
    assert_eq!(o.stat("sync_full"), 1);
}

/// The replies of a replica whose master is gone: SET, then with
/// `replica-serve-stale-data yes` PSYNC, then with `no` GET / PING / WAIT / PSYNC, then INFO
/// still answering.
fn stale_replica_replies(replica: &Node) -> Vec<String> {
    let mut c = replica.conn();
    let mut out = Vec::new();
    let mut run = |c: &mut common::Conn, args: &[&str]| {
        out.push(String::from_utf8_lossy(&c.cmd(args)).into_owned());
    };
    run(&mut c, &["SET", "k", "v"]);
    run(&mut c, &["WAIT", "1", "0"]);
    run(&mut c, &["PSYNC", "?", "-1"]);
    let mut c = replica.conn();
    run(&mut c, &["CONFIG", "SET", "replica-serve-stale-data", "no"]);
    run(&mut c, &["GET", "k"]);
    run(&mut c, &["PING"]);
    run(&mut c, &["WAIT", "1", "0"]);
    run(&mut c, &["PSYNC", "?", "-1"]);
    run(&mut c, &["SET", "k", "v"]);
    run(
        &mut c,
        &["CONFIG", "SET", "replica-serve-stale-data", "yes"],
    );
    run(&mut c, &["GET", "k"]);
    out
}

/// Scenario 25: Client-facing errors of O as a replica, with its master gone, byte for byte as a real
/// replica in the same state.
#[test]
fn s25_client_facing_errors() {
    let mut m = Node::redis(&[]);
    let mp = m.port_s();
    let o = Node::ours(&["--replicaof", "127.0.0.1", &mp]);
    let r = Node::redis(&["--replicaof", "127.0.0.1", &mp]);
    wait_until(15, "both replicas up", &[&m, &o, &r], || {
        link_up(&o) && link_up(&r)
    });
    assert_eq!(
        o.cmd(&["SET", "k", "v"]),
        "-READONLY You can't write against a read only replica.\r\n"
    );
    m.kill();
    wait_until(5, "both links down", &[&o, &r], || {
        !link_up(&o) && !link_up(&r)
    });
    let want = stale_replica_replies(&r);
    let masterdown =
        "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n";
    let wait_err = "-ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.\r\n";
    assert_eq!(
        want,
        vec![
            "-READONLY You can't write against a read only replica.\r\n",
            wait_err,
            "-NOMASTERLINK Can't SYNC while not connected with my master\r\n",
            "+OK\r\n",
            masterdown,
            masterdown,
            masterdown,
            masterdown,
            "-READONLY You can't write against a read only replica.\r\n",
            "+OK\r\n",
            "$-1\r\n",
        ],
        "reference replies"
    );
    assert_eq!(stale_replica_replies(&o), want);
}
