//! The sans-IO server: clients in, replies out (Redis's `processInputBuffer`,
//! `processCommand` and `call`, without sockets or an event loop).
//!
//! A driver (the tokio server, the simulator, a test) feeds it with `handle_*` calls that carry
//! the current [`Time`], and drains what it must do with [`Server::poll_output`]. The server
//! never blocks, sleeps, reads a clock or touches a socket; `DEBUG SLEEP` and `SHUTDOWN` are
//! requests to the driver ([`Output::Pause`], [`Output::Shutdown`]), and dumps go through the
//! driver's [`crate::persist::Storage`].
//!
//! ```
//! use replscope_core::{config::Config, server::{Output, Server}, client::PeerInfo, time::Time};
//! let now = Time::from_millis(1_700_000_000_000);
//! let mut srv = Server::new(Config::default(), 42, now);
//! let c = srv.handle_accept(now, PeerInfo::default());
//! srv.handle_input(now, c, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nGET k\r\n");
//! let mut replies = Vec::new();
//! while let Some(out) = srv.poll_output() {
//!     if let Output::Transmit { bytes, .. } = out { replies.extend_from_slice(&bytes); }
//! }
//! assert_eq!(replies, b"+OK\r\n$1\r\nv\r\n");
//! ```

use std::collections::VecDeque;

use bytes::{Buf, Bytes};

use crate::client::{Client, ClientId, PeerInfo};
use crate::cmd::ctx::Rewrite;
use crate::cmd::{errors, lookup_sub, CommandSpec, CommandTable, Ctx, RedisError};
use crate::config::Config;
use crate::keyspace::{Keyspace, Sds};
use crate::propagate::{PropOp, Propagator};
use crate::repl::replica::{ReplState, ReplicaEvent};
use crate::repl::replica_side::ReplicaSide;
use crate::resp::{self, RequestLimits};
use crate::rng::Rng;
use crate::stats::Stats;
use crate::time::Time;

/// What the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Write these bytes to the client's connection.
    Transmit {
        /// The client.
        client: ClientId,
        /// The bytes.
        bytes: Bytes,
    },
    /// Close the client's connection (after writing everything transmitted before).
    Close {
        /// The client.
        client: ClientId,
    },
    /// Stop serving anyone until `until` (`DEBUG SLEEP`: the whole server blocks, as Redis).
    Pause {
        /// When to resume.
        until: Time,
    },
    /// Shut the process down (`SHUTDOWN`, or a signal through
    /// [`Server::handle_shutdown_signal`]); the server has already answered, written the
    /// final dump when it had to and logged the shutdown lines.
    Shutdown {
        /// `SHUTDOWN SAVE` / `NOSAVE` / default (`None`: save if save points are configured);
        /// informative, the save was already done.
        save: Option<bool>,
    },
    /// Open a TCP connection to our master (`REPLICAOF host port`): once established call
    /// [`Server::handle_link_connected_from`] (or [`Server::handle_link_connected`]), on
    /// failure [`Server::handle_close`]; its bytes go
    /// through [`Server::handle_input`], and [`Output::Transmit`] / [`Output::Close`] with
    /// this id apply to it.
    Connect {
        /// The connection's id (never a client id).
        link: ClientId,
        /// Master host.
        host: String,
        /// Master port.
        port: u16,
    },
    /// A line for the server log (Redis-style message), with its level.
    Log {
        /// Severity.
        level: LogLevel,
        /// The message.
        message: String,
    },
}

/// Log severities, as Redis's `loglevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// debug
    Debug,
    /// verbose
    Verbose,
    /// notice
    Notice,
    /// warning
    Warning,
}

/// Facts about the hosting process that only the driver knows (for `INFO server`).
#[derive(Clone, Debug, Default)]
pub struct ProcessInfo {
    /// `process_id`
    pub pid: u32,
    /// `tcp_port`
    pub tcp_port: u16,
    /// `executable`
    pub executable: String,
    /// `config_file`
    pub config_file: String,
    /// `os`
    pub os: String,
    /// `arch_bits` (0, as in the simulator: 64 on every target)
    pub arch_bits: u32,
    /// `used_memory_rss` source: resident set size in bytes, refreshed by the driver.
    pub rss_bytes: u64,
    /// `used_cpu_sys`/`used_cpu_user`, seconds, refreshed by the driver.
    pub cpu_sys: f64,
    /// user CPU seconds.
    pub cpu_user: f64,
}

/// Server-wide state shared by every command (Redis's `redisServer` minus the event loop).
#[derive(Debug)]
pub struct State {
    /// All databases.
    pub keyspace: Keyspace,
    /// Configuration (CONFIG GET/SET operate on it).
    pub config: Config,
    /// Counters for INFO.
    pub stats: Stats,
    /// The only source of randomness.
    pub rng: Rng,
    /// `run_id`: 40 hex characters, new each start.
    pub run_id: String,
    /// Master-side replication: ids, `master_repl_offset`, backlog, replicas.
    pub master: crate::repl::master::MasterRepl,
    /// Start time (`uptime_in_seconds`).
    pub started_at: Time,
    /// `server.dirty`: changes since the last save.
    pub dirty: u64,
    /// Operations of the current execution unit, waiting to be propagated.
    pub also_propagate: Vec<PropOp>,
    /// The outgoing replication stream.
    pub repl: Propagator,
    /// `watched_keys`: (db, key) → clients watching it, each with whether the key was
    /// already expired when WATCHed.
    pub watched_keys: crate::keyspace::Map<(usize, Sds), Vec<(ClientId, bool)>>,
    /// Clients whose WATCHed keys were touched, to be flagged `dirty_cas`.
    pub dirty_cas: Vec<ClientId>,
    /// `slaveKeysWithExpire`: on a writable replica, the keys its own clients gave a TTL
    /// (database, key): the master will never expire them, so the replica does
    /// ([`crate::expire::expire_slave_keys`]).
    pub slave_keys_with_expire: crate::keyspace::Set<(usize, crate::keyspace::Sds)>,
    /// Requests to the driver, in order.
    pub outputs: VecDeque<Output>,
    /// Clients to close once the current command returns (CLIENT KILL of others).
    pub kill_queue: Vec<ClientId>,
    /// Next `CLIENT ID`.
    pub next_client_id: ClientId,
    /// Time of the last cron run.
    pub last_cron: Time,
    /// Facts from the driver.
    pub process: ProcessInfo,
    /// Unix time of the last successful save (`LASTSAVE`).
    pub lastsave: i64,
    /// Nesting depth of `call` (EXEC runs its commands at depth 2).
    pub call_depth: u32,
    /// `DEBUG SET-ACTIVE-EXPIRE`.
    pub active_expire_enabled: bool,
    /// Peak of the dataset size estimate, for `used_memory_peak`.
    pub used_memory_peak: u64,
    /// RDB persistence: storage, background save, counters.
    pub persist: crate::persist::Persistence,
    /// Replica side: the link to our master and a full sync being loaded.
    pub replica: crate::repl::replica_side::ReplicaSide,
}

impl State {
    /// True when this node replicates from a master (`masterhost != NULL`).
    pub fn is_replica(&self) -> bool {
        self.config.replicaof.is_some()
    }

    /// Delete an expired key on a master and propagate `DEL` (or `UNLINK` with
    /// `lazyfree-lazy-expire`), as `deleteExpiredKeyAndPropagate`.
    pub fn delete_expired_key(&mut self, db: usize, key: &[u8]) {
        if self.keyspace.dbs[db].remove(key).is_none() {
            return;
        }
        self.stats.expired_keys += 1;
        self.touch_watched_key(db, key);
        if !self.repl.capture {
            return;
        }
        let cmd: &[u8] = if self.config.lazyfree_lazy_expire {
            b"UNLINK"
        } else {
            b"DEL"
        };
        self.also_propagate.push(PropOp::new(db, &[cmd, key]));
    }

    /// Mark every client WATCHing `key` in `db` as dirty (`touchWatchedKey`).
    pub fn touch_watched_key(&mut self, db: usize, key: &[u8]) {
        if self.watched_keys.is_empty() {
            return;
        }
        let k = (db, Sds::from_slice(key));
        let exists = self.keyspace.dbs[db].contains(key);
        if let Some(ids) = self.watched_keys.get_mut(&k) {
            for (id, expired) in ids.iter_mut() {
                if *expired && !exists {
                    // Already expired when WATCHed and now deleted: logically no change.
                    *expired = false;
                    continue;
                }
                self.dirty_cas.push(*id);
            }
        }
    }

    /// Mark every client WATCHing any key of `db` (`None`: of any db) that exists in it as
    /// dirty (`touchAllWatchedKeysInDb` for FLUSHDB/FLUSHALL/SWAPDB).
    pub fn touch_all_watched_keys(&mut self, db: Option<usize>) {
        let mut hit = Vec::new();
        for ((d, key), ids) in &self.watched_keys {
            if db.is_none_or(|x| x == *d) && self.keyspace.dbs[*d].contains(key) {
                hit.extend(ids.iter().map(|(id, _)| *id));
            }
        }
        self.dirty_cas.extend(hit);
    }

    /// Count an error reply in the stats (`total_error_replies`, errorstats).
    pub fn count_error(&mut self, e: &RedisError) {
        self.stats.total_error_replies += 1;
        *self.stats.errors.get_or_default(e.code().to_string()) += 1;
    }

    /// Queue a log line for the driver.
    pub fn log(&mut self, level: LogLevel, message: impl Into<String>) {
        self.outputs.push_back(Output::Log {
            level,
            message: message.into(),
        });
    }
}

/// A sans-IO Redis server: keyspace, clients and commands.
#[derive(Debug)]
pub struct Server {
    st: State,
    clients: crate::vecmap::VecMap<ClientId, Box<Client>>,
    /// `server.master`: the client executing our master's stream (replica side).
    master_client: Option<Box<Client>>,
}

impl Server {
    /// A server with `config`, seeded randomness and start time `now`.
    pub fn new(config: Config, seed: u64, now: Time) -> Self {
        let mut rng = Rng::new(seed);
        let run_id = rng.hex_id(40);
        // A separate stream, so adding the replid does not shift the main sequence.
        let replid = Rng::new(seed ^ 0x5245_504c_4944_0000).hex_id(40);
        let replid = crate::repl::ids::ReplId::from_bytes(replid.as_bytes())
            .unwrap_or(crate::repl::ids::ReplId::ZERO);
        let master = crate::repl::master::MasterRepl::new(replid, config.repl_backlog_size, now);
        let mut replica = crate::repl::replica_side::ReplicaSide::default();
        replica.start_pending = config.replicaof.is_some();
        let st = State {
            keyspace: Keyspace::new(config.databases),
            active_expire_enabled: true,
            config,
            stats: Stats::default(),
            rng,
            run_id,
            master,
            started_at: now,
            dirty: 0,
            also_propagate: Vec::new(),
            repl: Propagator::default(),
            watched_keys: Default::default(),
            dirty_cas: Vec::new(),
            slave_keys_with_expire: Default::default(),
            outputs: VecDeque::new(),
            kill_queue: Vec::new(),
            // Ids 1 and 2 go to Redis 7.0's two internal Lua clients (EVAL and FUNCTION),
            // so the first connection is id 3 there and here.
            next_client_id: 3,
            last_cron: now,
            process: ProcessInfo::default(),
            lastsave: now.as_secs(),
            call_depth: 0,
            used_memory_peak: 0,
            persist: crate::persist::Persistence::default(),
            replica,
        };
        Server {
            st,
            clients: crate::vecmap::VecMap::new(),
            master_client: None,
        }
    }

    /// Shared state (read-only).
    pub fn state(&self) -> &State {
        &self.st
    }

    /// Shared state (for drivers and tests: set process info, load data).
    pub fn state_mut(&mut self) -> &mut State {
        &mut self.st
    }

    /// Replace where dumps are written (the default is an in-memory
    /// [`crate::persist::MemStorage`]).
    pub fn set_storage(&mut self, storage: Box<dyn crate::persist::Storage>) {
        self.st.persist.storage = storage;
    }

    /// Load the dump from storage at startup (Redis's `loadDataFromDisk`): `Ok(None)` when
    /// there is none. Log lines are queued; on `Err` the driver logs it and exits.
    pub fn load_from_storage(
        &mut self,
        now: Time,
    ) -> Result<Option<crate::persist::LoadCounts>, String> {
        let counts = crate::persist::load_from_storage(&mut self.st, now, Default::default())?;
        if counts.is_some() {
            crate::repl::master::restore_from_rdb(&mut self.st, now);
            crate::repl::replica_side::restore_from_rdb(&mut self.st);
        }
        Ok(counts)
    }

    /// SIGTERM/SIGINT (Redis's `shutdown_asap` in the cron): save if save points are
    /// configured, then queue [`Output::Shutdown`]. `false` when the save failed and the
    /// server keeps running.
    pub fn handle_shutdown_signal(&mut self, now: Time) -> bool {
        if crate::persist::prepare_for_shutdown(&mut self.st, now, None, false) {
            self.st.outputs.push_back(Output::Shutdown { save: None });
            true
        } else {
            false
        }
    }

    /// Number of connected clients.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// A new connection. When `maxclients` is reached the client is told so and closed at
    /// once (the returned id is then already closed).
    pub fn handle_accept(&mut self, now: Time, peer: PeerInfo) -> ClientId {
        self.st.master.now = now;
        let id = self.st.next_client_id;
        self.st.next_client_id += 1;
        self.st.stats.total_connections_received += 1;
        // Redis counts every linked client, our master's included.
        let linked = self.clients.len() + usize::from(self.master_client_listed());
        if linked >= self.st.config.maxclients as usize {
            self.st.stats.rejected_connections += 1;
            self.st.outputs.push_back(Output::Transmit {
                client: id,
                bytes: Bytes::from_static(b"-ERR max number of clients reached\r\n"),
            });
            self.st.outputs.push_back(Output::Close { client: id });
            return id;
        }
        if self.st.config.protected_mode
            && self.st.config.requirepass.is_none()
            && !peer_is_local(&peer.addr)
        {
            // Redis's clientAcceptHandler: answer, then close.
            self.st.outputs.push_back(Output::Transmit {
                client: id,
                bytes: Bytes::from_static(PROTECTED_MODE_DENIED),
            });
            self.st.outputs.push_back(Output::Close { client: id });
            return id;
        }
        let authenticated = self.st.config.requirepass.is_none();
        self.clients
            .insert(id, Box::new(Client::new(id, peer, now, authenticated)));
        id
    }

    /// The connection of `id` was closed by the peer or failed.
    pub fn handle_close(&mut self, now: Time, id: ClientId) {
        self.st.master.now = now;
        if ReplicaSide::is_link_id(id) {
            if self.st.replica.conn == Some(id) {
                self.st.replica.conn = None;
                if let Some(link) = self.st.replica.link.as_mut() {
                    link.handle_closed(now);
                }
                self.pump_link(now);
            }
            return;
        }
        if let Some(c) = self.clients.remove(&id) {
            self.unwatch_all(&c);
        }
    }

    /// Bytes arrived from client `id`.
    pub fn handle_input(&mut self, now: Time, id: ClientId, data: &[u8]) {
        self.st.master.now = now;
        if ReplicaSide::is_link_id(id) {
            if self.st.replica.conn == Some(id) {
                self.st.replica.stat_net_repl_input_bytes += data.len() as u64;
                if let Some(link) = self.st.replica.link.as_mut() {
                    link.handle_bytes(now, data);
                }
                self.pump_link(now);
                self.reap_killed();
                self.before_sleep(now);
            }
            return;
        }
        let Some(mut client) = self.clients.remove(&id) else {
            return;
        };
        self.st.stats.total_net_input_bytes += data.len() as u64;
        self.st.stats.total_reads_processed += 1;
        if !client.flags.close_asap && !client.flags.close_after_reply {
            client.querybuf.extend_from_slice(data);
            self.process_input(now, &mut client);
        }
        self.finish_client(client);
        // The replicas get what this batch of commands propagated (see `feed_backlog`).
        crate::repl::master::feed_replicas(&mut self.st, &mut self.clients, None);
        self.pump_link(now);
        self.reap_killed();
        self.before_sleep(now);
    }

    /// The driver's count of bytes transmitted to client `id` and not yet written to its
    /// socket. A replica whose unwritten output passes `client-output-buffer-limit replica`
    /// is dropped (it will resynchronize); other clients are not limited.
    pub fn handle_output_pending(&mut self, now: Time, id: ClientId, unsent: u64) {
        self.st.master.now = now;
        let Some(c) = self.clients.get_mut(&id) else {
            return;
        };
        if c.flags.replica || c.repl.obuf_unsent != 0 {
            crate::repl::master::report_unsent(&mut self.st, c, unsent, now);
            self.reap_killed();
        }
    }

    /// The connection requested by [`Output::Connect`] is established (a driver without
    /// addresses; the master client then shows the configured `host:port`).
    pub fn handle_link_connected(&mut self, now: Time, id: ClientId) {
        self.handle_link_connected_from(now, id, None);
    }

    /// [`Server::handle_link_connected`] with the connection's addresses: `peer.addr` is the
    /// master's end (`ip:port`), `peer.laddr` ours, `peer.fd` the socket's descriptor. The
    /// master client created on this connection shows them in `CLIENT LIST`, and
    /// `CLIENT KILL ADDR`/`LADDR` match them.
    pub fn handle_link_connected_from(&mut self, now: Time, id: ClientId, peer: Option<PeerInfo>) {
        self.st.master.now = now;
        if self.st.replica.conn == Some(id) {
            self.st.replica.conn_peer = peer;
        }
        if self.st.replica.conn != Some(id) {
            // A connection of a link that was replaced meanwhile.
            if ReplicaSide::is_link_id(id) {
                self.st.outputs.push_back(Output::Close { client: id });
            }
            return;
        }
        if let Some(link) = self.st.replica.link.as_mut() {
            link.handle_connected(now);
        }
        self.pump_link(now);
    }

    /// Run periodic work due at `now` (Redis's `serverCron`: the active expiry cycle).
    pub fn handle_timeout(&mut self, now: Time) {
        let period_us = 1_000_000 / u64::from(self.st.config.hz.clamp(1, 500));
        self.st.master.now = now;
        self.finish_loading_if_due(now);
        if now.micros_since(self.st.last_cron) < period_us {
            // Not a cron tick: only blocked WAITs may have timed out, or the replica link's
            // own once-a-second cron (its phase differs from ours after a restart or a
            // `REPLICAOF` between ticks) is due: run it, or `poll_timeout` keeps returning
            // its past deadline.
            if let Some(link) = self.st.replica.link.as_mut() {
                if link.poll_timeout().is_some_and(|t| t <= now) {
                    link.handle_timeout(now);
                    self.pump_link(now);
                }
            }
            self.before_sleep(now);
            return;
        }
        self.st.last_cron = now;
        if std::mem::take(&mut self.st.replica.start_pending) {
            if let Some((host, port)) = self.st.config.replicaof.clone() {
                let cfg = crate::repl::replica_side::link_config_of(&self.st);
                let cached = self.st.replica.startup_cached.take();
                let mut link = crate::repl::replica::ReplicaLink::new(host, port, cfg, cached, now);
                link.set_dataset_empty(self.st.keyspace.dbs.iter().all(|d| d.is_empty()));
                self.st.replica.link = Some(link);
            }
        }
        // CONFIG SET masterauth / repl-timeout ... take effect at their next use.
        let cfg = crate::repl::replica_side::link_config_of(&self.st);
        if let Some(link) = self.st.replica.link.as_mut() {
            link.set_config(cfg);
            link.handle_timeout(now);
        }
        self.pump_link(now);
        // activeExpireCycle does nothing while a FAILOVER pauses writes.
        if self.st.active_expire_enabled
            && !self.st.is_replica()
            && !self.st.replica.failover.pauses_writes()
        {
            crate::expire::active_expire_cycle(&mut self.st, now);
        } else if self.st.is_replica() && !self.st.slave_keys_with_expire.is_empty() {
            crate::expire::expire_slave_keys(&mut self.st, now);
        }
        crate::persist::cron(&mut self.st, now);
        let dropped = crate::repl::master::replication_cron(&mut self.st, &mut self.clients, now);
        for id in dropped {
            self.st.kill_queue.push(id);
        }
        self.reap_killed();
        crate::repl::master::feed_replicas(&mut self.st, &mut self.clients, None);
        self.before_sleep(now);
    }

    /// When [`Server::handle_timeout`] wants to run next.
    pub fn poll_timeout(&self) -> Option<Time> {
        let period_us = 1_000_000 / u64::from(self.st.config.hz.clamp(1, 500));
        let cron = self.st.last_cron.add_micros(period_us);
        let wait = self
            .st
            .master
            .clients_waiting_acks
            .iter()
            .filter_map(|id| self.clients.get(id))
            .filter_map(|c| c.repl.wait.and_then(|w| w.deadline))
            .min();
        let cron = match self.st.replica.link.as_ref().and_then(|l| l.poll_timeout()) {
            Some(l) => l.min(cron),
            None => cron,
        };
        let cron = match &self.st.replica.loading {
            Some(l) => l.until.min(cron),
            None => cron,
        };
        let cron = match self.st.replica.failover.deadline() {
            Some(t) => t.min(cron),
            None => cron,
        };
        Some(wait.map_or(cron, |w| w.min(cron)))
    }

    /// Redis's `beforeSleep` for replication: answer the `WAIT`s that are satisfied or timed
    /// out (`processClientsWaitingReplicas`, blocked-client timeouts), then send `REPLCONF
    /// GETACK *` to the replicas if a client blocked in `WAIT` since the last time.
    fn before_sleep(&mut self, now: Time) {
        crate::repl::master::feed_replicas(&mut self.st, &mut self.clients, None);
        // updateFailoverStatus, then resume the clients its write pause postponed.
        crate::repl::failover::update_failover_status(&mut self.st, &self.clients, now);
        self.pump_link(now);
        if !self.st.replica.failover.pauses_writes()
            && !self.st.replica.failover.postponed.is_empty()
        {
            let ids = std::mem::take(&mut self.st.replica.failover.postponed);
            for id in ids {
                if let Some(mut client) = self.clients.remove(&id) {
                    self.process_input(now, &mut client);
                    self.finish_client(client);
                }
            }
            self.reap_killed();
            crate::repl::master::feed_replicas(&mut self.st, &mut self.clients, None);
        }
        // Timed out WAITs first (`handleBlockedClientsTimeout`): the count at their offset.
        let waiting = self.st.master.clients_waiting_acks.clone();
        for id in waiting {
            let Some(w) = self.clients.get(&id).and_then(|c| c.repl.wait) else {
                continue;
            };
            if w.deadline.is_some_and(|d| d <= now) {
                let acked = crate::repl::master::count_acks_by_offset(
                    &self.st,
                    None,
                    &self.clients,
                    w.offset,
                );
                self.unblock_wait(now, id, acked);
            }
        }
        // Then `processClientsWaitingReplicas`: newest first (Redis adds at the list head),
        // reusing the last satisfied (offset, count) for clients asking for no more.
        let waiting = self.st.master.clients_waiting_acks.clone();
        let mut last: Option<(i64, i64)> = None;
        for id in waiting.into_iter().rev() {
            let Some(w) = self.clients.get(&id).and_then(|c| c.repl.wait) else {
                continue;
            };
            match last {
                Some((off, n)) if off >= w.offset && n >= w.numreplicas => {
                    self.unblock_wait(now, id, n);
                }
                _ => {
                    let acked = crate::repl::master::count_acks_by_offset(
                        &self.st,
                        None,
                        &self.clients,
                        w.offset,
                    );
                    if acked >= w.numreplicas {
                        last = Some((w.offset, acked));
                        self.unblock_wait(now, id, acked);
                    }
                }
            }
        }
        if std::mem::take(&mut self.st.master.get_ack_from_slaves) && self.st.repl.capture {
            self.st
                .repl
                .raw_command(&[b"REPLCONF".as_slice(), b"GETACK", b"*"]);
        }
        // What the commands run here (resumed or unblocked clients) and the GETACK produced.
        crate::repl::master::feed_replicas(&mut self.st, &mut self.clients, None);
    }

    /// Unblock a client blocked in WAIT with the reply `acked`, then run the commands that
    /// arrived while it was blocked.
    fn unblock_wait(&mut self, now: Time, id: ClientId, acked: i64) {
        let Some(mut client) = self.clients.remove(&id) else {
            return;
        };
        client.repl.wait = None;
        self.st.master.clients_waiting_acks.retain(|x| *x != id);
        resp::write_integer(&mut client.out, acked);
        self.process_input(now, &mut client);
        self.finish_client(client);
        self.reap_killed();
    }

    /// The next thing the driver must do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.st.outputs.pop_front()
    }

    /// Take the replication stream produced since the last call (for tests). Capturing must
    /// be enabled with [`Propagator::capture`]. Once a backlog exists (a replica synced) the
    /// stream goes to the backlog and the replicas instead, and this returns nothing.
    pub fn take_repl_stream(&mut self) -> Bytes {
        self.st.repl.drain()
    }

    fn finish_client(&mut self, mut client: Box<Client>) {
        let id = client.id;
        if !client.out.is_empty() && !client.flags.close_asap {
            let bytes = client.out.split().freeze();
            // What a replica gets is counted as replication output (by the repl layer).
            if !client.flags.replica {
                self.st.stats.total_net_output_bytes += bytes.len() as u64;
            }
            self.st
                .outputs
                .push_back(Output::Transmit { client: id, bytes });
        }
        if client.flags.close_after_reply || client.flags.close_asap {
            self.unwatch_all(&client);
            self.st.outputs.push_back(Output::Close { client: id });
        } else {
            self.clients.insert(id, client);
        }
    }

    fn reap_killed(&mut self) {
        while let Some(id) = self.st.kill_queue.pop() {
            if let Some(c) = self.clients.remove(&id) {
                self.unwatch_all(&c);
                self.st.outputs.push_back(Output::Close { client: id });
            }
        }
        if !self.st.dirty_cas.is_empty() {
            for id in std::mem::take(&mut self.st.dirty_cas) {
                if let Some(c) = self.clients.get_mut(&id) {
                    c.flags.dirty_cas = true;
                }
            }
        }
    }

    fn unwatch_all(&mut self, c: &Client) {
        crate::cmd::unwatch_keys(&mut self.st, c.id, &c.watched);
        crate::repl::master::replica_gone(&mut self.st, c);
    }

    fn process_input(&mut self, now: Time, client: &mut Client) {
        let mut pos = 0;
        loop {
            if client.flags.close_after_reply
                || client.flags.close_asap
                || client.repl.wait.is_some()
                || self.st.replica.failover.postponed.contains(&client.id)
            {
                break;
            }
            let limits = RequestLimits {
                proto_max_bulk_len: self.st.config.proto_max_bulk_len,
                authenticated: client.authenticated,
            };
            match client.parser.parse(&client.querybuf[pos..], &limits) {
                Ok(None) => break,
                Ok(Some((argv, consumed))) => {
                    pos += consumed;
                    if argv.is_empty() {
                        continue;
                    }
                    client.last_interaction = now;
                    let replica_out = client.flags.replica.then(|| client.out.len());
                    let rogue = replica_out.map(|_| argv.clone());
                    self.process_command(now, client, argv);
                    if std::mem::take(&mut self.st.replica.failover.postpone_current) {
                        // Postponed by the failover's write pause: parsed again later.
                        pos -= consumed;
                        break;
                    }
                    if let (Some(before), Some(argv)) = (replica_out, rogue) {
                        if client.out.len() > before {
                            // Replicas never get replies (7.0.15 drops such a replica).
                            client.out.truncate(before);
                            crate::repl::master::rogue_replica(&mut self.st, now, client, &argv);
                            break;
                        }
                    }
                    // Apply dirty-CAS marks to the caller too (it may WATCH its own keys).
                    if !self.st.dirty_cas.is_empty() {
                        if self.st.dirty_cas.contains(&client.id) {
                            client.flags.dirty_cas = true;
                        }
                        self.reap_killed();
                    }
                }
                Err(e) => {
                    self.st.stats.total_error_replies += 1;
                    *self.st.stats.errors.get_or_default("ERR".to_string()) += 1;
                    client.out.extend_from_slice(&e.reply_bytes());
                    client.flags.close_after_reply = true;
                    self.st.log(
                        LogLevel::Verbose,
                        format!(
                            "Protocol error ({}) from client: id={} addr={}",
                            e.log_reason(),
                            client.id,
                            client.peer.addr
                        ),
                    );
                    pos = client.querybuf.len();
                    break;
                }
            }
        }
        client.querybuf.advance(pos);
        if client.querybuf.len() as u64 > self.st.config.client_query_buffer_limit {
            self.st.log(
                LogLevel::Warning,
                format!(
                    "Closing client that reached max query buffer length: id={} addr={} qbuf={}",
                    client.id,
                    client.peer.addr,
                    client.querybuf.len()
                ),
            );
            client.querybuf.clear();
            client.flags.close_asap = true;
        }
    }

    fn process_command(&mut self, now: Time, client: &mut Client, argv: Vec<Bytes>) {
        // 7.0 handles QUIT before anything else, even before authentication.
        if argv[0].eq_ignore_ascii_case(b"quit") {
            client.out.extend_from_slice(b"+OK\r\n");
            client.flags.close_after_reply = true;
            return;
        }
        let (spec, parent) = match resolve_command_and_parent(CommandTable::global(), &argv) {
            Ok(s) => s,
            Err(e) => return self.reject(client, e),
        };
        client.last_cmd = spec.name;
        client.last_cmd_parent = parent.map(|p| p.name);
        // A plain write of a client leaves what it propagates to the replicas for the end of
        // the batch; anything else may change who gets the stream (PSYNC, REPLICAOF, CLIENT
        // KILL, FAILOVER, WAIT's GETACK ...), so the replicas get what is pending first.
        let batched = spec.has(crate::cmd::flags::WRITE)
            && !spec.has(crate::cmd::flags::ADMIN | crate::cmd::flags::NOSCRIPT)
            && !client.flags.replica
            && !client.flags.master
            && !self.st.is_replica();
        if !batched && !self.st.repl.is_empty() {
            crate::repl::master::feed_replicas(&mut self.st, &mut self.clients, Some(client));
        }
        // Protected commands (Redis's CMD_PROTECTED check, right after the arity check).
        if spec.name == "debug"
            && !self
                .st
                .config
                .enable_debug_command
                .allows(peer_is_local(&client.peer.addr))
        {
            return self.reject(client, RedisError::from(DEBUG_NOT_ALLOWED));
        }
        let is_exec = spec.name == "exec";
        let queued_write =
            is_exec && client.flags.multi && self.queued_has(client, crate::cmd::flags::WRITE);
        let is_write = spec.has(crate::cmd::flags::WRITE) || queued_write;

        if !client.authenticated && !spec.has(crate::cmd::flags::NO_AUTH) {
            return self.reject(client, errors::NOAUTH);
        }
        if client.flags.multi && spec.has(crate::cmd::flags::NO_MULTI) {
            return self.reject(
                client,
                RedisError::from("ERR Command not allowed inside a transaction"),
            );
        }
        // Redis's writeCommandsDeniedByDiskError check (a failed background save).
        if (is_write || spec.name == "ping")
            && !client.flags.master
            && crate::persist::writes_denied(&self.st)
        {
            return self.reject(client, RedisError::from(crate::persist::MISCONF));
        }
        if is_write
            && !crate::repl::master::check_good_replicas_status(&self.st, &self.clients, now)
        {
            return self.reject(client, errors::NOREPLICAS);
        }
        if self.st.is_replica()
            && self.st.config.replica_read_only
            && !client.flags.master
            && is_write
        {
            return self.reject(client, errors::READONLY);
        }
        // Redis's `is_denystale_command` check (replica-serve-stale-data no).
        if self.st.is_replica()
            && !self.st.config.replica_serve_stale_data
            && self
                .st
                .replica
                .link
                .as_ref()
                .is_none_or(|l| l.state() != crate::repl::replica::ReplState::Connected)
            && (!spec.has(crate::cmd::flags::STALE)
                || (is_exec && !self.queued_all_have(client, crate::cmd::flags::STALE)))
        {
            return self.reject(client, errors::MASTERDOWN);
        }
        // Redis's `is_denyloading_command` check (a replica loading its master's payload).
        if let Some(l) = &self.st.replica.loading {
            let denied = if l.async_loading {
                // `is_deny_async_loading_command`.
                let flag = crate::cmd::flags::NO_ASYNC_LOADING;
                spec.has(flag) || (is_exec && self.queued_has(client, flag))
            } else {
                let flag = crate::cmd::flags::LOADING;
                !spec.has(flag) || (is_exec && !self.queued_all_have(client, flag))
            };
            if denied {
                return self.reject(client, errors::LOADING);
            }
        }
        // The write pause of a FAILOVER (`blockPostponeClient`): replicas are never paused.
        if self.st.replica.failover.pauses_writes() && !client.flags.replica && !client.flags.master
        {
            let may_replicate = crate::cmd::flags::WRITE | crate::cmd::flags::MAY_REPLICATE;
            if spec.has(may_replicate) || (is_exec && self.queued_has(client, may_replicate)) {
                self.st.replica.failover.postpone_current = true;
                self.st.replica.failover.postponed.push(client.id);
                return;
            }
        }
        if client.flags.multi
            && !matches!(
                spec.name,
                "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
            )
        {
            client.mstate.push(argv);
            client.out.extend_from_slice(b"+QUEUED\r\n");
            return;
        }
        let master = if self.master_client_listed() {
            self.master_client.as_deref()
        } else {
            None
        };
        let mut ctx = Ctx {
            now,
            st: &mut self.st,
            client,
            others: &mut self.clients,
            master,
            cmd: spec,
            dirty: 0,
            rewrite: Rewrite::Verbatim,
        };
        let offset_before = ctx.st.master.backlog.master_repl_offset();
        call(&mut ctx, spec, &argv);
        // A replica never propagates what it executes (`replicationFeedSlaves` returns when
        // `masterhost` is set): its replicas get its master's stream verbatim.
        if self.st.is_replica() {
            self.st.also_propagate.clear();
        }
        // End of the execution unit: propagate what it produced.
        if !self.st.also_propagate.is_empty() {
            let mut ops = std::mem::take(&mut self.st.also_propagate);
            self.st.repl.feed_unit(&ops, true);
            // Keep the vector's allocation for the next command.
            ops.clear();
            self.st.also_propagate = ops;
        }
        if batched {
            crate::repl::master::feed_backlog(&mut self.st);
        } else {
            crate::repl::master::feed_replicas(&mut self.st, &mut self.clients, Some(client));
        }
        let offset = self.st.master.backlog.master_repl_offset();
        if offset != offset_before {
            client.repl.woff = offset;
        }
    }

    fn queued_has(&self, client: &Client, flag: u32) -> bool {
        client.mstate.iter().any(|q| {
            resolve_command(CommandTable::global(), q)
                .map(|s| s.has(flag))
                .unwrap_or(false)
        })
    }

    fn queued_all_have(&self, client: &Client, flag: u32) -> bool {
        client.mstate.iter().all(|q| {
            resolve_command(CommandTable::global(), q)
                .map(|s| s.has(flag))
                .unwrap_or(true)
        })
    }

    fn reject(&mut self, client: &mut Client, e: RedisError) {
        if client.flags.multi {
            client.flags.dirty_exec = true;
        }
        self.st.count_error(&e);
        resp::write_error(&mut client.out, e.as_bytes());
    }
}

/// The rejection of DEBUG when `enable-debug-command` does not allow it.
const DEBUG_NOT_ALLOWED: &str = "ERR DEBUG command not allowed. If the enable-debug-command \
    option is set to \"local\", you can run it from a local connection, otherwise you need to \
    set this option in the configuration file, and then restart the server.";

/// Find the command (and subcommand) for `argv`, with Redis 7.0's existence and arity errors
/// (`lookupCommand`, `commandCheckExistence`, `commandCheckArity`).
pub fn resolve_command(
    table: &CommandTable,
    argv: &[Bytes],
) -> Result<&'static CommandSpec, RedisError> {
    resolve_command_and_parent(table, argv).map(|(spec, _)| spec)
}

/// [`resolve_command`], also returning the container when `argv` names a subcommand
/// (`CONFIG` for `CONFIG GET`).
pub fn resolve_command_and_parent(
    table: &CommandTable,
    argv: &[Bytes],
) -> Result<(&'static CommandSpec, Option<&'static CommandSpec>), RedisError> {
    let base = table.lookup(&argv[0]);
    let found = match base {
        Some(b) if !b.subcommands.is_empty() && argv.len() > 1 => {
            lookup_sub(b, &argv[1]).map(|s| (s, Some(b)))
        }
        Some(b) => Some((b, None)),
        None => None,
    };
    let Some((spec, parent)) = found else {
        let mut msg = b"ERR ".to_vec();
        if let Some(b) = base {
            // A container without that subcommand.
            msg.extend_from_slice(b"unknown subcommand '");
            msg.extend_from_slice(cstr_prefix(&argv[1], 128));
            msg.extend_from_slice(
                format!("'. Try {} HELP.", b.name.to_ascii_uppercase()).as_bytes(),
            );
        } else {
            let mut args = Vec::new();
            for a in &argv[1..] {
                if args.len() >= 128 {
                    break;
                }
                let room = 128 - args.len();
                args.push(b'\'');
                args.extend_from_slice(cstr_prefix(a, room));
                args.extend_from_slice(b"' ");
            }
            msg.extend_from_slice(b"unknown command '");
            msg.extend_from_slice(cstr_prefix(&argv[0], 128));
            msg.extend_from_slice(b"', with args beginning with: ");
            msg.extend_from_slice(&args);
        }
        // addReplyErrorFormat: newlines would break the protocol.
        for c in msg.iter_mut() {
            if *c == b'\r' || *c == b'\n' {
                *c = b' ';
            }
        }
        return Err(RedisError::from_bytes(msg));
    };
    if !spec.arity_ok(argv.len()) {
        let full = match parent {
            Some(p) => format!("{}|{}", p.name, spec.name),
            None => spec.name.to_string(),
        };
        return Err(errors::wrong_arity(&full));
    }
    Ok((spec, parent))
}

/// What Redis 7.0.15 sends a non-loopback client in protected mode before closing it.
pub const PROTECTED_MODE_DENIED: &[u8] = b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// True when `addr` (`ip:port` or `[ip6]:port`, as [`PeerInfo::addr`]) is a loopback peer,
/// as Redis's `connIsLocal` (127.0.0.0/8 or ::1). A peer without a parsable address (the
/// simulator's virtual links, tests) counts as local: protected mode guards real sockets.
///
/// Addresses come from the server driver as Rust prints a `SocketAddr` (IPv6 in its
/// canonical RFC 5952 form), so an IPv6 loopback reads `::1` or `::ffff:127.x.y.z`; this
/// reads the text instead of parsing it into `std::net` types, whose parser and printer
/// would be most of the code here in the browser build (issue #6).
pub fn peer_is_local(addr: &str) -> bool {
    let Some((host, port)) = addr.rsplit_once(':') else {
        return true;
    };
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    if port.parse::<u16>().is_err() {
        return true;
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        // A scope id (`fe80::1%2`) says nothing about the address.
        let v6 = match v6.split_once('%') {
            Some((a, z)) if z.bytes().all(|b| b.is_ascii_digit()) && z.parse::<u32>().is_ok() => a,
            Some(_) => return true,
            None => v6,
        };
        // `::ffff:a.b.c.d` (v4-mapped) and other forms ending in a dotted quad.
        if let Some((head, v4)) = v6.rsplit_once(':').filter(|(_, t)| t.contains('.')) {
            return match ipv4_octets(v4) {
                Some(o) => head == "::ffff" && o[0] == 127,
                None => true,
            };
        }
        if !v6.contains(':') || !v6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return true;
        }
        return v6 == "::1";
    }
    match ipv4_octets(host) {
        Some(o) => o[0] == 127,
        None => true,
    }
}

/// The four octets of a dotted-quad IPv4 address (`a.b.c.d`, decimal, no leading zeros),
/// as `std::net::Ipv4Addr` reads it.
fn ipv4_octets(s: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split('.');
    for o in &mut out {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if p.len() > 1 && p.starts_with('0') {
            return None;
        }
        *o = p.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// What C's `"%.<max>s"` prints of `b`: at most `max` bytes, up to the first NUL. The bytes
/// are kept as they are (Redis echoes invalid UTF-8 verbatim).
fn cstr_prefix(b: &[u8], max: usize) -> &[u8] {
    let b = &b[..b.len().min(max)];
    &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
}

/// Redis's `call()`: run one command with `ctx`'s client, then queue its propagation.
/// Used for top-level commands and for each command of an EXEC.
pub(crate) fn call(ctx: &mut Ctx<'_>, spec: &'static CommandSpec, argv: &[Bytes]) {
    let saved_cmd = std::mem::replace(&mut ctx.cmd, spec);
    let saved_dirty = std::mem::take(&mut ctx.dirty);
    let saved_rewrite = std::mem::take(&mut ctx.rewrite);
    ctx.st.call_depth += 1;
    let result = (spec.handler)(ctx, argv);
    ctx.st.call_depth -= 1;
    ctx.st.stats.total_commands_processed += 1;
    if let Err(e) = result {
        ctx.st.count_error(&e);
        resp::write_error(&mut ctx.client.out, e.as_bytes());
    }
    let dirty = ctx.dirty;
    ctx.st.dirty += dirty;
    let rewrite = std::mem::replace(&mut ctx.rewrite, saved_rewrite);
    // Nothing is built when no stream is consumed (no backlog, no replica), nor for a
    // replica's top-level command: `process_command` drops it right after (a replica never
    // propagates what it executes), and a replica applies one per replicated write.
    let dropped = ctx.st.call_depth == 0 && ctx.st.is_replica();
    if dirty > 0 && ctx.st.repl.capture && !dropped {
        let db = ctx.client.db;
        match rewrite {
            Rewrite::Verbatim => ctx.st.also_propagate.push(PropOp {
                db,
                argv: argv.to_vec(),
            }),
            Rewrite::Argv(a) => ctx.st.also_propagate.push(PropOp { db, argv: a }),
            Rewrite::Suppressed => {}
        }
    }
    ctx.dirty = saved_dirty;
    ctx.cmd = saved_cmd;
}

/// The replica side: applying what the link to our master reports (see
/// [`crate::repl::replica_side`]).
impl Server {
    /// Move the link's bytes and events out, and apply the events.
    fn pump_link(&mut self, now: Time) {
        if std::mem::take(&mut self.st.replica.kill_master_link) {
            // CLIENT KILL TYPE master: freeClient(server.master) caches it and reconnects.
            if let Some(link) = self.st.replica.link.as_mut() {
                link.handle_closed(now);
            }
        }
        if std::mem::take(&mut self.st.replica.drop_master_client) {
            self.master_client = None;
            self.st.replica.master_db = None;
            if self.st.replica.link.is_none() {
                self.st.replica.down_since = None;
            }
        }
        loop {
            let Some(link) = self.st.replica.link.as_mut() else {
                for line in std::mem::take(&mut self.st.replica.pending_logs) {
                    self.st.log(LogLevel::Notice, line);
                }
                return;
            };
            let mut tx = Vec::new();
            while let Some(b) = link.poll_transmit() {
                tx.extend_from_slice(&b);
            }
            let ev = link.poll_event();
            if !tx.is_empty() {
                if let Some(id) = self.st.replica.conn {
                    self.st.stats.total_net_output_bytes += tx.len() as u64;
                    self.st.outputs.push_back(Output::Transmit {
                        client: id,
                        bytes: Bytes::from(tx),
                    });
                }
            }
            match ev {
                Some(ev) => self.on_link_event(now, ev),
                None => {
                    for line in std::mem::take(&mut self.st.replica.pending_logs) {
                        self.st.log(LogLevel::Notice, line);
                    }
                    return;
                }
            }
        }
    }

    fn on_link_event(&mut self, now: Time, ev: ReplicaEvent) {
        match ev {
            ReplicaEvent::Connect { host, port } => {
                let link = self.st.replica.new_conn();
                self.st
                    .outputs
                    .push_back(Output::Connect { link, host, port });
            }
            ReplicaEvent::Close => {
                if let Some(id) = self.st.replica.conn.take() {
                    self.st.outputs.push_back(Output::Close { client: id });
                }
            }
            ReplicaEvent::Log(level, message) => {
                let level = match level {
                    crate::repl::replica::LogLevel::Notice => LogLevel::Notice,
                    crate::repl::replica::LogLevel::Warning => LogLevel::Warning,
                };
                self.st.log(level, message);
            }
            ReplicaEvent::RdbTransferStarted { .. } => self.start_staged_load(now),
            ReplicaEvent::RdbItem(item) => self.staged_item(now, item),
            ReplicaEvent::AttachedToNewMaster => {
                // replicationAttachToNewMaster: our replicas must full-sync again, the
                // backlog goes (its history is not the new master's).
                self.disconnect_replicas();
                self.st.master.backlog.free();
                self.st.repl.capture = false;
                self.st.repl.drain();
            }
            ReplicaEvent::RdbLoaded {
                replid,
                offset,
                repl_stream_db,
                keys,
            } => {
                let held = self.st.replica.link.as_ref().map(|l| {
                    let bytes = l.transfer_progress().map_or(0, |(_, read)| read);
                    (l.is_loading(), bytes)
                });
                let loaded_keys = keys;
                crate::repl::replica_side::log_staged_aux(&mut self.st, now);
                match held {
                    Some((true, bytes))
                        if crate::repl::replica_side::load_cost_of(&self.st)
                            .duration_us(loaded_keys, bytes)
                            > 0 =>
                    {
                        // Loading takes (simulated) time: clients get -LOADING meanwhile.
                        let us = crate::repl::replica_side::load_cost_of(&self.st)
                            .duration_us(loaded_keys, bytes);
                        let async_loading = self.st.config.repl_diskless_load
                            == crate::config::ReplDisklessLoad::Swapdb
                            && self.st.master.ids.replid.as_bytes() == &replid[..];
                        self.st.replica.loading = Some(crate::repl::replica_side::Loading {
                            async_loading,
                            start: now,
                            until: now.add_micros(us),
                            total_bytes: bytes,
                            rdb_used_mem: self.st.replica.staged_used_mem,
                            keys: loaded_keys,
                            replid,
                            offset,
                            repl_stream_db,
                        });
                    }
                    _ => {
                        self.finish_full_sync(now, &replid, offset, repl_stream_db);
                        if let Some(link) = self.st.replica.link.as_mut() {
                            link.finish_load(now);
                        }
                    }
                }
            }
            ReplicaEvent::RdbLoadFailed { .. } => {
                self.st.replica.loader = None;
                self.st.replica.load_error = None;
            }
            ReplicaEvent::Continue {
                replid,
                previous_replid,
                offset: _,
            } => {
                if previous_replid.is_some() {
                    if let Some(id) = crate::repl::ids::ReplId::from_bytes(&replid) {
                        let off = self.st.master.backlog.master_repl_offset();
                        self.st.master.ids.adopt_new_master_replid(id, off);
                    }
                    self.disconnect_replicas();
                }
                self.ensure_backlog(now);
                let cached_db = self.st.replica.cached_master_db.take();
                let cached_id = self.st.replica.cached_master_id.take();
                if self.master_client.is_some() {
                    self.resurrect_master_client(now);
                } else {
                    self.create_master_client(now, cached_db.unwrap_or(0), cached_id);
                }
            }
            ReplicaEvent::MasterLinkLost { .. } => {
                // Keep the selected db for a `+CONTINUE` (the cached master keeps it); a
                // half-received MULTI is discarded.
                if let Some(mc) = self.master_client.as_mut() {
                    mc.flags.multi = false;
                    mc.flags.dirty_exec = false;
                    mc.mstate.clear();
                }
                self.st.replica.down_since = Some(now);
            }
            ReplicaEvent::Command(argv) => self.run_master_command(now, argv),
            ReplicaEvent::Applied { len, .. } => {
                let active = self.st.master.backlog.is_active();
                if let Some(link) = self.st.replica.link.as_mut() {
                    let repl = &mut self.st.repl;
                    link.take_applied(len, |bytes| {
                        if active {
                            repl.raw_bytes(bytes);
                        }
                    });
                }
                if active {
                    crate::repl::master::feed_replicas(&mut self.st, &mut self.clients, None);
                }
            }
            ReplicaEvent::FailoverPsyncReply { accepted } => {
                crate::repl::failover::on_psync_reply(&mut self.st, accepted);
            }
            ReplicaEvent::StateChanged { .. }
            | ReplicaEvent::ErrorReply { .. }
            | ReplicaEvent::FullResync { .. }
            | ReplicaEvent::SyncFallback
            | ReplicaEvent::RdbProgress { .. } => {}
        }
    }

    fn start_staged_load(&mut self, now: Time) {
        self.st.replica.staged_used_mem = 0;
        self.st.replica.staged_aux.clear();
        let cfg = self.st.config.clone();
        let dbs = self.st.keyspace.dbs.len();
        self.st.replica.loader = Some(crate::rdb::load::KeyLoader::new_owned(
            dbs,
            cfg,
            now.as_millis(),
            false,
        ));
        self.st.replica.load_error = None;
    }

    fn staged_item(&mut self, now: Time, item: crate::rdb::RdbItem) {
        if self.st.replica.load_error.is_some() {
            return;
        }
        if self.st.replica.loader.is_none() {
            self.start_staged_load(now);
        }
        let Some(loader) = self.st.replica.loader.as_mut() else {
            return;
        };
        match item {
            crate::rdb::RdbItem::Key(k) => {
                if let Err(e) = loader.add(k) {
                    self.st.replica.loader = None;
                    self.st.replica.load_error = Some(e);
                }
            }
            crate::rdb::RdbItem::Aux { key, value } => {
                if key == b"used-mem" {
                    self.st.replica.staged_used_mem = crate::util::parse_i64(&value)
                        .and_then(|v| u64::try_from(v).ok())
                        .unwrap_or(0);
                }
                self.st.replica.staged_aux.push((key, value));
            }
            crate::rdb::RdbItem::ResizeDb { .. } => {}
            _ => {}
        }
    }

    /// The payload is loaded: swap the staged keyspace in, take the master's id and offset,
    /// create the backlog and the master client (`readSyncBulkPayload`'s end).
    fn finish_full_sync(&mut self, now: Time, replid: &[u8], offset: i64, db: Option<i64>) {
        let loader = self.st.replica.loader.take();
        if let Some(e) = self.st.replica.load_error.take() {
            self.st.log(
                LogLevel::Warning,
                format!("Failed trying to load the MASTER synchronization DB from disk: {e}"),
            );
        }
        let (fresh, stats) = match loader {
            Some(l) => l.finish(),
            None => (
                Keyspace::new(self.st.keyspace.dbs.len()),
                Default::default(),
            ),
        };
        // emptyData: watchers of the old data are touched, then the new data replaces it.
        self.st.touch_all_watched_keys(None);
        for (dst, src) in self.st.keyspace.dbs.iter_mut().zip(fresh.dbs) {
            *dst = src;
        }
        self.st.touch_all_watched_keys(None);
        self.st.persist.last_load_keys_loaded = stats.keys_loaded;
        self.st.persist.last_load_keys_expired = stats.keys_expired;
        self.st.log(
            LogLevel::Notice,
            format!(
                "Done loading RDB, keys loaded: {}, keys expired: {}.",
                stats.keys_loaded, stats.keys_expired
            ),
        );
        match crate::repl::ids::ReplId::from_bytes(replid) {
            Some(id) => self.st.master.ids.set_from_full_sync(id),
            None => self.st.master.ids.clear_replication_id2(),
        }
        self.st.master.backlog.free();
        self.st.master.backlog.set_master_repl_offset(offset);
        self.ensure_backlog(now);
        let db = db
            .and_then(|d| usize::try_from(d).ok())
            .filter(|d| *d < self.st.keyspace.dbs.len())
            .unwrap_or(0);
        // replicationDiscardCachedMaster, then a new master client (a new id).
        self.st.replica.cached_master_db = None;
        self.st.replica.cached_master_id = None;
        self.create_master_client(now, db, None);
    }

    /// The simulated load of a full sync's payload is over at `now`: swap the data in, let
    /// the link go on (`Connected`, ACK, the stream received meanwhile).
    fn finish_loading_if_due(&mut self, now: Time) {
        if self
            .st
            .replica
            .loading
            .as_ref()
            .is_none_or(|l| l.until > now)
        {
            return;
        }
        let Some(l) = self.st.replica.loading.take() else {
            return;
        };
        self.finish_full_sync(now, &l.replid, l.offset, l.repl_stream_db);
        if let Some(link) = self.st.replica.link.as_mut() {
            link.finish_load(now);
        }
        self.pump_link(now);
        self.reap_killed();
    }

    /// `createReplicationBacklog` when absent (the stream from our master is fed into it).
    fn ensure_backlog(&mut self, now: Time) {
        if !self.st.master.backlog.is_active() {
            self.st.master.backlog.create();
            self.st.master.backlog.set_no_replicas_since(now);
        }
        self.st.repl.drain();
        self.st.repl.capture = true;
        self.st.replica.down_since = None;
    }

    /// `replicationCreateMasterClient`: a client id is consumed, as in Redis, unless the
    /// client was created earlier as a synthesized cached master (`cached`: its id and
    /// creation time).
    fn create_master_client(&mut self, now: Time, db: usize, cached: Option<(ClientId, Time)>) {
        let (id, created) = match cached {
            Some(c) => c,
            None => (crate::repl::replica_side::take_client_id(&mut self.st), now),
        };
        let mut c = Box::new(Client::new(id, self.master_peer(), created, true));
        c.last_interaction = now;
        c.flags.master = true;
        c.db = db;
        self.st.replica.master_db = Some(db);
        self.st.replica.master_linked_at = self.st.next_client_id;
        self.master_client = Some(c);
    }

    /// `replicationResurrectCachedMaster`: the cached master client becomes the master client
    /// again on the new connection, with its id, age, db, name and last command; it is linked
    /// at the end of the client list.
    fn resurrect_master_client(&mut self, now: Time) {
        let peer = self.master_peer();
        let linked_at = self.st.next_client_id;
        let Some(mc) = self.master_client.as_mut() else {
            return;
        };
        mc.peer = peer;
        mc.last_interaction = now;
        mc.authenticated = true;
        mc.flags.close_after_reply = false;
        mc.flags.close_asap = false;
        mc.flags.multi = false;
        mc.flags.dirty_exec = false;
        mc.mstate.clear();
        mc.querybuf.clear();
        self.st.replica.master_db = Some(mc.db);
        self.st.replica.master_linked_at = linked_at;
    }

    /// The addresses of the master client: the link's connection as the driver reported it,
    /// else the configured `host:port` (the simulator, tests).
    fn master_peer(&self) -> PeerInfo {
        if let Some(p) = &self.st.replica.conn_peer {
            return p.clone();
        }
        let addr = self
            .st
            .config
            .replicaof
            .as_ref()
            .map(|(h, p)| format!("{h}:{p}"))
            .unwrap_or_default();
        PeerInfo {
            addr,
            laddr: String::new(),
            fd: -1,
        }
    }

    /// Whether our master client is in the client list (`server.master` exists: the link is
    /// up; a cached master is not listed), and not being killed.
    fn master_client_listed(&self) -> bool {
        self.master_client.is_some()
            && !self.st.replica.kill_master_link
            && crate::repl::replica_side::master_client_alive(&self.st)
    }

    /// Execute one command of our master's stream as the master client; replies are dropped.
    fn run_master_command(&mut self, now: Time, argv: Vec<Bytes>) {
        if argv.is_empty() {
            return;
        }
        if self.master_client.is_none() {
            let cached = self.st.replica.cached_master_id.take();
            self.create_master_client(now, 0, cached);
        }
        let Some(mut mc) = self.master_client.take() else {
            return;
        };
        mc.last_interaction = now;
        self.process_command(now, &mut mc, argv);
        mc.out.clear();
        if !self.st.dirty_cas.is_empty() {
            self.reap_killed();
        }
        // REPLICAOF inside the stream may have replaced the link.
        if std::mem::take(&mut self.st.replica.drop_master_client) {
            self.st.replica.master_db = None;
        } else {
            self.st.replica.master_db = Some(mc.db);
            self.master_client = Some(mc);
        }
    }

    /// `disconnectSlaves`: drop every replica of ours.
    fn disconnect_replicas(&mut self) {
        let ids = std::mem::take(&mut self.st.master.slaves);
        self.st.kill_queue.extend(ids);
    }

    /// Whether the link to our master is up (`repl_state == REPL_STATE_CONNECTED`).
    pub fn master_link_up(&self) -> bool {
        self.st
            .replica
            .link
            .as_ref()
            .is_some_and(|l| l.state() == ReplState::Connected)
    }

    /// Our master client (replica side) while it is in the client list: the link to our
    /// master is up (read-only; for viewers: its id, addresses, db and last command).
    pub fn master_client(&self) -> Option<&Client> {
        if self.master_client_listed() {
            self.master_client.as_deref()
        } else {
            None
        }
    }

    /// The clients that are our replicas, in `server.slaves` order (read-only; for viewers:
    /// each one's `repl` state, ACK offset and pending output).
    pub fn replica_clients(&self) -> Vec<&Client> {
        self.st
            .master
            .slaves
            .iter()
            .filter_map(|id| self.clients.get(id).map(|c| &**c))
            .collect()
    }

    /// The body of `INFO replication` at `now` (without the `# Replication` header), built
    /// like the INFO command builds it (read-only; for viewers).
    pub fn info_replication(&self, now: Time) -> String {
        let st = &self.st;
        let mut out = crate::repl::replica_side::info_replication_replica(st, now);
        let entries: Vec<crate::repl::ReplicaEntry> = self
            .replica_clients()
            .into_iter()
            .filter_map(|c| {
                Some(crate::repl::ReplicaEntry {
                    ip: crate::repl::master::replica_ip(c),
                    port: c.repl.listening_port,
                    state: c.repl.state?,
                    ack_offset: c.repl.ack_off,
                    ack_time_secs: c.repl.ack_time_secs,
                })
            })
            .collect();
        let c = &st.config;
        let now_secs = now.as_secs();
        let good = (c.min_replicas_to_write > 0 && c.min_replicas_max_lag > 0).then(|| {
            crate::repl::master::good_replicas(&entries, now_secs, c.min_replicas_max_lag)
        });
        let body = crate::repl::info_replication_master(&crate::repl::MasterInfo {
            replicas: &entries,
            min_slaves_good_slaves: good,
            failover: crate::repl::FailoverState::None,
            ids: &st.master.ids,
            backlog: &st.master.backlog,
            now_secs,
        });
        if st.is_replica() {
            out.push_str(body.strip_prefix("role:master\r\n").unwrap_or(&body));
        } else {
            out.push_str(&body);
        }
        out
    }
}
