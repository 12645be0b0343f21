//! OpenID Connect client flows: discovery, the authorization request with state, nonce and
//! PKCE, driving the provider's login and consent forms, the token endpoint, refresh, userinfo.

pub mod authorize;
pub mod checks;
pub mod ciba;
pub mod discovery;
pub mod flow;
pub mod forms;
pub mod pkce;
pub mod token;

pub use authorize::{AuthorizationRequest, AuthorizationResponse, OMITTED};
pub use discovery::{ProviderMetadata, discovery_url};
pub use token::{TokenSet, basic_auth, token_request};
