use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::invalid_label_key::check_typed_labels;

declare_rule! {
    /// ## What it does
    /// Reports schema labels of type `rfc3339` whose value is not an RFC 3339 date-time.
    ///
    /// For each label of type `rfc3339` in the configured `label-schema`, reports a `LABEL` value
    /// that is not an RFC 3339 date-time as hadolint's parser accepts it: `YYYY-MM-DDTHH:MM:SS`, an
    /// optional fraction (`.` and digits), then `Z` or a numeric offset `+HH:MM`/`-HHMM`. The date
    /// must exist (`2023-02-29` does not), hours go up to 23, minutes up to 59 and seconds up to
    /// 60. As in hadolint, `T` and `Z` may be lowercase, the year may have any number of digits
    /// (and a leading `-`), the offset's hours are not range-checked, and blanks around the value
    /// are ignored. A date alone, a missing offset or a space instead of `T` is reported, and so is
    /// an empty value. Values are read as hadolint reads them: quotes are removed in the
    /// `key=value` form but kept in the legacy `LABEL key value` form (`LABEL version "1.0.0"` is
    /// reported); `ONBUILD LABEL` is not checked.
    ///
    /// ## Why is this bad?
    /// `org.opencontainers.image.created` and similar labels are parsed by registries and
    /// inventory tools; a value in another format is ignored or misread.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: org.opencontainers.image.created: rfc3339
    /// FROM debian:12
    /// LABEL org.opencontainers.image.created="2024-05-01 10:00:00"
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # label-schema: org.opencontainers.image.created: rfc3339
    /// FROM debian:12
    /// LABEL org.opencontainers.image.created="2024-05-01T10:00:00Z"
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each invalid value is reported at the value (hadolint reports the `LABEL` instruction
    /// once per label).
    pub(crate) LabelNotRfc3339 {
        code: "DL3053",
        name: "label-not-rfc3339",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for LabelNotRfc3339 {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        check_typed_labels(
            ctx,
            "rfc3339",
            is_rfc3339,
            "an RFC 3339 date-time",
            "write the time as `YYYY-MM-DDTHH:MM:SSZ` or with an offset, such as `2024-05-01T10:00:00+02:00`",
        );
    }
}

/// Haskell's `isSpace`.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t'..='\r' | '\u{a0}')
        || (u32::from(c) > 0xff && c.is_whitespace() && !matches!(c, '\u{2028}' | '\u{2029}'))
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn eat_ci(&mut self, b: u8) -> bool {
        if self.peek().is_some_and(|c| c.eq_ignore_ascii_case(&b)) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Exactly two digits, as a number.
    fn two_digits(&mut self) -> Option<u32> {
        let a = self.s.get(self.i).filter(|b| b.is_ascii_digit())?;
        let b = self.s.get(self.i + 1).filter(|b| b.is_ascii_digit())?;
        self.i += 2;
        Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
    }

    fn skip_ascii_spaces(&mut self) {
        while self
            .peek()
            .is_some_and(|b| b == b' ' || (b'\t'..=b'\r').contains(&b))
        {
            self.i += 1;
        }
    }
}

fn is_leap(year_mod_400: u32) -> bool {
    year_mod_400.is_multiple_of(4) && (!year_mod_400.is_multiple_of(100) || year_mod_400 == 0)
}

/// Whether `value` is an RFC 3339 date-time as hadolint reads it (the formats
/// `%Y-%m-%dT%H:%M:%S[%Q](Z|%z)`, with surrounding blanks allowed).
pub(crate) fn is_rfc3339(value: &str) -> bool {
    let value = value.trim_matches(is_space);
    let mut c = Cursor {
        s: value.as_bytes(),
        i: 0,
    };
    // Year: an optional `-`, blanks, then one or more digits (any number of them).
    let negative = c.eat(b'-');
    c.skip_ascii_spaces();
    let start = c.i;
    let mut year_mod_400 = 0u32;
    while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
        year_mod_400 = (year_mod_400 * 10 + u32::from(d - b'0')) % 400;
        c.i += 1;
    }
    if c.i == start {
        return false;
    }
    if negative {
        year_mod_400 = (400 - year_mod_400) % 400;
    }
    if !c.eat(b'-') {
        return false;
    }
    let Some(month) = c.two_digits() else {
        return false;
    };
    if !c.eat(b'-') {
        return false;
    }
    let Some(day) = c.two_digits() else {
        return false;
    };
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year_mod_400) => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days_in_month {
        return false;
    }
    if !c.eat_ci(b'T') {
        return false;
    }
    let Some(hour) = c.two_digits() else {
        return false;
    };
    if !c.eat(b':') {
        return false;
    }
    let Some(minute) = c.two_digits() else {
        return false;
    };
    if !c.eat(b':') {
        return false;
    }
    let Some(second) = c.two_digits() else {
        return false;
    };
    if hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    // Fraction: `.` and any number of digits.
    if c.eat(b'.') {
        while c.peek().is_some_and(|b| b.is_ascii_digit()) {
            c.i += 1;
        }
    }
    // Zone: `Z` or `±HH[:]MM`.
    if !c.eat_ci(b'Z') {
        if !(c.eat(b'+') || c.eat(b'-')) {
            return false;
        }
        if c.two_digits().is_none() {
            return false;
        }
        c.eat(b':');
        if c.two_digits().is_none() {
            return false;
        }
    }
    c.i == c.s.len()
}

#[cfg(test)]
mod tests {
    use super::is_rfc3339;

    #[test]
    fn times() {
        for ok in [
            "2021-03-10T10:26:33.564595127+01:00",
            "- 2021-03-10T10:26:33Z",
            "1985-04-12T23:20:50.52Z",
            "1996-12-19T16:39:57-08:00",
            "1990-12-31T23:59:60Z",
            "2024-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "2024-05-01t10:00:00z",
            "2024-05-01T10:00:00+0200",
            "2024-05-01T10:00:00.Z",
            " 2024-05-01T10:00:00Z ",
            "12345-05-01T10:00:00Z",
            "-0001-05-01T10:00:00Z",
            "2024-05-01T10:00:00+99:99",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "",
            "2024-05-01",
            "2024-05-01T10:00:00",
            "2024-05-01 10:00:00Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T10:60:00Z",
            "2024-05-01T10:00:61Z",
            "2024-5-01T10:00:00Z",
            "2024-05-01T10:00:00+2",
            "2024-05-01T10:00:00ZZ",
            "2024-05-01T10:00:00.123 Z",
            "$BUILD_DATE",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }
}
