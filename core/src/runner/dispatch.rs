//! The step dispatcher: cucumber hands every step to [`dispatch`], which finds the step's
//! definition itself, tells the scenario's world that a new step begins (so that the evidence
//! the step makes is recorded under it, by index), and runs the definition.
//!
//! Doing the matching here, instead of in cucumber's collection, gives three things cucumber's
//! does not: a step is found whatever its keyword (`Given`, `When`, `Then`, `And`, `But`, `*`),
//! as Cucumber users expect; the match of a step text is computed once per run and cached; and
//! the world learns when each step starts, which no cucumber hook tells it.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use cucumber::codegen::{LocalBoxFuture, StepConstructor as _, WorldInventory};
use cucumber::step::{CaptureName, Collection, Context, Location};
use regex::Regex;

use crate::world::IdflowWorld;

/// Why a step could not run: carried as the step's panic payload, so that the report writer
/// can tell an undefined or ambiguous step from a failed one without reading its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepProblem {
    /// No definition matches the step's text.
    Undefined,
    /// Several definitions match; their locations.
    Ambiguous(Vec<String>),
    /// The step has a docstring or a data table, and its definition takes none: the text
    /// below the step would be ignored. What it has ("a docstring", "a data table") and where
    /// the definition is.
    UnexpectedArgument(&'static str, String),
}

type StepFn = cucumber::Step<IdflowWorld>;

struct Definition {
    /// Compiled at the first step text that may match it ([`Definition::regex`]): compiling
    /// every definition's at start was two thirds of a one-scenario run's instructions.
    regex: OnceLock<Regex>,
    /// Makes the regex (cucumber's own, from the step attribute).
    make: fn() -> Regex,
    /// Literals one of which every match holds, read from the regex's text as the catalogue
    /// has it; `None` when there is no such set (the regex is then always tried).
    needs: Option<Vec<String>>,
    func: StepFn,
    location: String,
    /// Whether the step function reads the gherkin step (its docstring or table); `None` when
    /// its source is not registered with the catalogue.
    takes_step: Option<bool>,
}

impl Definition {
    fn regex(&self) -> &Regex {
        self.regex.get_or_init(self.make)
    }

    /// Whether `text` may match: it holds one of the literals every match holds.
    fn may_match(&self, text: &str) -> bool {
        self.needs
            .as_ref()
            .is_none_or(|needs| needs.iter().any(|n| text.contains(n.as_str())))
    }
}

/// The literals one of which every match of `pattern` holds (the prefixes of its matches,
/// found by regex-syntax); `None` when there is no finite set of non-empty ones.
fn needed_literals(pattern: &str) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::parse(pattern).ok()?;
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().is_empty()) {
        return None;
    }
    literals
        .iter()
        .map(|l| String::from_utf8(l.as_bytes().to_vec()).ok())
        .collect()
}

/// The regex text of the step declared at `location`, from the catalogue's sources.
fn declared_regex(location: &str) -> Option<String> {
    let (path, line) = location.rsplit_once(':')?;
    let line: usize = line.parse().ok()?;
    crate::catalogue::steps()
        .iter()
        .find(|s| s.line == line && s.file == path)
        .and_then(crate::catalogue::regex_source)
}

/// Whether the function under the step attribute at `location` (`path:line`) takes the
/// gherkin step (`&Step`), read from the sources registered with the catalogue.
fn takes_step(location: &str) -> Option<bool> {
    let (path, line) = location.rsplit_once(':')?;
    let line: usize = line.parse().ok()?;
    let file = inventory::iter::<crate::catalogue::StepSources>()
        .flat_map(|s| s.files.iter())
        .find(|f| f.path == path)?;
    let signature: String = file
        .source
        .lines()
        .skip(line.saturating_sub(1))
        .skip_while(|l| !l.contains("fn "))
        .take_while(|l| !l.contains('{'))
        .chain(std::iter::once(""))
        .collect();
    let after_fn = file
        .source
        .lines()
        .skip(line.saturating_sub(1))
        .skip_while(|l| !l.contains("fn "))
        .find(|l| l.contains('{'))
        .unwrap_or_default();
    Some(signature.contains("&Step") || after_fn.split('{').next()?.contains("&Step"))
}

/// What a step text matched, computed once per distinct text.
#[derive(Clone)]
enum Lookup {
    Found(usize, Vec<(CaptureName, String)>),
    Undefined,
    Ambiguous(Vec<String>),
}

/// Every step definition linked into the binary, whatever the keyword it was declared with.
struct StepTable {
    definitions: Vec<Definition>,
    cache: RwLock<HashMap<String, Lookup>>,
}

/// Where a definition is, as a reader would open it: `steps/oidc.rs:16`.
pub fn location_text(loc: &Location) -> String {
    let path = loc.path.replace('\\', "/");
    let path = path.strip_prefix("src/../").unwrap_or(&path);
    format!("{path}:{}", loc.line)
}

impl StepTable {
    fn build() -> Self {
        let mut definitions: Vec<Definition> = Vec::new();
        let mut add = |(loc, regex, func): (Location, fn() -> Regex, StepFn)| {
            let location = location_text(&loc);
            if !definitions.iter().any(|d| d.location == location) {
                definitions.push(Definition {
                    regex: OnceLock::new(),
                    make: regex,
                    needs: declared_regex(&location).and_then(|r| needed_literals(&r)),
                    func,
                    takes_step: takes_step(&location),
                    location,
                });
            }
        };
        type Given = <IdflowWorld as WorldInventory>::Given;
        type When = <IdflowWorld as WorldInventory>::When;
        type Then = <IdflowWorld as WorldInventory>::Then;
        inventory::iter::<Given>().for_each(|s| add(s.inner()));
        inventory::iter::<When>().for_each(|s| add(s.inner()));
        inventory::iter::<Then>().for_each(|s| add(s.inner()));
        Self {
            definitions,
            cache: RwLock::new(HashMap::new()),
        }
    }

    fn lookup(&self, text: &str) -> Lookup {
        if let Some(found) = self
            .cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(text)
        {
            return found.clone();
        }
        let found = self.search(text);
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(text.to_string(), found.clone());
        found
    }

    fn search(&self, text: &str) -> Lookup {
        let mut hits = self
            .definitions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.may_match(text))
            .filter_map(|(i, d)| d.regex().captures(text).map(|c| (i, d, c)));
        let Some((index, definition, captures)) = hits.next() else {
            return Lookup::Undefined;
        };
        let others: Vec<String> = hits.map(|(_, d, _)| d.location.clone()).collect();
        if !others.is_empty() {
            let mut all = vec![definition.location.clone()];
            all.extend(others);
            return Lookup::Ambiguous(all);
        }
        let matches = definition
            .regex()
            .capture_names()
            .map(|name| name.map(str::to_owned))
            .zip(
                captures
                    .iter()
                    .map(|m| m.map_or(String::new(), |m| m.as_str().to_owned())),
            )
            .collect();
        Lookup::Found(index, matches)
    }
}

fn table() -> &'static StepTable {
    static TABLE: OnceLock<StepTable> = OnceLock::new();
    TABLE.get_or_init(StepTable::build)
}

/// Whether some definition matches `text` (for a dry run or an editor), and where it is.
pub fn definition_of(text: &str) -> Result<String, StepProblem> {
    let table = table();
    match table.lookup(text) {
        Lookup::Found(i, _) => Ok(table.definitions[i].location.clone()),
        Lookup::Undefined => Err(StepProblem::Undefined),
        Lookup::Ambiguous(locations) => Err(StepProblem::Ambiguous(locations)),
    }
}

/// Whether the definition `text` matches reads the step's docstring or table (`None`: no
/// single definition, or its source is not registered with the catalogue).
pub fn takes_docstring_or_table(text: &str) -> Option<bool> {
    let table = table();
    match table.lookup(text) {
        Lookup::Found(i, _) => table.definitions[i].takes_step,
        _ => None,
    }
}

/// Every registered definition: where it is (`steps/oidc.rs:16`) and the regex it matches
/// with, for tools (and the test that editors read the same patterns).
pub fn definitions() -> Vec<(String, String)> {
    table()
        .definitions
        .iter()
        .map(|d| (d.location.clone(), d.regex().as_str().to_string()))
        .collect()
}

/// The collection cucumber runs with: every step, under any keyword, goes to [`dispatch`].
pub fn collection() -> Collection<IdflowWorld> {
    let any = || Regex::new("(?s).*").expect("a valid regex");
    Collection::new()
        .given(None, any(), dispatch)
        .when(None, any(), dispatch)
        .then(None, any(), dispatch)
}

/// Runs one step: finds its definition, opens its record in the world, runs it.
fn dispatch(world: &mut IdflowWorld, context: Context) -> LocalBoxFuture<'_, ()> {
    let table = table();
    match table.lookup(&context.step.value) {
        Lookup::Found(i, matches) => {
            let definition = &table.definitions[i];
            world.enter_step(Some(definition.location.clone()));
            let extra = if context.step.docstring.is_some() {
                Some("a docstring")
            } else if context.step.table.is_some() {
                Some("a data table")
            } else {
                None
            };
            if let (Some(what), Some(false)) = (extra, definition.takes_step) {
                let location = definition.location.clone();
                return Box::pin(async move {
                    std::panic::panic_any(StepProblem::UnexpectedArgument(what, location))
                });
            }
            let context = Context {
                step: context.step,
                matches,
            };
            (definition.func)(world, context)
        }
        Lookup::Undefined => {
            world.enter_step(None);
            Box::pin(async { std::panic::panic_any(StepProblem::Undefined) })
        }
        Lookup::Ambiguous(locations) => {
            world.enter_step(None);
            Box::pin(async move { std::panic::panic_any(StepProblem::Ambiguous(locations)) })
        }
    }
}
