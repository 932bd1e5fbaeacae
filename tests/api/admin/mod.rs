//! The admin API (`/api/v1`) and the admin console (`/admin`): the same rules through both.

mod access_token_alg;
mod api_audit;
mod api_clients;
mod api_groups;
mod api_methods;
mod api_outage;
mod api_policy;
mod api_users;
mod client_flags;
mod console_access;
mod console_admin;
mod console_bulk;
mod console_errors;
mod console_helpdesk;
mod console_shown_once;
mod console_times;
mod console_wording;
mod disabled_user_pass;
mod method_pass;
mod openapi;
mod user_list;
