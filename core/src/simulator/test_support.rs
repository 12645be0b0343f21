//! What every simulator test module starts with: the registrations of the two test set-ups
//! (browser flows; MobileID, CIBA and the REST API), a simulator on a manual clock and an HTTP
//! client that follows no redirect.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use super::{Defect, SimClient, SimMobileId, SimUser, Simulator, SimulatorSetup, default_sub};
use crate::clock::{ManualClock, SharedClock};
use crate::protocol::AuthMethod;

fn client(
    id: &str,
    secret: Option<&str>,
    auth_method: AuthMethod,
    redirect_uri: &str,
    scopes: &[&str],
) -> SimClient {
    SimClient {
        id: id.into(),
        secret: secret.map(Into::into),
        auth_method,
        redirect_uris: vec![redirect_uri.into()],
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
    }
}

fn user(name: &str, password: Option<&str>, sub: Option<&str>, claims: Value) -> SimUser {
    let claims: BTreeMap<String, Value> = match claims {
        Value::Object(map) => map.into_iter().collect(),
        _ => BTreeMap::new(),
    };
    SimUser {
        name: name.into(),
        username: name.into(),
        password: password.map(Into::into),
        sub: sub.map_or_else(|| default_sub(name), Into::into),
        claims,
        ..SimUser::default()
    }
}

/// The browser-flow set-up: a Basic, a form-posting and a public client; alice (claims, derived
/// sub) and bob (configured sub).
pub fn flows_setup() -> SimulatorSetup {
    SimulatorSetup {
        clients: vec![
            client(
                "post-client",
                Some("post-secret"),
                AuthMethod::ClientSecretPost,
                "https://client.example.org/post-cb",
                &["openid"],
            ),
            client(
                "spa-client",
                None,
                AuthMethod::None,
                "https://spa.example.org/cb",
                &["openid"],
            ),
            client(
                "web-client",
                Some("web-secret"),
                AuthMethod::ClientSecretBasic,
                "https://client.example.org/cb",
                &["openid", "profile", "email"],
            ),
        ],
        users: vec![
            user(
                "alice",
                Some("alice-pw"),
                None,
                json!({
                    "name": "Alice Example", "given_name": "Alice", "family_name": "Example",
                    "email": "alice@example.org", "email_verified": true,
                }),
            ),
            user("bob", Some("bob-pw"), Some("bob-sub-42"), json!({})),
        ],
    }
}

/// The MobileID set-up: a CIBA client (Basic) and another (form post); maxence with a device
/// and a national number, and nodevice without either.
pub fn mobileid_setup() -> SimulatorSetup {
    let mut maxence = user(
        "maxence",
        None,
        Some("maxence-sub"),
        json!({
            "name": "Maxence Legrand", "firstName": "Maxence", "lastName": "Legrand",
            "dateOfBirth": "1981-04-24",
        }),
    );
    maxence.nin = Some("81042419835".into());
    maxence.mobileid = Some(SimMobileId {
        user_id: "0e99b25c-abde-4553-973b-8d94d49cd87e".into(),
        device_id: "20874199-f4d1-4e9d-86ee-dd4a46030acb".into(),
        device_name: Some("sampleDevice".into()),
        external_ref: Some("ca389fae-153d-11ec-82a8-0242ac130003".into()),
    });
    SimulatorSetup {
        clients: vec![
            client(
                "ciba-client",
                Some("ciba-secret"),
                AuthMethod::ClientSecretBasic,
                "https://client.example.org/cb",
                &["openid", "mobileid", "mobileid-extra"],
            ),
            client(
                "other-client",
                Some("other-secret"),
                AuthMethod::ClientSecretPost,
                "https://other.example.org/cb",
                &["openid"],
            ),
        ],
        users: vec![maxence, user("nodevice", None, None, json!({}))],
    }
}

/// Starts a simulator for `setup` with `defects`.
pub async fn start(
    setup: &SimulatorSetup,
    defects: &[Defect],
) -> (Simulator, ManualClock, reqwest::Client) {
    let clock = ManualClock::new();
    let shared: SharedClock = Arc::new(clock.clone());
    let sim = Simulator::start(setup, shared, defects, None)
        .await
        .unwrap();
    // reqwest is built without a default TLS provider; plain http still needs one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (sim, clock, http)
}
