//! Small numerical helpers: mean, median, the log-gamma function, the binomial quantile used by the
//! Anhøj crossings rule, and the c4/c5 constants of the Xbar and S charts.

/// Arithmetic mean; `None` for no values.
///
/// Computed as R does (a sum, then one correcting pass), with a compensated sum, so that a mean that is
/// exactly representable comes out exact. That matters: a point exactly on the centre line is treated
/// differently from one a rounding error away (it breaks a shift and is not a useful observation).
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let first = compensated_sum(values.iter().copied()) / n;
    let correction = compensated_sum(values.iter().map(|v| v - first)) / n;
    Some(first + correction)
}

/// Neumaier's compensated summation.
fn compensated_sum(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut compensation) = (0.0_f64, 0.0_f64);
    for v in values {
        let t = sum + v;
        if sum.abs() >= v.abs() {
            compensation += (sum - t) + v;
        } else {
            compensation += (v - t) + sum;
        }
        sum = t;
    }
    sum + compensation
}

/// Median (the average of the two middle values for an even count); `None` for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) { (sorted[mid - 1] + sorted[mid]) / 2.0 } else { sorted[mid] })
}

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9; relative error below 1e-14 in the range used).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection formula.
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The smallest k with P(X ≤ k) ≥ p for X ~ Binomial(trials, 1/2): R's `qbinom(p, trials, 0.5)`.
pub fn binomial_half_quantile(p: f64, trials: u64) -> u64 {
    // R compares against p with a relative fuzz of 64 machine epsilons; so do we.
    let target = p * (1.0 - 64.0 * f64::EPSILON);
    let n = trials as f64;
    let ln_half_n = n * 0.5_f64.ln();
    let mut cumulative = 0.0;
    for k in 0..=trials {
        let kf = k as f64;
        let ln_pmf = ln_gamma(n + 1.0) - ln_gamma(kf + 1.0) - ln_gamma(n - kf + 1.0) + ln_half_n;
        cumulative += ln_pmf.exp();
        if cumulative >= target {
            return k;
        }
    }
    trials
}

/// c4(n) = sqrt(2/(n-1)) Γ(n/2) / Γ((n-1)/2): the bias of the sample standard deviation.
pub fn c4(n: f64) -> f64 {
    (2.0 / (n - 1.0)).sqrt() * (ln_gamma(n / 2.0) - ln_gamma((n - 1.0) / 2.0)).exp()
}

/// c5(n) = sqrt(1 - c4(n)²).
pub fn c5(n: f64) -> f64 {
    (1.0 - c4(n).powi(2)).sqrt()
}

/// Sample standard deviation (n - 1 in the denominator); `None` below two values.
pub fn sample_sd(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values)?;
    let ss: f64 = values.iter().map(|v| (v - m).powi(2)).sum();
    Some((ss / (values.len() as f64 - 1.0)).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1.0)
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        // Γ(n) = (n-1)!, checked against exact integers; Γ(1/2) = √π.
        let mut factorial = 1.0_f64;
        for n in 1..30 {
            assert!(close(ln_gamma(f64::from(n)), factorial.ln(), 1e-13), "{n}");
            factorial *= f64::from(n);
        }
        assert!(close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-13));
    }

    #[test]
    fn binomial_quantiles_match_r() {
        // Values of qbinom(0.05, n, 0.5) from R, as tabulated for the Anhøj crossings rule
        // (Anhøj & Olesen 2014, table 1: minimum crossings for 10..=30 useful observations).
        let table = [
            (10, 2),
            (11, 2),
            (12, 3),
            (13, 3),
            (14, 4),
            (15, 4),
            (16, 4),
            (17, 5),
            (18, 5),
            (19, 6),
            (20, 6),
            (21, 6),
            (22, 7),
            (23, 7),
            (24, 8),
            (25, 8),
            (26, 8),
            (27, 9),
            (28, 9),
            (29, 10),
            (30, 10),
        ];
        for (n_useful, min_crossings) in table {
            assert_eq!(binomial_half_quantile(0.05, n_useful - 1), min_crossings, "n = {n_useful}");
        }
    }

    #[test]
    fn c4_matches_published_constants() {
        // ASTM / Montgomery table of control chart constants.
        for (n, expected) in [(2.0, 0.7979), (5.0, 0.9400), (10.0, 0.9727), (25.0, 0.9896)] {
            assert!((c4(n) - expected).abs() < 5e-5, "c4({n}) = {}", c4(n));
        }
    }

    #[test]
    fn means_that_are_exact_come_out_exact() {
        // Sequential summation gives 9.999999999999998 here; R's mean() gives exactly 10.
        let values = [
            10.0, 11.0, 9.0, 10.5, 9.5, 10.0, 11.0, 9.0, 10.0, 10.5, 9.5, 10.2, 8.6, 9.1, 9.9, 10.4, 10.8, 11.3, 10.0,
            9.7,
        ];
        assert_ne!(values.iter().sum::<f64>() / 20.0, 10.0);
        assert_eq!(mean(&values), Some(10.0));
    }

    #[test]
    fn medians_and_means() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(mean(&[1.0, 2.0]), Some(1.5));
    }
}
