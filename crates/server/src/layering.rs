//! The order of the server's modules (docs/architecture.md#server, "Which module may use
//! which"), checked on the source: a module names only modules of a lower layer, so no two
//! import each other and none reaches up. A test, not a lint, because rustc allows any path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each top-level module and its layer; a module may use only those with a larger number.
/// `lib.rs` (the route table and `AppState`) and `main.rs` (the CLI) sit above them all.
const LAYERS: &[(&str, u8)] = &[
    ("demo", 1),
    ("maintenance", 1),
    ("openapi", 1),
    ("support", 2),
    ("evidence", 3),
    ("wallet", 4),
    ("identity", 5),
    ("breach", 5),
    ("health", 5),
    ("cases", 6),
    ("events", 7),
    ("mail", 8),
    ("db", 9),
    ("http", 10),
    ("token", 10),
    ("clock", 10),
    ("config", 10),
    ("secret_box", 10),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::name` in `source` whose name is a module (items of `lib.rs`, such as
/// `AppState`, are not).
fn modules_named<'a>(source: &'a str, modules: &BTreeMap<&str, u8>) -> Vec<&'a str> {
    source
        .match_indices("crate::")
        .map(|(at, _)| {
            let rest = &source[at + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|name| modules.contains_key(name))
        .collect()
}

/// The violations in the server's source: `(file, module it is in, module it names)`.
fn violations(src: &Path) -> Vec<(String, String, String)> {
    let layers: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let top = relative.iter().next().unwrap().to_str().unwrap();
        let top = top.strip_suffix(".rs").unwrap_or(top);
        // The route table, the CLI and this check itself sit above every layer.
        if matches!(top, "lib" | "main" | "layering") {
            continue;
        }
        let Some(&own) = layers.get(top) else {
            found.push((
                relative.display().to_string(),
                top.to_owned(),
                "(a module missing from LAYERS)".to_owned(),
            ));
            continue;
        };
        let source = std::fs::read_to_string(&file).unwrap();
        for named in modules_named(&source, &layers) {
            if named != top && layers[named] <= own {
                found.push((
                    relative.display().to_string(),
                    top.to_owned(),
                    named.to_owned(),
                ));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn every_module_uses_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "these files name a module of the same or a higher layer:\n{found:#?}"
    );
}

#[test]
fn a_module_naming_one_above_it_is_found() {
    let dir = std::env::temp_dir().join(format!("layering-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("wallet")).unwrap();
    std::fs::write(dir.join("lib.rs"), "use crate::support::x;").unwrap();
    std::fs::write(
        dir.join("support.rs"),
        "use crate::wallet::x; use crate::AppState;",
    )
    .unwrap();
    std::fs::write(
        dir.join("wallet").join("disputes.rs"),
        "use crate::evidence::uploads;",
    )
    .unwrap();
    std::fs::write(dir.join("evidence.rs"), "fn f() { crate::wallet::g() }").unwrap();
    std::fs::write(dir.join("newcomer.rs"), "").unwrap();
    let found = violations(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let pair = |file: &str, top: &str, named: &str| (file.into(), top.into(), named.into());
    assert_eq!(
        found,
        vec![
            pair("newcomer.rs", "newcomer", "(a module missing from LAYERS)"),
            pair("wallet/disputes.rs", "wallet", "evidence"),
        ]
    );
}
