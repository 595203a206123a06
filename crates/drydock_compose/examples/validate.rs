//! Scratch: validates compose files given on the command line and prints schema errors.
use drydock_compose::{interpolate::Environment, schema, tree::Resolver, yaml};
fn main() {
    let mut files = 0;
    let mut with_errors = 0;
    let mut by_msg = std::collections::BTreeMap::<String, usize>::new();
    for path in std::env::args().skip(1) {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        files += 1;
        let doc = yaml::parse(&text);
        let env = Environment::default();
        let mut r = Resolver::new(0, &doc, &env);
        let Some(root) = r.resolve() else { continue };
        let errors = schema::validate(&root);
        if !errors.is_empty() {
            with_errors += 1;
        }
        for e in errors {
            let key: String = e.message.chars().take(70).collect();
            *by_msg.entry(key).or_default() += 1;
            if std::env::var("SHOW").is_ok() {
                println!("{path}: {}", e.message);
            }
        }
    }
    println!("files={files} with_errors={with_errors}");
    for (k, v) in by_msg {
        println!("{v:5} {k}");
    }
}
