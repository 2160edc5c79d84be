//! A compact sequence of byte strings in one buffer: the in-memory form of small hashes,
//! sorted sets and lists (Redis keeps them as a `listpack`, or quicklist nodes of listpacks).
//!
//! Each entry is stored as its length (LEB128), its bytes, then its length again written
//! backwards, so the sequence can be walked from either end like a listpack:
//!
//! ```text
//! [len varint][bytes...][len varint, bytes reversed]
//! ```
//!
//! A 5-byte string takes 7 bytes, against 24 for an [`super::Sds`] slot in a vector, and the
//! whole sequence is one allocation. Operations are O(n) in the number of bytes, as Redis's
//! listpack operations are; the encodings that use it are bounded by the `*-max-listpack-*`
//! settings.

/// A sequence of byte strings stored back to back in one buffer.
///
/// The buffer is exactly as long as its content (a 4-byte entry count, then the entries) and
/// empty for an empty sequence, so a `Packed` is two words and one allocation. Byte offsets
/// in the API count from the first entry.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Packed {
    buf: Box<[u8]>,
}

/// Size of the entry count at the start of a non-empty buffer.
const HDR: usize = 4;

impl std::fmt::Debug for Packed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|e| String::from_utf8_lossy(e).into_owned()))
            .finish()
    }
}

/// Bytes a LEB128 length takes.
fn varint_size(mut n: usize) -> usize {
    let mut size = 1;
    while n >= 0x80 {
        n >>= 7;
        size += 1;
    }
    size
}

/// Bytes an entry of `len` data bytes takes (both lengths included).
pub fn entry_size(len: usize) -> usize {
    len + 2 * varint_size(len)
}

/// Append the encoding of `data` to `out`.
fn write_entry(out: &mut Vec<u8>, data: &[u8]) {
    let start = out.len();
    let mut n = data.len();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
    let hdr = out.len() - start;
    out.extend_from_slice(data);
    for i in (0..hdr).rev() {
        let b = out[start + i];
        out.push(b);
    }
}

/// The entry starting at `pos`: its data range and the offset just after it. `buf` is always
/// well formed (only this module writes it), so the reads cannot fail.
fn read_forward(buf: &[u8], pos: usize) -> (usize, usize, usize) {
    let mut n = 0usize;
    let mut shift = 0;
    let mut p = pos;
    loop {
        let b = buf[p];
        p += 1;
        n |= usize::from(b & 0x7f) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            break;
        }
    }
    let hdr = p - pos;
    (p, p + n, p + n + hdr)
}

/// The entry ending just before `end`: its data range and the offset where it starts.
fn read_backward(buf: &[u8], end: usize) -> (usize, usize, usize) {
    let mut n = 0usize;
    let mut shift = 0;
    let mut p = end;
    loop {
        p -= 1;
        let b = buf[p];
        n |= usize::from(b & 0x7f) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            break;
        }
    }
    let hdr = end - p;
    (p - n, p, p - n - hdr)
}

/// The count stored at the start of a buffer being edited (at least `HDR` bytes).
fn count_of(v: &[u8]) -> usize {
    u32::from_le_bytes([v[0], v[1], v[2], v[3]]) as usize
}

impl Packed {
    /// An empty sequence.
    pub fn new() -> Self {
        Self::default()
    }

    /// The encoded entries.
    fn entries(&self) -> &[u8] {
        self.buf.get(HDR..).unwrap_or_default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        match self.buf.get(..HDR) {
            Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]) as usize,
            _ => 0,
        }
    }

    /// True when there is no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Size of the encoded entries in bytes.
    pub fn byte_len(&self) -> usize {
        self.buf.len().saturating_sub(HDR)
    }

    /// Change the buffer: `f` gets it as a vector (count included, `HDR` bytes) with room
    /// for `extra` more bytes and returns how many entries it added (or removed, negative).
    fn edit(&mut self, extra: usize, f: impl FnOnce(&mut Vec<u8>) -> isize) {
        let mut v = std::mem::take(&mut self.buf).into_vec();
        if v.is_empty() {
            v.extend_from_slice(&[0; HDR]);
        }
        v.reserve_exact(extra);
        let count = (count_of(&v) as isize + f(&mut v)).max(0) as u32;
        if count == 0 {
            return; // self.buf is already empty
        }
        v[..HDR].copy_from_slice(&count.to_le_bytes());
        self.buf = v.into_boxed_slice();
    }

    /// Append an entry.
    pub fn push(&mut self, data: &[u8]) {
        self.edit(entry_size(data.len()), |v| {
            write_entry(v, data);
            1
        });
    }

    /// Insert an entry before the entry at byte offset `at` (or at the end when `at` is
    /// [`Packed::byte_len`]).
    pub fn insert_at(&mut self, at: usize, data: &[u8]) {
        let mut enc = Vec::with_capacity(entry_size(data.len()));
        write_entry(&mut enc, data);
        self.edit(enc.len(), |v| {
            v.splice(HDR + at..HDR + at, enc);
            1
        });
    }

    /// Remove `count` entries starting at byte offset `at`.
    pub fn remove_at(&mut self, at: usize, count: usize) {
        let entries = self.entries();
        let mut end = at;
        let mut removed = 0;
        while removed < count && end < entries.len() {
            end = read_forward(entries, end).2;
            removed += 1;
        }
        self.edit(0, |v| {
            v.drain(HDR + at..HDR + end);
            -(removed as isize)
        });
    }

    /// Replace the entry at byte offset `at` with `data`.
    pub fn replace_at(&mut self, at: usize, data: &[u8]) {
        let (_, _, end) = read_forward(self.entries(), at);
        let mut enc = Vec::with_capacity(entry_size(data.len()));
        write_entry(&mut enc, data);
        self.edit(enc.len().saturating_sub(end - at), |v| {
            v.splice(HDR + at..HDR + end, enc);
            0
        });
    }

    /// The entries, first to last (reversible), with their byte offsets.
    pub fn iter_at(&self) -> PackedIter<'_> {
        let buf = self.entries();
        PackedIter {
            buf,
            front: 0,
            back: buf.len(),
            left: self.len(),
        }
    }

    /// The entries, first to last (reversible).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + ExactSizeIterator + '_ {
        self.iter_at().map(|(_, e)| e)
    }
}

impl<'a> PackedIter<'a> {
    /// An iterator over nothing.
    pub fn empty() -> Self {
        PackedIter {
            buf: &[],
            front: 0,
            back: 0,
            left: 0,
        }
    }
}

impl Packed {
    /// The `count` entries from byte offset `start` (an entry's offset) to `end` (the offset
    /// just after the last of them, or [`Packed::byte_len`]).
    pub fn iter_between(&self, start: usize, end: usize, count: usize) -> PackedIter<'_> {
        PackedIter {
            buf: self.entries(),
            front: start,
            back: end,
            left: count,
        }
    }
}

/// Builds a [`Packed`] in one allocation (loading a value whose size is known).
#[derive(Debug)]
pub struct PackedBuilder {
    buf: Vec<u8>,
    count: u32,
}

impl PackedBuilder {
    /// A builder with room for `bytes` bytes of encoded entries (see [`entry_size`]).
    pub fn with_capacity(bytes: usize) -> Self {
        let mut buf = Vec::with_capacity(HDR + bytes);
        buf.extend_from_slice(&[0; HDR]);
        PackedBuilder { buf, count: 0 }
    }

    /// Append an entry.
    pub fn push(&mut self, data: &[u8]) {
        write_entry(&mut self.buf, data);
        self.count += 1;
    }

    /// The sequence.
    pub fn finish(mut self) -> Packed {
        if self.count == 0 {
            return Packed::new();
        }
        self.buf[..HDR].copy_from_slice(&self.count.to_le_bytes());
        Packed {
            buf: self.buf.into_boxed_slice(),
        }
    }
}

/// Iterator over a [`Packed`]'s entries as `(byte offset, data)`.
#[derive(Clone, Debug)]
pub struct PackedIter<'a> {
    buf: &'a [u8],
    front: usize,
    back: usize,
    left: usize,
}

impl<'a> Iterator for PackedIter<'a> {
    type Item = (usize, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let at = self.front;
        let (s, e, next) = read_forward(self.buf, at);
        self.front = next;
        self.left -= 1;
        Some((at, &self.buf[s..e]))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl DoubleEndedIterator for PackedIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let (s, e, start) = read_backward(self.buf, self.back);
        self.back = start;
        self.left -= 1;
        Some((start, &self.buf[s..e]))
    }
}

impl ExactSizeIterator for PackedIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_iterate_both_ways() {
        let long = vec![b'x'; 300];
        let mut p = Packed::new();
        p.push(b"a");
        p.push(b"");
        p.push(&long);
        p.push(b"bcd");
        assert_eq!(p.len(), 4);
        assert_eq!(p.byte_len(), 3 + 2 + (300 + 4) + 5);
        let fwd: Vec<&[u8]> = p.iter().collect();
        assert_eq!(fwd, vec![&b"a"[..], b"", &long, b"bcd"]);
        let back: Vec<&[u8]> = p.iter().rev().collect();
        assert_eq!(back, vec![&b"bcd"[..], &long, b"", b"a"]);
        let mut it = p.iter();
        assert_eq!(it.next(), Some(&b"a"[..]));
        assert_eq!(it.next_back(), Some(&b"bcd"[..]));
        assert_eq!(it.len(), 2);
    }

    #[test]
    fn edit_in_place() {
        let mut p = Packed::new();
        for e in [&b"f1"[..], b"v1", b"f2", b"v2"] {
            p.push(e);
        }
        let at = p.iter_at().nth(2).unwrap().0;
        p.replace_at(at, &[b'y'; 200]);
        p.insert_at(0, b"first");
        let at = p.iter_at().nth(1).unwrap().0;
        p.remove_at(at, 2);
        let v: Vec<Vec<u8>> = p.iter().map(<[u8]>::to_vec).collect();
        assert_eq!(v, vec![b"first".to_vec(), vec![b'y'; 200], b"v2".to_vec()]);
        assert_eq!(p.len(), 3);
        let end = p.byte_len();
        p.insert_at(end, b"last");
        assert_eq!(p.iter().next_back(), Some(&b"last"[..]));
    }
}
