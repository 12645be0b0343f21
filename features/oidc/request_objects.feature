@oidc @needs:request_objects
Feature: Request objects
  The client sends its authorization request as a JWT, the request object (RFC 9101, OpenID
  Connect Core §6, seed 003's `request` parameter): signed with the client's private key
  (RS256) or its secret (HS256), or unsigned; by value (`request`) or by reference
  (`request_uri`, hosted by the run on 127.0.0.1 and fetched by the provider). The provider
  honours a well-formed object and refuses a malformed one before any end-user sees a page.
  Client "jwt" is registered for objects signed RS256; client "web" for none in particular.

  # RFC 9101 §5.1, OpenID Connect Core §6.1: a request object passed by value, signed with
  # the client's registered key; the object's nonce and PKCE challenge carry through.
  Scenario: A request object signed RS256 with the client's key is honoured
    Given the client "jwt"
    When the client sends the authorization request in a request object signed with RS256
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    And the ID token is valid

  # OpenID Connect Core §6.1 and §10.1: a request object MACed with the client secret (HS256).
  Scenario: A request object signed HS256 with the client secret is honoured
    Given the client "web"
    When the client sends the authorization request in a request object signed with HS256
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    And the ID token is valid

  # OpenID Connect Core §6.1: a request object MAY be unsigned (alg none) for a client not
  # registered for a signing algorithm. Basic OP plan: oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported.
  @needs:unsigned_request_objects
  Scenario: An unsigned request object is honoured
    Given the client "web"
    When the client sends the authorization request in an unsigned request object
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    And the ID token is valid

  # RFC 9101 §5.2 and §6.2, OpenID Connect Core §6.2: the provider fetches the object from
  # the request_uri (the fetch is recorded under the step). Basic OP plan: oidcc-request-uri-signed-rs256.
  @needs:request_uri
  Scenario: A request object passed by reference is fetched and honoured
    Given the client "jwt"
    When the client sends the authorization request by reference in a request object signed with RS256
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    And the ID token is valid

  # OpenID Connect Core §6.1 and RFC 9101 §4: a signed request object MAY be encrypted to the
  # provider's key (nested JWT, RFC 7519 §5.2): RSA-OAEP with A256GCM, the key from its JWKS.
  @needs:encrypted_request_objects
  Scenario: A signed request object encrypted to the provider's key is honoured
    Given the client "jwt"
    When the client sends the authorization request in an encrypted request object signed with RS256
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    And the ID token is valid

  # RFC 9101 §6.3 and OpenID Connect Core §6.3.3: the parameters inside the object are used,
  # not the same parameters outside it; the ID token carries the object's nonce.
  Scenario: The request object's parameters win over the same parameters outside it
    Given the client "jwt"
    When the client sends a request object signed with RS256 beside the query parameters:
      | name  | value                          |
      | nonce | a-different-nonce-outside-it   |
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid

  # RFC 9101 §6.2, OpenID Connect Core §6.3.2: the signature MUST be validated.
  Scenario: A request object whose signature does not verify is refused
    Given the client "jwt"
    When the client sends a request object signed with RS256 whose signature is altered
    Then the provider refuses the request object

  # RFC 7519 §4.1.3, RFC 9101 §4: an object whose aud is not the provider is rejected.
  Scenario: A request object for another audience is refused
    Given the client "jwt"
    When the client sends a request object signed with RS256 whose claims are:
      | name | value                         |
      | aud  | https://another-provider.test |
    Then the provider refuses the request object

  # RFC 9101 §4, OpenID Connect Core §6.1: a signed object's iss is the client id.
  Scenario: A request object issued by someone else is refused
    Given the client "jwt"
    When the client sends a request object signed with RS256 whose claims are:
      | name | value                 |
      | iss  | someone-else-entirely |
    Then the provider refuses the request object

  # RFC 7519 §4.1.4: an expired JWT MUST NOT be accepted.
  Scenario: An expired request object is refused
    Given the client "jwt"
    When the client sends a request object signed with RS256 whose claims are:
      | name | value |
      | iat  | -600  |
      | nbf  | -600  |
      | exp  | -300  |
    Then the provider refuses the request object

  # RFC 9101 §5 and §6.3, OpenID Connect Core §6.1: client_id inside the object MUST match the
  # one outside it.
  Scenario: A request object whose client_id contradicts the request is refused
    Given the client "jwt"
    When the client sends a request object signed with RS256 whose claims are:
      | name      | value                 |
      | client_id | someone-else-entirely |
    Then the provider refuses the request object

  # OpenID Connect Core §6.1: response_type outside the object MUST match the one inside it.
  Scenario: A request object whose response_type contradicts the request is refused
    Given the client "jwt"
    When the client sends a request object signed with RS256 beside the query parameters:
      | name          | value    |
      | response_type | id_token |
    Then the provider refuses the request object

  # OpenID Connect Dynamic Client Registration §2 (request_object_signing_alg): objects from a
  # client registered for RS256 MUST be rejected when not signed with it, alg none included.
  Scenario: An unsigned request object from a client registered for RS256 is refused
    Given the client "jwt"
    When the client sends the authorization request in an unsigned request object
    Then the provider refuses the request object
