//! Low-level RDB primitives for the decoder: a bounded cursor over the buffered input, the
//! length encoding (§3) and the polymorphic string encoding (§4).
//!
//! Every read either succeeds, reports that more input is needed (with the absolute offset
//! the input must reach before a retry can get further), or fails with an [`RdbError`].

use super::lzf;
use super::RdbError;
use crate::keyspace::Sds;

/// Why a parse did not produce a value.
#[derive(Debug)]
pub(super) enum PErr {
    /// The input ends too early; a retry is pointless until this many bytes (absolute
    /// offset from the start of the dump) are buffered.
    Incomplete(u64),
    /// The input is invalid.
    Bad(RdbError),
}

impl From<RdbError> for PErr {
    fn from(e: RdbError) -> Self {
        PErr::Bad(e)
    }
}

/// Result of a primitive read.
pub(super) type PResult<T> = Result<T, PErr>;

/// Raise the "bytes needed" hint of an incomplete read by `extra` (the minimum size of what
/// must still follow it).
pub(super) fn need_more(e: PErr, extra: u64) -> PErr {
    match e {
        PErr::Incomplete(n) => PErr::Incomplete(n.saturating_add(extra)),
        b => b,
    }
}

/// The most an LZF blob can expand: a 3-byte back reference yields at most 264 bytes.
const LZF_MAX_RATIO: u64 = 88;

/// A cursor over buffered input; `base` is the absolute offset of `buf[0]`.
#[derive(Clone)]
pub(super) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    base: u64,
    total_len: Option<u64>,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `buf`, which begins at absolute offset `base`.
    pub(super) fn new(buf: &'a [u8], base: u64, total_len: Option<u64>) -> Self {
        Cursor {
            buf,
            pos: 0,
            base,
            total_len,
        }
    }

    /// Bytes consumed from `buf`.
    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    /// Absolute offset of the next byte.
    pub(super) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// True when every byte of the input is buffered (the total length is known and
    /// reached): nothing can be incomplete any more, only truncated.
    pub(super) fn holds_all_input(&self) -> bool {
        matches!(self.total_len, Some(t) if self.base + self.buf.len() as u64 >= t)
    }

    /// Bytes buffered after the cursor.
    pub(super) fn buffered(&self) -> u64 {
        (self.buf.len() - self.pos) as u64
    }

    /// An error at the current offset.
    pub(super) fn err(&self, msg: impl Into<String>) -> PErr {
        PErr::Bad(RdbError::at(self.offset(), msg))
    }

    /// Succeeds when `n` more bytes are buffered; otherwise asks for more input, or fails
    /// when the known total length rules them out.
    pub(super) fn need(&self, n: u64) -> PResult<()> {
        if self.buffered() >= n {
            return Ok(());
        }
        let end = self.offset().saturating_add(n);
        match self.total_len {
            Some(t) if end > t => Err(self.err(format!(
                "truncated: need {n} bytes, {} left",
                t.saturating_sub(self.offset())
            ))),
            _ => Err(PErr::Incomplete(end)),
        }
    }

    /// Check that `count` elements of at least `min_each` bytes each can follow; returns a
    /// capacity that is safe to preallocate.
    pub(super) fn need_elems(&self, count: u64, min_each: u64) -> PResult<usize> {
        self.need(count.saturating_mul(min_each))?;
        Ok(count.min(self.buffered()) as usize)
    }

    /// Up to `n` buffered bytes, without consuming them.
    pub(super) fn peek(&self, n: usize) -> &'a [u8] {
        let end = self.buf.len().min(self.pos + n);
        &self.buf[self.pos..end]
    }

    /// The next `n` bytes.
    pub(super) fn take(&mut self, n: u64) -> PResult<&'a [u8]> {
        self.need(n)?;
        let s = &self.buf[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(s)
    }

    /// The next `N` bytes as an array.
    pub(super) fn array<const N: usize>(&mut self) -> PResult<[u8; N]> {
        let s = self.take(N as u64)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// One byte.
    pub(super) fn u8(&mut self) -> PResult<u8> {
        Ok(self.array::<1>()?[0])
    }

    /// A little-endian i64.
    pub(super) fn i64_le(&mut self) -> PResult<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    /// A little-endian i32.
    pub(super) fn i32_le(&mut self) -> PResult<i32> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    /// A little-endian binary64.
    pub(super) fn f64_le(&mut self) -> PResult<f64> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// A length or a special-encoding marker: `(value, is_special)`.
    fn len_or_special(&mut self) -> PResult<(u64, bool)> {
        let at = self.offset();
        let b = self.u8()?;
        match b >> 6 {
            0 => Ok(((b & 0x3F) as u64, false)),
            1 => {
                let b2 = self.u8()?;
                Ok(((((b & 0x3F) as u64) << 8) | b2 as u64, false))
            }
            3 => Ok(((b & 0x3F) as u64, true)),
            _ => match b {
                0x80 => Ok((u32::from_be_bytes(self.array()?) as u64, false)),
                0x81 => Ok((u64::from_be_bytes(self.array()?), false)),
                _ => Err(PErr::Bad(RdbError::at(
                    at,
                    format!("invalid length encoding 0x{b:02x}"),
                ))),
            },
        }
    }

    /// A length (§3).
    pub(super) fn len(&mut self) -> PResult<u64> {
        let at = self.offset();
        match self.len_or_special()? {
            (n, false) => Ok(n),
            (n, true) => Err(PErr::Bad(RdbError::at(
                at,
                format!("expected a length, found string encoding {n}"),
            ))),
        }
    }

    /// An RDB string as the keyspace's [`Sds`]: short plain strings are stored inline, with
    /// no allocation (the common case for keys and small members).
    pub(super) fn sds(&mut self) -> PResult<Sds> {
        if let Some(&b) = self.peek(1).first() {
            if b >> 6 == 0 {
                let n = u64::from(b & 0x3f);
                self.need(1 + n)?;
                self.pos += 1;
                return Ok(Sds::from_slice(self.take(n)?));
            }
        }
        self.string().map(Sds::from_vec)
    }

    /// [`Cursor::string`] borrowing a plain (raw) string from the input instead of copying
    /// it; encoded strings (integers, LZF) are expanded into an owned buffer.
    pub(super) fn string_cow(&mut self) -> PResult<std::borrow::Cow<'a, [u8]>> {
        if let Some(&b) = self.peek(1).first() {
            if b >> 6 != 3 {
                let (n, _) = self.len_or_special()?;
                return Ok(std::borrow::Cow::Borrowed(self.take(n)?));
            }
        }
        self.string().map(std::borrow::Cow::Owned)
    }

    /// A string (§4): raw, INT8/16/32 (as decimal text) or LZF (expanded).
    pub(super) fn string(&mut self) -> PResult<Vec<u8>> {
        let at = self.offset();
        let (n, special) = self.len_or_special()?;
        if !special {
            return Ok(self.take(n)?.to_vec());
        }
        match n {
            0 => Ok((self.u8()? as i8).to_string().into_bytes()),
            1 => Ok(i16::from_le_bytes(self.array()?).to_string().into_bytes()),
            2 => Ok(self.i32_le()?.to_string().into_bytes()),
            3 => {
                let clen = self.len()?;
                let ulen_at = self.offset();
                let ulen = self.len()?;
                let data_at = self.offset();
                let input = self.take(clen)?;
                if ulen == 0 || ulen > clen.saturating_mul(LZF_MAX_RATIO) {
                    return Err(PErr::Bad(RdbError::at(
                        ulen_at,
                        format!("invalid LZF string: {clen} bytes cannot expand to {ulen}"),
                    )));
                }
                lzf::decompress(input, ulen as usize).map_err(|e| {
                    PErr::Bad(RdbError::at(data_at, format!("invalid LZF string: {e}")))
                })
            }
            _ => Err(PErr::Bad(RdbError::at(
                at,
                format!("unknown string encoding {n}"),
            ))),
        }
    }

    /// Skip a string without expanding it (LZF payloads are not decompressed).
    pub(super) fn skip_string(&mut self) -> PResult<()> {
        let (n, special) = self.len_or_special()?;
        if !special {
            self.take(n)?;
            return Ok(());
        }
        match n {
            0 => self.take(1).map(drop),
            1 => self.take(2).map(drop),
            2 => self.take(4).map(drop),
            3 => {
                let clen = self.len()?;
                self.len()?;
                self.take(clen).map(drop)
            }
            // invalid: the real parse reports it
            _ => Ok(()),
        }
    }
}
