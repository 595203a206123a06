//! Criterion benchmarks on samples of the shared corpus (`../shared/corpus`, or
//! `DRYDOCK_CORPUS`): parsing, the shell view, linting, compose loading and the whole `check`
//! pipeline in-process. Each reports throughput in bytes of input.
//!
//!     cargo bench -p drydock_tests --bench pipeline
//!     cargo bench -p drydock_tests --bench pipeline -- dockerfile/lint   # one benchmark
//!
//! The sample is every 10th file of each kind in MANIFEST order (288 Dockerfiles, 106 compose
//! files), so it is the same on every machine. Without the corpus the benchmarks are skipped
//! with a message. Whole-process figures (the CLI against `cat`, hadolint and compose-lint,
//! memory, thread scaling) come from `scripts/bench`.

use std::ffi::OsString;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use drydock_compose::project::{LoadOptions, RealFs, load};
use drydock_dockerfile::model::Model;
use drydock_dockerfile::{InstructionKind, parse};
use drydock_linter::compose::{ComposeInput, lint_project};
use drydock_linter::settings::Settings;
use drydock_linter::{DockerfileInput, lint_dockerfile};
use drydock_text::SourceText;

/// Every 10th corpus file of `kind` (MANIFEST order), with its bytes.
fn sample(kind: &str) -> Vec<(PathBuf, Vec<u8>)> {
    drydock_tests::corpus_files(kind)
        .into_iter()
        .step_by(10)
        .map(|path| {
            let bytes = std::fs::read(&path).expect("read corpus file");
            (path, bytes)
        })
        .collect()
}

fn total(files: &[(PathBuf, Vec<u8>)]) -> u64 {
    files.iter().map(|(_, b)| b.len() as u64).sum()
}

fn dockerfiles(c: &mut Criterion) {
    let files = sample("dockerfile");
    if files.is_empty() {
        eprintln!("SKIPPED: the shared corpus is not present (set DRYDOCK_CORPUS)");
        return;
    }
    let settings = Settings::default();
    let mut group = c.benchmark_group("dockerfile");
    group.throughput(Throughput::Bytes(total(&files)));
    group.bench_function("parse", |b| {
        b.iter(|| {
            for (_, bytes) in &files {
                black_box(parse(SourceText::from_bytes(bytes.clone())));
            }
        });
    });
    group.bench_function("shell", |b| {
        let models: Vec<Model> = files
            .iter()
            .map(|(_, bytes)| Model::new(parse(SourceText::from_bytes(bytes.clone()))))
            .collect();
        b.iter(|| {
            for model in &models {
                for instruction in model.file().instructions() {
                    if instruction.kind == InstructionKind::Run {
                        black_box(drydock_dockerfile::shell::parse_run(
                            model.file(),
                            instruction,
                        ));
                    }
                }
            }
        });
    });
    group.bench_function("lint", |b| {
        b.iter(|| {
            for (path, bytes) in &files {
                black_box(lint_dockerfile(
                    SourceText::from_bytes(bytes.clone()),
                    DockerfileInput {
                        path: Some(path),
                        target_stage: None,
                        context: None,
                    },
                    &settings,
                ));
            }
        });
    });
    group.finish();
}

fn compose(c: &mut Criterion) {
    let files = sample("compose");
    if files.is_empty() {
        return;
    }
    let settings = Settings::default();
    let mut group = c.benchmark_group("compose");
    group.throughput(Throughput::Bytes(total(&files)));
    let texts: Vec<String> = files
        .iter()
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    group.bench_function("yaml", |b| {
        b.iter(|| {
            for text in &texts {
                black_box(drydock_compose::yaml::parse(text));
            }
        });
    });
    let options = |path: &Path| LoadOptions {
        files: vec![path.to_owned()],
        project_dir: path.parent().map(Path::to_owned),
        root: path.parent().map(Path::to_owned),
        ..LoadOptions::default()
    };
    group.bench_function("load", |b| {
        b.iter(|| {
            for (path, _) in &files {
                black_box(load(&options(path), &RealFs));
            }
        });
    });
    group.bench_function("load+lint", |b| {
        b.iter(|| {
            for (path, _) in &files {
                let project = load(&options(path), &RealFs);
                let input = ComposeInput {
                    fs: &RealFs,
                    focus: None,
                };
                black_box(lint_project(&project, &input, &settings));
            }
        });
    });
    group.finish();
}

/// `drydock check` in-process on the sample, both kinds, JSON output to /dev/null: discovery,
/// configuration lookup, reading, linting on the thread pool and rendering.
fn pipeline(c: &mut Criterion) {
    let (docker, compose) = (sample("dockerfile"), sample("compose"));
    if docker.is_empty() {
        return;
    }
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Bytes(total(&docker) + total(&compose)));
    group.sample_size(20);
    let args = |extra: &[&str]| -> Vec<OsString> {
        let mut args: Vec<OsString> = ["drydock", "check", "--no-fail", "-f", "json", "-o"]
            .iter()
            .map(OsString::from)
            .collect();
        args.push(OsString::from(if cfg!(windows) {
            "NUL"
        } else {
            "/dev/null"
        }));
        args.extend(extra.iter().map(OsString::from));
        args.extend(docker.iter().chain(&compose).map(|(p, _)| p.clone().into()));
        args
    };
    for threads in ["1", "2"] {
        let args = args(&["--threads", threads]);
        group.bench_function(format!("check --threads {threads}"), |b| {
            b.iter(|| black_box(drydock::main_with_args(args.clone())));
        });
    }
    group.finish();
}

criterion_group!(benches, dockerfiles, compose, pipeline);
criterion_main!(benches);
