//! The library's modules form layers: no import circle between top-level modules, and the
//! bottom layers import nothing above them. Read from the sources, test modules left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → the top-level modules its (non-test) code names as `crate::x`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(&src) {
        let rel = file.strip_prefix(&src).unwrap();
        let name = rel.to_string_lossy();
        if name == "lib.rs" || name.ends_with("tests.rs") || name.ends_with("test_support.rs") {
            continue;
        }
        let module = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests sit at the end of a file, after `#[cfg(test)]`.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let uses = graph.entry(module.clone()).or_default();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let target: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !target.is_empty() && target != module {
                uses.insert(target);
            }
        }
        // `use crate::{a, b}` groups.
        for (i, _) in code.match_indices("crate::{") {
            let group = &code[i + "crate::{".len()..];
            let group = &group[..group.find('}').unwrap_or(0)];
            for item in group.split(',') {
                let target: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !target.is_empty() && target != module {
                    uses.insert(target);
                }
            }
        }
    }
    graph
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Every module that `from` reaches through imports.
fn reach(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_string()];
    while let Some(m) = todo.pop() {
        for next in graph.get(&m).into_iter().flatten() {
            if seen.insert(next.clone()) {
                todo.push(next.clone());
            }
        }
    }
    seen
}

#[test]
fn no_module_imports_itself_through_others() {
    let graph = graph();
    assert!(graph.len() > 15, "{graph:?}");
    let circles: Vec<String> = graph
        .keys()
        .filter(|m| reach(&graph, m).contains(*m))
        .map(|m| {
            let back: Vec<&String> = graph[m]
                .iter()
                .filter(|n| reach(&graph, n).contains(m))
                .collect();
            format!("{m} → {back:?} → {m}")
        })
        .collect();
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_bottom_layers_import_nothing_above_them() {
    let graph = graph();
    // What each bottom module may import.
    let allowed: [(&str, &[&str]); 4] = [
        ("record", &[]),
        ("protocol", &[]),
        ("clock", &[]),
        ("simulator", &["clock", "protocol"]),
    ];
    for (module, may) in allowed {
        let uses = &graph[module];
        let extra: Vec<&String> = uses.iter().filter(|u| !may.contains(&u.as_str())).collect();
        assert!(extra.is_empty(), "{module} imports {extra:?}");
    }
    // The report reads records; the record knows nothing of the report.
    assert!(graph["report"].contains("record"));
    assert!(!reach(&graph, "record").contains("report"));
    assert!(!reach(&graph, "redact").contains("report"));
}

#[test]
fn the_graph_reader_sees_a_circle() {
    // The check above cannot pass by reading nothing: a made-up circle is found.
    let mut graph = graph();
    graph.get_mut("record").unwrap().insert("report".into());
    assert!(reach(&graph, "record").contains("record"));
}
