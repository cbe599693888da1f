//! A connection's bounded push queue: many senders (the hub, the connection's own
//! context), one receiver (the connection task), `try_send` that never blocks.
//!
//! Why not `tokio::sync::mpsc`: its bounded channel allocates its first block of 32
//! slots and a cache-padded channel header up front — about 1.6 KB per connection,
//! most of the memory an idle connection costs besides its socket buffers. Nearly
//! every connection is idle nearly all the time, so this queue is a `VecDeque` that
//! allocates only when pushes are pending and gives the memory back once drained
//! after a burst (≈ 150 bytes at rest).

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

/// Why a `try_send` did not queue.
#[derive(Debug, PartialEq, Eq)]
pub enum TrySendError {
    /// The queue holds its capacity: the receiver is too slow.
    Full,
    /// The receiver is gone.
    Closed,
}

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
    /// Set by [`PushSender::kill`]: the receiver gets `None` at once.
    killed: bool,
    /// The receiver, waiting (one consumer: a waker, not a `Notify`, whose
    /// `Notified` future would add 64 bytes to every idle connection's state).
    waker: Option<Waker>,
}

struct Inner<T> {
    state: Mutex<State<T>>,
    cap: usize,
    senders: AtomicUsize,
}

impl<T> Inner<T> {
    fn lock(&self) -> parking_lot::MutexGuard<'_, State<T>> {
        self.state.lock()
    }

    /// Wakes the receiver if it waits (outside the lock).
    fn wake(&self) {
        let waker = self.lock().waker.take();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// The sending side; cheap to clone.
pub struct PushSender<T>(Arc<Inner<T>>);

/// The receiving side, owned by the connection task.
pub struct PushReceiver<T>(Arc<Inner<T>>);

/// A queue holding at most `cap` (≥ 1) items.
pub fn channel<T>(cap: usize) -> (PushSender<T>, PushReceiver<T>) {
    let inner = Arc::new(Inner {
        state: Mutex::new(State {
            items: VecDeque::new(),
            closed: false,
            killed: false,
            waker: None,
        }),
        cap: cap.max(1),
        senders: AtomicUsize::new(1),
    });
    (PushSender(inner.clone()), PushReceiver(inner))
}

impl<T> PushSender<T> {
    /// Queues `item` unless the queue is full or the receiver is gone.
    pub fn try_send(&self, item: T) -> Result<(), TrySendError> {
        let waker = {
            let mut s = self.0.lock();
            if s.closed {
                return Err(TrySendError::Closed);
            }
            if s.items.len() >= self.0.cap {
                return Err(TrySendError::Full);
            }
            s.items.push_back(item);
            // The receiver registers under the same lock: no lost wake-up.
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// Tells the receiver to stop at once (its connection is too slow): what is
    /// queued is dropped, later sends are refused, and `recv` returns `None` with
    /// [`PushReceiver::killed`] true. One flag in the queue instead of a separate
    /// `Notify` per connection (tern-bench S4).
    pub fn kill(&self) {
        {
            let mut s = self.0.lock();
            s.killed = true;
            s.closed = true;
            s.items = VecDeque::new();
        }
        self.0.wake();
    }
}

impl<T> Clone for PushSender<T> {
    fn clone(&self) -> Self {
        self.0.senders.fetch_add(1, Ordering::Relaxed);
        PushSender(self.0.clone())
    }
}

impl<T> Drop for PushSender<T> {
    fn drop(&mut self) {
        if self.0.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.wake();
        }
    }
}

impl<T> std::fmt::Debug for PushSender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushSender")
            .field("cap", &self.0.cap)
            .finish()
    }
}

impl<T> PushReceiver<T> {
    /// The next item; `None` once every sender is gone and the queue is empty, or
    /// at once when a sender killed the queue.
    /// Cancel-safe: dropping the future before it completes takes nothing.
    pub fn recv(&mut self) -> impl Future<Output = Option<T>> + '_ {
        std::future::poll_fn(move |cx| self.poll_recv(cx))
    }

    /// [`PushReceiver::recv`] as a poll: registers `cx`'s waker when empty.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut s = self.0.lock();
        if s.killed {
            return Poll::Ready(None);
        }
        if let Some(item) = s.items.pop_front() {
            if s.items.is_empty() && s.items.capacity() > 16 {
                // Drained after a burst: give the memory back.
                s.items = VecDeque::new();
            }
            return Poll::Ready(Some(item));
        }
        // The last sender decrements before it takes the waker (under the lock).
        if self.0.senders.load(Ordering::Acquire) == 0 {
            return Poll::Ready(None);
        }
        match &mut s.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The next item if one is queued, without waiting or registering a waker;
    /// `None` when the queue is empty or killed ([`PushReceiver::recv`] tells which).
    pub fn try_recv(&mut self) -> Option<T> {
        let mut s = self.0.lock();
        if s.killed {
            return None;
        }
        s.items.pop_front()
    }

    /// Whether a sender killed the queue (see [`PushSender::kill`]).
    pub fn killed(&self) -> bool {
        self.0.lock().killed
    }
}

impl<T> Drop for PushReceiver<T> {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.closed = true;
        s.items.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn items_come_out_in_order_and_a_full_queue_refuses() {
        let (tx, mut rx) = channel(2);
        tx.try_send(1).unwrap();
        tx.clone().try_send(2).unwrap();
        assert_eq!(tx.try_send(3), Err(TrySendError::Full));
        assert_eq!(rx.recv().await, Some(1));
        tx.try_send(3).unwrap();
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, Some(3));
    }

    #[tokio::test]
    async fn a_waiting_receiver_wakes_for_a_later_send_and_ends_with_the_last_sender() {
        let (tx, mut rx) = channel::<u32>(4);
        let tx2 = tx.clone();
        let waiter = tokio::spawn(async move {
            let first = rx.recv().await;
            let end = rx.recv().await;
            (first, end)
        });
        tokio::task::yield_now().await;
        tx.try_send(7).unwrap();
        drop(tx);
        drop(tx2);
        let (first, end) = tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("receiver woke")
            .expect("task");
        assert_eq!((first, end), (Some(7), None));
    }

    #[tokio::test]
    async fn try_recv_takes_what_is_queued_and_leaves_the_waiting_receiver_registered() {
        let (tx, mut rx) = channel(4);
        assert_eq!(rx.try_recv(), None);
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        assert_eq!(rx.try_recv(), Some(1));
        assert_eq!(rx.try_recv(), Some(2));
        // A receiver waiting in `recv` still wakes for a send after a `try_recv`.
        let waiting = tokio::spawn(async move {
            let got = rx.recv().await;
            (got, rx.try_recv())
        });
        tokio::task::yield_now().await;
        tx.try_send(3).unwrap();
        tx.try_send(4).unwrap();
        let (got, after) = waiting.await.unwrap();
        assert_eq!((got, after), (Some(3), Some(4)));
        let (tx, mut rx) = channel(4);
        tx.try_send(5).unwrap();
        tx.kill();
        assert_eq!(rx.try_recv(), None, "a killed queue gives nothing");
    }

    #[tokio::test]
    async fn a_dropped_receiver_closes_the_queue() {
        let (tx, rx) = channel(4);
        tx.try_send(1).unwrap();
        drop(rx);
        assert_eq!(tx.try_send(2), Err(TrySendError::Closed));
    }

    #[tokio::test]
    async fn a_drained_burst_gives_its_memory_back() {
        let (tx, mut rx) = channel(1000);
        for i in 0..500 {
            tx.try_send(i).unwrap();
        }
        for _ in 0..500 {
            rx.recv().await;
        }
        assert_eq!(rx.0.lock().items.capacity(), 0);
    }

    #[tokio::test]
    async fn a_killed_queue_wakes_its_waiting_receiver_with_none_and_refuses_sends() {
        let (tx, mut rx) = channel::<u32>(4);
        tx.try_send(1).unwrap();
        let tx2 = tx.clone();
        tx2.kill();
        // What was queued is dropped: the receiver stops at once.
        assert_eq!(rx.recv().await, None);
        assert!(rx.killed());
        assert_eq!(tx.try_send(2), Err(TrySendError::Closed));
        // A receiver already waiting is woken by the kill.
        let (tx, mut rx) = channel::<u32>(4);
        let waiter = tokio::spawn(async move { (rx.recv().await, rx.killed()) });
        tokio::task::yield_now().await;
        tx.kill();
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("receiver woke")
            .expect("task");
        assert_eq!(got, (None, true));
    }
}
