//! "Our server runs inside Redis's own test harness" (issue #5): started the way Redis's tcl
//! suite starts a server (a config file written from `tests/assets/default.conf` with the
//! port, dir and overrides changed, its path as argv[1], stdout to a file), ReplScope
//! ignores the directives it does not implement, prints ` PID: <pid>` (what the harness
//! waits for) and `Ready to accept connections`, writes the pid file, answers `CONFIG SET` /
//! `CONFIG GET` for the replication knobs as a real 7.0.15 does, and exits on SIGTERM
//! (removing the pid file).

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, server_program, Conn, Kind};

/// The directives of Redis 7.0.15's `tests/assets/default.conf` (the harness's base config),
/// with the port, dir and pidfile replaced as the harness does.
fn default_conf(port: u16, dir: &str) -> String {
    format!(
        "# Redis configuration for testing.

always-show-logo yes
notify-keyspace-events KEA
daemonize no
pidfile {dir}/redis.pid
port {port}
timeout 0
bind 127.0.0.1
loglevel verbose
logfile ''
databases 16
latency-monitor-threshold 1
repl-diskless-sync-delay 0

save 60 10000
rdbcompression yes
dbfilename dump.rdb
dir {dir}

slave-serve-stale-data yes
appendonly no
appendfsync everysec
no-appendfsync-on-rewrite no
activerehashing yes

enable-protected-configs yes
enable-debug-command yes
enable-module-command yes

propagation-error-behavior panic

# Make sure shutdown doesn't fail if there's an initial AOFRW
shutdown-on-sigterm force
"
    )
}

/// A server started like the harness does; killed on drop.
struct Harnessed {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl Harnessed {
    fn start(kind: Kind, overrides: &str) -> Harnessed {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!(
            "replscope-harness-{}-{}-{port}",
            std::process::id(),
            kind.name()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("redis.conf");
        let text = default_conf(port, &dir.display().to_string()) + overrides;
        std::fs::write(&conf, text).unwrap();
        let stdout = std::fs::File::create(dir.join("stdout")).unwrap();
        let stderr = std::fs::File::create(dir.join("stderr")).unwrap();
        let child = Command::new(server_program(kind))
            .arg(&conf)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut h = Harnessed { child, port, dir };
        // wait_server_started: " PID: <pid>" in stdout; then the server must answer.
        let pid = h.child.id();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !h.stdout().contains(&format!(" PID: {pid}"))
            || !h.stdout().contains("Ready to accept connections")
            || std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
        {
            assert!(
                matches!(h.child.try_wait(), Ok(None)),
                "{} exited:\n{}\n{}",
                kind.name(),
                h.stdout(),
                h.stderr()
            );
            assert!(
                Instant::now() < deadline,
                "{} not ready:\n{}",
                kind.name(),
                h.stdout()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        h
    }

    fn stdout(&self) -> String {
        std::fs::read_to_string(self.dir.join("stdout")).unwrap_or_default()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default()
    }

    fn conn(&self) -> Conn {
        Conn::connect(self.port)
    }
}

impl Drop for Harnessed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn harness_config_start_config_set_and_sigterm() {
    // Overrides of the kind the replication tests pass (start_server {overrides {...}}).
    let overrides = "repl-diskless-sync yes\nrepl-diskless-load disabled\nrepl-backlog-size 1mb\n\
                     repl-ping-replica-period 1\nrepl-timeout 60\nclient-output-buffer-limit replica 256mb 64mb 60\n\
                     save ''\nappendonly no\n";
    let mut ours = Harnessed::start(Kind::Ours, overrides);
    let redis = Harnessed::start(Kind::Redis, overrides);
    let out = ours.stdout();
    for d in [
        "always-show-logo",
        "notify-keyspace-events",
        "propagation-error-behavior",
    ] {
        assert!(
            out.contains(&format!("Ignoring directive '{d}'")),
            "{d} not reported as ignored:\n{out}"
        );
    }
    let pid = ours.child.id();
    assert_eq!(
        std::fs::read_to_string(ours.dir.join("redis.pid")).unwrap(),
        format!("{pid}\n")
    );

    // CONFIG SET / GET of the replication knobs, byte for byte as the real server.
    let knobs: &[(&str, &str)] = &[
        ("repl-diskless-sync", "no"),
        ("repl-diskless-sync", "yes"),
        ("repl-diskless-sync-delay", "0"),
        ("repl-diskless-sync-max-replicas", "2"),
        ("repl-diskless-load", "swapdb"),
        ("repl-diskless-load", "disabled"),
        ("repl-diskless-load", "bogus"),
        ("repl-ping-replica-period", "1"),
        ("repl-ping-slave-period", "2"),
        ("repl-timeout", "5"),
        ("repl-timeout", "0"),
        ("repl-backlog-size", "16384"),
        ("repl-backlog-size", "1mb"),
        ("repl-backlog-ttl", "0"),
        ("repl-disable-tcp-nodelay", "yes"),
        ("min-replicas-to-write", "1"),
        ("min-slaves-max-lag", "3"),
        ("min-replicas-to-write", "0"),
        ("masterauth", "foo"),
        ("masteruser", "bar"),
        ("replica-serve-stale-data", "no"),
        ("slave-serve-stale-data", "yes"),
        ("replica-read-only", "yes"),
        ("replica-priority", "50"),
        ("replica-announce-ip", "1.2.3.4"),
        ("replica-announce-port", "1234"),
        ("replica-lazy-flush", "yes"),
        ("client-output-buffer-limit", "replica 128mb 32mb 30"),
    ];
    let mut o = ours.conn();
    let mut r = redis.conn();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    for (name, value) in knobs {
        let set = ["CONFIG", "SET", name, value];
        assert_eq!(text(o.cmd(&set)), text(r.cmd(&set)), "{set:?}");
        let get = ["CONFIG", "GET", name];
        assert_eq!(text(o.cmd(&get)), text(r.cmd(&get)), "{get:?}");
    }
    let get = ["CONFIG", "GET", "repl*"];
    assert_eq!(
        common::parse_reply(&o.cmd(&get))
            .unwrap()
            .unwrap()
            .0
            .sorted(),
        common::parse_reply(&r.cmd(&get))
            .unwrap()
            .unwrap()
            .0
            .sorted(),
        "{get:?}"
    );
    assert_eq!(text(o.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"])), "+OK\r\n");

    // SIGTERM: a clean exit, the pid file removed.
    unsafe {
        libc::kill(pid as i32, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Ok(Some(s)) = ours.child.try_wait() {
            break s;
        }
        assert!(Instant::now() < deadline, "no exit on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{}", ours.stdout());
    let out = ours.stdout();
    assert!(
        out.contains("Received SIGTERM scheduling shutdown..."),
        "{out}"
    );
    assert!(
        out.contains("Redis is now ready to exit, bye bye..."),
        "{out}"
    );
    assert!(!ours.dir.join("redis.pid").exists());
}
