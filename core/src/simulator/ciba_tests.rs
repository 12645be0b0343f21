//! End-to-end tests of MobileID over CIBA: the backchannel request, the simulated device and
//! token polling, on a manual clock.

use serde_json::Value;

use super::test_support::{CIBA, HINT, OTHER, Rig, claims_of, err, error_of};
use super::*;
use crate::protocol::CIBA_GRANT;

const MESSAGE: &str = "Do you want to transfer $300 to Jane?";

impl Rig {
    /// Starts a request with `scope`; returns the auth_req_id.
    async fn start_ciba(&self, scope: &str) -> String {
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

    /// The CIBA client polls.
    async fn poll(&self, id: &str) -> reqwest::Response {
        self.ciba_poll(CIBA, id).await
    }

    /// Another client (`other-client`, client_secret_post) polls with this client's auth_req_id.
    async fn other_client_polls(&self, id: &str) -> reqwest::Response {
        let form = [
            ("grant_type", CIBA_GRANT),
            ("auth_req_id", id),
            ("client_id", OTHER.0),
            ("client_secret", OTHER.1),
        ];
        self.token(None, &form).await
    }

    /// Polls and returns `(status, error or "")`.
    async fn poll_error(&self, id: &str) -> (u16, String) {
        error_of(self.poll(id).await).await
    }

    /// Approves and redeems a request; returns the ID token's claims.
    async fn approved_claims(&self, scope: &str) -> Value {
        let id = self.start_ciba(scope).await;
        assert_eq!(self.device(&id, "approve").await, 204);
        let resp = self.poll(&id).await;
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        claims_of(body["id_token"].as_str().unwrap())
    }
}

/// A simulator with `defects` and a pending request with scope `openid mobileid`.
async fn pending(defects: &[Defect]) -> (Rig, String) {
    let rig = Rig::mobileid(defects).await;
    let id = rig.start_ciba("openid mobileid").await;
    (rig, id)
}

/// A backchannel request form for maxence's device, with `extra` fields.
fn request<'a>(acr_values: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("scope", "openid"),
        ("acr_values", acr_values),
        ("login_hint", HINT),
    ];
    form.extend_from_slice(extra);
    form
}

#[tokio::test]
async fn discovery_advertises_ciba() {
    let rig = Rig::mobileid(&[]).await;
    let d = rig.discovery().await;
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
            .contains(&CIBA_GRANT.into())
    );
}

#[tokio::test]
async fn happy_path_with_the_mobileid_scope() {
    let (rig, id) = pending(&[]).await;
    rig.advance(5);
    assert_eq!(rig.poll_error(&id).await, err(400, "authorization_pending"));
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
    let rig = Rig::mobileid(&[]).await;
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
    let (rig, id) = pending(&[]).await;
    assert_eq!(rig.device(&id, "deny").await, 204);
    assert_eq!(rig.poll_error(&id).await, err(400, "access_denied"));
}

#[tokio::test]
async fn unanswered_requests_expire_on_the_clock() {
    let (rig, id) = pending(&[]).await;
    rig.advance(118);
    assert_eq!(rig.poll_error(&id).await.1, "authorization_pending");
    rig.advance(2);
    assert_eq!(rig.poll_error(&id).await, err(400, "expired_token"));
}

#[tokio::test]
async fn requested_expiry_sets_expires_in_and_the_misspelling_is_ignored() {
    let rig = Rig::mobileid(&[]).await;
    for (field, expires_in) in [("requested_expiry", 300), ("request_expiry", 120)] {
        let form = request("idp:mobileid", &[(field, "300")]);
        let body: Value = rig.ciba(&form).await.json().await.unwrap();
        assert_eq!(body["expires_in"], expires_in, "{field}");
    }
}

#[tokio::test]
async fn fast_polls_get_slow_down_and_the_interval_grows_by_five() {
    let (rig, id) = pending(&[]).await;
    rig.advance(5);
    assert_eq!(rig.poll_error(&id).await.1, "authorization_pending");
    rig.advance(4);
    assert_eq!(rig.poll_error(&id).await, err(400, "slow_down"));
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
    let (rig, id) = pending(&[]).await;
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
    let (rig, id) = pending(&[]).await;
    assert_eq!(rig.device(&id, "approve").await, 204);
    let other = rig.ciba_poll(OTHER, &id).await;
    // other-client authenticates with client_secret_post: use the form.
    assert_eq!(other.status(), 401);
    let other = rig.other_client_polls(&id).await;
    assert_eq!(error_of(other).await, err(400, "invalid_grant"));
    assert_eq!(rig.poll(&id).await.status(), 200);
    rig.advance(5);
    assert_eq!(rig.poll_error(&id).await, err(400, "invalid_grant"));
    assert_eq!(
        rig.poll_error("no-such-id").await,
        err(400, "invalid_grant")
    );
}

#[tokio::test]
async fn request_errors() {
    let rig = Rig::mobileid(&[]).await;
    for hint in [
        "userId:nobody deviceId:nothing",
        "userId:0e99b25c-abde-4553-973b-8d94d49cd87e deviceId:other",
    ] {
        let form = [
            ("scope", "openid"),
            ("acr_values", "idp:mobileid"),
            ("login_hint", hint),
        ];
        let resp = rig.ciba(&form).await;
        assert_eq!(error_of(resp).await, err(400, "unknown_user_id"), "{hint}");
    }
    let long = "x".repeat(256);
    for message in [long.as_str(), "two\r\nlines"] {
        let form = request("idp:mobileid", &[("binding_message", message)]);
        let resp = rig.ciba(&form).await;
        assert_eq!(error_of(resp).await, err(400, "invalid_binding_message"));
    }
    let no_idp = rig.ciba(&request("authLevel:TWO_FACTOR", &[])).await;
    assert_eq!(error_of(no_idp).await, err(400, "invalid_request"));
    let body =
        serde_json::json!({"scope": "openid", "acr_values": "idp:mobileid", "login_hint": HINT});
    let json = rig
        .post_json("/auth/open/connect/ciba", Some(CIBA), &body)
        .await;
    assert_eq!(error_of(json).await, err(400, "invalid_request"));
    let bad_client = rig
        .post_form(
            "/auth/open/connect/ciba",
            Some(("ciba-client", "wrong")),
            &request("idp:mobileid", &[]),
        )
        .await;
    assert_eq!(error_of(bad_client).await, err(401, "invalid_client"));
    for body in [
        "%%%",
        "",
        "scope=openid&scope=x",
        "acr_values=idp&login_hint=::",
    ] {
        let form = "application/x-www-form-urlencoded";
        let resp = rig
            .post_raw("/auth/open/connect/ciba", Some(CIBA), form, body)
            .await;
        assert_eq!(resp.status(), 400, "{body}");
    }
}

#[tokio::test]
async fn device_control_of_an_unknown_request_is_404() {
    let rig = Rig::mobileid(&[]).await;
    assert_eq!(rig.device("nope", "approve").await, 404);
    assert_eq!(rig.device("nope", "deny").await, 404);
    let id = rig.start_ciba("openid").await;
    assert_eq!(rig.device(&id, "dance").await, 404);
}

#[tokio::test]
async fn defect_slow_down_not_enforced() {
    let (rig, id) = pending(&[Defect::SlowDownNotEnforced]).await;
    for _ in 0..4 {
        assert_eq!(rig.poll_error(&id).await.1, "authorization_pending");
    }
}

#[tokio::test]
async fn defect_mobileid_claim_missing() {
    let rig = Rig::mobileid(&[Defect::MobileidClaimMissing]).await;
    let c = rig.approved_claims("openid mobileid").await;
    assert!(c.get("mobileid_device_id").is_none());
    assert!(c.get("mobileid_user_id").is_some());
}

#[tokio::test]
async fn defect_binding_message_altered() {
    let rig = Rig::mobileid(&[Defect::BindingMessageAltered]).await;
    let c = rig.approved_claims("openid mobileid").await;
    assert_ne!(c["mobileid_binding_message"], MESSAGE);
    let clean = Rig::mobileid(&[]).await;
    let c = clean.approved_claims("openid mobileid").await;
    assert_eq!(c["mobileid_binding_message"], MESSAGE);
}

#[tokio::test]
async fn a_first_poll_before_the_interval_is_told_to_slow_down() {
    // CIBA Core §7.3: the client waits `interval` before its first poll too.
    let (rig, id) = pending(&[]).await;
    assert_eq!(rig.poll_error(&id).await, err(400, "slow_down"));
}

// Generic CIBA (CIBA Core 1.0 §7.1): login_hint names any user by login name.

/// A generic request for `nodevice` with `extra` fields.
fn generic<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![("scope", "openid"), ("login_hint", "nodevice")];
    form.extend_from_slice(extra);
    form
}

impl Rig {
    /// Starts a generic request with `extra` fields; returns the acknowledgement.
    async fn start_generic(&self, extra: &[(&str, &str)]) -> Value {
        let resp = self.ciba(&generic(extra)).await;
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }
}

#[tokio::test]
async fn generic_ciba_authenticates_any_user_without_mobileid_claims() {
    let rig = Rig::mobileid(&[]).await;
    let ack = rig.start_generic(&[("requested_expiry", "30")]).await;
    assert_eq!(ack["expires_in"], 30);
    assert_eq!(ack["interval"], 5);
    let id = ack["auth_req_id"].as_str().unwrap();
    rig.advance(5);
    assert_eq!(rig.poll_error(id).await, err(400, "authorization_pending"));
    assert_eq!(rig.device(id, "approve").await, 204);
    rig.advance(5);
    let body: Value = rig.poll(id).await.json().await.unwrap();
    let c = claims_of(body["id_token"].as_str().unwrap());
    assert_eq!(c["sub"], default_sub("nodevice"));
    assert!(c.get("acr").is_none(), "{c}");
    assert!(c.get("mobileid_transaction_id").is_none(), "{c}");
    // A MobileID request for maxence by login name is still a MobileID request.
    let mobileid = rig
        .ciba(&[
            ("scope", "openid"),
            ("acr_values", "idp:mobileid"),
            ("login_hint", "maxence"),
        ])
        .await;
    assert_eq!(error_of(mobileid).await, err(400, "invalid_request"));
}

#[tokio::test]
async fn generic_ciba_refuses_what_the_spec_refuses() {
    let rig = Rig::mobileid(&[]).await;
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("id_token_hint", "x")], "invalid_request"),
        (&[("login_hint_token", "x")], "invalid_request"),
        (
            &[("binding_message", "two\nlines")],
            "invalid_binding_message",
        ),
        (&[("login_hint", "nobody")], "unknown_user_id"),
        (&[("scope", "profile")], "invalid_scope"),
    ];
    for (extra, error) in cases {
        let mut form = generic(&[]);
        for (k, v) in extra {
            match form.iter_mut().find(|(n, _)| n == k) {
                Some(slot) => slot.1 = v,
                None => form.push((k, v)),
            }
        }
        let resp = rig.ciba(&form).await;
        assert_eq!(error_of(resp).await, err(400, error), "{extra:?}");
    }
    // Several hints are refused in MobileID requests too.
    let two = request("idp:mobileid", &[("id_token_hint", "x")]);
    assert_eq!(
        error_of(rig.ciba(&two).await).await,
        err(400, "invalid_request")
    );
}

/// The error of a generic request with `extra` fields, with `defect` on.
async fn generic_error(defect: Defect, extra: &[(&str, &str)]) -> (u16, String) {
    let rig = Rig::mobileid(&[defect]).await;
    let mut form = generic(&[]);
    for (k, v) in extra {
        match form.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = v,
            None => form.push((k, v)),
        }
    }
    error_of(rig.ciba(&form).await).await
}

#[tokio::test]
async fn defects_of_the_backchannel_request() {
    let ok = (200, String::new());
    let cases: [(Defect, &[(&str, &str)]); 5] = [
        (Defect::CibaSeveralHintsAccepted, &[("id_token_hint", "x")]),
        (
            Defect::CibaBindingMessageUnchecked,
            &[("binding_message", "a\nb")],
        ),
        (Defect::CibaUnknownUserAccepted, &[("login_hint", "nobody")]),
        (Defect::CibaOpenidScopeNotRequired, &[("scope", "profile")]),
        (
            Defect::CibaRequestedExpiryIgnored,
            &[("requested_expiry", "30")],
        ),
    ];
    for (defect, extra) in cases {
        assert_eq!(generic_error(defect, extra).await, ok, "{defect:?}");
    }
    let refused = generic_error(
        Defect::CibaRequestedExpiryRefused,
        &[("requested_expiry", "30")],
    );
    assert_eq!(refused.await, err(400, "invalid_request"));
}

#[tokio::test]
async fn defects_of_the_acknowledgement() {
    let rig = Rig::mobileid(&[Defect::CibaIntervalTooLong]).await;
    assert_eq!(rig.start_generic(&[]).await["interval"], 75);
    let rig = Rig::mobileid(&[Defect::CibaIntervalZero]).await;
    let ack = rig.start_generic(&[]).await;
    assert_eq!(ack["interval"], 0);
    // The provider still enforces the default interval of 5 s.
    rig.advance(5);
    let id = ack["auth_req_id"].as_str().unwrap();
    assert_eq!(rig.poll_error(id).await, err(400, "authorization_pending"));
    let rig = Rig::mobileid(&[Defect::CibaExpiresInMissing]).await;
    assert!(rig.start_generic(&[]).await.get("expires_in").is_none());
    let rig = Rig::mobileid(&[Defect::CibaRequestedExpiryIgnored]).await;
    let ack = rig.start_generic(&[("requested_expiry", "30")]).await;
    assert_eq!(ack["expires_in"], super::ciba::DEFAULT_EXPIRY);
}

/// A simulator with `defect` and a generic pending request, polled after the interval.
async fn generic_pending(defect: Defect) -> (Rig, String) {
    let rig = Rig::mobileid(&[defect]).await;
    let ack = rig.start_generic(&[("requested_expiry", "30")]).await;
    rig.advance(5);
    (rig, ack["auth_req_id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn defects_of_the_polls() {
    let (rig, id) = generic_pending(Defect::CibaFirstPollNotPending).await;
    assert_eq!(rig.poll_error(&id).await, err(400, "invalid_request"));
    rig.advance(5);
    assert_eq!(rig.poll_error(&id).await, err(400, "authorization_pending"));

    let (rig, id) = generic_pending(Defect::CibaNeverExpires).await;
    rig.advance(60);
    assert_eq!(rig.poll_error(&id).await, err(400, "authorization_pending"));

    let (rig, id) = generic_pending(Defect::CibaDenialNotReported).await;
    assert_eq!(rig.device(&id, "deny").await, 204);
    assert_eq!(rig.poll_error(&id).await, err(400, "authorization_pending"));

    let (rig, id) = generic_pending(Defect::CibaAuthReqIdReusable).await;
    assert_eq!(rig.device(&id, "approve").await, 204);
    assert_eq!(rig.poll(&id).await.status(), 200);
    rig.advance(5);
    assert_eq!(rig.poll(&id).await.status(), 200);

    let (rig, id) = generic_pending(Defect::CibaOtherClientAccepted).await;
    assert_eq!(rig.device(&id, "approve").await, 204);
    let other = rig.other_client_polls(&id).await;
    assert_eq!(other.status(), 200);
}
