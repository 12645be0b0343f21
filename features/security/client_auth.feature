@security
Feature: Client credentials travel only where they may
  A client secret in a URL ends up in server logs and proxies; the token endpoint refuses it
  there (RFC 6749 §2.3.1).

  # RFC 6749 §2.3.1: client_id and client_secret "MUST NOT be included in the request URI".
  @rfc6749-2.3.1 @threat:credential-leakage
  Scenario: Client credentials in the token endpoint's query string are refused
    Given the client "post"
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code with its secret in the query string
    Then the token endpoint refuses the secret in the query string
