//! C's `strtod` and Redis's `string2d`, exactly: which strings are floats, and their values.
//!
//! Used wherever Redis parses a double (`getDoubleFromObject`): scores, float arguments.

/// C's `isspace` in the C locale.
pub fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C's `strtoll(s, NULL, 10)`: leading white space, an optional sign, then digits up to the
/// first other byte; 0 when there are none; saturates at the `i64` limits on overflow.
pub fn strtoll(s: &[u8]) -> i64 {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut v: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        let d = i64::from(s[i] - b'0');
        v = if neg {
            v.saturating_mul(10).saturating_sub(d)
        } else {
            v.saturating_mul(10).saturating_add(d)
        };
        i += 1;
    }
    v
}

/// `x * 2^e` without intermediate overflow.
fn ldexp(mut x: f64, mut e: i64) -> f64 {
    while e > 1000 {
        x *= 2f64.powi(1000);
        e -= 1000;
        if x.is_infinite() {
            return x;
        }
    }
    while e < -1000 {
        x *= 2f64.powi(-1000);
        e += 1000;
        if x == 0.0 {
            return x;
        }
    }
    x * 2f64.powi(e as i32)
}

/// Parse the whole of `s` as C's `strtod` (leading white space allowed). `None` when
/// `strtod` would stop before the end or convert nothing. Returns the value (NaN for
/// "nan") and whether `strtod` would set `ERANGE` (overflow, or a non-zero number rounding
/// to zero).
pub fn strtod_all(s: &[u8]) -> Option<(f64, bool)> {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let rest = &s[i..];
    let lower: Vec<u8> = rest.iter().map(u8::to_ascii_lowercase).collect();
    let sign = if neg { -1.0 } else { 1.0 };
    if lower == b"inf" || lower == b"infinity" {
        return Some((sign * f64::INFINITY, false));
    }
    if lower.starts_with(b"nan") {
        // "nan" or "nan(chars)": a NaN, which every caller rejects; anything else stops early.
        return None;
    }
    if lower.len() > 2 && lower.starts_with(b"0x") {
        return parse_hex(&lower[2..]).map(|(v, erange)| (sign * v, erange));
    }
    // Decimal: digits [. digits] [e [sign] digits], at least one mantissa digit.
    let mut j = 0;
    let int_start = j;
    while j < rest.len() && rest[j].is_ascii_digit() {
        j += 1;
    }
    let int_part = &rest[int_start..j];
    let mut frac_part: &[u8] = &[];
    if j < rest.len() && rest[j] == b'.' {
        let f0 = j + 1;
        j = f0;
        while j < rest.len() && rest[j].is_ascii_digit() {
            j += 1;
        }
        frac_part = &rest[f0..j];
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut exp_part: &[u8] = b"0";
    if j < rest.len() && (rest[j] == b'e' || rest[j] == b'E') {
        let e0 = j + 1;
        let mut k = e0;
        if k < rest.len() && (rest[k] == b'+' || rest[k] == b'-') {
            k += 1;
        }
        let d0 = k;
        while k < rest.len() && rest[k].is_ascii_digit() {
            k += 1;
        }
        if k > d0 {
            exp_part = &rest[e0..k];
            j = k;
        }
    }
    if j != rest.len() {
        return None;
    }
    let text = format!(
        "{}{}.{}e{}",
        if neg { "-" } else { "" },
        if int_part.is_empty() {
            "0"
        } else {
            std::str::from_utf8(int_part).ok()?
        },
        if frac_part.is_empty() {
            "0"
        } else {
            std::str::from_utf8(frac_part).ok()?
        },
        std::str::from_utf8(exp_part).ok()?
    );
    let v: f64 = text.parse().ok()?;
    let nonzero_digits = int_part.iter().chain(frac_part).any(|&c| c != b'0');
    let erange = v.is_infinite() || (v == 0.0 && nonzero_digits);
    Some((v, erange))
}

/// The part of a hex float after `0x` (lowercased): hex digits with an optional point and
/// an optional binary exponent `p[sign]digits`.
fn parse_hex(s: &[u8]) -> Option<(f64, bool)> {
    let hexval = |c: u8| (c as char).to_digit(16).map(u64::from);
    let mut mant: u64 = 0;
    let mut exp: i64 = 0;
    let mut digits = 0;
    let mut nonzero = false;
    let mut j = 0;
    let mut seen_point = false;
    while j < s.len() {
        let c = s[j];
        if c == b'.' && !seen_point {
            seen_point = true;
        } else if let Some(d) = hexval(c) {
            digits += 1;
            nonzero |= d != 0;
            if mant >> 60 == 0 {
                mant = mant * 16 + d;
                if seen_point {
                    exp -= 4;
                }
            } else if !seen_point {
                exp += 4;
            }
        } else {
            break;
        }
        j += 1;
    }
    if digits == 0 {
        return None;
    }
    if j < s.len() && s[j] == b'p' {
        let mut k = j + 1;
        let mut eneg = false;
        if k < s.len() && (s[k] == b'+' || s[k] == b'-') {
            eneg = s[k] == b'-';
            k += 1;
        }
        let d0 = k;
        let mut e: i64 = 0;
        while k < s.len() && s[k].is_ascii_digit() {
            e = (e * 10 + i64::from(s[k] - b'0')).min(1 << 40);
            k += 1;
        }
        if k > d0 {
            exp += if eneg { -e } else { e };
            j = k;
        }
    }
    if j != s.len() {
        return None;
    }
    let v = ldexp(mant as f64, exp);
    let erange = v.is_infinite() || (v == 0.0 && nonzero);
    Some((v, erange))
}

/// Redis's `string2d` (`getDoubleFromObject`): the whole string, no leading space, no NaN,
/// no overflow, no underflow to zero.
pub fn string2d(s: &[u8]) -> Option<f64> {
    if s.is_empty() || is_c_space(s[0]) {
        return None;
    }
    let (v, erange) = strtod_all(s)?;
    if v.is_nan() || (erange && (v.is_infinite() || v == 0.0)) {
        return None;
    }
    Some(v)
}
