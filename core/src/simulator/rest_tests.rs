//! End-to-end tests of the Authentication REST API and its simulated itsme journey.

use serde_json::{Value, json};

use super::Defect;
use super::ciba_tests::Rig;

fn create_body() -> Value {
    json!({
        "allowedProviders": ["itsme"],
        "flow": "redirect",
        "callbackUrls": {
            "success": "https://example.test/get?status=success",
            "abort": "https://example.test/get?status=abort",
            "error": "https://example.test/cb-error"
        },
        "requestedAttributes": ["name", "firstName", "nin"]
    })
}

impl Rig {
    async fn api_token(&self) -> String {
        let resp = self
            .http
            .post(self.url("/auth/open/connect/token"))
            .basic_auth("ciba-client", Some("ciba-secret"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", "signicat-api"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        body["access_token"].as_str().unwrap().to_string()
    }

    async fn create(&self, token: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url("/auth/rest/sessions"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    async fn session(&self, token: &str, id: &str) -> Value {
        let resp = self
            .http
            .get(self.url(&format!("/auth/rest/sessions/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    /// Creates a session; returns the API token and the session.
    async fn new_session(&self) -> (String, Value) {
        let token = self.api_token().await;
        let resp = self.create(&token, &create_body()).await;
        assert_eq!(resp.status(), 201);
        (token, resp.json().await.unwrap())
    }

    /// Follows the authentication URL to the itsme form and clicks `outcome`; returns the final
    /// redirect's Location.
    async fn journey(&self, session: &Value, outcome: &str) -> String {
        let start = self
            .http
            .get(session["authenticationUrl"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(start.status(), 302);
        let page = self
            .http
            .get(self.url(start.headers()["location"].to_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let (action, fields, buttons) = {
            let doc = scraper::Html::parse_document(&html);
            let form = doc
                .select(&scraper::Selector::parse("form").unwrap())
                .next()
                .expect("a form");
            let fields: Vec<(String, String)> = form
                .select(&scraper::Selector::parse("input").unwrap())
                .map(|i| {
                    (
                        i.attr("name").unwrap().to_string(),
                        i.attr("value").unwrap_or_default().to_string(),
                    )
                })
                .collect();
            let buttons: Vec<String> = form
                .select(&scraper::Selector::parse("button").unwrap())
                .map(|b| b.attr("value").unwrap().to_string())
                .collect();
            (form.attr("action").unwrap().to_string(), fields, buttons)
        };
        assert_eq!(buttons, ["complete", "abort", "error"]);
        let mut fields = fields;
        fields.push(("outcome".into(), outcome.into()));
        let done = self
            .http
            .post(self.url(&action))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 302);
        done.headers()["location"].to_str().unwrap().to_string()
    }
}

#[tokio::test]
async fn create_answers_the_session_with_callbacks_carrying_the_session_id() {
    let rig = Rig::new(&[]).await;
    let (_, s) = rig.new_session().await;
    let id = s["id"].as_str().unwrap();
    assert_eq!(s["status"], "CREATED");
    assert_eq!(s["flow"], "redirect");
    assert_eq!(s["allowedProviders"], json!(["itsme"]));
    assert_eq!(
        s["requestedAttributes"],
        json!(["name", "firstName", "nin"])
    );
    assert_eq!(s["sessionLifetime"], 600);
    assert!(s["expiresAt"].as_str().unwrap().ends_with('Z'));
    assert!(s["accountId"].is_string());
    assert_eq!(
        s["callbackUrls"]["success"],
        format!("https://example.test/get?status=success&sessionId={id}")
    );
    assert_eq!(
        s["callbackUrls"]["error"],
        format!("https://example.test/cb-error?sessionId={id}")
    );
    assert!(
        s["authenticationUrl"]
            .as_str()
            .unwrap()
            .starts_with(&rig.url("/broker/sp/external-service/login?"))
    );
    assert!(s.get("subject").is_none());
}

#[tokio::test]
async fn validation_errors_are_problem_json_with_invalid_params() {
    let rig = Rig::new(&[]).await;
    let token = rig.api_token().await;
    let mut body = create_body();
    body["allowedProviders"] = json!(["itsme", "nope"]);
    body.as_object_mut().unwrap().remove("callbackUrls");
    body["requestedAttributes"] = json!(["name", "shoeSize"]);
    body["flow"] = json!("headless-ish");
    let resp = rig.create(&token, &body).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let p: Value = resp.json().await.unwrap();
    for field in ["type", "title", "detail", "code", "traceId"] {
        assert!(p[field].is_string(), "{field}: {p}");
    }
    assert_eq!(p["status"], 400);
    let names: Vec<&str> = p["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert!(i["reason"].is_string());
            i["name"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        names,
        [
            "allowedProviders[1]",
            "flow",
            "callbackUrls",
            "requestedAttributes[1]"
        ]
    );
    let mut relative = create_body();
    relative["callbackUrls"]["abort"] = json!("/relative");
    let p: Value = rig.create(&token, &relative).await.json().await.unwrap();
    assert_eq!(p["invalidParams"][0]["name"], "callbackUrls.abort");
    for raw in ["not json", "[1]", ""] {
        let resp = rig
            .http
            .post(rig.url("/auth/rest/sessions"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{raw}");
    }
}

#[tokio::test]
async fn journey_complete_gives_success_with_only_the_requested_attributes() {
    let rig = Rig::new(&[]).await;
    let (token, s) = rig.new_session().await;
    let id = s["id"].as_str().unwrap();
    let location = rig.journey(&s, "complete").await;
    assert_eq!(
        location,
        format!("https://example.test/get?status=success&sessionId={id}")
    );
    let done = rig.session(&token, id).await;
    assert_eq!(done["status"], "SUCCESS");
    assert_eq!(done["provider"], "itsme");
    assert_eq!(
        done["subject"],
        json!({
            "name": "Maxence Legrand",
            "firstName": "Maxence",
            "nin": {"value": "81042419835", "issuingCountry": "BE", "type": "PERSON"}
        })
    );
}

#[tokio::test]
async fn status_moves_through_waiting_for_user() {
    let rig = Rig::new(&[]).await;
    let (token, s) = rig.new_session().await;
    let id = s["id"].as_str().unwrap();
    assert_eq!(rig.session(&token, id).await["status"], "CREATED");
    let start = rig
        .http
        .get(s["authenticationUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 302);
    let waiting = rig.session(&token, id).await;
    assert_eq!(waiting["status"], "WAITING_FOR_USER");
    assert!(waiting.get("subject").is_none());
}

#[tokio::test]
async fn journey_abort_and_error() {
    let rig = Rig::new(&[]).await;
    for (outcome, status, callback) in [("abort", "ABORT", "abort"), ("error", "ERROR", "error")] {
        let (token, s) = rig.new_session().await;
        let id = s["id"].as_str().unwrap();
        let location = rig.journey(&s, outcome).await;
        assert_eq!(location, s["callbackUrls"][callback]);
        let read = rig.session(&token, id).await;
        assert_eq!(read["status"], status);
        assert!(read.get("subject").is_none());
    }
}

#[tokio::test]
async fn cancel_and_expiry() {
    let rig = Rig::new(&[]).await;
    let (token, s) = rig.new_session().await;
    let id = s["id"].as_str().unwrap();
    let cancel = rig
        .http
        .post(rig.url(&format!("/auth/rest/sessions/{id}/cancel")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 200);
    assert_eq!(cancel.json::<Value>().await.unwrap()["status"], "CANCELLED");
    assert_eq!(rig.session(&token, id).await["status"], "CANCELLED");
    let again = rig
        .http
        .post(rig.url(&format!("/auth/rest/sessions/{id}/cancel")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);

    let mut body = create_body();
    body["sessionLifetime"] = json!(60);
    let s: Value = rig.create(&token, &body).await.json().await.unwrap();
    assert_eq!(s["sessionLifetime"], 60);
    let id = s["id"].as_str().unwrap();
    rig.advance(58);
    assert_eq!(rig.session(&token, id).await["status"], "CREATED");
    rig.advance(2);
    let expired = rig.session(&token, id).await;
    assert_eq!(expired["status"], "ERROR");
    assert_eq!(expired["error"]["code"], "SESSION_EXPIRED");
    let start = rig
        .http
        .get(s["authenticationUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 410);
}

#[tokio::test]
async fn without_a_good_api_token_401_and_unknown_id_404() {
    let rig = Rig::new(&[]).await;
    let unauth = rig
        .http
        .post(rig.url("/auth/rest/sessions"))
        .json(&create_body())
        .send()
        .await
        .unwrap();
    assert_eq!(unauth.status(), 401);
    assert_eq!(unauth.headers()["content-type"], "application/problem+json");
    assert_eq!(rig.create("made-up", &create_body()).await.status(), 401);
    // An OIDC access token (here from CIBA) is not an API token.
    let ciba: Value = rig
        .http
        .post(rig.url("/auth/open/connect/ciba"))
        .basic_auth("ciba-client", Some("ciba-secret"))
        .form(&[
            ("scope", "openid"),
            ("acr_values", "idp:mobileid"),
            ("login_hint", super::ciba_tests::HINT),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = ciba["auth_req_id"].as_str().unwrap();
    rig.http
        .post(rig.url(&format!("/__simulator/ciba/{id}/approve")))
        .send()
        .await
        .unwrap();
    let tokens: Value = rig
        .http
        .post(rig.url("/auth/open/connect/token"))
        .basic_auth("ciba-client", Some("ciba-secret"))
        .form(&[
            ("grant_type", "urn:openid:params:grant-type:ciba"),
            ("auth_req_id", id),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let oidc = tokens["access_token"].as_str().unwrap();
    assert_eq!(rig.create(oidc, &create_body()).await.status(), 401);
    // And the API token is no OIDC access token.
    let token = rig.api_token().await;
    let info = rig
        .http
        .get(rig.url("/auth/open/connect/userinfo"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 401);
    let missing = rig
        .http
        .get(rig.url("/auth/rest/sessions/no-such-session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    let wrong_scope = rig
        .http
        .post(rig.url("/auth/open/connect/token"))
        .basic_auth("ciba-client", Some("ciba-secret"))
        .form(&[("grant_type", "client_credentials"), ("scope", "openid")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_scope.status(), 400);
}

#[tokio::test]
async fn defect_status_never_completes_for_sessions() {
    let rig = Rig::new(&[Defect::StatusNeverCompletes]).await;
    let (token, s) = rig.new_session().await;
    rig.journey(&s, "complete").await;
    let read = rig.session(&token, s["id"].as_str().unwrap()).await;
    assert_eq!(read["status"], "WAITING_FOR_USER");
    assert!(read.get("subject").is_none());
}

#[tokio::test]
async fn defect_subject_before_success() {
    let rig = Rig::new(&[Defect::SubjectBeforeSuccess]).await;
    let (token, s) = rig.new_session().await;
    rig.http
        .get(s["authenticationUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let read = rig.session(&token, s["id"].as_str().unwrap()).await;
    assert_eq!(read["status"], "WAITING_FOR_USER");
    assert_eq!(read["subject"]["firstName"], "Maxence");
}

#[tokio::test]
async fn defect_callback_without_session_id() {
    let rig = Rig::new(&[Defect::CallbackWithoutSessionId]).await;
    let (_, s) = rig.new_session().await;
    assert_eq!(
        s["callbackUrls"]["success"],
        "https://example.test/get?status=success"
    );
    let location = rig.journey(&s, "complete").await;
    assert!(!location.contains("sessionId"), "{location}");
}
