//! Runs features against an environment and writes the reports.
//!
//! [`run`] is the whole run: load the environment, start its target (the embedded simulator
//! when it says so), give every scenario's world the shared [`RunContext`], let cucumber
//! schedule the scenarios, build the report from the event stream, write the reports (also
//! when scenarios failed), and print `N passed, N failed`. SIGINT and SIGTERM end it early
//! with partial reports ([`interrupt`]).

pub mod console;
pub mod dispatch;
mod dry_run;
pub mod features;
pub mod interrupt;
mod last_failed;
mod libtest;
mod outline;
mod target;
pub mod writer;

#[cfg(test)]
mod planted;

pub use dry_run::{DryRunOutcome, DryRunProblem, dry_run};
pub use last_failed::{failed_locations, last_failed, within};
pub use libtest::{LibtestArgs, cargo_test_main};

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use cucumber::tag::Ext as _;
use futures::FutureExt as _;

use crate::config::{Capability, ConfigError, Environment};
use crate::context::{Collector, ProviderCache, RunContext, ScenarioKey};
use crate::http::HttpEngine;
use crate::record::epoch_ms;
use crate::redact::Redactor;
use crate::report::model::{RunError as ReportedError, RunReport};
use crate::simulator::Defect;
use crate::world::IdflowWorld;
use writer::{ReportWriter, scenario_key};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Feature files or directories.
    pub paths: Vec<PathBuf>,
    /// Environment name (looked up in `env_dir`) or path to a YAML file.
    pub env: String,
    pub env_dir: PathBuf,
    /// Tag expression, such as `@oidc and not @slow`.
    pub tags: Option<String>,
    /// Only scenarios whose name (or feature name) contains this text, ignoring case.
    pub name_filter: Option<String>,
    /// libtest's free arguments: only scenarios whose test name (`path:line`), name or feature
    /// name contains one of them (equals one, with `exact`).
    pub test_filters: Vec<String>,
    /// libtest's `--skip`: leave out scenarios that such a filter matches.
    pub skip: Vec<String>,
    /// libtest's `--exact`: filters match whole names.
    pub exact: bool,
    /// A run that selects no scenario is an error (exit 2) unless this is set.
    pub allow_empty: bool,
    pub report_dir: PathBuf,
    /// The history file each run appends its summary to (`report_dir/history.json` when
    /// `None`), for the report's trend and flaky scenarios.
    pub history: Option<PathBuf>,
    /// Also write Allure 2 result files into this directory.
    pub allure: Option<PathBuf>,
    /// Most scenarios in flight at once.
    pub concurrency: usize,
    /// Simulator defects to switch on, over the environment's (`IDFLOW_SIMULATOR_DEFECTS`).
    pub defects: Vec<Defect>,
    /// No line per scenario, only the summary.
    pub quiet: bool,
    /// Run only shard `index` (1-based) of `count`: a deterministic share of the scenarios.
    pub shard: Option<Shard>,
    /// Run a failed scenario again up to this many times; one that then passes is "flaky".
    pub retries: usize,
    /// Failed SHOULD and best-practice checks fail the scenario instead of warning.
    pub strict: bool,
    /// Handle SIGINT and SIGTERM: the first one ends the run with partial reports (see
    /// [`interrupt`]), a second one at once. Off for library callers, which own their signals.
    pub interrupts: bool,
}

/// A deterministic share of a suite's scenarios, for CI that splits a suite across machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub(crate) index: usize,
    pub(crate) count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("--shard {s:?}: write I/N with 1 <= I <= N, for example 2/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether the scenario at `path:line` belongs to this shard (FNV-1a of its location, so
    /// every machine agrees whatever the order the features are read in).
    pub fn includes(&self, path: &str, line: usize) -> bool {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in format!("{path}:{line}").bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        (hash % self.count as u64) as usize == self.index - 1
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            paths: vec![PathBuf::from("features")],
            env: "simulator".into(),
            env_dir: PathBuf::from("environments"),
            tags: None,
            name_filter: None,
            test_filters: Vec::new(),
            skip: Vec::new(),
            exact: false,
            allow_empty: false,
            report_dir: PathBuf::from("reports"),
            history: None,
            allure: None,
            concurrency: 8,
            defects: Vec::new(),
            quiet: false,
            shard: None,
            retries: 0,
            strict: false,
            interrupts: false,
        }
    }
}

/// Why a run could not start (exit code 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Target(String),
}

/// A finished run.
#[derive(Debug)]
pub struct RunOutcome {
    pub(crate) report: RunReport,
    pub report_files: Vec<PathBuf>,
    /// The signal that interrupted the run, if one did.
    pub(crate) interrupted: Option<interrupt::Signal>,
}

impl RunOutcome {
    /// 0 when every scenario passed, 1 otherwise; 130 or 143 when SIGINT or SIGTERM
    /// interrupted the run.
    pub fn exit_code(&self) -> i32 {
        match self.interrupted {
            Some(signal) => signal.exit_code(),
            None if self.report.succeeded() => 0,
            None => 1,
        }
    }
}

/// The runtime a run needs, or the reason it could not start: one thread.
///
/// cucumber polls every running scenario on the thread that runs the executor, whatever the
/// runtime; a multi-threaded runtime only moves the HTTP connections' tasks (and the wake-ups
/// between them and the steps) to other threads. On P1 (1,000 sign-ins against the
/// simulator, concurrency 16, 8 interleaved runs) one thread used 13% less CPU (0.725 s
/// against 0.835 s) for the same wall time (0.78 s against 0.76 s, within the noise); handing
/// the login pages' parse and the ID tokens' verification to other threads saved no wall time
/// and cost CPU either way (README, "Issue 14, fourth session"). What must not wait for the
/// run's thread has a thread of its own: the signal listener ([`interrupt::listen`]), the
/// console's ticker, the reports' writers, the simulator.
pub fn new_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// The closing line every run prints: `N passed, N failed` (`, N skipped`).
pub fn summary_line(report: &RunReport) -> String {
    let c = report.counts();
    let failed = c.failed + report.errors.len();
    if c.skipped > 0 {
        format!(
            "{} passed, {failed} failed, {} skipped",
            c.passed, c.skipped
        )
    } else {
        format!("{} passed, {failed} failed", c.passed)
    }
}

/// The line before the closing one when checks warned: how many failed SHOULD and
/// best-practice checks, in how many scenarios.
pub fn warnings_line(
    report: &RunReport,
    evidence: &crate::report::stream::Evidence,
) -> Option<String> {
    let per_scenario: Vec<usize> = report
        .features
        .iter()
        .enumerate()
        .flat_map(|(fi, f)| f.scenarios.iter().map(move |s| evidence.warnings(fi, s)))
        .filter(|n| *n > 0)
        .collect();
    let total: usize = per_scenario.iter().sum();
    (total > 0).then(|| {
        format!(
            "{total} warning{} in {} scenario{} (failed SHOULD or best-practice checks; --strict makes them fail)",
            if total == 1 { "" } else { "s" },
            per_scenario.len(),
            if per_scenario.len() == 1 { "" } else { "s" },
        )
    })
}

/// Runs the features and writes the reports. Configuration problems end the run before any
/// scenario (exit 2), with a report saying why.
pub async fn run(options: RunOptions) -> Result<RunOutcome, RunError> {
    let started = SystemTime::now();
    let clock_start = Instant::now();
    // Listening from the start: a signal while the target starts ends the run as soon as it
    // is up, with no scenario run.
    let listener = if options.interrupts {
        interrupt::listen()
            .map_err(|e| tracing::warn!("cannot handle SIGINT and SIGTERM: {e}"))
            .ok()
    } else {
        None
    };
    let interrupt = listener
        .as_ref()
        .map(|l| l.interrupt.clone())
        .unwrap_or_default();
    match prepare(&options).await {
        Ok(prepared) => Ok(execute(options, prepared, started, clock_start, interrupt).await),
        Err(err) => {
            let report = RunReport {
                environment: options.env.clone(),
                started_at_ms: epoch_ms(started),
                errors: vec![ReportedError {
                    location: options.env.clone(),
                    message: err.to_string(),
                }],
                ..Default::default()
            };
            let redactor = Redactor::new(Vec::new(), Vec::new());
            let _ = crate::report::write_all(&report, &redactor, &options.report_dir);
            Err(err)
        }
    }
}

struct Prepared {
    ctx: Arc<RunContext>,
    target: target::RunningTarget,
    features: features::Plan,
    selector: Selector,
}

/// Which scenarios a run keeps: tags, the environment's exclude_tags, names, libtest's filters
/// and the shard.
#[derive(Debug, Clone)]
struct Selector {
    env: Arc<Environment>,
    include: Option<cucumber::gherkin::tagexpr::TagOperation>,
    exclude: Option<cucumber::gherkin::tagexpr::TagOperation>,
    /// Lowercased.
    name: Option<String>,
    test_filters: Vec<String>,
    skip: Vec<String>,
    exact: bool,
    shard: Option<Shard>,
}

/// What the run does with a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Selection {
    /// It runs.
    Run,
    /// It needs a capability the target lacks, or the environment's `exclude_tags` leave it
    /// out: reported not applicable, with the reason.
    NotApplicable(String),
    /// A filter leaves it out of the run.
    Left,
}

/// Why a scenario is not applicable on `env`: the first `@needs:` capability the environment
/// does not list, with the clause that makes it optional.
fn lacking(env: &Environment, tags: &[&String]) -> Option<String> {
    tags.iter().find_map(|t| match Capability::from_tag(t)? {
        Ok(c) if !env.has(c) => Some(format!(
            "needs `{c}`, not among the capabilities of {}; optional by {}",
            env.path.display(),
            c.clause()
        )),
        Ok(_) => None,
        Err(e) => Some(e),
    })
}

/// A scenario's tags with those it inherits from its feature and rule.
fn scenario_tags<'a>(
    feature: &'a cucumber::gherkin::Feature,
    rule: Option<&'a cucumber::gherkin::Rule>,
    scenario: &'a cucumber::gherkin::Scenario,
) -> Vec<&'a String> {
    feature
        .tags
        .iter()
        .chain(rule.iter().flat_map(|r| r.tags.iter()))
        .chain(scenario.tags.iter())
        .collect()
}

impl Selector {
    fn selects(
        &self,
        feature: &cucumber::gherkin::Feature,
        rule: Option<&cucumber::gherkin::Rule>,
        scenario: &cucumber::gherkin::Scenario,
    ) -> bool {
        self.choose(feature, rule, scenario) != Selection::Left
    }

    fn choose(
        &self,
        feature: &cucumber::gherkin::Feature,
        rule: Option<&cucumber::gherkin::Rule>,
        scenario: &cucumber::gherkin::Scenario,
    ) -> Selection {
        if !self.keeps(feature, rule, scenario) {
            return Selection::Left;
        }
        let tags = scenario_tags(feature, rule, scenario);
        if self
            .exclude
            .as_ref()
            .is_some_and(|op| op.eval(tags.iter().copied()))
        {
            return Selection::NotApplicable(format!(
                "excluded on this target by exclude_tags {:?} of {}",
                self.env.exclude_tags.as_deref().unwrap_or_default(),
                self.env.path.display()
            ));
        }
        match lacking(&self.env, &tags) {
            Some(reason) => Selection::NotApplicable(reason),
            None => Selection::Run,
        }
    }

    fn keeps(
        &self,
        feature: &cucumber::gherkin::Feature,
        rule: Option<&cucumber::gherkin::Rule>,
        scenario: &cucumber::gherkin::Scenario,
    ) -> bool {
        let tags = scenario_tags(feature, rule, scenario);
        let included = self
            .include
            .as_ref()
            .is_none_or(|op| op.eval(tags.iter().copied()));
        let named = self.name.as_deref().is_none_or(|n| {
            scenario.name.to_lowercase().contains(n) || feature.name.to_lowercase().contains(n)
        });
        let key = writer::scenario_key(feature, scenario);
        let test_name = format!("{}:{}", key.path, key.line);
        let matches = |f: &String| {
            if self.exact {
                test_name == *f || scenario.name == *f
            } else {
                test_name.contains(f.as_str())
                    || scenario.name.contains(f.as_str())
                    || feature.name.contains(f.as_str())
            }
        };
        let filtered = self.test_filters.is_empty() || self.test_filters.iter().any(matches);
        let skipped = self.skip.iter().any(matches);
        let in_shard = self.shard.is_none_or(|s| s.includes(&key.path, key.line));
        included && named && filtered && !skipped && in_shard
    }

    /// The filters in force, in words, for a run that selected nothing.
    fn describe(&self, options: &RunOptions) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(t) = &options.tags {
            out.push(format!("--tags {t:?}"));
        }
        if let Some(n) = &options.name_filter {
            out.push(format!("--name {n:?} (ignoring case)"));
        }
        for f in &self.test_filters {
            out.push(format!(
                "the test filter {f:?}{}",
                if self.exact { " (--exact)" } else { "" }
            ));
        }
        for f in &self.skip {
            out.push(format!("--skip {f:?}"));
        }
        if let Some(s) = self.shard {
            out.push(format!("--shard {}/{}", s.index, s.count));
        }
        out
    }
}

/// One scenario as a test of a libtest-style listing: `path:line` (a file that does not parse
/// is listed by its path alone, so that running it reports why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedTest {
    pub(crate) name: String,
    /// The scenario's name (empty for a file that does not parse).
    pub(crate) scenario: String,
}

/// The scenarios a run with these options would run, without running anything (no target is
/// started, no report written).
pub fn list(options: &RunOptions) -> Result<Vec<ListedTest>, RunError> {
    let (_, features, selector) = select(options, usize::MAX)?;
    let mut out = Vec::new();
    for feature in features.into_features() {
        match &feature {
            Ok(feature) => {
                for (rule, scenario) in scenarios_of(feature) {
                    if selector.selects(feature, rule, scenario) {
                        let key = writer::scenario_key(feature, scenario);
                        out.push(ListedTest {
                            name: format!("{}:{}", key.path, key.line),
                            scenario: scenario.name.clone(),
                        });
                    }
                }
            }
            Err(cucumber::parser::Error::Parsing(e)) => {
                let path = match &**e {
                    cucumber::gherkin::ParseFileError::Reading { path, .. }
                    | cucumber::gherkin::ParseFileError::Parsing { path, .. } => path,
                };
                out.push(ListedTest {
                    name: path.display().to_string(),
                    scenario: String::new(),
                });
            }
            Err(_) => {}
        }
    }
    Ok(out)
}

type RuleAndScenario<'a> = (
    Option<&'a cucumber::gherkin::Rule>,
    &'a cucumber::gherkin::Scenario,
);

fn scenarios_of(feature: &cucumber::gherkin::Feature) -> impl Iterator<Item = RuleAndScenario<'_>> {
    feature.scenarios.iter().map(|s| (None, s)).chain(
        feature
            .rules
            .iter()
            .flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s))),
    )
}

/// The environment, the plan of the features the paths name (the first ones kept parsed, up
/// to `keep` scenarios) and the scenario filter, checked: a run that selects nothing is an
/// error here unless `allow_empty`.
fn select(
    options: &RunOptions,
    keep: usize,
) -> Result<(Environment, features::Plan, Selector), RunError> {
    let env = Environment::load(&options.env, &options.env_dir)?;
    let include = options.tags.as_deref().map(parse_tags).transpose()?;
    let exclude = env
        .exclude_tags
        .as_deref()
        .map(|t| {
            parse_tags(t).map_err(|e| {
                RunError::Usage(format!("exclude_tags in {}: {e}", env.path.display()))
            })
        })
        .transpose()?;
    let selector = Selector {
        env: Arc::new(env.clone()),
        include,
        exclude,
        name: options.name_filter.as_deref().map(str::to_lowercase),
        test_filters: options.test_filters.clone(),
        skip: options.skip.clone(),
        exact: options.exact,
        shard: options.shard,
    };
    let features = plan(&options.paths, &selector, options, keep)?;
    Ok((env, features, selector))
}

/// Scenarios whose parsed features a run keeps from planning: the files after them are parsed
/// again when the run reaches them. About 3.6 KiB each (P1's scenarios of 14 steps), so that a
/// run of a thousand scenarios parses each file once and a larger one holds at most this many.
const KEEP_PARSED_SCENARIOS: usize = 1_000;

async fn prepare(options: &RunOptions) -> Result<Prepared, RunError> {
    let (env, features, selector) = select(options, KEEP_PARSED_SCENARIOS)?;
    check_report_dir(&options.report_dir)?;
    let base_dir = env.base_dir();
    // One client for the run: building one loads the system's CA certificates.
    let engine = Arc::new(
        HttpEngine::new(&env.tls, &env.http, &base_dir)
            .map_err(|e| RunError::Target(e.to_string()))?,
    );
    let target = target::start(&env, &options.defects, &engine).await?;
    let mut personal: Vec<String> = Vec::new(); // Redactor::new adds DEFAULT_PERSONAL_FIELDS
    personal.extend(env.redact_fields.iter().cloned());
    let redactor = Arc::new(Redactor::new(env.secrets(), personal));
    let base_url = target.base_url.clone();
    let ctx = Arc::new(RunContext {
        issuer: target.issuer.clone(),
        base_url,
        clock: target.clock.clone(),
        virtual_time: target.virtual_time,
        strict: options.strict || env.strict,
        engine,
        env,
        redactor,
        cache: ProviderCache::default(),
        collector: Collector::default(),
    });
    Ok(Prepared {
        ctx,
        target,
        features,
        selector,
    })
}

/// What planning counted of the features, for [`check_not_empty`] and the console.
#[derive(Debug, Default)]
struct Tally {
    files: usize,
    /// Files that do not parse.
    errors: usize,
    scenarios: usize,
    selected: usize,
    /// Selected scenarios as the console counts them (an outline's row once per example row).
    counted: usize,
}

impl Tally {
    fn add(&mut self, feature: &cucumber::gherkin::Feature, selector: &Selector) {
        for (rule, scenario) in scenarios_of(feature) {
            self.scenarios += 1;
            if selector.selects(feature, rule, scenario) {
                self.selected += 1;
                let rows: usize = scenario
                    .examples
                    .iter()
                    .filter_map(|e| e.table.as_ref())
                    .map(|t| t.rows.len().saturating_sub(1))
                    .sum();
                self.counted += rows.max(1);
            }
        }
    }
}

/// A run that selects no scenario says why instead of passing with `0 passed, 0 failed`. A run
/// with a feature that does not parse goes on: it fails, naming the file.
fn check_not_empty(
    tally: &Tally,
    selector: &Selector,
    options: &RunOptions,
) -> Result<(), RunError> {
    if tally.errors > 0 || tally.selected > 0 {
        return Ok(());
    }
    let paths = if options.paths.is_empty() {
        "features".to_string()
    } else {
        options
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let holds = if options.paths.len() > 1 {
        "hold"
    } else {
        "holds"
    };
    let why = if tally.files == 0 {
        format!("{paths} {holds} no .feature file")
    } else if tally.scenarios == 0 {
        format!(
            "the {} feature file(s) in {paths} hold no scenario",
            tally.files
        )
    } else {
        format!(
            "none of the {} scenario(s) in {paths} passes the filters in force: {}",
            tally.scenarios,
            selector.describe(options).join(", ")
        )
    };
    Err(RunError::Usage(format!(
        "no scenario selected: {why}; pass --allow-empty (IDFLOW_ALLOW_EMPTY=1 for cargo test) if an empty run is what you want"
    )))
}

/// A `@needs:` tag naming no known capability is a usage error at its file and line.
fn check_capability_tags(feature: &cucumber::gherkin::Feature) -> Result<(), RunError> {
    let path = writer::feature_path(feature);
    let feature_tags = feature.tags.iter().map(|t| (t, feature.position.line));
    let rule_tags = feature
        .rules
        .iter()
        .flat_map(|r| r.tags.iter().map(|t| (t, r.position.line)));
    let scenario_tags =
        scenarios_of(feature).flat_map(|(_, s)| s.tags.iter().map(|t| (t, s.position.line)));
    for (tag, line) in feature_tags.chain(rule_tags).chain(scenario_tags) {
        if let Some(Err(e)) = Capability::from_tag(tag) {
            return Err(RunError::Usage(format!("{path}:{line}: {e}")));
        }
    }
    Ok(())
}

/// The report directory is created and written to before anything runs, so that a run never
/// ends without its reports for want of a writable place.
fn check_report_dir(dir: &Path) -> Result<(), RunError> {
    let fail = |e: std::io::Error| {
        RunError::Usage(format!(
            "cannot write reports to {}: {e}; pass --report-dir with a writable directory",
            dir.display()
        ))
    };
    if dir.exists() && !dir.is_dir() {
        return Err(fail(std::io::Error::other("it is a file, not a directory")));
    }
    std::fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(format!(".idflow-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(fail)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The plan of the features the paths name: each file read, checked and parsed once (see
/// [`features`]), counted, and kept parsed while fewer than `keep` scenarios are kept (the
/// first file always is); the files after that are parsed again when the run reaches them. A
/// path that does not exist, a `PATH:LINE` that selects nothing or an unknown `@needs:` tag is
/// a usage error, in that order; a file that does not parse stays in the plan as an error,
/// which the run reports against that file. A run that selects nothing is an error unless
/// `allow_empty`.
fn plan(
    paths: &[PathBuf],
    selector: &Selector,
    options: &RunOptions,
    keep: usize,
) -> Result<features::Plan, RunError> {
    let files = features::resolve(paths).map_err(RunError::Usage)?;
    let mut planned = Vec::with_capacity(files.len());
    let mut tally = Tally {
        files: files.len(),
        ..Tally::default()
    };
    let mut unknown_tag = None;
    let mut kept = 0;
    for file in files {
        let parsed = match features::load(&file) {
            Ok(feature) => {
                if unknown_tag.is_none() {
                    unknown_tag = check_capability_tags(&feature).err();
                }
                tally.add(&feature, selector);
                Ok(feature)
            }
            Err(features::LoadError::Selection(message)) => return Err(RunError::Usage(message)),
            Err(e) => {
                tally.errors += 1;
                Err(e.into_parser_error())
            }
        };
        let parsed = match parsed {
            Ok(feature) if kept >= keep => {
                drop(feature);
                None
            }
            Ok(feature) => {
                kept += scenarios_of(&feature).count();
                Some(Ok(feature))
            }
            Err(e) => Some(Err(e)),
        };
        planned.push(features::Planned { file, parsed });
    }
    if let Some(e) = unknown_tag {
        return Err(e);
    }
    if !options.allow_empty {
        check_not_empty(&tally, selector, options)?;
    }
    Ok(features::Plan {
        files: planned,
        scenarios: tally.counted,
    })
}

fn parse_tags(expr: &str) -> Result<cucumber::gherkin::tagexpr::TagOperation, RunError> {
    expr.parse().map_err(|e| {
        RunError::Usage(format!(
            "invalid tag expression {expr:?}: {e}; write for example `@oidc and not @slow`"
        ))
    })
}

async fn execute(
    options: RunOptions,
    prepared: Prepared,
    started: SystemTime,
    clock_start: Instant,
    interrupt: interrupt::Interrupt,
) -> RunOutcome {
    let Prepared {
        ctx,
        target,
        features,
        selector,
    } = prepared;

    let cli = cucumber::cli::Opts::<
        cucumber::cli::Empty,
        cucumber::runner::basic::Cli,
        cucumber::cli::Empty,
        cucumber::cli::Empty,
    >::default();
    let total = features.scenarios;
    let console = console::Console::stdout(Some(total), options.quiet);
    let before_ctx = ctx.clone();
    let evidence = crate::report::stream::Evidence::spilling(&options.report_dir);
    let writer = ReportWriter::new(ctx.clone(), console, evidence);
    let handle = writer.handle();
    // Scenarios stopped at the gate after an interrupt, before their first step.
    let held: Arc<std::sync::Mutex<HashSet<ScenarioKey>>> = Arc::default();
    let gate = (interrupt.clone(), held.clone());
    // Features go to cucumber as its executor needs them: twice the concurrency's worth of
    // scenarios may wait to start beyond those running.
    let window = features::Window::new(2 * options.concurrency.max(1));
    let on_start = window.clone();
    let not_applicable: Arc<std::sync::Mutex<Vec<NotRun>>> = Arc::default();
    let found = not_applicable.clone();
    let parser = features::Lazy::new(
        features,
        window,
        Box::new(move |feature| keep_selected(feature, &selector, &found)),
    );
    // Not `IdflowWorld::cucumber()`: it builds cucumber's own collection, compiling every
    // step's regex, and `dispatch::collection()` replaces it right away.
    let cucumber = cucumber::Cucumber::<IdflowWorld, _, PathBuf, _, _>::new()
        .with_parser::<_, ()>(parser)
        .steps(dispatch::collection())
        .with_writer(writer)
        .with_cli(cli)
        .max_concurrent_scenarios(options.concurrency.max(1))
        .retries((options.retries > 0).then_some(options.retries))
        .before(move |feature, _rule, scenario, world| {
            on_start.started();
            let key = scenario_key(feature, scenario);
            if gate.0.signal().is_some() {
                // Interrupted: this scenario never starts (the run future is dropped).
                gate.1.lock().unwrap_or_else(|e| e.into_inner()).insert(key);
                return futures::future::pending().boxed_local();
            }
            world.attach(before_ctx.clone(), key);
            async {}.boxed_local()
        })
        .after(|_feature, _rule, _scenario, _finished, world| {
            if let Some(w) = world {
                w.detach();
            }
            async {}.boxed_local()
        });
    crate::logs::init();
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let run = cucumber.run(());
    let interrupted = run_until_interrupted(Box::pin(run), &interrupt, &handle, &held).await;
    std::panic::set_hook(previous_hook);
    let found = std::mem::take(&mut *not_applicable.lock().unwrap_or_else(|e| e.into_inner()));
    for (feature, rule, scenario, reason) in found {
        handle.not_applicable(&feature, rule.as_ref(), &scenario, reason);
    }
    if let Some(signal) = interrupted {
        let held = held.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let cut = handle.interrupt(signal.name(), &held);
        let ran = handle.scenarios();
        handle.run_error(ReportedError {
            location: signal.name().to_string(),
            message: format!(
                "interrupted by {} after {} of {total} scenarios finished; {cut} cut short (failed), {} not started",
                signal.name(),
                ran - cut,
                total.saturating_sub(ran)
            ),
        });
    }
    let (mut report, evidence, console) = handle.into_parts();
    report.environment = ctx.env.name.clone();
    report.target = target.description.clone();
    report.commit = git_commit();
    report.tags = options.tags.clone();
    report.started_at_ms = epoch_ms(started);
    report.duration_ms = clock_start.elapsed().as_secs_f64() * 1000.0;
    drop(target);
    crate::report::redact_run_errors(&mut report, &ctx.redactor);
    let history_path = options
        .history
        .clone()
        .unwrap_or_else(|| options.report_dir.join(crate::report::history::FILE_NAME));
    let (history, problem, unsaved) =
        crate::report::history::record(&history_path, &report, &evidence);
    if let Some(p) = problem {
        eprintln!("warning: {p}; starting a new history");
    }
    if let Some(e) = unsaved {
        eprintln!("warning: {e}");
    }
    report.history = Some(history.settled());
    if let Some(dir) = &options.allure
        && let Err(e) = crate::report::allure::write_streamed(&report, &evidence, dir)
    {
        report.errors.push(ReportedError {
            location: dir.display().to_string(),
            message: e.to_string(),
        });
    }
    let report_files = match crate::report::stream::write(&report, &evidence, &options.report_dir) {
        Ok(files) => files,
        Err(e) => {
            report.errors.push(ReportedError {
                location: options.report_dir.display().to_string(),
                message: e.to_string(),
            });
            Vec::new()
        }
    };
    let index = report_files.iter().find(|p| p.ends_with("index.html"));
    console.finish(&report, index.map(PathBuf::as_path));
    if let Some(line) = warnings_line(&report, &evidence) {
        println!("{line}");
    }
    // The spill folder goes with it.
    drop(evidence);
    println!("{}", summary_line(&report));
    RunOutcome {
        report,
        report_files,
        interrupted,
    }
}

/// A scenario the run reports not applicable, with what its report needs of its feature and
/// rule (their scenarios left out) and the reason.
type NotRun = (
    Arc<cucumber::gherkin::Feature>,
    Option<cucumber::gherkin::Rule>,
    cucumber::gherkin::Scenario,
    String,
);

/// The feature with only the scenarios the selector runs (its rules kept, also when they are
/// left empty, as cucumber's own filter does); those not applicable go to `found`.
fn keep_selected(
    mut feature: cucumber::gherkin::Feature,
    selector: &Selector,
    found: &std::sync::Mutex<Vec<NotRun>>,
) -> cucumber::gherkin::Feature {
    let scenarios = std::mem::take(&mut feature.scenarios);
    let mut rules = std::mem::take(&mut feature.rules);
    let mut not_run = Vec::new();
    let mut kept = Vec::with_capacity(scenarios.len());
    for s in scenarios {
        match selector.choose(&feature, None, &s) {
            Selection::Run => kept.push(s),
            Selection::Left => {}
            Selection::NotApplicable(reason) => not_run.push((None, s, reason)),
        }
    }
    for rule in &mut rules {
        let scenarios = std::mem::take(&mut rule.scenarios);
        let bare = rule.clone();
        for s in scenarios {
            match selector.choose(&feature, Some(&bare), &s) {
                Selection::Run => rule.scenarios.push(s),
                Selection::Left => {}
                Selection::NotApplicable(reason) => not_run.push((Some(bare.clone()), s, reason)),
            }
        }
    }
    if !not_run.is_empty() {
        let bare = Arc::new(feature.clone());
        let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
        found.extend(
            not_run
                .into_iter()
                .map(|(rule, s, reason)| (bare.clone(), rule, s, reason)),
        );
    }
    feature.scenarios = kept;
    feature.rules = rules;
    feature
}

/// Drives cucumber's run future to its end, or, once `interrupt` fires, until the scenarios
/// running then have finished or the grace period is over; then drops it (which drops the
/// scenarios still running). Returns the signal when there was one.
async fn run_until_interrupted<F: std::future::Future>(
    mut run: std::pin::Pin<Box<F>>,
    interrupt: &interrupt::Interrupt,
    handle: &writer::WriterHandle,
    held: &std::sync::Mutex<HashSet<ScenarioKey>>,
) -> Option<interrupt::Signal> {
    let signal = tokio::select! {
        biased;
        _ = &mut run => return None,
        signal = interrupt.wait() => signal,
    };
    let drained = async {
        loop {
            // The run future is polled meanwhile, so the writer sees the latest events.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            let held = held.lock().unwrap_or_else(|e| e.into_inner()).clone();
            if handle.in_flight(&held) == 0 {
                return;
            }
        }
    };
    tokio::select! {
        _ = &mut run => {}
        () = drained => {}
        () = tokio::time::sleep(interrupt::grace()) => {}
    }
    drop(run);
    Some(signal)
}

fn git_commit() -> Option<String> {
    if let Ok(c) = std::env::var("IDFLOW_COMMIT")
        .or_else(|_| std::env::var("CI_COMMIT_SHA"))
        .or_else(|_| std::env::var("GITHUB_SHA"))
    {
        return Some(c);
    }
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_falls_in_exactly_one_shard() {
        let shards: Vec<Shard> = (1..=3).map(|i| Shard { index: i, count: 3 }).collect();
        let mut sizes = [0usize; 3];
        for line in 1..=300 {
            let owners: Vec<usize> = shards
                .iter()
                .filter(|s| s.includes("features/x.feature", line))
                .map(|s| s.index)
                .collect();
            assert_eq!(owners.len(), 1, "line {line} is in shards {owners:?}");
            sizes[owners[0] - 1] += 1;
        }
        assert!(
            sizes.iter().all(|n| *n > 60),
            "shards are unbalanced: {sizes:?}"
        );
    }

    #[test]
    fn shard_syntax_is_explained() {
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        for bad in ["0/2", "3/2", "x/2", "2"] {
            assert!(bad.parse::<Shard>().unwrap_err().contains("I/N"), "{bad}");
        }
    }

    fn suite(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("idflow-plan-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in files {
            std::fs::write(dir.join(file), text).unwrap();
        }
        dir
    }

    fn options(paths: Vec<PathBuf>, env: &str) -> RunOptions {
        RunOptions {
            paths,
            env: env.into(),
            env_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../environments")),
            ..RunOptions::default()
        }
    }

    const TWO: &str = "Feature: Two\n  Scenario: one\n    Given the client \"web\"\n  @needs:mobileid\n  Scenario: two\n    Given the client \"web\"\n";

    #[test]
    fn the_plan_keeps_the_first_features_parsed_and_counts_them_all() {
        let dir = suite(
            "keep",
            &[("a.feature", TWO), ("b.feature", TWO), ("c.feature", TWO)],
        );
        let (_, plan, _) = select(&options(vec![dir.clone()], "simulator"), 3).unwrap();
        let kept: Vec<bool> = plan.files.iter().map(|f| f.parsed.is_some()).collect();
        assert_eq!(
            kept,
            vec![true, true, false],
            "kept while fewer than 3 are kept"
        );
        // Every scenario counts, parsed or not: the console's total and an interrupted run's
        // "not started" cover the files the run had not reached.
        assert_eq!(plan.scenarios, 6);
        let names: Vec<String> = plan
            .into_features()
            .map(|f| f.unwrap().scenarios.len().to_string())
            .collect();
        assert_eq!(names, vec!["2", "2", "2"], "the third file is parsed again");
        // Selection still happens over every file before the run.
        let mut none = options(vec![dir.clone()], "simulator");
        none.tags = Some("@nothing".into());
        let err = select(&none, 0).unwrap_err().to_string();
        assert!(
            err.contains("none of the 6 scenario(s)") && err.contains("--tags"),
            "{err}"
        );
        let missing = options(vec![dir.join("a.feature:99")], "simulator");
        let err = select(&missing, 0).unwrap_err().to_string();
        assert!(
            err.contains("no scenario is at or contains line 99"),
            "{err}"
        );
    }

    #[test]
    fn a_feature_is_handed_over_with_the_scenarios_that_run_and_the_others_are_reported() {
        let dir = suite("keep-selected", &[("a.feature", TWO)]);
        let (_, plan, selector) = select(&options(vec![dir], "oidc-provider-stock"), 0).unwrap();
        assert_eq!(plan.scenarios, 2, "a scenario not applicable is counted");
        let feature = plan.into_features().next().unwrap().unwrap();
        let found = std::sync::Mutex::new(Vec::new());
        let feature = keep_selected(feature, &selector, &found);
        let names: Vec<&str> = feature.scenarios.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["one"]);
        let found = found.into_inner().unwrap();
        assert_eq!(found.len(), 1);
        let (bare, _, scenario, reason) = &found[0];
        assert_eq!(scenario.name, "two");
        assert!(reason.contains("needs `mobileid`"), "{reason}");
        assert!(
            bare.scenarios.is_empty(),
            "the report keeps no copy of the other scenarios"
        );
        assert_eq!(bare.name, "Two");
    }
}
