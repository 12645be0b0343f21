@oidc
Feature: The authorization request's optional parameters
  A provider accepts every parameter OpenID Connect Core §3.1.2.1 defines, ignores those it
  does not understand, and still signs the end-user in. Each scenario is one module of the
  OpenID Foundation's basic OP certification plan (named in the comment above it).

  Background:
    Given the client "web"

  # oidcc-ensure-request-without-nonce-succeeds-for-code-flow: nonce is OPTIONAL in the code
  # flow (OpenID Connect Core §3.1.2.1); the ID token then carries no nonce (§3.1.3.7 item 11).
  Scenario: A code flow request without a nonce succeeds
    When the client starts an authorization request with:
      | nonce | (omitted) |
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the token response is successful
    And the ID token is valid

  # oidcc-ensure-request-with-unknown-parameter-succeeds: "the Authorization Server MUST ignore
  # unrecognized request parameters" (OpenID Connect Core §3.1.2.1, RFC 6749 §3.1).
  Scenario: An unknown request parameter is ignored
    When the client starts an authorization request with:
      | idflow_unknown_parameter | anything |
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid

  # oidcc-ensure-other-scope-order-succeeds: scope is a space-delimited, order-free list
  # (RFC 6749 §3.3).
  Scenario: The scope values may come in any order
    When the client starts an authorization request with:
      | scope | email openid |
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid

  # oidcc-display-page and oidcc-display-popup: display is OPTIONAL and an OP that does not
  # support a value ignores it (OpenID Connect Core §3.1.2.1).
  Scenario Outline: The display parameter <display> is accepted
    When the client starts an authorization request with:
      | display | <display> |
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid

    Examples:
      | display |
      | page    |
      | popup   |

  # oidcc-ui-locales and oidcc-claims-locales: preferences, not errors when unsupported
  # (OpenID Connect Core §3.1.2.1, §5.2).
  Scenario Outline: The <parameter> parameter is accepted
    When the client starts an authorization request with:
      | <parameter> | se |
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid

    Examples:
      | parameter      |
      | ui_locales     |
      | claims_locales |

  # oidcc-login-hint: a hint the OP MAY use (OpenID Connect Core §3.1.2.1).
  Scenario: A login_hint is accepted
    When the client starts an authorization request with:
      | login_hint | {{users.alice.username}} |
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid

  # oidcc-ensure-request-with-acr-values-succeeds: acr_values is a voluntary request; an OP
  # that cannot satisfy it still authenticates (OpenID Connect Core §3.1.2.1, §5.5.1.1).
  Scenario: A request with acr_values succeeds
    When the client starts an authorization request with:
      | acr_values | 1 2 |
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid

  # oidcc-ensure-post-request-succeeds: "Authorization Servers MUST support the use of the
  # HTTP GET and POST methods" at the authorization endpoint (OpenID Connect Core §3.1.2.1).
  # One verdict, so that a provider documenting the deviation (`deviations:
  # authorization_post_unsupported`) gets a warning here, not a failure further on.
  Scenario: The authorization endpoint accepts a request sent by POST
    When the client starts an authorization request by POST
    Then the provider accepts the authorization request sent by POST

  # oidcc-response-type-missing: response_type is REQUIRED (RFC 6749 §4.1.1); the OP answers
  # invalid_request (§4.1.2.1) or shows an error, and never issues a code.
  Scenario: A request without response_type is refused
    When the client starts an authorization request with:
      | response_type | (omitted) |
    Then the provider refuses the request for its missing response_type
