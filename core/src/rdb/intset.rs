//! Intset blobs (type 11): parse and write.

/// Parse an intset blob: encoding (2, 4 or 8), count, sorted unique little-endian integers.
pub fn parse(blob: &[u8]) -> Result<Vec<i64>, String> {
    let _ = blob;
    todo!("intset parse")
}

/// Write `values` (any order, no duplicates) as Redis would store them: sorted, with the
/// smallest encoding that fits them all.
pub fn write(values: &[i64]) -> Vec<u8> {
    let _ = values;
    todo!("intset write")
}
