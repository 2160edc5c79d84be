//! Ziplist blobs (legacy types 10, 12, 13, 14): parse only.
//!
//! Layout (header little-endian): `u32 zlbytes`, `u32 zltail` (offset of the last entry),
//! `u16 zllen` (65535 = unknown), entries, `0xFF`. An entry is `prevlen` (1 byte if below
//! 254, else `0xFE` + u32 LE), an encoding, and the data.

use super::listpack::LpEntry;

/// Size of the header.
const HEADER: usize = 10;
/// The terminator byte (never a valid prevlen or encoding).
const EOF: u8 = 0xFF;
/// First byte of a 5-byte prevlen.
const BIG_PREVLEN: u8 = 0xFE;

/// Parse a whole ziplist blob, validating header, entries and terminator.
///
/// The checks are those of `ziplistValidateIntegrity` in deep mode: `zlbytes` equals the
/// blob length, every entry has a valid encoding and lies inside the blob, every prevlen
/// equals the size of the previous entry, `zltail` is the offset of the last entry, the
/// count matches the header (unless 65535) and the terminator is the last byte.
pub fn parse(blob: &[u8]) -> Result<Vec<LpEntry>, String> {
    if blob.len() < HEADER + 1 {
        return Err(format!("ziplist too short ({} bytes)", blob.len()));
    }
    let zlbytes = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
    if zlbytes != blob.len() {
        return Err(format!(
            "ziplist header says {zlbytes} bytes but the blob has {}",
            blob.len()
        ));
    }
    let zltail = u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize;
    let zllen = u16::from_le_bytes([blob[8], blob[9]]);
    let end = blob.len() - 1;
    if blob[end] != EOF {
        return Err("ziplist does not end with 0xFF".to_string());
    }
    let mut out = Vec::new();
    let mut p = HEADER;
    let mut prev_size = 0usize;
    let mut last = HEADER;
    while p < end {
        let (entry, size) =
            decode_entry(&blob[p..end]).map_err(|m| format!("ziplist entry at offset {p}: {m}"))?;
        if size.0 != prev_size {
            return Err(format!(
                "ziplist entry at offset {p}: prevlen {} but the previous entry has {prev_size} bytes",
                size.0
            ));
        }
        out.push(entry);
        last = p;
        prev_size = size.1;
        p += size.1;
    }
    if zltail != last {
        return Err(format!(
            "ziplist tail offset {zltail} but the last entry is at {last}"
        ));
    }
    if zllen != u16::MAX && usize::from(zllen) != out.len() {
        return Err(format!(
            "ziplist header says {zllen} entries but it has {}",
            out.len()
        ));
    }
    Ok(out)
}

/// Decode the entry at `b[0]` (`b` ends before the terminator): the entry, its prevlen
/// and its whole size.
fn decode_entry(b: &[u8]) -> Result<(LpEntry, (usize, usize)), &'static str> {
    const TRUNC: &str = "entry runs past the end";
    let (prevlen, mut p) = match b[0] {
        EOF => return Err("terminator before the end of the blob"),
        BIG_PREVLEN => {
            let d = b.get(1..5).ok_or(TRUNC)?;
            (u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as usize, 5)
        }
        n => (usize::from(n), 1),
    };
    let enc = *b.get(p).ok_or(TRUNC)?;
    p += 1;
    let int = |p: usize, n: usize| -> Result<&[u8], &'static str> { b.get(p..p + n).ok_or(TRUNC) };
    let (entry, data_len) = match enc {
        0x00..=0x3F => {
            let len = usize::from(enc & 0x3F);
            (LpEntry::Str(int(p, len)?.to_vec()), len)
        }
        0x40..=0x7F => {
            let lo = *b.get(p).ok_or(TRUNC)?;
            p += 1;
            let len = (usize::from(enc & 0x3F) << 8) | usize::from(lo);
            (LpEntry::Str(int(p, len)?.to_vec()), len)
        }
        0x80..=0xBF => {
            let d = int(p, 4)?;
            let len = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as usize;
            p += 4;
            let s = b.get(p..).and_then(|r| r.get(..len)).ok_or(TRUNC)?;
            (LpEntry::Str(s.to_vec()), len)
        }
        0xC0 => {
            let d = int(p, 2)?;
            (LpEntry::Int(i64::from(i16::from_le_bytes([d[0], d[1]]))), 2)
        }
        0xD0 => {
            let d = int(p, 4)?;
            (
                LpEntry::Int(i64::from(i32::from_le_bytes([d[0], d[1], d[2], d[3]]))),
                4,
            )
        }
        0xE0 => {
            let d = int(p, 8)?;
            let mut w = [0u8; 8];
            w.copy_from_slice(d);
            (LpEntry::Int(i64::from_le_bytes(w)), 8)
        }
        0xF0 => {
            let d = int(p, 3)?;
            let v = i32::from_le_bytes([0, d[0], d[1], d[2]]) >> 8;
            (LpEntry::Int(i64::from(v)), 3)
        }
        0xFE => {
            let d = int(p, 1)?;
            (LpEntry::Int(i64::from(d[0] as i8)), 1)
        }
        0xF1..=0xFD => (LpEntry::Int(i64::from(enc & 0x0F) - 1), 0),
        _ => return Err("invalid encoding byte"),
    };
    Ok((entry, (prevlen, p + data_len)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A minimal ziplist writer for tests (Redis's rules: 1-byte prevlen below 254).
    pub(crate) fn build(entries: &[&[u8]]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut prev = 0usize;
        let mut tail = HEADER;
        for e in entries {
            let start = body.len();
            tail = HEADER + start;
            if prev < 254 {
                body.push(prev as u8);
            } else {
                body.push(0xFE);
                body.extend_from_slice(&(prev as u32).to_le_bytes());
            }
            if e.len() < 64 {
                body.push(e.len() as u8);
            } else if e.len() < 16384 {
                body.push(0x40 | (e.len() >> 8) as u8);
                body.push(e.len() as u8);
            } else {
                body.push(0x80);
                body.extend_from_slice(&(e.len() as u32).to_be_bytes());
            }
            body.extend_from_slice(e);
            prev = body.len() - start;
        }
        let mut out = Vec::new();
        out.extend_from_slice(&((HEADER + body.len() + 1) as u32).to_le_bytes());
        out.extend_from_slice(&(tail as u32).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&body);
        out.push(0xFF);
        out
    }

    #[test]
    fn strings_and_prevlens() {
        let big = vec![b'q'; 300];
        let huge = vec![b'h'; 20000];
        let blob = build(&[b"a", &big, b"b", &huge, b""]);
        let got = parse(&blob).unwrap();
        assert_eq!(
            got,
            vec![
                LpEntry::Str(b"a".to_vec()),
                LpEntry::Str(big.clone()),
                LpEntry::Str(b"b".to_vec()),
                LpEntry::Str(huge),
                LpEntry::Str(vec![]),
            ]
        );
        assert_eq!(parse(&build(&[])).unwrap(), vec![]);
        // Wrong prevlen, wrong tail, wrong count, trailing byte.
        let mut b = build(&[b"a", b"b"]);
        assert!(parse(&b).is_ok());
        b[HEADER + 3] = 2;
        assert!(parse(&b).is_err());
        let mut b = build(&[b"a", b"b"]);
        b[4] += 1;
        assert!(parse(&b).is_err());
        let mut b = build(&[b"a", b"b"]);
        b[8] = 1;
        assert!(parse(&b).is_err());
        b[8] = 0xFF;
        b[9] = 0xFF;
        assert!(parse(&b).is_ok());
        let mut b = build(&[b"a", b"b"]);
        b.push(0);
        assert!(parse(&b).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(items in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..400), 0..20)) {
            let refs: Vec<&[u8]> = items.iter().map(|v| v.as_slice()).collect();
            let got = parse(&build(&refs)).unwrap();
            let want: Vec<LpEntry> = items.into_iter().map(LpEntry::Str).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn hostile(data in proptest::collection::vec(any::<u8>(), 0..120), pos in any::<usize>(), bit in 0u8..8) {
            let _ = parse(&data);
            let mut b = build(&[b"abc", &data, b"x"]);
            let p = pos % b.len();
            b[p] ^= 1 << bit;
            let _ = parse(&b);
        }
    }
}
