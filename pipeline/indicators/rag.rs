//! The RAG rule: how far a value is from its target, judged by the indicator's polarity and
//! tolerances.

use crate::config::Polarity;
use serde::Serialize;

/// Red, Amber or Green status against target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Rag {
    Red,
    Amber,
    Green,
}

impl Rag {
    pub fn as_str(self) -> &'static str {
        match self {
            Rag::Red => "Red",
            Rag::Amber => "Amber",
            Rag::Green => "Green",
        }
    }
}

/// Judges a value against a target.
///
/// The shortfall is how far the value falls short of the target in the direction of the
/// polarity, as a percentage of the target. At or within `green_pct` it is Green (ARP: within
/// 1% of target still counts as Green), within `amber_pct` Amber, further away Red. A zero
/// target has no percentage: meeting it is Green, missing it Red.
pub fn judge(value: f64, target: f64, polarity: Polarity, green_pct: f64, amber_pct: f64) -> Rag {
    let shortfall = match polarity {
        Polarity::Higher => target - value,
        Polarity::Lower => value - target,
    };
    if target == 0.0 {
        return if shortfall <= 0.0 { Rag::Green } else { Rag::Red };
    }
    let pct = shortfall / target.abs() * 100.0;
    // A small epsilon keeps values printed as exactly on the boundary on the kinder side.
    if pct <= green_pct + 1e-9 {
        Rag::Green
    } else if pct <= amber_pct + 1e-9 {
        Rag::Amber
    } else {
        Rag::Red
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_is_better() {
        assert_eq!(judge(97.0, 97.0, Polarity::Higher, 1.0, 5.0), Rag::Green);
        assert_eq!(judge(96.1, 97.0, Polarity::Higher, 1.0, 5.0), Rag::Green);
        assert_eq!(judge(95.0, 97.0, Polarity::Higher, 1.0, 5.0), Rag::Amber);
        assert_eq!(judge(90.0, 97.0, Polarity::Higher, 1.0, 5.0), Rag::Red);
        assert_eq!(judge(99.0, 97.0, Polarity::Higher, 0.0, 5.0), Rag::Green);
    }

    #[test]
    fn lower_is_better() {
        assert_eq!(judge(18.0, 20.0, Polarity::Lower, 0.0, 10.0), Rag::Green);
        assert_eq!(judge(21.0, 20.0, Polarity::Lower, 0.0, 10.0), Rag::Amber);
        assert_eq!(judge(23.0, 20.0, Polarity::Lower, 0.0, 10.0), Rag::Red);
        assert_eq!(judge(0.0, 0.0, Polarity::Lower, 0.0, 10.0), Rag::Green);
        assert_eq!(judge(1.0, 0.0, Polarity::Lower, 0.0, 10.0), Rag::Red);
    }

    #[test]
    fn monotonic_in_value() {
        for pol in [Polarity::Higher, Polarity::Lower] {
            let mut last = None;
            for i in 0..200 {
                let v = 80.0 + i as f64 * 0.1;
                let r = judge(v, 90.0, pol, 1.0, 5.0);
                if let Some(prev) = last {
                    match pol {
                        Polarity::Higher => assert!(r >= prev),
                        Polarity::Lower => assert!(r <= prev),
                    }
                }
                last = Some(r);
            }
        }
    }
}
