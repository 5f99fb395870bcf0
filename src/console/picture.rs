//! The proceeds trace drawn as SVG on the server, with a fixed layout (no layout engine): one
//! column per hop, counted from the victim's bank; one row per branch (a hop's first onward
//! transfer stays on its row, each further one opens a row below); transfers as arrows
//! labelled with amount and the time the transfer was executed; frozen and returned amounts marked; the caller's own hops
//! highlighted; a hop it may not see, whose onward hop it does see, drawn as "hidden". Every
//! label is escaped. Presentation attributes only (no `style`), so that the picture obeys the
//! console's CSP inline and stands alone when downloaded.

use std::collections::HashMap;
use std::fmt::Write;

use crate::alerts::trace::{Hop, Trace};
use crate::console::i18n::Tr;
use crate::domain::{AlertId, Money, OrgId};

const COLUMN: i64 = 360;
const ROW: i64 = 118;
const BOX_W: i64 = 220;
const BOX_H: i64 = 86;
const MARGIN: i64 = 16;

/// Text for an SVG element or attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Controls, bidirectional overrides and isolates (a name drawn backwards), and
            // the non-characters XML refuses.
            c if c.is_control()
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
                || matches!(c, '\u{fffe}' | '\u{ffff}') => {}
            c => out.push(c),
        }
    }
    out
}

/// At most `n` characters, with an ellipsis when cut.
fn cut(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(n - 1).collect::<String>())
    }
}

/// Where each box stands: (column, row).
struct Layout {
    place: HashMap<AlertId, (i64, i64)>,
    /// Hops not visible whose onward hop is: (the hidden hop's id, column, row).
    hidden: Vec<(AlertId, i64, i64)>,
    /// Money a visible hop moved on to hops the caller may not see: (that hop, column, row).
    onward_hidden: Vec<(AlertId, i64, i64)>,
    rows: i64,
    columns: i64,
}

fn layout(hops: &[Hop]) -> Layout {
    let visible: HashMap<AlertId, &Hop> = hops.iter().map(|h| (h.alert_id, h)).collect();
    let mut children: HashMap<Option<AlertId>, Vec<&Hop>> = HashMap::new();
    for h in hops {
        let parent = h.parent_alert_id.filter(|p| visible.contains_key(p));
        children.entry(parent).or_default().push(h);
    }
    for list in children.values_mut() {
        list.sort_by_key(|h| (h.received_at, h.alert_id.0));
    }
    let mut place = HashMap::new();
    let mut hidden = Vec::new();
    let mut next_row = 0;
    // Depth-first: a hop's first child keeps its row; each other child starts a new one.
    fn visit(
        h: &Hop,
        row: i64,
        children: &HashMap<Option<AlertId>, Vec<&Hop>>,
        place: &mut HashMap<AlertId, (i64, i64)>,
    ) -> i64 {
        place.insert(h.alert_id, (i64::from(h.hop), row));
        let mut next = row + 1;
        for (i, child) in children.get(&Some(h.alert_id)).into_iter().flatten().enumerate() {
            let start = if i == 0 { row } else { next };
            next = next.max(visit(child, start, children, place));
        }
        next
    }
    for root in children.get(&None).into_iter().flatten() {
        // One hidden box per hidden hop, however many of its onward hops the caller sees.
        if let Some(parent) = root.parent_alert_id.filter(|p| !hidden.iter().any(|h: &(AlertId, i64, i64)| h.0 == *p)) {
            hidden.push((parent, i64::from(root.hop) - 1, next_row));
        }
        next_row = visit(root, next_row, &children, &mut place);
    }
    let mut onward_hidden: Vec<(AlertId, i64, i64)> = hops
        .iter()
        .filter(|h| h.moved_on_minor > 0 && !children.contains_key(&Some(h.alert_id)))
        .filter_map(|h| place.get(&h.alert_id).map(|&(col, row)| (h.alert_id, col + 1, row)))
        .collect();
    onward_hidden.sort_by_key(|x| (x.2, x.1));
    let columns = place.values().map(|p| p.0).chain(onward_hidden.iter().map(|x| x.1)).max().unwrap_or(1) + 1;
    Layout { place, hidden, onward_hidden, rows: next_row.max(1), columns }
}

/// The most hops drawn; a longer trail is shown as its table alone.
pub const MAX_HOPS: usize = 500;

/// The picture of `trace` for the caller of organisation `me`.
pub fn svg(t: &Tr, trace: &Trace, me: OrgId) -> String {
    let l = layout(&trace.hops);
    let width = l.columns * COLUMN + 2 * MARGIN;
    let height = l.rows * ROW + 2 * MARGIN;
    let at = |col: i64, row: i64| (MARGIN + col * COLUMN, MARGIN + row * ROW);
    let money = |minor: i64| t.money(&Money { amount_minor: minor, currency: trace.totals.currency.clone() });
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="trace-svg-title" font-family="system-ui, sans-serif" font-size="13"><title id="trace-svg-title">{}</title><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#1b1f24"/></marker></defs><rect width="{width}" height="{height}" fill="#ffffff"/>"##,
        escape(&t.get("trace-picture"))
    );
    let boxed = |s: &mut String, x: i64, y: i64, fill: &str, stroke: &str, lines: &[(String, &str, bool)]| {
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="2"/>"#
        );
        for (i, (text, colour, bold)) in lines.iter().enumerate() {
            let weight = if *bold { r#" font-weight="700""# } else { "" };
            // Up to 28 characters fit the box; a longer line (an IBAN has up to 34) is drawn
            // narrower to the box's width rather than cut, up to 40.
            let text = cut(text, 40);
            let fit = if text.chars().count() > 28 {
                format!(r#" textLength="{}" lengthAdjust="spacingAndGlyphs""#, BOX_W - 20)
            } else {
                String::new()
            };
            let _ = write!(
                s,
                r#"<text x="{}" y="{}" fill="{colour}"{weight}{fit}>{}</text>"#,
                x + 10,
                y + 20 + i as i64 * 18,
                escape(&text)
            );
        }
    };
    // The origin: the victim's bank, sender of the first hop (when the caller sees it).
    if let Some(first) = trace.hops.iter().find(|h| h.parent_alert_id.is_none()) {
        let (x, y) = at(0, l.place.get(&first.alert_id).map_or(0, |p| p.1));
        let own = first.sender_id == me;
        let lines = [
            (first.sender.clone(), "#1b1f24", true),
            (first.from_account.clone().unwrap_or_default(), "#4a5560", false),
            (t.get("trace-origin"), "#4a5560", false),
        ];
        boxed(&mut s, x, y, if own { "#e8f1fb" } else { "#f6f8fa" }, if own { "#0b5cad" } else { "#8c959f" }, &lines);
    }
    for (_, col, row) in &l.hidden {
        let (x, y) = at(*col, *row);
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="#eeeeee" stroke="#8c959f" stroke-width="2" stroke-dasharray="6 4"/><text x="{}" y="{}" fill="#4a5560">{}</text>"##,
            x + 10,
            y + 48,
            escape(&t.get("trace-hidden"))
        );
    }
    for (from, col, row) in &l.onward_hidden {
        let Some(h) = trace.hops.iter().find(|h| h.alert_id == *from) else { continue };
        let (fx, fy) = at(*col - 1, *row);
        let (x, y) = at(*col, *row);
        let _ = write!(
            s,
            r##"<path d="M{},{} L{},{}" fill="none" stroke="#1b1f24" stroke-width="1.5" stroke-dasharray="4 3" marker-end="url(#arrow)"/><text x="{}" y="{}" fill="#1b1f24" font-size="11">{}</text><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="#eeeeee" stroke="#8c959f" stroke-width="2" stroke-dasharray="6 4"/><text x="{}" y="{}" fill="#4a5560">{}</text>"##,
            fx + BOX_W,
            fy + BOX_H / 2,
            x - 4,
            y + BOX_H / 2,
            fx + BOX_W + 2,
            y + BOX_H / 2 - 6,
            escape(&money(h.moved_on_minor)),
            x + 10,
            y + 48,
            escape(&t.get("trace-hidden"))
        );
    }
    for h in &trace.hops {
        let Some(&(col, row)) = l.place.get(&h.alert_id) else { continue };
        let (x, y) = at(col, row);
        // The arrow from where the money came from: the parent's box, a hidden box, the origin.
        let from = h
            .parent_alert_id
            .and_then(|p| l.place.get(&p).copied().or_else(|| l.hidden.iter().find(|x| x.0 == p).map(|x| (x.1, x.2))))
            .unwrap_or((0, row));
        let (fx, fy) = at(from.0, from.1);
        let (x1, y1, x2, y2) = (fx + BOX_W, fy + BOX_H / 2, x - 4, y + BOX_H / 2);
        let _ = write!(
            s,
            r##"<path d="M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}" fill="none" stroke="#1b1f24" stroke-width="1.5" marker-end="url(#arrow)"/>"##,
            x1 + 20,
            x2 - 20
        );
        let label_x = x - (COLUMN - BOX_W) + 6;
        let _ = write!(
            s,
            r##"<text x="{label_x}" y="{}" fill="#1b1f24" font-size="11">{}</text><text x="{label_x}" y="{}" fill="#4a5560" font-size="11">{}</text>"##,
            y2 - 20,
            escape(&t.money(&h.received)),
            y2 - 6,
            escape(&t.short_when(&h.executed_at))
        );
        let own = h.receiver_id == Some(me);
        let mut lines = vec![
            (h.receiver.clone().unwrap_or_else(|| t.get("alert-status-unrouted")), "#1b1f24", true),
            (h.to_account.clone().unwrap_or_default(), "#4a5560", false),
        ];
        if h.frozen_minor > 0 {
            lines.push((t.arg("trace-frozen", "amount", money(h.frozen_minor)), "#146c2e", true));
        }
        if h.returned_minor > 0 {
            lines.push((t.arg("trace-returned", "amount", money(h.returned_minor)), "#146c2e", true));
        }
        if h.moved_on_minor > 0 {
            lines.push((t.arg("trace-moved", "amount", money(h.moved_on_minor)), "#7a4b00", false));
        }
        if h.frozen_minor == 0 && h.returned_minor == 0 && h.outcomes.is_empty() {
            lines.push((t.get("alert-no-outcome"), "#7a4b00", false));
        }
        lines.truncate(4);
        boxed(&mut s, x, y, if own { "#e8f1fb" } else { "#ffffff" }, if own { "#0b5cad" } else { "#8c959f" }, &lines);
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::trace::Totals;
    use crate::domain::{Currency, Locale};
    use chrono::Utc;

    fn hop(id: u128, parent: Option<u128>, n: i32, sender: u128, receiver: u128) -> Hop {
        Hop {
            alert_id: AlertId(uuid::Uuid::from_u128(id)),
            parent_alert_id: parent.map(|p| AlertId(uuid::Uuid::from_u128(p))),
            hop: n,
            sender_id: OrgId(uuid::Uuid::from_u128(sender)),
            sender: format!("Bank {sender}"),
            receiver_id: Some(OrgId(uuid::Uuid::from_u128(receiver))),
            receiver: Some(format!("Bank <{receiver}>")),
            from_account: Some("XK05".into()),
            to_account: Some("XK06".into()),
            received: Money { amount_minor: 100_000, currency: Currency::parse("EUR").unwrap() },
            frozen_minor: if n == 3 { 50_000 } else { 0 },
            returned_minor: 0,
            moved_on_minor: 0,
            executed_at: Utc::now(),
            uetr: None,
            end_to_end_id: None,
            received_at: Utc::now() + chrono::Duration::seconds(i64::from(n)),
            first_outcome_at: None,
            outcomes: Vec::new(),
        }
    }

    fn trace(hops: Vec<Hop>) -> Trace {
        let totals = Totals {
            currency: Currency::parse("EUR").unwrap(),
            original_loss_minor: 100_000,
            frozen_minor: 0,
            returned_minor: 0,
            unaccounted_minor: 0,
        };
        Trace { id: hops[0].alert_id, hops, totals }
    }

    #[test]
    fn branches_take_rows_hops_take_columns_and_hidden_hops_are_marked() {
        // 1 -> 2 -> 3, and 1 -> 4 (a second branch); 6 is seen whose parent 5 is not.
        let hops = vec![
            hop(1, None, 1, 10, 20),
            hop(2, Some(1), 2, 20, 30),
            hop(3, Some(2), 3, 30, 40),
            hop(4, Some(1), 2, 20, 50),
            hop(6, Some(5), 3, 60, 70),
        ];
        let l = layout(&hops);
        let at = |n: u128| l.place[&AlertId(uuid::Uuid::from_u128(n))];
        assert_eq!([at(1), at(2), at(3), at(4), at(6)], [(1, 0), (2, 0), (3, 0), (2, 1), (3, 2)]);
        assert_eq!(l.hidden, vec![(AlertId(uuid::Uuid::from_u128(5)), 2, 2)]);
        assert!(l.onward_hidden.is_empty());
        assert_eq!((l.rows, l.columns), (3, 4));
        let picture = svg(&Tr::new(Locale::En), &trace(hops), OrgId(uuid::Uuid::from_u128(30)));
        assert!(picture.starts_with("<svg") && picture.ends_with("</svg>"));
        assert!(picture.contains("Bank &lt;40&gt;") && !picture.contains("Bank <40>"), "labels escaped");
        assert!(picture.contains("frozen 500.00 EUR"), "{picture}");
        assert!(picture.contains("stroke-dasharray"), "the hidden hop");
        assert!(picture.contains("#e8f1fb"), "the caller's own hops highlighted");
        assert!(!picture.contains("style="), "no inline style under the CSP");
    }

    #[test]
    fn money_moved_on_to_hops_not_seen_goes_to_a_hidden_box() {
        let mut first = hop(1, None, 1, 10, 20);
        first.moved_on_minor = 60_000;
        let l = layout(&[first]);
        assert_eq!(l.onward_hidden, vec![(AlertId(uuid::Uuid::from_u128(1)), 2, 0)]);
        assert_eq!(l.columns, 3);
    }

    #[test]
    fn a_hidden_hop_is_drawn_once_and_names_cannot_turn_text_around() {
        let hops = vec![hop(6, Some(5), 3, 60, 70), hop(7, Some(5), 3, 60, 80)];
        let l = layout(&hops);
        assert_eq!(l.hidden.len(), 1);
        assert_eq!(escape("Bank\u{202e}A\u{2066}\u{fffe}<"), "BankA&lt;");
    }

    #[test]
    fn fifty_hops_in_a_chain_stay_in_one_row() {
        let hops: Vec<Hop> = (1..=50).map(|n| hop(n, (n > 1).then(|| n - 1), n as i32, 100 + n, 101 + n)).collect();
        let l = layout(&hops);
        assert_eq!((l.rows, l.columns), (1, 51));
        let picture = svg(&Tr::new(Locale::En), &trace(hops), OrgId(uuid::Uuid::from_u128(1)));
        assert_eq!(picture.matches("marker-end").count(), 50);
    }
}
