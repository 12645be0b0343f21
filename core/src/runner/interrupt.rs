//! SIGINT and SIGTERM during a run.
//!
//! The first signal asks the run to stop: no scenario starts any more, those running get
//! [`grace`] to finish, then the run writes its partial reports, stops its target, prints the
//! summary and exits 130 (SIGINT) or 143 (SIGTERM) ([`super::execute`]). A second signal ends
//! the process at once, from the listener task, after killing every process group the run
//! started: those are registered here ([`register_group`]) by the target starter, so that no
//! target outlives the run whichever way it ends.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

/// How long scenarios running when the first signal arrives may take to finish, unless
/// `IDFLOW_INTERRUPT_GRACE_SECONDS` says otherwise.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);

/// The grace period of an interrupted run: `IDFLOW_INTERRUPT_GRACE_SECONDS` (a non-negative
/// number of seconds) or [`DEFAULT_GRACE`].
pub fn grace() -> Duration {
    std::env::var("IDFLOW_INTERRUPT_GRACE_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(DEFAULT_GRACE, Duration::from_secs_f64)
}

/// A signal that interrupts a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    /// `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// The exit status of a run it ended: 128 + the signal's number, as shells report it.
    pub fn exit_code(self) -> i32 {
        128 + self.number()
    }

    fn number(self) -> i32 {
        match self {
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
        }
    }

    fn from_number(n: i32) -> Option<Signal> {
        match n {
            libc::SIGINT => Some(Signal::Interrupt),
            libc::SIGTERM => Some(Signal::Terminate),
            _ => None,
        }
    }
}

/// Whether (and by what) the run was asked to stop; cheap to clone and share with hooks.
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    state: Arc<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The first signal's number, 0 while none arrived.
    signal: AtomicI32,
    notify: tokio::sync::Notify,
}

impl Interrupt {
    /// The first signal, if one arrived.
    pub fn signal(&self) -> Option<Signal> {
        Signal::from_number(self.state.signal.load(Ordering::SeqCst))
    }

    /// Records `signal`; true when it is the first one (the run then winds down), false when
    /// the run was already interrupted.
    pub fn trigger(&self, signal: Signal) -> bool {
        let first = self
            .state
            .signal
            .compare_exchange(0, signal.number(), Ordering::SeqCst, Ordering::SeqCst)
            .is_ok();
        if first {
            self.state.notify.notify_waiters();
        }
        first
    }

    /// Waits for the first signal.
    pub async fn wait(&self) -> Signal {
        loop {
            let notified = self.state.notify.notified();
            if let Some(s) = self.signal() {
                return s;
            }
            notified.await;
        }
    }
}

/// The signal handlers of a run; dropping it stops listening (the process keeps tokio's
/// handlers, which then do nothing).
pub struct Listener {
    pub(crate) interrupt: Interrupt,
    /// Ends the listener's thread.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Listener {
    /// Stops the listener's thread and waits for it: a thread still tearing its runtime down
    /// while the process exits can abort it (the allocator's exit handler runs meanwhile).
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Installs the SIGINT and SIGTERM handlers: the first signal triggers the returned
/// [`Interrupt`], a second one kills the started targets and exits at once.
///
/// The listener has a thread (and a small runtime) of its own: the run's runtime has one
/// thread, which a step, the reports or a stopping target may keep busy, and a second signal
/// must end the run at once whatever that thread is doing. The handlers are in place when
/// this returns.
pub fn listen() -> std::io::Result<Listener> {
    use tokio::signal::unix::{SignalKind, signal};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let (mut int, mut term) = {
        let _in_runtime = runtime.enter();
        (
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        )
    };
    let interrupt = Interrupt::default();
    let shared = interrupt.clone();
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let listening = async move {
        loop {
            let got = tokio::select! {
                Some(()) = int.recv() => Signal::Interrupt,
                Some(()) = term.recv() => Signal::Terminate,
                _ = &mut stopped => return,
                else => return,
            };
            if shared.trigger(got) {
                eprintln!(
                    "\n{}: no new scenario starts; the running ones have {} s to finish, then the reports are written ({} again to stop at once)",
                    got.name(),
                    grace().as_secs_f64(),
                    got.name()
                );
            } else {
                eprintln!(
                    "\n{}: stopping at once, without reports; the targets the run started are killed",
                    got.name()
                );
                kill_started_groups();
                std::process::exit(got.exit_code());
            }
        }
    };
    let thread = std::thread::Builder::new()
        .name("idflow-signals".into())
        .spawn(move || runtime.block_on(listening))?;
    Ok(Listener {
        interrupt,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// The process groups the run started (their leaders' pids) and has not stopped yet.
static STARTED: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn started() -> std::sync::MutexGuard<'static, Vec<u32>> {
    STARTED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Records a process group the run started, so that a second signal kills it too.
pub fn register_group(pid: u32) {
    let mut groups = started();
    if !groups.contains(&pid) {
        groups.push(pid);
    }
}

/// Forgets a process group once the run stopped it.
pub fn unregister_group(pid: u32) {
    started().retain(|p| *p != pid);
}

/// The process groups registered now.
pub fn started_groups() -> Vec<u32> {
    started().clone()
}

/// Kills every registered process group (SIGKILL: there is no time to wait) and reaps the
/// leaders, which are this process's children, so that none is left behind as a zombie.
pub fn kill_started_groups() {
    let groups = std::mem::take(&mut *started());
    for pid in groups {
        super::target::signal_group(pid, libc::SIGKILL);
        if let Ok(leader) = libc::pid_t::try_from(pid) {
            // SAFETY: waitpid on our own child, with no status buffer.
            unsafe {
                libc::waitpid(leader, std::ptr::null_mut(), 0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};

    #[test]
    fn the_first_signal_counts_and_names_the_exit_code() {
        let i = Interrupt::default();
        assert_eq!(i.signal(), None);
        assert!(i.trigger(Signal::Terminate));
        assert!(
            !i.trigger(Signal::Interrupt),
            "a second signal is not a first"
        );
        assert_eq!(i.signal(), Some(Signal::Terminate));
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Terminate.exit_code(), 143);
        assert_eq!(Signal::Interrupt.name(), "SIGINT");
    }

    #[tokio::test]
    async fn waiting_ends_with_the_first_signal() {
        let i = Interrupt::default();
        let waiter = tokio::spawn({
            let i = i.clone();
            async move { i.wait().await }
        });
        tokio::task::yield_now().await;
        i.trigger(Signal::Interrupt);
        assert_eq!(waiter.await.unwrap(), Signal::Interrupt);
        // Already interrupted: returns at once.
        assert_eq!(i.wait().await, Signal::Interrupt);
    }

    /// The run's runtime has one thread, which a step or a stopping target may keep busy: the
    /// listener still hears the signal (a second one must end the run at once).
    #[tokio::test(flavor = "current_thread")]
    async fn the_listener_hears_a_signal_while_the_run_thread_is_busy() {
        let listener = listen().unwrap();
        // SAFETY: raise(3) sends SIGINT to this process, whose handler the listener installed.
        assert_eq!(unsafe { libc::raise(libc::SIGINT) }, 0);
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        // Busy: this thread polls nothing until the signal is heard.
        while listener.interrupt.signal().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(listener.interrupt.signal(), Some(Signal::Interrupt));
    }

    #[test]
    fn the_registry_kills_and_reaps_what_was_started_and_forgets_what_was_stopped() {
        let spawn = || {
            std::process::Command::new("sleep")
                .arg("30")
                .process_group(0)
                .spawn()
                .unwrap()
        };
        let stopped = spawn();
        let running = spawn();
        register_group(stopped.id());
        register_group(running.id());
        register_group(running.id());
        unregister_group(stopped.id());
        let groups = started_groups();
        assert!(groups.contains(&running.id()) && !groups.contains(&stopped.id()));
        assert_eq!(groups.iter().filter(|p| **p == running.id()).count(), 1);
        kill_started_groups();
        assert!(!started_groups().contains(&running.id()));
        // Reaped by the registry: nothing is left to wait for.
        let pid = libc::pid_t::try_from(running.id()).unwrap();
        // SAFETY: kill(2) with signal 0 only checks that the process exists.
        let exists = unsafe { libc::kill(pid, 0) } == 0;
        assert!(!exists, "the registered process is still there");
        let mut running = running;
        assert!(
            running.wait().is_err(),
            "the registry did not reap its process"
        );
        let mut stopped = stopped;
        stopped.kill().unwrap();
        assert_eq!(stopped.wait().unwrap().signal(), Some(libc::SIGKILL));
    }
}
