//! Reading the command line, config files, includes and stdin as
//! redis-server 7.0.15 does. Expected error texts were taken from a real
//! redis-server 7.0.15 run with the same inputs.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use replscope_core::config::Config;
use replscope_server::config_file::{
    load, load_with_stdin, ConfigFileError, ErrorLine, LoadedConfig,
};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "replscope-config-file-{}-{}-{}",
            std::process::id(),
            tag,
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

fn ok(a: &[&str]) -> LoadedConfig {
    match load(&args(a)) {
        Ok(l) => l,
        Err(e) => panic!("load {a:?} failed: {e}"),
    }
}

fn err(a: &[&str]) -> ConfigFileError {
    match load(&args(a)) {
        Ok(_) => panic!("load {a:?} succeeded"),
        Err(e) => e,
    }
}

fn get(c: &Config, name: &str) -> String {
    String::from_utf8(c.get_one(name).unwrap()).unwrap()
}

/// The (number, text, source, reason) of a fatal error.
fn fatal(e: ConfigFileError) -> (Option<ErrorLine>, String) {
    match e {
        ConfigFileError::Fatal { reason, line } => (line, reason),
        other => panic!("not a fatal config error: {other:?}"),
    }
}

fn at(number: usize, text: &str, source: &str) -> Option<ErrorLine> {
    Some(ErrorLine {
        number,
        text: text.into(),
        source: source.into(),
    })
}

#[test]
fn the_seed_config_parses() {
    let t = TempDir::new("seed");
    let f = t.file(
        "replica.conf",
        "replicaof 127.0.0.1 6379\nmasterauth secret\n",
    );
    let l = ok(&[&f]);
    assert_eq!(l.config.replicaof, Some(("127.0.0.1".to_string(), 6379)));
    assert_eq!(l.config.masterauth.as_deref(), Some(&b"secret"[..]));
    assert_eq!(l.config_file.as_deref(), Some(Path::new(&f)));
    assert!(l.ignored.is_empty(), "{:?}", l.ignored);
}

#[test]
fn a_file_with_comments_quotes_and_odd_case() {
    let t = TempDir::new("file");
    let f = t.file(
        "c.conf",
        "# a comment\n\n   \t# an indented comment\r\nPORT 7001\r\n  Hz 30  \nmasterauth \"a\\x41 b\\tc\\\\\"\n\
         replica-announce-ip 'it\\'s'\nsave 900   1\nslave-read-only no\nhash-max-ziplist-entries 77\n\
         oom-score-adj-values \"0 200 800\"\n",
    );
    let l = ok(&[&f]);
    let c = &l.config;
    assert_eq!(c.port, 7001);
    assert_eq!(c.hz, 30);
    assert_eq!(c.masterauth.as_deref(), Some(&b"aA b\tc\\"[..]));
    assert_eq!(c.replica_announce_ip.as_deref(), Some("it's"));
    assert_eq!(get(c, "save"), "900 1");
    assert!(!c.replica_read_only);
    assert_eq!(c.hash_max_listpack_entries, 77);
    assert_eq!(get(c, "oom-score-adj-values"), "0 200 800");
    assert_eq!(l.ignored, vec!["oom-score-adj-values"]);
}

#[test]
fn no_arguments_means_defaults() {
    let l = ok(&[]);
    assert_eq!(l.config, Config::default());
    assert_eq!(l.config_file, None);
}

#[test]
fn command_line_options_come_after_the_file() {
    let t = TempDir::new("override");
    let f = t.file("c.conf", "port 1\nhz 5\n");
    let l = ok(&[&f, "--port", "7002", "--hz", "20"]);
    assert_eq!((l.config.port, l.config.hz), (7002, 20));
    // Options only.
    let l = ok(&["--port", "7003", "--save", "900 1", "--save", "300 10"]);
    assert_eq!(l.config.port, 7003);
    assert_eq!(get(&l.config, "save"), "900 1 300 10");
    assert_eq!(l.config_file, None);
}

#[test]
fn replicaof_on_the_command_line() {
    let l = ok(&["--replicaof", "127.0.0.1 6379"]);
    assert_eq!(l.config.replicaof, Some(("127.0.0.1".to_string(), 6379)));
    let l = ok(&[
        "--port",
        "7004",
        "--replicaof",
        "10.0.0.2",
        "6380",
        "--masterauth",
        "s3",
    ]);
    assert_eq!(l.config.replicaof, Some(("10.0.0.2".to_string(), 6380)));
    assert_eq!(l.config.masterauth.as_deref(), Some(&b"s3"[..]));
    let l = ok(&["--slaveof", "h", "1"]);
    assert_eq!(get(&l.config, "replicaof"), "h 1");
    let (line, reason) = fatal(err(&["--replicaof", "h"]));
    assert_eq!(line, at(2, "replicaof \"h\"", "(command line)"));
    assert_eq!(reason, "wrong number of arguments");
}

#[test]
fn command_line_quirks_as_redis() {
    // Name and value in one argument.
    let l = ok(&["--port 7005", "--hz", "20"]);
    assert_eq!((l.config.port, l.config.hz), (7005, 20));
    // A value may start with "--".
    let l = ok(&["--port", "7006", "--masterauth", "--x"]);
    assert_eq!(l.config.masterauth.as_deref(), Some(&b"--x"[..]));
    // A value with spaces and quotes is passed whole.
    let l = ok(&["--requirepass", "p \"w\""]);
    assert_eq!(l.config.requirepass.as_deref(), Some(&b"p \"w\""[..]));
    // `--save` with no value clears the save points.
    assert!(ok(&["--save", "--port", "7007"]).config.save.is_empty());
    assert!(ok(&["--port", "7007", "--save"]).config.save.is_empty());
    assert!(ok(&["--save", ""]).config.save.is_empty());
}

#[test]
fn a_bad_directive_names_its_line_and_file() {
    let t = TempDir::new("bad");
    let f = t.file("c.conf", "port 1\nfoo bar\n");
    let e = err(&[&f]);
    assert_eq!(
        e.to_string(),
        format!(
            "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
             Reading the configuration file, at line 2\n\
             >>> 'foo bar'\n\
             Bad directive or wrong number of arguments\n\
             in {f}"
        )
    );
    assert_eq!(
        e.redis_report(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
         Reading the configuration file, at line 2\n\
         >>> 'foo bar'\n\
         Bad directive or wrong number of arguments\n"
    );
    assert_eq!(e.exit_code(), 1);
    let f = t.file("w.conf", "port 1 2\n");
    assert_eq!(
        fatal(err(&[&f])),
        (at(1, "port 1 2", &f), "wrong number of arguments".into())
    );
}

#[test]
fn command_line_errors_count_lines_like_redis() {
    // Without a file the options start at line 2, each value quoted.
    let (line, reason) = fatal(err(&["--port", "1", "--nosuch", "1"]));
    assert_eq!(line, at(3, "nosuch \"1\"", "(command line)"));
    assert_eq!(reason, "Bad directive or wrong number of arguments");
    let (line, reason) = fatal(err(&["--port", "abc"]));
    assert_eq!(line, at(2, "port \"abc\"", "(command line)"));
    assert_eq!(reason, "argument couldn't be parsed into an integer");
    assert_eq!(
        fatal(err(&["--save", "900"])),
        (
            at(2, "save \"900\"", "(command line)"),
            "Invalid save parameters".into()
        )
    );
    // After a file: the file's errors come first; options follow its lines.
    let t = TempDir::new("lines");
    let bad = t.file("a.conf", "port 1\nfoo bar\n");
    assert_eq!(fatal(err(&[&bad, "--hz", "x"])).0, at(2, "foo bar", &bad));
    let good = t.file("b.conf", "port 1\n");
    assert_eq!(
        fatal(err(&[&good, "--hz", "x"])),
        (
            at(3, "hz \"x\"", "(command line)"),
            "argument couldn't be parsed into an integer".into()
        )
    );
    // A file without a last newline: the options still start on a new line.
    let no_nl = t.file("c.conf", "port 1");
    assert_eq!(
        fatal(err(&[&no_nl, "--hz", "x"])).0,
        at(2, "hz \"x\"", "(command line)")
    );
}

#[test]
fn unbalanced_quotes() {
    let t = TempDir::new("quotes");
    let f = t.file("c.conf", "port \"1\n");
    assert_eq!(
        fatal(err(&[&f])),
        (
            at(1, "port \"1", &f),
            "Unbalanced quotes in configuration line".into()
        )
    );
    let f = t.file("d.conf", "# ok\nport \"1\"x\n");
    assert_eq!(
        fatal(err(&[&f])),
        (
            at(2, "port \"1\"x", &f),
            "Unbalanced quotes in configuration line".into()
        )
    );
}

#[test]
fn include() {
    let t = TempDir::new("include");
    let inc = t.file("i.conf", "hz 40\ntimeout 7\n");
    let main = t.file("c.conf", &format!("port 7008\ninclude {inc}\ntimeout 8\n"));
    let l = ok(&[&main]);
    assert_eq!(
        (l.config.port, l.config.hz, l.config.timeout),
        (7008, 40, 8)
    );

    // An error inside an include is reported at the include's own line.
    let bad = t.file("bad.conf", "# x\n\nhz abc\n");
    let main = t.file("e.conf", &format!("port 1\ninclude {bad}\n"));
    assert_eq!(
        fatal(err(&[&main])),
        (
            at(3, "hz abc", &bad),
            "argument couldn't be parsed into an integer".into()
        )
    );
    // An error after an include is at the including file's line.
    let main = t.file("f.conf", &format!("include {inc}\nhz abc\n"));
    assert_eq!(fatal(err(&[&main])).0, at(2, "hz abc", &main));

    // A missing include is fatal; a pattern matching nothing is skipped.
    let missing = t.path("nope.conf");
    let main = t.file("g.conf", &format!("include {missing}\n"));
    match err(&[&main]) {
        ConfigFileError::CantOpen { path, reason } => {
            assert_eq!(path, missing);
            assert_eq!(reason, "No such file or directory");
        }
        other => panic!("{other:?}"),
    }
    let main = t.file(
        "h.conf",
        &format!("include {}\nhz 9\n", t.path("none/*.conf")),
    );
    assert_eq!(ok(&[&main]).config.hz, 9);

    // A pattern includes its files in name order.
    t.file("d/b.inc", "hz 11\n");
    t.file("d/a.inc", "hz 12\ntimeout 3\n");
    t.file("d/.hidden.inc", "hz 99\n");
    let main = t.file("j.conf", &format!("include {}\n", t.path("d/*.inc")));
    let l = ok(&[&main]);
    assert_eq!((l.config.hz, l.config.timeout), (11, 3));
}

#[test]
fn dir_then_relative_include_and_save_after_include() {
    let t = TempDir::new("dir");
    t.file("sub/i.conf", "hz 40\n");
    // `dir` is taken from the process's directory, so give it absolute; the
    // include after it is relative to it.
    let main_abs = t.file(
        "r.conf",
        &format!("port 7009\ndir {}\ninclude i.conf\n", t.path("sub")),
    );
    let l = ok(&[&main_abs]);
    assert_eq!(l.config.hz, 40);
    let canonical = std::fs::canonicalize(t.path("sub")).unwrap();
    assert_eq!(l.config.dir, canonical.display().to_string());

    // After an include every save line replaces the list (Redis 7.0.15).
    let inc = t.file("x.conf", "hz 20\n");
    let main = t.file(
        "s.conf",
        &format!("save 900 1\ninclude {inc}\nsave 60 5\nsave 70 6\n"),
    );
    assert_eq!(get(&ok(&[&main]).config, "save"), "70 6");
    // An included file's own save lines add up again; a pattern matching
    // nothing counts as an include too.
    let b = t.file("b.conf", "save 1 1\nsave 2 2\n");
    let main = t.file(
        "two.conf",
        &format!("save 900 1\ninclude {inc}\nsave 60 5\ninclude {b}\n"),
    );
    assert_eq!(get(&ok(&[&main]).config, "save"), "60 5 1 1 2 2");
    let none = t.path("nomatch*.conf");
    let main = t.file(
        "nm.conf",
        &format!("save 900 1\ninclude {none}\nsave 60 5\n"),
    );
    assert_eq!(get(&ok(&[&main]).config, "save"), "60 5");
    let main = t.file("s2.conf", "save 900 1\nsave \"\"\nsave 60 5\n");
    assert_eq!(get(&ok(&[&main]).config, "save"), "60 5");
    let main = t.file("s3.conf", "save 900 1\nsave 60 5\n");
    assert_eq!(get(&ok(&[&main]).config, "save"), "900 1 60 5");
}

#[test]
fn ignored_directives_are_reported_once() {
    let t = TempDir::new("ignored");
    let f = t.file(
        "c.conf",
        "maxmemory-policy allkeys-lru\nio-threads 4\nrename-command FLUSHALL \"\"\nloadmodule /x.so\n\
         list-max-ziplist-entries 5\nio-threads 2\nport 7010\nappendonly no\nuser bob on\nsentinel\n",
    );
    let l = ok(&[&f]);
    assert_eq!(
        l.ignored,
        vec![
            "maxmemory-policy",
            "io-threads",
            "rename-command",
            "loadmodule",
            "list-max-ziplist-entries",
            "appendonly",
            "user",
            "sentinel"
        ]
    );
    assert_eq!(get(&l.config, "io-threads"), "2");
    assert_eq!(get(&l.config, "maxmemory-policy"), "allkeys-lru");
}

#[test]
fn standard_input() {
    let mut stdin: &[u8] = b"hz 33\ntimeout 7\n";
    let l = load_with_stdin(&args(&["-", "--port", "7011"]), &mut stdin).unwrap();
    assert_eq!(
        (l.config.hz, l.config.timeout, l.config.port),
        (33, 7, 7011)
    );

    let t = TempDir::new("stdin");
    let f = t.file("c.conf", "port 7012\nhz 5\n");
    let mut stdin: &[u8] = b"hz 6\n";
    let l = load_with_stdin(&args(&[&f, "-"]), &mut stdin).unwrap();
    assert_eq!((l.config.port, l.config.hz), (7012, 6));

    let mut stdin: &[u8] = b"port 1\nhz x\n";
    let e = load_with_stdin(&args(&["-"]), &mut stdin).unwrap_err();
    assert_eq!(fatal(e).0, at(2, "hz x", "(standard input)"));
    // Lines of stdin are numbered after the file's.
    let mut stdin: &[u8] = b"hz x\n";
    let e = load_with_stdin(&args(&[&f, "-"]), &mut stdin).unwrap_err();
    assert_eq!(fatal(e).0, at(3, "hz x", "(standard input)"));
}

#[test]
fn failures_without_a_line() {
    let t = TempDir::new("noline");
    let (line, reason) = fatal(err(&["--logfile", "/nonexistent/dir/x.log"]));
    assert_eq!(
        (line, reason.as_str()),
        (None, "Can't open the log file: No such file or directory")
    );
    let e = err(&["--cluster-enabled", "yes", "--replicaof", "1.2.3.4", "6379"]);
    assert_eq!(e.to_string(), "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in cluster mode");
    // A log file that can be opened is created, as Redis does.
    let log = t.path("r.log");
    let l = ok(&["--logfile", &log]);
    assert_eq!(l.config.logfile, log);
    assert!(Path::new(&log).exists());
}

#[test]
fn dir_must_exist() {
    let t = TempDir::new("dirs");
    let (line, reason) = fatal(err(&["--dir", "/nonexistent/x"]));
    assert_eq!(line, at(2, "dir \"/nonexistent/x\"", "(command line)"));
    assert_eq!(reason, "No such file or directory");
    let f = t.file("f", "x");
    assert_eq!(fatal(err(&["--dir", &f])).1, "Not a directory");
}

#[test]
fn files_that_cannot_be_read() {
    let t = TempDir::new("open");
    let missing = t.path("nope.conf");
    match err(&[&missing]) {
        e @ ConfigFileError::CantOpen { .. } => {
            assert_eq!(
                e.to_string(),
                format!(
                    "Fatal error, can't open config file '{missing}': No such file or directory"
                )
            );
            assert_eq!(e.exit_code(), 1);
        }
        other => panic!("{other:?}"),
    }
    // A directory reads as an empty file, as with Redis's fgets.
    std::fs::create_dir_all(t.path("d")).unwrap();
    assert_eq!(ok(&[&t.path("d"), "--port", "7013"]).config.port, 7013);
}

#[test]
fn version_help_and_other_modes() {
    for a in ["-v", "--version"] {
        let e = err(&[a]);
        assert!(matches!(e, ConfigFileError::Version));
        assert_eq!(e.exit_code(), 0);
        let text = e.to_string();
        assert!(text.starts_with("Redis server v=7.0.15 "), "{text}");
        assert!(text.contains(" replscope="), "{text}");
    }
    for a in ["-h", "--help"] {
        let e = err(&[a]);
        assert!(matches!(e, ConfigFileError::Help));
        assert_eq!(e.exit_code(), 0);
        assert!(e.to_string().starts_with("Usage: "));
    }
    assert!(matches!(
        err(&["--sentinel"]),
        ConfigFileError::Unsupported(_)
    ));
    assert!(matches!(
        err(&["--port", "1", "--sentinel"]),
        ConfigFileError::Unsupported(_)
    ));
    assert!(matches!(
        err(&["--test-memory", "10"]),
        ConfigFileError::Unsupported(_)
    ));
    // -v is only special as the first argument.
    let (line, _) = fatal(err(&["--port", "1", "-v"]));
    assert_eq!(line, at(2, "port \"1\" \"-v\"", "(command line)"));
}
