//! Incremental parsing of an XMPP stream with quick-xml: the bytes received so far
//! are cut into the stream header and whole top-level stanzas (with their children),
//! leaving an incomplete tail in the buffer until more bytes arrive.

use anyhow::{bail, Result};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// One element with its attributes, text and children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Element {
    /// Qualified name as written (`stream:features`, `message`).
    pub name: String,
    /// Attributes in order (qualified names).
    pub attrs: Vec<(String, String)>,
    /// Concatenated text content.
    pub text: String,
    /// Child elements.
    pub children: Vec<Element>,
}

impl Element {
    /// The value of attribute `key`.
    pub(super) fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first child named `name`.
    pub(super) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// What [`next_item`] found at the start of the buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Item {
    /// `<stream:stream …>` (its attributes).
    StreamOpen(Element),
    /// `</stream:stream>`.
    StreamClose,
    /// A whole top-level element.
    Stanza(Element),
}

/// Largest buffered input without a whole stanza before the peer is given up on.
const MAX_PENDING: usize = 1 << 20;

fn start(e: &BytesStart) -> Result<Element> {
    let mut el = Element {
        name: e.name().as_ref().to_string(),
        ..Default::default()
    };
    for a in e.attributes() {
        let a = a?;
        let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0)?;
        el.attrs.push((a.key.as_ref().to_string(), v.into_owned()));
    }
    Ok(el)
}

/// Parses the next item from `buf`. Returns it and the number of bytes it used, or
/// `None` when `buf` holds no whole item yet (whitespace keep-alives are skipped
/// and counted as used only together with the item after them).
pub(super) fn next_item(buf: &[u8]) -> Result<Option<(Item, usize)>> {
    let mut r = Reader::from_reader(buf);
    // `</stream:stream>` closes a tag opened in an earlier call.
    r.config_mut().allow_unmatched_ends = true;
    let mut stack: Vec<Element> = Vec::new();
    loop {
        let ev = match r.read_event() {
            Ok(ev) => ev,
            // An unfinished tag at the end of the buffer: wait for more.
            Err(_) if buf.len() < MAX_PENDING => return Ok(None),
            Err(e) => bail!("XML stream: {e}"),
        };
        let pos = r.buffer_position() as usize;
        match ev {
            Event::Eof => {
                if buf.len() >= MAX_PENDING {
                    bail!("XML stream: {} bytes without a whole stanza", buf.len());
                }
                return Ok(None);
            }
            Event::Start(e) => {
                let el = start(&e)?;
                if stack.is_empty() && el.name == "stream:stream" {
                    return Ok(Some((Item::StreamOpen(el), pos)));
                }
                stack.push(el);
            }
            Event::Empty(e) => {
                let el = start(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(Some((Item::Stanza(el), pos))),
                }
            }
            Event::End(e) => {
                let Some(el) = stack.pop() else {
                    if e.name().as_ref() == "stream:stream" {
                        return Ok(Some((Item::StreamClose, pos)));
                    }
                    bail!("XML stream: unexpected end tag");
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(Some((Item::Stanza(el), pos))),
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(g) => {
                if let Some(el) = stack.last_mut() {
                    let name: &str = &g;
                    match quick_xml::escape::resolve_predefined_entity(name) {
                        Some(s) => el.text.push_str(s),
                        None => el.text.push_str(&format!("&{name};")),
                    }
                }
            }
            Event::CData(c) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&c);
                }
            }
            // The XML declaration, comments, processing instructions: skipped.
            _ => {}
        }
    }
}

/// Escapes `s` for XML text or attribute values.
pub(super) fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
        xmlns:stream='http://etherx.jabber.org/streams' id='abc' from='localhost' version='1.0'>";

    fn all(mut buf: &[u8]) -> (Vec<Item>, usize) {
        let mut out = Vec::new();
        let mut used = 0;
        while let Some((item, n)) = next_item(buf).unwrap() {
            out.push(item);
            buf = &buf[n..];
            used += n;
        }
        (out, used)
    }

    #[test]
    fn header_features_and_stanzas() {
        let s = format!(
            "{HEAD}<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
             <mechanism>PLAIN</mechanism></mechanisms><sm xmlns='urn:xmpp:sm:3'/></stream:features> \
             <a xmlns='urn:xmpp:sm:3' h='42'/><message from='b@localhost/r' type='chat'>\
             <body>x &lt; y &amp; z</body></message></stream:stream>"
        );
        let (items, used) = all(s.as_bytes());
        assert_eq!(used, s.len());
        let Item::StreamOpen(open) = &items[0] else {
            panic!("{items:?}")
        };
        assert_eq!(open.attr("id"), Some("abc"));
        let Item::Stanza(f) = &items[1] else { panic!() };
        assert_eq!(f.name, "stream:features");
        assert_eq!(f.child("mechanisms").unwrap().children[0].text, "PLAIN");
        assert!(f.child("sm").is_some());
        let Item::Stanza(a) = &items[2] else { panic!() };
        assert_eq!((a.name.as_str(), a.attr("h")), ("a", Some("42")));
        let Item::Stanza(m) = &items[3] else { panic!() };
        assert_eq!(m.child("body").unwrap().text, "x < y & z");
        assert_eq!(items[4], Item::StreamClose);
    }

    #[test]
    fn split_input_waits_for_the_rest() {
        let s = "<message to='a@b'><body>hello</body></message>";
        for cut in 1..s.len() {
            assert_eq!(next_item(&s.as_bytes()[..cut]).unwrap(), None, "cut {cut}");
        }
        let (items, used) = all(s.as_bytes());
        assert_eq!((items.len(), used), (1, s.len()));
    }

    #[test]
    fn escapes_outgoing_text() {
        assert_eq!(esc("a<b&'c'"), "a&lt;b&amp;&apos;c&apos;");
    }
}
