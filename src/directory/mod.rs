//! The directory: people, their roles, groups and memberships. Every change records an audit event
//! in the same transaction.

pub mod groups;
mod names;
pub mod profiles;
pub mod users;

pub use groups::Group;
pub use names::{Email, GroupName, Role, Username, is_readable, readable};
pub use users::{NewUser, User, UserChanges};
