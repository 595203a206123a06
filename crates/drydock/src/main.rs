//! The `drydock` binary.

fn main() {
    let status = drydock::main_with_args(std::env::args_os());
    std::process::exit(status as i32);
}
