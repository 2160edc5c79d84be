//! The event loop: the virtual clock, the event queue, nodes, links and faults.

use crate::vecmap::{VecMap, VecSet};
use std::any::Any;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

use bytes::Bytes;

use super::link::{ChunkPolicy, Direction, End, EndState, Link, LinkParams, Segment};
use super::trace::{CloseReason, Trace, TraceKind};
use super::{ConnId, Dest, LinkId, LinkInfo, NodeId, NodeOutput, SimEvent, SimNode};
use crate::rng::Rng;
use crate::time::Time;

/// A fault, applied at once with [`Simulator::inject`] or at a chosen time with
/// [`Simulator::schedule`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Reset the link (an RST): both ends are told it closed right now (a connect still in
    /// progress is told it failed), every byte in flight is lost.
    Cut(LinkId),
    /// Stop delivering in both directions: bytes keep being sent and queue up.
    Hold(LinkId),
    /// Stop delivering what `from` sends on the link.
    HoldOneWay {
        /// The link.
        link: LinkId,
        /// The sending node whose direction is held.
        from: NodeId,
    },
    /// Resume delivery in both directions: what queued arrives in order, from now on.
    Release(LinkId),
    /// Change latency, bandwidth and chunking of both directions (arrival order is kept).
    Slow {
        /// The link.
        link: LinkId,
        /// New parameters.
        params: LinkParams,
    },
    /// Hold every link between two nodes, and every link opened between them until healed.
    Partition(NodeId, NodeId),
    /// Undo [`Fault::Partition`]: release the links between the two nodes.
    Heal(NodeId, NodeId),
    /// The node's process dies: each of its connections closes as if the node had closed it
    /// (the peers see a FIN after the bytes already sent), bytes towards it are lost, its
    /// timers stop, connects to it are refused. Its state is kept for [`Fault::Restart`]
    /// (it is first told every connection closed, with its outputs discarded) or replaced
    /// with [`Simulator::restart_with`].
    Crash(NodeId),
    /// Bring a crashed node back with the state it had.
    Restart(NodeId),
}

enum Ev {
    Timer {
        node: NodeId,
        gen: u64,
    },
    Deliver {
        link: LinkId,
        dir: usize,
        token: u64,
    },
    Fault(Fault),
}

struct Scheduled {
    at: Time,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    /// Reversed, so the max-heap pops the earliest (time, sequence) first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .at
            .cmp(&self.at)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

struct Slot<N> {
    node: N,
    up: bool,
    listen: Option<u16>,
    ip: String,
    timer_gen: u64,
    timer_at: Option<Time>,
    conns: VecMap<ConnId, (LinkId, usize)>,
    /// Blocked (`DEBUG SLEEP`) until then.
    busy_until: Time,
}

/// The deterministic discrete-event simulator (see the [module docs](super)).
///
/// `N` is the node type: `Box<dyn SimNode>` (the default) mixes kinds of nodes; an enum or a
/// single machine type gives direct access to the nodes.
pub struct Simulator<N: SimNode = Box<dyn SimNode>> {
    now: Time,
    seq: u64,
    queue: BinaryHeap<Scheduled>,
    rng: Rng,
    nodes: Vec<Slot<N>>,
    links: VecMap<LinkId, Link>,
    next_link: u64,
    next_port: u16,
    default_link: LinkParams,
    paths: VecMap<(NodeId, NodeId), LinkParams>,
    partitions: VecSet<(NodeId, NodeId)>,
    trace: Trace,
    pending_io: u64,
    events: u64,
}

impl<N: SimNode> std::fmt::Debug for Simulator<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("now", &self.now)
            .field("nodes", &self.nodes.len())
            .field("links", &self.links.len())
            .field("queued", &self.queue.len())
            .field("trace", &self.trace)
            .finish()
    }
}

fn pair(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

impl<N: SimNode> Simulator<N> {
    /// An empty simulation whose randomness is fixed by `seed`, starting at `start`.
    pub fn new(seed: u64, start: Time) -> Self {
        Simulator {
            now: start,
            seq: 0,
            queue: BinaryHeap::new(),
            rng: Rng::new(seed),
            nodes: Vec::new(),
            links: VecMap::new(),
            next_link: 1,
            next_port: 40000,
            default_link: LinkParams::default(),
            paths: VecMap::new(),
            partitions: VecSet::new(),
            trace: Trace::default(),
            pending_io: 0,
            events: 0,
        }
    }

    /// The virtual time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// The simulation's random generator (derive node seeds and workloads from it).
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// The trace.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The trace (to install a labeler, stop keeping entries, clear them).
    pub fn trace_mut(&mut self) -> &mut Trace {
        &mut self.trace
    }

    /// Events processed so far.
    pub fn events_processed(&self) -> u64 {
        self.events
    }

    /// Parameters of links opened from now on (unless [`Simulator::set_path`] says otherwise).
    pub fn set_default_link(&mut self, params: LinkParams) {
        self.default_link = params;
    }

    /// Parameters of links opened from now on between `a` and `b` (either direction).
    pub fn set_path(&mut self, a: NodeId, b: NodeId, params: LinkParams) {
        self.paths.insert(pair(a, b), params);
    }

    /// Add a node, listening on `listen` (or not listening). Its initial outputs are
    /// processed and its timer armed.
    pub fn add_node(&mut self, node: N, listen: Option<u16>) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        let n = self.nodes.len() + 1;
        self.nodes.push(Slot {
            node,
            up: true,
            listen,
            ip: format!("127.0.{}.{}", (n >> 8) & 255, n & 255),
            timer_gen: 0,
            timer_at: None,
            conns: VecMap::new(),
            busy_until: Time::default(),
        });
        self.after_call(id, false);
        id
    }

    /// Record a semantic event at a node from outside (a scenario runner narrating what it
    /// does, e.g. which process replaced a crashed node).
    pub fn note(&mut self, node: NodeId, event: SimEvent) {
        self.record(node, None, TraceKind::Event(event));
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The node's IP address (`127.0.x.y`, unique per node; every node counts as local).
    pub fn addr_of(&self, id: NodeId) -> &str {
        &self.nodes[id.0 as usize].ip
    }

    /// The node's listening port.
    pub fn listen_port(&self, id: NodeId) -> Option<u16> {
        self.nodes[id.0 as usize].listen
    }

    /// True unless the node crashed (and was not restarted).
    pub fn is_up(&self, id: NodeId) -> bool {
        self.nodes[id.0 as usize].up
    }

    /// The node.
    pub fn node(&self, id: NodeId) -> &N {
        &self.nodes[id.0 as usize].node
    }

    /// The node as its concrete type `T` (through [`SimNode::as_any`]).
    pub fn node_as<T: Any>(&self, id: NodeId) -> Option<&T> {
        self.nodes[id.0 as usize].node.as_any().downcast_ref()
    }

    /// Act on a node from outside (a client typing a command, a test poking state), then
    /// process its outputs and re-arm its timer as after any event. A crashed node's
    /// outputs are discarded.
    pub fn with_node<R>(&mut self, id: NodeId, f: impl FnOnce(&mut N, Time) -> R) -> R {
        let now = self.now;
        let r = f(&mut self.nodes[id.0 as usize].node, now);
        self.after_call(id, false);
        r
    }

    /// [`Simulator::with_node`] on the node's concrete type `T` (`None` if it is not a `T`).
    pub fn with_node_as<T: Any, R>(
        &mut self,
        id: NodeId,
        f: impl FnOnce(&mut T, Time) -> R,
    ) -> Option<R> {
        let now = self.now;
        let r = self.nodes[id.0 as usize]
            .node
            .as_any_mut()
            .downcast_mut::<T>()
            .map(|n| f(n, now));
        self.after_call(id, false);
        r
    }

    /// The links still open at least at one end, in creation order.
    pub fn links(&self) -> Vec<LinkId> {
        self.links.keys().copied().collect()
    }

    /// The nodes at both ends of a live link (connector, acceptor).
    pub fn link_ends(&self, link: LinkId) -> Option<(NodeId, Option<NodeId>)> {
        self.links
            .get(&link)
            .and_then(|l| Some((l.ends[0].node?, l.ends[1].node)))
    }

    /// The live links between `a` and `b`, in creation order.
    pub fn links_between(&self, a: NodeId, b: NodeId) -> Vec<LinkId> {
        self.links
            .iter()
            .filter(|(_, l)| {
                let (x, y) = (l.ends[0].node, l.ends[1].node);
                (x == Some(a) && y == Some(b)) || (x == Some(b) && y == Some(a))
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// Whether the link is established and open at both ends (neither end closed it, was
    /// told it closed, or crashed).
    pub fn is_link_open(&self, link: LinkId) -> bool {
        self.links
            .get(&link)
            .is_some_and(|l| l.ends.iter().all(|e| e.state == EndState::Open))
    }

    /// The link behind a node's connection handle.
    pub fn link_of(&self, node: NodeId, conn: ConnId) -> Option<LinkId> {
        self.nodes[node.0 as usize].conns.get(&conn).map(|c| c.0)
    }

    /// Bytes queued on a link towards `to` and not delivered yet.
    pub fn bytes_in_flight(&self, link: LinkId, to: NodeId) -> usize {
        let Some(l) = self.links.get(&link) else {
            return 0;
        };
        (0..2)
            .filter(|&d| l.ends[1 - d].node == Some(to))
            .flat_map(|d| l.dirs[d].queue.iter())
            .map(|f| match &f.seg {
                Segment::Data(b) => b.len(),
                _ => 0,
            })
            .sum()
    }

    /// Apply a fault now.
    pub fn inject(&mut self, fault: Fault) {
        self.apply_fault(fault);
    }

    /// Apply a fault at `at` (at once if that is not in the future).
    pub fn schedule(&mut self, at: Time, fault: Fault) {
        let at = at.max(self.now);
        self.push(at, Ev::Fault(fault));
    }

    /// Replace a crashed node's state with `node` (a fresh process, e.g. built from its
    /// dump) and start it. Also works on a running node: it is crashed first.
    pub fn restart_with(&mut self, id: NodeId, node: N) {
        self.crash(id);
        self.nodes[id.0 as usize].node = node;
        self.restart(id);
    }

    /// When the next event is due.
    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.peek().map(|s| s.at)
    }

    /// True when nothing but timers is pending: no bytes or connects in flight (except on
    /// held links, which move only once released) and no scheduled fault.
    pub fn is_quiet(&self) -> bool {
        self.pending_io == 0
    }

    /// Process one event, advancing the clock to it. False when the queue is empty.
    pub fn step(&mut self) -> bool {
        let Some(s) = self.queue.pop() else {
            return false;
        };
        if !matches!(s.ev, Ev::Timer { .. }) {
            self.pending_io -= 1;
        }
        self.now = self.now.max(s.at);
        self.events += 1;
        match s.ev {
            Ev::Timer { node, gen } => self.fire_timer(node, gen),
            Ev::Deliver { link, dir, token } => self.deliver(link, dir, token),
            Ev::Fault(f) => self.apply_fault(f),
        }
        true
    }

    /// Process every event due at or before `t`, then set the clock to `t`.
    pub fn run_until(&mut self, t: Time) {
        while self.queue.peek().is_some_and(|s| s.at <= t) {
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Process events (timers included, in time order) until [`Simulator::is_quiet`], or
    /// until the next event would be after `deadline`. Returns whether it got quiet.
    pub fn run_until_quiet(&mut self, deadline: Time) -> bool {
        while !self.is_quiet() {
            if self.queue.peek().is_none_or(|s| s.at > deadline) {
                return false;
            }
            self.step();
        }
        true
    }

    // ---- internals ----

    fn push(&mut self, at: Time, ev: Ev) {
        if !matches!(ev, Ev::Timer { .. }) {
            self.pending_io += 1;
        }
        self.seq += 1;
        self.queue.push(Scheduled {
            at,
            seq: self.seq,
            ev,
        });
    }

    fn record(&mut self, node: NodeId, link: Option<LinkId>, kind: TraceKind) {
        self.trace.record(self.now, node, link, kind);
    }

    /// Arm the delivery event of a direction for its first segment (if any and not held).
    fn arm(&mut self, link: LinkId, dir: usize) {
        let now = self.now;
        let Some(l) = self.links.get_mut(&link) else {
            return;
        };
        let d = &mut l.dirs[dir];
        if d.held {
            return;
        }
        let Some(front) = d.queue.front() else {
            return;
        };
        d.token += 1;
        let (at, token) = (front.at.max(now), d.token);
        self.push(at, Ev::Deliver { link, dir, token });
    }

    /// Queue a segment in a direction and arm it if the direction was idle.
    /// A blocked sender's segments leave when it wakes up (the reply to `DEBUG SLEEP`).
    fn send_seg(&mut self, link: LinkId, dir: usize, seg: Segment) -> bool {
        let Some(l) = self.links.get_mut(&link) else {
            return false;
        };
        let now = match l.ends[dir].node {
            Some(n) => self.now.max(self.nodes[n.0 as usize].busy_until),
            None => self.now,
        };
        let d = &mut l.dirs[dir];
        let was_idle = d.queue.is_empty();
        let ok = match seg {
            Segment::Data(b) => d.push_data(now, b, &mut self.rng),
            other => d.push_control(now, other),
        };
        if ok && was_idle {
            self.arm(link, dir);
        }
        ok
    }

    fn remove_if_done(&mut self, link: LinkId) {
        if let Some(l) = self.links.get(&link) {
            if l.ends.iter().all(|e| e.state == EndState::Closed) {
                self.links.remove(&link);
            }
        }
    }

    fn fire_timer(&mut self, id: NodeId, gen: u64) {
        let now = self.now;
        let slot = &mut self.nodes[id.0 as usize];
        if !slot.up || slot.timer_gen != gen {
            return;
        }
        if slot.busy_until > now {
            let at = slot.busy_until;
            slot.timer_at = Some(at);
            self.push(at, Ev::Timer { node: id, gen });
            return;
        }
        slot.timer_at = None;
        slot.node.handle_timeout(now);
        self.after_call(id, true);
    }

    /// Process a node's outputs, then re-arm its timer.
    fn after_call(&mut self, id: NodeId, fired: bool) {
        let idx = id.0 as usize;
        while let Some(out) = self.nodes[idx].node.poll_output() {
            if !self.nodes[idx].up {
                continue;
            }
            match out {
                NodeOutput::Transmit { conn, bytes } => self.node_transmit(id, conn, bytes),
                NodeOutput::Connect { to, conn } => self.node_connect(id, to, conn),
                NodeOutput::Close { conn } => self.node_close(id, conn),
                NodeOutput::Event(e) => self.record(id, None, TraceKind::Event(e)),
                NodeOutput::Exit => self.crash(id),
                NodeOutput::Pause { until } => {
                    let slot = &mut self.nodes[idx];
                    slot.busy_until = slot.busy_until.max(until);
                    let ev = SimEvent::new("pause", format!("until {}", until.as_micros()));
                    self.record(id, None, TraceKind::Event(ev));
                }
            }
        }
        let now = self.now;
        let slot = &mut self.nodes[idx];
        if !slot.up {
            return;
        }
        match slot.node.poll_timeout() {
            None => {
                if slot.timer_at.take().is_some() {
                    slot.timer_gen += 1;
                }
            }
            Some(t) => {
                let mut t = t.max(now);
                if fired && t <= now {
                    // The node wants to run again at once: let time move on.
                    t = now.add_micros(1);
                }
                if slot.timer_at != Some(t) {
                    slot.timer_gen += 1;
                    slot.timer_at = Some(t);
                    let gen = slot.timer_gen;
                    self.push(t, Ev::Timer { node: id, gen });
                }
            }
        }
    }

    fn node_transmit(&mut self, id: NodeId, conn: ConnId, bytes: Bytes) {
        let found = self.nodes[id.0 as usize].conns.get(&conn).copied();
        let Some((link, side)) = found else {
            let len = bytes.len();
            self.record(id, None, TraceKind::Dropped { conn, len });
            return;
        };
        let dead = self.links.get(&link).is_none_or(|l| l.dirs[side].dead);
        if dead {
            let len = bytes.len();
            self.record(id, Some(link), TraceKind::Dropped { conn, len });
            return;
        }
        self.record(
            id,
            Some(link),
            TraceKind::Send {
                conn,
                bytes: bytes.clone(),
            },
        );
        self.send_seg(link, side, Segment::Data(bytes));
    }

    fn resolve(&self, to: &Dest) -> (Option<NodeId>, u16) {
        match to {
            Dest::Node(n) if (n.0 as usize) < self.nodes.len() => {
                (Some(*n), self.nodes[n.0 as usize].listen.unwrap_or(0))
            }
            Dest::Node(_) => (None, 0),
            Dest::Addr { host, port } => {
                let node = self.nodes.iter().position(|s| s.ip == *host);
                (node.map(|i| NodeId(i as u32)), *port)
            }
        }
    }

    fn node_connect(&mut self, id: NodeId, to: Dest, conn: ConnId) {
        let (target, port) = self.resolve(&to);
        let link = LinkId(self.next_link);
        self.next_link += 1;
        let eport = self.next_port;
        self.next_port = if self.next_port == u16::MAX {
            40000
        } else {
            self.next_port + 1
        };
        let params = target
            .and_then(|t| self.paths.get(&pair(id, t)).copied())
            .unwrap_or(self.default_link);
        let held = target.is_some_and(|t| self.partitions.contains(&pair(id, t)));
        let target_addr = match (&to, target) {
            (Dest::Addr { host, port }, _) => format!("{host}:{port}"),
            (Dest::Node(_), Some(t)) => format!("{}:{}", self.nodes[t.0 as usize].ip, port),
            (Dest::Node(n), None) => format!("node{}:0", n.0),
        };
        let l = Link {
            ends: [
                End {
                    node: Some(id),
                    conn: Some(conn),
                    state: EndState::Pending,
                    addr: format!("{}:{}", self.nodes[id.0 as usize].ip, eport),
                },
                End {
                    node: target,
                    conn: None,
                    state: EndState::Pending,
                    addr: target_addr,
                },
            ],
            dirs: [Direction::new(params, held), Direction::new(params, held)],
        };
        self.links.insert(link, l);
        self.nodes[id.0 as usize].conns.insert(conn, (link, 0));
        self.record(id, Some(link), TraceKind::Connect { to: target, conn });
        self.send_seg(link, 0, Segment::Syn);
    }

    /// The node closes its end: FIN to the peer after the bytes sent, nothing more to it.
    fn node_close(&mut self, id: NodeId, conn: ConnId) {
        let Some((link, side)) = self.nodes[id.0 as usize].conns.remove(&conn) else {
            return;
        };
        let Some(l) = self.links.get_mut(&link) else {
            return;
        };
        if l.ends[side].state == EndState::Closed {
            return;
        }
        l.ends[side].state = EndState::Closed;
        l.dirs[1 - side].kill();
        self.record(id, Some(link), TraceKind::Close { conn });
        self.send_seg(link, side, Segment::Fin);
        self.remove_if_done(link);
    }

    fn deliver(&mut self, link: LinkId, dir: usize, token: u64) {
        let now = self.now;
        let Some(l) = self.links.get_mut(&link) else {
            return;
        };
        let d = &mut l.dirs[dir];
        if d.held || d.token != token {
            return;
        }
        // A blocked receiver reads nothing before it wakes up.
        if let Some(r) = l.ends[1 - dir].node {
            let busy = self.nodes[r.0 as usize].busy_until;
            if busy > now {
                d.token += 1;
                let token = d.token;
                self.push(busy, Ev::Deliver { link, dir, token });
                return;
            }
        }
        let Some(first) = d.queue.pop_front() else {
            return;
        };
        let seg = match first.seg {
            Segment::Data(b) if matches!(d.params.chunking, ChunkPolicy::Random { .. }) => {
                // Coalesce chunks that already arrived, as one read would.
                let mut merged: Option<Vec<u8>> = None;
                while let Some(next) = d.queue.front() {
                    if next.at > now || !matches!(next.seg, Segment::Data(_)) {
                        break;
                    }
                    if self.rng.below(2) == 0 {
                        break;
                    }
                    let Some(super::link::InFlight {
                        seg: Segment::Data(nb),
                        ..
                    }) = d.queue.pop_front()
                    else {
                        break;
                    };
                    merged
                        .get_or_insert_with(|| b.to_vec())
                        .extend_from_slice(&nb);
                }
                Segment::Data(merged.map(Bytes::from).unwrap_or(b))
            }
            other => other,
        };
        self.arm(link, dir);
        let r = 1 - dir;
        match seg {
            Segment::Syn => self.on_syn(link),
            Segment::SynAck => {
                let l = &mut self.links.get_mut(&link).expect("link");
                if l.ends[0].state != EndState::Pending {
                    return;
                }
                l.ends[0].state = EndState::Open;
                let (Some(node), Some(conn)) = (l.ends[0].node, l.ends[0].conn) else {
                    return;
                };
                let info = LinkInfo {
                    link,
                    peer: l.ends[1].node.unwrap_or(node),
                    peer_addr: l.ends[1].addr.clone(),
                    local_addr: l.ends[0].addr.clone(),
                };
                self.record(node, Some(link), TraceKind::Connected { conn });
                self.nodes[node.0 as usize]
                    .node
                    .handle_connected(now, conn, &info);
                self.after_call(node, false);
            }
            Segment::Rst => self.close_end(link, 0, CloseReason::Refused),
            Segment::Fin => self.close_end(link, r, CloseReason::Peer),
            Segment::Data(bytes) => {
                let l = &self.links[&link];
                if l.ends[r].state != EndState::Open {
                    return;
                }
                let (Some(node), Some(conn)) = (l.ends[r].node, l.ends[r].conn) else {
                    return;
                };
                self.record(
                    node,
                    Some(link),
                    TraceKind::Deliver {
                        conn,
                        bytes: bytes.clone(),
                    },
                );
                self.nodes[node.0 as usize]
                    .node
                    .handle_input(now, conn, &bytes);
                self.after_call(node, false);
            }
        }
    }

    /// A connection request reaches the acceptor.
    fn on_syn(&mut self, link: LinkId) {
        let now = self.now;
        let l = &self.links[&link];
        if l.ends[1].state != EndState::Pending {
            return;
        }
        let port: u16 = l.ends[1]
            .addr
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let acceptor = l.ends[1].node.filter(|n| {
            let s = &self.nodes[n.0 as usize];
            s.up && s.listen.is_some() && s.listen == Some(port)
        });
        let (Some(acc), Some(from)) = (acceptor, l.ends[0].node) else {
            let l = self.links.get_mut(&link).expect("link");
            l.ends[1].state = EndState::Closed;
            l.dirs[0].kill();
            self.send_seg(link, 1, Segment::Rst);
            return;
        };
        let info = LinkInfo {
            link,
            peer: from,
            peer_addr: l.ends[0].addr.clone(),
            local_addr: l.ends[1].addr.clone(),
        };
        let conn = self.nodes[acc.0 as usize].node.handle_accept(now, &info);
        let l = self.links.get_mut(&link).expect("link");
        l.ends[1].conn = Some(conn);
        l.ends[1].state = EndState::Open;
        self.nodes[acc.0 as usize].conns.insert(conn, (link, 1));
        self.record(acc, Some(link), TraceKind::Accept { from, conn });
        self.send_seg(link, 1, Segment::SynAck);
        self.after_call(acc, false);
    }

    /// Tell end `side` its connection is closed (FIN received, refused).
    fn close_end(&mut self, link: LinkId, side: usize, reason: CloseReason) {
        let now = self.now;
        let Some(l) = self.links.get_mut(&link) else {
            return;
        };
        if l.ends[side].state == EndState::Closed {
            return;
        }
        l.ends[side].state = EndState::Closed;
        l.dirs[side].kill();
        let (node, conn) = (l.ends[side].node, l.ends[side].conn);
        self.remove_if_done(link);
        let (Some(node), Some(conn)) = (node, conn) else {
            return;
        };
        self.nodes[node.0 as usize].conns.remove(&conn);
        self.record(node, Some(link), TraceKind::Closed { conn, reason });
        self.nodes[node.0 as usize].node.handle_closed(now, conn);
        self.after_call(node, false);
    }

    fn set_held(&mut self, link: LinkId, dirs: &[usize], held: bool) {
        for &dir in dirs {
            let Some(l) = self.links.get_mut(&link) else {
                return;
            };
            let d = &mut l.dirs[dir];
            if d.held == held {
                continue;
            }
            d.held = held;
            if held {
                d.token += 1;
            } else {
                self.arm(link, dir);
            }
        }
    }

    fn fault_node(&self, f: &Fault) -> NodeId {
        let of_link = |l: &LinkId| {
            self.links
                .get(l)
                .and_then(|l| l.ends[0].node)
                .unwrap_or(NodeId(0))
        };
        match f {
            Fault::Cut(l) | Fault::Hold(l) | Fault::Release(l) => of_link(l),
            Fault::Slow { link, .. } => of_link(link),
            Fault::HoldOneWay { from, .. } => *from,
            Fault::Partition(a, _) | Fault::Heal(a, _) => *a,
            Fault::Crash(n) | Fault::Restart(n) => *n,
        }
    }

    fn apply_fault(&mut self, fault: Fault) {
        let at = self.fault_node(&fault);
        let link = match &fault {
            Fault::Cut(l) | Fault::Hold(l) | Fault::Release(l) => Some(*l),
            Fault::Slow { link, .. } | Fault::HoldOneWay { link, .. } => Some(*link),
            _ => None,
        };
        match fault {
            Fault::Crash(n) => return self.crash(n),
            Fault::Restart(n) => return self.restart(n),
            _ => {}
        }
        self.record(at, link, TraceKind::Fault(fault.clone()));
        match fault {
            Fault::Cut(l) => self.cut(l),
            Fault::Hold(l) => self.set_held(l, &[0, 1], true),
            Fault::Release(l) => self.set_held(l, &[0, 1], false),
            Fault::HoldOneWay { link, from } => {
                if let Some(l) = self.links.get(&link) {
                    let dirs: Vec<usize> =
                        (0..2).filter(|&d| l.ends[d].node == Some(from)).collect();
                    self.set_held(link, &dirs, true);
                }
            }
            Fault::Slow { link, params } => {
                if let Some(l) = self.links.get_mut(&link) {
                    l.dirs[0].params = params;
                    l.dirs[1].params = params;
                }
            }
            Fault::Partition(a, b) => {
                self.partitions.insert(pair(a, b));
                for l in self.links_between(a, b) {
                    self.set_held(l, &[0, 1], true);
                }
            }
            Fault::Heal(a, b) => {
                self.partitions.remove(&pair(a, b));
                for l in self.links_between(a, b) {
                    self.set_held(l, &[0, 1], false);
                }
            }
            Fault::Crash(_) | Fault::Restart(_) => {}
        }
    }

    /// RST: both ends closed now, everything in flight lost.
    fn cut(&mut self, link: LinkId) {
        let Some(mut l) = self.links.remove(&link) else {
            return;
        };
        let mut notify = Vec::new();
        for end in &mut l.ends {
            if end.state != EndState::Closed {
                if let (Some(node), Some(conn)) = (end.node, end.conn) {
                    notify.push((node, conn));
                }
            }
            end.state = EndState::Closed;
        }
        for (node, conn) in notify {
            self.nodes[node.0 as usize].conns.remove(&conn);
            self.record(
                node,
                Some(link),
                TraceKind::Closed {
                    conn,
                    reason: CloseReason::Cut,
                },
            );
            let now = self.now;
            self.nodes[node.0 as usize].node.handle_closed(now, conn);
            self.after_call(node, false);
        }
    }

    fn crash(&mut self, id: NodeId) {
        let idx = id.0 as usize;
        if !self.nodes[idx].up {
            return;
        }
        self.record(id, None, TraceKind::Fault(Fault::Crash(id)));
        let conns: Vec<ConnId> = self.nodes[idx].conns.keys().copied().collect();
        for conn in &conns {
            self.node_close(id, *conn);
        }
        let slot = &mut self.nodes[idx];
        slot.up = false;
        slot.timer_gen += 1;
        slot.timer_at = None;
        // The kept state forgets its connections; whatever it says now is lost.
        let now = self.now;
        for conn in conns {
            slot.node.handle_closed(now, conn);
        }
        while slot.node.poll_output().is_some() {}
    }

    fn restart(&mut self, id: NodeId) {
        let idx = id.0 as usize;
        if self.nodes[idx].up {
            return;
        }
        self.record(id, None, TraceKind::Fault(Fault::Restart(id)));
        self.nodes[idx].up = true;
        self.after_call(id, false);
    }
}
