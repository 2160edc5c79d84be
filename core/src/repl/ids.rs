//! Replication ids: `server.replid`, `server.replid2` and `server.second_replid_offset`
//! (Redis's replication.c `changeReplicationId`, `clearReplicationId2`, `shiftReplicationId`
//! and the RDB `repl-id`/`repl-offset` restore of server.c `loadDataFromDisk`).
//!
//! A replication id names one history of the replication stream. `replid` is the current
//! history; `replid2` is the history we inherited from a former master (or from our own
//! previous life), valid for PSYNC offsets up to and including `second_repl_offset`
//! (spec §3.1). This module only holds the ids and applies the id half of each event; the
//! caller does the rest of the event (freeing or creating the backlog, disconnecting
//! replicas, logging). Ids are drawn from the core's seeded [`Rng`], never from the OS.

use std::fmt;

use crate::rng::Rng;

/// Length of a replication id (`CONFIG_RUN_ID_SIZE`).
pub const REPLID_LEN: usize = 40;

/// A 40-byte replication id, normally lowercase hex.
///
/// Compared with [`ReplId::eq_ignore_case`] when matched against a PSYNC request: Redis uses
/// `strcasecmp`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplId([u8; REPLID_LEN]);

impl ReplId {
    /// The unset id: 40 `'0'` characters (what `clearReplicationId2` writes).
    pub const ZERO: ReplId = ReplId([b'0'; REPLID_LEN]);

    /// A fresh random id of 40 lowercase hex characters (`getRandomHexChars`).
    pub fn random(rng: &mut Rng) -> Self {
        let hex = rng.hex_id(REPLID_LEN);
        let mut id = [0u8; REPLID_LEN];
        id.copy_from_slice(hex.as_bytes());
        ReplId(id)
    }

    /// The id spelled by `bytes`, which must be exactly 40 bytes long (Redis only accepts ids of
    /// exactly `CONFIG_RUN_ID_SIZE` from `+FULLRESYNC`, `+CONTINUE` and the RDB `repl-id` aux).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let id: [u8; REPLID_LEN] = bytes.try_into().ok()?;
        Some(ReplId(id))
    }

    /// The id's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The id as text (lossy for the non-ASCII bytes a peer could have sent).
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }

    /// `strcasecmp(other, id) == 0`: ASCII case-insensitive equality with a requested id.
    pub fn eq_ignore_case(&self, other: &[u8]) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl fmt::Display for ReplId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

impl fmt::Debug for ReplId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplId({self})")
    }
}

/// The replication ids of one instance (`server.replid`, `server.replid2`,
/// `server.second_replid_offset`; INFO shows them as `master_replid`, `master_replid2` and
/// `second_repl_offset`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplIds {
    /// The current history (`master_replid`).
    pub replid: ReplId,
    /// The previous history (`master_replid2`), [`ReplId::ZERO`] when unset.
    pub replid2: ReplId,
    /// The highest PSYNC offset accepted for `replid2`; -1 when unset.
    pub second_repl_offset: i64,
}

impl ReplIds {
    /// A freshly started instance: random `replid`, no second id (spec §3.1 "process start").
    pub fn new(rng: &mut Rng) -> Self {
        ReplIds {
            replid: ReplId::random(rng),
            replid2: ReplId::ZERO,
            second_repl_offset: -1,
        }
    }

    /// `changeReplicationId`: a new random `replid` (the second id is untouched). Used when the
    /// backlog is created for the first replica and when it is freed by `repl-backlog-ttl`
    /// (both together with [`ReplIds::clear_replication_id2`]).
    pub fn change_replication_id(&mut self, rng: &mut Rng) {
        self.replid = ReplId::random(rng);
    }

    /// `clearReplicationId2`: `replid2` := 40 `'0'`, `second_repl_offset` := -1.
    pub fn clear_replication_id2(&mut self) {
        self.replid2 = ReplId::ZERO;
        self.second_repl_offset = -1;
    }

    /// `shiftReplicationId` (REPLICAOF NO ONE, failover promotion): the current id becomes
    /// `replid2`, valid up to `master_repl_offset + 1` (the first byte never part of the old
    /// history), and a new random `replid` is drawn.
    pub fn shift_replication_id(&mut self, master_repl_offset: i64, rng: &mut Rng) {
        self.replid2 = self.replid;
        self.second_repl_offset = master_repl_offset.saturating_add(1);
        self.change_replication_id(rng);
    }

    /// What a replica does on `+CONTINUE <new>` when `new` differs from its cached master's id
    /// (spec §1.3): `replid2` := old id, `second_repl_offset` := `master_repl_offset + 1`,
    /// `replid` := `new`. Returns false (and changes nothing) when `new` is already our id.
    pub fn adopt_new_master_replid(&mut self, new: ReplId, master_repl_offset: i64) -> bool {
        if new == self.replid {
            return false;
        }
        self.replid2 = self.replid;
        self.second_repl_offset = master_repl_offset.saturating_add(1);
        self.replid = new;
        true
    }

    /// A replica that completed a full sync: `replid` := the master's id, second id cleared.
    pub fn set_from_full_sync(&mut self, master_replid: ReplId) {
        self.replid = master_replid;
        self.clear_replication_id2();
    }

    /// Startup of a **master** from an RDB with valid `repl-id`/`repl-offset` aux fields
    /// (spec §3.4): `replid` stays the fresh random one, the saved id becomes `replid2`, valid
    /// up to `repl_offset + 1`. The caller rebases `master_repl_offset` by `repl_offset`
    /// ([`crate::repl::backlog::ReplBacklog::rebase`]).
    pub fn restore_master_from_rdb(&mut self, repl_id: ReplId, repl_offset: i64) {
        self.replid2 = repl_id;
        self.second_repl_offset = repl_offset.saturating_add(1);
    }

    /// Startup of a **replica** from an RDB with valid repl aux fields: `replid` := the saved
    /// id (the second id is left as it is). The caller sets `master_repl_offset` to
    /// `repl_offset` and builds a cached master from itself.
    pub fn restore_replica_from_rdb(&mut self, repl_id: ReplId) {
        self.replid = repl_id;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids() {
        let mut rng = Rng::new(1);
        let ids = ReplIds::new(&mut rng);
        assert_eq!(ids.replid.as_bytes().len(), 40);
        assert!(ids
            .replid
            .as_bytes()
            .iter()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c)));
        assert_eq!(ids.replid2.to_string(), "0".repeat(40));
        assert_eq!(ids.second_repl_offset, -1);
    }

    #[test]
    fn shift_and_adopt() {
        let mut rng = Rng::new(7);
        let mut ids = ReplIds::new(&mut rng);
        let old = ids.replid;
        ids.shift_replication_id(218, &mut rng);
        assert_eq!(ids.replid2, old);
        assert_eq!(ids.second_repl_offset, 219);
        assert_ne!(ids.replid, old);

        let mut other = ReplIds::new(&mut rng);
        assert!(!other.adopt_new_master_replid(other.replid, 5));
        let before = other.replid;
        assert!(other.adopt_new_master_replid(ids.replid, 300));
        assert_eq!(other.replid, ids.replid);
        assert_eq!(other.replid2, before);
        assert_eq!(other.second_repl_offset, 301);
    }

    #[test]
    fn from_bytes_requires_40() {
        assert!(ReplId::from_bytes(b"abc").is_none());
        assert!(ReplId::from_bytes(&[b'a'; 41]).is_none());
        let id = ReplId::from_bytes(&[b'a'; 40]).unwrap();
        assert!(id.eq_ignore_case(&[b'A'; 40]));
        assert!(!id.eq_ignore_case(&[b'A'; 39]));
    }
}
