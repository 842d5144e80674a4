//! The route table in the domain crate, the routes and authorizer wiring in `template.yaml`,
//! the functions' `[[bin]]` list and the `cargo lambda watch` router must agree exactly.
//! Nobody keeps these lists in sync by hand: this test fails when one drifts.

use std::collections::BTreeSet;

use articles::item;
use articles::routes::ROUTES;
use lambda_http::{Body, Response};
use serde_norway::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn template() -> Value {
    let text = std::fs::read_to_string(format!("{ROOT}/template.yaml")).unwrap();
    serde_norway::from_str(&text).unwrap()
}

fn template_text() -> String {
    std::fs::read_to_string(format!("{ROOT}/template.yaml")).unwrap()
}

fn toml_file(path: &str) -> toml::Table {
    std::fs::read_to_string(format!("{ROOT}/{path}"))
        .unwrap()
        .parse()
        .unwrap()
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = value;
    for key in path {
        v = v.get(*key)?;
    }
    v.as_str()
}

/// Every function resource: (logical id, binary, resource).
fn functions(template: &Value) -> Vec<(String, String, Value)> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(id, r)| {
            assert_eq!(
                str_at(r, &["Metadata", "BuildMethod"]),
                Some("rust-cargolambda"),
                "{id:?}"
            );
            let binary = str_at(r, &["Metadata", "BuildProperties", "Binary"]).unwrap();
            (
                id.as_str().unwrap().to_owned(),
                binary.to_owned(),
                r.clone(),
            )
        })
        .collect()
}

/// (method, path, binary, has authorizer) for every HttpApi event in the template.
fn template_routes(template: &Value) -> BTreeSet<(String, String, String, bool)> {
    let mut out = BTreeSet::new();
    for (_, binary, resource) in functions(template) {
        let Some(events) = resource["Properties"]
            .get("Events")
            .and_then(Value::as_mapping)
        else {
            continue;
        };
        for (_, event) in events {
            assert_eq!(event["Type"], "HttpApi");
            let props = &event["Properties"];
            let auth = str_at(props, &["Auth", "Authorizer"]);
            if let Some(name) = auth {
                assert_eq!(name, "TokenAuthorizer");
            }
            out.insert((
                props["Method"].as_str().unwrap().to_uppercase(),
                props["Path"].as_str().unwrap().to_owned(),
                binary.clone(),
                auth.is_some(),
            ));
        }
    }
    out
}

fn fallback_routes() -> [(String, String, String, bool); 3] {
    ["/articles", "/articles/{id}", "$default"].map(|path| {
        (
            "ANY".to_owned(),
            path.to_owned(),
            "fallback".to_owned(),
            false,
        )
    })
}

#[test]
fn template_routes_match_the_route_table_plus_the_fallback() {
    let mut expected: BTreeSet<_> = ROUTES
        .iter()
        .map(|r| {
            (
                r.method.to_owned(),
                r.path.as_str().to_owned(),
                r.function.to_owned(),
                r.auth,
            )
        })
        .collect();
    expected.extend(fallback_routes());
    assert_eq!(template_routes(&template()), expected);
}

#[test]
fn every_binary_is_deployed_and_every_deployed_function_is_a_binary() {
    let manifest = toml_file("functions/Cargo.toml");
    let bins: BTreeSet<String> = manifest["bin"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap().to_owned())
        .collect();
    let deployed: BTreeSet<String> = functions(&template())
        .into_iter()
        .map(|(_, b, _)| b)
        .collect();
    assert_eq!(bins, deployed);
    let routed: BTreeSet<String> = ROUTES.iter().map(|r| r.function.to_owned()).collect();
    assert!(routed.is_subset(&bins));
}

#[test]
fn the_authorizer_is_the_authorizer_binary_with_simple_cached_responses() {
    let template = template();
    let authorizer =
        &template["Resources"]["HttpApi"]["Properties"]["Auth"]["Authorizers"]["TokenAuthorizer"];
    let arn = &authorizer["FunctionArn"];
    let target = format!("{arn:?}");
    let (logical, _, _) = functions(&template)
        .into_iter()
        .find(|(_, binary, _)| binary == "authorizer")
        .unwrap();
    assert!(target.contains(&logical), "{target}");
    assert_eq!(authorizer["EnableSimpleResponses"], Value::Bool(true));
    assert_eq!(authorizer["AuthorizerPayloadFormatVersion"], "2.0");
    assert_eq!(authorizer["Identity"]["Headers"][0], "Authorization");
    assert!(
        authorizer["Identity"]["ReauthorizeEvery"].as_u64().unwrap() > 0,
        "caching on"
    );
}

#[test]
fn the_table_matches_the_item_layout_and_is_retained() {
    let template = template();
    let table = &template["Resources"]["ArticlesTable"];
    assert_eq!(table["DeletionPolicy"], "Retain");
    assert_eq!(table["UpdateReplacePolicy"], "Retain");
    let props = &table["Properties"];
    assert_eq!(props["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(props["KeySchema"][0]["AttributeName"], item::ID);
    let index = &props["GlobalSecondaryIndexes"][0];
    assert_eq!(index["IndexName"], item::LIVE_INDEX);
    assert_eq!(index["KeySchema"][0]["AttributeName"], item::LIVE);
    assert_eq!(index["KeySchema"][1]["AttributeName"], item::ID);
    assert_eq!(
        props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        Value::Bool(true)
    );
}

#[test]
fn no_function_may_scan_or_use_wildcard_dynamodb_actions() {
    let text = template_text();
    assert!(!text.contains("dynamodb:*"));
    assert!(!text.contains("Scan"));
    assert!(!text.contains("DynamoDBCrudPolicy"));
}

#[test]
fn the_watch_router_matches_the_route_table() {
    let root = toml_file("Cargo.toml");
    let router = root["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .unwrap();
    let mut found = BTreeSet::new();
    for (path, routes) in router {
        for route in routes.as_array().unwrap() {
            found.insert((
                route["method"].as_str().unwrap().to_owned(),
                path.clone(),
                route["function"].as_str().unwrap().to_owned(),
            ));
        }
    }
    let expected: BTreeSet<_> = ROUTES
        .iter()
        .map(|r| {
            (
                r.method.to_owned(),
                r.path.as_str().to_owned(),
                r.function.to_owned(),
            )
        })
        .collect();
    assert_eq!(found, expected);
}

/// An API Gateway v2 event for `method path`, as the route `route_key` would deliver it.
fn event(method: &str, path: &str, route_key: &str) -> lambda_http::Request {
    let json = serde_json::json!({
        "version": "2.0", "routeKey": route_key, "rawPath": path, "rawQueryString": "",
        "headers": {"host": "abc123.execute-api.us-east-1.amazonaws.com", "accept": "*/*"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "stage": "$default",
            "requestId": "id", "routeKey": route_key, "timeEpoch": 0,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "t"}
        },
        "isBase64Encoded": false
    });
    lambda_http::request::from_str(&json.to_string()).unwrap()
}

fn problem(response: &Response<Body>) -> serde_json::Value {
    serde_json::from_slice(response.body().as_ref()).unwrap()
}

#[test]
fn the_fallback_answers_405_with_allow_on_known_paths_and_404_elsewhere() {
    // One request for each fallback route the template renders.
    for (_, path, binary, _) in template_routes(&template())
        .into_iter()
        .filter(|r| r.2 == "fallback")
    {
        assert_eq!(binary, "fallback");
        let (method, raw, status, allow) = match path.as_str() {
            "/articles" => ("PUT", "/articles", 405, Some("GET, POST")),
            "/articles/{id}" => ("PATCH", "/articles/1", 405, Some("GET, POST, DELETE")),
            "$default" => ("GET", "/nope", 404, None),
            other => panic!("unexpected fallback route {other}"),
        };
        let response = articles::http::fallback(&event(method, raw, &format!("ANY {path}")));
        assert_eq!(response.status(), status, "{method} {raw}");
        assert_eq!(
            response.headers().get("allow").map(|v| v.to_str().unwrap()),
            allow
        );
        assert_eq!(response.headers()["content-type"], "application/json");
        let body = problem(&response);
        assert_eq!(body["status"], status);
        assert_eq!(body["type"], "about:blank");
    }
}

fn openapi() -> Value {
    let text = std::fs::read_to_string(format!("{ROOT}/openapi.yaml")).unwrap();
    serde_norway::from_str(&text).unwrap()
}

/// Follows a local `$ref` (`#/components/...`) once.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .trim_start_matches("#/")
            .split('/')
            .fold(doc, |v, key| &v[key]),
        None => value,
    }
}

#[test]
fn openapi_describes_exactly_the_route_table_with_its_auth_and_errors() {
    let doc = openapi();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().unwrap() {
        for (method, operation) in item.as_mapping().unwrap() {
            let method = method.as_str().unwrap();
            if method == "parameters" {
                continue;
            }
            documented.insert((method.to_uppercase(), path.as_str().unwrap().to_owned()));
            let spec = ROUTES
                .iter()
                .find(|r| {
                    r.method.eq_ignore_ascii_case(method)
                        && r.path.as_str() == path.as_str().unwrap()
                })
                .unwrap_or_else(|| panic!("{method} {path:?} is not a route"));
            let security = operation["security"].as_sequence().unwrap();
            assert_eq!(
                !security.is_empty(),
                spec.auth,
                "{method} {path:?}: bearer security iff the route needs auth"
            );
            let responses = operation["responses"].as_mapping().unwrap();
            let statuses: BTreeSet<&str> = responses.keys().map(|k| k.as_str().unwrap()).collect();
            let mut expected: BTreeSet<&str> = ["500", "503"].into();
            if spec.auth {
                expected.extend(["401", "403", "408", "413"]);
            }
            if operation.get("requestBody").is_some() {
                expected.extend(["400", "415"]);
            }
            if spec.path.as_str().contains("{id}") {
                expected.insert("404");
            }
            if method == "get" && !spec.path.as_str().contains("{id}") {
                expected.insert("400");
            }
            let errors: BTreeSet<&str> = statuses
                .iter()
                .copied()
                .filter(|s| s.starts_with('4') || s.starts_with('5'))
                .collect();
            assert_eq!(errors, expected, "{method} {path:?}: documented errors");
            for (status, response) in responses {
                let response = resolve(&doc, response);
                let headers = response["headers"].as_mapping().unwrap();
                assert!(
                    headers.contains_key("X-Content-Type-Options"),
                    "{method} {path:?} {status:?}: nosniff"
                );
                let status = status.as_str().unwrap();
                if status != "200" || spec.auth {
                    assert!(
                        headers.contains_key("Cache-Control"),
                        "{method} {path:?} {status}: no-store"
                    );
                }
            }
        }
    }
    let routes: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.as_str().to_owned()))
        .collect();
    assert_eq!(documented, routes);

    let schemas = &doc["components"]["schemas"];
    let title = &schemas["TitleBody"]["properties"]["title"];
    assert_eq!(
        title["maxLength"].as_u64(),
        Some(articles::model::MAX_TITLE_CHARS as u64)
    );
    let list = &doc["paths"]["/articles"]["get"]["parameters"];
    let limit = list
        .as_sequence()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(
        limit["schema"]["maximum"].as_u64(),
        Some(u64::from(articles::model::MAX_LIMIT))
    );
    assert_eq!(
        limit["schema"]["default"].as_u64(),
        Some(u64::from(articles::model::DEFAULT_LIMIT))
    );
}
