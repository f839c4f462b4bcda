//! The real server against hostile workbooks (issue 17): a 1.5 KB file whose two cells sit at opposite
//! corners of the grid once aborted the process, and 250 KB zip bombs swelled it to 755 MiB. Every file
//! of the reader's hostile collection is uploaded to both importers that take workbooks; each is refused
//! with the importer's message, the server keeps answering, and its peak memory stays bounded, also with
//! eight bombs in flight at once.

use std::path::PathBuf;

use kindling_domain::ids::OrganisationId;
use kindling_testkit::{Browser, PASSWORD, demo_db};

use super::start_server_on;

const NORTHFIELD: OrganisationId = OrganisationId::new(1);
/// The body limit of a measure's import; larger files are refused before they are read.
const MEASURE_IMPORT_LIMIT: usize = 256 * 1024 - 1024;

fn hostile_files() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../workbook/tests/fixtures/hostile");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the hostile workbooks")
        .map(|e| {
            let path = e.expect("entry").path();
            (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&path).expect("read"))
        })
        .collect();
    files.sort();
    assert!(files.len() >= 15, "the collection is in the repository");
    files
}

/// The server's peak resident memory so far, from Linux's accounting of the process.
fn peak_resident_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("process status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kib / 1024
}

#[tokio::test]
async fn hostile_workbooks_neither_crash_nor_swell_the_server() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let measures = kindling_store::measures::for_organisation(&test_db.db, NORTHFIELD).await?;
    let measure = &measures.iter().find(|m| m.measure.draft.name.starts_with("Staff overtime")).unwrap().measure;
    let measure_page = format!("/initiatives/{}/measures/{}", measure.initiative.get(), measure.id.get());
    let programme = kindling_store::mentoring::programmes(&test_db.db, NORTHFIELD).await?.remove(0);
    let programme_page = format!("/mentoring/programmes/{}", programme.id);
    let mut server = start_server_on(&test_db.url);
    let lead = Browser::new(server.base.clone());
    lead.sign_in("improvement-lead@demo.kindling.test", PASSWORD).await?;
    let programme_lead = Browser::new(server.base.clone());
    programme_lead.sign_in("programme-lead@demo.kindling.test", PASSWORD).await?;
    let before = peak_resident_mib(server.child.id());

    for (name, bytes) in hostile_files() {
        if bytes.len() <= MEASURE_IMPORT_LIMIT {
            let response = lead.upload(&measure_page, &format!("{measure_page}/import"), "file", &name, &bytes).await?;
            assert_eq!(response.status(), 422, "{name} at a measure's import");
            let html = response.text().await?;
            assert!(html.contains("There is a problem"), "{name}: the error summary\n{html}");
        }
        let response = programme_lead
            .upload(&programme_page, &format!("{programme_page}/participants/import"), "file", &name, &bytes)
            .await?;
        assert_eq!(response.status(), 422, "{name} at the participant import");
        let healthy = kindling_testkit::http().get(format!("{}/healthz", server.base)).send().await?;
        assert_eq!(healthy.status(), 200, "the server answers after {name}");
    }

    // Eight zip bombs at once, as in the finding.
    let bomb = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../workbook/tests/fixtures/hostile/bomb-strings.xlsx"),
    )?;
    let uploads: Vec<_> = (0..8)
        .map(|_| {
            let (lead, page, bomb) = (lead.clone(), measure_page.clone(), bomb.clone());
            tokio::spawn(async move {
                lead.upload(&page, &format!("{page}/import"), "file", "bomb.xlsx", &bomb).await.map(|r| r.status())
            })
        })
        .collect();
    for upload in uploads {
        assert_eq!(upload.await??, 422);
    }
    let after = peak_resident_mib(server.child.id());
    eprintln!("server peak resident memory: {before} MiB before the uploads, {after} MiB after");
    // Two workbooks are read at a time, each holding at most its 16 MB text budget (the XML reader's
    // buffer may double it); before the fix one file aborted the process and eight took it to 755 MiB.
    assert!(after < before + 120, "peak resident memory went from {before} MiB to {after} MiB");
    assert_eq!(kindling_testkit::http().get(format!("{}/healthz", server.base)).send().await?.status(), 200);
    server.child.kill()?;
    server.child.wait()?;
    Ok(())
}
