//! Fault injection: the real `tern-server` binary is SIGKILLed and restarted
//! several times on the same data directory and port while concurrent senders
//! pipeline messages and every device drops its connection at random. Senders
//! resend unacked messages with the same client ids; devices catch up by seq.
//! The checker then verifies that every acked message is stored once and
//! delivered exactly once to every recipient device, in the same order.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tern_proto::{
    ClientFrame, ClientMsgId, Content, ConversationId, DeviceId, Message, Platform, ReqId, Request,
    Response, ServerFrame, UserId,
};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const PASSWORD: &str = "fault injection";
/// Messages each sender sends.
const PER_SENDER: usize = 400;
/// Sends a sender keeps in flight.
const WINDOW: usize = 16;
/// Server kills (SIGKILL + restart) while senders are busy.
const KILLS: usize = 6;
/// Chance that a device drops its connection after any frame.
const DROP_CHANCE: f64 = 0.01;
/// Hard bound on the whole scenario.
const DEADLINE: Duration = Duration::from_secs(90);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

fn uid(s: &str) -> UserId {
    UserId::new(s).unwrap()
}

/// The real server process, restartable on the same port and directory.
struct ServerProcess {
    child: Option<Child>,
    addr: SocketAddr,
    dir: PathBuf,
    config: PathBuf,
}

impl ServerProcess {
    async fn start(addr: SocketAddr, dir: &Path) -> Self {
        let config = dir.join("tern.toml");
        std::fs::write(&config, "argon2_memory_kib = 256\nargon2_iterations = 1\nrate_per_sec = 100000.0\nrate_burst = 100000.0\n")
            .unwrap();
        let mut s = ServerProcess {
            child: None,
            addr,
            dir: dir.join("data"),
            config,
        };
        s.spawn().await;
        s
    }

    async fn spawn(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_tern-server"))
            .arg("--listen")
            .arg(self.addr.to_string())
            .arg("--data-dir")
            .arg(&self.dir)
            .arg("--config")
            .arg(&self.config)
            .env("TERN_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn tern-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(self.addr).await.is_err() {
            assert!(Instant::now() < deadline, "server did not come up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn kill(&mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }

    /// SIGTERM and wait; returns whether it exited successfully.
    fn terminate(&mut self) -> bool {
        let mut child = self.child.take().unwrap();
        Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .unwrap();
        child.wait().unwrap().success()
    }
}

impl Drop for ServerProcess {
    /// A failing test must not leave the server running.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One entry of a device's conversation log.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    seq: u64,
    sender: String,
    client_id: String,
}

impl From<&Message> for Entry {
    fn from(m: &Message) -> Self {
        Entry {
            seq: m.seq.0,
            sender: m.sender.to_string(),
            client_id: m.client_id.to_string(),
        }
    }
}

/// Progress shared by the devices and the chaos loop.
struct Counters {
    /// Sender devices that still have unacked messages.
    senders_left: Arc<AtomicUsize>,
    /// Distinct client ids acked so far, over all senders.
    acked: Arc<AtomicUsize>,
}

/// What ends a session.
enum End {
    Finished,
    Dropped,
}

/// A device: receives every message of its user's conversation; device 1 of
/// each user also sends.
struct Device {
    user: String,
    name: String,
    conv: ConversationId,
    /// The conversation as this device saw it, contiguous from seq 1.
    log: Vec<Entry>,
    /// Client ids not yet acked and not in flight (sender devices only).
    to_send: VecDeque<String>,
    /// Request id → client id of sends awaiting their ack.
    inflight: HashMap<u64, String>,
    /// Client id → seq from its ack (every ack for a client id must agree).
    acks: HashMap<String, u64>,
    /// Distinct client ids this device ever sent.
    attempted: HashSet<String>,
    /// Pushes for seqs already in the log (a push racing a pull); ignored.
    redundant: u64,
    /// Sends of a client id that had been sent before (after a drop or kill).
    resends: u64,
    /// Acks that said `duplicate: true` (the first copy had been stored).
    duplicate_acks: u64,
    /// Client ids sent at least once.
    sent_once: HashSet<String>,
    reconnects: u64,
    is_sender: bool,
    done_sending: bool,
}

/// One connection of a device.
struct Session {
    ws: Ws,
    next_id: u64,
    queued: VecDeque<ServerFrame>,
}

impl Session {
    async fn send(&mut self, req: Request) -> Result<ReqId, ()> {
        self.next_id += 1;
        let id = ReqId(self.next_id);
        self.ws
            .send(WsMessage::text(ClientFrame { id, req }.encode()))
            .await
            .map_err(|_| ())?;
        Ok(id)
    }

    async fn frame(&mut self, wait: Duration) -> Result<Option<ServerFrame>, ()> {
        if let Some(f) = self.queued.pop_front() {
            return Ok(Some(f));
        }
        match timeout(wait, self.ws.next()).await {
            Err(_) => Ok(None),
            Ok(Some(Ok(WsMessage::Text(t)))) => {
                Ok(Some(ServerFrame::decode(t.as_str()).map_err(|_| ())?))
            }
            Ok(Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_)))) => Ok(None),
            _ => Err(()),
        }
    }

    /// Sends `req` and waits for its answer; other frames are queued for later.
    async fn request(
        &mut self,
        req: Request,
    ) -> Result<Result<Response, tern_proto::WireError>, ()> {
        let id = self.send(req).await?;
        let mut others = Vec::new();
        let out = loop {
            match timeout(Duration::from_secs(5), self.ws.next()).await {
                Ok(Some(Ok(WsMessage::Text(t)))) => {
                    match ServerFrame::decode(t.as_str()).map_err(|_| ())? {
                        ServerFrame::Ok { id: got, res } if got == id => break Ok(Ok(res)),
                        ServerFrame::Err { id: Some(got), err } if got == id => break Ok(Err(err)),
                        other => others.push(other),
                    }
                }
                Ok(Some(Ok(_))) => {}
                _ => break Err(()),
            }
        };
        self.queued.extend(others);
        out
    }
}

impl Device {
    fn new(user: &str, name: &str, conv: ConversationId, is_sender: bool) -> Self {
        let to_send: VecDeque<String> = if is_sender {
            (0..PER_SENDER).map(|i| format!("{user}-{i}")).collect()
        } else {
            VecDeque::new()
        };
        Device {
            user: user.into(),
            name: name.into(),
            conv,
            log: Vec::new(),
            attempted: to_send.iter().cloned().collect(),
            to_send,
            inflight: HashMap::new(),
            acks: HashMap::new(),
            redundant: 0,
            resends: 0,
            duplicate_acks: 0,
            sent_once: HashSet::new(),
            reconnects: 0,
            is_sender,
            done_sending: !is_sender,
        }
    }

    /// Runs sessions until everything is sent, acked and caught up.
    async fn run(mut self, addr: SocketAddr, counters: Counters, seed: u64) -> Device {
        let mut rng = StdRng::seed_from_u64(seed);
        let deadline = Instant::now() + DEADLINE;
        loop {
            assert!(
                Instant::now() < deadline,
                "{}/{} did not finish in time",
                self.user,
                self.name
            );
            let ws = match tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await {
                Ok((ws, _)) => ws,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    continue;
                }
            };
            let mut s = Session {
                ws,
                next_id: 0,
                queued: VecDeque::new(),
            };
            let end = self.session(&mut s, &counters, &mut rng).await;
            // Whatever was in flight may or may not be stored: resend it, same client ids.
            let mut back: Vec<_> = self.inflight.drain().collect();
            back.sort_by_key(|(id, _)| std::cmp::Reverse(*id));
            for (_, cid) in back {
                self.to_send.push_front(cid);
            }
            match end {
                Ok(End::Finished) => return self,
                Ok(End::Dropped) | Err(()) => self.reconnects += 1,
            }
        }
    }

    async fn session(
        &mut self,
        s: &mut Session,
        counters: &Counters,
        rng: &mut StdRng,
    ) -> Result<End, ()> {
        ok(s.request(Request::Hello {
            version: tern_proto::PROTOCOL_VERSION,
        })
        .await?)?;
        let login = Request::Login {
            user: uid(&self.user),
            password: PASSWORD.into(),
            platform: Platform::Desktop,
            device: DeviceId::new(format!("{}-{}", self.user, self.name)).unwrap(),
        };
        ok(s.request(login).await?)?;
        self.catch_up(s).await?;
        loop {
            if !self.done_sending {
                while self.inflight.len() < WINDOW {
                    let Some(cid) = self.to_send.pop_front() else {
                        break;
                    };
                    let req = Request::Send {
                        conv: self.conv.clone(),
                        client_id: ClientMsgId::new(cid.clone()).unwrap(),
                        content: Content::Text {
                            text: format!("{cid} ✓"),
                        },
                        ext: None,
                        after: None,
                        reply_to: None,
                        mentions: None,
                    };
                    match s.send(req).await {
                        Ok(id) => {
                            if !self.sent_once.insert(cid.clone()) {
                                self.resends += 1;
                            }
                            self.inflight.insert(id.0, cid);
                        }
                        Err(()) => {
                            self.to_send.push_front(cid);
                            return Err(());
                        }
                    }
                }
            }
            let frame = s.frame(Duration::from_millis(20)).await?;
            if let Some(frame) = frame {
                self.handle(s, frame, &counters.acked).await?;
                if rng.random_bool(DROP_CHANCE) {
                    return Ok(End::Dropped); // the socket is dropped without a close frame
                }
            }
            if !self.done_sending && self.to_send.is_empty() && self.inflight.is_empty() {
                self.done_sending = true;
                counters.senders_left.fetch_sub(1, Ordering::SeqCst);
            }
            if self.done_sending && counters.senders_left.load(Ordering::SeqCst) == 0 {
                // Everything is acked (so committed): a final catch-up sees it all.
                self.catch_up(s).await?;
                return Ok(End::Finished);
            }
        }
    }

    async fn handle(
        &mut self,
        s: &mut Session,
        frame: ServerFrame,
        acked: &AtomicUsize,
    ) -> Result<(), ()> {
        match frame {
            ServerFrame::Ok {
                id,
                res: Response::Sent { seq, duplicate, .. },
            } => {
                self.duplicate_acks += u64::from(duplicate);
                if let Some(cid) = self.inflight.remove(&id.0) {
                    match self.acks.insert(cid.clone(), seq.0) {
                        Some(prev) => assert_eq!(
                            prev, seq.0,
                            "a resend of {cid} was acked with a different seq"
                        ),
                        None => {
                            acked.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            }
            ServerFrame::Err { id: Some(id), err } => {
                // E.g. shutting down mid-request: resend later with the same id.
                if let Some(cid) = self.inflight.remove(&id.0) {
                    eprintln!("{}: send {cid} failed: {err}", self.user);
                    self.to_send.push_front(cid);
                }
            }
            ServerFrame::Push {
                push: tern_proto::Push::Message { message },
            } => {
                let last = self.log.len() as u64;
                if message.seq.0 > last + 1 {
                    self.pull(s, last + 1, message.seq.0 - 1).await?;
                }
                self.apply(&message);
            }
            _ => {}
        }
        Ok(())
    }

    /// Applies a message in seq order (a seq already present must match).
    fn apply(&mut self, m: &Message) {
        let last = self.log.len() as u64;
        if m.seq.0 == last + 1 {
            self.log.push(m.into());
        } else if m.seq.0 <= last {
            self.redundant += 1;
            assert_eq!(
                self.log[m.seq.0 as usize - 1],
                Entry::from(m),
                "same seq, different message"
            );
        } else {
            panic!(
                "{}/{}: gap before seq {} (log has {last})",
                self.user, self.name, m.seq.0
            );
        }
    }

    async fn catch_up(&mut self, s: &mut Session) -> Result<(), ()> {
        let Response::Conversations { conversations } =
            ok(s.request(Request::Conversations).await?)?
        else {
            return Err(());
        };
        if let Some(c) = conversations.iter().find(|c| c.conv == self.conv) {
            let last = self.log.len() as u64;
            if c.max_seq.0 > last {
                self.pull(s, last + 1, c.max_seq.0).await?;
            }
        }
        Ok(())
    }

    async fn pull(&mut self, s: &mut Session, from: u64, to: u64) -> Result<(), ()> {
        let mut next = from;
        while next <= to {
            let req = Request::Pull {
                conv: self.conv.clone(),
                from: tern_proto::Seq(next),
                to: tern_proto::Seq(to),
                limit: Some(100),
            };
            let Response::Messages { messages } = ok(s.request(req).await?)? else {
                return Err(());
            };
            if messages.is_empty() {
                return Err(());
            }
            for m in &messages {
                self.apply(m);
            }
            next = messages.last().unwrap().seq.0 + 1;
        }
        Ok(())
    }
}

fn ok(r: Result<Response, tern_proto::WireError>) -> Result<Response, ()> {
    r.map_err(|e| eprintln!("request failed: {e}"))
}

async fn register_all(addr: SocketAddr, users: &[&str]) {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
        .await
        .unwrap();
    let mut s = Session {
        ws,
        next_id: 0,
        queued: VecDeque::new(),
    };
    ok(s.request(Request::Hello {
        version: tern_proto::PROTOCOL_VERSION,
    })
    .await
    .unwrap())
    .unwrap();
    for u in users {
        let r = s
            .request(Request::Register {
                user: uid(u),
                password: PASSWORD.into(),
            })
            .await
            .unwrap();
        assert_eq!(r, Ok(Response::Done));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acked_messages_survive_kills_and_drops_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut server = ServerProcess::start(addr, dir.path()).await;
    let users = ["ann", "ben", "cat", "dan"];
    register_all(addr, &users).await;

    // Two conversations, each with two concurrent senders; every user has a
    // sending device and a receive-only device.
    let seed: u64 = rand::random();
    println!("seed: {seed}");
    let senders_left = Arc::new(AtomicUsize::new(users.len()));
    let acked_total = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (i, (a, b)) in [("ann", "ben"), ("cat", "dan")].into_iter().enumerate() {
        let conv = ConversationId::direct(&uid(a), &uid(b));
        for (j, user) in [a, b].into_iter().enumerate() {
            for (k, name) in ["main", "spare"].into_iter().enumerate() {
                let d = Device::new(user, name, conv.clone(), k == 0);
                let counters = Counters {
                    senders_left: senders_left.clone(),
                    acked: acked_total.clone(),
                };
                let s = seed.wrapping_add((i * 4 + j * 2 + k) as u64);
                tasks.push(tokio::spawn(d.run(addr, counters, s)));
            }
        }
    }

    // Chaos: SIGKILL and restart the server at evenly spread points of progress,
    // so every kill lands mid-stream however fast the machine is.
    let total = users.len() * PER_SENDER;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut kills = 0;
    let chaos_deadline = Instant::now() + DEADLINE;
    for k in 1..=KILLS {
        let target = k * total / (KILLS + 1) + rng.random_range(0..total / (2 * (KILLS + 1)));
        while acked_total.load(Ordering::SeqCst) < target && senders_left.load(Ordering::SeqCst) > 0
        {
            assert!(Instant::now() < chaos_deadline, "no progress");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if senders_left.load(Ordering::SeqCst) == 0 {
            break;
        }
        server.kill();
        kills += 1;
        server.spawn().await;
    }

    let mut devices = Vec::new();
    for t in tasks {
        devices.push(
            timeout(DEADLINE, t)
                .await
                .expect("devices finished in time")
                .unwrap(),
        );
    }
    assert_eq!(kills, KILLS, "every kill landed while senders were busy");

    // The checker: the server's stored conversations, via a fresh connection.
    let mut stored: HashMap<ConversationId, Vec<Entry>> = HashMap::new();
    for d in devices.iter().filter(|d| d.is_sender && d.name == "main") {
        if stored.contains_key(&d.conv) {
            continue;
        }
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
            .await
            .unwrap();
        let mut checker = Device::new(&d.user, "checker", d.conv.clone(), false);
        let mut s = Session {
            ws,
            next_id: 0,
            queued: VecDeque::new(),
        };
        ok(s.request(Request::Hello {
            version: tern_proto::PROTOCOL_VERSION,
        })
        .await
        .unwrap())
        .unwrap();
        let login = Request::Login {
            user: uid(&d.user),
            password: PASSWORD.into(),
            platform: Platform::Desktop,
            device: DeviceId::new("checker").unwrap(),
        };
        ok(s.request(login).await.unwrap()).unwrap();
        checker.catch_up(&mut s).await.unwrap();
        stored.insert(d.conv.clone(), checker.log);
    }

    let sent: usize = devices.iter().map(|d| d.attempted.len()).sum();
    let acked: usize = devices.iter().map(|d| d.acks.len()).sum();
    let (mut lost, mut duplicated, mut delivered) = (0, 0, 0);
    for d in devices.iter().filter(|d| d.is_sender) {
        let log = &stored[&d.conv];
        for (cid, seq) in &d.acks {
            let copies: Vec<_> = log
                .iter()
                .filter(|e| e.sender == d.user && e.client_id == *cid)
                .collect();
            match copies.len() {
                0 => lost += 1,
                1 => assert_eq!(
                    copies[0].seq, *seq,
                    "{cid} acked with seq {seq} but stored at {}",
                    copies[0].seq
                ),
                n => duplicated += n - 1,
            }
            // Delivered: present exactly once in every recipient device's log.
            let recipients: Vec<_> = devices.iter().filter(|r| r.conv == d.conv).collect();
            let everywhere = recipients.iter().all(|r| {
                r.log
                    .iter()
                    .filter(|e| e.sender == d.user && e.client_id == *cid)
                    .count()
                    == 1
            });
            if everywhere {
                delivered += 1;
            } else {
                lost += 1;
            }
        }
    }
    for (conv, log) in &stored {
        let seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
        assert_eq!(
            seqs,
            (1..=log.len() as u64).collect::<Vec<_>>(),
            "{conv}: gap-free"
        );
        for d in devices.iter().filter(|d| d.conv == *conv) {
            assert_eq!(
                &d.log, log,
                "{}/{} saw {conv} in a different order",
                d.user, d.name
            );
        }
        let unique: HashSet<_> = log.iter().map(|e| (&e.sender, &e.client_id)).collect();
        duplicated += log.len() - unique.len();
    }
    let reconnects: u64 = devices.iter().map(|d| d.reconnects).sum();
    let redundant: u64 = devices.iter().map(|d| d.redundant).sum();
    let resends: u64 = devices.iter().map(|d| d.resends).sum();
    let duplicate_acks: u64 = devices.iter().map(|d| d.duplicate_acks).sum();
    println!(
        "chaos: kills={kills} reconnects={reconnects} resends={resends} duplicate_acks={duplicate_acks} \
         redundant_pushes_ignored={redundant} seed={seed}"
    );
    println!("delivery: sent={sent} acked={acked} delivered={delivered} lost={lost} duplicated={duplicated}");
    assert_eq!(
        (sent, acked, delivered, lost, duplicated),
        (users.len() * PER_SENDER, sent, sent, 0, 0)
    );
    assert!(server.terminate(), "SIGTERM shuts the server down cleanly");
}
