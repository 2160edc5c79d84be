//! replscope-server: a Redis-compatible TCP server driving `replscope-core`.
//!
//! The binary's pieces: [`config_file`] reads redis.conf-style files and command lines,
//! [`driver`] runs the sockets around the sans-IO core, [`logging`] prints Redis-style log
//! lines, [`storage`] writes dumps and forks background saves; [`check_rdb`] is the
//! `replscope-check-rdb` tool.

pub mod check_rdb;
pub mod config_file;
pub mod driver;
pub mod logging;
pub mod storage;
