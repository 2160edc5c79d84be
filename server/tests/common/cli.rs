//! `redis-cli` in its replication modes against a server under test:
//!
//! * [`rdb`]: `redis-cli --rdb` (`REPLCONF rdb-only 1` + `SYNC`), the RDB it saved; a real
//!   redis-server started from it is [`super::ServerProc::redis_from_rdb`] or
//!   [`super::spec::Node::redis_from_rdb`];
//! * [`CliReplica`]: `redis-cli --replica`, which prints the replication stream as CSV.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{temp_dir, tool};

/// The file name a real redis-server loads an RDB from in [`super::ServerProc::redis_from_rdb`]
/// and [`super::spec::Node::redis_from_rdb`] (its `--dbfilename`).
pub const LOADED_RDB: &str = "loaded.rdb";

/// The arguments that make a real redis-server load [`LOADED_RDB`] from its directory.
pub const LOAD_ARGS: [&str; 2] = ["--dbfilename", LOADED_RDB];

/// Write `rdb` as [`LOADED_RDB`] into a server's directory `dir`, before it starts there.
pub fn put_rdb(dir: &Path, rdb: &[u8]) {
    std::fs::write(dir.join(LOADED_RDB), rdb).unwrap();
}

/// `redis-cli -p <port> --rdb <file>`: the RDB the server on `port` sends to an rdb-only
/// replica, as saved by redis-cli. Panics with redis-cli's stderr unless it succeeded.
pub fn rdb(port: u16) -> Vec<u8> {
    let dir = temp_dir("cli-rdb");
    let file = dir.join("fromcli.rdb");
    let out = Command::new(tool("redis-cli"))
        .args([
            "-p",
            &port.to_string(),
            "--rdb",
            &file.display().to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "redis-cli --rdb against port {port}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rdb = std::fs::read(&file).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    rdb
}

/// Panics unless a real redis-server's `log` says it loaded its RDB at start.
pub fn assert_loaded(log: &str) {
    assert!(
        log.contains("DB loaded from disk"),
        "RDB not loaded:\n{log}"
    );
}

/// `redis-cli -p <port> --replica` running as a child process with its stdout (the
/// replication stream as CSV) captured; killed and reaped on drop.
pub struct CliReplica {
    child: Child,
}

impl CliReplica {
    /// Start it against 127.0.0.1:`port` (it attaches asynchronously: wait for the master
    /// to show it before writing).
    pub fn start(port: u16) -> CliReplica {
        let child = Command::new(tool("redis-cli"))
            .args(["-p", &port.to_string(), "--replica"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        CliReplica { child }
    }

    /// Let it run `ms` milliseconds more, then kill it and return everything it printed.
    pub fn output_after(mut self, ms: u64) -> String {
        std::thread::sleep(Duration::from_millis(ms));
        let _ = self.child.kill();
        let mut stdout = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        stdout
    }
}

impl Drop for CliReplica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
