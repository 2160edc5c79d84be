//! How MULTI/EXEC reaches the replication stream, as recorded from redis-server 7.0.15 with
//! `redis-cli --replica`: a transaction with one write is propagated unwrapped, two or more
//! writes are wrapped in MULTI/EXEC (with any SELECT inside), reads and failed commands are
//! left out, and a transaction without writes or aborted by WATCH propagates nothing.

use replscope_core::client::{ClientId, PeerInfo};
use replscope_core::config::Config;
use replscope_core::server::{Output, Server};
use replscope_core::time::Time;

struct H {
    srv: Server,
    now: Time,
}

impl H {
    fn new() -> H {
        let now = Time::from_millis(1_700_000_000_000);
        let mut srv = Server::new(Config::default(), 3, now);
        srv.state_mut().repl.capture = true;
        srv.state_mut().repl.seldb = Some(0);
        H { srv, now }
    }
    fn client(&mut self) -> ClientId {
        self.srv.handle_accept(self.now, PeerInfo::default())
    }
    /// Runs inline commands on `c`, one per line; returns all replies.
    fn run(&mut self, c: ClientId, lines: &str) -> String {
        let mut req = String::new();
        for l in lines.lines().map(str::trim).filter(|l| !l.is_empty()) {
            req.push_str(l);
            req.push_str("\r\n");
        }
        self.srv.handle_input(self.now, c, req.as_bytes());
        let mut out = Vec::new();
        while let Some(o) = self.srv.poll_output() {
            if let Output::Transmit { bytes, .. } = o {
                out.extend_from_slice(&bytes);
            }
        }
        String::from_utf8(out).unwrap()
    }
    fn stream(&mut self) -> String {
        String::from_utf8(self.srv.take_repl_stream().to_vec()).unwrap()
    }
}

fn cmd(words: &[&str]) -> String {
    let mut s = format!("*{}\r\n", words.len());
    for w in words {
        s.push_str(&format!("${}\r\n{}\r\n", w.len(), w));
    }
    s
}

#[test]
fn one_write_is_propagated_unwrapped() {
    let mut h = H::new();
    let c = h.client();
    assert_eq!(
        h.run(c, "MULTI\nSET a 1\nEXEC"),
        "+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n"
    );
    assert_eq!(h.stream(), cmd(&["SET", "a", "1"]));
}

#[test]
fn several_writes_are_wrapped_with_select_inside_and_reads_left_out() {
    let mut h = H::new();
    let c = h.client();
    let replies = h.run(c, "MULTI\nSET b 1\nGET b\nSELECT 3\nSET c 1\nINCR c\nEXEC");
    assert_eq!(
        replies,
        "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n\
         *5\r\n+OK\r\n$1\r\n1\r\n+OK\r\n+OK\r\n:2\r\n"
    );
    let want = [
        cmd(&["MULTI"]),
        cmd(&["SET", "b", "1"]),
        cmd(&["SELECT", "3"]),
        cmd(&["SET", "c", "1"]),
        cmd(&["INCR", "c"]),
        cmd(&["EXEC"]),
    ]
    .concat();
    assert_eq!(h.stream(), want);
}

#[test]
fn failed_commands_inside_exec_are_not_propagated() {
    let mut h = H::new();
    let c = h.client();
    h.run(c, "SET a 1");
    h.stream();
    let replies = h.run(c, "MULTI\nSET a x\nINCR a\nSET z 9\nEXEC");
    assert!(
        replies.ends_with("*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n+OK\r\n")
    );
    let want = [
        cmd(&["MULTI"]),
        cmd(&["SET", "a", "x"]),
        cmd(&["SET", "z", "9"]),
        cmd(&["EXEC"]),
    ]
    .concat();
    assert_eq!(h.stream(), want);
}

#[test]
fn read_only_or_aborted_transactions_propagate_nothing() {
    let mut h = H::new();
    let c = h.client();
    let other = h.client();
    assert_eq!(
        h.run(c, "MULTI\nGET a\nEXEC"),
        "+OK\r\n+QUEUED\r\n*1\r\n$-1\r\n"
    );
    assert_eq!(h.stream(), "");

    assert_eq!(
        h.run(c, "WATCH w\nMULTI\nSET w mine"),
        "+OK\r\n+OK\r\n+QUEUED\r\n"
    );
    assert_eq!(h.run(other, "SET w theirs"), "+OK\r\n");
    assert_eq!(h.stream(), cmd(&["SET", "w", "theirs"]));
    assert_eq!(h.run(c, "EXEC"), "*-1\r\n");
    assert_eq!(h.stream(), "");

    // A queueing error aborts the whole transaction.
    let replies = h.run(c, "MULTI\nSET q 1\nNOSUCHCMD\nEXEC");
    assert!(replies.ends_with("-EXECABORT Transaction discarded because of previous errors.\r\n"));
    assert_eq!(h.stream(), "");
}
