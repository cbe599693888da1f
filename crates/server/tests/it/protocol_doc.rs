//! docs/protocol.md stays true: every JSON example decodes with the real
//! protocol types (and no field in it is silently ignored), every command,
//! push kind and error code is documented, and every command's example is
//! followed by its success response, of the kind tern-proto's command table
//! (`tern_proto::command::TABLE`) says answers it.

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
        "message",
        "change",
        "read",
        "recalled",
        "edited",
        "reactions",
        "pins",
        "typing",
        "presence",
        "kicked",
        "room_message",
        "room_left",
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
        "conv_settings_changed",
        "settings_changed",
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
        "conv_settings",
        "conv_settings_list",
        "settings",
        "rooms",
        "room",
        "room_joined",
        "room_sent",
        "room_members",
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

/// `CamelCase` → `snake_case`, as serde's `rename_all` does.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// For every command, the response kind its rustdoc in tern-proto's
/// `request.rs` names after `→` (e.g. "→ `Done`" gives `done`).
fn kinds_from_rustdoc() -> std::collections::BTreeMap<String, String> {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../proto/src/request.rs"
    ))
    .unwrap();
    let body = src
        .split("pub enum Request {")
        .nth(1)
        .unwrap()
        .split("\n}\n")
        .next()
        .unwrap();
    let mut kinds = std::collections::BTreeMap::new();
    let mut doc = String::new();
    for line in body.lines() {
        if let Some(text) = line.strip_prefix("    /// ") {
            doc.push_str(text);
            doc.push(' ');
            continue;
        }
        // Attributes between a variant's rustdoc and its name keep the rustdoc.
        if line.starts_with("    #[") {
            continue;
        }
        let variant = line
            .strip_prefix("    ")
            .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
            .and_then(|l| l.split([',', '{', ' ', '(']).next());
        if let Some(variant) = variant {
            let arrow = doc
                .split('→')
                .nth(1)
                .unwrap_or_else(|| panic!("{variant}: no `→ Kind` in its rustdoc"));
            let kind = arrow
                .split('`')
                .nth(1)
                .unwrap()
                .rsplit("::")
                .next()
                .unwrap();
            kinds.insert(snake(variant), snake(kind));
        }
        if !line.starts_with("        ") {
            doc.clear();
        }
    }
    kinds
}

/// tern-proto's command table: each command's `cmd` name → the `kind` of
/// the response that answers it.
fn kinds_from_table() -> std::collections::BTreeMap<String, String> {
    tern_proto::command::TABLE
        .iter()
        .map(|c| (c.cmd.to_string(), c.answer.to_string()))
        .collect()
}

#[test]
fn the_command_table_has_every_command_and_agrees_with_the_rustdoc() {
    let table: Vec<&str> = tern_proto::command::TABLE.iter().map(|c| c.cmd).collect();
    assert_eq!(table, Request::NAMES, "a row for every command, in order");
    // The `→ Kind` a reader sees on each `Request` variant says what the table says.
    assert_eq!(kinds_from_rustdoc(), kinds_from_table());
}

#[test]
fn every_command_is_followed_by_its_success_response() {
    let kinds = kinds_from_table();

    let frames: Vec<Value> = json_blocks(&doc())
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    let mut answered = std::collections::BTreeSet::new();
    for (i, frame) in frames.iter().enumerate() {
        let Some(cmd) = frame["req"]["cmd"].as_str() else {
            continue;
        };
        let id = &frame["id"];
        // The first `ok` with the same id before the id is used for another request.
        let response = frames[i + 1..]
            .iter()
            .take_while(|f| f.get("req").is_none() || &f["id"] != id)
            .find(|f| f["t"] == "ok" && &f["id"] == id)
            .unwrap_or_else(|| panic!("`{cmd}` (id {id}): no success response example follows"));
        let ServerFrame::Ok { res, .. } = ServerFrame::decode(&response.to_string())
            .unwrap_or_else(|e| panic!("`{cmd}`: {e}\n{response}"))
        else {
            panic!("`{cmd}`: not an ok frame")
        };
        let kind = serde_json::to_value(&res).unwrap()["kind"].clone();
        assert_eq!(
            kind.as_str(),
            Some(kinds[cmd].as_str()),
            "`{cmd}` answers `{}` (tern-proto's command table), the doc shows `{kind}`",
            kinds[cmd]
        );
        answered.insert(cmd.to_string());
    }
    for cmd in Request::NAMES {
        assert!(answered.contains(*cmd), "no example of `{cmd}`");
    }
}
