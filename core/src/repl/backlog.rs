//! The replication backlog and `master_repl_offset` (Redis 7.0's shared replication buffer:
//! replication.c `feedReplicationBuffer`, `incrementalTrimReplicationBacklog`,
//! `createReplicationBacklog`, `freeReplicationBacklog`, `resizeReplicationBacklog`,
//! `rebaseReplicationBuffer`, `addReplyReplicationBacklog`; spec §2.5).
//!
//! # What is modelled
//!
//! Redis 7.0 keeps the stream in a list of blocks shared by the backlog and every replica's
//! output buffer. We keep the same list of blocks, with the same sizes, for the backlog alone,
//! so that `repl_backlog_first_byte_offset` and `repl_backlog_histlen` (INFO) and the PSYNC
//! window follow a real 7.0.15 byte for byte:
//!
//! * a new block is allocated only when the tail block is full, with a requested size of
//!   `min(max(len, 16 KiB), max(repl-backlog-size / 16, 16 KiB))` where `len` is what is
//!   left of the piece being fed; the block then holds the whole jemalloc allocation for
//!   that size plus the 40-byte block header, minus the header (16 KiB requests become
//!   20440-byte blocks). Redis feeds a command in pieces (`*N\r\n`, `$len\r\n`, the argument,
//!   `\r\n` ...), which matters for arguments over 16 KiB: use [`ReplBacklog::feed_argv`] for
//!   commands, [`ReplBacklog::feed`] for verbatim bytes (SELECT, a master stream proxied by a
//!   replica);
//! * after every piece fed (and on resize) whole head blocks are dropped while the history
//!   stays above `repl-backlog-size` without that block, never the last block, so `histlen`
//!   exceeds the configured size by up to one block (size 16384 shows histlen up to 36824);
//! * the invariant `first_byte_offset == master_repl_offset - histlen + 1` always holds.
//!
//! Verified against redis-server 7.0.15 (jemalloc 5.3.0), see `core/tests/repl_backlog.rs`.
//!
//! # What is not modelled
//!
//! * Replicas pinning head blocks: in Redis a lagging replica's output buffer holds a
//!   reference to its first unsent block, which stops the backlog from trimming it. Here
//!   replica output buffers are not part of the backlog, so trimming never waits for them.
//! * Trimming at most 10 blocks per call (`REPL_BACKLOG_TRIM_BLOCKS_PER_CALL`): observable
//!   only when replicas unpin many blocks at once; a real `CONFIG SET repl-backlog-size`
//!   shrink shows the fully trimmed history immediately, which is what we do.
//!
//! This module never touches replicas, the keyspace or the clock: time comes in as
//! [`Time`], and the `repl-backlog-ttl` check is a method the caller's cron invokes.

use std::collections::VecDeque;

use bytes::Bytes;

use crate::repl::ids::ReplIds;
use crate::rng::Rng;
use crate::time::Time;

/// Smallest `repl-backlog-size` (`CONFIG_REPL_BACKLOG_MIN_SIZE`, 16 KiB).
pub const CONFIG_REPL_BACKLOG_MIN_SIZE: u64 = 16 * 1024;
/// Default `repl-backlog-size` (1 MiB).
pub const CONFIG_DEFAULT_REPL_BACKLOG_SIZE: u64 = 1024 * 1024;
/// Smallest block request (`PROTO_REPLY_CHUNK_BYTES`, 16 KiB).
pub const PROTO_REPLY_CHUNK_BYTES: usize = 16 * 1024;
/// `sizeof(replBufBlock)` on 64-bit Linux: the header allocated with each block.
pub const REPL_BUF_BLOCK_HEADER: usize = 40;
/// Offsets handed in (RDB `repl-offset`, FULLRESYNC offsets) are clamped to this magnitude
/// so that offset arithmetic can never overflow.
pub const MAX_REPL_OFFSET: i64 = i64::MAX / 4;
/// `sizeof(listNode)`: counted in `repl_buffer_mem` for each block.
const LIST_NODE_SIZE: usize = 24;

/// The jemalloc size class `n` bytes are rounded up to (four classes per power of two above
/// 16 bytes, e.g. 16424 -> 20480). Redis's blocks take over this slack (`zmalloc_usable`).
pub fn jemalloc_size_class(n: usize) -> usize {
    if n <= 16 {
        return 16;
    }
    // 2^k <= n-1 < 2^(k+1); classes in that range are 2^(k-2) apart.
    let k = usize::BITS - 1 - (n - 1).leading_zeros();
    let step = 1usize << (k - 2);
    n.div_ceil(step).saturating_mul(step)
}

/// The usable size of the block Redis allocates when `len` bytes of a piece are left to
/// store and the tail block is full, for a given `repl-backlog-size`.
pub fn block_size(len: usize, repl_backlog_size: u64) -> usize {
    let limit = usize::try_from(repl_backlog_size / 16)
        .unwrap_or(usize::MAX)
        .max(PROTO_REPLY_CHUNK_BYTES);
    let want = len.max(PROTO_REPLY_CHUNK_BYTES).min(limit);
    jemalloc_size_class(want.saturating_add(REPL_BUF_BLOCK_HEADER)) - REPL_BUF_BLOCK_HEADER
}

/// One block of the replication buffer (`replBufBlock`).
#[derive(Clone, Debug)]
struct Block {
    /// Master offset of the block's first byte.
    repl_offset: i64,
    /// Usable size (`size`); `data.len()` is `used`.
    size: usize,
    data: Vec<u8>,
}

/// The backlog proper (`server.repl_backlog`), present only while it exists.
#[derive(Clone, Debug, Default)]
struct Backlog {
    /// Master offset of the first byte held (`repl_backlog->offset`).
    offset: i64,
    /// Bytes held (`repl_backlog->histlen`).
    histlen: i64,
    blocks: VecDeque<Block>,
}

/// `master_repl_offset` and the optional replication backlog of one instance, with the
/// configured `repl-backlog-size` and `repl_no_slaves_since` (for `repl-backlog-ttl`).
#[derive(Clone, Debug)]
pub struct ReplBacklog {
    master_repl_offset: i64,
    repl_backlog_size: u64,
    repl_no_slaves_since: i64,
    backlog: Option<Backlog>,
}

impl ReplBacklog {
    /// A freshly started instance at `now`: offset 0, no backlog (`repl_no_slaves_since` :=
    /// now, as `initServer` does). `repl_backlog_size` is clamped to 16 KiB at least.
    pub fn new(repl_backlog_size: u64, now: Time) -> Self {
        ReplBacklog {
            master_repl_offset: 0,
            repl_backlog_size: repl_backlog_size.max(CONFIG_REPL_BACKLOG_MIN_SIZE),
            repl_no_slaves_since: now.as_secs(),
            backlog: None,
        }
    }

    /// `master_repl_offset`: bytes ever fed while a backlog existed (plus rebases).
    pub fn master_repl_offset(&self) -> i64 {
        self.master_repl_offset
    }

    /// Whether the backlog exists (INFO `repl_backlog_active`).
    pub fn is_active(&self) -> bool {
        self.backlog.is_some()
    }

    /// The configured `repl-backlog-size` (INFO `repl_backlog_size`).
    pub fn size(&self) -> u64 {
        self.repl_backlog_size
    }

    /// INFO `repl_backlog_first_byte_offset`: master offset of the first byte held, 0 when
    /// there is no backlog.
    pub fn first_byte_offset(&self) -> i64 {
        self.backlog.as_ref().map_or(0, |b| b.offset)
    }

    /// INFO `repl_backlog_histlen`: bytes held, 0 when there is no backlog.
    pub fn histlen(&self) -> i64 {
        self.backlog.as_ref().map_or(0, |b| b.histlen)
    }

    /// The PSYNC window `(first_byte_offset, histlen)`, `None` without a backlog.
    pub fn window(&self) -> Option<(i64, i64)> {
        self.backlog.as_ref().map(|b| (b.offset, b.histlen))
    }

    /// `server.repl_buffer_mem`: usable block sizes plus list nodes (INFO memory
    /// `mem_total_replication_buffers` when no replica pins extra blocks).
    pub fn repl_buffer_mem(&self) -> usize {
        self.backlog.as_ref().map_or(0, |b| {
            b.blocks
                .iter()
                .map(|blk| blk.size + REPL_BUF_BLOCK_HEADER + LIST_NODE_SIZE)
                .sum()
        })
    }

    /// `repl_no_slaves_since` in Unix seconds.
    pub fn repl_no_slaves_since(&self) -> i64 {
        self.repl_no_slaves_since
    }

    /// Record that the last replica went away (or that we just became a master, or restored
    /// from RDB) at `now`: the `repl-backlog-ttl` countdown starts here.
    pub fn set_no_replicas_since(&mut self, now: Time) {
        self.repl_no_slaves_since = now.as_secs();
    }

    /// `createReplicationBacklog`: an empty backlog whose first byte is the next one to be
    /// produced (`master_repl_offset + 1`, histlen 0). Returns false if one already exists.
    pub fn create(&mut self) -> bool {
        if self.backlog.is_some() {
            return false;
        }
        self.backlog = Some(Backlog {
            offset: self.master_repl_offset + 1,
            histlen: 0,
            blocks: VecDeque::new(),
        });
        true
    }

    /// `freeReplicationBacklog`: drop the backlog; `master_repl_offset` stays frozen.
    pub fn free(&mut self) {
        self.backlog = None;
    }

    /// What `syncCommand` does when a full-sync replica arrives and it is the only replica
    /// (`replicas_after_adding == 1`) and there is no backlog: new random replid, second id
    /// cleared, backlog created at `master_repl_offset + 1`. Returns true when this happened
    /// (Redis then logs `Replication backlog created, my new replication IDs are '<id>' and
    /// '<id2>'`).
    pub fn create_for_first_replica(
        &mut self,
        replicas_after_adding: usize,
        ids: &mut ReplIds,
        rng: &mut Rng,
    ) -> bool {
        if replicas_after_adding != 1 || self.backlog.is_some() {
            return false;
        }
        ids.change_replication_id(rng);
        ids.clear_replication_id2();
        self.create()
    }

    /// The `repl-backlog-ttl` check of `replicationCron`: a master (`is_master`) with no
    /// replica whose backlog has been idle for more than `ttl_secs` (0 = never) frees it,
    /// draws a new replid and clears the second id (spec §2.5). Returns true when freed (Redis
    /// logs `Replication backlog freed after <ttl> seconds without connected replicas.`).
    pub fn cron_free_if_idle(
        &mut self,
        now: Time,
        ttl_secs: u64,
        num_replicas: usize,
        is_master: bool,
        ids: &mut ReplIds,
        rng: &mut Rng,
    ) -> bool {
        if num_replicas != 0 || ttl_secs == 0 || self.backlog.is_none() || !is_master {
            return false;
        }
        let idle = now.as_secs().saturating_sub(self.repl_no_slaves_since);
        if idle <= i64::try_from(ttl_secs).unwrap_or(i64::MAX) {
            return false;
        }
        ids.change_replication_id(rng);
        ids.clear_replication_id2();
        self.free();
        true
    }

    /// `CONFIG SET repl-backlog-size` (`resizeReplicationBacklog`): clamp to 16 KiB and trim
    /// whole head blocks down to the new size. Growing keeps the history as it is.
    pub fn resize(&mut self, repl_backlog_size: u64) {
        self.repl_backlog_size = repl_backlog_size.max(CONFIG_REPL_BACKLOG_MIN_SIZE);
        self.trim();
    }

    /// `rebaseReplicationBuffer` as used by a master restored from RDB: every offset
    /// (master, backlog, blocks) moves by `delta` (the result is clamped to
    /// ±[`MAX_REPL_OFFSET`]).
    pub fn rebase(&mut self, delta: i64) {
        let before = self.master_repl_offset;
        self.master_repl_offset = before
            .saturating_add(delta)
            .clamp(-MAX_REPL_OFFSET, MAX_REPL_OFFSET);
        let delta = self.master_repl_offset - before;
        if let Some(b) = &mut self.backlog {
            for blk in &mut b.blocks {
                blk.repl_offset += delta;
            }
            b.offset = self.master_repl_offset - b.histlen + 1;
        }
    }

    /// Set `master_repl_offset` (a replica after a full sync takes the FULLRESYNC offset;
    /// normally there is no backlog then). An existing backlog is rebased with it.
    pub fn set_master_repl_offset(&mut self, offset: i64) {
        self.rebase(offset.saturating_sub(self.master_repl_offset));
    }

    /// `feedReplicationBuffer`: append `bytes` to the stream. Without a backlog nothing
    /// happens, not even the offset moves (spec §0).
    pub fn feed(&mut self, mut bytes: &[u8]) {
        let size = self.repl_backlog_size;
        let Some(b) = &mut self.backlog else {
            return;
        };
        while !bytes.is_empty() {
            if let Some(tail) = b.blocks.back_mut() {
                let avail = tail.size - tail.data.len();
                if avail > 0 {
                    let copy = avail.min(bytes.len());
                    tail.data.extend_from_slice(&bytes[..copy]);
                    bytes = &bytes[copy..];
                    self.master_repl_offset += copy as i64;
                    b.histlen += copy as i64;
                }
            }
            if !bytes.is_empty() {
                let bsize = block_size(bytes.len(), size);
                let copy = bsize.min(bytes.len());
                let mut data = Vec::with_capacity(bsize);
                data.extend_from_slice(&bytes[..copy]);
                b.blocks.push_back(Block {
                    repl_offset: self.master_repl_offset + 1,
                    size: bsize,
                    data,
                });
                bytes = &bytes[copy..];
                self.master_repl_offset += copy as i64;
                b.histlen += copy as i64;
            }
            // 7.0.15 tries to trim after every piece, not only when a block was added.
            Self::trim_backlog(b, size, self.master_repl_offset);
        }
    }

    /// Feed `bytes` made of consecutive pieces of the given lengths, each as one
    /// [`ReplBacklog::feed`] call (`feedReplicationBuffer` per piece: the sizes of new blocks
    /// depend on them). When everything fits in the room left in the last block no block is
    /// created, and feeding it at once gives the same blocks, offsets and trimming (trimming
    /// only ever drops head blocks once the history passes the size, and the history only
    /// grows here), so the hot path copies once. Lengths past the end of `bytes` are cut;
    /// bytes past the last piece are fed as one more piece.
    pub fn feed_pieces(&mut self, bytes: &[u8], pieces: &[usize]) {
        let Some(b) = &self.backlog else {
            return;
        };
        let room = b.blocks.back().map_or(0, |t| t.size - t.data.len());
        if bytes.len() <= room {
            self.feed(bytes);
            return;
        }
        let mut pos = 0;
        for &p in pieces {
            let end = (pos + p).min(bytes.len());
            self.feed(&bytes[pos..end]);
            pos = end;
        }
        if pos < bytes.len() {
            self.feed(&bytes[pos..]);
        }
    }

    /// Feed one command the way `replicationFeedSlaves` does: `*<argc>\r\n`, then for each
    /// argument `$<len>\r\n`, the argument, `\r\n`, each as a separate piece (block sizes
    /// depend on the piece lengths). The SELECT that may precede it is the caller's.
    pub fn feed_argv<A: AsRef<[u8]>>(&mut self, argv: &[A]) {
        if self.backlog.is_none() {
            return;
        }
        self.feed(format!("*{}\r\n", argv.len()).as_bytes());
        for arg in argv {
            let arg = arg.as_ref();
            self.feed(format!("${}\r\n", arg.len()).as_bytes());
            self.feed(arg);
            self.feed(b"\r\n");
        }
    }

    fn trim(&mut self) {
        let size = self.repl_backlog_size;
        if let Some(b) = &mut self.backlog {
            Self::trim_backlog(b, size, self.master_repl_offset);
        }
    }

    /// `incrementalTrimReplicationBacklog` without the per-call block limit.
    fn trim_backlog(b: &mut Backlog, size: u64, master_repl_offset: i64) {
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        while b.histlen > size && b.blocks.len() > 1 {
            let head = b.blocks[0].size as i64;
            if b.histlen - head <= size {
                break;
            }
            b.histlen -= head;
            b.blocks.pop_front();
        }
        b.offset = master_repl_offset - b.histlen + 1;
    }

    /// The bytes a replica asking `PSYNC <id> <offset>` needs: master offsets `offset ..=
    /// master_repl_offset`, if the backlog still holds them (`first_byte_offset <= offset <=
    /// first_byte_offset + histlen`; asking for `master_repl_offset + 1` gives an empty
    /// range). `None` without a backlog or outside the window. No bytes are copied.
    pub fn range_from(&self, offset: i64) -> Option<BacklogRange<'_>> {
        let b = self.backlog.as_ref()?;
        if offset < b.offset || offset > b.offset + b.histlen {
            return None;
        }
        let len = (b.offset + b.histlen - offset) as usize;
        // First block whose bytes reach past `offset`.
        let idx = b
            .blocks
            .partition_point(|blk| blk.repl_offset + blk.data.len() as i64 <= offset);
        let pos = b
            .blocks
            .get(idx)
            .map_or(0, |blk| (offset - blk.repl_offset) as usize);
        Some(BacklogRange {
            blocks: &b.blocks,
            idx,
            pos,
            len,
        })
    }
}

/// A contiguous run of the stream held in the backlog, as borrowed chunks (one per block).
#[derive(Clone, Debug)]
pub struct BacklogRange<'a> {
    blocks: &'a VecDeque<Block>,
    idx: usize,
    pos: usize,
    len: usize,
}

impl<'a> BacklogRange<'a> {
    /// Number of bytes (`psync_len` in Redis's log line).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the range holds no byte (the replica is already up to date).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes as non-empty slices, oldest first.
    pub fn chunks(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let (idx, pos) = (self.idx, self.pos);
        self.blocks
            .iter()
            .skip(idx)
            .enumerate()
            .map(move |(i, blk)| {
                if i == 0 {
                    &blk.data[pos..]
                } else {
                    &blk.data[..]
                }
            })
            .filter(|c| !c.is_empty())
    }

    /// The bytes copied into one buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for c in self.chunks() {
            out.extend_from_slice(c);
        }
        out
    }

    /// The bytes copied into one [`Bytes`].
    pub fn to_bytes(&self) -> Bytes {
        Bytes::from(self.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_classes() {
        assert_eq!(jemalloc_size_class(16424), 20480);
        assert_eq!(jemalloc_size_class(32768), 32768);
        assert_eq!(jemalloc_size_class(32769), 40960);
        assert_eq!(jemalloc_size_class(65576), 81920);
        assert_eq!(block_size(1, 16384), 20440);
        assert_eq!(block_size(100_000, 16384), 20440);
        assert_eq!(block_size(30000, 1 << 20), 32728);
        assert_eq!(block_size(100_000, 1 << 20), 81880);
    }

    #[test]
    fn no_backlog_no_offset() {
        let mut r = ReplBacklog::new(1, Time::default());
        assert_eq!(r.size(), 16384);
        r.feed(b"*1\r\n$4\r\nping\r\n");
        assert_eq!(r.master_repl_offset(), 0);
        assert_eq!((r.first_byte_offset(), r.histlen()), (0, 0));
        assert!(r.range_from(1).is_none());
        assert!(r.create());
        assert!(!r.create());
        assert_eq!((r.first_byte_offset(), r.histlen()), (1, 0));
        assert_eq!(r.range_from(1).unwrap().len(), 0);
        assert!(r.range_from(0).is_none());
        assert!(r.range_from(2).is_none());
        r.feed(b"*1\r\n$4\r\nping\r\n");
        assert_eq!(r.master_repl_offset(), 14);
        assert_eq!(r.range_from(5).unwrap().to_vec(), b"$4\r\nping\r\n");
    }

    #[test]
    fn extreme_offsets_do_not_overflow() {
        let mut r = ReplBacklog::new(16384, Time::default());
        r.set_master_repl_offset(i64::MAX);
        assert_eq!(r.master_repl_offset(), MAX_REPL_OFFSET);
        r.create();
        r.feed(&[1; 50_000]);
        r.rebase(i64::MIN);
        assert_eq!(r.master_repl_offset(), -MAX_REPL_OFFSET);
        let (first, hist) = r.window().unwrap();
        assert_eq!(first, r.master_repl_offset() - hist + 1);
        assert!(r.range_from(i64::MAX).is_none());
        assert!(r.range_from(i64::MIN).is_none());
        assert_eq!(r.range_from(first).unwrap().len() as i64, hist);
    }

    /// Offsets, history and each block's (offset, size, used).
    fn layout(r: &ReplBacklog) -> (i64, i64, i64, Vec<(i64, usize, usize)>) {
        let b = r.backlog.as_ref().unwrap();
        let blocks = b
            .blocks
            .iter()
            .map(|k| (k.repl_offset, k.size, k.data.len()));
        (r.master_repl_offset, b.offset, b.histlen, blocks.collect())
    }

    /// `feed_pieces` must leave exactly the blocks, offsets and trimming that feeding each
    /// piece on its own does, whether the pieces fit in the last block or not.
    #[test]
    fn feed_pieces_matches_piece_by_piece() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as usize
        };
        for size in [16384u64, 40_000, 1 << 20] {
            let mut fast = ReplBacklog::new(size, Time::default());
            let mut slow = ReplBacklog::new(size, Time::default());
            fast.create();
            slow.create();
            for round in 0..3000 {
                let n = 1 + next(6);
                let pieces: Vec<usize> = (0..n)
                    .map(|_| {
                        if next(50) == 0 {
                            5000 + next(40_000)
                        } else {
                            next(120)
                        }
                    })
                    .collect();
                let total: usize = pieces.iter().sum();
                let bytes: Vec<u8> = (0..total).map(|i| (i + round) as u8).collect();
                fast.feed_pieces(&bytes, &pieces);
                let mut pos = 0;
                for p in &pieces {
                    slow.feed(&bytes[pos..pos + p]);
                    pos += p;
                }
                assert_eq!(layout(&fast), layout(&slow), "round {round}");
            }
            let first = fast.first_byte_offset();
            assert_eq!(
                fast.range_from(first).unwrap().to_vec(),
                slow.range_from(first).unwrap().to_vec()
            );
        }
    }
}
