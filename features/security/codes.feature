@security
Feature: Authorization codes are single-use and unguessable
  A code is redeemed once, even when an attacker races the client with two redemptions at the
  same moment (RFC 6749 §4.1.2), and it carries enough randomness that nobody guesses one
  (RFC 6749 §10.10).

  Background:
    Given the client "web"
    When the client starts an authorization request
    And the end-user logs in as "alice"
    Then the client receives an authorization code

  # RFC 6749 §4.1.2: the code MUST NOT be used more than once and the provider MUST deny a
  # second request; two requests at the same moment are still two (a check-then-act race).
  @rfc6749-4.1.2 @threat:code-replay
  Scenario: Of two concurrent redemptions of one code, at most one gets tokens
    When an attacker redeems the authorization code twice at once
    Then at most one of the concurrent redemptions gets tokens

  # RFC 6749 §10.10: the probability of guessing a credential MUST be at most 2^-128; RFC 6819
  # §5.1.4.2.2. The estimate takes the code's length and alphabet (an upper bound).
  @rfc6749-10.10 @threat:code-guessing
  Scenario: The authorization code has at least 128 bits of entropy
    Then the authorization code is unguessable
