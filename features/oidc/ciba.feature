@ciba @needs:ciba
Feature: Client-initiated backchannel authentication (CIBA Core 1.0, poll mode)
  A backend asks the provider to authenticate a known user on their own device and polls
  the token endpoint for the answer. (Signicat offers CIBA as MobileID only; see
  features/mobileid/ciba.feature. These scenarios run against providers with generic CIBA.)

  Background:
    Given the client "ciba"

  Scenario: The end-user approves and the client receives valid tokens
    When the client starts a CIBA request for "alice" with binding message "Approve the login?"
    Then the CIBA request is accepted
    When the end-user approves it on the device
    And the client polls the token endpoint until the request is answered
    Then the client receives the tokens
    And the ID token is valid
    And the ID token claim "sub" is "{{users.alice.sub}}"

  Scenario: The end-user denies and polling stops at once
    When the client starts a CIBA request for "alice" with binding message "Approve the login?"
    And the end-user denies it on the device
    And the client polls the token endpoint until the request is answered
    Then polling stops with "access_denied"
    And the client polled 1 times

  Scenario: An auth_req_id can be redeemed only once
    When the client starts a CIBA request for "alice" with binding message "Approve the login?"
    And the end-user approves it on the device
    And the client polls the token endpoint until the request is answered
    Then the client receives the tokens
    When the client redeems the auth_req_id again
    Then the token response is the error "invalid_grant"
