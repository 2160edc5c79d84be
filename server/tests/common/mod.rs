//! Shared helpers of the end-to-end tests: starting `replscope-server` and the real
//! `redis-server` 7.0.15 as child processes on free ports (killed on drop), finding the
//! Redis tools on PATH (a missing tool FAILS the test: `scripts/test` installs them),
//! a RESP request encoder, a RESP reply reader with timeouts, and a redis-cli-like
//! argument splitter. `redis-cli --rdb` / `--replica` against a server: [`cli`].
//!
//! Every read has a timeout, so a hung server fails the test within seconds.

#![allow(dead_code)]

pub mod cli;
pub mod repl;
pub mod spec;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long any single read may wait before the test fails.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The path of a Redis tool on PATH; panics with a clear message when it is missing.
pub fn tool(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!(
        "`{name}` was not found on PATH: these end-to-end tests need the real Redis 7.0.15 \
         tools (redis-server, redis-cli, redis-benchmark). Install them (scripts/test does: \
         apt-get install redis-server redis-tools) and run the tests again."
    );
}

/// The path of our server binary.
pub fn our_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_replscope-server"))
}

/// Which server implementation a [`ServerProc`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `replscope-server`.
    Ours,
    /// The real `redis-server`.
    Redis,
}

impl Kind {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ours => "replscope-server",
            Kind::Redis => "redis-server",
        }
    }
}

/// A server child process listening on 127.0.0.1:`port`; killed (and reaped) on drop.
pub struct ServerProc {
    /// Which implementation.
    pub kind: Kind,
    /// The TCP port it listens on.
    pub port: u16,
    child: Child,
    dir: PathBuf,
}

/// A port that was free a moment ago (the OS picked it for a listener we then closed);
/// never 6379, where a developer's own Redis may live.
pub fn free_port() -> u16 {
    loop {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = l.local_addr().unwrap().port();
        if port != 6379 {
            return port;
        }
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "replscope-e2e-{}-{}-{}",
        std::process::id(),
        tag,
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Start a server of `kind` with `attempt` on a port that was free a moment ago, up to five
/// times (the chosen port may get taken in between: the server then fails to bind); panics
/// with the last error.
pub fn on_a_free_port<T>(kind: Kind, mut attempt: impl FnMut(u16) -> Result<T, String>) -> T {
    let mut last = String::new();
    for _ in 0..5 {
        match attempt(free_port()) {
            Ok(started) => return started,
            Err(e) => last = e,
        }
    }
    panic!("{} never became ready: {last}", kind.name());
}

/// The binary of a server `kind`.
pub fn server_program(kind: Kind) -> PathBuf {
    match kind {
        Kind::Ours => our_binary(),
        Kind::Redis => tool("redis-server"),
    }
}

/// Spawn a server of `kind` on `port` with the arguments every test uses (loopback only, no
/// save points, no AOF, DEBUG allowed, `--dir dir`) plus `extra`; stdout and stderr go to
/// `log`.
pub fn spawn_server(kind: Kind, port: u16, dir: &Path, extra: &[&str], log: &Path) -> Child {
    let program = server_program(kind);
    let port_s = port.to_string();
    let dir_s = dir.display().to_string();
    let mut args: Vec<&str> = vec![
        "--port",
        &port_s,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--enable-debug-command",
        "yes",
        "--dir",
        &dir_s,
    ];
    args.extend_from_slice(extra);
    let f = std::fs::File::create(log).unwrap();
    Command::new(&program)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(f.try_clone().unwrap())
        .stderr(f)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()))
}

/// Why [`wait_listening`] gave up.
#[derive(Debug)]
pub enum NotListening {
    /// The process exited first.
    Exited(std::process::ExitStatus),
    /// `timeout` passed.
    TimedOut,
}

/// Poll every 20 ms until `log_ready()` is true and a TCP connection to `port` succeeds.
/// The log is checked first: if the chosen port got taken by another process, the child
/// fails to bind and exits, and a connection would reach the other one.
pub fn wait_listening(
    child: &mut Child,
    port: u16,
    timeout: Duration,
    mut log_ready: impl FnMut() -> bool,
) -> Result<(), NotListening> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(NotListening::Exited(status));
        }
        if log_ready() && TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(NotListening::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl ServerProc {
    /// Start our server with the common arguments plus `extra`.
    pub fn ours(extra: &[&str]) -> ServerProc {
        ServerProc::start(Kind::Ours, extra)
    }

    /// Start the real redis-server with the common arguments plus `extra`.
    pub fn redis(extra: &[&str]) -> ServerProc {
        ServerProc::start(Kind::Redis, extra)
    }

    /// The real redis-server started from the RDB `rdb` (see [`cli::put_rdb`]); panics
    /// unless its log says it loaded it.
    pub fn redis_from_rdb(rdb: &[u8]) -> ServerProc {
        let loaded = ServerProc::start_with(Kind::Redis, &cli::LOAD_ARGS, |d| cli::put_rdb(d, rdb));
        cli::assert_loaded(&loaded.log());
        loaded
    }

    /// Start a server of `kind` on a free port, retrying with another port if the
    /// chosen one got taken in between. Panics if it never becomes ready.
    pub fn start(kind: Kind, extra: &[&str]) -> ServerProc {
        ServerProc::start_with(kind, extra, |_| {})
    }

    /// [`ServerProc::start`], with `prepare` called on each fresh directory before the
    /// server starts in it (files it should find there).
    fn start_with(kind: Kind, extra: &[&str], prepare: impl Fn(&Path)) -> ServerProc {
        let program = server_program(kind);
        assert!(
            program.is_file(),
            "{} binary not found at {}",
            kind.name(),
            program.display()
        );
        on_a_free_port(kind, |port| {
            let dir = temp_dir(kind.name());
            prepare(&dir);
            let child = spawn_server(kind, port, &dir, extra, &dir.join("server.log"));
            let mut proc = ServerProc {
                kind,
                port,
                child,
                dir,
            };
            proc.wait_ready().map(|()| proc)
        })
    }

    /// Wait until the server logged `Ready to accept connections` and a TCP connection
    /// succeeds (or the process died, or 10 s passed).
    fn wait_ready(&mut self) -> Result<(), String> {
        let log = self.dir.join("server.log");
        let ready = || {
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains("Ready to accept connections")
        };
        match wait_listening(&mut self.child, self.port, Duration::from_secs(10), ready) {
            Ok(()) => Ok(()),
            Err(NotListening::Exited(status)) => Err(format!(
                "exited with {status} on port {}; log:\n{}",
                self.port,
                self.log()
            )),
            Err(NotListening::TimedOut) => {
                Err(format!("not listening on port {} after 10 s", self.port))
            }
        }
    }

    /// The server's log so far (stdout and stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// A new client connection.
    pub fn connect(&self) -> Conn {
        Conn::connect(self.port)
    }

    /// True while the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Panics (with the log) unless a fresh connection answers PING with +PONG.
    pub fn assert_serving(&mut self, context: &str) {
        assert!(
            self.alive(),
            "{} died ({context}); log:\n{}",
            self.kind.name(),
            self.log()
        );
        let mut c = self.connect();
        c.send(&encode(&[b"PING"]));
        match c.read_reply() {
            Ok(r) if r == b"+PONG\r\n" => {}
            other => panic!(
                "{} no longer answers PING ({context}): {:?}; log:\n{}",
                self.kind.name(),
                other.map(|r| escape(&r)),
                self.log()
            ),
        }
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Encode a command as a RESP array of bulk strings.
pub fn encode<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        let a = a.as_ref();
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A parsed RESP2/RESP3 reply.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reply {
    /// A one-line reply: `+ - : _ , # (` with its text.
    Line(u8, Vec<u8>),
    /// A length-prefixed reply: `$ ! =` (None is a null `$-1`).
    Blob(u8, Option<Vec<u8>>),
    /// An aggregate: `* ~ > % |` (None is a null `*-1`). Maps and attributes hold
    /// keys and values flattened.
    Agg(u8, Option<Vec<Reply>>),
}

impl Reply {
    /// Serialize back to RESP.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Reply::Line(t, s) => {
                out.push(*t);
                out.extend_from_slice(s);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Blob(t, None) => {
                out.push(*t);
                out.extend_from_slice(b"-1\r\n");
            }
            Reply::Blob(t, Some(s)) => {
                out.push(*t);
                out.extend_from_slice(format!("{}\r\n", s.len()).as_bytes());
                out.extend_from_slice(s);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Agg(t, None) => {
                out.push(*t);
                out.extend_from_slice(b"-1\r\n");
            }
            Reply::Agg(t, Some(items)) => {
                out.push(*t);
                let n = if matches!(t, b'%' | b'|') {
                    items.len() / 2
                } else {
                    items.len()
                };
                out.extend_from_slice(format!("{n}\r\n").as_bytes());
                for i in items {
                    i.write(out);
                }
            }
        }
    }

    /// The same reply with the elements of every aggregate sorted (recursively): for
    /// replies whose order Redis does not define (SMEMBERS of hashtable sets, KEYS...).
    pub fn sorted(&self) -> Reply {
        match self {
            Reply::Agg(t, Some(items)) => {
                let mut v: Vec<Reply> = items.iter().map(Reply::sorted).collect();
                v.sort();
                Reply::Agg(*t, Some(v))
            }
            other => other.clone(),
        }
    }

    /// The reply's shape: types and aggregate lengths, with every value blanked.
    pub fn shape(&self) -> Reply {
        match self {
            Reply::Line(t, _) => Reply::Line(*t, Vec::new()),
            Reply::Blob(t, v) => Reply::Blob(*t, v.as_ref().map(|_| Vec::new())),
            Reply::Agg(t, v) => {
                Reply::Agg(*t, v.as_ref().map(|i| i.iter().map(Reply::shape).collect()))
            }
        }
    }
}

/// Parse one reply from the start of `buf`: `Ok(None)` if incomplete, else the reply and
/// the number of bytes it took.
pub fn parse_reply(buf: &[u8]) -> Result<Option<(Reply, usize)>, String> {
    let Some(nl) = buf.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    let t = buf[0];
    let line = &buf[1..nl];
    let after = nl + 2;
    let num = || -> Result<i64, String> {
        std::str::from_utf8(line)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| format!("bad length line in reply: {}", escape(&buf[..after])))
    };
    match t {
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => {
            Ok(Some((Reply::Line(t, line.to_vec()), after)))
        }
        b'$' | b'!' | b'=' => {
            let n = num()?;
            if n < 0 {
                return Ok(Some((Reply::Blob(t, None), after)));
            }
            let n = n as usize;
            if buf.len() < after + n + 2 {
                return Ok(None);
            }
            if &buf[after + n..after + n + 2] != b"\r\n" {
                return Err(format!(
                    "bulk reply not terminated by CRLF: {}",
                    escape(&buf[..after + n + 2])
                ));
            }
            Ok(Some((
                Reply::Blob(t, Some(buf[after..after + n].to_vec())),
                after + n + 2,
            )))
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = num()?;
            if n < 0 {
                return Ok(Some((Reply::Agg(t, None), after)));
            }
            let count = if matches!(t, b'%' | b'|') { n * 2 } else { n } as usize;
            let mut items = Vec::new();
            let mut pos = after;
            for _ in 0..count {
                match parse_reply(&buf[pos..])? {
                    None => return Ok(None),
                    Some((r, used)) => {
                        items.push(r);
                        pos += used;
                    }
                }
            }
            Ok(Some((Reply::Agg(t, Some(items)), pos)))
        }
        _ => Err(format!(
            "unknown reply type byte: {}",
            escape(&buf[..after])
        )),
    }
}

/// A raw client connection with a reply reader; every read times out.
pub struct Conn {
    /// The socket.
    pub stream: TcpStream,
    buf: Vec<u8>,
    /// How long a reply may take (READ_TIMEOUT unless [`Conn::set_timeout`] changed it).
    timeout: Duration,
}

impl Conn {
    /// Let replies take up to `timeout` (for commands whose work grows with the machine's
    /// load, such as `DEBUG POPULATE` of a million keys in a debug build).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.stream.set_read_timeout(Some(timeout)).unwrap();
        self.timeout = timeout;
    }

    /// Connect to 127.0.0.1:`port`.
    pub fn connect(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("connect to 127.0.0.1:{port}: {e}"));
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(READ_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Conn {
            stream,
            buf: Vec::new(),
            timeout: READ_TIMEOUT,
        }
    }

    /// Write raw bytes; panics on error.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to server");
    }

    /// Write raw bytes, ignoring errors (the server may have closed already).
    pub fn send_lossy(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Read exactly one full reply and return its raw bytes.
    pub fn read_reply(&mut self) -> Result<Vec<u8>, String> {
        self.read_parsed().map(|(_, raw)| raw)
    }

    /// Read exactly one full reply: the parsed form and its raw bytes.
    pub fn read_parsed(&mut self) -> Result<(Reply, Vec<u8>), String> {
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some((r, used)) = parse_reply(&self.buf)? {
                let raw: Vec<u8> = self.buf.drain(..used).collect();
                return Ok((r, raw));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "timeout waiting for a reply (have {})",
                    escape(&self.buf)
                ));
            }
            let mut chunk = [0u8; 16384];
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return Err(format!(
                        "connection closed before a full reply (have {})",
                        escape(&self.buf)
                    ))
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => {
                    return Err(format!("read error: {e} (have {})", escape(&self.buf)));
                }
            }
        }
    }

    /// Send a command and read its reply's raw bytes; panics on I/O errors.
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Vec<u8> {
        self.send(&encode(args));
        self.read_reply().unwrap_or_else(|e| {
            let shown: Vec<String> = args.iter().map(|a| escape(a.as_ref())).collect();
            panic!("{shown:?}: {e}")
        })
    }

    /// Read whatever the server sends until it closes the connection (`true`) or stays
    /// silent for `quiet` (`false`). A reset counts as closed.
    pub fn drain(&mut self, quiet: Duration) -> (Vec<u8>, bool) {
        let mut out = std::mem::take(&mut self.buf);
        self.stream.set_read_timeout(Some(quiet)).unwrap();
        let hard = Instant::now() + self.timeout;
        let closed = loop {
            if Instant::now() > hard {
                break false;
            }
            let mut chunk = [0u8; 16384];
            match self.stream.read(&mut chunk) {
                Ok(0) => break true,
                Ok(n) => out.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    break false
                }
                Err(_) => break true,
            }
        };
        self.stream.set_read_timeout(Some(self.timeout)).unwrap();
        (out, closed)
    }

    /// Close the write side.
    pub fn shutdown_write(&self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

/// Bytes shown with Rust-like escapes (CR LF visible), for messages.
pub fn escape(b: &[u8]) -> String {
    let mut s = String::new();
    let shown = if b.len() > 600 { &b[..600] } else { b };
    for &c in shown {
        match c {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    if b.len() > 600 {
        s.push_str(&format!("...({} bytes)", b.len()));
    }
    format!("\"{s}\"")
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Split a line into arguments like redis-cli does (Redis's `sdssplitargs`): blanks
/// separate, "double quotes" understand `\n \r \t \b \a \\ \" \xHH`, 'single quotes'
/// only `\'`; a closing quote must be followed by a blank or the end. `None` on
/// unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n {
            return Some(out);
        }
        let mut cur = Vec::new();
        let mut inq = false;
        let mut insq = false;
        loop {
            if inq {
                if i >= n {
                    return None;
                }
                if line[i] == b'\\'
                    && i + 3 < n
                    && line[i + 1] == b'x'
                    && hex_digit(line[i + 2]).is_some()
                    && hex_digit(line[i + 3]).is_some()
                {
                    cur.push(
                        hex_digit(line[i + 2]).unwrap() * 16 + hex_digit(line[i + 3]).unwrap(),
                    );
                    i += 3;
                } else if line[i] == b'\\' && i + 1 < n {
                    i += 1;
                    cur.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        c => c,
                    });
                } else if line[i] == b'"' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(line[i]);
                }
            } else if insq {
                if i >= n {
                    return None;
                }
                if line[i] == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    i += 1;
                    cur.push(b'\'');
                } else if line[i] == b'\'' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(line[i]);
                }
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        i += 1;
                        break;
                    }
                    b'"' => inq = true,
                    b'\'' => insq = true,
                    c => cur.push(c),
                }
            }
            i += 1;
        }
        out.push(cur);
    }
}
