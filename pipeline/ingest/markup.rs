//! Extracts that older revenues, benefits and HR systems save with an `.xls` name but that
//! are really markup: an HTML page holding the report as a table, or an Excel 2003 XML
//! spreadsheet (SpreadsheetML). Both are read into the same grids as any workbook, within
//! the same limits (the file-size limit before reading, `max_cells` while reading).
//!
//! HTML is parsed by html5ever (through `scraper`), as a browser would, so badly formed
//! pages read as Excel shows them. Every `<table>` becomes a grid, with the text that stands
//! before it in the page ("Report run on 31/10/2025") as title rows above it; merged cells
//! (`colspan`, `rowspan`) hold their text in the first cell, as in a workbook. SpreadsheetML
//! is read with a streaming XML parser that expands no entities, so it cannot be made to
//! grow.

use super::grid::{Budget, Cell, Collector, DateSystem, Grid};
use super::{IngestError, Unreadable};
use chrono::NaiveDate;

/// Text collapsed as a browser shows it: runs of white space (non-breaking spaces too)
/// become one space, and the ends are trimmed.
fn collapse(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '\u{a0}').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

fn text_cell(s: &str) -> Cell {
    let t = collapse(s);
    if t.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(t.as_str().into())
    }
}

/// Every table of an HTML page as a grid, each with the page's text before it as title rows.
pub(super) fn read_html(name: &str, bytes: &[u8], budget: &Budget) -> Result<Vec<Grid>, IngestError> {
    use scraper::{ElementRef, Html, Node};
    let text = super::decode_text(bytes);
    let page = Html::parse_document(&text);
    let fail = |why: String| IngestError::new(name, Unreadable::Refused(why));
    let mut grids = Vec::new();
    // Lines of text met so far outside tables, in document order (the title rows of the
    // next table).
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut stack = vec![page.tree.root()];
    while let Some(node) = stack.pop() {
        match node.value() {
            Node::Text(t) => line.push_str(t),
            Node::Element(e) if e.name() == "table" => {
                if !collapse(&line).is_empty() {
                    lines.push(collapse(&line));
                }
                line.clear();
                let table = ElementRef::wrap(node).expect("an element");
                let n = grids.len() + 1;
                let grid = read_table(table, &lines, budget, format!("table {n} of the web page"))
                    .map_err(|e| fail(format!("table {n}: {e}")))?;
                grids.push(grid);
                // The page's text before the next table starts again after this one.
                lines.clear();
                continue;
            }
            Node::Element(e) if matches!(e.name(), "script" | "style" | "head") => continue,
            // A block element or a line break ends a line of text.
            Node::Element(e)
                if matches!(
                    e.name(),
                    "p" | "div" | "br" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "li" | "tr" | "pre"
                ) && !collapse(&line).is_empty() =>
            {
                lines.push(collapse(&line));
                line.clear();
            }
            _ => {}
        }
        let children: Vec<_> = node.children().collect();
        stack.extend(children.into_iter().rev());
    }
    if grids.is_empty() {
        return Err(fail("the web page holds no table to read".into()));
    }
    Ok(grids)
}

/// The rows of one table (its own, not those of tables inside its cells), below `titles`.
fn read_table(
    table: scraper::ElementRef,
    titles: &[String],
    budget: &Budget,
    sheet: String,
) -> Result<Grid, Unreadable> {
    use scraper::ElementRef;
    let mut c = Collector::new(budget);
    for (i, t) in titles.iter().enumerate() {
        c.put(i as u32, 0, text_cell(t))?;
    }
    let mut r = titles.len() as u32;
    if !titles.is_empty() {
        r += 1; // a blank row between the titles and the table, as exports have
    }
    // Cells taken by a `rowspan` from a row above: (row, column).
    let mut taken: std::collections::HashSet<(u32, u32)> = Default::default();
    let rows = table.children().filter_map(ElementRef::wrap).flat_map(|child| match child.value().name() {
        "tr" => vec![child],
        "thead" | "tbody" | "tfoot" => {
            child.children().filter_map(ElementRef::wrap).filter(|x| x.value().name() == "tr").collect()
        }
        _ => Vec::new(),
    });
    for tr in rows {
        let mut col = 0u32;
        for cell in tr.children().filter_map(ElementRef::wrap).filter(|x| matches!(x.value().name(), "td" | "th")) {
            while taken.contains(&(r, col)) {
                col += 1;
            }
            let span = |attr: &str| {
                cell.value().attr(attr).and_then(|v| v.trim().parse::<u32>().ok()).unwrap_or(1).clamp(1, 1000)
            };
            let (across, down) = (span("colspan"), span("rowspan"));
            // The cells a span covers count against the file's budget, as cells do.
            budget.take(((across * down) as usize).saturating_sub(1))?;
            let text: String = cell.text().collect();
            c.put(r, col, text_cell(&text))?;
            for dr in 1..down {
                for dc in 0..across {
                    taken.insert((r + dr, col + dc));
                }
            }
            col += across;
        }
        r += 1;
    }
    Ok(c.grid(sheet, DateSystem::Excel1900))
}

/// The value of an attribute, by its local name (`ss:Index` is `Index`).
fn attr(e: &quick_xml::events::BytesStart, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
}

/// A 1-based `ss:Index` attribute as a 0-based position.
fn index(e: &quick_xml::events::BytesStart) -> Option<u32> {
    attr(e, "Index").and_then(|v| v.trim().parse::<u32>().ok()).map(|i| i.saturating_sub(1))
}

/// Where the reader is in a SpreadsheetML document.
struct Sheets<'b> {
    grids: Vec<Grid>,
    sheet: Option<(String, Collector<'b>)>,
    row: u32,
    col: u32,
    merge_across: u32,
    /// The `<Data>` being read: its type and text.
    data: Option<(String, String)>,
    budget: &'b Budget,
}

impl Sheets<'_> {
    fn start(&mut self, e: &quick_xml::events::BytesStart) {
        match e.local_name().as_ref() {
            "Worksheet" => {
                let n = self.grids.len() + 1;
                let name = attr(e, "Name").unwrap_or_else(|| format!("Sheet{n}"));
                self.sheet = Some((name, Collector::new(self.budget)));
                self.row = 0;
            }
            "Row" => {
                self.row = index(e).unwrap_or(self.row);
                self.col = 0;
            }
            "Cell" => {
                self.col = index(e).unwrap_or(self.col);
                self.merge_across = attr(e, "MergeAcross").and_then(|v| v.trim().parse().ok()).unwrap_or(0);
            }
            "Data" => self.data = Some((attr(e, "Type").unwrap_or_default(), String::new())),
            _ => {}
        }
    }

    /// A fault in the sheet being read, named with the file and that sheet.
    fn located(&self, file: &str, why: Unreadable) -> IngestError {
        match &self.sheet {
            Some((sheet, _)) => IngestError::in_sheet(file, sheet, why),
            None => IngestError::new(file, why),
        }
    }

    fn end(&mut self, local: &str) -> Result<(), Unreadable> {
        match local {
            "Data" => {
                if let (Some((kind, value)), Some((_, c))) = (self.data.take(), self.sheet.as_mut()) {
                    c.put(self.row, self.col, typed_cell(&kind, &value))?;
                }
            }
            "Cell" => self.col += 1 + self.merge_across,
            "Row" => self.row += 1,
            "Worksheet" => {
                if let Some((name, c)) = self.sheet.take() {
                    self.grids.push(c.grid(name, DateSystem::Excel1900));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn text(&mut self, s: &str) {
        if let Some((_, t)) = &mut self.data {
            t.push_str(s);
        }
    }
}

/// Every worksheet of an Excel 2003 XML spreadsheet as a grid.
pub(super) fn read_spreadsheet_xml(name: &str, bytes: &[u8], budget: &Budget) -> Result<Vec<Grid>, IngestError> {
    use quick_xml::events::Event;
    let text = super::decode_text(bytes);
    let mut reader = quick_xml::Reader::from_str(&text);
    let fail = |why: String| IngestError::new(name, Unreadable::Refused(why));
    let mut at = Sheets { grids: Vec::new(), sheet: None, row: 0, col: 0, merge_across: 0, data: None, budget };
    loop {
        let event = reader.read_event().map_err(|e| {
            fail(format!("the Excel 2003 XML spreadsheet is damaged near byte {}: {e}", reader.buffer_position()))
        })?;
        match event {
            Event::Start(e) => at.start(&e),
            Event::Empty(e) => {
                // `<Cell ss:Index="3"/>`, `<Row/>`: a start and its end at once.
                at.start(&e);
                at.end(e.local_name().as_ref()).map_err(|why| at.located(name, why))?;
            }
            Event::End(e) => at.end(e.local_name().as_ref()).map_err(|why| at.located(name, why))?,
            Event::Text(t) => at.text(&t.xml10_content()),
            Event::CData(t) => at.text(&t.into_inner()),
            // Character references and the five predefined entities only: nothing else is
            // expanded, so the document cannot be made to grow.
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match r.into_inner().as_ref() {
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "amp" => Some('&'),
                        "apos" => Some('\''),
                        "quot" => Some('"'),
                        _ => None,
                    },
                };
                if let Some(c) = ch {
                    at.text(c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if at.grids.is_empty() {
        return Err(fail("the Excel 2003 XML spreadsheet holds no worksheet".into()));
    }
    Ok(at.grids)
}

/// A SpreadsheetML `<Data ss:Type=..>` value as a cell.
fn typed_cell(kind: &str, value: &str) -> Cell {
    match kind {
        "Number" => value.trim().parse::<f64>().map(Cell::Number).unwrap_or_else(|_| text_cell(value)),
        "Boolean" => Cell::Bool(value.trim() == "1"),
        "DateTime" => NaiveDate::parse_from_str(value.trim().get(..10).unwrap_or(value.trim()), "%Y-%m-%d")
            .map(Cell::Date)
            .unwrap_or_else(|_| text_cell(value)),
        "Error" => Cell::Error(value.trim().to_string()),
        _ if value.is_empty() => Cell::Empty,
        _ => Cell::Text(value.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(max_cells: usize) -> Budget {
        Budget::new(&crate::config::Limits { max_cells, ..Default::default() })
    }

    fn text_of(g: &Grid) -> Vec<Vec<String>> {
        g.rows.iter().map(|r| r.iter().map(Cell::display).collect()).collect()
    }

    #[test]
    fn html_tables_with_their_titles_spans_and_nested_tables() {
        let page = "<html><head><title>x</title><style>p{}</style></head><body>\
            <h1>Revenues  account\n extract</h1><p>Report run on&nbsp;31/10/2025</p>\
            <table><tr><th>Council</th><th>Debit</th><th>Paid</th></tr>\
            <tr><td rowspan=2>Fenland</td><td>£1,234.50</td><td>(12.00)</td></tr>\
            <tr><td>10</td><td><table><tr><td>inner</td></tr></table></td></tr>\
            <tr><td colspan=2>Total</td><td>1,222.50</td></tr></table>\
            <p>Second report</p><table><tr><td>a</td></tr></table></body></html>";
        let grids = read_html("r.xls", page.as_bytes(), &budget(1000)).unwrap();
        assert_eq!(grids.len(), 2);
        let first = text_of(&grids[0]);
        assert_eq!(first[0], ["Revenues account extract"]);
        assert_eq!(first[1], ["Report run on 31/10/2025"]);
        assert!(first[2].iter().all(String::is_empty), "a blank row under the titles");
        assert_eq!(first[3], ["Council", "Debit", "Paid"]);
        assert_eq!(first[4], ["Fenland", "£1,234.50", "(12.00)"]);
        assert_eq!(
            first[5],
            ["", "10", "inner"],
            "the rowspan's cell stays taken; the inner table's text is the cell's"
        );
        assert_eq!(first[6], ["Total", "", "1,222.50"], "a colspan leaves its other cells empty");
        assert_eq!(grids[0].sheet.as_deref(), Some("table 1 of the web page"));
        assert_eq!(text_of(&grids[1])[0], ["Second report"], "each table has the text just before it");
        let none = read_html("x.xls", b"<html><body><p>no table</p></body></html>", &budget(1000)).unwrap_err();
        assert!(none.to_string().contains("no table"), "{}", none);
        let big = format!("<table>{}</table>", "<tr><td>1</td><td>2</td></tr>".repeat(100));
        assert!(read_html("big.xls", big.as_bytes(), &budget(50))
            .unwrap_err()
            .to_string()
            .contains("limit of 50 cells"));
    }

    #[test]
    fn spreadsheet_xml_cells_indexes_merges_and_no_entity_expansion() {
        let xml = r#"<?xml version="1.0"?>
<!DOCTYPE Workbook [<!ENTITY lol "lollollollollol">]>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="Items">
  <Table>
   <Row><Cell ss:MergeAcross="2"><Data ss:Type="String">Title &amp; more &#163;</Data></Cell><Cell><Data ss:Type="String">&lol;x</Data></Cell></Row>
   <Row ss:Index="3"><Cell><Data ss:Type="Number">1234.5</Data></Cell><Cell ss:Index="3"><Data ss:Type="DateTime">2025-10-31T00:00:00.000</Data></Cell><Cell/><Cell><Data ss:Type="Boolean">1</Data></Cell></Row>
  </Table>
 </Worksheet>
 <Worksheet ss:Name="Second"><Table><Row><Cell><Data ss:Type="String">b</Data></Cell></Row></Table></Worksheet>
</Workbook>"#;
        let grids = read_spreadsheet_xml("x.xls", xml.as_bytes(), &budget(1000)).unwrap();
        assert_eq!(grids.len(), 2);
        assert_eq!(grids[0].sheet.as_deref(), Some("Items"));
        let g = &grids[0];
        assert_eq!(*g.cell(0, 0), Cell::Text("Title & more £".into()));
        assert_eq!(*g.cell(0, 3), Cell::Text("x".into()), "after a merge of three; the custom entity is not expanded");
        assert_eq!(*g.cell(2, 0), Cell::Number(1234.5), "ss:Index on a row skips to row 3");
        assert_eq!(*g.cell(2, 2), Cell::Date(NaiveDate::from_ymd_opt(2025, 10, 31).unwrap()));
        assert_eq!(*g.cell(2, 4), Cell::Bool(true), "an empty <Cell/> takes its place");
        // A date whose tenth byte falls inside a character is text, not a panic.
        let odd = r#"<Workbook><Worksheet><Table><Row><Cell><Data ss:Type="DateTime">2025-01-0€5</Data></Cell></Row></Table></Worksheet></Workbook>"#;
        let g = read_spreadsheet_xml("x.xls", odd.as_bytes(), &budget(1000)).unwrap();
        assert_eq!(*g[0].cell(0, 0), Cell::Text("2025-01-0€5".into()));
        let broken = read_spreadsheet_xml("x.xls", b"<Workbook><Worksheet></Table>", &budget(1000)).unwrap_err();
        assert!(broken.to_string().contains("damaged") || broken.to_string().contains("no worksheet"), "{}", broken);
    }
}
