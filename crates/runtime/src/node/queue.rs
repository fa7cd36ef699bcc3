//! An instance's event queue: bounded, any number of senders, one receiver, as tokio's
//! `mpsc` is, but allocating nothing until an event is queued. tokio's channel allocates a
//! block of 32 slots for every channel: about 1.5 KiB of every idle instance, which a
//! swarm of 100,000 instances pays 100,000 times.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Notify, Semaphore};

struct Queue<T> {
    items: Mutex<VecDeque<T>>,
    /// One permit a free place: a sender waits for one while the queue is full.
    room: Semaphore,
    /// Told when an item is queued (or the queue closes).
    ready: Notify,
    closed: AtomicBool,
}

impl<T> Queue<T> {
    fn items(&self) -> MutexGuard<'_, VecDeque<T>> {
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The first item, its place given back to the senders.
    fn take(&self) -> Option<T> {
        let item = self.items().pop_front()?;
        self.room.add_permits(1);
        Some(item)
    }
}

/// Queues items; clones queue into the same queue.
pub(crate) struct Sender<T>(Arc<Queue<T>>);

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender(self.0.clone())
    }
}

/// Takes the items, in the order they were queued.
pub(crate) struct Receiver<T>(Arc<Queue<T>>);

/// A queue of at most `capacity` items.
pub(crate) fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let queue = Arc::new(Queue {
        items: Mutex::new(VecDeque::new()),
        room: Semaphore::new(capacity),
        ready: Notify::new(),
        closed: AtomicBool::new(false),
    });
    (Sender(queue.clone()), Receiver(queue))
}

impl<T> Sender<T> {
    /// Queues `item`, waiting while the queue is full; the item back if the queue is closed.
    pub(crate) async fn send(&self, item: T) -> Result<(), T> {
        match self.0.room.acquire().await {
            Ok(permit) => permit.forget(),
            Err(_) => return Err(item),
        }
        if self.0.closed.load(Ordering::SeqCst) {
            return Err(item);
        }
        self.0.items().push_back(item);
        self.0.ready.notify_one();
        Ok(())
    }
}

impl<T> Receiver<T> {
    /// The next item, if one is queued.
    pub(crate) fn try_recv(&mut self) -> Option<T> {
        self.0.take()
    }

    /// The next item, waiting for one; none once the queue is closed and empty.
    pub(crate) async fn recv(&mut self) -> Option<T> {
        let queue = &*self.0;
        loop {
            // Made before looking: an item queued after the look wakes it.
            let ready = queue.ready.notified();
            if let Some(item) = queue.take() {
                return Some(item);
            }
            if queue.closed.load(Ordering::SeqCst) {
                return None;
            }
            ready.await;
        }
    }

    /// Closes the queue: senders get their items back; what is queued can still be taken.
    pub(crate) fn close(&mut self) {
        self.0.closed.store(true, Ordering::SeqCst);
        self.0.room.close();
        self.0.ready.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn items_come_in_order_a_full_queue_waits_and_a_closed_one_refuses() {
        let (tx, mut rx) = channel::<u32>(2);
        tx.send(1).await.unwrap();
        tx.send(2).await.unwrap();
        // Full: the third waits until one is taken.
        let sender = tx.clone();
        let third = tokio::spawn(async move { sender.send(3).await });
        tokio::task::yield_now().await;
        assert!(!third.is_finished());
        assert_eq!(rx.try_recv(), Some(1));
        third.await.unwrap().unwrap();
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, Some(3));
        assert_eq!(rx.try_recv(), None);
        // A receiver waiting is woken by the next item.
        let sender = tx.clone();
        let later = tokio::spawn(async move {
            tokio::task::yield_now().await;
            sender.send(4).await
        });
        assert_eq!(rx.recv().await, Some(4));
        later.await.unwrap().unwrap();
        rx.close();
        assert_eq!(tx.send(5).await, Err(5));
        assert_eq!(rx.recv().await, None);
    }
}
