//! History across runs: each run appends its summary (when, counts, each scenario's id,
//! status and duration) to a JSON file, kept to the last [`KEEP`] runs, so the HTML report can
//! draw a trend and name flaky scenarios. A missing file starts a new history; a malformed one
//! is reported by the caller and replaced, never failing the run.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::model::{FeatureReport, RunReport, ScenarioReport, Status};
use super::stream::Evidence;

/// How many runs the history keeps (the newest).
pub const KEEP: usize = 20;

/// The history file's name in the report directory, unless `--history` says otherwise.
pub const FILE_NAME: &str = "history.json";

/// Why a history file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// The file exists but could not be read.
    #[error("cannot read history {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not a history this writer wrote.
    #[error("history {} is not valid: {source}", path.display())]
    Malformed {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// The file could not be written.
    #[error("cannot write history {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Earlier runs, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub(crate) runs: Vec<RunSummary>,
    /// The flaky scenarios, worked out by [`History::settled`] before it let the runs'
    /// scenarios go.
    #[serde(skip)]
    settled: Option<Vec<Flaky>>,
}

/// What the history keeps of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Milliseconds since the Unix epoch.
    pub(crate) started_at_ms: u128,
    pub(crate) duration_ms: f64,
    pub(crate) environment: String,
    pub(crate) passed: usize,
    pub(crate) failed: usize,
    pub(crate) skipped: usize,
    pub(crate) scenarios: Vec<ScenarioSummary>,
}

/// One scenario of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioSummary {
    /// Stable across runs: see [`scenario_id`]. One copy per history: the runs share it
    /// ([`interned`]).
    #[serde(serialize_with = "text", deserialize_with = "interned")]
    pub(crate) id: Arc<str>,
    pub(crate) status: Status,
    pub(crate) duration_ms: f64,
    /// Retries before this result: a passed scenario with retries passed only on retry.
    #[serde(default)]
    pub(crate) retries: usize,
    /// A hash of the scenario's steps as written (keywords, texts, docstrings, tables): a
    /// verdict that changed along with the steps is an edit, not flakiness.
    #[serde(default, serialize_with = "text", deserialize_with = "interned")]
    pub(crate) steps_hash: Arc<str>,
}

thread_local! {
    /// The texts read so far by [`History::load`] on this thread, while it reads.
    static INTERNED: std::cell::RefCell<Option<HashSet<Arc<str>>>> =
        const { std::cell::RefCell::new(None) };
}

/// Writes a shared text as the JSON string it was read from.
fn text<S: serde::Serializer>(text: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(text)
}

/// Reads a text once per history: each run repeats every scenario's id and most steps'
/// hashes, and twenty runs of 10,000 scenarios held 200,000 copies of them.
fn interned<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    Ok(INTERNED.with_borrow_mut(|set| match set {
        Some(set) => match set.get(&*text) {
            Some(known) => Arc::clone(known),
            None => {
                let new: Arc<str> = Arc::from(&*text);
                set.insert(Arc::clone(&new));
                new
            }
        },
        None => Arc::from(&*text),
    }))
}

/// The first 16 hex digits of SHA-256 of the scenario's steps as written.
pub fn steps_hash(s: &ScenarioReport) -> String {
    hash_text(steps_digest(s))
}

/// [`steps_hash`] as a number (its first 8 bytes, big-endian): what a run keeps per scenario.
pub(crate) fn steps_digest(s: &ScenarioReport) -> u64 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for st in &s.steps {
        h.update(st.keyword.trim().as_bytes());
        h.update(b" ");
        h.update(st.text.as_bytes());
        if let Some(d) = &st.docstring {
            h.update(b"\n\"\"\"");
            h.update(d.as_bytes());
        }
        for row in st.table.iter().flatten() {
            h.update(b"\n|");
            h.update(row.join("|").as_bytes());
        }
        h.update(b"\n");
    }
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// A [`steps_digest`] as [`steps_hash`] writes it.
pub(crate) fn hash_text(digest: u64) -> String {
    format!("{digest:016x}")
}

/// A scenario's id across runs: its feature file, name and, when several scenarios of the file
/// share the name (a Scenario Outline's rows), its rank among them. Lines are left out, so
/// editing a file above a scenario does not break its history.
pub fn scenario_id(f: &FeatureReport, s: &ScenarioReport) -> String {
    let same: Vec<&ScenarioReport> = f.scenarios.iter().filter(|o| o.name == s.name).collect();
    let rank = same
        .iter()
        .position(|o| std::ptr::eq(*o, s))
        .map_or(0, |i| i + 1);
    ranked_id(
        f,
        s,
        NameRank {
            rank,
            of: same.len(),
        },
    )
}

/// [`scenario_id`] of each scenario of `f`, in order, in one pass (for callers that visit
/// every scenario: looking each one up among all would take the square of an outline's rows).
pub fn scenario_ids(f: &FeatureReport) -> Vec<String> {
    f.scenarios
        .iter()
        .zip(name_ranks(f))
        .map(|(s, rank)| ranked_id(f, s, rank))
        .collect()
}

/// [`scenario_id`] of `s`, whose [`NameRank`] is known.
pub(crate) fn ranked_id(f: &FeatureReport, s: &ScenarioReport, r: NameRank) -> String {
    if r.of <= 1 {
        format!("{} › {}", f.path, s.name)
    } else {
        format!("{} › {} [{}]", f.path, s.name, r.rank)
    }
}

/// Where a scenario stands among the scenarios of its feature that share its name (a Scenario
/// Outline's rows): its rank, from 1, and how many share the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameRank {
    pub rank: usize,
    pub of: usize,
}

/// The [`NameRank`] of each scenario of `f`, in order, in one pass.
pub fn name_ranks(f: &FeatureReport) -> Vec<NameRank> {
    let mut of: HashMap<&str, usize> = HashMap::new();
    for s in &f.scenarios {
        *of.entry(s.name.as_str()).or_default() += 1;
    }
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(of.len());
    f.scenarios
        .iter()
        .map(|s| {
            let rank = seen.entry(s.name.as_str()).or_default();
            *rank += 1;
            NameRank {
                rank: *rank,
                of: of[s.name.as_str()],
            }
        })
        .collect()
}

impl RunSummary {
    /// What the history keeps of `report`.
    pub fn of(report: &RunReport) -> Self {
        Self::with_evidence(report, &Evidence::default())
    }

    /// What the history keeps of `report`, whose scenarios' steps may be in `ev` (a run that
    /// spilled them).
    pub fn with_evidence(report: &RunReport, ev: &Evidence) -> Self {
        let c = report.counts();
        RunSummary {
            started_at_ms: report.started_at_ms,
            duration_ms: report.duration_ms,
            environment: report.environment.clone(),
            passed: c.passed,
            failed: c.failed,
            skipped: c.skipped,
            scenarios: report
                .features
                .iter()
                .enumerate()
                .flat_map(|(fi, f)| {
                    let ids = scenario_ids(f);
                    f.scenarios.iter().zip(ids).map(move |(s, id)| (fi, s, id))
                })
                .map(|(fi, s, id)| ScenarioSummary {
                    id: id.into(),
                    status: s.verdict(),
                    duration_ms: s.duration_ms,
                    retries: s.retries,
                    steps_hash: ev.steps_hash(fi, s).into(),
                })
                .collect(),
        }
    }
}

impl History {
    /// Reads the history at `path`; a file that does not exist is an empty history.
    pub fn load(path: &Path) -> Result<History, HistoryError> {
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(History::default()),
            Err(source) => {
                return Err(HistoryError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        // Read as it streams in: twenty runs of 10,000 scenarios are a 55 MB file, which read
        // whole was as much again of the run's peak memory.
        INTERNED.set(Some(HashSet::new()));
        let read = serde_json::from_reader(std::io::BufReader::new(file));
        INTERNED.set(None);
        read.map_err(|source| {
            if source.is_io() {
                HistoryError::Read {
                    path: path.to_owned(),
                    source: source.into(),
                }
            } else {
                HistoryError::Malformed {
                    path: path.to_owned(),
                    source,
                }
            }
        })
    }

    /// Appends a run, keeping the newest [`KEEP`].
    pub fn push(&mut self, run: RunSummary) {
        self.runs.push(run);
        if self.runs.len() > KEEP {
            let extra = self.runs.len() - KEEP;
            self.runs.drain(..extra);
        }
    }

    /// Writes the history to `path` (creating its directory).
    pub fn save(&self, path: &Path) -> Result<(), HistoryError> {
        let write = |source| HistoryError::Write {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(write)?;
        }
        // Streamed to the file (a run of 10,000 scenarios made a 4 MiB string of it), through a
        // temporary file renamed over the old one, so that a failed write leaves the old one.
        let partial = path.with_extension("json.partial");
        let file = std::fs::File::create(&partial).map_err(write)?;
        let mut out = std::io::BufWriter::new(file);
        serde_json::to_writer_pretty(&mut out, self)
            .map_err(std::io::Error::from)
            .and_then(|()| std::io::Write::write_all(&mut out, b"\n"))
            .and_then(|()| std::io::Write::flush(&mut out))
            .map_err(write)?;
        drop(out);
        std::fs::rename(&partial, path).map_err(write)
    }

    /// What the report needs of a saved history: the runs' counts and the flaky scenarios,
    /// worked out now; the runs' scenarios go (twenty runs of 10,000 scenarios held 200,000 of
    /// them while the reports were written). A settled history is read, not saved or pushed to.
    pub fn settled(mut self) -> Self {
        let flaky = self.flaky();
        for run in &mut self.runs {
            run.scenarios = Vec::new();
        }
        self.settled = Some(flaky);
        self
    }

    /// Scenarios of the newest run that are flaky, with why: passed only on retry in the
    /// newest run, or passed in one run and failed in the next on the same environment with
    /// the same steps (the runs compared are those of the newest run's environment, and of
    /// those only the ones where the scenario's steps were as in the newest run).
    pub fn flaky(&self) -> Vec<Flaky> {
        if let Some(flaky) = &self.settled {
            return flaky.clone();
        }
        let Some(last) = self.runs.last() else {
            return Vec::new();
        };
        let runs: Vec<&RunSummary> = self
            .runs
            .iter()
            .filter(|r| r.environment == last.environment)
            .collect();
        let now: HashMap<&str, &str> = last
            .scenarios
            .iter()
            .map(|s| (&*s.id, &*s.steps_hash))
            .collect();
        let mut statuses: HashMap<&str, Vec<Status>> = HashMap::new();
        for r in &runs {
            for s in &r.scenarios {
                if now.get(&*s.id) == Some(&&*s.steps_hash) {
                    statuses.entry(&s.id).or_default().push(s.status);
                }
            }
        }
        let mut out = Vec::new();
        for s in &last.scenarios {
            if s.status == Status::Passed && s.retries > 0 {
                out.push(Flaky {
                    id: s.id.to_string(),
                    reason: format!("passed on retry {} in the last run", s.retries),
                });
                continue;
            }
            let seen: Vec<bool> = statuses
                .get(&*s.id)
                .map(|v| {
                    v.iter()
                        .filter(|st| **st != Status::Skipped)
                        .map(|st| st.is_failure())
                        .collect()
                })
                .unwrap_or_default();
            let flips = seen.windows(2).filter(|w| w[0] != w[1]).count();
            if flips > 0 {
                let failed = seen.iter().filter(|f| **f).count();
                out.push(Flaky {
                    id: s.id.to_string(),
                    reason: format!(
                        "failed in {failed} of the last {} runs, passed in the others ({flips} changes)",
                        seen.len()
                    ),
                });
            }
        }
        out
    }
}

/// A scenario whose verdict changed without a change of environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Flaky {
    pub(crate) id: String,
    pub(crate) reason: String,
}

/// Loads the history at `path`, appends `report`'s run and saves it; returns the history with
/// the new run and, when the old file was unreadable or malformed, why it was started anew (for
/// the caller to print). Saving may fail: that is the error.
pub fn record(
    path: &Path,
    report: &RunReport,
    ev: &Evidence,
) -> (History, Option<HistoryError>, Option<HistoryError>) {
    let (mut history, problem) = match History::load(path) {
        Ok(h) => (h, None),
        Err(e) => (History::default(), Some(e)),
    };
    history.push(RunSummary::with_evidence(report, ev));
    let saved = history.save(path).err();
    (history, problem, saved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    /// The ids of a feature's scenarios in one pass are those looked up one by one: an
    /// outline's rows (one name) ranked in order, a name of its own without a rank.
    #[test]
    fn ids_in_one_pass_are_the_ids_looked_up_one_by_one() {
        let f = FeatureReport {
            path: "features/f.feature".into(),
            scenarios: ["row", "plain", "row", "other", "row", "other"]
                .iter()
                .enumerate()
                .map(|(i, name)| ScenarioReport {
                    name: (*name).into(),
                    line: i + 3,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        let one_by_one: Vec<String> = f.scenarios.iter().map(|s| scenario_id(&f, s)).collect();
        assert_eq!(scenario_ids(&f), one_by_one);
        assert_eq!(one_by_one[4], "features/f.feature › row [3]");
        assert_eq!(one_by_one[1], "features/f.feature › plain");
        let ranks = name_ranks(&f);
        assert_eq!(ranks[5], NameRank { rank: 2, of: 2 });
        assert_eq!(ranks[1], NameRank { rank: 1, of: 1 });
    }

    fn run(env: &str, statuses: &[(&str, Status, usize)]) -> RunSummary {
        RunSummary {
            environment: env.into(),
            scenarios: statuses
                .iter()
                .map(|(id, status, retries)| ScenarioSummary {
                    id: (*id).into(),
                    status: *status,
                    duration_ms: 1.0,
                    retries: *retries,
                    steps_hash: "".into(),
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn ids_are_stable_and_tell_outline_rows_apart() {
        let r = fixtures::report();
        let ids: Vec<String> = RunSummary::of(&r)
            .scenarios
            .into_iter()
            .map(|s| s.id.to_string())
            .collect();
        assert!(ids.contains(&"features/oidc/code_flow.feature › Login with code flow".into()));
        assert!(
            ids.iter().any(|i| i.ends_with("Prompt <prompt> [2]")),
            "{ids:?}"
        );
        let unique: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
    }

    #[test]
    fn keeps_the_last_twenty_runs() {
        let mut h = History::default();
        for i in 0..25u128 {
            h.push(RunSummary {
                started_at_ms: i,
                ..Default::default()
            });
        }
        assert_eq!(h.runs.len(), KEEP);
        assert_eq!(h.runs[0].started_at_ms, 5);
    }

    #[test]
    fn flaky_is_a_change_of_verdict_or_a_pass_on_retry() {
        use Status::*;
        let h = History {
            runs: vec![
                run(
                    "sim",
                    &[("a", Passed, 0), ("b", Failed, 0), ("c", Passed, 0)],
                ),
                run("other", &[("c", Failed, 0)]),
                run(
                    "sim",
                    &[("a", Failed, 0), ("b", Failed, 0), ("c", Skipped, 0)],
                ),
                run(
                    "sim",
                    &[
                        ("a", Passed, 0),
                        ("b", Failed, 0),
                        ("c", Passed, 0),
                        ("d", Passed, 2),
                    ],
                ),
            ],
            ..Default::default()
        };
        let flaky = h.flaky();
        let ids: Vec<&str> = flaky.iter().map(|f| f.id.as_str()).collect();
        // b always failed; c failed only on another environment and was skipped once.
        assert_eq!(ids, ["a", "d"]);
        assert!(
            flaky[0].reason.contains("failed in 1 of the last 3 runs"),
            "{:?}",
            flaky[0]
        );
        assert!(flaky[1].reason.contains("retry 2"));
    }

    #[test]
    fn a_change_of_verdict_with_a_change_of_steps_is_not_flaky() {
        use Status::*;
        let mut before = run("sim", &[("a", Failed, 0), ("b", Failed, 0)]);
        before.scenarios[0].steps_hash = "old".into();
        let h = History {
            runs: vec![before, run("sim", &[("a", Passed, 0), ("b", Passed, 0)])],
            ..Default::default()
        };
        let ids: Vec<String> = h.flaky().into_iter().map(|f| f.id).collect();
        assert_eq!(ids, ["b"]);
        let r = fixtures::report();
        let (f, s) = r.scenarios().next().unwrap();
        let mut edited = s.clone();
        assert_eq!(steps_hash(s), steps_hash(&edited));
        edited.steps[0].text.push('!');
        assert_ne!(steps_hash(s), steps_hash(&edited));
        assert_eq!(steps_hash(s).len(), 16, "{}", f.path);
    }

    /// Every run repeats every scenario's id: read back, the runs share one copy of each.
    #[test]
    fn runs_read_back_share_their_scenario_ids_and_hashes() {
        let dir =
            std::env::temp_dir().join(format!("idflow-history-shared-{}", std::process::id()));
        let path = dir.join(FILE_NAME);
        let mut h = History::default();
        h.push(run(
            "sim",
            &[("a", Status::Passed, 0), ("b", Status::Failed, 0)],
        ));
        h.push(run(
            "sim",
            &[("a", Status::Passed, 0), ("b", Status::Passed, 0)],
        ));
        h.save(&path).unwrap();
        let back = History::load(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(back, h);
        let (first, second) = (&back.runs[0].scenarios, &back.runs[1].scenarios);
        assert!(Arc::ptr_eq(&first[1].id, &second[1].id));
        assert!(Arc::ptr_eq(&first[0].steps_hash, &second[1].steps_hash));
        assert!(
            INTERNED.with_borrow(Option::is_none),
            "the set goes with the read"
        );
    }

    #[test]
    fn a_settled_history_keeps_the_counts_and_the_flaky_scenarios_only() {
        let mut h = History::default();
        let mut first = run("sim", &[("a", Status::Passed, 0), ("b", Status::Failed, 0)]);
        (first.passed, first.failed) = (1, 1);
        let mut second = run("sim", &[("a", Status::Passed, 1), ("b", Status::Passed, 0)]);
        second.passed = 2;
        h.push(first);
        h.push(second);
        let flaky = h.flaky();
        assert_eq!(flaky.len(), 2, "{flaky:?}");
        let counts: Vec<usize> = h.runs.iter().map(|r| r.passed).collect();
        let settled = h.settled();
        assert_eq!(settled.flaky(), flaky);
        assert!(settled.runs.iter().all(|r| r.scenarios.is_empty()));
        assert_eq!(
            settled.runs.iter().map(|r| r.passed).collect::<Vec<_>>(),
            counts
        );
    }

    #[test]
    fn a_missing_file_is_an_empty_history_and_a_malformed_one_an_error() {
        let dir = std::env::temp_dir().join(format!("idflow-history-{}", std::process::id()));
        let path = dir.join("h.json");
        assert_eq!(History::load(&path).unwrap(), History::default());
        let (h, problem, saved) = record(&path, &fixtures::report(), &Evidence::default());
        assert!(problem.is_none() && saved.is_none());
        assert_eq!(h.runs.len(), 1);
        let (h, _, _) = record(&path, &fixtures::report(), &Evidence::default());
        assert_eq!(h.runs.len(), 2);
        assert_eq!(History::load(&path).unwrap(), h);
        std::fs::write(&path, "{not json").unwrap();
        let err = History::load(&path).unwrap_err().to_string();
        assert!(err.contains("h.json") && err.contains("not valid"), "{err}");
        let (h, problem, _) = record(&path, &fixtures::report(), &Evidence::default());
        assert!(problem.is_some());
        assert_eq!(h.runs.len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
