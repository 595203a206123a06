//! Property tests of fixing: applying edits keeps every byte outside the edited ranges (in
//! either line-ending style), and linting and fixing generated Dockerfiles and compose files
//! never adds a syntax error, never touches bytes outside the edits and converges (the
//! `lint_fix` fuzz target's checks, `drydock_tests::fuzz`).

use drydock_linter::Edit;
use drydock_linter::fix::apply_edits;
use drydock_tests::fuzz::{keeps_outside, lint_fix};
use drydock_text::{TextRange, TextSize};
use proptest::prelude::*;

/// Bytes and non-overlapping edits inside them.
fn bytes_and_edits() -> impl Strategy<Value = (Vec<u8>, Vec<Edit>)> {
    proptest::collection::vec(any::<u8>(), 0..200).prop_flat_map(|bytes| {
        let n = bytes.len();
        let edit = (0..=n, 0..=8usize, "[a-z\\n\\r\\t ]{0,6}");
        (Just(bytes), proptest::collection::vec(edit, 0..6)).prop_map(|(bytes, raw)| {
            // Make the ranges disjoint: sort the starts and cut each at the next one.
            let mut raw = raw;
            raw.sort_by_key(|(start, _, _)| *start);
            raw.dedup_by_key(|(start, _, _)| *start);
            let mut edits = Vec::new();
            for i in 0..raw.len() {
                let (start, len, ref content) = raw[i];
                let limit = raw.get(i + 1).map_or(bytes.len(), |next| next.0);
                let end = (start + len).min(limit);
                let range = TextRange::new(
                    TextSize::new(u32::try_from(start).unwrap_or(0)),
                    TextSize::new(u32::try_from(end).unwrap_or(0)),
                );
                edits.push(Edit {
                    range,
                    content: content.clone(),
                });
            }
            (bytes, edits)
        })
    })
}

fn dockerfile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop_oneof![
        Just(b"FROM debian:12\n".to_vec()),
        Just(b"FROM alpine AS build\n".to_vec()),
        Just(b"RUN apt-get update && apt-get install curl\n".to_vec()),
        Just(b"RUN sudo pip install flask && cd /x\n".to_vec()),
        Just(b"RUN wget -q https://x/y.tgz | sh\n".to_vec()),
        Just(b"COPY --from=build /a /b\n".to_vec()),
        Just(b"ADD https://example.com/x.tar.gz /x\n".to_vec()),
        Just(b"MAINTAINER me\n".to_vec()),
        Just(b"ENV a b\n".to_vec()),
        Just(b"ENV PASSWORD=x\n".to_vec()),
        Just(b"from ubuntu\n".to_vec()),
        Just(b"CMD echo hi\n".to_vec()),
        Just(b"EXPOSE 80/TCP\n".to_vec()),
        Just(b"USER root\n".to_vec()),
        Just(b"WORKDIR app\n".to_vec()),
        Just(b"# drydock ignore=DL3004\n".to_vec()),
        Just(b"# hadolint ignore=DL9999\n".to_vec()),
        Just(b"RUN <<EOF\napt-get install x\nEOF\n".to_vec()),
        Just(b"RUN a \\\n  && b\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\xef\xbb\xbf".to_vec()),
        Just(b"\\".to_vec()),
        Just(b"\"".to_vec()),
        any::<u8>().prop_map(|b| vec![b]),
    ];
    proptest::collection::vec(pieces, 0..16).prop_map(|v| v.concat())
}

fn compose_bytes() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop_oneof![
        Just(b"version: '3'\n".to_vec()),
        Just(b"services:\n".to_vec()),
        Just(b"  web:\n    image: nginx\n".to_vec()),
        Just(b"    privileged: true\n".to_vec()),
        Just(b"    ports: [80:80]\n".to_vec()),
        Just(b"    ports:\n      - 8080:80\n".to_vec()),
        Just(b"    cap_add: [ALL]\n".to_vec()),
        Just(b"    environment:\n      PASSWORD: x\n".to_vec()),
        Just(b"    volumes: ['/var/run/docker.sock:/var/run/docker.sock']\n".to_vec()),
        Just(b"  db: &db\n    image: postgres:latest\n".to_vec()),
        Just(b"  db2:\n    <<: *db\n".to_vec()),
        Just(b"    security_opt: [seccomp:unconfined]\n".to_vec()),
        Just(b"    # drydock ignore=CMP001\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\t".to_vec()),
        any::<u8>().prop_map(|b| vec![b]),
    ];
    proptest::collection::vec(pieces, 0..14).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn applying_edits_keeps_everything_outside_them((bytes, edits) in bytes_and_edits(), crlf in any::<bool>()) {
        let refs: Vec<&Edit> = edits.iter().collect();
        let after = apply_edits(&bytes, &refs, crlf);
        prop_assert!(keeps_outside(&bytes, &after, &refs, crlf));
        // In reverse order too: the result does not depend on the order edits come in.
        let reversed: Vec<&Edit> = edits.iter().rev().collect();
        prop_assert_eq!(apply_edits(&bytes, &reversed, crlf), after);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn fixing_dockerfiles_adds_no_error_keeps_the_rest_and_converges(bytes in dockerfile_bytes()) {
        let mut input = vec![0u8];
        input.extend_from_slice(&bytes);
        lint_fix(&input);
    }

    #[test]
    fn fixing_compose_files_makes_nothing_worse_and_converges(bytes in compose_bytes()) {
        let mut input = vec![1u8];
        input.extend_from_slice(&bytes);
        lint_fix(&input);
    }
}
