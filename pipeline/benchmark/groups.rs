//! Comparator groups checked against the register of UK local authorities: a named list (such
//! as CIPFA or Oflog nearest neighbours) can repeat a council, name one that has been
//! abolished or renumbered, or name a code nobody issued. Such problems are reported, and only
//! current, distinct councils are used.

use std::collections::{BTreeMap, BTreeSet};

/// What the register says about the GSS codes it knows.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// Current authorities: code -> name.
    pub current: BTreeMap<String, String>,
    /// Codes no longer in use: code -> what became of them, in words.
    pub former: BTreeMap<String, String>,
    /// Names of current authorities (official, short and other spellings), each with its code.
    pub names: Vec<(String, String)>,
}

impl Register {
    /// Reads mySociety's `uk_local_authorities_current.csv` (`gss-code`, `official-name`,
    /// `current-authority`, `end-date`, `replaced-by`, `former-gss-codes`).
    pub fn from_csv(bytes: &[u8]) -> Result<Register, ReferenceError> {
        let mut reader = csv::Reader::from_reader(bytes);
        let header = reader.headers()?.clone();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or(ReferenceError::NoColumn { list: "the register has ", name: name.into() })
        };
        let (gss, name, current, end, replaced, formers) = (
            col("gss-code")?,
            col("official-name")?,
            col("current-authority")?,
            col("end-date")?,
            col("replaced-by")?,
            col("former-gss-codes")?,
        );
        // Other spellings, where the register has them.
        let (nice, alt) = (header.iter().position(|h| h == "nice-name"), header.iter().position(|h| h == "alt-names"));
        let mut out = Register::default();
        let mut renamed = Vec::new();
        for r in reader.records() {
            let r = r?;
            let code = r[gss].trim().to_string();
            if code.is_empty() {
                continue;
            }
            if r[current].trim().eq_ignore_ascii_case("true") {
                out.current.insert(code.clone(), r[name].trim().to_string());
                out.names.push((r[name].trim().to_string(), code.clone()));
                if let Some(i) = nice {
                    out.names.push((r[i].trim().to_string(), code.clone()));
                }
                if let Some(i) = alt {
                    out.names.extend(r[i].split(',').map(|n| (n.trim().to_string(), code.clone())));
                }
                for old in r[formers].split([',', ';', ' ']).map(str::trim).filter(|c| !c.is_empty()) {
                    renamed.push((old.to_string(), format!("now {} ({code})", r[name].trim())));
                }
            } else {
                let mut what = format!("{}, ended {}", r[name].trim(), r[end].trim());
                if !r[replaced].trim().is_empty() {
                    what.push_str(&format!(", replaced by {}", r[replaced].trim()));
                }
                out.former.insert(code, what);
            }
        }
        for (old, what) in renamed {
            out.former.entry(old).or_insert(what);
        }
        Ok(out)
    }
}

/// A comparator group as it can be used, and what was wrong with the list. The owner is
/// always a member, whether its list names it (as Oflog's do) or not (as CIPFA's do).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedGroup {
    /// Current, distinct councils, the owner first.
    pub members: Vec<String>,
    pub problems: Vec<String>,
}

/// Checks a comparator list for `owner` against the register.
/// Without a register only repeats and the form of each code are checked.
pub fn check_group(owner: &str, members: &[String], register: Option<&Register>) -> CheckedGroup {
    let mut seen = BTreeSet::new();
    let mut out = CheckedGroup { members: vec![owner.to_string()], problems: Vec::new() };
    seen.insert(owner.to_string());
    for m in members {
        let m = m.trim();
        if m == owner {
            continue;
        }
        if !seen.insert(m.to_string()) {
            out.problems.push(format!("{m} appears more than once in the list for {owner}; counted once"));
            continue;
        }
        let Some(register) = register else {
            if crate::config::is_gss_code(m) {
                out.members.push(m.to_string());
            } else {
                out.problems.push(format!("`{m}` in the list for {owner} is not a GSS code; left out"));
            }
            continue;
        };
        if register.current.contains_key(m) {
            out.members.push(m.to_string());
        } else if let Some(what) = register.former.get(m) {
            out.problems.push(format!("{m} in the list for {owner} is no longer in use ({what}); left out"));
        } else {
            out.problems.push(format!("{m} in the list for {owner} is not a code the register knows; left out"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register() -> Register {
        let csv = "gss-code,official-name,current-authority,end-date,replaced-by,former-gss-codes\n\
                   E07000143,Breckland Council,True,,,\n\
                   E07000244,East Suffolk Council,True,,,\"E07000205,E07000206\"\n\
                   E07000026,Allerdale Borough Council,False,2023-04-01,CBD,\n";
        Register::from_csv(csv.as_bytes()).unwrap()
    }

    #[test]
    fn duplicates_abolished_renumbered_and_unknown_codes_are_reported() {
        let list: Vec<String> =
            ["E07000244", "E07000244", "E07000026", "E07000205", "X99"].iter().map(|s| s.to_string()).collect();
        let g = check_group("E07000143", &list, Some(&register()));
        assert_eq!(g.members, ["E07000143", "E07000244"]);
        let text = g.problems.join("\n");
        assert!(text.contains("E07000244 appears more than once"), "{text}");
        assert!(text.contains("E07000026") && text.contains("Allerdale") && text.contains("2023-04-01"), "{text}");
        assert!(text.contains("E07000205") && text.contains("now East Suffolk Council"), "{text}");
        assert!(text.contains("X99 in the list for E07000143 is not a code the register knows"), "{text}");
    }
}

/// Names of areas that published tables list beside councils but are totals, never councils
/// to rank: nations, England's regions and "all councils" lines.
pub const AGGREGATE_NAMES: [&str; 20] = [
    "england",
    "scotland",
    "wales",
    "northern ireland",
    "great britain",
    "united kingdom",
    "england and wales",
    "north east",
    "north west",
    "yorkshire and the humber",
    "east midlands",
    "west midlands",
    "east of england",
    "east",
    "london",
    "inner london",
    "outer london",
    "south east",
    "south west",
    "all councils",
];

/// Council names mapped to GSS codes through mySociety's lookups (name -> register code ->
/// GSS code), matching names ignoring case, spacing and punctuation.
#[derive(Debug, Clone, Default)]
pub struct NameLookup {
    by_name: BTreeMap<String, String>,
}

impl NameLookup {
    /// Reads `lookup_name_to_registry.csv` (`la-name`, `local-authority-code`) and
    /// `lookup_gss_to_registry.csv` (`gss-code`, `local-authority-code`).
    pub fn from_csv(names: &[u8], gss: &[u8]) -> Result<NameLookup, ReferenceError> {
        let pairs = |bytes: &[u8], a: &str, b: &str| -> Result<Vec<(String, String)>, ReferenceError> {
            let mut reader = csv::Reader::from_reader(bytes);
            let header = reader.headers()?.clone();
            let col = |n: &str| {
                header.iter().position(|h| h == n).ok_or(ReferenceError::NoColumn { list: "", name: n.into() })
            };
            let (i, j) = (col(a)?, col(b)?);
            Ok(reader
                .records()
                .map(|r| r.map(|r| (r[i].trim().to_string(), r[j].trim().to_string())))
                .collect::<Result<_, _>>()?)
        };
        // A registry code can have held several GSS codes; the last listed is kept.
        let gss_of: BTreeMap<String, String> =
            pairs(gss, "gss-code", "local-authority-code")?.into_iter().map(|(g, c)| (c, g)).collect();
        let mut by_name = BTreeMap::new();
        for (name, code) in pairs(names, "la-name", "local-authority-code")? {
            if let Some(g) = gss_of.get(&code) {
                by_name.insert(name_key(&name), g.clone());
            }
        }
        Ok(NameLookup { by_name })
    }

    /// Adds another lookup's names (its spelling wins over one already known).
    pub fn extend(&mut self, other: NameLookup) {
        self.by_name.extend(other.by_name);
    }

    /// Adds the register's own names of current authorities.
    pub fn add_register(&mut self, register: &Register) {
        for (name, code) in &register.names {
            if !name.is_empty() {
                self.by_name.entry(name_key(name)).or_insert_with(|| code.clone());
            }
        }
    }

    /// Adds a spelling the lookups lack (a table's "Edinburgh City" for the register's "City of
    /// Edinburgh").
    pub fn alias(&mut self, name: &str, code: &str) {
        self.by_name.insert(name_key(name), code.to_string());
    }

    /// The GSS code of a council named in a table; `None` for an unknown name.
    pub fn code(&self, name: &str) -> Option<&str> {
        self.by_name.get(&name_key(name)).map(String::as_str)
    }
}

/// Why a register, name lookup or comparator list could not be read (the caller names the
/// file).
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("{0}")]
    Csv(#[from] csv::Error),
    #[error("{list}no `{name}` column")]
    NoColumn { list: &'static str, name: String },
}

/// A council name as the lookup compares it: ignoring case, spacing and punctuation, with
/// `&` read as "and" ("Argyll & Bute" is "Argyll and Bute").
fn name_key(name: &str) -> String {
    crate::common::normalise_header(&name.replace('&', " and "))
}

/// The codes of a comparator list published as CSV: the first column whose header contains
/// `code` (`area_code`, `GSS code`), else the first column.
pub fn list_from_csv(bytes: &[u8]) -> Result<Vec<String>, ReferenceError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = reader.headers()?.clone();
    let col = header.iter().position(|h| h.to_lowercase().contains("code")).unwrap_or(0);
    let mut out = Vec::new();
    for r in reader.records() {
        let r = r?;
        if let Some(c) = r.get(col).map(str::trim).filter(|c| !c.is_empty()) {
            out.push(c.to_string());
        }
    }
    Ok(out)
}

/// Is this row name a total (a nation, a region, "all councils") rather than a council?
pub fn is_aggregate(name: &str) -> bool {
    let n = name_key(name);
    AGGREGATE_NAMES.iter().any(|a| name_key(a) == n)
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn names_map_ignoring_case_punctuation_and_ampersands() {
        let names = "la-name,local-authority-code\nArgyll and Bute Council,AGB\nArgyll and Bute,AGB\n";
        let gss = "gss-code,local-authority-code\nS12000035,AGB\n";
        let mut lookup = NameLookup::from_csv(names.as_bytes(), gss.as_bytes()).unwrap();
        assert_eq!(lookup.code("ARGYLL & BUTE"), Some("S12000035"));
        assert_eq!(lookup.code("Edinburgh City"), None, "unknown names are not guessed");
        lookup.alias("Edinburgh City", "S12000036");
        assert_eq!(lookup.code("edinburgh city"), Some("S12000036"));
        assert!(is_aggregate("Scotland") && is_aggregate("YORKSHIRE AND THE HUMBER") && is_aggregate("London"));
        assert!(!is_aggregate("Breckland"));
    }
}
