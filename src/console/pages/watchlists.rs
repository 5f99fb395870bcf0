//! Watchlists in the console: the organisation's lists, a new one with its values typed one per
//! line (the type recognised as the look-up recognises it, or named first: `ipv4 192.0.2.0/24`),
//! a list's values with adding and removing, deleting it. Every page calls
//! `watchlists::service` as the API does; another organisation's list answers 404.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use uuid::Uuid;

use crate::access::Action;
use crate::console::i18n::Tr;
use crate::console::site::{self, Chrome, Visitor};
use crate::console::view::{defang, Fields};
use crate::domain::indicator::recognise;
use crate::domain::IndicatorType;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::IfMatch;
use crate::watchlists::model::{CreateWatchlist, UpdateWatchlist, WatchItem, Watchlist};
use crate::watchlists::service;

/// The values of a text area, one per line: `type value`, or a value whose type is recognised;
/// with the line each came from. A line of neither kind is named by its number.
fn items_of(t: &Tr, text: &str) -> Result<(Vec<WatchItem>, Vec<usize>), (String, String)> {
    let mut out = Vec::new();
    let mut lines = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let line = line.trim();
        let named = line.split_once(char::is_whitespace).and_then(|(kind, value)| {
            kind.parse::<IndicatorType>().ok().map(|k| (k.as_str().to_string(), value.trim().to_string()))
        });
        let item = named.or_else(|| recognise(line).map(|(k, _)| (k.as_str().to_string(), line.to_string())));
        match item {
            Some((type_, value)) => {
                out.push(WatchItem { type_, value });
                lines.push(n + 1);
            }
            None => {
                return Err((t.arg("lists-line", "n", n + 1), t.get("report-indicator-unrecognised")));
            }
        }
    }
    Ok((out, lines))
}

/// The API's error fields (`items[3].value`) as the page's lines (`lines[i]`: item i's line).
fn labelled(t: &Tr, list: Vec<crate::domain::FieldError>, lines: &[usize]) -> Vec<(String, String)> {
    list.into_iter()
        .map(|e| {
            let line = e
                .field
                .split_once('[')
                .and_then(|(_, rest)| rest.split_once(']'))
                .and_then(|(n, _)| n.parse::<usize>().ok());
            let label = match (e.field.as_str(), line) {
                ("name", _) => t.get("lists-name"),
                (_, Some(n)) => t.arg("lists-line", "n", lines.get(n).copied().unwrap_or(n + 1)),
                _ => e.field.clone(),
            };
            (label, e.message)
        })
        .collect()
}

#[derive(Template)]
#[template(path = "console/watchlists.html")]
struct ListPage {
    t: Tr,
    chrome: Chrome,
    lists: Vec<(Uuid, String, i64, String)>,
    notice: Option<String>,
    errors: Vec<(String, String)>,
    f: Fields,
}

async fn list_page(
    v: &Visitor,
    notice: Option<String>,
    errors: Vec<(String, String)>,
    f: Fields,
) -> ApiResult<ListPage> {
    let t = v.tr;
    let act = v.authorize(Action::ListWatchlists).await?;
    let rows = service::list(&v.state, &act)
        .await?
        .into_iter()
        .map(|w| (w.id, w.name, w.item_count, t.when(&w.updated_at)))
        .collect();
    Ok(ListPage { t, chrome: v.chrome("organisation"), lists: rows, notice, errors, f })
}

#[get("/watchlists")]
pub async fn lists(v: Visitor, flash: web::Query<site::Flash>) -> ApiResult<HttpResponse> {
    let notice = flash.notice(&v.tr);
    site::page(&list_page(&v, notice, Vec::new(), Fields(Vec::new())).await?)
}

#[post("/watchlists")]
pub async fn create(v: Visitor, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let t = v.tr;
    let (items, lines) = match items_of(&t, &f.get("items")) {
        Ok(typed) => typed,
        Err(e) => return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &list_page(&v, None, vec![e], f).await?),
    };
    let act = v.authorize(Action::CreateWatchlist).await?;
    match service::create(&v.state, &act, &CreateWatchlist { name: f.get("name"), items }).await {
        Ok(w) => Ok(site::see(&format!("/console/watchlists/{}?done=watchlist_saved", w.id))),
        Err(ApiError::Validation(list)) => site::page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &list_page(&v, None, labelled(&t, list, &lines), f).await?,
        ),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "console/watchlist.html")]
struct OnePage {
    t: Tr,
    chrome: Chrome,
    w: Watchlist,
    /// (type, value as kept, value as shown).
    items: Vec<(String, String, String)>,
    notice: Option<String>,
    errors: Vec<(String, String)>,
    f: Fields,
}

async fn one_page(
    v: &Visitor,
    id: Uuid,
    notice: Option<String>,
    errors: Vec<(String, String)>,
    f: Fields,
) -> ApiResult<OnePage> {
    let act = v.authorize(Action::ReadWatchlist).await?;
    let w = service::read(&v.state, &act, id).await?;
    let items = w.items.iter().flatten().map(|i| (i.type_.clone(), i.value.clone(), defang(&i.value))).collect();
    Ok(OnePage { t: v.tr, chrome: v.chrome("organisation"), w, items, notice, errors, f })
}

#[get("/watchlists/{id}")]
pub async fn read(v: Visitor, id: web::Path<Uuid>, flash: web::Query<site::Flash>) -> ApiResult<HttpResponse> {
    let notice = flash.notice(&v.tr);
    site::page(&one_page(&v, id.into_inner(), notice, Vec::new(), Fields(Vec::new())).await?)
}

/// Adds the values typed and removes those ticked (`remove` = `type value`), at the version the
/// page was drawn at.
#[post("/watchlists/{id}")]
pub async fn change(v: Visitor, id: web::Path<Uuid>, body: web::Bytes) -> ApiResult<HttpResponse> {
    let f = Fields::parse(&body);
    v.check_csrf(&f.get("csrf"))?;
    let t = v.tr;
    let id = id.into_inner();
    let (add, lines) = match items_of(&t, &f.get("add")) {
        Ok(typed) => typed,
        Err(e) => return site::page_with(StatusCode::UNPROCESSABLE_ENTITY, &one_page(&v, id, None, vec![e], f).await?),
    };
    let remove = f
        .all("remove")
        .iter()
        .filter_map(|r| r.split_once(' '))
        .map(|(k, value)| WatchItem { type_: k.to_string(), value: value.to_string() })
        .collect();
    let version = f.get("version").parse::<i32>().ok();
    let act = v.authorize(Action::UpdateWatchlist).await?;
    let body = UpdateWatchlist { name: f.opt("name"), add, remove };
    match service::update(&v.state, &act, id, IfMatch(version), &body).await {
        Ok(_) => Ok(site::see(&format!("/console/watchlists/{id}?done=watchlist_saved"))),
        Err(ApiError::Validation(list)) => {
            // Errors of `remove` name ticked values, which come from the page itself.
            site::page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &one_page(&v, id, None, labelled(&t, list, &lines), f).await?,
            )
        }
        Err(ApiError::PreconditionFailed(_) | ApiError::PreconditionRequired) => {
            let errors = vec![(t.get("lists-title"), t.get("alert-reload"))];
            site::page_with(StatusCode::CONFLICT, &one_page(&v, id, None, errors, f).await?)
        }
        Err(e) => Err(e),
    }
}

#[post("/watchlists/{id}/delete")]
pub async fn delete(v: Visitor, id: web::Path<Uuid>, body: web::Bytes) -> ApiResult<HttpResponse> {
    v.check_csrf(&Fields::parse(&body).get("csrf"))?;
    let act = v.authorize(Action::DeleteWatchlist).await?;
    service::delete(&v.state, &act, id.into_inner()).await?;
    Ok(site::see("/console/watchlists?done=watchlist_deleted"))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(lists).service(create).service(read).service(change).service(delete);
}
