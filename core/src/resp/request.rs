//! Client request parsing, mirroring redis-server 7.0.15's `networking.c`
//! (`processInputBuffer`, `processMultibulkBuffer`, `processInlineBuffer`).
//!
//! The parser does not own the connection buffer. The caller keeps the
//! received bytes, calls [`RequestParser::parse`] with everything not yet
//! consumed, and advances by the returned count once a request is complete.
//! Between calls that return `Ok(None)` the parser remembers how far it got
//! (parsed arguments, the current bulk length, how far a line terminator
//! was searched for), so feeding a huge request in small pieces costs time
//! linear in its size.
//!
//! Behaviours kept from Redis on purpose:
//!
//! * A request starting with `*` is multibulk, anything else is inline.
//! * Line terminators are found the way Redis's `strchr` finds them in a
//!   NUL-terminated buffer: a NUL byte before the terminator hides it, so
//!   the parser waits until the "too big" limit trips.
//! * In multibulk lines only the `\r` is looked for; the byte after it is
//!   skipped without being checked, and so are the two bytes after each bulk
//!   payload (`$3\r\nfooXY` yields `foo`).
//! * `*0`, negative counts and blank inline lines are empty requests: the
//!   caller just advances past them.
//! * The "too big" limits compare against everything buffered after the
//!   current position, as Redis does. Redis evaluates them after every
//!   socket read (16 KiB at a time), so callers should call `parse` after
//!   each read rather than after accumulating a lot of data.
//!
//! Never done: allocating in proportion to a claimed length. A bulk is only
//! copied out once all of its bytes are present in the caller's buffer.
//!
//! The arguments of one multibulk request are copied out together, into one
//! buffer the parser reuses (see [`ARENA_SIZE`]), and handed out as slices of
//! it: no allocation per argument, and cloning an argument (to propagate the
//! command) only counts a reference, as Redis shares its argv objects.

use std::fmt;

use bytes::{Bytes, BytesMut};

use super::inline::split_args;
use super::number::string2ll;

/// Redis's `PROTO_INLINE_MAX_SIZE`: longest line waited for without a
/// terminator (64 KiB).
pub const PROTO_INLINE_MAX_SIZE: usize = 64 * 1024;
/// Largest multibulk count accepted from a client that still has to
/// authenticate.
pub const UNAUTH_MAX_MULTIBULK_LEN: i64 = 10;
/// Largest bulk length accepted from a client that still has to
/// authenticate.
pub const UNAUTH_MAX_BULK_LEN: i64 = 16384;

/// Size of the buffer a parser copies the arguments of requests into. A
/// request's arguments are slices of it; once every slice of a full buffer
/// is dropped (the requests were executed) it is reused in place, so the
/// hot path does not allocate. Requests longer than this get a buffer of
/// their own.
pub const ARENA_SIZE: usize = 4096;

/// Limits enforced on client requests, as Redis does.
#[derive(Clone, Copy, Debug)]
pub struct RequestLimits {
    /// Config `proto-max-bulk-len` (default 512 MiB). Redis does not apply it
    /// to its own master's stream; use `u64::MAX` there.
    pub proto_max_bulk_len: u64,
    /// `false` applies Redis's limits for clients that must still
    /// authenticate: a multibulk count above 10 or a bulk length above
    /// 16384 is a protocol error.
    pub authenticated: bool,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            proto_max_bulk_len: 512 * 1024 * 1024,
            authenticated: true,
        }
    }
}

/// A request Redis refuses. Redis answers `-ERR <Display text>\r\n` (see
/// [`ProtocolError::reply_line`]) and closes the connection after the reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// No `\r` within 64 KiB of a multibulk count line.
    TooBigMultibulkCount,
    /// The multibulk count is not a `string2ll` integer or exceeds `INT_MAX`.
    InvalidMultibulkLength,
    /// Unauthenticated client sent a multibulk count above 10.
    UnauthenticatedMultibulkLength,
    /// A bulk header line did not start with `$`; holds the byte found.
    ExpectedDollar(u8),
    /// No `\r` within 64 KiB of a bulk length line.
    TooBigBulkCount,
    /// Bulk length not a `string2ll` integer, negative, or above
    /// `proto_max_bulk_len`.
    InvalidBulkLength,
    /// Unauthenticated client sent a bulk length above 16384.
    UnauthenticatedBulkLength,
    /// No `\n` within 64 KiB of an inline request.
    TooBigInlineRequest,
    /// Inline request rejected by `sdssplitargs`.
    UnbalancedQuotes,
}

impl ProtocolError {
    /// The exact error text Redis sends after `-ERR `, as bytes.
    ///
    /// For [`ProtocolError::ExpectedDollar`] the offending byte is included
    /// raw, except `\r` and `\n`, which Redis's `addReplyErrorFormat`
    /// replaces with spaces.
    pub fn message_bytes(&self) -> Vec<u8> {
        let fixed: &str = match self {
            ProtocolError::TooBigMultibulkCount => "Protocol error: too big mbulk count string",
            ProtocolError::InvalidMultibulkLength => "Protocol error: invalid multibulk length",
            ProtocolError::UnauthenticatedMultibulkLength => {
                "Protocol error: unauthenticated multibulk length"
            }
            ProtocolError::ExpectedDollar(got) => {
                let got = match *got {
                    b'\r' | b'\n' => b' ',
                    other => other,
                };
                let mut v = b"Protocol error: expected '$', got '".to_vec();
                v.push(got);
                v.push(b'\'');
                return v;
            }
            ProtocolError::TooBigBulkCount => "Protocol error: too big bulk count string",
            ProtocolError::InvalidBulkLength => "Protocol error: invalid bulk length",
            ProtocolError::UnauthenticatedBulkLength => {
                "Protocol error: unauthenticated bulk length"
            }
            ProtocolError::TooBigInlineRequest => "Protocol error: too big inline request",
            ProtocolError::UnbalancedQuotes => "Protocol error: unbalanced quotes in request",
        };
        fixed.as_bytes().to_vec()
    }

    /// The exact bytes Redis writes to the client: `-ERR <message>\r\n`.
    pub fn reply_bytes(&self) -> Vec<u8> {
        let mut v = b"-ERR ".to_vec();
        v.extend_from_slice(&self.message_bytes());
        v.extend_from_slice(b"\r\n");
        v
    }

    /// `-ERR <message>\r\n` as text. Identical to [`Self::reply_bytes`]
    /// except for an [`ProtocolError::ExpectedDollar`] byte >= 0x80, which
    /// becomes U+FFFD here; write `reply_bytes` to the wire for exactness.
    pub fn reply_line(&self) -> String {
        String::from_utf8_lossy(&self.reply_bytes()).into_owned()
    }

    /// The short reason Redis logs (at verbose level) for this error, from
    /// `setProtocolError`.
    pub fn log_reason(&self) -> &'static str {
        match self {
            ProtocolError::TooBigMultibulkCount => "too big mbulk count string",
            ProtocolError::InvalidMultibulkLength => "invalid mbulk count",
            ProtocolError::UnauthenticatedMultibulkLength => "unauth mbulk count",
            ProtocolError::ExpectedDollar(_) => "expected $ but got something else",
            ProtocolError::TooBigBulkCount => "too big bulk count string",
            ProtocolError::InvalidBulkLength => "invalid bulk length",
            ProtocolError::UnauthenticatedBulkLength => "unauth bulk length",
            ProtocolError::TooBigInlineRequest => "too big inline request",
            ProtocolError::UnbalancedQuotes => "unbalanced quotes in inline request",
        }
    }
}

impl fmt::Display for ProtocolError {
    /// The text after `ERR ` in Redis's reply, e.g.
    /// `Protocol error: invalid multibulk length`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.message_bytes()))
    }
}

/// Which of Redis's two request syntaxes the current request uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// No byte of the current request seen yet.
    Unknown,
    Inline,
    Multibulk,
}

/// Result of looking for a line terminator.
enum Line {
    /// Index of the terminator.
    Found(usize),
    /// Not found (yet, or hidden behind a NUL byte).
    Missing,
}

/// Incremental request parser for one client connection.
///
/// It keeps only the state of a partially parsed request, never the buffer.
/// Contract: after `Ok(None)`, call again with the same bytes plus whatever
/// arrived since. After `Ok(Some(..))` or an error the parser is reset and
/// the next call starts a new request at `buf[0]`.
#[derive(Debug, Clone)]
pub struct RequestParser {
    kind: Kind,
    /// Offset in the caller's buffer where parsing resumes.
    pos: usize,
    /// Offset up to which the current line was searched without result.
    scan: usize,
    /// A NUL byte was found before the terminator of the current line.
    hidden: bool,
    /// Bulk arguments still expected (Redis's `multibulklen`); 0 while the
    /// count line has not been parsed.
    multibulk_left: u32,
    /// Length of the bulk whose header was parsed (Redis's `bulklen`).
    bulk_len: Option<u64>,
    /// Where the arguments parsed so far are in the caller's buffer (start,
    /// end); copied out when the request is complete.
    spans: Vec<(usize, usize)>,
    /// Where the arguments of requests are copied to (see [`ARENA_SIZE`]).
    arena: BytesMut,
}

impl Default for RequestParser {
    fn default() -> Self {
        Self::new()
    }
}

/// Type of the successful result of [`RequestParser::parse`].
type Parsed = Option<(Vec<Bytes>, usize)>;

impl RequestParser {
    /// A parser waiting for the first byte of a request.
    pub fn new() -> Self {
        RequestParser {
            kind: Kind::Unknown,
            pos: 0,
            scan: 0,
            hidden: false,
            multibulk_left: 0,
            bulk_len: None,
            spans: Vec::new(),
            arena: BytesMut::new(),
        }
    }

    /// Discards any partially parsed request (keeping the buffers for the next one).
    pub fn reset(&mut self) {
        self.kind = Kind::Unknown;
        self.pos = 0;
        self.scan = 0;
        self.hidden = false;
        self.multibulk_left = 0;
        self.bulk_len = None;
        self.spans.clear();
        if self.spans.capacity() > 1024 {
            self.spans = Vec::new();
        }
    }

    /// Whether a request has been partially parsed (some bytes of it seen).
    pub fn is_mid_request(&self) -> bool {
        self.kind != Kind::Unknown
    }

    /// Parses one request from the front of `buf`.
    ///
    /// * `Ok(Some((argv, consumed)))`: a complete request took `consumed`
    ///   bytes (always at least 1). `argv` may be empty (`*0\r\n`,
    ///   `*-1\r\n`, a blank inline line): Redis skips those; just advance.
    /// * `Ok(None)`: more bytes are needed.
    /// * `Err(e)`: Redis would reply [`ProtocolError::reply_bytes`] and close
    ///   the connection.
    ///
    /// If `buf` is shorter than what a previous `Ok(None)` call already
    /// examined (a contract violation), the partial request is discarded
    /// and parsing restarts at `buf[0]`.
    pub fn parse(&mut self, buf: &[u8], limits: &RequestLimits) -> Result<Parsed, ProtocolError> {
        if buf.len() < self.pos || buf.len() < self.scan {
            self.reset();
        }
        if self.kind == Kind::Unknown {
            match buf.first() {
                None => return Ok(None),
                Some(b'*') => self.kind = Kind::Multibulk,
                Some(_) => self.kind = Kind::Inline,
            }
        }
        let result = match self.kind {
            Kind::Multibulk => self.parse_multibulk(buf, limits),
            _ => self.parse_inline(buf),
        };
        if !matches!(result, Ok(None)) {
            self.reset();
        }
        result
    }

    /// Moves to `pos`, starting a new line search there.
    #[inline]
    fn advance_to(&mut self, pos: usize) {
        self.pos = pos;
        self.scan = pos;
        self.hidden = false;
    }

    /// `strchr(buf + pos, target)` over a NUL-terminated buffer, resuming
    /// where the previous search on this line stopped.
    fn find(&mut self, buf: &[u8], target: u8) -> Line {
        if self.hidden {
            return Line::Missing;
        }
        let from = self.scan.max(self.pos);
        match buf[from..].iter().position(|&b| b == target || b == 0) {
            Some(i) => {
                let at = from + i;
                self.scan = at;
                if buf[at] == target {
                    Line::Found(at)
                } else {
                    self.hidden = true;
                    Line::Missing
                }
            }
            None => {
                self.scan = buf.len();
                Line::Missing
            }
        }
    }

    fn parse_inline(&mut self, buf: &[u8]) -> Result<Parsed, ProtocolError> {
        let newline = match self.find(buf, b'\n') {
            Line::Found(i) => i,
            Line::Missing => {
                if buf.len() - self.pos > PROTO_INLINE_MAX_SIZE {
                    return Err(ProtocolError::TooBigInlineRequest);
                }
                return Ok(None);
            }
        };
        let end = if newline > self.pos && buf[newline - 1] == b'\r' {
            newline - 1
        } else {
            newline
        };
        let args = split_args(&buf[self.pos..end]).ok_or(ProtocolError::UnbalancedQuotes)?;
        let argv = args.into_iter().map(Bytes::from).collect();
        Ok(Some((argv, newline + 1)))
    }

    fn parse_multibulk(
        &mut self,
        buf: &[u8],
        limits: &RequestLimits,
    ) -> Result<Parsed, ProtocolError> {
        if self.multibulk_left == 0 {
            let cr = match self.find(buf, b'\r') {
                Line::Found(i) => i,
                Line::Missing => {
                    if buf.len() - self.pos > PROTO_INLINE_MAX_SIZE {
                        return Err(ProtocolError::TooBigMultibulkCount);
                    }
                    return Ok(None);
                }
            };
            // Redis wants one more byte after '\r' but does not look at it.
            if cr + 2 > buf.len() {
                return Ok(None);
            }
            let count = match string2ll(&buf[self.pos + 1..cr]) {
                Some(n) if n <= i64::from(i32::MAX) => n,
                _ => return Err(ProtocolError::InvalidMultibulkLength),
            };
            if count > UNAUTH_MAX_MULTIBULK_LEN && !limits.authenticated {
                return Err(ProtocolError::UnauthenticatedMultibulkLength);
            }
            self.advance_to(cr + 2);
            if count <= 0 {
                return Ok(Some((Vec::new(), self.pos)));
            }
            self.multibulk_left = count as u32;
            // Bounded by the claim, by Redis's own cap and by the bytes that
            // are actually here (an argument takes at least 6 bytes).
            let room = (buf.len() - self.pos) / 6 + 1;
            self.spans.reserve((count as usize).min(1024).min(room));
        }

        while self.multibulk_left > 0 {
            let len = match self.bulk_len {
                Some(len) => len,
                None => {
                    let len = match self.bulk_header(buf, limits)? {
                        Some(len) => len,
                        None => return Ok(None),
                    };
                    self.bulk_len = Some(len);
                    len
                }
            };
            // Payload plus two trailing bytes that are skipped unchecked.
            if ((buf.len() - self.pos) as u64) < len + 2 {
                return Ok(None);
            }
            let end = self.pos + len as usize;
            self.spans.push((self.pos, end));
            self.advance_to(end + 2);
            self.bulk_len = None;
            self.multibulk_left -= 1;
        }
        Ok(Some((self.take_args(buf), self.pos)))
    }

    /// Copy the arguments at `spans` out of `buf`, all at once (with the
    /// bulk headers between them, which is cheaper than one copy each), and
    /// slice them out of the copy.
    fn take_args(&mut self, buf: &[u8]) -> Vec<Bytes> {
        let (Some(&(lo, _)), Some(&(_, hi))) = (self.spans.first(), self.spans.last()) else {
            return Vec::new();
        };
        let region = &buf[lo..hi];
        let all = if region.len() > ARENA_SIZE {
            Bytes::copy_from_slice(region)
        } else {
            if self.arena.capacity() < region.len() {
                // Reuses the buffer in place when no argument cut from it is alive.
                self.arena.reserve(ARENA_SIZE);
            }
            self.arena.extend_from_slice(region);
            self.arena.split().freeze()
        };
        self.spans
            .iter()
            .map(|&(start, end)| all.slice(start - lo..end - lo))
            .collect()
    }

    /// Parses a `$<len>\r\n` line at `self.pos`, advancing past it.
    fn bulk_header(
        &mut self,
        buf: &[u8],
        limits: &RequestLimits,
    ) -> Result<Option<u64>, ProtocolError> {
        let cr = match self.find(buf, b'\r') {
            Line::Found(i) => i,
            Line::Missing => {
                if buf.len() - self.pos > PROTO_INLINE_MAX_SIZE {
                    return Err(ProtocolError::TooBigBulkCount);
                }
                return Ok(None);
            }
        };
        if cr + 2 > buf.len() {
            return Ok(None);
        }
        let first = buf[self.pos];
        if first != b'$' {
            return Err(ProtocolError::ExpectedDollar(first));
        }
        let len = match string2ll(&buf[self.pos + 1..cr]) {
            Some(n) if n >= 0 && (n as u64) <= limits.proto_max_bulk_len => n,
            _ => return Err(ProtocolError::InvalidBulkLength),
        };
        if len > UNAUTH_MAX_BULK_LEN && !limits.authenticated {
            return Err(ProtocolError::UnauthenticatedBulkLength);
        }
        self.advance_to(cr + 2);
        Ok(Some(len as u64))
    }
}
