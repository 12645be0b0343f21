//! Polling loops: the CIBA token poller (CIBA Core §7.3, §11) and the generic "poll until an
//! expectation holds". Both wait on the run's [`Clock`](crate::clock::Clock), so that against
//! the simulator no time is lost, while a real target is waited for honestly; both record a
//! [`PollTimeline`] for the report.

use std::time::Duration;

use crate::clock::SharedClock;
use crate::report::model::{PollRecord, PollTimeline};

/// The interval a CIBA client uses when the provider advertises none (CIBA Core §7.3).
pub const DEFAULT_INTERVAL_S: u64 = 5;
/// What `slow_down` adds to the interval (CIBA Core §11).
pub const SLOW_DOWN_STEP_S: u64 = 5;

/// The answer to one token poll, as the poller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollAnswer {
    /// 200 with tokens.
    Tokens,
    /// An OAuth error code (`authorization_pending`, `slow_down`, `access_denied` ...).
    Error(String),
    /// Anything else: status and a short description.
    Unexpected(u16, String),
}

impl PollAnswer {
    fn word(&self) -> String {
        match self {
            PollAnswer::Tokens => "tokens".into(),
            PollAnswer::Error(e) => e.clone(),
            PollAnswer::Unexpected(status, what) => format!("unexpected {status}: {what}"),
        }
    }
}

/// How a CIBA polling loop ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CibaOutcome {
    Tokens,
    /// Stopped at once on `access_denied`, `expired_token`, `invalid_grant` or another error.
    Error(String),
    /// The request's lifetime (`expires_in`) ran out before an answer; no poll was sent past it.
    GaveUp,
}

/// Polls the token endpoint for a CIBA request the way the specification says: wait
/// `interval` (5 s when absent) before each poll, add 5 s after `slow_down`, keep going on
/// `authorization_pending`, stop at once on anything else, and never poll past `expires_in`.
/// `poll` sends one token request and returns its answer and HTTP status.
pub async fn poll_ciba<F, Fut>(
    clock: &SharedClock,
    interval: Option<u64>,
    expires_in: u64,
    mut poll: F,
) -> (CibaOutcome, PollTimeline)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = (u16, PollAnswer)>,
{
    let mut wait = interval.unwrap_or(DEFAULT_INTERVAL_S);
    let started = clock.unix_millis();
    let deadline = started + (expires_in as i128) * 1000;
    let mut timeline = PollTimeline {
        label: "CIBA token polling".into(),
        interval_s: wait as f64,
        limit_s: expires_in as f64,
        ..Default::default()
    };
    let outcome = loop {
        if clock.unix_millis() + (wait as i128) * 1000 > deadline {
            break CibaOutcome::GaveUp;
        }
        clock.sleep(Duration::from_secs(wait)).await;
        let (status, answer) = poll().await;
        timeline.polls.push(PollRecord {
            at_s: (clock.unix_millis() - started) as f64 / 1000.0,
            waited_s: wait as f64,
            status,
            answer: answer.word(),
        });
        match answer {
            PollAnswer::Tokens => break CibaOutcome::Tokens,
            PollAnswer::Error(e) if e == "authorization_pending" => {}
            PollAnswer::Error(e) if e == "slow_down" => wait += SLOW_DOWN_STEP_S,
            PollAnswer::Error(e) => break CibaOutcome::Error(e),
            PollAnswer::Unexpected(status, what) => {
                break CibaOutcome::Error(format!("unexpected {status}: {what}"));
            }
        }
    };
    timeline.outcome = match &outcome {
        CibaOutcome::Tokens => "tokens".into(),
        CibaOutcome::Error(e) => e.clone(),
        CibaOutcome::GaveUp => format!("gave up: the request expires after {expires_in} s"),
    };
    (outcome, timeline)
}

/// Bounds of a generic polling loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollBounds {
    pub every: Duration,
    pub attempts: usize,
    /// Total time on the run's clock.
    pub within: Duration,
}

/// Repeats `attempt` until it returns `Ok`, at most `attempts` times and within `within` on
/// the clock, waiting `every` between attempts. `attempt` returns the status, a word for the
/// timeline, and whether the expectation held (`Err` with the reason otherwise). On giving up,
/// the error holds the last reason.
pub async fn poll_until<F, Fut>(
    clock: &SharedClock,
    label: &str,
    bounds: PollBounds,
    mut attempt: F,
) -> (Result<(), String>, PollTimeline)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = (u16, String, Result<(), String>)>,
{
    let started = clock.unix_millis();
    let mut timeline = PollTimeline {
        label: label.to_string(),
        interval_s: bounds.every.as_secs_f64(),
        limit_s: bounds.within.as_secs_f64(),
        ..Default::default()
    };
    let mut last = String::from("no attempt was made");
    for n in 0..bounds.attempts.max(1) {
        let waited = if n == 0 { Duration::ZERO } else { bounds.every };
        let elapsed_ms = clock.unix_millis() - started;
        if n > 0 && elapsed_ms + waited.as_millis() as i128 > bounds.within.as_millis() as i128 {
            timeline.outcome = format!("gave up after {:.0} s", elapsed_ms as f64 / 1000.0);
            return (
                Err(format!(
                    "{label}: the expectation did not hold within {} s ({} attempts)\n  last answer: {last}",
                    bounds.within.as_secs(),
                    n
                )),
                timeline,
            );
        }
        if n > 0 {
            clock.sleep(waited).await;
        }
        let (status, word, held) = attempt().await;
        timeline.polls.push(PollRecord {
            at_s: (clock.unix_millis() - started) as f64 / 1000.0,
            waited_s: waited.as_secs_f64(),
            status,
            answer: word,
        });
        match held {
            Ok(()) => {
                timeline.outcome = "the expectation held".into();
                return (Ok(()), timeline);
            }
            Err(reason) => last = reason,
        }
    }
    timeline.outcome = format!("gave up after {} attempts", bounds.attempts);
    (
        Err(format!(
            "{label}: the expectation did not hold after {} attempts\n  last answer: {last}",
            bounds.attempts
        )),
        timeline,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn clock() -> SharedClock {
        Arc::new(ManualClock::new())
    }

    #[tokio::test]
    async fn waits_the_interval_and_adds_five_seconds_after_slow_down() {
        let c = clock();
        let n = AtomicUsize::new(0);
        let answers = [
            "authorization_pending",
            "slow_down",
            "authorization_pending",
        ];
        let (outcome, timeline) = poll_ciba(&c, Some(2), 120, || {
            let i = n.fetch_add(1, Ordering::SeqCst);
            async move {
                match answers.get(i) {
                    Some(a) => (400, PollAnswer::Error(a.to_string())),
                    None => (200, PollAnswer::Tokens),
                }
            }
        })
        .await;
        assert_eq!(outcome, CibaOutcome::Tokens);
        let waits: Vec<f64> = timeline.polls.iter().map(|p| p.waited_s).collect();
        assert_eq!(waits, vec![2.0, 2.0, 7.0, 7.0]);
    }

    #[tokio::test]
    async fn default_interval_is_five_seconds_and_denial_stops_at_once() {
        let c = clock();
        let calls = AtomicUsize::new(0);
        let (outcome, timeline) = poll_ciba(&c, None, 120, || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { (400, PollAnswer::Error("access_denied".into())) }
        })
        .await;
        assert_eq!(outcome, CibaOutcome::Error("access_denied".into()));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(timeline.polls[0].waited_s, 5.0);
    }

    #[tokio::test]
    async fn never_polls_past_expires_in() {
        let c = clock();
        let (outcome, timeline) = poll_ciba(&c, Some(5), 12, || async {
            (400, PollAnswer::Error("authorization_pending".into()))
        })
        .await;
        assert_eq!(outcome, CibaOutcome::GaveUp);
        assert_eq!(
            timeline.polls.len(),
            2,
            "polls at 5 s and 10 s; 15 s is past 12 s"
        );
        assert!(timeline.polls.iter().all(|p| p.at_s <= 12.0));
    }

    #[tokio::test]
    async fn poll_until_reports_the_last_answer() {
        let c = clock();
        let bounds = PollBounds {
            every: Duration::from_secs(1),
            attempts: 3,
            within: Duration::from_secs(60),
        };
        let (result, timeline) = poll_until(&c, "MobileID status", bounds, || async {
            (
                200,
                "PENDING".to_string(),
                Err("status is \"PENDING\"".to_string()),
            )
        })
        .await;
        let err = result.unwrap_err();
        assert!(
            err.contains("after 3 attempts") && err.contains("PENDING"),
            "{err}"
        );
        assert_eq!(timeline.polls.len(), 3);
    }

    #[tokio::test]
    async fn poll_until_stops_when_the_expectation_holds() {
        let c = clock();
        let n = AtomicUsize::new(0);
        let bounds = PollBounds {
            every: Duration::from_secs(2),
            attempts: 10,
            within: Duration::from_secs(60),
        };
        let (result, timeline) = poll_until(&c, "session", bounds, || {
            let i = n.fetch_add(1, Ordering::SeqCst);
            async move {
                if i >= 2 {
                    (200, "SUCCESS".into(), Ok(()))
                } else {
                    (200, "WAITING_FOR_USER".into(), Err("waiting".into()))
                }
            }
        })
        .await;
        assert!(result.is_ok());
        assert_eq!(timeline.polls.len(), 3);
        assert_eq!(timeline.polls[2].at_s, 4.0);
    }

    #[tokio::test]
    async fn poll_until_is_bounded_in_time() {
        let c = clock();
        let bounds = PollBounds {
            every: Duration::from_secs(10),
            attempts: 100,
            within: Duration::from_secs(25),
        };
        let (result, timeline) = poll_until(&c, "status", bounds, || async {
            (200, "PENDING".into(), Err("PENDING".into()))
        })
        .await;
        assert!(result.unwrap_err().contains("within 25 s"));
        assert_eq!(timeline.polls.len(), 3);
    }
}
