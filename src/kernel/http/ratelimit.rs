//! Per-principal request rate limit (GCRA), per instance: each instance keeps its own counters,
//! so behind N instances a principal may get up to N times the configured rate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::kernel::error::ApiError;

const SHARDS: usize = 16;

pub struct RateLimiter {
    /// Time between two requests at the sustained rate; zero disables the limiter.
    interval: Duration,
    /// How far ahead of schedule a principal may run (the burst).
    tolerance: Duration,
    per_second: u32,
    shards: Vec<Mutex<HashMap<Uuid, Instant>>>,
}

impl RateLimiter {
    pub fn new(per_second: u32, burst: u32) -> Self {
        let interval = if per_second == 0 { Duration::ZERO } else { Duration::from_secs_f64(1.0 / per_second as f64) };
        RateLimiter {
            interval,
            tolerance: interval * burst.saturating_sub(1),
            per_second,
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// Whether `subject` is over its budget now, without spending any of it.
    pub fn exhausted(&self, subject: Uuid) -> bool {
        if self.interval.is_zero() {
            return false;
        }
        let now = Instant::now();
        let shard = &self.shards[(subject.as_u128() % SHARDS as u128) as usize];
        shard
            .lock()
            .is_ok_and(|map| map.get(&subject).is_some_and(|tat| tat.saturating_duration_since(now) > self.tolerance))
    }

    /// Admits one request of `subject`, or answers 429 with the time to wait.
    pub fn check(&self, subject: Uuid) -> Result<(), ApiError> {
        if self.interval.is_zero() {
            return Ok(());
        }
        let now = Instant::now();
        let shard = &self.shards[(subject.as_u128() % SHARDS as u128) as usize];
        let Ok(mut map) = shard.lock() else { return Ok(()) };
        if map.len() > 100_000 {
            map.retain(|_, tat| *tat > now);
        }
        let tat = map.get(&subject).copied().filter(|t| *t > now).unwrap_or(now);
        let ahead = tat - now;
        if ahead > self.tolerance {
            let wait = ahead - self.tolerance;
            return Err(ApiError::TooManyRequests {
                detail: format!("rate limit of {} requests per second exceeded", self.per_second),
                retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
                limit: self.per_second,
            });
        }
        map.insert(subject, tat + self.interval);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_the_burst_then_refuses() {
        let limiter = RateLimiter::new(1, 3);
        let id = Uuid::now_v7();
        for _ in 0..3 {
            assert!(limiter.check(id).is_ok());
        }
        assert!(matches!(limiter.check(id), Err(ApiError::TooManyRequests { .. })));
        assert!(limiter.exhausted(id) && !limiter.exhausted(Uuid::now_v7()));
        assert!(limiter.check(Uuid::now_v7()).is_ok(), "another principal has its own budget");
    }
}
