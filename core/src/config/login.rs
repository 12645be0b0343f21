//! How the end-user logs in on a provider: the `login:` section of an environment file, and of
//! each user (a user's values win, field by field).
//!
//! ```yaml
//! login:
//!   driver: html              # html (default): read the provider's HTML forms and links
//!                             # browser: a headless Chromium, for JavaScript login pages
//!   username_field: Email     # a field's name, id (#id), label or placeholder (html driver)
//!   password_field: pw
//!   submit: Sign in           # a button's label, value or name
//!   allow: Continue           # the consent page's allow and deny choices (button or link)
//!   deny: "[ Cancel ]"
//!   script:                   # browser driver: what to do on the provider's pages
//!     - fill: "#user"
//!       with: "{{username}}"
//!     - fill: "#password"
//!       with: "{{password}}"
//!     - click: "button[type=submit]"
//!     - wait_for: "#consent"
//!   timeout_seconds: 20       # browser driver: most time for the whole login
//!   chromium: /usr/bin/chromium
//! ```

use serde::Deserialize;
use std::path::PathBuf;

/// Which login driver drives the provider's pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginDriver {
    /// Reads the provider's HTML forms and links (no JavaScript).
    #[default]
    Html,
    /// A real headless Chromium (cargo feature `browser`), for JavaScript login pages.
    Browser,
}

impl LoginDriver {
    /// The driver's name as written in environment files.
    pub fn as_str(self) -> &'static str {
        match self {
            LoginDriver::Html => "html",
            LoginDriver::Browser => "browser",
        }
    }
}

/// The `login:` section (of the environment, or of one user).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginOptions {
    #[serde(default)]
    pub(crate) driver: Option<LoginDriver>,
    /// The username field: name, id (`#id`), label text or placeholder (html driver).
    #[serde(default)]
    pub(crate) username_field: Option<String>,
    /// The password field: name, id (`#id`), label text or placeholder (html driver).
    #[serde(default)]
    pub(crate) password_field: Option<String>,
    /// The login form's submit button: label, value or name (html driver).
    #[serde(default)]
    pub(crate) submit: Option<String>,
    /// The consent page's allow choice: a button's label, value or name, or a link's text.
    #[serde(default)]
    pub(crate) allow: Option<String>,
    /// The consent page's deny choice: a button's label, value or name, or a link's text.
    #[serde(default)]
    pub(crate) deny: Option<String>,
    /// Browser driver: the steps that log in, run in order on the provider's pages.
    #[serde(default)]
    pub(crate) script: Option<Vec<ScriptStep>>,
    /// Browser driver: the most time the whole login may take, in seconds (default 30).
    #[serde(default)]
    pub(crate) timeout_seconds: Option<u64>,
    /// Browser driver: the Chromium executable (default `/usr/bin/chromium`, or `$CHROMIUM`).
    #[serde(default)]
    pub(crate) chromium: Option<PathBuf>,
}

impl LoginOptions {
    /// These options with `over`'s values where it has them (a user's over the environment's).
    pub fn merged(&self, over: Option<&LoginOptions>) -> LoginOptions {
        let Some(o) = over else {
            return self.clone();
        };
        LoginOptions {
            driver: o.driver.or(self.driver),
            username_field: o.username_field.clone().or(self.username_field.clone()),
            password_field: o.password_field.clone().or(self.password_field.clone()),
            submit: o.submit.clone().or(self.submit.clone()),
            allow: o.allow.clone().or(self.allow.clone()),
            deny: o.deny.clone().or(self.deny.clone()),
            script: o.script.clone().or(self.script.clone()),
            timeout_seconds: o.timeout_seconds.or(self.timeout_seconds),
            chromium: o.chromium.clone().or(self.chromium.clone()),
        }
    }

    /// The driver in force (html unless the section says otherwise).
    pub fn driver(&self) -> LoginDriver {
        self.driver.unwrap_or_default()
    }

    /// Checks what serde cannot: each script step does one thing, a script needs the browser.
    pub fn validate(&self, whose: &str) -> Result<(), String> {
        if let Some(script) = &self.script {
            if self.driver() != LoginDriver::Browser {
                return Err(format!(
                    "{whose} login has a script, which only the browser driver runs: add `driver: browser` to it"
                ));
            }
            for (i, step) in script.iter().enumerate() {
                step.action()
                    .map_err(|e| format!("{whose} login script, step {}: {e}", i + 1))?;
            }
        }
        Ok(())
    }
}

/// One step of a login script, as written: exactly one of `fill` (with `with`), `click`,
/// `wait_for`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptStep {
    /// A CSS selector of a field to type into.
    #[serde(default)]
    pub(crate) fill: Option<String>,
    /// What `fill` types: `{{username}}` and `{{password}}` stand for the user's.
    #[serde(default)]
    pub(crate) with: Option<String>,
    /// A CSS selector of an element to click.
    #[serde(default)]
    pub(crate) click: Option<String>,
    /// A CSS selector to wait for (a visible element), for pages that appear in steps.
    #[serde(default)]
    pub(crate) wait_for: Option<String>,
}

/// What a script step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptAction {
    Fill { selector: String, text: String },
    Click { selector: String },
    WaitFor { selector: String },
}

impl ScriptStep {
    /// The one action the step names, or what is wrong with it.
    pub fn action(&self) -> Result<ScriptAction, String> {
        let given = [
            self.fill.is_some(),
            self.click.is_some(),
            self.wait_for.is_some(),
        ]
        .iter()
        .filter(|g| **g)
        .count();
        if given != 1 {
            return Err(format!(
                "a step is one of `fill: <selector>` (with `with: <text>`), `click: <selector>` or `wait_for: <selector>`; this one has {given} of them"
            ));
        }
        if self.with.is_some() && self.fill.is_none() {
            return Err("`with` goes with `fill`".into());
        }
        Ok(if let Some(selector) = &self.fill {
            let text = self.with.clone().ok_or_else(|| {
                format!("`fill: {selector}` needs `with:` (the text to type, such as \"{{{{username}}}}\")")
            })?;
            ScriptAction::Fill {
                selector: selector.clone(),
                text,
            }
        } else if let Some(selector) = &self.click {
            ScriptAction::Click {
                selector: selector.clone(),
            }
        } else {
            ScriptAction::WaitFor {
                selector: self.wait_for.clone().unwrap_or_default(),
            }
        })
    }
}

impl std::fmt::Display for ScriptAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScriptAction::Fill { selector, .. } => write!(f, "fill {selector:?}"),
            ScriptAction::Click { selector } => write!(f, "click {selector:?}"),
            ScriptAction::WaitFor { selector } => write!(f, "wait_for {selector:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_overrides_the_environment_field_by_field() {
        let env = LoginOptions {
            driver: Some(LoginDriver::Browser),
            deny: Some("Cancel".into()),
            ..Default::default()
        };
        let user = LoginOptions {
            deny: Some("No thanks".into()),
            ..Default::default()
        };
        let merged = env.merged(Some(&user));
        assert_eq!(merged.driver(), LoginDriver::Browser);
        assert_eq!(merged.deny.as_deref(), Some("No thanks"));
        assert_eq!(env.merged(None).deny.as_deref(), Some("Cancel"));
    }

    #[test]
    fn script_steps_do_one_thing_and_need_the_browser() {
        let two = ScriptStep {
            fill: Some("#u".into()),
            click: Some("#b".into()),
            ..Default::default()
        };
        assert!(two.action().unwrap_err().contains("has 2 of them"));
        let no_text = ScriptStep {
            fill: Some("#u".into()),
            ..Default::default()
        };
        assert!(no_text.action().unwrap_err().contains("needs `with:`"));
        let html = LoginOptions {
            script: Some(vec![ScriptStep {
                click: Some("#b".into()),
                ..Default::default()
            }]),
            ..Default::default()
        };
        assert!(
            html.validate("the environment's")
                .unwrap_err()
                .contains("driver: browser")
        );
    }
}
