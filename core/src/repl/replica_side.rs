//! The replica side of replication wired into the server (Redis's `replicaofCommand`,
//! `replicationSetMaster`, `replicationUnsetMaster`, the replica parts of `readSyncBulkPayload`,
//! `replicationCreateMasterClient`, `replicationFeedStreamFromMasterStream`, INFO and ROLE for
//! a replica; spec §1, §3, §4.2, §5).
//!
//! The protocol itself is [`crate::repl::replica::ReplicaLink`]; this module owns it (in
//! [`ReplicaSide`], part of [`State`]) and applies what it reports: a full sync is loaded into
//! a fresh keyspace with [`KeyLoader`] (expired keys kept, as a replica does) and swapped in
//! once the payload is complete; the master's replid and offset become ours; the applied
//! stream bytes go verbatim into our backlog and to our own replicas (chains). Commands of the
//! stream are executed by [`crate::server::Server`] as the master client.
//!
//! A replica restarting from its own dump ([`restore_from_rdb`], spec §3.4) takes the dump's
//! `repl-id`/`repl-offset` as its own and starts with a cached master built from them, so
//! its first PSYNC continues the history (`PSYNC <repl-id> <repl-offset+1>`).
//!
//! The connection to the master is a driver connection with an id of its own (from
//! [`LINK_ID_BASE`] up, never a client id): [`crate::server::Output::Connect`] asks the driver
//! to open it, its bytes leave as [`crate::server::Output::Transmit`] and arrive through
//! [`crate::server::Server::handle_input`]. This module never performs I/O or reads a clock.
//! Once synced, the stream runs as the *master client* (`server.master`): a client with an
//! id from the shared counter, listed by `CLIENT LIST` with the link's addresses (given by
//! the driver to [`crate::server::Server::handle_link_connected_from`]) and matched by
//! `CLIENT KILL`; when the link drops it is kept as the cached master, and a `+CONTINUE`
//! brings it back with its id.
//!
//! Loading: by default the staged keyspace is swapped in at once when the payload is
//! complete. With a [`LoadCost`] (the simulator's knob, [`ReplicaSide::load_cost`]) loading
//! takes simulated time proportional to the keys and bytes: meanwhile the link stays in
//! `REPL_STATE_TRANSFER` ([`crate::repl::replica::ReplicaConfig::hold_load`]), INFO persistence
//! shows `loading:1` and the `loading_*` fields, commands without the `loading` flag get
//! `-LOADING Redis is loading the dataset in memory`, the master gets a `\n` keepalive per
//! second, and the stream received meanwhile is applied once loaded.
//!
//! With `repl-diskless-load swapdb` and a full sync from the history we already have (the
//! master's replid is ours, e.g. after the backlog overflowed) the load is asynchronous:
//! INFO shows `async_loading:1`, the old data keeps being served, only `no_async_loading`
//! commands (`SAVE`, `BGSAVE`, `REPLICAOF`, `SYNC`/`PSYNC`) get `-LOADING`.
//!
//! Not modelled: the newline
//! keepalives a replica sends its own replicas while it syncs, the `-LOADING` window of a
//! startup load (the driver loads the dump before it accepts connections). A dump whose keys
//! cannot be loaded is logged and the link stays up with what was loaded (Redis drops the
//! link and retries).

use bytes::Bytes;

use crate::client::{ClientId, PeerInfo};
use crate::cmd::flags::*;
use crate::cmd::{CmdResult, CommandSpec, Ctx, RedisError};
use crate::command;
use crate::config::{Config, ReplDisklessLoad};
use crate::rdb::load::KeyLoader;
use crate::repl::ids::ReplId;
use crate::repl::replica::{CachedMaster, DisklessLoad, ReplState, ReplicaConfig, ReplicaLink};
use crate::server::{LogLevel, State};
use crate::time::Time;
use crate::util::parse_i64;

/// Ids of connections to a master start here (far above any client id).
pub const LINK_ID_BASE: ClientId = 1 << 62;

/// The replica side of the server (`server.masterhost`'s link, the staged full-sync load).
#[derive(Debug)]
pub struct ReplicaSide {
    /// The link to the master (`Some` while `replicaof` is set and started).
    pub link: Option<ReplicaLink>,
    /// The driver connection the link currently uses.
    pub conn: Option<ClientId>,
    /// The addresses of [`ReplicaSide::conn`] as the driver reported them
    /// ([`crate::server::Server::handle_link_connected_from`]): `addr` is the master's end,
    /// `laddr` ours. The master client shows them in `CLIENT LIST`.
    pub conn_peer: Option<PeerInfo>,
    next_conn: ClientId,
    /// The keyspace a full sync is being loaded into.
    pub loader: Option<KeyLoader<'static>>,
    /// Why the staged load failed (the load is then abandoned).
    pub load_error: Option<String>,
    /// `repl_down_since`: when the link to the master was lost (`None`: never up, or up).
    pub down_since: Option<Time>,
    /// `replicaof` came from the configuration: the link starts at the first cron tick.
    pub start_pending: bool,
    /// The db selected by our master client (`server.master->db->id`), or by the cached
    /// master (kept when the link drops, restored from a dump at startup), for the RDB's
    /// `repl-stream-db`; `None` without either.
    pub master_db: Option<usize>,
    /// The cached master restored from the dump at startup
    /// (`replicationCacheMasterUsingMyself` in `loadDataFromDisk`), handed to the link the
    /// first cron tick creates.
    pub startup_cached: Option<CachedMaster>,
    /// `stat_net_repl_input_bytes`: bytes read from our master.
    pub stat_net_repl_input_bytes: u64,
    /// How long loading a full sync's payload takes (simulated; zero = instant).
    pub load_cost: LoadCost,
    /// The received payload being loaded (`server.loading` after a full sync).
    pub loading: Option<Loading>,
    /// The `used-mem` AUX field of the payload being received (`loading_rdb_used_mem`).
    pub staged_used_mem: u64,
    /// Lines to log once the link's pending events are applied.
    pub pending_logs: Vec<String>,
    /// The AUX fields of the payload being received, logged when it is loaded.
    pub staged_aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// A coordinated failover run by this node (FAILOVER, [`crate::repl::failover`]).
    pub failover: crate::repl::failover::Failover,
    /// A `CLIENT KILL` matched the master client: the server frees it (cached) once the
    /// command returns, and the link reconnects.
    pub kill_master_link: bool,
    /// REPLICAOF ran: the server frees the master client once the command returns.
    pub drop_master_client: bool,
    /// The db selected by the master client freed by a `REPLICAOF <host> <port>` on a
    /// replica: Redis caches that client (`replicationCacheMaster`), so a `+CONTINUE` from
    /// the new master applies the stream in that db. Cleared by a full sync and by
    /// `REPLICAOF NO ONE`.
    pub cached_master_db: Option<usize>,
    /// The client id of a cached master synthesized from our own replication state
    /// (`replicationCacheMasterUsingMyself` at a master's `REPLICAOF` or when a replica
    /// starts from its dump): Redis creates that client at once, consuming an id; a
    /// `+CONTINUE` makes it the master client. Cleared with [`ReplicaSide::cached_master_db`].
    pub cached_master_id: Option<(ClientId, Time)>,
    /// `server.next_client_id` when the master client was last linked into the client list
    /// (created, or resurrected by a `+CONTINUE`): `CLIENT LIST` shows it after every client
    /// with a smaller id and before the others, as Redis's `linkClient` appends it.
    pub master_linked_at: ClientId,
}

impl Default for ReplicaSide {
    fn default() -> Self {
        ReplicaSide {
            link: None,
            conn: None,
            next_conn: LINK_ID_BASE,
            loader: None,
            load_error: None,
            down_since: None,
            start_pending: false,
            drop_master_client: false,
            cached_master_db: None,
            cached_master_id: None,
            master_linked_at: 0,
            conn_peer: None,
            master_db: None,
            startup_cached: None,
            stat_net_repl_input_bytes: 0,
            load_cost: LoadCost::default(),
            loading: None,
            staged_used_mem: 0,
            staged_aux: Vec::new(),
            pending_logs: Vec::new(),
            failover: Default::default(),
            kill_master_link: false,
        }
    }
}

impl ReplicaSide {
    /// A new driver connection id for the link.
    pub fn new_conn(&mut self) -> ClientId {
        let id = self.next_conn;
        self.next_conn += 1;
        self.conn = Some(id);
        self.conn_peer = None;
        id
    }

    /// Whether `id` is (or was) a connection of the link.
    pub fn is_link_id(id: ClientId) -> bool {
        id >= LINK_ID_BASE
    }
}

/// The simulated cost of loading a full sync's payload: a replica is `loading` (clients get
/// `-LOADING`, INFO shows `loading:1`) for `keys × ns_per_key + bytes × ns_per_byte`
/// nanoseconds after the payload arrived. Both zero (the default): the load is instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadCost {
    /// Nanoseconds per key loaded.
    pub ns_per_key: u64,
    /// Nanoseconds per payload byte.
    pub ns_per_byte: u64,
}

impl LoadCost {
    /// No simulated loading time.
    pub fn is_zero(&self) -> bool {
        self.ns_per_key == 0 && self.ns_per_byte == 0
    }

    /// The loading time of `keys` keys in `bytes` bytes, in microseconds.
    pub fn duration_us(&self, keys: u64, bytes: u64) -> u64 {
        keys.saturating_mul(self.ns_per_key)
            .saturating_add(bytes.saturating_mul(self.ns_per_byte))
            / 1000
    }
}

/// A full sync's payload being loaded (`server.loading`, `loading_*` of INFO persistence).
#[derive(Clone, Debug)]
pub struct Loading {
    /// `loading_start_time`.
    pub start: Time,
    /// When the load completes.
    pub until: Time,
    /// `loading_total_bytes`: the payload's size.
    pub total_bytes: u64,
    /// `loading_rdb_used_mem`: the payload's `used-mem` AUX field.
    pub rdb_used_mem: u64,
    /// Keys in the payload.
    pub keys: u64,
    /// The master's replid from `+FULLRESYNC`.
    pub replid: Bytes,
    /// The `+FULLRESYNC` offset.
    pub offset: i64,
    /// The payload's `repl-stream-db`.
    pub repl_stream_db: Option<i64>,
    /// `server.async_loading`: `repl-diskless-load swapdb` and the master's replid is ours
    /// (the old data is the same history at an earlier point): the old data is served
    /// meanwhile and only `no_async_loading` commands get `-LOADING`.
    pub async_loading: bool,
}

impl Loading {
    /// The fraction done at `now`, in millionths.
    fn done_ppm(&self, now: Time) -> u64 {
        let total = self.until.micros_since(self.start);
        if total == 0 {
            return 1_000_000;
        }
        let done = now.micros_since(self.start).min(total);
        (u128::from(done) * 1_000_000 / u128::from(total)) as u64
    }

    /// `loading_loaded_bytes` at `now` (proportional to the time spent).
    pub fn loaded_bytes(&self, now: Time) -> u64 {
        (u128::from(self.total_bytes) * u128::from(self.done_ppm(now)) / 1_000_000) as u64
    }

    /// Keys loaded so far (`rdb_last_load_keys_loaded` while loading).
    pub fn loaded_keys(&self, now: Time) -> u64 {
        (u128::from(self.keys) * u128::from(self.done_ppm(now)) / 1_000_000) as u64
    }

    /// The `loading_*` fields of INFO persistence, in order (genRedisInfoString while
    /// `server.loading`).
    pub fn info_fields(&self, now: Time) -> [(&'static str, String); 6] {
        let loaded = self.loaded_bytes(now);
        let (perc, remaining) = if self.total_bytes > 0 {
            (
                loaded as f64 / (self.total_bytes as f64 + 1.0) * 100.0,
                self.total_bytes - loaded,
            )
        } else {
            (0.0, 1)
        };
        let elapsed = now.as_secs() - self.start.as_secs();
        let eta = if elapsed == 0 {
            1
        } else {
            (i128::from(elapsed) * i128::from(remaining) / (i128::from(loaded) + 1)) as i64
        };
        [
            ("loading_start_time", self.start.as_secs().to_string()),
            ("loading_total_bytes", self.total_bytes.to_string()),
            ("loading_rdb_used_mem", self.rdb_used_mem.to_string()),
            ("loading_loaded_bytes", loaded.to_string()),
            ("loading_loaded_perc", crate::dtoa::fixed(perc, 2)),
            ("loading_eta_seconds", eta.to_string()),
        ]
    }
}

/// The lines `rdbLoadRio` logs for the AUX fields of the payload being loaded
/// (`Loading RDB produced by version ...`, `RDB age ... seconds`, `RDB memory usage when
/// created ... Mb`), at `now`.
pub fn log_staged_aux(st: &mut State, now: Time) {
    for (k, v) in std::mem::take(&mut st.replica.staged_aux) {
        let text = String::from_utf8_lossy(&v).into_owned();
        let line = match k.as_slice() {
            b"redis-ver" => format!("Loading RDB produced by version {text}"),
            b"ctime" => {
                let ctime = crate::strtod::strtoll(&v);
                format!("RDB age {} seconds", (now.as_secs() - ctime).max(0))
            }
            b"used-mem" => format!(
                "RDB memory usage when created {} Mb",
                crate::dtoa::Fixed(crate::strtod::strtoll(&v) as f64 / (1024.0 * 1024.0), 2)
            ),
            _ => continue,
        };
        st.log(LogLevel::Notice, line);
    }
}

/// Whether we have a master client (`server.master`): the link is `Connected`.
pub fn master_client_alive(st: &State) -> bool {
    st.replica
        .link
        .as_ref()
        .is_some_and(|l| l.state() == ReplState::Connected)
}

/// The loading cost in effect: [`ReplicaSide::load_cost`], or Redis's own `key-load-delay`
/// (microseconds per key loaded; a negative value `-n` means one microsecond every `n` keys,
/// as 7.0's `debugDelay`), whichever is larger. Redis sleeps that long per key while it
/// serves `-LOADING` to others; here the load is held for that (virtual) time.
pub fn load_cost_of(st: &State) -> LoadCost {
    let mut c = st.replica.load_cost;
    let d = st.config.key_load_delay;
    let per_key_ns = if d > 0 {
        (d as u64).saturating_mul(1000)
    } else if d < 0 {
        1000 / d.unsigned_abs()
    } else {
        0
    };
    c.ns_per_key = c.ns_per_key.max(per_key_ns);
    c
}

/// The link's configuration from the server's state: [`link_config`] plus whether loads
/// are held for the simulated loading time.
pub fn link_config_of(st: &State) -> ReplicaConfig {
    let mut cfg = link_config(&st.config);
    cfg.hold_load = !load_cost_of(st).is_zero();
    cfg
}

/// The link's configuration from the server's.
pub fn link_config(c: &Config) -> ReplicaConfig {
    ReplicaConfig {
        masterauth: c.masterauth.clone().map(Bytes::from),
        masteruser: c.masteruser.clone().map(Bytes::from),
        announce_ip: c.replica_announce_ip.clone().map(Bytes::from),
        listening_port: if c.replica_announce_port != 0 {
            i64::from(c.replica_announce_port)
        } else {
            i64::from(c.port)
        },
        repl_timeout: i64::try_from(c.repl_timeout).unwrap_or(i64::MAX),
        repl_diskless_load: match c.repl_diskless_load {
            ReplDisklessLoad::Disabled => DisklessLoad::Disabled,
            ReplDisklessLoad::OnEmptyDb => DisklessLoad::OnEmptyDb,
            ReplDisklessLoad::Swapdb => DisklessLoad::Swapdb,
        },
        rdb_checksum: c.rdbchecksum,
        hold_load: false,
    }
}

/// `replicationSetMaster`: become a replica of `host:port` at `now`. A master first
/// synthesizes a cached master from its own replid and offset, to try a partial resync.
pub fn set_master(st: &mut State, host: String, port: u16, now: Time) {
    let was_master = !st.is_replica();
    let mut cached = None;
    if let Some(mut old) = st.replica.link.take() {
        old.stop();
        cached = old.cached_master().cloned();
        drain_close(st, &mut old);
    }
    if cached.is_none() {
        // REPLICAOF before the first cron tick: the cached master restored from the dump.
        cached = st.replica.startup_cached.take();
    }
    st.config.replicaof = Some((host.clone(), port));
    st.replica.start_pending = false;
    st.replica.loader = None;
    st.replica.loading = None;
    if was_master {
        st.log(
            LogLevel::Notice,
            "Before turning into a replica, using my own master parameters to synthesize a \
             cached master: I may be able to synchronize with the new master with just a \
             partial transfer.",
        );
        cached = Some(CachedMaster {
            replid: Bytes::copy_from_slice(st.master.ids.replid.as_bytes()),
            reploff: st.master.backlog.master_repl_offset(),
        });
        // The synthesized cached master is a client (in db 0): it takes an id now.
        st.replica.cached_master_db = None;
        st.replica.cached_master_id = Some((take_client_id(st), now));
    }
    let mut link = ReplicaLink::new(host, port, link_config_of(st), cached, now);
    link.set_dataset_empty(st.keyspace.dbs.iter().all(|d| d.is_empty()));
    st.replica.link = Some(link);
}

/// `loadDataFromDisk` for a replica (`replicaof` configured): when the dump had valid
/// replication AUX fields (`repl-id` of 40 chars, `repl-offset` and `repl-stream-db` not -1),
/// take the saved id as ours and the saved offset as `master_repl_offset`, and synthesize a
/// cached master from them (selecting `repl-stream-db`), so the first handshake asks
/// `PSYNC <repl-id> <repl-offset+1>` (spec §3.4). No backlog is created (a `+CONTINUE`
/// creates it). Returns whether the info was restored.
pub fn restore_from_rdb(st: &mut State) -> bool {
    if !st.is_replica() {
        return false;
    }
    let p = &st.persist;
    let (Some(id), Some(offset), Some(db)) =
        (&p.rdb_repl_id, p.rdb_repl_offset, p.rdb_repl_stream_db)
    else {
        return false;
    };
    let Some(id) = ReplId::from_bytes(id.as_bytes()) else {
        return false;
    };
    if offset == -1 || db == -1 {
        return false;
    }
    st.master.ids.restore_replica_from_rdb(id);
    st.master.backlog.set_master_repl_offset(offset);
    st.log(
        LogLevel::Notice,
        "Before turning into a replica, using my own master parameters to synthesize a \
         cached master: I may be able to synchronize with the new master with just a \
         partial transfer.",
    );
    st.replica.startup_cached = Some(CachedMaster {
        replid: Bytes::copy_from_slice(id.as_bytes()),
        reploff: offset,
    });
    // selectDb(server.cached_master, repl-stream-db); an out-of-range db keeps db 0.
    let db = usize::try_from(db)
        .ok()
        .filter(|d| *d < st.keyspace.dbs.len())
        .unwrap_or(0);
    st.replica.cached_master_db = Some(db);
    st.replica.cached_master_id = Some((take_client_id(st), st.master.now));
    st.replica.master_db = Some(db);
    true
}

/// A new client id from the shared counter (`server.next_client_id++`).
pub fn take_client_id(st: &mut State) -> ClientId {
    let id = st.next_client_id;
    st.next_client_id += 1;
    id
}

/// The link was stopped: forward its last `Close` (the events are dropped otherwise).
fn drain_close(st: &mut State, link: &mut ReplicaLink) {
    while let Some(ev) = link.poll_event() {
        if let crate::repl::replica::ReplicaEvent::Close = ev {
            if let Some(id) = st.replica.conn.take() {
                st.outputs
                    .push_back(crate::server::Output::Close { client: id });
            }
        }
    }
}

/// `replicationUnsetMaster` (REPLICAOF NO ONE): stop the link, keep the data, shift the
/// replication ids (the master's id becomes `replid2`), and drop our own replicas so they
/// PSYNC again. Returns the replicas to disconnect. The caller frees the master client.
pub fn unset_master(st: &mut State) -> Vec<ClientId> {
    if !st.is_replica() {
        return Vec::new();
    }
    st.config.replicaof = None;
    st.replica.start_pending = false;
    st.replica.startup_cached = None;
    st.replica.cached_master_id = None;
    st.replica.loader = None;
    st.replica.loading = None;
    st.replica.down_since = None;
    if let Some(mut link) = st.replica.link.take() {
        if link.state() == ReplState::Connected {
            st.log(LogLevel::Notice, "Connection with master lost.");
            st.log(LogLevel::Notice, "Caching the disconnected master state.");
        }
        link.stop();
        drain_close(st, &mut link);
        if link.cached_master().is_some() {
            st.log(
                LogLevel::Notice,
                "Discarding previously cached master state.",
            );
        }
    }
    let offset = st.master.backlog.master_repl_offset();
    let m = &mut st.master;
    m.ids.shift_replication_id(offset, &mut st.rng);
    let line = format!(
        "Setting secondary replication ID to {}, valid up to offset: {}. New replication ID is {}",
        st.master.ids.replid2, st.master.ids.second_repl_offset, st.master.ids.replid
    );
    st.log(LogLevel::Warning, line);
    // The stream restarts with a SELECT (`server.slaveseldb = -1`).
    st.repl.seldb = None;
    let now = st.master.now;
    st.master.backlog.set_no_replicas_since(now);
    std::mem::take(&mut st.master.slaves)
}

/// The replication commands of a replica.
#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    command!("replicaof", 3, ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING, 0, 0, 0, "server", "Configure a server as replica of another, or promote it to a master.", replicaof),
    command!("slaveof", 3, ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING, 0, 0, 0, "server", "Sets a Redis server as a replica of another, or promotes it to being a master.", replicaof),
];

/// REPLICAOF host port | REPLICAOF NO ONE (`replicaofCommand`).
fn replicaof(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if ctx.st.replica.failover.state != crate::repl::FailoverState::None {
        return Err(RedisError::from(
            "ERR REPLICAOF not allowed while failing over.",
        ));
    }
    if argv[1].eq_ignore_ascii_case(b"no") && argv[2].eq_ignore_ascii_case(b"one") {
        if ctx.st.is_replica() {
            let dropped = unset_master(ctx.st);
            ctx.st.replica.cached_master_db = None;
            ctx.st.kill_queue.extend(dropped);
            ctx.st.replica.drop_master_client = true;
            let info = crate::cmd::connection::client_info_line(ctx.client, ctx.now, argv);
            ctx.st.log(
                LogLevel::Notice,
                format!("MASTER MODE enabled (user request from '{info}')"),
            );
        }
        ctx.ok();
        return Ok(());
    }
    if ctx.client.flags.replica {
        return Err(RedisError::from(
            "ERR Command is not valid when client is a replica.",
        ));
    }
    let port = parse_i64(&argv[2])
        .filter(|p| (0..=65535).contains(p))
        .ok_or_else(|| RedisError::from("ERR Invalid master port"))? as u16;
    let host = String::from_utf8_lossy(&argv[1]).into_owned();
    if let Some((h, p)) = &ctx.st.config.replicaof {
        if h.eq_ignore_ascii_case(&host) && *p == port {
            ctx.st.log(
                LogLevel::Notice,
                "REPLICAOF would result into synchronization with the master we are already \
                 connected with. No operation performed.",
            );
            ctx.simple("OK Already connected to specified master");
            return Ok(());
        }
    }
    // A previous master's client is freed and cached (`replicationCacheMaster`): the server
    // keeps it, with its id and selected db, and a `+CONTINUE` from the new master makes it
    // the master client again. A master synthesizes one in db 0 (`set_master`).
    if ctx.st.is_replica() {
        ctx.st.replica.cached_master_db =
            ctx.st.replica.master_db.or(ctx.st.replica.cached_master_db);
    } else {
        ctx.st.replica.cached_master_db = None;
        ctx.st.replica.drop_master_client = true;
    }
    set_master(ctx.st, host.clone(), port, ctx.now);
    let info = crate::cmd::connection::client_info_line(ctx.client, ctx.now, argv);
    // Logged after the link's first lines (`Connecting to MASTER ...`), as Redis does.
    ctx.st.replica.pending_logs.push(format!(
        "REPLICAOF {host}:{port} enabled (user request from '{info}')"
    ));
    ctx.ok();
    Ok(())
}

/// The replica lines of INFO replication (spec §5), from `role:slave` to `replica_announced`.
pub fn info_replication_replica(st: &State, now: Time) -> String {
    use std::fmt::Write;
    let c = &st.config;
    let Some((host, port)) = &c.replicaof else {
        return String::new();
    };
    let link = st.replica.link.as_ref();
    let state = link.map_or(ReplState::Connect, |l| l.state());
    let connected = state == ReplState::Connected;
    let now_secs = now.as_secs();
    let (reploff, read_reploff) = match link {
        Some(l) => match (l.master_reploff(), l.master_read_reploff()) {
            (Some(a), Some(b)) => (a, b),
            _ => l
                .cached_master()
                .map_or((1, 1), |cm| (cm.reploff, cm.reploff)),
        },
        // Before the first cron tick: the cached master restored from the dump.
        None => st
            .replica
            .startup_cached
            .as_ref()
            .map_or((1, 1), |cm| (cm.reploff, cm.reploff)),
    };
    let last_io = link
        .and_then(|l| l.master_last_interaction())
        .map_or(-1, |t| now_secs - t.as_secs());
    let mut s = String::new();
    let _ = write!(
        s,
        "role:slave\r\nmaster_host:{host}\r\nmaster_port:{port}\r\nmaster_link_status:{}\r\n\
         master_last_io_seconds_ago:{last_io}\r\nmaster_sync_in_progress:{}\r\n\
         slave_read_repl_offset:{read_reploff}\r\nslave_repl_offset:{reploff}\r\n",
        if connected { "up" } else { "down" },
        u8::from(state == ReplState::Transfer),
    );
    if state == ReplState::Transfer {
        if let Some((total, read)) = link.and_then(|l| l.transfer_progress()) {
            let total = total.max(0);
            let read = i64::try_from(read).unwrap_or(i64::MAX);
            let perc = if total > 0 {
                read as f64 * 100.0 / total as f64
            } else {
                0.0
            };
            let lastio = link.map_or(0, |l| now_secs - l.transfer_last_io().as_secs());
            let _ = write!(
                s,
                "master_sync_total_bytes:{total}\r\nmaster_sync_read_bytes:{read}\r\n\
                 master_sync_left_bytes:{}\r\nmaster_sync_perc:{}\r\n\
                 master_sync_last_io_seconds_ago:{lastio}\r\n",
                total - read,
                crate::dtoa::Fixed(perc, 2)
            );
        }
    }
    if !connected {
        let down = st.replica.down_since.map_or(-1, |t| now_secs - t.as_secs());
        let _ = write!(s, "master_link_down_since_seconds:{down}\r\n");
    }
    let _ = write!(
        s,
        "slave_priority:{}\r\nslave_read_only:{}\r\nreplica_announced:{}\r\n",
        c.replica_priority,
        u8::from(c.replica_read_only),
        u8::from(c.replica_announced)
    );
    s
}

/// ROLE of a replica: `slave`, host, port, state, applied offset (-1 without master client).
pub fn role_reply_replica(st: &State) -> Option<Bytes> {
    let (host, port) = st.config.replicaof.as_ref()?;
    let link = st.replica.link.as_ref();
    let state = link.map_or("connect", |l| l.role_state());
    let offset = link.and_then(|l| l.master_reploff()).unwrap_or(-1);
    let mut out = Vec::new();
    out.extend_from_slice(b"*5\r\n$5\r\nslave\r\n");
    out.extend_from_slice(format!("${}\r\n{host}\r\n:{port}\r\n", host.len()).as_bytes());
    out.extend_from_slice(format!("${}\r\n{state}\r\n:{offset}\r\n", state.len()).as_bytes());
    Some(Bytes::from(out))
}

/// The master's replid as a [`ReplId`] (`None` when it is not 40 bytes).
pub fn replid_of(b: &[u8]) -> Option<ReplId> {
    ReplId::from_bytes(b)
}
