@oidc
Feature: Authorization code flow
  A confidential client signs the end-user in with the authorization code flow
  (OpenID Connect Core §3.1, Signicat's /auth/open/connect endpoints): the provider
  authenticates the end-user, redirects back with a single-use code, and the client
  exchanges it for tokens that it verifies before trusting them.

  Background:
    Given the client "web"

  Scenario: The provider publishes its configuration under the expected issuer
    When the client fetches the provider's discovery document
    Then the response status is 200
    And the JSON value at "$.issuer" is "{{issuer}}"
    And the JSON value at "$.code_challenge_methods_supported" contains "S256"
    And the JSON value at "$.id_token_signing_alg_values_supported" contains "RS256"
    And the JSON value at "$.response_types_supported" contains "code"

  Scenario: The end-user signs in and the client verifies every token
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    And the ID token is valid
    And the ID token claim "sub" is "{{users.alice.sub}}"
    And the ID token claim "exp" is within 3600 seconds from now
    And the ID token claim "iat" is at most 60 seconds ago
    And the ID token header "alg" is "RS256"
    When the client calls the userinfo endpoint with GET
    Then the userinfo response is successful
    And the userinfo sub equals the ID token sub
    And the JSON value at "$.email" is "{{users.alice.claims.email}}"

  Scenario Outline: The client authenticates at the token endpoint with <method>
    Given the client "<client>"
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code using <method>
    Then the token response is successful
    And the ID token is valid

    Examples:
      | client | method              |
      | web    | client_secret_basic |
      | post   | client_secret_post  |

  Scenario: Every parameter of Signicat's authorization request is accepted
    When the client starts an authorization request with:
      | name             | value             |
      | prompt           | login             |
      | max_age          | 300               |
      | ui_locales       | nb en             |
      | login_hint       | alice             |
      | acr_values       | urn:signicat:oidc:method:sbid |
      | signicat_profile | default           |
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    And the ID token is valid
    And the ID token claim "auth_time" is at most 300 seconds ago

  # acr_values is a voluntary request (OpenID Connect Core §3.1.2.1); Signicat honours it.
  @needs:acr_values
  Scenario: The requested authentication method is reported in acr
    When the client starts an authorization request with:
      | acr_values | urn:signicat:oidc:method:sbid |
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid
    And the ID token claim "acr" is "urn:signicat:oidc:method:sbid"

  @needs:sessions
  Scenario: A second sign-in with a live session and prompt=none needs no login
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client starts an authorization request with:
      | prompt | none |
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid

  # RFC 6749 §10.10: tokens MUST be unguessable; an access token handed out again to a later
  # grant was predictable, and revoking one grant would revoke the other.
  Scenario: Each grant gets an access token of its own
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    When the client starts an authorization request with:
      | prompt | login |
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    And the two access tokens differ

  # RFC 6749 §4.1.2: the client MUST NOT use a code more than once, and the provider MUST
  # deny a second request.
  Scenario: An authorization code can be redeemed only once
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    When the client exchanges the same authorization code again
    Then the token response is the error "invalid_grant"

  # oidcc-codereuse-30seconds: a code stays spent however long the client waits (RFC 6749
  # §4.1.2: the client MUST NOT use it more than once; the provider MUST deny a second use).
  Scenario: An authorization code is still refused 30 seconds after its redemption
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    When 30 seconds pass
    And the client exchanges the same authorization code again
    Then the token response is the error "invalid_grant"

  # RFC 6749 §4.1.2: the provider SHOULD revoke the tokens issued from a replayed code.
  @needs:code_replay_revocation
  Scenario: A replayed code revokes the tokens issued from it
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    When the client exchanges the same authorization code again
    And the client calls the userinfo endpoint with GET
    Then the access token issued from the replayed code is revoked

  Scenario: A wrong client secret is refused
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code with a wrong client secret
    Then the token response is the error "invalid_client"

  Scenario: A redirect URI that was never registered gets an error page, never a redirect
    When the client starts an authorization request with:
      | redirect_uri | https://attacker.idflow.test/steal |
    Then the provider shows an error page instead of redirecting

  Scenario: A wrong PKCE verifier is refused
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code with a wrong PKCE verifier
    Then the token response is the error "invalid_grant"

  Scenario: The client detects a tampered state
    When the client starts an authorization request
    And the end-user logs in as "alice"
    And an attacker replaces the state in the authorization response
    Then the client rejects the authorization response because the state does not match

  # oidcc-prompt-none-not-logged-in: the OP MUST NOT show a page and answers with an error
  # (OpenID Connect Core §3.1.2.1, prompt=none): "typically login_required,
  # interaction_required, or another code defined in Section 3.1.2.6"; the conformance suite
  # accepts login_required, interaction_required, account_selection_required, consent_required.
  Scenario: prompt=none without a session answers with an error requiring interaction
    When the client starts an authorization request with:
      | prompt | none |
    Then the authorization response is an error requiring the end-user's interaction

  @needs:consent_deny
  Scenario: The end-user denies consent
    When the client starts an authorization request
    And the end-user logs in as "alice" and denies consent
    Then the authorization response is the error "access_denied"

  @needs:password_check
  Scenario: A wrong password is refused and the login form is shown again
    When the client starts an authorization request
    And the end-user tries to log in as "alice" with a wrong password
    Then the provider shows its login form

  @needs:sessions
  Scenario: prompt=login asks a signed-in end-user to log in again
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client starts an authorization request with:
      | prompt | login |
    Then the provider shows its login form

  @signicat-only
  Scenario: A token request sent as JSON is refused (seed 000 shows the wrong Content-Type)
    When the client fetches the provider's discovery document
    Given a POST request to "{{discovery.token_endpoint}}"
    And the request uses Basic authentication as client "web"
    And the request JSON body is:
      """
      {"grant_type": "authorization_code", "code": "anything", "redirect_uri": "https://rp.idflow.test/callback"}
      """
    When the request is sent
    Then the response status is 400
    And the JSON value at "$.error" is "invalid_request"
