@oidc @needs:refresh_tokens
Feature: Refresh tokens
  The client keeps the end-user signed in by exchanging its refresh token for new tokens
  (OpenID Connect Core §12). A provider that rotates refresh tokens lets each one work once.

  Background:
    Given the client "web"
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful

  # OpenID Connect Core §12.2: a refresh response might not contain an id_token; when it does,
  # its iss, sub and aud MUST be the original's. Either way the refreshed access token MUST
  # still stand for the same end-user: UserInfo names the sub of the ID token the client holds.
  Scenario: A refresh gives new tokens for the same end-user
    When the client refreshes the tokens
    Then the token response is successful
    And the refreshed ID token is valid
    And the refreshed ID token keeps the identity of the original
    When the client calls the userinfo endpoint with GET
    Then the userinfo response is successful
    And the userinfo sub equals the ID token sub

  @needs:refresh_rotation
  Scenario: A rotated-out refresh token is rejected
    When the client refreshes the tokens
    Then the token response is successful
    When the client refreshes with the rotated-out refresh token
    Then the token response is the error "invalid_grant"

  Scenario: Another client cannot use this client's refresh token
    When the client "post" uses the refresh token of this client
    Then the token response is the error "invalid_grant"

  # RFC 9700 §4.14.2 (best current practice): a reused refresh token means it was stolen, so
  # the provider revokes the whole family.
  @needs:refresh_rotation @needs:refresh_family_revocation
  Scenario: Reusing a rotated-out refresh token revokes the tokens that replaced it
    When the client refreshes the tokens
    Then the token response is successful
    When the client refreshes with the rotated-out refresh token
    And the client refreshes the tokens
    Then the refresh token family is revoked
