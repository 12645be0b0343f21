//! Polling loops: the CIBA token poller (CIBA Core §7.3, §11) and the generic "poll until an
//! expectation holds". Both wait on the run's [`Clock`](crate::clock::Clock), so that against
//! the simulator no time is lost, while a real target is waited for honestly; both record a
//! [`PollTimeline`] for the report.

use std::time::Duration;

use crate::checks::Checklist;
use crate::clock::SharedClock;
use crate::record::{PollRecord, PollTimeline};

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

/// In words, as a check's report shows it.
impl std::fmt::Display for CibaOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CibaOutcome::Tokens => f.write_str("tokens"),
            CibaOutcome::Error(e) => write!(f, "error {e:?}"),
            CibaOutcome::GaveUp => f.write_str("no answer before the request expired"),
        }
    }
}

/// The CIBA polling rules as a state machine, so a caller can send each poll itself: wait
/// `interval` (5 s when absent) before each poll, add 5 s after `slow_down`, keep going on
/// `authorization_pending`, stop at once on anything else, and never poll past `expires_in`.
#[derive(Debug, Clone)]
pub struct CibaPoller {
    wait: u64,
    started_ms: i128,
    deadline_ms: i128,
    expires_in: u64,
    timeline: PollTimeline,
}

impl CibaPoller {
    /// A poller for a request accepted now.
    pub fn new(clock: &SharedClock, interval: Option<u64>, expires_in: u64) -> Self {
        // A zero interval breaks CIBA Core §7.3 (a positive integer); the client never polls
        // without a pause and falls back to the default.
        let wait = interval.filter(|&n| n > 0).unwrap_or(DEFAULT_INTERVAL_S);
        let started_ms = clock.unix_millis();
        Self {
            wait,
            started_ms,
            deadline_ms: started_ms + (expires_in as i128) * 1000,
            expires_in,
            timeline: PollTimeline {
                label: "CIBA token polling".into(),
                interval_s: wait as f64,
                limit_s: expires_in as f64,
                ..Default::default()
            },
        }
    }

    /// Waits before the next poll; `false` when that poll would come after `expires_in`.
    pub async fn wait(&self, clock: &SharedClock) -> bool {
        if clock.unix_millis() + (self.wait as i128) * 1000 > self.deadline_ms {
            return false;
        }
        clock.sleep(Duration::from_secs(self.wait)).await;
        true
    }

    /// Records a poll's answer; `Some` when polling must stop.
    pub fn record(
        &mut self,
        clock: &SharedClock,
        status: u16,
        answer: &PollAnswer,
    ) -> Option<CibaOutcome> {
        self.timeline.polls.push(PollRecord {
            at_s: (clock.unix_millis() - self.started_ms) as f64 / 1000.0,
            waited_s: self.wait as f64,
            status,
            answer: answer.word(),
        });
        match answer {
            PollAnswer::Tokens => Some(CibaOutcome::Tokens),
            PollAnswer::Error(e) if e == "authorization_pending" => None,
            PollAnswer::Error(e) if e == "slow_down" => {
                self.wait += SLOW_DOWN_STEP_S;
                None
            }
            PollAnswer::Error(e) => Some(CibaOutcome::Error(e.clone())),
            PollAnswer::Unexpected(status, what) => {
                Some(CibaOutcome::Error(format!("unexpected {status}: {what}")))
            }
        }
    }

    /// The outcome and the timeline for the report.
    pub fn finish(mut self, outcome: Option<CibaOutcome>) -> (CibaOutcome, PollTimeline) {
        let outcome = outcome.unwrap_or(CibaOutcome::GaveUp);
        self.timeline.outcome = match &outcome {
            CibaOutcome::Tokens => "tokens".into(),
            CibaOutcome::Error(e) => e.clone(),
            CibaOutcome::GaveUp => {
                format!("gave up: the request expires after {} s", self.expires_in)
            }
        };
        (outcome, self.timeline)
    }
}

/// Polls with [`CibaPoller`]'s rules; `poll` sends one token request. The clients drive the
/// poller themselves (their polls borrow the scenario); this loop drives it in the tests.
#[cfg(test)]
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
    let mut poller = CibaPoller::new(clock, interval, expires_in);
    let mut outcome = None;
    while outcome.is_none() && poller.wait(clock).await {
        let (status, answer) = poll().await;
        outcome = poller.record(clock, status, &answer);
    }
    poller.finish(outcome)
}

/// Bounds of a generic polling loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollBounds {
    pub(crate) every: Duration,
    pub(crate) attempts: usize,
    /// Total time on the run's clock.
    pub(crate) within: Duration,
}

/// The rules of a bounded "poll until" loop as a state machine: at most `attempts` tries
/// within `within` on the clock, `every` apart; on giving up the error names the last answer.
#[derive(Debug, Clone)]
pub struct UntilPoller {
    label: String,
    bounds: PollBounds,
    started_ms: i128,
    last: String,
    held: bool,
    timeline: PollTimeline,
}

impl UntilPoller {
    /// A loop starting now.
    pub fn new(clock: &SharedClock, label: &str, bounds: PollBounds) -> Self {
        Self {
            label: label.to_string(),
            bounds,
            started_ms: clock.unix_millis(),
            last: "no attempt was made".into(),
            held: false,
            timeline: PollTimeline {
                label: label.to_string(),
                interval_s: bounds.every.as_secs_f64(),
                limit_s: bounds.within.as_secs_f64(),
                ..Default::default()
            },
        }
    }

    /// Waits before the next attempt (not before the first); `false` when the loop is over:
    /// the expectation held, or the attempts or the time are used up.
    pub async fn wait(&mut self, clock: &SharedClock) -> bool {
        let n = self.timeline.polls.len();
        if self.held || n >= self.bounds.attempts.max(1) {
            return false;
        }
        if n == 0 {
            return true;
        }
        let elapsed = clock.unix_millis() - self.started_ms;
        if elapsed + self.bounds.every.as_millis() as i128 > self.bounds.within.as_millis() as i128
        {
            return false;
        }
        clock.sleep(self.bounds.every).await;
        true
    }

    /// Records an attempt: its status, a word for the timeline, and whether the expectation held.
    pub fn record(
        &mut self,
        clock: &SharedClock,
        status: u16,
        word: String,
        held: Result<(), String>,
    ) {
        let waited = if self.timeline.polls.is_empty() {
            0.0
        } else {
            self.bounds.every.as_secs_f64()
        };
        self.timeline.polls.push(PollRecord {
            at_s: (clock.unix_millis() - self.started_ms) as f64 / 1000.0,
            waited_s: waited,
            status,
            answer: word,
        });
        match held {
            Ok(()) => self.held = true,
            Err(reason) => self.last = reason,
        }
    }

    /// Whether the expectation held, with the timeline for the report.
    pub fn finish(mut self) -> (Result<(), String>, PollTimeline) {
        let n = self.timeline.polls.len();
        if self.held {
            self.timeline.outcome = "the expectation held".into();
            return (Ok(()), self.timeline);
        }
        let why = if n >= self.bounds.attempts.max(1) {
            format!("after {n} attempts")
        } else {
            format!("within {} s ({n} attempts)", self.bounds.within.as_secs())
        };
        self.timeline.outcome = format!("gave up {why}");
        (
            Err(format!(
                "{}: the expectation did not hold {why}\n  last answer: {}",
                self.label, self.last
            )),
            self.timeline,
        )
    }
}

/// Repeats `attempt` with [`UntilPoller`]'s rules (the loop the tests drive the poller with).
#[cfg(test)]
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
    let mut poller = UntilPoller::new(clock, label, bounds);
    while poller.wait(clock).await {
        let (status, word, held) = attempt().await;
        poller.record(clock, status, word, held);
    }
    poller.finish()
}

/// The loop sent exactly `n` polls.
pub fn poll_count(timeline: &PollTimeline, n: usize) -> Checklist {
    let mut list = Checklist::new(format!("the polls of {}", timeline.label));
    let answers: Vec<&str> = timeline.polls.iter().map(|p| p.answer.as_str()).collect();
    list.compare(
        "number of polls",
        "CIBA Core §7.3",
        &n.to_string(),
        &format!("{} ({})", timeline.polls.len(), answers.join(", ")),
        timeline.polls.len() == n,
    );
    list
}

/// Every poll came at least `seconds` after the previous one (CIBA Core §7.3, §11).
pub fn poll_spacing(timeline: &PollTimeline, seconds: u64) -> Checklist {
    let mut list = Checklist::new(format!("the polls of {}", timeline.label));
    let mut previous = 0.0;
    for (i, p) in timeline.polls.iter().enumerate() {
        let gap = p.at_s - previous;
        list.compare(
            &format!("poll {}", i + 1),
            "CIBA Core §7.3, §11",
            &format!("at least {seconds} s after the previous one"),
            &format!("{gap:.1} s"),
            gap + 1e-6 >= seconds as f64,
        );
        previous = p.at_s;
    }
    list
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
    async fn a_zero_interval_never_makes_the_client_poll_without_a_pause() {
        let c = clock();
        let (outcome, timeline) =
            poll_ciba(&c, Some(0), 120, || async { (200, PollAnswer::Tokens) }).await;
        assert_eq!(outcome, CibaOutcome::Tokens);
        assert_eq!(timeline.polls[0].waited_s, DEFAULT_INTERVAL_S as f64);
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
