#![no_main]
//! See `drydock_tests::fuzz::dockerfile_parse`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| drydock_tests::fuzz::dockerfile_parse(data));
