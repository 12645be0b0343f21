//! Which feature files a run reads, and reading them so that nothing goes silently missing.
//!
//! [`resolve`] turns the paths a user gives (absolute, `./x`, `../x`, directories searched
//! recursively, files, `PATH:LINE` and `PATH:LINE:LINE`) into an exact, sorted list of
//! `.feature` files, each with the lines it selects. [`load`] reads one of them itself, instead
//! of gherkin's `parse_path`, so that:
//!
//! - a UTF-8 byte order mark is accepted, and non-UTF-8 input is named with its byte offset;
//! - an empty file, an unknown `# language:`, an unterminated docstring, a table row whose width
//!   differs from its header, and a scenario description line that reads like a misspelt step
//!   keyword are errors in words at `file:line:column`, and so are gherkin's own parse errors
//!   (instead of its raw token sets);
//! - `PATH:LINE` keeps only the scenario at or containing that line (an outline's example row
//!   keeps only that row; a line in the outline's steps keeps all its rows).
//!
//! A run reads every file once to plan ([`Plan`]), then [`Lazy`] hands the features to cucumber
//! as its [`cucumber::Parser`] a few at a time, as its executor needs them.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Waker;

use cucumber::gherkin;

/// One feature file to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureFile {
    /// As reports show it: relative to the working directory when the file is inside it,
    /// otherwise absolute.
    pub(crate) path: PathBuf,
    /// Lines that select scenarios (`PATH:LINE`); empty selects the whole file.
    pub(crate) lines: Vec<usize>,
}

/// Resolves the paths given on the command line into the feature files they name, sorted by
/// path, each once. A directory is searched recursively for `*.feature` files (any case of the
/// extension); a file is taken whatever its extension, since it was named.
pub fn resolve(paths: &[PathBuf]) -> Result<Vec<FeatureFile>, String> {
    let cwd = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .map_err(|e| format!("cannot read the working directory: {e}"))?;
    resolve_in(paths, &cwd)
}

fn resolve_in(paths: &[PathBuf], cwd: &Path) -> Result<Vec<FeatureFile>, String> {
    let default = [PathBuf::from("features")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    // Canonical path -> (shown path, lines; None = the whole file).
    let mut files: BTreeMap<PathBuf, (PathBuf, Option<Vec<usize>>)> = BTreeMap::new();
    let mut add = |canonical: PathBuf, lines: Option<Vec<usize>>| {
        let shown = canonical
            .strip_prefix(cwd)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| canonical.clone());
        let entry = files.entry(canonical).or_insert((shown, Some(Vec::new())));
        match (&mut entry.1, lines) {
            (Some(have), Some(more)) => have.extend(more),
            (slot, _) => *slot = None,
        }
    };
    for given in paths {
        let (path, lines) = split_lines(given, cwd);
        let absolute = if path.is_absolute() {
            path.clone()
        } else {
            cwd.join(&path)
        };
        let canonical = std::fs::canonicalize(&absolute).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "{} does not exist: pass feature files or directories (default: features/)",
                    given.display()
                )
            } else {
                format!("cannot read {}: {e}", given.display())
            }
        })?;
        if canonical.is_dir() {
            if lines.is_some() {
                return Err(format!(
                    "{}: a line selects a scenario in a file, and {} is a directory",
                    given.display(),
                    path.display()
                ));
            }
            let mut found = Vec::new();
            let mut seen = std::collections::HashSet::new();
            walk(&canonical, &mut found, &mut seen)
                .map_err(|e| format!("cannot read the directory {}: {e}", given.display()))?;
            for f in found {
                add(f, None);
            }
        } else {
            add(canonical, lines);
        }
    }
    let mut out: Vec<FeatureFile> = files
        .into_values()
        .map(|(path, lines)| {
            let mut lines = lines.unwrap_or_default();
            lines.sort_unstable();
            lines.dedup();
            FeatureFile { path, lines }
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// `path:12:30` -> (`path`, [12, 30]) when `path:12:30` itself does not exist.
fn split_lines(given: &Path, cwd: &Path) -> (PathBuf, Option<Vec<usize>>) {
    if cwd.join(given).exists() {
        return (given.to_path_buf(), None);
    }
    let text = given.to_string_lossy();
    let mut rest: &str = &text;
    let mut lines = Vec::new();
    while let Some((head, tail)) = rest.rsplit_once(':') {
        match tail.parse::<usize>() {
            Ok(n) if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) => {
                lines.push(n);
                rest = head;
            }
            _ => break,
        }
    }
    if lines.is_empty() || rest.is_empty() {
        return (given.to_path_buf(), None);
    }
    lines.reverse();
    (PathBuf::from(rest), Some(lines))
}

fn walk(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    seen: &mut std::collections::HashSet<PathBuf>,
) -> std::io::Result<()> {
    if !seen.insert(dir.to_path_buf()) {
        return Ok(()); // a symbolic link back to a directory already searched
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        let Ok(canonical) = std::fs::canonicalize(&path) else {
            continue; // a dangling symbolic link
        };
        if canonical.is_dir() {
            walk(&canonical, out, seen)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("feature"))
        {
            out.push(canonical);
        }
    }
    Ok(())
}

/// Why a feature file could not be used.
#[derive(Debug)]
pub enum LoadError {
    /// The file cannot be read or does not parse: reported against the file, the run fails.
    Parse { path: PathBuf, message: String },
    /// A `PATH:LINE` selects no scenario: a usage error.
    Selection(String),
}

impl LoadError {
    /// As cucumber's parser reports it (the writer shows the message of an `InvalidData` read
    /// error as it is).
    pub fn into_parser_error(self) -> cucumber::parser::Error {
        let (path, message) = match self {
            LoadError::Parse { path, message } => (path, message),
            LoadError::Selection(message) => (PathBuf::new(), message),
        };
        cucumber::parser::Error::Parsing(Arc::new(gherkin::ParseFileError::Reading {
            path,
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, message),
        }))
    }
}

/// Reads, checks and parses one feature file, expands its outlines and keeps the scenarios its
/// lines select.
pub fn load(file: &FeatureFile) -> Result<gherkin::Feature, LoadError> {
    let shown = file.path.display().to_string();
    let bytes = std::fs::read(&file.path).map_err(|e| LoadError::Parse {
        path: file.path.clone(),
        message: format!("cannot read the feature file {shown}: {e}"),
    })?;
    let mut feature = parse_bytes(&bytes, &shown).map_err(|message| LoadError::Parse {
        path: file.path.clone(),
        message,
    })?;
    feature.path = Some(file.path.clone());
    let text = decode(&bytes, &shown).unwrap_or_default();
    let outlines = outlines(&feature, text.lines().collect::<Vec<_>>().as_slice());
    let mut feature = super::outline::expand(feature).map_err(|e| LoadError::Parse {
        path: file.path.clone(),
        message: format!(
            "{shown}:{}:{}: the Scenario Outline placeholder <{}> has no column in its Examples",
            e.pos.line, e.pos.col, e.name
        ),
    })?;
    if !file.lines.is_empty() {
        select_lines(&mut feature, &file.lines, &text, &outlines, &shown)?;
    }
    Ok(feature)
}

/// The text of a feature file: a byte order mark is dropped, anything but UTF-8 is an error
/// naming the offset of the first bad byte.
fn decode(bytes: &[u8], shown: &str) -> Result<String, String> {
    let (body, offset) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, 3),
        None => (bytes, 0),
    };
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let at = e.valid_up_to();
            let line = body[..at].iter().filter(|b| **b == b'\n').count() + 1;
            Err(format!(
                "{shown}:{line}: the file is not UTF-8 text: byte 0x{:02x} at byte offset {} is not valid UTF-8 (save the file as UTF-8)",
                body[at],
                at + offset
            ))
        }
    }
}

/// Every check of a feature's text, then gherkin's parser, with its errors put in words.
fn parse_bytes(bytes: &[u8], shown: &str) -> Result<gherkin::Feature, String> {
    let text = decode(bytes, shown)?;
    if text.trim().is_empty() {
        return Err(format!(
            "{shown}:1:1: the file is empty: expected `Feature:` and a name, then its scenarios"
        ));
    }
    let lines: Vec<&str> = text.lines().collect();
    let language = check_language(&lines, shown)?;
    check_docstrings(&lines, shown)?;
    check_tables(&lines, shown)?;
    if language == "en" {
        check_descriptions(&lines, shown)?;
    }
    let env = gherkin::GherkinEnv::new(&language).unwrap_or_default();
    gherkin::Feature::parse(&text, env).map_err(|e| in_words(&e.to_string(), &lines, shown))
}

/// The `# language:` of the file (before any other content), `en` without one.
fn check_language(lines: &[&str], shown: &str) -> Result<String, String> {
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let Some(comment) = t.strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = comment.split_once(':') else {
            continue;
        };
        if key.trim() != "language" {
            continue;
        }
        let lang = value.trim();
        if gherkin::is_language_supported(lang) {
            return Ok(lang.to_string());
        }
        let col = line.find(value.trim_start()).unwrap_or(0) + 1;
        return Err(format!(
            "{shown}:{}:{col}: unknown `# language: {lang}`: expected a Gherkin language code such as en, de, fr, es, nl, no, sv (https://cucumber.io/docs/gherkin/languages/)",
            i + 1
        ));
    }
    Ok("en".into())
}

fn docstring_fence(line: &str) -> Option<&'static str> {
    let t = line.trim_start();
    if t.starts_with("\"\"\"") {
        Some("\"\"\"")
    } else if t.starts_with("```") {
        Some("```")
    } else {
        None
    }
}

/// Whether line `i` (0-based) is inside a docstring (fences included).
fn in_docstrings(lines: &[&str]) -> Vec<bool> {
    let mut inside = vec![false; lines.len()];
    let mut open: Option<&str> = None;
    for (i, line) in lines.iter().enumerate() {
        match (open, docstring_fence(line)) {
            (None, Some(f)) => {
                open = Some(f);
                inside[i] = true;
            }
            (Some(f), _) => {
                inside[i] = true;
                if line.trim_start().starts_with(f) {
                    open = None;
                }
            }
            (None, None) => {}
        }
    }
    inside
}

fn check_docstrings(lines: &[&str], shown: &str) -> Result<(), String> {
    let mut open: Option<(usize, &str)> = None;
    for (i, line) in lines.iter().enumerate() {
        match open {
            None => {
                if let Some(f) = docstring_fence(line) {
                    open = Some((i, f));
                }
            }
            Some((_, f)) if line.trim_start().starts_with(f) => open = None,
            Some(_) => {}
        }
    }
    match open {
        None => Ok(()),
        Some((i, fence)) => Err(format!(
            "{shown}:{}:{}: this docstring is never closed: expected a line `{fence}` to end it before the end of the file",
            i + 1,
            lines[i].len() - lines[i].trim_start().len() + 1
        )),
    }
}

/// The cells of a table row (`| a | b |` has 2), with `\|` an escaped pipe.
fn cell_count(row: &str) -> usize {
    let mut pipes = 0usize;
    let mut escaped = false;
    for c in row.trim().chars() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '|') => pipes += 1,
            _ => {}
        }
    }
    pipes.saturating_sub(1)
}

fn check_tables(lines: &[&str], shown: &str) -> Result<(), String> {
    let docs = in_docstrings(lines);
    let mut header: Option<(usize, usize)> = None; // (line index, width)
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if docs[i] || !t.starts_with('|') {
            if !t.starts_with('#') {
                header = None;
            }
            continue;
        }
        let width = cell_count(t);
        match header {
            None => header = Some((i, width)),
            Some((h, w)) if w != width => {
                return Err(format!(
                    "{shown}:{}: this table row has {width} cell{} but the table's first row (line {}) has {w}: every row of a table has as many cells as its first",
                    i + 1,
                    if width == 1 { "" } else { "s" },
                    h + 1
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

const STEP_KEYWORDS: &[&str] = &["Given", "When", "Then", "And", "But"];

/// Ordinary words that lie within the edit distance of a keyword and start prose often.
const PROSE_WORDS: &[&str] = &[
    "a", "an", "any", "all", "as", "at", "am", "ad", "add", "the", "they", "them", "this", "that",
    "than", "thus", "who", "why", "what", "were", "went", "even", "give", "gives", "live", "by",
    "buy", "out", "not", "put", "bit",
];

/// The keyword a word looks like a misspelling of: optimal-string-alignment distance at most 2
/// from Given, When or Then and at most 1 from And or But (distance 2 from a three-letter word
/// takes in nearly every short word), case-insensitive, and not an ordinary prose word.
pub fn misspelt_keyword(word: &str) -> Option<&'static str> {
    let lower = word.to_lowercase();
    if lower.is_empty() || !lower.chars().all(char::is_alphabetic) {
        return None;
    }
    if PROSE_WORDS.contains(&lower.as_str()) {
        return None;
    }
    STEP_KEYWORDS.iter().copied().find(|k| {
        let limit = if k.len() <= 3 { 1 } else { 2 };
        strsim::osa_distance(&lower, &k.to_lowercase()) <= limit && word != *k
    })
}

/// A scenario's (or background's) description is the text between its keyword line and its
/// first step; a line there that starts like a step is most likely a step whose keyword is
/// misspelt, which gherkin would take as description and the scenario would pass without it.
fn check_descriptions(lines: &[&str], shown: &str) -> Result<(), String> {
    const HEADERS: &[&str] = &[
        "Scenario:",
        "Scenario Outline:",
        "Scenario Template:",
        "Example:",
        "Background:",
    ];
    let docs = in_docstrings(lines);
    let mut in_description = false;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if docs[i] {
            in_description = false;
            continue;
        }
        if HEADERS.iter().any(|h| t.starts_with(h)) {
            in_description = true;
            continue;
        }
        if !in_description || t.is_empty() || t.starts_with('#') {
            continue;
        }
        let first = t.split_whitespace().next().unwrap_or_default();
        let is_step = STEP_KEYWORDS.contains(&first) || first == "*";
        if is_step || t.starts_with('@') || t.starts_with('|') || t.ends_with(':') {
            in_description = false;
            continue;
        }
        if let Some(keyword) = misspelt_keyword(first) {
            let col = line.len() - line.trim_start().len() + 1;
            return Err(format!(
                "{shown}:{}:{col}: this line reads like a misspelt step keyword ({first:?} for {keyword:?}); as written it is description text and the step never runs. Write `{keyword} {}`, or reword the description",
                i + 1,
                t[first.len()..].trim_start()
            ));
        }
    }
    Ok(())
}

/// gherkin's `Error at L:C: {"token", ...}` in words.
fn in_words(raw: &str, lines: &[&str], shown: &str) -> String {
    let re = regex::Regex::new(r"^Error at (\d+):(\d+): \{(.*)\}$").expect("valid regex");
    let Some(caps) = re.captures(raw) else {
        return format!("{shown}: {raw}");
    };
    let line: usize = caps[1].parse().unwrap_or(0);
    let col: usize = caps[2].parse().unwrap_or(0);
    let tokens: Vec<String> = regex::Regex::new(r#""((?:[^"\\]|\\.)*)""#)
        .expect("valid regex")
        .captures_iter(&caps[3])
        .map(|c| c[1].replace("\\\"", "\"").replace("\\\\", "\\"))
        .collect();
    let has = |t: &str| tokens.iter().any(|x| x.trim_matches('\'') == t);
    let mut expected: Vec<&str> = Vec::new();
    if has("Feature") || has("Feature:") {
        expected.push("`Feature:` and a name");
    }
    if has("Given") || has("When") || has("Then") || has("And") || has("But") || has("* ") {
        expected.push("a step (Given, When, Then, And, But)");
    }
    if has("Scenario") || has("Scenario Outline") || has("Example") {
        expected.push("a `Scenario:`");
    }
    if has("Examples") || has("Scenarios") {
        expected.push("`Examples:`");
    }
    if has("Rule") {
        expected.push("a `Rule:`");
    }
    if has("|") {
        expected.push("a table row `| ... |`");
    }
    if has("\"\"\"") || has("```") {
        expected.push("the end of a docstring (`\"\"\"`)");
    }
    if has("@") {
        expected.push("a tag (`@name`)");
    }
    if has("#") {
        expected.push("a comment");
    }
    let found = lines
        .get(line.saturating_sub(1))
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .map(|l| format!("found `{l}`"))
        .unwrap_or_else(|| "found the end of the line".into());
    let feature_seen = lines
        .iter()
        .take(line.saturating_sub(1))
        .any(|l| l.trim_start().starts_with("Feature:"));
    let expected = if !feature_seen {
        "`Feature:` and a name (before it only tags, comments and `# language:`)".to_string()
    } else if expected.is_empty() || expected == ["a comment"] {
        "a Gherkin line: `Scenario:`, `Scenario Outline:` with `Examples:`, `Background:`, `Rule:`, a step (Given, When, Then, And, But), a table row `| ... |` or a docstring".to_string()
    } else {
        expected.join(", or ")
    };
    format!("{shown}:{line}:{col}: the feature file does not parse: expected {expected}; {found}")
}

/// What an outline's rows are, keyed by the outline's keyword line.
#[derive(Debug, Default)]
struct Outline {
    /// The line of its first `Examples:` keyword.
    first_examples: usize,
    /// Per Examples keyword line: the header row's line and the data rows' lines.
    examples: BTreeMap<usize, (usize, Vec<usize>)>,
}

type Outlines = BTreeMap<usize, Outline>;

/// The 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The keyword line of a scenario (an expanded outline row keeps its outline's span).
fn keyword_line(s: &gherkin::Scenario, text: &str) -> usize {
    if s.examples.is_empty() {
        s.position.line
    } else {
        line_at(text, s.span.start)
    }
}

fn outlines(feature: &gherkin::Feature, lines: &[&str]) -> Outlines {
    let mut out = Outlines::new();
    let scenarios = feature
        .scenarios
        .iter()
        .chain(feature.rules.iter().flat_map(|r| r.scenarios.iter()));
    for s in scenarios.filter(|s| !s.examples.is_empty()) {
        let mut outline = Outline {
            first_examples: s
                .examples
                .iter()
                .map(|e| e.position.line)
                .min()
                .unwrap_or(0),
            ..Default::default()
        };
        for ex in &s.examples {
            let Some(table) = &ex.table else { continue };
            let mut rows = Vec::new();
            let mut i = table.position.line.saturating_sub(1);
            while i < lines.len() {
                let t = lines[i].trim();
                if t.starts_with('|') {
                    rows.push(i + 1);
                } else if !t.starts_with('#') {
                    break;
                }
                i += 1;
            }
            let header = rows.first().copied().unwrap_or(table.position.line);
            outline.examples.insert(
                ex.position.line,
                (header, rows.into_iter().skip(1).collect()),
            );
        }
        out.insert(s.position.line, outline);
    }
    out
}

/// The first line of a block: its tags and comments above its keyword.
fn block_start(keyword_line: usize, lines: &[&str]) -> usize {
    let mut start = keyword_line;
    while start > 1 {
        let t = lines.get(start - 2).map(|l| l.trim()).unwrap_or_default();
        if t.starts_with('@') || t.starts_with('#') {
            start -= 1;
        } else {
            break;
        }
    }
    start
}

fn select_lines(
    feature: &mut gherkin::Feature,
    wanted: &[usize],
    text: &str,
    outlines: &Outlines,
    shown: &str,
) -> Result<(), LoadError> {
    let lines: Vec<&str> = text.lines().collect();
    let all_scenarios = || {
        feature
            .scenarios
            .iter()
            .chain(feature.rules.iter().flat_map(|r| r.scenarios.iter()))
    };
    let keyword_lines: Vec<usize> = {
        let mut v: Vec<usize> = all_scenarios().map(|s| keyword_line(s, text)).collect();
        v.dedup();
        v
    };
    // Where blocks end: the start of the next scenario, rule or background, or the end of the
    // file.
    let mut starts: Vec<usize> = keyword_lines
        .iter()
        .map(|l| block_start(*l, &lines))
        .chain(
            feature
                .rules
                .iter()
                .map(|r| block_start(r.position.line, &lines)),
        )
        .chain(feature.background.iter().map(|b| b.position.line))
        .chain(
            feature
                .rules
                .iter()
                .filter_map(|r| r.background.as_ref())
                .map(|b| b.position.line),
        )
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let end_of = |start: usize| {
        starts
            .iter()
            .find(|s| **s > start)
            .map(|s| s - 1)
            .unwrap_or(lines.len().max(start))
    };
    let mut matched = vec![false; wanted.len()];
    let mut keep = |s: &gherkin::Scenario| -> bool {
        let keyword = keyword_line(s, text);
        let start = block_start(keyword, &lines);
        let end = end_of(start);
        let mut kept = false;
        for (n, &line) in wanted.iter().enumerate() {
            let hit = match (s.examples.first(), outlines.get(&keyword)) {
                (Some(ex), Some(outline)) => row_selected(s, ex, outline, line, start, end),
                _ => (start..=end).contains(&line),
            };
            if hit {
                matched[n] = true;
                kept = true;
            }
        }
        kept
    };
    feature.scenarios.retain(&mut keep);
    for r in &mut feature.rules {
        r.scenarios.retain(&mut keep);
    }
    feature.rules.retain(|r| !r.scenarios.is_empty());
    if let Some(n) = matched.iter().position(|m| !m) {
        return Err(LoadError::Selection(format!(
            "{shown}:{}: no scenario is at or contains line {} (its scenarios start at line{} {})",
            wanted[n],
            wanted[n],
            if keyword_lines.len() == 1 { "" } else { "s" },
            keyword_lines
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(())
}

/// Whether `line` selects this expanded outline row: the row's own line (or the line its
/// position names), its Examples block from its tags to its header row (all of its rows), or
/// the outline itself up to its first Examples (all rows).
fn row_selected(
    s: &gherkin::Scenario,
    ex: &gherkin::Examples,
    outline: &Outline,
    line: usize,
    start: usize,
    end: usize,
) -> bool {
    if !(start..=end).contains(&line) {
        return false;
    }
    if line == s.position.line || line < outline.first_examples {
        return true;
    }
    let Some((header, rows)) = outline.examples.get(&ex.position.line) else {
        return false;
    };
    let id = s.position.line.saturating_sub(ex.position.line + 2);
    if rows.get(id) == Some(&line) {
        return true;
    }
    (ex.position.line..=*header).contains(&line)
}

/// A feature file of a run's plan: parsed while planning (kept), or only named, and parsed
/// again when the run reaches it.
#[derive(Debug)]
pub struct Planned {
    pub(crate) file: FeatureFile,
    pub(crate) parsed: Option<Result<gherkin::Feature, cucumber::parser::Error>>,
}

impl Planned {
    /// Its feature: the one kept from planning, or the file read, checked and parsed again (a
    /// file that changed meanwhile and no longer parses is reported against that file).
    pub fn into_feature(self) -> Result<gherkin::Feature, cucumber::parser::Error> {
        match self.parsed {
            Some(parsed) => parsed,
            None => load(&self.file).map_err(LoadError::into_parser_error),
        }
    }
}

/// The feature files a run reads, in order, with what planning found in them: every file was
/// read and checked once, but only the first ones are kept parsed (see `runner::plan`), so that
/// a suite's size does not set the run's memory.
#[derive(Debug, Default)]
pub struct Plan {
    pub(crate) files: Vec<Planned>,
    /// Scenarios the selector keeps (run or not applicable; an outline counts as the console
    /// counts it), for the console's progress and an interrupted run's "not started".
    pub(crate) scenarios: usize,
}

impl Plan {
    /// Every feature of the plan, each parsed (again) when the iteration reaches it.
    pub fn into_features(
        self,
    ) -> impl Iterator<Item = Result<gherkin::Feature, cucumber::parser::Error>> {
        self.files.into_iter().map(Planned::into_feature)
    }
}

/// How far cucumber's executor is from running out of scenarios: how many it has been handed
/// and how many have started. Shared by [`Lazy`], which hands features over, and the run's
/// `before` hook, which calls [`Window::started`].
#[derive(Clone, Debug)]
pub struct Window(Arc<WindowState>);

#[derive(Debug)]
struct WindowState {
    size: usize,
    handed: AtomicUsize,
    started: AtomicUsize,
    waker: Mutex<Option<Waker>>,
}

impl Window {
    /// A window that lets fewer than `size` handed scenarios wait to start before the next
    /// feature is handed over (at least one).
    pub fn new(size: usize) -> Self {
        Self(Arc::new(WindowState {
            size: size.max(1),
            handed: AtomicUsize::new(0),
            started: AtomicUsize::new(0),
            waker: Mutex::new(None),
        }))
    }

    /// A scenario started (a retry counts again, which only lets the next feature come
    /// sooner): wakes the parser when it waits for room.
    pub fn started(&self) {
        self.0.started.fetch_add(1, Ordering::SeqCst);
        let waker = self
            .0
            .waker
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Scenarios handed over and not started yet.
    pub fn queued(&self) -> usize {
        self.0
            .handed
            .load(Ordering::SeqCst)
            .saturating_sub(self.0.started.load(Ordering::SeqCst))
    }

    fn full(&self) -> bool {
        self.queued() >= self.0.size
    }
}

/// What the run does to each feature before cucumber sees it (keeps the scenarios it selects).
pub type Prepare = Box<dyn FnMut(gherkin::Feature) -> gherkin::Feature>;

/// cucumber's parser for a [`Plan`]: hands over the next feature only while fewer than the
/// [`Window`]'s size of the scenarios it handed wait to start, parsing it then (cucumber's
/// executor queues every scenario it is given, each holding its whole feature, so handing it
/// the suite at once held every parsed step until the end of the run).
pub struct Lazy {
    files: std::collections::VecDeque<Planned>,
    /// The pieces of a long feature not handed over yet (see [`PIECE`]).
    pieces: VecDeque<gherkin::Feature>,
    window: Window,
    prepare: Prepare,
}

/// A feature of more scenarios than this goes to cucumber in pieces of this many, each a
/// feature of the same file (its background, tags and rules with their scenarios of the
/// piece; the report joins them again by path). cucumber's executor looks through all of a
/// feature's waiting scenarios each time one starts: a 20,000-row Scenario Outline of one step
/// took 1.12 s handed whole, 0.63 s in pieces.
pub const PIECE: usize = 256;

impl Lazy {
    pub fn new(plan: Plan, window: Window, prepare: Prepare) -> Self {
        Self {
            files: plan.files.into(),
            pieces: VecDeque::new(),
            window,
            prepare,
        }
    }
}

/// The scenarios of `f`, in its rules too.
fn scenario_count(f: &gherkin::Feature) -> usize {
    f.scenarios.len() + f.rules.iter().map(|r| r.scenarios.len()).sum::<usize>()
}

/// `f` in pieces of at most `n` scenarios (in file order: the feature's own, then each rule's),
/// each a feature of the same file with the same background and tags, its rules holding their
/// scenarios of the piece. One pass: every scenario is moved once.
fn split_feature(f: gherkin::Feature, n: usize) -> VecDeque<gherkin::Feature> {
    let n = n.max(1);
    if scenario_count(&f) <= n {
        return VecDeque::from([f]);
    }
    let gherkin::Feature {
        keyword,
        name,
        description,
        background,
        scenarios,
        rules,
        tags,
        span,
        position,
        path,
    } = f;
    let empty = || gherkin::Feature {
        keyword: keyword.clone(),
        name: name.clone(),
        description: description.clone(),
        background: background.clone(),
        scenarios: Vec::new(),
        rules: Vec::new(),
        tags: tags.clone(),
        span,
        position,
        path: path.clone(),
    };
    let mut pieces = VecDeque::new();
    let mut piece = empty();
    let mut count = 0;
    for scenario in scenarios {
        if count == n {
            pieces.push_back(std::mem::replace(&mut piece, empty()));
            count = 0;
        }
        piece.scenarios.push(scenario);
        count += 1;
    }
    for mut rule in rules {
        let scenarios = std::mem::take(&mut rule.scenarios);
        // The rule, with no scenario yet, in the current piece.
        piece.rules.push(rule.clone());
        for scenario in scenarios {
            if count == n {
                pieces.push_back(std::mem::replace(&mut piece, empty()));
                piece.rules.push(rule.clone());
                count = 0;
            }
            if let Some(open) = piece.rules.last_mut() {
                open.scenarios.push(scenario);
            }
            count += 1;
        }
    }
    pieces.push_back(piece);
    pieces
}

impl<I> cucumber::Parser<I> for Lazy {
    type Cli = cucumber::cli::Empty;
    type Output = Self;

    fn parse(self, _input: I, _cli: Self::Cli) -> Self::Output {
        self
    }
}

impl futures::Stream for Lazy {
    type Item = Result<gherkin::Feature, cucumber::parser::Error>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        let this = self.get_mut();
        if this.files.is_empty() && this.pieces.is_empty() {
            return Poll::Ready(None);
        }
        if this.window.full() {
            *this
                .window
                .0
                .waker
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
            // A scenario may have started between the test and the registration.
            if this.window.full() {
                return Poll::Pending;
            }
        }
        if this.pieces.is_empty() {
            let Some(next) = this.files.pop_front() else {
                return Poll::Ready(None);
            };
            match next.into_feature().map(&mut this.prepare) {
                Ok(feature) => this.pieces = split_feature(feature, PIECE),
                Err(e) => return Poll::Ready(Some(Err(e))),
            }
        }
        let Some(piece) = this.pieces.pop_front() else {
            return Poll::Ready(None);
        };
        this.window
            .0
            .handed
            .fetch_add(scenario_count(&piece), Ordering::SeqCst);
        Poll::Ready(Some(Ok(piece)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory with these files (path, content).
    fn tree(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("idflow-features-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, content) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
        }
        std::fs::canonicalize(&dir).unwrap()
    }

    const ONE: &[u8] = b"Feature: One\n  Scenario: first\n    Given the client \"web\"\n";

    fn shown(files: &[FeatureFile]) -> Vec<String> {
        files
            .iter()
            .map(|f| format!("{}{:?}", f.path.display(), f.lines))
            .collect()
    }

    #[test]
    fn paths_in_every_form_name_exactly_their_files() {
        let root = tree(
            "forms",
            &[
                ("cwd/features/oidc/b.feature", ONE),
                ("cwd/features/oidc/a.FEATURE", ONE),
                ("cwd/features/oidc/notes.txt", b"not a feature"),
                ("cwd/features/mobileid/deep/c.feature", ONE),
                ("outside/d.feature", ONE),
            ],
        );
        let cwd = root.join("cwd");
        let want = vec![
            "features/mobileid/deep/c.feature[]",
            "features/oidc/a.FEATURE[]",
            "features/oidc/b.feature[]",
        ];
        let abs = [cwd.join("features/oidc"), cwd.join("features/mobileid")];
        assert_eq!(shown(&resolve_in(&abs, &cwd).unwrap()), want);
        let dotted = [
            PathBuf::from("./features/oidc"),
            PathBuf::from("./features/mobileid/"),
        ];
        assert_eq!(shown(&resolve_in(&dotted, &cwd).unwrap()), want);
        // The same file twice is read once; a path outside the working directory is kept,
        // absolute.
        let mixed = [
            PathBuf::from("../outside/d.feature"),
            PathBuf::from("features/oidc/b.feature"),
            cwd.join("features/oidc/b.feature"),
        ];
        let got = shown(&resolve_in(&mixed, &cwd).unwrap());
        assert_eq!(
            got,
            vec![
                format!("{}[]", root.join("outside/d.feature").display()),
                "features/oidc/b.feature[]".to_string()
            ]
        );
        assert_eq!(
            shown(&resolve_in(&[], &cwd).unwrap()),
            want,
            "features/ by default"
        );
    }

    #[test]
    fn a_line_selects_within_a_file_only() {
        let root = tree("lines", &[("features/a.feature", ONE)]);
        let got = resolve_in(
            &[
                PathBuf::from("features/a.feature:3:2"),
                PathBuf::from("features/a.feature:9"),
            ],
            &root,
        )
        .unwrap();
        assert_eq!(shown(&got), vec!["features/a.feature[2, 3, 9]"]);
        let whole = resolve_in(
            &[
                PathBuf::from("features/a.feature:3"),
                PathBuf::from("features/a.feature"),
            ],
            &root,
        )
        .unwrap();
        assert_eq!(shown(&whole), vec!["features/a.feature[]"]);
        let dir = resolve_in(&[PathBuf::from("features:3")], &root).unwrap_err();
        assert!(dir.contains("is a directory"), "{dir}");
        let missing = resolve_in(&[PathBuf::from("nope/x.feature:3")], &root).unwrap_err();
        assert!(
            missing.contains("nope/x.feature:3 does not exist"),
            "{missing}"
        );
    }

    fn load_text(name: &str, content: &[u8], lines: &[usize]) -> Result<gherkin::Feature, String> {
        let root = tree(name, &[("f.feature", content)]);
        load(&FeatureFile {
            path: root.join("f.feature"),
            lines: lines.to_vec(),
        })
        .map_err(|e| match e {
            LoadError::Parse { message, .. } => message,
            LoadError::Selection(m) => format!("selection: {m}"),
        })
    }

    /// gherkin is patched (vendor/gherkin/PATCHED.md) to find lines by bisection: every
    /// scenario and step of a long file, with comments, tags, tables and docstrings between
    /// them, is still placed on the line where it is written, and a column where it starts.
    #[test]
    fn a_long_file_places_every_scenario_and_step_on_its_line() {
        let mut text = String::from(
            "# a comment\nFeature: Long\n\n  Background:\n    Given the client \"web\"\n",
        );
        // Every third scenario starts at column 1: its offset is a line break's.
        let indent = |i: usize| if i.is_multiple_of(3) { "" } else { "  " };
        for i in 0..1500 {
            text.push_str(&format!(
                "\n  # case {i}\n  @case\n{}Scenario: case {i}\n    When a step\n      | a | b |\n      | 1 | 2 |\n    Then another step\n      \"\"\"\n      text\n      \"\"\"\n",
                indent(i)
            ));
        }
        let line_of = |needle: &str, from: usize| {
            text.lines()
                .enumerate()
                .skip(from)
                .find(|(_, l)| l.trim_start().starts_with(needle))
                .map(|(i, _)| i + 1)
                .unwrap()
        };
        let f = parse_bytes(text.as_bytes(), "long.feature").unwrap();
        assert_eq!((f.position.line, f.position.col), (2, 1));
        assert_eq!(f.scenarios.len(), 1500);
        let mut from = 0;
        for (i, sc) in f.scenarios.iter().enumerate() {
            let line = line_of(&format!("Scenario: case {i}"), from);
            let col = indent(i).len() + 1;
            assert_eq!(
                (sc.position.line, sc.position.col),
                (line, col),
                "{}",
                sc.name
            );
            assert_eq!(sc.steps[0].position.line, line + 1, "{}", sc.name);
            assert_eq!(sc.steps[1].position.line, line + 4, "{}", sc.name);
            assert_eq!(sc.steps[1].position.col, 5, "{}", sc.name);
            from = line;
        }
    }

    #[test]
    fn a_byte_order_mark_is_accepted() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(ONE);
        let f = load_text("bom", &bytes, &[]).unwrap();
        assert_eq!(f.name, "One");
        assert_eq!(f.scenarios.len(), 1);
    }

    #[test]
    fn input_that_is_not_utf8_is_named_with_its_offset() {
        let mut bytes = b"Feature: x\n  Scenario: \xFF".to_vec();
        bytes.extend_from_slice(b"\n");
        let err = load_text("latin1", &bytes, &[]).unwrap_err();
        assert!(err.contains("not UTF-8"), "{err}");
        assert!(err.contains("byte offset 23"), "{err}");
        assert!(err.contains("f.feature:2"), "{err}");
    }

    #[test]
    fn empty_files_unknown_languages_and_open_docstrings_are_explained() {
        for (name, text, wanted) in [
            ("empty", "", ":1:1: the file is empty: expected `Feature:`"),
            ("blank", "  \n\t\n", ":1:1: the file is empty"),
            (
                "lang",
                "# language: xx\nFeature: x\n",
                ":1:13: unknown `# language: xx`: expected a Gherkin language code",
            ),
            (
                "docstring",
                "Feature: x\n  Scenario: y\n    Given the request JSON body is:\n      \"\"\"\n      {}\n",
                ":4:7: this docstring is never closed: expected a line `\"\"\"`",
            ),
        ] {
            let err = load_text(name, text.as_bytes(), &[]).unwrap_err();
            assert!(err.contains(wanted), "{name}: {err}");
            assert!(!err.contains("{\""), "{name}: raw token set in {err}");
        }
    }

    #[test]
    fn gherkin_errors_are_put_in_words() {
        let text = "Feature: Broken Gherkin\n  Scenario: Fine so far\n    Given the client \"web\"\n  Examples without an outline\n    | a |\n";
        let err = load_text("words", text.as_bytes(), &[]).unwrap_err();
        assert!(err.contains("f.feature:"), "{err}");
        assert!(err.contains("does not parse: expected"), "{err}");
        assert!(!err.contains("{\""), "raw token set in {err}");
        let err = load_text("no-feature", b"Scenario: x\n", &[]).unwrap_err();
        assert!(err.contains("expected `Feature:`"), "{err}");
    }

    #[test]
    fn a_ragged_table_row_is_an_error_at_its_line() {
        let text = "Feature: x\n  Scenario: y\n    Given the request form is:\n      | name | value |\n      | a | b | c |\n";
        let err = load_text("ragged", text.as_bytes(), &[]).unwrap_err();
        assert!(
            err.contains("f.feature:5: this table row has 3 cells"),
            "{err}"
        );
        assert!(err.contains("(line 4) has 2"), "{err}");
        let narrow = "Feature: x\n  Scenario Outline: y\n    Given the client \"<c>\"\n  Examples:\n    | c | d |\n    | web |\n";
        let err = load_text("narrow", narrow.as_bytes(), &[]).unwrap_err();
        assert!(
            err.contains("f.feature:6: this table row has 1 cell "),
            "{err}"
        );
        // An escaped pipe is part of a cell.
        let escaped = "Feature: x\n  Scenario: y\n    Given the request form is:\n      | name | value |\n      | a | b \\| c |\n";
        assert!(load_text("escaped", escaped.as_bytes(), &[]).is_ok());
    }

    #[test]
    fn a_misspelt_step_keyword_is_an_error_not_a_description() {
        for word in ["Gven", "Wehn", "Thn", "then", "Adn", "Bt", "GIVEN"] {
            let text = format!(
                "Feature: x\n  Scenario: y\n    {word} the client \"web\"\n    Then the response status is 200\n"
            );
            let err = load_text("misspelt", text.as_bytes(), &[]).unwrap_err();
            assert!(
                err.contains("f.feature:3:5: this line reads like a misspelt step keyword"),
                "{word}: {err}"
            );
        }
        // Prose descriptions pass, and so does a description after the steps' keywords.
        let prose = "Feature: x\n  Scenario: y\n    The client is registered with PKCE.\n    A second line.\n    Given the client \"web\"\n";
        assert!(load_text("prose", prose.as_bytes(), &[]).is_ok());
        assert_eq!(misspelt_keyword("Gven"), Some("Given"));
        assert_eq!(misspelt_keyword("Given"), None);
        assert_eq!(misspelt_keyword("Client"), None);
        assert_eq!(misspelt_keyword("An"), None);
    }

    const LINES: &str = "Feature: Lines
  Background:
    Given the client \"web\"

  Scenario: first
    Given the client \"web\"

  @tagged
  Scenario: second
    Given the client \"web\"

  Scenario Outline: outline <c>
    Given the client \"<c>\"

    Examples:
      | c    |
      | web  |
      | post |
";

    fn names(f: &gherkin::Feature) -> Vec<String> {
        f.scenarios.iter().map(|s| s.name.clone()).collect()
    }

    #[test]
    fn a_line_selects_the_scenario_or_example_row_it_is_in() {
        let pick =
            |lines: &[usize]| load_text("select", LINES.as_bytes(), lines).map(|f| names(&f));
        assert_eq!(pick(&[]).unwrap().len(), 4);
        assert_eq!(pick(&[5]).unwrap(), vec!["first"]);
        assert_eq!(
            pick(&[7]).unwrap(),
            vec!["first"],
            "the blank line before the next tag"
        );
        assert_eq!(pick(&[8]).unwrap(), vec!["second"], "its tag line");
        assert_eq!(pick(&[10]).unwrap(), vec!["second"]);
        assert_eq!(pick(&[17]).unwrap(), vec!["outline web"]);
        assert_eq!(pick(&[18]).unwrap(), vec!["outline post"]);
        assert_eq!(pick(&[12]).unwrap(), vec!["outline web", "outline post"]);
        assert_eq!(
            pick(&[15, 16]).unwrap(),
            vec!["outline web", "outline post"]
        );
        assert_eq!(pick(&[5, 18]).unwrap(), vec!["first", "outline post"]);
        let err = pick(&[2]).unwrap_err();
        assert!(err.contains("selection: "), "{err}");
        assert!(
            err.contains("f.feature:2: no scenario is at or contains line 2"),
            "{err}"
        );
        assert!(err.contains("start at lines 5, 9, 12"), "{err}");
        assert!(pick(&[99]).unwrap_err().contains("line 99"));
    }

    /// Counts the times it is woken.
    struct Wakes(AtomicUsize);
    impl std::task::Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn three_scenarios(name: &str) -> Vec<u8> {
        let mut text = format!("Feature: {name}\n");
        for i in 1..=3 {
            text.push_str(&format!(
                "  Scenario: {name} {i}\n    Given the client \"web\"\n"
            ));
        }
        text.into_bytes()
    }

    /// A feature with a background, three scenarios of its own and two rules (one of three
    /// scenarios, one of none).
    const LONG: &str = "@f\nFeature: Long\n  Background:\n    Given the client \"web\"\n\n  Scenario: s1\n    Given the client \"web\"\n  Scenario: s2\n    Given the client \"web\"\n  Scenario: s3\n    Given the client \"web\"\n\n  Rule: r1\n    Scenario: r1a\n      Given the client \"web\"\n    Scenario: r1b\n      Given the client \"web\"\n    Scenario: r1c\n      Given the client \"web\"\n\n  Rule: r2\n";

    fn names_with_rules(f: &gherkin::Feature) -> Vec<String> {
        f.scenarios
            .iter()
            .map(|s| s.name.clone())
            .chain(
                f.rules
                    .iter()
                    .flat_map(|r| r.scenarios.iter().map(|s| format!("{}/{}", r.name, s.name))),
            )
            .collect()
    }

    #[test]
    fn a_long_feature_is_cut_into_pieces_that_keep_its_order_background_tags_and_rules() {
        let whole = parse_bytes(LONG.as_bytes(), "long.feature").unwrap();
        let pieces: Vec<gherkin::Feature> = split_feature(whole.clone(), 2).into();
        assert_eq!(
            pieces.iter().map(names_with_rules).collect::<Vec<_>>(),
            [
                vec!["s1", "s2"],
                vec!["s3", "r1/r1a"],
                vec!["r1/r1b", "r1/r1c"],
            ]
        );
        for p in &pieces {
            assert_eq!(
                (&p.name, &p.tags, &p.background, &p.path),
                (&whole.name, &whole.tags, &whole.background, &whole.path)
            );
        }
        // The rule of no scenarios is kept, in the last piece; a rule cut in two is in both.
        assert_eq!(pieces[2].rules.len(), 2);
        assert_eq!(pieces[2].rules[1].name, "r2");
        assert_eq!(pieces[1].rules[0].name, "r1");
        let rejoined: Vec<String> = pieces.iter().flat_map(names_with_rules).collect();
        assert_eq!(rejoined, names_with_rules(&whole));
        // Short enough: handed whole.
        let one: Vec<gherkin::Feature> = split_feature(whole.clone(), 6).into();
        assert_eq!(one, vec![whole]);
    }

    #[test]
    fn the_parser_hands_a_long_feature_over_in_pieces() {
        let rows: String = (0..(PIECE + 10))
            .map(|i| format!("      | {i} |\n"))
            .collect();
        let text = format!(
            "Feature: Rows\n  Scenario Outline: row <n>\n    Given the client \"web\"\n\n    Examples:\n      | n |\n{rows}"
        );
        let root = tree("pieces", &[("rows.feature", text.as_bytes())]);
        let plan = Plan {
            files: vec![Planned {
                file: FeatureFile {
                    path: root.join("rows.feature"),
                    lines: Vec::new(),
                },
                parsed: None,
            }],
            scenarios: PIECE + 10,
        };
        let window = Window::new(1);
        let mut lazy = Lazy::new(plan, window.clone(), Box::new(|f| f));
        let waker = Waker::from(Arc::new(Wakes(AtomicUsize::new(0))));
        let mut cx = std::task::Context::from_waker(&waker);
        let mut next = || {
            use futures::Stream as _;
            match std::pin::Pin::new(&mut lazy).poll_next(&mut cx) {
                std::task::Poll::Ready(Some(Ok(f))) => Some(Some(f)),
                std::task::Poll::Ready(Some(Err(e))) => panic!("{e}"),
                std::task::Poll::Ready(None) => Some(None),
                std::task::Poll::Pending => None,
            }
        };
        let first = next().unwrap().unwrap();
        assert_eq!(first.scenarios.len(), PIECE);
        assert_eq!(window.queued(), PIECE);
        assert_eq!(next(), None, "the window is full");
        for _ in 0..PIECE {
            window.started();
        }
        let second = next().unwrap().unwrap();
        assert_eq!(second.scenarios.len(), 10);
        assert_eq!(second.scenarios[0].name, format!("row {PIECE}"));
        for _ in 0..10 {
            window.started();
        }
        assert_eq!(next(), Some(None));
    }

    #[test]
    fn the_parser_hands_features_over_only_as_the_executor_needs_them() {
        let (a, b, c) = (
            three_scenarios("A"),
            three_scenarios("B"),
            three_scenarios("C"),
        );
        let root = tree(
            "lazy",
            &[("a.feature", &a), ("b.feature", &b), ("c.feature", &c)],
        );
        let file = |name: &str| FeatureFile {
            path: root.join(name),
            lines: Vec::new(),
        };
        // The first file is kept parsed from planning; the others are parsed when handed over.
        let first = load(&file("a.feature")).unwrap();
        let plan = Plan {
            files: vec![
                Planned {
                    file: file("a.feature"),
                    parsed: Some(Ok(first)),
                },
                Planned {
                    file: file("b.feature"),
                    parsed: None,
                },
                Planned {
                    file: file("c.feature"),
                    parsed: None,
                },
            ],
            scenarios: 9,
        };
        let window = Window::new(2);
        let prepared = Arc::new(AtomicUsize::new(0));
        let seen = prepared.clone();
        let mut lazy = Lazy::new(
            plan,
            window.clone(),
            Box::new(move |f| {
                seen.fetch_add(1, Ordering::SeqCst);
                f
            }),
        );
        let wakes = Arc::new(Wakes(AtomicUsize::new(0)));
        let waker = Waker::from(wakes.clone());
        let mut cx = std::task::Context::from_waker(&waker);
        let mut poll = || {
            use futures::Stream as _;
            match std::pin::Pin::new(&mut lazy).poll_next(&mut cx) {
                std::task::Poll::Ready(Some(Ok(f))) => Some(Some(f.name)),
                std::task::Poll::Ready(Some(Err(e))) => panic!("{e}"),
                std::task::Poll::Ready(None) => Some(None),
                std::task::Poll::Pending => None,
            }
        };
        assert_eq!(poll(), Some(Some("A".to_string())));
        assert_eq!(window.queued(), 3);
        // Three scenarios wait: the window (2) is full, nothing more is parsed.
        assert_eq!(poll(), None);
        assert_eq!(prepared.load(Ordering::SeqCst), 1);
        window.started();
        assert_eq!(
            wakes.0.load(Ordering::SeqCst),
            1,
            "a start wakes the parser"
        );
        assert_eq!(poll(), None, "two still wait");
        window.started();
        assert_eq!(poll(), Some(Some("B".to_string())), "parsed when handed");
        assert_eq!(window.queued(), 4);
        assert_eq!(poll(), None);
        for _ in 0..3 {
            window.started();
        }
        assert_eq!(poll(), Some(Some("C".to_string())));
        assert_eq!(prepared.load(Ordering::SeqCst), 3);
        // Nothing is left: the stream ends whatever waits.
        assert_eq!(poll(), Some(None));
        // A retry starts a scenario again: the count never goes below zero.
        for _ in 0..10 {
            window.started();
        }
        assert_eq!(window.queued(), 0);
    }

    #[test]
    fn a_file_that_no_longer_parses_when_handed_over_is_an_error_against_it() {
        let root = tree("changed", &[("a.feature", ONE)]);
        let planned = Planned {
            file: FeatureFile {
                path: root.join("a.feature"),
                lines: Vec::new(),
            },
            parsed: None,
        };
        assert_eq!(planned.into_feature().unwrap().name, "One");
        std::fs::write(root.join("a.feature"), b"Scenario: no feature\n").unwrap();
        let planned = Planned {
            file: FeatureFile {
                path: root.join("a.feature"),
                lines: Vec::new(),
            },
            parsed: None,
        };
        let err = super::super::writer::parse_error(&planned.into_feature().unwrap_err());
        assert!(
            err.message.contains("expected `Feature:`"),
            "{}",
            err.message
        );
        assert!(err.location.contains("a.feature"), "{}", err.location);
    }
}
