//! The JSON exec form, with the range of every element.
//!
//! BuildKit decides between exec and shell form with Go's `json.Unmarshal` into `[]any`: text
//! that is a valid JSON array is the exec form (and every element must then be a string), anything
//! else falls back to the shell form. This parser follows the JSON grammar (RFC 8259) closely enough
//! to make the same decision, and keeps each element's offsets.

/// Outcome of reading the arguments as a JSON array.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum JsonArray {
    /// Not a valid JSON array: BuildKit uses the shell form.
    NotJson,
    /// A valid array with a non-string element: BuildKit rejects the instruction.
    NotAllStrings { element: (usize, usize) },
    /// A valid array of strings: `(start, end, decoded)` per element, offsets of the literal
    /// (quotes included) relative to the input, plus the offsets of `[` and after `]`.
    Strings {
        open: usize,
        close: usize,
        elements: Vec<(usize, usize, String)>,
    },
}

/// Go's `encoding/json` nesting limit.
const MAX_DEPTH: usize = 10_000;

/// Reads `text` (the arguments after flags) as a JSON array.
pub(crate) fn parse_array(text: &str) -> JsonArray {
    let mut p = Parser {
        bytes: text.as_bytes(),
        text,
        pos: 0,
    };
    // BuildKit trims leading Unicode whitespace, then requires `[`.
    p.pos = text.len() - text.trim_start().len();
    if p.peek() != Some(b'[') {
        return JsonArray::NotJson;
    }
    let open = p.pos;
    p.pos += 1;
    let mut elements = Vec::new();
    let mut non_string = None;
    p.skip_ws();
    if p.peek() == Some(b']') {
        p.pos += 1;
    } else {
        loop {
            p.skip_ws();
            let start = p.pos;
            if p.peek() == Some(b'"') {
                let Some(value) = p.string() else {
                    return JsonArray::NotJson;
                };
                elements.push((start, p.pos, value));
            } else {
                if !p.value() {
                    return JsonArray::NotJson;
                }
                non_string.get_or_insert((start, p.pos));
            }
            p.skip_ws();
            match p.peek() {
                Some(b',') => p.pos += 1,
                Some(b']') => {
                    p.pos += 1;
                    break;
                }
                _ => return JsonArray::NotJson,
            }
        }
    }
    let close = p.pos;
    p.skip_ws();
    if p.pos != text.len() {
        return JsonArray::NotJson;
    }
    match non_string {
        Some(element) => JsonArray::NotAllStrings { element },
        None => JsonArray::Strings {
            open,
            close,
            elements,
        },
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// A string literal at `pos` (which is `"`); returns the decoded value.
    fn string(&mut self) -> Option<String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let stop = rest.find(['"', '\\'])?;
            let chunk = &rest[..stop];
            // Control characters are not allowed raw inside JSON strings.
            if chunk.chars().any(|c| (c as u32) < 0x20) {
                return None;
            }
            out.push_str(chunk);
            self.pos += stop;
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(out);
                }
                _ => {
                    self.pos += 1;
                    let esc = self.peek()?;
                    self.pos += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let first = self.hex4()?;
                            let ch = if (0xD800..0xDC00).contains(&first) {
                                // A high surrogate wants a low one; Go substitutes U+FFFD when it
                                // is missing.
                                if self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u") {
                                    let save = self.pos;
                                    self.pos += 2;
                                    let second = self.hex4()?;
                                    if (0xDC00..0xE000).contains(&second) {
                                        char::from_u32(
                                            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00),
                                        )
                                    } else {
                                        self.pos = save;
                                        None
                                    }
                                } else {
                                    None
                                }
                            } else {
                                char::from_u32(first)
                            };
                            out.push(ch.unwrap_or('\u{fffd}'));
                        }
                        _ => return None,
                    }
                }
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.pos..self.pos + 4)?;
        let value = u32::from_str_radix(digits, 16).ok()?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        Some(value)
    }

    /// Any JSON value at `pos`; returns whether it was valid.
    /// Reads one JSON value inside the outer array. Iterative, with an explicit stack: a
    /// deeply nested value (`[[[[...`) must not overflow the call stack. Like Go's
    /// `encoding/json` (BuildKit's parser), nesting deeper than [`MAX_DEPTH`] (the outer array
    /// included) is not JSON.
    fn value(&mut self) -> bool {
        // Closers of the containers open inside this value.
        let mut stack: Vec<u8> = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'"') => {
                    if self.string().is_none() {
                        return false;
                    }
                }
                Some(open @ (b'[' | b'{')) => {
                    if stack.len() + 2 > MAX_DEPTH {
                        return false;
                    }
                    self.pos += 1;
                    self.skip_ws();
                    let close = if open == b'[' { b']' } else { b'}' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                    } else {
                        stack.push(close);
                        if close == b'}' && !self.key() {
                            return false;
                        }
                        continue;
                    }
                }
                Some(b't') => {
                    if !self.literal("true") {
                        return false;
                    }
                }
                Some(b'f') => {
                    if !self.literal("false") {
                        return false;
                    }
                }
                Some(b'n') => {
                    if !self.literal("null") {
                        return false;
                    }
                }
                Some(b'-' | b'0'..=b'9') => {
                    if !self.number() {
                        return false;
                    }
                }
                _ => return false,
            }
            // A value is complete: close containers, or go on to the next element.
            loop {
                let Some(&close) = stack.last() else {
                    return true;
                };
                self.skip_ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if close == b'}' && !self.key() {
                            return false;
                        }
                        break;
                    }
                    Some(c) if c == close => {
                        self.pos += 1;
                        stack.pop();
                    }
                    _ => return false,
                }
            }
        }
    }

    /// An object key and its colon.
    fn key(&mut self) -> bool {
        self.skip_ws();
        if self.peek() != Some(b'"') || self.string().is_none() {
            return false;
        }
        self.skip_ws();
        if self.peek() != Some(b':') {
            return false;
        }
        self.pos += 1;
        true
    }

    fn literal(&mut self, word: &str) -> bool {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn number(&mut self) -> bool {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
            }
            _ => return false,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return false;
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return false;
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(text: &str) -> Vec<String> {
        match parse_array(text) {
            JsonArray::Strings { elements, .. } => elements.into_iter().map(|e| e.2).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn deep_nesting_is_bounded_like_go() {
        let nested = |k: usize| format!("[{}{}]", "[".repeat(k), "]".repeat(k));
        // Depth 10,000 (the outer array included) is JSON; one more is not, as in Go.
        assert!(matches!(
            parse_array(&nested(9_999)),
            JsonArray::NotAllStrings { .. }
        ));
        assert_eq!(parse_array(&nested(10_000)), JsonArray::NotJson);
        // Far deeper, unterminated, objects: no stack overflow.
        assert_eq!(parse_array(&"[".repeat(1_000_000)), JsonArray::NotJson);
        let objects = format!("[{}1{}]", "{\"a\":".repeat(5_000), "}".repeat(5_000));
        assert!(matches!(
            parse_array(&objects),
            JsonArray::NotAllStrings { .. }
        ));
        assert!(matches!(
            parse_array(r#"[{"a": [1, {"b": null}], "c": true}, "x"]"#),
            JsonArray::NotAllStrings { .. }
        ));
        assert_eq!(parse_array(r#"[{"a" 1}]"#), JsonArray::NotJson);
        assert_eq!(parse_array(r#"[{"a": 1,}]"#), JsonArray::NotJson);
        assert_eq!(parse_array(r#"[[1 2]]"#), JsonArray::NotJson);
    }

    #[test]
    fn exec_forms() {
        assert_eq!(strings(r#"[ "echo" ,"a b",	"c" ]"#), ["echo", "a b", "c"]);
        assert_eq!(
            strings(r#"["c:\\windows", "\u00e9\"x"]"#),
            ["c:\\windows", "é\"x"]
        );
        assert_eq!(strings("[]"), Vec::<String>::new());
        assert_eq!(parse_array("['single']"), JsonArray::NotJson);
        assert_eq!(parse_array(r#"["unterminated"#), JsonArray::NotJson);
        assert_eq!(parse_array(r#"["a"] trailing"#), JsonArray::NotJson);
        assert_eq!(parse_array(r#"echo ["a"]"#), JsonArray::NotJson);
        assert!(matches!(
            parse_array(r#"["a", 1]"#),
            JsonArray::NotAllStrings { element: (6, 7) }
        ));
        assert!(matches!(
            parse_array(r#"["a", {"b": [1, null]}]"#),
            JsonArray::NotAllStrings { .. }
        ));
    }

    #[test]
    fn element_offsets() {
        let JsonArray::Strings {
            open,
            close,
            elements,
        } = parse_array(r#"  ["a", "bc"]  "#)
        else {
            panic!()
        };
        assert_eq!((open, close), (2, 13));
        assert_eq!((elements[1].0, elements[1].1), (8, 12));
    }
}
