//! Server commands (COMMAND, CONFIG, INFO, TIME, LASTSAVE, SHUTDOWN, FUNCTION) against the
//! replies of redis-server 7.0.15.

use replscope_core::client::{ClientId, PeerInfo};
use replscope_core::cmd::CommandTable;
use replscope_core::config::Config;
use replscope_core::server::{Output, Server};
use replscope_core::time::Time;

const NOW_MS: u64 = 1_700_000_000_123;

struct H {
    srv: Server,
    c: ClientId,
    now: Time,
}

impl H {
    fn new(cfg: Config) -> H {
        let now = Time::from_millis(NOW_MS);
        let mut srv = Server::new(cfg, 7, now);
        let c = srv.handle_accept(now, PeerInfo::default());
        H { srv, c, now }
    }
    fn send(&mut self, args: &[&[u8]]) -> (String, Vec<Output>) {
        let mut req = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            req.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            req.extend_from_slice(a);
            req.extend_from_slice(b"\r\n");
        }
        self.srv.handle_input(self.now, self.c, &req);
        let mut out = Vec::new();
        let mut other = Vec::new();
        while let Some(o) = self.srv.poll_output() {
            match o {
                Output::Transmit { bytes, .. } => out.extend_from_slice(&bytes),
                o => other.push(o),
            }
        }
        (String::from_utf8_lossy(&out).into_owned(), other)
    }
    fn cmd(&mut self, line: &str) -> String {
        let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        self.send(&args).0
    }
}

/// The bulk payload of a reply.
fn bulk(reply: &str) -> &str {
    let body = reply.split_once("\r\n").unwrap().1;
    body.strip_suffix("\r\n").unwrap()
}

/// INFO parsed into (section title, field names).
fn parse_info(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for l in text.split("\r\n") {
        if let Some(t) = l.strip_prefix("# ") {
            out.push((t.to_string(), Vec::new()));
        } else if !l.is_empty() {
            let k = l.split(':').next().unwrap().to_string();
            out.last_mut().unwrap().1.push(k);
        }
    }
    out
}

/// Field names per INFO section of `redis-cli info everything` on redis-server 7.0.15
/// (a fresh master; Commandstats, Errorstats, Latencystats and Keyspace have per-item lines).
#[rustfmt::skip]
const REAL_INFO: &[(&str, &[&str])] = &[
    ("Server", &["redis_version", "redis_git_sha1", "redis_git_dirty", "redis_build_id", "redis_mode", "os", "arch_bits", "monotonic_clock", "multiplexing_api", "atomicvar_api", "gcc_version", "process_id", "process_supervised", "run_id", "tcp_port", "server_time_usec", "uptime_in_seconds", "uptime_in_days", "hz", "configured_hz", "lru_clock", "executable", "config_file", "io_threads_active"]),
    ("Clients", &["connected_clients", "cluster_connections", "maxclients", "client_recent_max_input_buffer", "client_recent_max_output_buffer", "blocked_clients", "tracking_clients", "clients_in_timeout_table"]),
    ("Memory", &["used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human", "used_memory_peak", "used_memory_peak_human", "used_memory_peak_perc", "used_memory_overhead", "used_memory_startup", "used_memory_dataset", "used_memory_dataset_perc", "allocator_allocated", "allocator_active", "allocator_resident", "total_system_memory", "total_system_memory_human", "used_memory_lua", "used_memory_vm_eval", "used_memory_lua_human", "used_memory_scripts_eval", "number_of_cached_scripts", "number_of_functions", "number_of_libraries", "used_memory_vm_functions", "used_memory_vm_total", "used_memory_vm_total_human", "used_memory_functions", "used_memory_scripts", "used_memory_scripts_human", "maxmemory", "maxmemory_human", "maxmemory_policy", "allocator_frag_ratio", "allocator_frag_bytes", "allocator_rss_ratio", "allocator_rss_bytes", "rss_overhead_ratio", "rss_overhead_bytes", "mem_fragmentation_ratio", "mem_fragmentation_bytes", "mem_not_counted_for_evict", "mem_replication_backlog", "mem_total_replication_buffers", "mem_clients_slaves", "mem_clients_normal", "mem_cluster_links", "mem_aof_buffer", "mem_allocator", "active_defrag_running", "lazyfree_pending_objects", "lazyfreed_objects"]),
    ("Persistence", &["loading", "async_loading", "current_cow_peak", "current_cow_size", "current_cow_size_age", "current_fork_perc", "current_save_keys_processed", "current_save_keys_total", "rdb_changes_since_last_save", "rdb_bgsave_in_progress", "rdb_last_save_time", "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec", "rdb_current_bgsave_time_sec", "rdb_saves", "rdb_last_cow_size", "rdb_last_load_keys_expired", "rdb_last_load_keys_loaded", "aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled", "aof_last_rewrite_time_sec", "aof_current_rewrite_time_sec", "aof_last_bgrewrite_status", "aof_rewrites", "aof_rewrites_consecutive_failures", "aof_last_write_status", "aof_last_cow_size", "module_fork_in_progress", "module_fork_last_cow_size"]),
    ("Stats", &["total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec", "total_net_input_bytes", "total_net_output_bytes", "total_net_repl_input_bytes", "total_net_repl_output_bytes", "instantaneous_input_kbps", "instantaneous_output_kbps", "instantaneous_input_repl_kbps", "instantaneous_output_repl_kbps", "rejected_connections", "sync_full", "sync_partial_ok", "sync_partial_err", "expired_keys", "expired_stale_perc", "expired_time_cap_reached_count", "expire_cycle_cpu_milliseconds", "evicted_keys", "evicted_clients", "total_eviction_exceeded_time", "current_eviction_exceeded_time", "keyspace_hits", "keyspace_misses", "pubsub_channels", "pubsub_patterns", "pubsubshard_channels", "latest_fork_usec", "total_forks", "migrate_cached_sockets", "slave_expires_tracked_keys", "active_defrag_hits", "active_defrag_misses", "active_defrag_key_hits", "active_defrag_key_misses", "total_active_defrag_time", "current_active_defrag_time", "tracking_total_keys", "tracking_total_items", "tracking_total_prefixes", "unexpected_error_replies", "total_error_replies", "dump_payload_sanitizations", "total_reads_processed", "total_writes_processed", "io_threaded_reads_processed", "io_threaded_writes_processed", "reply_buffer_shrinks", "reply_buffer_expands"]),
    ("Replication", &["role", "connected_slaves", "master_failover_state", "master_replid", "master_replid2", "master_repl_offset", "second_repl_offset", "repl_backlog_active", "repl_backlog_size", "repl_backlog_first_byte_offset", "repl_backlog_histlen"]),
    ("CPU", &["used_cpu_sys", "used_cpu_user", "used_cpu_sys_children", "used_cpu_user_children", "used_cpu_sys_main_thread", "used_cpu_user_main_thread"]),
    ("Modules", &[]),
    ("Commandstats", &[]),
    ("Errorstats", &[]),
    ("Latencystats", &[]),
    ("Cluster", &["cluster_enabled"]),
    ("Keyspace", &[]),
];

#[test]
fn info_everything_matches_redis_field_order() {
    let mut h = H::new(Config::default());
    h.cmd("set a 1");
    h.cmd("set b 2 ex 100");
    h.cmd("get");
    let reply = h.cmd("info everything");
    let text = bulk(&reply);
    assert!(text.ends_with("\r\n") && !text.ends_with("\r\n\r\n"));
    let ours = parse_info(text);
    let titles: Vec<&str> = ours.iter().map(|(t, _)| t.as_str()).collect();
    let want: Vec<&str> = REAL_INFO.iter().map(|(t, _)| *t).collect();
    assert_eq!(titles, want);
    for ((title, fields), (_, real)) in ours.iter().zip(REAL_INFO) {
        let mut fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        match title.as_str() {
            // Our own addition, documented: the ReplScope version ends the server section.
            "Server" => assert_eq!(fields.pop(), Some("replscope_version")),
            "Errorstats" => {
                assert_eq!(fields, ["errorstat_ERR"]);
                continue;
            }
            "Keyspace" => {
                assert_eq!(fields, ["db0"]);
                continue;
            }
            _ => {}
        }
        assert_eq!(&fields, real, "section {title}");
    }
    assert!(
        text.contains("\r\nredis_version:7.0.15\r\n")
            || text.contains("# Server\r\nredis_version:7.0.15\r\n")
    );
    assert!(text.contains(&format!(
        "\r\nreplscope_version:{}\r\n",
        replscope_core::VERSION
    )));
    assert!(text.contains("\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n"));
    assert!(text.contains("\r\nerrorstat_ERR:count=1\r\n"));
    assert!(text.contains("# Cluster\r\ncluster_enabled:0\r\n"));
    assert!(text.contains("\r\nserver_time_usec:1700000000123000\r\n"));
    assert!(text.contains("\r\nlru_clock:"));
}

#[test]
fn info_section_selection() {
    let mut h = H::new(Config::default());
    let titles = |h: &mut H, line: &str| -> Vec<String> {
        parse_info(bulk(&h.cmd(line)))
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    };
    let default = [
        "Server",
        "Clients",
        "Memory",
        "Persistence",
        "Stats",
        "Replication",
        "CPU",
        "Modules",
        "Errorstats",
        "Cluster",
        "Keyspace",
    ];
    assert_eq!(titles(&mut h, "info"), default);
    assert_eq!(titles(&mut h, "info default"), default);
    assert_eq!(titles(&mut h, "info server default"), default);
    assert_eq!(titles(&mut h, "info all").len(), 13);
    assert_eq!(titles(&mut h, "info EVERYTHING").len(), 13);
    assert_eq!(titles(&mut h, "info clients server"), ["Server", "Clients"]);
    assert_eq!(titles(&mut h, "info STATS"), ["Stats"]);
    assert_eq!(titles(&mut h, "info keyspace keyspace"), ["Keyspace"]);
    assert_eq!(h.cmd("info nosuch"), "$0\r\n\r\n");
    assert_eq!(
        h.cmd("info cluster"),
        "$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n"
    );
    assert_eq!(h.cmd("info keyspace"), "$12\r\n# Keyspace\r\n\r\n");
}

#[test]
fn info_replication() {
    let mut h = H::new(Config::default());
    let reply = h.cmd("info replication");
    let replid = &h.srv.state().master.ids.replid.to_string();
    assert_eq!(replid.len(), 40);
    assert!(replid.bytes().all(|b| b.is_ascii_hexdigit()));
    let want = format!(
        "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\n\
         master_replid:{replid}\r\nmaster_replid2:0000000000000000000000000000000000000000\r\n\
         master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n\
         repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n"
    );
    assert_eq!(bulk(&reply), want);

    let cfg = Config {
        replicaof: Some(("127.0.0.1".into(), 1)),
        ..Config::default()
    };
    let mut r = H::new(cfg);
    let reply = r.cmd("info replication");
    let fields: Vec<String> = parse_info(bulk(&reply)).remove(0).1;
    assert_eq!(
        fields,
        [
            "role",
            "master_host",
            "master_port",
            "master_link_status",
            "master_last_io_seconds_ago",
            "master_sync_in_progress",
            "slave_read_repl_offset",
            "slave_repl_offset",
            "master_link_down_since_seconds",
            "slave_priority",
            "slave_read_only",
            "replica_announced",
            "connected_slaves",
            "master_failover_state",
            "master_replid",
            "master_replid2",
            "master_repl_offset",
            "second_repl_offset",
            "repl_backlog_active",
            "repl_backlog_size",
            "repl_backlog_first_byte_offset",
            "repl_backlog_histlen",
        ]
    );
    assert!(reply.contains("\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:1\r\nmaster_link_status:down\r\nmaster_last_io_seconds_ago:-1\r\n"));
}

#[test]
fn config_commands() {
    let mut h = H::new(Config::default());
    for (line, want) in [
        ("config", "-ERR wrong number of arguments for 'config' command\r\n"),
        ("config get", "-ERR wrong number of arguments for 'config|get' command\r\n"),
        ("config set", "-ERR wrong number of arguments for 'config|set' command\r\n"),
        ("config set foo", "-ERR wrong number of arguments for 'config|set' command\r\n"),
        ("config set foo bar", "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n"),
        ("config set maxclients abc", "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer\r\n"),
        ("config set hz 5 hz 6", "-ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter\r\n"),
        ("config set a b c", "-ERR syntax error\r\n"),
        ("config resetstat x", "-ERR wrong number of arguments for 'config|resetstat' command\r\n"),
        ("config rewrite", "-ERR The server is running without a config file\r\n"),
        ("config help x", "-ERR wrong number of arguments for 'config|help' command\r\n"),
        ("config foo", "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n"),
        ("config get maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"),
        ("config set maxmemory 10mb", "+OK\r\n"),
        ("config get maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$8\r\n10485760\r\n"),
    ] {
        assert_eq!(h.cmd(line), want, "{line}");
    }
    let help = h.cmd("config help");
    assert!(help.starts_with("*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET <pattern>\r\n"));

    // RESETSTAT zeroes the counters (the RESETSTAT itself is then counted).
    h.cmd("get nokey");
    assert_eq!(h.cmd("config resetstat"), "+OK\r\n");
    let stats = h.cmd("info stats");
    assert!(
        stats.contains("\r\ntotal_commands_processed:1\r\n"),
        "{stats}"
    );
    assert!(stats.contains("\r\nkeyspace_misses:0\r\n"));
    assert!(stats.contains("\r\ntotal_error_replies:0\r\n"));
    assert_eq!(h.cmd("info errorstats"), "$14\r\n# Errorstats\r\n\r\n");

    // requirepass set at runtime: new connections need AUTH.
    assert_eq!(h.cmd("config set requirepass pw"), "+OK\r\n");
    let now = h.now;
    let d = h.srv.handle_accept(now, PeerInfo::default());
    h.c = d;
    assert_eq!(h.cmd("ping"), "-NOAUTH Authentication required.\r\n");
    assert_eq!(h.cmd("auth pw"), "+OK\r\n");
}

#[test]
fn command_count_list_info_docs() {
    let mut h = H::new(Config::default());
    let n = CommandTable::global().len();
    assert_eq!(h.cmd("command count"), format!(":{n}\r\n"));
    assert_eq!(
        h.cmd("command count x"),
        "-ERR wrong number of arguments for 'command|count' command\r\n"
    );
    assert_eq!(
        h.cmd("command foo"),
        "-ERR unknown subcommand 'foo'. Try COMMAND HELP.\r\n"
    );
    // COMMAND lists every top-level command.
    assert!(h.cmd("command").starts_with(&format!("*{n}\r\n*10\r\n")));
    // Exactly as redis-server 7.0.15 (no key specs involved).
    assert_eq!(
        h.cmd("command info ping nosuch"),
        "*2\r\n*10\r\n$4\r\nping\r\n:-1\r\n*1\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n\
         *2\r\n$25\r\nrequest_policy:all_shards\r\n$29\r\nresponse_policy:all_succeeded\r\n*0\r\n*0\r\n$-1\r\n"
    );
    assert_eq!(
        h.cmd("command info config|resetstat"),
        "*1\r\n*10\r\n$16\r\nconfig|resetstat\r\n:2\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n\
         :0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n"
    );
    // The first six fields of GET, and its key spec.
    let get = h.cmd("command info get");
    assert!(get.starts_with("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n"), "{get}");
    // COMMAND LIST: every command and subcommand.
    let list = h.cmd("command list");
    assert!(list.contains("\r\n$11\r\nclient|list\r\n"));
    assert!(list.contains("\r\n$10\r\nconfig|get\r\n"));
    assert_eq!(h.cmd("command list filterby"), "-ERR syntax error\r\n");
    assert_eq!(
        h.cmd("command list filterby foo bar"),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        h.cmd("command list filterby pattern config|re*"),
        "*2\r\n$16\r\nconfig|resetstat\r\n$14\r\nconfig|rewrite\r\n"
    );
    // DOCS
    assert_eq!(h.cmd("command docs nosuch"), "*0\r\n");
    assert_eq!(
        h.cmd("command docs get"),
        "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n\
         $5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*0\r\n"
    );
    assert!(h
        .cmd("command docs")
        .starts_with(&format!("*{}\r\n", 2 * n)));
    let help = h.cmd("command help");
    assert!(help.starts_with("*21\r\n+COMMAND <subcommand>"), "{help}");
}

#[test]
fn time_lastsave() {
    let mut h = H::new(Config::default());
    assert_eq!(h.cmd("time"), "*2\r\n$10\r\n1700000000\r\n$6\r\n123000\r\n");
    assert_eq!(
        h.cmd("time x"),
        "-ERR wrong number of arguments for 'time' command\r\n"
    );
    assert_eq!(h.cmd("lastsave"), ":1700000000\r\n");
    assert_eq!(
        h.cmd("lastsave x"),
        "-ERR wrong number of arguments for 'lastsave' command\r\n"
    );
}

#[test]
fn shutdown() {
    let mut h = H::new(Config::default());
    for (line, want) in [
        ("shutdown foo", "-ERR syntax error\r\n"),
        ("shutdown abort", "-ERR No shutdown in progress.\r\n"),
        ("shutdown nosave save", "-ERR syntax error\r\n"),
        ("shutdown now force nosave abort", "-ERR syntax error\r\n"),
    ] {
        assert_eq!(h.cmd(line), want, "{line}");
    }
    h.cmd("multi");
    assert_eq!(
        h.cmd("shutdown"),
        "-ERR Command not allowed inside a transaction\r\n"
    );
    h.cmd("discard");
    let (reply, outs) = h.send(&[b"SHUTDOWN", b"NOSAVE"]);
    assert_eq!(reply, "");
    assert!(outs.contains(&Output::Shutdown { save: Some(false) }));
    assert!(outs.contains(&Output::Close { client: h.c }));
    let mut h = H::new(Config::default());
    let (_, outs) = h.send(&[b"shutdown"]);
    assert!(outs.contains(&Output::Shutdown { save: None }));
    let mut h = H::new(Config::default());
    let (_, outs) = h.send(&[b"shutdown", b"save", b"now", b"force"]);
    assert!(outs.contains(&Output::Shutdown { save: Some(true) }));
}

#[test]
fn function_commands() {
    let mut h = H::new(Config::default());
    h.srv.state_mut().repl.capture = true;
    h.srv.state_mut().repl.seldb = Some(0);
    for (line, want) in [
        ("function", "-ERR wrong number of arguments for 'function' command\r\n"),
        ("function flush", "+OK\r\n"),
        ("function flush async", "+OK\r\n"),
        ("function flush sync", "+OK\r\n"),
        ("function flush foo", "-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n"),
        ("function flush a b", "-ERR unknown subcommand or wrong number of arguments for 'flush'. Try FUNCTION HELP.\r\n"),
        ("function list", "*0\r\n"),
        ("function stats", "*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:0\r\n$15\r\nfunctions_count\r\n:0\r\n"),
        ("function foo", "-ERR unknown subcommand 'foo'. Try FUNCTION HELP.\r\n"),
        ("function kill", "-NOTBUSY No scripts in execution right now.\r\n"),
        ("function delete x", "-ERR Library not found\r\n"),
    ] {
        assert_eq!(h.cmd(line), want, "{line}");
    }
    let repl = String::from_utf8_lossy(&h.srv.take_repl_stream()).into_owned();
    assert!(
        repl.contains("*2\r\n$8\r\nfunction\r\n$5\r\nflush\r\n"),
        "{repl}"
    );
    assert!(h
        .cmd("function load x")
        .starts_with("-ERR FUNCTION LOAD is not supported"));
}
