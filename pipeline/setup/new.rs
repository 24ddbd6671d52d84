//! `scorecard new DIR PARTNER...`: a project folder for a new partnership. Its
//! `scorecard.toml` names the partners (each an ONS GSS code, `CODE=NAME`, or a name looked up
//! in a register of local authorities); the shipped sources, indicators, targets and report
//! templates come with it, and the reference of every definition key, and a README saying
//! what to do next.

use super::{toml_string, toml_strings};
use crate::benchmark::groups::{NameLookup, Register};
use crate::config::{is_gss_code, Partner};
use std::path::Path;

/// Why a project could not be written; nothing was.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    #[error("{0} already holds a scorecard.toml: choose another folder; nothing was changed")]
    Exists(String),
    #[error("partner `{0}`: {1}")]
    Partner(String, String),
    #[error("the register {0}: {1}")]
    Register(String, String),
    #[error("writing {0}: {1}")]
    Write(String, std::io::Error),
}

/// What `scorecard new` was asked for.
#[derive(Debug, Clone)]
pub struct NewProject {
    pub name: Option<String>,
    pub short_name: Option<String>,
    pub partners: Vec<String>,
}

/// A partner as written in `scorecard.toml`, and whether its name is still to be given.
#[derive(Debug, Clone)]
pub struct Named {
    pub partner: Partner,
    pub name_unknown: bool,
}

/// Resolves each partner argument: `CODE=NAME`, a GSS code, or a name in the register.
pub fn resolve(args: &[String], register: Option<&Register>) -> Result<Vec<Named>, NewError> {
    let mut lookup = NameLookup::default();
    if let Some(r) = register {
        lookup.add_register(r);
    }
    let mut out: Vec<Named> = Vec::new();
    for arg in args {
        let arg = arg.trim();
        let bad = |why: &str| NewError::Partner(arg.to_string(), why.to_string());
        let (code, name) = match arg.split_once('=') {
            Some((code, name)) => (code.trim().to_ascii_uppercase(), Some(name.trim().to_string())),
            None if is_gss_code(&arg.to_ascii_uppercase()) => (arg.to_ascii_uppercase(), None),
            None => match register {
                None => return Err(bad("not an ONS GSS code (such as E07000143); give the code as CODE=NAME, or a register (--register) to look the name up in")),
                Some(_) => match lookup.code(arg) {
                    Some(code) => (code.to_string(), Some(arg.to_string())),
                    None => return Err(bad("the register knows no council of that name; give it as CODE=NAME")),
                },
            },
        };
        if !is_gss_code(&code) {
            return Err(bad(&format!(
                "`{code}` is not an ONS GSS code (a letter E, W, S or N and 8 digits, such as E07000143)"
            )));
        }
        if out.iter().any(|n| n.partner.code == code) {
            return Err(bad(&format!("{code} is named twice")));
        }
        let known: Vec<String> = register.map(|r| names_of(r, &code)).unwrap_or_default();
        if register.is_some() && !register.is_some_and(|r| r.current.contains_key(&code)) {
            return Err(bad(&format!("the register has no current council with the code {code}")));
        }
        let name_unknown = name.is_none() && known.is_empty();
        let name = name.or_else(|| known.first().cloned()).unwrap_or_else(|| code.clone());
        let norm = crate::common::normalise_header(&name);
        let aliases = known.into_iter().filter(|k| crate::common::normalise_header(k) != norm).collect();
        out.push(Named { partner: Partner { code, name, aliases }, name_unknown });
    }
    Ok(out)
}

/// The register's names of a council, shortest first (the everyday name before the official
/// one), each spelling once.
fn names_of(register: &Register, code: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (name, c) in &register.names {
        let key = crate::common::normalise_header(name);
        if c == code && !key.is_empty() && !names.iter().any(|n| crate::common::normalise_header(n) == key) {
            names.push(name.clone());
        }
    }
    names.sort_by_key(|n| (n.len(), n.clone()));
    names
}

/// `scorecard.toml` of a new project.
pub fn settings_text(p: &NewProject, partners: &[Named]) -> String {
    let names: Vec<&str> = partners.iter().map(|n| n.partner.name.as_str()).collect();
    let (name, name_todo) = match &p.name {
        Some(n) => (n.clone(), ""),
        None => (format!("{} partnership", and_list(&names)), "  # TODO: the partnership's name"),
    };
    let (short, short_todo) = match &p.short_name {
        Some(s) => (s.clone(), ""),
        None => (initials(&names), "  # TODO: a short name for file names"),
    };
    let mut t = String::from(
        "# Written by `scorecard new`. Every key of this file and of sources/, indicators/ and\n\
         # targets.toml is described in docs/reference.md; README.md says what to do next.\n\n",
    );
    t.push_str("[organisation]\n");
    t.push_str(&format!("name = {}{name_todo}\n", toml_string(&name)));
    t.push_str(&format!("short_name = {}{short_todo}\n", toml_string(&short)));
    t.push_str("# true only for made-up data: every output then says its figures are not real.\nsynthetic = false\n");
    for n in partners {
        t.push_str("\n[[partner]]\n");
        t.push_str(&format!("code = {}\n", toml_string(&n.partner.code)));
        let todo = if n.name_unknown { "  # TODO: the council's name as reports show it" } else { "" };
        t.push_str(&format!("name = {}{todo}\n", toml_string(&n.partner.name)));
        t.push_str("# Other spellings your extracts use for this council.\n");
        t.push_str(&format!("aliases = {}\n", toml_strings(n.partner.aliases.iter().map(String::as_str))));
    }
    t.push_str(&format!(
        "\n[folders]\n\
         drop = \"drop\"             # where finance staff drop extracts\n\
         archive = \"archive\"       # accepted extracts, by run date\n\
         quarantine = \"quarantine\" # rejected extracts, each with a .reason.txt\n\
         store = \"store\"           # the history of accepted data\n\
         output = \"output\"         # workbooks, CSVs and PDF reports\n\n\
         [report]\n\
         meeting = \"Joint Committee\"\n\
         author = {}\n\n\
         [limits]\n\
         # Files changed less than this many seconds before a run (by the real clock) are left for\n\
         # the next run: they may still be being copied.\n\
         settle_seconds = 60\n",
        toml_string(&format!("{short} performance team"))
    ));
    t
}

fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn initials(names: &[&str]) -> String {
    let s: String = names.iter().flat_map(|n| n.split_whitespace()).filter_map(|w| w.chars().next()).collect();
    let s = s.to_uppercase();
    if s.chars().all(|c| c.is_ascii_alphanumeric()) && !s.is_empty() {
        s
    } else {
        "Partnership".to_string()
    }
}

/// The README of a new project: what to do next, with commands to paste.
pub fn readme_text(dir: &Path, partners: &[Named]) -> String {
    let d = dir.display();
    let todo = if partners.iter().any(|n| n.name_unknown) {
        "\nSome partners' names are still their codes: give each its name in `scorecard.toml`\n(the lines marked TODO).\n"
    } else {
        ""
    };
    format!(
        "# Your scorecard project\n\n\
         Written by `scorecard new` for {}.{todo}\n\
         ## What to do next\n\n\
         1. **Describe your extracts.** The sources in `sources/` are the shipped ones, written for\n   \
         one partnership's systems. For each of your systems, put a few of its extracts in a folder\n   \
         and draft a definition from them (it replaces the shipped one of the same id, which is\n   \
         kept as `sources/<id>.toml.previous`):\n\n   \
         ```sh\n   \
         scorecard draft --project {d} --source revenues --replace samples/ctax_*.csv\n   \
         ```\n\n   \
         The ids the shipped indicators read are `revenues`, `benefits`, `hr_staff`, `hr_absence`,\n   \
         `budget` and `returns`. Review every line the draft marks `TODO` and every suggested check.\n\
         2. **Validate.** `scorecard validate --project {d}` lists every problem at once, with file\n   \
         and line, including every column an indicator needs that a source lacks.\n\
         3. **Check the samples.** `scorecard check --project {d} samples/*` shows, file by file,\n   \
         what the nightly job would do: rows read and rejected, every check, and why.\n\
         4. **Prove the definitions.** `scorecard test --project {d}` runs the worked examples beside\n   \
         the indicators.\n\
         5. **Set the targets** in `targets.toml`.\n\
         6. **First run.** Copy extracts into `{d}/drop/`, then\n   \
         `scorecard run --project {d}`; the reports appear in `{d}/output/`.\n\n\
         Every key of every definition file is in `docs/reference.md`; how each figure is counted is\n\
         in `docs/indicators.md`.\n",
        and_list(&partners.iter().map(|n| n.partner.name.as_str()).collect::<Vec<_>>()),
    )
}

/// Writes the project into `dir` (created if needed); refuses a folder holding a
/// `scorecard.toml`.
pub fn write(dir: &Path, p: &NewProject, register: Option<&Path>) -> Result<Vec<Named>, NewError> {
    if dir.join("scorecard.toml").exists() {
        return Err(NewError::Exists(dir.display().to_string()));
    }
    let register = match register {
        None => None,
        Some(path) => {
            let bytes =
                std::fs::read(path).map_err(|e| NewError::Register(path.display().to_string(), e.to_string()))?;
            Some(
                Register::from_csv(&bytes)
                    .map_err(|e| NewError::Register(path.display().to_string(), e.to_string()))?,
            )
        }
    };
    let partners = resolve(&p.partners, register.as_ref())?;
    let put = |rel: &str, text: &str| {
        crate::fs::write_atomic(&dir.join(rel), text.as_bytes()).map_err(|e| NewError::Write(rel.to_string(), e))
    };
    for (rel, text) in crate::demo::SHIPPED_FILES {
        put(rel, text)?;
    }
    put(&format!("report-templates/{}", crate::render::pdf::AS_SHIPPED), &crate::render::pdf::as_shipped_record())?;
    put("docs/reference.md", include_str!("../../docs/reference.md"))?;
    put("docs/indicators.md", include_str!("../../docs/indicators.md"))?;
    put("README.md", &readme_text(dir, &partners))?;
    std::fs::create_dir_all(dir.join("drop")).map_err(|e| NewError::Write("drop/".into(), e))?;
    // scorecard.toml last: a folder without it can be written into again.
    put("scorecard.toml", &settings_text(p, &partners))?;
    Ok(partners)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGISTER: &str = "local-authority-code,official-name,nice-name,gss-code,start-date,end-date,replaced-by,alt-names,former-gss-codes,current-authority\n\
        BRE,Breckland District Council,Breckland,E07000143,,,,Breckland,,True\n\
        NOR,Norwich City Council,Norwich,E07000148,,,,\"Norwich,City of Norwich\",,True\n";

    #[test]
    fn partners_from_codes_pairs_and_register_names() {
        let r = Register::from_csv(REGISTER.as_bytes()).unwrap();
        let args = ["city of norwich".to_string(), "E07000143".to_string(), "E07000010=Fenland".to_string()];
        let got = resolve(&args, Some(&r)).unwrap_err();
        assert!(got.to_string().contains("E07000010"), "Fenland is not in this register: {got}");
        let got = resolve(&args[..2], Some(&r)).unwrap();
        assert_eq!(got[0].partner.code, "E07000148");
        assert_eq!(got[0].partner.name, "city of norwich");
        assert!(got[0].partner.aliases.contains(&"Norwich City Council".to_string()));
        assert_eq!((got[1].partner.name.as_str(), got[1].name_unknown), ("Breckland", false));
        let plain = resolve(&["E07000010=Fenland".into(), "e07000143".into()], None).unwrap();
        assert_eq!((plain[1].partner.name.as_str(), plain[1].name_unknown), ("E07000143", true));
        let e = resolve(&["Fenland".into()], None).unwrap_err().to_string();
        assert!(e.contains("CODE=NAME"), "{e}");
        let e = resolve(&["X1=Nowhere".into()], None).unwrap_err().to_string();
        assert!(e.contains("not an ONS GSS code"), "{e}");
    }

    #[test]
    fn the_settings_parse_and_validate() {
        let partners = resolve(&["E07000010=Fenland".into(), "E07000143".into()], None).unwrap();
        let p = NewProject { name: None, short_name: None, partners: vec![] };
        let text = settings_text(&p, &partners);
        let s: crate::config::Settings = toml::from_str(&text).unwrap();
        assert_eq!(s.partner.len(), 2);
        assert_eq!(s.organisation.name, "Fenland and E07000143 partnership");
        assert!(text.contains("# TODO: the council's name"), "{text}");
    }
}
