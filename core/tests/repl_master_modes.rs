//! Full syncs served by a BGSAVE for replication that takes time (spec §2.3, §2.4, §8.1–8.3):
//! diskless (`$EOF:`) transfers after `repl-diskless-sync-delay`, disk BGSAVEs with the
//! stream accumulated meanwhile, replicas attaching to a running BGSAVE or waiting for the
//! next one, keepalive newlines, the stream held until the first ACK after a diskless
//! transfer, and `client-output-buffer-limit replica`. A fake replica speaks the bytes a
//! 7.0.15 replica sends; the expected bytes and log lines are what a real 7.0.15 master
//! produced for the same exchanges.

#![allow(clippy::field_reassign_with_default)]

use replscope_core::client::{ClientId, PeerInfo};
use replscope_core::config::Config;
use replscope_core::persist::MemStorage;
use replscope_core::rdb::decode::decode_all;
use replscope_core::server::{Output, Server};
use replscope_core::time::Time;

mod support;

use support::{resp_cmd as resp, NOW_MS};

fn words(line: &str) -> Vec<u8> {
    let v: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
    resp(&v)
}

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn peer(port: u16) -> PeerInfo {
    PeerInfo {
        addr: format!("127.0.0.1:{port}"),
        laddr: "127.0.0.1:6379".into(),
        fd: 8,
    }
}

/// A master, one normal client, replica connections; outputs collected per client.
struct M {
    srv: Server,
    now: Time,
    c: ClientId,
    storage: MemStorage,
    logs: Vec<String>,
    closed: Vec<ClientId>,
    got: Vec<(ClientId, Vec<u8>)>,
}

impl M {
    /// A master with `cfg` (after its first cron tick).
    fn new(cfg: Config) -> Self {
        let now = Time::from_millis(NOW_MS);
        let mut srv = Server::new(cfg, 11, now);
        let storage = MemStorage::new();
        srv.set_storage(Box::new(storage.clone()));
        let c = srv.handle_accept(now, peer(40000));
        let mut m = M {
            srv,
            now,
            c,
            storage,
            logs: Vec::new(),
            closed: Vec::new(),
            got: Vec::new(),
        };
        m.tick(100);
        m.take_all();
        m
    }

    fn collect(&mut self) {
        while let Some(o) = self.srv.poll_output() {
            match o {
                Output::Transmit { client, bytes } => {
                    match self.got.iter_mut().find(|(c, _)| *c == client) {
                        Some((_, b)) => b.extend_from_slice(&bytes),
                        None => self.got.push((client, bytes.to_vec())),
                    }
                }
                Output::Log { message, .. } => self.logs.push(message),
                Output::Close { client } => self.closed.push(client),
                _ => {}
            }
        }
    }

    /// What `id` received since the last call.
    fn take(&mut self, id: ClientId) -> Vec<u8> {
        self.collect();
        match self.got.iter().position(|(c, _)| *c == id) {
            Some(p) => self.got.remove(p).1,
            None => Vec::new(),
        }
    }

    fn take_all(&mut self) {
        self.collect();
        self.got.clear();
    }

    /// Send `bytes` from `id`; what `id` got back.
    fn to(&mut self, id: ClientId, bytes: &[u8]) -> Vec<u8> {
        self.srv.handle_input(self.now, id, bytes);
        self.take(id)
    }

    fn cmd(&mut self, line: &str) -> String {
        let c = self.c;
        s(&self.to(c, &words(line)))
    }

    /// Run the timers up to `ms` milliseconds from now.
    fn tick(&mut self, ms: u64) {
        let end = self.now.add_micros(ms * 1000);
        loop {
            let next = self.srv.poll_timeout().unwrap();
            if next > end {
                break;
            }
            self.now = next;
            self.srv.handle_timeout(next);
            self.collect();
        }
        self.now = end;
    }

    /// A replica's handshake (PING, listening-port, capa eof psync2 when `eof`), then
    /// `PSYNC ? -1`; the PSYNC's immediate answer.
    fn replica(&mut self, port: u16, eof: bool) -> (ClientId, Vec<u8>) {
        let r = self.srv.handle_accept(self.now, peer(50000 + port % 1000));
        assert_eq!(self.to(r, b"*1\r\n$4\r\nPING\r\n"), b"+PONG\r\n");
        let port_s = port.to_string();
        let mut burst = resp(&[b"REPLCONF", b"listening-port", port_s.as_bytes()]);
        if eof {
            burst.extend_from_slice(&resp(&[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"]));
        } else {
            burst.extend_from_slice(&resp(&[b"REPLCONF", b"capa", b"psync2"]));
        }
        assert_eq!(self.to(r, &burst), b"+OK\r\n+OK\r\n");
        let reply = self.to(r, &resp(&[b"PSYNC", b"?", b"-1"]));
        (r, reply)
    }

    fn info_repl(&mut self) -> String {
        self.cmd("info replication")
    }

    fn has_log(&self, line: &str) -> bool {
        self.logs.iter().any(|l| l == line)
    }

    /// Index of the first log line equal to `line`.
    fn log_pos(&self, line: &str) -> usize {
        self.logs
            .iter()
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("no log line {line:?} in {:#?}", self.logs))
    }
}

/// Split `+FULLRESYNC <id> <off>\r\n` off the front: (id, offset, rest).
fn fullresync(b: &[u8]) -> (String, i64, Vec<u8>) {
    let end = b
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or_else(|| panic!("no line in {}", s(b)));
    let line = s(&b[..end]);
    let mut parts = line.split(' ');
    assert_eq!(parts.next(), Some("+FULLRESYNC"), "{}", s(b));
    let id = parts.next().unwrap().to_string();
    let off = parts.next().unwrap().parse().unwrap();
    (id, off, b[end + 2..].to_vec())
}

/// Without the keepalive newlines in front.
fn strip_nl(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&c| c == b'\n').count();
    &b[n..]
}

/// Split `$EOF:<mark>\r\n<rdb><mark>` off the front: (rdb, rest).
fn eof_payload(b: &[u8]) -> (Vec<u8>, Vec<u8>) {
    assert!(b.starts_with(b"$EOF:"), "{}", s(b));
    let mark = &b[5..45];
    assert!(mark.iter().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(&b[45..47], b"\r\n");
    let body = &b[47..];
    let end = body
        .windows(40)
        .position(|w| w == mark)
        .expect("the mark closes the payload");
    (body[..end].to_vec(), body[end + 40..].to_vec())
}

/// Split `$<len>\r\n<rdb>` off the front: (rdb, rest).
fn len_payload(b: &[u8]) -> (Vec<u8>, Vec<u8>) {
    assert_eq!(b[0], b'$', "{}", s(b));
    let e = b.windows(2).position(|w| w == b"\r\n").unwrap();
    let len: usize = s(&b[1..e]).parse().unwrap();
    (b[e + 2..e + 2 + len].to_vec(), b[e + 2 + len..].to_vec())
}

fn select0_set(k: &str, v: &str) -> Vec<u8> {
    let mut w = resp(&[b"SELECT", b"0"]);
    w.extend_from_slice(&resp(&[b"set", k.as_bytes(), v.as_bytes()]));
    w
}

const ACK: fn(i64) -> Vec<u8> = |off| resp(&[b"REPLCONF", b"ACK", off.to_string().as_bytes()]);

/// 7.0 defaults: diskless sync after a 5 s delay with newlines every second meanwhile; the
/// `$EOF:` payload; a write made before the fork is in the RDB (and the backlog), not sent
/// again; a write during the transfer is held until the replica's first ACK.
#[test]
fn diskless_sync_after_the_delay_holds_the_stream_until_ack() {
    let mut m = M::new(Config::default());
    m.cmd("set a 1");
    let (r, reply) = m.replica(6380, true);
    assert!(reply.is_empty(), "{}", s(&reply));
    assert!(m.has_log("Delay next BGSAVE for diskless SYNC"));
    assert!(m.to(m.c, &words("set before-fork 1")).starts_with(b"+OK"));
    assert!(
        m.take(r).is_empty(),
        "not fed before its BGSAVE starts (WAIT_BGSAVE_START)"
    );
    // One newline per replication cron (once a second, at .1) until the fork, when the
    // replica idled 5 s.
    m.tick(3950);
    assert_eq!(s(&m.take(r)), "\n\n\n");
    assert!(m.info_repl().contains(",state=wait_bgsave,"));
    m.tick(1000);
    assert_eq!(s(&m.take(r)), "\n");
    m.tick(100);
    let out = m.take(r);
    assert_eq!(out[0], b'\n');
    let (_, off, rest) = fullresync(&out[1..]);
    assert!(rest.is_empty());
    // The write during WAIT_BGSAVE_START went to the backlog before the fork.
    assert_eq!(off, select0_set("before-fork", "1").len() as i64);
    // The payload comes when the child ends (the next cron tick here).
    m.tick(100);
    let (rdb, rest) = eof_payload(&m.take(r));
    assert!(rest.is_empty());
    let file = decode_all(&rdb, Default::default()).unwrap();
    assert_eq!(file.keys.len(), 2);
    for line in [
        "Starting BGSAVE for SYNC with target: replicas sockets",
        "Diskless rdb transfer, done reading from pipe, 1 replicas still up.",
        "Background RDB transfer terminated with success",
        "Streamed RDB transfer with replica 127.0.0.1:6380 succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming",
        "Synchronization with replica 127.0.0.1:6380 succeeded",
    ] {
        m.log_pos(line);
    }
    assert!(m
        .logs
        .iter()
        .any(|l| l.starts_with("Background RDB transfer started by pid ")));
    assert!(m.info_repl().contains(",state=online,"));
    // Online, but the stream waits for the first ACK.
    m.cmd("set after 2");
    m.tick(1500);
    assert!(m.take(r).is_empty());
    let got = m.to(r, &ACK(off));
    assert_eq!(s(&got), s(&select0_set("after", "2")));
    assert!(!m.closed.contains(&r), "not a rogue reply");
    // From then on the stream flows at once.
    m.cmd("set x y");
    assert_eq!(s(&m.take(r)), s(&resp(&[b"set", b"x", b"y"])));
}

/// `repl-diskless-sync-max-replicas`: the transfer starts as soon as enough replicas wait;
/// both get the same `+FULLRESYNC` offset.
#[test]
fn diskless_max_replicas_starts_early() {
    let mut cfg = Config::default();
    cfg.repl_diskless_sync_max_replicas = 2;
    let mut m = M::new(cfg);
    let (r1, a) = m.replica(6380, true);
    let (r2, b) = m.replica(6381, true);
    assert!(a.is_empty() && b.is_empty());
    // The next replication cron (once a second) starts it; its newline comes first.
    m.tick(1000);
    let (id1, off1, _) = fullresync(strip_nl(&m.take(r1)));
    let (id2, off2, _) = fullresync(strip_nl(&m.take(r2)));
    // The payload comes when the child ends (the next cron tick here).
    m.tick(100);
    let (rest1, rest2) = (m.take(r1), m.take(r2));
    assert_eq!((id1, off1), (id2, off2));
    assert_eq!(eof_payload(&rest1).0, eof_payload(&rest2).0);
}

/// A replica without `capa eof` gets a disk sync even with diskless sync on, started at
/// once: `+FULLRESYNC` now, the `$<len>` payload when the BGSAVE ends.
#[test]
fn no_eof_capa_means_disk_target() {
    let mut m = M::new(Config::default());
    m.cmd("set a 1");
    let (r, reply) = m.replica(6380, false);
    let (_, off, rest) = fullresync(&reply);
    assert_eq!(off, 0);
    assert!(rest.is_empty());
    assert!(m.has_log("Starting BGSAVE for SYNC with target: disk"));
    m.tick(100);
    let (rdb, rest) = len_payload(&m.take(r));
    assert!(rest.is_empty());
    assert_eq!(decode_all(&rdb, Default::default()).unwrap().keys.len(), 1);
    // The disk BGSAVE is a real one: it wrote the dump.
    assert!(m.storage.saves() >= 1);
    assert!(m.has_log("Background saving terminated with success"));
    assert!(m.has_log("Synchronization with replica 127.0.0.1:6380 succeeded"));
}

/// A disk BGSAVE that takes time (`rdb-key-save-delay`): the master keeps serving; writes
/// meanwhile are accumulated for the replica and follow the RDB; newlines keep the replica
/// alive while it waits; a second replica arriving meanwhile attaches to the same BGSAVE
/// with the same offset and the same accumulated writes.
#[test]
fn slow_disk_bgsave_buffers_writes_and_attaches_replicas() {
    let mut cfg = Config::default();
    cfg.repl_diskless_sync = false;
    // 1 s per key, 3 keys: the child needs 3 s.
    cfg.rdb_key_save_delay = 1_000_000;
    let mut m = M::new(cfg);
    m.cmd("set a 1");
    m.cmd("set b 2");
    m.cmd("set c 3");
    let (r1, reply) = m.replica(6380, true);
    let (id, off, rest) = fullresync(&reply);
    assert!(rest.is_empty());
    assert!(m.has_log("Starting BGSAVE for SYNC with target: disk"));
    assert!(m
        .cmd("info persistence")
        .contains("rdb_bgsave_in_progress:1"));
    assert_eq!(m.cmd("set during 1"), "+OK\r\n");
    m.tick(1000);
    // WAIT_BGSAVE_END with a disk target: a newline each second, the writes held.
    assert_eq!(s(&m.take(r1)), "\n");
    let (r2, reply2) = m.replica(6381, true);
    assert!(m.has_log("Waiting for end of BGSAVE for SYNC"));
    assert_eq!(s(&reply2), format!("+FULLRESYNC {id} {off}\r\n"));
    assert_eq!(m.cmd("set during 2"), "+OK\r\n");
    m.tick(1000);
    assert_eq!(s(&m.take(r1)), "\n");
    assert_eq!(s(&m.take(r2)), "\n");
    m.tick(1200);
    // The second replica's setup forced a SELECT again (slaveseldb = -1), as in Redis.
    let mut stream = select0_set("during", "1");
    stream.extend_from_slice(&select0_set("during", "2"));
    for r in [r1, r2] {
        let (rdb, rest) = len_payload(&m.take(r));
        let file = decode_all(&rdb, Default::default()).unwrap();
        assert_eq!(file.keys.len(), 3, "the snapshot is from the fork");
        assert_eq!(s(&rest), s(&stream), "the writes follow the RDB");
    }
    assert_eq!(m.info_repl().matches(",state=online,").count(), 2);
}

/// A user BGSAVE without a replica accumulating: the replica waits for the next BGSAVE,
/// which starts when that one ends.
#[test]
fn replica_waits_for_the_next_bgsave() {
    let mut cfg = Config::default();
    cfg.repl_diskless_sync = false;
    cfg.rdb_key_save_delay = 1_000_000;
    let mut m = M::new(cfg);
    m.cmd("set a 1");
    assert_eq!(m.cmd("bgsave"), "+Background saving started\r\n");
    let (r, reply) = m.replica(6380, true);
    assert!(reply.is_empty());
    assert!(m.has_log(
        "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC"
    ));
    // The user BGSAVE (1 key, 1 s) ends at the 1.1 s tick: the replica's starts then, and
    // the replication cron of the same tick sends it a newline.
    m.tick(1050);
    let (_, _, rest) = fullresync(&m.take(r));
    assert_eq!(s(&rest), "\n");
    m.tick(1000);
    let out = m.take(r);
    let (rdb, _) = len_payload(strip_nl(&out));
    assert_eq!(decode_all(&rdb, Default::default()).unwrap().keys.len(), 1);
}

/// A diskless transfer is running: a new replica waits for the next BGSAVE.
#[test]
fn socket_target_running_means_next_bgsave() {
    let mut cfg = Config::default();
    cfg.repl_diskless_sync_delay = 0;
    cfg.rdb_key_save_delay = 1_000_000;
    let mut m = M::new(cfg);
    m.cmd("set a 1");
    m.cmd("set b 2");
    let (r1, reply) = m.replica(6380, true);
    fullresync(&reply);
    let (r2, reply2) = m.replica(6381, true);
    assert!(reply2.is_empty());
    assert!(m.has_log("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC"));
    // No newlines during a socket transfer; the waiting replica gets them.
    m.tick(1000);
    assert!(m.take(r1).is_empty());
    assert_eq!(s(&m.take(r2)), "\n");
    m.tick(1100);
    let (_, rest) = eof_payload(&m.take(r1));
    assert!(rest.is_empty());
    // The next transfer started right after (delay 0): r2 has its +FULLRESYNC.
    let (_, _, rest) = fullresync(&m.take(r2));
    assert!(rest.is_empty());
    m.tick(2100);
    let out = m.take(r2);
    eof_payload(&out);
}

/// The simulator's cost knob (ns per key) makes a transfer take simulated time.
#[test]
fn child_cost_knob_delays_the_transfer() {
    let mut cfg = Config::default();
    cfg.repl_diskless_sync_delay = 0;
    let mut m = M::new(cfg);
    for i in 0..10 {
        m.cmd(&format!("set k{i} v"));
    }
    m.srv.state_mut().persist.child_cost_ns_per_key = 300_000_000;
    let (r, reply) = m.replica(6380, true);
    fullresync(&reply);
    m.tick(2900);
    assert!(m.take(r).is_empty());
    m.tick(200);
    eof_payload(&m.take(r));
}

/// The fork fails: the waiting replicas are told and closed.
#[test]
fn bgsave_fork_failure_fails_the_replicas() {
    let mut cfg = Config::default();
    cfg.repl_diskless_sync = false;
    let mut m = M::new(cfg);
    m.storage.set_fail_fork(Some("Cannot allocate memory"));
    let (r, reply) = m.replica(6380, true);
    assert_eq!(
        s(&reply),
        "-ERR BGSAVE failed, replication can't continue\r\n"
    );
    assert!(m.closed.contains(&r));
    assert!(m.has_log("Can't save in background: fork: Cannot allocate memory"));
    assert!(m.has_log("BGSAVE for replication failed"));
    assert!(m.cmd("info replication").contains("connected_slaves:0"));
}

/// `redis-cli --rdb`: capa eof, rdb-only, SYNC: the diskless payload, then the connection
/// is closed (after the delay, like any replica).
#[test]
fn rdb_only_diskless() {
    let mut m = M::new(Config::default());
    m.cmd("set a 1");
    let r = m.srv.handle_accept(m.now, peer(4445));
    assert_eq!(m.to(r, &resp(&[b"REPLCONF", b"capa", b"eof"])), b"+OK\r\n");
    assert_eq!(
        m.to(r, &resp(&[b"REPLCONF", b"rdb-only", b"1"])),
        b"+OK\r\n"
    );
    assert!(m.to(r, b"SYNC\r\n").is_empty());
    m.tick(6000);
    let out = m.take(r);
    let start = out.iter().position(|&c| c != b'\n').unwrap();
    let (rdb, rest) = eof_payload(&out[start..]);
    assert!(rest.is_empty());
    assert_eq!(decode_all(&rdb, Default::default()).unwrap().keys.len(), 1);
    assert!(m.closed.contains(&r));
    assert!(m.has_log(
        "RDB transfer completed, rdb only replica (127.0.0.1:<unknown-replica-port>) should be disconnected asap"
    ));
    assert!(m.cmd("info replication").contains("connected_slaves:0"));
}

/// A replica whose accumulated stream passes the hard limit (never below
/// `repl-backlog-size`) is dropped at once, and its next PSYNC is a full resync.
#[test]
fn obuf_hard_limit_drops_a_replica_waiting_for_its_rdb() {
    let mut cfg = Config::default();
    cfg.repl_diskless_sync = false;
    cfg.rdb_key_save_delay = 1_000_000;
    cfg.repl_backlog_size = 16384;
    cfg.client_output_buffer_limit.replica.hard = 1000;
    cfg.client_output_buffer_limit.replica.soft = 0;
    let mut m = M::new(cfg);
    m.cmd("set a 1");
    let (r, reply) = m.replica(6380, true);
    fullresync(&reply);
    // 10 KiB: under the effective hard limit (16384, the backlog size).
    m.cmd(&format!("set big {}", "x".repeat(10_000)));
    assert!(!m.closed.contains(&r));
    m.cmd(&format!("set big {}", "y".repeat(10_000)));
    assert!(m.closed.contains(&r));
    let over = m
        .logs
        .iter()
        .position(|l| {
            l.starts_with("Client id=")
                && l.ends_with(
                    " scheduled to be closed ASAP for overcoming of output buffer limits.",
                )
        })
        .expect("obuf log line");
    let lost = m.log_pos("Connection with replica 127.0.0.1:6380 lost.");
    assert!(over < lost);
    assert!(m.cmd("info replication").contains("connected_slaves:0"));
    // It comes back: full resync again, after the running BGSAVE (nobody accumulates for
    // it any more, so it waits for the next one).
    let (r, reply) = m.replica(6380, true);
    assert!(reply.is_empty());
    m.tick(1100);
    fullresync(strip_nl(&m.take(r)));
    assert!(m.cmd("info stats").contains("sync_full:2\r\n"));
}

/// The soft limit: over it for longer than its seconds (checked by the cron) drops the
/// replica; the log line follows the one about the lost connection.
#[test]
fn obuf_soft_limit_from_driver_reports() {
    let mut cfg = Config::default();
    cfg.repl_diskless_sync = false;
    cfg.client_output_buffer_limit.replica.soft = 1000;
    cfg.client_output_buffer_limit.replica.soft_seconds = 2;
    let mut m = M::new(cfg);
    let (r, reply) = m.replica(6380, true);
    fullresync(&reply);
    m.tick(100);
    len_payload(&m.take(r));
    // The RDB bytes still unwritten do not count.
    m.srv.handle_output_pending(m.now, r, 50_000);
    m.tick(3000);
    assert!(!m.closed.contains(&r));
    // Stream bytes stuck in the socket do.
    m.cmd(&format!("set big {}", "x".repeat(5000)));
    m.srv.handle_output_pending(m.now, r, 55_000);
    m.tick(2000);
    assert!(!m.closed.contains(&r), "soft limit for 2 s is allowed");
    m.tick(1100);
    assert!(m.closed.contains(&r));
    let lost = m.log_pos("Connection with replica 127.0.0.1:6380 lost.");
    assert!(m.logs[lost + 1].starts_with("Client id="));
    assert!(m.logs[lost + 1].ends_with(" closed for overcoming of output buffer limits."));
}

/// A diskless transfer whose only replica goes away is killed.
#[test]
fn transfer_killed_when_last_replica_drops() {
    let mut cfg = Config::default();
    cfg.repl_diskless_sync_delay = 0;
    cfg.rdb_key_save_delay = 1_000_000;
    let mut m = M::new(cfg);
    m.cmd("set a 1");
    let (r, _) = m.replica(6380, true);
    m.srv.handle_close(m.now, r);
    m.collect();
    assert!(m.has_log("Diskless rdb transfer, last replica dropped, killing fork child."));
    m.tick(1100);
    assert!(m.has_log("Background transfer terminated by signal 10"));
    assert!(m
        .cmd("info persistence")
        .contains("rdb_bgsave_in_progress:0"));
}

/// In the simulator a full sync of a large dataset takes simulated time (the node's cost
/// knob): the master keeps answering clients meanwhile, and a write made during the
/// transfer reaches the replica after its RDB.
#[test]
fn simulated_full_sync_takes_time_and_the_master_keeps_serving() {
    use replscope_core::sim::{ChunkPolicy, Dest, LinkParams, Probe, Simulator};
    let t0 = Time::from_millis(NOW_MS);
    let mut sim: Simulator = Simulator::new(5, t0);
    sim.set_default_link(LinkParams {
        latency_us: 500,
        bandwidth: 0,
        chunking: ChunkPolicy::Whole,
    });
    let mut mcfg = Config::default();
    mcfg.repl_diskless_sync_delay = 0;
    let mut master = Server::new(mcfg, 1, t0);
    let c = master.handle_accept(t0, peer(40000));
    let mut load = Vec::new();
    for i in 0..2000 {
        load.extend_from_slice(&words(&format!("set key:{i} v")));
    }
    master.handle_input(t0, c, &load);
    master.handle_close(t0, c);
    while master.poll_output().is_some() {}
    // 1 ms per key: the transfer takes 2 s.
    master.set_snapshot_cost_ns_per_key(1_000_000);
    let m = sim.add_node(Box::new(master), Some(6379));
    let mut rcfg = Config::default();
    rcfg.port = 6380;
    rcfg.replicaof = Some((sim.addr_of(m).to_string(), 6379));
    let r = sim.add_node(Box::new(Server::new(rcfg, 2, t0)), Some(6380));
    let p = sim.add_node(Box::new(Probe::new()), None);
    let conn = sim
        .with_node_as(p, |pr: &mut Probe, _| pr.connect(Dest::Node(m)))
        .unwrap();
    sim.run_until(t0.add_millis(1000));
    let keys = |sim: &Simulator| {
        sim.node_as::<Server>(r)
            .unwrap()
            .state()
            .keyspace
            .total_keys()
    };
    assert_eq!(keys(&sim), 0, "still transferring");
    sim.with_node_as(p, |pr: &mut Probe, _| {
        pr.send(conn, &words("set during-sync 1"))
    })
    .unwrap();
    sim.run_until(t0.add_millis(1010));
    assert_eq!(
        sim.node_as::<Probe>(p)
            .unwrap()
            .conn(conn)
            .unwrap()
            .received,
        b"+OK\r\n",
        "answered at once"
    );
    sim.run_until(t0.add_millis(1900));
    assert_eq!(keys(&sim), 0);
    sim.run_until(t0.add_millis(3000));
    assert_eq!(
        keys(&sim),
        2001,
        "the RDB, then the write made during the transfer"
    );
}
