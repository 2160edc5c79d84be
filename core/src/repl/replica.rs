//! The replica side of Redis 7.0.15 replication as a sans-IO state machine: one
//! [`ReplicaLink`] per `REPLICAOF host port`.
//!
//! What it does (spec `shared/spec/replication.md` §1 and §9):
//!
//! * the connection states `REPL_STATE_*` ([`ReplState`]) and their transitions;
//! * the handshake with the exact bytes and pipelining of 7.0 (`PING`; then in one burst
//!   `AUTH`, `REPLCONF listening-port`, `REPLCONF ip-address`, `REPLCONF capa eof capa psync2`;
//!   then `PSYNC` once the capa reply is read), and the acceptance rules for each reply;
//! * the PSYNC reply (`+FULLRESYNC`, `+CONTINUE [<id>]`, `-NOMASTERLINK`/`-LOADING` = try later,
//!   anything else = fall back to inline `SYNC`);
//! * the RDB payload in both framings (`$<len>\r\n` with no trailing CRLF and the stream glued
//!   right after it, `$EOF:<40-byte mark>\r\n...<mark>`), newline keepalives, decoded
//!   incrementally with [`crate::rdb::decode::Decoder`]: each item is handed up as
//!   [`ReplicaEvent::RdbItem`] as soon as it is complete, so a big dump is never buffered whole
//!   (memory is bounded by the largest single item);
//! * the command stream: framed into commands with the server's own request parser
//!   ([`RequestParser`]) and handed up as [`ReplicaEvent::Command`] (to execute) and
//!   [`ReplicaEvent::Applied`] (the applied bytes, for the own backlog and sub-replicas), with
//!   `read_reploff` / `reploff` tracking (every byte counts, PINGs and GETACKs included; the
//!   applied offset freezes inside MULTI), `REPLCONF ACK <reploff>` answered right away to
//!   `REPLCONF GETACK` (excluding the GETACK itself; queued GETACKs answered at EXEC) and sent
//!   every second by the replication cron;
//! * `repl-timeout` handling and reconnection (immediate after a lost stream or a failed
//!   transfer, at the next cron tick after a failed handshake), and the cached master
//!   (`PSYNC <replid> <reploff+1>`).
//!
//! What it never does: touch a socket, a file or a clock, execute commands, own the
//! keyspace, the backlog or the replication ids of the server. Those are reported as events
//! ([`ReplicaEvent::FullResync`], [`ReplicaEvent::Continue`], [`ReplicaEvent::AttachedToNewMaster`],
//! [`ReplicaEvent::RdbLoaded`] ...) for the server to apply.
//!
//! Driving: the driver opens a TCP connection when it sees [`ReplicaEvent::Connect`] and calls
//! [`ReplicaLink::handle_connected`] (or [`ReplicaLink::handle_closed`] if the connect failed),
//! feeds received bytes to [`ReplicaLink::handle_bytes`], reports the peer closing with
//! [`ReplicaLink::handle_closed`], closes the socket on [`ReplicaEvent::Close`], writes
//! everything [`ReplicaLink::poll_transmit`] returns, and calls [`ReplicaLink::handle_timeout`]
//! when [`ReplicaLink::poll_timeout`] is reached (the 1 Hz `replicationCron`).
//!
//! Known simplifications (documented, deliberate):
//! * While waiting for a handshake state, the state is the one really awaited: without
//!   `masterauth` the link goes straight to `ReceivePortReply` (Redis passes through
//!   `RECEIVE_AUTH_REPLY` and skips it on the next readable event; nothing observes it).
//! * With the `$EOF:` framing the mark is searched in the byte stream regardless of how the
//!   bytes were split into reads (Redis only recognises it at the end of a read), and bytes
//!   after the mark are treated as the command stream. A real master sends nothing after the
//!   mark until the replica's first ACK, so both behave the same with real masters, and the
//!   result does not depend on the chunking.
//! * The 5 s synchronous read timeout of the handshake (`repl-syncio-timeout`) is not
//!   modelled; the `repl-timeout` checks of the cron cover a silent master. The newline the
//!   replica writes to its master while loading is sent once per cron second while a load is
//!   held ([`ReplicaConfig::hold_load`]).
//! * RDB items are decoded while the payload arrives. With disk-based loading (the default)
//!   Redis writes them to a temporary file, and flushes/loads only once the whole payload is
//!   there; items are therefore provisional until [`ReplicaEvent::RdbLoaded`] (a server should
//!   stage them, e.g. in a fresh keyspace swapped in at `RdbLoaded`, and drop them on
//!   [`ReplicaEvent::RdbLoadFailed`]).

use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

use crate::rdb::decode::{DecodeOptions, Decoder};
use crate::rdb::{RdbItem, RDB_VERSION};
use crate::resp::write_command;
use crate::resp::{RequestLimits, RequestParser};
use crate::time::Time;

/// Length of a replication id (`CONFIG_RUN_ID_SIZE`), also of the `$EOF:` mark.
pub const CONFIG_RUN_ID_SIZE: usize = 40;
/// Period of `replicationCron` (ms): connect retries, timeouts, periodic ACKs.
pub const REPL_CRON_PERIOD_MS: u64 = 1000;
/// Buffer size of `receiveSynchronousResponse` (handshake lines are cut at 255 bytes).
const HANDSHAKE_LINE_BUF: usize = 256;
/// Buffer size used for the bulk header line in `readSyncBulkPayload` (cut at 1023 bytes).
const BULK_LINE_BUF: usize = 1024;

/// `PING` as the replica sends it.
pub const PING: &[u8] = b"*1\r\n$4\r\nPING\r\n";
/// The inline `SYNC` sent when the master does not understand PSYNC (6 bytes).
pub const SYNC_INLINE: &[u8] = b"SYNC\r\n";

/// `server.repl_state` (`REPL_STATE_*` in server.h), in Redis's numeric order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReplState {
    /// `REPL_STATE_NONE`: not a replica (after [`ReplicaLink::stop`]).
    None,
    /// `REPL_STATE_CONNECT`: must (re)connect; the cron retries every second.
    Connect,
    /// `REPL_STATE_CONNECTING`: TCP connect in flight.
    Connecting,
    /// `REPL_STATE_RECEIVE_PING_REPLY`: PING sent.
    ReceivePingReply,
    /// `REPL_STATE_SEND_HANDSHAKE`: about to send AUTH/REPLCONFs (transient).
    SendHandshake,
    /// `REPL_STATE_RECEIVE_AUTH_REPLY`.
    ReceiveAuthReply,
    /// `REPL_STATE_RECEIVE_PORT_REPLY`.
    ReceivePortReply,
    /// `REPL_STATE_RECEIVE_IP_REPLY`.
    ReceiveIpReply,
    /// `REPL_STATE_RECEIVE_CAPA_REPLY`.
    ReceiveCapaReply,
    /// `REPL_STATE_SEND_PSYNC` (transient).
    SendPsync,
    /// `REPL_STATE_RECEIVE_PSYNC_REPLY`.
    ReceivePsyncReply,
    /// `REPL_STATE_TRANSFER`: reading the RDB payload.
    Transfer,
    /// `REPL_STATE_CONNECTED`: streaming.
    Connected,
}

impl ReplState {
    /// Redis's numeric value of the state (0..=12).
    pub fn redis_value(self) -> u8 {
        self as u8
    }

    /// `slaveIsInHandshakeState()`: states 3..=10.
    pub fn is_handshake(self) -> bool {
        (ReplState::ReceivePingReply..=ReplState::ReceivePsyncReply).contains(&self)
    }

    /// The state as `ROLE` prints it (`connect`, `connecting`, `handshake`, `sync`,
    /// `connected`); `none` for [`ReplState::None`].
    pub fn role_str(self) -> &'static str {
        match self {
            ReplState::None => "none",
            ReplState::Connect => "connect",
            ReplState::Connecting => "connecting",
            ReplState::Transfer => "sync",
            ReplState::Connected => "connected",
            _ => "handshake",
        }
    }
}

/// `repl-diskless-load`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DisklessLoad {
    /// `disabled` (default): payload to a temp file, then flush and load.
    #[default]
    Disabled,
    /// `on-empty-db`: parse from the socket when the dataset is empty.
    OnEmptyDb,
    /// `swapdb`: parse into a temporary db, swap on success.
    Swapdb,
}

/// The replica-side configuration the link needs.
#[derive(Clone, Debug)]
pub struct ReplicaConfig {
    /// `masterauth`: when set, `AUTH [masteruser] <masterauth>` is sent.
    pub masterauth: Option<Bytes>,
    /// `masteruser` (only used with `masterauth`).
    pub masteruser: Option<Bytes>,
    /// `replica-announce-ip`: when set, `REPLCONF ip-address <ip>` is sent.
    pub announce_ip: Option<Bytes>,
    /// The port announced with `REPLCONF listening-port`: `replica-announce-port` if non-zero,
    /// else the TLS port with `tls-replication`, else `port` (resolved by the server).
    pub listening_port: i64,
    /// `repl-timeout`, seconds (default 60).
    pub repl_timeout: i64,
    /// `repl-diskless-load`.
    pub repl_diskless_load: DisklessLoad,
    /// `rdbchecksum`: verify a non-zero CRC64 of the payload.
    pub rdb_checksum: bool,
    /// Loading the received payload takes time (the server simulates it): once the payload
    /// is complete the link reports [`ReplicaEvent::RdbLoaded`] but stays in `Transfer`
    /// (as Redis, blocked in `rdbLoad`) until [`ReplicaLink::finish_load`]; stream bytes
    /// received meanwhile wait in the input buffer. Default false: the load is instant.
    pub hold_load: bool,
}

impl Default for ReplicaConfig {
    fn default() -> Self {
        ReplicaConfig {
            masterauth: None,
            masteruser: None,
            announce_ip: None,
            listening_port: 6379,
            repl_timeout: 60,
            repl_diskless_load: DisklessLoad::Disabled,
            rdb_checksum: true,
            hold_load: false,
        }
    }
}

/// `server.cached_master`: the history a partial resync asks to continue
/// (`PSYNC <replid> <reploff+1>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedMaster {
    /// The master's replication id (40 bytes from a well-behaved master).
    pub replid: Bytes,
    /// Offset of the last applied byte.
    pub reploff: i64,
}

/// The handshake step a reply belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandshakeStep {
    /// Reply to `PING`.
    Ping,
    /// Reply to `AUTH`.
    Auth,
    /// Reply to `REPLCONF listening-port`.
    ListeningPort,
    /// Reply to `REPLCONF ip-address`.
    IpAddress,
    /// Reply to `REPLCONF capa ...`.
    Capa,
    /// Reply to `PSYNC`.
    Psync,
    /// First line of the payload (`-...` = master aborted).
    Transfer,
}

/// How the RDB payload is framed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RdbFraming {
    /// `$<len>\r\n` then exactly `len` bytes (disk-based master).
    Length(u64),
    /// `$EOF:<mark>\r\n`, the RDB, then the same 40-byte mark (diskless master).
    EofMark(Bytes),
}

/// Log severity, as Redis would log the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    /// `LL_NOTICE`.
    Notice,
    /// `LL_WARNING`.
    Warning,
}

/// What the link reports to the server.
#[derive(Clone, Debug, PartialEq)]
pub enum ReplicaEvent {
    /// `repl_state` changed.
    StateChanged {
        /// Previous state.
        from: ReplState,
        /// New state.
        to: ReplState,
    },
    /// Open a TCP connection to the master, then call `handle_connected` (or `handle_closed`).
    Connect {
        /// Master host.
        host: String,
        /// Master port.
        port: u16,
    },
    /// Close the connection to the master (the link already considers it gone).
    Close,
    /// A line Redis would write to its log (without timestamp).
    Log(LogLevel, String),
    /// An error (`-...`) reply received during the handshake or as the payload header, with
    /// the step it answered. Whether it is fatal is shown by the following events.
    ErrorReply {
        /// Which command it answered.
        step: HandshakeStep,
        /// The line, without CRLF.
        reply: Bytes,
    },
    /// `+FULLRESYNC <replid> <offset>`: `replid` is `None` when the syntax was wrong (Redis
    /// then blanks its master replid and the offset stays unknown, -1). The payload follows;
    /// the cached master survives until [`ReplicaEvent::AttachedToNewMaster`].
    FullResync {
        /// The new master replid.
        replid: Option<Bytes>,
        /// `master_initial_offset` (-1 when unknown).
        offset: i64,
    },
    /// `+CONTINUE [<replid>]`: partial resync accepted, the link is `Connected` with the
    /// cached master resurrected. When `previous_replid` is set the master's id changed: the
    /// server sets `replid2 := previous`, `second_repl_offset := master_repl_offset + 1`,
    /// `replid := replid` and disconnects its own sub-replicas. It creates its backlog if
    /// absent.
    Continue {
        /// The master's replid from now on.
        replid: Bytes,
        /// The old id, when it changed.
        previous_replid: Option<Bytes>,
        /// The applied offset the stream continues from.
        offset: i64,
    },
    /// The master does not support PSYNC: inline `SYNC` was sent, a bare payload follows.
    SyncFallback,
    /// The reply to a `PSYNC ... FAILOVER` ([`ReplicaLink::set_psync_failover`]) arrived:
    /// `accepted` for `+FULLRESYNC`/`+CONTINUE` (the failover is over; the usual events
    /// follow), else the server aborts the failover and the connection is closed.
    FailoverPsyncReply {
        /// `+FULLRESYNC` or `+CONTINUE`.
        accepted: bool,
    },
    /// The payload header was read.
    RdbTransferStarted {
        /// Its framing.
        framing: RdbFraming,
        /// Whether it is parsed as a diskless load (`repl-diskless-load` in effect).
        diskless_load: bool,
    },
    /// Payload bytes received so far (`master_sync_read_bytes`) and the total when known
    /// (`master_sync_total_bytes`). Emitted once per `handle_bytes` that advanced the payload.
    RdbProgress {
        /// Bytes read (including an EOF mark).
        received: u64,
        /// `$<len>` framing only.
        total: Option<u64>,
    },
    /// One decoded item of the payload, in file order (provisional until `RdbLoaded`).
    RdbItem(RdbItem),
    /// `replicationAttachToNewMaster`: the cached master is gone; the server disconnects its
    /// sub-replicas, frees its backlog and (unless swapdb) empties its dataset before loading.
    AttachedToNewMaster,
    /// The payload loaded: the master client exists (state `Connected`). The server sets
    /// `replid := replid`, `master_repl_offset := offset`, clears replid2, creates its backlog if
    /// absent, and selects `repl_stream_db` for the master client when present.
    RdbLoaded {
        /// The master's replid (empty after a malformed `+FULLRESYNC` or a `SYNC` fallback).
        replid: Bytes,
        /// The stream offset (`-1` for a pre-PSYNC master).
        offset: i64,
        /// AUX `repl-stream-db`.
        repl_stream_db: Option<i64>,
        /// Keys decoded.
        keys: u64,
    },
    /// The payload could not be loaded; the link goes back to `Connect`.
    RdbLoadFailed {
        /// Why.
        reason: String,
    },
    /// The master client was freed while `Connected`: `cached` is the state kept for the
    /// next PSYNC (`None` when it was discarded after a protocol desync). The server discards
    /// a half-received MULTI of the master client.
    MasterLinkLost {
        /// The cached master, if kept.
        cached: Option<CachedMaster>,
    },
    /// A command of the stream, to execute as the master client (replies suppressed). Note
    /// that `REPLCONF GETACK` is already answered by the link.
    Command(Vec<Bytes>),
    /// The applied offset moved: `len` bytes (the exact stream bytes, a whole MULTI…EXEC
    /// block at once), taken with [`ReplicaLink::take_applied`], go to the own backlog and
    /// sub-replicas; `reploff` is the new applied offset.
    Applied {
        /// How many applied bytes.
        len: usize,
        /// `master.reploff` after them.
        reploff: i64,
    },
}

/// The master client (`server.master`) while `Connected`.
#[derive(Debug)]
struct MasterClient {
    replid: Bytes,
    reploff: i64,
    read_reploff: i64,
    pre_psync: bool,
    lastinteraction: Time,
    qbuf: BytesMut,
    parser: RequestParser,
    applied: BytesMut,
    in_multi: bool,
    queued_getacks: u32,
}

impl MasterClient {
    fn new(replid: Bytes, reploff: i64, now: Time) -> Self {
        MasterClient {
            replid,
            reploff,
            read_reploff: reploff,
            pre_psync: reploff == -1,
            lastinteraction: now,
            qbuf: BytesMut::new(),
            parser: RequestParser::new(),
            applied: BytesMut::new(),
            in_multi: false,
            queued_getacks: 0,
        }
    }
}

/// A complete payload being loaded by the server ([`ReplicaConfig::hold_load`]).
#[derive(Debug)]
struct HeldLoad {
    /// Send `REPLCONF ACK` once loaded (EOF-mark framing).
    usemark: bool,
    /// `(master_sync_total_bytes, master_sync_read_bytes)` at the end of the transfer.
    progress: (i64, u64),
    /// The master closed the connection meanwhile (noticed once loaded).
    closed: bool,
}

/// A full-sync payload being received.
#[derive(Debug)]
struct Transfer {
    framing: Option<RdbFraming>,
    read: u64,
    decoder: Decoder,
    tail: Vec<u8>,
    rdb_error: Option<String>,
    repl_stream_db: Option<i64>,
    diskless: bool,
}

/// The replica side of one master link. See the module docs.
#[derive(Debug)]
pub struct ReplicaLink {
    host: String,
    port: u16,
    cfg: ReplicaConfig,
    state: ReplState,
    cached: Option<CachedMaster>,
    master: Option<MasterClient>,
    master_replid: Bytes,
    master_initial_offset: i64,
    transfer: Option<Transfer>,
    inbuf: BytesMut,
    repl_transfer_lastio: Time,
    repl_down_since: Option<Time>,
    next_cron: Time,
    psync_failover: bool,
    dataset_empty: bool,
    loading: Option<HeldLoad>,
    transmit: VecDeque<Bytes>,
    events: VecDeque<ReplicaEvent>,
    /// The bytes of the queued [`ReplicaEvent::Applied`] events, in order (one buffer kept
    /// for all of them: no allocation per replicated command).
    applied_out: BytesMut,
}

impl ReplicaLink {
    /// `REPLICAOF host port` at `now`: state `Connect`, and (as 7.0 does) an immediate
    /// connection attempt ([`ReplicaEvent::Connect`], state `Connecting`). `cached` is the
    /// history to PSYNC with (the server's own replid/offset when a master becomes a replica,
    /// or the previous master's when switching masters).
    pub fn new(
        host: impl Into<String>,
        port: u16,
        cfg: ReplicaConfig,
        cached: Option<CachedMaster>,
        now: Time,
    ) -> Self {
        let mut link = ReplicaLink {
            host: host.into(),
            port,
            cfg,
            state: ReplState::None,
            cached,
            master: None,
            master_replid: Bytes::new(),
            master_initial_offset: -1,
            transfer: None,
            inbuf: BytesMut::new(),
            repl_transfer_lastio: now,
            repl_down_since: Some(now),
            next_cron: now.add_millis(REPL_CRON_PERIOD_MS),
            psync_failover: false,
            dataset_empty: true,
            loading: None,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            applied_out: BytesMut::new(),
        };
        link.set_state(ReplState::Connect);
        link.log(
            LogLevel::Notice,
            format!("Connecting to MASTER {}:{}", link.host, link.port),
        );
        link.connect_with_master(now);
        link
    }

    // ---------------------------------------------------------------- accessors

    /// Current `repl_state`.
    pub fn state(&self) -> ReplState {
        self.state
    }
    /// The state as `ROLE` prints it (see [`ReplState::role_str`]).
    pub fn role_state(&self) -> &'static str {
        self.state.role_str()
    }
    /// The master host.
    pub fn master_host(&self) -> &str {
        &self.host
    }
    /// The master port.
    pub fn master_port(&self) -> u16 {
        self.port
    }
    /// The configuration.
    pub fn config(&self) -> &ReplicaConfig {
        &self.cfg
    }
    /// Replace the configuration (takes effect at the next use of each field).
    pub fn set_config(&mut self, cfg: ReplicaConfig) {
        self.cfg = cfg;
    }
    /// The cached master (what the next PSYNC asks for).
    pub fn cached_master(&self) -> Option<&CachedMaster> {
        self.cached.as_ref()
    }
    /// Replace the cached master (`replicationCacheMasterUsingMyself`, REPLICAOF NO ONE ...).
    pub fn set_cached_master(&mut self, cached: Option<CachedMaster>) {
        self.cached = cached;
    }
    /// Send `PSYNC ... FAILOVER` (coordinated failover in progress on the old master).
    pub fn set_psync_failover(&mut self, on: bool) {
        self.psync_failover = on;
    }
    /// Whether the dataset is empty (for `repl-diskless-load on-empty-db`); default true.
    pub fn set_dataset_empty(&mut self, empty: bool) {
        self.dataset_empty = empty;
    }
    /// `master.reploff` (INFO `slave_repl_offset`) while connected.
    pub fn master_reploff(&self) -> Option<i64> {
        self.master.as_ref().map(|m| m.reploff)
    }
    /// `master.read_reploff` (INFO `slave_read_repl_offset`) while connected.
    pub fn master_read_reploff(&self) -> Option<i64> {
        self.master.as_ref().map(|m| m.read_reploff)
    }
    /// The connected master's replid.
    pub fn master_replid(&self) -> Option<&Bytes> {
        self.master.as_ref().map(|m| &m.replid)
    }
    /// Time of the last byte from the connected master (`master_last_io_seconds_ago`).
    pub fn master_last_interaction(&self) -> Option<Time> {
        self.master.as_ref().map(|m| m.lastinteraction)
    }
    /// `repl_transfer_lastio`.
    pub fn transfer_last_io(&self) -> Time {
        self.repl_transfer_lastio
    }
    /// `(master_sync_total_bytes, master_sync_read_bytes)` during `Transfer`: total is -1
    /// while unknown (EOF-mark framing or header not read yet).
    pub fn transfer_progress(&self) -> Option<(i64, u64)> {
        if let Some(l) = &self.loading {
            return Some(l.progress);
        }
        self.transfer.as_ref().map(|t| {
            let total = match t.framing {
                Some(RdbFraming::Length(n)) => i64::try_from(n).unwrap_or(i64::MAX),
                Some(RdbFraming::EofMark(_)) => 0,
                None => -1,
            };
            (total, t.read)
        })
    }
    /// `repl_down_since` (`None` while the link is up).
    pub fn down_since(&self) -> Option<Time> {
        self.repl_down_since
    }

    // ---------------------------------------------------------------- outputs

    /// Bytes to write to the master, in order.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmit.pop_front()
    }
    /// The bytes of the oldest [`ReplicaEvent::Applied`] not taken yet (`len` is the event's),
    /// given to `f`, then forgotten. Take them when handling the event, in order.
    pub fn take_applied(&mut self, len: usize, f: impl FnOnce(&[u8])) {
        let len = len.min(self.applied_out.len());
        f(&self.applied_out[..len]);
        if len == self.applied_out.len() {
            self.applied_out.clear();
            if self.applied_out.capacity() > APPLIED_KEEP_CAPACITY {
                self.applied_out = BytesMut::new();
            }
        } else {
            self.applied_out.advance(len);
        }
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ReplicaEvent> {
        self.events.pop_front()
    }
    /// When [`ReplicaLink::handle_timeout`] must be called next (the next cron tick).
    pub fn poll_timeout(&self) -> Option<Time> {
        if self.state == ReplState::None {
            None
        } else {
            Some(self.next_cron)
        }
    }

    // ---------------------------------------------------------------- inputs

    /// `REPLICAOF NO ONE` (or a switch to another master): close any connection, state
    /// `None`. The cached master is kept for the caller to inspect or drop.
    pub fn stop(&mut self) {
        if self.state == ReplState::None {
            return;
        }
        if self.state != ReplState::Connect {
            self.events.push_back(ReplicaEvent::Close);
        }
        if let Some(m) = self.master.take() {
            self.cached = Some(CachedMaster {
                replid: m.replid,
                reploff: m.reploff,
            });
        }
        self.transfer = None;
        self.loading = None;
        self.inbuf.clear();
        self.transmit.clear();
        self.set_state(ReplState::None);
    }

    /// The TCP connection requested by [`ReplicaEvent::Connect`] is established: send PING.
    pub fn handle_connected(&mut self, _now: Time) {
        if self.state != ReplState::Connecting {
            return;
        }
        self.log(
            LogLevel::Notice,
            "Non blocking connect for SYNC fired the event.".into(),
        );
        self.set_state(ReplState::ReceivePingReply);
        self.transmit.push_back(Bytes::from_static(PING));
    }

    /// Bytes received from the master.
    pub fn handle_bytes(&mut self, now: Time, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        match self.state {
            ReplState::None | ReplState::Connect | ReplState::Connecting => return,
            _ => {}
        }
        self.inbuf.extend_from_slice(data);
        if let Some(m) = self.master.as_mut() {
            m.lastinteraction = now;
        }
        self.process_input(now);
    }

    /// The connection failed or was closed by the peer.
    pub fn handle_closed(&mut self, now: Time) {
        if let Some(l) = self.loading.as_mut() {
            // Blocked in the load: the closed socket is noticed afterwards.
            l.closed = true;
            return;
        }
        match self.state {
            ReplState::None | ReplState::Connect => {}
            ReplState::Connecting => {
                self.log(
                    LogLevel::Warning,
                    "Error condition on socket for SYNC: Connection refused".into(),
                );
                self.error_close(now, false);
            }
            s if s.is_handshake() => {
                self.log(
                    LogLevel::Warning,
                    "Master did not respond to command during SYNC handshake".into(),
                );
                self.error_close(now, false);
            }
            ReplState::Transfer => {
                let msg = if self.transfer.as_ref().is_some_and(|t| t.framing.is_none()) {
                    "I/O error reading bulk count from MASTER: connection lost"
                } else {
                    "I/O error trying to sync with MASTER: connection lost"
                };
                self.log(LogLevel::Warning, msg.into());
                self.error_close(now, true);
            }
            _ => self.drop_master(now, true),
        }
    }

    /// The replication cron (`replicationCron`, 1 Hz): timeouts, connect retries, periodic
    /// `REPLCONF ACK`. Call when [`ReplicaLink::poll_timeout`] is reached; extra calls are
    /// harmless.
    pub fn handle_timeout(&mut self, now: Time) {
        if self.state == ReplState::None || now < self.next_cron {
            return;
        }
        self.next_cron = self.next_cron.add_millis(REPL_CRON_PERIOD_MS);
        if self.next_cron <= now {
            self.next_cron = now.add_millis(REPL_CRON_PERIOD_MS);
        }
        if self.loading.is_some() {
            // No cron while loading; `replicationSendNewlineToMaster`: a `\n` to the master
            // at most once per second, so it does not time us out.
            self.transmit.push_back(Bytes::from_static(b"\n"));
            return;
        }
        let timeout = self.cfg.repl_timeout;
        let idle = now.as_secs() - self.repl_transfer_lastio.as_secs();
        if (self.state == ReplState::Connecting || self.state.is_handshake()) && idle > timeout {
            self.log(
                LogLevel::Warning,
                "Timeout connecting to the MASTER...".into(),
            );
            self.error_close(now, true);
        }
        if self.state == ReplState::Transfer && idle > timeout {
            self.log(LogLevel::Warning, "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.".into());
            self.error_close(now, true);
        }
        if self.state == ReplState::Connected {
            let last = self.master.as_ref().map_or(now, |m| m.lastinteraction);
            if now.as_secs() - last.as_secs() > timeout {
                self.log(
                    LogLevel::Warning,
                    "MASTER timeout: no data nor PING received...".into(),
                );
                self.drop_master(now, true);
            }
        }
        if self.state == ReplState::Connect {
            self.log(
                LogLevel::Notice,
                format!("Connecting to MASTER {}:{}", self.host, self.port),
            );
            self.connect_with_master(now);
        }
        if self.master.as_ref().is_some_and(|m| !m.pre_psync) {
            self.send_ack();
        }
    }

    // ---------------------------------------------------------------- internals

    fn set_state(&mut self, to: ReplState) {
        let from = self.state;
        if from != to {
            self.state = to;
            self.events
                .push_back(ReplicaEvent::StateChanged { from, to });
        }
    }

    fn log(&mut self, level: LogLevel, msg: String) {
        self.events.push_back(ReplicaEvent::Log(level, msg));
    }

    /// `connectWithMaster`.
    fn connect_with_master(&mut self, now: Time) {
        self.events.push_back(ReplicaEvent::Connect {
            host: self.host.clone(),
            port: self.port,
        });
        self.repl_transfer_lastio = now;
        self.set_state(ReplState::Connecting);
        self.log(LogLevel::Notice, "MASTER <-> REPLICA sync started".into());
    }

    /// Close the connection during connect/handshake/transfer: state `Connect`; with
    /// `reconnect` (`cancelReplicationHandshake(1)`) connect again right away, otherwise wait
    /// for the cron. Always emits [`ReplicaEvent::Close`] (harmless if the peer closed).
    fn error_close(&mut self, now: Time, reconnect: bool) {
        self.events.push_back(ReplicaEvent::Close);
        self.inbuf.clear();
        self.transmit.clear();
        self.transfer = None;
        self.loading = None;
        self.set_state(ReplState::Connect);
        if reconnect {
            self.log(
                LogLevel::Notice,
                format!(
                    "Reconnecting to MASTER {}:{} after failure",
                    self.host, self.port
                ),
            );
            self.connect_with_master(now);
        }
    }

    /// Free the master client while `Connected`: cache it (`replicationCacheMaster`) unless
    /// `cache` is false (protocol desync), then reconnect immediately
    /// (`replicationHandleMasterDisconnection`).
    fn drop_master(&mut self, now: Time, cache: bool) {
        let Some(m) = self.master.take() else {
            return;
        };
        self.log(LogLevel::Warning, "Connection with master lost.".into());
        if cache {
            self.log(
                LogLevel::Notice,
                "Caching the disconnected master state.".into(),
            );
            self.cached = Some(CachedMaster {
                replid: m.replid,
                reploff: m.reploff,
            });
        } else {
            self.cached = None;
        }
        self.events.push_back(ReplicaEvent::Close);
        self.events.push_back(ReplicaEvent::MasterLinkLost {
            cached: self.cached.clone(),
        });
        self.inbuf.clear();
        self.transmit.clear();
        self.set_state(ReplState::Connect);
        self.repl_down_since = Some(now);
        self.log(
            LogLevel::Notice,
            format!("Reconnecting to MASTER {}:{}", self.host, self.port),
        );
        self.connect_with_master(now);
    }

    fn process_input(&mut self, now: Time) {
        loop {
            let progressed = match self.state {
                s if s.is_handshake() => self.handshake_line(now),
                ReplState::Transfer => self.transfer_input(now),
                ReplState::Connected => {
                    self.stream_input(now);
                    false
                }
                _ => {
                    self.inbuf.clear();
                    false
                }
            };
            if !progressed {
                break;
            }
        }
    }

    /// `connSyncReadLine`: one line without its `\n` (and `\r`), cut at `buf_size - 1` bytes,
    /// cut at a NUL byte as the C string would be.
    fn take_line(&mut self, buf_size: usize) -> Option<Bytes> {
        let max = buf_size - 1;
        let window = self.inbuf.len().min(max);
        let line = match self.inbuf[..window].iter().position(|&b| b == b'\n') {
            Some(i) => {
                let mut l = self.inbuf.split_to(i + 1);
                l.truncate(i);
                if l.last() == Some(&b'\r') {
                    l.truncate(i - 1);
                }
                l
            }
            None if self.inbuf.len() >= max => self.inbuf.split_to(max),
            None => return None,
        };
        let mut line = line.freeze();
        if let Some(nul) = line.iter().position(|&b| b == 0) {
            line.truncate(nul);
        }
        Some(line)
    }

    /// One handshake reply line; false when no complete line is buffered.
    fn handshake_line(&mut self, now: Time) -> bool {
        let Some(line) = self.take_line(HANDSHAKE_LINE_BUF) else {
            return false;
        };
        self.repl_transfer_lastio = now;
        let text = String::from_utf8_lossy(&line).into_owned();
        let is_err = line.first() == Some(&b'-');
        match self.state {
            ReplState::ReceivePingReply => {
                if is_err {
                    self.error_reply(HandshakeStep::Ping, &line);
                }
                let ok = line.first() == Some(&b'+')
                    || line.starts_with(b"-NOAUTH")
                    || line.starts_with(b"-NOPERM")
                    || line.starts_with(b"-ERR operation not permitted");
                if !ok {
                    self.log(
                        LogLevel::Warning,
                        format!("Error reply to PING from master: '{text}'"),
                    );
                    self.error_close(now, false);
                    return true;
                }
                self.log(
                    LogLevel::Notice,
                    "Master replied to PING, replication can continue...".into(),
                );
                self.set_state(ReplState::SendHandshake);
                self.send_handshake();
            }
            ReplState::ReceiveAuthReply => {
                if is_err {
                    self.error_reply(HandshakeStep::Auth, &line);
                    self.log(
                        LogLevel::Warning,
                        format!("Unable to AUTH to MASTER: {text}"),
                    );
                    self.error_close(now, false);
                    return true;
                }
                self.set_state(ReplState::ReceivePortReply);
            }
            ReplState::ReceivePortReply => {
                if is_err {
                    self.error_reply(HandshakeStep::ListeningPort, &line);
                    self.log(
                        LogLevel::Notice,
                        format!(
                            "(Non critical) Master does not understand REPLCONF listening-port: {text}"
                        ),
                    );
                }
                if self.cfg.announce_ip.is_some() {
                    self.set_state(ReplState::ReceiveIpReply);
                } else {
                    self.set_state(ReplState::ReceiveCapaReply);
                }
            }
            ReplState::ReceiveIpReply => {
                if is_err {
                    self.error_reply(HandshakeStep::IpAddress, &line);
                    self.log(
                        LogLevel::Notice,
                        format!(
                            "(Non critical) Master does not understand REPLCONF ip-address: {text}"
                        ),
                    );
                }
                self.set_state(ReplState::ReceiveCapaReply);
            }
            ReplState::ReceiveCapaReply => {
                if is_err {
                    self.error_reply(HandshakeStep::Capa, &line);
                    self.log(
                        LogLevel::Notice,
                        format!("(Non critical) Master does not understand REPLCONF capa: {text}"),
                    );
                }
                self.set_state(ReplState::SendPsync);
                self.send_psync();
                self.set_state(ReplState::ReceivePsyncReply);
            }
            ReplState::ReceivePsyncReply => self.psync_reply(now, line),
            _ => {}
        }
        true
    }

    fn error_reply(&mut self, step: HandshakeStep, line: &Bytes) {
        self.events.push_back(ReplicaEvent::ErrorReply {
            step,
            reply: line.clone(),
        });
    }

    /// AUTH, REPLCONF listening-port, REPLCONF ip-address, REPLCONF capa: one burst.
    fn send_handshake(&mut self) {
        let mut out = BytesMut::new();
        if let Some(pass) = &self.cfg.masterauth {
            match &self.cfg.masteruser {
                Some(user) => write_command(&mut out, &[&b"AUTH"[..], user, pass]),
                None => write_command(&mut out, &[&b"AUTH"[..], pass]),
            }
        }
        let port = self.cfg.listening_port.to_string();
        write_command(
            &mut out,
            &[&b"REPLCONF"[..], b"listening-port", port.as_bytes()],
        );
        if let Some(ip) = &self.cfg.announce_ip {
            write_command(&mut out, &[&b"REPLCONF"[..], b"ip-address", ip]);
        }
        write_command(
            &mut out,
            &[&b"REPLCONF"[..], b"capa", b"eof", b"capa", b"psync2"],
        );
        self.transmit.push_back(out.freeze());
        if self.cfg.masterauth.is_some() {
            self.set_state(ReplState::ReceiveAuthReply);
        } else {
            self.set_state(ReplState::ReceivePortReply);
        }
    }

    /// `slaveTryPartialResynchronization(conn, 0)`.
    fn send_psync(&mut self) {
        self.master_initial_offset = -1;
        let (id, off) = match self.cached.clone() {
            Some(c) => {
                let off = c.reploff.saturating_add(1).to_string();
                self.log(
                    LogLevel::Notice,
                    format!(
                        "Trying a partial resynchronization (request {}:{}).",
                        String::from_utf8_lossy(&c.replid),
                        off
                    ),
                );
                (c.replid, off)
            }
            None => {
                self.log(
                    LogLevel::Notice,
                    "Partial resynchronization not possible (no cached master)".into(),
                );
                (Bytes::from_static(b"?"), "-1".to_string())
            }
        };
        let mut out = BytesMut::new();
        if self.psync_failover {
            write_command(&mut out, &[&b"PSYNC"[..], &id, off.as_bytes(), b"FAILOVER"]);
        } else {
            write_command(&mut out, &[&b"PSYNC"[..], &id, off.as_bytes()]);
        }
        self.transmit.push_back(out.freeze());
    }

    /// `slaveTryPartialResynchronization(conn, 1)` and what `syncWithMaster` does with it.
    fn psync_reply(&mut self, now: Time, line: Bytes) {
        if line.is_empty() {
            // Newline keepalive before the reply.
            return;
        }
        if !std::mem::take(&mut self.psync_failover) {
            self.psync_reply_result(now, line);
            return;
        }
        // A coordinated failover (syncWithMaster after slaveTryPartialResynchronization):
        // the reply is handled and logged as usual, then `+FULLRESYNC`/`+CONTINUE` end the
        // failover and anything else aborts it (no SYNC fallback, no retry).
        if line.starts_with(b"+FULLRESYNC") || line.starts_with(b"+CONTINUE") {
            self.psync_reply_result(now, line);
            self.events
                .push_back(ReplicaEvent::FailoverPsyncReply { accepted: true });
            return;
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        if line.first() == Some(&b'-') {
            self.error_reply(HandshakeStep::Psync, &line);
        }
        let (level, msg) = if line.starts_with(b"-NOMASTERLINK") || line.starts_with(b"-LOADING") {
            (
                LogLevel::Notice,
                format!("Master is currently unable to PSYNC but should be in the future: {text}"),
            )
        } else if line.starts_with(b"-ERR") {
            (
                LogLevel::Notice,
                format!("Master does not support PSYNC or is in error state (reply: {text})"),
            )
        } else {
            (
                LogLevel::Warning,
                format!("Unexpected reply to PSYNC from master: {text}"),
            )
        };
        self.log(level, msg);
        self.events
            .push_back(ReplicaEvent::FailoverPsyncReply { accepted: false });
        self.error_close(now, false);
    }

    /// The PSYNC reply outside a failover (`slaveTryPartialResynchronization`'s reading half
    /// and what `syncWithMaster` does with its result).
    fn psync_reply_result(&mut self, now: Time, line: Bytes) {
        let text = String::from_utf8_lossy(&line).into_owned();
        if line.starts_with(b"+FULLRESYNC") {
            let mut replid = None;
            if let Some(sp) = line.iter().position(|&b| b == b' ') {
                let id_start = sp + 1;
                if let Some(sp2) = line[id_start..].iter().position(|&b| b == b' ') {
                    if sp2 == CONFIG_RUN_ID_SIZE {
                        let off_start = id_start + sp2 + 1;
                        replid = Some(line.slice(id_start..id_start + sp2));
                        self.master_initial_offset = crate::strtod::strtoll(&line[off_start..]);
                    }
                }
            }
            match &replid {
                Some(id) => {
                    self.master_replid = id.clone();
                    self.log(
                        LogLevel::Notice,
                        format!(
                            "Full resync from master: {}:{}",
                            String::from_utf8_lossy(id),
                            self.master_initial_offset
                        ),
                    );
                }
                None => {
                    self.master_replid = Bytes::new();
                    self.log(
                        LogLevel::Warning,
                        "Master replied with wrong +FULLRESYNC syntax.".into(),
                    );
                }
            }
            // 7.0.15 keeps the cached master until the payload is attached
            // (`replicationAttachToNewMaster`): a transfer that fails before that point
            // still PSYNCs with it next time [live].
            self.events.push_back(ReplicaEvent::FullResync {
                replid,
                offset: self.master_initial_offset,
            });
            self.start_transfer(now);
            return;
        }
        if line.starts_with(b"+CONTINUE") {
            let Some(cached) = self.cached.take() else {
                self.log(
                    LogLevel::Warning,
                    format!("Unexpected reply to PSYNC from master: {text}"),
                );
                self.error_close(now, false);
                return;
            };
            self.log(
                LogLevel::Notice,
                "Successful partial resynchronization with master.".into(),
            );
            let mut replid = cached.replid.clone();
            let mut previous = None;
            if line.len() == 10 + CONFIG_RUN_ID_SIZE {
                let new = line.slice(10..);
                if new != cached.replid {
                    self.log(
                        LogLevel::Notice,
                        format!(
                            "Master replication ID changed to {}",
                            String::from_utf8_lossy(&new)
                        ),
                    );
                    previous = Some(cached.replid.clone());
                    replid = new;
                }
            }
            self.master = Some(MasterClient::new(replid.clone(), cached.reploff, now));
            self.repl_down_since = None;
            self.events.push_back(ReplicaEvent::Continue {
                replid,
                previous_replid: previous,
                offset: cached.reploff,
            });
            self.log(
                LogLevel::Notice,
                "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.".into(),
            );
            self.set_state(ReplState::Connected);
            return;
        }
        if line.starts_with(b"-NOMASTERLINK") || line.starts_with(b"-LOADING") {
            self.error_reply(HandshakeStep::Psync, &line);
            self.log(
                LogLevel::Notice,
                format!("Master is currently unable to PSYNC but should be in the future: {text}"),
            );
            self.error_close(now, false);
            return;
        }
        if line.starts_with(b"-ERR") {
            self.error_reply(HandshakeStep::Psync, &line);
            self.log(
                LogLevel::Notice,
                format!("Master does not support PSYNC or is in error state (reply: {text})"),
            );
        } else {
            if line.first() == Some(&b'-') {
                self.error_reply(HandshakeStep::Psync, &line);
            }
            self.log(
                LogLevel::Warning,
                format!("Unexpected reply to PSYNC from master: {text}"),
            );
        }
        self.log(LogLevel::Notice, "Retrying with SYNC...".into());
        self.transmit.push_back(Bytes::from_static(SYNC_INLINE));
        self.events.push_back(ReplicaEvent::SyncFallback);
        self.start_transfer(now);
    }

    /// `useDisklessLoad()`.
    fn use_diskless_load(&self) -> bool {
        match self.cfg.repl_diskless_load {
            DisklessLoad::Disabled => false,
            DisklessLoad::OnEmptyDb => self.dataset_empty,
            DisklessLoad::Swapdb => true,
        }
    }

    fn start_transfer(&mut self, now: Time) {
        self.transfer = Some(Transfer {
            framing: None,
            read: 0,
            decoder: Decoder::new(DecodeOptions::default()),
            tail: Vec::new(),
            rdb_error: None,
            repl_stream_db: None,
            diskless: self.use_diskless_load(),
        });
        self.repl_transfer_lastio = now;
        self.set_state(ReplState::Transfer);
    }

    /// `readSyncBulkPayload`; false when nothing could be consumed.
    fn transfer_input(&mut self, now: Time) -> bool {
        let Some(t) = self.transfer.as_ref() else {
            return false;
        };
        if t.framing.is_none() {
            return self.transfer_header(now);
        }
        if self.inbuf.is_empty() {
            return false;
        }
        self.repl_transfer_lastio = now;
        let Some(t) = self.transfer.as_mut() else {
            return false;
        };
        let mut done = false;
        let mut rdb = Bytes::new();
        match t.framing.clone() {
            Some(RdbFraming::Length(total)) => {
                let left = total - t.read;
                let n = (self.inbuf.len() as u64).min(left) as usize;
                rdb = self.inbuf.split_to(n).freeze();
                t.read += n as u64;
                done = t.read == total;
            }
            Some(RdbFraming::EofMark(mark)) => {
                let chunk = self.inbuf.split();
                t.read += chunk.len() as u64;
                let mut window = std::mem::take(&mut t.tail);
                window.extend_from_slice(&chunk);
                match find(&window, &mark) {
                    Some(i) => {
                        let rest = &window[i + CONFIG_RUN_ID_SIZE..];
                        t.read -= rest.len() as u64;
                        self.inbuf.extend_from_slice(rest);
                        window.truncate(i);
                        rdb = Bytes::from(window);
                        done = true;
                    }
                    None => {
                        let keep = window.len().min(CONFIG_RUN_ID_SIZE - 1);
                        t.tail = window.split_off(window.len() - keep);
                        rdb = Bytes::from(window);
                    }
                }
            }
            None => {}
        }
        let total = match t.framing {
            Some(RdbFraming::Length(n)) => Some(n),
            _ => None,
        };
        let received = t.read;
        self.events
            .push_back(ReplicaEvent::RdbProgress { received, total });
        if !rdb.is_empty() && !self.feed_rdb(&rdb) {
            // Diskless load failed mid-way: handled.
            return true;
        }
        if done {
            self.finish_transfer(now);
        }
        true
    }

    /// The first line of the payload.
    fn transfer_header(&mut self, now: Time) -> bool {
        let Some(line) = self.take_line(BULK_LINE_BUF) else {
            return false;
        };
        if line.is_empty() {
            // Newline keepalive.
            self.repl_transfer_lastio = now;
            return true;
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        if line[0] == b'-' {
            self.error_reply(HandshakeStep::Transfer, &line);
            self.log(
                LogLevel::Warning,
                format!("MASTER aborted replication with an error: {}", &text[1..]),
            );
            self.error_close(now, true);
            return true;
        }
        if line[0] != b'$' {
            self.log(LogLevel::Warning, format!("Bad protocol from MASTER, the first byte is not '$' (we received '{text}'), are you sure the host and port are right?"));
            self.error_close(now, true);
            return true;
        }
        let framing = if line[1..].starts_with(b"EOF:") && line.len() - 5 >= CONFIG_RUN_ID_SIZE {
            RdbFraming::EofMark(line.slice(5..5 + CONFIG_RUN_ID_SIZE))
        } else {
            let n = crate::strtod::strtoll(&line[1..]);
            if n <= 0 {
                self.log(
                    LogLevel::Warning,
                    "I/O error trying to sync with MASTER: connection lost".into(),
                );
                self.error_close(now, true);
                return true;
            }
            RdbFraming::Length(n as u64)
        };
        let diskless = self.transfer.as_ref().is_some_and(|t| t.diskless);
        let target = if diskless { "to parser" } else { "to disk" };
        let msg = match &framing {
            RdbFraming::EofMark(_) => format!(
                "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF {target}"
            ),
            RdbFraming::Length(n) => {
                format!("MASTER <-> REPLICA sync: receiving {n} bytes from master {target}")
            }
        };
        self.log(LogLevel::Notice, msg);
        if let Some(t) = self.transfer.as_mut() {
            t.decoder = Decoder::new(DecodeOptions {
                verify_checksum: self.cfg.rdb_checksum,
                total_len: match framing {
                    RdbFraming::Length(n) => Some(n),
                    RdbFraming::EofMark(_) => None,
                },
            });
            t.framing = Some(framing.clone());
        }
        self.events.push_back(ReplicaEvent::RdbTransferStarted {
            framing,
            diskless_load: diskless,
        });
        if diskless && self.cfg.repl_diskless_load != DisklessLoad::Swapdb {
            self.attach_to_new_master();
        }
        true
    }

    /// `replicationAttachToNewMaster`.
    fn attach_to_new_master(&mut self) {
        if self.cached.take().is_some() {
            // replicationDiscardCachedMaster.
            self.log(
                LogLevel::Notice,
                "Discarding previously cached master state.".into(),
            );
        }
        self.events.push_back(ReplicaEvent::AttachedToNewMaster);
    }

    /// Feed payload bytes to the decoder and hand items up. Returns false when a diskless
    /// load failed (the link is already closed).
    fn feed_rdb(&mut self, data: &[u8]) -> bool {
        let Some(t) = self.transfer.as_mut() else {
            return true;
        };
        if t.rdb_error.is_some() || t.decoder.is_done() {
            return true;
        }
        t.decoder.feed(data);
        loop {
            match t.decoder.next_item() {
                Ok(None) => break,
                Ok(Some(item)) => {
                    match &item {
                        RdbItem::Version(v) if *v > RDB_VERSION => {
                            t.rdb_error = Some(format!("Can't handle RDB format version {v}"));
                            break;
                        }
                        RdbItem::Aux { key, value } if key == b"repl-stream-db" => {
                            t.repl_stream_db = Some(crate::strtod::strtoll(value));
                        }
                        _ => {}
                    }
                    self.events.push_back(ReplicaEvent::RdbItem(item));
                }
                Err(e) => {
                    t.rdb_error = Some(e.to_string());
                    break;
                }
            }
        }
        if t.diskless {
            if let Some(reason) = t.rdb_error.clone() {
                self.load_failed(reason, true);
                return false;
            }
        }
        true
    }

    /// The whole payload arrived.
    fn finish_transfer(&mut self, now: Time) {
        let Some(t) = self.transfer.as_ref() else {
            return;
        };
        let diskless = t.diskless;
        let usemark = matches!(t.framing, Some(RdbFraming::EofMark(_)));
        let error = match &t.rdb_error {
            Some(e) => Some(e.clone()),
            None => t.decoder.finish().err().map(|e| e.to_string()),
        };
        let keys = t.decoder.keys_loaded();
        let repl_stream_db = t.repl_stream_db;
        if !diskless {
            self.attach_to_new_master();
            self.log(
                LogLevel::Notice,
                "MASTER <-> REPLICA sync: Flushing old data".into(),
            );
            self.log(
                LogLevel::Notice,
                "MASTER <-> REPLICA sync: Loading DB in memory".into(),
            );
        }
        if let Some(reason) = error {
            self.load_failed(reason, diskless);
            return;
        }
        if diskless && self.cfg.repl_diskless_load == DisklessLoad::Swapdb {
            self.attach_to_new_master();
        }
        let progress = self.transfer_progress().unwrap_or((0, 0));
        self.transfer = None;
        let replid = self.master_replid.clone();
        let offset = self.master_initial_offset;
        self.events.push_back(ReplicaEvent::RdbLoaded {
            replid,
            offset,
            repl_stream_db,
            keys,
        });
        if self.cfg.hold_load {
            self.loading = Some(HeldLoad {
                usemark,
                progress,
                closed: false,
            });
            return;
        }
        self.loaded(now, usemark);
    }

    /// The server finished loading the payload reported by [`ReplicaEvent::RdbLoaded`]
    /// (with [`ReplicaConfig::hold_load`]): create the master client, go `Connected`, ACK
    /// (EOF-mark framing), then process the stream bytes that arrived meanwhile (and a
    /// close noticed meanwhile). No-op when no load is held.
    pub fn finish_load(&mut self, now: Time) {
        let Some(l) = self.loading.take() else {
            return;
        };
        self.repl_transfer_lastio = now;
        self.loaded(now, l.usemark);
        if l.closed {
            self.handle_closed(now);
        } else if !self.inbuf.is_empty() {
            if let Some(m) = self.master.as_mut() {
                m.lastinteraction = now;
            }
            self.process_input(now);
        }
    }

    /// Whether a loaded payload is held (see [`ReplicaConfig::hold_load`]).
    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// The end of `readSyncBulkPayload` once the payload is loaded.
    fn loaded(&mut self, now: Time, usemark: bool) {
        let replid = self.master_replid.clone();
        let offset = self.master_initial_offset;
        self.master = Some(MasterClient::new(replid, offset, now));
        self.repl_down_since = None;
        self.set_state(ReplState::Connected);
        self.log(
            LogLevel::Notice,
            "MASTER <-> REPLICA sync: Finished with success".into(),
        );
        if usemark {
            self.send_ack();
        }
    }

    fn load_failed(&mut self, reason: String, diskless: bool) {
        let now = self.repl_transfer_lastio;
        self.events
            .push_back(ReplicaEvent::RdbLoadFailed { reason });
        if diskless {
            self.log(LogLevel::Warning, "Failed trying to load the MASTER synchronization DB from socket, check server logs.".into());
            self.log(
                LogLevel::Notice,
                "MASTER <-> REPLICA sync: Discarding the half-loaded data".into(),
            );
            self.error_close(now, false);
        } else {
            self.log(
                LogLevel::Warning,
                "Failed trying to load the MASTER synchronization DB from disk, check server logs."
                    .into(),
            );
            self.error_close(now, true);
        }
    }

    /// `replicationSendAck`: `REPLCONF ACK <reploff>`.
    fn send_ack(&mut self) {
        if let Some(m) = &self.master {
            self.transmit.push_back(ack_bytes(m.reploff));
        }
    }

    /// Commands of the stream (`processInputBuffer` for the master client).
    fn stream_input(&mut self, now: Time) {
        let Some(m) = self.master.as_mut() else {
            self.inbuf.clear();
            return;
        };
        if !self.inbuf.is_empty() {
            m.read_reploff = m.read_reploff.saturating_add(self.inbuf.len() as i64);
            // Copied, not split off: `inbuf` keeps its allocation for the next read (a split
            // would make every read allocate a new one).
            m.qbuf.extend_from_slice(&self.inbuf);
            self.inbuf.clear();
        }
        let limits = RequestLimits {
            proto_max_bulk_len: u64::MAX,
            authenticated: true,
        };
        loop {
            let Some(m) = self.master.as_mut() else {
                return;
            };
            let (argv, used) = match m.parser.parse(&m.qbuf, &limits) {
                Ok(None) => return,
                Ok(Some(r)) => r,
                Err(e) => {
                    self.log(
                        LogLevel::Notice,
                        format!("Protocol error ({}) from client: master", e.log_reason()),
                    );
                    self.drop_master(now, false);
                    return;
                }
            };
            let inline = m.qbuf.first() != Some(&b'*');
            m.applied.extend_from_slice(&m.qbuf[..used]);
            m.qbuf.advance(used);
            if argv.is_empty() {
                continue;
            }
            if inline {
                self.log(LogLevel::Warning, "WARNING: Receiving inline protocol from master, master stream corruption? Closing the master connection and discarding the cached master.".into());
                self.drop_master(now, false);
                return;
            }
            self.master_command(argv);
        }
    }

    /// One command from the master: MULTI/EXEC bookkeeping, GETACK, applied offset.
    fn master_command(&mut self, argv: Vec<Bytes>) {
        let single = argv.len() == 1;
        let is_exec = single && argv[0].eq_ignore_ascii_case(b"exec");
        let is_discard = single && argv[0].eq_ignore_ascii_case(b"discard");
        let is_multi = single && argv[0].eq_ignore_ascii_case(b"multi");
        let getack = is_getack(&argv);
        self.events.push_back(ReplicaEvent::Command(argv));
        let Some(m) = self.master.as_mut() else {
            return;
        };
        let mut acks = 0;
        if m.in_multi {
            if is_exec {
                m.in_multi = false;
                acks = std::mem::take(&mut m.queued_getacks);
            } else if is_discard {
                m.in_multi = false;
                m.queued_getacks = 0;
            } else if getack {
                m.queued_getacks += 1;
            }
        } else if is_multi {
            m.in_multi = true;
        } else if getack {
            acks = 1;
        }
        for _ in 0..acks {
            self.transmit.push_back(ack_bytes(m.reploff));
        }
        if !m.in_multi {
            let reploff = m.read_reploff - m.qbuf.len() as i64;
            if reploff != m.reploff {
                m.reploff = reploff;
                // Copied out, so `applied` keeps its allocation (a split would make the next
                // commands allocate a new buffer and a shared header each time).
                let len = m.applied.len();
                self.applied_out.extend_from_slice(&m.applied);
                m.applied.clear();
                if m.applied.capacity() > APPLIED_KEEP_CAPACITY {
                    // Not the room a huge MULTI block needed.
                    m.applied = BytesMut::new();
                }
                self.events
                    .push_back(ReplicaEvent::Applied { len, reploff });
            }
        }
    }
}

/// Most room the applied-bytes buffer keeps between commands.
const APPLIED_KEEP_CAPACITY: usize = 1 << 20;

/// `REPLCONF GETACK <x>` as `replconfCommand` sees it: odd argc ≥ 3, and `getack` reached in
/// the option loop before an option that stops it (`ack`, or an unknown one).
fn is_getack(argv: &[Bytes]) -> bool {
    if !argv[0].eq_ignore_ascii_case(b"replconf") || argv.len() < 3 || argv.len().is_multiple_of(2)
    {
        return false;
    }
    for pair in argv[1..].chunks(2) {
        let opt = pair[0].to_ascii_lowercase();
        match opt.as_slice() {
            b"getack" => return true,
            b"listening-port" | b"ip-address" | b"capa" | b"rdb-filter-only" => {}
            b"rdb-only" if pair[1].as_ref() == b"0" || pair[1].as_ref() == b"1" => {}
            _ => return false,
        }
    }
    false
}

/// `*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$<n>\r\n<offset>\r\n`.
pub fn ack_bytes(offset: i64) -> Bytes {
    let mut out = BytesMut::new();
    let off = offset.to_string();
    write_command(&mut out, &[&b"REPLCONF"[..], b"ACK", off.as_bytes()]);
    out.freeze()
}

/// First index where `needle` occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}
