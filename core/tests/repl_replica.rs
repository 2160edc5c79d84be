//! The replica link (`repl::replica`): driven with the exact bytes a real redis-server 7.0.15
//! master sends. `data/repl-diskless.stream.bin` and `data/repl-disk.stream.bin` are raw
//! captures of everything a 7.0.15 master (default config, and `repl-diskless-sync no`) sent to
//! a scripted replica that sent PING, `REPLCONF listening-port 7777`, `REPLCONF capa eof capa
//! psync2`, `PSYNC ? -1`, then `REPLCONF ACK <offset>`; meanwhile clients ran `set during
//! sync`, `set foo bar`, `incr n` in db 3, an EVAL doing two SETs (MULTI/EXEC), and
//! `set x 1` + `WAIT 1 200` (REPLCONF GETACK).

use bytes::Bytes;
use proptest::prelude::*;
use replscope_core::rdb::RdbItem;
use replscope_core::repl::replica::{
    ack_bytes, CachedMaster, DisklessLoad, HandshakeStep, RdbFraming, ReplState, ReplicaConfig,
    ReplicaEvent, ReplicaLink,
};
use replscope_core::time::Time;

const DISKLESS: &[u8] = include_bytes!("data/repl-diskless.stream.bin");
const DISK: &[u8] = include_bytes!("data/repl-disk.stream.bin");

/// Spec rdb.md §15: the recommended minimal RDB (`REDIS0010`, EOF, CRC).
const EMPTY_RDB: &[u8] = b"REDIS0010\xff\xa9\xfd\x37\xfe\x89\xa7\x7e\xeb";
/// The tutorial "empty RDB" (`REDIS0011`, redis-ver 7.2.0): 7.0 refuses it.
const RDB_V11_HEX: &str = "524544495330303131fa0972656469732d76657205372e322e30fa0a72656469732d62697473c040fa056374696d65c26d08bc65fa08757365642d6d656dc2b0c41000fa08616f662d62617365c000fff06e3bfec0ff5aa2";

const PING: &[u8] = b"*1\r\n$4\r\nPING\r\n";
const PSYNC_FULL: &[u8] = b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n";
const PORT_7777: &[u8] = b"*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$4\r\n7777\r\n";
const CAPA: &[u8] =
    b"*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n";
const STREAM_PING: &[u8] = b"*1\r\n$4\r\nping\r\n";
const SELECT0: &[u8] = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n";
const GETACK: &[u8] = b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";
const MULTI: &[u8] = b"*1\r\n$5\r\nMULTI\r\n";
const EXEC: &[u8] = b"*1\r\n$4\r\nEXEC\r\n";

const ID_A: &str = "1111111111111111111111111111111111111111";
const ID_B: &str = "2222222222222222222222222222222222222222";

fn t0() -> Time {
    Time::from_millis(1_700_000_000_000)
}

fn secs(n: u64) -> Time {
    t0().add_millis(n * 1000)
}

fn cfg() -> ReplicaConfig {
    ReplicaConfig {
        listening_port: 7777,
        ..ReplicaConfig::default()
    }
}

/// Everything the link wants to send, and every event, drained.
fn drain(link: &mut ReplicaLink) -> (Vec<Bytes>, Vec<ReplicaEvent>) {
    let (tx, ev, _) = drain_all(link);
    (tx, ev)
}

/// [`drain`], with the bytes of each `Applied` event, taken from the link as the server
/// does when it handles the event.
fn drain_all(link: &mut ReplicaLink) -> (Vec<Bytes>, Vec<ReplicaEvent>, Vec<Bytes>) {
    let mut tx = Vec::new();
    while let Some(b) = link.poll_transmit() {
        tx.push(b);
    }
    let mut ev = Vec::new();
    let mut applied = Vec::new();
    while let Some(e) = link.poll_event() {
        if let ReplicaEvent::Applied { len, .. } = e {
            link.take_applied(len, |b| applied.push(Bytes::copy_from_slice(b)));
        }
        ev.push(e);
    }
    (tx, ev, applied)
}

fn tx_of(link: &mut ReplicaLink) -> Vec<u8> {
    drain(link).0.concat()
}

/// Events other than logs and progress (which depend on read boundaries).
fn semantic(ev: Vec<ReplicaEvent>) -> Vec<ReplicaEvent> {
    ev.into_iter()
        .filter(|e| !matches!(e, ReplicaEvent::Log(..) | ReplicaEvent::RdbProgress { .. }))
        .collect()
}

fn states(ev: &[ReplicaEvent]) -> Vec<ReplState> {
    ev.iter()
        .filter_map(|e| match e {
            ReplicaEvent::StateChanged { to, .. } => Some(*to),
            _ => None,
        })
        .collect()
}

fn commands(ev: &[ReplicaEvent]) -> Vec<Vec<String>> {
    ev.iter()
        .filter_map(|e| match e {
            ReplicaEvent::Command(argv) => Some(
                argv.iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

fn resp(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n{}\r\n", a.len(), a).as_bytes());
    }
    out
}

/// A link that connected and got through PING and the REPLCONFs (default config, port 7777):
/// the next thing it reads is the PSYNC reply.
fn at_psync_reply(cached: Option<CachedMaster>) -> ReplicaLink {
    let mut link = ReplicaLink::new("127.0.0.1", 7100, cfg(), cached, t0());
    link.handle_connected(t0());
    link.handle_bytes(t0(), b"+PONG\r\n+OK\r\n+OK\r\n");
    assert_eq!(link.state(), ReplState::ReceivePsyncReply);
    drain(&mut link);
    link
}

fn cached(id: &str, off: i64) -> Option<CachedMaster> {
    Some(CachedMaster {
        replid: Bytes::copy_from_slice(id.as_bytes()),
        reploff: off,
    })
}

// ------------------------------------------------------------------------- handshake

#[test]
fn handshake_exact_bytes_and_states() {
    let mut link = ReplicaLink::new("127.0.0.1", 7100, cfg(), None, t0());
    let (tx, ev) = drain(&mut link);
    assert!(tx.is_empty());
    assert_eq!(states(&ev), vec![ReplState::Connect, ReplState::Connecting]);
    assert!(ev.contains(&ReplicaEvent::Connect {
        host: "127.0.0.1".into(),
        port: 7100
    }));
    assert_eq!(link.role_state(), "connecting");

    link.handle_connected(t0());
    let (tx, ev) = drain(&mut link);
    assert_eq!(tx, vec![Bytes::from_static(PING)]);
    assert_eq!(states(&ev), vec![ReplState::ReceivePingReply]);
    assert_eq!(link.role_state(), "handshake");

    // After the PONG: listening-port and capa in one burst, before any reply.
    link.handle_bytes(t0(), b"+PONG\r\n");
    let (tx, ev) = drain(&mut link);
    assert_eq!(tx, vec![Bytes::from([PORT_7777, CAPA].concat())]);
    assert_eq!(
        states(&ev),
        vec![ReplState::SendHandshake, ReplState::ReceivePortReply]
    );

    link.handle_bytes(t0(), b"+OK\r\n");
    let (tx, ev) = drain(&mut link);
    assert!(tx.is_empty());
    assert_eq!(states(&ev), vec![ReplState::ReceiveCapaReply]);

    // PSYNC only after the capa reply.
    link.handle_bytes(t0(), b"+OK\r\n");
    let (tx, ev) = drain(&mut link);
    assert_eq!(tx, vec![Bytes::from_static(PSYNC_FULL)]);
    assert_eq!(
        states(&ev),
        vec![ReplState::SendPsync, ReplState::ReceivePsyncReply]
    );
}

#[test]
fn handshake_with_auth_user_and_announce_ip() {
    let cfg = ReplicaConfig {
        masterauth: Some(Bytes::from_static(b"secret")),
        masteruser: Some(Bytes::from_static(b"bob")),
        announce_ip: Some(Bytes::from_static(b"10.0.0.5")),
        listening_port: 7002,
        ..ReplicaConfig::default()
    };
    let mut link = ReplicaLink::new("m", 6380, cfg, None, t0());
    link.handle_connected(t0());
    drain(&mut link);
    // -NOAUTH to PING is accepted (AUTH comes next).
    link.handle_bytes(t0(), b"-NOAUTH Authentication required.\r\n");
    let (tx, ev) = drain(&mut link);
    let expected: Vec<u8> = [
        &b"*3\r\n$4\r\nAUTH\r\n$3\r\nbob\r\n$6\r\nsecret\r\n"[..],
        b"*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$4\r\n7002\r\n",
        b"*3\r\n$8\r\nREPLCONF\r\n$10\r\nip-address\r\n$8\r\n10.0.0.5\r\n",
        CAPA,
    ]
    .concat();
    assert_eq!(tx, vec![Bytes::from(expected)]);
    assert!(ev.contains(&ReplicaEvent::ErrorReply {
        step: HandshakeStep::Ping,
        reply: Bytes::from_static(b"-NOAUTH Authentication required.")
    }));
    assert_eq!(link.state(), ReplState::ReceiveAuthReply);
    link.handle_bytes(t0(), b"+OK\r\n");
    assert_eq!(link.state(), ReplState::ReceivePortReply);
    link.handle_bytes(t0(), b"+OK\r\n");
    assert_eq!(link.state(), ReplState::ReceiveIpReply);
    link.handle_bytes(t0(), b"+OK\r\n");
    assert_eq!(link.state(), ReplState::ReceiveCapaReply);
    link.handle_bytes(t0(), b"+OK\r\n");
    assert_eq!(tx_of(&mut link), PSYNC_FULL);
}

#[test]
fn auth_without_user_has_two_args() {
    let cfg = ReplicaConfig {
        masterauth: Some(Bytes::from_static(b"pw")),
        listening_port: 0,
        ..ReplicaConfig::default()
    };
    let mut link = ReplicaLink::new("m", 6380, cfg, None, t0());
    link.handle_connected(t0());
    drain(&mut link);
    link.handle_bytes(t0(), b"+PONG\r\n");
    let expected: Vec<u8> = [
        &b"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n"[..],
        b"*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$1\r\n0\r\n",
        CAPA,
    ]
    .concat();
    assert_eq!(tx_of(&mut link), expected);
}

#[test]
fn wrong_password_is_reported_and_retried_every_second() {
    let cfg = ReplicaConfig {
        masterauth: Some(Bytes::from_static(b"bad")),
        ..cfg()
    };
    let mut link = ReplicaLink::new("m", 6380, cfg, None, t0());
    link.handle_connected(t0());
    link.handle_bytes(t0(), b"+PONG\r\n");
    drain(&mut link);
    let err = b"-WRONGPASS invalid username-password pair or user is disabled.";
    link.handle_bytes(t0(), &[&err[..], b"\r\n"].concat());
    let (tx, ev) = drain(&mut link);
    assert!(tx.is_empty());
    let ev = semantic(ev);
    assert_eq!(
        ev,
        vec![
            ReplicaEvent::ErrorReply {
                step: HandshakeStep::Auth,
                reply: Bytes::copy_from_slice(err)
            },
            ReplicaEvent::Close,
            ReplicaEvent::StateChanged {
                from: ReplState::ReceiveAuthReply,
                to: ReplState::Connect
            },
        ]
    );
    // Not before the next cron tick.
    assert_eq!(link.poll_timeout(), Some(secs(1)));
    link.handle_timeout(secs(1));
    let (_, ev) = drain(&mut link);
    assert!(ev.contains(&ReplicaEvent::Connect {
        host: "m".into(),
        port: 6380
    }));
    assert_eq!(link.state(), ReplState::Connecting);
}

#[test]
fn ping_error_closes_and_waits_for_cron() {
    let mut link = ReplicaLink::new("m", 1, cfg(), None, t0());
    link.handle_connected(t0());
    drain(&mut link);
    link.handle_bytes(t0(), b"-ERR something\r\n");
    let (tx, ev) = drain(&mut link);
    assert!(tx.is_empty());
    assert!(ev.contains(&ReplicaEvent::Close));
    assert!(ev.contains(&ReplicaEvent::Log(
        replscope_core::repl::replica::LogLevel::Warning,
        "Error reply to PING from master: '-ERR something'".into()
    )));
    assert_eq!(link.state(), ReplState::Connect);
}

#[test]
fn replconf_errors_are_not_critical() {
    let mut link = ReplicaLink::new("m", 1, cfg(), None, t0());
    link.handle_connected(t0());
    link.handle_bytes(
        t0(),
        b"+PONG\r\n-ERR unknown command 'REPLCONF'\r\n-ERR unknown command 'REPLCONF'\r\n",
    );
    let (tx, ev) = drain(&mut link);
    assert_eq!(tx.last().unwrap().as_ref(), PSYNC_FULL);
    assert!(ev.contains(&ReplicaEvent::ErrorReply {
        step: HandshakeStep::Capa,
        reply: Bytes::from_static(b"-ERR unknown command 'REPLCONF'")
    }));
    assert_eq!(link.state(), ReplState::ReceivePsyncReply);
}

#[test]
fn connect_failure_retries_on_cron() {
    let mut link = ReplicaLink::new("m", 1, cfg(), None, t0());
    drain(&mut link);
    link.handle_closed(t0());
    assert_eq!(link.state(), ReplState::Connect);
    link.handle_timeout(secs(1));
    assert_eq!(link.state(), ReplState::Connecting);
}

// ------------------------------------------------------------------------- full sync

/// Stream bytes of the diskless capture after the EOF mark.
fn stream_after_mark(capture: &[u8]) -> &[u8] {
    let i = capture
        .windows(5)
        .position(|w| w == b"$EOF:")
        .expect("eof header");
    let mark = &capture[i + 5..i + 45];
    let j = capture[i + 47..]
        .windows(40)
        .position(|w| w == mark)
        .expect("end mark");
    &capture[i + 47 + j + 40..]
}

#[test]
fn real_diskless_full_sync() {
    let mut link = ReplicaLink::new("127.0.0.1", 7100, cfg(), None, t0());
    link.handle_connected(t0());
    link.handle_bytes(t0(), DISKLESS);
    let (tx, ev, applied_bytes) = drain_all(&mut link);
    let stream = stream_after_mark(DISKLESS);
    let getack_at = stream.len() - GETACK.len();
    assert_eq!(&stream[getack_at..], GETACK);
    // PING, burst, PSYNC, immediate ACK after an EOF-mark load, GETACK answer (excluding the
    // GETACK itself).
    assert_eq!(
        tx,
        vec![
            Bytes::from_static(PING),
            Bytes::from([PORT_7777, CAPA].concat()),
            Bytes::from_static(PSYNC_FULL),
            ack_bytes(58),
            ack_bytes(58 + getack_at as i64),
        ]
    );
    assert_eq!(
        ack_bytes(58).as_ref(),
        b"*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$2\r\n58\r\n"
    );
    let ev = semantic(ev);
    let replid = Bytes::from_static(b"969a3f42bd2d41ecce868dbec33f6f1180a82bec");
    assert!(ev.contains(&ReplicaEvent::FullResync {
        replid: Some(replid.clone()),
        offset: 58
    }));
    assert!(ev.iter().any(|e| matches!(
        e,
        ReplicaEvent::RdbTransferStarted {
            framing: RdbFraming::EofMark(m),
            diskless_load: false
        } if m.as_ref() == b"b267104ddd676c8ea2de3ad86fa23ab24618304c"
    )));
    let keys: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            ReplicaEvent::RdbItem(RdbItem::Key(k)) => Some((k.db, k.key.to_vec())),
            _ => None,
        })
        .collect();
    assert_eq!(keys, vec![(0, b"during".to_vec())]);
    assert!(ev.contains(&ReplicaEvent::RdbLoaded {
        replid: replid.clone(),
        offset: 58,
        repl_stream_db: Some(0),
        keys: 1
    }));
    // Attach (cached master gone) happens before the load result.
    let attach = ev
        .iter()
        .position(|e| *e == ReplicaEvent::AttachedToNewMaster)
        .unwrap();
    let loaded = ev
        .iter()
        .position(|e| matches!(e, ReplicaEvent::RdbLoaded { .. }))
        .unwrap();
    assert!(attach < loaded);
    assert_eq!(
        commands(&ev),
        vec![
            vec!["SELECT", "0"],
            vec!["set", "foo", "bar"],
            vec!["SELECT", "3"],
            vec!["incr", "n"],
            vec!["MULTI"],
            vec!["set", "a", "1"],
            vec!["set", "b", "2"],
            vec!["EXEC"],
            vec!["ping"],
            vec!["SELECT", "0"],
            vec!["set", "x", "1"],
            vec!["REPLCONF", "GETACK", "*"],
        ]
    );
    // Applied chunks: one per command, the MULTI…EXEC block as one.
    let applied: Vec<(Bytes, i64)> = ev
        .iter()
        .filter_map(|e| match e {
            ReplicaEvent::Applied { len, reploff } => Some((*len, *reploff)),
            _ => None,
        })
        .zip(&applied_bytes)
        .map(|((len, reploff), bytes)| {
            assert_eq!(bytes.len(), len);
            (bytes.clone(), reploff)
        })
        .collect();
    assert_eq!(applied.len(), 9);
    assert_eq!(applied_bytes.len(), 9);
    assert_eq!(
        applied
            .iter()
            .map(|a| a.0.clone())
            .collect::<Vec<_>>()
            .concat(),
        stream
    );
    let block = &applied[4].0;
    assert!(block.starts_with(MULTI) && block.ends_with(EXEC));
    assert_eq!(applied[5].0.as_ref(), STREAM_PING);
    let total = 58 + stream.len() as i64;
    assert_eq!(applied.last().unwrap().1, total);
    assert_eq!(link.master_reploff(), Some(total));
    assert_eq!(link.master_read_reploff(), Some(total));
    assert_eq!(link.state(), ReplState::Connected);
    assert_eq!(link.role_state(), "connected");
    assert_eq!(link.cached_master(), None);
}

#[test]
fn real_disk_full_sync_stream_glued_to_payload() {
    let mut link = ReplicaLink::new("127.0.0.1", 7100, cfg(), None, t0());
    link.handle_connected(t0());
    link.handle_bytes(t0(), DISK);
    let (tx, ev) = drain(&mut link);
    let i = DISK.windows(6).position(|w| w == b"$172\r\n").unwrap();
    let stream = &DISK[i + 6 + 172..];
    assert!(stream.starts_with(SELECT0));
    let getack_at = (stream.len() - GETACK.len()) as i64;
    // No immediate ACK with `$len` framing; the GETACK answer only.
    assert_eq!(
        tx,
        vec![
            Bytes::from_static(PING),
            Bytes::from([PORT_7777, CAPA].concat()),
            Bytes::from_static(PSYNC_FULL),
            ack_bytes(getack_at),
        ]
    );
    let ev = semantic(ev);
    assert!(ev.contains(&ReplicaEvent::RdbTransferStarted {
        framing: RdbFraming::Length(172),
        diskless_load: false
    }));
    assert!(ev.contains(&ReplicaEvent::RdbLoaded {
        replid: Bytes::from_static(b"97bb3f5194341f66a96f334b296cf300d50f17b4"),
        offset: 0,
        repl_stream_db: Some(0),
        keys: 0
    }));
    assert_eq!(commands(&ev)[1], vec!["set", "during", "sync"]);
    assert_eq!(link.master_reploff(), Some(stream.len() as i64));
}

/// Split `data` at the given cut points (sorted, deduplicated, in range).
fn chunks(data: &[u8], mut cuts: Vec<usize>) -> Vec<&[u8]> {
    cuts.retain(|&c| c > 0 && c < data.len());
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    let mut prev = 0;
    for c in cuts {
        out.push(&data[prev..c]);
        prev = c;
    }
    out.push(&data[prev..]);
    out
}

fn run_chunked(data: &[u8], cuts: Vec<usize>) -> (Vec<u8>, Vec<ReplicaEvent>, Option<i64>) {
    let mut link = ReplicaLink::new("127.0.0.1", 7100, cfg(), None, t0());
    link.handle_connected(t0());
    let mut tx = Vec::new();
    let mut ev = Vec::new();
    for c in chunks(data, cuts) {
        link.handle_bytes(t0(), c);
        let (t, e) = drain(&mut link);
        tx.extend(t.concat());
        ev.extend(semantic(e));
    }
    (tx, ev, link.master_reploff())
}

#[test]
fn byte_by_byte_equals_one_chunk() {
    for capture in [DISKLESS, DISK] {
        let whole = run_chunked(capture, vec![]);
        let bytewise = run_chunked(capture, (1..capture.len()).collect());
        assert_eq!(whole, bytewise);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_chunking_gives_the_same_result(
        cuts in proptest::collection::vec(0usize..700, 0..40),
        disk in any::<bool>(),
    ) {
        let capture = if disk { DISK } else { DISKLESS };
        let whole = run_chunked(capture, vec![]);
        prop_assert_eq!(run_chunked(capture, cuts), whole);
    }

    #[test]
    fn never_panics_on_garbage(
        prefix in 0usize..4,
        data in proptest::collection::vec(any::<u8>(), 0..300),
        cuts in proptest::collection::vec(0usize..300, 0..8),
    ) {
        // Garbage at every stage: handshake, PSYNC reply, payload header, payload, stream.
        let prefixes: [&[u8]; 4] = [
            b"",
            b"+PONG\r\n+OK\r\n+OK\r\n",
            b"+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC 2222222222222222222222222222222222222222 5\r\n",
            b"+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC 2222222222222222222222222222222222222222 5\r\n$18\r\nREDIS0010\xff\x00\x00\x00\x00\x00\x00\x00\x00",
        ];
        let mut link = ReplicaLink::new("m", 1, cfg(), None, t0());
        link.handle_connected(t0());
        link.handle_bytes(t0(), prefixes[prefix]);
        for c in chunks(&data, cuts) {
            link.handle_bytes(t0(), c);
            drain(&mut link);
        }
        for s in 1..5 {
            link.handle_timeout(secs(s * 30));
            drain(&mut link);
        }
    }
}

fn empty_len_payload() -> Vec<u8> {
    [format!("${}\r\n", EMPTY_RDB.len()).as_bytes(), EMPTY_RDB].concat()
}

fn empty_eof_payload(mark: &[u8; 40]) -> Vec<u8> {
    [&b"$EOF:"[..], mark, b"\r\n", EMPTY_RDB, mark].concat()
}

#[test]
fn minimal_rdb_in_both_framings() {
    let mark = [b'7'; 40];
    for eof in [false, true] {
        let mut link = at_psync_reply(None);
        let mut input = format!("+FULLRESYNC {ID_A} 1000\r\n").into_bytes();
        input.extend(if eof {
            empty_eof_payload(&mark)
        } else {
            empty_len_payload()
        });
        input.extend_from_slice(STREAM_PING);
        link.handle_bytes(t0(), &input);
        let (tx, ev, applied) = drain_all(&mut link);
        assert_eq!(applied, [Bytes::from_static(STREAM_PING)]);
        if eof {
            assert_eq!(tx, vec![ack_bytes(1000)]);
        } else {
            assert!(tx.is_empty());
        }
        let ev = semantic(ev);
        assert!(ev.contains(&ReplicaEvent::RdbLoaded {
            replid: Bytes::from_static(ID_A.as_bytes()),
            offset: 1000,
            repl_stream_db: None,
            keys: 0
        }));
        assert_eq!(link.master_reploff(), Some(1014));
        assert_eq!(
            ev.last(),
            Some(&ReplicaEvent::Applied {
                len: STREAM_PING.len(),
                reploff: 1014
            })
        );
    }
}

#[test]
fn newline_keepalives_before_fullresync_and_before_payload() {
    let mut link = at_psync_reply(None);
    link.handle_bytes(secs(0), b"\n\n");
    assert_eq!(link.state(), ReplState::ReceivePsyncReply);
    link.handle_bytes(secs(1), format!("+FULLRESYNC {ID_A} 14\r\n").as_bytes());
    assert_eq!(link.state(), ReplState::Transfer);
    assert_eq!(link.role_state(), "sync");
    assert_eq!(link.transfer_progress(), Some((-1, 0)));
    link.handle_bytes(secs(2), b"\n");
    link.handle_bytes(secs(3), b"\r\n");
    assert_eq!(link.transfer_last_io(), secs(3));
    link.handle_bytes(secs(3), &empty_len_payload());
    assert_eq!(link.state(), ReplState::Connected);
    assert_eq!(link.master_reploff(), Some(14));
}

#[test]
fn fullresync_with_short_id_blanks_replid() {
    let mut link = at_psync_reply(None);
    link.handle_bytes(t0(), b"+FULLRESYNC abc 100\r\n");
    link.handle_bytes(t0(), &empty_len_payload());
    let ev = semantic(drain(&mut link).1);
    assert!(ev.contains(&ReplicaEvent::FullResync {
        replid: None,
        offset: -1
    }));
    assert!(ev.contains(&ReplicaEvent::RdbLoaded {
        replid: Bytes::new(),
        offset: -1,
        repl_stream_db: None,
        keys: 0
    }));
}

#[test]
fn payload_progress_is_reported() {
    let mut link = at_psync_reply(None);
    link.handle_bytes(t0(), format!("+FULLRESYNC {ID_A} 0\r\n$18\r\n").as_bytes());
    link.handle_bytes(t0(), &EMPTY_RDB[..5]);
    assert_eq!(link.transfer_progress(), Some((18, 5)));
    let ev = drain(&mut link).1;
    assert!(ev.contains(&ReplicaEvent::RdbProgress {
        received: 5,
        total: Some(18)
    }));
}

#[test]
fn master_error_instead_of_payload_reconnects_immediately() {
    let mut link = at_psync_reply(None);
    link.handle_bytes(
        t0(),
        format!("+FULLRESYNC {ID_A} 0\r\n-ERR BGSAVE failed, replication can't continue\r\n")
            .as_bytes(),
    );
    let ev = drain(&mut link).1;
    assert!(ev.contains(&ReplicaEvent::ErrorReply {
        step: HandshakeStep::Transfer,
        reply: Bytes::from_static(b"-ERR BGSAVE failed, replication can't continue")
    }));
    assert!(ev.contains(&ReplicaEvent::Close));
    assert!(ev.iter().any(|e| matches!(e, ReplicaEvent::Connect { .. })));
    assert_eq!(link.state(), ReplState::Connecting);
}

#[test]
fn bad_first_byte_of_payload() {
    let mut link = at_psync_reply(None);
    link.handle_bytes(
        t0(),
        format!("+FULLRESYNC {ID_A} 0\r\nhello\r\n").as_bytes(),
    );
    let ev = drain(&mut link).1;
    assert!(ev.contains(&ReplicaEvent::Log(
        replscope_core::repl::replica::LogLevel::Warning,
        "Bad protocol from MASTER, the first byte is not '$' (we received 'hello'), are you sure the host and port are right?".into()
    )));
    assert_eq!(link.state(), ReplState::Connecting);
}

#[test]
fn rdb_version_11_is_refused_and_retried() {
    let rdb: Vec<u8> = (0..RDB_V11_HEX.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&RDB_V11_HEX[i..i + 2], 16).unwrap())
        .collect();
    let mut link = at_psync_reply(None);
    let mut input = format!("+FULLRESYNC {ID_A} 0\r\n${}\r\n", rdb.len()).into_bytes();
    input.extend_from_slice(&rdb);
    link.handle_bytes(t0(), &input);
    let ev = semantic(drain(&mut link).1);
    assert!(ev.contains(&ReplicaEvent::AttachedToNewMaster));
    assert!(ev.contains(&ReplicaEvent::RdbLoadFailed {
        reason: "Can't handle RDB format version 11".into()
    }));
    // Disk load failure: cancelReplicationHandshake(1) reconnects at once.
    assert_eq!(link.state(), ReplState::Connecting);
}

#[test]
fn bad_checksum_fails_the_load() {
    let mut rdb = EMPTY_RDB.to_vec();
    rdb[12] ^= 1;
    let mut link = at_psync_reply(None);
    let mut input = format!("+FULLRESYNC {ID_A} 0\r\n$18\r\n").into_bytes();
    input.extend_from_slice(&rdb);
    link.handle_bytes(t0(), &input);
    let ev = semantic(drain(&mut link).1);
    assert!(ev.iter().any(
        |e| matches!(e, ReplicaEvent::RdbLoadFailed { reason } if reason.contains("bad CRC"))
    ));
    assert_ne!(link.state(), ReplState::Connected);
}

#[test]
fn diskless_load_attaches_first_and_fails_without_immediate_reconnect() {
    let cfg = ReplicaConfig {
        repl_diskless_load: DisklessLoad::OnEmptyDb,
        ..cfg()
    };
    let mut link = ReplicaLink::new("m", 1, cfg, cached(ID_A, 10), t0());
    link.handle_connected(t0());
    link.handle_bytes(t0(), b"+PONG\r\n+OK\r\n+OK\r\n");
    link.handle_bytes(
        t0(),
        format!("+FULLRESYNC {ID_B} 0\r\n$18\r\nREDIS0012").as_bytes(),
    );
    let ev = semantic(drain(&mut link).1);
    let started = ev
        .iter()
        .position(|e| {
            matches!(
                e,
                ReplicaEvent::RdbTransferStarted {
                    diskless_load: true,
                    ..
                }
            )
        })
        .unwrap();
    assert_eq!(ev[started + 1], ReplicaEvent::AttachedToNewMaster);
    assert!(ev
        .iter()
        .any(|e| matches!(e, ReplicaEvent::RdbLoadFailed { .. })));
    assert_eq!(link.state(), ReplState::Connect);
    assert_eq!(link.cached_master(), None);
}

#[test]
fn transfer_dropped_before_attach_keeps_cached_master() {
    // [live] 7.0.15: +FULLRESYNC then connection closed -> next attempt still PSYNCs with the
    // cached master.
    let mut link = at_psync_reply(cached(ID_A, 99));
    link.handle_bytes(
        t0(),
        format!("+FULLRESYNC {ID_B} 100\r\n$18\r\nREDIS").as_bytes(),
    );
    link.handle_closed(t0());
    let ev = drain(&mut link).1;
    assert!(ev.iter().any(|e| matches!(e, ReplicaEvent::Connect { .. })));
    assert_eq!(link.cached_master(), cached(ID_A, 99).as_ref());
    link.handle_connected(t0());
    link.handle_bytes(t0(), b"+PONG\r\n+OK\r\n+OK\r\n");
    let tx = tx_of(&mut link);
    assert!(tx.ends_with(&resp(&["PSYNC", ID_A, "100"])));
}

// ------------------------------------------------------------------------- partial resync

#[test]
fn continue_without_id() {
    let mut link = ReplicaLink::new("m", 1, cfg(), cached(ID_A, 1000), t0());
    link.handle_connected(t0());
    link.handle_bytes(t0(), b"+PONG\r\n+OK\r\n+OK\r\n");
    let tx = drain(&mut link).0;
    assert_eq!(tx.last().unwrap().as_ref(), resp(&["PSYNC", ID_A, "1001"]));
    link.handle_bytes(t0(), b"+CONTINUE\r\n");
    let (tx, ev) = drain(&mut link);
    assert!(tx.is_empty(), "no ACK right after +CONTINUE");
    assert!(ev.contains(&ReplicaEvent::Continue {
        replid: Bytes::from_static(ID_A.as_bytes()),
        previous_replid: None,
        offset: 1000
    }));
    assert_eq!(link.state(), ReplState::Connected);
    assert_eq!(link.down_since(), None);
    link.handle_bytes(t0(), STREAM_PING);
    assert_eq!(link.master_reploff(), Some(1014));
    // Next cron tick: ACK with the applied offset.
    link.handle_timeout(secs(1));
    assert_eq!(tx_of(&mut link), ack_bytes(1014));
}

#[test]
fn continue_with_new_id_and_backlog_in_same_read() {
    let mut link = at_psync_reply(cached(ID_A, 1000));
    let mut input = format!("+CONTINUE {ID_B}\r\n").into_bytes();
    input.extend_from_slice(STREAM_PING);
    link.handle_bytes(t0(), &input);
    let ev = semantic(drain(&mut link).1);
    assert!(ev.contains(&ReplicaEvent::Continue {
        replid: Bytes::from_static(ID_B.as_bytes()),
        previous_replid: Some(Bytes::from_static(ID_A.as_bytes())),
        offset: 1000
    }));
    assert_eq!(link.master_replid().unwrap().as_ref(), ID_B.as_bytes());
    assert_eq!(link.master_reploff(), Some(1014));
}

#[test]
fn continue_with_same_id_is_not_a_change() {
    let mut link = at_psync_reply(cached(ID_A, 5));
    link.handle_bytes(t0(), format!("+CONTINUE {ID_A}\r\n").as_bytes());
    let ev = drain(&mut link).1;
    assert!(ev.contains(&ReplicaEvent::Continue {
        replid: Bytes::from_static(ID_A.as_bytes()),
        previous_replid: None,
        offset: 5
    }));
}

#[test]
fn continue_without_cached_master_is_an_error() {
    let mut link = at_psync_reply(None);
    link.handle_bytes(t0(), b"+CONTINUE\r\n");
    assert_eq!(link.state(), ReplState::Connect);
}

#[test]
fn nomasterlink_and_loading_retry_later_keeping_cached_master() {
    for reply in [
        &b"-NOMASTERLINK Can't SYNC while not connected with my master"[..],
        b"-LOADING Redis is loading the dataset in memory",
    ] {
        let mut link = at_psync_reply(cached(ID_A, 7));
        link.handle_bytes(t0(), &[reply, b"\r\n"].concat());
        let (tx, ev) = drain(&mut link);
        assert!(tx.is_empty());
        assert!(ev.contains(&ReplicaEvent::ErrorReply {
            step: HandshakeStep::Psync,
            reply: Bytes::copy_from_slice(reply)
        }));
        assert!(ev.contains(&ReplicaEvent::Close));
        assert_eq!(link.state(), ReplState::Connect);
        assert_eq!(link.cached_master(), cached(ID_A, 7).as_ref());
        link.handle_timeout(secs(1));
        assert_eq!(link.state(), ReplState::Connecting);
    }
}

#[test]
fn psync_not_supported_falls_back_to_sync() {
    let mut link = at_psync_reply(None);
    link.handle_bytes(t0(), b"-ERR unknown command 'PSYNC'\r\n");
    let (tx, ev) = drain(&mut link);
    assert_eq!(tx, vec![Bytes::from_static(b"SYNC\r\n")]);
    assert!(ev.contains(&ReplicaEvent::SyncFallback));
    assert_eq!(link.state(), ReplState::Transfer);
    let mut input = empty_len_payload();
    input.extend_from_slice(STREAM_PING);
    link.handle_bytes(t0(), &input);
    let ev = semantic(drain(&mut link).1);
    assert!(ev.contains(&ReplicaEvent::RdbLoaded {
        replid: Bytes::new(),
        offset: -1,
        repl_stream_db: None,
        keys: 0
    }));
    assert_eq!(link.master_reploff(), Some(13));
    // Pre-PSYNC master: no periodic ACK, but GETACK is still answered.
    link.handle_timeout(secs(1));
    assert!(tx_of(&mut link).is_empty());
    link.handle_bytes(secs(1), GETACK);
    assert_eq!(tx_of(&mut link), ack_bytes(13));
}

#[test]
fn psync_failover_argument() {
    let mut link = ReplicaLink::new("m", 1, cfg(), cached(ID_A, 41), t0());
    link.set_psync_failover(true);
    link.handle_connected(t0());
    link.handle_bytes(t0(), b"+PONG\r\n+OK\r\n+OK\r\n");
    assert!(tx_of(&mut link).ends_with(&resp(&["PSYNC", ID_A, "42", "FAILOVER"])));
}

// ------------------------------------------------------------------------- steady state

fn connected_at(off: i64) -> ReplicaLink {
    let mut link = at_psync_reply(cached(ID_A, off));
    link.handle_bytes(t0(), b"+CONTINUE\r\n");
    drain(&mut link);
    link
}

#[test]
fn getack_reports_offset_before_itself() {
    // [live] stream at 1050, GETACK brings it to 1087, reply ACK 1050; next cron ACK 1087.
    let mut link = connected_at(1050);
    link.handle_bytes(t0(), GETACK);
    assert_eq!(tx_of(&mut link), ack_bytes(1050));
    assert_eq!(link.master_reploff(), Some(1087));
    link.handle_timeout(secs(1));
    assert_eq!(tx_of(&mut link), ack_bytes(1087));
}

#[test]
fn applied_offset_freezes_inside_multi() {
    let mut link = connected_at(1000);
    let set = resp(&["set", "k", "v"]);
    link.handle_bytes(t0(), MULTI);
    link.handle_bytes(t0(), &set);
    link.handle_bytes(t0(), GETACK);
    let read = 1000 + (MULTI.len() + set.len() + GETACK.len()) as i64;
    assert_eq!(link.master_reploff(), Some(1000));
    assert_eq!(link.master_read_reploff(), Some(read));
    // GETACK inside MULTI is queued.
    assert!(tx_of(&mut link).is_empty());
    link.handle_timeout(secs(1));
    assert_eq!(tx_of(&mut link), ack_bytes(1000));
    link.handle_bytes(t0(), EXEC);
    // Answered at EXEC with the pre-MULTI offset.
    assert_eq!(tx_of(&mut link), ack_bytes(1000));
    let total = read + EXEC.len() as i64;
    assert_eq!(link.master_reploff(), Some(total));
    let _ = drain(&mut link);
}

#[test]
fn discard_drops_queued_getack() {
    let mut link = connected_at(0);
    link.handle_bytes(t0(), &[MULTI, GETACK, &resp(&["DISCARD"])[..]].concat());
    assert!(tx_of(&mut link).is_empty());
    assert_eq!(link.master_reploff(), link.master_read_reploff());
}

#[test]
fn split_command_is_applied_only_when_complete() {
    let mut link = connected_at(100);
    link.handle_bytes(t0(), &STREAM_PING[..7]);
    assert_eq!(link.master_reploff(), Some(100));
    assert_eq!(link.master_read_reploff(), Some(107));
    link.handle_bytes(t0(), &STREAM_PING[7..]);
    assert_eq!(link.master_reploff(), Some(114));
}

#[test]
fn periodic_ack_every_second() {
    let mut link = connected_at(500);
    for s in 1..=3 {
        link.handle_timeout(secs(s));
        assert_eq!(tx_of(&mut link), ack_bytes(500));
        assert_eq!(link.poll_timeout(), Some(secs(s + 1)));
    }
    // An early call does nothing.
    link.handle_timeout(secs(3).add_millis(500));
    assert!(tx_of(&mut link).is_empty());
}

#[test]
fn inline_protocol_from_master_discards_cached_master() {
    let mut link = connected_at(10);
    link.handle_bytes(t0(), b"PING\r\n");
    let ev = semantic(drain(&mut link).1);
    assert!(ev.contains(&ReplicaEvent::MasterLinkLost { cached: None }));
    assert!(ev.iter().any(|e| matches!(e, ReplicaEvent::Connect { .. })));
    link.handle_connected(t0());
    link.handle_bytes(t0(), b"+PONG\r\n+OK\r\n+OK\r\n");
    assert!(tx_of(&mut link).ends_with(PSYNC_FULL));
}

#[test]
fn bare_newline_in_stream_is_ignored_but_counted() {
    let mut link = connected_at(10);
    link.handle_bytes(t0(), b"\n");
    assert_eq!(link.state(), ReplState::Connected);
    assert_eq!(link.master_reploff(), Some(10));
    link.handle_bytes(t0(), STREAM_PING);
    assert_eq!(link.master_reploff(), Some(25));
    let (_, ev, applied) = drain_all(&mut link);
    let bytes = Bytes::from([&b"\n"[..], STREAM_PING].concat());
    assert!(semantic(ev).contains(&ReplicaEvent::Applied {
        len: bytes.len(),
        reploff: 25
    }));
    assert_eq!(applied, [bytes]);
}

#[test]
fn link_loss_caches_master_at_applied_offset_and_reconnects_at_once() {
    let mut link = connected_at(1000);
    link.handle_bytes(
        t0(),
        &[STREAM_PING, MULTI, &resp(&["set", "a", "b"])].concat(),
    );
    link.handle_bytes(t0(), b"*2\r\n$3\r\nfoo");
    link.handle_closed(secs(2));
    let ev = semantic(drain(&mut link).1);
    let cached = Some(CachedMaster {
        replid: Bytes::from_static(ID_A.as_bytes()),
        reploff: 1014,
    });
    assert!(ev.contains(&ReplicaEvent::MasterLinkLost {
        cached: cached.clone()
    }));
    assert_eq!(link.state(), ReplState::Connecting);
    assert_eq!(link.down_since(), Some(secs(2)));
    link.handle_connected(secs(2));
    link.handle_bytes(secs(2), b"+PONG\r\n+OK\r\n+OK\r\n");
    assert!(tx_of(&mut link).ends_with(&resp(&["PSYNC", ID_A, "1015"])));
}

// ------------------------------------------------------------------------- timeouts

fn short_timeout() -> ReplicaConfig {
    ReplicaConfig {
        repl_timeout: 5,
        ..cfg()
    }
}

#[test]
fn handshake_timeout_reconnects() {
    let mut link = ReplicaLink::new("m", 1, short_timeout(), None, t0());
    link.handle_connected(t0());
    drain(&mut link);
    for s in 1..=5 {
        link.handle_timeout(secs(s));
        assert_eq!(link.state(), ReplState::ReceivePingReply, "at {s}s");
    }
    link.handle_timeout(secs(6));
    let ev = drain(&mut link).1;
    assert!(ev.contains(&ReplicaEvent::Log(
        replscope_core::repl::replica::LogLevel::Warning,
        "Timeout connecting to the MASTER...".into()
    )));
    assert!(ev.contains(&ReplicaEvent::Close));
    assert!(ev.iter().any(|e| matches!(e, ReplicaEvent::Connect { .. })));
    assert_eq!(link.state(), ReplState::Connecting);
}

#[test]
fn keepalives_prevent_the_handshake_timeout() {
    let mut link = at_psync_reply(None);
    let cfg = short_timeout();
    link.set_config(cfg);
    for s in 1..=12 {
        link.handle_bytes(secs(s), b"\n");
        link.handle_timeout(secs(s));
        assert_eq!(link.state(), ReplState::ReceivePsyncReply);
    }
}

#[test]
fn transfer_timeout_reconnects() {
    let mut link = at_psync_reply(None);
    link.set_config(short_timeout());
    link.handle_bytes(
        t0(),
        format!("+FULLRESYNC {ID_A} 0\r\n$18\r\nRED").as_bytes(),
    );
    drain(&mut link);
    link.handle_timeout(secs(5));
    assert_eq!(link.state(), ReplState::Transfer);
    link.handle_timeout(secs(6));
    assert_eq!(link.state(), ReplState::Connecting);
}

#[test]
fn master_timeout_caches_master_and_reconnects() {
    let mut link = connected_at(70);
    link.set_config(short_timeout());
    link.handle_bytes(secs(1), STREAM_PING);
    for s in 1..=6 {
        link.handle_timeout(secs(s));
        assert_eq!(link.state(), ReplState::Connected, "at {s}s");
    }
    drain(&mut link);
    link.handle_timeout(secs(7));
    let ev = semantic(drain(&mut link).1);
    assert!(ev.contains(&ReplicaEvent::MasterLinkLost {
        cached: cached(ID_A, 84)
    }));
    assert_eq!(link.state(), ReplState::Connecting);
}

#[test]
fn stop_closes_and_goes_to_none() {
    let mut link = connected_at(3);
    link.stop();
    let ev = drain(&mut link).1;
    assert!(ev.contains(&ReplicaEvent::Close));
    assert_eq!(link.state(), ReplState::None);
    assert_eq!(link.poll_timeout(), None);
    assert_eq!(link.cached_master(), cached(ID_A, 3).as_ref());
}
