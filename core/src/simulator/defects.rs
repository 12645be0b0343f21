//! Provider defects the simulator can be told to have, one knob each, so that tests prove the
//! suite's verdicts can fail: with a defect on, the features that check the affected behaviour
//! must fail and name the failed check.

use serde::Deserialize;

/// One way the simulated provider misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Defect {
    /// The ID token carries a nonce other than the one sent.
    WrongNonce,
    /// The ID token's at_hash does not match the access token.
    WrongAtHash,
    /// ID tokens are signed with a key that is not in the JWKS (its kid is unknown).
    UnknownSigningKey,
    /// ID tokens are unsigned, with `alg: none`.
    AlgNone,
    /// ID tokens carry an `iss` other than the issuer.
    WrongIssuer,
    /// ID tokens are already expired when issued.
    ExpiredIdToken,
    /// A used authorization code is accepted again.
    ReusedCodeAccepted,
    /// The token endpoint omits `Cache-Control: no-store`.
    MissingNoStore,
    /// The authorization response does not echo `state`.
    StateNotEchoed,
    /// UserInfo omits `Cache-Control: no-store` (a best practice, not a MUST: the run passes
    /// with a warning, and fails under `--strict`).
    UserinfoCacheable,
    /// UserInfo answers with a `sub` other than the ID token's.
    UserinfoSubDiffers,
    /// CIBA polls never get `slow_down`, however fast they come.
    SlowDownNotEnforced,
    /// The MobileID status URL stays PENDING and REST sessions stay WAITING_FOR_USER after the
    /// user finished.
    StatusNeverCompletes,
    /// REST sessions return `subject` while WAITING_FOR_USER.
    SubjectBeforeSuccess,
    /// REST callback URLs (in the session and in the journey's redirect) lack `sessionId`.
    CallbackWithoutSessionId,
    /// The CIBA ID token lacks `mobileid_device_id`.
    MobileidClaimMissing,
    /// The CIBA ID token's `mobileid_binding_message` differs from the binding message sent.
    BindingMessageAltered,
    // Request objects and private_key_jwt (issue 12, item 3).
    /// A signed request object whose signature does not verify is accepted.
    RequestObjectSignatureUnchecked,
    /// Parameters outside the request object override those inside it.
    RequestObjectQueryWins,
    /// An expired client assertion is accepted.
    ExpiredClientAssertionAccepted,
    /// A client assertion's jti is accepted again (a replay).
    ClientAssertionReplayAccepted,
    /// A signed request object for another audience is accepted.
    RequestObjectAudienceUnchecked,
    /// An expired request object is accepted.
    RequestObjectExpiryUnchecked,
    /// A client assertion whose signature does not verify is accepted.
    ClientAssertionSignatureUnchecked,
    /// A client assertion for another audience is accepted.
    ClientAssertionAudienceUnchecked,
    /// A malformed request object is refused with `server_error` instead of
    /// `invalid_request_object` (a SHOULD: the run passes with a warning, fails under --strict).
    RequestObjectRefusedAsServerError,
}

impl Defect {
    /// Every defect, for tests that try them all.
    pub const ALL: [Defect; 26] = [
        Defect::WrongNonce,
        Defect::WrongAtHash,
        Defect::UnknownSigningKey,
        Defect::AlgNone,
        Defect::WrongIssuer,
        Defect::ExpiredIdToken,
        Defect::ReusedCodeAccepted,
        Defect::MissingNoStore,
        Defect::StateNotEchoed,
        Defect::UserinfoCacheable,
        Defect::UserinfoSubDiffers,
        Defect::SlowDownNotEnforced,
        Defect::StatusNeverCompletes,
        Defect::SubjectBeforeSuccess,
        Defect::CallbackWithoutSessionId,
        Defect::MobileidClaimMissing,
        Defect::BindingMessageAltered,
        // Request objects and private_key_jwt (issue 12, item 3).
        Defect::RequestObjectSignatureUnchecked,
        Defect::RequestObjectQueryWins,
        Defect::ExpiredClientAssertionAccepted,
        Defect::ClientAssertionReplayAccepted,
        Defect::RequestObjectAudienceUnchecked,
        Defect::RequestObjectExpiryUnchecked,
        Defect::ClientAssertionSignatureUnchecked,
        Defect::ClientAssertionAudienceUnchecked,
        Defect::RequestObjectRefusedAsServerError,
    ];

    /// The snake_case name used in environment files and `IDFLOW_SIMULATOR_DEFECTS`.
    pub fn name(self) -> &'static str {
        match self {
            Defect::WrongNonce => "wrong_nonce",
            Defect::WrongAtHash => "wrong_at_hash",
            Defect::UnknownSigningKey => "unknown_signing_key",
            Defect::AlgNone => "alg_none",
            Defect::WrongIssuer => "wrong_issuer",
            Defect::ExpiredIdToken => "expired_id_token",
            Defect::ReusedCodeAccepted => "reused_code_accepted",
            Defect::MissingNoStore => "missing_no_store",
            Defect::StateNotEchoed => "state_not_echoed",
            Defect::UserinfoCacheable => "userinfo_cacheable",
            Defect::UserinfoSubDiffers => "userinfo_sub_differs",
            Defect::SlowDownNotEnforced => "slow_down_not_enforced",
            Defect::StatusNeverCompletes => "status_never_completes",
            Defect::SubjectBeforeSuccess => "subject_before_success",
            Defect::CallbackWithoutSessionId => "callback_without_session_id",
            Defect::MobileidClaimMissing => "mobileid_claim_missing",
            Defect::BindingMessageAltered => "binding_message_altered",
            // Request objects and private_key_jwt (issue 12, item 3).
            Defect::RequestObjectSignatureUnchecked => "request_object_signature_unchecked",
            Defect::RequestObjectQueryWins => "request_object_query_wins",
            Defect::ExpiredClientAssertionAccepted => "expired_client_assertion_accepted",
            Defect::ClientAssertionReplayAccepted => "client_assertion_replay_accepted",
            Defect::RequestObjectAudienceUnchecked => "request_object_audience_unchecked",
            Defect::RequestObjectExpiryUnchecked => "request_object_expiry_unchecked",
            Defect::ClientAssertionSignatureUnchecked => "client_assertion_signature_unchecked",
            Defect::ClientAssertionAudienceUnchecked => "client_assertion_audience_unchecked",
            Defect::RequestObjectRefusedAsServerError => "request_object_refused_as_server_error",
        }
    }

    /// Whether the defect breaks only a SHOULD or best practice: a run with it passes with a
    /// warning, and fails under `--strict`.
    pub fn only_warns(self) -> bool {
        matches!(
            self,
            Defect::UserinfoCacheable | Defect::RequestObjectRefusedAsServerError
        )
    }

    /// Parses a name as written in `IDFLOW_SIMULATOR_DEFECTS` (comma separated).
    pub fn parse_list(list: &str) -> Result<Vec<Defect>, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|name| {
                Defect::ALL
                    .into_iter()
                    .find(|d| d.name() == name)
                    .ok_or_else(|| {
                        let known: Vec<&str> = Defect::ALL.iter().map(|d| d.name()).collect();
                        format!(
                            "unknown simulator defect `{name}`: known defects are {}",
                            known.join(", ")
                        )
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let all: Vec<&str> = Defect::ALL.iter().map(|d| d.name()).collect();
        assert_eq!(
            Defect::parse_list(&all.join(",")).unwrap(),
            Defect::ALL.to_vec()
        );
        assert!(
            Defect::parse_list("wrong_nonce, nope")
                .unwrap_err()
                .contains("nope")
        );
    }
}
