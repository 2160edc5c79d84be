//! Every piece of text the page shows, in one table per language (issue #7 adds Chinese
//! by adding a second table; the components only read [`Strings`]).

/// The page's text.
#[derive(Debug)]
pub struct Strings {
    /// Page title (brand).
    pub title: &'static str,
    /// One-line description under the title.
    pub tagline: &'static str,
    /// Scenario menu label.
    pub scenario: &'static str,
    /// Play button.
    pub play: &'static str,
    /// Pause button.
    pub pause: &'static str,
    /// Step forward button.
    pub step: &'static str,
    /// Step back button.
    pub back: &'static str,
    /// Restart button.
    pub restart: &'static str,
    /// Jump to the end button.
    pub to_end: &'static str,
    /// Speed control label.
    pub speed: &'static str,
    /// Timeline label.
    pub timeline: &'static str,
    /// "step" word in the counter.
    pub step_word: &'static str,
    /// Shown when the run is over.
    pub finished: &'static str,
    /// Keyboard help line.
    pub keys_help: &'static str,
    /// Settings box title.
    pub settings: &'static str,
    /// Backlog size slider.
    pub backlog_size: &'static str,
    /// Write rate slider.
    pub write_rate: &'static str,
    /// Latency slider.
    pub latency: &'static str,
    /// Bandwidth slider.
    pub bandwidth: &'static str,
    /// Unlimited bandwidth.
    pub unlimited: &'static str,
    /// Scenario default value.
    pub default_value: &'static str,
    /// Add a replica button.
    pub add_replica: &'static str,
    /// Remove a node button.
    pub remove: &'static str,
    /// Crash button.
    pub crash: &'static str,
    /// Restart a node button.
    pub restart_node: &'static str,
    /// Cut the link to the master.
    pub cut_link: &'static str,
    /// Restore it.
    pub restore_link: &'static str,
    /// Node is down.
    pub down: &'static str,
    /// Keyspace heading.
    pub keyspace: &'static str,
    /// Empty keyspace.
    pub empty: &'static str,
    /// Backlog heading.
    pub backlog: &'static str,
    /// No backlog.
    pub no_backlog: &'static str,
    /// Replicas (as the master sees them) heading.
    pub replicas: &'static str,
    /// Bytes held for a replica.
    pub buffered: &'static str,
    /// RDB heading.
    pub rdb: &'static str,
    /// BGSAVE running.
    pub bgsave_running: &'static str,
    /// RDB being received.
    pub rdb_loading: &'static str,
    /// RDB received earlier.
    pub rdb_received: &'static str,
    /// No RDB activity.
    pub rdb_idle: &'static str,
    /// INFO heading.
    pub info: &'static str,
    /// Console heading.
    pub console: &'static str,
    /// Console input placeholder.
    pub console_placeholder: &'static str,
    /// Waiting for a reply.
    pub waiting: &'static str,
    /// PSYNC decision heading.
    pub psync_title: &'static str,
    /// No PSYNC yet.
    pub psync_none: &'static str,
    /// "requested" in the PSYNC panel.
    pub requested: &'static str,
    /// "master has" in the PSYNC panel.
    pub master_has: &'static str,
    /// Backlog window in the PSYNC panel.
    pub window: &'static str,
    /// Event log heading.
    pub events: &'static str,
    /// Messages in flight heading.
    pub in_flight: &'static str,
    /// Prefix of the core's version badge.
    pub version_prefix: &'static str,
    /// PSYNC accepted: `{id}`, `{offset}`, `{len}` are filled in.
    pub psync_continue: &'static str,
    /// PSYNC ? -1.
    pub psync_no_history: &'static str,
    /// "offset" label.
    pub offset: &'static str,
    /// "link" label.
    pub link: &'static str,
    /// "state" label.
    pub state: &'static str,
    /// "ack" in the replica list.
    pub ack: &'static str,
    /// The client node in the topology.
    pub client: &'static str,
    /// The consoles' client in the event log.
    pub console_node: &'static str,
    /// "{n} replica(s)" in the topology.
    pub replica_count: &'static str,
    /// Event log: a node sends a message (`{who}`, `{what}`).
    pub log_sends: &'static str,
    /// Event log: a node opens a connection.
    pub log_connects: &'static str,
    /// Event log: a connection closed (`{who}`, `{why}`).
    pub log_closed: &'static str,
    /// Closed by the peer.
    pub closed_peer: &'static str,
    /// Closed: link cut.
    pub closed_cut: &'static str,
    /// Closed: connection refused.
    pub closed_refused: &'static str,
    /// Event log: a fault (`{what}`).
    pub log_fault: &'static str,
    /// One sentence per `REPL_STATE_*` / `SLAVE_STATE_*`: what the node is doing.
    pub state_help: &'static [(&'static str, &'static str)],
    /// Message inspector title.
    pub inspect_title: &'static str,
    /// Message inspector, nothing selected.
    pub inspect_hint: &'static str,
}

impl Strings {
    /// The sentence explaining a `REPL_STATE_*` / `SLAVE_STATE_*` name ("" if unknown).
    pub fn state_help(&self, state: &str) -> &'static str {
        self.state_help
            .iter()
            .find(|(k, _)| *k == state)
            .map_or("", |(_, v)| v)
    }
}

/// English.
pub const EN: Strings = Strings {
    title: "ReplScope",
    tagline: "Redis 7.0 master\u{2013}replica replication, simulated byte by byte by the same \
              Rust core as the ReplScope server.",
    scenario: "Scenario",
    play: "Play",
    pause: "Pause",
    step: "Step \u{2192}",
    back: "\u{2190} Back",
    restart: "Restart",
    to_end: "To end",
    speed: "Speed",
    timeline: "Timeline",
    step_word: "step",
    finished: "finished",
    keys_help: "Keys: Space play/pause \u{b7} \u{2190}/\u{2192} step \u{b7} +/\u{2212} speed",
    settings: "Settings (restart the run)",
    backlog_size: "Backlog size",
    write_rate: "Write rate",
    latency: "Link latency",
    bandwidth: "Bandwidth",
    unlimited: "unlimited",
    default_value: "scenario",
    add_replica: "Add replica",
    remove: "Remove",
    crash: "Crash",
    restart_node: "Restart",
    cut_link: "Cut link",
    restore_link: "Restore link",
    down: "DOWN",
    keyspace: "Keyspace",
    empty: "(empty)",
    backlog: "Backlog",
    no_backlog: "no backlog",
    replicas: "Replicas",
    buffered: "buffered",
    rdb: "RDB",
    bgsave_running: "BGSAVE running",
    rdb_loading: "receiving RDB",
    rdb_received: "RDB received",
    rdb_idle: "idle",
    info: "INFO replication",
    console: "Console",
    console_placeholder: "type a command, e.g. SET x 1",
    waiting: "(waiting\u{2026})",
    psync_title: "PSYNC decision",
    psync_none: "No PSYNC yet: the decision appears when a replica asks its master.",
    requested: "requested",
    master_has: "master has",
    window: "backlog window",
    events: "Events",
    in_flight: "in flight",
    version_prefix: "replscope-core v",
    psync_continue: "{id} matches and offset {offset} is inside the backlog window: \
                     send {len} bytes of backlog",
    psync_no_history: "the replica has no history (PSYNC ?): full resync requested",
    offset: "offset",
    link: "link",
    state: "state",
    ack: "ack",
    client: "client",
    console_node: "console",
    replica_count: "{n} replica(s)",
    log_sends: "{who}: sends {what}",
    log_connects: "{who}: connects",
    log_closed: "{who}: connection closed ({why})",
    closed_peer: "by the peer",
    closed_cut: "link cut",
    closed_refused: "refused",
    log_fault: "fault: {what}",
    state_help: &[
        ("REPL_STATE_NONE", "not replicating"),
        (
            "REPL_STATE_CONNECT",
            "must connect to its master (retried every second by the cron)",
        ),
        (
            "REPL_STATE_CONNECTING",
            "TCP connection to the master in progress",
        ),
        (
            "REPL_STATE_RECEIVE_PING_REPLY",
            "sent PING, waiting for +PONG",
        ),
        (
            "REPL_STATE_SEND_HANDSHAKE",
            "about to send AUTH and REPLCONF",
        ),
        (
            "REPL_STATE_RECEIVE_AUTH_REPLY",
            "waiting for the AUTH reply",
        ),
        (
            "REPL_STATE_RECEIVE_PORT_REPLY",
            "sent REPLCONF listening-port, waiting for +OK",
        ),
        (
            "REPL_STATE_RECEIVE_IP_REPLY",
            "sent REPLCONF ip-address, waiting for +OK",
        ),
        (
            "REPL_STATE_RECEIVE_CAPA_REPLY",
            "sent REPLCONF capa eof capa psync2, waiting for +OK",
        ),
        (
            "REPL_STATE_SEND_PSYNC",
            "about to ask PSYNC <replid> <offset>",
        ),
        (
            "REPL_STATE_RECEIVE_PSYNC_REPLY",
            "asked PSYNC, waiting for +FULLRESYNC or +CONTINUE",
        ),
        (
            "REPL_STATE_TRANSFER",
            "receiving the RDB snapshot from the master",
        ),
        (
            "REPL_STATE_CONNECTED",
            "in sync: applying the master's command stream, ACK every second",
        ),
        (
            "SLAVE_STATE_WAIT_BGSAVE_START",
            "waiting for a BGSAVE to start",
        ),
        (
            "SLAVE_STATE_WAIT_BGSAVE_END",
            "BGSAVE running; writes are buffered for this replica",
        ),
        ("SLAVE_STATE_SEND_BULK", "sending the RDB file"),
        ("SLAVE_STATE_ONLINE", "online: receives every write"),
    ],
    inspect_title: "Message bytes",
    inspect_hint: "Click a packet in flight to see its bytes on the wire.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_a_sentence() {
        use replscope_core::repl::replica::ReplState;
        use replscope_core::repl::SlaveState;
        let repl = [
            ReplState::None,
            ReplState::Connect,
            ReplState::Connecting,
            ReplState::ReceivePingReply,
            ReplState::SendHandshake,
            ReplState::ReceiveAuthReply,
            ReplState::ReceivePortReply,
            ReplState::ReceiveIpReply,
            ReplState::ReceiveCapaReply,
            ReplState::SendPsync,
            ReplState::ReceivePsyncReply,
            ReplState::Transfer,
            ReplState::Connected,
        ];
        for st in repl {
            let name = crate::model::view::repl_state_name(st);
            assert!(!EN.state_help(name).is_empty(), "{name}");
        }
        for st in [
            SlaveState::WaitBgsaveStart,
            SlaveState::WaitBgsaveEnd,
            SlaveState::SendBulk,
            SlaveState::Online,
        ] {
            let name = crate::model::view::slave_state_name(st);
            assert!(!EN.state_help(name).is_empty(), "{name}");
        }
    }
}
