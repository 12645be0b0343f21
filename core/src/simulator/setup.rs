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
    pub clients: Vec<SimClient>,
    pub users: Vec<SimUser>,
}

/// A registered client.
#[derive(Debug, Clone)]
pub struct SimClient {
    pub id: String,
    pub secret: Option<String>,
    pub auth_method: AuthMethod,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
    /// The public key the client signs client assertions and request objects with: JWK `n`
    /// and `e` (base64url).
    pub public_key: Option<(String, String)>,
    /// The `alg` the client is registered with for request objects: others (and `none`) are
    /// refused.
    pub request_object_signing_alg: Option<String>,
}

/// A registered user.
#[derive(Debug, Clone, Default)]
pub struct SimUser {
    /// The name features use for the user (the key in an environment's `users`).
    pub name: String,
    pub username: String,
    pub password: Option<String>,
    /// The subject identifier; [`default_sub`](super::default_sub) of the username when the
    /// environment gives none.
    pub sub: String,
    /// Claims released for the user, by claim name.
    pub claims: BTreeMap<String, serde_json::Value>,
    pub mobileid: Option<SimMobileId>,
    /// The national identity number.
    pub nin: Option<String>,
}

/// A user's MobileID registration: user and device.
#[derive(Debug, Clone, Default)]
pub struct SimMobileId {
    pub user_id: String,
    pub device_id: String,
    pub device_name: Option<String>,
    pub external_ref: Option<String>,
}
