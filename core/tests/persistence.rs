//! Persistence with the in-memory storage: SAVE, BGSAVE, LASTSAVE, save points fired by the
//! cron, failed saves (MISCONF, retry delay), SHUTDOWN's final save, FLUSHALL's save,
//! DEBUG RELOAD and loading a dump. Replies and INFO values as redis-server 7.0.15 gives them.

use replscope_core::client::{ClientId, PeerInfo};
use replscope_core::config::{Config, ProtectedAction};
use replscope_core::persist::{MemStorage, RdbTarget};
use replscope_core::server::{Output, Server};
use replscope_core::time::Time;

const T0_MS: u64 = 1_700_000_000_000;

struct H {
    srv: Server,
    c: ClientId,
    now: Time,
    mem: MemStorage,
    logs: Vec<String>,
    others: Vec<Output>,
}

impl H {
    fn new(save: &[(u64, u64)]) -> H {
        let cfg = Config {
            save: save.to_vec(),
            ..Config::default()
        };
        H::with_config(cfg, MemStorage::new(), T0_MS)
    }
    fn with_config(mut cfg: Config, mem: MemStorage, at_ms: u64) -> H {
        cfg.enable_debug_command = ProtectedAction::Yes;
        let now = Time::from_millis(at_ms);
        let mut srv = Server::new(cfg, 7, now);
        srv.set_storage(Box::new(mem.clone()));
        let c = srv.handle_accept(now, PeerInfo::default());
        H {
            srv,
            c,
            now,
            mem,
            logs: Vec::new(),
            others: Vec::new(),
        }
    }
    fn drain(&mut self) -> String {
        let mut out = Vec::new();
        while let Some(o) = self.srv.poll_output() {
            match o {
                Output::Transmit { bytes, .. } => out.extend_from_slice(&bytes),
                Output::Log { message, .. } => self.logs.push(message),
                o => self.others.push(o),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    fn cmd(&mut self, line: &str) -> String {
        let args: Vec<&str> = line.split(' ').collect();
        self.cmd_args(&args)
    }
    fn cmd_args(&mut self, args: &[&str]) -> String {
        let mut req = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            req.extend_from_slice(format!("${}\r\n{}\r\n", a.len(), a).as_bytes());
        }
        self.srv.handle_input(self.now, self.c, &req);
        self.drain()
    }
    /// Advance the clock by `ms` and run the cron.
    fn tick(&mut self, ms: u64) {
        self.now = self.now.add_millis(ms);
        self.srv.handle_timeout(self.now);
        self.drain();
    }
    fn info(&mut self, field: &str) -> String {
        let r = self.cmd("INFO persistence");
        let prefix = format!("{field}:");
        r.split("\r\n")
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {field} in {r}"))
            .to_string()
    }
    fn target(&self) -> RdbTarget {
        RdbTarget::from_config(&Config::default())
    }
    fn logged(&self, line: &str) -> bool {
        self.logs.iter().any(|l| l == line)
    }
    fn shutdown_requested(&self) -> bool {
        self.others
            .iter()
            .any(|o| matches!(o, Output::Shutdown { .. }))
    }
}

const MISCONF: &str = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.\r\n";

#[test]
fn save_writes_dump_and_resets_dirty() {
    let mut h = H::new(&[]);
    assert_eq!(h.info("rdb_changes_since_last_save"), "0");
    assert_eq!(h.info("rdb_saves"), "0");
    assert_eq!(h.cmd("LASTSAVE"), format!(":{}\r\n", T0_MS / 1000));
    h.cmd("SET k v");
    h.cmd("RPUSH l a b");
    assert_eq!(h.info("rdb_changes_since_last_save"), "3");
    h.now = h.now.add_millis(3000);
    assert_eq!(h.cmd("SAVE"), "+OK\r\n");
    assert!(h.logged("DB saved on disk"));
    assert_eq!(h.info("rdb_changes_since_last_save"), "0");
    assert_eq!(h.info("rdb_saves"), "1");
    assert_eq!(h.info("rdb_last_save_time"), (T0_MS / 1000 + 3).to_string());
    assert_eq!(h.cmd("LASTSAVE"), format!(":{}\r\n", T0_MS / 1000 + 3));
    // A foreground save does not touch the background-save fields.
    assert_eq!(h.info("rdb_last_bgsave_time_sec"), "-1");
    let dump = h.mem.file(&h.target()).expect("dump written");
    assert!(dump.starts_with(b"REDIS0010"));
    // The AUX fields of a plain SAVE of 7.0.15, in order.
    let file = replscope_core::rdb::decode::decode_all(&dump, Default::default()).unwrap();
    let names: Vec<&[u8]> = file.aux.iter().map(|(k, _)| k.as_slice()).collect();
    assert_eq!(
        names,
        [
            &b"redis-ver"[..],
            b"redis-bits",
            b"ctime",
            b"used-mem",
            b"aof-base"
        ]
    );
    assert_eq!(file.aux("redis-ver"), Some(&b"7.0.15"[..]));
    assert_eq!(file.aux("redis-bits"), Some(&b"64"[..]));
    assert_eq!(
        file.aux("ctime"),
        Some((T0_MS / 1000 + 3).to_string().as_bytes())
    );
    assert_eq!(file.aux("aof-base"), Some(&b"0"[..]));
    assert_eq!(file.keys.len(), 2);
    // SAVE is refused inside MULTI (no_multi).
    assert_eq!(h.cmd("MULTI"), "+OK\r\n");
    assert_eq!(
        h.cmd("SAVE"),
        "-ERR Command not allowed inside a transaction\r\n"
    );
    h.cmd("DISCARD");
    assert_eq!(
        h.cmd("SAVE x"),
        "-ERR wrong number of arguments for 'save' command\r\n"
    );
}

#[test]
fn bgsave_lifecycle() {
    let mut h = H::new(&[]);
    h.cmd("SET a 1");
    h.cmd("SET b 2");
    h.mem.set_hold_child(true);
    assert_eq!(h.cmd("BGSAVE"), "+Background saving started\r\n");
    assert!(h
        .logs
        .iter()
        .any(|l| l == "Background saving started by pid 1"));
    assert_eq!(h.info("rdb_bgsave_in_progress"), "1");
    assert_eq!(h.info("current_save_keys_total"), "2");
    assert_eq!(h.info("rdb_saves"), "1");
    let busy = "-ERR Background save already in progress\r\n";
    assert_eq!(h.cmd("BGSAVE"), busy);
    assert_eq!(h.cmd("BGSAVE SCHEDULE"), busy);
    assert_eq!(h.cmd("SAVE"), busy);
    assert_eq!(h.cmd("BGSAVE foo"), "-ERR syntax error\r\n");
    assert_eq!(h.cmd("BGSAVE SCHEDULE x"), "-ERR syntax error\r\n");
    // A write while the child runs: it stays counted after the save.
    h.cmd("SET c 3");
    assert_eq!(h.info("rdb_changes_since_last_save"), "3");
    h.tick(2000);
    assert_eq!(h.info("rdb_bgsave_in_progress"), "1");
    assert_eq!(h.info("rdb_current_bgsave_time_sec"), "2");
    h.mem.set_hold_child(false);
    h.tick(100);
    assert!(h.logged("Background saving terminated with success"));
    assert_eq!(h.info("rdb_bgsave_in_progress"), "0");
    assert_eq!(h.info("rdb_current_bgsave_time_sec"), "-1");
    assert_eq!(h.info("rdb_last_bgsave_time_sec"), "2");
    assert_eq!(h.info("rdb_last_bgsave_status"), "ok");
    assert_eq!(h.info("current_save_keys_total"), "0");
    assert_eq!(h.info("rdb_changes_since_last_save"), "1");
    assert_eq!(h.cmd("LASTSAVE"), format!(":{}\r\n", T0_MS / 1000 + 2));
    let file = h.mem.file(&h.target()).unwrap();
    let file = replscope_core::rdb::decode::decode_all(&file, Default::default()).unwrap();
    assert_eq!(file.keys.len(), 2, "the dump is the dataset at fork time");
    // BGSAVE SCHEDULE with nothing running starts at once.
    assert_eq!(h.cmd("BGSAVE SCHEDULE"), "+Background saving started\r\n");
    h.tick(100);
    assert_eq!(h.info("rdb_saves"), "2");
}

#[test]
fn bgsave_inside_exec_is_scheduled() {
    let mut h = H::new(&[]);
    h.cmd("MULTI");
    assert_eq!(h.cmd("BGSAVE"), "+QUEUED\r\n");
    assert_eq!(h.cmd("EXEC"), "*1\r\n+Background saving scheduled\r\n");
    assert_eq!(h.info("rdb_bgsave_in_progress"), "0");
    assert_eq!(h.info("rdb_saves"), "0");
    h.tick(100);
    assert!(h
        .logs
        .iter()
        .any(|l| l.starts_with("Background saving started by pid")));
    assert_eq!(h.info("rdb_saves"), "1");
    h.tick(100);
    assert_eq!(h.info("rdb_bgsave_in_progress"), "0");
    h.tick(100);
    assert_eq!(h.info("rdb_saves"), "1", "scheduled only once");
}

#[test]
fn save_points_fire_from_the_cron() {
    let mut h = H::new(&[(60, 3), (10, 5)]);
    h.cmd("SET a 1");
    h.cmd("SET b 2");
    // 2 changes: no point reached, however long we wait.
    h.tick(70_000);
    assert_eq!(h.info("rdb_saves"), "0");
    h.cmd("SET c 3");
    h.tick(100);
    assert!(h.logged("3 changes in 60 seconds. Saving..."));
    assert_eq!(h.info("rdb_bgsave_in_progress"), "1");
    h.tick(100);
    assert_eq!(h.info("rdb_bgsave_in_progress"), "0");
    assert_eq!(h.info("rdb_changes_since_last_save"), "0");
    // Now lastsave is recent: 5 changes must wait more than 10 seconds.
    for i in 0..5 {
        h.cmd(&format!("SET k{i} v"));
    }
    h.tick(9_000);
    assert_eq!(h.info("rdb_saves"), "1");
    h.tick(1_000); // exactly 10 s: the elapsed time must exceed the period
    assert_eq!(h.info("rdb_saves"), "1");
    h.tick(1_000);
    assert!(h.logged("5 changes in 10 seconds. Saving..."));
    assert_eq!(h.info("rdb_saves"), "2");
}

#[test]
fn failed_bgsave_sets_err_misconf_and_retries_after_delay() {
    let mut h = H::new(&[(1, 1)]);
    h.mem
        .set_fail_saves(Some("Failed opening the temp RDB file"));
    h.cmd("SET a 1");
    h.tick(2_000);
    assert_eq!(h.info("rdb_saves"), "1");
    h.tick(100);
    assert!(h.logged("Background saving error"));
    assert_eq!(h.info("rdb_last_bgsave_status"), "err");
    assert_eq!(h.info("rdb_changes_since_last_save"), "1");
    // Writes and PING are refused; reads are not.
    assert_eq!(h.cmd("SET a 2"), MISCONF);
    assert_eq!(h.cmd("PING"), MISCONF);
    assert_eq!(h.cmd("GET a"), "$1\r\n1\r\n");
    // No retry within CONFIG_BGSAVE_RETRY_DELAY (5 s after the last try).
    h.tick(4_000);
    assert_eq!(h.info("rdb_saves"), "1");
    h.tick(1_000);
    assert_eq!(h.info("rdb_saves"), "1");
    h.mem.set_fail_saves(None);
    h.tick(1_000);
    assert_eq!(h.info("rdb_saves"), "2");
    h.tick(100);
    assert_eq!(h.info("rdb_last_bgsave_status"), "ok");
    assert_eq!(h.cmd("SET a 2"), "+OK\r\n");
    assert_eq!(h.cmd("PING"), "+PONG\r\n");
}

#[test]
fn misconf_only_with_save_points_and_stop_writes() {
    let mut h = H::new(&[]);
    h.mem.set_fail_fork(Some("Cannot allocate memory"));
    assert_eq!(h.cmd("BGSAVE"), "-ERR\r\n");
    assert!(h.logged("Can't save in background: fork: Cannot allocate memory"));
    assert_eq!(h.info("rdb_last_bgsave_status"), "err");
    // No save points: writes still allowed.
    assert_eq!(h.cmd("SET a 1"), "+OK\r\n");
    assert_eq!(h.cmd_args(&["CONFIG", "SET", "save", "3600 1"]), "+OK\r\n");
    assert_eq!(h.cmd("SET a 1"), MISCONF);
    assert_eq!(
        h.cmd("CONFIG SET stop-writes-on-bgsave-error no"),
        "+OK\r\n"
    );
    assert_eq!(h.cmd("SET a 1"), "+OK\r\n");
    assert_eq!(
        h.cmd("CONFIG SET stop-writes-on-bgsave-error yes"),
        "+OK\r\n"
    );
    // A successful foreground SAVE clears the error.
    h.mem.set_fail_fork(None);
    assert_eq!(h.cmd("SAVE"), "+OK\r\n");
    assert_eq!(h.info("rdb_last_bgsave_status"), "ok");
    assert_eq!(h.cmd("SET a 1"), "+OK\r\n");
}

#[test]
fn failed_save_replies_err_and_keeps_status() {
    let mut h = H::new(&[]);
    h.mem.set_fail_saves(Some(
        "Failed opening the temp RDB file temp-1.rdb (in server root dir /proc) for saving: No such file or directory",
    ));
    h.cmd("SET a 1");
    assert_eq!(h.cmd("SAVE"), "-ERR\r\n");
    assert!(h.logged("Failed opening the temp RDB file temp-1.rdb (in server root dir /proc) for saving: No such file or directory"));
    assert_eq!(h.info("rdb_last_bgsave_status"), "ok");
    assert_eq!(h.info("rdb_changes_since_last_save"), "1");
    assert_eq!(h.info("rdb_saves"), "1");
    assert_eq!(h.cmd("DEBUG RELOAD"), "-ERR\r\n");
    assert_eq!(h.cmd("GET a"), "$1\r\n1\r\n");
}

#[test]
fn shutdown_saves_or_refuses() {
    // Save points configured and the save fails: the error, and no shutdown.
    let mut h = H::new(&[(3600, 1)]);
    h.cmd("SET a 1");
    h.mem.set_fail_saves(Some("disk full"));
    assert_eq!(
        h.cmd("SHUTDOWN"),
        "-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
    );
    assert!(!h.shutdown_requested());
    assert!(h.logged("User requested shutdown..."));
    assert!(h.logged("Saving the final RDB snapshot before exiting."));
    assert!(h.logged("Error trying to save the DB, can't exit."));
    assert!(h.logged("Errors trying to shut down the server. Check the logs for more information."));
    assert_eq!(
        h.cmd("SHUTDOWN SAVE"),
        "-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
    );
    // FORCE exits anyway.
    assert_eq!(h.cmd("SHUTDOWN FORCE"), "");
    assert!(h.logged("Error trying to save the DB. Exit anyway."));
    assert!(h.shutdown_requested());

    // NOSAVE never saves.
    let mut h = H::new(&[(3600, 1)]);
    h.cmd("SET a 1");
    assert_eq!(h.cmd("SHUTDOWN NOSAVE"), "");
    assert!(h.shutdown_requested());
    assert!(h.mem.file(&h.target()).is_none());

    // Default with save points: saves.
    let mut h = H::new(&[(3600, 1)]);
    h.cmd("SET a 1");
    assert_eq!(h.cmd("SHUTDOWN"), "");
    assert!(h.shutdown_requested());
    assert!(h.mem.file(&h.target()).is_some());
    assert_eq!(
        h.logs.last().map(String::as_str),
        Some("Redis is now ready to exit, bye bye...")
    );

    // Default without save points: no save; SHUTDOWN SAVE saves.
    let mut h = H::new(&[]);
    assert_eq!(h.cmd("SHUTDOWN"), "");
    assert!(h.mem.file(&h.target()).is_none());
    let mut h = H::new(&[]);
    assert_eq!(h.cmd("SHUTDOWN SAVE"), "");
    assert!(h.mem.file(&h.target()).is_some());

    // A running background save is killed first.
    let mut h = H::new(&[]);
    h.mem.set_hold_child(true);
    assert_eq!(h.cmd("BGSAVE"), "+Background saving started\r\n");
    assert_eq!(h.cmd("SHUTDOWN NOSAVE"), "");
    assert!(h.logged("There is a child saving an .rdb. Killing it!"));
}

#[test]
fn shutdown_signal_saves_with_save_points() {
    let mut h = H::new(&[(3600, 1)]);
    h.cmd("SET a 1");
    assert!(h.srv.handle_shutdown_signal(h.now));
    h.drain();
    assert!(h.shutdown_requested());
    assert!(h.mem.file(&h.target()).is_some());

    let mut h = H::new(&[(3600, 1)]);
    h.mem.set_fail_saves(Some("disk full"));
    assert!(!h.srv.handle_shutdown_signal(h.now));
    h.drain();
    assert!(!h.shutdown_requested());
}

#[test]
fn debug_reload_keeps_the_dataset() {
    let mut h = H::new(&[]);
    h.cmd("DEBUG POPULATE 200");
    h.cmd("RPUSH l a b c 1 2 3");
    h.cmd("HSET h f v g w");
    h.cmd("SADD s 1 2 3");
    h.cmd("SADD t x y z");
    h.cmd("ZADD z 1 a 2.5 b");
    h.cmd("SET e v PX 100000");
    h.cmd("SELECT 3");
    h.cmd("SET other db");
    let digest = h.cmd("DEBUG DIGEST");
    assert_eq!(h.cmd("DEBUG RELOAD"), "+OK\r\n");
    assert_eq!(h.cmd("DEBUG DIGEST"), digest);
    assert!(h.logged("DB reloaded by DEBUG RELOAD"));
    assert!(h.logged("Done loading RDB, keys loaded: 207, keys expired: 0."));
    assert!(h.logged("Loading RDB produced by version 7.0.15"));
    assert_eq!(h.info("rdb_last_load_keys_loaded"), "207");
    assert_eq!(h.info("rdb_last_load_keys_expired"), "0");
    assert_eq!(h.info("rdb_changes_since_last_save"), "0");
    assert!(h.cmd("PTTL e").starts_with(':'));
    assert_ne!(h.cmd("PTTL e"), ":-1\r\n");

    // NOSAVE: load what is on disk (an older dump), dropping the newer writes.
    h.cmd("SET later 1");
    assert_eq!(h.cmd("DEBUG RELOAD NOSAVE"), "+OK\r\n");
    assert_eq!(h.cmd("EXISTS later"), ":0\r\n");
    assert_eq!(h.cmd("DEBUG DIGEST"), digest);
    // NOFLUSH without MERGE: the keys are already there.
    assert_eq!(
        h.cmd("DEBUG RELOAD NOSAVE NOFLUSH"),
        "-ERR Error trying to load the RDB dump, check server logs.\r\n"
    );
    assert!(h.logged("Duplicated key found in RDB file"));
    assert_eq!(h.cmd("DEBUG DIGEST"), digest, "left untouched");
    // MERGE: add the dump to the dataset.
    h.cmd("SET later 1");
    assert_eq!(h.cmd("DEBUG RELOAD NOSAVE NOFLUSH MERGE"), "+OK\r\n");
    assert_eq!(h.cmd("EXISTS later"), ":1\r\n");
    assert_eq!(
        h.cmd("DEBUG RELOAD foo"),
        "-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n"
    );
}

#[test]
fn debug_reload_nosave_without_dump_fails() {
    let mut h = H::new(&[]);
    h.cmd("SET a 1");
    assert_eq!(
        h.cmd("DEBUG RELOAD NOSAVE"),
        "-ERR Error trying to load the RDB dump, check server logs.\r\n"
    );
}

#[test]
fn flushall_saves_with_save_points() {
    let mut h = H::new(&[(3600, 100)]);
    h.cmd("SET a 1");
    h.cmd("SET b 1");
    h.now = h.now.add_millis(5_000);
    assert_eq!(h.cmd("FLUSHALL"), "+OK\r\n");
    assert!(h.logged("DB saved on disk"));
    // The save reset dirty (7.0.15: rdb_changes_since_last_save:0 after FLUSHALL).
    assert_eq!(h.info("rdb_changes_since_last_save"), "0");
    assert_eq!(h.info("rdb_saves"), "0");
    assert_eq!(h.cmd("LASTSAVE"), format!(":{}\r\n", T0_MS / 1000 + 5));
    let dump = h.mem.file(&h.target()).unwrap();
    let f = replscope_core::rdb::decode::decode_all(&dump, Default::default()).unwrap();
    assert!(f.keys.is_empty());

    // Without save points FLUSHALL writes nothing; it counts the keys it removed (7.0.15:
    // SET a, SET b, FLUSHALL → 4; another FLUSHALL of nothing → still 4).
    let mut h = H::new(&[]);
    h.cmd("SET a 1");
    h.cmd("SET b 1");
    assert_eq!(h.cmd("FLUSHALL"), "+OK\r\n");
    assert_eq!(h.info("rdb_changes_since_last_save"), "4");
    assert_eq!(h.cmd("FLUSHALL"), "+OK\r\n");
    assert_eq!(h.info("rdb_changes_since_last_save"), "4");
    assert!(h.mem.file(&h.target()).is_none());
}

#[test]
fn flushall_kills_a_running_bgsave() {
    let mut h = H::new(&[]);
    h.mem.set_hold_child(true);
    h.cmd("SET a 1");
    assert_eq!(h.cmd("BGSAVE"), "+Background saving started\r\n");
    assert_eq!(h.cmd("FLUSHALL"), "+OK\r\n");
    h.tick(100);
    assert!(h.logged("Background saving terminated by signal 10"));
    // Killed by us (SIGUSR1): not an error.
    assert_eq!(h.info("rdb_last_bgsave_status"), "ok");
    assert_eq!(h.info("rdb_bgsave_in_progress"), "0");
    assert!(h.mem.file(&h.target()).is_none());
}

#[test]
fn startup_load_counts_expired_keys_and_keeps_repl_fields() {
    let mem = MemStorage::new();
    let mut a = H::with_config(Config::default(), mem.clone(), T0_MS);
    a.cmd("SET keep 1");
    a.cmd("SET soon 1 PX 5000");
    a.cmd("SET late 1 PX 500000");
    assert_eq!(a.cmd("SAVE"), "+OK\r\n");
    let digest_keep = a.cmd("DEBUG DIGEST-VALUE keep");

    // Restart 10 s later: `soon` is expired and not loaded.
    let mut b = H::with_config(Config::default(), mem.clone(), T0_MS + 10_000);
    let counts = b.srv.load_from_storage(b.now).unwrap().unwrap();
    assert_eq!((counts.keys_loaded, counts.keys_expired), (2, 1));
    b.drain();
    assert!(b.logged("RDB age 10 seconds"));
    assert!(b.logged("Done loading RDB, keys loaded: 2, keys expired: 1."));
    assert_eq!(b.info("rdb_last_load_keys_loaded"), "2");
    assert_eq!(b.info("rdb_last_load_keys_expired"), "1");
    assert_eq!(b.cmd("DEBUG DIGEST-VALUE keep"), digest_keep);
    assert_eq!(b.cmd("EXISTS soon"), ":0\r\n");
    assert_eq!(b.cmd("PTTL late"), ":490000\r\n");
    assert_eq!(b.srv.state().persist.rdb_repl_id, None);

    // No dump: nothing to load.
    let mut c = H::with_config(Config::default(), MemStorage::new(), T0_MS);
    assert_eq!(c.srv.load_from_storage(c.now).unwrap(), None);

    // A corrupt dump is an error.
    let bad = MemStorage::new();
    bad.put_file(
        &RdbTarget::from_config(&Config::default()),
        b"REDIS0010\xff".to_vec(),
    );
    let mut d = H::with_config(Config::default(), bad, T0_MS);
    assert!(d.srv.load_from_storage(d.now).is_err());
}
