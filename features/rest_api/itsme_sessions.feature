@rest-api @signicat-only @needs:rest_api
Feature: Authentication REST API sessions with itsme
  A backend creates an authentication session (seed 002), sends the end-user to its
  authenticationUrl, and reads the outcome: personal data only when the session succeeded,
  and only the attributes it asked for.

  Background:
    Given the client "rest" has an API token

  Scenario: A session is created with the callback URLs carrying the session id
    When the client creates an itsme session requesting "name, dateOfBirth, nin"
    Then the session is created
    And the JSON value at "$.allowedProviders" contains "itsme"
    And the JSON value at "$.sessionLifetime" is a number
    When the client gets the session
    Then the session status is "CREATED"
    And the session has no subject

  Scenario Outline: A successful session gives only the requested attributes (<attributes>)
    When the client creates an itsme session requesting "<attributes>"
    Then the session is created
    When the end-user completes the itsme journey
    Then the end-user returns to the "success" callback with the session id
    When the client gets the session
    Then the session status is "SUCCESS"
    And the session subject holds only "<attributes>"

    Examples:
      | attributes                         |
      | name, dateOfBirth, nin             |
      | firstName, lastName                |
      | id, idpId, name                    |

  Scenario: The subject's national identity number has its value, country and type
    When the client creates an itsme session requesting "nin"
    And the end-user completes the itsme journey
    And the client gets the session
    Then the session status is "SUCCESS"
    And the JSON value at "$.subject.nin.value" exists
    And the JSON value at "$.subject.nin.issuingCountry" is "BE"
    And the JSON value at "$.subject.nin.type" is "PERSON"

  Scenario: Personal data is not given while the end-user is still in the journey
    When the client creates an itsme session requesting "name, nin"
    And the end-user opens the authentication URL
    And the client gets the session
    Then the session status is "WAITING_FOR_USER"
    And the session has no subject

  Scenario: The client waits for the end-user by polling the session
    When the client creates an itsme session requesting "name"
    And the end-user completes the itsme journey
    And the client polls the session until the status is "SUCCESS"
    Then the session subject holds only "name"

  Scenario: The end-user aborts
    When the client creates an itsme session requesting "name"
    And the end-user aborts the itsme journey
    Then the end-user returns to the "abort" callback with the session id
    When the client gets the session
    Then the session status is "ABORT"
    And the session has no subject

  Scenario: The journey ends in an error
    When the client creates an itsme session requesting "name"
    And the itsme journey ends in an error
    Then the end-user returns to the "error" callback with the session id
    When the client gets the session
    Then the session status is "ERROR"
    And the session has no subject

  Scenario: A cancelled session
    When the client creates an itsme session requesting "name"
    And the client cancels the session
    And the client gets the session
    Then the session status is "CANCELLED"

  Scenario: A session expires after its lifetime
    When the client creates an itsme session requesting "name"
    And the session lifetime passes
    And the client gets the session
    Then the session status is "ERROR"
    And the JSON value at "$.error.code" is "SESSION_EXPIRED"
    And the session has no subject

  Scenario: An unknown identity provider is refused
    When the client creates a session with:
      """
      {"allowedProviders": ["no-such-idp"], "flow": "redirect", "requestedAttributes": ["name"], "callbackUrls": {{callbackUrls}}}
      """
    Then the session is refused for the invalid parameter "allowedProviders"

  Scenario: Callback URLs are required
    When the client creates a session with:
      """
      {"allowedProviders": ["itsme"], "flow": "redirect", "requestedAttributes": ["name"]}
      """
    Then the session is refused for the invalid parameter "callbackUrls"

  Scenario: Calls without a valid API token are refused
    When the client creates an itsme session requesting "name"
    And the client gets the session without an API token
    Then the API answers 401 unauthorized
    When the client gets the session with an invalid API token
    Then the API answers 401 unauthorized

  Scenario: An unknown session is not found
    When the client gets a session that does not exist
    Then the response status is 404
