//! CRC-64/REDIS (Jones polynomial, reflected, init 0, xorout 0), as `crc64.c`.

/// Continue a CRC-64/REDIS over `data` (start with `crc = 0`).
/// `crc64(0, b"123456789") == 0xe9c6d914c4b8d9ca`.
pub fn crc64(crc: u64, data: &[u8]) -> u64 {
    let _ = (crc, data);
    todo!("crc64")
}
