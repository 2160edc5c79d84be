//! Listpack blobs (types 16–21 and quicklist 2 nodes): parse and write, byte-exact with
//! Redis 7.0's `listpack.c`.

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

/// Parse a whole listpack blob, validating header, entries, backlens and terminator.
pub fn parse(blob: &[u8]) -> Result<Vec<LpEntry>, String> {
    let _ = blob;
    todo!("listpack parse")
}

/// Builds a listpack exactly as Redis's `lpAppend` would.
#[derive(Clone, Debug, Default)]
pub struct ListpackWriter {
    _private: (),
}

impl ListpackWriter {
    /// An empty listpack.
    pub fn new() -> Self {
        Self::default()
    }
    /// Append a string element; like `lpAppend`, a canonical integer string is stored
    /// integer-encoded.
    pub fn push_str(&mut self, s: &[u8]) {
        let _ = s;
        todo!("listpack push_str")
    }
    /// Append an integer element.
    pub fn push_int(&mut self, n: i64) {
        let _ = n;
        todo!("listpack push_int")
    }
    /// Number of entries so far.
    pub fn len(&self) -> usize {
        todo!("listpack len")
    }
    /// True when no entry was pushed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The finished blob (header with total bytes and count, entries, `0xFF`).
    pub fn finish(self) -> Vec<u8> {
        todo!("listpack finish")
    }
}
