//! HTML forms as a browser sees them: action, method, every field (hidden ones included) and
//! the submit buttons. The login driver reads forms instead of assuming field names.

use std::sync::LazyLock;

use scraper::{Html, Selector};
use url::Url;

/// A page parsed once, for its forms and its links.
pub struct Page<'a> {
    doc: Html,
    url: &'a Url,
}

/// One `<input>`, `<select>` or `<textarea>` of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub(crate) name: String,
    pub(crate) value: String,
    /// The input type, lower-cased (`text`, `password`, `hidden`, `email` ...).
    pub(crate) kind: String,
    /// The element's `id`, when it has one.
    pub(crate) id: Option<String>,
    /// The text of its `<label>` (by `for=` or around it), trimmed, when it has one.
    pub(crate) label: Option<String>,
    /// Its `autocomplete` hint (`username`, `email`, `current-password` ...), lower-cased.
    pub(crate) autocomplete: Option<String>,
    /// Its `placeholder` text.
    pub(crate) placeholder: Option<String>,
}

impl Field {
    /// Whether `spec` names this field: its name, its id (also as `#id`), its label text or
    /// its placeholder (ignoring case and surrounding space).
    pub fn is_named(&self, spec: &str) -> bool {
        let spec = spec.trim();
        let same = |v: &Option<String>| {
            v.as_deref()
                .is_some_and(|v| v.trim().eq_ignore_ascii_case(spec))
        };
        self.name == spec
            || self
                .id
                .as_deref()
                .is_some_and(|id| id == spec || spec.strip_prefix('#') == Some(id))
            || same(&self.label)
            || same(&self.placeholder)
    }

    /// Whether the field can be typed into (not hidden, not a choice).
    pub fn is_typed(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "text" | "email" | "tel" | "password" | "number" | "search" | "url" | ""
        )
    }

    /// Name, id, label, placeholder and autocomplete, lower-cased, for matching by words.
    fn words(&self) -> String {
        [
            Some(self.name.as_str()),
            self.id.as_deref(),
            self.label.as_deref(),
            self.placeholder.as_deref(),
            self.autocomplete.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
    }

    /// How the field shows in error messages: `name` (label "…", id …).
    pub fn describe(&self) -> String {
        let mut out = format!("`{}` ({}", self.name, self.kind);
        if let Some(label) = &self.label {
            out.push_str(&format!(", label {label:?}"));
        }
        if let Some(id) = &self.id {
            out.push_str(&format!(", id {id}"));
        }
        out.push(')');
        out
    }
}

/// A link (`<a href>`) of a page, resolved against the page URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub(crate) href: Url,
    /// Its visible text (or `title`/`aria-label` when it has none), trimmed.
    pub(crate) text: String,
    pub(crate) id: Option<String>,
}

/// Every form of an HTML page, actions resolved against the page URL.
pub fn parse_forms(html: &str, page_url: &Url) -> Vec<HtmlForm> {
    Page::parse(html, page_url).forms()
}

/// A CSS selector of this module, parsed once per process.
fn css(selector: &str) -> Selector {
    Selector::parse(selector).expect("static selector")
}

static LINKS: LazyLock<Selector> = LazyLock::new(|| css("a[href]"));
static FORMS: LazyLock<Selector> = LazyLock::new(|| css("form"));
static INPUTS: LazyLock<Selector> = LazyLock::new(|| css("input, select, textarea"));
static BUTTONS: LazyLock<Selector> =
    LazyLock::new(|| css("button, input[type=submit], input[type=SUBMIT]"));
static OPTIONS: LazyLock<Selector> = LazyLock::new(|| css("option"));
static LABELS: LazyLock<Selector> = LazyLock::new(|| css("label[for]"));

impl<'a> Page<'a> {
    /// Parses `html`, the page at `url` (against which actions and links resolve).
    pub fn parse(html: &str, url: &'a Url) -> Self {
        Page {
            doc: Html::parse_document(html),
            url,
        }
    }

    /// Every link of the page that leads somewhere (no `#` fragments, no `javascript:`).
    pub fn links(&self) -> Vec<Link> {
        let (doc, page_url) = (&self.doc, self.url);
        doc.select(&LINKS)
            .filter_map(|a| {
                let el = a.value();
                let raw = el.attr("href")?.trim();
                if raw.is_empty()
                    || raw.starts_with('#')
                    || raw.to_ascii_lowercase().starts_with("javascript:")
                {
                    return None;
                }
                let href = page_url.join(raw).ok()?;
                let text = collapse(&a.text().collect::<String>());
                let text = if text.is_empty() {
                    el.attr("aria-label")
                        .or(el.attr("title"))
                        .unwrap_or_default()
                        .trim()
                        .to_string()
                } else {
                    text
                };
                Some(Link {
                    href,
                    text,
                    id: el.attr("id").map(str::to_string),
                })
            })
            .collect()
    }
}

/// Text with runs of whitespace as one space, trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `text` holds one of `words` as whole words (`"[ Cancel ]"` holds `cancel`,
/// `"Nothing"` does not hold `no`); a word may be a phrase (`"sign in"`).
pub fn has_word(text: &str, words: &[&str]) -> bool {
    let normal: String = text
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let padded = format!(" {} ", collapse(&normal));
    words.iter().any(|w| padded.contains(&format!(" {w} ")))
}

/// A submit button (`<button>` or `<input type=submit>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub(crate) name: Option<String>,
    pub(crate) value: String,
    pub(crate) label: String,
}

impl Button {
    /// Name, value and label in one string, for matching by words.
    pub fn text(&self) -> String {
        format!(
            "{} {} {}",
            self.name.as_deref().unwrap_or(""),
            self.value,
            self.label
        )
    }
}

/// A form on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlForm {
    pub(crate) action: Url,
    pub(crate) method: String,
    pub(crate) fields: Vec<Field>,
    pub(crate) buttons: Vec<Button>,
}

impl Page<'_> {
    /// See [`parse_forms`].
    pub fn forms(&self) -> Vec<HtmlForm> {
        let (doc, page_url) = (&self.doc, self.url);
        let label_for: Vec<(String, String)> = doc
            .select(&LABELS)
            .filter_map(|l| {
                Some((
                    l.value().attr("for")?.to_string(),
                    collapse(&l.text().collect::<String>()),
                ))
            })
            .collect();
        doc.select(&FORMS)
            .map(|form| {
                let el = form.value();
                let action = el
                    .attr("action")
                    .filter(|a| !a.trim().is_empty())
                    .and_then(|a| page_url.join(a.trim()).ok())
                    .unwrap_or_else(|| page_url.clone());
                let method = el.attr("method").unwrap_or("GET").to_ascii_uppercase();
                let mut fields = Vec::new();
                for input in form.select(&INPUTS) {
                    let iv = input.value();
                    let Some(name) = iv.attr("name") else {
                        continue;
                    };
                    let kind = match iv.name() {
                        "select" => "select".to_string(),
                        "textarea" => "textarea".to_string(),
                        _ => iv.attr("type").unwrap_or("text").to_ascii_lowercase(),
                    };
                    if matches!(kind.as_str(), "submit" | "button" | "image" | "reset") {
                        continue;
                    }
                    if matches!(kind.as_str(), "checkbox" | "radio") && iv.attr("checked").is_none()
                    {
                        continue;
                    }
                    let value = match kind.as_str() {
                        "textarea" => input.text().collect(),
                        "select" => input
                            .select(&OPTIONS)
                            .find(|o| o.value().attr("selected").is_some())
                            .or_else(|| input.select(&OPTIONS).next())
                            .map(|o| {
                                o.value()
                                    .attr("value")
                                    .map(str::to_string)
                                    .unwrap_or_else(|| o.text().collect())
                            })
                            .unwrap_or_default(),
                        "checkbox" | "radio" => iv.attr("value").unwrap_or("on").to_string(),
                        _ => iv.attr("value").unwrap_or_default().to_string(),
                    };
                    let id = iv.attr("id").map(str::to_string);
                    let label = id
                        .as_deref()
                        .and_then(|id| label_for.iter().find(|(f, _)| f == id))
                        .map(|(_, text)| text.clone())
                        .or_else(|| {
                            // A label around the field: its own text, less the field's.
                            input
                                .ancestors()
                                .filter_map(scraper::ElementRef::wrap)
                                .find(|a| a.value().name() == "label")
                                .map(|l| collapse(&l.text().collect::<String>()))
                        })
                        .filter(|l| !l.is_empty());
                    fields.push(Field {
                        name: name.to_string(),
                        value,
                        kind,
                        id,
                        label,
                        autocomplete: iv.attr("autocomplete").map(|a| a.to_ascii_lowercase()),
                        placeholder: iv.attr("placeholder").map(str::to_string),
                    });
                }
                let buttons = form
                    .select(&BUTTONS)
                    .filter(|b| {
                        b.value().name() == "input"
                            || b.value()
                                .attr("type")
                                .is_none_or(|t| t.eq_ignore_ascii_case("submit"))
                    })
                    .map(|b| {
                        let bv = b.value();
                        let label: String = b.text().collect::<String>().trim().to_string();
                        Button {
                            name: bv.attr("name").map(str::to_string),
                            value: bv.attr("value").unwrap_or_default().to_string(),
                            label: if label.is_empty() {
                                bv.attr("value").unwrap_or_default().to_string()
                            } else {
                                label
                            },
                        }
                    })
                    .collect();
                HtmlForm {
                    action,
                    method,
                    fields,
                    buttons,
                }
            })
            .collect()
    }
}

impl HtmlForm {
    /// Whether the form asks for a password (a login form).
    pub fn has_password(&self) -> bool {
        self.fields.iter().any(|f| f.kind == "password")
    }

    /// The field a user types their login name into, found as a browser's password manager
    /// would: `spec` (name, id, label or placeholder) when given; else `autocomplete=username`
    /// (or `email`), then `type=email`, then a name, id or label that says user, login, email
    /// or identifier; in a form that asks for a password, the first text field before it.
    pub fn username_field(&self, spec: Option<&str>) -> Option<&Field> {
        if let Some(spec) = spec {
            return self.fields.iter().find(|f| f.is_named(spec));
        }
        let text_like = |f: &&Field| f.is_typed() && f.kind != "password";
        let by_hint = self.fields.iter().filter(text_like).find(|f| {
            f.autocomplete.as_deref().is_some_and(|a| {
                a.split_whitespace()
                    .any(|t| t == "username" || t == "email")
            })
        });
        let by_type = || self.fields.iter().find(|f| f.kind == "email");
        let by_words = || {
            self.fields.iter().filter(text_like).find(|f| {
                let words = f.words();
                ["user", "login", "mail", "ident", "account"]
                    .iter()
                    .any(|w| words.contains(w))
            })
        };
        let before_password = || {
            let pw = self.fields.iter().position(|f| f.kind == "password")?;
            self.fields[..pw].iter().rev().find(text_like)
        };
        by_hint
            .or_else(by_type)
            .or_else(by_words)
            .or_else(before_password)
    }

    /// The field a user types their password into: `spec` when given, else the first
    /// `type=password` field.
    pub fn password_field(&self, spec: Option<&str>) -> Option<&Field> {
        match spec {
            Some(spec) => self.fields.iter().find(|f| f.is_named(spec)),
            None => self.fields.iter().find(|f| f.kind == "password"),
        }
    }

    /// The typed fields, as error messages list them.
    pub fn describe_fields(&self) -> String {
        let list: Vec<String> = self
            .fields
            .iter()
            .filter(|f| f.is_typed())
            .map(Field::describe)
            .collect();
        if list.is_empty() {
            "none".into()
        } else {
            list.join(", ")
        }
    }

    /// The value of a field by name.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }

    /// Sets a field's value (adding it if missing).
    pub fn set(&mut self, name: &str, value: &str) {
        match self.fields.iter_mut().find(|f| f.name == name) {
            Some(f) => f.value = value.to_string(),
            None => self.fields.push(Field {
                name: name.to_string(),
                value: value.to_string(),
                kind: "text".to_string(),
                id: None,
                label: None,
                autocomplete: None,
                placeholder: None,
            }),
        }
    }

    /// The submit button whose name, value or label holds one of `words` as whole words
    /// (case-insensitive).
    pub fn button_matching(&self, words: &[&str]) -> Option<&Button> {
        self.buttons.iter().find(|b| has_word(&b.text(), words))
    }

    /// The submit button named by `spec`: its label, value or name, exactly (ignoring case).
    pub fn button_named(&self, spec: &str) -> Option<&Button> {
        let spec = spec.trim();
        self.buttons.iter().find(|b| {
            b.label.eq_ignore_ascii_case(spec)
                || b.value.eq_ignore_ascii_case(spec)
                || b.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(spec))
        })
    }

    /// The fields to submit, with the chosen button's name/value when it has a name.
    pub fn submission(&self, button: Option<&Button>) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect();
        if let Some(Button {
            name: Some(name),
            value,
            ..
        }) = button
        {
            out.push((name.clone(), value.clone()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><body>
      <form method="post" action="/login?x=1">
        <input type="hidden" name="txn" value="t1">
        <input name="user" value="">
        <input type="password" name="pw">
        <input type="checkbox" name="remember">
        <button type="submit" name="go" value="yes">Sign in</button>
      </form>
      <form action="consent" method="POST"><input type="hidden" name="prompt" value="consent">
        <button name="decision" value="allow">Allow</button><button name="decision" value="deny">Deny</button></form>
    </body></html>"#;

    #[test]
    fn reads_fields_actions_and_buttons() {
        let page = Url::parse("http://op.example/auth/open/connect/authorize?a=b").unwrap();
        let forms = parse_forms(PAGE, &page);
        assert_eq!(forms.len(), 2);
        let login = &forms[0];
        assert_eq!(login.action.as_str(), "http://op.example/login?x=1");
        assert_eq!(login.method, "POST");
        assert!(login.has_password());
        assert_eq!(login.username_field(None).unwrap().name, "user");
        assert_eq!(login.value("txn"), Some("t1"));
        assert!(
            login.value("remember").is_none(),
            "unchecked checkbox is not submitted"
        );
        let consent = &forms[1];
        assert_eq!(
            consent.action.as_str(),
            "http://op.example/auth/open/connect/consent"
        );
        let allow = consent.button_matching(&["allow"]).unwrap();
        assert_eq!(
            consent.submission(Some(allow)),
            vec![
                ("prompt".to_string(), "consent".to_string()),
                ("decision".to_string(), "allow".to_string())
            ]
        );
    }
}
