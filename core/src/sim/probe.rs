//! A scripted node for tests and scenarios: it opens connections, sends what it is told,
//! and records everything it receives with arrival times.

use crate::vecmap::VecMap;
use std::any::Any;
use std::collections::VecDeque;

use bytes::Bytes;

use super::{ConnId, Dest, LinkInfo, NodeId, NodeOutput, SimEvent, SimNode};
use crate::time::Time;

/// What a [`Probe`] knows about one of its connections.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProbeConn {
    /// The peer, for accepted connections.
    pub peer: Option<NodeId>,
    /// The probe accepted it (rather than opened it).
    pub accepted: bool,
    /// Established (accepted, or the connect completed).
    pub connected: bool,
    /// Closed by the peer, cut, refused, or by the probe.
    pub closed: bool,
    /// Every byte received, in order.
    pub received: Vec<u8>,
    /// Every byte the probe sent.
    pub sent: Vec<u8>,
    /// Each `handle_input` call: its time and the total received after it.
    pub arrivals: Vec<(Time, usize)>,
}

/// A node that does only what it is told through [`crate::sim::Simulator::with_node_as`].
#[derive(Debug, Default)]
pub struct Probe {
    next_conn: ConnId,
    conns: VecMap<ConnId, ProbeConn>,
    out: VecDeque<NodeOutput>,
}

impl Probe {
    /// A probe with no connections.
    pub fn new() -> Self {
        Probe {
            next_conn: 1,
            ..Default::default()
        }
    }

    fn new_conn(&mut self) -> ConnId {
        let id = self.next_conn;
        self.next_conn += 1;
        id
    }

    /// Open a connection to `to`; returns its handle.
    pub fn connect(&mut self, to: Dest) -> ConnId {
        let conn = self.new_conn();
        self.conns.insert(conn, ProbeConn::default());
        self.out.push_back(NodeOutput::Connect { to, conn });
        conn
    }

    /// Send `bytes` on `conn`.
    pub fn send(&mut self, conn: ConnId, bytes: &[u8]) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.sent.extend_from_slice(bytes);
        }
        self.out.push_back(NodeOutput::Transmit {
            conn,
            bytes: Bytes::copy_from_slice(bytes),
        });
    }

    /// Close `conn`.
    pub fn close(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.closed = true;
        }
        self.out.push_back(NodeOutput::Close { conn });
    }

    /// Report an event for the trace.
    pub fn emit(&mut self, event: SimEvent) {
        self.out.push_back(NodeOutput::Event(event));
    }

    /// One connection.
    pub fn conn(&self, conn: ConnId) -> Option<&ProbeConn> {
        self.conns.get(&conn)
    }

    /// All connections, by handle.
    pub fn conns(&self) -> &VecMap<ConnId, ProbeConn> {
        &self.conns
    }

    /// Everything received on accepted connections, in handle order.
    pub fn accepted_input(&self) -> Vec<u8> {
        self.conns
            .values()
            .filter(|c| c.accepted)
            .flat_map(|c| c.received.iter().copied())
            .collect()
    }
}

impl SimNode for Probe {
    fn handle_accept(&mut self, _now: Time, info: &LinkInfo) -> ConnId {
        let conn = self.new_conn();
        self.conns.insert(
            conn,
            ProbeConn {
                peer: Some(info.peer),
                accepted: true,
                connected: true,
                ..Default::default()
            },
        );
        conn
    }
    fn handle_connected(&mut self, _now: Time, conn: ConnId, _info: &LinkInfo) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.connected = true;
        }
    }
    fn handle_input(&mut self, now: Time, conn: ConnId, data: &[u8]) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.received.extend_from_slice(data);
            c.arrivals.push((now, c.received.len()));
        }
    }
    fn handle_closed(&mut self, _now: Time, conn: ConnId) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.closed = true;
        }
    }
    fn handle_timeout(&mut self, _now: Time) {}
    fn poll_output(&mut self) -> Option<NodeOutput> {
        self.out.pop_front()
    }
    fn poll_timeout(&self) -> Option<Time> {
        None
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
