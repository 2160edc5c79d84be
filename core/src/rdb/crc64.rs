//! CRC-64/REDIS (Jones polynomial, reflected, init 0, xorout 0), as `crc64.c`.
//!
//! Table-driven, slicing-by-8: eight 256-entry tables built at compile time, so a whole
//! dump is checksummed at several bytes per cycle. Without the `full` feature (the browser
//! app) the same tables are built once at run time instead: 16 KB of incompressible
//! numbers less to download, the same checksums.

/// The Jones polynomial `0xAD93D23594C935A9`, bit-reflected.
const POLY_REFLECTED: u64 = 0x95AC_9329_AC4B_C9B5;

/// `TABLES[0]` is the classic byte-at-a-time table; `TABLES[k]` advances a byte through
/// `k` further zero bytes (slicing-by-8).
#[cfg(feature = "full")]
static TABLES: [[u64; 256]; 8] = build_tables();

/// The tables, built on first use (browser build: see the module doc).
#[cfg(not(feature = "full"))]
fn tables() -> &'static [[u64; 256]; 8] {
    static TABLES: std::sync::OnceLock<Box<[[u64; 256]; 8]>> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| Box::new(build_tables()))
}

const fn build_tables() -> [[u64; 256]; 8] {
    let mut t = [[0u64; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u64;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ POLY_REFLECTED
            } else {
                crc >> 1
            };
            bit += 1;
        }
        t[0][i] = crc;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

/// Continue a CRC-64/REDIS over `data` (start with `crc = 0`).
/// `crc64(0, b"123456789") == 0xe9c6d914c4b8d9ca`.
pub fn crc64(crc: u64, data: &[u8]) -> u64 {
    #[cfg(feature = "full")]
    let t = &TABLES;
    #[cfg(not(feature = "full"))]
    let t = tables();
    let mut crc = crc;
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = crc ^ u64::from_le_bytes(word);
        crc = t[7][(x & 0xFF) as usize]
            ^ t[6][((x >> 8) & 0xFF) as usize]
            ^ t[5][((x >> 16) & 0xFF) as usize]
            ^ t[4][((x >> 24) & 0xFF) as usize]
            ^ t[3][((x >> 32) & 0xFF) as usize]
            ^ t[2][((x >> 40) & 0xFF) as usize]
            ^ t[1][((x >> 48) & 0xFF) as usize]
            ^ t[0][(x >> 56) as usize];
    }
    for &b in chunks.remainder() {
        crc = t[0][((crc ^ u64::from(b)) & 0xFF) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::crc64;

    /// Bit-at-a-time reference implementation.
    fn slow(mut crc: u64, data: &[u8]) -> u64 {
        for &b in data {
            crc ^= u64::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ super::POLY_REFLECTED
                } else {
                    crc >> 1
                };
            }
        }
        crc
    }

    #[test]
    fn check_values() {
        assert_eq!(crc64(0, b"123456789"), 0xE9C6_D914_C4B8_D9CA);
        assert_eq!(crc64(0, b""), 0);
        assert_eq!(crc64(0, b"REDIS0010\xff"), 0xEB7E_A789_FE37_FDA9);
        // The example of crc64.c's own test.
        assert_eq!(
            crc64(0, b"This is a test of the emergency broadcast system."),
            slow(0, b"This is a test of the emergency broadcast system.")
        );
    }

    #[test]
    fn incremental_and_matches_bitwise() {
        let data: Vec<u8> = (0..1000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 999, 1000] {
            let d = &data[..len];
            assert_eq!(crc64(0, d), slow(0, d), "len {len}");
            for split in [0, len / 3, len / 2, len] {
                let (a, b) = d.split_at(split);
                assert_eq!(crc64(crc64(0, a), b), crc64(0, d));
            }
        }
    }
}
