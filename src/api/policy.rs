//! `/api/v1/policy`: the Temporary Access Pass policy.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::auth::ApiCaller;
use super::body::JsonBody;
use crate::admin::service::policy;
use crate::error::AppError;
use crate::state::AppState;
use crate::tap::Policy;
use crate::tap::policy::{PolicyChanges, ScopeChange};

pub async fn policy_get(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Policy>, AppError> {
    Ok(Json(policy::get(&state.db, &caller.authority).await?))
}

/// Changes; absent fields stay as they are. Groups are named.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    enabled: Option<bool>,
    all_users: Option<bool>,
    include_groups: Option<Vec<String>>,
    exclude_groups: Option<Vec<String>>,
    min_lifetime: Option<u32>,
    max_lifetime: Option<u32>,
    default_lifetime: Option<u32>,
    default_length: Option<u32>,
    one_time_required: Option<bool>,
    max_failed_attempts: Option<u32>,
    enrollment_window: Option<u32>,
}

impl PolicyBody {
    fn changes(self) -> PolicyChanges {
        let scope = match (self.all_users, self.include_groups) {
            (Some(true), _) => Some(ScopeChange::AllUsers),
            (_, Some(groups)) => Some(ScopeChange::Groups(groups)),
            (Some(false), None) => Some(ScopeChange::Groups(Vec::new())),
            (None, None) => None,
        };
        PolicyChanges {
            enabled: self.enabled,
            min_lifetime: self.min_lifetime,
            max_lifetime: self.max_lifetime,
            default_lifetime: self.default_lifetime,
            default_length: self.default_length,
            one_time_required: self.one_time_required,
            scope,
            exclude_groups: self.exclude_groups,
            max_failed_attempts: self.max_failed_attempts,
            enrollment_window: self.enrollment_window,
        }
    }
}

pub async fn policy_patch(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<PolicyBody>,
) -> Result<Json<Policy>, AppError> {
    let policy = policy::update(
        &state.db,
        &caller.authority,
        body.changes(),
        caller.address.clone(),
    )
    .await?;
    Ok(Json(policy))
}
