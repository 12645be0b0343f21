@oidc
Feature: Scopes and the claims they release
  The scope values profile, email, address and phone request sets of claims (OpenID Connect
  Core §5.4), returned from UserInfo (§5.3.2) and allowed in the ID token; the claims
  parameter requests single claims (§5.5). The end-user's claims on each target are the
  environment's (`users.NAME.claims`); a provider releases what a scope requests and nothing
  that was not requested. Each scenario is a module of the OpenID Foundation's basic OP
  certification plan.

  Background:
    Given the client "web"

  # oidcc-scope-profile, oidcc-scope-email, oidcc-scope-address, oidcc-scope-phone,
  # oidcc-scope-all (OpenID Connect Core §5.4).
  Scenario Outline: The <scope> scope releases its claims and no others
    When the client starts an authorization request with:
      | scope | openid <scope> |
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid
    When the client calls the userinfo endpoint with GET
    Then the userinfo response is successful
    And the end-user's claims of the requested scopes are released
    And no claim of a scope that was not requested is released

    Examples:
      | scope                       |
      | profile                     |
      | email                       |
      | address                     |
      | phone                       |
      | profile email address phone |

  # oidcc-claims-essential: a claim requested as essential through the claims parameter
  # (OpenID Connect Core §5.5, §5.5.1); support for the claims parameter is OPTIONAL.
  @needs:claims_parameter
  Scenario: A claim requested as essential is returned from UserInfo
    When the client starts an authorization request with:
      | scope  | openid                                         |
      | claims | {"userinfo": {"name": {"essential": true}}} |
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid
    When the client calls the userinfo endpoint with GET
    Then the userinfo response is successful
    And the end-user's claim "name" is released as requested
