//! Where and how the client cache is written (issue 16): a user id `.` or `..`
//! never puts the cache outside the data directory; the same user id on two
//! servers gets two caches; directories are 0700 and files (SQLite and its WAL,
//! the device id, downloaded files) 0600.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::*;
use tern_core::proto::{Content, FileRef};
use tern_core::{Client, ClientConfig, Event};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every file below `dir` (recursively), for "nothing landed here" checks.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_below(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dot_user_ids_keep_the_cache_inside_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let outer = dir.path().join("outer");
    let data = outer.join("data");
    // No server listens there: a token login starts offline on the local cache,
    // which is exactly the cache-opening path.
    for id in ["..", "."] {
        let client = Client::new(ClientConfig::new(&data, "ws://127.0.0.1:9")).unwrap();
        client
            .login_with_token(&uid(id), "some-token")
            .await
            .unwrap();
        let acct = client.account_dir().unwrap();
        assert_eq!(acct.parent(), Some(data.as_path()), "{id}: {acct:?}");
        assert!(acct.join("tern.db").is_file(), "{id}: cache in {acct:?}");
        client.close().await;
    }
    // Nothing was written next to the data dir, nor as data/tern.db.
    assert_eq!(
        files_below(dir.path())
            .iter()
            .filter(|p| !p.starts_with(&data))
            .count(),
        0
    );
    assert!(!data.join("tern.db").exists());
    assert!(!outer.join("tern.db").exists());
    // Two different account directories, both private.
    let accounts: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.path())
        .collect();
    assert_eq!(accounts.len(), 2, "{accounts:?}");
    for a in &accounts {
        assert_eq!(mode(a), 0o700, "{a:?}");
        assert_eq!(mode(&a.join("tern.db")), 0o600, "{a:?}");
    }
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&outer), 0o700, "created parents are private too");
    assert_eq!(mode(&data.join("device_id")), 0o600);
}

fn file_of(content: &Content) -> &FileRef {
    match content {
        Content::File { file } | Content::Image { file, .. } => file,
        other => panic!("not a file message: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_id_on_two_servers_gets_two_private_caches() {
    let dir = tempfile::tempdir().unwrap();
    let one = start_server(&dir.path().join("one")).await;
    let two = start_server(&dir.path().join("two")).await;
    // Alice on both servers, one data dir (as in the desktop app).
    let data = dir.path().join("alice-data");
    let login = |addr| {
        let data = data.clone();
        async move {
            let c = Client::new(fast_config(data, addr)).unwrap();
            c.register(&uid("alice"), "password123").await.unwrap();
            let mut rx = c.subscribe();
            c.login(&uid("alice"), "password123").await.unwrap();
            wait_for(&mut rx, |e| matches!(e, Event::SyncFinished { .. })).await;
            (c, rx)
        }
    };
    let (alice1, mut a1_rx) = login(one.addr()).await;
    let (alice2, _a2_rx) = login(two.addr()).await;
    assert_ne!(alice1.account_dir(), alice2.account_dir());

    // Bob on server one sends alice a text and a file.
    let (bob, _b_rx) = user(&dir.path().join("bob-one"), one.addr(), "bob").await;
    let conv = bob.direct_conversation(&uid("alice")).unwrap();
    bob.send_text(&conv, "only on server one").await.unwrap();
    let src = dir.path().join("notes.txt");
    std::fs::write(&src, b"secret notes").unwrap();
    bob.send_file(&conv, &src).await.unwrap();
    let message = loop {
        let Event::NewMessage { message, .. } =
            wait_for(&mut a1_rx, |e| matches!(e, Event::NewMessage { .. })).await
        else {
            unreachable!()
        };
        if matches!(message.content, Content::File { .. }) {
            break message;
        }
    };

    // Server one's conversation is not in server two's cache.
    assert_eq!(alice1.messages(&conv, None, 10).await.unwrap().len(), 2);
    assert!(alice2.conversations().await.unwrap().is_empty());
    assert!(alice2.messages(&conv, None, 10).await.unwrap().is_empty());

    // The downloaded file and every directory on its way are private.
    let got = alice1
        .download_file(file_of(&message.content))
        .await
        .unwrap();
    assert_eq!(std::fs::read(&got).unwrap(), b"secret notes");
    let acct = alice1.account_dir().unwrap();
    assert!(got.starts_with(&acct), "{got:?} in {acct:?}");
    assert_eq!(mode(&got), 0o600);
    let mut d = got.parent().unwrap();
    while d != data {
        assert_eq!(mode(d), 0o700, "{d:?}");
        d = d.parent().unwrap();
    }
    assert_eq!(mode(&data), 0o700);
    for a in [alice1.account_dir().unwrap(), alice2.account_dir().unwrap()] {
        for f in ["tern.db", "tern.db-wal", "tern.db-shm"] {
            assert_eq!(mode(&a.join(f)), 0o600, "{a:?}/{f}");
        }
    }
    alice1.close().await;
    alice2.close().await;
}
