@security
Feature: Redirect URIs match exactly and errors never redirect elsewhere
  The provider compares the redirect URI with the registered one by exact string comparison
  (RFC 9700 §2.1 and §4.1.3): any alteration gets the provider's own error page, never a login
  (which would end in a redirect to the attacker) and never a redirect. A request that it cannot
  trust to a redirect URI is never sent anywhere (RFC 6749 §4.1.2.1, RFC 9700 §4.11.2).

  Background:
    Given the client "web"

  # RFC 9700 §4.1.3: redirect URIs are compared by simple string comparison (RFC 3986 §6.2.1);
  # RFC 6749 §4.1.2.1: on a mismatching redirect URI the provider MUST NOT redirect.
  @rfc9700-4.1 @threat:redirect-uri-manipulation
  Scenario Outline: A redirect URI <alteration> is refused without a redirect
    When an attacker sends the authorization request with the redirect URI <alteration>
    Then the provider refuses the request without redirecting

    Examples:
      | alteration                |
      | with a path appended      |
      | in another case           |
      | with a query added        |
      | on another port           |
      | behind the userinfo trick |
      | over plain http           |

  # RFC 6749 §4.1.2.1: when the client identifier is invalid the provider MUST NOT redirect,
  # even to a URI another client registered (RFC 9700 §4.11.2: no open redirector).
  @rfc9700-4.11.2 @threat:open-redirect
  Scenario: An unknown client's request is refused without a redirect, even to a registered URI
    When the client starts an authorization request with:
      | client_id | idflow-unknown-client |
    Then the provider refuses the request without redirecting

  # RFC 9700 §4.11.2 and RFC 6749 §4.1.2.1: a request with an unregistered redirect URI is
  # refused on the provider's page whatever else is wrong with it; its error never goes there.
  @rfc9700-4.11.2 @threat:open-redirect
  Scenario: A request with an unregistered redirect URI and another error is refused without a redirect
    When the client starts an authorization request with:
      | redirect_uri  | https://attacker.idflow.test/steal |
      | response_type | unsupported_type                   |
    Then the provider refuses the request without redirecting
