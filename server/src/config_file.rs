//! Reading the configuration the way redis-server 7.0.15 does: the command
//! line (`server.c` `main`), the config file, standard input and `include`d
//! files (`config.c` `loadServerConfig*`), with Redis's fatal error report.
//!
//! * The first argument, unless it starts with `-`, is the config file.
//! * `-` as the first or the last argument reads more config from stdin,
//!   after the file.
//! * Every `--name value ...` becomes the line `name "value" ...` (each
//!   value quoted as Redis's `sdscatrepr` does), appended after the file and
//!   stdin, separated from them by a newline. `"--name value"` in one
//!   argument works too, values may start with `--` (`--masterauth --x`),
//!   and a `--save` with no value (last, or followed by another `--name`)
//!   means `save ""`.
//! * Lines are trimmed; empty lines and `#` comments are skipped; the rest
//!   is split with `sdssplitargs` rules and applied in order with
//!   [`Config::apply_directive`]. Error line numbers count lines of the
//!   whole text (file, then stdin, then the options), like Redis: options on
//!   a command line without a file start at line 2.
//! * `include path` reads another file (a path with `*`, `?` or `[` is a
//!   glob; one matching nothing is skipped). Its errors carry its own line
//!   numbers.
//! * `dir` must name an existing directory; later relative `include` and
//!   `logfile` paths are taken from it (Redis `chdir`s; we don't, we keep the
//!   directory and store its canonical path in [`Config::dir`]).
//! * At the end of each text: the log file must be openable (it is created,
//!   as Redis does) and `replicaof` is refused with `cluster-enabled yes`.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use replscope_core::config::{Applied, Config};
use replscope_core::glob::string_match;
use replscope_core::resp::split_args;

/// The configuration read from the command line, files and stdin.
#[derive(Clone, Debug)]
pub struct LoadedConfig {
    pub config: Config,
    /// Directives Redis knows that ReplScope ignores (lowercase, each once,
    /// in the order first seen), for a log line each.
    pub ignored: Vec<String>,
    /// The config file named on the command line, as an absolute path.
    pub config_file: Option<PathBuf>,
}

/// Where a fatal error's line comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorLine {
    /// 1-based, counted as Redis counts it (see the module docs).
    pub number: usize,
    /// The line as Redis echoes it: trimmed.
    pub text: String,
    /// The file's path, `(standard input)` or `(command line)`.
    pub source: String,
}

/// Why the server must not start (or, for [`ConfigFileError::Version`] and
/// [`ConfigFileError::Help`], must only print something and exit 0; see
/// [`ConfigFileError::exit_code`]).
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    /// `-v` / `--version` as the first argument: print [`version_line`].
    #[error("{}", version_line())]
    Version,
    /// `-h` / `--help` as the first argument: print [`USAGE`].
    #[error("{}", USAGE)]
    Help,
    /// A mode ReplScope does not have (`--sentinel`, `--test-memory`, ...).
    #[error("{0}")]
    Unsupported(String),
    /// The config file or a non-glob `include` cannot be opened. Redis logs
    /// this (as a warning) and exits 1.
    #[error("Fatal error, can't open config file '{path}': {reason}")]
    CantOpen { path: String, reason: String },
    /// Redis's `*** FATAL CONFIG FILE ERROR ***`; Display adds a line naming
    /// the file (`in /path/redis.conf`) when there is a line.
    #[error("{}", fatal_text(.reason, .line.as_ref(), true))]
    Fatal {
        reason: String,
        line: Option<ErrorLine>,
    },
}

impl ConfigFileError {
    /// 0 for `--version` and `--help`, 1 otherwise (as Redis).
    pub fn exit_code(&self) -> i32 {
        match self {
            ConfigFileError::Version | ConfigFileError::Help => 0,
            _ => 1,
        }
    }

    /// Exactly what redis-server writes to stderr for a fatal config error
    /// (it starts with an empty line), without our line naming the file.
    pub fn redis_report(&self) -> String {
        match self {
            ConfigFileError::Fatal { reason, line } => {
                format!("\n{}\n", fatal_text(reason, line.as_ref(), false))
            }
            other => format!("{other}\n"),
        }
    }
}

fn fatal_text(reason: &str, line: Option<&ErrorLine>, with_source: bool) -> String {
    let mut s = format!(
        "*** FATAL CONFIG FILE ERROR (Redis {}) ***\n",
        replscope_core::REDIS_VERSION
    );
    if let Some(l) = line {
        s.push_str(&format!(
            "Reading the configuration file, at line {}\n>>> '{}'\n",
            l.number, l.text
        ));
    }
    s.push_str(reason);
    if let (true, Some(l)) = (with_source, line) {
        s.push_str(&format!("\nin {}", l.source));
    }
    s
}

/// What `--version` prints.
pub fn version_line() -> String {
    format!(
        "Redis server v={} sha=00000000:0 malloc=libc bits={} build=0000000000000000 replscope={}",
        replscope_core::REDIS_VERSION,
        usize::BITS,
        env!("CARGO_PKG_VERSION")
    )
}

/// What `--help` prints.
pub const USAGE: &str = "Usage: ./replscope-server [/path/to/redis.conf] [options] [-]
       ./replscope-server - (read config from stdin)
       ./replscope-server -v or --version
       ./replscope-server -h or --help

Examples:
       ./replscope-server (run the server with default conf)
       echo 'maxmemory 128mb' | ./replscope-server -
       ./replscope-server /etc/redis/6379.conf
       ./replscope-server --port 7777
       ./replscope-server --port 7777 --replicaof 127.0.0.1 8888
       ./replscope-server /etc/myredis.conf --loglevel verbose -
       ./replscope-server /etc/myredis.conf --loglevel verbose";

const STDIN_SOURCE: &str = "(standard input)";
const COMMAND_LINE_SOURCE: &str = "(command line)";

/// Reads the configuration from `args` (`argv[1..]`), the files they name
/// and, if asked with `-`, the process's standard input.
pub fn load(args: &[String]) -> Result<LoadedConfig, ConfigFileError> {
    let stdin = io::stdin();
    let mut lock = stdin.lock();
    load_with_stdin(args, &mut lock)
}

/// [`load`] with the standard input given (for tests).
pub fn load_with_stdin(
    args: &[String],
    stdin: &mut dyn Read,
) -> Result<LoadedConfig, ConfigFileError> {
    let mut loader = Loader {
        config: Config::default(),
        ignored: Vec::new(),
        base: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    let Some(first) = args.first() else {
        return Ok(LoadedConfig {
            config: loader.config,
            ignored: Vec::new(),
            config_file: None,
        });
    };
    match first.as_str() {
        "-v" | "--version" => return Err(ConfigFileError::Version),
        "-h" | "--help" => return Err(ConfigFileError::Help),
        "--test-memory" => return Err(unsupported("has no memory test (--test-memory)")),
        "--check-system" => return Err(unsupported("has no system check (--check-system)")),
        _ => {}
    }
    if args.iter().any(|a| a == "--sentinel") {
        return Err(unsupported("has no sentinel mode (--sentinel)"));
    }

    let mut config_file = None;
    let mut j = 0;
    if !first.starts_with('-') {
        config_file = Some(std::path::absolute(first).unwrap_or_else(|_| PathBuf::from(first)));
        j = 1;
    }
    let (options, from_stdin) = command_line_options(args, j);

    let mut text = Vec::new();
    let mut sources: Vec<(usize, String)> = Vec::new();
    if let Some(path) = &config_file {
        sources.push((0, path.display().to_string()));
        let mut f = File::open(path).map_err(|e| ConfigFileError::CantOpen {
            path: path.display().to_string(),
            reason: strerror(&e),
        })?;
        read_like_fgets(&mut f, &mut text);
    }
    if from_stdin {
        sources.push((text.len(), STDIN_SOURCE.to_string()));
        read_like_fgets(stdin, &mut text);
    }
    text.push(b'\n');
    sources.push((text.len(), COMMAND_LINE_SOURCE.to_string()));
    text.extend_from_slice(&options);

    loader.load_text(&text, &sources)?;
    Ok(LoadedConfig {
        config: loader.config,
        ignored: loader.ignored,
        config_file,
    })
}

fn unsupported(what: &str) -> ConfigFileError {
    ConfigFileError::Unsupported(format!("replscope-server {what}"))
}

/// Reads everything; a read error (such as reading a directory) ends the
/// text where it is, as `fgets` returning NULL does.
fn read_like_fgets(r: &mut dyn Read, out: &mut Vec<u8>) {
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
}

/// The options text of `main()` in server.c, and whether to read stdin.
fn command_line_options(args: &[String], start: usize) -> (Vec<u8>, bool) {
    let mut options: Vec<u8> = Vec::new();
    let mut from_stdin = false;
    let mut handled_last_config_arg = true;
    let last = args.len() - 1;
    for k in start..args.len() {
        let arg = args[k].as_bytes();
        if arg == b"-" && (k == 0 || k == last) {
            from_stdin = true;
        } else if handled_last_config_arg && arg.starts_with(b"--") {
            if !options.is_empty() {
                options.push(b'\n');
            }
            options.extend_from_slice(&arg[2..]);
            options.push(b' ');
            if split_args(arg).map(|a| a.len()) == Some(1) {
                // Only an option name: its values follow.
                handled_last_config_arg = false;
                if arg.eq_ignore_ascii_case(b"--save") {
                    let next_is_option = k != last && args[k + 1].starts_with("--");
                    if next_is_option || k == last {
                        // `--save` with no value means `save ""`.
                        options.extend_from_slice(b"\"\"");
                        handled_last_config_arg = next_is_option;
                    }
                }
            } else {
                // Name and value in one argument: "--port 6380".
                handled_last_config_arg = true;
            }
        } else {
            options.extend_from_slice(&sds_repr(arg));
            options.push(b' ');
            handled_last_config_arg = true;
        }
    }
    (options, from_stdin)
}

/// Redis's `sdscatrepr`: a double-quoted string `sdssplitargs` reads back.
fn sds_repr(s: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &c in s {
        match c {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(c),
            _ => out.extend_from_slice(format!("\\x{c:02x}").as_bytes()),
        }
    }
    out.push(b'"');
    out
}

/// `strerror(errno)` for an I/O error.
fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

struct Loader {
    config: Config,
    ignored: Vec<String>,
    /// The directory relative paths are taken from (Redis's cwd).
    base: PathBuf,
}

impl Loader {
    fn resolve(&self, p: &str) -> PathBuf {
        self.base.join(p)
    }

    /// `loadServerConfigFromString`. `sources` maps byte offsets where each
    /// part of `text` starts to the name reported for its lines.
    fn load_text(
        &mut self,
        text: &[u8],
        sources: &[(usize, String)],
    ) -> Result<(), ConfigFileError> {
        self.config.set_reading_config_file(true);
        let mut offset = 0usize;
        for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
            let start = offset;
            offset += raw.len() + 1;
            let line = trim(raw);
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            let fail = |reason: &str| ConfigFileError::Fatal {
                reason: reason.to_string(),
                line: Some(ErrorLine {
                    number: i + 1,
                    text: String::from_utf8_lossy(line).into_owned(),
                    source: sources
                        .iter()
                        .rev()
                        .find(|(at, _)| *at <= start)
                        .map(|(_, name)| name.clone())
                        .unwrap_or_default(),
                }),
            };
            let Some(argv) = split_args(line) else {
                return Err(fail("Unbalanced quotes in configuration line"));
            };
            let Some((name, args)) = argv.split_first() else {
                continue;
            };
            let name = String::from_utf8_lossy(&name.to_ascii_lowercase()).into_owned();

            if name == "include" && args.len() == 1 {
                let path = String::from_utf8_lossy(&args[0]).into_owned();
                self.include(&path)?;
                continue;
            }
            match self.config.apply_directive(&name, args) {
                Ok(Applied::Set) => {}
                Ok(Applied::Ignored) => {
                    if !self.ignored.contains(&name) {
                        self.ignored.push(name.clone());
                    }
                }
                Err(reason) => return Err(fail(&reason)),
            }
            if name == "dir" {
                let dir = self.resolve(&self.config.dir.clone());
                match std::fs::metadata(&dir) {
                    Ok(m) if m.is_dir() => {
                        self.base = std::fs::canonicalize(&dir).unwrap_or(dir);
                        self.config.dir = self.base.display().to_string();
                    }
                    Ok(_) => return Err(fail("Not a directory")),
                    Err(e) => return Err(fail(&strerror(&e))),
                }
            }
        }
        self.config.set_reading_config_file(false);
        self.sanity_checks()
    }

    /// The checks at the end of `loadServerConfigFromString`.
    fn sanity_checks(&self) -> Result<(), ConfigFileError> {
        let fatal = |reason: String| ConfigFileError::Fatal { reason, line: None };
        if !self.config.logfile.is_empty() {
            let path = self.resolve(&self.config.logfile);
            if let Err(e) = OpenOptions::new().append(true).create(true).open(&path) {
                return Err(fatal(format!("Can't open the log file: {}", strerror(&e))));
            }
        }
        if self.config.get_one("cluster-enabled").as_deref() == Some(b"yes")
            && self.config.replicaof.is_some()
        {
            return Err(fatal(
                "replicaof directive not allowed in cluster mode".into(),
            ));
        }
        Ok(())
    }

    /// `include path`: `loadServerConfig(path, 0, NULL)`.
    fn include(&mut self, path: &str) -> Result<(), ConfigFileError> {
        let cant_open = |p: &Path, e: io::Error| ConfigFileError::CantOpen {
            path: p.display().to_string(),
            reason: strerror(&e),
        };
        let resolved = self.resolve(path);
        let mut text = Vec::new();
        if path.contains(['*', '?', '[']) {
            let files = glob_files(&resolved);
            // No match reads nothing (an empty text is still "loaded").
            for file in files {
                let mut f = File::open(&file).map_err(|e| cant_open(&file, e))?;
                read_like_fgets(&mut f, &mut text);
            }
        } else {
            let mut f = File::open(&resolved).map_err(|e| cant_open(&resolved, e))?;
            read_like_fgets(&mut f, &mut text);
        }
        self.load_text(&text, &[(0, resolved.display().to_string())])
    }
}

/// `sdstrim(line, " \t\r\n")`.
fn trim(mut s: &[u8]) -> &[u8] {
    let strip = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    while s.first().is_some_and(strip) {
        s = &s[1..];
    }
    while s.last().is_some_and(strip) {
        s = &s[..s.len() - 1];
    }
    s
}

/// A small glob(3): each path component with `*`, `?` or `[` is matched
/// against the directory's entries (hidden ones only by a pattern starting
/// with `.`); the result is sorted.
fn glob_files(pattern: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = vec![PathBuf::new()];
    for comp in pattern.components() {
        let part = comp.as_os_str().to_string_lossy().into_owned();
        let wild = part.contains(['*', '?', '[']);
        let mut next = Vec::new();
        for prefix in &found {
            if !wild {
                let p = prefix.join(comp);
                next.push(p);
                continue;
            }
            let dir = if prefix.as_os_str().is_empty() {
                Path::new(".")
            } else {
                prefix.as_path()
            };
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.') || part.starts_with('.'))
                .filter(|n| string_match(part.as_bytes(), n.as_bytes(), false))
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|n| prefix.join(n)));
        }
        found = next;
    }
    found.retain(|p| p.exists());
    found.sort();
    found
}
