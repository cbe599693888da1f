//! Built-in TLS (`tls_cert` + `tls_key`): a private CA and a `localhost` certificate
//! made with rcgen, a tern-server serving HTTPS/WSS on its one port, and clients
//! (reqwest, tokio-tungstenite; no tern-core) trusting only that CA. A client that
//! stalls or sends garbage instead of a handshake only loses its own connection, and
//! bad TLS settings are refused at startup with the file named.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use tern_proto::{ClientFrame, ReqId, Request, Response, ServerFrame};
use tern_server::{Config, Error, ServerHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_tungstenite::tungstenite::Message;

const WAIT: Duration = Duration::from_secs(10);

/// The certificate files and the CA the clients trust.
struct Pki {
    cert: PathBuf,
    key: PathBuf,
    ca: rustls::pki_types::CertificateDer<'static>,
}

/// A CA, and a certificate it signs for `localhost` and 127.0.0.1, written as
/// `dir/cert.pem` (leaf then CA) and `dir/key.pem`.
fn make_pki(dir: &Path) -> Pki {
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
    let mut leaf =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &ca).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, format!("{}{}", cert.pem(), ca.pem())).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    Pki {
        cert: cert_path,
        key: key_path,
        ca: ca.der().clone(),
    }
}

fn tls_config(dir: &Path, pki: &Pki) -> Config {
    let mut config = Config::for_tests(dir.join("data"));
    config.tls_cert = Some(pki.cert.clone());
    config.tls_key = Some(pki.key.clone());
    config
}

/// A client TLS config trusting only the test CA (ring provider).
fn client_tls(pki: &Pki) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    Arc::new(config)
}

fn https(pki: &Pki) -> reqwest::Client {
    reqwest::Client::builder()
        .use_preconfigured_tls((*client_tls(pki)).clone())
        .timeout(WAIT)
        .build()
        .unwrap()
}

async fn health(client: &reqwest::Client, url: &str) -> serde_json::Value {
    let res = client.get(url).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    res.json().await.unwrap()
}

/// Opens `wss://localhost:<port>/ws`, sends `hello` and returns the server's name.
async fn wss_hello(pki: &Pki, server: &ServerHandle) -> String {
    let url = format!("wss://localhost:{}/ws", server.addr().port());
    let connector = tokio_tungstenite::Connector::Rustls(client_tls(pki));
    let (mut ws, _) = tokio::time::timeout(
        WAIT,
        tokio_tungstenite::connect_async_tls_with_config(url, None, false, Some(connector)),
    )
    .await
    .expect("wss connect timed out")
    .expect("wss connect");
    let hello = ClientFrame {
        id: ReqId(1),
        req: Request::Hello {
            version: tern_proto::PROTOCOL_VERSION,
        },
    };
    ws.send(Message::text(hello.encode())).await.unwrap();
    loop {
        let msg = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("no hello answer")
            .expect("stream ended")
            .unwrap();
        let Message::Text(text) = msg else { continue };
        match ServerFrame::decode(text.as_str()).unwrap() {
            ServerFrame::Ok {
                id: ReqId(1),
                res: Response::Hello { server, .. },
            } => return server,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_over_https_and_hello_over_wss_with_the_built_in_tls() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki(dir.path());
    let server = tern_server::spawn(tls_config(dir.path(), &pki))
        .await
        .unwrap();
    let port = server.addr().port();

    let body = health(&https(&pki), &format!("https://localhost:{port}/health")).await;
    assert_eq!(body["status"], "ok", "{body}");

    let name = wss_hello(&pki, &server).await;
    assert!(name.starts_with("tern-server/"), "{name}");

    // A client that trusts another CA is refused.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let untrusting = reqwest::Client::builder()
        .use_preconfigured_tls((*client_tls(&make_pki(&other))).clone())
        .timeout(WAIT)
        .build()
        .unwrap();
    assert!(untrusting
        .get(format!("https://localhost:{port}/health"))
        .send()
        .await
        .is_err());

    tokio::time::timeout(Duration::from_secs(20), server.shutdown())
        .await
        .expect("graceful shutdown timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_and_garbage_handshakes_only_drop_their_own_connection() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki(dir.path());
    let server = tern_server::spawn(tls_config(dir.path(), &pki))
        .await
        .unwrap();
    let addr = server.addr();

    // Clients that never start a handshake (they connect and say nothing).
    let mut stalled = Vec::new();
    for _ in 0..5 {
        stalled.push(TcpStream::connect(addr).await.unwrap());
    }
    // A client that sends plain HTTP and garbage instead of a ClientHello is closed
    // without an HTTP answer (the port speaks only TLS).
    let mut garbage = TcpStream::connect(addr).await.unwrap();
    garbage
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff garbage")
        .await
        .unwrap();
    let mut got = Vec::new();
    let closed = tokio::time::timeout(WAIT, async {
        let mut buf = [0u8; 1024];
        loop {
            match garbage.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]), // a TLS alert, then the close
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the garbage connection stayed open");
    assert!(
        !String::from_utf8_lossy(&got).contains("HTTP/"),
        "plain HTTP was answered: {got:?}"
    );

    // Meanwhile a good client is served, over HTTPS and WSS.
    let client = https(&pki);
    let url = format!("https://localhost:{}/health", addr.port());
    let good = tokio::time::timeout(WAIT, async {
        let body = health(&client, &url).await;
        assert_eq!(body["status"], "ok");
        wss_hello(&pki, &server).await
    })
    .await
    .expect("a good client was held up by the bad ones");
    assert!(good.starts_with("tern-server/"));

    // The stalled clients are dropped after the handshake timeout (10 s).
    let waited = tokio::time::timeout(
        tern_server::tls::HANDSHAKE_TIMEOUT + Duration::from_secs(5),
        async {
            for s in &mut stalled {
                let mut b = [0u8; 16];
                assert!(matches!(s.read(&mut b).await, Ok(0) | Err(_)));
            }
        },
    )
    .await;
    assert!(waited.is_ok(), "a stalled handshake was not timed out");

    // And the listener still accepts afterwards (a new connection: the server
    // closes a kept-alive one after its header timeout, also 10 s).
    assert_eq!(health(&https(&pki), &url).await["status"], "ok");
    tokio::time::timeout(Duration::from_secs(20), server.shutdown())
        .await
        .expect("graceful shutdown timed out");
}

fn startup_error(config: Config) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    match rt.block_on(tern_server::spawn(config)) {
        Ok(_) => panic!("the server started"),
        Err(Error::Config(e)) => e,
        Err(other) => panic!("not a configuration error: {other}"),
    }
}

#[test]
fn bad_tls_settings_are_refused_at_startup_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki(dir.path());

    // Only a certificate.
    let mut only_cert = tls_config(dir.path(), &pki);
    only_cert.tls_key = None;
    let e = startup_error(only_cert);
    assert!(e.contains("tls_key") && e.contains("together"), "{e}");

    // A missing certificate file.
    let mut missing = tls_config(dir.path(), &pki);
    let nowhere = dir.path().join("no-such-cert.pem");
    missing.tls_cert = Some(nowhere.clone());
    let e = startup_error(missing);
    assert!(e.contains(&nowhere.display().to_string()), "{e}");

    // A key file that holds no key.
    let mut bad_key = tls_config(dir.path(), &pki);
    bad_key.tls_key = Some(pki.cert.clone());
    let e = startup_error(bad_key);
    assert!(
        e.contains("key") && e.contains(&pki.cert.display().to_string()),
        "{e}"
    );

    // A certificate file that is not PEM.
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").unwrap();
    let mut bad_cert = tls_config(dir.path(), &pki);
    bad_cert.tls_cert = Some(junk.clone());
    let e = startup_error(bad_cert);
    assert!(e.contains(&junk.display().to_string()), "{e}");
}

/// Attack: open TLS connections and never finish the handshake, to tie up the
/// server. One address may hold only `max_tls_handshakes_per_ip` unfinished
/// handshakes; more are closed at once, and finishing (or dropping) one frees
/// its slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_handshakes_per_address_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki(dir.path());
    let mut config = tls_config(dir.path(), &pki);
    config.security.max_tls_handshakes_per_ip = 2;
    let server = tern_server::spawn(config).await.unwrap();
    let stalled1 = TcpStream::connect(server.addr()).await.unwrap();
    let _stalled2 = TcpStream::connect(server.addr()).await.unwrap();
    // Give the server time to take both into their handshakes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = TcpStream::connect(server.addr()).await.unwrap();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(2), third.read(&mut buf))
        .await
        .expect("the third stalled handshake was not closed at once");
    assert!(matches!(n, Ok(0) | Err(_)), "{n:?}");
    drop(stalled1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(wss_hello(&pki, &server).await.starts_with("tern-server/"));
    server.shutdown().await;
}
