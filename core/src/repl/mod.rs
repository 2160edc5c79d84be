//! Replication: the sans-IO state machines of Redis 7.0.15 master/replica replication
//! (spec `shared/spec/replication.md`).

pub mod replica;
