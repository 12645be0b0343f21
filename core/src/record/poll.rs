//! Poll timelines: every poll of a polling loop (CIBA token polling, "poll until"), with its
//! timing on the run's clock and its answer in a word.

use serde::{Deserialize, Serialize};

/// The polls of one polling loop.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PollTimeline {
    /// What was polled ("CIBA token polling", "MobileID status").
    pub label: String,
    /// The interval in force at the start, in seconds.
    pub interval_s: f64,
    /// The bound on polling (expires_in, or the step's time limit), in seconds.
    pub limit_s: f64,
    pub polls: Vec<PollRecord>,
    /// How the loop ended ("tokens", "access_denied", "gave up at expires_in" ...).
    pub outcome: String,
}

/// One poll.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PollRecord {
    /// Seconds since polling started, on the run's clock.
    pub at_s: f64,
    /// Seconds waited before this poll.
    pub waited_s: f64,
    pub status: u16,
    /// The answer in a word (an OAuth error code, a status value, "tokens").
    pub answer: String,
}
