//! The active expiry cycle (Redis's `activeExpireCycle`), run from the server cron on
//! masters only. Replicas never expire their master's keys themselves: they wait for the
//! master's `DEL`. The one exception is a writable replica's own keys
//! ([`expire_slave_keys`]).

use crate::server::State;
use crate::time::Time;

/// Keys sampled per database per loop (`ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
const KEYS_PER_LOOP: usize = 20;
/// Keep looping on a db while more than this percentage of samples were expired.
const ACCEPTABLE_STALE: usize = 10;
/// Upper bound on loops per db per cycle, so one cron tick stays short.
const MAX_LOOPS: usize = 16;

/// One slow cycle: sample keys with a TTL in every db and delete the expired ones, each
/// propagated as a lone `DEL` (never wrapped in MULTI).
pub fn active_expire_cycle(st: &mut State, now: Time) {
    let now_ms = now.as_millis();
    let mut sampled_total = 0;
    let mut expired_total = 0;
    for db in 0..st.keyspace.dbs.len() {
        for _ in 0..MAX_LOOPS {
            let n = st.keyspace.dbs[db].expires_len();
            if n == 0 {
                st.keyspace.dbs[db].avg_ttl = 0;
                break;
            }
            let samples = KEYS_PER_LOOP.min(n);
            let mut expired = 0;
            let (mut ttl_sum, mut ttl_samples) = (0i64, 0i64);
            for _ in 0..samples {
                let n = st.keyspace.dbs[db].expires_len();
                if n == 0 {
                    break;
                }
                let idx = st.rng.index(n);
                let Some((key, when)) = st.keyspace.dbs[db].expire_entry_at(idx) else {
                    break;
                };
                if now_ms > when {
                    let key = key.clone();
                    st.delete_expired_key(db, &key);
                    let ops = std::mem::take(&mut st.also_propagate);
                    st.repl.feed_unit(&ops, false);
                    expired += 1;
                } else if when > now_ms {
                    ttl_sum = ttl_sum.saturating_add(when - now_ms);
                    ttl_samples += 1;
                }
            }
            if ttl_samples > 0 {
                // Redis's running average: 98 % the old estimate, 2 % this loop's samples.
                let avg = ttl_sum / ttl_samples;
                let d = &mut st.keyspace.dbs[db];
                if d.avg_ttl == 0 {
                    d.avg_ttl = avg;
                }
                d.avg_ttl = (d.avg_ttl / 50) * 49 + avg / 50;
            }
            sampled_total += samples;
            expired_total += expired;
            if expired * 100 <= samples * ACCEPTABLE_STALE {
                break;
            }
        }
    }
    st.stats.expire_cycle_sampled = sampled_total as u64;
    st.stats.expire_cycle_expired = expired_total as u64;
}

/// Redis's `expireSlaveKeys`: on a writable replica, delete the keys its own clients gave a
/// TTL once they are past it (the master never heard of them, so no `DEL` will come). Keys
/// that no longer exist or no longer have a TTL are forgotten. Nothing is propagated: a
/// replica's sub-replicas get only its master's stream.
pub fn expire_slave_keys(st: &mut State, now: Time) {
    let now_ms = now.as_millis();
    let mut expired = Vec::new();
    let keyspace = &mut st.keyspace;
    st.slave_keys_with_expire.retain(|(db, key)| {
        let Some(d) = keyspace.dbs.get_mut(*db) else {
            return false;
        };
        match d.expire_of(key) {
            Some(when) if now_ms > when => {
                d.remove(key);
                expired.push((*db, key.clone()));
                false
            }
            Some(_) => true,
            None => false,
        }
    });
    st.stats.expired_keys += expired.len() as u64;
    for (db, key) in &expired {
        st.touch_watched_key(*db, key);
    }
}
