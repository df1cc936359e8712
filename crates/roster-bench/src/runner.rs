//! One phase's load: C workers pull items from a shared queue until it is
//! empty, each item a unit of work that returns the latencies of the
//! requests it made. The first failure stops every worker (in-flight
//! requests finish) and ends the phase.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use tokio::task::JoinSet;

use crate::client::Unsupported;

/// What a finished phase measured.
pub struct Outcome {
    pub latencies: Vec<Duration>,
    pub wall: Duration,
}

/// How a phase ended when no answer was wrong.
pub enum End {
    Done(Outcome),
    /// The server does not implement what the phase sends.
    Unsupported(String),
}

/// Runs `work` on every item with `concurrency` workers. A wrong answer is
/// an `Err`; a "not implemented" answer is `Ok(End::Unsupported)`.
pub async fn run_queue<T, F, Fut>(items: Vec<T>, concurrency: usize, work: F) -> Result<End>
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Vec<Duration>>> + Send + 'static,
{
    let queue = Arc::new(Mutex::new(items.into_iter()));
    let stop = Arc::new(AtomicBool::new(false));
    let work = Arc::new(work);
    let started = Instant::now();
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (queue, stop, work) = (queue.clone(), stop.clone(), work.clone());
        workers.spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let next = queue.lock().map_err(|_| anyhow!("the work queue is poisoned"))?.next();
                let Some(item) = next else { break };
                match work(item).await {
                    Ok(mut timed) => latencies.append(&mut timed),
                    Err(err) => {
                        stop.store(true, Ordering::Relaxed);
                        return Err(err);
                    }
                }
            }
            Ok(latencies)
        });
    }
    let mut latencies = Vec::new();
    let mut wrong: Option<anyhow::Error> = None;
    let mut unsupported: Option<String> = None;
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(Ok(mut timed)) => latencies.append(&mut timed),
            Ok(Err(err)) => match err.downcast::<Unsupported>() {
                Ok(Unsupported(reason)) => {
                    unsupported.get_or_insert(reason);
                }
                Err(err) => {
                    wrong.get_or_insert(err);
                }
            },
            Err(join) => {
                wrong.get_or_insert(anyhow!("a worker died: {join}"));
            }
        }
    }
    let wall = started.elapsed();
    // A wrong answer outweighs a missing feature seen by another worker.
    if let Some(err) = wrong {
        return Err(err);
    }
    Ok(match unsupported {
        Some(reason) => End::Unsupported(reason),
        None => End::Done(Outcome { latencies, wall }),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// Works 1,000 items with 7 workers and checks each was worked once
    /// and measured once.
    async fn every_item_once() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let end = run_queue((0..1000).collect(), 7, move |i: u64| {
            let record = record.clone();
            async move {
                // A yield lets the other workers (and threads) interleave.
                tokio::task::yield_now().await;
                record.lock().unwrap().push(i);
                Ok(vec![Duration::from_millis(i)])
            }
        })
        .await
        .unwrap();
        let End::Done(outcome) = end else { panic!("not done") };
        assert_eq!(outcome.latencies.len(), 1000);
        let mut seen = seen.lock().unwrap().clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn every_item_is_worked_once() {
        every_item_once().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn every_item_is_worked_once_on_several_threads() {
        every_item_once().await;
    }

    #[tokio::test]
    async fn a_wrong_answer_stops_the_phase() {
        let done = Arc::new(AtomicUsize::new(0));
        let count = done.clone();
        let result = run_queue((0..1000).collect(), 1, move |i: u32| {
            let count = count.clone();
            async move {
                if i == 3 {
                    return Err(anyhow!("wrong answer to item 3"));
                }
                count.fetch_add(1, Ordering::Relaxed);
                Ok(vec![])
            }
        })
        .await;
        assert_eq!(result.err().unwrap().to_string(), "wrong answer to item 3");
        assert_eq!(done.load(Ordering::Relaxed), 3);
    }

    #[tokio::test]
    async fn a_missing_feature_is_reported_as_unsupported() {
        let end = run_queue(vec![1, 2, 3], 2, |_: u8| async {
            Err(Unsupported("PATCH /Groups/g answered 501".into()).into())
        })
        .await
        .unwrap();
        let End::Unsupported(reason) = end else { panic!("not unsupported") };
        assert_eq!(reason, "PATCH /Groups/g answered 501");
    }
}
