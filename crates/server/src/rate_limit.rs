//! A per-connection token bucket, per-user ones (reactions), and the key an
//! address is limited under.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
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

    /// [`Self::take`], or `RateLimited` saying "at most `per_minute` `what`
    /// per minute" when the budget is spent.
    pub fn spend(
        &self,
        user: &tern_proto::UserId,
        per_minute: u32,
        what: &str,
    ) -> Result<(), tern_proto::WireError> {
        if self.take(user, per_minute) {
            return Ok(());
        }
        Err(tern_proto::WireError::new(
            tern_proto::ErrorCode::RateLimited,
            format!("at most {per_minute} {what} per minute; try again shortly"),
        ))
    }
}

/// The key an address is limited under (per-address connection caps, login,
/// registration and admin-secret throttles): an IPv4 address itself; an IPv6
/// address its /64 network, as one host is commonly given a whole /64 and
/// can take any address in it (keyed one by one, each new address was a
/// fresh budget); an IPv4-mapped IPv6 address its IPv4 address.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ipv6_addresses_are_keyed_by_their_64() {
        let k = |a: &str| address_key(a.parse().unwrap()).to_string();
        assert_eq!(k("203.0.113.7"), "203.0.113.7");
        assert_eq!(k("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::");
        assert_eq!(k("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::");
        assert_ne!(k("2001:db8:1:3::1"), k("2001:db8:1:2::1"));
        assert_eq!(k("::ffff:198.51.100.4"), "198.51.100.4");
    }

    use super::*;

    #[test]
    fn refuses_past_the_burst() {
        let mut b = TokenBucket::new(0.001, 3.0);
        assert!(b.take() && b.take() && b.take());
        assert!(!b.take());
    }
}
