//! Checklists: the verdicts of a response contract or any other group of named checks, each
//! with its level and the clause it comes from. A checklist is evidence: the scenario records
//! every check of it under the running step (`Scenario::conclude`); a failed
//! MUST fails the step, naming each check that failed, while a failed SHOULD or best practice
//! is a warning.

use crate::error::{Error, Result};
use crate::record::{Check, Level, Outcome};

/// The checks run on one subject ("the token response", "the CIBA response").
#[derive(Debug, Clone, PartialEq)]
pub struct Checklist {
    /// What was checked, in words.
    pub(crate) subject: String,
    pub(crate) checks: Vec<Check>,
}

impl Checklist {
    /// An empty checklist about `subject`.
    pub fn new(subject: impl Into<String>) -> Self {
        Checklist {
            subject: subject.into(),
            checks: Vec::new(),
        }
    }

    /// Adds a MUST check: passed when `holds`, else failed with `failure` (what came).
    pub fn must(&mut self, name: &str, clause: &str, holds: bool, failure: impl Into<String>) {
        self.add(name, Level::Must, clause, holds, failure);
    }

    /// [`must`](Self::must), with the failure's words made only when the check fails: words
    /// that quote a body (a redacted preview) cost more than the check itself.
    pub fn must_else(
        &mut self,
        name: &str,
        clause: &str,
        holds: bool,
        failure: impl FnOnce() -> String,
    ) {
        let failure = if holds { String::new() } else { failure() };
        self.must(name, clause, holds, failure);
    }

    /// Adds a SHOULD check: a warning when it does not hold.
    pub fn should(&mut self, name: &str, clause: &str, holds: bool, failure: impl Into<String>) {
        self.add(name, Level::Should, clause, holds, failure);
    }

    /// Adds a check at any level.
    pub fn add(
        &mut self,
        name: &str,
        level: Level,
        clause: &str,
        holds: bool,
        failure: impl Into<String>,
    ) {
        let check = if holds {
            Check::passed(name, "")
        } else {
            Check::failed(name, failure)
        };
        self.checks.push(check.at(level).clause(clause));
    }

    /// Says what the latest check saw, when it passed (a failed check keeps its failure).
    pub fn passed_with(&mut self, detail: impl Into<String>) {
        if let Some(check) = self.checks.last_mut()
            && !check.is_failure()
        {
            check.detail = detail.into();
        }
    }

    /// Adds a MUST check comparing what was expected with what came.
    pub fn compare(&mut self, name: &str, clause: &str, expected: &str, actual: &str, holds: bool) {
        let check = if holds {
            Check::passed(name, actual)
        } else {
            Check::failed(name, format!("expected {expected}, got {actual}"))
                .compared(expected, actual)
        };
        self.checks.push(check.clause(clause));
    }

    /// Adds a MUST check that the response's status is `expected`.
    pub fn status(&mut self, clause: &str, expected: u16, actual: u16) {
        let (wanted, got) = (expected.to_string(), actual.to_string());
        self.compare("status", clause, &wanted, &got, actual == expected);
    }

    /// Adds a check that does not apply here, with the reason.
    pub fn not_applicable(&mut self, name: &str, reason: impl Into<String>) {
        self.checks.push(Check::not_applicable(name, reason));
    }

    /// Turns a failed check of this name into a declared deviation: the environment declares
    /// that the provider documents this departure from the specification, so the check warns
    /// (level SHOULD, failing only under `--strict`) and its detail names the declaration. A
    /// check that holds stays passed.
    pub fn declare_deviation(&mut self, name: &str, declaration: &str) {
        for check in &mut self.checks {
            if check.name == name && check.is_failure() {
                check.level = Level::Should;
                check.detail = format!("{declaration}: {}", check.detail);
                check.hint = Some(format!(
                    "a warning, not a failure, because of the {declaration}"
                ));
            }
        }
    }

    /// The checks that failed at level MUST.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.failures_at(false)
    }

    /// The checks that fail the list: failed MUSTs, and under `strict` every failed check.
    pub fn failures_at(&self, strict: bool) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(move |c| c.verdict == Outcome::Failed && (strict || c.level == Level::Must))
    }

    /// Whether a check of this name failed (at any level).
    pub fn failed(&self, name: &str) -> bool {
        self.checks.iter().any(|c| c.name == name && c.is_failure())
    }

    /// `Ok` when no MUST failed, else the error naming every failed MUST.
    pub fn verdict(&self) -> Result<()> {
        self.verdict_at(false)
    }

    /// [`Checklist::verdict`], where under `strict` a failed SHOULD or best practice fails too.
    pub fn verdict_at(&self, strict: bool) -> Result<()> {
        let failed: Vec<Check> = self.failures_at(strict).cloned().collect();
        if failed.is_empty() {
            Ok(())
        } else {
            Err(Error::Checks {
                subject: format!("{} fails {} check(s)", self.subject, failed.len()),
                failed,
            })
        }
    }
}

#[cfg(test)]
impl Checklist {
    /// The text of the verdict of a checklist that a test expects to fail.
    pub(crate) fn failure(&self) -> String {
        self.verdict()
            .expect_err("the checklist was expected to fail")
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_s_words_are_made_only_when_the_check_fails() {
        let mut list = Checklist::new("the userinfo response");
        list.must_else("sub", "OpenID Connect Core §5.3.2", true, || {
            panic!("the words of a check that holds were made")
        });
        assert!(list.verdict().is_ok());
        list.must_else("email", "OpenID Connect Core §5.1", false, || {
            "no email in {}".to_string()
        });
        assert!(
            list.failure().contains("no email in {}"),
            "{}",
            list.failure()
        );
    }

    #[test]
    fn a_declared_deviation_warns_naming_its_declaration() {
        let mut list = Checklist::new("the token response");
        list.must(
            "expires_in",
            "RFC 6749 §5.1",
            false,
            "3600000 is milliseconds",
        );
        list.must("access_token", "RFC 6749 §5.1", true, "");
        assert!(list.verdict().is_err());
        let declaration = "declared deviation `expires_in_milliseconds` of broker.yaml (seed 004)";
        list.declare_deviation("expires_in", declaration);
        assert!(list.verdict().is_ok(), "a declared deviation warns");
        assert!(list.verdict_at(true).is_err(), "and fails when strict");
        let check = &list.checks[0];
        assert_eq!(check.level, Level::Should);
        assert!(check.detail.starts_with(declaration), "{}", check.detail);
        assert!(check.is_failure(), "never a silent pass");
        assert!(!list.checks[1].is_failure());
    }

    #[test]
    fn a_failed_must_fails_and_a_failed_should_warns() {
        let mut list = Checklist::new("the token response");
        list.must("status", "RFC 6749 §5.1", true, "");
        list.should("Cache-Control", "RFC 6749 §5.1", false, "no header");
        assert!(list.verdict().is_ok(), "a SHOULD alone does not fail");
        assert!(list.failed("Cache-Control"));
        list.compare(
            "token_type",
            "RFC 6749 §5.1",
            "\"Bearer\"",
            "\"mac\"",
            false,
        );
        let err = list.verdict().unwrap_err();
        let Error::Checks { subject, failed } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(subject, "the token response fails 1 check(s)");
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].name, "token_type");
        assert_eq!(failed[0].expected.as_deref(), Some("\"Bearer\""));
        assert_eq!(failed[0].clause.as_deref(), Some("RFC 6749 §5.1"));
        assert!(
            err.to_string()
                .contains("token_type: expected \"Bearer\", got \"mac\"")
        );
    }
}
