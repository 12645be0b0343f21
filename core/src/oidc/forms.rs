//! HTML forms as a browser sees them: action, method, every field (hidden ones included) and
//! the submit buttons. The login driver reads forms instead of assuming field names.

use scraper::{Html, Selector};
use url::Url;

/// One `<input>`, `<select>` or `<textarea>` of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
    /// The input type, lower-cased (`text`, `password`, `hidden`, `email` ...).
    pub kind: String,
}

/// A submit button (`<button>` or `<input type=submit>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub name: Option<String>,
    pub value: String,
    pub label: String,
}

/// A form on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlForm {
    pub action: Url,
    pub method: String,
    pub fields: Vec<Field>,
    pub buttons: Vec<Button>,
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("static selector")
}

/// Every form of an HTML page, actions resolved against the page URL.
pub fn parse_forms(html: &str, page_url: &Url) -> Vec<HtmlForm> {
    let doc = Html::parse_document(html);
    let forms = selector("form");
    let inputs = selector("input, select, textarea");
    let buttons = selector("button, input[type=submit], input[type=SUBMIT]");
    let option = selector("option");
    doc.select(&forms)
        .map(|form| {
            let el = form.value();
            let action = el
                .attr("action")
                .filter(|a| !a.trim().is_empty())
                .and_then(|a| page_url.join(a.trim()).ok())
                .unwrap_or_else(|| page_url.clone());
            let method = el.attr("method").unwrap_or("GET").to_ascii_uppercase();
            let mut fields = Vec::new();
            for input in form.select(&inputs) {
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
                if matches!(kind.as_str(), "checkbox" | "radio") && iv.attr("checked").is_none() {
                    continue;
                }
                let value = match kind.as_str() {
                    "textarea" => input.text().collect(),
                    "select" => input
                        .select(&option)
                        .find(|o| o.value().attr("selected").is_some())
                        .or_else(|| input.select(&option).next())
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
                fields.push(Field {
                    name: name.to_string(),
                    value,
                    kind,
                });
            }
            let buttons = form
                .select(&buttons)
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

impl HtmlForm {
    /// Whether the form asks for a password (a login form).
    pub fn has_password(&self) -> bool {
        self.fields.iter().any(|f| f.kind == "password")
    }

    /// The field a user types their login name into: the first visible text-like input.
    pub fn username_field(&self) -> Option<&Field> {
        self.fields.iter().find(|f| {
            matches!(f.kind.as_str(), "text" | "email" | "tel" | "") && f.name != "password"
        })
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
            }),
        }
    }

    /// The submit button whose name, value or label matches one of `words` (case-insensitive).
    pub fn button_matching(&self, words: &[&str]) -> Option<&Button> {
        self.buttons.iter().find(|b| {
            let text = format!(
                "{} {} {}",
                b.name.as_deref().unwrap_or(""),
                b.value,
                b.label
            )
            .to_lowercase();
            words.iter().any(|w| text.contains(w))
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
        assert_eq!(login.username_field().unwrap().name, "user");
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
