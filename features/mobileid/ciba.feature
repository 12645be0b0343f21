@mobileid @ciba @signicat-only @needs:mobileid
Feature: MobileID over CIBA
  A backend starts a MobileID authentication on the end-user's registered device with a
  backchannel request (CIBA Core, poll mode; seed 001), shows a binding message on the
  phone, and polls the token endpoint until the end-user answers.

  Background:
    Given the client "ciba"
    And a MobileID user "carol" with a registered device

  Scenario: The end-user approves and the ID token carries the MobileID claims
    When the client starts a CIBA request with binding message "Do you want to transfer $300 to Jane?"
    Then the CIBA request is accepted
    When the end-user approves it on the device
    And the client polls the token endpoint until the request is answered
    Then the client receives the tokens
    And the ID token is valid
    And the ID token claim "acr" is "idp:mobileid"
    And the ID token claim "mobileid_user_id" is "{{users.carol.mobileid.user_id}}"
    And the ID token claim "mobileid_device_id" is "{{users.carol.mobileid.device_id}}"
    And the ID token claim "mobileid_binding_message" is "Do you want to transfer $300 to Jane?"
    And the ID token claim "mobileid_risk_attributes" is absent

  Scenario: With mobileid-extra the ID token also carries the extra claims
    When the client starts a CIBA request with:
      | scope           | openid mobileid mobileid-extra        |
      | binding_message | Log in to the bank?                   |
      | acr_values      | idp:mobileid authLevel:TWO_FACTOR authMethod:DEVICE_PIN sendPush:true |
    Then the CIBA request is accepted
    When the end-user approves it on the device
    And the client polls the token endpoint until the request is answered
    Then the client receives the tokens
    And the ID token is valid
    And the ID token claim "mobileid_device_id" is "{{users.carol.mobileid.device_id}}"
    And the ID token claim "mobileid_binding_message" is "Log in to the bank?"
    And the ID token claim "mobileid_auth_method" is "DEVICE_PIN"
    And the ID token claim "mobileid_risk_attributes" exists
    And the ID token claim "mobileid_pre_operation_context_mime_type" is "text/plain"

  Scenario: The end-user denies the request and polling stops at once
    When the client starts a CIBA request with binding message "Approve the login?"
    And the end-user denies it on the device
    And the client polls the token endpoint until the request is answered
    Then polling stops with "access_denied"
    And the client polled 1 times

  Scenario: The end-user never answers and the request expires
    When the client starts a CIBA request with:
      | binding_message   | Approve the login? |
      | requested_expiry  | 30                 |
    Then the CIBA request is accepted
    When the client polls the token endpoint until the request is answered
    Then polling ends without tokens when the request expires
    When the client polls after the request has expired
    Then the token response is the error "expired_token"

  @signicat-only
  Scenario: A client that polls too early is told to slow down, and waits 5 s more
    When the client starts a CIBA request with binding message "Approve the login?"
    And the client polls too early
    Then the token response is the error "slow_down"
    When the end-user approves it on the device after 2 polls
    And the client polls the token endpoint until the request is answered
    Then the client receives the tokens
    And every poll came at least 10 seconds after the previous one

  Scenario: An unknown MobileID user is refused
    When the client starts a CIBA request with:
      | login_hint      | userId:00000000-0000-0000-0000-000000000000 deviceId:00000000-0000-0000-0000-000000000000 |
      | binding_message | Approve the login? |
    Then the CIBA request is rejected with "unknown_user_id"

  Scenario: A binding message the device cannot show is refused
    When the client starts a CIBA request with:
      | binding_message | line one\nline two |
    Then the CIBA request is rejected with "invalid_binding_message"

  Scenario: An auth_req_id can be redeemed only once, and only by its client
    When the client starts a CIBA request with binding message "Approve the login?"
    And the end-user approves it on the device
    And the client "web" redeems the auth_req_id of this client
    Then the token response is the error "invalid_grant"
    When the client polls the token endpoint until the request is answered
    Then the client receives the tokens
    When the client redeems the auth_req_id again
    Then the token response is the error "invalid_grant"
