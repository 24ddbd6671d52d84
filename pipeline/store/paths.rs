//! Where the store keeps things, relative to the store folder.
//!
//! The data is a Hive-partitioned Parquet dataset, one folder per source, one file per
//! council (`partner`) and as-at date, named after the file that delivered it:
//! `revenues/partner=E07000143/as_at=2025-10-31/3f2a9c01b4de.parquet`. A glob such as
//! `store/revenues/*/*/*.parquet` therefore reads exactly the data in use. Everything else
//! lives beside the source folders, never inside them: `replaced/` (data a later file
//! replaced, in the same partitioned shape), `summaries/` (derived, made again when missing:
//! per-extract summaries, and what a night keeps for the next: see `latest.rs`),
//! `quality/` and `commentary/`.

use chrono::NaiveDate;

/// The partner value of data that belongs to no one council: sources without a partner
/// column (HR, for the partnership as a whole) and rows whose partner cell is blank.
pub use crate::config::ALL as WHOLE;

/// Folder names in the store that are not sources (a source may not use them as its id).
pub use crate::config::RESERVED_SOURCE_IDS as RESERVED;

/// The data of one council for one source and as-at date, from the file with SHA-256 `sha`.
pub fn part(source: &str, partner: &str, as_at: NaiveDate, sha: &str) -> String {
    format!("{source}/{}", within_source(partner, as_at, sha))
}

/// Where a replaced part is kept: `replaced/` followed by the part's own path.
pub fn replaced(part: &str) -> String {
    format!("replaced/{part}")
}

/// The derived summary of one extract's data for one plan:
/// `summaries/<source>/<as-at>-<sha12>.<plan>.parquet` (one file per extract, whatever the
/// number of councils it covers, so that a national store keeps few files).
pub fn summary(source: &str, as_at: NaiveDate, sha: &str, plan: &str) -> String {
    format!("summaries/{source}/{}.{plan}.parquet", summary_stem(as_at, sha))
}

/// `<as-at>-<sha12>`: the part of a summary's name that names its extract.
pub fn summary_stem(as_at: NaiveDate, sha: &str) -> String {
    format!("{as_at}-{}", &sha[..sha.len().min(12)])
}

/// `partner=<code>/as_at=<date>/<sha12>.parquet`.
fn within_source(partner: &str, as_at: NaiveDate, sha: &str) -> String {
    format!("partner={}/as_at={as_at}/{}.parquet", escape(partner), &sha[..sha.len().min(12)])
}

/// A partition value as Hive writes it: letters, digits, `-`, `_` and `.` as they are, any
/// other byte as `%XX`.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Does a path relative to the store lie in a source's dataset (`<source>/partner=.../as_at=.../x.parquet`)?
pub fn is_part(rel: &str) -> bool {
    let bits: Vec<&str> = rel.split('/').collect();
    matches!(bits.as_slice(), [source, p, a, f]
        if !RESERVED.contains(source) && p.starts_with("partner=") && a.starts_with("as_at=") && f.ends_with(".parquet"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_paths() {
        let d = NaiveDate::from_ymd_opt(2025, 10, 31).unwrap();
        let p = part("revenues", "E07000143", d, "3f2a9c01b4de99");
        assert_eq!(p, "revenues/partner=E07000143/as_at=2025-10-31/3f2a9c01b4de.parquet");
        assert!(is_part(&p));
        assert_eq!(replaced(&p), "replaced/revenues/partner=E07000143/as_at=2025-10-31/3f2a9c01b4de.parquet");
        assert!(!is_part(&replaced(&p)));
        assert_eq!(
            summary("revenues", d, "3f2a9c01b4de99", "0123456789ab"),
            "summaries/revenues/2025-10-31-3f2a9c01b4de.0123456789ab.parquet"
        );
        assert_eq!(escape("E07/1 x"), "E07%2F1%20x");
        assert!(!is_part("revenues/2025-10-31.parquet"), "the old layout is not a part");
    }
}
