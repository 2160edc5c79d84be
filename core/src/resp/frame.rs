//! General RESP2 values ([`Frame`]) and a strict incremental decoder.
//!
//! This is for reading what a *server* sends (replies, the replica side of
//! replication, tests), not for client requests: those go through
//! `RequestParser`, which copies Redis's lenient request rules. The decoder
//! here is strict: lines end in `\r\n`, bulk payloads must be followed by
//! `\r\n`, integers follow Redis's `string2ll` rules, and simple strings and
//! errors may not contain `\r` or `\n`.
//!
//! The decoder is resumable. It keeps partially built arrays between calls
//! that return `Ok(None)`, so a reply arriving in many small pieces costs
//! time linear in its size. It never recurses on peer input, nests at most
//! `max_depth` arrays, and allocates only for bytes that have arrived:
//! bulk payloads are copied once complete and array capacity is capped by
//! the bytes available. A frame split at any byte boundary decodes exactly
//! as the unsplit frame, including which error is reported and where.

use bytes::{Bytes, BytesMut};

use super::encode::{
    bulk_len, write_array_len, write_bulk, write_error, write_integer, write_null,
    write_null_array, write_simple,
};
use super::number::{digits_u64, fmt_i64, string2ll};

/// One RESP2 value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// `+text\r\n`
    Simple(Bytes),
    /// `-CODE message\r\n` (the bytes hold `CODE message`).
    Error(Bytes),
    /// `:n\r\n`
    Integer(i64),
    /// `$len\r\n...\r\n`
    Bulk(Bytes),
    /// `$-1\r\n`
    Null,
    /// `*-1\r\n`
    NullArray,
    /// `*n\r\n` followed by `n` frames.
    Array(Vec<Frame>),
}

impl Frame {
    /// A simple string frame.
    pub fn simple(s: impl AsRef<[u8]>) -> Frame {
        Frame::Simple(Bytes::copy_from_slice(s.as_ref()))
    }

    /// An error frame; `s` includes the code, e.g. `"ERR syntax error"`.
    pub fn error(s: impl AsRef<[u8]>) -> Frame {
        Frame::Error(Bytes::copy_from_slice(s.as_ref()))
    }

    /// A bulk string frame.
    pub fn bulk(b: impl AsRef<[u8]>) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(b.as_ref()))
    }

    /// Appends the RESP2 encoding of this frame to `out`.
    ///
    /// Content is written verbatim: a `Simple` or `Error` containing `\r`
    /// or `\n` produces bytes that do not decode back to the same frame.
    /// Nesting is handled without recursion.
    pub fn encode(&self, out: &mut BytesMut) {
        out.reserve(self.encoded_len());
        let mut stack: Vec<std::slice::Iter<'_, Frame>> = Vec::new();
        let mut current = self;
        loop {
            match current {
                Frame::Simple(s) => write_simple(out, s),
                Frame::Error(s) => write_error(out, s),
                Frame::Integer(n) => write_integer(out, *n),
                Frame::Bulk(b) => write_bulk(out, b),
                Frame::Null => write_null(out),
                Frame::NullArray => write_null_array(out),
                Frame::Array(items) => {
                    write_array_len(out, items.len());
                    stack.push(items.iter());
                }
            }
            current = loop {
                match stack.last_mut() {
                    None => return,
                    Some(iter) => match iter.next() {
                        Some(next) => break next,
                        None => {
                            stack.pop();
                        }
                    },
                }
            };
        }
    }

    /// The encoding of this frame as a new buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(self.encoded_len());
        self.encode(&mut out);
        out.freeze()
    }

    /// Number of bytes [`Frame::encode`] appends, computed without encoding.
    pub fn encoded_len(&self) -> usize {
        let mut total = 0;
        let mut pending: Vec<&Frame> = vec![self];
        while let Some(frame) = pending.pop() {
            total += match frame {
                Frame::Simple(s) | Frame::Error(s) => s.len() + 3,
                Frame::Integer(n) => {
                    let mut buf = [0u8; 20];
                    fmt_i64(*n, &mut buf).len() + 3
                }
                Frame::Bulk(b) => bulk_len(b.len()),
                Frame::Null | Frame::NullArray => 5,
                Frame::Array(items) => {
                    pending.extend(items.iter());
                    digits_u64(items.len() as u64) + 3
                }
            };
        }
        total
    }
}

/// Why bytes are not valid RESP2. `offset` is the index, in the buffer
/// passed to [`FrameDecoder::decode`], of the first byte found wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The first byte of a value is not one of `+ - : $ *`.
    #[error("invalid RESP type byte 0x{byte:02x} at offset {offset}")]
    InvalidType { offset: usize, byte: u8 },
    /// An integer, bulk length or array length is not a valid integer.
    #[error("invalid integer at offset {offset}")]
    InvalidInteger { offset: usize },
    /// A bulk or array length is negative and not -1.
    #[error("invalid length {len} at offset {offset}")]
    InvalidLength { offset: usize, len: i64 },
    /// A bulk length above `max_bulk_len`.
    #[error("length {len} exceeds the limit of {max} at offset {offset}")]
    TooLong { offset: usize, len: u64, max: u64 },
    /// A line runs past its maximum length without a terminator (20 bytes
    /// for integers and lengths, `max_bulk_len` for simple strings/errors).
    #[error("line too long at offset {offset}")]
    LineTooLong { offset: usize },
    /// A `\n` without `\r` before it, a `\r` not followed by `\n`, or a
    /// bulk payload not followed by `\r\n`.
    #[error("bad line ending at offset {offset}")]
    BadLineEnding { offset: usize },
    /// Arrays nested deeper than `max_depth`.
    #[error("arrays nested deeper than {max_depth} at offset {offset}")]
    TooDeep { offset: usize, max_depth: usize },
}

impl FrameError {
    /// Index of the first offending byte in the buffer passed to `decode`.
    pub fn offset(&self) -> usize {
        match *self {
            FrameError::InvalidType { offset, .. }
            | FrameError::InvalidInteger { offset }
            | FrameError::InvalidLength { offset, .. }
            | FrameError::TooLong { offset, .. }
            | FrameError::LineTooLong { offset }
            | FrameError::BadLineEnding { offset }
            | FrameError::TooDeep { offset, .. } => offset,
        }
    }
}

/// Longest content of an integer line (`string2ll` accepts at most 20).
const MAX_INTEGER_LINE: usize = 20;

/// An array still waiting for elements.
#[derive(Debug, Clone)]
struct PartialArray {
    remaining: u64,
    items: Vec<Frame>,
}

/// Incremental, strict RESP2 decoder.
///
/// Contract: after `Ok(None)`, call again with the same bytes plus whatever
/// arrived since. After `Ok(Some(..))` or an error the decoder is reset and
/// the next call starts a new frame at `buf[0]`.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    /// Largest bulk string accepted; also caps simple string and error
    /// lines. Default 512 MiB.
    pub max_bulk_len: u64,
    /// Deepest array nesting accepted (an array of scalars is depth 1).
    /// Default 64.
    pub max_depth: usize,
    /// Offset in the caller's buffer where the next value starts.
    pos: usize,
    /// Offset up to which the current line was searched without result.
    scan: usize,
    /// Arrays being filled, outermost first.
    stack: Vec<PartialArray>,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::with_limits(512 * 1024 * 1024, 64)
    }
}

/// What one step of decoding produced.
enum Step {
    Value(Frame),
    ArrayStart(u64),
}

impl FrameDecoder {
    /// A decoder with the default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder with the given limits.
    pub fn with_limits(max_bulk_len: u64, max_depth: usize) -> Self {
        FrameDecoder {
            max_bulk_len,
            max_depth,
            pos: 0,
            scan: 0,
            stack: Vec::new(),
        }
    }

    /// Discards any partially decoded frame.
    pub fn reset(&mut self) {
        self.pos = 0;
        self.scan = 0;
        self.stack = Vec::new();
    }

    /// Whether part of a frame has been decoded and more bytes are awaited.
    pub fn is_mid_frame(&self) -> bool {
        self.pos != 0
    }

    /// Decodes one frame from the front of `buf`.
    ///
    /// `Ok(Some((frame, consumed)))`: `consumed` is the exact encoded length
    /// of that frame. `Ok(None)`: more bytes are needed. If `buf` is shorter
    /// than what an earlier `Ok(None)` call examined (a contract violation),
    /// decoding restarts at `buf[0]`.
    pub fn decode(&mut self, buf: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
        if buf.len() < self.pos || buf.len() < self.scan {
            self.reset();
        }
        let result = self.decode_inner(buf);
        if !matches!(result, Ok(None)) {
            self.reset();
        }
        result
    }

    fn decode_inner(&mut self, buf: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
        loop {
            let start = self.pos;
            let step = match self.step(buf, start)? {
                Some(step) => step,
                None => return Ok(None),
            };
            let mut value = match step {
                Step::Value(frame) => frame,
                Step::ArrayStart(count) => {
                    // Elements take at least 3 bytes each ("+\r\n").
                    let room = (buf.len() - self.pos) / 3;
                    let cap = count.min(room as u64).min(1024) as usize;
                    self.stack.push(PartialArray {
                        remaining: count,
                        items: Vec::with_capacity(cap),
                    });
                    continue;
                }
            };
            loop {
                match self.stack.last_mut() {
                    None => return Ok(Some((value, self.pos))),
                    Some(top) => {
                        top.items.push(value);
                        top.remaining -= 1;
                        if top.remaining > 0 {
                            break;
                        }
                        let done = self.stack.pop().map(|a| a.items).unwrap_or_default();
                        value = Frame::Array(done);
                    }
                }
            }
        }
    }

    /// Moves past a decoded item.
    fn advance_to(&mut self, pos: usize) {
        self.pos = pos;
        self.scan = pos;
    }

    /// Decodes the value or array header starting at `start`.
    fn step(&mut self, buf: &[u8], start: usize) -> Result<Option<Step>, FrameError> {
        let Some(&kind) = buf.get(start) else {
            return Ok(None);
        };
        match kind {
            b'+' | b'-' => {
                let max = usize::try_from(self.max_bulk_len).unwrap_or(usize::MAX);
                let Some(cr) = self.line(buf, start + 1, max)? else {
                    return Ok(None);
                };
                let text = Bytes::copy_from_slice(&buf[start + 1..cr]);
                self.advance_to(cr + 2);
                Ok(Some(Step::Value(if kind == b'+' {
                    Frame::Simple(text)
                } else {
                    Frame::Error(text)
                })))
            }
            b':' => {
                let Some((n, cr)) = self.integer_line(buf, start)? else {
                    return Ok(None);
                };
                self.advance_to(cr + 2);
                Ok(Some(Step::Value(Frame::Integer(n))))
            }
            b'$' => {
                let Some((n, cr)) = self.integer_line(buf, start)? else {
                    return Ok(None);
                };
                if n == -1 {
                    self.advance_to(cr + 2);
                    return Ok(Some(Step::Value(Frame::Null)));
                }
                if n < 0 {
                    return Err(FrameError::InvalidLength {
                        offset: start + 1,
                        len: n,
                    });
                }
                let len = n as u64;
                if len > self.max_bulk_len {
                    return Err(FrameError::TooLong {
                        offset: start + 1,
                        len,
                        max: self.max_bulk_len,
                    });
                }
                let body = cr + 2;
                if ((buf.len() - body) as u64) < len + 2 {
                    return Ok(None);
                }
                let end = body + len as usize;
                if buf[end] != b'\r' {
                    return Err(FrameError::BadLineEnding { offset: end });
                }
                if buf[end + 1] != b'\n' {
                    return Err(FrameError::BadLineEnding { offset: end + 1 });
                }
                let payload = Bytes::copy_from_slice(&buf[body..end]);
                self.advance_to(end + 2);
                Ok(Some(Step::Value(Frame::Bulk(payload))))
            }
            b'*' => {
                let Some((n, cr)) = self.integer_line(buf, start)? else {
                    return Ok(None);
                };
                if n == -1 {
                    self.advance_to(cr + 2);
                    return Ok(Some(Step::Value(Frame::NullArray)));
                }
                if n < 0 {
                    return Err(FrameError::InvalidLength {
                        offset: start + 1,
                        len: n,
                    });
                }
                if self.stack.len() >= self.max_depth {
                    return Err(FrameError::TooDeep {
                        offset: start,
                        max_depth: self.max_depth,
                    });
                }
                self.advance_to(cr + 2);
                if n == 0 {
                    Ok(Some(Step::Value(Frame::Array(Vec::new()))))
                } else {
                    Ok(Some(Step::ArrayStart(n as u64)))
                }
            }
            byte => Err(FrameError::InvalidType {
                offset: start,
                byte,
            }),
        }
    }

    /// Parses the integer line of a `:`, `$` or `*` value at `start`.
    /// Returns the integer and the index of its `\r`.
    fn integer_line(
        &mut self,
        buf: &[u8],
        start: usize,
    ) -> Result<Option<(i64, usize)>, FrameError> {
        let Some(cr) = self.line(buf, start + 1, MAX_INTEGER_LINE)? else {
            return Ok(None);
        };
        match string2ll(&buf[start + 1..cr]) {
            Some(n) => Ok(Some((n, cr))),
            None => Err(FrameError::InvalidInteger { offset: start + 1 }),
        }
    }

    /// Finds the `\r\n` ending the line whose content starts at `from` and
    /// is at most `max` bytes long. Returns the index of the `\r`, `None`
    /// if more bytes are needed. Only the first `max + 2` bytes are looked
    /// at, so the outcome does not depend on how the input was split.
    fn line(&mut self, buf: &[u8], from: usize, max: usize) -> Result<Option<usize>, FrameError> {
        // The `\r` may sit at most at `from + max`.
        let window_end = from.saturating_add(max).saturating_add(1);
        let limit = window_end.min(buf.len());
        let scan_from = self.scan.max(from).min(limit);
        let hit = buf[scan_from..limit]
            .iter()
            .position(|&b| b == b'\r' || b == b'\n');
        match hit {
            None => {
                self.scan = limit;
                if limit == window_end {
                    // More than `max` content bytes and no terminator.
                    return Err(FrameError::LineTooLong { offset: from });
                }
                Ok(None)
            }
            Some(i) => {
                let at = scan_from + i;
                self.scan = at;
                if buf[at] == b'\n' {
                    return Err(FrameError::BadLineEnding { offset: at });
                }
                match buf.get(at + 1) {
                    None => Ok(None),
                    Some(b'\n') => Ok(Some(at)),
                    Some(_) => Err(FrameError::BadLineEnding { offset: at + 1 }),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
        FrameDecoder::default().decode(bytes)
    }

    #[test]
    fn decodes_every_type() {
        let cases: Vec<(&[u8], Frame)> = vec![
            (b"+OK\r\n", Frame::simple("OK")),
            (b"+\r\n", Frame::simple("")),
            (b"-ERR no\r\n", Frame::error("ERR no")),
            (b":-12\r\n", Frame::Integer(-12)),
            (b"$3\r\nfoo\r\n", Frame::bulk("foo")),
            (b"$0\r\n\r\n", Frame::bulk("")),
            (b"$4\r\na\r\nb\r\n", Frame::bulk("a\r\nb")),
            (b"$-1\r\n", Frame::Null),
            (b"*-1\r\n", Frame::NullArray),
            (b"*0\r\n", Frame::Array(vec![])),
            (
                b"*3\r\n:1\r\n*1\r\n$1\r\nx\r\n*0\r\n",
                Frame::Array(vec![
                    Frame::Integer(1),
                    Frame::Array(vec![Frame::bulk("x")]),
                    Frame::Array(vec![]),
                ]),
            ),
        ];
        for (bytes, frame) in cases {
            assert_eq!(decode_all(bytes), Ok(Some((frame.clone(), bytes.len()))));
            assert_eq!(&frame.to_bytes()[..], bytes);
            assert_eq!(frame.encoded_len(), bytes.len());
            let mut trailing = bytes.to_vec();
            trailing.extend_from_slice(b"+next\r\n");
            assert_eq!(decode_all(&trailing), Ok(Some((frame, bytes.len()))));
        }
    }

    #[test]
    fn incomplete_input_needs_more() {
        for bytes in [
            &b""[..],
            b"+OK",
            b"+OK\r",
            b":1",
            b"$3\r\nfo",
            b"$3\r\nfoo\r",
            b"*2\r\n:1\r\n",
            b"*1\r\n*1\r\n",
        ] {
            assert_eq!(decode_all(bytes), Ok(None), "{:?}", bytes);
        }
    }

    #[test]
    fn errors_carry_offsets() {
        let cases: Vec<(&[u8], FrameError)> = vec![
            (
                b"?x\r\n",
                FrameError::InvalidType {
                    offset: 0,
                    byte: b'?',
                },
            ),
            (
                b"*1\r\n!",
                FrameError::InvalidType {
                    offset: 4,
                    byte: b'!',
                },
            ),
            (b":01\r\n", FrameError::InvalidInteger { offset: 1 }),
            (b":+1\r\n", FrameError::InvalidInteger { offset: 1 }),
            (b"$-2\r\n", FrameError::InvalidLength { offset: 1, len: -2 }),
            (b"*-2\r\n", FrameError::InvalidLength { offset: 1, len: -2 }),
            (b"$3\r\nfooXY", FrameError::BadLineEnding { offset: 7 }),
            (b"$3\r\nfoo\rX", FrameError::BadLineEnding { offset: 8 }),
            (b"+a\nb\r\n", FrameError::BadLineEnding { offset: 2 }),
            (b"+a\rb\r\n", FrameError::BadLineEnding { offset: 3 }),
            (
                b":123456789012345678901",
                FrameError::LineTooLong { offset: 1 },
            ),
        ];
        for (bytes, err) in cases {
            assert_eq!(decode_all(bytes), Err(err.clone()), "{:?}", bytes);
            assert!(err.offset() < bytes.len());
        }
    }

    #[test]
    fn limits_are_enforced() {
        let mut d = FrameDecoder::with_limits(3, 2);
        assert_eq!(
            d.decode(b"$4\r\n"),
            Err(FrameError::TooLong {
                offset: 1,
                len: 4,
                max: 3
            })
        );
        assert_eq!(
            d.decode(b"+abcd"),
            Err(FrameError::LineTooLong { offset: 1 })
        );
        assert_eq!(d.decode(b"+abc\r\n"), Ok(Some((Frame::simple("abc"), 6))));
        assert_eq!(
            d.decode(b"*1\r\n*1\r\n*1\r\n"),
            Err(FrameError::TooDeep {
                offset: 8,
                max_depth: 2
            })
        );
        assert_eq!(
            d.decode(b"*1\r\n*1\r\n:1\r\n"),
            Ok(Some((
                Frame::Array(vec![Frame::Array(vec![Frame::Integer(1)])]),
                12
            )))
        );
    }

    #[test]
    fn resumes_across_calls() {
        let frame = Frame::Array(vec![Frame::bulk("hello"), Frame::Integer(7), Frame::Null]);
        let bytes = frame.to_bytes();
        let mut d = FrameDecoder::new();
        for end in 0..bytes.len() {
            assert_eq!(d.decode(&bytes[..end]), Ok(None));
        }
        assert!(d.is_mid_frame());
        assert_eq!(d.decode(&bytes), Ok(Some((frame, bytes.len()))));
        assert!(!d.is_mid_frame());
    }
}
