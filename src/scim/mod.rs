//! SCIM 2.0 (RFC 7643, RFC 7644) at `/scim/v2`: how an HR system provisions people and groups.
//!
//! - [`auth`]: the provisioning client, from a `client_credentials` token with the `scim` scope;
//! - [`filter`]: the bounded filter and path parser and its evaluation;
//! - [`resource`], [`records`]: users and groups as SCIM resources (core, enterprise extension);
//! - [`list`], [`patch`]: listing (filter, sort, paging, attributes) and PATCH;
//! - [`users`], [`groups`]: the endpoints, over the admin service functions;
//! - [`discovery`], [`schemas`]: ServiceProviderConfig, ResourceTypes, Schemas;
//! - [`start_pass`]: the pass a start date (tapid's extension) asks for, issued when it comes in reach;
//! - [`error`]: SCIM error documents with `scimType`.

pub mod auth;
mod discovery;
pub mod error;
pub mod filter;
mod groups;
pub mod list;
pub mod patch;
mod records;
pub mod resource;
mod respond;
mod schemas;
pub mod start_pass;
mod users;

use axum::Router;
use axum::routing::{MethodRouter, get, post};

use crate::state::AppState;
use error::ScimError;

pub const CONTENT_TYPE: &str = "application/scim+json";
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// tapid's own extension of User: `startDate`, the day the person starts (a pass is issued for it).
pub const TAPID_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:tapid:2.0:User";
/// The extensions of User tapid stores, in the order they are shown.
pub const USER_EXTENSIONS: [&str; 2] = [ENTERPRISE_SCHEMA, TAPID_SCHEMA];
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Lower-case prefix of the core schemas' URNs (paths under it are top-level attributes).
pub const CORE_PREFIX: &str = "urn:ietf:params:scim:schemas:core:2.0:";

/// The base URL of the SCIM service, for `meta.location` and `$ref`.
pub fn base_url(state: &AppState) -> String {
    state.config.issuer.url("/scim/v2")
}

fn route(methods: MethodRouter<AppState>) -> MethodRouter<AppState> {
    methods.fallback(method_not_allowed)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/scim/v2/ServiceProviderConfig",
            route(get(discovery::service_provider_config)),
        )
        .route(
            "/scim/v2/ResourceTypes",
            route(get(discovery::resource_types_get)),
        )
        .route(
            "/scim/v2/ResourceTypes/{id}",
            route(get(discovery::resource_type_get)),
        )
        .route("/scim/v2/Schemas", route(get(discovery::schemas_get)))
        .route("/scim/v2/Schemas/{id}", route(get(discovery::schema_get)))
        .route(
            "/scim/v2/Users",
            route(get(users::users_get).post(users::users_post)),
        )
        .route("/scim/v2/Users/.search", route(post(users::users_search)))
        .route(
            "/scim/v2/Users/{id}",
            route(
                get(users::user_get)
                    .put(users::user_put)
                    .patch(users::user_patch)
                    .delete(users::user_delete),
            ),
        )
        .route(
            "/scim/v2/Groups",
            route(get(groups::groups_get).post(groups::groups_post)),
        )
        .route(
            "/scim/v2/Groups/.search",
            route(post(groups::groups_search)),
        )
        .route(
            "/scim/v2/Groups/{id}",
            route(
                get(groups::group_get)
                    .put(groups::group_put)
                    .patch(groups::group_patch)
                    .delete(groups::group_delete),
            ),
        )
        .route("/scim/v2/.search", route(post(groups::root_search)))
        .route("/scim/v2", route(get(not_found)))
        .route("/scim/v2/{*rest}", get(not_found).fallback(not_found))
}

async fn method_not_allowed() -> ScimError {
    ScimError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        None,
        "this endpoint does not serve that method",
    )
}

async fn not_found() -> ScimError {
    ScimError::not_found("this SCIM endpoint")
}
