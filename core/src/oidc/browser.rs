//! The browser login driver: a real headless Chromium (Debian's `chromium`) driven over the
//! DevTools protocol (crate `chromiumoxide`), for login pages that need JavaScript.
//!
//! The browser is the end-user's user agent for the login: it opens the client's
//! authorization request with cookies of its own, runs the environment's login script (or,
//! without one, finds the username and password fields and the consent choices as the HTML
//! driver does), and stops at the redirect to the client's redirect URI, which it never
//! requests. Every top-level document request it makes is intercepted (Fetch domain) and
//! recorded as an exchange of the running step, with its redirect hops, so it is redacted and
//! reported like every other; the code (or error) in the final redirect goes to the relying
//! party's state.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use chromiumoxide::Page;
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, EnableParams, EventRequestPaused, FailRequestParams,
    GetResponseBodyParams, RequestPattern, RequestStage,
};
use chromiumoxide::cdp::browser_protocol::network::{
    CookieParam, ErrorReason, ResourceType, SetCookiesParams,
};
use futures::StreamExt;
use url::Url;

use super::authorize::AuthorizationResponse;
use super::login_page::WRONG_PASSWORD;
use super::relying_party::{Consent, redirect_response};
use crate::config::{LoginOptions, ScriptAction};
use crate::http::same_endpoint;
use crate::record::{Exchange, ExchangeEnd, Hop, RecordedRequest, RecordedResponse, epoch_ms};
use crate::scenario::Scenario;

/// Why the browser login driver failed, in words for a QA engineer.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "cannot start Chromium at {path}: {message}\n  hint: install Debian's chromium (`apt-get install chromium`), or name the executable with `login: {{ chromium: <path> }}` in the environment file or $CHROMIUM"
    )]
    Launch { path: String, message: String },
    #[error(
        "the login script, step {step} ({action}): no visible element matches {selector:?} on {page} after {waited_s} s\n  page: {snippet}\n  hint: check the selector in the environment file's `login.script`"
    )]
    NoElement {
        step: usize,
        action: String,
        selector: String,
        page: String,
        waited_s: u64,
        snippet: String,
    },
    #[error("the login script, step {step} ({action}) on {page}: {message}")]
    Script {
        step: usize,
        action: String,
        page: String,
        message: String,
    },
    #[error(
        "login as `{user}`: the browser did not reach the client's redirect URI within {seconds} s; {after}, it is on {page}\n  page: {snippet}\n  hint: {hint}"
    )]
    NoRedirect {
        user: String,
        seconds: u64,
        after: String,
        page: String,
        snippet: String,
        hint: String,
    },
    #[error("the browser login driver cannot open {url}: {message}")]
    Start { url: String, message: String },
    #[error("the DevTools protocol failed while {doing}: {message}")]
    Protocol { doing: String, message: String },
}

impl From<BrowserError> for crate::error::Error {
    fn from(e: BrowserError) -> Self {
        crate::error::Error::Step(e.to_string())
    }
}

fn protocol(doing: &str) -> impl FnOnce(chromiumoxide::error::CdpError) -> BrowserError + '_ {
    move |e| BrowserError::Protocol {
        doing: doing.to_string(),
        message: e.to_string(),
    }
}

/// The Chromium executable: the login options', else `$CHROMIUM`, else Debian's.
fn chromium_path(options: &LoginOptions) -> PathBuf {
    options
        .chromium
        .clone()
        .or_else(|| std::env::var_os("CHROMIUM").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// What the interceptor saw: the exchanges of the login, and where it ended.
#[derive(Default)]
struct Navigations {
    exchanges: Vec<Exchange>,
    /// The redirect to the client, which the browser was not allowed to follow.
    stopped_at: Option<String>,
    /// Document requests seen so far (a page change for the heuristics).
    count: usize,
}

/// A headless Chromium that is killed when dropped, with its profile directory removed.
struct Chromium {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    profile: PathBuf,
}

impl Drop for Chromium {
    fn drop(&mut self) {
        self.handler.abort();
        // The child process is spawned with kill_on_drop; the profile is ours to remove.
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

async fn launch(options: &LoginOptions, insecure_tls: bool) -> Result<Chromium, BrowserError> {
    let path = chromium_path(options);
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let profile = std::env::temp_dir().join(format!(
        "idflow-chromium-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let mut builder = BrowserConfig::builder()
        .chrome_executable(&path)
        .user_data_dir(&profile)
        .no_sandbox()
        .launch_timeout(Duration::from_secs(20))
        .request_timeout(Duration::from_secs(20))
        .arg("--disable-gpu")
        .arg("--disable-dev-shm-usage");
    if insecure_tls {
        builder = builder.arg("--ignore-certificate-errors");
    }
    let launch_error = |message: String| BrowserError::Launch {
        path: path.display().to_string(),
        message,
    };
    if !path.exists() {
        return Err(launch_error("no such file".into()));
    }
    let config = builder.build().map_err(launch_error)?;
    let (browser, mut handler) = Browser::launch(config)
        .await
        .map_err(|e| launch_error(e.to_string()))?;
    let handler = tokio::spawn(async move { while handler.next().await.is_some() {} });
    Ok(Chromium {
        browser,
        handler,
        profile,
    })
}

/// Logs `user` in with the browser, from the authorization request `start` until the provider
/// redirects to one of `stop` (the client's redirect URIs). Records every document request
/// under the running step; returns the authorization response it carried.
pub async fn log_in(
    sc: &mut Scenario,
    user: &str,
    consent: Consent,
    options: &LoginOptions,
    start: Url,
    stop: Vec<Url>,
) -> crate::error::Result<Option<AuthorizationResponse>> {
    let (username, password) = sc.env().user(user)?.credentials();
    let label = format!("browser login (as {user})");
    let who = (user, username.as_str(), password.as_str());
    let login = BrowserLogin::new(sc, options, (&start, &stop), who, consent, label);
    let nav = Arc::new(Mutex::new(Navigations::default()));
    let outcome = drive(&nav, &login).await;
    // What the browser did is evidence whether or not the login worked.
    let last = record(sc, &nav);
    // The browser's session is the end-user's: the relying party's later requests (prompt=none,
    // a second sign-in) carry its cookies as the same browser would.
    for cookie in outcome? {
        sc.adopt_cookie(&cookie.set_cookie, &cookie.url);
    }
    response_of_last(last)
}

/// Records what the browser navigated to as exchanges of the running step; the last one.
fn record(sc: &mut Scenario, nav: &Mutex<Navigations>) -> Option<Exchange> {
    let recorded = std::mem::take(&mut *nav.lock().expect("navigation lock"));
    let mut last = None;
    for ex in recorded.exchanges {
        last = Some(sc.record_mut().push_exchange(ex).clone());
    }
    last
}

/// The authorization response the browser was stopped at, if its last navigation went to the
/// client.
fn response_of_last(last: Option<Exchange>) -> crate::error::Result<Option<AuthorizationResponse>> {
    match last {
        Some(ex) if ex.stopped_at.is_some() => Ok(redirect_response(&ex)?),
        _ => Ok(None),
    }
}

/// What the browser saw of a provider's page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageView {
    /// The login fields were shown: the credential fields of the environment's login script
    /// (the `fill` steps that type `{{username}}` or `{{password}}`), or without a script the
    /// username or password field the driver finds as the HTML driver does.
    pub(crate) login_fields: bool,
    /// The authorization response, when the page took the browser on to the client.
    pub(crate) response: Option<AuthorizationResponse>,
}

/// How long the browser looks for the login fields on a page before saying they are not there.
const LOOK_FOR_FIELDS: Duration = Duration::from_secs(8);

/// Opens `url` (a page the relying party's own request reached) in the browser with the
/// end-user's cookies, records its navigations under the running step, and says whether the
/// page shows the login fields, or took the browser on to the client.
pub async fn view_page(
    sc: &mut Scenario,
    options: &LoginOptions,
    url: Url,
    stop: Vec<Url>,
) -> crate::error::Result<PageView> {
    let cookies = sc.held_cookies();
    let insecure = sc.env().tls.insecure_skip_verify;
    let nav = Arc::new(Mutex::new(Navigations::default()));
    let outcome = async {
        let chromium = launch(options, insecure).await?;
        let outcome = async {
            let page = open(
                &chromium,
                &nav,
                &stop,
                "browser view of the page",
                &url,
                &cookies,
                options,
            )
            .await?;
            Ok::<_, BrowserError>(login_fields_shown(&page, options, &nav, LOOK_FOR_FIELDS).await)
        }
        .await;
        close(chromium).await;
        outcome
    }
    .await;
    page_view(sc, &nav, outcome)
}

/// What the browser saw (whether the login fields were shown), its navigations recorded under
/// the running step first, whatever the outcome.
fn page_view(
    sc: &mut Scenario,
    nav: &Arc<Mutex<Navigations>>,
    outcome: Result<bool, BrowserError>,
) -> crate::error::Result<PageView> {
    let last = record(sc, nav);
    let login_fields = outcome?;
    Ok(PageView {
        login_fields,
        response: response_of_last(last)?,
    })
}

/// Opens the authorization request `start` in the browser and submits the login once with the
/// user's name and a wrong password (by the environment's login script, or the fields the
/// driver finds); then says whether the browser went on to the client, or the login fields are
/// shown again. Every navigation is recorded under the running step.
pub async fn try_wrong_password(
    sc: &mut Scenario,
    user: &str,
    options: &LoginOptions,
    start: Url,
    stop: Vec<Url>,
) -> crate::error::Result<PageView> {
    let username = sc.env().user(user)?.username.to_string();
    let label = format!("browser login (as {user}, wrong password)");
    let who = (user, username.as_str(), WRONG_PASSWORD);
    let login = BrowserLogin::new(sc, options, (&start, &stop), who, Consent::Allow, label);
    let nav = Arc::new(Mutex::new(Navigations::default()));
    let outcome = async {
        let chromium = launch(options, login.insecure).await?;
        let outcome = submit_wrong_password(&chromium, &nav, &login).await;
        close(chromium).await;
        outcome
    }
    .await;
    page_view(sc, &nav, outcome)
}

async fn close(chromium: Chromium) {
    let mut chromium = chromium;
    let _ = tokio::time::timeout(Duration::from_secs(5), chromium.browser.close()).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), chromium.browser.wait()).await;
}

/// A new page that records its navigations in `nav` (stopping at `stop`), with `cookies`, on
/// `url`.
async fn open(
    chromium: &Chromium,
    nav: &Arc<Mutex<Navigations>>,
    stop: &[Url],
    label: &str,
    url: &Url,
    cookies: &[crate::http::HeldCookie],
    options: &LoginOptions,
) -> Result<Page, BrowserError> {
    let page = chromium
        .browser
        .new_page("about:blank")
        .await
        .map_err(protocol("opening a page"))?;
    intercept(&page, nav.clone(), stop.to_vec(), label.to_string()).await?;
    if !cookies.is_empty() {
        let params = cookies
            .iter()
            .map(|c| {
                let scheme = if c.secure { "https" } else { "http" };
                CookieParam::builder()
                    .name(&c.name)
                    .value(&c.value)
                    .url(format!("{scheme}://{}{}", c.host, c.path))
                    .path(&c.path)
                    .secure(c.secure)
                    .build()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|message| BrowserError::Protocol {
                doing: "handing the end-user's cookies to the browser".into(),
                message,
            })?;
        page.execute(SetCookiesParams::new(params))
            .await
            .map_err(protocol("handing the end-user's cookies to the browser"))?;
    }
    let timeout = Duration::from_secs(options.timeout_seconds.unwrap_or(30));
    // The navigation's own result does not matter: a redirect to the client is aborted on
    // purpose, and a page that loads is read afterwards.
    let _ = tokio::time::timeout(timeout, page.goto(url.as_str())).await;
    Ok(page)
}

/// Whether the login fields are shown, looking for up to `within` (a script may draw them
/// late); false at once when the browser went on to the client.
async fn login_fields_shown(
    page: &Page,
    options: &LoginOptions,
    nav: &Mutex<Navigations>,
    within: Duration,
) -> bool {
    let selectors: Vec<String> = options
        .script
        .iter()
        .flatten()
        .filter_map(|step| match step.action() {
            Ok(ScriptAction::Fill { selector, text })
                if text.contains("{{username}}") || text.contains("{{password}}") =>
            {
                Some(selector)
            }
            _ => None,
        })
        .collect();
    let args = serde_json::json!({
        "selectors": selectors,
        "usernameField": options.username_field,
        "passwordField": options.password_field,
    });
    let expr =
        format!("(() => {{ {SCRIPT_HELPERS}; {HEURISTICS}; return loginShown({args}); }})()");
    let until = Instant::now() + within;
    loop {
        if nav.lock().expect("navigation lock").stopped_at.is_some() {
            return false;
        }
        let shown = match page.evaluate(expr.as_str()).await {
            Ok(v) => v.into_value::<bool>().unwrap_or(false),
            Err(_) => false,
        };
        if shown || Instant::now() >= until {
            return shown;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Submits the login once with the wrong password; then whether the login fields are shown
/// again.
async fn submit_wrong_password(
    chromium: &Chromium,
    nav: &Arc<Mutex<Navigations>>,
    login: &BrowserLogin<'_>,
) -> Result<bool, BrowserError> {
    let BrowserLogin {
        options,
        timeout,
        start,
        stop,
        username,
        password,
        consent,
        ..
    } = *login;
    let deadline = Instant::now() + timeout;
    let page = open(chromium, nav, stop, &login.label, start, &[], options).await?;
    let done = || nav.lock().expect("navigation lock").stopped_at.is_some();
    if let Some(script) = &options.script {
        run_script(&page, script, (username, password), deadline, &done).await?;
    } else {
        // Through a username page, to the password; once.
        for _ in 0..4 {
            if done() {
                break;
            }
            let did = heuristic_step(&page, options, username, password, consent).await?;
            if did == "password" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(if did == "nothing" {
                250
            } else {
                1500
            }))
            .await;
        }
    }
    // The provider answers the submission: a new page, a script redrawing this one, or a
    // redirect to the client (which the wrong password must never give).
    let settle = Instant::now() + Duration::from_secs(3);
    while !done() && Instant::now() < settle.min(deadline) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(login_fields_shown(&page, options, nav, LOOK_FOR_FIELDS).await)
}

/// One browser login: what drives it, from the environment and the step.
struct BrowserLogin<'a> {
    options: &'a LoginOptions,
    insecure: bool,
    timeout: Duration,
    /// The authorization request the browser opens.
    start: &'a Url,
    /// The client's redirect URIs, where the browser stops.
    stop: &'a [Url],
    /// The recorded exchanges' label.
    label: String,
    /// The user's name in the environment, and their credentials.
    user: &'a str,
    username: &'a str,
    password: &'a str,
    consent: Consent,
}

impl<'a> BrowserLogin<'a> {
    /// A login of `who` (the environment's user name, username, password) from `route.0`
    /// until one of `route.1`, with the scenario's TLS setting and the options' timeout
    /// (30 s unless set); `label` names the recorded exchanges.
    fn new(
        sc: &Scenario,
        options: &'a LoginOptions,
        route: (&'a Url, &'a [Url]),
        who: (&'a str, &'a str, &'a str),
        consent: Consent,
        label: String,
    ) -> Self {
        BrowserLogin {
            options,
            insecure: sc.env().tls.insecure_skip_verify,
            timeout: Duration::from_secs(options.timeout_seconds.unwrap_or(30)),
            start: route.0,
            stop: route.1,
            label,
            user: who.0,
            username: who.1,
            password: who.2,
            consent,
        }
    }
}

/// A cookie the browser holds at the end of a login, as a `Set-Cookie` value and the URL it
/// was set for.
struct BrowserCookie {
    set_cookie: String,
    url: Url,
}

impl BrowserCookie {
    /// The DevTools cookie as the browser received it (host-only when its domain has no dot
    /// in front).
    fn from_devtools(c: &chromiumoxide::cdp::browser_protocol::network::Cookie) -> Option<Self> {
        Self::new(&c.name, &c.value, &c.domain, &c.path, c.secure, c.http_only)
    }

    fn new(
        name: &str,
        value: &str,
        domain: &str,
        path: &str,
        secure: bool,
        http_only: bool,
    ) -> Option<Self> {
        let host = domain.trim_start_matches('.');
        let scheme = if secure { "https" } else { "http" };
        let url = Url::parse(&format!("{scheme}://{host}{path}")).ok()?;
        let mut set_cookie = format!("{name}={value}; Path={path}");
        if domain.starts_with('.') {
            set_cookie.push_str(&format!("; Domain={host}"));
        }
        if secure {
            set_cookie.push_str("; Secure");
        }
        if http_only {
            set_cookie.push_str("; HttpOnly");
        }
        Some(BrowserCookie { set_cookie, url })
    }
}

/// Runs one login in a fresh Chromium; on success, the cookies the browser then holds.
async fn drive(
    nav: &Arc<Mutex<Navigations>>,
    login: &BrowserLogin<'_>,
) -> Result<Vec<BrowserCookie>, BrowserError> {
    let chromium = launch(login.options, login.insecure).await?;
    let outcome = drive_page(&chromium, nav, login).await;
    let cookies = match outcome {
        Ok(()) => chromium
            .browser
            .get_cookies()
            .await
            .map(|all| {
                all.iter()
                    .filter_map(BrowserCookie::from_devtools)
                    .collect()
            })
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    close(chromium).await;
    outcome.map(|()| cookies)
}

async fn drive_page(
    chromium: &Chromium,
    nav: &Arc<Mutex<Navigations>>,
    login: &BrowserLogin<'_>,
) -> Result<(), BrowserError> {
    let BrowserLogin {
        options,
        timeout,
        start,
        stop,
        user,
        username,
        password,
        consent,
        ..
    } = *login;
    let label = login.label.as_str();
    let deadline = Instant::now() + timeout;
    let page = open(chromium, nav, stop, label, start, &[], options).await?;
    let done = || nav.lock().expect("navigation lock").stopped_at.is_some();
    let page_count = || nav.lock().expect("navigation lock").count;
    if let Some(script) = &options.script {
        run_script(&page, script, (username, password), deadline, &done).await?;
        // Let the script's last click take the browser somewhere before looking at the page.
        let before = page_count();
        let settle = Instant::now() + Duration::from_secs(5);
        while !done() && page_count() == before && Instant::now() < settle.min(deadline) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // Without a script (or after it: a consent page, a second page), find the fields and
    // choices as a person would.
    let mut submitted_password = 0;
    let mut last_action = "the login page loaded".to_string();
    while !done() && Instant::now() < deadline {
        let before = page_count();
        let did = heuristic_step(&page, options, username, password, consent).await?;
        match did.as_str() {
            "password" => {
                submitted_password += 1;
                if submitted_password > 2 {
                    let (page_url, snippet) = where_is(&page).await;
                    return Err(BrowserError::NoRedirect {
                        user: user.to_string(),
                        seconds: timeout.as_secs(),
                        after: "the password was submitted three times".into(),
                        page: page_url,
                        snippet,
                        hint: "check the user's username and password in the environment file"
                            .into(),
                    });
                }
                last_action = "after submitting the password".into();
            }
            "nothing" => {}
            other => last_action = format!("after {other}"),
        }
        // Give the page time to change (a navigation, or a script redrawing it).
        let settle =
            Instant::now() + Duration::from_millis(if did == "nothing" { 250 } else { 2500 });
        while !done() && Instant::now() < settle.min(deadline) {
            if did != "nothing" && page_count() != before {
                tokio::time::sleep(Duration::from_millis(300)).await;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    if done() {
        return Ok(());
    }
    let (page_url, snippet) = where_is(&page).await;
    Err(BrowserError::NoRedirect {
        user: user.to_string(),
        seconds: timeout.as_secs(),
        after: match &options.script {
            Some(s) => format!("the login script's {} steps ran", s.len()),
            None => last_action,
        },
        page: page_url,
        snippet,
        hint: "the page may need a login script: `login: { driver: browser, script: [...] }` in the environment file".into(),
    })
}

/// Pauses every top-level document request (and its response), records it, and fails the one
/// to the client's redirect URI instead of sending it.
async fn intercept(
    page: &Page,
    nav: Arc<Mutex<Navigations>>,
    stop: Vec<Url>,
    label: String,
) -> Result<(), BrowserError> {
    let mut paused = page
        .event_listener::<EventRequestPaused>()
        .await
        .map_err(protocol("listening to requests"))?;
    let pattern = |stage| {
        RequestPattern::builder()
            .url_pattern("*")
            .resource_type(ResourceType::Document)
            .request_stage(stage)
            .build()
    };
    page.execute(
        EnableParams::builder()
            .pattern(pattern(RequestStage::Request))
            .pattern(pattern(RequestStage::Response))
            .build(),
    )
    .await
    .map_err(protocol("enabling request interception"))?;
    let page = page.clone();
    tokio::spawn(async move {
        while let Some(event) = paused.next().await {
            let id = event.request_id.clone();
            if event.response_status_code.is_none() && event.response_error_reason.is_none() {
                let stopped = on_request(&nav, &event, &stop, &label);
                let _ = if stopped {
                    page.execute(FailRequestParams::new(id, ErrorReason::Aborted))
                        .await
                        .map(|_| ())
                } else {
                    page.execute(ContinueRequestParams::new(id))
                        .await
                        .map(|_| ())
                };
            } else {
                let status = event.response_status_code.unwrap_or(0);
                let body = if (300..400).contains(&status) || status == 0 {
                    None
                } else {
                    page.execute(GetResponseBodyParams::new(id.clone()))
                        .await
                        .ok()
                        .map(|r| {
                            if r.result.base64_encoded {
                                base64::engine::general_purpose::STANDARD
                                    .decode(&r.result.body)
                                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                                    .unwrap_or_default()
                            } else {
                                r.result.body.clone()
                            }
                        })
                };
                on_response(&nav, &event, body);
                let _ = page.execute(ContinueRequestParams::new(id)).await;
            }
        }
    });
    Ok(())
}

/// Records a document request; true when it goes to the client's redirect URI (the browser
/// must not send it).
fn on_request(
    nav: &Mutex<Navigations>,
    event: &EventRequestPaused,
    stop: &[Url],
    label: &str,
) -> bool {
    let req = &event.request;
    let url = match &req.url_fragment {
        Some(f) => format!("{}{f}", req.url),
        None => req.url.clone(),
    };
    let headers: Vec<(String, String)> = req
        .headers
        .inner()
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    (
                        k.to_ascii_lowercase(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let body = req.post_data_entries.as_ref().map(|entries| {
        entries
            .iter()
            .filter_map(|e| e.bytes.as_ref())
            .filter_map(|b| {
                let text: &str = b.as_ref();
                base64::engine::general_purpose::STANDARD.decode(text).ok()
            })
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .collect::<String>()
    });
    let to_client = Url::parse(&url)
        .map(|u| stop.iter().any(|s| same_endpoint(s, &u)))
        .unwrap_or(false);
    let hop = Hop {
        request: RecordedRequest {
            method: req.method.clone(),
            url: url.clone(),
            headers,
            body,
        },
        response: None,
        started_at_ms: epoch_ms(SystemTime::now()),
        duration_ms: 0.0,
    };
    let mut nav = nav.lock().expect("navigation lock");
    nav.count += 1;
    let redirected = event.redirected_request_id.is_some();
    match nav.exchanges.last_mut() {
        // A redirect's next request continues the exchange that was redirected.
        Some(ex) if redirected && ex.stopped_at.is_none() => {
            if to_client {
                ex.end = ExchangeEnd::RedirectUri;
                ex.stopped_at = Some(url.clone());
            } else {
                ex.hops.push(hop);
            }
        }
        _ => {
            if to_client {
                // A page script sent the browser to the client: the request itself is the
                // evidence (it is not sent).
                nav.exchanges.push(Exchange {
                    seq: 0,
                    label: format!("{label}: navigation to the client"),
                    hops: vec![hop],
                    end: ExchangeEnd::RedirectUri,
                    stopped_at: Some(url.clone()),
                    error: None,
                });
            } else {
                let n = nav.exchanges.len() + 1;
                nav.exchanges.push(Exchange {
                    seq: 0,
                    label: format!("{label}: page {n}"),
                    hops: vec![hop],
                    end: ExchangeEnd::Response,
                    stopped_at: None,
                    error: None,
                });
            }
        }
    }
    if to_client {
        nav.stopped_at = Some(url);
    }
    to_client
}

/// Records the response of the latest document request.
fn on_response(nav: &Mutex<Navigations>, event: &EventRequestPaused, body: Option<String>) {
    let mut nav = nav.lock().expect("navigation lock");
    let Some(hop) = nav
        .exchanges
        .iter_mut()
        .rev()
        .flat_map(|ex| ex.hops.iter_mut().rev())
        .find(|h| h.response.is_none() && h.request.url.starts_with(&event.request.url))
    else {
        return;
    };
    let headers: Vec<(String, String)> = event
        .response_headers
        .iter()
        .flatten()
        .map(|h| (h.name.to_ascii_lowercase(), h.value.clone()))
        .collect();
    let body = body.unwrap_or_default();
    hop.duration_ms = (epoch_ms(SystemTime::now()).saturating_sub(hop.started_at_ms)) as f64;
    hop.response = Some(RecordedResponse {
        status: event.response_status_code.unwrap_or(0) as u16,
        headers,
        body_size: body.len(),
        body,
    });
}

/// The page's URL and the start of its visible text, for error messages.
async fn where_is(page: &Page) -> (String, String) {
    let url = page.url().await.ok().flatten().unwrap_or_default();
    let text: String = page
        .evaluate("document.body ? document.body.innerText : ''")
        .await
        .ok()
        .and_then(|v| v.into_value().ok())
        .unwrap_or_default();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = if text.chars().count() > 240 {
        format!("{}…", text.chars().take(240).collect::<String>())
    } else {
        text
    };
    (url, text)
}

/// `{{username}}` and `{{password}}` in a script's text.
fn fill_text(text: &str, username: &str, password: &str) -> String {
    text.replace("{{username}}", username)
        .replace("{{password}}", password)
}

/// Runs the environment's login script step by step as `who` (username, password), until its
/// end or until the browser has reached the client (`done`).
async fn run_script(
    page: &Page,
    script: &[crate::config::ScriptStep],
    who: (&str, &str),
    deadline: Instant,
    done: &impl Fn() -> bool,
) -> Result<(), BrowserError> {
    for (i, step) in script.iter().enumerate() {
        if done() {
            break;
        }
        let action = step.action().map_err(|message| BrowserError::Script {
            step: i + 1,
            action: "?".into(),
            page: String::new(),
            message,
        })?;
        run_step(page, i + 1, &action, who.0, who.1, deadline).await?;
    }
    Ok(())
}

/// Runs one script step, waiting (until the deadline) for its element to be there and visible.
async fn run_step(
    page: &Page,
    step: usize,
    action: &ScriptAction,
    username: &str,
    password: &str,
    deadline: Instant,
) -> Result<(), BrowserError> {
    let (selector, what) = match action {
        ScriptAction::Fill { selector, text } => (
            selector,
            format!(
                "fill({}, {})",
                js_string(selector),
                js_string(&fill_text(text, username, password))
            ),
        ),
        ScriptAction::Click { selector } => (selector, format!("click({})", js_string(selector))),
        ScriptAction::WaitFor { selector } => (selector, format!("find({})", js_string(selector))),
    };
    let started = Instant::now();
    loop {
        let expr = format!("(() => {{ {SCRIPT_HELPERS}; return {what}; }})()");
        let answer: String = match page.evaluate(expr).await {
            Ok(v) => v.into_value().unwrap_or_default(),
            // A navigation under way destroys the context: try again.
            Err(_) => "retry".into(),
        };
        match answer.as_str() {
            "ok" => return Ok(()),
            a if a.starts_with("error:") => {
                let (page_url, _) = where_is(page).await;
                return Err(BrowserError::Script {
                    step,
                    action: action.to_string(),
                    page: page_url,
                    message: a.trim_start_matches("error:").trim().to_string(),
                });
            }
            _ => {}
        }
        if Instant::now() >= deadline {
            let (page_url, snippet) = where_is(page).await;
            return Err(BrowserError::NoElement {
                step,
                action: action.to_string(),
                selector: selector.clone(),
                page: page_url,
                waited_s: started.elapsed().as_secs(),
                snippet,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn js_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// In-page helpers: find a visible element by selector, fill it as typing would (React and
/// other frameworks see the input events), click it.
const SCRIPT_HELPERS: &str = r#"
const visible = e => !!(e && (e.offsetWidth || e.offsetHeight || e.getClientRects().length));
const find = sel => { let all; try { all = [...document.querySelectorAll(sel)]; } catch (x) { return 'error: ' + sel + ' is not a CSS selector (' + x.message + ')'; } return all.some(visible) ? 'ok' : 'missing'; };
const the = sel => [...document.querySelectorAll(sel)].find(visible);
const setValue = (e, v) => { e.focus(); const d = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(e), 'value'); if (d && d.set) d.set.call(e, v); else e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); };
const fill = (sel, v) => { const f = find(sel); if (f !== 'ok') return f; const e = the(sel); if (!('value' in e)) return 'error: ' + sel + ' is a <' + e.tagName.toLowerCase() + '>, not a field to fill'; setValue(e, v); return 'ok'; };
const click = sel => { const f = find(sel); if (f !== 'ok') return f; the(sel).click(); return 'ok'; };
"#;

/// One look at the page without a script: fill and submit a login form, or answer a consent
/// page. Says what it did: `username`, `password`, `consent`, or `nothing`.
async fn heuristic_step(
    page: &Page,
    options: &LoginOptions,
    username: &str,
    password: &str,
    consent: Consent,
) -> Result<String, BrowserError> {
    let args = serde_json::json!({
        "username": username,
        "password": password,
        "usernameField": options.username_field,
        "passwordField": options.password_field,
        "submit": options.submit,
        "allow": consent == Consent::Allow,
        "choice": match consent { Consent::Allow => options.allow.clone(), Consent::Deny => options.deny.clone() },
        "words": match consent {
            Consent::Allow => ["allow", "accept", "approve", "consent", "continue", "yes", "authorize", "authorise", "grant", "confirm"].as_slice(),
            Consent::Deny => ["deny", "reject", "decline", "cancel", "abort", "no", "refuse", "disallow"].as_slice(),
        },
    });
    let expr = format!("(() => {{ {SCRIPT_HELPERS}; {HEURISTICS}; return step({args}); }})()");
    Ok(match page.evaluate(expr).await {
        Ok(v) => v.into_value().unwrap_or_else(|_| "nothing".into()),
        Err(_) => "nothing".into(),
    })
}

/// The HTML driver's field and choice finding, in the page: a field by the environment's name
/// (name, #id, label, placeholder) or by autocomplete, type, and words; a choice by the
/// environment's label or by words, among buttons and links.
const HEURISTICS: &str = r#"
const norm = t => ' ' + (t || '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim() + ' ';
const labelOf = e => (e.labels && e.labels[0] ? e.labels[0].innerText : '') || '';
const named = (e, spec) => { const s = spec.trim().toLowerCase(); return e.name === spec || e.id === spec || '#' + e.id === spec || labelOf(e).trim().toLowerCase() === s || (e.placeholder || '').trim().toLowerCase() === s; };
const fields = () => [...document.querySelectorAll('input, textarea')].filter(e => visible(e) && !e.disabled && !['hidden', 'submit', 'button', 'checkbox', 'radio', 'image', 'reset'].includes((e.type || '').toLowerCase()));
const userField = a => { const fs = fields().filter(e => e.type !== 'password'); if (a.usernameField) return fs.find(e => named(e, a.usernameField));
  return fs.find(e => /\b(username|email)\b/.test(e.autocomplete || '')) || fs.find(e => e.type === 'email') || fs.find(e => /user|login|mail|ident|account/.test((e.name + ' ' + e.id + ' ' + labelOf(e) + ' ' + (e.placeholder || '')).toLowerCase())); };
const passField = a => fields().find(e => a.passwordField ? named(e, a.passwordField) : e.type === 'password');
const clickables = () => [...document.querySelectorAll('button, input[type=submit], a[href], [role=button]')].filter(e => visible(e) && !e.disabled);
const textOf = e => (e.innerText || e.value || e.getAttribute('aria-label') || e.title || '').trim();
const byWords = (ws, within) => clickables().filter(e => !within || within.contains(e)).find(e => ws.some(w => norm(textOf(e) + ' ' + (e.name || '') + ' ' + (e.value || '')).includes(' ' + w + ' ')));
const bySpec = spec => clickables().find(e => textOf(e).toLowerCase() === spec.trim().toLowerCase() || (e.name || '') === spec || '#' + e.id === spec);
const loginShown = a => {
  if (a.selectors.length) return a.selectors.some(s => { try { return [...document.querySelectorAll(s)].some(visible); } catch (x) { return false; } });
  return !!(userField(a) || passField(a));
};
const step = a => {
  const u = userField(a), p = passField(a);
  if (u || p) {
    if (u) setValue(u, a.username);
    if (p) setValue(p, a.password);
    const form = (p || u).form;
    const b = a.submit ? bySpec(a.submit) : (byWords(['login', 'log in', 'sign in', 'signin', 'submit', 'continue', 'next'], form) || (form && form.querySelector('button, input[type=submit]')));
    if (b) b.click(); else if (form) form.requestSubmit(); else return 'nothing';
    return p ? 'password' : 'username';
  }
  const c = a.choice ? bySpec(a.choice) : byWords(a.words);
  // Allowing consent grants what the page asks for: its unchecked boxes (scopes) are ticked,
  // once per document (a page that stays after the choice, such as glewlwyd's for a scope it
  // does not serve, would otherwise have its boxes clicked again: glewlwyd then withdraws the
  // grant its boxes stand for, from the end-user's other sign-ins too).
  if (c && a.allow && !window.__idflowTicked) { window.__idflowTicked = true; [...document.querySelectorAll('input[type=checkbox]')].filter(e => visible(e) && !e.checked && !e.disabled).forEach(e => e.click()); }
  if (c) { c.click(); return 'the consent choice ' + JSON.stringify(textOf(c)); }
  return 'nothing';
};
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_cookie_becomes_the_set_cookie_the_browser_received() {
        let host_only = BrowserCookie::new("sid", "abc", "localhost", "/", false, true).unwrap();
        assert_eq!(host_only.set_cookie, "sid=abc; Path=/; HttpOnly");
        assert_eq!(host_only.url.as_str(), "http://localhost/");
        let domain = BrowserCookie::new("g", "1", ".op.example", "/auth", true, false).unwrap();
        assert_eq!(
            domain.set_cookie,
            "g=1; Path=/auth; Domain=op.example; Secure"
        );
        assert_eq!(domain.url.as_str(), "https://op.example/auth");
        let mut jar = cookie_store::CookieStore::default();
        jar.parse(&domain.set_cookie, &domain.url).unwrap();
        let sent: Vec<_> = jar
            .get_request_values(&Url::parse("https://login.op.example/auth/x").unwrap())
            .collect();
        assert_eq!(sent, vec![("g", "1")]);
    }

    #[test]
    fn script_text_takes_the_users_name_and_password() {
        assert_eq!(
            fill_text("{{username}}:{{password}}!", "alice", "pw"),
            "alice:pw!"
        );
        assert_eq!(js_string("a\"b"), r#""a\"b""#);
    }
}
