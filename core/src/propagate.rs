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

use crate::resp::{bulk_len, write_command};

/// Length of a `*<n>\r\n` or `$<n>\r\n` header: the sigil, the digits of `n`, CRLF.
#[inline]
fn header_len(n: usize) -> usize {
    // `bulk_len(n)` is `$`, the digits, CRLF, `n` payload bytes, CRLF.
    bulk_len(n) - n - 2
}

/// Most room [`Propagator::drain_with`] keeps for the next commands.
const KEEP_CAPACITY: usize = 1 << 20;

/// Least room [`Propagator::drain_fed`] leaves for the next batch of commands.
const BATCH_ROOM_MIN: usize = 4096;

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
    /// Lengths of the pieces `pending` is made of, in the order Redis's `replicationFeedSlaves`
    /// hands them to `feedReplicationBuffer` (`SELECT` whole; a command as `*N\r\n`, then per
    /// argument `$len\r\n`, the argument, `\r\n`). The backlog's block sizes depend on them.
    /// Only the pieces of the bytes after [`Propagator::fed`] are kept.
    pieces: Vec<usize>,
    /// How many bytes at the front of `pending` were already given to the backlog (by
    /// [`Propagator::feed_backlog_with`]) and wait only for the replicas.
    fed: usize,
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
        self.command_pieces(&op.argv);
    }

    /// Record the pieces of one command just written.
    fn command_pieces<A: AsRef<[u8]>>(&mut self, argv: &[A]) {
        self.pieces.reserve(1 + 3 * argv.len());
        self.pieces.push(header_len(argv.len()));
        for a in argv {
            let len = a.as_ref().len();
            self.pieces.push(header_len(len));
            self.pieces.push(len);
            self.pieces.push(2);
        }
    }

    /// Append `SELECT <db>` when the stream is not in `db` yet.
    fn select(&mut self, db: usize) {
        if self.seldb != Some(db) {
            let n = crate::util::fmt_i64(db as i64);
            let before = self.pending.len();
            write_command(&mut self.pending, &[b"SELECT".as_slice(), n.as_bytes()]);
            let len = self.pending.len() - before;
            self.produced += len as u64;
            // Redis feeds its prebuilt SELECT object as one piece.
            self.pieces.push(len);
            self.seldb = Some(db);
        }
    }

    /// Append a command that needs no SELECT (`MULTI`, `EXEC`, `ping`, `REPLCONF GETACK *`).
    pub fn raw_command(&mut self, argv: &[&[u8]]) {
        let before = self.pending.len();
        write_command(&mut self.pending, argv);
        self.produced += (self.pending.len() - before) as u64;
        self.command_pieces(argv);
    }

    /// Append bytes produced elsewhere, as one piece (a replica proxying its master's stream,
    /// `replicationFeedStreamFromMasterStream`).
    pub fn raw_bytes(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.pending.extend_from_slice(bytes);
        self.produced += bytes.len() as u64;
        self.pieces.push(bytes.len());
    }

    /// Take the bytes produced since the last call.
    pub fn drain(&mut self) -> Bytes {
        self.pieces.clear();
        self.fed = 0;
        self.pending.split().freeze()
    }

    /// Give the bytes produced since the last call of this or of a drain, with their piece
    /// lengths, to `f` (the backlog), and keep them for the replicas: the master feeds its
    /// backlog after every command (offsets stay exact) but its replicas once per batch of
    /// commands, as Redis writes a replica's buffer once per event-loop turn.
    pub fn feed_backlog_with(&mut self, f: impl FnOnce(&[u8], &[usize])) {
        f(&self.pending[self.fed..], &self.pieces);
        self.pieces.clear();
        self.fed = self.pending.len();
    }

    /// Take every byte produced since the last drain, all of them already given to the
    /// backlog by [`Propagator::feed_backlog_with`] (call that first).
    pub fn drain_fed(&mut self) -> Bytes {
        debug_assert_eq!(
            self.fed,
            self.pending.len(),
            "bytes not given to the backlog"
        );
        self.fed = 0;
        let bytes = self.pending.split().freeze();
        // The rest of the buffer is the room for the next batch: make it one allocation of
        // about this batch's size now rather than growing it by doubling command by command.
        if self.pending.capacity() < BATCH_ROOM_MIN {
            self.pending
                .reserve(bytes.len().clamp(BATCH_ROOM_MIN, KEEP_CAPACITY));
        }
        bytes
    }

    /// Forget every byte produced since the last drain, all of them already given to the
    /// backlog (nobody else consumes the stream), keeping the buffer.
    pub fn discard_fed(&mut self) {
        debug_assert_eq!(
            self.fed,
            self.pending.len(),
            "bytes not given to the backlog"
        );
        self.drain_with(|_, _| {});
    }

    /// Give the bytes produced since the last drain, with their piece lengths, to `f`, then
    /// forget them, without making a [`Bytes`] of them: for a stream nobody but the backlog
    /// consumes (no replica), the buffer is reused as is. Bytes already given to the backlog
    /// by [`Propagator::feed_backlog_with`] are not given again, only forgotten.
    pub fn drain_with(&mut self, f: impl FnOnce(&[u8], &[usize])) {
        f(&self.pending[self.fed..], &self.pieces);
        self.pending.clear();
        self.pieces.clear();
        self.fed = 0;
        // Do not keep the room a burst (a huge command, a long EXEC) needed.
        if self.pending.capacity() > KEEP_CAPACITY {
            self.pending = BytesMut::new();
        }
        if self.pieces.capacity() > KEEP_CAPACITY / 8 {
            self.pieces = Vec::new();
        }
    }

    /// True when nothing was produced since the last drain.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// True when every byte produced since the last drain was given to the backlog.
    pub fn all_fed(&self) -> bool {
        self.fed == self.pending.len()
    }
}
