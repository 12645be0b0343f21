@oidc @needs:sessions
Feature: Sessions, re-authentication and auth_time
  With a live session the provider may sign the end-user in again without asking; prompt,
  max_age and id_token_hint tell it when it must ask again (OpenID Connect Core §3.1.2.1).
  auth_time is the time the end-user last authenticated (§2), so it stays the same while a
  session is reused and moves when the end-user logs in again. Waiting uses the run's clock:
  against the simulator it costs nothing. Each scenario is a module of the OpenID Foundation's
  basic OP certification plan.

  Background:
    Given the client "web"
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid

  # oidcc-prompt-none-logged-in: with a session, prompt=none signs in silently and auth_time
  # is the first sign-in's (OpenID Connect Core §3.1.2.1, §2).
  Scenario: prompt=none with a live session signs in silently and keeps auth_time
    When the client starts an authorization request with:
      | prompt | none |
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid
    And the ID token's auth_time is the previous sign-in's

  # oidcc-prompt-login: "The Authorization Server SHOULD prompt the End-User for
  # reauthentication" (OpenID Connect Core §3.1.2.1, prompt=login).
  Scenario: prompt=login makes the end-user log in again
    When 2 seconds pass
    And the client starts an authorization request with:
      | prompt | login |
    Then the provider shows its login form
    When the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid
    And the ID token's auth_time is later than the previous sign-in's

  # oidcc-max-age-1: "If the elapsed time is greater than this value, the OP MUST attempt to
  # actively re-authenticate the End-User" and the ID token MUST carry auth_time
  # (OpenID Connect Core §3.1.2.1, max_age).
  Scenario: max_age=1 after two seconds makes the end-user log in again
    When 2 seconds pass
    And the client starts an authorization request with:
      | max_age | 1 |
    Then the provider shows its login form
    When the end-user logs in as "alice"
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid
    And the ID token's auth_time is later than the previous sign-in's

  # oidcc-max-age-10000: within max_age the session is reused and auth_time, which MUST be
  # present, is the first sign-in's (OpenID Connect Core §3.1.2.1, §2).
  Scenario: max_age=10000 reuses the session and reports the first auth_time
    When 2 seconds pass
    And the client starts an authorization request with:
      | max_age | 10000 |
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid
    And the ID token's auth_time is the previous sign-in's

  # oidcc-id-token-hint: the previous ID token as id_token_hint with prompt=none gives a
  # positive response for the same end-user (OpenID Connect Core §3.1.2.1, id_token_hint).
  Scenario: The previous ID token as id_token_hint signs the same end-user in silently
    When the client starts an authorization request with prompt=none and the ID token as id_token_hint
    Then the client receives an authorization code
    When the client exchanges the authorization code
    Then the ID token is valid
    And the ID token's sub is the previous sign-in's
