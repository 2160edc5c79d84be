//! A writable replica (`replica-read-only no`) expires the keys its own clients gave a TTL
//! (Redis's `rememberSlaveKeyWithExpire` / `expireSlaveKeys`), never its master's: those go
//! only when the master's `DEL` arrives. Checked against redis-server 7.0.15 (spec §8.17's
//! writable-replica case, server/tests/spec_o_replica.rs).

mod repl_net;

use repl_net::{config, Net};

#[test]
fn writable_replica_expires_only_its_own_keys() {
    let mut net = Net::new();
    let m = net.add(config(7001, None), 1);
    let r = net.add(config(7002, Some(7001)), 2);
    net.advance_ms(1500);
    assert_eq!(net.info(r, "master_link_status").as_deref(), Some("up"));
    // A key with a TTL from the master, and the master's active expiry switched off: the
    // replica must keep it until a DEL comes.
    assert_eq!(net.cmd(m, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), "+OK\r\n");
    assert_eq!(
        net.cmd(m, &["SET", "from-master", "1", "PX", "200"]),
        "+OK\r\n"
    );
    net.advance_ms(100);
    assert_eq!(
        net.cmd(r, &["CONFIG", "SET", "replica-read-only", "no"]),
        "+OK\r\n"
    );
    assert_eq!(net.cmd(r, &["SELECT", "5"]), "+OK\r\n");
    for k in ["key1", "key2", "key3"] {
        assert_eq!(net.cmd(r, &["SET", k, "1", "PX", "300"]), "+OK\r\n");
    }
    assert_eq!(net.cmd(r, &["SET", "no-ttl", "1"]), "+OK\r\n");
    assert_eq!(net.cmd(r, &["EXPIRE", "no-ttl", "100"]), ":1\r\n");
    assert_eq!(net.cmd(r, &["PERSIST", "no-ttl"]), ":1\r\n");
    assert_eq!(net.cmd(r, &["DBSIZE"]), ":4\r\n");
    net.advance_ms(600);
    // Its own expired keys are gone (the cron deleted them: DBSIZE does not expire lazily);
    // the persisted one stays.
    assert_eq!(net.cmd(r, &["DBSIZE"]), ":1\r\n");
    assert_eq!(net.cmd(r, &["SELECT", "0"]), "+OK\r\n");
    // The master's key is past its TTL but still there: only the master deletes it.
    assert_eq!(net.cmd(r, &["DBSIZE"]), ":1\r\n");
    assert_eq!(net.cmd(m, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"]), "+OK\r\n");
    net.advance_ms(500);
    assert_eq!(net.cmd(r, &["DBSIZE"]), ":0\r\n");
}
