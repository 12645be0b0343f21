//! Environments: what a run targets, and what the names in features mean there.
//!
//! An environment file (`environments/<name>.yaml`) names the target (the embedded simulator or
//! a real provider), the clients and test users that features refer to by name, TLS and HTTP
//! options. Features never hold hosts or secrets; only `--env` changes between targets.

mod capability;
mod indentation;
pub mod listing;
mod login;
mod private_key;
mod simulator;
mod template;
pub mod yaml_mask;

pub use capability::{Capability, Deviation};

pub use private_key::ClientKey;

pub use login::{LoginDriver, LoginOptions, ScriptAction, ScriptStep};

pub use template::{Secret, Templated, expand};

/// How a client authenticates at the token endpoint (a protocol value, kept in [`crate::protocol`]).
pub use crate::protocol::AuthMethod;

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::simulator::Defect;

/// Why an environment could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error(
        "unknown environment `{name}`: no file {path}. Known environments: {known}. Pass --env with one of them or a path to a .yaml file"
    )]
    UnknownEnvironment {
        name: String,
        path: String,
        known: String,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Yaml { path: String, message: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    /// A feature names a client or user the environment does not declare.
    #[error("no {kind} named `{name}` in {path}: known {kind}s are {known}")]
    UnknownName {
        /// "client" or "user".
        kind: &'static str,
        name: String,
        path: String,
        known: String,
    },
}

/// A loaded environment file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// The name the run was given (file stem).
    #[serde(skip)]
    pub(crate) name: String,
    /// Where the file was read from.
    #[serde(skip)]
    pub path: PathBuf,
    /// One line on what this environment is.
    #[serde(default)]
    pub description: Option<String>,
    pub(crate) target: Target,
    #[serde(default)]
    pub clients: BTreeMap<String, Client>,
    #[serde(default)]
    pub users: BTreeMap<String, User>,
    #[serde(default)]
    pub(crate) tls: TlsOptions,
    #[serde(default)]
    pub(crate) http: HttpOptions,
    /// Tag expression of scenarios this target cannot run (for example
    /// `@signicat-only`); they are left out of the run.
    #[serde(default)]
    pub(crate) exclude_tags: Option<String>,
    /// Extra JSON field names whose values are personal data, redacted in every output.
    #[serde(default)]
    pub(crate) redact_fields: Vec<String>,
    /// How steps act on the end-user's device, where the target supports it.
    #[serde(default)]
    pub device: Option<DeviceControl>,
    /// The optional capabilities the provider has: a scenario tagged `@needs:<capability>`
    /// that is not listed here is not applicable on this target (reported, never run).
    #[serde(default)]
    pub(crate) capabilities: Vec<Capability>,
    /// Deviations from a specification that the provider documents, each with where it is
    /// documented: the check it breaks warns, naming the declaration, instead of failing.
    #[serde(default)]
    pub(crate) deviations: BTreeMap<Deviation, String>,
    /// Failed SHOULD and best-practice checks fail the scenario (like `--strict`).
    #[serde(default)]
    pub(crate) strict: bool,
    /// How the end-user logs in on the provider's pages (login driver, field overrides,
    /// browser login script); see [`LoginOptions`].
    #[serde(default)]
    pub(crate) login: LoginOptions,
}

/// What the run talks to.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// The embedded Signicat-shaped simulator, started by the run on 127.0.0.1.
    Simulator {
        /// Provider defects to switch on (for proving that verdicts can fail).
        #[serde(default)]
        defects: Vec<Defect>,
    },
    /// A provider reachable over the network.
    Remote {
        /// The issuer URL; discovery is read from `<issuer>/.well-known/openid-configuration`.
        issuer: Templated,
        /// How to start the target before the run (and stop it after).
        #[serde(default)]
        start: Option<StartCommand>,
    },
}

/// A command that starts the target, for targets the run starts itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartCommand {
    /// Program and arguments, run without a shell.
    pub(crate) command: Vec<String>,
    /// Working directory, relative to the environment file's directory.
    #[serde(default)]
    pub(crate) cwd: Option<PathBuf>,
    /// URL polled until it answers 200.
    pub(crate) ready_url: Templated,
    /// How long to wait for readiness, in seconds.
    #[serde(default = "default_start_timeout")]
    pub(crate) timeout_seconds: u64,
}

fn default_start_timeout() -> u64 {
    30
}

/// A client registered at the target.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub id: Templated,
    #[serde(default)]
    pub secret: Option<Secret>,
    #[serde(default)]
    pub auth_method: AuthMethod,
    pub redirect_uris: Vec<Templated>,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The client's RSA private key (PEM), for `private_key_jwt` and request objects signed
    /// RS256; usually `${VAR}`. A secret: never shown, redacted in every output.
    #[serde(default)]
    pub(crate) private_key: Option<Secret>,
    /// The same key from a PEM file, relative to the environment file.
    #[serde(default)]
    pub(crate) private_key_file: Option<PathBuf>,
    /// The `alg` the client is registered with for request objects (OpenID Connect Dynamic
    /// Client Registration §2, `request_object_signing_alg`): the provider refuses others.
    #[serde(default)]
    pub(crate) request_object_signing_alg: Option<String>,
    /// The key of `private_key` or `private_key_file`, read when the environment loads.
    #[serde(skip)]
    pub key: Option<std::sync::Arc<ClientKey>>,
}

#[cfg(test)]
impl Client {
    /// A client for tests: redirect URI `https://rp.example/cb`, scope `openid`, and the RSA key
    /// of `fixtures/keys/client-test.pem`.
    pub(crate) fn with_test_key(id: &str, secret: Option<&str>, auth_method: AuthMethod) -> Client {
        const TEST_KEY: &str = include_str!("../../../fixtures/keys/client-test.pem");
        Client {
            id: Templated(id.into()),
            secret: secret.map(Secret::new),
            auth_method,
            redirect_uris: vec![Templated("https://rp.example/cb".into())],
            scopes: vec!["openid".into()],
            private_key: None,
            private_key_file: None,
            request_object_signing_alg: None,
            key: Some(std::sync::Arc::new(ClientKey::from_pem(TEST_KEY).unwrap())),
        }
    }
}

fn default_scopes() -> Vec<String> {
    vec!["openid".to_string()]
}

/// A test user.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub username: Templated,
    #[serde(default)]
    pub password: Option<Secret>,
    /// The subject identifier the provider gives this user (the simulator uses it; features may
    /// compare against it).
    #[serde(default)]
    pub(crate) sub: Option<Templated>,
    /// Claims the simulator releases for this user, by claim name.
    #[serde(default)]
    pub(crate) claims: BTreeMap<String, serde_json::Value>,
    /// The user's MobileID registration, for CIBA and MobileID operations.
    #[serde(default)]
    pub mobileid: Option<MobileIdUser>,
    /// The user's national identity number (personal data: redacted in every output).
    #[serde(default)]
    pub(crate) nin: Option<Secret>,
    /// This user's login options, over the environment's `login:` field by field.
    #[serde(default)]
    pub(crate) login: Option<LoginOptions>,
}

impl User {
    /// The user's login name and password as a login form takes them (no password: empty).
    pub fn credentials(&self) -> (String, String) {
        let password = self
            .password
            .as_ref()
            .map(|p| p.expose().to_string())
            .unwrap_or_default();
        (self.username.to_string(), password)
    }
}

/// A MobileID user and their registered device.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MobileIdUser {
    pub user_id: Templated,
    pub device_id: Templated,
    #[serde(default)]
    pub(crate) device_name: Option<String>,
    #[serde(default)]
    pub(crate) external_ref: Option<String>,
}

/// How steps act as the end-user on their device (approve or deny a CIBA request), as HTTP
/// calls on the target's test endpoints. `{auth_req_id}`, `{user_id}` and `{polls}` in URLs are
/// filled in by the steps.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceControl {
    pub approve: ControlCall,
    pub deny: ControlCall,
    /// Approve only after the client has polled this many times (simulator only).
    #[serde(default)]
    pub approve_after_polls: Option<ControlCall>,
    /// Start a backend-initiated MobileID operation; the answer holds `statusUrl` and
    /// `completeUrl` (`{type}`, `{user}`, `{client_id}`, `{redirect_uri}` are filled in).
    #[serde(default)]
    pub start_operation: Option<ControlCall>,
    /// The end-user completes the operation on the device (`{operation_id}`).
    #[serde(default)]
    pub complete_operation: Option<ControlCall>,
    /// The end-user does not complete the operation (`{operation_id}`).
    #[serde(default)]
    pub fail_operation: Option<ControlCall>,
}

/// One HTTP call of a control interface.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlCall {
    #[serde(default = "default_post")]
    pub method: String,
    /// Absolute, or relative to the target's base URL.
    pub url: Templated,
    /// Optional JSON body.
    #[serde(default)]
    pub(crate) body: Option<serde_json::Value>,
}

fn default_post() -> String {
    "POST".to_string()
}

/// TLS options for talking to the target.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsOptions {
    /// Accept any certificate (never for production targets).
    #[serde(default)]
    pub(crate) insecure_skip_verify: bool,
    /// Extra CA certificate (PEM), relative to the environment file's directory.
    #[serde(default)]
    pub(crate) ca_file: Option<PathBuf>,
}

/// HTTP options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpOptions {
    /// Timeout of each request, in seconds.
    #[serde(default = "default_timeout")]
    pub(crate) timeout_seconds: u64,
    /// Connect timeout, in seconds.
    #[serde(default = "default_connect_timeout")]
    pub(crate) connect_timeout_seconds: u64,
    /// Most redirects followed in one exchange.
    #[serde(default = "default_max_redirects")]
    pub(crate) max_redirects: usize,
    /// Largest response body read, in bytes (default [`DEFAULT_MAX_BODY_BYTES`], 8 MiB): a
    /// response whose body goes beyond it fails its exchange, and no more of it is read.
    #[serde(default = "default_max_body_bytes")]
    pub(crate) max_body_bytes: usize,
}

/// The default of `http.max_body_bytes`: 8 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

fn default_max_body_bytes() -> usize {
    DEFAULT_MAX_BODY_BYTES
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout_seconds: default_timeout(),
            connect_timeout_seconds: default_connect_timeout(),
            max_redirects: default_max_redirects(),
            max_body_bytes: default_max_body_bytes(),
        }
    }
}

fn default_timeout() -> u64 {
    10
}
fn default_connect_timeout() -> u64 {
    5
}
fn default_max_redirects() -> usize {
    10
}

impl Environment {
    /// Resolves `--env`: a path to a YAML file, or a name looked up as `<dir>/<name>.yaml`.
    pub fn locate(name_or_path: &str, dir: &Path) -> Result<PathBuf, ConfigError> {
        let as_path = Path::new(name_or_path);
        if name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml") {
            return Ok(as_path.to_path_buf());
        }
        let candidate = dir.join(format!("{name_or_path}.yaml"));
        if candidate.is_file() {
            return Ok(candidate);
        }
        let mut known: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let p = e.path();
                if p.extension()? != "yaml" {
                    return None;
                }
                Some(p.file_stem()?.to_string_lossy().into_owned())
            })
            .collect();
        known.sort();
        Err(ConfigError::UnknownEnvironment {
            name: name_or_path.to_string(),
            path: candidate.display().to_string(),
            known: if known.is_empty() {
                format!("none in {}", dir.display())
            } else {
                known.join(", ")
            },
        })
    }

    /// Loads an environment by name (from `dir`) or by path.
    pub fn load(name_or_path: &str, dir: &Path) -> Result<Self, ConfigError> {
        let path = Self::locate(name_or_path, dir)?;
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path)
    }

    /// Parses an environment from YAML text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let shown = path.display().to_string();
        let mut env: Environment = serde_saphyr::from_str(text).map_err(|e| ConfigError::Yaml {
            path: shown.clone(),
            // The message quotes a snippet of the file: a literal secret there stays hidden.
            message: {
                let mut m = yaml_mask::mask_snippet(&e.to_string(), text);
                if let Some(h) = indentation::hint(text) {
                    m = format!("{}\n  hint: {h}", m.trim_end());
                }
                m
            },
        })?;
        env.name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        env.path = path.to_path_buf();
        env.expand_claims()
            .map_err(|message| ConfigError::Invalid {
                path: shown.clone(),
                message,
            })?;
        env.load_keys().map_err(|message| ConfigError::Invalid {
            path: shown.clone(),
            message,
        })?;
        env.validate().map_err(|message| ConfigError::Invalid {
            path: shown,
            message,
        })?;
        Ok(env)
    }

    /// `${VAR}` in a user's string claims, expanded like every other configuration string.
    fn expand_claims(&mut self) -> Result<(), String> {
        for (name, user) in &mut self.users {
            for (claim, value) in &mut user.claims {
                if let serde_json::Value::String(s) = value {
                    *s = expand(s, |v| std::env::var(v).ok())
                        .map_err(|e| format!("user `{name}`, claim `{claim}`: {e}"))?;
                }
            }
        }
        Ok(())
    }

    /// Reads each client's private key (`private_key` or `private_key_file`).
    fn load_keys(&mut self) -> Result<(), String> {
        let base = self.base_dir();
        for (name, client) in &mut self.clients {
            let pem = match (&client.private_key, &client.private_key_file) {
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "client `{name}` has both private_key and private_key_file: keep one"
                    ));
                }
                (Some(inline), None) => inline.expose().to_string(),
                (None, Some(file)) => {
                    let path = base.join(file);
                    std::fs::read_to_string(&path).map_err(|e| {
                        format!(
                            "client `{name}`: cannot read private_key_file {}: {e}",
                            path.display()
                        )
                    })?
                }
                (None, None) => continue,
            };
            let key = ClientKey::from_pem(&pem)
                .map_err(|e| format!("client `{name}`: its private key: {e}"))?;
            client.key = Some(std::sync::Arc::new(key));
        }
        Ok(())
    }

    /// Whether the provider has this optional capability.
    pub fn has(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }

    /// The declaration of a deviation, when the environment declares it.
    pub fn deviation(&self, deviation: Deviation) -> Option<&str> {
        self.deviations.get(&deviation).map(String::as_str)
    }

    fn validate(&self) -> Result<(), String> {
        for (name, client) in &self.clients {
            if client.redirect_uris.is_empty() {
                return Err(format!(
                    "client `{name}` has no redirect_uris: list at least one registered redirect URI"
                ));
            }
            for uri in &client.redirect_uris {
                url::Url::parse(uri).map_err(|e| {
                    format!("client `{name}`: redirect URI {uri:?} is not a URL ({e})")
                })?;
            }
            if client.auth_method == AuthMethod::PrivateKeyJwt {
                if client.key.is_none() {
                    return Err(format!(
                        "client `{name}` uses private_key_jwt but has no key: add `private_key_file:` (a PEM file) or `private_key: ${{{}_PRIVATE_KEY}}`",
                        name.to_uppercase().replace('-', "_")
                    ));
                }
            } else if client.auth_method != AuthMethod::None && client.secret.is_none() {
                return Err(format!(
                    "client `{name}` uses {} but has no secret: add `secret:` (for example `secret: ${{{}_SECRET}}`) or set `auth_method: none`",
                    client.auth_method.as_str(),
                    name.to_uppercase().replace('-', "_")
                ));
            }
        }
        self.login.validate("the environment's")?;
        for (name, user) in &self.users {
            if let Some(login) = &user.login {
                self.login
                    .merged(Some(login))
                    .validate(&format!("user `{name}`'s"))?;
            }
        }
        if let Target::Remote { issuer, .. } = &self.target {
            url::Url::parse(issuer)
                .map_err(|e| format!("target issuer {issuer:?} is not a URL ({e})"))?;
        }
        Ok(())
    }

    /// A client by the name features use, or an error listing the known names.
    pub fn client(&self, name: &str) -> Result<&Client, ConfigError> {
        self.clients
            .get(name)
            .ok_or_else(|| ConfigError::UnknownName {
                kind: "client",
                name: name.to_string(),
                path: self.path.display().to_string(),
                known: names(self.clients.keys()),
            })
    }

    /// A user by the name features use, or an error listing the known names.
    pub fn user(&self, name: &str) -> Result<&User, ConfigError> {
        self.users
            .get(name)
            .ok_or_else(|| ConfigError::UnknownName {
                kind: "user",
                name: name.to_string(),
                path: self.path.display().to_string(),
                known: names(self.users.keys()),
            })
    }

    /// The value of a provider-data variable that features write as `{{users.NAME.…}}`: what
    /// the environment says the target issues for its test users, so that no feature holds a
    /// value another provider would issue differently. `users.alice.username`,
    /// `users.alice.sub`, `users.alice.claims.email` (any claim; numbers and booleans as JSON
    /// text), `users.carol.mobileid.user_id` (`device_id`, `device_name`, `external_ref`).
    /// Passwords and national identity numbers are secrets and never variables.
    pub fn variable(&self, name: &str) -> Option<String> {
        let rest = name.strip_prefix("users.")?;
        let (user, field) = rest.split_once('.')?;
        let user = self.users.get(user)?;
        match field.split_once('.') {
            None => match field {
                "username" => Some(user.username.to_string()),
                "sub" => user.sub.as_ref().map(ToString::to_string),
                _ => None,
            },
            Some(("claims", claim)) => user.claims.get(claim).map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            Some(("mobileid", part)) => {
                let m = user.mobileid.as_ref()?;
                match part {
                    "user_id" => Some(m.user_id.to_string()),
                    "device_id" => Some(m.device_id.to_string()),
                    "device_name" => m.device_name.clone(),
                    "external_ref" => m.external_ref.clone(),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Every provider-data variable the environment defines (see [`Environment::variable`]),
    /// for the message about an unknown one.
    pub fn variable_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, user) in &self.users {
            let base = format!("users.{name}");
            out.push(format!("{base}.username"));
            if user.sub.is_some() {
                out.push(format!("{base}.sub"));
            }
            out.extend(user.claims.keys().map(|c| format!("{base}.claims.{c}")));
            if let Some(m) = &user.mobileid {
                out.push(format!("{base}.mobileid.user_id"));
                out.push(format!("{base}.mobileid.device_id"));
                if m.device_name.is_some() {
                    out.push(format!("{base}.mobileid.device_name"));
                }
                if m.external_ref.is_some() {
                    out.push(format!("{base}.mobileid.external_ref"));
                }
            }
        }
        out
    }

    /// The folder the environment's relative paths (`tls.ca_file`, `target.start.cwd`) are
    /// resolved against: the file's folder, `.` for a file named without one (`x.yaml`).
    pub fn base_dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// The login options for a user: the user's own over the environment's.
    pub fn login_for(&self, user: &str) -> Result<LoginOptions, ConfigError> {
        Ok(self.login.merged(self.user(user)?.login.as_ref()))
    }

    /// Every secret value the environment holds, for redaction.
    pub fn secrets(&self) -> Vec<String> {
        let clients = self.clients.values().filter_map(|c| c.secret.as_ref());
        let users = self
            .users
            .values()
            .flat_map(|u| u.password.iter().chain(u.nin.iter()));
        let keys = self
            .clients
            .values()
            .filter_map(|c| c.key.as_ref())
            .flat_map(|k| k.secret_forms());
        clients
            .chain(users)
            .map(|s| s.expose().to_string())
            .chain(keys)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

fn names<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<&str> = keys.map(String::as_str).collect();
    if list.is_empty() {
        "none".to_string()
    } else {
        list.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
target:
  kind: simulator
clients:
  web:
    id: web-client
    secret: s3cret
    auth_method: client_secret_post
    redirect_uris: [https://client.example.org/cb]
users:
  alice:
    username: alice
    password: pw
"#;

    #[test]
    fn parses_a_simulator_environment() {
        let env = Environment::parse(GOOD, Path::new("environments/sim.yaml")).unwrap();
        assert_eq!(env.name, "sim");
        assert!(matches!(env.target, Target::Simulator { .. }));
        let web = env.client("web").unwrap();
        assert_eq!(web.auth_method, AuthMethod::ClientSecretPost);
        assert_eq!(web.secret.as_ref().unwrap().expose(), "s3cret");
        assert_eq!(env.secrets(), vec!["s3cret", "pw"]);
    }

    #[test]
    fn provider_data_capabilities_deviations_and_strict() {
        // SAFETY: this test alone reads IDFLOW_TEST_CLAIM_EMAIL.
        unsafe { std::env::set_var("IDFLOW_TEST_CLAIM_EMAIL", "alice@tenant.example") };
        let text = r#"
target:
  kind: simulator
users:
  alice:
    username: alice
    password: pw
    sub: 9a3c-alice
    claims: {email: "${IDFLOW_TEST_CLAIM_EMAIL}", email_verified: true}
  carol:
    username: carol
    mobileid: {user_id: u-1, device_id: d-1, device_name: Carol's phone}
capabilities: [sessions, refresh_rotation]
deviations:
  expires_in_milliseconds: Identity Broker documents milliseconds (seed 004)
strict: true
"#;
        let env = Environment::parse(text, Path::new("e.yaml")).unwrap();
        assert_eq!(
            env.variable("users.alice.sub").as_deref(),
            Some("9a3c-alice")
        );
        assert_eq!(
            env.variable("users.alice.claims.email").as_deref(),
            Some("alice@tenant.example")
        );
        assert_eq!(
            env.variable("users.alice.claims.email_verified").as_deref(),
            Some("true")
        );
        assert_eq!(
            env.variable("users.carol.mobileid.device_id").as_deref(),
            Some("d-1")
        );
        assert_eq!(
            env.variable("users.alice.password"),
            None,
            "secrets are no variables"
        );
        assert_eq!(env.variable("users.bob.sub"), None);
        assert!(
            env.variable_names()
                .contains(&"users.carol.mobileid.device_name".to_string())
        );
        assert!(env.has(Capability::Sessions) && !env.has(Capability::Ciba));
        assert!(
            env.deviation(Deviation::ExpiresInMilliseconds)
                .unwrap()
                .contains("seed 004")
        );
        assert!(env.strict);
        let bad = "target:\n  kind: simulator\ncapabilities: [sesions]\n";
        let err = Environment::parse(bad, Path::new("e.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("sesions") && err.contains("sessions"), "{err}");
    }

    #[test]
    fn relative_paths_resolve_against_the_files_folder_or_the_working_directory() {
        let in_dir = Environment::parse(GOOD, Path::new("environments/sim.yaml")).unwrap();
        assert_eq!(in_dir.base_dir(), PathBuf::from("environments"));
        // `--env slow.yaml`: the folder is the working directory, not an empty path (which is
        // no directory, so a `start.cwd` under it was refused).
        let bare = Environment::parse(GOOD, Path::new("slow.yaml")).unwrap();
        assert_eq!(bare.base_dir(), PathBuf::from("."));
        assert!(bare.base_dir().is_dir());
    }

    #[test]
    fn yaml_errors_name_file_line_and_column() {
        let bad = "target:\n  kind: simulator\nclients:\n  web: [unclosed\n";
        let err = Environment::parse(bad, Path::new("environments/bad.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("environments/bad.yaml:"), "{err}");
        assert!(err.contains("line") || err.contains(":4:"), "{err}");
    }

    #[test]
    fn a_yaml_error_never_shows_a_literal_secret_of_the_file() {
        let bad = "target:\n  kind: simulator\nclients:\n  web:\n    id: idflow-web\n    secret: literal-client-secret\n    redirect_uris: [https://rp.test/cb\nusers:\n  alice: {username: alice, password: 'literal-password-1', nin: \"19850101-1234\"}\n";
        let err = Environment::parse(bad, Path::new("e.yaml"))
            .unwrap_err()
            .to_string();
        for secret in [
            "literal-client-secret",
            "literal-password-1",
            "19850101-1234",
        ] {
            assert!(!err.contains(secret), "{secret} in {err}");
        }
        assert!(err.starts_with("e.yaml:"), "{err}");
        // A misspelt key is an unknown-field error whose snippet shows that very line.
        let typo = "target:\n  kind: simulator\nclients:\n  web:\n    id: w\n    secert: literal-client-secret\n";
        let err = Environment::parse(typo, Path::new("e.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("secert"), "names the unknown field: {err}");
        assert!(!err.contains("literal-client-secret"), "{err}");
        // What is not secret stays readable: the snippet shows the line above as it is.
        assert!(err.contains("id: w"), "{err}");
    }

    #[test]
    fn a_misindented_secret_is_named_where_it_is() {
        let bad = "target:\n  kind: simulator\nclients:\n  web:\n    redirect_uris: [https://rp/cb]\n    auth_method: client_secret_basic\n  secret: x-secret-value\n    id: web\nusers: {}\n";
        let err = Environment::parse(bad, Path::new("e.yaml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("hint: line 7: `secret:` is indented by 2 spaces like `web:` on line 4, so it is read as a client named `secret`"),
            "{err}"
        );
        assert!(!err.contains("x-secret-value"), "{err}");
    }

    #[test]
    fn unknown_fields_are_rejected_with_their_name() {
        let bad = "target:\n  kind: simulator\ncleints: {}\n";
        let err = Environment::parse(bad, Path::new("e.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cleints"), "{err}");
    }

    #[test]
    fn missing_variable_is_named_with_its_location() {
        let text = "target:\n  kind: remote\n  issuer: https://${IDFLOW_TEST_SURELY_UNSET_VAR}/auth/open\n";
        let err = Environment::parse(text, Path::new("e.yaml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("IDFLOW_TEST_SURELY_UNSET_VAR is not set"),
            "{err}"
        );
    }

    #[test]
    fn unknown_environment_lists_known_ones() {
        let dir = std::env::temp_dir().join(format!("idflow-envs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("simulator.yaml"), GOOD).unwrap();
        let err = Environment::load("staging", &dir).unwrap_err().to_string();
        assert!(err.contains("unknown environment `staging`"), "{err}");
        assert!(err.contains("simulator"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_private_key_file_is_read_and_its_forms_are_secrets() {
        let text = "target: {kind: simulator}\nclients:\n  jwt:\n    id: j\n    auth_method: private_key_jwt\n    private_key_file: ../fixtures/keys/client-test.pem\n    request_object_signing_alg: RS256\n    redirect_uris: [https://x/cb]\n";
        let env = Environment::parse(text, Path::new("../environments/e.yaml")).unwrap();
        let client = env.client("jwt").unwrap();
        assert_eq!(client.auth_method, AuthMethod::PrivateKeyJwt);
        let key = client.key.as_ref().unwrap();
        let pem = std::fs::read_to_string("../fixtures/keys/client-test.pem").unwrap();
        let secrets = env.secrets();
        assert!(secrets.iter().any(|s| s.trim() == pem.trim()));
        assert!(secrets.contains(&pem.lines().nth(1).unwrap().to_string()));
        assert_eq!(key.e, "AQAB");
        let missing = text.replace("client-test.pem", "nope.pem");
        let err = Environment::parse(&missing, Path::new("../environments/e.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("nope.pem"), "{err}");
        let keyless = "target: {kind: simulator}\nclients:\n  jwt:\n    id: j\n    auth_method: private_key_jwt\n    redirect_uris: [https://x/cb]\n";
        let err = Environment::parse(keyless, Path::new("e.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("private_key_file"), "{err}");
    }

    #[test]
    fn confidential_client_without_secret_is_explained() {
        let text = "target: {kind: simulator}\nclients:\n  web:\n    id: w\n    redirect_uris: [https://x/cb]\n";
        let err = Environment::parse(text, Path::new("e.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no secret"), "{err}");
    }
}
