//! The `drydock` binary.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let status = drydock::main_with_args(std::env::args_os());
    std::process::exit(status as i32);
}
