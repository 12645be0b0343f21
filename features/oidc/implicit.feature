@oidc @needs:implicit
Feature: Implicit flow
  A browser application receives the ID token and access token directly in the URL
  fragment (response_type "id_token token"; seed 004 misspells it "id token token").
  The nonce is mandatory, and at_hash binds the access token to the ID token.

  Background:
    Given the client "spa"

  Scenario: Tokens arrive in the fragment and are verified
    When the client starts an authorization request with:
      | response_type | id_token token |
    And the end-user logs in as "bob"
    Then the client receives an ID token and an access token in the fragment
    And the ID token is valid
    And the ID token claim "at_hash" exists
    When the client calls the userinfo endpoint with GET
    Then the userinfo response is successful
    And the userinfo sub equals the ID token sub

  Scenario: An implicit request without a nonce is rejected
    When the client starts an authorization request with:
      | response_type | id_token token |
      | nonce         | (omitted)      |
    Then the authorization response is the error "invalid_request"
