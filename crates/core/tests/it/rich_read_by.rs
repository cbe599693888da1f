//! Group read-by through tern-core (issue 17): the sender asks who read her
//! message; it follows the members' reads (from any client); a plain member
//! asking about someone else's message gets NotManager; when the owner turns
//! read-by off, asking fails with ReadByOff.

use crate::common;

use common::*;
use tern_core::proto::ConversationId;
use tern_core::Event;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sender_sees_who_read_as_members_read_and_the_group_can_turn_it_off() {
    let (dir, server, (alice, _a_rx), (bob, mut b_rx), _) = alice_and_bob().await;
    let (carol, mut c_rx) = user(dir.path(), server.addr(), "carol").await;
    let g = alice
        .create_group("Team", &[uid("bob"), uid("carol")], None)
        .await
        .unwrap();
    let conv = ConversationId::Group(g.group.clone());
    let seq = alice
        .send_text(&conv, "standup at 10")
        .await
        .unwrap()
        .seq
        .unwrap();
    for rx in [&mut b_rx, &mut c_rx] {
        wait_for(rx, |e| matches!(e, Event::NewMessage { .. })).await;
    }
    let p = alice.read_by(&conv, seq, None, 10).await.unwrap();
    assert_eq!((p.read_count, p.unread_count), (0, 2));
    assert_eq!(p.unread, vec![uid("bob"), uid("carol")]);

    bob.mark_read(&conv).await.unwrap();
    let p = alice.read_by(&conv, seq, None, 1).await.unwrap();
    assert_eq!((p.read_count, p.unread_count), (1, 1));
    assert_eq!(
        (p.read.clone(), p.next.clone()),
        (vec![uid("bob")], Some(uid("bob")))
    );
    let rest = alice.read_by(&conv, seq, p.next.as_ref(), 1).await.unwrap();
    assert_eq!((rest.unread, rest.next), (vec![uid("carol")], None));

    let err = carol.read_by(&conv, seq, None, 10).await.unwrap_err();
    assert!(err.to_string().contains("4014"), "{err}");
    let info = alice.set_group_read_by(&g.group, false).await.unwrap();
    assert!(!info.read_by);
    let err = alice.read_by(&conv, seq, None, 10).await.unwrap_err();
    assert!(err.to_string().contains("4015"), "{err}");
    for c in [alice, bob, carol] {
        c.close().await;
    }
    server.shutdown().await;
}
