//! Masking the values of secret keys in what a YAML error quotes of an environment file.
//!
//! The error's snippet quotes source lines (`7 |     password: hunter2`). The source is read
//! line by line, as YAML lays it out, for the extent of every value of a secret key, whatever
//! its style: plain (to the end of the line, commas, spaces and `#` included, and on the more
//! indented lines that continue it), quoted (single or double, escapes included, over several
//! lines until the closing quote), block scalars (`|`, `>`, with indicators: every more
//! indented line), flow mappings (`{id: w, secret: s}`: to the next `,` or `}`), quoted keys
//! (`"secret":`). A key is secret when its name contains a secret word (`client_secret_value`,
//! `api_token`), is a personal field, or is a near miss of a secret field (`pasword`, `secert`:
//! an unknown-field error quotes the misspelt line). `${VAR}` references are no secrets.
//!
//! The quoted lines are masked at those extents; every masked fragment of 4 characters or more
//! is also replaced wherever else the message repeats it.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::redact::{DEFAULT_PERSONAL_FIELDS, REDACTED};

/// Words that make a key secret wherever they stand in its name.
const SECRET_WORDS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "passphrase",
    "token",
    "apikey",
    "credential",
    "privatekey",
    "verifier",
];

/// Exact secret field names (near misses of these are secret too).
const SECRET_NAMES: &[&str] = &[
    "secret",
    "password",
    "client_secret",
    "access_token",
    "refresh_token",
    "id_token",
    "code_verifier",
];

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether values of `key` are secret.
pub fn is_secret_key(key: &str) -> bool {
    let k = normalise(key);
    if k.is_empty() {
        return false;
    }
    if SECRET_WORDS.iter().any(|w| k.contains(w)) {
        return true;
    }
    SECRET_NAMES
        .iter()
        .chain(DEFAULT_PERSONAL_FIELDS)
        .map(|n| normalise(n))
        .any(|n| {
            let near = if n.len() < 6 { 1 } else { 2 };
            n == k || strsim::damerau_levenshtein(&n, &k) <= near
        })
}

/// A key on a line: where its value starts, the key's indentation, and whether it sits in a
/// flow collection (`{…}` or `[…]`).
struct KeyAt {
    name: String,
    value_start: usize,
    indent: usize,
    in_flow: bool,
}

static KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?:^|[\s{,\[])(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([A-Za-z_$][^\s:{}\[\],#"']*))[ \t]*:(?:[ \t]+|$)"#,
    )
    .expect("key regex")
});

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '-']).len()
}

fn keys_on(line: &str) -> Vec<KeyAt> {
    let code = strip_comment_outside_quotes(line);
    KEY.captures_iter(code)
        .map(|c| {
            let whole = c.get(0).expect("match");
            let name = c
                .get(1)
                .or(c.get(2))
                .or(c.get(3))
                .map_or("", |m| m.as_str());
            let before = &line[..whole.start()];
            let opened = before.matches(['{', '[']).count();
            let closed = before.matches(['}', ']']).count();
            KeyAt {
                name: name.to_owned(),
                value_start: whole.end(),
                indent: indent_of(line),
                in_flow: opened > closed || line[whole.start()..].starts_with(['{', '[']),
            }
        })
        .collect()
}

/// The line up to a `#` comment that is not inside quotes.
fn strip_comment_outside_quotes(line: &str) -> &str {
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some('"'), '\\') if prev == '\\' => {
                prev = ' ';
                continue;
            }
            (Some(q), c) if c == q && !(q == '"' && prev == '\\') => quote = None,
            (None, '#') if prev.is_whitespace() || i == 0 => return &line[..i],
            _ => {}
        }
        prev = c;
    }
    line
}

/// The end of a quoted value that starts at `start` (on the quote), or `None` when the quote
/// is not closed on this line.
fn closing_quote(line: &str, start: usize) -> Option<usize> {
    let q = line[start..].chars().next()?;
    let mut chars = line[start + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        if q == '"' && c == '\\' {
            chars.next();
        } else if c == q {
            if q == '\'' && line[start + 1 + i + 1..].starts_with('\'') {
                chars.next();
                continue;
            }
            return Some(start + 1 + i + 1);
        }
    }
    None
}

/// The byte ranges of each line (1-based) that hold values of secret keys.
pub fn secret_extents(source: &str) -> BTreeMap<usize, Vec<Range<usize>>> {
    let lines: Vec<&str> = source.lines().collect();
    let mut out: BTreeMap<usize, Vec<Range<usize>>> = BTreeMap::new();
    let mut add = |line: usize, r: Range<usize>| {
        if r.start < r.end {
            out.entry(line + 1).or_default().push(r);
        }
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let mut next = i + 1;
        for key in keys_on(line).into_iter().filter(|k| is_secret_key(&k.name)) {
            let rest = &line[key.value_start..];
            let value = rest.trim_end();
            if value.starts_with("${") || value.starts_with("\"${") {
                continue;
            }
            let start = key.value_start;
            // The more indented lines after the key (a block scalar, a continued plain or
            // quoted scalar).
            let continuation = |from: usize| {
                let mut j = from;
                while j < lines.len() {
                    let l = lines[j];
                    if !l.trim().is_empty() && indent_of(l) <= key.indent {
                        break;
                    }
                    j += 1;
                }
                j
            };
            if value.starts_with(['"', '\'']) {
                match closing_quote(line, start) {
                    Some(end) => add(i, start..end),
                    None => {
                        add(i, start..line.len());
                        let q = &value[..1];
                        let mut j = i + 1;
                        while j < lines.len() {
                            let l = lines[j];
                            let from = l.len() - l.trim_start().len();
                            match l[from..].find(q) {
                                Some(e) if !(q == "\"" && l[from..from + e].ends_with('\\')) => {
                                    add(j, from..from + e + 1);
                                    break;
                                }
                                _ => add(j, from..l.len()),
                            }
                            j += 1;
                        }
                        next = next.max(j + 1);
                    }
                }
            } else if key.in_flow {
                let end = rest.find([',', '}', ']']).unwrap_or(rest.len());
                add(i, start..start + rest[..end].trim_end().len());
            } else {
                let block = value.starts_with(['|', '>']);
                if !block {
                    add(i, start..line.len());
                }
                let end = continuation(i + 1);
                for (j, l) in lines.iter().enumerate().take(end).skip(i + 1) {
                    let from = l.len() - l.trim_start().len();
                    add(j, from..l.len());
                }
                next = next.max(end);
            }
        }
        i = next;
    }
    out
}

static QUOTED_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\s*)(\d+)( \| ?)(.*)$").expect("snippet regex"));

/// `message` (a YAML error about `source`) with the values of secret keys masked in the lines
/// it quotes, and every masked fragment of 4 characters or more masked wherever else it
/// appears.
pub fn mask_snippet(message: &str, source: &str) -> String {
    let extents = secret_extents(source);
    let lines: Vec<&str> = source.lines().collect();
    let mut fragments: Vec<String> = Vec::new();
    for (&n, ranges) in &extents {
        for r in ranges {
            let text = lines[n - 1][r.clone()].trim();
            let unquoted = text.trim_matches(['"', '\'']);
            for f in [text, unquoted] {
                if f.chars().count() >= 4 {
                    fragments.push(f.to_owned());
                }
            }
        }
    }
    fragments.sort_by_key(|f| std::cmp::Reverse(f.len()));
    fragments.dedup();
    let masked: Vec<String> = message
        .lines()
        .map(|l| {
            let Some(c) = QUOTED_LINE.captures(l) else {
                return l.to_owned();
            };
            let n: usize = c[2].parse().unwrap_or(0);
            let quoted = &c[4];
            match (extents.get(&n), lines.get(n.wrapping_sub(1))) {
                (Some(ranges), Some(src)) if *src == quoted => {
                    let mut text = String::new();
                    let mut last = 0;
                    let mut ranges = ranges.clone();
                    ranges.sort_by_key(|r| r.start);
                    for r in ranges {
                        if r.start < last {
                            continue;
                        }
                        text.push_str(&src[last..r.start]);
                        text.push_str(REDACTED);
                        last = r.end;
                    }
                    text.push_str(&src[last..]);
                    format!("{}{}{}{text}", &c[1], &c[2], &c[3])
                }
                _ => l.to_owned(),
            }
        })
        .collect();
    let mut out = masked.join("\n");
    if message.ends_with('\n') {
        out.push('\n');
    }
    for f in fragments {
        if out.contains(&f) {
            out = out.replace(&f, REDACTED);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked_lines(source: &str) -> String {
        // A snippet quoting every line, as the parser's errors do around the error.
        let snippet: String = source
            .lines()
            .enumerate()
            .map(|(i, l)| format!("{:>2} | {l}\n", i + 1))
            .collect();
        mask_snippet(&snippet, source)
    }

    #[test]
    fn every_yaml_style_of_a_secret_value_is_masked() {
        let source = r#"clients:
  web: {id: web, secret: flow-secret-1, auth_method: none}
  api:
    "secret": "a b, c # d \" e"
    'client_secret': 'it''s-secret'
    client_secret_value: hunter2 with space, comma # and hash
    redirect_uris: [https://rp/cb]
users:
  alice:
    username: alice
    password: |
      block-line-one
      block-line-two
    nin: >-
      folded-nin-1
  bob:
    password: plain multi
      line-continued-secret
    pasword: near-miss-secret
    nin: ${BOB_NIN}
  carol:
    password: "quoted over
      two-lines-secret"
    username: carol
"#;
        let out = masked_lines(source);
        for secret in [
            "flow-secret-1",
            "a b",
            "d \\\" e",
            "it''s-secret",
            "hunter2",
            "comma",
            "and hash",
            "block-line-one",
            "block-line-two",
            "folded-nin-1",
            "plain multi",
            "line-continued-secret",
            "near-miss-secret",
            "quoted over",
            "two-lines-secret",
        ] {
            assert!(!out.contains(secret), "{secret} in\n{out}");
        }
        for readable in [
            "id: web",
            "auth_method: none",
            "redirect_uris: [https://rp/cb]",
            "username: alice",
            "nin: ${BOB_NIN}",
            "username: carol",
            "password: ‹redacted›",
            "secret\": ‹redacted›",
        ] {
            assert!(out.contains(readable), "{readable} masked in\n{out}");
        }
    }

    #[test]
    fn a_fragment_repeated_in_the_message_is_masked_too() {
        let source = "users:\n  a:\n    password: |\n      repeated-secret\n";
        let message = "error: invalid value \"repeated-secret\"\n 4 |       repeated-secret\n";
        let out = mask_snippet(message, source);
        assert!(!out.contains("repeated-secret"), "{out}");
        assert!(out.contains(" 4 |       ‹redacted›"), "{out}");
    }

    #[test]
    fn secret_keys_are_known_by_their_words() {
        for k in [
            "secret",
            "client_secret_value",
            "apiToken",
            "PASSWORD",
            "pasword",
            "secert",
            "nin",
            "dateOfBirth",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "id",
            "username",
            "redirect_uris",
            "kind",
            "issuer",
            "scopes",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }
}
