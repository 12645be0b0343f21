//! The record: the bottom layer of the library, importing nothing above it.
//!
//! A scenario's [`ScenarioRecord`] is owned by its world and holds one [`StepRecord`] per step
//! that ran, in order. Whatever makes evidence appends it, as it is made, to the record of the
//! step that is running: the HTTP session its exchanges ([`exchange`]), the token verifier and
//! the checks their verdicts ([`verdict`]), the pollers their timelines ([`poll`]). The step is
//! known by its index, set when the step starts ([`ScenarioRecord::begin_step`]), never matched
//! by clock time afterwards. Report writers read finished records; redaction walks them once.

pub mod exchange;
pub mod poll;
pub mod verdict;

pub use exchange::{
    Exchange, ExchangeEnd, Header, Hop, RecordedRequest, RecordedResponse, epoch_ms, header_value,
};
pub use poll::{PollRecord, PollTimeline};
pub use verdict::{Check, Level, Outcome, TokenPlace, TokenRecord};

use serde::{Deserialize, Serialize};

/// The evidence of one step: what it sent and received, the tokens it checked, the polls it
/// made, and the verdict of every named check it ran.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StepRecord {
    /// Where the step's definition is (file:line), when a definition matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// HTTP exchanges, in the order they were made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<Exchange>,
    /// Tokens decoded and checked by this step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<TokenRecord>,
    /// Polling loops run by this step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timelines: Vec<PollTimeline>,
    /// Named checks run by this step (an expectation, a response contract), passed or not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Why the step failed, in words, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl StepRecord {
    /// True when the step left no evidence at all.
    pub fn is_empty(&self) -> bool {
        self.exchanges.is_empty()
            && self.tokens.is_empty()
            && self.timelines.is_empty()
            && self.checks.is_empty()
    }
}

/// Everything one scenario left behind, step by step, plus its log lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScenarioRecord {
    /// One record per step that started, in order (background steps first).
    pub(crate) steps: Vec<StepRecord>,
    /// Log lines emitted inside the scenario.
    pub(crate) logs: Vec<String>,
    /// How many exchanges were made: the next exchange's sequence number is this plus one.
    exchange_count: usize,
    /// How many steps began (the first step also owns evidence made before it).
    begun: usize,
}

impl ScenarioRecord {
    /// Starts the record of the next step; evidence made from now on is this step's.
    pub fn begin_step(&mut self, definition: Option<String>) {
        self.begun += 1;
        if self.begun == 1 && self.steps.len() == 1 {
            self.steps[0].definition = definition;
            return;
        }
        self.steps.push(StepRecord {
            definition,
            ..StepRecord::default()
        });
    }

    /// The index of the step that is running (0 before any step began: evidence made by a
    /// hook before the first step goes to the first step).
    pub fn step_index(&self) -> usize {
        self.steps.len().saturating_sub(1)
    }

    /// The record of the running step.
    pub fn current(&mut self) -> &mut StepRecord {
        if self.steps.is_empty() {
            self.steps.push(StepRecord::default());
        }
        self.steps.last_mut().expect("a step record exists")
    }

    /// Appends an exchange to the running step, numbering it within the scenario.
    pub fn push_exchange(&mut self, mut exchange: Exchange) -> &Exchange {
        self.exchange_count += 1;
        exchange.seq = self.exchange_count;
        let step = self.current();
        step.exchanges.push(exchange);
        step.exchanges.last().expect("just pushed")
    }

    /// Appends a checked token to the running step.
    pub fn push_token(&mut self, token: TokenRecord) {
        self.current().tokens.push(token);
    }

    /// Appends a polling timeline to the running step.
    pub fn push_timeline(&mut self, timeline: PollTimeline) {
        self.current().timelines.push(timeline);
    }

    /// Appends a check's verdict to the running step.
    pub fn push_check(&mut self, check: Check) {
        self.current().checks.push(check);
    }

    /// The latest exchange of the scenario, whichever step made it.
    pub fn last_exchange(&self) -> Option<&Exchange> {
        self.steps.iter().rev().find_map(|s| s.exchanges.last())
    }

    /// Every exchange of the scenario, oldest first.
    pub fn exchanges(&self) -> impl DoubleEndedIterator<Item = &Exchange> {
        self.steps.iter().flat_map(|s| s.exchanges.iter())
    }

    /// The latest token record with this label, whichever step checked it.
    pub fn last_token(&self, label: &str) -> Option<&TokenRecord> {
        self.steps
            .iter()
            .rev()
            .flat_map(|s| s.tokens.iter().rev())
            .find(|t| t.label == label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(label: &str) -> Exchange {
        Exchange {
            seq: 0,
            label: label.into(),
            hops: Vec::new(),
            end: ExchangeEnd::Response,
            stopped_at: None,
            error: None,
        }
    }

    #[test]
    fn evidence_goes_to_the_step_that_is_running() {
        let mut record = ScenarioRecord::default();
        record.begin_step(Some("steps/oidc.rs:1".into()));
        record.push_exchange(exchange("discovery"));
        record.begin_step(None);
        record.begin_step(None);
        record.push_exchange(exchange("authorization request"));
        record.push_exchange(exchange("login"));
        record.push_timeline(PollTimeline::default());
        let labels: Vec<Vec<&str>> = record
            .steps
            .iter()
            .map(|s| s.exchanges.iter().map(|e| e.label.as_str()).collect())
            .collect();
        assert_eq!(
            labels,
            vec![
                vec!["discovery"],
                vec![],
                vec!["authorization request", "login"]
            ]
        );
        let seqs: Vec<usize> = record.exchanges().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![1, 2, 3]);
        assert_eq!(record.steps[2].timelines.len(), 1);
        assert_eq!(record.last_exchange().unwrap().label, "login");
        assert_eq!(record.step_index(), 2);
    }

    #[test]
    fn evidence_before_any_step_goes_to_the_first() {
        let mut record = ScenarioRecord::default();
        record.push_exchange(exchange("hook"));
        record.begin_step(Some("steps/http.rs:9".into()));
        record.begin_step(None);
        assert_eq!(record.steps.len(), 2);
        assert_eq!(record.steps[0].exchanges[0].label, "hook");
        assert_eq!(
            record.steps[0].definition.as_deref(),
            Some("steps/http.rs:9")
        );
        assert!(record.steps[1].is_empty());
    }
}
