//! A server under test — Tern or a peer — behind one interface: create accounts,
//! connect a pair of them to each other, hold an idle authenticated connection,
//! read the server's memory.

use std::collections::VecDeque;
use std::net::SocketAddr;

use anyhow::Result;
use futures_util::StreamExt;
use tern_proto::{ConversationId, UserId};

use super::harness::{Conn, TernConn};
use super::matrix::{self, Api, Matrix};
use super::server::PeerServer;
use super::xmpp::Xmpp;
use crate::ws::{make_users, Tern, PASSWORD};

/// XMPP domain of both XMPP servers' configs.
const DOMAIN: &str = "localhost";
/// Accounts set up at a time.
const SETUP_CONCURRENCY: usize = 32;

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Which {
    Tern,
    Ejabberd,
    Prosody,
    Synapse,
}

impl Which {
    /// Display name.
    pub(super) fn name(self) -> &'static str {
        match self {
            Which::Tern => "Tern",
            Which::Ejabberd => "ejabberd",
            Which::Prosody => "Prosody",
            Which::Synapse => "Synapse",
        }
    }
}

/// A running server.
pub(super) enum Target {
    Tern(crate::procs::Child),
    Xmpp(PeerServer),
    Matrix(PeerServer, Api),
}

/// An account on a target.
#[derive(Clone)]
pub(super) enum Acc {
    Tern(UserId, String),
    Xmpp(String),
    Matrix(matrix::Account),
}

/// An idle connection held open (a Matrix one is a task long-polling `/sync`).
pub(super) enum Held {
    Tern(#[allow(dead_code)] Box<Tern>),
    Xmpp(#[allow(dead_code)] Box<Xmpp>),
    Matrix(tokio::task::JoinHandle<Result<()>>),
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Held::Matrix(h) = self {
            h.abort();
        }
    }
}

impl Target {
    /// Starts `which` with a fresh data directory.
    pub(super) fn start(which: Which, ctx: &crate::Ctx) -> Result<Self> {
        Ok(match which {
            Which::Tern => Target::Tern(crate::procs::spawn_tern(
                &ctx.server,
                &crate::pg::Db::Sqlite,
                None,
            )?),
            Which::Ejabberd => Target::Xmpp(super::ejabberd::start()?),
            Which::Prosody => Target::Xmpp(super::prosody::start()?),
            Which::Synapse => {
                let s = super::synapse::start()?;
                let api = Api::new(s.addr)?;
                Target::Matrix(s, api)
            }
        })
    }

    fn addr(&self) -> SocketAddr {
        match self {
            Target::Tern(c) => c.addr,
            Target::Xmpp(s) | Target::Matrix(s, _) => s.addr,
        }
    }

    /// RSS of the server (its whole process tree), KiB.
    pub(super) fn rss_kib(&self) -> u64 {
        match self {
            Target::Tern(c) => c.rss_kib(),
            Target::Xmpp(s) | Target::Matrix(s, _) => s.tree_rss_kib(),
        }
    }

    /// Memory note for the report.
    pub(super) fn mem_note(&self) -> String {
        match self {
            Target::Tern(c) => c.mem_note(),
            Target::Xmpp(s) | Target::Matrix(s, _) => s.mem_note(),
        }
    }

    /// Creates `n` accounts `<prefix><i>`.
    pub(super) async fn accounts(&self, prefix: &str, n: usize) -> Result<Vec<Acc>> {
        let addr = self.addr();
        match self {
            Target::Tern(_) => Ok(make_users(addr, prefix, n, SETUP_CONCURRENCY)
                .await?
                .into_iter()
                .map(|(u, t)| Acc::Tern(u, t))
                .collect()),
            Target::Xmpp(_) => {
                let jobs = (0..n).map(|i| async move {
                    let user = format!("{prefix}{i}");
                    Xmpp::register(addr, DOMAIN, &user, PASSWORD).await?;
                    Ok::<_, anyhow::Error>(Acc::Xmpp(user))
                });
                collect(jobs).await
            }
            Target::Matrix(_, api) => {
                let jobs = (0..n).map(|i| async move {
                    Ok(Acc::Matrix(
                        api.register(&format!("{prefix}{i}"), PASSWORD).await?,
                    ))
                });
                collect(jobs).await
            }
        }
    }

    /// Connects `a` and `b` to each other (each sends to the other).
    pub(super) async fn pair(&self, a: &Acc, b: &Acc, tag: &str) -> Result<(Conn, Conn)> {
        let addr = self.addr();
        match (self, a, b) {
            (Target::Tern(_), Acc::Tern(ua, ta), Acc::Tern(ub, tb)) => {
                let conv = ConversationId::direct(ua, ub);
                let mk = |tok: &String, side: &str| {
                    let (tok, dev, conv, tag) = (
                        tok.clone(),
                        format!("{tag}{side}"),
                        conv.clone(),
                        format!("{tag}{side}"),
                    );
                    async move {
                        let t = Tern::authed(addr, &tok, &dev).await?;
                        Ok::<_, anyhow::Error>(Conn::Tern(Box::new(TernConn {
                            ws: t.ws,
                            conv,
                            tag,
                            inflight: VecDeque::new(),
                        })))
                    }
                };
                Ok((mk(ta, "a").await?, mk(tb, "b").await?))
            }
            (Target::Xmpp(_), Acc::Xmpp(ua), Acc::Xmpp(ub)) => {
                let mut xa = Xmpp::login(addr, DOMAIN, ua, PASSWORD, &format!("{tag}a")).await?;
                let mut xb = Xmpp::login(addr, DOMAIN, ub, PASSWORD, &format!("{tag}b")).await?;
                xa.peer = format!("{ub}@{DOMAIN}");
                xb.peer = format!("{ua}@{DOMAIN}");
                Ok((Conn::Xmpp(Box::new(xa)), Conn::Xmpp(Box::new(xb))))
            }
            (Target::Matrix(_, api), Acc::Matrix(ma), Acc::Matrix(mb)) => {
                let room = api.direct_room(ma, mb).await?;
                let ca = Matrix::open(api, ma.clone(), room.clone()).await?;
                let cb = Matrix::open(api, mb.clone(), room).await?;
                Ok((Conn::Matrix(Box::new(ca)), Conn::Matrix(Box::new(cb))))
            }
            _ => anyhow::bail!("account of another server"),
        }
    }

    /// An idle authenticated connection of `acc`.
    pub(super) async fn idle(&self, acc: &Acc, i: usize) -> Result<Held> {
        let addr = self.addr();
        Ok(match (self, acc) {
            (Target::Tern(_), Acc::Tern(_, tok)) => Held::Tern(Box::new(
                Tern::authed(addr, tok, &format!("idle-{i}")).await?,
            )),
            (Target::Xmpp(_), Acc::Xmpp(u)) => Held::Xmpp(Box::new(
                Xmpp::login(addr, DOMAIN, u, PASSWORD, &format!("idle-{i}")).await?,
            )),
            (Target::Matrix(_, api), Acc::Matrix(m)) => {
                Held::Matrix(tokio::spawn(matrix::idle_poll(api.clone(), m.clone())))
            }
            _ => anyhow::bail!("account of another server"),
        })
    }
}

async fn collect<F: std::future::Future<Output = Result<Acc>>>(
    jobs: impl Iterator<Item = F>,
) -> Result<Vec<Acc>> {
    let v: Vec<Result<Acc>> = futures_util::stream::iter(jobs)
        .buffered(SETUP_CONCURRENCY)
        .collect()
        .await;
    v.into_iter().collect()
}
