//! RDB persistence (Redis 7.0.15 `rdb.c` and the persistence parts of `server.c`): SAVE,
//! BGSAVE, the `save <seconds> <changes>` schedules run from the cron, loading a dump,
//! SHUTDOWN's final save, DEBUG RELOAD and the numbers `INFO persistence` prints.
//!
//! The core never touches files and never forks: where the bytes go, and how a background
//! save runs, is the job of a [`Storage`] the driver provides. The tokio server writes
//! `dir/dbfilename` atomically and forks a child for BGSAVE (and for diskless transfers to
//! replicas, `rdbSaveToSlavesSockets`), as Redis does; the simulator and the tests use
//! [`MemStorage`], which keeps the dump in memory and "forks" at once. A child is only looked
//! at once its simulated duration passed ([`child_ready_at`]: `rdb-key-save-delay` and
//! [`Persistence::child_cost_ns_per_key`]), so a save can take time in the simulator too.

use std::sync::{Arc, Mutex};

use crate::config::Config;
use crate::keyspace::Keyspace;
use crate::rdb::decode::{DecodeOptions, Decoder};
use crate::rdb::encode::{encode, EncodeOptions};
use crate::rdb::load::{KeyLoader, LoadStats};
use crate::rdb::{RdbFile, RdbItem};
use crate::server::{LogLevel, State};
use crate::time::Time;

/// `CONFIG_BGSAVE_RETRY_DELAY`: seconds to wait before retrying a failed background save.
pub const BGSAVE_RETRY_DELAY: i64 = 5;

/// `SIGUSR1`: the signal Redis uses to kill its own saving child; a child killed by it does
/// not mark the last background save as failed.
pub const SIGUSR1: i32 = 10;

/// Where the dump lives: Redis's `dir` and `dbfilename`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RdbTarget {
    /// `dir` ("" = the process's working directory).
    pub dir: String,
    /// `dbfilename`.
    pub dbfilename: String,
}

impl RdbTarget {
    /// The target named by `config`.
    pub fn from_config(config: &Config) -> Self {
        RdbTarget {
            dir: config.dir.clone(),
            dbfilename: config.dbfilename.clone(),
        }
    }
}

/// How a background save ended (what `waitpid` tells Redis's `checkChildrenDone`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BgsaveExit {
    /// Exit status 0: the dump was written.
    Ok,
    /// A non-zero exit status: the child could not write the dump.
    Error,
    /// Killed by this signal ([`SIGUSR1`] when we killed it ourselves).
    Signal(i32),
}

/// The driver's side of persistence: files and child processes.
pub trait Storage: std::fmt::Debug + Send {
    /// Write `rdb` as the dump, atomically (Redis writes `temp-<pid>.rdb`, fsyncs and renames
    /// it over `dir/dbfilename`). `Err` carries the log line Redis would print.
    fn save(&mut self, target: &RdbTarget, rdb: &[u8]) -> Result<(), String>;
    /// Start a background save: produce the dump with `job` (in a forked child for the
    /// server) and save it as [`Storage::save`]. Returns the child's pid (or any id). `Err`
    /// carries why it could not start (`fork: ...`).
    fn start_bgsave(
        &mut self,
        target: &RdbTarget,
        job: &dyn Fn() -> Vec<u8>,
    ) -> Result<u32, String>;
    /// The running background save's end, once it ended (`waitpid(WNOHANG)` from the cron).
    fn poll_bgsave(&mut self) -> Option<BgsaveExit>;
    /// Kill the running background save (with [`SIGUSR1`]); it is still reaped by
    /// [`Storage::poll_bgsave`].
    fn kill_bgsave(&mut self);
    /// The dump's bytes, `None` when there is no dump. `Err` carries the log line.
    fn load(&mut self, target: &RdbTarget) -> Result<Option<Vec<u8>>, String>;
    /// Start a background transfer to replicas (Redis's `rdbSaveToSlavesSockets`, the
    /// diskless sync): produce the payload with `job` (in a forked child for the server) and
    /// keep it for [`Storage::take_replica_payload`] instead of saving it as the dump. The
    /// child is polled, killed and reaped as a background save. `target` only names the
    /// directory a driver may use for scratch space.
    fn start_bgsave_to_replicas(
        &mut self,
        target: &RdbTarget,
        job: &dyn Fn() -> Vec<u8>,
    ) -> Result<u32, String>;
    /// The payload of a transfer started by [`Storage::start_bgsave_to_replicas`], once
    /// [`Storage::poll_bgsave`] reported that it ended with [`BgsaveExit::Ok`].
    fn take_replica_payload(&mut self) -> Option<Vec<u8>>;
}

/// What [`MemStorage`] holds; shared by its clones so a test can look inside.
#[derive(Debug, Default)]
pub struct MemStorageInner {
    /// Saved dumps by file name (`dir/dbfilename`).
    pub files: crate::vecmap::VecMap<String, Vec<u8>>,
    /// Make every save fail (the error text to log).
    pub fail_saves: Option<String>,
    /// Make `start_bgsave` fail, as a failed `fork()` (the error text).
    pub fail_fork: Option<String>,
    /// The running "child": its target and the dump it will commit, or `None` when it fails.
    pub child: Option<(String, Option<Vec<u8>>)>,
    /// The running child was killed with this signal.
    pub killed: Option<i32>,
    /// Hold the running child (it does not end) until cleared.
    pub hold_child: bool,
    /// Next child id.
    pub next_pid: u32,
    /// Number of saves written (foreground and background).
    pub saves: u64,
    /// The running child is a transfer to replicas (its data is not a dump).
    pub child_to_replicas: bool,
    /// The payload of the last transfer to replicas that ended.
    pub replica_payload: Option<Vec<u8>>,
}

/// An in-memory [`Storage`] (tests and the simulator). A background save encodes at once;
/// the "child" ends at the next poll (unless held), committing the dump then. Clones share
/// the same files.
#[derive(Clone, Debug, Default)]
pub struct MemStorage {
    /// The shared state.
    pub inner: Arc<Mutex<MemStorageInner>>,
}

impl MemStorage {
    /// An empty storage.
    pub fn new() -> Self {
        Self::default()
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, MemStorageInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
    /// The dump saved for `target`, if any.
    pub fn file(&self, target: &RdbTarget) -> Option<Vec<u8>> {
        self.lock().files.get(&path_of(target)).cloned()
    }
    /// Store `data` as the dump of `target` (as if written by someone else).
    pub fn put_file(&self, target: &RdbTarget, data: Vec<u8>) {
        self.lock().files.insert(path_of(target), data);
    }
    /// Make saves fail with `err` (`None`: succeed again).
    pub fn set_fail_saves(&self, err: Option<&str>) {
        self.lock().fail_saves = err.map(str::to_string);
    }
    /// Make background saves fail to start with `err` (`None`: start again).
    pub fn set_fail_fork(&self, err: Option<&str>) {
        self.lock().fail_fork = err.map(str::to_string);
    }
    /// Keep a background save running (`true`) or let it end at the next poll.
    pub fn set_hold_child(&self, hold: bool) {
        self.lock().hold_child = hold;
    }
    /// Number of dumps written so far.
    pub fn saves(&self) -> u64 {
        self.lock().saves
    }
}

fn path_of(target: &RdbTarget) -> String {
    if target.dir.is_empty() {
        target.dbfilename.clone()
    } else {
        format!("{}/{}", target.dir.trim_end_matches('/'), target.dbfilename)
    }
}

impl Storage for MemStorage {
    fn save(&mut self, target: &RdbTarget, rdb: &[u8]) -> Result<(), String> {
        let mut g = self.lock();
        if let Some(e) = &g.fail_saves {
            return Err(e.clone());
        }
        g.files.insert(path_of(target), rdb.to_vec());
        g.saves += 1;
        Ok(())
    }
    fn start_bgsave(
        &mut self,
        target: &RdbTarget,
        job: &dyn Fn() -> Vec<u8>,
    ) -> Result<u32, String> {
        if let Some(e) = self.lock().fail_fork.clone() {
            return Err(e);
        }
        let data = job();
        let mut g = self.lock();
        let data = if g.fail_saves.is_some() {
            None
        } else {
            Some(data)
        };
        g.child = Some((path_of(target), data));
        g.child_to_replicas = false;
        g.killed = None;
        g.next_pid += 1;
        Ok(g.next_pid)
    }
    fn poll_bgsave(&mut self) -> Option<BgsaveExit> {
        let mut g = self.lock();
        g.child.as_ref()?;
        if let Some(sig) = g.killed.take() {
            g.child = None;
            return Some(BgsaveExit::Signal(sig));
        }
        if g.hold_child {
            return None;
        }
        let (path, data) = g.child.take()?;
        if std::mem::take(&mut g.child_to_replicas) {
            let ok = data.is_some();
            g.replica_payload = data;
            return Some(if ok {
                BgsaveExit::Ok
            } else {
                BgsaveExit::Error
            });
        }
        match data {
            Some(d) => {
                g.files.insert(path, d);
                g.saves += 1;
                Some(BgsaveExit::Ok)
            }
            None => Some(BgsaveExit::Error),
        }
    }
    fn kill_bgsave(&mut self) {
        let mut g = self.lock();
        if g.child.is_some() {
            g.killed = Some(SIGUSR1);
        }
    }
    fn load(&mut self, target: &RdbTarget) -> Result<Option<Vec<u8>>, String> {
        Ok(self.lock().files.get(&path_of(target)).cloned())
    }
    fn start_bgsave_to_replicas(
        &mut self,
        _target: &RdbTarget,
        job: &dyn Fn() -> Vec<u8>,
    ) -> Result<u32, String> {
        if let Some(e) = self.lock().fail_fork.clone() {
            return Err(e);
        }
        let data = job();
        let mut g = self.lock();
        g.child = Some(("<replicas sockets>".to_string(), Some(data)));
        g.child_to_replicas = true;
        g.replica_payload = None;
        g.killed = None;
        g.next_pid += 1;
        Ok(g.next_pid)
    }
    fn take_replica_payload(&mut self) -> Option<Vec<u8>> {
        self.lock().replica_payload.take()
    }
}

/// A running background save.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BgsaveChild {
    /// The child's pid (`Background saving started by pid N`).
    pub pid: u32,
    /// Unix seconds when it started (`rdb_save_time_start`).
    pub started: i64,
    /// `rdb_child_type == RDB_CHILD_TYPE_SOCKET`: a diskless transfer to replicas rather
    /// than a dump on disk.
    pub to_replicas: bool,
    /// The core does not look for the child's end before this time: the simulated duration
    /// of the save (see [`Persistence::child_cost_ns_per_key`] and `rdb-key-save-delay`).
    pub ready_at: Time,
}

/// How a background child ended, as the replication layer needs it
/// (`updateSlavesWaitingBgsave`'s arguments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChildDone {
    /// The child succeeded.
    pub ok: bool,
    /// It was a transfer to replica sockets (else a dump on disk).
    pub to_replicas: bool,
}

/// Persistence state (the `server.*` fields of `rdb.c`), held in [`State::persist`].
#[derive(Debug)]
pub struct Persistence {
    /// Where dumps go.
    pub storage: Box<dyn Storage>,
    /// The running background save (`child_type == CHILD_TYPE_RDB`).
    pub child: Option<BgsaveChild>,
    /// `dirty_before_bgsave`.
    pub dirty_before_bgsave: u64,
    /// `lastbgsave_try`: Unix seconds of the last BGSAVE attempt.
    pub lastbgsave_try: i64,
    /// `lastbgsave_status == C_OK`.
    pub lastbgsave_ok: bool,
    /// `rdb_save_time_last`: seconds the last background save took (-1: none yet).
    pub rdb_save_time_last: i64,
    /// `stat_rdb_saves`.
    pub rdb_saves: u64,
    /// `rdb_bgsave_scheduled`.
    pub bgsave_scheduled: bool,
    /// `stat_current_save_keys_total`: keys at the start of the running background save.
    pub current_save_keys_total: u64,
    /// `rdb_last_load_keys_loaded`.
    pub last_load_keys_loaded: u64,
    /// `rdb_last_load_keys_expired`.
    pub last_load_keys_expired: u64,
    /// `repl-id` AUX field of the last loaded dump (kept for a later partial resync).
    pub rdb_repl_id: Option<String>,
    /// `repl-offset` AUX field of the last loaded dump.
    pub rdb_repl_offset: Option<i64>,
    /// `repl-stream-db` AUX field of the last loaded dump.
    pub rdb_repl_stream_db: Option<i64>,
    /// Simulated cost of a background child, in nanoseconds per key (0 by default): the
    /// child is not considered done before `start + keys * cost` (added to what
    /// `rdb-key-save-delay` asks for). The simulator sets it so a full sync of a large
    /// dataset takes simulated time.
    pub child_cost_ns_per_key: u64,
    /// The last child that ended, for the replication layer to serve the replicas waiting
    /// for it (taken by [`crate::repl::master::replication_cron`]).
    pub child_done: Option<ChildDone>,
}

impl Default for Persistence {
    fn default() -> Self {
        Persistence {
            storage: Box::new(MemStorage::new()),
            child: None,
            dirty_before_bgsave: 0,
            lastbgsave_try: 0,
            lastbgsave_ok: true,
            rdb_save_time_last: -1,
            rdb_saves: 0,
            bgsave_scheduled: false,
            current_save_keys_total: 0,
            last_load_keys_loaded: 0,
            last_load_keys_expired: 0,
            rdb_repl_id: None,
            rdb_repl_offset: None,
            rdb_repl_stream_db: None,
            child_cost_ns_per_key: 0,
            child_done: None,
        }
    }
}

/// What `used_memory` reports (the same estimate as `INFO memory`), for the `used-mem` AUX.
pub fn used_memory_estimate(st: &State) -> u64 {
    /// `used_memory_startup` of 7.0.15, as `INFO memory` uses.
    const USED_MEMORY_STARTUP: u64 = 876_224;
    USED_MEMORY_STARTUP + 64 * st.keyspace.total_keys() as u64
}

/// The AUX fields 7.0.15 writes (`rdbSaveInfoAuxFields`): `redis-ver`, `redis-bits`,
/// `ctime`, `used-mem`, then `repl-stream-db`, `repl-id`, `repl-offset` when this master has
/// a backlog, then `aof-base`.
pub fn save_aux_fields(st: &State, now: Time) -> Vec<(&'static str, Vec<u8>)> {
    let mut aux = vec![
        ("redis-ver", crate::REDIS_VERSION.as_bytes().to_vec()),
        ("redis-bits", b"64".to_vec()),
        ("ctime", now.as_secs().to_string().into_bytes()),
        (
            "used-mem",
            used_memory_estimate(st).to_string().into_bytes(),
        ),
    ];
    // rdbPopulateSaveInfo: a master with a backlog saves its replication info (spec §3.4);
    // a replica saves it with its master client's db.
    let stream_db = if !st.is_replica() && st.master.backlog.is_active() {
        Some(st.repl.seldb.unwrap_or(0))
    } else if st.is_replica() {
        st.replica.master_db
    } else {
        None
    };
    if let Some(db) = stream_db {
        aux.push(("repl-stream-db", db.to_string().into_bytes()));
        aux.push(("repl-id", st.master.ids.replid.as_bytes().to_vec()));
        aux.push((
            "repl-offset",
            st.master
                .backlog
                .master_repl_offset()
                .to_string()
                .into_bytes(),
        ));
    }
    aux.push(("aof-base", b"0".to_vec()));
    aux
}

/// The encoder options `config` asks for.
pub fn encode_options(config: &Config) -> EncodeOptions {
    EncodeOptions {
        compression: config.rdbcompression,
        checksum: config.rdbchecksum,
        list_max_listpack_size: config.list_max_listpack_size,
        list_compress_depth: config.list_compress_depth.max(0) as u64,
    }
}

/// The dump of the whole dataset as 7.0.15 would write it now.
pub fn encode_dataset(st: &State, now: Time) -> Vec<u8> {
    let aux = save_aux_fields(st, now);
    encode(&st.keyspace, &aux, &[], &encode_options(&st.config))
}

/// Redis's `rdbSave`: write the dump in the foreground. On success `dirty` is reset and
/// `lastsave` set. Returns whether it worked (the reasons are logged).
pub fn rdb_save(st: &mut State, now: Time) -> bool {
    let bytes = encode_dataset(st, now);
    let target = RdbTarget::from_config(&st.config);
    match st.persist.storage.save(&target, &bytes) {
        Ok(()) => {
            st.log(LogLevel::Notice, "DB saved on disk");
            st.dirty = 0;
            st.lastsave = now.as_secs();
            st.persist.lastbgsave_ok = true;
            true
        }
        Err(e) => {
            st.log(LogLevel::Warning, e);
            false
        }
    }
}

/// Redis's `rdbSaveBackground`: start a background save. `false` when a save is already
/// running or the child could not be started.
pub fn rdb_save_background(st: &mut State, now: Time) -> bool {
    if st.persist.child.is_some() {
        return false;
    }
    st.persist.rdb_saves += 1;
    st.persist.dirty_before_bgsave = st.dirty;
    st.persist.lastbgsave_try = now.as_secs();
    let target = RdbTarget::from_config(&st.config);
    let aux = save_aux_fields(st, now);
    let opts = encode_options(&st.config);
    let ks: &Keyspace = &st.keyspace;
    let job = || encode(ks, &aux, &[], &opts);
    let started = st.persist.storage.start_bgsave(&target, &job);
    match started {
        Ok(pid) => {
            st.log(
                LogLevel::Notice,
                format!("Background saving started by pid {pid}"),
            );
            st.persist.child = Some(BgsaveChild {
                pid,
                started: now.as_secs(),
                to_replicas: false,
                ready_at: child_ready_at(st, now),
            });
            st.persist.current_save_keys_total = st.keyspace.total_keys() as u64;
            true
        }
        Err(e) => {
            st.persist.lastbgsave_ok = false;
            st.log(
                LogLevel::Warning,
                format!("Can't save in background: fork: {e}"),
            );
            false
        }
    }
}

/// When a child started `now` may be considered done: `rdb-key-save-delay` (microseconds
/// per key when positive, as Redis sleeps in its child) plus
/// [`Persistence::child_cost_ns_per_key`], times the keys saved.
pub fn child_ready_at(st: &State, now: Time) -> Time {
    let keys = st.keyspace.total_keys() as u64;
    let delay_us = u64::try_from(st.config.rdb_key_save_delay).unwrap_or(0);
    let ns = keys
        .saturating_mul(delay_us.saturating_mul(1000))
        .saturating_add(keys.saturating_mul(st.persist.child_cost_ns_per_key));
    now.add_micros(ns / 1000)
}

/// The bookkeeping of `rdbSaveToSlavesSockets` once the driver was asked to start the
/// transfer child ([`Storage::start_bgsave_to_replicas`], called by the replication layer
/// with the payload job): log it and remember the child, or log the fork error.
/// `ready_at` comes from [`child_ready_at`] at the start.
pub fn transfer_started(
    st: &mut State,
    now: Time,
    started: Result<u32, String>,
    ready_at: Time,
) -> Result<(), String> {
    match started {
        Ok(pid) => {
            st.log(
                LogLevel::Notice,
                format!("Background RDB transfer started by pid {pid}"),
            );
            st.persist.child = Some(BgsaveChild {
                pid,
                started: now.as_secs(),
                to_replicas: true,
                ready_at,
            });
            st.persist.current_save_keys_total = st.keyspace.total_keys() as u64;
            Ok(())
        }
        Err(e) => {
            st.log(
                LogLevel::Warning,
                format!("Can't save in background: fork: {e}"),
            );
            Err(e)
        }
    }
}

/// Redis's `killRDBChild`: signal the saving child; the cron reaps it later.
pub fn kill_rdb_child(st: &mut State) {
    if st.persist.child.is_some() {
        st.persist.storage.kill_bgsave();
    }
}

/// `backgroundSaveDoneHandler` (disk and socket targets). The outcome is left in
/// [`Persistence::child_done`] for the replicas waiting for it.
fn bgsave_done(st: &mut State, now: Time, exit: BgsaveExit) {
    let to_replicas = st.persist.child.is_some_and(|c| c.to_replicas);
    st.persist.child_done = Some(ChildDone {
        ok: exit == BgsaveExit::Ok,
        to_replicas,
    });
    if to_replicas {
        // backgroundSaveDoneHandlerSocket: the dump on disk and `dirty` are untouched.
        match exit {
            BgsaveExit::Ok => {
                let up = st.master.rdb_pipe_conns.len();
                st.log(
                    LogLevel::Warning,
                    format!(
                        "Diskless rdb transfer, done reading from pipe, {up} replicas still up."
                    ),
                );
                st.log(
                    LogLevel::Notice,
                    "Background RDB transfer terminated with success",
                );
            }
            BgsaveExit::Error => st.log(LogLevel::Warning, "Background transfer error"),
            BgsaveExit::Signal(sig) => st.log(
                LogLevel::Warning,
                format!("Background transfer terminated by signal {sig}"),
            ),
        }
        st.persist.child = None;
        st.persist.current_save_keys_total = 0;
        st.master.rdb_pipe_conns.clear();
        return;
    }
    match exit {
        BgsaveExit::Ok => {
            st.log(
                LogLevel::Notice,
                "Background saving terminated with success",
            );
            st.dirty = st.dirty.saturating_sub(st.persist.dirty_before_bgsave);
            st.lastsave = now.as_secs();
            st.persist.lastbgsave_ok = true;
        }
        BgsaveExit::Error => {
            st.log(LogLevel::Warning, "Background saving error");
            st.persist.lastbgsave_ok = false;
        }
        BgsaveExit::Signal(sig) => {
            st.log(
                LogLevel::Warning,
                format!("Background saving terminated by signal {sig}"),
            );
            if sig != SIGUSR1 {
                st.persist.lastbgsave_ok = false;
            }
        }
    }
    let started = st.persist.child.map_or(now.as_secs(), |c| c.started);
    st.persist.rdb_save_time_last = now.as_secs() - started;
    st.persist.child = None;
    st.persist.current_save_keys_total = 0;
}

/// The persistence part of `serverCron`: reap a finished background save, or start one when
/// a `save` point is reached, or when one was scheduled.
pub fn cron(st: &mut State, now: Time) {
    let now_s = now.as_secs();
    if let Some(child) = st.persist.child {
        // A simulated duration: the child is not looked at before it may be done.
        let exit = if now >= child.ready_at {
            st.persist.storage.poll_bgsave()
        } else {
            None
        };
        if let Some(exit) = exit {
            bgsave_done(st, now, exit);
        }
    } else {
        let retry_ok = |st: &State| {
            now_s - st.persist.lastbgsave_try > BGSAVE_RETRY_DELAY || st.persist.lastbgsave_ok
        };
        let due = st.config.save.iter().copied().find(|&(secs, changes)| {
            st.dirty >= changes
                && now_s - st.lastsave > i64::try_from(secs).unwrap_or(i64::MAX)
                && retry_ok(st)
        });
        if let Some((secs, changes)) = due {
            st.log(
                LogLevel::Notice,
                format!("{changes} changes in {secs} seconds. Saving..."),
            );
            rdb_save_background(st, now);
        }
    }
    if st.persist.child.is_none()
        && st.persist.bgsave_scheduled
        && (now_s - st.persist.lastbgsave_try > BGSAVE_RETRY_DELAY || st.persist.lastbgsave_ok)
        && rdb_save_background(st, now)
    {
        st.persist.bgsave_scheduled = false;
    }
}

/// True when writes (and PING) are refused with `-MISCONF` (`writeCommandsDeniedByDiskError`).
pub fn writes_denied(st: &State) -> bool {
    st.config.stop_writes_on_bgsave_error && !st.config.save.is_empty() && !st.persist.lastbgsave_ok
}

/// The `-MISCONF` error of [`writes_denied`].
pub const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently \
unable to persist to disk. Commands that may modify the data set are disabled, because this \
instance is configured to report errors during writes if RDB snapshotting fails \
(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// Redis's `prepareForShutdown` + `finishShutdown` (no replicas to wait for): kill a saving
/// child, write the final dump when `save` says so (`Some(true)` SAVE, `Some(false)` NOSAVE,
/// `None` when save points are configured). `force` exits even if the save fails. Returns
/// whether the process may exit; the log lines are queued.
pub fn prepare_for_shutdown(st: &mut State, now: Time, save: Option<bool>, force: bool) -> bool {
    st.log(LogLevel::Warning, "User requested shutdown...");
    if st.persist.child.is_some() {
        st.log(
            LogLevel::Warning,
            "There is a child saving an .rdb. Killing it!",
        );
        kill_rdb_child(st);
    }
    let do_save = match save {
        Some(s) => s,
        None => !st.config.save.is_empty(),
    };
    if do_save {
        st.log(
            LogLevel::Notice,
            "Saving the final RDB snapshot before exiting.",
        );
        if !rdb_save(st, now) {
            if force {
                st.log(
                    LogLevel::Warning,
                    "Error trying to save the DB. Exit anyway.",
                );
            } else {
                st.log(
                    LogLevel::Warning,
                    "Error trying to save the DB, can't exit.",
                );
                st.log(
                    LogLevel::Warning,
                    "Errors trying to shut down the server. Check the logs for more information.",
                );
                return false;
            }
        }
    }
    st.log(LogLevel::Warning, "Redis is now ready to exit, bye bye...");
    true
}

/// Counts of a load (`rdb_last_load_keys_loaded` / `_expired`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadCounts {
    /// Keys added to the keyspace.
    pub keys_loaded: u64,
    /// Keys skipped because already expired (on a master).
    pub keys_expired: u64,
}

/// Options of [`load_rdb`].
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadFlags {
    /// `RDBFLAGS_ALLOW_DUP` (DEBUG RELOAD MERGE): a key already present is replaced.
    pub allow_dup: bool,
}

/// Redis's `rdbLoad`: decode `data` and add its keys to the keyspace (which the caller has
/// emptied when it should be). Logs the AUX lines and `Done loading RDB ...` like Redis, keeps
/// the replication AUX fields. `Err` is the log line for the failure.
pub fn load_rdb(
    st: &mut State,
    now: Time,
    data: Vec<u8>,
    flags: LoadFlags,
) -> Result<LoadCounts, String> {
    let opts = DecodeOptions {
        verify_checksum: st.config.rdbchecksum,
        total_len: Some(data.len() as u64),
    };
    // One key at a time: decode it, store it, go on (the dump is never in memory twice).
    let is_master = !st.is_replica();
    let mut loader = KeyLoader::new(
        st.keyspace.dbs.len(),
        &st.config,
        now.as_millis(),
        is_master,
    );
    let mut header = RdbFile::default();
    let mut dec = Decoder::new(opts);
    dec.feed_vec(data);
    let mut db = 0;
    loop {
        match dec.next_item().map_err(|e| e.to_string())? {
            Some(RdbItem::Version(v)) => header.version = v,
            Some(RdbItem::Aux { key, value }) => header.aux.push((key, value)),
            Some(RdbItem::Function(code)) => header.functions.push(code),
            Some(RdbItem::SelectDb(d)) => db = d,
            Some(RdbItem::ResizeDb {
                db_size,
                expires_size,
            }) => loader.resize_hint(db, db_size, expires_size),
            Some(RdbItem::Key(k)) => loader.add(k)?,
            Some(RdbItem::Eof { checksum }) => {
                header.checksum = checksum;
                break;
            }
            None => {
                dec.finish().map_err(|e| e.to_string())?;
                return Err(
                    "Short read or OOM loading DB. Unrecoverable error, aborting now.".into(),
                );
            }
        }
    }
    let (fresh, stats) = loader.finish();
    log_aux_fields(st, now, &header);
    let counts = merge_loaded(st, fresh, &stats, flags)?;
    st.persist.last_load_keys_loaded = counts.keys_loaded;
    st.persist.last_load_keys_expired = counts.keys_expired;
    st.log(
        LogLevel::Notice,
        format!(
            "Done loading RDB, keys loaded: {}, keys expired: {}.",
            counts.keys_loaded, counts.keys_expired
        ),
    );
    Ok(counts)
}

/// The log lines `rdbLoadRio` prints for AUX fields, and the replication fields it keeps.
fn log_aux_fields(st: &mut State, now: Time, file: &RdbFile) {
    st.persist.rdb_repl_id = None;
    st.persist.rdb_repl_offset = None;
    st.persist.rdb_repl_stream_db = None;
    for (k, v) in &file.aux {
        let text = String::from_utf8_lossy(v).into_owned();
        match k.as_slice() {
            b"redis-ver" => st.log(
                LogLevel::Notice,
                format!("Loading RDB produced by version {text}"),
            ),
            b"ctime" => {
                let ctime: i64 = text.parse().unwrap_or(0);
                let age = (now.as_secs() - ctime).max(0);
                st.log(LogLevel::Notice, format!("RDB age {age} seconds"));
            }
            b"used-mem" => {
                let used: i64 = text.parse().unwrap_or(0);
                st.log(
                    LogLevel::Notice,
                    format!(
                        "RDB memory usage when created {} Mb",
                        crate::dtoa::Fixed(used as f64 / (1024.0 * 1024.0), 2)
                    ),
                );
            }
            b"repl-stream-db" => st.persist.rdb_repl_stream_db = text.parse().ok(),
            b"repl-id" => {
                if v.len() == 40 {
                    st.persist.rdb_repl_id = Some(text);
                }
            }
            b"repl-offset" => st.persist.rdb_repl_offset = text.parse().ok(),
            b"aof-base" | b"redis-bits" | b"lua" => {}
            _ => st.log(
                LogLevel::Debug,
                format!("Unrecognized RDB AUX field: '{text}'"),
            ),
        }
    }
}

/// Move the databases a [`KeyLoader`] filled into the keyspace (it decided what is kept:
/// expired keys skipped on a master, empty collections dropped). Keys already in the
/// keyspace (DEBUG RELOAD NOFLUSH) make a duplicate error unless `allow_dup`.
fn merge_loaded(
    st: &mut State,
    fresh: Keyspace,
    stats: &LoadStats,
    flags: LoadFlags,
) -> Result<LoadCounts, String> {
    for (dst, src) in st.keyspace.dbs.iter_mut().zip(fresh.dbs) {
        if dst.is_empty() {
            *dst = src;
            continue;
        }
        if !flags.allow_dup && src.iter().any(|(k, _)| dst.contains(k)) {
            return Err("Duplicated key found in RDB file".into());
        }
        for (k, v) in src.iter() {
            dst.remove(k);
            dst.add(k, v.clone());
            if let Some(t) = src.expire_of(k) {
                dst.set_expire(k, t);
            }
        }
    }
    Ok(LoadCounts {
        keys_loaded: stats.keys_loaded,
        keys_expired: stats.keys_expired,
    })
}

/// Load the dump from storage at startup (`loadDataFromDisk`). `Ok(None)` when there is no
/// dump. The caller logs the time it took and exits on `Err`.
pub fn load_from_storage(
    st: &mut State,
    now: Time,
    flags: LoadFlags,
) -> Result<Option<LoadCounts>, String> {
    let target = RdbTarget::from_config(&st.config);
    let Some(data) = st.persist.storage.load(&target)? else {
        return Ok(None);
    };
    load_rdb(st, now, data, flags).map(Some)
}
