//! A tiny in-process network of sans-IO [`Server`]s for replica-side tests: each node has a
//! port, a [`MemStorage`] (kept across restarts) and one ordinary client; the
//! [`Output::Connect`] of a replica is accepted by the node listening on that port, and
//! bytes are delivered in order, instantly. Time moves only through [`Net::advance_ms`].
#![allow(dead_code)]

use std::collections::VecDeque;

use replscope_core::client::{ClientId, PeerInfo};
use replscope_core::config::Config;
use replscope_core::persist::MemStorage;
use replscope_core::server::{Output, Server};
use replscope_core::time::Time;

/// The virtual start time (2023-11-14T22:13:20Z).
pub const NOW_MS: u64 = 1_700_000_000_000;

/// One server of the network.
pub struct Node {
    /// The server (`None` while down).
    pub srv: Option<Server>,
    /// Its configuration (used again at restart).
    pub cfg: Config,
    /// Its dump storage (survives restarts).
    pub storage: MemStorage,
    /// Its ordinary client.
    pub client: ClientId,
    /// Replies to the ordinary client not yet read.
    pub replies: Vec<u8>,
    /// Extra clients ([`Net::connect`]) and their unread replies.
    pub extra: Vec<(ClientId, Vec<u8>)>,
    /// Every log line, in order, across restarts.
    pub logs: Vec<String>,
    /// Every byte its replica link sent to its master (across links).
    pub link_tx: Vec<u8>,
    seed: u64,
}

/// One TCP connection: `(node, id)` at each end; `a` is the connecting side.
#[derive(Clone, Copy, Debug)]
struct Pipe {
    a: (usize, ClientId),
    b: (usize, ClientId),
}

/// The network.
pub struct Net {
    /// The nodes, by index.
    pub nodes: Vec<Node>,
    /// Virtual time.
    pub now: Time,
    pipes: Vec<Pipe>,
    queue: VecDeque<(usize, Output)>,
    /// Ports refusing new connections (a partition).
    pub blocked: Vec<u16>,
}

/// The RESP array of bulk strings `args`.
pub fn bulks(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
    }
    out
}

/// A field of an INFO reply.
pub fn field(info: &str, name: &str) -> Option<String> {
    info.split("\r\n")
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(str::to_string)
}

impl Net {
    /// An empty network at [`NOW_MS`].
    pub fn new() -> Net {
        Net {
            nodes: Vec::new(),
            now: Time::from_millis(NOW_MS),
            pipes: Vec::new(),
            queue: VecDeque::new(),
            blocked: Vec::new(),
        }
    }

    /// Add and start a node listening on `cfg.port`; its index.
    pub fn add(&mut self, cfg: Config, seed: u64) -> usize {
        self.nodes.push(Node {
            srv: None,
            cfg,
            storage: MemStorage::new(),
            client: 0,
            replies: Vec::new(),
            extra: Vec::new(),
            logs: Vec::new(),
            link_tx: Vec::new(),
            seed,
        });
        let i = self.nodes.len() - 1;
        self.start(i);
        i
    }

    /// (Re)start node `i` from its configuration and its dump (as `loadDataFromDisk`).
    pub fn start(&mut self, i: usize) {
        let n = &mut self.nodes[i];
        n.seed += 1000;
        let mut srv = Server::new(n.cfg.clone(), n.seed, self.now);
        srv.set_storage(Box::new(n.storage.clone()));
        srv.load_from_storage(self.now).expect("dump loads");
        let peer = PeerInfo {
            addr: "127.0.0.1:50000".into(),
            laddr: format!("127.0.0.1:{}", n.cfg.port),
            fd: -1,
        };
        n.client = srv.handle_accept(self.now, peer);
        n.replies.clear();
        n.extra.clear();
        n.srv = Some(srv);
        self.pump();
    }

    /// Stop node `i` abruptly (its connections are closed on the other side).
    pub fn kill(&mut self, i: usize) {
        self.nodes[i].srv = None;
        let (gone, kept): (Vec<Pipe>, Vec<Pipe>) =
            self.pipes.iter().partition(|p| p.a.0 == i || p.b.0 == i);
        self.pipes = kept;
        for p in gone {
            let other = if p.a.0 == i { p.b } else { p.a };
            if let Some(s) = self.nodes[other.0].srv.as_mut() {
                s.handle_close(self.now, other.1);
            }
            self.collect(other.0);
        }
        self.pump();
    }

    /// Close every connection between nodes `a` and `b` (both sides see it closed).
    pub fn cut(&mut self, a: usize, b: usize) {
        let (gone, kept): (Vec<Pipe>, Vec<Pipe>) = self
            .pipes
            .iter()
            .partition(|p| (p.a.0 == a && p.b.0 == b) || (p.a.0 == b && p.b.0 == a));
        self.pipes = kept;
        let now = self.now;
        for p in gone {
            for end in [p.a, p.b] {
                if let Some(s) = self.nodes[end.0].srv.as_mut() {
                    s.handle_close(now, end.1);
                }
                self.collect(end.0);
            }
        }
        self.pump();
    }

    /// The server of node `i`.
    pub fn srv(&mut self, i: usize) -> &mut Server {
        self.nodes[i].srv.as_mut().expect("node is up")
    }

    /// Send raw bytes from node `i`'s ordinary client; the replies produced right away.
    pub fn raw(&mut self, i: usize, bytes: &[u8]) -> String {
        let now = self.now;
        let c = self.nodes[i].client;
        self.srv(i).handle_input(now, c, bytes);
        self.collect(i);
        self.pump();
        let r = std::mem::take(&mut self.nodes[i].replies);
        String::from_utf8_lossy(&r).into_owned()
    }

    /// Another ordinary client of node `i`.
    pub fn connect(&mut self, i: usize) -> ClientId {
        let now = self.now;
        let peer = PeerInfo {
            addr: format!("127.0.0.1:{}", 50001 + self.nodes[i].extra.len()),
            laddr: format!("127.0.0.1:{}", self.nodes[i].cfg.port),
            fd: -1,
        };
        let id = self.srv(i).handle_accept(now, peer);
        self.nodes[i].extra.push((id, Vec::new()));
        id
    }

    /// Send raw bytes from client `c` of node `i` (see [`Net::connect`]).
    pub fn raw_from(&mut self, i: usize, c: ClientId, bytes: &[u8]) {
        let now = self.now;
        self.srv(i).handle_input(now, c, bytes);
        self.collect(i);
        self.pump();
    }

    /// The unread replies to client `c` of node `i`.
    pub fn replies_of(&mut self, i: usize, c: ClientId) -> String {
        let r = self.nodes[i]
            .extra
            .iter_mut()
            .find(|(id, _)| *id == c)
            .map(|(_, r)| std::mem::take(r))
            .unwrap_or_default();
        String::from_utf8_lossy(&r).into_owned()
    }

    /// One command from node `i`'s ordinary client; its reply.
    pub fn cmd(&mut self, i: usize, args: &[&str]) -> String {
        self.raw(i, &bulks(args))
    }

    /// Replies that arrived later (a blocked command unblocking).
    pub fn take_replies(&mut self, i: usize) -> String {
        let r = std::mem::take(&mut self.nodes[i].replies);
        String::from_utf8_lossy(&r).into_owned()
    }

    /// An INFO field of node `i`.
    pub fn info(&mut self, i: usize, name: &str) -> Option<String> {
        let r = self.cmd(i, &["INFO", "everything"]);
        field(&r, name)
    }

    /// Advance the clock by `ms` in 10 ms steps, running every node's timers.
    pub fn advance_ms(&mut self, ms: u64) {
        let end = self.now.add_millis(ms);
        while self.now < end {
            self.now = self.now.add_millis(10).min(end);
            for i in 0..self.nodes.len() {
                let now = self.now;
                if let Some(s) = self.nodes[i].srv.as_mut() {
                    if s.poll_timeout().is_some_and(|t| t <= now) {
                        s.handle_timeout(now);
                    }
                }
                self.collect(i);
            }
            self.pump();
        }
    }

    /// Whether node `i` logged a line containing `s`.
    pub fn logged(&self, i: usize, s: &str) -> bool {
        self.nodes[i].logs.iter().any(|l| l.contains(s))
    }

    fn collect(&mut self, i: usize) {
        if let Some(s) = self.nodes[i].srv.as_mut() {
            while let Some(o) = s.poll_output() {
                self.queue.push_back((i, o));
            }
        }
    }

    fn peer(&self, i: usize, id: ClientId) -> Option<(usize, (usize, ClientId))> {
        self.pipes.iter().enumerate().find_map(|(k, p)| {
            if p.a == (i, id) {
                Some((k, p.b))
            } else if p.b == (i, id) {
                Some((k, p.a))
            } else {
                None
            }
        })
    }

    /// Deliver everything queued until nothing moves.
    pub fn pump(&mut self) {
        for i in 0..self.nodes.len() {
            self.collect(i);
        }
        let now = self.now;
        while let Some((i, o)) = self.queue.pop_front() {
            match o {
                Output::Connect { link, host, port } => {
                    let dst = self
                        .nodes
                        .iter()
                        .position(|n| n.cfg.port == port && n.srv.is_some())
                        .filter(|_| !self.blocked.contains(&port));
                    match dst {
                        Some(d) => {
                            let peer = PeerInfo {
                                addr: format!("127.0.0.1:{}", 40000 + link % 1000),
                                laddr: format!("127.0.0.1:{port}"),
                                fd: -1,
                            };
                            // The connecting end sees the same pair of addresses, swapped.
                            let ours = PeerInfo {
                                addr: format!("{host}:{port}"),
                                laddr: peer.addr.clone(),
                                fd: -1,
                            };
                            let id = self.srv(d).handle_accept(now, peer);
                            self.pipes.push(Pipe {
                                a: (i, link),
                                b: (d, id),
                            });
                            if let Some(s) = self.nodes[i].srv.as_mut() {
                                s.handle_link_connected_from(now, link, Some(ours));
                            }
                            self.collect(d);
                        }
                        None => {
                            if let Some(s) = self.nodes[i].srv.as_mut() {
                                s.handle_close(now, link);
                            }
                        }
                    }
                    self.collect(i);
                }
                Output::Transmit { client, bytes } => {
                    if client == self.nodes[i].client {
                        self.nodes[i].replies.extend_from_slice(&bytes);
                        continue;
                    }
                    if let Some((_, r)) =
                        self.nodes[i].extra.iter_mut().find(|(id, _)| *id == client)
                    {
                        r.extend_from_slice(&bytes);
                        continue;
                    }
                    if let Some((k, (d, id))) = self.peer(i, client) {
                        if self.pipes[k].a == (i, client) {
                            self.nodes[i].link_tx.extend_from_slice(&bytes);
                        }
                        if let Some(s) = self.nodes[d].srv.as_mut() {
                            s.handle_input(now, id, &bytes);
                        }
                        self.collect(d);
                    }
                }
                Output::Close { client } => {
                    if let Some((k, (d, id))) = self.peer(i, client) {
                        self.pipes.remove(k);
                        if let Some(s) = self.nodes[d].srv.as_mut() {
                            s.handle_close(now, id);
                        }
                        self.collect(d);
                    }
                }
                Output::Log { message, .. } => self.nodes[i].logs.push(message),
                Output::Shutdown { .. } => self.kill(i),
                Output::Pause { .. } => {}
            }
        }
    }
}

/// A config listening on `port`, replicating from `master` when given.
pub fn config(port: u16, master: Option<u16>) -> Config {
    let mut c = Config {
        port,
        replicaof: master.map(|p| ("127.0.0.1".to_string(), p)),
        enable_debug_command: replscope_core::config::ProtectedAction::Yes,
        ..Config::default()
    };
    // 7.0's default diskless sync waits 5 s for more replicas; these tests want it at once.
    c.set_runtime(&[(b"repl-diskless-sync-delay", b"0")])
        .expect("valid config");
    c
}
