@ciba @needs:ciba
Feature: Client-initiated backchannel authentication (CIBA Core 1.0, poll mode)
  A backend asks the provider to authenticate a known user on their own device and polls
  the token endpoint for the answer. These scenarios run against providers with generic CIBA
  (login_hint: any user's login name); Signicat's MobileID flavour is in
  features/mobileid/ciba.feature. The checks follow the OpenID Foundation's FAPI-CIBA plan and
  go beyond it; each scenario names the clause it tests.

  Background:
    Given the client "ciba"

  # CIBA Core §7.1–§7.3, §10.1, §10.2: the whole flow, approved.
  Scenario: The end-user approves and the client receives valid tokens
    When the client starts a CIBA request for "alice" with binding message "Approve the login?"
    Then the CIBA request is accepted
    When the end-user approves it on the device
    And the client polls the token endpoint until the request is answered
    Then the client receives the tokens
    And the ID token is valid
    And the ID token claim "sub" is "{{users.alice.sub}}"

  # CIBA Core §7.3: auth_req_id and expires_in REQUIRED (a positive integer), interval a positive
  # integer when present; above 60 s it is flagged as a best practice (the spec sets no bound).
  Scenario: The acknowledgement names the request's lifetime and a sane polling interval
    When the client starts a CIBA request for "alice" with binding message "Approve the login?"
    Then the CIBA request is accepted

  # CIBA Core §11: before the end-user answers, a poll gets authorization_pending (or slow_down).
  Scenario: The first poll is told the request is still pending
    When the client starts a CIBA request for "alice" with binding message "Approve the login?"
    And the client polls the token endpoint once
    Then the poll is answered with "authorization_pending or slow_down"

  # CIBA Core §7.1: requested_expiry is a positive integer; form-encoded, it arrives as text.
  Scenario: A requested expiry sent in the form is accepted
    When the client starts a CIBA request for "alice" with:
      | binding_message  | Approve the login? |
      | requested_expiry | 30                 |
    Then the CIBA request is accepted

  # CIBA Core §7.1: the OP MAY use requested_expiry to set expires_in and is encouraged to
  # (a best practice: a longer lifetime warns).
  Scenario: The provider keeps the request no longer than the client asked
    When the client starts a CIBA request for "alice" with:
      | binding_message  | Approve the login? |
      | requested_expiry | 10                 |
    Then the request lives no longer than the requested expiry

  # CIBA Core §7.3 (expires_in), §11 (expired_token). Against the simulator the wait costs
  # nothing; against a real provider it lasts the request's lifetime.
  @needs:ciba_expired_token
  Scenario: A poll after the request's lifetime is told the request has expired
    When the client starts a CIBA request for "alice" with:
      | binding_message  | Approve the login? |
      | requested_expiry | 10                 |
    And the client polls after the request has expired
    Then the poll is answered with "expired_token"

  # CIBA Core §11: access_denied ends polling at once.
  Scenario: The end-user denies and polling stops at once
    When the client starts a CIBA request for "alice" with binding message "Approve the login?"
    And the end-user denies it on the device
    And the client polls the token endpoint until the request is answered
    Then polling stops with "access_denied"
    And the client polled 1 times

  # CIBA Core §11: an auth_req_id issued to another client gives invalid_grant.
  Scenario: Another client cannot redeem this client's auth_req_id
    When the client starts a CIBA request for "alice" with binding message "Approve the login?"
    And the end-user approves it on the device
    And the client "ciba_other" redeems the auth_req_id of this client
    Then the poll is answered with "invalid_grant"

  # CIBA Core §11: once its tokens are issued, an auth_req_id is invalid (invalid_grant).
  Scenario: An auth_req_id can be redeemed only once
    When the client starts a CIBA request for "alice" with binding message "Approve the login?"
    And the end-user approves it on the device
    And the client polls the token endpoint until the request is answered
    Then the client receives the tokens
    When the client redeems the auth_req_id again
    Then the poll is answered with "invalid_grant"

  # CIBA Core §7.3 (the client MUST wait interval), §11 (slow_down: the interval grows by at
  # least 5 s for this and every later poll). Optional for the provider: capability
  # ciba_slow_down.
  @needs:ciba_slow_down
  Scenario: A client that polls too early is told to slow down, and then waits 5 s more
    When the client starts a CIBA request for "alice" with binding message "Approve the login?"
    And the client polls too early
    Then the poll is answered with "slow_down"
    When the end-user approves it on the device
    And the client polls the token endpoint until the request is answered
    Then the client receives the tokens
    And every poll came at least 10 seconds after the previous one

  # CIBA Core §7.1: one and only one of login_hint_token, id_token_hint and login_hint;
  # §13: invalid_request for a request with more than one.
  Scenario Outline: A request with a second hint (<hint>) is refused
    When the client starts a CIBA request for "alice" with:
      | binding_message | Approve the login?        |
      | <hint>          | eyJhbGciOiJub25lIn0.e30.  |
    Then the CIBA request is rejected with "invalid_request"

    Examples:
      | hint             |
      | id_token_hint    |
      | login_hint_token |

  # CIBA Core §13: invalid_binding_message for a message the device cannot show.
  Scenario: A binding message the device cannot show is refused
    When the client starts a CIBA request for "alice" with:
      | binding_message | line one\nline two |
    Then the CIBA request is rejected with "invalid_binding_message"

  # CIBA Core §13: unknown_user_id when the hint names nobody.
  Scenario: A login hint naming no user is refused
    When the client starts a CIBA request for "alice" with:
      | login_hint      | idflow-no-such-user |
      | binding_message | Approve the login?  |
    Then the CIBA request is rejected with "unknown_user_id"

  # CIBA Core §7.1: the scope MUST contain openid. §13 names no error for this case:
  # invalid_scope (the scope is invalid) and invalid_request (an invalid parameter value) both fit.
  Scenario: A request without the openid scope is refused
    When the client starts a CIBA request for "alice" with:
      | scope           | profile            |
      | binding_message | Approve the login? |
    Then the CIBA request is rejected with "invalid_scope or invalid_request"
