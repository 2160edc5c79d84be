//! Every piece of text the page shows, in one table per language (issue #7 adds Chinese
//! by adding a second table; the components only read [`Strings`]).

macro_rules! strings_table {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// The page's text.
        #[derive(Clone, Debug)]
        pub struct Strings {
            $($(#[$doc])* pub $name: &'static str,)*
            /// One sentence per `REPL_STATE_*` / `SLAVE_STATE_*`: what the node is doing.
            pub state_help: &'static [(&'static str, &'static str)],
        }

        impl Strings {
            /// Every text field with its name (for the translation test).
            pub fn fields(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($name), self.$name)),*]
            }

            /// Every text field, as an accessor: [`Strings::zip_with`] loops over it (one
            /// small function per field instead of one inlined call per field: smaller wasm).
            const TEXT_FIELDS: &'static [fn(&mut Strings) -> &mut &'static str] = &[$(|s| &mut s.$name),*];

            /// A table made field by field from two others (the bilingual table).
            fn zip_with(a: &Strings, b: &Strings, f: &dyn Fn(&'static str, &'static str) -> &'static str) -> Strings {
                let (mut out, mut other) = (a.clone(), b.clone());
                for field in Self::TEXT_FIELDS {
                    let joined = f(*field(&mut out), *field(&mut other));
                    *field(&mut out) = joined;
                }
                out.state_help = Box::leak(
                    a.state_help
                        .iter()
                        .map(|(k, v)| (*k, f(v, b.state_help.iter().find(|(k2, _)| k2 == k).map_or("", |(_, v)| v))))
                        .collect::<Vec<_>>()
                        .into_boxed_slice(),
                );
                out
            }
        }
    };
}

strings_table! {

    /// Page title (brand).
    title,
    /// One-line description under the title.
    tagline,
    /// Scenario menu label.
    scenario,
    /// Play button.
    play,
    /// Pause button.
    pause,
    /// Step forward button.
    step,
    /// Step back button.
    back,
    /// Restart button.
    restart,
    /// Jump to the end button.
    to_end,
    /// Speed control label.
    speed,
    /// Timeline label.
    timeline,
    /// "step" word in the counter.
    step_word,
    /// Shown when the run is over.
    finished,
    /// Keyboard help line.
    keys_help,
    /// Settings box title.
    settings,
    /// Backlog size slider.
    backlog_size,
    /// Write rate slider.
    write_rate,
    /// Latency slider.
    latency,
    /// Bandwidth slider.
    bandwidth,
    /// Unlimited bandwidth.
    unlimited,
    /// Scenario default value.
    default_value,
    /// Add a replica button.
    add_replica,
    /// Remove a node button.
    remove,
    /// Crash button.
    crash,
    /// Restart a node button.
    restart_node,
    /// Cut the link to the master.
    cut_link,
    /// Restore it.
    restore_link,
    /// Node is down.
    down,
    /// Keyspace heading.
    keyspace,
    /// Empty keyspace.
    empty,
    /// Backlog heading.
    backlog,
    /// No backlog.
    no_backlog,
    /// Replicas (as the master sees them) heading.
    replicas,
    /// Bytes held for a replica.
    buffered,
    /// RDB heading.
    rdb,
    /// BGSAVE running.
    bgsave_running,
    /// RDB being received.
    rdb_loading,
    /// RDB received earlier.
    rdb_received,
    /// No RDB activity.
    rdb_idle,
    /// INFO heading.
    info,
    /// Console heading.
    console,
    /// Console input placeholder.
    console_placeholder,
    /// Waiting for a reply.
    waiting,
    /// PSYNC decision heading.
    psync_title,
    /// No PSYNC yet.
    psync_none,
    /// "requested" in the PSYNC panel.
    requested,
    /// "master has" in the PSYNC panel.
    master_has,
    /// Backlog window in the PSYNC panel.
    window,
    /// Event log heading.
    events,
    /// Messages in flight heading.
    in_flight,
    /// Prefix of the core's version badge.
    version_prefix,
    /// PSYNC accepted: `{id}`, `{offset}`, `{len}` are filled in.
    psync_continue,
    /// PSYNC ? -1.
    psync_no_history,
    /// "offset" label.
    offset,
    /// "link" label.
    link,
    /// "state" label.
    state,
    /// "ack" in the replica list.
    ack,
    /// The client node in the topology.
    client,
    /// The consoles' client in the event log.
    console_node,
    /// "{n} replica(s)" in the topology.
    replica_count,
    /// Event log: a node sends a message (`{who}`, `{what}`).
    log_sends,
    /// Event log: a node opens a connection.
    log_connects,
    /// Event log: a connection closed (`{who}`, `{why}`).
    log_closed,
    /// Closed by the peer.
    closed_peer,
    /// Closed: link cut.
    closed_cut,
    /// Closed: connection refused.
    closed_refused,
    /// Event log: a fault (`{what}`).
    log_fault,
    /// Message inspector title.
    inspect_title,
    /// Message inspector, nothing selected.
    inspect_hint,
    /// Language menu label.
    language,
    /// Bilingual mode toggle.
    bilingual,
    /// Guided tour toggle.
    tour,
    /// Next tour step.
    tour_next,
    /// Previous tour step.
    tour_prev,
    /// No tour for this scenario.
    tour_none,
    /// The tour's text is being fetched.
    tour_loading,
    /// "{n} / {total}" tour position.
    tour_pos,
    /// Config knobs heading.
    knobs,
    /// Predict-then-reveal heading.
    predict,
    /// Right answer.
    right,
    /// Wrong answer (`{answer}`).
    wrong,
    /// Copy link button.
    copy_link,
    /// Link copied.
    copied,
    /// Sequence diagram heading.
    sequence,
    /// Mermaid export button.
    export_mermaid,
    /// JSON export button.
    export_json,
    /// PNG export button.
    export_png,
    /// Compare mode button / heading.
    compare,
    /// Setting that differs in compare mode.
    variation,
    /// Disconnect length.
    var_disconnect,
    /// Backlog size.
    var_backlog,
    /// Diskless sync.
    var_diskless,
    /// Full resyncs count label.
    full_syncs,
    /// Partial resyncs count label.
    partial_syncs,
    /// Bytes between servers label.
    bytes_sent,
    /// Catch-up time label.
    catch_up,
    /// Not resynchronized.
    no_resync,
    /// Close a mode.
    close,
    /// Lost writes heading.
    lost_title,
    /// No write lost.
    lost_none,
    /// `{cmd}` `{node}` `{ms}`: never sent to a replica.
    lost_never_sent,
    /// `{cmd}` `{node}` `{ms}` `{master}`: sent but never delivered.
    lost_not_delivered,
    /// `{cmd}` `{master}`: overwritten by a full resync.
    lost_overwritten,
    /// `{n}`: WAIT answered n.
    lost_wait_some,
    /// No WAIT after it.
    lost_wait_none,
    /// Presenter mode toggle.
    presenter,
    /// Narration shown toggle.
    narration,
    /// Event table: time column.
    col_time,
    /// Event table: event column.
    col_event,
    /// Fault: partition (`{a}`, `{b}`).
    fault_partition,
    /// Fault: heal (`{a}`, `{b}`).
    fault_heal,
    /// Fault: crash (`{a}`).
    fault_crash,
    /// Fault: restart (`{a}`).
    fault_restart,
    /// Fault: a link cut, held, released or slowed (`{a}`: link number).
    fault_link,
    /// The topology drawing's label.
    topology,
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
    keys_help: "Keys: Space play/pause \u{b7} \u{2190}/\u{2192} or PageUp/PageDown step \u{b7} +/\u{2212} speed \u{b7} N narration",
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
    language: "Language",
    bilingual: "Both languages",
    tour: "Guided tour",
    tour_next: "Next \u{25b8}",
    tour_prev: "\u{25c2} Previous",
    tour_none: "This scenario has no guided tour.",
    tour_loading: "Loading the tour\u{2026}",
    tour_pos: "{n} / {total}",
    knobs: "Config knobs",
    predict: "Predict, then see",
    right: "Right!",
    wrong: "Not quite: the master answered {answer}.",
    copy_link: "Copy link",
    copied: "Link copied",
    sequence: "Sequence diagram",
    export_mermaid: "Mermaid",
    export_json: "JSON trace",
    export_png: "PNG",
    compare: "Compare",
    variation: "Setting that differs",
    var_disconnect: "Disconnect length",
    var_backlog: "Backlog size",
    var_diskless: "Diskless sync",
    full_syncs: "full resyncs",
    partial_syncs: "partial resyncs",
    bytes_sent: "bytes between servers",
    catch_up: "time to catch up",
    no_resync: "no resync",
    close: "Close",
    lost_title: "Lost writes",
    lost_none: "No acknowledged write was lost.",
    lost_never_sent: "`{cmd}` was lost: {node} acknowledged it at {ms} ms but never sent it to a replica before it failed",
    lost_not_delivered: "`{cmd}` was lost: {node} acknowledged it at {ms} ms and sent it on, but it never reached {master}",
    lost_overwritten: "`{cmd}` was lost: it reached {master} but was replaced by a full resynchronization",
    lost_wait_some: "WAIT right after it answered {n}: only {n} replica(s) had it, a warning the client got.",
    lost_wait_none: "Replication is asynchronous: the client was told OK before any replica had the write (a WAIT 1 <ms> after it would have answered 0).",
    presenter: "Presenter mode",
    narration: "Narration",
    col_time: "Time (ms)",
    col_event: "Event",
    fault_partition: "partition {a} / {b}",
    fault_heal: "heal {a} / {b}",
    fault_crash: "crash {a}",
    fault_restart: "restart {a}",
    fault_link: "link {a} cut, held, released or slowed",
    topology: "replication topology",
};

/// Simplified Chinese (简体中文).
pub const ZH: Strings = Strings {
    title: "ReplScope",
    tagline: "Redis 7.0 主从复制，由与 ReplScope 服务器相同的 Rust 内核逐字节模拟。",
    scenario: "场景",
    play: "播放",
    pause: "暂停",
    step: "下一步 \u{2192}",
    back: "\u{2190} 上一步",
    restart: "重新开始",
    to_end: "跳到结尾",
    speed: "速度",
    timeline: "时间线",
    step_word: "步骤",
    finished: "已结束",
    keys_help: "按键：空格 播放/暂停 \u{b7} \u{2190}/\u{2192} 或 PageUp/PageDown 单步 \u{b7} +/\u{2212} 速度 \u{b7} N 旁白",
    settings: "设置（重新运行）",
    backlog_size: "积压缓冲区大小",
    write_rate: "写入速率",
    latency: "链路延迟",
    bandwidth: "带宽",
    unlimited: "不限",
    default_value: "场景默认",
    add_replica: "添加从节点",
    remove: "移除",
    crash: "崩溃",
    restart_node: "重启",
    cut_link: "断开链路",
    restore_link: "恢复链路",
    down: "宕机",
    keyspace: "键空间",
    empty: "（空）",
    backlog: "积压缓冲区（backlog）",
    no_backlog: "没有积压缓冲区",
    replicas: "从节点",
    buffered: "已缓冲",
    rdb: "RDB 快照",
    bgsave_running: "BGSAVE 进行中",
    rdb_loading: "正在接收 RDB",
    rdb_received: "已收到 RDB",
    rdb_idle: "空闲",
    info: "INFO replication 输出",
    console: "控制台",
    console_placeholder: "输入命令，例如 SET x 1",
    waiting: "（等待中\u{2026}）",
    psync_title: "PSYNC 决策",
    psync_none: "还没有 PSYNC：从节点向主节点请求同步时，这里会显示决策过程。",
    requested: "请求",
    master_has: "主节点拥有",
    window: "积压缓冲区窗口",
    events: "事件",
    in_flight: "传输中",
    version_prefix: "replscope-core 版本 ",
    psync_continue: "{id} 匹配，且偏移量 {offset} 在积压缓冲区窗口内：发送 {len} 字节的积压数据",
    psync_no_history: "从节点没有复制历史（PSYNC ?）：请求完整重同步",
    offset: "偏移量",
    link: "链路",
    state: "状态",
    ack: "确认",
    client: "客户端",
    console_node: "控制台",
    replica_count: "{n} 个从节点",
    log_sends: "{who}：发送 {what}",
    log_connects: "{who}：发起连接",
    log_closed: "{who}：连接关闭（{why}）",
    closed_peer: "对端关闭",
    closed_cut: "链路被断开",
    closed_refused: "连接被拒绝",
    log_fault: "故障：{what}",
    state_help: &[
        ("REPL_STATE_NONE", "未在复制"),
        ("REPL_STATE_CONNECT", "需要连接主节点（定时任务每秒重试）"),
        ("REPL_STATE_CONNECTING", "正在建立到主节点的 TCP 连接"),
        ("REPL_STATE_RECEIVE_PING_REPLY", "已发送 PING，等待 +PONG"),
        ("REPL_STATE_SEND_HANDSHAKE", "即将发送 AUTH 和 REPLCONF"),
        ("REPL_STATE_RECEIVE_AUTH_REPLY", "等待 AUTH 的回复"),
        ("REPL_STATE_RECEIVE_PORT_REPLY", "已发送 REPLCONF listening-port，等待 +OK"),
        ("REPL_STATE_RECEIVE_IP_REPLY", "已发送 REPLCONF ip-address，等待 +OK"),
        ("REPL_STATE_RECEIVE_CAPA_REPLY", "已发送 REPLCONF capa eof capa psync2，等待 +OK"),
        ("REPL_STATE_SEND_PSYNC", "即将发送 PSYNC <replid> <offset>"),
        ("REPL_STATE_RECEIVE_PSYNC_REPLY", "已发送 PSYNC，等待 +FULLRESYNC 或 +CONTINUE"),
        ("REPL_STATE_TRANSFER", "正在接收主节点的 RDB 快照"),
        ("REPL_STATE_CONNECTED", "已同步：执行主节点的命令流，每秒发送 ACK"),
        ("SLAVE_STATE_WAIT_BGSAVE_START", "等待 BGSAVE 开始"),
        ("SLAVE_STATE_WAIT_BGSAVE_END", "BGSAVE 进行中；为这个从节点缓冲写命令"),
        ("SLAVE_STATE_SEND_BULK", "正在发送 RDB 文件"),
        ("SLAVE_STATE_ONLINE", "在线：接收每一条写命令"),
    ],
    inspect_title: "消息字节",
    inspect_hint: "点击传输中的数据包，查看它在网络上的字节。",
    language: "语言",
    bilingual: "双语显示",
    tour: "导览",
    tour_next: "下一段 \u{25b8}",
    tour_prev: "\u{25c2} 上一段",
    tour_none: "这个场景没有导览。",
    tour_loading: "正在加载导览\u{2026}",
    tour_pos: "第 {n} 段，共 {total} 段",
    knobs: "相关配置项",
    predict: "先预测，再揭晓",
    right: "答对了！",
    wrong: "不对：主节点的回答是 {answer}。",
    copy_link: "复制链接",
    copied: "链接已复制",
    sequence: "时序图",
    export_mermaid: "导出 Mermaid",
    export_json: "导出 JSON 轨迹",
    export_png: "导出 PNG",
    compare: "对比",
    variation: "不同的设置",
    var_disconnect: "断开时长",
    var_backlog: "积压缓冲区大小",
    var_diskless: "无盘同步",
    full_syncs: "次完整重同步",
    partial_syncs: "次部分重同步",
    bytes_sent: "服务器之间传输的字节",
    catch_up: "追上主节点用时",
    no_resync: "没有重同步",
    close: "关闭",
    lost_title: "丢失的写入",
    lost_none: "没有已确认的写入丢失。",
    lost_never_sent: "`{cmd}` 丢失了：{node} 在 {ms} 毫秒时确认了它，但在故障前从未发给任何从节点",
    lost_not_delivered: "`{cmd}` 丢失了：{node} 在 {ms} 毫秒时确认并转发了它，但它从未到达 {master}",
    lost_overwritten: "`{cmd}` 丢失了：它到达了 {master}，但被一次完整重同步覆盖",
    lost_wait_some: "紧随其后的 WAIT 返回 {n}：只有 {n} 个从节点拥有它，客户端本可以据此察觉。",
    lost_wait_none: "复制是异步的：在任何从节点拿到这条写入之前，客户端就收到了 OK（如果之后执行 WAIT 1 <毫秒>，会返回 0）。",
    presenter: "演示模式",
    narration: "旁白",
    col_time: "时间（毫秒）",
    col_event: "事件",
    fault_partition: "网络分区 {a} / {b}",
    fault_heal: "分区恢复 {a} / {b}",
    fault_crash: "{a} 崩溃",
    fault_restart: "{a} 重启",
    fault_link: "链路 {a} 被断开、阻塞、放行或限速",
    topology: "复制拓扑",
};

/// A UI language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// The code used in tour files and permalinks (`en`, `zh`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The language of a code (English for anything unknown).
    pub fn from_code(code: &str) -> Lang {
        if code == "zh" {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// The other language (the second one in bilingual mode).
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }

    /// The language's own name for the menu.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "简体中文",
        }
    }
}

/// The table of one language.
pub fn table(lang: Lang) -> &'static Strings {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

thread_local! {
    static BILINGUAL: [std::cell::OnceCell<&'static Strings>; 2] = const {
        [std::cell::OnceCell::new(), std::cell::OnceCell::new()]
    };
}

/// The table shown: one language, or both (`primary / other`) in bilingual mode. The
/// bilingual tables are built once.
pub fn strings(lang: Lang, bilingual: bool) -> &'static Strings {
    if !bilingual {
        return table(lang);
    }
    BILINGUAL.with(|cells| {
        *cells[lang as usize].get_or_init(|| {
            let joined = |a: &'static str, b: &'static str| -> &'static str {
                if a == b || b.is_empty() {
                    a
                } else {
                    Box::leak(format!("{a} / {b}").into_boxed_str())
                }
            };
            Box::leak(Box::new(Strings::zip_with(
                table(lang),
                table(lang.other()),
                &joined,
            )))
        })
    })
}

/// The scenarios' one-line descriptions in Chinese (the core's are English).
pub const SCENARIOS_ZH: &[(&str, &str)] = &[
    ("full-sync", "从节点的第一次同步：PSYNC ? -1、+FULLRESYNC、BGSAVE、RDB、缓冲的写命令、命令流"),
    ("partial-resync", "短暂断开：从节点发送 PSYNC <replid> <offset>，得到 +CONTINUE"),
    ("backlog-overflow", "长时间断开期间大量写入，超出 16 KiB 的积压缓冲区：只能再次完整重同步"),
    ("failover", "主节点崩溃，replica-1 被提升为主节点，replica-2 通过 replid2 以部分重同步跟随它"),
    ("chain", "master -> replica -> sub-replica：中间节点原样转发命令流（相同的 replid 和偏移量），之后它与主节点的链路断开，又以 +CONTINUE 恢复"),
    ("diskless", "无盘同步（7.0 的默认值）：主节点等待 repl-diskless-sync-delay 以便更多从节点加入，然后由子进程直接把一份 RDB 同时发给两个从节点，用 $EOF:<标记> 界定"),
    ("wait", "WAIT 1 确认写入已到达从节点；链路停滞时被确认的写入，WAIT 返回 0，主节点崩溃、从节点被提升后这条写入丢失"),
    ("restart", "主节点关闭时保存带 repl-id/repl-offset 的快照，从快照重启（旧 ID 成为 replid2），它的从节点以 +CONTINUE <新 ID> 继续"),
];

/// A scenario's description in a language (`english` is the core's own).
pub fn scenario_description(lang: Lang, name: &str, english: &'static str) -> &'static str {
    match lang {
        Lang::En => english,
        Lang::Zh => SCENARIOS_ZH
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(english, |(_, d)| d),
    }
}

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
            assert!(!ZH.state_help(name).is_empty(), "{name}");
        }
        for st in [
            SlaveState::WaitBgsaveStart,
            SlaveState::WaitBgsaveEnd,
            SlaveState::SendBulk,
            SlaveState::Online,
        ] {
            let name = crate::model::view::slave_state_name(st);
            assert!(!EN.state_help(name).is_empty(), "{name}");
            assert!(!ZH.state_help(name).is_empty(), "{name}");
        }
    }

    /// Fields that are the same word in both languages (names, protocol words).
    const SAME: &[&str] = &["title"];

    fn placeholders(s: &str) -> Vec<&str> {
        let mut v: Vec<&str> = s
            .match_indices('{')
            .filter_map(|(i, _)| {
                let end = s[i..].find('}')?;
                Some(&s[i..i + end + 1])
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    #[test]
    fn every_string_has_both_languages() {
        let en = EN.fields();
        let zh = ZH.fields();
        assert_eq!(en.len(), zh.len());
        for ((name, e), (_, z)) in en.iter().zip(&zh) {
            assert!(!e.trim().is_empty(), "English {name} is empty");
            assert!(!z.trim().is_empty(), "Chinese {name} is missing");
            if !SAME.contains(name) {
                assert_ne!(e, z, "{name} is not translated");
            }
            assert_eq!(
                placeholders(e),
                placeholders(z),
                "{name}: placeholders differ"
            );
        }
        for (k, _) in EN.state_help {
            assert!(
                ZH.state_help.iter().any(|(k2, v)| k2 == k && !v.is_empty()),
                "{k}"
            );
        }
        assert_eq!(EN.state_help.len(), ZH.state_help.len());
    }

    #[test]
    fn every_scenario_is_described_in_chinese() {
        for sc in replscope_core::sim::scenario::scenarios() {
            let zh = scenario_description(Lang::Zh, sc.name, sc.description);
            assert_ne!(zh, sc.description, "{} has no Chinese description", sc.name);
        }
    }

    #[test]
    fn bilingual_shows_both() {
        let b = strings(Lang::Zh, true);
        assert_eq!(b.play, "播放 / Play");
        assert_eq!(b.title, "ReplScope");
        assert!(b.state_help("REPL_STATE_CONNECTED").contains(" / in sync"));
        assert_eq!(strings(Lang::En, false).play, "Play");
        assert_eq!(Lang::from_code("zh"), Lang::Zh);
        assert_eq!(Lang::from_code("xx"), Lang::En);
    }
}
