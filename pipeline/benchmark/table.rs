//! Comparator figures read from published tables, as `benchmarks.toml` describes them.
//!
//! Takes a table (CSV or workbook, long or wide) and the register and name lookups; gives one
//! [`ComparatorValue`] per council, measure and year, and [`notes`](Comparators::notes) a
//! performance officer can act on: rows that are totals (England, regions) and never ranked,
//! councils named without a code and not found in the lookups, codes that are malformed or
//! unknown to the register (a council since abolished keeps its figures for the years it
//! existed), cells that are neither numbers nor known missing markers, repeated rows.
//! Each note names the file, sheet, row and column.

use super::groups::{is_aggregate, NameLookup, Register};
use crate::common::normalise_header;
use crate::config::{is_gss_code, Benchmarks, Limits, Partner, TableDef, TableLayout};
use crate::ingest::{read_reference, Cell, Grid};
use crate::periods::{fy_label, parse_financial_year};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One published figure.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparatorValue {
    pub table: String,
    pub indicator: String,
    /// First calendar year of the financial year (2024 for 2024/25).
    pub year: i32,
    pub code: String,
    pub value: f64,
}

/// Everything the comparator tables give, and what was wrong with them.
#[derive(Debug, Clone, Default)]
pub struct Comparators {
    pub values: Vec<ComparatorValue>,
    /// Council names by GSS code, as the tables (or the register) give them.
    pub names: BTreeMap<String, String>,
    pub register: Option<Register>,
    pub notes: Vec<String>,
}

impl Comparators {
    /// The published figure of a council, if any.
    pub fn value(&self, indicator: &str, year: i32, code: &str) -> Option<f64> {
        self.values.iter().find(|v| v.indicator == indicator && v.year == year && v.code == code).map(|v| v.value)
    }

    pub fn name(&self, code: &str) -> String {
        self.names
            .get(code)
            .or_else(|| self.register.as_ref().and_then(|r| r.current.get(code)))
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
}

/// Codes of areas that are totals rather than councils: England (E92), English regions (E12),
/// Inner/Outer London (E13), the other nations (W92, S92, N92) and the UK, GB, England and
/// Wales (K02-K04).
const AGGREGATE_CODE_TYPES: [&str; 9] = ["E92", "E12", "E13", "W92", "S92", "N92", "K02", "K03", "K04"];

/// The most detailed notes kept per table; the rest are counted.
const NOTES_PER_TABLE: usize = 25;

/// Reads the register, the lookups and every table a project declares. A table that cannot be
/// read is a note, not a failure: the other tables and the run go on.
pub fn read_all(root: &Path, benchmarks: &Benchmarks, partners: &[Partner], limits: &Limits) -> Comparators {
    let mut out = Comparators::default();
    let mut lookup = NameLookup::default();
    let read = |name: &str| std::fs::read(root.join(name)).map_err(|e| format!("{name}: cannot read: {e}"));
    if let Some(r) = &benchmarks.register {
        if let Some(f) = &r.authorities {
            match read(f.get_ref()).and_then(|b| Register::from_csv(&b).map_err(|e| format!("{}: {e}", f.get_ref()))) {
                Ok(register) => {
                    lookup.add_register(&register);
                    out.register = Some(register);
                }
                Err(e) => out
                    .notes
                    .push(format!("The register could not be used, so codes are checked only for their form: {e}")),
            }
        }
        if let (Some(n), Some(g)) = (&r.names, &r.gss) {
            match read(n.get_ref()).and_then(|names| {
                let gss = read(g.get_ref())?;
                NameLookup::from_csv(&names, &gss).map_err(|e| format!("{}: {e}", n.get_ref()))
            }) {
                Ok(more) => lookup.extend(more),
                Err(e) => out.notes.push(format!("The name lookup could not be used: {e}")),
            }
        }
        for (name, code) in &r.aliases {
            lookup.alias(name, code);
        }
    }
    for p in partners {
        lookup.alias(&p.name, &p.code);
        for a in &p.aliases {
            lookup.alias(a, &p.code);
        }
    }
    for t in &benchmarks.table {
        let path = root.join(t.file.get_ref());
        let grids = std::fs::read(&path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|bytes| read_reference(&path, &bytes, limits).map_err(|e| e.to_string()));
        let grid = grids.and_then(|grids| {
            let found = match &t.sheet {
                Some(s) => grids.iter().find(|g| g.sheet.as_deref().is_some_and(|n| n.trim() == s.trim())),
                None => grids.first(),
            };
            found.cloned().ok_or_else(|| {
                let names: Vec<String> = grids.iter().filter_map(|g| g.sheet.clone()).collect();
                format!("no sheet `{}` (sheets: {})", t.sheet.as_deref().unwrap_or(""), names.join(", "))
            })
        });
        match grid {
            Ok(grid) => {
                let table = read_table(t, &grid, &lookup, out.register.as_ref());
                out.values.extend(table.values);
                for (code, name) in table.names {
                    out.names.entry(code).or_insert(name);
                }
                out.notes.extend(table.notes);
            }
            Err(e) => out.notes.push(format!(
                "{} ({}): the table could not be read, so its comparators are missing: {e}",
                t.name,
                t.file.get_ref()
            )),
        }
    }
    out
}

/// What one table gives.
#[derive(Debug, Default)]
pub struct TableValues {
    pub values: Vec<ComparatorValue>,
    pub names: BTreeMap<String, String>,
    pub notes: Vec<String>,
}

/// A header cell that is `pattern` with a year where `{year}` stands, and that year.
fn year_in_header(header: &str, pattern: &str) -> Option<i32> {
    let (before, after) = pattern.split_once("{year}")?;
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let (h, before, after) = (squash(header), squash(before), squash(after));
    let middle = h.strip_prefix(before.trim_end())?.strip_suffix(after.trim_start())?;
    parse_financial_year(middle.trim())
}

/// A cell as a figure: `Ok(None)` for a missing marker, `Err` for anything else not a number.
fn figure(cell: &Cell, missing: &[String]) -> Result<Option<f64>, NotAFigure> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(n) if n.is_finite() => Ok(Some(*n)),
        Cell::Text(s) => {
            let t = s.trim();
            if missing.iter().any(|m| m.trim().eq_ignore_ascii_case(t)) {
                return Ok(None);
            }
            let plain: String = t.chars().filter(|c| !matches!(c, ',' | '%' | '£' | ' ')).collect();
            plain.parse::<f64>().ok().filter(|v| v.is_finite()).map(Some).ok_or_else(|| NotAFigure::Text {
                text: t.to_string(),
                markers: missing.iter().filter(|m| !m.is_empty()).cloned().collect::<Vec<_>>().join(" "),
            })
        }
        other => Err(NotAFigure::Other(other.display())),
    }
}

/// Why a comparator table's cell is not a figure (the note names the file, row and column).
#[derive(Debug, thiserror::Error)]
enum NotAFigure {
    #[error("`{text}` is not a number or a known missing marker ({markers})")]
    Text { text: String, markers: String },
    #[error("`{0}` is not a number")]
    Other(String),
}

/// Reads one table's grid.
pub fn read_table(def: &TableDef, grid: &Grid, lookup: &NameLookup, register: Option<&Register>) -> TableValues {
    let mut out = TableValues::default();
    let file = def.file.get_ref();
    let place = match &grid.sheet {
        Some(s) => format!("{file}, sheet '{s}'"),
        None => file.to_string(),
    };
    let Some(t) = Table::find(def, grid, place.clone()) else {
        out.notes.push(format!(
            "{} ({place}): no header row with {} in the first 50 rows, so nothing was read",
            def.name,
            [&def.code_column, &def.name_column]
                .iter()
                .filter_map(|c| c.as_deref())
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
        return out;
    };
    let mut notes: Vec<String> = Vec::new();
    let (code_col, name_col) = (t.col(&def.code_column), t.col(&def.name_column));
    for (key, c, found) in [("code_column", &def.code_column, code_col), ("name_column", &def.name_column, name_col)] {
        if let (Some(c), None) = (c, found) {
            notes.push(format!(
                "{} ({}): no column `{c}` ({key}) in the header on row {}",
                def.name,
                t.place,
                t.row_no()
            ));
        }
    }
    let (wide, long) = t.value_columns(&mut notes);
    let columns = Columns {
        wide,
        long,
        measures: def
            .measure
            .iter()
            .filter_map(|m| Some((normalise_header(m.name.as_ref()?), (m.indicator.get_ref().clone(), m.scale))))
            .collect(),
    };
    let mut aggregates = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for i in t.h + 1..grid.rows.len() {
        let (code, name) = (t.text(i, code_col), t.text(i, name_col));
        if code.is_empty() && name.is_empty() {
            continue;
        }
        if is_aggregate(&name) || AGGREGATE_CODE_TYPES.iter().any(|a| code.starts_with(a)) {
            aggregates.insert(if name.is_empty() { code } else { name });
            continue;
        }
        let Some(code) = t.council(i, code, &name, (code_col, name_col), lookup, register, &mut notes) else {
            continue;
        };
        if !name.is_empty() {
            out.names.entry(code.clone()).or_insert(name.clone());
        }
        t.read_row(i, &code, &columns, &mut seen, &mut out.values, &mut notes);
    }
    if !aggregates.is_empty() {
        out.notes.push(format!(
            "{} ({}): {} {}, not councils, and never ranked",
            def.name,
            t.place,
            aggregates.iter().cloned().collect::<Vec<_>>().join(", "),
            if aggregates.len() == 1 { "is a row of totals" } else { "are rows of totals" }
        ));
    }
    let more = notes.len().saturating_sub(NOTES_PER_TABLE);
    out.notes.extend(notes.into_iter().take(NOTES_PER_TABLE).map(|n| format!("{}: {n}", def.name)));
    if more > 0 {
        out.notes.push(format!("{} ({}): {more} more notes like these", def.name, t.place));
    }
    out
}

/// Where a table's figures are: its wide columns, or its long columns and the measures they
/// name (normalised measure name to indicator and scale).
struct Columns {
    wide: WideColumns,
    long: LongColumns,
    measures: BTreeMap<String, (String, f64)>,
}

/// Wide: (column, indicator, year, scale) for each figure column. Long: the year, measure and
/// value columns.
type WideColumns = Vec<(usize, String, i32, f64)>;
type LongColumns = Option<(usize, usize, usize)>;

/// A comparator table found in a grid: its header row and where it is, for notes.
struct Table<'a> {
    def: &'a TableDef,
    grid: &'a Grid,
    place: String,
    /// Index of the header row in the grid.
    h: usize,
    header: Vec<String>,
}

impl<'a> Table<'a> {
    /// The header row: the first of the first 50 rows naming the code or name column.
    fn find(def: &'a TableDef, grid: &'a Grid, place: String) -> Option<Table<'a>> {
        let wanted: Vec<String> =
            [&def.code_column, &def.name_column].iter().filter_map(|c| c.as_deref()).map(normalise_header).collect();
        let h =
            grid.rows.iter().take(50).position(|row| {
                row.iter().any(|c| matches!(c, Cell::Text(t) if wanted.contains(&normalise_header(t))))
            })?;
        let header = grid.rows[h].iter().map(|c| c.display().trim().to_string()).collect();
        Some(Table { def, grid, place, h, header })
    }

    /// The figures of one council's row, by the table's layout; the first figure for an
    /// indicator, year and council wins, later ones are noted.
    fn read_row(
        &self,
        i: usize,
        code: &str,
        columns: &Columns,
        seen: &mut BTreeSet<(String, i32, String)>,
        values: &mut Vec<ComparatorValue>,
        notes: &mut Vec<String>,
    ) {
        let mut put = |j: usize, indicator: &str, year: i32, scale: f64, notes: &mut Vec<String>| match figure(
            &self.grid.cell(i, j),
            &self.def.missing,
        ) {
            Ok(Some(v)) if seen.insert((indicator.to_string(), year, code.to_string())) => {
                values.push(ComparatorValue {
                    table: self.def.id().to_string(),
                    indicator: indicator.to_string(),
                    year,
                    code: code.to_string(),
                    value: v * scale,
                })
            }
            Ok(Some(_)) => notes.push(format!(
                "{}: a second {} figure for {code} in {}; the first is used",
                self.at(i, j),
                indicator,
                fy_label(year)
            )),
            Ok(None) => {}
            Err(e) => notes.push(format!("{}: {e}; left out", self.at(i, j))),
        };
        match (self.def.layout, columns.long) {
            (TableLayout::Wide, _) => {
                for (j, indicator, year, scale) in &columns.wide {
                    put(*j, indicator, *year, *scale, notes);
                }
            }
            (TableLayout::Long, Some((y, m, v))) => {
                let Some((indicator, scale)) = columns.measures.get(&normalise_header(&self.text(i, Some(m)))) else {
                    return;
                };
                let year_text = self.text(i, Some(y));
                match parse_financial_year(&year_text) {
                    Some(year) => put(v, indicator, year, *scale, notes),
                    None => notes.push(format!(
                        "{}: `{year_text}` is not a financial year such as 2024-25; row left out",
                        self.at(i, y)
                    )),
                }
            }
            _ => {}
        }
    }

    /// The header row's number as the spreadsheet shows it.
    fn row_no(&self) -> u32 {
        self.grid.row_number(self.h)
    }

    /// The column headed `name` (headers compared as normalised).
    fn col(&self, name: &Option<String>) -> Option<usize> {
        name.as_ref().and_then(|n| self.header.iter().position(|x| normalise_header(x) == normalise_header(n)))
    }

    /// A cell's text, trimmed; empty without a column.
    fn text(&self, i: usize, j: Option<usize>) -> String {
        j.map(|j| self.grid.cell(i, j).display().trim().to_string()).unwrap_or_default()
    }

    /// Where a cell is, in words.
    fn at(&self, i: usize, j: usize) -> String {
        format!(
            "{}, row {}, column {} ({})",
            self.place,
            self.grid.row_number(i),
            self.grid.column_letter(j),
            self.header.get(j).map(String::as_str).unwrap_or("")
        )
    }

    /// The columns figures are read from, by the table's layout; a note for each measure or
    /// column the header lacks.
    fn value_columns(&self, notes: &mut Vec<String>) -> (WideColumns, LongColumns) {
        let (def, row) = (self.def, self.row_no());
        let mut wide = Vec::new();
        let mut long = None;
        match def.layout {
            TableLayout::Wide => {
                for m in &def.measure {
                    let pattern = m.column.as_deref().unwrap_or_default();
                    let before = wide.len();
                    for (j, hd) in self.header.iter().enumerate() {
                        if let Some(y) = year_in_header(hd, pattern) {
                            wide.push((j, m.indicator.get_ref().clone(), y, m.scale));
                        }
                    }
                    if wide.len() == before {
                        notes
                            .push(format!("{} ({}): no column matches `{pattern}` on row {row}", def.name, self.place));
                    }
                }
            }
            TableLayout::Long => {
                match (self.col(&def.year_column), self.col(&def.measure_column), self.col(&def.value_column)) {
                    (Some(y), Some(m), Some(v)) => long = Some((y, m, v)),
                    _ => notes.push(format!(
                        "{} ({}): the header on row {row} lacks the year, measure or value column ({}, {}, {})",
                        def.name,
                        self.place,
                        def.year_column.as_deref().unwrap_or(""),
                        def.measure_column.as_deref().unwrap_or(""),
                        def.value_column.as_deref().unwrap_or("")
                    )),
                }
            }
        }
        (wide, long)
    }

    /// A row's council code: its GSS code, else its name looked up; `None` (with a note) for a
    /// row left out. A council since abolished keeps the figures of the years it existed; a
    /// code the register has never heard of is a mistake.
    #[allow(clippy::too_many_arguments)]
    fn council(
        &self,
        i: usize,
        code: String,
        name: &str,
        (code_col, name_col): (Option<usize>, Option<usize>),
        lookup: &NameLookup,
        register: Option<&Register>,
        notes: &mut Vec<String>,
    ) -> Option<String> {
        let by_name = || lookup.code(name).map(str::to_string);
        let code = if is_gss_code(&code) {
            code
        } else if !code.is_empty() {
            let at = self.at(i, code_col.unwrap_or(0));
            match by_name() {
                Some(c) => {
                    notes.push(format!("{at}: `{code}` is not a GSS code; placed by its name `{name}` as {c}"));
                    c
                }
                None => {
                    notes.push(format!(
                        "{at}: `{code}` is not a GSS code and the name `{name}` is not known; row left out"
                    ));
                    return None;
                }
            }
        } else {
            match by_name() {
                Some(c) => c,
                None => {
                    notes.push(format!(
                        "{}: the council `{name}` has no code and its name is not in the lookups; row left out (add it to `aliases` in benchmarks.toml)",
                        self.at(i, name_col.unwrap_or(0))
                    ));
                    return None;
                }
            }
        };
        if let Some(r) = register {
            if !r.current.contains_key(&code) && !r.former.contains_key(&code) {
                notes.push(format!(
                    "{}: {code} `{name}` is not a code the register knows; row left out",
                    self.at(i, code_col.or(name_col).unwrap_or(0))
                ));
                return None;
            }
        }
        Some(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(toml_text: &str) -> TableDef {
        toml::from_str(toml_text).unwrap()
    }

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid::of_rows(
            Some("Data".into()),
            rows.iter()
                .map(|r| {
                    r.iter()
                        .map(|c| match c.parse::<f64>() {
                            Ok(n) if !c.contains('-') => Cell::Number(n),
                            _ if c.is_empty() => Cell::Empty,
                            _ => Cell::Text((*c).into()),
                        })
                        .collect()
                })
                .collect(),
            Default::default(),
        )
    }

    #[test]
    fn years_are_read_from_headers() {
        assert_eq!(year_in_header("CORP 7 2019-20", "CORP 7 {year}"), Some(2019));
        assert_eq!(year_in_header("corp  7   2019/20", "CORP 7 {year}"), Some(2019));
        assert_eq!(year_in_header("CORP 7 Real 2019-20", "CORP 7 {year}"), None);
        assert_eq!(year_in_header("CORP 6a 2019-20", "CORP 6 {year}"), None);
        assert_eq!(year_in_header("Rate 2023-24 (%)", "Rate {year} (%)"), Some(2023));
    }

    #[test]
    fn a_wide_table_with_names_totals_markers_and_bad_cells() {
        let t = def(r#"
            id = "lgbf"
            name = "LGBF"
            file = "lgbf.csv"
            layout = "wide"
            name_column = "Local Authority"
            [[measure]]
            indicator = "ctax"
            column = "CORP 7 {year}"
        "#);
        let g = grid(&[
            &["Benchmarking data"],
            &["Local Authority", "CORP 7 2019-20", "CORP 7 2020-21", "Other 2020-21"],
            &["Argyll & Bute", "95.1", "*", "1"],
            &["Edinburgh City", "96", "95", "1"],
            &["Atlantis", "90", "91", "1"],
            &["Angus", "97.2", "n.a", "1"],
            &["Scotland", "95.8", "95.0", "1"],
        ]);
        let mut lookup = NameLookup::default();
        lookup.alias("Argyll and Bute", "S12000035");
        lookup.alias("Angus", "S12000041");
        let v = read_table(&t, &g, &lookup, None);
        let got: Vec<(String, i32, f64)> = v.values.iter().map(|x| (x.code.clone(), x.year, x.value)).collect();
        assert_eq!(got, [("S12000035".into(), 2019, 95.1), ("S12000041".into(), 2019, 97.2)]);
        let notes = v.notes.join("\n");
        assert!(notes.contains("Scotland is a row of totals, not councils"), "{notes}");
        assert!(
            notes.contains("row 4, column A (Local Authority): the council `Edinburgh City` has no code"),
            "{notes}"
        );
        assert!(notes.contains("`Atlantis` has no code"), "{notes}");
        assert!(
            notes.contains("lgbf.csv, sheet 'Data', row 6, column C (CORP 7 2020-21): `n.a` is not a number"),
            "{notes}"
        );
        assert!(!notes.contains("`*`"), "a known missing marker is no problem: {notes}");
    }

    #[test]
    fn a_long_table_with_codes_checked_against_the_register() {
        let t = def(r#"
            id = "oflog"
            name = "Oflog"
            file = "asc.csv"
            layout = "long"
            code_column = "Local authority code"
            name_column = "Local authority name"
            year_column = "Financial year"
            measure_column = "Measure"
            value_column = "Value"
            [[measure]]
            indicator = "turnover"
            name = "Workforce turnover rate"
            scale = 100
        "#);
        let g = grid(&[
            &["Financial year", "Local authority code", "Local authority name", "Measure", "Value"],
            &["2022-23", "E07000143", "Breckland", "Workforce turnover rate", "0.25"],
            &["2022-23", "E07000143", "Breckland", "Workforce turnover rate", "0.30"],
            &["2022-23", "E07999999", "Nowhere", "Workforce turnover rate", "0.2"],
            &["2017-18", "E07000206", "Waveney", "Workforce turnover rate", "0.2"],
            &["2022-23", "E92000001", "England", "Workforce turnover rate", "0.2"],
            &["2022-23", "E07000143", "Breckland", "Something else", "7"],
            &["sometime", "E07000143", "Breckland", "Workforce turnover rate", "0.1"],
        ]);
        let register = Register::from_csv(
            b"gss-code,official-name,current-authority,end-date,replaced-by,former-gss-codes\n\
              E07000143,Breckland Council,True,,,\n\
              E07000244,East Suffolk Council,True,,,E07000206\n",
        )
        .unwrap();
        let v = read_table(&t, &g, &NameLookup::default(), Some(&register));
        let got: Vec<(&str, i32, f64)> = v.values.iter().map(|x| (x.code.as_str(), x.year, x.value)).collect();
        assert_eq!(
            got,
            [("E07000143", 2022, 25.0), ("E07000206", 2017, 20.0)],
            "abolished Waveney keeps its 2017/18 figure"
        );
        let notes = v.notes.join("\n");
        assert!(
            notes.contains("row 3, column E (Value): a second turnover figure for E07000143 in 2022/23"),
            "{notes}"
        );
        assert!(notes.contains("E07999999 `Nowhere` is not a code the register knows; row left out"), "{notes}");
        assert!(notes.contains("England is a row of totals"), "{notes}");
        assert!(notes.contains("`sometime` is not a financial year"), "{notes}");
    }
}
