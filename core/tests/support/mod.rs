//! Shared harness of the core's integration tests: one sans-IO [`Server`] with one client,
//! at a fixed virtual time, capturing the replication stream.
//!
//! Each test file is its own crate and uses only part of this, hence `dead_code` is allowed.
#![allow(dead_code)]

use replscope_core::client::{ClientId, PeerInfo};
use replscope_core::config::Config;
use replscope_core::server::{Output, Server};
use replscope_core::time::Time;

/// The virtual "now" every harness starts at (2023-11-14T22:13:20Z).
pub const NOW_MS: u64 = 1_700_000_000_000;

/// The RESP array of bulk strings `args` (a request, or an expected stream entry).
pub fn resp_cmd(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The RESP array of bulk strings `items`.
pub fn bulks(items: &[&str]) -> Vec<u8> {
    let v: Vec<&[u8]> = items.iter().map(|s| s.as_bytes()).collect();
    resp_cmd(&v)
}

/// A server, its one client and the current virtual time.
pub struct H {
    pub srv: Server,
    pub c: ClientId,
    pub now: Time,
}

impl H {
    /// Default config.
    pub fn new() -> Self {
        Self::with_config(Config::default())
    }
    /// Given config; seed 7; replication stream captured.
    pub fn with_config(cfg: Config) -> Self {
        let now = Time::from_millis(NOW_MS);
        let mut srv = Server::new(cfg, 7, now);
        let c = srv.handle_accept(now, PeerInfo::default());
        srv.state_mut().repl.capture = true;
        H { srv, c, now }
    }
    /// Send one command as a RESP array; the raw reply bytes.
    pub fn raw(&mut self, args: &[&[u8]]) -> Vec<u8> {
        self.srv.handle_input(self.now, self.c, &resp_cmd(args));
        let mut out = Vec::new();
        while let Some(o) = self.srv.poll_output() {
            if let Output::Transmit { bytes, .. } = o {
                out.extend_from_slice(&bytes);
            }
        }
        out
    }
    /// Run one command given as space-separated words; the raw reply bytes.
    pub fn run(&mut self, line: &str) -> Vec<u8> {
        let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        self.raw(&args)
    }
    /// [`H::run`], the reply as text.
    pub fn cmd(&mut self, line: &str) -> String {
        String::from_utf8_lossy(&self.run(line)).into_owned()
    }
    /// Run `line` and assert its reply.
    pub fn check(&mut self, line: &str, expected: &[u8]) {
        let got = self.run(line);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expected),
            "reply to `{line}`"
        );
    }
    /// The replication stream produced since the last call.
    pub fn repl(&mut self) -> Vec<u8> {
        self.srv.take_repl_stream().to_vec()
    }
    /// [`H::repl`] as text.
    pub fn repl_text(&mut self) -> String {
        String::from_utf8_lossy(&self.repl()).into_owned()
    }
    /// Drop whatever was propagated so far.
    pub fn clear_repl(&mut self) {
        self.repl();
    }
    /// Assert the stream produced since the last call.
    pub fn assert_repl(&mut self, expected: &[u8]) {
        let got = self.repl();
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expected)
        );
    }
    /// Move the virtual clock forward.
    pub fn advance_ms(&mut self, ms: u64) {
        self.now = self.now.add_millis(ms);
    }
    /// True when `key` is stored in db 0 (no expiry check).
    pub fn exists(&self, key: impl AsRef<[u8]>) -> bool {
        self.srv.state().keyspace.dbs[0].contains(key.as_ref())
    }
    /// `OBJECT ENCODING` of `key` in db 0 (panics when missing).
    pub fn encoding(&self, key: impl AsRef<[u8]>) -> &'static str {
        self.srv.state().keyspace.dbs[0]
            .get(key.as_ref())
            .expect("key exists")
            .encoding_name()
    }
}
