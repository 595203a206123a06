//! `file:` URIs to paths and back (RFC 8089 as editors write them: percent-encoded, Windows
//! drive letters after a slash).

use std::path::{Path, PathBuf};

use lsp_types::Uri;
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

/// Characters encoded in a path segment (everything but unreserved characters, `/` and a few
/// sub-delimiters editors leave alone).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The path of a `file:` URI; `None` for other schemes (`untitled:`, `vscode-notebook-cell:`).
#[must_use]
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.0.strip_prefix("file://")?;
    // `file://host/path` (a UNC share) keeps the host; `file:///path` has an empty one.
    let (host, path) = match rest.find('/') {
        Some(0) => ("", rest),
        Some(i) => (&rest[..i], &rest[i..]),
        None => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_decode_str(path).decode_utf8().ok()?.into_owned();
    // `/c:/x` -> `c:/x` on Windows-style URIs.
    let bytes = decoded.as_bytes();
    let decoded = if bytes.len() >= 3
        && bytes[0] == b'/'
        && bytes[1].is_ascii_alphabetic()
        && bytes[2] == b':'
        && cfg!(windows)
    {
        decoded[1..].to_owned()
    } else {
        decoded
    };
    if host.is_empty() || host == "localhost" {
        Some(PathBuf::from(decoded))
    } else {
        Some(PathBuf::from(format!("//{host}{decoded}")))
    }
}

/// The `file:` URI of an absolute path.
#[must_use]
pub fn from_path(path: &Path) -> Uri {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = if text.starts_with('/') {
        text
    } else {
        format!("/{text}")
    };
    Uri(format!("file://{}", utf8_percent_encode(&text, SEGMENT)))
}

/// The file name of a URI (its last path segment), for deciding a document's kind.
#[must_use]
pub fn file_name(uri: &Uri) -> Option<String> {
    let path = uri.0.split(['?', '#']).next()?;
    let last = path.rsplit('/').next()?;
    percent_decode_str(last)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for path in ["/srv/app/Dockerfile", "/a b/é/compose #1.yaml", "/x/%41"] {
            let uri = from_path(Path::new(path));
            assert!(uri.0.starts_with("file:///"), "{}", uri.0);
            assert_eq!(to_path(&uri), Some(PathBuf::from(path)), "{}", uri.0);
        }
        assert_eq!(
            to_path(&Uri("file:///srv/My%20App/Dockerfile".into())),
            Some(PathBuf::from("/srv/My App/Dockerfile"))
        );
        assert_eq!(to_path(&Uri("untitled:Untitled-1".into())), None);
        assert_eq!(
            file_name(&Uri("file:///x/docker-compose.prod.yml".into())).as_deref(),
            Some("docker-compose.prod.yml")
        );
    }
}
