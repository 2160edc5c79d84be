//! Doubles printed as C's `printf` prints them: `%.Nf` ([`fixed`], [`Fixed`]) and the 17
//! significant digits of `%.17g` ([`sci17`]). Every result is the exact binary value rounded
//! once to the requested decimal place, ties to even (glibc's default rounding mode).
//!
//! The crate (and the browser app) print doubles through here, never through
//! `format!("{:.N}")` or `{:e}`: core::fmt's float printing (Grisu with a Dragon4 fallback and
//! their power tables) would otherwise be linked into the browser's wasm, about 6 KB gzipped
//! (issue #6: download size). Parsing is `strtod`'s job, not this module's.

use std::fmt;

use crate::bignum::Big;

/// `(mantissa, exponent)` with `|v| = mantissa * 2^exponent` exactly, for a finite `v`.
fn decompose(v: f64) -> (u64, i32) {
    let bits = v.to_bits();
    let frac = bits & ((1u64 << 52) - 1);
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), biased - 1075)
    }
}

/// `m * 2^e * 10^s` rounded to an integer, ties to even.
fn scale_round(m: u64, e: i32, s: i32) -> Big {
    // Fast path (most values a server or the browser prints): the product fits in u128.
    if e < 0 && (0..=22).contains(&s) && e > -128 {
        let n = m as u128 * 10u128.pow(s as u32); // < 2^53 * 10^22 < 2^127
        let k = (-e) as u32;
        let q = n >> k;
        let rem = n & ((1u128 << k) - 1);
        let half = 1u128 << (k - 1);
        let up = rem > half || (rem == half && q & 1 == 1);
        return Big::from_u128(q + up as u128);
    }
    // One extra low bit, so that the bit below the result's last one (the half) survives
    // the division by a power of ten as well as the shift.
    let mut n = Big::from_u128(m as u128).shl_bits(e.max(0) as usize + 1);
    if s >= 0 {
        n.mul_pow10(s as u32);
    }
    // Divide by 10^-s, remembering whether anything was lost.
    let mut lost = false;
    let mut t = (-s).max(0) as u32;
    while t > 0 {
        let step = t.min(9);
        lost |= n.divmod_small(10u32.pow(step)) != 0;
        t -= step;
    }
    // Then by 2^-e: the dropped bits decide the rounding, with `lost` below all of them.
    let k = (-e).max(0) as usize + 1;
    let bit = |i: usize| n.0.get(i / 32).is_some_and(|l| l >> (i % 32) & 1 == 1);
    let half = bit(k - 1);
    let below = lost || (0..k - 1).any(bit);
    let odd = bit(k);
    let mut q = n.shr_bits(k);
    if half && (below || odd) {
        q.add_small(1);
    }
    q
}

/// C's `printf("%.{prec}f", v)`.
pub fn fixed(v: f64, prec: usize) -> String {
    let mut out = String::new();
    if v.is_sign_negative() {
        out.push('-');
    }
    if v.is_nan() {
        out.push_str("nan");
        return out;
    }
    if v.is_infinite() {
        out.push_str("inf");
        return out;
    }
    let (m, e) = decompose(v);
    let digits = scale_round(m, e, prec as i32).to_decimal();
    // At least one digit before the point.
    let mut all = String::new();
    for _ in digits.len()..=prec {
        all.push('0');
    }
    all.push_str(&digits);
    let (int, frac) = all.split_at(all.len() - prec);
    out.push_str(int);
    if prec > 0 {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// [`fixed`] with trailing zeros after the point, and then a lone point, removed (Redis's
/// `trimDoubleString` after `%.{prec}f`): `1.50` → `1.5`, `2.000` → `2`. For a double that
/// is the nearest to a decimal with at most `prec` places and 15 significant digits (a
/// virtual time `us / 1000`, a speed of `0.25`), this is also the shortest form that
/// reads back as the same double.
pub fn trimmed(v: f64, prec: usize) -> String {
    let mut s = fixed(v, prec);
    if s.contains('.') {
        let keep = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(keep);
    }
    s
}

/// `{}` of this prints `printf("%.N f")` of the double: `Fixed(x, 1)` in a `format!`
/// where `{x:.1}` would link core's float printing.
#[derive(Clone, Copy, Debug)]
pub struct Fixed(pub f64, pub usize);

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&fixed(self.0, self.1))
    }
}

/// The 17 significant digits of a finite, non-zero `|v|` as `%.17g`/`%.16e` round them, and
/// the decimal exponent of the first: `|v| ≈ digits * 10^(exp - 16)`, `digits` in
/// `[10^16, 10^17)`.
pub fn sci17(v: f64) -> (u64, i32) {
    const LO: u64 = 10_000_000_000_000_000;
    let (m, e) = decompose(v);
    // 2^top <= |v| < 2^(top+1); d = floor(top * log10(2)) is the decimal exponent of the
    // first digit, or one less: the loop corrects it.
    let top = 63 - m.leading_zeros() as i32 + e;
    let mut d = (top as i64 * 78_913).div_euclid(262_144) as i32;
    loop {
        let q = scale_round(m, e, 16 - d);
        let q = if q.bitlen() > 64 {
            u64::MAX
        } else {
            q.low_u64()
        };
        if q >= 10 * LO {
            d += 1;
        } else if q < LO {
            d -= 1;
        } else {
            return (q, d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn c_printf(fmt: &str, v: f64) -> String {
        let mut buf = vec![0u8; 2048];
        let f = std::ffi::CString::new(fmt).unwrap();
        // SAFETY: the buffer is large enough for any %.17g or %.6f of a double (at most
        // 318 characters) and snprintf never writes past its length argument.
        let n = unsafe { libc::snprintf(buf.as_mut_ptr().cast(), buf.len(), f.as_ptr(), v) };
        buf.truncate(n as usize);
        String::from_utf8(buf).unwrap()
    }

    fn c_sci17(v: f64) -> (u64, i32) {
        let s = c_printf("%.16e", v.abs());
        let (mant, exp) = s.split_once('e').unwrap();
        (mant.replace('.', "").parse().unwrap(), exp.parse().unwrap())
    }

    /// Doubles of every shape: random bit patterns (all magnitudes, subnormals), values near
    /// powers of ten, small decimals, and exact binary fractions that are ties when printed.
    fn samples() -> Vec<f64> {
        let mut r = Rng::new(0x9E37_79B9_7F4A_7C15);
        let mut v = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            0.125,
            0.375,
            -0.045,
            1e-7,
            9.5,
            99.95,
            0.05,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            123456789012345680.0,
            9007199254740993.0,
        ];
        for _ in 0..30_000 {
            let x = f64::from_bits(r.next_u64());
            if x.is_finite() {
                v.push(x);
            }
        }
        for _ in 0..10_000 {
            let p = (r.next_u64() % 40) as i32 - 20;
            let x = (r.next_u64() % 1_000_000) as f64 * 10f64.powi(p);
            v.push(if r.next_u64() & 1 == 1 { -x } else { x });
        }
        for _ in 0..10_000 {
            // k / 2^n: exact in binary, often exactly halfway at some decimal place.
            let n = (r.next_u64() % 12) as i32;
            let x = (r.next_u64() % 100_000) as f64 / 2f64.powi(n);
            v.push(x);
        }
        v
    }

    #[test]
    fn fixed_matches_c_printf() {
        for x in samples() {
            for prec in [0usize, 1, 2, 3, 6, 17] {
                assert_eq!(
                    fixed(x, prec),
                    c_printf(&format!("%.{prec}f"), x),
                    "%.{prec}f of {x:e} ({:#x})",
                    x.to_bits()
                );
            }
        }
        for x in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
            assert_eq!(fixed(x, 2), c_printf("%.2f", x));
        }
        assert_eq!(Fixed(2.345, 1).to_string(), "2.3");
        assert_eq!(format!("{}px", Fixed(0.25, 1)), "0.2px");
        assert_eq!(format!("[{:>7}]", Fixed(1.5, 3)), "[  1.500]");
    }

    /// For virtual times (whole microseconds as milliseconds) `trimmed` prints what `{}`
    /// (the shortest round-tripping form) prints.
    #[test]
    fn trimmed_is_shortest_for_short_decimals() {
        let mut r = Rng::new(7);
        for _ in 0..20_000 {
            let us = r.next_u64() % 1_000_000_000_000;
            let ms = us as f64 / 1000.0;
            assert_eq!(trimmed(ms, 3), format!("{ms}"), "{us} us");
        }
        assert_eq!(trimmed(0.25, 2), "0.25");
        assert_eq!(trimmed(0.5, 2), "0.5");
        assert_eq!(trimmed(3.0, 6), "3");
        assert_eq!(trimmed(-0.0000001, 6), "-0");
    }

    #[test]
    fn sci17_matches_c_printf() {
        for x in samples() {
            if x != 0.0 {
                assert_eq!(sci17(x), c_sci17(x), "%.16e of {x:e} ({:#x})", x.to_bits());
            }
        }
    }
}
