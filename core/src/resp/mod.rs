//! RESP2 codec: the wire protocol spoken between clients, servers and replicas.
//!
//! This module is sans-IO. It turns bytes that somebody else received into
//! requests or frames, and turns replies into bytes that somebody else will
//! send. It never touches sockets, files, threads, clocks or randomness, and
//! it never owns the connection buffer: callers keep their bytes and pass a
//! slice in, and the parsers report how many bytes a complete item used.
//!
//! What lives here:
//!
//! * [`RequestParser`]: the server side of a client connection. It mirrors
//!   redis-server 7.0.15 (`processInputBuffer`, `processMultibulkBuffer`,
//!   `processInlineBuffer` in `networking.c`) byte for byte, including the
//!   exact `-ERR Protocol error: ...` texts ([`ProtocolError`]) and Redis's
//!   quirks (the two bytes after a bulk are skipped unchecked, a NUL byte
//!   hides a line terminator the way `strchr` does, empty requests are
//!   skipped).
//! * [`split_args`]: Redis's `sdssplitargs` (inline requests, config files).
//! * [`Frame`] / [`FrameDecoder`]: general RESP2 values, for reading replies
//!   (the replica side of replication, tests). The decoder is strict.
//! * Encoder helpers (`write_*`, [`command_len`]): the server's hot path for
//!   replies and the replication stream. They append to a `BytesMut` without
//!   any temporary allocation.
//! * [`string2ll`] and [`fmt_i64`] / [`fmt_u64`]: Redis's integer parsing
//!   rules and an allocation-free integer formatter.
//!
//! What it never does: allocate memory in proportion to a length that the
//! peer merely *claimed* (memory stays bounded by bytes actually received),
//! recurse on peer-controlled nesting, or panic on any input.

mod encode;
mod frame;
mod inline;
mod number;
mod request;

pub use bytes::{Bytes, BytesMut};

pub use encode::{
    bulk_len, command_len, write_array_len, write_bulk, write_bulk_header, write_command,
    write_error, write_integer, write_null, write_null_array, write_simple,
};
pub use frame::{Frame, FrameDecoder, FrameError};
pub use inline::split_args;
pub use number::{fmt_i64, fmt_u64, string2ll};
pub use request::{
    ProtocolError, RequestLimits, RequestParser, PROTO_INLINE_MAX_SIZE, UNAUTH_MAX_BULK_LEN,
    UNAUTH_MAX_MULTIBULK_LEN,
};
