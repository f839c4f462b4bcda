//! `cargo xtask sbom`: a CycloneDX 1.5 software bill of materials for the `kindling` binary, from
//! `cargo metadata` and the checksums in `Cargo.lock`: every crate compiled into it (normal and
//! build dependencies for this platform, not test-only ones), with its version, package URL,
//! licence expression and SHA-256, and the dependency graph between them. CI checks the document
//! against the CycloneDX schema with the CycloneDX project's own validator.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// Where the bill of materials is written (the Debian package ships a copy).
pub fn path(root: &Path) -> PathBuf {
    root.join("target/kindling.cdx.json")
}

pub fn write(root: &Path) -> Result<PathBuf> {
    let host = host_triple()?;
    let metadata = Command::new("cargo")
        .args(["metadata", "--format-version", "1", "--locked", "--filter-platform", &host])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !metadata.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&metadata.stderr));
    }
    let metadata: Value = serde_json::from_slice(&metadata.stdout)?;
    let checksums = lock_checksums(&std::fs::read_to_string(root.join("Cargo.lock"))?);
    let bom = bill_of_materials(&metadata, &checksums)?;
    let file = path(root);
    std::fs::write(&file, serde_json::to_string_pretty(&bom)?)?;
    println!("wrote {} ({} components)", file.display(), bom["components"].as_array().map_or(0, Vec::len));
    Ok(file)
}

fn host_triple() -> Result<String> {
    let version = Command::new("rustc").arg("-vV").output()?;
    String::from_utf8_lossy(&version.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .context("rustc -vV names no host")
}

/// `(name, version)` → the SHA-256 of the crate file, as `Cargo.lock` records it.
fn lock_checksums(lock: &str) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for package in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            package.lines().find_map(|l| {
                l.strip_prefix(key)
                    .and_then(|rest| rest.trim().strip_prefix('='))
                    .map(|v| v.trim().trim_matches('"').to_owned())
            })
        };
        if let (Some(name), Some(version), Some(sum)) = (field("name"), field("version"), field("checksum")) {
            out.insert((name, version), sum);
        }
    }
    out
}

/// The package URL of a crate, `pkg:cargo/name@version`.
fn purl(package: &Value) -> String {
    format!(
        "pkg:cargo/{}@{}",
        package["name"].as_str().unwrap_or_default(),
        package["version"].as_str().unwrap_or_default()
    )
}

/// Crates' licence fields predate SPDX expressions in places (`MIT/Apache-2.0`).
fn spdx(licence: &str) -> String {
    licence.split('/').map(str::trim).collect::<Vec<_>>().join(" OR ")
}

fn bill_of_materials(metadata: &Value, checksums: &BTreeMap<(String, String), String>) -> Result<Value> {
    let packages: BTreeMap<&str, &Value> = metadata["packages"]
        .as_array()
        .context("no packages")?
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let root = packages.values().find(|p| p["name"] == "kindling").context("no kindling package")?;
    let root_id = root["id"].as_str().unwrap_or_default();
    // The resolved graph, keeping only edges that are not test-only.
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for node in metadata["resolve"]["nodes"].as_array().context("no resolve graph")? {
        let id = node["id"].as_str().unwrap_or_default();
        let deps =
            node["deps"].as_array().into_iter().flatten().filter(|dep| {
                dep["dep_kinds"].as_array().into_iter().flatten().any(|k| k["kind"].as_str() != Some("dev"))
            });
        graph.insert(id, deps.filter_map(|dep| dep["pkg"].as_str()).collect());
    }
    let mut reached = BTreeSet::new();
    let mut stack = vec![root_id];
    while let Some(id) = stack.pop() {
        if reached.insert(id) {
            stack.extend(graph.get(id).into_iter().flatten());
        }
    }
    let component = |p: &Value, kind: &str| {
        let (name, version) = (p["name"].as_str().unwrap_or_default(), p["version"].as_str().unwrap_or_default());
        let mut c = json!({
            "type": kind,
            "bom-ref": purl(p),
            "name": name,
            "version": version,
            "purl": purl(p),
        });
        if let Some(licence) = p["license"].as_str() {
            c["licenses"] = json!([{ "expression": spdx(licence) }]);
        }
        if let Some(sum) = checksums.get(&(name.to_owned(), version.to_owned())) {
            c["hashes"] = json!([{ "alg": "SHA-256", "content": sum }]);
        }
        c
    };
    let components: Vec<Value> = reached
        .iter()
        .filter(|id| **id != root_id)
        .filter_map(|id| packages.get(id))
        .map(|p| component(p, "library"))
        .collect();
    // References are package URLs, so that the document names no path on the machine that built it.
    let reference = |id: &&str| packages.get(id).map(|p| purl(p));
    let dependencies: Vec<Value> = reached
        .iter()
        .map(|id| {
            let depends_on: Vec<String> = graph.get(id).into_iter().flatten().filter_map(reference).collect();
            json!({ "ref": reference(id), "dependsOn": depends_on })
        })
        .collect();
    let serial = std::fs::read_to_string("/proc/sys/kernel/random/uuid").context("a random serial number")?;
    Ok(json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": format!("urn:uuid:{}", serial.trim()),
        "version": 1,
        "metadata": {
            "tools": { "components": [{ "type": "application", "name": "cargo xtask sbom" }] },
            "component": component(root, "application"),
        },
        "components": components,
        "dependencies": dependencies,
    }))
}

/// Writes the bill of materials and checks it against the CycloneDX 1.5 JSON schema with
/// `cyclonedx-python-lib` (PyPI), in the virtualenv `python` runs.
pub fn check(root: &Path, python: &str) -> Result<()> {
    let file = write(root)?;
    crate::run(python, &["-m", "pip", "install", "--quiet", "--disable-pip-version-check", VALIDATOR])?;
    let script = "import sys\n\
        from cyclonedx.schema import SchemaVersion\n\
        from cyclonedx.validation.json import JsonStrictValidator\n\
        error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(open(sys.argv[1]).read())\n\
        sys.exit(f'not a valid CycloneDX 1.5 document: {error}' if error else 0)\n";
    crate::run(python, &["-c", script, file.to_str().unwrap_or_default()])
}

const VALIDATOR: &str = "cyclonedx-python-lib[json-validation]==11.12.0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_style_licences_become_spdx_expressions() {
        assert_eq!(spdx("MIT/Apache-2.0"), "MIT OR Apache-2.0");
        assert_eq!(spdx("Apache-2.0 / MIT"), "Apache-2.0 OR MIT");
        assert_eq!(spdx("MIT OR Apache-2.0"), "MIT OR Apache-2.0");
    }

    #[test]
    fn checksums_are_read_per_name_and_version() {
        let lock = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry\"\nchecksum = \"ab\"\n\n[[package]]\nname = \"local\"\nversion = \"0.1.0\"\n";
        let sums = lock_checksums(lock);
        assert_eq!(sums.get(&("a".to_owned(), "1.0.0".to_owned())).map(String::as_str), Some("ab"));
        assert_eq!(sums.len(), 1);
    }
}
