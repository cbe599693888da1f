//! The TLS setup of `wss://` and `https://` connections: one rustls client
//! configuration (ring provider) trusting the OS's CA store plus, optionally, the CA
//! certificates of a PEM file ([`crate::ClientConfig::extra_ca_pem`]), shared by the
//! WebSocket and the file transfers. Plain `ws://`/`http://` URLs never use it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

use crate::error::{Detail, Error, Result};

/// The OS's trusted CA certificates, read once per process.
fn native_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::warn!("reading the system's CA certificates: {e}");
        }
        found.certs
    })
}

/// Reads the CA certificates of a PEM file; a clear error when it cannot be read or
/// holds no valid certificate.
fn read_extra_ca(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let bad = |why: String| {
        Error::InvalidArgument(format!("extra CA certificate {}: {why}", path.display()))
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("not a PEM certificate file ({e})")))?;
    if certs.is_empty() {
        return Err(bad(
            "no PEM certificate (BEGIN CERTIFICATE) in the file".into()
        ));
    }
    Ok(certs)
}

/// The client TLS configuration for `extra_ca` (cached per path: built once).
pub(crate) fn client_config(extra_ca: Option<&Path>) -> Result<Arc<rustls::ClientConfig>> {
    static CACHE: OnceLock<Mutex<HashMap<Option<PathBuf>, Arc<rustls::ClientConfig>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let key = extra_ca.map(Path::to_path_buf);
    if let Some(c) = cache.lock().get(&key) {
        return Ok(c.clone());
    }
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(native_roots().iter().cloned());
    if let Some(path) = extra_ca {
        for cert in read_extra_ca(path)? {
            roots.add(cert).map_err(|e| {
                Error::InvalidArgument(format!(
                    "extra CA certificate {}: not a usable CA certificate ({e})",
                    path.display()
                ))
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Protocol(Detail::caused(format!("TLS setup: {e}"), e)))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let config = Arc::new(config);
    cache.lock().insert(key, config.clone());
    Ok(config)
}
