//! What the simulated provider knows and remembers: its registered clients and users (from its
//! [`SimulatorSetup`]), its keys, its clock and defects, and the mutable records of a run (pending
//! authorization transactions, browser sessions, codes and tokens).
//!
//! Every endpoint module gets an `Arc<Shared>`; mutable records sit behind one mutex so that a
//! handler sees a consistent picture. Later modules (CIBA, REST sessions, MobileID) add their
//! records to [`State`].

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::Defect;
use super::discovery::Documents;
use super::keys::Keys;
use super::setup::{SimClient, SimUser, SimulatorSetup};
use crate::clock::SharedClock;

pub(crate) use super::ciba::CibaRequest;
pub(crate) use super::mobileid::{Operation, OperationType};
pub(crate) use super::rest::RestSession;

/// Lifetime of an authorization code, in seconds.
pub(crate) const CODE_LIFETIME: i64 = 60;
/// Lifetime of an access token (and of an ID token), in seconds.
pub(crate) const TOKEN_LIFETIME: i64 = 3600;
/// Lifetime of a pending login/consent transaction, in seconds.
pub(crate) const TRANSACTION_LIFETIME: i64 = 600;
/// Name of the browser session cookie.
pub(crate) const SESSION_COOKIE: &str = "idflow_sim_session";

/// The sub the simulator gives a user without a configured one: stable, derived from the name.
pub fn default_sub(username: &str) -> String {
    let digest = Sha256::digest(format!("idflow-simulator:{username}").as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..18])
}

/// Which response an authorization request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseType {
    Code,
    IdToken,
    IdTokenToken,
}

impl ResponseType {
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts: Vec<&str> = value.split(' ').filter(|s| !s.is_empty()).collect();
        parts.sort_unstable();
        match parts.as_slice() {
            ["code"] => Some(Self::Code),
            ["id_token"] => Some(Self::IdToken),
            ["id_token", "token"] => Some(Self::IdTokenToken),
            _ => None,
        }
    }
    /// Implicit responses travel in the fragment, code responses in the query.
    pub fn uses_fragment(self) -> bool {
        !matches!(self, Self::Code)
    }
}

/// A validated authorization request.
#[derive(Debug, Clone)]
pub(crate) struct AuthRequest {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) response_type: ResponseType,
    pub(crate) scopes: Vec<String>,
    pub(crate) state: Option<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) code_challenge: Option<(String, String)>,
    pub(crate) prompt: BTreeSet<String>,
    pub(crate) max_age: Option<i64>,
    pub(crate) ui_locale: String,
    pub(crate) login_hint: Option<String>,
    pub(crate) acr: Option<String>,
    pub(crate) hint_sub: Option<String>,
    pub(crate) signicat_profile: Option<String>,
    /// Claims requested by name with the `claims` parameter (OpenID Connect Core §5.5).
    pub(crate) requested_claims: Vec<String>,
}

/// Where a pending authorization transaction stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stage {
    Login,
    Consent { session: String },
}

/// An authorization request waiting for the user (login and/or consent).
#[derive(Debug, Clone)]
pub(crate) struct Transaction {
    pub(crate) request: AuthRequest,
    pub(crate) csrf: String,
    pub(crate) stage: Stage,
    pub(crate) expires_at: i64,
}

/// A browser session (the simulator's cookie).
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) username: String,
    pub(crate) auth_time: i64,
    pub(crate) consented: HashSet<String>,
}

/// What an authentication granted; codes, access and refresh tokens point at one.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub(crate) client_id: String,
    pub(crate) username: String,
    pub(crate) sub: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) auth_time: i64,
    pub(crate) acr: Option<String>,
    /// Claims requested by name with the `claims` parameter (OpenID Connect Core §5.5).
    pub(crate) requested_claims: Vec<String>,
}

/// An issued authorization code.
#[derive(Debug, Clone)]
pub(crate) struct CodeRecord {
    pub(crate) grant_id: u64,
    pub(crate) redirect_uri: String,
    pub(crate) nonce: Option<String>,
    pub(crate) code_challenge: Option<(String, String)>,
    pub(crate) expires_at: i64,
    pub(crate) used: bool,
}

/// An issued access token.
#[derive(Debug, Clone)]
pub(crate) struct AccessRecord {
    pub(crate) grant_id: u64,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_at: i64,
}

/// An issued refresh token.
#[derive(Debug, Clone)]
pub(crate) struct RefreshRecord {
    pub(crate) grant_id: u64,
    pub(crate) scopes: Vec<String>,
}

/// An issued REST API token (client credentials, scope `signicat-api`).
#[derive(Debug, Clone)]
pub(crate) struct ApiToken {
    pub(crate) client_id: String,
    pub(crate) expires_at: i64,
}

/// The records of a run.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// CIBA requests by `auth_req_id`.
    pub(crate) ciba: HashMap<String, CibaRequest>,
    /// MobileID backend-initiated operations by id.
    pub(crate) operations: HashMap<String, Operation>,
    /// Grants made by a MobileID finalise, with the operation's type (UserInfo differs by it).
    pub(crate) finalise_grants: HashMap<u64, OperationType>,
    /// REST API tokens.
    pub(crate) api_tokens: HashMap<String, ApiToken>,
    /// REST API authentication sessions by id.
    pub(crate) rest_sessions: HashMap<String, RestSession>,
    pub(crate) transactions: HashMap<String, Transaction>,
    pub(crate) sessions: HashMap<String, Session>,
    pub(crate) grants: HashMap<u64, Grant>,
    /// Grants whose tokens were revoked (for example after a code was redeemed twice).
    pub(crate) revoked_grants: HashSet<u64>,
    pub(crate) codes: HashMap<String, CodeRecord>,
    pub(crate) access_tokens: HashMap<String, AccessRecord>,
    pub(crate) refresh_tokens: HashMap<String, RefreshRecord>,
    /// Refresh tokens already exchanged, by grant: presenting one again revokes the grant
    /// (refresh token reuse detection, RFC 9700 §4.14.2).
    pub(crate) used_refresh_tokens: HashMap<String, u64>,
    /// When each code was first redeemed (Unix milliseconds), for the
    /// `concurrent_code_redemption` defect's window.
    pub(crate) code_redemptions: HashMap<String, i64>,
    /// `iss jti` of every client assertion accepted: each is single-use (RFC 7523 §3).
    pub(crate) client_assertion_jtis: HashSet<String>,
    next_grant: u64,
    /// The time of the last sweep: one sweep a second is enough.
    last_sweep: Option<i64>,
}

impl State {
    /// Records a grant and returns its id.
    pub fn add_grant(&mut self, grant: Grant) -> u64 {
        self.next_grant += 1;
        self.grants.insert(self.next_grant, grant);
        self.next_grant
    }

    /// Issues an access token (and a refresh token when asked) for a grant.
    pub fn issue_tokens(
        &mut self,
        grant_id: u64,
        scopes: &[String],
        now: i64,
        with_refresh: bool,
    ) -> (String, Option<String>) {
        let access = random_token();
        self.access_tokens.insert(
            access.clone(),
            AccessRecord {
                grant_id,
                scopes: scopes.to_vec(),
                expires_at: now + TOKEN_LIFETIME,
            },
        );
        let refresh = with_refresh.then(|| {
            let refresh = random_token();
            self.refresh_tokens.insert(
                refresh.clone(),
                RefreshRecord {
                    grant_id,
                    scopes: scopes.to_vec(),
                },
            );
            refresh
        });
        (access, refresh)
    }

    /// Revokes every token issued from a grant.
    pub fn revoke_grant(&mut self, grant_id: u64) {
        self.revoked_grants.insert(grant_id);
        self.access_tokens.retain(|_, t| t.grant_id != grant_id);
        self.refresh_tokens.retain(|_, t| t.grant_id != grant_id);
    }

    /// Forgets expired transactions and codes, so a long run does not grow without bound. It
    /// visits every record, so it runs at most once for each second of the clock (the handlers
    /// check expiry themselves; the sweep only frees memory).
    pub fn sweep(&mut self, now: i64) {
        if self.last_sweep == Some(now) {
            return;
        }
        self.last_sweep = Some(now);
        self.transactions.retain(|_, t| t.expires_at > now);
        self.codes
            .retain(|_, c| c.expires_at + TRANSACTION_LIFETIME > now);
        self.access_tokens
            .retain(|_, t| t.expires_at + TOKEN_LIFETIME > now);
    }
}

/// Everything the endpoints share.
pub(crate) struct Shared {
    pub(crate) issuer: String,
    pub(crate) base_url: String,
    pub(crate) clients: Vec<SimClient>,
    pub(crate) users: Vec<SimUser>,
    pub(crate) clock: SharedClock,
    pub(crate) defects: BTreeSet<Defect>,
    pub(crate) keys: Keys,
    /// Discovery and JWKS, rendered once for this setup and these defects.
    pub(crate) documents: Documents,
    state: Mutex<State>,
}

impl Shared {
    pub fn new(
        setup: &SimulatorSetup,
        clock: SharedClock,
        defects: &[Defect],
        base_url: String,
        keys: Keys,
    ) -> Self {
        let mut shared = Self {
            issuer: format!("{base_url}/auth/open"),
            base_url,
            clients: setup.clients.clone(),
            users: setup.users.clone(),
            clock,
            defects: defects.iter().copied().collect(),
            keys,
            documents: Documents::default(),
            state: Mutex::new(State::default()),
        };
        shared.documents = Documents::render(&shared);
        shared
    }

    /// The records, locked. A poisoned lock is recovered: the records stay usable.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a defect knob is on.
    pub fn has(&self, defect: Defect) -> bool {
        self.defects.contains(&defect)
    }

    /// The clock's time in Unix seconds, as the requesting scenario sees it.
    pub fn now(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }

    /// The clock's time in Unix milliseconds (for poll intervals, where whole seconds are too
    /// coarse).
    pub fn now_millis(&self) -> i64 {
        let base = self
            .clock
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        base + REQUEST_OFFSET_MS.with(|o| o.get())
    }

    pub fn client(&self, id: &str) -> Option<&SimClient> {
        self.clients.iter().find(|c| c.id == id)
    }

    pub fn user(&self, username: &str) -> Option<&SimUser> {
        self.users.iter().find(|u| u.username == username)
    }

    /// A user by the environment's name for it, or by username.
    pub fn user_named(&self, name: &str) -> Option<&SimUser> {
        self.users
            .iter()
            .find(|u| u.name == name)
            .or_else(|| self.user(name))
    }
}

/// A fresh unguessable value (codes, tokens, transaction ids, cookies).
pub(crate) fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_types_parse_in_any_order() {
        assert_eq!(ResponseType::parse("code"), Some(ResponseType::Code));
        assert_eq!(
            ResponseType::parse("token id_token"),
            Some(ResponseType::IdTokenToken)
        );
        assert_eq!(ResponseType::parse("id token token"), None);
        assert_eq!(ResponseType::parse(""), None);
    }

    #[test]
    fn default_sub_is_stable_and_distinct() {
        assert_eq!(default_sub("alice"), default_sub("alice"));
        assert_ne!(default_sub("alice"), default_sub("bob"));
        assert!(default_sub("alice").len() <= 255);
    }
}

thread_local! {
    /// The clock offset of the scenario whose request is being answered on this thread.
    static REQUEST_OFFSET_MS: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}

/// Runs `f` (a request handler) with the requesting scenario's clock offset in force.
pub fn with_request_offset<T>(offset_ms: i64, f: impl FnOnce() -> T) -> T {
    let previous = REQUEST_OFFSET_MS.with(|o| o.replace(offset_ms));
    let out = f();
    REQUEST_OFFSET_MS.with(|o| o.set(previous));
    out
}
