Feature: Our relying party's view of the provider
  Scenario: The provider offers what our client needs
    Given the client "shop"
    When the client fetches the provider's discovery document
    Then the response status is 200
    And the provider offers the response type "code"

  Scenario: Our customers can sign in
    Given the client "shop"
    When the client starts an authorization request
    And the end-user logs in as "customer"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid
