//! The architecture that ARCHITECTURE.md describes holds in the code: each part of `src/` uses none of
//! the parts its row forbids, and every part is in that table and in the README's Layout, so neither
//! document can fall behind the code without this failing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One row of the table: the paths it covers (`src/db/`, `src/config.rs`) and what they may not use.
#[derive(Debug)]
struct Part {
    paths: Vec<String>,
    /// `None`: nothing of the crate at all.
    forbidden: Option<Vec<String>>,
}

fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn parts(architecture: &str) -> Vec<Part> {
    architecture
        .lines()
        .filter(|l| l.starts_with("| `src/"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').collect();
            let last = cells[cells.len() - 2];
            Part {
                paths: backticked(cells[1]),
                forbidden: (!last.contains("anything of the crate")).then(|| backticked(last)),
            }
        })
        .collect()
}

/// The module a path of `src/` belongs to: `src/db/` and `src/db/mod.rs` → `db`, `src/level.rs` → `level`.
fn module_of(path: &str) -> String {
    let rest = path.trim_start_matches("src/");
    let first = rest.split('/').next().unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// The parts of the crate that `source` names (`crate::oidc::…` → `oidc`), outside comments.
fn uses(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or_default();
                inner.split(',').collect()
            } else {
                vec![rest]
            };
            for name in names {
                let name: String = name
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        }
    }
    found
}

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).unwrap() {
        let entry = entry.unwrap().path();
        if entry.is_dir() {
            files.extend(rust_files(&entry));
        } else if entry.extension().is_some_and(|e| e == "rs") {
            files.push(entry);
        }
    }
    files
}

/// Each use of a forbidden part: `file: uses part`.
fn violations(part: &Part, read: impl Fn(&str) -> Vec<(String, String)>) -> Vec<String> {
    let mut found = Vec::new();
    for path in &part.paths {
        let own = module_of(path);
        for (file, source) in read(path) {
            for used in uses(&source) {
                let refused = match &part.forbidden {
                    None => used != own,
                    Some(list) => list.contains(&used),
                };
                if refused {
                    found.push(format!("{file} uses `{used}`"));
                }
            }
        }
    }
    found
}

fn read_part(path: &str) -> Vec<(String, String)> {
    rust_files(&root().join(path))
        .into_iter()
        .map(|f| {
            let name = f.strip_prefix(root()).unwrap().display().to_string();
            (name, std::fs::read_to_string(&f).unwrap())
        })
        .collect()
}

fn architecture() -> String {
    std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md at the root")
}

#[test]
fn every_part_uses_none_of_the_parts_architecture_md_forbids_it() {
    let parts = parts(&architecture());
    assert!(parts.len() > 10, "the table of parts was not found");

    let found: Vec<String> = parts
        .iter()
        .flat_map(|p| violations(p, read_part))
        .collect();

    assert!(
        found.is_empty(),
        "these uses break the layering in ARCHITECTURE.md (move the shared code below both, or \
         change the table with good reason):\n{}",
        found.join("\n")
    );
}

#[test]
fn every_part_of_src_is_in_architecture_md_and_in_the_readme_layout() {
    let architecture = architecture();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let layout = readme
        .split("## Layout")
        .nth(1)
        .expect("a Layout section in the README");
    let listed: BTreeSet<String> = parts(&architecture)
        .iter()
        .flat_map(|p| p.paths.iter().map(|path| module_of(path)))
        .collect();

    let mut missing = Vec::new();
    for entry in std::fs::read_dir(root().join("src")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let module = name.trim_end_matches(".rs").to_string();
        if path.is_file() && !name.ends_with(".rs") {
            continue;
        }
        if !listed.contains(&module) {
            missing.push(format!(
                "src/{name} is not a row of ARCHITECTURE.md's table of parts"
            ));
        }
        let shown = if path.is_dir() {
            format!("src/{name}/")
        } else {
            format!("src/{name}")
        };
        if !["lib", "main"].contains(&module.as_str()) && !layout.contains(&shown) {
            missing.push(format!("{shown} is not in the README's Layout"));
        }
    }

    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn the_layering_check_sees_a_forbidden_use_in_any_form() {
    let session = Part {
        paths: vec!["src/session/".into()],
        forbidden: Some(vec!["oidc".into(), "login".into()]),
    };
    let db = Part {
        paths: vec!["src/db/".into()],
        forbidden: None,
    };
    let source =
        |text: &'static str| move |_: &str| vec![("src/x.rs".to_string(), text.to_string())];

    assert_eq!(
        violations(&session, source("use crate::oidc::tokens;")).len(),
        1
    );
    assert_eq!(
        violations(&session, source("use crate::{db, login::flow};")).len(),
        1
    );
    assert_eq!(
        violations(&session, source("let x = crate::oidc::f();")).len(),
        1
    );
    assert!(violations(&session, source("// see crate::oidc::tokens")).is_empty());
    assert!(violations(&session, source("use crate::db::Db;")).is_empty());
    assert_eq!(
        violations(&db, source("use crate::error::AppError;")).len(),
        1
    );
    assert!(violations(&db, source("use crate::db::Tx;")).is_empty());
}
