//! End-to-end tests of the `replscope-server` process lifecycle, compared with what a
//! real redis-server 7.0.15 does in the same situation: startup log lines, exit on
//! SIGTERM / SIGINT / `SHUTDOWN NOSAVE`, fatal config file errors, a replica config,
//! `requirepass`, `maxclients`, `logfile` and `loglevel`.
//!
//! Each test starts its own server on a port it picked (never 6379) and kills it at
//! the end (on drop). Every wait and read has a timeout.
//!
//! Facts checked against redis-server 7.0.15 (same arguments, output captured):
//! * SIGTERM / SIGINT: exit status 0, log lines `Received SIGTERM scheduling shutdown...`
//!   (resp. SIGINT), `User requested shutdown...`, `Redis is now ready to exit, bye bye...`.
//! * `SHUTDOWN NOSAVE`: no reply, the connection closes, exit status 0.
//! * A bad directive: exit status 1, on stderr (after an empty line)
//!   `*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***`, `Reading the configuration file,
//!   at line 2`, `>>> 'foo bar'`, `Bad directive or wrong number of arguments`.
//! * `--requirepass secret`: `-NOAUTH Authentication required.`, `-WRONGPASS invalid
//!   username-password pair or user is disabled.`, `+OK`.
//! * `--maxclients 2`: the third connection gets exactly
//!   `-ERR max number of clients reached\r\n` and is closed.
//! * `--loglevel warning`: `Ready to accept connections` (a notice line) is not logged;
//!   `Server initialized` (a warning line) is.

mod common;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{encode, escape, free_port, our_binary, Conn};

/// How long a server may take to start or to exit.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(5);

/// A fresh directory for one test's files.
fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "replscope-process-{}-{}-{}",
        std::process::id(),
        tag,
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Our server as a child process, with stdout and stderr captured in files of its own
/// directory; killed and reaped on drop.
struct Proc {
    child: Child,
    port: u16,
    dir: PathBuf,
    /// The file named by `--logfile`, if any.
    logfile: Option<PathBuf>,
}

/// What to start: an optional config file (first argument), the extra arguments after
/// the common ones, and whether `--logfile` points into the process's directory.
struct Spec<'a> {
    config_text: Option<&'a str>,
    extra: &'a [&'a str],
    logfile: bool,
}

impl Proc {
    /// Start our server as `spec` says and wait until it listens (it logged the
    /// warning-level `Server initialized`, which comes after the bind, and a TCP
    /// connection succeeds). Retries on another port if the chosen one got taken.
    fn start(tag: &str, spec: Spec<'_>) -> Proc {
        let mut last = String::new();
        for _attempt in 0..5 {
            let mut p = Proc::spawn(tag, &spec);
            match p.wait_listening() {
                Ok(()) => return p,
                Err(e) => last = e,
            }
        }
        panic!("replscope-server never became ready: {last}");
    }

    /// Start our server without waiting for anything.
    fn spawn(tag: &str, spec: &Spec<'_>) -> Proc {
        let port = free_port();
        let dir = temp_dir(tag);
        let mut args: Vec<String> = Vec::new();
        if let Some(text) = spec.config_text {
            let path = dir.join("redis.conf");
            std::fs::write(&path, text).unwrap();
            args.push(path.display().to_string());
        }
        let port_s = port.to_string();
        let dir_s = dir.display().to_string();
        args.extend(
            [
                "--port",
                &port_s,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                &dir_s,
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        let logfile = spec.logfile.then(|| dir.join("file.log"));
        if let Some(f) = &logfile {
            args.push("--logfile".into());
            args.push(f.display().to_string());
        }
        args.extend(spec.extra.iter().map(|s| s.to_string()));
        let stdout = std::fs::File::create(dir.join("stdout")).unwrap();
        let stderr = std::fs::File::create(dir.join("stderr")).unwrap();
        let child = Command::new(our_binary())
            .args(&args)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .expect("start replscope-server");
        Proc {
            child,
            port,
            dir,
            logfile,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }

    fn stdout(&self) -> String {
        self.read("stdout")
    }

    fn stderr(&self) -> String {
        self.read("stderr")
    }

    /// The log: the `--logfile` file if one was given, else stdout.
    fn log(&self) -> String {
        match &self.logfile {
            Some(f) => std::fs::read_to_string(f).unwrap_or_default(),
            None => self.stdout(),
        }
    }

    /// Everything the process wrote, for failure messages.
    fn dump(&self) -> String {
        format!(
            "--- stdout:\n{}--- stderr:\n{}--- logfile:\n{}",
            self.stdout(),
            self.stderr(),
            self.logfile
                .as_ref()
                .map(|f| std::fs::read_to_string(f).unwrap_or_default())
                .unwrap_or_default()
        )
    }

    fn wait_listening(&mut self) -> Result<(), String> {
        let (stdout, logfile) = (self.dir.join("stdout"), self.logfile.clone());
        let ready = || {
            let log = match &logfile {
                Some(f) => std::fs::read_to_string(f).unwrap_or_default(),
                None => std::fs::read_to_string(&stdout).unwrap_or_default(),
            };
            log.contains("Server initialized")
        };
        match common::wait_listening(&mut self.child, self.port, PROCESS_TIMEOUT, ready) {
            Ok(()) => Ok(()),
            Err(common::NotListening::Exited(status)) => Err(format!(
                "exited with {status} on port {}\n{}",
                self.port,
                self.dump()
            )),
            Err(common::NotListening::TimedOut) => Err(format!(
                "not listening on port {} after {PROCESS_TIMEOUT:?}\n{}",
                self.port,
                self.dump()
            )),
        }
    }

    /// Wait for the process to exit; `None` if it is still running after `timeout`.
    fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Wait for exit and require status 0.
    fn expect_clean_exit(&mut self, context: &str) {
        match self.wait_exit(PROCESS_TIMEOUT) {
            Some(s) => assert_eq!(
                s.code(),
                Some(0),
                "{context}: exit status {s}\n{}",
                self.dump()
            ),
            None => panic!(
                "{context}: still running after {PROCESS_TIMEOUT:?}\n{}",
                self.dump()
            ),
        }
    }

    fn connect(&self) -> Conn {
        Conn::connect(self.port)
    }

    fn signal(&self, sig: libc::c_int) {
        let pid = libc::pid_t::try_from(self.pid()).expect("pid fits pid_t");
        // SAFETY: kill(2) with the pid of our own, not yet reaped, child.
        let rc = unsafe { libc::kill(pid, sig) };
        assert_eq!(rc, 0, "kill({pid}, {sig}) failed");
    }

    /// Panics unless nothing accepts connections on the port any more.
    fn assert_port_closed(&self) {
        let r =
            TcpStream::connect_timeout(&([127, 0, 0, 1], self.port).into(), Duration::from_secs(1));
        assert!(
            r.is_err(),
            "port {} still accepts connections after exit",
            self.port
        );
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn plain<'a>(extra: &'a [&'a str]) -> Spec<'a> {
    Spec {
        config_text: None,
        extra,
        logfile: false,
    }
}

/// Panics unless `hay` contains each of `needles`, in this order.
fn assert_in_order(hay: &str, needles: &[&str], context: &str) {
    let mut from = 0;
    for n in needles {
        match hay[from..].find(n) {
            Some(i) => from += i + n.len(),
            None => panic!("{context}: {n:?} missing (or out of order) in:\n{hay}"),
        }
    }
}

/// The log line containing `text`, or a panic.
fn line_with<'a>(log: &'a str, text: &str) -> &'a str {
    log.lines()
        .find(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no log line contains {text:?} in:\n{log}"))
}

#[test]
fn startup_logs_pid_and_ready() {
    let p = Proc::start("startup", plain(&[]));
    // `Ready to accept connections` comes after `Server initialized`; wait for it.
    let deadline = Instant::now() + PROCESS_TIMEOUT;
    while !p.log().contains("Ready to accept connections") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = p.log();
    let pid = p.pid();
    let pid_line = line_with(&log, &format!(" PID: {pid}"));
    assert!(
        pid_line.ends_with(&format!(" PID: {pid}")),
        "PID line: {pid_line:?}"
    );
    // Redis's format: `<pid>:M <date> * <message>` for notice lines.
    let ready = line_with(&log, "Ready to accept connections");
    assert!(
        ready.starts_with(&format!("{pid}:M "))
            && ready.ends_with(" * Ready to accept connections"),
        "ready line: {ready:?}"
    );
    let init = line_with(&log, "Server initialized");
    assert!(
        init.starts_with(&format!("{pid}:M ")) && init.ends_with(" # Server initialized"),
        "init line: {init:?}"
    );
    assert_in_order(
        &log,
        &["Server initialized", "Ready to accept connections"],
        "startup",
    );
}

fn exits_on_signal(sig: libc::c_int, name: &str) {
    let mut p = Proc::start(name, plain(&[]));
    let mut client = p.connect();
    assert_eq!(client.cmd(&["PING"]), b"+PONG\r\n");
    p.signal(sig);
    p.expect_clean_exit(name);
    assert_in_order(
        &p.log(),
        &[
            &format!("Received {name} scheduling shutdown..."),
            "User requested shutdown...",
            "Redis is now ready to exit, bye bye...",
        ],
        name,
    );
    // Redis logs the two shutdown lines at warning level (`#`).
    let log = p.log();
    assert!(line_with(&log, "User requested shutdown...").contains(" # "));
    assert!(line_with(&log, "Redis is now ready to exit, bye bye...").contains(" # "));
    p.assert_port_closed();
    // The connected client sees the connection end.
    let (rest, closed) = client.drain(Duration::from_secs(2));
    assert!(closed, "client not closed; got {}", escape(&rest));
}

#[test]
fn sigterm_exits_zero() {
    exits_on_signal(libc::SIGTERM, "SIGTERM");
}

#[test]
fn sigint_exits_zero() {
    exits_on_signal(libc::SIGINT, "SIGINT");
}

#[test]
fn shutdown_nosave_exits_zero() {
    let mut p = Proc::start("shutdown", plain(&[]));
    let mut c = p.connect();
    c.send(&encode(&["SHUTDOWN", "NOSAVE"]));
    // Like Redis: no reply, the connection just closes.
    let (got, closed) = c.drain(Duration::from_secs(3));
    assert!(
        closed && got.is_empty(),
        "SHUTDOWN NOSAVE: got {} closed={closed}",
        escape(&got)
    );
    p.expect_clean_exit("SHUTDOWN NOSAVE");
    assert_in_order(
        &p.log(),
        &[
            "User requested shutdown...",
            "Redis is now ready to exit, bye bye...",
        ],
        "SHUTDOWN NOSAVE",
    );
    p.assert_port_closed();
}

#[test]
fn unknown_directive_is_fatal() {
    let text = "# a comment\nfoo bar\n";
    let mut p = Proc::spawn(
        "badconf",
        &Spec {
            config_text: Some(text),
            extra: &[],
            logfile: false,
        },
    );
    let status = p
        .wait_exit(PROCESS_TIMEOUT)
        .unwrap_or_else(|| panic!("still running with a bad config\n{}", p.dump()));
    assert_eq!(status.code(), Some(1), "exit status\n{}", p.dump());
    let path = p.dir.join("redis.conf").display().to_string();
    let err = p.stderr();
    // The Redis lines, then ours naming the file.
    assert_in_order(
        &err,
        &[
            "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n",
            "Reading the configuration file, at line 2\n",
            ">>> 'foo bar'\n",
            "Bad directive or wrong number of arguments\n",
            &format!("in {path}\n"),
        ],
        "fatal config error",
    );
    assert!(
        !p.stdout().contains("Ready to accept connections"),
        "{}",
        p.dump()
    );
}

#[test]
fn replica_config_starts() {
    // The master is a listener of this test's own (never answering), not whatever may run on
    // 6379.
    let master = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let mport = master.local_addr().expect("local addr").port();
    let text = format!("replicaof 127.0.0.1 {mport}\nmasterauth somepass\n");
    let p = Proc::start(
        "replica",
        Spec {
            config_text: Some(&text),
            extra: &[],
            logfile: false,
        },
    );
    let mut c = p.connect();
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    let info = c.cmd(&["INFO", "replication"]);
    let info = String::from_utf8_lossy(&info);
    assert!(
        info.contains("\r\nrole:slave\r\n"),
        "INFO replication: {info}"
    );
    assert!(info.contains("\r\nmaster_host:127.0.0.1\r\n"), "{info}");
    assert!(
        info.contains(&format!("\r\nmaster_port:{mport}\r\n")),
        "{info}"
    );
    let path = p.dir.join("redis.conf").display().to_string();
    assert!(
        p.log()
            .contains(&format!("Configuration loaded from {path}")),
        "{}",
        p.dump()
    );
    // A replica's log lines carry `S` (Redis's role letter), a master's `M`.
    let pid = p.pid();
    let log = p.log();
    let ready = line_with(&log, "Ready to accept connections");
    assert!(
        ready.starts_with(&format!("{pid}:S ")),
        "ready line: {ready:?}"
    );
    assert_eq!(c.cmd(&["REPLICAOF", "NO", "ONE"]), b"+OK\r\n");
    let deadline = Instant::now() + PROCESS_TIMEOUT;
    while !p.log().contains("MASTER MODE enabled") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = p.log();
    let master_mode = line_with(&log, "MASTER MODE enabled");
    assert!(
        master_mode.starts_with(&format!("{pid}:M ")),
        "line: {master_mode:?}"
    );
    drop(master);
}

#[test]
fn requirepass() {
    let p = Proc::start("auth", plain(&["--requirepass", "secret"]));
    let mut c = p.connect();
    assert_eq!(
        c.cmd(&["GET", "x"]),
        b"-NOAUTH Authentication required.\r\n"
    );
    assert_eq!(
        c.cmd(&["AUTH", "wrong"]),
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    assert_eq!(c.cmd(&["AUTH", "secret"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["GET", "x"]), b"$-1\r\n");
    assert_eq!(c.cmd(&["SET", "x", "1"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["GET", "x"]), b"$1\r\n1\r\n");
    // Another connection must authenticate by itself.
    let mut d = p.connect();
    assert_eq!(d.cmd(&["PING"]), b"-NOAUTH Authentication required.\r\n");
}

#[test]
fn maxclients_rejects_the_third() {
    let p = Proc::start("maxclients", plain(&["--maxclients", "2"]));
    // The readiness probe's connection may still be counted for a moment; the two
    // clients below are accepted once it is gone.
    let deadline = Instant::now() + PROCESS_TIMEOUT;
    let (mut a, mut b) = loop {
        let mut a = p.connect();
        let mut b = p.connect();
        let ra = a.cmd(&["PING"]);
        let rb = b.cmd(&["PING"]);
        if ra == b"+PONG\r\n" && rb == b"+PONG\r\n" {
            break (a, b);
        }
        assert!(
            Instant::now() < deadline,
            "two clients never both accepted: {} {}",
            escape(&ra),
            escape(&rb)
        );
        drop((a, b));
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut third = p.connect();
    let (got, closed) = third.drain(Duration::from_secs(3));
    assert_eq!(
        got,
        b"-ERR max number of clients reached\r\n",
        "third connection got {}",
        escape(&got)
    );
    assert!(closed, "third connection left open");
    // The first two still work.
    assert_eq!(a.cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(b.cmd(&["PING"]), b"+PONG\r\n");
    // Once one leaves, a newcomer is accepted.
    drop(a);
    let deadline = Instant::now() + PROCESS_TIMEOUT;
    loop {
        let mut c = p.connect();
        c.send(&encode(&["PING"]));
        let r = c.read_reply();
        if matches!(&r, Ok(x) if x == b"+PONG\r\n") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no slot freed after a client left: {r:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn logfile_receives_the_log() {
    let mut p = Proc::start(
        "logfile",
        Spec {
            config_text: None,
            extra: &[],
            logfile: true,
        },
    );
    let file = p.logfile.clone().unwrap();
    let deadline = Instant::now() + PROCESS_TIMEOUT;
    while !p.log().contains("Ready to accept connections") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = std::fs::read_to_string(&file).unwrap();
    assert!(log.contains("Ready to accept connections"), "{}", p.dump());
    assert!(log.contains(&format!(" PID: {}", p.pid())), "{}", p.dump());
    assert!(
        p.stdout().is_empty(),
        "stdout not empty with --logfile:\n{}",
        p.dump()
    );
    p.signal(libc::SIGTERM);
    p.expect_clean_exit("SIGTERM with --logfile");
    assert_in_order(
        &std::fs::read_to_string(&file).unwrap(),
        &[
            "Received SIGTERM scheduling shutdown...",
            "Redis is now ready to exit, bye bye...",
        ],
        "logfile",
    );
    assert!(p.stdout().is_empty(), "{}", p.dump());
    assert!(Path::new(&file).is_file());
}

#[test]
fn loglevel_warning_hides_notice_lines() {
    let mut p = Proc::start("loglevel", plain(&["--loglevel", "warning"]));
    let mut c = p.connect();
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    let log = p.log();
    assert!(log.contains("Server initialized"), "{}", p.dump());
    assert!(
        !log.contains("Ready to accept connections"),
        "notice line at loglevel warning:\n{}",
        p.dump()
    );
    assert!(
        !log.contains(" * "),
        "some notice line at loglevel warning:\n{}",
        p.dump()
    );
    p.signal(libc::SIGTERM);
    p.expect_clean_exit("SIGTERM at loglevel warning");
    // The shutdown lines are warnings: still logged.
    assert_in_order(
        &p.log(),
        &[
            "Received SIGTERM scheduling shutdown...",
            "User requested shutdown...",
            "Redis is now ready to exit, bye bye...",
        ],
        "loglevel warning",
    );
}
