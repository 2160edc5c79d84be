//! The master's answer to `SYNC` / `PSYNC` (Redis's replication.c `syncCommand` and
//! `masterTryPartialResynchronization`; spec §2.1–§2.3, §3).
//!
//! Everything here is a pure function of plain inputs: the request, a few facts about the
//! client and server ([`SyncGate`]), and the master's ids and backlog window
//! ([`MasterReplView`]). The outputs are the exact reply bytes (`+CONTINUE ...`,
//! `+FULLRESYNC ...`, errors), the exact log lines Redis writes, and the stats to bump. This
//! module never changes state: the caller turns the client into a replica, creates the
//! backlog for a first replica ([`crate::repl::backlog::ReplBacklog::create_for_first_replica`]),
//! queues the backlog bytes ([`crate::repl::backlog::ReplBacklog::range_from`]) and schedules
//! the BGSAVE.

use bytes::Bytes;

use crate::repl::ids::{ReplId, ReplIds};
use crate::util::parse_i64;

/// `replicationGetSlaveName`: `ip:port`, the port being the replica's `REPLCONF
/// listening-port`, or `<unknown-replica-port>` when it sent none (0).
pub fn replica_name(ip: &str, listening_port: i32) -> String {
    if listening_port == 0 {
        format!("{ip}:<unknown-replica-port>")
    } else {
        format!("{ip}:{listening_port}")
    }
}

/// What `syncCommand` checks about the client and the server before looking at the request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncGate {
    /// The client is already a replica (`CLIENT_SLAVE`): the command is ignored, no reply.
    pub client_is_replica: bool,
    /// `server.failover_state != NO_FAILOVER`.
    pub failover_in_progress: bool,
    /// We are a replica whose link is not `REPL_STATE_CONNECTED`.
    pub replica_link_down: bool,
    /// The client has replies not yet written.
    pub has_pending_output: bool,
    /// The client asked for a filtered RDB (`REPLCONF rdb-filter-only`) without `capa eof`.
    pub rdb_filter_without_eof: bool,
}

/// A parsed synchronization request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncRequest<'a> {
    /// Legacy `SYNC`: always a full resync, no `+FULLRESYNC` line, client flagged PRE_PSYNC.
    Sync,
    /// `PSYNC <replid> <offset>`.
    Psync {
        /// Requested replication id (`?` = explicit full resync).
        replid: &'a [u8],
        /// First byte the replica does not have.
        offset: i64,
    },
}

/// The outcome of the checks `syncCommand` makes before deciding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncStep<'a> {
    /// The client is already a replica: ignore the command, write nothing.
    Ignore,
    /// Reply these bytes (an error) and stop; `log` is what Redis logs, if anything.
    Reject {
        /// The reply bytes.
        reply: Bytes,
        /// The line Redis logs, if any.
        log: Option<String>,
    },
    /// Go on with [`sync_decision`]. Redis logs `Replica <name> asks for synchronization`
    /// first.
    Proceed {
        /// The request.
        request: SyncRequest<'a>,
        /// `PSYNC <our replid> <off> FAILOVER` on a replica: the caller must first promote
        /// itself (`replicationUnsetMaster`, which shifts the ids) and log `Failover request
        /// received for replid <id>.`, then decide with the new ids.
        failover_promote: bool,
    },
}

fn err(msg: &str) -> Bytes {
    Bytes::from(format!("-{msg}\r\n"))
}

/// The checks of `syncCommand`, in Redis's order, for `argv` (`SYNC` or `PSYNC replid offset
/// [FAILOVER]`; the dispatcher has already enforced arity). `my_replid` is our current id
/// (for the FAILOVER check); `replica` names the client in log lines.
pub fn sync_command_gate<'a>(
    argv: &'a [Bytes],
    gate: &SyncGate,
    my_replid: &ReplId,
    replica: &str,
) -> SyncStep<'a> {
    if gate.client_is_replica {
        return SyncStep::Ignore;
    }
    let is_psync = argv
        .first()
        .is_some_and(|a| a.eq_ignore_ascii_case(b"psync"))
        && argv.len() >= 3;
    let mut failover_promote = false;
    if is_psync && argv.len() > 3 && argv[3].eq_ignore_ascii_case(b"failover") {
        if my_replid.eq_ignore_case(&argv[1]) {
            failover_promote = true;
        } else {
            return SyncStep::Reject {
                reply: err("ERR PSYNC FAILOVER replid must match my replid."),
                log: None,
            };
        }
    }
    if gate.failover_in_progress {
        return SyncStep::Reject {
            reply: err("NOMASTERLINK Can't SYNC while failing over"),
            log: None,
        };
    }
    if gate.replica_link_down && !failover_promote {
        return SyncStep::Reject {
            reply: err("NOMASTERLINK Can't SYNC while not connected with my master"),
            log: None,
        };
    }
    if gate.has_pending_output {
        return SyncStep::Reject {
            reply: err("ERR SYNC and PSYNC are invalid with pending output"),
            log: None,
        };
    }
    if gate.rdb_filter_without_eof {
        return SyncStep::Reject {
            reply: err("ERR Filtered replica requires EOF capability"),
            log: None,
        };
    }
    if !is_psync {
        return SyncStep::Proceed {
            request: SyncRequest::Sync,
            failover_promote,
        };
    }
    match parse_i64(&argv[2]) {
        Some(offset) => SyncStep::Proceed {
            request: SyncRequest::Psync {
                replid: &argv[1],
                offset,
            },
            failover_promote,
        },
        None => SyncStep::Reject {
            reply: err("ERR value is not an integer or out of range"),
            log: Some(format!(
                "Replica {replica} asks for synchronization but with a wrong offset"
            )),
        },
    }
}

/// What the master knows that the PSYNC decision depends on.
#[derive(Clone, Copy, Debug)]
pub struct MasterReplView<'a> {
    /// `replid`, `replid2`, `second_repl_offset`.
    pub ids: &'a ReplIds,
    /// `(repl_backlog_first_byte_offset, repl_backlog_histlen)`, `None` without a backlog.
    pub window: Option<(i64, i64)>,
    /// `master_repl_offset`.
    pub master_repl_offset: i64,
}

/// Why a PSYNC could not continue; each maps to the exact line Redis logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FullResyncReason {
    /// `PSYNC ? ...` (any id starting with `?`): not counted in `sync_partial_err`.
    Requested,
    /// The id is neither `replid` nor `replid2`.
    ReplidMismatch {
        /// The id the replica asked for.
        asked: Vec<u8>,
        /// Our `replid`.
        replid: ReplId,
        /// Our `replid2`.
        replid2: ReplId,
    },
    /// The id is `replid2` but the offset is past `second_repl_offset`.
    SecondIdOffset {
        /// The requested offset.
        requested: i64,
        /// Our `second_repl_offset`.
        second_repl_offset: i64,
    },
    /// The id is fine but the backlog does not hold `requested` (or does not exist).
    LackOfBacklog {
        /// The requested offset.
        requested: i64,
        /// `requested > master_repl_offset`: Redis adds a warning line.
        beyond_master_offset: bool,
    },
}

impl FullResyncReason {
    /// The lines Redis logs for this reason (`replica` is [`replica_name`]).
    pub fn log_lines(&self, replica: &str) -> Vec<String> {
        match self {
            FullResyncReason::Requested => {
                vec![format!("Full resync requested by replica {replica}")]
            }
            FullResyncReason::ReplidMismatch {
                asked,
                replid,
                replid2,
            } => vec![format!(
                "Partial resynchronization not accepted: Replication ID mismatch (Replica asked \
                 for '{}', my replication IDs are '{replid}' and '{replid2}')",
                String::from_utf8_lossy(asked)
            )],
            FullResyncReason::SecondIdOffset {
                requested,
                second_repl_offset,
            } => vec![format!(
                "Partial resynchronization not accepted: Requested offset for second ID was \
                 {requested}, but I can reply up to {second_repl_offset}"
            )],
            FullResyncReason::LackOfBacklog {
                requested,
                beyond_master_offset,
            } => {
                let mut v = vec![format!(
                    "Unable to partial resync with replica {replica} for lack of backlog \
                     (Replica request was: {requested})."
                )];
                if *beyond_master_offset {
                    v.push(format!(
                        "Warning: replica {replica} tried to PSYNC with an offset that is \
                         greater than the master replication offset."
                    ));
                }
                v
            }
        }
    }
}

/// The result of `masterTryPartialResynchronization`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PsyncDecision {
    /// Partial resync: reply `+CONTINUE` and send the backlog from `offset`.
    Continue {
        /// The requested offset (first byte to send).
        offset: i64,
        /// Bytes of backlog to send (`master_repl_offset - offset + 1`).
        psync_len: i64,
        /// The request matched `replid2` rather than `replid` (the replica will switch
        /// histories when it reads our id).
        via_replid2: bool,
    },
    /// Full resync needed.
    FullResync {
        /// Why.
        reason: FullResyncReason,
    },
}

/// `masterTryPartialResynchronization`, exactly (spec §2.2): the id must be `replid`, or
/// `replid2` with `offset <= second_repl_offset` (ASCII case-insensitive), and the backlog
/// must hold `first_byte_offset <= offset <= first_byte_offset + histlen`. Offsets are not
/// checked against command boundaries.
pub fn master_try_partial_resynchronization(
    replid: &[u8],
    offset: i64,
    view: &MasterReplView<'_>,
) -> PsyncDecision {
    let ids = view.ids;
    let is_id1 = ids.replid.eq_ignore_case(replid);
    let is_id2 = ids.replid2.eq_ignore_case(replid);
    if !is_id1 && (!is_id2 || offset > ids.second_repl_offset) {
        let reason = if replid.first() == Some(&b'?') {
            FullResyncReason::Requested
        } else if !is_id2 {
            FullResyncReason::ReplidMismatch {
                asked: replid.to_vec(),
                replid: ids.replid,
                replid2: ids.replid2,
            }
        } else {
            FullResyncReason::SecondIdOffset {
                requested: offset,
                second_repl_offset: ids.second_repl_offset,
            }
        };
        return PsyncDecision::FullResync { reason };
    }
    match view.window {
        Some((first, histlen)) if offset >= first && offset <= first.saturating_add(histlen) => {
            PsyncDecision::Continue {
                offset,
                psync_len: if histlen == 0 {
                    0
                } else {
                    histlen - (offset - first)
                },
                via_replid2: !is_id1,
            }
        }
        _ => PsyncDecision::FullResync {
            reason: FullResyncReason::LackOfBacklog {
                requested: offset,
                beyond_master_offset: offset > view.master_repl_offset,
            },
        },
    }
}

/// The master's decision for a `SYNC`/`PSYNC` that passed [`sync_command_gate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncDecision {
    /// Partial resync accepted.
    Partial {
        /// The requested offset.
        offset: i64,
        /// Bytes of backlog that follow the reply.
        psync_len: i64,
        /// The exact reply line: `+CONTINUE <replid>\r\n` if the replica announced `capa
        /// psync2`, else `+CONTINUE\r\n`.
        reply: Bytes,
        /// Redis's log line.
        log: String,
    },
    /// Full resync: the replica waits for a BGSAVE (state `wait_bgsave`).
    Full {
        /// Legacy `SYNC` (CLIENT_PRE_PSYNC): no `+FULLRESYNC` line will be sent, no ACKs are
        /// expected.
        pre_psync: bool,
        /// Why a PSYNC could not continue (`None` for SYNC).
        reason: Option<FullResyncReason>,
        /// Whether `sync_partial_err` is incremented (a PSYNC with a real id).
        partial_err: bool,
        /// Redis's log lines for the refusal.
        log: Vec<String>,
    },
}

impl SyncDecision {
    /// `(sync_full, sync_partial_ok, sync_partial_err)` increments for INFO stats.
    pub fn stats_delta(&self) -> (u64, u64, u64) {
        match self {
            SyncDecision::Partial { .. } => (0, 1, 0),
            SyncDecision::Full { partial_err, .. } => (1, 0, u64::from(*partial_err)),
        }
    }
}

/// Decide between partial and full resync for `request`. `capa_psync2` is whether the
/// replica sent `REPLCONF capa psync2` (it decides whether `+CONTINUE` carries our id: any
/// psync2 replica gets it, whichever of our ids it asked for).
pub fn sync_decision(
    request: SyncRequest<'_>,
    capa_psync2: bool,
    view: &MasterReplView<'_>,
    replica: &str,
) -> SyncDecision {
    let (replid, offset) = match request {
        SyncRequest::Sync => {
            return SyncDecision::Full {
                pre_psync: true,
                reason: None,
                partial_err: false,
                log: Vec::new(),
            }
        }
        SyncRequest::Psync { replid, offset } => (replid, offset),
    };
    match master_try_partial_resynchronization(replid, offset, view) {
        PsyncDecision::Continue {
            offset, psync_len, ..
        } => SyncDecision::Partial {
            offset,
            psync_len,
            reply: continue_reply(capa_psync2.then_some(&view.ids.replid)),
            log: format!(
                "Partial resynchronization request from {replica} accepted. Sending \
                 {psync_len} bytes of backlog starting from offset {offset}."
            ),
        },
        PsyncDecision::FullResync { reason } => SyncDecision::Full {
            pre_psync: false,
            partial_err: replid.first() != Some(&b'?'),
            log: reason.log_lines(replica),
            reason: Some(reason),
        },
    }
}

/// `+CONTINUE <replid>\r\n`, or `+CONTINUE\r\n` for a replica without `capa psync2`.
pub fn continue_reply(replid: Option<&ReplId>) -> Bytes {
    match replid {
        Some(id) => Bytes::from(format!("+CONTINUE {id}\r\n")),
        None => Bytes::from_static(b"+CONTINUE\r\n"),
    }
}

/// `+FULLRESYNC <replid> <offset>\r\n`, sent when the BGSAVE for the replica starts, with
/// `offset` = `master_repl_offset` at that moment (never sent to a legacy `SYNC` replica).
pub fn fullresync_reply(replid: &ReplId, offset: i64) -> Bytes {
    Bytes::from(format!("+FULLRESYNC {replid} {offset}\r\n"))
}
