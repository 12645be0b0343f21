@oidc
Feature: Provider configuration and signing keys
  Before trusting a provider, a relying party reads what it publishes about itself: its
  discovery document (OpenID Connect Discovery 1.0 §3) and the keys it signs ID tokens with
  (the JWK Set at jwks_uri). A document that lacks a required member, or a key set that leaks
  private key material, breaks every client at once.

  Background:
    Given the client "web"

  # OpenID Connect Discovery 1.0 §3: issuer, authorization_endpoint, token_endpoint, jwks_uri,
  # response_types_supported, subject_types_supported and id_token_signing_alg_values_supported
  # are REQUIRED, RS256 MUST be among the algorithms, and the endpoints use https (a provider on
  # a loopback host may use plain http, and the verdict says so). Basic plan: oidcc-discovery.
  Scenario: The discovery document holds every member Discovery requires
    When the client fetches the provider's discovery document
    Then the provider's configuration is sound

  # OpenID Connect Core 1.0 §10.1 (a kid chooses one key), RFC 7517 §9.2 (no private or
  # symmetric key material in a published key set), RFC 7518 §3.3 and §6 (usable keys, RSA of
  # 2048 bits or more). Basic plan: the server JWKS checks of every module.
  Scenario: The provider's signing keys are sound
    When the client fetches the provider's discovery document
    Then the provider's signing keys are sound
