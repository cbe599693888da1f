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

use crate::error::{CertificateProblem, Detail, Error, Result};

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

/// The rustls error in `e`'s chain of sources, if any. An `io::Error`'s `source()`
/// skips the error it wraps, so the walk goes into that one instead (hyper-rustls
/// wraps rustls' `io::Error` in another: reqwest → hyper → io → io → rustls).
fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        next = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

/// webpki's "CA used as end entity", which rustls passes on as `Other`.
fn is_ca_as_server(o: &rustls::OtherError) -> bool {
    let e: &(dyn std::error::Error + 'static) = &*o.0;
    matches!(
        e.downcast_ref::<webpki::Error>(),
        Some(webpki::Error::CaUsedAsEndEntity)
    )
}

/// The error of a failed connection (`what` worded): [`Error::Certificate`] when `e`
/// is a refused server certificate, else [`Error::Offline`].
pub(crate) fn classify(e: impl std::error::Error + Send + Sync + 'static, what: String) -> Error {
    use rustls::CertificateError as C;
    let problem = match rustls_error(&e) {
        Some(rustls::Error::InvalidCertificate(c)) => match c {
            C::UnknownIssuer | C::BadSignature => CertificateProblem::UnknownIssuer,
            C::NotValidForName | C::NotValidForNameContext { .. } => CertificateProblem::WrongName,
            C::Expired
            | C::ExpiredContext { .. }
            | C::NotValidYet
            | C::NotValidYetContext { .. } => CertificateProblem::Expired,
            C::Other(o) if is_ca_as_server(o) => CertificateProblem::CaAsServer,
            _ => CertificateProblem::Invalid,
        },
        _ => return Error::Offline(Detail::caused(what, e)),
    };
    Error::Certificate {
        problem,
        detail: Detail::caused(what, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(e: rustls::Error) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e)
    }

    #[test]
    fn a_refused_certificate_is_told_from_other_failures() {
        use rustls::CertificateError as C;
        let cases = [
            (C::UnknownIssuer, CertificateProblem::UnknownIssuer),
            (C::NotValidForName, CertificateProblem::WrongName),
            (C::Expired, CertificateProblem::Expired),
            (C::NotValidYet, CertificateProblem::Expired),
            (C::Revoked, CertificateProblem::Invalid),
            (
                C::Other(rustls::OtherError(Arc::new(
                    webpki::Error::CaUsedAsEndEntity,
                ))),
                CertificateProblem::CaAsServer,
            ),
        ];
        for (c, want) in cases {
            let e = classify(io(rustls::Error::InvalidCertificate(c)), "x".into());
            let Error::Certificate { problem, .. } = &e else {
                panic!("{e:?}")
            };
            assert_eq!(*problem, want);
            assert!(e.is_transient(), "retried like offline");
            assert!(
                e.cause_of::<std::io::Error>().is_some(),
                "the cause is kept"
            );
        }
        // As hyper-rustls hands it to reqwest (a download): one io::Error in another.
        let nested = std::io::Error::other(io(rustls::Error::InvalidCertificate(C::Expired)));
        let e = classify(nested, "d".into());
        assert!(
            matches!(
                e,
                Error::Certificate {
                    problem: CertificateProblem::Expired,
                    ..
                }
            ),
            "{e:?}"
        );
        // Another TLS failure, and a refused TCP connection, stay "offline".
        let e = classify(io(rustls::Error::HandshakeNotComplete), "y".into());
        assert!(matches!(e, Error::Offline(_)), "{e:?}");
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(matches!(classify(refused, "z".into()), Error::Offline(_)));
    }
}
