//! CPU-bound work taken off the thread that polls every scenario.
//!
//! cucumber polls all running scenarios' futures on one thread, the run's main thread: while
//! one step parses a login page or verifies a signature, no other scenario moves, and that
//! thread bounds a run's wall time. [`compute`] runs such a piece of work as a task of the
//! runtime's workers (which otherwise mostly wait for sockets) and hands its result back to
//! the step. On a current-thread runtime, or outside any runtime (unit tests), the work runs
//! in place: there is no other thread to give it to.

use tokio::runtime::{Handle, RuntimeFlavor};

/// Runs `work` on one of the runtime's worker threads and returns its result; in place when
/// the runtime has no workers. A panic in `work` carries on in the caller, as if `work` had
/// run there (cucumber reports a panicking step as failed).
pub(crate) async fn compute<T, F>(work: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let handle = match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => h,
        _ => return work(),
    };
    match handle.spawn(async move { work() }).await {
        Ok(value) => value,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Only a runtime that is shutting down cancels its tasks, and it drops this step's
        // future with them: nothing is left to hand a result to.
        Err(_) => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::compute;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn work_runs_on_a_worker_when_the_runtime_has_workers() {
        let caller = std::thread::current().id();
        let ran_on = compute(|| std::thread::current().id()).await;
        // block_on runs this test's body on the test's own thread, not on a worker.
        assert_ne!(ran_on, caller);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn work_runs_in_place_on_a_current_thread_runtime() {
        let caller = std::thread::current().id();
        assert_eq!(compute(|| std::thread::current().id()).await, caller);
        assert_eq!(compute(|| 6 * 7).await, 42);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_in_the_work_carries_on_in_the_caller() {
        let outcome = tokio::spawn(compute(|| -> u8 { panic!("the work broke") })).await;
        let panic = outcome.expect_err("the caller panics").into_panic();
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"the work broke"));
    }
}
