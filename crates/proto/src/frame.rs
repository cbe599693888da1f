//! The outermost frames and their decoding. Every WebSocket text message is one frame.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ErrorCode, WireError};
use crate::ids::ReqId;
use crate::request::Request;
use crate::response::{Push, Response};

/// A client → server frame: `{"id": 7, "req": {"cmd": "ping"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientFrame {
    /// Chosen by the client; echoed in the response.
    pub id: ReqId,
    /// What to do.
    pub req: Request,
}

/// A server → client frame, tagged by `t`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The request `id` succeeded.
    Ok {
        /// The request's id.
        id: ReqId,
        /// Its result.
        res: Response,
    },
    /// The request `id` failed. `id` is null when the frame was too broken to read one.
    Err {
        /// The request's id, when it could be read.
        id: Option<ReqId>,
        /// What went wrong.
        err: WireError,
    },
    /// An event the client did not ask for.
    Push {
        /// The event.
        push: Push,
    },
}

/// A frame that could not be decoded, with the request id when one was readable,
/// so the error response can still be matched to its request.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    /// The request's id, if the frame had a readable one.
    pub id: Option<ReqId>,
    /// The error to send back.
    pub err: WireError,
}

impl ClientFrame {
    /// Decodes a frame, never panicking, and explains precisely what is wrong.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        let value: Value = serde_json::from_str(text).map_err(|e| DecodeError {
            id: None,
            err: WireError::new(ErrorCode::BadFrame, format!("frame is not valid JSON: {e}")),
        })?;
        let Value::Object(mut obj) = value else {
            return Err(DecodeError {
                id: None,
                err: WireError::new(ErrorCode::BadFrame, "frame must be a JSON object"),
            });
        };
        let id = match obj.get("id").map(|v| v.as_u64()) {
            Some(Some(n)) => ReqId(n),
            _ => {
                return Err(DecodeError {
                    id: None,
                    err: WireError::new(
                        ErrorCode::BadFrame,
                        "frame needs an unsigned integer `id`",
                    ),
                })
            }
        };
        let bad = |code, msg: String| DecodeError {
            id: Some(id),
            err: WireError::new(code, msg),
        };
        let Some(req) = obj.remove("req") else {
            return Err(bad(
                ErrorCode::BadFrame,
                "frame needs a `req` object".into(),
            ));
        };
        let cmd = match req.get("cmd") {
            Some(Value::String(s)) => s.clone(),
            _ => {
                return Err(bad(
                    ErrorCode::BadFrame,
                    "`req` needs a string `cmd`".into(),
                ))
            }
        };
        if !Request::NAMES.contains(&cmd.as_str()) {
            return Err(bad(
                ErrorCode::UnknownCommand,
                format!("unknown command `{cmd}`"),
            ));
        }
        // `cmd` is known, so whatever fails now is a field: a missing one, a
        // wrong type, or an illegal value (an unknown enum value included).
        Request::deserialize(&req)
            .map(|req| ClientFrame { id, req })
            .map_err(|e| {
                let msg = e.to_string();
                let msg = match unknown_value_path(&req, &msg) {
                    Some(path) => format!("bad `{cmd}` request: field `{path}`: {msg}"),
                    None => format!("bad `{cmd}` request: {msg}"),
                };
                bad(ErrorCode::InvalidArgument, msg)
            })
    }

    /// Encodes the frame as JSON text.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("client frames always serialise")
    }
}

/// For serde's "unknown variant `x`, expected …" error, the path of the field
/// (e.g. `platform`, `content.type`) whose string value is `x`, so the error can
/// name it.
fn unknown_value_path(req: &Value, msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("unknown variant `")?;
    let value = &rest[..rest.find('`')?];
    fn find(v: &Value, value: &str, path: &str) -> Option<String> {
        let join = |k: &str| {
            if path.is_empty() {
                k.to_string()
            } else {
                format!("{path}.{k}")
            }
        };
        match v {
            Value::Object(o) => o
                .iter()
                .filter(|(k, _)| !(path.is_empty() && *k == "cmd"))
                .find_map(|(k, v)| match v {
                    Value::String(s) if s == value => Some(join(k)),
                    other => find(other, value, &join(k)),
                }),
            Value::Array(a) => a.iter().enumerate().find_map(|(i, v)| match v {
                Value::String(s) if s == value => Some(format!("{path}[{i}]")),
                other => find(other, value, &format!("{path}[{i}]")),
            }),
            _ => None,
        }
    }
    find(req, value, "")
}

impl ServerFrame {
    /// Encodes the frame as JSON text.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("server frames always serialise")
    }

    /// Decodes a server frame.
    pub fn decode(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ClientMsgId, ConversationId, UserId};
    use crate::model::Content;

    #[test]
    fn round_trips_a_send() {
        let a = UserId::new("alice").unwrap();
        let b = UserId::new("bob").unwrap();
        let f = ClientFrame {
            id: ReqId(9),
            req: Request::Send {
                conv: ConversationId::direct(&a, &b),
                client_id: ClientMsgId::new("c1").unwrap(),
                content: Content::Text {
                    text: "hi 👋".into(),
                },
                ext: None,
                after: None,
                reply_to: None,
                mentions: None,
            },
        };
        let json = f.encode();
        assert!(json.contains(r#""cmd":"send""#), "{json}");
        assert_eq!(ClientFrame::decode(&json).unwrap(), f);
    }

    #[test]
    fn errors_are_specific() {
        let code = |s: &str| ClientFrame::decode(s).unwrap_err();
        assert_eq!(code("nope").err.code, ErrorCode::BadFrame);
        assert_eq!(code("[1]").err.code, ErrorCode::BadFrame);
        assert_eq!(
            code(r#"{"req":{"cmd":"ping"}}"#).err.code,
            ErrorCode::BadFrame
        );
        let e = code(r#"{"id":3,"req":{"cmd":"fly"}}"#);
        assert_eq!(
            (e.id, e.err.code),
            (Some(ReqId(3)), ErrorCode::UnknownCommand)
        );
        let e = code(r#"{"id":4,"req":{"cmd":"login","user":"a"}}"#);
        assert_eq!(
            (e.id, e.err.code),
            (Some(ReqId(4)), ErrorCode::InvalidArgument)
        );
        assert!(e.err.message.contains("password"), "{}", e.err.message);
        let e = code(r#"{"id":5,"req":{"cmd":"block","user":"../etc"}}"#);
        assert_eq!(e.err.code, ErrorCode::InvalidArgument);
    }

    /// Found by `fuzz/` (target `client_frame`): without serde_json's
    /// `float_roundtrip`, `10.938711676632721` parsed to a neighbouring f64, so
    /// a location changed on every encode/decode hop.
    #[test]
    fn floats_survive_encode_and_decode() {
        for (lat, lon) in [
            ("10.938711676632721", "-57.179661383605676"),
            ("13.346133595589677", "-52.566874043881036"),
            // The minimized fuzzer input (out of range: the server refuses it,
            // but the decoder must still round-trip it).
            ("48.8E65", "2"),
        ] {
            let text = format!(
                r#"{{"id":2,"req":{{"cmd":"send","conv":"g:s","client_id":"4","content":{{"type":"location","lat":{lat},"lon":{lon},"label":"s"}},"ext":{{"x":{lat}}}}}}}"#
            );
            let frame = ClientFrame::decode(&text).unwrap();
            let Request::Send {
                content:
                    Content::Location {
                        lat: got,
                        lon: got_lon,
                        ..
                    },
                ext,
                ..
            } = &frame.req
            else {
                panic!("not a location send: {frame:?}");
            };
            assert_eq!(*got, lat.parse::<f64>().unwrap(), "{lat}");
            assert_eq!(*got_lon, lon.parse::<f64>().unwrap(), "{lon}");
            assert_eq!(ext.as_ref().unwrap()["x"].as_f64(), Some(*got), "{lat}");
            assert_eq!(
                ClientFrame::decode(&frame.encode()).unwrap(),
                frame,
                "{lat}"
            );
        }
    }

    #[test]
    fn an_unknown_enum_value_is_an_invalid_argument_naming_the_field() {
        let cases = [
            (
                r#"{"id":1,"req":{"cmd":"login","user":"a","password":"p","platform":"toaster","device":"d"}}"#,
                "platform",
                "toaster",
            ),
            (
                r#"{"id":2,"req":{"cmd":"send","conv":"d:a:b","client_id":"c","content":{"type":"nope","text":"x"}}}"#,
                "content.type",
                "nope",
            ),
            (
                r#"{"id":3,"req":{"cmd":"create_group","name":"g","join_policy":"everyone"}}"#,
                "join_policy",
                "everyone",
            ),
            (
                r#"{"id":4,"req":{"cmd":"set_member_role","group":"g1","user":"b","role":"boss"}}"#,
                "role",
                "boss",
            ),
        ];
        for (text, field, value) in cases {
            let e = ClientFrame::decode(text).unwrap_err();
            assert_eq!(e.err.code, ErrorCode::InvalidArgument, "{text}: {}", e.err);
            assert!(
                e.err.message.contains(&format!("field `{field}`"))
                    && e.err.message.contains(&format!("`{value}`")),
                "{}",
                e.err.message
            );
            assert!(e.id.is_some());
        }
        // Only an unknown `cmd` itself is `UnknownCommand`.
        let e = ClientFrame::decode(r#"{"id":5,"req":{"cmd":"toaster","platform":"web"}}"#)
            .unwrap_err();
        assert_eq!(e.err.code, ErrorCode::UnknownCommand);
        assert!(e.err.message.contains("`toaster`"), "{}", e.err.message);
    }

    #[test]
    fn error_codes_round_trip() {
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_u16(c.as_u16()), c);
        }
        assert_eq!(ErrorCode::from_u16(9999), ErrorCode::Unknown(9999));
    }
}
