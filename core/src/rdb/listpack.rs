//! Listpack blobs (types 16–21 and quicklist 2 nodes): parse and write, byte-exact with
//! Redis 7.0's `listpack.c`.
//!
//! Layout: `u32 LE total_bytes`, `u16 LE num_entries` (65535 = unknown), entries, `0xFF`.
//! Each entry is its encoding and data followed by a backlen (the size of encoding and
//! data, 1–5 bytes, readable backwards).

/// Size of the header (total bytes and count).
const HEADER: usize = 6;
/// The terminator byte.
const EOF: u8 = 0xFF;
/// The header count meaning "unknown: count the entries" (`LP_HDR_NUMELE_UNKNOWN`).
pub const NUMELE_UNKNOWN: u16 = u16::MAX;

/// One listpack (or ziplist) entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LpEntry {
    /// An integer-encoded entry.
    Int(i64),
    /// A string entry.
    Str(Vec<u8>),
}

impl LpEntry {
    /// The entry as bytes (integers as decimal text, as Redis returns them).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            LpEntry::Int(n) => n.to_string().into_bytes(),
            LpEntry::Str(s) => s.clone(),
        }
    }
}

/// One entry borrowed from the blob it was parsed from (no allocation per entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpEntryRef<'a> {
    /// An integer-encoded entry.
    Int(i64),
    /// A string entry.
    Str(&'a [u8]),
}

impl LpEntryRef<'_> {
    /// The owned entry.
    pub fn to_owned_entry(&self) -> LpEntry {
        match *self {
            LpEntryRef::Int(n) => LpEntry::Int(n),
            LpEntryRef::Str(s) => LpEntry::Str(s.to_vec()),
        }
    }
}

/// Parse a whole listpack blob, validating header, entries, backlens and terminator.
///
/// The checks are those of `lpValidateIntegrity` in deep mode (redis-check-rdb): the
/// header's total bytes equal the blob length, every entry has a valid encoding and lies
/// inside the blob, every backlen has Redis's size and value, the count matches the header
/// (unless it is 65535), and the terminator is the last byte.
pub fn parse(blob: &[u8]) -> Result<Vec<LpEntry>, String> {
    let mut out = Vec::new();
    walk(blob, |e| out.push(e.to_owned_entry()))?;
    Ok(out)
}

/// [`parse`], borrowing strings from `blob`.
pub fn parse_borrowed(blob: &[u8]) -> Result<Vec<LpEntryRef<'_>>, String> {
    let mut out = Vec::new();
    walk(blob, |e| out.push(e))?;
    Ok(out)
}

/// Validate like [`parse`] without building anything; returns the number of entries.
pub fn validate(blob: &[u8]) -> Result<usize, String> {
    walk(blob, |_| {})
}

/// Walk a listpack, validating it, and call `f` for each entry in order. Returns the number
/// of entries. On error, `f` may have seen some entries already.
pub fn walk<'a>(blob: &'a [u8], mut f: impl FnMut(LpEntryRef<'a>)) -> Result<usize, String> {
    if blob.len() < HEADER + 1 {
        return Err(format!("listpack too short ({} bytes)", blob.len()));
    }
    let total = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
    if total != blob.len() {
        return Err(format!(
            "listpack header says {total} bytes but the blob has {}",
            blob.len()
        ));
    }
    let numele = u16::from_le_bytes([blob[4], blob[5]]);
    let end = blob.len() - 1;
    if blob[end] != EOF {
        return Err("listpack does not end with 0xFF".to_string());
    }
    let mut p = HEADER;
    let mut count = 0usize;
    while p < end {
        let (entry, len) = decode_entry(&blob[p..end])
            .map_err(|m| format!("listpack entry at offset {p}: {m}"))?;
        let bl = backlen_size(len);
        let after = p + len;
        let back = blob
            .get(after..after + bl)
            .filter(|_| after + bl <= end)
            .ok_or_else(|| format!("listpack entry at offset {p}: backlen past the end"))?;
        let mut expect = [0u8; 5];
        encode_backlen(len, &mut expect);
        if back != &expect[..bl] {
            return Err(format!(
                "listpack entry at offset {p}: backlen does not match the entry size {len}"
            ));
        }
        f(entry);
        count += 1;
        p = after + bl;
    }
    if numele != NUMELE_UNKNOWN && usize::from(numele) != count {
        return Err(format!(
            "listpack header says {numele} entries but it has {count}"
        ));
    }
    Ok(count)
}

/// Decode the entry starting at `b[0]` (`b` ends before the terminator): the entry and the
/// size of its encoding and data.
fn decode_entry(b: &[u8]) -> Result<(LpEntryRef<'_>, usize), &'static str> {
    let b0 = b[0];
    let need =
        |n: usize| -> Result<&[u8], &'static str> { b.get(..n).ok_or("entry runs past the end") };
    let string = |hdr: usize, len: usize| -> Result<(LpEntryRef<'_>, usize), &'static str> {
        let total = hdr.checked_add(len).ok_or("entry runs past the end")?;
        let s = b.get(hdr..total).ok_or("entry runs past the end")?;
        Ok((LpEntryRef::Str(s), total))
    };
    match b0 {
        0x00..=0x7F => Ok((LpEntryRef::Int(i64::from(b0)), 1)),
        0x80..=0xBF => string(1, usize::from(b0 & 0x3F)),
        0xC0..=0xDF => {
            let d = need(2)?;
            let u = (i64::from(d[0] & 0x1F) << 8) | i64::from(d[1]);
            let v = if u >= 4096 { u - 8192 } else { u };
            Ok((LpEntryRef::Int(v), 2))
        }
        0xE0..=0xEF => {
            let d = need(2)?;
            string(2, (usize::from(d[0] & 0x0F) << 8) | usize::from(d[1]))
        }
        0xF0 => {
            let d = need(5)?;
            let len = u32::from_le_bytes([d[1], d[2], d[3], d[4]]) as usize;
            string(5, len)
        }
        0xF1 => {
            let d = need(3)?;
            Ok((
                LpEntryRef::Int(i64::from(i16::from_le_bytes([d[1], d[2]]))),
                3,
            ))
        }
        0xF2 => {
            let d = need(4)?;
            // Sign-extend the 24-bit value.
            let v = i32::from_le_bytes([0, d[1], d[2], d[3]]) >> 8;
            Ok((LpEntryRef::Int(i64::from(v)), 4))
        }
        0xF3 => {
            let d = need(5)?;
            Ok((
                LpEntryRef::Int(i64::from(i32::from_le_bytes([d[1], d[2], d[3], d[4]]))),
                5,
            ))
        }
        0xF4 => {
            let d = need(9)?;
            let mut w = [0u8; 8];
            w.copy_from_slice(&d[1..9]);
            Ok((LpEntryRef::Int(i64::from_le_bytes(w)), 9))
        }
        0xF5..=0xFE => Err("invalid encoding byte"),
        0xFF => Err("terminator before the end of the blob"),
    }
}

/// Bytes Redis uses for the backlen of an entry of `len` bytes (`lpEncodeBacklen`).
pub fn backlen_size(len: usize) -> usize {
    if len <= 127 {
        1
    } else if len < 16383 {
        2
    } else if len < 2_097_151 {
        3
    } else if len < 268_435_455 {
        4
    } else {
        5
    }
}

/// Write the backlen of `len` into `buf`; returns its size. The leftmost byte carries the
/// most significant 7 bits without the 0x80 flag; every later byte has it.
fn encode_backlen(len: usize, buf: &mut [u8; 5]) -> usize {
    let n = backlen_size(len);
    for (i, slot) in buf[..n].iter_mut().enumerate() {
        let shift = 7 * (n - 1 - i);
        let group = ((len >> shift) & 0x7F) as u8;
        *slot = if i == 0 { group } else { group | 0x80 };
    }
    n
}

/// The integer a string stands for when Redis would store it integer-encoded
/// (`lpStringToInt64`): canonical decimal of an `i64`, at most 20 characters, no `+`, no
/// leading zeros, not `-0`.
pub fn string_to_int(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    // Accumulate as a negative number so i64::MIN fits.
    let mut v: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_sub(i64::from(c - b'0'))?;
    }
    if neg {
        Some(v)
    } else {
        v.checked_neg()
    }
}

/// Builds a listpack exactly as Redis's `lpAppend` would.
#[derive(Clone, Debug)]
pub struct ListpackWriter {
    /// Header placeholder and entries so far (no terminator yet).
    buf: Vec<u8>,
    /// Entries so far.
    count: usize,
}

impl Default for ListpackWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl ListpackWriter {
    /// An empty listpack.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }
    /// An empty listpack with room for about `bytes` bytes of entries.
    pub fn with_capacity(bytes: usize) -> Self {
        let mut buf = Vec::with_capacity(HEADER + 1 + bytes);
        buf.extend_from_slice(&[0; HEADER]);
        ListpackWriter { buf, count: 0 }
    }
    /// Append a string element; like `lpAppend`, a canonical integer string is stored
    /// integer-encoded.
    pub fn push_str(&mut self, s: &[u8]) {
        if let Some(n) = string_to_int(s) {
            return self.push_int(n);
        }
        let len = s.len();
        let hdr = if len < 64 {
            self.buf.push(0x80 | len as u8);
            1
        } else if len < 4096 {
            self.buf.push(0xE0 | (len >> 8) as u8);
            self.buf.push((len & 0xFF) as u8);
            2
        } else {
            self.buf.push(0xF0);
            self.buf
                .extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
            5
        };
        self.buf.extend_from_slice(s);
        self.push_backlen(hdr + len);
    }
    /// Append an integer element.
    pub fn push_int(&mut self, n: i64) {
        let len = if (0..=127).contains(&n) {
            self.buf.push(n as u8);
            1
        } else if (-4096..=4095).contains(&n) {
            let u = (n & 0x1FFF) as u16;
            self.buf.push(0xC0 | (u >> 8) as u8);
            self.buf.push((u & 0xFF) as u8);
            2
        } else if i64::from(i16::MIN) <= n && n <= i64::from(i16::MAX) {
            self.buf.push(0xF1);
            self.buf.extend_from_slice(&(n as i16).to_le_bytes());
            3
        } else if (-(1 << 23)..(1 << 23)).contains(&n) {
            self.buf.push(0xF2);
            self.buf.extend_from_slice(&(n as i32).to_le_bytes()[..3]);
            4
        } else if i64::from(i32::MIN) <= n && n <= i64::from(i32::MAX) {
            self.buf.push(0xF3);
            self.buf.extend_from_slice(&(n as i32).to_le_bytes());
            5
        } else {
            self.buf.push(0xF4);
            self.buf.extend_from_slice(&n.to_le_bytes());
            9
        };
        self.push_backlen(len);
    }
    /// Append an entry as it is (a string entry goes through [`Self::push_str`]).
    pub fn push_entry(&mut self, e: &LpEntry) {
        match e {
            LpEntry::Int(n) => self.push_int(*n),
            LpEntry::Str(s) => self.push_str(s),
        }
    }
    fn push_backlen(&mut self, len: usize) {
        let mut b = [0u8; 5];
        let n = encode_backlen(len, &mut b);
        self.buf.extend_from_slice(&b[..n]);
        self.count += 1;
    }
    /// Number of entries so far.
    pub fn len(&self) -> usize {
        self.count
    }
    /// True when no entry was pushed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Size of the blob [`Self::finish`] would return now (header and terminator included;
    /// Redis's `lpBytes`).
    pub fn byte_len(&self) -> usize {
        self.buf.len() + 1
    }
    /// The finished blob (header with total bytes and count, entries, `0xFF`).
    pub fn finish(self) -> Vec<u8> {
        let mut buf = self.buf;
        buf.push(EOF);
        let total = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        buf[..4].copy_from_slice(&total.to_le_bytes());
        let numele = u16::try_from(self.count).unwrap_or(NUMELE_UNKNOWN);
        buf[4..6].copy_from_slice(&numele.to_le_bytes());
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one_entry(f: impl FnOnce(&mut ListpackWriter)) -> Vec<u8> {
        let mut w = ListpackWriter::new();
        f(&mut w);
        w.finish()[HEADER..].split_last().unwrap().1.to_vec()
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// §20: integer entries as 7.0.15 writes them.
    #[test]
    fn spec_vectors() {
        let cases: &[(&[u8], &str)] = &[
            (b"0", "0001"),
            (b"127", "7f01"),
            (b"128", "c08002"),
            (b"-1", "dfff02"),
            (b"4095", "cfff02"),
            (b"-4096", "d00002"),
            (b"4096", "f1001003"),
            (b"8388607", "f2ffff7f04"),
            (b"2147483648", "f4000000800000000009"),
            (b"007", "8330303704"),
        ];
        for (s, h) in cases {
            assert_eq!(hex(&one_entry(|w| w.push_str(s))), *h, "{s:?}");
        }
        let mut w = ListpackWriter::new();
        w.push_str(b"a");
        w.push_str(b"b");
        assert_eq!(hex(&w.finish()), "0d0000000200816102816202ff");
    }

    #[test]
    fn backlen_thresholds() {
        for (len, size) in [
            (127, 1),
            (128, 2),
            (16382, 2),
            (16383, 3),
            (2_097_150, 3),
            (2_097_151, 4),
            (268_435_454, 4),
            (268_435_455, 5),
        ] {
            assert_eq!(backlen_size(len), size, "{len}");
            let mut b = [0u8; 5];
            let n = encode_backlen(len, &mut b);
            // Decode backwards as lpDecodeBacklen does.
            let mut v = 0usize;
            let mut shift = 0;
            let mut i = n;
            loop {
                i -= 1;
                v |= usize::from(b[i] & 0x7F) << shift;
                shift += 7;
                if b[i] & 0x80 == 0 {
                    break;
                }
            }
            assert_eq!((i, v), (0, len));
        }
    }

    #[test]
    fn string_to_int_rules() {
        assert_eq!(string_to_int(b"0"), Some(0));
        assert_eq!(string_to_int(b"-0"), None);
        assert_eq!(string_to_int(b"007"), None);
        assert_eq!(string_to_int(b"+1"), None);
        assert_eq!(string_to_int(b""), None);
        assert_eq!(string_to_int(b"-"), None);
        assert_eq!(string_to_int(b" 1"), None);
        assert_eq!(string_to_int(b"1.0"), None);
        assert_eq!(string_to_int(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string_to_int(b"9223372036854775808"), None);
        assert_eq!(string_to_int(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(string_to_int(b"-9223372036854775809"), None);
    }

    #[test]
    fn long_strings() {
        for len in [63, 64, 4095, 4096, 70000] {
            let s = vec![b'x'; len];
            let mut w = ListpackWriter::new();
            w.push_str(&s);
            w.push_int(-5);
            let blob = w.finish();
            assert_eq!(
                parse(&blob).unwrap(),
                vec![LpEntry::Str(s), LpEntry::Int(-5)]
            );
        }
    }

    #[test]
    fn unknown_count() {
        let mut w = ListpackWriter::new();
        for i in 0..65536 {
            w.push_int(i);
        }
        let blob = w.finish();
        assert_eq!(&blob[4..6], &[0xFF, 0xFF]);
        assert_eq!(validate(&blob).unwrap(), 65536);
        let mut w = ListpackWriter::new();
        for i in 0..65534 {
            w.push_int(i);
        }
        assert_eq!(&w.clone().finish()[4..6], &[0xFE, 0xFF]);
        w.push_int(1);
        assert_eq!(&w.finish()[4..6], &[0xFF, 0xFF]);
    }

    #[test]
    fn rejects() {
        let good = {
            let mut w = ListpackWriter::new();
            w.push_str(b"a");
            w.push_int(1000);
            w.finish()
        };
        assert!(parse(&good).is_ok());
        // Trailing byte, truncation, wrong count, wrong backlen, no terminator.
        let mut t = good.clone();
        t.push(0);
        assert!(parse(&t).is_err());
        assert!(parse(&good[..good.len() - 1]).is_err());
        let mut c = good.clone();
        c[4] = 3;
        assert!(parse(&c).is_err());
        c[4] = 0xFF;
        c[5] = 0xFF;
        assert_eq!(parse(&c).unwrap().len(), 2);
        let mut b = good.clone();
        b[8] = 3;
        assert!(parse(&b).is_err());
        let mut e = good.clone();
        let n = e.len();
        e[n - 1] = 0;
        assert!(parse(&e).is_err());
        // Invalid encoding byte; early terminator.
        assert!(parse(&[8, 0, 0, 0, 1, 0, 0xF5, 0xFF]).is_err());
        assert!(parse(&[9, 0, 0, 0, 1, 0, 0xFF, 1, 0xFF]).is_err());
        assert_eq!(parse(&[7, 0, 0, 0, 0, 0, 0xFF]).unwrap(), vec![]);
    }

    proptest! {
        #[test]
        fn round_trip(items in proptest::collection::vec(prop_oneof![
            any::<i64>().prop_map(LpEntry::Int),
            (-5000i64..5000).prop_map(LpEntry::Int),
            proptest::collection::vec(any::<u8>(), 0..100).prop_map(LpEntry::Str),
            proptest::collection::vec(any::<u8>(), 4000..4200).prop_map(LpEntry::Str),
            "-?[0-9]{1,20}".prop_map(|s| LpEntry::Str(s.into_bytes())),
        ], 0..40)) {
            let mut w = ListpackWriter::new();
            for e in &items {
                w.push_entry(e);
            }
            prop_assert_eq!(w.len(), items.len());
            let expect_len = w.byte_len();
            let blob = w.finish();
            prop_assert_eq!(blob.len(), expect_len);
            let parsed = parse(&blob).unwrap();
            let expect: Vec<LpEntry> = items.iter().map(|e| match e {
                LpEntry::Str(s) => match string_to_int(s) {
                    Some(n) => LpEntry::Int(n),
                    None => e.clone(),
                },
                LpEntry::Int(_) => e.clone(),
            }).collect();
            prop_assert_eq!(&parsed, &expect);
            let bytes: Vec<Vec<u8>> = parsed.iter().map(LpEntry::to_bytes).collect();
            let orig: Vec<Vec<u8>> = items.iter().map(LpEntry::to_bytes).collect();
            prop_assert_eq!(bytes, orig);
        }

        #[test]
        fn hostile_random(data in proptest::collection::vec(any::<u8>(), 0..100)) {
            let _ = parse(&data);
        }

        #[test]
        fn hostile_mutations(items in proptest::collection::vec(any::<i64>(), 1..10), pos in any::<usize>(), bit in 0u8..8, cut in any::<usize>()) {
            let mut w = ListpackWriter::new();
            for &n in &items {
                w.push_int(n);
                w.push_str(&n.to_le_bytes());
            }
            let blob = w.finish();
            let mut flipped = blob.clone();
            let p = pos % flipped.len();
            flipped[p] ^= 1 << bit;
            let _ = parse(&flipped);
            let _ = parse(&blob[..cut % blob.len()]);
        }
    }
}
