@oidc @needs:private_key_jwt
Feature: Client authentication with private_key_jwt
  The client authenticates at the token endpoint with a JWT signed by its private key instead
  of a shared secret (RFC 7523 §2.2, OpenID Connect Core §9): iss and sub its client id, aud
  the token endpoint, a fresh jti, a short exp. The provider verifies it against the key the
  client registered, and refuses an assertion that is forged, misdirected, stale or replayed
  with invalid_client (RFC 6749 §5.2). Client "jwt" is registered for private_key_jwt.

  Background:
    Given the client "jwt"
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code

  # RFC 7523 §2.2 and §3, OpenID Connect Core §9: the code exchange authenticated by a client
  # assertion signed RS256.
  Scenario: The client authenticates at the token endpoint with private_key_jwt
    When the client exchanges the authorization code
    Then the token response is successful
    And the ID token is valid

  # RFC 7523 §3 item 9: the assertion's signature MUST verify with the client's key.
  Scenario: A client assertion whose signature does not verify is refused
    When the client exchanges the authorization code with a client assertion whose signature is altered
    Then the provider refuses the client assertion

  # RFC 7523 §3 item 3: aud MUST identify the authorization server (its token endpoint).
  Scenario: A client assertion for another audience is refused
    When the client exchanges the authorization code with a client assertion whose claims are:
      | name | value                               |
      | aud  | https://another-provider.test/token |
    Then the provider refuses the client assertion

  # RFC 7523 §3 items 1 and 2, OpenID Connect Core §9: iss and sub MUST be the client id.
  Scenario: A client assertion about another subject is refused
    When the client exchanges the authorization code with a client assertion whose claims are:
      | name | value                 |
      | sub  | someone-else-entirely |
    Then the provider refuses the client assertion

  # RFC 7523 §3 item 4: the authorization server MUST reject a JWT whose exp has passed.
  Scenario: An expired client assertion is refused
    When the client exchanges the authorization code with a client assertion whose claims are:
      | name | value |
      | iat  | -300  |
      | exp  | -120  |
    Then the provider refuses the client assertion

  # OpenID Connect Core §9 (jti): these tokens MUST only be used once; RFC 7523 §3 item 7.
  Scenario: A replayed client assertion is refused
    When the client exchanges the authorization code
    Then the token response is successful
    When the client exchanges the same authorization code again replaying its client assertion
    Then the provider refuses the client assertion
