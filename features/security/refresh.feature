@security @needs:refresh_tokens
Feature: Refresh tokens stay bound to their client and their grant
  Beyond features/oidc/refresh.feature (rotation refusing the old token, another client's
  credentials, family revocation on reuse): rotation issues a new token each time, the client
  must authenticate to refresh, and a replayed code takes its refresh token down with it
  (RFC 9700 §4.14, RFC 6749 §6 and §4.1.2).

  Background:
    Given the client "web"
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful

  # RFC 9700 §4.14.2: with rotation, each refresh issues a new refresh token (RFC 6749 §6).
  @needs:refresh_rotation @rfc9700-4.14.2 @threat:refresh-token-replay
  Scenario: Each refresh returns a new refresh token
    When the client refreshes the tokens
    Then the refresh token was rotated

  # RFC 6749 §6: a confidential client MUST authenticate to refresh; RFC 9700 §4.14.2 binds
  # the refresh token to the client's authentication.
  @rfc6749-6 @threat:refresh-token-theft
  Scenario: A refresh with the client's id and a wrong secret is refused
    When the client refreshes the tokens with a wrong client secret
    Then the token response is the error "invalid_client"

  # RFC 6749 §4.1.2: on a replayed code the provider SHOULD revoke every token issued from it,
  # the refresh token too (RFC 9700 §4.14).
  @needs:code_replay_revocation @rfc6749-4.1.2 @threat:code-replay
  Scenario: A replayed code revokes the refresh token issued from it
    When the client exchanges the same authorization code again
    And the client refreshes the tokens
    Then the refresh token issued from the replayed code is revoked
