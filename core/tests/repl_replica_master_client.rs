//! The replica's master client in the client table (spec §8.19; what a real 7.0.15 replica
//! shows): `CLIENT LIST` lists it with `flags=M`, `user=(superuser)`, the master's address and
//! our end of the link, `INFO clients` counts it, and `CLIENT KILL` by `<addr>`, `ADDR`,
//! `LADDR`, `ID` or `TYPE master` closes the link (the replica reconnects and continues with
//! a partial resync); a `USER` filter never matches it. The cached master comes back with its
//! id and is linked at the end of the client list (`replicationResurrectCachedMaster`); a
//! synthesized cached master takes an id when it is made (startup from the dump, `REPLICAOF`
//! on a master), as `replicationCacheMasterUsingMyself` does.

mod repl_net;

use repl_net::{config, field, Net};

/// Master (7001) + replica (7002), synced, with a write in db 3 (the replica's first
/// client is id 3, the master client made by the full sync id 4).
fn synced_pair() -> Net {
    let mut net = Net::new();
    net.add(config(7001, None), 1);
    let r = net.add(config(7002, Some(7001)), 2);
    net.advance_ms(1500);
    assert_eq!(net.info(r, "master_link_status").as_deref(), Some("up"));
    assert_eq!(net.cmd(0, &["SELECT", "3"]), "+OK\r\n");
    assert_eq!(net.cmd(0, &["SET", "a", "1"]), "+OK\r\n");
    net.advance_ms(100);
    net
}

/// The `CLIENT LIST` lines of a reply.
fn lines(reply: &str) -> Vec<String> {
    reply
        .split(['\r', '\n'])
        .filter(|l| l.starts_with("id="))
        .map(str::to_string)
        .collect()
}

/// A `name=value` field of a `CLIENT LIST` line.
fn f(line: &str, name: &str) -> String {
    line.split(' ')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name}= in {line}"))
        .to_string()
}

fn ids(reply: &str) -> Vec<String> {
    lines(reply).iter().map(|l| f(l, "id")).collect()
}

/// The replica's only master client line.
fn master_line(net: &mut Net, r: usize) -> String {
    let l = lines(&net.cmd(r, &["CLIENT", "LIST", "TYPE", "master"]));
    assert_eq!(l.len(), 1, "{l:?}");
    l[0].clone()
}

/// Kill the master client with `CLIENT KILL args...` (expecting `reply`): the link closes at
/// once, the replica reconnects and the master counts one more partial resync.
fn kill(net: &mut Net, r: usize, args: &[&str], reply: &str) {
    let partial: i64 = net.info(0, "sync_partial_ok").unwrap().parse().unwrap();
    let lost = net.nodes[r]
        .logs
        .iter()
        .filter(|l| *l == "Connection with master lost.")
        .count();
    let mut argv = vec!["CLIENT", "KILL"];
    argv.extend_from_slice(args);
    assert_eq!(net.cmd(r, &argv), reply, "{argv:?}");
    let lost_after = net.nodes[r]
        .logs
        .iter()
        .filter(|l| *l == "Connection with master lost.")
        .count();
    assert_eq!(lost_after, lost + 1, "{argv:?}");
    assert_eq!(net.info(r, "master_link_status").as_deref(), Some("up"));
    assert_eq!(
        net.info(0, "sync_partial_ok"),
        Some((partial + 1).to_string()),
        "{argv:?}"
    );
    assert_eq!(net.info(0, "sync_full").as_deref(), Some("1"));
}

#[test]
fn master_client_listed_with_the_link_addresses() {
    let mut net = synced_pair();
    let r = 1;
    let line = master_line(&mut net, r);
    assert_eq!(f(&line, "id"), "4");
    assert_eq!(f(&line, "addr"), "127.0.0.1:7001");
    assert_eq!(f(&line, "flags"), "M");
    assert_eq!(f(&line, "user"), "(superuser)");
    assert_eq!(f(&line, "db"), "3", "the db the stream selected");
    assert_eq!(f(&line, "cmd"), "set", "the last command of the stream");
    assert_eq!(f(&line, "name"), "");
    assert_eq!(f(&line, "multi"), "-1");
    // Our end of the link is the address the master lists for its replica.
    let laddr = f(&line, "laddr");
    let on_master = lines(&net.cmd(0, &["CLIENT", "LIST", "TYPE", "replica"]));
    assert_eq!(on_master.len(), 1);
    assert_eq!(f(&on_master[0], "addr"), laddr);
    assert_eq!(f(&on_master[0], "laddr"), "127.0.0.1:7001");
    // The same fields as any client line, in the same order.
    let mine = lines(&net.cmd(r, &["CLIENT", "INFO"]));
    let names = |l: &str| -> Vec<String> {
        l.split(' ')
            .map(|kv| kv.split('=').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&line), names(&mine[0]));
    // In the full list (by id), not among the normal clients, found by id.
    assert_eq!(ids(&net.cmd(r, &["CLIENT", "LIST"])), ["3", "4"]);
    assert_eq!(
        ids(&net.cmd(r, &["CLIENT", "LIST", "TYPE", "normal"])),
        ["3"]
    );
    assert_eq!(
        ids(&net.cmd(r, &["CLIENT", "LIST", "ID", "4", "3"])),
        ["4", "3"]
    );
    // INFO clients counts it (Redis: every linked client but the replicas).
    let info = net.cmd(r, &["INFO", "clients"]);
    assert_eq!(field(&info, "connected_clients").as_deref(), Some("2"));
    // A master has none.
    assert_eq!(
        net.cmd(0, &["CLIENT", "LIST", "TYPE", "master"]),
        "$0\r\n\r\n"
    );
}

#[test]
fn client_kill_by_addr_closes_the_link_and_the_master_client_comes_back() {
    let mut net = synced_pair();
    let r = 1;
    let laddr = f(&master_line(&mut net, r), "laddr");
    kill(&mut net, r, &["127.0.0.1:7001"], "+OK\r\n");
    for line in [
        "Caching the disconnected master state.",
        "Reconnecting to MASTER 127.0.0.1:7001",
        "Successful partial resynchronization with master.",
    ] {
        assert!(net.logged(r, line), "{line}");
    }
    // The cached master is back: same id, age, db and last command, a new connection.
    let line = master_line(&mut net, r);
    assert_eq!(f(&line, "id"), "4");
    assert_eq!(f(&line, "db"), "3");
    assert_eq!(f(&line, "cmd"), "set");
    assert_ne!(f(&line, "laddr"), laddr);
    // The stream goes on in db 3, and no data was lost.
    assert_eq!(net.cmd(0, &["SET", "b", "2"]), "+OK\r\n");
    assert_eq!(net.cmd(r, &["SELECT", "3"]), "+OK\r\n");
    assert_eq!(
        net.cmd(r, &["MGET", "a", "b"]),
        "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    );
    // No such client once the address matches nothing.
    assert_eq!(
        net.cmd(r, &["CLIENT", "KILL", "127.0.0.1:7009"]),
        "-ERR No such client\r\n"
    );
}

#[test]
fn client_kill_filters_match_the_master_client() {
    let mut net = synced_pair();
    let r = 1;
    // USER never matches it (no user); a TYPE or ADDR that does not match leaves it.
    assert_eq!(
        net.cmd(r, &["CLIENT", "KILL", "TYPE", "master", "USER", "default"]),
        ":0\r\n"
    );
    assert_eq!(
        net.cmd(
            r,
            &["CLIENT", "KILL", "ADDR", "127.0.0.1:7001", "TYPE", "normal"]
        ),
        ":0\r\n"
    );
    assert_eq!(
        net.cmd(r, &["CLIENT", "KILL", "ID", "4", "ADDR", "127.0.0.1:7002"]),
        ":0\r\n"
    );
    assert_eq!(net.info(0, "sync_partial_ok").as_deref(), Some("0"));
    kill(&mut net, r, &["ID", "4"], ":1\r\n");
    kill(&mut net, r, &["ADDR", "127.0.0.1:7001"], ":1\r\n");
    let laddr = f(&master_line(&mut net, r), "laddr");
    kill(&mut net, r, &["LADDR", &laddr], ":1\r\n");
    kill(&mut net, r, &["TYPE", "master", "SKIPME", "no"], ":1\r\n");
    assert_eq!(f(&master_line(&mut net, r), "id"), "4");
}

#[test]
fn killed_master_client_leaves_the_list_at_once_and_comes_back_at_its_end() {
    let mut net = synced_pair();
    let r = 1;
    let older = net.connect(r);
    assert_eq!(older, 5);
    // Freed synchronously in Redis: the rest of the transaction no longer lists it.
    assert_eq!(net.cmd(r, &["MULTI"]), "+OK\r\n");
    assert_eq!(
        net.cmd(r, &["CLIENT", "KILL", "TYPE", "master"]),
        "+QUEUED\r\n"
    );
    assert_eq!(net.cmd(r, &["CLIENT", "LIST"]), "+QUEUED\r\n");
    assert_eq!(net.cmd(r, &["INFO", "clients"]), "+QUEUED\r\n");
    let exec = net.cmd(r, &["EXEC"]);
    assert!(exec.starts_with("*3\r\n:1\r\n$"), "{exec}");
    assert_eq!(ids(&exec), ["3", "5"]);
    assert_eq!(field(&exec, "connected_clients").as_deref(), Some("2"));
    // Resurrected by the +CONTINUE: linked after the clients of that moment (id 5), before
    // later ones (id 6), as real 7.0.15 lists it.
    assert_eq!(net.info(r, "master_link_status").as_deref(), Some("up"));
    let newer = net.connect(r);
    assert_eq!(newer, 6);
    assert_eq!(ids(&net.cmd(r, &["CLIENT", "LIST"])), ["3", "5", "4", "6"]);
    let info = net.cmd(r, &["INFO", "clients"]);
    assert_eq!(field(&info, "connected_clients").as_deref(), Some("4"));
}

#[test]
fn master_client_of_a_full_sync_is_new_and_a_cached_one_is_not_listed() {
    let mut net = synced_pair();
    let r = 1;
    // The link is down: the cached master is not a client.
    net.blocked.push(7001);
    net.cut(0, r);
    assert_eq!(net.info(r, "master_link_status").as_deref(), Some("down"));
    assert_eq!(
        net.cmd(r, &["CLIENT", "LIST", "TYPE", "master"]),
        "$0\r\n\r\n"
    );
    assert_eq!(ids(&net.cmd(r, &["CLIENT", "LIST"])), ["3"]);
    assert_eq!(net.cmd(r, &["CLIENT", "KILL", "TYPE", "master"]), ":0\r\n");
    let info = net.cmd(r, &["INFO", "clients"]);
    assert_eq!(field(&info, "connected_clients").as_deref(), Some("1"));
    // Back: a partial resync resurrects id 4.
    net.blocked.clear();
    net.advance_ms(1500);
    assert_eq!(f(&master_line(&mut net, r), "id"), "4");
    // REPLICAOF NO ONE drops it; REPLICAOF again (a master now) synthesizes a cached master,
    // which takes id 5 at once; the master does not know our new id, so the full sync makes
    // a new master client, id 6 (real 7.0.15 does the same).
    assert_eq!(net.cmd(r, &["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
    assert_eq!(
        net.cmd(r, &["CLIENT", "LIST", "TYPE", "master"]),
        "$0\r\n\r\n"
    );
    assert_eq!(net.cmd(r, &["REPLICAOF", "127.0.0.1", "7001"]), "+OK\r\n");
    net.advance_ms(1500);
    assert_eq!(net.info(r, "master_link_status").as_deref(), Some("up"));
    assert_eq!(net.info(0, "sync_full").as_deref(), Some("2"));
    assert_eq!(f(&master_line(&mut net, r), "id"), "6");
    assert_eq!(net.connect(r), 7);
}

#[test]
fn cached_master_from_the_dump_takes_an_id_at_startup() {
    let mut net = synced_pair();
    let r = 1;
    assert_eq!(net.cmd(r, &["SHUTDOWN", "SAVE"]), "");
    net.start(r);
    // Real 7.0.15: the cached master synthesized from the dump is id 3, the first
    // connection id 4, and the +CONTINUE makes id 3 the master client (in the dump's db).
    assert_eq!(net.cmd(r, &["CLIENT", "ID"]), ":4\r\n");
    assert_eq!(
        net.cmd(r, &["CLIENT", "LIST", "TYPE", "master"]),
        "$0\r\n\r\n"
    );
    net.advance_ms(1500);
    assert_eq!(net.info(0, "sync_partial_ok").as_deref(), Some("1"));
    let line = master_line(&mut net, r);
    assert_eq!(f(&line, "id"), "3");
    assert_eq!(f(&line, "db"), "3");
    assert_eq!(f(&line, "cmd"), "NULL");
    assert_eq!(ids(&net.cmd(r, &["CLIENT", "LIST"])), ["4", "3"]);
}

#[test]
fn a_replica_moving_to_a_sibling_keeps_its_master_client() {
    // 7001 → 7002 and 7001 → 7003; 7003 moves to 7002 (same history): its master client
    // is cached by REPLICAOF and resurrected by the sibling's +CONTINUE, id and db kept.
    let mut net = synced_pair();
    let s = net.add(config(7003, Some(7001)), 3);
    net.advance_ms(1500);
    assert_eq!(net.cmd(0, &["SET", "c", "3"]), "+OK\r\n");
    net.advance_ms(100);
    let before = master_line(&mut net, s);
    assert_eq!(f(&before, "addr"), "127.0.0.1:7001");
    assert_eq!(net.cmd(s, &["REPLICAOF", "127.0.0.1", "7002"]), "+OK\r\n");
    net.advance_ms(1500);
    assert_eq!(net.info(1, "sync_partial_ok").as_deref(), Some("1"));
    let after = master_line(&mut net, s);
    assert_eq!(f(&after, "id"), f(&before, "id"));
    assert_eq!(f(&after, "db"), "3");
    assert_eq!(f(&after, "addr"), "127.0.0.1:7002");
}

#[test]
fn the_master_client_counts_against_maxclients() {
    // Real 7.0.15: a replica with `maxclients 2`, its master client and one connection
    // refuses the next connection.
    let mut net = synced_pair();
    let r = 1;
    assert_eq!(net.cmd(r, &["CONFIG", "SET", "maxclients", "2"]), "+OK\r\n");
    let c = net.connect(r);
    net.pump();
    assert_eq!(
        net.replies_of(r, c),
        "-ERR max number of clients reached\r\n"
    );
    // Without the link there is room again.
    net.blocked.push(7001);
    net.cut(0, r);
    let c = net.connect(r);
    net.raw_from(r, c, b"PING\r\n");
    assert_eq!(net.replies_of(r, c), "+PONG\r\n");
}
