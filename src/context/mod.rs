//! What else the model should see besides the stub: the file's outline, the `.proto` definitions of the
//! request and reply, for sponge's layers the dao, model and error codes, and for Rust the trait method
//! a stub implements and the types its signature names. Each piece is found by the code, not named by
//! the user. Rendering into a prompt and the token budget live in `prompt.rs`.

pub mod crate_items;
pub mod gather;
pub mod proto;
pub mod sponge;
pub mod tokens;
