//! Charts drawn on the server as SVG (no script): horizontal bars, a line over time and a
//! from → to matrix. A withheld figure is drawn as withheld (an outlined, hatched bar; a gap in
//! a line; a dash in a matrix), never as zero. Every chart has a title and a description for
//! screen readers, and the page shows the same figures as a table beside it.

use std::fmt::Write;

/// A figure to draw: its label, its value (`None`: withheld) and the value as shown.
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
    pub shown: String,
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const WIDTH: f64 = 640.0;
const LABEL: f64 = 200.0;
const ROW: f64 = 26.0;

fn open(out: &mut String, id: &str, title: &str, height: f64) {
    let _ = write!(
        out,
        r#"<svg class="chart" id="{id}" role="img" aria-labelledby="{id}-t" viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><defs><pattern id="{id}-h" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" class="hatch"/></pattern></defs>"#,
        esc(title)
    );
}

/// Horizontal bars, one per figure; `withheld` labels a withheld one.
pub fn bars(id: &str, title: &str, bars: &[Bar], withheld: &str) -> String {
    let height = ROW * bars.len().max(1) as f64 + 8.0;
    let mut out = String::new();
    open(&mut out, id, title, height);
    let max = bars.iter().filter_map(|b| b.value).fold(0.0_f64, f64::max);
    let span = WIDTH - LABEL - 110.0;
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + i as f64 * ROW;
        let _ = write!(
            out,
            r#"<text class="label" x="{:.0}" y="{:.1}" text-anchor="end">{}</text>"#,
            LABEL - 8.0,
            y + 16.0,
            esc(&b.label)
        );
        match b.value {
            Some(v) => {
                let w = if max > 0.0 { (v / max * span).max(1.0) } else { 1.0 };
                let _ = write!(
                    out,
                    r#"<rect class="bar" x="{LABEL}" y="{:.1}" width="{w:.1}" height="{:.1}"/><text class="figure" x="{:.1}" y="{:.1}">{}</text>"#,
                    y + 3.0,
                    ROW - 8.0,
                    LABEL + w + 6.0,
                    y + 16.0,
                    esc(&b.shown)
                );
            }
            None => {
                let _ = write!(
                    out,
                    r#"<rect class="withheld" x="{LABEL}" y="{:.1}" width="60" height="{:.1}" fill="url(#{id}-h)"/><text class="figure muted" x="{:.1}" y="{:.1}">{}</text>"#,
                    y + 3.0,
                    ROW - 8.0,
                    LABEL + 66.0,
                    y + 16.0,
                    esc(withheld)
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}

/// One figure over time: a line through the published points, broken where one is withheld
/// (marked with a hollow point on the axis).
pub fn line(id: &str, title: &str, points: &[(String, Option<f64>)]) -> String {
    let (height, left, bottom) = (220.0, 60.0, 190.0);
    let mut out = String::new();
    open(&mut out, id, title, height);
    let max = points.iter().filter_map(|p| p.1).fold(0.0_f64, f64::max).max(1.0);
    let step = if points.len() > 1 { (WIDTH - left - 20.0) / (points.len() - 1) as f64 } else { 0.0 };
    let at = |i: usize, v: f64| (left + i as f64 * step, bottom - v / max * (bottom - 20.0));
    let _ = write!(
        out,
        r#"<line class="axis" x1="{left}" y1="{bottom}" x2="{:.0}" y2="{bottom}"/><text class="label" x="{:.0}" y="24" text-anchor="end">{}</text><text class="label" x="{:.0}" y="{bottom}" text-anchor="end">0</text>"#,
        WIDTH - 10.0,
        left - 6.0,
        format_number(max),
        left - 6.0
    );
    let mut path = String::new();
    let mut pen_down = false;
    for (i, (period, value)) in points.iter().enumerate() {
        match value {
            Some(v) => {
                let (x, y) = at(i, *v);
                let _ = write!(path, "{}{x:.1},{y:.1} ", if pen_down { "L" } else { "M" });
                pen_down = true;
                let _ = write!(
                    out,
                    r#"<circle class="point" cx="{x:.1}" cy="{y:.1}" r="3.5"><title>{}: {}</title></circle>"#,
                    esc(period),
                    format_number(*v)
                );
            }
            None => {
                pen_down = false;
                let (x, _) = at(i, 0.0);
                let _ = write!(
                    out,
                    r#"<circle class="gap" cx="{x:.1}" cy="{bottom}" r="3.5"><title>{}</title></circle>"#,
                    esc(period)
                );
            }
        }
        // Every period's name when few; otherwise the first, every third and the last.
        if points.len() <= 8 || i % 3 == 0 || i + 1 == points.len() {
            let (x, _) = at(i, 0.0);
            let _ = write!(
                out,
                r#"<text class="label" x="{x:.1}" y="{:.0}" text-anchor="middle">{}</text>"#,
                bottom + 20.0,
                esc(period)
            );
        }
    }
    if !path.is_empty() {
        let _ = write!(out, r#"<path class="line" d="{}"/>"#, path.trim_end());
    }
    out.push_str("</svg>");
    out
}

/// A from → to matrix: one square per pair, shaded by its value, with the figure written in it
/// (a dash where withheld).
pub fn matrix(
    id: &str,
    title: &str,
    rows: &[String],
    cols: &[String],
    cell: impl Fn(&str, &str) -> Option<(f64, String)>,
) -> String {
    let (size, left, top) = (64.0, 90.0, 40.0);
    let height = top + size * rows.len() as f64 + 10.0;
    let mut out = String::new();
    open(&mut out, id, title, height);
    let max = rows
        .iter()
        .flat_map(|r| cols.iter().filter_map(|c| cell(r, c).map(|v| v.0)).collect::<Vec<_>>())
        .fold(0.0_f64, f64::max);
    for (j, c) in cols.iter().enumerate() {
        let _ = write!(
            out,
            r#"<text class="label" x="{:.1}" y="{:.0}" text-anchor="middle">→ {}</text>"#,
            left + size * (j as f64 + 0.5),
            top - 10.0,
            esc(c)
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + size * i as f64;
        let _ = write!(
            out,
            r#"<text class="label" x="{:.0}" y="{:.1}" text-anchor="end">{} →</text>"#,
            left - 8.0,
            y + size / 2.0 + 5.0,
            esc(r)
        );
        for (j, c) in cols.iter().enumerate() {
            let x = left + size * j as f64;
            match cell(r, c) {
                Some((v, shown)) => {
                    // Five shades, darker for more.
                    let shade = if max > 0.0 { ((v / max) * 4.0).round() as usize } else { 0 };
                    let _ = write!(
                        out,
                        r#"<rect class="heat heat-{shade}" x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}"/><text class="figure{}" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                        size - 4.0,
                        size - 4.0,
                        if shade >= 3 { " on-dark" } else { "" },
                        x + size / 2.0 - 2.0,
                        y + size / 2.0 + 3.0,
                        esc(&shown)
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        r#"<rect class="withheld" x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="url(#{id}-h)"/><text class="figure muted" x="{:.1}" y="{:.1}" text-anchor="middle">—</text>"#,
                        size - 4.0,
                        size - 4.0,
                        x + size / 2.0 - 2.0,
                        y + size / 2.0 + 3.0
                    );
                }
            }
        }
    }
    out.push_str("</svg>");
    out
}

fn format_number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn withheld_figures_are_drawn_as_withheld_and_text_is_escaped() {
        let svg = bars(
            "c",
            "Reports <by> category",
            &[
                Bar { label: "phishing".into(), value: Some(12.0), shown: "12".into() },
                Bar { label: "romance & scam".into(), value: None, shown: String::new() },
            ],
            "withheld",
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Reports &lt;by&gt; category") && svg.contains("romance &amp; scam"));
        assert!(svg.contains(r#"class="withheld""#) && svg.contains(">withheld<"));
        assert!(!svg.contains("style="), "no inline style under the CSP");
        let l = line(
            "l",
            "Over time",
            &[("2026-07".into(), Some(3.0)), ("2026-08".into(), None), ("2026-09".into(), Some(5.0))],
        );
        assert_eq!(l.matches("M").count(), 2, "the line breaks at the withheld month: {l}");
        let m = matrix("m", "Matrix", &["XK".into()], &["XK".into(), "DE".into()], |_, c| {
            (c == "XK").then(|| (7.0, "7".into()))
        });
        assert!(m.contains(">7<") && m.contains(">—<"));
    }
}
