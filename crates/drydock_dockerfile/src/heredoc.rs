//! Heredoc markers on an instruction line, found the way BuildKit finds them.

use crate::lex::Lexer;

/// A `<<EOF` marker found on a logical line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Marker {
    /// Offsets of the marker word in the logical line.
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) name: String,
    pub(crate) expand: bool,
    pub(crate) chomp: bool,
    pub(crate) fd: Option<u32>,
}

/// Splits the line into raw words (quotes and escapes kept, unset variables kept as written) and
/// keeps those that are heredoc markers. A line the word splitter rejects (an unterminated quote,
/// a bad `${`) has no heredocs, as in BuildKit.
pub(crate) fn markers(line: &str) -> Vec<Marker> {
    let lexer = Lexer {
        raw_quotes: true,
        raw_escapes: true,
        skip_unset_env: true,
        ..Lexer::new('\\')
    };
    let Ok(words) = lexer.process_words(line, &()) else {
        return Vec::new();
    };
    words
        .into_iter()
        .filter_map(|word| {
            let parsed = parse_marker(&word.text)?;
            Some(Marker {
                start: word.start,
                end: word.end,
                ..parsed
            })
        })
        .collect()
}

/// Reads one word as a heredoc marker: `^(\d*)<<(-?)\s*([^<]*)$` followed by a single-word
/// delimiter.
pub(crate) fn parse_marker(word: &str) -> Option<Marker> {
    let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let rest = word[digits..].strip_prefix("<<")?;
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let rest = rest.trim_start_matches(['\t', '\n', '\x0c', '\r', ' ']);
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let fd = if digits > 0 {
        word[..digits].parse().ok()
    } else {
        None
    };
    let plain = Lexer {
        skip_unset_env: true,
        ..Lexer::new('\\')
    };
    let words = plain.process_words(rest, &()).ok()?;
    if words.len() != 1 {
        return None;
    }
    let raw = Lexer {
        raw_quotes: true,
        ..plain
    }
    .process_words(rest, &())
    .ok()?;
    let name = words.into_iter().next()?.text;
    let raw = raw.into_iter().next()?.text;
    let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    Some(Marker {
        start: 0,
        end: word.len(),
        expand: quotes(&name) == quotes(&raw),
        name,
        chomp,
        fd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<(String, bool, bool)> {
        markers(line)
            .into_iter()
            .map(|m| (m.name, m.expand, m.chomp))
            .collect()
    }

    #[test]
    fn buildkit_cases() {
        assert_eq!(names("<<EOF"), [("EOF".into(), true, false)]);
        assert_eq!(names("<<-EOF cat"), [("EOF".into(), true, true)]);
        assert_eq!(names("<< EOF"), [("EOF".into(), true, false)]);
        assert_eq!(names("<<'EOF'"), [("EOF".into(), false, false)]);
        assert_eq!(names(r#"<<"EOF""#), [("EOF".into(), false, false)]);
        assert_eq!(names("<<eo'f'"), [("eof".into(), false, false)]);
        assert_eq!(names(r"<<eo\'f"), [("eo'f".into(), true, false)]);
        assert_eq!(names("<<'one two'"), [("one two".into(), false, false)]);
        assert_eq!(names("<<$EOF"), [("$EOF".into(), true, false)]);
        assert_eq!(names("<<A cat >a && <<B cat >b").len(), 2);
        assert!(names("<<<EOF").is_empty());
        assert!(names(r#"echo "<<X""#).is_empty());
        assert!(names("<<").is_empty());
        assert!(names("echo 'unterminated <<EOF").is_empty());
        let m = &markers("3<<EOF")[0];
        assert_eq!((m.fd, m.start, m.end), (Some(3), 0, 6));
    }
}
