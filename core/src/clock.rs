//! Time as the run sees it.
//!
//! Every component that reads the time (token checks, the simulator's token issuing, pollers)
//! asks a [`Clock`] instead of the system, so that the simulator can run time faster than the
//! wall clock: a poll interval of 5 s costs nothing when the target is simulated, while a real
//! target is waited for honestly with [`SystemClock`]. [`format_unix_time`] writes a time the
//! way messages and the simulator's JSON show it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;

/// A source of time and a way to wait.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
    /// Waits for `duration` of this clock's time.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
    /// Milliseconds since the Unix epoch.
    fn unix_millis(&self) -> i128 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i128)
            .unwrap_or_default()
    }
    /// Seconds since the Unix epoch, as JWT `iat`/`exp` use them.
    fn unix_seconds(&self) -> i64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }
}

/// A clock shared by the run, its steps and the simulator.
pub type SharedClock = Arc<dyn Clock>;

/// The machine's clock; `sleep` really waits.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that starts at the system time and moves only when told to, or when someone
/// sleeps on it (a sleep advances it at once). The simulator runs on it.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    offset: Arc<Mutex<Duration>>,
}

impl ManualClock {
    /// A clock at the current system time.
    pub fn new() -> Self {
        Self::default()
    }
    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }
    /// How far this clock has moved ahead of the system clock.
    pub fn offset(&self) -> Duration {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        SystemTime::now() + self.offset()
    }
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.advance(duration);
        Box::pin(std::future::ready(()))
    }
}

/// The request header that carries a scenario's clock offset to the simulator, so that each
/// scenario's time moves on its own: one scenario letting a session expire does not age the
/// codes and tokens of the scenarios running beside it.
pub const CLOCK_OFFSET_HEADER: &str = "x-idflow-clock-offset-ms";

/// One scenario's view of a shared clock: the shared time plus what this scenario has slept.
#[derive(Debug, Clone)]
pub struct ScenarioClock {
    base: SharedClock,
    offset: Arc<Mutex<Duration>>,
}

impl ScenarioClock {
    /// A scenario clock over `base`, not yet moved.
    pub fn new(base: SharedClock) -> Self {
        Self {
            base,
            offset: Arc::default(),
        }
    }
    /// How far this scenario has moved ahead of the shared clock, in milliseconds.
    pub fn offset_ms(&self) -> u128 {
        self.offset
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_millis()
    }
}

impl Clock for ScenarioClock {
    fn now(&self) -> SystemTime {
        self.base.now() + *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) += duration;
        Box::pin(std::future::ready(()))
    }
}

/// A Unix time (seconds) as an ISO 8601 UTC timestamp, `2024-05-01T12:00:00Z`.
pub fn format_unix_time(t: i64) -> String {
    let [year, month, day, h, m, s] = civil_time(t);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}

/// A Unix time (seconds) as UTC `[year, month, day, hour, minute, second]`.
pub fn civil_time(t: i64) -> [i64; 6] {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    [year, month, day, secs / 3600, secs % 3600 / 60, secs % 60]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_unix_time() {
        assert_eq!(format_unix_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix_time(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(format_unix_time(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_unix_time(-1), "1969-12-31T23:59:59Z");
    }

    #[tokio::test]
    async fn manual_clock_sleep_advances_without_waiting() {
        let clock = ManualClock::new();
        let before = clock.unix_seconds();
        let started = std::time::Instant::now();
        clock.sleep(Duration::from_secs(3600)).await;
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(clock.unix_seconds() - before >= 3600);
    }

    #[tokio::test]
    async fn scenario_clocks_move_independently() {
        let base: SharedClock = Arc::new(ManualClock::new());
        let a = ScenarioClock::new(base.clone());
        let b = ScenarioClock::new(base.clone());
        a.sleep(Duration::from_secs(600)).await;
        assert_eq!(a.offset_ms(), 600_000);
        assert_eq!(b.offset_ms(), 0);
        assert!(a.unix_seconds() - b.unix_seconds() >= 599);
    }

    #[test]
    fn system_clock_is_close_to_now() {
        let diff = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
            - SystemClock.unix_seconds();
        assert!(diff.abs() <= 1);
    }
}
