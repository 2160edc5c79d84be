//! The active expiry cycle (Redis's `activeExpireCycle`, run from `serverCron` through
//! [`Server::handle_timeout`]): on a master it deletes expired keys nobody reads and
//! propagates each as a lone `DEL` (`UNLINK` with `lazyfree-lazy-expire yes`), with `SELECT`
//! only when the db changes; on a replica it deletes nothing (the master's `DEL` will come), yet
//! readers see expired keys as missing.

use std::collections::BTreeSet;

use replscope_core::client::{ClientId, PeerInfo};
use replscope_core::config::Config;
use replscope_core::server::{Output, Server};
use replscope_core::time::Time;

struct H {
    srv: Server,
    c: ClientId,
    now: Time,
}

impl H {
    fn new(cfg: Config) -> H {
        let now = Time::from_millis(1_700_000_000_000);
        let mut srv = Server::new(cfg, 11, now);
        let c = srv.handle_accept(now, PeerInfo::default());
        srv.state_mut().repl.capture = true;
        H { srv, c, now }
    }

    fn cmd(&mut self, line: &str) -> String {
        let mut req = Vec::new();
        let words: Vec<&str> = line.split(' ').collect();
        req.extend_from_slice(format!("*{}\r\n", words.len()).as_bytes());
        for w in words {
            req.extend_from_slice(format!("${}\r\n{}\r\n", w.len(), w).as_bytes());
        }
        self.srv.handle_input(self.now, self.c, &req);
        let mut out = Vec::new();
        while let Some(o) = self.srv.poll_output() {
            if let Output::Transmit { bytes, .. } = o {
                out.extend_from_slice(&bytes);
            }
        }
        String::from_utf8(out).unwrap()
    }

    /// Advance the clock by `ms` in cron-sized steps, running the cron at each step.
    fn run_cron_for(&mut self, ms: u64) {
        let step = 1000 / u64::from(self.srv.state().config.hz);
        for _ in 0..ms / step {
            self.now = self.now.add_millis(step);
            self.srv.handle_timeout(self.now);
        }
    }

    fn stored_keys(&self, db: usize) -> usize {
        self.srv.state().keyspace.dbs[db].len()
    }

    /// The propagated stream as (db, argv) commands; `SELECT` is folded into the db.
    fn propagated(&mut self) -> Vec<(usize, Vec<String>)> {
        let raw = self.srv.take_repl_stream();
        let text = String::from_utf8(raw.to_vec()).unwrap();
        let mut lines = text.split("\r\n");
        let mut db = usize::MAX;
        let mut out = Vec::new();
        while let Some(head) = lines.next() {
            if head.is_empty() {
                continue;
            }
            let n: usize = head.strip_prefix('*').expect("an array").parse().unwrap();
            let mut argv = Vec::new();
            for _ in 0..n {
                let _len = lines.next().unwrap();
                argv.push(lines.next().unwrap().to_string());
            }
            if argv[0] == "SELECT" {
                db = argv[1].parse().unwrap();
            } else {
                out.push((db, argv));
            }
        }
        out
    }
}

fn fill(h: &mut H) -> BTreeSet<(usize, String)> {
    let mut expiring = BTreeSet::new();
    for i in 0..30 {
        assert_eq!(h.cmd(&format!("SET vol:{i} v PX 100")), "+OK\r\n");
        expiring.insert((0, format!("vol:{i}")));
    }
    for i in 0..5 {
        assert_eq!(h.cmd(&format!("SET keep:{i} v")), "+OK\r\n");
    }
    assert_eq!(h.cmd("SELECT 2"), "+OK\r\n");
    for i in 0..3 {
        assert_eq!(h.cmd(&format!("SET other:{i} v PX 150")), "+OK\r\n");
        expiring.insert((2, format!("other:{i}")));
    }
    assert_eq!(h.cmd("SELECT 0"), "+OK\r\n");
    h.propagated(); // the writes above
    expiring
}

#[test]
fn master_deletes_expired_keys_nobody_reads_and_propagates_lone_dels() {
    let mut h = H::new(Config::default());
    let expiring = fill(&mut h);

    // Before the keys are due, the cycle samples them and deletes nothing.
    h.run_cron_for(90);
    assert_eq!(h.stored_keys(0), 35);
    assert_eq!(h.stored_keys(2), 3);
    assert!(h.propagated().is_empty());

    // Well after: every expired key goes, without any client touching it.
    h.run_cron_for(3000);
    assert_eq!(h.stored_keys(0), 5, "only the keys without a TTL stay");
    assert_eq!(h.stored_keys(2), 0);
    assert_eq!(h.srv.state().stats.expired_keys, 33);

    let ops = h.propagated();
    let mut deleted = BTreeSet::new();
    for (db, argv) in &ops {
        assert_eq!(argv.len(), 2, "a lone DEL per key, never MULTI: {argv:?}");
        assert_eq!(argv[0], "DEL");
        assert!(
            deleted.insert((*db, argv[1].clone())),
            "deleted twice: {argv:?}"
        );
    }
    assert_eq!(deleted, expiring);
    assert!(h.cmd("INFO stats").contains("expired_keys:33\r\n"));
    assert_eq!(h.cmd("DBSIZE"), ":5\r\n");
}

#[test]
fn select_is_propagated_only_when_the_db_changes() {
    let mut h = H::new(Config::default());
    fill(&mut h);
    h.run_cron_for(3000);
    let raw = String::from_utf8(h.srv.take_repl_stream().to_vec()).unwrap();
    // The cycle walks db 0 then db 2: at most one SELECT each.
    assert_eq!(raw.matches("SELECT").count(), 2, "{raw}");
    assert!(
        raw.starts_with("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"),
        "{raw}"
    );
    assert!(raw.contains("*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n"));
}

#[test]
fn lazyfree_lazy_expire_propagates_unlink() {
    let cfg = Config {
        lazyfree_lazy_expire: true,
        ..Config::default()
    };
    let mut h = H::new(cfg);
    fill(&mut h);
    h.run_cron_for(3000);
    let ops = h.propagated();
    assert_eq!(ops.len(), 33);
    assert!(ops
        .iter()
        .all(|(_, argv)| argv[0] == "UNLINK" && argv.len() == 2));
}

#[test]
fn replica_keeps_expired_keys_for_the_master_but_hides_them_from_readers() {
    let mut h = H::new(Config::default());
    fill(&mut h);
    h.srv.state_mut().config.replicaof = Some(("127.0.0.1".to_string(), 6379));

    h.run_cron_for(3000);
    assert_eq!(h.stored_keys(0), 35, "a replica never expires keys itself");
    assert_eq!(h.stored_keys(2), 3);
    assert_eq!(h.srv.state().stats.expired_keys, 0);
    assert!(h.propagated().is_empty());

    // Readers see them as missing, and reading does not delete them either.
    assert_eq!(h.cmd("GET vol:7"), "$-1\r\n");
    assert_eq!(h.cmd("EXISTS vol:7 keep:1"), ":1\r\n");
    assert_eq!(h.cmd("GET keep:1"), "$1\r\nv\r\n");
    assert_eq!(h.stored_keys(0), 35);
}

#[test]
fn debug_set_active_expire_0_stops_the_cycle() {
    let cfg = Config {
        enable_debug_command: replscope_core::config::ProtectedAction::Yes,
        ..Config::default()
    };
    let mut h = H::new(cfg);
    fill(&mut h);
    assert_eq!(h.cmd("DEBUG SET-ACTIVE-EXPIRE 0"), "+OK\r\n");
    h.run_cron_for(3000);
    assert_eq!(h.stored_keys(0), 35);
    assert_eq!(h.cmd("DEBUG SET-ACTIVE-EXPIRE 1"), "+OK\r\n");
    h.run_cron_for(3000);
    assert_eq!(h.stored_keys(0), 5);
}

#[test]
fn avg_ttl_in_info_keyspace_follows_the_cycle_samples() {
    let mut h = H::new(Config::default());
    for i in 0..10 {
        assert_eq!(h.cmd(&format!("SET t:{i} v EX 1000")), "+OK\r\n");
    }
    assert!(h
        .cmd("INFO keyspace")
        .contains("db0:keys=10,expires=10,avg_ttl=0\r\n"));
    h.run_cron_for(100);
    // One cycle 100 ms later: every sampled TTL is 999900 ms; Redis's running average
    // (first estimate = sample, then 49/50 old + 1/50 new, in integer steps).
    let first = (999_900 / 50) * 49 + 999_900 / 50;
    assert_eq!(h.srv.state().keyspace.dbs[0].avg_ttl, first);
    assert!(h
        .cmd("INFO keyspace")
        .contains(&format!("avg_ttl={first}\r\n")));
    assert_eq!(h.cmd("FLUSHALL"), "+OK\r\n");
    assert_eq!(h.srv.state().keyspace.dbs[0].avg_ttl, 0);
}
