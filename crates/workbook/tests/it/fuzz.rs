//! Fuzzing: arbitrary bytes, valid workbooks with bytes changed, and generated workbooks whose XML mixes
//! legal and hostile pieces. The reader may refuse anything, but never panics, and whatever it returns
//! stays within the bounds. CI runs the default case counts; `PROPTEST_CASES` runs longer (the soak in
//! docs/PERFORMANCE.md).

use std::io::Write;

use kindling_workbook::{Limits, first_sheet_as_csv};
use proptest::prelude::*;
use zip::write::SimpleFileOptions;

/// Small bounds, so that generated files reach them.
fn small() -> Limits {
    Limits {
        max_rows: 50,
        max_columns: 10,
        max_cells: 100,
        max_unpacked_bytes: 64 * 1024,
        max_text_bytes: 4 * 1024,
        max_entries: 20,
    }
}

fn check_within_bounds(bytes: &[u8], limits: &Limits) {
    if let Ok(csv) = first_sheet_as_csv(bytes, limits) {
        assert!(csv.len() <= limits.max_text_bytes, "{} bytes of CSV", csv.len());
        assert!(csv.lines().count() <= limits.max_rows as usize);
    }
}

fn cell_xml() -> impl Strategy<Value = String> {
    let reference = prop_oneof![
        Just(String::new()),
        (1u32..60, 0u8..12).prop_map(|(r, c)| format!(" r=\"{}{r}\"", (b'A' + c) as char)),
        Just(" r=\"XFD1048576\"".to_owned()),
        Just(" r=\"A0\"".to_owned()),
        "[A-Z$]{0,3}[0-9]{0,12}".prop_map(|r| format!(" r=\"{r}\"")),
    ];
    let kind = prop_oneof![
        Just(""),
        Just(" t=\"s\""),
        Just(" t=\"inlineStr\""),
        Just(" t=\"str\""),
        Just(" t=\"b\""),
        Just(" t=\"e\""),
        Just(" t=\"d\""),
        Just(" t=\"n\"")
    ];
    let style = prop_oneof![Just(String::new()), (0u32..8).prop_map(|s| format!(" s=\"{s}\""))];
    let value = prop_oneof![
        "-?[0-9]{1,20}(\\.[0-9]{0,20})?(E[+-]?[0-9]{1,4})?".prop_map(|v| format!("<v>{v}</v>")),
        "[ -~&&[^<&]]{0,40}".prop_map(|v| format!("<v>{v}</v>")),
        "[ -~&&[^<&]]{0,40}".prop_map(|v| format!("<is><r><t>{v}</t></r><rPh><t>x</t></rPh></is>")),
        Just("<v>&amp;&#65;&#x42;&lt;</v>".to_owned()),
        Just("<v>&bogus;</v>".to_owned()),
        Just("<v>&#0;</v>".to_owned()),
        Just("<v><![CDATA[1,2]]></v>".to_owned()),
        Just(String::new()),
    ];
    (reference, kind, style, value).prop_map(|(r, t, s, v)| format!("<c{r}{t}{s}>{v}</c>"))
}

fn sheet_xml() -> impl Strategy<Value = String> {
    let row = (prop::option::of(0u32..70), prop::collection::vec(cell_xml(), 0..8)).prop_map(|(r, cells)| {
        let r = r.map(|r| format!(" r=\"{r}\"")).unwrap_or_default();
        format!("<row{r}>{}</row>", cells.concat())
    });
    let dimension = prop_oneof![
        Just(String::new()),
        Just("<dimension ref=\"A1:XFD1048576\"/>".to_owned()),
        "[A-Z]{1,3}[0-9]{1,7}(:[A-Z]{1,3}[0-9]{1,7})?".prop_map(|d| format!("<dimension ref=\"{d}\"/>")),
    ];
    (dimension, prop::collection::vec(row, 0..20)).prop_map(|(d, rows)| {
        format!(
            "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">{d}<sheetData>{}</sheetData></worksheet>",
            rows.concat()
        )
    })
}

fn strings_xml() -> impl Strategy<Value = String> {
    prop::collection::vec("[ -~&&[^<&]]{0,30}", 0..6).prop_map(|items| {
        let items: String = items.iter().map(|s| format!("<si><t>{s}</t></si>")).collect();
        format!("<sst>{items}<si/><si><r><t>a_x000D_b</t></r></si></sst>")
    })
}

fn styles_xml() -> impl Strategy<Value = String> {
    prop::collection::vec(0u32..200, 0..8).prop_map(|ids| {
        let xfs: String = ids.iter().map(|id| format!("<xf numFmtId=\"{id}\"/>")).collect();
        format!(
            "<styleSheet><numFmts><numFmt numFmtId=\"164\" formatCode=\"dd/mm/yyyy\"/><numFmt numFmtId=\"165\" formatCode=\"[h]:mm\"/></numFmts><cellXfs>{xfs}</cellXfs></styleSheet>"
        )
    })
}

fn workbook(sheet: &str, strings: &str, styles: &str, date1904: bool) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = SimpleFileOptions::default();
    let pr = if date1904 { "<workbookPr date1904=\"1\"/>" } else { "" };
    let parts = [
        ("xl/workbook.xml", format!("<workbook>{pr}<sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>")),
        (
            "xl/_rels/workbook.xml.rels",
            "<Relationships><Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>".to_owned(),
        ),
        ("xl/worksheets/sheet1.xml", sheet.to_owned()),
        ("xl/sharedStrings.xml", strings.to_owned()),
        ("xl/styles.xml", styles.to_owned()),
    ];
    for (name, text) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        check_within_bounds(&bytes, &small());
        check_within_bounds(&bytes, &Limits::default());
    }

    #[test]
    fn generated_workbooks_never_panic_and_stay_within_bounds(
        sheet in sheet_xml(), strings in strings_xml(), styles in styles_xml(), date1904 in any::<bool>()
    ) {
        let bytes = workbook(&sheet, &strings, &styles, date1904);
        check_within_bounds(&bytes, &small());
        check_within_bounds(&bytes, &Limits::default());
    }

    #[test]
    fn changed_bytes_of_a_real_workbook_never_panic(
        sheet in sheet_xml(), changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)
    ) {
        let mut bytes = workbook(&sheet, "<sst/>", "<styleSheet/>", false);
        for (at, byte) in changes {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        check_within_bounds(&bytes, &small());
    }
}

/// Every hostile fixture under the small bounds as well as the default ones.
#[test]
fn hostile_fixtures_under_small_bounds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile");
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        check_within_bounds(&bytes, &small());
    }
}

/// The generator's workbooks are real ones: a plain sheet built by it reads back, so the properties
/// above exercise the reader past its front door.
#[test]
fn the_generator_builds_readable_workbooks() {
    let sheet = "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" s=\"0\"><v>45658</v></c></row></sheetData></worksheet>";
    let styles = "<styleSheet><cellXfs><xf numFmtId=\"14\"/></cellXfs></styleSheet>";
    let bytes = workbook(sheet, "<sst><si><t>when</t></si></sst>", styles, false);
    assert_eq!(first_sheet_as_csv(&bytes, &small()).unwrap(), "when,2025-01-01");
}
