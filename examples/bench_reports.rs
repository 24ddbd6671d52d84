//! Report benchmark (issue 8): typesetting every PDF report of the demo project (the Joint
//! Committee report for the partnership and each partner, the monthly dashboard and the
//! data-quality report) from its report model, on all cores (rayon) and on one, with the time
//! per page.
//!
//! The demo project is written and run once (so that the store holds three years of
//! extracts); the model is then built from the store and the reports are typeset
//! `BENCH_ROUNDS` times (default 3) each way, alternating, each time with Typst's memo cache
//! emptied first (a nightly run starts cold); medians printed.
//!
//! Run: `cargo run --release --example bench_reports` (see BENCHMARKS.md for figures).

use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Pages of a PDF: its page objects.
fn pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    let compact = b"/Type/Page";
    let count = |n: &[u8]| pdf.windows(n.len() + 1).filter(|w| &w[..n.len()] == n && w[n.len()] != b's').count();
    count(needle) + count(compact)
}

fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let dir = tempfile::tempdir()?;
    let root = dir.path().join("demo");
    scorecard::demo::write_project(&root)?;
    let project = scorecard::config::Project::load(&root).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let as_of = scorecard::demo::default_as_of();
    let summary = scorecard::run::run(&project, as_of, std::time::SystemTime::UNIX_EPOCH);
    anyhow::ensure!(summary.exit_code <= 1, "the demo run failed: {:?}", summary.errors);
    let model = scorecard::run::model_of(&project, as_of).map_err(|e| anyhow::anyhow!(e))?;
    let templates =
        scorecard::render::pdf::Templates::load(&root.join("report-templates")).map_err(|e| anyhow::anyhow!(e))?;
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let (mut parallel, mut single) = (Vec::new(), Vec::new());
    let mut total_pages = 0;
    let mut reports = 0;
    for round in 0..rounds {
        // Each measurement starts cold, as a nightly run does: Typst's memo cache is emptied.
        typst::comemo::evict(0);
        let t = Instant::now();
        let out = scorecard::run::reports::render_reports(
            &project,
            &model,
            &templates,
            &scorecard::run::reports::Earlier::none(),
        )
        .map_err(|e| anyhow::anyhow!(e))?;
        parallel.push(t.elapsed().as_secs_f64());
        total_pages = out.iter().map(|r| pages(&r.bytes)).sum();
        reports = out.len();
        typst::comemo::evict(0);
        let t = Instant::now();
        one.install(|| {
            scorecard::run::reports::render_reports(
                &project,
                &model,
                &templates,
                &scorecard::run::reports::Earlier::none(),
            )
        })
        .map_err(|e| anyhow::anyhow!(e))?;
        single.push(t.elapsed().as_secs_f64());
        println!(
            "round {}: {:.2} s on {} threads, {:.2} s on one",
            round + 1,
            parallel[round],
            rayon::current_num_threads(),
            single[round]
        );
    }
    let (p, s) = (median(parallel), median(single));
    println!(
        "{reports} reports, {total_pages} pages: median {p:.2} s on all cores ({:.0} ms a page), {s:.2} s on one thread ({:.0} ms a page); speed-up {:.2}",
        p * 1000.0 / total_pages as f64,
        s * 1000.0 / total_pages as f64,
        s / p
    );
    Ok(())
}
