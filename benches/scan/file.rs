//! One generated file's text: gofmt-style Go for its kind, filled to a drawn size, with the stubs and
//! decoys drawn for it placed between the filler declarations; the lines and names of its stubs. Where
//! the file goes and what is recorded of it is left to `tree.rs`.

use std::collections::HashSet;

use crate::plan::{snake_of, Entity, FileSpec, Kind, Service};
use crate::rng::Rng;
use crate::templates::*;
use crate::vocab::*;
use crate::{DECOY_FILE_SHARE, STUB_FILE_SHARE};

#[derive(Clone, Copy)]
enum Shape {
    Handler { value: bool },
    Dao,
    Free,
    Generic,
    Typed, // a method on the file's own type (model struct, pb message, test mock)
}

#[derive(Default)]
pub struct Generated {
    pub text: String,
    pub stubs: Vec<(usize, String, Option<String>)>,
    pub decoys: usize,
}

struct FileGen<'a> {
    out: Generated,
    rng: Rng,
    svc: &'a Service,
    ent: &'a Entity,
    recv: String,
    typed: String,
    names: HashSet<String>,
    generic_declared: bool,
}

impl<'a> FileGen<'a> {
    fn vars<'b>(&'b self, name: &'b str, desc: &'b str) -> Vars<'b> {
        Vars {
            pascal: &self.ent.pascal,
            camel: &self.ent.camel,
            snake: &self.ent.snake,
            api: &self.svc.api,
            module: &self.svc.module,
            recv: &self.recv,
            layer: self.svc.layer,
            name,
            desc,
        }
    }

    fn emit(&mut self, tpl: &str, name: &str, desc: &str) {
        let mut text = std::mem::take(&mut self.out.text);
        expand(&mut text, tpl, &self.vars(name, desc));
        self.out.text = text;
    }

    fn line(&self) -> usize {
        self.out.text.bytes().filter(|&b| b == b'\n').count() + 1
    }

    fn unique_name(&mut self) -> String {
        loop {
            let name = format!(
                "{}{}{}",
                self.rng.pick(VERBS),
                self.ent.pascal,
                self.rng.pick(SUFFIXES)
            );
            if self.names.insert(name.clone()) {
                return name;
            }
            let numbered = format!("{name}{}", self.names.len());
            if self.names.insert(numbered.clone()) {
                return numbered;
            }
        }
    }

    fn doc(&mut self, table: &[&str]) -> String {
        self.rng.pick(table).replace("{e}", &self.ent.camel)
    }

    /// Writes one stub; records it when `planted` (files the tool reads).
    fn stub(&mut self, shape: Shape) {
        let name = self.unique_name();
        let desc = self.doc(STUB_DOCS);
        let t = &mut self.out.text;
        // The doc comment: `//` lines mostly, a `/* */` block sometimes, none now and then.
        match self.rng.below(20) {
            0 => {}
            1..=3 => {
                t.push_str(&format!("/*\n{name} {desc}\n"));
                t.push_str(self.rng.pick(STUB_DETAILS));
                t.push_str("\n*/\n");
            }
            _ => {
                t.push_str(&format!("// {name} {desc}\n"));
                for _ in 0..self.rng.below(3) {
                    t.push_str("// ");
                    t.push_str(self.rng.pick(STUB_DETAILS));
                    t.push('\n');
                }
            }
        }
        let (receiver, generic_type): (Option<String>, Option<String>) = match shape {
            Shape::Handler { .. } | Shape::Dao => (Some(self.recv.clone()), None),
            Shape::Typed => (Some(self.typed.clone()), None),
            Shape::Free => (None, None),
            Shape::Generic => {
                let ty = format!("{}Set", self.ent.pascal);
                (Some(ty.clone()), Some(ty))
            }
        };
        if let Some(ty) = &generic_type {
            if !self.generic_declared {
                // A type declaration between the doc and the func would steal the doc: put it first.
                let doc_start = t.rfind("\n\n").map_or(0, |p| p + 2);
                let decl = format!(
                    "// {ty} is a set of comparable values.\ntype {ty}[T comparable] struct {{\n\titems map[T]struct{{}}\n}}\n\n"
                );
                t.insert_str(doc_start, &decl);
                self.generic_declared = true;
            }
        }
        let line = self.line();
        let api = &self.svc.api;
        let e = &self.ent.pascal;
        let t = &mut self.out.text;
        let zero = match shape {
            Shape::Handler { .. } => "nil, nil",
            _ => "nil",
        };
        match shape {
            Shape::Handler { value } => t.push_str(&format!(
                "func (h {}{}) {name}(ctx context.Context, req *{api}.{name}Request) (*{api}.{name}Reply, error) {{\n",
                if value { "" } else { "*" },
                self.recv
            )),
            Shape::Dao => t.push_str(&format!(
                "func (d *{}) {name}(ctx context.Context, table *model.{e}) error {{\n",
                self.recv
            )),
            Shape::Typed => t.push_str(&format!(
                "func (m *{}) {name}(ctx context.Context) error {{\n",
                self.typed
            )),
            Shape::Free => t.push_str(&format!(
                "func {name}(ctx context.Context, ids []uint64) error {{\n"
            )),
            Shape::Generic => t.push_str(&format!(
                "func (s *{}Set[T]) {name}(items ...T) []T {{\n",
                e
            )),
        }
        let marker = match self.rng.below(20) {
            0..=13 => "implement me".to_string(),
            14..=18 => format!("prompt: {desc}"),
            _ => format!("implement me: {name} is not done yet"),
        };
        match self.rng.below(10) {
            // The marker inside a closure counts for the enclosing function.
            0 => t.push_str(&format!(
                "\tdone := make(chan struct{{}})\n\tgo func() {{\n\t\tdefer close(done)\n\t\tpanic(\"{marker}\")\n\t}}()\n\t<-done\n\n\treturn {zero}\n}}\n\n"
            )),
            // A statement before the marker.
            1 => t.push_str(&format!(
                "\tlogger.Debug(\"{name} called\")\n\tpanic(\"{marker}\")\n}}\n\n"
            )),
            _ => {
                t.push_str(&format!("\tpanic(\"{marker}\")\n\n"));
                t.push_str("\t// fill in the business logic code here\n\t// example:\n\t//\n");
                if let Shape::Handler { .. } = shape {
                    let ent = self.ent;
                    t.push_str("\t//\t    err := req.Validate()\n\t//\t    if err != nil {\n\t//\t\t    logger.Warn(\"req.Validate error\", logger.Err(err), logger.Any(\"req\", req), middleware.CtxRequestIDField(ctx))\n\t//\t\t    return nil, ecode.InvalidParams.Err()\n\t//\t    }\n\t//\t    ctx = middleware.WrapCtx(ctx)\n\t//\n");
                    t.push_str(&format!(
                        "\t//\t    reply, err := h.{}Dao.{name}(ctx, &model.{e}{{\n",
                        ent.camel
                    ));
                    for f in ent.fields.iter().take(4) {
                        t.push_str(&format!("\t//\t     \t{0}: req.{0},\n", f.name));
                    }
                    t.push_str(&format!("\t//\t    }})\n\t//\t    if err != nil {{\n\t//\t\t\tlogger.Warn(\"{name} error\", logger.Err(err), middleware.CtxRequestIDField(ctx))\n\t//\t\t\treturn nil, ecode.InternalServerError.Err()\n\t//\t\t}}\n\t//\n\t//\t    return &{api}.{name}Reply{{\n\t//\t     \tId: reply.Id,\n\t//\t    }}, nil\n}}\n\n"));
                } else {
                    t.push_str(&format!(
                        "\t//\t    if len(ids) == 0 {{\n\t//\t\t    return nil\n\t//\t    }}\n\t//\t    return {zero}\n}}\n\n"
                    ));
                }
            }
        }
        self.out.stubs.push((line, name, receiver));
    }

    /// Writes a function whose text holds marker text that is not an executed marker.
    fn decoy(&mut self) {
        let name = self.unique_name();
        self.out.decoys += 1;
        let t = &mut self.out.text;
        match self.rng.below(7) {
            0 => t.push_str(&format!(
                "// {name} was generated as panic(\"prompt: validate and save\") and is done now.\n"
            )),
            1 => t.push_str(
                "// The generator leaves\n//\n//\tpanic(\"implement me\")\n//\n// in new methods; the ones below are finished.\n\n",
            ),
            _ => t.push_str(&format!("// {name} prints the stub template.\n")),
        }
        t.push_str(&format!("func {name}(name, reason string) error {{\n"));
        let lines = [
            "\t// TODO(review): this used to be panic(\"implement me\")\n",
            "\tfmt.Println(\"panic(\\\"implement me\\\")\")\n",
            "\tconst tpl = `panic(\"prompt: fill me in\")`\n\t_ = tpl\n",
            "\t/* panic(\"implement me\") */\n",
            "\tmsg := fmt.Sprintf(\"%s: panic(\\\"prompt: %s\\\")\", name, reason)\n\t_ = msg\n",
            "\ts := \"x\" + `panic(\"implement me`\n\t_ = s\n",
        ];
        for _ in 0..self.rng.range(1, 3) {
            t.push_str(self.rng.pick(&lines));
        }
        t.push_str("\treturn nil\n}\n\n");
    }

    fn custom_handler(&mut self) {
        let name = self.unique_name();
        let desc = self.doc(IMPL_DOCS);
        self.emit(HANDLER_CUSTOM_HEAD, &name, &desc);
        for _ in 0..self.rng.range(1, 4) {
            let step = self.rng.pick(HANDLER_STEPS);
            self.emit(step, &name, &desc);
        }
        self.emit(HANDLER_CUSTOM_TAIL, &name, &desc);
    }

    fn convert(&mut self) {
        let name = if self.names.insert(format!("convert{}", self.ent.pascal)) {
            self.ent.pascal.clone()
        } else {
            let n = format!("{}Pb{}", self.ent.pascal, self.names.len());
            self.names.insert(n.clone());
            n
        };
        self.emit(HANDLER_CONVERT_HEAD, &name, "");
        for f in &self.ent.fields {
            if f.ty == "*time.Time" {
                self.out.text.push_str(&format!(
                    "\tif record.{0} != nil {{\n\t\tvalue.{0} = utils.FormatDateTimeRFC3339(*record.{0})\n\t}}\n",
                    f.name
                ));
            } else {
                self.out
                    .text
                    .push_str(&format!("\tvalue.{0} = record.{0}\n", f.name));
            }
        }
        self.emit(HANDLER_CONVERT_TAIL, &name, "");
    }

    fn generic_func(&mut self) {
        let name = self.unique_name();
        let desc = self.doc(IMPL_DOCS);
        let tpl = self.rng.pick(GENERIC_FUNCS);
        self.emit(tpl, &name, &desc);
    }

    fn update_data(&mut self) {
        let e = &self.ent;
        let t = &mut self.out.text;
        t.push_str(&format!("func (d *{}Dao) updateDataByID(ctx context.Context, db *gorm.DB, table *model.{}) error {{\n\tif table.ID < 1 {{\n\t\treturn errors.New(\"id cannot be 0\")\n\t}}\n\n\tupdate := map[string]interface{{}}{{}}\n\n", e.camel, e.pascal));
        for f in &e.fields {
            let zero = match f.ty {
                "string" => "\"\"",
                "*time.Time" => "nil",
                _ => "0",
            };
            t.push_str(&format!(
                "\tif table.{} != {zero} {{\n\t\tupdate[\"{}\"] = table.{}\n\t}}\n",
                f.name, f.column, f.name
            ));
        }
        t.push_str("\n\treturn db.WithContext(ctx).Model(table).Updates(update).Error\n}\n\n");
    }

    fn custom_dao(&mut self) {
        let name = self.unique_name();
        let desc = self.doc(IMPL_DOCS);
        let field = self
            .ent
            .fields
            .iter()
            .find(|f| f.ty == "string")
            .map_or("Name".to_string(), |f| f.name.clone());
        let tpl = DAO_CUSTOM.replace("$F", &field);
        self.emit(&tpl, &name, &desc);
    }

    /// Fills the file with `filler` up to `target` bytes, placing `pieces` (stubs, decoys) at random
    /// points between the filler declarations.
    fn fill(
        &mut self,
        target: usize,
        mut pieces: Vec<Option<Shape>>,
        filler: &mut dyn FnMut(&mut Self),
    ) {
        while self.out.text.len() < target || !pieces.is_empty() {
            if !pieces.is_empty() && (self.out.text.len() >= target || self.rng.chance(0.3)) {
                match pieces.pop().unwrap() {
                    Some(shape) => self.stub(shape),
                    None => self.decoy(),
                }
            } else {
                filler(self);
            }
        }
    }
}

/// The text of the file `spec` of `svc`, drawn from the spec's own seed.
pub fn generate_file(svc: &Service, spec: &FileSpec) -> Generated {
    let ent = &svc.entities[spec.entity];
    let layer_type = match svc.layer {
        "service" => "Service",
        "biz" => "Biz",
        "logic" => "Logic",
        _ => "Handler",
    };
    let mut g = FileGen {
        out: Generated::default(),
        rng: Rng::new(spec.seed),
        svc,
        ent,
        recv: format!("{}{layer_type}", ent.camel),
        typed: ent.pascal.clone(),
        names: HashSet::new(),
        generic_declared: false,
    };
    let kind = spec.kind;
    let n_stubs = if kind.skipped() {
        if g.rng.chance(kind.skipped_stub_chance()) {
            g.rng.range(1, 2)
        } else {
            0
        }
    } else if g.rng.chance(STUB_FILE_SHARE) {
        g.rng.range(1, 4)
    } else {
        0
    };
    let n_decoys = if !kind.skipped() && g.rng.chance(DECOY_FILE_SHARE) {
        g.rng.range(1, 2)
    } else {
        0
    };
    let shape_for = |rng: &mut Rng| -> Shape {
        match kind {
            Kind::Handler | Kind::Testdata | Kind::Hidden => match rng.below(20) {
                0..=13 => Shape::Handler { value: false },
                14 | 15 => Shape::Handler { value: true },
                16 | 17 => Shape::Generic,
                _ => Shape::Free,
            },
            Kind::Dao => match rng.below(10) {
                0..=7 => Shape::Dao,
                8 => Shape::Generic,
                _ => Shape::Free,
            },
            Kind::Model | Kind::Pb | Kind::RouterPb | Kind::ValidatePb | Kind::HandlerTest => {
                if rng.chance(0.7) {
                    Shape::Typed
                } else {
                    Shape::Free
                }
            }
            _ => {
                if rng.chance(0.6) {
                    Shape::Free
                } else {
                    Shape::Generic
                }
            }
        }
    };
    let mut pieces: Vec<Option<Shape>> = Vec::new();
    for _ in 0..n_stubs {
        let s = shape_for(&mut g.rng);
        pieces.push(Some(s));
    }
    pieces.extend((0..n_decoys).map(|_| None));
    // Shuffle so decoys and stubs interleave.
    for i in (1..pieces.len()).rev() {
        let j = g.rng.below(i + 1);
        pieces.swap(i, j);
    }

    match kind {
        Kind::Handler | Kind::Testdata | Kind::Hidden => {
            let target = g.rng.range(3_000, 12_000);
            g.emit(HANDLER_HEADER, "", "");
            let mut crud = 0;
            g.fill(target, pieces, &mut |g| {
                if crud < HANDLER_CRUD.len() {
                    g.emit(HANDLER_CRUD[crud], "", "");
                    if crud == 3 {
                        g.convert();
                    }
                    crud += 1;
                } else if g.rng.chance(0.2) {
                    g.convert();
                } else {
                    g.custom_handler();
                }
            });
        }
        Kind::Dao => {
            let target = g.rng.range(3_000, 12_000);
            g.recv = format!("{}Dao", ent.camel);
            g.emit(DAO_HEADER, "", "");
            let mut crud = 0;
            g.fill(target, pieces, &mut |g| {
                if crud < DAO_CRUD.len() {
                    g.emit(DAO_CRUD[crud], "", "");
                    if crud == 2 {
                        g.update_data();
                    }
                    crud += 1;
                } else {
                    g.custom_dao();
                }
            });
        }
        Kind::Model => gen_model(&mut g, pieces),
        Kind::Ecode => gen_ecode(&mut g, pieces),
        Kind::Pb => {
            g.typed = format!("{}Reply", ent.pascal);
            gen_pb(&mut g, pieces);
        }
        Kind::RouterPb | Kind::ValidatePb => {
            g.typed = format!("{}Router", ent.camel);
            gen_router_pb(&mut g, pieces, kind == Kind::ValidatePb);
        }
        Kind::HandlerTest => {
            g.typed = format!("mock{}Dao", ent.pascal);
            gen_test(&mut g, pieces);
        }
        Kind::Main | Kind::Routers | Kind::DbInit | Kind::Config | Kind::Server | Kind::Vendor => {
            let (pkg, lo, hi) = match kind {
                Kind::Main => ("main", 1_000, 3_000),
                Kind::Routers => ("routers", 1_500, 4_000),
                Kind::DbInit => ("database", 1_000, 3_000),
                Kind::Config => ("config", 1_500, 4_000),
                Kind::Server => ("server", 1_500, 4_000),
                _ => ("vendored", 2_000, 10_000),
            };
            let target = g.rng.range(lo, hi);
            g.out.text.push_str(&format!(
                "// Package {pkg} is part of {}.\npackage {pkg}\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"sort\"\n\t\"strings\"\n\t\"time\"\n\n\t\"github.com/go-dev-frame/sponge/pkg/logger\"\n)\n\nvar _ = logger.Info\n\n",
                svc.module
            ));
            g.fill(target, pieces, &mut |g| g.generic_func());
        }
    }
    // gofmt ends a file with exactly one newline.
    let end = g.out.text.trim_end_matches('\n').len();
    g.out.text.truncate(end);
    g.out.text.push('\n');
    g.out
}

fn gen_model(g: &mut FileGen, pieces: Vec<Option<Shape>>) {
    let e = g.ent;
    let width = e.fields.iter().map(|f| f.name.len()).max().unwrap_or(4);
    let tyw = e.fields.iter().map(|f| f.ty.len()).max().unwrap_or(4);
    let t = &mut g.out.text;
    t.push_str("package model\n\nimport (\n\t\"time\"\n\n\t\"github.com/go-dev-frame/sponge/pkg/sgorm\"\n)\n\n");
    t.push_str(&format!(
        "// {} {}\ntype {} struct {{\n\tsgorm.Model `gorm:\"embedded\"` // embed id and time\n\n",
        e.pascal,
        IMPL_DOCS[0].replace("{e}", &e.camel),
        e.pascal
    ));
    for f in &e.fields {
        let sql = match f.ty {
            "string" => "varchar(255)",
            "*time.Time" => "datetime",
            "float64" => "decimal(10,2)",
            "uint64" => "bigint(20) unsigned",
            _ => "int(11)",
        };
        t.push_str(&format!(
            "\t{:width$} {:tyw$} `gorm:\"column:{};type:{sql}\" json:\"{}\"`\n",
            f.name,
            f.ty,
            f.column,
            snake_of(&f.name),
        ));
    }
    t.push_str(&format!(
        "}}\n\n// TableName table name\nfunc (m *{}) TableName() string {{\n\treturn \"{}\"\n}}\n\n",
        e.pascal, e.snake
    ));
    t.push_str(&format!("// {}ColumnNames Whitelist for custom query fields to prevent sql injection attacks\nvar {}ColumnNames = map[string]bool{{\n", e.pascal, e.pascal));
    let columns: Vec<&str> = ["id", "created_at", "updated_at", "deleted_at"]
        .into_iter()
        .chain(e.fields.iter().map(|f| f.column.as_str()))
        .collect();
    let cw = columns.iter().map(|c| c.len()).max().unwrap_or(2) + 4;
    for c in columns {
        t.push_str(&format!("\t{:cw$}true,\n", format!("\"{c}\":")));
    }
    t.push_str("}\n\n");
    let target = g.out.text.len() + 200;
    g.fill(target, pieces, &mut |g| g.generic_func());
}

fn gen_ecode(g: &mut FileGen, pieces: Vec<Option<Shape>>) {
    let e = &g.ent.camel;
    let p = &g.ent.pascal;
    let no = g.rng.range(1, 99);
    let mut t = format!(
        "package ecode\n\nimport (\n\t\"github.com/go-dev-frame/sponge/pkg/errcode\"\n)\n\n// {e} business-level http error codes.\n// the {e}NO value range is 1~100, if the same error code is used, it will cause panic.\nvar (\n\t{e}NO       = {no}\n\t{e}Name     = \"{e}\"\n\t{e}BaseCode = errcode.HCode({e}NO)\n\n\tErrCreate{p}     = errcode.NewError({e}BaseCode+1, \"failed to create \"+{e}Name)\n\tErrDeleteByID{p} = errcode.NewError({e}BaseCode+2, \"failed to delete \"+{e}Name)\n\tErrUpdateByID{p} = errcode.NewError({e}BaseCode+3, \"failed to update \"+{e}Name)\n\tErrGetByID{p}    = errcode.NewError({e}BaseCode+4, \"failed to get \"+{e}Name+\" details\")\n\tErrList{p}       = errcode.NewError({e}BaseCode+5, \"failed to list of \"+{e}Name)\n\n\t// error codes are globally unique, adding 1 to the previous error code\n"
    );
    let names: Vec<String> = (0..g.rng.range(3, 20)).map(|_| g.unique_name()).collect();
    let w = names.iter().map(|n| n.len()).max().unwrap_or(0);
    for (k, name) in names.iter().enumerate() {
        t.push_str(&format!(
            "\tErr{name:w$} = errcode.NewError({e}BaseCode+{}, \"failed to {name} \"+{e}Name)\n",
            k + 6
        ));
    }
    t.push_str(")\n\n");
    g.out.text = t;
    let target = g.out.text.len();
    g.fill(target, pieces, &mut |g| g.generic_func());
}

fn gen_pb(g: &mut FileGen, pieces: Vec<Option<Shape>>) {
    let target = g.rng.range(4_000, 14_000);
    let e = g.ent;
    let path = format!("api_{}_v1_{}_proto", g.svc.module, e.snake);
    g.out.text.push_str(&format!("// Code generated by protoc-gen-go. DO NOT EDIT.\n// versions:\n// \tprotoc-gen-go v1.34.2\n// \tprotoc        v5.27.1\n// source: api/{}/v1/{}.proto\n\npackage v1\n\nimport (\n\t_ \"github.com/envoyproxy/protoc-gen-validate/validate\"\n\tprotoreflect \"google.golang.org/protobuf/reflect/protoreflect\"\n\tprotoimpl \"google.golang.org/protobuf/runtime/protoimpl\"\n\treflect \"reflect\"\n\tsync \"sync\"\n)\n\n", g.svc.module, e.snake));
    let mut msg = 0;
    let mut raw = false;
    g.fill(target, pieces, &mut |g| {
        let t = &mut g.out.text;
        if t.len() < target * 2 / 3 {
            let m = format!("{}{}Request", g.ent.pascal, msg);
            t.push_str(&format!("type {m} struct {{\n\tstate         protoimpl.MessageState\n\tsizeCache     protoimpl.SizeCache\n\tunknownFields protoimpl.UnknownFields\n\n"));
            let w = g.ent.fields.iter().map(|f| f.name.len()).max().unwrap_or(2);
            for (i, f) in g.ent.fields.iter().enumerate() {
                t.push_str(&format!(
                    "\t{:w$} string `protobuf:\"bytes,{},opt,name={},proto3\" json:\"{},omitempty\"`\n",
                    f.name,
                    i + 1,
                    f.column,
                    f.column
                ));
            }
            t.push_str(&format!("}}\n\nfunc (x *{m}) Reset() {{\n\t*x = {m}{{}}\n\tif protoimpl.UnsafeEnabled {{\n\t\tmi := &file_{path}_msgTypes[{msg}]\n\t\tms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))\n\t\tms.StoreMessageInfo(mi)\n\t}}\n}}\n\nfunc (x *{m}) String() string {{\n\treturn protoimpl.X.MessageStringOf(x)\n}}\n\nfunc (*{m}) ProtoMessage() {{}}\n\n"));
            for f in g.ent.fields.iter().take(3) {
                t.push_str(&format!("func (x *{m}) Get{0}() string {{\n\tif x != nil {{\n\t\treturn x.{0}\n\t}}\n\treturn \"\"\n}}\n\n", f.name));
            }
            msg += 1;
        } else {
            if !raw {
                t.push_str(&format!("var file_{path}_rawDesc = []byte{{\n"));
                raw = true;
            }
            for _ in 0..16 {
                t.push('\t');
                for _ in 0..16 {
                    t.push_str(&format!("0x{:02x}, ", (g.rng.next() >> 56) as u8));
                }
                t.pop();
                t.push('\n');
            }
            if t.len() >= target {
                t.push_str("}\n\n");
                raw = false;
            }
        }
    });
    if raw {
        g.out.text.push_str("}\n");
    }
}

fn gen_router_pb(g: &mut FileGen, pieces: Vec<Option<Shape>>, validate: bool) {
    let target = g.rng.range(3_000, 9_000);
    let e = g.ent;
    let head = if validate {
        "// Code generated by protoc-gen-validate. DO NOT EDIT.\n"
    } else {
        "// Code generated by https://github.com/go-dev-frame/sponge, DO NOT EDIT.\n"
    };
    g.out.text.push_str(&format!("{head}\npackage v1\n\nimport (\n\t\"context\"\n\t\"errors\"\n\n\t\"github.com/gin-gonic/gin\"\n\t\"go.uber.org/zap\"\n\n\t\"github.com/go-dev-frame/sponge/pkg/gin/middleware\"\n)\n\ntype {}Logicer interface {{\n\tCreate(ctx context.Context, req *Create{}Request) (*Create{}Reply, error)\n\tGetByID(ctx context.Context, req *Get{}ByIDRequest) (*Get{}ByIDReply, error)\n}}\n\n", e.pascal, e.pascal, e.pascal, e.pascal, e.pascal));
    g.fill(target, pieces, &mut |g| {
        let name = g.unique_name();
        let r = g.typed.clone();
        let t = &mut g.out.text;
        if validate {
            t.push_str(&format!("// Validate checks the field values on {name}Request with the rules defined in\n// the proto definition for this message. If any rules are violated, the first\n// error encountered is returned, or nil if there are no violations.\nfunc (m *{name}Request) Validate() error {{\n\treturn m.validate(false)\n}}\n\nfunc (m *{name}Request) validate(all bool) error {{\n\tif m == nil {{\n\t\treturn nil\n\t}}\n\n\tvar errors []error\n\n\tif m.GetId() < 1 {{\n\t\terr := {name}RequestValidationError{{\n\t\t\tfield:  \"Id\",\n\t\t\treason: \"value must be greater than or equal to 1\",\n\t\t}}\n\t\tif !all {{\n\t\t\treturn err\n\t\t}}\n\t\terrors = append(errors, err)\n\t}}\n\n\tif len(errors) > 0 {{\n\t\treturn {name}RequestMultiError(errors)\n\t}}\n\n\treturn nil\n}}\n\n"));
        } else {
            t.push_str(&format!("func (r *{r}) {name}_{}(c *gin.Context) {{\n\treq := &{name}Request{{}}\n\tvar err error\n\n\tif err = c.ShouldBindJSON(req); err != nil {{\n\t\tr.zapLog.Warn(\"ShouldBindJSON error\", zap.Error(err), middleware.GCtxRequestIDField(c))\n\t\tr.iResponse.ParamError(c, err)\n\t\treturn\n\t}}\n\n\tvar ctx context.Context\n\tif r.wrapCtxFn != nil {{\n\t\tctx = r.wrapCtxFn(c)\n\t}} else {{\n\t\tctx = middleware.WrapCtx(c)\n\t}}\n\n\tout, err := r.iLogic.{name}(ctx, req)\n\tif err != nil {{\n\t\tif errors.Is(err, context.Canceled) {{\n\t\t\treturn\n\t\t}}\n\t\tr.iResponse.Error(c, err)\n\t\treturn\n\t}}\n\n\tr.iResponse.Success(c, out)\n}}\n\n", t.len() % 97));
        }
    });
}

fn gen_test(g: &mut FileGen, pieces: Vec<Option<Shape>>) {
    let target = g.rng.range(2_000, 6_000);
    let e = g.ent;
    g.out.text.push_str(&format!("package {}\n\nimport (\n\t\"context\"\n\t\"testing\"\n\n\t\"github.com/stretchr/testify/assert\"\n\n\t\"{}/internal/model\"\n)\n\ntype mock{}Dao struct{{}}\n\n", g.svc.layer, g.svc.module, e.pascal));
    g.fill(target, pieces, &mut |g| {
        let name = g.unique_name();
        let e = g.ent;
        g.out.text.push_str(&format!("func Test_{}_{name}(t *testing.T) {{\n\th := New{}Handler()\n\tctx := context.Background()\n\n\trecord := &model.{}{{}}\n\terr := h.(*{}).{}Dao.Create(ctx, record)\n\tassert.NoError(t, err)\n\tassert.NotZero(t, record.ID)\n\n\tgot, err := h.(*{}).{}Dao.GetByID(ctx, record.ID)\n\tassert.NoError(t, err)\n\tassert.Equal(t, record.ID, got.ID)\n}}\n\n", g.recv, e.pascal, e.pascal, g.recv, e.camel, g.recv, e.camel));
    });
}
