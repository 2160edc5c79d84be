//! A small software model of C's `long double` on x86-64 (the x87 80-bit extended format:
//! 64-bit mantissa with explicit integer bit, 15-bit exponent, subnormals), just enough for
//! Redis's `INCRBYFLOAT` and `HINCRBYFLOAT`:
//!
//! * [`LongDouble::parse`]: Redis's `string2ld` (glibc `strtold`, correctly rounded, ties to
//!   even; no leading space, no NaN, no overflow to infinity, no underflow to zero);
//! * [`LongDouble::add`]: `a + b` correctly rounded to 64 mantissa bits, ties to even;
//! * [`LongDouble::to_human`]: Redis's `ld2string(..., LD_STR_HUMAN)` (`%.17Lf` with trailing
//!   zeros and a trailing dot removed, `-0` printed as `0`).
//!
//! Exactness matters because Redis prints the result with 17 decimals: an `f64` computation
//! gives visibly different strings (`10.5 + 0.1` is `10.6` in Redis, `10.59999999999999964`
//! with doubles). All arithmetic is exact on big integers, then rounded once.

use std::cmp::Ordering;

use crate::bignum::Big;
use crate::cmd::RedisError;

/// Exponent of the least significant mantissa bit of the smallest subnormal (2^-16445).
const MIN_LSB_EXP: i64 = -16445;
/// Largest exponent of the most significant mantissa bit (normal numbers below 2^16384).
const MAX_TOP_EXP: i64 = 16383;
/// Redis's `MAX_LONG_DOUBLE_CHARS`: `string2ld` rejects inputs of this length or longer.
const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

/// An x87 extended-precision value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LongDouble {
    /// `(-1)^neg * mant * 2^exp`; zero when `mant == 0`. Non-zero values are canonical:
    /// `mant` has its top bit set, or the value is subnormal (`exp` is the minimum).
    Finite {
        /// Sign.
        neg: bool,
        /// Mantissa (integer).
        mant: u64,
        /// Power of two of the mantissa's least significant bit.
        exp: i32,
    },
    /// Signed infinity.
    Inf {
        /// Sign.
        neg: bool,
    },
    /// Not a number.
    Nan,
}

/// Why `INCRBYFLOAT` failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncrFloatError {
    /// The current value or the increment is not a valid float (`string2ld` failed).
    NotFloat,
    /// The sum is NaN or infinite.
    NanOrInf,
}

impl IncrFloatError {
    /// The error reply text Redis uses for `INCRBYFLOAT`.
    pub fn message(self) -> &'static str {
        match self {
            IncrFloatError::NotFloat => "ERR value is not a valid float",
            IncrFloatError::NanOrInf => "ERR increment would produce NaN or Infinity",
        }
    }
}

impl From<IncrFloatError> for RedisError {
    fn from(e: IncrFloatError) -> Self {
        RedisError::from(e.message())
    }
}

/// `INCRBYFLOAT` arithmetic: parse both strings as Redis does, add them in `long double`
/// precision and format the sum in Redis's human-friendly form.
pub fn incr_by_float(current: &[u8], incr: &[u8]) -> Result<Vec<u8>, IncrFloatError> {
    let a = LongDouble::parse(current).ok_or(IncrFloatError::NotFloat)?;
    let b = LongDouble::parse(incr).ok_or(IncrFloatError::NotFloat)?;
    let sum = a + b;
    if !sum.is_finite() {
        return Err(IncrFloatError::NanOrInf);
    }
    Ok(sum.to_human().into_bytes())
}

impl LongDouble {
    /// Positive zero.
    pub const ZERO: LongDouble = LongDouble::Finite {
        neg: false,
        mant: 0,
        exp: 0,
    };

    /// The exact value of an integer.
    pub fn from_i64(v: i64) -> LongDouble {
        round(v < 0, v.unsigned_abs() as u128, 0, false)
    }

    /// True unless infinite or NaN.
    pub fn is_finite(self) -> bool {
        matches!(self, LongDouble::Finite { .. })
    }

    /// True for NaN.
    pub fn is_nan(self) -> bool {
        matches!(self, LongDouble::Nan)
    }

    /// True for an infinity.
    pub fn is_inf(self) -> bool {
        matches!(self, LongDouble::Inf { .. })
    }

    /// Parse as Redis's `string2ld`: `strtold` must consume the whole string (up to an
    /// embedded NUL, as C sees it), the first byte must not be a space, and NaN, overflow to
    /// infinity and underflow to zero are rejected. `inf`/`infinity` are accepted.
    pub fn parse(s: &[u8]) -> Option<LongDouble> {
        if s.is_empty() || s.len() >= MAX_LONG_DOUBLE_CHARS {
            return None;
        }
        // C sees the buffer up to its first NUL.
        let s = match s.iter().position(|&c| c == 0) {
            Some(p) => &s[..p],
            None => s,
        };
        if s.is_empty() {
            // strtold("") converts nothing, returns 0 and leaves eptr at the NUL.
            return Some(LongDouble::ZERO);
        }
        if is_c_space(s[0]) {
            return None;
        }
        let (v, used, range_err) = strtold(s)?;
        if used != s.len() {
            return None;
        }
        match v {
            LongDouble::Nan => None,
            LongDouble::Inf { .. } if range_err => None,
            LongDouble::Finite { mant: 0, .. } if range_err => None,
            v => Some(v),
        }
    }

    /// `self + other` rounded to nearest, ties to even (x87 extended precision).
    pub fn sum(self, other: LongDouble) -> LongDouble {
        use LongDouble::*;
        match (self, other) {
            (Nan, _) | (_, Nan) => Nan,
            (Inf { neg: a }, Inf { neg: b }) => {
                if a == b {
                    Inf { neg: a }
                } else {
                    Nan
                }
            }
            (Inf { neg }, _) | (_, Inf { neg }) => Inf { neg },
            (
                Finite {
                    neg: na,
                    mant: ma,
                    exp: ea,
                },
                Finite {
                    neg: nb,
                    mant: mb,
                    exp: eb,
                },
            ) => {
                if ma == 0 && mb == 0 {
                    return Finite {
                        neg: na && nb,
                        mant: 0,
                        exp: 0,
                    };
                }
                if ma == 0 {
                    return other;
                }
                if mb == 0 {
                    return self;
                }
                let e = ea.min(eb) as i64;
                let a = Big::from_u128(ma as u128).shl_bits((ea as i64 - e) as usize);
                let b = Big::from_u128(mb as u128).shl_bits((eb as i64 - e) as usize);
                let (neg, sum) = if na == nb {
                    (na, a.add_big(&b))
                } else {
                    match a.cmp_big(&b) {
                        Ordering::Equal => return LongDouble::ZERO,
                        Ordering::Greater => (na, a.sub_big(&b)),
                        Ordering::Less => (nb, b.sub_big(&a)),
                    }
                };
                let (m, sh, sticky) = sum.top128();
                round(neg, m, e + sh as i64, sticky)
            }
        }
    }

    /// C's `printf("%.17Lf")` of a finite value (exact binary value rounded to 17 decimals,
    /// ties to even). `inf`/`-inf`/`nan` for the others, as glibc prints them.
    pub fn to_fixed17(self) -> String {
        let (neg, mant, exp) = match self {
            LongDouble::Nan => return "nan".into(),
            LongDouble::Inf { neg } => return if neg { "-inf".into() } else { "inf".into() },
            LongDouble::Finite { neg, mant, exp } => (neg, mant, exp),
        };
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        if exp >= 0 {
            out.push_str(
                &Big::from_u128(mant as u128)
                    .shl_bits(exp as usize)
                    .to_decimal(),
            );
            out.push_str(".00000000000000000");
            return out;
        }
        const P17: u128 = 100_000_000_000_000_000;
        let n = mant as u128 * P17; // < 2^121
        let k = (-(exp as i64)) as u32;
        let q = if k >= 122 {
            0 // below 2^(k-1): less than half a unit of the 17th decimal
        } else {
            let q = n >> k;
            let rem = n & ((1u128 << k) - 1);
            let half = 1u128 << (k - 1);
            if rem > half || (rem == half && q & 1 == 1) {
                q + 1
            } else {
                q
            }
        };
        // At least 18 digits: one before the point (core's u128 printing is not linked in the
        // browser build; issue #6).
        let mut digits = Big::from_u128(q).to_decimal();
        while digits.len() < 18 {
            digits.insert(0, '0');
        }
        let (int, frac) = digits.split_at(digits.len() - 17);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
        out
    }

    /// Redis's `ld2string(value, LD_STR_HUMAN)`: `%.17Lf`, trailing zeros after the dot and
    /// then the dot removed, `-0` turned into `0`.
    pub fn to_human(self) -> String {
        let mut s = self.to_fixed17();
        if s.contains('.') {
            let trimmed = s.trim_end_matches('0').len();
            s.truncate(trimmed);
            if s.ends_with('.') {
                s.pop();
            }
        }
        if s == "-0" {
            s = "0".into();
        }
        s
    }
}

impl std::ops::Add for LongDouble {
    type Output = LongDouble;
    /// [`LongDouble::sum`].
    fn add(self, other: LongDouble) -> LongDouble {
        self.sum(other)
    }
}

/// C `isspace` in the C locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// glibc `strtold` on `s` (no leading whitespace): the value, the number of bytes consumed
/// (0: no conversion) and whether `ERANGE` would be set. `None` when nothing converts.
fn strtold(s: &[u8]) -> Option<(LongDouble, usize, bool)> {
    let mut i = 0;
    let neg = match s.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let rest = &s[i..];
    let starts_ci = |t: &[u8], p: &[u8]| t.len() >= p.len() && t[..p.len()].eq_ignore_ascii_case(p);
    if starts_ci(rest, b"inf") {
        let n = if starts_ci(rest, b"infinity") { 8 } else { 3 };
        return Some((LongDouble::Inf { neg }, i + n, false));
    }
    if starts_ci(rest, b"nan") {
        // Whatever follows, the value is NaN, which string2ld rejects.
        return Some((LongDouble::Nan, i + 3, false));
    }
    if rest.len() >= 3 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        if let Some((v, n, e)) = parse_hex(neg, &rest[2..]) {
            return Some((v, i + 2 + n, e));
        }
        // "0x" without hex digits: only the "0" converts.
        return Some((signed_zero(neg), i + 1, false));
    }
    let (v, n, e) = parse_dec(neg, rest)?;
    Some((v, i + n, e))
}

fn signed_zero(neg: bool) -> LongDouble {
    LongDouble::Finite {
        neg,
        mant: 0,
        exp: 0,
    }
}

/// Parse an optional exponent `[eEpP][+-]digits` at `s` (the marker already checked by the
/// caller); returns (value saturated to +-10^9, bytes consumed) or `None` if malformed (then
/// the marker is not part of the number).
fn parse_exp(s: &[u8]) -> Option<(i64, usize)> {
    let mut i = 1;
    let mut neg = false;
    if let Some(&c) = s.get(i) {
        if c == b'+' || c == b'-' {
            neg = c == b'-';
            i += 1;
        }
    }
    let start = i;
    let mut v: i64 = 0;
    while let Some(&c) = s.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        v = (v * 10 + (c - b'0') as i64).min(1_000_000_000);
        i += 1;
    }
    if i == start {
        return None;
    }
    Some((if neg { -v } else { v }, i))
}

/// Decimal mantissa and exponent: `(value, consumed, erange)`, `None` without digits.
fn parse_dec(neg: bool, s: &[u8]) -> Option<(LongDouble, usize, bool)> {
    let mut i = 0;
    let mut digits: Vec<u8> = Vec::new(); // significant digits, leading zeros dropped
    let mut any = false;
    let mut exp10: i64 = 0; // value = digits * 10^exp10
    let mut seen_dot = false;
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() {
            any = true;
            if !(digits.is_empty() && c == b'0') {
                digits.push(c - b'0');
            }
            if seen_dot {
                exp10 -= 1;
            }
        } else if c == b'.' && !seen_dot {
            seen_dot = true;
        } else {
            break;
        }
        i += 1;
    }
    if !any {
        return None;
    }
    if i < s.len() && (s[i] | 0x20) == b'e' {
        if let Some((e, n)) = parse_exp(&s[i..]) {
            exp10 += e;
            i += n;
        }
    }
    // Trailing zeros of the mantissa move into the exponent.
    while digits.last() == Some(&0) {
        digits.pop();
        exp10 += 1;
    }
    if digits.is_empty() {
        return Some((signed_zero(neg), i, false));
    }
    let nd = digits.len() as i64;
    // value in [10^(exp10+nd-1), 10^(exp10+nd)); max ~1.19e4932, min subnormal ~3.6e-4951.
    if exp10 + nd - 1 > 4933 {
        return Some((LongDouble::Inf { neg }, i, true));
    }
    if exp10 + nd < -4952 {
        return Some((signed_zero(neg), i, true));
    }
    let mut n = Big::zero();
    for chunk in digits.chunks(9) {
        let mut v = 0u32;
        for &d in chunk {
            v = v * 10 + d as u32;
        }
        n.mul_small(10u32.pow(chunk.len() as u32));
        n.add_small(v);
    }
    let v = if exp10 >= 0 {
        n.mul_pow10(exp10 as u32);
        let (m, sh, sticky) = n.top128();
        round(neg, m, sh as i64, sticky)
    } else {
        let mut d = Big::from_u128(1);
        d.mul_pow10((-exp10) as u32);
        let (m, e2, sticky) = div_bits(&n, &d);
        round(neg, m, e2, sticky)
    };
    Some((v, i, range_error(v)))
}

/// Hex mantissa (after `0x`) and optional binary exponent.
fn parse_hex(neg: bool, s: &[u8]) -> Option<(LongDouble, usize, bool)> {
    let mut i = 0;
    let mut n = Big::zero();
    let mut any = false;
    let mut exp2: i64 = 0;
    let mut seen_dot = false;
    let mut significant = false;
    while i < s.len() {
        let c = s[i];
        if let Some(d) = (c as char).to_digit(16) {
            any = true;
            // Cap the mantissa at ~200 significant bits; the rest only matters as sticky.
            if significant && n.bitlen() > 200 {
                if d != 0 {
                    n.set_low_bit();
                }
                if !seen_dot {
                    exp2 += 4;
                }
            } else {
                n.mul_small(16);
                n.add_small(d);
                significant |= d != 0;
                if seen_dot {
                    exp2 -= 4;
                }
            }
        } else if c == b'.' && !seen_dot {
            seen_dot = true;
        } else {
            break;
        }
        i += 1;
    }
    if !any {
        return None;
    }
    if i < s.len() && (s[i] | 0x20) == b'p' {
        if let Some((e, k)) = parse_exp(&s[i..]) {
            exp2 += e;
            i += k;
        }
    }
    if n.is_zero() {
        return Some((signed_zero(neg), i, false));
    }
    let top = n.bitlen() as i64 + exp2;
    if top > MAX_TOP_EXP + 2 {
        return Some((LongDouble::Inf { neg }, i, true));
    }
    if top < MIN_LSB_EXP - 2 {
        return Some((signed_zero(neg), i, true));
    }
    let (m, sh, sticky) = n.top128();
    let v = round(neg, m, exp2 + sh as i64, sticky);
    Some((v, i, range_error(v)))
}

/// ERANGE as strtold reports it: overflow to infinity, or a subnormal/zero result.
fn range_error(v: LongDouble) -> bool {
    match v {
        LongDouble::Inf { .. } => true,
        LongDouble::Finite { mant, .. } => mant >> 63 == 0,
        LongDouble::Nan => false,
    }
}

/// Round `(m + frac) * 2^e2` (`sticky`: a non-zero fraction below `m`'s last bit) to the
/// extended format, nearest, ties to even. With `sticky`, `m` must have at least 66 bits.
fn round(neg: bool, m: u128, e2: i64, sticky: bool) -> LongDouble {
    if m == 0 {
        return signed_zero(neg);
    }
    let bl = 128 - m.leading_zeros() as i64;
    let top = e2 + bl - 1;
    let mut lsb = (top - 63).max(MIN_LSB_EXP);
    let shift = lsb - e2;
    let mut kept: u128 = if shift <= 0 {
        // Exact (at most 64 significant bits); sticky would be below the last kept bit,
        // which the callers never produce.
        m << (-shift) as u32
    } else if shift >= 128 {
        // Everything is below the last bit: m < 2^128 <= 2^(shift) so below half unless
        // shift == 128 and the top bit is set.
        if shift == 128 && (m >> 127) == 1 && (m << 1 != 0 || sticky) {
            1
        } else {
            0
        }
    } else {
        let s = shift as u32;
        let q = m >> s;
        let rem = m & ((1u128 << s) - 1);
        let half = 1u128 << (s - 1);
        let up = rem > half || (rem == half && (sticky || q & 1 == 1));
        q + up as u128
    };
    if kept >> 64 != 0 {
        kept >>= 1;
        lsb += 1;
    }
    if kept == 0 {
        return signed_zero(neg);
    }
    if lsb + 63 > MAX_TOP_EXP {
        return LongDouble::Inf { neg };
    }
    LongDouble::Finite {
        neg,
        mant: kept as u64,
        exp: lsb as i32,
    }
}

/// `n / d` as `(q, e2, sticky)` with `q * 2^e2` the quotient truncated to 66-67 bits.
fn div_bits(n: &Big, d: &Big) -> (u128, i64, bool) {
    let s = d.bitlen() as i64 - n.bitlen() as i64 + 66;
    let (mut r, den) = if s >= 0 {
        (n.shl_bits(s as usize), d.clone())
    } else {
        (n.clone(), d.shl_bits((-s) as usize))
    };
    let mut q: u128 = 0;
    let mut t = den.shl_bits(67);
    for i in (0..=67).rev() {
        if r.cmp_big(&t) != Ordering::Less {
            r = r.sub_big(&t);
            q |= 1u128 << i;
        }
        t = t.shr1();
    }
    (q, -s, !r.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(a: &str, b: &str) -> String {
        match incr_by_float(a.as_bytes(), b.as_bytes()) {
            Ok(v) => String::from_utf8(v).unwrap(),
            Err(e) => e.message().to_string(),
        }
    }

    #[test]
    fn top128_extracts_high_bits() {
        let b = Big::from_u128(u128::MAX)
            .shl_bits(40)
            .add_big(&Big::from_u128(5));
        let (m, sh, sticky) = b.top128();
        assert_eq!(m, u128::MAX);
        assert_eq!(sh, 40);
        assert!(sticky);
        let (m, sh, sticky) = Big::from_u128(12345).top128();
        assert_eq!((m, sh, sticky), (12345, 0, false));
        let b = Big::from_u128(0b1011).shl_bits(130);
        let (m, sh, sticky) = b.top128();
        assert_eq!((m, sh, sticky), (0b1011 << 124, 6, false));
    }

    #[test]
    fn exact_values() {
        assert_eq!(LongDouble::parse(b"1"), Some(LongDouble::from_i64(1)));
        assert_eq!(
            LongDouble::parse(b"1.5"),
            Some(LongDouble::Finite {
                neg: false,
                mant: 3 << 62,
                exp: -63
            })
        );
        assert_eq!(LongDouble::parse(b"0x1.8p1").unwrap().to_human(), "3");
        assert_eq!(h("0.5", "0.25"), "0.75");
    }

    #[test]
    fn basic_sums() {
        assert_eq!(h("10.5", "0.1"), "10.6");
        assert_eq!(h("0", "1e-18"), "0");
        assert_eq!(h("-1", "1"), "0");
        assert_eq!(h("-0", "-0"), "0");
        assert_eq!(
            h("1e4932", "1e4932"),
            "ERR increment would produce NaN or Infinity"
        );
        assert_eq!(h("1e5000", "1"), "ERR value is not a valid float");
        assert_eq!(h("1e-5000", "1"), "ERR value is not a valid float");
        assert_eq!(h(" 1", "1"), "ERR value is not a valid float");
        assert_eq!(h("1 ", "1"), "ERR value is not a valid float");
        assert_eq!(h("nan", "1"), "ERR value is not a valid float");
        assert_eq!(h("inf", "1"), "ERR increment would produce NaN or Infinity");
    }

    #[test]
    fn subnormals_round_trip() {
        // Smallest subnormal parses (ERANGE but non-zero: accepted).
        let v = LongDouble::parse(b"4e-4951").unwrap();
        assert_eq!(
            v,
            LongDouble::Finite {
                neg: false,
                mant: 1,
                exp: -16445
            }
        );
        assert_eq!(LongDouble::parse(b"1e-4952"), None);
    }
}
