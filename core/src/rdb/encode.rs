//! The RDB encoder: a keyspace to the bytes redis-server 7.0.15 writes (`REDIS0010`).

use crate::keyspace::Keyspace;

/// How to write a dump.
#[derive(Clone, Debug)]
pub struct EncodeOptions {
    /// `rdbcompression`: LZF for strings over 20 bytes.
    pub compression: bool,
    /// `rdbchecksum`: CRC64 at the end (else 8 zero bytes).
    pub checksum: bool,
    /// `list-max-listpack-size` (quicklist node size; negative = byte classes as Redis).
    pub list_max_listpack_size: i64,
    /// `list-compress-depth` (LZF-compressed interior quicklist nodes).
    pub list_compress_depth: u64,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            compression: true,
            checksum: true,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
        }
    }
}

/// Encode `ks` with AUX fields `aux` (in order; e.g. `redis-ver`, `redis-bits`, `ctime`,
/// `used-mem`, `repl-stream-db`, `repl-id`, `repl-offset`, `aof-base`) and function
/// libraries `functions`. Keys whose expiry is before `now_ms` are still written, as Redis
/// does. Empty collections are never written.
pub fn encode(
    ks: &Keyspace,
    aux: &[(&str, Vec<u8>)],
    functions: &[Vec<u8>],
    opts: &EncodeOptions,
) -> Vec<u8> {
    let _ = (ks, aux, functions, opts);
    todo!("encode")
}
