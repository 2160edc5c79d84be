//! Number parsing and formatting with Redis's exact rules (`string2ll`, `string2ld`,
//! `d2string`), shared by every command.

/// Parse a canonical signed 64-bit integer as Redis's `string2ll` does: optional `-`, no `+`,
/// no leading zeros (except `0` itself), no spaces, at most 20 characters.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    crate::resp::string2ll(s)
}

/// Parse an unsigned 64-bit integer with `string2ull`-like strictness (used for cursors).
pub fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || (s.len() > 1 && s[0] == b'0') {
        return None;
    }
    let mut v: u64 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    Some(v)
}

/// A formatted integer, on the stack.
pub struct IntStr {
    buf: [u8; 20],
    start: usize,
}

impl IntStr {
    /// The digits.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
    /// The digits as a `str`.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and '-' are ever written.
        std::str::from_utf8(self.as_bytes()).unwrap_or("0")
    }
}

/// Format an integer without allocating.
pub fn fmt_i64(n: i64) -> IntStr {
    let mut buf = [0u8; 20];
    let mut i = 20;
    let neg = n < 0;
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if neg {
        i -= 1;
        buf[i] = b'-';
    }
    IntStr { buf, start: i }
}

/// Parse a double as Redis's `string2d` (`getDoubleFromObject`): the whole string is a
/// `strtod` number (hex floats included), no leading space, not NaN, no overflow and no
/// underflow to zero. Accepts `inf`, `-inf`, `+inf` in any case.
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    crate::strtod::string2d(s)
}

/// Format a double as Redis 7.0's `d2string` (RESP2 `addReplyDouble`, ZSCORE, ZINCRBY):
/// `inf`/`-inf`, integral values below 2^52 in magnitude as integers, else `%.17g`.
pub fn fmt_f64(d: f64) -> String {
    if d.is_nan() {
        return "nan".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // d2string's fast path: -(2^52 - 1) < d < 2^52 and integral.
    if d > -4503599627370495.0 && d < 4503599627370496.0 && d.fract() == 0.0 {
        return fmt_i64(d as i64).as_str().to_string();
    }
    fmt_g17(d)
}

/// C's `printf("%.17g", d)` for a finite, non-zero double.
pub fn fmt_g17(d: f64) -> String {
    // 17 significant digits in scientific form, correctly rounded.
    let (q, exp) = crate::dtoa::sci17(d);
    let neg = d < 0.0;
    let digits = q.to_string();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-4..17).contains(&exp) {
        // %e style: d.dddde±XX, trailing zeros removed.
        let (first, rest) = digits.split_at(1);
        let rest = rest.trim_end_matches('0');
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
    } else if exp >= 0 {
        let e = exp as usize;
        let (int_part, frac) = digits.split_at(e + 1);
        out.push_str(int_part);
        let frac = frac.trim_end_matches('0');
        if !frac.is_empty() {
            out.push('.');
            out.push_str(frac);
        }
    } else {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits.trim_end_matches('0'));
    }
    out
}

/// `v.sort_by(cmp)`: a stable sort. With the `full` feature (native builds) it is exactly
/// the standard library's; without it (the browser build) it is [`sort_by_order`], the same
/// order from one shared copy of the sorting code instead of one per element type (each
/// standard stable sort instantiation is about 4 KB of wasm: issue #6).
#[inline]
pub fn sort_by<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> std::cmp::Ordering) {
    #[cfg(feature = "full")]
    v.sort_by(cmp);
    #[cfg(not(feature = "full"))]
    sort_by_order(v, &cmp);
}

/// `v.sort_unstable()` in native builds; [`sort_by_order`] (the one shared sort) without
/// the `full` feature, like [`sort_by`]. For values whose equal elements are identical
/// (integers), where stable and unstable orders are the same.
#[inline]
pub fn sort_unstable<T: Ord>(v: &mut [T]) {
    #[cfg(feature = "full")]
    v.sort_unstable();
    #[cfg(not(feature = "full"))]
    sort_by_order(v, &Ord::cmp);
}

/// A stable sort of `v` by `cmp` that sorts the indices `0..v.len()` (one non-generic
/// stable sort of `usize` through a `dyn` comparison) and then moves the elements into
/// that order, in place, one permutation cycle at a time. Same result as `v.sort_by(cmp)`.
pub fn sort_by_order<T>(v: &mut [T], cmp: &dyn Fn(&T, &T) -> std::cmp::Ordering) {
    let mut order = sorted_indices(v.len(), &|a, b| cmp(&v[a], &v[b]));
    // order[j] is the index of the element that belongs at j.
    for i in 0..order.len() {
        let mut j = i;
        loop {
            let k = order[j];
            order[j] = j;
            if k == i {
                break;
            }
            v.swap(j, k);
            j = k;
        }
    }
}

/// The indices `0..n` stably sorted by `cmp` (the one stable sort [`sort_by_order`] uses).
fn sorted_indices(n: usize, cmp: &dyn Fn(usize, usize) -> std::cmp::Ordering) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|a, b| cmp(*a, *b));
    idx
}

/// True when no two of `items` are equal (duplicate members in a dump). Small collections,
/// the common case, are compared pairwise without allocating; larger ones go through a
/// fixed-seed hash set.
pub fn all_distinct<'a, T>(items: impl IntoIterator<Item = T>) -> bool
where
    T: Eq + std::hash::Hash + 'a,
{
    const PAIRWISE_MAX: usize = 16;
    let v: smallvec::SmallVec<[T; PAIRWISE_MAX]> = items.into_iter().collect();
    if v.len() <= PAIRWISE_MAX {
        return v
            .iter()
            .enumerate()
            .all(|(i, a)| v[i + 1..].iter().all(|b| a != b));
    }
    let mut seen: std::collections::HashSet<&T, crate::keyspace::Hasher> =
        std::collections::HashSet::with_capacity_and_hasher(v.len(), Default::default());
    v.iter().all(|x| seen.insert(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_by_order_is_the_standard_stable_sort() {
        // Pseudo-random keys with many ties (stability shows), every length up to 200.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for n in 0..200usize {
            let v: Vec<(u8, usize)> = (0..n)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    ((x % 7) as u8, i)
                })
                .collect();
            let mut std_sorted = v.clone();
            std_sorted.sort_by_key(|p| p.0);
            let mut ours = v.clone();
            sort_by_order(&mut ours, &|a, b| a.0.cmp(&b.0));
            assert_eq!(ours, std_sorted, "n = {n}");
            let mut via = v.clone();
            sort_by(&mut via, |a, b| b.0.cmp(&a.0));
            std_sorted.sort_by_key(|p| std::cmp::Reverse(p.0));
            assert_eq!(via, std_sorted, "n = {n}, reversed");
            let mut ints: Vec<u8> = v.iter().map(|p| p.0).collect();
            let mut std_ints = ints.clone();
            std_ints.sort_unstable();
            sort_unstable(&mut ints);
            assert_eq!(ints, std_ints, "n = {n}, integers");
        }
    }

    #[test]
    fn all_distinct_small_and_large() {
        assert!(all_distinct(Vec::<&[u8]>::new()));
        assert!(all_distinct([&b"a"[..], b"b", b"c"]));
        assert!(!all_distinct([&b"a"[..], b"b", b"a"]));
        let many: Vec<Vec<u8>> = (0..100).map(|i| format!("m{i}").into_bytes()).collect();
        assert!(all_distinct(many.iter().map(Vec::as_slice)));
        let mut dup = many.clone();
        dup.push(b"m42".to_vec());
        assert!(!all_distinct(dup.iter().map(Vec::as_slice)));
        assert!(!all_distinct((0..40).map(|i| i % 39)));
    }

    #[test]
    fn string2ll_rules() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-1"), Some(-1));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"01"), None);
        assert_eq!(parse_i64(b"+1"), None);
        assert_eq!(parse_i64(b" 1"), None);
        assert_eq!(parse_i64(b"-0"), None);
        assert_eq!(parse_i64(b""), None);
    }

    #[test]
    fn d2string_matches_printf() {
        assert_eq!(fmt_f64(1.5), "1.5");
        assert_eq!(fmt_f64(3.0), "3");
        assert_eq!(fmt_f64(1.1), "1.1000000000000001");
        assert_eq!(fmt_f64(0.1), "0.10000000000000001");
        assert_eq!(fmt_f64(1e20), "1e+20");
        assert_eq!(fmt_f64(1.5e-7), "1.4999999999999999e-07");
        assert_eq!(fmt_f64(f64::INFINITY), "inf");
        assert_eq!(fmt_f64(-2.5), "-2.5");
        assert_eq!(fmt_i64(i64::MIN).as_str(), "-9223372036854775808");
    }
}
