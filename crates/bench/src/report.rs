//! The results table.

/// One line of the results table.
#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    /// Scenario id (S1, C5, ...).
    pub scenario: String,
    /// What is measured.
    pub metric: String,
    /// The baseline's figure ("—" when there is none).
    pub baseline: String,
    /// Tern's figure.
    pub tern: String,
    /// Tern ÷ baseline (or "—").
    pub ratio: String,
    /// The target.
    pub target: String,
    /// "yes", "NO", or "—" (context line, no target).
    pub met: String,
}

impl Row {
    /// A row with every field given.
    pub(crate) fn new(
        scenario: &str,
        metric: impl Into<String>,
        baseline: impl Into<String>,
        tern: impl Into<String>,
        ratio: impl Into<String>,
        target: impl Into<String>,
        met: Option<bool>,
    ) -> Self {
        Row {
            scenario: scenario.into(),
            metric: metric.into(),
            baseline: baseline.into(),
            tern: tern.into(),
            ratio: ratio.into(),
            target: target.into(),
            met: match met {
                Some(true) => "yes".into(),
                Some(false) => "**NO**".into(),
                None => "—".into(),
            },
        }
    }
}

/// Formats a ratio `a / b` as "2.31×" ("—" if b is 0).
pub(crate) fn ratio(a: f64, b: f64) -> String {
    if b == 0.0 {
        "—".into()
    } else {
        format!("{:.2}×", a / b)
    }
}

/// A Markdown table of the rows.
pub(crate) fn markdown(rows: &[Row]) -> String {
    let mut s = String::from(
        "| Scenario | Metric | Baseline | Tern | Ratio | Target | Met? |\n|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            r.scenario, r.metric, r.baseline, r.tern, r.ratio, r.target, r.met
        ));
    }
    s
}

/// The first number in `s` ("15,000 msg/s (p99 8.8 ms)" → 15000), if any.
fn first_number(s: &str) -> Option<f64> {
    let start = s.find(|c: char| c.is_ascii_digit())?;
    let digits: String = s[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    digits.trim_end_matches('.').parse().ok()
}

/// `scenario` without its round suffix (" #2"), and the round.
fn split_round(scenario: &str) -> Option<(&str, u32)> {
    let (base, round) = scenario.rsplit_once(" #")?;
    Some((base, round.parse().ok()?))
}

/// For rows repeated over rounds (`--repeat`, scenario "S1 SQLite #2"), one row
/// per metric: the round whose Tern figure is the median (its baseline, ratio
/// and verdict with it, so the row stays one consistent run), labelled "median
/// of N". The k-th row of every round of a scenario is the same metric. Rows
/// without rounds are kept as they are, in their order.
pub(crate) fn medians(rows: &[Row]) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    // (base scenario, k) → the rows of that metric, one per round.
    let mut groups: Vec<((String, usize), Vec<&Row>)> = Vec::new();
    let mut position: Option<(String, u32, usize)> = None;
    for r in rows {
        let Some((base, round)) = split_round(&r.scenario) else {
            out.push(r.clone());
            continue;
        };
        let k = match &position {
            Some((b, n, k)) if b == base && *n == round => k + 1,
            _ => 0,
        };
        position = Some((base.to_string(), round, k));
        let key = (base.to_string(), k);
        match groups.iter_mut().find(|(g, _)| *g == key) {
            Some((_, members)) => members.push(r),
            None => {
                groups.push((key, vec![r]));
                // A placeholder keeps the metric where it first appeared.
                out.push(Row {
                    scenario: format!("\u{0}{}", groups.len() - 1),
                    ..Row::default()
                });
            }
        }
    }
    for row in &mut out {
        let Some(i) = row.scenario.strip_prefix('\u{0}') else {
            continue;
        };
        let Ok(i) = i.parse::<usize>() else { continue };
        let ((base, _), members) = &groups[i];
        let mut sorted = members.clone();
        sorted.sort_by(|a, b| {
            let (x, y) = (first_number(&a.tern), first_number(&b.tern));
            x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal)
        });
        let mid = sorted[sorted.len() / 2];
        *row = Row {
            scenario: format!("{base} (median of {})", members.len()),
            ..mid.clone()
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(scenario: &str, metric: &str, tern: &str) -> Row {
        Row::new(scenario, metric, "1 ms", tern, "—", "—", None)
    }

    #[test]
    fn the_median_round_of_each_metric_is_kept_in_place() {
        let rows = [
            row("S1 SQLite #1", "p50", "0.40 ms"),
            row("S1 SQLite #1", "p99", "0.90 ms"),
            row("S4", "per connection", "9,800 B"),
            row("S1 SQLite #2", "p50", "0.38 ms"),
            row("S1 SQLite #2", "p99", "1.20 ms"),
            row("S1 SQLite #3", "p50", "0.45 ms"),
            row("S1 SQLite #3", "p99", "0.70 ms"),
        ];
        let m = medians(&rows);
        let got: Vec<_> = m
            .iter()
            .map(|r| (r.scenario.as_str(), r.metric.as_str(), r.tern.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("S1 SQLite (median of 3)", "p50", "0.40 ms"),
                ("S1 SQLite (median of 3)", "p99", "0.90 ms"),
                ("S4", "per connection", "9,800 B"),
            ]
        );
        assert_eq!(first_number("15,000 msg/s (p99 8.8 ms)"), Some(15_000.0));
    }
}
