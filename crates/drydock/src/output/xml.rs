//! XML escaping for the `checkstyle` and `junit` formats.

/// Escapes `text` for an attribute value in double quotes. Line breaks and tabs become
/// character references so that parsers keep them; characters XML 1.0 cannot carry become
/// U+FFFD.
pub(super) fn attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => push_char(&mut out, c),
        }
    }
    out
}

/// Escapes `text` for element content.
pub(super) fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\t' => out.push(c),
            '\r' => out.push_str("&#13;"),
            c => push_char(&mut out, c),
        }
    }
    out
}

fn push_char(out: &mut String, c: char) {
    // XML 1.0: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
    let allowed = matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    out.push(if allowed { c } else { '\u{FFFD}' });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            attr("a<b>&\"c'\n\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#10;\u{FFFD}"
        );
        assert_eq!(text("a<b>&\"c'\n"), "a&lt;b&gt;&amp;\"c'\n");
    }
}
