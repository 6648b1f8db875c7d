//! What the token budget may drop from a prompt, in the order it drops it. The pieces are named by
//! what they are to the model (error codes, a model, nested messages, …), not by who found them: a
//! scaffold's context parts say which piece they are ([`crate::scaffold::Part::drop_as`]).

use serde::Serialize;

/// Context pieces the budget may drop, in the order it drops them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Droppable {
    ErrorCodes,
    Model,
    NestedProtoMessages,
    DaoOutline,
    OtherFunctionSignatures,
}

impl Droppable {
    pub const ORDER: [Droppable; 5] = [
        Droppable::ErrorCodes,
        Droppable::Model,
        Droppable::NestedProtoMessages,
        Droppable::DaoOutline,
        Droppable::OtherFunctionSignatures,
    ];

    pub fn describe(self) -> &'static str {
        match self {
            Droppable::ErrorCodes => "error codes",
            Droppable::Model => "model",
            Droppable::NestedProtoMessages => "nested proto messages",
            Droppable::DaoOutline => "dao outline",
            Droppable::OtherFunctionSignatures => "other functions' signatures",
        }
    }
}
