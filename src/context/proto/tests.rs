//! The index end to end: the example module's protos, and small files written for each case.

use std::path::{Path, PathBuf};

use super::{ProtoIndex, RenderedType};

fn example_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/store")
}

fn example_index() -> ProtoIndex {
    let (index, warnings) = ProtoIndex::load(&example_root());
    assert!(warnings.is_empty(), "{warnings:?}");
    index
}

fn index_of(files: &[(&str, &str)]) -> ProtoIndex {
    let mut index = ProtoIndex::default();
    for (path, source) in files {
        if let Err(warning) = index.add_source(Path::new(path), source) {
            panic!("{warning}");
        }
    }
    index
}

fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

fn names(types: &[RenderedType]) -> Vec<(&str, u8)> {
    types.iter().map(|t| (t.name.as_str(), t.depth)).collect()
}

#[test]
fn indexes_the_example_services() {
    let index = example_index();
    let package = index
        .package("api.store.v1")
        .expect("the example's package");
    let services: Vec<(&str, usize)> = package
        .services
        .iter()
        .map(|s| (s.name.as_str(), s.rpcs.len()))
        .collect();
    assert_eq!(services, [("coupon", 8), ("order", 8)]);
    assert_eq!(
        package.services[0].comments.leading.as_deref(),
        Some("coupon 优惠券服务 coupon service")
    );
    assert_eq!(
        package.services[0].file,
        Path::new("api/store/v1/coupon.proto")
    );
}

#[test]
fn every_example_rpc_is_found_with_its_comment_and_http_rule() {
    let index = example_index();
    let package = index
        .package("api.store.v1")
        .expect("the example's package");
    for service in &package.services {
        for rpc in &service.rpcs {
            let context = index.context_for(&[&rpc.request, &rpc.reply]);
            let [info] = context.rpcs.as_slice() else {
                panic!("{}: {:?}", rpc.name, context.rpcs);
            };
            assert_eq!(
                (info.service.as_str(), info.name.as_str()),
                (service.name.as_str(), rpc.name.as_str())
            );
            assert!(
                info.comment.starts_with(&rpc.name),
                "{}: {:?}",
                rpc.name,
                info.comment
            );
            let http = info.http.as_deref().unwrap_or_default();
            assert!(http.contains(" /api/v1/"), "{}: {http:?}", rpc.name);
            assert_eq!(
                names(&context.messages)[..2],
                [(rpc.request.as_str(), 0), (rpc.reply.as_str(), 0)]
            );
        }
    }
    let rpc = |name: &str| {
        let context = index.context_for(&[name]);
        context.rpcs.into_iter().next().expect("an rpc")
    };
    let redeem = rpc("RedeemCouponRequest");
    assert_eq!(
        redeem.http.as_deref(),
        Some(r#"POST /api/v1/coupon/redeem (body "*")"#)
    );
    assert_eq!(redeem.file, Path::new("api/store/v1/coupon.proto"));
    assert!(
        redeem.comment.contains("\nand that orderAmount reaches"),
        "{}",
        redeem.comment
    );
    let delete = rpc("DeleteOrderByIDReply");
    assert_eq!(delete.http.as_deref(), Some("DELETE /api/v1/order/{id}"));
}

#[test]
fn request_and_reply_fields_all_carry_their_comments() {
    let index = example_index();
    let package = index
        .package("api.store.v1")
        .expect("the example's package");
    for rpc in package.services.iter().flat_map(|s| &s.rpcs) {
        let context = index.context_for(&[&rpc.request]);
        for name in [&rpc.request, &rpc.reply] {
            let message = &package.messages[name];
            let rendered = context
                .messages
                .iter()
                .find(|m| &m.name == name)
                .expect("rendered");
            for field in &message.fields {
                let comment = field.comments.trailing.as_deref().expect("a field comment");
                let line = format!("{} = {}; // {comment}\n", field.name, field.number);
                assert!(
                    rendered.text.contains(&line),
                    "{name}: {line:?} in\n{}",
                    rendered.text
                );
            }
        }
    }
}

#[test]
fn renders_the_redeem_coupon_context() {
    let index = example_index();
    let context = index.context_for(&["RedeemCouponRequest", "RedeemCouponReply"]);
    let expected = r#"// api/store/v1/coupon.proto
service coupon {
  // RedeemCoupon 优惠券核销: check the coupon belongs to the customer, is unused (ISSUED) and not expired,
  // and that orderAmount reaches the coupon's minSpend; then mark it USED with the order id and the use time
  // in one conditional update, so that it can never be redeemed twice. Reply with the discount (never more
  // than orderAmount) and the amount left to pay.
  rpc RedeemCoupon(RedeemCouponRequest) returns (RedeemCouponReply); // POST /api/v1/coupon/redeem (body "*")
}

message RedeemCouponRequest {
  uint64 couponID = 1; // 优惠券id coupon to redeem
  uint64 customerID = 2; // customer redeeming it, must be the holder
  uint64 orderID = 3; // 订单id order the coupon is applied to
  int64 orderAmount = 4; // order amount before discount, in cents
}

message RedeemCouponReply {
  int64 discountAmount = 1; // 抵扣金额 discount actually applied, in cents
  int64 payAmount = 2; // 应付金额 orderAmount minus the discount, in cents
  int64 usedAt = 3; // redemption time, unix seconds
}
"#;
    assert_eq!(context.render(), expected);
}

#[test]
fn referenced_messages_and_enums_come_with_their_depth() {
    let index = example_index();
    let context = index.context_for(&["*storeV1.ListCustomerCouponsReply"]);
    assert_eq!(
        names(&context.messages),
        [
            ("ListCustomerCouponsReply", 0),
            ("ListCustomerCouponsRequest", 0),
            ("CouponDetail", 1)
        ]
    );
    assert_eq!(names(&context.enums), [("CouponStatus", 1)]);
    let status = &context.enums[0].text;
    assert!(status
        .starts_with("// CouponStatus 优惠券状态 lifecycle of a coupon\nenum CouponStatus {\n"));
    assert!(status.contains("  COUPON_STATUS_USED = 2; // 已核销 redeemed on an order\n"));
    let detail = &context.messages[2].text;
    assert!(detail.contains("  CouponStatus status = 8; // current status\n"));
    let reply = &context.messages[0].text;
    assert!(reply
        .contains("  repeated CouponDetail coupons = 2; // coupons on this page, newest first\n"));

    let mut budgeted = context.clone();
    budgeted.drop_deeper_than(0);
    assert_eq!(budgeted.messages.len(), 2);
    assert!(budgeted.enums.is_empty());
    assert_eq!(budgeted.rpcs, context.rpcs);
}

const CHAIN: &str = r#"syntax = "proto3";
package deep.v1;
option go_package = "deep/api/deep/v1;v1";
service chain { rpc Walk(A) returns (A); }
// A is asked about
message A { B b = 1; repeated A again = 2; }
message B { // B trails
  C c = 1;
}
message C { D d = 1; E e = 2; }
message D { string s = 1; }
enum E { E_UNSPECIFIED = 0; }
"#;

#[test]
fn references_stop_two_levels_deep() {
    let index = index_of(&[("api/deep/v1/deep.proto", CHAIN)]);
    let context = index.context_for(&["A"]);
    assert_eq!(names(&context.messages), [("A", 0), ("B", 1), ("C", 2)]);
    assert!(context.enums.is_empty(), "E is three levels deep");
    assert_eq!(context.rpcs.len(), 1);
    assert!(context.messages[0]
        .text
        .starts_with("// A is asked about\nmessage A {\n"));
    assert!(context.messages[1]
        .text
        .starts_with("message B { // B trails\n"));
}

#[test]
fn nested_types_map_to_go_names_and_render_inside_their_message() {
    let source = r#"syntax = "proto3";
package shop.v1;
message Cart {
  // one line of the cart
  message Line {
    string sku = 1; // stock keeping unit
    Kind kind = 2;
    enum Kind { // why it is there
      KIND_UNSPECIFIED = 0;
      GIFT = 1;
    }
  }
  repeated Line lines = 1; // lines in order
  map<string, Line> bySku = 2; // the same lines by sku
  oneof owner {
    // a signed-in customer
    uint64 customerID = 3;
    string sessionID = 4; // an anonymous session
  }
  optional string note = 5; // free text
}
message Checkout { Cart.Line first = 1; }
"#;
    let index = index_of(&[("api/shop/v1/cart.proto", source)]);
    for go_name in ["Cart_Line", "Cart.Line", "*shopV1.Cart_Line"] {
        let context = index.context_for(&[go_name]);
        assert_eq!(names(&context.messages), [("Cart.Line", 0)], "{go_name}");
        assert!(context.enums.is_empty(), "the enum is inside Cart.Line");
        assert!(context.messages[0]
            .text
            .starts_with("// one line of the cart\nmessage Cart.Line {\n"));
    }
    let shadowed = index_of(&[
        ("a.proto", source),
        ("b.proto", "syntax = \"proto3\";\nmessage Line {}\n"),
    ]);
    let context = shadowed.context_for(&["Cart.Line"]);
    assert_eq!(names(&context.messages), [("Cart.Line", 0)]);

    let kind = index.context_for(&["Cart_Line_Kind"]);
    assert_eq!(names(&kind.enums), [("Cart.Line.Kind", 0)]);

    let checkout = index.context_for(&["Checkout"]);
    assert_eq!(
        names(&checkout.messages),
        [("Checkout", 0), ("Cart.Line", 1)]
    );
    assert!(checkout.messages[0]
        .text
        .contains("  Cart.Line first = 1;\n"));

    let cart = index.context_for(&["Cart"]);
    assert_eq!(
        names(&cart.messages),
        [("Cart", 0)],
        "Cart.Line is shown inside Cart"
    );
    let expected = r#"message Cart {
  // one line of the cart
  message Line {
    enum Kind { // why it is there
      KIND_UNSPECIFIED = 0;
      GIFT = 1;
    }
    string sku = 1; // stock keeping unit
    Kind kind = 2;
  }
  repeated Line lines = 1; // lines in order
  map<string, Line> bySku = 2; // the same lines by sku
  oneof owner {
    // a signed-in customer
    uint64 customerID = 3;
    string sessionID = 4; // an anonymous session
  }
  optional string note = 5; // free text
}
"#;
    assert_eq!(cart.messages[0].text, expected);
}

#[test]
fn validation_rules_are_kept_and_other_field_options_are_not() {
    let source = r#"syntax = "proto3";
package v.v1;
message Req {
  uint64 id = 1 [(validate.rules).uint64.gt = 0, (tagger.tags) = "uri:\"id\""]; // coupon id
  string code = 2 [(validate.rules).string = {min_len: 12, max_len: 12}];
  string name = 3 [json_name = "n", deprecated = true];
}
"#;
    let index = index_of(&[("v.proto", source)]);
    let text = &index.context_for(&["Req"]).messages[0].text;
    let expected = r#"message Req {
  uint64 id = 1 [(validate.rules).uint64.gt = 0]; // coupon id
  string code = 2 [(validate.rules).string = {min_len: 12, max_len: 12}];
  string name = 3;
}
"#;
    assert_eq!(text, expected);
}

#[test]
fn a_broken_proto_is_a_warning_and_the_others_are_indexed() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_files(
        dir.path(),
        &[
            ("api/deep/v1/deep.proto", CHAIN),
            (
                "api/bad/v1/bad.proto",
                "syntax = \"proto3\";\nmessage Broken {\n  string = 1;\n}\n",
            ),
        ],
    );
    let (index, warnings) = ProtoIndex::load(dir.path());
    let [warning] = warnings.as_slice() else {
        panic!("{warnings:?}");
    };
    assert_eq!(warning.path, dir.path().join("api/bad/v1/bad.proto"));
    assert!(
        warning
            .reason
            .starts_with("not valid protobuf: line 3, column "),
        "{}",
        warning.reason
    );
    assert_eq!(index.context_for(&["A"]).messages.len(), 3);
    assert!(index.context_for(&["Broken"]).is_empty());
}

#[test]
fn a_type_no_proto_declares_gives_an_empty_context() {
    let index = example_index();
    for name in [
        "NoSuchRequest",
        "",
        "*storeV1.NoSuchReply",
        "model.Coupon",
        "context.Context",
    ] {
        assert!(index.context_for(&[name]).is_empty(), "{name}");
    }
    assert!(index.context_for(&[]).is_empty());
    assert!(ProtoIndex::default()
        .context_for(&["RedeemCouponRequest"])
        .is_empty());
}

#[test]
fn skips_vendored_hidden_and_ignored_protos() {
    let dir = tempfile::tempdir().expect("tempdir");
    let message = |name: &str| format!("syntax = \"proto3\";\npackage p;\nmessage {name} {{}}\n");
    let files = [
        ("api/p/v1/kept.proto", message("Kept")),
        ("vendor/x/a.proto", message("Vendored")),
        ("third_party/google/api/http.proto", message("ThirdParty")),
        ("web/node_modules/b.proto", message("Npm")),
        (".cache/c.proto", message("Hidden")),
        ("gen/d.proto", message("Ignored")),
        (".gitignore", "gen/\n".to_string()),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    write_files(dir.path(), &files);
    let (index, warnings) = ProtoIndex::load(dir.path());
    assert!(warnings.is_empty(), "{warnings:?}");
    let package = index.package("p").expect("package p");
    assert_eq!(package.messages.keys().collect::<Vec<_>>(), ["Kept"]);
}

#[test]
fn reads_every_spelling_of_the_http_rule() {
    let source = r#"syntax = "proto3";
package h.v1;
service s {
  rpc Dotted(R) returns (R) { option (google.api.http).get = "/v1/dotted/{id}"; }
  rpc Custom(R) returns (R) { option (google.api.http) = { custom: { kind: "HEAD" path: "/v1/head" } }; }
  rpc Many(R) returns (R) {
    option (google.api.http) = {
      post: "/v1/many" body: "item"
      additional_bindings { put: "/v1/many/{id}" body: "*" }
    };
  }
  rpc Unicode(R) returns (R) { option (google.api.http) = { get: "/v1/优惠券" }; }
  rpc Plain(stream R) returns (stream R);
}
message R {}
"#;
    let index = index_of(&[("api/h/v1/h.proto", source)]);
    let rules: Vec<(String, Option<String>)> = index.package("h.v1").expect("package").services[0]
        .rpcs
        .iter()
        .map(|r| (r.name.clone(), r.http.clone()))
        .collect();
    let expected = [
        ("Dotted", Some("GET /v1/dotted/{id}")),
        ("Custom", Some("HEAD /v1/head")),
        (
            "Many",
            Some(r#"POST /v1/many (body "item"); PUT /v1/many/{id} (body "*")"#),
        ),
        ("Unicode", Some("GET /v1/优惠券")),
        ("Plain", None),
    ];
    let expected: Vec<(String, Option<String>)> = expected
        .iter()
        .map(|(n, h)| (n.to_string(), h.map(str::to_string)))
        .collect();
    assert_eq!(rules, expected);
    let context = index.context_for(&["R"]);
    assert_eq!(context.rpcs.len(), 5);
    assert!(context.rpcs[4]
        .render()
        .contains("  rpc Plain(stream R) returns (stream R);\n"));
}

#[test]
fn go_package_tells_same_named_types_apart() {
    let file = |package: &str, comment: &str| {
        format!(
                "syntax = \"proto3\";\npackage {package}.v1;\noption go_package = \"shop/api/{package}/v1;v1\";\n// {comment}\nmessage ListRequest {{}}\n"
            )
    };
    let user = file("user", "users");
    let item = file("item", "items");
    let index = index_of(&[
        ("api/user/v1/u.proto", &user),
        ("api/item/v1/i.proto", &item),
    ]);
    assert_eq!(index.context_for(&["ListRequest"]).messages.len(), 2);
    let items = index.context_for_go_package("shop/api/item/v1", &["ListRequest"]);
    let [only] = items.messages.as_slice() else {
        panic!("{items:?}");
    };
    assert!(only.text.starts_with("// items\n"));
    assert!(index
        .context_for_go_package("shop/api/none/v1", &["ListRequest"])
        .is_empty());
}

#[test]
fn a_second_declaration_of_a_type_is_a_warning() {
    let mut index = ProtoIndex::default();
    let source = "syntax = \"proto3\";\npackage p;\nmessage Same {}\n";
    assert!(index.add_source(Path::new("a.proto"), source).is_ok());
    let warning = index
        .add_source(Path::new("b.proto"), source)
        .expect_err("a duplicate");
    assert_eq!(warning.path, Path::new("b.proto"));
    assert!(
        warning.reason.contains("already declared in a.proto"),
        "{}",
        warning.reason
    );
}
