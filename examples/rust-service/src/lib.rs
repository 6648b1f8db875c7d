//! A user directory: users live in a [`store::UserStore`], kept in memory ([`memory::MemoryStore`]) or
//! frozen from a snapshot ([`frozen::FrozenStore`]).

pub mod frozen;
pub mod memory;
pub mod model;
pub mod store;

pub use model::{NewUser, User, UserId};
pub use store::{StoreError, UserStore};
