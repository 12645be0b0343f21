//! End-to-end tests of the MobileID finalise: status polling, the multi-hop complete URL, the
//! code exchange and the UserInfo payloads.

use serde_json::{Value, json};
use url::Url;

use super::Defect;
use super::test_support::{CIBA, Rig, claims_of, err, error_of, query_of};

const REDIRECT: &str = "https://client.example.org/cb";

impl Rig {
    /// Starts an operation; returns `{id, statusUrl, completeUrl}`.
    async fn operation(&self, kind: &str) -> Value {
        let body = json!({"type": kind, "user": "maxence", "client_id": "ciba-client", "redirect_uri": REDIRECT, "state": "st-1"});
        let resp = self.operation_start(&body).await;
        assert_eq!(resp.status(), 201);
        resp.json().await.unwrap()
    }

    async fn user_does(&self, op: &Value, action: &str) {
        let id = op["id"].as_str().unwrap();
        let path = format!("/__simulator/mobileid/operations/{id}/{action}");
        assert_eq!(self.post(&path, None).send().await.unwrap().status(), 204);
    }

    /// `GET` a URL of an operation (`statusUrl`, `completeUrl`) with `Accept: application/json`.
    async fn get_accepting_json(&self, url: &str) -> reqwest::Response {
        self.http
            .get(self.url(url))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
    }

    async fn status(&self, op: &Value) -> Value {
        let url = op["statusUrl"].as_str().unwrap();
        self.get_accepting_json(url).await.json().await.unwrap()
    }

    /// Follows the complete URL's redirects; returns the 302s seen on the simulator and the
    /// final Location (off the simulator).
    async fn follow(&self, op: &Value) -> (usize, String) {
        let mut url = op["completeUrl"].as_str().unwrap().to_string();
        let mut hops = 0;
        loop {
            let resp = self.get(&url).await;
            assert_eq!(resp.status(), 302, "{url}");
            hops += 1;
            let next = resp.headers()["location"].to_str().unwrap().to_string();
            let next = Url::parse(&url).unwrap().join(&next).unwrap().to_string();
            if !next.starts_with(&self.sim.base_url()) {
                return (hops, next);
            }
            url = next;
        }
    }

    /// The token request of a finalise code.
    async fn exchange(&self, code: &str) -> Value {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ];
        let resp = self.token(Some(CIBA), &form).await;
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    /// Completes an operation of `kind` and follows it to its code; returns the final Location's
    /// query.
    async fn completed(&self, kind: &str) -> (Value, std::collections::HashMap<String, String>) {
        let op = self.operation(kind).await;
        self.user_does(&op, "complete").await;
        let (_, location) = self.follow(&op).await;
        (op, query_of(&location))
    }

    /// The UserInfo answer to a token response's access token.
    async fn userinfo_json(&self, tokens: &Value) -> Value {
        self.userinfo(tokens["access_token"].as_str().unwrap())
            .await
            .json()
            .await
            .unwrap()
    }

    async fn userinfo_of(&self, kind: &str) -> Value {
        let (_, q) = self.completed(kind).await;
        let tokens = self.exchange(&q["code"]).await;
        self.userinfo_json(&tokens).await
    }
}

#[tokio::test]
async fn authentication_finalise_end_to_end() {
    let rig = Rig::mobileid(&[]).await;
    let op = rig.operation("authentication").await;
    assert_eq!(rig.status(&op).await, json!({"status": "PENDING"}));
    rig.user_does(&op, "complete").await;
    assert_eq!(rig.status(&op).await, json!({"status": "COMPLETED"}));
    let (hops, location) = rig.follow(&op).await;
    assert!(hops >= 3, "{hops}");
    assert!(location.starts_with(REDIRECT), "{location}");
    let q = query_of(&location);
    assert_eq!(q["state"], "st-1");
    let tokens = rig.exchange(&q["code"]).await;
    let claims = claims_of(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["sub"], "maxence-sub");
    assert_eq!(
        rig.userinfo_json(&tokens).await,
        json!({"sub": "maxence-sub", "externalRef": "ca389fae-153d-11ec-82a8-0242ac130003", "deviceName": "sampleDevice"})
    );
    // The complete URL hands out one code only.
    let again = rig.get(op["completeUrl"].as_str().unwrap()).await;
    assert_eq!(again.json::<Value>().await.unwrap()["status"], "ERROR");
}

#[tokio::test]
async fn registration_and_authorisation_userinfo_payloads() {
    let rig = Rig::mobileid(&[]).await;
    assert_eq!(
        rig.userinfo_of("registration").await,
        json!({"sub": "maxence-sub", "name": "ca389fae-153d-11ec-82a8-0242ac130003"})
    );
    let info = rig.userinfo_of("authorisation").await;
    assert_eq!(info["deviceName"], "sampleDevice");
    assert_eq!(info["externalRef"], "ca389fae-153d-11ec-82a8-0242ac130003");
}

#[tokio::test]
async fn not_completed_answers_the_error_json() {
    let rig = Rig::mobileid(&[]).await;
    let op = rig.operation("consent_signature").await;
    rig.user_does(&op, "fail").await;
    assert_eq!(rig.status(&op).await, json!({"status": "COMPLETED"}));
    let resp = rig.get(op["completeUrl"].as_str().unwrap()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"status": "ERROR", "data": "The Resource Owner did not complete the login. urn:signicat:error; Unspecified error"})
    );
}

#[tokio::test]
async fn accept_json_on_the_complete_url_gets_json_without_the_code() {
    let rig = Rig::mobileid(&[]).await;
    let op = rig.operation("authentication").await;
    rig.user_does(&op, "complete").await;
    let complete = op["completeUrl"].as_str().unwrap();
    let resp = rig.get_accepting_json(complete).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"status": "COMPLETED"})
    );
    // Also on a hop in the middle.
    let first = rig.get(complete).await;
    let hop = first.headers()["location"].to_str().unwrap();
    let resp = rig.get_accepting_json(hop).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("location").is_none());
    // Without the header the flow still works.
    let (_, location) = rig.follow(&op).await;
    assert!(location.contains("code="));
}

#[tokio::test]
async fn json_token_request_with_the_finalise_code_is_invalid_request() {
    let rig = Rig::mobileid(&[]).await;
    let (_, q) = rig.completed("authentication").await;
    let body = format!(
        "client_id=ciba-client&redirect_uri={REDIRECT}&grant_type=authorization_code&code={}",
        q["code"]
    );
    let resp = rig
        .post_raw(
            "/auth/open/connect/token",
            Some(CIBA),
            "application/json",
            &body,
        )
        .await;
    assert_eq!(error_of(resp).await, err(400, "invalid_request"));
    // The code is still good with the right Content-Type.
    rig.exchange(&q["code"]).await;
}

#[tokio::test]
async fn bad_operation_requests_are_400_and_unknown_ids_404() {
    let rig = Rig::mobileid(&[]).await;
    for body in [
        json!({"type": "dance", "user": "maxence", "client_id": "ciba-client", "redirect_uri": REDIRECT}),
        json!({"type": "registration", "user": "nobody", "client_id": "ciba-client", "redirect_uri": REDIRECT}),
        json!({"type": "registration", "user": "nodevice", "client_id": "ciba-client", "redirect_uri": REDIRECT}),
        json!({"type": "registration", "user": "maxence", "client_id": "ciba-client", "redirect_uri": "https://evil.example/cb"}),
        json!([1, 2]),
    ] {
        let resp = rig.operation_start(&body).await;
        assert_eq!(resp.status(), 400, "{body}");
    }
    let resp = rig
        .post("/__simulator/mobileid/operations/nope/complete", None)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = rig.get("/auth/mobileid/operations/nope/status").await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn defect_status_never_completes_for_operations() {
    let rig = Rig::mobileid(&[Defect::StatusNeverCompletes]).await;
    let op = rig.operation("authentication").await;
    rig.user_does(&op, "complete").await;
    assert_eq!(rig.status(&op).await, json!({"status": "PENDING"}));
}
