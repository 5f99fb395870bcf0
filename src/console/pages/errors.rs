//! The page of an error (what happened, what to do next).

use askama::Template;

use crate::console::i18n::Tr;
use crate::console::site::Chrome;

#[derive(Template)]
#[template(path = "console/error.html")]
pub struct ErrorPage {
    pub t: Tr,
    pub chrome: Chrome,
    pub title: String,
    pub next_step: String,
    pub detail: String,
    pub fields: Vec<(String, String)>,
    pub request_id: String,
}
