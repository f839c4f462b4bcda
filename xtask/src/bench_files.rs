//! `cargo xtask bench-files`: a 20 MiB spread package file uploaded and downloaded through the web
//! page as a team would (release build, SQLite), beside the same bytes read by curl from the page cache
//! (`file://`) in the same run, the physical floor for moving them; then the server's resident memory
//! while 8 downloads of it run at once, which must not grow by whole files (8 × 20 MiB) because
//! downloads stream from the database chunk by chunk.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bench::{Guard, csrf_token, median_of, sign_in_as, wait_ready};
use crate::bench_soak::status_mib;

const BASE: &str = "http://127.0.0.1:18187";
const ROUNDS: usize = 5;
const SIZE: usize = 20 * 1024 * 1024;
const CONCURRENT: usize = 8;

/// A PDF header and then bytes that do not compress, so that nothing on the way is flattered.
fn file_bytes() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut state: u64 = 0x5eed_f11e;
    while bytes.len() < SIZE {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(SIZE);
    bytes
}

fn curl(args: &[&str]) -> Result<String> {
    let out = Command::new("curl").args(args).output()?;
    if !out.status.success() {
        bail!("curl {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn mib_per_s(seconds: f64) -> f64 {
    SIZE as f64 / 1024.0 / 1024.0 / seconds
}

pub fn run(root: &Path) -> Result<()> {
    super::run("cargo", &["build", "--locked", "--release", "-p", "kindling", "--bin", "kindling"])?;
    let scratch = root.join("target/bench");
    std::fs::create_dir_all(&scratch)?;
    let file = scratch.join("resource-20mib.pdf");
    let bytes = file_bytes();
    std::fs::write(&file, &bytes)?;
    let data = std::env::temp_dir().join(format!("kindling-bench-files-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let server = Guard(
        Command::new(root.join("target/release/kindling"))
            .args(["serve", "--demo", "--bind", "127.0.0.1:18187", "--data-dir"])
            .arg(&data)
            .env("KINDLING_DEMO_PASSWORD", "bench-password")
            .env("RUST_LOG", "warn")
            .stderr(Stdio::null())
            .spawn()?,
    );
    let pid = server.0.id();
    wait_ready(&format!("{BASE}/readyz"))?;
    let cookie = sign_in_as(BASE, "clinician@demo.kindling.test")?;
    let header = format!("Cookie: {cookie}");
    let same = "Sec-Fetch-Site: same-origin";
    let list = curl(&["-fsS", "-H", &header, &format!("{BASE}/initiatives?page=1")])?;
    let falls = list
        .split("href=\"/initiatives/")
        .find(|s| s.split_once('"').is_some_and(|(_, rest)| rest.starts_with(">Falls prevention")))
        .and_then(|s| s.split('"').next())
        .context("the demo's falls initiative is not listed")?
        .to_owned();
    let edit = format!("{BASE}/initiatives/{falls}/package");
    let token = csrf_token(&curl(&["-fsS", "-H", &header, &edit])?)?;
    let form = format!(
        "csrf_token={token}&summary=One+member+of+staff+is+always+tagged+into+each+bay.&core-1-name=A+named+person+in+the+bay&core-1-why=Falls+happen+when+nobody+is+there&core-1-check=Spot+checks&share=hub"
    );
    curl(&["-fsS", "-o", "/dev/null", "-H", &header, "-H", same, "-d", &form, &edit])?;

    let idle = status_mib(pid, "VmRSS")?;
    let mut uploads = Vec::new();
    let mut upload_peak: f64 = 0.0;
    for _ in 0..ROUNDS {
        let token = csrf_token(&curl(&["-fsS", "-H", &header, &edit])?)?;
        let mut child = Command::new("curl")
            .args(["-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-H", &header, "-H", same])
            .args(["-F", &format!("csrf_token={token}"), "-F", "title=Bay tagging slides"])
            .args(["-F", &format!("file=@{};type=application/pdf", file.display())])
            .arg(format!("{edit}/resources"))
            .stdout(Stdio::piped())
            .spawn()?;
        while child.try_wait()?.is_none() {
            upload_peak = upload_peak.max(status_mib(pid, "VmRSS")?);
            std::thread::sleep(Duration::from_millis(5));
        }
        let out = String::from_utf8(child.wait_with_output()?.stdout)?;
        let (status, seconds) = out.split_once(' ').context("curl wrote no timing")?;
        if status != "303" {
            bail!("the upload answered {status}");
        }
        uploads.push(seconds.parse::<f64>()?);
    }
    let page = curl(&["-fsS", "-H", &header, &edit])?;
    let resource = page
        .split(&format!("href=\"/packages/{falls}/resources/"))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .context("no file listed after the upload")?
        .to_owned();
    let url = format!("{BASE}/packages/{falls}/resources/{resource}");
    let fetched = scratch.join("resource-fetched.pdf");
    let mut downloads = Vec::new();
    let mut reference = Vec::new();
    for _ in 0..ROUNDS {
        let out = curl(&["-fsS", "-o", &fetched.display().to_string(), "-w", "%{time_total}", "-H", &header, &url])?;
        downloads.push(out.parse::<f64>()?);
        if std::fs::read(&fetched)? != bytes {
            bail!("the downloaded file differs from the uploaded one");
        }
        let out = curl(&["-fsS", "-o", "/dev/null", "-w", "%{time_total}", &format!("file://{}", file.display())])?;
        reference.push(out.parse::<f64>()?);
    }

    // Eight at once, the server's memory sampled every 5 ms until the last finishes.
    let before = status_mib(pid, "VmRSS")?;
    let started = Instant::now();
    let mut children = Vec::new();
    for k in 0..CONCURRENT {
        let target = scratch.join(format!("resource-concurrent-{k}.pdf"));
        children.push((
            target.clone(),
            Command::new("curl").args(["-fsS", "-o"]).arg(&target).args(["-H", &header, &url]).spawn()?,
        ));
    }
    let mut peak = before;
    while children.iter_mut().any(|(_, c)| c.try_wait().ok().flatten().is_none()) {
        peak = peak.max(status_mib(pid, "VmRSS")?);
        std::thread::sleep(Duration::from_millis(5));
    }
    let all = started.elapsed().as_secs_f64();
    for (target, mut child) in children {
        if !child.wait()?.success() || std::fs::read(&target)? != bytes {
            bail!("a concurrent download failed or differs");
        }
        let _ = std::fs::remove_file(target);
    }
    let _ = std::fs::remove_dir_all(&data);

    let (up, down, floor) = (median_of(uploads.clone()), median_of(downloads.clone()), median_of(reference.clone()));
    println!(
        "20 MiB file, {ROUNDS} rounds each (seconds): uploads {uploads:?}, downloads {downloads:?}, file:// {reference:?}"
    );
    println!(
        "upload through the page:   {up:.3} s median, {:.0} MiB/s; server memory {idle:.1} MiB idle, {upload_peak:.1} MiB at the peak of an upload",
        mib_per_s(up)
    );
    println!(
        "download through the page: {down:.3} s median, {:.0} MiB/s; reference, the same bytes by file://: {floor:.3} s, {:.0} MiB/s (ratio {:.1})",
        mib_per_s(down),
        mib_per_s(floor),
        down / floor
    );
    println!(
        "{CONCURRENT} downloads at once: {all:.2} s for {} MiB ({:.0} MiB/s); server memory {before:.1} MiB before, {peak:.1} MiB at the peak (+{:.1} MiB, against {} MiB if each held its whole file)",
        CONCURRENT * SIZE / 1024 / 1024,
        (CONCURRENT * SIZE) as f64 / 1024.0 / 1024.0 / all,
        peak - before,
        CONCURRENT * SIZE / 1024 / 1024
    );
    Ok(())
}
