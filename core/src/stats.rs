//! Counters reported by `INFO stats` and friends (Redis's `server.stat_*`).

/// Server-wide counters. Reset by `CONFIG RESETSTAT` where Redis resets them.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// `total_connections_received`
    pub total_connections_received: u64,
    /// `total_commands_processed`
    pub total_commands_processed: u64,
    /// `total_net_input_bytes`
    pub total_net_input_bytes: u64,
    /// `total_net_output_bytes`
    pub total_net_output_bytes: u64,
    /// `rejected_connections`
    pub rejected_connections: u64,
    /// `expired_keys`
    pub expired_keys: u64,
    /// `evicted_keys`
    pub evicted_keys: u64,
    /// `keyspace_hits`
    pub keyspace_hits: u64,
    /// `keyspace_misses`
    pub keyspace_misses: u64,
    /// `total_error_replies`
    pub total_error_replies: u64,
    /// `unexpected_error_replies`
    pub unexpected_error_replies: u64,
    /// `total_reads_processed`
    pub total_reads_processed: u64,
    /// `total_writes_processed`
    pub total_writes_processed: u64,
    /// `expired_stale_perc` numerator helpers: keys sampled / expired in the last cycle.
    pub expire_cycle_sampled: u64,
    /// Keys found expired by the last active expiry cycle.
    pub expire_cycle_expired: u64,
    /// Per-error-code counts for `INFO errorstats`.
    pub errors: crate::vecmap::VecMap<String, u64>,
}
