//! The table of every configuration parameter of Redis 7.0.15 (as built by
//! Debian, with TLS): name, alias, flags, type, bounds and default. It mirrors
//! `static_configs[]` in Redis's config.c; whether ReplScope implements a
//! parameter is decided elsewhere (a typed field on `Config`).

pub(crate) const IMMUTABLE: u16 = 1;
pub(crate) const MULTI_ARG: u16 = 2;
pub(crate) const HIDDEN: u16 = 4;
pub(crate) const PROTECTED: u16 = 8;
pub(crate) const DENY_LOADING: u16 = 16;
pub(crate) const SENSITIVE: u16 = 32;
const MODIFIABLE: u16 = 0;

/// Numeric flags (`INTEGER_CONFIG` is none of them).
pub(crate) const MEMORY: u8 = 1;
pub(crate) const PERCENT: u8 = 2;
pub(crate) const OCTAL: u8 = 4;
const INTEGER: u8 = 0;

/// The C type a numeric parameter is stored in: it decides whether bounds
/// are compared signed or unsigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Nt {
    Int,
    UInt,
    ULong,
    LongLong,
    ULongLong,
    SizeT,
    SSizeT,
    TimeT,
    OffT,
}

impl Nt {
    pub(crate) fn unsigned(self) -> bool {
        matches!(self, Nt::UInt | Nt::ULongLong | Nt::SizeT)
    }
}

/// Extra validation of string parameters (Redis's `is_valid_fn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StrCheck {
    None,
    DbFilename,
    AofFilename,
    AofDirname,
    Hostname,
    ProcTitle,
}

/// Parameters with their own set/get functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    Dir,
    Save,
    ClientOutputBufferLimit,
    OomScoreAdjValues,
    NotifyKeyspaceEvents,
    Bind,
    ReplicaOf,
    LatencyTrackingInfoPercentiles,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    Bool {
        default: bool,
        /// Refuse `yes` (activedefrag without Redis's own jemalloc).
        refuse_yes: Option<&'static str>,
    },
    Str {
        default: Option<&'static str>,
        empty_is_null: bool,
        check: StrCheck,
    },
    /// Bit flags when the spec is `MULTI_ARG`.
    Enum {
        items: &'static [(&'static str, i64)],
        default: i64,
    },
    Num {
        nt: Nt,
        lo: i64,
        hi: i64,
        default: i64,
        flags: u8,
    },
    Special(Special),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Spec {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub flags: u16,
    pub kind: Kind,
}

impl Spec {
    pub(crate) fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
}

const INT_MAX: i64 = i32::MAX as i64;
const INT_MIN: i64 = i32::MIN as i64;
const UINT_MAX: i64 = u32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;
const LLONG_MAX: i64 = i64::MAX;
const SSIZE_MAX: i64 = i64::MAX;
/// `ULLONG_MAX` as stored in the C table's `long long` bound.
const ULLONG_MAX: i64 = -1;

const fn b(name: &'static str, alias: Option<&'static str>, flags: u16, default: bool) -> Spec {
    Spec {
        name,
        alias,
        flags,
        kind: Kind::Bool {
            default,
            refuse_yes: None,
        },
    }
}

const fn s(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    empty_is_null: bool,
    default: Option<&'static str>,
    check: StrCheck,
) -> Spec {
    Spec {
        name,
        alias,
        flags,
        kind: Kind::Str {
            default,
            empty_is_null,
            check,
        },
    }
}

const fn e(
    name: &'static str,
    flags: u16,
    items: &'static [(&'static str, i64)],
    default: i64,
) -> Spec {
    Spec {
        name,
        alias: None,
        flags,
        kind: Kind::Enum { items, default },
    }
}

#[allow(clippy::too_many_arguments)]
const fn n(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    nt: Nt,
    lo: i64,
    hi: i64,
    default: i64,
    num_flags: u8,
) -> Spec {
    Spec {
        name,
        alias,
        flags,
        kind: Kind::Num {
            nt,
            lo,
            hi,
            default,
            flags: num_flags,
        },
    }
}

const fn sp(name: &'static str, alias: Option<&'static str>, flags: u16, which: Special) -> Spec {
    Spec {
        name,
        alias,
        flags,
        kind: Kind::Special(which),
    }
}

const NULL: Option<&str> = None;
const EMPTY_IS_NULL: bool = true;
const ALLOW_EMPTY: bool = false;

pub(crate) const LOGLEVEL: &[(&str, i64)] =
    &[("debug", 0), ("verbose", 1), ("notice", 2), ("warning", 3)];
pub(crate) const REPL_DISKLESS_LOAD: &[(&str, i64)] =
    &[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)];
pub(crate) const PROTECTED_ACTION: &[(&str, i64)] = &[("no", 0), ("yes", 1), ("local", 2)];
const MAXMEMORY_POLICY: &[(&str, i64)] = &[
    ("volatile-lru", 1),
    ("volatile-lfu", 2),
    ("volatile-random", 3),
    ("volatile-ttl", 4),
    ("allkeys-lru", 5),
    ("allkeys-lfu", 6),
    ("allkeys-random", 7),
    ("noeviction", 8),
];
const SYSLOG_FACILITY: &[(&str, i64)] = &[
    ("user", 0),
    ("local0", 1),
    ("local1", 2),
    ("local2", 3),
    ("local3", 4),
    ("local4", 5),
    ("local5", 6),
    ("local6", 7),
    ("local7", 8),
];
const SUPERVISED: &[(&str, i64)] = &[("upstart", 1), ("systemd", 2), ("auto", 3), ("no", 0)];
const APPENDFSYNC: &[(&str, i64)] = &[("everysec", 1), ("always", 2), ("no", 0)];
const OOM_SCORE_ADJ: &[(&str, i64)] = &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];
const ACL_PUBSUB_DEFAULT: &[(&str, i64)] = &[("allchannels", 1), ("resetchannels", 0)];
const SANITIZE_DUMP_PAYLOAD: &[(&str, i64)] = &[("no", 0), ("yes", 1), ("clients", 2)];
const ENDPOINT_TYPE: &[(&str, i64)] = &[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)];
const PROPAGATION_ERROR: &[(&str, i64)] = &[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)];
pub(crate) const SHUTDOWN_SAVE: i64 = 1;
pub(crate) const SHUTDOWN_NOSAVE: i64 = 2;
const SHUTDOWN_ON_SIG: &[(&str, i64)] = &[
    ("default", 0),
    ("save", SHUTDOWN_SAVE),
    ("nosave", SHUTDOWN_NOSAVE),
    ("now", 4),
    ("force", 8),
];
const TLS_AUTH_CLIENTS: &[(&str, i64)] = &[("no", 0), ("yes", 1), ("optional", 2)];

use Nt::*;
use StrCheck as C;

/// Every parameter, in config.c's order.
#[rustfmt::skip]
pub(crate) static SPECS: &[Spec] = &[
    // Bool configs
    b("rdbchecksum", None, IMMUTABLE, true),
    b("daemonize", None, IMMUTABLE, false),
    b("io-threads-do-reads", None, IMMUTABLE, false),
    b("always-show-logo", None, IMMUTABLE, false),
    b("protected-mode", None, MODIFIABLE, true),
    b("rdbcompression", None, MODIFIABLE, true),
    b("rdb-del-sync-files", None, MODIFIABLE, false),
    b("activerehashing", None, MODIFIABLE, true),
    b("stop-writes-on-bgsave-error", None, MODIFIABLE, true),
    b("set-proc-title", None, IMMUTABLE, true),
    b("dynamic-hz", None, MODIFIABLE, true),
    b("lazyfree-lazy-eviction", None, MODIFIABLE, false),
    b("lazyfree-lazy-expire", None, MODIFIABLE, false),
    b("lazyfree-lazy-server-del", None, MODIFIABLE, false),
    b("lazyfree-lazy-user-del", None, MODIFIABLE, false),
    b("lazyfree-lazy-user-flush", None, MODIFIABLE, false),
    b("repl-disable-tcp-nodelay", None, MODIFIABLE, false),
    b("repl-diskless-sync", None, MODIFIABLE, true),
    b("aof-rewrite-incremental-fsync", None, MODIFIABLE, true),
    b("no-appendfsync-on-rewrite", None, MODIFIABLE, false),
    b("cluster-require-full-coverage", None, MODIFIABLE, true),
    b("rdb-save-incremental-fsync", None, MODIFIABLE, true),
    b("aof-load-truncated", None, MODIFIABLE, true),
    b("aof-use-rdb-preamble", None, MODIFIABLE, true),
    b("aof-timestamp-enabled", None, MODIFIABLE, false),
    b("cluster-replica-no-failover", Some("cluster-slave-no-failover"), MODIFIABLE, false),
    b("replica-lazy-flush", Some("slave-lazy-flush"), MODIFIABLE, false),
    b("replica-serve-stale-data", Some("slave-serve-stale-data"), MODIFIABLE, true),
    b("replica-read-only", Some("slave-read-only"), MODIFIABLE, true),
    b("replica-ignore-maxmemory", Some("slave-ignore-maxmemory"), MODIFIABLE, true),
    b("jemalloc-bg-thread", None, MODIFIABLE, true),
    Spec {
        name: "activedefrag",
        alias: None,
        flags: MODIFIABLE,
        kind: Kind::Bool {
            default: false,
            refuse_yes: Some(
                "Active defragmentation cannot be enabled: it requires a Redis server compiled \
                 with a modified Jemalloc like the one shipped by default with the Redis source \
                 distribution",
            ),
        },
    },
    b("syslog-enabled", None, IMMUTABLE, false),
    b("cluster-enabled", None, IMMUTABLE, false),
    b("appendonly", None, MODIFIABLE | DENY_LOADING, false),
    b("cluster-allow-reads-when-down", None, MODIFIABLE, false),
    b("cluster-allow-pubsubshard-when-down", None, MODIFIABLE, true),
    b("crash-log-enabled", None, MODIFIABLE, true),
    b("crash-memcheck-enabled", None, MODIFIABLE, true),
    b("use-exit-on-panic", None, MODIFIABLE | HIDDEN, false),
    b("disable-thp", None, IMMUTABLE, true),
    b("cluster-allow-replica-migration", None, MODIFIABLE, true),
    b("replica-announced", None, MODIFIABLE, true),
    b("latency-tracking", None, MODIFIABLE, true),
    b("aof-disable-auto-gc", None, MODIFIABLE, false),
    b("replica-ignore-disk-write-errors", None, MODIFIABLE, false),
    // String configs
    s("aclfile", None, IMMUTABLE, ALLOW_EMPTY, Some(""), C::None),
    s("unixsocket", None, IMMUTABLE, EMPTY_IS_NULL, NULL, C::None),
    s("pidfile", None, IMMUTABLE, EMPTY_IS_NULL, NULL, C::None),
    s("replica-announce-ip", Some("slave-announce-ip"), MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    s("masteruser", None, MODIFIABLE | SENSITIVE, EMPTY_IS_NULL, NULL, C::None),
    s("cluster-announce-ip", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    s("cluster-config-file", None, IMMUTABLE, ALLOW_EMPTY, Some("nodes.conf"), C::None),
    s("cluster-announce-hostname", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::Hostname),
    s("syslog-ident", None, IMMUTABLE, ALLOW_EMPTY, Some("redis"), C::None),
    s("dbfilename", None, MODIFIABLE | PROTECTED, ALLOW_EMPTY, Some("dump.rdb"), C::DbFilename),
    s("appendfilename", None, IMMUTABLE, ALLOW_EMPTY, Some("appendonly.aof"), C::AofFilename),
    s("appenddirname", None, IMMUTABLE, ALLOW_EMPTY, Some("appendonlydir"), C::AofDirname),
    s("server_cpulist", None, IMMUTABLE, EMPTY_IS_NULL, NULL, C::None),
    s("bio_cpulist", None, IMMUTABLE, EMPTY_IS_NULL, NULL, C::None),
    s("aof_rewrite_cpulist", None, IMMUTABLE, EMPTY_IS_NULL, NULL, C::None),
    s("bgsave_cpulist", None, IMMUTABLE, EMPTY_IS_NULL, NULL, C::None),
    s("ignore-warnings", None, MODIFIABLE, ALLOW_EMPTY, Some(""), C::None),
    s(
        "proc-title-template",
        None,
        MODIFIABLE,
        ALLOW_EMPTY,
        Some("{title} {listen-addr} {server-mode}"),
        C::ProcTitle,
    ),
    s("bind-source-addr", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    s("logfile", None, IMMUTABLE, ALLOW_EMPTY, Some(""), C::None),
    // SDS configs
    s("masterauth", None, MODIFIABLE | SENSITIVE, EMPTY_IS_NULL, NULL, C::None),
    s("requirepass", None, MODIFIABLE | SENSITIVE, EMPTY_IS_NULL, NULL, C::None),
    // Enum configs
    e("supervised", IMMUTABLE, SUPERVISED, 0),
    e("syslog-facility", IMMUTABLE, SYSLOG_FACILITY, 1),
    e("repl-diskless-load", MODIFIABLE | DENY_LOADING, REPL_DISKLESS_LOAD, 0),
    e("loglevel", MODIFIABLE, LOGLEVEL, 2),
    e("maxmemory-policy", MODIFIABLE, MAXMEMORY_POLICY, 8),
    e("appendfsync", MODIFIABLE, APPENDFSYNC, 1),
    e("oom-score-adj", MODIFIABLE, OOM_SCORE_ADJ, 0),
    e("acl-pubsub-default", MODIFIABLE, ACL_PUBSUB_DEFAULT, 0),
    e("sanitize-dump-payload", MODIFIABLE, SANITIZE_DUMP_PAYLOAD, 0),
    e("enable-protected-configs", IMMUTABLE, PROTECTED_ACTION, 0),
    e("enable-debug-command", IMMUTABLE, PROTECTED_ACTION, 0),
    e("enable-module-command", IMMUTABLE, PROTECTED_ACTION, 0),
    e("cluster-preferred-endpoint-type", MODIFIABLE, ENDPOINT_TYPE, 0),
    e("propagation-error-behavior", MODIFIABLE, PROPAGATION_ERROR, 0),
    e("shutdown-on-sigint", MODIFIABLE | MULTI_ARG, SHUTDOWN_ON_SIG, 0),
    e("shutdown-on-sigterm", MODIFIABLE | MULTI_ARG, SHUTDOWN_ON_SIG, 0),
    // Integer configs
    n("databases", None, IMMUTABLE, Int, 1, INT_MAX, 16, INTEGER),
    n("port", None, MODIFIABLE, Int, 0, 65535, 6379, INTEGER),
    n("io-threads", None, IMMUTABLE, Int, 1, 128, 1, INTEGER),
    n("auto-aof-rewrite-percentage", None, MODIFIABLE, Int, 0, INT_MAX, 100, INTEGER),
    n(
        "cluster-replica-validity-factor",
        Some("cluster-slave-validity-factor"),
        MODIFIABLE,
        Int,
        0,
        INT_MAX,
        10,
        INTEGER,
    ),
    n("list-max-listpack-size", Some("list-max-ziplist-size"), MODIFIABLE, Int, INT_MIN, INT_MAX, -2, INTEGER),
    n("tcp-keepalive", None, MODIFIABLE, Int, 0, INT_MAX, 300, INTEGER),
    n("cluster-migration-barrier", None, MODIFIABLE, Int, 0, INT_MAX, 1, INTEGER),
    n("active-defrag-cycle-min", None, MODIFIABLE, Int, 1, 99, 1, INTEGER),
    n("active-defrag-cycle-max", None, MODIFIABLE, Int, 1, 99, 25, INTEGER),
    n("active-defrag-threshold-lower", None, MODIFIABLE, Int, 0, 1000, 10, INTEGER),
    n("active-defrag-threshold-upper", None, MODIFIABLE, Int, 0, 1000, 100, INTEGER),
    n("lfu-log-factor", None, MODIFIABLE, Int, 0, INT_MAX, 10, INTEGER),
    n("lfu-decay-time", None, MODIFIABLE, Int, 0, INT_MAX, 1, INTEGER),
    n("replica-priority", Some("slave-priority"), MODIFIABLE, Int, 0, INT_MAX, 100, INTEGER),
    n("repl-diskless-sync-delay", None, MODIFIABLE, Int, 0, INT_MAX, 5, INTEGER),
    n("maxmemory-samples", None, MODIFIABLE, Int, 1, INT_MAX, 5, INTEGER),
    n("maxmemory-eviction-tenacity", None, MODIFIABLE, Int, 0, 100, 10, INTEGER),
    n("timeout", None, MODIFIABLE, Int, 0, INT_MAX, 0, INTEGER),
    n("replica-announce-port", Some("slave-announce-port"), MODIFIABLE, Int, 0, 65535, 0, INTEGER),
    n("tcp-backlog", None, IMMUTABLE, Int, 0, INT_MAX, 511, INTEGER),
    n("cluster-port", None, IMMUTABLE, Int, 0, 65535, 0, INTEGER),
    n("cluster-announce-bus-port", None, MODIFIABLE, Int, 0, 65535, 0, INTEGER),
    n("cluster-announce-port", None, MODIFIABLE, Int, 0, 65535, 0, INTEGER),
    n("cluster-announce-tls-port", None, MODIFIABLE, Int, 0, 65535, 0, INTEGER),
    n("repl-timeout", None, MODIFIABLE, Int, 1, INT_MAX, 60, INTEGER),
    n("repl-ping-replica-period", Some("repl-ping-slave-period"), MODIFIABLE, Int, 1, INT_MAX, 10, INTEGER),
    n("list-compress-depth", None, MODIFIABLE, Int, 0, INT_MAX, 0, INTEGER),
    n("rdb-key-save-delay", None, MODIFIABLE | HIDDEN, Int, INT_MIN, INT_MAX, 0, INTEGER),
    n("key-load-delay", None, MODIFIABLE | HIDDEN, Int, INT_MIN, INT_MAX, 0, INTEGER),
    n("active-expire-effort", None, MODIFIABLE, Int, 1, 10, 1, INTEGER),
    n("hz", None, MODIFIABLE, Int, 0, INT_MAX, 10, INTEGER),
    n("min-replicas-to-write", Some("min-slaves-to-write"), MODIFIABLE, Int, 0, INT_MAX, 0, INTEGER),
    n("min-replicas-max-lag", Some("min-slaves-max-lag"), MODIFIABLE, Int, 0, INT_MAX, 10, INTEGER),
    n("watchdog-period", None, MODIFIABLE | HIDDEN, Int, 0, INT_MAX, 0, INTEGER),
    n("shutdown-timeout", None, MODIFIABLE, Int, 0, INT_MAX, 10, INTEGER),
    n("repl-diskless-sync-max-replicas", None, MODIFIABLE, Int, 0, INT_MAX, 0, INTEGER),
    // Unsigned int configs
    n("maxclients", None, MODIFIABLE, UInt, 1, UINT_MAX, 10000, INTEGER),
    n("unixsocketperm", None, IMMUTABLE, UInt, 0, 0o777, 0, OCTAL),
    n("socket-mark-id", None, IMMUTABLE, UInt, 0, UINT_MAX, 0, INTEGER),
    // Unsigned long configs
    n("active-defrag-max-scan-fields", None, MODIFIABLE, ULong, 1, LONG_MAX, 1000, INTEGER),
    n("slowlog-max-len", None, MODIFIABLE, ULong, 0, LONG_MAX, 128, INTEGER),
    n("acllog-max-len", None, MODIFIABLE, ULong, 0, LONG_MAX, 128, INTEGER),
    // Long long configs
    n("busy-reply-threshold", Some("lua-time-limit"), MODIFIABLE, LongLong, 0, LONG_MAX, 5000, INTEGER),
    n("cluster-node-timeout", None, MODIFIABLE, LongLong, 0, LLONG_MAX, 15000, INTEGER),
    n("slowlog-log-slower-than", None, MODIFIABLE, LongLong, -1, LLONG_MAX, 10000, INTEGER),
    n("latency-monitor-threshold", None, MODIFIABLE, LongLong, 0, LLONG_MAX, 0, INTEGER),
    n("proto-max-bulk-len", None, MODIFIABLE, LongLong, 1024 * 1024, LONG_MAX, 512 * 1024 * 1024, MEMORY),
    n("stream-node-max-entries", None, MODIFIABLE, LongLong, 0, LLONG_MAX, 100, INTEGER),
    n("repl-backlog-size", None, MODIFIABLE, LongLong, 1, LLONG_MAX, 1024 * 1024, MEMORY),
    // Unsigned long long configs
    n("maxmemory", None, MODIFIABLE, ULongLong, 0, ULLONG_MAX, 0, MEMORY),
    n("cluster-link-sendbuf-limit", None, MODIFIABLE, ULongLong, 0, ULLONG_MAX, 0, MEMORY),
    // Size_t configs
    n("hash-max-listpack-entries", Some("hash-max-ziplist-entries"), MODIFIABLE, SizeT, 0, LONG_MAX, 512, INTEGER),
    n("set-max-intset-entries", None, MODIFIABLE, SizeT, 0, LONG_MAX, 512, INTEGER),
    n("zset-max-listpack-entries", Some("zset-max-ziplist-entries"), MODIFIABLE, SizeT, 0, LONG_MAX, 128, INTEGER),
    n("active-defrag-ignore-bytes", None, MODIFIABLE, SizeT, 1, LLONG_MAX, 100 << 20, MEMORY),
    n("hash-max-listpack-value", Some("hash-max-ziplist-value"), MODIFIABLE, SizeT, 0, LONG_MAX, 64, MEMORY),
    n("stream-node-max-bytes", None, MODIFIABLE, SizeT, 0, LONG_MAX, 4096, MEMORY),
    n("zset-max-listpack-value", Some("zset-max-ziplist-value"), MODIFIABLE, SizeT, 0, LONG_MAX, 64, MEMORY),
    n("hll-sparse-max-bytes", None, MODIFIABLE, SizeT, 0, LONG_MAX, 3000, MEMORY),
    n("tracking-table-max-keys", None, MODIFIABLE, SizeT, 0, LONG_MAX, 1_000_000, INTEGER),
    n(
        "client-query-buffer-limit",
        None,
        MODIFIABLE,
        SizeT,
        1024 * 1024,
        LONG_MAX,
        1024 * 1024 * 1024,
        MEMORY,
    ),
    n("maxmemory-clients", None, MODIFIABLE, SSizeT, -100, SSIZE_MAX, 0, MEMORY | PERCENT),
    // Other configs
    n("repl-backlog-ttl", None, MODIFIABLE, TimeT, 0, LONG_MAX, 60 * 60, INTEGER),
    n("auto-aof-rewrite-min-size", None, MODIFIABLE, OffT, 0, LLONG_MAX, 64 * 1024 * 1024, MEMORY),
    n(
        "loading-process-events-interval-bytes",
        None,
        MODIFIABLE | HIDDEN,
        OffT,
        1024,
        INT_MAX,
        1024 * 1024 * 2,
        INTEGER,
    ),
    // TLS (Debian's 7.0.15 is built with TLS)
    n("tls-port", None, MODIFIABLE, Int, 0, 65535, 0, INTEGER),
    n("tls-session-cache-size", None, MODIFIABLE, Int, 0, INT_MAX, 20 * 1024, INTEGER),
    n("tls-session-cache-timeout", None, MODIFIABLE, Int, 0, INT_MAX, 300, INTEGER),
    b("tls-cluster", None, MODIFIABLE, false),
    b("tls-replication", None, MODIFIABLE, false),
    e("tls-auth-clients", MODIFIABLE, TLS_AUTH_CLIENTS, 1),
    b("tls-prefer-server-ciphers", None, MODIFIABLE, false),
    b("tls-session-caching", None, MODIFIABLE, true),
    s("tls-cert-file", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    s("tls-key-file", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    s("tls-key-file-pass", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    s("tls-client-cert-file", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    s("tls-client-key-file", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    s("tls-client-key-file-pass", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    s("tls-dh-params-file", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    s("tls-ca-cert-file", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    s("tls-ca-cert-dir", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    s("tls-protocols", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    s("tls-ciphers", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    s("tls-ciphersuites", None, MODIFIABLE, EMPTY_IS_NULL, NULL, C::None),
    // Special configs
    sp("dir", None, MODIFIABLE | PROTECTED | DENY_LOADING, Special::Dir),
    sp("save", None, MODIFIABLE | MULTI_ARG, Special::Save),
    sp("client-output-buffer-limit", None, MODIFIABLE | MULTI_ARG, Special::ClientOutputBufferLimit),
    sp("oom-score-adj-values", None, MODIFIABLE | MULTI_ARG, Special::OomScoreAdjValues),
    sp("notify-keyspace-events", None, MODIFIABLE, Special::NotifyKeyspaceEvents),
    sp("bind", None, MODIFIABLE | MULTI_ARG, Special::Bind),
    sp("replicaof", Some("slaveof"), IMMUTABLE | MULTI_ARG, Special::ReplicaOf),
    sp(
        "latency-tracking-info-percentiles",
        None,
        MODIFIABLE | MULTI_ARG,
        Special::LatencyTrackingInfoPercentiles,
    ),
];

/// Finds a parameter by name or alias, case-insensitively. The `&str` is the
/// table's spelling of the name used (the alias when an alias was given).
pub(crate) fn lookup(name: &[u8]) -> Option<(&'static Spec, &'static str)> {
    for spec in SPECS {
        if name.eq_ignore_ascii_case(spec.name.as_bytes()) {
            return Some((spec, spec.name));
        }
        if let Some(alias) = spec.alias {
            if name.eq_ignore_ascii_case(alias.as_bytes()) {
                return Some((spec, alias));
            }
        }
    }
    None
}

/// Every registered name (names and aliases), in table order.
pub(crate) fn entries() -> impl Iterator<Item = (&'static Spec, &'static str)> {
    SPECS
        .iter()
        .flat_map(|spec| core::iter::once((spec, spec.name)).chain(spec.alias.map(|a| (spec, a))))
}
