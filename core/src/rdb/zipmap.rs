//! Zipmap blobs (legacy type 9): parse only.

/// Parse a zipmap blob into (field, value) pairs.
pub fn parse(blob: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>, String> {
    let _ = blob;
    todo!("zipmap parse")
}
