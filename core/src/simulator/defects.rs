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
    // CIBA poll mode (issue 12, item 4).
    /// The first poll of a pending CIBA request answers `invalid_request`, not `authorization_pending`.
    CibaFirstPollNotPending,
    /// The CIBA acknowledgement announces an `interval` of 75 s (a best practice: warns only).
    CibaIntervalTooLong,
    /// The CIBA acknowledgement lacks `expires_in`.
    CibaExpiresInMissing,
    /// `requested_expiry` is ignored: every CIBA request lives 120 s (a best practice: warns only).
    CibaRequestedExpiryIgnored,
    /// An expired CIBA request still answers `authorization_pending`.
    CibaNeverExpires,
    /// Any client may redeem a CIBA auth_req_id, not only the one it was issued to.
    CibaOtherClientAccepted,
    /// A denied CIBA request keeps answering `authorization_pending`.
    CibaDenialNotReported,
    /// A form-encoded `requested_expiry` is refused with `invalid_request` (as if it had to be a JSON number).
    CibaRequestedExpiryRefused,
    /// A CIBA request with several hints is accepted (the login_hint wins).
    CibaSeveralHintsAccepted,
    /// Any binding message is accepted, even one no device can show.
    CibaBindingMessageUnchecked,
    /// A redeemed CIBA auth_req_id gives tokens again.
    CibaAuthReqIdReusable,
    /// A generic CIBA login_hint naming no user is taken as the first user.
    CibaUnknownUserAccepted,
    /// A CIBA request without the `openid` scope is accepted.
    CibaOpenidScopeNotRequired,
    /// The CIBA acknowledgement announces an `interval` of 0 s.
    CibaIntervalZero,
}

impl Defect {
    /// Every defect, for tests that try them all.
    pub const ALL: [Defect; 31] = [
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
        // CIBA poll mode (issue 12, item 4).
        Defect::CibaFirstPollNotPending,
        Defect::CibaIntervalTooLong,
        Defect::CibaExpiresInMissing,
        Defect::CibaRequestedExpiryIgnored,
        Defect::CibaNeverExpires,
        Defect::CibaOtherClientAccepted,
        Defect::CibaDenialNotReported,
        Defect::CibaRequestedExpiryRefused,
        Defect::CibaSeveralHintsAccepted,
        Defect::CibaBindingMessageUnchecked,
        Defect::CibaAuthReqIdReusable,
        Defect::CibaUnknownUserAccepted,
        Defect::CibaOpenidScopeNotRequired,
        Defect::CibaIntervalZero,
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
            // CIBA poll mode (issue 12, item 4).
            Defect::CibaFirstPollNotPending => "ciba_first_poll_not_pending",
            Defect::CibaIntervalTooLong => "ciba_interval_too_long",
            Defect::CibaExpiresInMissing => "ciba_expires_in_missing",
            Defect::CibaRequestedExpiryIgnored => "ciba_requested_expiry_ignored",
            Defect::CibaNeverExpires => "ciba_never_expires",
            Defect::CibaOtherClientAccepted => "ciba_other_client_accepted",
            Defect::CibaDenialNotReported => "ciba_denial_not_reported",
            Defect::CibaRequestedExpiryRefused => "ciba_requested_expiry_refused",
            Defect::CibaSeveralHintsAccepted => "ciba_several_hints_accepted",
            Defect::CibaBindingMessageUnchecked => "ciba_binding_message_unchecked",
            Defect::CibaAuthReqIdReusable => "ciba_auth_req_id_reusable",
            Defect::CibaUnknownUserAccepted => "ciba_unknown_user_accepted",
            Defect::CibaOpenidScopeNotRequired => "ciba_openid_scope_not_required",
            Defect::CibaIntervalZero => "ciba_interval_zero",
        }
    }

    /// Whether the defect breaks only a SHOULD or best practice: a run with it passes with a
    /// warning, and fails under `--strict`.
    pub fn only_warns(self) -> bool {
        matches!(
            self,
            Defect::UserinfoCacheable
                // CIBA poll mode (issue 12, item 4).
                | Defect::CibaIntervalTooLong
                | Defect::CibaRequestedExpiryIgnored
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
