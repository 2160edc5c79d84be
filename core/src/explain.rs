//! Explanations computed from a finished scenario run, for the classroom: which client writes
//! were acknowledged and then lost in a failover (and why), and what `WAIT` said or would have
//! said about them.
//!
//! Everything here is read from the run's trace (the client's commands and the replies it got,
//! the bytes each node sent) and from the final state of the nodes; nothing is re-simulated. It
//! never performs I/O.
//!
//! A write counts as *lost* when a node acknowledged it (any non-error reply to a command with
//! the `write` flag), the run ends with another node serving as master, that node does not hold
//! the write's key (or, for `SET`, holds another value), and no later acknowledged write to the
//! same key explains the difference.

use crate::vecmap::VecMap;

use bytes::Bytes;

use crate::cmd::{flags, CommandTable};
use crate::resp::{Frame, FrameDecoder};
use crate::sim::scenario::{ScenarioRun, START};
use crate::sim::trace::TraceKind;
use crate::sim::{LinkId, NodeId};

/// One command a scenario's client sent, with the reply it got.
#[derive(Clone, Debug, PartialEq)]
pub struct Exchange {
    /// Index of the scenario node it was sent to.
    pub node: usize,
    /// Virtual milliseconds since the start when it was sent.
    pub sent_ms: f64,
    /// The command's words.
    pub argv: Vec<Bytes>,
    /// The reply, if one arrived.
    pub reply: Option<Frame>,
    /// When the reply arrived.
    pub reply_ms: Option<f64>,
}

impl Exchange {
    /// The command as a line of words (`SET k v`), non-UTF-8 bytes replaced.
    pub fn line(&self) -> String {
        self.argv
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn acknowledged(&self) -> bool {
        matches!(
            self.reply,
            Some(Frame::Simple(_) | Frame::Integer(_) | Frame::Bulk(_) | Frame::Null)
        )
    }
}

fn ms(t: crate::time::Time) -> f64 {
    (t.as_micros().saturating_sub(START.as_micros())) as f64 / 1000.0
}

/// The nodes seen on each link (its two ends), from the trace.
pub(crate) fn link_nodes(run: &ScenarioRun) -> VecMap<LinkId, Vec<NodeId>> {
    let mut out: VecMap<LinkId, Vec<NodeId>> = VecMap::new();
    for e in run.sim.trace().entries() {
        if let Some(l) = e.link {
            let v = out.get_or_default(l);
            if !v.contains(&e.node) {
                v.push(e.node);
            }
        }
    }
    out
}

/// Every command the scenario's client sent, in order, paired with its reply.
pub fn client_exchanges(run: &ScenarioRun) -> Vec<Exchange> {
    client_exchanges_on(run, &link_nodes(run))
}

/// [`client_exchanges`] with the links' ends already known.
fn client_exchanges_on(run: &ScenarioRun, ends: &VecMap<LinkId, Vec<NodeId>>) -> Vec<Exchange> {
    let peer = |link: LinkId, me: NodeId| {
        ends.get(&link)
            .and_then(|v| v.iter().copied().find(|n| *n != me))
    };
    // Per link: the decoder of the client's bytes, of the server's replies, and the index of
    // the next exchange waiting for its reply.
    struct LinkState {
        node: usize,
        out: FrameDecoder,
        out_buf: Vec<u8>,
        inp: FrameDecoder,
        inp_buf: Vec<u8>,
        pending: std::collections::VecDeque<usize>,
    }
    let mut links: VecMap<LinkId, LinkState> = VecMap::new();
    let mut out: Vec<Exchange> = Vec::new();
    for e in run.sim.trace().entries() {
        if e.node != run.client {
            continue;
        }
        let Some(link) = e.link else { continue };
        let Some(server) = peer(link, run.client) else {
            continue;
        };
        let Some(node) = run.ids.iter().position(|id| *id == server) else {
            continue;
        };
        let st = links.get_or_insert_with(link, || LinkState {
            node,
            out: FrameDecoder::new(),
            out_buf: Vec::new(),
            inp: FrameDecoder::new(),
            inp_buf: Vec::new(),
            pending: Default::default(),
        });
        match &e.kind {
            TraceKind::Send { bytes, .. } => {
                st.out_buf.extend_from_slice(bytes);
                while let Ok(Some((frame, used))) = st.out.decode(&st.out_buf) {
                    st.out_buf.drain(..used);
                    let argv = match frame {
                        Frame::Array(items) => items
                            .into_iter()
                            .filter_map(|f| match f {
                                Frame::Bulk(b) => Some(b),
                                _ => None,
                            })
                            .collect(),
                        _ => Vec::new(),
                    };
                    st.pending.push_back(out.len());
                    out.push(Exchange {
                        node: st.node,
                        sent_ms: ms(e.time),
                        argv,
                        reply: None,
                        reply_ms: None,
                    });
                }
            }
            TraceKind::Deliver { bytes, .. } => {
                st.inp_buf.extend_from_slice(bytes);
                while let Ok(Some((frame, used))) = st.inp.decode(&st.inp_buf) {
                    st.inp_buf.drain(..used);
                    if let Some(i) = st.pending.pop_front() {
                        out[i].reply = Some(frame);
                        out[i].reply_ms = Some(ms(e.time));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Why a lost write was lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LossReason {
    /// The master never sent it to any replica: it crashed or was cut off first.
    NeverSent,
    /// It was sent to replicas but never reached the node that became master.
    NotDelivered,
    /// It reached the node that became master, but later history replaced it (a full resync
    /// from a node without it).
    Overwritten,
}

/// An acknowledged write that the final master does not have.
#[derive(Clone, Debug, PartialEq)]
pub struct LostWrite {
    /// The command and its reply.
    pub exchange: Exchange,
    /// The name of the node that acknowledged it.
    pub acked_by: String,
    /// The name of the node that is master at the end.
    pub final_master: String,
    /// Why.
    pub reason: LossReason,
    /// The reply to a `WAIT` the client sent right after it on the same node, if any.
    pub wait_reply: Option<i64>,
}

impl LostWrite {
    /// One English sentence for the classroom.
    pub fn explain(&self) -> String {
        let why = match self.reason {
            LossReason::NeverSent => format!(
                "{} acknowledged it at {} ms but never sent it to a replica before it failed",
                self.acked_by,
                crate::dtoa::Fixed(self.exchange.reply_ms.unwrap_or(self.exchange.sent_ms), 0)
            ),
            LossReason::NotDelivered => format!(
                "{} acknowledged it at {} ms and sent it on, but it never reached {}",
                self.acked_by,
                crate::dtoa::Fixed(self.exchange.reply_ms.unwrap_or(self.exchange.sent_ms), 0),
                self.final_master
            ),
            LossReason::Overwritten => format!(
                "it reached {} but was replaced by a full resynchronization",
                self.final_master
            ),
        };
        let wait = match self.wait_reply {
            Some(n) => format!(
                "; WAIT right after it answered {n}: only {n} replica(s) had it, a warning the client got"
            ),
            None => "; replication is asynchronous: the client was told OK before any replica had the write (a WAIT 1 <ms> after it would have answered 0)".to_string(),
        };
        format!("`{}` was lost: {why}{wait}.", self.exchange.line())
    }
}

/// The node serving as master at the end of the run: up, not configured as a replica. With
/// several, the one with the largest offset.
pub fn final_master(run: &ScenarioRun) -> Option<usize> {
    run.nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.up && n.master.is_none())
        .filter(|(i, _)| run.server(*i).state().config.replicaof.is_none())
        .max_by_key(|(_, n)| n.offset)
        .map(|(i, _)| i)
}

/// The acknowledged writes the final master does not hold, with why and what WAIT said.
pub fn lost_writes(run: &ScenarioRun) -> Vec<LostWrite> {
    let Some(fm) = final_master(run) else {
        return Vec::new();
    };
    let table = CommandTable::global();
    let ends = link_nodes(run);
    let exchanges = client_exchanges_on(run, &ends);
    let final_db = &run.server(fm).state().keyspace.dbs[0];
    let mut lost = Vec::new();
    for (i, x) in exchanges.iter().enumerate() {
        if x.node == fm || !x.acknowledged() || x.argv.len() < 2 {
            continue;
        }
        let Some(spec) = table.lookup(&x.argv[0]) else {
            continue;
        };
        if spec.flags & flags::WRITE == 0 || spec.first_key != 1 {
            continue;
        }
        let key = &x.argv[1];
        // A later acknowledged write to the same key explains any difference.
        let later = exchanges[i + 1..].iter().any(|y| {
            y.acknowledged()
                && y.argv.get(1) == Some(key)
                && table
                    .lookup(&y.argv[0])
                    .is_some_and(|s| s.flags & flags::WRITE != 0)
        });
        if later {
            continue;
        }
        let present = match final_db.get(key) {
            None => false,
            Some(crate::keyspace::Value::Str(s)) if x.argv[0].eq_ignore_ascii_case(b"set") => {
                x.argv.get(2).is_some_and(|v| s.data[..] == v[..])
            }
            Some(_) => true,
        };
        if present {
            continue;
        }
        let mut cmd = bytes::BytesMut::new();
        crate::resp::write_command(&mut cmd, &x.argv);
        let acked_by = run.ids[x.node];
        let (sent, delivered) = stream_fate(run, &ends, acked_by, run.ids[fm], &cmd);
        let reason = if !sent {
            LossReason::NeverSent
        } else if !delivered {
            LossReason::NotDelivered
        } else {
            LossReason::Overwritten
        };
        let wait_reply = exchanges[i + 1..]
            .iter()
            .find(|y| y.node == x.node)
            .filter(|y| {
                y.argv
                    .first()
                    .is_some_and(|c| c.eq_ignore_ascii_case(b"wait"))
            })
            .and_then(|y| match y.reply {
                Some(Frame::Integer(n)) => Some(n),
                _ => None,
            });
        lost.push(LostWrite {
            exchange: x.clone(),
            acked_by: run.scenario.nodes[x.node].name.to_string(),
            final_master: run.scenario.nodes[fm].name.to_string(),
            reason,
            wait_reply,
        });
    }
    lost
}

/// Whether `from` ever sent bytes containing `cmd` to a node other than the client, and
/// whether bytes containing it were ever delivered to `to`.
fn stream_fate(
    run: &ScenarioRun,
    ends: &VecMap<LinkId, Vec<NodeId>>,
    from: NodeId,
    to: NodeId,
    cmd: &[u8],
) -> (bool, bool) {
    let contains = |hay: &[u8]| hay.windows(cmd.len()).any(|w| w == cmd);
    let mut sent = false;
    let mut delivered = false;
    for e in run.sim.trace().entries() {
        let Some(link) = e.link else { continue };
        let nodes = ends.get(&link).map(Vec::as_slice).unwrap_or(&[]);
        if nodes.contains(&run.client) {
            continue;
        }
        match &e.kind {
            TraceKind::Send { bytes, .. } if e.node == from && contains(bytes) => sent = true,
            TraceKind::Deliver { bytes, .. } if e.node == to && contains(bytes) => delivered = true,
            _ => {}
        }
    }
    (sent, delivered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::{run, scenario, Action, Scenario, Step};

    fn cmd(node: usize, line: &str) -> Action {
        Action::Command {
            node,
            words: line.split_whitespace().map(str::to_string).collect(),
        }
    }

    /// The failover scenario, with two writes acknowledged by the master while it is cut off
    /// from its replicas, one of them followed by WAIT; then the master crashes.
    fn lossy() -> Scenario {
        let mut s = scenario("failover").unwrap();
        let crash = s
            .steps
            .iter()
            .position(|st| st.action == Action::Crash(0))
            .unwrap();
        let extra = vec![
            Step {
                delay_ms: 0,
                action: Action::Cut(0, 1),
            },
            Step {
                delay_ms: 0,
                action: Action::Cut(0, 2),
            },
            Step {
                delay_ms: 10,
                action: cmd(0, "SET lost-1 x"),
            },
            Step {
                delay_ms: 0,
                action: cmd(0, "SET lost-2 y"),
            },
            Step {
                delay_ms: 0,
                action: cmd(0, "WAIT 1 50"),
            },
        ];
        s.steps.splice(crash..crash, extra);
        s
    }

    #[test]
    fn exchanges_pair_commands_with_replies() {
        let r = run(&scenario("failover").unwrap(), 1);
        let xs = client_exchanges(&r);
        let lines: Vec<String> = xs.iter().map(Exchange::line).collect();
        assert_eq!(lines[0], "SET a 1");
        assert!(
            lines.contains(&"SET after-failover yes".to_string()),
            "{lines:?}"
        );
        assert_eq!(xs[0].reply, Some(Frame::simple("OK")));
        assert_eq!(xs[1].reply, Some(Frame::Integer(3)));
        assert!(xs.iter().all(|x| x.reply.is_some()), "{xs:?}");
    }

    #[test]
    fn a_clean_failover_loses_nothing() {
        let r = run(&scenario("failover").unwrap(), 1);
        assert_eq!(final_master(&r), Some(1));
        assert_eq!(lost_writes(&r), vec![]);
    }

    #[test]
    fn writes_acked_while_cut_off_are_lost_and_wait_warned() {
        let r = run(&lossy(), 1);
        assert_eq!(final_master(&r), Some(1));
        let lost = lost_writes(&r);
        let lines: Vec<String> = lost.iter().map(|l| l.exchange.line()).collect();
        assert_eq!(lines, ["SET lost-1 x", "SET lost-2 y"]);
        assert!(lost.iter().all(|l| l.reason == LossReason::NeverSent));
        assert!(lost
            .iter()
            .all(|l| l.acked_by == "master" && l.final_master == "replica-1"));
        assert_eq!(lost[0].wait_reply, None);
        assert_eq!(lost[1].wait_reply, Some(0));
        let text = lost[1].explain();
        assert!(
            text.starts_with("`SET lost-2 y` was lost: master acknowledged it"),
            "{text}"
        );
        assert!(text.contains("WAIT right after it answered 0"), "{text}");
        assert!(lost[0].explain().contains("would have answered 0"));
    }
}
