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
    // Security pack (features/security):
    /// The authorization endpoint accepts PKCE method `plain` though only S256 is offered (a
    /// best practice: the run passes with a warning, and fails under `--strict`).
    PkcePlainAccepted,
    /// A code issued for a PKCE challenge is redeemed without the verifier.
    PkceVerifierOptional,
    /// A code_verifier is accepted for a code whose request had no challenge (PKCE downgrade).
    PkceVerifierWithoutChallenge,
    /// A malformed code_challenge (too short, characters outside RFC 7636's) is accepted.
    PkceChallengeUnchecked,
    /// A redirect URI that starts with a registered one is accepted (path or query appended).
    RedirectUriPrefixMatch,
    /// Redirect URIs are compared ignoring case.
    RedirectUriCaseInsensitive,
    /// Redirect URIs are compared by a naive host and path only: scheme, port and userinfo
    /// are ignored (the `@` trick passes).
    RedirectUriLaxMatch,
    /// An unknown client or unregistered redirect URI is answered with a redirect to the URI
    /// sent (an open redirector), not an error page.
    OpenRedirectOnError,
    /// A code redeemed again within a second of its first redemption is accepted (the used
    /// mark is not atomic with the check): two concurrent redemptions both win.
    ConcurrentCodeRedemption,
    /// A replayed code revokes its access tokens but not its refresh tokens (a SHOULD: the run
    /// passes with a warning, and fails under `--strict`).
    RefreshSurvivesCodeReplay,
    /// A refresh with the right client_id but a wrong secret is accepted.
    RefreshWithoutClientAuth,
    /// A refresh returns the same refresh token, which stays valid (no rotation).
    RefreshTokenNotRotated,
    /// The authorization response carries no `iss` (RFC 9207).
    IssMissingFromResponse,
    /// The code flow's redirect also carries the access token in the query.
    TokenInQuery,
    /// Authorization error responses always come in the query, even for requests answered in
    /// the fragment.
    ErrorInQuery,
    /// The authorization response echoes only the first 64 bytes of `state`.
    StateTruncated,
    /// Authorization codes are 8 hexadecimal digits (32 bits).
    ShortCode,
    /// The token endpoint accepts client credentials in the request URI's query.
    SecretInQueryAccepted,
    /// After login the code reaches the client through an interstitial page ("Continue") that
    /// holds it, not a redirect (a best practice: it warns, and fails under `--strict`).
    CodeInPage,
    /// A token request from an unknown client_id is served as the client the code was issued
    /// to (the client identified by its grant, not authenticated).
    ClientIdentifiedByCode,
}

impl Defect {
    /// Every defect, for tests that try them all.
    pub const ALL: [Defect; 37] = [
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
        // Security pack:
        Defect::PkcePlainAccepted,
        Defect::PkceVerifierOptional,
        Defect::PkceVerifierWithoutChallenge,
        Defect::PkceChallengeUnchecked,
        Defect::RedirectUriPrefixMatch,
        Defect::RedirectUriCaseInsensitive,
        Defect::RedirectUriLaxMatch,
        Defect::OpenRedirectOnError,
        Defect::ConcurrentCodeRedemption,
        Defect::RefreshSurvivesCodeReplay,
        Defect::RefreshWithoutClientAuth,
        Defect::RefreshTokenNotRotated,
        Defect::IssMissingFromResponse,
        Defect::TokenInQuery,
        Defect::ErrorInQuery,
        Defect::StateTruncated,
        Defect::ShortCode,
        Defect::SecretInQueryAccepted,
        Defect::CodeInPage,
        Defect::ClientIdentifiedByCode,
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
            // Security pack:
            Defect::PkcePlainAccepted => "pkce_plain_accepted",
            Defect::PkceVerifierOptional => "pkce_verifier_optional",
            Defect::PkceVerifierWithoutChallenge => "pkce_verifier_without_challenge",
            Defect::PkceChallengeUnchecked => "pkce_challenge_unchecked",
            Defect::RedirectUriPrefixMatch => "redirect_uri_prefix_match",
            Defect::RedirectUriCaseInsensitive => "redirect_uri_case_insensitive",
            Defect::RedirectUriLaxMatch => "redirect_uri_lax_match",
            Defect::OpenRedirectOnError => "open_redirect_on_error",
            Defect::ConcurrentCodeRedemption => "concurrent_code_redemption",
            Defect::RefreshSurvivesCodeReplay => "refresh_survives_code_replay",
            Defect::RefreshWithoutClientAuth => "refresh_without_client_auth",
            Defect::RefreshTokenNotRotated => "refresh_token_not_rotated",
            Defect::IssMissingFromResponse => "iss_missing_from_response",
            Defect::TokenInQuery => "token_in_query",
            Defect::ErrorInQuery => "error_in_query",
            Defect::StateTruncated => "state_truncated",
            Defect::ShortCode => "short_code",
            Defect::SecretInQueryAccepted => "secret_in_query_accepted",
            Defect::CodeInPage => "code_in_page",
            Defect::ClientIdentifiedByCode => "client_identified_by_code",
        }
    }

    /// Whether the defect breaks only a SHOULD or best practice: a run with it passes with a
    /// warning, and fails under `--strict`.
    pub fn only_warns(self) -> bool {
        matches!(
            self,
            Defect::UserinfoCacheable
                | Defect::PkcePlainAccepted
                | Defect::RefreshSurvivesCodeReplay
                | Defect::CodeInPage
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
