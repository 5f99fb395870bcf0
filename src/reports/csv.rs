//! CSV rendering of reports for the export. Cells that a spreadsheet would run as a formula
//! (leading `=`, `+`, `-`, `@`, tab, CR) are prefixed with `'` (CSV injection).

use super::model::Report;

pub const HEADER: [&str; 17] = [
    "id",
    "reference",
    "created_at",
    "updated_at",
    "category",
    "status",
    "tlp",
    "title",
    "description",
    "reporter",
    "reporter_kind",
    "country",
    "first_seen",
    "last_seen",
    "loss_amount_minor",
    "loss_currency",
    "indicators",
];

fn safe(cell: String) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell,
    }
}

/// The CSV lines of `reports`, with the header line first when `header`.
pub fn render(reports: &[Report], header: bool) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    if header {
        w.write_record(HEADER)?;
    }
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    for r in reports {
        // Withdrawn values are the reporter's record only, not data to pass on.
        let indicators: Vec<String> =
            r.indicators.iter().filter(|i| i.withdrawn.is_none()).map(|i| format!("{}:{}", i.type_, i.value)).collect();
        w.write_record([
            r.id.to_string(),
            r.reference.clone(),
            r.created_at.to_rfc3339(),
            r.updated_at.to_rfc3339(),
            r.category.to_string(),
            r.status.to_string(),
            r.tlp.to_string(),
            safe(r.title.clone()),
            safe(r.description.clone()),
            safe(r.reporter.name.clone()),
            r.reporter.kind.to_string(),
            r.country.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            time(r.first_seen),
            time(r.last_seen),
            r.loss.as_ref().map(|l| l.amount_minor.to_string()).unwrap_or_default(),
            r.loss.as_ref().map(|l| l.currency.to_string()).unwrap_or_default(),
            safe(indicators.join(" ")),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
