//! Argon2id password hashing on a small pool of dedicated threads.
//!
//! Each hash holds `argon2_memory_kib` (19 MiB by default) while it runs, and
//! the allocator keeps that memory in the arena of the thread that used it. On
//! Tokio's blocking pool (up to 512 threads) a login flood therefore grew the
//! server to a gigabyte and kept it there. Here at most `threads` hashes run at
//! once, always on the same threads, so hashing never holds more than
//! `threads × memory`; callers over that wait (up to a bound they choose) for a
//! slot and are otherwise told the server is busy.

use std::sync::mpsc;
use std::sync::Arc;

use parking_lot::Mutex;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::{oneshot, Semaphore};

/// Cost parameters for new hashes (verification reads them from the hash).
#[derive(Debug, Clone, Copy)]
pub struct PasswordParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
}

/// Why a hash was not computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// Every hashing thread stayed busy for the whole wait.
    #[error("the server is busy checking passwords; retry in a moment")]
    Busy,
    /// The parameters or the hashing failed.
    #[error("hashing failed: {0}")]
    Failed(String),
}

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads and the slots that admit work to them.
#[derive(Debug)]
pub struct Hasher {
    slots: Arc<Semaphore>,
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl Hasher {
    /// Starts `threads` hashing threads; they end when the `Hasher` is dropped.
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("tern-hash-{i}"))
                .spawn(move || loop {
                    let job = rx.lock().recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        Self {
            slots: Arc::new(Semaphore::new(threads)),
            jobs: Mutex::new(tx),
        }
    }

    /// Runs `f` on a hashing thread once a slot is free, waiting at most
    /// `wait` for one (`None`: as long as it takes).
    async fn run<T: Send + 'static>(
        &self,
        wait: Option<Duration>,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let acquire = self.slots.clone().acquire_owned();
        let permit = match wait {
            Some(w) => tokio::time::timeout(w, acquire)
                .await
                .map_err(|_| HashError::Busy)?,
            None => acquire.await,
        }
        .map_err(|_| HashError::Busy)?;
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
            drop(permit);
        });
        self.jobs
            .lock()
            .send(job)
            .map_err(|_| HashError::Failed("hashing threads stopped".into()))?;
        rx.await
            .map_err(|_| HashError::Failed("hashing thread died".into()))
    }

    /// Hashes `password` into a PHC string.
    pub async fn hash(
        &self,
        password: String,
        p: PasswordParams,
        wait: Option<Duration>,
    ) -> Result<String, HashError> {
        self.run(wait, move || hash_now(&password, p)).await?
    }

    /// Checks `password` against a stored PHC hash.
    pub async fn verify(
        &self,
        password: String,
        hash: String,
        wait: Option<Duration>,
    ) -> Result<bool, HashError> {
        self.run(wait, move || verify_now(&password, &hash)).await
    }
}

fn hash_now(password: &str, p: PasswordParams) -> Result<String, HashError> {
    let failed = |e: &dyn std::fmt::Display| HashError::Failed(e.to_string());
    let params = Params::new(p.memory_kib, p.iterations, 1, None).map_err(|e| failed(&e))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| failed(&e))?;
    argon
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| failed(&e))
}

fn verify_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: PasswordParams = PasswordParams {
        memory_kib: 64,
        iterations: 1,
    };

    #[tokio::test]
    async fn hashes_verify_and_a_full_pool_answers_busy() {
        let h = Hasher::new(1);
        let hash = h.hash("pw".into(), CHEAP, None).await.unwrap();
        assert!(h.verify("pw".into(), hash.clone(), None).await.unwrap());
        assert!(!h.verify("nope".into(), hash, None).await.unwrap());
        // Hold the only slot: a second caller with a short wait is refused.
        let held = h.slots.clone().acquire_owned().await.unwrap();
        let busy = h
            .hash("x".into(), CHEAP, Some(Duration::from_millis(20)))
            .await;
        assert_eq!(busy, Err(HashError::Busy));
        drop(held);
    }
}
