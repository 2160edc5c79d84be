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
    let exp = match exp_part.split_first() {
        Some((b'-', d)) => exp_value(true, d),
        Some((b'+', d)) => exp_value(false, d),
        _ => exp_value(false, exp_part),
    };
    let v = decimal_to_f64(int_part, frac_part, exp);
    let v = if neg { -v } else { v };
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

// ----- decimal to double, correctly rounded -----
//
// One converter for every decimal the core reads (`strtod`, `string2d` and config values),
// instead of `str::parse::<f64>`: std's parser carries a 10 KB table of powers of five
// (Eisel-Lemire) that is most of what it adds to the browser build (issue #6: download
// size). Small inputs take Clinger's exact fast path; the rest is exact big-integer
// arithmetic (a quotient with 55-56 bits, then round half to even), so every result is the
// nearest double, as C's `strtod` and Rust's parser give (tests compare with std's).

/// Significant digits kept: a decimal exactly halfway between two doubles has at most 767
/// significant digits, so digits past this many only matter as "some were non-zero".
const MAX_DIGITS: usize = 800;

/// A non-negative big integer, little-endian 32-bit limbs, no high zero limbs.
#[derive(Clone, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }
    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }
    fn mul_add_small(&mut self, m: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(m) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }
    /// `self * 10^n`.
    fn mul_pow10(&mut self, mut n: u64) {
        while n >= 9 {
            self.mul_add_small(1_000_000_000, 0);
            n -= 9;
        }
        if n > 0 {
            self.mul_add_small(10u32.pow(n as u32), 0);
        }
    }
    fn bit_len(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(top) => self.0.len() as u64 * 32 - u64::from(top.leading_zeros()),
        }
    }
    fn shl(&self, bits: u64) -> Big {
        let (limbs, rem) = ((bits / 32) as usize, (bits % 32) as u32);
        let mut out = vec![0u32; limbs];
        let mut carry = 0u32;
        for &l in &self.0 {
            if rem == 0 {
                out.push(l);
            } else {
                out.push((l << rem) | carry);
                carry = l >> (32 - rem);
            }
        }
        if carry != 0 {
            out.push(carry);
        }
        let mut b = Big(out);
        b.trim();
        b
    }
    fn cmp(&self, other: &Big) -> std::cmp::Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
    /// `self -= other`; `other <= self`.
    fn sub(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let v = i64::from(*limb) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
            borrow = i64::from(v < 0);
            *limb = v.rem_euclid(1 << 32) as u32;
        }
        self.trim();
    }
}

/// `digits × 10^exp` (ASCII digits, leading and trailing zeros allowed; `exp` saturated by
/// the caller) as the nearest double, ties to even; +∞ past the largest double.
pub(crate) fn decimal_to_f64(int_part: &[u8], frac_part: &[u8], exp: i64) -> f64 {
    let mut e10 = exp.saturating_sub(frac_part.len() as i64);
    let all = || int_part.iter().chain(frac_part).copied();
    let lead = all().take_while(|&c| c == b'0').count();
    let total = int_part.len() + frac_part.len();
    let trail = all().rev().take_while(|&c| c == b'0').count();
    if lead == total {
        return 0.0;
    }
    let digits: Vec<u8> = all().skip(lead).take(total - lead - trail).collect();
    e10 = e10.saturating_add(trail as i64);
    let n = digits.len() as i64;
    // The value is in [10^(n-1+e10), 10^(n+e10)).
    if n.saturating_add(e10) > 309 {
        return f64::INFINITY;
    }
    if n.saturating_add(e10) <= -324 {
        return 0.0;
    }
    if n <= 15 && (-22..=22).contains(&e10) {
        // Clinger's fast path: both operands exact, so one correctly rounded operation.
        let d = digits
            .iter()
            .fold(0u64, |v, &c| v * 10 + u64::from(c - b'0')) as f64;
        let p = 10f64.powi(e10.unsigned_abs() as i32);
        return if e10 >= 0 { d * p } else { d / p };
    }
    let (digits, e10) = if digits.len() > MAX_DIGITS {
        let mut kept = digits[..MAX_DIGITS].to_vec();
        // A non-zero digit dropped (there is one: trailing zeros are gone) keeps the value
        // strictly above the kept prefix, which is all rounding needs to know.
        kept.push(b'1');
        let dropped = (digits.len() - MAX_DIGITS - 1) as i64;
        (kept, e10 + dropped)
    } else {
        (digits, e10)
    };
    let mut num = Big(Vec::new());
    for chunk in digits.chunks(9) {
        let v = chunk
            .iter()
            .fold(0u32, |v, &c| v * 10 + u32::from(c - b'0'));
        num.mul_add_small(10u32.pow(chunk.len() as u32), v);
    }
    let mut den = Big::from_u64(1);
    if e10 >= 0 {
        num.mul_pow10(e10 as u64);
    } else {
        den.mul_pow10(e10.unsigned_abs());
    }
    // Scale by 2^-t so that num / den is in (2^54, 2^56).
    let t = num.bit_len() as i64 - den.bit_len() as i64 - 55;
    if t > 0 {
        den = den.shl(t as u64);
    } else {
        num = num.shl(t.unsigned_abs());
    }
    let mut q: u64 = 0;
    for i in (0..57).rev() {
        let d = den.shl(i);
        if num.cmp(&d) != std::cmp::Ordering::Less {
            num.sub(&d);
            q |= 1 << i;
        }
    }
    let sticky = !num.0.is_empty();
    // value = (q + a fraction that is non-zero iff sticky) × 2^t.
    let len = 64 - i64::from(q.leading_zeros());
    let e2 = t + len - 1; // the value is in [2^e2, 2^(e2+1))
    if e2 > 1023 {
        return f64::INFINITY;
    }
    if e2 < -1075 {
        return 0.0;
    }
    let precision = if e2 >= -1022 { 53 } else { 53 - (-1022 - e2) };
    let drop = (len - precision) as u32; // at least 2
    let mut m = if drop >= 64 { 0 } else { q >> drop };
    let rem = if drop >= 64 {
        q
    } else {
        q & ((1u64 << drop) - 1)
    };
    let half = 1u64 << (drop - 1);
    if rem > half || (rem == half && (sticky || m & 1 == 1)) {
        m += 1;
    }
    if precision < 53 {
        // Subnormal (or rounded up to the smallest normal): m units of 2^-1074.
        return f64::from_bits(m);
    }
    let mut e = e2 - 52; // the exponent of m's unit
    if m == 1 << 53 {
        m >>= 1;
        e += 1;
    }
    let biased = e + 52 + 1023;
    if biased > 2046 {
        return f64::INFINITY;
    }
    f64::from_bits(((biased as u64) << 52) | (m & ((1 << 52) - 1)))
}

/// A decimal exponent's digits as an `i64`, saturating far past any double's range.
fn exp_value(neg: bool, digits: &[u8]) -> i64 {
    let v = digits
        .iter()
        .fold(0i64, |v, &c| (v * 10 + i64::from(c - b'0')).min(1 << 40));
    if neg {
        -v
    } else {
        v
    }
}

/// `str::parse::<f64>` of `s`, exactly: an optional sign, then `inf`, `infinity` or `nan`
/// (any case), or digits with an optional point and an optional exponent
/// (`e`/`E`, optional sign, digits), at least one digit before or after the point; nothing
/// else, no white space.
pub(crate) fn parse_f64(s: &[u8]) -> Option<f64> {
    let (neg, rest) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let sign = if neg { -1.0 } else { 1.0 };
    if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
        return Some(sign * f64::INFINITY);
    }
    if rest.eq_ignore_ascii_case(b"nan") {
        return Some(f64::NAN);
    }
    let digits_at = |from: usize| {
        from + rest[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let int_end = digits_at(0);
    let (frac, mut j) = if rest.get(int_end) == Some(&b'.') {
        let end = digits_at(int_end + 1);
        (&rest[int_end + 1..end], end)
    } else {
        (&rest[..0], int_end)
    };
    if int_end == 0 && frac.is_empty() {
        return None;
    }
    let mut exp = 0;
    if matches!(rest.get(j), Some(b'e' | b'E')) {
        let eneg = rest.get(j + 1) == Some(&b'-');
        let d0 = j + 1 + usize::from(matches!(rest.get(j + 1), Some(b'+' | b'-')));
        let end = digits_at(d0);
        if end == d0 {
            return None;
        }
        exp = exp_value(eneg, &rest[d0..end]);
        j = end;
    }
    if j != rest.len() {
        return None;
    }
    Some(sign * decimal_to_f64(&rest[..int_end], frac, exp))
}

#[cfg(test)]
mod decimal_tests {
    use super::parse_f64;
    use crate::rng::Rng;

    /// Our parser and std's agree bit for bit (NaN with NaN) on `s`.
    fn same(s: &str) {
        let ours = parse_f64(s.as_bytes());
        let std = s.parse::<f64>().ok();
        match (ours, std) {
            (Some(a), Some(b)) if a.is_nan() && b.is_nan() => {}
            (Some(a), Some(b)) => assert_eq!(a.to_bits(), b.to_bits(), "{s}: {a:e} vs {b:e}"),
            (a, b) => assert_eq!(a.is_some(), b.is_some(), "{s}: accepted differently"),
        }
    }

    #[test]
    fn grammar_and_edge_values_match_std() {
        for s in [
            "0",
            "-0",
            "+0",
            "0.0",
            ".5",
            "5.",
            ".",
            "",
            "+",
            "-",
            "e5",
            "1e",
            "1e+",
            "1e-",
            "1E5",
            "1e+5",
            "1e-5",
            "1.5e3",
            " 1",
            "1 ",
            "0x10",
            "1_000",
            "inf",
            "-inf",
            "Infinity",
            "INF",
            "infinit",
            "nan",
            "NaN",
            "-nan",
            "+inf",
            "1.2.3",
            "1e5e5",
            "00000000000000000000000123.4500000000000000000000e-0000000000000000002",
            "9007199254740993",
            "9007199254740992",
            "9007199254740994",
            "9007199254740995",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "1e309",
            "1e308",
            "2.2250738585072011e-308",
            "2.2250738585072012e-308",
            "2.2250738585072014e-308",
            "4.9406564584124654e-324",
            "5e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "2.47032822920623272e-324",
            "1e-324",
            "1e-400",
            "1e99999999999999999999",
            "1e-99999999999999999999",
            "0e99999999999999999999",
            "123456789012345678901234567890e-40",
            "0.1",
            "0.2",
            "0.3",
            "3.14159",
            "1e22",
            "1e23",
            "9999999999999999e22",
            "123456789012345e-22",
        ] {
            same(s);
        }
    }

    #[test]
    fn random_doubles_printed_every_way_match_std() {
        let mut r = Rng::new(0x2545_F491_4F6C_DD1D);
        for _ in 0..20_000 {
            let x = f64::from_bits(r.next_u64() >> 1);
            if !x.is_finite() {
                continue;
            }
            same(&format!("{x}"));
            same(&format!("{x:e}"));
            let p = (r.next_u64() % 25) as usize;
            same(&format!("{x:.p$e}"));
            if x.abs() < 1e30 {
                same(&format!("{x:.p$}"));
            }
        }
    }

    #[test]
    fn random_digit_strings_match_std() {
        let mut r = Rng::new(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let len = 1 + (r.next_u64() % 40) as usize;
            let mut s: String = (0..len)
                .map(|_| char::from(b'0' + (r.next_u64() % 10) as u8))
                .collect();
            if r.next_u64().is_multiple_of(2) {
                let at = (r.next_u64() % (len as u64 + 1)) as usize;
                s.insert(at, '.');
            }
            let e = (r.next_u64() % 800) as i64 - 400;
            same(&format!("{s}e{e}"));
        }
    }

    /// Values exactly halfway between two doubles (ties go to the even one), and a hair
    /// above and below, including decimals far longer than 800 digits.
    #[test]
    fn halfway_cases_match_std() {
        let mut r = Rng::new(77);
        for _ in 0..3_000 {
            let m = (r.next_u64() >> 10) | (1 << 53) | 1; // 54 bits, odd: a halfway mantissa
            let k = (r.next_u64() % 60) as u32;
            let int = u128::from(m) << k; // an integer halfway between two doubles
            same(&int.to_string());
            same(&format!("{int}.000000000000000000000000000001"));
            same(&format!("{}.999999999999999999999999999", int - 1));
            // m × 2^-k = m × 5^k / 10^k.
            let k = (r.next_u64() % 20) as u32;
            let digits = u128::from(m) * 5u128.pow(k);
            same(&format!("{digits}e-{k}"));
            same(&format!("{digits}{}1e-{}", "0".repeat(900), k + 901));
            same(&format!("{}{}e-{}", digits - 1, "9".repeat(900), k + 900));
        }
    }
}
