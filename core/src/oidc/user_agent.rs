//! The user agent: drives the provider's pages (login, consent) as a browser would, reading
//! each form's fields and action, until the provider redirects to the client. Every page it
//! submits is an exchange recorded under the running step.

use url::Url;

use super::forms::{HtmlForm, parse_forms};
use super::relying_party::{Consent, OidcState, RelyingParty, redirect_response};
use crate::checks::Checklist;
use crate::error::{Error, Result};
use crate::http::{Redirects, RequestSpec};
use crate::scenario::{Scenario, response_of};

/// The end-user's browser in one scenario, sharing the relying party's state (it ends where
/// the provider redirects to the client).
pub struct UserAgent<'a> {
    sc: &'a mut Scenario,
    state: &'a mut OidcState,
}

impl<'a> UserAgent<'a> {
    /// The user agent of a scenario.
    pub fn new(sc: &'a mut Scenario, state: &'a mut OidcState) -> Self {
        UserAgent { sc, state }
    }

    fn redirect_uris(&mut self) -> Result<Vec<Url>> {
        RelyingParty::new(self.sc, self.state).redirect_uris()
    }

    /// Drives the provider's login and consent pages as a browser would, reading each form's
    /// fields and action, until the provider redirects to the client.
    pub async fn log_in(&mut self, user: &str, consent: Consent) -> Result<()> {
        let user_cfg = self.sc.env().user(user)?;
        let username = user_cfg.username.to_string();
        let password = user_cfg
            .password
            .as_ref()
            .map(|p| p.expose().to_string())
            .unwrap_or_default();
        let stop = self.redirect_uris()?;
        let mut logged_in = false;
        for _ in 0..6 {
            if self.state.response.is_some() {
                return Ok(());
            }
            let (page_url, status, body) = {
                let ex = self.sc.last_exchange().ok().ok_or_else(|| {
                    Error::step("no authorization request was sent: start with `When the client starts an authorization request`")
                })?;
                let hop = ex.hops.last().expect("an exchange has a hop");
                let resp = response_of(ex)?;
                (
                    Url::parse(&hop.request.url).map_err(|e| {
                        Error::step(format!("{:?} is not a URL: {e}", hop.request.url))
                    })?,
                    resp.status,
                    resp.body.clone(),
                )
            };
            let forms = parse_forms(&body, &page_url);
            let Some(form) = forms
                .into_iter()
                .find(|f| !f.fields.is_empty() || !f.buttons.is_empty())
            else {
                return Err(Error::step(format!(
                    "the provider showed a page without a form at {page_url} (status {status}) instead of redirecting to the client\n  page: {}",
                    text_snippet(&body)
                )));
            };
            let (label, fields) = if is_login(&form) {
                if logged_in {
                    return Err(Error::step(format!(
                        "login as `{user}` failed: the provider showed the login form again\n  page: {}\n  hint: check the user's username and password in the environment file",
                        text_snippet(&body)
                    )));
                }
                logged_in = true;
                (
                    format!("login form (as {user})"),
                    fill_login(&form, &username, &password)?,
                )
            } else {
                let words: &[&str] = match consent {
                    Consent::Allow => &[
                        "allow",
                        "accept",
                        "approve",
                        "consent",
                        "continue",
                        "yes",
                        "authorize",
                    ],
                    Consent::Deny => &["deny", "reject", "decline", "cancel", "abort", "no"],
                };
                let button = form.button_matching(words).or(match consent {
                    Consent::Allow => form.buttons.first(),
                    Consent::Deny => None,
                });
                if consent == Consent::Deny && button.is_none() {
                    return Err(Error::step(format!(
                        "the consent page at {page_url} has no button to deny"
                    )));
                }
                ("consent form".to_string(), form.submission(button))
            };
            let spec = if form.method == "POST" {
                RequestSpec::new("POST", form.action.clone()).form(fields)
            } else {
                let mut url = form.action.clone();
                url.query_pairs_mut()
                    .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                RequestSpec::new("GET", url)
            };
            let ex = self
                .sc
                .send(&label, spec, Redirects::FollowUntil(stop.clone()))
                .await?;
            self.state.response = redirect_response(ex)?;
        }
        Err(Error::step(
            "the provider did not redirect to the client after six pages of login and consent",
        ))
    }

    /// Submits the login form with the user's name and a wrong password, once; the provider
    /// must answer with its login form again (or an error page), never with a redirect.
    pub async fn log_in_with_wrong_password(&mut self, user: &str) -> Result<()> {
        let username = self.sc.env().user(user)?.username.to_string();
        let stop = self.redirect_uris()?;
        let (page_url, body) = self.current_page()?;
        let form = parse_forms(&body, &page_url)
            .into_iter()
            .find(is_login)
            .ok_or_else(|| Error::step(format!("no login form at {page_url}")))?;
        let fields = fill_login(&form, &username, "definitely-not-the-password")?;
        let spec = RequestSpec::new(&form.method, form.action.clone()).form(fields);
        let ex = self
            .sc
            .send(
                "login form (wrong password)",
                spec,
                Redirects::FollowUntil(stop),
            )
            .await?;
        self.state.response = redirect_response(ex)?;
        Ok(())
    }

    /// Whether the page the user agent is on shows a login form.
    pub fn shows_login_form(&self) -> Result<bool> {
        let (page_url, body) = self.current_page()?;
        Ok(self.state.response.is_none() && parse_forms(&body, &page_url).iter().any(is_login))
    }

    /// The user agent is on the provider's login form, not redirected to the client.
    pub fn expect_login_form(&mut self) -> Result<()> {
        let shows = self.shows_login_form()?;
        let failure = match &self.state.response {
            Some(r) => format!("the provider redirected to the client: {}", r.url),
            None => "the page has no login form".into(),
        };
        let mut list = Checklist::new("the page the user agent is on");
        list.must("login form", "OpenID Connect Core §3.1.2.3", shows, failure);
        self.sc.conclude(list)
    }

    fn current_page(&self) -> Result<(Url, String)> {
        let ex = self.sc.last_exchange().map_err(|_| {
            Error::step(
                "no page was loaded: start with `When the client starts an authorization request`",
            )
        })?;
        let hop = ex.hops.last().expect("an exchange has a hop");
        let resp = response_of(ex)?;
        let url = Url::parse(&hop.request.url)
            .map_err(|e| Error::step(format!("{:?} is not a URL: {e}", hop.request.url)))?;
        Ok((url, resp.body.clone()))
    }
}

/// A login form asks for a password, or says so in a hidden `prompt` field (node oidc-provider).
fn is_login(form: &HtmlForm) -> bool {
    form.has_password() || form.value("prompt") == Some("login")
}

fn fill_login(form: &HtmlForm, username: &str, password: &str) -> Result<Vec<(String, String)>> {
    let mut form = form.clone();
    let user_field = form
        .username_field()
        .map(|f| f.name.clone())
        .ok_or_else(|| {
            Error::step(format!(
                "the login form at {} has no text field for the username",
                form.action
            ))
        })?;
    form.set(&user_field, username);
    let password_fields: Vec<String> = form
        .fields
        .iter()
        .filter(|f| f.kind == "password")
        .map(|f| f.name.clone())
        .collect();
    for name in password_fields {
        form.set(&name, password);
    }
    let button = form
        .button_matching(&["login", "log in", "sign in", "submit", "continue"])
        .cloned();
    Ok(form.submission(button.as_ref()))
}

/// The visible text of a page, shortened, for error messages.
fn text_snippet(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let text: Vec<&str> = doc
        .root_element()
        .text()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    let joined = text.join(" ");
    if joined.chars().count() > 240 {
        format!("{}…", joined.chars().take(240).collect::<String>())
    } else {
        joined
    }
}
