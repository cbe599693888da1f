//! Debian's nginx in front of two nodes, with the repository's
//! `deploy/nginx/tern.conf` (adapted by substitution: a free port of
//! 127.0.0.1 without TLS, the two nodes as the upstream): the WebSocket
//! upgrade, the file API and a client's reconnection to the other node when
//! its node stops, all through nginx. nginx runs as a plain child process
//! with its own prefix and configuration in a temporary directory.
//!
//! Runs on PostgreSQL (a cluster) when nginx is installed; scripts/test-cluster.sh
//! sets TERN_TEST_NGINX=1, which makes a missing nginx a failure.

use crate::admin_support;
use crate::cluster_support;
use crate::common;

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use admin_support::Admin;
use common::cluster::{free_port, Nats};
use common::*;
use tern_core::{ClientConfig, Event};
use tokio::sync::broadcast;

const NGINX: &str = "/usr/sbin/nginx";

/// `deploy/nginx/tern.conf` with the production specifics replaced; panics
/// when one of them is no longer where this expects it (the test follows
/// the file, and notices when it changes shape).
fn site_conf(listen: SocketAddr, nodes: &[SocketAddr]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nginx/tern.conf");
    let conf = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    let (mut upstream, mut listened, mut allowed) = (false, false, false);
    for line in conf.lines() {
        let t = line.trim();
        if t.starts_with("server 10.0.0.") {
            if !upstream {
                for n in nodes {
                    out.push_str(&format!("    server {n} max_fails=1 fail_timeout=10s;\n"));
                }
                upstream = true;
            }
        } else if t == "listen 443 ssl;" {
            out.push_str(&format!("    listen {listen};\n"));
            listened = true;
        } else if t.starts_with("listen [::]") || t.starts_with("ssl_certificate") {
            // no IPv6, no TLS in the test
        } else if t == "allow 10.0.0.0/8;" {
            out.push_str("        allow 127.0.0.1;\n");
            allowed = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(
        upstream && listened && allowed,
        "deploy/nginx/tern.conf changed shape:\n{conf}"
    );
    out
}

/// nginx as a child process (not a daemon), killed when dropped.
struct Nginx {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(nodes: &[SocketAddr]) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        // Workers may run as another user when the test runs as root.
        for sub in ["", "tmp"] {
            std::fs::create_dir_all(p.join(sub)).unwrap();
            let perm = std::os::unix::fs::PermissionsExt::from_mode(0o777);
            std::fs::set_permissions(p.join(sub), perm).unwrap();
        }
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        std::fs::write(p.join("tern.conf"), site_conf(addr, nodes)).unwrap();
        let d = p.display();
        let main = format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/tmp/body;\n  \
             proxy_temp_path {d}/tmp/proxy;\n  fastcgi_temp_path {d}/tmp/fastcgi;\n  \
             uwsgi_temp_path {d}/tmp/uwsgi;\n  scgi_temp_path {d}/tmp/scgi;\n  \
             include {d}/tern.conf;\n}}\n"
        );
        std::fs::write(p.join("nginx.conf"), main).unwrap();
        let conf = p.join("nginx.conf");
        let check = Command::new(NGINX)
            .arg("-t")
            .arg("-p")
            .arg(p)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(p.join("error.log"))
            .output()
            .expect("nginx -t");
        assert!(
            check.status.success(),
            "nginx rejects deploy/nginx/tern.conf: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(p)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(p.join("error.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting nginx");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "nginx did not listen on {addr}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx {
            child,
            addr,
            _dir: dir,
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wanted() -> bool {
    let required = std::env::var("TERN_TEST_NGINX").is_ok_and(|v| v == "1");
    let present = Path::new(NGINX).exists();
    assert!(
        present || !required,
        "TERN_TEST_NGINX=1 but no {NGINX} (apt-get install nginx)"
    );
    present
}

async fn got(rx: &mut broadcast::Receiver<Event>, text: &str) {
    let fut = async {
        loop {
            match rx.recv().await {
                Ok(Event::NewMessage { message, .. })
                    if matches!(&message.content,
                        tern_proto::Content::Text { text: t } if t == text) =>
                {
                    return
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("event stream ended: {e}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), fut)
        .await
        .unwrap_or_else(|_| panic!("`{text}` never arrived"));
}

/// The nodes alice has a connection on, from the admin session list.
async fn alice_nodes(admin: &Admin) -> Vec<String> {
    let list = admin.get("/admin/sessions").await;
    list.body["sessions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["user"] == "alice")
        .filter_map(|s| s["node"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_with_the_repo_config_upgrades_websockets_serves_files_and_fails_over() {
    if !on_postgres() || !wanted() {
        return; // a cluster needs PostgreSQL; nginx: scripts/test-cluster.sh
    }
    let dir = tempfile::tempdir().unwrap();
    let nats = Nats::start();
    let n1 = cluster_support::node(dir.path(), &nats, "n1").await;
    let n2 = cluster_support::node(dir.path(), &nats, "n2").await;
    let nginx = Nginx::start(&[n1.addr(), n2.addr()]);

    // WebSocket upgrade through nginx: a raw client signs up, logs in, chats.
    let mut bob = Client::greeted(nginx.addr).await;
    let _ = bob.request(register("bob")).await;
    bob.login("bob", "b", tern_proto::Platform::Desktop)
        .await
        .unwrap();
    let da = tempfile::tempdir().unwrap();
    let mut cfg = ClientConfig::new(da.path().to_path_buf(), format!("ws://{}", nginx.addr));
    cfg.connection.backoff_initial_ms = 100;
    cfg.connection.backoff_max_ms = 500;
    let alice = tern_core::Client::new(cfg).unwrap();
    alice.register(&uid("alice"), PASSWORD).await.unwrap();
    alice.login(&uid("alice"), PASSWORD).await.unwrap();
    let mut rx = alice.subscribe();
    let conv = dm("alice", "bob");
    bob.ok(text_msg(&conv, "b1", "through nginx")).await;
    got(&mut rx, "through nginx").await;

    // The file API through nginx: bob uploads, alice's node… any node serves it.
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let token = bob.token.clone().unwrap();
    let file = upload_as(
        nginx.addr,
        &token,
        "n.bin",
        "application/octet-stream",
        bytes.clone(),
    )
    .await;
    let got_back = http_client()
        .get(format!("http://{}/files/{}", nginx.addr, file.as_str()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(got_back.status(), 200);
    assert_eq!(
        got_back.bytes().await.unwrap().to_vec(),
        bytes,
        "download through nginx"
    );

    // alice's node stops: she reconnects through nginx, lands on the other
    // node, and messages keep reaching her.
    let admin = Admin::new_at(n1.addr());
    let before = alice_nodes(&admin).await;
    assert_eq!(before.len(), 1, "alice has one session: {before:?}");
    let before = before[0].clone();
    let (stopping, staying, other) = if before == "n1" {
        (n1, n2, "n2")
    } else {
        (n2, n1, "n1")
    };
    stopping.shutdown().await;
    let fut = async {
        loop {
            if let Ok(Event::Connected) = rx.recv().await {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), fut)
        .await
        .expect("alice reconnected through nginx");
    let admin = Admin::new_at(staying.addr());
    let after = alice_nodes(&admin).await;
    assert!(
        after.iter().any(|n| n == other),
        "alice on {after:?} after {before} stopped"
    );
    let mut carol = Client::greeted(staying.addr()).await;
    let _ = carol.request(register("carol")).await;
    carol
        .login("carol", "c", tern_proto::Platform::Desktop)
        .await
        .unwrap();
    carol
        .ok(text_msg(&dm("alice", "carol"), "c1", "after the stop"))
        .await;
    got(&mut rx, "after the stop").await;
    alice.logout().await.unwrap();
    drop(nginx);
    staying.shutdown().await;
}
