//! End-to-end tests of the Authentication REST API and its simulated itsme journey.

use serde_json::{Value, json};

use super::Defect;
use super::test_support::{CIBA, HINT, Rig, forms};

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
    /// Creates a session; returns the API token and the session.
    async fn new_session(&self) -> (String, Value) {
        let token = self.api_token().await;
        let resp = self.session_create(&token, &create_body()).await;
        assert_eq!(resp.status(), 201);
        (token, resp.json().await.unwrap())
    }

    /// Opens a session's authentication URL (the journey's start).
    async fn open(&self, session: &Value) -> reqwest::Response {
        self.get(session["authenticationUrl"].as_str().unwrap())
            .await
    }

    /// Follows the authentication URL to the itsme form and clicks `outcome`; returns the final
    /// redirect's Location.
    async fn journey(&self, session: &Value, outcome: &str) -> String {
        let start = self.open(session).await;
        assert_eq!(start.status(), 302);
        let page = self
            .get(start.headers()["location"].to_str().unwrap())
            .await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let form = forms(&html).into_iter().next().expect("a form");
        let buttons: Vec<&str> = form.buttons.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(buttons, ["complete", "abort", "error"]);
        let mut fields = form.fields;
        fields.push(("outcome".into(), outcome.into()));
        let done = self
            .post(&form.action, None)
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
    let rig = Rig::mobileid(&[]).await;
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
    let rig = Rig::mobileid(&[]).await;
    let token = rig.api_token().await;
    let mut body = create_body();
    body["allowedProviders"] = json!(["itsme", "nope"]);
    body.as_object_mut().unwrap().remove("callbackUrls");
    body["requestedAttributes"] = json!(["name", "shoeSize"]);
    body["flow"] = json!("headless-ish");
    let resp = rig.session_create(&token, &body).await;
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
    let resp = rig.session_create(&token, &relative).await;
    let p: Value = resp.json().await.unwrap();
    assert_eq!(p["invalidParams"][0]["name"], "callbackUrls.abort");
    for raw in ["not json", "[1]", ""] {
        let resp = rig
            .post("/auth/rest/sessions", None)
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
    let rig = Rig::mobileid(&[]).await;
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
    let rig = Rig::mobileid(&[]).await;
    let (token, s) = rig.new_session().await;
    let id = s["id"].as_str().unwrap();
    assert_eq!(rig.session(&token, id).await["status"], "CREATED");
    assert_eq!(rig.open(&s).await.status(), 302);
    let waiting = rig.session(&token, id).await;
    assert_eq!(waiting["status"], "WAITING_FOR_USER");
    assert!(waiting.get("subject").is_none());
}

#[tokio::test]
async fn journey_abort_and_error() {
    let rig = Rig::mobileid(&[]).await;
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
    let rig = Rig::mobileid(&[]).await;
    let (token, s) = rig.new_session().await;
    let id = s["id"].as_str().unwrap();
    let cancel = rig.session_cancel(&token, id).await;
    assert_eq!(cancel.status(), 200);
    assert_eq!(cancel.json::<Value>().await.unwrap()["status"], "CANCELLED");
    assert_eq!(rig.session(&token, id).await["status"], "CANCELLED");
    assert_eq!(rig.session_cancel(&token, id).await.status(), 409);

    let mut body = create_body();
    body["sessionLifetime"] = json!(60);
    let s: Value = rig
        .session_create(&token, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["sessionLifetime"], 60);
    let id = s["id"].as_str().unwrap();
    rig.advance(58);
    assert_eq!(rig.session(&token, id).await["status"], "CREATED");
    rig.advance(2);
    let expired = rig.session(&token, id).await;
    assert_eq!(expired["status"], "ERROR");
    assert_eq!(expired["error"]["code"], "SESSION_EXPIRED");
    assert_eq!(rig.open(&s).await.status(), 410);
}

#[tokio::test]
async fn without_a_good_api_token_401_and_unknown_id_404() {
    let rig = Rig::mobileid(&[]).await;
    let unauth = rig
        .post_json("/auth/rest/sessions", None, &create_body())
        .await;
    assert_eq!(unauth.status(), 401);
    assert_eq!(unauth.headers()["content-type"], "application/problem+json");
    let made_up = rig.session_create("made-up", &create_body()).await;
    assert_eq!(made_up.status(), 401);
    // An OIDC access token (here from CIBA) is not an API token.
    let ciba: Value = rig
        .ciba(&[
            ("scope", "openid"),
            ("acr_values", "idp:mobileid"),
            ("login_hint", HINT),
        ])
        .await
        .json()
        .await
        .unwrap();
    let id = ciba["auth_req_id"].as_str().unwrap();
    rig.device(id, "approve").await;
    let tokens: Value = rig.ciba_poll(CIBA, id).await.json().await.unwrap();
    let oidc = tokens["access_token"].as_str().unwrap();
    assert_eq!(rig.session_create(oidc, &create_body()).await.status(), 401);
    // And the API token is no OIDC access token.
    let token = rig.api_token().await;
    assert_eq!(rig.userinfo(&token).await.status(), 401);
    let missing = rig.session_get(&token, "no-such-session").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    let wrong_scope = rig
        .token(
            Some(CIBA),
            &[("grant_type", "client_credentials"), ("scope", "openid")],
        )
        .await;
    assert_eq!(wrong_scope.status(), 400);
}

#[tokio::test]
async fn defect_status_never_completes_for_sessions() {
    let rig = Rig::mobileid(&[Defect::StatusNeverCompletes]).await;
    let (token, s) = rig.new_session().await;
    rig.journey(&s, "complete").await;
    let read = rig.session(&token, s["id"].as_str().unwrap()).await;
    assert_eq!(read["status"], "WAITING_FOR_USER");
    assert!(read.get("subject").is_none());
}

#[tokio::test]
async fn defect_subject_before_success() {
    let rig = Rig::mobileid(&[Defect::SubjectBeforeSuccess]).await;
    let (token, s) = rig.new_session().await;
    rig.open(&s).await;
    let read = rig.session(&token, s["id"].as_str().unwrap()).await;
    assert_eq!(read["status"], "WAITING_FOR_USER");
    assert_eq!(read["subject"]["firstName"], "Maxence");
}

#[tokio::test]
async fn defect_callback_without_session_id() {
    let rig = Rig::mobileid(&[Defect::CallbackWithoutSessionId]).await;
    let (_, s) = rig.new_session().await;
    assert_eq!(
        s["callbackUrls"]["success"],
        "https://example.test/get?status=success"
    );
    let location = rig.journey(&s, "complete").await;
    assert!(!location.contains("sessionId"), "{location}");
}
