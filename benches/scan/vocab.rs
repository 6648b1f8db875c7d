//! The words the generated Go code is made of: entity nouns, method verbs and suffixes, and the doc texts
//! of stubs and of finished functions. How they are put together is left to `plan.rs` and `file.rs`.

pub const NOUNS: &[&str] = &[
    "coupon",
    "order",
    "user",
    "product",
    "payment",
    "cart",
    "address",
    "invoice",
    "refund",
    "shipment",
    "inventory",
    "category",
    "review",
    "comment",
    "message",
    "notice",
    "member",
    "point",
    "wallet",
    "voucher",
    "campaign",
    "banner",
    "article",
    "tag",
    "device",
    "session",
    "ticket",
    "seat",
    "schedule",
    "course",
    "lesson",
    "teacher",
    "student",
    "score",
    "report",
    "channel",
    "merchant",
    "store",
    "warehouse",
    "supplier",
];

pub const VERBS: &[&str] = &[
    "Redeem",
    "Cancel",
    "Approve",
    "Reject",
    "Refresh",
    "Sync",
    "Export",
    "Import",
    "Archive",
    "Restore",
    "Verify",
    "Assign",
    "Transfer",
    "Merge",
    "Split",
    "Settle",
    "Freeze",
    "Unfreeze",
    "Publish",
    "Withdraw",
    "Rank",
    "Recommend",
    "BatchUpdate",
    "Count",
    "Search",
    "Summarize",
    "Lock",
    "Unlock",
    "Audit",
    "Notify",
];

pub const SUFFIXES: &[&str] = &[
    "", "ByUser", "ByStatus", "InBatch", "WithTx", "ForToday", "ByTime", "Stats", "Detail",
    "Snapshot",
];

/// Doc-comment text of stubs; `{e}` is the entity. No quote or backslash: they also go into
/// `panic("prompt: …")`.
pub const STUB_DOCS: &[&str] = &[
    "优惠券核销: 校验优惠券属于该用户、未使用且未过期, 标记为已使用并记录核销流水",
    "查询{e}列表, 按创建时间倒序, 支持分页和状态过滤",
    "批量更新{e}状态, 任何一条失败则整体回滚",
    "validate the request, load the {e} by id and mark it as processed; NotFound when it does not exist",
    "return the {e} records of the current user whose status matches, newest first, at most req.Limit",
    "统计今日{e}数量和金额, 结果缓存五分钟",
    "cancel the {e} when it is still pending, release the reserved stock and write an audit record",
    "检查{e}是否已被锁定, 未锁定时加锁并返回锁的过期时间",
    "export the {e} rows created between req.StartTime and req.EndTime as CSV lines",
    "把{e}转移给另一个用户: 两个用户都必须存在, 转移记录写入流水表",
];

pub const STUB_DETAILS: &[&str] = &[
    "The caller must own the record; admins may act on any record.",
    "返回的错误码使用 ecode 包中已定义的错误。",
    "Reuse the dao methods that exist; add one to the dao when none fits.",
    "注意并发: 同一条记录同时只能被处理一次。",
    "Times are RFC 3339 strings in the reply.",
];

pub const IMPL_DOCS: &[&str] = &[
    "returns the {e} records that match the request, newest first",
    "updates the {e} fields that are set in the request",
    "counts the {e} records per status",
    "refreshes the cached {e} after a change",
    "checks that the {e} may still be changed by the caller",
];
