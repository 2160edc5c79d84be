//! The configuration registry, shared by the config file, the command line
//! and `CONFIG GET`/`CONFIG SET`, behaving like Redis 7.0.15's config.c.
//!
//! Every parameter Redis 7.0.15 knows is here (the Debian build, which has
//! TLS): 173 names plus 19 aliases that `CONFIG GET *` lists, and 5 hidden
//! ones (`rdb-key-save-delay`, `key-load-delay`, `watchdog-period`,
//! `use-exit-on-panic`, `loading-process-events-interval-bytes`) that only an
//! exact `CONFIG GET` shows. Each is parsed, range-checked, formatted and
//! refused with Redis's own words. The ones ReplScope acts on are typed
//! fields of [`Config`]; the others keep their (validated) value so that
//! `CONFIG GET` shows what was set, and a directive naming one of them is
//! reported as [`Applied::Ignored`].
//!
//! Things the sans-IO core cannot do are left to the server:
//!
//! * `dir`: Redis `chdir`s and `CONFIG GET dir` prints `getcwd()`. Here
//!   [`Config::dir`] is a plain string ("" = the process's working
//!   directory); the server should store the absolute directory in it at
//!   startup, check a new value after `CONFIG SET dir` and canonicalize it.
//! * The "apply" step of `CONFIG SET` (rebinding `port`/`bind`, raising the
//!   file limit for `maxclients`): on failure the server restores its copy
//!   of the old config and answers [`Config::set_failed_error`].
//! * `include` (read by the config file reader), `rename-command`, `user`,
//!   `loadmodule` and module parameters are accepted and ignored.
//!
//! Two defaults are deliberate choices: `bind` is `127.0.0.1 -::1` (what
//! Redis's shipped redis.conf sets; the compiled-in default is `* -::*`),
//! and `hash-max-listpack-entries` is 512 as compiled into Redis 7.0.15
//! (redis.conf sets 128).

mod parse;
mod table;

use crate::vecmap::VecMap;

use crate::glob::string_match;
use parse::{c_strtoll, fmt_double_trimmed, memtoull, split_spaces, string2d, string2ll, yesno};
use table::{Kind, Nt, Spec, Special, StrCheck};

/// What [`Config::apply_directive`] did with a known directive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The value is now in effect.
    Set,
    /// A directive Redis 7.0 knows that ReplScope does not implement: it was
    /// validated (and `CONFIG GET` shows its value) but has no effect.
    Ignored,
}

/// `loglevel`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Debug,
    Verbose,
    #[default]
    Notice,
    Warning,
}

impl LogLevel {
    /// The name as in the config file (`"notice"`).
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Verbose => "verbose",
            LogLevel::Notice => "notice",
            LogLevel::Warning => "warning",
        }
    }
    fn from_i64(v: i64) -> Self {
        match v {
            0 => LogLevel::Debug,
            1 => LogLevel::Verbose,
            3 => LogLevel::Warning,
            _ => LogLevel::Notice,
        }
    }
}

/// `repl-diskless-load`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReplDisklessLoad {
    #[default]
    Disabled,
    OnEmptyDb,
    Swapdb,
}

impl ReplDisklessLoad {
    pub fn name(self) -> &'static str {
        match self {
            ReplDisklessLoad::Disabled => "disabled",
            ReplDisklessLoad::OnEmptyDb => "on-empty-db",
            ReplDisklessLoad::Swapdb => "swapdb",
        }
    }
    fn from_i64(v: i64) -> Self {
        match v {
            1 => ReplDisklessLoad::OnEmptyDb,
            2 => ReplDisklessLoad::Swapdb,
            _ => ReplDisklessLoad::Disabled,
        }
    }
}

/// `enable-protected-configs`, `enable-debug-command`, `enable-module-command`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProtectedAction {
    #[default]
    No,
    Yes,
    /// Only for clients connected over loopback or a unix socket.
    Local,
}

impl ProtectedAction {
    pub fn name(self) -> &'static str {
        match self {
            ProtectedAction::No => "no",
            ProtectedAction::Yes => "yes",
            ProtectedAction::Local => "local",
        }
    }
    /// Redis's `allowProtectedAction`.
    pub fn allows(self, client_is_local: bool) -> bool {
        self == ProtectedAction::Yes || (self == ProtectedAction::Local && client_is_local)
    }
    fn from_i64(v: i64) -> Self {
        match v {
            1 => ProtectedAction::Yes,
            2 => ProtectedAction::Local,
            _ => ProtectedAction::No,
        }
    }
}

/// One class of `client-output-buffer-limit`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ObufLimit {
    /// Bytes; 0 = no limit.
    pub hard: u64,
    /// Bytes; 0 = no limit.
    pub soft: u64,
    /// Seconds the soft limit may be exceeded.
    pub soft_seconds: u64,
}

/// `client-output-buffer-limit`: the `replica` class prints as `slave`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientOutputBufferLimits {
    pub normal: ObufLimit,
    pub replica: ObufLimit,
    pub pubsub: ObufLimit,
}

impl Default for ClientOutputBufferLimits {
    fn default() -> Self {
        ClientOutputBufferLimits {
            normal: ObufLimit {
                hard: 0,
                soft: 0,
                soft_seconds: 0,
            },
            replica: ObufLimit {
                hard: 256 << 20,
                soft: 64 << 20,
                soft_seconds: 60,
            },
            pubsub: ObufLimit {
                hard: 32 << 20,
                soft: 8 << 20,
                soft_seconds: 60,
            },
        }
    }
}

/// Who is calling `CONFIG SET`, for the checks that depend on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetContext {
    /// The client is on loopback or a unix socket (`enable-protected-configs local`).
    pub client_is_local: bool,
    /// The server is loading a dataset (parameters such as `dir` and
    /// `appendonly` are then refused with `-LOADING`).
    pub loading: bool,
}

/// The state of the parameters without a typed field, plus the config file
/// reader's bookkeeping. Opaque: read values with [`Config::get_one`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extras {
    /// Canonical name -> value as `CONFIG GET` prints it; absent = default.
    values: VecMap<&'static str, Vec<u8>>,
    /// Redis's `save_loaded`: the first `save` line of the config replaces
    /// the defaults, later ones add to it.
    save_loaded: bool,
    /// The inverse of Redis's `reading_config_file` (see
    /// [`Config::set_reading_config_file`]).
    not_reading_file: bool,
}

/// The server's configuration. Field names are the Redis directive names in
/// snake_case; defaults are Redis 7.0.15's (see the module docs for `bind`
/// and `dir`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    // Network
    pub port: u16,
    /// Addresses as written; a leading `-` marks an optional one, `*` and
    /// `::*` mean every IPv4 / IPv6 address. Empty = listen nowhere.
    pub bind: Vec<String>,
    pub protected_mode: bool,
    pub tcp_keepalive: u64,
    /// Seconds of idleness before a client is closed; 0 = never.
    pub timeout: u64,
    pub maxclients: u32,
    pub client_query_buffer_limit: u64,
    pub proto_max_bulk_len: u64,
    pub client_output_buffer_limit: ClientOutputBufferLimits,
    // Security
    /// `CONFIG GET requirepass` shows "" when unset.
    pub requirepass: Option<Vec<u8>>,
    pub enable_protected_configs: ProtectedAction,
    pub enable_debug_command: ProtectedAction,
    pub enable_module_command: ProtectedAction,
    // General
    /// Immutable.
    pub databases: usize,
    /// Clamped to 1..=500 as Redis does.
    pub hz: u32,
    pub dynamic_hz: bool,
    pub loglevel: LogLevel,
    /// "" = standard output.
    pub logfile: String,
    /// "" = the process's working directory (see the module docs).
    pub dir: String,
    pub daemonize: bool,
    /// "" = none.
    pub pidfile: String,
    pub activerehashing: bool,
    pub maxmemory: u64,
    pub slowlog_log_slower_than: i64,
    pub slowlog_max_len: u64,
    // Encodings
    pub hash_max_listpack_entries: usize,
    pub hash_max_listpack_value: usize,
    pub set_max_intset_entries: usize,
    pub zset_max_listpack_entries: usize,
    pub zset_max_listpack_value: usize,
    pub list_max_listpack_size: i64,
    pub list_compress_depth: i64,
    // Lazy freeing
    pub lazyfree_lazy_eviction: bool,
    pub lazyfree_lazy_expire: bool,
    pub lazyfree_lazy_server_del: bool,
    pub lazyfree_lazy_user_del: bool,
    pub lazyfree_lazy_user_flush: bool,
    // Persistence
    /// `(seconds, changes)` save points; `save ""` clears them.
    pub save: Vec<(u64, u64)>,
    pub dbfilename: String,
    pub rdbcompression: bool,
    pub rdbchecksum: bool,
    pub rdb_del_sync_files: bool,
    pub stop_writes_on_bgsave_error: bool,
    /// Accepted, but there is no AOF (directives report it as ignored).
    pub appendonly: bool,
    /// Hidden: microseconds to sleep per key while saving (a test knob).
    pub rdb_key_save_delay: i64,
    /// Hidden: microseconds to sleep per key while loading (a test knob).
    pub key_load_delay: i64,
    // Replication
    /// `replicaof <host> <port>` (alias `slaveof`); `CONFIG GET` shows "" or
    /// "host port". Immutable at runtime (use `REPLICAOF`).
    pub replicaof: Option<(String, u16)>,
    pub masterauth: Option<Vec<u8>>,
    pub masteruser: Option<String>,
    pub repl_diskless_sync: bool,
    pub repl_diskless_sync_delay: u64,
    pub repl_diskless_sync_max_replicas: u64,
    pub repl_diskless_load: ReplDisklessLoad,
    pub repl_ping_replica_period: u64,
    pub repl_timeout: u64,
    pub repl_backlog_size: u64,
    pub repl_backlog_ttl: u64,
    pub repl_disable_tcp_nodelay: bool,
    pub replica_serve_stale_data: bool,
    pub replica_read_only: bool,
    pub replica_lazy_flush: bool,
    pub replica_ignore_maxmemory: bool,
    pub replica_priority: u64,
    pub replica_announced: bool,
    pub replica_announce_ip: Option<String>,
    pub replica_announce_port: u16,
    pub min_replicas_to_write: u64,
    pub min_replicas_max_lag: u64,
    /// Not a Redis parameter (never in `CONFIG GET`): `DEBUG
    /// SET-ACTIVE-EXPIRE` turns active expiry off and on.
    pub active_expire_enabled: bool,
    /// Every other parameter, and the config file reader's state.
    pub extras: Extras,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 6379,
            bind: vec!["127.0.0.1".into(), "-::1".into()],
            protected_mode: true,
            tcp_keepalive: 300,
            timeout: 0,
            maxclients: 10000,
            client_query_buffer_limit: 1 << 30,
            proto_max_bulk_len: 512 << 20,
            client_output_buffer_limit: ClientOutputBufferLimits::default(),
            requirepass: None,
            enable_protected_configs: ProtectedAction::No,
            enable_debug_command: ProtectedAction::No,
            enable_module_command: ProtectedAction::No,
            databases: 16,
            hz: 10,
            dynamic_hz: true,
            loglevel: LogLevel::Notice,
            logfile: String::new(),
            dir: String::new(),
            daemonize: false,
            pidfile: String::new(),
            activerehashing: true,
            maxmemory: 0,
            slowlog_log_slower_than: 10000,
            slowlog_max_len: 128,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
            lazyfree_lazy_eviction: false,
            lazyfree_lazy_expire: false,
            lazyfree_lazy_server_del: false,
            lazyfree_lazy_user_del: false,
            lazyfree_lazy_user_flush: false,
            save: vec![(3600, 1), (300, 100), (60, 10000)],
            dbfilename: "dump.rdb".into(),
            rdbcompression: true,
            rdbchecksum: true,
            rdb_del_sync_files: false,
            stop_writes_on_bgsave_error: true,
            appendonly: false,
            rdb_key_save_delay: 0,
            key_load_delay: 0,
            replicaof: None,
            masterauth: None,
            masteruser: None,
            repl_diskless_sync: true,
            repl_diskless_sync_delay: 5,
            repl_diskless_sync_max_replicas: 0,
            repl_diskless_load: ReplDisklessLoad::Disabled,
            repl_ping_replica_period: 10,
            repl_timeout: 60,
            repl_backlog_size: 1 << 20,
            repl_backlog_ttl: 3600,
            repl_disable_tcp_nodelay: false,
            replica_serve_stale_data: true,
            replica_read_only: true,
            replica_lazy_flush: false,
            replica_ignore_maxmemory: true,
            replica_priority: 100,
            replica_announced: true,
            replica_announce_ip: None,
            replica_announce_port: 0,
            min_replicas_to_write: 0,
            min_replicas_max_lag: 10,
            active_expire_enabled: true,
            extras: Extras::default(),
        }
    }
}

/// A parsed value of a non-special parameter (enums are `Int`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    Bool(bool),
    Int(i64),
    Str(Option<Vec<u8>>),
}

/// Conversion between a typed field and a [`Value`].
trait Field {
    fn get(&self) -> Value;
    fn put(&mut self, v: Value);
}

impl Field for bool {
    fn get(&self) -> Value {
        Value::Bool(*self)
    }
    fn put(&mut self, v: Value) {
        if let Value::Bool(b) = v {
            *self = b;
        }
    }
}

macro_rules! int_field {
    ($($t:ty),*) => {$(
        impl Field for $t {
            fn get(&self) -> Value {
                Value::Int(*self as i64)
            }
            fn put(&mut self, v: Value) {
                if let Value::Int(i) = v {
                    *self = i as $t;
                }
            }
        }
    )*};
}
int_field!(u16, u32, u64, usize, i64);

macro_rules! enum_field {
    ($($t:ty => $to:expr),*) => {$(
        impl Field for $t {
            fn get(&self) -> Value {
                Value::Int($to(*self))
            }
            fn put(&mut self, v: Value) {
                if let Value::Int(i) = v {
                    *self = <$t>::from_i64(i);
                }
            }
        }
    )*};
}
enum_field!(
    LogLevel => |l: LogLevel| l as i64,
    ReplDisklessLoad => |l: ReplDisklessLoad| l as i64,
    ProtectedAction => |l: ProtectedAction| l as i64
);

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Field for String {
    fn get(&self) -> Value {
        Value::Str(Some(self.as_bytes().to_vec()))
    }
    fn put(&mut self, v: Value) {
        if let Value::Str(s) = v {
            *self = s.map(|b| lossy(&b)).unwrap_or_default();
        }
    }
}

impl Field for Option<String> {
    fn get(&self) -> Value {
        Value::Str(self.as_ref().map(|s| s.as_bytes().to_vec()))
    }
    fn put(&mut self, v: Value) {
        if let Value::Str(s) = v {
            *self = s.map(|b| lossy(&b));
        }
    }
}

impl Field for Option<Vec<u8>> {
    fn get(&self) -> Value {
        Value::Str(self.clone())
    }
    fn put(&mut self, v: Value) {
        if let Value::Str(s) = v {
            *self = s;
        }
    }
}

/// The parameters ReplScope implements: canonical name => field.
macro_rules! typed_fields {
    ($($name:literal => $field:ident),* $(,)?) => {
        impl Config {
            fn typed_get(&self, name: &str) -> Option<Value> {
                match name {
                    $($name => Some(Field::get(&self.$field)),)*
                    _ => None,
                }
            }
            fn typed_put(&mut self, name: &str, v: Value) -> bool {
                match name {
                    $($name => { Field::put(&mut self.$field, v); true })*
                    _ => false,
                }
            }
        }
    };
}

typed_fields! {
    "port" => port,
    "protected-mode" => protected_mode,
    "tcp-keepalive" => tcp_keepalive,
    "timeout" => timeout,
    "maxclients" => maxclients,
    "client-query-buffer-limit" => client_query_buffer_limit,
    "proto-max-bulk-len" => proto_max_bulk_len,
    "requirepass" => requirepass,
    "enable-protected-configs" => enable_protected_configs,
    "enable-debug-command" => enable_debug_command,
    "enable-module-command" => enable_module_command,
    "databases" => databases,
    "hz" => hz,
    "dynamic-hz" => dynamic_hz,
    "loglevel" => loglevel,
    "logfile" => logfile,
    "daemonize" => daemonize,
    "pidfile" => pidfile,
    "activerehashing" => activerehashing,
    "maxmemory" => maxmemory,
    "slowlog-log-slower-than" => slowlog_log_slower_than,
    "slowlog-max-len" => slowlog_max_len,
    "hash-max-listpack-entries" => hash_max_listpack_entries,
    "hash-max-listpack-value" => hash_max_listpack_value,
    "set-max-intset-entries" => set_max_intset_entries,
    "zset-max-listpack-entries" => zset_max_listpack_entries,
    "zset-max-listpack-value" => zset_max_listpack_value,
    "list-max-listpack-size" => list_max_listpack_size,
    "list-compress-depth" => list_compress_depth,
    "lazyfree-lazy-eviction" => lazyfree_lazy_eviction,
    "lazyfree-lazy-expire" => lazyfree_lazy_expire,
    "lazyfree-lazy-server-del" => lazyfree_lazy_server_del,
    "lazyfree-lazy-user-del" => lazyfree_lazy_user_del,
    "lazyfree-lazy-user-flush" => lazyfree_lazy_user_flush,
    "dbfilename" => dbfilename,
    "rdbcompression" => rdbcompression,
    "rdbchecksum" => rdbchecksum,
    "rdb-del-sync-files" => rdb_del_sync_files,
    "stop-writes-on-bgsave-error" => stop_writes_on_bgsave_error,
    "appendonly" => appendonly,
    "rdb-key-save-delay" => rdb_key_save_delay,
    "key-load-delay" => key_load_delay,
    "masterauth" => masterauth,
    "masteruser" => masteruser,
    "repl-diskless-sync" => repl_diskless_sync,
    "repl-diskless-sync-delay" => repl_diskless_sync_delay,
    "repl-diskless-sync-max-replicas" => repl_diskless_sync_max_replicas,
    "repl-diskless-load" => repl_diskless_load,
    "repl-ping-replica-period" => repl_ping_replica_period,
    "repl-timeout" => repl_timeout,
    "repl-backlog-size" => repl_backlog_size,
    "repl-backlog-ttl" => repl_backlog_ttl,
    "repl-disable-tcp-nodelay" => repl_disable_tcp_nodelay,
    "replica-serve-stale-data" => replica_serve_stale_data,
    "replica-read-only" => replica_read_only,
    "replica-lazy-flush" => replica_lazy_flush,
    "replica-ignore-maxmemory" => replica_ignore_maxmemory,
    "replica-priority" => replica_priority,
    "replica-announced" => replica_announced,
    "replica-announce-ip" => replica_announce_ip,
    "replica-announce-port" => replica_announce_port,
    "min-replicas-to-write" => min_replicas_to_write,
    "min-replicas-max-lag" => min_replicas_max_lag,
}

/// Implemented specials (the others live in [`Extras`]).
const TYPED_SPECIALS: &[Special] = &[
    Special::Dir,
    Special::Save,
    Special::ClientOutputBufferLimit,
    Special::Bind,
    Special::ReplicaOf,
];

/// Directives Redis 7.0 still accepts (with exactly one argument) and ignores.
const DEPRECATED: &[&str] = &[
    "list-max-ziplist-entries",
    "list-max-ziplist-value",
    "lua-replicate-commands",
];

const CONFIG_MIN_HZ: u32 = 1;
const CONFIG_MAX_HZ: u32 = 500;
const CONFIG_BINDADDR_MAX: usize = 16;
const CONFIG_REPL_BACKLOG_MIN_SIZE: u64 = 16 * 1024;
const LOADBUF_SIZE: usize = 256;

impl Config {
    /// Applies one config-file or command-line directive, like one line of
    /// Redis's `loadServerConfigFromString` (`name` is matched
    /// case-insensitively; `args` are the already split arguments).
    ///
    /// A parameter that takes several words (`save`, `bind`, `replicaof`,
    /// `client-output-buffer-limit`, ...) given as one non-empty argument is
    /// split again, so `replicaof "127.0.0.1 6379"` works. Deprecated
    /// directives, `rename-command`, `user`, `loadmodule`, module parameters
    /// (`name.with.dot value`), a lone `sentinel` and `include` (which the
    /// caller must handle: read the file and feed its lines) are
    /// [`Applied::Ignored`].
    ///
    /// `Err` holds the reason worded as Redis prints it under the offending
    /// line, e.g. "Bad directive or wrong number of arguments", "wrong number
    /// of arguments", "argument must be 'yes' or 'no'", "argument must be
    /// between 0 and 65535 inclusive".
    pub fn apply_directive(&mut self, name: &str, args: &[Vec<u8>]) -> Result<Applied, String> {
        let lname = name.to_ascii_lowercase();
        if let Some((spec, _)) = table::lookup(lname.as_bytes()) {
            let multi = spec.has(table::MULTI_ARG);
            if !multi && args.len() != 1 {
                return Err("wrong number of arguments".into());
            }
            let in_file = !self.extras.not_reading_file;
            if multi && args.len() == 1 && !args[0].is_empty() {
                // `--save "900 1"`: one argument holding several words.
                let words = crate::resp::split_args(&args[0]).unwrap_or_default();
                let refs: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
                self.set_spec(spec, &refs, in_file)?;
            } else {
                let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
                self.set_spec(spec, &refs, in_file)?;
            }
            return Ok(if self.implemented(spec) {
                Applied::Set
            } else {
                Applied::Ignored
            });
        }
        if DEPRECATED.contains(&lname.as_str()) && args.len() == 1 {
            return Ok(Applied::Ignored);
        }
        match lname.as_str() {
            "include" if args.len() == 1 => Ok(Applied::Ignored),
            "rename-command" if args.len() == 2 => Ok(Applied::Ignored),
            "user" | "loadmodule" if !args.is_empty() => Ok(Applied::Ignored),
            n if n.contains('.') => {
                if args.is_empty() {
                    Err("Module config specified without value".into())
                } else {
                    Ok(Applied::Ignored)
                }
            }
            "sentinel" => {
                if args.is_empty() {
                    Ok(Applied::Ignored)
                } else {
                    Err("sentinel directive while not in sentinel mode".into())
                }
            }
            _ => Err("Bad directive or wrong number of arguments".into()),
        }
    }

    /// Redis's `reading_config_file` flag, on for a new `Config`. While on,
    /// the first `save` directive replaces the default save points and later
    /// ones add to them; while off, each `save` replaces the list (as
    /// `CONFIG SET` does). Redis turns it on when it starts reading a text
    /// (the config file, or an included file) and off when that text ends, so
    /// after an `include` the rest of the including file has it off: the
    /// config file reader mirrors this.
    pub fn set_reading_config_file(&mut self, on: bool) {
        self.extras.not_reading_file = !on;
    }

    /// `CONFIG GET pattern [pattern ...]`: `(name, value)` pairs, each name
    /// once. A pattern without `*`, `?` or `[` is an exact, case-insensitive
    /// lookup (hidden parameters included) and is answered under the name as
    /// given; a glob matches names and aliases case-insensitively, hidden
    /// parameters excluded. Values are formatted as Redis 7.0.15 prints them.
    pub fn get(&self, patterns: &[&[u8]]) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = Vec::new();
        let seen = |out: &Vec<(String, Vec<u8>)>, name: &[u8]| {
            out.iter()
                .any(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name))
        };
        for &pattern in patterns {
            if !pattern.iter().any(|c| matches!(c, b'[' | b'*' | b'?')) {
                if seen(&out, pattern) {
                    continue;
                }
                if let Some((spec, _)) = table::lookup(pattern) {
                    out.push((lossy(pattern), self.value_of(spec)));
                }
                continue;
            }
            for (spec, name) in table::entries() {
                if spec.has(table::HIDDEN) || seen(&out, name.as_bytes()) {
                    continue;
                }
                if string_match(pattern, name.as_bytes(), true) {
                    out.push((name.to_string(), self.value_of(spec)));
                }
            }
        }
        out
    }

    /// The value of one parameter (name or alias, any case, hidden ones
    /// included) as `CONFIG GET` prints it; `None` for an unknown name.
    pub fn get_one(&self, name: &str) -> Option<Vec<u8>> {
        table::lookup(name.as_bytes()).map(|(spec, _)| self.value_of(spec))
    }

    /// Is `name` a Redis 7.0.15 parameter or alias (any case)?
    pub fn is_known(name: &[u8]) -> bool {
        table::lookup(name).is_some()
    }

    /// Is `name` a parameter whose `CONFIG SET` value must be redacted from
    /// SLOWLOG/MONITOR (`requirepass`, `masterauth`, `masteruser`)?
    pub fn is_sensitive(name: &[u8]) -> bool {
        table::lookup(name).is_some_and(|(spec, _)| spec.has(table::SENSITIVE))
    }

    /// `CONFIG SET name value [name value ...]` from a non-local client that
    /// is not loading; see [`Config::set_runtime_ctx`].
    pub fn set_runtime(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<(), String> {
        self.set_runtime_ctx(pairs, SetContext::default())
    }

    /// `CONFIG SET name value [name value ...]`, all or nothing as in Redis
    /// 7.0: on any error nothing changes. `Err` is the full error line
    /// without the leading `-`, e.g. `ERR Unknown option or number of
    /// arguments for CONFIG SET - 'foo'` or `ERR CONFIG SET failed (possibly
    /// related to argument 'maxclients') - argument couldn't be parsed into an
    /// integer`. (An odd number of arguments, `ERR syntax error`, is the
    /// caller's to check.)
    ///
    /// Multi-word values (`save`, `bind`, ...) are split on single spaces.
    /// The apply steps that need no I/O happen here (`hz` is clamped to
    /// 1..=500, a changed `repl-backlog-size` is raised to 16kb); rebinding
    /// after `port`/`bind` changes is the server's (see the module docs).
    pub fn set_runtime_ctx(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        ctx: SetContext,
    ) -> Result<(), String> {
        enum Fail<'a> {
            Unknown(&'a [u8]),
            Refused(&'a [u8], &'static str),
            Loading,
        }
        let mut fail: Option<Fail> = None;
        let mut chosen: Vec<(&'static Spec, &'static str, &[u8])> = Vec::with_capacity(pairs.len());
        for &(name, value) in pairs {
            let Some((spec, entry_name)) = table::lookup(name) else {
                if fail.is_none() {
                    fail = Some(Fail::Unknown(name));
                }
                continue;
            };
            if fail.is_some() {
                continue;
            }
            if spec.has(table::IMMUTABLE) {
                fail = Some(Fail::Refused(name, "can't set immutable config"));
            } else if spec.has(table::PROTECTED)
                && !self.enable_protected_configs.allows(ctx.client_is_local)
            {
                fail = Some(Fail::Refused(name, "can't set protected config"));
            } else if ctx.loading && spec.has(table::DENY_LOADING) {
                fail = Some(Fail::Loading);
            } else if chosen.iter().any(|(s, _, _)| core::ptr::eq(*s, spec)) {
                fail = Some(Fail::Refused(name, "duplicate parameter"));
            }
            chosen.push((spec, entry_name, value));
        }
        match fail {
            Some(Fail::Loading) => {
                return Err("LOADING Redis is loading the dataset in memory".into())
            }
            Some(Fail::Unknown(name)) => {
                return Err(format!(
                    "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                    lossy(name)
                ))
            }
            Some(Fail::Refused(name, why)) => {
                return Err(Self::set_failed_error(&lossy(name), why))
            }
            None => {}
        }

        let backup = self.clone();
        let mut changed_backlog = false;
        for &(spec, entry_name, value) in &chosen {
            let before = self.value_of(spec);
            let result = if spec.has(table::MULTI_ARG) {
                self.set_spec(spec, &split_spaces(value), false)
            } else {
                self.set_spec(spec, &[value], false)
            };
            if let Err(why) = result {
                *self = backup;
                return Err(Self::set_failed_error(entry_name, &why));
            }
            if spec.name == "repl-backlog-size" && self.value_of(spec) != before {
                changed_backlog = true;
            }
        }
        // Apply functions: updateReplBacklogSize (updateHZ clamps on store).
        if changed_backlog && self.repl_backlog_size < CONFIG_REPL_BACKLOG_MIN_SIZE {
            self.repl_backlog_size = CONFIG_REPL_BACKLOG_MIN_SIZE;
        }
        Ok(())
    }

    /// The error line for a `CONFIG SET` that failed on `name` (as the
    /// server needs when applying a new `port` or `bind` fails): `ERR CONFIG
    /// SET failed (possibly related to argument 'port') - Unable to listen on
    /// this port. Check server logs.`
    pub fn set_failed_error(name: &str, reason: &str) -> String {
        format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}")
    }

    fn implemented(&self, spec: &Spec) -> bool {
        match spec.kind {
            Kind::Special(sp) => TYPED_SPECIALS.contains(&sp),
            _ => spec.name != "appendonly" && self.typed_get(spec.name).is_some(),
        }
    }

    /// The value as `CONFIG GET` prints it.
    fn value_of(&self, spec: &Spec) -> Vec<u8> {
        if let Kind::Special(sp) = spec.kind {
            return self.get_special(sp);
        }
        match self.typed_get(spec.name) {
            Some(v) => format_value(spec, &v),
            None => match self.extras.values.get(spec.name) {
                Some(v) => v.clone(),
                None => format_value(spec, &default_value(spec)),
            },
        }
    }

    fn store(&mut self, spec: &Spec, v: Value) {
        if !self.typed_put(spec.name, v.clone()) {
            let text = format_value(spec, &v);
            self.extras.values.insert(spec.name, text);
        }
        if spec.name == "hz" {
            // updateHZ / the end of loadServerConfigFromString.
            self.hz = self.hz.clamp(CONFIG_MIN_HZ, CONFIG_MAX_HZ);
        }
    }

    fn cluster_enabled(&self) -> bool {
        self.get_one("cluster-enabled").as_deref() == Some(b"yes")
    }

    /// The `set` function of a parameter. `in_file` is Redis's
    /// `reading_config_file` (it only matters for `save`).
    fn set_spec(&mut self, spec: &Spec, args: &[&[u8]], in_file: bool) -> Result<(), String> {
        if let Kind::Special(sp) = spec.kind {
            return self.set_special(sp, args, in_file);
        }
        if let Kind::Enum { items, .. } = spec.kind {
            let bitflags = spec.has(table::MULTI_ARG);
            let Some(val) = enum_value(items, args, bitflags) else {
                let mut msg = String::from("argument(s) must be one of the following: ");
                let names: Vec<&str> = items.iter().map(|(n, _)| *n).collect();
                msg.push_str(&names.join(", "));
                msg.truncate(LOADBUF_SIZE - 1);
                return Err(msg);
            };
            if spec.name.starts_with("shutdown-on-sig")
                && val & table::SHUTDOWN_SAVE != 0
                && val & table::SHUTDOWN_NOSAVE != 0
            {
                return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".into());
            }
            self.store(spec, Value::Int(val));
            return Ok(());
        }
        let [arg] = args else {
            return Err("wrong number of arguments".into());
        };
        let arg: &[u8] = arg;
        match spec.kind {
            Kind::Bool { refuse_yes, .. } => {
                let v = yesno(arg).ok_or("argument must be 'yes' or 'no'")?;
                if let (true, Some(why)) = (v, refuse_yes) {
                    return Err(why.into());
                }
                self.store(spec, Value::Bool(v));
            }
            Kind::Str {
                empty_is_null,
                check,
                ..
            } => {
                // String (not sds) parameters are C strings.
                let arg = match (spec.name, arg.iter().position(|&b| b == 0)) {
                    ("masterauth" | "requirepass", _) | (_, None) => arg,
                    (_, Some(nul)) => &arg[..nul],
                };
                self.check_string(check, arg)?;
                let v = if empty_is_null && arg.is_empty() {
                    None
                } else {
                    Some(arg.to_vec())
                };
                self.store(spec, Value::Str(v));
            }
            Kind::Num {
                nt, lo, hi, flags, ..
            } => {
                let ll = parse_number(flags, arg)?;
                check_bounds(nt, lo, hi, flags, ll)?;
                self.store(spec, Value::Int(ll));
            }
            Kind::Enum { .. } | Kind::Special(_) => unreachable!("handled above"),
        }
        Ok(())
    }

    fn check_string(&self, check: StrCheck, v: &[u8]) -> Result<(), String> {
        let is_path = v.iter().any(|&c| c == b'/' || c == b'\\');
        match check {
            StrCheck::None => Ok(()),
            StrCheck::DbFilename if is_path => {
                Err("dbfilename can't be a path, just a filename".into())
            }
            StrCheck::DbFilename => Ok(()),
            StrCheck::AofFilename if v.is_empty() => Err("appendfilename can't be empty".into()),
            StrCheck::AofFilename if is_path => {
                Err("appendfilename can't be a path, just a filename".into())
            }
            StrCheck::AofFilename => Ok(()),
            StrCheck::AofDirname if v.is_empty() => Err("appenddirname can't be empty".into()),
            StrCheck::AofDirname if is_path => {
                Err("appenddirname can't be a path, just a dirname".into())
            }
            StrCheck::AofDirname => Ok(()),
            StrCheck::Hostname => {
                if v.len() >= 256 {
                    Err("Hostnames must be less than 256 characters".into())
                } else if !v
                    .iter()
                    .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
                {
                    Err(
                        "Hostnames may only contain alphanumeric characters, hyphens or dots"
                            .into(),
                    )
                } else {
                    Ok(())
                }
            }
            StrCheck::ProcTitle => {
                if self.proc_title_valid(v) {
                    Ok(())
                } else {
                    Err("template format is invalid or contains unknown variables".into())
                }
            }
        }
    }

    /// `validateProcTitleTemplate`: expand with an empty title (as Redis
    /// does) and refuse unknown variables, malformed braces and a result
    /// that is empty once spaces are trimmed.
    fn proc_title_valid(&self, template: &[u8]) -> bool {
        let mut out = Vec::new();
        let mut p = 0;
        while p < template.len() {
            let Some(open) = template[p..].iter().position(|&c| c == b'{').map(|i| i + p) else {
                out.extend_from_slice(&template[p..]);
                break;
            };
            out.extend_from_slice(&template[p..open]);
            let sv = open + 1;
            if sv >= template.len() {
                return false;
            }
            if template[sv] == b'{' {
                out.push(b'{');
                p = sv + 1;
                continue;
            }
            let Some(close) = template[sv..]
                .iter()
                .position(|&c| c == b'}')
                .map(|i| i + sv)
            else {
                return false;
            };
            let value: Vec<u8> = match &template[sv..close] {
                b"title" | b"unixsocket" | b"config-file" => Vec::new(),
                b"server-mode" => {
                    if self.cluster_enabled() {
                        b"[cluster]".to_vec()
                    } else {
                        Vec::new()
                    }
                }
                b"listen-addr" => b"*:0".to_vec(),
                b"port" | b"tls-port" => b"0".to_vec(),
                _ => return false,
            };
            out.extend_from_slice(&value);
            p = close + 1;
        }
        out.iter().any(|&c| c != b' ')
    }

    fn get_special(&self, sp: Special) -> Vec<u8> {
        match sp {
            Special::Dir => self.dir.as_bytes().to_vec(),
            Special::Save => {
                let parts: Vec<String> =
                    self.save.iter().map(|(s, c)| format!("{s} {c}")).collect();
                parts.join(" ").into_bytes()
            }
            Special::ClientOutputBufferLimit => {
                let l = &self.client_output_buffer_limit;
                let parts: Vec<String> = [
                    ("normal", l.normal),
                    ("slave", l.replica),
                    ("pubsub", l.pubsub),
                ]
                .iter()
                .map(|(n, o)| format!("{n} {} {} {}", o.hard, o.soft, o.soft_seconds))
                .collect();
                parts.join(" ").into_bytes()
            }
            Special::Bind => self.bind.join(" ").into_bytes(),
            Special::ReplicaOf => match &self.replicaof {
                Some((host, port)) => format!("{host} {port}").into_bytes(),
                None => Vec::new(),
            },
            Special::OomScoreAdjValues => self.extra_or("oom-score-adj-values", b"0 200 800"),
            Special::NotifyKeyspaceEvents => self.extra_or("notify-keyspace-events", b""),
            Special::LatencyTrackingInfoPercentiles => {
                self.extra_or("latency-tracking-info-percentiles", b"50 99 99.9")
            }
        }
    }

    fn extra_or(&self, name: &str, default: &[u8]) -> Vec<u8> {
        self.extras
            .values
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_vec())
    }

    fn set_special(&mut self, sp: Special, args: &[&[u8]], in_file: bool) -> Result<(), String> {
        match sp {
            Special::Dir => {
                let [dir] = args else {
                    return Err("wrong number of arguments".into());
                };
                if dir.is_empty() {
                    // chdir("") fails with ENOENT.
                    return Err("No such file or directory".into());
                }
                self.dir = lossy(dir);
            }
            Special::Save => self.set_save(args, in_file)?,
            Special::ClientOutputBufferLimit => self.set_obuf_limits(args)?,
            Special::OomScoreAdjValues => {
                if args.len() != 3 {
                    return Err("wrong number of arguments".into());
                }
                let mut vals = Vec::with_capacity(3);
                for a in args {
                    let (v, all, _) = c_strtoll(a, 10);
                    if !all || !(-2000..=2000).contains(&v) {
                        return Err(
                            "Invalid oom-score-adj-values, elements must be between -2000 and 2000.".into()
                        );
                    }
                    vals.push(v.to_string());
                }
                self.extras
                    .values
                    .insert("oom-score-adj-values", vals.join(" ").into_bytes());
            }
            Special::NotifyKeyspaceEvents => {
                let [classes] = args else {
                    return Err("wrong number of arguments".into());
                };
                let flags = keyspace_events_flags(classes)
                    .ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?;
                self.extras
                    .values
                    .insert("notify-keyspace-events", keyspace_events_string(flags));
            }
            Special::Bind => {
                if args.len() > CONFIG_BINDADDR_MAX {
                    return Err("Too many bind addresses specified.".into());
                }
                let args = if args.len() == 1 && args[0].is_empty() {
                    &[][..]
                } else {
                    args
                };
                self.bind = args.iter().map(|a| lossy(a)).collect();
            }
            Special::ReplicaOf => {
                let [host, port] = args else {
                    return Err("wrong number of arguments".into());
                };
                self.replicaof = None;
                if host.eq_ignore_ascii_case(b"no") && port.eq_ignore_ascii_case(b"one") {
                    return Ok(());
                }
                let (p, all, _) = c_strtoll(port, 10);
                if !all || !(0..=65535).contains(&p) {
                    return Err("Invalid master port".into());
                }
                self.replicaof = Some((lossy(host), p as u16));
            }
            Special::LatencyTrackingInfoPercentiles => {
                let args = if args.len() == 1 && args[0].is_empty() {
                    &[][..]
                } else {
                    args
                };
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    let v = string2d(a)
                        .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
                    if !(0.0..=100.0).contains(&v) {
                        return Err(
                            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                                .into(),
                        );
                    }
                    vals.push(fmt_double_trimmed(v));
                }
                self.extras.values.insert(
                    "latency-tracking-info-percentiles",
                    vals.join(" ").into_bytes(),
                );
            }
        }
        Ok(())
    }

    /// `setConfigSaveOption`.
    fn set_save(&mut self, args: &[&[u8]], in_file: bool) -> Result<(), String> {
        let mut args = args;
        if args.len() == 1 && args[0].is_empty() {
            self.save.clear();
            args = &[];
        }
        if args.len() % 2 == 1 {
            return Err("Invalid save parameters".into());
        }
        let mut points = Vec::with_capacity(args.len() / 2);
        for pair in args.chunks(2) {
            let (seconds, s_all, _) = c_strtoll(pair[0], 10);
            let (changes, c_all, _) = c_strtoll(pair[1], 10);
            if !s_all || !c_all || seconds < 1 || changes < 0 {
                return Err("Invalid save parameters".into());
            }
            points.push((seconds as u64, changes as u64));
        }
        if !in_file {
            self.save.clear();
        } else if !self.extras.save_loaded {
            self.extras.save_loaded = true;
            self.save.clear();
        }
        self.save.extend(points);
        Ok(())
    }

    /// `updateClientOutputBufferLimit`: all classes are checked before any
    /// is changed.
    fn set_obuf_limits(&mut self, args: &[&[u8]]) -> Result<(), String> {
        if !args.chunks_exact(4).remainder().is_empty() {
            return Err("Wrong number of arguments in buffer limit configuration.".into());
        }
        let mut new = self.client_output_buffer_limit;
        for class in args.chunks(4) {
            let name = class[0];
            let slot = if name.eq_ignore_ascii_case(b"normal") {
                &mut new.normal
            } else if name.eq_ignore_ascii_case(b"slave") || name.eq_ignore_ascii_case(b"replica") {
                &mut new.replica
            } else if name.eq_ignore_ascii_case(b"pubsub") {
                &mut new.pubsub
            } else {
                return Err("Invalid client class specified in buffer limit configuration.".into());
            };
            let hard = memtoull(class[1]);
            let soft = memtoull(class[2]);
            let (secs, all, _) = c_strtoll(class[3], 10);
            // Stored in a C int.
            let secs = secs as i32;
            match (hard, soft) {
                (Some(hard), Some(soft)) if all && secs >= 0 => {
                    *slot = ObufLimit {
                        hard,
                        soft,
                        soft_seconds: secs as u64,
                    };
                }
                _ => return Err(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .into(),
                ),
            }
        }
        self.client_output_buffer_limit = new;
        Ok(())
    }
}

fn default_value(spec: &Spec) -> Value {
    match spec.kind {
        Kind::Bool { default, .. } => Value::Bool(default),
        Kind::Str { default, .. } => Value::Str(default.map(|d| d.as_bytes().to_vec())),
        Kind::Enum { default, .. } => Value::Int(default),
        Kind::Num { default, .. } => Value::Int(default),
        Kind::Special(_) => Value::Str(None),
    }
}

fn format_value(spec: &Spec, v: &Value) -> Vec<u8> {
    match (spec.kind, v) {
        (_, Value::Bool(b)) => {
            if *b {
                b"yes".to_vec()
            } else {
                b"no".to_vec()
            }
        }
        (_, Value::Str(s)) => s.clone().unwrap_or_default(),
        (Kind::Enum { items, .. }, Value::Int(v)) => {
            enum_name(items, *v, spec.has(table::MULTI_ARG)).into_bytes()
        }
        (Kind::Num { flags, .. }, Value::Int(v)) => {
            let v = *v;
            if flags & table::PERCENT != 0 && v < 0 {
                format!("{}%", v.unsigned_abs())
            } else if flags & table::MEMORY != 0 {
                (v as u64).to_string()
            } else if flags & table::OCTAL != 0 {
                format!("{:o}", v as u64)
            } else {
                v.to_string()
            }
            .into_bytes()
        }
        (_, Value::Int(v)) => v.to_string().into_bytes(),
    }
}

/// `configEnumGetValue`.
fn enum_value(items: &[(&str, i64)], args: &[&[u8]], bitflags: bool) -> Option<i64> {
    if args.is_empty() || (!bitflags && args.len() != 1) {
        return None;
    }
    let mut values = 0;
    for arg in args {
        let mut matched = false;
        for (name, val) in items {
            if arg.eq_ignore_ascii_case(name.as_bytes()) {
                values |= val;
                matched = true;
            }
        }
        if !matched {
            return None;
        }
    }
    Some(values)
}

/// `configEnumGetName`.
fn enum_name(items: &[(&str, i64)], values: i64, bitflags: bool) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut unmatched = values;
    for (name, val) in items {
        if values == *val {
            return (*name).to_string();
        }
        if bitflags && *val != 0 && *val == (unmatched & val) {
            names.push(name);
            unmatched &= !val;
        }
    }
    if names.is_empty() || unmatched != 0 {
        return "unknown".into();
    }
    names.join(" ")
}

/// `numericParseString`.
fn parse_number(flags: u8, s: &[u8]) -> Result<i64, &'static str> {
    if flags & table::MEMORY != 0 {
        if let Some(v) = memtoull(s) {
            return Ok(v as i64);
        }
    }
    if flags & table::PERCENT != 0 && s.len() > 1 && s[s.len() - 1] == b'%' {
        if let Some(v) = string2ll(&s[..s.len() - 1]) {
            if v >= 0 {
                return Ok(-v);
            }
        }
    }
    if flags & table::OCTAL != 0 {
        let (v, all, overflow) = c_strtoll(s, 8);
        if all && !overflow {
            return Ok(v);
        }
    }
    if flags == 0 {
        if let Some(v) = string2ll(s) {
            return Ok(v);
        }
    }
    Err(
        if flags & table::MEMORY != 0 && flags & table::PERCENT != 0 {
            "argument must be a memory or percent value"
        } else if flags & table::MEMORY != 0 {
            "argument must be a memory value"
        } else if flags & table::OCTAL != 0 {
            "argument couldn't be parsed as an octal number"
        } else {
            "argument couldn't be parsed into an integer"
        },
    )
}

/// `numericBoundaryCheck`.
fn check_bounds(nt: Nt, lo: i64, hi: i64, flags: u8, ll: i64) -> Result<(), String> {
    if nt.unsigned() {
        let (ull, lo, hi) = (ll as u64, lo as u64, hi as u64);
        if ull > hi || ull < lo {
            return Err(if flags & table::OCTAL != 0 {
                format!("argument must be between {lo:o} and {hi:o} inclusive")
            } else {
                format!("argument must be between {lo} and {hi} inclusive")
            });
        }
    } else if flags & table::PERCENT != 0 && ll < 0 {
        if ll < lo {
            return Err(format!(
                "percentage argument must be less or equal to {}",
                -lo
            ));
        }
    } else if ll > hi || ll < lo {
        return Err(format!("argument must be between {lo} and {hi} inclusive"));
    }
    Ok(())
}

// notify-keyspace-events classes (notify.c).
const NOTIFY_KEYSPACE: u32 = 1 << 0;
const NOTIFY_KEYEVENT: u32 = 1 << 1;
const NOTIFY_GENERIC: u32 = 1 << 2;
const NOTIFY_STRING: u32 = 1 << 3;
const NOTIFY_LIST: u32 = 1 << 4;
const NOTIFY_SET: u32 = 1 << 5;
const NOTIFY_HASH: u32 = 1 << 6;
const NOTIFY_ZSET: u32 = 1 << 7;
const NOTIFY_EXPIRED: u32 = 1 << 8;
const NOTIFY_EVICTED: u32 = 1 << 9;
const NOTIFY_STREAM: u32 = 1 << 10;
const NOTIFY_KEY_MISS: u32 = 1 << 11;
const NOTIFY_LOADED: u32 = 1 << 12;
const NOTIFY_MODULE: u32 = 1 << 13;
const NOTIFY_NEW: u32 = 1 << 14;
const NOTIFY_ALL: u32 = NOTIFY_GENERIC
    | NOTIFY_STRING
    | NOTIFY_LIST
    | NOTIFY_SET
    | NOTIFY_HASH
    | NOTIFY_ZSET
    | NOTIFY_EXPIRED
    | NOTIFY_EVICTED
    | NOTIFY_STREAM
    | NOTIFY_MODULE;

/// `keyspaceEventsStringToFlags`.
fn keyspace_events_flags(classes: &[u8]) -> Option<u32> {
    let mut flags = 0;
    for &c in classes {
        if c == 0 {
            break;
        }
        flags |= match c {
            b'A' => NOTIFY_ALL,
            b'g' => NOTIFY_GENERIC,
            b'$' => NOTIFY_STRING,
            b'l' => NOTIFY_LIST,
            b's' => NOTIFY_SET,
            b'h' => NOTIFY_HASH,
            b'z' => NOTIFY_ZSET,
            b'x' => NOTIFY_EXPIRED,
            b'e' => NOTIFY_EVICTED,
            b'K' => NOTIFY_KEYSPACE,
            b'E' => NOTIFY_KEYEVENT,
            b't' => NOTIFY_STREAM,
            b'm' => NOTIFY_KEY_MISS,
            b'd' => NOTIFY_MODULE,
            b'n' => NOTIFY_NEW,
            _ => return None,
        };
    }
    let _ = NOTIFY_LOADED;
    Some(flags)
}

/// `keyspaceEventsFlagsToString`.
fn keyspace_events_string(flags: u32) -> Vec<u8> {
    let mut res = Vec::new();
    if flags & NOTIFY_ALL == NOTIFY_ALL {
        res.push(b'A');
    } else {
        for (bit, c) in [
            (NOTIFY_GENERIC, b'g'),
            (NOTIFY_STRING, b'$'),
            (NOTIFY_LIST, b'l'),
            (NOTIFY_SET, b's'),
            (NOTIFY_HASH, b'h'),
            (NOTIFY_ZSET, b'z'),
            (NOTIFY_EXPIRED, b'x'),
            (NOTIFY_EVICTED, b'e'),
            (NOTIFY_STREAM, b't'),
            (NOTIFY_MODULE, b'd'),
            (NOTIFY_NEW, b'n'),
        ] {
            if flags & bit != 0 {
                res.push(c);
            }
        }
    }
    for (bit, c) in [
        (NOTIFY_KEYSPACE, b'K'),
        (NOTIFY_KEYEVENT, b'E'),
        (NOTIFY_KEY_MISS, b'm'),
    ] {
        if flags & bit != 0 {
            res.push(c);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_resolves_and_has_a_value() {
        let c = Config::default();
        for (spec, name) in table::entries() {
            assert!(Config::is_known(name.as_bytes()), "{name}");
            let _ = c.value_of(spec);
        }
        let visible = table::entries()
            .filter(|(s, _)| !s.has(table::HIDDEN))
            .count();
        assert_eq!(visible, 192);
        assert_eq!(
            table::SPECS.iter().filter(|s| s.has(table::HIDDEN)).count(),
            5
        );
    }

    #[test]
    fn typed_names_exist_in_the_table() {
        // A typo in typed_fields! would silently make a field unreachable.
        let c = Config::default();
        for spec in table::SPECS {
            if let Some(v) = c.typed_get(spec.name) {
                assert_eq!(
                    format_value(spec, &v),
                    format_value(spec, &default_value(spec)),
                    "default of {}",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn keyspace_events_round_trip() {
        let f = |s: &str| {
            String::from_utf8(keyspace_events_string(
                keyspace_events_flags(s.as_bytes()).unwrap(),
            ))
            .unwrap()
        };
        assert_eq!(f("KEA"), "AKE");
        assert_eq!(f("Agn"), "A");
        assert_eq!(f("gnx"), "gxn");
        assert_eq!(f("ndtm"), "tdnm");
        assert_eq!(f(""), "");
        assert!(keyspace_events_flags(b"Q").is_none());
    }
}
