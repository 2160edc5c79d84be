//! The simulation trace: everything that happened, in order, with a stable hash.
//!
//! Each [`TraceEntry`] has the virtual time, the node it happened at, the link (if any) and
//! what happened ([`TraceKind`]): messages a node sent (with an optional label from the
//! [`Labeler`], e.g. `PSYNC ? -1` later), the chunks it received, connections, closes,
//! faults and the nodes' own [`SimEvent`]s. The [`Trace::hash`] ([`StableHasher`]) is over a fixed,
//! platform-independent encoding of the entries (labels excluded), updated as entries are
//! recorded, so it is available even when entries are not kept.

use std::hash::{Hash, Hasher};

use bytes::Bytes;

use super::engine::Fault;
use super::{ConnId, LinkId, NodeId, SimEvent};
use crate::time::Time;

/// Labels a message a node transmits (`node`, raw bytes) for the trace, or `None`.
pub type Labeler = Box<dyn Fn(NodeId, &[u8]) -> Option<String>>;

/// Why a node was told a connection closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// The peer closed it (FIN after its last bytes), or crashed.
    Peer,
    /// The link was cut (RST).
    Cut,
    /// The connect was refused (nobody listening, node down, unknown address).
    Refused,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TraceKind {
    /// The node opened a connection (`to` is `None` for an unknown address).
    Connect {
        /// Destination node.
        to: Option<NodeId>,
        /// The node's handle.
        conn: ConnId,
    },
    /// The node accepted a connection.
    Accept {
        /// The connecting node.
        from: NodeId,
        /// The node's handle.
        conn: ConnId,
    },
    /// A connection the node opened is established.
    Connected {
        /// The node's handle.
        conn: ConnId,
    },
    /// The node transmitted a message.
    Send {
        /// The node's handle.
        conn: ConnId,
        /// The bytes.
        bytes: Bytes,
    },
    /// Bytes were delivered to the node.
    Deliver {
        /// The node's handle.
        conn: ConnId,
        /// The bytes.
        bytes: Bytes,
    },
    /// The node transmitted on a closed or unknown connection: discarded.
    Dropped {
        /// The node's handle.
        conn: ConnId,
        /// Number of bytes.
        len: usize,
    },
    /// The node closed a connection.
    Close {
        /// The node's handle.
        conn: ConnId,
    },
    /// The node was told a connection closed.
    Closed {
        /// The node's handle.
        conn: ConnId,
        /// Why.
        reason: CloseReason,
    },
    /// A node-reported event.
    Event(SimEvent),
    /// A fault was applied (recorded at node 0 unless it names a node).
    Fault(Fault),
}

/// One trace entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEntry {
    /// When.
    pub time: Time,
    /// Where.
    pub node: NodeId,
    /// On which link.
    pub link: Option<LinkId>,
    /// What.
    pub kind: TraceKind,
    /// The [`Labeler`]'s label for a [`TraceKind::Send`] (not part of the hash).
    pub label: Option<String>,
}

/// A 64-bit FNV-1a-style hash with a platform-independent encoding (integers little-endian,
/// `usize` as 64 bits; byte strings as 8-byte little-endian words, each folded in with a
/// multiply and a rotation, then their last bytes one by one): the same input hashes the
/// same on every target and every run. A fingerprint of a run, not a cryptographic hash.
#[derive(Clone, Debug)]
pub struct StableHasher(u64);

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for StableHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Whole 8-byte little-endian words first (a multiply and a rotation per word: the
        // trace hashes every byte sent and delivered, so this is on the simulator's hot
        // path), then the remaining bytes one at a time, FNV-1a style.
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            self.0 = (self.0 ^ u64::from_le_bytes(a))
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .rotate_left(29);
        }
        for &b in words.remainder() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write(&[i]);
    }
    fn write_u16(&mut self, i: u16) {
        self.write(&i.to_le_bytes());
    }
    fn write_u32(&mut self, i: u32) {
        self.write(&i.to_le_bytes());
    }
    fn write_u64(&mut self, i: u64) {
        self.write(&i.to_le_bytes());
    }
    fn write_u128(&mut self, i: u128) {
        self.write(&i.to_le_bytes());
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_i8(&mut self, i: i8) {
        self.write_u8(i as u8);
    }
    fn write_i16(&mut self, i: i16) {
        self.write_u16(i as u16);
    }
    fn write_i32(&mut self, i: i32) {
        self.write_u32(i as u32);
    }
    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64);
    }
    fn write_i128(&mut self, i: i128) {
        self.write_u128(i as u128);
    }
    fn write_isize(&mut self, i: isize) {
        self.write_u64(i as u64);
    }
}

/// The recorded trace.
pub struct Trace {
    entries: Vec<TraceEntry>,
    keep: bool,
    hasher: StableHasher,
    count: u64,
    labeler: Option<Labeler>,
}

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trace")
            .field("entries", &self.entries.len())
            .field("count", &self.count)
            .field("hash", &self.hasher.finish())
            .finish()
    }
}

impl Default for Trace {
    fn default() -> Self {
        Trace {
            entries: Vec::new(),
            keep: true,
            hasher: StableHasher::default(),
            count: 0,
            labeler: None,
        }
    }
}

impl Trace {
    /// Keep entries in memory (the default) or only hash and count them.
    pub fn set_keep(&mut self, keep: bool) {
        self.keep = keep;
    }

    /// Install the labeler for sent messages.
    pub fn set_labeler(&mut self, labeler: Labeler) {
        self.labeler = Some(labeler);
    }

    /// The kept entries.
    pub fn entries(&self) -> &[TraceEntry] {
        &self.entries
    }

    /// Drop the kept entries (the hash and count go on).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Number of entries recorded since the start (kept or not).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The stable hash of every entry recorded since the start.
    pub fn hash(&self) -> u64 {
        self.hasher.finish()
    }

    pub(crate) fn record(
        &mut self,
        time: Time,
        node: NodeId,
        link: Option<LinkId>,
        kind: TraceKind,
    ) {
        time.as_micros().hash(&mut self.hasher);
        node.hash(&mut self.hasher);
        link.hash(&mut self.hasher);
        kind.hash(&mut self.hasher);
        self.count += 1;
        if self.keep {
            let label = match (&kind, &self.labeler) {
                (TraceKind::Send { bytes, .. }, Some(l)) => l(node, bytes),
                _ => None,
            };
            self.entries.push(TraceEntry {
                time,
                node,
                link,
                kind,
                label,
            });
        }
    }
}
