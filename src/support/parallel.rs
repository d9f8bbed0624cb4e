//! A minimal ordered parallel map over independent items (snapshots, treaty
//! steps) on scoped threads: results come back in input order, so output is
//! the same whatever the number of cores.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Applies `f` to every item, using up to the machine's available cores, and
/// returns the results in the order of `items`.
pub fn map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    map_on(cores, items, f)
}

/// [`map`] on up to `threads` threads, whatever the number of cores: for
/// items that mostly wait (on the disk) rather than compute.
pub fn map_on<T, R, F>(threads: usize, items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let threads = threads.min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = f(item);
                    if let Ok(mut slots) = slots.lock() {
                        slots[i] = Some(result);
                    }
                })
            })
            .collect();
        // Joined one by one, not left to the end of the scope: the scope
        // ends as soon as each closure has returned, while the thread may
        // still be running its thread-local destructors (the PROJ objects
        // `EqualArea::with` keeps). A run failing just after this could
        // then reach `exit` while a worker frees PROJ's state, which the
        // exit handlers free too: heap corruption (issue 22). A join waits
        // until the thread has ended.
        let mut panicked = None;
        for worker in workers {
            if let Err(payload) = worker.join() {
                panicked.get_or_insert(payload);
            }
        }
        if let Some(payload) = panicked {
            std::panic::resume_unwind(payload);
        }
    });
    slots
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

/// [`map`], starting the costliest items first (by `cost`, any ordered
/// key) so that one long item left for last does not keep a core idle;
/// results still come back in the order of `items`.
pub fn map_costliest_first<T, R, F, C, K>(items: &[T], cost: C, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
    C: Fn(&T) -> K,
    K: Ord,
{
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(cost(&items[i])));
    let results = map(&order, |&i| f(&items[i]));
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (i, r) in order.into_iter().zip(results) {
        slots[i] = Some(r);
    }
    slots.into_iter().flatten().collect()
}

/// The cores a group of threads may keep busy at once: each takes one for
/// a piece of work ([`Cores::take`], waiting for one to be free) and gives
/// it back when the piece is done. Threads started by different parts of a
/// stage then do not outnumber the cores, and a long job holding one has
/// that core to itself rather than a share of it.
///
/// A thread holding a core must not wait for another thread's piece of
/// work: that thread may be waiting for the core.
pub struct Cores {
    free: Mutex<usize>,
    freed: std::sync::Condvar,
}

/// One of [`Cores`], given back when dropped.
pub struct Core<'c>(&'c Cores);

impl Cores {
    /// As many as the machine has.
    pub fn of_machine() -> Cores {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        Cores::new(n)
    }

    /// `n` cores (at least one).
    pub fn new(n: usize) -> Cores {
        Cores {
            free: Mutex::new(n.max(1)),
            freed: std::sync::Condvar::new(),
        }
    }

    /// A core, once one is free.
    pub fn take(&self) -> Core<'_> {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
        Core(self)
    }
}

impl Drop for Core<'_> {
    fn drop(&mut self) {
        let mut free = self.0.free.lock().unwrap_or_else(|p| p.into_inner());
        *free += 1;
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order() {
        let items: Vec<u64> = (0..100).collect();
        let squares = super::map(&items, |x| x * x);
        assert_eq!(squares, items.iter().map(|x| x * x).collect::<Vec<_>>());
    }

    #[test]
    fn more_threads_than_cores_keep_order() {
        let items: Vec<u64> = (0..40).collect();
        let got = super::map_on(8, &items, |x| x * 3);
        assert_eq!(got, items.iter().map(|x| x * 3).collect::<Vec<_>>());
    }

    #[test]
    fn costliest_first_keeps_order() {
        let items: Vec<u64> = (0..50).collect();
        let got = super::map_costliest_first(&items, |x| (*x % 7) as usize, |x| x + 1);
        assert_eq!(got, items.iter().map(|x| x + 1).collect::<Vec<_>>());
    }

    /// When `map` returns, every worker thread has ended, its thread-local
    /// destructors included (issue 22: PROJ objects were still being freed
    /// on workers while a failed run exited).
    #[test]
    fn workers_have_ended_when_map_returns() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static DROPPED: AtomicUsize = AtomicUsize::new(0);
        struct SlowToDrop;
        impl Drop for SlowToDrop {
            fn drop(&mut self) {
                std::thread::sleep(std::time::Duration::from_millis(100));
                DROPPED.fetch_add(1, Ordering::SeqCst);
            }
        }
        thread_local! {
            static KEPT: std::cell::RefCell<Option<SlowToDrop>> = const { std::cell::RefCell::new(None) };
        }
        let items: Vec<u64> = (0..16).collect();
        let main = std::thread::current().id();
        let on_workers = std::sync::Mutex::new(std::collections::BTreeSet::new());
        let _ = super::map(&items, |x| {
            if std::thread::current().id() != main {
                KEPT.with(|k| {
                    k.borrow_mut().get_or_insert_with(|| SlowToDrop);
                });
                on_workers
                    .lock()
                    .unwrap()
                    .insert(format!("{:?}", std::thread::current().id()));
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
            x + 1
        });
        let workers = on_workers.into_inner().unwrap().len();
        assert_eq!(DROPPED.load(Ordering::SeqCst), workers);
    }

    /// No more pieces of work run at once than there are cores, and every
    /// piece runs.
    #[test]
    fn cores_bound_the_work_running_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cores = super::Cores::new(2);
        let (running, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let items: Vec<u64> = (0..24).collect();
        let done = super::map(&items, |x| {
            let _core = cores.take();
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(2));
            running.fetch_sub(1, Ordering::SeqCst);
            x + 1
        });
        assert_eq!(done.len(), items.len());
        assert!(most.load(Ordering::SeqCst) <= 2);
        // All given back.
        let _all = (cores.take(), cores.take());
    }

    #[test]
    fn empty_input() {
        let items: Vec<u8> = Vec::new();
        assert!(super::map(&items, |x| *x).is_empty());
    }
}
