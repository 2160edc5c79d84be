//! The "applied bytes" invariant of deterministic simulation testing: the stream bytes each
//! replica applied, recorded offset by offset, are its master's replication stream at the
//! same offsets.
//!
//! A replica feeds every byte of its master's stream it applies, verbatim, into its own
//! backlog (that is what it proxies to its own replicas). At every observation
//! [`AppliedStreams::observe`] records, per node, the bytes that appeared in that backlog
//! since the previous observation (offset → bytes), then checks what it recorded against the
//! master's backlog at the same offsets whenever both exist: the replica is linked to its
//! master's running process and both are in the same history (the same `master_replid`).
//! Bytes that cannot be checked yet stay recorded (a replica cut from its master and later
//! continuing with `+CONTINUE` has them checked then); bytes its master's backlog no longer
//! holds are dropped unchecked.
//!
//! A recording starts over when the node's history breaks: it is a master (its own writes are
//! not applied from anyone), its backlog was freed or recreated (a full sync), its offset went
//! back, its replid changed other than by a partial resync that kept the old one as `replid2`
//! up to an offset at least the recorded one, or bytes were missed (the window moved past
//! what was recorded). A node that is down keeps its recording (it may come back with the
//! same state).

use crate::vecmap::VecMap;

use super::{NodeId, Simulator};
use crate::server::Server;

/// At most this many unchecked bytes are kept per node; older ones are dropped unchecked.
const MAX_PENDING: usize = 4 << 20;

/// One node's recording.
#[derive(Debug, Default)]
struct Applied {
    /// The history the recorded bytes belong to (the node's replid when last recorded).
    replid: Vec<u8>,
    /// Offset of the last byte recorded.
    seen_to: i64,
    /// Recorded bytes not checked yet: first offset → bytes.
    pending: VecMap<i64, Vec<u8>>,
    /// Sum of the pending lengths.
    pending_len: usize,
}

impl Applied {
    fn start_over(&mut self, seen_to: i64, replid: &[u8]) -> u64 {
        let dropped = self.pending_len as u64;
        self.pending.clear();
        self.pending_len = 0;
        self.seen_to = seen_to;
        self.replid = replid.to_vec();
        dropped
    }

    fn push(&mut self, start: i64, bytes: Vec<u8>) -> u64 {
        self.pending_len += bytes.len();
        self.pending.insert(start, bytes);
        let mut dropped = 0;
        while self.pending_len > MAX_PENDING {
            let Some((_, b)) = self.pending.pop_first() else {
                break;
            };
            self.pending_len -= b.len();
            dropped += b.len() as u64;
        }
        dropped
    }
}

/// Recordings of every node of a run and the number of bytes checked (see the
/// [module docs](self)).
#[derive(Debug, Default)]
pub struct AppliedStreams {
    nodes: Vec<Applied>,
    checked: u64,
    dropped: u64,
}

/// `bytes` as escaped ASCII, at most 48 of them.
fn excerpt(bytes: &[u8]) -> String {
    let mut s: String = bytes
        .iter()
        .take(48)
        .flat_map(|b| std::ascii::escape_default(*b))
        .map(char::from)
        .collect();
    if bytes.len() > 48 {
        s.push('…');
    }
    format!("\"{s}\"")
}

impl AppliedStreams {
    /// Recordings for `nodes` nodes.
    pub fn new(nodes: usize) -> Self {
        AppliedStreams {
            nodes: (0..nodes).map(|_| Applied::default()).collect(),
            ..Default::default()
        }
    }

    /// Stream bytes checked so far (each applied byte counts once).
    pub fn checked_bytes(&self) -> u64 {
        self.checked
    }

    /// Recorded bytes dropped unchecked so far (history broke, or the master's backlog no
    /// longer held them).
    pub fn dropped_bytes(&self) -> u64 {
        self.dropped
    }

    /// Record what every node applied since the last call, then check it: `linked[i]` is
    /// node `i`'s master when `i` is a running replica linked to its master's running
    /// process; `names` name the nodes in violations, which start with `when`.
    pub fn observe(
        &mut self,
        sim: &Simulator,
        ids: &[NodeId],
        linked: &[Option<usize>],
        names: &[&str],
        when: &str,
        out: &mut Vec<String>,
    ) {
        let server = |i: usize| -> Option<&Server> {
            if sim.is_up(ids[i]) {
                sim.node_as::<Server>(ids[i])
            } else {
                None
            }
        };
        for (i, a) in self.nodes.iter_mut().enumerate() {
            let Some(srv) = server(i) else { continue };
            let st = srv.state();
            let b = &st.master.backlog;
            let rid = st.master.ids.replid.as_bytes();
            let Some((first, histlen)) = b.window() else {
                self.dropped += a.start_over(b.master_repl_offset(), rid);
                continue;
            };
            let end = first + histlen - 1;
            if !st.is_replica() {
                self.dropped += a.start_over(end, rid);
                continue;
            }
            let continuous = rid == a.replid.as_slice()
                || (st.master.ids.replid2.as_bytes() == a.replid.as_slice()
                    && st.master.ids.second_repl_offset > a.seen_to);
            if !continuous || end < a.seen_to || first > a.seen_to + 1 {
                self.dropped += a.start_over(first - 1, rid);
            }
            a.replid = rid.to_vec();
            if end > a.seen_to {
                if let Some(r) = b.range_from(a.seen_to + 1) {
                    let start = a.seen_to + 1;
                    self.dropped += a.push(start, r.to_vec());
                }
                a.seen_to = end;
            }
        }
        for (i, m) in linked.iter().enumerate() {
            let (Some(m), Some(rep)) = (*m, server(i)) else {
                continue;
            };
            let Some(master) = server(m) else { continue };
            let (rs, ms) = (rep.state(), master.state());
            if rs.master.ids.replid != ms.master.ids.replid {
                continue;
            }
            let mb = &ms.master.backlog;
            let Some((mf, mh)) = mb.window() else {
                continue;
            };
            let mend = mf + mh - 1;
            let a = &mut self.nodes[i];
            let pending = std::mem::take(&mut a.pending);
            a.pending_len = 0;
            let mut reported = false;
            for (start, bytes) in pending {
                let cend = start + bytes.len() as i64 - 1;
                let (lo, hi) = (start.max(mf), cend.min(mend));
                if cend < mf {
                    self.dropped += bytes.len() as u64;
                    continue;
                }
                if lo > hi {
                    // Not in the master's stream yet (the offset invariant reports a replica
                    // ahead of its master).
                    a.pending_len += bytes.len();
                    a.pending.insert(start, bytes);
                    continue;
                }
                self.dropped += (lo - start) as u64;
                let mine = &bytes[(lo - start) as usize..=(hi - start) as usize];
                let theirs: Vec<u8> = mb
                    .range_from(lo)
                    .map(|r| r.to_vec())
                    .unwrap_or_default()
                    .into_iter()
                    .take(mine.len())
                    .collect();
                if mine != theirs.as_slice() && !reported {
                    reported = true;
                    let at = mine
                        .iter()
                        .zip(theirs.iter())
                        .position(|(x, y)| x != y)
                        .unwrap_or(mine.len().min(theirs.len()));
                    out.push(format!(
                        "{when}: {} applied stream bytes that differ from its master {}'s stream at offset {}: {} vs {}",
                        names[i],
                        names[m],
                        lo + at as i64,
                        excerpt(&mine[at..]),
                        excerpt(theirs.get(at..).unwrap_or_default())
                    ));
                }
                self.checked += mine.len() as u64;
                if hi < cend {
                    let rest = bytes[(hi + 1 - start) as usize..].to_vec();
                    a.pending_len += rest.len();
                    a.pending.insert(hi + 1, rest);
                }
            }
        }
    }
}
