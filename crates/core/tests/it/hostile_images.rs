//! Decompression bombs: an image file of a few hundred bytes can declare a
//! canvas of 30,000 × 30,000 pixels, which a webview decodes whole (3.6 GB).
//! tern-core tells an app which received images it may show inline
//! (`showable_image`, at most `MAX_SHOWN_PIXELS`) and refuses avatars over
//! `MAX_AVATAR_PIXELS`, both ways: the victim's client does not take such an
//! avatar from the server, and the sender's client does not upload one.

use crate::common;

use common::*;
use tern_core::proto::{Content, FileRef};
use tern_core::{showable_image, Error, Event, ProfileUpdate, MAX_SHOWN_PIXELS};

/// A PNG whose header declares `w` × `h` (the pixel data of a 1 × 1 image
/// follows: readers of the header cannot tell).
fn declared_png(w: u32, h: u32) -> Vec<u8> {
    let mut p = png(1, 1);
    p[16..20].copy_from_slice(&w.to_be_bytes());
    p[20..24].copy_from_slice(&h.to_be_bytes());
    p
}

fn image_file(c: &Content) -> &FileRef {
    match c {
        Content::Image { file, .. } => file,
        other => panic!("not an image: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_canvases_are_not_shown_inline_nor_taken_as_avatars() {
    let (dir, server, (alice, _a_rx), (bob, mut b_rx), conv) = alice_and_bob().await;
    let bomb = dir.path().join("bomb.png");
    std::fs::write(&bomb, declared_png(30_000, 30_000)).unwrap();
    let fine = dir.path().join("fine.png");
    std::fs::write(&fine, declared_png(6_000, 6_000)).unwrap();
    const { assert!(36_000_000 <= MAX_SHOWN_PIXELS) };

    // Both are sent as image messages (the sender's own choice); the receiver
    // may show the 36-megapixel one inline, not the bomb.
    let sent_bomb = alice.send_file(&conv, &bomb).await.unwrap();
    let sent_fine = alice.send_file(&conv, &fine).await.unwrap();
    let mut got = Vec::new();
    while got.len() < 2 {
        if let Event::NewMessage { message, .. } =
            wait_for(&mut b_rx, |e| matches!(e, Event::NewMessage { .. })).await
        {
            got.push(*message);
        }
    }
    let by_id = |id| got.iter().find(|m| m.client_id == id).unwrap();
    let bomb_at = bob
        .download_file(image_file(&by_id(sent_bomb.client_id.clone()).content))
        .await
        .unwrap();
    let fine_at = bob
        .download_file(image_file(&by_id(sent_fine.client_id.clone()).content))
        .await
        .unwrap();
    assert!(
        !showable_image(&bomb_at),
        "a 900-megapixel canvas is not shown"
    );
    assert!(showable_image(&fine_at));
    // Not an image at all (whatever its name says): not shown either.
    let fake = dir.path().join("fake.png");
    std::fs::write(&fake, b"<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap();
    assert!(!showable_image(&fake));

    // Alice's client will not upload the bomb as an avatar...
    let refused = alice
        .upload_avatar(declared_png(30_000, 30_000))
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::InvalidArgument(_)), "{refused:?}");
    // ...but a hostile client can make its uploaded bomb its avatar; Bob's
    // client does not take it (the app shows initials instead).
    let bomb_id = image_file(&by_id(sent_bomb.client_id.clone()).content)
        .id
        .clone();
    alice
        .set_profile(ProfileUpdate {
            avatar: Some(bomb_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    let taken = bob.avatar(&bomb_id).await.unwrap_err();
    assert!(
        matches!(&taken, Error::InvalidArgument(m) if m.contains("pixels")),
        "{taken:?}"
    );
    // A reasonable avatar still works.
    let profile = alice.set_avatar(declared_png(512, 512)).await.unwrap();
    bob.avatar(&profile.avatar.unwrap()).await.unwrap();
    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}
