//! Console forms arrive as a list of pairs: a field may repeat (checkboxes), which the plain form
//! extractor cannot express.

use axum::Form;
use axum::extract::{FromRequest, Request};

use crate::error::AppError;
use crate::pages::PageError;

pub struct Fields(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, PageError> {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(|e| {
                tracing::debug!(error = %e.body_text(), "a console form that does not parse");
                AppError::invalid("The form could not be read. Reload the page and try again.")
            })?;
        Ok(Self(pairs))
    }
}

impl Fields {
    /// The first value of a field, as sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value trimmed, `None` when empty.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn csrf(&self) -> &str {
        self.get("csrf").unwrap_or_default()
    }

    /// Lines of a text area, trimmed, without empty ones.
    pub fn lines(&self, name: &str) -> Vec<String> {
        self.get(name)
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    }
}
