//! What the simulator is handed at start: the clients and users it registers, in its own types.
//!
//! The simulator knows nothing of environment files: whoever starts it (the runner, the
//! `simulate` command, the tests) builds a [`SimulatorSetup`], for example from an environment
//! with the conversion that lives on the configuration's side.

use std::collections::BTreeMap;

use crate::protocol::AuthMethod;

/// The clients and users the simulator registers.
#[derive(Debug, Clone, Default)]
pub struct SimulatorSetup {
    pub(crate) clients: Vec<SimClient>,
    pub(crate) users: Vec<SimUser>,
}

/// A registered client.
#[derive(Debug, Clone)]
pub struct SimClient {
    pub(crate) id: String,
    pub(crate) secret: Option<String>,
    pub(crate) auth_method: AuthMethod,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) scopes: Vec<String>,
    /// The public key the client signs client assertions and request objects with: JWK `n`
    /// and `e` (base64url).
    pub(crate) public_key: Option<(String, String)>,
    /// The `alg` the client is registered with for request objects: others (and `none`) are
    /// refused.
    pub(crate) request_object_signing_alg: Option<String>,
}

/// A registered user.
#[derive(Debug, Clone, Default)]
pub struct SimUser {
    /// The name features use for the user (the key in an environment's `users`).
    pub(crate) name: String,
    pub(crate) username: String,
    pub(crate) password: Option<String>,
    /// The subject identifier; [`default_sub`](super::default_sub) of the username when the
    /// environment gives none.
    pub(crate) sub: String,
    /// Claims released for the user, by claim name.
    pub(crate) claims: BTreeMap<String, serde_json::Value>,
    pub(crate) mobileid: Option<SimMobileId>,
    /// The national identity number.
    pub(crate) nin: Option<String>,
}

/// A user's MobileID registration: user and device.
#[derive(Debug, Clone, Default)]
pub struct SimMobileId {
    pub(crate) user_id: String,
    pub(crate) device_id: String,
    pub(crate) device_name: Option<String>,
    pub(crate) external_ref: Option<String>,
}
