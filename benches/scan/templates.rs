//! The Go source templates of the generated files, and their expansion. The texts are the `*.go.tpl`
//! files in `templates/`, read in at build time: `$X` tokens are expanded by [`expand`], and a run of
//! four spaces at the start of a line becomes a tab (gofmt indents with tabs); `$t` is a tab anywhere.
//! `dao/custom.go.tpl` also holds `$F`, a string field, which its user replaces first. Which template
//! goes where is left to `file.rs`. A template's bytes are the file's exactly: a final newline, or its
//! absence, is part of the generated code.

/// What the `$X` tokens of a template stand for.
pub struct Vars<'a> {
    pub pascal: &'a str, // $E  Coupon
    pub camel: &'a str,  // $e  coupon
    pub snake: &'a str,  // $s  coupon
    pub api: &'a str,    // $A  svc0001V1
    pub module: &'a str, // $M  svc0001
    pub recv: &'a str,   // $H  couponHandler
    pub layer: &'a str,  // $L  handler
    pub name: &'a str,   // $N  RedeemCoupon
    pub desc: &'a str,   // $D  doc text
}

/// Appends `tpl` to `out` with its tokens expanded and its leading four-space runs turned into tabs.
pub fn expand(out: &mut String, tpl: &str, v: &Vars) {
    let bytes = tpl.as_bytes();
    let mut i = 0;
    let mut line_start = true;
    while i < bytes.len() {
        if line_start && bytes[i..].starts_with(b"    ") {
            out.push('\t');
            i += 4;
            continue;
        }
        line_start = false;
        match bytes[i] {
            b'\n' => {
                out.push('\n');
                line_start = true;
                i += 1;
            }
            b'$' if i + 1 < bytes.len() => {
                let s = match bytes[i + 1] {
                    b'E' => v.pascal,
                    b'e' => v.camel,
                    b's' => v.snake,
                    b'A' => v.api,
                    b'M' => v.module,
                    b'H' => v.recv,
                    b'L' => v.layer,
                    b'N' => v.name,
                    b'D' => v.desc,
                    b't' => "\t",
                    _ => "$",
                };
                out.push_str(s);
                i += if s == "$" && bytes[i + 1] != b'$' {
                    1
                } else {
                    2
                };
            }
            _ => {
                let start = i;
                while i < bytes.len() && bytes[i] != b'$' && bytes[i] != b'\n' {
                    i += 1;
                }
                if start == i {
                    out.push('$');
                    i += 1;
                } else {
                    out.push_str(&tpl[start..i]);
                }
            }
        }
    }
}

pub const HANDLER_HEADER: &str = include_str!("templates/handler/header.go.tpl");
pub const HANDLER_CRUD: &[&str] = &[
    include_str!("templates/handler/create.go.tpl"),
    include_str!("templates/handler/delete_by_id.go.tpl"),
    include_str!("templates/handler/update_by_id.go.tpl"),
    include_str!("templates/handler/get_by_id.go.tpl"),
    include_str!("templates/handler/list.go.tpl"),
];
pub const HANDLER_CUSTOM_HEAD: &str = include_str!("templates/handler/custom_head.go.tpl");
pub const HANDLER_CUSTOM_TAIL: &str = include_str!("templates/handler/custom_tail.go.tpl");
pub const HANDLER_STEPS: &[&str] = &[
    include_str!("templates/handler/step_empty_reply.go.tpl"),
    include_str!("templates/handler/step_collect_ids.go.tpl"),
    include_str!("templates/handler/step_sort_newest.go.tpl"),
    include_str!("templates/handler/step_log_stale.go.tpl"),
    include_str!("templates/handler/step_update_by_key.go.tpl"),
    include_str!("templates/handler/step_convert_all.go.tpl"),
    include_str!("templates/handler/step_check_done.go.tpl"),
    include_str!("templates/handler/step_log_truncated.go.tpl"),
];
pub const HANDLER_CONVERT_HEAD: &str = include_str!("templates/handler/convert_head.go.tpl");
pub const HANDLER_CONVERT_TAIL: &str = include_str!("templates/handler/convert_tail.go.tpl");
pub const DAO_HEADER: &str = include_str!("templates/dao/header.go.tpl");
pub const DAO_CRUD: &[&str] = &[
    include_str!("templates/dao/create.go.tpl"),
    include_str!("templates/dao/delete_by_id.go.tpl"),
    include_str!("templates/dao/update_by_id.go.tpl"),
    include_str!("templates/dao/get_by_id.go.tpl"),
    include_str!("templates/dao/get_by_columns.go.tpl"),
    include_str!("templates/dao/create_by_tx.go.tpl"),
];
pub const DAO_CUSTOM: &str = include_str!("templates/dao/custom.go.tpl");
pub const GENERIC_FUNCS: &[&str] = &[
    include_str!("templates/generic/limit.go.tpl"),
    include_str!("templates/generic/threshold.go.tpl"),
    include_str!("templates/generic/timeout.go.tpl"),
    include_str!("templates/generic/options.go.tpl"),
];
