//! What erasing a person removes, and where else they are mentioned.
//!
//! A person's name, e-mail address and telephone number (every value any
//! recorded version of them had) are personal data wherever they appear: in
//! the person's record and its history, in notes linked to them or not, in
//! the free text of every other record (descriptions, a group's contact and
//! purpose, a contribution's description) and its history, and in revision
//! summaries. Each is found as a whole word, ignoring case, and replaced by
//! [`ERASED`].

use serde_json::Value;

use super::backend::{from_doc, to_doc};
use crate::model::{Person, Record};
use crate::{Error, Result};

/// What replaces an erased person's details.
pub const ERASED: &str = "[erased person]";

/// The texts that identify a person, lower-cased.
#[derive(Clone, Debug, Default)]
pub(super) struct Needles(Vec<String>);

impl Needles {
    /// Every name, e-mail address and telephone number `versions` of a
    /// person held.
    pub(super) fn of<'a>(versions: impl IntoIterator<Item = &'a Person>) -> Self {
        let mut found: Vec<String> = Vec::new();
        for person in versions {
            let texts = [
                Some(person.name.as_str()),
                person.contact.email.as_deref(),
                person.contact.phone.as_deref(),
            ];
            for text in texts.into_iter().flatten() {
                let lowered = text.trim().to_lowercase();
                // One letter matches too much to be a person's detail.
                if lowered.chars().count() > 1 && !found.contains(&lowered) {
                    found.push(lowered);
                }
            }
        }
        // Longest first, so that "Jim Blackwell" goes before "Jim".
        found.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Self(found)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `text` with every whole-word, case-insensitive occurrence replaced by
    /// [`ERASED`], or `None` if there is none.
    pub(super) fn redact(&self, text: &str) -> Option<String> {
        let mut current = text.to_owned();
        let mut changed = false;
        for needle in &self.0 {
            if let Some(next) = replace_words(&current, needle) {
                current = next;
                changed = true;
            }
        }
        changed.then_some(current)
    }

    /// Whether `text` mentions the person.
    pub(super) fn found_in(&self, text: &str) -> bool {
        self.0.iter().any(|n| find_word(text, n, 0).is_some())
    }

    /// The record with every mention redacted, and the paths of the fields
    /// that held one; `None` when it mentions nobody.
    pub(super) fn redact_record<T: Record>(&self, record: &T) -> Result<Option<(T, Vec<String>)>> {
        let mut value =
            serde_json::from_str::<Value>(&to_doc(record)?).map_err(|e| parse(record, e))?;
        let mut fields = Vec::new();
        self.walk(&mut value, String::new(), &mut fields);
        if fields.is_empty() {
            return Ok(None);
        }
        let redacted = serde_json::from_value(value).map_err(|e| parse(record, e))?;
        Ok(Some((redacted, fields)))
    }

    /// A stored JSON document with every mention redacted, and the paths of
    /// the fields that held one.
    pub(super) fn redact_doc<T: Record>(&self, doc: &str) -> Result<Option<(String, Vec<String>)>> {
        let record: T = from_doc(doc)?;
        Ok(match self.redact_record(&record)? {
            Some((redacted, fields)) => Some((to_doc(&redacted)?, fields)),
            None => None,
        })
    }

    fn walk(&self, value: &mut Value, path: String, fields: &mut Vec<String>) {
        match value {
            Value::String(text) => {
                if let Some(redacted) = self.redact(text) {
                    *text = redacted;
                    fields.push(path);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.walk(item, format!("{path}[{i}]"), fields);
                }
            }
            Value::Object(map) => {
                for (key, item) in map.iter_mut() {
                    let at = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    self.walk(item, at, fields);
                }
            }
            _ => {}
        }
    }
}

fn parse<T: Record>(record: &T, e: serde_json::Error) -> Error {
    Error::Parse {
        what: "record",
        input: record.label().to_owned(),
        reason: e.to_string(),
    }
}

/// `text` lower-cased, with the byte in `text` each lower-cased byte came from.
fn lowered(text: &str) -> (String, Vec<usize>) {
    let mut lower = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        for l in c.to_lowercase() {
            let before = lower.len();
            lower.push(l);
            origin.extend(std::iter::repeat_n(at, lower.len() - before));
        }
    }
    (lower, origin)
}

/// The byte range in `text` of the first whole-word occurrence of the
/// lower-cased `needle` at or after byte `from`, ignoring case.
fn find_word(text: &str, needle: &str, from: usize) -> Option<(usize, usize)> {
    let (lower, origin) = lowered(text);
    let mut search = origin
        .iter()
        .position(|&o| o >= from)
        .unwrap_or(lower.len());
    while let Some(found) = lower.get(search..)?.find(needle) {
        let start = search + found;
        let end = start + needle.len();
        let before = lower[..start].chars().next_back();
        let after = lower[end..].chars().next();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        if !word(before) && !word(after) {
            let from = origin[start];
            let to = origin.get(end).copied().unwrap_or(text.len());
            return Some((from, to));
        }
        search = start + lower[start..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

fn replace_words(text: &str, needle: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = 0;
    let mut changed = false;
    while let Some((from, to)) = find_word(text, needle, rest) {
        out.push_str(&text[rest..from]);
        out.push_str(ERASED);
        rest = to;
        changed = true;
    }
    if !changed {
        return None;
    }
    out.push_str(&text[rest..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles(name: &str, email: Option<&str>) -> Needles {
        let mut person = Person::new(name);
        person.contact.email = email.map(str::to_owned);
        Needles::of([&person])
    }

    #[test]
    fn whole_words_in_any_case_are_replaced() {
        let n = needles("Susan Boeve", Some("s.boeve@example.org"));
        assert_eq!(
            n.redact("SUSAN BOEVE said, write to s.boeve@example.org.")
                .as_deref(),
            Some("[erased person] said, write to [erased person].")
        );
        assert_eq!(n.redact("Susan Boevers"), None, "part of a longer word");
        assert_eq!(n.redact("nothing here"), None);
    }

    #[test]
    fn case_folding_that_changes_lengths_keeps_the_rest_intact() {
        let n = needles("İstanbul Office", None);
        assert_eq!(
            n.redact("Ünïcode before İSTANBUL OFFICE and after")
                .as_deref(),
            Some("Ünïcode before [erased person] and after")
        );
    }
}
