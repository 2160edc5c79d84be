//! The tokio driver: real sockets around the sans-IO [`replscope_core::server::Server`].
//!
//! One task (the *core task*) owns the `Server`, like Redis's single thread. Connection
//! tasks only move bytes: a reader per connection forwards what arrives, a writer per
//! connection writes what the core produced. The runtime is single-threaded, so the whole
//! server uses one core, as Redis does. The driver never parses RESP and never decides
//! anything a client sees; every reply comes from the core.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use replscope_core::client::{ClientId, PeerInfo};
use replscope_core::config::Config;
use replscope_core::server::{LogLevel, Output, ProcessInfo, Server};
use replscope_core::time::Time;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Messages from the network tasks to the core task.
enum CoreMsg {
    Accepted(TcpStream, SocketAddr, SocketAddr),
    Input(ClientId, Bytes),
    Closed(ClientId),
    /// The connection to our master (`Output::Connect`) is established.
    LinkConnected(ClientId, TcpStream),
}

struct Conn {
    tx: mpsc::UnboundedSender<Bytes>,
    reader: JoinHandle<()>,
    /// Bytes handed to the writer task and not yet written to the socket.
    unsent: Arc<AtomicU64>,
    /// The last `unsent` value reported to the core.
    reported: u64,
}

/// Tell the core how much output each connection has not written yet (for the replicas'
/// `client-output-buffer-limit`), when it changed since the last report.
fn report_unsent(server: &mut Server, conns: &mut HashMap<ClientId, Conn>) {
    let t = now();
    for (id, c) in conns.iter_mut() {
        let unsent = c.unsent.load(Ordering::Relaxed);
        if unsent != c.reported {
            c.reported = unsent;
            server.handle_output_pending(t, *id, unsent);
        }
    }
}

/// The wall clock as the core wants it.
pub fn now() -> Time {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Time::from_micros(d.as_micros() as u64)
}

/// Where the tokio runtime should deliver the core's deadline.
fn instant_for(t: Time) -> tokio::time::Instant {
    let now_t = now();
    let wait = Duration::from_micros(t.micros_since(now_t));
    tokio::time::Instant::now() + wait
}

/// Errors that stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// No listening socket could be opened.
    #[error("Could not create server TCP listening socket {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Open the listening sockets named by `bind` and `port` (`-addr` entries are optional:
/// a failure to bind them is logged, not fatal). Port 0 opens none, as in Redis.
pub async fn bind_listeners(config: &Config) -> Result<Vec<TcpListener>, StartError> {
    let mut out = Vec::new();
    if config.port == 0 {
        return Ok(out);
    }
    for entry in &config.bind {
        let (optional, addr) = match entry.strip_prefix('-') {
            Some(a) => (true, a),
            None => (false, entry.as_str()),
        };
        let host = match addr {
            "*" => "0.0.0.0",
            "::*" => "::",
            a => a,
        };
        let sock = if host.contains(':') {
            format!("[{}]:{}", host, config.port)
        } else {
            format!("{}:{}", host, config.port)
        };
        match TcpListener::bind(&sock).await {
            Ok(l) => out.push(l),
            Err(e) if optional => {
                tracing::warn!(
                    "Failed listening on port {} (tcp), optional {}: {}",
                    config.port,
                    sock,
                    e
                );
            }
            Err(e) => {
                return Err(StartError::Bind {
                    addr: sock,
                    source: e,
                })
            }
        }
    }
    Ok(out)
}

fn os_seed() -> u64 {
    let mut buf = [0u8; 8];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        if f.read_exact(&mut buf).is_ok() {
            return u64::from_le_bytes(buf);
        }
    }
    now().as_micros() ^ u64::from(std::process::id()).rotate_left(32)
}

/// The core server for `config`, with file storage in `dir` (see [`crate::storage`]).
pub fn new_server(config: Config, process: ProcessInfo) -> Server {
    let mut server = Server::new(config, os_seed(), now());
    server.state_mut().process = process;
    server.set_storage(Box::new(crate::storage::FileStorage::new()));
    server
}

/// Write the log lines the core queued (at startup, before [`run`] drains outputs itself).
/// Other outputs are dropped: no client exists yet.
pub fn flush_logs(server: &mut Server) {
    crate::logging::set_replica(server.state().is_replica());
    while let Some(out) = server.poll_output() {
        if let Output::Log { level, message } = out {
            log_line(level, &message);
        }
    }
}

fn log_line(level: LogLevel, message: &str) {
    match level {
        LogLevel::Debug => tracing::trace!("{}", message),
        LogLevel::Verbose => tracing::debug!("{}", message),
        LogLevel::Notice => tracing::info!("{}", message),
        LogLevel::Warning => tracing::warn!("{}", message),
    }
}

/// The SIGTERM and SIGINT handlers, installed before the server says it is ready (a signal
/// sent right after `Ready to accept connections` must reach the shutdown code, not kill
/// the process).
pub struct Signals {
    sigterm: tokio::signal::unix::Signal,
    sigint: tokio::signal::unix::Signal,
}

/// Install the SIGTERM and SIGINT handlers (inside the runtime).
pub fn install_signals() -> std::io::Result<Signals> {
    use tokio::signal::unix::{signal, SignalKind};
    Ok(Signals {
        sigterm: signal(SignalKind::terminate())?,
        sigint: signal(SignalKind::interrupt())?,
    })
}

/// Run `server` until SHUTDOWN or a signal. Returns the process exit code.
pub async fn run(mut server: Server, listeners: Vec<TcpListener>, signals: Signals) -> i32 {
    let (tx, mut rx) = mpsc::unbounded_channel::<CoreMsg>();
    for l in listeners {
        let tx = tx.clone();
        tokio::spawn(async move {
            loop {
                match l.accept().await {
                    Ok((s, peer)) => {
                        let local = s.local_addr().unwrap_or(peer);
                        if tx.send(CoreMsg::Accepted(s, peer, local)).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!("Accepting client connection: {}", e);
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
        });
    }

    let mut conns: HashMap<ClientId, Conn> = HashMap::new();

    let Signals {
        mut sigterm,
        mut sigint,
    } = signals;

    loop {
        let deadline = server.poll_timeout().map(instant_for);
        tokio::select! {
            biased;
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                handle_msg(&mut server, &mut conns, &tx, msg);
                // Drain what else is queued before flushing, to batch work per wake-up.
                let mut budget = 256;
                while budget > 0 {
                    match rx.try_recv() {
                        Ok(m) => handle_msg(&mut server, &mut conns, &tx, m),
                        Err(_) => break,
                    }
                    budget -= 1;
                }
            }
            _ = async { match deadline { Some(d) => tokio::time::sleep_until(d).await, None => std::future::pending().await } } => {
                report_unsent(&mut server, &mut conns);
                server.handle_timeout(now());
            }
            _ = sigterm.recv() => {
                tracing::warn!("Received SIGTERM scheduling shutdown...");
                if !server.handle_shutdown_signal(now()) {
                    log_shutdown_failed(&mut server, "SIGTERM");
                }
            }
            _ = sigint.recv() => {
                tracing::warn!("Received SIGINT scheduling shutdown...");
                if !server.handle_shutdown_signal(now()) {
                    log_shutdown_failed(&mut server, "SIGINT");
                }
            }
        }
        if let Some(code) = drain_outputs(&mut server, &mut conns, &tx).await {
            return code;
        }
    }
    0
}

/// A signal's shutdown failed (the final save did not work): the server keeps running, as
/// Redis does after logging why.
fn log_shutdown_failed(server: &mut Server, signal: &str) {
    server.state_mut().log(
        LogLevel::Warning,
        format!(
            "{signal} received but errors trying to shut down the server, check the logs for more information"
        ),
    );
}

fn handle_msg(
    server: &mut Server,
    conns: &mut HashMap<ClientId, Conn>,
    tx: &mpsc::UnboundedSender<CoreMsg>,
    msg: CoreMsg,
) {
    match msg {
        CoreMsg::Accepted(stream, peer, local) => {
            let _ = stream.set_nodelay(true);
            let fd = {
                use std::os::fd::AsRawFd;
                i64::from(stream.as_raw_fd())
            };
            let info = PeerInfo {
                addr: peer.to_string(),
                laddr: local.to_string(),
                fd,
            };
            let id = server.handle_accept(now(), info);
            conns.insert(id, wire(stream, id, tx));
        }
        CoreMsg::LinkConnected(id, stream) => {
            let _ = stream.set_nodelay(true);
            // The master client shows the master's address and our end of the link.
            let peer = match (stream.peer_addr(), stream.local_addr()) {
                (Ok(peer), Ok(local)) => {
                    use std::os::fd::AsRawFd;
                    Some(PeerInfo {
                        addr: peer.to_string(),
                        laddr: local.to_string(),
                        fd: i64::from(stream.as_raw_fd()),
                    })
                }
                _ => None,
            };
            conns.insert(id, wire(stream, id, tx));
            server.handle_link_connected_from(now(), id, peer);
        }
        CoreMsg::Input(id, bytes) => server.handle_input(now(), id, &bytes),
        CoreMsg::Closed(id) => {
            server.handle_close(now(), id);
            conns.remove(&id);
        }
    }
}

/// Most bytes the writer task gathers from its queue into one `write` (Redis's
/// `NET_MAX_WRITES_PER_EVENT` is 64 KiB per client and turn).
const WRITE_BATCH_MAX: usize = 64 * 1024;

/// Start the reader and writer tasks of a connection (a client, or the link to our master):
/// bytes read go to the core as `Input(id)`, the end as `Closed(id)`.
fn wire(stream: TcpStream, id: ClientId, tx: &mpsc::UnboundedSender<CoreMsg>) -> Conn {
    let (mut rd, mut wr) = stream.into_split();
    let (wtx, mut wrx) = mpsc::unbounded_channel::<Bytes>();
    let unsent = Arc::new(AtomicU64::new(0));
    let wunsent = unsent.clone();
    tokio::spawn(async move {
        // Coalesce whatever is already queued into one write, as Redis writes a client's
        // whole output buffer once per event loop turn: a replica is sent one chunk per
        // propagated command, and a syscall each would cost more than the commands.
        let mut batch = BytesMut::new();
        while let Some(first) = wrx.recv().await {
            let mut written = first.len();
            let res = match wrx.try_recv() {
                Err(_) => wr.write_all(&first).await,
                Ok(second) => {
                    batch.extend_from_slice(&first);
                    batch.extend_from_slice(&second);
                    while batch.len() < WRITE_BATCH_MAX {
                        match wrx.try_recv() {
                            Ok(more) => batch.extend_from_slice(&more),
                            Err(_) => break,
                        }
                    }
                    written = batch.len();
                    let r = wr.write_all(&batch).await;
                    batch.clear();
                    r
                }
            };
            if res.is_err() {
                return;
            }
            wunsent.fetch_sub(written as u64, Ordering::Relaxed);
        }
        let _ = wr.shutdown().await;
    });
    let itx = tx.clone();
    let reader = tokio::spawn(async move {
        let mut buf = BytesMut::with_capacity(16 * 1024);
        loop {
            if buf.capacity() - buf.len() < 4096 {
                buf.reserve(16 * 1024);
            }
            match rd.read_buf(&mut buf).await {
                Ok(0) | Err(_) => {
                    let _ = itx.send(CoreMsg::Closed(id));
                    return;
                }
                Ok(_) => {
                    if itx.send(CoreMsg::Input(id, buf.split().freeze())).is_err() {
                        return;
                    }
                }
            }
        }
    });
    Conn {
        tx: wtx,
        reader,
        unsent,
        reported: 0,
    }
}

/// Chunks at least this large are not gathered (copied) but handed over as they are.
const GATHER_MAX_CHUNK: usize = 16 * 1024;

/// First allocation for a connection's gathered bytes (a replica gets many small chunks).
const GATHER_MIN: usize = 16 * 1024;

/// Bytes for one connection gathered during a [`drain_outputs`] pass: the first chunk as is
/// (no copy when it stays alone), later ones appended, handed over at
/// [`WRITE_BATCH_MAX`] bytes at the latest.
enum Gathered {
    One(Bytes),
    Many(BytesMut),
}

impl Gathered {
    fn push(&mut self, bytes: Bytes) {
        match self {
            Gathered::One(first) => {
                let mut all = BytesMut::with_capacity((first.len() + bytes.len()).max(GATHER_MIN));
                all.extend_from_slice(first);
                all.extend_from_slice(&bytes);
                *self = Gathered::Many(all);
            }
            Gathered::Many(all) => all.extend_from_slice(&bytes),
        }
    }

    fn len(&self) -> usize {
        match self {
            Gathered::One(b) => b.len(),
            Gathered::Many(all) => all.len(),
        }
    }

    fn into_bytes(self) -> Bytes {
        match self {
            Gathered::One(b) => b,
            Gathered::Many(all) => all.freeze(),
        }
    }
}

/// Hand what was gathered for `client` to its writer task.
fn flush_gathered(
    conns: &HashMap<ClientId, Conn>,
    gathered: &mut HashMap<ClientId, Gathered>,
    client: ClientId,
) {
    if let Some(g) = gathered.remove(&client) {
        send_to_writer(conns, client, g.into_bytes());
    }
}

/// Hand everything gathered to the writer tasks.
fn flush_all_gathered(conns: &HashMap<ClientId, Conn>, gathered: &mut HashMap<ClientId, Gathered>) {
    for (client, g) in gathered.drain() {
        send_to_writer(conns, client, g.into_bytes());
    }
}

fn send_to_writer(conns: &HashMap<ClientId, Conn>, client: ClientId, bytes: Bytes) {
    if let Some(c) = conns.get(&client) {
        c.unsent.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let _ = c.tx.send(bytes);
    }
}

/// Carry out what the core asked for. `Some(code)` means exit the process.
///
/// Small chunks for one connection are gathered over the whole pass and handed to its writer
/// together (up to [`WRITE_BATCH_MAX`] bytes), as Redis writes each client's buffer once per
/// event loop turn: a replica gets one transmit per propagated command, and a channel
/// message (and writer wake-up) for each costs more than the command. Large chunks are
/// handed over as they are. The order of each connection's bytes is kept, and a
/// connection's bytes go before its close; different connections are independent.
async fn drain_outputs(
    server: &mut Server,
    conns: &mut HashMap<ClientId, Conn>,
    tx: &mpsc::UnboundedSender<CoreMsg>,
) -> Option<i32> {
    let mut gathered: HashMap<ClientId, Gathered> = HashMap::new();
    // Log lines carry the role letter of the server as it is after this turn (`S` once
    // REPLICAOF took effect, `M` after REPLICAOF NO ONE), as Redis's `serverLogRaw`.
    crate::logging::set_replica(server.state().is_replica());
    while let Some(out) = server.poll_output() {
        match out {
            Output::Transmit { client, bytes } => {
                if bytes.is_empty() {
                    continue;
                }
                if bytes.len() >= GATHER_MAX_CHUNK {
                    // A large chunk (an RDB transfer, a big reply) goes as it is: copying it
                    // would cost more than the message it saves.
                    flush_gathered(conns, &mut gathered, client);
                    send_to_writer(conns, client, bytes);
                    continue;
                }
                let full = match gathered.get_mut(&client) {
                    Some(g) => {
                        g.push(bytes);
                        g.len() >= WRITE_BATCH_MAX
                    }
                    None => {
                        gathered.insert(client, Gathered::One(bytes));
                        false
                    }
                };
                if full {
                    flush_gathered(conns, &mut gathered, client);
                }
            }
            Output::Close { client } => {
                flush_gathered(conns, &mut gathered, client);
                if let Some(c) = conns.remove(&client) {
                    c.reader.abort();
                    // Dropping the sender lets the writer flush and shut the socket down.
                }
            }
            Output::Pause { until } => {
                flush_all_gathered(conns, &mut gathered);
                tokio::time::sleep_until(instant_for(until)).await;
            }
            Output::Shutdown { .. } => {
                flush_all_gathered(conns, &mut gathered);
                // The core already saved and logged the shutdown lines; write the log lines
                // still queued, and let the writers flush what was already queued.
                flush_logs(server);
                tokio::task::yield_now().await;
                return Some(0);
            }
            Output::Log { level, message } => log_line(level, &message),
            Output::Connect { link, host, port } => {
                // A non-blocking connect, as Redis's `connectWithMaster`: the result comes
                // back through the core task's channel.
                let tx = tx.clone();
                tokio::spawn(async move {
                    let addr = if host.contains(':') {
                        format!("[{host}]:{port}")
                    } else {
                        format!("{host}:{port}")
                    };
                    let msg = match TcpStream::connect(addr).await {
                        Ok(s) => CoreMsg::LinkConnected(link, s),
                        Err(_) => CoreMsg::Closed(link),
                    };
                    let _ = tx.send(msg);
                });
            }
        }
    }
    flush_all_gathered(conns, &mut gathered);
    None
}
