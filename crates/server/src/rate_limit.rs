//! A per-connection token bucket, and per-user ones (reactions).

use parking_lot::Mutex;
use std::collections::HashMap;
use std::time::Instant;

/// Allows `rate` requests per second on average and bursts of up to `burst`.
#[derive(Debug)]
pub struct TokenBucket {
    /// Tokens currently available.
    tokens: f64,
    /// Refill per second.
    rate: f64,
    /// Capacity.
    burst: f64,
    /// When `tokens` was last refilled.
    last: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(rate: f64, burst: f64) -> Self {
        Self {
            tokens: burst,
            rate,
            burst,
            last: Instant::now(),
        }
    }

    /// Whether the bucket has refilled completely (nothing to remember).
    pub fn is_full(&self) -> bool {
        let elapsed = self.last.elapsed().as_secs_f64();
        self.tokens + elapsed * self.rate >= self.burst
    }

    /// Takes one token if available.
    pub fn take(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Users' budgets of one kind of request (reactions, group management, room
/// messages); buckets that are full again are dropped when the map grows, so
/// it holds only recently active users.
#[derive(Default)]
pub struct UserRate(Mutex<HashMap<tern_proto::UserId, TokenBucket>>);

impl UserRate {
    /// Takes one request from `user`'s budget of `per_minute`.
    pub fn take(&self, user: &tern_proto::UserId, per_minute: u32) -> bool {
        let per_minute = f64::from(per_minute.max(1));
        let mut map = self.0.lock();
        if map.len() > 10_000 {
            map.retain(|_, b| !b.is_full());
        }
        map.entry(user.clone())
            .or_insert_with(|| TokenBucket::new(per_minute / 60.0, per_minute))
            .take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_burst() {
        let mut b = TokenBucket::new(0.001, 3.0);
        assert!(b.take() && b.take() && b.take());
        assert!(!b.take());
    }
}
