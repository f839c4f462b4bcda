//! The engine on 10,000 series × 100 points: XmR with every MDC rule and both icons (the `mdc` preset
//! with a target). Reads the series that `cargo xtask bench-spc` writes to `target/bench/series.csv`, so
//! the engine, the whole `kindling spc` process and controlchartspy are measured on the same data.

use kindling_spc::input::parse_csv;
use kindling_spc::{Chart, Obs, Options, Preset, analyse};

fn main() {
    divan::main();
}

fn series() -> Vec<Vec<Obs>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench/series.csv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}: run `cargo xtask bench-spc`, which writes it", path.display()));
    parse_csv(&text)
        .expect("valid CSV")
        .into_iter()
        .map(|s| s.rows.iter().map(|r| Obs { y: r.y, n: r.n }).collect())
        .collect()
}

#[divan::bench(sample_count = 20)]
fn xmr_10000_series_of_100_points(bencher: divan::Bencher) {
    let data = series();
    let mut options = Options::preset(Preset::Mdc, Chart::Xmr);
    options.target = Some(50.0);
    bencher.bench(|| {
        let mut special = 0_usize;
        for s in &data {
            let a = analyse(divan::black_box(s), &options).expect("analysable");
            special += usize::from(a.variation != Some(kindling_spc::Variation::CommonCause));
        }
        special
    });
}
