//! An answer may add declarations, not rewrite those that exist: in the file, its dao file, or
//! elsewhere in its package (Go) or crate (Rust); Python's module is its file.

use std::fs;
use std::path::Path;

use crate::check::*;
use crate::lang::Markers;

/// Writes `files` under a temporary folder and expects an answer for the stubs of `target`.
fn project(
    files: &[(&str, &str)],
    target: &str,
    dao: Option<&str>,
) -> (tempfile::TempDir, Expected) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let read = |name: &str| fs::read_to_string(dir.path().join(name)).unwrap();
    let path = dir.path().join(target);
    let lang = Lang::of(&path).unwrap();
    let source = read(target);
    let expected = Expected {
        target: TargetFile {
            name: target.into(),
            stubs: lang.stubs_in(&source, &Markers::default()),
            path,
            source,
        },
        dependent: dao.map(|dao| DependentFile {
            name: dao.into(),
            path: dir.path().join(dao),
            source: read(dao),
        }),
        markers: Markers::default(),
    };
    (dir, expected)
}

fn refused(answer: &str, expected: &Expected) -> Vec<String> {
    match check(answer, expected) {
        Ok(files) => panic!("accepted: {files:?}\n---\n{answer}"),
        Err(problems) => problems.0.iter().map(Problem::to_string).collect(),
    }
}

fn accepted(answer: &str, expected: &Expected) -> Vec<CheckedFile> {
    check(answer, expected).unwrap_or_else(|p| panic!("{p}\n---\n{answer}"))
}

const GO_A: &str = "package calc\n\n// Add adds.\nfunc Add(a, b int) int {\n\tpanic(\"implement me\")\n}\n\nfunc helper(n int) int {\n\treturn n\n}\n\nconst Limit = 10\n";
const GO_B: &str = "package calc\n\n// twice doubles.\nfunc twice(n int) int {\n\treturn 2 * n\n}\n\ntype Acc struct{ n int }\n";

fn go_answer(extra: &str) -> String {
    format!("```go\n// file: a.go\npackage calc\n\n// Add adds.\nfunc Add(a, b int) int {{\n\treturn helper(a) + twice(b) / 2\n}}\n{extra}```\n")
}

#[test]
fn go_refuses_a_declaration_of_the_file_or_its_package_given_again() {
    let files = [
        ("a.go", GO_A),
        ("b.go", GO_B),
        ("b_test.go", "package calc\n\nfunc fresh() {}\n"),
    ];
    let (_dir, expected) = project(&files, "a.go", None);
    let cases = [
        (
            "\nfunc helper(n int) int {\n\treturn 0\n}\n",
            "`helper` already exists in a.go",
        ),
        ("\nconst Limit = 11\n", "`Limit` already exists in a.go"),
        (
            "\nfunc twice(n int) int {\n\treturn n + n\n}\n",
            "`twice` already exists in b.go",
        ),
        (
            "\ntype Acc struct{ total int }\n",
            "`Acc` already exists in b.go",
        ),
    ];
    for (extra, says) in cases {
        let problems = refused(&go_answer(extra), &expected);
        assert!(
            problems
                .iter()
                .any(|p| p.contains(says) && p.contains("call it, do not redefine it")),
            "{says}: {problems:?}"
        );
    }
    // Echoed unchanged (formatting aside) is dropped; new names, a test file's included, are added.
    let checked = accepted(
        &go_answer("\nfunc helper(n int) int { return n }\n\nfunc fresh() {}\n\nfunc thrice(n int) int {\n\treturn 3 * n\n}\n"),
        &expected,
    );
    assert_eq!(checked[0].functions, ["Add", "fresh", "thrice"]);
}

const HANDLER: &str = "package handler\n\nimport (\n\t\"context\"\n\n\t\"shop/internal/dao\"\n)\n\ntype couponHandler struct {\n\tcouponDao dao.CouponDao\n}\n\n// Redeem redeems.\nfunc (h *couponHandler) Redeem(ctx context.Context, id uint64) (bool, error) {\n\tpanic(\"implement me\")\n}\n";
const DAO: &str = "package dao\n\nimport \"context\"\n\n// CouponDao is the data access.\ntype CouponDao interface {\n\t// GetByID gets one.\n\tGetByID(ctx context.Context, id uint64) error\n}\n\ntype couponDao struct{}\n\n// GetByID gets one.\nfunc (d *couponDao) GetByID(ctx context.Context, id uint64) error {\n\treturn nil\n}\n";

fn dao_answer(interface: &str, methods: &str) -> String {
    format!(
        "```go\n// file: internal/handler/coupon.go\npackage handler\n\nimport \"context\"\n\n// Redeem redeems.\nfunc (h *couponHandler) Redeem(ctx context.Context, id uint64) (bool, error) {{\n\treturn h.couponDao.MarkUsed(ctx, id)\n}}\n```\n\n\
         ```go\n// file: internal/dao/coupon.go\npackage dao\n\nimport \"context\"\n\n// CouponDao is the data access.\ntype CouponDao interface {{\n{interface}}}\n{methods}```\n"
    )
}

#[test]
fn go_dao_gains_methods_and_keeps_the_ones_it_has() {
    let files = [
        ("internal/handler/coupon.go", HANDLER),
        ("internal/dao/coupon.go", DAO),
    ];
    let (_dir, expected) = project(
        &files,
        "internal/handler/coupon.go",
        Some("internal/dao/coupon.go"),
    );
    let mark_used = "\n// MarkUsed marks it.\nfunc (d *couponDao) MarkUsed(ctx context.Context, id uint64) (bool, error) {\n\treturn true, nil\n}\n";
    let kept = "\t// GetByID gets one, by id.\n\tGetByID(ctx context.Context, id uint64) error\n\tMarkUsed(ctx context.Context, id uint64) (bool, error)\n";
    let checked = accepted(&dao_answer(kept, mark_used), &expected);
    assert_eq!(
        checked[1].functions,
        ["type CouponDao", "couponDao.MarkUsed"]
    );
    let changed = "\tGetByID(ctx context.Context, id int64) error\n\tMarkUsed(ctx context.Context, id uint64) (bool, error)\n";
    let problems = refused(&dao_answer(changed, mark_used), &expected);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`CouponDao.GetByID` already exists in internal/dao/coupon.go")),
        "{problems:?}"
    );
    let echoed = format!("{mark_used}\nfunc (d *couponDao) GetByID(ctx context.Context, id uint64) error {{ return nil }}\n\nfunc (d *couponDao) Extra() {{}}\n");
    assert!(accepted(&dao_answer(kept, &echoed), &expected)[1]
        .functions
        .contains(&"couponDao.Extra".to_string()));
    let rewritten = format!("{mark_used}\nfunc (d *couponDao) GetByID(ctx context.Context, id uint64) error {{\n\treturn errors.New(\"gone\")\n}}\n");
    let problems = refused(&dao_answer(kept, &rewritten), &expected);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`couponDao.GetByID` already exists in internal/dao/coupon.go")),
        "{problems:?}"
    );
}

const STORE: &str = "pub struct MemoryStore {\n    active: bool,\n}\n\nimpl MemoryStore {\n    /// Activates.\n    pub fn activate(&mut self) -> bool {\n        todo!()\n    }\n}\n\npub fn helper() -> u8 {\n    1\n}\n";
const MORE: &str = "use crate::store::MemoryStore;\n\nimpl MemoryStore {\n    /// Deactivates.\n    pub fn deactivate(&mut self) -> bool {\n        let was = self.active;\n        self.active = false;\n        was\n    }\n}\n";

fn rust_answer(extra: &str) -> String {
    format!("```rust\nimpl MemoryStore {{\n    /// Activates.\n    pub fn activate(&mut self) -> bool {{\n        self.active = true;\n        true\n    }}\n{extra}}}\n```\n")
}

#[test]
fn rust_refuses_an_item_of_the_file_or_a_method_of_the_crate_given_again() {
    let files = [
        (
            "Cargo.toml",
            "[package]\nname = \"s\"\nversion = \"0.1.0\"\n",
        ),
        ("src/store.rs", STORE),
        ("src/more.rs", MORE),
    ];
    let (_dir, expected) = project(&files, "src/store.rs", None);
    let deactivate = "\n    pub fn deactivate(&mut self) -> bool {\n        false\n    }\n";
    let problems = refused(&rust_answer(deactivate), &expected);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`MemoryStore::deactivate` already exists in src/more.rs")),
        "{problems:?}"
    );
    let helper = rust_answer("").replace("}\n```", "}\n\npub fn helper() -> u8 {\n    2\n}\n```");
    let problems = refused(&helper, &expected);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`helper` already exists in src/store.rs")),
        "{problems:?}"
    );
    let fresh = "\n    pub fn is_active(&self) -> bool {\n        self.active\n    }\n";
    let checked = accepted(&rust_answer(fresh), &expected);
    assert_eq!(
        checked[0].functions,
        ["MemoryStore::activate", "MemoryStore::is_active"]
    );
}

/// Two modules, each with its own `Error`: a method of one is not a method of the other.
#[test]
fn rust_a_type_of_the_same_name_in_another_module_is_another_type() {
    let a = "pub struct Error {\n    pub msg: String,\n}\n\nimpl Error {\n    pub fn new(msg: &str) -> Self {\n        Error { msg: msg.to_string() }\n    }\n}\n";
    let b = "pub struct Error {\n    pub code: u16,\n}\n\npub fn fail(code: u16) -> Error {\n    todo!()\n}\n";
    let files = [
        (
            "Cargo.toml",
            "[package]\nname = \"s\"\nversion = \"0.1.0\"\n",
        ),
        ("src/lib.rs", "pub mod a;\npub mod b;\n"),
        ("src/a.rs", a),
        ("src/b.rs", b),
    ];
    let (_dir, expected) = project(&files, "src/b.rs", None);
    let answer = "```rust\nimpl Error {\n    pub fn new(code: u16) -> Self {\n        Error { code }\n    }\n}\n\npub fn fail(code: u16) -> Error {\n    Error::new(code)\n}\n```\n";
    let checked = accepted(answer, &expected);
    assert_eq!(checked[0].functions, ["Error::new", "fail"]);
}

const PY: &str = "TIMEOUT = 3\n\n\ndef helper(x):\n    return x + 1\n\n\nclass Store:\n    def get(self, key):\n        \"\"\"Gets.\"\"\"\n        raise NotImplementedError\n\n    def size(self):\n        return 0\n";

#[test]
fn python_refuses_a_function_or_name_of_the_module_given_again() {
    let (_dir, expected) = project(&[("store.py", PY)], "store.py", None);
    let answer = |extra: &str| {
        format!("```python\n{extra}\n\nclass Store:\n    def get(self, key):\n        \"\"\"Gets.\"\"\"\n        return helper(key)\n```\n")
    };
    let cases = [
        (
            "def helper(x):\n    return x\n",
            "`helper` already exists in store.py",
        ),
        ("TIMEOUT = 30\n", "`TIMEOUT` already exists in store.py"),
        (
            "class Store:\n    def size(self):\n        return -1\n",
            "`Store.size` already exists in store.py",
        ),
        // A function, a constant or a method rebound by an assignment.
        (
            "helper = lambda x: x\n",
            "`helper` already exists in store.py",
        ),
        ("TIMEOUT += 1\n", "`TIMEOUT` already exists in store.py"),
        (
            "Store.size = lambda self: 1\n",
            "`Store.size` already exists in store.py",
        ),
    ];
    for (extra, says) in cases {
        let problems = refused(&answer(extra), &expected);
        assert!(
            problems.iter().any(|p| p.contains(says)),
            "{says}: {problems:?}"
        );
    }
    let checked = accepted(
        &answer("TIMEOUT = 3\n\n\ndef double(x):\n    return 2 * x\n\n\nRETRIES: int = 2\n"),
        &expected,
    );
    assert_eq!(checked[0].functions, ["double", "Store.get"]);
}

/// A class's body keeps what it has but its methods: an answer's new or changed class attribute would
/// be lost at merge, and the method using it would fail when run.
#[test]
fn python_refuses_class_attributes_the_merge_would_not_keep() {
    let source = "class Store:\n    \"\"\"Store.\"\"\"\n\n    LIMIT = 10\n\n    def get(self, key):\n        raise NotImplementedError\n";
    let (_dir, expected) = project(&[("store.py", source)], "store.py", None);
    let answer = |body: &str| {
        format!("```python\nclass Store:\n{body}\n    def get(self, key):\n        return self._cache.get(key, self.LIMIT)\n```\n")
    };
    let problems = refused(&answer("    _cache = {}\n"), &expected);
    assert!(
        problems.iter().any(|p| p.contains("`Store._cache`")),
        "{problems:?}"
    );
    let problems = refused(&answer("    LIMIT = 99\n"), &expected);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`Store.LIMIT` already exists in store.py")),
        "{problems:?}"
    );
    // Echoed as it is, with the docstring: fine.
    accepted(
        &answer("    \"\"\"Store.\"\"\"\n\n    LIMIT = 10\n    pass\n"),
        &expected,
    );
}

#[test]
fn a_missing_folder_leaves_the_file_alone_to_compare_with() {
    let expected = Expected {
        target: TargetFile {
            name: "a.go".into(),
            path: Path::new("/nonexistent/assistant/a.go").to_path_buf(),
            source: GO_A.into(),
            stubs: Lang::of(Path::new("a.go"))
                .unwrap()
                .stubs_in(GO_A, &Markers::default()),
        },
        dependent: None,
        markers: Markers::default(),
    };
    let problems = refused(
        &go_answer("\nfunc helper(n int) int {\n\treturn 0\n}\n"),
        &expected,
    );
    assert!(problems
        .iter()
        .any(|p| p.contains("`helper` already exists in a.go")));
}
