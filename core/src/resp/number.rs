//! Integer parsing and formatting used by the RESP codec.
//!
//! Parsing follows Redis's `string2ll` exactly (it decides which request
//! lengths Redis accepts). Formatting writes decimal digits into a caller's
//! stack buffer; it never allocates.

/// Redis's `LONG_STR_SIZE`: inputs of this many bytes or more are rejected.
const LONG_STR_SIZE: usize = 21;

/// Parses `s` as a signed 64-bit integer with Redis's `string2ll` rules.
///
/// Accepted: `0`, or an optional `-` followed by a non-zero digit and more
/// digits, at most 20 bytes in total, within `i64` range. Rejected: empty
/// input, a leading `+`, leading zeros (`01`), `-0`, spaces anywhere, any
/// other byte, and overflow.
pub fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= LONG_STR_SIZE {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if negative {
        if v > (i64::MAX as u64) + 1 {
            return None;
        }
        // v == 2^63 wraps to i64::MIN, which is the correct result.
        Some(0i64.wrapping_sub(v as i64))
    } else {
        i64::try_from(v).ok()
    }
}

/// Two ASCII digits for every value 0..100.
const PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Formats `n` in decimal into the end of `buf` and returns the digits.
///
/// 20 bytes always suffice (`u64::MAX` has 20 digits).
#[inline]
pub fn fmt_u64(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    while n >= 100 {
        let r = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[r..r + 2]);
    }
    if n >= 10 {
        let r = n as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[r..r + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    &buf[i..]
}

/// Formats `n` in decimal (with a leading `-` when negative) into the end of
/// `buf` and returns the text. `i64::MIN` needs exactly 20 bytes.
#[inline]
pub fn fmt_i64(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    if n >= 0 {
        return fmt_u64(n as u64, buf);
    }
    // |i64::MIN| = 2^63 has 19 digits, leaving room for the sign.
    let digits = fmt_u64(n.unsigned_abs(), buf).len();
    let start = buf.len() - digits - 1;
    buf[start] = b'-';
    &buf[start..]
}

/// Number of decimal digits of `n` (1 for 0).
#[inline]
pub(crate) fn digits_u64(n: u64) -> usize {
    match n.checked_ilog10() {
        Some(d) => d as usize + 1,
        None => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_accepts_canonical_integers() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"7"), Some(7));
        assert_eq!(string2ll(b"-7"), Some(-7));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn string2ll_rejects_what_redis_rejects() {
        for bad in [
            &b""[..],
            b"-",
            b"+1",
            b"01",
            b"-0",
            b"00",
            b" 1",
            b"1 ",
            b"1a",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"99999999999999999999",
            b"000000000000000000001",
            b"1\0",
        ] {
            assert_eq!(string2ll(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn formatting_matches_std() {
        let mut buf = [0u8; 20];
        for n in [
            0i64,
            1,
            9,
            10,
            99,
            100,
            101,
            12345,
            -1,
            -10,
            -99,
            -100,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ] {
            assert_eq!(fmt_i64(n, &mut buf), n.to_string().as_bytes());
        }
        assert_eq!(fmt_u64(u64::MAX, &mut buf), u64::MAX.to_string().as_bytes());
        for n in [0u64, 9, 10, 99, 100, 999_999, 1_000_000, u64::MAX] {
            assert_eq!(digits_u64(n), n.to_string().len());
        }
    }
}
