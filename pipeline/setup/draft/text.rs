//! A [`Draft`] written out as a source definition: TOML with a comment on every guess saying
//! what in the samples it rests on, `# TODO` wherever the performance officer must decide,
//! and every check marked as a suggestion.

use super::columns::{type_name, Guess};
use super::suggest::Suggestion;
use super::{AsAtFound, Draft};
use crate::config::{ColumnType, PercentForm, SourceKind};
use crate::setup::{toml_string, toml_strings};

/// The whole definition file.
pub fn write(d: &Draft) -> String {
    let mut t = String::new();
    header(&mut t, d);
    for g in &d.columns {
        column(&mut t, g, d.checks.iter().filter(|s| s.column.as_deref() == Some(g.field.as_str())));
    }
    let source_checks: Vec<&Suggestion> = d.checks.iter().filter(|s| s.column.is_none()).collect();
    if !source_checks.is_empty() {
        t.push_str("\n# Checks over several columns and the whole extract (suggested from the samples).\n");
        for s in source_checks {
            t.push_str("\n[[check]]\n");
            suggestion(&mut t, s);
        }
    }
    t
}

fn header(t: &mut String, d: &Draft) {
    t.push_str(&format!("# Drafted by `scorecard draft` from {} sample file(s):\n", d.samples.len()));
    for s in &d.samples {
        let sheet = s.grid.sheet.as_deref().map(|n| format!(", sheet '{n}'")).unwrap_or_default();
        let as_at = match s.as_at {
            Some((date, AsAtFound::Title)) => format!("as at {} (from the title rows)", date.format("%d/%m/%Y")),
            Some((date, AsAtFound::FileName)) => format!("as at {} (from the file name)", date.format("%d/%m/%Y")),
            None => "no as-at date in its title rows or name".to_string(),
        };
        t.push_str(&format!(
            "#   {}{sheet}: header in row {}, {} data rows, {} totals row(s), {} notes row(s); {as_at}\n",
            s.file_name,
            s.grid.row_number(s.layout.header_row),
            s.layout.data_rows.len(),
            s.layout.totals_rows.len(),
            s.layout.notes_rows.len(),
        ));
    }
    let todos = d.columns.iter().filter(|g| g.mapped.is_none()).count()
        + d.columns.iter().map(|g| g.new_codes.len()).sum::<usize>();
    t.push_str(&format!(
        "# Review every line, above all the {todos} marked TODO, and every suggested check; then run\n\
         # `scorecard validate` and `scorecard check` on the same files. Every key is described in\n\
         # docs/reference.md.\n"
    ));
    match &d.like {
        Some(like) if *like == d.id => t.push_str(&format!(
            "# Field names follow the shipped `{like}` source, which the shipped indicators read.\n"
        )),
        Some(like) => t.push_str(&format!(
            "# The headers are most like the shipped `{like}` source's; its field names are used where a header\n\
             # matches. Give this source the id `{like}` if the shipped indicators are to read it.\n"
        )),
        None => t.push_str(
            "# No header matches a shipped source's columns: every field name is made from its header (TODO).\n",
        ),
    }
    t.push('\n');
    t.push_str(&format!("id = {}\n", toml_string(&d.id)));
    t.push_str(&format!("name = {}  # TODO: the name reports show\n", toml_string(&title_case(&d.id))));
    t.push_str("system = \"\"  # TODO: the system that produces it (shown as the data source)\n");
    let kind = match d.kind {
        SourceKind::Snapshot => "snapshot",
        SourceKind::Records => "records",
    };
    t.push_str(&format!(
        "# snapshot: each extract is every account as at its date; records: each lists records, the\n\
         # latest version of each key wins. TODO: confirm.\nkind = \"{kind}\"\n"
    ));
    t.push_str(&format!("file_patterns = {}\n", toml_strings(d.file_patterns.iter().map(String::as_str))));
    let mut as_at = vec!["title".to_string(), "file_name".to_string()];
    if let Some(f) = &d.as_at_column {
        t.push_str(&format!(
            "# A sample has no date in its title rows or name: the latest `{f}` stands for it. TODO: confirm,\n\
             # or name the files with their date (..._20251031.csv).\n"
        ));
        as_at.push(format!("column:{f}"));
    } else if d.samples.iter().any(|s| s.as_at.is_none()) {
        t.push_str(
            "# TODO: a sample has no as-at date in its title rows or name, and no date column: name the files\n\
             # with their date (..._20251031.csv), or the nightly job quarantines them.\n",
        );
    }
    t.push_str(&format!("as_at = {}\n", toml_strings(as_at.iter().map(String::as_str))));
    if d.key.is_empty() {
        t.push_str(
            "# No column or pair of columns is unique in the samples. TODO: the fields identifying a row.\nkey = []\n",
        );
    } else {
        t.push_str(&format!(
            "# Unique in every sample: the fields identifying a row.\nkey = {}\n",
            toml_strings(d.key.iter().map(String::as_str))
        ));
    }
    t.push_str("max_rejected_pct = 5.0\n");
    t.push_str("# Reported stale when the latest accepted extract is older than this (a monthly extract).\nstale_after_days = 40\n");
}

fn column<'a>(t: &mut String, g: &Guess, checks: impl Iterator<Item = &'a Suggestion>) {
    let p = &g.profile;
    t.push_str("\n[[column]]\n");
    let blanks = if p.blanks == 0 { "no blank cells".to_string() } else { format!("{} blank of {}", p.blanks, p.rows) };
    t.push_str(&format!("# \"{}\", column {}: {}; {blanks}.\n", p.header, p.letter, g.evidence));
    match &g.mapped {
        Some(why) => t.push_str(&format!("# The field the shipped indicators use: the header matches {why}.\n")),
        None => t.push_str("# TODO: no field the shipped indicators use; rename it if one is meant.\n"),
    }
    t.push_str(&format!("field = {}\n", toml_string(&g.field)));
    t.push_str(&format!("type = \"{}\"\n", type_name(g.kind)));
    if g.headers.len() > 1 {
        t.push_str("# The samples' header first, then the other spellings the shipped definition knows.\n");
    }
    t.push_str(&format!("headers = {}\n", toml_strings(g.headers.iter().map(String::as_str))));
    if g.required {
        t.push_str("required = true  # a blank cell rejects the row; no sample has one\n");
    } else if g.complete {
        t.push_str("# No sample has a blank cell here; `required = true` would reject a row with one.\n");
    }
    if g.kind == ColumnType::Percent && g.percent_written_as == PercentForm::Fraction {
        t.push_str("percent_written_as = \"fraction\"\n");
    }
    if g.kind == ColumnType::Code {
        for code in &g.new_codes {
            t.push_str(&format!(
                "# TODO: `{code}` is a spelling the shipped codes do not know: give it an existing code, or keep it.\n"
            ));
        }
        let values: Vec<String> = g
            .values
            .iter()
            .map(|(code, spellings)| format!("{} = {}", key(code), toml_strings(spellings.iter().map(String::as_str))))
            .collect();
        t.push_str(&format!("values = {{ {} }}\n", values.join(", ")));
        if let Some(o) = &g.other {
            t.push_str(&format!("other = {}\n", toml_string(o)));
        }
    }
    for s in checks {
        t.push_str("\n[[column.check]]\n");
        suggestion(t, s);
    }
}

fn suggestion(t: &mut String, s: &Suggestion) {
    t.push_str(&format!("# Suggested: {}.\n", s.why));
    for l in &s.lines {
        t.push_str(l);
        t.push('\n');
    }
    t.push_str("severity = \"warning\"\n");
}

/// A TOML key, quoted unless bare.
fn key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_string()
    } else {
        toml_string(k)
    }
}

fn title_case(id: &str) -> String {
    id.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}
