//! OpenID Connect clients: the relying party (discovery, the authorization request with state,
//! nonce and PKCE, the token endpoint, refresh, UserInfo, ID token checks), the user agent
//! that drives the provider's login and consent pages, and CIBA.

pub mod attacks;
pub mod authorize;
pub mod checks;
pub mod ciba;
pub mod claims_release;
pub mod client_assertion;

#[cfg(feature = "browser")]
pub mod browser;
#[cfg(not(feature = "browser"))]
#[path = "browser_off.rs"]
pub mod browser;
pub mod forms;
pub mod login_page;
pub mod pkce;
pub mod provider_keys;
pub mod reauthentication;
pub mod relying_party;
pub mod request_object;
pub mod request_uri;
pub mod security;
mod sign_in_checks;
pub mod token;
pub mod token_hygiene;
pub mod user_agent;

pub use crate::discovery::{ProviderMetadata, discovery_url};
pub use authorize::{AuthorizationRequest, AuthorizationResponse, OMITTED};
pub use relying_party::{
    AreaClient, Consent, ExchangeOptions, ObjectOptions, OidcState, RelyingParty, TokenChoice,
};
pub use token::{TokenSet, basic_auth, token_request};
pub use user_agent::UserAgent;
