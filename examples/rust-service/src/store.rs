//! The storage contract every store implements.

use std::fmt;

use crate::model::{NewUser, User, UserId};

/// Why a store refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// No user has this id.
    NotFound(UserId),
    /// The (normalized) email is taken by another user.
    DuplicateEmail(String),
    /// The email is not a valid address.
    InvalidEmail(String),
    /// The store cannot be changed.
    ReadOnly,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound(id) => write!(f, "no user with id {}", id.0),
            StoreError::DuplicateEmail(email) => write!(f, "{email} is already registered"),
            StoreError::InvalidEmail(email) => write!(f, "{email:?} is not a valid email address"),
            StoreError::ReadOnly => f.write_str("the store is read-only"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Where users are kept.
pub trait UserStore {
    /// Finds the user with this id, active or not.
    ///
    /// Returns `StoreError::NotFound` when there is none.
    fn find(&self, id: UserId) -> Result<User, StoreError>;

    /// Creates an active user and returns it with its new id.
    ///
    /// The email is normalized first (`model::email::normalize`); an invalid one is refused with
    /// `StoreError::InvalidEmail` (holding the email as given), one already used by another user with
    /// `StoreError::DuplicateEmail` (holding the normalized email). Ids are assigned in increasing order.
    fn insert(&mut self, new: NewUser) -> Result<User, StoreError>;

    /// The active users, ordered by id.
    fn list_active(&self) -> Vec<User>;

    /// How many users are active.
    fn count_active(&self) -> usize {
        todo!("count the active users")
    }
}
