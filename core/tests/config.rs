//! The config registry against Redis 7.0.15: defaults, parsing, CONFIG GET
//! and CONFIG SET replies and errors. The expected strings were taken from a
//! real redis-server 7.0.15 (Debian 12 build).

use replscope_core::config::{Applied, Config, LogLevel, SetContext};

/// `CONFIG GET *` of redis-server 7.0.15 started without a config file
/// (`dir` and `port` left out: they depend on how it was started).
const REDIS_DEFAULTS: &[(&str, &str)] = &[
    ("acl-pubsub-default", "resetchannels"),
    ("aclfile", ""),
    ("acllog-max-len", "128"),
    ("active-defrag-cycle-max", "25"),
    ("active-defrag-cycle-min", "1"),
    ("active-defrag-ignore-bytes", "104857600"),
    ("active-defrag-max-scan-fields", "1000"),
    ("active-defrag-threshold-lower", "10"),
    ("active-defrag-threshold-upper", "100"),
    ("active-expire-effort", "1"),
    ("activedefrag", "no"),
    ("activerehashing", "yes"),
    ("always-show-logo", "no"),
    ("aof-disable-auto-gc", "no"),
    ("aof-load-truncated", "yes"),
    ("aof-rewrite-incremental-fsync", "yes"),
    ("aof-timestamp-enabled", "no"),
    ("aof-use-rdb-preamble", "yes"),
    ("aof_rewrite_cpulist", ""),
    ("appenddirname", "appendonlydir"),
    ("appendfilename", "appendonly.aof"),
    ("appendfsync", "everysec"),
    ("appendonly", "no"),
    ("auto-aof-rewrite-min-size", "67108864"),
    ("auto-aof-rewrite-percentage", "100"),
    ("bgsave_cpulist", ""),
    ("bind", "* -::*"),
    ("bind-source-addr", ""),
    ("bio_cpulist", ""),
    ("busy-reply-threshold", "5000"),
    (
        "client-output-buffer-limit",
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
    ),
    ("client-query-buffer-limit", "1073741824"),
    ("cluster-allow-pubsubshard-when-down", "yes"),
    ("cluster-allow-reads-when-down", "no"),
    ("cluster-allow-replica-migration", "yes"),
    ("cluster-announce-bus-port", "0"),
    ("cluster-announce-hostname", ""),
    ("cluster-announce-ip", ""),
    ("cluster-announce-port", "0"),
    ("cluster-announce-tls-port", "0"),
    ("cluster-config-file", "nodes.conf"),
    ("cluster-enabled", "no"),
    ("cluster-link-sendbuf-limit", "0"),
    ("cluster-migration-barrier", "1"),
    ("cluster-node-timeout", "15000"),
    ("cluster-port", "0"),
    ("cluster-preferred-endpoint-type", "ip"),
    ("cluster-replica-no-failover", "no"),
    ("cluster-replica-validity-factor", "10"),
    ("cluster-require-full-coverage", "yes"),
    ("cluster-slave-no-failover", "no"),
    ("cluster-slave-validity-factor", "10"),
    ("crash-log-enabled", "yes"),
    ("crash-memcheck-enabled", "yes"),
    ("daemonize", "no"),
    ("databases", "16"),
    ("dbfilename", "dump.rdb"),
    ("disable-thp", "yes"),
    ("dynamic-hz", "yes"),
    ("enable-debug-command", "no"),
    ("enable-module-command", "no"),
    ("enable-protected-configs", "no"),
    ("hash-max-listpack-entries", "512"),
    ("hash-max-listpack-value", "64"),
    ("hash-max-ziplist-entries", "512"),
    ("hash-max-ziplist-value", "64"),
    ("hll-sparse-max-bytes", "3000"),
    ("hz", "10"),
    ("ignore-warnings", ""),
    ("io-threads", "1"),
    ("io-threads-do-reads", "no"),
    ("jemalloc-bg-thread", "yes"),
    ("latency-monitor-threshold", "0"),
    ("latency-tracking", "yes"),
    ("latency-tracking-info-percentiles", "50 99 99.9"),
    ("lazyfree-lazy-eviction", "no"),
    ("lazyfree-lazy-expire", "no"),
    ("lazyfree-lazy-server-del", "no"),
    ("lazyfree-lazy-user-del", "no"),
    ("lazyfree-lazy-user-flush", "no"),
    ("lfu-decay-time", "1"),
    ("lfu-log-factor", "10"),
    ("list-compress-depth", "0"),
    ("list-max-listpack-size", "-2"),
    ("list-max-ziplist-size", "-2"),
    ("logfile", ""),
    ("loglevel", "notice"),
    ("lua-time-limit", "5000"),
    ("masterauth", ""),
    ("masteruser", ""),
    ("maxclients", "10000"),
    ("maxmemory", "0"),
    ("maxmemory-clients", "0"),
    ("maxmemory-eviction-tenacity", "10"),
    ("maxmemory-policy", "noeviction"),
    ("maxmemory-samples", "5"),
    ("min-replicas-max-lag", "10"),
    ("min-replicas-to-write", "0"),
    ("min-slaves-max-lag", "10"),
    ("min-slaves-to-write", "0"),
    ("no-appendfsync-on-rewrite", "no"),
    ("notify-keyspace-events", ""),
    ("oom-score-adj", "no"),
    ("oom-score-adj-values", "0 200 800"),
    ("pidfile", ""),
    ("proc-title-template", "{title} {listen-addr} {server-mode}"),
    ("propagation-error-behavior", "ignore"),
    ("protected-mode", "yes"),
    ("proto-max-bulk-len", "536870912"),
    ("rdb-del-sync-files", "no"),
    ("rdb-save-incremental-fsync", "yes"),
    ("rdbchecksum", "yes"),
    ("rdbcompression", "yes"),
    ("repl-backlog-size", "1048576"),
    ("repl-backlog-ttl", "3600"),
    ("repl-disable-tcp-nodelay", "no"),
    ("repl-diskless-load", "disabled"),
    ("repl-diskless-sync", "yes"),
    ("repl-diskless-sync-delay", "5"),
    ("repl-diskless-sync-max-replicas", "0"),
    ("repl-ping-replica-period", "10"),
    ("repl-ping-slave-period", "10"),
    ("repl-timeout", "60"),
    ("replica-announce-ip", ""),
    ("replica-announce-port", "0"),
    ("replica-announced", "yes"),
    ("replica-ignore-disk-write-errors", "no"),
    ("replica-ignore-maxmemory", "yes"),
    ("replica-lazy-flush", "no"),
    ("replica-priority", "100"),
    ("replica-read-only", "yes"),
    ("replica-serve-stale-data", "yes"),
    ("replicaof", ""),
    ("requirepass", ""),
    ("sanitize-dump-payload", "no"),
    ("save", "3600 1 300 100 60 10000"),
    ("server_cpulist", ""),
    ("set-max-intset-entries", "512"),
    ("set-proc-title", "yes"),
    ("shutdown-on-sigint", "default"),
    ("shutdown-on-sigterm", "default"),
    ("shutdown-timeout", "10"),
    ("slave-announce-ip", ""),
    ("slave-announce-port", "0"),
    ("slave-ignore-maxmemory", "yes"),
    ("slave-lazy-flush", "no"),
    ("slave-priority", "100"),
    ("slave-read-only", "yes"),
    ("slave-serve-stale-data", "yes"),
    ("slaveof", ""),
    ("slowlog-log-slower-than", "10000"),
    ("slowlog-max-len", "128"),
    ("socket-mark-id", "0"),
    ("stop-writes-on-bgsave-error", "yes"),
    ("stream-node-max-bytes", "4096"),
    ("stream-node-max-entries", "100"),
    ("supervised", "no"),
    ("syslog-enabled", "no"),
    ("syslog-facility", "local0"),
    ("syslog-ident", "redis"),
    ("tcp-backlog", "511"),
    ("tcp-keepalive", "300"),
    ("timeout", "0"),
    ("tls-auth-clients", "yes"),
    ("tls-ca-cert-dir", ""),
    ("tls-ca-cert-file", ""),
    ("tls-cert-file", ""),
    ("tls-ciphers", ""),
    ("tls-ciphersuites", ""),
    ("tls-client-cert-file", ""),
    ("tls-client-key-file", ""),
    ("tls-client-key-file-pass", ""),
    ("tls-cluster", "no"),
    ("tls-dh-params-file", ""),
    ("tls-key-file", ""),
    ("tls-key-file-pass", ""),
    ("tls-port", "0"),
    ("tls-prefer-server-ciphers", "no"),
    ("tls-protocols", ""),
    ("tls-replication", "no"),
    ("tls-session-cache-size", "20480"),
    ("tls-session-cache-timeout", "300"),
    ("tls-session-caching", "yes"),
    ("tracking-table-max-keys", "1000000"),
    ("unixsocket", ""),
    ("unixsocketperm", "0"),
    ("zset-max-listpack-entries", "128"),
    ("zset-max-listpack-value", "64"),
    ("zset-max-ziplist-entries", "128"),
    ("zset-max-ziplist-value", "64"),
];

fn get1(c: &Config, name: &str) -> String {
    let v = c.get(&[name.as_bytes()]);
    assert_eq!(v.len(), 1, "CONFIG GET {name} gave {v:?}");
    String::from_utf8(v[0].1.clone()).unwrap()
}

fn set(c: &mut Config, pairs: &[(&str, &str)]) -> Result<(), String> {
    let pairs: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .map(|(k, v)| (k.as_bytes(), v.as_bytes()))
        .collect();
    c.set_runtime(&pairs)
}

fn directive(c: &mut Config, line: &[&str]) -> Result<Applied, String> {
    let args: Vec<Vec<u8>> = line[1..].iter().map(|a| a.as_bytes().to_vec()).collect();
    c.apply_directive(line[0], &args)
}

fn failed(name: &str, why: &str) -> Result<(), String> {
    Err(format!(
        "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
    ))
}

#[test]
fn config_get_star_matches_redis_defaults() {
    let c = Config::default();
    let mut got: Vec<(String, String)> = c
        .get(&[b"*"])
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
        .filter(|(k, _)| k != "dir" && k != "port")
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = REDIS_DEFAULTS
        .iter()
        .map(|(k, v)| {
            // Deliberate: redis.conf's bind, not the compiled-in "* -::*".
            let v = if *k == "bind" { "127.0.0.1 -::1" } else { v };
            (k.to_string(), v.to_string())
        })
        .collect();
    want.sort();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
    assert_eq!(get1(&c, "port"), "6379");
    assert_eq!(get1(&c, "dir"), "");
}

#[test]
fn a_dozen_defaults_as_printed() {
    let c = Config::default();
    for (name, want) in [
        ("save", "3600 1 300 100 60 10000"),
        (
            "client-output-buffer-limit",
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        ),
        ("repl-backlog-size", "1048576"),
        ("client-query-buffer-limit", "1073741824"),
        ("proto-max-bulk-len", "536870912"),
        ("maxclients", "10000"),
        ("databases", "16"),
        ("hz", "10"),
        ("loglevel", "notice"),
        ("requirepass", ""),
        ("replicaof", ""),
        ("slaveof", ""),
        ("repl-diskless-sync", "yes"),
        ("repl-diskless-load", "disabled"),
        ("list-max-listpack-size", "-2"),
        ("maxmemory-policy", "noeviction"),
        ("latency-tracking-info-percentiles", "50 99 99.9"),
        ("shutdown-on-sigint", "default"),
        ("unixsocketperm", "0"),
    ] {
        assert_eq!(get1(&c, name), want, "{name}");
    }
    assert_eq!(c.port, 6379);
    assert_eq!(c.bind, vec!["127.0.0.1".to_string(), "-::1".to_string()]);
    assert_eq!(c.maxclients, 10000);
    assert_eq!(c.client_query_buffer_limit, 1 << 30);
    assert_eq!(c.save, vec![(3600, 1), (300, 100), (60, 10000)]);
    assert_eq!(c.loglevel, LogLevel::Notice);
    assert!(c.active_expire_enabled);
    assert!(c.get(&[b"active-expire-enabled"]).is_empty());
}

#[test]
fn hidden_parameters_need_an_exact_name() {
    let c = Config::default();
    assert_eq!(get1(&c, "rdb-key-save-delay"), "0");
    assert_eq!(get1(&c, "loading-process-events-interval-bytes"), "2097152");
    let mut names: Vec<String> = c.get(&[b"*delay*"]).into_iter().map(|(k, _)| k).collect();
    names.sort();
    assert_eq!(
        names,
        vec!["repl-disable-tcp-nodelay", "repl-diskless-sync-delay"]
    );
}

#[test]
fn exact_names_answer_as_typed_and_once() {
    let c = Config::default();
    let got = c.get(&[b"PORT", b"port", b"Slave-read-only", b"re*read*", b"nosuch"]);
    let names: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, vec!["PORT", "Slave-read-only", "replica-read-only"]);
    assert_eq!(got[0].1, b"6379");
    assert!(c.get(&[b"nosuch"]).is_empty());
    assert!(c.get(&[b"no*such"]).is_empty());
}

#[test]
fn glob_patterns_list_names_and_aliases() {
    let c = Config::default();
    let mut names: Vec<String> = c
        .get(&[b"*max-*-entries*"])
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "hash-max-listpack-entries",
            "hash-max-ziplist-entries",
            "set-max-intset-entries",
            "zset-max-listpack-entries",
            "zset-max-ziplist-entries",
        ]
    );
    let mut names: Vec<String> = c.get(&[b"*SLAVE*"]).into_iter().map(|(k, _)| k).collect();
    names.sort();
    assert_eq!(names.len(), 13, "{names:?}");
    assert!(names.contains(&"slaveof".to_string()));
    // Several patterns, overlapping: each name once.
    let got = c.get(&[b"repl-ping-*", b"*ping*", b"maxclients"]);
    let names: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "repl-ping-replica-period",
            "repl-ping-slave-period",
            "maxclients"
        ]
    );
    assert_eq!(c.get(&[b"h?"]), vec![("hz".to_string(), b"10".to_vec())]);
    assert_eq!(
        c.get(&[b"[p]ort"]),
        vec![("port".to_string(), b"6379".to_vec())]
    );
}

#[test]
fn memory_units() {
    let mut c = Config::default();
    for (given, want) in [
        ("1k", "1000"),
        ("1kb", "1024"),
        ("1Kb", "1024"),
        ("1KB", "1024"),
        ("2m", "2000000"),
        ("2mb", "2097152"),
        ("3g", "3000000000"),
        ("3GB", "3221225472"),
        ("5b", "5"),
        ("5B", "5"),
        ("7", "7"),
        ("", "0"),
        ("kb", "0"),
        ("18446744073709551615", "18446744073709551615"),
        ("18446744073709551616", "18446744073709551615"),
        ("99999999999999999999kb", "18446744073709550592"),
    ] {
        set(&mut c, &[("maxmemory", given)]).unwrap();
        assert_eq!(get1(&c, "maxmemory"), want, "maxmemory {given}");
    }
    assert_eq!(c.maxmemory, u64::MAX.wrapping_mul(1024));
    for bad in ["1.5mb", " 5", "+5", "-1", "1zb", "10%"] {
        assert_eq!(
            set(&mut c, &[("maxmemory", bad)]),
            failed("maxmemory", "argument must be a memory value"),
            "{bad}"
        );
    }
    set(&mut c, &[("client-query-buffer-limit", "2mb")]).unwrap();
    assert_eq!(c.client_query_buffer_limit, 2 * 1024 * 1024);
    assert_eq!(
        set(&mut c, &[("proto-max-bulk-len", "1")]),
        failed(
            "proto-max-bulk-len",
            "argument must be between 1048576 and 9223372036854775807 inclusive"
        )
    );
    assert_eq!(
        set(&mut c, &[("proto-max-bulk-len", "9223372036854775808")]),
        failed(
            "proto-max-bulk-len",
            "argument must be between 1048576 and 9223372036854775807 inclusive"
        )
    );
    set(&mut c, &[("maxmemory-clients", "10%")]).unwrap();
    assert_eq!(get1(&c, "maxmemory-clients"), "10%");
    assert_eq!(
        set(&mut c, &[("maxmemory-clients", "101%")]),
        failed(
            "maxmemory-clients",
            "percentage argument must be less or equal to 100"
        )
    );
    assert_eq!(
        set(&mut c, &[("maxmemory-clients", "x")]),
        failed(
            "maxmemory-clients",
            "argument must be a memory or percent value"
        )
    );
    // Memory values in the config file too.
    directive(&mut c, &["repl-backlog-size", "16mb"]).unwrap();
    assert_eq!(c.repl_backlog_size, 16 << 20);
    directive(&mut c, &["hash-max-ziplist-value", "1k"]).unwrap();
    assert_eq!(c.hash_max_listpack_value, 1000);
}

#[test]
fn integers_and_bounds() {
    let mut c = Config::default();
    let int_err = "argument couldn't be parsed into an integer";
    for bad in [
        "abc",
        "+5",
        " 5",
        "05",
        "5.0",
        "99999999999999999999",
        "-0",
        "",
    ] {
        assert_eq!(
            set(&mut c, &[("timeout", bad)]),
            failed("timeout", int_err),
            "{bad:?}"
        );
    }
    let between = "argument must be between 1 and 4294967295 inclusive";
    assert_eq!(
        set(&mut c, &[("maxclients", "-1")]),
        failed("maxclients", between)
    );
    assert_eq!(
        set(&mut c, &[("maxclients", "0")]),
        failed("maxclients", between)
    );
    assert_eq!(
        set(&mut c, &[("port", "70000")]),
        failed("port", "argument must be between 0 and 65535 inclusive")
    );
    assert_eq!(
        set(&mut c, &[("repl-backlog-size", "0")]),
        failed(
            "repl-backlog-size",
            "argument must be between 1 and 9223372036854775807 inclusive"
        )
    );
    assert_eq!(
        set(&mut c, &[("loading-process-events-interval-bytes", "5")]),
        failed(
            "loading-process-events-interval-bytes",
            "argument must be between 1024 and 2147483647 inclusive"
        )
    );
    set(
        &mut c,
        &[
            ("maxclients", "4294967295"),
            ("list-max-ziplist-size", "-5"),
        ],
    )
    .unwrap();
    assert_eq!(c.maxclients, u32::MAX);
    assert_eq!(c.list_max_listpack_size, -5);
    assert_eq!(get1(&c, "list-max-listpack-size"), "-5");
    // hz is clamped to 1..=500.
    set(&mut c, &[("hz", "0")]).unwrap();
    assert_eq!((c.hz, get1(&c, "hz")), (1, "1".to_string()));
    set(&mut c, &[("hz", "600")]).unwrap();
    assert_eq!(get1(&c, "hz"), "500");
    directive(&mut c, &["hz", "1000"]).unwrap();
    assert_eq!(c.hz, 500);
    // A changed repl-backlog-size is raised to 16kb at runtime, not from a file.
    set(&mut c, &[("repl-backlog-size", "100")]).unwrap();
    assert_eq!(get1(&c, "repl-backlog-size"), "16384");
    directive(&mut c, &["repl-backlog-size", "100"]).unwrap();
    assert_eq!(get1(&c, "repl-backlog-size"), "100");
    // unixsocketperm is octal.
    directive(&mut c, &["unixsocketperm", "700"]).unwrap();
    assert_eq!(get1(&c, "unixsocketperm"), "700");
    assert_eq!(
        directive(&mut c, &["unixsocketperm", "1000"]),
        Err("argument must be between 0 and 777 inclusive".into())
    );
    assert_eq!(
        directive(&mut c, &["unixsocketperm", "9"]),
        Err("argument couldn't be parsed as an octal number".into())
    );
}

#[test]
fn bools_and_enums() {
    let mut c = Config::default();
    assert_eq!(
        set(&mut c, &[("appendonly", "maybe")]),
        failed("appendonly", "argument must be 'yes' or 'no'")
    );
    assert_eq!(
        set(&mut c, &[("Slave-Read-Only", "1")]),
        failed("slave-read-only", "argument must be 'yes' or 'no'")
    );
    assert_eq!(
        directive(&mut c, &["protected-mode", "true"]),
        Err("argument must be 'yes' or 'no'".into())
    );
    set(&mut c, &[("replica-read-only", "NO")]).unwrap();
    assert!(!c.replica_read_only);
    assert_eq!(
        set(&mut c, &[("loglevel", "loud")]),
        failed(
            "loglevel",
            "argument(s) must be one of the following: debug, verbose, notice, warning"
        )
    );
    assert_eq!(
        set(&mut c, &[("loglevel", "notice warning")]),
        failed(
            "loglevel",
            "argument(s) must be one of the following: debug, verbose, notice, warning"
        )
    );
    set(&mut c, &[("loglevel", "WARNING")]).unwrap();
    assert_eq!(
        (c.loglevel, get1(&c, "loglevel")),
        (LogLevel::Warning, "warning".to_string())
    );
    set(&mut c, &[("maxmemory-policy", "ALLKEYS-LRU")]).unwrap();
    assert_eq!(get1(&c, "maxmemory-policy"), "allkeys-lru");
    set(&mut c, &[("oom-score-adj", "relative")]).unwrap();
    assert_eq!(get1(&c, "oom-score-adj"), "yes");
    // Bit flags.
    set(&mut c, &[("shutdown-on-sigint", "nosave now")]).unwrap();
    assert_eq!(get1(&c, "shutdown-on-sigint"), "nosave now");
    set(&mut c, &[("shutdown-on-sigint", "default now")]).unwrap();
    assert_eq!(get1(&c, "shutdown-on-sigint"), "now");
    assert_eq!(
        set(&mut c, &[("shutdown-on-sigint", "save nosave")]),
        failed(
            "shutdown-on-sigint",
            "shutdown options SAVE and NOSAVE can't be used simultaneously"
        )
    );
    assert_eq!(
        set(&mut c, &[("shutdown-on-sigint", "")]),
        failed(
            "shutdown-on-sigint",
            "argument(s) must be one of the following: default, save, nosave, now, force"
        )
    );
    assert_eq!(
        set(&mut c, &[("activedefrag", "yes")]),
        failed(
            "activedefrag",
            "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified \
             Jemalloc like the one shipped by default with the Redis source distribution"
        )
    );
    set(&mut c, &[("activedefrag", "no")]).unwrap();
}

#[test]
fn set_runtime_is_all_or_nothing() {
    let mut c = Config::default();
    let before = c.clone();
    assert_eq!(
        set(&mut c, &[("timeout", "30"), ("maxclients", "abc")]),
        failed("maxclients", "argument couldn't be parsed into an integer")
    );
    assert_eq!(c, before);
    assert_eq!(get1(&c, "timeout"), "0");
    assert_eq!(
        set(
            &mut c,
            &[("save", "100 1"), ("maxmemory", "10mb"), ("port", "-1")]
        ),
        failed("port", "argument must be between 0 and 65535 inclusive")
    );
    assert_eq!(c, before);
    set(
        &mut c,
        &[("timeout", "30"), ("maxmemory", "10mb"), ("save", "100 1")],
    )
    .unwrap();
    assert_eq!(
        (c.timeout, c.maxmemory, c.save.clone()),
        (30, 10 << 20, vec![(100, 1)])
    );
}

#[test]
fn set_runtime_refusals() {
    let mut c = Config::default();
    let before = c.clone();
    assert_eq!(
        set(&mut c, &[("foo", "bar")]),
        Err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'".into())
    );
    assert_eq!(
        set(&mut c, &[("databases", "3")]),
        failed("databases", "can't set immutable config")
    );
    assert_eq!(
        set(&mut c, &[("port", "1"), ("databases", "3")]),
        failed("databases", "can't set immutable config")
    );
    // The first problem found wins.
    assert_eq!(
        set(&mut c, &[("databases", "1"), ("foo", "1")]),
        failed("databases", "can't set immutable config")
    );
    assert_eq!(
        set(&mut c, &[("foo", "1"), ("databases", "1")]),
        Err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'".into())
    );
    assert_eq!(
        set(&mut c, &[("port", "1"), ("foo", "1"), ("port", "2")]),
        Err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'".into())
    );
    assert_eq!(
        set(&mut c, &[("replicaof", "127.0.0.1 1")]),
        failed("replicaof", "can't set immutable config")
    );
    assert_eq!(
        set(&mut c, &[("slaveof", "no one")]),
        failed("slaveof", "can't set immutable config")
    );
    assert_eq!(
        set(&mut c, &[("port", "6380"), ("port", "6381")]),
        failed("port", "duplicate parameter")
    );
    assert_eq!(
        set(&mut c, &[("port", "6380"), ("PORT", "6381")]),
        failed("PORT", "duplicate parameter")
    );
    assert_eq!(
        set(
            &mut c,
            &[("slave-read-only", "yes"), ("replica-read-only", "no")]
        ),
        failed("replica-read-only", "duplicate parameter")
    );
    assert_eq!(
        set(&mut c, &[("dir", "/tmp")]),
        failed("dir", "can't set protected config")
    );
    assert_eq!(
        set(&mut c, &[("dbfilename", "x.rdb")]),
        failed("dbfilename", "can't set protected config")
    );
    assert_eq!(c, before);

    // enable-protected-configs local: only local clients.
    directive(&mut c, &["enable-protected-configs", "local"]).unwrap();
    assert_eq!(
        set(&mut c, &[("dbfilename", "x.rdb")]),
        failed("dbfilename", "can't set protected config")
    );
    let local = SetContext {
        client_is_local: true,
        loading: false,
    };
    c.set_runtime_ctx(&[(b"dbfilename", b"x.rdb")], local)
        .unwrap();
    assert_eq!(c.dbfilename, "x.rdb");
    assert_eq!(
        c.set_runtime_ctx(&[(b"dbfilename", b"a/b")], local),
        failed("dbfilename", "dbfilename can't be a path, just a filename")
    );
    let loading = SetContext {
        client_is_local: true,
        loading: true,
    };
    assert_eq!(
        c.set_runtime_ctx(&[(b"appendonly", b"no")], loading),
        Err("LOADING Redis is loading the dataset in memory".into())
    );
    assert_eq!(
        Config::set_failed_error("port", "Unable to listen on this port. Check server logs."),
        "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs."
    );
}

#[test]
fn aliases_set_and_get_the_same_parameter() {
    let mut c = Config::default();
    set(&mut c, &[("slave-read-only", "no")]).unwrap();
    assert!(!c.replica_read_only);
    assert_eq!(get1(&c, "replica-read-only"), "no");
    set(
        &mut c,
        &[
            ("slave-priority", "7"),
            ("repl-ping-slave-period", "3"),
            ("slave-announce-ip", "10.0.0.1"),
        ],
    )
    .unwrap();
    assert_eq!((c.replica_priority, c.repl_ping_replica_period), (7, 3));
    assert_eq!(c.replica_announce_ip.as_deref(), Some("10.0.0.1"));
    assert_eq!(get1(&c, "replica-announce-ip"), "10.0.0.1");
    set(&mut c, &[("slave-announce-ip", "")]).unwrap();
    assert_eq!(c.replica_announce_ip, None);
    set(&mut c, &[("lua-time-limit", "100")]).unwrap();
    assert_eq!(get1(&c, "busy-reply-threshold"), "100");
    directive(&mut c, &["hash-max-ziplist-entries", "77"]).unwrap();
    directive(&mut c, &["zset-max-ziplist-entries", "11"]).unwrap();
    directive(&mut c, &["list-max-ziplist-size", "-3"]).unwrap();
    directive(&mut c, &["SLAVE-SERVE-STALE-DATA", "no"]).unwrap();
    assert_eq!(c.hash_max_listpack_entries, 77);
    assert_eq!(c.zset_max_listpack_entries, 11);
    assert_eq!(c.list_max_listpack_size, -3);
    assert!(!c.replica_serve_stale_data);
    directive(&mut c, &["slaveof", "10.1.1.1", "6380"]).unwrap();
    assert_eq!(c.replicaof, Some(("10.1.1.1".to_string(), 6380)));
    assert_eq!(get1(&c, "replicaof"), "10.1.1.1 6380");
    assert_eq!(get1(&c, "slaveof"), "10.1.1.1 6380");
    directive(&mut c, &["replicaof", "no", "one"]).unwrap();
    assert_eq!(c.replicaof, None);
}

#[test]
fn directives_like_the_config_file() {
    let mut c = Config::default();
    assert_eq!(
        directive(&mut c, &["foo", "bar"]),
        Err("Bad directive or wrong number of arguments".into())
    );
    assert_eq!(
        directive(&mut c, &["port", "1", "2"]),
        Err("wrong number of arguments".into())
    );
    assert_eq!(
        directive(&mut c, &["port"]),
        Err("wrong number of arguments".into())
    );
    assert_eq!(
        directive(&mut c, &["port", "abc"]),
        Err("argument couldn't be parsed into an integer".into())
    );
    assert_eq!(directive(&mut c, &["PORT", "7000"]), Ok(Applied::Set));
    assert_eq!(c.port, 7000);
    assert_eq!(
        directive(&mut c, &["replicaof", "h"]),
        Err("wrong number of arguments".into())
    );
    assert_eq!(
        directive(&mut c, &["replicaof", "h", "70000"]),
        Err("Invalid master port".into())
    );
    // One argument holding several words is split again.
    assert_eq!(
        directive(&mut c, &["replicaof", "127.0.0.1 6379"]),
        Ok(Applied::Set)
    );
    assert_eq!(c.replicaof, Some(("127.0.0.1".to_string(), 6379)));
    assert_eq!(
        directive(&mut c, &["masterauth", "secret"]),
        Ok(Applied::Set)
    );
    assert_eq!(c.masterauth.as_deref(), Some(&b"secret"[..]));
    assert_eq!(get1(&c, "masterauth"), "secret");
    // Known but not implemented: validated, shown by CONFIG GET, reported.
    assert_eq!(
        directive(&mut c, &["maxmemory-policy", "allkeys-lru"]),
        Ok(Applied::Ignored)
    );
    assert_eq!(get1(&c, "maxmemory-policy"), "allkeys-lru");
    assert_eq!(
        directive(&mut c, &["appendonly", "no"]),
        Ok(Applied::Ignored)
    );
    assert_eq!(
        directive(&mut c, &["io-threads", "4"]),
        Ok(Applied::Ignored)
    );
    assert_eq!(get1(&c, "io-threads"), "4");
    assert_eq!(
        directive(&mut c, &["io-threads", "400"]),
        Err("argument must be between 1 and 128 inclusive".into())
    );
    // Old and special directives.
    assert_eq!(
        directive(&mut c, &["list-max-ziplist-entries", "5"]),
        Ok(Applied::Ignored)
    );
    assert_eq!(
        directive(&mut c, &["lua-replicate-commands", "yes"]),
        Ok(Applied::Ignored)
    );
    assert_eq!(
        directive(&mut c, &["list-max-ziplist-entries", "5", "6"]),
        Err("Bad directive or wrong number of arguments".into())
    );
    assert_eq!(
        directive(&mut c, &["rename-command", "FLUSHALL", ""]),
        Ok(Applied::Ignored)
    );
    assert_eq!(
        directive(&mut c, &["user", "bob", "on"]),
        Ok(Applied::Ignored)
    );
    assert_eq!(
        directive(&mut c, &["loadmodule", "/x.so"]),
        Ok(Applied::Ignored)
    );
    assert_eq!(directive(&mut c, &["sentinel"]), Ok(Applied::Ignored));
    assert_eq!(
        directive(&mut c, &["sentinel", "monitor", "a", "1", "2", "3"]),
        Err("sentinel directive while not in sentinel mode".into())
    );
    assert_eq!(
        directive(&mut c, &["a.b"]),
        Err("Module config specified without value".into())
    );
    assert_eq!(directive(&mut c, &["a.b", "1"]), Ok(Applied::Ignored));
    assert_eq!(directive(&mut c, &["a.b", "1", "2"]), Ok(Applied::Ignored));
    // Validators.
    assert_eq!(
        directive(&mut c, &["dbfilename", "a/b"]),
        Err("dbfilename can't be a path, just a filename".into())
    );
    assert_eq!(
        directive(&mut c, &["appendfilename", ""]),
        Err("appendfilename can't be empty".into())
    );
    assert_eq!(
        directive(&mut c, &["appenddirname", "a/b"]),
        Err("appenddirname can't be a path, just a dirname".into())
    );
    assert_eq!(
        directive(&mut c, &["cluster-announce-hostname", "a_b"]),
        Err("Hostnames may only contain alphanumeric characters, hyphens or dots".into())
    );
    let template_err = Err("template format is invalid or contains unknown variables".to_string());
    assert_eq!(
        directive(&mut c, &["proc-title-template", "{nope}"]),
        template_err
    );
    assert_eq!(
        directive(&mut c, &["proc-title-template", "{title}"]),
        template_err
    );
    assert_eq!(
        directive(&mut c, &["proc-title-template", "{port"]),
        template_err
    );
    assert_eq!(
        directive(&mut c, &["proc-title-template", "{port} x"]),
        Ok(Applied::Ignored)
    );
}

#[test]
fn save_points() {
    let mut c = Config::default();
    // From a file: the first save line replaces the defaults, later ones add.
    directive(&mut c, &["save", "900", "1"]).unwrap();
    directive(&mut c, &["save", "300 10"]).unwrap();
    assert_eq!(get1(&c, "save"), "900 1 300 10");
    // `save ""` always clears.
    directive(&mut c, &["save", ""]).unwrap();
    assert!(c.save.is_empty());
    directive(&mut c, &["save", "60", "5"]).unwrap();
    assert_eq!(c.save, vec![(60, 5)]);
    // After an include, each save line replaces the list (as Redis 7.0.15).
    c.set_reading_config_file(false);
    directive(&mut c, &["save", "70", "6"]).unwrap();
    directive(&mut c, &["save", "80", "7"]).unwrap();
    assert_eq!(get1(&c, "save"), "80 7");
    for bad in ["900", "0 1", "100 -1", "a b"] {
        assert_eq!(
            directive(&mut c, &["save", bad]),
            Err("Invalid save parameters".into()),
            "{bad}"
        );
    }
    // At runtime the value replaces the list; words are split on single spaces.
    set(&mut c, &[("save", "3600 1 300 100")]).unwrap();
    assert_eq!(c.save, vec![(3600, 1), (300, 100)]);
    assert_eq!(
        set(&mut c, &[("save", "100  1")]),
        failed("save", "Invalid save parameters")
    );
    set(&mut c, &[("save", "+100 1")]).unwrap();
    assert_eq!(get1(&c, "save"), "100 1");
    set(&mut c, &[("save", "")]).unwrap();
    assert_eq!(get1(&c, "save"), "");
}

#[test]
fn special_parameters() {
    let mut c = Config::default();
    set(
        &mut c,
        &[(
            "client-output-buffer-limit",
            "normal 1mb 2mb 60 replica 3 4 5",
        )],
    )
    .unwrap();
    assert_eq!(
        get1(&c, "client-output-buffer-limit"),
        "normal 1048576 2097152 60 slave 3 4 5 pubsub 33554432 8388608 60"
    );
    assert_eq!(c.client_output_buffer_limit.replica.soft_seconds, 5);
    let obuf = "client-output-buffer-limit";
    assert_eq!(
        set(&mut c, &[(obuf, "master 1 2 3")]),
        failed(
            obuf,
            "Invalid client class specified in buffer limit configuration."
        )
    );
    assert_eq!(
        set(&mut c, &[(obuf, "normal 1 2")]),
        failed(
            obuf,
            "Wrong number of arguments in buffer limit configuration."
        )
    );
    assert_eq!(
        set(&mut c, &[(obuf, "normal 1 2 -1")]),
        failed(
            obuf,
            "Error in hard, soft or soft_seconds setting in buffer limit configuration."
        )
    );
    assert_eq!(
        directive(&mut c, &[obuf, ""]),
        Err("Wrong number of arguments in buffer limit configuration.".into())
    );
    // Seconds are a C int.
    set(&mut c, &[(obuf, "SLAVE 1 2 4294967296")]).unwrap();
    assert_eq!(c.client_output_buffer_limit.replica.soft_seconds, 0);

    set(&mut c, &[("bind", "127.0.0.1 -::1 10.0.0.1")]).unwrap();
    assert_eq!(get1(&c, "bind"), "127.0.0.1 -::1 10.0.0.1");
    let many: Vec<String> = (1..=17).map(|i| format!("127.0.0.{i}")).collect();
    assert_eq!(
        set(&mut c, &[("bind", &many.join(" "))]),
        failed("bind", "Too many bind addresses specified.")
    );
    directive(&mut c, &["bind", ""]).unwrap();
    assert!(c.bind.is_empty());

    set(&mut c, &[("notify-keyspace-events", "KEA")]).unwrap();
    assert_eq!(get1(&c, "notify-keyspace-events"), "AKE");
    assert_eq!(
        set(&mut c, &[("notify-keyspace-events", "Q")]),
        failed(
            "notify-keyspace-events",
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
        )
    );
    set(
        &mut c,
        &[("latency-tracking-info-percentiles", "50 99.9 1e1")],
    )
    .unwrap();
    assert_eq!(get1(&c, "latency-tracking-info-percentiles"), "50 99.9 10");
    assert_eq!(
        set(&mut c, &[("latency-tracking-info-percentiles", "101")]),
        failed(
            "latency-tracking-info-percentiles",
            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
        )
    );
    set(&mut c, &[("oom-score-adj-values", "1 2 3")]).unwrap();
    assert_eq!(get1(&c, "oom-score-adj-values"), "1 2 3");
    assert_eq!(
        set(&mut c, &[("oom-score-adj-values", "0 1 3000")]),
        failed(
            "oom-score-adj-values",
            "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
        )
    );
    assert_eq!(
        set(&mut c, &[("oom-score-adj-values", "1 2")]),
        failed("oom-score-adj-values", "wrong number of arguments")
    );

    directive(&mut c, &["dir", "/var/lib/x"]).unwrap();
    assert_eq!(get1(&c, "dir"), "/var/lib/x");
    set(&mut c, &[("requirepass", "")]).unwrap();
    assert_eq!(c.requirepass, None);
    set(&mut c, &[("requirepass", "s3cret")]).unwrap();
    assert_eq!(c.requirepass.as_deref(), Some(&b"s3cret"[..]));
    assert!(Config::is_sensitive(b"MASTERAUTH"));
    assert!(!Config::is_sensitive(b"port"));
}
