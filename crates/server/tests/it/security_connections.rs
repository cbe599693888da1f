//! Attacks on connections: silent sockets and slowloris headers that hold a
//! connection forever, an unauthenticated WebSocket kept up by pings, one
//! address opening connections without end, a foreign web page driving `/ws`
//! from a user's browser, binary frames flooding past the rate limit.

use crate::common;

use std::time::{Duration, Instant};

use common::{Client, TestServer};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// Reads until the server closes; returns how long that took (panics after `limit`).
async fn closed_within(tcp: &mut TcpStream, limit: Duration) -> Duration {
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at((start + limit).into(), tcp.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return start.elapsed(),
            Ok(Ok(_)) => {}
            Err(_) => panic!("still open after {limit:?}"),
        }
    }
}

#[tokio::test]
async fn silent_sockets_and_slowloris_headers_are_closed() {
    let server =
        TestServer::start_with(|c| c.security.header_timeout = Duration::from_secs(1)).await;
    // Connects and says nothing.
    let mut silent = TcpStream::connect(server.addr()).await.unwrap();
    let took = closed_within(&mut silent, Duration::from_secs(5)).await;
    eprintln!("silent socket closed after {took:?}");
    // Sends a header one byte at a time, never finishing it.
    let mut slow = TcpStream::connect(server.addr()).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let start = Instant::now();
    let writer = tokio::spawn(async move {
        for _ in 0..50 {
            if slow.write_all(b"X").await.is_err() {
                return Some(start.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    });
    let cut = writer
        .await
        .unwrap()
        .expect("the slow header was never cut off");
    assert!(cut < Duration::from_secs(4), "cut after {cut:?}");
    // A normal request still works, and a kept-alive idle connection is closed too.
    let mut ok = TcpStream::connect(server.addr()).await.unwrap();
    ok.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 12];
    ok.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    closed_within(&mut ok, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_websocket_must_log_in_in_time_pings_do_not_count() {
    let server = TestServer::start_with(|c| c.security.auth_timeout = Duration::from_secs(1)).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr()))
        .await
        .unwrap();
    let start = Instant::now();
    let close = loop {
        let _ = ws.send(Message::Ping(vec![1].into())).await;
        match tokio::time::timeout(Duration::from_millis(200), ws.next()).await {
            Ok(Some(Ok(Message::Close(f)))) => break f,
            Ok(Some(Ok(_))) | Err(_) => {}
            Ok(other) => panic!("{other:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(5), "never closed");
    };
    assert_eq!(u16::from(close.unwrap().code), 4004);
    // A client that logs in in time stays.
    let mut c = server.user("alice").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    c.ok(tern_proto::Request::Ping).await;
}

#[tokio::test]
async fn one_address_gets_a_bounded_number_of_connections() {
    let server = TestServer::start_with(|c| c.security.max_connections_per_ip = 5).await;
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(Client::greeted(server.addr()).await);
    }
    let mut sixth = TcpStream::connect(server.addr()).await.unwrap();
    closed_within(&mut sixth, Duration::from_secs(2)).await;
    held.pop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut c = Client::greeted(server.addr()).await;
    c.ok(tern_proto::Request::Ping).await;
}

async fn ws_with_origin(server: &TestServer, origin: Option<&str>) -> Result<u16, u16> {
    let mut req = format!("ws://{}/ws", server.addr())
        .into_client_request()
        .unwrap();
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((_, res)) => Ok(res.status().as_u16()),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn browser_origins_are_refused_unless_listed() {
    let server = TestServer::start_with(|c| {
        c.security.allowed_origins = vec!["https://chat.example.com".into()];
    })
    .await;
    assert_eq!(
        ws_with_origin(&server, None).await,
        Ok(101),
        "native client"
    );
    assert_eq!(
        ws_with_origin(&server, Some("https://evil.example")).await,
        Err(403)
    );
    assert_eq!(ws_with_origin(&server, Some("null")).await, Err(403));
    assert_eq!(
        ws_with_origin(&server, Some("https://chat.example.com")).await,
        Ok(101)
    );
}

#[tokio::test]
async fn binary_frames_count_against_the_rate_limit() {
    let server = TestServer::start_with(|c| {
        c.rate_per_sec = 1.0;
        c.rate_burst = 5.0;
    })
    .await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr()))
        .await
        .unwrap();
    for _ in 0..20 {
        ws.send(Message::Binary(vec![0; 16].into())).await.unwrap();
    }
    let mut limited = 0;
    for _ in 0..20 {
        let Some(Ok(Message::Text(t))) = ws.next().await else {
            panic!("expected an error frame")
        };
        if t.contains("1004") || t.contains("rate") {
            limited += 1;
        }
    }
    assert!(
        limited >= 14,
        "only {limited} of 20 binary frames were rate limited"
    );
}

/// A connection whose requests carry `X-Forwarded-For: <xff>`.
async fn via_proxy(server: &TestServer, xff: &str) -> Client {
    let mut req = format!("ws://{}/ws", server.addr())
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("x-forwarded-for", xff.parse().unwrap());
    let (ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let mut c = Client::from_ws(ws);
    c.ok(tern_proto::Request::Hello {
        version: tern_proto::PROTOCOL_VERSION,
    })
    .await;
    c
}

fn bad_login(user: &str) -> tern_proto::Request {
    tern_proto::Request::Login {
        user: common::uid(user),
        password: "wrong password".into(),
        platform: tern_proto::Platform::Desktop,
        device: tern_proto::DeviceId::new("d").unwrap(),
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_clients_are_told_apart_by_x_forwarded_for() {
    use tern_proto::ErrorCode;
    let server = TestServer::start_with(|c| {
        c.security.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.security.max_connections_per_ip = 2;
        c.security.login_max_failures_per_ip = 3;
    })
    .await;
    // The proxy's own address is not capped: it carries everyone.
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(Client::greeted(server.addr()).await);
    }
    // One client behind it guesses until locked; another is not affected.
    let mut a = via_proxy(&server, "198.51.100.1, 203.0.113.5").await;
    for i in 0..3 {
        let code = a.err_code(bad_login(&format!("u{i}"))).await;
        assert_eq!(code, ErrorCode::BadCredentials);
    }
    assert_eq!(a.err_code(bad_login("u9")).await, ErrorCode::RateLimited);
    let mut b = via_proxy(&server, "203.0.113.6").await;
    assert_eq!(b.err_code(bad_login("u9")).await, ErrorCode::BadCredentials);
    server.stop().await;

    // Without the proxy setting the header means nothing: same address, same lock.
    let plain = TestServer::start_with(|c| c.security.login_max_failures_per_ip = 3).await;
    let mut a = via_proxy(&plain, "203.0.113.5").await;
    for i in 0..3 {
        a.err_code(bad_login(&format!("u{i}"))).await;
    }
    let mut b = via_proxy(&plain, "203.0.113.6").await;
    assert_eq!(b.err_code(bad_login("u9")).await, ErrorCode::RateLimited);
}

/// An IPv6 client is counted as its /64: a host given a /64 can take any of
/// its 2^64 addresses, and keyed one by one each was a fresh budget of guesses.
#[tokio::test]
async fn an_ipv6_client_is_throttled_as_its_64() {
    use tern_proto::ErrorCode;
    let server = TestServer::start_with(|c| {
        c.security.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.security.login_max_failures_per_ip = 3;
    })
    .await;
    for (i, addr) in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9"]
        .iter()
        .enumerate()
    {
        let mut c = via_proxy(&server, addr).await;
        let code = c.err_code(bad_login(&format!("u{i}"))).await;
        assert_eq!(code, ErrorCode::BadCredentials);
    }
    let mut next = via_proxy(&server, "2001:db8:1:2:abcd::1").await;
    assert_eq!(next.err_code(bad_login("u9")).await, ErrorCode::RateLimited);
    // The neighbouring /64 is someone else.
    let mut other = via_proxy(&server, "2001:db8:1:3::1").await;
    assert_eq!(
        other.err_code(bad_login("u9")).await,
        ErrorCode::BadCredentials
    );
    server.stop().await;
}

/// A device that stops reading its pushes cannot make the server buffer for it
/// without end: once the kernel's socket buffers are full its push queue fills,
/// the hub drops it, and it is closed with 4002 (after the pushes already
/// written). The sender is never held up, and the same user's other device,
/// which reads, gets every message.
#[tokio::test]
async fn a_device_that_stops_reading_pushes_is_closed_with_4002() {
    let server = TestServer::start_with(|c| c.push_queue = 64).await;
    let mut alice = server.user("alice").await;
    let mut silent = server
        .device("bob", "silent", tern_proto::Platform::Desktop)
        .await;
    let mut reader = server
        .device("bob", "reader", tern_proto::Platform::Web)
        .await;
    let conv = common::dm("alice", "bob");
    // 16 MB of pushes: more than loopback's socket buffers hold (≈ 10 MB at most).
    let text = "x".repeat(7_900);
    let (batches, per) = (100, 20);
    for b in 0..batches {
        let reqs = (0..per)
            .map(|i| common::text_msg(&conv, &format!("m{b}-{i}"), &text))
            .collect();
        for res in alice.pipeline(reqs).await {
            res.expect("every send is acked: a silent reader never holds up the sender");
        }
        assert_eq!(reader.messages(per).await.len(), per);
    }
    let close = silent.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 4002, "{close:?}");
}
