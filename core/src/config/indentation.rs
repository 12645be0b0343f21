//! Saying where an environment file's indentation goes wrong.
//!
//! YAML reads a mis-indented key as something else (a client named `secret`, part of the value
//! above, a missing field of the mapping it left), and the parser's error then points at
//! another line. [`hint`] finds the key whose indentation is off and says what it is read as
//! and how to indent it.

/// Field names of a client or a user: under `clients:` or `users:` they are never names.
const FIELDS: &[&str] = &[
    "id",
    "secret",
    "auth_method",
    "redirect_uris",
    "scopes",
    "username",
    "password",
    "sub",
    "claims",
    "mobileid",
    "nin",
];

struct KeyLine {
    /// 1-based.
    line: usize,
    indent: usize,
    name: String,
    /// The key has a value on its own line (a scalar, a flow collection, a block scalar).
    has_value: bool,
    /// The value is a block scalar (`|`, `>`): the more indented lines are its text.
    block: bool,
}

fn key_lines(source: &str) -> Vec<KeyLine> {
    let mut out: Vec<KeyLine> = Vec::new();
    for (i, raw) in source.lines().enumerate() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        // Lines inside a block scalar are text.
        if let Some(last) = out.last()
            && last.block
            && indent > last.indent
        {
            continue;
        }
        let body = trimmed.strip_prefix("- ").unwrap_or(trimmed);
        let Some((name, rest)) = body.split_once(':') else {
            continue;
        };
        if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
            continue;
        }
        let name = name.trim().trim_matches(['"', '\'']);
        if name.is_empty() || name.contains([' ', '{', '[', '#']) {
            continue;
        }
        let value = rest.split(" #").next().unwrap_or("").trim();
        out.push(KeyLine {
            line: i + 1,
            indent,
            name: name.to_owned(),
            has_value: !value.is_empty(),
            block: value.starts_with(['|', '>']),
        });
    }
    out
}

/// A sentence naming the first key whose indentation makes YAML read it as something else,
/// with how to indent it; `None` when every key lines up.
pub fn hint(source: &str) -> Option<String> {
    let keys = key_lines(source);
    for (n, k) in keys.iter().enumerate().skip(1) {
        let p = &keys[n - 1];
        if k.indent > p.indent && p.has_value {
            return Some(format!(
                "line {}: `{}:` is indented by {} spaces, more than `{}:` on line {} ({} spaces), whose value is already given on its line, so line {} is read as part of that value; indent `{}:` by {} spaces like the keys around it",
                k.line, k.name, k.indent, p.name, p.line, p.indent, k.line, k.name, p.indent
            ));
        }
        if k.indent < p.indent {
            let earlier = &keys[..n];
            let sibling = earlier.iter().rev().find(|e| e.indent <= k.indent);
            match sibling {
                Some(s) if s.indent == k.indent => {
                    let parent = earlier.iter().rev().find(|e| e.indent < k.indent);
                    if let Some(g) = parent
                        && matches!(g.name.as_str(), "clients" | "users")
                        && FIELDS.contains(&k.name.as_str())
                        && !s.has_value
                    {
                        let what = if g.name == "clients" {
                            "client"
                        } else {
                            "user"
                        };
                        return Some(format!(
                            "line {}: `{}:` is indented by {} spaces like `{}:` on line {}, so it is read as a {what} named `{}` under `{}:` (line {}), not as a field of `{}`, whose fields are indented by {} spaces; indent `{}:` by {} spaces",
                            k.line,
                            k.name,
                            k.indent,
                            s.name,
                            s.line,
                            k.name,
                            g.name,
                            g.line,
                            s.name,
                            p.indent,
                            k.name,
                            p.indent
                        ));
                    }
                }
                _ => {
                    return Some(format!(
                        "line {}: `{}:` is indented by {} spaces, which lines up with no mapping above it (line {} is indented by {}); indent it like the keys it belongs with",
                        k.line, k.name, k.indent, p.line, p.indent
                    ));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_dedented_to_the_client_names_is_named_as_such() {
        let source = "target:\n  kind: simulator\nclients:\n  web:\n    redirect_uris: [https://rp/cb]\n    auth_method: client_secret_basic\n  secret: x-secret\n    id: web\nusers: {}\n";
        let h = hint(source).expect("a hint");
        assert!(
            h.starts_with("line 7: `secret:` is indented by 2 spaces like `web:` on line 4, so it is read as a client named `secret`"),
            "{h}"
        );
        assert!(h.contains("indent `secret:` by 4 spaces"), "{h}");
    }

    #[test]
    fn a_key_indented_under_a_scalar_is_named() {
        let source = "clients:\n  web:\n    id: web\n      secret: x\n";
        let h = hint(source).expect("a hint");
        assert!(
            h.starts_with("line 4: `secret:` is indented by 6 spaces, more than `id:` on line 3"),
            "{h}"
        );
    }

    #[test]
    fn a_key_that_lines_up_with_nothing_is_named() {
        let source = "clients:\n  web:\n    id: web\n   secret: x\n";
        let h = hint(source).expect("a hint");
        assert!(
            h.starts_with(
                "line 4: `secret:` is indented by 3 spaces, which lines up with no mapping"
            ),
            "{h}"
        );
    }

    #[test]
    fn a_well_indented_file_gets_no_hint() {
        let source = "target:\n  kind: simulator\nclients:\n  web:\n    id: web\n    secret: |\n      block\n        more\n    redirect_uris:\n      - https://rp/cb\nusers:\n  alice: {username: alice}\n";
        assert_eq!(hint(source), None);
    }
}
