#![no_main]
//! See `drydock_tests::fuzz::lint_fix`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| drydock_tests::fuzz::lint_fix(data));
