//! Time as the core sees it: a wall-clock instant handed in by the driver.
//!
//! The core never reads a clock. Every `handle_*` call carries a [`Time`], the number of
//! microseconds since the Unix epoch. The tokio server passes the real wall clock; the simulator
//! passes a virtual clock that starts at a fixed, reproducible instant.

/// Microseconds since the Unix epoch, as given by the driver.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(u64);

impl Time {
    /// The instant `us` microseconds after the Unix epoch.
    pub const fn from_micros(us: u64) -> Self {
        Time(us)
    }
    /// The instant `ms` milliseconds after the Unix epoch.
    pub const fn from_millis(ms: u64) -> Self {
        Time(ms.saturating_mul(1000))
    }
    /// Microseconds since the Unix epoch.
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    /// Milliseconds since the Unix epoch (Redis's `mstime()`).
    pub const fn as_millis(self) -> i64 {
        (self.0 / 1000) as i64
    }
    /// Whole seconds since the Unix epoch.
    pub const fn as_secs(self) -> i64 {
        (self.0 / 1_000_000) as i64
    }
    /// This instant plus `ms` milliseconds.
    pub const fn add_millis(self, ms: u64) -> Self {
        Time(self.0.saturating_add(ms.saturating_mul(1000)))
    }
    /// This instant plus `us` microseconds.
    pub const fn add_micros(self, us: u64) -> Self {
        Time(self.0.saturating_add(us))
    }
    /// Microseconds from `earlier` to `self`, zero if `earlier` is later.
    pub const fn micros_since(self, earlier: Time) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}
