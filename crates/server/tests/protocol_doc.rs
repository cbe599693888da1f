//! docs/protocol.md stays true: every JSON example decodes with the real
//! protocol types (and no field in it is silently ignored), every command,
//! push kind and error code is documented.

use serde_json::Value;
use tern_proto::{ClientFrame, ErrorCode, Request, ServerFrame};

fn doc() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/protocol.md"
    ))
    .unwrap()
}

fn json_blocks(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "```json" {
            let block: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
            out.push(block.join("\n"));
        }
    }
    out
}

/// Every key and value of `doc` is present in `real` (the re-encoded frame).
fn assert_subset(doc: &Value, real: &Value, path: &str) {
    match (doc, real) {
        (Value::Object(d), Value::Object(r)) => {
            for (k, v) in d {
                let Some(rv) = r.get(k) else {
                    panic!("{path}.{k} is not a field of the real frame")
                };
                assert_subset(v, rv, &format!("{path}.{k}"));
            }
        }
        (Value::Array(d), Value::Array(r)) => {
            assert_eq!(d.len(), r.len(), "{path}");
            for (i, (dv, rv)) in d.iter().zip(r).enumerate() {
                assert_subset(dv, rv, &format!("{path}[{i}]"));
            }
        }
        (Value::Number(d), Value::Number(r)) => assert_eq!(d.as_f64(), r.as_f64(), "{path}"),
        (d, r) => assert_eq!(d, r, "{path}"),
    }
}

#[test]
fn every_example_is_a_valid_frame() {
    let doc = doc();
    let blocks = json_blocks(&doc);
    assert!(blocks.len() > 40, "found {} examples", blocks.len());
    for text in blocks {
        let value: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"));
        let encoded = if value.get("req").is_some() {
            let frame = ClientFrame::decode(&text).unwrap_or_else(|e| panic!("{}\n{text}", e.err));
            serde_json::to_value(&frame).unwrap()
        } else {
            let frame = ServerFrame::decode(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            serde_json::to_value(&frame).unwrap()
        };
        assert_subset(&value, &encoded, "frame");
    }
}

#[test]
fn every_command_push_and_error_code_is_documented() {
    let doc = doc();
    let commands = Request::NAMES;
    for cmd in commands {
        assert!(
            doc.contains(&format!(r#""cmd": "{cmd}""#)),
            "no example for `{cmd}`"
        );
    }
    for kind in [
        "message", "change", "read", "recalled", "typing", "presence", "kicked",
    ] {
        assert!(
            doc.contains(&format!(r#""push": {{"kind": "{kind}""#)),
            "no example of the `{kind}` push"
        );
    }
    for kind in [
        "group_joined",
        "group_member_joined",
        "group_member_left",
        "group_info_changed",
        "group_role_changed",
        "group_member_muted",
        "group_dismissed",
        "group_application_added",
        "group_application_handled",
    ] {
        assert!(
            doc.contains(&format!(r#"{{"kind": "{kind}""#)),
            "no example of the `{kind}` change"
        );
    }
    for kind in [
        "group",
        "groups",
        "group_members",
        "group_join",
        "group_applications",
    ] {
        assert!(
            doc.contains(&format!(r#""res": {{"kind": "{kind}""#)),
            "no example of the `{kind}` response"
        );
    }
    for code in ErrorCode::ALL {
        assert!(
            doc.contains(&format!("| {} | `", code.as_u16())),
            "error code {code} is not documented"
        );
    }
}
