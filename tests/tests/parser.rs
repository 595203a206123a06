//! The Dockerfile parser: snapshot dumps of `fixtures/parser/*.Dockerfile`, the lossless round
//! trip on arbitrary bytes, and ranges that always land inside the file on character boundaries.

use drydock_dockerfile::model::Model;
use std::sync::Arc;

use drydock_dockerfile::{ItemKind, parse, reparse};
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
        Just(b"FROM a AS b\n".to_vec()),
        Just(b"FROM b\nENV y=$x\n".to_vec()),
        Just(b"SHELL [\"bash\", \"-c\"]\n".to_vec()),
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

/// A Dockerfile and an edit of it: some bytes deleted at a random place and others inserted.
fn edits() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    (
        dockerfile_bytes(),
        dockerfile_bytes(),
        any::<prop::sample::Index>(),
        0usize..12,
    )
        .prop_map(|(before, insert, at, delete)| {
            let at = at.index(before.len() + 1);
            let mut after = before.clone();
            let end = (at + delete).min(after.len());
            after.splice(at..end, insert);
            (before, after)
        })
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
    fn reused_shell_views_equal_fresh_ones((before, after) in edits()) {
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

/// `reparse` of an edit of `before` into `after` is `parse` of `after`, private fields included.
fn assert_reparse(before: &[u8], after: &[u8]) -> Result<(), TestCaseError> {
    let previous = parse(SourceText::from_bytes(before.to_vec()));
    let reparsed = reparse(&previous, SourceText::from_bytes(after.to_vec()));
    let fresh = parse(SourceText::from_bytes(after.to_vec()));
    prop_assert_eq!(format!("{reparsed:#?}"), format!("{fresh:#?}"));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// The language server reparses every edit: the tree must be the fresh parse's.
    #[test]
    fn reparse_of_an_edit_equals_a_fresh_parse((before, after) in edits()) {
        assert_reparse(&before, &after)?;
        assert_reparse(&after, &before)?;
    }

    /// ... and resumes the model's walk after the instructions the edit did not reach: the
    /// model must be the fresh one's.
    #[test]
    fn model_after_an_edit_equals_a_fresh_model((before, after) in edits()) {
        let previous = Model::new(parse(SourceText::from_bytes(before)));
        let file = reparse(previous.file(), SourceText::from_bytes(after.clone()));
        let resumed = Model::new_after(file, &previous);
        let fresh = Model::new(parse(SourceText::from_bytes(after)));
        prop_assert_eq!(resumed.walk_dump(), fresh.walk_dump());
    }
}

/// A stage built on another starts from that stage's state at its end: its last instruction's
/// `ENV` or `SHELL` included.
#[test]
fn stages_inherit_their_parents_final_state() {
    let text = "FROM alpine AS a\nENV A=1\nSHELL [\"/bin/bash\", \"-c\"]\n\
                FROM alpine AS b\nSHELL [\"/bin/zsh\", \"-c\"]\nENV B=2\n\
                FROM a\nRUN x\nFROM b\nRUN y\n";
    let model = Model::new(parse(SourceText::from_string(text.to_owned())));
    let value = |i: usize, name: &str| model.scope(i).get(name).and_then(|v| v.value.clone());
    assert_eq!(value(7, "A").as_deref(), Some("1"));
    assert_eq!(model.shell_spec(7).argv, ["/bin/bash", "-c"]);
    assert_eq!(value(9, "B").as_deref(), Some("2"));
    assert_eq!(model.shell_spec(9).argv, ["/bin/zsh", "-c"]);
}

#[test]
fn model_after_an_edit_takes_the_walk_before_it() {
    let before = "ARG BASE=alpine\nFROM ${BASE} AS build\nENV A=1\nSHELL [\"/bin/bash\", \"-c\"]\n\
                  FROM build AS next\nENV B=$A\nRUN echo one\nFROM scratch\nENV C=3\n";
    let previous = Model::new(parse(SourceText::from_string(before.to_owned())));
    for (from, to) in [
        ("echo one", "echo uno"),
        ("ENV B=$A", "ENV B=$A C=2"),
        ("FROM scratch", "FROM next"),
        ("AS next", "AS other"),
        ("ENV C=3\n", "ENV C=3\nFROM next\nRUN x\n"),
        // A stage that ended before the edit, built on again after it.
        ("ENV C=3\n", "ENV C=3\nFROM build\nRUN x\n"),
        ("FROM scratch", "FROM build"),
    ] {
        let after = before.replace(from, to);
        let file = reparse(previous.file(), SourceText::from_string(after.clone()));
        let resumed = Model::new_after(file, &previous);
        let fresh = Model::new(parse(SourceText::from_string(after)));
        assert_eq!(resumed.walk_dump(), fresh.walk_dump(), "{from} -> {to}");
        // The instructions before the edit are the previous model's (their scopes are shared).
        assert!(
            std::ptr::eq(resumed.scope(2), previous.scope(2)),
            "{from} -> {to}"
        );
    }
}

#[test]
fn model_after_an_edit_takes_the_walk_after_it_when_nothing_it_reads_changed() {
    let before = "ARG BASE=alpine\nFROM ${BASE} AS build\nENV A=1\nRUN one\n\
                  FROM debian:12 AS other\nSHELL [\"/bin/bash\", \"-c\"]\nRUN two\n\
                  FROM build AS next\nENV B=$A\nRUN three\n";
    let previous = Model::new(parse(SourceText::from_string(before.to_owned())));
    let last = previous.instruction_count() - 1;
    // (edit, whether the walk after the edited stage can be taken over)
    for (from, to, taken) in [
        ("RUN one", "RUN uno", true),
        ("RUN one\n", "RUN one\nRUN more\nRUN again\n", true),
        ("RUN one\n", "", true),
        // What the last stage reads of the first changed: its name, or its end state.
        ("AS build", "AS built", false),
        ("ENV A=1", "ENV A=2", false),
        ("ENV A=1", "ENV A=1 C=3", false),
        // The global ARGs changed.
        ("ARG BASE=alpine", "ARG BASE=alpine\nARG MORE=1", false),
        // Inside the stage with the SHELL (set by an instruction that moves).
        ("RUN two", "RUN dos", true),
        (
            "debian:12 AS other\n",
            "debian:12 AS other\nRUN first\n",
            true,
        ),
    ] {
        let after = before.replace(from, to);
        let file = reparse(previous.file(), SourceText::from_string(after.clone()));
        let resumed = Model::new_after(file, &previous);
        let fresh = Model::new(parse(SourceText::from_string(after)));
        assert_eq!(resumed.walk_dump(), fresh.walk_dump(), "{from} -> {to}");
        // Taken over, the last instruction's scope is the previous model's.
        let shared = std::ptr::eq(
            resumed.scope(resumed.instruction_count() - 1),
            previous.scope(last),
        );
        assert_eq!(shared, taken, "{from} -> {to}");
    }
}

#[test]
fn reparse_handles_what_an_edit_can_change_beyond_itself() {
    let cases: &[(&str, &str)] = &[
        // A continuation or heredoc opened or closed by the edit swallows or frees later lines.
        (
            "FROM a\nRUN x\nRUN y\nRUN z\n",
            "FROM a\nRUN x \\\nRUN y\nRUN z\n",
        ),
        (
            "FROM a\nRUN x \\\nRUN y\nRUN z\n",
            "FROM a\nRUN x\nRUN y\nRUN z\n",
        ),
        (
            "FROM a\nRUN x\nRUN y\nEOF\nRUN z\n",
            "FROM a\nRUN <<EOF\nRUN y\nEOF\nRUN z\n",
        ),
        (
            "FROM a\nRUN <<EOF\nRUN y\nEOF\nRUN z\n",
            "FROM a\nRUN <<EOF\nRUN y\nEOX\nRUN z\n",
        ),
        // The last line without a terminator, and an open continuation at the end, grow.
        ("FROM a\nRUN x", "FROM a\nRUN xy"),
        ("FROM a\nRUN x \\\n", "FROM a\nRUN x \\\n  && y\n"),
        ("FROM a\nRUN <<EOF\nx\n", "FROM a\nRUN <<EOF\nx\nEOF\n"),
        // Directives: a new escape character changes every continuation after it.
        (
            "# escape=\\\nFROM a\nRUN x `\nRUN y\n",
            "# escape=`\nFROM a\nRUN x `\nRUN y\n",
        ),
        (
            "FROM a\n# escape=`\nRUN x `\nRUN y\n",
            "# escape=`\nFROM a\nRUN x `\nRUN y\n",
        ),
        // Only the first carriage return inside a line is reported.
        ("FROM a\nRUN x\nRUN y\rz\n", "FROM a\nRUN w\rx\nRUN y\rz\n"),
        ("FROM a\nRUN w\rx\nRUN y\rz\n", "FROM a\nRUN wx\nRUN y\rz\n"),
        // Errors of the moved items move with them.
        (
            "FROM a\nRUN x\nCOPY\nONBUILD ONBUILD RUN y\n",
            "FROM a\nRUN xx\nCOPY\nONBUILD ONBUILD RUN y\n",
        ),
        // Items repeated around the edit.
        (
            "FROM a\nRUN x\nRUN x\nRUN x\n",
            "FROM a\nRUN x\nRUN x\nRUN x\nRUN x\n",
        ),
        ("\u{feff}FROM a\nRUN x\n", "\u{feff}FROM a\nRUN y\n"),
    ];
    for (before, after) in cases {
        assert_reparse(before.as_bytes(), after.as_bytes()).expect(before);
        assert_reparse(after.as_bytes(), before.as_bytes()).expect(after);
    }
}

#[test]
fn reparse_shares_the_instructions_before_the_edit() {
    let before = "FROM alpine\nRUN echo one\nRUN echo two\nRUN echo three\n";
    let previous = parse(SourceText::from_string(before.to_owned()));
    let after = before.replace("two", "2");
    let reparsed = reparse(&previous, SourceText::from_string(after.clone()));
    let shared: Vec<bool> = reparsed
        .items()
        .iter()
        .zip(previous.items())
        .map(|(new, old)| match (&new.kind, &old.kind) {
            (ItemKind::Instruction(new), ItemKind::Instruction(old)) => Arc::ptr_eq(new, old),
            _ => false,
        })
        .collect();
    // The two before the edit are the same; the one after it moved, so it is a moved copy.
    assert_eq!(shared, [true, true, false, false]);
    assert_eq!(
        format!("{reparsed:?}"),
        format!("{:?}", parse(SourceText::from_string(after)))
    );
    // Same length: the instruction after the edit is shared too.
    let same_length = before.replace("two", "owt");
    let reparsed = reparse(&previous, SourceText::from_string(same_length));
    match (&reparsed.items()[3].kind, &previous.items()[3].kind) {
        (ItemKind::Instruction(new), ItemKind::Instruction(old)) => assert!(Arc::ptr_eq(new, old)),
        _ => panic!("instructions expected"),
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
