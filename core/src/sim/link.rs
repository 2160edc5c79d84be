//! Virtual TCP links: parameters, and the two ordered byte streams of one connection.
//!
//! Timing of one direction: a message of `n` bytes handed over at `t` starts on the wire
//! when the previous bytes are sent (`start = max(t, wire_free_at)`), takes
//! `ceil(n * 1e6 / bandwidth)` µs to transmit, and each chunk arrives `latency_us` after its
//! last byte left. Arrivals never overtake each other (changing the latency keeps the order).
//! Control segments (SYN, SYN-ACK, FIN, RST) take no wire time but queue behind data.
//!
//! This module only computes and stores segments; the [`super::Simulator`] schedules and
//! delivers them. It never looks at the bytes.

use std::collections::VecDeque;

use bytes::Bytes;

use super::{ConnId, NodeId};
use crate::rng::Rng;
use crate::time::Time;

/// How delivered bytes are cut into `handle_input` calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChunkPolicy {
    /// Each transmitted message arrives as exactly one `handle_input` call.
    Whole,
    /// Each message is cut into random chunks of 1..=`max_chunk` bytes (each size uniform in
    /// `1..=min(remaining, max_chunk)`), and chunks already arrived when one is delivered may
    /// be merged into the same call (with probability 1/2 each), as a socket read would.
    Random {
        /// The largest chunk (at least 1).
        max_chunk: usize,
    },
}

/// Properties of one direction of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkParams {
    /// One-way latency, microseconds.
    pub latency_us: u64,
    /// Bytes per second; 0 means unlimited (no transmission time).
    pub bandwidth: u64,
    /// Chunking of delivered bytes.
    pub chunking: ChunkPolicy,
}

impl Default for LinkParams {
    /// 100 µs latency, unlimited bandwidth, random chunks of at most 16 KiB.
    fn default() -> Self {
        LinkParams {
            latency_us: 100,
            bandwidth: 0,
            chunking: ChunkPolicy::Random {
                max_chunk: 16 * 1024,
            },
        }
    }
}

impl LinkParams {
    /// Microseconds the wire needs for `bytes` bytes (rounded up).
    pub fn transmit_us(&self, bytes: u64) -> u64 {
        if self.bandwidth == 0 {
            return 0;
        }
        let us = (u128::from(bytes) * 1_000_000).div_ceil(u128::from(self.bandwidth));
        u64::try_from(us).unwrap_or(u64::MAX)
    }
}

/// A segment travelling in one direction.
#[derive(Clone, Debug)]
pub(crate) enum Segment {
    /// Connection request (connector → acceptor).
    Syn,
    /// Connection accepted (acceptor → connector).
    SynAck,
    /// Connection refused (acceptor → connector).
    Rst,
    /// Stream bytes.
    Data(Bytes),
    /// The sender closed its end after the bytes before.
    Fin,
}

/// A segment and its arrival time.
#[derive(Clone, Debug)]
pub(crate) struct InFlight {
    pub at: Time,
    pub seg: Segment,
}

/// One direction of a link.
#[derive(Debug)]
pub(crate) struct Direction {
    pub params: LinkParams,
    /// No delivery while held; segments wait in `queue`.
    pub held: bool,
    /// The receiver is gone: new segments are discarded.
    pub dead: bool,
    /// When the sender's previous bytes are all on the wire.
    pub wire_free_at: Time,
    /// Arrival time of the last queued segment (arrivals are monotonic).
    pub last_arrival: Time,
    /// Segments not yet delivered, in order.
    pub queue: VecDeque<InFlight>,
    /// Identifies the one delivery event that is current; older ones are stale.
    pub token: u64,
}

impl Direction {
    pub fn new(params: LinkParams, held: bool) -> Self {
        Direction {
            params,
            held,
            dead: false,
            wire_free_at: Time::default(),
            last_arrival: Time::default(),
            queue: VecDeque::new(),
            token: 0,
        }
    }

    /// Queue a control segment sent at `now`. Returns false if discarded.
    pub fn push_control(&mut self, now: Time, seg: Segment) -> bool {
        if self.dead {
            return false;
        }
        let start = now.max(self.wire_free_at);
        let at = start
            .add_micros(self.params.latency_us)
            .max(self.last_arrival);
        self.last_arrival = at;
        self.queue.push_back(InFlight { at, seg });
        true
    }

    /// Queue `bytes` sent at `now`, cut into chunks as the policy says. Returns false if
    /// discarded.
    pub fn push_data(&mut self, now: Time, bytes: Bytes, rng: &mut Rng) -> bool {
        if self.dead {
            return false;
        }
        if bytes.is_empty() {
            return true;
        }
        let start = now.max(self.wire_free_at);
        let total = bytes.len();
        let mut off = 0usize;
        while off < total {
            let remaining = total - off;
            let size = match self.params.chunking {
                ChunkPolicy::Whole => remaining,
                ChunkPolicy::Random { max_chunk } => {
                    let cap = remaining.min(max_chunk.max(1));
                    1 + rng.index(cap)
                }
            };
            let end = off + size;
            let sent = start.add_micros(self.params.transmit_us(end as u64));
            let at = sent
                .add_micros(self.params.latency_us)
                .max(self.last_arrival);
            self.last_arrival = at;
            self.queue.push_back(InFlight {
                at,
                seg: Segment::Data(bytes.slice(off..end)),
            });
            off = end;
        }
        self.wire_free_at = start.add_micros(self.params.transmit_us(total as u64));
        true
    }

    /// Drop everything queued and accept nothing more.
    pub fn kill(&mut self) {
        self.dead = true;
        self.queue.clear();
        self.token += 1;
    }
}

/// The state of one end of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EndState {
    /// Connector: handshake not complete. Acceptor: not accepted yet.
    Pending,
    /// Established.
    Open,
    /// The node closed it, or was told it is closed: nothing more reaches it.
    Closed,
}

/// One end of a link.
#[derive(Debug)]
pub(crate) struct End {
    /// The node (`None`: a connect to an unknown address).
    pub node: Option<NodeId>,
    /// The node's handle, once known.
    pub conn: Option<ConnId>,
    pub state: EndState,
    /// `ip:port` of this end.
    pub addr: String,
}

/// A connection: end 0 connected to end 1; `dirs[i]` carries segments from end `i`.
#[derive(Debug)]
pub(crate) struct Link {
    pub ends: [End; 2],
    pub dirs: [Direction; 2],
}
