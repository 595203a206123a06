use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::invalid_label_key::check_typed_labels;

declare_rule! {
    /// ## What it does
    /// Reports schema labels of type `email` whose value is not an e-mail address.
    ///
    /// For each label of type `email` in the configured `label-schema`, reports a `LABEL` value
    /// that is not an RFC 5322 `addr-spec` as hadolint's e-mail validator reads it: a local part of
    /// dot-separated atoms (letters, digits and ``!#$%&'*+/=?^_`{|}~-``) or quoted strings, `@`,
    /// then a domain of dot-separated labels (letters, digits and inner hyphens, at most 63
    /// characters each, 253 in all, an optional final dot) or a bracketed domain literal. Comments
    /// in parentheses and folding blanks around the parts are allowed, as the RFC allows them. The
    /// local part may have at most 64 characters and the address 254. A display name (`Jane
    /// <jane@example.com>`), several addresses, non-ASCII characters and empty values are reported.
    /// Values are read as hadolint reads them: quotes are removed in the `key=value` form but kept
    /// in the legacy `LABEL key value` form (`LABEL version "1.0.0"` is reported); `ONBUILD LABEL`
    /// is not checked.
    ///
    /// ## Why is this bad?
    /// Maintainer and contact labels are read by people and by tools that notify owners; a
    /// value that is not an address cannot be used to reach anyone.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: maintainer: email
    /// FROM debian:12
    /// LABEL maintainer="Jane Doe <jane@example.com>"
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # label-schema: maintainer: email
    /// FROM debian:12
    /// LABEL maintainer="jane@example.com"
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each invalid value is reported at the value (hadolint reports the `LABEL` instruction
    /// once per label).
    pub(crate) LabelNotEmail {
        code: "DL3058",
        name: "label-not-email",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for LabelNotEmail {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        check_typed_labels(
            ctx,
            "email",
            is_email,
            "an e-mail address",
            "write a bare address such as `jane@example.com`, without a display name",
        );
    }
}

/// A parser over the bytes of an address with ordered choice and no backtracking into a
/// finished choice (the semantics of the validator hadolint uses). Each rule takes a start
/// position and returns the end position, or `None`.
struct Email<'a> {
    s: &'a [u8],
}

fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_obs_no_ws_ctl(b: u8) -> bool {
    matches!(b, 1..=8 | 11 | 12 | 14..=31 | 127)
}

fn is_atom_text(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b)
}

fn is_quoted_text(b: u8) -> bool {
    matches!(b, 33 | 35..=91 | 93..=126) || is_obs_no_ws_ctl(b)
}

fn is_comment_text(b: u8) -> bool {
    matches!(b, 33..=39 | 42..=91 | 93..=126) || is_obs_no_ws_ctl(b)
}

fn is_domain_text(b: u8) -> bool {
    matches!(b, 33..=90 | 94..=126) || is_obs_no_ws_ctl(b)
}

impl Email<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        self.s.get(i).copied()
    }

    fn wsp1(&self, i: usize) -> Option<usize> {
        let mut j = i;
        while self.at(j).is_some_and(is_wsp) {
            j += 1;
        }
        (j > i).then_some(j)
    }

    fn crlf_wsp1(&self, i: usize) -> Option<usize> {
        if self.s[i..].starts_with(b"\r\n") {
            self.wsp1(i + 2)
        } else {
            None
        }
    }

    /// Folding white space: `wsp1 [crlf wsp1]`, or one or more `crlf wsp1`.
    fn fws(&self, i: usize) -> Option<usize> {
        if let Some(j) = self.wsp1(i) {
            return Some(self.crlf_wsp1(j).unwrap_or(j));
        }
        let mut j = self.crlf_wsp1(i)?;
        while let Some(k) = self.crlf_wsp1(j) {
            j = k;
        }
        Some(j)
    }

    /// A backslash and one character of the allowed set.
    fn quoted_pair(&self, i: usize) -> Option<usize> {
        if self.at(i) != Some(b'\\') {
            return None;
        }
        let b = self.at(i + 1)?;
        (matches!(b, 0x21..=0x7e)
            || is_wsp(b)
            || b == b'\n'
            || b == b'\r'
            || is_obs_no_ws_ctl(b)
            || b == 0)
            .then_some(i + 2)
    }

    fn comment(&self, i: usize) -> Option<usize> {
        if self.at(i) != Some(b'(') {
            return None;
        }
        let mut j = i + 1;
        loop {
            if let Some(k) = self.comment_content(j) {
                j = k;
            } else if let Some(k) = self.fws(j) {
                j = k;
            } else {
                break;
            }
        }
        (self.at(j) == Some(b')')).then_some(j + 1)
    }

    fn comment_content(&self, i: usize) -> Option<usize> {
        let mut j = i;
        while self.at(j).is_some_and(is_comment_text) {
            j += 1;
        }
        if j > i {
            return Some(j);
        }
        self.quoted_pair(i).or_else(|| self.comment(i))
    }

    /// Comments and folding white space, possibly none.
    fn cfws(&self, mut i: usize) -> usize {
        loop {
            if let Some(j) = self.comment(i).or_else(|| self.fws(i)) {
                i = j;
            } else {
                return i;
            }
        }
    }

    /// `"` (fws? content)* fws? `"`; returns the end and the length of its text as the
    /// validator counts it (quotes and contents, without the folding white space).
    fn quoted_string(&self, i: usize) -> Option<(usize, usize)> {
        if self.at(i) != Some(b'"') {
            return None;
        }
        let mut j = i + 1;
        let mut len = 2;
        loop {
            let k = self.fws(j).unwrap_or(j);
            let mut m = k;
            while self.at(m).is_some_and(is_quoted_text) {
                m += 1;
            }
            if m > k {
                len += m - k;
                j = m;
            } else if let Some(m) = self.quoted_pair(k) {
                len += 2;
                j = m;
            } else {
                break;
            }
        }
        j = self.fws(j).unwrap_or(j);
        (self.at(j) == Some(b'"')).then_some((j + 1, len))
    }

    /// The local part: dot-separated atoms or quoted strings, each with optional CFWS around.
    /// Returns the end and the length of the part as the validator counts it.
    fn local(&self, i: usize) -> Option<(usize, usize)> {
        let word = |i: usize| -> Option<(usize, usize)> {
            let j = self.cfws(i);
            let (k, len) = {
                let mut k = j;
                while self.at(k).is_some_and(is_atom_text) {
                    k += 1;
                }
                if k > j {
                    (k, k - j)
                } else {
                    self.quoted_string(j)?
                }
            };
            Some((self.cfws(k), len))
        };
        let (mut end, mut len) = word(i)?;
        while self.at(end) == Some(b'.') {
            match word(end + 1) {
                Some((e, l)) => {
                    end = e;
                    len += 1 + l;
                }
                None => break,
            }
        }
        Some((end, len))
    }

    /// One domain label with optional CFWS around: a letter or digit, then letters, digits and
    /// hyphens; at most 63 characters and not ending with `-`.
    fn domain_label(&self, i: usize) -> Option<(usize, usize)> {
        let j = self.cfws(i);
        if !self.at(j).is_some_and(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let mut k = j + 1;
        while self
            .at(k)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            k += 1;
        }
        let end = self.cfws(k);
        let len = k - j;
        (len <= 63 && self.s[k - 1] != b'-').then_some((end, len))
    }

    fn domain_name(&self, i: usize) -> Option<(usize, usize)> {
        let (mut end, mut len) = self.domain_label(i)?;
        while self.at(end) == Some(b'.') {
            match self.domain_label(end + 1) {
                Some((e, l)) => {
                    end = e;
                    len += 1 + l;
                }
                None => break,
            }
        }
        if self.at(end) == Some(b'.') {
            end += 1;
        }
        (len <= 253).then_some((end, len))
    }

    fn domain_literal(&self, i: usize) -> Option<(usize, usize)> {
        let mut j = self.cfws(i);
        if self.at(j) != Some(b'[') {
            return None;
        }
        j += 1;
        let mut len = 2;
        loop {
            let k = self.fws(j).unwrap_or(j);
            let mut m = k;
            while self.at(m).is_some_and(is_domain_text) {
                m += 1;
            }
            if m == k {
                break;
            }
            len += m - k;
            j = m;
        }
        j = self.fws(j).unwrap_or(j);
        if self.at(j) != Some(b']') {
            return None;
        }
        Some((self.cfws(j + 1), len))
    }

    fn addr_spec(&self) -> bool {
        let Some((end, local_len)) = self.local(0) else {
            return false;
        };
        if local_len > 64 || self.at(end) != Some(b'@') {
            return false;
        }
        let Some((end, domain_len)) = self
            .domain_name(end + 1)
            .or_else(|| self.domain_literal(end + 1))
        else {
            return false;
        };
        local_len + domain_len < 254 && end == self.s.len()
    }
}

/// Whether `value` is an e-mail address as hadolint's validator accepts it.
pub(crate) fn is_email(value: &str) -> bool {
    Email {
        s: value.as_bytes(),
    }
    .addr_spec()
}

#[cfg(test)]
mod tests {
    use super::is_email;

    #[test]
    fn addresses() {
        for ok in [
            "jane@example.com",
            "jane.doe+docker@example.co.uk",
            "\"jane doe\"@example.com",
            "jane@[192.168.0.1]",
            "jane@example.com.",
            "jane(comment)@example.com",
            "jane @ example.com",
            "a@b",
            "!#$%&'*+/=?^_`{|}~-@example.com",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.com",
            "Jane Doe <jane@example.com>",
            "jane@example..com",
            "jane..doe@example.com",
            "jane@-example.com",
            "jane@example-.com",
            "jane@exämple.com",
            "a@b.com, c@d.com",
            "jane@example.com (x",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(!is_email(&long_local));
        let ok_local = format!("{}@example.com", "a".repeat(64));
        assert!(is_email(&ok_local));
        let long_label = format!("a@{}.com", "b".repeat(64));
        assert!(!is_email(&long_label));
    }
}
