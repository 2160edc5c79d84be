//! The replication stream a master produces: what Redis 7.0.15 would feed its replicas.
//!
//! Commands executed by one top-level call (one client command, a whole `EXEC`, one
//! expiry) form an *execution unit*. When a unit holds two or more operations they are wrapped
//! in `MULTI` ... `EXEC` (Redis's `propagatePendingCommands`), except units that must never be
//! wrapped (active expiry). `SELECT <db>` is emitted only when the stream's database changes;
//! `MULTI` is fed in the database of the unit's first operation, so that operation's `SELECT`
//! comes before `MULTI` and later ones inside it, as 7.0 does.
//!
//! This module only produces bytes; the backlog and the replicas that consume them belong to
//! the replication layer.

use bytes::{Bytes, BytesMut};

use crate::resp::write_command;

/// One operation to propagate: the database it applies to and its argv.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropOp {
    /// Database number the command runs in.
    pub db: usize,
    /// The command as replicas receive it.
    pub argv: Vec<Bytes>,
}

impl PropOp {
    /// An op from static parts, e.g. `PropOp::new(0, &[b"DEL", key])`.
    pub fn new(db: usize, argv: &[&[u8]]) -> Self {
        PropOp {
            db,
            argv: argv.iter().map(|a| Bytes::copy_from_slice(a)).collect(),
        }
    }
}

/// The master's outgoing replication stream (Redis's `replicationFeedSlaves` input side).
#[derive(Debug, Default)]
pub struct Propagator {
    /// The database the stream last selected (`server.slaveseldb`); `None` forces a SELECT.
    pub seldb: Option<usize>,
    /// Bytes produced and not yet drained.
    pending: BytesMut,
    /// Total bytes ever produced.
    pub produced: u64,
    /// Produce bytes at all. Off by default: a master with no backlog and no replica feeds
    /// nothing and does not even track the selected db (`replicationFeedSlaves` returns early).
    pub capture: bool,
}

impl Propagator {
    /// Append one execution unit to the stream.
    pub fn feed_unit(&mut self, ops: &[PropOp], allow_multi: bool) {
        if ops.is_empty() || !self.capture {
            return;
        }
        let wrap = allow_multi && ops.len() > 1;
        if wrap {
            // 7.0 propagates MULTI with the first op's dbid: its SELECT precedes MULTI.
            self.select(ops[0].db);
            self.raw_command(&[b"MULTI".as_slice()]);
        }
        for op in ops {
            self.feed(op);
        }
        if wrap {
            self.raw_command(&[b"EXEC".as_slice()]);
        }
    }

    /// Append one command, preceded by `SELECT` when its database differs from the stream's.
    pub fn feed(&mut self, op: &PropOp) {
        self.select(op.db);
        let before = self.pending.len();
        write_command(&mut self.pending, &op.argv);
        self.produced += (self.pending.len() - before) as u64;
    }

    /// Append `SELECT <db>` when the stream is not in `db` yet.
    fn select(&mut self, db: usize) {
        if self.seldb != Some(db) {
            let n = crate::util::fmt_i64(db as i64);
            self.raw_command(&[b"SELECT".as_slice(), n.as_bytes()]);
            self.seldb = Some(db);
        }
    }

    /// Append a command that needs no SELECT (`MULTI`, `EXEC`, `ping`, `REPLCONF GETACK *`).
    pub fn raw_command(&mut self, argv: &[&[u8]]) {
        let before = self.pending.len();
        write_command(&mut self.pending, argv);
        self.produced += (self.pending.len() - before) as u64;
    }

    /// Take the bytes produced since the last call.
    pub fn drain(&mut self) -> Bytes {
        self.pending.split().freeze()
    }
}
