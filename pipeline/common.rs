//! Helpers every stage uses, at the bottom of the data flow (they import nothing of the
//! project): loose matching of headers and names, decoding text files, fingerprints, and the
//! settling of sums.

use sha2::{Digest, Sha256};

/// Normalises a header or name for loose matching: lower case, letters and digits only.
pub fn normalise_header(s: &str) -> String {
    normalised(s).collect()
}

/// The characters of [`normalise_header`], without allocating.
pub fn normalised(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase)
}

/// True if the normalised form of `s` begins with `prefix` (itself normalised).
pub fn normalised_starts_with(s: &str, prefix: &str) -> bool {
    // Most texts differ at their first letter or digit: an ASCII one settles it unlowered.
    let first = s.bytes().find(|b| !b.is_ascii() || b.is_ascii_alphanumeric());
    if let (Some(b), Some(p)) = (first, prefix.chars().next()) {
        if b.is_ascii() && char::from(b.to_ascii_lowercase()) != p {
            return false;
        }
    }
    let mut n = normalised(s);
    prefix.chars().all(|p| n.next() == Some(p))
}

/// `n` copies of `value`, each written as the vector is made. `vec![zero; n]` asks for
/// zeroed memory, which for a large vector is fresh pages, not yet there: a fresh page read
/// before it is written is the kernel's shared zero page, and its first write then stops
/// every core to flush its address cache (one interrupt a 4 KB page; on two cores a third of
/// a check's time over a million rows). A large vector that is read before it is written
/// (`+=`, or tested then set) is made with this.
pub fn written_vec<T: Clone>(value: T, n: usize) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    v.resize(n, value);
    v
}

/// Rows of a large table looked at together by one core when a step reads every row.
pub const ROW_PIECE: usize = 65_536;

/// `rows` cut at multiples of [`ROW_PIECE`], in order, to be read on all cores.
pub fn row_pieces(
    rows: std::ops::Range<usize>,
) -> impl rayon::iter::IndexedParallelIterator<Item = std::ops::Range<usize>> {
    use rayon::prelude::*;
    (rows.start / ROW_PIECE..rows.end.div_ceil(ROW_PIECE))
        .into_par_iter()
        .map(move |p| (p * ROW_PIECE).max(rows.start)..((p + 1) * ROW_PIECE).min(rows.end))
}

/// Decodes text as UTF-8 (with or without a byte-order mark) or, failing that, Windows-1252.
pub fn decode_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0,
    }
}

/// SHA-256 of a file's bytes, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A sum rounded to a millionth (a thousandth above a billion, to stay within f64's exact
/// integers). Polars adds a column's values in parallel, in an order that can change from run
/// to run, so the last bits of a sum can differ; sums of figures given to a few decimal places
/// lie far from the rounding points, so settled sums are the same every run.
pub fn settle(x: f64) -> f64 {
    let scale = if x.abs() < 1e9 { 1e6 } else { 1e3 };
    (x * scale).round() / scale
}

/// `1234567.891` with 2 decimals -> `1,234,567.89`.
pub fn thousands(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').map(|(i, f)| (i.to_string(), Some(f.to_string()))).unwrap_or((s.clone(), None));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_with_after_normalising_whatever_the_first_character() {
        for (s, yes) in [
            ("Total", true),
            ("  TOTAL: 1,234", true),
            ("-- total --", true),
            ("Totals", true),
            ("E07000143", false),
            ("1 Total", false),
            ("Tot", false),
            ("", false),
            ("Ｔotal", false),
            ("Éotal", false),
            ("…total", true),
        ] {
            assert_eq!(normalised_starts_with(s, "total"), yes, "{s:?}");
            assert_eq!(normalised_starts_with(s, "total"), normalise_header(s).starts_with("total"), "{s:?}");
        }
        assert!(normalised_starts_with("Grand Total", "grandtotal"));
        assert!(normalised_starts_with("anything", ""));
    }

    #[test]
    fn normalise_ignores_case_space_punctuation() {
        assert_eq!(normalise_header(" Net Collectable Debit (£) "), "netcollectabledebit");
        assert_eq!(normalise_header("Account_Ref."), "accountref");
    }

    #[test]
    fn sha256_is_hex() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn decodes_bom_and_windows_1252() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFa,b"), "a,b");
        assert_eq!(decode_text(b"\xA3100"), "£100");
    }
}
