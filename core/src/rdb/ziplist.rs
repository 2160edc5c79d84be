//! Ziplist blobs (legacy types 10, 12, 13, 14): parse only.

use super::listpack::LpEntry;

/// Parse a whole ziplist blob, validating header, entries and terminator.
pub fn parse(blob: &[u8]) -> Result<Vec<LpEntry>, String> {
    let _ = blob;
    todo!("ziplist parse")
}
