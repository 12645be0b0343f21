@mobileid @signicat-only @needs:mobileid
Feature: MobileID backend-initiated operations: finalise
  After a MobileID operation runs on the end-user's device, the client polls the operation's
  status URL until it is COMPLETED, then follows the complete URL through every redirect to
  get the authorization code (seed 000), exchanges it and reads the device properties.

  Background:
    Given the client "ciba"
    And a MobileID user "carol" with a registered device

  Scenario: A registration is finalised and UserInfo names the registration
    Given a MobileID registration operation for the user
    When the end-user completes the operation on the device
    And the client polls "{{operation.status_url}}" every 1 second at most 10 times until the JSON value at "$.status" is "COMPLETED"
    And the client follows the complete URL
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    When the client calls the userinfo endpoint with GET
    Then the userinfo response is successful
    And the JSON value at "$.name" is "{{users.carol.mobileid.external_ref}}"

  Scenario: An authentication is finalised and UserInfo gives the device properties
    Given a MobileID authentication operation for the user
    When the end-user completes the operation on the device
    And the client polls "{{operation.status_url}}" every 1 second at most 10 times until the JSON value at "$.status" is "COMPLETED"
    And the client follows the complete URL
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    And the ID token is valid
    When the client calls the userinfo endpoint with GET
    Then the userinfo sub equals the ID token sub
    And the JSON value at "$.externalRef" is "{{users.carol.mobileid.external_ref}}"
    And the JSON value at "$.deviceName" is "{{users.carol.mobileid.device_name}}"

  Scenario: The status stays PENDING until the end-user answers
    Given a MobileID authentication operation for the user
    When the client sends a GET request to "{{operation.status_url}}"
    Then the JSON value at "$.status" is "PENDING"

  Scenario: The end-user does not complete the operation
    Given a MobileID authentication operation for the user
    When the end-user does not complete the operation on the device
    And the client polls "{{operation.status_url}}" every 1 second at most 10 times until the JSON value at "$.status" is "COMPLETED"
    And the client follows the complete URL
    Then the client is not redirected to its redirect URI
    And the JSON value at "$.status" is "ERROR"
    And the JSON value at "$.data" contains "did not complete the login"

  Scenario: Following the complete URL with Accept: application/json gets no code (the documented pitfall)
    Given a MobileID authentication operation for the user
    When the end-user completes the operation on the device
    And the client polls "{{operation.status_url}}" every 1 second at most 10 times until the JSON value at "$.status" is "COMPLETED"
    And the client follows the complete URL asking for JSON
    Then the client is not redirected to its redirect URI
    And the JSON value at "$.code" is absent
