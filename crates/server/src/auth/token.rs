//! Tokens: `base64url(claims JSON) "." base64url(HMAC-SHA256(claims))`.
//!
//! A trusted app backend holding the server secret can mint tokens itself
//! (like TIM's UserSig) with [`TokenKey::sign`].

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tern_proto::UserId;

type HmacSha256 = Hmac<Sha256>;

/// What a token says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// The user.
    #[serde(rename = "u")]
    pub user: UserId,
    /// The session row this token belongs to (revocation).
    #[serde(rename = "s")]
    pub session: String,
    /// Expiry, milliseconds since the epoch.
    #[serde(rename = "e")]
    pub expires_at: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Malformed or bad signature.
    #[error("token is malformed or its signature is wrong")]
    Invalid,
    /// Signature fine, but past its expiry.
    #[error("token has expired")]
    Expired,
}

/// The server's HMAC key.
#[derive(Clone)]
pub struct TokenKey(HmacSha256);

impl TokenKey {
    /// A key from secret bytes.
    pub fn new(secret: &[u8]) -> Self {
        Self(HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length"))
    }

    /// Signs `claims` into a token string.
    pub fn sign(&self, claims: &Claims) -> String {
        let body = B64.encode(serde_json::to_vec(claims).expect("claims serialise"));
        let mut mac = self.0.clone();
        mac.update(body.as_bytes());
        let sig = B64.encode(mac.finalize().into_bytes());
        format!("{body}.{sig}")
    }

    /// Checks the signature (in constant time), then the expiry against `now`.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let (body, sig) = token.split_once('.').ok_or(TokenError::Invalid)?;
        let sig = B64.decode(sig).map_err(|_| TokenError::Invalid)?;
        let mut mac = self.0.clone();
        mac.update(body.as_bytes());
        mac.verify_slice(&sig).map_err(|_| TokenError::Invalid)?;
        let claims: Claims =
            serde_json::from_slice(&B64.decode(body).map_err(|_| TokenError::Invalid)?)
                .map_err(|_| TokenError::Invalid)?;
        if claims.expires_at <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_and_refuses() {
        let key = TokenKey::new(b"0123456789abcdef0123456789abcdef");
        let claims = Claims {
            user: UserId::new("alice").unwrap(),
            session: "s1".into(),
            expires_at: 1000,
        };
        let t = key.sign(&claims);
        assert_eq!(key.verify(&t, 999), Ok(claims));
        assert_eq!(key.verify(&t, 1000), Err(TokenError::Expired));
        let other = TokenKey::new(b"another secret of enough length!");
        assert_eq!(other.verify(&t, 0), Err(TokenError::Invalid));
        let forged = format!("{}x", t);
        assert_eq!(key.verify(&forged, 0), Err(TokenError::Invalid));
        assert_eq!(key.verify("garbage", 0), Err(TokenError::Invalid));
    }
}
