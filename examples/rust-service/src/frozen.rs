//! A read-only store made from a snapshot of users.

use crate::model::{NewUser, User, UserId};
use crate::store::{StoreError, UserStore};

/// A snapshot of users, sorted by id.
#[derive(Debug, Clone)]
pub struct FrozenStore {
    users: Vec<User>,
}

impl FrozenStore {
    pub fn new(mut users: Vec<User>) -> FrozenStore {
        users.sort_by_key(|u| u.id);
        FrozenStore { users }
    }
}

impl UserStore for FrozenStore {
    fn find(&self, id: UserId) -> Result<User, StoreError> {
        self.users
            .binary_search_by_key(&id, |u| u.id)
            .map(|at| self.users[at].clone())
            .map_err(|_| StoreError::NotFound(id))
    }

    fn insert(&mut self, _new: NewUser) -> Result<User, StoreError> {
        Err(StoreError::ReadOnly)
    }

    /// The active users of the snapshot, ordered by id.
    fn list_active(&self) -> Vec<User> {
        todo!()
    }
}
