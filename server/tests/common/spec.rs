//! Helpers of the replication interop scenarios of `shared/spec/replication.md` §8
//! (`spec_o_master.rs`, `spec_o_replica.rs`) and of the fault test (`repl_fault_proxy.rs`):
//!
//! * [`Node`]: a server process (ours or the real `redis-server`) that can be stopped and
//!   restarted on the same port and directory (restart scenarios), with INFO shortcuts and
//!   its log kept across restarts;
//! * [`snapshot`] / [`assert_same_data`] / [`wait_converged`]: datasets compared key by key
//!   (type, value, PTTL within 1 s) in every db, after the offsets agree;
//! * [`Peer`]: a raw TCP peer speaking RESP by hand (fake replica, fake master);
//! * [`Proxy`]: a TCP proxy the test controls (records both directions, cuts every link,
//!   refuses new ones, cuts after a byte budget) between a master and a replica.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{
    cli, encode, escape, on_a_free_port, parse_reply, spawn_server, wait_listening, Conn, Kind,
    NotListening, Reply,
};

/// A server process on a fixed port and directory; killed on drop. Unlike
/// [`super::ServerProc`] it can be shut down and started again on the same port with the
/// same directory (and so the same dump).
pub struct Node {
    /// Which implementation.
    pub kind: Kind,
    /// The TCP port.
    pub port: u16,
    /// The working directory (`--dir`).
    pub dir: PathBuf,
    /// The arguments of the last start.
    pub args: Vec<String>,
    /// `AUTH` sent on every connection [`Node::conn`] opens (`requirepass` nodes).
    pub auth: Option<Vec<String>>,
    child: Option<Child>,
    past_logs: String,
    starts: usize,
}

static DIRS: AtomicUsize = AtomicUsize::new(0);

fn node_dir(kind: Kind) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "replscope-spec-{}-{}-{}",
        std::process::id(),
        kind.name(),
        DIRS.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Node {
    /// Our server on a free port with the common test arguments plus `extra`.
    pub fn ours(extra: &[&str]) -> Node {
        Node::start(Kind::Ours, extra)
    }

    /// The real redis-server on a free port with the common test arguments plus `extra`.
    pub fn redis(extra: &[&str]) -> Node {
        Node::start(Kind::Redis, extra)
    }

    /// The real redis-server on a free port started from the RDB `rdb` (see
    /// [`cli::put_rdb`]); panics unless its log says it loaded it.
    pub fn redis_from_rdb(rdb: &[u8]) -> Node {
        let loaded = Node::start_with(Kind::Redis, &cli::LOAD_ARGS, |d| cli::put_rdb(d, rdb));
        cli::assert_loaded(&loaded.log());
        loaded
    }

    /// Start `kind` on a free port (another one if it got taken in between).
    pub fn start(kind: Kind, extra: &[&str]) -> Node {
        Node::start_with(kind, extra, |_| {})
    }

    /// [`Node::start`], with `prepare` called on each fresh directory before the server
    /// starts in it (files it should find there).
    fn start_with(kind: Kind, extra: &[&str], prepare: impl Fn(&Path)) -> Node {
        on_a_free_port(kind, |port| {
            let mut n = Node {
                kind,
                port,
                dir: node_dir(kind),
                args: extra.iter().map(|s| s.to_string()).collect(),
                auth: None,
                child: None,
                past_logs: String::new(),
                starts: 0,
            };
            prepare(&n.dir);
            n.spawn().map(|()| n)
        })
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join(format!("server-{}.log", self.starts))
    }

    fn spawn(&mut self) -> Result<(), String> {
        self.starts += 1;
        let log = self.log_path();
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let mut child = spawn_server(self.kind, self.port, &self.dir, &args, &log);
        let ready = || {
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains("Ready to accept connections")
        };
        let r = wait_listening(&mut child, self.port, Duration::from_secs(10), ready);
        self.child = Some(child);
        match r {
            Ok(()) => Ok(()),
            Err(NotListening::Exited(s)) => {
                self.child = None;
                Err(format!("exited with {s}; log:\n{}", self.log()))
            }
            Err(NotListening::TimedOut) => Err(format!("not ready after 10 s:\n{}", self.log())),
        }
    }

    /// Start again on the same port and directory, with `extra` as the arguments (the old
    /// process must be gone: see [`Node::kill`], [`Node::shutdown_save`]).
    pub fn restart(&mut self, extra: &[&str]) {
        assert!(
            self.child.is_none(),
            "restart of a running {}",
            self.kind.name()
        );
        self.past_logs.push_str(&self.current_log());
        self.args = extra.iter().map(|s| s.to_string()).collect();
        // The port may sit in TIME_WAIT for a moment; both servers set SO_REUSEADDR.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.spawn() {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => {
                    panic!("{} did not restart: {e}", self.kind.name())
                }
                Err(_) => {
                    self.past_logs.push_str(&self.current_log());
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        }
    }

    /// Kill the process (SIGKILL) and reap it.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// `SHUTDOWN SAVE` and wait (up to 10 s) for the process to exit.
    pub fn shutdown_save(&mut self) {
        let mut c = self.conn();
        c.send(&encode(&["SHUTDOWN", "SAVE"]));
        let _ = c.read_reply();
        let mut child = self.child.take().expect("shutdown of a stopped node");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{} did not exit after SHUTDOWN SAVE:\n{}",
                    self.kind.name(),
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// True while the process runs.
    pub fn alive(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    fn current_log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Everything logged, over all the starts.
    pub fn log(&self) -> String {
        format!("{}{}", self.past_logs, self.current_log())
    }

    /// The log of the current start only.
    pub fn log_now(&self) -> String {
        self.current_log()
    }

    /// A new client connection (authenticated when [`Node::auth`] is set).
    pub fn conn(&self) -> Conn {
        let mut c = Conn::connect(self.port);
        if let Some(a) = &self.auth {
            let mut args = vec!["AUTH"];
            args.extend(a.iter().map(String::as_str));
            let r = c.cmd(&args);
            assert_eq!(r, b"+OK\r\n", "AUTH on {}", self.label());
        }
        c
    }

    /// Authenticate every later connection with `AUTH args...`.
    pub fn set_auth(&mut self, args: &[&str]) {
        self.auth = Some(args.iter().map(|s| s.to_string()).collect());
    }

    /// One command on a new connection; the reply as text.
    pub fn cmd<A: AsRef<[u8]>>(&self, args: &[A]) -> String {
        String::from_utf8_lossy(&self.conn().cmd(args)).into_owned()
    }

    /// `INFO section` as text.
    pub fn info(&self, section: &str) -> String {
        let raw = self.conn().cmd(&["INFO", section]);
        match parse_reply(&raw) {
            Ok(Some((Reply::Blob(_, Some(b)), _))) => String::from_utf8_lossy(&b).into_owned(),
            other => panic!("INFO {section} reply {other:?}"),
        }
    }

    /// A field of `INFO replication`.
    pub fn repl(&self, name: &str) -> Option<String> {
        info_field(&self.info("replication"), name)
    }

    /// A field of `INFO replication` as a number (panics if missing).
    pub fn repl_num(&self, name: &str) -> i64 {
        let v = self.repl(name);
        v.as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("INFO replication {name} = {v:?} on {}", self.label()))
    }

    /// A counter of `INFO stats` (panics if missing).
    pub fn stat(&self, name: &str) -> i64 {
        let v = info_field(&self.info("stats"), name);
        v.as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("INFO stats {name} = {v:?} on {}", self.label()))
    }

    /// `kind:port` for messages.
    pub fn label(&self) -> String {
        format!("{}:{}", self.kind.name(), self.port)
    }

    /// The port as a string.
    pub fn port_s(&self) -> String {
        self.port.to_string()
    }

    /// `REPLICAOF 127.0.0.1 <port>` (`+OK`).
    pub fn replicaof(&self, port: u16) {
        let r = self.cmd(&["REPLICAOF", "127.0.0.1", &port.to_string()]);
        assert!(r.starts_with("+OK"), "REPLICAOF on {}: {r}", self.label());
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// `name:value` of an INFO text.
pub fn info_field(info: &str, name: &str) -> Option<String> {
    info.split("\r\n")
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(str::to_string)
}

/// Every node's log, for a failure message.
pub fn logs(nodes: &[&Node]) -> String {
    let mut s = String::new();
    for n in nodes {
        s.push_str(&format!("\n--- {} log ---\n{}", n.label(), n.log()));
    }
    s
}

/// Poll `cond` every 50 ms for up to `secs`; panics with `what` and the nodes' logs.
pub fn wait_until(secs: u64, what: &str, nodes: &[&Node], mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if cond() {
            return;
        }
        if Instant::now() > deadline {
            panic!("timed out ({secs} s) waiting for {what}{}", logs(nodes));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One key's observable state: its type, its value (members of unordered types sorted) and
/// its expire time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyState {
    /// `TYPE` reply.
    pub kind: String,
    /// The value read back with the type's read command.
    pub value: Reply,
    /// The absolute expire time in ms by the test's clock (`PTTL` plus the time it was
    /// read, so that snapshots taken one after the other compare), or `PTTL`'s -1 / -2.
    pub expire_at: i64,
}

/// A dataset: (db, key) -> state.
pub type Dataset = BTreeMap<(u32, Vec<u8>), KeyState>;

fn parsed(c: &mut Conn, args: &[&[u8]]) -> Reply {
    let raw = c.cmd(args);
    parse_reply(&raw).unwrap().unwrap().0
}

/// Send all `cmds` pipelined, return their parsed replies.
fn pipelined(c: &mut Conn, cmds: &[Vec<&[u8]>]) -> Vec<Reply> {
    let mut out = Vec::with_capacity(cmds.len());
    for chunk in cmds.chunks(1000) {
        let mut buf = Vec::new();
        for cmd in chunk {
            buf.extend_from_slice(&encode(cmd));
        }
        c.send(&buf);
        for _ in chunk {
            let raw = c.read_reply().expect("pipelined reply");
            out.push(parse_reply(&raw).unwrap().unwrap().0);
        }
    }
    out
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Every key of every db (0..16) with its type, value and expire time.
pub fn snapshot(node: &Node) -> Dataset {
    let mut c = node.conn();
    let mut out = Dataset::new();
    for db in 0..16u32 {
        let dbs = db.to_string();
        assert_eq!(parsed(&mut c, &[b"SELECT", dbs.as_bytes()]), ok());
        let keys: Vec<Vec<u8>> = match parsed(&mut c, &[b"KEYS", b"*"]) {
            Reply::Agg(_, Some(k)) => k
                .into_iter()
                .map(|k| match k {
                    Reply::Blob(_, Some(key)) => key,
                    other => panic!("KEYS item {other:?}"),
                })
                .collect(),
            other => panic!("KEYS on {}: {other:?}", node.label()),
        };
        let types: Vec<Vec<&[u8]>> = keys.iter().map(|k| vec![&b"TYPE"[..], k]).collect();
        let types: Vec<String> = pipelined(&mut c, &types)
            .into_iter()
            .map(|t| match t {
                Reply::Line(_, t) => String::from_utf8_lossy(&t).into_owned(),
                other => panic!("TYPE {other:?}"),
            })
            .collect();
        let mut reads: Vec<Vec<&[u8]>> = Vec::new();
        for (k, t) in keys.iter().zip(&types) {
            reads.push(match t.as_str() {
                "string" => vec![b"GET", k],
                "list" => vec![b"LRANGE", k, b"0", b"-1"],
                "hash" => vec![b"HGETALL", k],
                "set" => vec![b"SMEMBERS", k],
                "zset" => vec![b"ZRANGE", k, b"0", b"-1", b"WITHSCORES"],
                "stream" => vec![b"XRANGE", k, b"-", b"+"],
                _ => vec![b"ECHO", b"unknown type"],
            });
            reads.push(vec![b"PTTL", k]);
        }
        let at = now_ms();
        let replies = pipelined(&mut c, &reads);
        for ((k, t), pair) in keys.into_iter().zip(types).zip(replies.chunks(2)) {
            let value = match t.as_str() {
                "hash" => pairs_sorted(pair[0].clone()),
                "set" => pair[0].sorted(),
                _ => pair[0].clone(),
            };
            let pttl: i64 = match &pair[1] {
                Reply::Line(b':', n) => String::from_utf8_lossy(n).parse().unwrap(),
                other => panic!("PTTL {other:?}"),
            };
            let expire_at = if pttl < 0 { pttl } else { at + pttl };
            out.insert(
                (db, k),
                KeyState {
                    kind: t,
                    value,
                    expire_at,
                },
            );
        }
    }
    out
}

fn ok() -> Reply {
    Reply::Line(b'+', b"OK".to_vec())
}

/// HGETALL's flat field/value list as sorted (field, value) pairs.
fn pairs_sorted(r: Reply) -> Reply {
    match r {
        Reply::Agg(t, Some(items)) => {
            let mut pairs: Vec<Reply> = items
                .chunks(2)
                .map(|p| Reply::Agg(b'*', Some(p.to_vec())))
                .collect();
            pairs.sort();
            Reply::Agg(t, Some(pairs))
        }
        other => other,
    }
}

/// The differences between two datasets (values exact, expire times within 1 s), empty if
/// equal.
pub fn diff(a: &Dataset, b: &Dataset) -> Vec<String> {
    let mut out = Vec::new();
    for (k, va) in a {
        match b.get(k) {
            None => out.push(format!("db {} key {} only on the first", k.0, escape(&k.1))),
            Some(vb) => {
                let ttl_ok = if va.expire_at < 0 || vb.expire_at < 0 {
                    va.expire_at == vb.expire_at
                } else {
                    (va.expire_at - vb.expire_at).abs() <= 1000
                };
                if va.kind != vb.kind || va.value != vb.value || !ttl_ok {
                    out.push(format!("db {} key {}: {va:?} vs {vb:?}", k.0, escape(&k.1)));
                }
            }
        }
    }
    for k in b.keys() {
        if !a.contains_key(k) {
            out.push(format!(
                "db {} key {} only on the second",
                k.0,
                escape(&k.1)
            ));
        }
    }
    out
}

/// Panics unless `a` and `b` hold the same keys, values and TTLs (within 1 s).
pub fn assert_same_data(a: &Node, b: &Node, context: &str) {
    let (da, db) = (snapshot(a), snapshot(b));
    let d = diff(&da, &db);
    assert!(
        d.is_empty(),
        "datasets of {} and {} differ ({context}): {} keys vs {} keys\n{}",
        a.label(),
        b.label(),
        da.len(),
        db.len(),
        d.join("\n")
    );
}

/// True when `replica`'s link is up and its applied offset and `master_repl_offset` equal
/// the master's `master_repl_offset`.
pub fn offsets_converged(master: &Node, replica: &Node) -> bool {
    let m = master.info("replication");
    let r = replica.info("replication");
    let mo = info_field(&m, "master_repl_offset");
    info_field(&r, "master_link_status").as_deref() == Some("up")
        && info_field(&r, "slave_repl_offset") == mo
        && info_field(&r, "master_repl_offset") == mo
}

/// §8 "converged": wait (up to `secs`) for the offsets to agree, then compare the datasets
/// key by key. `nodes` are all the scenario's nodes (their logs are shown on failure).
pub fn wait_converged(master: &Node, replica: &Node, context: &str, nodes: &[&Node]) {
    wait_until(
        20,
        &format!(
            "{} to converge with {} ({context})",
            replica.label(),
            master.label()
        ),
        nodes,
        || offsets_converged(master, replica),
    );
    assert_same_data(master, replica, context);
}

/// A mixed dataset over dbs 0, 3 and 9 (strings, lists, hashes, sets, sorted sets; no
/// streams, which ReplScope does not implement; TTLs, a big value), keys prefixed
/// with `tag`.
pub fn write_mixed(node: &Node, tag: &str) {
    let mut c = node.conn();
    let k = |s: &str| format!("{tag}:{s}");
    c.cmd(&["SELECT", "0"]);
    c.cmd(&["SET", &k("str"), "hello"]);
    c.cmd(&["SET", &k("int"), "12345"]);
    c.cmd(&["INCRBY", &k("int"), "5"]);
    c.cmd(&["RPUSH", &k("list"), "a", "b", "c", "1", "2"]);
    c.cmd(&["HSET", &k("hash"), "f1", "v1", "f2", "v2"]);
    c.cmd(&["SADD", &k("set"), "x", "y", "z", "7"]);
    c.cmd(&["SADD", &k("intset"), "1", "2", "3"]);
    c.cmd(&["ZADD", &k("zset"), "1.5", "a", "2", "b", "-3", "c"]);
    c.cmd(&["SET", &k("ttl"), "v", "EX", "100000"]);
    c.cmd(&["SELECT", "3"]);
    c.cmd(&["SET", &k("db3"), "three"]);
    c.cmd(&["LPUSH", &k("db3list"), "q", "r"]);
    c.cmd(&["SET", &k("big"), &"z".repeat(20_000)]);
    c.cmd(&["SELECT", "9"]);
    c.cmd(&["HSET", &k("h9"), "a", "1"]);
    c.cmd(&["PEXPIRE", &k("h9"), "500000"]);
}

/// `n` plain SETs of `size`-byte values in db 0, pipelined.
pub fn write_bulk(node: &Node, tag: &str, n: usize, size: usize) {
    let mut c = node.conn();
    let v = "x".repeat(size);
    let mut buf = Vec::new();
    for i in 0..n {
        buf.extend_from_slice(&encode(&["SET", &format!("{tag}:{i}"), &v]));
    }
    c.send(&buf);
    for _ in 0..n {
        let r = c.read_reply().unwrap();
        assert_eq!(r, b"+OK\r\n");
    }
}

/// A raw TCP peer with a receive buffer: a fake replica or a fake master's accepted socket.
pub struct Peer {
    /// The socket.
    pub stream: TcpStream,
    /// Received and not yet consumed.
    pub buf: Vec<u8>,
}

impl Peer {
    /// Connect to 127.0.0.1:`port`.
    pub fn connect(port: u16) -> Peer {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        Peer::from(stream)
    }

    /// Wrap an accepted socket.
    pub fn from(stream: TcpStream) -> Peer {
        stream.set_nodelay(true).unwrap();
        Peer {
            stream,
            buf: Vec::new(),
        }
    }

    /// Write bytes.
    pub fn send(&mut self, b: &[u8]) {
        self.stream.write_all(b).expect("peer write");
    }

    /// Write a command as RESP.
    pub fn send_cmd(&mut self, args: &[&str]) {
        self.send(&encode(args));
    }

    /// Read more bytes into the buffer, waiting at most `wait`; false on timeout, close or
    /// error.
    fn fill(&mut self, wait: Duration) -> bool {
        self.stream
            .set_read_timeout(Some(wait.max(Duration::from_millis(1))))
            .unwrap();
        let mut chunk = [0u8; 65536];
        match self.stream.read(&mut chunk) {
            Ok(0) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
            Err(_) => false,
        }
    }

    /// Read until the buffer holds at least `n` bytes (30 s at most) and take them.
    pub fn read_exact(&mut self, n: usize) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.buf.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!("peer: wanted {n} bytes, have {}", escape(&self.buf));
            }
            self.fill(left.min(Duration::from_millis(200)));
        }
        self.buf.drain(..n).collect()
    }

    /// Read one line (without its `\r\n`; a bare `\n` keepalive gives an empty line), waiting
    /// up to `secs`.
    pub fn read_line_within(&mut self, secs: u64) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(p) = self.buf.iter().position(|&c| c == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=p).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return line;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!("peer: no line within {secs} s, have {}", escape(&self.buf));
            }
            self.fill(left);
        }
    }

    /// One line within 5 s.
    pub fn read_line(&mut self) -> Vec<u8> {
        self.read_line_within(5)
    }

    /// One line as text.
    pub fn line(&mut self) -> String {
        String::from_utf8_lossy(&self.read_line()).into_owned()
    }

    /// One RESP reply (raw bytes), 5 s at most.
    pub fn read_reply(&mut self) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some((_, used)) = parse_reply(&self.buf).unwrap() {
                return self.buf.drain(..used).collect();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!("peer: no full reply, have {}", escape(&self.buf));
            }
            self.fill(left);
        }
    }

    /// Everything that arrives within `ms` milliseconds (plus what was buffered).
    pub fn read_for(&mut self, ms: u64) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_millis(ms);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            if !self.fill(left.min(Duration::from_millis(20))) {
                std::thread::sleep(Duration::from_millis(1).min(left));
            }
        }
        std::mem::take(&mut self.buf)
    }

    /// True when the peer closed the connection within `ms` (data read meanwhile is
    /// dropped).
    pub fn closed_within(&mut self, ms: u64) -> bool {
        let deadline = Instant::now() + Duration::from_millis(ms);
        let mut chunk = [0u8; 65536];
        while Instant::now() < deadline {
            self.stream
                .set_read_timeout(Some(Duration::from_millis(20)))
                .unwrap();
            match self.stream.read(&mut chunk) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return true,
            }
        }
        false
    }
}

/// The handshake of a 7.0.15 replica up to (excluding) PSYNC: `PING`, then pipelined
/// `REPLCONF listening-port` and `REPLCONF capa ...`; each reply checked.
pub fn fake_replica(port: u16, capas: &[&str]) -> Peer {
    let mut p = Peer::connect(port);
    p.send_cmd(&["PING"]);
    assert_eq!(p.read_reply(), b"+PONG\r\n");
    let mut capa = vec!["REPLCONF"];
    for c in capas {
        capa.push("capa");
        capa.push(c);
    }
    let mut burst = encode(&["REPLCONF", "listening-port", "6380"]);
    burst.extend_from_slice(&encode(&capa));
    p.send(&burst);
    assert_eq!(p.read_reply(), b"+OK\r\n");
    assert_eq!(p.read_reply(), b"+OK\r\n");
    p
}

/// The payload of a full sync after its `+FULLRESYNC` line: skips `\n` keepalives, then
/// reads a `$<len>` or `$EOF:<mark>` framed RDB. Returns (the bulk header line, the RDB).
pub fn read_rdb(p: &mut Peer) -> (String, Vec<u8>) {
    let header = loop {
        let l = p.read_line_within(30);
        if !l.is_empty() {
            break String::from_utf8_lossy(&l).into_owned();
        }
    };
    if let Some(mark) = header.strip_prefix("$EOF:") {
        let mark = mark.as_bytes().to_vec();
        assert_eq!(mark.len(), 40, "EOF mark {header}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(pos) = p.buf.windows(40).position(|w| w == mark.as_slice()) {
                let rdb: Vec<u8> = p.buf.drain(..pos).collect();
                p.buf.drain(..40);
                return (header, rdb);
            }
            assert!(Instant::now() < deadline, "no EOF mark within 30 s");
            p.fill(Duration::from_millis(100));
        }
    }
    let len: usize = header
        .strip_prefix('$')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("bad bulk header {header:?}"));
    let rdb = p.read_exact(len);
    (header, rdb)
}

/// `REPLCONF ACK <off>` as the replica sends it.
pub fn ack(off: i64) -> Vec<u8> {
    encode(&["REPLCONF", "ACK", &off.to_string()])
}

/// A 40-hex replication id at the start of `s`.
pub fn is_replid(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

/// A TCP proxy between a listening port and 127.0.0.1:`upstream`, controlled by the test.
///
/// Every accepted connection is paired with a new connection to the upstream and copied
/// both ways by two threads. The proxy can record what passes, cut all current links,
/// refuse new links (accept and close at once, so the connecting side sees a dropped
/// connection), and cut a link once a byte budget has passed in the downstream direction
/// (upstream to client).
pub struct Proxy {
    /// The port the proxy listens on.
    pub port: u16,
    inner: Arc<ProxyInner>,
}

#[derive(Default)]
struct ProxyInner {
    stop: AtomicBool,
    refuse: AtomicBool,
    /// Cut the current link after this many more downstream bytes (u64::MAX = never).
    down_budget: AtomicU64,
    /// Cut the current link after this many more upstream bytes (u64::MAX = never).
    up_budget: AtomicU64,
    links: Mutex<Vec<(TcpStream, TcpStream)>>,
    accepted: AtomicUsize,
    cuts: AtomicUsize,
    /// Client to upstream bytes, per link (index = accept order).
    up: Mutex<Vec<Vec<u8>>>,
    /// Upstream to client bytes, per link.
    down: Mutex<Vec<Vec<u8>>>,
    record: AtomicBool,
}

impl Proxy {
    /// A proxy to 127.0.0.1:`upstream` on a free port; `record` keeps copies of the bytes.
    pub fn start(upstream: u16, record: bool) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let inner = Arc::new(ProxyInner {
            down_budget: AtomicU64::new(u64::MAX),
            up_budget: AtomicU64::new(u64::MAX),
            ..ProxyInner::default()
        });
        inner.record.store(record, Ordering::SeqCst);
        let i2 = inner.clone();
        std::thread::spawn(move || accept_loop(listener, upstream, i2));
        Proxy { port, inner }
    }

    /// Close every current link (both sockets, both directions).
    pub fn cut(&self) {
        let links = std::mem::take(&mut *self.inner.links.lock().unwrap());
        if !links.is_empty() {
            self.inner.cuts.fetch_add(1, Ordering::SeqCst);
        }
        for (a, b) in links {
            let _ = a.shutdown(Shutdown::Both);
            let _ = b.shutdown(Shutdown::Both);
        }
    }

    /// Refuse (accept and close at once) new links while `on`.
    pub fn refuse(&self, on: bool) {
        self.inner.refuse.store(on, Ordering::SeqCst);
    }

    /// Cut the link once `n` more bytes went upstream to client.
    pub fn cut_after_down(&self, n: u64) {
        self.inner.down_budget.store(n, Ordering::SeqCst);
    }

    /// Cut the link once `n` more bytes went client to upstream.
    pub fn cut_after_up(&self, n: u64) {
        self.inner.up_budget.store(n, Ordering::SeqCst);
    }

    /// Drop a pending byte-budget cut.
    pub fn disarm(&self) {
        self.inner.down_budget.store(u64::MAX, Ordering::SeqCst);
        self.inner.up_budget.store(u64::MAX, Ordering::SeqCst);
    }

    /// True while a byte-budget cut is pending.
    pub fn armed(&self) -> bool {
        self.inner.down_budget.load(Ordering::SeqCst) != u64::MAX
            || self.inner.up_budget.load(Ordering::SeqCst) != u64::MAX
    }

    /// How many links were accepted (refused ones included).
    pub fn accepted(&self) -> usize {
        self.inner.accepted.load(Ordering::SeqCst)
    }

    /// How many cuts closed at least one link.
    pub fn cuts(&self) -> usize {
        self.inner.cuts.load(Ordering::SeqCst)
    }

    /// The recorded client-to-upstream bytes of every link.
    pub fn up(&self) -> Vec<Vec<u8>> {
        self.inner.up.lock().unwrap().clone()
    }

    /// The recorded upstream-to-client bytes of every link.
    pub fn down(&self) -> Vec<Vec<u8>> {
        self.inner.down.lock().unwrap().clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        self.cut();
    }
}

fn accept_loop(listener: TcpListener, upstream: u16, inner: Arc<ProxyInner>) {
    while !inner.stop.load(Ordering::SeqCst) {
        let client = match listener.accept() {
            Ok((s, _)) => s,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
        };
        let idx = inner.accepted.fetch_add(1, Ordering::SeqCst);
        inner.up.lock().unwrap().push(Vec::new());
        inner.down.lock().unwrap().push(Vec::new());
        if inner.refuse.load(Ordering::SeqCst) {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        }
        let _ = client.set_nonblocking(false);
        let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        inner
            .links
            .lock()
            .unwrap()
            .push((client.try_clone().unwrap(), server.try_clone().unwrap()));
        for down in [false, true] {
            let (mut from, mut to) = if down {
                (server.try_clone().unwrap(), client.try_clone().unwrap())
            } else {
                (client.try_clone().unwrap(), server.try_clone().unwrap())
            };
            let inner = inner.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 16384];
                loop {
                    let n = match from.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let budget = if down {
                        &inner.down_budget
                    } else {
                        &inner.up_budget
                    };
                    let left = budget.load(Ordering::SeqCst);
                    let (pass, cut) = if left == u64::MAX {
                        (n, false)
                    } else if (n as u64) < left {
                        budget.store(left - n as u64, Ordering::SeqCst);
                        (n, false)
                    } else {
                        budget.store(u64::MAX, Ordering::SeqCst);
                        (left as usize, true)
                    };
                    if inner.record.load(Ordering::SeqCst) {
                        let rec = if down { &inner.down } else { &inner.up };
                        if let Some(v) = rec.lock().unwrap().get_mut(idx) {
                            v.extend_from_slice(&buf[..pass]);
                        }
                    }
                    if pass > 0 && to.write_all(&buf[..pass]).is_err() {
                        break;
                    }
                    if cut {
                        inner.cuts.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                }
                let _ = from.shutdown(Shutdown::Both);
                let _ = to.shutdown(Shutdown::Both);
            });
        }
    }
}

/// A fake master listening on a free port: answers the replica handshake (`+PONG`, `+OK`
/// to every REPLCONF/AUTH) and then stays silent forever after PSYNC (no `\n` keepalive),
/// counting the connections it got.
pub struct SilentMaster {
    /// Its port.
    pub port: u16,
    /// Connections accepted so far.
    pub connections: Arc<AtomicUsize>,
    /// PSYNC commands received so far.
    pub psyncs: Arc<AtomicUsize>,
}

impl SilentMaster {
    /// Start it (threads live until the process exits; sockets are dropped when the peer
    /// closes).
    pub fn start() -> SilentMaster {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let psyncs = Arc::new(AtomicUsize::new(0));
        let (c2, p2) = (connections.clone(), psyncs.clone());
        std::thread::spawn(move || {
            for s in listener.incoming() {
                let Ok(s) = s else { continue };
                c2.fetch_add(1, Ordering::SeqCst);
                let p3 = p2.clone();
                std::thread::spawn(move || {
                    let mut s = s;
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let _ = s.set_read_timeout(Some(Duration::from_secs(120)));
                    loop {
                        while let Some(args) = parse_request(&mut buf) {
                            let name = String::from_utf8_lossy(&args[0]).to_uppercase();
                            let reply: &[u8] = match name.as_str() {
                                "PING" => b"+PONG\r\n",
                                "PSYNC" | "SYNC" => {
                                    p3.fetch_add(1, Ordering::SeqCst);
                                    b""
                                }
                                _ => b"+OK\r\n",
                            };
                            if s.write_all(reply).is_err() {
                                return;
                            }
                        }
                        match s.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                });
            }
        });
        SilentMaster {
            port,
            connections,
            psyncs,
        }
    }
}

/// Take one RESP multibulk request from the front of `buf`, if complete.
pub fn parse_request(buf: &mut Vec<u8>) -> Option<Vec<Vec<u8>>> {
    match parse_reply(buf) {
        Ok(Some((Reply::Agg(_, Some(items)), used))) => {
            buf.drain(..used);
            Some(
                items
                    .into_iter()
                    .map(|i| match i {
                        Reply::Blob(_, Some(b)) => b,
                        other => other.to_bytes(),
                    })
                    .collect(),
            )
        }
        _ => None,
    }
}

/// All RESP multibulk requests in `bytes` (a recorded stream), skipping bare `\n`s; the
/// bytes after the last complete one are ignored.
pub fn requests(bytes: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let mut buf = bytes.to_vec();
    let mut out = Vec::new();
    loop {
        while buf.first() == Some(&b'\n') {
            buf.remove(0);
        }
        match parse_request(&mut buf) {
            Some(r) => out.push(r),
            None => return out,
        }
    }
}
