//! The cucumber writer that turns the run's event stream into the [`RunReport`], printing a
//! line per scenario as it finishes. A finished scenario's evidence goes to the run's
//! [`Evidence`] (spilled to disk unless it failed); the report keeps what the reports' totals
//! need.
//!
//! Events give the structure (features, scenarios, steps) and each step's status; the evidence
//! comes from the scenario's record, handed over by its world when it finishes, with one
//! record per step in the order the steps started. The n-th step that started owns the n-th
//! record: nothing is matched by time.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use cucumber::event::{
    self, Cucumber, Feature, RetryableScenario, Rule, Scenario, Source, StepError,
};
use cucumber::gherkin;
use cucumber::{Event, Writer, parser};

use crate::catalogue;
use crate::context::{RunContext, ScenarioKey};
use crate::record::ScenarioRecord;
use crate::report::model::{
    FeatureReport, RunError, RunReport, ScenarioReport, Status, StepReport,
};
use crate::report::stream::Evidence;
use crate::runner::dispatch::StepProblem;
use crate::world::IdflowWorld;

/// Where a feature file is, relative to the working directory when possible.
pub fn feature_path(feature: &gherkin::Feature) -> String {
    match &feature.path {
        Some(path) => relative(path),
        None => feature.name.clone(),
    }
}

/// The key of a scenario in the collector.
pub fn scenario_key(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> ScenarioKey {
    ScenarioKey {
        path: feature_path(feature),
        line: scenario.position.line,
    }
}

struct Running {
    feature: usize,
    /// The scenario as the feature has it, to complete an interrupted scenario's steps.
    source: (
        Source<gherkin::Feature>,
        Option<Source<gherkin::Rule>>,
        Source<gherkin::Scenario>,
    ),
    report: ScenarioReport,
    started: SystemTime,
    step_started: Vec<SystemTime>,
    /// Where in `report.steps` each step that started is, in start order (hooks excluded):
    /// the n-th of them owns the n-th step record.
    positions: Vec<usize>,
}

/// Builds the report from events. Its state is shared with [`WriterHandle`]s: the writer
/// lives inside cucumber's run future, and an interrupted run drops that future but still
/// writes the report of what finished.
pub struct ReportWriter {
    state: Arc<Mutex<WriterState>>,
}

/// The report being built, outside cucumber's run future.
#[derive(Clone)]
pub struct WriterHandle(Arc<Mutex<WriterState>>);

struct WriterState {
    ctx: Arc<RunContext>,
    report: RunReport,
    features: HashMap<String, usize>,
    /// Where each reported scenario is in its feature's list, by feature index and line: a
    /// later attempt replaces the earlier one without a search through the feature.
    positions: HashMap<(usize, usize), usize>,
    /// Looked up at every event: FxHash, not SipHash.
    running: rustc_hash::FxHashMap<ScenarioKey, Running>,
    console: super::console::Console,
    evidence: Evidence,
}

impl ReportWriter {
    /// A writer for a run, printing to `console`, keeping finished scenarios' evidence in
    /// `evidence`.
    pub fn new(ctx: Arc<RunContext>, console: super::console::Console, evidence: Evidence) -> Self {
        Self {
            state: Arc::new(Mutex::new(WriterState {
                ctx,
                report: RunReport::default(),
                features: HashMap::new(),
                positions: HashMap::new(),
                running: rustc_hash::FxHashMap::default(),
                console,
                evidence,
            })),
        }
    }

    /// A handle on the report this writer builds.
    pub fn handle(&self) -> WriterHandle {
        WriterHandle(self.state.clone())
    }

    fn state(&self) -> MutexGuard<'_, WriterState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl WriterHandle {
    fn state(&self) -> MutexGuard<'_, WriterState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The finished report, its scenarios' evidence, and the console for the run's recap.
    /// Call it once the writer is gone (cucumber's run future finished or was dropped).
    pub fn into_parts(self) -> (RunReport, Evidence, super::console::Console) {
        let state = match Arc::try_unwrap(self.0) {
            Ok(state) => state.into_inner().unwrap_or_else(|e| e.into_inner()),
            Err(_) => panic!("WriterHandle::into_parts while the writer or another handle lives"),
        };
        let mut report = state.report;
        for f in &mut report.features {
            f.scenarios.sort_by_key(|s| s.line);
        }
        (report, state.evidence, state.console)
    }

    /// Reports a scenario the run did not start because the target lacks a capability it
    /// needs (see [`WriterState::not_applicable`]).
    pub fn not_applicable(
        &self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        scenario: &gherkin::Scenario,
        reason: String,
    ) {
        self.state().not_applicable(feature, rule, scenario, reason);
    }

    /// How many scenarios the report holds.
    pub fn scenarios(&self) -> usize {
        self.state()
            .report
            .features
            .iter()
            .map(|f| f.scenarios.len())
            .sum()
    }

    /// Adds a problem outside any scenario to the report.
    pub fn run_error(&self, error: RunError) {
        self.state().report.errors.push(error);
    }

    /// How many scenarios started and have not finished, leaving out those in `held` (stopped
    /// before their first step).
    pub fn in_flight(&self, held: &HashSet<ScenarioKey>) -> usize {
        self.state()
            .running
            .keys()
            .filter(|k| !held.contains(*k))
            .count()
    }

    /// Ends the report where an interrupt by `signal` (`SIGINT`) left it: every scenario
    /// still running fails, the step it was at (or the next one) with `interrupted by
    /// SIGINT`, the steps after it skipped, with the evidence recorded so far; those in `held`
    /// never ran a step and are left out. Returns how many scenarios were cut short.
    pub fn interrupt(&self, signal: &str, held: &HashSet<ScenarioKey>) -> usize {
        self.state().interrupt(signal, held)
    }
}

impl WriterState {
    /// Reports a scenario the run did not start because the target lacks a capability it
    /// needs: skipped, every step listed as skipped, with the reason.
    pub fn not_applicable(
        &mut self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        scenario: &gherkin::Scenario,
        reason: String,
    ) {
        let fi = self.feature_index(feature);
        let background = feature
            .background
            .iter()
            .chain(rule.and_then(|r| r.background.as_ref()))
            .flat_map(|b| b.steps.iter().map(|s| (s, true)));
        let steps = background
            .chain(scenario.steps.iter().map(|s| (s, false)))
            .map(|(step, background)| StepReport {
                status: Some(Status::Skipped),
                ..step_report(step, background)
            })
            .collect();
        let report = ScenarioReport {
            name: scenario.name.clone(),
            keyword: scenario.keyword.clone(),
            line: scenario.position.line,
            rule: rule.map(|r| r.name.clone()),
            tags: scenario_tags(feature, rule, scenario),
            status: Some(Status::Skipped),
            steps,
            not_applicable: Some(reason),
            ..Default::default()
        };
        let key = scenario_key(feature, scenario);
        self.console
            .scenario(&format!("{}:{}", key.path, key.line), &report, None);
        self.put(fi, report);
    }

    fn feature_index(&mut self, feature: &gherkin::Feature) -> usize {
        let path = feature_path(feature);
        if let Some(i) = self.features.get(&path) {
            return *i;
        }
        let tags = feature.tags.iter().map(|t| format!("@{t}")).collect();
        self.report.features.push(FeatureReport {
            name: feature.name.clone(),
            path: path.clone(),
            description: feature.description.clone(),
            tags,
            line: feature.position.line,
            scenarios: Vec::new(),
        });
        let i = self.report.features.len() - 1;
        self.features.insert(path, i);
        i
    }

    fn on_scenario(
        &mut self,
        at: SystemTime,
        feature: &Source<gherkin::Feature>,
        rule: Option<&Source<gherkin::Rule>>,
        scenario: &Source<gherkin::Scenario>,
        ev: RetryableScenario<IdflowWorld>,
    ) {
        let key = scenario_key(feature, scenario);
        let source = (feature.clone(), rule.cloned(), scenario.clone());
        let rule = rule.map(|r| &**r);
        if matches!(ev.event, Scenario::Started) {
            let fi = self.feature_index(feature);
            let tags = scenario_tags(feature, rule, scenario);
            let report = ScenarioReport {
                name: scenario.name.clone(),
                keyword: scenario.keyword.clone(),
                line: scenario.position.line,
                rule: rule.map(|r| r.name.clone()),
                tags,
                retries: ev.retries.map(|r| r.current).unwrap_or_default(),
                ..Default::default()
            };
            self.running.insert(
                key,
                Running {
                    feature: fi,
                    source,
                    report,
                    started: at,
                    step_started: Vec::new(),
                    positions: Vec::new(),
                },
            );
            return;
        }
        let Some(run) = self.running.get_mut(&key) else {
            return;
        };
        match ev.event {
            Scenario::Started => {}
            Scenario::Background(step, se) => step_event(run, at, &key, &step, true, se),
            Scenario::Step(step, se) => step_event(run, at, &key, &step, false, se),
            Scenario::Hook(which, event::Hook::Failed(_, info)) => {
                let mut hook = StepReport {
                    keyword: format!("{which:?} hook"),
                    status: Some(Status::Failed),
                    ..Default::default()
                };
                hook.record.error = Some(panic_text(&info));
                run.report.steps.push(hook);
                run.step_started.push(at);
            }
            Scenario::Hook(..) => {}
            Scenario::Log(line) => run.report.logs.push(line.trim_end().to_string()),
            Scenario::Finished => {
                let Some(mut run) = self.running.remove(&key) else {
                    return;
                };
                let capture = self.ctx.collector.take(&key);
                let redactor = capture
                    .redactor
                    .unwrap_or_else(|| Arc::new(self.ctx.redactor.scoped()));
                run.report.duration_ms = ms_between(run.started, at);
                run.report.status = Some(verdict(&run.report.steps));
                attach_record(&mut run, capture.record, &redactor);
                add_skipped_steps(&mut run.report.steps, feature, rule, scenario);
                let attempt = ev.retries.map(|r| super::console::Attempt {
                    number: r.current + 1,
                    of: r.current + r.left + 1,
                });
                self.console
                    .scenario(&format!("{}:{}", key.path, key.line), &run.report, attempt);
                self.keep(run);
            }
        }
    }

    /// Puts a finished scenario into the report, its evidence into the run's [`Evidence`]: a
    /// retried scenario's later attempt replaces the earlier one.
    fn keep(&mut self, run: Running) {
        let kept = self.evidence.keep(run.feature, run.report);
        self.put(run.feature, kept);
    }

    /// Adds `s` to feature `fi`'s scenarios, in place of an earlier attempt at the same line.
    fn put(&mut self, fi: usize, s: ScenarioReport) {
        let scenarios = &mut self.report.features[fi].scenarios;
        match self.positions.get(&(fi, s.line)) {
            Some(&i) => scenarios[i] = s,
            None => {
                self.positions.insert((fi, s.line), scenarios.len());
                scenarios.push(s);
            }
        }
    }

    fn interrupt(&mut self, signal: &str, held: &HashSet<ScenarioKey>) -> usize {
        let mut running: Vec<(ScenarioKey, Running)> = self.running.drain().collect();
        running.sort_by(|a, b| (&a.0.path, a.0.line).cmp(&(&b.0.path, b.0.line)));
        let mut cut = 0;
        for (key, mut run) in running {
            if held.contains(&key) {
                continue;
            }
            cut += 1;
            let at = SystemTime::now();
            let (feature, rule, scenario) = run.source.clone();
            // The step in progress: started, with no result.
            let current = run
                .positions
                .iter()
                .copied()
                .find(|&i| run.report.steps[i].status.is_none());
            if let Some(i) = current {
                let step = &mut run.report.steps[i];
                step.status = Some(Status::Failed);
                step.duration_ms = ms_between(run.step_started.get(i).copied().unwrap_or(at), at);
                step.record.error =
                    Some(format!("interrupted by {signal} before this step finished"));
            }
            let capture = self.ctx.collector.take(&key);
            let redactor = capture
                .redactor
                .unwrap_or_else(|| Arc::new(self.ctx.redactor.scoped()));
            attach_record(&mut run, capture.record, &redactor);
            add_skipped_steps(&mut run.report.steps, &feature, rule.as_deref(), &scenario);
            if current.is_none() {
                let message = format!("interrupted by {signal} before this step started");
                match run
                    .report
                    .steps
                    .iter_mut()
                    .find(|s| s.status.is_none() || s.status == Some(Status::Skipped))
                {
                    Some(next) => {
                        next.status = Some(Status::Failed);
                        next.record.error = Some(message);
                    }
                    None => {
                        let mut step = StepReport {
                            keyword: "Interrupted ".into(),
                            text: format!("by {signal}"),
                            status: Some(Status::Failed),
                            ..Default::default()
                        };
                        step.record.error = Some(message);
                        run.report.steps.push(step);
                    }
                }
            }
            run.report.duration_ms = ms_between(run.started, at);
            run.report.status = Some(Status::Failed);
            self.console
                .scenario(&format!("{}:{}", key.path, key.line), &run.report, None);
            self.keep(run);
        }
        cut
    }
}

/// A scenario's own tags and those it inherits, with the leading `@`.
fn scenario_tags(
    feature: &gherkin::Feature,
    rule: Option<&gherkin::Rule>,
    scenario: &gherkin::Scenario,
) -> Vec<String> {
    let rule_tags = rule.iter().flat_map(|r| r.tags.iter());
    feature
        .tags
        .iter()
        .chain(rule_tags)
        .chain(scenario.tags.iter())
        .map(|t| format!("@{t}"))
        .collect()
}

fn step_event(
    run: &mut Running,
    at: SystemTime,
    key: &ScenarioKey,
    step: &gherkin::Step,
    background: bool,
    ev: event::Step<IdflowWorld>,
) {
    let find = |run: &mut Running| {
        run.report
            .steps
            .iter()
            .rposition(|s| s.line == step.position.line && s.background == background)
    };
    match ev {
        event::Step::Started => {
            run.report.steps.push(step_report(step, background));
            run.positions.push(run.report.steps.len() - 1);
            run.step_started.push(at);
        }
        event::Step::Passed(_, loc) => {
            if let Some(i) = find(run) {
                finish_step(run, i, Status::Passed, loc, at);
            }
        }
        event::Step::Skipped => {
            if let Some(i) = find(run) {
                let s = &mut run.report.steps[i];
                s.status = Some(Status::Undefined);
                s.record.error = Some(undefined_message(key, step));
            }
        }
        event::Step::Failed(_, loc, _, err) => {
            if let Some(i) = find(run) {
                let s = finish_step(run, i, Status::Failed, loc, at);
                s.record.error = Some(match err {
                    StepError::Panic(info) => match info.downcast_ref::<StepProblem>() {
                        Some(StepProblem::Undefined) => {
                            s.status = Some(Status::Undefined);
                            undefined_message(key, step)
                        }
                        Some(StepProblem::Ambiguous(locations)) => format!(
                            "ambiguous step `{}` at {}:{}: it matches the definitions at {}\n  hint: reword the step so only one definition matches",
                            step.value,
                            key.path,
                            step.position.line,
                            locations.join(", ")
                        ),
                        Some(StepProblem::UnexpectedArgument(what, location)) => format!(
                            "the step `{}` at {}:{} has {what} below it, but its definition at {location} takes none: it would be ignored\n  hint: remove it, or use a step that reads it (`idflow steps` lists them)",
                            step.value, key.path, step.position.line
                        ),
                        None => panic_text(&info),
                    },
                    StepError::NotFound => format!(
                        "undefined step `{}` at {}:{}",
                        step.value, key.path, step.position.line
                    ),
                    StepError::AmbiguousMatch(e) => format!(
                        "ambiguous step `{}` at {}:{}: {e}\n  hint: reword the step so only one definition matches",
                        step.value, key.path, step.position.line
                    ),
                });
            }
        }
    }
}

fn panic_text(info: &event::Info) -> String {
    info.downcast_ref::<String>()
        .cloned()
        .or_else(|| info.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "the step panicked without a message".into())
}

/// A step as the feature writes it, with no status or evidence yet.
fn step_report(step: &gherkin::Step, background: bool) -> StepReport {
    StepReport {
        keyword: step.keyword.clone(),
        text: step.value.clone(),
        line: step.position.line,
        background,
        docstring: step.docstring.clone(),
        table: step.table.as_ref().map(|t| t.rows.clone()),
        ..Default::default()
    }
}

/// Sets a finished step's status, definition and duration.
fn finish_step(
    run: &mut Running,
    i: usize,
    status: Status,
    loc: Option<cucumber::step::Location>,
    at: SystemTime,
) -> &mut StepReport {
    let started = run.step_started.get(i).copied().unwrap_or(at);
    let s = &mut run.report.steps[i];
    s.status = Some(status);
    if let Some(l) = loc {
        s.record.definition = Some(crate::runner::dispatch::location_text(&l));
    }
    s.duration_ms = ms_between(started, at);
    s
}

fn undefined_message(key: &ScenarioKey, step: &gherkin::Step) -> String {
    let suggestions = catalogue::closest(&step.value, 3)
        .into_iter()
        .map(|s| format!("    {s}"))
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "undefined step: no step definition matches `{}{}` at {}:{}\n  closest known steps:\n{suggestions}\n  hint: the README's step catalogue lists every step; a project can add its own",
        step.keyword, step.value, key.path, step.position.line
    )
}

/// Puts the scenario's record under its steps: the n-th step that started gets the n-th step
/// record. The failure messages the events carried join their step's record first, so that
/// the one redaction pass over the record covers them too.
fn attach_record(
    run: &mut Running,
    mut record: ScenarioRecord,
    redactor: &crate::redact::Redactor,
) {
    if record.steps.len() < run.positions.len() {
        record
            .steps
            .resize_with(run.positions.len(), Default::default);
    }
    for (n, &pos) in run.positions.iter().enumerate() {
        let step = &mut run.report.steps[pos].record;
        if let Some(error) = step.error.take() {
            record.steps[n].error = Some(error);
        }
        if record.steps[n].definition.is_none() {
            record.steps[n].definition = step.definition.take();
        }
    }
    redactor.redact_record(&mut record);
    to_report_places(&mut record, &run.positions);
    // A failed hook's message is the only evidence outside the steps' records.
    for (i, step) in run.report.steps.iter_mut().enumerate() {
        if !run.positions.contains(&i)
            && let Some(error) = &mut step.record.error
        {
            redactor.redact_in_place(error);
        }
    }
    let mut steps = record.steps.into_iter();
    for &pos in &run.positions {
        if let Some(step) = steps.next() {
            run.report.steps[pos].record = step;
        }
    }
    // Evidence made after the last step (an after hook) stays with the last step.
    if let Some(&last) = run.positions.last() {
        for rest in steps {
            let target = &mut run.report.steps[last].record;
            target.exchanges.extend(rest.exchanges);
            target.tokens.extend(rest.tokens);
            target.timelines.extend(rest.timelines);
            target.checks.extend(rest.checks);
        }
    }
    run.report.logs.extend(record.logs);
}

/// The steps that never started (those after a failure) join the report as skipped, with their
/// text, in the order the feature has them: background steps, then the scenario's.
fn add_skipped_steps(
    steps: &mut Vec<StepReport>,
    feature: &gherkin::Feature,
    rule: Option<&gherkin::Rule>,
    scenario: &gherkin::Scenario,
) {
    let background = feature
        .background
        .iter()
        .chain(rule.and_then(|r| r.background.as_ref()))
        .flat_map(|b| b.steps.iter().map(|s| (s, true)));
    let all: Vec<(&gherkin::Step, bool)> = background
        .chain(scenario.steps.iter().map(|s| (s, false)))
        .collect();
    let started = |step: &gherkin::Step, bg: bool, steps: &[StepReport]| {
        steps.iter().any(|s| {
            s.line == step.position.line && s.background == bg && !s.keyword.ends_with("hook")
        })
    };
    if all.iter().all(|(st, bg)| started(st, *bg, steps)) {
        return;
    }
    // Hooks stay where they were (a failed before hook first, an after hook last).
    let (before, rest): (Vec<StepReport>, Vec<StepReport>) = std::mem::take(steps)
        .into_iter()
        .partition(|s| s.keyword.starts_with("Before"));
    let (after, mut ran): (Vec<StepReport>, Vec<StepReport>) =
        rest.into_iter().partition(|s| s.keyword.ends_with("hook"));
    let mut out = before;
    for (step, bg) in all {
        match ran
            .iter()
            .position(|s| s.line == step.position.line && s.background == bg)
        {
            Some(i) => out.push(ran.remove(i)),
            None => out.push(StepReport {
                keyword: step.keyword.clone(),
                text: step.value.clone(),
                line: step.position.line,
                background: bg,
                docstring: step.docstring.clone(),
                table: step.table.as_ref().map(|t| t.rows.clone()),
                status: Some(Status::Skipped),
                ..Default::default()
            }),
        }
    }
    out.extend(ran);
    out.extend(after);
    *steps = out;
}

fn verdict(steps: &[StepReport]) -> Status {
    if steps.iter().any(|s| s.status == Some(Status::Failed)) {
        Status::Failed
    } else if steps.iter().any(|s| s.status == Some(Status::Undefined)) {
        Status::Undefined
    } else if !steps.is_empty() && steps.iter().all(|s| s.status == Some(Status::Passed)) {
        Status::Passed
    } else {
        Status::Skipped
    }
}

fn ms_between(a: SystemTime, b: SystemTime) -> f64 {
    b.duration_since(a)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or_default()
}

impl Writer<IdflowWorld> for ReportWriter {
    type Cli = cucumber::cli::Empty;

    async fn handle_event(
        &mut self,
        event: parser::Result<Event<Cucumber<IdflowWorld>>>,
        _: &Self::Cli,
    ) {
        let mut state = self.state();
        let event = match event {
            Ok(e) => e,
            Err(err) => {
                let error = parse_error(&err);
                state.console.file_error(&error);
                state.report.errors.push(error);
                return;
            }
        };
        let (value, meta) = event.split();
        match value {
            Cucumber::Feature(feature, Feature::Scenario(scenario, ev)) => {
                state.on_scenario(meta.at, &feature, None, &scenario, ev);
            }
            Cucumber::Feature(feature, Feature::Rule(rule, Rule::Scenario(scenario, ev))) => {
                state.on_scenario(meta.at, &feature, Some(&rule), &scenario, ev);
            }
            Cucumber::Feature(feature, Feature::Started) => {
                state.feature_index(&feature);
            }
            _ => {}
        }
    }
}

impl cucumber::writer::Normalized for ReportWriter {}

pub(crate) fn parse_error(err: &parser::Error) -> RunError {
    match err {
        parser::Error::Parsing(e) => {
            let text = e.to_string();
            match &**e {
                // idflow's own feature reader (runner::features) says what is wrong in words.
                gherkin::ParseFileError::Reading { path, source }
                    if source.kind() == std::io::ErrorKind::InvalidData =>
                {
                    RunError {
                        location: relative(path),
                        message: source.to_string(),
                    }
                }
                gherkin::ParseFileError::Reading { path, .. } => RunError {
                    location: relative(path),
                    message: format!("cannot read the feature file: {text}"),
                },
                gherkin::ParseFileError::Parsing { path, source, .. } => RunError {
                    location: relative(path),
                    message: format!(
                        "the feature file does not parse: {source}\n  hint: check the Gherkin keywords (Feature:, Scenario:, Given/When/Then) and indentation near the reported line"
                    ),
                },
            }
        }
        parser::Error::ExampleExpansion(e) => RunError {
            location: format!("line {}", e.pos.line),
            message: format!("a Scenario Outline placeholder has no Examples column: {e}"),
        },
    }
}

/// `path` relative to the working directory when it is under it, as text. Runs for every
/// event of every scenario (its key names its feature file), so each path's answer is kept:
/// a run reads few files, and the working directory does not change during it.
fn relative(path: &std::path::Path) -> String {
    static CWD: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    /// The most paths kept: a run's feature files, and then some.
    const KEPT_MAX: usize = 4096;
    thread_local! {
        static KEPT: std::cell::RefCell<rustc_hash::FxHashMap<Box<[u8]>, String>> =
            std::cell::RefCell::default();
    }
    let key = path.as_os_str().as_encoded_bytes();
    if let Some(known) = KEPT.with_borrow(|kept| kept.get(key).cloned()) {
        return known;
    }
    let stripped = path.strip_prefix("./").unwrap_or(path);
    let text = CWD
        .get_or_init(|| std::env::current_dir().ok())
        .as_ref()
        .and_then(|c| {
            stripped
                .strip_prefix(c)
                .ok()
                .map(|p| p.display().to_string())
        })
        .unwrap_or_else(|| stripped.display().to_string());
    KEPT.with_borrow_mut(|kept| {
        if kept.len() < KEPT_MAX {
            kept.insert(key.into(), text.clone());
        }
    });
    text
}

/// Tokens repeated for reference point at the token they repeat by its record step (the n-th
/// step that started); the report lists steps with hooks among them, so the pointers are
/// turned into report positions as the records are attached.
fn to_report_places(record: &mut ScenarioRecord, positions: &[usize]) {
    let tokens = record.steps.iter_mut().flat_map(|s| s.tokens.iter_mut());
    for place in tokens.filter_map(|t| t.same_as.as_mut()) {
        if let Some(&pos) = positions.get(place.step) {
            place.step = pos;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_paths_under_the_working_directory_are_relative_also_when_asked_again() {
        let cwd = std::env::current_dir().expect("cwd");
        let inside = cwd.join("features").join("a.feature");
        let outside = std::path::Path::new("/elsewhere/b.feature");
        for _ in 0..2 {
            assert_eq!(
                relative(&inside),
                std::path::Path::new("features")
                    .join("a.feature")
                    .display()
                    .to_string()
            );
            assert_eq!(relative(outside), "/elsewhere/b.feature");
            assert_eq!(relative(std::path::Path::new("./c.feature")), "c.feature");
        }
    }

    #[test]
    fn a_repeated_token_points_at_its_step_in_the_report() {
        use crate::record::{StepRecord, TokenPlace, TokenRecord};
        // Record steps 0 and 1 are report steps 1 and 2: a failed hook's entry is step 0.
        let repeat = TokenRecord {
            same_as: Some(TokenPlace { step: 0, token: 0 }),
            for_reference: true,
            ..Default::default()
        };
        let mut record = ScenarioRecord::default();
        record.steps = vec![StepRecord::default(), StepRecord::default()];
        record.steps[1].tokens.push(repeat);
        to_report_places(&mut record, &[1, 2]);
        let place = record.steps[1].tokens[0].same_as.unwrap();
        assert_eq!((place.step, place.token), (1, 0));
    }

    #[test]
    fn steps_that_never_started_are_added_as_skipped_in_feature_order() {
        let feature = gherkin::Feature::parse(
            "Feature: F\n  Background:\n    Given the client \"web\"\n  Scenario: S\n    When it fails\n    Then this never runs\n    And neither does this\n",
            gherkin::GherkinEnv::default(),
        )
        .unwrap();
        let scenario = &feature.scenarios[0];
        let ran = |line, text: &str, bg, status| StepReport {
            keyword: "x ".into(),
            text: text.into(),
            line,
            background: bg,
            status: Some(status),
            ..Default::default()
        };
        let mut steps = vec![
            ran(3, "the client \"web\"", true, Status::Passed),
            ran(5, "it fails", false, Status::Failed),
        ];
        add_skipped_steps(&mut steps, &feature, None, scenario);
        let got: Vec<(usize, &str, Option<Status>)> = steps
            .iter()
            .map(|s| (s.line, s.text.as_str(), s.status))
            .collect();
        assert_eq!(
            got,
            [
                (3, "the client \"web\"", Some(Status::Passed)),
                (5, "it fails", Some(Status::Failed)),
                (6, "this never runs", Some(Status::Skipped)),
                (7, "neither does this", Some(Status::Skipped)),
            ]
        );
        assert_eq!(steps[2].keyword, "Then ");
        // Nothing to add: unchanged.
        let before = steps.len();
        add_skipped_steps(&mut steps, &feature, None, scenario);
        assert_eq!(steps.len(), before);
    }
}
