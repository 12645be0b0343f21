@security
Feature: Mix-up defence through the issuer in the authorization response
  A client that talks to several providers learns from `iss` which one answered, so an
  attacker's provider cannot make it send a code to the wrong token endpoint (RFC 9207,
  RFC 9700 §4.4.2).

  Background:
    Given the client "web"
    When the client starts an authorization request
    And the end-user logs in as "alice"

  # RFC 9207 §2: a provider supporting it includes iss, equal to its issuer identifier, in
  # every authorization response.
  @needs:authorization_response_iss @rfc9207-2 @threat:mix-up
  Scenario: The authorization response names its issuer
    Then the authorization response names the issuer

  # RFC 9207 §2.4: the client MUST compare iss with the issuer it sent the request to and
  # reject a mismatch (a client-side defence: idflow's own check, proven by its unit tests).
  @rfc9207-2.4 @threat:mix-up
  Scenario: The client rejects an authorization response that names another issuer
    And an attacker replaces the issuer in the authorization response with "https://attacker.idflow.test"
    Then the client rejects the authorization response because the issuer does not match
