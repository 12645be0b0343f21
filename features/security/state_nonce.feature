@security
Feature: State and nonce bind the responses to the client's own request
  The provider echoes state exactly, whatever it holds (RFC 6749 §4.1.2, §10.12), and the
  nonce ties each ID token to one authorization request, so a token replayed from another
  flow is refused (OpenID Connect Core §3.1.3.7, RFC 9700 §4.5.3).

  Background:
    Given the client "web"

  # RFC 6749 §4.1.2: state is REQUIRED in the response if it was in the request, "the exact
  # value received"; long values with reserved and non-ASCII characters too.
  @rfc6749-4.1.2 @threat:csrf
  Scenario: A long state with reserved and non-ASCII characters comes back exactly
    When the client starts an authorization request with:
      | state | idflow-state-ÆØÅ-日本語-🙂-&=+/%?#;,:@!$'()*~.-ÆØÅ-日本語-🙂-&=+/%?#;,:@!$'()*~.-ÆØÅ-日本語-🙂-&=+/%?#;,:@!$'()*~.-ÆØÅ-日本語-🙂-&=+/%?#;,:@!$'()*~.-end |
    And the end-user logs in as "alice"
    Then the client receives an authorization code

  # OpenID Connect Core §3.1.3.7 item 11: the nonce in the ID token MUST equal the one sent in
  # this flow's request (RFC 9700 §4.5.3: the nonce defends against code and token injection).
  @oidc-core-3.1.3.7 @threat:id-token-replay
  Scenario: The client rejects an ID token replayed from another flow
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid
    When the client starts an authorization request
    And an attacker replays the earlier flow's ID token
    Then the client rejects the ID token because its nonce belongs to another flow
