//! The real Redis tools against our server: `redis-cli` one-shot commands and an
//! interactive-style session (output compared with the same against redis-server
//! 7.0.15), `redis-cli --pipe` mass insertion, and `redis-benchmark`.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{tool, ServerProc};

/// Run a tool with `stdin` fed in, killing it if it takes longer than `limit`.
fn run(program: &str, args: &[&str], stdin: &[u8], limit: Duration) -> Output {
    let mut child = Command::new(tool(program))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&data);
        // Dropping `input` closes the tool's stdin.
    });
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let out = child.wait_with_output();
        let _ = tx.send(());
        out
    });
    let start = Instant::now();
    if rx.recv_timeout(limit).is_err() {
        // SAFETY: kill(2) of the child we spawned (not yet reaped: the waiter is blocked
        // in wait on it).
        unsafe {
            libc::kill(pid as i32, libc::SIGKILL);
        }
        let out = waiter.join().unwrap().unwrap();
        panic!(
            "{program} {args:?} did not finish within {:?}; stdout:\n{}\nstderr:\n{}",
            start.elapsed(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = feeder.join();
    waiter.join().unwrap().expect("wait for the tool")
}

fn cli(srv: &ServerProc, args: &[&str], stdin: &[u8]) -> Output {
    let port = srv.port.to_string();
    let mut all = vec!["-h", "127.0.0.1", "-p", &port];
    all.extend_from_slice(args);
    run("redis-cli", &all, stdin, Duration::from_secs(10))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn one_shot_commands_print_like_redis() {
    let ours = ServerProc::ours(&[]);
    let redis = ServerProc::redis(&[]);
    let commands: &[&[&str]] = &[
        &["SET", "greeting", "hello world"],
        &["GET", "greeting"],
        &["GET", "missing"],
        &["RPUSH", "list", "a", "b", "c d"],
        &["LRANGE", "list", "0", "-1"],
        &["LRANGE", "missing", "0", "-1"],
        &["HSET", "hash", "field", "value", "n", "1"],
        &["HGETALL", "hash"],
        &["INCR", "counter"],
        &["INCR", "counter"],
        &["INCRBYFLOAT", "counter", "0.5"],
        &["INCR", "greeting"],
        &["LPUSH", "greeting", "x"],
        &["GET"],
        &["NOSUCHCOMMAND", "arg"],
        &["SADD", "set", "1", "2", "3"],
        &["SMEMBERS", "set"],
        &["ZADD", "zset", "1.5", "a", "2", "b"],
        &["ZRANGE", "zset", "0", "-1", "WITHSCORES"],
        &["SET", "bin", "caf\u{e9}\t\"q\""],
        &["GET", "bin"],
    ];
    let mut diffs = Vec::new();
    for cmd in commands {
        let mut args = vec!["--no-raw"];
        args.extend_from_slice(cmd);
        let o = cli(&ours, &args, b"");
        let r = cli(&redis, &args, b"");
        let got = (text(&o.stdout), text(&o.stderr), o.status.code());
        let want = (text(&r.stdout), text(&r.stderr), r.status.code());
        if got != want {
            diffs.push(format!("{cmd:?}\n    ours:  {got:?}\n    redis: {want:?}"));
        }
    }
    assert!(
        diffs.is_empty(),
        "redis-cli --no-raw output differs:\n{}",
        diffs.join("\n")
    );
}

#[test]
fn interactive_session_on_stdin_prints_like_redis() {
    let ours = ServerProc::ours(&[]);
    let redis = ServerProc::redis(&[]);
    let session = b"SET a 1\n\
        INCR a\n\
        GET a\n\
        GET nope\n\
        LRANGE nope 0 -1\n\
        RPUSH l x \"y z\" 'w'\n\
        LRANGE l 0 -1\n\
        HSET h f v\n\
        HGETALL h\n\
        FOO bar\n\
        INCR l\n\
        MULTI\n\
        INCR a\n\
        GET a\n\
        EXEC\n\
        ZADD z 1 m\n\
        ZSCORE z m\n";
    let o = cli(&ours, &["--no-raw"], session);
    let r = cli(&redis, &["--no-raw"], session);
    assert_eq!(
        (text(&o.stdout), o.status.code()),
        (text(&r.stdout), r.status.code()),
        "interactive redis-cli session: ours (left) vs redis-server (right); our stderr: {}",
        text(&o.stderr)
    );
    // The same session in the default (raw, non-tty) output mode.
    let o = cli(&ours, &[], session);
    let r = cli(&redis, &[], session);
    assert_eq!(
        text(&o.stdout),
        text(&r.stdout),
        "raw-mode redis-cli session: ours (left) vs redis-server (right)"
    );
}

#[test]
fn pipe_mode_mass_insertion() {
    let ours = ServerProc::ours(&[]);
    let mut payload = Vec::new();
    for i in 0..10_000 {
        let args = [
            b"SET".to_vec(),
            format!("key:{i}").into_bytes(),
            format!("value:{i}").into_bytes(),
        ];
        payload.extend_from_slice(&common::encode(&args));
    }
    let out = cli(&ours, &["--pipe"], &payload);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "redis-cli --pipe failed ({:?}): stdout {stdout:?} stderr {:?}",
        out.status,
        text(&out.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default();
    assert_eq!(
        last, "errors: 0, replies: 10000",
        "redis-cli --pipe summary; full stdout: {stdout:?}"
    );
    let mut c = ours.connect();
    assert_eq!(c.cmd(&["DBSIZE"]), b":10000\r\n");
    assert_eq!(c.cmd(&["GET", "key:9999"]), b"$10\r\nvalue:9999\r\n");
    assert_eq!(c.cmd(&["GET", "key:0"]), b"$7\r\nvalue:0\r\n");
}

/// Every test of the run printed its "NAME: N requests per second" line.
fn assert_benchmark_output(out: &Output, tests: &[&str], what: &str) {
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(
        out.status.success(),
        "{what} exited with {:?}; stdout {stdout:?} stderr {stderr:?}",
        out.status
    );
    assert!(
        !stderr.contains("Could not fetch server CONFIG") && !stdout.contains("Could not fetch"),
        "{what}: redis-benchmark could not read CONFIG GET save/appendonly: {stderr:?}"
    );
    // Progress updates are separated by \r, results by \n.
    let lines: Vec<&str> = stdout.split(['\r', '\n']).map(str::trim).collect();
    for t in tests {
        let prefix = format!("{t}: ");
        let found = lines.iter().any(|l| {
            l.strip_prefix(&prefix)
                .and_then(|rest| rest.split_once(" requests per second"))
                .is_some_and(|(n, _)| n.parse::<f64>().is_ok_and(|v| v > 0.0))
        });
        assert!(
            found,
            "{what}: no '{t}: N requests per second' line in {stdout:?}"
        );
    }
}

#[test]
fn redis_benchmark_completes() {
    let ours = ServerProc::ours(&[]);
    let port = ours.port.to_string();
    let base = [
        "-h",
        "127.0.0.1",
        "-p",
        &port,
        "-q",
        "-n",
        "20000",
        "-t",
        "set,get,incr,lpush",
    ];
    let tests = ["SET", "GET", "INCR", "LPUSH"];
    let out = run("redis-benchmark", &base, b"", Duration::from_secs(60));
    assert_benchmark_output(&out, &tests, "redis-benchmark");
    let mut pipelined = base.to_vec();
    pipelined.extend_from_slice(&["-P", "16"]);
    let out = run("redis-benchmark", &pipelined, b"", Duration::from_secs(60));
    assert_benchmark_output(&out, &tests, "redis-benchmark -P 16");
    // The data written by the benchmark is there: INCR ran 40,000 times on one key.
    let mut c = ours.connect();
    assert_eq!(c.cmd(&["GET", "counter:__rand_int__"]), b"$5\r\n40000\r\n");
    assert_eq!(c.cmd(&["LLEN", "mylist"]), b":40000\r\n");
}
