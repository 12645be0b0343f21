//! The browser login driver, in a build without the cargo feature `browser`: choosing it is an
//! error that says how to get it.

use url::Url;

use super::authorize::AuthorizationResponse;
use super::relying_party::Consent;
use crate::config::LoginOptions;
use crate::scenario::Scenario;

/// Why the browser login driver failed.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "the environment chooses the browser login driver for `{user}`, but this idflow was built without it\n  hint: build with the default features (`cargo build`), or `--features browser`"
    )]
    NotBuilt { user: String },
}

impl From<BrowserError> for crate::error::Error {
    fn from(e: BrowserError) -> Self {
        crate::error::Error::Step(e.to_string())
    }
}

/// Always refuses: this build has no browser.
pub async fn log_in(
    _sc: &mut Scenario,
    user: &str,
    _consent: Consent,
    _options: &LoginOptions,
    _start: Url,
    _stop: Vec<Url>,
) -> crate::error::Result<Option<AuthorizationResponse>> {
    Err(BrowserError::NotBuilt {
        user: user.to_string(),
    }
    .into())
}

/// What the browser saw of a provider's page (never, in this build).
#[derive(Debug, Clone, PartialEq)]
pub struct PageView {
    pub(crate) login_fields: bool,
    pub(crate) response: Option<AuthorizationResponse>,
}

/// Always refuses: this build has no browser.
pub async fn view_page(
    _sc: &mut Scenario,
    _options: &LoginOptions,
    _url: Url,
    _stop: Vec<Url>,
) -> crate::error::Result<PageView> {
    Err(BrowserError::NotBuilt {
        user: "the end-user".into(),
    }
    .into())
}

/// Always refuses: this build has no browser.
pub async fn try_wrong_password(
    _sc: &mut Scenario,
    user: &str,
    _options: &LoginOptions,
    _start: Url,
    _stop: Vec<Url>,
) -> crate::error::Result<PageView> {
    Err(BrowserError::NotBuilt {
        user: user.to_string(),
    }
    .into())
}
