//! The RAG rule: how far a value is from its target, judged by the indicator's polarity and
//! tolerances.

use crate::config::{Polarity, Tolerance};
use serde::Serialize;

/// Red, Amber, Green or Blue (exceeding) status against target, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Rag {
    Red,
    Amber,
    Green,
    Blue,
}

impl Rag {
    pub fn as_str(self) -> &'static str {
        match self {
            Rag::Red => "Red",
            Rag::Amber => "Amber",
            Rag::Green => "Green",
            Rag::Blue => "Blue",
        }
    }
}

/// Judges a value against a target.
///
/// The shortfall is how far the value falls short of the target in the direction of the
/// polarity: as a percentage of the target, or in the indicator's units when the tolerance
/// is absolute. At or within the green band it is Green (ARP: within 1% of target still
/// counts as Green), within the amber band Amber, further away Red; beating the target by
/// more than the blue margin is Blue. A zero target has no percentage: meeting it is Green,
/// missing it Red.
pub fn judge(value: f64, target: f64, polarity: Polarity, t: &Tolerance) -> Rag {
    let shortfall = match polarity {
        Polarity::Higher => target - value,
        Polarity::Lower => value - target,
        // Never given a target (see `figure`); were it, neither side is better.
        Polarity::Context => (value - target).abs(),
    };
    let in_basis = |x: f64, absolute: bool| {
        if absolute {
            Some(x)
        } else {
            (target != 0.0).then(|| x / target.abs() * 100.0)
        }
    };
    // A small epsilon keeps values printed as exactly on the boundary on the kinder side.
    if let (Some(blue), Some(ahead)) = (t.blue, in_basis(-shortfall, t.blue_absolute)) {
        if ahead > blue + 1e-9 {
            return Rag::Blue;
        }
    }
    let Some(gap) = in_basis(shortfall, t.absolute) else {
        return if shortfall <= 0.0 { Rag::Green } else { Rag::Red };
    };
    if gap <= t.green + 1e-9 {
        Rag::Green
    } else if gap <= t.amber + 1e-9 {
        Rag::Amber
    } else {
        Rag::Red
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(green: f64, amber: f64) -> Tolerance {
        Tolerance { green, amber, absolute: false, blue: None, blue_absolute: false }
    }

    #[test]
    fn absolute_bands_and_blue() {
        let days = Tolerance { green: 1.0, amber: 3.0, absolute: true, blue: Some(2.0), blue_absolute: true };
        assert_eq!(judge(20.9, 20.0, Polarity::Lower, &days), Rag::Green, "within a day");
        assert_eq!(judge(22.5, 20.0, Polarity::Lower, &days), Rag::Amber);
        assert_eq!(judge(23.5, 20.0, Polarity::Lower, &days), Rag::Red);
        assert_eq!(judge(18.0, 20.0, Polarity::Lower, &days), Rag::Green, "2 days ahead is not more than 2");
        assert_eq!(judge(17.5, 20.0, Polarity::Lower, &days), Rag::Blue);
        let rate = Tolerance { blue: Some(1.0), ..pct(1.0, 3.0) };
        assert_eq!(judge(98.5, 97.0, Polarity::Higher, &rate), Rag::Blue, "1.5% above target");
        assert_eq!(judge(97.5, 97.0, Polarity::Higher, &rate), Rag::Green);
    }

    #[test]
    fn higher_is_better() {
        assert_eq!(judge(97.0, 97.0, Polarity::Higher, &pct(1.0, 5.0)), Rag::Green);
        assert_eq!(judge(96.1, 97.0, Polarity::Higher, &pct(1.0, 5.0)), Rag::Green);
        assert_eq!(judge(95.0, 97.0, Polarity::Higher, &pct(1.0, 5.0)), Rag::Amber);
        assert_eq!(judge(90.0, 97.0, Polarity::Higher, &pct(1.0, 5.0)), Rag::Red);
        assert_eq!(judge(99.0, 97.0, Polarity::Higher, &pct(0.0, 5.0)), Rag::Green);
    }

    #[test]
    fn lower_is_better() {
        assert_eq!(judge(18.0, 20.0, Polarity::Lower, &pct(0.0, 10.0)), Rag::Green);
        assert_eq!(judge(21.0, 20.0, Polarity::Lower, &pct(0.0, 10.0)), Rag::Amber);
        assert_eq!(judge(23.0, 20.0, Polarity::Lower, &pct(0.0, 10.0)), Rag::Red);
        assert_eq!(judge(0.0, 0.0, Polarity::Lower, &pct(0.0, 10.0)), Rag::Green);
        assert_eq!(judge(1.0, 0.0, Polarity::Lower, &pct(0.0, 10.0)), Rag::Red);
    }

    #[test]
    fn monotonic_in_value() {
        for pol in [Polarity::Higher, Polarity::Lower] {
            let mut last = None;
            for i in 0..200 {
                let v = 80.0 + i as f64 * 0.1;
                let r = judge(v, 90.0, pol, &pct(1.0, 5.0));
                if let Some(prev) = last {
                    match pol {
                        Polarity::Higher => assert!(r >= prev),
                        Polarity::Lower => assert!(r <= prev),
                        Polarity::Context => unreachable!("not in the loop"),
                    }
                }
                last = Some(r);
            }
        }
    }
}
