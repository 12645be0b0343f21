@security
Feature: Codes, tokens and errors only where the response mode puts them
  The code flow's redirect carries a code and nothing more, and an error goes where the
  request's response mode says (RFC 9700 §4.3, OAuth 2.0 Multiple Response Type Encoding
  Practices §2.1 and §5): a token in a URL leaks through logs, history and Referer.

  # OAuth 2.0 Multiple Response Type Encoding Practices §2.1: response_type=code answers with
  # a code only; RFC 9700 §4.3: access tokens never in the authorization response's URL.
  @rfc9700-4.3 @threat:token-leakage
  Scenario: The code flow's redirect carries the code and no token
    Given the client "web"
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    And the authorization response carries no token

  # RFC 9700 §4.2.1 and §4.2.4: a code in a page (its URL or content) leaks through the Referer
  # of the page's links and resources; the provider hands it over in the redirect only (a
  # best practice: a provider with an interstitial page is warned).
  @rfc9700-4.2 @threat:referer-leakage
  Scenario: No page on the way to the client holds the authorization code
    Given the client "web"
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    And no page before the redirect holds the authorization code

  # RFC 6749 §4.2.2.1 and Multiple Response Type Encoding Practices §5: an error of a request
  # answered in the fragment comes in the fragment, with nothing in the query.
  @needs:implicit @rfc6749-4.2.2.1 @threat:token-leakage
  Scenario: An error of a request answered in the fragment comes in the fragment
    Given the client "spa"
    When the client starts an authorization request with:
      | response_type | id_token token |
      | prompt        | none           |
    Then the authorization response is the error "login_required"
