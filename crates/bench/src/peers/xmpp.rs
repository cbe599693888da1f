//! A minimal XMPP client over plain TCP (c2s on 127.0.0.1, no TLS): stream, in-band
//! registration (XEP-0077), SASL PLAIN, resource binding, XEP-0198 stream
//! management, presence, and `<message type='chat'/>` with a `<r/>` after each, so
//! that the server's `<a h='n'/>` tells which messages it has handled. Both
//! ejabberd and Prosody archive (MAM) a chat message while handling it, before
//! the count moves.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use super::xml::{esc, next_item, Element, Item};
use super::Ev;

/// How long any single step may take.
const STEP: Duration = Duration::from_secs(30);
const SM: &str = "urn:xmpp:sm:3";

/// One XMPP client connection.
pub(super) struct Xmpp {
    rd: OwnedReadHalf,
    wr: OwnedWriteHalf,
    buf: Vec<u8>,
    domain: String,
    /// Bare JID of the peer messages go to.
    pub peer: String,
    /// Inbound stanzas handled (the `h` we report).
    handled: u64,
    /// Outbound stanzas since `<enable/>`.
    sent: u64,
    /// Messages awaiting the server's ack: (stanza count, sent at).
    inflight: VecDeque<(u64, Instant)>,
}

impl Xmpp {
    async fn connect(addr: SocketAddr, domain: &str) -> Result<Self> {
        let s = TcpStream::connect(addr).await.context("XMPP connect")?;
        s.set_nodelay(true)?;
        let (rd, wr) = s.into_split();
        let mut x = Xmpp {
            rd,
            wr,
            buf: Vec::with_capacity(4096),
            domain: domain.to_string(),
            peer: String::new(),
            handled: 0,
            sent: 0,
            inflight: VecDeque::new(),
        };
        x.open().await?;
        Ok(x)
    }

    async fn write(&mut self, s: &str) -> Result<()> {
        self.wr.write_all(s.as_bytes()).await?;
        Ok(())
    }

    async fn item(&mut self) -> Result<Item> {
        loop {
            if let Some((item, n)) = next_item(&self.buf)? {
                self.buf.drain(..n);
                return Ok(item);
            }
            let mut chunk = [0u8; 16384];
            let n = self.rd.read(&mut chunk).await?;
            if n == 0 {
                bail!("XMPP server closed the connection");
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// The next stanza for which `want` holds (others are skipped; errors fail).
    async fn expect(&mut self, what: &str, want: impl Fn(&Element) -> bool) -> Result<Element> {
        let fut = async {
            loop {
                match self.item().await? {
                    Item::Stanza(e) if want(&e) => return Ok(e),
                    Item::Stanza(e) if e.name == "stream:error" || e.name == "failure" => {
                        bail!("XMPP {what}: {e:?}")
                    }
                    Item::StreamClose => bail!("XMPP {what}: stream closed"),
                    _ => {}
                }
            }
        };
        tokio::time::timeout(STEP, fut)
            .await
            .with_context(|| format!("XMPP: no {what} within {STEP:?}"))?
    }

    /// Opens (or restarts) the stream and reads the features.
    async fn open(&mut self) -> Result<Element> {
        let head = format!(
            "<?xml version='1.0'?><stream:stream to='{}' xmlns='jabber:client' \
             xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
            esc(&self.domain)
        );
        self.write(&head).await?;
        self.expect("stream features", |e| e.name == "stream:features")
            .await
    }

    /// In-band registration of `user`; an existing account is not an error.
    pub(super) async fn register(
        addr: SocketAddr,
        domain: &str,
        user: &str,
        pass: &str,
    ) -> Result<()> {
        let mut x = Self::connect(addr, domain).await?;
        x.write(&format!(
            "<iq type='set' id='reg1'><query xmlns='jabber:iq:register'><username>{}</username>\
             <password>{}</password></query></iq>",
            esc(user),
            esc(pass)
        ))
        .await?;
        let r = x
            .expect("registration result", |e| {
                e.name == "iq" && e.attr("id") == Some("reg1")
            })
            .await?;
        let conflict = r
            .child("error")
            .is_some_and(|e| e.child("conflict").is_some());
        if r.attr("type") != Some("result") && !conflict {
            bail!("XMPP registration of {user} refused: {r:?}");
        }
        let _ = x.write("</stream:stream>").await;
        Ok(())
    }

    /// Logs in (SASL PLAIN), binds `resource`, enables stream management, sends
    /// initial presence. Messages will go to `peer` (a bare JID).
    pub(super) async fn login(
        addr: SocketAddr,
        domain: &str,
        user: &str,
        pass: &str,
        resource: &str,
    ) -> Result<Self> {
        let mut x = Self::connect(addr, domain).await?;
        let plain = base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{pass}"));
        x.write(&format!(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{plain}</auth>"
        ))
        .await?;
        x.expect("SASL success", |e| e.name == "success").await?;
        let features = x.open().await?;
        if features.child("sm").is_none() {
            bail!("XMPP server offers no stream management (XEP-0198)");
        }
        x.write(&format!(
            "<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
             <resource>{}</resource></bind></iq>",
            esc(resource)
        ))
        .await?;
        let bound = x
            .expect("bind result", |e| {
                e.name == "iq" && e.attr("id") == Some("bind1")
            })
            .await?;
        if bound.attr("type") != Some("result") {
            bail!("XMPP bind refused: {bound:?}");
        }
        x.write(&format!("<enable xmlns='{SM}'/>")).await?;
        x.expect("stream management enabled", |e| e.name == "enabled")
            .await?;
        x.write("<presence/>").await?;
        x.sent += 1;
        Ok(x)
    }

    /// Sends a chat message to the peer, then asks for an ack.
    pub(super) async fn send(&mut self, id: u64, text: &str) -> Result<()> {
        let s = format!(
            "<message to='{}' type='chat' id='m{id}'><body>{}</body></message><r xmlns='{SM}'/>",
            esc(&self.peer),
            esc(text)
        );
        self.write(&s).await?;
        self.sent += 1;
        self.inflight.push_back((self.sent, Instant::now()));
        Ok(())
    }

    /// The next ack or received message (answers the server's `<r/>` on the way).
    pub(super) async fn next_event(&mut self) -> Result<Ev> {
        loop {
            let e = match self.item().await? {
                Item::Stanza(e) => e,
                Item::StreamClose => bail!("XMPP stream closed"),
                Item::StreamOpen(_) => continue,
            };
            match e.name.as_str() {
                "a" => {
                    let h: u64 = e.attr("h").and_then(|h| h.parse().ok()).unwrap_or(0);
                    let mut done = Vec::new();
                    while self.inflight.front().is_some_and(|(n, _)| *n <= h) {
                        done.push(self.inflight.pop_front().expect("front").1);
                    }
                    if !done.is_empty() {
                        return Ok(Ev::Acked(done));
                    }
                }
                "r" => {
                    let a = format!("<a xmlns='{SM}' h='{}'/>", self.handled);
                    self.write(&a).await?;
                }
                "message" => {
                    self.handled += 1;
                    if e.child("body").is_some() {
                        return Ok(Ev::Received(1));
                    }
                }
                "iq" | "presence" => self.handled += 1,
                "stream:error" => bail!("XMPP stream error: {e:?}"),
                _ => {}
            }
        }
    }
}
