@oidc
Feature: UserInfo
  The UserInfo endpoint returns claims about the end-user for a valid access token, by GET
  or POST, and refuses anything else with a Bearer challenge (RFC 6750 §3).

  Background:
    Given the client "web"
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code

  Scenario Outline: UserInfo answers <method> requests
    When the client calls the userinfo endpoint with <method>
    Then the userinfo response is successful
    And the userinfo sub equals the ID token sub
    And the userinfo response forbids caching
    And the JSON value at "$.given_name" is "{{users.alice.claims.given_name}}"

    Examples:
      | method |
      | GET    |
      | POST   |

  Scenario: An access token the provider never issued is refused
    When the client calls the userinfo endpoint with an invalid access token
    Then the userinfo request is rejected as unauthorized
    And the response header "WWW-Authenticate" matches "^Bearer .*error=\"invalid_token\""

  Scenario: The generic HTTP steps reach UserInfo too
    When the client fetches the provider's discovery document
    Given a POST request to "{{discovery.userinfo_endpoint}}"
    And the request uses the access token
    And the request header "Accept" is "application/json"
    When the request is sent
    Then the response status is 200
    And the JSON value at "$.sub" is a string
    And the JSON value at "$.nin" is absent
    And the client saves the JSON value at "$.sub" as "subject"
    And the variable "subject" is "{{users.alice.sub}}"

  # oidcc-userinfo-post-body: the access token as the form parameter access_token. Resource
  # servers MAY support it (RFC 6750 §2.2; OpenID Connect Core §5.3.1 requires only a Bearer
  # token per RFC 6750 §2), so it is a capability.
  @needs:userinfo_token_in_body
  Scenario: UserInfo accepts the access token in a POST body
    When the client calls the userinfo endpoint with the access token in a POST body
    Then the userinfo response is successful
    And the userinfo sub equals the ID token sub
