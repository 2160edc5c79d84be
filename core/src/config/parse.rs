//! The C library and Redis util.c parsing rules that config values go
//! through: `memtoull`, `strtoll`/`strtol` (with their leading blanks, signs
//! and saturation), `yesnotoi`, `string2d`, `sdssplitlen(" ")` and the `%f`
//! + `trimDoubleString` formatting of doubles.

pub(crate) use crate::resp::string2ll;

/// C `isspace` in the "C" locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Redis's `memtoull`: digits followed by an optional unit (`b`, `k`, `kb`,
/// `m`, `mb`, `g`, `gb`, any case; `1k` = 1000, `1kb` = 1024). No sign, no
/// blanks. An empty digit string counts as 0 (`""` and `"kb"` are 0), an
/// overflowing one saturates, and the multiplication wraps, all as in
/// Redis 7.0.15.
pub(crate) fn memtoull(p: &[u8]) -> Option<u64> {
    if p.first() == Some(&b'-') {
        return None;
    }
    let digits = p
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(p.len());
    let unit = p[digits..].to_ascii_lowercase();
    let mul: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits >= 128 {
        return None;
    }
    // strtoull on pure digits: saturates at ULLONG_MAX on overflow.
    let mut val: u64 = 0;
    for &c in &p[..digits] {
        val = val
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(c - b'0')))
            .unwrap_or(u64::MAX);
        if val == u64::MAX {
            break;
        }
    }
    Some(val.wrapping_mul(mul))
}

/// C `strtoll(s, &end, base)` for base 8 or 10: skips leading blanks, takes
/// an optional sign, saturates on overflow. Returns the value, whether the
/// whole input was consumed (`*end == '\0'`) and whether it overflowed
/// (`errno == ERANGE`). No digits at all leaves `end` at the start (so `""`
/// is "fully consumed" with value 0, as in C).
pub(crate) fn c_strtoll(s: &[u8], base: u32) -> (i64, bool, bool) {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut mag: u128 = 0;
    let mut overflow = false;
    while i < s.len() {
        let d = match s[i] {
            c @ b'0'..=b'9' if u32::from(c - b'0') < base => u32::from(c - b'0'),
            _ => break,
        };
        mag = mag * u128::from(base) + u128::from(d);
        if mag > (1u128 << 64) {
            mag = 1u128 << 64;
            overflow = true;
        }
        i += 1;
    }
    if i == start {
        // No conversion: end points at the original string.
        return (0, s.is_empty(), false);
    }
    let value = if neg {
        if mag > (i64::MAX as u128) + 1 {
            overflow = true;
            i64::MIN
        } else {
            0i64.wrapping_sub(mag as i64)
        }
    } else if mag > i64::MAX as u128 {
        overflow = true;
        i64::MAX
    } else {
        mag as i64
    };
    (value, i == s.len(), overflow)
}

/// Redis's `yesnotoi`.
pub(crate) fn yesno(s: &[u8]) -> Option<bool> {
    if s.eq_ignore_ascii_case(b"yes") {
        Some(true)
    } else if s.eq_ignore_ascii_case(b"no") {
        Some(false)
    } else {
        None
    }
}

/// Redis's `string2d`: the whole input must be a number (no leading blank,
/// not NaN).
pub(crate) fn string2d(s: &[u8]) -> Option<f64> {
    if s.is_empty() || is_c_space(s[0]) {
        return None;
    }
    let v = crate::strtod::parse_f64(s)?;
    if v.is_nan() {
        return None;
    }
    Some(v)
}

/// `printf("%f")` followed by Redis's `trimDoubleString` (drop trailing
/// zeros after the point, then a lone point).
pub(crate) fn fmt_double_trimmed(v: f64) -> String {
    crate::dtoa::trimmed(v, 6)
}

/// `sdssplitlen(value, len, " ", 1)`: split on every single space, keeping
/// empty fields; an empty input gives no fields at all.
pub(crate) fn split_spaces(value: &[u8]) -> Vec<&[u8]> {
    if value.is_empty() {
        return Vec::new();
    }
    value.split(|&b| b == b' ').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memtoull_rules() {
        assert_eq!(memtoull(b"1"), Some(1));
        assert_eq!(memtoull(b"1b"), Some(1));
        assert_eq!(memtoull(b"1k"), Some(1000));
        assert_eq!(memtoull(b"1KB"), Some(1024));
        assert_eq!(memtoull(b"2mB"), Some(2 * 1024 * 1024));
        assert_eq!(memtoull(b"3g"), Some(3_000_000_000));
        assert_eq!(memtoull(b"1gb"), Some(1 << 30));
        assert_eq!(memtoull(b""), Some(0));
        assert_eq!(memtoull(b"kb"), Some(0));
        assert_eq!(memtoull(b"18446744073709551616"), Some(u64::MAX));
        assert_eq!(
            memtoull(b"99999999999999999999kb"),
            Some(u64::MAX.wrapping_mul(1024))
        );
        assert_eq!(memtoull(b"-1"), None);
        assert_eq!(memtoull(b"+1"), None);
        assert_eq!(memtoull(b" 1"), None);
        assert_eq!(memtoull(b"1.5mb"), None);
        assert_eq!(memtoull(b"1zb"), None);
        assert_eq!(memtoull(b"10%"), None);
    }

    #[test]
    fn strtoll_rules() {
        assert_eq!(c_strtoll(b"12", 10), (12, true, false));
        assert_eq!(c_strtoll(b" +12", 10), (12, true, false));
        assert_eq!(c_strtoll(b"-12", 10), (-12, true, false));
        assert_eq!(c_strtoll(b"12x", 10), (12, false, false));
        assert_eq!(c_strtoll(b"", 10), (0, true, false));
        assert_eq!(c_strtoll(b"x", 10), (0, false, false));
        assert_eq!(
            c_strtoll(b"99999999999999999999", 10),
            (i64::MAX, true, true)
        );
        assert_eq!(c_strtoll(b"777", 8), (511, true, false));
        assert_eq!(c_strtoll(b"8", 8), (0, false, false));
    }

    #[test]
    fn doubles() {
        assert_eq!(string2d(b"99.9"), Some(99.9));
        assert_eq!(string2d(b"1e1"), Some(10.0));
        assert_eq!(string2d(b" 1"), None);
        assert_eq!(string2d(b"1 "), None);
        assert_eq!(string2d(b"nan"), None);
        assert_eq!(fmt_double_trimmed(99.9), "99.9");
        assert_eq!(fmt_double_trimmed(50.0), "50");
        assert_eq!(fmt_double_trimmed(0.0), "0");
    }

    #[test]
    fn space_split() {
        assert!(split_spaces(b"").is_empty());
        assert_eq!(split_spaces(b"a b"), vec![&b"a"[..], b"b"]);
        assert_eq!(split_spaces(b"a  b"), vec![&b"a"[..], b"", b"b"]);
        assert_eq!(split_spaces(b" "), vec![&b""[..], b""]);
    }
}
