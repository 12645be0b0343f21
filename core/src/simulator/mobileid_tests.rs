//! End-to-end tests of the MobileID finalise: status polling, the multi-hop complete URL, the
//! code exchange and the UserInfo payloads.

use serde_json::{Value, json};
use url::Url;

use super::Defect;
use super::ciba_tests::Rig;

const REDIRECT: &str = "https://client.example.org/cb";

impl Rig {
    /// Starts an operation; returns `{id, statusUrl, completeUrl}`.
    async fn operation(&self, kind: &str) -> Value {
        let resp = self
            .http
            .post(self.url("/__simulator/mobileid/operations"))
            .json(&json!({"type": kind, "user": "maxence", "client_id": "ciba-client", "redirect_uri": REDIRECT, "state": "st-1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        resp.json().await.unwrap()
    }

    async fn user_does(&self, op: &Value, action: &str) {
        let id = op["id"].as_str().unwrap();
        let resp = self
            .http
            .post(self.url(&format!("/__simulator/mobileid/operations/{id}/{action}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 204);
    }

    async fn status(&self, op: &Value) -> Value {
        self.http
            .get(op["statusUrl"].as_str().unwrap())
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Follows the complete URL's redirects; returns the 302s seen on the simulator and the
    /// final Location (off the simulator).
    async fn follow(&self, op: &Value) -> (usize, String) {
        let mut url = op["completeUrl"].as_str().unwrap().to_string();
        let mut hops = 0;
        loop {
            let resp = self.http.get(&url).send().await.unwrap();
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

    async fn exchange(&self, code: &str) -> Value {
        let resp = self
            .http
            .post(self.url("/auth/open/connect/token"))
            .basic_auth("ciba-client", Some("ciba-secret"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    async fn userinfo_of(&self, kind: &str) -> Value {
        let op = self.operation(kind).await;
        self.user_does(&op, "complete").await;
        let (_, location) = self.follow(&op).await;
        let q: std::collections::HashMap<String, String> = Url::parse(&location)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
        let tokens = self.exchange(&q["code"]).await;
        self.http
            .get(self.url("/auth/open/connect/userinfo"))
            .bearer_auth(tokens["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn authentication_finalise_end_to_end() {
    let rig = Rig::new(&[]).await;
    let op = rig.operation("authentication").await;
    assert_eq!(rig.status(&op).await, json!({"status": "PENDING"}));
    rig.user_does(&op, "complete").await;
    assert_eq!(rig.status(&op).await, json!({"status": "COMPLETED"}));
    let (hops, location) = rig.follow(&op).await;
    assert!(hops >= 3, "{hops}");
    assert!(location.starts_with(REDIRECT), "{location}");
    let q: std::collections::HashMap<String, String> = Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(q["state"], "st-1");
    let tokens = rig.exchange(&q["code"]).await;
    let claims = super::ciba_tests::claims_of(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["sub"], "maxence-sub");
    let info: Value = rig
        .http
        .get(rig.url("/auth/open/connect/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        info,
        json!({"sub": "maxence-sub", "externalRef": "ca389fae-153d-11ec-82a8-0242ac130003", "deviceName": "sampleDevice"})
    );
    // The complete URL hands out one code only.
    let again = rig
        .http
        .get(op["completeUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(again.json::<Value>().await.unwrap()["status"], "ERROR");
}

#[tokio::test]
async fn registration_and_authorisation_userinfo_payloads() {
    let rig = Rig::new(&[]).await;
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
    let rig = Rig::new(&[]).await;
    let op = rig.operation("consent_signature").await;
    rig.user_does(&op, "fail").await;
    assert_eq!(rig.status(&op).await, json!({"status": "COMPLETED"}));
    let resp = rig
        .http
        .get(op["completeUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"status": "ERROR", "data": "The Resource Owner did not complete the login. urn:signicat:error; Unspecified error"})
    );
}

#[tokio::test]
async fn accept_json_on_the_complete_url_gets_json_without_the_code() {
    let rig = Rig::new(&[]).await;
    let op = rig.operation("authentication").await;
    rig.user_does(&op, "complete").await;
    let resp = rig
        .http
        .get(op["completeUrl"].as_str().unwrap())
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"status": "COMPLETED"})
    );
    // Also on a hop in the middle.
    let first = rig
        .http
        .get(op["completeUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let hop = rig.url(first.headers()["location"].to_str().unwrap());
    let resp = rig
        .http
        .get(&hop)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("location").is_none());
    // Without the header the flow still works.
    let (_, location) = rig.follow(&op).await;
    assert!(location.contains("code="));
}

#[tokio::test]
async fn json_token_request_with_the_finalise_code_is_invalid_request() {
    let rig = Rig::new(&[]).await;
    let op = rig.operation("authentication").await;
    rig.user_does(&op, "complete").await;
    let (_, location) = rig.follow(&op).await;
    let q: std::collections::HashMap<String, String> = Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let body = format!(
        "client_id=ciba-client&redirect_uri={REDIRECT}&grant_type=authorization_code&code={}",
        q["code"]
    );
    let resp = rig
        .http
        .post(rig.url("/auth/open/connect/token"))
        .basic_auth("ciba-client", Some("ciba-secret"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );
    // The code is still good with the right Content-Type.
    rig.exchange(&q["code"]).await;
}

#[tokio::test]
async fn bad_operation_requests_are_400_and_unknown_ids_404() {
    let rig = Rig::new(&[]).await;
    for body in [
        json!({"type": "dance", "user": "maxence", "client_id": "ciba-client", "redirect_uri": REDIRECT}),
        json!({"type": "registration", "user": "nobody", "client_id": "ciba-client", "redirect_uri": REDIRECT}),
        json!({"type": "registration", "user": "nodevice", "client_id": "ciba-client", "redirect_uri": REDIRECT}),
        json!({"type": "registration", "user": "maxence", "client_id": "ciba-client", "redirect_uri": "https://evil.example/cb"}),
        json!([1, 2]),
    ] {
        let resp = rig
            .http
            .post(rig.url("/__simulator/mobileid/operations"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{body}");
    }
    let resp = rig
        .http
        .post(rig.url("/__simulator/mobileid/operations/nope/complete"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = rig
        .http
        .get(rig.url("/auth/mobileid/operations/nope/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn defect_status_never_completes_for_operations() {
    let rig = Rig::new(&[Defect::StatusNeverCompletes]).await;
    let op = rig.operation("authentication").await;
    rig.user_does(&op, "complete").await;
    assert_eq!(rig.status(&op).await, json!({"status": "PENDING"}));
}
