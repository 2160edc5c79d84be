//! Helpers shared by the replication interop tests (ours and a real redis-server in either
//! role): INFO parsing, polling with logs on timeout, and a dataset spread over several dbs.

use std::time::{Duration, Instant};

use super::{cli, parse_reply, Conn, Reply, ServerProc};

/// The reply bytes as text.
pub fn text(r: Vec<u8>) -> String {
    String::from_utf8_lossy(&r).into_owned()
}

pub fn info(c: &mut Conn, section: &str) -> String {
    let raw = c.cmd(&["INFO", section]);
    let (r, _) = parse_reply(&raw).unwrap().unwrap();
    match r {
        Reply::Blob(_, Some(b)) => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("INFO reply {other:?}"),
    }
}

pub fn field(info: &str, name: &str) -> Option<String> {
    info.split("\r\n")
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(str::to_string)
}

/// Poll `cond` every 50 ms for up to `secs`; panics with `what` and the logs otherwise.
pub fn wait_for(
    secs: u64,
    what: &str,
    ours: &ServerProc,
    redis: &ServerProc,
    redis_role: &str,
    mut cond: impl FnMut() -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "timed out waiting for {what}\n--- our log ---\n{}\n--- {redis_role} log ---\n{}",
        ours.log(),
        redis.log()
    );
}

/// `master_repl_offset` of a server.
pub fn master_offset(c: &mut Conn) -> i64 {
    field(&info(c, "replication"), "master_repl_offset")
        .unwrap()
        .parse()
        .unwrap()
}

/// `slave_repl_offset` of a replica (none on a master).
pub fn replica_offset(c: &mut Conn) -> Option<i64> {
    field(&info(c, "replication"), "slave_repl_offset").and_then(|v| v.parse().ok())
}

/// Wait up to `secs` for the real replica `redis` to be linked and at our offset, then
/// require the same `DEBUG DIGEST` on both.
pub fn assert_converged(ours: &ServerProc, redis: &ServerProc, secs: u64, context: &str) {
    let mut o = ours.connect();
    let mut r = redis.connect();
    wait_for(
        secs,
        &format!("offsets to converge ({context})"),
        ours,
        redis,
        "replica",
        || {
            let link_up =
                field(&info(&mut r, "replication"), "master_link_status").as_deref() == Some("up");
            link_up && replica_offset(&mut r) == Some(master_offset(&mut o))
        },
    );
    assert_eq!(
        text(o.cmd(&["DEBUG", "DIGEST"])),
        text(r.cmd(&["DEBUG", "DIGEST"])),
        "DEBUG DIGEST after {context}"
    );
}

/// `redis-cli --rdb` from `ours` (see [`cli::rdb`]) loaded into a real redis-server, which is
/// returned: panics unless it has the same `DEBUG DIGEST` as `ours`.
pub fn assert_cli_rdb_loads(ours: &ServerProc) -> ServerProc {
    let digest = text(ours.connect().cmd(&["DEBUG", "DIGEST"]));
    let loaded = ServerProc::redis_from_rdb(&cli::rdb(ours.port));
    assert_eq!(
        text(loaded.connect().cmd(&["DEBUG", "DIGEST"])),
        digest,
        "DEBUG DIGEST of the redis-cli --rdb file loaded in a real redis-server"
    );
    loaded
}

pub fn write_dataset(c: &mut Conn, tag: &str) {
    let k = |s: &str| format!("{tag}:{s}");
    assert_eq!(text(c.cmd(&["SELECT", "0"])), "+OK\r\n");
    c.cmd(&["SET", &k("str"), "hello"]);
    c.cmd(&["SET", &k("int"), "12345"]);
    c.cmd(&["INCRBY", &k("int"), "5"]);
    c.cmd(&["RPUSH", &k("list"), "a", "b", "c", "1", "2"]);
    c.cmd(&["HSET", &k("hash"), "f1", "v1", "f2", "v2"]);
    c.cmd(&["SADD", &k("set"), "x", "y", "z", "7"]);
    c.cmd(&["ZADD", &k("zset"), "1.5", "a", "2", "b", "-3", "c"]);
    c.cmd(&["SET", &k("ttl"), "v", "EX", "100000"]);
    assert_eq!(text(c.cmd(&["SELECT", "3"])), "+OK\r\n");
    c.cmd(&["SET", &k("db3"), "three"]);
    c.cmd(&["LPUSH", &k("db3list"), "q", "r"]);
    let big = "z".repeat(20_000);
    c.cmd(&["SET", &k("big"), &big]);
    assert_eq!(text(c.cmd(&["SELECT", "0"])), "+OK\r\n");
}
