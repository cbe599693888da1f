//! A server behind TLS: a private CA and a `localhost` certificate made with rcgen, a
//! TLS-terminating proxy (tokio-rustls) in front of a real tern-server, and clients
//! with `server_url = wss://localhost:<port>/ws` and the CA as `extra_ca_pem`. They
//! chat and move a file over `https://`; a client without the CA fails with a
//! certificate error, and a bad CA file is refused by `Client::new`.

use crate::common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use tern_core::proto::{Content, FileRef};
use tern_core::{CertificateProblem, Client, ClientConfig, Error, Event};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Writes the CA's PEM to `dir/ca.pem` and returns the proxy's TLS config for a
/// certificate (signed by that CA) valid for `localhost` and 127.0.0.1.
fn make_pki(dir: &Path) -> Arc<rustls::ServerConfig> {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Tern test CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();

    let mut leaf =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &ca).unwrap();
    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone(), ca.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    Arc::new(config)
}

/// A TLS-terminating proxy on 127.0.0.1:0 forwarding to `upstream`; returns its port.
async fn start_proxy(tls: Arc<rustls::ServerConfig>, upstream: SocketAddr) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that rejects the certificate ends its handshake here.
                let Ok(Ok(mut tls)) =
                    tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
                else {
                    return;
                };
                let Ok(mut up) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
            });
        }
    });
    port
}

fn tls_config(dir: &Path, name: &str, port: u16, ca: Option<&Path>) -> ClientConfig {
    // `fast_config`'s timings, with the server behind the proxy.
    let mut c = fast_config(dir.join(name), "127.0.0.1:1".parse().unwrap());
    c.server_url = format!("wss://localhost:{port}/ws");
    c.extra_ca_pem = ca.map(Path::to_path_buf);
    c
}

async fn tls_user(dir: &Path, port: u16, name: &str) -> Session {
    let client = Client::new(tls_config(dir, name, port, Some(&dir.join("ca.pem")))).unwrap();
    tokio::time::timeout(WAIT, client.register(&uid(name), "password123"))
        .await
        .unwrap()
        .unwrap();
    let mut rx = client.subscribe();
    tokio::time::timeout(WAIT, client.login(&uid(name), "password123"))
        .await
        .unwrap()
        .unwrap();
    wait_for(&mut rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    (client, rx)
}

fn file_of(content: &Content) -> &FileRef {
    match content {
        Content::File { file } | Content::Image { file, .. } => file,
        other => panic!("not a file message: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_chat_and_move_files_over_wss_and_https_with_an_extra_ca() {
    let dir = tempfile::tempdir().unwrap();
    let tls = make_pki(dir.path());
    let server = start_server(dir.path()).await;
    let port = start_proxy(tls, server.addr()).await;

    let (alice, mut a_rx) = tls_user(dir.path(), port, "alice").await;
    let (bob, mut b_rx) = tls_user(dir.path(), port, "bob").await;
    let conv = alice.direct_conversation(&uid("bob")).unwrap();

    // A text message over wss.
    let sent = alice.send_text(&conv, "hello over TLS").await.unwrap();
    let Event::NewMessage { message, .. } = wait_for(
        &mut b_rx,
        |e| matches!(e, Event::NewMessage { message, .. } if message.client_id == sent.client_id),
    )
    .await
    else {
        unreachable!()
    };
    assert!(
        matches!(&message.content, Content::Text { text } if text == "hello over TLS"),
        "{:?}",
        message.content
    );

    // A file over https (upload by alice, download by bob).
    let src = dir.path().join("tls.bin");
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(&src, &bytes).unwrap();
    let local = alice.send_file(&conv, &src).await.unwrap();
    let Event::TransferFinished { ok, error, .. } = wait_for(
        &mut a_rx,
        |e| matches!(e, Event::TransferFinished { transfer, .. } if transfer == local.client_id.as_str()),
    )
    .await
    else {
        unreachable!()
    };
    assert!(ok, "upload over https failed: {error:?}");
    let Event::NewMessage { message, .. } = wait_for(
        &mut b_rx,
        |e| matches!(e, Event::NewMessage { message, .. } if message.client_id == local.client_id),
    )
    .await
    else {
        unreachable!()
    };
    let file = file_of(&message.content).clone();
    let path = tokio::time::timeout(WAIT, bob.download_file(&file))
        .await
        .unwrap()
        .unwrap();
    assert!(
        std::fs::read(&path).unwrap() == bytes,
        "downloaded bytes differ"
    );

    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_without_the_ca_fails_with_a_certificate_error() {
    let dir = tempfile::tempdir().unwrap();
    let tls = make_pki(dir.path());
    let server = start_server(dir.path()).await;
    let port = start_proxy(tls, server.addr()).await;

    let client = Client::new(tls_config(dir.path(), "eve", port, None)).unwrap();
    let err = tokio::time::timeout(WAIT, client.login(&uid("eve"), "password123"))
        .await
        .expect("login must fail, not hang")
        .expect_err("the server's certificate is not trusted");
    let text = err.to_string();
    assert!(
        text.to_lowercase().contains("certificate"),
        "error should name the certificate: {text}"
    );
    // Told apart from an unreachable server, with the reason an app can word.
    assert!(
        matches!(
            err,
            Error::Certificate {
                problem: CertificateProblem::UnknownIssuer,
                ..
            }
        ),
        "{err:?}"
    );
    eprintln!("without the CA: {text}");
    server.shutdown().await;
}

/// A remembered sign-in (token) whose server's certificate is no longer trusted
/// starts on the cache, as offline, and every failed attempt says why, as do its
/// avatar uploads and downloads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_session_reports_the_refused_certificate_on_each_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let tls = make_pki(dir.path());
    let server = start_server(dir.path()).await;
    let port = start_proxy(tls, server.addr()).await;
    let (alice, _rx) = tls_user(dir.path(), port, "alice").await;
    let token = alice.token().expect("a session token");
    alice.close().await;
    let (bob, _rx) = tls_user(dir.path(), port, "bob").await;
    let bobs_avatar = bob.upload_avatar(png(2, 2)).await.unwrap();
    bob.close().await;

    // The same data dir, without the CA this time.
    let client = Client::new(tls_config(dir.path(), "alice", port, None)).unwrap();
    let mut rx = client.subscribe();
    tokio::time::timeout(WAIT, client.login_with_token(&uid("alice"), &token))
        .await
        .unwrap()
        .expect("a restored session starts on the cache");
    let Event::ConnectFailed {
        error, certificate, ..
    } = wait_for(&mut rx, |e| matches!(e, Event::ConnectFailed { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(
        certificate,
        Some(CertificateProblem::UnknownIssuer),
        "{error}"
    );
    assert!(error.contains("certificate is not trusted"), "{error}");
    // Its avatar transfers over https say why too (uploading mine, fetching bob's).
    let refused = |e: &Error| {
        matches!(
            e,
            Error::Certificate {
                problem: CertificateProblem::UnknownIssuer,
                ..
            }
        )
    };
    let up = tokio::time::timeout(WAIT, client.upload_avatar(png(2, 2)))
        .await
        .unwrap()
        .expect_err("an upload over an untrusted https");
    assert!(refused(&up), "{up:?}");
    let down = tokio::time::timeout(WAIT, client.avatar(&bobs_avatar))
        .await
        .unwrap()
        .expect_err("a fetch over an untrusted https");
    assert!(refused(&down), "{down:?}");
    client.close().await;
    server.shutdown().await;
}

#[test]
fn a_bad_ca_file_is_refused_by_client_new() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "this is not a certificate\n").unwrap();
    let mut cfg = ClientConfig::new(dir.path().join("c1"), "wss://localhost:1/ws");
    cfg.extra_ca_pem = Some(junk.clone());
    let Err(e) = Client::new(cfg) else {
        panic!("a file without a certificate was accepted")
    };
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    assert!(e.to_string().contains("junk.pem"), "{e}");

    let mut cfg = ClientConfig::new(dir.path().join("c2"), "wss://localhost:1/ws");
    cfg.extra_ca_pem = Some(dir.path().join("missing.pem"));
    let Err(e) = Client::new(cfg) else {
        panic!("a missing file was accepted")
    };
    assert!(e.to_string().contains("missing.pem"), "{e}");
}
