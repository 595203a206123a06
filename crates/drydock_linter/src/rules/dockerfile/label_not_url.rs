use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::invalid_label_key::check_typed_labels;

declare_rule! {
    /// ## What it does
    /// Reports schema labels of type `url` whose value is not an absolute URL.
    ///
    /// For each label of type `url` in the configured `label-schema`, reports a `LABEL` value that
    /// is not an absolute URI as RFC 3986 defines it (the grammar of hadolint's URI parser): a
    /// scheme (`[A-Za-z][A-Za-z0-9+.-]*`) and `:`, then either `//` with an authority (user info, a
    /// host that is a registered name, an IPv4 address or a bracketed IPv6/IPvFuture literal, and
    /// an optional numeric port) and a path, or a path, then an optional `?query` and `#fragment`.
    /// Only unreserved characters, sub-delimiters, the separators each part allows and `%XX`
    /// escapes are accepted, so blanks, `{`, `"`, a bare `%` or non-ASCII characters make the value
    /// invalid, and so does a missing scheme (`github.com/org/repo`). An empty value is reported
    /// too, and so is a host name longer than 255 characters. Values are read as hadolint reads
    /// them: quotes are removed in the `key=value` form but kept in the legacy `LABEL key value`
    /// form (`LABEL version "1.0.0"` is reported); `ONBUILD LABEL` is not checked.
    ///
    /// ## Why is this bad?
    /// Tools follow URL labels (`org.opencontainers.image.source`, `...url`, `...documentation`)
    /// to link an image to its repository and docs; a value they cannot parse breaks that link.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: org.opencontainers.image.source: url
    /// FROM debian:12
    /// LABEL org.opencontainers.image.source=github.com/example/app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # label-schema: org.opencontainers.image.source: url
    /// FROM debian:12
    /// LABEL org.opencontainers.image.source=https://github.com/example/app
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each invalid value is reported at the value (hadolint reports the `LABEL` instruction
    /// once per label).
    pub(crate) LabelNotUrl {
        code: "DL3052",
        name: "label-not-url",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for LabelNotUrl {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        check_typed_labels(
            ctx,
            "url",
            is_absolute_uri,
            "an absolute URL",
            "write a full URL with its scheme, such as `https://example.com/project`, and percent-encode other characters",
        );
    }
}

/// The outcome of one grammar rule, with Parsec's distinction between failing before consuming
/// anything (an alternative may be tried) and failing after (the whole parse fails).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Step {
    Ok(usize),
    Miss,
    Fatal,
}

fn is_alpha(b: u8) -> bool {
    b.is_ascii_alphabetic()
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

fn is_sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

struct Uri<'a> {
    s: &'a [u8],
}

impl Uri<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        self.s.get(i).copied()
    }

    fn is(&self, i: usize, b: u8) -> bool {
        self.at(i) == Some(b)
    }

    /// `%` and two hex digits.
    fn escaped(&self, i: usize) -> Step {
        if !self.is(i, b'%') {
            return Step::Miss;
        }
        if self.at(i + 1).is_some_and(|b| b.is_ascii_hexdigit())
            && self.at(i + 2).is_some_and(|b| b.is_ascii_hexdigit())
        {
            Step::Ok(i + 3)
        } else {
            Step::Fatal
        }
    }

    /// A run of unreserved, sub-delimiter and `extras` characters, or one escape.
    fn uchars(&self, i: usize, extras: &[u8]) -> Step {
        let ok = |b: u8| is_unreserved(b) || is_sub_delim(b) || extras.contains(&b);
        let mut j = i;
        while self.at(j).is_some_and(ok) {
            j += 1;
        }
        if j > i { Step::Ok(j) } else { self.escaped(i) }
    }

    /// `many (uchars extras)`.
    fn many_uchars(&self, mut i: usize, extras: &[u8]) -> Option<usize> {
        loop {
            match self.uchars(i, extras) {
                Step::Ok(j) => i = j,
                Step::Miss => return Some(i),
                Step::Fatal => return None,
            }
        }
    }

    fn uri(&self) -> bool {
        // scheme ":"
        if !self.at(0).is_some_and(is_alpha) {
            return false;
        }
        let mut i = 1;
        while self
            .at(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        {
            i += 1;
        }
        if !self.is(i, b':') {
            return false;
        }
        i += 1;
        let Some(mut i) = self.hier_part(i) else {
            return false;
        };
        if self.is(i, b'?') {
            match self.many_uchars(i + 1, b":@/?") {
                Some(j) => i = j,
                None => return false,
            }
        }
        if self.is(i, b'#') {
            match self.many_uchars(i + 1, b":@/?") {
                Some(j) => i = j,
                None => return false,
            }
        }
        i == self.s.len()
    }

    fn hier_part(&self, i: usize) -> Option<usize> {
        if self.s[i..].starts_with(b"//") {
            let j = self.authority(i + 2)?;
            return self.path_abempty(j);
        }
        if self.is(i, b'/') {
            // path-absolute: "/" [ segment-nz *( "/" segment ) ]
            return match self.path_rootless(i + 1) {
                Step::Ok(j) => Some(j),
                Step::Miss => Some(i + 1),
                Step::Fatal => None,
            };
        }
        match self.path_rootless(i) {
            Step::Ok(j) => Some(j),
            Step::Miss => Some(i),
            Step::Fatal => None,
        }
    }

    /// segment-nz *( "/" segment )
    fn path_rootless(&self, i: usize) -> Step {
        let mut j = match self.uchars(i, b":@") {
            Step::Ok(j) => j,
            other => return other,
        };
        match self.many_uchars(j, b":@") {
            Some(k) => j = k,
            None => return Step::Fatal,
        }
        match self.path_abempty(j) {
            Some(k) => Step::Ok(k),
            None => Step::Fatal,
        }
    }

    /// *( "/" segment )
    fn path_abempty(&self, mut i: usize) -> Option<usize> {
        while self.is(i, b'/') {
            i = self.many_uchars(i + 1, b":@")?;
        }
        Some(i)
    }

    fn authority(&self, mut i: usize) -> Option<usize> {
        // [ userinfo "@" ], tried and abandoned when there is no "@".
        if let Some(j) = self.many_uchars(i, b";:&=+$,")
            && self.is(j, b'@')
        {
            i = j + 1;
        }
        i = self.host(i)?;
        if self.is(i, b':') {
            i += 1;
            while self.at(i).is_some_and(|b| b.is_ascii_digit()) {
                i += 1;
            }
        }
        Some(i)
    }

    fn host(&self, i: usize) -> Option<usize> {
        if self.is(i, b'[') {
            let j = match self.ipv6_address(i + 1) {
                Some(j) => {
                    // Optional zone: "%25" and unreserved characters or escapes.
                    let mut k = j;
                    if self.s[j..].starts_with(b"%25") {
                        let mut z = j + 3;
                        let mut any = false;
                        loop {
                            if self.at(z).is_some_and(is_unreserved) {
                                z += 1;
                                any = true;
                            } else if let Step::Ok(e) = self.escaped(z) {
                                z = e;
                                any = true;
                            } else {
                                break;
                            }
                        }
                        if any {
                            k = z;
                        }
                    }
                    k
                }
                None => self.ipv_future(i + 1)?,
            };
            return self.is(j, b']').then_some(j + 1);
        }
        if let Some(j) = self.ipv4_address(i) {
            return Some(j);
        }
        // reg-name: at most 255 name characters.
        let mut j = i;
        for _ in 0..255 {
            if self
                .at(j)
                .is_some_and(|b| is_unreserved(b) || is_sub_delim(b))
            {
                j += 1;
                continue;
            }
            match self.escaped(j) {
                Step::Ok(k) => j = k,
                Step::Miss => break,
                Step::Fatal => return None,
            }
        }
        Some(j)
    }

    fn ipv_future(&self, i: usize) -> Option<usize> {
        if !self.is(i, b'v') {
            return None;
        }
        if !self.at(i + 1).is_some_and(|b| b.is_ascii_hexdigit()) || !self.is(i + 2, b'.') {
            return None;
        }
        let mut j = i + 3;
        while self
            .at(j)
            .is_some_and(|b| is_unreserved(b) || is_sub_delim(b) || b == b';')
        {
            j += 1;
        }
        (j > i + 3).then_some(j)
    }

    fn dec_octet(&self, i: usize) -> Option<usize> {
        let mut j = i;
        while j < i + 3 && self.at(j).is_some_and(|b| b.is_ascii_digit()) {
            j += 1;
        }
        if j == i {
            return None;
        }
        let value: u32 = std::str::from_utf8(&self.s[i..j]).ok()?.parse().ok()?;
        (value <= 255).then_some(j)
    }

    fn ipv4_address(&self, i: usize) -> Option<usize> {
        let mut j = self.dec_octet(i)?;
        for _ in 0..3 {
            if !self.is(j, b'.') {
                return None;
            }
            j = self.dec_octet(j + 1)?;
        }
        // Not followed by a name character.
        let next_is_name = self
            .at(j)
            .is_some_and(|b| is_unreserved(b) || is_sub_delim(b))
            || matches!(self.escaped(j), Step::Ok(_));
        (!next_is_name).then_some(j)
    }

    fn h4(&self, i: usize) -> Option<usize> {
        let mut j = i;
        while j < i + 4 && self.at(j).is_some_and(|b| b.is_ascii_hexdigit()) {
            j += 1;
        }
        (j > i).then_some(j)
    }

    /// h4 ":" not followed by ":".
    fn h4c(&self, i: usize) -> Option<usize> {
        let j = self.h4(i)?;
        (self.is(j, b':') && !self.is(j + 1, b':')).then_some(j + 1)
    }

    fn h4c_times(&self, mut i: usize, n: usize) -> Option<usize> {
        for _ in 0..n {
            i = self.h4c(i)?;
        }
        Some(i)
    }

    fn ls32(&self, i: usize) -> Option<usize> {
        if let Some(j) = self.h4c(i).and_then(|j| self.h4(j)) {
            return Some(j);
        }
        self.ipv4_address(i)
    }

    /// `option "" (countMinMax 0 n h4c >> h4)`: `Some(end)` or `None` when it consumed and
    /// failed.
    fn opt_prefix(&self, i: usize, n: usize) -> Option<usize> {
        let mut j = i;
        let mut count = 0;
        while count < n {
            match self.h4c(j) {
                Some(k) => {
                    j = k;
                    count += 1;
                }
                None => break,
            }
        }
        match self.h4(j) {
            Some(k) => Some(k),
            None if count == 0 => Some(i),
            None => None,
        }
    }

    fn double_colon(&self, i: usize) -> Option<usize> {
        self.s[i..].starts_with(b"::").then_some(i + 2)
    }

    fn ipv6_address(&self, i: usize) -> Option<usize> {
        let alternatives: [&dyn Fn() -> Option<usize>; 9] = [
            &|| self.ls32(self.h4c_times(i, 6)?),
            &|| self.ls32(self.h4c_times(self.double_colon(i)?, 5)?),
            &|| {
                let j = self.double_colon(self.opt_prefix(i, 0)?)?;
                self.ls32(self.h4c_times(j, 4)?)
            },
            &|| {
                let j = self.double_colon(self.opt_prefix(i, 1)?)?;
                self.ls32(self.h4c_times(j, 3)?)
            },
            &|| {
                let j = self.double_colon(self.opt_prefix(i, 2)?)?;
                self.ls32(self.h4c_times(j, 2)?)
            },
            &|| {
                let j = self.double_colon(self.opt_prefix(i, 3)?)?;
                self.ls32(self.h4c_times(j, 1)?)
            },
            &|| self.ls32(self.double_colon(self.opt_prefix(i, 4)?)?),
            &|| self.h4(self.double_colon(self.opt_prefix(i, 5)?)?),
            &|| self.double_colon(self.opt_prefix(i, 6)?),
        ];
        alternatives.iter().find_map(|alt| alt())
    }
}

/// Whether `value` parses as an absolute URI (RFC 3986 `URI`: scheme, hierarchical part,
/// optional query and fragment), with the exact acceptance of hadolint's parser.
pub(crate) fn is_absolute_uri(value: &str) -> bool {
    Uri {
        s: value.as_bytes(),
    }
    .uri()
}

#[cfg(test)]
mod tests {
    use super::is_absolute_uri;

    #[test]
    fn uris() {
        for ok in [
            "https://example.com",
            "https://example.com/",
            "http://user:pw@example.com:8080/a/b?x=1&y=2#frag",
            "mailto:someone@example.com",
            "urn:isbn:0451450523",
            "file:///etc/hosts",
            "ftp://192.168.0.1/x",
            "http://[::1]:80/",
            "http://[2001:db8::7]/c=GB?objectClass?one",
            "http://[1:2:3:4:5:6:7:8]/",
            "http://[::ffff:1.2.3.4]/",
            "http://[v1.fe]/",
            "http://[fe80::1%25eth0]/",
            "git+ssh://git@github.com/org/repo.git",
            "a:",
            "http://example.com:/",
            "http://ex%41mple.com/%7e",
            "http://999.1.1.1/",
            "tel:+1-816-555-1212",
        ] {
            assert!(is_absolute_uri(ok), "{ok}");
        }
        for bad in [
            "",
            "example.com",
            "github.com/org/repo",
            "/just/a/path",
            "1http://x",
            "http://exa mple.com",
            "http://example.com/a b",
            "http://example.com/%zz",
            "http://example.com/%",
            "http://example.com:80a/",
            "http://[::1/",
            "http://[zz]/",
            "https://example.com/{x}",
            "http://example.com/\"",
            "http://example.com/é",
            "http://example.com/#a#b",
            "http://[1:2:3:4:5:6:7:89abc]/",
        ] {
            assert!(!is_absolute_uri(bad), "{bad}");
        }
        let long = format!("http://{}/", "a".repeat(256));
        assert!(!is_absolute_uri(&long));
        let ok = format!("http://{}/", "a".repeat(255));
        assert!(is_absolute_uri(&ok));
    }
}
