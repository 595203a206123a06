#![no_main]
//! See `drydock_tests::fuzz::lsp_messages`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| drydock_tests::fuzz::lsp_messages(data));
