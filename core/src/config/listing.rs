//! What `idflow envs` lists and `idflow simulate --write-env` writes: environment files read
//! loosely (no `${VAR}` expanded, so an environment whose secrets are not exported is still
//! listed), and an environment file that points at a simulator served standalone.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One environment file, as `idflow envs` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvSummary {
    /// The name `--env` takes (the file stem).
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    /// `simulator`, or the issuer as written (`${VAR}` left as is).
    pub(crate) target: String,
    pub(crate) description: String,
}

#[derive(Deserialize)]
struct Loose {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    target: Option<LooseTarget>,
}

#[derive(Deserialize)]
struct LooseTarget {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    start: Option<serde::de::IgnoredAny>,
}

/// Every `*.yaml` and `*.yml` file in `dir`, by name. A file that does not read as YAML is
/// listed with the reason in place of its description.
pub fn list(dir: &Path) -> Result<Vec<EnvSummary>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "cannot read the environment directory {}: {e}",
            dir.display()
        )
    })?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let yaml = path.extension().is_some_and(|x| x == "yaml" || x == "yml");
        if !yaml || !path.is_file() {
            continue;
        }
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push(summary(name, &path));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn summary(name: String, path: &Path) -> EnvSummary {
    let parsed = std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_saphyr::from_str::<Loose>(&t).map_err(|e| e.to_string()));
    match parsed {
        Ok(loose) => {
            let target = match loose.target {
                Some(t) => match (t.kind.as_deref(), t.issuer) {
                    (Some("remote"), Some(issuer)) if t.start.is_some() => {
                        format!("{issuer} (started by the run)")
                    }
                    (Some("remote"), Some(issuer)) => issuer,
                    (Some(kind), _) => kind.to_string(),
                    (None, _) => "(no target.kind)".to_string(),
                },
                None => "(no target)".to_string(),
            };
            EnvSummary {
                name,
                path: path.to_path_buf(),
                target,
                description: loose.description.unwrap_or_default(),
            }
        }
        Err(e) => EnvSummary {
            name,
            path: path.to_path_buf(),
            target: "?".to_string(),
            description: format!("does not read as an environment: {}", first_line(&e)),
        },
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

/// The table `idflow envs` prints: name, target, description, aligned.
pub fn table(envs: &[EnvSummary]) -> String {
    let name_w = envs.iter().map(|e| e.name.len()).max().unwrap_or(0).max(4);
    let target_w = envs
        .iter()
        .map(|e| e.target.len())
        .max()
        .unwrap_or(0)
        .max(6);
    let mut out = format!("{:name_w$}  {:target_w$}  description\n", "name", "target");
    for e in envs {
        out.push_str(
            format!(
                "{:name_w$}  {:target_w$}  {}",
                e.name, e.target, e.description
            )
            .trim_end(),
        );
        out.push('\n');
    }
    out
}

/// The environment file `text` (an environment of the simulator) turned into one that targets
/// the simulator already serving at `issuer`: `target` becomes `kind: remote` with that issuer,
/// everything else (clients, users, device controls, exclude_tags) is kept as written. The result
/// is JSON, which every YAML reader reads.
pub fn as_remote(text: &str, issuer: &str, served_from: &Path) -> Result<String, String> {
    let mut value: serde_json::Value = serde_saphyr::from_str(text)
        .map_err(|e| format!("{}: {}", served_from.display(), first_line(&e.to_string())))?;
    let Some(object) = value.as_object_mut() else {
        return Err(format!("{}: not a YAML mapping", served_from.display()));
    };
    object.insert(
        "description".into(),
        serde_json::Value::String(format!(
            "The simulator served by `idflow simulate` at {issuer} (written from {})",
            served_from.display()
        )),
    );
    object.insert(
        "target".into(),
        serde_json::json!({ "kind": "remote", "issuer": issuer }),
    );
    // A client's private_key_file is relative to the file it was written in: the new file may
    // live elsewhere, so it names the key by the path the original meant.
    let base = match served_from.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    if let Some(clients) = object.get_mut("clients").and_then(|c| c.as_object_mut()) {
        for client in clients.values_mut() {
            if let Some(serde_json::Value::String(file)) = client.get_mut("private_key_file")
                && Path::new(file.as_str()).is_relative()
            {
                let joined = base.join(file.as_str());
                let absolute = std::fs::canonicalize(&joined).unwrap_or(joined);
                *file = absolute.display().to_string();
            }
        }
    }
    let mut out = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    out.push('\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "idflow-envs-{}-{}",
            std::process::id(),
            files.len()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn environments_are_listed_by_name_with_target_and_description_unexpanded() {
        let dir = dir_with(&[
            (
                "tenant.yaml",
                "description: A tenant\ntarget:\n  kind: remote\n  issuer: ${TENANT_ISSUER}\nclients:\n  web:\n    id: x\n    secret: ${NOT_SET_ANYWHERE}\n    redirect_uris: [https://x]\n",
            ),
            (
                "simulator.yaml",
                "description: The simulator\ntarget:\n  kind: simulator\n",
            ),
            ("broken.yaml", "target: [\n"),
            ("notes.txt", "not an environment"),
        ]);
        let envs = list(&dir).unwrap();
        let names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["broken", "simulator", "tenant"]);
        assert_eq!(envs[1].target, "simulator");
        assert_eq!(envs[2].target, "${TENANT_ISSUER}");
        assert_eq!(envs[2].description, "A tenant");
        assert!(envs[0].description.starts_with("does not read"), "{envs:?}");
        let table = table(&envs);
        assert!(
            table.lines().any(|l| l.starts_with("tenant")
                && l.contains("${TENANT_ISSUER}")
                && l.ends_with("A tenant")),
            "{table}"
        );
    }

    #[test]
    fn the_written_environment_targets_the_served_simulator_and_keeps_the_rest() {
        let text = "description: sim\ntarget:\n  kind: simulator\n  defects: [wrong_nonce]\nclients:\n  web:\n    id: idflow-web\n    secret: s\n    redirect_uris: [https://rp/cb]\nexclude_tags: \"@generic-ciba\"\n";
        let written =
            as_remote(text, "http://127.0.0.1:4000/auth/open", Path::new("s.yaml")).unwrap();
        let env = crate::config::Environment::parse(&written, Path::new("served.yaml"))
            .expect("the written file is a valid environment");
        match &env.target {
            crate::config::Target::Remote { issuer, start } => {
                assert_eq!(&**issuer, "http://127.0.0.1:4000/auth/open");
                assert!(start.is_none());
            }
            other => panic!("not remote: {other:?}"),
        }
        assert_eq!(&*env.client("web").unwrap().id, "idflow-web");
        assert_eq!(env.exclude_tags.as_deref(), Some("@generic-ciba"));
    }

    #[test]
    fn a_relative_private_key_file_keeps_naming_the_same_key_from_elsewhere() {
        let text = "target: {kind: simulator}\nclients:\n  jwt:\n    id: j\n    auth_method: private_key_jwt\n    private_key_file: ../fixtures/keys/client-test.pem\n    redirect_uris: [https://rp/cb]\n";
        let written = as_remote(
            text,
            "http://127.0.0.1:4000/auth/open",
            Path::new("../environments/simulator.yaml"),
        )
        .unwrap();
        let elsewhere = std::env::temp_dir().join("idflow-served-elsewhere.yaml");
        let env = crate::config::Environment::parse(&written, &elsewhere)
            .expect("the key file is found from the written file's folder");
        assert!(env.client("jwt").unwrap().key.is_some());
    }
}
