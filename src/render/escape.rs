//! Makes untrusted text safe to print: no raw control character ever reaches a terminal.
//!
//! CSR subjects come from phones, and a hostile one can carry ANSI escape sequences or bidi
//! overrides. Every rendering (tables, CSV, dumps, errors) passes text through [`escape_controls`].

use std::borrow::Cow;

/// Replaces control characters (C0, DEL, C1) and invisible bidi/zero-width format characters
/// with a visible escape (`\x1b`, `\u{202e}`); other text is returned unchanged (borrowed).
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            let v = u32::from(c);
            if v <= 0xff {
                out.push_str(&format!("\\x{v:02x}"));
            } else {
                out.push_str(&format!("\\u{{{v:04x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// Bidi overrides and zero-width characters: not control characters, but a terminal still acts
/// on them (they reorder or hide text).
pub fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_ansi_and_bidi_but_not_text() {
        assert_eq!(escape_controls("CN=SEP1"), "CN=SEP1");
        assert_eq!(escape_controls("CN=\u{1b}[2Jx\n"), "CN=\\x1b[2Jx\\x0a");
        assert_eq!(escape_controls("a\u{202e}b\u{9b}"), "a\\u{202e}b\\x9b");
        assert_eq!(escape_controls("Zürich"), "Zürich");
    }
}
