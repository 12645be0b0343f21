//! Issue 14, item 4: the embedded simulator's CPU per authorization-code flow.
//!
//! The simulator runs as a child process (`idflow simulate --port P --env simulator`), so that
//! its CPU is its own: the bench reads the child's user + system time from `/proc/PID/stat`
//! just before and just after N flows, after a warm-up, and divides by N. Start-up and shutdown
//! are not counted. A lean reqwest client in this process drives the flows, `SIM_CONCURRENCY` at
//! once (16), each one complete:
//!
//! discovery, JWKS, authorize (state, nonce, PKCE S256), the login form, the consent form
//! (session cookie), the redirect (state, code), the token request (Basic, code_verifier) and
//! UserInfo (Bearer).
//!
//! Right after those N whole flows, the same simulator serves N more flows whose client fetched
//! discovery and the JWKS once (the flow as issue 14 defines it, as P1 and real clients run it):
//! reported in a second table, beside the whole flow's, never instead of it.
//!
//! The client checks what it needs to go on and that the answers are right (status codes, the
//! forms' hidden fields, state, the ID token's nonce and sub, UserInfo's sub); it does not verify
//! the ID token's signature (that is the client's cost, not the simulator's), so it stays out
//! of the simulator's way.
//!
//! ```text
//! cargo bench --bench simulator_flow                     # this build's simulator
//! SIM_BASELINE=/path/to/old/idflow cargo bench --bench simulator_flow   # A B A B against another build
//! SIM_BASELINE=before=/a/idflow,step=/b/idflow cargo bench --bench simulator_flow  # A B C A B C
//! SIM_N=2000 SIM_REPS=5 SIM_CONCURRENCY=16               # the defaults
//! ```
//!
//! `SIM_ISSUER=http://127.0.0.1:P/auth/open` only drives N flows against a simulator started
//! elsewhere (under `perf record`, say) and measures nothing.
//!
//! Each run is preceded by the CPU of one RS256 signature with the simulator's key and library,
//! measured in this process (`signature_cpu`): every flow needs one, so it is the simulator's
//! floor per flow, and it moves with the machine's load as the runs do. The last column (CPU per
//! flow in signatures) is therefore steadier than the microseconds on a shared machine.
//!
//! With `SIM_BASELINE` the simulators run interleaved (baseline, this build, baseline, ...),
//! each rep on a fresh process, so that the machine's drift hits both alike. The table (medians
//! with min–max) goes to stdout and to `target/idflow-bench/simulator_flow.md`.

#[path = "support/bare_flow.rs"]
#[allow(dead_code)]
mod bare_flow;
#[path = "support/measure.rs"]
#[allow(dead_code)]
mod measure;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use futures::StreamExt as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

use bare_flow::{CLIENT_ID, PASSWORD, REDIRECT_URI, SUB, USERNAME, random_value};

/// The value of the hidden input `name` of a simulator form (its pages are fixed-shape HTML).
fn hidden(html: &str, name: &str) -> Result<String, String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .ok_or_else(|| format!("no {name} field"))?
        + marker.len();
    let len = html[start..].find('"').ok_or("unterminated value")?;
    Ok(html[start..start + len].to_string())
}

/// The form's action, joined to the issuer's origin.
fn action(html: &str, origin: &str) -> Result<String, String> {
    let marker = "action=\"";
    let start = html.find(marker).ok_or("no form action")? + marker.len();
    let len = html[start..].find('"').ok_or("unterminated action")?;
    Ok(format!("{origin}{}", &html[start..start + len]))
}

async fn get_json(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
) -> Result<Value, String> {
    let mut req = http.get(url).header("accept", "application/json");
    if let Some(token) = bearer {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    let resp = req.send().await.map_err(|e| e.to_string())?;
    if resp.status() != 200 {
        return Err(format!("{url} answered {}", resp.status()));
    }
    resp.json().await.map_err(|e| e.to_string())
}

/// How the flows learn the provider's metadata.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Discovery {
    /// Every flow fetches discovery and the JWKS (the stricter measure).
    EveryFlow,
    /// Discovery and the JWKS once per client, as issue 14 defines a flow ("discovery once,
    /// authorize, login form, token with PKCE, ... UserInfo") and as P1 and real clients do.
    OncePerClient,
}

/// Discovery and the JWKS: the metadata, checked.
async fn discover(http: &reqwest::Client, issuer: &str) -> Result<Value, String> {
    let meta = get_json(
        http,
        &format!("{issuer}/.well-known/openid-configuration"),
        None,
    )
    .await?;
    if meta["issuer"] != issuer {
        return Err("discovery: wrong issuer".into());
    }
    let jwks_uri = meta["jwks_uri"].as_str().ok_or("no jwks_uri")?;
    let jwks = get_json(http, jwks_uri, None).await?;
    if jwks["keys"].as_array().is_none_or(|k| k.is_empty()) {
        return Err("empty JWKS".into());
    }
    Ok(meta)
}

/// One authorization-code flow, discovery (unless `known`, fetched before) to UserInfo.
async fn flow(
    http: &reqwest::Client,
    issuer: &str,
    origin: &str,
    known: Option<&Value>,
) -> Result<(), String> {
    let fetched;
    let meta = match known {
        Some(meta) => meta,
        None => {
            fetched = discover(http, issuer).await?;
            &fetched
        }
    };
    let endpoint = |name: &str| {
        meta[name]
            .as_str()
            .map(str::to_string)
            .ok_or(format!("no {name}"))
    };
    let state = random_value(16);
    let nonce = random_value(16);
    let verifier = random_value(32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let resp = http
        .get(endpoint("authorization_endpoint")?)
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "openid profile email"),
            ("state", &state),
            ("nonce", &nonce),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status() != 200 {
        return Err(format!("authorize answered {}", resp.status()));
    }
    let html = resp.text().await.map_err(|e| e.to_string())?;
    let resp = http
        .post(action(&html, origin)?)
        .form(&[
            ("txn", hidden(&html, "txn")?.as_str()),
            ("csrf", &hidden(&html, "csrf")?),
            ("username", USERNAME),
            ("password", PASSWORD),
            ("action", "login"),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status() != 200 {
        return Err(format!("login answered {}", resp.status()));
    }
    let cookie = bare_flow::cookies(&resp)
        .into_iter()
        .next()
        .ok_or("login set no session cookie")?;
    let html = resp.text().await.map_err(|e| e.to_string())?;
    let resp = http
        .post(action(&html, origin)?)
        .header("cookie", cookie)
        .form(&[
            ("txn", hidden(&html, "txn")?.as_str()),
            ("csrf", &hidden(&html, "csrf")?),
            ("decision", "allow"),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status() != 302 {
        return Err(format!("consent answered {}", resp.status()));
    }
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("no Location")?;
    let callback = url::Url::parse(location).map_err(|e| e.to_string())?;
    let param = |name: &str| {
        callback
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if param("state").as_deref() != Some(state.as_str()) {
        return Err("state does not match".into());
    }
    let code = param("code").ok_or("no code")?;
    let tokens =
        bare_flow::redeem_code(http, &endpoint("token_endpoint")?, &code, &verifier).await?;
    let access = tokens["access_token"].as_str().ok_or("no access_token")?;
    let id_token = tokens["id_token"].as_str().ok_or("no id_token")?;
    let payload = id_token.split('.').nth(1).ok_or("ID token is not a JWS")?;
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    if claims["nonce"] != nonce.as_str() || claims["sub"] != SUB {
        return Err("ID token nonce or sub is wrong".into());
    }
    let info = get_json(http, &endpoint("userinfo_endpoint")?, Some(access)).await?;
    if info["sub"] != SUB {
        return Err("UserInfo sub is wrong".into());
    }
    Ok(())
}

/// Runs `n` flows, `concurrency` at once; panics on the first failure. With
/// [`Discovery::OncePerClient`] the client fetches discovery and the JWKS once, first.
async fn flows(
    http: &reqwest::Client,
    issuer: &str,
    n: usize,
    concurrency: usize,
    discovery: Discovery,
) {
    let issuer: Arc<str> = issuer.into();
    let origin: Arc<str> = issuer.trim_end_matches("/auth/open").into();
    let known: Option<Arc<Value>> = match discovery {
        Discovery::EveryFlow => None,
        Discovery::OncePerClient => Some(Arc::new(
            discover(http, &issuer)
                .await
                .unwrap_or_else(|e| panic!("discovery failed: {e}")),
        )),
    };
    let mut results = futures::stream::iter(0..n)
        .map(|_| {
            let (http, issuer, origin, known) =
                (http.clone(), issuer.clone(), origin.clone(), known.clone());
            async move { flow(&http, &issuer, &origin, known.as_deref()).await }
        })
        .buffer_unordered(concurrency.max(1));
    while let Some(r) = results.next().await {
        if let Err(e) = r {
            panic!("a flow failed: {e}");
        }
    }
}

/// One measured run: a fresh simulator, a warm-up, then N whole flows, then N flows with
/// discovery and the JWKS once.
struct Run {
    cpu_per_flow: Duration,
    wall: Duration,
    /// CPU per flow when the client fetches discovery and the JWKS once (the issue's flow).
    cpu_per_flow_discovered_once: Duration,
    /// One RS256 signature in this process just before (the yardstick; see [`signature_cpu`]).
    signature: Duration,
}

/// This thread's CPU time so far.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a pointer to a live local.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The CPU of one RS256 signature with the simulator's key and library (aws-lc-rs), the
/// median of 9 batches of 20, measured in this process at the same moment as a run: every
/// flow needs one (its ID token), so it is the floor of the simulator's CPU per flow, and it
/// moves with the machine's load as the runs do.
fn signature_cpu() -> Duration {
    use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
    let pem = include_str!("../core/src/simulator/keys/signing.pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = STANDARD.decode(body).expect("PEM");
    let pair = RsaKeyPair::from_pkcs8(&der).expect("the simulator's key");
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let message = [b'x'; 700];
    let mut signature = vec![0; pair.public_modulus_len()];
    let mut batches = Vec::new();
    for _ in 0..9 {
        let started = thread_cpu();
        for _ in 0..20 {
            pair.sign(&RSA_PKCS1_SHA256, &rng, &message, &mut signature)
                .expect("sign");
        }
        batches.push((thread_cpu() - started) / 20);
    }
    measure::median(batches)
}

fn run_once(
    runtime: &tokio::runtime::Runtime,
    idflow: &Path,
    env_dir: &Path,
    n: usize,
    c: usize,
) -> Run {
    let signature = signature_cpu();
    let sim = measure::StandaloneSimulator::start(idflow, env_dir, &std::env::temp_dir());
    let issuer = sim.issuer();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .build()
        .expect("reqwest client");
    runtime.block_on(flows(&http, &issuer, 2 * c, c, Discovery::EveryFlow));
    let before = sim.cpu();
    let started = Instant::now();
    runtime.block_on(flows(&http, &issuer, n, c, Discovery::EveryFlow));
    let wall = started.elapsed();
    let cpu = sim.cpu().saturating_sub(before);
    let before = sim.cpu();
    runtime.block_on(flows(&http, &issuer, n, c, Discovery::OncePerClient));
    let once = sim.cpu().saturating_sub(before);
    Run {
        cpu_per_flow: cpu / n as u32,
        wall,
        cpu_per_flow_discovered_once: once / n as u32,
        signature,
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn micros(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1e6)
}

/// Median and min–max.
fn spread(mut v: Vec<Duration>, show: fn(Duration) -> String) -> String {
    v.sort();
    format!(
        "{} ({}–{})",
        show(v[v.len() / 2]),
        show(v[0]),
        show(v[v.len() - 1])
    )
}

fn main() {
    // `cargo bench` passes `--bench`; no other arguments are read.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let env_dir = manifest.join("environments");
    let n = env_usize("SIM_N", 2000);
    let reps = env_usize("SIM_REPS", 5).max(1);
    let c = env_usize("SIM_CONCURRENCY", 16);
    if let Ok(issuer) = std::env::var("SIM_ISSUER") {
        // Drive a simulator started elsewhere (for example under `perf record`): flows only.
        let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("reqwest client");
        let started = Instant::now();
        runtime.block_on(flows(&http, &issuer, n, c, Discovery::EveryFlow));
        println!(
            "{n} flows against {issuer} in {} s",
            measure::secs(started.elapsed())
        );
        return;
    }
    let mut bins: Vec<(String, PathBuf)> = Vec::new();
    // `SIM_BASELINE=path` or `SIM_BASELINE=label=path,label=path`.
    for (i, item) in std::env::var("SIM_BASELINE")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        let (label, path) = match item.split_once('=') {
            Some((label, path)) => (label.to_string(), path),
            None if i == 0 => ("baseline".to_string(), item),
            None => (format!("baseline {}", i + 1), item),
        };
        bins.push((label, PathBuf::from(path)));
    }
    bins.push((
        "this build".into(),
        PathBuf::from(env!("CARGO_BIN_EXE_idflow")),
    ));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut results: Vec<Vec<Run>> = bins.iter().map(|_| Vec::new()).collect();
    for rep in 0..reps {
        for (i, (label, bin)) in bins.iter().enumerate() {
            let run = run_once(&runtime, bin, &env_dir, n, c);
            eprintln!(
                "rep {}/{reps} {label}: {} µs CPU per flow, wall {} s; {} µs with discovery and JWKS once (one RS256 signature: {} µs)",
                rep + 1,
                micros(run.cpu_per_flow),
                measure::secs(run.wall),
                micros(run.cpu_per_flow_discovered_once),
                micros(run.signature)
            );
            results[i].push(run);
        }
    }
    let mut out = format!(
        "Simulator CPU per authorization-code flow (discovery, JWKS, authorize, login, consent, token with PKCE, UserInfo): N = {n} flows at concurrency {c}, {reps} reps interleaved, medians (min–max)\n\n\
| simulator | CPU per flow, µs | wall per run, s | flows per s | one RS256 signature at the same time, µs | CPU per flow ÷ signature |\n|---|---|---|---|---|---|\n"
    );
    let mut once_table = String::from(
        "\nThe flow as issue 14 defines it (discovery and JWKS once per client, as P1 and real clients do; the same simulator process, N more flows right after the whole ones):\n\n\
| simulator | CPU per flow, µs | one RS256 signature at the same time, µs | CPU per flow ÷ signature |\n|---|---|---|---|\n",
    );
    let ratios = |runs: &[Run], cpu: fn(&Run) -> Duration| {
        let mut v: Vec<f64> = runs
            .iter()
            .map(|r| cpu(r).as_secs_f64() / r.signature.as_secs_f64().max(1e-9))
            .collect();
        v.sort_by(f64::total_cmp);
        format!("{:.2} ({:.2}–{:.2})", v[v.len() / 2], v[0], v[v.len() - 1])
    };
    let mut medians = Vec::new();
    let mut once_medians = Vec::new();
    for ((label, bin), runs) in bins.iter().zip(&results) {
        let cpu: Vec<Duration> = runs.iter().map(|r| r.cpu_per_flow).collect();
        let once: Vec<Duration> = runs
            .iter()
            .map(|r| r.cpu_per_flow_discovered_once)
            .collect();
        let wall: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
        let mut rates: Vec<f64> = runs
            .iter()
            .map(|r| n as f64 / r.wall.as_secs_f64())
            .collect();
        rates.sort_by(f64::total_cmp);
        let signature: Vec<Duration> = runs.iter().map(|r| r.signature).collect();
        medians.push(measure::median(cpu.clone()));
        once_medians.push(measure::median(once.clone()));
        out.push_str(&format!(
            "| {label} (`{}`) | {} | {} | {:.0} ({:.0}–{:.0}) | {} | {} |\n",
            bin.display(),
            spread(cpu, micros),
            spread(wall, measure::secs),
            rates[rates.len() / 2],
            rates[0],
            rates[rates.len() - 1],
            spread(signature.clone(), micros),
            ratios(runs, |r| r.cpu_per_flow),
        ));
        once_table.push_str(&format!(
            "| {label} | {} | {} | {} |\n",
            spread(once, micros),
            spread(signature, micros),
            ratios(runs, |r| r.cpu_per_flow_discovered_once),
        ));
    }
    out.push_str(&once_table);
    if medians.len() >= 2 {
        out.push_str(&format!(
            "\nthis build ÷ {}, CPU per flow: {:.2}× (discovery and JWKS once: {:.2}×)\n",
            bins[0].0,
            medians[medians.len() - 1].as_secs_f64() / medians[0].as_secs_f64(),
            once_medians[once_medians.len() - 1].as_secs_f64() / once_medians[0].as_secs_f64()
        ));
    }
    let verdict = |median: Duration| {
        if median <= Duration::from_micros(400) {
            format!("met ({} µs)", micros(median))
        } else {
            format!("missed ({} µs)", micros(median))
        }
    };
    out.push_str(&format!(
        "\nTarget (issue 14): at most 400 µs of CPU per flow: whole flow {}; the issue's flow (discovery and JWKS once per client) {}\n",
        verdict(medians.last().copied().unwrap_or_default()),
        verdict(once_medians.last().copied().unwrap_or_default()),
    ));
    print!("{out}");
    if let Err(e) = measure::save_table(manifest, "simulator_flow.md", &out) {
        eprintln!("simulator_flow: cannot write its table: {e}");
    }
}
