//! The library search with 100,000 documents on the embedded SQLite database (or PostgreSQL, given a
//! `postgres://` URL as the first argument): 20,000 initiatives across two organisations, each with a
//! learning review (a third team-only, a third organisation-wide, a third shared with the hub) and
//! three PDSA cycles, written from a seeded vocabulary with common and rare words.
//!
//! It times 400 searches as a reader in the first organisation through `store::search::search` (the
//! visibility rule included), and the same queries as bare full-text matches without the visibility
//! rule, in the same run, as the reference. Run with `cargo xtask bench-search`.

use std::time::Instant;

use kindling_domain::ids::{OrganisationId, UserId};
use kindling_store::search::{self, Filters};
use kindling_store::{Db, Dialect};

const INITIATIVES: usize = 20_000;
const QUERIES: usize = 400;

/// xorshift64: the same data on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// 3,000 made-up words; a cube of a uniform number picks from them, so a few words are very common
/// and most are rare, as in real text.
fn vocabulary() -> Vec<String> {
    let syllables = ["ka", "lo", "mi", "ne", "ra", "tu", "se", "vo", "pi", "da", "gu", "fe", "ho", "bi", "zu", "we"];
    (0..3000)
        .map(|i| format!("{}{}{}", syllables[i % 16], syllables[(i / 16) % 16], syllables[(i / 256) % 16]))
        .collect()
}

fn text(rng: &mut Rng, words: &[String], n: usize) -> String {
    (0..n).map(|_| words[(rng.unit().powi(3) * words.len() as f64) as usize].as_str()).collect::<Vec<_>>().join(" ")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("kindling-search-bench-{}", std::process::id()));
    let db = match std::env::args().nth(1) {
        Some(url) => Db::connect(&url).await?,
        None => Db::open_data_dir(&dir).await?,
    };
    db.migrate().await?;
    kindling_store::demo::seed_if_empty(&db, "bench", 1_700_000_000_000).await?;
    let words = vocabulary();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let started = Instant::now();
    let mut tx = db.write().await?;
    for i in 0..INITIATIVES {
        let organisation = 1 + (i % 2) as i64;
        let title = text(&mut rng, &words, 6);
        let problem = text(&mut rng, &words, 40);
        let row: (i64,) = sqlx::query_as(
            "INSERT INTO initiatives (organisation_id, submitter_id, title, problem, proposed_change, stage, created_ms, updated_ms)
             VALUES ($1, 1, $2, $3, $4, 'piloting', 0, 0) RETURNING id",
        )
        .bind(organisation)
        .bind(&title)
        .bind(&problem)
        .bind(text(&mut rng, &words, 20))
        .fetch_one(&mut *tx)
        .await?;
        let initiative = row.0;
        let visibility = ["team", "organisation", "hub"][i % 3];
        let docs = [
            ("initiative", initiative, "organisation", title.clone(), problem),
            ("review", initiative, visibility, format!("Learning review: {title}"), text(&mut rng, &words, 120)),
            ("pdsa", initiative * 3, "organisation", text(&mut rng, &words, 6), text(&mut rng, &words, 50)),
            ("pdsa", initiative * 3 + 1, "organisation", text(&mut rng, &words, 6), text(&mut rng, &words, 50)),
            ("pdsa", initiative * 3 + 2, "organisation", text(&mut rng, &words, 6), text(&mut rng, &words, 50)),
        ];
        for (kind, ref_id, visibility, title, body) in docs {
            sqlx::query(
                "INSERT INTO search_documents (kind, ref_id, initiative_id, organisation_id, visibility, title, body, stage, tags, updated_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'piloting', '', 0)",
            )
            .bind(kind)
            .bind(ref_id)
            .bind(initiative)
            .bind(organisation)
            .bind(visibility)
            .bind(title)
            .bind(body)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    if db.dialect() == Dialect::Sqlite {
        // What a running server reaches on its own: the WAL checkpointed into the database file.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(db.pool()).await?;
    }
    let total: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM search_documents").fetch_one(db.pool()).await?;
    println!("indexed {} documents in {:.1} s ({:?})", total.0, started.elapsed().as_secs_f64(), db.dialect());

    // Queries: one or two words, from common to rare.
    let queries: Vec<Vec<String>> = (0..QUERIES)
        .map(|q| {
            let n = 1 + q % 2;
            (0..n).map(|_| words[(rng.unit().powi(2) * words.len() as f64) as usize].clone()).collect()
        })
        .collect();
    let reader = (OrganisationId::new(1), UserId::new(2));
    let filters = Filters::default();
    // Warm the caches once.
    for q in queries.iter().take(20) {
        search::search(
            &db,
            reader,
            &search::Wanted { groups: q.iter().map(|w| vec![w.clone()]).collect() },
            &filters,
            50,
        )
        .await?;
    }
    let mut ours = Vec::with_capacity(QUERIES);
    let mut found = 0usize;
    for q in &queries {
        let t = Instant::now();
        found += search::search(
            &db,
            reader,
            &search::Wanted { groups: q.iter().map(|w| vec![w.clone()]).collect() },
            &filters,
            50,
        )
        .await?
        .len();
        ours.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut bare = Vec::with_capacity(QUERIES);
    for q in &queries {
        let t = Instant::now();
        let rows = match db.dialect() {
            Dialect::Sqlite => {
                let expr = q.iter().map(|w| format!("\"{w}\"*")).collect::<Vec<_>>().join(" ");
                sqlx::query("SELECT rowid FROM search_fts WHERE search_fts MATCH $1 ORDER BY bm25(search_fts, 8.0, 1.0) LIMIT 50")
                    .bind(expr)
                    .fetch_all(db.pool())
                    .await?
                    .len()
            }
            Dialect::Postgres => {
                let expr = q.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & ");
                sqlx::query("SELECT id FROM search_documents WHERE tsv @@ to_tsquery('english', $1) ORDER BY ts_rank_cd(tsv, to_tsquery('english', $1)) DESC LIMIT 50")
                    .bind(expr)
                    .fetch_all(db.pool())
                    .await?
                    .len()
            }
        };
        std::hint::black_box(rows);
        bare.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ours.sort_by(f64::total_cmp);
    bare.sort_by(f64::total_cmp);
    println!("{QUERIES} queries, {:.1} results each on average", found as f64 / QUERIES as f64);
    println!("| target | p50 ms | p95 ms | p99 ms |");
    println!("| --- | --- | --- | --- |");
    for (name, times) in [
        ("bare full-text match, no visibility rule (reference)", &bare),
        ("store::search (visibility, snippets, ranking)", &ours),
    ] {
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} |",
            percentile(times, 0.5),
            percentile(times, 0.95),
            percentile(times, 0.99)
        );
    }
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
