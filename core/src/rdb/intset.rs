//! Intset blobs (type 11): parse and write.
//!
//! Layout (all little-endian): `u32 encoding` (2, 4 or 8: bytes per element), `u32 count`,
//! then `count` elements sorted ascending without duplicates.

/// Size of the header (encoding and count).
const HEADER: usize = 8;

/// Parse an intset blob: encoding (2, 4 or 8), count, sorted unique little-endian integers.
///
/// Validates like `intsetValidateIntegrity` in deep mode (redis-check-rdb): a known
/// encoding, a size of exactly `8 + count * encoding`, a non-zero count, and strictly
/// ascending elements. See [`parse_shallow`] for what the server itself checks.
pub fn parse(blob: &[u8]) -> Result<Vec<i64>, String> {
    let values = parse_shallow(blob)?;
    if let Some(w) = values.windows(2).position(|w| w[0] >= w[1]) {
        return Err(format!(
            "intset elements not strictly ascending at index {}",
            w + 1
        ));
    }
    Ok(values)
}

/// Parse an intset blob with the server's own (shallow) checks only: encoding, size and a
/// non-zero count. The order of the elements is not checked.
pub fn parse_shallow(blob: &[u8]) -> Result<Vec<i64>, String> {
    if blob.len() < HEADER {
        return Err(format!("intset too short ({} bytes)", blob.len()));
    }
    let encoding = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]);
    let count = u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize;
    let width = match encoding {
        2 | 4 | 8 => encoding as usize,
        e => return Err(format!("intset has an invalid encoding {e}")),
    };
    let body = &blob[HEADER..];
    if count.checked_mul(width) != Some(body.len()) {
        return Err(format!(
            "intset size {} does not match {count} elements of {width} bytes",
            blob.len()
        ));
    }
    if count == 0 {
        return Err("intset is empty".to_string());
    }
    let values = match width {
        2 => body
            .chunks_exact(2)
            .map(|c| i64::from(i16::from_le_bytes([c[0], c[1]])))
            .collect(),
        4 => body
            .chunks_exact(4)
            .map(|c| i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        _ => body
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect(),
    };
    Ok(values)
}

/// Write `values` (any order, no duplicates) as Redis would store them: sorted, with the
/// smallest encoding that fits them all. Duplicates are dropped. An empty slice gives an
/// empty intset with encoding 2 (Redis never writes one).
pub fn write(values: &[i64]) -> Vec<u8> {
    let mut sorted = values.to_vec();
    crate::util::sort_unstable(&mut sorted);
    sorted.dedup();
    let fits = |lo: i64, hi: i64| {
        sorted.first().is_none_or(|&m| m >= lo) && sorted.last().is_none_or(|&m| m <= hi)
    };
    let width: usize = if fits(i16::MIN.into(), i16::MAX.into()) {
        2
    } else if fits(i32::MIN.into(), i32::MAX.into()) {
        4
    } else {
        8
    };
    let mut out = Vec::with_capacity(HEADER + width * sorted.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(
        &u32::try_from(sorted.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    for v in sorted {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{parse, parse_shallow, write};
    use proptest::prelude::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Blobs from `DUMP` of sets on redis-server 7.0.15.
    #[test]
    fn real_blobs() {
        let s16 = unhex("0200000003000000feff01002c01");
        let s32 = unhex("0400000003000000fbffffff0100000070110100");
        let s64 = unhex("0800000003000000f9ffffffffffffff010000000000000000f2052a01000000");
        assert_eq!(parse(&s16).unwrap(), vec![-2, 1, 300]);
        assert_eq!(parse(&s32).unwrap(), vec![-5, 1, 70000]);
        assert_eq!(parse(&s64).unwrap(), vec![-7, 1, 5_000_000_000]);
        assert_eq!(write(&[300, 1, -2]), s16);
        assert_eq!(write(&[1, 70000, -5]), s32);
        assert_eq!(write(&[5_000_000_000, 1, -7]), s64);
    }

    #[test]
    fn invalid_blobs() {
        assert!(parse(&[]).is_err());
        assert!(parse(&unhex("0300000001000000aaaaaa")).is_err());
        assert!(parse(&unhex("0200000000000000")).is_err());
        assert!(parse(&unhex("02000000020000000100")).is_err());
        assert!(parse(&unhex("0200000001000000010000")).is_err());
        assert!(parse(&unhex("020000000200000002000100")).is_err());
        assert_eq!(
            parse_shallow(&unhex("020000000200000002000100")).unwrap(),
            vec![2, 1]
        );
        assert!(parse(&unhex("020000000200000001000100")).is_err());
        assert!(parse(&unhex("02000000ffffffff0100")).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(values in proptest::collection::btree_set(any::<i64>(), 1..50)) {
            let v: Vec<i64> = values.into_iter().collect();
            prop_assert_eq!(parse(&write(&v)).unwrap(), v);
        }

        #[test]
        fn round_trip_small(values in proptest::collection::btree_set(-40000i64..40000, 1..50)) {
            let v: Vec<i64> = values.into_iter().collect();
            prop_assert_eq!(parse(&write(&v)).unwrap(), v);
        }

        #[test]
        fn hostile(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse(&data);
        }
    }
}
