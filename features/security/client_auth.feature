@security
Feature: Client credentials travel only where they may
  The token endpoint serves only a client it authenticates (RFC 6749 §3.2.1), and a client
  secret in a URL ends up in server logs and proxies, so it refuses it there (RFC 6749 §2.3.1).

  # RFC 6749 §3.2.1 and §5.2: the token endpoint authenticates the client; an unknown client
  # is invalid_client, whatever code it brings (the code's client is not a credential).
  @rfc6749-3.2.1 @threat:client-impersonation
  Scenario: A token request from an unknown client is refused
    Given the client "web"
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code as an unknown client
    Then the token response is the error "invalid_client"

  # RFC 6749 §2.3.1: client_id and client_secret "MUST NOT be included in the request URI".
  @rfc6749-2.3.1 @threat:credential-leakage
  Scenario: Client credentials in the token endpoint's query string are refused
    Given the client "post"
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code with its secret in the query string
    Then the token endpoint refuses the secret in the query string
