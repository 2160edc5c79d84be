//! A replica loading its master's payload (spec §1.4; Redis blocks in `rdbLoad` and serves
//! other clients from `processEventsWhileBlocked`): with a simulated loading cost the replica
//! stays in `REPL_STATE_TRANSFER` (`master_sync_in_progress:1`, ROLE `sync` / -1), INFO
//! persistence shows `loading:1` and the `loading_*` fields, commands without the `loading`
//! flag get `-LOADING Redis is loading the dataset in memory` (GET, PING, DBSIZE, KEYS,
//! REPLICAOF, WAIT, PSYNC, SAVE, `CONFIG SET repl-diskless-load`), the others run (INFO,
//! ROLE, CONFIG GET, ECHO, MULTI, ...); writes still get `-READONLY` (checked first). The
//! stream received meanwhile is applied once loaded. Every reply checked against a real
//! 7.0.15 replica loading 3M keys.

mod repl_net;

use repl_net::{config, field, Net};
use replscope_core::repl::replica_side::LoadCost;

/// Time for the master's BGSAVE for replication (started on its cron, 10 per second) to
/// run and its payload to arrive.
const SYNC_MS: u64 = 200;

const LOADING: &str = "-LOADING Redis is loading the dataset in memory\r\n";

/// Master with 2000 keys; a replica (loading 1 ms per key = 2 s) just did REPLICAOF.
fn loading_pair() -> (Net, usize, usize) {
    let mut net = Net::new();
    // A disk-based sync (`$<len>` framing: the transfer size is known, as in the INFO checks).
    let mut mc = config(7001, None);
    mc.set_runtime(&[(b"repl-diskless-sync", b"no")]).unwrap();
    let m = net.add(mc, 1);
    let r = net.add(config(7002, None), 2);
    assert_eq!(net.cmd(m, &["DEBUG", "POPULATE", "2000"]), "+OK\r\n");
    net.srv(r).state_mut().replica.load_cost = LoadCost {
        ns_per_key: 1_000_000,
        ns_per_byte: 0,
    };
    assert_eq!(net.cmd(r, &["REPLICAOF", "127.0.0.1", "7001"]), "+OK\r\n");
    // The master's BGSAVE for the sync runs on its next cron tick: step until the payload
    // has arrived and the load has just begun.
    for _ in 0..100 {
        if net.info(r, "loading").as_deref() == Some("1") {
            return (net, m, r);
        }
        net.advance_ms(10);
    }
    panic!("the replica never started loading");
}

#[test]
fn loading_replica_answers_loading_and_applies_the_stream_afterwards() {
    let (mut net, m, r) = loading_pair();
    let start = net.now;
    let p = net.cmd(r, &["INFO", "persistence"]);
    assert_eq!(field(&p, "loading").as_deref(), Some("1"));
    assert_eq!(field(&p, "async_loading").as_deref(), Some("0"));
    assert_eq!(
        field(&p, "loading_start_time"),
        Some(start.as_secs().to_string())
    );
    let total: u64 = field(&p, "loading_total_bytes").unwrap().parse().unwrap();
    assert!(total > 2000 * 10, "{total}");
    assert_eq!(field(&p, "loading_loaded_bytes").as_deref(), Some("0"));
    assert_eq!(field(&p, "loading_loaded_perc").as_deref(), Some("0.00"));
    assert_eq!(field(&p, "loading_eta_seconds").as_deref(), Some("1"));
    assert!(
        field(&p, "loading_rdb_used_mem")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    // The loading_* fields close the section.
    assert!(p.ends_with("loading_eta_seconds:1\r\n\r\n"), "{p}");

    let repl = net.cmd(r, &["INFO", "replication"]);
    assert_eq!(field(&repl, "master_link_status").as_deref(), Some("down"));
    assert_eq!(
        field(&repl, "master_sync_in_progress").as_deref(),
        Some("1")
    );
    assert_eq!(field(&repl, "slave_repl_offset").as_deref(), Some("1"));
    assert_eq!(
        field(&repl, "master_last_io_seconds_ago").as_deref(),
        Some("-1")
    );
    assert_eq!(
        field(&repl, "master_sync_total_bytes"),
        field(&repl, "master_sync_read_bytes")
    );
    assert_eq!(field(&repl, "master_sync_left_bytes").as_deref(), Some("0"));
    assert_eq!(field(&repl, "master_sync_perc").as_deref(), Some("100.00"));
    assert_eq!(
        net.cmd(r, &["ROLE"]),
        "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:7001\r\n$4\r\nsync\r\n:-1\r\n"
    );

    for args in [
        &["GET", "key:1"][..],
        &["PING"],
        &["DBSIZE"],
        &["KEYS", "*"],
        &["EXISTS", "a"],
        &["REPLICAOF", "NO", "ONE"],
        &["WAIT", "1", "0"],
        &["PSYNC", "?", "-1"],
        &["SYNC"],
        &["SAVE"],
        &["BGSAVE"],
        &["CONFIG", "SET", "repl-diskless-load", "swapdb"],
    ] {
        assert_eq!(net.cmd(r, args), LOADING, "{args:?}");
    }
    assert_eq!(
        net.cmd(r, &["SET", "a", "b"]),
        "-READONLY You can't write against a read only replica.\r\n"
    );
    assert_eq!(
        net.cmd(r, &["CONFIG", "GET", "repl-diskless-load"]),
        "*2\r\n$18\r\nrepl-diskless-load\r\n$8\r\ndisabled\r\n"
    );
    assert_eq!(net.cmd(r, &["ECHO", "x"]), "$1\r\nx\r\n");
    assert_eq!(net.cmd(r, &["SELECT", "1"]), "+OK\r\n");
    assert_eq!(net.cmd(r, &["SELECT", "0"]), "+OK\r\n");
    assert_eq!(net.cmd(r, &["REPLCONF", "listening-port", "1"]), "+OK\r\n");
    // A transaction with a refused command is aborted (real: +OK, -LOADING, +QUEUED,
    // -EXECABORT).
    let mut pipeline = Vec::new();
    for args in [&["MULTI"][..], &["GET", "x"], &["ECHO", "y"], &["EXEC"]] {
        pipeline.extend_from_slice(&repl_net::bulks(args));
    }
    assert_eq!(
        net.raw(r, &pipeline),
        format!(
            "+OK\r\n{LOADING}+QUEUED\r\n-EXECABORT Transaction discarded because of previous \
             errors.\r\n"
        )
    );

    // Written on the master while the replica loads: applied afterwards.
    assert_eq!(net.cmd(m, &["SET", "late", "1"]), "+OK\r\n");
    net.nodes[r].link_tx.clear();
    net.advance_ms(1000);
    let p = net.cmd(r, &["INFO", "persistence"]);
    assert_eq!(field(&p, "loading").as_deref(), Some("1"));
    let half = total / 2;
    assert_eq!(field(&p, "loading_loaded_bytes"), Some(half.to_string()));
    let perc = half as f64 / (total as f64 + 1.0) * 100.0;
    assert_eq!(field(&p, "loading_loaded_perc"), Some(format!("{perc:.2}")));
    assert_eq!(
        field(&p, "loading_eta_seconds"),
        Some(((total - half) / (half + 1)).to_string())
    );
    assert_eq!(
        field(&p, "rdb_last_load_keys_loaded").as_deref(),
        Some("1000")
    );
    // replicationSendNewlineToMaster: only `\n` keepalives while loading, no ACK.
    assert!(!net.nodes[r].link_tx.is_empty());
    assert!(net.nodes[r].link_tx.iter().all(|&b| b == b'\n'));
    assert_eq!(net.cmd(r, &["GET", "late"]), LOADING);

    net.advance_ms(1100);
    let p = net.cmd(r, &["INFO", "persistence"]);
    assert_eq!(field(&p, "loading").as_deref(), Some("0"));
    assert_eq!(field(&p, "loading_total_bytes"), None);
    assert_eq!(
        field(&p, "rdb_last_load_keys_loaded").as_deref(),
        Some("2000")
    );
    assert_eq!(net.cmd(r, &["GET", "late"]), "$1\r\n1\r\n");
    assert_eq!(net.cmd(r, &["DBSIZE"]), ":2001\r\n");
    assert_eq!(net.cmd(r, &["PING"]), "+PONG\r\n");
    assert_eq!(net.info(r, "master_link_status").as_deref(), Some("up"));
    assert_eq!(
        net.info(r, "slave_repl_offset"),
        net.info(m, "master_repl_offset")
    );
    assert!(net.logged(r, "Done loading RDB, keys loaded: 2000, keys expired: 0."));
    let logs = &net.nodes[r].logs;
    let done = logs
        .iter()
        .position(|l| l.starts_with("Done loading RDB"))
        .unwrap();
    let fin = logs
        .iter()
        .position(|l| l == "MASTER <-> REPLICA sync: Finished with success")
        .unwrap();
    assert!(done < fin, "{logs:?}");
}

#[test]
fn master_closing_during_the_load_is_noticed_afterwards() {
    let (mut net, m, r) = loading_pair();
    assert_eq!(net.info(r, "loading").as_deref(), Some("1"));
    net.kill(m);
    assert_eq!(net.cmd(r, &["GET", "key:1"]), LOADING);
    net.advance_ms(2100);
    assert_eq!(net.info(r, "loading").as_deref(), Some("0"));
    // The data is there, the link is down and cached for a partial resync.
    assert_eq!(net.cmd(r, &["DBSIZE"]), ":2000\r\n");
    assert_eq!(net.info(r, "master_link_status").as_deref(), Some("down"));
    assert!(net.logged(r, "Connection with master lost."));
    net.start(m);
    net.advance_ms(1500);
    assert_eq!(net.info(r, "master_link_status").as_deref(), Some("up"));
}

#[test]
fn zero_cost_loads_instantly() {
    let mut net = Net::new();
    let m = net.add(config(7001, None), 1);
    let r = net.add(config(7002, None), 2);
    assert_eq!(net.cmd(m, &["DEBUG", "POPULATE", "100"]), "+OK\r\n");
    assert_eq!(net.cmd(r, &["REPLICAOF", "127.0.0.1", "7001"]), "+OK\r\n");
    // The master's BGSAVE for the sync runs on its next cron tick: let the payload arrive.
    net.advance_ms(SYNC_MS);
    assert_eq!(net.info(r, "loading").as_deref(), Some("0"));
    assert_eq!(net.cmd(r, &["DBSIZE"]), ":100\r\n");
    assert_eq!(
        net.info(r, "rdb_last_load_keys_loaded").as_deref(),
        Some("100")
    );
}

#[test]
fn repl_diskless_load_config_as_7_0() {
    let mut net = Net::new();
    let n = net.add(config(7001, None), 1);
    let get = |net: &mut Net| net.cmd(n, &["CONFIG", "GET", "repl-diskless-load"]);
    assert_eq!(
        get(&mut net),
        "*2\r\n$18\r\nrepl-diskless-load\r\n$8\r\ndisabled\r\n"
    );
    assert_eq!(
        net.cmd(n, &["CONFIG", "SET", "repl-diskless-load", "on-empty-db"]),
        "+OK\r\n"
    );
    assert_eq!(
        get(&mut net),
        "*2\r\n$18\r\nrepl-diskless-load\r\n$11\r\non-empty-db\r\n"
    );
    assert_eq!(
        net.cmd(n, &["CONFIG", "SET", "repl-diskless-load", "SWAPDB"]),
        "+OK\r\n"
    );
    assert_eq!(
        get(&mut net),
        "*2\r\n$18\r\nrepl-diskless-load\r\n$6\r\nswapdb\r\n"
    );
    assert_eq!(
        net.cmd(n, &["CONFIG", "SET", "repl-diskless-load", "bogus"]),
        "-ERR CONFIG SET failed (possibly related to argument 'repl-diskless-load') - \
         argument(s) must be one of the following: disabled, on-empty-db, swapdb\r\n"
    );
}

#[test]
fn loading_with_diskless_load_on_empty_db() {
    // The payload parsed from the socket (on-empty-db, empty dataset) is loaded the same way.
    let mut net = Net::new();
    let m = net.add(config(7001, None), 1);
    let r = net.add(config(7002, None), 2);
    assert_eq!(net.cmd(m, &["DEBUG", "POPULATE", "500"]), "+OK\r\n");
    assert_eq!(
        net.cmd(r, &["CONFIG", "SET", "repl-diskless-load", "on-empty-db"]),
        "+OK\r\n"
    );
    net.srv(r).state_mut().replica.load_cost = LoadCost {
        ns_per_key: 0,
        ns_per_byte: 100_000,
    };
    assert_eq!(net.cmd(r, &["REPLICAOF", "127.0.0.1", "7001"]), "+OK\r\n");
    // The master's BGSAVE for the sync runs on its next cron tick: let the payload arrive.
    net.advance_ms(SYNC_MS);
    assert_eq!(net.info(r, "loading").as_deref(), Some("1"));
    assert_eq!(net.cmd(r, &["DBSIZE"]), LOADING);
    net.advance_ms(10_000);
    assert_eq!(net.info(r, "loading").as_deref(), Some("0"));
    assert_eq!(net.cmd(r, &["DBSIZE"]), ":500\r\n");
    assert_eq!(net.info(r, "master_link_status").as_deref(), Some("up"));
}

#[test]
fn swapdb_full_sync_of_the_same_history_loads_asynchronously() {
    let mut net = Net::new();
    let m = net.add(config(7001, None), 1);
    let r = net.add(config(7002, Some(7001)), 2);
    assert_eq!(
        net.cmd(m, &["CONFIG", "SET", "repl-backlog-size", "16384"]),
        "+OK\r\n"
    );
    assert_eq!(net.cmd(m, &["SET", "old", "1"]), "+OK\r\n");
    net.advance_ms(1500);
    assert_eq!(net.cmd(r, &["GET", "old"]), "$1\r\n1\r\n");
    assert_eq!(
        net.cmd(r, &["CONFIG", "SET", "repl-diskless-load", "swapdb"]),
        "+OK\r\n"
    );
    net.srv(r).state_mut().replica.load_cost = LoadCost {
        ns_per_key: 1_000_000_000,
        ns_per_byte: 0,
    };
    // Cut the link, overflow the master's backlog, heal: a full sync of the same history.
    net.blocked.push(7001);
    net.cut(m, r);
    let big = "x".repeat(1000);
    for i in 0..40 {
        assert_eq!(net.cmd(m, &["SET", &format!("k{i}"), &big]), "+OK\r\n");
    }
    assert_eq!(net.cmd(m, &["SET", "old", "2"]), "+OK\r\n");
    net.blocked.clear();
    net.advance_ms(1100);
    assert_eq!(net.info(m, "sync_full").as_deref(), Some("2"));
    let p = net.cmd(r, &["INFO", "persistence"]);
    assert_eq!(field(&p, "loading").as_deref(), Some("0"));
    assert_eq!(field(&p, "async_loading").as_deref(), Some("1"));
    assert!(field(&p, "loading_total_bytes").is_some());
    // The old data is served meanwhile; only no_async_loading commands are refused.
    assert_eq!(net.cmd(r, &["GET", "old"]), "$1\r\n1\r\n");
    assert_eq!(net.cmd(r, &["PING"]), "+PONG\r\n");
    assert_eq!(net.cmd(r, &["SAVE"]), LOADING);
    assert_eq!(net.cmd(r, &["REPLICAOF", "NO", "ONE"]), LOADING);
    net.advance_ms(45_000);
    assert_eq!(net.info(r, "async_loading").as_deref(), Some("0"));
    assert_eq!(net.cmd(r, &["GET", "old"]), "$1\r\n2\r\n");
    assert_eq!(net.cmd(r, &["DBSIZE"]), ":41\r\n");
    assert_eq!(
        net.info(r, "slave_repl_offset"),
        net.info(m, "master_repl_offset")
    );
}

#[test]
fn swapdb_full_sync_of_another_history_blocks() {
    let mut net = Net::new();
    let m = net.add(config(7001, None), 1);
    let r = net.add(config(7002, None), 2);
    assert_eq!(net.cmd(m, &["SET", "a", "1"]), "+OK\r\n");
    assert_eq!(net.cmd(r, &["SET", "mine", "1"]), "+OK\r\n");
    assert_eq!(
        net.cmd(r, &["CONFIG", "SET", "repl-diskless-load", "swapdb"]),
        "+OK\r\n"
    );
    net.srv(r).state_mut().replica.load_cost = LoadCost {
        ns_per_key: 1_000_000_000,
        ns_per_byte: 0,
    };
    assert_eq!(net.cmd(r, &["REPLICAOF", "127.0.0.1", "7001"]), "+OK\r\n");
    // The master's BGSAVE for the sync runs on its next cron tick: let the payload arrive.
    net.advance_ms(SYNC_MS);
    assert_eq!(net.info(r, "loading").as_deref(), Some("1"));
    assert_eq!(net.info(r, "async_loading").as_deref(), Some("0"));
    assert_eq!(net.cmd(r, &["GET", "mine"]), LOADING);
    net.advance_ms(1100);
    assert_eq!(net.cmd(r, &["GET", "a"]), "$1\r\n1\r\n");
    assert_eq!(net.cmd(r, &["GET", "mine"]), "$-1\r\n");
}
