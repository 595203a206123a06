#![no_main]
//! See `drydock_tests::fuzz::compose_load`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| drydock_tests::fuzz::compose_load(data));
