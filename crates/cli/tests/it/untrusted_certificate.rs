//! A server whose TLS certificate is not trusted: tern-cli says so, with its own
//! exit code and the problem named, rather than calling the server offline (also
//! for a saved session, at once); and the README's way of trusting a self-signed
//! certificate (`--ca-cert`) works, against tern-server's own TLS.

use std::path::Path;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::common::*;

/// A TLS listener on 127.0.0.1 with a self-signed certificate for `localhost`
/// (written to `pem`), which ends every connection after the handshake; its port.
/// `ca`: basicConstraints CA:TRUE, as `openssl req -x509` makes one by default.
async fn self_signed_listener(ca: bool, pem: &Path) -> u16 {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    if ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    let cert = params.self_signed(&key).unwrap();
    std::fs::write(pem, cert.pem()).unwrap();
    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = tokio::time::timeout(WAIT, acceptor.accept(tcp)).await;
            });
        }
    });
    port
}

/// `tern-cli <args>` as alice against `port`: its exit code and the JSON error
/// (null when it succeeded).
async fn cli_at(
    dir: &Path,
    port: u16,
    ca_cert: Option<&Path>,
    args: &[&str],
) -> (Option<i32>, Value) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tern-cli"));
    c.arg("--server")
        .arg(format!("wss://localhost:{port}/ws"))
        .arg("--data-dir")
        .arg(data_dir(dir, "alice"));
    if let Some(pem) = ca_cert {
        c.arg("--ca-cert").arg(pem);
    }
    let out = tokio::time::timeout(
        WAIT,
        c.args(args)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let err = serde_json::from_str(stderr.trim()).unwrap_or(Value::Null);
    (out.status.code(), err)
}

async fn login(dir: &Path, port: u16, ca_cert: Option<&Path>) -> (Option<i32>, Value) {
    cli_at(dir, port, ca_cert, &["login", "alice", "password123"]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_server_exits_6_with_the_problem_named() {
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("server.pem");
    let port = self_signed_listener(false, &pem).await;
    let (code, err) = login(dir.path(), port, None).await;
    assert_eq!(code, Some(6), "{err}");
    assert_eq!(err["error"]["kind"], "certificate", "{err}");
    assert_eq!(err["error"]["problem"], "unknown_issuer", "{err}");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("not trusted"), "{err}");

    // Trusted with --ca-cert, as the README says: the handshake passes (this
    // listener then hangs up: offline, no longer a certificate problem).
    let (code, err) = login(dir.path(), port, Some(&pem)).await;
    assert_eq!(code, Some(4), "{err}");
    assert_eq!(err["error"]["kind"], "offline", "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_certificate_as_the_servers_own_is_named_even_when_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("server.pem");
    let port = self_signed_listener(true, &pem).await;
    for ca_cert in [None, Some(pem.as_path())] {
        let (code, err) = login(dir.path(), port, ca_cert).await;
        assert_eq!(code, Some(6), "{err}");
        assert_eq!(err["error"]["problem"], "ca_as_server", "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_session_whose_certificate_is_refused_exits_6_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // tern-server's own TLS, with a self-signed certificate made as the README says.
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (pem, key_pem) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&pem, cert.pem()).unwrap();
    std::fs::write(&key_pem, key.serialize_pem()).unwrap();
    let mut config = tern_server::Config::for_tests(dir.path().join("server"));
    config.tls_cert = Some(pem.clone());
    config.tls_key = Some(key_pem);
    let server = tern_server::spawn(config).await.unwrap();
    let port = server.addr().port();
    let ok = ["register", "alice", "password123"];
    assert_eq!(cli_at(dir.path(), port, Some(&pem), &ok).await.0, Some(0));
    assert_eq!(login(dir.path(), port, Some(&pem)).await.0, Some(0));
    // The saved session, without the CA now: a command that needs the server
    // says why it cannot, without waiting out --timeout (30 s here).
    let started = std::time::Instant::now();
    let send = ["--timeout", "30", "send", "alice", "hello"];
    let (code, err) = cli_at(dir.path(), port, None, &send).await;
    assert_eq!(code, Some(6), "{err}");
    assert_eq!(err["error"]["problem"], "unknown_issuer", "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    server.shutdown().await;
}
