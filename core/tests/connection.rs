//! Connection commands against the exact replies of redis-server 7.0.15 (recorded with a raw
//! RESP client: PING, ECHO, AUTH, HELLO, RESET, CLIENT ...).

use replscope_core::client::{ClientId, PeerInfo};
use replscope_core::config::Config;
use replscope_core::server::{Output, Server};
use replscope_core::time::Time;

const NOW_MS: u64 = 1_700_000_000_000;

struct H {
    srv: Server,
    now: Time,
}

fn peer(n: u16) -> PeerInfo {
    PeerInfo {
        addr: format!("127.0.0.1:{}", 50000 + n),
        laddr: "127.0.0.1:6379".into(),
        fd: 7 + i64::from(n),
    }
}

impl H {
    fn new(cfg: Config) -> H {
        let now = Time::from_millis(NOW_MS);
        H {
            srv: Server::new(cfg, 7, now),
            now,
        }
    }
    fn connect(&mut self, n: u16) -> ClientId {
        self.srv.handle_accept(self.now, peer(n))
    }
    /// Send one command (space-separated words), return (bytes sent back, clients closed).
    fn send(&mut self, c: ClientId, args: &[&[u8]]) -> (String, Vec<ClientId>) {
        let mut req = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            req.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            req.extend_from_slice(a);
            req.extend_from_slice(b"\r\n");
        }
        self.srv.handle_input(self.now, c, &req);
        let mut out = Vec::new();
        let mut closed = Vec::new();
        while let Some(o) = self.srv.poll_output() {
            match o {
                Output::Transmit { client, bytes } if client == c => out.extend_from_slice(&bytes),
                Output::Close { client } => closed.push(client),
                _ => {}
            }
        }
        (String::from_utf8_lossy(&out).into_owned(), closed)
    }
    fn cmd(&mut self, c: ClientId, line: &str) -> String {
        let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        self.send(c, &args).0
    }
}

fn with_pass() -> Config {
    Config {
        requirepass: Some(b"secret".to_vec()),
        ..Config::default()
    }
}

fn hello_reply(id: u64, role: &str) -> String {
    format!(
        "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n\
         $2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n${}\r\n{role}\r\n\
         $7\r\nmodules\r\n*0\r\n",
        role.len()
    )
}

#[test]
fn ping_and_echo() {
    let mut h = H::new(Config::default());
    let c = h.connect(1);
    for (line, want) in [
        ("PING", "+PONG\r\n"),
        ("ping hello", "$5\r\nhello\r\n"),
        (
            "ping a b",
            "-ERR wrong number of arguments for 'ping' command\r\n",
        ),
        (
            "echo",
            "-ERR wrong number of arguments for 'echo' command\r\n",
        ),
        ("echo x", "$1\r\nx\r\n"),
        (
            "echo x y",
            "-ERR wrong number of arguments for 'echo' command\r\n",
        ),
    ] {
        assert_eq!(h.cmd(c, line), want, "{line}");
    }
    assert_eq!(h.send(c, &[b"ECHO", b""]).0, "$0\r\n\r\n");
}

#[test]
fn auth_without_password() {
    let mut h = H::new(Config::default());
    let c = h.connect(1);
    for (line, want) in [
        ("auth", "-ERR wrong number of arguments for 'auth' command\r\n"),
        ("auth x", "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"),
        ("auth a b", "-WRONGPASS invalid username-password pair or user is disabled.\r\n"),
        ("auth a b c", "-ERR syntax error\r\n"),
        ("auth default x", "+OK\r\n"),
    ] {
        assert_eq!(h.cmd(c, line), want, "{line}");
    }
}

#[test]
fn requirepass_flow() {
    let mut h = H::new(with_pass());
    let c = h.connect(1);
    let noauth_hello = "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n";
    let wrongpass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
    for (line, want) in [
        ("ping", "-NOAUTH Authentication required.\r\n"),
        ("echo x", "-NOAUTH Authentication required.\r\n"),
        ("hello", noauth_hello),
        ("hello 2", noauth_hello),
        ("hello 2 auth default wrong", wrongpass),
        ("hello 2 auth foo secret", wrongpass),
        ("client id", "-NOAUTH Authentication required.\r\n"),
        ("auth wrong", wrongpass),
        ("auth foo secret", wrongpass),
        ("auth default wrong", wrongpass),
        ("auth secret", "+OK\r\n"),
        ("ping", "+PONG\r\n"),
        ("auth default secret", "+OK\r\n"),
        // A failed AUTH does not log an authenticated client out.
        ("auth default wrong", wrongpass),
        ("ping", "+PONG\r\n"),
    ] {
        assert_eq!(h.cmd(c, line), want, "{line}");
    }
    // HELLO AUTH authenticates and answers.
    let d = h.connect(2);
    assert_eq!(
        h.cmd(d, "hello 2 auth default secret"),
        hello_reply(d, "master")
    );
    assert_eq!(h.cmd(d, "ping"), "+PONG\r\n");
    // RESET logs out when the default user has a password.
    assert_eq!(h.cmd(d, "reset"), "+RESET\r\n");
    assert_eq!(h.cmd(d, "ping"), "-NOAUTH Authentication required.\r\n");
    let info = h.cmd(c, "info errorstats");
    // Same counts as redis-server 7.0.15 after the same sequence.
    assert_eq!(
        info,
        "$69\r\n# Errorstats\r\nerrorstat_NOAUTH:count=6\r\nerrorstat_WRONGPASS:count=6\r\n\r\n"
    );
}

#[test]
fn hello_replies_and_errors() {
    let mut h = H::new(Config::default());
    let c = h.connect(1);
    assert_eq!(h.cmd(c, "hello"), hello_reply(c, "master"));
    assert_eq!(h.cmd(c, "hello 2"), hello_reply(c, "master"));
    for (line, want) in [
        ("hello 3", "-NOPROTO unsupported protocol version\r\n"),
        ("hello 1", "-NOPROTO unsupported protocol version\r\n"),
        ("hello 4", "-NOPROTO unsupported protocol version\r\n"),
        (
            "hello abc",
            "-ERR Protocol version is not an integer or out of range\r\n",
        ),
        (
            "hello 2 setname",
            "-ERR Syntax error in HELLO option 'setname'\r\n",
        ),
        (
            "hello 2 auth a",
            "-ERR Syntax error in HELLO option 'auth'\r\n",
        ),
        ("hello 2 foo", "-ERR Syntax error in HELLO option 'foo'\r\n"),
    ] {
        assert_eq!(h.cmd(c, line), want, "{line}");
    }
    assert_eq!(
        h.send(c, &[b"hello", b"2", b"setname", b"a b"]).0,
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    );
    assert_eq!(h.cmd(c, "hello 2 setname foo"), hello_reply(c, "master"));
    assert_eq!(h.cmd(c, "client getname"), "$3\r\nfoo\r\n");
    assert_eq!(h.cmd(c, "hello 2 auth default x"), hello_reply(c, "master"));

    let cfg = Config {
        replicaof: Some(("127.0.0.1".into(), 1)),
        ..Config::default()
    };
    let mut r = H::new(cfg);
    let c = r.connect(1);
    assert_eq!(r.cmd(c, "hello"), hello_reply(c, "replica"));
}

#[test]
fn client_name_and_id() {
    let mut h = H::new(Config::default());
    let c = h.connect(1);
    let bad = "-ERR Client names cannot contain spaces, newlines or special characters.\r\n";
    assert_eq!(h.send(c, &[b"client", b"setname", b"a b"]).0, bad);
    assert_eq!(h.send(c, &[b"client", b"setname", b"a\nb"]).0, bad);
    assert_eq!(h.send(c, &[b"client", b"setname", b"\xc3\xa9"]).0, bad);
    assert_eq!(h.send(c, &[b"client", b"setname", b""]).0, "+OK\r\n");
    for (line, want) in [
        ("client getname", "$-1\r\n"),
        ("client setname myname", "+OK\r\n"),
        ("CLIENT GETNAME", "$6\r\nmyname\r\n"),
        ("client id", &format!(":{c}\r\n")),
        (
            "client",
            "-ERR wrong number of arguments for 'client' command\r\n",
        ),
        (
            "client foo",
            "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n",
        ),
        (
            "client setinfo lib-name x",
            "-ERR unknown subcommand 'setinfo'. Try CLIENT HELP.\r\n",
        ),
        (
            "client setname",
            "-ERR wrong number of arguments for 'client|setname' command\r\n",
        ),
        (
            "client getname x",
            "-ERR wrong number of arguments for 'client|getname' command\r\n",
        ),
        (
            "client id x",
            "-ERR wrong number of arguments for 'client|id' command\r\n",
        ),
        (
            "client info x",
            "-ERR wrong number of arguments for 'client|info' command\r\n",
        ),
        (
            "client help x",
            "-ERR wrong number of arguments for 'client|help' command\r\n",
        ),
        (
            "client kill",
            "-ERR wrong number of arguments for 'client|kill' command\r\n",
        ),
    ] {
        assert_eq!(h.cmd(c, line), want, "{line}");
    }
    // An empty name clears it.
    assert_eq!(h.send(c, &[b"client", b"setname", b""]).0, "+OK\r\n");
    assert_eq!(h.cmd(c, "client getname"), "$-1\r\n");
}

/// The field names of a CLIENT LIST / CLIENT INFO line.
fn field_names(line: &str) -> Vec<&str> {
    line.split(' ')
        .map(|kv| kv.split('=').next().unwrap())
        .collect()
}

/// Field names of a `CLIENT LIST` line of redis-server 7.0.15, in order.
const CLIENT_LIST_FIELDS: &[&str] = &[
    "id",
    "addr",
    "laddr",
    "fd",
    "name",
    "age",
    "idle",
    "flags",
    "db",
    "sub",
    "psub",
    "ssub",
    "multi",
    "qbuf",
    "qbuf-free",
    "argv-mem",
    "multi-mem",
    "rbs",
    "rbp",
    "obl",
    "oll",
    "omem",
    "tot-mem",
    "events",
    "cmd",
    "user",
    "redir",
    "resp",
];

/// The bulk payload of a reply.
fn bulk(reply: &str) -> &str {
    let body = reply.split_once("\r\n").unwrap().1;
    body.strip_suffix("\r\n").unwrap()
}

#[test]
fn client_list_and_info() {
    let mut h = H::new(Config::default());
    let a = h.connect(1);
    let b = h.connect(2);
    h.cmd(b, "client setname bee");
    h.cmd(b, "multi");
    h.cmd(b, "set k v");
    let list = h.cmd(a, "client list");
    let lines: Vec<&str> = bulk(&list).lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    for l in &lines {
        assert_eq!(field_names(l), CLIENT_LIST_FIELDS, "{l}");
    }
    assert!(lines[0].starts_with(&format!("id={a} addr=127.0.0.1:50001 laddr=127.0.0.1:6379 fd=8 name= age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 ")), "{}", lines[0]);
    assert!(lines[0].contains(" argv-mem=10 "), "{}", lines[0]);
    assert!(
        lines[0].ends_with(" events=r cmd=client|list user=default redir=-1 resp=2"),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with(&format!("id={b} addr=127.0.0.1:50002 laddr=127.0.0.1:6379 fd=9 name=bee age=0 idle=0 flags=x db=0 sub=0 psub=0 ssub=0 multi=1 ")), "{}", lines[1]);
    // The last command looked up is the queued SET, as in Redis.
    assert!(lines[1].contains(" cmd=set "), "{}", lines[1]);
    assert!(list.ends_with("resp=2\n\r\n"));

    let info = h.cmd(a, "client info");
    let line = bulk(&info).strip_suffix('\n').unwrap();
    assert_eq!(field_names(line), CLIENT_LIST_FIELDS);
    assert!(line.contains(" cmd=client|info "), "{line}");

    // Filters.
    assert_eq!(
        h.cmd(a, "client list type foo"),
        "-ERR Unknown client type 'foo'\r\n"
    );
    assert_eq!(h.cmd(a, "client list id abc"), "-ERR Invalid client ID\r\n");
    assert_eq!(h.cmd(a, "client list id 0"), "-ERR Invalid client ID\r\n");
    assert_eq!(h.cmd(a, "client list id 99 98"), "$0\r\n\r\n");
    assert_eq!(h.cmd(a, "client list x"), "-ERR syntax error\r\n");
    assert_eq!(h.cmd(a, "client list type master"), "$0\r\n\r\n");
    let only_b = h.cmd(a, &format!("client list id {b}"));
    assert!(bulk(&only_b).starts_with(&format!("id={b} ")));
    assert_eq!(
        bulk(&h.cmd(a, "client list type normal")).lines().count(),
        2
    );

    // Unix-socket clients are flagged U and idle time advances.
    let mut h = H::new(Config::default());
    let u = h.srv.handle_accept(
        h.now,
        PeerInfo {
            addr: "/tmp/redis.sock:0".into(),
            laddr: "/tmp/redis.sock:0".into(),
            fd: 8,
        },
    );
    h.now = h.now.add_millis(5_000);
    let line = h.cmd(u, "client info");
    assert!(line.contains(" age=5 idle=0 flags=U "), "{line}");
}

#[test]
fn client_kill() {
    let mut h = H::new(Config::default());
    let a = h.connect(1);
    let b = h.connect(2);
    let c = h.connect(3);
    for (line, want) in [
        ("client kill 1.2.3.4:5", "-ERR No such client\r\n"),
        ("client kill id", "-ERR No such client\r\n"),
        (
            "client kill id abc",
            "-ERR client-id should be greater than 0\r\n",
        ),
        (
            "client kill id 0",
            "-ERR client-id should be greater than 0\r\n",
        ),
        ("client kill id 999", ":0\r\n"),
        ("client kill type foo", "-ERR Unknown client type 'foo'\r\n"),
        ("client kill skipme maybe", "-ERR syntax error\r\n"),
        ("client kill foo bar", "-ERR syntax error\r\n"),
        ("client kill id 1 type", "-ERR syntax error\r\n"),
        ("client kill addr 1.1.1.1:1", ":0\r\n"),
        ("client kill user nobody", "-ERR No such user 'nobody'\r\n"),
        ("client kill laddr x", ":0\r\n"),
    ] {
        assert_eq!(h.cmd(a, line), want, "{line}");
    }
    // Old form: by address, +OK, the victim is closed.
    let (reply, closed) = h.send(a, &[b"client", b"kill", b"127.0.0.1:50002"]);
    assert_eq!(reply, "+OK\r\n");
    assert_eq!(closed, vec![b]);
    assert_eq!(bulk(&h.cmd(a, "client list")).lines().count(), 2);
    // New form: by id, counts.
    let (reply, closed) = h.send(a, &[b"client", b"kill", b"id", c.to_string().as_bytes()]);
    assert_eq!(reply, ":1\r\n");
    assert_eq!(closed, vec![c]);
    // SKIPME yes (default) spares the caller.
    assert_eq!(h.cmd(a, "client kill type normal"), ":0\r\n");
    assert_eq!(h.cmd(a, "client kill user default skipme yes"), ":0\r\n");
    // SKIPME no kills the caller after the reply.
    let (reply, closed) = h.send(
        a,
        &[
            b"client",
            b"kill",
            b"laddr",
            b"127.0.0.1:6379",
            b"skipme",
            b"no",
        ],
    );
    assert_eq!(reply, ":1\r\n");
    assert_eq!(closed, vec![a]);
    assert_eq!(h.srv.client_count(), 0);
}

#[test]
fn client_help() {
    let mut h = H::new(Config::default());
    let c = h.connect(1);
    let help = h.cmd(c, "client help");
    assert!(help.starts_with("*48\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CACHING (YES|NO)\r\n"), "{help}");
    assert!(help.ends_with("+NO-EVICT (ON|OFF)\r\n+    Protect current client connection from eviction.\r\n+HELP\r\n+    Prints this help.\r\n"));
}

#[test]
fn reset_clears_connection_state() {
    let mut h = H::new(Config::default());
    let c = h.connect(1);
    h.cmd(c, "client setname n1");
    h.cmd(c, "watch k");
    h.cmd(c, "multi");
    assert_eq!(h.cmd(c, "reset"), "+RESET\r\n");
    assert_eq!(h.cmd(c, "client getname"), "$-1\r\n");
    assert_eq!(h.cmd(c, "exec"), "-ERR EXEC without MULTI\r\n");
    assert!(h.srv.state().watched_keys.is_empty());
    assert_eq!(
        h.cmd(c, "reset x"),
        "-ERR wrong number of arguments for 'reset' command\r\n"
    );
}
