//! Reports written by streaming, so that a run's memory does not grow with its scenarios.
//!
//! As each scenario finishes (redacted once, by the runner's writer), [`Evidence::keep`]
//! appends the scenario that did not fail to a spill file (one MessagePack document per
//! scenario, with field names, so that optional fields and JSON values read back; in
//! a hidden `.parts/` folder of the report directory; on Unix unlinked as soon as it is open,
//! elsewhere removed at the end) and gives back what
//! the run keeps of it: its identity, verdict, duration, tags and retries, without steps or
//! logs. Failed scenarios stay whole in memory: they are few, and the overview, the console's
//! recap and the categories group them. Besides, the run keeps per spilled scenario where it
//! is in the file, its steps' hash (for the history), its warning count and the keys of its
//! long bodies (for the report's "Shared bodies").
//!
//! At the end, [`stream`] walks the report once, in report order, reads each spilled
//! scenario back ([`Evidence::full`]) and hands it to every output's [`Sink`] (HTML, JUnit,
//! Cucumber JSON), which renders its fragment into a small buffer that goes straight to the
//! file. Whatever needs all scenarios at once (counts, failure groups, filters, per-feature
//! totals, the history) is computed from what the run kept. A report built in memory (merged
//! shards, tests) takes the same path with an [`Evidence::default`] that holds nothing: one
//! renderer per format.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use super::ReportError;
use serde::{Deserialize, Serialize};

use super::model::{FeatureReport, RunReport, ScenarioReport, StepRecord, StepReport};

/// The folder of the report directory that holds a run's spill files while it runs.
pub const PARTS_DIR: &str = ".parts";

/// A long body's identity: the first 8 bytes of its SHA-256.
type BodyKey = u64;

fn body_key(body: &str) -> BodyKey {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// What the run keeps of a scenario whose evidence is in the spill file.
#[derive(Debug)]
struct Stored {
    offset: u64,
    len: u64,
    /// Its long bodies' keys, in the order the HTML report meets them.
    bodies: Box<[BodyKey]>,
    /// See [`super::history::steps_digest`].
    steps_digest: u64,
    warnings: usize,
}

/// A scenario as the spill file holds it: its steps' records apart from the steps, since a
/// flattened record does not read back (serde buffers it, and it holds `u128`s).
#[derive(Debug, Serialize, Deserialize)]
struct OnDisk {
    /// The scenario without its steps.
    scenario: ScenarioReport,
    steps: Vec<StepOnDisk>,
}

/// A step with its record apart (the step's own record is left empty: nothing to buffer).
#[derive(Debug, Serialize, Deserialize)]
struct StepOnDisk {
    step: StepReport,
    record: StepRecord,
}

impl OnDisk {
    fn new(mut scenario: ScenarioReport) -> Self {
        let steps = std::mem::take(&mut scenario.steps)
            .into_iter()
            .map(|mut step| StepOnDisk {
                record: std::mem::take(&mut step.record),
                step,
            })
            .collect();
        OnDisk { scenario, steps }
    }

    fn into_scenario(self) -> ScenarioReport {
        let mut s = self.scenario;
        s.steps = self
            .steps
            .into_iter()
            .map(|StepOnDisk { mut step, record }| {
                step.record = record;
                step
            })
            .collect();
        s
    }
}

/// The spill file, written as scenarios finish and read back at the end.
#[derive(Debug)]
struct Spill {
    dir: PathBuf,
    path: PathBuf,
    file: BufWriter<File>,
    /// Bytes written so far (the next scenario's offset).
    end: u64,
    /// Whether `file` holds bytes not yet flushed.
    dirty: bool,
}

impl Spill {
    fn create(report_dir: &Path) -> Result<Self, ReportError> {
        let dir = report_dir.join(PARTS_DIR);
        std::fs::create_dir_all(&dir).map_err(|source| ReportError::CreateDir {
            path: dir.clone(),
            source,
        })?;
        let path = dir.join(format!("scenarios-{}.msgpack", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(|source| ReportError::Spill {
                path: path.clone(),
                source,
            })?;
        // On Unix the file lives on unnamed while the run holds it, so that a run that is
        // killed leaves nothing behind; elsewhere it is removed when the evidence is dropped.
        #[cfg(unix)]
        {
            let _ = std::fs::remove_file(&path);
            let _ = std::fs::remove_dir(&dir);
        }
        Ok(Spill {
            dir,
            path,
            file: BufWriter::with_capacity(256 * 1024, file),
            end: 0,
            dirty: false,
        })
    }

    fn append(&mut self, s: &OnDisk) -> Result<(u64, u64), ReportError> {
        let bytes = rmp_serde::to_vec_named(s).map_err(|e| self.error(std::io::Error::other(e)))?;
        self.file.write_all(&bytes).map_err(|e| self.error(e))?;
        let offset = self.end;
        self.end += bytes.len() as u64;
        self.dirty = true;
        Ok((offset, bytes.len() as u64))
    }

    fn read(&mut self, offset: u64, len: u64) -> Result<ScenarioReport, ReportError> {
        if self.dirty {
            self.file.flush().map_err(|e| self.error(e))?;
            self.dirty = false;
        }
        let mut bytes = vec![0u8; len as usize];
        let file = self.file.get_mut();
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(|e| self.error(e))?;
        // Appends go to the end whatever the reads did.
        self.file
            .get_mut()
            .seek(SeekFrom::End(0))
            .map_err(|e| self.error(e))?;
        let back: OnDisk =
            rmp_serde::from_slice(&bytes).map_err(|e| self.error(std::io::Error::other(e)))?;
        Ok(back.into_scenario())
    }

    fn error(&self, source: std::io::Error) -> ReportError {
        ReportError::Spill {
            path: self.path.clone(),
            source,
        }
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        // Left in place while another run's spill file is in it.
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// The evidence of a run's scenarios: in the report itself, or in a spill file for those the
/// run let go of (see the module's documentation).
#[derive(Debug, Default)]
pub struct Evidence {
    spill: Option<Mutex<Spill>>,
    /// By feature index and scenario line.
    stored: HashMap<(usize, usize), Stored>,
    /// How often each long body occurred in the scenarios kept so far (every attempt).
    occurrences: HashMap<BodyKey, u32>,
    /// The text of each long body that occurred at least twice.
    texts: HashMap<BodyKey, String>,
    /// Writing to the spill file failed: later scenarios stay in memory.
    full_disk: bool,
}

impl Evidence {
    /// Evidence that spills to a hidden folder of `report_dir`. When the folder cannot be
    /// made, every scenario stays in memory, as with [`Evidence::default`].
    pub fn spilling(report_dir: &Path) -> Self {
        match Spill::create(report_dir) {
            Ok(spill) => Evidence {
                spill: Some(Mutex::new(spill)),
                ..Default::default()
            },
            Err(e) => {
                tracing::warn!("{e}; keeping every scenario's evidence in memory");
                Evidence::default()
            }
        }
    }

    fn spill(&self) -> Option<MutexGuard<'_, Spill>> {
        self.spill
            .as_ref()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Takes a finished scenario of feature `feature`: a scenario that did not fail goes to
    /// the spill file and what the report should hold of it comes back; a failed one (or any,
    /// without a spill file or when writing to it fails) comes back whole. A later attempt of
    /// the same scenario replaces the earlier one.
    pub fn keep(&mut self, feature: usize, s: ScenarioReport) -> ScenarioReport {
        let mut bodies = Vec::new();
        for body in super::html::big_bodies(&s) {
            let key = body_key(body);
            let n = self.occurrences.entry(key).or_default();
            *n += 1;
            if *n == 2 {
                self.texts.entry(key).or_insert_with(|| body.to_owned());
            }
            bodies.push(key);
        }
        self.stored.remove(&(feature, s.line));
        if s.verdict().is_failure() || self.full_disk {
            return s;
        }
        let Some(spill) = self.spill.as_mut() else {
            return s;
        };
        let spill = spill.get_mut().unwrap_or_else(|e| e.into_inner());
        let steps_digest = super::history::steps_digest(&s);
        let warnings = s.warnings();
        let line = s.line;
        let disk = OnDisk::new(s);
        match spill.append(&disk) {
            Ok((offset, len)) => {
                let stored = Stored {
                    offset,
                    len,
                    bodies: bodies.into_boxed_slice(),
                    steps_digest,
                    warnings,
                };
                self.stored.insert((feature, line), stored);
                ScenarioReport {
                    logs: Vec::new(),
                    ..disk.scenario
                }
            }
            Err(e) => {
                // What was written stays readable; nothing more is appended.
                tracing::warn!("{e}; keeping the next scenarios' evidence in memory");
                self.full_disk = true;
                disk.into_scenario()
            }
        }
    }

    /// Whether the report holds `s` (of feature `feature`) without its evidence.
    fn stored(&self, feature: usize, s: &ScenarioReport) -> Option<&Stored> {
        self.stored.get(&(feature, s.line))
    }

    /// The scenario `s` of feature `feature` with all its evidence: `s` itself, or read back
    /// from the spill file.
    pub fn full<'a>(
        &self,
        feature: usize,
        s: &'a ScenarioReport,
    ) -> Result<Cow<'a, ScenarioReport>, ReportError> {
        let Some(stored) = self.stored(feature, s) else {
            return Ok(Cow::Borrowed(s));
        };
        match self.spill() {
            Some(mut spill) => spill.read(stored.offset, stored.len).map(Cow::Owned),
            None => Ok(Cow::Borrowed(s)),
        }
    }

    /// The hash of the steps of `s` as written (see [`super::history::steps_hash`]).
    pub fn steps_hash(&self, feature: usize, s: &ScenarioReport) -> String {
        match self.stored(feature, s) {
            Some(stored) => super::history::hash_text(stored.steps_digest),
            None => super::history::steps_hash(s),
        }
    }

    /// The warnings of `s` (see [`ScenarioReport::warnings`]).
    pub fn warnings(&self, feature: usize, s: &ScenarioReport) -> usize {
        match self.stored(feature, s) {
            Some(stored) => stored.warnings,
            None => s.warnings(),
        }
    }

    /// Long bodies that occur more than once in the report, in the order their second
    /// occurrence comes in report order, each with its number.
    pub(crate) fn shared_bodies(&self, r: &RunReport) -> (super::html::Seen, Vec<String>) {
        let mut count: HashMap<BodyKey, u32> = HashMap::new();
        let mut in_memory: HashMap<BodyKey, &str> = HashMap::new();
        let mut order = Vec::new();
        let mut bump = |key: BodyKey| {
            let n = count.entry(key).or_default();
            *n += 1;
            if *n == 2 {
                order.push(key);
            }
        };
        for (fi, f) in r.features.iter().enumerate() {
            for s in &f.scenarios {
                match self.stored(fi, s) {
                    // A body the run kept once (most are: a scenario's own tokens and pages)
                    // cannot be shared: only the others are counted, so that this pass over
                    // every scenario holds the shared ones, not every body of the run.
                    Some(stored) => stored
                        .bodies
                        .iter()
                        .copied()
                        .filter(|key| self.occurrences.get(key).is_some_and(|n| *n > 1))
                        .for_each(&mut bump),
                    None => {
                        for body in super::html::big_bodies(s) {
                            let key = body_key(body);
                            in_memory.entry(key).or_insert(body);
                            bump(key);
                        }
                    }
                }
            }
        }
        let list: Vec<String> = order
            .iter()
            .filter_map(|k| {
                in_memory
                    .get(k)
                    .copied()
                    .or_else(|| self.texts.get(k).map(String::as_str))
            })
            .map(str::to_owned)
            .collect();
        let seen = list
            .iter()
            .enumerate()
            .map(|(i, b)| (b.clone(), i))
            .collect();
        (seen, list)
    }
}

/// A scenario as the report holds it and with its evidence.
pub(crate) struct At<'a> {
    /// Its feature's index in the report.
    pub(crate) feature: usize,
    /// Its index in its feature.
    pub(crate) index: usize,
    pub(crate) f: &'a FeatureReport,
    /// The scenario as its feature holds it: identity (ranks, history ids) is taken from it.
    pub(crate) id: &'a ScenarioReport,
    /// The same scenario with all its evidence.
    pub(crate) s: &'a ScenarioReport,
}

/// One output format, fed the report in order: what comes before the features, each feature's
/// opening, its scenarios, its closing, and what comes after. Each part is rendered into `o`,
/// which goes to the file after each call.
pub(crate) trait Sink {
    fn head(&mut self, r: &RunReport, ev: &Evidence, o: &mut String) -> Result<(), ReportError>;
    fn feature(&mut self, fi: usize, f: &FeatureReport, o: &mut String);
    fn scenario(&mut self, at: &At<'_>, o: &mut String);
    fn feature_end(&mut self, fi: usize, f: &FeatureReport, o: &mut String);
    fn tail(&mut self, r: &RunReport, o: &mut String);
}

/// Where a sink's text goes.
pub(crate) struct Output<'a> {
    pub(crate) sink: &'a mut (dyn Sink + Send),
    pub(crate) out: &'a mut (dyn Write + Send),
    /// For errors.
    pub(crate) path: &'a Path,
}

/// What the reading thread hands each output's thread, in report order.
enum Item {
    Feature(usize),
    /// A scenario by feature and index, with its evidence when it was read back (else the
    /// report holds it whole).
    Scenario(usize, usize, Option<Arc<ScenarioReport>>),
    FeatureEnd(usize),
}

/// How many items an output's thread may lag behind the reading: bounds what is in memory.
const LAG: usize = 16;

/// Walks `r` once, reading each scenario's evidence once, and feeds every output, each on a
/// thread of its own (the outputs are independent, and the run's end waits for them).
pub(crate) fn stream(
    r: &RunReport,
    ev: &Evidence,
    outputs: &mut [Output<'_>],
) -> Result<(), ReportError> {
    std::thread::scope(|scope| {
        let mut senders = Vec::with_capacity(outputs.len());
        let mut writers = Vec::with_capacity(outputs.len());
        for o in outputs.iter_mut() {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Arc<Item>>(LAG);
            senders.push(tx);
            writers.push(scope.spawn(move || feed(r, ev, o, rx)));
        }
        // An output whose thread stopped (it failed to write) is no longer fed.
        let send = |item: Item| {
            let item = Arc::new(item);
            for tx in &senders {
                let _ = tx.send(item.clone());
            }
        };
        let read = (|| {
            for (fi, f) in r.features.iter().enumerate() {
                send(Item::Feature(fi));
                for (si, id) in f.scenarios.iter().enumerate() {
                    let full = match ev.full(fi, id)? {
                        Cow::Borrowed(_) => None,
                        Cow::Owned(s) => Some(Arc::new(s)),
                    };
                    send(Item::Scenario(fi, si, full));
                }
                send(Item::FeatureEnd(fi));
            }
            Ok(())
        })();
        drop(senders);
        let written: Vec<Result<(), ReportError>> = writers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        read.and(written.into_iter().collect())
    })
}

/// One output's thread: its head, the items as they come, its tail.
fn feed(
    r: &RunReport,
    ev: &Evidence,
    o: &mut Output<'_>,
    items: std::sync::mpsc::Receiver<Arc<Item>>,
) -> Result<(), ReportError> {
    let mut buf = String::with_capacity(64 * 1024);
    o.sink.head(r, ev, &mut buf)?;
    flush(o, &mut buf)?;
    for item in items {
        match &*item {
            Item::Feature(fi) => o.sink.feature(*fi, &r.features[*fi], &mut buf),
            Item::Scenario(fi, si, full) => {
                let f = &r.features[*fi];
                let id = &f.scenarios[*si];
                let at = At {
                    feature: *fi,
                    index: *si,
                    f,
                    id,
                    s: full.as_deref().unwrap_or(id),
                };
                o.sink.scenario(&at, &mut buf);
            }
            Item::FeatureEnd(fi) => o.sink.feature_end(*fi, &r.features[*fi], &mut buf),
        }
        flush(o, &mut buf)?;
    }
    o.sink.tail(r, &mut buf);
    flush(o, &mut buf)
}

fn flush(o: &mut Output<'_>, buf: &mut String) -> Result<(), ReportError> {
    let written = o.out.write_all(buf.as_bytes());
    buf.clear();
    written.map_err(|source| ReportError::Write {
        path: o.path.to_owned(),
        source,
    })
}

/// Renders a report held in memory with one sink, into a string.
pub(crate) fn render(r: &RunReport, sink: &mut (dyn Sink + Send)) -> String {
    let mut out: Vec<u8> = Vec::new();
    let path = Path::new("memory");
    let ev = Evidence::default();
    let mut outputs = [Output {
        sink,
        out: &mut out,
        path,
    }];
    // Nothing to read back and nothing to fail writing into memory.
    if let Err(e) = stream(r, &ev, &mut outputs) {
        tracing::warn!("{e}");
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Writes the three reports of `r` (redacted already) into `dir`, with the evidence the run
/// spilled: `index.html`, `junit.xml` and `cucumber.json`. Returns the paths written.
pub fn write(r: &RunReport, ev: &Evidence, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_owned(),
        source,
    })?;
    let paths = ["index.html", "junit.xml", "cucumber.json"].map(|name| dir.join(name));
    let open = |path: &PathBuf| {
        File::create(path)
            .map(|f| BufWriter::with_capacity(256 * 1024, f))
            .map_err(|source| ReportError::Write {
                path: path.clone(),
                source,
            })
    };
    let mut files = [open(&paths[0])?, open(&paths[1])?, open(&paths[2])?];
    let mut html = super::html::Page::default();
    let mut junit = super::junit::Suites::default();
    let mut cucumber = super::cucumber_json::Features::default();
    let [f0, f1, f2] = &mut files;
    let mut outputs = [
        Output {
            sink: &mut html,
            out: f0,
            path: &paths[0],
        },
        Output {
            sink: &mut junit,
            out: f1,
            path: &paths[1],
        },
        Output {
            sink: &mut cucumber,
            out: f2,
            path: &paths[2],
        },
    ];
    stream(r, ev, &mut outputs)?;
    for (file, path) in files.iter_mut().zip(&paths) {
        file.flush().map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(paths.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{allure, cucumber_json, fixtures, history, html, junit};

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "idflow-stream-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// The fixture report as the runner's writer leaves it: scenarios kept in the order given
    /// (finishing out of order), then sorted by line.
    fn kept(order: &[(usize, usize)], report_dir: &Path) -> (RunReport, Evidence) {
        let full = fixtures::report();
        let mut ev = Evidence::spilling(report_dir);
        let mut r = RunReport {
            features: full
                .features
                .iter()
                .map(|f| FeatureReport {
                    scenarios: Vec::new(),
                    ..f.clone()
                })
                .collect(),
            ..full.clone()
        };
        for &(fi, si) in order {
            let s = full.features[fi].scenarios[si].clone();
            let kept = ev.keep(fi, s);
            r.features[fi].scenarios.push(kept);
        }
        for f in &mut r.features {
            f.scenarios.sort_by_key(|s| s.line);
        }
        (r, ev)
    }

    fn every_scenario(r: &RunReport, reversed: bool) -> Vec<(usize, usize)> {
        let mut all: Vec<(usize, usize)> = r
            .features
            .iter()
            .enumerate()
            .flat_map(|(fi, f)| (0..f.scenarios.len()).map(move |si| (fi, si)))
            .collect();
        if reversed {
            all.reverse();
        }
        all
    }

    #[test]
    fn scenarios_spilled_out_of_order_give_the_bytes_of_the_report_in_memory() {
        let full = fixtures::report();
        let dir = temp_dir("bytes");
        let (slim, ev) = kept(&every_scenario(&full, true), &dir);
        // The passed ones are on disk, not in memory.
        let spilled = slim.scenarios().filter(|(_, s)| s.steps.is_empty()).count();
        let not_failed = full
            .scenarios()
            .filter(|(_, s)| !s.verdict().is_failure())
            .count();
        assert!(not_failed > 0);
        assert_eq!(spilled, not_failed);
        let out = dir.join("out");
        let paths = write(&slim, &ev, &out).unwrap();
        let read = |i: usize| std::fs::read_to_string(&paths[i]).unwrap();
        assert_eq!(read(0), html::render(&full));
        assert_eq!(read(1), junit::render(&full));
        assert_eq!(read(2), cucumber_json::render(&full));
        // Allure and the history read the same evidence.
        let allure_dir = dir.join("allure");
        allure::write_streamed(&slim, &ev, &allure_dir).unwrap();
        for (name, text) in allure::render(&full) {
            assert_eq!(
                std::fs::read_to_string(allure_dir.join(&name)).unwrap(),
                text,
                "{name}"
            );
        }
        let streamed = history::RunSummary::with_evidence(&slim, &ev);
        let in_memory = history::RunSummary::of(&full);
        assert_eq!(
            serde_json::to_string(&streamed).unwrap(),
            serde_json::to_string(&in_memory).unwrap()
        );
        let warnings = |r: &RunReport, ev: &Evidence| -> usize {
            r.features
                .iter()
                .enumerate()
                .flat_map(|(fi, f)| f.scenarios.iter().map(move |s| (fi, s)))
                .map(|(fi, s)| ev.warnings(fi, s))
                .sum()
        };
        assert_eq!(warnings(&slim, &ev), warnings(&full, &Evidence::default()));
        // The spill folder goes with the evidence.
        drop(ev);
        assert!(!dir.join(PARTS_DIR).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_later_attempt_replaces_the_spilled_one() {
        let full = fixtures::report();
        let dir = temp_dir("retry");
        let order = every_scenario(&full, false);
        let (fi, si) = order[0];
        let (mut slim, mut ev) = kept(&order, &dir);
        // The first scenario again, failed this time: whole in memory, its spilled record gone.
        let mut again = full.features[fi].scenarios[si].clone();
        again.status = Some(crate::report::model::Status::Failed);
        let back = ev.keep(fi, again.clone());
        assert_eq!(back.steps.len(), again.steps.len());
        assert!(ev.stored(fi, &back).is_none());
        slim.features[fi].scenarios[si] = back;
        let got = ev.full(fi, &slim.features[fi].scenarios[si]).unwrap();
        assert_eq!(got.status, again.status);
        drop(ev);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn without_a_writable_folder_everything_stays_in_memory() {
        let file = temp_dir("file");
        std::fs::write(&file, "x").unwrap();
        let mut ev = Evidence::spilling(&file);
        let s = fixtures::report().features[0].scenarios[0].clone();
        let back = ev.keep(0, s.clone());
        assert_eq!(back.steps.len(), s.steps.len());
        std::fs::remove_file(&file).unwrap();
    }

    /// The fixture with long bodies: one in every exchange's response, one in every other
    /// scenario's requests, and one of each scenario's own.
    fn with_long_bodies() -> RunReport {
        let mut r = fixtures::report();
        let mut n = 0;
        for f in &mut r.features {
            for s in &mut f.scenarios {
                n += 1;
                for st in &mut s.steps {
                    for ex in &mut st.record.exchanges {
                        for hop in &mut ex.hops {
                            if n % 2 == 0 {
                                hop.request.body = Some("x=".repeat(200));
                            } else {
                                hop.request.body = Some(format!("own {n} ").repeat(60));
                            }
                            if let Some(resp) = &mut hop.response {
                                resp.body = format!("{{\"keys\":\"{}\"}}", "k".repeat(300));
                            }
                        }
                    }
                }
            }
        }
        r
    }

    #[test]
    fn shared_bodies_are_the_same_from_memory_and_from_the_spill() {
        let full = with_long_bodies();
        let dir = temp_dir("shared");
        let mut ev = Evidence::spilling(&dir);
        let mut slim = full.clone();
        for (fi, f) in slim.features.iter_mut().enumerate() {
            // Last first, as scenarios may finish.
            for s in f.scenarios.iter_mut().rev() {
                *s = ev.keep(fi, std::mem::take(s));
            }
        }
        let memory = Evidence::default().shared_bodies(&full);
        let streamed = ev.shared_bodies(&slim);
        assert!(memory.1.len() >= 2, "{:?}", memory.1);
        assert_eq!(memory.1, streamed.1);
        assert_eq!(memory.0, streamed.0);
        let paths = write(&slim, &ev, &dir.join("out")).unwrap();
        let page = std::fs::read_to_string(&paths[0]).unwrap();
        assert!(page.contains("Shared bodies"));
        assert_eq!(page, html::render(&full));
        drop(ev);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
