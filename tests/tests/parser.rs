//! The Dockerfile parser: snapshot dumps of `fixtures/parser/*.Dockerfile`, the lossless round
//! trip on arbitrary bytes, and ranges that always land inside the file on character boundaries.

use drydock_dockerfile::model::Model;
use drydock_dockerfile::parse;
use drydock_tests::fuzz::{check_dockerfile_ranges, check_shell_ranges};
use drydock_tests::repo_root;
use drydock_text::SourceText;
use proptest::prelude::*;

#[test]
fn parser_fixtures() {
    let dir = repo_root().join("fixtures/parser");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/parser")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut count = 0;
    for path in files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
    {
        let bytes = std::fs::read(&path).expect("fixture");
        let file = parse(SourceText::from_bytes(bytes.clone()));
        assert_eq!(file.to_bytes(), bytes, "{}: round trip", path.display());
        let checked = std::panic::catch_unwind(|| check_dockerfile_ranges(&file));
        assert!(checked.is_ok(), "{}: ranges", path.display());
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_owned();
        insta::with_settings!({ snapshot_path => dir.clone(), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(name, file.debug_dump());
        });
        count += 1;
    }
    assert!(count > 10, "expected the parser fixtures, found {count}");
}

fn dockerfile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop_oneof![
        Just(b"FROM ".to_vec()),
        Just(b"RUN ".to_vec()),
        Just(b"COPY --from=a ".to_vec()),
        Just(b"ENV a=b c=\"d e\" ".to_vec()),
        Just(b"ONBUILD ".to_vec()),
        Just(b"HEALTHCHECK CMD ".to_vec()),
        Just(b"ARG x=${y:-z}".to_vec()),
        Just(b"<<EOF".to_vec()),
        Just(b"<<-'E'".to_vec()),
        Just(b"EOF".to_vec()),
        Just(b"\\".to_vec()),
        Just(b"`".to_vec()),
        Just(b"# escape=`".to_vec()),
        Just(b"# comment".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b" ".to_vec()),
        Just(b"[\"a\", \"b\"]".to_vec()),
        Just(b"$(echo \"x\")|sh".to_vec()),
        Just(vec![0xEF, 0xBB, 0xBF]),
        Just(vec![0xFF, 0x00]),
        Just("é😀".as_bytes().to_vec()),
        any::<u8>().prop_map(|b| vec![b]),
    ];
    proptest::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_input_round_trips_with_ranges_inside(bytes in dockerfile_bytes()) {
        let file = parse(SourceText::from_bytes(bytes.clone()));
        prop_assert_eq!(file.to_bytes(), bytes);
        check_dockerfile_ranges(&file);
        let model = Model::new(file);
        check_shell_ranges(&model);
    }

    #[test]
    fn arbitrary_bytes_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let file = parse(SourceText::from_bytes(bytes.clone()));
        prop_assert_eq!(file.to_bytes(), bytes);
        check_dockerfile_ranges(&file);
    }

    /// An edited document's model takes the shell views of the instructions the edit did not
    /// touch from the previous version (the language server does this on every change): they
    /// must be exactly the views a fresh parse gives.
    #[test]
    fn reused_shell_views_equal_fresh_ones(
        before in dockerfile_bytes(),
        insert in dockerfile_bytes(),
        at in any::<prop::sample::Index>(),
        delete in 0usize..12,
    ) {
        let at = at.index(before.len() + 1);
        let mut after = before.clone();
        let end = (at + delete).min(after.len());
        after.splice(at..end, insert);
        let previous = Model::new(parse(SourceText::from_bytes(before)));
        for i in 0..previous.instruction_count() {
            let _ = previous.shell(i);
        }
        let edited = Model::new(parse(SourceText::from_bytes(after.clone())));
        edited.reuse_shells(&previous);
        let fresh = Model::new(parse(SourceText::from_bytes(after)));
        for i in 0..fresh.instruction_count() {
            prop_assert_eq!(edited.shell(i), fresh.shell(i), "instruction {}", i);
        }
    }
}

#[test]
fn an_edit_reparses_only_the_instruction_it_touches() {
    let before = "FROM alpine\nRUN apk add curl | tee log\nRUN echo one \\\n  && echo two\nRUN <<EOF\nset -e\nmake\nEOF\nRUN echo last\n";
    let after = before.replace("echo one", "echo uno!");
    let previous = Model::new(parse(SourceText::from_string(before.to_owned())));
    for i in 0..previous.instruction_count() {
        let _ = previous.shell(i);
    }
    let edited = Model::new(parse(SourceText::from_string(after.clone())));
    // The first RUN is shared, the two after the edit are moved; the edited one is not taken.
    assert_eq!(edited.reuse_shells(&previous), 3);
    let fresh = Model::new(parse(SourceText::from_string(after)));
    for i in 0..fresh.instruction_count() {
        assert_eq!(edited.shell(i), fresh.shell(i), "instruction {i}");
    }
    // Another escape character: nothing is taken.
    let escaped = Model::new(parse(SourceText::from_string(format!(
        "# escape=`\n{before}"
    ))));
    assert_eq!(escaped.reuse_shells(&previous), 0);
}
