//! The demo's comparator data: a register of the councils it names, illustrative
//! nearest-neighbour lists, and two published-style tables (one wide, one long) of synthetic
//! figures for real East of England councils.
//!
//! The councils' codes and names are real; every figure is made up. The files carry the
//! faults real ones do, so that the demo report shows how they are handled: total rows
//! (England, the region), a council named without its code, suppressed cells, one cell that is
//! not a number, a list still naming a council abolished in 2019 and a list naming a council
//! twice. The partners' own cells are left blank after 2022/23: the scorecard supplies those.

use std::fmt::Write as _;

/// `benchmarks.toml` of the demo project.
pub const DEMO_BENCHMARKS: &str = include_str!("benchmarks.toml");

/// Current councils named in the demo's tables: GSS code, official name, short name.
const COUNCILS: [(&str, &str, &str); 40] = [
    ("E07000143", "Breckland District Council", "Breckland"),
    ("E07000244", "East Suffolk Council", "East Suffolk"),
    ("E07000010", "Fenland District Council", "Fenland"),
    ("E07000200", "Babergh District Council", "Babergh"),
    ("E07000066", "Basildon Borough Council", "Basildon"),
    ("E07000067", "Braintree District Council", "Braintree"),
    ("E07000144", "Broadland District Council", "Broadland"),
    ("E07000068", "Brentwood Borough Council", "Brentwood"),
    ("E07000095", "Broxbourne Borough Council", "Broxbourne"),
    ("E07000008", "Cambridge City Council", "Cambridge"),
    ("E07000069", "Castle Point Borough Council", "Castle Point"),
    ("E07000070", "Chelmsford City Council", "Chelmsford"),
    ("E07000071", "Colchester Borough Council", "Colchester"),
    ("E07000096", "Dacorum Borough Council", "Dacorum"),
    ("E07000009", "East Cambridgeshire District Council", "East Cambridgeshire"),
    ("E07000242", "East Hertfordshire District Council", "East Hertfordshire"),
    ("E07000072", "Epping Forest District Council", "Epping Forest"),
    ("E07000145", "Great Yarmouth Borough Council", "Great Yarmouth"),
    ("E07000073", "Harlow District Council", "Harlow"),
    ("E07000098", "Hertsmere Borough Council", "Hertsmere"),
    ("E07000011", "Huntingdonshire District Council", "Huntingdonshire"),
    ("E07000202", "Ipswich Borough Council", "Ipswich"),
    ("E07000146", "Borough Council of Kings Lynn and West Norfolk", "Kings Lynn and West Norfolk"),
    ("E07000074", "Maldon District Council", "Maldon"),
    ("E07000203", "Mid Suffolk District Council", "Mid Suffolk"),
    ("E07000099", "North Hertfordshire District Council", "North Hertfordshire"),
    ("E07000147", "North Norfolk District Council", "North Norfolk"),
    ("E07000148", "Norwich City Council", "Norwich"),
    ("E07000075", "Rochford District Council", "Rochford"),
    ("E07000012", "South Cambridgeshire District Council", "South Cambridgeshire"),
    ("E07000149", "South Norfolk District Council", "South Norfolk"),
    ("E07000076", "Tendring District Council", "Tendring"),
    ("E07000077", "Uttlesford District Council", "Uttlesford"),
    ("E07000245", "West Suffolk Council", "West Suffolk"),
    ("E06000055", "Bedford Borough Council", "Bedford"),
    ("E06000056", "Central Bedfordshire Council", "Central Bedfordshire"),
    ("E06000032", "Luton Borough Council", "Luton"),
    ("E06000031", "Peterborough City Council", "Peterborough"),
    ("E06000033", "Southend-on-Sea Borough Council", "Southend-on-Sea"),
    ("E06000034", "Thurrock Council", "Thurrock"),
];

/// Councils abolished on 31 March 2019 when Suffolk's districts merged: code, name, successor.
const ABOLISHED: [(&str, &str, &str); 4] = [
    ("E07000201", "Forest Heath District Council", "E07000245"),
    ("E07000204", "St Edmundsbury Borough Council", "E07000245"),
    ("E07000205", "Suffolk Coastal District Council", "E07000244"),
    ("E07000206", "Waveney District Council", "E07000244"),
];

/// The partners of the demo.
const PARTNERS: [&str; 3] = ["E07000143", "E07000244", "E07000010"];

/// Financial years the tables cover (first calendar year): published a year behind the
/// demo's latest year, as real tables are.
const YEARS: [i32; 3] = [2022, 2023, 2024];

/// A measure of the demo tables: typical value, spread, decimals.
struct Spec {
    centre: f64,
    spread: f64,
    decimals: usize,
}

const CTAX: Spec = Spec { centre: 97.0, spread: 1.1, decimals: 1 };
const NNDR: Spec = Spec { centre: 97.4, spread: 1.6, decimals: 1 };
const NEW_CLAIMS: Spec = Spec { centre: 18.5, spread: 4.0, decimals: 1 };
const COST: Spec = Spec { centre: 285.0, spread: 22.0, decimals: 2 };

fn draw(rng: &mut fastrand::Rng, s: &Spec) -> String {
    // The mean of three uniform draws: roughly bell-shaped, bounded.
    let u = (rng.f64() + rng.f64() + rng.f64()) / 3.0 - 0.5;
    format!("{:.*}", s.decimals, s.centre + 2.0 * s.spread * u * 1.7)
}

fn year_label(y: i32) -> String {
    format!("{y}-{:02}", (y + 1) % 100)
}

/// The register, in the layout of mySociety's `uk_local_authorities_current.csv` (the columns
/// the pipeline reads).
pub fn register_csv() -> String {
    let mut s =
        String::from("gss-code,official-name,nice-name,current-authority,end-date,replaced-by,former-gss-codes\n");
    for (code, name, nice) in COUNCILS {
        let former: Vec<&str> = ABOLISHED.iter().filter(|a| a.2 == code).map(|a| a.0).collect();
        writeln!(s, "{code},{name},{nice},True,,,\"{}\"", former.join(",")).expect("write to string");
    }
    for (code, name, by) in ABOLISHED {
        writeln!(s, "{code},{name},,False,2019-03-31,{by},").expect("write to string");
    }
    s
}

/// Illustrative nearest-neighbour lists (not CIPFA's), in the JSON layout CIPFA and Oflog
/// lists are published in: each partner and fifteen comparators.
pub fn nearest_neighbours_json() -> String {
    let lists: [(&str, [&str; 16]); 3] = [
        (
            "E07000143",
            [
                "E07000143",
                "E07000146",
                "E07000147",
                "E07000149",
                "E07000144",
                "E07000010",
                "E07000009",
                "E07000203",
                "E07000200",
                "E07000245",
                "E07000011",
                "E07000077",
                "E07000074",
                "E07000145",
                "E07000076",
                "E07000067",
            ],
        ),
        (
            // Still naming Waveney, merged into East Suffolk in 2019.
            "E07000244",
            [
                "E07000244",
                "E07000206",
                "E07000245",
                "E07000147",
                "E07000145",
                "E07000076",
                "E07000146",
                "E07000149",
                "E07000144",
                "E07000143",
                "E07000203",
                "E07000200",
                "E07000067",
                "E07000071",
                "E07000011",
                "E07000202",
            ],
        ),
        (
            // Naming King's Lynn and West Norfolk twice.
            "E07000010",
            [
                "E07000010",
                "E07000146",
                "E07000009",
                "E07000011",
                "E07000143",
                "E07000145",
                "E07000146",
                "E07000147",
                "E07000076",
                "E07000012",
                "E07000203",
                "E07000200",
                "E07000074",
                "E07000149",
                "E07000077",
                "E07000245",
            ],
        ),
    ];
    let body: Vec<String> = lists
        .iter()
        .map(|(owner, list)| {
            let items: Vec<String> = list.iter().map(|c| format!("\"{c}\"")).collect();
            format!("  \"{owner}\": [{}]", items.join(", "))
        })
        .collect();
    format!("{{\n{}\n}}\n", body.join(",\n"))
}

/// A council's cell: blank for a partner after 2022/23 (the scorecard has its own figure).
fn cell(rng: &mut fastrand::Rng, code: &str, year: i32, spec: &Spec) -> String {
    let v = draw(rng, spec);
    if PARTNERS.contains(&code) && year > YEARS[0] {
        String::new()
    } else {
        v
    }
}

/// Collection rates, wide: one column per measure and year, in the manner of MHCLG's
/// collection-rate tables.
pub fn collection_rates_csv(seed: u64) -> String {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0xC011);
    let mut s = String::from(
        "Collection rates for council tax and non-domestic rates: SYNTHETIC demo figures for real councils\n\
         Rates are in-year receipts as a percentage of the net collectable debit. [x] = not available.\n\n",
    );
    let mut header = vec!["ONS code".to_string(), "Authority".to_string(), "Class".to_string()];
    for m in ["Council tax collection rate", "NNDR collection rate"] {
        header.extend(YEARS.iter().map(|y| format!("{m} {} (%)", year_label(*y))));
    }
    writeln!(s, "{}", header.join(",")).expect("write to string");
    writeln!(s, "E92000001,England,Total,96.0,95.9,95.8,97.0,96.9,96.6").expect("write to string");
    writeln!(s, "E12000006,East of England,Region,96.9,96.8,96.8,97.4,97.3,97.1").expect("write to string");
    for (code, _, nice) in COUNCILS {
        let mut row = vec![code.to_string(), nice.to_string(), code[..3].replace("E06", "UA").replace("E07", "SD")];
        for spec in [&CTAX, &NNDR] {
            row.extend(YEARS.iter().map(|y| cell(&mut rng, code, *y, spec)));
        }
        match code {
            // Named without its code, and with an ampersand, as some tables do.
            "E07000146" => {
                row[0] = String::new();
                row[1] = "King's Lynn & West Norfolk".into();
            }
            "E07000098" => row[4] = "[x]".into(),
            "E07000077" => row[7] = "96.8 (p)".into(),
            _ => {}
        }
        writeln!(s, "{}", row.join(",")).expect("write to string");
    }
    s
}

/// Benefit processing and collection costs, long: one row per council, year and measure.
pub fn costs_and_processing_csv(seed: u64) -> String {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0xC057);
    let mut s = String::from("Financial year,Local authority code,Local authority name,Measure,Value\n");
    for y in YEARS {
        for (code, _, nice) in COUNCILS {
            for (measure, spec) in [
                ("Housing Benefit new claims: average days to process", &NEW_CLAIMS),
                ("Cost of collecting council tax per dwelling (GBP)", &COST),
            ] {
                let v = cell(&mut rng, code, y, spec);
                if !v.is_empty() {
                    writeln!(s, "{},{code},{nice},{measure},{v}", year_label(y)).expect("write to string");
                }
            }
        }
        writeln!(
            s,
            "{},E12000006,East of England,Cost of collecting council tax per dwelling (GBP),284.10",
            year_label(y)
        )
        .expect("write to string");
    }
    s
}

/// The demo's comparator files: path in the project, contents.
pub fn files(seed: u64) -> Vec<(&'static str, String)> {
    vec![
        ("benchmarks.toml", DEMO_BENCHMARKS.to_string()),
        ("benchmarks/local_authorities.csv", register_csv()),
        ("benchmarks/nearest_neighbours.json", nearest_neighbours_json()),
        ("benchmarks/collection_rates.csv", collection_rates_csv(seed)),
        ("benchmarks/costs_and_processing.csv", costs_and_processing_csv(seed)),
    ]
}
