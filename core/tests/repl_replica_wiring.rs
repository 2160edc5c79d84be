//! The replica side wired into the server: `REPLICAOF` → `Output::Connect` → the exact
//! handshake bytes → a fake master answering with the exact bytes of a real redis-server
//! 7.0.15 (`data/repl-disk.stream.bin`: replies, `+FULLRESYNC`, a `$<len>` RDB and the command
//! stream; `data/repl-master-keys.rdb`: a 7.0.15 dump with keys in dbs 0 and 3, taken with
//! `redis-cli --rdb`, 10 keys) → the dataset replaced, the stream applied as the master client, INFO and
//! ROLE of a replica, `-READONLY`, `-MASTERDOWN`, a sub-replica fed verbatim, and
//! `REPLICAOF NO ONE`.

mod support;

use replscope_core::client::{ClientId, PeerInfo};
use replscope_core::config::Config;
use replscope_core::server::{Output, Server};
use replscope_core::time::Time;
use support::{bulks, resp_cmd, NOW_MS};

const DISK: &[u8] = include_bytes!("data/repl-disk.stream.bin");
const KEYS_RDB: &[u8] = include_bytes!("data/repl-master-keys.rdb");
const MASTER_ID: &str = "97bb3f5194341f66a96f334b296cf300d50f17b4";
const GETACK: &[u8] = b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";

/// Everything the server asked for, split by destination.
#[derive(Default, Debug)]
struct Out {
    connects: Vec<(ClientId, String, u16)>,
    to_link: Vec<u8>,
    to_client: Vec<(ClientId, Vec<u8>)>,
    closed: Vec<ClientId>,
    logs: Vec<String>,
}

struct Node {
    srv: Server,
    c: ClientId,
    now: Time,
    link: Option<ClientId>,
}

impl Node {
    fn new(cfg: Config) -> Node {
        let now = Time::from_millis(NOW_MS);
        let mut srv = Server::new(cfg, 7, now);
        let c = srv.handle_accept(now, PeerInfo::default());
        Node {
            srv,
            c,
            now,
            link: None,
        }
    }

    fn drain(&mut self) -> Out {
        let mut o = Out::default();
        while let Some(x) = self.srv.poll_output() {
            match x {
                Output::Connect { link, host, port } => {
                    self.link = Some(link);
                    o.connects.push((link, host, port));
                }
                Output::Transmit { client, bytes } if Some(client) == self.link => {
                    o.to_link.extend_from_slice(&bytes)
                }
                Output::Transmit { client, bytes } => o.to_client.push((client, bytes.to_vec())),
                Output::Close { client } => o.closed.push(client),
                Output::Log { message, .. } => o.logs.push(message),
                _ => {}
            }
        }
        o
    }

    /// One command from the normal client; its reply.
    fn cmd(&mut self, args: &[&str]) -> String {
        self.srv.handle_input(self.now, self.c, &bulks(args));
        let o = self.drain();
        let mut r = Vec::new();
        for (id, b) in o.to_client {
            if id == self.c {
                r.extend_from_slice(&b);
            }
        }
        String::from_utf8_lossy(&r).into_owned()
    }

    /// Bytes from the fake master.
    fn master_sends(&mut self, bytes: &[u8]) -> Out {
        let link = self.link.expect("no link");
        self.srv.handle_input(self.now, link, bytes);
        self.drain()
    }

    fn info_field(&mut self, name: &str) -> Option<String> {
        let i = self.cmd(&["INFO", "replication"]);
        i.split("\r\n")
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .map(str::to_string)
    }
}

/// Split the capture into (handshake replies + FULLRESYNC line, `$len` header + RDB, stream).
fn split_capture() -> (&'static [u8], &'static [u8], &'static [u8]) {
    let fr = find(DISK, b"+FULLRESYNC").unwrap();
    let hdr = fr + find(&DISK[fr..], b"\r\n").unwrap() + 2;
    let len_end = hdr + find(&DISK[hdr..], b"\r\n").unwrap();
    let len: usize = std::str::from_utf8(&DISK[hdr + 1..len_end])
        .unwrap()
        .parse()
        .unwrap();
    let rdb_end = len_end + 2 + len;
    (&DISK[..hdr], &DISK[hdr..rdb_end], &DISK[rdb_end..])
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// REPLICAOF on a master with data, through the handshake up to PSYNC.
fn handshake(n: &mut Node) {
    assert_eq!(n.cmd(&["SET", "mine", "1"]), "+OK\r\n");
    assert_eq!(n.cmd(&["REPLICAOF", "127.0.0.1", "6380"]), "+OK\r\n");
    let link = n.link.expect("Output::Connect");
    assert_eq!(
        n.cmd(&["REPLICAOF", "127.0.0.1", "6380"]),
        "+OK Already connected to specified master\r\n"
    );
    assert_eq!(
        n.cmd(&["ROLE"]),
        "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6380\r\n$10\r\nconnecting\r\n:-1\r\n"
    );
    n.srv.handle_link_connected(n.now, link);
    let o = n.drain();
    assert_eq!(o.to_link, b"*1\r\n$4\r\nPING\r\n");
    let o = n.master_sends(b"+PONG\r\n");
    let mut expect = resp_cmd(&[b"REPLCONF", b"listening-port", b"6379"]);
    expect.extend_from_slice(&resp_cmd(&[
        b"REPLCONF",
        b"capa",
        b"eof",
        b"capa",
        b"psync2",
    ]));
    assert_eq!(
        String::from_utf8_lossy(&o.to_link),
        String::from_utf8_lossy(&expect)
    );
    let o = n.master_sends(b"+OK\r\n+OK\r\n");
    // A master turning replica offers its own history (`PSYNC <own replid> <offset+1>`).
    let own = n.srv.state().master.ids.replid.to_string_lossy();
    assert_eq!(
        String::from_utf8_lossy(&o.to_link),
        String::from_utf8_lossy(&resp_cmd(&[b"PSYNC", own.as_bytes(), b"1"]))
    );
}

#[test]
fn replicaof_errors_and_no_one_on_a_master() {
    let mut n = Node::new(Config::default());
    assert_eq!(n.cmd(&["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
    for p in ["abc", "-1", "65536"] {
        assert_eq!(
            n.cmd(&["REPLICAOF", "127.0.0.1", p]),
            "-ERR Invalid master port\r\n"
        );
    }
    assert_eq!(
        n.cmd(&["REPLICAOF", "a"]),
        "-ERR wrong number of arguments for 'replicaof' command\r\n"
    );
    assert_eq!(
        n.cmd(&["SLAVEOF", "a", "b", "c"]),
        "-ERR wrong number of arguments for 'slaveof' command\r\n"
    );
    assert!(n.drain().connects.is_empty());
    // A fresh replica whose link is not up yet (7.0.15, live).
    assert_eq!(n.cmd(&["SLAVEOF", "127.0.0.1", "1"]), "+OK\r\n");
    assert_eq!(n.cmd(&["GET", "x"]), "$-1\r\n");
    assert_eq!(
        n.cmd(&["SET", "x", "1"]),
        "-READONLY You can't write against a read only replica.\r\n"
    );
    let link = n.link.unwrap();
    n.srv.handle_close(n.now, link);
    n.drain();
    let info = n.cmd(&["INFO", "replication"]);
    let head =
        "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:1\r\nmaster_link_status:down\r\n\
        master_last_io_seconds_ago:-1\r\nmaster_sync_in_progress:0\r\nslave_read_repl_offset:0\r\n\
        slave_repl_offset:0\r\nmaster_link_down_since_seconds:-1\r\nslave_priority:100\r\n\
        slave_read_only:1\r\nreplica_announced:1\r\nconnected_slaves:0\r\n\
        master_failover_state:no-failover\r\n";
    assert!(info.contains(head), "{info}");
    assert_eq!(
        n.cmd(&["ROLE"]),
        "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:1\r\n$7\r\nconnect\r\n:-1\r\n"
    );
    // replica-serve-stale-data no: MASTERDOWN for commands without the stale flag.
    assert_eq!(
        n.cmd(&["CONFIG", "SET", "replica-serve-stale-data", "no"]),
        "+OK\r\n"
    );
    assert_eq!(
        n.cmd(&["GET", "x"]),
        "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"
    );
    assert!(n.cmd(&["INFO", "replication"]).starts_with('$'));
    assert_eq!(n.cmd(&["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
    assert_eq!(n.cmd(&["SET", "x", "1"]), "+OK\r\n");
    assert_eq!(n.info_field("role").as_deref(), Some("master"));
    assert_eq!(n.info_field("second_repl_offset").as_deref(), Some("1"));
}

#[test]
fn full_sync_from_captured_master_then_stream_then_promotion() {
    let mut n = Node::new(Config::default());
    handshake(&mut n);
    let (replies, payload, stream) = split_capture();
    let fullresync = &replies[find(replies, b"+FULLRESYNC").unwrap()..];
    assert!(fullresync.starts_with(b"+FULLRESYNC"));
    let o = n.master_sends(fullresync);
    assert!(o.to_link.is_empty());
    // The payload in two pieces: INFO shows the transfer in between.
    let (a, b) = payload.split_at(40);
    n.master_sends(a);
    assert_eq!(
        n.info_field("master_sync_in_progress").as_deref(),
        Some("1")
    );
    assert_eq!(
        n.info_field("master_sync_total_bytes").as_deref(),
        Some("172")
    );
    assert_eq!(
        n.cmd(&["GET", "mine"]),
        "$1\r\n1\r\n",
        "old data served during the transfer"
    );
    let o = n.master_sends(b);
    assert!(
        o.logs
            .iter()
            .any(|l| l == "MASTER <-> REPLICA sync: Finished with success"),
        "{:?}",
        o.logs
    );
    // The old dataset is gone (the dump was empty).
    assert_eq!(n.cmd(&["DBSIZE"]), ":0\r\n");
    assert_eq!(n.info_field("master_link_status").as_deref(), Some("up"));
    assert_eq!(n.info_field("master_replid").as_deref(), Some(MASTER_ID));
    assert_eq!(n.info_field("master_repl_offset").as_deref(), Some("0"));
    assert_eq!(n.info_field("repl_backlog_active").as_deref(), Some("1"));
    assert_eq!(
        n.info_field("repl_backlog_first_byte_offset").as_deref(),
        Some("1")
    );
    assert_eq!(n.info_field("master_link_down_since_seconds"), None);

    // A sub-replica of ours, attached by partial resync at our offset.
    let sub = n.srv.handle_accept(n.now, PeerInfo::default());
    n.srv.handle_input(
        n.now,
        sub,
        &bulks(&["REPLCONF", "capa", "eof", "capa", "psync2"]),
    );
    n.drain();
    n.srv
        .handle_input(n.now, sub, &bulks(&["PSYNC", MASTER_ID, "1"]));
    let o = n.drain();
    let got: Vec<u8> = o
        .to_client
        .iter()
        .filter(|(id, _)| *id == sub)
        .flat_map(|(_, b)| b.clone())
        .collect();
    assert_eq!(
        String::from_utf8_lossy(&got),
        format!("+CONTINUE {MASTER_ID}\r\n")
    );

    // The stream: applied as the master client, proxied verbatim, GETACK answered.
    let o = n.master_sends(stream);
    let upto_getack = stream.len() - GETACK.len();
    assert_eq!(
        String::from_utf8_lossy(&o.to_link),
        String::from_utf8_lossy(&resp_cmd(&[
            b"REPLCONF",
            b"ACK",
            upto_getack.to_string().as_bytes()
        ]))
    );
    let fed: Vec<u8> = o
        .to_client
        .iter()
        .filter(|(id, _)| *id == sub)
        .flat_map(|(_, b)| b.clone())
        .collect();
    assert_eq!(
        String::from_utf8_lossy(&fed),
        String::from_utf8_lossy(stream)
    );
    assert_eq!(n.cmd(&["GET", "foo"]), "$3\r\nbar\r\n");
    assert_eq!(n.cmd(&["GET", "x"]), "$1\r\n1\r\n");
    assert_eq!(n.cmd(&["GET", "during"]), "$4\r\nsync\r\n");
    assert_eq!(n.cmd(&["SELECT", "3"]), "+OK\r\n");
    assert_eq!(
        n.cmd(&["MGET", "n", "a", "b"]),
        "*3\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n"
    );
    assert_eq!(
        n.cmd(&["SET", "foo", "mine"]),
        "-READONLY You can't write against a read only replica.\r\n"
    );
    let off = stream.len().to_string();
    assert_eq!(
        n.info_field("slave_repl_offset").as_deref(),
        Some(off.as_str())
    );
    assert_eq!(
        n.info_field("slave_read_repl_offset").as_deref(),
        Some(off.as_str())
    );
    assert_eq!(
        n.info_field("master_repl_offset").as_deref(),
        Some(off.as_str())
    );
    assert_eq!(n.info_field("connected_slaves").as_deref(), Some("1"));
    assert_eq!(
        n.cmd(&["ROLE"]),
        format!("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6380\r\n$9\r\nconnected\r\n:{off}\r\n")
    );
    let info = n.cmd(&["INFO", "replication"]);
    let head = format!(
        "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6380\r\nmaster_link_status:up\r\n\
         master_last_io_seconds_ago:0\r\nmaster_sync_in_progress:0\r\nslave_read_repl_offset:{off}\r\n\
         slave_repl_offset:{off}\r\nslave_priority:100\r\nslave_read_only:1\r\nreplica_announced:1\r\n\
         connected_slaves:1\r\n"
    );
    assert!(info.contains(&head), "{info}");

    // The link drops: down, with the seconds since.
    let link = n.link.unwrap();
    n.srv.handle_close(n.now, link);
    n.drain();
    n.now = n.now.add_millis(3000);
    assert_eq!(n.info_field("master_link_status").as_deref(), Some("down"));
    assert_eq!(
        n.info_field("master_link_down_since_seconds").as_deref(),
        Some("3")
    );

    // Promotion: ids shifted, data kept, our replica dropped, writes accepted.
    assert_eq!(n.cmd(&["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
    assert_eq!(n.info_field("role").as_deref(), Some("master"));
    assert_eq!(n.info_field("master_replid2").as_deref(), Some(MASTER_ID));
    let second = (stream.len() + 1).to_string();
    assert_eq!(
        n.info_field("second_repl_offset").as_deref(),
        Some(second.as_str())
    );
    assert_ne!(n.info_field("master_replid").as_deref(), Some(MASTER_ID));
    assert_eq!(n.cmd(&["SET", "foo", "mine"]), "+OK\r\n");
    assert_eq!(n.cmd(&["GET", "n"]), "$1\r\n1\r\n");
}

#[test]
fn full_sync_loads_a_real_dump_with_keys_in_several_dbs() {
    let mut n = Node::new(Config::default());
    handshake(&mut n);
    let mut bytes = format!("+FULLRESYNC {MASTER_ID} 0\r\n${}\r\n", KEYS_RDB.len()).into_bytes();
    bytes.extend_from_slice(KEYS_RDB);
    bytes.extend_from_slice(&bulks(&["SELECT", "3"]));
    bytes.extend_from_slice(&bulks(&["sadd", "s3", "w"]));
    let o = n.master_sends(&bytes);
    assert!(
        o.logs
            .iter()
            .any(|l| l == "Done loading RDB, keys loaded: 10, keys expired: 0."),
        "{:?}",
        o.logs
    );
    assert_eq!(n.cmd(&["GET", "mine"]), "$-1\r\n");
    assert_eq!(n.cmd(&["GET", "old:str"]), "$5\r\nhello\r\n");
    assert_eq!(
        n.cmd(&["LRANGE", "lst", "0", "-1"]),
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert_eq!(n.cmd(&["HGET", "h", "f"]), "$1\r\nv\r\n");
    assert!(n.cmd(&["TTL", "ttlk"]).starts_with(':'));
    assert_ne!(n.cmd(&["TTL", "ttlk"]), ":-1\r\n");
    assert_eq!(n.cmd(&["SELECT", "3"]), "+OK\r\n");
    assert_eq!(n.cmd(&["SCARD", "s3"]), ":4\r\n");
    assert_eq!(n.cmd(&["GET", "k3"]), "$2\r\nv3\r\n");
}

#[test]
fn replicaof_from_config_connects_at_the_first_cron_tick() {
    let cfg = Config {
        replicaof: Some(("10.0.0.1".into(), 7000)),
        ..Config::default()
    };
    let mut n = Node::new(cfg);
    assert!(n.drain().connects.is_empty());
    n.now = n.now.add_millis(200);
    n.srv.handle_timeout(n.now);
    let o = n.drain();
    assert_eq!(o.connects.len(), 1);
    assert_eq!(
        (o.connects[0].1.as_str(), o.connects[0].2),
        ("10.0.0.1", 7000)
    );
    assert!(o
        .logs
        .iter()
        .any(|l| l == "Connecting to MASTER 10.0.0.1:7000"));
    // No history of our own: PSYNC ? -1.
    let link = n.link.unwrap();
    n.srv.handle_link_connected(n.now, link);
    n.drain();
    n.master_sends(b"+PONG\r\n");
    let o = n.master_sends(b"+OK\r\n+OK\r\n");
    assert_eq!(o.to_link, resp_cmd(&[b"PSYNC", b"?", b"-1"]));
    // The connection is refused: reconnect at a later cron tick.
    n.srv.handle_close(n.now, link);
    n.drain();
    assert_eq!(n.info_field("master_link_status").as_deref(), Some("down"));
    assert!(n.srv.poll_timeout().is_some());
}
