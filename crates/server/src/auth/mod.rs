//! Authentication: argon2id password hashes (computed on the blocking pool) and
//! HMAC-SHA256 signed, expiring tokens tied to a revocable session row.

mod password;
mod throttle;
mod token;

use std::path::Path;

pub use password::{HashError, Hasher, PasswordParams};
pub use throttle::LoginThrottle;
pub use token::{Claims, TokenError, TokenKey};

/// Errors setting up authentication.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Reading or writing the secret file failed.
    #[error("token secret file {path}: {source}")]
    SecretFile {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The configured secret is not valid hex of at least 32 bytes.
    #[error("token secret must be at least 64 hex characters")]
    BadSecret,
}

/// Loads the token key: the configured hex secret, else `dir/secret`, which is
/// generated (32 random bytes, mode 0600) on first start.
pub fn load_key(configured: Option<&str>, dir: &Path) -> Result<TokenKey, AuthError> {
    if let Some(hex_secret) = configured {
        let bytes = hex::decode(hex_secret.trim()).map_err(|_| AuthError::BadSecret)?;
        if bytes.len() < 32 {
            return Err(AuthError::BadSecret);
        }
        return Ok(TokenKey::new(&bytes));
    }
    let path = dir.join("secret");
    let err = |source| AuthError::SecretFile {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim()).map_err(|_| AuthError::BadSecret)?;
            Ok(TokenKey::new(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let bytes: [u8; 32] = rand::random();
            write_private(&path, &hex::encode(bytes)).map_err(err)?;
            Ok(TokenKey::new(&bytes))
        }
        Err(e) => Err(err(e)),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// A random id (hex of 16 random bytes), for sessions.
pub fn random_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}
