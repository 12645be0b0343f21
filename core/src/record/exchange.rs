//! One record per HTTP exchange: what was sent, every redirect hop, what came back.
//!
//! Records are kept in the scenario's world; expectations read them and report writers render
//! them. Nothing re-requests. Bodies are kept as text (lossy UTF-8) with their real size.

use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// A header as it went over the wire (name lower-cased by the HTTP stack).
pub type Header = (String, String);

/// A request exactly as sent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<Header>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// A response as received.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Vec<Header>,
    pub body: String,
    /// Size of the body in bytes as received.
    pub body_size: usize,
}

impl RecordedResponse {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }
    /// All values of a header, by case-insensitive name.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// The first value of a header in a list, by case-insensitive name.
pub fn header_value<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// One request/response pair; an exchange has one per redirect hop.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hop {
    pub request: RecordedRequest,
    /// `None` when the request failed (refused, timed out, TLS).
    pub response: Option<RecordedResponse>,
    /// Milliseconds since the Unix epoch when the request was sent.
    pub started_at_ms: u128,
    /// Time to the full response, in milliseconds.
    pub duration_ms: f64,
}

/// Why an exchange ended where it did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeEnd {
    /// The last hop's response is final (not a redirect, or redirects not followed).
    Response,
    /// Stopped at a redirect to the client's redirect URI, which is not requested.
    RedirectUri,
    /// Redirect limit reached.
    TooManyRedirects,
    /// The last request failed at transport level.
    TransportError,
}

/// A logical HTTP exchange: the first request and every redirect hop the engine followed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Exchange {
    /// Sequence number within the scenario, from 1.
    pub seq: usize,
    /// What the exchange was for, in domain words ("token request", "discovery").
    pub label: String,
    pub hops: Vec<Hop>,
    pub end: ExchangeEnd,
    /// Where the engine stopped without requesting, when `end` is `RedirectUri`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<String>,
    /// Transport error message, when `end` is `TransportError`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Exchange {
    /// The first hop's request.
    pub fn request(&self) -> &RecordedRequest {
        &self.hops[0].request
    }
    /// The last response received, if any.
    pub fn response(&self) -> Option<&RecordedResponse> {
        self.hops.iter().rev().find_map(|h| h.response.as_ref())
    }
    /// When the exchange started, in milliseconds since the epoch.
    pub fn started_at_ms(&self) -> u128 {
        self.hops
            .first()
            .map(|h| h.started_at_ms)
            .unwrap_or_default()
    }
    /// The exchange in words, for messages: "the response to POST /token (token request)".
    pub fn describe(&self) -> String {
        let url = &self.request().url;
        let path = url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or(url);
        let path = path.split(['?', '#']).next().unwrap_or(path);
        format!(
            "the response to {} {path} ({})",
            self.request().method,
            self.label
        )
    }

    /// Total time over all hops.
    pub fn duration_ms(&self) -> f64 {
        self.hops.iter().map(|h| h.duration_ms).sum()
    }
}

/// Milliseconds since the Unix epoch for a time.
pub fn epoch_ms(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
}
