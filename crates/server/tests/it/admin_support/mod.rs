//! A tiny HTTP client for the admin API and a server with the admin secret set.
#![allow(dead_code)]

use reqwest::Method;
use serde_json::Value;

use crate::common::TestServer;

/// The admin secret of [`start`].
pub(crate) const SECRET: &str = "test-admin-secret-0123456789";

/// A server on 127.0.0.1:0 with the admin API on.
pub(crate) async fn start() -> TestServer {
    start_with(|_| {}).await
}

/// Like [`start`], with more changes to the config.
pub(crate) async fn start_with(tweak: impl FnOnce(&mut tern_server::Config)) -> TestServer {
    TestServer::start_with(|c| {
        c.admin_secret = Some(SECRET.into());
        tweak(c);
    })
    .await
}

/// Calls the admin API with an optional bearer secret and JSON body.
pub(crate) struct Admin {
    http: reqwest::Client,
    base: String,
    /// Sent as `Authorization: Bearer <secret>` when set.
    pub secret: Option<String>,
}

/// An answer: status and parsed JSON body (`Null` when empty).
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The `message` of an error body.
    pub(crate) fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }

    /// The `code` of an error body.
    pub(crate) fn code(&self) -> u64 {
        self.body["code"].as_u64().unwrap_or_default()
    }
}

impl Admin {
    pub(crate) fn new(server: &TestServer) -> Admin {
        Admin::new_at(server.addr())
    }

    /// The admin API of the server (or cluster node) at `addr`.
    pub(crate) fn new_at(addr: std::net::SocketAddr) -> Admin {
        Admin {
            http: {
                // tern-core turns on reqwest's `rustls-no-provider`: a client
                // without preconfigured TLS needs a process-wide provider.
                let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
                reqwest::Client::new()
            },
            base: format!("http://{addr}"),
            secret: Some(SECRET.into()),
        }
    }

    pub(crate) fn without_secret(server: &TestServer) -> Admin {
        Admin {
            secret: None,
            ..Admin::new(server)
        }
    }

    /// Sends `body` as raw text (to test malformed bodies).
    pub(crate) async fn raw(&self, method: Method, path: &str, body: Option<&str>) -> Answer {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", "application/json");
        if let Some(s) = &self.secret {
            req = req.header("authorization", format!("Bearer {s}"));
        }
        if let Some(b) = body {
            req = req.body(b.to_string());
        }
        let res = req.send().await.expect("http request");
        let status = res.status().as_u16();
        let text = res.text().await.expect("http body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("non-JSON body {text:?}: {e}"))
        };
        Answer { status, body }
    }

    pub(crate) async fn get(&self, path: &str) -> Answer {
        self.raw(Method::GET, path, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Answer {
        self.raw(Method::POST, path, Some(&body.to_string())).await
    }

    pub(crate) async fn delete(&self, path: &str) -> Answer {
        self.raw(Method::DELETE, path, None).await
    }

    /// Creates `user` with the tests' usual password; panics unless 201.
    pub(crate) async fn create_user(&self, user: &str) {
        let a = self
            .post(
                "/admin/users",
                serde_json::json!({ "user": user, "password": crate::common::PASSWORD }),
            )
            .await;
        assert_eq!(a.status, 201, "{a:?}");
    }
}
