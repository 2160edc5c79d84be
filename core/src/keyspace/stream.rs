//! Stream values. No stream command exists yet: streams only arrive from RDB files
//! (startup load, `DEBUG RELOAD`, a master's full resync) and are kept as decoded, so that
//! `TYPE`, `OBJECT ENCODING`, `DEBUG DIGEST`, `DEL`/`RENAME` and saving work on them.

use crate::rdb::model::{StreamData, StreamId};

/// A stream (`OBJECT ENCODING` `stream`): its live entries, ids and consumer groups.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamValue {
    /// The content as an RDB stores it (entries in id order, groups, metadata).
    pub data: StreamData,
}

impl StreamValue {
    /// A stream holding `data`.
    pub fn new(data: StreamData) -> Self {
        StreamValue { data }
    }

    /// Number of live entries (`XLEN`).
    pub fn len(&self) -> usize {
        self.data.entries.len()
    }

    /// True when the stream has no entry. Unlike other collections, an empty stream is a
    /// valid value (it keeps its last id and its groups).
    pub fn is_empty(&self) -> bool {
        self.data.entries.is_empty()
    }

    /// The last generated id (`last_generated_id`).
    pub fn last_id(&self) -> StreamId {
        self.data.last_id
    }
}
