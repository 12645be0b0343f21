//! End-to-end tests of MobileID over CIBA: the backchannel request, the simulated device and
//! token polling, on a manual clock.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::*;
use crate::clock::ManualClock;

pub(super) const HINT: &str =
    "userId:0e99b25c-abde-4553-973b-8d94d49cd87e deviceId:20874199-f4d1-4e9d-86ee-dd4a46030acb";
pub(super) const MESSAGE: &str = "Do you want to transfer $300 to Jane?";

/// A simulator with MobileID users, its clock and a client that follows no redirects.
pub(super) struct Rig {
    pub sim: Simulator,
    pub clock: ManualClock,
    pub http: reqwest::Client,
}

impl Rig {
    pub async fn new(defects: &[Defect]) -> Rig {
        let (sim, clock, http) =
            super::test_support::start(&super::test_support::mobileid_setup(), defects).await;
        Rig { sim, clock, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    pub fn advance(&self, seconds: u64) {
        self.clock.advance(Duration::from_secs(seconds));
    }

    async fn ciba(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url("/auth/open/connect/ciba"))
            .basic_auth("ciba-client", Some("ciba-secret"))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Starts a request with `scope`; returns the auth_req_id.
    async fn start(&self, scope: &str) -> String {
        let resp = self
            .ciba(&[
                ("scope", scope),
                ("binding_message", MESSAGE),
                (
                    "acr_values",
                    "idp:mobileid authLevel:TWO_FACTOR authMethod:DEVICE_PIN sendPush:true",
                ),
                ("login_hint", HINT),
            ])
            .await;
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["interval"], 5);
        assert_eq!(body["expires_in"], 120);
        body["auth_req_id"].as_str().unwrap().to_string()
    }

    async fn device(&self, id: &str, action: &str) -> reqwest::StatusCode {
        self.http
            .post(self.url(&format!("/__simulator/ciba/{id}/{action}")))
            .send()
            .await
            .unwrap()
            .status()
    }

    async fn poll_as(&self, id: &str, client: (&str, &str)) -> reqwest::Response {
        self.http
            .post(self.url("/auth/open/connect/token"))
            .basic_auth(client.0, Some(client.1))
            .form(&[
                ("grant_type", "urn:openid:params:grant-type:ciba"),
                ("auth_req_id", id),
            ])
            .send()
            .await
            .unwrap()
    }

    async fn poll(&self, id: &str) -> reqwest::Response {
        self.poll_as(id, ("ciba-client", "ciba-secret")).await
    }

    /// Polls and returns `(status, error or "")`.
    async fn poll_error(&self, id: &str) -> (u16, String) {
        let resp = self.poll(id).await;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        (
            status,
            body["error"].as_str().unwrap_or_default().to_string(),
        )
    }

    /// Approves and redeems a request; returns the ID token's claims.
    async fn approved_claims(&self, scope: &str) -> Value {
        let id = self.start(scope).await;
        assert_eq!(self.device(&id, "approve").await, 204);
        let resp = self.poll(&id).await;
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        claims_of(body["id_token"].as_str().unwrap())
    }
}

pub(super) fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn discovery_advertises_ciba() {
    let rig = Rig::new(&[]).await;
    let d: Value = rig
        .http
        .get(rig.url("/auth/open/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        d["backchannel_authentication_endpoint"],
        format!("{}/connect/ciba", rig.sim.issuer())
    );
    assert_eq!(
        d["backchannel_token_delivery_modes_supported"],
        serde_json::json!(["poll"])
    );
    assert_eq!(d["backchannel_user_code_parameter_supported"], false);
    assert!(
        d["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&"urn:openid:params:grant-type:ciba".into())
    );
}

#[tokio::test]
async fn happy_path_with_the_mobileid_scope() {
    let rig = Rig::new(&[]).await;
    let id = rig.start("openid mobileid").await;
    rig.advance(5);
    assert_eq!(
        rig.poll_error(&id).await,
        (400, "authorization_pending".into())
    );
    rig.advance(5);
    assert_eq!(rig.device(&id, "approve").await, 204);
    let resp = rig.poll(&id).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().unwrap() > 0);
    assert!(body["access_token"].is_string());
    let c = claims_of(body["id_token"].as_str().unwrap());
    assert_eq!(c["iss"], rig.sim.issuer());
    assert_eq!(c["aud"], "ciba-client");
    assert_eq!(c["sub"], "maxence-sub");
    assert_eq!(c["acr"], "idp:mobileid");
    assert!(c["auth_time"].is_i64() && c["exp"].is_i64() && c["iat"].is_i64());
    assert!(c.get("nonce").is_none());
    assert_eq!(
        c["mobileid_user_id"],
        "0e99b25c-abde-4553-973b-8d94d49cd87e"
    );
    assert_eq!(
        c["mobileid_device_id"],
        "20874199-f4d1-4e9d-86ee-dd4a46030acb"
    );
    assert_eq!(c["mobileid_device_name"], "sampleDevice");
    assert_eq!(c["mobileid_binding_message"], MESSAGE);
    assert_eq!(c["mobileid_auth_level"], "TWO_FACTOR");
    assert_eq!(c["mobileid_auth_method"], "DEVICE_PIN");
    assert_eq!(c["mobileid_state"], "COMPLETED");
    assert!(c["mobileid_transaction_id"].is_string());
    assert!(c["mobileid_created"].as_str().unwrap().ends_with('Z'));
    assert!(c.get("mobileid_risk_attributes").is_none());
    assert!(c.get("mobileid_push_sent").is_none());
}

#[tokio::test]
async fn mobileid_extra_adds_the_extra_claims() {
    let rig = Rig::new(&[]).await;
    let c = rig.approved_claims("openid mobileid mobileid-extra").await;
    assert_eq!(
        c["mobileid_user_id"],
        "0e99b25c-abde-4553-973b-8d94d49cd87e"
    );
    assert_eq!(c["mobileid_push_sent"], "true");
    assert!(
        c["mobileid_risk_attributes"]
            .as_str()
            .unwrap()
            .contains("isEmulator=false")
    );
    assert_eq!(
        c["mobileid_external_ref"],
        "ca389fae-153d-11ec-82a8-0242ac130003"
    );
    let only_openid = rig.approved_claims("openid").await;
    assert!(only_openid.get("mobileid_user_id").is_none());
    assert_eq!(only_openid["acr"], "idp:mobileid");
}

#[tokio::test]
async fn deny_gives_access_denied() {
    let rig = Rig::new(&[]).await;
    let id = rig.start("openid mobileid").await;
    assert_eq!(rig.device(&id, "deny").await, 204);
    assert_eq!(rig.poll_error(&id).await, (400, "access_denied".into()));
}

#[tokio::test]
async fn unanswered_requests_expire_on_the_clock() {
    let rig = Rig::new(&[]).await;
    let id = rig.start("openid mobileid").await;
    rig.advance(118);
    assert_eq!(rig.poll_error(&id).await.1, "authorization_pending");
    rig.advance(2);
    assert_eq!(rig.poll_error(&id).await, (400, "expired_token".into()));
}

#[tokio::test]
async fn requested_expiry_sets_expires_in_and_the_misspelling_is_ignored() {
    let rig = Rig::new(&[]).await;
    let base = [
        ("scope", "openid"),
        ("acr_values", "idp:mobileid"),
        ("login_hint", HINT),
    ];
    let mut form = base.to_vec();
    form.push(("requested_expiry", "300"));
    let body: Value = rig.ciba(&form).await.json().await.unwrap();
    assert_eq!(body["expires_in"], 300);
    let mut form = base.to_vec();
    form.push(("request_expiry", "300"));
    let body: Value = rig.ciba(&form).await.json().await.unwrap();
    assert_eq!(body["expires_in"], 120);
}

#[tokio::test]
async fn fast_polls_get_slow_down_and_the_interval_grows_by_five() {
    let rig = Rig::new(&[]).await;
    let id = rig.start("openid mobileid").await;
    rig.advance(5);
    assert_eq!(rig.poll_error(&id).await.1, "authorization_pending");
    rig.advance(4);
    assert_eq!(rig.poll_error(&id).await, (400, "slow_down".into()));
    // The interval is now 10 s: 5 s later is still too soon (and it grows to 15 s).
    rig.advance(5);
    assert_eq!(rig.poll_error(&id).await.1, "slow_down");
    rig.advance(15);
    assert_eq!(rig.poll_error(&id).await.1, "authorization_pending");
    rig.advance(14);
    assert_eq!(rig.poll_error(&id).await.1, "slow_down");
    rig.advance(20);
    assert_eq!(rig.poll_error(&id).await.1, "authorization_pending");
}

#[tokio::test]
async fn approve_after_n_polls() {
    let rig = Rig::new(&[]).await;
    let id = rig.start("openid mobileid").await;
    rig.advance(5);
    assert_eq!(rig.device(&id, "approve-after?polls=3").await, 204);
    for _ in 0..2 {
        assert_eq!(rig.poll_error(&id).await.1, "authorization_pending");
        rig.advance(5);
    }
    assert_eq!(rig.poll(&id).await.status(), 200);
    assert_eq!(rig.device(&id, "approve-after?polls=x").await, 400);
}

#[tokio::test]
async fn second_redemption_and_another_clients_id_are_invalid_grant() {
    let rig = Rig::new(&[]).await;
    let id = rig.start("openid mobileid").await;
    assert_eq!(rig.device(&id, "approve").await, 204);
    let other = rig.poll_as(&id, ("other-client", "other-secret")).await;
    // other-client authenticates with client_secret_post: use the form.
    assert_eq!(other.status(), 401);
    let other = rig
        .http
        .post(rig.url("/auth/open/connect/token"))
        .form(&[
            ("grant_type", "urn:openid:params:grant-type:ciba"),
            ("auth_req_id", id.as_str()),
            ("client_id", "other-client"),
            ("client_secret", "other-secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 400);
    assert_eq!(
        other.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    assert_eq!(rig.poll(&id).await.status(), 200);
    rig.advance(5);
    assert_eq!(rig.poll_error(&id).await, (400, "invalid_grant".into()));
    assert_eq!(
        rig.poll_error("no-such-id").await,
        (400, "invalid_grant".into())
    );
}

#[tokio::test]
async fn request_errors() {
    let rig = Rig::new(&[]).await;
    let err = |resp: reqwest::Response| async move {
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        (status, body["error"].as_str().unwrap().to_string())
    };
    let unknown = rig
        .ciba(&[
            ("scope", "openid"),
            ("acr_values", "idp:mobileid"),
            ("login_hint", "userId:nobody deviceId:nothing"),
        ])
        .await;
    assert_eq!(err(unknown).await, (400, "unknown_user_id".into()));
    let wrong_device = rig
        .ciba(&[
            ("scope", "openid"),
            ("acr_values", "idp:mobileid"),
            (
                "login_hint",
                "userId:0e99b25c-abde-4553-973b-8d94d49cd87e deviceId:other",
            ),
        ])
        .await;
    assert_eq!(err(wrong_device).await.1, "unknown_user_id");
    let long = "x".repeat(256);
    for message in [long.as_str(), "two\r\nlines"] {
        let resp = rig
            .ciba(&[
                ("scope", "openid"),
                ("acr_values", "idp:mobileid"),
                ("login_hint", HINT),
                ("binding_message", message),
            ])
            .await;
        assert_eq!(err(resp).await, (400, "invalid_binding_message".into()));
    }
    let no_idp = rig
        .ciba(&[
            ("scope", "openid"),
            ("acr_values", "authLevel:TWO_FACTOR"),
            ("login_hint", HINT),
        ])
        .await;
    assert_eq!(err(no_idp).await, (400, "invalid_request".into()));
    let json = rig
        .http
        .post(rig.url("/auth/open/connect/ciba"))
        .basic_auth("ciba-client", Some("ciba-secret"))
        .json(&serde_json::json!({"scope": "openid", "acr_values": "idp:mobileid", "login_hint": HINT}))
        .send()
        .await
        .unwrap();
    assert_eq!(err(json).await, (400, "invalid_request".into()));
    let bad_client = rig
        .http
        .post(rig.url("/auth/open/connect/ciba"))
        .basic_auth("ciba-client", Some("wrong"))
        .form(&[
            ("scope", "openid"),
            ("acr_values", "idp:mobileid"),
            ("login_hint", HINT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(err(bad_client).await, (401, "invalid_client".into()));
    for body in [
        "%%%",
        "",
        "scope=openid&scope=x",
        "acr_values=idp&login_hint=::",
    ] {
        let resp = rig
            .http
            .post(rig.url("/auth/open/connect/ciba"))
            .basic_auth("ciba-client", Some("ciba-secret"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{body}");
    }
}

#[tokio::test]
async fn device_control_of_an_unknown_request_is_404() {
    let rig = Rig::new(&[]).await;
    assert_eq!(rig.device("nope", "approve").await, 404);
    assert_eq!(rig.device("nope", "deny").await, 404);
    let id = rig.start("openid").await;
    assert_eq!(rig.device(&id, "dance").await, 404);
}

#[tokio::test]
async fn defect_slow_down_not_enforced() {
    let rig = Rig::new(&[Defect::SlowDownNotEnforced]).await;
    let id = rig.start("openid mobileid").await;
    for _ in 0..4 {
        assert_eq!(rig.poll_error(&id).await.1, "authorization_pending");
    }
}

#[tokio::test]
async fn defect_mobileid_claim_missing() {
    let rig = Rig::new(&[Defect::MobileidClaimMissing]).await;
    let c = rig.approved_claims("openid mobileid").await;
    assert!(c.get("mobileid_device_id").is_none());
    assert!(c.get("mobileid_user_id").is_some());
}

#[tokio::test]
async fn defect_binding_message_altered() {
    let rig = Rig::new(&[Defect::BindingMessageAltered]).await;
    let c = rig.approved_claims("openid mobileid").await;
    assert_ne!(c["mobileid_binding_message"], MESSAGE);
    let clean = Rig::new(&[]).await;
    let c = clean.approved_claims("openid mobileid").await;
    assert_eq!(c["mobileid_binding_message"], MESSAGE);
}

#[tokio::test]
async fn a_first_poll_before_the_interval_is_told_to_slow_down() {
    // CIBA Core §7.3: the client waits `interval` before its first poll too.
    let rig = Rig::new(&[]).await;
    let id = rig.start("openid mobileid").await;
    assert_eq!(rig.poll_error(&id).await, (400, "slow_down".into()));
}
