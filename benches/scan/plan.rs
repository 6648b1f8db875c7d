//! The plan of the generated tree: sponge-shaped services, their entities and fields, and the file
//! each entity gets in each layer, all drawn from the fixed seed. The files' text is left to `file.rs`.

use std::collections::HashSet;

use crate::rng::{hash, Rng};
use crate::vocab::NOUNS;
use crate::SEED;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Handler,
    Dao,
    Model,
    Ecode,
    Main,
    Routers,
    DbInit,
    Config,
    Server,
    // Skipped by `scan`:
    HandlerTest,
    Pb,
    RouterPb,
    ValidatePb,
    Vendor,
    Testdata,
    Hidden,
}

impl Kind {
    pub fn skipped(self) -> bool {
        matches!(
            self,
            Kind::HandlerTest
                | Kind::Pb
                | Kind::RouterPb
                | Kind::ValidatePb
                | Kind::Vendor
                | Kind::Testdata
                | Kind::Hidden
        )
    }
    /// Chance that a skipped file holds real stubs (which must not be reported).
    pub fn skipped_stub_chance(self) -> f64 {
        match self {
            Kind::HandlerTest => 0.3,
            Kind::Pb | Kind::RouterPb | Kind::ValidatePb => 0.02,
            Kind::Vendor => 0.1,
            Kind::Testdata | Kind::Hidden => 1.0,
            _ => 0.0,
        }
    }
}

#[derive(Clone)]
pub struct Field {
    pub name: String,
    pub ty: &'static str,
    pub column: String,
}

/// A table of a service: its names in three cases and its fields.
pub struct Entity {
    pub pascal: String,
    pub camel: String,
    pub snake: String,
    pub fields: Vec<Field>,
}

/// One sponge service: its Go module, API package, handler layer name and entities.
pub struct Service {
    pub module: String,
    pub api: String,
    pub layer: &'static str,
    pub entities: Vec<Entity>,
}

/// One file to write: where, what kind, for which entity, and the seed of its text.
pub struct FileSpec {
    pub rel: String,
    pub kind: Kind,
    pub entity: usize,
    pub seed: u64,
}

const FIELD_POOL: &[(&str, &str)] = &[
    ("Name", "string"),
    ("Title", "string"),
    ("Status", "int"),
    ("UserID", "uint64"),
    ("Amount", "float64"),
    ("Price", "float64"),
    ("Content", "string"),
    ("Remark", "string"),
    ("StartTime", "*time.Time"),
    ("EndTime", "*time.Time"),
    ("Count", "int"),
    ("Score", "int"),
    ("Code", "string"),
    ("Type", "int"),
    ("Sort", "int"),
    ("URL", "string"),
    ("Phone", "string"),
    ("Email", "string"),
    ("Address", "string"),
    ("Level", "int"),
    ("Version", "int"),
    ("ExpiredAt", "*time.Time"),
    ("OrderID", "uint64"),
    ("ProductID", "uint64"),
    ("MerchantID", "uint64"),
    ("Quantity", "int"),
    ("Currency", "string"),
    ("Channel", "string"),
    ("Operator", "string"),
    ("Reason", "string"),
];

/// `UserID` → `user_id`, as sponge names columns.
pub fn snake_of(pascal: &str) -> String {
    let mut s = String::new();
    for (i, c) in pascal.char_indices() {
        if c.is_ascii_uppercase() {
            let prev_upper = pascal[..i]
                .chars()
                .last()
                .is_some_and(|p| p.is_ascii_uppercase());
            if i > 0 && !prev_upper {
                s.push('_');
            }
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn entity(snake: String) -> Entity {
    let pascal: String = snake.split('_').map(capitalize).collect();
    let mut camel = pascal.clone();
    camel[..1].make_ascii_lowercase();
    let mut rng = Rng::new(hash(&snake));
    let n = rng.range(4, 14);
    let mut picked = HashSet::new();
    let mut fields = Vec::new();
    while fields.len() < n {
        let (name, ty) = rng.pick(FIELD_POOL);
        if picked.insert(name) {
            fields.push(Field {
                name: name.to_string(),
                ty,
                column: snake_of(name),
            });
        }
    }
    Entity {
        pascal,
        camel,
        snake,
        fields,
    }
}

/// Service number `idx` and its files, drawn from a seed of its own.
pub fn plan_service(idx: usize) -> (Service, Vec<FileSpec>) {
    let mut rng = Rng::new(SEED ^ ((idx as u64) << 20) ^ 0xA11);
    let module = format!("svc{idx:04}");
    let api = format!("{module}V1");
    let layer = rng.pick(&[
        "handler", "handler", "handler", "handler", "service", "biz", "logic",
    ]);
    let mut names = HashSet::new();
    let mut entities = Vec::new();
    let n_entities = rng.range(4, 9);
    while entities.len() < n_entities {
        let mut snake = rng.pick(NOUNS).to_string();
        if rng.chance(0.3) {
            snake = format!("{snake}_{}", rng.pick(NOUNS));
        }
        if names.insert(snake.clone()) {
            entities.push(entity(snake));
        }
    }
    let mut files = Vec::new();
    let mut add = |rel: String, kind: Kind, entity: usize| {
        let seed = SEED ^ hash(&rel) ^ (idx as u64).rotate_left(40);
        files.push(FileSpec {
            rel,
            kind,
            entity,
            seed,
        });
    };
    for (i, e) in entities.iter().enumerate() {
        let s = &e.snake;
        add(
            format!("{module}/internal/{layer}/{s}.go"),
            Kind::Handler,
            i,
        );
        if rng.chance(0.08) {
            add(
                format!("{module}/internal/{layer}/{s}_test.go"),
                Kind::HandlerTest,
                i,
            );
        }
        add(format!("{module}/internal/dao/{s}.go"), Kind::Dao, i);
        add(format!("{module}/internal/model/{s}.go"), Kind::Model, i);
        add(
            format!("{module}/internal/ecode/{s}_http.go"),
            Kind::Ecode,
            i,
        );
        add(format!("{module}/api/{module}/v1/{s}.pb.go"), Kind::Pb, i);
        add(
            format!("{module}/api/{module}/v1/{s}_router.pb.go"),
            Kind::RouterPb,
            i,
        );
        if rng.chance(0.5) {
            add(
                format!("{module}/api/{module}/v1/{s}.pb.validate.go"),
                Kind::ValidatePb,
                i,
            );
        }
    }
    add(format!("{module}/cmd/{module}/main.go"), Kind::Main, 0);
    add(
        format!("{module}/internal/routers/routers.go"),
        Kind::Routers,
        0,
    );
    add(
        format!("{module}/internal/database/init.go"),
        Kind::DbInit,
        0,
    );
    add(
        format!("{module}/internal/config/{module}.go"),
        Kind::Config,
        0,
    );
    add(format!("{module}/internal/server/http.go"), Kind::Server, 0);
    if rng.chance(0.12) {
        let org = rng
            .pick(&["acme", "gophers", "cloudkit", "fastlib"])
            .to_string();
        let pkg = rng.pick(NOUNS).to_string();
        for j in 0..rng.range(4, 12) {
            add(
                format!("{module}/vendor/github.com/{org}/{pkg}/{pkg}{j}.go"),
                Kind::Vendor,
                0,
            );
        }
    }
    if rng.chance(0.05) {
        add(
            format!(
                "{module}/internal/{layer}/testdata/{}_stub.go",
                entities[0].snake
            ),
            Kind::Testdata,
            0,
        );
    }
    if rng.chance(0.03) {
        add(
            format!(
                "{module}/.history/internal/{layer}/{}_20240101.go",
                entities[0].snake
            ),
            Kind::Hidden,
            0,
        );
    }
    let service = Service {
        module,
        api,
        layer,
        entities,
    };
    (service, files)
}
