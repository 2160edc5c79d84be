//! End-to-end persistence with the real binary: SAVE then restart keeps the dataset
//! (DEBUG DIGEST before and after), SHUTDOWN SAVE and SIGTERM with save points write the
//! dump, a BGSAVE of a million keys does not stall the server (the largest PING round trip
//! during the save is measured), a dump written by a real redis-server 7.0.15 is loaded at
//! startup with the same digest, and a corrupt dump is fatal at startup (exit status 1).
//!
//! Each test starts its own servers on free ports in a directory of its own and kills them
//! at the end. Every wait has a timeout.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{free_port, spawn_server, tool, wait_listening, Conn, Kind, NotListening};

/// How long a server may take to start, load or exit.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(20);

/// A fresh directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "replscope-persist-{}-{}-{}",
            std::process::id(),
            tag,
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server process with `--dir` set to a given directory (so a restart finds the dump);
/// killed and reaped on drop.
struct Proc {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Proc {
    /// Start `kind` in `dir` with `extra` arguments; wait until it is ready (or has exited).
    fn start(kind: Kind, dir: &Path, extra: &[&str]) -> Proc {
        static N: AtomicUsize = AtomicUsize::new(0);
        let log = dir.join(format!(
            "{}-{}.log",
            kind.name(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let port = free_port();
        let child = spawn_server(kind, port, dir, extra, &log);
        let mut p = Proc { child, port, log };
        let log_path = p.log.clone();
        let ready = || {
            std::fs::read_to_string(&log_path)
                .unwrap_or_default()
                .contains("Ready to accept connections")
        };
        match wait_listening(&mut p.child, port, PROCESS_TIMEOUT, ready) {
            // An early exit is what some tests expect (a corrupt dump): they check it.
            Ok(()) | Err(NotListening::Exited(_)) => p,
            Err(NotListening::TimedOut) => panic!("{} not ready; log:\n{}", kind.name(), p.log()),
        }
    }
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
    fn conn(&self) -> Conn {
        Conn::connect(self.port)
    }
    fn pid(&self) -> u32 {
        self.child.id()
    }
    /// Wait for the process to exit by itself.
    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PROCESS_TIMEOUT;
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st;
            }
            assert!(
                Instant::now() < deadline,
                "did not exit; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    /// SIGKILL: no chance to save anything.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

fn cmd(c: &mut Conn, line: &str) -> String {
    let args: Vec<&str> = line.split(' ').collect();
    String::from_utf8_lossy(&c.cmd(&args)).into_owned()
}

/// A mixed dataset: every type, small and large encodings, expiries, two databases.
fn fill(c: &mut Conn) {
    for line in [
        "SET s hello",
        "SET n 12345",
        "SET big xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "SET ttl v PX 100000000",
        "RPUSH l a b c 1 2 3",
        "HSET h f v g w",
        "SADD si 1 2 3 -7",
        "SADD ss x y z",
        "ZADD z 1 a 2.5 b -3 c",
        "SELECT 2",
        "SET other db2",
        "SELECT 0",
    ] {
        let r = cmd(c, line);
        assert!(!r.starts_with('-'), "{line}: {r}");
    }
    // Large encodings: quicklist with several nodes, hashtable hash, skiplist zset, hashtable set.
    let mut rp = vec!["RPUSH".to_string(), "biglist".to_string()];
    let mut hs = vec!["HSET".to_string(), "bighash".to_string()];
    let mut za = vec!["ZADD".to_string(), "bigz".to_string()];
    let mut sa = vec!["SADD".to_string(), "bigset".to_string()];
    for i in 0..1000 {
        rp.push(format!("element-{i}"));
        hs.push(format!("field-{i}"));
        hs.push(format!("value-{i}"));
        za.push(format!("{i}.5"));
        za.push(format!("member-{i}"));
        sa.push(format!("m{i}"));
    }
    for args in [rp, hs, za, sa] {
        let r = c.cmd(&args);
        assert!(!r.starts_with(b"-"), "{}", String::from_utf8_lossy(&r));
    }
}

fn digest(c: &mut Conn) -> String {
    let d = cmd(c, "DEBUG DIGEST");
    assert!(d.starts_with('+') && d.len() == 43, "digest: {d}");
    d
}

#[test]
fn save_then_restart_keeps_the_dataset() {
    let dir = TempDir::new("save");
    let mut p = Proc::start(Kind::Ours, dir.path(), &[]);
    let mut c = p.conn();
    fill(&mut c);
    let d = digest(&mut c);
    assert_eq!(cmd(&mut c, "SAVE"), "+OK\r\n");
    assert!(p.log().contains("DB saved on disk"), "{}", p.log());
    let keys_db0 = cmd(&mut c, "DBSIZE");
    assert!(dir.path().join("dump.rdb").is_file());
    // No temp file left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("temp-"))
        .collect();
    assert!(leftovers.is_empty());
    p.kill();

    let p = Proc::start(Kind::Ours, dir.path(), &[]);
    let mut c = p.conn();
    assert_eq!(digest(&mut c), d, "log:\n{}", p.log());
    assert_eq!(cmd(&mut c, "DBSIZE"), keys_db0);
    let log = p.log();
    assert!(
        log.contains("Loading RDB produced by version 7.0.15"),
        "{log}"
    );
    assert!(
        log.contains("Done loading RDB, keys loaded: 14, keys expired: 0."),
        "{log}"
    );
    assert!(log.contains("DB loaded from disk: "), "{log}");
    let ttl: i64 = cmd(&mut c, "PTTL ttl")[1..].trim().parse().unwrap();
    assert!(ttl > 90_000_000, "{ttl}");
    let info = cmd(&mut c, "INFO persistence");
    assert!(info.contains("rdb_last_load_keys_loaded:14\r\n"), "{info}");
}

#[test]
fn shutdown_save_then_restart_keeps_the_dataset() {
    let dir = TempDir::new("shutdown");
    let mut p = Proc::start(Kind::Ours, dir.path(), &[]);
    let mut c = p.conn();
    fill(&mut c);
    let d = digest(&mut c);
    c.send(&common::encode(&["SHUTDOWN", "SAVE"]));
    let (reply, closed) = c.drain(Duration::from_secs(5));
    assert!(reply.is_empty() && closed);
    assert!(p.wait_exit().success());
    let log = p.log();
    let order = [
        "User requested shutdown...",
        "Saving the final RDB snapshot before exiting.",
        "DB saved on disk",
        "Redis is now ready to exit, bye bye...",
    ];
    let mut at = 0;
    for l in order {
        at += log[at..]
            .find(l)
            .unwrap_or_else(|| panic!("{l} missing/out of order in {log}"));
    }
    let p = Proc::start(Kind::Ours, dir.path(), &[]);
    let mut c = p.conn();
    assert_eq!(digest(&mut c), d);
}

#[test]
fn sigterm_saves_when_save_points_are_configured() {
    let dir = TempDir::new("sigterm");
    let mut p = Proc::start(Kind::Ours, dir.path(), &["--save", "3600 1"]);
    let mut c = p.conn();
    assert_eq!(cmd(&mut c, "SET k v"), "+OK\r\n");
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(p.pid() as i32, libc::SIGTERM);
    }
    assert!(p.wait_exit().success());
    assert!(p
        .log()
        .contains("Saving the final RDB snapshot before exiting."));
    let p = Proc::start(Kind::Ours, dir.path(), &[]);
    let mut c = p.conn();
    assert_eq!(cmd(&mut c, "GET k"), "$1\r\nv\r\n");
}

#[test]
fn dump_of_real_redis_is_loaded_at_startup() {
    let rdir = TempDir::new("real");
    let real = Proc::start(Kind::Redis, rdir.path(), &[]);
    let mut c = real.conn();
    fill(&mut c);
    // A long list with compression, as well as a listpack one, to cover both paths.
    let d = digest(&mut c);
    assert_eq!(cmd(&mut c, "SAVE"), "+OK\r\n");
    drop(real);

    let dir = TempDir::new("ours");
    std::fs::copy(rdir.path().join("dump.rdb"), dir.path().join("dump.rdb")).unwrap();
    let p = Proc::start(Kind::Ours, dir.path(), &[]);
    let mut c = p.conn();
    assert_eq!(digest(&mut c), d, "log:\n{}", p.log());
    assert!(p
        .log()
        .contains("Done loading RDB, keys loaded: 14, keys expired: 0."));
    // And what we write back, real Redis loads to the same digest.
    assert_eq!(cmd(&mut c, "SAVE"), "+OK\r\n");
    drop(p);
    let rdir2 = TempDir::new("real2");
    std::fs::copy(dir.path().join("dump.rdb"), rdir2.path().join("dump.rdb")).unwrap();
    let real = Proc::start(Kind::Redis, rdir2.path(), &[]);
    let mut c = real.conn();
    assert_eq!(digest(&mut c), d, "log:\n{}", real.log());
}

#[test]
fn corrupt_dump_is_fatal_at_startup() {
    let dir = TempDir::new("corrupt");
    std::fs::write(dir.path().join("dump.rdb"), b"GARBAGEGARBAGE").unwrap();
    let mut p = Proc::start(Kind::Ours, dir.path(), &[]);
    let st = p.wait_exit();
    assert_eq!(st.code(), Some(1), "log:\n{}", p.log());
    let log = p.log();
    assert!(
        log.contains("Fatal error loading the DB: Invalid argument. Exiting."),
        "{log}"
    );
    assert!(!log.contains("Ready to accept connections"));
}

/// Threads of process `pid`.
fn threads_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .count()
}

#[test]
fn bgsave_of_a_million_keys_keeps_serving() {
    let dir = TempDir::new("bgsave");
    let p = Proc::start(Kind::Ours, dir.path(), &[]);
    let mut c = p.conn();
    // Forking is only safe in a single-threaded process.
    assert_eq!(threads_of(p.pid()), 1, "the server must be single-threaded");
    let t = Instant::now();
    // A debug build populating a million keys takes seconds, more on a loaded machine.
    c.set_timeout(Duration::from_secs(120));
    assert_eq!(cmd(&mut c, "DEBUG POPULATE 1000000"), "+OK\r\n");
    eprintln!("DEBUG POPULATE 1000000 took {:?}", t.elapsed());
    assert_eq!(threads_of(p.pid()), 1);

    let stop = Arc::new(AtomicBool::new(false));
    let port = p.port;
    let pinger = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut c = Conn::connect(port);
            let mut worst = Duration::ZERO;
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
                worst = worst.max(t.elapsed());
                n += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
            (worst, n)
        })
    };
    std::thread::sleep(Duration::from_millis(50));
    let t = Instant::now();
    assert_eq!(cmd(&mut c, "BGSAVE"), "+Background saving started\r\n");
    let fork_reply = t.elapsed();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let info = cmd(&mut c, "INFO persistence");
        if info.contains("rdb_bgsave_in_progress:0\r\n") {
            assert!(info.contains("rdb_last_bgsave_status:ok\r\n"), "{info}");
            break;
        }
        assert!(Instant::now() < deadline, "BGSAVE never finished");
        std::thread::sleep(Duration::from_millis(50));
    }
    let save_time = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (worst, pings) = pinger.join().unwrap();
    eprintln!(
        "BGSAVE of 1M keys: BGSAVE reply after {fork_reply:?}, save took {save_time:?}, \
         {pings} PINGs, largest PING round trip {worst:?}"
    );
    assert!(
        worst < Duration::from_millis(50),
        "largest PING round trip during BGSAVE: {worst:?}"
    );
    let log = p.log();
    assert!(log.contains("Background saving started by pid"), "{log}");
    assert!(
        log.contains("Background saving terminated with success"),
        "{log}"
    );
    assert_eq!(cmd(&mut c, "DBSIZE"), ":1000000\r\n");
    assert!(dir.path().join("dump.rdb").metadata().unwrap().len() > 10_000_000);
    // The dump is complete: redis-check-rdb reads every key.
    let out = Command::new(tool("redis-check-rdb"))
        .arg(dir.path().join("dump.rdb"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1000000 keys read"), "{text}");
}
