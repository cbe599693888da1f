//! Failed-login throttling. Failures are counted per account and per IP
//! address within a window; reaching the limit locks that account or address
//! for a while (doubling with each further lockout in the window, up to 16×).
//! A locked login is refused before any password is checked, so guessing costs
//! the attacker time and the server nothing. Registrations are counted per
//! address the same way (each one costs a password hash), as a key of their
//! own: a locked address may still log in. An IPv6 address is counted as
//! its /64 ([`address_key`]).

use parking_lot::Mutex;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use tern_proto::UserId;

use crate::rate_limit::address_key;
use crate::security_config::Security;

/// Most keys remembered; past this, entries that are not locked are dropped
/// first (an attacker with many addresses cannot grow this without bound).
const MAX_KEYS: usize = 100_000;

/// What is counted: an account or an address (failed logins), or an
/// address's registrations.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    User(UserId),
    Ip(IpAddr),
    Register(IpAddr),
    Admin(IpAddr),
}

/// Failures of one key in its current window.
#[derive(Debug, Clone)]
struct Failures {
    window_start: Instant,
    count: u32,
    lockouts: u32,
    locked_until: Option<Instant>,
}

/// Failed-login counters, shared by every connection.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    keys: Mutex<HashMap<Key, Failures>>,
}

impl LoginThrottle {
    /// `Err(wait)` while the account or the address is locked.
    pub fn check(&self, user: &UserId, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let keys = self.keys.lock();
        let wait = [Key::User(user.clone()), Key::Ip(address_key(ip))]
            .iter()
            .filter_map(|k| keys.get(k)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        match wait {
            Some(w) => Err(w),
            None => Ok(()),
        }
    }

    /// Counts a failed login; returns the lockout it started, if any.
    pub fn failed(
        &self,
        user: &UserId,
        ip: IpAddr,
        sec: &Security,
        now: Instant,
    ) -> Option<Duration> {
        let mut keys = self.keys.lock();
        let limits = [
            (Key::User(user.clone()), sec.login_max_failures),
            (Key::Ip(address_key(ip)), sec.login_max_failures_per_ip),
        ];
        let mut started = None;
        for (key, max) in limits {
            started = started.max(count(&mut keys, key, max, sec, now));
        }
        started
    }

    /// `Err(wait)` while the admin API is locked for `ip` (wrong secrets).
    pub fn admin_check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        wait(&self.keys.lock(), &Key::Admin(address_key(ip)), now)
    }

    /// Counts a wrong admin secret from `ip` (`login_max_failures_per_ip` per
    /// window, then locked like a login); returns the lockout it started.
    pub fn admin_failed(&self, ip: IpAddr, sec: &Security, now: Instant) -> Option<Duration> {
        let mut keys = self.keys.lock();
        count(
            &mut keys,
            Key::Admin(address_key(ip)),
            sec.login_max_failures_per_ip,
            sec,
            now,
        )
    }

    /// A registration from `ip`: `Err(wait)` while the address's
    /// registrations are locked; else counted (at most
    /// `login_max_failures_per_ip` per `login_failure_window`, then locked
    /// like a login), and allowed.
    pub fn register(&self, ip: IpAddr, sec: &Security, now: Instant) -> Result<(), Duration> {
        let mut keys = self.keys.lock();
        let key = Key::Register(address_key(ip));
        wait(&keys, &key, now)?;
        count(&mut keys, key, sec.login_max_failures_per_ip, sec, now);
        Ok(())
    }

    /// A correct password clears the account's failures (not the address's:
    /// an attacker must not reset their counter with an account of their own).
    pub fn succeeded(&self, user: &UserId) {
        let mut keys = self.keys.lock();
        keys.remove(&Key::User(user.clone()));
    }
}

/// `Err(wait)` while `key` is locked.
fn wait(keys: &HashMap<Key, Failures>, key: &Key, now: Instant) -> Result<(), Duration> {
    match keys.get(key).and_then(|f| f.locked_until) {
        Some(until) if until > now => Err(until - now),
        _ => Ok(()),
    }
}

/// Counts one event of `key` (limit `max` per window); returns the lockout it
/// started, if any.
fn count(
    keys: &mut HashMap<Key, Failures>,
    key: Key,
    max: u32,
    sec: &Security,
    now: Instant,
) -> Option<Duration> {
    if keys.len() >= MAX_KEYS {
        prune(keys, sec.login_failure_window, now);
    }
    let f = keys.entry(key).or_insert(Failures {
        window_start: now,
        count: 0,
        lockouts: 0,
        locked_until: None,
    });
    if now.duration_since(f.window_start) > sec.login_failure_window
        && f.locked_until.is_none_or(|u| u <= now)
    {
        *f = Failures {
            window_start: now,
            count: 0,
            lockouts: 0,
            locked_until: None,
        };
    }
    f.count += 1;
    if f.count < max {
        return None;
    }
    let lock = sec.login_lockout * (1 << f.lockouts.min(4));
    f.lockouts += 1;
    f.count = 0;
    f.window_start = now;
    f.locked_until = Some(now + lock);
    Some(lock)
}

/// Drops expired entries; if that is not enough, every unlocked one.
fn prune(keys: &mut HashMap<Key, Failures>, window: Duration, now: Instant) {
    let locked = |f: &Failures| f.locked_until.is_some_and(|u| u > now);
    keys.retain(|_, f| locked(f) || now.duration_since(f.window_start) <= window);
    if keys.len() >= MAX_KEYS {
        keys.retain(|_, f| locked(f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sec() -> Security {
        Security {
            login_max_failures: 3,
            login_max_failures_per_ip: 5,
            login_lockout: Duration::from_secs(60),
            login_failure_window: Duration::from_secs(900),
            ..Security::default()
        }
    }

    #[test]
    fn account_locks_after_its_limit_and_lockouts_double() {
        let t = LoginThrottle::default();
        let (u, ip, now) = (
            UserId::new("alice").unwrap(),
            "10.0.0.1".parse().unwrap(),
            Instant::now(),
        );
        assert_eq!(t.failed(&u, ip, &sec(), now), None);
        assert_eq!(t.failed(&u, ip, &sec(), now), None);
        assert_eq!(t.failed(&u, ip, &sec(), now), Some(Duration::from_secs(60)));
        assert!(t.check(&u, ip, now).is_err());
        let later = now + Duration::from_secs(61);
        assert!(t.check(&u, ip, later).is_ok());
        for _ in 0..2 {
            t.failed(&u, "10.0.0.9".parse().unwrap(), &sec(), later);
        }
        let lock = t.failed(&u, "10.0.0.9".parse().unwrap(), &sec(), later);
        assert_eq!(
            lock,
            Some(Duration::from_secs(120)),
            "second lockout doubles"
        );
    }

    #[test]
    fn address_locks_across_accounts_and_success_does_not_reset_it() {
        let t = LoginThrottle::default();
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        let now = Instant::now();
        for i in 0..5 {
            let u = UserId::new(format!("user{i}")).unwrap();
            t.failed(&u, ip, &sec(), now);
            t.succeeded(&u);
        }
        let fresh = UserId::new("fresh").unwrap();
        assert!(t.check(&fresh, ip, now).is_err(), "the address is locked");
        assert!(t.check(&fresh, "10.0.0.3".parse().unwrap(), now).is_ok());
    }

    #[test]
    fn registrations_are_counted_per_address_apart_from_logins() {
        let t = LoginThrottle::default();
        let ip: IpAddr = "10.0.0.4".parse().unwrap();
        let now = Instant::now();
        for _ in 0..5 {
            assert!(t.register(ip, &sec(), now).is_ok());
        }
        assert_eq!(t.register(ip, &sec(), now), Err(Duration::from_secs(60)));
        let u = UserId::new("someone").unwrap();
        assert!(
            t.check(&u, ip, now).is_ok(),
            "logins from it are not locked"
        );
        assert!(t.register("10.0.0.5".parse().unwrap(), &sec(), now).is_ok());
        assert!(t
            .register(ip, &sec(), now + Duration::from_secs(61))
            .is_ok());
    }
}
