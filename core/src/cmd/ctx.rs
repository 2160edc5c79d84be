//! The context a command handler runs in: the calling client, the server state, and the
//! bookkeeping of one call (dirty count, propagation rewrites).

use crate::vecmap::VecMap;

use bytes::{Bytes, BytesMut};

use super::{CommandSpec, RedisError};
use crate::client::{Client, ClientId};
use crate::keyspace::{Db, Value};
use crate::propagate::PropOp;
use crate::resp;
use crate::server::State;
use crate::time::Time;

/// How the call's own argv is propagated.
#[derive(Debug, Default)]
pub(crate) enum Rewrite {
    /// As received (if the call dirtied the dataset).
    #[default]
    Verbatim,
    /// Replaced by this argv.
    Argv(Vec<Bytes>),
    /// Not at all (the handler propagated what it did itself).
    Suppressed,
}

/// A handler's view of the world for one command call.
pub struct Ctx<'a> {
    /// The time of this call.
    pub now: Time,
    /// Server-wide state.
    pub st: &'a mut State,
    /// The calling client.
    pub client: &'a mut Client,
    /// Every other client (the caller is not in this map while it runs).
    pub others: &'a mut VecMap<ClientId, Box<Client>>,
    /// Our master client (`server.master`, replica side) while the link to our master is up,
    /// unless it is the caller: it is not in [`Ctx::others`], yet `CLIENT LIST`/`KILL` see it.
    pub master: Option<&'a Client>,
    /// The command being executed.
    pub cmd: &'static CommandSpec,
    pub(crate) dirty: u64,
    pub(crate) rewrite: Rewrite,
}

impl<'a> Ctx<'a> {
    /// Now in Unix milliseconds (Redis's `mstime()` / `commandTimeSnapshot()`).
    pub fn now_ms(&self) -> i64 {
        self.now.as_millis()
    }

    /// The selected database number.
    pub fn dbid(&self) -> usize {
        self.client.db
    }

    /// Set `key`'s expire time in database `db` (Redis's `setExpire`). On a writable replica
    /// a key given a TTL by one of its own clients is remembered, because its master will
    /// never send the `DEL` (`rememberSlaveKeyWithExpire`).
    pub fn set_expire_in(&mut self, db: usize, key: &[u8], when: i64) {
        self.st.keyspace.dbs[db].set_expire(key, when);
        if self.st.is_replica() && !self.client.flags.master {
            self.st
                .slave_keys_with_expire
                .insert((db, crate::keyspace::Sds::from_slice(key)));
        }
    }

    /// [`Ctx::set_expire_in`] the selected database.
    pub fn set_expire(&mut self, key: &[u8], when: i64) {
        let db = self.client.db;
        self.set_expire_in(db, key, when);
    }

    /// The selected database, without expiry checks.
    pub fn db(&mut self) -> &mut Db {
        let id = self.client.db;
        &mut self.st.keyspace.dbs[id]
    }

    /// True when this node is a replica (`replicaof` set): it never expires keys itself.
    pub fn is_replica(&self) -> bool {
        self.st.is_replica()
    }

    // ----- expiry-aware lookups (Redis's lookupKey* and expireIfNeeded) -----

    /// Redis's `expireIfNeeded` for the selected db: true when `key` is logically expired.
    /// On a master the key is deleted and a `DEL` is queued for propagation; on a replica
    /// it is only reported missing (except to the master link, which sees it as present).
    pub fn expire_if_needed(&mut self, key: &[u8]) -> bool {
        let db = self.client.db;
        self.expire_if_needed_in(db, key)
    }

    /// [`Ctx::expire_if_needed`] for database `db`.
    pub fn expire_if_needed_in(&mut self, db: usize, key: &[u8]) -> bool {
        let now = self.now_ms();
        if !self.st.keyspace.dbs[db].is_expired(key, now) {
            return false;
        }
        if self.st.is_replica() {
            return !self.client.flags.master;
        }
        self.st.delete_expired_key(db, key);
        true
    }

    /// Look a key up for reading: expired keys are missing; counts hits and misses.
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<&Value> {
        let db = self.client.db;
        if self.expire_if_needed_in(db, key) {
            self.st.stats.keyspace_misses += 1;
            return None;
        }
        let v = self.st.keyspace.dbs[db].get(key);
        if v.is_some() {
            self.st.stats.keyspace_hits += 1;
        } else {
            self.st.stats.keyspace_misses += 1;
        }
        v
    }

    /// Look a key up for writing: expired keys are deleted first (on a master).
    pub fn lookup_write(&mut self, key: &[u8]) -> Option<&mut Value> {
        let db = self.client.db;
        self.expire_if_needed_in(db, key);
        self.st.keyspace.dbs[db].get_mut(key)
    }

    /// True when the key exists and is not expired (no hit/miss counting).
    pub fn exists(&mut self, key: &[u8]) -> bool {
        let db = self.client.db;
        !self.expire_if_needed_in(db, key) && self.st.keyspace.dbs[db].contains(key)
    }

    /// Delete a key from the selected db (after an expiry check); true if it existed.
    /// Signals WATCHers.
    pub fn delete_key(&mut self, key: &[u8]) -> bool {
        let db = self.client.db;
        if self.expire_if_needed_in(db, key) {
            return false;
        }
        let removed = self.st.keyspace.dbs[db].remove(key).is_some();
        if removed {
            self.st.touch_watched_key(db, key);
        }
        removed
    }

    /// Store `value` under `key` in the selected db (Redis's `setKey`): replaces any old
    /// value, clears the TTL unless `keep_ttl`, signals WATCHers.
    pub fn set_key(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        let db = self.client.db;
        self.st.keyspace.dbs[db].set(key, value, keep_ttl);
        self.st.touch_watched_key(db, key);
    }

    /// Tell WATCHers that `key` in the selected db changed (`signalModifiedKey`).
    pub fn signal_modified(&mut self, key: &[u8]) {
        let db = self.client.db;
        self.st.touch_watched_key(db, key);
    }

    // ----- dirty counting and propagation -----

    /// Count `n` changes to the dataset (Redis's `server.dirty++`). A call that counts none
    /// propagates nothing.
    pub fn add_dirty(&mut self, n: u64) {
        self.dirty += n;
    }

    /// Propagate `argv` instead of the command as received (Redis's
    /// `rewriteClientCommandVector`), e.g. `SET k v PXAT <ms>` for `SETEX`.
    pub fn rewrite_argv(&mut self, argv: Vec<Bytes>) {
        self.rewrite = Rewrite::Argv(argv);
    }

    /// Do not propagate the command itself (the handler used [`Ctx::also_propagate`]).
    pub fn prevent_propagation(&mut self) {
        self.rewrite = Rewrite::Suppressed;
    }

    /// Queue an extra operation in the current db for this execution unit (`alsoPropagate`).
    pub fn also_propagate(&mut self, argv: Vec<Bytes>) {
        if !self.st.repl.capture {
            return;
        }
        let db = self.client.db;
        self.st.also_propagate.push(PropOp { db, argv });
    }

    // ----- replies -----

    /// The client's output buffer.
    pub fn out(&mut self) -> &mut BytesMut {
        &mut self.client.out
    }
    /// `+OK`
    pub fn ok(&mut self) {
        self.client.out.extend_from_slice(b"+OK\r\n");
    }
    /// `+<s>`
    pub fn simple(&mut self, s: &str) {
        resp::write_simple(&mut self.client.out, s.as_bytes());
    }
    /// A bulk string.
    pub fn bulk(&mut self, b: &[u8]) {
        resp::write_bulk(&mut self.client.out, b);
    }
    /// A nil bulk (`$-1`).
    pub fn null(&mut self) {
        resp::write_null(&mut self.client.out);
    }
    /// A nil array (`*-1`).
    pub fn null_array(&mut self) {
        resp::write_null_array(&mut self.client.out);
    }
    /// An integer.
    pub fn int(&mut self, n: i64) {
        resp::write_integer(&mut self.client.out, n);
    }
    /// An array header.
    pub fn array(&mut self, n: usize) {
        resp::write_array_len(&mut self.client.out, n);
    }
    /// A double as a bulk string, formatted as Redis 7.0 does (`%.17g`).
    pub fn double(&mut self, d: f64) {
        let s = crate::util::fmt_f64(d);
        resp::write_bulk(&mut self.client.out, s.as_bytes());
    }
    /// An error reply nested inside another reply (EXEC results); counts error stats.
    /// Top-level errors are returned as `Err` instead.
    pub fn error(&mut self, e: &RedisError) {
        self.st.count_error(e);
        resp::write_error(&mut self.client.out, e.as_bytes());
    }
}
