//! Features hold no provider data: every value a provider issues (a user's `sub`, claims such
//! as email and names, MobileID user and device ids) is a `{{users.…}}` variable that the
//! environment sets, so the same feature passes on any provider. This test reads every
//! feature and fails on a literal where such a value is compared.

use std::path::{Path, PathBuf};

/// Claim and JSON member names whose values the provider issues per user.
const PROVIDER_ISSUED: &[&str] = &[
    "sub",
    "email",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "phone_number",
    "birthdate",
    "firstName",
    "lastName",
    "dateOfBirth",
    "externalRef",
    "deviceName",
    "mobileid_user_id",
    "mobileid_device_id",
];

fn features(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            features(&path, out);
        } else if path.extension().is_some_and(|e| e == "feature") {
            out.push(path);
        }
    }
}

/// The provider-issued literal a feature line compares with, if any: `claim "sub" is "x"`,
/// `JSON value at "$.a.email" equals "x"`, `variable "subject" is "x"` (a saved sub), or a UUID
/// or an e-mail address anywhere (the nil UUID names a user that does not exist).
fn literal(line: &str) -> Option<String> {
    let compared = regex::Regex::new(
        r#"(?:claim "|JSON value at "\$[^"]*\.|variable ")([A-Za-z_]+)" (?:is|equals|is not|contains|matches|equals ignoring case) "([^"]*)""#,
    )
    .unwrap();
    for c in compared.captures_iter(line) {
        let (name, value) = (&c[1], &c[2]);
        let issued = PROVIDER_ISSUED.contains(&name) || name == "subject";
        if issued && !value.starts_with("{{") {
            return Some(format!("{name} compared with the literal {value:?}"));
        }
    }
    let uuid = regex::Regex::new(
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    )
    .unwrap();
    if let Some(m) = uuid
        .find_iter(line)
        .find(|m| m.as_str().chars().any(|c| c != '0' && c != '-'))
    {
        return Some(format!("the identifier {:?}", m.as_str()));
    }
    let email = regex::Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z.]+").unwrap();
    email
        .find(line)
        .map(|m| format!("the e-mail address {:?}", m.as_str()))
}

#[test]
fn features_hold_no_provider_literal() {
    let mut files = Vec::new();
    features(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/features")),
        &mut files,
    );
    assert!(files.len() >= 5, "no features found: {files:?}");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with('#') {
                continue;
            }
            if let Some(what) = literal(line) {
                found.push(format!("{}:{}: {what}", file.display(), n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "features compare provider-issued values with literals; write {{{{users.NAME.sub}}}}, \
         {{{{users.NAME.claims.CLAIM}}}} or {{{{users.NAME.mobileid.user_id}}}} and declare the \
         value in each environment:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_what_it_looks_for() {
    for bad in [
        r#"    And the ID token claim "sub" is "9a3c6f0e-alice""#,
        r#"    And the JSON value at "$.email" is "alice@idflow.test""#,
        r#"    And the JSON value at "$.given_name" is "Alice""#,
        r#"    And the variable "subject" is "9a3c6f0e-alice""#,
        r#"    And the ID token claim "mobileid_device_id" is "20874199-f4d1-4e9d-86ee-dd4a46030acb""#,
        r#"    And the JSON value at "$.externalRef" is "ca389fae-153d-11ec-82a8-0242ac130003""#,
        r#"      | login_hint | carol@example.org |"#,
    ] {
        assert!(literal(bad).is_some(), "not caught: {bad}");
    }
    for good in [
        r#"    And the ID token claim "sub" is "{{users.alice.sub}}""#,
        r#"    And the JSON value at "$.email" is "{{users.alice.claims.email}}""#,
        r#"    And the ID token claim "acr" is "idp:mobileid""#,
        r#"      | login_hint | userId:00000000-0000-0000-0000-000000000000 |"#,
        r#"    And the JSON value at "$.sub" is a string"#,
    ] {
        assert_eq!(literal(good), None, "{good}");
    }
}
