//! The store's manifest (`store/manifest.json`): every file whose data is in use, the
//! councils' parts it brought (one Parquet file each), and every replacement made.
//!
//! Layout 2 (this one) keeps one part per council and as-at date; layout 1, written before
//! November 2026, kept one Parquet file per source and as-at date, whoever's rows it held.
//! A layout-1 manifest is still read (so that `scorecard check` and `status` work on an old
//! store), and the next run migrates it ([`super::Store::migrate`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The manifest layout this program writes.
pub const LAYOUT: u32 = 2;

/// Column totals as kept in the manifest: a total that is not a finite number (written as
/// `null` by an older program) is left out when read, so the manifest always loads.
fn finite_sums<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, f64>, D::Error> {
    let raw: BTreeMap<String, Option<f64>> = Deserialize::deserialize(d)?;
    Ok(raw.into_iter().filter_map(|(k, v)| v.filter(|v| v.is_finite()).map(|v| (k, v))).collect())
}

/// Column totals with anything not finite left out, before they are kept.
pub fn finite(sums: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    sums.iter().filter(|(_, v)| v.is_finite()).map(|(k, v)| (k.clone(), *v)).collect()
}

/// One accepted file whose data (some or all of it) is in use.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StoredExtract {
    pub source: String,
    pub as_at: NaiveDate,
    pub file_name: String,
    pub sha256: String,
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    /// The run (as-of date) that loaded it.
    pub loaded_on: NaiveDate,
    /// Totals of its money and number columns.
    #[serde(default, deserialize_with = "finite_sums")]
    pub sums: BTreeMap<String, f64>,
    /// The councils' data it brought that no later file has replaced, one part each.
    pub parts: Vec<StoredPart>,
}

impl StoredExtract {
    /// The councils (partner codes, or `ALL`) whose data from this file is in use.
    pub fn partners(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().map(|p| p.partner.as_str())
    }
}

/// One council's data for a source and as-at date: a Parquet file of the dataset.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StoredPart {
    /// The partner code, or `ALL` (see [`super::paths::WHOLE`]).
    pub partner: String,
    pub rows: usize,
    /// The Parquet file, relative to the store folder.
    pub parquet: String,
    /// Its size in bytes, to notice a damaged file before it is read (0: not recorded).
    #[serde(default)]
    pub bytes: u64,
    /// Totals of the part's money and number columns, for the next delivery's change checks.
    #[serde(default, deserialize_with = "finite_sums")]
    pub sums: BTreeMap<String, f64>,
}

/// One council's data for a source and as-at date that a later file replaced.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Replacement {
    pub source: String,
    /// The partner code, or `ALL`.
    pub partner: String,
    pub as_at: NaiveDate,
    /// The file whose data is now in use.
    pub file_name: String,
    pub sha256: String,
    /// The run that loaded it.
    pub replaced_on: NaiveDate,
    /// The file whose data it replaced, and the run that had loaded that.
    pub old_file_name: String,
    pub old_sha256: String,
    pub old_loaded_on: NaiveDate,
    /// Where the replaced part was, and where it is kept (relative to the store folder).
    pub parquet: String,
    pub kept: String,
}

impl Replacement {
    /// The replacement in one sentence: "Fenland's revenues as at 31/10/2025, from file X,
    /// replace those from file Y loaded on 01/11/2025."
    pub fn sentence(&self, whose: &str) -> String {
        let same_run = self.old_loaded_on == self.replaced_on;
        format!(
            "{whose} {} as at {}, from file {} (SHA-256 {}), replace those from file {} (SHA-256 {}) loaded {}",
            self.source,
            self.as_at.format("%d/%m/%Y"),
            self.file_name,
            &self.sha256[..self.sha256.len().min(12)],
            self.old_file_name,
            &self.old_sha256[..self.old_sha256.len().min(12)],
            if same_run {
                "earlier in the same run".to_string()
            } else {
                format!("on {}", self.old_loaded_on.format("%d/%m/%Y"))
            }
        )
    }
}

/// A replacement with the sentence a person reads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Replaced {
    /// "Fenland's revenues as at 31/10/2025, from file X, replace those from file Y loaded
    /// on 01/11/2025".
    pub message: String,
    pub record: Replacement,
}

impl Replaced {
    /// The sentence for a replacement, naming the council as the project does.
    pub fn of(project: &crate::config::Project, record: Replacement) -> Replaced {
        let whose = if record.partner == super::paths::WHOLE {
            "The partnership's".to_string()
        } else {
            format!("{}'s", project.partner_name(&record.partner))
        };
        Replaced { message: record.sentence(&whose), record }
    }
}

/// The manifest of layout 2.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub layout: u32,
    pub extracts: Vec<StoredExtract>,
    #[serde(default)]
    pub replacements: Vec<Replacement>,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest { layout: LAYOUT, extracts: Vec::new(), replacements: Vec::new() }
    }
}

/// One extract in a layout-1 manifest: one Parquet file per source and as-at date.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyExtract {
    pub source: String,
    pub as_at: NaiveDate,
    pub file_name: String,
    pub sha256: String,
    pub rows_read: usize,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    pub parquet: String,
    pub loaded_on: NaiveDate,
    #[serde(default, deserialize_with = "finite_sums")]
    pub sums: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct LegacyManifest {
    extracts: Vec<LegacyExtract>,
}

/// A manifest as read from disk.
pub enum Read {
    Current(Manifest),
    /// Layout 1: not yet migrated.
    Legacy(Vec<LegacyExtract>),
}

/// Reads a manifest of either layout.
pub fn parse(bytes: &[u8]) -> Result<Read, serde_json::Error> {
    let value: serde_json::Value = serde_json::from_slice(bytes)?;
    if value.get("layout").is_some() {
        let m: Manifest = serde_json::from_value(value)?;
        if m.layout > LAYOUT {
            return Err(serde::de::Error::custom(format!(
                "the store has layout {}, newer than this program's {LAYOUT}: use a newer scorecard",
                m.layout
            )));
        }
        Ok(Read::Current(m))
    } else {
        let m: LegacyManifest = serde_json::from_value(value)?;
        Ok(Read::Legacy(m.extracts))
    }
}

impl LegacyExtract {
    /// The legacy extract seen as one part holding every council's rows (for reading an old
    /// store before it is migrated).
    pub fn as_whole(&self) -> StoredExtract {
        StoredExtract {
            source: self.source.clone(),
            as_at: self.as_at,
            file_name: self.file_name.clone(),
            sha256: self.sha256.clone(),
            rows_read: self.rows_read,
            rows_accepted: self.rows_accepted,
            rows_rejected: self.rows_rejected,
            loaded_on: self.loaded_on,
            sums: self.sums.clone(),
            parts: vec![StoredPart {
                partner: super::paths::WHOLE.to_string(),
                rows: self.rows_accepted,
                bytes: 0,
                parquet: self.parquet.clone(),
                sums: self.sums.clone(),
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_layouts_and_refuses_a_newer_one() {
        let old = br#"{"extracts":[{"source":"revenues","as_at":"2025-10-31","file_name":"r.xlsx","sha256":"ab","rows_read":2,"rows_accepted":2,"rows_rejected":0,"parquet":"revenues/2025-10-31.parquet","loaded_on":"2025-11-01","sums":{}}]}"#;
        match parse(old).unwrap() {
            Read::Legacy(x) => assert_eq!(x[0].parquet, "revenues/2025-10-31.parquet"),
            Read::Current(_) => panic!("layout 1 read as 2"),
        }
        let new = serde_json::to_vec(&Manifest::default()).unwrap();
        assert!(matches!(parse(&new).unwrap(), Read::Current(_)));
        // A total an older program could not write (infinite: `null`) is left out, not fatal.
        let poisoned = br#"{"extracts":[{"source":"revenues","as_at":"2025-10-31","file_name":"r.xlsx","sha256":"ab","rows_read":2,"rows_accepted":2,"rows_rejected":0,"parquet":"revenues/2025-10-31.parquet","loaded_on":"2025-11-01","sums":{"collected":null,"net_debit":5.0}}]}"#;
        match parse(poisoned).unwrap() {
            Read::Legacy(x) => assert_eq!(x[0].sums, [("net_debit".to_string(), 5.0)].into()),
            Read::Current(_) => panic!("layout 1 read as 2"),
        }
        let newer = br#"{"layout":3,"extracts":[]}"#;
        assert!(parse(newer).err().unwrap().to_string().contains("newer than this program"));
    }
}
