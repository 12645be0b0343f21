@security
Feature: PKCE cannot be downgraded
  An attacker who steals or injects an authorization code must not be able to redeem it
  without the PKCE verifier, nor switch PKCE off or weaken it (RFC 9700 §2.1.1 and §4.8,
  RFC 7636). Each scenario names its threat (`@threat:…`) and the clause it tests
  (`@rfc9700-4.8.2` is RFC 9700 §4.8.2; README, "Security pack").

  Background:
    Given the client "web"

  # RFC 9700 §2.1.1: plain exposes the verifier to whoever reads the authorization request, and
  # S256 is the only method that does not; RFC 7636 §4.4.1: a method the provider does not
  # support gets invalid_request. A provider offering S256 refuses plain (FAPI 2.0 Security
  # Profile §5.3.2.2); a best practice, so a provider that accepts plain is warned.
  @rfc9700-2.1.1 @threat:pkce-downgrade
  Scenario: PKCE method plain is refused
    When the client starts an authorization request with PKCE method plain
    Then the provider refuses the PKCE method plain

  # RFC 7636 §4.6 and RFC 9700 §2.1.1: a code issued for a challenge is redeemed only with the
  # verifier of that challenge; without one the provider answers invalid_grant (RFC 6749 §5.2).
  @rfc7636-4.6 @threat:pkce-downgrade
  Scenario: A code issued for a PKCE challenge is not redeemed without the verifier
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code without its PKCE verifier
    Then the token response is the error "invalid_grant"

  # RFC 9700 §4.8.2: the provider MUST accept a token request with a code_verifier only if the
  # authorization request had a code_challenge (else an attacker injects a code obtained
  # without PKCE together with any verifier).
  @rfc9700-4.8.2 @threat:pkce-downgrade
  Scenario: A PKCE verifier for a request that sent no challenge is refused
    When the client starts an authorization request with:
      | code_challenge        | (omitted) |
      | code_challenge_method | (omitted) |
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code with a PKCE verifier it never challenged
    Then the token response is the error "invalid_grant"

  # RFC 7636 §4.2: a challenge is 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_", "~";
  # a malformed one is an invalid request (RFC 6749 §4.1.2.1).
  @rfc7636-4.2 @threat:pkce-downgrade
  Scenario Outline: A malformed PKCE challenge is refused (<malformation>)
    When the client starts an authorization request with:
      | code_challenge | <challenge> |
    Then the provider refuses the malformed PKCE challenge

    Examples:
      | malformation                  | challenge                                    |
      | too short                     | E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbu           |
      | characters outside RFC 7636's | E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM= |
