//! Helpers shared by the integration tests.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the scorecard binary with arguments.
pub fn scorecard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scorecard")).args(args).output().expect("run scorecard")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `scorecard run --json` on a project and returns the exit code and the JSON.
pub fn run_json(project: &Path, as_of: &str) -> (i32, serde_json::Value) {
    run_json_with(project, as_of, &[])
}

/// [`run_json`] with more arguments (`--force`).
pub fn run_json_with(project: &Path, as_of: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["run", "--project", project.to_str().unwrap(), "--as-of", as_of, "--json"];
    args.extend(extra);
    let o = scorecard(&args);
    let code = o.status.code().unwrap_or_else(|| panic!("no exit code ({:?}); stderr:\n{}", o.status, stderr(&o)));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr:\n{}", stderr(&o)));
    assert_eq!(json["exit_code"].as_i64(), Some(code as i64), "JSON exit_code equals the process exit code");
    (code, json)
}

/// Starts the binary with `args`, waits until it pauses at test point `point`
/// (`SCORECARD_PAUSE_AT`) and kills it with SIGKILL.
pub fn kill_at_point(args: &[&str], point: &str) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_scorecard"))
        .args(args)
        .env("SCORECARD_PAUSE_AT", point)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let mut seen = String::new();
    loop {
        line.clear();
        if err.read_line(&mut line).unwrap() == 0 {
            panic!("it ended before {point}: {seen}");
        }
        seen.push_str(&line);
        if line.contains(&format!("paused at {point}")) {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A demo project written (not run) into a fresh temporary folder.
pub fn demo_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("demo");
    let o = scorecard(&["demo", project.to_str().unwrap(), "--no-run"]);
    assert!(o.status.success(), "demo --no-run failed: {}", stderr(&o));
    dir
}

/// Every file below a folder, in path order.
pub fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `../shared/data/<sub>` beside the project, or `None` after saying the test is skipped (a
/// fresh clone does not have it).
pub fn shared_data(sub: &str) -> Option<std::path::PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(sub);
    if !p.is_dir() {
        eprintln!("skipped: ../shared/data/{sub} is absent (it is not part of a fresh clone)");
        return None;
    }
    Some(p)
}

/// A project with one partner, no indicators, no settle time and the given source files
/// (name, TOML text).
pub fn bare_project(dir: &Path, sources: &[(String, String)]) {
    for sub in ["sources", "indicators", "drop"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    std::fs::write(
        dir.join("scorecard.toml"),
        "[organisation]\nname = \"Test project\"\nshort_name = \"T\"\n[[partner]]\ncode = \"E07000143\"\nname = \"Breckland\"\n[limits]\nsettle_seconds = 0\n",
    )
    .unwrap();
    for (name, text) in sources {
        std::fs::write(dir.join("sources").join(name), text).unwrap();
    }
}

/// Mounts a small tmpfs at `dir` (as root on Linux); `None` when this machine does not allow it.
pub fn tmpfs(dir: &Path, size: &str, read_only: bool) -> Option<()> {
    std::fs::create_dir_all(dir).ok()?;
    let opts = format!("size={size}{}", if read_only { ",ro" } else { "" });
    let ok = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &opts, "tmpfs"])
        .arg(dir)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(())
}

pub fn unmount(dir: &Path) {
    let _ = std::process::Command::new("umount").arg(dir).status();
}

/// Text with runs of whitespace made single spaces.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Words drawn over other words in a PDF: pairs of words on one page whose boxes (as
/// `pdftotext -bbox` gives them) overlap by more than 2 points each way, as `page: a | b`.
/// Words merely touching (a line's descenders and the next line's ascenders) are not
/// counted. `None` when pdftotext (poppler-utils) is not installed.
pub fn words_drawn_over(path: &Path) -> Option<Vec<String>> {
    let o = Command::new("pdftotext").arg("-bbox").arg(path).arg("-").output().ok()?;
    if !o.status.success() {
        return None;
    }
    let html = String::from_utf8_lossy(&o.stdout).into_owned();
    let attr = |tag: &str, name: &str| -> f64 {
        let from = tag.find(&format!("{name}=\"")).map(|i| i + name.len() + 2).unwrap_or(0);
        tag[from..].split('"').next().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
    };
    let mut found = Vec::new();
    for (page, text) in html.split("<page ").skip(1).enumerate() {
        let words: Vec<([f64; 4], &str)> = text
            .split("<word ")
            .skip(1)
            .filter_map(|w| {
                let (tag, rest) = w.split_once('>')?;
                let word = rest.split("</word>").next()?;
                Some(([attr(tag, "xMin"), attr(tag, "yMin"), attr(tag, "xMax"), attr(tag, "yMax")], word))
            })
            .collect();
        for (i, (a, wa)) in words.iter().enumerate() {
            for (b, wb) in &words[i + 1..] {
                let across = a[2].min(b[2]) - a[0].max(b[0]);
                let down = a[3].min(b[3]) - a[1].max(b[1]);
                if across > 2.0 && down > 2.0 {
                    found.push(format!("page {}: {wa} | {wb}", page + 1));
                }
            }
        }
    }
    Some(found)
}

/// The text of a PDF's pages (`first..=last`, or all), runs of white space made single.
pub fn pdf_text(path: &Path, pages: Option<(u32, u32)>) -> Option<String> {
    let mut cmd = Command::new("pdftotext");
    if let Some((f, l)) = pages {
        cmd.args(["-f", &f.to_string(), "-l", &l.to_string()]);
    }
    let o = cmd.arg(path).arg("-").output().ok()?;
    o.status.success().then(|| squash(&String::from_utf8_lossy(&o.stdout)))
}
