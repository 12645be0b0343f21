//! Cucumber JSON: the array-of-features format that standard tools (Jenkins cucumber reports,
//! cucumber-html-reporter, Xray ...) read, carrying idflow's own data so that [`parse`] can
//! rebuild the full model (for `report merge` of shards).
//!
//! - Each element (scenario) carries idflow's data as plain JSON in an `idflow` field, which
//!   Cucumber tools ignore and `jq` reads: the scenario's rule, status, duration, logs and
//!   retries, and per step its background flag, exact status and duration, and record
//!   (exchanges, tokens, checks). Files written before 2026-12-06 carried the same data as an
//!   embedding of type [`MIME`] (Base64 JSON) in the element's `embeddings`; [`parse`] reads
//!   both. Plain JSON is a quarter smaller than Base64 and costs no encoding pass.
//! - The first feature carries the run metadata (environment, target, commit, tags, start,
//!   duration, run-level errors) in an `idflow` field. A run without features writes one
//!   placeholder feature (`"idflow": {"placeholder": true}`) to hold it.
//!
//! Background steps stay in each scenario's steps (flagged in their embedding). [`parse`] also
//! reads plain Cucumber JSON from other tools, with what it can know.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::ReportError;
use super::model::{
    FeatureReport, RunError, RunReport, ScenarioReport, Status, StepRecord, StepReport,
};
use super::stream::{At, Evidence, Sink};

/// Media type of idflow's embeddings.
pub const MIME: &str = "application/vnd.idflow+json";

#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct Feature {
    uri: String,
    id: String,
    keyword: String,
    name: String,
    description: String,
    line: usize,
    tags: Vec<Tag>,
    elements: Vec<Element>,
    #[serde(skip_serializing_if = "Option::is_none")]
    idflow: Option<FeatureExtras>,
}

#[derive(Serialize, Deserialize, Default)]
struct FeatureExtras {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    run: Option<RunMeta>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    placeholder: bool,
}

#[derive(Serialize, Deserialize, Default)]
struct RunMeta {
    environment: String,
    target: String,
    #[serde(default)]
    commit: Option<String>,
    #[serde(default)]
    tags: Option<String>,
    started_at_ms: u128,
    duration_ms: f64,
    #[serde(default)]
    errors: Vec<RunError>,
}

#[derive(Serialize, Deserialize)]
struct Tag {
    name: String,
    #[serde(default)]
    line: usize,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct Element {
    id: String,
    keyword: String,
    #[serde(rename = "type")]
    kind: String,
    name: String,
    description: String,
    line: usize,
    tags: Vec<Tag>,
    steps: Vec<Step>,
    /// Other tools' embeddings (and idflow's own, in files written before the `idflow` field).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    embeddings: Vec<Embedding>,
    /// idflow's data, written by [`write_element`] as the element's last field.
    #[serde(skip_serializing)]
    idflow: Option<ScenarioExtras<'static>>,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct Step {
    keyword: String,
    name: String,
    line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    doc_string: Option<DocString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rows: Option<Vec<Row>>,
    result: StepResult,
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    matched: Option<Match>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    embeddings: Vec<Embedding>,
}

#[derive(Serialize, Deserialize)]
struct DocString {
    value: String,
    #[serde(default)]
    content_type: String,
    #[serde(default)]
    line: usize,
}

#[derive(Serialize, Deserialize)]
struct Row {
    cells: Vec<String>,
}

#[derive(Serialize, Deserialize, Default)]
struct StepResult {
    #[serde(default)]
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duration: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Match {
    location: String,
}

/// An embedding: another tool's attachment, or idflow's data in files written before the
/// element's `idflow` field (Base64 JSON of type [`MIME`]).
#[derive(Serialize, Deserialize)]
struct Embedding {
    mime_type: String,
    data: String,
}

/// A step's idflow data: borrowed from the report when rendering, owned when parsing.
#[derive(Serialize, Deserialize)]
struct StepExtras<'a> {
    #[serde(default)]
    background: bool,
    status: Option<Status>,
    duration_ms: f64,
    #[serde(default)]
    record: Cow<'a, StepRecord>,
}

/// A scenario's idflow data: borrowed from the report when rendering, owned when parsing.
#[derive(Serialize, Deserialize)]
struct ScenarioExtras<'a> {
    #[serde(default)]
    rule: Option<String>,
    status: Option<Status>,
    duration_ms: f64,
    #[serde(default)]
    logs: Cow<'a, [String]>,
    #[serde(default)]
    retries: usize,
    /// Why the scenario was not applicable on the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_applicable: Option<String>,
    /// The steps' idflow data, in step order: one embedding per scenario, so that Cucumber
    /// tools show nothing of idflow's on each step.
    #[serde(default)]
    steps: Vec<StepExtras<'a>>,
}

/// Renders the report as Cucumber JSON, compact: it is read by tools, and indentation made a
/// fifth of its size.
pub fn render(report: &RunReport) -> String {
    super::stream::render(report, &mut Features::default())
}

/// The array of features as a [`Sink`]: each feature's object is serialised without its
/// elements and cut where they go; each element is serialised on its own between. The bytes
/// are those of serialising the whole array at once (compact JSON has no whitespace).
#[derive(Default)]
pub(crate) struct Features {
    /// The run's metadata, carried by the first feature (or the placeholder).
    meta: Option<RunMeta>,
    /// What closes the current feature's object, from its elements' `]` on.
    rest: String,
    /// An element of the current feature was written.
    elements: bool,
    /// How many scenarios of the current feature share each one's name, in order.
    ranks: Vec<super::history::NameRank>,
}

/// Where a feature's elements go in its serialised object.
const ELEMENTS: &str = "\"elements\":[";

impl Sink for Features {
    fn head(
        &mut self,
        report: &RunReport,
        _: &Evidence,
        o: &mut String,
    ) -> Result<(), ReportError> {
        self.meta = Some(RunMeta {
            environment: report.environment.clone(),
            target: report.target.clone(),
            commit: report.commit.clone(),
            tags: report.tags.clone(),
            started_at_ms: report.started_at_ms,
            duration_ms: report.duration_ms,
            errors: report.errors.clone(),
        });
        o.push('[');
        Ok(())
    }

    fn feature(&mut self, fi: usize, f: &FeatureReport, o: &mut String) {
        let mut head = feature(f);
        if fi == 0 {
            head.idflow = Some(FeatureExtras {
                run: self.meta.take(),
                placeholder: false,
            });
        } else {
            o.push(',');
        }
        let text = serde_json::to_string(&head).expect("cucumber JSON serialises");
        // The fields before `elements` are strings (quotes escaped), numbers and tags: the
        // first `"elements":[` is the field's.
        let cut = text
            .find(ELEMENTS)
            .map_or(text.len(), |i| i + ELEMENTS.len());
        o.push_str(&text[..cut]);
        self.rest = text[cut..].to_owned();
        self.elements = false;
        self.ranks = super::history::name_ranks(f);
    }

    fn scenario(&mut self, at: &At<'_>, o: &mut String) {
        if self.elements {
            o.push(',');
        }
        self.elements = true;
        let repeated = self.ranks.get(at.index).is_some_and(|r| r.of > 1);
        let mut id = format!("{};{}", slug(&at.f.name), slug(&at.s.name));
        if repeated {
            id.push_str(&format!(";{}", at.s.line));
        }
        let (element, extras) = element(at.s, id);
        write_element(o, &element, &extras);
    }

    fn feature_end(&mut self, _: usize, _: &FeatureReport, o: &mut String) {
        o.push_str(&self.rest);
    }

    fn tail(&mut self, _: &RunReport, o: &mut String) {
        if let Some(meta) = self.meta.take() {
            let placeholder = Feature {
                keyword: "Feature".into(),
                name: "idflow run".into(),
                id: "idflow-run".into(),
                idflow: Some(FeatureExtras {
                    run: Some(meta),
                    placeholder: true,
                }),
                ..Default::default()
            };
            o.push_str(&serde_json::to_string(&placeholder).expect("cucumber JSON serialises"));
        }
        o.push(']');
    }
}

/// Writes `element` with `extras` as its last field, `idflow`: the bytes serde_json writes for
/// the element holding it, without serialising the element's whole record twice.
fn write_element(o: &mut String, element: &Element, extras: &ScenarioExtras<'_>) {
    debug_assert!(element.idflow.is_none(), "the idflow field is written here");
    let text = serde_json::to_string(element).expect("cucumber JSON serialises");
    // An object: everything but its closing brace, then the idflow field, the last one.
    o.push_str(&text[..text.len() - 1]);
    o.push_str(",\"idflow\":");
    let json = serde_json::to_vec(extras).expect("idflow extras serialise");
    o.push_str(std::str::from_utf8(&json).expect("serde_json writes UTF-8"));
    o.push('}');
}

fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

fn tags(names: &[String], line: usize) -> Vec<Tag> {
    names
        .iter()
        .map(|n| Tag {
            name: n.clone(),
            line,
        })
        .collect()
}

fn nanos(ms: f64) -> u64 {
    (ms.max(0.0) * 1e6).round() as u64
}

/// A feature's object without its elements (see [`Features`]).
fn feature(f: &FeatureReport) -> Feature {
    Feature {
        uri: f.path.clone(),
        id: slug(&f.name),
        keyword: "Feature".into(),
        name: f.name.clone(),
        description: f.description.clone().unwrap_or_default(),
        line: f.line,
        tags: tags(&f.tags, f.line.saturating_sub(1).max(1)),
        elements: Vec::new(),
        idflow: None,
    }
}

/// The element of scenario `s`, and idflow's data for its embedding (see [`write_element`]).
fn element(s: &ScenarioReport, id: String) -> (Element, ScenarioExtras<'_>) {
    let extras = ScenarioExtras {
        rule: s.rule.clone(),
        status: s.status,
        duration_ms: s.duration_ms,
        logs: Cow::Borrowed(&s.logs),
        retries: s.retries,
        not_applicable: s.not_applicable.clone(),
        steps: s
            .steps
            .iter()
            .map(|st| StepExtras {
                background: st.background,
                status: st.status,
                duration_ms: st.duration_ms,
                record: Cow::Borrowed(&st.record),
            })
            .collect(),
    };
    let element = Element {
        id,
        keyword: s.keyword.clone(),
        kind: "scenario".into(),
        name: s.name.clone(),
        // Cucumber tools show a skipped scenario's description: the reason it was skipped.
        description: s
            .not_applicable
            .as_ref()
            .map(|r| format!("Not applicable: {r}"))
            .unwrap_or_default(),
        line: s.line,
        tags: tags(&s.tags, s.line.saturating_sub(1).max(1)),
        steps: s.steps.iter().map(step).collect(),
        embeddings: Vec::new(),
        idflow: None,
    };
    (element, extras)
}

fn step(st: &StepReport) -> Step {
    Step {
        keyword: st.keyword.clone(),
        name: st.text.clone(),
        line: st.line,
        doc_string: st.docstring.as_ref().map(|d| DocString {
            value: d.clone(),
            content_type: String::new(),
            line: st.line + 1,
        }),
        rows: st.table.as_ref().map(|rows| {
            rows.iter()
                .map(|cells| Row {
                    cells: cells.clone(),
                })
                .collect()
        }),
        result: StepResult {
            status: st.status.unwrap_or(Status::Skipped).as_str().into(),
            duration: Some(nanos(st.duration_ms)),
            error_message: st.record.error.clone(),
        },
        matched: st.record.definition.as_ref().map(|l| Match {
            location: l.clone(),
        }),
        embeddings: Vec::new(),
    }
}

/// Reads back a report written by [`render`] (or plain Cucumber JSON from another tool, with
/// the run metadata left empty).
pub fn parse(text: &str) -> Result<RunReport, ReportError> {
    let features: Vec<Feature> =
        serde_json::from_str(text).map_err(|e| ReportError::Parse(e.to_string()))?;
    let mut report = RunReport::default();
    for f in features {
        let extras = f.idflow.unwrap_or_default();
        if let Some(meta) = extras.run {
            report.environment = meta.environment;
            report.target = meta.target;
            report.commit = meta.commit;
            report.tags = meta.tags;
            report.started_at_ms = meta.started_at_ms;
            report.duration_ms = meta.duration_ms;
            report.errors.extend(meta.errors);
        }
        if extras.placeholder {
            continue;
        }
        let mut scenarios = Vec::new();
        let mut background: Vec<StepReport> = Vec::new();
        for e in f.elements {
            let at = |line: usize| format!("{}:{line}", f.uri);
            let mut steps: Vec<StepReport> = e.steps.into_iter().map(parse_step).collect();
            if e.kind == "background" {
                steps.iter_mut().for_each(|s| s.background = true);
                background = steps;
                continue;
            }
            let mut all = std::mem::take(&mut background);
            all.append(&mut steps);
            let extras: Option<ScenarioExtras> = match e.idflow {
                Some(extras) => Some(extras),
                None => extras_of(&e.embeddings, &at(e.line))?,
            };
            let mut s = ScenarioReport {
                name: e.name,
                keyword: e.keyword,
                line: e.line,
                tags: e.tags.into_iter().map(|t| t.name).collect(),
                ..Default::default()
            };
            match extras {
                Some(x) => {
                    s.rule = x.rule;
                    s.status = x.status;
                    s.duration_ms = x.duration_ms;
                    s.logs = x.logs.into_owned();
                    s.retries = x.retries;
                    s.not_applicable = x.not_applicable;
                    for (st, extra) in all.iter_mut().zip(x.steps) {
                        st.background = extra.background;
                        st.status = extra.status;
                        st.duration_ms = extra.duration_ms;
                        st.record = extra.record.into_owned();
                    }
                }
                None => {
                    s.duration_ms = all.iter().map(|st| st.duration_ms).sum();
                    s.status = Some(derived_status(&all));
                }
            }
            s.steps = all;
            scenarios.push(s);
        }
        report.features.push(FeatureReport {
            name: f.name,
            path: f.uri,
            description: (!f.description.is_empty()).then_some(f.description),
            tags: f.tags.into_iter().map(|t| t.name).collect(),
            line: f.line,
            scenarios,
        });
    }
    Ok(report)
}

fn derived_status(steps: &[StepReport]) -> Status {
    let statuses = || steps.iter().map(|s| s.status.unwrap_or(Status::Skipped));
    if statuses().any(|s| s == Status::Failed) {
        Status::Failed
    } else if statuses().any(|s| s == Status::Undefined) {
        Status::Undefined
    } else if !steps.is_empty() && statuses().all(|s| s == Status::Passed) {
        Status::Passed
    } else {
        Status::Skipped
    }
}

fn parse_status(s: &str) -> Status {
    match s {
        "passed" => Status::Passed,
        "failed" => Status::Failed,
        "undefined" | "pending" | "ambiguous" => Status::Undefined,
        _ => Status::Skipped,
    }
}

fn extras_of<T: DeserializeOwned>(
    embeddings: &[Embedding],
    at: &str,
) -> Result<Option<T>, ReportError> {
    let Some(e) = embeddings.iter().find(|e| e.mime_type == MIME) else {
        return Ok(None);
    };
    let bytes = STANDARD
        .decode(e.data.trim())
        .map_err(|err| ReportError::Parse(format!("idflow embedding at {at}: {err}")))?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|err| ReportError::Parse(format!("idflow embedding at {at}: {err}")))
}

fn parse_step(s: Step) -> StepReport {
    let mut st = StepReport {
        keyword: s.keyword,
        text: s.name,
        line: s.line,
        docstring: s.doc_string.map(|d| d.value),
        table: s
            .rows
            .map(|rows| rows.into_iter().map(|r| r.cells).collect()),
        ..Default::default()
    };
    st.record.error = s.result.error_message;
    st.record.definition = s.matched.map(|m| m.location);
    st.status = Some(parse_status(&s.result.status));
    st.duration_ms = s.result.duration.unwrap_or_default() as f64 / 1e6;
    st
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use serde_json::Value;

    fn same(a: &RunReport, b: &RunReport) {
        assert_eq!(
            serde_json::to_value(a).unwrap(),
            serde_json::to_value(b).unwrap()
        );
    }

    #[test]
    fn round_trip_rebuilds_the_model() {
        let r = fixtures::report();
        let back = parse(&render(&r)).unwrap();
        same(&r, &back);
    }

    #[test]
    fn round_trip_without_features_keeps_the_run() {
        let r = RunReport {
            environment: "simulator".into(),
            errors: fixtures::report().errors,
            ..Default::default()
        };
        let text = render(&r);
        let back = parse(&text).unwrap();
        same(&r, &back);
        assert!(back.features.is_empty());
    }

    #[test]
    fn standard_fields_are_there() {
        let v: Value = serde_json::from_str(&render(&fixtures::report())).unwrap();
        let f = &v[0];
        assert_eq!(f["uri"], "features/oidc/code_flow.feature");
        assert_eq!(f["id"], "code-flow");
        assert_eq!(f["keyword"], "Feature");
        assert_eq!(f["tags"][0]["name"], "@oidc");
        let e = &f["elements"][0];
        assert_eq!(e["type"], "scenario");
        assert_eq!(e["id"], "code-flow;login-with-code-flow");
        assert_eq!(e["line"], 5);
        assert_eq!(e["tags"][1]["name"], "@smoke");
        let st = &e["steps"][1];
        assert_eq!(st["keyword"], "When ");
        assert_eq!(st["result"]["status"], "passed");
        assert_eq!(st["result"]["duration"], 1_500_000);
        assert_eq!(st["match"]["location"], "steps/oidc.rs:10");
        // idflow's evidence is one scenario-level field: Cucumber tools show nothing of it.
        assert!(st.get("embeddings").is_none(), "{st}");
        assert!(e.get("embeddings").is_none(), "{e}");
        assert_eq!(e["idflow"]["steps"][1]["duration_ms"], 1.5);
        assert_eq!(f["elements"][2]["id"], "code-flow;prompt-prompt;20");
        let failed = &f["elements"][1]["steps"][2]["result"];
        assert_eq!(failed["status"], "failed");
        assert!(
            failed["error_message"]
                .as_str()
                .unwrap()
                .contains("expected: \"other\"")
        );
        assert_eq!(e["steps"][2]["rows"][1]["cells"][1], "Bearer");
    }

    #[test]
    fn ids_are_slugs_and_durations_nanoseconds() {
        assert_eq!(slug("Prompt <prompt>"), "prompt-prompt");
        assert_eq!(slug("  Code   flow!  "), "code-flow");
        assert_eq!(slug("Ärger über Ölpreise"), "ärger-über-ölpreise");
        assert_eq!(slug("--"), "");
        assert_eq!(nanos(1.5), 1_500_000);
        assert_eq!(nanos(-3.0), 0);
    }

    #[test]
    fn evidence_is_one_plain_json_field_per_scenario() {
        let v: Value = serde_json::from_str(&render(&fixtures::report())).unwrap();
        for f in v.as_array().unwrap() {
            for e in f["elements"].as_array().unwrap() {
                assert!(e["idflow"]["steps"].is_array(), "{}", e["name"]);
                assert!(e.get("embeddings").is_none(), "{}", e["name"]);
                for st in e["steps"].as_array().unwrap() {
                    assert!(st.get("embeddings").is_none(), "{st}");
                }
            }
        }
    }

    /// A file written before the `idflow` field carried the same data as a Base64 embedding,
    /// which another tool may have rewritten with its slashes escaped (`\/`, which JSON
    /// allows): both read back.
    #[test]
    fn files_with_the_earlier_base64_embedding_read_back() {
        let r = fixtures::report();
        let mut v: Value = serde_json::from_str(&render(&r)).unwrap();
        // The bytes the earlier writer encoded: the scenario's extras as serde_json writes them.
        let mut earlier_data = r.scenarios().map(|(_, s)| {
            let (_, extras) = element(s, String::new());
            STANDARD.encode(serde_json::to_vec(&extras).unwrap())
        });
        let mut slashes = 0;
        for f in v.as_array_mut().unwrap() {
            for e in f["elements"].as_array_mut().unwrap() {
                let e = e.as_object_mut().unwrap();
                e.remove("idflow").expect("the idflow field");
                let data = earlier_data.next().expect("one per scenario");
                slashes += data.matches('/').count();
                e.insert(
                    "embeddings".into(),
                    serde_json::json!([{ "mime_type": MIME, "data": data }]),
                );
            }
        }
        let earlier = v.to_string();
        same(&r, &parse(&earlier).unwrap());
        assert!(slashes > 0, "the fixture's Base64 has a slash to escape");
        let escaped = earlier.replace('/', "\\/");
        same(&r, &parse(&escaped).unwrap());
    }

    /// The element written around its idflow data is the element with that data as a field.
    #[test]
    fn an_element_is_written_as_serde_json_writes_it_with_its_idflow_data() {
        let r = fixtures::report();
        for s in r.scenarios().map(|(_, s)| s) {
            let (element, extras) = element(s, "f;s".into());
            let mut ours = String::new();
            write_element(&mut ours, &element, &extras);
            let mut written: Value = serde_json::from_str(&ours).unwrap();
            let idflow = written.as_object_mut().unwrap().remove("idflow").unwrap();
            assert_eq!(idflow, serde_json::to_value(&extras).unwrap());
            assert_eq!(written, serde_json::to_value(&element).unwrap());
            assert!(ours.ends_with("}}"), "the idflow field is the last one");
        }
    }

    #[test]
    fn reads_plain_cucumber_json() {
        let text = r#"[{"uri":"features/a.feature","keyword":"Feature","name":"A","line":1,
            "elements":[
              {"type":"background","keyword":"Background","name":"","line":2,
               "steps":[{"keyword":"Given ","name":"x","line":3,"result":{"status":"passed","duration":2000000}}]},
              {"type":"scenario","keyword":"Scenario","name":"S","line":5,"tags":[{"name":"@t","line":4}],
               "steps":[{"keyword":"Then ","name":"y","line":6,"result":{"status":"failed","error_message":"boom"}}]}]}]"#;
        let r = parse(text).unwrap();
        let s = &r.features[0].scenarios[0];
        assert_eq!(s.steps.len(), 2);
        assert!(s.steps[0].background);
        assert_eq!(s.steps[0].duration_ms, 2.0);
        assert_eq!(s.status, Some(Status::Failed));
        assert_eq!(s.steps[1].record.error.as_deref(), Some("boom"));
        assert_eq!(s.tags, vec!["@t"]);
    }

    #[test]
    fn parse_errors_say_what_is_wrong() {
        assert!(matches!(parse("{}"), Err(ReportError::Parse(_))));
        let bad = r#"[{"elements":[{"type":"scenario","line":3,"embeddings":[{"mime_type":"application/vnd.idflow+json","data":"!!"}]}],"uri":"f.feature"}]"#;
        let err = parse(bad).unwrap_err().to_string();
        assert!(err.contains("f.feature:3"), "{err}");
    }
}
