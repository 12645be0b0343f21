//! The HTML login driver's decisions, one page at a time: what a page is (a username page, a
//! password page, a consent page) and what the end-user does there (fill and submit a form,
//! follow a link). Pure functions of the page, the user and the environment's `login:`
//! options, so they are tested on HTML fixtures; the user agent sends what they decide.

use url::Url;

use super::forms::{Button, HtmlForm, Link, Page, has_word};
use super::relying_party::Consent;
use crate::config::LoginOptions;

/// The password a wrong-password login types (either driver).
pub const WRONG_PASSWORD: &str = "definitely-not-the-password";

/// Words of a submit button or link that allows consent.
const ALLOW_WORDS: &[&str] = &[
    "allow",
    "accept",
    "approve",
    "consent",
    "continue",
    "yes",
    "authorize",
    "authorise",
    "grant",
    "confirm",
];
/// Words of a submit button or link that denies consent.
const DENY_WORDS: &[&str] = &[
    "deny", "reject", "decline", "cancel", "abort", "no", "refuse", "disallow",
];
/// Words of a login form's submit button.
const SUBMIT_WORDS: &[&str] = &[
    "login", "log in", "sign in", "signin", "submit", "continue", "next",
];

/// Why the HTML login driver cannot go on, in words for a QA engineer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error(
        "the provider showed a page without a form or consent link at {url} instead of redirecting to the client\n  page: {snippet}\n  hint: if this page needs JavaScript, set `login: {{ driver: browser }}` in the environment file"
    )]
    NoForm { url: Url, snippet: String },
    #[error(
        "login as `{user}` failed: the provider showed the {what} page again at {url}\n  page: {snippet}\n  hint: check the user's username and password in the environment file"
    )]
    Repeated {
        user: String,
        what: &'static str,
        url: Url,
        snippet: String,
    },
    #[error(
        "the login form at {url} has no field `{spec}` for the {what} (set by `login.{key}` in the environment file); its fields: {fields}"
    )]
    OverriddenFieldMissing {
        what: &'static str,
        key: &'static str,
        spec: String,
        url: Url,
        fields: String,
    },
    #[error(
        "the login form at {url} has no field the driver recognises as the username; its fields: {fields}\n  hint: name it with `login: {{ username_field: <name, #id or label> }}` in the environment file"
    )]
    NoUsernameField { url: Url, fields: String },
    #[error(
        "the consent page at {url} has no button or link to {choice} (looked for {looked_for}); buttons: {buttons}; links: {links}\n  hint: name it with `login: {{ {key}: <label or link text> }}` in the environment file"
    )]
    NoConsentChoice {
        choice: &'static str,
        key: &'static str,
        looked_for: String,
        url: Url,
        buttons: String,
        links: String,
    },
}

impl From<Box<LoginError>> for crate::error::Error {
    fn from(e: Box<LoginError>) -> Self {
        crate::error::Error::Step(e.to_string())
    }
}

/// Which login pages the end-user has been through in this login.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginProgress {
    pub(crate) username_pages: usize,
    pub(crate) password_pages: usize,
    pub(crate) consent_pages: usize,
}

/// What the end-user does on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageAction {
    /// Submit a form (the label names it in the record: "login form (as alice)").
    Submit {
        label: String,
        method: String,
        url: Url,
        fields: Vec<(String, String)>,
    },
    /// Follow a link (a consent page's deny link, for one).
    Follow { label: String, url: Url },
}

/// The end-user, as the driver types them.
#[derive(Debug, Clone)]
pub struct Credentials<'a> {
    /// The feature's name of the user (`alice`).
    pub(crate) user: &'a str,
    pub(crate) username: &'a str,
    pub(crate) password: &'a str,
}

/// Decides what the end-user does on the page `html` at `page_url`, and notes it in
/// `progress`. A page with a password field is a password page (its username field filled
/// too, when it has one); a form with only a username field is a username page (the first of
/// a multi-page login); anything else with a form or links is a consent page.
pub fn plan(
    html: &str,
    page_url: &Url,
    who: &Credentials<'_>,
    consent: Consent,
    options: &LoginOptions,
    progress: &mut LoginProgress,
) -> Result<PageAction, Box<LoginError>> {
    let page = Page::parse(html, page_url);
    let (forms, links) = (page.forms(), page.links());
    let repeated = |what| LoginError::Repeated {
        user: who.user.to_string(),
        what,
        url: page_url.clone(),
        snippet: text_snippet(html),
    };
    // A password page.
    if let Some(form) = forms.iter().find(|f| {
        f.password_field(options.password_field.as_deref())
            .is_some()
            || f.has_password()
    }) {
        if progress.password_pages > 0 {
            return Err(Box::new(repeated("login")));
        }
        progress.password_pages += 1;
        let fields = fill_login(form, who, options, true)?;
        return Ok(submit(
            format!("login form (as {})", who.user),
            form,
            fields,
        ));
    }
    // A username page: a form asking for the login name only (or node oidc-provider's
    // `prompt=login` form).
    let username_form = forms.iter().find(|f| {
        f.value("prompt") == Some("login")
            || f.username_field(options.username_field.as_deref())
                .is_some()
                && (options.username_field.is_some() || strong_username(f))
    });
    if let Some(form) = username_form {
        if progress.username_pages > 0 && progress.password_pages == 0
            || progress.password_pages > 0 && form.value("prompt") == Some("login")
        {
            return Err(Box::new(repeated("username")));
        }
        progress.username_pages += 1;
        let fields = fill_login(form, who, options, false)?;
        return Ok(submit(
            format!("login form, username (as {})", who.user),
            form,
            fields,
        ));
    }
    // A consent page: a form with buttons, links, or both.
    let with_buttons: Vec<&HtmlForm> = forms.iter().filter(|f| !f.buttons.is_empty()).collect();
    if with_buttons.is_empty() && links.is_empty() && forms.is_empty() {
        return Err(Box::new(LoginError::NoForm {
            url: page_url.clone(),
            snippet: text_snippet(html),
        }));
    }
    progress.consent_pages += 1;
    let (choice, key, words, spec) = match consent {
        Consent::Allow => ("allow", "allow", ALLOW_WORDS, options.allow.as_deref()),
        Consent::Deny => ("deny", "deny", DENY_WORDS, options.deny.as_deref()),
    };
    let label = format!("consent page ({choice})");
    let by_button = |pick: &dyn Fn(&HtmlForm) -> Option<&Button>| {
        with_buttons
            .iter()
            .find_map(|f| pick(f).map(|b| (*f, b.clone())))
    };
    let link_named = |spec: &str| {
        links.iter().find(|l| {
            l.text.eq_ignore_ascii_case(spec.trim())
                || spec
                    .strip_prefix('#')
                    .is_some_and(|id| l.id.as_deref() == Some(id))
        })
    };
    let chosen: Option<Choice> = match spec {
        Some(spec) => by_button(&|f| f.button_named(spec))
            .map(|(f, b)| Choice::Button(f, b))
            .or_else(|| link_named(spec).map(Choice::Link)),
        None => by_button(&|f| f.button_matching(words))
            .map(|(f, b)| Choice::Button(f, b))
            .or_else(|| {
                links
                    .iter()
                    .find(|l| has_word(&l.text, words))
                    .map(Choice::Link)
            })
            .or_else(|| match consent {
                // A form with one unnamed choice is an allow ("Continue" by another word).
                Consent::Allow => with_buttons
                    .first()
                    .map(|f| Choice::Button(f, f.buttons[0].clone())),
                Consent::Deny => None,
            }),
    };
    match chosen {
        Some(Choice::Button(form, button)) => {
            let fields = form.submission(Some(&button));
            Ok(submit(label, form, fields))
        }
        Some(Choice::Link(link)) => Ok(PageAction::Follow {
            label,
            url: link.href.clone(),
        }),
        None if forms.is_empty() && links.is_empty() => Err(Box::new(LoginError::NoForm {
            url: page_url.clone(),
            snippet: text_snippet(html),
        })),
        None => Err(Box::new(LoginError::NoConsentChoice {
            choice,
            key,
            looked_for: match spec {
                Some(spec) => format!("{spec:?}, as set by `login.{key}`"),
                None => format!("the words {}", words.join(", ")),
            },
            url: page_url.clone(),
            buttons: list(
                with_buttons
                    .iter()
                    .flat_map(|f| f.buttons.iter().map(|b| format!("{:?}", b.label))),
            ),
            links: list(links.iter().map(|l| format!("{:?} → {}", l.text, l.href))),
        })),
    }
}

enum Choice<'a> {
    Button(&'a HtmlForm, Button),
    Link(&'a Link),
}

fn list(items: impl Iterator<Item = String>) -> String {
    let all: Vec<String> = items.collect();
    if all.is_empty() {
        "none".into()
    } else {
        all.join(", ")
    }
}

/// A username field found by a hint stronger than "the first text field".
fn strong_username(form: &HtmlForm) -> bool {
    form.username_field(None).is_some_and(|f| {
        f.kind == "email" || f.autocomplete.is_some() || {
            let words = format!(
                "{} {} {}",
                f.name,
                f.id.as_deref().unwrap_or(""),
                f.label.as_deref().unwrap_or("")
            )
            .to_lowercase();
            ["user", "login", "mail", "ident", "account"]
                .iter()
                .any(|w| words.contains(w))
        }
    })
}

fn submit(label: String, form: &HtmlForm, fields: Vec<(String, String)>) -> PageAction {
    let (method, url) = if form.method == "POST" {
        ("POST".to_string(), form.action.clone())
    } else {
        ("GET".to_string(), form.action.clone())
    };
    PageAction::Submit {
        label,
        method,
        url,
        fields,
    }
}

/// The login form's fields filled in: the username (required on a username page, filled when
/// present on a password page) and the password (on a password page), with the submit button.
fn fill_login(
    form: &HtmlForm,
    who: &Credentials<'_>,
    options: &LoginOptions,
    password_page: bool,
) -> Result<Vec<(String, String)>, Box<LoginError>> {
    let original = form;
    let mut form = form.clone();
    let missing = |what, key, spec: &str| LoginError::OverriddenFieldMissing {
        what,
        key,
        spec: spec.to_string(),
        url: original.action.clone(),
        fields: original.describe_fields(),
    };
    let user_field = form
        .username_field(options.username_field.as_deref())
        .map(|f| f.name.clone());
    match (&user_field, &options.username_field) {
        (Some(name), _) => form.set(name, who.username),
        // A password page without the username field is the second page of a multi-page
        // login; an override must be found wherever it is expected.
        (None, Some(spec)) if !password_page => {
            return Err(Box::new(missing("username", "username_field", spec)));
        }
        (None, None) if !password_page => {
            return Err(Box::new(LoginError::NoUsernameField {
                url: form.action.clone(),
                fields: form.describe_fields(),
            }));
        }
        (None, _) => {}
    }
    if password_page {
        let name = match form.password_field(options.password_field.as_deref()) {
            Some(f) => f.name.clone(),
            None => {
                let spec = options.password_field.as_deref().unwrap_or("password");
                return Err(Box::new(missing("password", "password_field", spec)));
            }
        };
        form.set(&name, who.password);
    }
    // The override names the password page's button; a username page before it may have
    // its own ("Next").
    let submit = options
        .submit
        .as_deref()
        .filter(|spec| password_page || form.button_named(spec).is_some());
    let button = match submit {
        Some(spec) => Some(form.button_named(spec).cloned().ok_or_else(|| {
            Box::new(LoginError::OverriddenFieldMissing {
                what: "submit button",
                key: "submit",
                spec: spec.to_string(),
                url: form.action.clone(),
                fields: list(form.buttons.iter().map(|b| format!("{:?}", b.label))),
            })
        })?),
        None => form
            .button_matching(SUBMIT_WORDS)
            .or(form.buttons.first())
            .cloned(),
    };
    Ok(form.submission(button.as_ref()))
}

/// The visible text of a page, shortened, for error messages.
pub fn text_snippet(html: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn url(path: &str) -> Url {
        Url::parse("https://op.example/")
            .unwrap()
            .join(path)
            .unwrap()
    }

    const WHO: Credentials<'static> = Credentials {
        user: "alice",
        username: "alice@example.org",
        password: "pw-1",
    };

    fn fields(action: &PageAction) -> &[(String, String)] {
        match action {
            PageAction::Submit { fields, .. } => fields,
            PageAction::Follow { .. } => panic!("expected a form submission, got {action:?}"),
        }
    }

    /// A multi-page login: the username page (a search box before the real field, which only
    /// its label names), then the password page, then a consent page whose deny is a link.
    const USERNAME_PAGE: &str = r#"<html><body>
      <form action="/search"><input name="q" placeholder="Search help"></form>
      <form method="post" action="/login/identifier">
        <input type="hidden" name="flow" value="f-1">
        <input name="q2" type="text">
        <label for="ident">E-mail address</label><input id="ident" name="f_1" type="text">
        <button type="submit">Next</button>
      </form></body></html>"#;
    const PASSWORD_PAGE: &str = r#"<form method="post" action="/login/password">
        <input type="hidden" name="flow" value="f-1">
        <label>Your secret <input type="password" name="f_2"></label>
        <button name="op" value="back">Back</button><button name="op" value="go">Sign in</button>
      </form>"#;
    const CONSENT_WITH_LINK: &str = r#"<h1>Authorize</h1>
      <form method="post" action="/interaction/u1/confirm"><button autofocus type="submit" class="login login-submit">Continue</button></form>
      <div class="login-help"><a href="/interaction/u1/abort">[ Cancel ]</a> <a href="/help">Nothing here?</a></div>"#;

    #[test]
    fn a_multi_page_login_fills_the_field_its_label_names_then_the_password() {
        let mut progress = LoginProgress::default();
        let opts = LoginOptions::default();
        let first = plan(
            USERNAME_PAGE,
            &url("/authorize?x=1"),
            &WHO,
            Consent::Allow,
            &opts,
            &mut progress,
        )
        .unwrap();
        let PageAction::Submit {
            url: to, method, ..
        } = &first
        else {
            panic!("{first:?}")
        };
        assert_eq!((method.as_str(), to.path()), ("POST", "/login/identifier"));
        assert_eq!(
            fields(&first),
            [
                ("flow".into(), "f-1".into()),
                ("q2".into(), "".into()),
                ("f_1".into(), "alice@example.org".into())
            ]
        );
        let second = plan(
            PASSWORD_PAGE,
            &url("/login/identifier"),
            &WHO,
            Consent::Allow,
            &opts,
            &mut progress,
        )
        .unwrap();
        assert_eq!(
            fields(&second),
            [
                ("flow".into(), "f-1".into()),
                ("f_2".into(), "pw-1".into()),
                ("op".into(), "go".into())
            ],
            "the password, and the button that signs in (not Back)"
        );
        // The password page again means the password was refused.
        let again = plan(
            PASSWORD_PAGE,
            &url("/login/password"),
            &WHO,
            Consent::Allow,
            &opts,
            &mut progress,
        )
        .unwrap_err();
        assert!(
            matches!(*again, LoginError::Repeated { what: "login", .. }),
            "{again}"
        );
    }

    #[test]
    fn consent_deny_follows_a_link_and_allow_submits_the_form() {
        let page = url("/interaction/u1");
        let opts = LoginOptions::default();
        let deny = plan(
            CONSENT_WITH_LINK,
            &page,
            &WHO,
            Consent::Deny,
            &opts,
            &mut LoginProgress::default(),
        )
        .unwrap();
        assert_eq!(
            deny,
            PageAction::Follow {
                label: "consent page (deny)".into(),
                url: url("/interaction/u1/abort")
            },
            "`[ Cancel ]` is the deny link; `Nothing here?` holds no deny word"
        );
        let allow = plan(
            CONSENT_WITH_LINK,
            &page,
            &WHO,
            Consent::Allow,
            &opts,
            &mut LoginProgress::default(),
        )
        .unwrap();
        let PageAction::Submit { url: to, .. } = allow else {
            panic!()
        };
        assert_eq!(to.path(), "/interaction/u1/confirm");
    }

    #[test]
    fn overrides_name_fields_buttons_and_links() {
        let opts = LoginOptions {
            username_field: Some("#ident".into()),
            password_field: Some("Your secret".into()),
            submit: Some("Sign in".into()),
            deny: Some("Nothing here?".into()),
            ..Default::default()
        };
        let mut progress = LoginProgress::default();
        // One page after the other, as a login across several pages goes.
        let mut step = |page: &str, path: &str| {
            plan(page, &url(path), &WHO, Consent::Deny, &opts, &mut progress).unwrap()
        };
        let first = step(USERNAME_PAGE, "/a");
        assert!(fields(&first).contains(&("f_1".into(), "alice@example.org".into())));
        let second = step(PASSWORD_PAGE, "/b");
        assert!(fields(&second).contains(&("op".into(), "go".into())));
        let deny = step(CONSENT_WITH_LINK, "/c");
        assert_eq!(
            deny,
            PageAction::Follow {
                label: "consent page (deny)".into(),
                url: url("/help")
            }
        );
        // An override that names nothing on the page says so, with what is there.
        let wrong = LoginOptions {
            username_field: Some("#nope".into()),
            ..Default::default()
        };
        let err = plan(
            PASSWORD_PAGE,
            &url("/b"),
            &WHO,
            Consent::Allow,
            &wrong,
            &mut LoginProgress::default(),
        );
        assert!(
            err.is_ok(),
            "a password page need not show the username field: {err:?}"
        );
        let wrong = LoginOptions {
            password_field: Some("#nope".into()),
            ..Default::default()
        };
        let err = plan(
            PASSWORD_PAGE,
            &url("/b"),
            &WHO,
            Consent::Allow,
            &wrong,
            &mut LoginProgress::default(),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("no field `#nope` for the password")
                && text.contains("`f_2` (password, label \"Your secret\")"),
            "{text}"
        );
    }

    #[test]
    fn a_consent_page_without_a_deny_choice_lists_what_it_has() {
        let page = r#"<form method="post" action="/ok"><button>Continue</button></form><a href="/help">Help</a>"#;
        let err = plan(
            page,
            &url("/c"),
            &WHO,
            Consent::Deny,
            &LoginOptions::default(),
            &mut LoginProgress::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("no button or link to deny"), "{err}");
        assert!(
            err.contains("buttons: \"Continue\"")
                && err.contains("\"Help\" → https://op.example/help"),
            "{err}"
        );
        assert!(err.contains("login: { deny:"), "{err}");
    }

    #[test]
    fn a_page_without_form_or_link_points_at_the_browser_driver() {
        let page =
            r#"<html><body><div id="app"></div><script src="/app.js"></script></body></html>"#;
        let err = plan(
            page,
            &url("/login"),
            &WHO,
            Consent::Allow,
            &LoginOptions::default(),
            &mut LoginProgress::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("without a form") && err.contains("driver: browser"),
            "{err}"
        );
    }
}
