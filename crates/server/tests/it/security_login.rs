//! Attacks on accounts: password guessing, pre-authentication memory
//! exhaustion through concurrent password hashing, registration on a closed
//! server, look-alike ids and weak passwords.

use crate::common;

use std::time::{Duration, Instant};

use common::{register, uid, Client, TestServer, PASSWORD};
use tern_proto::{DeviceId, ErrorCode, Platform, Request};
use tern_server::Registration;

fn login(user: &str, password: &str) -> Request {
    Request::Login {
        user: uid(user),
        password: password.into(),
        platform: Platform::Desktop,
        device: DeviceId::new("attacker").unwrap(),
    }
}

#[tokio::test]
async fn guessing_locks_the_account_even_for_the_right_password() {
    let server = TestServer::start_with(|c| {
        c.security.login_max_failures = 5;
        c.security.login_lockout = Duration::from_secs(2);
    })
    .await;
    drop(server.user("alice").await);
    // 100 wrong passwords over 4 connections.
    let mut conns = Vec::new();
    for _ in 0..4 {
        conns.push(Client::greeted(server.addr()).await);
    }
    let (mut bad, mut limited) = (0, 0);
    for i in 0..100 {
        let c = &mut conns[i % 4];
        match c.err_code(login("alice", &format!("guess-{i}"))).await {
            ErrorCode::BadCredentials => bad += 1,
            ErrorCode::RateLimited => limited += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(bad, 5, "only the first 5 guesses are checked");
    assert_eq!(limited, 95);
    // The right password is refused while locked...
    let e = conns[0].err(login("alice", PASSWORD)).await;
    assert_eq!(e.code, ErrorCode::RateLimited, "{e}");
    assert!(e.message.contains("try again in"), "{e}");
    // ...and accepted once the lockout (doubled by the further failures) has passed.
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        match conns[1].request(login("alice", PASSWORD)).await {
            Ok(_) => break,
            Err(e) if e.code == ErrorCode::RateLimited && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await
            }
            Err(e) => panic!("{e}"),
        }
    }
}

#[tokio::test]
async fn guessing_many_accounts_from_one_address_locks_the_address() {
    let server = TestServer::start_with(|c| c.security.login_max_failures_per_ip = 10).await;
    let mut c = Client::greeted(server.addr()).await;
    for i in 0..10 {
        let code = c
            .err_code(login(&format!("user{i}"), "wrong-password"))
            .await;
        assert_eq!(code, ErrorCode::BadCredentials);
    }
    assert_eq!(
        c.err_code(login("someone-else", "wrong-password")).await,
        ErrorCode::RateLimited
    );
}

/// Attack: register accounts in bulk from one address (each one also costs a
/// password hash, so two connections kept the hashing threads busy and real
/// logins got `RateLimited`). Registrations count per address like failed
/// logins, on a counter of their own: logins from the address still work.
#[tokio::test]
async fn registrations_from_one_address_are_capped_apart_from_logins() {
    let server = TestServer::start_with(|c| c.security.login_max_failures_per_ip = 3).await;
    let mut c = Client::greeted(server.addr()).await;
    for i in 0..3 {
        c.ok(register(&format!("bulk{i}"))).await;
    }
    let e = c.err(register("bulk3")).await;
    assert_eq!(e.code, ErrorCode::RateLimited, "{e:?}");
    assert!(
        e.message
            .contains("too many registrations from this address"),
        "{e:?}"
    );
    // The refused one was not created; logging in from the address still works.
    c.login("bulk0", "bulk0", Platform::Desktop).await.unwrap();
    let mut d = Client::greeted(server.addr()).await;
    assert_eq!(
        d.err_code(login("bulk3", PASSWORD)).await,
        ErrorCode::BadCredentials
    );
}

/// Resident memory of process `pid`, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// A `tern-server` process (production argon2 cost) with `hash_concurrency`
/// hashing threads; killed on drop.
struct Proc {
    child: std::process::Child,
    addr: std::net::SocketAddr,
    _dir: tempfile::TempDir,
}

impl Proc {
    async fn start(hash_concurrency: usize) -> Proc {
        Proc::spawn(
            &[
                "--hash-concurrency",
                &hash_concurrency.to_string(),
                "--login-max-failures-per-ip",
                "1000000",
                "--max-connections-per-ip",
                "1000",
            ],
            "error",
            std::process::Stdio::null(),
        )
        .await
    }

    /// `tern-server` with `args`, logging at `log` to `stdout`, in the
    /// environment a service manager gives it (no terminal, no `NO_COLOR`).
    async fn spawn(args: &[&str], log: &str, stdout: std::process::Stdio) -> Proc {
        let dir = tempfile::tempdir().unwrap();
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_tern-server"))
            .args(["--listen", &addr.to_string()])
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env("TERN_LOG", log)
            .env_remove("NO_COLOR")
            .stdout(stdout)
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            assert!(Instant::now() < deadline, "server did not come up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Proc {
            child,
            addr,
            _dir: dir,
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `n` concurrent logins for random users, each on a fresh connection;
/// returns (server RSS before, at peak, after) and the answers' codes.
async fn login_flood(server: &Proc, n: usize) -> ([u64; 3], Vec<ErrorCode>) {
    let pid = server.child.id();
    let before = rss(pid);
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(before));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss(pid), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let mut tasks = Vec::new();
    for i in 0..n {
        let addr = server.addr;
        tasks.push(tokio::spawn(async move {
            let mut c = Client::greeted(addr).await;
            // Unhurried: without the cap, debug-build hashes queue for long.
            c.wait = Duration::from_secs(120);
            c.err_code(login(&format!("rnd{i}"), "some password")).await
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    sampler.abort();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    ([before, peak, rss(pid)], codes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_flood_keeps_memory_bounded_and_the_server_answering() {
    const MIB: u64 = 1024 * 1024;
    let server = Proc::start(2).await;
    for n in [48, 500] {
        let ([before, peak, after], codes) = login_flood(&server, n).await;
        let refused = codes
            .iter()
            .filter(|c| **c == ErrorCode::RateLimited)
            .count();
        let checked = codes
            .iter()
            .filter(|c| **c == ErrorCode::BadCredentials)
            .count();
        eprintln!(
            "{n} concurrent logins, 2 hashing threads: server RSS {} -> peak {} -> after {} MiB; {checked} checked, {refused} RateLimited",
            before / MIB, peak / MIB, after / MIB
        );
        assert_eq!(checked + refused, n, "{codes:?}");
        assert!(
            peak - before < 100 * MIB,
            "RSS grew {} MiB",
            (peak - before) / MIB
        );
        // A normal client is still answered at once.
        let mut c = Client::greeted(server.addr).await;
        c.ok(Request::Ping).await;
    }
    drop(server);
    // Baseline in the same run: the same flood with the cap effectively off
    // (what the server did before hashing had its own threads).
    let uncapped = Proc::start(512).await;
    // 16, not 48: uncapped debug-build hashes take half a minute for 48 (peak ~940 MiB).
    let ([before, peak, after], _) = login_flood(&uncapped, 16).await;
    eprintln!(
        "baseline: 16 concurrent logins, 512 hashing threads: server RSS {} -> peak {} -> after {} MiB",
        before / MIB, peak / MIB, after / MIB
    );
}

#[tokio::test]
async fn closed_registration_weak_passwords_and_look_alike_ids_are_refused() {
    let server = TestServer::start_with(|c| c.security.min_password_chars = 12).await;
    let mut c = Client::greeted(server.addr()).await;
    let reg = |user: &str, password: &str| Request::Register {
        user: uid(user),
        password: password.into(),
    };
    let e = c.err(reg("alice", "elevenchars")).await;
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert!(e.message.contains("12"), "{e}");
    c.ok(reg("alice", "twelve chars")).await;
    for id in ["System", "SYSTEM", ".", "..", "...", ".hidden"] {
        if tern_proto::UserId::new(id).is_err() {
            continue; // the id syntax already refuses it
        }
        let e = c.err(reg(id, "twelve chars")).await;
        assert_eq!(e.code, ErrorCode::UserExists, "{id}: {e}");
    }
    server.stop().await;

    let closed = TestServer::start_with(|c| c.security.registration = Registration::Closed).await;
    let mut c = Client::greeted(closed.addr()).await;
    let e = c.err(reg("bob", "twelve chars")).await;
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(e.message.contains("registration is closed"), "{e}");
}

/// fail2ban reads the service's log (journald or a file) with a plain-text
/// pattern: every failed login must be one line naming the peer address, with
/// no terminal colour codes between `peer` and the address.
#[tokio::test]
async fn failed_logins_are_logged_with_the_peer_address_in_plain_text() {
    use std::io::BufRead;
    let mut server = Proc::spawn(
        &["--login-max-failures", "2"],
        "warn",
        std::process::Stdio::piped(),
    )
    .await;
    let stdout = server.child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let mut c = Client::greeted(server.addr).await;
    for _ in 0..2 {
        let code = c.err_code(login("alice", "a guess")).await;
        assert_eq!(code, ErrorCode::BadCredentials);
    }
    let mut wanted = vec![
        "login failed: wrong user id or password peer=127.0.0.1 user=alice",
        "login locked after repeated failures peer=127.0.0.1 user=alice",
    ];
    let deadline = Instant::now() + Duration::from_secs(10);
    while !wanted.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("not logged: {wanted:?}"));
        assert!(!line.contains('\x1b'), "colour codes in the log: {line:?}");
        if let Some(i) = wanted.iter().position(|w| line.contains(w)) {
            assert!(line.contains(" WARN tern_server::auth: "), "{line:?}");
            wanted.remove(i);
        }
    }
}
