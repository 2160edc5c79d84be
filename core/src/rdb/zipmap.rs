//! Zipmap blobs (legacy type 9, Redis ≤ 2.4): parse only.
//!
//! Layout: `u8 count` (254 or more = unknown), then entries `len field len free value
//! <free bytes>` where a len is 1 byte if below 254, else `0xFE` + u32 LE, and free is one
//! byte; then `0xFF`.

/// One zipmap (field, value) pair.
pub type ZipmapPair = (Vec<u8>, Vec<u8>);

/// A length of 254 announces a 4-byte length.
const BIGLEN: u8 = 254;
/// The terminator byte.
const END: u8 = 0xFF;

/// Parse a zipmap blob into (field, value) pairs.
///
/// The checks are those of `zipmapValidateIntegrity` in deep mode: everything inside the
/// blob, at least one pair, the count right unless it is 254 or more, and the terminator
/// as the last byte.
pub fn parse(blob: &[u8]) -> Result<Vec<ZipmapPair>, String> {
    if blob.len() < 2 {
        return Err(format!("zipmap too short ({} bytes)", blob.len()));
    }
    let end = blob.len() - 1;
    if blob[end] != END {
        return Err("zipmap does not end with 0xFF".to_string());
    }
    let trunc = |p: usize| format!("zipmap entry at offset {p} runs past the end");
    let mut out = Vec::new();
    let mut p = 1;
    while p < end && blob[p] != END {
        let start = p;
        let (flen, n) = read_len(&blob[..end], p).ok_or_else(|| trunc(start))?;
        p += n;
        let field = blob
            .get(p..)
            .and_then(|r| r.get(..flen))
            .ok_or_else(|| trunc(start))?;
        p += flen;
        let (vlen, n) = read_len(&blob[..end], p).ok_or_else(|| trunc(start))?;
        p += n;
        let free = usize::from(*blob[..end].get(p).ok_or_else(|| trunc(start))?);
        p += 1;
        let value = blob[..end]
            .get(p..)
            .and_then(|r| r.get(..vlen))
            .ok_or_else(|| trunc(start))?;
        p = p
            .checked_add(vlen)
            .and_then(|q| q.checked_add(free))
            .filter(|&q| q <= end)
            .ok_or_else(|| trunc(start))?;
        out.push((field.to_vec(), value.to_vec()));
    }
    if p != end {
        return Err(format!("zipmap terminator at offset {p}, before the end"));
    }
    if out.is_empty() {
        return Err("zipmap is empty".to_string());
    }
    if blob[0] != BIGLEN && usize::from(blob[0]) != out.len() {
        return Err(format!(
            "zipmap header says {} pairs but it has {}",
            blob[0],
            out.len()
        ));
    }
    Ok(out)
}

/// A zipmap length at `p` (inside `b`): the value and its size.
fn read_len(b: &[u8], p: usize) -> Option<(usize, usize)> {
    match *b.get(p)? {
        BIGLEN => {
            let d = b.get(p + 1..p + 5)?;
            Some((u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as usize, 5))
        }
        END => None,
        n => Some((usize::from(n), 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn hostile(data in proptest::collection::vec(any::<u8>(), 0..120)) {
            let _ = parse(&data);
            let mut framed = vec![1u8];
            framed.extend_from_slice(&data);
            framed.push(0xFF);
            let _ = parse(&framed);
        }
    }

    #[test]
    fn pairs_and_free_bytes() {
        // {"a": "xy", "key": "v"} with 2 free bytes after "v".
        let blob = b"\x02\x01a\x02\x00xy\x03key\x01\x02v\x00\x00\xff";
        assert_eq!(
            parse(blob).unwrap(),
            vec![
                (b"a".to_vec(), b"xy".to_vec()),
                (b"key".to_vec(), b"v".to_vec())
            ]
        );
        let mut unknown = blob.to_vec();
        unknown[0] = 254;
        assert_eq!(parse(&unknown).unwrap().len(), 2);
        let mut wrong = blob.to_vec();
        wrong[0] = 3;
        assert!(parse(&wrong).is_err());
        assert!(parse(b"\x00\xff").is_err());
        assert!(parse(&blob[..blob.len() - 2]).is_err());
        let mut trailing = blob.to_vec();
        trailing.insert(blob.len() - 1, 0xFF);
        assert!(parse(&trailing).is_err());
        // A 4-byte length.
        let mut big = vec![1u8, 0xFE, 0x2C, 1, 0, 0];
        big.extend_from_slice(&[b'f'; 300]);
        big.extend_from_slice(&[1, 0, b'v', 0xFF]);
        let got = parse(&big).unwrap();
        assert_eq!(got[0].0.len(), 300);
        assert_eq!(got[0].1, b"v");
    }
}
