//! The master side of replication in the sans-IO server: a fake replica client speaks the
//! exact bytes a 7.0.15 replica sends (spec §1.2) and every reply, RDB and stream byte is
//! checked (spec §2, §3.4, §5).

use replscope_core::client::{ClientId, PeerInfo};
use replscope_core::config::Config;
use replscope_core::rdb::decode::decode_all;
use replscope_core::rdb::model::RdbValue;
use replscope_core::server::{Output, Server};
use replscope_core::time::Time;

mod support;

use support::{resp_cmd as resp, NOW_MS};

fn words(line: &str) -> Vec<u8> {
    let v: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
    resp(&v)
}

/// A master, one normal client, and replica connections.
struct M {
    srv: Server,
    now: Time,
    c: ClientId,
    logs: Vec<String>,
    closed: Vec<ClientId>,
}

impl M {
    /// A master with disk-target full syncs (`repl-diskless-sync no`: the BGSAVE starts at
    /// once and ends at the next cron tick), its first cron tick already run.
    fn new(cfg: Config) -> Self {
        Self::with(Config {
            repl_diskless_sync: false,
            ..cfg
        })
    }

    /// A master with `cfg` as given, its first cron tick already run.
    fn with(cfg: Config) -> Self {
        let now = Time::from_millis(NOW_MS);
        let mut srv = Server::new(cfg, 11, now);
        let c = srv.handle_accept(now, peer(40000));
        let mut m = M {
            srv,
            now,
            c,
            logs: Vec::new(),
            closed: Vec::new(),
        };
        m.tick(100);
        m
    }

    /// Everything transmitted since the last call, per client.
    fn drain(&mut self) -> Vec<(ClientId, Vec<u8>)> {
        let mut out: Vec<(ClientId, Vec<u8>)> = Vec::new();
        while let Some(o) = self.srv.poll_output() {
            match o {
                Output::Transmit { client, bytes } => {
                    match out.iter_mut().find(|(c, _)| *c == client) {
                        Some((_, b)) => b.extend_from_slice(&bytes),
                        None => out.push((client, bytes.to_vec())),
                    }
                }
                Output::Log { message, .. } => self.logs.push(message),
                Output::Close { client } => self.closed.push(client),
                _ => {}
            }
        }
        out
    }

    /// Send `bytes` from `id`; what `id` got back, and what every replica got.
    fn send(&mut self, id: ClientId, bytes: &[u8]) -> Vec<(ClientId, Vec<u8>)> {
        self.srv.handle_input(self.now, id, bytes);
        self.drain()
    }

    /// Send from `id`, return what `id` received.
    fn to(&mut self, id: ClientId, bytes: &[u8]) -> Vec<u8> {
        let all = self.send(id, bytes);
        got(&all, id)
    }

    /// A normal client's command; its reply (other clients' output is dropped).
    fn cmd(&mut self, line: &str) -> String {
        let c = self.c;
        String::from_utf8_lossy(&self.to(c, &words(line))).into_owned()
    }

    fn info_repl(&mut self) -> String {
        let r = self.cmd("info replication");
        let body = r.split_once("\r\n").unwrap().1;
        let body = body.split_once("\r\n").unwrap().1;
        body.strip_suffix("\r\n\r\n").unwrap().to_string()
    }

    fn tick(&mut self, ms: u64) -> Vec<(ClientId, Vec<u8>)> {
        let end = self.now.add_micros(ms * 1000);
        let mut out = Vec::new();
        loop {
            let next = self.srv.poll_timeout().unwrap();
            if next > end {
                break;
            }
            self.now = next;
            self.srv.handle_timeout(next);
            for (c, b) in self.drain() {
                match out
                    .iter_mut()
                    .find(|(x, _): &&mut (ClientId, Vec<u8>)| *x == c)
                {
                    Some((_, v)) => v.extend_from_slice(&b),
                    None => out.push((c, b)),
                }
            }
        }
        self.now = end;
        out
    }

    /// Connect a replica and run the 7.0.15 handshake up to the PSYNC reply (inclusive).
    fn replica(&mut self, port: u16, psync: &[u8]) -> (ClientId, Vec<u8>) {
        let r = self.srv.handle_accept(self.now, peer(50000 + port % 1000));
        assert_eq!(self.to(r, b"*1\r\n$4\r\nPING\r\n"), b"+PONG\r\n");
        let port_s = port.to_string();
        let mut burst = resp(&[b"REPLCONF", b"listening-port", port_s.as_bytes()]);
        burst.extend_from_slice(
            b"*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n",
        );
        assert_eq!(self.to(r, &burst), b"+OK\r\n+OK\r\n");
        let mut reply = self.to(r, psync);
        // The BGSAVE ends at the next cron tick (a partial resync is answered at once).
        if reply.starts_with(b"+FULLRESYNC") {
            reply.extend_from_slice(&got(&self.tick(100), r));
        }
        (r, reply)
    }
}

fn peer(port: u16) -> PeerInfo {
    PeerInfo {
        addr: format!("127.0.0.1:{port}"),
        laddr: "127.0.0.1:6379".into(),
        fd: 8,
    }
}

fn got(all: &[(ClientId, Vec<u8>)], id: ClientId) -> Vec<u8> {
    all.iter()
        .find(|(c, _)| *c == id)
        .map(|(_, b)| b.clone())
        .unwrap_or_default()
}

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const PSYNC_FULL: &[u8] = b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n";
const PING: &[u8] = b"*1\r\n$4\r\nping\r\n";
const GETACK: &[u8] = b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";

/// Split `+FULLRESYNC <id> <off>\r\n$<len>\r\n<rdb>` into (id, offset, rdb, rest).
fn parse_fullresync(b: &[u8]) -> (String, i64, Vec<u8>, Vec<u8>) {
    let line_end = b.windows(2).position(|w| w == b"\r\n").unwrap();
    let line = s(&b[..line_end]);
    let mut parts = line.split(' ');
    assert_eq!(parts.next(), Some("+FULLRESYNC"));
    let id = parts.next().unwrap().to_string();
    let off: i64 = parts.next().unwrap().parse().unwrap();
    let rest = &b[line_end + 2..];
    assert_eq!(rest[0], b'$');
    let len_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
    let len: usize = s(&rest[1..len_end]).parse().unwrap();
    let rdb = rest[len_end + 2..len_end + 2 + len].to_vec();
    (id, off, rdb, rest[len_end + 2 + len..].to_vec())
}

fn info_field(info: &str, name: &str) -> String {
    info.split("\r\n")
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in {info}"))
        .to_string()
}

#[test]
fn full_resync_then_stream() {
    let mut m = M::new(Config::default());
    assert_eq!(m.cmd("set foo bar"), "+OK\r\n");
    assert_eq!(m.cmd("rpush l a b c"), ":3\r\n");
    assert_eq!(m.cmd("select 3"), "+OK\r\n");
    assert_eq!(m.cmd("hset h f v"), ":1\r\n");
    assert_eq!(m.cmd("select 0"), "+OK\r\n");
    let before = m.info_repl();
    assert_eq!(info_field(&before, "master_repl_offset"), "0");
    assert_eq!(info_field(&before, "repl_backlog_active"), "0");
    let old_id = info_field(&before, "master_replid");

    let (r, reply) = m.replica(6380, PSYNC_FULL);
    let (id, off, rdb, rest) = parse_fullresync(&reply);
    assert_ne!(id, old_id, "a new replid when the backlog is created");
    assert_eq!(id.len(), 40);
    assert_eq!(off, 0);
    assert!(rest.is_empty());
    let file = decode_all(&rdb, Default::default()).unwrap();
    let names: Vec<String> = file.aux.iter().map(|(k, _)| s(k)).collect();
    assert_eq!(
        names,
        [
            "redis-ver",
            "redis-bits",
            "ctime",
            "used-mem",
            "repl-stream-db",
            "repl-id",
            "repl-offset",
            "aof-base"
        ]
    );
    assert_eq!(file.aux("repl-stream-db"), Some(&b"0"[..]));
    assert_eq!(file.aux("repl-id"), Some(id.as_bytes()));
    assert_eq!(file.aux("repl-offset"), Some(&b"0"[..]));
    let mut keys: Vec<(u64, String)> = file.keys.iter().map(|k| (k.db, s(&k.key))).collect();
    keys.sort();
    assert_eq!(keys, [(0, "foo".into()), (0, "l".into()), (3, "h".into())]);
    let foo = file
        .keys
        .iter()
        .find(|k| k.key.as_slice() == b"foo")
        .unwrap();
    assert_eq!(foo.value, RdbValue::string(b"bar"));
    assert!(m
        .logs
        .iter()
        .any(|l| l == "Replica 127.0.0.1:6380 asks for synchronization"));
    assert!(m
        .logs
        .iter()
        .any(|l| l == "Full resync requested by replica 127.0.0.1:6380"));
    assert!(m
        .logs
        .iter()
        .any(|l| l.starts_with("Replication backlog created, my new replication IDs are '")));

    let info = m.info_repl();
    assert_eq!(
        info,
        format!(
            "role:master\r\nconnected_slaves:1\r\n\
             slave0:ip=127.0.0.1,port=6380,state=online,offset=0,lag=0\r\n\
             master_failover_state:no-failover\r\nmaster_replid:{id}\r\n\
             master_replid2:0000000000000000000000000000000000000000\r\n\
             master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:1\r\n\
             repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:1\r\n\
             repl_backlog_histlen:0"
        )
    );

    // Writes arrive as the exact stream: SELECT first (slaveseldb was reset), client spelling.
    let c = m.c;
    let all = m.send(c, &words("set k1 v1"));
    assert_eq!(got(&all, c), b"+OK\r\n");
    let mut want = resp(&[b"SELECT", b"0"]);
    want.extend_from_slice(&words("set k1 v1"));
    assert_eq!(s(&got(&all, r)), s(&want));
    let all = m.send(c, &words("set k2 v2"));
    assert_eq!(s(&got(&all, r)), s(&words("set k2 v2")));
    m.cmd("select 3");
    let all = m.send(c, &words("del h"));
    let mut want3 = resp(&[b"SELECT", b"3"]);
    want3.extend_from_slice(&words("del h"));
    assert_eq!(s(&got(&all, r)), s(&want3));
    // Reads propagate nothing.
    let all = m.send(c, &words("get k1"));
    assert!(got(&all, r).is_empty());
    let total = (want.len() + words("set k2 v2").len() + want3.len()) as i64;
    let info = m.info_repl();
    assert_eq!(info_field(&info, "master_repl_offset"), total.to_string());
    assert_eq!(info_field(&info, "repl_backlog_histlen"), total.to_string());

    // ACKs: no reply, offset and lag in INFO, ROLE lists the replica.
    let ack = resp(&[b"REPLCONF", b"ACK", total.to_string().as_bytes()]);
    assert!(m.to(r, &ack).is_empty());
    m.now = m.now.add_micros(3_000_000);
    let info = m.info_repl();
    assert!(
        info.contains(&format!(
            "slave0:ip=127.0.0.1,port=6380,state=online,offset={total},lag=3\r\n"
        )),
        "{info}"
    );
    let ack2 = resp(&[b"REPLCONF", b"ACK", b"5", b"FACK", b"5"]);
    assert!(m.to(r, &ack2).is_empty());
    let info = m.info_repl();
    assert!(
        info.contains(&format!("offset={total},lag=0\r\n")),
        "ACK offsets only grow"
    );
    assert_eq!(
        m.cmd("role"),
        format!(
            "*3\r\n$6\r\nmaster\r\n:{total}\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n$4\r\n6380\r\n${}\r\n{total}\r\n",
            total.to_string().len()
        )
    );
    let stats = m.cmd("info stats");
    assert!(stats.contains("sync_full:1\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n"));
    let clients = m.cmd("client list");
    assert!(clients.contains("flags=S"), "{clients}");
}

#[test]
fn cron_ping_goes_through_the_stream() {
    let mut m = M::new(Config::default());
    let (r, reply) = m.replica(6380, PSYNC_FULL);
    let (_, off, _, _) = parse_fullresync(&reply);
    assert_eq!(off, 0);
    // The first replication cron (the first server cron tick, loop 0) ran before the
    // replica came: no ping then. Then every repl-ping-replica-period (10) loops.
    let out = m.tick(9700);
    assert!(got(&out, r).is_empty());
    let out = m.tick(1200);
    assert_eq!(s(&got(&out, r)), s(PING));
    let out = m.tick(8800);
    assert!(got(&out, r).is_empty());
    let out = m.tick(1200);
    assert_eq!(s(&got(&out, r)), s(PING));
    let info = m.info_repl();
    assert_eq!(info_field(&info, "master_repl_offset"), "28");
    // A write after the pings still starts with SELECT.
    let c = m.c;
    let all = m.send(c, &words("set a 1"));
    let mut want = resp(&[b"SELECT", b"0"]);
    want.extend_from_slice(&words("set a 1"));
    assert_eq!(s(&got(&all, r)), s(&want));
}

#[test]
fn partial_resync_after_reconnect() {
    let mut m = M::new(Config::default());
    let (r, reply) = m.replica(6380, PSYNC_FULL);
    let (id, _, _, _) = parse_fullresync(&reply);
    m.cmd("set a 1");
    let first = (resp(&[b"SELECT", b"0"]).len() + words("set a 1").len()) as i64;
    m.srv.handle_close(m.now, r);
    m.drain();
    assert!(m
        .logs
        .iter()
        .any(|l| l == "Connection with replica 127.0.0.1:6380 lost."));
    assert_eq!(info_field(&m.info_repl(), "connected_slaves"), "0");
    // Writes while it is away.
    m.cmd("set b 2");
    m.cmd("incr a");
    let missing = [words("set b 2"), words("incr a")].concat();

    let psync = resp(&[b"PSYNC", id.as_bytes(), (first + 1).to_string().as_bytes()]);
    let (_, reply) = m.replica(6380, &psync);
    let mut want = format!("+CONTINUE {id}\r\n").into_bytes();
    want.extend_from_slice(&missing);
    assert_eq!(s(&reply), s(&want));
    assert!(m.logs.iter().any(|l| l
        == &format!(
            "Partial resynchronization request from 127.0.0.1:6380 accepted. Sending {} bytes of backlog starting from offset {}.",
            missing.len(),
            first + 1
        )));
    let stats = m.cmd("info stats");
    assert!(stats.contains("sync_full:1\r\nsync_partial_ok:1\r\nsync_partial_err:0\r\n"));

    // Exactly master_repl_offset + 1: +CONTINUE with nothing; +2: full resync.
    let offset: i64 = info_field(&m.info_repl(), "master_repl_offset")
        .parse()
        .unwrap();
    let psync = resp(&[b"PSYNC", id.as_bytes(), (offset + 1).to_string().as_bytes()]);
    let (_, reply) = m.replica(6381, &psync);
    assert_eq!(s(&reply), format!("+CONTINUE {id}\r\n"));
    let psync = resp(&[b"PSYNC", id.as_bytes(), (offset + 2).to_string().as_bytes()]);
    let (_, reply) = m.replica(6382, &psync);
    let (id2, off2, _, _) = parse_fullresync(&reply);
    assert_eq!((id2.as_str(), off2), (id.as_str(), offset));
    assert!(m
        .logs
        .iter()
        .any(|l| l.contains("tried to PSYNC with an offset that is greater")));
    let stats = m.cmd("info stats");
    assert!(stats.contains("sync_full:2\r\nsync_partial_ok:2\r\nsync_partial_err:1\r\n"));
}

#[test]
fn backlog_overflow_forces_full_resync() {
    let cfg = Config {
        repl_backlog_size: 16384,
        ..Default::default()
    };
    let mut m = M::new(cfg);
    let (r, reply) = m.replica(6380, PSYNC_FULL);
    let (id, _, _, _) = parse_fullresync(&reply);
    m.srv.handle_close(m.now, r);
    m.drain();
    let big = "x".repeat(1000);
    for i in 0..60 {
        m.cmd(&format!("set k{i} {big}"));
    }
    let info = m.info_repl();
    let first: i64 = info_field(&info, "repl_backlog_first_byte_offset")
        .parse()
        .unwrap();
    assert!(first > 1);
    let psync = resp(&[b"PSYNC", id.as_bytes(), b"1"]);
    let (r2, reply) = m.replica(6380, &psync);
    let (id2, off, rdb, _) = parse_fullresync(&reply);
    assert_eq!(id2, id, "the backlog still exists: same replid");
    assert_eq!(off.to_string(), info_field(&info, "master_repl_offset"));
    assert!(m.logs.iter().any(|l| l
        == "Unable to partial resync with replica 127.0.0.1:6380 for lack of backlog (Replica request was: 1)."));
    let file = decode_all(&rdb, Default::default()).unwrap();
    assert_eq!(file.keys.len(), 60);
    assert_eq!(file.aux("repl-offset"), Some(off.to_string().as_bytes()));
    // The stream restarts with SELECT.
    let c = m.c;
    let all = m.send(c, &words("del k1"));
    let mut want = resp(&[b"SELECT", b"0"]);
    want.extend_from_slice(&words("del k1"));
    assert_eq!(s(&got(&all, r2)), s(&want));
}

#[test]
fn replconf_and_sync_errors() {
    let mut m = M::new(Config::default());
    let c = m.c;
    let cases: &[(&[&[u8]], &[u8])] = &[
        (&[b"REPLCONF"], b"+OK\r\n"),
        (&[b"REPLCONF", b"capa"], b"-ERR syntax error\r\n"),
        (&[b"REPLCONF", b"capa", b"foo"], b"+OK\r\n"),
        (
            &[b"REPLCONF", b"listening-port", b"abc"],
            b"-ERR value is not an integer or out of range\r\n",
        ),
        (
            &[b"REPLCONF", b"foo", b"bar"],
            b"-ERR Unrecognized REPLCONF option: foo\r\n",
        ),
        (
            &[b"REPLCONF", b"listening-port", b"5", b"foo", b"1"],
            b"-ERR Unrecognized REPLCONF option: foo\r\n",
        ),
        (
            &[b"REPLCONF", b"rdb-only", b"2"],
            b"-ERR value is out of range, value must between 0 and 1\r\n",
        ),
        (
            &[b"REPLCONF", b"rdb-filter-only", b"bad"],
            b"-ERR Unsupported rdb-filter-only option: bad\r\n",
        ),
        (&[b"REPLCONF", b"rdb-filter-only", b""], b"+OK\r\n"),
        (&[b"REPLCONF", b"ACK", b"5"], b""),
        (&[b"REPLCONF", b"getack", b"*"], b""),
        (
            &[b"PSYNC"],
            b"-ERR wrong number of arguments for 'psync' command\r\n",
        ),
        (
            &[b"SYNC", b"x"],
            b"-ERR wrong number of arguments for 'sync' command\r\n",
        ),
        (
            &[b"ROLE", b"x"],
            b"-ERR wrong number of arguments for 'role' command\r\n",
        ),
        (&[b"ROLE"], b"*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"),
        (&[b"WAIT", b"0", b"0"], b":0\r\n"),
        (
            &[b"WAIT", b"x", b"0"],
            b"-ERR value is not an integer or out of range\r\n",
        ),
        (&[b"WAIT", b"1", b"-1"], b"-ERR timeout is negative\r\n"),
        (
            &[b"WAIT", b"1", b"x"],
            b"-ERR timeout is not an integer or out of range\r\n",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(
            s(&m.to(c, &resp(args))),
            s(want),
            "{:?}",
            args.iter().map(|a| s(a)).collect::<Vec<_>>()
        );
    }
    // A client that asked for a filtered RDB without capa eof cannot sync.
    assert_eq!(
        s(&m.to(c, &resp(&[b"PSYNC", b"a", b"b"]))),
        "-ERR Filtered replica requires EOF capability\r\n"
    );
    let p = m.srv.handle_accept(m.now, peer(1233));
    assert_eq!(
        s(&m.to(p, &resp(&[b"PSYNC", b"a", b"b"]))),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert!(m
        .logs
        .iter()
        .any(|l| l == "Replica 127.0.0.1:<unknown-replica-port> asks for synchronization but with a wrong offset"));
    let long = vec![b'a'; 300];
    assert_eq!(
        s(&m.to(c, &resp(&[b"REPLCONF", b"ip-address", &long]))),
        "-ERR REPLCONF ip-address provided by replica instance is too long: 300 bytes\r\n"
    );
    assert_eq!(
        s(&m.to(c, b"MULTI\r\nWAIT 1 0\r\nEXEC\r\n")),
        "+OK\r\n+QUEUED\r\n*1\r\n:0\r\n"
    );
    // Pipelined SYNC after a reply still pending: refused, as Redis.
    let p = m.srv.handle_accept(m.now, peer(1234));
    assert_eq!(
        s(&m.to(p, b"PING\r\nSYNC\r\n")),
        "+PONG\r\n-ERR SYNC and PSYNC are invalid with pending output\r\n"
    );
}

#[test]
fn legacy_sync_and_announced_ip() {
    let mut m = M::new(Config::default());
    m.cmd("set a 1");
    let r = m.srv.handle_accept(m.now, peer(4444));
    assert_eq!(
        m.to(r, &resp(&[b"REPLCONF", b"ip-address", b"10.0.0.9"])),
        b"+OK\r\n"
    );
    let mut reply = m.to(r, b"SYNC\r\n");
    reply.extend_from_slice(&got(&m.tick(100), r));
    // No +FULLRESYNC line for SYNC.
    assert!(reply.starts_with(b"$"), "{}", s(&reply));
    let info = m.info_repl();
    assert!(info.contains("slave0:ip=10.0.0.9,port=0,state=online,offset=0,lag=0\r\n"));
    assert!(m
        .logs
        .iter()
        .any(|l| l == "Replica 10.0.0.9:<unknown-replica-port> asks for synchronization"));
    // SYNC again from a replica is ignored.
    assert!(m.to(r, b"SYNC\r\n").is_empty());
}

#[test]
fn rdb_only_client_gets_the_rdb_and_is_closed() {
    let mut m = M::new(Config::default());
    m.cmd("set a 1");
    let r = m.srv.handle_accept(m.now, peer(4445));
    assert_eq!(m.to(r, &resp(&[b"REPLCONF", b"capa", b"eof"])), b"+OK\r\n");
    assert_eq!(
        m.to(r, &resp(&[b"REPLCONF", b"rdb-only", b"1"])),
        b"+OK\r\n"
    );
    let mut reply = m.to(r, b"SYNC\r\n");
    reply.extend_from_slice(&got(&m.tick(100), r));
    let len_end = reply.windows(2).position(|w| w == b"\r\n").unwrap();
    let file = decode_all(&reply[len_end + 2..], Default::default()).unwrap();
    assert_eq!(file.keys.len(), 1);
    assert!(m.closed.contains(&r));
    assert_eq!(info_field(&m.info_repl(), "connected_slaves"), "0");
}

#[test]
fn wait_blocks_until_acked() {
    let mut m = M::new(Config::default());
    let (r, _) = m.replica(6380, PSYNC_FULL);
    let c = m.c;
    // A fresh client has woff 0: satisfied by the replica at once.
    assert_eq!(m.cmd("wait 1 0"), ":1\r\n");
    let all = m.send(c, &words("set k v"));
    let setlen = (resp(&[b"SELECT", b"0"]).len() + words("set k v").len()) as i64;
    assert_eq!(got(&all, r).len() as i64, setlen);
    // WAIT blocks; the replicas are asked for an ACK through the stream.
    let all = m.send(c, &words("wait 1 0"));
    assert!(got(&all, c).is_empty());
    assert_eq!(s(&got(&all, r)), s(GETACK));
    // Commands pipelined behind a blocked WAIT wait too.
    assert!(m.to(c, &words("get k")).is_empty());
    // The replica answers with its offset before the GETACK.
    let all = m.send(
        r,
        &resp(&[b"REPLCONF", b"ACK", setlen.to_string().as_bytes()]),
    );
    assert_eq!(s(&got(&all, c)), ":1\r\n$1\r\nv\r\n");
    assert!(got(&all, r).is_empty());

    // Timeout: nobody acks the second write.
    m.send(c, &words("set k w"));
    let all = m.send(c, &words("wait 1 100"));
    assert!(got(&all, c).is_empty());
    let out = m.tick(99);
    assert!(got(&out, c).is_empty());
    let out = m.tick(1);
    assert_eq!(s(&got(&out, c)), ":0\r\n");
    // A deadline between two cron ticks is honoured on time.
    m.tick(30);
    assert!(m.to(c, &words("wait 1 45")).is_empty());
    let out = m.tick(44);
    assert!(got(&out, c).is_empty());
    let out = m.tick(1);
    assert_eq!(s(&got(&out, c)), ":0\r\n");

    // A blocked client shows flag b; closing it forgets the WAIT.
    let w = m.srv.handle_accept(m.now, peer(40100));
    m.send(w, &words("set z 1"));
    assert!(m.to(w, &words("wait 1 0")).is_empty());
    let list = m.cmd("client list");
    assert!(list.contains(" flags=b "), "{list}");
    m.srv.handle_close(m.now, w);
    assert!(m.srv.state().master.clients_waiting_acks.is_empty());
}

#[test]
fn replica_timeout_and_backlog_ttl() {
    let cfg = Config {
        repl_timeout: 5,
        repl_backlog_ttl: 3,
        ..Default::default()
    };
    let mut m = M::new(cfg);
    let (r, reply) = m.replica(6380, PSYNC_FULL);
    let (id, _, _, _) = parse_fullresync(&reply);
    m.tick(7000);
    assert!(m.closed.contains(&r), "timed out replica dropped");
    assert!(m
        .logs
        .iter()
        .any(|l| l == "Disconnecting timedout replica (streaming sync): 127.0.0.1:6380"));
    assert_eq!(info_field(&m.info_repl(), "repl_backlog_active"), "1");
    m.tick(4000);
    let info = m.info_repl();
    assert_eq!(info_field(&info, "repl_backlog_active"), "0");
    assert_ne!(info_field(&info, "master_replid"), id);
    assert!(m
        .logs
        .iter()
        .any(|l| l.starts_with("Replication backlog freed after ")));
}

#[test]
fn restart_from_dump_keeps_the_history_for_psync() {
    use replscope_core::persist::MemStorage;
    let mem = MemStorage::new();
    let mut m = M::new(Config::default());
    m.srv.set_storage(Box::new(mem.clone()));
    let (_, reply) = m.replica(6380, PSYNC_FULL);
    let (old_id, _, _, _) = parse_fullresync(&reply);
    m.cmd("set a 1");
    assert_eq!(m.cmd("save"), "+OK\r\n");
    let off: i64 = info_field(&m.info_repl(), "master_repl_offset")
        .parse()
        .unwrap();
    assert_eq!(off, 50);

    // A new process on the same dump.
    let now = Time::from_millis(NOW_MS + 60_000);
    let mut srv = Server::new(Config::default(), 99, now);
    srv.set_storage(Box::new(mem.clone()));
    srv.load_from_storage(now).unwrap().unwrap();
    let c = srv.handle_accept(now, peer(40001));
    let mut m2 = M {
        srv,
        now,
        c,
        logs: Vec::new(),
        closed: Vec::new(),
    };
    let info = m2.info_repl();
    let new_id = info_field(&info, "master_replid");
    assert_ne!(new_id, old_id);
    assert_eq!(info_field(&info, "master_replid2"), old_id);
    assert_eq!(info_field(&info, "master_repl_offset"), "50");
    assert_eq!(info_field(&info, "second_repl_offset"), "51");
    assert_eq!(info_field(&info, "repl_backlog_active"), "1");
    assert_eq!(info_field(&info, "repl_backlog_first_byte_offset"), "51");
    assert_eq!(info_field(&info, "repl_backlog_histlen"), "0");
    // The old replica comes back: accepted through replid2, told the new id.
    m2.cmd("set b 2");
    let psync = resp(&[b"PSYNC", old_id.as_bytes(), b"51"]);
    let (_, reply) = m2.replica(6380, &psync);
    let mut want = format!("+CONTINUE {new_id}\r\n").into_bytes();
    want.extend_from_slice(&resp(&[b"SELECT", b"0"]));
    want.extend_from_slice(&words("set b 2"));
    assert_eq!(s(&reply), s(&want));
}

#[test]
fn config_set_backlog_size_resizes() {
    let mut m = M::new(Config::default());
    assert_eq!(m.cmd("config set repl-backlog-size 1"), "+OK\r\n");
    assert_eq!(info_field(&m.info_repl(), "repl_backlog_size"), "16384");
}

#[test]
fn min_replicas_to_write() {
    let cfg = Config {
        min_replicas_to_write: 1,
        min_replicas_max_lag: 10,
        ..Default::default()
    };
    let mut m = M::new(cfg);
    assert_eq!(
        m.cmd("set a 1"),
        "-NOREPLICAS Not enough good replicas to write.\r\n"
    );
    assert_eq!(m.cmd("get a"), "$-1\r\n");
    assert!(m
        .info_repl()
        .contains("connected_slaves:0\r\nmin_slaves_good_slaves:0\r\n"));
    let (r, _) = m.replica(6380, PSYNC_FULL);
    assert_eq!(m.cmd("set a 1"), "+OK\r\n");
    assert!(m
        .info_repl()
        .contains("connected_slaves:1\r\nmin_slaves_good_slaves:1\r\n"));
    m.now = m.now.add_micros(11_000_000);
    assert_eq!(
        m.cmd("set a 2"),
        "-NOREPLICAS Not enough good replicas to write.\r\n"
    );
    assert!(m.to(r, &resp(&[b"REPLCONF", b"ACK", b"50"])).is_empty());
    assert_eq!(m.cmd("set a 2"), "+OK\r\n");
}

#[test]
fn a_replica_refuses_sync_and_wait() {
    let cfg = Config {
        replicaof: Some(("127.0.0.1".into(), 1)),
        ..Default::default()
    };
    let mut m = M::new(cfg);
    let c = m.c;
    assert_eq!(
        s(&m.to(c, PSYNC_FULL)),
        "-NOMASTERLINK Can't SYNC while not connected with my master\r\n"
    );
    assert_eq!(
        m.cmd("wait 1 0"),
        "-ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 \
         if a replica is configured to be writable (which is not the default) writes to replicas \
         are just local and are not propagated.\r\n"
    );
}

#[test]
fn a_replica_that_gets_a_reply_is_dropped() {
    let mut m = M::new(Config::default());
    let (r, _) = m.replica(6380, PSYNC_FULL);
    // ACKs and GETACKs produce nothing: the replica stays.
    assert!(m.to(r, &resp(&[b"REPLCONF", b"ACK", b"0"])).is_empty());
    assert!(m.to(r, &resp(&[b"REPLCONF", b"GETACK", b"*"])).is_empty());
    assert!(!m.closed.contains(&r));
    // A PING would be answered: 7.0.15 drops the replica instead.
    assert!(m.to(r, b"*1\r\n$4\r\nPING\r\n").is_empty());
    assert!(m.closed.contains(&r));
    assert!(m.logs.iter().any(|l| l
        .starts_with("Replica generated a reply to command 'ping', disconnecting it: id=")
        && l.contains(" flags=S ")
        && l.contains(" cmd=ping ")));
    assert!(m
        .logs
        .iter()
        .any(|l| l == "Connection with replica 127.0.0.1:6380 lost."));
    assert_eq!(info_field(&m.info_repl(), "connected_slaves"), "0");
}

#[test]
fn info_memory_replication_buffers() {
    let mut m = M::new(Config::default());
    let mem = m.cmd("info memory");
    assert!(mem.contains(
        "mem_replication_backlog:0\r\nmem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\n"
    ));
    m.replica(6380, PSYNC_FULL);
    m.cmd("set a 1");
    // Live 7.0.15: one 16 KiB block (20440 usable + 40 header + 24 list node), rax 4.
    let mem = m.cmd("info memory");
    assert!(
        mem.contains("mem_replication_backlog:20508\r\nmem_total_replication_buffers:20504\r\nmem_clients_slaves:0\r\n"),
        "{mem}"
    );
}

#[test]
fn several_waits_unblock_together() {
    let mut m = M::new(Config::default());
    let (r, _) = m.replica(6380, PSYNC_FULL);
    let (r2, _) = m.replica(6381, PSYNC_FULL);
    let a = m.c;
    let b = m.srv.handle_accept(m.now, peer(40200));
    m.send(a, &words("set a 1"));
    let off_a: i64 = info_field(&m.info_repl(), "master_repl_offset")
        .parse()
        .unwrap();
    m.send(b, &words("set b 1"));
    let off_b: i64 = info_field(&m.info_repl(), "master_repl_offset")
        .parse()
        .unwrap();
    assert!(m.to(a, &words("wait 2 0")).is_empty());
    assert!(m.to(b, &words("wait 1 0")).is_empty());
    // Only the first replica acks the latest offset: b (1 needed) is served; a needs 2.
    let ack = |o: i64| resp(&[b"REPLCONF", b"ACK", o.to_string().as_bytes()]);
    let all = m.send(r, &ack(off_b));
    assert_eq!(s(&got(&all, b)), ":1\r\n");
    assert!(got(&all, a).is_empty());
    // The second replica acks a's offset: a is served with 2.
    let all = m.send(r2, &ack(off_a));
    assert_eq!(s(&got(&all, a)), ":2\r\n");
    assert!(m.srv.state().master.clients_waiting_acks.is_empty());
}

#[test]
fn a_pipelined_batch_reaches_each_replica_at_once() {
    let mut m = M::new(Config::default());
    let (r, _) = m.replica(6380, PSYNC_FULL);
    let (r2, _) = m.replica(6381, PSYNC_FULL);
    let c = m.c;
    // Plain writes of one read: the backlog is fed command by command (INFO inside the
    // batch sees the exact offset), the replicas get the batch's stream in one piece per
    // read, in order, with a non-write command (it may change who gets the stream) as a
    // cut.
    let mut batch = words("set a 1");
    batch.extend_from_slice(&words("incr n"));
    batch.extend_from_slice(&words("info replication"));
    batch.extend_from_slice(&words("rpush l x y"));
    batch.extend_from_slice(&words("set b 2"));
    m.srv.handle_input(m.now, c, &batch);
    let mut pieces: Vec<(ClientId, Vec<u8>)> = Vec::new();
    while let Some(o) = m.srv.poll_output() {
        if let Output::Transmit { client, bytes } = o {
            pieces.push((client, bytes.to_vec()));
        }
    }
    let first = [resp(&[b"SELECT", b"0"]), words("set a 1"), words("incr n")].concat();
    let second = [words("rpush l x y"), words("set b 2")].concat();
    for rep in [r, r2] {
        let got: Vec<String> = pieces
            .iter()
            .filter(|(id, _)| *id == rep)
            .map(|(_, b)| s(b))
            .collect();
        assert_eq!(got, [s(&first), s(&second)], "replica {rep}");
    }
    let reply: Vec<u8> = pieces
        .iter()
        .filter(|(id, _)| *id == c)
        .flat_map(|(_, b)| b.clone())
        .collect();
    let reply = s(&reply);
    assert!(reply.starts_with("+OK\r\n:1\r\n$"), "{reply}");
    assert!(
        reply.contains(&format!("master_repl_offset:{}\r\n", first.len())),
        "{reply}"
    );
    assert!(reply.ends_with(":2\r\n+OK\r\n"), "{reply}");
    let total = first.len() + second.len();
    let info = m.info_repl();
    assert_eq!(info_field(&info, "master_repl_offset"), total.to_string());
    assert_eq!(info_field(&info, "repl_backlog_histlen"), total.to_string());
}
