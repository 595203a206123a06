//! Carrying findings over from the lint of an earlier version of an edited document: what
//! [instruction-local](Locality::Instruction) rules found on the instructions an edit did not
//! touch, and what [stage-local](Locality::Stage) rules found in the stages it did not touch,
//! moved to where those instructions are now. The rules then check only the rest (see
//! [`DockerfileContext::checks`](crate::rule::DockerfileContext::checks)). A rule that also
//! reads a little of the rest of the file writes out what ([`Rule::outside`]); when an edit
//! changes that, the rule checks the whole file again and nothing it found is carried.
//!
//! [`Rule::outside`]: crate::rule::Rule::outside

use std::ops::Range;

use drydock_dockerfile::model::Model;
use drydock_text::TextSize;

use crate::diagnostic::Diagnostic;
use crate::registry::RuleId;
use crate::rule::{Locality, Only};
use crate::settings::Options;

/// What the instruction- and stage-local rules found, filed by instruction and by part of the
/// file, before configuration and suppressions, with what they ran with.
#[derive(Clone, Debug)]
pub struct LocalFindings {
    /// The rules that ran, with their locality.
    rules: Vec<(RuleId, Locality)>,
    /// The options they read.
    options: Options,
    /// What each of them read outside its instruction or stage ([`Rule::outside`]).
    ///
    /// [`Rule::outside`]: crate::rule::Rule::outside
    outside: Vec<Option<Vec<u8>>>,
    /// Per instruction, what the instruction-local rules found on it.
    instructions: Vec<Vec<Diagnostic>>,
    /// Per part ([`parts`]), what the stage-local rules found in it.
    parts: Vec<Vec<Diagnostic>>,
}

/// The parts of a Dockerfile stage-local rules see one at a time: the global part (the
/// instructions before the first `FROM`), then each stage (its `FROM` and body), as ranges of
/// instruction indices.
fn parts(model: &Model) -> Vec<Range<usize>> {
    let stages = model.stages();
    let first = stages.first().map_or(model.instruction_count(), |s| s.from);
    std::iter::once(0..first)
        .chain(stages.iter().map(|s| s.from..s.body.end))
        .collect()
}

/// The part ([`parts`]) instruction `index` is in.
fn part_of(model: &Model, index: usize) -> usize {
    model.stage_of(index).map_or(0, |s| s + 1)
}

/// The instructions some rules check again, as a mask over the instructions and as a list.
pub(crate) struct Recheck {
    mask: Vec<bool>,
    list: Vec<usize>,
}

impl Recheck {
    fn new(mask: Vec<bool>) -> Self {
        let list = (0..mask.len()).filter(|&i| mask[i]).collect();
        Self { mask, list }
    }

    /// What a rule's context is given ([`DockerfileContext::checks`](crate::rule::DockerfileContext::checks)).
    pub(crate) fn only(&self) -> Only<'_> {
        Only {
            mask: &self.mask,
            list: &self.list,
        }
    }
}

/// What a lint may take from the previous one, and what its rules must check again.
pub(crate) struct Plan<'a> {
    previous: &'a Model,
    local: &'a LocalFindings,
    /// For each instruction, the previous instruction whose findings it takes.
    instructions: Vec<Option<usize>>,
    /// For each part, whether it takes the findings of the previous part at the same position.
    parts: Vec<bool>,
    /// The instructions instruction-local rules check.
    pub(crate) recheck_instructions: Recheck,
    /// The instructions stage-local rules check (those of the parts not carried).
    pub(crate) recheck_parts: Recheck,
    /// The codes of the rules that check the whole file again, since what they read outside
    /// their instruction or stage changed ([`Rule::outside`](crate::rule::Rule::outside)).
    pub(crate) whole: Vec<&'static str>,
}

impl<'a> Plan<'a> {
    /// Plans a lint of `model` after `previous`'s, whose rules found `local`; `unchanged` is
    /// [`Model::unchanged_since`], `outside` what each rule reads outside its instruction or
    /// stage now. `None` when the same rules did not run with the same options.
    pub(crate) fn new(
        model: &Model,
        previous: &'a Model,
        local: &'a LocalFindings,
        unchanged: &[Option<usize>],
        rules: &[(RuleId, Locality)],
        outside: &[Option<Vec<u8>>],
        options: &Options,
    ) -> Option<Self> {
        if local.rules != rules || local.options != *options {
            return None;
        }
        let whole = rules
            .iter()
            .zip(outside.iter().zip(&local.outside))
            .filter(|(_, (now, before))| now != before)
            .map(|((id, _), _)| id.rule().meta().code)
            .collect();
        // An unchanged instruction takes its findings when the shell in effect is the same
        // too (a `SHELL` or a Windows base image changes what some rules check).
        let instructions: Vec<Option<usize>> = unchanged
            .iter()
            .enumerate()
            .map(|(new, &old)| old.filter(|&old| model.shell_spec(new) == previous.shell_spec(old)))
            .collect();
        let (new_parts, old_parts) = (parts(model), parts(previous));
        let mut carried = vec![false; new_parts.len()];
        for (i, new) in new_parts.iter().enumerate() {
            let Some(old) = old_parts.get(i) else { break };
            // A stage sees the global part and the stages it builds on.
            let sees_carried = i == 0
                || carried[0]
                    && match (
                        model.stages()[i - 1].parent,
                        previous.stages()[i - 1].parent,
                    ) {
                        (None, None) => true,
                        (Some(p), Some(q)) => p == q && carried[p + 1],
                        _ => false,
                    };
            carried[i] = sees_carried && same_part(model, previous, unchanged, new, old);
        }
        let recheck_instructions = Recheck::new(instructions.iter().map(Option::is_none).collect());
        let recheck_parts = Recheck::new(
            (0..model.instruction_count())
                .map(|i| !carried[part_of(model, i)])
                .collect(),
        );
        Some(Self {
            previous,
            local,
            instructions,
            parts: carried,
            recheck_instructions,
            recheck_parts,
            whole,
        })
    }
}

/// Whether part `new` of `model` is part `old` of `previous` unchanged: as many instructions,
/// each an unchanged copy of its counterpart, all moved by the same distance.
fn same_part(
    model: &Model,
    previous: &Model,
    unchanged: &[Option<usize>],
    new: &Range<usize>,
    old: &Range<usize>,
) -> bool {
    if new.len() != old.len() {
        return false;
    }
    let shift = |n: usize, o: usize| {
        (
            model.instruction(n).range.start(),
            previous.instruction(o).range.start(),
        )
    };
    let Some((first_new, first_old)) = new
        .clone()
        .zip(old.clone())
        .next()
        .map(|(n, o)| shift(n, o))
    else {
        return true;
    };
    new.clone().zip(old.clone()).all(|(n, o)| {
        let (at_new, at_old) = shift(n, o);
        unchanged[n] == Some(o) && at_new - first_new == at_old - first_old
    })
}

/// The fresh findings of the instruction- and stage-local rules, filed (those on what the
/// plan carries are dropped: a rule may look further than it must), with the carried ones.
/// Returns them with the findings that are not within one instruction (or one part): that
/// breaks the rules' contract, and nothing is carried from a lint that has them.
pub(crate) fn file(
    model: &Model,
    fresh: Vec<(Locality, Diagnostic)>,
    plan: Option<&Plan<'_>>,
    rules: Vec<(RuleId, Locality)>,
    outside: Vec<Option<Vec<u8>>>,
    options: &Options,
) -> (Vec<Diagnostic>, Option<LocalFindings>) {
    // A rule that checked the whole file again keeps all it found, and nothing is carried for
    // it.
    let whole = |d: &Diagnostic| plan.is_some_and(|p| p.whole.contains(&d.code));
    let all_parts = parts(model);
    let mut instructions: Vec<Vec<Diagnostic>> = vec![Vec::new(); model.instruction_count()];
    let mut by_part: Vec<Vec<Diagnostic>> = vec![Vec::new(); all_parts.len()];
    let mut unfiled = Vec::new();
    for (locality, d) in fresh {
        let Some(i) = instruction_at(model, d.range.start()) else {
            unfiled.push(d);
            continue;
        };
        match locality {
            Locality::Instruction => {
                let within = model.instruction(i).range;
                if !d.ranges().all(|r| within.contains_range(r)) {
                    unfiled.push(d);
                } else if plan.is_none_or(|p| p.recheck_instructions.mask[i]) || whole(&d) {
                    instructions[i].push(d);
                }
            }
            // (File rules' findings are not filed.)
            Locality::Stage | Locality::File => {
                let part = part_of(model, i);
                let span = &all_parts[part];
                let within = model
                    .instruction(span.start)
                    .range
                    .cover(model.instruction(span.end - 1).range);
                if !d.ranges().all(|r| within.contains_range(r)) {
                    unfiled.push(d);
                } else if plan.is_none_or(|p| !p.parts[part]) || whole(&d) {
                    by_part[part].push(d);
                }
            }
        }
    }
    if let Some(plan) = plan {
        for (new, old) in plan.instructions.iter().enumerate() {
            if let Some(old) = *old {
                let fresh = std::mem::take(&mut instructions[new]);
                instructions[new] = moved(
                    &plan.local.instructions[old],
                    plan.previous.instruction(old).range.start(),
                    model.instruction(new).range.start(),
                    &plan.whole,
                );
                instructions[new].extend(fresh);
            }
        }
        let old_parts = parts(plan.previous);
        for (part, &carried) in plan.parts.iter().enumerate() {
            let span = &all_parts[part];
            if carried && !span.is_empty() {
                let fresh = std::mem::take(&mut by_part[part]);
                by_part[part] = moved(
                    &plan.local.parts[part],
                    plan.previous
                        .instruction(old_parts[part].start)
                        .range
                        .start(),
                    model.instruction(span.start).range.start(),
                    &plan.whole,
                );
                by_part[part].extend(fresh);
            }
        }
    }
    let mut all: Vec<Diagnostic> = instructions
        .iter()
        .chain(&by_part)
        .flatten()
        .cloned()
        .collect();
    let complete = unfiled.is_empty();
    all.extend(unfiled);
    let local = complete.then(|| LocalFindings {
        rules,
        options: options.clone(),
        outside,
        instructions,
        parts: by_part,
    });
    (all, local)
}

/// `found` moved from `from` to `to`, without the findings of the rules (by code) in `whole`.
fn moved(found: &[Diagnostic], from: TextSize, to: TextSize, whole: &[&str]) -> Vec<Diagnostic> {
    found
        .iter()
        .filter(|d| !whole.contains(&d.code))
        .map(|d| d.moved(from, to))
        .collect()
}

/// The last instruction starting at or before `offset`.
fn instruction_at(model: &Model, offset: TextSize) -> Option<usize> {
    let (mut low, mut high) = (0, model.instruction_count());
    while low < high {
        let mid = low + (high - low) / 2;
        if model.instruction(mid).range.start() <= offset {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    low.checked_sub(1)
}
