//! Connection commands (Redis 7.0.15 `networking.c`, `acl.c` and `server.c`): PING, ECHO,
//! AUTH, HELLO, RESET, QUIT and the CLIENT container (SETNAME, GETNAME, ID, INFO, LIST, KILL,
//! HELP).
//!
//! Only the `default` user exists: its password is `requirepass` (none = `nopass`). HELLO
//! accepts protocol 2 only; RESP3 is answered with `-NOPROTO` until it is implemented.

use bytes::Bytes;

use super::errors::{self, RedisError};
use super::flags::*;
use super::{container, CmdResult, CommandSpec, Ctx};
use crate::client::{Client, ClientId};
use crate::command;
use crate::time::Time;

#[rustfmt::skip]
static CLIENT_SUBCOMMANDS: &[CommandSpec] = &[
    command!("id", 2, NOSCRIPT | LOADING | STALE, 0, 0, 0, "connection", "Returns the client ID for the current connection", client_id),
    command!("info", 2, NOSCRIPT | LOADING | STALE, 0, 0, 0, "connection", "Returns information about the current client connection.", client_info),
    command!("list", -2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, "connection", "Get the list of client connections", client_list),
    command!("kill", -3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, "connection", "Kill the connection of a client", client_kill),
    command!("getname", 2, NOSCRIPT | LOADING | STALE, 0, 0, 0, "connection", "Get the current connection name", client_getname),
    command!("setname", 3, NOSCRIPT | LOADING | STALE, 0, 0, 0, "connection", "Set the current connection name", client_setname),
    command!("help", 2, LOADING | STALE, 0, 0, 0, "connection", "Show helpful text about the different subcommands", client_help),
];

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    command!("ping", -1, FAST, 0, 0, 0, "connection", "Ping the server", ping),
    command!("echo", 2, LOADING | STALE | FAST, 0, 0, 0, "connection", "Echo the given string", echo),
    command!("auth", -2, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, 0, 0, 0, "connection", "Authenticate to the server", auth),
    command!("hello", -1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, 0, 0, 0, "connection", "Handshake with Redis", hello),
    command!("reset", 1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, 0, 0, 0, "connection", "Reset the connection", reset),
    command!("quit", -1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, 0, 0, 0, "connection", "Close the connection", quit),
    CommandSpec {
        subcommands: CLIENT_SUBCOMMANDS,
        ..command!("client", -2, 0, 0, 0, 0, "connection", "A container for client connection commands", container)
    },
];

// ----- PING, ECHO, QUIT -----

fn ping(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    match argv.len() {
        1 => ctx.simple("PONG"),
        2 => ctx.bulk(&argv[1]),
        _ => return Err(errors::wrong_arity("ping")),
    }
    Ok(())
}

fn echo(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    ctx.bulk(&argv[1]);
    Ok(())
}

/// The dispatcher answers QUIT before lookup; this entry exists for COMMAND and EXEC.
fn quit(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    ctx.ok();
    ctx.client.flags.close_after_reply = true;
    Ok(())
}

// ----- AUTH, HELLO, RESET -----

/// Redis's `ACLAuthenticateUser` with only the `default` user.
fn check_credentials(ctx: &Ctx<'_>, user: &[u8], pass: &[u8]) -> bool {
    if user != b"default" {
        return false;
    }
    match &ctx.st.config.requirepass {
        None => true,
        Some(p) => p.as_slice() == pass,
    }
}

fn auth(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    if argv.len() > 3 {
        return Err(errors::SYNTAX);
    }
    let (user, pass): (&[u8], &[u8]) = if argv.len() == 2 {
        if ctx.st.config.requirepass.is_none() {
            return Err(RedisError::from(
                "ERR AUTH <password> called without any password configured for the default \
                 user. Are you sure your configuration is correct?",
            ));
        }
        (b"default", &argv[1])
    } else {
        (&argv[1], &argv[2])
    };
    if !check_credentials(ctx, user, pass) {
        return Err(errors::WRONGPASS);
    }
    ctx.client.authenticated = true;
    ctx.ok();
    Ok(())
}

/// `CLIENT SETNAME` / `HELLO SETNAME` validation: only `!`..`~` allowed.
fn validate_client_name(name: &[u8]) -> Result<(), RedisError> {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(RedisError::from(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    Ok(())
}

fn set_client_name(client: &mut Client, name: &Bytes) {
    client.name = if name.is_empty() {
        None
    } else {
        // A copy: the argument is a slice of the request parser's shared buffer, which a
        // name kept for the connection's life would pin.
        Some(Bytes::copy_from_slice(name))
    };
}

fn hello(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut next = 1;
    let mut ver = 0;
    if argv.len() >= 2 {
        ver = crate::util::parse_i64(&argv[1]).ok_or(RedisError::from(
            "ERR Protocol version is not an integer or out of range",
        ))?;
        next = 2;
        // RESP3 is not implemented yet: only protocol 2 is accepted.
        if ver != 2 {
            return Err(RedisError::from("NOPROTO unsupported protocol version"));
        }
    }
    let mut creds: Option<(&Bytes, &Bytes)> = None;
    let mut name: Option<&Bytes> = None;
    let mut j = next;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = &argv[j];
        if opt.eq_ignore_ascii_case(b"auth") && more >= 2 {
            creds = Some((&argv[j + 1], &argv[j + 2]));
            j += 2;
        } else if opt.eq_ignore_ascii_case(b"setname") && more >= 1 {
            validate_client_name(&argv[j + 1])?;
            name = Some(&argv[j + 1]);
            j += 1;
        } else {
            return Err(RedisError::err(format!(
                "Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(opt)
            )));
        }
        j += 1;
    }
    if let Some((user, pass)) = creds {
        if !check_credentials(ctx, user, pass) {
            return Err(errors::WRONGPASS);
        }
        ctx.client.authenticated = true;
    }
    if !ctx.client.authenticated {
        return Err(RedisError::from(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the \
             HELLO AUTH <user> <pass> option can be used to authenticate the client and select \
             the RESP protocol version at the same time",
        ));
    }
    if let Some(n) = name {
        set_client_name(ctx.client, n);
    }
    if ver != 0 {
        ctx.client.resp = ver as u8;
    }
    let role = if ctx.is_replica() {
        "replica"
    } else {
        "master"
    };
    let id = ctx.client.id as i64;
    let resp = i64::from(ctx.client.resp);
    ctx.array(14);
    ctx.bulk(b"server");
    ctx.bulk(b"redis");
    ctx.bulk(b"version");
    ctx.bulk(crate::REDIS_VERSION.as_bytes());
    ctx.bulk(b"proto");
    ctx.int(resp);
    ctx.bulk(b"id");
    ctx.int(id);
    ctx.bulk(b"mode");
    ctx.bulk(b"standalone");
    ctx.bulk(b"role");
    ctx.bulk(role.as_bytes());
    ctx.bulk(b"modules");
    ctx.array(0);
    Ok(())
}

/// RESET (`clearClientConnectionState`): leave MULTI, forget WATCHes, select db 0, drop the
/// name, back to RESP2, and re-authenticate as `default` (unauthenticated if it has a password).
fn reset(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let c = &mut *ctx.client;
    c.mstate.clear();
    c.flags.multi = false;
    c.flags.dirty_cas = false;
    c.flags.dirty_exec = false;
    let watched = std::mem::take(&mut c.watched);
    super::unwatch_keys(ctx.st, ctx.client.id, &watched);
    let id = ctx.client.id;
    ctx.st.dirty_cas.retain(|&x| x != id);
    ctx.client.db = 0;
    ctx.client.resp = 2;
    ctx.client.name = None;
    ctx.client.authenticated = ctx.st.config.requirepass.is_none();
    ctx.simple("RESET");
    Ok(())
}

// ----- CLIENT -----

fn client_id(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    let id = ctx.client.id as i64;
    ctx.int(id);
    Ok(())
}

fn client_getname(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    match ctx.client.name.clone() {
        Some(n) => ctx.bulk(&n),
        None => ctx.null(),
    }
    Ok(())
}

fn client_setname(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    validate_client_name(&argv[2])?;
    set_client_name(ctx.client, &argv[2]);
    ctx.ok();
    Ok(())
}

/// Client types of `CLIENT LIST TYPE` / `CLIENT KILL TYPE` (`getClientTypeByName`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum ClientType {
    Normal,
    Replica,
    PubSub,
    Master,
}

fn client_type_by_name(name: &[u8]) -> Result<ClientType, RedisError> {
    let n = name.to_ascii_lowercase();
    Ok(match n.as_slice() {
        b"normal" => ClientType::Normal,
        b"slave" | b"replica" => ClientType::Replica,
        b"pubsub" => ClientType::PubSub,
        b"master" => ClientType::Master,
        _ => {
            return Err(RedisError::err(format!(
                "Unknown client type '{}'",
                String::from_utf8_lossy(name)
            )))
        }
    })
}

fn client_type(c: &Client) -> ClientType {
    if c.flags.master {
        ClientType::Master
    } else if c.flags.replica {
        ClientType::Replica
    } else {
        ClientType::Normal
    }
}

/// The reply buffer size Redis 7.0 starts every client with (`PROTO_REPLY_CHUNK_BYTES`).
const REPLY_BUFFER_SIZE: usize = 16 * 1024;

/// `tot-mem`'s share for the client structure itself (`zmalloc_size(c)` in Redis): an
/// estimate of 7.0's `struct client` on a 64-bit build with jemalloc's rounding. A constant,
/// not the size of our own `Client`, which differs between targets (pointers are 4 bytes on
/// wasm32): the browser's simulated servers must print what the native ones print.
const CLIENT_STRUCT_MEM: usize = 768;

/// One `CLIENT LIST` line (`catClientInfoString`), without the trailing newline. `argv` is
/// the command the client is running (for `argv-mem`), empty for other clients.
pub(crate) fn client_info_line(c: &Client, now: Time, argv: &[Bytes]) -> String {
    let mut flags = String::new();
    if c.flags.replica {
        flags.push('S');
    }
    if c.flags.master {
        flags.push('M');
    }
    if c.flags.multi {
        flags.push('x');
    }
    if c.repl.wait.is_some() {
        flags.push('b');
    }
    if c.flags.dirty_cas {
        flags.push('d');
    }
    if c.flags.close_after_reply {
        flags.push('c');
    }
    if c.flags.close_asap {
        flags.push('A');
    }
    if c.peer.addr.starts_with('/') {
        flags.push('U');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let multi = if c.flags.multi {
        c.mstate.len() as i64
    } else {
        -1
    };
    let argv_mem: usize = argv.iter().map(|a| a.len()).sum();
    let multi_mem: usize = c.mstate.iter().flatten().map(|a| a.len()).sum();
    let qbuf = c.querybuf.len();
    let qbuf_free = c.querybuf.capacity().saturating_sub(qbuf);
    let omem = c.out.len();
    let tot_mem =
        CLIENT_STRUCT_MEM + REPLY_BUFFER_SIZE + qbuf + qbuf_free + argv_mem + multi_mem + omem;
    let name = c
        .name
        .as_ref()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_default();
    let age = now.as_secs() - c.created.as_secs();
    let idle = now.as_secs() - c.last_interaction.as_secs();
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub=0 psub=0 ssub=0 \
         multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} oll=0 \
         omem=0 tot-mem={} events=r cmd={} user={} redir=-1 resp={}",
        c.id,
        c.peer.addr,
        c.peer.laddr,
        c.peer.fd,
        name,
        age.max(0),
        idle.max(0),
        flags,
        c.db,
        multi,
        qbuf,
        qbuf_free,
        argv_mem,
        multi_mem,
        REPLY_BUFFER_SIZE,
        REPLY_BUFFER_SIZE,
        omem,
        tot_mem,
        c.last_cmd_full(),
        // The master client runs without a user (`c->user == NULL`).
        if c.flags.master {
            "(superuser)"
        } else {
            "default"
        },
        c.resp,
    )
}

fn client_info(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut line = client_info_line(ctx.client, ctx.now, argv);
    line.push('\n');
    ctx.bulk(line.as_bytes());
    Ok(())
}

/// Our master client as the client list has it (replica side, link up), unless it was
/// killed by this very command.
fn listed_master<'b>(ctx: &'b Ctx<'_>) -> Option<&'b Client> {
    ctx.master.filter(|_| !ctx.st.replica.kill_master_link)
}

/// Every live client (the caller included, our master client too) in the order of Redis's
/// client list: by id, the master client where it was last linked (after the clients with
/// smaller ids than the counter had then: a partial resync links it again at the end).
fn live_client_ids(ctx: &Ctx<'_>) -> Vec<ClientId> {
    // Sort keys: `(id, 1)` for a client, `(linked_at, 0)` for the master client, so it
    // comes before the first client whose id was still unused when it was linked.
    let linked_at = ctx.st.replica.master_linked_at;
    let mut keyed: Vec<((ClientId, u8), ClientId)> = ctx
        .others
        .keys()
        .copied()
        .filter(|id| !ctx.st.kill_queue.contains(id))
        .map(|id| ((id, 1), id))
        .collect();
    let caller = ctx.client.id;
    if ctx.client.flags.master {
        keyed.push(((linked_at, 0), caller));
    } else {
        keyed.push(((caller, 1), caller));
    }
    if let Some(m) = listed_master(ctx) {
        keyed.push(((linked_at, 0), m.id));
    }
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, id)| id).collect()
}

/// The client `id` (the caller, another client, or our master client).
fn client_by_id<'b>(ctx: &'b Ctx<'_>, id: ClientId) -> Option<&'b Client> {
    if id == ctx.client.id {
        return Some(ctx.client);
    }
    if let Some(m) = listed_master(ctx).filter(|m| m.id == id) {
        return Some(m);
    }
    if ctx.st.kill_queue.contains(&id) {
        return None;
    }
    ctx.others.get(&id).map(|c| &**c)
}

fn info_line_of(ctx: &Ctx<'_>, id: ClientId, argv: &[Bytes]) -> Option<String> {
    let c = client_by_id(ctx, id)?;
    let argv: &[Bytes] = if id == ctx.client.id { argv } else { &[] };
    Some(client_info_line(c, ctx.now, argv))
}

fn client_list(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut out = String::new();
    if argv.len() == 4 && argv[2].eq_ignore_ascii_case(b"type") {
        let t = client_type_by_name(&argv[3])?;
        for id in live_client_ids(ctx) {
            if client_by_id(ctx, id).is_some_and(|c| client_type(c) == t) {
                if let Some(l) = info_line_of(ctx, id, argv) {
                    out.push_str(&l);
                    out.push('\n');
                }
            }
        }
    } else if argv.len() > 3 && argv[2].eq_ignore_ascii_case(b"id") {
        let mut ids = Vec::with_capacity(argv.len() - 3);
        for a in &argv[3..] {
            match crate::util::parse_i64(a) {
                Some(n) if n >= 1 => ids.push(n as ClientId),
                _ => return Err(RedisError::from("ERR Invalid client ID")),
            }
        }
        for id in ids {
            if let Some(l) = info_line_of(ctx, id, argv) {
                out.push_str(&l);
                out.push('\n');
            }
        }
    } else if argv.len() != 2 {
        return Err(errors::SYNTAX);
    } else {
        for id in live_client_ids(ctx) {
            if let Some(l) = info_line_of(ctx, id, argv) {
                out.push_str(&l);
                out.push('\n');
            }
        }
    }
    ctx.bulk(out.as_bytes());
    Ok(())
}

fn client_kill(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> CmdResult {
    let mut addr: Option<&[u8]> = None;
    let mut laddr: Option<&[u8]> = None;
    let mut ctype: Option<ClientType> = None;
    let mut id: ClientId = 0;
    let mut skipme = true;
    // A USER filter never matches the master client (it has no user).
    let mut user_given = false;
    if argv.len() == 3 {
        addr = Some(&argv[2]);
        skipme = false;
    } else {
        let mut i = 2;
        while i < argv.len() {
            let more = argv.len() > i + 1;
            let opt = &argv[i];
            if !more {
                return Err(errors::SYNTAX);
            }
            let val = &argv[i + 1];
            if opt.eq_ignore_ascii_case(b"id") {
                match crate::util::parse_i64(val) {
                    Some(n) if n >= 1 => id = n as ClientId,
                    _ => return Err(RedisError::from("ERR client-id should be greater than 0")),
                }
            } else if opt.eq_ignore_ascii_case(b"type") {
                ctype = Some(client_type_by_name(val)?);
            } else if opt.eq_ignore_ascii_case(b"addr") {
                addr = Some(val);
            } else if opt.eq_ignore_ascii_case(b"laddr") {
                laddr = Some(val);
            } else if opt.eq_ignore_ascii_case(b"user") {
                if val.as_ref() != b"default" {
                    return Err(RedisError::err(format!(
                        "No such user '{}'",
                        String::from_utf8_lossy(val)
                    )));
                }
                user_given = true;
            } else if opt.eq_ignore_ascii_case(b"skipme") {
                if val.eq_ignore_ascii_case(b"yes") {
                    skipme = true;
                } else if val.eq_ignore_ascii_case(b"no") {
                    skipme = false;
                } else {
                    return Err(errors::SYNTAX);
                }
            } else {
                return Err(errors::SYNTAX);
            }
            i += 2;
        }
    }
    let matches = |c: &Client| {
        addr.is_none_or(|a| c.peer.addr.as_bytes() == a)
            && laddr.is_none_or(|a| c.peer.laddr.as_bytes() == a)
            && ctype.is_none_or(|t| client_type(c) == t)
            && (id == 0 || c.id == id)
            && !(user_given && c.flags.master)
    };
    let mut killed = 0i64;
    let mut close_self = false;
    for cid in live_client_ids(ctx) {
        if cid == ctx.client.id {
            if matches(ctx.client) && !skipme {
                close_self = true;
                killed += 1;
            }
        } else if let Some(c) = ctx.others.get_mut(&cid) {
            if matches(c) {
                c.flags.close_asap = true;
                ctx.st.kill_queue.push(cid);
                killed += 1;
            }
        }
    }
    // Our master client (`freeClient(server.master)`): the server caches it and closes the
    // link once the command returns; the link reconnects and asks for a partial resync.
    if listed_master(ctx).is_some_and(matches) {
        ctx.st.replica.kill_master_link = true;
        killed += 1;
    }
    if argv.len() == 3 {
        if killed == 0 {
            return Err(RedisError::from("ERR No such client"));
        }
        ctx.ok();
    } else {
        ctx.int(killed);
    }
    if close_self {
        ctx.client.flags.close_after_reply = true;
    }
    Ok(())
}

/// `addReplyHelp`: the header line, `lines`, then HELP's own entry, as status replies.
pub(crate) fn reply_help(ctx: &mut Ctx<'_>, container: &str, lines: &[&str]) {
    ctx.array(lines.len() + 3);
    ctx.simple(&format!(
        "{container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    ));
    for l in lines {
        ctx.simple(l);
    }
    ctx.simple("HELP");
    ctx.simple("    Prints this help.");
}

/// `CLIENT HELP`'s lines (the browser build fetches them: [`crate::help_lines`]).
#[cfg(feature = "full")]
pub(crate) const CLIENT_HELP: &[&str] = &[
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
];

fn client_help(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> CmdResult {
    reply_help(ctx, "CLIENT", crate::help_lines!("CLIENT", CLIENT_HELP));
    Ok(())
}
