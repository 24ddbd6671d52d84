//! Property tests (proptest) across stages: for any rows, rows read = accepted + rejected; RAG
//! status never gets better as a value gets worse; partnership figures are the partners'
//! sums, never averages of their rates.

use crate::config::{Polarity, Tolerance};
use crate::indicators::rag::judge;
use crate::indicators::{Rag, ALL};
use crate::testing::{checked, date, project};
use proptest::prelude::*;

const HEADER: [&str; 8] = [
    "Council",
    "Tax Type",
    "Account Reference",
    "Liability Year",
    "Net Debit",
    "Collected",
    "Recovery Stage",
    "Payment Method",
];

/// A cell that is sometimes right, sometimes wrong in the ways extracts are.
pub(crate) fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Breckland".to_string()),
        Just("CTAX".to_string()),
        Just("2025/26".to_string()),
        Just("1,234.50".to_string()),
        Just("(12.00)".to_string()),
        Just(String::new()),
        Just("[x]".to_string()),
        Just("=SUM(A1)".to_string()),
        "[a-zA-Z0-9 £%/.,-]{0,12}",
        any::<f64>().prop_map(|f| f.to_string()),
    ]
}

/// How bad a status is: Blue 0, Green 1, Amber 2, Red 3.
fn badness(r: Rag) -> u8 {
    match r {
        Rag::Blue => 0,
        Rag::Green => 1,
        Rag::Amber => 2,
        Rag::Red => 3,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_row_read_is_accepted_or_rejected(rows in prop::collection::vec(prop::collection::vec(cell(), 8), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let rows: Vec<Vec<&str>> = rows.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
        let x = checked(&p, "revenues", date("2026-03-31"), &HEADER, &rows);
        prop_assert_eq!(x.rows_read, x.rows_accepted + x.rows_rejected);
        prop_assert!(x.rows_read <= rows.len());
    }

    #[test]
    fn rag_never_improves_as_the_value_gets_worse(
        target in 0.1f64..1000.0,
        green in 0.0f64..5.0,
        amber_more in 0.0f64..10.0,
        blue in prop::option::of(0.0f64..10.0),
        absolute in any::<bool>(),
        higher in any::<bool>(),
        a in -100.0f64..2000.0,
        b in -100.0f64..2000.0,
    ) {
        let t = Tolerance { green, amber: green + amber_more, absolute, blue, blue_absolute: absolute };
        let polarity = if higher { Polarity::Higher } else { Polarity::Lower };
        // `better` is at least as good as `worse` by the polarity.
        let (better, worse) = match (higher, a >= b) {
            (true, true) | (false, false) => (a, b),
            _ => (b, a),
        };
        let (rb, rw) = (judge(better, target, polarity, &t), judge(worse, target, polarity, &t));
        prop_assert!(badness(rb) <= badness(rw), "{better} is {rb:?} but the worse {worse} is {rw:?}");
    }

    #[test]
    fn partnership_figures_are_the_partners_sums(
        accounts in prop::collection::vec((0usize..3, 100u32..5000, 0u32..=100), 3..60),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let names = ["Breckland", "East Suffolk", "Fenland"];
        // Every partner has at least one account, so the partnership's rate exists.
        let texts: Vec<[String; 8]> = accounts
            .iter()
            .enumerate()
            .map(|(i, (who, debit, pct))| {
                let who = if i < 3 { i } else { *who };
                let collected = f64::from(*debit) * f64::from(*pct) / 100.0;
                [
                    names[who].to_string(),
                    "CTAX".into(),
                    format!("CT{:07}", i + 1),
                    "2025/26".into(),
                    format!("{debit}.00"),
                    format!("{collected:.2}"),
                    "None".into(),
                    "Direct Debit".into(),
                ]
            })
            .collect();
        let rows: Vec<Vec<&str>> = texts.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
        let x = checked(&p, "revenues", date("2026-03-31"), &HEADER, &rows);
        prop_assert_eq!(x.rows_rejected, 0, "{:?}", x.verdict);
        let store_dir = tempfile::tempdir().unwrap();
        let mut store = crate::store::Store::open(store_dir.path()).unwrap();
        store.put(&x, date("2026-04-07")).unwrap();
        for id in ["ctax_collection_rate", "ctax_base_accounts"] {
            let def = p.indicators.iter().find(|d| d.id() == id).unwrap();
            let values = crate::indicators::compute_one(&p, def, &store, date("2026-04-07")).unwrap();
            let march: Vec<_> = values.iter().filter(|v| v.period.label() == "2025/26 M12").collect();
            let all = march.iter().find(|v| v.partner_code == ALL).expect("a partnership figure");
            let partners: Vec<_> = march.iter().filter(|v| v.partner_code != ALL).collect();
            prop_assert_eq!(partners.len(), 3);
            let sum = |f: fn(&crate::indicators::IndicatorValue) -> Option<f64>| partners.iter().map(|v| f(v).unwrap_or(0.0)).sum::<f64>();
            prop_assert!((all.numerator.unwrap() - sum(|v| v.numerator)).abs() < 1e-6, "{id} numerator");
            if let Some(d) = all.denominator {
                prop_assert!((d - sum(|v| v.denominator)).abs() < 1e-6, "{id} denominator");
            }
            if id == "ctax_base_accounts" {
                prop_assert_eq!(all.value.unwrap(), accounts.len() as f64);
            }
        }
    }
}
