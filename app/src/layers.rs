//! The layers, and the test that keeps them: a module may name its own layer and those
//! below it, never one above (see `docs/architecture.md`).
//!
//! From the top: `pages` → `components` → `api` → `server` → `texts` → `domain`. `error`,
//! `routes` and the generated `i18n` are leaves every layer may name.

/// The layers from the bottom up; a file under `src/<layer>` (or `src/<layer>.rs`) may
/// name `crate::<other>` only for a layer at or below its own.
const ORDER: [&str; 6] = ["domain", "texts", "server", "api", "components", "pages"];

fn rank(layer: &str) -> Option<usize> {
    ORDER.iter().position(|l| *l == layer)
}

/// Every `crate::<layer>` a line of code names (comments left out).
fn named_layers(code: &str) -> Vec<&str> {
    let code = code.split("//").next().unwrap_or_default();
    code.match_indices("crate::")
        .filter_map(|(at, _)| {
            let rest = &code[at + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            rank(&rest[..end]).map(|_| &rest[..end])
        })
        .collect()
}

fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn imports_only_point_down() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for layer in ORDER {
        let mut paths = vec![src.join(format!("{layer}.rs"))];
        files(&src.join(layer), &mut paths);
        for path in paths {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            checked += 1;
            for (n, line) in text.lines().enumerate() {
                for named in named_layers(line) {
                    if rank(named) > rank(layer) {
                        wrong.push(format!(
                            "{}:{}: {layer} names {named}",
                            path.display(),
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} files found under {}",
        src.display()
    );
    assert!(
        wrong.is_empty(),
        "imports pointing up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn a_line_naming_a_higher_layer_is_seen() {
    assert_eq!(named_layers("use crate::api::admin::x;"), ["api"]);
    assert_eq!(
        named_layers("let a = crate::server::f(crate::domain::g());"),
        ["server", "domain"]
    );
    assert!(named_layers("// see crate::pages::login").is_empty());
    assert!(named_layers("use crate::error::AppError;").is_empty());
}
