//! What the embedded simulator is told of an environment: its clients and users, converted to
//! the simulator's own registration types (the simulator does not read environments).

use super::Environment;
use crate::simulator::{SimClient, SimMobileId, SimUser, SimulatorSetup, default_sub};

impl From<&Environment> for SimulatorSetup {
    fn from(env: &Environment) -> Self {
        let clients = env
            .clients
            .values()
            .map(|c| SimClient {
                id: c.id.to_string(),
                secret: c.secret.as_ref().map(|s| s.expose().to_string()),
                auth_method: c.auth_method,
                redirect_uris: c.redirect_uris.iter().map(|u| u.to_string()).collect(),
                scopes: c.scopes.clone(),
                public_key: c.key.as_ref().map(|k| (k.n.clone(), k.e.clone())),
                request_object_signing_alg: c.request_object_signing_alg.clone(),
            })
            .collect();
        let users = env
            .users
            .iter()
            .map(|(name, u)| SimUser {
                name: name.clone(),
                username: u.username.to_string(),
                password: u.password.as_ref().map(|p| p.expose().to_string()),
                sub: u
                    .sub
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| default_sub(&u.username)),
                claims: u.claims.clone(),
                mobileid: u.mobileid.as_ref().map(|m| SimMobileId {
                    user_id: m.user_id.to_string(),
                    device_id: m.device_id.to_string(),
                    device_name: m.device_name.clone(),
                    external_ref: m.external_ref.clone(),
                }),
                nin: u.nin.as_ref().map(|n| n.expose().to_string()),
            })
            .collect();
        SimulatorSetup { clients, users }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::protocol::AuthMethod;

    const ENV: &str = r#"
target: {kind: simulator}
clients:
  web:
    id: web-client
    secret: web-secret
    auth_method: client_secret_post
    redirect_uris: [https://client.example.org/cb]
  spa:
    id: spa-client
    auth_method: none
    redirect_uris: [https://spa.example.org/cb]
    scopes: [openid, profile]
users:
  alice:
    username: alice-login
    password: alice-pw
    claims: {email: alice@example.org}
    nin: "81042419835"
    mobileid: {user_id: u-1, device_id: d-1, device_name: phone}
  bob:
    username: bob
    sub: bob-sub-42
"#;

    #[test]
    fn clients_and_users_are_registered_as_the_environment_says() {
        let env = Environment::parse(ENV, Path::new("e.yaml")).unwrap();
        let setup = SimulatorSetup::from(&env);
        let spa = setup.clients.iter().find(|c| c.id == "spa-client").unwrap();
        assert_eq!(spa.auth_method, AuthMethod::None);
        assert_eq!(spa.secret, None);
        assert_eq!(spa.scopes, ["openid", "profile"]);
        let web = setup.clients.iter().find(|c| c.id == "web-client").unwrap();
        assert_eq!(web.auth_method, AuthMethod::ClientSecretPost);
        assert_eq!(web.secret.as_deref(), Some("web-secret"));
        assert_eq!(web.redirect_uris, ["https://client.example.org/cb"]);
        assert_eq!(web.scopes, ["openid"]);

        let alice = setup.users.iter().find(|u| u.name == "alice").unwrap();
        assert_eq!(alice.username, "alice-login");
        assert_eq!(alice.password.as_deref(), Some("alice-pw"));
        assert_eq!(alice.sub, default_sub("alice-login"));
        assert_eq!(alice.claims["email"], "alice@example.org");
        assert_eq!(alice.nin.as_deref(), Some("81042419835"));
        let device = alice.mobileid.as_ref().unwrap();
        assert_eq!(
            (device.user_id.as_str(), device.device_id.as_str()),
            ("u-1", "d-1")
        );
        assert_eq!(device.device_name.as_deref(), Some("phone"));
        assert_eq!(device.external_ref, None);
        let bob = setup.users.iter().find(|u| u.name == "bob").unwrap();
        assert_eq!(bob.sub, "bob-sub-42");
        assert!(bob.mobileid.is_none() && bob.nin.is_none() && bob.password.is_none());
    }
}
