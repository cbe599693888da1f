//! The OpenAPI document the server serves is the one committed at
//! `docs/admin-openapi.json`. After changing the admin API, regenerate it with
//! `TERN_BLESS=1 cargo test -p tern-server --test it -- admin_openapi::`.

use crate::admin_support;

use std::path::PathBuf;

use admin_support::Admin;
use serde_json::Value;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/admin-openapi.json")
}

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let server = admin_support::start().await;
    let served = Admin::without_secret(&server)
        .get("/admin/openapi.json")
        .await;
    assert_eq!(served.status, 200);
    let pretty = serde_json::to_string_pretty(&served.body).unwrap() + "\n";
    if std::env::var_os("TERN_BLESS").is_some() {
        std::fs::write(committed_path(), &pretty).unwrap();
    }
    let text = std::fs::read_to_string(committed_path()).expect("docs/admin-openapi.json exists");
    let committed: Value = serde_json::from_str(&text).expect("committed document is JSON");
    assert!(
        committed == served.body,
        "docs/admin-openapi.json differs from GET /admin/openapi.json; run \
         `TERN_BLESS=1 cargo test -p tern-server --test it -- admin_openapi::` and commit the file"
    );
    assert_eq!(
        text, pretty,
        "committed file is the pretty-printed document"
    );
    assert_eq!(committed["openapi"], "3.1.0");
    assert_eq!(committed["info"]["version"], env!("CARGO_PKG_VERSION"));
    server.stop().await;
}

#[tokio::test]
async fn every_schema_reference_resolves() {
    let server = admin_support::start().await;
    let doc = Admin::without_secret(&server)
        .get("/admin/openapi.json")
        .await
        .body;
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 20, "{refs:?}");
    for r in refs {
        let pointer = r.strip_prefix('#').expect("local reference");
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
    }
    server.stop().await;
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            m.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}
