//! go-zero end to end, through the real binary, on `examples/gozero-shop` (an api service calling an
//! rpc service, goctl models, a package of coded errors): `scan` finds goctl's stubs in api and rpc
//! logic (and not the same comment above real code), the prompts carry the route or rpc, the types,
//! the service context, the models, the rpc client and the error package (snapshots in both
//! languages), an unparsable `.api` is a warning, and `generate` against the fake LLM server then
//! `merge` gives `tests/fixtures/merged/gozero-shop/` byte for byte, in batch mode too; an answer that
//! keeps goctl's comment goes back to the model.

#[path = "support/fake_batch.rs"]
mod fake_batch;
#[path = "support/fake_llm.rs"]
mod fake_llm;
#[path = "support/project.rs"]
mod project;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use assistant::context::gather::Gatherer;
use assistant::lang::Markers;
use assistant::plan;
use assistant::prompt::{PromptLang, Templates};
use assistant::scan::{scan, Target};
use fake_batch::{FakeBatch, Plan};
use fake_llm::{Behaviour, FakeLlm, Script};
use project::{events, files_under, manifest_dir};
use serde_json::Value;
use tempfile::TempDir;

const KEY: &str = "sk-TESTKEY-gozero-shop-0xC0FFEE";

const API_LOGIC: &str = "app/order/cmd/api/internal/logic/order";
const RPC_LOGIC: &str = "app/usercenter/cmd/rpc/internal/logic";

/// Every stub of the example, as (file, identity): three api logics (new goctl's bare `return`, old
/// goctl's `return &types.X{}, nil`, a handler without a response's `return nil`) and two rpc logics.
fn stubbed() -> Vec<(String, &'static str)> {
    vec![
        (
            format!("{API_LOGIC}/cancelorderlogic.go"),
            "CancelOrderLogic.CancelOrder",
        ),
        (
            format!("{API_LOGIC}/createorderlogic.go"),
            "CreateOrderLogic.CreateOrder",
        ),
        (
            format!("{API_LOGIC}/getorderlogic.go"),
            "GetOrderLogic.GetOrder",
        ),
        (
            format!("{RPC_LOGIC}/getuserinfologic.go"),
            "GetUserInfoLogic.GetUserInfo",
        ),
        (format!("{RPC_LOGIC}/loginlogic.go"), "LoginLogic.Login"),
    ]
}

fn example() -> PathBuf {
    manifest_dir().join("examples/gozero-shop")
}

fn merged_fixture() -> PathBuf {
    manifest_dir().join("tests/fixtures/merged/gozero-shop")
}

/// `assistant` in `dir`, without formatters (gofmt) on PATH and without keys in the environment.
fn assistant(dir: &Path) -> assert_cmd::Command {
    let mut cmd = project::assistant(dir);
    cmd.env("PATH", "");
    cmd
}

#[test]
fn scan_finds_goctls_stubs_in_api_and_rpc_logic() {
    let output = assistant(&example())
        .args(["scan", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let found: Vec<(String, String, String)> = events(&output.stdout)
        .iter()
        .map(|stub| {
            let identity = format!(
                "{}.{}",
                stub["receiver"].as_str().unwrap_or(""),
                stub["name"].as_str().unwrap_or("")
            );
            (
                stub["file"].as_str().unwrap_or("").to_string(),
                identity,
                stub["marker"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = stubbed()
        .into_iter()
        .map(|(file, identity)| (file, identity.to_string(), "goctl".to_string()))
        .collect();
    assert_eq!(found, expected);
    // The rpc's comment, copied above the method, is the stub's doc.
    let text = assistant(&example()).arg("scan").output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains(&format!(
        "{RPC_LOGIC}/getuserinfologic.go:27:1: stub GetUserInfo (GetUserInfoLogic): GetUserInfo returns one user's public profile by id.\n"
    )), "{text}");
    // --check blocks a review while they are there.
    assistant(&example())
        .args(["scan", "--check"])
        .assert()
        .code(1);
}

#[test]
fn the_comment_above_real_code_is_not_a_stub_and_a_team_template_is_a_marker() {
    let dir = TempDir::new().unwrap();
    let logic = dir.path().join("internal/logic");
    fs::create_dir_all(&logic).unwrap();
    fs::write(
        dir.path().join("go.mod"),
        "module x\n\nrequire github.com/zeromicro/go-zero v1.7.3\n",
    )
    .unwrap();
    fs::write(
        logic.join("pinglogic.go"),
        "package logic\n\nfunc (l *PingLogic) Ping() (*pb.Pong, error) {\n\t// todo: add your logic here and delete this line\n\tl.Infof(\"ping\")\n\treturn &pb.Pong{}, nil\n}\n\n// A team's own goctl template.\nfunc (l *PongLogic) Pong() (*pb.Pong, error) {\n\t// TODO(team): implement\n\n\treturn &pb.Pong{}, nil\n}\n",
    )
    .unwrap();
    assistant(dir.path())
        .arg("scan")
        .assert()
        .success()
        .stdout("");
    let output = assistant(dir.path())
        .args(["scan", "--format", "json", "--marker", "TODO(team)"])
        .output()
        .unwrap();
    let found = events(&output.stdout);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["name"], "Pong");
    assert_eq!(found[0]["marker"], "// TODO(team): implement");
}

/// Every job's prompt, named after its file.
fn render_all(lang: PromptLang) -> Vec<(String, String)> {
    // Relative to the crate root, so snapshot contents do not depend on where the checkout lives.
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    let outcome = scan(
        &[Target::named(Path::new("examples/gozero-shop"))],
        &Markers::default(),
    );
    let jobs = plan::jobs(outcome.files.into_iter().map(Arc::new).collect(), 6);
    let (templates, _) = Templates::load(None).unwrap();
    let mut gatherer = Gatherer::default();
    let prompts: Vec<(String, String)> = jobs
        .iter()
        .map(|job| {
            let context = gatherer.job_context(job);
            let prompt = templates.render(job, &context, lang, 24_000).unwrap();
            let name = context
                .file
                .name
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string();
            let text = format!(
                "tokens: {}\nincluded: {}\n--- system\n{}--- user\n{}",
                prompt.tokens,
                prompt.included.join(", "),
                prompt.system,
                prompt.user
            );
            (name, text)
        })
        .collect();
    assert!(gatherer.warnings.is_empty(), "{:?}", gatherer.warnings);
    // One job per logic file: a snapshot test over no jobs would pass on nothing.
    assert_eq!(prompts.len(), stubbed().len());
    prompts
}

#[test]
fn gozero_prompts_in_english() {
    for (name, text) in render_all(PromptLang::En) {
        insta::assert_snapshot!(format!("gozero_en_{name}"), text);
    }
}

#[test]
fn gozero_prompts_in_chinese() {
    for (name, text) in render_all(PromptLang::Zh) {
        insta::assert_snapshot!(format!("gozero_zh_{name}"), text);
    }
}

fn prompt_of(file: &str) -> String {
    let output = assistant(manifest_dir())
        .args([
            "generate",
            "--type",
            "deepseek",
            "--only-print-prompt",
            "--file",
        ])
        .arg(Path::new("examples/gozero-shop").join(file))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn assert_holds(prompt: &str, expected: &[&str]) {
    for piece in expected {
        assert!(prompt.contains(piece), "prompt lacks {piece:?}:\n{prompt}");
    }
}

#[test]
fn an_api_logic_prompt_carries_its_route_types_service_context_models_and_rpc_client() {
    let prompt = prompt_of(&format!("{API_LOGIC}/getorderlogic.go"));
    assert_holds(
        &prompt,
        &[
            "You are a senior Go engineer finishing a go-zero service that goctl scaffolded.",
            "`l.svcCtx`",
            "`logx.Logger`",
            "its coded errors come from `shop/pkg/xerr`",
            // The route, through the @server group and prefix, with its @doc (summary form).
            "- `GetOrderLogic.GetOrder` serves route `GET /order/v1/order/:sn` (handler `getOrder`, app/order/cmd/api/desc/order.api), behind jwt `JwtAuth`, middleware SetUid: one order of the calling user, with the buyer's nickname",
            // The types from the imported types.api: the request and response, then two levels down.
            "type GetOrderReq {\n\tSn string `path:\"sn\"`\n}",
            "type OrderDetail {",
            "TotalAmount int64  `json:\"totalAmount\"` // in cents",
            "type Buyer {",
            // What l.svcCtx holds, the model with its generated and custom methods, the rpc client.
            "### Service context: app/order/cmd/api/internal/svc/servicecontext.go",
            "UsercenterRpc usercenter.Usercenter",
            "### Model OrderModel: app/order/model/ordermodel.go",
            "UpdateStatus(ctx context.Context, id, from, to int64) (bool, error)",
            "FindOneBySn(ctx context.Context, sn string) (*Order, error)",
            "var ErrNotFound = sqlx.ErrNotFound",
            "### Rpc client Usercenter: app/usercenter/cmd/rpc/usercenter/usercenter.go",
            "GetUserInfo(ctx context.Context, in *GetUserInfoReq, opts ...grpc.CallOption) (*GetUserInfoResp, error)",
            "### Errors: shop/pkg/xerr (pkg/xerr)",
            "func (e *CodeError) GetErrCode() uint32 { … }",
            "func NewErrCode(errCode uint32) *CodeError {\n\treturn &CodeError{errCode: errCode, errMsg: MapErrMsg(errCode)}\n}",
            "context: file outline, api routes, request/response types, nested types, service context, models, rpc clients, error codes, stubs\n",
        ],
    );
    // The api types are the .api's, not a .proto's: no protobuf block.
    assert!(!prompt.contains("```protobuf"), "{prompt}");
}

#[test]
fn an_rpc_logic_prompt_carries_its_rpc_messages_service_context_and_model() {
    let prompt = prompt_of(&format!("{RPC_LOGIC}/loginlogic.go"));
    assert_holds(
        &prompt,
        &[
            "The go-zero rpc service `app/usercenter/cmd/rpc`",
            "- rpc `login` of service `usercenter` (app/usercenter/cmd/rpc/pb/usercenter.proto)",
            "message LoginReq {\n  string mobile = 1; // the user's mobile number",
            "message LoginResp {",
            "UserModel model.UserModel",
            "### Model UserModel: app/usercenter/model/usermodel.go",
            "FindOneByMobile(ctx context.Context, mobile string) (*User, error)",
            "Password   string    `db:\"password\"` // bcrypt hash",
            "// Login checks a user's mobile and password and returns a fresh token;",
        ],
    );
}

#[test]
fn an_unparsable_api_file_is_a_warning_and_the_generated_types_stand_in() {
    let project = project::example_copy("gozero-shop");
    let desc = project.path().join("app/order/cmd/api/desc");
    fs::write(
        desc.join("types.api"),
        "syntax = \"v1\"\n\ntype (\n\tCreateOrderReq {\n",
    )
    .unwrap();
    let output = assistant(project.path())
        .args([
            "generate",
            "--type",
            "deepseek",
            "--only-print-prompt",
            "--file",
        ])
        .arg(format!("{API_LOGIC}/getorderlogic.go"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("types.api: 4:17: type CreateOrderReq is never closed (the .api file is left out of the prompts)"),
        "{stderr}"
    );
    let prompt = String::from_utf8(output.stdout).unwrap();
    assert_holds(
        &prompt,
        &[
            "serves route `GET /order/v1/order/:sn`",
            // From internal/types/types.go instead.
            "type GetOrderReq struct {\n\tSn string `path:\"sn\"`\n}",
            "type OrderDetail struct {",
        ],
    );
}

/// The answer for one logic file: its merged fixture's package and imports, then everything from the
/// implemented method's declaration on (the method and the helpers it added), as the prompt asks.
fn answer_for(file: &str, identity: &str) -> String {
    let merged = fs::read_to_string(merged_fixture().join(file)).unwrap();
    let (receiver, name) = identity.split_once('.').unwrap();
    let declaration = format!("func (l *{receiver}) {name}(");
    let at = merged.find(&declaration).unwrap();
    // Its doc comment, when it has one.
    let start = merged[..at]
        .trim_end_matches('\n')
        .rfind("\n\n")
        .map_or(at, |blank| blank + 2)
        .min(at);
    let start = if merged[start..at].lines().all(|l| l.starts_with("//")) {
        start
    } else {
        at
    };
    let imports_end = merged.find("\n)\n").unwrap() + 3;
    format!(
        "Here it is.\n\n```go\n// file: {file}\n{}\n{}```\n",
        &merged[..imports_end],
        &merged[start..]
    )
}

/// The answer to a request (its body as JSON text), by the file its prompt names.
fn answer_to(body: &str) -> Option<String> {
    let (file, identity) = stubbed()
        .into_iter()
        .find(|(file, _)| body.contains(&format!("// file: {file}`")))?;
    Some(answer_for(&file, identity))
}

fn answering_server() -> FakeLlm {
    FakeLlm::start(
        Script::new(Behaviour::Empty)
            .pick(|request| Some(Behaviour::answer(&answer_to(&request.body.to_string())?))),
    )
}

#[test]
fn generate_then_merge_gives_the_merged_fixture_byte_for_byte() {
    let project = project::example_copy("gozero-shop");
    let server = answering_server();
    let output = assistant(project.path())
        .args([
            "generate",
            "--type",
            "deepseek",
            "--verify",
            "off",
            "--base-url",
        ])
        .arg(server.base_url())
        .args(["--api-key", KEY, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events = events(&output.stdout);
    let succeeded: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "job_succeeded")
        .collect();
    assert_eq!(succeeded.len(), 5, "{events:?}");
    let sidecar = fs::read_to_string(
        project
            .path()
            .join(format!("{API_LOGIC}/createorderlogic.go.assistant")),
    )
    .unwrap();
    assert!(
        sidecar.contains("// functions: CreateOrderLogic.CreateOrder, "),
        "{sidecar}"
    );
    assert!(!sidecar.contains("todo: add your logic"), "{sidecar}");

    merge_and_compare(project.path());
}

#[test]
fn batch_mode_lands_the_same_answers_and_merges_to_the_same_tree() {
    let project = project::example_copy("gozero-shop");
    let server = FakeBatch::start(Plan::new(|_, body| {
        answer_to(&body.to_string()).unwrap_or_default()
    }));
    let submitted = assistant(project.path())
        .args(["generate", "--batch", "--type", "openai", "--verify", "off"])
        .args(["--base-url", &server.base_url(), "--api-key", KEY])
        .output()
        .unwrap();
    assert!(
        submitted.status.success(),
        "{}",
        String::from_utf8_lossy(&submitted.stderr)
    );
    let collected = assistant(project.path())
        .args([
            "batch",
            "collect",
            "--wait",
            "--format",
            "json",
            "--api-key",
            KEY,
        ])
        .env("ASSISTANT_BATCH_POLL_MS", "40")
        .output()
        .unwrap();
    assert!(
        collected.status.success(),
        "{}",
        String::from_utf8_lossy(&collected.stderr)
    );
    let events = events(&collected.stdout);
    let succeeded = events
        .iter()
        .filter(|e| e["event"] == "job_succeeded")
        .count();
    assert_eq!(succeeded, 5, "{events:?}");
    // The batch state is not part of the tree.
    fs::remove_dir_all(project.path().join(".assistant")).unwrap();
    merge_and_compare(project.path());
}

/// `merge --clean` in `project`, then the tree must be the merged fixture, byte for byte.
fn merge_and_compare(project: &Path) {
    let backups = TempDir::new().unwrap();
    assistant(project)
        .env("TMPDIR", backups.path())
        .args(["merge", "--clean"])
        .assert()
        .success();
    // Nothing is left to implement, and merging again is harmless.
    assistant(project).arg("scan").assert().success().stdout("");
    assistant(project)
        .env("TMPDIR", backups.path())
        .arg("merge")
        .assert()
        .success();

    let relative = |root: &Path| -> Vec<PathBuf> {
        files_under(root)
            .into_iter()
            .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
            .collect()
    };
    let expected_root = merged_fixture();
    assert_eq!(relative(project), relative(&expected_root));
    for file in relative(&expected_root) {
        let merged = fs::read_to_string(project.join(&file)).unwrap();
        let expected = fs::read_to_string(expected_root.join(&file)).unwrap();
        assert!(
            merged == expected,
            "{} differs from its expected merge:\n{merged}",
            file.display()
        );
    }
}

#[test]
fn an_answer_that_keeps_goctls_comment_goes_back_to_the_model() {
    let project = project::example_copy("gozero-shop");
    let file = format!("{RPC_LOGIC}/loginlogic.go");
    let good = answer_for(&file, "LoginLogic.Login");
    // The body implemented, but the comment left above it.
    let kept = good.replace(
        "(*pb.LoginResp, error) {\n",
        "(*pb.LoginResp, error) {\n\t// todo: add your logic here and delete this line\n",
    );
    assert_ne!(kept, good);
    let server = FakeLlm::start(Script::new(Behaviour::answer(&kept)).pick(move |request| {
        let repair = request
            .body
            .to_string()
            .contains("still holds the generator's comment");
        repair.then(|| Behaviour::answer(&good))
    }));
    let output = assistant(project.path())
        .args([
            "generate",
            "--type",
            "deepseek",
            "--verify",
            "off",
            "--base-url",
        ])
        .arg(server.base_url())
        .args(["--api-key", KEY, "--format", "json", "--file", &file])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events = events(&output.stdout);
    let done = events
        .iter()
        .find(|e| e["event"] == "job_succeeded")
        .expect("the job succeeds");
    assert_eq!(done["repair_rounds"], 1, "{events:?}");
    assert_eq!(server.request_count(), 2);
    let sidecar = fs::read_to_string(project.path().join(format!("{file}.assistant"))).unwrap();
    assert!(!sidecar.contains("todo: add your logic"), "{sidecar}");
}

#[test]
fn crlf_logic_files_round_trip_with_their_line_endings() {
    let project = project::example_copy("gozero-shop");
    for (file, _) in stubbed() {
        let path = project.path().join(&file);
        let lf = fs::read_to_string(&path).unwrap();
        fs::write(&path, lf.replace('\n', "\r\n")).unwrap();
    }
    let found = assistant(project.path()).arg("scan").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&found.stdout).lines().count(), 5);
    let server = answering_server();
    let output = assistant(project.path())
        .args([
            "generate",
            "--type",
            "deepseek",
            "--verify",
            "off",
            "--base-url",
        ])
        .arg(server.base_url())
        .args(["--api-key", KEY, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events = events(&output.stdout);
    let succeeded = events
        .iter()
        .filter(|e| e["event"] == "job_succeeded")
        .count();
    assert_eq!(succeeded, 5, "{events:?}");
    let backups = TempDir::new().unwrap();
    assistant(project.path())
        .env("TMPDIR", backups.path())
        .args(["merge", "--clean"])
        .assert()
        .success();
    assistant(project.path())
        .arg("scan")
        .assert()
        .success()
        .stdout("");
    for (file, _) in stubbed() {
        let merged = fs::read_to_string(project.path().join(&file)).unwrap();
        let expected = fs::read_to_string(merged_fixture().join(&file)).unwrap();
        assert_eq!(merged, expected.replace('\n', "\r\n"), "{file}");
    }
}

#[test]
fn a_service_context_importing_outside_the_project_carries_no_outside_file() {
    let top = TempDir::new().unwrap();
    let root = top.path().join("shop");
    let write = |path: &Path, text: &str| {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write(
        &top.path().join("victim/secretmodel.go"),
        "package victim\n\ntype SecretModel interface {\n\tLeak() string // OUTSIDE-SECRET\n}\n",
    );
    write(
        &root.join("go.mod"),
        "module shop\n\ngo 1.19\n\nrequire github.com/zeromicro/go-zero v1.6.0\n",
    );
    write(
        &root.join("rpc/internal/svc/servicecontext.go"),
        "package svc\n\nimport victim \"shop/../victim\"\n\ntype ServiceContext struct {\n\tSecretModel victim.SecretModel\n}\n",
    );
    write(
        &root.join("rpc/internal/logic/pinglogic.go"),
        "package logic\n\nfunc (l *PingLogic) Ping() error {\n\t// todo: add your logic here and delete this line\n\n\treturn nil\n}\n",
    );
    // A folder of coded errors that is a symlink out of the project is not read either.
    write(
        &top.path().join("codes/errors.go"),
        "package codes\n\n// OUTSIDE-ERRORS\nconst Secret = 1\n",
    );
    fs::create_dir_all(root.join("pkg")).unwrap();
    std::os::unix::fs::symlink(top.path().join("codes"), root.join("pkg/xerr")).unwrap();
    let output = assistant(&root)
        .args(["generate", "--type", "deepseek", "--only-print-prompt"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let prompt = String::from_utf8_lossy(&output.stdout);
    assert!(prompt.contains("PingLogic"), "{prompt}");
    assert!(!prompt.contains("OUTSIDE-SECRET"), "{prompt}");
    assert!(!prompt.contains("OUTSIDE-ERRORS"), "{prompt}");
}
