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
