//! The user agent: drives the provider's pages (login, consent) as a browser would, reading
//! each form's fields and action, until the provider redirects to the client. Every page it
//! submits is an exchange recorded under the running step.

use url::Url;

use super::forms::{HtmlForm, parse_forms};
use super::login_page::{Credentials, LoginProgress, PageAction, plan};
use super::relying_party::{Consent, OidcState, RelyingParty, redirect_response};
use crate::checks::Checklist;
use crate::config::{LoginDriver, LoginOptions};
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

    /// Drives the provider's login and consent pages until the provider redirects to the
    /// client, with the login driver the environment (or the user) chooses: the HTML driver
    /// reads each page's forms and links; the browser driver runs a headless Chromium.
    pub async fn log_in(&mut self, user: &str, consent: Consent) -> Result<()> {
        let options = self.sc.env().login_for(user)?;
        self.state.user = Some(user.to_string());
        match options.driver() {
            LoginDriver::Html => self.log_in_html(user, consent, &options).await,
            LoginDriver::Browser => {
                let stop = self.redirect_uris()?;
                let start = self.authorization_request_url()?;
                let (sc, state) = (&mut *self.sc, &mut *self.state);
                let end = super::browser::log_in(sc, user, consent, &options, start, stop).await?;
                state.response = end;
                Ok(())
            }
        }
    }

    /// The authorization request the browser opens itself, with its own cookies: the latest
    /// request, which must be a GET.
    fn authorization_request_url(&self) -> Result<Url> {
        let first = self.sc.last_exchange().map_err(|_| {
            Error::step("no authorization request was sent: start with `When the client starts an authorization request`")
        })?.request();
        if first.method != "GET" {
            return Err(Error::step(format!(
                "the browser login driver opens the authorization request in the browser, but the latest request was {} {}, not a GET",
                first.method, first.url
            )));
        }
        Url::parse(&first.url)
            .map_err(|e| Error::step(format!("{:?} is not a URL: {e}", first.url)))
    }

    /// Keeps what the browser saw as the page the user agent is on.
    fn keep_view(&mut self, view: super::browser::PageView) -> bool {
        if view.response.is_some() {
            self.state.response = view.response;
        }
        let seq = self.sc.last_exchange().map_or(0, |ex| ex.seq);
        self.state.browser_view = Some((seq, view.login_fields));
        view.login_fields && self.state.response.is_none()
    }

    async fn log_in_html(
        &mut self,
        user: &str,
        consent: Consent,
        options: &LoginOptions,
    ) -> Result<()> {
        let (username, password) = self.sc.env().user(user)?.credentials();
        let who = Credentials {
            user,
            username: &username,
            password: &password,
        };
        let stop = self.redirect_uris()?;
        let mut progress = LoginProgress::default();
        for _ in 0..8 {
            if self.state.response.is_some() {
                return Ok(());
            }
            let (page_url, body) = self.current_page()?;
            let spec = match plan(&body, &page_url, &who, consent, options, &mut progress)? {
                PageAction::Submit {
                    label,
                    method,
                    mut url,
                    fields,
                } => {
                    let spec = if method == "POST" {
                        RequestSpec::new("POST", url).form(fields)
                    } else {
                        url.query_pairs_mut()
                            .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                        RequestSpec::new("GET", url)
                    };
                    (label, spec)
                }
                PageAction::Follow { url, .. }
                    if stop.iter().any(|u| crate::http::same_endpoint(u, &url)) =>
                {
                    // A link straight to the client (an interstitial page's "Continue"): the
                    // browser would leave the provider there, so the response is its URL.
                    self.state.response = Some(super::AuthorizationResponse::parse(url.as_str())?);
                    continue;
                }
                PageAction::Follow { label, url } => (label, RequestSpec::new("GET", url)),
            };
            let ex = self
                .sc
                .send(&spec.0, spec.1, Redirects::FollowUntil(stop.clone()))
                .await?;
            self.state.response = redirect_response(ex)?;
        }
        if self.state.response.is_some() {
            return Ok(());
        }
        Err(Error::step(
            "the provider did not redirect to the client after eight pages of login and consent",
        ))
    }

    /// Submits the login form with the user's name and a wrong password, once; the provider
    /// must answer with its login form again (or an error page), never with a redirect. With
    /// the browser driver, the browser opens the authorization request and submits the login
    /// (script or found fields) once, then looks whether the login fields are shown again.
    pub async fn log_in_with_wrong_password(&mut self, user: &str) -> Result<()> {
        let username = self.sc.env().user(user)?.username.to_string();
        let options = self.sc.env().login_for(user)?;
        let stop = self.redirect_uris()?;
        self.state.user = Some(user.to_string());
        if options.driver() == LoginDriver::Browser {
            let start = self.authorization_request_url()?;
            let view =
                super::browser::try_wrong_password(self.sc, user, &options, start, stop).await?;
            self.keep_view(view);
            return Ok(());
        }
        let who = Credentials {
            user,
            username: &username,
            password: super::login_page::WRONG_PASSWORD,
        };
        // Through the username page of a multi-page login, to the password page, once.
        let mut progress = LoginProgress::default();
        for _ in 0..3 {
            let (page_url, body) = self.current_page()?;
            if !parse_forms(&body, &page_url)
                .iter()
                .any(|f| is_login(f, &options))
            {
                return Err(Error::step(format!("no login form at {page_url}")));
            }
            let action = plan(
                &body,
                &page_url,
                &who,
                Consent::Allow,
                &options,
                &mut progress,
            )?;
            let PageAction::Submit {
                label,
                method,
                url,
                fields,
            } = action
            else {
                return Err(Error::step(format!("no login form at {page_url}")));
            };
            let label = if progress.password_pages > 0 {
                "login form (wrong password)".to_string()
            } else {
                label
            };
            let ex = self
                .sc
                .send(
                    &label,
                    RequestSpec::new(&method, url).form(fields),
                    Redirects::FollowUntil(stop.clone()),
                )
                .await?;
            self.state.response = redirect_response(ex)?;
            if progress.password_pages > 0 || self.state.response.is_some() {
                break;
            }
        }
        Ok(())
    }

    /// Whether the page the user agent is on shows a login form in its HTML.
    pub fn shows_login_form(&self) -> Result<bool> {
        let (page_url, body) = self.current_page()?;
        let options = &self.sc.env().login;
        Ok(self.state.response.is_none()
            && parse_forms(&body, &page_url)
                .iter()
                .any(|f| is_login(f, options)))
    }

    /// Whether the page the user agent is on shows a login form: in its HTML, or with the
    /// browser driver, its login fields in the page the browser renders (what the browser saw
    /// last, when its view is the latest exchange; else the page opened in the browser with the
    /// end-user's cookies, its navigations recorded under the running step).
    pub async fn shows_login_page(&mut self) -> Result<bool> {
        if self.state.response.is_some() {
            return Ok(false);
        }
        let options = match self.state.user.clone() {
            Some(user) => self.sc.env().login_for(&user)?,
            None => self.sc.env().login.clone(),
        };
        let (page_url, body) = self.current_page()?;
        let in_html = parse_forms(&body, &page_url)
            .iter()
            .any(|f| is_login(f, &options));
        if in_html || options.driver() != LoginDriver::Browser {
            return Ok(in_html);
        }
        let last = self.sc.last_exchange()?;
        if let Some((seq, shown)) = self.state.browser_view
            && seq == last.seq
        {
            return Ok(shown && self.state.response.is_none());
        }
        // Only a page the browser would show by opening its URL: a GET answered 2xx.
        let hop = last.hops.last().expect("an exchange has a hop");
        let page = hop.request.method == "GET"
            && hop
                .response
                .as_ref()
                .is_some_and(|r| (200..300).contains(&r.status));
        if !page {
            return Ok(false);
        }
        let stop = self.redirect_uris()?;
        let view = super::browser::view_page(self.sc, &options, page_url, stop).await?;
        Ok(self.keep_view(view))
    }

    /// The user agent is on the provider's login form, not redirected to the client.
    pub async fn expect_login_form(&mut self) -> Result<()> {
        let shows = self.shows_login_page().await?;
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

/// A login form asks for a password or a username (by the environment's field names, when
/// it names them), or says so in a hidden `prompt` field (node oidc-provider).
fn is_login(form: &HtmlForm, options: &LoginOptions) -> bool {
    form.has_password()
        || form.value("prompt") == Some("login")
        || options
            .username_field
            .as_deref()
            .is_some_and(|spec| form.username_field(Some(spec)).is_some())
        || form
            .username_field(None)
            .is_some_and(|f| f.autocomplete.is_some() || f.kind == "email")
}
