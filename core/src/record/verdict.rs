//! Verdicts: named checks with their level and source clause, and decoded tokens with the
//! verdict of every check run on them.

use serde::{Deserialize, Serialize};

/// How binding a check is, in the words of the specifications (RFC 2119).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A MUST: failing it fails the scenario.
    #[default]
    Must,
    /// A SHOULD: failing it is a warning.
    Should,
    /// A best current practice (RFC 9700): failing it is a warning.
    BestPractice,
}

impl Level {
    /// The level as a specification writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::BestPractice => "best practice",
        }
    }
}

/// The verdict of one check.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    /// Not applicable here (for example c_hash without a code from the authorization endpoint).
    NotApplicable,
}

/// One named check and its verdict, structured: what was looked at, where, what was expected
/// and what came.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Check {
    /// Short name: "signature", "iss", "nonce", "status", "JSONPath $.token_type" ...
    pub name: String,
    #[serde(default)]
    pub(crate) level: Level,
    /// The clause the check comes from ("OpenID Connect Core 1.0 §3.1.3.7"), when one applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) clause: Option<String>,
    pub(crate) verdict: Outcome,
    /// What was checked, or why it failed, in words.
    pub(crate) detail: String,
    /// What was expected, when the check compares values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expected: Option<String>,
    /// What came, when the check compares values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) actual: Option<String>,
    /// A likely cause, when one is recognisable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) hint: Option<String>,
}

impl Check {
    /// A check with a verdict and a detail, at level MUST with no clause.
    pub fn new(name: impl Into<String>, verdict: Outcome, detail: impl Into<String>) -> Self {
        Check {
            name: name.into(),
            level: Level::Must,
            clause: None,
            verdict,
            detail: detail.into(),
            expected: None,
            actual: None,
            hint: None,
        }
    }

    /// A passed check.
    pub fn passed(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check::new(name, Outcome::Passed, detail)
    }

    /// A failed check.
    pub fn failed(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check::new(name, Outcome::Failed, detail)
    }

    /// A check that does not apply here.
    pub fn not_applicable(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check::new(name, Outcome::NotApplicable, detail)
    }

    /// The same check at another level.
    pub fn at(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// The same check with its source clause.
    pub fn clause(mut self, clause: impl Into<String>) -> Self {
        self.clause = Some(clause.into());
        self
    }

    /// The same check with what was expected and what came.
    pub fn compared(mut self, expected: impl Into<String>, actual: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self.actual = Some(actual.into());
        self
    }

    /// True when the check failed at any level.
    pub fn is_failure(&self) -> bool {
        self.verdict == Outcome::Failed
    }
}

/// A decoded token and the verdict of each check run on it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TokenRecord {
    /// What the token is ("ID token", "refreshed ID token").
    pub label: String,
    pub header: serde_json::Value,
    pub claims: serde_json::Value,
    pub checks: Vec<Check>,
    /// Shown for reference beside an expectation on the token (a claim, a header parameter):
    /// its checks are shown but counted nowhere (not failures, not warnings), since the step
    /// that ran them, if any, counts them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub for_reference: bool,
    /// A token shown for reference that repeats one recorded earlier in the same scenario:
    /// where that one stands. Its header, claims and checks are then left empty here (they
    /// are there), so that a scenario with several claim expectations keeps the token once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_as: Option<TokenPlace>,
}

/// Where a token stands in a scenario's record: the step (its index in the scenario,
/// background steps included) and the token's index among that step's tokens.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenPlace {
    pub(crate) step: usize,
    pub(crate) token: usize,
}

impl TokenRecord {
    /// The checks that count toward the verdict: none for a token shown for reference.
    pub fn counted_checks(&self) -> &[Check] {
        if self.for_reference {
            &[]
        } else {
            &self.checks
        }
    }
}
