//! Property tests: `ClientFrame::decode` never panics, whatever it is given,
//! and every frame it accepts re-encodes to a frame that decodes the same.

use proptest::prelude::*;
use serde_json::{json, Value};
use tern_proto::{ClientFrame, ErrorCode};

/// Arbitrary JSON values, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Field names and values that real requests use, so the generator reaches
/// deep into request decoding rather than failing at the first field.
fn request_like() -> impl Strategy<Value = Value> {
    // Every command (`Request::NAMES`), plus one no server knows.
    let mut names = tern_proto::Request::NAMES.to_vec();
    names.push("nope");
    let cmds = prop::sample::select(names);
    let keys = prop::sample::select(vec![
        "version",
        "user",
        "password",
        "platform",
        "device",
        "token",
        "users",
        "nickname",
        "avatar",
        "signature",
        "query",
        "to",
        "greeting",
        "from",
        "remark",
        "since",
        "limit",
        "conv",
        "client_id",
        "content",
        "ext",
        "before",
        "seq",
        "type",
        "text",
    ]);
    let values = prop_oneof![
        json_value(),
        prop::sample::select(vec![
            "alice",
            "d:alice:bob",
            "g:team",
            "desktop",
            "d:a:a",
            "../x",
            "",
            "é"
        ])
        .prop_map(|s| json!(s)),
        Just(json!({"type": "text", "text": "hi"})),
        Just(json!({"type": "location", "lat": 1.0, "lon": 2.0, "label": "x"})),
        Just(json!({"type": "image"})),
        any::<u64>().prop_map(|n| json!(n)),
    ];
    (
        cmds,
        prop::collection::btree_map(keys, values, 0..6),
        any::<u64>(),
    )
        .prop_map(|(cmd, fields, id)| {
            let mut req: serde_json::Map<String, Value> = fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            req.insert("cmd".into(), json!(cmd));
            json!({"id": id, "req": req})
        })
}

fn check(text: &str) {
    match ClientFrame::decode(text) {
        Ok(frame) => {
            let again =
                ClientFrame::decode(&frame.encode()).expect("an accepted frame re-encodes validly");
            assert_eq!(again, frame);
        }
        Err(e) => {
            assert_ne!(e.err.code, ErrorCode::Internal);
            assert!(!e.err.message.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings(s in ".{0,200}") {
        check(&s);
    }

    #[test]
    fn arbitrary_bytes_as_lossy_utf8(b in prop::collection::vec(any::<u8>(), 0..300)) {
        check(&String::from_utf8_lossy(&b));
    }

    #[test]
    fn arbitrary_json(v in json_value()) {
        check(&v.to_string());
    }

    #[test]
    fn request_shaped_json(v in request_like()) {
        check(&v.to_string());
    }
}

#[test]
fn deeply_nested_json_is_refused_without_overflow() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(
        ClientFrame::decode(&deep).unwrap_err().err.code,
        ErrorCode::BadFrame
    );
    let deep_req = format!(
        r#"{{"id":1,"req":{{"cmd":"send","ext":{}{}}}}}"#,
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    assert!(ClientFrame::decode(&deep_req).is_err());
}
