//! Restarts with persisted replication state against real redis-server 7.0.15 (spec §3.4,
//! §8.11, §8.21, §8.22):
//! * our replica `SHUTDOWN SAVE`s and restarts with `replicaof` configured: its first PSYNC
//!   continues from its dump, the real master logs `Partial resynchronization request from
//!   ... accepted` and counts `sync_partial_ok` (a real 7.0.15 replica does exactly this);
//! * our master `SHUTDOWN SAVE`s and restarts: the real replica's PSYNC with the old id is
//!   accepted through replid2 (`+CONTINUE <new id>`), no full sync;
//! * the real master restarts the same way and our replica continues.
//!
//! Each server lives in a directory of its own kept across its restart (same port).

mod common;

use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::repl::{field, info, text};
use common::{free_port, spawn_server, wait_listening, Conn, Kind};

/// A fresh directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "replscope-restart-{}-{tag}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server in a directory, restartable on the same port; killed on drop.
struct Proc {
    kind: Kind,
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    extra: Vec<String>,
    starts: usize,
}

impl Proc {
    fn start(kind: Kind, dir: &Path, extra: &[&str]) -> Proc {
        let mut p = Proc {
            kind,
            child: None,
            port: free_port(),
            dir: dir.to_path_buf(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            starts: 0,
        };
        p.restart();
        p
    }

    fn log_path(&self, n: usize) -> PathBuf {
        self.dir.join(format!("{}-{n}.log", self.kind.name()))
    }

    /// Start again (after it exited) with the same port, dir and arguments.
    fn restart(&mut self) {
        self.starts += 1;
        let log = self.log_path(self.starts);
        let extra: Vec<&str> = self.extra.iter().map(String::as_str).collect();
        let mut child = spawn_server(self.kind, self.port, &self.dir, &extra, &log);
        let ready = || {
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains("Ready to accept connections")
        };
        if let Err(e) = wait_listening(&mut child, self.port, Duration::from_secs(20), ready) {
            panic!("{} not ready: {e:?}\n{}", self.kind.name(), self.log());
        }
        self.child = Some(child);
    }

    /// The log of the current (last) run.
    fn log(&self) -> String {
        std::fs::read_to_string(self.log_path(self.starts)).unwrap_or_default()
    }

    fn conn(&self) -> Conn {
        Conn::connect(self.port)
    }

    /// `SHUTDOWN SAVE` and wait for the exit.
    fn shutdown_save(&mut self) {
        let mut c = self.conn();
        c.send(&common::encode(&["SHUTDOWN", "SAVE"]));
        let _ = c.read_reply();
        let mut child = self.child.take().expect("running");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            assert!(Instant::now() < deadline, "no exit:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn wait_until(secs: u64, what: &str, a: &Proc, b: &Proc, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "timed out waiting for {what}\n--- {} log ---\n{}\n--- {} log ---\n{}",
        a.kind.name(),
        a.log(),
        b.kind.name(),
        b.log()
    );
}

/// Wait until `replica` is up and at `master`'s offset; compare digests.
fn assert_converged(replica: &Proc, master: &Proc, context: &str) {
    let mut r = replica.conn();
    let mut m = master.conn();
    wait_until(20, context, replica, master, || {
        let ri = info(&mut r, "replication");
        let mi = info(&mut m, "replication");
        field(&ri, "master_link_status").as_deref() == Some("up")
            && field(&ri, "slave_repl_offset") == field(&mi, "master_repl_offset")
    });
    assert_eq!(
        text(r.cmd(&["DEBUG", "DIGEST"])),
        text(m.cmd(&["DEBUG", "DIGEST"])),
        "digest ({context})"
    );
}

fn stat(p: &Proc, name: &str) -> String {
    field(&info(&mut p.conn(), "stats"), name).unwrap_or_default()
}

fn write(p: &Proc, tag: &str) {
    let mut c = p.conn();
    common::repl::write_dataset(&mut c, tag);
    // Leave db 3 selected in the stream, so the continuation must keep the stream db.
    assert_eq!(text(c.cmd(&["SELECT", "3"])), "+OK\r\n");
    assert_eq!(
        text(c.cmd(&["SET", &format!("{tag}:last3"), "x"])),
        "+OK\r\n"
    );
}

#[test]
fn our_replica_restarts_from_its_dump_and_continues() {
    let rdir = TempDir::new("real-master");
    let odir = TempDir::new("our-replica");
    let real = Proc::start(Kind::Redis, &rdir.0, &["--repl-diskless-sync", "no"]);
    write(&real, "before");
    let port = real.port.to_string();
    let mut ours = Proc::start(Kind::Ours, &odir.0, &["--replicaof", "127.0.0.1", &port]);
    assert_converged(&ours, &real, "first sync");
    write(&real, "second");
    assert_converged(&ours, &real, "streamed");
    let replid = field(&info(&mut real.conn(), "replication"), "master_replid").unwrap();
    let off: i64 = field(&info(&mut real.conn(), "replication"), "master_repl_offset")
        .unwrap()
        .parse()
        .unwrap();
    ours.shutdown_save();
    // Written while we are down: the stream continues in db 3, then moves to db 0.
    {
        let mut c = real.conn();
        assert_eq!(text(c.cmd(&["SELECT", "3"])), "+OK\r\n");
        assert_eq!(text(c.cmd(&["SET", "while-down", "3"])), "+OK\r\n");
    }
    write(&real, "down");
    ours.restart();
    assert!(ours.log().contains(
        "Before turning into a replica, using my own master parameters to synthesize a cached \
         master: I may be able to synchronize with the new master with just a partial transfer."
    ));
    assert_converged(&ours, &real, "after restart");
    assert!(
        ours.log().contains(&format!(
            "Trying a partial resynchronization (request {replid}:{}).",
            off + 1
        )),
        "{}",
        ours.log()
    );
    assert!(real.log().contains(&format!(
        "Partial resynchronization request from 127.0.0.1:{} accepted. Sending ",
        ours.port
    )));
    assert_eq!(stat(&real, "sync_full"), "1");
    assert_eq!(stat(&real, "sync_partial_ok"), "1");
    let mut o = ours.conn();
    assert_eq!(text(o.cmd(&["SELECT", "3"])), "+OK\r\n");
    assert_eq!(text(o.cmd(&["GET", "while-down"])), "$1\r\n3\r\n");
}

#[test]
fn our_master_restarts_from_its_dump_and_the_real_replica_continues() {
    let odir = TempDir::new("our-master");
    let rdir = TempDir::new("real-replica");
    let mut ours = Proc::start(Kind::Ours, &odir.0, &[]);
    write(&ours, "before");
    let port = ours.port.to_string();
    let real = Proc::start(Kind::Redis, &rdir.0, &["--replicaof", "127.0.0.1", &port]);
    assert_converged(&real, &ours, "first sync");
    let old = field(&info(&mut ours.conn(), "replication"), "master_replid").unwrap();
    let off: i64 = field(&info(&mut ours.conn(), "replication"), "master_repl_offset")
        .unwrap()
        .parse()
        .unwrap();
    ours.shutdown_save();
    ours.restart();
    let oi = info(&mut ours.conn(), "replication");
    let new = field(&oi, "master_replid").unwrap();
    assert_ne!(new, old);
    assert_eq!(field(&oi, "master_replid2").as_deref(), Some(&*old));
    assert_eq!(
        field(&oi, "second_repl_offset"),
        Some((off + 1).to_string())
    );
    write(&ours, "after");
    assert_converged(&real, &ours, "after our restart");
    assert!(
        real.log().contains(&format!(
            "Trying a partial resynchronization (request {old}:{}).",
            off + 1
        )),
        "{}",
        real.log()
    );
    assert!(real
        .log()
        .contains(&format!("Master replication ID changed to {new}")));
    assert_eq!(stat(&ours, "sync_partial_ok"), "1");
    assert_eq!(stat(&ours, "sync_full"), "0");
    let ri = info(&mut real.conn(), "replication");
    assert_eq!(field(&ri, "master_replid2").as_deref(), Some(&*old));
}

#[test]
fn real_master_restarts_from_its_dump_and_our_replica_continues() {
    let rdir = TempDir::new("real-master2");
    let odir = TempDir::new("our-replica2");
    let mut real = Proc::start(Kind::Redis, &rdir.0, &["--repl-diskless-sync", "no"]);
    write(&real, "before");
    let port = real.port.to_string();
    let ours = Proc::start(Kind::Ours, &odir.0, &["--replicaof", "127.0.0.1", &port]);
    assert_converged(&ours, &real, "first sync");
    let old = field(&info(&mut real.conn(), "replication"), "master_replid").unwrap();
    real.shutdown_save();
    real.restart();
    write(&real, "after");
    assert_converged(&ours, &real, "after the master's restart");
    let new = field(&info(&mut real.conn(), "replication"), "master_replid").unwrap();
    assert_ne!(new, old);
    assert_eq!(stat(&real, "sync_partial_ok"), "1");
    assert_eq!(stat(&real, "sync_full"), "0");
    let oi = info(&mut ours.conn(), "replication");
    assert_eq!(field(&oi, "master_replid").as_deref(), Some(&*new));
    assert_eq!(field(&oi, "master_replid2").as_deref(), Some(&*old));
}

/// §8.23: our master (a real replica) loses its own master: our PSYNC gets `-NOMASTERLINK`,
/// we keep the cached master and retry every second; once its master is back (restarted from
/// its dump) we continue with `+CONTINUE`, never a full sync.
#[test]
fn nomasterlink_while_our_master_is_cut_off_then_continue() {
    let d1 = TempDir::new("r1");
    let d2 = TempDir::new("r2");
    let d3 = TempDir::new("ours3");
    let mut r1 = Proc::start(Kind::Redis, &d1.0, &["--repl-diskless-sync", "no"]);
    write(&r1, "before");
    let p1 = r1.port.to_string();
    let r2 = Proc::start(
        Kind::Redis,
        &d2.0,
        &[
            "--replicaof",
            "127.0.0.1",
            &p1,
            "--repl-diskless-sync",
            "no",
        ],
    );
    let p2 = r2.port.to_string();
    let ours = Proc::start(Kind::Ours, &d3.0, &["--replicaof", "127.0.0.1", &p2]);
    assert_converged(&r2, &r1, "r2 synced");
    assert_converged(&ours, &r2, "ours synced");
    r1.shutdown_save();
    wait_until(20, "r2 link down", &r2, &r1, || {
        field(&info(&mut r2.conn(), "replication"), "master_link_status").as_deref() == Some("down")
    });
    // Drop our link: the reconnection is refused with -NOMASTERLINK.
    assert_eq!(
        text(r2.conn().cmd(&["CLIENT", "KILL", "TYPE", "replica"])),
        ":1\r\n"
    );
    let line = "Master is currently unable to PSYNC but should be in the future: \
                -NOMASTERLINK Can't SYNC while not connected with my master";
    wait_until(20, "NOMASTERLINK retries", &ours, &r2, || {
        ours.log().matches(line).count() >= 2
    });
    assert_eq!(
        field(&info(&mut ours.conn(), "replication"), "master_link_status").as_deref(),
        Some("down")
    );
    r1.restart();
    write(&r1, "after");
    assert_converged(&r2, &r1, "r2 continued");
    assert_converged(&ours, &r2, "ours continued");
    assert_eq!(stat(&r2, "sync_full"), "1");
    assert_eq!(stat(&r1, "sync_full"), "0");
    assert!(ours
        .log()
        .contains("Successful partial resynchronization with master."));
    let ids = info(&mut ours.conn(), "replication");
    assert_eq!(
        field(&ids, "master_replid"),
        field(&info(&mut r1.conn(), "replication"), "master_replid")
    );
}
