//! The deterministic discrete-event simulator: virtual nodes, virtual TCP links, a virtual
//! clock and one seeded random generator.
//!
//! The simulator drives any number of sans-IO node machines (anything implementing
//! [`SimNode`], e.g. the core's [`crate::server::Server`] or a scripted [`Probe`]) exactly as a
//! real driver would: it hands them accepted connections, connection completions, chunks of
//! bytes, closes and timer ticks, each with the virtual [`Time`], and drains what they want
//! done ([`NodeOutput`]). Everything happens in an event queue ordered by (time, sequence
//! number), so the same seed and the same inputs always give the same run — and the same
//! [`Trace`] hash — on native and on wasm32.
//!
//! Links model TCP between two nodes ([`link`]): a connect handshake, two independent
//! ordered byte streams with latency and bandwidth (queued bytes wait for the wire), random
//! chunking and coalescing of delivered bytes, FIN on a node's close, and faults as inputs
//! ([`Fault`]): cut (an RST: both ends see the close at once, bytes in flight are lost), hold
//! and release, slow, partition and heal between two nodes, crash and restart of a node.
//!
//! What it never does: read a clock, touch a socket, spawn a thread or ask the OS for
//! randomness. It knows nothing about replication or RESP: that lives in the nodes, and the
//! trace's message labels come from a caller-supplied [`trace::Labeler`].
//!
//! ```
//! use replscope_core::sim::{Dest, LinkParams, Probe, Simulator, ChunkPolicy};
//! use replscope_core::time::Time;
//! let t0 = Time::from_millis(1_700_000_000_000);
//! let mut sim: Simulator = Simulator::new(7, t0);
//! sim.set_default_link(LinkParams { latency_us: 1_000, bandwidth: 0, chunking: ChunkPolicy::Whole });
//! let a = sim.add_node(Box::new(Probe::new()), None);
//! let b = sim.add_node(Box::new(Probe::new()), Some(6379));
//! let conn = sim.with_node_as(a, |p: &mut Probe, _| {
//!     let c = p.connect(Dest::Node(b));
//!     p.send(c, b"hello");
//!     c
//! }).unwrap();
//! sim.run_until_quiet(t0.add_millis(1_000));
//! let got = sim.node_as::<Probe>(b).unwrap().accepted_input();
//! assert_eq!(got, b"hello");
//! # let _ = conn;
//! ```

use std::any::Any;
use std::borrow::Cow;

use bytes::Bytes;

use crate::time::Time;

pub mod applied;
pub mod bench;
mod engine;
pub mod fuzz;
pub mod link;
mod probe;
pub mod scenario;
mod server_node;
pub mod trace;

pub use engine::{Fault, Simulator};
pub use link::{ChunkPolicy, LinkParams};
pub use probe::{Probe, ProbeConn};
pub use trace::{Trace, TraceEntry, TraceKind};

/// A node of the simulation (its index in the simulator, stable for the whole run).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

/// A virtual TCP connection (both of its ends), numbered from 1 in creation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub u64);

/// A node's own handle for one of its connections (a file descriptor, a `CLIENT ID`). The
/// node chooses it: returned by [`SimNode::handle_accept`], given in [`NodeOutput::Connect`].
pub type ConnId = u64;

/// Where a node wants to connect.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Dest {
    /// A node, on its listening port.
    Node(NodeId),
    /// A `host` and `port`, as `REPLICAOF host port` names them; resolved against the nodes'
    /// virtual addresses ([`Simulator::addr_of`]). Unknown addresses are refused.
    Addr {
        /// Host (an IPv4 literal such as `127.0.0.2`).
        host: String,
        /// Port.
        port: u16,
    },
}

/// What the simulator tells a node about a connection it accepted (or opened, in
/// [`SimNode::handle_connected`]), seen from that node's end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkInfo {
    /// The link.
    pub link: LinkId,
    /// The node at the other end (for an accepted connection: the connecting node).
    pub peer: NodeId,
    /// `ip:port` of the other end.
    pub peer_addr: String,
    /// `ip:port` of our end (for an accepted connection: the listening one).
    pub local_addr: String,
}

/// A semantic event a node reports for the trace (a log line, a state change).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SimEvent {
    /// What kind of event (`"log"`, `"pause"`, later `"repl-state"`, `"fullresync"` ...).
    pub kind: Cow<'static, str>,
    /// Human-readable detail.
    pub text: String,
}

impl SimEvent {
    /// An event of `kind` with `text`.
    pub fn new(kind: impl Into<Cow<'static, str>>, text: impl Into<String>) -> Self {
        SimEvent {
            kind: kind.into(),
            text: text.into(),
        }
    }
}

/// What a node asks the simulator to do (drained with [`SimNode::poll_output`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeOutput {
    /// Write `bytes` to connection `conn` (dropped silently if it is closed).
    Transmit {
        /// The connection.
        conn: ConnId,
        /// The bytes.
        bytes: Bytes,
    },
    /// Open a connection to `to`; the node names it `conn`. Later comes either
    /// [`SimNode::handle_connected`] or, if refused, [`SimNode::handle_closed`]. Bytes
    /// transmitted before it completes are sent right after the handshake.
    Connect {
        /// The destination.
        to: Dest,
        /// The node's handle for the new connection.
        conn: ConnId,
    },
    /// Close `conn` after everything transmitted before (a FIN): the peer sees the close
    /// once those bytes arrived. Bytes still coming towards this node are discarded.
    Close {
        /// The connection.
        conn: ConnId,
    },
    /// Record a semantic event in the trace.
    Event(SimEvent),
    /// The process exits (SHUTDOWN): the simulator crashes the node (see [`Fault::Crash`]).
    Exit,
    /// The process is blocked until `until` (`DEBUG SLEEP`): no input, connection or timer
    /// reaches it before then (bytes keep arriving in its socket buffers meanwhile).
    Pause {
        /// When it runs again.
        until: Time,
    },
}

/// A sans-IO machine the simulator can drive, shaped like the core's machines
/// ([`crate::server::Server`]): `handle_*` calls carry the virtual time, `poll_*` calls drain
/// what the node wants.
pub trait SimNode {
    /// A connection to this (listening) node completed; returns the node's handle for it.
    fn handle_accept(&mut self, now: Time, info: &LinkInfo) -> ConnId;
    /// A connection this node opened ([`NodeOutput::Connect`]) is established; `info` seen
    /// from this end (`peer` is the accepting node, `peer_addr` its address, `local_addr`
    /// ours).
    fn handle_connected(&mut self, now: Time, conn: ConnId, info: &LinkInfo);
    /// Bytes arrived on `conn` (any chunk of the peer's stream, in order).
    fn handle_input(&mut self, now: Time, conn: ConnId, data: &[u8]);
    /// `conn` was closed by the peer, cut, or refused (for a pending connect).
    fn handle_closed(&mut self, now: Time, conn: ConnId);
    /// The time returned by [`SimNode::poll_timeout`] has come.
    fn handle_timeout(&mut self, now: Time);
    /// The next thing the node wants done.
    fn poll_output(&mut self) -> Option<NodeOutput>;
    /// When the node next wants [`SimNode::handle_timeout`] (`None`: never).
    fn poll_timeout(&self) -> Option<Time>;
    /// The node as [`Any`], so tests can reach the concrete machine behind a `Box<dyn SimNode>`.
    fn as_any(&self) -> &dyn Any;
    /// Mutable [`SimNode::as_any`].
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: SimNode + ?Sized> SimNode for Box<T> {
    fn handle_accept(&mut self, now: Time, info: &LinkInfo) -> ConnId {
        (**self).handle_accept(now, info)
    }
    fn handle_connected(&mut self, now: Time, conn: ConnId, info: &LinkInfo) {
        (**self).handle_connected(now, conn, info)
    }
    fn handle_input(&mut self, now: Time, conn: ConnId, data: &[u8]) {
        (**self).handle_input(now, conn, data)
    }
    fn handle_closed(&mut self, now: Time, conn: ConnId) {
        (**self).handle_closed(now, conn)
    }
    fn handle_timeout(&mut self, now: Time) {
        (**self).handle_timeout(now)
    }
    fn poll_output(&mut self) -> Option<NodeOutput> {
        (**self).poll_output()
    }
    fn poll_timeout(&self) -> Option<Time> {
        (**self).poll_timeout()
    }
    fn as_any(&self) -> &dyn Any {
        (**self).as_any()
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        (**self).as_any_mut()
    }
}
