//! Documents and images produced with the machine's real fonts, read back by independent tools:
//! poppler's `pdftotext` for PDFs (installed by `cargo xtask ci`), tiny-skia's decoder for PNGs.

use std::process::Command;

use kindling_documents::{Block, Column, Document, Fonts, layout, pdf, png};

fn fonts() -> Fonts {
    Fonts::system(None).expect("a sans-serif font (cargo xtask ci installs fonts-liberation)")
}

fn pdf_text(bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("kindling-documents-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{:x}.pdf", bytes.len()));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext from poppler-utils (cargo xtask ci installs it)");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn pdf_info(bytes: &[u8]) -> String {
    let path =
        std::env::temp_dir().join(format!("kindling-documents-info-{}-{:x}.pdf", std::process::id(), bytes.len()));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdfinfo").arg(&path).output().expect("pdfinfo from poppler-utils");
    assert!(out.status.success(), "pdfinfo failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn widths_come_from_the_font_metrics() {
    let fonts = fonts();
    assert_eq!(fonts.family(), "Liberation Sans", "expected fonts-liberation, which CI installs");
    // Liberation Sans shares Helvetica's advance widths. From Adobe's Helvetica AFM (per 1000 em):
    // H 722, e 556, l 222, o 556, so "Hello" at 10 pt is (722 + 556 + 222 + 222 + 556) / 100 = 22.78.
    let width = fonts.width("Hello", 10.0, false);
    assert!((width - 22.78).abs() < 0.05, "{width}");
    // Helvetica-Bold: H 722, e 556, l 278, o 611 → 24.45.
    let bold = fonts.width("Hello", 10.0, true);
    assert!((bold - 24.45).abs() < 0.05, "{bold}");
}

#[test]
fn a_two_page_document_reads_back_as_text() {
    let fonts = fonts();
    let rows: Vec<Vec<String>> =
        (1..=60).map(|i| vec![format!("Falls per 1,000 bed days, ward {i}"), format!("{}.5", i * 2)]).collect();
    let document = Document {
        title: "Board report: evidence of improvement".into(),
        subtitle: "Northshire Hospitals NHS Trust · 22 November 2026".into(),
        blocks: vec![
            Block::Heading("Every measure".into()),
            Block::Paragraph("Charts follow NHS England's Making Data Count rules.".into()),
            Block::Bullets(vec!["2 measures of concern".into(), "3 measures showing improvement".into()]),
            Block::Table { columns: vec![Column::text("Measure", 3.0), Column::numeric("Latest", 1.0)], rows },
        ],
    };
    let pages = layout::pages(&document, &fonts);
    assert_eq!(pages.len(), 2, "60 table rows overflow one page");
    let bytes = pdf::write(&pages, &document.title, &fonts).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdf_text(&bytes);
    for expected in [
        "Board report: evidence of improvement",
        "Northshire Hospitals NHS Trust",
        "Making Data Count",
        "2 measures of concern",
        "Falls per 1,000 bed days, ward 1 ",
        "Falls per 1,000 bed days, ward 60",
        "120.5",
        "Page 1 of 2",
        "Page 2 of 2",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
    let info = pdf_info(&bytes);
    assert!(info.contains("Pages:           2"), "{info}");
    assert!(info.contains("Title:           Board report: evidence of improvement"), "{info}");
    // A4 is 595.28 × 841.89 points.
    assert!(info.contains("595.28 x 841.89 pts (A4)"), "{info}");
}

#[test]
fn a_chart_embedded_in_a_page_keeps_its_text() {
    let fonts = fonts();
    let chart = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 320" width="600" height="320" font-family="Arial, sans-serif"><rect width="600" height="320" fill="white"/><text x="20" y="40">Upper process limit</text></svg>"#;
    let document = Document {
        title: "Chart".into(),
        subtitle: String::new(),
        blocks: vec![Block::Figure {
            svg: chart.into(),
            width: 600.0,
            height: 320.0,
            caption: "Special cause improvement".into(),
        }],
    };
    let bytes = pdf::write(&layout::pages(&document, &fonts), "Chart", &fonts).unwrap();
    let text = pdf_text(&bytes);
    assert!(text.contains("Upper process limit") && text.contains("Special cause improvement"), "{text}");
}

#[test]
fn png_is_the_svg_at_the_chosen_scale() {
    let fonts = fonts();
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="white"/><rect x="0" y="0" width="10" height="10" fill="#d5281b"/><text x="12" y="16" font-size="14">Ab</text></svg>"##;
    let bytes = png::render(svg, 2.0, &fonts).unwrap();
    let image = resvg::tiny_skia::Pixmap::decode_png(&bytes).unwrap();
    assert_eq!((image.width(), image.height()), (80, 40));
    // NHS red (#d5281b) fills the top-left 20 × 20 pixels at scale 2; the far corner stays white.
    let red = image.pixel(5, 5).unwrap();
    assert_eq!((red.red(), red.green(), red.blue()), (0xd5, 0x28, 0x1b));
    let white = image.pixel(79, 0).unwrap();
    assert_eq!((white.red(), white.green(), white.blue()), (255, 255, 255));
    // The text was drawn: some pixels right of the square are dark.
    let inked =
        (48..80).flat_map(|x| (0..40).map(move |y| (x, y))).filter(|&(x, y)| image.pixel(x, y).unwrap().red() < 128);
    assert!(inked.count() > 20, "no text drawn: was a font found?");
    // Scales are clamped: 100× is treated as the maximum.
    let big = resvg::tiny_skia::Pixmap::decode_png(&png::render(svg, 100.0, &fonts).unwrap()).unwrap();
    assert_eq!(big.width(), (40.0 * png::MAX_SCALE) as u32);
}

#[test]
fn a_broken_drawing_is_an_error_not_a_panic() {
    let fonts = fonts();
    assert!(matches!(png::render("<svg", 1.0, &fonts), Err(kindling_documents::Error::Svg(_))));
    assert!(matches!(pdf::write(&["not svg".to_owned()], "x", &fonts), Err(kindling_documents::Error::Svg(_))));
}
