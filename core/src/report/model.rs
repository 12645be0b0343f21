//! The report model: what a run produced, built from the runner's event stream and the
//! exchange records of each scenario. Every writer (HTML, JUnit, Cucumber JSON, console) renders
//! this one model; shards serialise it inside cucumber.json so that reports can be merged.

use serde::{Deserialize, Serialize};

pub use crate::record::{
    Check, Exchange, Level, Outcome, PollRecord, PollTimeline, StepRecord, TokenPlace, TokenRecord,
};

/// Outcome of a step or scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Failed,
    Undefined,
    Passed,
    Skipped,
}

impl Status {
    /// Lower-case name, as Cucumber JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
            Status::Undefined => "undefined",
        }
    }
    /// Whether this status fails the run.
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Failed | Status::Undefined)
    }
}

/// The whole run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunReport {
    /// Environment name (`simulator`, `oidc-provider` ...).
    pub environment: String,
    /// What the environment targets, for people (issuer URL or "embedded simulator").
    pub target: String,
    /// Git commit of the suite, when known.
    #[serde(default)]
    pub commit: Option<String>,
    /// Tag expression the run was filtered by.
    #[serde(default)]
    pub tags: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub started_at_ms: u128,
    pub duration_ms: f64,
    pub features: Vec<FeatureReport>,
    /// Problems that are not a scenario: unparsable feature files, hook failures.
    #[serde(default)]
    pub errors: Vec<RunError>,
    /// Earlier runs and this one, when the run keeps a history (never serialised: the history
    /// lives in its own file).
    #[serde(skip)]
    pub history: Option<super::history::History>,
}

/// A problem outside any scenario, such as a feature file that does not parse.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunError {
    /// File (and line, when known) the problem is in.
    pub(crate) location: String,
    pub(crate) message: String,
}

/// One feature file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FeatureReport {
    pub name: String,
    /// Path relative to where the run started.
    pub path: String,
    #[serde(default)]
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub line: usize,
    pub scenarios: Vec<ScenarioReport>,
}

/// One scenario (one row of a Scenario Outline's examples counts as one).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScenarioReport {
    pub name: String,
    /// Keyword as written ("Scenario", "Scenario Outline").
    pub keyword: String,
    pub line: usize,
    /// Rule the scenario belongs to, if any.
    #[serde(default)]
    pub rule: Option<String>,
    /// Own tags and inherited feature/rule tags, with the leading `@`.
    pub tags: Vec<String>,
    pub status: Option<Status>,
    pub duration_ms: f64,
    /// Background steps first, then the scenario's.
    pub steps: Vec<StepReport>,
    /// Log lines captured while the scenario ran (tracing events).
    #[serde(default)]
    pub logs: Vec<String>,
    /// How many times the scenario was retried before this result.
    #[serde(default)]
    pub retries: usize,
    /// Why the scenario was not run on this target (a capability it lacks); its status is
    /// then `skipped`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<String>,
}

impl ScenarioReport {
    /// The scenario's verdict: failed if any step failed or was undefined.
    pub fn verdict(&self) -> Status {
        self.status.unwrap_or(Status::Skipped)
    }

    /// Every exchange of the scenario, in the order made.
    pub fn exchanges(&self) -> impl Iterator<Item = &Exchange> {
        self.steps.iter().flat_map(|s| s.record.exchanges.iter())
    }

    /// Every token checked in the scenario, in the order checked.
    pub fn tokens(&self) -> impl Iterator<Item = &TokenRecord> {
        self.steps.iter().flat_map(|s| s.record.tokens.iter())
    }

    /// Failed SHOULD and best-practice checks of the scenario (its steps' and their tokens'):
    /// warnings, which fail nothing unless the run is strict.
    pub fn warnings(&self) -> usize {
        self.steps
            .iter()
            .flat_map(|st| {
                let tokens = st.record.tokens.iter().flat_map(|t| t.counted_checks());
                st.record.checks.iter().chain(tokens)
            })
            .filter(|c| c.is_failure() && c.level != Level::Must)
            .count()
    }

    /// Every polling loop of the scenario, in the order run.
    pub fn timelines(&self) -> impl Iterator<Item = &PollTimeline> {
        self.steps.iter().flat_map(|s| s.record.timelines.iter())
    }
}

/// One step.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StepReport {
    /// "Given ", "When ", "Then ", "And " ...
    pub keyword: String,
    pub text: String,
    pub line: usize,
    /// True for a step of the feature's Background.
    #[serde(default)]
    pub background: bool,
    #[serde(default)]
    pub docstring: Option<String>,
    #[serde(default)]
    pub table: Option<Vec<Vec<String>>>,
    pub status: Option<Status>,
    pub duration_ms: f64,
    /// What the step left behind: its exchanges, tokens, polls, checks and failure message,
    /// recorded as they were made.
    #[serde(flatten)]
    pub record: StepRecord,
}

/// Scenario counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl RunReport {
    /// Every scenario with its feature.
    pub fn scenarios(&self) -> impl Iterator<Item = (&FeatureReport, &ScenarioReport)> {
        self.features
            .iter()
            .flat_map(|f| f.scenarios.iter().map(move |s| (f, s)))
    }

    /// Scenario counts; undefined counts as failed.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for (_, s) in self.scenarios() {
            match s.verdict() {
                Status::Passed => c.passed += 1,
                Status::Failed | Status::Undefined => c.failed += 1,
                Status::Skipped => c.skipped += 1,
            }
        }
        c
    }

    /// True when nothing failed and no file was broken.
    pub fn succeeded(&self) -> bool {
        self.errors.is_empty() && self.counts().failed == 0
    }
}
