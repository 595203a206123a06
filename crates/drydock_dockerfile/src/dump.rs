//! A readable dump of the syntax tree, for snapshot tests and `drydock` debugging.

use std::fmt::Write;

use crate::syntax::{Args, Dockerfile, Instruction, ItemKind, Word};

impl Dockerfile {
    /// One line per item and per piece of each instruction, with byte ranges and text.
    #[must_use]
    pub fn debug_dump(&self) -> String {
        let mut out = String::new();
        for item in &self.items {
            let r = item.range;
            match &item.kind {
                ItemKind::Bom => writeln!(out, "BOM {r:?}"),
                ItemKind::Blank => writeln!(out, "BLANK {r:?}"),
                ItemKind::Comment(c) => {
                    writeln!(out, "COMMENT {r:?} {:?}", self.slice(c.text_range))
                }
                ItemKind::Directive(d) => writeln!(
                    out,
                    "DIRECTIVE {r:?} {}={:?} @{:?}",
                    d.name, d.value, d.value_range
                ),
                ItemKind::Instruction(i) => {
                    let _ = writeln!(out, "INSTRUCTION {r:?}");
                    self.dump_instruction(&mut out, i, 1);
                    Ok(())
                }
            }
            .unwrap_or(());
        }
        for error in &self.errors {
            let _ = writeln!(out, "ERROR {:?} {}", error.range, error.message);
        }
        out
    }

    fn dump_instruction(&self, out: &mut String, i: &Instruction, depth: usize) {
        let pad = "  ".repeat(depth);
        let _ = writeln!(
            out,
            "{pad}{:?} {:?} keyword={:?}",
            i.kind, i.range, i.keyword.text
        );
        for flag in &i.flags {
            let _ = writeln!(
                out,
                "{pad}  flag {:?} {} = {:?}",
                flag.range, flag.name, flag.value
            );
        }
        let word = |w: &Word| format!("{:?}{:?}", w.text, w.range);
        let words = |ws: &[Word]| ws.iter().map(word).collect::<Vec<_>>().join(" ");
        let line = match &i.args {
            Args::Empty => "empty".to_owned(),
            Args::Exec(e) => format!("exec {:?} [{}]", e.range, words(&e.elements)),
            Args::Shell(s) => format!("shell {:?} {:?}", s.range, s.text),
            Args::Paths(p) => format!("paths json={} [{}]", p.json, words(&p.items)),
            Args::Words(w) => format!("words [{}]", words(w)),
            Args::KeyValues(kv) => format!(
                "pairs legacy={} [{}]",
                kv.legacy,
                kv.pairs
                    .iter()
                    .map(|p| format!("{} = {}", word(&p.key), word(&p.value)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Args::Arg(decls) => format!(
                "arg [{}]",
                decls
                    .iter()
                    .map(|d| format!(
                        "{}{}",
                        word(&d.name),
                        d.default
                            .as_ref()
                            .map(|w| format!(" = {}", word(w)))
                            .unwrap_or_default()
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Args::Text(w) => format!("text {}", word(w)),
            Args::Healthcheck(h) => format!(
                "healthcheck {} command={}",
                word(&h.kind),
                h.command.is_some()
            ),
            Args::Onbuild(_) => "onbuild".to_owned(),
            Args::Unknown(w) => format!("unknown {:?}", w.as_ref().map(word)),
        };
        let _ = writeln!(out, "{pad}  args {line}");
        if let Args::Healthcheck(h) = &i.args
            && let Some(cmd) = &h.command
        {
            let _ = writeln!(
                out,
                "{pad}  healthcheck-cmd {}",
                if matches!(**cmd, Args::Exec(_)) {
                    "exec"
                } else {
                    "shell"
                }
            );
        }
        for h in &i.heredocs {
            let _ = writeln!(
                out,
                "{pad}  heredoc {:?} name={:?} expand={} chomp={} body={:?} terminator={:?}",
                h.marker, h.name, h.expand, h.chomp, h.body, h.terminator
            );
        }
        for c in &i.continuation_comments {
            let _ = writeln!(out, "{pad}  continuation-comment {c:?}");
        }
        for e in &i.empty_continuation_lines {
            let _ = writeln!(out, "{pad}  empty-continuation-line {e:?}");
        }
        if let Args::Onbuild(inner) = &i.args {
            self.dump_instruction(out, inner, depth + 1);
        }
    }
}
