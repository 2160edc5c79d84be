//! Between the dump's logical model and the keyspace: load decoded keys into databases with
//! the encodings Redis 7.0 would choose for them.

use super::model::RdbValue;
use crate::config::Config;
use crate::keyspace::Value;

/// The keyspace value for a decoded one, encoded as Redis 7.0 would after loading it with
/// `config`'s thresholds (`hash-max-listpack-entries`, `set-max-intset-entries`, ...).
/// Errors are what makes Redis refuse the value (duplicate members, NaN scores ...).
pub fn value_from_rdb(v: RdbValue, config: &Config) -> Result<Value, String> {
    let _ = (v, config);
    todo!("value_from_rdb")
}
