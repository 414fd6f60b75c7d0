//! A small, defensive XML tree reader on top of quick-xml.
//!
//! IATI files are read one `iati-activity` at a time: the reader hands each
//! activity's subtree to a callback and then drops it, so memory follows the
//! largest activity, not the file. It refuses what a hostile file could use
//! against the machine: any document type declaration (one declaring
//! entities, as billion laughs and XXE do, or naming an external DTD with
//! `SYSTEM` or `PUBLIC`), references to undeclared entities, nesting deeper
//! than [`MAX_DEPTH`]. quick-xml itself never expands DTD entities nor
//! fetches anything.

use std::borrow::Cow;

use quick_xml::events::{BytesRef, BytesStart, Event};

use super::MAX_DEPTH;
use crate::{Error, Result};

/// One element with its attributes, children and text. Names, values and
/// text borrow from the document where it holds them as they are (no
/// entity to resolve, one text node): most of a file is never copied.
#[derive(Clone, Debug, Default)]
pub(super) struct Element<'a> {
    /// The name as written, with its prefix if any, e.g. `dstore:index`.
    pub name: Cow<'a, str>,
    /// Attributes as written (qualified names), values unescaped.
    pub attrs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Child elements, in document order.
    pub children: Vec<Element<'a>>,
    /// The element's own text (all its text nodes, joined), less any
    /// whitespace before the first that is not blank: what
    /// [`Element::trimmed_text`] reads is all the text there is.
    text: Cow<'a, str>,
}

impl<'a> Element<'a> {
    /// An attribute by its exact qualified name, trimmed; `None` if absent or blank.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The children called `name`, each with its 1-based position among them.
    pub fn children_named<'e>(
        &'e self,
        name: &'e str,
    ) -> impl Iterator<Item = (usize, &'e Element<'a>)> + 'e {
        self.children
            .iter()
            .filter(move |c| c.name == name)
            .enumerate()
            .map(|(i, c)| (i + 1, c))
    }

    /// The first child called `name`.
    pub fn child(&self, name: &str) -> Option<&Element<'a>> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The trimmed text, `None` if blank.
    pub fn trimmed_text(&self) -> Option<&str> {
        Some(self.text.trim()).filter(|t| !t.is_empty())
    }

    /// Adds a text node. Blank text before any other is left out, as
    /// trimming drops it: the whitespace between child elements then
    /// costs nothing, and a lone text node stays borrowed.
    fn push_text(&mut self, more: Cow<'a, str>) {
        if self.text.is_empty() {
            if !more.trim_start().is_empty() {
                self.text = more;
            }
        } else {
            self.text.to_mut().push_str(&more);
        }
    }
}

/// `part` as a slice of `text` with `text`'s lifetime, when it is one:
/// quick-xml hands out slices of the document under a shorter borrow.
fn within<'a>(text: &'a str, part: &[u8]) -> Option<&'a str> {
    let offset = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let found = text.get(offset..offset.checked_add(part.len())?)?;
    (found.as_ptr() == part.as_ptr()).then_some(found)
}

/// 1-based line and column of a byte offset.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(1, |last| last.chars().count() + 1);
    (line, column)
}

fn xml_error(text: &str, offset: u64, message: impl Into<String>) -> Error {
    let (line, column) = line_column(text, usize::try_from(offset).unwrap_or(usize::MAX));
    Error::Xml {
        line,
        column,
        message: message.into(),
    }
}

fn start_element<'a>(text: &'a str, offset: u64, start: &BytesStart<'_>) -> Result<Element<'a>> {
    let name_len = start.name().as_ref().len();
    // The tag's content as a slice of the document, so that its name and
    // values can be borrowed; a copy if quick-xml ever hands out another.
    let content: Cow<'a, str> = match within(text, start) {
        Some(content) => Cow::Borrowed(content),
        None => Cow::Owned(String::from_utf8_lossy(start).into_owned()),
    };
    let borrowed = |part: &[u8]| match &content {
        Cow::Borrowed(content) => within(content, part).map(Cow::Borrowed),
        Cow::Owned(_) => None,
    };
    let owned = |part: &[u8]| Cow::Owned(String::from_utf8_lossy(part).into_owned());
    let raw_name = content.as_bytes().get(..name_len).unwrap_or_default();
    let name = borrowed(raw_name).unwrap_or_else(|| owned(raw_name));
    let mut attrs = Vec::new();
    for attr in quick_xml::events::attributes::Attributes::new(&content, name_len) {
        let attr = attr.map_err(|e| xml_error(text, offset, e.to_string()))?;
        let raw_key = attr.key.as_ref();
        let key = borrowed(raw_key).unwrap_or_else(|| owned(raw_key));
        // A slice of the document is text already: only entities to resolve.
        let unescaped = match borrowed(&attr.value) {
            Some(Cow::Borrowed(raw)) => quick_xml::escape::unescape(raw)
                .map(|value| match value {
                    Cow::Borrowed(_) => Cow::Borrowed(raw),
                    Cow::Owned(value) => Cow::Owned(value),
                })
                .map_err(quick_xml::Error::from),
            _ => attr.unescape_value().map(|v| Cow::Owned(v.into_owned())),
        };
        let value = match unescaped {
            Ok(value) => value,
            Err(e) => return Err(xml_error(text, offset, format!("attribute {key}: {e}"))),
        };
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
        text: Cow::Borrowed(""),
    })
}

fn resolve_reference(text: &str, offset: u64, reference: &BytesRef<'_>) -> Result<String> {
    if let Ok(Some(ch)) = reference.resolve_char_ref() {
        return Ok(ch.to_string());
    }
    let name = reference
        .decode()
        .map_err(|e| xml_error(text, offset, e.to_string()))?;
    match quick_xml::escape::resolve_predefined_entity(&name) {
        Some(value) => Ok(value.to_owned()),
        None => Err(xml_error(
            text,
            offset,
            format!("reference to undeclared entity &{name}; (entities are never expanded)"),
        )),
    }
}

/// Reads `text`, calling `on_root` once with the root (children not yet
/// read), then `each` with every child of the root in turn, whole, and its
/// 1-based position among the root's children of the same name. A bare
/// root that is not a wrapper is passed to `each` itself, at position 1.
pub(super) fn stream<'a>(
    text: &'a str,
    wrapper: &str,
    mut on_root: impl FnMut(&Element<'a>) -> Result<()>,
    mut each: impl FnMut(Element<'a>, usize) -> Result<()>,
) -> Result<()> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    // The stack of open elements being built; the root of a wrapper document
    // is kept apart, its children are built and handed over one by one.
    let mut stack: Vec<Element<'a>> = Vec::new();
    let mut root: Option<Element<'a>> = None;
    let mut root_is_wrapper = false;
    let mut positions: std::collections::HashMap<Cow<'a, str>, usize> = Default::default();
    let mut depth = 0usize;
    loop {
        let offset = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| xml_error(text, reader.error_position(), e.to_string()))?;
        match event {
            // IATI uses no DTD, so none is read: not an internal subset,
            // whose entities can expand without bound, nor an external one,
            // which a reader would fetch or read from disk.
            Event::DocType(doctype) => {
                let body = String::from_utf8_lossy(doctype.as_ref()).to_ascii_uppercase();
                let message = if body.contains("<!ENTITY") {
                    "the document type declares entities; they are refused, as they can expand \
                     without bound or read local files"
                } else {
                    "the document has a document type declaration (<!DOCTYPE ...>); it is \
                     refused, as a DTD can name files to read or fetch (SYSTEM, PUBLIC) and \
                     declare entities, and IATI uses none"
                };
                return Err(xml_error(text, offset, message));
            }
            Event::Start(start) | Event::Empty(start) if depth == 0 && root.is_some() => {
                let _ = start;
                return Err(xml_error(text, offset, "a second root element"));
            }
            Event::Start(start) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(xml_error(
                        text,
                        offset,
                        format!("elements nest deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let element = start_element(text, offset, &start)?;
                if depth == 1 {
                    root_is_wrapper = element.name == wrapper;
                    on_root(&element)?;
                    if root_is_wrapper {
                        root = Some(element);
                        continue;
                    }
                    root = Some(Element::default());
                }
                stack.push(element);
            }
            Event::Empty(start) => {
                let element = start_element(text, offset, &start)?;
                if depth == 0 {
                    root_is_wrapper = element.name == wrapper;
                    on_root(&element)?;
                    if root_is_wrapper {
                        root = Some(element);
                    } else {
                        root = Some(Element::default());
                        each(element, 1)?;
                    }
                } else if let Some(parent) = stack.last_mut() {
                    parent.children.push(element);
                } else if root_is_wrapper {
                    let position = positions.entry(element.name.clone()).or_default();
                    *position += 1;
                    each(element, *position)?;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if let Some(done) = stack.pop() {
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(done);
                    } else if root_is_wrapper {
                        let position = positions.entry(done.name.clone()).or_default();
                        *position += 1;
                        each(done, *position)?;
                    } else {
                        each(done, 1)?;
                    }
                }
            }
            Event::Text(t) => {
                if let Some(open) = stack.last_mut() {
                    // A slice of the document is text already.
                    let decoded = match within(text, &t) {
                        Some(slice) => Cow::Borrowed(slice),
                        None => t
                            .decode()
                            .map_err(|e| xml_error(text, offset, e.to_string()))?,
                    };
                    open.push_text(decoded);
                }
            }
            Event::CData(t) => {
                if let Some(open) = stack.last_mut() {
                    let decoded = t
                        .decode()
                        .map_err(|e| xml_error(text, offset, e.to_string()))?;
                    open.push_text(decoded);
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = resolve_reference(text, offset, &reference)?;
                if let Some(open) = stack.last_mut() {
                    open.push_text(Cow::Owned(resolved));
                }
            }
            Event::Eof => {
                if depth > 0 {
                    let open = stack
                        .last()
                        .map(|e| e.name.to_string())
                        .or_else(|| root.as_ref().map(|r| r.name.to_string()))
                        .unwrap_or_default();
                    return Err(xml_error(
                        text,
                        offset,
                        format!("the document ends inside <{open}>"),
                    ));
                }
                break;
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    match root {
        None => Err(xml_error(text, 0, "the document has no root element")),
        Some(_) => Ok(()),
    }
}

/// One step of a warning's XPath: an element name and its 1-based position
/// among its parent's children of that name (1 when the step has none).
fn steps(xpath: &str) -> Option<Vec<(&str, usize)>> {
    let mut steps = Vec::new();
    for step in xpath.strip_prefix('/')?.split('/') {
        if step.starts_with('@') {
            break;
        }
        let (name, position) = match step.split_once('[') {
            Some((name, rest)) => (name, rest.strip_suffix(']')?.parse().ok()?),
            None => (step, 1),
        };
        if name.is_empty() || position == 0 {
            return None;
        }
        steps.push((name, position));
    }
    (!steps.is_empty()).then_some(steps)
}

/// For each XPath, the 1-based line and column of the element it names, or
/// of its nearest ancestor in the document when the element itself is
/// missing (an attribute names its element). `None` when not even the root
/// matches. One pass over `text`, following only the elements on the way to
/// a wanted one.
pub(super) fn locate(text: &str, xpaths: &[&str]) -> Vec<Option<(usize, usize)>> {
    let text = crate::io::text::without_bom(text);
    let wanted: Vec<Option<Vec<(&str, usize)>>> = xpaths.iter().map(|x| steps(x)).collect();
    // Every prefix of a wanted path, as `/name[n]/…`, with where it starts.
    let mut found: std::collections::HashMap<String, Option<usize>> = Default::default();
    for steps in wanted.iter().flatten() {
        let mut path = String::new();
        for (name, position) in steps {
            path.push_str(&format!("/{name}[{position}]"));
            found.entry(path.clone()).or_insert(None);
        }
    }
    let mut reader = quick_xml::Reader::from_str(text);
    // The open elements: the path of each, if it leads to a wanted element,
    // and how many children of each name it has had so far.
    type Open = (Option<String>, std::collections::HashMap<Vec<u8>, usize>);
    let mut open: Vec<Open> = vec![(Some(String::new()), Default::default())];
    loop {
        let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let (start, empty) = match reader.read_event() {
            Ok(Event::Start(start)) => (start, false),
            Ok(Event::Empty(start)) => (start, true),
            Ok(Event::End(_)) => {
                open.pop();
                continue;
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => continue,
        };
        let path = match open.last_mut() {
            Some((Some(parent), counts)) => {
                let count = counts.entry(start.name().as_ref().to_vec()).or_default();
                *count += 1;
                let path = format!(
                    "{parent}/{}[{count}]",
                    String::from_utf8_lossy(start.name().as_ref())
                );
                match found.get_mut(&path) {
                    Some(at) => {
                        *at = Some(offset);
                        Some(path)
                    }
                    None => None,
                }
            }
            _ => None,
        };
        if !empty {
            open.push((path, Default::default()));
        }
    }
    // Lines and columns of the offsets found, counted in one pass.
    let mut offsets: Vec<usize> = found.values().flatten().copied().collect();
    offsets.sort_unstable();
    offsets.dedup();
    let mut places = std::collections::HashMap::new();
    let (mut line, mut line_start, mut scanned) = (1, 0, 0);
    for offset in offsets {
        let Some(between) = text.get(scanned..offset) else {
            continue;
        };
        for (i, byte) in between.bytes().enumerate() {
            if byte == b'\n' {
                line += 1;
                line_start = scanned + i + 1;
            }
        }
        scanned = offset;
        let column = text
            .get(line_start..offset)
            .map_or(1, |t| t.chars().count() + 1);
        places.insert(offset, (line, column));
    }
    wanted
        .iter()
        .map(|steps| {
            let mut path = String::new();
            let mut best = None;
            for (name, position) in steps.as_ref()? {
                path.push_str(&format!("/{name}[{position}]"));
                match found.get(&path).copied().flatten() {
                    Some(offset) => best = places.get(&offset).copied(),
                    None => break,
                }
            }
            best
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The activities of `text`, as `stream` hands them over.
    fn activities(text: &str) -> Vec<Element<'_>> {
        let mut found = Vec::new();
        stream(
            text,
            "iati-activities",
            |_| Ok(()),
            |element, _| {
                found.push(element);
                Ok(())
            },
        )
        .expect("reads");
        found
    }

    #[test]
    fn borrowed_or_resolved_the_text_and_values_are_the_documents() {
        let text = "<iati-activities><iati-activity a=\"plain\" b=\"R&amp;D &#x41;\">\n  \
                    <title>\n    <narrative>Water &amp; sanitation</narrative>\n  </title>\n  \
                    <description>one <x/> two <![CDATA[<three>]]> &#65;</description>\n  \
                    <empty>   </empty></iati-activity></iati-activities>";
        let activity = activities(text).pop().expect("an activity");
        assert_eq!(activity.attr("a"), Some("plain"));
        assert!(matches!(activity.attrs[0].1, Cow::Borrowed(_)), "no copy");
        assert_eq!(activity.attr("b"), Some("R&D A"));
        assert_eq!(activity.trimmed_text(), None, "whitespace between children");
        assert!(
            activity.text.is_empty(),
            "blank text before any other is not kept"
        );
        let narrative = activity
            .child("title")
            .and_then(|t| t.child("narrative"))
            .expect("a narrative");
        assert_eq!(narrative.trimmed_text(), Some("Water & sanitation"));
        let description = activity.child("description").expect("a description");
        assert_eq!(description.trimmed_text(), Some("one  two <three> A"));
        assert_eq!(
            activity.child("empty").and_then(Element::trimmed_text),
            None
        );
        assert!(matches!(activity.name, Cow::Borrowed("iati-activity")));
    }

    #[test]
    fn a_lone_text_node_is_borrowed() {
        let text = "<iati-activities><iati-activity><iati-identifier> XM-1 </iati-identifier>\
                    </iati-activity></iati-activities>";
        let activity = activities(text).pop().expect("an activity");
        let identifier = activity.child("iati-identifier").expect("an identifier");
        assert!(matches!(identifier.text, Cow::Borrowed(" XM-1 ")));
        assert_eq!(identifier.trimmed_text(), Some("XM-1"));
    }
}
