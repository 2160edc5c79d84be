//! One client connection's state (Redis's `client` struct), without any socket.

use bytes::{Bytes, BytesMut};

use crate::keyspace::Sds;
use crate::resp::RequestParser;
use crate::time::Time;

/// A client handle, also the `CLIENT ID` (monotonic, never reused).
pub type ClientId = u64;

/// Where a connection comes from, as the driver knows it.
#[derive(Clone, Debug, Default)]
pub struct PeerInfo {
    /// `ip:port` of the peer (`addr=` in CLIENT LIST).
    pub addr: String,
    /// `ip:port` of our end (`laddr=`).
    pub laddr: String,
    /// The file descriptor number, for `fd=` (drivers without one pass -1).
    pub fd: i64,
}

/// Per-client flags (Redis's `CLIENT_*`).
#[derive(Clone, Debug, Default)]
pub struct ClientFlags {
    /// Inside MULTI.
    pub multi: bool,
    /// A watched key was touched: EXEC fails.
    pub dirty_cas: bool,
    /// A command was rejected while queueing: EXEC aborts.
    pub dirty_exec: bool,
    /// Close once the pending output is written (QUIT, protocol error).
    pub close_after_reply: bool,
    /// Close now, dropping output (CLIENT KILL, query buffer limit).
    pub close_asap: bool,
    /// This is the link to our master: its commands bypass read-only and expiry checks.
    pub master: bool,
    /// This connection is a replica of ours.
    pub replica: bool,
}

/// One connected client.
#[derive(Debug)]
pub struct Client {
    /// `CLIENT ID`.
    pub id: ClientId,
    /// Peer addresses.
    pub peer: PeerInfo,
    /// `CLIENT SETNAME`.
    pub name: Option<Bytes>,
    /// Selected database.
    pub db: usize,
    /// Passed AUTH (or no password is required).
    pub authenticated: bool,
    /// Connection time.
    pub created: Time,
    /// Last command time (`idle=`).
    pub last_interaction: Time,
    /// Flags.
    pub flags: ClientFlags,
    /// Commands queued by MULTI.
    pub mstate: Vec<Vec<Bytes>>,
    /// Keys this client WATCHes: (db, key).
    pub watched: Vec<(usize, Sds)>,
    /// Bytes received and not yet parsed.
    pub querybuf: BytesMut,
    /// Partial-parse state.
    pub parser: RequestParser,
    /// Reply bytes not yet handed to the driver.
    pub out: BytesMut,
    /// Full name of the last command (`cmd=` in CLIENT LIST).
    pub last_cmd: &'static str,
    /// The container of the last command when it was a subcommand (`client` for CLIENT LIST).
    pub last_cmd_parent: Option<&'static str>,
    /// Protocol version (2; HELLO 3 is refused until RESP3 exists).
    pub resp: u8,
    /// Client library name/version from `CLIENT SETINFO` (kept for CLIENT LIST).
    pub lib: Option<(Bytes, Bytes)>,
    /// Replication: what it announced with REPLCONF, its replica state, its WAIT.
    pub repl: crate::repl::master::ReplClientState,
}

impl Client {
    /// A new client.
    pub fn new(id: ClientId, peer: PeerInfo, now: Time, authenticated: bool) -> Self {
        Client {
            id,
            peer,
            name: None,
            db: 0,
            authenticated,
            created: now,
            last_interaction: now,
            flags: ClientFlags::default(),
            mstate: Vec::new(),
            watched: Vec::new(),
            querybuf: BytesMut::new(),
            parser: RequestParser::new(),
            out: BytesMut::new(),
            last_cmd: "NULL",
            last_cmd_parent: None,
            resp: 2,
            lib: None,
            repl: Default::default(),
        }
    }

    /// The full name of the last command as `CLIENT LIST` prints it (`client|list`).
    pub fn last_cmd_full(&self) -> String {
        match self.last_cmd_parent {
            Some(p) => format!("{p}|{}", self.last_cmd),
            None => self.last_cmd.to_string(),
        }
    }
}
