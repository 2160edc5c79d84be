//! LZF, the compression of RDB strings (`0xC3` encoding), as liblzf.
//!
//! The format is a sequence of instructions. A control byte below 32 starts a literal run of
//! `ctrl + 1` bytes; any other control byte is a back reference of `(ctrl >> 5) + 2` bytes
//! (when `ctrl >> 5 == 7` an extra length byte follows and is added), at distance
//! `((ctrl & 0x1F) << 8 | next byte) + 1` from the end of the output. Back references may
//! overlap the bytes they produce.

/// Longest literal run of one instruction.
const MAX_LIT: usize = 32;
/// Longest back reference (7 + 255 extra, plus the implicit 2).
const MAX_REF: usize = 264;
/// Farthest back reference.
const MAX_OFF: usize = 8192;
/// Most output one input byte can produce (a 3-byte back reference of 264 bytes).
const MAX_EXPANSION: usize = MAX_REF / 3;

/// Decompress `input`, which must expand to exactly `ulen` bytes.
/// Never allocates more than `ulen` (the caller bounds `ulen`), nor more than the input can
/// possibly expand to.
pub fn decompress(input: &[u8], ulen: usize) -> Result<Vec<u8>, &'static str> {
    let mut out: Vec<u8> = Vec::with_capacity(ulen.min(input.len().saturating_mul(MAX_EXPANSION)));
    let mut i = 0;
    while i < input.len() {
        let ctrl = usize::from(input[i]);
        i += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            let lit = input
                .get(i..i + run)
                .ok_or("LZF literal runs past the end of the input")?;
            if run > ulen - out.len() {
                return Err("LZF output longer than the uncompressed length");
            }
            out.extend_from_slice(lit);
            i += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += usize::from(*input.get(i).ok_or("LZF back reference truncated")?);
                i += 1;
            }
            let lo = usize::from(*input.get(i).ok_or("LZF back reference truncated")?);
            i += 1;
            len += 2;
            let dist = (((ctrl & 0x1F) << 8) | lo) + 1;
            if dist > out.len() {
                return Err("LZF back reference before the start of the output");
            }
            if len > ulen - out.len() {
                return Err("LZF output longer than the uncompressed length");
            }
            let start = out.len() - dist;
            if dist >= len {
                out.extend_from_within(start..start + len);
            } else {
                // Overlapping: the copy reads bytes it has just written.
                for k in 0..len {
                    let b = out[start + k];
                    out.push(b);
                }
            }
        }
    }
    if out.len() != ulen {
        return Err("LZF output shorter than the uncompressed length");
    }
    Ok(out)
}

/// Compress `input`; `None` when the result would not be smaller (Redis then stores the
/// string plain).
///
/// As Redis's `rdbSaveLzfBlob`, "smaller" means it saves at least 4 bytes (so inputs of 4
/// bytes or less are never compressed). Redis additionally only tries strings longer than
/// 20 bytes when `rdbcompression` is on; that rule is the caller's. The output is valid
/// liblzf data (greedy hash-chain-free matching like liblzf's), not necessarily
/// byte-identical to liblzf's.
pub fn compress(input: &[u8]) -> Option<Vec<u8>> {
    let n = input.len();
    if n <= 4 {
        return None;
    }
    let max_out = n - 4;
    let hlog = (usize::BITS - (n - 1).leading_zeros()).clamp(8, 14);
    // Slot = position + 1 of the last 3-byte sequence with that hash (0 = empty).
    let mut table = vec![0usize; 1 << hlog];
    let hash = |p: usize| -> usize {
        let v = u32::from(input[p]) | u32::from(input[p + 1]) << 8 | u32::from(input[p + 2]) << 16;
        (v.wrapping_mul(0x9E37_79B1) >> (32 - hlog)) as usize
    };
    let mut out: Vec<u8> = Vec::with_capacity(max_out + MAX_LIT + 1);
    let mut lit_start = 0;
    let mut i = 0;
    while i + 2 < n {
        let h = hash(i);
        let cand = table[h];
        table[h] = i + 1;
        if cand != 0 {
            let r = cand - 1;
            let dist = i - r;
            if dist <= MAX_OFF && input[r..r + 3] == input[i..i + 3] {
                let maxlen = (n - i).min(MAX_REF);
                let mut len = 3;
                while len < maxlen && input[r + len] == input[i + len] {
                    len += 1;
                }
                emit_literals(&mut out, &input[lit_start..i]);
                let l = len - 2;
                let off = dist - 1;
                if l < 7 {
                    out.push(((l << 5) | (off >> 8)) as u8);
                } else {
                    out.push(((7 << 5) | (off >> 8)) as u8);
                    out.push((l - 7) as u8);
                }
                out.push((off & 0xFF) as u8);
                if out.len() > max_out {
                    return None;
                }
                // Index the positions inside the match so later data can refer to them.
                let end = i + len;
                let mut p = i + 1;
                while p < end && p + 2 < n {
                    table[hash(p)] = p + 1;
                    p += 1;
                }
                i = end;
                lit_start = i;
                continue;
            }
        }
        i += 1;
        if i - lit_start >= MAX_LIT {
            emit_literals(&mut out, &input[lit_start..i]);
            lit_start = i;
            if out.len() > max_out {
                return None;
            }
        }
    }
    emit_literals(&mut out, &input[lit_start..]);
    if out.len() > max_out {
        return None;
    }
    Some(out)
}

/// Literal runs of at most 32 bytes, each behind its control byte.
fn emit_literals(out: &mut Vec<u8>, mut lit: &[u8]) {
    while !lit.is_empty() {
        let run = lit.len().min(MAX_LIT);
        out.push((run - 1) as u8);
        out.extend_from_slice(&lit[..run]);
        lit = &lit[run..];
    }
}

#[cfg(test)]
mod tests {
    use super::{compress, decompress};
    use proptest::prelude::*;

    #[test]
    fn spec_vectors() {
        // "a" x 21 from a 7.0.15 dump: literal "aa", then 19 bytes at distance 1.
        let a21 = decompress(&[0x01, 0x61, 0x61, 0xE0, 0x0A, 0x00], 21).unwrap();
        assert_eq!(a21, vec![b'a'; 21]);
        let a100 =
            decompress(&[0x01, 0x61, 0x61, 0xE0, 0x57, 0x00, 0x01, 0x61, 0x61], 100).unwrap();
        assert_eq!(a100, vec![b'a'; 100]);
    }

    #[test]
    fn decompress_errors() {
        // Back reference first: before the start of the output.
        assert!(decompress(&[0x20, 0x00], 3).is_err());
        // Literal past the end of the input.
        assert!(decompress(&[0x05, b'a'], 6).is_err());
        // Truncated back references (missing distance; missing extra length).
        assert!(decompress(&[0x00, b'a', 0x20], 4).is_err());
        assert!(decompress(&[0x00, b'a', 0xE0], 12).is_err());
        // Output too long / too short.
        assert!(decompress(&[0x01, b'a', b'b'], 1).is_err());
        assert!(decompress(&[0x01, b'a', b'b'], 3).is_err());
        assert!(decompress(&[0x01, 0x61, 0x61, 0xE0, 0x0A, 0x00], 20).is_err());
        assert_eq!(decompress(&[], 0).unwrap(), Vec::<u8>::new());
        assert!(decompress(&[], 1).is_err());
        // A huge claimed ulen allocates nothing big and fails.
        assert!(decompress(&[0x00, b'a'], usize::MAX).is_err());
    }

    #[test]
    fn compress_small_and_incompressible() {
        assert_eq!(compress(b""), None);
        assert_eq!(compress(b"aaaa"), None);
        assert_eq!(compress(b"abcdefghijklmnopqrstuvwxyz0123456789"), None);
        let c = compress(&[b'a'; 21]).unwrap();
        assert!(c.len() <= 17);
        assert_eq!(decompress(&c, 21).unwrap(), vec![b'a'; 21]);
    }

    #[test]
    fn compress_ratio_on_text() {
        let mut s = Vec::new();
        for i in 0..2000 {
            s.extend_from_slice(format!("user:{i}:name=someone{};", i % 17).as_bytes());
        }
        let c = compress(&s).unwrap();
        assert!(c.len() * 2 < s.len(), "{} vs {}", c.len(), s.len());
        assert_eq!(decompress(&c, s.len()).unwrap(), s);
        // Long runs use the longest back references.
        let z = vec![0u8; 100_000];
        let c = compress(&z).unwrap();
        assert!(c.len() < 1300, "{}", c.len());
        assert_eq!(decompress(&c, z.len()).unwrap(), z);
    }

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), any::<u8>()], 0..3000)) {
            if let Some(c) = compress(&data) {
                prop_assert!(c.len() + 4 <= data.len());
                prop_assert_eq!(decompress(&c, data.len()).unwrap(), data);
            }
        }

        #[test]
        fn hostile_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200), ulen in 0usize..5000) {
            if let Ok(out) = decompress(&data, ulen) {
                prop_assert_eq!(out.len(), ulen);
            }
        }
    }
}
