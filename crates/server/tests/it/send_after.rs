//! `send` with `after`: stored only if the sender's message `after` is stored,
//! else `OutOfOrder` (4003) — so a pipelined send cannot overtake an earlier one
//! that was refused for now. A resend of a stored message is still a duplicate.

use crate::common;

use common::*;
use tern_proto::{ClientMsgId, ErrorCode, Request, Response, Seq};

fn after(req: Request, prev: &str) -> Request {
    match req {
        Request::Send {
            conv,
            client_id,
            content,
            ext,
            ..
        } => Request::Send {
            conv,
            client_id,
            content,
            ext,
            after: Some(ClientMsgId::new(prev).unwrap()),
            reply_to: None,
            mentions: None,
        },
        other => other,
    }
}

#[tokio::test]
async fn a_send_after_an_unstored_message_is_refused_in_order() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let _bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    let to_nobody = dm("alice", "nobody");

    // a1 stored; a2 refused for good (no such peer); a3 after a2 refused OutOfOrder;
    // a4 after a1 stored — all pipelined on one connection.
    let res = alice
        .pipeline(vec![
            text_msg(&conv, "a1", "one"),
            text_msg(&to_nobody, "a2", "lost"),
            after(text_msg(&conv, "a3", "three"), "a2"),
            after(text_msg(&conv, "a4", "four"), "a1"),
        ])
        .await;
    assert!(
        matches!(res[0], Ok(Response::Sent { seq: Seq(1), .. })),
        "{res:?}"
    );
    assert_eq!(res[1].as_ref().unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(res[2].as_ref().unwrap_err().code, ErrorCode::OutOfOrder);
    assert!(
        matches!(res[3], Ok(Response::Sent { seq: Seq(2), .. })),
        "{res:?}"
    );

    // A resend of a stored message with an unmet `after` is still its duplicate.
    let dup = alice.ok(after(text_msg(&conv, "a4", "four"), "a2")).await;
    assert!(
        matches!(
            dup,
            Response::Sent {
                seq: Seq(2),
                duplicate: true,
                ..
            }
        ),
        "{dup:?}"
    );
    // Without `after`, a3 is stored next.
    let Response::Sent { seq, .. } = alice.ok(text_msg(&conv, "a3", "three")).await else {
        panic!()
    };
    assert_eq!(seq, Seq(3));
}
