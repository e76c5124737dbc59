//! Charts as SVG text, drawn on the server from numbers: vertical bars (per day), horizontal
//! bars (the funnel, methods) and a donut (registration). Pure: no state, no clock, so the
//! geometry is unit-tested. Colours are CSS classes (`style/main.css`, light and dark); the
//! second series is also hatched and values are written out, so colour is never the only
//! cue. Each SVG is `role="img"` named by its own `<title>` and `<desc>`; the page puts a
//! table with every number next to it.
use std::fmt::Write;

/// One series of values, one per row or column.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: &'a [u32],
}

/// A chart's identity and text alternative.
pub struct Frame<'a> {
    /// Unique in the page: prefixes the ids of the title, description and pattern.
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
}

/// A drawn rectangle, in viewBox units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

pub const WIDTH: f64 = 640.0;
const V_HEIGHT: f64 = 220.0;
const V_LEFT: f64 = 44.0;
const V_RIGHT: f64 = 8.0;
const V_TOP: f64 = 12.0;
const V_BOTTOM: f64 = 36.0;
const H_ROW: f64 = 30.0;
const H_LABEL: f64 = 180.0;
const H_VALUE: f64 = 90.0;
/// At most this many day labels under a bar chart; every number is in the table.
const MAX_X_LABELS: usize = 8;

/// Escapes text for SVG content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    crate::server::delivery::html::escape_into(text, &mut out);
    out
}

fn max_of(series: &[Series<'_>]) -> u32 {
    series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
}

/// A count as a length: `value` of `max` over `span` (nothing when everything is zero).
pub fn scale(value: u32, max: u32, span: f64) -> f64 {
    if max == 0 {
        0.0
    } else {
        f64::from(value) / f64::from(max) * span
    }
}

fn count(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The bars of a vertical chart: `groups` columns of one bar per series, heights scaled
/// to the largest value, standing on the x axis.
pub fn column_bars(series: &[Series<'_>], groups: usize) -> Vec<(usize, usize, Rect)> {
    let max = max_of(series);
    let plot_w = WIDTH - V_LEFT - V_RIGHT;
    let plot_h = V_HEIGHT - V_TOP - V_BOTTOM;
    let group_w = plot_w / count(groups.max(1));
    let bar_w = group_w * 0.8 / count(series.len().max(1));
    let mut out = Vec::new();
    for (s, serie) in series.iter().enumerate() {
        for (g, v) in serie.values.iter().enumerate().take(groups) {
            let h = scale(*v, max, plot_h);
            out.push((
                g,
                s,
                Rect {
                    x: V_LEFT + count(g) * group_w + group_w * 0.1 + count(s) * bar_w,
                    y: V_TOP + plot_h - h,
                    w: bar_w,
                    h,
                },
            ));
        }
    }
    out
}

/// Which of `n` column labels to write: evenly spaced, at most [`MAX_X_LABELS`], always
/// the first and the last.
pub fn labelled_columns(n: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let step = n.div_ceil(MAX_X_LABELS).max(1);
    let mut out: Vec<usize> = (0..n).step_by(step).collect();
    if out.last() != Some(&(n - 1)) {
        if out.len() >= MAX_X_LABELS {
            out.pop();
        }
        out.push(n - 1);
    }
    out
}

fn open(out: &mut String, frame: &Frame<'_>, height: f64) {
    let id = escape(frame.id);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" \
         viewBox=\"0 0 {WIDTH} {height}\" aria-labelledby=\"{id}-title {id}-desc\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>\
         <defs><pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" \
         patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <rect class=\"hatch-bg\" width=\"6\" height=\"6\"/>\
         <rect class=\"hatch-line\" width=\"2.5\" height=\"6\"/></pattern></defs>",
        escape(frame.title),
        escape(frame.desc)
    );
}

/// The class and fill of series `s`: the second is hatched.
fn paint(frame: &Frame<'_>, s: usize) -> String {
    if s % 2 == 1 {
        format!(
            "class=\"bar s{s}\" fill=\"url(#{}-hatch)\"",
            escape(frame.id)
        )
    } else {
        format!("class=\"bar s{s}\"")
    }
}

/// Columns per day (or any label), one bar per series in each.
pub fn columns(frame: &Frame<'_>, labels: &[String], series: &[Series<'_>]) -> String {
    let mut out = String::new();
    open(&mut out, frame, V_HEIGHT);
    let max = max_of(series);
    let base = V_HEIGHT - V_BOTTOM;
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{V_LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\"/>\
         <line class=\"grid\" x1=\"{V_LEFT}\" y1=\"{V_TOP}\" x2=\"{}\" y2=\"{V_TOP}\"/>\
         <text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text>\
         <text class=\"tick\" x=\"{}\" y=\"{base}\" text-anchor=\"end\">0</text>",
        WIDTH - V_RIGHT,
        WIDTH - V_RIGHT,
        V_LEFT - 6.0,
        V_TOP + 4.0,
        V_LEFT - 6.0,
    );
    let bars = column_bars(series, labels.len());
    let few = labels.len() * series.len() <= 16;
    for (_, s, r) in &bars {
        let _ = write!(
            out,
            "<rect {} x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>",
            paint(frame, *s),
            r.x,
            r.y,
            r.w,
            r.h
        );
    }
    if few {
        for (g, s, r) in &bars {
            let v = series
                .get(*s)
                .and_then(|x| x.values.get(*g))
                .copied()
                .unwrap_or(0);
            let _ = write!(
                out,
                "<text class=\"value\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{v}</text>",
                r.x + r.w / 2.0,
                r.y - 3.0
            );
        }
    }
    let group_w = (WIDTH - V_LEFT - V_RIGHT) / count(labels.len().max(1));
    for i in labelled_columns(labels.len()) {
        let label = labels.get(i).map(String::as_str).unwrap_or_default();
        let _ = write!(
            out,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            V_LEFT + (count(i) + 0.5) * group_w,
            base + 18.0,
            escape(label)
        );
    }
    out.push_str("</svg>");
    out
}

/// The height of a horizontal chart of `rows` rows of `n_series` bars.
pub fn rows_height(rows: usize, n_series: usize) -> f64 {
    count(rows) * H_ROW * count(n_series.max(1)) + 8.0
}

/// The bars of a horizontal chart: one band per row, one bar per series in it, lengths
/// scaled to the largest value.
pub fn row_bars(series: &[Series<'_>], rows: usize) -> Vec<(usize, usize, Rect)> {
    let max = max_of(series);
    let span = WIDTH - H_LABEL - H_VALUE;
    let band = H_ROW * count(series.len().max(1));
    let mut out = Vec::new();
    for (s, serie) in series.iter().enumerate() {
        for (r, v) in serie.values.iter().enumerate().take(rows) {
            out.push((
                r,
                s,
                Rect {
                    x: H_LABEL,
                    y: 4.0 + count(r) * band + count(s) * H_ROW + 4.0,
                    w: scale(*v, max, span),
                    h: H_ROW - 8.0,
                },
            ));
        }
    }
    out
}

/// Horizontal bars: a label per row, a bar per series, each value written after its bar
/// (with `notes`, e.g. a percentage, when given per row of the first series).
pub fn rows(
    frame: &Frame<'_>,
    labels: &[String],
    series: &[Series<'_>],
    notes: &[String],
) -> String {
    let mut out = String::new();
    let height = rows_height(labels.len(), series.len());
    open(&mut out, frame, height);
    let band = H_ROW * count(series.len().max(1));
    for (r, label) in labels.iter().enumerate() {
        let _ = write!(
            out,
            "<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            H_LABEL - 8.0,
            4.0 + count(r) * band + band / 2.0 + 5.0,
            escape(label)
        );
    }
    for (r, s, rect) in row_bars(series, labels.len()) {
        let Some(serie) = series.get(s) else { continue };
        let v = serie.values.get(r).copied().unwrap_or(0);
        let note = if s == 0 {
            notes.get(r).map(|n| format!(" ({n})")).unwrap_or_default()
        } else {
            String::new()
        };
        let name = if series.len() > 1 {
            format!(" {}", escape(serie.name))
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<rect {} x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>\
             <text class=\"value\" x=\"{:.1}\" y=\"{:.1}\">{v}{name}{}</text>",
            paint(frame, s),
            rect.x,
            rect.y,
            rect.w,
            rect.h,
            rect.x + rect.w + 6.0,
            rect.y + rect.h / 2.0 + 5.0,
            escape(&note)
        );
    }
    out.push_str("</svg>");
    out
}

const DONUT_R: f64 = 70.0;
const DONUT_CX: f64 = 110.0;
const DONUT_CY: f64 = 100.0;

/// The arcs of a donut as (dash length, offset along the circle) per part, starting at
/// the top and going clockwise; the lengths add up to the circumference.
pub fn donut_arcs(parts: &[u32]) -> Vec<(f64, f64)> {
    let total: u32 = parts.iter().sum();
    let circumference = 2.0 * std::f64::consts::PI * DONUT_R;
    let mut start = 0.0;
    parts
        .iter()
        .map(|p| {
            let len = scale(*p, total, circumference);
            let arc = (len, start);
            start += len;
            arc
        })
        .collect()
}

/// A donut of `parts`, each labelled in a legend with its count and share.
pub fn donut(frame: &Frame<'_>, parts: &[(String, u32)], centre: &str) -> String {
    let mut out = String::new();
    open(&mut out, frame, 200.0);
    let circumference = 2.0 * std::f64::consts::PI * DONUT_R;
    let _ = write!(
        out,
        "<circle class=\"donut-empty\" cx=\"{DONUT_CX}\" cy=\"{DONUT_CY}\" r=\"{DONUT_R}\"/>"
    );
    let values: Vec<u32> = parts.iter().map(|(_, v)| *v).collect();
    for (s, (len, start)) in donut_arcs(&values).into_iter().enumerate() {
        let stroke = if s % 2 == 1 {
            format!(" stroke=\"url(#{}-hatch)\"", escape(frame.id))
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<circle class=\"arc s{s}\"{stroke} cx=\"{DONUT_CX}\" cy=\"{DONUT_CY}\" r=\"{DONUT_R}\" \
             stroke-dasharray=\"{len:.2} {:.2}\" stroke-dashoffset=\"{:.2}\" \
             transform=\"rotate(-90 {DONUT_CX} {DONUT_CY})\"/>",
            circumference - len,
            -start
        );
    }
    let _ = write!(
        out,
        "<text class=\"centre\" x=\"{DONUT_CX}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        DONUT_CY + 7.0,
        escape(centre)
    );
    for (s, (label, v)) in parts.iter().enumerate() {
        let y = 70.0 + count(s) * 36.0;
        let _ = write!(
            out,
            "<rect {} x=\"230\" y=\"{:.1}\" width=\"22\" height=\"22\"/>\
             <text class=\"label\" x=\"262\" y=\"{:.1}\">{}: {v}</text>",
            paint(frame, s),
            y,
            y + 16.0,
            escape(label)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Frame<'static> {
        Frame {
            id: "c",
            title: "T <&>",
            desc: "D",
        }
    }

    #[test]
    fn columns_scale_to_the_largest_and_stand_on_the_axis() {
        let a = [0, 5, 10];
        let b = [10, 0, 5];
        let series = [
            Series {
                name: "a",
                values: &a,
            },
            Series {
                name: "b",
                values: &b,
            },
        ];
        let bars = column_bars(&series, 3);
        assert_eq!(bars.len(), 6);
        let plot_h = V_HEIGHT - V_TOP - V_BOTTOM;
        let base = V_HEIGHT - V_BOTTOM;
        for (g, s, r) in &bars {
            let v = series[*s].values[*g];
            assert!((r.h - f64::from(v) / 10.0 * plot_h).abs() < 1e-9);
            assert!((r.y + r.h - base).abs() < 1e-9, "bars stand on the axis");
            assert!(r.x >= V_LEFT && r.x + r.w <= WIDTH - V_RIGHT + 1e-9);
        }
        // Within a day, the second series is right of the first; days go left to right.
        let x = |g: usize, s: usize| bars.iter().find(|b| b.0 == g && b.1 == s).unwrap().2.x;
        assert!(x(0, 0) < x(0, 1) && x(0, 1) < x(1, 0) && x(1, 1) < x(2, 0));
    }

    #[test]
    fn all_zero_draws_flat_bars_not_nan() {
        let z = [0, 0];
        let bars = column_bars(
            &[Series {
                name: "z",
                values: &z,
            }],
            2,
        );
        assert!(bars.iter().all(|(_, _, r)| r.h == 0.0 && r.y.is_finite()));
        let svg = columns(
            &frame(),
            &["a".into(), "b".into()],
            &[Series {
                name: "z",
                values: &z,
            }],
        );
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn at_most_eight_day_labels_with_first_and_last() {
        assert_eq!(labelled_columns(0), Vec::<usize>::new());
        assert_eq!(labelled_columns(1), vec![0]);
        assert_eq!(labelled_columns(7), (0..7).collect::<Vec<_>>());
        for n in [8, 9, 30, 90] {
            let l = labelled_columns(n);
            assert!(l.len() <= MAX_X_LABELS, "{n}: {l:?}");
            assert_eq!(l.first(), Some(&0));
            assert_eq!(l.last(), Some(&(n - 1)));
            assert!(l.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn rows_are_bands_with_lengths_in_proportion() {
        let v = [100, 50, 25, 0];
        let bars = row_bars(
            &[Series {
                name: "f",
                values: &v,
            }],
            4,
        );
        let span = WIDTH - H_LABEL - H_VALUE;
        assert_eq!(bars[0].2.w, span);
        assert_eq!(bars[1].2.w, span / 2.0);
        assert_eq!(bars[3].2.w, 0.0);
        assert!(bars.windows(2).all(|w| w[0].2.y + w[0].2.h <= w[1].2.y));
        assert!(bars[3].2.y + bars[3].2.h <= rows_height(4, 1));
    }

    #[test]
    fn donut_arcs_fill_the_circle_in_order() {
        let c = 2.0 * std::f64::consts::PI * DONUT_R;
        let arcs = donut_arcs(&[3, 1]);
        assert!((arcs[0].0 - c * 0.75).abs() < 1e-9);
        assert!((arcs[1].0 - c * 0.25).abs() < 1e-9);
        assert_eq!(arcs[0].1, 0.0);
        assert!((arcs[1].1 - arcs[0].0).abs() < 1e-9);
        assert!(donut_arcs(&[0, 0]).iter().all(|(l, _)| *l == 0.0));
    }

    #[test]
    fn svg_is_named_described_and_escaped() {
        let v = [1];
        let svg = rows(
            &frame(),
            &["<script>".into()],
            &[Series {
                name: "n",
                values: &v,
            }],
            &["100%".into()],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-labelledby=\"c-title c-desc\""));
        assert!(svg.contains("<title id=\"c-title\">T &lt;&amp;&gt;</title>"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains(">1 (100%)</text>"));
        let d = donut(&frame(), &[("Yes".into(), 2), ("No".into(), 1)], "67%");
        assert!(d.contains("Yes: 2") && d.contains("No: 1") && d.contains("url(#c-hatch)"));
    }
}
