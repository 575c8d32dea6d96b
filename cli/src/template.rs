//! CSV payload templates: `{column}` fields replaced by the row's value, JSON-escaped so a
//! value can never break out of the string it sits in.

/// A template compiled against the CSV header.
pub struct Template {
    parts: Vec<Part>,
}

enum Part {
    Text(String),
    Column(usize),
}

impl Template {
    /// Compiles `text` against `header`. `{name}` with a name made of letters, digits, `_` and
    /// `-` must be a column (an error naming it otherwise); other braces are JSON.
    pub fn compile(text: &str, header: &[String]) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            literal.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let name_len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(after.len());
            if name_len > 0 && after[name_len..].starts_with('}') {
                let name = &after[..name_len];
                let column = header.iter().position(|h| h == name).ok_or_else(|| {
                    format!(
                        "--template field {{{name}}} is not a CSV column (columns: {})",
                        header.join(", ")
                    )
                })?;
                parts.push(Part::Text(std::mem::take(&mut literal)));
                parts.push(Part::Column(column));
                rest = &after[name_len + 1..];
            } else {
                literal.push('{');
                rest = after;
            }
        }
        literal.push_str(rest);
        parts.push(Part::Text(literal));
        Ok(Template { parts })
    }

    /// The payload for one row.
    pub fn render(&self, row: &csv::StringRecord) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Column(i) => escape_into(row.get(*i).unwrap_or(""), &mut out),
            }
        }
        out
    }
}

/// `value` as the inside of a JSON string.
fn escape_into(value: &str, out: &mut String) {
    let quoted = serde_json::to_string(value).expect("a string serializes");
    out.push_str(&quoted[1..quoted.len() - 1]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_replaced_escaped_and_unknown_ones_refused() {
        let header = vec!["token".to_string(), "name".to_string()];
        let t = Template::compile(r#"{"aps":{"alert":"Hi {name}, {name}!"}}"#, &header).unwrap();
        let row = csv::StringRecord::from(vec!["ab", "Ann \"A\" \\ \n"]);
        let out = t.render(&row);
        assert_eq!(
            out,
            r#"{"aps":{"alert":"Hi Ann \"A\" \\ \n, Ann \"A\" \\ \n!"}}"#
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["aps"]["alert"], "Hi Ann \"A\" \\ \n, Ann \"A\" \\ \n!");
        let err = Template::compile(r#"{"a":"{nmae}"}"#, &header)
            .err()
            .unwrap();
        assert!(
            err.contains("{nmae}") && err.contains("token, name"),
            "{err}"
        );
    }
}
