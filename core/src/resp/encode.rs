//! RESP2 encoder helpers: the server's reply and replication hot path.
//!
//! Every function appends to a caller-owned `BytesMut`, reserving the exact
//! number of bytes first, and formats integers on the stack. Nothing here
//! allocates apart from growing `out`, and nothing validates content: simple
//! strings and errors are written verbatim, so callers must not pass CR or
//! LF in them (Redis does not sanitize these either).

use bytes::{BufMut, BytesMut};

use super::number::{digits_u64, fmt_i64, fmt_u64};

const CRLF: &[u8; 2] = b"\r\n";

#[inline]
fn write_line(out: &mut BytesMut, prefix: u8, s: &[u8]) {
    out.reserve(s.len() + 3);
    out.put_u8(prefix);
    out.put_slice(s);
    out.put_slice(CRLF);
}

#[inline]
fn write_header(out: &mut BytesMut, prefix: u8, n: u64) {
    let mut buf = [0u8; 20];
    let digits = fmt_u64(n, &mut buf);
    out.reserve(digits.len() + 3);
    out.put_u8(prefix);
    out.put_slice(digits);
    out.put_slice(CRLF);
}

/// Appends a simple string: `+s\r\n`.
#[inline]
pub fn write_simple(out: &mut BytesMut, s: &[u8]) {
    write_line(out, b'+', s);
}

/// Appends an error: `-s\r\n`. `s` already includes the error code, e.g.
/// `b"ERR syntax error"`.
#[inline]
pub fn write_error(out: &mut BytesMut, s: &[u8]) {
    write_line(out, b'-', s);
}

/// Appends an integer: `:n\r\n`.
#[inline]
pub fn write_integer(out: &mut BytesMut, n: i64) {
    let mut buf = [0u8; 20];
    let digits = fmt_i64(n, &mut buf);
    out.reserve(digits.len() + 3);
    out.put_u8(b':');
    out.put_slice(digits);
    out.put_slice(CRLF);
}

/// Appends a bulk string: `$len\r\nb\r\n`.
#[inline]
pub fn write_bulk(out: &mut BytesMut, b: &[u8]) {
    let mut buf = [0u8; 20];
    let digits = fmt_u64(b.len() as u64, &mut buf);
    out.reserve(digits.len() + b.len() + 5);
    out.put_u8(b'$');
    out.put_slice(digits);
    out.put_slice(CRLF);
    out.put_slice(b);
    out.put_slice(CRLF);
}

/// Appends only the header of a bulk string, `$len\r\n`. The caller then
/// writes exactly `len` bytes and `\r\n` (useful for values built in pieces).
#[inline]
pub fn write_bulk_header(out: &mut BytesMut, len: usize) {
    write_header(out, b'$', len as u64);
}

/// Appends a null bulk string: `$-1\r\n`.
#[inline]
pub fn write_null(out: &mut BytesMut) {
    out.extend_from_slice(b"$-1\r\n");
}

/// Appends a null array: `*-1\r\n`.
#[inline]
pub fn write_null_array(out: &mut BytesMut) {
    out.extend_from_slice(b"*-1\r\n");
}

/// Appends an array header: `*n\r\n`. The caller then writes `n` values.
#[inline]
pub fn write_array_len(out: &mut BytesMut, n: usize) {
    write_header(out, b'*', n as u64);
}

/// Appends a command as an array of bulk strings, the form used in the
/// replication stream and in requests: `*N\r\n` then one bulk per argument.
pub fn write_command(out: &mut BytesMut, argv: &[impl AsRef<[u8]>]) {
    out.reserve(command_len(argv));
    write_array_len(out, argv.len());
    for arg in argv {
        write_bulk(out, arg.as_ref());
    }
}

/// Encoded length of a bulk string whose payload is `len` bytes:
/// `1 + digits(len) + 2 + len + 2`.
#[inline]
pub fn bulk_len(len: usize) -> usize {
    digits_u64(len as u64) + len + 5
}

/// Number of bytes [`write_command`] would append for `argv`, computed
/// without encoding.
pub fn command_len(argv: &[impl AsRef<[u8]>]) -> usize {
    let header = digits_u64(argv.len() as u64) + 3;
    argv.iter()
        .fold(header, |acc, arg| acc + bulk_len(arg.as_ref().len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(f: impl FnOnce(&mut BytesMut)) -> Vec<u8> {
        let mut out = BytesMut::new();
        f(&mut out);
        out.to_vec()
    }

    #[test]
    fn helpers_produce_exact_bytes() {
        assert_eq!(enc(|o| write_simple(o, b"OK")), b"+OK\r\n");
        assert_eq!(
            enc(|o| write_error(o, b"ERR syntax error")),
            b"-ERR syntax error\r\n"
        );
        assert_eq!(enc(|o| write_integer(o, 0)), b":0\r\n");
        assert_eq!(enc(|o| write_integer(o, -42)), b":-42\r\n");
        assert_eq!(
            enc(|o| write_integer(o, i64::MIN)),
            b":-9223372036854775808\r\n"
        );
        assert_eq!(enc(|o| write_bulk(o, b"")), b"$0\r\n\r\n");
        assert_eq!(enc(|o| write_bulk(o, b"foo")), b"$3\r\nfoo\r\n");
        assert_eq!(enc(|o| write_bulk_header(o, 12)), b"$12\r\n");
        assert_eq!(enc(write_null), b"$-1\r\n");
        assert_eq!(enc(write_null_array), b"*-1\r\n");
        assert_eq!(enc(|o| write_array_len(o, 0)), b"*0\r\n");
        assert_eq!(enc(|o| write_array_len(o, 10)), b"*10\r\n");
    }

    #[test]
    fn command_encoding_and_length() {
        let argv: [&[u8]; 3] = [b"SET", b"key", b""];
        let bytes = enc(|o| write_command(o, &argv));
        assert_eq!(bytes, b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$0\r\n\r\n");
        assert_eq!(command_len(&argv), bytes.len());
        let empty: [&[u8]; 0] = [];
        assert_eq!(enc(|o| write_command(o, &empty)), b"*0\r\n");
        assert_eq!(command_len(&empty), 4);
        let big = vec![b'x'; 12345];
        let argv = [big.as_slice(); 11];
        assert_eq!(command_len(&argv), enc(|o| write_command(o, &argv)).len());
    }
}
