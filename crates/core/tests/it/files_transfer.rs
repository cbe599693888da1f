//! Files through tern-core against a real server: a 20 MB file sent and
//! downloaded by the peer with monotonic progress, cancel mid-upload, an image
//! message with its pixel size, and an upload that fails while the server is
//! down and is delivered once after a resend.

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use tern_core::proto::{ClientMsgId, Content, FileRef};
use tern_core::{DeliveryState, Event, LocalMessage, TransferDirection, PENDING_FILE_ID};
use tokio::sync::broadcast;

fn random_file(path: &Path, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ n as u64;
    for chunk in v.chunks_mut(8) {
        // xorshift64*: fast, and incompressible enough for a transfer test.
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
        chunk.copy_from_slice(&r[..chunk.len()]);
    }
    std::fs::write(path, &v).unwrap();
    v
}

fn file_of(m: &LocalMessage) -> &FileRef {
    match &m.content {
        Content::File { file } | Content::Image { file, .. } => file,
        other => panic!("not a file message: {other:?}"),
    }
}

/// Upload progress of `id` until its `TransferFinished`; returns (progress, ok).
async fn upload_events(
    rx: &mut broadcast::Receiver<Event>,
    id: &ClientMsgId,
) -> (Vec<(u64, u64)>, bool, Option<String>) {
    let mut seen = Vec::new();
    loop {
        match wait_for(rx, |e| {
            matches!(e, Event::TransferProgress { transfer, direction: TransferDirection::Upload, .. }
                | Event::TransferFinished { transfer, direction: TransferDirection::Upload, .. }
                if transfer == id.as_str())
        })
        .await
        {
            Event::TransferProgress { done, total, .. } => seen.push((done, total)),
            Event::TransferFinished { ok, error, .. } => return (seen, ok, error),
            _ => unreachable!(),
        }
    }
}

fn assert_monotonic(progress: &[(u64, u64)], total: u64) {
    assert!(!progress.is_empty());
    for w in progress.windows(2) {
        assert!(w[1].0 > w[0].0, "not increasing: {progress:?}");
    }
    assert!(progress.iter().all(|&(_, t)| t == total));
    assert_eq!(progress.last().unwrap().0, total, "ends at total");
}

async fn acked(rx: &mut broadcast::Receiver<Event>, id: &ClientMsgId) -> LocalMessage {
    let Event::MessageAcked { message } = wait_for(
        rx,
        |e| matches!(e, Event::MessageAcked { message } if &message.client_id == id),
    )
    .await
    else {
        unreachable!()
    };
    *message
}

async fn received(rx: &mut broadcast::Receiver<Event>, id: &ClientMsgId) -> LocalMessage {
    let Event::NewMessage { message, .. } = wait_for(
        rx,
        |e| matches!(e, Event::NewMessage { message, .. } if &message.client_id == id),
    )
    .await
    else {
        unreachable!()
    };
    *message
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_20_mb_file_is_sent_and_downloaded_by_the_peer_with_monotonic_progress() {
    let (dir, server, (alice, mut a_rx), (bob, mut b_rx), conv) = alice_and_bob().await;
    let src = dir.path().join("big report.bin");
    let bytes = random_file(&src, 20 * 1024 * 1024);

    let started = Instant::now();
    let local = alice.send_file(&conv, &src).await.unwrap();
    assert_eq!(local.state, DeliveryState::Sending);
    assert_eq!(file_of(&local).id.as_str(), PENDING_FILE_ID);
    assert_eq!(file_of(&local).size, bytes.len() as u64);
    assert_eq!(file_of(&local).name, "big report.bin");
    assert!(matches!(local.content, Content::File { .. }));
    let (progress, ok, error) = upload_events(&mut a_rx, &local.client_id).await;
    let uploaded = started.elapsed();
    assert!(ok, "{error:?}");
    assert_monotonic(&progress, bytes.len() as u64);
    let sent = acked(&mut a_rx, &local.client_id).await;
    assert_ne!(file_of(&sent).id.as_str(), PENDING_FILE_ID);
    assert_eq!(sent.client_id, local.client_id);

    let got = received(&mut b_rx, &local.client_id).await;
    let file = file_of(&got).clone();
    assert_eq!(file, file_of(&sent).clone());
    assert!(bob.cached_file(&file).is_none());
    let started = Instant::now();
    let path = bob.download_file(&file).await.unwrap();
    let downloaded = started.elapsed();
    let mut dl = Vec::new();
    while let Ok(e) = b_rx.try_recv() {
        if let Event::TransferProgress {
            transfer,
            direction: TransferDirection::Download,
            done,
            total,
        } = e
        {
            assert_eq!(transfer, file.id.as_str());
            dl.push((done, total));
        }
    }
    assert_monotonic(&dl, bytes.len() as u64);
    assert!(path.starts_with(bob.account_dir().unwrap().join("files")));
    assert_eq!(path.file_name().unwrap(), "big report.bin");
    assert!(
        std::fs::read(&path).unwrap() == bytes,
        "downloaded bytes differ"
    );
    assert_eq!(bob.cached_file(&file), Some(path.clone()));
    // A second call is served from the cache.
    assert_eq!(bob.download_file(&file).await.unwrap(), path);
    let mb = bytes.len() as f64 / 1e6;
    eprintln!(
        "20 MiB: upload+hash {uploaded:?} ({:.1} MB/s), download {downloaded:?} ({:.1} MB/s), {} upload / {} download progress events",
        mb / uploaded.as_secs_f64(),
        mb / downloaded.as_secs_f64(),
        progress.len(),
        dl.len()
    );
    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_mid_upload_leaves_no_message_on_either_side() {
    let (dir, server, (alice, mut a_rx), (bob, mut b_rx), conv) = alice_and_bob().await;
    let src = dir.path().join("huge.bin");
    let size = 90 * 1024 * 1024;
    random_file(&src, size);

    let local = alice.send_file(&conv, &src).await.unwrap();
    let id = local.client_id.clone();
    // Cancel as soon as the upload is under way.
    let first = wait_for(
        &mut a_rx,
        |e| matches!(e, Event::TransferProgress { transfer, .. } if transfer == id.as_str()),
    )
    .await;
    alice.cancel_upload(&id).await.unwrap();
    let Event::TransferProgress { done, .. } = first else {
        unreachable!()
    };
    assert!(done < size as u64, "cancelled mid-way");
    wait_for(
        &mut a_rx,
        |e| matches!(e, Event::MessageRemoved { client_id, .. } if client_id == &id),
    )
    .await;
    let Event::TransferFinished { ok, error, .. } = wait_for(
        &mut a_rx,
        |e| matches!(e, Event::TransferFinished { transfer, .. } if transfer == id.as_str()),
    )
    .await
    else {
        unreachable!()
    };
    assert!(!ok);
    assert_eq!(error.as_deref(), Some("cancelled"));
    assert!(alice.message(&id).await.unwrap().is_none());
    assert!(
        alice.cancel_upload(&id).await.is_err(),
        "nothing left to cancel"
    );

    // Nothing is sent, later either: no ack, no message for bob, nothing on the server.
    let later = drain(&mut a_rx, Duration::from_millis(1500)).await;
    assert!(
        !later
            .iter()
            .any(|e| matches!(e, Event::MessageAcked { .. })),
        "{later:?}"
    );
    let bob_saw = drain(&mut b_rx, Duration::from_millis(200)).await;
    assert!(
        !bob_saw
            .iter()
            .any(|e| matches!(e, Event::NewMessage { .. })),
        "{bob_saw:?}"
    );
    bob.resync().await.unwrap();
    alice.resync().await.unwrap();
    assert!(bob.messages(&conv, None, 50).await.unwrap().is_empty());
    assert!(alice.messages(&conv, None, 50).await.unwrap().is_empty());
    assert!(alice.outbox().await.unwrap().is_empty());
    // The server dropped the partial upload.
    let tmp = dir.path().join("server/files/tmp");
    let deadline = Instant::now() + WAIT;
    while std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0) > 0 {
        assert!(Instant::now() < deadline, "server temp file left behind");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_becomes_an_image_message_with_its_pixel_size() {
    let (dir, server, (alice, mut a_rx), (bob, mut b_rx), conv) = alice_and_bob().await;
    let src = dir.path().join("cat.png");
    let bytes = png(7, 5);
    std::fs::write(&src, &bytes).unwrap();

    let local = alice.send_file(&conv, &src).await.unwrap();
    let Content::Image {
        file,
        width,
        height,
    } = &local.content
    else {
        panic!("not an image: {:?}", local.content)
    };
    assert_eq!((*width, *height), (7, 5));
    assert_eq!(file.mime, "image/png");
    assert_eq!(file.name, "cat.png");
    acked(&mut a_rx, &local.client_id).await;
    let got = received(&mut b_rx, &local.client_id).await;
    let Content::Image {
        file,
        width: 7,
        height: 5,
    } = &got.content
    else {
        panic!("bob got {:?}", got.content)
    };
    assert_eq!(file.size, bytes.len() as u64);
    let path = bob.download_file(file).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    // The same file named otherwise (as a hostile sender's many messages could name
    // one large file): linked to the copy already here, not stored again.
    let renamed = FileRef {
        name: "another name.png".into(),
        ..file.clone()
    };
    let again = bob.download_file(&renamed).await.unwrap();
    assert_ne!(again, path);
    assert_eq!(std::fs::read(&again).unwrap(), bytes);
    {
        use std::os::unix::fs::MetadataExt;
        let (a, b) = (
            std::fs::metadata(&path).unwrap(),
            std::fs::metadata(&again).unwrap(),
        );
        assert_eq!((a.dev(), a.ino()), (b.dev(), b.ino()), "one copy on disk");
    }
    // The sender can fetch her own upload too.
    let sent = alice.message(&local.client_id).await.unwrap().unwrap();
    let path = alice.download_file(file_of(&sent)).await.unwrap();
    assert_eq!(std::fs::read(path).unwrap(), bytes);
    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_fails_while_the_server_is_down_and_a_resend_delivers_it_once() {
    let (dir, server, (alice, mut a_rx), (bob, mut b_rx), conv) = alice_and_bob().await;
    let addr = server.addr();
    let src = dir.path().join("notes.txt");
    let bytes = random_file(&src, 300_000);

    server.shutdown().await;
    wait_for(&mut a_rx, |e| matches!(e, Event::ConnectFailed { .. })).await;
    let local = alice.send_file(&conv, &src).await.unwrap();
    assert_eq!(local.state, DeliveryState::Sending);
    let id = local.client_id.clone();
    let (_, ok, error) = upload_events(&mut a_rx, &id).await;
    assert!(!ok);
    eprintln!("upload failed with: {error:?}");
    let Event::MessageFailed { message, .. } = wait_for(
        &mut a_rx,
        |e| matches!(e, Event::MessageFailed { message, .. } if message.client_id == id),
    )
    .await
    else {
        unreachable!()
    };
    assert_eq!(message.state, DeliveryState::Failed);
    assert_eq!(file_of(&message).id.as_str(), PENDING_FILE_ID);
    assert_eq!(
        alice.message(&id).await.unwrap().unwrap().state,
        DeliveryState::Failed
    );

    let server = restart_server(dir.path(), addr).await;
    wait_for(&mut a_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    let resent = alice.resend(&id).await.unwrap();
    assert_eq!(resent.state, DeliveryState::Sending);
    let (_, ok, error) = upload_events(&mut a_rx, &id).await;
    assert!(ok, "{error:?}");
    let sent = acked(&mut a_rx, &id).await;
    assert_eq!(sent.state, DeliveryState::Sent);
    let got = received(&mut b_rx, &id).await;
    let path = bob.download_file(file_of(&got)).await.unwrap();
    assert!(std::fs::read(path).unwrap() == bytes);

    // Once on the server, once in each cache.
    bob.resync().await.unwrap();
    let history = bob.messages(&conv, None, 50).await.unwrap();
    assert_eq!(history.iter().filter(|m| m.client_id == id).count(), 1);
    assert_eq!(history.len(), 1);
    assert!(alice.outbox().await.unwrap().is_empty());
    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}
